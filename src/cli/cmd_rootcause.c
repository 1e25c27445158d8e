/*
 * cmd_rootcause.c - `celltwin rootcause`: which lots, slurry batches,
 * coils, coil sections, equipment and shifts are over-represented among a
 * set of cells of a trace database (the self-discharge outliers, the
 * scrapped cells, one scrap cause, or a list of serials), ranked by a
 * one-sided Fisher exact test adjusted for the number of levels tested
 * (celltwin/rootcause.h, docs/rootcause.md). Prints a table, or JSON with
 * --json, or CSV with --csv.
 *
 * Exit status: 0 ok; 1 the database is missing or of another schema
 * version, the run or a listed serial is not in it, or no cell of the run
 * is a target; 2 a wrong argument (an unknown --cells keyword or option, a
 * malformed serial, an empty or unreadable list file).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/rootcause.h"
#include "celltwin/units.h"
#include "commands.h"
#include "trace_cli.h"

static const char usage[] =
    "Usage: celltwin rootcause TRACE.db --cells WHICH [--run CODE] [--top N]\n"
    "                          [--metre-bin LENGTH] [--shift DURATION] [--factors LIST]\n"
    "                          [--population reached|all] [--adjust bh|bonferroni]\n"
    "                          [--json | --csv]\n"
    "\n"
    "Ranks the upstream factors of a set of cells (the targets) by how much they\n"
    "are over-represented among them compared with the cells of the run, from a\n"
    "trace written by `celltwin run --trace`. WHICH is\n"
    "  outliers          cells the aging screen scrapped as self-discharge\n"
    "                    outliers, or a gate on k_value / self_discharge_current\n"
    "  scrapped          every scrapped cell\n"
    "  cause=NAME        cells scrapped with that cause (a gate's name, \"scrap\n"
    "                    rate\", a model's cause such as \"rework limit\")\n"
    "  SERIAL,SERIAL,..  the cells listed (RUNCODE-NUMBER, e.g. 7KQ2MX-0001234)\n"
    "  @FILE             the serials in FILE, one a line (# starts a comment)\n"
    "\n"
    "Factors and their levels:\n"
    "  lot        raw-material lot (am:3)\n"
    "  batch      slurry batch (cathode_mixing:12)\n"
    "  coil       coil, all lanes (cathode_coating:3)\n"
    "  section    lane and metre bin of a coil (cathode_coating:3/1 200-250 m)\n"
    "  equipment  station and server, of the cell's jobs and of its coils'\n"
    "             and batches' jobs (formation server 17)\n"
    "  shift      station and time window of a job's start (stacking 16-24 h)\n"
    "Each level gets a one-sided Fisher exact test (are the targets\n"
    "over-represented among the cells with it?); the p-values are adjusted for\n"
    "the number of levels tested. Rows are ranked by adjusted p-value, ties by\n"
    "lift = (share of the targets with the level) / (share of all cells with it).\n"
    "\n"
    "Options:\n"
    "  --run CODE          the run (default: the serials' run, else the latest)\n"
    "  --top N             rows to print (default 20; 0 = every level tested)\n"
    "  --metre-bin LENGTH  width of the coil sections (default 50 m)\n"
    "  --shift DURATION    width of the shift windows (default 8 h, from t = 0)\n"
    "  --factors LIST      factors to test, comma-separated (default: all)\n"
    "  --population reached|all\n"
    "                      compare with the cells that reached the station where\n"
    "                      the targets were scrapped (default; several stations:\n"
    "                      the cells made up to the last one that reached the\n"
    "                      later of them), or with every cell of the run (also\n"
    "                      those still upstream of the screen)\n"
    "  --adjust bh|bonferroni\n"
    "                      Benjamini-Hochberg (default: false discovery rate) or\n"
    "                      Bonferroni (family-wise error rate)\n"
    "  --json              one JSON object: the summary and \"rows\"\n"
    "  --csv               CSV with a header line\n"
    "\n"
    "Ambient temperature is not a factor: the trace holds no time-varying\n"
    "temperature (docs/rootcause.md).\n"
    "Exit status: 0 ok, 1 no such database, run or serial, or no target cell in\n"
    "the run, 2 bad arguments.\n";

#define CMD "rootcause"

/* The serials of --cells: a comma-separated list or the lines of @FILE. */
typedef struct serials {
    char **v;
    size_t n, cap;
    char *text;   /* the buffer the entries point into */
} serials;

static void serials_free(serials *s)
{
    free(s->v);
    free(s->text);
}

static bool serials_add(serials *s, char *p)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return false;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = p;
    return true;
}

static char *trim(char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    char *e = p + strlen(p);
    while (e > p && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return p;
}

/* Splits s->text at the separators (',' for a list, '\n' for a file). */
static bool serials_split(serials *s, bool file)
{
    char *p = s->text;
    while (p) {
        char *next = strchr(p, file ? '\n' : ',');
        if (next)
            *next++ = '\0';
        if (file) {
            char *hash = strchr(p, '#');
            if (hash)
                *hash = '\0';
        }
        char *t = trim(p);
        if (*t && !serials_add(s, t))
            return false;
        p = next;
    }
    return true;
}

static int read_serials(const char *arg, serials *s)
{
    if (arg[0] != '@') {
        if (!(s->text = strdup(arg)) || !serials_split(s, false))
            return cti_usage_error(CMD, "out of memory");
        if (!s->n)
            return cti_usage_error(CMD, "--cells: expected serials, got \"%s\"", arg);
        return CTI_EXIT_OK;
    }
    const char *path = arg + 1;
    FILE *f = fopen(path, "r");
    if (!f)
        return cti_usage_error(CMD, "--cells %s: cannot read the list of serials: %s", arg,
                               strerror(errno));
    size_t len = 0, cap = 0;
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + got + 1 > cap) {
            cap = 2 * (len + got + 1);
            char *t = realloc(s->text, cap);
            if (!t) {
                fclose(f);
                return cti_usage_error(CMD, "%s: out of memory", path);
            }
            s->text = t;
        }
        memcpy(s->text + len, buf, got);
        len += got;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad)
        return cti_usage_error(CMD, "%s: cannot read the list of serials", path);
    if (!s->text && !(s->text = calloc(1, 1)))
        return cti_usage_error(CMD, "%s: out of memory", path);
    s->text[len] = '\0';
    if (!serials_split(s, true))
        return cti_usage_error(CMD, "%s: out of memory", path);
    if (!s->n)
        return cti_usage_error(CMD, "%s: expected serials, one a line (RUNCODE-NUMBER), got none", path);
    return CTI_EXIT_OK;
}

/* A list when it starts with @ or holds a digit (serials do, the keywords
 * do not; cause=NAME is a keyword whatever NAME). */
static bool is_list(const char *cells)
{
    if (cells[0] == '@')
        return true;
    if (strncmp(cells, "cause=", 6) == 0)
        return false;
    return strpbrk(cells, "0123456789") != NULL;
}

/* A p-value from its natural log: %.3g, or mantissa and exponent when it
 * is below the range of doubles. */
static void fmt_p(double log_p, char *buf, size_t len)
{
    if (log_p > -690.0) {
        snprintf(buf, len, "%.3g", exp(log_p));
        return;
    }
    double l10 = log_p / log(10.0), e = floor(l10);
    double m = pow(10.0, l10 - e);
    if (m >= 9.995) {
        m /= 10;
        e += 1;
    }
    snprintf(buf, len, "%.3ge%.0f", m, e);
}

static const char *const cols[] = {"rank", "factor", "level", "targets_with", "cells_with",
                                   "lift", "p_value", "p_adjusted"};
enum { NCOLS = 8 };

/* Row r's fields as text for the table. */
static void row_fields(const ct_rootcause_row *row, size_t rank, char f[NCOLS][256])
{
    snprintf(f[0], 256, "%zu", rank);
    snprintf(f[1], 256, "%s", ct_rootcause_factor_name(row->factor));
    snprintf(f[2], 256, "%s", row->level);
    snprintf(f[3], 256, "%llu", (unsigned long long)row->targets_with);
    snprintf(f[4], 256, "%llu", (unsigned long long)row->cells_with);
    snprintf(f[5], 256, "%.3g", row->lift);
    fmt_p(row->log_p, f[6], 256);
    fmt_p(row->log_p_adjusted, f[7], 256);
}

static const char *adjust_name(ct_rootcause_adjust a)
{
    return a == CT_RC_ADJUST_BONFERRONI ? "bonferroni" : "benjamini-hochberg";
}

static void print_table(const ct_rootcause *r)
{
    const ct_rootcause_summary *s = ct_rootcause_summary_get(r);
    printf("run %s: %llu targets, %s,\n  among %llu %s (%llu cells in the run)\n", s->run,
           (unsigned long long)s->targets, s->targets_what, (unsigned long long)s->cells,
           s->population_what, (unsigned long long)s->run_cells);
    printf("%llu levels tested (", (unsigned long long)s->levels_tested);
    for (int f = 0; f < CT_RC_FACTOR_COUNT; f++)
        printf("%s%s %llu", f ? ", " : "", ct_rootcause_factor_name((ct_rootcause_factor)f),
               (unsigned long long)s->levels_by_factor[f]);
    printf("); one-sided Fisher exact test, p adjusted by %s\n\n",
           s->adjust == CT_RC_ADJUST_BONFERRONI ? "Bonferroni" : "Benjamini-Hochberg");
    size_t n = ct_rootcause_rows(r);
    size_t w[NCOLS];
    char f[NCOLS][256];
    for (int c = 0; c < NCOLS; c++)
        w[c] = strlen(cols[c]);
    for (size_t i = 0; i < n; i++) {
        row_fields(ct_rootcause_row_at(r, i), i + 1, f);
        for (int c = 0; c < NCOLS; c++)
            if (strlen(f[c]) > w[c])
                w[c] = strlen(f[c]);
    }
    for (int c = 0; c < NCOLS; c++) {
        bool left = c == 1 || c == 2;
        printf("%s%*s", c ? "  " : "", left ? -(int)w[c] : (int)w[c], cols[c]);
    }
    putchar('\n');
    for (size_t i = 0; i < n; i++) {
        row_fields(ct_rootcause_row_at(r, i), i + 1, f);
        for (int c = 0; c < NCOLS; c++) {
            bool left = c == 1 || c == 2;
            printf("%s%*s", c ? "  " : "", left ? -(int)w[c] : (int)w[c], f[c]);
        }
        putchar('\n');
    }
    if (!n)
        printf("(no level to test: every level is held by all cells or by none)\n");
    printf("\nnot tested: %s\n", s->not_tested);
}

static void print_csv(const ct_rootcause *r)
{
    for (int c = 0; c < NCOLS; c++)
        printf("%s%s", c ? "," : "", cols[c]);
    printf(",log10_p_value,log10_p_adjusted\n");
    char a[64], b[64], l[64], x[64], y[64];
    for (size_t i = 0; i < ct_rootcause_rows(r); i++) {
        const ct_rootcause_row *row = ct_rootcause_row_at(r, i);
        printf("%zu,%s,", i + 1, ct_rootcause_factor_name(row->factor));
        cti_csv_field(row->level, stdout);
        cti_fmt_real(row->lift, l, sizeof l);
        cti_fmt_real(row->p_value, a, sizeof a);
        cti_fmt_real(row->p_adjusted, b, sizeof b);
        cti_fmt_real(row->log_p / log(10.0), x, sizeof x);
        cti_fmt_real(row->log_p_adjusted / log(10.0), y, sizeof y);
        printf(",%llu,%llu,%s,%s,%s,%s,%s\n", (unsigned long long)row->targets_with,
               (unsigned long long)row->cells_with, l, a, b, x, y);
    }
}

static json_t *to_json(const ct_rootcause *r)
{
    const ct_rootcause_summary *s = ct_rootcause_summary_get(r);
    json_t *o = json_object(), *by = json_object(), *rows = json_array();
    if (!o || !by || !rows) {
        json_decref(o);
        json_decref(by);
        json_decref(rows);
        return NULL;
    }
    json_object_set_new(o, "run", json_string(s->run));
    json_object_set_new(o, "targets", json_integer((json_int_t)s->targets));
    json_object_set_new(o, "targets_what", json_string(s->targets_what));
    json_object_set_new(o, "cells", json_integer((json_int_t)s->cells));
    json_object_set_new(o, "population", json_string(s->population_what));
    json_object_set_new(o, "run_cells", json_integer((json_int_t)s->run_cells));
    json_object_set_new(o, "levels_tested", json_integer((json_int_t)s->levels_tested));
    for (int f = 0; f < CT_RC_FACTOR_COUNT; f++)
        json_object_set_new(by, ct_rootcause_factor_name((ct_rootcause_factor)f),
                            json_integer((json_int_t)s->levels_by_factor[f]));
    json_object_set_new(o, "levels_by_factor", by);
    json_object_set_new(o, "test", json_string("fisher-exact-one-sided"));
    json_object_set_new(o, "adjust", json_string(adjust_name(s->adjust)));
    json_object_set_new(o, "metre_bin_m", json_real(s->metre_bin_m));
    json_object_set_new(o, "shift_s", json_real(s->shift_s));
    json_object_set_new(o, "not_tested", json_string(s->not_tested));
    for (size_t i = 0; i < ct_rootcause_rows(r); i++) {
        const ct_rootcause_row *row = ct_rootcause_row_at(r, i);
        json_t *j = json_object();
        json_object_set_new(j, "rank", json_integer((json_int_t)(i + 1)));
        json_object_set_new(j, "factor", json_string(ct_rootcause_factor_name(row->factor)));
        json_object_set_new(j, "level", json_string(row->level));
        json_object_set_new(j, "targets_with", json_integer((json_int_t)row->targets_with));
        json_object_set_new(j, "cells_with", json_integer((json_int_t)row->cells_with));
        json_object_set_new(j, "lift", json_real(row->lift));
        json_object_set_new(j, "p_value", json_real(row->p_value));
        json_object_set_new(j, "p_adjusted", json_real(row->p_adjusted));
        json_object_set_new(j, "log10_p_value", json_real(row->log_p / log(10.0)));
        json_object_set_new(j, "log10_p_adjusted", json_real(row->log_p_adjusted / log(10.0)));
        json_array_append_new(rows, j);
    }
    json_object_set_new(o, "rows", rows);
    return o;
}

static void draw(void *ctx, double fraction)
{
    cti_progress_draw(ctx, fraction);
}

static int parse_factors(const char *list, unsigned *mask)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    *mask = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        ct_rootcause_factor f;
        ct_error err;
        ct_error_clear(&err);
        if (ct_rootcause_factor_parse(trim(t), &f, &err) != CT_OK)
            return cti_usage_error(CMD, "--factors: %s", err.msg);
        *mask |= 1u << f;
    }
    if (!*mask)
        return cti_usage_error(CMD, "--factors: expected factor names such as coil,section");
    return CTI_EXIT_OK;
}

static int rootcause_main(int argc, char **argv)
{
    const char *path = NULL, *cells = NULL, *run = NULL, *top_s = NULL, *bin_s = NULL,
               *shift_s = NULL, *factors_s = NULL, *pop_s = NULL, *adjust_s = NULL;
    enum cti_fmt f = CTI_FMT_TABLE;
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return CTI_EXIT_OK;
        } else if (cti_format_opt(argv[i], &f)) {
            continue;
        } else if (cti_is_opt(argv[i], "--cells")) {
            slot = &cells;
        } else if (cti_is_opt(argv[i], "--run")) {
            slot = &run;
        } else if (cti_is_opt(argv[i], "--top")) {
            slot = &top_s;
        } else if (cti_is_opt(argv[i], "--metre-bin")) {
            slot = &bin_s;
        } else if (cti_is_opt(argv[i], "--shift")) {
            slot = &shift_s;
        } else if (cti_is_opt(argv[i], "--factors")) {
            slot = &factors_s;
        } else if (cti_is_opt(argv[i], "--population")) {
            slot = &pop_s;
        } else if (cti_is_opt(argv[i], "--adjust")) {
            slot = &adjust_s;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return cti_usage_error(CMD, "unknown option \"%s\"", argv[i]);
        } else if (!path) {
            path = argv[i];
            continue;
        } else {
            return cti_usage_error(CMD, "expected one TRACE.db, got also \"%s\"", argv[i]);
        }
        const char *name = argv[i];
        if (!(*slot = cti_opt_arg(argc, argv, &i)))
            return cti_usage_error(CMD, "%s: expected a value", name);
    }
    if (!path)
        return cti_usage_error(CMD, "expected TRACE.db");
    if (!cells)
        return cti_usage_error(CMD,
                               "expected --cells outliers, scrapped, cause=NAME, SERIAL,... or @FILE");
    ct_rootcause_options opt;
    ct_rootcause_options_init(&opt);
    opt.run = run;
    char why[256];
    if (top_s) {
        char *end;
        errno = 0;
        long long n = strtoll(top_s, &end, 10);
        if (!*top_s || *end || errno || n < 0)
            return cti_usage_error(CMD, "--top: expected a number of rows >= 0, got \"%s\"", top_s);
        opt.top = (size_t)n;
    }
    if (bin_s && ct_quantity_parse(bin_s, CT_DIM_LENGTH, true, &opt.metre_bin_m, why, sizeof why) != CT_OK)
        return cti_usage_error(CMD, "--metre-bin: %s", why);
    if (shift_s && ct_duration_parse(shift_s, &opt.shift_s, why, sizeof why) != CT_OK)
        return cti_usage_error(CMD, "--shift: %s", why);
    int status;
    if (factors_s && (status = parse_factors(factors_s, &opt.factors)) != CTI_EXIT_OK)
        return status;
    if (pop_s) {
        if (strcmp(pop_s, "reached") == 0)
            opt.population = CT_RC_POP_REACHED;
        else if (strcmp(pop_s, "all") == 0)
            opt.population = CT_RC_POP_ALL;
        else
            return cti_usage_error(CMD, "--population: expected reached or all, got \"%s\"", pop_s);
    }
    if (adjust_s) {
        if (strcmp(adjust_s, "bh") == 0)
            opt.adjust = CT_RC_ADJUST_BH;
        else if (strcmp(adjust_s, "bonferroni") == 0)
            opt.adjust = CT_RC_ADJUST_BONFERRONI;
        else
            return cti_usage_error(CMD, "--adjust: expected bh or bonferroni, got \"%s\"", adjust_s);
    }
    serials list = {0};
    if (is_list(cells)) {
        if ((status = read_serials(cells, &list)) != CTI_EXIT_OK) {
            serials_free(&list);
            return status;
        }
        opt.serials = (const char *const *)list.v;
        opt.n_serials = list.n;
    } else {
        opt.cells = cells;
    }
    ct_trace_db *db = NULL;
    if ((status = cti_trace_open_db(CMD, path, &db)) != CTI_EXIT_OK) {
        serials_free(&list);
        return status;
    }
    cti_progress bar = {-1};
    if (cti_progress_wanted()) {
        opt.progress = draw;
        opt.progress_ctx = &bar;
    }
    ct_error err;
    ct_error_clear(&err);
    ct_rootcause *r = NULL;
    ct_status st = ct_rootcause_run(db, &opt, &r, &err);
    if (bar.last >= 0 && bar.last < 100)
        cti_progress_draw(&bar, 1.0);
    serials_free(&list);
    ct_trace_db_close(db);
    if (st != CT_OK) {
        fprintf(stderr, "celltwin %s: %s\n", CMD, err.msg);
        return cti_trace_exit_for(st);
    }
    status = CTI_EXIT_OK;
    if (f == CTI_FMT_JSON) {
        if (!cti_print_json(to_json(r), stdout))
            status = CTI_EXIT_FAIL;
    } else if (f == CTI_FMT_CSV) {
        print_csv(r);
    } else {
        print_table(r);
    }
    ct_rootcause_destroy(r);
    return cti_trace_finish(CMD, status);
}

const cti_command cti_cmd_rootcause = {
    "rootcause", rootcause_main,
    "rank lots, batches, coils, equipment and shifts behind a set of cells", usage};
