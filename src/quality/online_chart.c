/*
 * online_chart.c - control charts fed one observation at a time (quality.h,
 * ct_spc_online): the X-bar/R, X-bar/S, individuals/MR, EWMA and CUSUM
 * charts of charts.c, for monitoring inside a simulation run where the
 * observations cannot be kept.
 *
 * Phase I sums what the limits need (the points, ranges, sds, moving
 * ranges) in the order charts.c sums them, so the limits are the same
 * numbers; phase II keeps only the last CT_SPC_ONLINE_WINDOW points for the
 * run rules and tests them with the rule code of run_rules.c.
 */
#include "celltwin/quality.h"
#include "quality/quality_internal.h"

#include <math.h>
#include <string.h>

static void start_monitoring(ct_spc_online *c);

ct_status ct_spc_online_init(ct_spc_online *c, const ct_chart_options *opt, size_t phase1,
                             ct_error *err)
{
    ct_status st = cti_chart_check_options(opt, err);
    if (st != CT_OK)
        return st;
    if (ct_chart_kind_is_attribute(opt->kind))
        return ct_error_set(err, CT_ERR_INVALID,
                            "online charts are variables charts (xbar-r, xbar-s, imr, ewma, "
                            "cusum), not %s", ct_chart_kind_name(opt->kind));
    if (opt->subgroup > CT_SPC_ONLINE_MAX_SUBGROUP)
        return ct_error_set(err, CT_ERR_INVALID,
                            "online charts take subgroups of at most %d, got %zu",
                            CT_SPC_ONLINE_MAX_SUBGROUP, opt->subgroup);
    bool known = !isnan(opt->target) && !isnan(opt->sigma);
    if (!known && phase1 < 2)
        return ct_error_set(err, CT_ERR_INVALID,
                            "phase I needs at least 2 points to set the limits, got %zu (or "
                            "give target and sigma)", phase1);
    memset(c, 0, sizeof *c);
    c->kind = opt->kind;
    c->m = opt->subgroup > 1 ? opt->subgroup : 1;
    c->rules = opt->rules;
    c->target = opt->target;
    c->sigma_given = opt->sigma;
    c->lambda = opt->lambda;
    c->L = opt->L;
    c->k = opt->k;
    c->h = opt->h;
    c->head_start = opt->head_start;
    c->phase1 = known ? 0 : phase1;
    c->center = c->sigma = c->se = c->ucl = c->lcl = NAN;
    c->sp_center = c->sp_ucl = c->sp_lcl = NAN;
    if (known)
        start_monitoring(c);
    return CT_OK;
}

/* Sets the limits from the phase I sums (or the given target and sigma)
 * with the formulas of charts.c, and starts phase II. */
static void start_monitoring(ct_spc_online *c)
{
    bool est = isnan(c->sigma_given);
    double n = (double)c->p1_n;
    double sigma = c->sigma_given;
    if (est) {
        if (c->m >= 2)
            sigma = c->kind == CT_CHART_XBAR_S ? c->p1_sd / n / ct_spc_c4((int)c->m)
                                               : c->p1_range / n / ct_spc_d2((int)c->m);
        else
            sigma = c->p1_mr / (n - 1) / ct_spc_d2(2);
        if (!(sigma > 0.0)) {
            c->no_variation = true;
            return;
        }
    }
    c->sigma = sigma;
    c->center = isnan(c->target) ? c->p1_sum / n : c->target;
    c->se = sigma / sqrt((double)c->m);
    double w = 3.0, se = c->se;
    if (c->kind == CT_CHART_EWMA) {
        w = c->L;
        se = c->se * sqrt(c->lambda / (2.0 - c->lambda));
        c->z = c->center;
        c->decay = 1.0;
    }
    c->ucl = c->center + w * se;
    c->lcl = c->center - w * se;
    if (c->kind == CT_CHART_CUSUM) {
        c->ucl = c->h * c->se;
        c->lcl = -c->ucl;
        c->cplus = c->cminus = c->head_start * c->se;
    }
    /* Spread charts: the Rbar / sbar / MRbar forms with an estimated sigma,
     * the d2 sigma / c4 sigma forms with a known one; +-3 sd floored at 0. */
    if (c->kind == CT_CHART_XBAR_R || c->kind == CT_CHART_XBAR_S || c->kind == CT_CHART_IMR) {
        int m = c->kind == CT_CHART_IMR ? 2 : (int)c->m;
        double d2 = ct_spc_d2(m), d3 = ct_spc_d3(m), c4 = ct_spc_c4(m), sc, sse;
        if (c->kind == CT_CHART_XBAR_S) {
            sc = est ? c->p1_sd / n : c4 * sigma;
            sse = sc * sqrt(1.0 - c4 * c4) / c4;
        } else {
            sc = est ? (c->kind == CT_CHART_IMR ? c->p1_mr / (n - 1) : c->p1_range / n)
                     : d2 * sigma;
            sse = sc * d3 / d2;
        }
        c->sp_center = sc;
        c->sp_ucl = sc + 3.0 * sse;
        c->sp_lcl = fmax(0.0, sc - 3.0 * sse);
    }
    c->has_prev = false;
    c->wn = 0;
    c->monitoring = true;
}

/* Appends a point to the run-rule window; returns its index there. */
static size_t window_push(ct_spc_online *c, double z, double x)
{
    if (c->wn == 2 * CT_SPC_ONLINE_WINDOW) {
        size_t keep = CT_SPC_ONLINE_WINDOW - 1;
        memmove(c->zw, c->zw + c->wn - keep, keep * sizeof *c->zw);
        memmove(c->xw, c->xw + c->wn - keep, keep * sizeof *c->xw);
        c->wn = keep;
    }
    c->zw[c->wn] = z;
    c->xw[c->wn] = x;
    return c->wn++;
}

/* Tests point v (with spread w) in phase II. */
static void test_point(ct_spc_online *c, double v, ct_spc_point *p)
{
    p->tested = true;
    switch (c->kind) {
    case CT_CHART_EWMA: {
        c->z = c->lambda * v + (1.0 - c->lambda) * c->z;
        /* Once 1 - decay rounds to 1 the limits are the steady-state ones
         * (the same doubles charts.c computes); stop multiplying before
         * decay turns subnormal, which is slow. */
        if (c->decay > 0.0 && 1.0 - c->decay < 1.0)
            c->decay *= (1.0 - c->lambda) * (1.0 - c->lambda);
        else
            c->decay = 0.0;
        double s = c->se * sqrt(c->lambda / (2.0 - c->lambda) * (1.0 - c->decay));
        p->value = c->z;
        if (c->z > c->center + c->L * s || c->z < c->center - c->L * s)
            p->rules = 1u << CT_RULE_LIMITS;
        break;
    }
    case CT_CHART_CUSUM: {
        double K = c->k * c->se;
        c->cplus = fmax(0.0, v - (c->center + K) + c->cplus);
        c->cminus = fmax(0.0, (c->center - K) - v + c->cminus);
        p->value = c->cplus;
        p->cminus = c->cminus;
        p->rules = (c->cplus > c->ucl ? 1u << CT_RULE_CUSUM_UPPER : 0u)
                 | (c->cminus > c->ucl ? 1u << CT_RULE_CUSUM_LOWER : 0u);
        break;
    }
    default: {
        bool beyond = v > c->ucl || v < c->lcl;
        size_t i = window_push(c, (v - c->center) / c->se, v);
        p->rules = cti_rules_at(c->zw, c->xw, i, beyond, c->rules);
        p->spread_signal = p->spread > c->sp_ucl || p->spread < c->sp_lcl;
        break;
    }
    }
}

bool ct_spc_online_add(ct_spc_online *c, double x, ct_spc_point *out)
{
    ct_spc_point p = {false, false, 0, NAN, NAN, NAN, 0u, false};
    if (c->no_variation) {
        *out = p;
        return false;
    }
    double v = x, range = 0.0, sd = 0.0;
    if (c->m > 1) {
        c->grp[c->g_n++] = x;
        if (c->g_n < c->m) {
            *out = p;
            return false;
        }
        cti_subgroup_stats(c->grp, c->m, &v, &range, &sd);
        c->g_n = 0;
        if (c->kind == CT_CHART_XBAR_R || c->kind == CT_CHART_XBAR_S)
            p.spread = c->kind == CT_CHART_XBAR_R ? range : sd;
    } else if (c->kind == CT_CHART_IMR && c->has_prev) {
        p.spread = fabs(x - c->prev);
    }
    p.plotted = true;
    p.index = c->n_points++;
    p.value = v;
    if (c->monitoring) {
        test_point(c, v, &p);
        c->prev = v;
        c->has_prev = true;
    } else {
        c->p1_sum += v;
        c->p1_range += range;
        c->p1_sd += sd;
        if (c->m == 1 && c->has_prev)
            c->p1_mr += fabs(v - c->prev);
        c->prev = v;
        c->has_prev = true;
        if (++c->p1_n >= c->phase1)
            start_monitoring(c);   /* the moving range of phase II starts afresh */
    }
    *out = p;
    return p.rules != 0 || p.spread_signal;
}
