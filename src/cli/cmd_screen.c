/*
 * cmd_screen.c - `celltwin screen` and `celltwin grade`: read a CSV file of
 * end-of-line measurements (two OCV readings per cell with times and
 * temperatures; capacity and IR for grading), compute each cell's k-value
 * raw and referred to a reference temperature, screen every lot for
 * outliers (median/MAD or iterative sigma) and against the 5 mV/week
 * short indicator, or sort cells into bins; print JSON or CSV on stdout.
 * Uses only the public API (celltwin/screening.h, cell_electrical.h).
 *
 * Exit status: 0 ok (flagged cells are a result, not a failure); 1 the file
 * cannot be opened or read, or memory ran out; 2 bad content or argument.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "celltwin/cell_electrical.h"
#include "celltwin/screening.h"
#include "celltwin/units.h"
#include "commands.h"

/* ---------------- usage ---------------- */

#define COMMON_OPTIONS                                                                  \
    "  --lot-column NAME   the column naming each cell's lot (default: \"lot\" if\n"    \
    "                      the header has it, else all cells form one lot)\n"          \
    "  --ref-temp T        reference temperature (default 25C; \"298.15K\" works)\n"   \
    "  --chemistry CHEM    lfp or nmc811: take dU/dT from the built-in OCV curve at\n" \
    "                      each cell's SOC (estimated from ocv1_v)\n"                  \
    "  --dudt X            one entropic coefficient for every cell, e.g. \"-0.36\n"    \
    "                      mV/K\" (units mV/K, uV/K, V/K; a bare number is mV/K).\n"   \
    "                      Without --chemistry or --dudt no temperature correction\n"  \
    "                      is made (k_comp = k_raw)\n"                                 \
    "  --ea E              also refer the self-discharge rate to the reference\n"      \
    "                      temperature by Arrhenius at the mean of temp1_c and\n"      \
    "                      temp2_c, e.g. \"53 kJ/mol\" (a bare number is kJ/mol)\n"    \
    "  --json | --csv      output format (default JSON)\n"

#define FILE_FORMAT                                                                        \
    "FILE is a CSV file with a header line; columns in any order, others ignored:\n"       \
    "  serial    cell id (text)          lot       lot name (text, optional)\n"            \
    "  ocv1_v    first OCV reading, V    temp1_c   cell temperature at it, C\n"            \
    "  ocv2_v    second OCV reading, V   temp2_c   cell temperature at it, C\n"            \
    "  t1_h, t2_h    times of the readings in hours on one clock, or\n"                    \
    "  time1, time2  ISO 8601 time stamps such as 2024-05-01T08:00:00 (one zone)\n"        \
    "Blank lines and lines starting with # are skipped; fields may be quoted.\n"

static const char screen_usage[] =
    "Usage: celltwin screen FILE [options]\n"
    "\n"
    "k-value screening of an aging step. For each cell\n"
    "  k_raw  = (ocv1 - ocv2) / (t2 - t1)             in mV/day (> 0: voltage falls)\n"
    "  OCV_ref = OCV - dU/dT (T - T_ref)\n"
    "  k_comp = (ocv1_ref - ocv2_ref) / (t2 - t1) / A  A = Arrhenius factor (--ea)\n"
    "then per lot the robust z of k_comp, z = (k - median) / (1.4826 MAD) (equal\n"
    "to the Iglewicz-Hoaglin modified z-score), flagged \"high\" or \"low\" beyond\n"
    "--threshold, and \"limit\" above the absolute limit (5 mV/week, the RWTH\n"
    "PEM/VDMA indicator of an internal short). Lots of fewer than 3 cells get\n"
    "no z (null), only the limit.\n"
    "\n"
    FILE_FORMAT
    "\n"
    "Options:\n"
    "  --threshold Z       |z| above Z is an outlier (default 3.5)\n"
    "  --method mad|sigma  median/MAD (default), or iterative exclusion: mean and\n"
    "                      sd, drop |k - mean| > Z sd, repeat until stable\n"
    "  --limit RATE        absolute limit on k, e.g. \"5 mV/wk\", \"0.7 mV/d\", or\n"
    "                      \"none\" (default 5 mV/wk)\n"
    "  --raw               screen k_raw instead of k_comp\n"
    COMMON_OPTIONS
    "\n"
    "JSON output: options used, \"cells\" (serial, lot, line, k_raw_mv_per_day,\n"
    "k_comp_mv_per_day, dudt_mv_per_k, z, flags, flagged) and \"lots\" (lot, n,\n"
    "median_k_raw_mv_per_day, median_k_comp_mv_per_day, center_mv_per_day,\n"
    "scale_mv_per_day, n_flagged). CSV output: one line per cell, then one\n"
    "\"# lot ...\" summary line per lot. Equations: docs/cell-model.md.\n"
    "\n"
    "Exit status: 0 ok (also when cells are flagged), 1 FILE cannot be read,\n"
    "2 bad content or option.\n";

static const char grade_usage[] =
    "Usage: celltwin grade FILE --bins BINS.yaml [options]\n"
    "\n"
    "Sorts cells into bins by capacity_ah, ir_mohm, ocv_v and k_mv_per_day: the\n"
    "first bin (in file order) whose limits all hold wins; a cell that fits\n"
    "none gets the fallback name (\"reject\", or \"otherwise:\" in BINS).\n"
    "ocv_v is the second OCV reading referred to the reference temperature and\n"
    "k_mv_per_day the compensated k-value, as `celltwin screen` computes them.\n"
    "\n"
    FILE_FORMAT
    "plus optional columns capacity_ah and ir_mohm (an empty field = not\n"
    "measured, which fails any bin that limits it).\n"
    "\n"
    "BINS is YAML:\n"
    "  bins:\n"
    "    - name: A\n"
    "      capacity_ah: [4.95, null]     # [min, max], null = open, inclusive\n"
    "      ir_mohm: [null, 18]\n"
    "      k_mv_per_day: [null, 0.3]\n"
    "    - name: B\n"
    "      capacity_ah: [4.85, null]\n"
    "  otherwise: rework\n"
    "\n"
    "Options:\n"
    "  --bins BINS.yaml    the bins (required)\n"
    COMMON_OPTIONS
    "\n"
    "JSON output: \"cells\" (serial, lot, line, capacity_ah, ir_mohm, ocv_v,\n"
    "k_mv_per_day, grade) and \"grades\" (name, n) in bin order, fallback last.\n"
    "\n"
    "Exit status: 0 ok, 1 FILE or BINS cannot be read, 2 bad content or option.\n";

/* ---------------- arguments ---------------- */


/* A number followed by one of the units (scale to the wanted unit), or a
 * bare number in units[0]. */
typedef struct unit_scale {
    const char *unit;
    double scale;
} unit_scale;

static bool number_with_unit(const char *text, const unit_scale *units, size_t nu, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || !isfinite(v))
        return false;
    while (*end == ' ')
        end++;
    if (*end == '\0') {
        *out = v * units[0].scale;
        return true;
    }
    for (size_t i = 0; i < nu; i++)
        if (strcmp(end, units[i].unit) == 0) {
            *out = v * units[i].scale;
            return true;
        }
    return false;
}

/* Settings shared by screen and grade. */
typedef struct common {
    const char *lot_column;
    ct_kvalue_options kv;
    bool csv;
    const char *chemistry;  /* name given, or NULL */
} common;

static int parse_common(const char *cmd, const cti_opt *o, size_t n, common *c)
{
    ct_kvalue_options_init(&c->kv);
    c->lot_column = cti_args_get(o, n, "--lot-column");
    const char *v;
    char why[256];
    if ((v = cti_args_get(o, n, "--ref-temp"))
        && ct_quantity_parse(v, CT_DIM_TEMPERATURE, false, &c->kv.ref_temp_c, why, sizeof why)
               != CT_OK)
        return cti_usage_error(cmd, "--ref-temp: %s", why);
    const char *chem = cti_args_get(o, n, "--chemistry"), *dudt = cti_args_get(o, n, "--dudt");
    if (chem && dudt)
        return cti_usage_error(cmd, "give --chemistry or --dudt, not both");
    c->chemistry = chem;
    if (chem) {
        ct_chemistry ch;
        if (ct_chemistry_parse(chem, &ch) != CT_OK)
            return cti_usage_error(cmd, "--chemistry: expected lfp or nmc811, got \"%s\"", chem);
        c->kv.curve = ct_ocv_curve_builtin(ch);
    }
    if (dudt) {
        static const unit_scale u[] = { { "mV/K", 1e-3 }, { "uV/K", 1e-6 }, { "V/K", 1.0 } };
        if (!number_with_unit(dudt, u, 3, &c->kv.dudt_v_per_k))
            return cti_usage_error(cmd, "--dudt: expected an entropic coefficient such as "
                                        "\"-0.36 mV/K\", got \"%s\"", dudt);
    }
    if ((v = cti_args_get(o, n, "--ea"))) {
        static const unit_scale u[] = { { "kJ/mol", 1e3 }, { "J/mol", 1.0 } };
        if (!number_with_unit(v, u, 2, &c->kv.ea_j_per_mol) || c->kv.ea_j_per_mol < 0)
            return cti_usage_error(cmd, "--ea: expected an activation energy >= 0 such as "
                                        "\"53 kJ/mol\", got \"%s\"", v);
    }
    bool json = cti_args_get(o, n, "--json") != NULL;
    c->csv = cti_args_get(o, n, "--csv") != NULL;
    if (json && c->csv)
        return cti_usage_error(cmd, "give --json or --csv, not both");
    return 0;
}

/* ---------------- output helpers ---------------- */

static int finish_csv(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "celltwin: cannot write the output: %s\n", strerror(errno));
        return CTI_EXIT_FAIL;
    }
    return CTI_EXIT_OK;
}

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void csv_text(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void csv_num(double v)
{
    if (isfinite(v))
        printf("%.10g", v);
}

static void put_common(json_t *o, const common *c, const ct_kvalue_options *kv)
{
    json_object_set_new(o, "ref_temp_c", json_real(kv->ref_temp_c));
    if (c->chemistry)
        json_object_set_new(o, "chemistry",
                            json_string(ct_chemistry_name(
                                kv->curve == ct_ocv_curve_builtin(CT_CHEM_LFP) ? CT_CHEM_LFP
                                                                              : CT_CHEM_NMC811)));
    else
        json_object_set_new(o, "dudt_mv_per_k", json_real(kv->dudt_v_per_k * 1e3));
    json_object_set_new(o, "ea_kj_per_mol", json_real(kv->ea_j_per_mol / 1e3));
}

/* ---------------- screen ---------------- */

static void flag_names(unsigned flags, const char **names, size_t *n)
{
    *n = 0;
    if (flags & CT_SCREEN_HIGH)
        names[(*n)++] = "high";
    if (flags & CT_SCREEN_LOW)
        names[(*n)++] = "low";
    if (flags & CT_SCREEN_LIMIT)
        names[(*n)++] = "limit";
}

static int print_screen(const ct_screen_file *f, const ct_screen *s, const common *c,
                        const ct_screen_options *so)
{
    if (c->csv) {
        printf("serial,lot,line,k_raw_mv_per_day,k_comp_mv_per_day,dudt_mv_per_k,z,flags\n");
        for (size_t i = 0; i < f->n; i++) {
            const ct_screen_cell *cell = &s->cells[i];
            csv_text(f->serial[i]);
            putchar(',');
            csv_text(f->lot_names[f->lot_of[i]]);
            printf(",%zu,", f->line[i]);
            csv_num(cell->k.raw_mv_per_day);
            putchar(',');
            csv_num(cell->k.comp_mv_per_day);
            putchar(',');
            csv_num(cell->k.dudt_v_per_k * 1e3);
            putchar(',');
            csv_num(cell->z);
            putchar(',');
            const char *names[3];
            size_t nn;
            flag_names(cell->flags, names, &nn);
            for (size_t j = 0; j < nn; j++)
                printf("%s%s", j ? "+" : "", names[j]);
            putchar('\n');
        }
        for (size_t l = 0; l < s->n_lots; l++) {
            const ct_screen_lot *lot = &s->lots[l];
            printf("# lot ");
            csv_text(f->lot_names[l]);
            printf(": n=%zu median_k_raw_mv_per_day=%.10g median_k_comp_mv_per_day=%.10g "
                   "center_mv_per_day=%.10g scale_mv_per_day=%.10g n_flagged=%zu\n",
                   lot->n, lot->median_raw_mv_per_day, lot->median_comp_mv_per_day,
                   lot->center_mv_per_day, lot->scale_mv_per_day, lot->n_flagged);
        }
        return finish_csv();
    }

    json_t *root = json_object();
    if (!root)
        return cti_json_emit("screen", NULL, 17);
    put_common(root, c, &so->kvalue);
    json_object_set_new(root, "method", json_string(ct_outlier_method_name(so->outlier.method)));
    json_object_set_new(root, "threshold", json_real(so->outlier.threshold));
    json_object_set_new(root, "limit_mv_per_day", cti_json_num(so->limit_mv_per_day));
    json_object_set_new(root, "screened", json_string(so->use_raw ? "k_raw" : "k_comp"));
    json_t *cells = json_array();
    json_object_set_new(root, "cells", cells);
    for (size_t i = 0; cells && i < f->n; i++) {
        const ct_screen_cell *cell = &s->cells[i];
        json_t *o = json_object();
        if (!o)
            break;
        json_object_set_new(o, "serial", json_string(f->serial[i]));
        json_object_set_new(o, "lot", json_string(f->lot_names[f->lot_of[i]]));
        json_object_set_new(o, "line", json_integer((json_int_t)f->line[i]));
        json_object_set_new(o, "k_raw_mv_per_day", cti_json_num(cell->k.raw_mv_per_day));
        json_object_set_new(o, "k_comp_mv_per_day", cti_json_num(cell->k.comp_mv_per_day));
        json_object_set_new(o, "dudt_mv_per_k", cti_json_num(cell->k.dudt_v_per_k * 1e3));
        json_object_set_new(o, "z", cti_json_num(cell->z));
        json_t *fl = json_array();
        const char *names[3];
        size_t nn;
        flag_names(cell->flags, names, &nn);
        for (size_t j = 0; fl && j < nn; j++)
            json_array_append_new(fl, json_string(names[j]));
        json_object_set_new(o, "flags", fl);
        json_object_set_new(o, "flagged", json_boolean(cell->flags != 0));
        json_array_append_new(cells, o);
    }
    json_t *lots = json_array();
    json_object_set_new(root, "lots", lots);
    for (size_t l = 0; lots && l < s->n_lots; l++) {
        const ct_screen_lot *lot = &s->lots[l];
        json_t *o = json_object();
        if (!o)
            break;
        json_object_set_new(o, "lot", json_string(f->lot_names[l]));
        json_object_set_new(o, "n", json_integer((json_int_t)lot->n));
        json_object_set_new(o, "median_k_raw_mv_per_day", cti_json_num(lot->median_raw_mv_per_day));
        json_object_set_new(o, "median_k_comp_mv_per_day", cti_json_num(lot->median_comp_mv_per_day));
        json_object_set_new(o, "center_mv_per_day", cti_json_num(lot->center_mv_per_day));
        json_object_set_new(o, "scale_mv_per_day", cti_json_num(lot->scale_mv_per_day));
        json_object_set_new(o, "n_flagged", json_integer((json_int_t)lot->n_flagged));
        json_array_append_new(lots, o);
    }
    return cti_json_emit("screen", root, 17);
}

static int run_screen(int argc, char **argv)
{
    const char *cmd = "screen";
    cti_opt o[] = {
        { "--lot-column", false, NULL }, { "--ref-temp", false, NULL },
        { "--threshold", false, NULL },  { "--method", false, NULL },
        { "--limit", false, NULL },      { "--chemistry", false, NULL },
        { "--dudt", false, NULL },       { "--ea", false, NULL },
        { "--raw", true, NULL },       { "--json", true, NULL },
        { "--csv", true, NULL },
    };
    const size_t n = sizeof o / sizeof o[0];
    const char *file;
    int rc = cti_args_parse(cmd, screen_usage, argc, argv, o, n,
                            "a CSV file of measurements, or - for standard input", &file);
    if (rc)
        return rc == CTI_HELP_SHOWN ? CTI_EXIT_OK : rc;
    common c;
    if ((rc = parse_common(cmd, o, n, &c)) != 0)
        return rc;

    ct_screen_options so;
    ct_screen_options_init(&so);
    so.kvalue = c.kv;
    so.use_raw = cti_args_get(o, n, "--raw") != NULL;
    const char *v;
    if ((v = cti_args_get(o, n, "--threshold"))) {
        char *end;
        so.outlier.threshold = strtod(v, &end);
        if (end == v || *end != '\0' || !(so.outlier.threshold > 0)
            || !isfinite(so.outlier.threshold))
            return cti_usage_error(cmd, "--threshold: expected a number > 0, got \"%s\"", v);
    }
    if ((v = cti_args_get(o, n, "--method")) && ct_outlier_method_parse(v, &so.outlier.method) != CT_OK)
        return cti_usage_error(cmd, "--method: expected mad or sigma, got \"%s\"", v);
    if ((v = cti_args_get(o, n, "--limit"))) {
        if (strcmp(v, "none") == 0) {
            so.limit_mv_per_day = INFINITY;
        } else {
            char why[256];
            double v_per_s;
            if (ct_quantity_parse(v, CT_DIM_VOLTAGE_RATE, true, &v_per_s, why, sizeof why)
                != CT_OK)
                return cti_usage_error(cmd, "--limit: %s (or \"none\")", why);
            so.limit_mv_per_day = v_per_s * 1e3 * 86400.0;
        }
    }

    ct_error err;
    ct_error_clear(&err);
    ct_screen_file f;
    ct_screen_file_init(&f);
    ct_screen s;
    ct_screen_init(&s);
    if (ct_screen_file_read(file, c.lot_column, &f, &err) != CT_OK) {
        rc = cti_exit_for(cmd, &err);
        goto cleanup;
    }
    if (ct_screen_run(f.pairs, f.lot_of, f.n, f.n_lots, &so, &s, &err) != CT_OK) {
        rc = cti_exit_for(cmd, &err);
        goto cleanup;
    }
    rc = print_screen(&f, &s, &c, &so);

cleanup:
    ct_screen_clear(&s);
    ct_screen_file_clear(&f);
    return rc;
}

/* ---------------- grade ---------------- */

static int run_grade(int argc, char **argv)
{
    const char *cmd = "grade";
    cti_opt o[] = {
        { "--bins", false, NULL },      { "--lot-column", false, NULL },
        { "--ref-temp", false, NULL },  { "--chemistry", false, NULL },
        { "--dudt", false, NULL },      { "--ea", false, NULL },
        { "--json", true, NULL },     { "--csv", true, NULL },
    };
    const size_t n = sizeof o / sizeof o[0];
    const char *file;
    int rc = cti_args_parse(cmd, grade_usage, argc, argv, o, n,
                            "a CSV file of measurements, or - for standard input", &file);
    if (rc)
        return rc == CTI_HELP_SHOWN ? CTI_EXIT_OK : rc;
    common c;
    if ((rc = parse_common(cmd, o, n, &c)) != 0)
        return rc;
    const char *bins_path = cti_args_get(o, n, "--bins");
    if (!bins_path)
        return cti_usage_error(cmd, "missing --bins BINS.yaml");

    ct_error err;
    ct_error_clear(&err);
    ct_grade_bins bins;
    ct_grade_bins_init(&bins);
    ct_screen_file f;
    ct_screen_file_init(&f);
    size_t *count = NULL;
    int *grade = NULL;
    double *ocv = NULL, *k = NULL;
    json_t *root = NULL;
    if (ct_grade_bins_load(bins_path, &bins, &err) != CT_OK
        || ct_screen_file_read(file, c.lot_column, &f, &err) != CT_OK) {
        rc = cti_exit_for(cmd, &err);
        goto cleanup;
    }
    count = calloc(bins.n + 1, sizeof *count);
    grade = malloc(f.n * sizeof *grade);
    ocv = malloc(f.n * sizeof *ocv);
    k = malloc(f.n * sizeof *k);
    if (!count || !grade || !ocv || !k) {
        fprintf(stderr, "celltwin %s: out of memory\n", cmd);
        rc = CTI_EXIT_FAIL;
        goto cleanup;
    }
    for (size_t i = 0; i < f.n; i++) {
        ct_kvalue kv;
        if (ct_kvalue_compute(&f.pairs[i], &c.kv, &kv, &err) != CT_OK) {
            rc = cti_usage_error(cmd, "%s:%zu: %s", file, f.line[i], err.msg);
            goto cleanup;
        }
        const ct_ocv_pair *p = &f.pairs[i];
        ocv[i] = p->ocv2_v - kv.dudt_v_per_k * (p->temp2_c - c.kv.ref_temp_c);
        k[i] = kv.comp_mv_per_day;
        double value[CT_GRADE__COUNT] = {
            [CT_GRADE_CAPACITY_AH] = f.extra[CT_GRADE_CAPACITY_AH]
                                         ? f.extra[CT_GRADE_CAPACITY_AH][i] : NAN,
            [CT_GRADE_IR_MOHM] = f.extra[CT_GRADE_IR_MOHM] ? f.extra[CT_GRADE_IR_MOHM][i] : NAN,
            [CT_GRADE_OCV_V] = ocv[i],
            [CT_GRADE_K_MV_PER_DAY] = k[i],
        };
        grade[i] = ct_grade_cell(&bins, value);
        count[grade[i] < 0 ? bins.n : (size_t)grade[i]]++;
    }

#define GRADE_NAME(g) ((g) < 0 ? bins.fallback : bins.items[(g)].name)
#define EXTRA(a, i) (f.extra[(a)] ? f.extra[(a)][(i)] : NAN)
    if (c.csv) {
        printf("serial,lot,line,capacity_ah,ir_mohm,ocv_v,k_mv_per_day,grade\n");
        for (size_t i = 0; i < f.n; i++) {
            csv_text(f.serial[i]);
            putchar(',');
            csv_text(f.lot_names[f.lot_of[i]]);
            printf(",%zu,", f.line[i]);
            csv_num(EXTRA(CT_GRADE_CAPACITY_AH, i));
            putchar(',');
            csv_num(EXTRA(CT_GRADE_IR_MOHM, i));
            putchar(',');
            csv_num(ocv[i]);
            putchar(',');
            csv_num(k[i]);
            putchar(',');
            csv_text(GRADE_NAME(grade[i]));
            putchar('\n');
        }
        for (size_t g = 0; g <= bins.n; g++) {
            printf("# grade ");
            csv_text(g < bins.n ? bins.items[g].name : bins.fallback);
            printf(": n=%zu\n", count[g]);
        }
        rc = finish_csv();
        goto cleanup;
    }
    root = json_object();
    if (root) {
        put_common(root, &c, &c.kv);
        json_t *cells = json_array();
        json_object_set_new(root, "cells", cells);
        for (size_t i = 0; cells && i < f.n; i++) {
            json_t *e = json_object();
            if (!e)
                break;
            json_object_set_new(e, "serial", json_string(f.serial[i]));
            json_object_set_new(e, "lot", json_string(f.lot_names[f.lot_of[i]]));
            json_object_set_new(e, "line", json_integer((json_int_t)f.line[i]));
            json_object_set_new(e, "capacity_ah", cti_json_num(EXTRA(CT_GRADE_CAPACITY_AH, i)));
            json_object_set_new(e, "ir_mohm", cti_json_num(EXTRA(CT_GRADE_IR_MOHM, i)));
            json_object_set_new(e, "ocv_v", cti_json_num(ocv[i]));
            json_object_set_new(e, "k_mv_per_day", cti_json_num(k[i]));
            json_object_set_new(e, "grade", json_string(GRADE_NAME(grade[i])));
            json_array_append_new(cells, e);
        }
        json_t *grades = json_array();
        json_object_set_new(root, "grades", grades);
        for (size_t g = 0; grades && g <= bins.n; g++) {
            json_t *e = json_object();
            if (!e)
                break;
            json_object_set_new(e, "name",
                                json_string(g < bins.n ? bins.items[g].name : bins.fallback));
            json_object_set_new(e, "n", json_integer((json_int_t)count[g]));
            json_array_append_new(grades, e);
        }
    }
#undef GRADE_NAME
#undef EXTRA
    rc = cti_json_emit(cmd, root, 17);
    root = NULL;

cleanup:
    free(count);
    free(grade);
    free(ocv);
    free(k);
    ct_screen_file_clear(&f);
    ct_grade_bins_clear(&bins);
    return rc;
}

const cti_command cti_cmd_screen = {
    "screen", run_screen,
    "k-value screening of OCV aging measurements, per lot (median/MAD)",
    screen_usage,
};

const cti_command cti_cmd_grade = {
    "grade", run_grade,
    "sort cells into grades by capacity, IR, OCV and k-value limits",
    grade_usage,
};
