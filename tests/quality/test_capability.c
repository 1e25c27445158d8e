/*
 * test_capability.c - Cp, Cpk, Pp, Ppk (Montgomery, Introduction to SQC,
 * ch. 8) on small data sets whose mean, sd and within-subgroup sigma are
 * worked out by hand below, using the exact n = 2 constants d2 = 2/sqrt(pi)
 * and c4 = sqrt(2/pi).
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

static void assert_near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

static void test_subgroups(void **state)
{
    (void)state;
    /* Subgroups of 2: {10, 12}, {11, 13}, {12, 14}.
     *   mean 72/6 = 12; deviations -2 0 -1 1 0 2, sum of squares 10,
     *   overall sd sqrt(10/5) = sqrt(2).
     *   ranges 2, 2, 2: Rbar = 2, sigma_within = 2/d2(2) = sqrt(pi).
     *   subgroup sds all sqrt(2): sbar/c4(2) = sqrt(2)/sqrt(2/pi) = sqrt(pi).
     * With LSL 6, USL 20 (mean 6 above LSL, 8 below USL):
     *   Cp = 14/(6 sqrt(pi)), Cpk = 6/(3 sqrt(pi)) = 2/sqrt(pi),
     *   Pp = 14/(6 sqrt(2)), Ppk = 6/(3 sqrt(2)) = sqrt(2). */
    const double x[] = { 10, 12, 11, 13, 12, 14 };
    ct_capability c;
    ct_error err;
    assert_int_equal(ct_capability_compute(x, 6, 2, CT_WITHIN_RANGE, 6.0, 20.0, &c, &err), CT_OK);
    assert_near(c.mean, 12.0, 1e-14);
    assert_near(c.sigma_overall, sqrt(2.0), 1e-14);
    assert_near(c.sigma_within, sqrt(PI), 1e-12);
    assert_near(c.cp, 14.0 / (6.0 * sqrt(PI)), 1e-12);
    assert_near(c.cpk, 2.0 / sqrt(PI), 1e-12);
    assert_near(c.cpl, 2.0 / sqrt(PI), 1e-12);
    assert_near(c.cpu, 8.0 / (3.0 * sqrt(PI)), 1e-12);
    assert_near(c.pp, 14.0 / (6.0 * sqrt(2.0)), 1e-13);
    assert_near(c.ppk, sqrt(2.0), 1e-13);
    assert_int_equal(c.subgroup, 2);
    assert_int_equal(c.n, 6);

    assert_int_equal(ct_capability_compute(x, 6, 2, CT_WITHIN_SD, 6.0, 20.0, &c, &err), CT_OK);
    assert_near(c.sigma_within, sqrt(PI), 1e-13);
    assert_near(c.cpk, 2.0 / sqrt(PI), 1e-12);
}

static void test_individuals(void **state)
{
    (void)state;
    /* 10 12 11 13 12 14 13 15: mean 100/8 = 12.5; deviations
     * -2.5 -0.5 -1.5 0.5 -0.5 1.5 0.5 2.5, squares sum to 18, sd sqrt(18/7).
     * Moving ranges 2 1 2 1 2 1 2: MRbar = 11/7, sigma_within =
     * (11/7)/(2/sqrt(pi)) = 11 sqrt(pi)/14 = 1.392642.
     * LSL 8, USL 18: mean is 4.5 from LSL, 5.5 from USL. */
    const double x[] = { 10, 12, 11, 13, 12, 14, 13, 15 };
    double sw = 11.0 * sqrt(PI) / 14.0, so = sqrt(18.0 / 7.0);
    ct_capability c;
    ct_error err;
    assert_int_equal(ct_capability_compute(x, 8, 0, CT_WITHIN_RANGE, 8.0, 18.0, &c, &err), CT_OK);
    assert_near(c.mean, 12.5, 1e-14);
    assert_near(c.sigma_within, sw, 1e-13);
    assert_near(c.sigma_overall, so, 1e-14);
    assert_near(c.cp, 10.0 / (6.0 * sw), 1e-12);      /* 1.196766 */
    assert_near(c.cpk, 4.5 / (3.0 * sw), 1e-12);      /* 1.077089 */
    assert_near(c.pp, 10.0 / (6.0 * so), 1e-12);      /* 1.039349 */
    assert_near(c.ppk, 4.5 / (3.0 * so), 1e-12);      /* 0.935414 */
    assert_near(c.cp, 1.196766, 1e-6);
    assert_near(c.ppk, 0.935414, 1e-6);
    assert_int_equal(c.subgroup, 1);
}

static void test_rejects(void **state)
{
    (void)state;
    const double x[] = { 10, 12, 11, 13, 12, 14, 13 };
    ct_capability c;
    ct_error err;
    ct_error_clear(&err);
    /* LSL above USL. */
    assert_int_equal(ct_capability_compute(x, 7, 1, CT_WITHIN_RANGE, 5.0, 1.0, &c, &err),
                     CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "must be below"));
    assert_int_equal(ct_capability_compute(x, 7, 1, CT_WITHIN_RANGE, 3.0, 3.0, &c, &err),
                     CT_ERR_INVALID);
    assert_int_equal(ct_capability_compute(x, 7, 1, CT_WITHIN_RANGE, NAN, 3.0, &c, &err),
                     CT_ERR_INVALID);
    /* 7 values do not make subgroups of 2. */
    assert_int_equal(ct_capability_compute(x, 7, 2, CT_WITHIN_RANGE, 0.0, 20.0, &c, &err),
                     CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "left over"));
    /* sbar/c4 needs subgroups. */
    assert_int_equal(ct_capability_compute(x, 7, 1, CT_WITHIN_SD, 0.0, 20.0, &c, &err),
                     CT_ERR_INVALID);
    /* Too little data, and no variation. */
    assert_int_equal(ct_capability_compute(x, 1, 1, CT_WITHIN_RANGE, 0.0, 20.0, &c, &err),
                     CT_ERR_INVALID);
    const double flat[] = { 5, 5, 5, 5 };
    assert_int_equal(ct_capability_compute(flat, 4, 1, CT_WITHIN_RANGE, 0.0, 20.0, &c, &err),
                     CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no variation"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subgroups),
        cmocka_unit_test(test_individuals),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
