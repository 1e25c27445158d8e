/*
 * test_probability.c - the distribution functions of quality.h against
 * published quantiles and closed forms.
 *
 * Sources: Student t and normal quantiles from standard tables (e.g.
 * Abramowitz & Stegun 26.7, NIST/SEMATECH e-Handbook 1.3.6.7.2), quoted to
 * the digits in the issue, or extended with 40-digit mpmath where marked; closed forms of the t cdf for 1 and 2 degrees of
 * freedom (Cauchy: 1/2 + atan(t)/pi; df 2: 1/2 + t/(2 sqrt(2 + t^2)),
 * rearranged for t < 0 so the lower tail does not cancel); the
 * chi-square survival function for 1 and 2 degrees of freedom (erfc and
 * exp); Fisher's tea-tasting table (Fisher 1935) for the hypergeometric tail.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "celltwin/quality.h"

#define PI 3.141592653589793238462643383280

static void assert_rel(double got, double want, double rel)
{
    double tol = rel * fabs(want);
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g (relative tolerance %g)", got, want, rel);
}

static void assert_abs(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

static void test_t_quantiles_published(void **state)
{
    (void)state;
    /* The issue quotes these to 15, 15, 9 and 13 significant digits. */
    assert_rel(ct_student_t_quantile(0.975, 1), 12.7062047361747, 1e-13);
    assert_rel(ct_student_t_quantile(0.975, 9), 2.26215716279820, 1e-14);
    assert_rel(ct_student_t_quantile(0.975, 29), 2.04522964, 5e-9);
    assert_rel(ct_student_t_quantile(0.975, INFINITY), 1.959963984540, 1e-12);
    /* Tables give t_{0.995,4} = 4.604, t_{0.9,120} = 1.289 (A&S 26.7); the
     * digits here are from a 40-digit mpmath evaluation of the incomplete
     * beta. df = 2 has the closed form (2p - 1)/sqrt(2 p (1 - p)). */
    assert_rel(ct_student_t_quantile(0.995, 4), 4.604094871349993, 1e-13);
    assert_rel(ct_student_t_quantile(0.9, 120), 1.288646233656378, 1e-13);
    assert_rel(ct_student_t_quantile(0.95, 2), 0.9 / sqrt(2.0 * 0.95 * 0.05), 1e-13);
}

static void test_normal(void **state)
{
    (void)state;
    assert_rel(ct_normal_quantile(0.975), 1.959963984540054, 1e-15);
    assert_rel(ct_normal_quantile(0.5 + 0.5 * 0.9973002039367398), 3.0, 1e-14);
    assert_abs(ct_normal_quantile(0.5), 0.0, 0.0);
    assert_true(isinf(ct_normal_quantile(0.0)) && ct_normal_quantile(0.0) < 0);
    assert_true(isinf(ct_normal_quantile(1.0)) && ct_normal_quantile(1.0) > 0);
    assert_true(isnan(ct_normal_quantile(1.5)));
    /* Round trips, including the far tail where 1 - p would lose p. */
    const double ps[] = { 1e-300, 1e-20, 1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-10 };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double x = ct_normal_quantile(ps[i]);
        double back = ps[i] < 0.5 ? ct_normal_cdf(x) : 1.0 - ct_normal_sf(x);
        /* dp/p = |x| dx near the tail, so the round trip magnifies the
         * quantile's own rounding by |x|. */
        assert_rel(back, ps[i], 1e-14 * (1.0 + fabs(x)));
    }
    assert_abs(ct_normal_cdf(0.0), 0.5, 0.0);
    assert_rel(ct_normal_sf(-1.3), ct_normal_cdf(1.3), 1e-16);
}

static void test_t_cdf_closed_forms_and_symmetry(void **state)
{
    (void)state;
    const double ts[] = { -50.0, -7.0, -2.5, -1.0, -0.1, 0.0, 0.3, 1.0, 2.0, 12.7, 1e3 };
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        double t = ts[i];
        double r = sqrt(2.0 + t * t);
        double cauchy = t < 0 ? atan(-1.0 / t) / PI : 0.5 + atan(t) / PI;
        double two = t < 0 ? 1.0 / (r * (r - t)) : 0.5 + t / (2.0 * r);
        assert_rel(ct_student_t_cdf(t, 1), cauchy, 1e-13);
        assert_rel(ct_student_t_cdf(t, 2), two, 1e-13);
        const double dfs[] = { 1, 2.5, 9, 29, 300, 4999, 5001, 1e6 };
        for (size_t j = 0; j < sizeof dfs / sizeof dfs[0]; j++) {
            double lo = ct_student_t_cdf(-t, dfs[j]), hi = ct_student_t_cdf(t, dfs[j]);
            assert_abs(lo + hi, 1.0, 2e-16);
        }
    }
    assert_abs(ct_student_t_cdf(0.0, 7), 0.5, 0.0);
    assert_true(isnan(ct_student_t_cdf(1.0, 0.0)));
    assert_true(isnan(ct_student_t_quantile(0.5, -1.0)));
}

static void test_t_quantile_round_trip(void **state)
{
    (void)state;
    const double dfs[] = { 1, 1.5, 2, 3, 4.5, 9, 29, 100, 1000, 4999, 5001, 1e5, 1e9 };
    const double ps[] = { 1e-12, 1e-6, 0.001, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999, 1 - 1e-9 };
    for (size_t i = 0; i < sizeof dfs / sizeof dfs[0]; i++)
        for (size_t j = 0; j < sizeof ps / sizeof ps[0]; j++) {
            double p = ps[j], df = dfs[i];
            double t = ct_student_t_quantile(p, df);
            /* Symmetry: the p and 1 - p quantiles are negatives (tested for
             * p > 1/2, where 1 - p is exact in floating point). */
            if (p > 0.5)
                assert_rel(ct_student_t_quantile(1.0 - p, df), -t, 1e-13);
            /* Compare tails, so small probabilities keep relative accuracy. */
            double tail = p < 0.5 ? ct_student_t_cdf(t, df) : 1.0 - ct_student_t_cdf(t, df);
            double want = p < 0.5 ? p : 1.0 - p;
            assert_rel(tail, want, p < 0.5 ? 1e-11 : 1e-6);
        }
    /* Degrees of freedom growing toward the normal. */
    assert_true(ct_student_t_quantile(0.975, 1e4) > ct_student_t_quantile(0.975, INFINITY));
    /* (z^3 + z)/(4 df), the first correction, is 2e-16 at df = 1e16. */
    assert_rel(ct_student_t_quantile(0.975, 1e16), 1.959963984540054, 1e-15);
}

static void test_chi2_f(void **state)
{
    (void)state;
    const double xs[] = { 0.01, 0.5, 1.0, 3.841458820694124, 10.0, 60.0 };
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i];
        assert_rel(ct_chi2_sf(x, 2), exp(-x / 2.0), 1e-14);
        assert_rel(ct_chi2_sf(x, 1), erfc(sqrt(x / 2.0)), 1e-13);
        assert_abs(ct_chi2_cdf(x, 5) + ct_chi2_sf(x, 5), 1.0, 1e-15);
        /* F(1, d) is the square of t(d): P(F > t^2) = 2 P(T > t). */
        double t = sqrt(x);
        assert_rel(ct_f_sf(x, 1, 7), 2.0 * (1.0 - ct_student_t_cdf(t, 7)), 1e-12);
    }
    /* The 5 % critical value of chi-square(1) is 3.841458820694124. */
    assert_rel(ct_chi2_sf(3.841458820694124, 1), 0.05, 1e-13);
    assert_abs(ct_chi2_sf(-1.0, 3), 1.0, 0.0);
    assert_true(isnan(ct_chi2_sf(1.0, 0.0)));
}

static void test_binomial_hypergeometric(void **state)
{
    (void)state;
    /* Binomial(3, 1/2): 1/8, 3/8, 3/8, 1/8. */
    assert_rel(ct_binomial_pmf(1, 3, 0.5), 0.375, 1e-14);
    assert_rel(ct_binomial_cdf(1, 3, 0.5), 0.5, 1e-14);
    assert_rel(ct_binomial_sf(1, 3, 0.5), 0.5, 1e-14);
    assert_rel(ct_binomial_sf(2, 3, 0.5), 0.125, 1e-14);
    assert_abs(ct_binomial_cdf(-1, 3, 0.5), 0.0, 0.0);
    assert_abs(ct_binomial_sf(3, 3, 0.5), 0.0, 0.0);
    /* Sum of the pmf against the cdf for a skewed case. */
    double s = 0.0;
    for (long k = 0; k <= 7; k++)
        s += ct_binomial_pmf(k, 200, 0.01);
    assert_rel(ct_binomial_cdf(7, 200, 0.01), s, 1e-12);
    assert_rel(ct_binomial_sf(7, 200, 0.01), 1.0 - s, 1e-9);

    /* Fisher's lady tasting tea: 8 cups, 4 with milk first, she picks 4.
     * P(3 or more right) = (16 + 1)/70. */
    assert_rel(ct_hypergeometric_sf(2, 8, 4, 4), 17.0 / 70.0, 1e-13);
    assert_rel(ct_hypergeometric_pmf(4, 8, 4, 4), 1.0 / 70.0, 1e-13);
    assert_rel(ct_hypergeometric_cdf(2, 8, 4, 4), 53.0 / 70.0, 1e-13);
    assert_true(isnan(ct_hypergeometric_pmf(1, 5, 6, 2)));
}

static void test_incomplete_functions(void **state)
{
    (void)state;
    /* I_x(1, 1) = x; I_x(a, 1) = x^a; P(1, x) = 1 - exp(-x). */
    assert_rel(ct_incomplete_beta(1, 1, 0.3), 0.3, 1e-15);
    assert_rel(ct_incomplete_beta(2.5, 1, 0.4), pow(0.4, 2.5), 1e-14);
    assert_rel(ct_incomplete_gamma_p(1, 2.0), 1.0 - exp(-2.0), 1e-15);
    assert_rel(ct_incomplete_gamma_q(1, 30.0), exp(-30.0), 1e-14);
    assert_true(isnan(ct_incomplete_beta(0, 1, 0.5)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_t_quantiles_published),
        cmocka_unit_test(test_normal),
        cmocka_unit_test(test_t_cdf_closed_forms_and_symmetry),
        cmocka_unit_test(test_t_quantile_round_trip),
        cmocka_unit_test(test_chi2_f),
        cmocka_unit_test(test_binomial_hypergeometric),
        cmocka_unit_test(test_incomplete_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
