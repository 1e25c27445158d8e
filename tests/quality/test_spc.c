/*
 * test_spc.c - control-chart constants, charts and run rules against
 * published values (shared/refs/README.md):
 *   constants: Montgomery, Introduction to Statistical Quality Control,
 *     Appendix VI (3-4 printed digits), and the closed forms for n = 2
 *     (d2 = 2/sqrt(pi), d3 = sqrt(2 - 4/pi), c4 = sqrt(2/pi));
 *   EWMA and I-MR: NIST/SEMATECH e-Handbook of Statistical Methods,
 *     sections 6.3.2.4 and 6.3.2.2;
 *   CUSUM with and without fast initial response: Lucas & Crosier (1982);
 *   run rules: constructed series where each Western Electric (1956) and
 *     Nelson (1984) rule first fires at a known point;
 *   attribute charts: the closed forms pbar +- 3 sqrt(pbar(1-pbar)/n) etc.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "celltwin/quality.h"

#define PI 3.141592653589793238462643383280
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void assert_near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

/* ---------------- constants ---------------- */

static void test_constants_table(void **state)
{
    (void)state;
    /* Montgomery Appendix VI: n, A2, A3, B3, B4, D3, D4, d2, c4. */
    static const double table[][9] = {
        { 2, 1.880, 2.659, 0, 3.267, 0, 3.267, 1.128, 0.7979 },
        { 3, 1.023, 1.954, 0, 2.568, 0, 2.574, 1.693, 0.8862 },
        { 4, 0.729, 1.628, 0, 2.266, 0, 2.282, 2.059, 0.9213 },
        { 5, 0.577, 1.427, 0, 2.089, 0, 2.114, 2.326, 0.9400 },
        { 6, 0.483, 1.287, 0.030, 1.970, 0, 2.004, 2.534, 0.9515 },
        { 7, 0.419, 1.182, 0.118, 1.882, 0.076, 1.924, 2.704, 0.9594 },
        { 8, 0.373, 1.099, 0.185, 1.815, 0.136, 1.864, 2.847, 0.9650 },
        { 9, 0.337, 1.032, 0.239, 1.761, 0.184, 1.816, 2.970, 0.9693 },
        { 10, 0.308, 0.975, 0.284, 1.716, 0.223, 1.777, 3.078, 0.9727 },
    };
    for (size_t i = 0; i < COUNT(table); i++) {
        const double *t = table[i];
        ct_spc_constants k;
        assert_int_equal(ct_spc_constants_compute((int)t[0], &k), CT_OK);
        /* Half a unit in the last printed digit, plus as much again: the
         * book derives D3/D4 from d2 and d3 already rounded to 3 decimals
         * (D4(3) = 1 + 3(0.888)/1.693 = 2.5735 is printed 2.574; from
         * unrounded d2, d3 it is 2.5746). */
        const double tol3 = 1.0e-3, tol4 = 1.0e-4;
        assert_near(k.A2, t[1], tol3);
        assert_near(k.A3, t[2], tol3);
        assert_near(k.B3, t[3], tol3);
        assert_near(k.B4, t[4], tol3);
        assert_near(k.D3, t[5], tol3);
        assert_near(k.D4, t[6], tol3);
        assert_near(k.d2, t[7], tol3);
        assert_near(k.c4, t[8], tol4);
        assert_near(ct_spc_d2((int)t[0]), k.d2, 0.0);
        assert_near(ct_spc_c4((int)t[0]), k.c4, 0.0);
    }
    /* n = 2 closed forms: the range of two normals is |X1 - X2|. */
    assert_near(ct_spc_d2(2), 2.0 / sqrt(PI), 1e-13);
    assert_near(ct_spc_d3(2), sqrt(2.0 - 4.0 / PI), 1e-12);
    assert_near(ct_spc_c4(2), sqrt(2.0 / PI), 1e-15);
    /* Montgomery's last row, n = 25: d2 3.931, d3 0.708, c4 0.9896. */
    assert_near(ct_spc_d2(25), 3.931, 1e-3);
    assert_near(ct_spc_d3(25), 0.708, 1e-3);
    assert_near(ct_spc_c4(25), 0.9896, 1e-4);
    /* Out of range. */
    ct_spc_constants k;
    assert_int_equal(ct_spc_constants_compute(1, &k), CT_ERR_INVALID);
    assert_true(isnan(ct_spc_d2(CT_SPC_MAX_SUBGROUP + 1)));
}

/* ---------------- EWMA (NIST 6.3.2.4) ---------------- */

static const double nist_ewma_data[] = {
    52.0, 47.0, 53.0, 49.3, 50.1, 47.0, 51.0, 50.1, 51.2, 50.5,
    49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1,
};

static void test_ewma_nist(void **state)
{
    (void)state;
    static const double z[] = {
        50.60, 49.52, 50.56, 50.18, 50.16, 49.21, 49.75, 49.85, 50.26, 50.33,
        50.11, 49.36, 49.52, 50.05, 49.38, 49.92, 50.73, 51.23, 51.94, 51.99,
    };
    ct_chart_options o;
    ct_chart_options_init(&o, CT_CHART_EWMA);
    o.lambda = 0.3;
    o.target = 50.0;
    o.sigma = 2.0539;
    o.L = 3.0;
    o.asymptotic = true;
    ct_chart c;
    ct_error err;
    assert_int_equal(ct_chart_compute(nist_ewma_data, COUNT(nist_ewma_data), &o, &c, &err), CT_OK);
    assert_int_equal(c.main.n, 20);
    for (size_t i = 0; i < 20; i++)
        assert_near(c.main.points[i], z[i], 0.005 + 1e-9); /* printed to 2 decimals */
    assert_false(c.main.limits_vary);
    /* Printed to 4 decimals; NIST's LCL 47.4115 is 47.411568 truncated. */
    assert_near(c.main.ucl[0], 52.5884, 1e-4);
    assert_near(c.main.lcl[0], 47.4115, 1e-4);
    assert_near(c.main.center[0], 50.0, 0.0);
    assert_int_equal(c.signals.n, 0);
    ct_chart_clear(&c);

    /* Exact limits: L sigma sqrt(lambda/(2-lambda) (1 - (1-lambda)^(2i))),
     * widening toward the asymptotic ones. */
    o.asymptotic = false;
    assert_int_equal(ct_chart_compute(nist_ewma_data, COUNT(nist_ewma_data), &o, &c, &err), CT_OK);
    assert_true(c.main.limits_vary);
    assert_near(c.main.ucl[0], 50.0 + 3.0 * 2.0539 * sqrt(0.3 / 1.7 * (1.0 - 0.49)), 1e-12);
    assert_near(c.main.ucl[1], 50.0 + 3.0 * 2.0539 * sqrt(0.3 / 1.7 * (1.0 - pow(0.7, 4))), 1e-12);
    assert_near(c.main.ucl[19], 52.5884, 1e-4);
    assert_int_equal(c.signals.n, 0);
    ct_chart_clear(&c);

    /* EWMA is not a Shewhart chart: run rules are refused. */
    o.rules = CT_RULES_WE;
    assert_int_equal(ct_chart_compute(nist_ewma_data, 20, &o, &c, &err), CT_ERR_INVALID);
}

/* ---------------- I-MR (NIST 6.3.2.2) ---------------- */

static void test_imr_nist(void **state)
{
    (void)state;
    const double x[] = { 49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1 };
    ct_chart_options o;
    ct_chart_options_init(&o, CT_CHART_IMR);
    ct_chart c;
    ct_error err;
    assert_int_equal(ct_chart_compute(x, COUNT(x), &o, &c, &err), CT_OK);
    assert_near(c.main.center[0], 50.81, 1e-12);
    double mrbar = c.spread.center[0];
    assert_near(mrbar, 1.8778, 5e-5); /* 16.9/9 = 1.87778 */
    assert_true(isnan(c.spread.points[0]));
    assert_near(c.spread.points[1], 2.0, 1e-12);
    /* NIST computes with table constants d2 = 1.128 and D4 = 3.267; ours
     * are exact (1.1283792, 3.2665), which moves the limits by < 2e-3. With
     * NIST's d2 our mean and MRbar reproduce its limits to 4 decimals. */
    assert_near(50.81 + 3.0 * mrbar / 1.128, 55.8041, 1e-4);
    assert_near(50.81 - 3.0 * mrbar / 1.128, 45.8159, 1e-4);
    assert_near(c.main.ucl[0], 55.8041, 2e-3);
    assert_near(c.main.lcl[0], 45.8159, 2e-3);
    assert_near(c.main.ucl[0], 50.81 + 3.0 * mrbar / (2.0 / sqrt(PI)), 1e-10);
    assert_near(c.spread.ucl[0], 6.1349, 2e-3);
    assert_near(c.spread.lcl[0], 0.0, 0.0);
    assert_near(c.sigma, mrbar / (2.0 / sqrt(PI)), 1e-12);
    assert_true(c.sigma_estimated);
    assert_int_equal(c.signals.n, 0);
    assert_int_equal(c.spread_signals.n, 0);
    ct_chart_clear(&c);
}

/* ---------------- CUSUM (Lucas & Crosier 1982) ---------------- */

static void test_cusum_lucas_crosier(void **state)
{
    (void)state;
    const double x[] = { 0.8, 1.9, 1.4, 2.0, 1.1, 0.7, 2.6 };
    const double plain[] = { 0.3, 1.7, 2.6, 4.1, 4.7, 4.9, 7.0 };
    const double fir[] = { 2.8, 4.2, 5.1, 6.6, 7.2, 7.4, 9.5 };
    ct_chart_options o;
    ct_chart_options_init(&o, CT_CHART_CUSUM);
    o.target = 0.0;
    o.sigma = 1.0;
    o.k = 0.5;
    o.h = 5.0;
    ct_chart c;
    ct_error err;
    assert_int_equal(ct_chart_compute(x, 7, &o, &c, &err), CT_OK);
    for (size_t i = 0; i < 7; i++) {
        assert_near(c.main.points[i], plain[i], 1e-12);
        assert_near(c.cminus[i], 0.0, 0.0);
    }
    assert_near(c.main.ucl[0], 5.0, 0.0);
    assert_int_equal(c.signals.n, 1);
    assert_int_equal(c.signals.items[0].point, 6); /* sample 7 */
    assert_int_equal(c.signals.items[0].rule, CT_RULE_CUSUM_UPPER);
    ct_chart_clear(&c);

    o.head_start = 2.5; /* h/2, the usual FIR head start */
    assert_int_equal(ct_chart_compute(x, 7, &o, &c, &err), CT_OK);
    for (size_t i = 0; i < 7; i++)
        assert_near(c.main.points[i], fir[i], 1e-12);
    /* C- starts at 2.5 too: max(0, -0.5 - 0.8 + 2.5) = 1.2, then 0. */
    assert_near(c.cminus[0], 1.2, 1e-12);
    assert_near(c.cminus[1], 0.0, 0.0);
    assert_true(c.signals.n == 5); /* samples 3..7, not reset */
    assert_int_equal(c.signals.items[0].point, 2); /* sample 3 */
    assert_string_equal(ct_rule_name(c.signals.items[0].rule), "cusum_upper");
    ct_chart_clear(&c);

    /* A downward shift signals on C-. */
    const double down[] = { -2.0, -2.0, -2.0, -2.0 };
    o.head_start = 0.0;
    assert_int_equal(ct_chart_compute(down, 4, &o, &c, &err), CT_OK);
    assert_near(c.cminus[3], 6.0, 1e-12);
    assert_int_equal(c.signals.n, 1);
    assert_int_equal(c.signals.items[0].point, 3);
    assert_int_equal(c.signals.items[0].rule, CT_RULE_CUSUM_LOWER);
    ct_chart_clear(&c);

    o.head_start = 5.0; /* must be below h */
    assert_int_equal(ct_chart_compute(x, 7, &o, &c, &err), CT_ERR_INVALID);
}

/* ---------------- run rules ---------------- */

/* A series of standardized points: center 0, sigma 1, limits +-3. */
static ct_signals rules_on(const double *z, size_t n, ct_rule_set set)
{
    static double center = 0.0, ucl = 3.0, lcl = -3.0, sigma = 1.0;
    ct_chart_series s = { n, (double *)z, &center, &ucl, &lcl, &sigma, false };
    ct_signals out;
    ct_signals_init(&out);
    assert_int_equal(ct_rules_apply(&s, set, &out), CT_OK);
    return out;
}

/* Asserts the signals are exactly the (point, rule) pairs given. */
static void expect(ct_signals *got, size_t n, const size_t *points, const ct_rule *rules)
{
    if (got->n != n) {
        for (size_t i = 0; i < got->n; i++)
            print_message("signal at %zu: %s\n", got->items[i].point,
                          ct_rule_name(got->items[i].rule));
        fail_msg("%zu signals, want %zu", got->n, n);
    }
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got->items[i].point, points[i]);
        assert_int_equal(got->items[i].rule, rules[i]);
    }
    ct_signals_clear(got);
}

static void test_western_electric(void **state)
{
    (void)state;
    /* Rule 1: one point beyond 3 sigma, point 4. */
    const double r1[] = { 0.5, -0.5, 0.5, 3.5, -0.5 };
    ct_signals s = rules_on(r1, COUNT(r1), CT_RULES_WE);
    expect(&s, 1, (size_t[]){ 3 }, (ct_rule[]){ CT_RULE_WE1 });
    /* The same series with limits only. */
    s = rules_on(r1, COUNT(r1), CT_RULES_LIMITS);
    expect(&s, 1, (size_t[]){ 3 }, (ct_rule[]){ CT_RULE_LIMITS });

    /* Rule 2: 2 of 3 beyond 2 sigma on one side, completed at point 5. */
    const double r2[] = { 0.5, -0.5, 2.5, 0.5, 2.5, -0.5 };
    s = rules_on(r2, COUNT(r2), CT_RULES_WE);
    expect(&s, 1, (size_t[]){ 4 }, (ct_rule[]){ CT_RULE_WE2 });
    /* Opposite sides do not count. */
    const double r2b[] = { 0.5, 2.5, -2.5, 0.5 };
    s = rules_on(r2b, COUNT(r2b), CT_RULES_WE);
    expect(&s, 0, NULL, NULL);

    /* Rule 3: 4 of 5 beyond 1 sigma on one side, completed at point 6. */
    const double r3[] = { -0.5, 1.5, 1.5, 0.5, 1.5, 1.5, -0.5 };
    s = rules_on(r3, COUNT(r3), CT_RULES_WE);
    expect(&s, 1, (size_t[]){ 5 }, (ct_rule[]){ CT_RULE_WE3 });

    /* Rule 4: 8 in a row on one side, completed at point 9. */
    const double r4[] = { -0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -0.5 };
    s = rules_on(r4, COUNT(r4), CT_RULES_WE);
    expect(&s, 1, (size_t[]){ 8 }, (ct_rule[]){ CT_RULE_WE4 });
}

static void test_nelson(void **state)
{
    (void)state;
    /* Rule 2: 9 in a row on one side, point 10 (WE4 would fire at 9). */
    const double n2[] = { -0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5 };
    ct_signals s = rules_on(n2, COUNT(n2), CT_RULES_NELSON);
    expect(&s, 1, (size_t[]){ 9 }, (ct_rule[]){ CT_RULE_NELSON2 });

    /* Rule 3: 6 points steadily increasing, point 7. */
    const double n3[] = { 0.0, -0.4, -0.2, 0.0, 0.2, 0.4, 0.6 };
    s = rules_on(n3, COUNT(n3), CT_RULES_NELSON);
    expect(&s, 1, (size_t[]){ 6 }, (ct_rule[]){ CT_RULE_NELSON3 });
    /* ... and decreasing. */
    const double n3d[] = { 0.6, 0.4, 0.2, 0.0, -0.2, -0.4 };
    s = rules_on(n3d, COUNT(n3d), CT_RULES_NELSON);
    expect(&s, 1, (size_t[]){ 5 }, (ct_rule[]){ CT_RULE_NELSON3 });

    /* Rule 4: 14 points alternating up and down, point 14. */
    double n4[14];
    for (int i = 0; i < 14; i++)
        n4[i] = i % 2 ? 0.5 : -0.5;
    s = rules_on(n4, 14, CT_RULES_NELSON);
    expect(&s, 1, (size_t[]){ 13 }, (ct_rule[]){ CT_RULE_NELSON4 });

    /* Rule 7: 15 points within 1 sigma (pairs, so no alternation, trend or
     * long run on one side), point 15. */
    double n7[15];
    for (int i = 0; i < 15; i++)
        n7[i] = (i / 2) % 2 ? -0.5 : 0.5;
    s = rules_on(n7, 15, CT_RULES_NELSON);
    expect(&s, 1, (size_t[]){ 14 }, (ct_rule[]){ CT_RULE_NELSON7 });

    /* Rule 8: 8 points beyond 1 sigma on both sides, point 8. */
    const double n8[] = { 1.5, 1.5, -1.5, -1.5, 1.5, 1.5, -1.5, -1.5 };
    s = rules_on(n8, COUNT(n8), CT_RULES_NELSON);
    expect(&s, 1, (size_t[]){ 7 }, (ct_rule[]){ CT_RULE_NELSON8 });

    /* Rules 1, 5, 6 are Western Electric 1-3 under other names. */
    const double n156[] = { 0.5, 3.5, -0.5, -0.5, 0.5, 2.5, 0.5,
                            2.5, -1.5, -1.5, 0.5, -1.5, -1.5 };
    s = rules_on(n156, COUNT(n156), CT_RULES_NELSON);
    expect(&s, 3, (size_t[]){ 1, 7, 12 },
           (ct_rule[]){ CT_RULE_NELSON1, CT_RULE_NELSON5, CT_RULE_NELSON6 });
}

/* Rules through a whole chart: an individuals chart with known target and
 * sigma tests the raw data directly. */
static void test_rules_on_chart(void **state)
{
    (void)state;
    const double x[] = { 10.5, 9.5, 12.5, 10.5, 12.5, 9.5 };
    ct_chart_options o;
    ct_chart_options_init(&o, CT_CHART_IMR);
    o.target = 10.0;
    o.sigma = 1.0;
    o.rules = CT_RULES_WE;
    ct_chart c;
    ct_error err;
    assert_int_equal(ct_chart_compute(x, COUNT(x), &o, &c, &err), CT_OK);
    assert_int_equal(c.signals.n, 1);
    assert_int_equal(c.signals.items[0].point, 4);
    assert_int_equal(c.signals.items[0].rule, CT_RULE_WE2);
    ct_chart_clear(&c);
}

/* ---------------- X-bar charts ---------------- */

static void test_xbar_r_and_s(void **state)
{
    (void)state;
    /* Subgroups of 2: means 2, 3, 4; ranges 2, 2, 2; sds sqrt(2). */
    const double x[] = { 1, 3, 2, 4, 3, 5 };
    double d2 = 2.0 / sqrt(PI), d3 = sqrt(2.0 - 4.0 / PI), c4 = sqrt(2.0 / PI);
    ct_chart_options o;
    ct_chart_options_init(&o, CT_CHART_XBAR_R);
    o.subgroup = 2;
    ct_chart c;
    ct_error err;
    assert_int_equal(ct_chart_compute(x, 6, &o, &c, &err), CT_OK);
    assert_int_equal(c.main.n, 3);
    assert_near(c.main.points[2], 4.0, 1e-15);
    assert_near(c.main.center[0], 3.0, 1e-15);
    /* xbarbar +- A2 Rbar, A2 = 3/(d2 sqrt(2)); R: D3 Rbar = 0, D4 Rbar. */
    assert_near(c.main.ucl[0], 3.0 + 3.0 / (d2 * sqrt(2.0)) * 2.0, 1e-12);
    assert_near(c.main.lcl[0], 3.0 - 3.0 / (d2 * sqrt(2.0)) * 2.0, 1e-12);
    assert_near(c.spread.center[0], 2.0, 1e-15);
    assert_near(c.spread.ucl[0], (1.0 + 3.0 * d3 / d2) * 2.0, 1e-12);
    assert_near(c.spread.lcl[0], 0.0, 0.0);
    assert_near(c.sigma, 2.0 / d2, 1e-13);
    ct_chart_clear(&c);

    o.kind = CT_CHART_XBAR_S;
    assert_int_equal(ct_chart_compute(x, 6, &o, &c, &err), CT_OK);
    /* xbarbar +- A3 sbar, A3 = 3/(c4 sqrt(2)); S: B4 sbar. */
    double sbar = sqrt(2.0);
    assert_near(c.main.ucl[0], 3.0 + 3.0 / (c4 * sqrt(2.0)) * sbar, 1e-12);
    assert_near(c.spread.center[0], sbar, 1e-15);
    assert_near(c.spread.ucl[0], (1.0 + 3.0 * sqrt(1.0 - c4 * c4) / c4) * sbar, 1e-12);
    ct_chart_clear(&c);

    /* A known sigma: R chart d2 sigma with D2 sigma above. */
    o.kind = CT_CHART_XBAR_R;
    o.sigma = 1.0;
    o.target = 3.0;
    assert_int_equal(ct_chart_compute(x, 6, &o, &c, &err), CT_OK);
    assert_near(c.spread.center[0], d2, 1e-13);
    assert_near(c.spread.ucl[0], d2 + 3.0 * d3, 1e-12);
    assert_near(c.main.ucl[0], 3.0 + 3.0 / sqrt(2.0), 1e-14);
    ct_chart_clear(&c);
}

static void test_chart_errors(void **state)
{
    (void)state;
    const double x[] = { 1, 2, 3, 4, 5 };
    ct_chart_options o;
    ct_chart c;
    ct_error err;
    ct_chart_options_init(&o, CT_CHART_XBAR_R);
    o.subgroup = 1;
    assert_int_equal(ct_chart_compute(x, 5, &o, &c, &err), CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "at least 2"));
    o.subgroup = 2; /* 5 values, 1 left over */
    assert_int_equal(ct_chart_compute(x, 5, &o, &c, &err), CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "left over"));
    assert_int_equal(ct_chart_compute(x, 0, &o, &c, &err), CT_ERR_INVALID);
    const double flat[] = { 2, 2, 2, 2 };
    assert_int_equal(ct_chart_compute(flat, 4, &o, &c, &err), CT_ERR_INVALID);
    ct_chart_options_init(&o, CT_CHART_P);
    assert_int_equal(ct_chart_compute(x, 5, &o, &c, &err), CT_ERR_INVALID); /* no sizes */
    o.size = 3;
    assert_int_equal(ct_chart_compute(x, 5, &o, &c, &err), CT_ERR_INVALID); /* 4 > 3 */
    assert_non_null(strstr(err.msg, "point 4"));
    ct_chart_kind k;
    assert_int_equal(ct_chart_kind_parse("xbar-q", &k), CT_ERR_INVALID);
    assert_int_equal(ct_chart_kind_parse("np", &k), CT_OK);
    assert_int_equal(k, CT_CHART_NP);
}

/* ---------------- attribute charts ---------------- */

static void test_attribute_charts(void **state)
{
    (void)state;
    const double counts[] = { 12, 15, 8, 10, 4, 7, 16, 9, 14, 40 };
    const double sizes[] = { 200, 200, 150, 150, 100, 100, 200, 150, 200, 200 };
    double tc = 0, ts = 0;
    for (size_t i = 0; i < 10; i++) {
        tc += counts[i];
        ts += sizes[i];
    }
    double pbar = tc / ts;
    ct_chart_options o;
    ct_chart_options_init(&o, CT_CHART_P);
    o.sizes = sizes;
    ct_chart c;
    ct_error err;
    assert_int_equal(ct_chart_compute(counts, 10, &o, &c, &err), CT_OK);
    assert_true(c.main.limits_vary);
    for (size_t i = 0; i < 10; i++) {
        double se = sqrt(pbar * (1.0 - pbar) / sizes[i]);
        assert_near(c.main.points[i], counts[i] / sizes[i], 1e-15);
        assert_near(c.main.center[i], pbar, 1e-15);
        assert_near(c.main.ucl[i], pbar + 3.0 * se, 1e-14);
        assert_near(c.main.lcl[i], fmax(0.0, pbar - 3.0 * se), 1e-14);
    }
    /* 40/200 = 0.2 is far above its limit; nothing else is. */
    assert_int_equal(c.signals.n, 1);
    assert_int_equal(c.signals.items[0].point, 9);
    ct_chart_clear(&c);

    /* u chart on the same data: ubar +- 3 sqrt(ubar/n). */
    o.kind = CT_CHART_U;
    assert_int_equal(ct_chart_compute(counts, 10, &o, &c, &err), CT_OK);
    assert_near(c.main.ucl[4], pbar + 3.0 * sqrt(pbar / 100.0), 1e-14);
    ct_chart_clear(&c);

    /* np chart with a constant size: n pbar +- 3 sqrt(n pbar (1 - pbar)). */
    o.kind = CT_CHART_NP;
    o.sizes = NULL;
    o.size = 200;
    assert_int_equal(ct_chart_compute(counts, 10, &o, &c, &err), CT_OK);
    double p2 = tc / (200.0 * 10);
    assert_false(c.main.limits_vary);
    assert_near(c.main.center[0], 200 * p2, 1e-12);
    assert_near(c.main.ucl[0], 200 * p2 + 3.0 * sqrt(200 * p2 * (1 - p2)), 1e-12);
    ct_chart_clear(&c);
    o.sizes = sizes; /* varying sizes: np refuses */
    assert_int_equal(ct_chart_compute(counts, 10, &o, &c, &err), CT_ERR_INVALID);

    /* c chart: cbar +- 3 sqrt(cbar), LCL floored at 0. */
    ct_chart_options_init(&o, CT_CHART_C);
    assert_int_equal(ct_chart_compute(counts, 10, &o, &c, &err), CT_OK);
    double cbar = tc / 10.0;
    assert_near(c.main.center[0], cbar, 1e-13);
    assert_near(c.main.ucl[0], cbar + 3.0 * sqrt(cbar), 1e-13);
    assert_near(c.main.lcl[0], fmax(0.0, cbar - 3.0 * sqrt(cbar)), 1e-13);
    ct_chart_clear(&c);
    const double frac[] = { 1.5, 2 };
    assert_int_equal(ct_chart_compute(frac, 2, &o, &c, &err), CT_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constants_table),
        cmocka_unit_test(test_ewma_nist),
        cmocka_unit_test(test_imr_nist),
        cmocka_unit_test(test_cusum_lucas_crosier),
        cmocka_unit_test(test_western_electric),
        cmocka_unit_test(test_nelson),
        cmocka_unit_test(test_rules_on_chart),
        cmocka_unit_test(test_xbar_r_and_s),
        cmocka_unit_test(test_chart_errors),
        cmocka_unit_test(test_attribute_charts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
