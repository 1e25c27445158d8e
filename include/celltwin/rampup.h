/*
 * rampup.h - ramp-up and industrialisation: a factory's output, yield and
 * scrap cost month by month after the start of production (SOP), with the
 * yield learning curves of its `learning:` keys, and the APQP sample phases
 * (A- to D-samples) before SOP. docs/rampup.md describes the method.
 *
 * Each month is simulated as a sample window: the line is filled for
 * warmup_s, then measured for sample_s centred on the middle of the month
 * (the learning clock set to match), and the window's counts are scaled to
 * the month (365.25/12 days).
 */
#ifndef CELLTWIN_RAMPUP_H
#define CELLTWIN_RAMPUP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "celltwin/factory.h"
#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One month after SOP: 365.25 / 12 days, in seconds. */
#define CT_MONTH_S (365.25 / 12.0 * 86400.0)

typedef struct ct_rampup_options {
    int months;            /* months after SOP, >= 1 */
    double sample_s;       /* simulated window per month, > 0 and at most a month */
    double warmup_s;       /* fill-up of the line before each window, >= 0 */
    int replications;      /* per month, >= 1 */
    uint64_t seed;
    int threads;           /* >= 1: months side by side (without Wright curves),
                            * else each month's replications; same results */
} ct_rampup_options;

/* Defaults: 36 months, 2 d windows, a warm-up of the factory's run
 * warm-up but at least 14 d (the default factory's lead time is about
 * 12 d), the factory's seed and replications, one thread. */
void ct_rampup_options_init(ct_rampup_options *o, const ct_factory *f);

/* One of a month's largest scrap causes (by cost). Names borrowed from the
 * factory. */
typedef struct ct_rampup_cause {
    const char *station;
    const char *cause;
    double count;          /* units scrapped in the month (scaled) */
    double cost_usd;       /* value lost in the month (scaled) */
} ct_rampup_cause;

#define CT_RAMPUP_TOP_CAUSES 3

/* A month's figures: means over the replications, counts scaled from the
 * window to the whole month. */
typedef struct ct_rampup_month {
    int month;                  /* 1 = the first month after SOP */
    double learning_scrap;      /* the curves' closed form at mid-month: share of a
                                 * unit passing every station with a curve lost to them */
    double yield;               /* cumulative yield (product of station yields) */
    double yield_ci95;          /* 95 % half-width over replications (0 for one) */
    double scrap_rate;          /* 1 - yield */
    double good_cells;          /* good cells in the month */
    double gwh;                 /* their energy, GWh */
    double scrap_cost_usd;      /* value of everything scrapped in the month */
    double ramp_up_cost_usd;    /* of that, scrapped by the learning curves */
    double cum_good_cells, cum_gwh, cum_scrap_cost_usd;   /* since SOP */
    int n_top;
    ct_rampup_cause top[CT_RAMPUP_TOP_CAUSES];
} ct_rampup_month;

/* An APQP sample phase before SOP (the review, section 2.3). */
typedef struct ct_apqp_phase {
    const char *phase;          /* "A-samples" ... "D-samples" */
    double start_months_before_sop, end_months_before_sop;
    double cells;               /* sample quantity, cells */
    const char *line;           /* where they are made */
    const char *purpose;
    const char *source;         /* where the duration and quantity come from */
} ct_apqp_phase;

/* The default APQP phases, A to D, in time order; *n gets their count.
 * Borrowed, static. */
const ct_apqp_phase *ct_apqp_phases(size_t *n);

typedef struct ct_rampup ct_rampup;

/* Simulates o->months months of f after SOP. On success *out owns the
 * result (ct_rampup_destroy); it borrows names from f, which must outlive
 * it. Errors: CT_ERR_INVALID (err names the option: "months: ..."),
 * CT_ERR_NOMEM. progress (may be NULL) gets the fraction done. */
ct_status ct_rampup_run(const ct_factory *f, const ct_rampup_options *o, ct_progress_fn progress,
                        void *progress_ctx, ct_rampup **out, ct_error *err);

void ct_rampup_destroy(ct_rampup *r);

const ct_rampup_options *ct_rampup_get_options(const ct_rampup *r);
int ct_rampup_n_months(const ct_rampup *r);
/* Month i, 0 <= i < months. Borrowed. */
const ct_rampup_month *ct_rampup_month_at(const ct_rampup *r, int i);

/* The result as one JSON object (docs/rampup.md); caller frees; NULL when
 * out of memory. */
char *ct_rampup_json(const ct_rampup *r);
/* Writes a self-contained HTML report (inline CSS and SVG: the scrap rate
 * against the curves' SOP and steady values, the GWh (or good units) by
 * month, the cumulated scrap cost, the APQP phases and the month table) to
 * path,
 * atomically: on failure no file (and no partial file) is left there.
 * Errors: CT_ERR_IO ("PATH: cannot write the report: ..."), CT_ERR_NOMEM. */
ct_status ct_rampup_write_html(const ct_rampup *r, const char *path, ct_error *err);

/* One CSV row per month with a header. */
void ct_rampup_csv(const ct_rampup *r, FILE *out);
/* The APQP phases and a month-by-month table. */
void ct_rampup_print(const ct_rampup *r, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
