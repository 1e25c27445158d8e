/*
 * cmd_rampup.c - `celltwin rampup`: a factory's output, yield and scrap
 * cost month by month after the start of production, with its learning
 * curves, and the APQP sample phases before it (rampup.h,
 * docs/rampup.md).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    "  --html FILE         also write a self-contained HTML report with the charts\n"
    "                      (scrap rate, GWh by month, scrap cost since SOP)\n"
    "\n"
    "Exit status: 0 ok, 1 runtime failure, 2 bad factory file or option.\n";

static void draw_progress(double fraction, void *ctx)
{
    cti_progress_draw(ctx, fraction);
}

enum { OPT_MONTHS, OPT_SAMPLE, OPT_WARMUP, OPT_REPS, OPT_SEED, OPT_THREADS, OPT_JSON, OPT_CSV, OPT_HTML, N_OPTS };

/* Applies the options given to o; returns an exit status. */
static int apply_options(const cti_opt *opt, ct_rampup_options *o)
{
    const char *v;
    long long n;
    if ((v = opt[OPT_MONTHS].value)) {
        if (!cti_args_int(v, 1, 600, &n))
            return cti_usage_error("rampup", "--months: expected an integer from 1 to 600, got \"%s\"", v);
        o->months = (int)n;
    }
    if ((v = opt[OPT_SAMPLE].value)) {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || !(d > 0) || !(d * 86400 <= CT_MONTH_S))
            return cti_usage_error("rampup", "--sample-days: expected a number of days > 0 and at most %.4g, got \"%s\"",
                                   CT_MONTH_S / 86400, v);
        o->sample_s = d * 86400;
    }
    if ((v = opt[OPT_WARMUP].value)) {
        char why[256];
        if (ct_duration_parse(v, &o->warmup_s, why, sizeof why) != CT_OK)
            return cti_usage_error("rampup", "--warmup: %s", why);
        if (!(o->warmup_s >= 0))
            return cti_usage_error("rampup", "--warmup: expected a duration >= 0, got \"%s\"", v);
    }
    if ((v = opt[OPT_REPS].value)) {
        if (!cti_args_int(v, 1, 1000000, &n))
            return cti_usage_error("rampup", "--replications: expected an integer from 1 to 1000000, got \"%s\"", v);
        o->replications = (int)n;
    }
    if ((v = opt[OPT_SEED].value)) {
        if (!cti_args_int(v, 0, INT64_MAX, &n))
            return cti_usage_error("rampup", "--seed: expected an integer >= 0, got \"%s\"", v);
        o->seed = (uint64_t)n;
    }
    if ((v = opt[OPT_THREADS].value)) {
        if (!cti_args_int(v, 1, 1024, &n))
            return cti_usage_error("rampup", "--threads: expected an integer from 1 to 1024, got \"%s\"", v);
        o->threads = (int)n;
    }
    if (opt[OPT_JSON].value && opt[OPT_CSV].value)
        return cti_usage_error("rampup", "--json and --csv: expected one of them, got both");
    return CTI_EXIT_OK;
}

static int rampup_main(int argc, char **argv)
{
    cti_opt opt[N_OPTS] = {
        [OPT_MONTHS] = {"--months", false, NULL},   [OPT_SAMPLE] = {"--sample-days", false, NULL},
        [OPT_WARMUP] = {"--warmup", false, NULL},   [OPT_REPS] = {"--replications", false, NULL},
        [OPT_SEED] = {"--seed", false, NULL},       [OPT_THREADS] = {"--threads", false, NULL},
        [OPT_JSON] = {"--json", true, NULL},        [OPT_CSV] = {"--csv", true, NULL},
        [OPT_HTML] = {"--html", false, NULL},
    };
    const char *path = NULL;
    int status = cti_args_parse("rampup", rampup_usage, argc, argv, opt, N_OPTS,
                                "a factory file", &path);
    if (status == CTI_HELP_SHOWN)
        return CTI_EXIT_OK;
    if (status != 0)
        return status;

    ct_factory *f = NULL;
    ct_error err;
    ct_error_clear(&err);
    if (ct_factory_load(path, &f, &err) != CT_OK) {
        fprintf(stderr, "celltwin rampup: %s\n", err.msg);
        return CTI_EXIT_BADINPUT;
    }
    ct_rampup_options o;
    ct_rampup_options_init(&o, f);
    if ((status = apply_options(opt, &o)) != CTI_EXIT_OK)
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
    /* the report first: when it cannot be written, nothing goes to stdout */
    if (opt[OPT_HTML].value && ct_rampup_write_html(r, opt[OPT_HTML].value, &err) != CT_OK) {
        fprintf(stderr, "celltwin rampup: %s\n", err.msg);
        ct_rampup_destroy(r);
        status = CTI_EXIT_FAIL;
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
    if (opt[OPT_JSON].value) {
        status = cti_text_emit("rampup", ct_rampup_json(r));
    } else {
        if (opt[OPT_CSV].value)
            ct_rampup_csv(r, stdout);
        else
            ct_rampup_print(r, stdout);
        status = cti_stdout_flush("rampup");
    }
    ct_rampup_destroy(r);
cleanup:
    ct_factory_destroy(f);
    return status;
}

const cti_command cti_cmd_rampup = {"rampup", rampup_main,
                                    "output, yield and scrap cost month by month after SOP",
                                    rampup_usage};
