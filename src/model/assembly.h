/*
 * assembly.h - the cell-assembly process models (internal): laser notching,
 * stacking, the Hi-Pot insulation test, ultrasonic and laser welding with
 * the helium leak test, vacuum baking and electrolyte filling, following
 * section 2.1 and the notching case of section 2.2 of the review (Orum
 * Aydin et al., Batteries 2023, 9, 555; ../shared/domain/).
 *
 * Each step is a pure function of a parameter block, one cell's attributes
 * (float[CTI_C__COUNT], model/attrs.h, base units of units.h) and defect
 * bits, and a random stream: no event engine, no allocation, no global
 * state, so a station kind in line.c calls it once per cell at the end of a
 * job and tests call it directly. Attributes hold the TRUE values (what the
 * simulation knows); the test steps (Hi-Pot, helium leak test, gravimetric
 * check) return the instrument's READING, which is what a gate compares
 * with its limit. Every equation, its coefficients and where they come
 * from: docs/models-assembly.md.
 *
 * Parameter blocks are value types: *_init fills documented defaults (a
 * prismatic LFP cell of about 150 Ah, ~50 cathode sheets, as in
 * examples/prismatic-lfp.yaml), *_check rejects values outside the
 * physical or published range the model is valid for, with a message that
 * names the field and the limit. The step functions assume checked
 * parameters and do not check them again (one call per cell).
 *
 * Random draws: each step draws the fixed number of uniforms stated at its
 * function, whatever the outcome, so a change of one parameter does not
 * shift the stream of the cells after it. Normal draws are
 * ct_normal_quantile(ct_rng_uniform(rng)) (quality.h), one uniform each;
 * the Poisson count is an inverse transform of one uniform.
 */
#ifndef CELLTWIN_MODEL_ASSEMBLY_H
#define CELLTWIN_MODEL_ASSEMBLY_H

#include <stdbool.h>
#include <stdint.h>

#include "celltwin/cell_electrical.h"
#include "celltwin/rng.h"
#include "celltwin/status.h"
#include "model/attrs.h"

/* ------------------------------------------------------------------ */
/* Shared helpers                                                      */
/* ------------------------------------------------------------------ */

/* Checks lo <= value <= hi (a NAN fails). On failure sets err to
 * CT_ERR_INVALID with "what: 90 m/min is above 60 m/min: why" (the value
 * and the limits divided by display_scale and followed by display_unit,
 * so "speed" in m/s reads in m/min with scale 1/60) and returns it. why
 * says what the limit is (a published range or a physical bound). */
ct_status cti_check_range(ct_error *err, const char *what, double value, double lo, double hi,
                          double display_scale, const char *display_unit, const char *why);

/* Returns expr's status from the calling function unless it is CT_OK: a
 * parameter check is a list of these, the first failure reported. */
#define CTI_CHECK(expr)                                                                           \
    do {                                                                                          \
        ct_status st_ = (expr);                                                                   \
        if (st_ != CT_OK)                                                                         \
            return st_;                                                                           \
    } while (0)

/* One standard normal draw (one uniform). */
double cti_std_normal(ct_rng *rng);

/* A Poisson count of mean lambda >= 0: inverse transform with one uniform
 * for lambda <= 30, the normal approximation (one uniform, rounded, at
 * least 0) above. */
unsigned cti_poisson(double lambda, ct_rng *rng);

/* A log-uniform draw between lo and hi (0 < lo <= hi): one uniform. */
double cti_log_uniform(double lo, double hi, ct_rng *rng);

/* ------------------------------------------------------------------ */
/* 1. Laser notching                                                   */
/* ------------------------------------------------------------------ */

/* The laser's polarization relative to the cutting direction. The review
 * (2.2): with the processing direction transverse to the beam's direction
 * of oscillation the cut forms burrs; in line with it the cut is smooth. */
typedef enum cti_polarization {
    CTI_POLARIZATION_PARALLEL = 0,
    CTI_POLARIZATION_TRANSVERSE = 1
} cti_polarization;

/* Coefficients of the irregular-edge logistic model (docs/models-assembly.md,
 * "Laser notching"): all are stated assumptions chosen to reproduce the
 * review's qualitative findings, not fits to data. */
typedef struct cti_notching_model {
    double intercept;            /* b0: logit per sheet at the reference (-9) */
    double transverse;           /* b_pol: added for transverse polarization (4) */
    double thickness;            /* b_t per ln(t / t_ref) (2) */
    double compaction;           /* b_c per (c_ref - c) / c_ref (2) */
    double thick_loose;          /* b_tc: thick AND under-compacted (3) */
    double line_energy;          /* b_E per ln(E / E_opt)^2 (1.5) */
    double pulse_spacing;        /* b_s per spot diameter of spacing beyond s_max (2) */
    double ref_ceramic_thickness_m; /* t_ref (4 um) */
    double ref_compaction;       /* c_ref (0.25) */
    double optimal_line_energy_j_m; /* E_opt = P / v of a good cut (400 J/m) */
    double max_pulse_spacing;    /* s_max, spacing / spot diameter (0.5) */
    /* Burr heights (lognormal): a regular and an irregular edge. */
    double regular_burr_median_m;    /* 2 um */
    double irregular_burr_median_m;  /* 12 um */
    double burr_sigma_ln;            /* 0.4 */
    /* Loose graphite particles from cutting the anode sheets. */
    double particles_per_anode_sheet; /* at the reference binder, good cut (0.01) */
    double ref_binder_fraction;      /* 0.03 */
    double binder_exponent;          /* rate ~ (b_ref / b)^n (2) */
    double primer_factor;            /* rate multiplier with a primer layer (0.3) */
    double particle_landing_probability; /* one particle ends on the separator
                                          * inside the active area (0.005) */
} cti_notching_model;

typedef struct cti_notching_params {
    double speed_m_s;                /* cutting speed, 10-60 m/min [review] */
    double laser_power_w;            /* average power (200 W) */
    double pulse_frequency_hz;       /* 100-500 kHz [review] (200 kHz) */
    double spot_diameter_m;          /* focused spot (30 um) */
    cti_polarization polarization;   /* parallel */
    double ceramic_thickness_m;      /* ceramic stripe after drying (4 um);
                                      * = loading / dry layer density */
    double compaction;               /* thickness reduction in calendering,
                                      * 1 - t_after / t_before (0.25) */
    double sheet_pitch_m;            /* web length per sheet (0.12 m) */
    int cathode_sheets;              /* per cell (50) */
    int anode_sheets;                /* per cell (51) */
    double anode_binder_fraction;    /* binder in the dry anode coating (0.03) */
    bool anode_primer;               /* primer/carbon layer on the Cu foil */
    cti_notching_model model;
} cti_notching_params;

void cti_notching_params_init(cti_notching_params *p);

/* Rejects: speed outside 10-60 m/min, pulse frequency outside 100-500 kHz
 * (the review's ranges; the model is calibrated inside them), power outside
 * 10-2000 W, spot outside 5-200 um, ceramic thickness outside 0-30 um,
 * compaction outside [0, 0.8), pitch outside (0, 2 m], sheets outside
 * 1-1000, binder outside (0, 0.3], probabilities outside [0, 1], and
 * non-finite or non-positive model scales. */
ct_status cti_notching_params_check(const cti_notching_params *p, ct_error *err);

/* Probability that one cathode sheet gets an irregular (burred) edge:
 * 1 / (1 + exp(-z)) with z from docs/models-assembly.md. */
double cti_notching_edge_probability(const cti_notching_params *p);

/* Probability that a cell has at least one: 1 - (1 - p_edge)^cathode_sheets. */
double cti_notching_burr_probability(const cti_notching_params *p);

/* Mean number of loose particles a cell's anode sheets shed at cutting. */
double cti_notching_particle_rate(const cti_notching_params *p);

/* Time to notch one cell's sheets: (cathode + anode sheets) * pitch / speed. */
double cti_notching_time_s(const cti_notching_params *p);

/* Notches one cell's sheets. Sets CTI_DEF_BURR with
 * cti_notching_burr_probability, BURR_HEIGHT (the largest burr of the
 * cell), PARTICLES (Poisson count), and CTI_DEF_PARTICLE when at least one
 * particle lands on the separator. Draws 5 uniforms. */
void cti_notching(const cti_notching_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                  ct_rng *rng);

/* ------------------------------------------------------------------ */
/* 2. Stacking                                                          */
/* ------------------------------------------------------------------ */

typedef enum cti_stacking_method {
    CTI_STACKING_Z_FOLD = 0,      /* separator folded around the sheets */
    CTI_STACKING_LAMINATION = 1   /* separator laminated on the anode [review] */
} cti_stacking_method;

typedef struct cti_stacking_params {
    cti_stacking_method method;
    double time_per_sheet_s;      /* Z-fold 0.6 s (0.5-0.8 [fig]); lamination
                                   * 0.125 s (SVOLT 2022 [fig]) */
    double handling_time_s;       /* per cell: transfer, taping (2 s) */
    int cathode_sheets, anode_sheets;   /* 50, 51 */
    double alignment_sd_m;        /* cell's overhang error, Z-fold 0.15 mm,
                                   * lamination 0.10 mm */
    double alignment_tolerance_m; /* |error| above it: CTI_DEF_MISALIGN (0.5 mm) */
    double separator_margin_m;    /* |error| above it: electrode beyond the
                                   * separator, CTI_DEF_INSULATION (1.5 mm) */
    double cathode_thickness_m;   /* double-coated sheet with foil (150 um) */
    double anode_thickness_m;     /* (160 um) */
    double separator_thickness_m; /* (16 um) */
    double press_compression;     /* thickness removed by heat pressing (0.03) */
    double thickness_sd_m;        /* stack thickness scatter (50 um) */
    double pierce_height_fraction;/* a burr above this fraction of the
                                   * separator thickness can pierce it (0.75) */
    double pierce_probability;    /* ... and does with this probability (0.5) */
    double contamination_probability; /* metallic particle / separator crack (1e-4) */
    double insulation_median_ohm; /* good stack, lognormal (2 Gohm) */
    double insulation_sigma_ln;   /* (0.5) */
    double fault_min_ohm, fault_max_ohm; /* hard fault, log-uniform (100 ohm - 20 kohm) */
} cti_stacking_params;

void cti_stacking_params_init(cti_stacking_params *p, cti_stacking_method method);

/* Rejects: time per sheet outside 0.1-10 s (the fastest reported machine,
 * SVOLT's lamination-stacking, takes 0.125 s), sheets outside 1-1000,
 * thicknesses outside their ranges, tolerances <= 0 or a tolerance above
 * the separator margin, probabilities outside [0, 1], resistances <= 0 or
 * fault_min > fault_max. */
ct_status cti_stacking_params_check(const cti_stacking_params *p, ct_error *err);

/* handling + (cathode + anode sheets) * time per sheet. */
double cti_stacking_time_s(const cti_stacking_params *p);

/* Nominal stack thickness: (n_c t_c + n_a t_a + (n_c + n_a + 1) t_sep)
 * (1 - press_compression). */
double cti_stack_thickness_m(const cti_stacking_params *p);

/* Stacks one cell. Sets ALIGNMENT (signed, m), STACK_THICKNESS,
 * INSULATION (the stack's insulation resistance, ohm) and the defects
 * CTI_DEF_MISALIGN and CTI_DEF_INSULATION (misalignment beyond the
 * separator margin, a burr from notching piercing the separator, or
 * contamination). A CTI_DEF_PARTICLE does NOT lower the insulation of the
 * dry stack: the review found it passing Hi-Pot (2.2). Draws 5 uniforms. */
void cti_stacking(const cti_stacking_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                  ct_rng *rng);

/* ------------------------------------------------------------------ */
/* 3. Hi-Pot                                                            */
/* ------------------------------------------------------------------ */

/* The tester ramps a DC voltage to voltage_v over ramp_s, holds it, and
 * reads the current at measure_time_s from the start. Equivalent circuit
 * (the review): the stack is R_insulation parallel to C; the source has an
 * output resistance R_s in series. */
typedef struct cti_hipot_params {
    double voltage_v;             /* 50-200 V [review] (100 V) */
    double ramp_s;                /* 0 = a step (1 s) */
    double measure_time_s;        /* from the start, >= ramp_s (5 s [review]) */
    double capacitance_f;         /* stack capacitance (5 uF: parallel-plate
                                   * estimate, cti_stack_capacitance_f) */
    double source_resistance_ohm; /* tester output resistance (1 kohm) */
    ct_instrument meter;          /* amperes: sd 0.05 uA, resolution 0.1 uA */
} cti_hipot_params;

void cti_hipot_params_init(cti_hipot_params *p);

/* Rejects: voltage outside 50-200 V (the review's range), ramp < 0 or
 * above the measuring time, measuring time outside (0, 60 s], capacitance
 * outside (0, 1 mF], source resistance outside (0, 100 Mohm], a negative
 * meter sd or resolution. */
ct_status cti_hipot_params_check(const cti_hipot_params *p, ct_error *err);

/* Parallel-plate capacitance eps0 eps_r A / d of facing area area_m2
 * across a separator of thickness_m. */
double cti_stack_capacitance_f(double area_m2, double separator_thickness_m, double eps_r);

/* The true current (A) the tester delivers at t_s for a stack of
 * r_insulation_ohm: the closed-form solution of
 *   C dv/dt = (u(t) - v) / R_s - v / R,   i = (u - v) / R_s,
 * u = V min(t / ramp, 1). For a step (ramp 0):
 *   i(t) = V / (R + R_s) + V (1/R_s - 1/(R + R_s)) exp(-t / tau),
 *   tau = C R R_s / (R + R_s). */
double cti_hipot_current_a(const cti_hipot_params *p, double r_insulation_ohm, double t_s);

/* Tests one stack: stores the true current at measure_time_s in
 * LEAKAGE_CURRENT and returns the meter's reading (one uniform). Reads
 * INSULATION (set by cti_stacking). Meaningful for a dry stack only:
 * after filling the electrodes form a cell with its own voltage. */
double cti_hipot(const cti_hipot_params *p, float attr[CTI_C__COUNT], ct_rng *rng);

/* ------------------------------------------------------------------ */
/* 4. Welding and the helium leak test                                  */
/* ------------------------------------------------------------------ */

typedef enum cti_weld_kind {
    CTI_WELD_TAB_ULTRASONIC = 0,  /* tabs to each other: electrical only */
    CTI_WELD_CAP_ULTRASONIC,      /* tab bundle to the cap: electrical only */
    CTI_WELD_CAN_LASER,           /* cap to can: the seal */
    CTI_WELD_SEAL_LASER           /* fill port, final sealing (finishing) */
} cti_weld_kind;

typedef struct cti_welding_params {
    cti_weld_kind kind;
    double contact_median_ohm;    /* series resistance added (lognormal);
                                   * tab 20 uohm, cap 30 uohm, seals 0 */
    double contact_sigma_ln;      /* 0.3 */
    double leak_probability;      /* seals: can 5e-4, fill port 2e-4; others 0 */
    double tight_median_mbar_l_s; /* leak rate of a tight seal, lognormal (1e-9) */
    double tight_sigma_ln;        /* 1.0 */
    double leak_min_mbar_l_s, leak_max_mbar_l_s; /* a leaking seal, log-uniform
                                                  * (1e-6 - 1e-2) */
} cti_welding_params;

void cti_welding_params_init(cti_welding_params *p, cti_weld_kind kind);

/* Rejects: a negative or non-finite contact resistance or sigma, a leak
 * probability outside [0, 1], or a leak on an internal (ultrasonic) weld,
 * leak rates <= 0 or above 1 mbar.L/s, leak_min > leak_max. */
ct_status cti_welding_params_check(const cti_welding_params *p, ct_error *err);

/* Welds one cell. Adds the contact resistance to IR (IR accumulates the
 * series resistance known so far; cti_formation adds the electrochemical
 * part); for a seal, adds its leak rate to LEAK_RATE (leak paths in
 * parallel add) and sets CTI_DEF_LEAK when the seal leaks. Draws 3
 * uniforms. */
void cti_welding(const cti_welding_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                 ct_rng *rng);

typedef struct cti_leak_test_params {
    double detection_limit_mbar_l_s; /* readings below are reported as it (1e-8) */
    double sd_log10;                 /* multiplicative repeatability (0.1 decade) */
} cti_leak_test_params;

void cti_leak_test_params_init(cti_leak_test_params *p);

/* Rejects a detection limit outside (0, 1e-3] or sd outside [0, 1]. */
ct_status cti_leak_test_params_check(const cti_leak_test_params *p, ct_error *err);

/* The helium leak test: reading = max(LEAK_RATE 10^(sd z), detection
 * limit), one uniform. A gate compares it with its limit (about 1e-6
 * mbar.L/s, docs/models-assembly.md). */
double cti_leak_test(const cti_leak_test_params *p, const float attr[CTI_C__COUNT], ct_rng *rng);

/* ------------------------------------------------------------------ */
/* 5. Vacuum baking                                                     */
/* ------------------------------------------------------------------ */

typedef struct cti_baking_params {
    double temp_c;                /* oven (90 C) */
    double time_s;                /* (12 h) */
    double dew_point_c;           /* assembly dry room, -60 to -15 C [review] (-40) */
    double ref_dew_point_c;       /* where the initial moisture is ref_moisture (-40) */
    double ref_moisture;          /* stack moisture, mass fraction, at ref dew point
                                   * (1000 ppm = 1e-3) */
    double sorption_exponent;     /* w0 ~ p_w(dew)^n, Freundlich (0.5) */
    double rate_per_s;            /* drying rate at ref_temp_c (ln 10 / 8 h) */
    double ref_temp_c;            /* 90 */
    double ea_j_per_mol;          /* drying activation energy (40 kJ/mol) */
    double floor_moisture;        /* moisture left after infinite time (20 ppm) */
    double rate_sigma_ln;         /* cell-to-cell (oven position) scatter (0.2) */
    double moisture_limit;        /* above it: CTI_DEF_MOISTURE (300 ppm) */
} cti_baking_params;

void cti_baking_params_init(cti_baking_params *p);

/* Rejects: temperature outside 40-130 C (PE separators shrink and shut
 * down above about 130 C), time outside (0, 7 d], dew points outside
 * -80..0 C, moisture fractions outside (0, 0.05], a floor not below the
 * limit, rate <= 0, Ea outside 0-200 kJ/mol. */
ct_status cti_baking_params_check(const cti_baking_params *p, ct_error *err);

/* Moisture a stack picks up in the dry room: ref_moisture
 * (p_w(dew) / p_w(ref_dew))^n, p_w the vapour pressure over ice (Magnus,
 * WMO-No. 8 coefficients). */
double cti_baking_initial_moisture(const cti_baking_params *p);

/* Drying rate k(T) = rate_per_s exp(-Ea/R (1/T - 1/T_ref)). */
double cti_baking_rate_per_s(const cti_baking_params *p);

/* Residual moisture w(t) = w_f + (w0 - w_f) exp(-k t), w_f = floor_moisture
 * (no scatter; w0 at or below the floor stays). */
double cti_baking_moisture(const cti_baking_params *p, double w0, double time_s);

/* Bakes one cell: w0 = CELL_MOISTURE if > 0 (the electrode's moisture
 * carried by line.c), else cti_baking_initial_moisture; k scattered
 * lognormally; stores w(time_s) in CELL_MOISTURE and sets
 * CTI_DEF_MOISTURE above the limit. Draws 1 uniform. */
void cti_baking(const cti_baking_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                ct_rng *rng);

/* ------------------------------------------------------------------ */
/* 6. Electrolyte filling                                               */
/* ------------------------------------------------------------------ */

typedef struct cti_filling_params {
    double electrolyte_kg_per_ah; /* 1.6 g/Ah */
    double nominal_capacity_ah;   /* 150 Ah */
    double dosing_cv;             /* relative sd of the dose (0.5 %) */
    double tolerance;             /* relative: |m - target| above it is
                                   * CTI_DEF_ELECTROLYTE (2 %) */
    ct_instrument balance;        /* kg: sd 0.05 g, resolution 0.01 g */
} cti_filling_params;

void cti_filling_params_init(cti_filling_params *p);

/* Rejects: g/Ah outside 0.5-5 g/Ah, capacity outside (0, 2000 Ah], a cv
 * outside [0, 0.2], a tolerance outside (0, 0.5], a negative balance sd. */
ct_status cti_filling_params_check(const cti_filling_params *p, ct_error *err);

/* electrolyte_kg_per_ah * nominal_capacity_ah. */
double cti_filling_target_kg(const cti_filling_params *p);

/* Fills one cell: ELECTROLYTE = target (1 + cv z), added to WEIGHT;
 * CTI_DEF_ELECTROLYTE beyond tolerance. Returns the gravimetric reading:
 * the balance's weight after filling minus its weight before (3 uniforms). */
double cti_filling(const cti_filling_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                   ct_rng *rng);

#endif
