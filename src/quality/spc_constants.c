/*
 * spc_constants.c - the Shewhart chart constants d2, d3, c4 and those built
 * on them (A2, A3, B3-B6, D1-D4), computed for any subgroup size from the
 * distributions of the range and standard deviation of normal samples
 * instead of being copied from a table, so a chart with subgroups of 13 or
 * 40 is as exact as one with 5.
 *
 * d2 and d3 are integrals of powers of the normal cdf (Tippett 1925; see
 * Montgomery, Introduction to SQC, Appendix VI for the tabulated values
 * they reproduce); c4 has a closed form in gamma functions.
 */
#include "celltwin/quality.h"

#include <math.h>

#define PI_VALUE 3.141592653589793238462643383280
#define GL_NODES 16
/* Integration ranges in units of sigma, cut into panels of PANEL with a
 * 16-point Gauss-Legendre rule each. The normal tail beyond X_MAX = 12 is
 * 1.8e-33, so even CT_SPC_MAX_SUBGROUP times it is far below rounding; a
 * range above W_MAX = 16 is as improbable. Halving PANEL changes d2 and d3
 * by less than 3e-13 for n = 2..1000, and n = 2 matches the closed forms
 * d2 = 2/sqrt(pi), d3 = sqrt(2 - 4/pi) to 1e-14. */
#define PANEL 0.5
#define X_PANELS 24 /* X_MAX / PANEL */
#define W_PANELS 32 /* W_MAX / PANEL */

/* Gauss-Legendre nodes and weights on [-1, 1] by Newton iteration on the
 * Legendre polynomial (Numerical Recipes gauleg). Computed per call into
 * caller storage, so nothing is shared between threads. */
static void gauss_legendre(double *node, double *weight)
{
    const int m = GL_NODES;
    for (int i = 0; i < (m + 1) / 2; i++) {
        double z = cos(PI_VALUE * (i + 0.75) / (m + 0.5)), z1, pp;
        do {
            double p1 = 1.0, p2 = 0.0;
            for (int j = 1; j <= m; j++) {
                double p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j - 1.0) * z * p2 - (j - 1.0) * p3) / j;
            }
            pp = m * (z * p1 - p2) / (z * z - 1.0);
            z1 = z;
            z = z1 - p1 / pp;
        } while (fabs(z - z1) > 1e-15);
        node[i] = -z;
        node[m - 1 - i] = z;
        weight[i] = weight[m - 1 - i] = 2.0 / ((1.0 - z * z) * pp * pp);
    }
}

/* 1 - (1 - q)^n - q^n for the upper-tail probability q = 1 - Phi(x),
 * x >= 0: the d2 integrand, with 1 - (1 - q)^n formed without
 * cancellation. */
static double range_tail(double q, int n)
{
    return -expm1(n * log1p(-q)) - pow(q, n);
}

double ct_spc_d2(int n)
{
    if (n < 2 || n > CT_SPC_MAX_SUBGROUP)
        return NAN;
    double node[GL_NODES], weight[GL_NODES];
    gauss_legendre(node, weight);
    /* The integrand is even in x (swap Phi and 1 - Phi), so integrate
     * [0, X_MAX] and double. */
    double sum = 0.0;
    for (int p = 0; p < X_PANELS; p++) {
        double mid = (p + 0.5) * PANEL, half = 0.5 * PANEL;
        for (int i = 0; i < GL_NODES; i++) {
            double x = mid + half * node[i];
            sum += half * weight[i] * range_tail(ct_normal_sf(x), n);
        }
    }
    return 2.0 * sum;
}

/* Phi(b) - Phi(a) for a <= b, from whichever tail keeps the digits. */
static double normal_mass(double a, double b, double phi_a, double q_a)
{
    if (a >= 0.0)
        return q_a - ct_normal_sf(b);
    if (b <= 0.0)
        return ct_normal_cdf(b) - phi_a;
    return 1.0 - phi_a - ct_normal_sf(b);
}

/* E[W^2] for the range W of n standard normals:
 * 2 * integral over s < t of P(min <= s, max > t)
 *   = 2 * int_0^inf dw int_R ds [1 - (1-Phi(s))^n - Phi(s+w)^n
 *                                + (Phi(s+w) - Phi(s))^n]. */
static double range_second_moment(int n)
{
    double node[GL_NODES], weight[GL_NODES];
    gauss_legendre(node, weight);
    enum { NS = 2 * X_PANELS * GL_NODES };
    double s_at[NS], ws_at[NS], phi_s[NS], q_s[NS], tail_s[NS];
    int k = 0;
    for (int p = -X_PANELS; p < X_PANELS; p++)
        for (int i = 0; i < GL_NODES; i++, k++) {
            double s = (p + 0.5) * PANEL + 0.5 * PANEL * node[i];
            s_at[k] = s;
            ws_at[k] = 0.5 * PANEL * weight[i];
            phi_s[k] = ct_normal_cdf(s);
            q_s[k] = ct_normal_sf(s);
            /* 1 - (1 - Phi(s))^n */
            tail_s[k] = s < 0.0 ? -expm1(n * log1p(-phi_s[k])) : 1.0 - pow(q_s[k], n);
        }
    double total = 0.0;
    for (int p = 0; p < W_PANELS; p++)
        for (int j = 0; j < GL_NODES; j++) {
            double w = (p + 0.5) * PANEL + 0.5 * PANEL * node[j];
            double inner = 0.0;
            for (int i = 0; i < NS; i++) {
                double s = s_at[i], t = s + w;
                double phi_t = t < 0.0 ? ct_normal_cdf(t) : 1.0 - ct_normal_sf(t);
                double mass = normal_mass(s, t, phi_s[i], q_s[i]);
                double g = tail_s[i] - pow(phi_t, n) + pow(mass, n);
                inner += ws_at[i] * g;
            }
            total += 0.5 * PANEL * weight[j] * inner;
        }
    return 2.0 * total;
}

double ct_spc_d3(int n)
{
    if (n < 2 || n > CT_SPC_MAX_SUBGROUP)
        return NAN;
    double d2 = ct_spc_d2(n);
    double var = range_second_moment(n) - d2 * d2;
    return var > 0.0 ? sqrt(var) : 0.0;
}

double ct_spc_c4(int n)
{
    if (n < 2 || n > CT_SPC_MAX_SUBGROUP)
        return NAN;
    /* Gamma(n/2)/Gamma((n-1)/2) = sqrt(pi)/B((n-1)/2, 1/2): the log-beta
     * keeps its digits where the two gammas would overflow (n > 340) or
     * their logs cancel. */
    return sqrt(2.0 * PI_VALUE / (n - 1.0)) * exp(-ct_log_beta(0.5 * (n - 1.0), 0.5));
}

ct_status ct_spc_constants_compute(int n, ct_spc_constants *out)
{
    if (n < 2 || n > CT_SPC_MAX_SUBGROUP)
        return CT_ERR_INVALID;
    double d2 = ct_spc_d2(n);
    double d3 = sqrt(fmax(0.0, range_second_moment(n) - d2 * d2));
    double c4 = ct_spc_c4(n);
    double rn = sqrt((double)n);
    double sc = sqrt(1.0 - c4 * c4);
    out->n = n;
    out->d2 = d2;
    out->d3 = d3;
    out->c4 = c4;
    out->A = 3.0 / rn;
    out->A2 = 3.0 / (d2 * rn);
    out->A3 = 3.0 / (c4 * rn);
    out->B3 = fmax(0.0, 1.0 - 3.0 * sc / c4);
    out->B4 = 1.0 + 3.0 * sc / c4;
    out->B5 = fmax(0.0, c4 - 3.0 * sc);
    out->B6 = c4 + 3.0 * sc;
    out->D1 = fmax(0.0, d2 - 3.0 * d3);
    out->D2 = d2 + 3.0 * d3;
    out->D3 = fmax(0.0, 1.0 - 3.0 * d3 / d2);
    out->D4 = 1.0 + 3.0 * d3 / d2;
    return CT_OK;
}
