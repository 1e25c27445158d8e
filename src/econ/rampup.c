/*
 * rampup.c - ramp-up after the start of production (SOP): runs a factory
 * month by month with its yield learning curves (model/learning.c) and
 * reports output, yield and scrap cost per month and cumulated since SOP
 * (rampup.h, docs/rampup.md).
 *
 * A whole month of the default factory takes about 20 s to simulate, so
 * each month is a sample window instead: an empty line is filled for
 * warmup_s, then measured for sample_s centred on the middle of the month,
 * with the learning clock set so that simulated time maps onto the line's
 * age since SOP. Counts and costs are scaled by month / sample_s. Wright
 * curves follow cumulative output, which a window cannot see: each month
 * starts from an estimate, the output of the months before (their window
 * rates times a month) plus the previous month's rate up to the window's
 * start. Every month uses the same seed (common random numbers), so
 * differences between months come from the curves, not from the noise.
 * Without Wright curves the months do not depend on each other and run
 * side by side on the threads; with them, one after the other (the
 * replications of each month then share the threads).
 */
#include "celltwin/rampup.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "econ/rampup_internal.h"
#include "engine/threads.h"
#include "model/factory_internal.h"

#define DEFAULT_MONTHS 36
#define DEFAULT_SAMPLE_S (2 * 86400.0)
/* At least two weeks of fill-up: longer than the default factory's lead
 * time from stacking to graded cell (about 12 d: baking, soaking,
 * formation, 10 d of aging). */
#define MIN_DEFAULT_WARMUP_S (14 * 86400.0)
#define MAX_MONTHS 600


void ct_rampup_options_init(ct_rampup_options *o, const ct_factory *f)
{
    ct_run_options ro;
    ct_run_options_init(&ro, f);
    o->months = DEFAULT_MONTHS;
    o->sample_s = DEFAULT_SAMPLE_S;
    o->warmup_s = ro.warmup_s > MIN_DEFAULT_WARMUP_S ? ro.warmup_s : MIN_DEFAULT_WARMUP_S;
    o->replications = ro.replications;
    o->seed = ro.seed;
    o->threads = 1;
}

static ct_status check_options(const ct_rampup_options *o, ct_error *err)
{
    if (o->months < 1 || o->months > MAX_MONTHS)
        return ct_error_set(err, CT_ERR_INVALID, "months: expected an integer from 1 to %d, got %d",
                            MAX_MONTHS, o->months);
    if (!(o->sample_s > 0) || !(o->sample_s <= CT_MONTH_S))
        return ct_error_set(err, CT_ERR_INVALID,
                            "sample: expected a duration > 0 and at most a month (%g s), got %g s",
                            CT_MONTH_S, o->sample_s);
    if (!(o->warmup_s >= 0) || !isfinite(o->warmup_s))
        return ct_error_set(err, CT_ERR_INVALID, "warmup: expected a duration >= 0, got %g s",
                            o->warmup_s);
    if (o->replications < 1)
        return ct_error_set(err, CT_ERR_INVALID, "replications: expected an integer >= 1, got %d",
                            o->replications);
    if (o->threads < 1)
        return ct_error_set(err, CT_ERR_INVALID, "threads: expected an integer >= 1, got %d",
                            o->threads);
    return CT_OK;
}

/* Progress over all months: month m of n at fraction x of its run. */
typedef struct month_tick {
    ct_progress_fn fn;
    void *ctx;
    int m, n;
} month_tick;

static void month_progress(double x, void *ctx)
{
    month_tick *p = ctx;
    p->fn((p->m + x) / p->n, p->ctx);
}

/* Largest cost first; among equal costs (plain units have none), the
 * larger count. */
static int by_cost_desc(const void *a, const void *b)
{
    const ct_scrap_cause *x = *(const ct_scrap_cause *const *)a;
    const ct_scrap_cause *y = *(const ct_scrap_cause *const *)b;
    if (x->cost_usd != y->cost_usd)
        return (x->cost_usd < y->cost_usd) - (x->cost_usd > y->cost_usd);
    return (x->count < y->count) - (x->count > y->count);
}

/* The month's scrap causes: total ramp-up cost and the largest by cost. */
static bool top_causes(const ct_kpis *k, double scale, ct_rampup_month *mo)
{
    const ct_scrap_cause **c = malloc((k->n_causes ? k->n_causes : 1) * sizeof *c);
    if (!c)
        return false;
    for (size_t i = 0; i < k->n_causes; i++) {
        c[i] = &k->causes[i];
        if (strcmp(c[i]->cause, cti_cause_ramp_up) == 0)
            mo->ramp_up_cost_usd += c[i]->cost_usd * scale;
    }
    qsort(c, k->n_causes, sizeof *c, by_cost_desc);
    for (size_t i = 0; i < k->n_causes && mo->n_top < CT_RAMPUP_TOP_CAUSES; i++)
        mo->top[mo->n_top++] = (ct_rampup_cause){c[i]->station, c[i]->cause,
                                                 c[i]->count * scale, c[i]->cost_usd * scale};
    free(c);
    return true;
}

/* Share of a unit passing every station with a curve that the curves
 * scrap at age age_s, with out[i] the cumulative output of station i (NULL:
 * none, for curves in time alone). */
static double curves_scrap(const ct_factory *f, double age_s, const double *out)
{
    double keep = 1;
    for (int i = 0; i < f->n_stations; i++)
        if (f->stations[i].learning.on)
            keep *= 1.0 - cti_learning_scrap(&f->stations[i].learning, age_s, out ? out[i] : 0);
    return 1.0 - keep;
}

/* The same at steady state: every curve at its steady_scrap. */
static double curves_steady(const ct_factory *f)
{
    double keep = 1;
    for (int i = 0; i < f->n_stations; i++) {
        if (!f->stations[i].learning.on)
            continue;
        cti_learning c = f->stations[i].learning;
        c.scrap_at_sop = c.steady_scrap;
        keep *= 1.0 - cti_learning_scrap(&c, 0, 0);
    }
    return 1.0 - keep;
}

static bool has_wright(const ct_factory *f)
{
    for (int i = 0; i < f->n_stations; i++)
        if (f->stations[i].learning.on && f->stations[i].learning.curve == CTI_LEARN_WRIGHT)
            return true;
    return false;
}

/* Simulates month m (0-based) on threads threads, with at0 (NULL: none)
 * the stations' output before the run's time 0, and fills mo's figures of
 * the month (not the cumulated ones nor learning_scrap); rate, when not
 * NULL, gets each station's units per second in the window. */
static ct_status simulate_month(const ct_factory *f, const ct_rampup_options *o, int m, int threads,
                                const double *at0, ct_progress_fn progress, void *progress_ctx,
                                ct_rampup_month *mo, double *rate, ct_error *err)
{
    const double scale = CT_MONTH_S / o->sample_s;
    ct_run_options ro;
    ct_run_options_init(&ro, f);
    ro.horizon_s = o->warmup_s + o->sample_s;
    ro.warmup_s = o->warmup_s;
    ro.seed = o->seed;
    ro.replications = o->replications;
    ro.threads = threads;
    ro.learning = true;
    ro.learning_age_s = (m + 0.5) * CT_MONTH_S - o->sample_s / 2 - o->warmup_s;
    ro.learning_output = at0;
    month_tick pc = {progress, progress_ctx, m, o->months};
    ct_results *res = NULL;
    ct_status rc = ct_run(f, &ro, progress ? month_progress : NULL, &pc, &res, err);
    if (rc != CT_OK)
        return rc;
    const ct_kpis *k = ct_results_mean(res), *h = ct_results_ci95(res);
    mo->month = m + 1;
    for (int i = 0; rate && i < f->n_stations; i++)
        rate[i] = k->stations[i].processed / o->sample_s;
    mo->yield = k->cumulative_yield;
    mo->yield_ci95 = h->cumulative_yield;
    mo->scrap_rate = 1.0 - k->cumulative_yield;
    /* good cells; a line of plain units counts its good units */
    double cells = k->cells_per_h * o->sample_s / 3600.0;
    mo->good_cells = (cells > 0 ? cells : k->completed) * scale;
    mo->gwh = k->gwh_per_year * CT_MONTH_S / (8760.0 * 3600.0);
    mo->scrap_cost_usd = k->value_lost_usd * scale;
    bool ok = top_causes(k, scale, mo);
    ct_results_destroy(res);
    return ok ? CT_OK : ct_error_set(err, CT_ERR_NOMEM, "out of memory for scrap causes");
}

/* Months one after the other: Wright curves need each month's output for
 * the next month's start. */
static ct_status run_in_turn(ct_rampup *r, ct_progress_fn progress, void *progress_ctx,
                             ct_error *err)
{
    const ct_factory *f = r->f;
    const ct_rampup_options *o = &r->opt;
    size_t ns = (size_t)f->n_stations;
    ct_status rc = CT_OK;
    double *cum = calloc(ns, sizeof *cum);    /* output since SOP at the month's start */
    double *rate = calloc(ns, sizeof *rate);  /* units per second, the last month's window */
    double *at0 = calloc(ns, sizeof *at0);    /* output before the window run's time 0 */
    double *mid = calloc(ns, sizeof *mid);    /* output at mid-month */
    if (!cum || !rate || !at0 || !mid) {
        rc = ct_error_set(err, CT_ERR_NOMEM, "out of memory for %zu stations", ns);
        goto cleanup;
    }
    for (int m = 0; m < o->months && rc == CT_OK; m++) {
        double t0 = (m + 0.5) * CT_MONTH_S - o->sample_s / 2 - o->warmup_s;
        for (size_t i = 0; i < ns; i++) {
            double x = cum[i] + rate[i] * (t0 - m * CT_MONTH_S);
            at0[i] = x > 0 ? x : 0;
        }
        ct_rampup_month *mo = &r->months[m];
        rc = simulate_month(f, o, m, o->threads, at0, progress, progress_ctx, mo, rate, err);
        for (size_t i = 0; i < ns; i++) {
            mid[i] = cum[i] + rate[i] * CT_MONTH_S / 2;
            cum[i] += rate[i] * CT_MONTH_S;
        }
        mo->learning_scrap = curves_scrap(f, (m + 0.5) * CT_MONTH_S, mid);
    }
cleanup:
    free(cum);
    free(rate);
    free(at0);
    free(mid);
    return rc;
}

/* Months side by side on the threads (curves in time alone: the months do
 * not depend on each other). Each month has the same seed, so the results
 * do not depend on the thread count. */
typedef struct months_job {
    ct_rampup *r;
    ct_progress_fn progress;
    void *progress_ctx;
    pthread_mutex_t lock;
    int next, done;
    ct_status status;
    ct_error err;
} months_job;

static void *month_worker(void *arg)
{
    months_job *j = arg;
    const ct_rampup_options *o = &j->r->opt;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int m = j->status == CT_OK && j->next < o->months ? j->next++ : -1;
        pthread_mutex_unlock(&j->lock);
        if (m < 0)
            return NULL;
        ct_error e;
        ct_error_clear(&e);
        ct_rampup_month *mo = &j->r->months[m];
        ct_status rc = simulate_month(j->r->f, o, m, 1, NULL, NULL, NULL, mo, NULL, &e);
        mo->learning_scrap = curves_scrap(j->r->f, (m + 0.5) * CT_MONTH_S, NULL);
        pthread_mutex_lock(&j->lock);
        if (rc != CT_OK && j->status == CT_OK) {
            j->status = rc;
            j->err = e;
        }
        j->done++;
        if (j->progress)
            j->progress((double)j->done / o->months, j->progress_ctx);
        pthread_mutex_unlock(&j->lock);
    }
}

static ct_status run_side_by_side(ct_rampup *r, ct_progress_fn progress, void *progress_ctx,
                                  ct_error *err)
{
    months_job j = {.r = r, .progress = progress, .progress_ctx = progress_ctx, .status = CT_OK};
    ct_error_clear(&j.err);
    pthread_mutex_init(&j.lock, NULL);
    int n = r->opt.threads < r->opt.months ? r->opt.threads : r->opt.months;
    cti_run_threads(n, month_worker, &j);
    pthread_mutex_destroy(&j.lock);
    if (j.status != CT_OK)
        *err = j.err;
    return j.status;
}

ct_status ct_rampup_run(const ct_factory *f, const ct_rampup_options *o, ct_progress_fn progress,
                        void *progress_ctx, ct_rampup **out, ct_error *err)
{
    assert(f && o && out);
    *out = NULL;
    ct_status rc = check_options(o, err);
    if (rc != CT_OK)
        return rc;
    ct_rampup *r = calloc(1, sizeof *r);
    if (!r || !(r->months = calloc((size_t)o->months, sizeof *r->months))) {
        ct_rampup_destroy(r);
        return ct_error_set(err, CT_ERR_NOMEM, "out of memory for %d months", o->months);
    }
    r->f = f;
    r->opt = *o;
    r->curve_at_sop = curves_scrap(f, 0, NULL);
    r->curve_steady = curves_steady(f);
    rc = o->threads > 1 && !has_wright(f) ? run_side_by_side(r, progress, progress_ctx, err)
                                          : run_in_turn(r, progress, progress_ctx, err);
    if (rc != CT_OK) {
        ct_rampup_destroy(r);
        return rc;
    }
    ct_rampup_month sum = {0};
    for (int m = 0; m < o->months; m++) {
        ct_rampup_month *mo = &r->months[m];
        sum.good_cells += mo->good_cells;
        sum.gwh += mo->gwh;
        sum.scrap_cost_usd += mo->scrap_cost_usd;
        mo->cum_good_cells = sum.good_cells;
        mo->cum_gwh = sum.gwh;
        mo->cum_scrap_cost_usd = sum.scrap_cost_usd;
    }
    r->n = o->months;
    *out = r;
    return CT_OK;
}

void ct_rampup_destroy(ct_rampup *r)
{
    if (!r)
        return;
    free(r->months);
    free(r);
}

const ct_rampup_options *ct_rampup_get_options(const ct_rampup *r)
{
    return &r->opt;
}

int ct_rampup_n_months(const ct_rampup *r)
{
    return r->n;
}

const ct_rampup_month *ct_rampup_month_at(const ct_rampup *r, int i)
{
    assert(i >= 0 && i < r->n);
    return &r->months[i];
}

/* ---- output --------------------------------------------------------------- */

#define MONTH_FIELD(name) {#name, offsetof(ct_rampup_month, name)}

/* The numeric fields of a month, in output order, for JSON and CSV. */
static const struct {
    const char *name;
    size_t off;
} month_fields[] = {
    MONTH_FIELD(learning_scrap), MONTH_FIELD(yield),          MONTH_FIELD(yield_ci95),
    MONTH_FIELD(scrap_rate),     MONTH_FIELD(good_cells),     MONTH_FIELD(gwh),
    MONTH_FIELD(scrap_cost_usd), MONTH_FIELD(ramp_up_cost_usd), MONTH_FIELD(cum_good_cells),
    MONTH_FIELD(cum_gwh),        MONTH_FIELD(cum_scrap_cost_usd),
};
#define N_MONTH_FIELDS (sizeof month_fields / sizeof month_fields[0])

static double month_value(const ct_rampup_month *mo, size_t i)
{
    return *(const double *)(const void *)((const char *)mo + month_fields[i].off);
}

static int set_new(json_t *o, const char *key, json_t *v)
{
    return v ? json_object_set_new(o, key, v) : -1;
}

static json_t *apqp_json(void)
{
    size_t n;
    const ct_apqp_phase *p = ct_apqp_phases(&n);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *o = json_object();
        if (!o || set_new(o, "phase", json_string(p[i].phase)) ||
            set_new(o, "start_months_before_sop", json_real(p[i].start_months_before_sop)) ||
            set_new(o, "end_months_before_sop", json_real(p[i].end_months_before_sop)) ||
            set_new(o, "cells", json_real(p[i].cells)) ||
            set_new(o, "line", json_string(p[i].line)) ||
            set_new(o, "purpose", json_string(p[i].purpose)) ||
            set_new(o, "source", json_string(p[i].source)) || json_array_append_new(a, o)) {
            json_decref(o);
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *month_json(const ct_rampup_month *mo)
{
    json_t *o = json_object(), *top = json_array();
    if (!o || !top || set_new(o, "month", json_integer(mo->month)))
        goto fail;
    for (size_t i = 0; i < N_MONTH_FIELDS; i++)
        if (set_new(o, month_fields[i].name, json_real(month_value(mo, i))))
            goto fail;
    for (int i = 0; i < mo->n_top; i++) {
        json_t *c = json_object();
        if (!c || set_new(c, "station", json_string(mo->top[i].station)) ||
            set_new(c, "cause", json_string(mo->top[i].cause)) ||
            set_new(c, "count", json_real(mo->top[i].count)) ||
            set_new(c, "cost_usd", json_real(mo->top[i].cost_usd)) || json_array_append_new(top, c)) {
            json_decref(c);
            goto fail;
        }
    }
    if (json_object_set_new(o, "top_causes", top))
        goto fail_o;
    return o;
fail:
    json_decref(top);
fail_o:
    json_decref(o);
    return NULL;
}

char *ct_rampup_json(const ct_rampup *r)
{
    json_t *root = json_object(), *months = json_array();
    char *text = NULL;
    if (!root || !months || set_new(root, "factory", json_string(r->f->name)) ||
        set_new(root, "months", json_integer(r->opt.months)) ||
        set_new(root, "month_days", json_real(CT_MONTH_S / 86400.0)) ||
        set_new(root, "sample_s", json_real(r->opt.sample_s)) ||
        set_new(root, "warmup_s", json_real(r->opt.warmup_s)) ||
        set_new(root, "replications", json_integer(r->opt.replications)) ||
        set_new(root, "seed", json_integer((json_int_t)r->opt.seed)) ||
        set_new(root, "apqp", apqp_json()))
        goto done;
    for (int m = 0; m < r->n; m++) {
        json_t *mj = month_json(&r->months[m]);
        if (!mj || json_array_append_new(months, mj))
            goto done;
    }
    if (json_object_set(root, "by_month", months) == 0)
        text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
done:
    json_decref(months);
    json_decref(root);
    return text;
}

void ct_rampup_csv(const ct_rampup *r, FILE *out)
{
    fputs("month", out);
    for (size_t i = 0; i < N_MONTH_FIELDS; i++)
        fprintf(out, ",%s", month_fields[i].name);
    fputs(",top_station,top_cause,top_cost_usd\n", out);
    for (int m = 0; m < r->n; m++) {
        const ct_rampup_month *mo = &r->months[m];
        fprintf(out, "%d", mo->month);
        for (size_t i = 0; i < N_MONTH_FIELDS; i++)
            fprintf(out, ",%.10g", month_value(mo, i));
        if (mo->n_top > 0)
            fprintf(out, ",%s,\"%s\",%.10g\n", mo->top[0].station, mo->top[0].cause,
                    mo->top[0].cost_usd);
        else
            fputs(",,,0\n", out);
    }
}

void ct_rampup_print(const ct_rampup *r, FILE *out)
{
    const ct_rampup_options *o = &r->opt;
    size_t n;
    const ct_apqp_phase *p = ct_apqp_phases(&n);
    fprintf(out, "Ramp-up of %s: %d months after SOP\n", r->f->name, o->months);
    fprintf(out,
            "Each month: the line filled for %.3g d, then a %.3g d window at mid-month scaled "
            "to the month (%.4g d); %d replication%s, seed %llu.\n\n",
            o->warmup_s / 86400, o->sample_s / 86400, CT_MONTH_S / 86400, o->replications,
            o->replications == 1 ? "" : "s", (unsigned long long)o->seed);
    fputs("APQP sample phases before SOP (docs/rampup.md):\n", out);
    fprintf(out, "  %-10s %-16s %8s  %s\n", "phase", "months to SOP", "cells", "line");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-10s %5.0f .. %-6.0f %8.0f  %s\n", p[i].phase,
                -p[i].start_months_before_sop, -p[i].end_months_before_sop, p[i].cells,
                p[i].line);
    fputs("\n", out);
    fprintf(out, "%5s %7s %7s %7s %12s %8s %13s %13s %13s %9s %14s  %s\n", "month", "curve",
            "yield", "scrap", "good cells", "GWh", "scrap USD", "ramp-up USD", "cum cells",
            "cum GWh", "cum scrap USD", "top cause (station: cause)");
    for (int m = 0; m < r->n; m++) {
        const ct_rampup_month *mo = &r->months[m];
        fprintf(out, "%5d %6.2f%% %6.2f%% %6.2f%% %12.0f %8.4f %13.0f %13.0f %13.0f %9.3f %14.0f  ",
                mo->month, 100 * mo->learning_scrap, 100 * mo->yield, 100 * mo->scrap_rate,
                mo->good_cells, mo->gwh, mo->scrap_cost_usd, mo->ramp_up_cost_usd,
                mo->cum_good_cells, mo->cum_gwh, mo->cum_scrap_cost_usd);
        if (mo->n_top > 0)
            fprintf(out, "%s: %s\n", mo->top[0].station, mo->top[0].cause);
        else
            fputs("-\n", out);
    }
}
