/*
 * cmd_quality.c - `celltwin stats`, `celltwin spc` and `celltwin
 * capability`: read a number file, compute summary statistics, a control
 * chart or capability indices with the quality API (celltwin/quality.h),
 * and print one JSON object on stdout.
 *
 * Exit status: 0 ok; 1 the file cannot be opened or read (or memory ran
 * out); 2 the file's content or an argument is wrong (an empty file, a line
 * that is not a number, a subgroup of 1 for xbar-r, LSL above USL, an
 * unknown chart, an option without its value).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "celltwin/quality.h"
#include "commands.h"

/* ---------------- usage texts ---------------- */

static const char stats_usage[] =
    "Usage: celltwin stats FILE [--column NAME]\n"
    "\n"
    "Summary statistics of a sample, as JSON: n, mean, sd (divisor n-1), min,\n"
    "max and r1, the lag-1 autocorrelation\n"
    "  r1 = sum_{i>=2} (y_i - m)(y_{i-1} - m) / sum (y_i - m)^2.\n"
    "Computed in two passes with long double accumulation, so the NIST StRD\n"
    "data sets (NumAcc1-4, Michelso) reproduce their certified values.\n"
    "\n"
    "FILE holds one number per line (blank lines and lines starting with #\n"
    "are skipped), or, with --column NAME, is a CSV file with a header line\n"
    "and NAME is one of its columns. FILE \"-\" reads standard input.\n"
    "sd and r1 are null when they are undefined (n < 2, or no variation).\n"
    "\n"
    "Exit status: 0 ok, 1 FILE cannot be read, 2 bad content or option.\n";

static const char spc_usage[] =
    "Usage: celltwin spc FILE --chart CHART [options]\n"
    "\n"
    "A control chart of the data in FILE, as JSON: center, ucl, lcl (numbers,\n"
    "or lists when the limits vary per point), points (the charted statistic),\n"
    "signals (a list of {point, rule}, point counted from 1), plus the second\n"
    "chart where there is one (r, s or mr: an object with the same keys).\n"
    "\n"
    "CHART is one of\n"
    "  xbar-r   subgroup means and ranges, sigma = Rbar/d2  (needs --subgroup >= 2)\n"
    "  xbar-s   subgroup means and sds, sigma = sbar/c4     (needs --subgroup >= 2)\n"
    "  imr      individuals and moving ranges, sigma = MRbar/d2(2); the mr\n"
    "           object's first point is null (no range before observation 2)\n"
    "  ewma     exponentially weighted moving average (--lambda, --L, --limits)\n"
    "  cusum    tabular CUSUM; cplus and cminus list C+ and C- (both >= 0),\n"
    "           points repeats C+, ucl is H = h sigma, lcl is -H\n"
    "  p, np    fraction / number nonconforming (counts and sample sizes)\n"
    "  c        nonconformities per sample (counts)\n"
    "  u        nonconformities per unit (counts and sizes)\n"
    "\n"
    "Options:\n"
    "  --chart CHART       the chart (required)\n"
    "  --subgroup N        observations per subgroup; ewma and cusum chart the\n"
    "                      subgroup means when N >= 2\n"
    "  --target T          known center (mean; p for p and np; c or u) instead\n"
    "                      of the data's own\n"
    "  --sigma S           known sd of one observation instead of the estimate\n"
    "  --lambda L          EWMA weight, 0 < L <= 1 (default 0.2)\n"
    "  --L K               EWMA limits at K sds of the EWMA (default 3)\n"
    "  --limits exact|asymptotic\n"
    "                      EWMA limits per point (default) or steady-state\n"
    "  --k K               CUSUM reference value in sigmas (default 0.5)\n"
    "  --h H               CUSUM decision interval in sigmas (default 5)\n"
    "  --head-start H0     CUSUM fast initial response: C+ and C- start at\n"
    "                      H0 sigmas (Lucas & Crosier 1982; H0 = h/2 is usual)\n"
    "  --rules we|nelson   also test the Western Electric rules 1-4 or the\n"
    "                      Nelson rules 1-8 (Shewhart charts only); without\n"
    "                      it only points beyond the limits signal (\"limits\")\n"
    "  --column NAME       FILE is a CSV file; chart column NAME\n"
    "  --size N            p, np, u: every sample has size N; FILE then holds\n"
    "                      one count per line (or --column NAME)\n"
    "\n"
    "Input for p, np and u without --size: a CSV file with a header line that\n"
    "has columns count and size (other columns are ignored), e.g.\n"
    "  count,size\n"
    "  12,200\n"
    "  9,180\n"
    "Otherwise FILE holds one number per line, as for `celltwin stats`.\n"
    "Rules in signals: limits, we1-we4, nelson1-nelson8, cusum_upper,\n"
    "cusum_lower. See docs/quality.md for the formulas.\n"
    "\n"
    "Exit status: 0 ok, 1 FILE cannot be read, 2 bad content or option.\n";

static const char capability_usage[] =
    "Usage: celltwin capability FILE --lsl A --usl B [options]\n"
    "\n"
    "Process capability of the data in FILE against the specification\n"
    "limits A < B, as JSON: cp, cpk (from sigma_within), pp, ppk (from\n"
    "sigma_overall, the sample sd), with cpl, cpu, ppl, ppu, mean, n.\n"
    "  Cp = (B - A) / (6 sigma)   Cpk = min(B - mean, mean - A) / (3 sigma)\n"
    "\n"
    "Options:\n"
    "  --lsl A, --usl B    specification limits (both required, A < B)\n"
    "  --subgroup N        consecutive subgroups of N: sigma_within = Rbar/d2(N);\n"
    "                      without it sigma_within = MRbar/d2(2) (individuals)\n"
    "  --within range|sd   with subgroups, estimate sigma_within from ranges\n"
    "                      (default) or from subgroup sds (sbar/c4)\n"
    "  --column NAME       FILE is a CSV file; use column NAME\n"
    "\n"
    "Exit status: 0 ok, 1 FILE cannot be read, 2 bad content or option.\n";

/* ---------------- argument parsing ---------------- */


/* Parses a finite number; on failure prints a usage error and returns false. */
static bool number_arg(const char *cmd, const char *name, const char *text, double *out, int *rc)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v)) {
        *rc = cti_usage_error(cmd, "%s: expected a number, got \"%s\"", name, text);
        return false;
    }
    *out = v;
    return true;
}

static bool size_arg(const char *cmd, const char *name, const char *text, size_t *out, int *rc)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno || v < 1 || v > CT_SPC_MAX_SUBGROUP) {
        *rc = cti_usage_error(cmd, "%s: expected a whole number from 1 to %d, got \"%s\"", name,
                              CT_SPC_MAX_SUBGROUP, text);
        return false;
    }
    *out = (size_t)v;
    return true;
}

/* ---------------- JSON helpers ---------------- */

static json_t *jarray(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, cti_json_num(v[i]));
    return a;
}

/* Reads the single column of FILE (or CSV column `column`). */
static ct_status read_values(const char *file, const char *column, ct_column *col, ct_error *err)
{
    const char *names[1] = { column };
    return ct_data_read_file(file, column ? names : NULL, 1, col, err);
}

/* ---------------- stats ---------------- */

static int run_stats(int argc, char **argv)
{
    cti_opt specs[] = { { "--column", false, NULL } };
    const size_t ns = sizeof specs / sizeof specs[0];
    const char *file;
    int rc = cti_args_parse("stats", stats_usage, argc, argv, specs, ns,
                            "a file of numbers, or - for standard input", &file);
    if (rc)
        return rc == CTI_HELP_SHOWN ? CTI_EXIT_OK : rc;

    ct_error err;
    ct_error_clear(&err);
    ct_column col;
    ct_column_init(&col);
    ct_summary s;
    if (read_values(file, cti_args_get(specs, ns, "--column"), &col, &err) != CT_OK
        || ct_summary_compute(col.values, col.n, &s, &err) != CT_OK) {
        rc = cti_exit_for("stats", &err);
        ct_column_clear(&col);
        return rc;
    }
    ct_column_clear(&col);
    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, "n", json_integer((json_int_t)s.n));
        json_object_set_new(o, "mean", cti_json_num(s.mean));
        json_object_set_new(o, "sd", cti_json_num(s.sd));
        json_object_set_new(o, "min", cti_json_num(s.min));
        json_object_set_new(o, "max", cti_json_num(s.max));
        json_object_set_new(o, "r1", cti_json_num(s.r1));
    }
    return cti_json_emit("stats", o, 17);
}

/* ---------------- spc ---------------- */

/* A limit line: one number when it is the same for every point, else a
 * list with one value per point (p and u charts with varying sizes, EWMA
 * with exact limits). */
static json_t *jline(const double *v, size_t n, bool vary)
{
    bool same = true;
    for (size_t i = 1; vary && i < n && same; i++)
        same = v[i] == v[0];
    return same ? cti_json_num(v[0]) : jarray(v, n);
}

/* center/ucl/lcl (numbers or lists), points, signals of one series. */
static void put_series(json_t *o, const ct_chart_series *s, const ct_signals *sig)
{
    json_object_set_new(o, "center", jline(s->center, s->n, s->limits_vary));
    json_object_set_new(o, "ucl", jline(s->ucl, s->n, s->limits_vary));
    json_object_set_new(o, "lcl", jline(s->lcl, s->n, s->limits_vary));
    json_object_set_new(o, "points", jarray(s->points, s->n));
    json_t *a = json_array();
    for (size_t i = 0; a && i < sig->n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "point", json_integer((json_int_t)sig->items[i].point + 1));
        json_object_set_new(e, "rule", json_string(ct_rule_name(sig->items[i].rule)));
        json_array_append_new(a, e);
    }
    json_object_set_new(o, "signals", a);
}

static int run_spc(int argc, char **argv)
{
    cti_opt specs[] = {
        { "--chart", false, NULL },  { "--subgroup", false, NULL }, { "--target", false, NULL },
        { "--sigma", false, NULL },  { "--lambda", false, NULL },   { "--L", false, NULL },
        { "--limits", false, NULL }, { "--k", false, NULL },        { "--h", false, NULL },
        { "--head-start", false, NULL }, { "--rules", false, NULL }, { "--column", false, NULL },
        { "--size", false, NULL },
    };
    const size_t ns = sizeof specs / sizeof specs[0];
    const char *file;
    const char *cmd = "spc";
    int rc = cti_args_parse(cmd, spc_usage, argc, argv, specs, ns,
                            "a file of numbers, or - for standard input", &file);
    if (rc)
        return rc == CTI_HELP_SHOWN ? CTI_EXIT_OK : rc;

    const char *chart_name = cti_args_get(specs, ns, "--chart");
    if (!chart_name)
        return cti_usage_error(cmd, "missing --chart (xbar-r, xbar-s, imr, ewma, cusum, p, np, "
                                    "c or u)");
    ct_chart_kind kind;
    if (ct_chart_kind_parse(chart_name, &kind) != CT_OK)
        return cti_usage_error(cmd, "unknown chart \"%s\" (expected xbar-r, xbar-s, imr, ewma, "
                                    "cusum, p, np, c or u)", chart_name);
    ct_chart_options opt;
    ct_chart_options_init(&opt, kind);
    const char *v;
    if ((v = cti_args_get(specs, ns, "--subgroup")) && !size_arg(cmd, "--subgroup", v, &opt.subgroup, &rc))
        return rc;
    static const struct { const char *name; size_t off; } nums[] = {
        { "--target", offsetof(ct_chart_options, target) },
        { "--sigma", offsetof(ct_chart_options, sigma) },
        { "--lambda", offsetof(ct_chart_options, lambda) },
        { "--L", offsetof(ct_chart_options, L) },
        { "--k", offsetof(ct_chart_options, k) },
        { "--h", offsetof(ct_chart_options, h) },
        { "--head-start", offsetof(ct_chart_options, head_start) },
        { "--size", offsetof(ct_chart_options, size) },
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if ((v = cti_args_get(specs, ns, nums[i].name))
            && !number_arg(cmd, nums[i].name, v, (double *)((char *)&opt + nums[i].off), &rc))
            return rc;
    if ((v = cti_args_get(specs, ns, "--limits"))) {
        if (strcmp(v, "asymptotic") == 0)
            opt.asymptotic = true;
        else if (strcmp(v, "exact") != 0)
            return cti_usage_error(cmd, "--limits: expected exact or asymptotic, got \"%s\"", v);
    }
    if ((v = cti_args_get(specs, ns, "--rules")) && ct_rule_set_parse(v, &opt.rules) != CT_OK)
        return cti_usage_error(cmd, "--rules: expected we or nelson, got \"%s\"", v);
    /* Options that belong to another chart are mistakes worth reporting:
     * --lambda on a CUSUM chart would otherwise be silently ignored. */
    static const struct { const char *name; ct_chart_kind only; } owned[] = {
        { "--lambda", CT_CHART_EWMA }, { "--L", CT_CHART_EWMA }, { "--limits", CT_CHART_EWMA },
        { "--k", CT_CHART_CUSUM }, { "--h", CT_CHART_CUSUM }, { "--head-start", CT_CHART_CUSUM },
    };
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (cti_args_get(specs, ns, owned[i].name) && kind != owned[i].only)
            return cti_usage_error(cmd, "%s applies to %s charts, not %s", owned[i].name,
                                   ct_chart_kind_name(owned[i].only), chart_name);
    bool sized = kind == CT_CHART_P || kind == CT_CHART_NP || kind == CT_CHART_U;
    if (cti_args_get(specs, ns, "--size") && !sized)
        return cti_usage_error(cmd, "--size applies to p, np and u charts, not %s", chart_name);
    if (cti_args_get(specs, ns, "--size") && !(opt.size > 0.0))
        return cti_usage_error(cmd, "--size: expected a sample size > 0, got \"%s\"",
                               cti_args_get(specs, ns, "--size"));

    ct_error err;
    ct_error_clear(&err);
    ct_column cols[2];
    ct_column_init(&cols[0]);
    ct_column_init(&cols[1]);
    ct_chart chart;
    ct_chart_init(&chart);
    const char *column = cti_args_get(specs, ns, "--column");
    ct_status st;
    if (sized && isnan(opt.size)) {
        if (column)
            return cti_usage_error(cmd, "a %s chart reads columns count and size; --column "
                                        "needs --size", chart_name);
        static const char *const cs[2] = { "count", "size" };
        st = ct_data_read_file(file, cs, 2, cols, &err);
        opt.sizes = cols[1].values;
    } else {
        st = read_values(file, column, &cols[0], &err);
    }
    if (st == CT_OK)
        st = ct_chart_compute(cols[0].values, cols[0].n, &opt, &chart, &err);
    if (st != CT_OK) {
        /* The library counts points from 1 ("point 7: count 12 exceeds
         * sample size 10"); a user editing the file needs FILE:LINE. */
        size_t point;
        int used = 0;
        if (sscanf(err.msg, "point %zu: %n", &point, &used) == 1 && used > 0 && point >= 1
            && point <= cols[0].n) {
            ct_error e2;
            ct_error_set(&e2, err.status, "%s:%zu: %s", file, cols[0].lines[point - 1],
                         err.msg + used);
            err = e2;
        }
        rc = cti_exit_for(cmd, &err);
        goto cleanup;
    }

    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, "chart", json_string(ct_chart_kind_name(kind)));
        json_object_set_new(o, "n", json_integer((json_int_t)chart.main.n));
        json_object_set_new(o, "subgroup", json_integer((json_int_t)chart.subgroup));
        if (!ct_chart_kind_is_attribute(kind)) {
            json_object_set_new(o, "sigma", cti_json_num(chart.sigma));
            json_object_set_new(o, "sigma_estimated", json_boolean(chart.sigma_estimated));
        }
        put_series(o, &chart.main, &chart.signals);
        if (kind == CT_CHART_CUSUM) {
            json_object_set_new(o, "cplus", jarray(chart.main.points, chart.main.n));
            json_object_set_new(o, "cminus", jarray(chart.cminus, chart.main.n));
        }
        if (chart.spread.n) {
            json_t *s = json_object();
            put_series(s, &chart.spread, &chart.spread_signals);
            const char *key = kind == CT_CHART_XBAR_R ? "r" : kind == CT_CHART_XBAR_S ? "s" : "mr";
            json_object_set_new(o, key, s);
        }
    }
    rc = cti_json_emit(cmd, o, 17);
cleanup:
    ct_chart_clear(&chart);
    ct_column_clear(&cols[0]);
    ct_column_clear(&cols[1]);
    return rc;
}

/* ---------------- capability ---------------- */

static int run_capability(int argc, char **argv)
{
    cti_opt specs[] = {
        { "--lsl", false, NULL }, { "--usl", false, NULL }, { "--subgroup", false, NULL },
        { "--within", false, NULL }, { "--column", false, NULL },
    };
    const size_t ns = sizeof specs / sizeof specs[0];
    const char *file, *cmd = "capability";
    int rc = cti_args_parse(cmd, capability_usage, argc, argv, specs, ns,
                            "a file of numbers, or - for standard input", &file);
    if (rc)
        return rc == CTI_HELP_SHOWN ? CTI_EXIT_OK : rc;
    const char *lsl_s = cti_args_get(specs, ns, "--lsl"), *usl_s = cti_args_get(specs, ns, "--usl"), *v;
    if (!lsl_s || !usl_s)
        return cti_usage_error(cmd, "both --lsl and --usl are required");
    double lsl, usl;
    if (!number_arg(cmd, "--lsl", lsl_s, &lsl, &rc) || !number_arg(cmd, "--usl", usl_s, &usl, &rc))
        return rc;
    if (!(lsl < usl))
        return cti_usage_error(cmd, "--lsl %s must be below --usl %s", lsl_s, usl_s);
    size_t subgroup = 1;
    if ((v = cti_args_get(specs, ns, "--subgroup")) && !size_arg(cmd, "--subgroup", v, &subgroup, &rc))
        return rc;
    ct_within_method within = CT_WITHIN_RANGE;
    if ((v = cti_args_get(specs, ns, "--within"))) {
        if (strcmp(v, "sd") == 0)
            within = CT_WITHIN_SD;
        else if (strcmp(v, "range") != 0)
            return cti_usage_error(cmd, "--within: expected range or sd, got \"%s\"", v);
    }

    ct_error err;
    ct_error_clear(&err);
    ct_column col;
    ct_column_init(&col);
    ct_capability c;
    if (read_values(file, cti_args_get(specs, ns, "--column"), &col, &err) != CT_OK
        || ct_capability_compute(col.values, col.n, subgroup, within, lsl, usl, &c, &err)
               != CT_OK) {
        rc = cti_exit_for(cmd, &err);
        ct_column_clear(&col);
        return rc;
    }
    ct_column_clear(&col);
    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, "n", json_integer((json_int_t)c.n));
        json_object_set_new(o, "subgroup", json_integer((json_int_t)c.subgroup));
        json_object_set_new(o, "lsl", cti_json_num(lsl));
        json_object_set_new(o, "usl", cti_json_num(usl));
        json_object_set_new(o, "mean", cti_json_num(c.mean));
        json_object_set_new(o, "sigma_within", cti_json_num(c.sigma_within));
        json_object_set_new(o, "sigma_overall", cti_json_num(c.sigma_overall));
        json_object_set_new(o, "cp", cti_json_num(c.cp));
        json_object_set_new(o, "cpk", cti_json_num(c.cpk));
        json_object_set_new(o, "pp", cti_json_num(c.pp));
        json_object_set_new(o, "ppk", cti_json_num(c.ppk));
        json_object_set_new(o, "cpl", cti_json_num(c.cpl));
        json_object_set_new(o, "cpu", cti_json_num(c.cpu));
        json_object_set_new(o, "ppl", cti_json_num(c.ppl));
        json_object_set_new(o, "ppu", cti_json_num(c.ppu));
    }
    return cti_json_emit(cmd, o, 17);
}

const cti_command cti_cmd_stats = {
    "stats", run_stats, "summary statistics of a file of numbers (JSON)", stats_usage,
};
const cti_command cti_cmd_spc = {
    "spc", run_spc, "control chart of a file of numbers: limits and signals (JSON)", spc_usage,
};
const cti_command cti_cmd_capability = {
    "capability", run_capability, "process capability Cp, Cpk, Pp, Ppk of a file (JSON)",
    capability_usage,
};
