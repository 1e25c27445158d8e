/*
 * cell_electrical.h - the electrical state of a finished cell as the end-of-
 * line tests see it: open-circuit voltage as a function of state of charge
 * and temperature (tabulated for LFP/graphite and NMC811/graphite from
 * published electrode curves), self-discharge during aging (a base rate with
 * an Arrhenius temperature dependence plus a micro-short as a parallel leak
 * resistance), AC internal resistance and DCIR from a design value scaled by
 * the cell's electrode and contact attributes, and measuring instruments
 * with noise. The cell factory calls ct_cell_simulate_aging() to produce the
 * two OCV readings of an aging step; `celltwin screen` (screening.h) turns
 * such readings, simulated or measured, into k-values.
 *
 * Units are in the names: soc is a fraction 0..1, temperatures are degrees
 * Celsius, times hours, voltages volts, resistances ohms, capacities Ah.
 * Every equation and where it comes from: docs/cell-model.md.
 * All functions are pure apart from the random stream passed in; tables are
 * static and read-only, so everything is thread-safe.
 */
#ifndef CELLTWIN_CELL_ELECTRICAL_H
#define CELLTWIN_CELL_ELECTRICAL_H

#include <stdbool.h>
#include <stddef.h>

#include "celltwin/rng.h"
#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Gas constant (J/(mol K)) and 0 degC in kelvin, as used in every Arrhenius
 * factor here. */
#define CT_GAS_CONSTANT_J_MOL_K 8.314462618
#define CT_ZERO_C_IN_K 273.15

/* ------------------------------------------------------------------ */
/* Open-circuit voltage                                                */
/* ------------------------------------------------------------------ */

/* Chemistries with a built-in OCV table. */
typedef enum ct_chemistry {
    CT_CHEM_LFP = 0,   /* LiFePO4 / graphite (PyBaMM Prada2013 set) */
    CT_CHEM_NMC811,    /* NMC811 / graphite-SiOx, LG M50 (Chen et al. 2020) */
    CT_CHEM__COUNT
} ct_chemistry;

/* "lfp" or "nmc811"; never NULL ("?" for an out-of-range value). */
const char *ct_chemistry_name(ct_chemistry chem);
/* Parses "lfp" or "nmc811" (also "nmc"). CT_ERR_INVALID if unknown. */
ct_status ct_chemistry_parse(const char *name, ct_chemistry *out);

/* An OCV curve: n points of SOC (strictly increasing, from 0 to 1), OCV at
 * ref_temp_c (volts, non-decreasing) and the entropic coefficient dU/dT at
 * the same points (volts per kelvin). The arrays are borrowed: built-in
 * curves point at static tables; a caller may build its own from a
 * measured table (check it with ct_ocv_curve_check). */
typedef struct ct_ocv_curve {
    const double *soc;
    const double *ocv_v;
    const double *dudt_v_per_k;
    size_t n;
    double ref_temp_c;      /* temperature of ocv_v (25) */
    const char *source;     /* one-line citation; may be NULL */
} ct_ocv_curve;

/* The built-in curve of chem (static storage, never NULL for a valid chem).
 * LFP: full-cell OCV from the LFP electrode fit of Afshar et al. (2017) and
 * the graphite fit of Chen et al. (2020) with the electrode balance of
 * PyBaMM's Prada2013 set (2.3 Ah, 3.6 V at 100 %, 2.0 V at 0 % SOC).
 * NMC811: both electrode fits and the 0 %/100 % stoichiometries of Chen
 * et al. (2020). dU/dT from O'Regan et al. (2022) (graphite, NMC811);
 * the LFP electrode's own dU/dT is taken as 0 (assumption). 100 points,
 * interpolation error below 0.15 mV between 10 and 95 % SOC. */
const ct_ocv_curve *ct_ocv_curve_builtin(ct_chemistry chem);

/* Checks a caller's curve: n >= 2, finite values, soc strictly increasing
 * from 0 to 1, ocv non-decreasing. CT_ERR_INVALID with the index of the
 * first bad point in err. */
ct_status ct_ocv_curve_check(const ct_ocv_curve *curve, ct_error *err);

/* OCV at soc and temp_c:
 *   OCV(soc, T) = U(soc) + dU/dT(soc) (T - ref_temp_c)
 * with U interpolated by monotone piecewise cubic Hermite (Fritsch &
 * Butland 1984, as MATLAB's pchip), so the curve never wiggles between
 * table points, and dU/dT interpolated linearly. soc outside [0, 1] is
 * clamped. NAN if soc or temp_c is NAN. */
double ct_ocv_at(const ct_ocv_curve *curve, double soc, double temp_c);

/* dU/dSOC at ref_temp_c, volts per unit SOC (0.01 V per unit = 0.1 mV per
 * % SOC): the derivative of the interpolant. >= 0. */
double ct_ocv_slope(const ct_ocv_curve *curve, double soc);

/* The entropic coefficient dU/dT at soc, volts per kelvin. */
double ct_ocv_dudt(const ct_ocv_curve *curve, double soc);

/* The soc at which ct_ocv_at(curve, soc, temp_c) = ocv_v (bisection to
 * 1e-12). Clamped: 0 below the curve, 1 above it. Where the curve is flat
 * (the LFP plateau) many SOCs give nearly the same OCV and the answer is
 * correspondingly uncertain. NAN if an argument is NAN. */
double ct_ocv_soc(const ct_ocv_curve *curve, double ocv_v, double temp_c);

/* ------------------------------------------------------------------ */
/* Self-discharge                                                      */
/* ------------------------------------------------------------------ */

/* exp(Ea/R (1/T_ref - 1/T)) with temperatures in Celsius: how much faster
 * a thermally activated process runs at temp_c than at ref_temp_c. */
double ct_arrhenius_factor(double ea_j_per_mol, double temp_c, double ref_temp_c);

/* Self-discharge of a healthy cell: a leak of base_frac_per_month of the
 * cell's capacity per 30-day month at ref_temp_c, independent of SOC, times
 * ct_arrhenius_factor(ea_j_per_mol, T, ref_temp_c). */
typedef struct ct_self_discharge {
    double base_frac_per_month;  /* 0.005 = 0.5 %/month (assumption) */
    double ea_j_per_mol;         /* 53000: doubles per 10 K near 25 C */
    double ref_temp_c;           /* 25 */
} ct_self_discharge;

/* Fills the defaults shown above (their grounds: docs/cell-model.md). */
void ct_self_discharge_init(ct_self_discharge *sd);

/* The base leak current, amperes, of a cell of capacity_ah at temp_c:
 *   I = base_frac_per_month capacity_ah / 720 h * arrhenius. */
double ct_self_discharge_current_a(const ct_self_discharge *sd, double capacity_ah,
                                   double temp_c);

/* Charge (Ah) a micro-short of r_ohm draws in hours at a constant cell
 * voltage v: v / r_ohm * hours. 0 for r_ohm = INFINITY (no short). */
double ct_short_charge_ah(double v, double r_ohm, double hours);

/* ------------------------------------------------------------------ */
/* Internal resistance                                                  */
/* ------------------------------------------------------------------ */

/* The design resistance of a cell type at ref_temp_c. The AC internal
 * resistance (1 kHz) is the ohmic part; DCIR (a current pulse of some
 * seconds) adds charge transfer and diffusion, the "polarization" part.
 * Each part follows its own Arrhenius law. */
typedef struct ct_resistance_design {
    double ohmic_ohm;              /* IR at ref_temp_c; NAN until set */
    double polarization_ohm;       /* DCIR - IR at ref_temp_c; NAN until set */
    double ea_ohmic_j_per_mol;     /* 17000: electrolyte conductivity */
    double ea_polarization_j_per_mol; /* 35000: graphite charge transfer */
    double ref_temp_c;             /* 25 */
} ct_resistance_design;

/* Sets the activation energies and reference temperature shown above and
 * leaves the two resistances NAN: they come from the cell design. */
void ct_resistance_design_init(ct_resistance_design *d);

/* What makes one cell differ from the design. */
typedef struct ct_resistance_attrs {
    double electrode_factor;  /* multiplies both parts: coating thickness,
                               * porosity, loading relative to design (1) */
    double contact_ohm;       /* added series resistance: tab welds,
                               * current-collector contacts (0) */
} ct_resistance_attrs;

void ct_resistance_attrs_init(ct_resistance_attrs *a);

/* IR(T)   = contact + f R_ohm   exp(Ea_ohm/R (1/T - 1/T_ref))
 * DCIR(T) = IR(T)  + f R_pol    exp(Ea_pol/R (1/T - 1/T_ref))
 * (the resistance falls as the temperature rises). NAN if the design's
 * resistances are unset. */
double ct_cell_ir_ohm(const ct_resistance_design *d, const ct_resistance_attrs *a,
                      double temp_c);
double ct_cell_dcir_ohm(const ct_resistance_design *d, const ct_resistance_attrs *a,
                        double temp_c);

/* ------------------------------------------------------------------ */
/* Instruments                                                          */
/* ------------------------------------------------------------------ */

/* A measuring channel: reading = true value + offset + sd N(0, 1), then
 * rounded to a multiple of resolution (0 = no rounding). Value type. */
typedef struct ct_instrument {
    double sd;          /* repeatability, in the unit of the quantity */
    double offset;      /* systematic error (calibration), same unit */
    double resolution;  /* display step; 0 = none */
} ct_instrument;

/* A perfect instrument: everything 0. */
void ct_instrument_init(ct_instrument *ins);

/* One reading of true_value. rng may be NULL for a noise-free reading
 * (offset and rounding still apply). Draws exactly one uniform whenever
 * rng != NULL, even for sd = 0, so streams stay aligned. */
double ct_instrument_read(const ct_instrument *ins, double true_value, ct_rng *rng);

/* ------------------------------------------------------------------ */
/* Aging simulation                                                     */
/* ------------------------------------------------------------------ */

/* One cell in the aging step. */
typedef struct ct_aging_cell {
    const ct_ocv_curve *curve;   /* borrowed */
    double capacity_ah;          /* this cell's capacity, > 0 */
    double soc;                  /* SOC at the first reading, 0..1 */
    double self_discharge_scale; /* this cell's base rate / nominal (1) */
    double short_ohm;            /* micro-short, INFINITY = none */
} ct_aging_cell;

/* A point of the cell temperature history (piecewise linear in between). */
typedef struct ct_temp_point {
    double t_h;
    double temp_c;
} ct_temp_point;

/* One OCV reading as the tester records it. */
typedef struct ct_ocv_reading {
    double t_h;
    double temp_c;     /* as measured by the temperature channel */
    double ocv_v;      /* as measured by the voltage channel */
} ct_ocv_reading;

/* What was true, for checking a screen against the truth. */
typedef struct ct_aging_truth {
    double soc_end;
    double charge_lost_ah;        /* total, base self-discharge + short */
    double short_charge_ah;       /* part drawn by the micro-short */
    double ocv1_v, ocv2_v;        /* true OCVs at the two readings */
} ct_aging_truth;

/* Simulates the aging step of one cell: the cell temperature follows
 * history[0..n-1] (n >= 2, t_h strictly increasing); reading 1 is taken at
 * history[0], reading 2 at history[n-1]. The charge balance
 *   dQ/dt = -(I_sd(T(t)) + OCV(soc(t), T(t)) / R_short),  soc = Q / capacity
 * is integrated with the midpoint rule in steps of at most 1 h (at most
 * 100000 steps; longer histories use longer steps). Readings are
 *   ocv = ocv_meter(OCV(soc, T)), temp = thermometer(T),
 * each with one draw from rng (NULL = noise-free). sd and the instruments
 * are borrowed; truth may be NULL.
 * Errors (CT_ERR_INVALID, message in err): n < 2, times not increasing,
 * a non-finite value, capacity <= 0, soc outside [0, 1], a negative scale,
 * or short_ohm <= 0. A cell drained to SOC 0 stays there (the tables end
 * at 0 %; a real hard short would go on to 0 V). */
ct_status ct_cell_simulate_aging(const ct_aging_cell *cell, const ct_self_discharge *sd,
                                 const ct_temp_point *history, size_t n,
                                 const ct_instrument *ocv_meter,
                                 const ct_instrument *thermometer, ct_rng *rng,
                                 ct_ocv_reading *r1, ct_ocv_reading *r2,
                                 ct_aging_truth *truth, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
