/*
 * cmd_compare.c - `celltwin compare A.yaml B.yaml [...]`: runs each
 * factory with the same run settings and prints the scenarios side by
 * side (throughput, GWh/yr, yield, cost and energy per kWh, floor space,
 * WIP, lead time), each with its 95 % half-width, and the difference of
 * each scenario to the first.
 *
 * Replication r of every scenario uses the same random streams (seed, r),
 * so the differences are paired (common random numbers): the half-width
 * of a difference comes from the spread of the per-replication
 * differences, and a file compared with itself differs by exactly zero.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "celltwin/factory.h"
#include "celltwin/quality.h"
#include "celltwin/units.h"
#include "commands.h"

#define MAX_SCENARIOS 16

static const char compare_usage[] =
    "Usage: celltwin compare A.yaml B.yaml [C.yaml ...] [options]\n"
    "\n"
    "Runs every factory file with the same settings and prints them side by\n"
    "side: good cells per hour, GWh per year, cumulative yield, cost per kWh,\n"
    "energy per kWh of cells, floor space, work in progress and lead time,\n"
    "each as mean ± 95 % half-width, and the difference of each file to the\n"
    "first (paired over replications with the same random streams).\n"
    "\n"
    "Options (they override each file's run: section):\n"
    "  --replications R    replications per file (default: the first file's)\n"
    "  --seed N            random seed (integer >= 0)\n"
    "  --horizon DUR       simulated time per replication, e.g. 30d\n"
    "  --warmup DUR        statistics start after this time\n"
    "  --threads T         threads per run (same results for any T)\n"
    "  --json              one JSON object on stdout instead of the table\n"
    "\n"
    "Cost and energy need an economics: section (docs/economics.md); without\n"
    "one they are 0. Exit status: 0 ok, 1 runtime failure, 2 bad input.\n";

/* What is compared, read from ct_kpis by offset. */
typedef struct metric {
    const char *name;      /* JSON key */
    const char *label;     /* table row */
    const char *fmt;
    size_t offset;
} metric;

#define M(key, label, fmt, field) {key, label, fmt, offsetof(ct_kpis, field)}

static const metric metrics[] = {
    M("cells_per_h", "good cells/h", "%.1f", cells_per_h),
    M("throughput_per_h", "good units/h", "%.2f", throughput_per_h),
    M("gwh_per_year", "GWh/yr", "%.3f", gwh_per_year),
    M("cumulative_yield", "cumulative yield", "%.4f", cumulative_yield),
    M("cost_per_cell_usd", "cost per cell (USD)", "%.2f", econ.cost_per_cell_usd),
    M("cost_per_kwh_usd", "cost per kWh (USD)", "%.2f", econ.cost_per_kwh_usd),
    M("energy_kwh_per_kwh_cell", "energy per kWh (kWh)", "%.2f", econ.energy_kwh_per_kwh_cell),
    M("floor_space_m2", "floor space (m2)", "%.0f", econ.floor_space_m2),
    M("wip_mean", "WIP (mean units)", "%.1f", wip_mean),
    M("lead_time_mean_s", "lead time (mean s)", "%.0f", lead_time_mean_s),
};
#define N_METRICS (sizeof metrics / sizeof metrics[0])

static double field(const ct_kpis *k, size_t off)
{
    return *(const double *)((const char *)k + off);
}

/* One figure of one scenario: mean and half-width, and the paired
 * difference to the first scenario with its half-width. */
typedef struct figure {
    double mean, half, diff, diff_half;
} figure;

static void compute(ct_results *const *res, int s, int reps, size_t off, figure *out)
{
    const ct_kpis *m = ct_results_mean(res[s]), *h = ct_results_ci95(res[s]);
    out->mean = field(m, off);
    out->half = field(h, off);
    double sum = 0, ss = 0;
    for (int r = 0; r < reps; r++)
        sum += field(ct_results_replication(res[s], r), off) - field(ct_results_replication(res[0], r), off);
    double d = sum / reps;
    for (int r = 0; r < reps; r++) {
        double e = field(ct_results_replication(res[s], r), off) -
                   field(ct_results_replication(res[0], r), off) - d;
        ss += e * e;
    }
    out->diff = d;
    out->diff_half = reps > 1 ? ct_student_t_quantile(0.975, reps - 1) * sqrt(ss / (reps - 1) / reps) : 0;
}

static void print_table(char **paths, const ct_factory *const *f, ct_results *const *res, int n,
                        int reps)
{
    const ct_run_options *o = ct_results_options(res[0]);
    printf("compare: %d factories, horizon %.0f s, warm-up %.0f s, %d replication%s, seed %llu\n\n",
           n, o->horizon_s, o->warmup_s, reps, reps == 1 ? "" : "s", (unsigned long long)o->seed);
    for (int s = 0; s < n; s++)
        printf("  [%c] %s (%s)\n", 'A' + s, ct_factory_name(f[s]), paths[s]);
    printf("\n  %-22s", "");
    for (int s = 0; s < n; s++)
        printf(" %24c", 'A' + s);
    for (int s = 1; s < n; s++)
        printf(" %20c - A", 'A' + s);
    putchar('\n');
    for (size_t i = 0; i < N_METRICS; i++) {
        printf("  %-22s", metrics[i].label);
        char buf[64], a[28], b[28];
        for (int s = 0; s < n; s++) {
            figure g;
            compute(res, s, reps, metrics[i].offset, &g);
            snprintf(a, sizeof a, metrics[i].fmt, g.mean);
            snprintf(b, sizeof b, metrics[i].fmt, g.half);
            snprintf(buf, sizeof buf, reps > 1 ? "%s ± %s" : "%s", a, b);
            printf(" %*s", reps > 1 ? 25 : 24, buf);   /* "±" is two bytes */
        }
        for (int s = 1; s < n; s++) {
            figure g;
            compute(res, s, reps, metrics[i].offset, &g);
            snprintf(a, sizeof a, metrics[i].fmt, g.diff);
            snprintf(b, sizeof b, metrics[i].fmt, g.diff_half);
            snprintf(buf, sizeof buf, reps > 1 ? "%s%s ± %s" : "%s%s", g.diff > 0 ? "+" : "", a, b);
            printf(" %*s", reps > 1 ? 25 : 24, buf);   /* "±" is two bytes */
        }
        putchar('\n');
    }
}

static char *to_json(char **paths, const ct_factory *const *f, ct_results *const *res, int n, int reps)
{
    const ct_run_options *o = ct_results_options(res[0]);
    json_t *root = json_object();
    json_object_set_new(root, "horizon_s", json_real(o->horizon_s));
    json_object_set_new(root, "warmup_s", json_real(o->warmup_s));
    json_object_set_new(root, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(root, "replications", json_integer(reps));
    json_t *list = json_array();
    for (int s = 0; s < n; s++) {
        json_t *so = json_object();
        json_object_set_new(so, "file", json_string(paths[s]));
        json_object_set_new(so, "factory", json_string(ct_factory_name(f[s])));
        for (size_t i = 0; i < N_METRICS; i++) {
            figure g;
            compute(res, s, reps, metrics[i].offset, &g);
            json_t *mo = json_object();
            json_object_set_new(mo, "mean", json_real(g.mean));
            json_object_set_new(mo, "ci95", json_real(g.half));
            json_object_set_new(mo, "diff", json_real(g.diff));
            json_object_set_new(mo, "diff_ci95", json_real(g.diff_half));
            json_object_set_new(so, metrics[i].name, mo);
        }
        json_array_append_new(list, so);
    }
    json_object_set_new(root, "scenarios", list);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(root);
    return text;
}

/* Settings given on the command line, applied to every file's run. */
typedef struct overrides {
    const char *seed, *horizon, *warmup, *reps, *threads;
} overrides;

static int whole_number(const char *name, const char *text, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < (strcmp(name, "--seed") == 0 ? 0 : 1) || v > max)
        return cti_usage_error("compare", "%s: expected a whole number from %d to %lld, got \"%s\"", name,
                               strcmp(name, "--seed") == 0 ? 0 : 1, max, text);
    *out = v;
    return CTI_EXIT_OK;
}

static int apply(const overrides *ov, ct_run_options *opt)
{
    long long v;
    char why[256];
    if (ov->seed) {
        if (whole_number("--seed", ov->seed, INT64_MAX, &v))
            return CTI_EXIT_BADINPUT;
        opt->seed = (uint64_t)v;
    }
    if (ov->reps) {
        if (whole_number("--replications", ov->reps, 1000000, &v))
            return CTI_EXIT_BADINPUT;
        opt->replications = (int)v;
    }
    if (ov->threads) {
        if (whole_number("--threads", ov->threads, 1024, &v))
            return CTI_EXIT_BADINPUT;
        opt->threads = (int)v;
    }
    if (ov->horizon && (ct_duration_parse(ov->horizon, &opt->horizon_s, why, sizeof why) != CT_OK ||
                        !(opt->horizon_s > 0)))
        return cti_usage_error("compare", "--horizon: expected a duration > 0, got \"%s\"", ov->horizon);
    if (ov->warmup && (ct_duration_parse(ov->warmup, &opt->warmup_s, why, sizeof why) != CT_OK ||
                       !(opt->warmup_s >= 0 && opt->warmup_s < opt->horizon_s)))
        return cti_usage_error("compare", "--warmup: expected a duration >= 0 and below the horizon, got \"%s\"",
                               ov->warmup);
    return CTI_EXIT_OK;
}

static int compare_main(int argc, char **argv)
{
    char *paths[MAX_SCENARIOS];
    int n = 0;
    bool json = false;
    overrides ov = {0};
    static const struct { const char *name; size_t slot; } opts[] = {
        {"--seed", offsetof(overrides, seed)},       {"--horizon", offsetof(overrides, horizon)},
        {"--warmup", offsetof(overrides, warmup)},   {"--replications", offsetof(overrides, reps)},
        {"--threads", offsetof(overrides, threads)},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            fputs(compare_usage, stdout);
            return CTI_EXIT_OK;
        }
        if (strcmp(a, "--json") == 0) {
            json = true;
            continue;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (n == MAX_SCENARIOS)
                return cti_usage_error("compare", "at most %d factory files", MAX_SCENARIOS);
            paths[n++] = argv[i];
            continue;
        }
        size_t k = 0;
        while (k < sizeof opts / sizeof opts[0] && strncmp(a, opts[k].name, strlen(opts[k].name)) != 0)
            k++;
        size_t len = k < sizeof opts / sizeof opts[0] ? strlen(opts[k].name) : 0;
        if (!len || (a[len] != '\0' && a[len] != '='))
            return cti_usage_error("compare", "unknown option \"%s\"", a);
        const char *val = a[len] == '=' ? a + len + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val)
            return cti_usage_error("compare", "%s: expected a value", opts[k].name);
        *(const char **)((char *)&ov + opts[k].slot) = val;
    }
    if (n < 2)
        return cti_usage_error("compare", "expected at least two factory files, got %d", n);

    ct_factory *f[MAX_SCENARIOS] = {0};
    ct_results *res[MAX_SCENARIOS] = {0};
    int status = CTI_EXIT_OK, reps = 0;
    ct_error err;
    for (int s = 0; s < n && status == CTI_EXIT_OK; s++) {
        ct_error_clear(&err);
        if (ct_factory_load(paths[s], &f[s], &err) != CT_OK) {
            fprintf(stderr, "celltwin compare: %s\n", err.msg);
            status = CTI_EXIT_BADINPUT;
        }
    }
    for (int s = 0; s < n && status == CTI_EXIT_OK; s++) {
        ct_run_options opt;
        ct_run_options_init(&opt, f[s]);
        if (s > 0)
            opt.replications = reps;   /* paired: the same replications everywhere */
        if ((status = apply(&ov, &opt)) != CTI_EXIT_OK)
            break;
        reps = opt.replications;
        ct_error_clear(&err);
        ct_status rc = ct_run(f[s], &opt, NULL, NULL, &res[s], &err);
        if (rc != CT_OK) {
            fprintf(stderr, "celltwin compare: %s: %s\n", paths[s], err.msg);
            status = rc == CT_ERR_INVALID ? CTI_EXIT_BADINPUT : CTI_EXIT_FAIL;
        }
    }
    if (status == CTI_EXIT_OK) {
        if (json) {
            char *text = to_json(paths, (const ct_factory *const *)f, res, n, reps);
            if (!text) {
                fprintf(stderr, "celltwin compare: out of memory writing JSON\n");
                status = CTI_EXIT_FAIL;
            } else {
                puts(text);
                free(text);
            }
        } else {
            print_table(paths, (const ct_factory *const *)f, res, n, reps);
        }
        if (fflush(stdout) != 0) {
            fprintf(stderr, "celltwin compare: cannot write output: %s\n", strerror(errno));
            status = CTI_EXIT_FAIL;
        }
    }
    for (int s = 0; s < n; s++) {
        ct_results_destroy(res[s]);
        ct_factory_destroy(f[s]);
    }
    return status;
}

const cti_command cti_cmd_compare = {"compare", compare_main,
                                     "run several factory files and compare their KPIs", compare_usage};
