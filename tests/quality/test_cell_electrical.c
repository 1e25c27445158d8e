/*
 * test_cell_electrical.c - the cell electrical model against its sources and
 * closed forms:
 *  - the built-in OCV and dU/dT tables against the published electrode fits
 *    they were evaluated from (Chen et al. 2020 graphite and NMC811 OCP,
 *    Afshar et al. 2017 LFP OCP, O'Regan et al. 2022 entropic fits, with the
 *    Chen 2020 stoichiometries and the PyBaMM Prada2013 balance), recomputed
 *    here independently of the library, at every node and between nodes;
 *  - monotonicity in SOC, the end voltages against the cells' cut-offs;
 *  - the built-in curves' fast path against the general one (bit for bit);
 *  - the factory's aging variant without readings against the public
 *    function (bit for bit);
 *  - the Arrhenius factor and the micro-short charge V/R t in closed form,
 *    and the aging integrator against them;
 *  - IR/DCIR in closed form, instrument rounding and noise.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "celltwin/cell_electrical.h"
#include "quality/cell_electrical_internal.h"

/* ---------------- the published fits (volts, V/K) ---------------- */

/* Graphite (LG M50) OCP, Chen et al. 2020, J. Electrochem. Soc. 167 080534. */
static double u_graphite(double x)
{
    return 1.9793 * exp(-39.3631 * x) + 0.2482 - 0.0909 * tanh(29.8538 * (x - 0.1234))
           - 0.04478 * tanh(14.9159 * (x - 0.2769)) - 0.0205 * tanh(30.4444 * (x - 0.6103));
}

/* NMC811 (LG M50) OCP, Chen et al. 2020. */
static double u_nmc(double y)
{
    return -0.8090 * y + 4.4875 - 0.0428 * tanh(18.5138 * (y - 0.5542))
           - 17.7326 * tanh(15.7890 * (y - 0.3117)) + 17.5842 * tanh(15.9308 * (y - 0.3120));
}

/* LFP OCP, Afshar, Morris & Khajepour 2017 (arXiv:1709.03970). */
static double u_lfp(double y)
{
    return 3.4077 - 0.020269 * y + 0.5 * exp(-150.0 * y) - 0.9 * exp(-30.0 * (1.0 - y));
}

/* Entropic fits (fit in mV/K), O'Regan et al. 2022, Electrochim. Acta 425 140700. */
static double dudt_graphite(double x)
{
    return (-0.1112 * x + 0.02914 + 0.3561 * exp(-((x - 0.08309) * (x - 0.08309)) / 0.004616))
           / 1000.0;
}

static double dudt_nmc(double y)
{
    return (0.04006 * exp(-((y - 0.2828) * (y - 0.2828)) / 0.0009855)
            - 0.06656 * exp(-((y - 0.8032) * (y - 0.8032)) / 0.02179))
           / 1000.0;
}

/* NMC811 full cell: stoichiometries at 0 % and 100 % SOC, Chen et al. 2020. */
static double nmc_x(double s) { return 0.0279 + s * (0.9014 - 0.0279); }
static double nmc_y(double s) { return 0.9084 + s * (0.2661 - 0.9084); }
static double nmc_ocv(double s) { return u_nmc(nmc_y(s)) - u_graphite(nmc_x(s)); }
static double nmc_dudt(double s) { return dudt_nmc(nmc_y(s)) - dudt_graphite(nmc_x(s)); }

/* LFP full cell, balanced as PyBaMM's Prada2013 set: electrode capacities
 * c_max eps L A F / 3600, 100 % SOC at x = 0.81, y = 0.0038, and 0 % SOC
 * where the OCV is 2.0 V (found here by bisection on the cell capacity). */
static double lfp_x0, lfp_y0;
static const double lfp_x100 = 0.81, lfp_y100 = 0.0038;

static void lfp_balance(void)
{
    const double F = 96485.33212;
    double qn = 30555 * 0.58 * 34e-6 * 0.18 * F / 3600;
    double qp = 22806 * 0.374 * 80e-6 * 0.18 * F / 3600;
    double lo = 1.0, hi = 2.35;   /* Ah; OCV(0 %) falls as Q grows */
    for (int i = 0; i < 200; i++) {
        double q = 0.5 * (lo + hi);
        double v = u_lfp(lfp_y100 + q / qp) - u_graphite(lfp_x100 - q / qn);
        if (v > 2.0)
            lo = q;
        else
            hi = q;
    }
    double q = 0.5 * (lo + hi);
    lfp_x0 = lfp_x100 - q / qn;
    lfp_y0 = lfp_y100 + q / qp;
}

static double lfp_x(double s) { return lfp_x0 + s * (lfp_x100 - lfp_x0); }
static double lfp_y(double s) { return lfp_y0 + s * (lfp_y100 - lfp_y0); }
static double lfp_ocv(double s) { return u_lfp(lfp_y(s)) - u_graphite(lfp_x(s)); }
/* LFP's own dU/dT is taken as 0 (assumption, documented). */
static double lfp_dudt(double s) { return -dudt_graphite(lfp_x(s)); }

static int setup(void **state)
{
    (void)state;
    lfp_balance();
    return 0;
}

/* ---------------- OCV tables ---------------- */

typedef double (*fn)(double);

static void check_table(ct_chemistry chem, fn ocv, fn dudt)
{
    const ct_ocv_curve *c = ct_ocv_curve_builtin(chem);
    assert_non_null(c);
    ct_error err;
    assert_int_equal(ct_ocv_curve_check(c, &err), CT_OK);
    assert_true(c->ref_temp_c == 25.0);
    /* At the nodes: the table holds the fit rounded to 1 uV and 0.1 uV/K. */
    for (size_t i = 0; i < c->n; i++) {
        double s = c->soc[i];
        if (fabs(c->ocv_v[i] - ocv(s)) > 0.51e-6)
            fail_msg("%s node %zu (soc %g): table %.6f V, fit %.7f V", ct_chemistry_name(chem), i,
                     s, c->ocv_v[i], ocv(s));
        if (fabs(c->dudt_v_per_k[i] - dudt(s)) > 0.51e-7)
            fail_msg("%s node %zu: dU/dT table %.7g, fit %.7g", ct_chemistry_name(chem), i,
                     c->dudt_v_per_k[i], dudt(s));
        assert_true(fabs(ct_ocv_at(c, s, 25.0) - c->ocv_v[i]) < 1e-12);
    }
    /* Between the nodes: the monotone cubic stays within 0.15 mV of the fit
     * from 10 to 95 % SOC (the header's promise) and within 2 mV at the
     * steep ends. */
    for (int k = 0; k <= 20000; k++) {
        double s = k / 20000.0;
        double e = fabs(ct_ocv_at(c, s, 25.0) - ocv(s));
        double tol = (s >= 0.1 && s <= 0.95) ? 0.15e-3 : 2e-3;
        if (e > tol)
            fail_msg("%s soc %.5f: interpolated %.6f V, fit %.6f V", ct_chemistry_name(chem), s,
                     ct_ocv_at(c, s, 25.0), ocv(s));
    }
}

static void test_nmc_table(void **state)
{
    (void)state;
    check_table(CT_CHEM_NMC811, nmc_ocv, nmc_dudt);
    const ct_ocv_curve *c = ct_ocv_curve_builtin(CT_CHEM_NMC811);
    /* The stoichiometry window of Chen 2020 spans the LG M50's 2.5-4.2 V. */
    assert_true(fabs(ct_ocv_at(c, 0.0, 25.0) - 2.5) < 0.005);
    assert_true(fabs(ct_ocv_at(c, 1.0, 25.0) - 4.2) < 0.01);
}

static void test_lfp_table(void **state)
{
    (void)state;
    /* The balance the table was built with: x0 = 0.0176179, y0 = 0.7035020. */
    assert_true(fabs(lfp_x0 - 0.0176179) < 1e-7 && fabs(lfp_y0 - 0.7035020) < 1e-7);
    check_table(CT_CHEM_LFP, lfp_ocv, lfp_dudt);
    const ct_ocv_curve *c = ct_ocv_curve_builtin(CT_CHEM_LFP);
    assert_true(fabs(ct_ocv_at(c, 0.0, 25.0) - 2.0) < 1e-6);
    assert_true(fabs(ct_ocv_at(c, 1.0, 25.0) - 3.6) < 0.005);
    /* The characteristic plateau: 3.2 to 3.35 V over 30-95 % SOC, and
     * flat: under 1 mV per % SOC (0.1 V per unit) from 50 to 67.5 %, where
     * the NMC811 curve climbs about 9 mV per %. */
    for (double s = 0.30; s <= 0.95; s += 0.01) {
        double v = ct_ocv_at(c, s, 25.0);
        assert_true(v > 3.2 && v < 3.35);
    }
    for (double s = 0.50; s <= 0.675; s += 0.005)
        assert_true(ct_ocv_slope(c, s) < 0.1);
    assert_true(ct_ocv_slope(ct_ocv_curve_builtin(CT_CHEM_NMC811), 0.6) > 0.8);
}

static void test_monotone(void **state)
{
    (void)state;
    for (int chem = 0; chem < CT_CHEM__COUNT; chem++) {
        const ct_ocv_curve *c = ct_ocv_curve_builtin((ct_chemistry)chem);
        double prev = -INFINITY;
        for (int k = 0; k <= 100000; k++) {
            double s = k / 100000.0, v = ct_ocv_at(c, s, 25.0);
            if (v < prev)
                fail_msg("%s: OCV falls at soc %.5f", ct_chemistry_name((ct_chemistry)chem), s);
            assert_true(ct_ocv_slope(c, s) >= 0.0);
            prev = v;
        }
        /* Slope against a central difference of the interpolant. */
        for (double s = 0.05; s < 0.96; s += 0.0173) {
            double h = 1e-6;
            double fd = (ct_ocv_at(c, s + h, 25.0) - ct_ocv_at(c, s - h, 25.0)) / (2 * h);
            assert_true(fabs(ct_ocv_slope(c, s) - fd) < 1e-5 * (1 + fabs(fd)));
        }
        /* Clamping outside [0, 1]. */
        assert_true(ct_ocv_at(c, -0.5, 25.0) == ct_ocv_at(c, 0.0, 25.0));
        assert_true(ct_ocv_at(c, 1.5, 25.0) == ct_ocv_at(c, 1.0, 25.0));
        assert_true(isnan(ct_ocv_at(c, NAN, 25.0)));
    }
}

static void test_temperature_and_inverse(void **state)
{
    (void)state;
    const ct_ocv_curve *c = ct_ocv_curve_builtin(CT_CHEM_NMC811);
    for (double s = 0.02; s < 1.0; s += 0.049) {
        /* OCV(s, T) = U(s) + dU/dT (T - 25). */
        double d = ct_ocv_at(c, s, 35.0) - ct_ocv_at(c, s, 25.0);
        assert_true(fabs(d - 10.0 * ct_ocv_dudt(c, s)) < 1e-12);
        /* The inverse finds the SOC back where the curve is not flat. */
        double v = ct_ocv_at(c, s, 31.0);
        assert_true(fabs(ct_ocv_soc(c, v, 31.0) - s) < 1e-9);
    }
    /* dU/dT at 10 % SOC from the O'Regan fits: about -0.36 mV/K. */
    assert_true(fabs(ct_ocv_dudt(c, 0.10) - nmc_dudt(0.10)) < 1e-7);
    assert_true(ct_ocv_dudt(c, 0.10) < -0.35e-3 && ct_ocv_dudt(c, 0.10) > -0.38e-3);
    assert_true(ct_ocv_soc(c, 1.0, 25.0) == 0.0 && ct_ocv_soc(c, 5.0, 25.0) == 1.0);
}

/* The built-in curves take a fast path (node slopes computed once, the
 * interval search started from a table of SOC buckets); a caller's curve
 * with the same points takes the general one. Both must give the same
 * numbers, bit for bit, at the nodes, between them, at the bucket edges
 * (k/128) and just below them, where a wrong start would pick the
 * neighbouring interval. */
static void test_builtin_fast_path(void **state)
{
    (void)state;
    for (int chem = 0; chem < CT_CHEM__COUNT; chem++) {
        const ct_ocv_curve *b = ct_ocv_curve_builtin((ct_chemistry)chem);
        ct_ocv_curve own = *b;   /* same arrays, not a built-in */
        double pts[1024];
        size_t n = 0;
        for (size_t i = 0; i < b->n; i++) {
            pts[n++] = b->soc[i];
            pts[n++] = nextafter(b->soc[i], -1.0);
            if (i + 1 < b->n)
                pts[n++] = 0.5 * (b->soc[i] + b->soc[i + 1]);
        }
        for (int k = 0; k <= 128; k++) {
            pts[n++] = k / 128.0;
            pts[n++] = nextafter(k / 128.0, -1.0);
        }
        assert_true(n <= sizeof pts / sizeof pts[0]);
        for (size_t j = 0; j < n; j++) {
            double s = pts[j];
            assert_true(ct_ocv_at(b, s, 25.0) == ct_ocv_at(&own, s, 25.0));
            assert_true(ct_ocv_at(b, s, 40.0) == ct_ocv_at(&own, s, 40.0));
            assert_true(ct_ocv_slope(b, s) == ct_ocv_slope(&own, s));
            assert_true(ct_ocv_dudt(b, s) == ct_ocv_dudt(&own, s));
            double v = ct_ocv_at(&own, s, 30.0);
            assert_true(ct_ocv_soc(b, v, 30.0) == ct_ocv_soc(&own, v, 30.0));
        }
        /* The inversion's end tests (cached for the built-ins): at the end
         * voltages, a step either side and far out, at several
         * temperatures. */
        const double temps[3] = { 15.0, 25.0, 45.0 };
        for (int t = 0; t < 3; t++)
            for (int e = 0; e <= 1; e++) {
                double v = ct_ocv_at(&own, e, temps[t]);
                const double vs[5] = { v, nextafter(v, 0.0), nextafter(v, 10.0), v - 1.0,
                                       v + 1.0 };
                for (int j = 0; j < 5; j++)
                    assert_true(ct_ocv_soc(b, vs[j], temps[t]) ==
                                ct_ocv_soc(&own, vs[j], temps[t]));
            }
    }
}

static void test_curve_check(void **state)
{
    (void)state;
    ct_error err;
    const double soc[3] = { 0.0, 0.5, 1.0 }, bad_ocv[3] = { 3.0, 3.5, 3.4 },
                 dudt[3] = { 0, 0, 0 }, soc_bad[3] = { 0.0, 0.5, 0.5 };
    ct_ocv_curve c = { soc, bad_ocv, dudt, 3, 25.0, NULL };
    assert_int_equal(ct_ocv_curve_check(&c, &err), CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "point 2"));
    const double ok_ocv[3] = { 3.0, 3.5, 3.6 };
    c.ocv_v = ok_ocv;
    assert_int_equal(ct_ocv_curve_check(&c, &err), CT_OK);
    c.soc = soc_bad;
    assert_int_equal(ct_ocv_curve_check(&c, &err), CT_ERR_INVALID);
    c.soc = soc;
    c.n = 1;
    assert_int_equal(ct_ocv_curve_check(&c, &err), CT_ERR_INVALID);
    ct_chemistry ch;
    assert_int_equal(ct_chemistry_parse("lfp", &ch), CT_OK);
    assert_int_equal(ch, CT_CHEM_LFP);
    assert_int_equal(ct_chemistry_parse("nmc", &ch), CT_OK);
    assert_int_equal(ch, CT_CHEM_NMC811);
    assert_int_equal(ct_chemistry_parse("lco", &ch), CT_ERR_INVALID);
}

/* ---------------- self-discharge ---------------- */

static void test_arrhenius(void **state)
{
    (void)state;
    const double R = 8.314462618;
    /* The factor between 25 and 45 C, closed form. */
    double ea = 53000.0;
    double want = exp(ea / R * (1.0 / 298.15 - 1.0 / 318.15));
    assert_true(fabs(ct_arrhenius_factor(ea, 45.0, 25.0) - want) < 1e-12 * want);
    assert_true(ct_arrhenius_factor(ea, 25.0, 25.0) == 1.0);
    /* The default activation energy is the "doubles every 10 K" rule. */
    ct_self_discharge sd;
    ct_self_discharge_init(&sd);
    assert_true(fabs(ct_arrhenius_factor(sd.ea_j_per_mol, 35.0, 25.0) - 2.0) < 0.01);
    /* Base current: 0.5 %/month of 5 Ah = 25 mAh per 720 h. */
    assert_true(fabs(ct_self_discharge_current_a(&sd, 5.0, 25.0) - 0.025 / 720.0) < 1e-15);
}

static void test_short_closed_form(void **state)
{
    (void)state;
    /* V/R t: 3.6 V over 1 kohm for 24 h = 86.4 mAh. */
    assert_true(fabs(ct_short_charge_ah(3.6, 1000.0, 24.0) - 0.0864) < 1e-15);
    assert_true(ct_short_charge_ah(3.6, INFINITY, 24.0) == 0.0);

    /* The integrator on a flat curve (OCV 3.6 V at every SOC): exactly
     * V/R t, and the base self-discharge exactly rate C t / 720 h. */
    const double soc[2] = { 0, 1 }, ocv[2] = { 3.6, 3.6 }, dudt[2] = { 0, 0 };
    ct_ocv_curve flat = { soc, ocv, dudt, 2, 25.0, NULL };
    ct_self_discharge sd;
    ct_self_discharge_init(&sd);
    sd.base_frac_per_month = 0.0;
    ct_aging_cell cell = { &flat, 5.0, 0.5, 1.0, 10000.0 };
    ct_temp_point hist[2] = { { 0.0, 25.0 }, { 168.0, 25.0 } };
    ct_instrument perfect;
    ct_instrument_init(&perfect);
    ct_ocv_reading r1, r2;
    ct_aging_truth truth;
    ct_error err;
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &perfect, &perfect, NULL, &r1,
                                            &r2, &truth, &err),
                     CT_OK);
    double q = 3.6 / 10000.0 * 168.0;
    assert_true(fabs(truth.short_charge_ah - q) < 1e-12);
    assert_true(fabs(truth.charge_lost_ah - q) < 1e-12);
    assert_true(fabs(truth.soc_end - (0.5 - q / 5.0)) < 1e-12);
    assert_true(r1.t_h == 0.0 && r2.t_h == 168.0 && r1.ocv_v == 3.6 && r2.temp_c == 25.0);

    sd.base_frac_per_month = 0.02;
    cell.short_ohm = INFINITY;
    hist[1].t_h = 720.0;
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &perfect, &perfect, NULL, &r1,
                                            &r2, &truth, &err),
                     CT_OK);
    assert_true(fabs(truth.charge_lost_ah - 0.02 * 5.0) < 1e-12);
    assert_true(truth.short_charge_ah == 0.0);
    /* At 45 C the loss scales by the Arrhenius factor. */
    hist[0].temp_c = hist[1].temp_c = 45.0;
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &perfect, &perfect, NULL, &r1,
                                            &r2, &truth, &err),
                     CT_OK);
    double a = ct_arrhenius_factor(sd.ea_j_per_mol, 45.0, 25.0);
    assert_true(fabs(truth.charge_lost_ah - 0.1 * a) < 1e-12);

    /* On the real NMC curve the voltage falls as charge leaks, so the short
     * draws between V_end/R t and V_start/R t. */
    sd.base_frac_per_month = 0.0;
    cell.curve = ct_ocv_curve_builtin(CT_CHEM_NMC811);
    cell.short_ohm = 10000.0;
    hist[0].temp_c = hist[1].temp_c = 25.0;
    hist[1].t_h = 168.0;
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &perfect, &perfect, NULL, &r1,
                                            &r2, &truth, &err),
                     CT_OK);
    assert_true(truth.short_charge_ah < r1.ocv_v / 10000.0 * 168.0);
    assert_true(truth.short_charge_ah > r2.ocv_v / 10000.0 * 168.0);
    assert_true(fabs(truth.soc_end - (0.5 - truth.charge_lost_ah / 5.0)) < 1e-12);

    /* A hard short drains the cell to 0 % and it stays there. */
    cell.short_ohm = 1.0;
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &perfect, &perfect, NULL, &r1,
                                            &r2, &truth, &err),
                     CT_OK);
    assert_true(truth.soc_end == 0.0);
    assert_true(fabs(truth.charge_lost_ah - 2.5) < 1e-9);
}

/* The charge a cell cooling linearly from 45 C to 25 C in 24 h loses, by
 * an independent integration of dQ/dt = I_sd(T(t)) + OCV(s, T(t)) / R
 * (s = s0 - Q / C): Simpson's rule on the self-discharge alone, classical
 * Runge-Kutta with the short, both in 20 000 steps (their errors,
 * O(h^4), are far below the tolerances). */
static double ramp_temp(double t_h) { return 45.0 - 20.0 * t_h / 24.0; }

static double oracle_rate(const ct_ocv_curve *c, const ct_self_discharge *sd, double cap,
                          double s0, double r_ohm, double t_h, double q)
{
    double i = ct_self_discharge_current_a(sd, cap, ramp_temp(t_h));
    if (isfinite(r_ohm))
        i += ct_ocv_at(c, s0 - q / cap, ramp_temp(t_h)) / r_ohm;
    return i;
}

static double oracle_charge(const ct_ocv_curve *c, const ct_self_discharge *sd, double cap,
                            double s0, double r_ohm)
{
    const int n = 20000;
    double h = 24.0 / n, q = 0.0;
    if (!isfinite(r_ohm)) {
        double sum = 0.0;
        for (int k = 0; k <= n; k++)
            sum += (k == 0 || k == n ? 1.0 : k % 2 ? 4.0 : 2.0)
                   * oracle_rate(c, sd, cap, s0, r_ohm, k * h, 0.0);
        return sum * h / 3.0;
    }
    for (int k = 0; k < n; k++) {
        double t = k * h;
        double k1 = oracle_rate(c, sd, cap, s0, r_ohm, t, q);
        double k2 = oracle_rate(c, sd, cap, s0, r_ohm, t + h / 2, q + h / 2 * k1);
        double k3 = oracle_rate(c, sd, cap, s0, r_ohm, t + h / 2, q + h / 2 * k2);
        double k4 = oracle_rate(c, sd, cap, s0, r_ohm, t + h, q + h * k3);
        q += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    return q;
}

static void test_aging_cooling_ramp(void **state)
{
    (void)state;
    const ct_ocv_curve *nmc = ct_ocv_curve_builtin(CT_CHEM_NMC811);
    ct_self_discharge sd;
    ct_self_discharge_init(&sd);   /* 0.5 %/month, 53 kJ/mol: a factor ~4 over the ramp */
    ct_aging_cell cell = { nmc, 150.0, 0.3, 1.0, INFINITY };
    ct_temp_point hist[2] = { { 0.0, 45.0 }, { 24.0, 25.0 } };
    ct_instrument perfect;
    ct_instrument_init(&perfect);
    ct_ocv_reading r1, r2;
    ct_aging_truth truth;
    ct_error err;

    /* Without a short: 1e-7 of the charge (8 midpoint steps were 1e-3
     * off here: (c dT / 8)^2 / 24 with c = Ea / (R T^2) = 0.07 per K). */
    double want = oracle_charge(nmc, &sd, 150.0, 0.3, INFINITY);
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &perfect, &perfect, NULL, &r1,
                                            &r2, &truth, &err),
                     CT_OK);
    assert_true(fabs(truth.charge_lost_ah - want) < 1e-7 * want);
    assert_true(truth.short_charge_ah == 0.0);

    /* With a short that takes about 0.4 % of the charge over the day
     * (3.6 V / 4.6 kohm x 24 h = 19 mAh of 5 Ah) while the OCV falls with
     * the SOC: the total and the short's part to 1e-6 (8 midpoint steps:
     * 9e-5 on the total). */
    cell.capacity_ah = 5.0;
    cell.short_ohm = 4600.0;
    want = oracle_charge(nmc, &sd, 5.0, 0.3, 4600.0);
    double want_self = oracle_charge(nmc, &sd, 5.0, 0.3, INFINITY);
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &perfect, &perfect, NULL, &r1,
                                            &r2, &truth, &err),
                     CT_OK);
    assert_true(fabs(truth.charge_lost_ah - want) < 1e-6 * want);
    assert_true(fabs(truth.short_charge_ah - (want - want_self)) < 1e-6 * (want - want_self));
    assert_true(fabs(truth.soc_end - (0.3 - truth.charge_lost_ah / 5.0)) < 1e-12);
}

/* Bitwise equality of two results (NaN matching NaN). */
static bool same(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The factory's variant (cell_electrical_internal.h) is the public function
 * without the readings it does not need: the same charge balance bit for
 * bit, no draws and NaN true OCVs without readings, the same readings
 * with them, and the end OCV at the reference temperature that
 * ct_ocv_at gives. With a short (the path that evaluates the OCV) and
 * without, over an HT rest, a cool-down and an RT rest. */
static void test_aging_internal(void **state)
{
    (void)state;
    const ct_ocv_curve *lfp = ct_ocv_curve_builtin(CT_CHEM_LFP);
    ct_self_discharge sd;
    ct_self_discharge_init(&sd);
    const ct_temp_point ht[3] = { { 0.0, 45.0 }, { 72.0, 45.0 }, { 96.0, 25.4 } };
    const ct_temp_point rt[2] = { { 0.0, 25.4 }, { 144.0, 24.7 } };
    ct_instrument meter, thermo;
    ct_instrument_init(&meter);
    meter.sd = 20e-6;
    meter.resolution = 10e-6;
    ct_instrument_init(&thermo);
    thermo.sd = 0.2;
    thermo.resolution = 0.1;
    const double shorts[3] = { INFINITY, 2e9, 4600.0 };
    for (int k = 0; k < 3; k++) {
        ct_aging_cell cell = { lfp, 20.0, 0.3, 1.3, shorts[k] };
        ct_ocv_reading r1, r2, q1, q2;
        ct_aging_truth t, u;
        ct_error err;
        ct_rng a, b;
        ct_rng_init(&a, 7, 0, 3);
        ct_rng_init(&b, 7, 0, 3);

        ct_instrument none;
        ct_instrument_init(&none);
        assert_int_equal(ct_cell_simulate_aging(&cell, &sd, ht, 3, &none, &none, NULL, &r1, &r2,
                                                &t, &err),
                         CT_OK);
        assert_int_equal(cti_cell_simulate_aging(&cell, &sd, ht, 3, NULL, NULL, NULL, NULL, NULL,
                                                 &u, NULL, &err),
                         CT_OK);
        assert_true(same(t.soc_end, u.soc_end) && same(t.charge_lost_ah, u.charge_lost_ah) &&
                    same(t.short_charge_ah, u.short_charge_ah));
        assert_true(isnan(u.ocv1_v) && isnan(u.ocv2_v));

        cell.soc = t.soc_end;
        double ocv_ref;
        assert_int_equal(ct_cell_simulate_aging(&cell, &sd, rt, 2, &meter, &thermo, &a, &r1, &r2,
                                                &t, &err),
                         CT_OK);
        assert_int_equal(cti_cell_simulate_aging(&cell, &sd, rt, 2, &meter, &thermo, &b, &q1, &q2,
                                                 &u, &ocv_ref, &err),
                         CT_OK);
        assert_memory_equal(&r1, &q1, sizeof r1);
        assert_memory_equal(&r2, &q2, sizeof r2);
        assert_memory_equal(&t, &u, sizeof t);
        assert_true(same(ocv_ref, ct_ocv_at(lfp, t.soc_end, lfp->ref_temp_c)));
        /* Both streams drew the same number of values. */
        assert_true(ct_rng_uniform(&a) == ct_rng_uniform(&b));
    }
}

static void test_aging_errors(void **state)
{
    (void)state;
    ct_self_discharge sd;
    ct_self_discharge_init(&sd);
    ct_aging_cell cell = { ct_ocv_curve_builtin(CT_CHEM_LFP), 2.3, 0.6, 1.0, INFINITY };
    ct_temp_point hist[2] = { { 10.0, 25.0 }, { 10.0, 25.0 } };
    ct_instrument ins;
    ct_instrument_init(&ins);
    ct_ocv_reading r1, r2;
    ct_error err;
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &ins, &ins, NULL, &r1, &r2, NULL,
                                            &err),
                     CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "increase"));
    hist[1].t_h = 20.0;
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 1, &ins, &ins, NULL, &r1, &r2, NULL,
                                            &err),
                     CT_ERR_INVALID);
    cell.capacity_ah = 0.0;
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &ins, &ins, NULL, &r1, &r2, NULL,
                                            &err),
                     CT_ERR_INVALID);
    cell.capacity_ah = 2.3;
    cell.soc = 1.2;
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &ins, &ins, NULL, &r1, &r2, NULL,
                                            &err),
                     CT_ERR_INVALID);
    cell.soc = 0.5;
    cell.short_ohm = 0.0;
    assert_int_equal(ct_cell_simulate_aging(&cell, &sd, hist, 2, &ins, &ins, NULL, &r1, &r2, NULL,
                                            &err),
                     CT_ERR_INVALID);
}

/* ---------------- resistance and instruments ---------------- */

static void test_resistance(void **state)
{
    (void)state;
    const double R = 8.314462618;
    ct_resistance_design d;
    ct_resistance_design_init(&d);
    ct_resistance_attrs a;
    ct_resistance_attrs_init(&a);
    assert_true(isnan(ct_cell_ir_ohm(&d, &a, 25.0)));
    d.ohmic_ohm = 0.015;
    d.polarization_ohm = 0.010;
    assert_true(fabs(ct_cell_ir_ohm(&d, &a, 25.0) - 0.015) < 1e-15);
    assert_true(fabs(ct_cell_dcir_ohm(&d, &a, 25.0) - 0.025) < 1e-15);
    a.electrode_factor = 1.1;
    a.contact_ohm = 0.0005;
    /* At 0 C each part grows by exp(Ea/R (1/273.15 - 1/298.15)). */
    double fo = exp(17000.0 / R * (1.0 / 273.15 - 1.0 / 298.15));
    double fp = exp(35000.0 / R * (1.0 / 273.15 - 1.0 / 298.15));
    double ir = 0.0005 + 1.1 * 0.015 * fo;
    assert_true(fabs(ct_cell_ir_ohm(&d, &a, 0.0) - ir) < 1e-15);
    assert_true(fabs(ct_cell_dcir_ohm(&d, &a, 0.0) - (ir + 1.1 * 0.010 * fp)) < 1e-15);
}

static void test_instrument(void **state)
{
    (void)state;
    ct_instrument ins;
    ct_instrument_init(&ins);
    assert_true(ct_instrument_read(&ins, 3.6512345, NULL) == 3.6512345);
    ins.resolution = 1e-4;
    ins.offset = 2e-4;
    assert_true(fabs(ct_instrument_read(&ins, 3.65123, NULL) - 3.6514) < 1e-12);

    /* Noise: 20000 draws of sd 50 uV. The sample sd has a relative standard
     * error of 1/sqrt(2 n) = 0.5 %, so 3 % is a loose, seed-independent
     * bound; the mean's standard error is 0.35 uV. */
    ct_instrument_init(&ins);
    ins.sd = 50e-6;
    ct_rng rng;
    ct_rng_init(&rng, 7, 0, 1);
    double s = 0, ss = 0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        double d = ct_instrument_read(&ins, 3.3, &rng) - 3.3;
        s += d;
        ss += d * d;
    }
    double mean = s / n, sd = sqrt((ss - n * mean * mean) / (n - 1));
    assert_true(fabs(mean) < 2e-6);
    assert_true(fabs(sd - 50e-6) < 0.03 * 50e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nmc_table),
        cmocka_unit_test(test_lfp_table),
        cmocka_unit_test(test_monotone),
        cmocka_unit_test(test_temperature_and_inverse),
        cmocka_unit_test(test_builtin_fast_path),
        cmocka_unit_test(test_curve_check),
        cmocka_unit_test(test_arrhenius),
        cmocka_unit_test(test_short_closed_form),
        cmocka_unit_test(test_aging_cooling_ramp),
        cmocka_unit_test(test_aging_internal),
        cmocka_unit_test(test_aging_errors),
        cmocka_unit_test(test_resistance),
        cmocka_unit_test(test_instrument),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
