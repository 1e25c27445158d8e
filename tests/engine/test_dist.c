/*
 * test_dist.c - ct_dist: parsing (with units, and every error a user can
 * make), the sampled mean and variance of each distribution against its
 * closed form, the AS241 normal quantile against libm's erfc, truncation
 * of times at zero, the canonical text form and its round trip, copy/clear.
 *
 * How the moment checks are judged. With n independent draws of a variable
 * with mean m, variance s2 and fourth central moment mu4:
 *   - the sample mean has standard error sqrt(s2 / n) (CLT);
 *   - the sample variance has standard error sqrt((mu4 - s2^2) / n) + O(1/n)
 *     (e.g. Kendall & Stuart, Advanced Theory of Statistics, vol. 1, 10.5).
 * Each check allows 5 standard errors: a correct sampler fails it with
 * probability about 6e-7 for a random seed. Seeds are fixed, so the tests
 * are deterministic; the bound is there so that a correct change of the
 * sampler (which reshuffles the draws) passes, while a biased one (say a
 * 1% error in an exponential mean, 10 standard errors at n = 1e6) fails.
 * mu4 comes from closed forms: for exp 9 m^4; for Erlang(k) s2^2 (3 + 6/k);
 * for the normal 3 s2^2; for uniform(a, b) (b-a)^4 / 80; for any triangular
 * s2^2 * 12/5 (excess kurtosis -3/5); for Weibull and lognormal from their
 * raw moments E X^j (lambda^j Gamma(1 + j/k), exp(j mu + j^2 sigma^2 / 2)).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/dist.h"

enum { N_DRAWS = 1000000 };

static const uint64_t SEED = 20240601;

/* Central fourth moment from raw moments r1..r4. */
static double mu4_from_raw(double r1, double r2, double r3, double r4)
{
    return r4 - 4 * r1 * r3 + 6 * r1 * r1 * r2 - 3 * r1 * r1 * r1 * r1;
}

static bool close_rel(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) || a == b;
}

static ct_dist parse_ok(const char *text, ct_dim dim)
{
    ct_dist d;
    char why[512] = "";
    ct_status st = ct_dist_parse(text, dim, &d, why, sizeof why);
    if (st != CT_OK)
        fail_msg("\"%s\": status %d: %s", text, (int)st, why);
    return d;
}

/* Draws N_DRAWS values and checks mean and variance against the closed
 * forms (see the file header for the tolerances), and that ct_dist_mean
 * and ct_dist_variance give the same closed forms. */
static void check_moments(const char *text, ct_dim dim, uint64_t stream,
                          double mean, double var, double mu4)
{
    ct_dist d = parse_ok(text, dim);
    if (!close_rel(ct_dist_mean(&d), mean, 1e-12))
        fail_msg("%s: ct_dist_mean %.17g, closed form %.17g", text, ct_dist_mean(&d), mean);
    if (!close_rel(ct_dist_variance(&d), var, 1e-12))
        fail_msg("%s: ct_dist_variance %.17g, closed form %.17g", text, ct_dist_variance(&d), var);

    ct_rng rng;
    ct_rng_init(&rng, SEED, 0, stream);
    double m = 0.0, m2 = 0.0;   /* Welford: no cancellation for large means */
    for (int i = 1; i <= N_DRAWS; i++) {
        double x = ct_dist_sample(&d, &rng);
        double delta = x - m;
        m += delta / i;
        m2 += delta * (x - m);
    }
    double s2 = m2 / (N_DRAWS - 1);
    double se_mean = sqrt(var / N_DRAWS);
    double se_var = sqrt((mu4 - var * var) / N_DRAWS);
    print_message("  %-34s mean %.6g (%+.2f SE)  var %.6g (%+.2f SE)\n", text, m,
                  se_mean > 0 ? (m - mean) / se_mean : 0.0, s2,
                  se_var > 0 ? (s2 - var) / se_var : 0.0);
    if (!(fabs(m - mean) <= 5 * se_mean))
        fail_msg("%s: sample mean %.10g, want %.10g +- %.3g", text, m, mean, 5 * se_mean);
    if (!(fabs(s2 - var) <= 5 * se_var))
        fail_msg("%s: sample variance %.10g, want %.10g +- %.3g", text, s2, var, 5 * se_var);
    ct_dist_clear(&d);
}

static void test_moments_exp(void **state)
{
    (void)state;
    double m = 120;
    check_moments("exp(2 min)", CT_DIM_TIME, 1, m, m * m, 9 * m * m * m * m);
}

/* The exponential sampler is a ziggurat (Marsaglia & Tsang 2000), whose
 * fast path, wedges and tail are separate code: check the shape, not just
 * the moments. For n = 4e6 draws of exp(1), the fraction above x is a
 * binomial proportion with mean exp(-x) (closed form) and standard error
 * sqrt(p (1 - p) / n); each must lie within 5 standard errors. x = 7.697 is
 * the ziggurat's base-layer edge R, beyond which only the tail code runs. */
static void test_exp_tail_probabilities(void **state)
{
    (void)state;
    const double xs[] = {0.01, 0.1, 0.5, 1, 2, 4, 6, 7.697117470131487, 9};
    enum { NX = sizeof xs / sizeof xs[0] };
    const long n = 4000000;
    long above[NX] = {0};
    ct_dist d = parse_ok("exp(1)", CT_DIM_NONE);
    ct_rng rng;
    ct_rng_init(&rng, SEED, 0, 77);
    for (long i = 0; i < n; i++) {
        double x = ct_dist_sample(&d, &rng);
        for (int j = 0; j < NX; j++)
            above[j] += x > xs[j];
    }
    for (int j = 0; j < NX; j++) {
        double p = exp(-xs[j]), se = sqrt(p * (1 - p) / n);
        double got = (double)above[j] / n;
        if (fabs(got - p) > 5 * se)
            fail_msg("P(X > %g) = %.7f, expected %.7f +- 5 x %.2g", xs[j], got, p, se);
    }
    ct_dist_clear(&d);
}

static void test_moments_erlang(void **state)
{
    (void)state;
    /* k = 3: one chunk; k = 40: three chunks of the product of uniforms */
    double m = 90, k = 3, v = m * m / k;
    check_moments("erlang(3, 90 s)", CT_DIM_TIME, 2, m, v, v * v * (3 + 6 / k));
    m = 10, k = 40, v = m * m / k;
    check_moments("erlang(40, 10)", CT_DIM_NONE, 3, m, v, v * v * (3 + 6 / k));
}

static void test_moments_normal(void **state)
{
    (void)state;
    /* a time far from 0 (P(X < 0) = Phi(-10) ~ 8e-24): truncation invisible */
    check_moments("normal(100 s, 10 s)", CT_DIM_TIME, 4, 100, 100, 3 * 100 * 100);
    /* not a time: negative values are kept */
    check_moments("normal(-3, 2)", CT_DIM_NONE, 5, -3, 4, 3 * 16);
}

static void test_moments_lognormal(void **state)
{
    (void)state;
    double mean = 10, sd = 3;
    double s2 = log(1 + sd * sd / (mean * mean));
    double mu = log(mean) - s2 / 2;
    double r[5];
    for (int j = 1; j <= 4; j++)
        r[j] = exp(j * mu + j * j * s2 / 2);
    check_moments("lognormal(10, 3)", CT_DIM_NONE, 6, mean, sd * sd,
                  mu4_from_raw(r[1], r[2], r[3], r[4]));
}

static void test_moments_uniform(void **state)
{
    (void)state;
    double a = 2, b = 5, w = b - a;
    check_moments("uniform(2, 5)", CT_DIM_NONE, 7, (a + b) / 2, w * w / 12, w * w * w * w / 80);
}

static void test_moments_triangular(void **state)
{
    (void)state;
    double a = 1, c = 2, b = 6;
    double v = (a * a + b * b + c * c - a * b - a * c - b * c) / 18;
    check_moments("triangular(1, 2, 6)", CT_DIM_NONE, 8, (a + c + b) / 3, v, v * v * 12 / 5);
    /* mode at an end: one branch of the inverse CDF only */
    a = 0, c = 0, b = 3;
    v = (a * a + b * b + c * c - a * b - a * c - b * c) / 18;
    check_moments("triangular(0, 0, 3)", CT_DIM_NONE, 9, (a + c + b) / 3, v, v * v * 12 / 5);
}

static void weibull_case(const char *text, ct_dim dim, uint64_t stream, double k, double lambda)
{
    double r[5];
    for (int j = 1; j <= 4; j++)
        r[j] = pow(lambda, j) * tgamma(1 + j / k);
    check_moments(text, dim, stream, r[1], r[2] - r[1] * r[1], mu4_from_raw(r[1], r[2], r[3], r[4]));
}

static void test_moments_weibull(void **state)
{
    (void)state;
    weibull_case("weibull(1.5, 100)", CT_DIM_NONE, 10, 1.5, 100);
    weibull_case("weibull(0.7, 2 h)", CT_DIM_TIME, 11, 0.7, 7200);
}

static void test_moments_empirical(void **state)
{
    (void)state;
    /* values 1, 2, 2, 7 equally likely: mean 3, var (4+1+1+16)/4, mu4 (16+1+1+256)/4 */
    check_moments("empirical(1, 2, 2, 7)", CT_DIM_NONE, 12, 3, 22.0 / 4, 274.0 / 4);
}

static void test_moments_const(void **state)
{
    (void)state;
    ct_dist d = parse_ok("const(5 min)", CT_DIM_TIME);
    ct_rng rng;
    ct_rng_init(&rng, SEED, 0, 13);
    for (int i = 0; i < 1000; i++)
        assert_true(ct_dist_sample(&d, &rng) == 300.0);
    assert_true(ct_dist_mean(&d) == 300.0);
    assert_true(ct_dist_variance(&d) == 0.0);
}

/* Normal draws are Phi^-1(u) for the next uniform u of the stream, so a
 * twin stream gives the u behind each draw; libm's erfc gives Phi. AS241
 * is good to about 1e-16 in x, i.e. ~1e-14 relative in the tail
 * probability at |x| = 8; 1e-12 leaves room for erfc's own error. */
static double phi_tail(double x) /* P(Z <= x) for x <= 0, else P(Z > x) */
{
    return 0.5 * erfc(fabs(x) / sqrt(2.0));
}

static void check_quantile(double u, double x)
{
    double want = u < 0.5 ? u : 1.0 - u;   /* 1 - u is exact for ct_rng_uniform */
    if ((u < 0.5) != (x < 0) && u != 0.5)
        fail_msg("u = %.17g gave x = %.17g on the wrong side", u, x);
    if (!close_rel(phi_tail(x), want, 1e-12))
        fail_msg("u = %.17g: x = %.17g, Phi tail %.17g, want %.17g", u, x, phi_tail(x), want);
}

static void test_normal_quantile(void **state)
{
    (void)state;
    ct_dist d = parse_ok("normal(0, 1)", CT_DIM_NONE);
    ct_rng a, b;
    ct_rng_init(&a, SEED, 3, 14);
    ct_rng_init(&b, SEED, 3, 14);
    for (int i = 0; i < 100000; i++) {
        double u = ct_rng_uniform(&a);
        check_quantile(u, ct_dist_sample(&d, &b));
    }
    /* The far tails (r = sqrt(-log u) > 5, i.e. u < 1.4e-11) are never
     * reached by chance; load chosen words into the buffer instead. */
    const uint64_t words[] = {0, UINT64_MAX, (uint64_t)1000 << 12, ~((uint64_t)1000 << 12),
                              (uint64_t)1 << 40, ~((uint64_t)1 << 40), (uint64_t)1 << 52,
                              (uint64_t)1 << 63};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        ct_rng r;
        ct_rng_init(&r, 0, 0, 0);
        r.buf[0] = r.buf[1] = words[i];
        r.used = 0;
        double u = ct_rng_uniform(&r);
        check_quantile(u, ct_dist_sample(&d, &r));
    }
}

/* normal(1, 1) as a time: draws below 0 are redrawn, which gives the
 * normal conditioned on X >= 0. With alpha = -1 and lambda = phi(1)/Phi(1),
 * its mean is 1 + lambda and its variance 1 - lambda - lambda^2 (Johnson,
 * Kotz & Balakrishnan, vol. 1, 13.10.1). Clamping to 0 instead would give
 * mean Phi(1) + phi(1) = 1.083, 260 standard errors away. */
static void test_truncated_normal(void **state)
{
    (void)state;
    ct_dist d = parse_ok("normal(1 s, 1 s)", CT_DIM_TIME);
    assert_true(d.truncate_at_zero);
    assert_true(ct_dist_mean(&d) == 1.0);       /* before truncation */
    assert_true(ct_dist_variance(&d) == 1.0);
    ct_rng rng;
    ct_rng_init(&rng, SEED, 0, 15);
    double sum = 0, minimum = INFINITY;
    for (int i = 0; i < N_DRAWS; i++) {
        double x = ct_dist_sample(&d, &rng);
        minimum = fmin(minimum, x);
        sum += x;
    }
    assert_true(minimum >= 0.0);
    const double pi = 3.14159265358979323846;
    double phi1 = exp(-0.5) / sqrt(2 * pi), cdf1 = 0.5 * erfc(-1 / sqrt(2.0));
    double lambda = phi1 / cdf1;
    double mean = 1 + lambda, var = 1 - lambda - lambda * lambda;
    double m = sum / N_DRAWS;
    if (!(fabs(m - mean) <= 5 * sqrt(var / N_DRAWS)))
        fail_msg("truncated normal mean %.6g, want %.6g", m, mean);
}

static void test_truncation_edges(void **state)
{
    (void)state;
    ct_rng rng;
    ct_rng_init(&rng, SEED, 0, 16);

    /* uniform(-1, 1) time: conditioned on >= 0 it is uniform(0, 1) */
    ct_dist d = parse_ok("uniform(-1 s, 1 s)", CT_DIM_TIME);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double x = ct_dist_sample(&d, &rng);
        assert_true(x >= 0.0 && x <= 1.0);
        sum += x;
    }
    assert_true(fabs(sum / 100000 - 0.5) <= 5 * sqrt(1.0 / 12 / 100000));

    /* nothing non-negative to find: after the bounded redraws, 0 */
    d = parse_ok("normal(-50 s, 1 s)", CT_DIM_TIME);
    for (int i = 0; i < 100; i++)
        assert_true(ct_dist_sample(&d, &rng) == 0.0);
    d = parse_ok("const(-5 s)", CT_DIM_TIME);
    assert_true(ct_dist_sample(&d, &rng) == 0.0);
    d = parse_ok("-5 s", CT_DIM_TIME);
    assert_true(ct_dist_sample(&d, &rng) == 0.0);

    /* not a time: no truncation */
    d = parse_ok("normal(-50, 1)", CT_DIM_NONE);
    assert_false(d.truncate_at_zero);
    assert_true(ct_dist_sample(&d, &rng) < 0.0);
}

/* ------------------------------------------------------------------ */
/* Parsing */

typedef struct good_parse {
    const char *text;
    ct_dim dim;
    ct_dist_kind kind;
    double mean, var;
} good_parse;

static void test_parse_good(void **state)
{
    (void)state;
    const double g1 = tgamma(1.5), g2 = tgamma(2.0);
    const good_parse cases[] = {
        {"exp(2 min)", CT_DIM_TIME, CT_DIST_EXP, 120, 14400},
        {"exp (2)", CT_DIM_NONE, CT_DIST_EXP, 2, 4},
        {"5 min", CT_DIM_TIME, CT_DIST_CONST, 300, 0},
        {"  7  ", CT_DIM_NONE, CT_DIST_CONST, 7, 0},
        {"const(20 mg/cm2)", CT_DIM_AREAL_MASS, CT_DIST_CONST, 0.2, 0},
        {"  normal( 60 m/min , 1 m/min ) ", CT_DIM_SPEED, CT_DIST_NORMAL, 1, 1.0 / 3600},
        {"erlang(3, 6 min)", CT_DIM_TIME, CT_DIST_ERLANG, 360, 360.0 * 360 / 3},
        {"lognormal(10 s, 2 s)", CT_DIM_TIME, CT_DIST_LOGNORMAL, 10, 4},
        {"uniform(1 h, 2 h)", CT_DIM_TIME, CT_DIST_UNIFORM, 5400, 3600.0 * 3600 / 12},
        {"triangular(1 min, 2 min, 4 min)", CT_DIM_TIME, CT_DIST_TRIANGULAR, 140, 1400},
        {"weibull(2, 3 h)", CT_DIM_TIME, CT_DIST_WEIBULL, 10800 * g1,
         10800.0 * 10800 * (g2 - g1 * g1)},
        {"empirical(1 min, 2 min, 3 min)", CT_DIM_TIME, CT_DIST_EMPIRICAL, 120, 2400},
        {"empirical(42)", CT_DIM_NONE, CT_DIST_EMPIRICAL, 42, 0},
        {"normal(96 %, 1 %)", CT_DIM_NONE, CT_DIST_NORMAL, 0.96, 1e-4},
        /* a spread in K is the same spread in C; the mean gets the offset */
        {"normal(25 C, 2 K)", CT_DIM_TEMPERATURE, CT_DIST_NORMAL, 25, 4},
        {"normal(298.15 K, 2 K)", CT_DIM_TEMPERATURE, CT_DIST_NORMAL, 25, 4},
        {"normal(5, 0)", CT_DIM_NONE, CT_DIST_NORMAL, 5, 0},
        {"triangular(1, 1, 2)", CT_DIM_NONE, CT_DIST_TRIANGULAR, 4.0 / 3, (1 + 4 + 1 - 1 - 2 - 2) / 18.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_dist d = parse_ok(cases[i].text, cases[i].dim);
        if (d.kind != cases[i].kind)
            fail_msg("%s: kind %d, want %d", cases[i].text, (int)d.kind, (int)cases[i].kind);
        /* truncation applies only to times, and only where a draw could
         * be negative (a normal, or a lower bound below zero) */
        if (cases[i].dim != CT_DIM_TIME || cases[i].kind != CT_DIST_NORMAL)
            assert_false(d.truncate_at_zero && ct_dist_mean(&d) - 10 * sqrt(ct_dist_variance(&d)) >= 0);
        if (!close_rel(ct_dist_mean(&d), cases[i].mean, 1e-12) &&
            !(fabs(ct_dist_mean(&d) - cases[i].mean) < 1e-12))
            fail_msg("%s: mean %.17g, want %.17g", cases[i].text, ct_dist_mean(&d), cases[i].mean);
        if (!close_rel(ct_dist_variance(&d), cases[i].var, 1e-12) &&
            !(fabs(ct_dist_variance(&d) - cases[i].var) < 1e-12))
            fail_msg("%s: variance %.17g, want %.17g", cases[i].text, ct_dist_variance(&d),
                     cases[i].var);
        assert_true((d.values != NULL) == (d.kind == CT_DIST_EMPIRICAL));
        ct_dist_clear(&d);
    }
}

typedef struct bad_parse {
    const char *text;
    ct_dim dim;
    const char *phrase;   /* must appear in why */
} bad_parse;

static const bad_parse BAD[] = {
    {"exp(-1)", CT_DIM_TIME, "exp(mean): mean must be > 0, got -1"},
    {"exp(0 s)", CT_DIM_TIME, "exp(mean): mean must be > 0, got 0 s"},
    {"normal(5)", CT_DIM_TIME, "normal(mean, sd): expected 2 arguments, got 1"},
    {"normal(1, 2, 3)", CT_DIM_TIME, "normal(mean, sd): expected 2 arguments, got 3"},
    {"exp()", CT_DIM_TIME, "exp(mean): expected 1 argument, got 0"},
    {"exp(1, 2)", CT_DIM_TIME, "exp(mean): expected 1 argument, got 2"},
    {"foo(1)", CT_DIM_TIME,
     "unknown distribution \"foo\"; expected one of const, exp, erlang, normal, lognormal, "
     "uniform, triangular, weibull, empirical"},
    {"Exp(1)", CT_DIM_TIME, "unknown distribution \"Exp\""},
    {"abc", CT_DIM_TIME, "unknown distribution \"abc\""},
    {"inf", CT_DIM_TIME, "unknown distribution \"inf\""},
    {"exp 5", CT_DIM_TIME, "exp(mean): expected \"(\" after \"exp\""},
    {"exp", CT_DIM_TIME, "exp(mean): expected \"(\" after \"exp\""},
    {"exp(5", CT_DIM_TIME, "exp(mean): missing \")\""},
    {"exp(5) junk", CT_DIM_TIME, "exp(mean): unexpected text after \")\": \"junk\""},
    {"exp(5)x", CT_DIM_TIME, "unexpected text after \")\""},
    {"exp(5))", CT_DIM_TIME, "unexpected text after \")\""},
    {"exp(5 kg)", CT_DIM_TIME, "exp(mean): mean: expected a time such as \"2 min\", got \"5 kg\""},
    {"exp(nan)", CT_DIM_TIME, "exp(mean): mean: expected a time"},
    {"exp(1e999)", CT_DIM_TIME, "out of range"},
    {"normal(5, -1)", CT_DIM_TIME, "normal(mean, sd): sd must be >= 0, got -1"},
    {"normal(5,)", CT_DIM_TIME, "normal(mean, sd): sd: expected a time such as \"2 min\", got \"\""},
    {"lognormal(0, 1)", CT_DIM_NONE, "lognormal(mean, sd): mean must be > 0, got 0"},
    {"lognormal(1, -1)", CT_DIM_NONE, "lognormal(mean, sd): sd must be >= 0, got -1"},
    {"uniform(2, 1)", CT_DIM_NONE, "uniform(a, b): expected a < b, got a = 2, b = 1"},
    {"uniform(1, 1)", CT_DIM_NONE, "uniform(a, b): expected a < b"},
    {"triangular(1, 5, 3)", CT_DIM_NONE, "triangular(a, mode, b): expected a <= mode <= b"},
    {"triangular(1, 1, 1)", CT_DIM_NONE, "and a < b"},
    {"weibull(0, 1)", CT_DIM_NONE, "weibull(shape, scale): shape must be > 0, got 0"},
    {"weibull(1, -2)", CT_DIM_NONE, "weibull(shape, scale): scale must be > 0, got -2"},
    {"weibull(2 min, 1 h)", CT_DIM_TIME, "weibull(shape, scale): shape: expected a number"},
    {"erlang(2.5, 1)", CT_DIM_NONE, "erlang(k, mean): k must be an integer from 1 to 1000, got 2.5"},
    {"erlang(0, 1)", CT_DIM_NONE, "k must be an integer from 1 to 1000, got 0"},
    {"erlang(1001, 1)", CT_DIM_NONE, "k must be an integer from 1 to 1000, got 1001"},
    {"erlang(2, 0)", CT_DIM_NONE, "erlang(k, mean): mean must be > 0, got 0"},
    {"empirical()", CT_DIM_NONE, "empirical(v1, v2, ...): expected at least 1 value, got 0"},
    {"empirical(1, , 3)", CT_DIM_NONE, "empirical(v1, v2, ...): v2: expected a number"},
    {"empirical(1 min, 2 kg)", CT_DIM_TIME, "v2: expected a time such as \"2 min\", got \"2 kg\""},
    {"", CT_DIM_TIME, "expected a time such as \"2 min\", got \"\""},
    {"5 kg", CT_DIM_TIME, "expected a time such as \"2 min\", got \"5 kg\""},
    {"-inf", CT_DIM_TIME, "expected a time"},
    {"(5)", CT_DIM_TIME, "expected a time"},
};

static void test_parse_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        ct_dist d;
        d.kind = CT_DIST_EXP;          /* garbage the parser must reset */
        d.values = (double *)&d;
        char why[512] = "";
        ct_status st = ct_dist_parse(BAD[i].text, BAD[i].dim, &d, why, sizeof why);
        if (st != CT_ERR_PARSE)
            fail_msg("\"%s\": status %d, want CT_ERR_PARSE", BAD[i].text, (int)st);
        if (strstr(why, BAD[i].phrase) == NULL)
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", BAD[i].text, why, BAD[i].phrase);
        /* on failure out is const(0) and safe to clear */
        assert_int_equal(d.kind, CT_DIST_CONST);
        assert_null(d.values);
        assert_true(d.p[0] == 0.0);
        ct_dist_clear(&d);
    }
    /* no message buffer: still a status */
    ct_dist d;
    assert_int_equal(ct_dist_parse("exp(-1)", CT_DIM_TIME, &d, NULL, 0), CT_ERR_PARSE);
}

/* ------------------------------------------------------------------ */
/* Canonical text */

static void check_format(const char *text, ct_dim dim, const char *want)
{
    ct_dist d = parse_ok(text, dim);
    char buf[256];
    ct_dist_format(&d, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("%s: formatted \"%s\", want \"%s\"", text, buf, want);
    ct_dist_clear(&d);
}

static void test_format(void **state)
{
    (void)state;
    check_format("exp(2 min)", CT_DIM_TIME, "exp(120)");
    check_format("5 min", CT_DIM_TIME, "const(300)");
    check_format("normal(0.1, 0.2)", CT_DIM_NONE, "normal(0.1, 0.2)");
    check_format("erlang(3, 6 min)", CT_DIM_TIME, "erlang(3, 360)");
    check_format("lognormal(10, 2)", CT_DIM_NONE, "lognormal(10, 2)");
    check_format("uniform(2,5)", CT_DIM_NONE, "uniform(2, 5)");
    check_format("triangular(1,2,6)", CT_DIM_NONE, "triangular(1, 2, 6)");
    check_format("weibull(1.5, 100)", CT_DIM_NONE, "weibull(1.5, 100)");
    check_format("empirical(1, 2.5, -3)", CT_DIM_NONE, "empirical(1, 2.5, -3)");
    check_format("1e-300", CT_DIM_NONE, "const(1e-300)");
    /* 1/60 needs all 17 digits to read back */
    check_format("const(1 m/min)", CT_DIM_SPEED, "const(0.016666666666666666)");
    /* callers build const(inf) themselves (".inf" in YAML) */
    ct_dist inf = ct_dist_const(INFINITY);
    char buf[32];
    ct_dist_format(&inf, buf, sizeof buf);
    assert_string_equal(buf, "const(inf)");
}

/* format then parse gives back the same ct_dist, bit for bit. */
static void test_format_round_trip(void **state)
{
    (void)state;
    const struct {
        const char *text;
        ct_dim dim;
    } cases[] = {
        {"exp(2 min)", CT_DIM_TIME},
        {"0.1", CT_DIM_NONE},
        {"normal(60 m/min, 1 m/min)", CT_DIM_SPEED},
        {"erlang(7, 1 h)", CT_DIM_TIME},
        {"lognormal(0.3, 0.07)", CT_DIM_NONE},
        {"uniform(1 min, 7 min)", CT_DIM_TIME},
        {"triangular(0.1, 0.2, 0.7)", CT_DIM_NONE},
        {"weibull(1.3, 3 d)", CT_DIM_TIME},
        {"empirical(0.1 mm, 0.2 mm, 0.3 mm)", CT_DIM_LENGTH},
        {"normal(298.15 K, 2 K)", CT_DIM_TEMPERATURE},
        {"const(20 mg/cm2)", CT_DIM_AREAL_MASS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_dist a = parse_ok(cases[i].text, cases[i].dim);
        char buf[512];
        ct_dist_format(&a, buf, sizeof buf);
        ct_dist b = parse_ok(buf, cases[i].dim);
        if (a.kind != b.kind || a.truncate_at_zero != b.truncate_at_zero ||
            memcmp(a.p, b.p, sizeof a.p) != 0 || a.n_values != b.n_values)
            fail_msg("%s -> \"%s\" does not read back the same", cases[i].text, buf);
        for (size_t j = 0; j < a.n_values; j++)
            assert_true(a.values[j] == b.values[j]);
        ct_dist_clear(&a);
        ct_dist_clear(&b);
    }
}

static void test_format_small_buffer(void **state)
{
    (void)state;
    ct_dist d = parse_ok("empirical(1, 2, 3, 4, 5, 6, 7, 8, 9)", CT_DIM_NONE);
    char buf[8];
    memset(buf, 'x', sizeof buf);
    ct_dist_format(&d, buf, 6);
    assert_string_equal(buf, "empir");
    assert_int_equal(buf[6], 'x');   /* nothing written past buflen */
    ct_dist_format(&d, buf, 1);
    assert_string_equal(buf, "");
    ct_dist_format(&d, NULL, 0);
    ct_dist_clear(&d);
}

/* ------------------------------------------------------------------ */
/* Ownership */

static void test_copy_clear(void **state)
{
    (void)state;
    ct_dist a = parse_ok("empirical(1 min, 2 min, 3 min)", CT_DIM_TIME);
    ct_dist b;
    assert_int_equal(ct_dist_copy(&b, &a), CT_OK);
    assert_true(b.values != a.values);
    assert_int_equal(b.n_values, 3);
    assert_true(b.values[2] == 180.0);
    assert_true(b.truncate_at_zero == a.truncate_at_zero);

    /* same parameters, same stream: same draws */
    ct_rng r1, r2;
    ct_rng_init(&r1, SEED, 1, 1);
    ct_rng_init(&r2, SEED, 1, 1);
    for (int i = 0; i < 100; i++)
        assert_true(ct_dist_sample(&a, &r1) == ct_dist_sample(&b, &r2));

    ct_dist_clear(&a);
    assert_int_equal(a.kind, CT_DIST_CONST);
    assert_null(a.values);
    assert_true(b.values[0] == 60.0);   /* the copy owns its own table */
    ct_dist_clear(&b);
    ct_dist_clear(NULL);

    ct_dist c = parse_ok("normal(1, 2)", CT_DIM_NONE), e;
    assert_int_equal(ct_dist_copy(&e, &c), CT_OK);
    assert_null(e.values);
    assert_true(memcmp(c.p, e.p, sizeof c.p) == 0);
    assert_int_equal(ct_dist_copy(&c, &c), CT_OK);

    ct_dist k = ct_dist_const(2.5);
    assert_int_equal(k.kind, CT_DIST_CONST);
    assert_false(k.truncate_at_zero);
    assert_true(ct_dist_mean(&k) == 2.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments_exp),
        cmocka_unit_test(test_exp_tail_probabilities),
        cmocka_unit_test(test_moments_erlang),
        cmocka_unit_test(test_moments_normal),
        cmocka_unit_test(test_moments_lognormal),
        cmocka_unit_test(test_moments_uniform),
        cmocka_unit_test(test_moments_triangular),
        cmocka_unit_test(test_moments_weibull),
        cmocka_unit_test(test_moments_empirical),
        cmocka_unit_test(test_moments_const),
        cmocka_unit_test(test_normal_quantile),
        cmocka_unit_test(test_truncated_normal),
        cmocka_unit_test(test_truncation_edges),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_format_small_buffer),
        cmocka_unit_test(test_copy_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
