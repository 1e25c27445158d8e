/*
 * cmd_report.c - `celltwin report TRACE.db -o report.html [--run CODE]`:
 * the quality report of a traced run as one self-contained HTML file
 * (celltwin/report.h, docs/report.md).
 *
 * Exit status: 0 ok; 1 the database is missing, not a trace, of another
 * schema version, has no such run, or the report cannot be written; 2 bad
 * arguments (a missing -o, an unknown option, a malformed run code).
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/report.h"
#include "commands.h"

static const char report_usage[] =
    "Usage: celltwin report TRACE.db -o REPORT.html [--run CODE] [options]\n"
    "\n"
    "The quality report of a run written by `celltwin run --trace`: one HTML file\n"
    "(inline CSS and SVG, no script, nothing loaded from the network) with\n"
    "  1. control charts of every gate of the control plan (individuals and\n"
    "     moving range, or X-bar/R of subgroups for large runs), Western\n"
    "     Electric signals marked, specification limits drawn;\n"
    "  2. the k-value histogram with the aging screen's outliers marked;\n"
    "  3. the grade distribution (cells per bin, off-grade, scrapped);\n"
    "  4. the yield waterfall by station;\n"
    "  5. the scrap cost by cause (cells, batches, coils).\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE     the report to write (required); written atomically\n"
    "  --run CODE            the run to report (default: the latest run)\n"
    "  --max-points N        individuals chart up to N measurements a gate (400)\n"
    "  --subgroups N         X-bar/R: equal time slots of the run, one subgroup\n"
    "                        each (100)\n"
    "  --subgroup-size N     X-bar/R: consecutive measurements per subgroup (5)\n"
    "  --k-bins N            bins of the k-value histogram (40)\n"
    "\n"
    "Exit status: 0 ok, 1 no such database or run, another schema version, or the\n"
    "report cannot be written (no partial file is left), 2 bad arguments.\n";

static const char *opt_value(int argc, char **argv, int *i)
{
    const char *eq = strchr(argv[*i], '=');
    if (argv[*i][1] == '-' && eq)
        return eq + 1;
    return *i + 1 < argc ? argv[++*i] : NULL;
}

static bool is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* A whole number in [lo, hi]; false otherwise. */
static bool int_arg(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || end == s || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static int run_report(int argc, char **argv)
{
    const char *db = NULL, *out = NULL;
    ct_report_options opt;
    ct_report_options_init(&opt);
    static const struct {
        const char *name;
        int lo, hi;
        size_t off;
    } ints[] = {
        {"--max-points", 2, 100000, offsetof(ct_report_options, max_points)},
        {"--subgroups", 2, 10000, offsetof(ct_report_options, subgroups)},
        {"--subgroup-size", 2, 25, offsetof(ct_report_options, subgroup_size)},
        {"--k-bins", 1, 1000, offsetof(ct_report_options, k_bins)},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(report_usage, stdout);
            return CTI_EXIT_OK;
        }
        if (strcmp(a, "-o") == 0 || is_opt(a, "--output")) {
            if (!(out = opt_value(argc, argv, &i)) || !*out)
                return cti_usage_error("report", "%s: expected a file name", a);
            continue;
        }
        if (is_opt(a, "--run")) {
            if (!(opt.run = opt_value(argc, argv, &i)))
                return cti_usage_error("report", "--run: expected a run code such as 7KQ2MX");
            continue;
        }
        bool found = false;
        for (size_t k = 0; k < sizeof ints / sizeof ints[0] && !found; k++) {
            if (!is_opt(a, ints[k].name))
                continue;
            found = true;
            const char *v = opt_value(argc, argv, &i);
            if (!int_arg(v, ints[k].lo, ints[k].hi, (int *)((char *)&opt + ints[k].off)))
                return cti_usage_error("report", "%s: expected a whole number from %d to %d, got \"%s\"",
                                       ints[k].name, ints[k].lo, ints[k].hi, v ? v : "");
        }
        if (found)
            continue;
        if (a[0] == '-' && a[1])
            return cti_usage_error("report", "unknown option \"%s\"", a);
        if (db)
            return cti_usage_error("report", "unexpected argument \"%s\" (one TRACE.db only)", a);
        db = a;
    }
    if (!db)
        return cti_usage_error("report", "expected a trace database: celltwin report TRACE.db -o REPORT.html");
    if (!out)
        return cti_usage_error("report", "expected the report's file: -o REPORT.html");
    /* a file-size limit is a write error (the report is then removed),
     * not a signal that would leave the temporary file behind */
    signal(SIGXFSZ, SIG_IGN);
    ct_error err;
    ct_error_clear(&err);
    ct_status st = ct_report_write(db, out, &opt, &err);
    if (st != CT_OK) {
        fprintf(stderr, "celltwin report: %s\n", err.msg);
        return st == CT_ERR_INVALID ? CTI_EXIT_BADINPUT : CTI_EXIT_FAIL;
    }
    return CTI_EXIT_OK;
}

const cti_command cti_cmd_report = {
    "report", run_report, "the quality report of a traced run as one HTML file", report_usage,
};
