/*
 * test_learning.c - yield learning curves (model/learning.c, the
 * `learning:` key) and the ramp-up months (econ/rampup.c) against the
 * curves' closed forms, written out here (docs/rampup.md):
 *     exponential  S(t) = steady + (sop - steady) e^(-t / tau)
 *     Wright       S(n) = steady + (sop - steady) (1 + n / n_ref)^log2(r)
 * spread over k stations as 1 - (1 - S)^(1/k) each.
 *
 * Tolerance. A station that finishes one unit a second (deterministic
 * process time) scraps each unit independently with the curve's
 * probability at that moment, so the scrapped count is a sum of Bernoulli
 * draws: its expected share is the mean of S over the units, and its
 * standard deviation at most sqrt(p (1 - p) / N). A case passes within 4
 * such standard deviations (a correct model fails with probability below
 * 1e-4; the seed is fixed, so the outcome is reproducible), and the bands
 * are far narrower than the differences the tests look for (30 % at SOP
 * against 8 % steady).
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
#include "celltwin/rampup.h"

#define MONTH_S (365.25 / 12.0 * 86400.0)   /* the month of docs/rampup.md */
#define SOP 0.30
#define STEADY 0.08
#define TAU_S (3 * MONTH_S)

/* A saturated source, m1 (1 s a unit, with the curve CURVE) and m2. */
#define LINE(curve)                                                                     \
    "name: learning\n"                                                                  \
    "source: {saturated: true}\n"                                                       \
    "stations:\n"                                                                       \
    "  - name: m1\n"                                                                    \
    "    process_time: 1 s\n"                                                           \
    "    learning: " curve "\n"                                                         \
    "  - name: m2\n"                                                                    \
    "    process_time: 0.5 s\n"

static const char exp_line[] =
    LINE("{scrap_at_sop: 30 %, steady_scrap: 8 %, curve: exponential, time_constant: 3 months}");

static ct_factory *load(const char *yaml)
{
    ct_factory *f = NULL;
    ct_error err;
    ct_error_clear(&err);
    if (ct_factory_load_string(yaml, "test.yaml", &f, &err) != CT_OK)
        fail_msg("load: %s", err.msg);
    return f;
}

/* Runs f for horizon_s (statistics after warmup_s) with learning on. */
static ct_results *simulate(const ct_factory *f, double horizon_s, double warmup_s, double age_s,
                            const double *output)
{
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    opt.horizon_s = horizon_s;
    opt.warmup_s = warmup_s;
    opt.seed = 20261125;
    opt.learning = true;
    opt.learning_age_s = age_s;
    opt.learning_output = output;
    ct_results *r = NULL;
    ct_error err;
    ct_error_clear(&err);
    if (ct_run(f, &opt, NULL, NULL, &r, &err) != CT_OK)
        fail_msg("run: %s", err.msg);
    return r;
}

static double exp_curve(double t)
{
    return STEADY + (SOP - STEADY) * exp(-(t > 0 ? t : 0) / TAU_S);
}

/* The scrap share of station s against the mean expectation, 4 sd. */
static void check_share(const ct_station_kpi *s, double expect)
{
    double n = s->processed, share = s->scrapped / n;
    double band = 4 * sqrt(expect * (1 - expect) / n);
    if (fabs(share - expect) > band)
        fail_msg("%s: scrap share %.5f, closed form %.5f, band %.5f (n = %.0f)", s->name, share,
                 expect, band, n);
}

/* At SOP and at steady state: the share of units m1 scraps is the curve's
 * closed form averaged over the units (one a second, finishing at t = k). */
static void test_exponential_at_sop_and_steady(void **state)
{
    (void)state;
    ct_factory *f = load(exp_line);
    const int n = 20000;
    const double ages[] = {0, 36 * MONTH_S};
    for (int a = 0; a < 2; a++) {
        ct_results *r = simulate(f, n + 0.5, 0, ages[a], NULL);
        const ct_kpis *k = ct_results_mean(r);
        double sum = 0;
        for (int i = 1; i <= n; i++)
            sum += exp_curve(ages[a] + i);
        assert_true(fabs(k->stations[0].processed - n) <= 1);
        check_share(&k->stations[0], sum / n);
        assert_true(k->stations[1].scrapped == 0);
        /* the scrap is booked under its own cause */
        assert_int_equal(k->n_causes, 1);
        assert_string_equal(k->causes[0].cause, "ramp-up");
        assert_string_equal(k->causes[0].station, "m1");
        ct_results_destroy(r);
    }
    ct_factory_destroy(f);
}

/* The clock is the simulation's: with a time constant of one hour, the
 * statistics of hours 2 to 4 of one run follow the curve there, well
 * below its SOP value. */
static void test_long_run_shows_the_ramp(void **state)
{
    (void)state;
    ct_factory *f = load(LINE("{scrap_at_sop: 30 %, steady_scrap: 8 %, time_constant: 1 h}"));
    ct_results *r = simulate(f, 4 * 3600 + 0.5, 2 * 3600 + 0.5, 0, NULL);
    double sum = 0;
    int n = 0;
    for (int i = 2 * 3600 + 1; i <= 4 * 3600; i++, n++)
        sum += STEADY + (SOP - STEADY) * exp(-i / 3600.0);
    check_share(&ct_results_mean(r)->stations[0], sum / n);
    assert_true(sum / n < 0.12);   /* e^-2 .. e^-4 of the excess: the ramp is visible */
    ct_results_destroy(r);
    ct_factory_destroy(f);
}

/* Learning is off unless the run asks for it: a plain run is the steady
 * line without ramp-up scrap. */
static void test_off_by_default(void **state)
{
    (void)state;
    ct_factory *f = load(exp_line);
    assert_true(ct_factory_has_learning(f));
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    assert_false(opt.learning);
    opt.horizon_s = 1000;
    ct_results *r = NULL;
    ct_error err;
    assert_int_equal(ct_run(f, &opt, NULL, NULL, &r, &err), CT_OK);
    assert_true(ct_results_mean(r)->scrapped == 0);
    ct_results_destroy(r);
    ct_factory_destroy(f);
}

/* Wright: the k-th unit sees k units of output (plus what the run says
 * came before), S(n) = 8 % + 22 % (1 + n / 1000)^log2(0.8). */
static void test_wright_on_cumulative_output(void **state)
{
    (void)state;
    ct_factory *f = load(LINE("{scrap_at_sop: 30 %, steady_scrap: 8 %, curve: wright, "
                              "progress_ratio: 80 %, reference_output: 1000}"));
    const int n = 20000;
    const double before[2][2] = {{0, 0}, {1e6, 0}};
    for (int c = 0; c < 2; c++) {
        ct_results *r = simulate(f, n + 0.5, 0, 0, before[c]);
        double sum = 0;
        for (int i = 1; i <= n; i++)
            sum += STEADY + (SOP - STEADY) * pow(1 + (before[c][0] + i) / 1000.0, log2(0.8));
        check_share(&ct_results_mean(r)->stations[0], sum / n);
        ct_results_destroy(r);
    }
    ct_factory_destroy(f);
}

/* A factory-level curve spread over m1 and m2: a unit passing both is
 * lost with the curve's share, 30 % at SOP (time constant of 100 years
 * holds it there over the run). */
static void test_factory_level_spread(void **state)
{
    (void)state;
    ct_factory *f = load("name: spread\n"
                         "source: {saturated: true}\n"
                         "stations:\n"
                         "  - {name: m1, process_time: 1 s}\n"
                         "  - {name: m2, process_time: 0.5 s}\n"
                         "learning: {scrap_at_sop: 30 %, steady_scrap: 8 %, time_constant: 36525 d,\n"
                         "           stations: [m1, m2]}\n");
    const int n = 20000;
    ct_results *r = simulate(f, n + 0.5, 0, 0, NULL);
    const ct_kpis *k = ct_results_mean(r);
    double lost = (k->stations[0].scrapped + k->stations[1].scrapped) / k->stations[0].processed;
    double band = 4 * sqrt(SOP * (1 - SOP) / n);
    if (fabs(lost - SOP) > band)
        fail_msg("line loss %.5f, expected %.5f +- %.5f", lost, SOP, band);
    /* each station's share: 1 - 0.7^(1/2) = 0.16334 */
    check_share(&k->stations[0], 1 - sqrt(1 - SOP));
    ct_results_destroy(r);
    ct_factory_destroy(f);
}

/* Ramp-up months: every month's scrap follows the curve averaged over its
 * window (6 h, 21600 units, centred on mid-month), so the months fall from
 * month 1 to month 36 as the curve does, and month 1 scraps far more than
 * month 36. */
static void test_rampup_months_follow_the_curve(void **state)
{
    (void)state;
    ct_factory *f = load(exp_line);
    ct_rampup_options o;
    ct_rampup_options_init(&o, f);
    assert_int_equal(o.months, 36);
    o.sample_s = 21600;
    o.warmup_s = 0;
    o.seed = 7;
    ct_rampup *r = NULL;
    ct_error err;
    ct_error_clear(&err);
    if (ct_rampup_run(f, &o, NULL, NULL, &r, &err) != CT_OK)
        fail_msg("rampup: %s", err.msg);
    assert_int_equal(ct_rampup_n_months(r), 36);
    for (int m = 0; m < 36; m++) {
        const ct_rampup_month *mo = ct_rampup_month_at(r, m);
        assert_int_equal(mo->month, m + 1);
        /* mean of S over the window [a, a + 6 h] */
        double a = (m + 0.5) * MONTH_S - 10800, b = a + 21600;
        double expect = STEADY + (SOP - STEADY) * TAU_S / 21600 * (exp(-a / TAU_S) - exp(-b / TAU_S));
        double band = 4 * sqrt(expect * (1 - expect) / 21600);
        if (fabs(mo->scrap_rate - expect) > band)
            fail_msg("month %d: scrap %.5f, closed form %.5f +- %.5f", m + 1, mo->scrap_rate,
                     expect, band);
        /* the curve's own value at mid-month */
        assert_true(fabs(mo->learning_scrap - exp_curve((m + 0.5) * MONTH_S)) < 1e-12);
        /* the window's good units, scaled to the month */
        double good = 21600 * (1 - mo->scrap_rate) * MONTH_S / 21600;
        assert_true(fabs(mo->good_cells - good) <= 2 * MONTH_S / 21600);
        assert_string_equal(mo->top[0].cause, "ramp-up");
    }
    assert_true(ct_rampup_month_at(r, 0)->scrap_rate > ct_rampup_month_at(r, 35)->scrap_rate + 0.15);
    ct_rampup_destroy(r);
    ct_factory_destroy(f);
}

/* Bad values name the file, line, column and key. */
static void test_bad_input(void **state)
{
    (void)state;
    static const struct {
        const char *curve, *expect;
    } cases[] = {
        {"{scrap_at_sop: 120 %}", "test.yaml:6:30: stations[0].learning.scrap_at_sop: expected"},
        {"{scrap_at_sop: 10 %, steady_scrap: 20 %}",
         "test.yaml:6:50: stations[0].learning.steady_scrap: expected at most scrap_at_sop"},
        {"{time_constant: -3 months}", "test.yaml:6:31: stations[0].learning.time_constant: expected"},
        {"{time_constant: -90 d}", "test.yaml:6:31: stations[0].learning.time_constant: expected"},
        {"{curve: logistic}", "test.yaml:6:23: stations[0].learning.curve: expected exponential or wright"},
        {"{curve: wright}", "stations[0].learning.reference_output: missing required key"},
        {"{curve: wright, time_constant: 1 d, reference_output: 10}",
         "stations[0].learning.time_constant: expected time_constant only with curve: exponential"},
        {"{scrap_at_sop: 30 %, stations: [m1]}", "test.yaml:6:36: stations[0].learning.stations: unknown key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "name: bad\nsource: {saturated: true}\nstations:\n  - name: m1\n"
                 "    process_time: 1 s\n    learning: %s\n",
                 cases[i].curve);
        ct_factory *f = NULL;
        ct_error err;
        ct_error_clear(&err);
        assert_int_equal(ct_factory_load_string(yaml, "test.yaml", &f, &err), CT_ERR_PARSE);
        assert_null(f);
        if (!strstr(err.msg, cases[i].expect))
            fail_msg("case %zu: got \"%s\", expected \"%s\"", i, err.msg, cases[i].expect);
    }
    /* a factory-level curve over an unknown station, over a station twice,
     * or over a station with a curve of its own */
    static const char *const top[] = {"stations: [m1, nope]", "stations: [m1, m1]", "stations: [m2]"};
    static const char *const why[] = {"unknown station \"nope\"", "got \"m1\" twice",
                                      "got \"m2\" with its own"};
    for (int i = 0; i < 3; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 "name: bad\nsource: {saturated: true}\nstations:\n  - {name: m1, process_time: 1 s}\n"
                 "  - {name: m2, process_time: 1 s, learning: {}}\nlearning: {%s}\n",
                 top[i]);
        ct_factory *f = NULL;
        ct_error err;
        ct_error_clear(&err);
        assert_int_equal(ct_factory_load_string(yaml, "test.yaml", &f, &err), CT_ERR_PARSE);
        if (!strstr(err.msg, "test.yaml:6:") || !strstr(err.msg, "learning.stations") ||
            !strstr(err.msg, why[i]))
            fail_msg("top %d: got \"%s\"", i, err.msg);
    }
    /* ramp-up options */
    ct_factory *f = load(exp_line);
    ct_rampup_options o;
    ct_rampup_options_init(&o, f);
    o.months = 0;
    ct_rampup *r = NULL;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_rampup_run(f, &o, NULL, NULL, &r, &err), CT_ERR_INVALID);
    assert_null(r);
    assert_non_null(strstr(err.msg, "months: expected"));
    ct_factory_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exponential_at_sop_and_steady),
        cmocka_unit_test(test_long_run_shows_the_ramp),
        cmocka_unit_test(test_off_by_default),
        cmocka_unit_test(test_wright_on_cumulative_output),
        cmocka_unit_test(test_factory_level_spread),
        cmocka_unit_test(test_rampup_months_follow_the_curve),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
