/*
 * run.c - replications of a factory: spreads them over threads, then
 * averages their KPIs and computes 95 % confidence half-widths.
 *
 * Replication i always uses random streams (seed, i, *), and its KPIs are
 * stored at index i, so the results are the same bytes whatever the thread
 * count. Averages are taken in replication order for the same reason.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/quality.h"
#include "econ/econ_internal.h"
#include "engine/threads.h"
#include "model/factory_internal.h"
#include "model/line.h"
#include "model/results_internal.h"

typedef struct job {
    const ct_factory *f;
    const ct_run_options *opt;
    ct_results *res;
    ct_progress_fn progress;
    void *progress_ctx;
    pthread_mutex_t lock;
    int next_rep;
    double *done_s;        /* simulated seconds reached per replication */
    ct_status status;
} job;

static void report_progress(job *j)
{
    double total = 0;
    for (int i = 0; i < j->opt->replications; i++)
        total += j->done_s[i];
    j->progress(total / (j->opt->horizon_s * j->opt->replications), j->progress_ctx);
}

typedef struct tick_ctx {
    job *j;
    int rep;
} tick_ctx;

static void on_tick(double now, void *ctx)
{
    tick_ctx *t = ctx;
    pthread_mutex_lock(&t->j->lock);
    t->j->done_s[t->rep] = now;
    report_progress(t->j);
    pthread_mutex_unlock(&t->j->lock);
}

static void *worker(void *arg)
{
    job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int rep = j->status == CT_OK && j->next_rep < j->opt->replications ? j->next_rep++ : -1;
        pthread_mutex_unlock(&j->lock);
        if (rep < 0)
            return NULL;
        tick_ctx t = {j, rep};
        ct_status rc = cti_line_run(j->f, j->opt, rep, &j->res->reps[rep],
                                    j->progress ? on_tick : NULL, &t);
        if (rc == CT_OK)
            cti_econ_compute(j->f, j->opt->horizon_s - j->opt->warmup_s, &j->res->reps[rep]);
        if (rc != CT_OK) {
            pthread_mutex_lock(&j->lock);
            j->status = rc;
            pthread_mutex_unlock(&j->lock);
        }
    }
}

/* Mean and 95 % half-width of one field over n replications. */
static void summarise(const void *const *reps, int n, size_t off, double t975,
                      double *mean, double *half)
{
    double m = 0;
    for (int i = 0; i < n; i++)
        m += CTI_FIELD(reps[i], off);
    m /= n;
    double ss = 0;
    for (int i = 0; i < n; i++) {
        double d = CTI_FIELD(reps[i], off) - m;
        ss += d * d;
    }
    *mean = m;
    *half = n > 1 ? t975 * sqrt(ss / (n - 1) / n) : 0.0;
}

void cti_summarise_fields(const void *const *reps, int n, const cti_kpi_field *fields, size_t nf,
                          double t975, void *mean, void *ci95)
{
    for (size_t f = 0; f < nf; f++) {
        size_t off = fields[f].offset;
        summarise(reps, n, off, t975, &CTI_FIELD(mean, off), &CTI_FIELD(ci95, off));
    }
}

static void aggregate(ct_results *r)
{
    int n = r->opt.replications;
    double t975 = n > 1 ? ct_student_t_quantile(0.975, n - 1) : 0;
    const void **p = r->scratch;
    for (int i = 0; i < n; i++)
        p[i] = &r->reps[i];
    cti_summarise_fields(p, n, cti_line_fields, cti_n_line_fields, t975, &r->mean, &r->ci95);
    cti_summarise_fields(p, n, cti_econ_fields, cti_n_econ_fields, t975, &r->mean, &r->ci95);
    for (size_t s = 0; s < r->mean.n_stations; s++) {
        for (int i = 0; i < n; i++)
            p[i] = &r->reps[i].stations[s];
        r->mean.stations[s].name = r->ci95.stations[s].name = r->reps[0].stations[s].name;
        cti_summarise_fields(p, n, cti_station_fields, cti_n_station_fields, t975,
                             &r->mean.stations[s], &r->ci95.stations[s]);
    }
}

/* Scrap causes differ between replications: the mean lists every (station,
 * cause) seen, in order of first appearance over the replications, with
 * the sums divided by the number of replications. */
static bool aggregate_causes(ct_results *r)
{
    int n = r->opt.replications;
    size_t cap = 0, len = 0;
    ct_scrap_cause *out = NULL;
    for (int i = 0; i < n; i++) {
        const ct_kpis *k = &r->reps[i];
        for (size_t c = 0; c < k->n_causes; c++) {
            const ct_scrap_cause *sc = &k->causes[c];
            size_t j = 0;
            while (j < len && !(out[j].station == sc->station && strcmp(out[j].cause, sc->cause) == 0))
                j++;
            if (j == len) {
                if (len == cap) {
                    cap = cap ? cap * 2 : 16;
                    ct_scrap_cause *t = realloc(out, cap * sizeof *t);
                    if (!t) {
                        free(out);
                        return false;
                    }
                    out = t;
                }
                out[len++] = (ct_scrap_cause){sc->cause, sc->station, 0, 0, 0, 0};
            }
            out[j].count += sc->count / n;
            out[j].amount += sc->amount / n;
            out[j].active_mass_kg += sc->active_mass_kg / n;
            out[j].cost_usd += sc->cost_usd / n;
        }
    }
    r->mean.causes = out;
    r->mean.n_causes = len;
    return true;
}

static ct_status check_options(const ct_run_options *o, ct_error *err)
{
    if (!(o->horizon_s > 0) || !isfinite(o->horizon_s))
        return ct_error_set(err, CT_ERR_INVALID, "horizon: expected a duration > 0, got %g s", o->horizon_s);
    if (!(o->warmup_s >= 0) || !(o->warmup_s < o->horizon_s))
        return ct_error_set(err, CT_ERR_INVALID,
                            "warmup: expected a duration >= 0 and below the horizon (%g s), got %g s",
                            o->horizon_s, o->warmup_s);
    if (o->replications < 1)
        return ct_error_set(err, CT_ERR_INVALID, "replications: expected an integer >= 1, got %d", o->replications);
    if (o->threads < 1)
        return ct_error_set(err, CT_ERR_INVALID, "threads: expected an integer >= 1, got %d", o->threads);
    return CT_OK;
}

ct_status ct_run(const ct_factory *f, const ct_run_options *opt,
                 ct_progress_fn progress, void *progress_ctx,
                 ct_results **out, ct_error *err)
{
    *out = NULL;
    ct_status rc = check_options(opt, err);
    if (rc != CT_OK)
        return rc;
    ct_results *r = cti_results_create(f, opt);
    job j = {.f = f, .opt = opt, .res = r, .progress = progress,
             .progress_ctx = progress_ctx, .status = CT_OK};
    j.done_s = calloc((size_t)opt->replications, sizeof *j.done_s);
    if (!r || !j.done_s) {
        rc = ct_error_set(err, CT_ERR_NOMEM, "out of memory for %d replications", opt->replications);
        goto cleanup;
    }
    pthread_mutex_init(&j.lock, NULL);
    cti_run_threads(opt->threads < opt->replications ? opt->threads : opt->replications, worker, &j);
    pthread_mutex_destroy(&j.lock);
    if (j.status != CT_OK) {
        rc = ct_error_set(err, j.status, "simulation ran out of memory");
        goto cleanup;
    }
    aggregate(r);
    if (!aggregate_causes(r) || !cti_spc_results_aggregate(r)) {
        rc = ct_error_set(err, CT_ERR_NOMEM, "out of memory for scrap causes and SPC results");
        goto cleanup;
    }
    *out = r;
    r = NULL;
cleanup:
    free(j.done_s);
    ct_results_destroy(r);
    return rc;
}
