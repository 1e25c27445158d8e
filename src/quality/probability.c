/*
 * probability.c - distribution functions for the statistics in celltwin:
 * normal, Student t, chi-square, F, binomial and hypergeometric, built on
 * the regularized incomplete beta and gamma functions. Confidence intervals
 * in run reports (t quantiles), contingency and root-cause tests (chi-square,
 * Fisher's exact test) and control-chart constants all come through here.
 *
 * Accuracy is the point of this file, so it avoids the three usual leaks:
 * the front factor x^a y^b / B(a, b) of the incomplete beta is formed from
 * log B(a, b) with Stirling corrections rather than a difference of large
 * log-gamma values; 1 - x is passed alongside x instead of being recomputed;
 * and upper tails are computed directly instead of as 1 - cdf.
 * References: Wichura (1988) AS 241 for the normal quantile; Numerical
 * Recipes 6.2/6.4 (Lentz continued fractions); R's nmath (lbeta, lgammacor)
 * for the log-beta decomposition; Abramowitz & Stegun 26.7.5 for the
 * Cornish-Fisher expansion of t for large degrees of freedom.
 */
#include "celltwin/dist.h"
#include "celltwin/quality.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#define LN_SQRT_2PI 0.918938533204672741780329736406 /* log(sqrt(2 pi)) */
#define SQRT_2PI    2.506628274631000502415765284811
#define PI          3.141592653589793238462643383280
/* Above this many degrees of freedom the t functions use the Cornish-Fisher
 * expansion instead of the incomplete beta. Measured against 40-digit
 * mpmath: the continued fraction's rounding error grows with df (2e-13 at
 * df = 3000, 2e-12 at 1e5), while the expansion's truncation error, O(df^-5),
 * is below 3e-15 at df = 5000 for tail probabilities down to 1e-12. */
#define T_DF_ASYMPTOTIC 5000.0
#define CF_EPS   1e-16
#define CF_TINY  1e-300
#define CF_MAXIT 100000

/* ---------------- normal ---------------- */

double ct_normal_pdf(double x)
{
    return exp(-0.5 * x * x) / SQRT_2PI;
}

double ct_normal_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

double ct_normal_sf(double x)
{
    return 0.5 * erfc(x / sqrt(2.0));
}


double ct_normal_quantile(double p)
{
    if (isnan(p) || p < 0.0 || p > 1.0)
        return NAN;
    if (p == 0.0)
        return -INFINITY;
    if (p == 1.0)
        return INFINITY;
    double x = ct_std_normal_quantile(p);   /* AS241, then polished */
    /* One Halley step against erfc polishes the last ulp or two; the tail
     * that is closer to zero is used so the residual has no cancellation. */
    double e = p < 0.5 ? ct_normal_cdf(x) - p : (1.0 - p) - ct_normal_sf(x);
    if (isfinite(x) && fabs(x) < 37.0) {
        double u = e * SQRT_2PI * exp(0.5 * x * x);
        x = x - u / (1.0 + 0.5 * x * u);
    }
    return x;
}

/* ---------------- log gamma / log beta ---------------- */

/* Stirling remainder lgamma(x) - ((x-1/2) log x - x + log sqrt(2 pi)),
 * x >= 10: the asymptotic series through B16 is exact to double there. */
static double lgammacor(double x)
{
    static const double c[] = {
        1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0,
        1.0 / 1188.0, -691.0 / 360360.0, 1.0 / 156.0, -3617.0 / 122400.0
    };
    double x2 = 1.0 / (x * x), s = 0.0;
    for (int i = 7; i >= 0; i--)
        s = s * x2 + c[i];
    return s / x;
}

double ct_log_gamma(double x)
{
    if (isnan(x) || x <= 0.0)
        return NAN;
    if (isinf(x))
        return INFINITY;
    if (x < 1e-8) /* Gamma(x) = 1/x - Euler's gamma + O(x) */
        return -log(x) - 0.57721566490153286061 * x;
    if (x < 10.0) /* tgamma is exact to a few ulps here and, unlike
                   * lgamma, writes no global (signgam) */
        return log(tgamma(x));
    return (x - 0.5) * log(x) - x + LN_SQRT_2PI + lgammacor(x);
}

/* log B(a, b) without subtracting large log-gamma values (R nmath's lbeta). */
static double lbeta(double a, double b)
{
    double p = fmin(a, b), q = fmax(a, b);
    if (p >= 10.0) {
        double corr = lgammacor(p) + lgammacor(q) - lgammacor(p + q);
        return -0.5 * log(q) + LN_SQRT_2PI + corr + (p - 0.5) * log(p / (p + q))
               + q * log1p(-p / (p + q));
    }
    if (q >= 10.0) {
        double corr = lgammacor(q) - lgammacor(p + q);
        return ct_log_gamma(p) + corr + p - p * log(p + q) + (q - 0.5) * log1p(-p / (p + q));
    }
    return ct_log_gamma(p) + ct_log_gamma(q) - ct_log_gamma(p + q);
}

double ct_log_beta(double a, double b)
{
    if (isnan(a) || isnan(b) || a <= 0.0 || b <= 0.0)
        return NAN;
    return lbeta(a, b);
}

/* log(1 + d) - d, accurate for small d where the two terms cancel. */
static double log1pmx(double d)
{
    if (fabs(d) > 0.25)
        return log1p(d) - d;
    /* -d^2/2 + d^3/3 - ...; |d| <= 1/4 needs about 25 terms. */
    double term = d, s = 0.0;
    for (int k = 2; k < 60; k++) {
        term *= -d;
        double add = term / k;
        s += add;
        if (fabs(add) < 1e-17 * fabs(s))
            break;
    }
    return s;
}

/* ---------------- incomplete beta ---------------- */

/* Continued fraction for I_x(a, b) (Numerical Recipes betacf, modified
 * Lentz). Converges quickly for x < (a + 1) / (a + b + 2). */
static double betacf(double a, double b, double x)
{
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < CF_TINY)
        d = CF_TINY;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= CF_MAXIT; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < CF_TINY)
            d = CF_TINY;
        c = 1.0 + aa / c;
        if (fabs(c) < CF_TINY)
            c = CF_TINY;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < CF_TINY)
            d = CF_TINY;
        c = 1.0 + aa / c;
        if (fabs(c) < CF_TINY)
            c = CF_TINY;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < CF_EPS)
            break;
    }
    return h;
}

/* I_x(a, b) and its complement 1 - I_x(a, b), each accurate in its own
 * right: y = 1 - x is an argument so callers that know it exactly (t and F
 * tails) do not lose it to rounding. Whichever of the two is computed from
 * the continued fraction is accurate to relative error; the other is 1 minus
 * it. */
static void ibeta(double a, double b, double x, double y, double *w, double *wc)
{
    if (x <= 0.0) {
        *w = 0.0;
        *wc = 1.0;
        return;
    }
    if (y <= 0.0) {
        *w = 1.0;
        *wc = 0.0;
        return;
    }
    double lx = x > 0.5 ? log1p(-y) : log(x);
    double ly = y > 0.5 ? log1p(-x) : log(y);
    double lfront = a * lx + b * ly - lbeta(a, b);
    if (x < (a + 1.0) / (a + b + 2.0)) {
        *w = exp(lfront) * betacf(a, b, x) / a;
        *wc = 1.0 - *w;
    } else {
        *wc = exp(lfront) * betacf(b, a, y) / b;
        *w = 1.0 - *wc;
    }
}

double ct_incomplete_beta(double a, double b, double x)
{
    if (isnan(a) || isnan(b) || isnan(x) || a <= 0.0 || b <= 0.0 || x < 0.0 || x > 1.0)
        return NAN;
    double w, wc;
    ibeta(a, b, x, 1.0 - x, &w, &wc);
    return w;
}

/* ---------------- incomplete gamma ---------------- */

/* log(x^a e^-x / Gamma(a)), the common factor of P and Q. For a >= 10 it is
 * rearranged around x = a so the large terms cancel analytically. */
static double gamma_lfront(double a, double x)
{
    if (a >= 10.0)
        return a * log1pmx((x - a) / a) + 0.5 * log(a) - LN_SQRT_2PI - lgammacor(a);
    return -x + a * log(x) - ct_log_gamma(a);
}

static void igamma(double a, double x, double *p, double *q)
{
    if (x <= 0.0) {
        *p = 0.0;
        *q = 1.0;
        return;
    }
    double lf = gamma_lfront(a, x);
    if (x < a + 1.0) {
        double ap = a, del = 1.0 / a, sum = del;
        for (int n = 0; n < CF_MAXIT; n++) {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * CF_EPS)
                break;
        }
        *p = sum * exp(lf);
        *q = 1.0 - *p;
    } else {
        double b = x + 1.0 - a, c = 1.0 / CF_TINY, d = 1.0 / b, h = d;
        for (int i = 1; i <= CF_MAXIT; i++) {
            double an = -i * (i - a);
            b += 2.0;
            d = an * d + b;
            if (fabs(d) < CF_TINY)
                d = CF_TINY;
            c = b + an / c;
            if (fabs(c) < CF_TINY)
                c = CF_TINY;
            d = 1.0 / d;
            double del = d * c;
            h *= del;
            if (fabs(del - 1.0) < CF_EPS)
                break;
        }
        *q = exp(lf) * h;
        *p = 1.0 - *q;
    }
}

double ct_incomplete_gamma_p(double a, double x)
{
    if (isnan(a) || isnan(x) || a <= 0.0 || x < 0.0)
        return NAN;
    if (isinf(x))
        return 1.0;
    double p, q;
    igamma(a, x, &p, &q);
    return p;
}

double ct_incomplete_gamma_q(double a, double x)
{
    if (isnan(a) || isnan(x) || a <= 0.0 || x < 0.0)
        return NAN;
    if (isinf(x))
        return 0.0;
    double p, q;
    igamma(a, x, &p, &q);
    return q;
}

/* ---------------- Student t ---------------- */

/* Cornish-Fisher: t = z + g1/df + g2/df^2 + g3/df^3 + g4/df^4
 * (Abramowitz & Stegun 26.7.5). */
static double t_from_z(double z, double df)
{
    double z2 = z * z;
    double g1 = (z2 + 1.0) * z / 4.0;
    double g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    double g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    double g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    double v = 1.0 / df;
    return z + v * (g1 + v * (g2 + v * (g3 + v * g4)));
}

/* Inverse of t_from_z by Newton from z = t (the map is within 1e-5 of the
 * identity for the degrees of freedom where it is used). */
static double z_from_t(double t, double df)
{
    double z = t;
    for (int i = 0; i < 8; i++) {
        double h = 1e-6 * fmax(1.0, fabs(z));
        double f = t_from_z(z, df) - t;
        double fp = (t_from_z(z + h, df) - t_from_z(z - h, df)) / (2.0 * h);
        double dz = f / fp;
        z -= dz;
        if (fabs(dz) <= 1e-17 * fmax(1.0, fabs(z)))
            break;
    }
    return z;
}

/* P(T > t) for t >= 0 and finite df, with x = df/(df+t^2), y = t^2/(df+t^2)
 * formed so that neither overflows nor loses its small side. */
static double t_upper(double t, double df)
{
    double x, y;
    if (t * t > df) {
        double r = (df / t) / t;
        x = r / (1.0 + r);
        y = 1.0 / (1.0 + r);
    } else {
        x = df / (df + t * t);
        y = t * t / (df + t * t);
    }
    double w, wc;
    ibeta(0.5 * df, 0.5, x, y, &w, &wc);
    return 0.5 * w;
}

/* log of the t density. */
static double t_logpdf(double t, double df)
{
    double at = fabs(t), l1;
    if (at * at > df)
        l1 = 2.0 * log(at) - log(df) + log1p(df / at / at);
    else
        l1 = log1p(t * t / df);
    return -lbeta(0.5 * df, 0.5) - 0.5 * log(df) - 0.5 * (df + 1.0) * l1;
}

double ct_student_t_pdf(double t, double df)
{
    if (isnan(t) || isnan(df) || df <= 0.0)
        return NAN;
    if (isinf(df))
        return ct_normal_pdf(t);
    if (isinf(t))
        return 0.0;
    return exp(t_logpdf(t, df));
}

double ct_student_t_cdf(double t, double df)
{
    if (isnan(t) || isnan(df) || df <= 0.0)
        return NAN;
    if (isinf(df))
        return ct_normal_cdf(t);
    if (isinf(t))
        return t > 0 ? 1.0 : 0.0;
    if (df > T_DF_ASYMPTOTIC)
        return ct_normal_cdf(z_from_t(t, df));
    double up = t_upper(fabs(t), df);
    return t > 0 ? 1.0 - up : up;
}

double ct_student_t_quantile(double p, double df)
{
    if (isnan(p) || isnan(df) || df <= 0.0 || p < 0.0 || p > 1.0)
        return NAN;
    if (p == 0.0)
        return -INFINITY;
    if (p == 1.0)
        return INFINITY;
    if (p == 0.5)
        return 0.0;
    double z = ct_normal_quantile(p);
    if (isinf(df))
        return z;
    if (df > T_DF_ASYMPTOTIC)
        return t_from_z(z, df);

    /* Solve P(T > t) = q for t > 0 with q the smaller tail, which is exact
     * in floating point (1 - p is exact for p >= 1/2). */
    double q = p < 0.5 ? p : 1.0 - p;
    double sign = p < 0.5 ? -1.0 : 1.0;
    if (df == 1.0) /* Cauchy: closed form, tan(pi (1/2 - q)) = 1/tan(pi q) */
        return sign / tan(PI * q);

    /* Newton in u = log t on g(u) = log P(T > e^u) - log q, which is nearly
     * linear in the tail (slope about -df); kept inside a bracket so a poor
     * start cannot run away. */
    double t0 = t_from_z(fabs(z), fmax(df, 3.0));
    if (!(t0 > 0.0) || !isfinite(t0))
        t0 = 1.0;
    double u = log(t0), lo = -INFINITY, hi = INFINITY;
    double lq = log(q);
    for (int it = 0; it < 200; it++) {
        double t = exp(u);
        double s = t_upper(t, df);
        double g = log(s) - lq;
        if (g > 0)
            lo = u; /* tail too heavy: t must grow */
        else
            hi = u;
        if (g == 0.0)
            break;
        /* d/du log P(T > e^u) = -t f(t) / P(T > t) */
        double slope = -exp(t_logpdf(t, df) + u - log(s));
        double un = u - g / slope;
        if (!(un > lo && un < hi)) {
            if (isinf(lo))
                un = hi - 1.0;
            else if (isinf(hi))
                un = lo + 1.0;
            else
                un = 0.5 * (lo + hi);
        }
        if (fabs(un - u) <= 4.0 * DBL_EPSILON) {
            u = un;
            break;
        }
        u = un;
    }
    return sign * exp(u);
}

/* ---------------- chi-square, F ---------------- */

double ct_chi2_cdf(double x, double df)
{
    if (isnan(x) || isnan(df) || df <= 0.0)
        return NAN;
    if (x <= 0.0)
        return 0.0;
    return ct_incomplete_gamma_p(0.5 * df, 0.5 * x);
}

double ct_chi2_sf(double x, double df)
{
    if (isnan(x) || isnan(df) || df <= 0.0)
        return NAN;
    if (x <= 0.0)
        return 1.0;
    return ct_incomplete_gamma_q(0.5 * df, 0.5 * x);
}

double ct_f_sf(double x, double df1, double df2)
{
    if (isnan(x) || isnan(df1) || isnan(df2) || df1 <= 0.0 || df2 <= 0.0)
        return NAN;
    if (x <= 0.0)
        return 1.0;
    if (isinf(x))
        return 0.0;
    /* P(F > x) = I_{d2/(d2 + d1 x)}(d2/2, d1/2) */
    double den = df2 + df1 * x;
    double w, wc;
    ibeta(0.5 * df2, 0.5 * df1, df2 / den, df1 * x / den, &w, &wc);
    return w;
}

/* ---------------- binomial, hypergeometric ---------------- */

/* log C(n, k) = -log(n + 1) - log B(n - k + 1, k + 1). */
static double lchoose(double n, double k)
{
    return -log(n + 1.0) - lbeta(n - k + 1.0, k + 1.0);
}

double ct_binomial_pmf(long k, long n, double p)
{
    if (isnan(p) || p < 0.0 || p > 1.0 || n < 0)
        return NAN;
    if (k < 0 || k > n)
        return 0.0;
    if (p == 0.0)
        return k == 0 ? 1.0 : 0.0;
    if (p == 1.0)
        return k == n ? 1.0 : 0.0;
    return exp(lchoose((double)n, (double)k) + k * log(p) + (n - k) * log1p(-p));
}

double ct_binomial_cdf(long k, long n, double p)
{
    if (isnan(p) || p < 0.0 || p > 1.0 || n < 0)
        return NAN;
    if (k < 0)
        return 0.0;
    if (k >= n)
        return 1.0;
    /* P(X <= k) = I_{1-p}(n - k, k + 1) */
    double w, wc;
    ibeta((double)(n - k), (double)(k + 1), 1.0 - p, p, &w, &wc);
    return w;
}

double ct_binomial_sf(long k, long n, double p)
{
    if (isnan(p) || p < 0.0 || p > 1.0 || n < 0)
        return NAN;
    if (k < 0)
        return 1.0;
    if (k >= n)
        return 0.0;
    /* P(X > k) = I_p(k + 1, n - k) */
    double w, wc;
    ibeta((double)(k + 1), (double)(n - k), p, 1.0 - p, &w, &wc);
    return w;
}

static bool hyper_ok(long total, long marked, long draws)
{
    return total >= 0 && marked >= 0 && draws >= 0 && marked <= total && draws <= total;
}

double ct_hypergeometric_pmf(long k, long total, long marked, long draws)
{
    if (!hyper_ok(total, marked, draws))
        return NAN;
    long kmin = draws + marked - total > 0 ? draws + marked - total : 0;
    long kmax = draws < marked ? draws : marked;
    if (k < kmin || k > kmax)
        return 0.0;
    return exp(lchoose((double)marked, (double)k)
               + lchoose((double)(total - marked), (double)(draws - k))
               - lchoose((double)total, (double)draws));
}

/* Sums pmf over [from, to]; each side of the distribution is summed from
 * its own end so small tails keep their relative accuracy. */
static double hyper_sum(long from, long to, long total, long marked, long draws)
{
    long kmin = draws + marked - total > 0 ? draws + marked - total : 0;
    long kmax = draws < marked ? draws : marked;
    if (from < kmin)
        from = kmin;
    if (to > kmax)
        to = kmax;
    double s = 0.0;
    for (long j = from; j <= to; j++)
        s += ct_hypergeometric_pmf(j, total, marked, draws);
    return s > 1.0 ? 1.0 : s;
}

double ct_hypergeometric_cdf(long k, long total, long marked, long draws)
{
    if (!hyper_ok(total, marked, draws))
        return NAN;
    return hyper_sum(0, k, total, marked, draws);
}

double ct_hypergeometric_sf(long k, long total, long marked, long draws)
{
    if (!hyper_ok(total, marked, draws))
        return NAN;
    if (k == LONG_MAX)
        return 0.0;
    return hyper_sum(k + 1, LONG_MAX, total, marked, draws);
}

/* log P(X > k). The pmf is evaluated once (three log-betas), the other
 * terms follow from the ratio of neighbours,
 *   p(j + 1) / p(j) = (marked - j)(draws - j) / ((j + 1)(total - marked - draws + j + 1)),
 * summed relative to the first term so that nothing underflows however
 * small the tail. Above the mode the terms of the upper tail fall
 * monotonically and the sum stops once a term no longer changes it; below
 * the mode the tail is 1 - P(X <= k), the lower tail summed downwards the
 * same way (it is then at most about one half, so nothing cancels). */
double ct_hypergeometric_log_sf(long k, long total, long marked, long draws)
{
    if (!hyper_ok(total, marked, draws))
        return NAN;
    long kmin = draws + marked - total > 0 ? draws + marked - total : 0;
    long kmax = draws < marked ? draws : marked;
    if (k < kmin)
        return 0.0;
    if (k >= kmax)
        return -INFINITY;
    double rest = (double)(total - marked - draws);
    /* mode: floor((draws + 1)(marked + 1) / (total + 2)) */
    double mode = floor(((double)draws + 1.0) * ((double)marked + 1.0) / ((double)total + 2.0));
    long a = k + 1;
    if ((double)a > mode) {
        double lp = lchoose((double)marked, (double)a) +
                    lchoose((double)(total - marked), (double)(draws - a)) -
                    lchoose((double)total, (double)draws);
        double sum = 1.0, term = 1.0;
        for (long j = a; j < kmax; j++) {
            double x = (double)j;
            term *= ((double)marked - x) * ((double)draws - x) / ((x + 1.0) * (rest + x + 1.0));
            if (term < sum * DBL_EPSILON * 0.25)
                break;
            sum += term;
        }
        return lp + log(sum);
    }
    double lp = lchoose((double)marked, (double)k) +
                lchoose((double)(total - marked), (double)(draws - k)) -
                lchoose((double)total, (double)draws);
    double sum = 1.0, term = 1.0;
    for (long j = k; j > kmin; j--) {
        double x = (double)j;
        term *= x * (rest + x) / (((double)marked - x + 1.0) * ((double)draws - x + 1.0));
        if (term < sum * DBL_EPSILON * 0.25)
            break;
        sum += term;
    }
    double lower = exp(lp) * sum;
    return lower >= 1.0 ? -INFINITY : log1p(-lower);
}
