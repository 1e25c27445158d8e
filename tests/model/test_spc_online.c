/*
 * test_spc_online.c - online control charts (src/quality/online_chart.c)
 * and their use inside runs (src/model/spc_monitor.c, spc_results.c):
 *   - the online chart gives the limits and signals of the offline charts
 *     (ct_chart_compute) on the same observations, for every chart type;
 *   - an individuals chart with rule 1 only and known limits false-alarms
 *     at the rate 2 (1 - Phi(3)) = 0.0026998 (Montgomery, Introduction to
 *     SQC, 6th ed., sec. 5.3.2);
 *   - after a shift of 2 sigma its average run length is
 *     1 / (P(Z > 1) + P(Z < -5)) = 1 / (0.1586553 + 2.87e-7) = 6.3030
 *     (the run length is geometric; Montgomery sec. 5.3.3 and 6.2.2);
 *   - a shift injected into a small factory is detected after it happens,
 *     with the delay reported;
 *   - bad chart: and shift: entries are refused with FILE:LINE:COL: KEY.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "celltwin/factory.h"
#include "celltwin/quality.h"
#include "celltwin/rng.h"

/* A standard normal draw (Box-Muller). */
static double normal01(ct_rng *r)
{
    double u1 = ct_rng_uniform(r), u2 = ct_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ------------------------------------------------------------------ */
/* Online = offline                                                    */

/* Observations: phase I in control (mean 10, sd 1), then phase II with a
 * shift of 1.5 sd half-way and a slow drift, so that every rule has
 * something to find. */
static void make_data(double *x, size_t n1, size_t n2, uint64_t seed)
{
    ct_rng r;
    ct_rng_init(&r, seed, 0, 0);
    for (size_t i = 0; i < n1 + n2; i++) {
        double shift = i >= n1 + n2 / 2 ? 1.5 : 0.0;
        double drift = i >= n1 ? 0.002 * (double)(i - n1) : 0.0;
        x[i] = 10.0 + shift + drift + normal01(&r);
    }
}

static void assert_close(double a, double b)
{
    if (!(fabs(a - b) <= 1e-12 * fmax(1.0, fabs(b))))
        fail_msg("%.17g != %.17g", a, b);
}

/* Runs opt online over x[0..n1+n2) with phase I = n1 observations and
 * checks it against ct_chart_compute: limits from phase I; the signals of
 * phase II against the offline chart of phase II with target and sigma
 * set to the phase I estimates (quality.h, ct_spc_online, says why). */
static void check_same(const ct_chart_options *opt, size_t n1, size_t n2, uint64_t seed)
{
    double *x = malloc((n1 + n2) * sizeof *x);
    assert_non_null(x);
    make_data(x, n1, n2, seed);
    size_t m = opt->subgroup > 1 ? opt->subgroup : 1;
    ct_error err;
    ct_spc_online c;
    assert_int_equal(ct_spc_online_init(&c, opt, n1 / m, &err), CT_OK);

    /* online: collect the phase II signals (point relative to phase II) */
    ct_signals on, on_spread;
    ct_signals_init(&on);
    ct_signals_init(&on_spread);
    for (size_t i = 0; i < n1 + n2; i++) {
        ct_spc_point p;
        ct_spc_online_add(&c, x[i], &p);
        assert_true(p.plotted == ((i + 1) % m == 0));
        if (!p.tested)
            continue;
        assert_true(p.index >= n1 / m);
        for (int r = 0; r < 32; r++)
            if (p.rules & (1u << r))
                assert_int_equal(ct_signals_add(&on, p.index - n1 / m, (ct_rule)r), CT_OK);
        if (p.spread_signal)
            assert_int_equal(ct_signals_add(&on_spread, p.index - n1 / m, CT_RULE_LIMITS), CT_OK);
    }
    assert_true(c.monitoring);
    assert_int_equal(c.n_points, (n1 + n2) / m);

    /* offline phase I: the same center, sigma and limits */
    ct_chart ph1, ph2;
    ct_chart_options o1 = *opt;
    assert_int_equal(ct_chart_compute(x, n1, &o1, &ph1, &err), CT_OK);
    assert_close(c.sigma, ph1.sigma);
    if (opt->kind == CT_CHART_CUSUM) {
        assert_close(c.ucl, ph1.main.ucl[0]);   /* H */
        /* the CUSUM's center is the reference mu0: the mean of phase I */
        double mu0 = 0.0;
        for (size_t j = 0; j < n1 / m; j++) {
            double mean = 0.0;
            for (size_t k = 0; k < m; k++)
                mean += x[j * m + k];
            mu0 += mean / (double)m;
        }
        assert_true(fabs(c.center - mu0 / (double)(n1 / m)) < 1e-12);
    } else if (opt->kind == CT_CHART_EWMA) {
        assert_close(c.center, ph1.main.center[0]);
        double se = ph1.sigma / sqrt((double)m) * sqrt(opt->lambda / (2.0 - opt->lambda));
        assert_close(c.ucl, ph1.main.center[0] + opt->L * se);
    } else {
        assert_close(c.center, ph1.main.center[0]);
        assert_close(c.ucl, ph1.main.ucl[0]);
        assert_close(c.lcl, ph1.main.lcl[0]);
        assert_close(c.sp_center, ph1.spread.center[0]);
        assert_close(c.sp_ucl, ph1.spread.ucl[0]);
        assert_close(c.sp_lcl, ph1.spread.lcl[0]);
    }

    /* offline phase II with known target and sigma: the same signals */
    ct_chart_options o2 = *opt;
    o2.target = c.center;
    o2.sigma = c.sigma;
    assert_int_equal(ct_chart_compute(x + n1, n2, &o2, &ph2, &err), CT_OK);
    assert_true(ph2.signals.n > 0);
    assert_int_equal(on.n, ph2.signals.n);
    for (size_t i = 0; i < on.n; i++) {
        assert_int_equal(on.items[i].point, ph2.signals.items[i].point);
        assert_int_equal(on.items[i].rule, ph2.signals.items[i].rule);
    }
    assert_int_equal(on_spread.n, ph2.spread_signals.n);
    for (size_t i = 0; i < on_spread.n; i++)
        assert_int_equal(on_spread.items[i].point, ph2.spread_signals.items[i].point);
    ct_chart_clear(&ph1);
    ct_chart_clear(&ph2);
    ct_signals_clear(&on);
    ct_signals_clear(&on_spread);
    free(x);
}

static void test_online_matches_offline(void **state)
{
    (void)state;
    static const struct { ct_chart_kind kind; size_t subgroup; ct_rule_set rules; } cases[] = {
        { CT_CHART_IMR, 0, CT_RULES_LIMITS },   { CT_CHART_IMR, 0, CT_RULES_WE },
        { CT_CHART_IMR, 0, CT_RULES_NELSON },   { CT_CHART_XBAR_R, 5, CT_RULES_WE },
        { CT_CHART_XBAR_S, 4, CT_RULES_NELSON }, { CT_CHART_EWMA, 0, CT_RULES_LIMITS },
        { CT_CHART_EWMA, 5, CT_RULES_LIMITS },  { CT_CHART_CUSUM, 0, CT_RULES_LIMITS },
        { CT_CHART_CUSUM, 3, CT_RULES_LIMITS },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_chart_options o;
        ct_chart_options_init(&o, cases[i].kind);
        o.subgroup = cases[i].subgroup;
        o.rules = cases[i].rules;
        if (cases[i].kind == CT_CHART_EWMA)
            o.lambda = 0.1;
        if (cases[i].kind == CT_CHART_CUSUM)
            o.head_start = 2.5;
        /* 120 = phase I of 120 individuals or 24 subgroups of 5, ... */
        size_t m = o.subgroup > 1 ? o.subgroup : 1;
        check_same(&o, 120 / m * m, 600 / m * m, 100 + i);
    }
}

/* With target and sigma known there is no phase I: every point is tested
 * from the first, with the same signals as the offline chart. */
static void test_known_limits_start_at_once(void **state)
{
    (void)state;
    double x[400];
    make_data(x, 0, 400, 5);
    ct_chart_options o;
    ct_chart_options_init(&o, CT_CHART_IMR);
    o.rules = CT_RULES_WE;
    o.target = 10.0;
    o.sigma = 1.0;
    ct_error err;
    ct_spc_online c;
    assert_int_equal(ct_spc_online_init(&c, &o, 0, &err), CT_OK);
    ct_chart off;
    assert_int_equal(ct_chart_compute(x, 400, &o, &off, &err), CT_OK);
    size_t k = 0;
    for (size_t i = 0; i < 400; i++) {
        ct_spc_point p;
        ct_spc_online_add(&c, x[i], &p);
        assert_true(p.tested);
        for (int r = 0; r < 32; r++)
            if (p.rules & (1u << r)) {
                assert_true(k < off.signals.n);
                assert_int_equal(off.signals.items[k].point, i);
                assert_int_equal(off.signals.items[k].rule, r);
                k++;
            }
    }
    assert_int_equal(k, off.signals.n);
    ct_chart_clear(&off);

    /* bad options: phase I too short, attribute charts, big subgroups */
    ct_chart_options_init(&o, CT_CHART_IMR);
    assert_int_equal(ct_spc_online_init(&c, &o, 1, &err), CT_ERR_INVALID);
    ct_chart_options_init(&o, CT_CHART_P);
    o.size = 50;
    assert_int_equal(ct_spc_online_init(&c, &o, 100, &err), CT_ERR_INVALID);
    ct_chart_options_init(&o, CT_CHART_XBAR_R);
    o.subgroup = CT_SPC_ONLINE_MAX_SUBGROUP + 1;
    assert_int_equal(ct_spc_online_init(&c, &o, 100, &err), CT_ERR_INVALID);
}

/* ------------------------------------------------------------------ */
/* Closed forms                                                        */

/* An individuals chart, rule 1 only, limits 0 +- 3 (known): each in-control
 * point falls outside with p0 = 2 (1 - Phi(3)) = 0.0026997961. Over n = 1e6
 * points the count is binomial(n, p0): mean 2699.8, sd 51.9; the band is
 * +- 4.5 sd (a false failure once in 150 000 runs). */
static void test_false_alarm_rate(void **state)
{
    (void)state;
    const long n = 1000000;
    const double p0 = 0.0026997961;
    ct_chart_options o;
    ct_chart_options_init(&o, CT_CHART_IMR);
    o.target = 0.0;
    o.sigma = 1.0;
    ct_spc_online c;
    ct_error err;
    assert_int_equal(ct_spc_online_init(&c, &o, 0, &err), CT_OK);
    ct_rng r;
    ct_rng_init(&r, 2026, 0, 0);
    long alarms = 0;
    for (long i = 0; i < n; i++) {
        ct_spc_point p;
        ct_spc_online_add(&c, normal01(&r), &p);
        alarms += (p.rules & (1u << CT_RULE_LIMITS)) != 0;
    }
    double mean = n * p0, sd = sqrt(n * p0 * (1 - p0));
    assert_true(fabs(2 * ct_normal_sf(3.0) - p0) < 1e-9);
    print_message("false alarms %ld of %ld (expected %.1f +- %.1f)\n", alarms, n, mean, sd);
    assert_true(fabs((double)alarms - mean) < 4.5 * sd);
}

/* After a shift of 2 sigma a point signals with p1 = P(Z > 1) + P(Z < -5)
 * = 0.15865525 + 2.87e-7; the run length to the first signal is geometric
 * with mean ARL1 = 1/p1 = 6.3030 and sd sqrt(1 - p1)/p1 = 5.7814. The
 * mean of R = 20 000 run lengths has a standard error of 0.0409; the band
 * is +- 4.5 standard errors. Each run is a fresh chart (known limits). */
static void test_arl_after_two_sigma_shift(void **state)
{
    (void)state;
    const int R = 20000;
    double p1 = ct_normal_sf(1.0) + ct_normal_cdf(-5.0);
    double arl = 1.0 / p1, se = sqrt(1.0 - p1) / p1 / sqrt((double)R);
    assert_true(fabs(arl - 6.3030) < 5e-4);
    ct_chart_options o;
    ct_chart_options_init(&o, CT_CHART_IMR);
    o.target = 0.0;
    o.sigma = 1.0;
    ct_rng r;
    ct_rng_init(&r, 7, 0, 0);
    /* a chart is a value: initialise once (the constants are integrated
     * numerically), start each run from a copy */
    ct_spc_online fresh;
    ct_error err;
    assert_int_equal(ct_spc_online_init(&fresh, &o, 0, &err), CT_OK);
    double sum = 0.0;
    for (int k = 0; k < R; k++) {
        ct_spc_online c = fresh;
        ct_spc_point p;
        long len = 0;
        do {
            ct_spc_online_add(&c, 2.0 + normal01(&r), &p);
            len++;
        } while (!(p.rules & (1u << CT_RULE_LIMITS)));
        sum += (double)len;
    }
    double mean = sum / R;
    print_message("ARL after a 2 sigma shift %.4f (closed form %.4f +- %.4f)\n", mean, arl, se);
    assert_true(fabs(mean - arl) < 4.5 * se);
}

/* ------------------------------------------------------------------ */
/* In a factory                                                        */

/* A stacker makes a cell every 10 min from a raw material; the filler
 * doses 1.6 g/Ah x 10 Ah = 16 g of electrolyte with a relative scatter of
 * 1 % (sd 0.16 g), weighed exactly. Line 17 holds the chart, line 18 on
 * the inject: section. */
#define SPC_FACTORY                                                                     \
    "name: spc\n"                                                                       \
    "run: {horizon: 4 d, warmup: 0, seed: 7}\n"                                         \
    "materials:\n"                                                                      \
    "  - {name: am, price: 20 usd/kg, lot: 5000 kg, active: true}\n"                    \
    "stations:\n"                                                                       \
    "  - name: stacker\n"                                                               \
    "    consumes: [{material: am, amount: 0.5 kg}]\n"                                  \
    "    makes: cell\n"                                                                 \
    "    process_time: 10 min\n"                                                        \
    "  - name: filler\n"                                                                \
    "    kind: filler\n"                                                                \
    "    process: {electrolyte_per_capacity: 1.6 g/Ah, nominal_capacity: 10 Ah,\n"      \
    "              dosing_cv: 0.01, balance_sd: 0 g, balance_resolution: 0 g}\n"        \
    "    process_time: 1\n"                                                             \
    "control_plan:\n"                                                                   \
    "  - {name: fill, station: filler, attribute: electrolyte_mass, usl: 18 g,\n"       \
    "     chart: %s}\n"                                                                 \
    "%s"

static ct_factory *load(const char *chart, const char *inject)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml, SPC_FACTORY, chart, inject);
    ct_factory *f = NULL;
    ct_error err;
    if (ct_factory_load_string(yaml, "f.yaml", &f, &err) != CT_OK)
        fail_msg("%s", err.msg);
    return f;
}

static ct_results *run(const ct_factory *f, int replications)
{
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    opt.replications = replications;
    opt.threads = 2;
    ct_results *res = NULL;
    ct_error err;
    if (ct_run(f, &opt, NULL, NULL, &res, &err) != CT_OK)
        fail_msg("%s", err.msg);
    return res;
}

/* A shift of 3 sigma (0.48 g) at day 2, charted with known limits 16 g +-
 * 3 x 0.16 g and rule 1 only: each shifted point signals with
 * P(Z > 0) + P(Z < -6) = 0.5, so 30 points (5 h of cells) pass unnoticed
 * with probability 0.5^30 = 1e-9. Cells are filled 1 s after they are
 * stacked, so the first shifted cell is filled within 10 min of the shift.
 * Before the shift a false alarm is possible (p0 = 0.0027 per cell over
 * 288 cells), which is why the first alarm may come earlier. */
static void test_factory_shift_detected(void **state)
{
    (void)state;
    ct_factory *f = load("{type: individuals, target: 16 g, sigma: 0.16 g, rules: limits}",
                         "inject:\n"
                         "  - {shift: electrolyte_mass, station: filler, at: 2 d, by: 0.48 g}\n");
    ct_results *res = run(f, 4);
    for (int i = 0; i < 4; i++) {
        const ct_kpis *k = ct_results_replication(res, i);
        assert_int_equal(k->n_spc, 1);
        const ct_spc_chart_kpi *s = &k->spc[0];
        assert_string_equal(s->gate, "fill");
        assert_string_equal(s->chart, "individuals");
        assert_string_equal(s->unit, "kg");
        assert_true(fabs(s->center - 0.016) < 1e-12);
        assert_true(fabs(s->ucl - (0.016 + 3 * 0.00016)) < 1e-12);
        assert_true(s->shift_at_s == 2 * 86400.0);
        assert_true(s->detected == 1.0);
        assert_true(s->detection_delay_s >= 0 && s->detection_delay_s < 5 * 3600.0);
        assert_true(s->points_to_detect >= 1 && s->points_to_detect <= 30);
        /* the points after the shift come every 10 min from the first
         * cell filled after it, so the delay follows the point count */
        assert_true(s->detection_delay_s <= s->points_to_detect * 600.0 + 1.0);
        assert_true(s->detection_delay_s > (s->points_to_detect - 1) * 600.0 - 1.0);
        /* 4 days of one cell per 10 min */
        assert_true(fabs(s->points - 4 * 144) <= 1);
        /* the alarms kept carry time, chart, rule, point and value */
        assert_true(k->n_spc_alarms >= 1 && k->n_spc_alarms <= CT_SPC_ALARMS_KEPT);
        const ct_spc_alarm *a = &k->spc_alarms[0];
        assert_string_equal(a->gate, "fill");
        assert_string_equal(a->rule, "limits");
        assert_true(a->time_s == s->first_alarm_s);
        assert_true(a->value > s->ucl || a->value < s->lcl);
    }
    const ct_kpis *m = ct_results_mean(res), *h = ct_results_ci95(res);
    assert_int_equal(m->n_spc, 1);
    assert_true(m->spc[0].detected == 1.0);
    assert_true(h->spc[0].detection_delay_s >= 0);
    /* the text report has an SPC section with the gate's row */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    ct_results_print(res, out);
    fclose(out);
    const char *section = strstr(text, "SPC chart (gate)");
    assert_non_null(section);
    assert_non_null(strstr(section, "\n  fill "));
    free(text);
    char *json = ct_results_json(res);
    assert_non_null(strstr(json, "\"spc\":"));
    assert_non_null(strstr(json, "\"spc_alarms\""));
    assert_non_null(strstr(json, "\"detection_delay_s\""));
    free(json);
    ct_results_destroy(res);
    ct_factory_destroy(f);

    /* the same factory without the shift: nothing to detect */
    f = load("{type: individuals, target: 16 g, sigma: 0.16 g, rules: limits}", "");
    res = run(f, 1);
    const ct_spc_chart_kpi *s = &ct_results_replication(res, 0)->spc[0];
    assert_true(isnan(s->shift_at_s) && isnan(s->detection_delay_s) && isnan(s->detected));
    /* 576 in-control points at p0 = 0.0027: 1.6 false alarms expected;
     * P(more than 10) < 1e-6 */
    assert_true(s->alarms <= 10);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* A gate without chart: gives no SPC results, so files without charts
 * report what they did before. */
static void test_no_chart_no_spc(void **state)
{
    (void)state;
    char yaml[4096];
    snprintf(yaml, sizeof yaml, SPC_FACTORY, "individuals", "");
    char *at = strstr(yaml, ",\n     chart: individuals}");
    assert_non_null(at);
    strcpy(at, "}\n");
    ct_factory *f = NULL;
    ct_error err;
    assert_int_equal(ct_factory_load_string(yaml, "f.yaml", &f, &err), CT_OK);
    ct_results *res = run(f, 1);
    assert_int_equal(ct_results_mean(res)->n_spc, 0);
    char *json = ct_results_json(res);
    assert_null(strstr(json, "\"spc\":"));
    free(json);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* ------------------------------------------------------------------ */
/* Bad input                                                           */

static void expect_error(const char *chart, const char *inject, const char *prefix,
                         const char *phrase)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml, SPC_FACTORY, chart, inject);
    ct_factory *f = NULL;
    ct_error err;
    ct_status st = ct_factory_load_string(yaml, "f.yaml", &f, &err);
    if (st == CT_OK || strncmp(err.msg, prefix, strlen(prefix)) != 0 || !strstr(err.msg, phrase))
        fail_msg("got %s; expected %s...%s", st == CT_OK ? "no error" : err.msg, prefix, phrase);
    assert_null(f);
}

static void test_bad_input(void **state)
{
    (void)state;
    /* line 17 is "     chart: %s}": the value starts in column 13 */
    expect_error("{type: pchart}", "", "f.yaml:17:20: control_plan[0].chart.type: ",
                 "individuals, xbar_r, xbar_s, ewma or cusum");
    expect_error("pchart", "", "f.yaml:17:13: control_plan[0].chart: ", "individuals, xbar_r");
    expect_error("{type: xbar_r, subgroup: 1}", "",
                 "f.yaml:17:38: control_plan[0].chart.subgroup: ", "subgroup of 2 or more");
    expect_error("xbar_s", "", "f.yaml:17:13: control_plan[0].chart.subgroup: ",
                 "subgroup of 2 or more");
    expect_error("{type: individuals, subgroup: 5}", "",
                 "f.yaml:17:43: control_plan[0].chart.subgroup: ", "no subgroup");
    expect_error("{type: ewma, rules: we}", "", "f.yaml:17:33: control_plan[0].chart.rules: ",
                 "no run rules");
    expect_error("{type: ewma, k: 1}", "", "f.yaml:17:29: control_plan[0].chart.k: ",
                 "only on a cusum chart");
    expect_error("{type: cusum, h: 4, head_start: 4}", "",
                 "f.yaml:17:45: control_plan[0].chart.head_start: ", "below h");
    expect_error("{type: individuals, sigma: 0 g}", "",
                 "f.yaml:17:40: control_plan[0].chart.sigma: ", "> 0");
    expect_error("{type: individuals, target: 16}", "",
                 "f.yaml:17:41: control_plan[0].chart.target: ", "unit");
    expect_error("{type: individuals, phase1: 1}", "",
                 "f.yaml:17:41: control_plan[0].chart.phase1: ", "from 2");
    expect_error("{type: individuals, colour: red}", "", "f.yaml:17:33: control_plan[0].chart",
                 "colour");
    /* line 19 is the shift entry: "  - {shift: ..." */
    expect_error("individuals",
                 "inject:\n  - {shift: electrolyte_masss, station: filler, at: 1 d, by: 1 g}\n",
                 "f.yaml:19:13: inject[0].shift: ", "unknown attribute");
    expect_error("individuals",
                 "inject:\n  - {shift: electrolyte_mass, station: fillr, at: 1 d, by: 1 g}\n",
                 "f.yaml:19:40: inject[0].station: ", "fillr");
    expect_error("individuals",
                 "inject:\n  - {shift: electrolyte_mass, station: filler, at: -1 d, by: 1 g}\n",
                 "f.yaml:19:52: inject[0].at: ", ">= 0");
    expect_error("individuals",
                 "inject:\n  - {shift: electrolyte_mass, station: filler, at: 1 d, by: 1}\n",
                 "f.yaml:19:61: inject[0].by: ", "unit");
    expect_error("individuals",
                 "inject:\n  - {shift: electrolyte_mass, station: filler, at: 1 d}\n",
                 "f.yaml:19:5: inject[0]", "by");
    /* the filler makes cells: a slurry's viscosity cannot shift there */
    expect_error("individuals",
                 "inject:\n  - {shift: viscosity, station: filler, at: 1 d, by: 1 Pa.s}\n",
                 "f.yaml:19:5: inject[0].shift: ", "do not carry");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_online_matches_offline),
        cmocka_unit_test(test_known_limits_start_at_once),
        cmocka_unit_test(test_false_alarm_rate),
        cmocka_unit_test(test_arl_after_two_sigma_shift),
        cmocka_unit_test(test_factory_shift_detected),
        cmocka_unit_test(test_no_chart_no_spc),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
