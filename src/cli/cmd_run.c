/*
 * cmd_run.c - `celltwin run` and `celltwin validate`: load a factory file,
 * then simulate it and print the KPIs (a table, or JSON with --json).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "celltwin/factory.h"
#include "celltwin/trace.h"
#include "celltwin/units.h"
#include "commands.h"

#ifndef CT_DEFAULT_FACTORY
#define CT_DEFAULT_FACTORY "examples/prismatic-lfp.yaml"
#endif

static const char run_usage[] =
    "Usage: celltwin run [FACTORY.yaml] [options]\n"
    "\n"
    "Simulates the factory and prints its KPIs: throughput, WIP, lead time,\n"
    "and per station utilization, blocking, starvation, downtime, queue and\n"
    "waiting time, with the bottleneck. Without FACTORY.yaml it runs the\n"
    "default factory (" CT_DEFAULT_FACTORY ").\n"
    "\n"
    "Options (they override the file's run: section):\n"
    "  --seed N            random seed (integer >= 0)\n"
    "  --horizon DUR       simulated time per replication, e.g. 30d, 720h, 3600\n"
    "  --warmup DUR        statistics start after this time\n"
    "  --replications R    independent replications; with R > 1 each figure is a\n"
    "                      mean and a ci95 object gives the 95 % half-widths\n"
    "  --threads T         run replications on T threads (same results for any T)\n"
    "  --learning          apply the factory's learning: curves (ramp-up scrap) with\n"
    "                      the start of production at time 0 (docs/rampup.md)\n"
    "  --json              one JSON object on stdout instead of the table\n"
    "  --trace FILE        write the genealogy of every cell, batch and coil to the\n"
    "                      SQLite database FILE (appended when it exists); read it\n"
    "                      with celltwin trace, recall and query (docs/trace.md)\n"
    "\n"
    "Durations take units s, min, h, d, wk (a bare number is seconds).\n"
    "Exit status: 0 ok, 1 runtime failure, 2 bad factory file or option.\n";

static const char validate_usage[] =
    "Usage: celltwin validate FACTORY.yaml\n"
    "\n"
    "Loads and checks the factory file without running it. Prints \"ok\" and\n"
    "exits 0, or prints FILE:LINE:COL: KEY: what was expected and exits 2.\n";

/* Parses the argument of an option; accepts "--opt value" and "--opt=value". */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static bool is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

typedef struct progress_bar {
    cti_progress bar;
    bool draw;
    ct_trace *trace;      /* stop the run when writing it failed */
} progress_bar;

static void draw_progress(double fraction, void *ctx)
{
    progress_bar *p = ctx;
    ct_error terr;
    if (p->trace && ct_trace_failed(p->trace, &terr)) {
        /* the database keeps its committed batches; the run cannot stop
         * by itself, so the tool ends here */
        fprintf(stderr, "%scelltwin run: %s\n", p->draw ? "\r\033[K" : "", terr.msg);
        exit(CTI_EXIT_FAIL);
    }
    if (p->draw)
        cti_progress_draw(&p->bar, fraction);
}

static int load(const char *cmd, const char *path, ct_factory **f)
{
    ct_error err;
    ct_error_clear(&err);
    ct_status rc = ct_factory_load(path, f, &err);
    if (rc == CT_OK)
        return CTI_EXIT_OK;
    fprintf(stderr, "celltwin %s: %s\n", cmd, err.msg);
    return CTI_EXIT_BADINPUT;
}

static int run_main(int argc, char **argv)
{
    const char *path = NULL;
    const char *seed = NULL, *horizon = NULL, *warmup = NULL, *reps = NULL, *threads = NULL;
    const char *trace_path = NULL;
    bool json = false, learning = false;
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        const char *name = NULL;
        if (is_opt(argv[i], "--seed"))
            slot = &seed, name = "--seed";
        else if (is_opt(argv[i], "--horizon"))
            slot = &horizon, name = "--horizon";
        else if (is_opt(argv[i], "--warmup"))
            slot = &warmup, name = "--warmup";
        else if (is_opt(argv[i], "--replications"))
            slot = &reps, name = "--replications";
        else if (is_opt(argv[i], "--threads"))
            slot = &threads, name = "--threads";
        else if (is_opt(argv[i], "--trace"))
            slot = &trace_path, name = "--trace";
        else if (strcmp(argv[i], "--json") == 0) {
            json = true;
            continue;
        } else if (strcmp(argv[i], "--learning") == 0) {
            learning = true;
            continue;
        } else if (strcmp(argv[i], "--help") == 0) {
            fputs(run_usage, stdout);
            return CTI_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cti_usage_error("run", "unknown option \"%s\"", argv[i]);
        else if (path)
            return cti_usage_error("run", "one factory file expected, got \"%s\" and \"%s\"", path, argv[i]);
        else {
            path = argv[i];
            continue;
        }
        if (!(*slot = opt_value(argc, argv, &i, name)))
            return cti_usage_error("run", "%s: expected a value", name);
    }
    if (!path)
        path = CT_DEFAULT_FACTORY;

    ct_factory *f = NULL;
    int status = load("run", path, &f);
    if (status != CTI_EXIT_OK)
        return status;

    ct_run_options opt;
    ct_run_options_init(&opt, f);
    opt.learning = learning;
    char why[256];
    long long v;
    if (seed) {
        if (!cti_args_int(seed, 0, INT64_MAX, &v)) {
            status = cti_usage_error("run", "--seed: expected an integer >= 0, got \"%s\"", seed);
            goto cleanup;
        }
        opt.seed = (uint64_t)v;
    }
    if (horizon && ct_duration_parse(horizon, &opt.horizon_s, why, sizeof why) != CT_OK) {
        status = cti_usage_error("run", "--horizon: %s", why);
        goto cleanup;
    }
    if (warmup && ct_duration_parse(warmup, &opt.warmup_s, why, sizeof why) != CT_OK) {
        status = cti_usage_error("run", "--warmup: %s", why);
        goto cleanup;
    }
    if (horizon && !(opt.horizon_s > 0)) {
        status = cti_usage_error("run", "--horizon: expected a duration > 0, got \"%s\"", horizon);
        goto cleanup;
    }
    if (warmup && !(opt.warmup_s >= 0 && opt.warmup_s < opt.horizon_s)) {
        status = cti_usage_error("run", "--warmup: expected a duration >= 0 and below the horizon (%g s), got \"%s\"",
                                 opt.horizon_s, warmup);
        goto cleanup;
    }
    if (reps) {
        if (!cti_args_int(reps, 1, 1000000, &v)) {
            status = cti_usage_error("run", "--replications: expected an integer from 1 to 1000000, got \"%s\"", reps);
            goto cleanup;
        }
        opt.replications = (int)v;
    }
    if (threads) {
        if (!cti_args_int(threads, 1, 1024, &v)) {
            status = cti_usage_error("run", "--threads: expected an integer from 1 to 1024, got \"%s\"", threads);
            goto cleanup;
        }
        opt.threads = (int)v;
    }

    ct_trace *trace = NULL;
    ct_error err;
    ct_error_clear(&err);
    if (trace_path) {
        /* a file-size limit then fails a write instead of killing the tool */
        signal(SIGXFSZ, SIG_IGN);
        ct_status trc = ct_trace_open(trace_path, f, &opt, &trace, &err);
        if (trc != CT_OK) {
            fprintf(stderr, "celltwin run: %s\n", err.msg);
            status = trc == CT_ERR_INVALID ? CTI_EXIT_BADINPUT : CTI_EXIT_FAIL;
            goto cleanup;
        }
        opt.observer = ct_trace_observer(trace);
    }
    progress_bar bar = {{-1}, cti_progress_wanted(), trace};
    ct_results *res = NULL;
    ct_status rc = ct_run(f, &opt, bar.draw || trace ? draw_progress : NULL, &bar, &res, &err);
    if (trace) {
        /* the run codes, before close frees them: "7KQ2MX" or "7KQ2MX..9ZZ1P0 (4 runs)" */
        char code[32], codes[64];
        snprintf(code, sizeof code, "%s", ct_trace_run_code(trace, 0));
        if (opt.replications > 1)
            snprintf(codes, sizeof codes, "s %s..%s (one per replication)", code,
                     ct_trace_run_code(trace, opt.replications - 1));
        else
            snprintf(codes, sizeof codes, " %s", code);
        ct_trace_counts n;
        ct_error terr;
        ct_error_clear(&terr);
        if (ct_trace_close(trace, &n, &terr) != CT_OK) {
            fprintf(stderr, "celltwin run: %s\n", terr.msg);
            if (rc == CT_OK) {
                ct_results_destroy(res);
                status = CTI_EXIT_FAIL;
                goto cleanup;
            }
        } else if (rc == CT_OK) {
            fprintf(stderr,
                    "celltwin run: trace %s: run%s, %llu cells (%llu shipped, %llu scrapped, "
                    "%llu in process), serials %s-0000001...\n",
                    trace_path, codes,
                    (unsigned long long)n.cells, (unsigned long long)n.cells_shipped,
                    (unsigned long long)n.cells_scrapped, (unsigned long long)n.cells_in_process,
                    code);
        }
    }
    if (rc != CT_OK) {
        fprintf(stderr, "celltwin run: %s: %s\n", path, err.msg);
        status = rc == CT_ERR_INVALID ? CTI_EXIT_BADINPUT : CTI_EXIT_FAIL;
        goto cleanup;
    }
    if (json) {
        char *text = ct_results_json(res);
        if (!text) {
            fprintf(stderr, "celltwin run: out of memory writing JSON\n");
            status = CTI_EXIT_FAIL;
        } else {
            puts(text);
            free(text);
        }
    } else {
        ct_results_print(res, stdout);
    }
    ct_results_destroy(res);
cleanup:
    ct_factory_destroy(f);
    if (fflush(stdout) != 0 && status == CTI_EXIT_OK) {
        fprintf(stderr, "celltwin run: cannot write output: %s\n", strerror(errno));
        status = CTI_EXIT_FAIL;
    }
    return status;
}

static int validate_main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        fputs(validate_usage, stdout);
        return CTI_EXIT_OK;
    }
    if (argc != 2)
        return cti_usage_error("validate", "expected one factory file");
    ct_factory *f = NULL;
    int status = load("validate", argv[1], &f);
    if (status == CTI_EXIT_OK)
        printf("%s: ok (factory \"%s\")\n", argv[1], ct_factory_name(f));
    ct_factory_destroy(f);
    return status;
}

const cti_command cti_cmd_run = {"run", run_main, "simulate a factory and print its KPIs", run_usage};
const cti_command cti_cmd_validate = {"validate", validate_main, "check a factory file without running it",
                                      validate_usage};
