/*
 * cmd_rampup.c - `celltwin rampup`: a factory's output, yield and scrap
 * cost month by month after the start of production, with its learning
 * curves, and the APQP sample phases before it (rampup.h,
 * docs/rampup.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "celltwin/factory.h"
#include "celltwin/rampup.h"
#include "celltwin/units.h"
#include "commands.h"

static const char rampup_usage[] =
    "Usage: celltwin rampup FACTORY.yaml [options]\n"
    "\n"
    "Simulates the factory month by month after the start of production (SOP)\n"
    "with the yield learning curves of its learning: keys (extra scrap of cause\n"
    "\"ramp-up\", falling from scrap_at_sop towards steady_scrap), and prints per\n"
    "month the curves' scrap, the yield, good cells, GWh, scrap cost (all, and of\n"
    "the ramp-up cause), the same cumulated since SOP, and the largest scrap\n"
    "cause; before them the APQP sample phases (A- to D-samples) in months\n"
    "before SOP. Each month is a sample window: the line is filled for the\n"
    "warm-up, then measured for the sample days at mid-month, and the counts\n"
    "are scaled to the month (365.25/12 days). See docs/rampup.md.\n"
    "\n"
    "Options:\n"
    "  --months N          months after SOP, 1 to 600 (default 36)\n"
    "  --sample-days D     simulated window per month in days, > 0 and at most\n"
    "                      a month (default 2)\n"
    "  --warmup DUR        fill-up before each window, e.g. 20d (default: the\n"
    "                      file's run.warmup, at least 14d)\n"
    "  --replications R    replications per month (default: the file's)\n"
    "  --seed N            random seed (default: the file's); every month uses it\n"
    "  --threads T         run months side by side on T threads (with Wright curves:\n"
    "                      each month's replications); same results for any T\n"
    "  --json              one JSON object on stdout instead of the table\n"
    "  --csv               one CSV row per month on stdout instead of the table\n"
    "\n"
    "Exit status: 0 ok, 1 runtime failure, 2 bad factory file or option.\n";

static void draw_progress(double fraction, void *ctx)
{
    cti_progress_draw(ctx, fraction);
}

/* Reads the options after the factory file into o; returns an exit status. */
static int read_options(int argc, char **argv, ct_rampup_options *o, const char **path,
                        int *format)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        long long n;
        static const char *const valued[] = {"--months", "--sample-days", "--warmup",
                                             "--replications", "--seed", "--threads"};
        size_t k = 0;
        while (k < sizeof valued / sizeof valued[0] && !cti_arg_is(a, valued[k]))
            k++;
        if (k < sizeof valued / sizeof valued[0]) {
            if (!(v = cti_arg_value(argc, argv, &i, valued[k])))
                return cti_usage_error("rampup", "%s: expected a value", valued[k]);
        }
        if (cti_arg_is(a, "--months")) {
            if (!cti_arg_int(v, 1, 600, &n))
                return cti_usage_error("rampup", "--months: expected an integer from 1 to 600, got \"%s\"", v);
            o->months = (int)n;
        } else if (cti_arg_is(a, "--sample-days")) {
            char *end;
            errno = 0;
            double d = strtod(v, &end);
            if (errno || end == v || *end || !(d > 0) || !(d * 86400 <= CT_MONTH_S))
                return cti_usage_error("rampup", "--sample-days: expected a number of days > 0 and at most %.4g, got \"%s\"",
                                       CT_MONTH_S / 86400, v);
            o->sample_s = d * 86400;
        } else if (cti_arg_is(a, "--warmup")) {
            char why[256];
            if (ct_duration_parse(v, &o->warmup_s, why, sizeof why) != CT_OK)
                return cti_usage_error("rampup", "--warmup: %s", why);
            if (!(o->warmup_s >= 0))
                return cti_usage_error("rampup", "--warmup: expected a duration >= 0, got \"%s\"", v);
        } else if (cti_arg_is(a, "--replications")) {
            if (!cti_arg_int(v, 1, 1000000, &n))
                return cti_usage_error("rampup", "--replications: expected an integer from 1 to 1000000, got \"%s\"", v);
            o->replications = (int)n;
        } else if (cti_arg_is(a, "--seed")) {
            if (!cti_arg_int(v, 0, INT64_MAX, &n))
                return cti_usage_error("rampup", "--seed: expected an integer >= 0, got \"%s\"", v);
            o->seed = (uint64_t)n;
        } else if (cti_arg_is(a, "--threads")) {
            if (!cti_arg_int(v, 1, 1024, &n))
                return cti_usage_error("rampup", "--threads: expected an integer from 1 to 1024, got \"%s\"", v);
            o->threads = (int)n;
        } else if (!strcmp(a, "--json") || !strcmp(a, "--csv")) {
            int want = a[2] == 'j' ? 1 : 2;
            if (*format && *format != want)
                return cti_usage_error("rampup", "--json and --csv: expected one of them, got both");
            *format = want;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cti_usage_error("rampup", "unknown option \"%s\"", a);
        } else if (*path && *path != a) {
            return cti_usage_error("rampup", "one factory file expected, got \"%s\" and \"%s\"", *path, a);
        }
    }
    return CTI_EXIT_OK;
}

static int rampup_main(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(rampup_usage, stdout);
            return CTI_EXIT_OK;
        }
    }
    /* the factory file: the first argument that is neither an option nor
     * an option's value */
    for (int i = 1; i < argc && !path; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0')
            path = argv[i];
        else if (!strchr(argv[i], '=') && strcmp(argv[i], "--json") && strcmp(argv[i], "--csv"))
            i++;
    }
    if (!path)
        return cti_usage_error("rampup", "expected a factory file (see celltwin rampup --help)");

    ct_factory *f = NULL;
    ct_error err;
    ct_error_clear(&err);
    if (ct_factory_load(path, &f, &err) != CT_OK) {
        fprintf(stderr, "celltwin rampup: %s\n", err.msg);
        return CTI_EXIT_BADINPUT;
    }
    ct_rampup_options o;
    ct_rampup_options_init(&o, f);
    int format = 0;
    int status = read_options(argc, argv, &o, &path, &format);
    if (status != CTI_EXIT_OK)
        goto cleanup;
    if (!ct_factory_has_learning(f))
        fprintf(stderr, "celltwin rampup: %s has no learning: keys; every month shows the "
                        "steady line\n", path);

    cti_progress bar = {-1};
    bool draw = cti_progress_wanted();
    ct_rampup *r = NULL;
    ct_status rc = ct_rampup_run(f, &o, draw ? draw_progress : NULL, &bar, &r, &err);
    if (rc != CT_OK) {
        fprintf(stderr, "celltwin rampup: %s: %s\n", path, err.msg);
        status = rc == CT_ERR_INVALID ? CTI_EXIT_BADINPUT : CTI_EXIT_FAIL;
        goto cleanup;
    }
    int empty = 0;
    for (int m = 0; m < ct_rampup_n_months(r); m++)
        empty += ct_rampup_month_at(r, m)->good_cells == 0;
    if (empty > 0)
        fprintf(stderr, "celltwin rampup: %d month%s without good units in the window: the "
                        "warm-up (%g d) is likely shorter than the line's lead time; raise "
                        "--warmup\n",
                empty, empty == 1 ? "" : "s", o.warmup_s / 86400);
    if (format == 1) {
        char *text = ct_rampup_json(r);
        if (!text) {
            fprintf(stderr, "celltwin rampup: out of memory writing JSON\n");
            status = CTI_EXIT_FAIL;
        } else {
            puts(text);
            free(text);
        }
    } else if (format == 2) {
        ct_rampup_csv(r, stdout);
    } else {
        ct_rampup_print(r, stdout);
    }
    ct_rampup_destroy(r);
cleanup:
    ct_factory_destroy(f);
    if (fflush(stdout) != 0 && status == CTI_EXIT_OK) {
        fprintf(stderr, "celltwin rampup: cannot write output: %s\n", strerror(errno));
        status = CTI_EXIT_FAIL;
    }
    return status;
}

const cti_command cti_cmd_rampup = {"rampup", rampup_main,
                                    "output, yield and scrap cost month by month after SOP",
                                    rampup_usage};
