/*
 * cmd_sweep.c - `celltwin sweep` (run a parameter sweep, or one shard of
 * it) and `celltwin merge` (combine shards into the sweep's output), over
 * the public API of sweep.h. The option parsing and file writing live in
 * cti_sweep_cli so that the MPI executable shares them (sweep_cli.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "celltwin/sweep.h"
#include "commands.h"
#include "sweep_cli.h"

const char cti_sweep_usage[] =
    "Usage: celltwin sweep SWEEP.yaml [--threads T] [--out PREFIX] [--shard K/N]\n"
    "\n"
    "Runs every scenario of a sweep file (docs/sweep.md): variants of a base\n"
    "factory file, a grid of values and/or a Latin hypercube over ranges, each\n"
    "for the sweep's replications. Writes PREFIX.csv and PREFIX.json: one row\n"
    "per scenario with its values and the mean and 95 % half-width of\n"
    "throughput_per_h, completed, scrapped, wip_mean, lead_time_mean_s and\n"
    "each station's utilization.\n"
    "\n"
    "Options:\n"
    "  --threads T   spread the replications of all scenarios over T threads\n"
    "                (same bytes of output for any T)\n"
    "  --out PREFIX  where to write (default: the sweep file's name without\n"
    "                .yaml, in the current folder)\n"
    "  --shard K/N   run only scenarios i with i % N == K-1 and write the\n"
    "                partial result PREFIX.part.json; `celltwin merge` joins\n"
    "                the N parts into exactly the output of the whole sweep\n"
    "\n"
    "Exit status: 0 ok, 1 runtime failure (a file that cannot be written),\n"
    "2 bad sweep or factory file, or bad option.\n";

static const char merge_usage[] =
    "Usage: celltwin merge PART.part.json... --out PREFIX\n"
    "\n"
    "Combines the partial results of `celltwin sweep --shard K/N` (every K\n"
    "from 1 to N, in any order) into PREFIX.csv and PREFIX.json, the same\n"
    "bytes as running the sweep unsharded. Parts of different sweeps, a\n"
    "scenario twice or a missing scenario are refused (exit status 2).\n"
    "\n"
    "Exit status: 0 ok, 1 runtime failure, 2 bad or incomplete parts.\n";

/* Messages go to stderr, only from the process that reports. */
static void say(const cti_sweep_driver *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void say(const cti_sweep_driver *d, const char *fmt, ...)
{
    if (!d->report)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static bool is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* The value of "--opt value" or "--opt=value"; NULL when missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int exit_for(ct_status st)
{
    return st == CT_ERR_NOMEM ? CTI_EXIT_FAIL : CTI_EXIT_BADINPUT;
}

/* Writes PREFIX.EXT with writer, reporting failures; returns the exit status. */
static int write_file(const char *cmd, const char *prefix, const char *ext,
                      ct_status (*writer)(const ct_sweep_results *, FILE *, ct_error *),
                      const ct_sweep_results *r, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.%s", prefix, ext);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "celltwin %s: %s: cannot open for writing: %s\n", cmd, path, strerror(errno));
        return CTI_EXIT_FAIL;
    }
    ct_error err;
    ct_error_clear(&err);
    ct_status st = CT_OK;
    if (writer)
        st = writer(r, f, &err);
    else if (fputs(text, f) == EOF || fputc('\n', f) == EOF)
        st = ct_error_set(&err, CT_ERR_IO, "cannot write: %s", strerror(errno));
    if (fclose(f) != 0 && st == CT_OK)
        st = ct_error_set(&err, CT_ERR_IO, "cannot write: %s", strerror(errno));
    if (st != CT_OK) {
        fprintf(stderr, "celltwin %s: %s: %s\n", cmd, path, err.msg);
        return st == CT_ERR_INVALID ? CTI_EXIT_BADINPUT : CTI_EXIT_FAIL;
    }
    return CTI_EXIT_OK;
}

static int write_outputs(const char *cmd, const char *prefix, const ct_sweep_results *r)
{
    int status = write_file(cmd, prefix, "csv", ct_sweep_write_csv, r, NULL);
    if (status == CTI_EXIT_OK)
        status = write_file(cmd, prefix, "json", ct_sweep_write_json, r, NULL);
    return status;
}

static void draw_progress(double fraction, void *ctx)
{
    cti_progress_draw(ctx, fraction);
}

/* PREFIX by default: the sweep file's name without its folder and .yaml. */
static void default_prefix(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".yaml"))
        n -= 5;
    else if (n > 4 && !strcmp(base + n - 4, ".yml"))
        n -= 4;
    snprintf(out, len, "%.*s", (int)n, base);
}

int cti_sweep_cli(int argc, char **argv, const cti_sweep_driver *d)
{
    const char *path = NULL, *threads = NULL, *out = NULL, *shard = NULL;
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL, *name = NULL;
        if (is_opt(argv[i], "--threads"))
            slot = &threads, name = "--threads";
        else if (is_opt(argv[i], "--out"))
            slot = &out, name = "--out";
        else if (is_opt(argv[i], "--shard") && d->allow_shard)
            slot = &shard, name = "--shard";
        else if (strcmp(argv[i], "--help") == 0) {
            if (d->report)
                fputs(cti_sweep_usage, stdout);
            return CTI_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            if (!d->report)
                return CTI_EXIT_BADINPUT;
            return cti_usage_error("sweep", "unknown option \"%s\"%s", argv[i],
                                   is_opt(argv[i], "--shard")
                                       ? " (under MPI the ranks are the shards)" : "");
        } else if (path) {
            if (!d->report)
                return CTI_EXIT_BADINPUT;
            return cti_usage_error("sweep", "one sweep file expected, got \"%s\" and \"%s\"",
                                   path, argv[i]);
        } else {
            path = argv[i];
            continue;
        }
        if (!(*slot = opt_value(argc, argv, &i, name)))
            return d->report ? cti_usage_error("sweep", "%s: expected a value", name)
                             : CTI_EXIT_BADINPUT;
    }
    if (!path)
        return d->report ? cti_usage_error("sweep", "expected a sweep file") : CTI_EXIT_BADINPUT;

    ct_sweep_run_options opt;
    ct_sweep_run_options_init(&opt);
    long v, k = 0, n = 0;
    if (threads) {
        if (!parse_int(threads, 1, 1024, &v))
            return d->report ? cti_usage_error("sweep", "--threads: expected an integer from 1 to "
                                               "1024, got \"%s\"", threads) : CTI_EXIT_BADINPUT;
        opt.threads = (int)v;
    }
    if (shard) {
        char kb[32], nb[32];
        const char *slash = strchr(shard, '/');
        bool ok = slash && (size_t)(slash - shard) < sizeof kb && strlen(slash + 1) < sizeof nb;
        if (ok) {
            snprintf(kb, sizeof kb, "%.*s", (int)(slash - shard), shard);
            snprintf(nb, sizeof nb, "%s", slash + 1);
            ok = parse_int(nb, 1, CT_SWEEP_MAX_SCENARIOS, &n) && parse_int(kb, 1, n, &k);
        }
        if (!ok)
            return cti_usage_error("sweep", "--shard: expected K/N with 1 <= K <= N, such as "
                                            "2/3, got \"%s\"", shard);
        opt.shard_index = (int)(k - 1);
        opt.shard_count = (int)n;
    }
    char prefix[2048];
    if (out)
        snprintf(prefix, sizeof prefix, "%s", out);
    else
        default_prefix(path, prefix, sizeof prefix);

    ct_sweep *s = NULL;
    ct_error err;
    ct_error_clear(&err);
    ct_status st = ct_sweep_load(path, &s, &err);
    if (st != CT_OK) {
        say(d, "%s sweep: %s\n", d->prog, err.msg);
        return exit_for(st);
    }

    cti_progress bar = {-1};
    if (d->report && cti_progress_wanted()) {
        opt.progress = draw_progress;
        opt.progress_ctx = &bar;
    }
    ct_sweep_results *res = NULL;
    bool writes = false;
    int status = CTI_EXIT_OK;
    st = d->exec(s, &opt, &res, &writes, &err);
    if (st != CT_OK) {
        fprintf(stderr, "%s sweep: %s: %s\n", d->prog, path, err.msg);
        status = st == CT_ERR_INVALID ? CTI_EXIT_BADINPUT : CTI_EXIT_FAIL;
        goto cleanup;
    }
    if (!writes)
        goto cleanup;
    size_t total = ct_sweep_scenarios(s);
    int reps = ct_sweep_run_settings(s)->replications;
    if (shard) {
        char *text = ct_sweep_results_partial(res);
        if (!text) {
            fprintf(stderr, "celltwin sweep: out of memory writing the partial result\n");
            status = CTI_EXIT_FAIL;
            goto cleanup;
        }
        status = write_file("sweep", prefix, "part.json", NULL, NULL, text);
        free(text);
        if (status == CTI_EXIT_OK)
            printf("%s: shard %ld/%ld (%zu of %zu scenarios x %d replications) -> %s.part.json\n",
                   path, k, n, (total + (size_t)(n - k)) / (size_t)n, total, reps, prefix);
    } else {
        status = write_outputs("sweep", prefix, res);
        if (status == CTI_EXIT_OK)
            printf("%s: %zu scenarios x %d replications -> %s.csv, %s.json\n", path, total, reps,
                   prefix, prefix);
    }
cleanup:
    ct_sweep_results_destroy(res);
    ct_sweep_destroy(s);
    if (fflush(stdout) != 0 && status == CTI_EXIT_OK)
        status = CTI_EXIT_FAIL;
    return status;
}

static ct_status local_exec(const ct_sweep *s, const ct_sweep_run_options *opt,
                            ct_sweep_results **out, bool *writes, ct_error *err)
{
    *writes = true;
    return ct_sweep_run(s, opt, out, err);
}

static int sweep_main(int argc, char **argv)
{
    static const cti_sweep_driver local = {"celltwin", local_exec, true, true};
    return cti_sweep_cli(argc, argv, &local);
}

static int merge_main(int argc, char **argv)
{
    const char *out = NULL;
    const char **parts = calloc((size_t)argc, sizeof *parts);
    size_t n = 0;
    int status = CTI_EXIT_OK;
    if (!parts) {
        fprintf(stderr, "celltwin merge: out of memory\n");
        return CTI_EXIT_FAIL;
    }
    for (int i = 1; i < argc; i++) {
        if (is_opt(argv[i], "--out")) {
            if (!(out = opt_value(argc, argv, &i, "--out"))) {
                status = cti_usage_error("merge", "--out: expected a value");
                goto cleanup;
            }
        } else if (strcmp(argv[i], "--help") == 0) {
            fputs(merge_usage, stdout);
            goto cleanup;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            status = cti_usage_error("merge", "unknown option \"%s\"", argv[i]);
            goto cleanup;
        } else {
            parts[n++] = argv[i];
        }
    }
    if (n == 0 || !out) {
        status = cti_usage_error("merge", "expected partial results and --out PREFIX");
        goto cleanup;
    }
    ct_sweep_results *res = NULL;
    ct_error err;
    ct_error_clear(&err);
    ct_status st = ct_sweep_merge_files(parts, n, &res, &err);
    if (st != CT_OK) {
        fprintf(stderr, "celltwin merge: %s\n", err.msg);
        status = exit_for(st);
        goto cleanup;
    }
    if (!ct_sweep_results_complete(res)) {
        size_t miss = 0;
        while (ct_sweep_results_has(res, miss))
            miss++;
        fprintf(stderr, "celltwin merge: scenario %zu of %zu is in none of the parts; expected the "
                        "parts of every shard 1/N .. N/N\n", miss, ct_sweep_results_scenarios(res));
        status = CTI_EXIT_BADINPUT;
    } else {
        status = write_outputs("merge", out, res);
        if (status == CTI_EXIT_OK)
            printf("%zu parts, %zu scenarios -> %s.csv, %s.json\n", n,
                   ct_sweep_results_scenarios(res), out, out);
    }
    ct_sweep_results_destroy(res);
cleanup:
    free(parts);
    if (fflush(stdout) != 0 && status == CTI_EXIT_OK)
        status = CTI_EXIT_FAIL;
    return status;
}

const cti_command cti_cmd_sweep = {"sweep", sweep_main, "run a parameter sweep (grid or Latin hypercube)",
                                   cti_sweep_usage};
const cti_command cti_cmd_merge = {"merge", merge_main, "combine the shards of a sweep into its output",
                                   merge_usage};
