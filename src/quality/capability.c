/*
 * capability.c - process capability indices Cp, Cpk (from the sigma within
 * subgroups, i.e. what the process could do) and Pp, Ppk (from the overall
 * sample sd, i.e. what it did), for `celltwin capability` and for judging
 * a simulated line's output against electrode or cell specifications.
 * Definitions: Montgomery, Introduction to Statistical Quality Control,
 * ch. 8; NIST/SEMATECH e-Handbook 6.1.6.
 */
#include "celltwin/quality.h"

#include <math.h>

ct_status ct_capability_compute(const double *x, size_t n, size_t subgroup,
                                ct_within_method within, double lsl, double usl,
                                ct_capability *out, ct_error *err)
{
    if (!isfinite(lsl) || !isfinite(usl))
        return ct_error_set(err, CT_ERR_INVALID, "specification limits must be finite numbers");
    if (!(lsl < usl))
        return ct_error_set(err, CT_ERR_INVALID,
                            "lower specification limit %g must be below the upper limit %g", lsl,
                            usl);
    size_t m = subgroup > 1 ? subgroup : 1;
    if (m > CT_SPC_MAX_SUBGROUP)
        return ct_error_set(err, CT_ERR_INVALID, "subgroup size %zu is above the maximum %d", m,
                            CT_SPC_MAX_SUBGROUP);
    if (within == CT_WITHIN_SD && m < 2)
        return ct_error_set(err, CT_ERR_INVALID,
                            "sigma within from subgroup sds needs subgroups of at least 2");
    if (n < 2)
        return ct_error_set(err, CT_ERR_INVALID, "capability needs at least 2 values, got %zu", n);
    if (n % m != 0)
        return ct_error_set(err, CT_ERR_INVALID,
                            "%zu values do not divide into subgroups of %zu (%zu left over)", n, m,
                            n % m);

    ct_summary s;
    ct_status st = ct_summary_compute(x, n, &s, err);
    if (st != CT_OK)
        return st;

    double sw;
    if (m == 1) {
        double mr = 0.0;
        for (size_t i = 1; i < n; i++)
            mr += fabs(x[i] - x[i - 1]);
        sw = mr / (double)(n - 1) / ct_spc_d2(2);
    } else {
        double acc = 0.0;
        for (size_t j = 0; j < n / m; j++) {
            const double *y = x + j * m;
            if (within == CT_WITHIN_SD) {
                double mean = 0.0, ss = 0.0;
                for (size_t i = 0; i < m; i++)
                    mean += y[i];
                mean /= (double)m;
                for (size_t i = 0; i < m; i++)
                    ss += (y[i] - mean) * (y[i] - mean);
                acc += sqrt(ss / (double)(m - 1));
            } else {
                double lo = y[0], hi = y[0];
                for (size_t i = 1; i < m; i++) {
                    lo = y[i] < lo ? y[i] : lo;
                    hi = y[i] > hi ? y[i] : hi;
                }
                acc += hi - lo;
            }
        }
        acc /= (double)(n / m);
        sw = within == CT_WITHIN_SD ? acc / ct_spc_c4((int)m) : acc / ct_spc_d2((int)m);
    }
    if (!(sw > 0.0) || !(s.sd > 0.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "the data show no variation %s, so capability is undefined",
                            s.sd > 0.0 ? "within subgroups" : "at all");

    out->n = n;
    out->subgroup = m;
    out->mean = s.mean;
    out->sigma_within = sw;
    out->sigma_overall = s.sd;
    out->cp = (usl - lsl) / (6.0 * sw);
    out->cpu = (usl - s.mean) / (3.0 * sw);
    out->cpl = (s.mean - lsl) / (3.0 * sw);
    out->cpk = fmin(out->cpu, out->cpl);
    out->pp = (usl - lsl) / (6.0 * s.sd);
    out->ppu = (usl - s.mean) / (3.0 * s.sd);
    out->ppl = (s.mean - lsl) / (3.0 * s.sd);
    out->ppk = fmin(out->ppu, out->ppl);
    return CT_OK;
}
