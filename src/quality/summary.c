/*
 * summary.c - summary statistics of a sample (mean, sd, min, max, lag-1
 * autocorrelation) for `celltwin stats`, and the running-moments
 * accumulator used wherever results arrive one at a time.
 *
 * The batch summary is two-pass in long double with a correction term
 * (the "corrected two-pass algorithm" of Chan, Golub & LeVeque 1983):
 * the NIST StRD data sets NumAcc3/NumAcc4 put a spread of 0.1 on a level of
 * 1e6 / 1e9, where the one-pass textbook formula loses every digit.
 */
#include "celltwin/quality.h"

#include <math.h>

ct_status ct_summary_compute(const double *x, size_t n, ct_summary *out, ct_error *err)
{
    if (n == 0)
        return ct_error_set(err, CT_ERR_INVALID, "no data");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return ct_error_set(err, CT_ERR_INVALID, "value %zu is not a finite number", i + 1);

    long double sum = 0.0L;
    double lo = x[0], hi = x[0];
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
        if (x[i] < lo)
            lo = x[i];
        if (x[i] > hi)
            hi = x[i];
    }
    long double mean = sum / (long double)n;

    /* Second pass: deviations from the first-pass mean. Their sum would be
     * zero in exact arithmetic; what is left is the rounding error of the
     * mean, used both to correct the mean and to compensate the variance. */
    long double sdev = 0.0L, ss = 0.0L;
    for (size_t i = 0; i < n; i++) {
        long double d = (long double)x[i] - mean;
        sdev += d;
        ss += d * d;
    }
    long double corr = sdev / (long double)n;
    mean += corr;
    ss -= sdev * corr;
    if (ss < 0.0L)
        ss = 0.0L;

    /* Third pass for r1 around the corrected mean. */
    long double num = 0.0L, den = 0.0L;
    for (size_t i = 0; i < n; i++) {
        long double d = (long double)x[i] - mean;
        den += d * d;
        if (i > 0)
            num += d * ((long double)x[i - 1] - mean);
    }

    out->n = n;
    out->mean = (double)mean;
    out->min = lo;
    out->max = hi;
    if (n >= 2) {
        out->variance = (double)(ss / (long double)(n - 1));
        out->sd = (double)sqrtl(ss / (long double)(n - 1));
    } else {
        out->variance = NAN;
        out->sd = NAN;
    }
    out->r1 = (n >= 2 && den > 0.0L) ? (double)(num / den) : NAN;
    return CT_OK;
}

/* ---------------- running moments ---------------- */

void ct_moments_init(ct_moments *m)
{
    m->n = 0;
    m->mean = 0.0;
    m->m2 = 0.0;
    m->min = INFINITY;
    m->max = -INFINITY;
}

void ct_moments_clear(ct_moments *m)
{
    ct_moments_init(m);
}

void ct_moments_add(ct_moments *m, double x)
{
    m->n++;
    double d = x - m->mean;
    m->mean += d / (double)m->n;
    m->m2 += d * (x - m->mean);
    if (x < m->min)
        m->min = x;
    if (x > m->max)
        m->max = x;
}

void ct_moments_merge(ct_moments *into, const ct_moments *other)
{
    if (other->n == 0)
        return;
    if (into->n == 0) {
        *into = *other;
        return;
    }
    double na = (double)into->n, nb = (double)other->n, nt = na + nb;
    double d = other->mean - into->mean;
    into->mean += d * nb / nt;
    into->m2 += other->m2 + d * d * na * nb / nt;
    into->n += other->n;
    if (other->min < into->min)
        into->min = other->min;
    if (other->max > into->max)
        into->max = other->max;
}

double ct_moments_mean(const ct_moments *m)
{
    return m->n > 0 ? m->mean : NAN;
}

double ct_moments_variance(const ct_moments *m)
{
    return m->n > 1 ? m->m2 / (double)(m->n - 1) : NAN;
}

double ct_moments_sd(const ct_moments *m)
{
    return sqrt(ct_moments_variance(m));
}

double ct_moments_ci_halfwidth(const ct_moments *m, double level)
{
    if (m->n < 2 || !(level > 0.0 && level < 1.0))
        return NAN;
    double t = ct_student_t_quantile(0.5 + 0.5 * level, (double)(m->n - 1));
    return t * ct_moments_sd(m) / sqrt((double)m->n);
}
