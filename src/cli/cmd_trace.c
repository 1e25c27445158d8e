/*
 * cmd_trace.c - `celltwin trace`, `celltwin recall` and `celltwin query`:
 * reading a trace database written by `celltwin run --trace FILE` (see
 * docs/trace.md). Each prints a table, or JSON with --json, or CSV with
 * --csv, from the tables the trace API returns (celltwin/trace.h).
 *
 * Exit status: 0 ok; 1 the database is missing, unreadable, of another
 * schema version, or the serial / unit / station is not in it; 2 a wrong
 * argument (a malformed serial, an unknown option, a statement that
 * writes).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "celltwin/trace.h"
#include "celltwin/units.h"
#include "commands.h"
#include "trace_cli.h"

static const char trace_usage[] =
    "Usage: celltwin trace TRACE.db SERIAL [--json | --csv] [--section NAME] [--parameters]\n"
    "       celltwin trace TRACE.db --runs [--json | --csv]\n"
    "\n"
    "The genealogy of one cell, from a trace written by `celltwin run --trace`:\n"
    "  cell          its state (shipped, scrapped, in_process), grade, scrap\n"
    "                station and cause, times and product features;\n"
    "  genealogy     the tree down to the raw-material lots: the pieces of coil\n"
    "                (coil, lane, metres) it was stacked from, the slurry\n"
    "                batches of each coil (kg), the lots of each batch (kg),\n"
    "                with the defects on those parts;\n"
    "  passages      every station it passed: equipment (server), start, end;\n"
    "  measurements  every gate measurement with its limits and decision;\n"
    "  parameters    (with --parameters) the process parameters of every\n"
    "                station the cell, its coils or its batches passed: key,\n"
    "                value and source (file: as the factory file wrote it;\n"
    "                model: the station kind's default or derived value).\n"
    "\n"
    "SERIAL is RUNCODE-NUMBER, e.g. 7KQ2MX-0001234 (case and leading zeros do\n"
    "not matter); a bare NUMBER is enough when the database holds one run.\n"
    "\n"
    "Options:\n"
    "  --runs            list the runs of the database instead\n"
    "  --json            one JSON object (the genealogy as a nested tree)\n"
    "  --csv             CSV: each section after a line \"# NAME\"\n"
    "  --section NAME    only that section (cell, genealogy, passages,\n"
    "                    measurements, parameters); with --csv a plain CSV table\n"
    "  --parameters      also the section parameters\n"
    "\n"
    "Times are seconds of simulated time from the start of the run.\n"
    "Exit status: 0 ok, 1 no such database or cell, or a database of another\n"
    "schema version, 2 bad arguments.\n";

static const char recall_usage[] =
    "Usage: celltwin recall TRACE.db WHAT [--run CODE] [--json | --csv]\n"
    "\n"
    "Every cell affected by a suspect unit or station, with its current state\n"
    "(in_process, shipped with its grade, or scrapped with station and cause)\n"
    "and the genealogy link that matched (via). WHAT is one of\n"
    "  --coil ID [--lane L] [--from-m A --to-m B]\n"
    "                    cells made from coil ID (any lane, or lane L), from\n"
    "                    its metres [A, B) only when given\n"
    "  --batch ID        cells made from any part of slurry batch ID\n"
    "  --lot ID          cells made from any part of raw-material lot ID\n"
    "  --station NAME --from TIME --to TIME [--server K]\n"
    "                    cells that passed station NAME (equipment K only with\n"
    "                    --server) at any moment of [TIME, TIME], and cells made\n"
    "                    from batches or coils that did\n"
    "\n"
    "Coils and batches are named STATION:NUMBER (the station that made them,\n"
    "e.g. coater:3; the number alone when one station makes them), lots\n"
    "MATERIAL:LOT (e.g. am:2). TIME is simulated time from the start of the run,\n"
    "with units s, min, h, d, wk (e.g. 36h).\n"
    "\n"
    "Options:\n"
    "  --run CODE        the run to search (default: the latest run)\n"
    "  --json            {\"count\": N, \"cells\": [...]}\n"
    "  --csv             CSV with a header line\n"
    "\n"
    "Exit status: 0 ok (also when no cell is affected), 1 no such database,\n"
    "unit or station, or another schema version, 2 bad arguments.\n";

static const char query_usage[] =
    "Usage: celltwin query TRACE.db \"SQL\" [--json | --csv]\n"
    "\n"
    "Runs one read-only SQL statement on a trace database (opened read-only;\n"
    "statements that write and ATTACH are refused). Tables and columns:\n"
    "docs/trace-schema.md. A cell's history BLOB reads as rows with the\n"
    "table-valued functions ct_passages(history, run_id),\n"
    "ct_measurements(history, run_id) and ct_pieces(history, run_id); the\n"
    "view cell_feature shows the product features; ct_defects(bits) names\n"
    "defect bits:\n"
    "  celltwin query t.db \"SELECT p.* FROM cell c, ct_passages(c.history, c.run_id) p\n"
    "                        WHERE c.serial = 42\"\n"
    "\n"
    "Options:\n"
    "  --json            a JSON array of row objects\n"
    "  --csv             CSV with a header line\n"
    "\n"
    "Exit status: 0 ok, 1 no such database, an SQL error or another schema\n"
    "version, 2 bad arguments or a statement that writes.\n";

/* A value for the table: reals with ten significant digits. */
static void display(const ct_trace_table *t, size_t r, size_t c, char *buf, size_t len)
{
    switch (ct_trace_table_type(t, r, c)) {
    case CT_TRACE_NULL: buf[0] = '\0'; break;
    case CT_TRACE_REAL: snprintf(buf, len, "%.10g", ct_trace_table_real(t, r, c)); break;
    case CT_TRACE_INT: snprintf(buf, len, "%lld", ct_trace_table_int(t, r, c)); break;
    default: snprintf(buf, len, "%s", ct_trace_table_text(t, r, c)); break;
    }
}

static void print_table(const ct_trace_table *t, FILE *out, const char *indent)
{
    size_t nc = ct_trace_table_cols(t), nr = ct_trace_table_rows(t);
    size_t *w = calloc(nc ? nc : 1, sizeof *w);
    if (!w)
        return;
    char buf[1024];
    for (size_t c = 0; c < nc; c++)
        w[c] = strlen(ct_trace_table_name(t, c));
    for (size_t r = 0; r < nr; r++)
        for (size_t c = 0; c < nc; c++) {
            display(t, r, c, buf, sizeof buf);
            size_t n = strlen(buf);
            if (n > w[c])
                w[c] = n;
        }
    fputs(indent, out);
    for (size_t c = 0; c < nc; c++)
        fprintf(out, "%s%-*s", c ? "  " : "", c + 1 < nc ? (int)w[c] : 0, ct_trace_table_name(t, c));
    fputc('\n', out);
    for (size_t r = 0; r < nr; r++) {
        fputs(indent, out);
        for (size_t c = 0; c < nc; c++) {
            display(t, r, c, buf, sizeof buf);
            ct_trace_type ty = ct_trace_table_type(t, r, c);
            bool num = ty == CT_TRACE_INT || ty == CT_TRACE_REAL;
            if (num)
                fprintf(out, "%s%*s", c ? "  " : "", (int)w[c], buf);
            else
                fprintf(out, "%s%-*s", c ? "  " : "", c + 1 < nc ? (int)w[c] : 0, buf);
        }
        fputc('\n', out);
    }
    free(w);
}

static void print_csv(const ct_trace_table *t, FILE *out)
{
    size_t nc = ct_trace_table_cols(t), nr = ct_trace_table_rows(t);
    for (size_t c = 0; c < nc; c++) {
        if (c)
            fputc(',', out);
        cti_csv_field(ct_trace_table_name(t, c), out);
    }
    fputc('\n', out);
    char buf[64];
    for (size_t r = 0; r < nr; r++) {
        for (size_t c = 0; c < nc; c++) {
            if (c)
                fputc(',', out);
            if (ct_trace_table_type(t, r, c) == CT_TRACE_REAL) {
                cti_fmt_real(ct_trace_table_real(t, r, c), buf, sizeof buf);
                fputs(buf, out);
            } else {
                cti_csv_field(ct_trace_table_text(t, r, c), out);
            }
        }
        fputc('\n', out);
    }
}

static json_t *json_value(const ct_trace_table *t, size_t r, size_t c)
{
    switch (ct_trace_table_type(t, r, c)) {
    case CT_TRACE_INT: return json_integer(ct_trace_table_int(t, r, c));
    case CT_TRACE_REAL: return json_real(ct_trace_table_real(t, r, c));
    case CT_TRACE_TEXT: return json_string(ct_trace_table_text(t, r, c));
    default: return json_null();
    }
}

static json_t *json_row(const ct_trace_table *t, size_t r)
{
    json_t *o = json_object();
    for (size_t c = 0; o && c < ct_trace_table_cols(t); c++)
        json_object_set_new(o, ct_trace_table_name(t, c), json_value(t, r, c));
    return o;
}

static json_t *json_rows(const ct_trace_table *t)
{
    json_t *a = json_array();
    for (size_t r = 0; a && r < ct_trace_table_rows(t); r++)
        json_array_append_new(a, json_row(t, r));
    return a;
}

/* A table in format f on stdout: CTI_EXIT_OK, or CTI_EXIT_FAIL when the
 * JSON cannot be written. */
static int print_rows(const ct_trace_table *t, enum cti_fmt f)
{
    if (f == CTI_FMT_JSON)
        return cti_print_json(json_rows(t), stdout) ? CTI_EXIT_OK : CTI_EXIT_FAIL;
    if (f == CTI_FMT_CSV)
        print_csv(t, stdout);
    else
        print_table(t, stdout, "");
    return CTI_EXIT_OK;
}

/* ---- trace ------------------------------------------------------------------- */

/* The genealogy rows (depth first, with levels) as a nested JSON tree. */
static json_t *genealogy_json(const ct_trace_table *t)
{
    size_t nr = ct_trace_table_rows(t);
    int lc = ct_trace_table_col(t, "level");
    json_t *stack[64] = {NULL};
    json_t *root = NULL;
    for (size_t r = 0; r < nr; r++) {
        long long level = lc >= 0 ? ct_trace_table_int(t, r, (size_t)lc) : 0;
        if (level < 0 || level >= 63)
            continue;
        json_t *node = json_row(t, r);
        json_object_del(node, "level");
        json_object_set_new(node, "inputs", json_array());
        if (level == 0 || !stack[level - 1]) {
            if (!root)
                root = json_incref(node);
        } else {
            json_array_append(json_object_get(stack[level - 1], "inputs"), node);
        }
        stack[level] = node;
        for (int k = (int)level + 1; k < 64; k++)
            stack[k] = NULL;
        json_decref(node); /* held by root or its parent */
    }
    return root ? root : json_null();
}

static void print_genealogy(const ct_trace_table *t, FILE *out)
{
    int cl = ct_trace_table_col(t, "level"), ck = ct_trace_table_col(t, "kind"),
        ci = ct_trace_table_col(t, "id"), cp = ct_trace_table_col(t, "polarity"),
        cf = ct_trace_table_col(t, "from"), ct = ct_trace_table_col(t, "to"),
        cm = ct_trace_table_col(t, "measure"), cs = ct_trace_table_col(t, "status"),
        cd = ct_trace_table_col(t, "detail");
    if (cl < 0 || ck < 0 || ci < 0 || cp < 0 || cf < 0 || ct < 0 || cm < 0 || cs < 0 || cd < 0) {
        print_table(t, out, "  ");
        return;
    }
    for (size_t r = 0; r < ct_trace_table_rows(t); r++) {
        long long level = ct_trace_table_int(t, r, (size_t)cl);
        fprintf(out, "  %*s%s%s %s", (int)(2 * (level > 0 ? level - 1 : 0)), "", level ? "└ " : "",
                ct_trace_table_text(t, r, (size_t)ck), ct_trace_table_text(t, r, (size_t)ci));
        const char *pol = ct_trace_table_text(t, r, (size_t)cp);
        if (pol)
            fprintf(out, " %s", pol);
        if (ct_trace_table_type(t, r, (size_t)cf) != CT_TRACE_NULL) {
            const char *m = ct_trace_table_text(t, r, (size_t)cm);
            fprintf(out, ", %.10g-%.10g %s", ct_trace_table_real(t, r, (size_t)cf),
                    ct_trace_table_real(t, r, (size_t)ct), m ? m : "");
        }
        const char *st = ct_trace_table_text(t, r, (size_t)cs);
        const char *d = ct_trace_table_text(t, r, (size_t)cd);
        if (st)
            fprintf(out, " [%s]", st);
        if (d)
            fprintf(out, " %s%s", level ? "defects: " : "", d);
        fputc('\n', out);
    }
}

static void print_cell_section(const ct_trace_table *t, FILE *out)
{
    char buf[1024];
    size_t w = 0;
    for (size_t c = 0; c < ct_trace_table_cols(t); c++)
        if (strlen(ct_trace_table_name(t, c)) > w)
            w = strlen(ct_trace_table_name(t, c));
    for (size_t c = 0; ct_trace_table_rows(t) > 0 && c < ct_trace_table_cols(t); c++) {
        display(t, 0, c, buf, sizeof buf);
        fprintf(out, "  %-*s  %s\n", (int)w, ct_trace_table_name(t, c), buf);
    }
}

/* Is section name printed? Only the one asked for with --section; the
 * parameters only with --parameters (or --section parameters). */
static bool shown(const char *name, const char *section, bool parameters)
{
    if (section)
        return strcmp(section, name) == 0;
    return parameters || strcmp(name, "parameters") != 0;
}

static int trace_main(int argc, char **argv)
{
    const char *path = NULL, *serial = NULL, *section = NULL;
    enum cti_fmt f = CTI_FMT_TABLE;
    bool runs = false, parameters = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(trace_usage, stdout);
            return CTI_EXIT_OK;
        } else if (cti_format_opt(argv[i], &f)) {
            continue;
        } else if (strcmp(argv[i], "--runs") == 0) {
            runs = true;
        } else if (strcmp(argv[i], "--parameters") == 0) {
            parameters = true;
        } else if (cti_is_opt(argv[i], "--section")) {
            if (!(section = cti_opt_arg(argc, argv, &i)))
                return cti_usage_error("trace", "--section: expected a section name");
            if (strcmp(section, "cell") && strcmp(section, "genealogy") && strcmp(section, "passages") &&
                strcmp(section, "measurements") && strcmp(section, "parameters"))
                return cti_usage_error("trace",
                                       "--section: expected cell, genealogy, passages, "
                                       "measurements or parameters, got \"%s\"",
                                       section);
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return cti_usage_error("trace", "unknown option \"%s\"", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else if (!serial) {
            serial = argv[i];
        } else {
            return cti_usage_error("trace", "expected TRACE.db and one SERIAL, got also \"%s\"", argv[i]);
        }
    }
    if (!path || (!serial && !runs))
        return cti_usage_error("trace", "expected TRACE.db and a cell SERIAL (or --runs)");
    ct_trace_db *db = NULL;
    int status = cti_trace_open_db("trace", path, &db);
    if (status != CTI_EXIT_OK)
        return status;
    ct_error err;
    ct_error_clear(&err);
    if (runs) {
        ct_trace_table *t = NULL;
        ct_status st = ct_trace_runs(db, &t, &err);
        if (st != CT_OK) {
            fprintf(stderr, "celltwin trace: %s\n", err.msg);
            status = cti_trace_exit_for(st);
        } else {
            status = print_rows(t, f);
        }
        ct_trace_table_destroy(t);
        ct_trace_db_close(db);
        return cti_trace_finish("trace", status);
    }
    ct_trace_report *rep = NULL;
    ct_status st = ct_trace_cell(db, serial, &rep, &err);
    if (st != CT_OK) {
        fprintf(stderr, "celltwin trace: %s\n", err.msg);
        ct_trace_db_close(db);
        return cti_trace_exit_for(st);
    }
    size_t n = ct_trace_report_sections(rep);
    if (f == CTI_FMT_JSON) {
        json_t *root = json_object();
        for (size_t i = 0; i < n; i++) {
            const char *name = ct_trace_report_section(rep, i);
            const ct_trace_table *t = ct_trace_report_table(rep, i);
            if (!shown(name, section, parameters))
                continue;
            json_t *v = strcmp(name, "cell") == 0
                            ? (ct_trace_table_rows(t) ? json_row(t, 0) : json_null())
                        : strcmp(name, "genealogy") == 0 ? genealogy_json(t)
                                                         : json_rows(t);
            json_object_set_new(root, name, v);
        }
        if (!cti_print_json(root, stdout))
            status = CTI_EXIT_FAIL;
    } else {
        bool first = true;
        for (size_t i = 0; i < n; i++) {
            const char *name = ct_trace_report_section(rep, i);
            const ct_trace_table *t = ct_trace_report_table(rep, i);
            if (!shown(name, section, parameters))
                continue;
            if (f == CTI_FMT_CSV) {
                if (!section)
                    printf("%s# %s\n", first ? "" : "\n", name);
                print_csv(t, stdout);
            } else {
                printf("%s%s\n", first ? "" : "\n", name);
                if (strcmp(name, "cell") == 0)
                    print_cell_section(t, stdout);
                else if (strcmp(name, "genealogy") == 0)
                    print_genealogy(t, stdout);
                else if (ct_trace_table_rows(t) == 0)
                    printf("  (none)\n");
                else
                    print_table(t, stdout, "  ");
            }
            first = false;
        }
    }
    ct_trace_report_destroy(rep);
    ct_trace_db_close(db);
    return cti_trace_finish("trace", status);
}

/* ---- recall ------------------------------------------------------------------ */

static bool parse_num(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static int recall_main(int argc, char **argv)
{
    const char *path = NULL, *coil = NULL, *batch = NULL, *lot = NULL, *station = NULL, *run = NULL;
    const char *lane_s = NULL, *from_m_s = NULL, *to_m_s = NULL, *from_s = NULL, *to_s = NULL,
               *server_s = NULL;
    enum cti_fmt f = CTI_FMT_TABLE;
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--help") == 0) {
            fputs(recall_usage, stdout);
            return CTI_EXIT_OK;
        } else if (cti_format_opt(argv[i], &f)) {
            continue;
        } else if (cti_is_opt(argv[i], "--coil")) {
            slot = &coil;
        } else if (cti_is_opt(argv[i], "--batch")) {
            slot = &batch;
        } else if (cti_is_opt(argv[i], "--lot")) {
            slot = &lot;
        } else if (cti_is_opt(argv[i], "--station")) {
            slot = &station;
        } else if (cti_is_opt(argv[i], "--run")) {
            slot = &run;
        } else if (cti_is_opt(argv[i], "--lane")) {
            slot = &lane_s;
        } else if (cti_is_opt(argv[i], "--from-m")) {
            slot = &from_m_s;
        } else if (cti_is_opt(argv[i], "--to-m")) {
            slot = &to_m_s;
        } else if (cti_is_opt(argv[i], "--from")) {
            slot = &from_s;
        } else if (cti_is_opt(argv[i], "--to")) {
            slot = &to_s;
        } else if (cti_is_opt(argv[i], "--server")) {
            slot = &server_s;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return cti_usage_error("recall", "unknown option \"%s\"", argv[i]);
        } else if (!path) {
            path = argv[i];
            continue;
        } else {
            return cti_usage_error("recall", "expected one TRACE.db, got also \"%s\"", argv[i]);
        }
        const char *name = argv[i];
        if (!(*slot = cti_opt_arg(argc, argv, &i)))
            return cti_usage_error("recall", "%s: expected a value", name);
    }
    if (!path)
        return cti_usage_error("recall", "expected TRACE.db");
    int whats = (coil != NULL) + (batch != NULL) + (lot != NULL) + (station != NULL);
    if (whats != 1)
        return cti_usage_error("recall", "expected one of --coil, --batch, --lot, --station");
    if ((lane_s || from_m_s || to_m_s) && !coil)
        return cti_usage_error("recall", "--lane, --from-m and --to-m go with --coil");
    if ((from_s || to_s || server_s) && !station)
        return cti_usage_error("recall", "--from, --to and --server go with --station");
    int lane = -1, server = -1;
    double from_m = NAN, to_m = NAN, t0 = 0, t1 = 0;
    double v;
    char why[256];
    if (lane_s) {
        if (!parse_num(lane_s, &v) || v < 0 || v != floor(v) || v > 1e6)
            return cti_usage_error("recall", "--lane: expected a lane number >= 0, got \"%s\"", lane_s);
        lane = (int)v;
    }
    if ((from_m_s != NULL) != (to_m_s != NULL))
        return cti_usage_error("recall", "--from-m and --to-m go together");
    if (from_m_s) {
        if (ct_quantity_parse(from_m_s, CT_DIM_LENGTH, false, &from_m, why, sizeof why) != CT_OK)
            return cti_usage_error("recall", "--from-m: %s", why);
        if (ct_quantity_parse(to_m_s, CT_DIM_LENGTH, false, &to_m, why, sizeof why) != CT_OK)
            return cti_usage_error("recall", "--to-m: %s", why);
        if (!(from_m < to_m))
            return cti_usage_error("recall", "--from-m must be below --to-m (%g m, %g m)", from_m, to_m);
    }
    if (station) {
        if (!from_s || !to_s)
            return cti_usage_error("recall", "--station needs --from TIME and --to TIME");
        if (ct_duration_parse(from_s, &t0, why, sizeof why) != CT_OK)
            return cti_usage_error("recall", "--from: %s", why);
        if (ct_duration_parse(to_s, &t1, why, sizeof why) != CT_OK)
            return cti_usage_error("recall", "--to: %s", why);
        if (!(t0 <= t1))
            return cti_usage_error("recall", "--from must not be after --to (%g s, %g s)", t0, t1);
        if (server_s) {
            if (!parse_num(server_s, &v) || v < 0 || v != floor(v) || v > 1e6)
                return cti_usage_error("recall", "--server: expected a server number >= 0, got \"%s\"",
                                       server_s);
            server = (int)v;
        }
    }
    ct_trace_db *db = NULL;
    int status = cti_trace_open_db("recall", path, &db);
    if (status != CTI_EXIT_OK)
        return status;
    ct_error err;
    ct_error_clear(&err);
    ct_trace_table *t = NULL;
    ct_status st = coil      ? ct_trace_recall_coil(db, run, coil, lane, from_m, to_m, &t, &err)
                   : batch   ? ct_trace_recall_batch(db, run, batch, &t, &err)
                   : lot     ? ct_trace_recall_lot(db, run, lot, &t, &err)
                             : ct_trace_recall_station(db, run, station, server, t0, t1, &t, &err);
    if (st != CT_OK) {
        fprintf(stderr, "celltwin recall: %s\n", err.msg);
        ct_trace_db_close(db);
        return cti_trace_exit_for(st);
    }
    size_t n = ct_trace_table_rows(t);
    if (f == CTI_FMT_JSON) {
        json_t *root = json_object();
        json_object_set_new(root, "count", json_integer((json_int_t)n));
        json_object_set_new(root, "cells", json_rows(t));
        if (!cti_print_json(root, stdout))
            status = CTI_EXIT_FAIL;
    } else if (f == CTI_FMT_CSV) {
        print_csv(t, stdout);
    } else {
        int sc = ct_trace_table_col(t, "state");
        size_t shipped = 0, scrapped = 0, wip = 0;
        for (size_t r = 0; sc >= 0 && r < n; r++) {
            const char *s = ct_trace_table_text(t, r, (size_t)sc);
            if (s && strcmp(s, "shipped") == 0)
                shipped++;
            else if (s && strcmp(s, "scrapped") == 0)
                scrapped++;
            else
                wip++;
        }
        if (n)
            print_table(t, stdout, "");
        printf("%zu cell%s affected: %zu shipped, %zu scrapped, %zu in process\n", n, n == 1 ? "" : "s",
               shipped, scrapped, wip);
    }
    ct_trace_table_destroy(t);
    ct_trace_db_close(db);
    return cti_trace_finish("recall", status);
}

/* ---- query ------------------------------------------------------------------- */

static int query_main(int argc, char **argv)
{
    const char *path = NULL, *sql = NULL;
    enum cti_fmt f = CTI_FMT_TABLE;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(query_usage, stdout);
            return CTI_EXIT_OK;
        } else if (cti_format_opt(argv[i], &f)) {
            continue;
        } else if (argv[i][0] == '-' && argv[i][1] == '-' && !path) {
            return cti_usage_error("query", "unknown option \"%s\"", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else if (!sql) {
            sql = argv[i];
        } else {
            return cti_usage_error("query", "expected TRACE.db and one SQL statement (quote it)");
        }
    }
    if (!path || !sql)
        return cti_usage_error("query", "expected TRACE.db and an SQL statement");
    ct_trace_db *db = NULL;
    int status = cti_trace_open_db("query", path, &db);
    if (status != CTI_EXIT_OK)
        return status;
    ct_error err;
    ct_error_clear(&err);
    ct_trace_table *t = NULL;
    ct_status st = ct_trace_query(db, sql, &t, &err);
    if (st != CT_OK) {
        fprintf(stderr, "celltwin query: %s\n", err.msg);
        ct_trace_db_close(db);
        return cti_trace_exit_for(st);
    }
    status = print_rows(t, f);
    ct_trace_table_destroy(t);
    ct_trace_db_close(db);
    return cti_trace_finish("query", status);
}

const cti_command cti_cmd_trace = {"trace", trace_main, "a cell's genealogy from a trace database",
                                   trace_usage};
const cti_command cti_cmd_recall = {"recall", recall_main,
                                    "cells affected by a coil, batch, lot or station", recall_usage};
const cti_command cti_cmd_query = {"query", query_main, "read-only SQL on a trace database",
                                   query_usage};
