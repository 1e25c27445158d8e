/*
 * charts.c - control charts for `celltwin spc` and for quality monitoring
 * inside runs: Shewhart X-bar/R, X-bar/S and individuals/moving range,
 * EWMA, tabular CUSUM, and the attribute charts p, np, c and u. Each chart
 * turns raw observations or counts into a plotted series with its center
 * line and limits, then asks run_rules.c for the out-of-control signals.
 *
 * Formulas follow Montgomery, Introduction to Statistical Quality Control
 * (Shewhart charts ch. 6-7, CUSUM and EWMA ch. 9), the NIST/SEMATECH
 * e-Handbook of Statistical Methods 6.3.2, and Lucas & Crosier (1982) for
 * the CUSUM head start. Limits use constants computed for the actual
 * subgroup size (spc_constants.c), so they differ from charts drawn with
 * 3-digit table constants in the fourth digit.
 */
#include "celltwin/quality.h"
#include "quality/quality_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
    "xbar-r", "xbar-s", "imr", "ewma", "cusum", "p", "np", "c", "u"
};

const char *ct_chart_kind_name(ct_chart_kind kind)
{
    if ((size_t)kind < sizeof kind_names / sizeof kind_names[0])
        return kind_names[kind];
    return "unknown";
}

ct_status ct_chart_kind_parse(const char *name, ct_chart_kind *out)
{
    for (size_t i = 0; name && i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (ct_chart_kind)i;
            return CT_OK;
        }
    return CT_ERR_INVALID;
}

bool ct_chart_kind_is_attribute(ct_chart_kind kind)
{
    return kind == CT_CHART_P || kind == CT_CHART_NP || kind == CT_CHART_C || kind == CT_CHART_U;
}

void ct_chart_options_init(ct_chart_options *opt, ct_chart_kind kind)
{
    opt->kind = kind;
    opt->subgroup = 0;
    opt->target = NAN;
    opt->sigma = NAN;
    opt->lambda = 0.2;
    opt->L = 3.0;
    opt->asymptotic = false;
    opt->k = 0.5;
    opt->h = 5.0;
    opt->head_start = 0.0;
    opt->size = NAN;
    opt->sizes = NULL;
    opt->rules = CT_RULES_LIMITS;
}

/* ---------------- series and chart storage ---------------- */

static void series_init(ct_chart_series *s)
{
    memset(s, 0, sizeof *s);
}

static void series_clear(ct_chart_series *s)
{
    free(s->points);
    free(s->center);
    free(s->ucl);
    free(s->lcl);
    free(s->sigma);
    series_init(s);
}

static ct_status series_alloc(ct_chart_series *s, size_t n, ct_error *err)
{
    s->n = n;
    s->points = malloc(n * sizeof(double));
    s->center = malloc(n * sizeof(double));
    s->ucl = malloc(n * sizeof(double));
    s->lcl = malloc(n * sizeof(double));
    s->sigma = malloc(n * sizeof(double));
    if (!s->points || !s->center || !s->ucl || !s->lcl || !s->sigma) {
        series_clear(s);
        return ct_error_set(err, CT_ERR_NOMEM, "out of memory for %zu chart points", n);
    }
    return CT_OK;
}

/* Sets the limits of point i: center +- width * se, floored at `floor`
 * (NAN for none) and capped at `cap` (NAN for none). */
static void set_limits(ct_chart_series *s, size_t i, double center, double se, double width,
                       double floor, double cap)
{
    double u = center + width * se, l = center - width * se;
    if (!isnan(floor) && l < floor)
        l = floor;
    if (!isnan(cap) && u > cap)
        u = cap;
    s->center[i] = center;
    s->ucl[i] = u;
    s->lcl[i] = l;
    s->sigma[i] = se;
}

/* After the per-point limits are filled: are they all the same? */
static void settle_limits(ct_chart_series *s)
{
    s->limits_vary = false;
    for (size_t i = 1; i < s->n; i++)
        if (s->center[i] != s->center[0] || s->ucl[i] != s->ucl[0] || s->lcl[i] != s->lcl[0]
            || s->sigma[i] != s->sigma[0]) {
            s->limits_vary = true;
            break;
        }
}

void ct_chart_init(ct_chart *chart)
{
    chart->kind = CT_CHART_XBAR_R;
    chart->subgroup = 0;
    chart->sigma = NAN;
    chart->sigma_estimated = false;
    series_init(&chart->main);
    series_init(&chart->spread);
    chart->cminus = NULL;
    ct_signals_init(&chart->signals);
    ct_signals_init(&chart->spread_signals);
}

void ct_chart_clear(ct_chart *chart)
{
    series_clear(&chart->main);
    series_clear(&chart->spread);
    free(chart->cminus);
    ct_signals_clear(&chart->signals);
    ct_signals_clear(&chart->spread_signals);
    ct_chart_init(chart);
}

/* ---------------- option checks ---------------- */

ct_status cti_chart_check_options(const ct_chart_options *o, ct_error *err)
{
    const char *name = ct_chart_kind_name(o->kind);
    bool attr = ct_chart_kind_is_attribute(o->kind);
    if ((size_t)o->kind >= sizeof kind_names / sizeof kind_names[0])
        return ct_error_set(err, CT_ERR_INVALID, "unknown chart kind %d", (int)o->kind);
    if (o->subgroup > CT_SPC_MAX_SUBGROUP)
        return ct_error_set(err, CT_ERR_INVALID, "subgroup size %zu is above the maximum %d",
                            o->subgroup, CT_SPC_MAX_SUBGROUP);
    if ((o->kind == CT_CHART_XBAR_R || o->kind == CT_CHART_XBAR_S) && o->subgroup < 2)
        return ct_error_set(err, CT_ERR_INVALID,
                            "%s needs a subgroup size of at least 2, got %zu", name, o->subgroup);
    if ((o->kind == CT_CHART_IMR || attr) && o->subgroup > 1)
        return ct_error_set(err, CT_ERR_INVALID, "%s charts single %s, not subgroups of %zu%s",
                            name, attr ? "counts" : "observations", o->subgroup,
                            o->kind == CT_CHART_IMR ? " (use xbar-r)" : "");
    if (!isnan(o->sigma) && (attr || !(o->sigma > 0.0) || !isfinite(o->sigma)))
        return attr ? ct_error_set(err, CT_ERR_INVALID,
                                   "sigma does not apply to %s charts (their sigma follows "
                                   "from the center)", name)
                    : ct_error_set(err, CT_ERR_INVALID, "sigma must be a number > 0, got %g",
                                   o->sigma);
    if (!isnan(o->target) && !isfinite(o->target))
        return ct_error_set(err, CT_ERR_INVALID, "target must be finite");
    if ((o->kind == CT_CHART_P || o->kind == CT_CHART_NP) && !isnan(o->target)
        && !(o->target >= 0.0 && o->target <= 1.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "target of a %s chart is a fraction nonconforming in [0, 1], got %g",
                            name, o->target);
    if ((o->kind == CT_CHART_C || o->kind == CT_CHART_U) && !isnan(o->target) && o->target < 0.0)
        return ct_error_set(err, CT_ERR_INVALID, "target of a %s chart must be >= 0, got %g", name,
                            o->target);
    if (o->kind == CT_CHART_EWMA) {
        if (!(o->lambda > 0.0 && o->lambda <= 1.0))
            return ct_error_set(err, CT_ERR_INVALID, "EWMA lambda must be in (0, 1], got %g",
                                o->lambda);
        if (!(o->L > 0.0) || !isfinite(o->L))
            return ct_error_set(err, CT_ERR_INVALID, "EWMA L must be > 0, got %g", o->L);
    }
    if (o->kind == CT_CHART_CUSUM) {
        if (!(o->k >= 0.0) || !isfinite(o->k))
            return ct_error_set(err, CT_ERR_INVALID, "CUSUM k must be >= 0, got %g", o->k);
        if (!(o->h > 0.0) || !isfinite(o->h))
            return ct_error_set(err, CT_ERR_INVALID, "CUSUM h must be > 0, got %g", o->h);
        if (!(o->head_start >= 0.0 && o->head_start < o->h))
            return ct_error_set(err, CT_ERR_INVALID,
                                "CUSUM head start must be in [0, h) = [0, %g), got %g", o->h,
                                o->head_start);
    }
    if ((o->kind == CT_CHART_EWMA || o->kind == CT_CHART_CUSUM) && o->rules != CT_RULES_LIMITS)
        return ct_error_set(err, CT_ERR_INVALID,
                            "run rules apply to Shewhart charts (xbar-r, xbar-s, imr, p, np, c, "
                            "u), not to %s, whose points are correlated", name);
    return CT_OK;
}

/* ---------------- variables charts ---------------- */

/* Means, ranges and standard deviations of consecutive subgroups of m. */
typedef struct groups {
    size_t k, m;
    double *mean, *range, *sd;
} groups;

static void groups_clear(groups *g)
{
    free(g->mean);
    free(g->range);
    free(g->sd);
    memset(g, 0, sizeof *g);
}

void cti_subgroup_stats(const double *y, size_t m, double *mean, double *range, double *sd)
{
    double lo = y[0], hi = y[0], sum = 0.0;
    for (size_t i = 0; i < m; i++) {
        sum += y[i];
        lo = y[i] < lo ? y[i] : lo;
        hi = y[i] > hi ? y[i] : hi;
    }
    double mu = sum / (double)m, ss = 0.0;
    for (size_t i = 0; i < m; i++)
        ss += (y[i] - mu) * (y[i] - mu);
    *mean = mu;
    *range = hi - lo;
    *sd = m > 1 ? sqrt(ss / (double)(m - 1)) : 0.0;
}

static ct_status groups_make(const double *x, size_t n, size_t m, groups *g, ct_error *err)
{
    memset(g, 0, sizeof *g);
    if (m < 1)
        m = 1;
    if (n % m != 0)
        return ct_error_set(err, CT_ERR_INVALID,
                            "%zu values do not divide into subgroups of %zu (%zu left over)", n, m,
                            n % m);
    g->k = n / m;
    g->m = m;
    g->mean = malloc(g->k * sizeof(double));
    g->range = malloc(g->k * sizeof(double));
    g->sd = malloc(g->k * sizeof(double));
    if (!g->mean || !g->range || !g->sd) {
        groups_clear(g);
        return ct_error_set(err, CT_ERR_NOMEM, "out of memory for %zu subgroups", n / m);
    }
    for (size_t j = 0; j < g->k; j++)
        cti_subgroup_stats(x + j * m, m, &g->mean[j], &g->range[j], &g->sd[j]);
    return CT_OK;
}

static double average(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

/* Mean moving range of span 2 of v[0..n-1], n >= 2. */
static double mean_moving_range(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 1; i < n; i++)
        s += fabs(v[i] - v[i - 1]);
    return s / (double)(n - 1);
}

/* Sigma of one observation: given, or estimated within subgroups (Rbar/d2
 * or sbar/c4) or from the moving range of individuals (MRbar/d2(2)). */
static ct_status process_sigma(const ct_chart_options *o, const groups *g, const double *x,
                               size_t n, ct_chart *chart, ct_error *err)
{
    const char *name = ct_chart_kind_name(o->kind);
    if (!isnan(o->sigma)) {
        chart->sigma = o->sigma;
        chart->sigma_estimated = false;
        return CT_OK;
    }
    double s;
    if (g->m >= 2) {
        if (o->kind == CT_CHART_XBAR_S)
            s = average(g->sd, g->k) / ct_spc_c4((int)g->m);
        else
            s = average(g->range, g->k) / ct_spc_d2((int)g->m);
    } else {
        if (n < 2)
            return ct_error_set(err, CT_ERR_INVALID,
                                "%s needs at least 2 values to estimate sigma from the moving "
                                "range (or give sigma)", name);
        s = mean_moving_range(x, n) / ct_spc_d2(2);
    }
    if (!(s > 0.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "%s: the data show no variation, so sigma cannot be estimated (give "
                            "sigma)", name);
    chart->sigma = s;
    chart->sigma_estimated = true;
    return CT_OK;
}

static ct_status chart_xbar(const double *x, size_t n, const ct_chart_options *o, ct_chart *chart,
                            ct_error *err)
{
    groups g;
    ct_status st = groups_make(x, n, o->subgroup, &g, err);
    if (st != CT_OK)
        return st;
    ct_spc_constants k;
    ct_spc_constants_compute((int)g.m, &k);
    if ((st = process_sigma(o, &g, x, n, chart, err)) != CT_OK)
        goto cleanup;
    if ((st = series_alloc(&chart->main, g.k, err)) != CT_OK)
        goto cleanup;
    if ((st = series_alloc(&chart->spread, g.k, err)) != CT_OK)
        goto cleanup;
    double center = isnan(o->target) ? average(g.mean, g.k) : o->target;
    double sigma = chart->sigma, se = sigma / sqrt((double)g.m);
    bool r = o->kind == CT_CHART_XBAR_R;
    /* Spread chart: estimated sigma gives the textbook Rbar/sbar forms
     * (D3 Rbar, D4 Rbar; B3 sbar, B4 sbar), a known sigma the D1/D2 and
     * B5/B6 forms; both are center +- 3 sd(statistic) floored at 0. */
    double sc = r ? (chart->sigma_estimated ? average(g.range, g.k) : k.d2 * sigma)
                  : (chart->sigma_estimated ? average(g.sd, g.k) : k.c4 * sigma);
    double sse = r ? sc * k.d3 / k.d2 : sc * sqrt(1.0 - k.c4 * k.c4) / k.c4;
    for (size_t j = 0; j < g.k; j++) {
        chart->main.points[j] = g.mean[j];
        set_limits(&chart->main, j, center, se, 3.0, NAN, NAN);
        chart->spread.points[j] = r ? g.range[j] : g.sd[j];
        set_limits(&chart->spread, j, sc, sse, 3.0, 0.0, NAN);
    }
cleanup:
    groups_clear(&g);
    return st;
}

static ct_status chart_imr(const double *x, size_t n, const ct_chart_options *o, ct_chart *chart,
                           ct_error *err)
{
    if (n < 2)
        return ct_error_set(err, CT_ERR_INVALID,
                            "imr needs at least 2 values for a moving range, got %zu", n);
    groups g = { 0, 1, NULL, NULL, NULL };
    ct_status st = process_sigma(o, &g, x, n, chart, err);
    if (st != CT_OK)
        return st;
    if ((st = series_alloc(&chart->main, n, err)) != CT_OK)
        return st;
    if ((st = series_alloc(&chart->spread, n, err)) != CT_OK)
        return st;
    double center = isnan(o->target) ? average(x, n) : o->target;
    double sigma = chart->sigma, d2 = ct_spc_d2(2), d3 = ct_spc_d3(2);
    double mrc = chart->sigma_estimated ? mean_moving_range(x, n) : d2 * sigma;
    for (size_t i = 0; i < n; i++) {
        chart->main.points[i] = x[i];
        set_limits(&chart->main, i, center, sigma, 3.0, NAN, NAN);
        /* The moving range starts at the second observation; point 0 is
         * kept (as NAN) so both charts index the same observations. */
        chart->spread.points[i] = i > 0 ? fabs(x[i] - x[i - 1]) : NAN;
        set_limits(&chart->spread, i, mrc, mrc * d3 / d2, 3.0, 0.0, NAN);
    }
    return CT_OK;
}

/* The values EWMA and CUSUM chart: individuals, or subgroup means with
 * their standard error sigma/sqrt(m). Fills *vals (caller frees) and *se. */
static ct_status smoothed_input(const double *x, size_t n, const ct_chart_options *o,
                                ct_chart *chart, double **vals, size_t *k, double *se,
                                ct_error *err)
{
    groups g;
    ct_status st = groups_make(x, n, o->subgroup, &g, err);
    if (st != CT_OK)
        return st;
    if ((st = process_sigma(o, &g, x, n, chart, err)) != CT_OK) {
        groups_clear(&g);
        return st;
    }
    *vals = g.mean;
    g.mean = NULL;
    *k = g.k;
    *se = chart->sigma / sqrt((double)g.m);
    groups_clear(&g);
    return CT_OK;
}

static ct_status chart_ewma(const double *x, size_t n, const ct_chart_options *o, ct_chart *chart,
                            ct_error *err)
{
    double *v = NULL, se;
    size_t k;
    ct_status st = smoothed_input(x, n, o, chart, &v, &k, &se, err);
    if (st != CT_OK)
        return st;
    if ((st = series_alloc(&chart->main, k, err)) != CT_OK)
        goto cleanup;
    double center = isnan(o->target) ? average(v, k) : o->target;
    double lam = o->lambda, z = center, decay = 1.0;
    for (size_t i = 0; i < k; i++) {
        z = lam * v[i] + (1.0 - lam) * z;
        decay *= (1.0 - lam) * (1.0 - lam);
        double f = lam / (2.0 - lam) * (o->asymptotic ? 1.0 : 1.0 - decay);
        chart->main.points[i] = z;
        set_limits(&chart->main, i, center, se * sqrt(f), o->L, NAN, NAN);
    }
cleanup:
    free(v);
    return st;
}

static ct_status chart_cusum(const double *x, size_t n, const ct_chart_options *o, ct_chart *chart,
                             ct_error *err)
{
    double *v = NULL, se;
    size_t k;
    ct_status st = smoothed_input(x, n, o, chart, &v, &k, &se, err);
    if (st != CT_OK)
        return st;
    if ((st = series_alloc(&chart->main, k, err)) != CT_OK)
        goto cleanup;
    chart->cminus = malloc(k * sizeof(double));
    if (!chart->cminus) {
        st = ct_error_set(err, CT_ERR_NOMEM, "out of memory for %zu chart points", k);
        goto cleanup;
    }
    double mu0 = isnan(o->target) ? average(v, k) : o->target;
    double K = o->k * se, H = o->h * se;
    double cp = o->head_start * se, cm = o->head_start * se;
    for (size_t i = 0; i < k; i++) {
        cp = fmax(0.0, v[i] - (mu0 + K) + cp);
        cm = fmax(0.0, (mu0 - K) - v[i] + cm);
        chart->main.points[i] = cp;
        chart->cminus[i] = cm;
        chart->main.center[i] = 0.0;
        chart->main.ucl[i] = H;
        chart->main.lcl[i] = -H;
        chart->main.sigma[i] = se;
    }
cleanup:
    free(v);
    return st;
}

/* ---------------- attribute charts ---------------- */

static bool is_count(double c)
{
    return c >= 0.0 && c == floor(c) && isfinite(c);
}

static ct_status chart_attribute(const double *x, size_t n, const ct_chart_options *o,
                                 ct_chart *chart, ct_error *err)
{
    const char *name = ct_chart_kind_name(o->kind);
    bool need_size = o->kind != CT_CHART_C;
    bool binomial = o->kind == CT_CHART_P || o->kind == CT_CHART_NP;
    if (need_size && !o->sizes && isnan(o->size))
        return ct_error_set(err, CT_ERR_INVALID,
                            "a %s chart needs sample sizes (a constant size, or one per count)",
                            name);
    double total_count = 0.0, total_size = 0.0;
    for (size_t i = 0; i < n; i++) {
        double c = x[i];
        double m = o->sizes ? o->sizes[i] : o->size;
        if (!is_count(c))
            return ct_error_set(err, CT_ERR_INVALID,
                                "point %zu: a count must be a whole number >= 0, got %g", i + 1, c);
        if (need_size) {
            if (!(m > 0.0) || !isfinite(m) || (binomial && m != floor(m)))
                return ct_error_set(err, CT_ERR_INVALID,
                                    "point %zu: sample size must be a %s > 0, got %g", i + 1,
                                    binomial ? "whole number" : "number", m);
            if (binomial && c > m)
                return ct_error_set(err, CT_ERR_INVALID,
                                    "point %zu: count %g exceeds sample size %g", i + 1, c, m);
            if (o->kind == CT_CHART_NP && o->sizes && m != o->sizes[0])
                return ct_error_set(err, CT_ERR_INVALID,
                                    "point %zu: an np chart needs a constant sample size (%g, "
                                    "then %g); use a p chart",
                                    i + 1, o->sizes[0], m);
            total_size += m;
        }
        total_count += c;
    }
    ct_status st = series_alloc(&chart->main, n, err);
    if (st != CT_OK)
        return st;
    chart->subgroup = 1;
    double bar;
    switch (o->kind) {
    case CT_CHART_P:
    case CT_CHART_NP:
    case CT_CHART_U:
        bar = isnan(o->target) ? total_count / total_size : o->target;
        break;
    default:
        bar = isnan(o->target) ? total_count / (double)n : o->target;
        break;
    }
    for (size_t i = 0; i < n; i++) {
        double c = x[i], m = need_size ? (o->sizes ? o->sizes[i] : o->size) : 1.0;
        switch (o->kind) {
        case CT_CHART_P:
            chart->main.points[i] = c / m;
            set_limits(&chart->main, i, bar, sqrt(bar * (1.0 - bar) / m), 3.0, 0.0, 1.0);
            break;
        case CT_CHART_NP:
            chart->main.points[i] = c;
            set_limits(&chart->main, i, m * bar, sqrt(m * bar * (1.0 - bar)), 3.0, 0.0, m);
            break;
        case CT_CHART_C:
            chart->main.points[i] = c;
            set_limits(&chart->main, i, bar, sqrt(bar), 3.0, 0.0, NAN);
            break;
        default: /* u */
            chart->main.points[i] = c / m;
            set_limits(&chart->main, i, bar, sqrt(bar / m), 3.0, 0.0, NAN);
            break;
        }
    }
    return CT_OK;
}

/* ---------------- entry point ---------------- */

ct_status ct_chart_compute(const double *x, size_t n, const ct_chart_options *opt,
                           ct_chart *chart, ct_error *err)
{
    ct_chart_init(chart);
    ct_status st = cti_chart_check_options(opt, err);
    if (st != CT_OK)
        return st;
    if (n == 0)
        return ct_error_set(err, CT_ERR_INVALID, "no data");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return ct_error_set(err, CT_ERR_INVALID, "value %zu is not a finite number", i + 1);
    chart->kind = opt->kind;
    chart->subgroup = opt->subgroup > 1 ? opt->subgroup : 1;

    switch (opt->kind) {
    case CT_CHART_XBAR_R:
    case CT_CHART_XBAR_S:
        st = chart_xbar(x, n, opt, chart, err);
        break;
    case CT_CHART_IMR:
        st = chart_imr(x, n, opt, chart, err);
        break;
    case CT_CHART_EWMA:
        st = chart_ewma(x, n, opt, chart, err);
        break;
    case CT_CHART_CUSUM:
        st = chart_cusum(x, n, opt, chart, err);
        break;
    default:
        st = chart_attribute(x, n, opt, chart, err);
        break;
    }
    if (st != CT_OK)
        goto fail;
    settle_limits(&chart->main);
    if (chart->spread.n)
        settle_limits(&chart->spread);

    if (opt->kind == CT_CHART_CUSUM) {
        for (size_t i = 0; i < chart->main.n && st == CT_OK; i++) {
            double H = chart->main.ucl[0];
            if (chart->main.points[i] > H)
                st = ct_signals_add(&chart->signals, i, CT_RULE_CUSUM_UPPER);
            if (st == CT_OK && chart->cminus[i] > H)
                st = ct_signals_add(&chart->signals, i, CT_RULE_CUSUM_LOWER);
        }
    } else {
        st = ct_rules_apply(&chart->main, opt->rules, &chart->signals);
    }
    if (st == CT_OK && chart->spread.n)
        st = ct_rules_apply(&chart->spread, CT_RULES_LIMITS, &chart->spread_signals);
    if (st != CT_OK) {
        ct_error_set(err, st, "out of memory for chart signals");
        goto fail;
    }
    return CT_OK;
fail:
    ct_chart_clear(chart);
    return st;
}
