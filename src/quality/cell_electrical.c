/*
 * cell_electrical.c - the cell's electrical model for end-of-line testing:
 * OCV tables with monotone cubic interpolation and their entropic
 * coefficients, self-discharge (base leak with Arrhenius temperature
 * dependence plus micro-shorts), IR/DCIR from design and cell attributes,
 * noisy instruments, and the simulated aging step that gives the two OCV
 * readings a k-value is computed from.
 *
 * The OCV tables below are not measured data but values of published
 * electrode fits, evaluated once (docs/cell-model.md gives the formulas, the
 * parameters and the script-free recipe; tests/quality/test_cell_electrical.c
 * recomputes every point from the same closed forms):
 *   full-cell U(soc) = U_pos(y(soc)) - U_neg(x(soc)),
 *   x, y linear in soc between the 0 % and 100 % stoichiometries,
 *   dU/dT(soc)      = dU_pos/dT(y) - dU_neg/dT(x).
 * NMC811: U_pos, U_neg and x0 = 0.0279, x100 = 0.9014, y0 = 0.9084,
 *   y100 = 0.2661 from Chen et al., J. Electrochem. Soc. 167 (2020) 080534,
 *   as transcribed in PyBaMM's Chen2020 parameter set (BSD-3-Clause);
 *   dU/dT of both electrodes from O'Regan et al., Electrochim. Acta 425
 *   (2022) 140700 (PyBaMM ORegan2022 set).
 * LFP: U_pos of Afshar et al. (2017, arXiv:1709.03970) and U_neg of Chen
 *   et al. (2020), balanced as PyBaMM's Prada2013 set (x100 = 0.81,
 *   y100 = 0.0038, electrode capacities 2.9068 / 3.2919 Ah); the 0 % point
 *   is where U = 2.0 V (cell capacity 2.3033 Ah), giving x0 = 0.0176179,
 *   y0 = 0.7035020. dU/dT: graphite of O'Regan et al. (2022); LFP's own
 *   term is taken as 0 (an assumption; PyBaMM's Prada2013 set uses 0 too).
 */
#include "celltwin/dist.h"
#include "celltwin/cell_electrical.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "celltwin/quality.h"
#include "quality/cell_electrical_internal.h"

/* ---------------- tables (generated from the fits named above) ---------------- */

static const double SOC_GRID[100] = {
    0.0000, 0.0050, 0.0100, 0.0150, 0.0200, 0.0250,
    0.0300, 0.0350, 0.0400, 0.0450, 0.0500, 0.0550,
    0.0600, 0.0650, 0.0700, 0.0750, 0.0800, 0.0850,
    0.0900, 0.0950, 0.1000, 0.1125, 0.1250, 0.1375,
    0.1500, 0.1625, 0.1750, 0.1875, 0.2000, 0.2125,
    0.2250, 0.2375, 0.2500, 0.2625, 0.2750, 0.2875,
    0.3000, 0.3125, 0.3250, 0.3375, 0.3500, 0.3625,
    0.3750, 0.3875, 0.4000, 0.4125, 0.4250, 0.4375,
    0.4500, 0.4625, 0.4750, 0.4875, 0.5000, 0.5125,
    0.5250, 0.5375, 0.5500, 0.5625, 0.5750, 0.5875,
    0.6000, 0.6125, 0.6250, 0.6375, 0.6500, 0.6625,
    0.6750, 0.6875, 0.7000, 0.7125, 0.7250, 0.7375,
    0.7500, 0.7625, 0.7750, 0.7875, 0.8000, 0.8125,
    0.8250, 0.8375, 0.8500, 0.8625, 0.8750, 0.8875,
    0.9000, 0.9125, 0.9250, 0.9375, 0.9500, 0.9600,
    0.9625, 0.9650, 0.9700, 0.9750, 0.9800, 0.9850,
    0.9875, 0.9900, 0.9950, 1.0000,
};
static const double LFP_OCV_V[100] = {
    2.000000, 2.143032, 2.265457, 2.370262, 2.460003, 2.536869,
    2.602740, 2.659227, 2.707715, 2.749397, 2.785301, 2.816320,
    2.843229, 2.866709, 2.887358, 2.905708, 2.922237, 2.937374,
    2.951504, 2.964972, 2.978078, 3.010719, 3.044389, 3.077905,
    3.108011, 3.131949, 3.149133, 3.160733, 3.168484, 3.173915,
    3.178138, 3.181903, 3.185699, 3.189846, 3.194538, 3.199865,
    3.205812, 3.212264, 3.219016, 3.225804, 3.232354, 3.238427,
    3.243853, 3.248545, 3.252493, 3.255741, 3.258369, 3.260472,
    3.262141, 3.263464, 3.264515, 3.265353, 3.266029, 3.266581,
    3.267040, 3.267428, 3.267764, 3.268061, 3.268330, 3.268580,
    3.268821, 3.269061, 3.269315, 3.269601, 3.269955, 3.270437,
    3.271147, 3.272256, 3.274022, 3.276787, 3.280870, 3.286302,
    3.292554, 3.298634, 3.303656, 3.307285, 3.309684, 3.311198,
    3.312147, 3.312759, 3.313179, 3.313490, 3.313741, 3.313961,
    3.314166, 3.314376, 3.314639, 3.315113, 3.316379, 3.319282,
    3.320592, 3.322284, 3.327310, 3.335754, 3.349976, 3.373963,
    3.391572, 3.414454, 3.482839, 3.598365,
};
static const double LFP_DUDT_V_K[100] = {
    -0.1679e-3, -0.1836e-3, -0.2001e-3, -0.2170e-3, -0.2343e-3, -0.2517e-3,
    -0.2689e-3, -0.2857e-3, -0.3018e-3, -0.3169e-3, -0.3309e-3, -0.3433e-3,
    -0.3540e-3, -0.3628e-3, -0.3695e-3, -0.3739e-3, -0.3759e-3, -0.3755e-3,
    -0.3727e-3, -0.3676e-3, -0.3601e-3, -0.3327e-3, -0.2951e-3, -0.2515e-3,
    -0.2060e-3, -0.1624e-3, -0.1233e-3, -0.0904e-3, -0.0642e-3, -0.0444e-3,
    -0.0300e-3, -0.0199e-3, -0.0130e-3, -0.0084e-3, -0.0053e-3, -0.0030e-3,
    -0.0013e-3, +0.0001e-3, +0.0013e-3, +0.0025e-3, +0.0036e-3, +0.0048e-3,
    +0.0059e-3, +0.0070e-3, +0.0081e-3, +0.0092e-3, +0.0103e-3, +0.0114e-3,
    +0.0125e-3, +0.0136e-3, +0.0147e-3, +0.0158e-3, +0.0169e-3, +0.0180e-3,
    +0.0191e-3, +0.0202e-3, +0.0213e-3, +0.0224e-3, +0.0235e-3, +0.0246e-3,
    +0.0257e-3, +0.0268e-3, +0.0279e-3, +0.0290e-3, +0.0301e-3, +0.0312e-3,
    +0.0323e-3, +0.0334e-3, +0.0345e-3, +0.0356e-3, +0.0367e-3, +0.0378e-3,
    +0.0389e-3, +0.0400e-3, +0.0411e-3, +0.0422e-3, +0.0433e-3, +0.0444e-3,
    +0.0455e-3, +0.0466e-3, +0.0477e-3, +0.0488e-3, +0.0499e-3, +0.0510e-3,
    +0.0521e-3, +0.0532e-3, +0.0543e-3, +0.0554e-3, +0.0565e-3, +0.0574e-3,
    +0.0576e-3, +0.0578e-3, +0.0583e-3, +0.0587e-3, +0.0592e-3, +0.0596e-3,
    +0.0598e-3, +0.0601e-3, +0.0605e-3, +0.0609e-3,
};
static const double NMC811_OCV_V[100] = {
    2.497664, 2.604701, 2.695324, 2.772151, 2.837393, 2.892917,
    2.940311, 2.980921, 3.015901, 3.046240, 3.072797, 3.096323,
    3.117479, 3.136854, 3.154973, 3.172298, 3.189224, 3.206068,
    3.223050, 3.240273, 3.257715, 3.301076, 3.340475, 3.372305,
    3.396088, 3.413640, 3.427246, 3.438725, 3.449299, 3.459743,
    3.470542, 3.481983, 3.494197, 3.507162, 3.520706, 3.534537,
    3.548295, 3.561632, 3.574282, 3.586098, 3.597055, 3.607217,
    3.616711, 3.625688, 3.634307, 3.642725, 3.651089, 3.659543,
    3.668225, 3.677270, 3.686806, 3.696944, 3.707763, 3.719290,
    3.731482, 3.744215, 3.757294, 3.770484, 3.783563, 3.796381,
    3.808916, 3.821328, 3.833983, 3.847420, 3.862120, 3.878044,
    3.894313, 3.909720, 3.923636, 3.936233, 3.948052, 3.959614,
    3.971285, 3.983280, 3.995686, 4.008482, 4.021540, 4.034622,
    4.047373, 4.059341, 4.070024, 4.078953, 4.085836, 4.090705,
    4.094052, 4.096860, 4.100487, 4.106397, 4.115818, 4.126371,
    4.129444, 4.132687, 4.139674, 4.147297, 4.155507, 4.164244,
    4.168788, 4.173439, 4.183020, 4.192911,
};
static const double NMC811_DUDT_V_K[100] = {
    -0.2502e-3, -0.2703e-3, -0.2907e-3, -0.3110e-3, -0.3307e-3, -0.3497e-3,
    -0.3674e-3, -0.3835e-3, -0.3978e-3, -0.4098e-3, -0.4193e-3, -0.4261e-3,
    -0.4300e-3, -0.4310e-3, -0.4290e-3, -0.4241e-3, -0.4164e-3, -0.4061e-3,
    -0.3935e-3, -0.3789e-3, -0.3626e-3, -0.3167e-3, -0.2679e-3, -0.2213e-3,
    -0.1802e-3, -0.1465e-3, -0.1205e-3, -0.1014e-3, -0.0877e-3, -0.0780e-3,
    -0.0709e-3, -0.0654e-3, -0.0607e-3, -0.0564e-3, -0.0522e-3, -0.0480e-3,
    -0.0438e-3, -0.0395e-3, -0.0352e-3, -0.0308e-3, -0.0266e-3, -0.0223e-3,
    -0.0182e-3, -0.0142e-3, -0.0103e-3, -0.0066e-3, -0.0030e-3, +0.0003e-3,
    +0.0036e-3, +0.0066e-3, +0.0095e-3, +0.0122e-3, +0.0147e-3, +0.0171e-3,
    +0.0193e-3, +0.0214e-3, +0.0234e-3, +0.0253e-3, +0.0271e-3, +0.0288e-3,
    +0.0304e-3, +0.0320e-3, +0.0335e-3, +0.0349e-3, +0.0363e-3, +0.0377e-3,
    +0.0391e-3, +0.0404e-3, +0.0417e-3, +0.0429e-3, +0.0442e-3, +0.0455e-3,
    +0.0467e-3, +0.0480e-3, +0.0492e-3, +0.0504e-3, +0.0516e-3, +0.0529e-3,
    +0.0541e-3, +0.0553e-3, +0.0566e-3, +0.0580e-3, +0.0596e-3, +0.0619e-3,
    +0.0654e-3, +0.0708e-3, +0.0785e-3, +0.0880e-3, +0.0977e-3, +0.1041e-3,
    +0.1054e-3, +0.1064e-3, +0.1080e-3, +0.1087e-3, +0.1086e-3, +0.1077e-3,
    +0.1070e-3, +0.1061e-3, +0.1039e-3, +0.1013e-3,
};

#define N_GRID (sizeof SOC_GRID / sizeof SOC_GRID[0])

static const ct_ocv_curve builtin[CT_CHEM__COUNT] = {
    [CT_CHEM_LFP] = {
        SOC_GRID, LFP_OCV_V, LFP_DUDT_V_K, N_GRID, 25.0,
        "LFP/graphite: Afshar 2017 LFP and Chen 2020 graphite fits, PyBaMM Prada2013 "
        "balance; dU/dT graphite O'Regan 2022, LFP 0 (assumed)" },
    [CT_CHEM_NMC811] = {
        SOC_GRID, NMC811_OCV_V, NMC811_DUDT_V_K, N_GRID, 25.0,
        "NMC811/graphite-SiOx LG M50: Chen 2020 fits and stoichiometries; "
        "dU/dT O'Regan 2022" },
};

static const char *const chem_names[CT_CHEM__COUNT] = {
    [CT_CHEM_LFP] = "lfp",
    [CT_CHEM_NMC811] = "nmc811",
};

const char *ct_chemistry_name(ct_chemistry chem)
{
    return (unsigned)chem < CT_CHEM__COUNT ? chem_names[chem] : "?";
}

ct_status ct_chemistry_parse(const char *name, ct_chemistry *out)
{
    for (int c = 0; c < CT_CHEM__COUNT; c++)
        if (strcmp(name, chem_names[c]) == 0) {
            *out = (ct_chemistry)c;
            return CT_OK;
        }
    if (strcmp(name, "nmc") == 0) {
        *out = CT_CHEM_NMC811;
        return CT_OK;
    }
    return CT_ERR_INVALID;
}

static void builtin_cache_init(void);
static pthread_once_t builtin_cache_once = PTHREAD_ONCE_INIT;

const ct_ocv_curve *ct_ocv_curve_builtin(ct_chemistry chem)
{
    pthread_once(&builtin_cache_once, builtin_cache_init);
    return (unsigned)chem < CT_CHEM__COUNT ? &builtin[chem] : NULL;
}

ct_status ct_ocv_curve_check(const ct_ocv_curve *c, ct_error *err)
{
    if (!c || c->n < 2 || !c->soc || !c->ocv_v || !c->dudt_v_per_k)
        return ct_error_set(err, CT_ERR_INVALID, "OCV curve: need at least 2 points");
    if (!isfinite(c->ref_temp_c))
        return ct_error_set(err, CT_ERR_INVALID, "OCV curve: reference temperature not finite");
    if (c->soc[0] != 0.0 || c->soc[c->n - 1] != 1.0)
        return ct_error_set(err, CT_ERR_INVALID, "OCV curve: SOC must run from 0 to 1, got %g to %g",
                            c->soc[0], c->soc[c->n - 1]);
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->soc[i]) || !isfinite(c->ocv_v[i]) || !isfinite(c->dudt_v_per_k[i]))
            return ct_error_set(err, CT_ERR_INVALID, "OCV curve: point %zu is not finite", i);
        if (i > 0 && !(c->soc[i] > c->soc[i - 1]))
            return ct_error_set(err, CT_ERR_INVALID,
                                "OCV curve: SOC not increasing at point %zu (%g after %g)", i,
                                c->soc[i], c->soc[i - 1]);
        if (i > 0 && c->ocv_v[i] < c->ocv_v[i - 1])
            return ct_error_set(err, CT_ERR_INVALID,
                                "OCV curve: OCV falls at point %zu (%g V after %g V)", i,
                                c->ocv_v[i], c->ocv_v[i - 1]);
    }
    return CT_OK;
}

/* ---------------- interpolation ---------------- */

/* Index i of the interval [soc[i], soc[i+1]] holding s (s already clamped). */
static size_t interval(const ct_ocv_curve *c, double s)
{
    size_t lo = 0, hi = c->n - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->soc[mid] <= s)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static double secant(const ct_ocv_curve *c, size_t i)
{
    return (c->ocv_v[i + 1] - c->ocv_v[i]) / (c->soc[i + 1] - c->soc[i]);
}

/* Derivative of the interpolant at node i. Interior nodes: the weighted
 * harmonic mean of the neighbouring secants, 0 where they differ in sign or
 * one is 0 (Fritsch & Butland 1984); it lies between the two secants, so
 * the cubic between nodes stays monotone. End nodes: the one-sided
 * three-point formula, limited to keep monotonicity (Moler, Numerical
 * Computing with MATLAB, pchiptx). A two-point curve is linear. */
static double node_slope(const ct_ocv_curve *c, size_t i)
{
    size_t n = c->n;
    if (n == 2)
        return secant(c, 0);
    if (i == 0 || i == n - 1) {
        size_t a = i == 0 ? 0 : n - 2, b = i == 0 ? 1 : n - 3;
        double h0 = c->soc[a + 1] - c->soc[a], h1 = c->soc[b + 1] - c->soc[b];
        double d0 = secant(c, a), d1 = secant(c, b);
        double m = ((2.0 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
        if (m * d0 <= 0.0)
            return 0.0;
        if (d0 * d1 <= 0.0 && fabs(m) > fabs(3.0 * d0))
            return 3.0 * d0;
        return m;
    }
    double hl = c->soc[i] - c->soc[i - 1], hr = c->soc[i + 1] - c->soc[i];
    double dl = secant(c, i - 1), dr = secant(c, i);
    if (dl * dr <= 0.0)
        return 0.0;
    double w1 = 2.0 * hr + hl, w2 = hr + 2.0 * hl;
    return (w1 + w2) / (w1 / dl + w2 / dr);
}

static double clamp01(double s)
{
    return s < 0.0 ? 0.0 : s > 1.0 ? 1.0 : s;
}

/* One evaluation of the interpolants at a SOC: U at the reference
 * temperature and dU/dT (ocv_eval). */
typedef struct ocv_point {
    double u, dudt;
} ocv_point;

static ocv_point ocv_eval(const ct_ocv_curve *c, double s, double *deriv);

/* Per built-in curve, computed once: the node slopes (by node_slope, so
 * the same numbers) and, per bucket of SOC_BUCKETS equal SOC steps, the
 * interval holding the bucket's lower end, where the interval search
 * starts. Aging and grading evaluate the curve tens of times per cell,
 * and the slopes and the search were most of that work. Also the curve at
 * SOC 0 and 1 (by ocv_eval, so the same bits), which every inversion
 * (ct_ocv_soc) compares with first. */
#define SOC_BUCKETS 128

typedef struct curve_cache {
    double slope[N_GRID];
    unsigned char start[SOC_BUCKETS + 1];
    ocv_point end[2];   /* at SOC 0 and 1 */
} curve_cache;

static curve_cache builtin_cache[CT_CHEM__COUNT];

static void builtin_cache_init(void)
{
    for (int k = 0; k < CT_CHEM__COUNT; k++) {
        for (size_t i = 0; i < builtin[k].n; i++)
            builtin_cache[k].slope[i] = node_slope(&builtin[k], i);
        for (int b = 0; b <= SOC_BUCKETS; b++)
            builtin_cache[k].start[b] =
                (unsigned char)interval(&builtin[k], (double)b / SOC_BUCKETS);
        /* ocv_eval reads the slopes and starts just filled in. */
        builtin_cache[k].end[0] = ocv_eval(&builtin[k], 0.0, NULL);
        builtin_cache[k].end[1] = ocv_eval(&builtin[k], 1.0, NULL);
    }
}

/* The cache of c when it is a built-in curve, else NULL. A built-in curve
 * is only reachable through ct_ocv_curve_builtin, which fills the cache.
 * Equality tests, not a range check and an index: the index is a pointer
 * difference, a division by the struct's size, on every evaluation. */
static const curve_cache *cache_of(const ct_ocv_curve *c)
{
    for (int k = 0; k < CT_CHEM__COUNT; k++)
        if (c == &builtin[k])
            return &builtin_cache[k];
    return NULL;
}

/* interval() from the bucket below s's (s * SOC_BUCKETS may round up
 * into the next bucket): the same index, found in a step or two. */
static size_t interval_cached(const ct_ocv_curve *c, const curve_cache *cc, double s)
{
    size_t b = (size_t)(s * SOC_BUCKETS);
    size_t i = cc->start[b > 0 ? b - 1 : 0];
    while (i + 2 < c->n && c->soc[i + 1] <= s)
        i++;
    return i;
}

/* Where s (clamped) lies: its interval i, the interval's width h and the
 * fraction t of it below s. */
typedef struct ocv_locus {
    size_t i;
    double h, t;
} ocv_locus;

static inline ocv_locus locate(const ct_ocv_curve *c, const curve_cache *cc, double s)
{
    s = clamp01(s);
    ocv_locus l;
    l.i = cc ? interval_cached(c, cc, s) : interval(c, s);
    l.h = c->soc[l.i + 1] - c->soc[l.i];
    l.t = (s - c->soc[l.i]) / l.h;
    return l;
}

/* dU/dT at a locus: linear between the nodes. */
static double dudt_at(const ct_ocv_curve *c, ocv_locus l)
{
    return c->dudt_v_per_k[l.i] + l.t * (c->dudt_v_per_k[l.i + 1] - c->dudt_v_per_k[l.i]);
}

/* One evaluation of the interpolants at s (clamped): U(s) at the
 * reference temperature, dU/ds when deriv != NULL, and dU/dT. One
 * interval search serves all three. */
static ocv_point ocv_eval(const ct_ocv_curve *c, double s, double *deriv)
{
    const curve_cache *cc = cache_of(c);
    ocv_locus l = locate(c, cc, s);
    size_t i = l.i;
    double h = l.h, t = l.t;
    double y0 = c->ocv_v[i], y1 = c->ocv_v[i + 1];
    double m0 = (cc ? cc->slope[i] : node_slope(c, i)) * h;
    double m1 = (cc ? cc->slope[i + 1] : node_slope(c, i + 1)) * h;
    double t2 = t * t, t3 = t2 * t;
    if (deriv) {
        double d = (6.0 * t2 - 6.0 * t) * y0 + (3.0 * t2 - 4.0 * t + 1.0) * m0
                   + (-6.0 * t2 + 6.0 * t) * y1 + (3.0 * t2 - 2.0 * t) * m1;
        *deriv = d / h;
    }
    ocv_point p;
    p.u = (2.0 * t3 - 3.0 * t2 + 1.0) * y0 + (t3 - 2.0 * t2 + t) * m0
          + (-2.0 * t3 + 3.0 * t2) * y1 + (t3 - t2) * m1;
    p.dudt = dudt_at(c, l);
    return p;
}

double ct_ocv_dudt(const ct_ocv_curve *c, double soc)
{
    if (isnan(soc))
        return NAN;
    /* ocv_eval's dU/dT without its cubic (the k-value asks this per cell). */
    return dudt_at(c, locate(c, cache_of(c), soc));
}

/* The OCV at temp_c of an evaluated point: ct_ocv_at's formula, written
 * once for every caller that reuses an evaluation. */
static double ocv_at_point(const ct_ocv_curve *c, ocv_point p, double temp_c)
{
    return p.u + p.dudt * (temp_c - c->ref_temp_c);
}

double ct_ocv_at(const ct_ocv_curve *c, double soc, double temp_c)
{
    if (isnan(soc) || isnan(temp_c))
        return NAN;
    return ocv_at_point(c, ocv_eval(c, soc, NULL), temp_c);
}

double ct_ocv_slope(const ct_ocv_curve *c, double soc)
{
    if (isnan(soc))
        return NAN;
    double d;
    ocv_eval(c, soc, &d);
    /* Rounding in the Hermite form can give -1e-17 on a flat stretch. */
    return d > 0.0 ? d : 0.0;
}

/* The OCV at node i, dt kelvin from the reference temperature. */
static inline double node_ocv(const ct_ocv_curve *c, size_t i, double dt)
{
    return c->ocv_v[i] + c->dudt_v_per_k[i] * dt;
}

double ct_ocv_soc(const ct_ocv_curve *c, double ocv_v, double temp_c)
{
    if (isnan(ocv_v) || isnan(temp_c))
        return NAN;
    /* The ends: ct_ocv_at(c, 0 or 1, temp_c), from the cache if built in. */
    const curve_cache *cc = cache_of(c);
    if (ocv_v <= ocv_at_point(c, cc ? cc->end[0] : ocv_eval(c, 0.0, NULL), temp_c))
        return 0.0;
    if (ocv_v >= ocv_at_point(c, cc ? cc->end[1] : ocv_eval(c, 1.0, NULL), temp_c))
        return 1.0;
    /* The bracket: the interval between two nodes whose values at temp_c
     * (exactly the table's value plus its dU/dT term there) straddle ocv_v,
     * found by bisection over the nodes without evaluating the cubic. The
     * start: linear interpolation inside it. */
    double dt = temp_c - c->ref_temp_c;
    size_t a = 0, b = c->n - 1;
    while (b - a > 1) {
        size_t mid = a + (b - a) / 2;
        if (node_ocv(c, mid, dt) <= ocv_v)
            a = mid;
        else
            b = mid;
    }
    double lo = c->soc[a], hi = c->soc[b];
    double ga = node_ocv(c, a, dt), gb = node_ocv(c, b, dt);
    double x = gb > ga ? lo + (hi - lo) * ((ocv_v - ga) / (gb - ga)) : 0.5 * (lo + hi);
    if (!(x >= lo && x <= hi))
        x = 0.5 * (lo + hi);
    /* Safeguarded Newton: a Newton step with the curve's slope where it
     * stays inside the bracket, a bisection otherwise. The bracket always
     * holds the root (the ends of the curve and the nodes straddle it), so
     * this converges like bisection at worst and, on one cubic piece, in
     * two or three steps (aging, grading and screening call this for
     * every cell, millions of times a run). One evaluation per step gives
     * the OCV and the slope. */
    for (int it = 0; it < 200 && hi - lo > 1e-12; it++) {
        double d;
        double f = ocv_at_point(c, ocv_eval(c, x, &d), temp_c) - ocv_v;
        if (f == 0.0)
            return x;
        if (f < 0.0)
            lo = x;
        else
            hi = x;
        d = d > 0.0 ? d : 0.0;
        double nx = d > 0.0 ? x - f / d : -1.0;
        if (!(nx > lo && nx < hi))
            nx = 0.5 * (lo + hi);
        if (fabs(nx - x) < 1e-13)
            return nx;
        x = nx;
    }
    return 0.5 * (lo + hi);
}

/* ---------------- self-discharge ---------------- */

/* exp(ea_r (inv_tr - 1/T)): the Arrhenius factor from Ea/R and 1/T_ref,
 * which the aging integration keeps per cell (leak_model). */
static double arrhenius(double ea_r, double inv_tr, double temp_c)
{
    double x = ea_r * (inv_tr - 1.0 / (temp_c + CT_ZERO_C_IN_K));
    /* exp(+-0) is exactly 1 (C11 F.10.3.1): at the reference temperature,
     * where formation and aging ask for it per cell, no call is needed. */
    return x == 0.0 ? 1.0 : exp(x);
}

double ct_arrhenius_factor(double ea_j_per_mol, double temp_c, double ref_temp_c)
{
    return arrhenius(ea_j_per_mol / CT_GAS_CONSTANT_J_MOL_K, 1.0 / (ref_temp_c + CT_ZERO_C_IN_K),
                     temp_c);
}

void ct_self_discharge_init(ct_self_discharge *sd)
{
    sd->base_frac_per_month = 0.005;
    sd->ea_j_per_mol = 53000.0;
    sd->ref_temp_c = 25.0;
}

/* A month is 30 days: rates quoted "per month" are rules of thumb, and a
 * fixed length keeps the unit exact. */
#define HOURS_PER_MONTH 720.0

/* The nominal self-discharge current at the reference temperature, A. */
static double self_discharge_base_a(const ct_self_discharge *sd, double capacity_ah)
{
    return sd->base_frac_per_month * capacity_ah / HOURS_PER_MONTH;
}

double ct_self_discharge_current_a(const ct_self_discharge *sd, double capacity_ah,
                                   double temp_c)
{
    return self_discharge_base_a(sd, capacity_ah)
           * ct_arrhenius_factor(sd->ea_j_per_mol, temp_c, sd->ref_temp_c);
}

double ct_short_charge_ah(double v, double r_ohm, double hours)
{
    if (isinf(r_ohm) && r_ohm > 0)
        return 0.0;
    return v / r_ohm * hours;
}

/* ---------------- resistance ---------------- */

void ct_resistance_design_init(ct_resistance_design *d)
{
    d->ohmic_ohm = NAN;
    d->polarization_ohm = NAN;
    d->ea_ohmic_j_per_mol = 17000.0;
    d->ea_polarization_j_per_mol = 35000.0;
    d->ref_temp_c = 25.0;
}

void ct_resistance_attrs_init(ct_resistance_attrs *a)
{
    a->electrode_factor = 1.0;
    a->contact_ohm = 0.0;
}

/* A resistance falls with temperature as the conductance rises:
 * R(T) = R_ref / arrhenius(T). */
double ct_cell_ir_ohm(const ct_resistance_design *d, const ct_resistance_attrs *a, double temp_c)
{
    return a->contact_ohm + a->electrode_factor * d->ohmic_ohm
                                / ct_arrhenius_factor(d->ea_ohmic_j_per_mol, temp_c, d->ref_temp_c);
}

double ct_cell_dcir_ohm(const ct_resistance_design *d, const ct_resistance_attrs *a,
                        double temp_c)
{
    return ct_cell_ir_ohm(d, a, temp_c)
           + a->electrode_factor * d->polarization_ohm
                 / ct_arrhenius_factor(d->ea_polarization_j_per_mol, temp_c, d->ref_temp_c);
}

/* ---------------- instruments ---------------- */

void ct_instrument_init(ct_instrument *ins)
{
    ins->sd = 0.0;
    ins->offset = 0.0;
    ins->resolution = 0.0;
}

double ct_instrument_read(const ct_instrument *ins, double true_value, ct_rng *rng)
{
    double v = true_value + ins->offset;
    if (rng) {
        /* Always one draw, even for sd = 0, so the streams of two setups that
         * differ only in an instrument's noise stay aligned. */
        double z = ct_dist_std_normal(rng);
        v += ins->sd * z;
    }
    if (ins->resolution > 0.0)
        v = ins->resolution * round(v / ins->resolution);
    return v;
}

/* ---------------- aging ---------------- */

#define MAX_STEPS 100000

/* The discharge current of one cell, with what does not change during a
 * rest computed once: ct_self_discharge_current_a's numbers without its
 * three divisions per call; the integration below evaluates it tens of
 * times a cell. */
typedef struct leak_model {
    const ct_ocv_curve *curve;
    double scale;       /* the cell's self-discharge relative to nominal */
    double base_a;      /* nominal self-discharge current at the reference, A */
    double ea_r;        /* activation energy / R, K */
    double inv_tr;      /* 1 / reference temperature, 1/K */
    double short_ohm;   /* INFINITY without a short */
    /* The last Arrhenius factor and the last OCV evaluation with their
     * arguments: the integration asks for the same temperature (a constant
     * one, the HT rest's) or the same SOC (the first reading's and the first
     * segment's) several times in a row. A memo returns the bits the
     * function would: it is the same function of the same argument bits. */
    double arr_temp_c, arr;
    double ocv_soc;
    ocv_point ocv;
} leak_model;

static leak_model leak_model_of(const ct_aging_cell *cell, const ct_self_discharge *sd)
{
    return (leak_model){
        .curve = cell->curve,
        .scale = cell->self_discharge_scale,
        .base_a = self_discharge_base_a(sd, cell->capacity_ah),
        .ea_r = sd->ea_j_per_mol / CT_GAS_CONSTANT_J_MOL_K,
        .inv_tr = 1.0 / (sd->ref_temp_c + CT_ZERO_C_IN_K),
        .short_ohm = cell->short_ohm,
        .arr_temp_c = NAN,
        .ocv_soc = NAN,
    };
}

/* The self-discharge current (A) at temp, without the short. */
static double self_discharge_a(leak_model *m, double temp_c)
{
    if (!cti_same_bits(temp_c, m->arr_temp_c)) {
        m->arr_temp_c = temp_c;
        m->arr = arrhenius(m->ea_r, m->inv_tr, temp_c);
    }
    return m->scale * (m->base_a * m->arr);
}

/* ct_ocv_at(m->curve, soc, temp_c), from the memo when soc repeats. */
static double leak_ocv(leak_model *m, double soc, double temp_c)
{
    if (isnan(soc) || isnan(temp_c))
        return NAN;
    if (!cti_same_bits(soc, m->ocv_soc)) {
        m->ocv_soc = soc;
        m->ocv = ocv_eval(m->curve, soc, NULL);
    }
    return ocv_at_point(m->curve, m->ocv, temp_c);
}

/* Discharge current (A) at soc and temp; the part through the short goes
 * to *short_i. */
static double leak_a(leak_model *m, double soc, double temp_c, double *short_i)
{
    double i = self_discharge_a(m, temp_c);
    *short_i = isinf(m->short_ohm) ? 0.0 : leak_ocv(m, soc, temp_c) / m->short_ohm;
    return i + *short_i;
}

/* The charge a cell has lost so far, and its SOC. */
typedef struct drained {
    double soc, lost_ah, short_ah;
} drained;

/* Takes a charge dq (of which dq_short went through the short) from the
 * cell: a drained cell stays at 0 % SOC, where the table ends. */
static void take(drained *d, double dq, double dq_short, double cap)
{
    if (dq > d->soc * cap) {
        dq_short *= d->soc * cap / dq;
        dq = d->soc * cap;
    }
    d->soc -= dq / cap;
    d->lost_ah += dq;
    d->short_ah += dq_short;
}

/* Gauss-Legendre nodes and weights on [-1, 1], 4 points (Abramowitz and
 * Stegun, Handbook of Mathematical Functions, table 25.4), and GL4_M[k][j]
 * = the integral from -1 to x_k of the Lagrange polynomial through the
 * nodes that is 1 at x_j: with the integrand's values y_j at the nodes,
 * sum_j GL4_M[k][j] y_j integrates it from -1 to x_k (computed to 50
 * digits from the closed forms x = +-sqrt(3/7 -+ 2/7 sqrt(6/5)); each row
 * sums to 1 + x_k). */
static const double GL4_X[4] = { -0.86113631159405258, -0.33998104358485626,
                                 0.33998104358485626, 0.86113631159405258 };
static const double GL4_W[4] = { 0.34785484513745386, 0.65214515486254614,
                                 0.65214515486254614, 0.34785484513745386 };
static const double GL4_M[4][4] = {
    { 0.17392742256872692, -0.053208360169997589, 0.02525492537880945, -0.0071102993715913667 },
    { 0.37623623499973613, 0.32607257743127305, -0.05576085720494179, 0.013471001189076312 },
    { 0.33438384394837756, 0.70790601206748793, 0.32607257743127305, -0.028381389862282287 },
    { 0.35496514450904521, 0.62689022948373674, 0.70535351503254373, 0.17392742256872692 },
};

/* The charge a segment of dt hours takes, the temperature running linearly
 * from T0 to T1 and the SOC falling by little (the caller's estimate:
 * at most 0.8 %), by 4-point Gauss-Legendre. The self-discharge current
 * exp(Ea/R (1/T_ref - 1/T)) over a 20 K cool-down (Ea 53 kJ/mol) varies
 * by a factor of 4; the rule integrates it to about 1e-8 of the charge,
 * where 8 midpoint steps left 1e-3 (error ~ (c dT)^8 (4!)^4 / (9 (8!)^3)
 * against (c dT / 8)^2 / 24, c = Ea / (R T^2) = 0.07 per K). The short's
 * current OCV(s, T) / R_short is taken at the same nodes, with the SOC
 * there from the self-discharge charge integrated up to each node
 * (GL4_M) and the short's own, nearly constant, current short_a. */
static void segment_gauss(leak_model *m, double dt, double T0, double T1, double soc,
                          double cap, double short_a, double *dq, double *dq_short)
{
    double T[4], ia[4], qa = 0.0;
    for (int k = 0; k < 4; k++) {
        T[k] = T0 + (T1 - T0) * (0.5 * (1.0 + GL4_X[k]));
        ia[k] = self_discharge_a(m, T[k]);
        qa += GL4_W[k] * ia[k];
    }
    qa *= 0.5 * dt;
    double qb = 0.0;
    if (!isinf(m->short_ohm)) {
        for (int k = 0; k < 4; k++) {
            double q = (1.0 + GL4_X[k]) * short_a;
            for (int j = 0; j < 4; j++)
                q += GL4_M[k][j] * ia[j];
            double s = soc - 0.5 * dt * q / cap;
            qb += GL4_W[k] * leak_ocv(m, s > 0.0 ? s : 0.0, T[k]) / m->short_ohm;
        }
        qb *= 0.5 * dt;
    }
    *dq = qa + qb;
    *dq_short = qb;
}

ct_status cti_cell_simulate_aging(const ct_aging_cell *cell, const ct_self_discharge *sd,
                                  const ct_temp_point *history, size_t n,
                                  const ct_instrument *ocv_meter,
                                  const ct_instrument *thermometer, ct_rng *rng,
                                  ct_ocv_reading *r1, ct_ocv_reading *r2,
                                  ct_aging_truth *truth, double *ocv_end_ref_v, ct_error *err)
{
    if (!cell->curve)
        return ct_error_set(err, CT_ERR_INVALID, "aging: no OCV curve");
    if (n < 2)
        return ct_error_set(err, CT_ERR_INVALID,
                            "aging: need a temperature history of at least 2 points, got %zu", n);
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(history[k].t_h) || !isfinite(history[k].temp_c))
            return ct_error_set(err, CT_ERR_INVALID, "aging: history point %zu is not finite", k);
        if (k > 0 && !(history[k].t_h > history[k - 1].t_h))
            return ct_error_set(err, CT_ERR_INVALID,
                                "aging: history times must increase (point %zu: %g h after %g h)",
                                k, history[k].t_h, history[k - 1].t_h);
    }
    if (!(cell->capacity_ah > 0.0) || !isfinite(cell->capacity_ah))
        return ct_error_set(err, CT_ERR_INVALID, "aging: capacity must be > 0 Ah, got %g",
                            cell->capacity_ah);
    if (!(cell->soc >= 0.0 && cell->soc <= 1.0))
        return ct_error_set(err, CT_ERR_INVALID, "aging: SOC must be in [0, 1], got %g",
                            cell->soc);
    if (!(cell->self_discharge_scale >= 0.0) || !isfinite(cell->self_discharge_scale))
        return ct_error_set(err, CT_ERR_INVALID,
                            "aging: self-discharge scale must be >= 0, got %g",
                            cell->self_discharge_scale);
    if (!(cell->short_ohm > 0.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "aging: short resistance must be > 0 ohm (INFINITY for none), got %g",
                            cell->short_ohm);

    double span = history[n - 1].t_h - history[0].t_h;
    double h_max = span / MAX_STEPS > 1.0 ? span / MAX_STEPS : 1.0;
    drained d = { cell->soc, 0.0, 0.0 };
    double cap = cell->capacity_ah;
    leak_model m = leak_model_of(cell, sd);
    /* The true OCV of reading 1 first: the first segment's leak needs the
     * curve at the same SOC (leak_ocv's memo). */
    double T_start = history[0].temp_c, T_end = history[n - 1].temp_c;
    double ocv1 = r1 ? leak_ocv(&m, cell->soc, T_start) : NAN;
    for (size_t k = 0; k + 1 < n; k++) {
        double t0 = history[k].t_h, t1 = history[k + 1].t_h;
        double T0 = history[k].temp_c, T1 = history[k + 1].temp_c;
        /* The segment's SOC drop, estimated at its warmer end. */
        double short_i0;
        double dsoc = leak_a(&m, d.soc, fmax(T0, T1), &short_i0) * (t1 - t0) / cap;
        double dq, dq_short;
        if (T0 != T1 && dsoc <= 8e-3) {
            /* The temperature changes and the SOC hardly does (a cell
             * cooling down or drifting on a shelf): Gauss-Legendre. */
            segment_gauss(&m, t1 - t0, T0, T1, d.soc, cap, short_i0, &dq, &dq_short);
            take(&d, dq, dq_short, cap);
            continue;
        }
        /* Otherwise midpoint steps: one is exact at a constant temperature
         * and a constant SOC (a healthy cell on a shelf); a short that
         * drains the cell takes a step per 0.1 % of SOC lost, so that the
         * OCV, and with it the short's current, changes little within a
         * step; never more steps than the piece has hours. */
        double steps = ceil((t1 - t0) / h_max);
        double need = fmax(T0 == T1 ? 1.0 : 8.0, ceil(dsoc / 1e-3));
        if (steps > need)
            steps = need;
        double h = (t1 - t0) / steps;
        for (double j = 0; j < steps; j++) {
            /* Midpoint rule: the temperature is linear within the segment. */
            double Ts = T0 + (T1 - T0) * (j / steps);
            double Tm = T0 + (T1 - T0) * ((j + 0.5) / steps);
            double short_i;
            double soc_mid = d.soc;
            if (!isinf(m.short_ohm)) {
                /* Only the short's current depends on the SOC: without
                 * one, the midpoint SOC is not needed. */
                soc_mid = d.soc - leak_a(&m, d.soc, Ts, &short_i) * 0.5 * h / cap;
                if (soc_mid < 0.0)
                    soc_mid = 0.0;
            }
            dq = leak_a(&m, soc_mid, Tm, &short_i) * h;
            take(&d, dq, short_i * h, cap);
        }
    }
    double soc = d.soc < 0.0 ? 0.0 : d.soc;

    double ocv2 = NAN;
    if (r1) {
        ocv2 = leak_ocv(&m, soc, T_end);
        /* Fixed draw order: voltage 1, temperature 1, voltage 2, temperature 2. */
        r1->t_h = history[0].t_h;
        r1->ocv_v = ct_instrument_read(ocv_meter, ocv1, rng);
        r1->temp_c = ct_instrument_read(thermometer, T_start, rng);
        r2->t_h = history[n - 1].t_h;
        r2->ocv_v = ct_instrument_read(ocv_meter, ocv2, rng);
        r2->temp_c = ct_instrument_read(thermometer, T_end, rng);
    }
    if (ocv_end_ref_v)
        *ocv_end_ref_v = leak_ocv(&m, soc, cell->curve->ref_temp_c);
    if (truth) {
        truth->soc_end = soc;
        truth->charge_lost_ah = d.lost_ah;
        truth->short_charge_ah = d.short_ah;
        truth->ocv1_v = ocv1;
        truth->ocv2_v = ocv2;
    }
    return CT_OK;
}

ct_status ct_cell_simulate_aging(const ct_aging_cell *cell, const ct_self_discharge *sd,
                                 const ct_temp_point *history, size_t n,
                                 const ct_instrument *ocv_meter,
                                 const ct_instrument *thermometer, ct_rng *rng,
                                 ct_ocv_reading *r1, ct_ocv_reading *r2,
                                 ct_aging_truth *truth, ct_error *err)
{
    return cti_cell_simulate_aging(cell, sd, history, n, ocv_meter, thermometer, rng, r1, r2,
                                   truth, NULL, err);
}
