/*
 * finishing.h - the cell-finishing process models (internal): HT soaking
 * and formation (capacity, first-cycle loss, IR/DCIR, self-discharge, the
 * loose-particle defect turning into a micro-short), HT/RT aging with the
 * two OCV readings and the k-value, and grading (OCV, IR, DCIR, capacity
 * readings), following section 2.1 and the formation case of section 2.2
 * of the review (Orum Aydin et al., Batteries 2023, 9, 555).
 *
 * Like assembly.h: pure functions of a parameter block, one cell's
 * attributes (float[CTI_C__COUNT], base units) and defect bits, and a
 * random stream; attributes hold true values, the test steps return
 * readings. The electrochemistry (OCV(SOC, T), self-discharge, micro-short
 * discharge, IR/DCIR temperature laws, instruments, the aging integration)
 * is the cell electrical model of celltwin/cell_electrical.h; this file
 * decides what each factory step does to a cell with it. Equations and
 * sources: docs/models-finishing.md.
 *
 * How the finishing attributes are kept between steps:
 *   CAPACITY        reversible capacity after formation, Ah
 *   OCV             open-circuit voltage at the OCV curve's reference
 *                   temperature (25 C), i.e. the cell's state of charge in
 *                   volts: aging and grading recover the SOC from it and
 *                   read the OCV at their own temperature
 *   IR, DCIR        at the resistance design's reference temperature (25 C);
 *                   before formation IR holds the weld contact resistance
 *                   accumulated by cti_welding
 *   SELF_DISCHARGE  the cell's electrochemical self-discharge current at
 *                   25 C, without the micro-short
 *   INSULATION      the electronic leak path between the electrodes: the
 *                   dry stack's insulation resistance, lowered to the
 *                   micro-short's resistance when formation presses a
 *                   particle through the separator
 *   K_VALUE         the true OCV drop rate over the RT rest, V/s
 */
#ifndef CELLTWIN_MODEL_FINISHING_H
#define CELLTWIN_MODEL_FINISHING_H

#include <stdint.h>

#include "celltwin/cell_design.h"
#include "celltwin/cell_electrical.h"
#include "celltwin/rng.h"
#include "celltwin/status.h"
#include "model/assembly.h"
#include "model/attrs.h"

/* ------------------------------------------------------------------ */
/* 7. HT soaking and formation                                          */
/* ------------------------------------------------------------------ */

typedef struct cti_formation_params {
    ct_chemistry chemistry;          /* OCV curve (LFP) */
    /* HT soaking (wetting) before the first charge. */
    double soak_temp_c;              /* about 45 C [review] */
    double soak_time_s;              /* 24 h (examples/prismatic-lfp.yaml) */
    double wetted_after_filling;     /* fraction wetted when soaking starts (0.7) */
    double wetting_tau_s;            /* wetting time constant at 25 C (8 h) */
    double wetting_ea_j_per_mol;     /* viscosity of the electrolyte (15 kJ/mol) */
    /* Capacity. */
    double cathode_specific_ah_kg;   /* charge per kg of cathode active material
                                      * on the first charge (LFP 170, from
                                      * ct_cell_material_find) */
    double first_cycle_efficiency;   /* ICE: reversible / first charge, limited by
                                      * the SEI on graphite (0.90 [review]) */
    double anode_specific_ah_kg;     /* reversible, caps the capacity (graphite 372) */
    double cathode_efficiency;       /* the cathode's own ICE: it takes back at most this
                                      * share of its first charge (1; NMC811 about 0.89) */
    double end_soc;                  /* SOC the cell leaves formation at (0.3) */
    /* The loose-particle case (review 2.2). */
    double fixture_pressure_pa;      /* workpiece-carrier pressure (0.2 MPa) */
    double short_pressure_ref_pa;    /* P(short | particle) = 1 - exp(-P / P_ref) (0.2 MPa) */
    double short_min_ohm, short_max_ohm; /* micro-short, log-uniform (1 - 100 kohm) */
    /* Resistance and self-discharge of the design cell. */
    ct_resistance_design resistance; /* 150 Ah prismatic LFP: IR 0.35 mohm,
                                      * DCIR - IR 0.45 mohm at 25 C */
    ct_self_discharge self_discharge;/* ct_self_discharge_init */
    double self_discharge_sigma_ln;  /* cell-to-cell scatter of the base rate (0.3) */
    /* Residual moisture (from cti_baking). */
    double moisture_ref;             /* 1000 ppm */
    double moisture_ir_gain;         /* IR x (1 + gain w / w_ref) (0.05) */
    double moisture_sd_gain;         /* self-discharge x (1 + gain w / w_ref) (0.5) */
    double formation_time_s;         /* first charge and checks (10 h [fig]) */
} cti_formation_params;

/* Defaults for chem: material values from ct_cell_material_find ("LFP" or
 * "NMC811", "graphite"), the rest as listed above. */
void cti_formation_params_init(cti_formation_params *p, ct_chemistry chem);

/* Takes the specific charges and ICE from a computed cell design:
 *   cathode_specific = first_charge_ah / cathode active mass,
 *   ICE = reversible_capacity_ah / first_charge_ah,
 *   anode_specific = the anode's reversible specific capacity,
 * so that cti_formation_capacity_ah of the design's masses equals the
 * design's reversible capacity (when the cathode or lithium limits it). */
void cti_formation_params_from_design(cti_formation_params *p, const ct_cell_result *r);

/* Rejects: soak temperature outside 15-60 C, soak time outside 0-7 d
 * (wetting and formation take 3-7 days, the review), cathode specific
 * charge outside 10-400 Ah/kg (above every intercalation cathode's
 * theoretical capacity), ICE outside (0.5, 1], anode specific outside
 * 10-4200 Ah/kg (silicon's theoretical), SOC outside [0, 1], pressure
 * outside 0-10 MPa, short resistances <= 0 or min > max, resistances <= 0,
 * and fractions, gains and scatters out of their ranges. */
ct_status cti_formation_params_check(const cti_formation_params *p, ct_error *err);

/* soak + formation time. */
double cti_formation_time_s(const cti_formation_params *p);

/* Wetted fraction after soaking:
 * 1 - (1 - wetted_after_filling) exp(-t_soak / tau(T_soak)),
 * tau(T) = wetting_tau_s / arrhenius(Ea, T, 25 C). */
double cti_formation_wetting(const cti_formation_params *p);

/* The two factors of cti_formation_wetting, for a station soaking many
 * cells that differ only in wetted_after_filling: the unwetted fraction
 * left, exp(-t_soak / tau(T_soak)), which is the same for all of them, and
 * the wetted fraction from it, 1 - (1 - wetted_before) unwetted. Their
 * composition is cti_formation_wetting, bit for bit. */
double cti_formation_unwetted(const cti_formation_params *p);
double cti_formation_wetted(double wetted_before, double unwetted);

/* Reversible capacity, Ah:
 *   min(m_c q_c ICE + Q_pre, m_c q_c eta_c, m_a q_a) phi - Q_water,
 * Q_pre the prelithiation lithium (charge) that makes up part of the
 * first-cycle loss m_c q_c (1 - ICE), eta_c the cathode's own efficiency
 * (what it can take back: the cell design calculator's reversible(), in
 * cell_design.c); with Q_pre = 0 and eta_c = 1 it is min(m_c q_c ICE, m_a q_a),
 *   Q_water = w (m_c + m_a) F / (3600 M_H2O)   (one Li per H2O),
 * phi = cti_formation_wetting; m_a = 0 means "no anode limit". */
double cti_formation_capacity_ah(const cti_formation_params *p, double cathode_mass_kg,
                                 double anode_mass_kg, double moisture, double prelith_ah);

/* Probability that a particle on the separator becomes a micro-short in
 * the first charge: 1 - exp(-fixture_pressure / short_pressure_ref). */
double cti_formation_short_probability(const cti_formation_params *p);

/* Soaks and forms one cell: sets CAPACITY, OCV, IR, DCIR and
 * SELF_DISCHARGE (see the file header); a cell with CTI_DEF_PARTICLE gets
 * a micro-short with cti_formation_short_probability, which lowers
 * INSULATION to its resistance. Reads CATHODE_MASS, ANODE_MASS,
 * PRELITH_CHARGE, CELL_MOISTURE and IR (weld contacts). Run once per cell. Draws 3
 * uniforms. */
void cti_formation(const cti_formation_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                   ct_rng *rng);

/* What cti_formation computes from the parameters alone, the same for
 * every cell of a station: the unwetted fraction (cti_formation_unwetted)
 * and the OCV at end_soc at the curve's reference temperature. */
typedef struct cti_formation_station {
    double unwetted;
    double ocv_v;
} cti_formation_station;

void cti_formation_station_init(cti_formation_station *s, const cti_formation_params *p);

/* cti_formation with s from cti_formation_station_init of p or of a p
 * differing only in wetted_after_filling: the same bits, without their
 * per-cell cost. */
void cti_formation_cell(const cti_formation_params *p, const cti_formation_station *s,
                        float attr[CTI_C__COUNT], uint32_t *defects, ct_rng *rng);

/* ------------------------------------------------------------------ */
/* 8. Aging                                                             */
/* ------------------------------------------------------------------ */

/* HT rest, cooling to room temperature, RT rest. OCV is read at the start
 * and the end of the RT rest, with the cell's temperature at each reading;
 * the k-value is their difference over the RT rest. */
typedef struct cti_aging_params {
    ct_chemistry chemistry;          /* LFP */
    double ht_temp_c;                /* 45 C */
    double ht_time_s;                /* 3 d */
    double cool_time_s;              /* 1 d */
    double rt_temp_c;                /* 25 C */
    double rt_time_s;                /* 6 d (10 d in all, examples/prismatic-lfp.yaml) */
    double reading_temp_sd_c;        /* cell temperature scatter at a reading (0.5 K) */
    ct_self_discharge self_discharge;/* ct_self_discharge_init */
    ct_instrument ocv_meter;         /* V: sd 20 uV, resolution 10 uV */
    ct_instrument thermometer;       /* C: sd 0.2 K, resolution 0.1 K */
} cti_aging_params;

void cti_aging_params_init(cti_aging_params *p, ct_chemistry chem);

/* Rejects: HT temperature outside 15-60 C, RT outside 15-35 C, HT time
 * outside 0-30 d, cooling outside 0-7 d, RT time outside 1 h-60 d (the
 * review: aging lasts several weeks; industry-figures.md: up to 3 weeks),
 * a temperature scatter outside 0-5 K (the review: deviations below 5 K
 * already show in the OCV), negative instrument sd or resolution. */
ct_status cti_aging_params_check(const cti_aging_params *p, ct_error *err);

/* What the aging tester records for one cell. */
typedef struct cti_aging_result {
    ct_ocv_reading r1, r2;           /* start and end of the RT rest (t_h from its start) */
    double k_v_per_s;                /* (r1.ocv_v - r2.ocv_v) / rt_time_s, measured */
} cti_aging_result;

/* ct_ocv_soc of an OCV at a temperature, kept by a station from one cell
 * to the next, for the inversions whose arguments repeat: the cells of one
 * formation arrive at aging with the same OCV attribute, aged cells on the
 * flat LFP plateau share few float values at grading (both at the curve's
 * reference temperature), and the aging tester's readings are rounded to
 * 10 uV and 0.1 K. A direct-mapped table keyed by the bits of (OCV,
 * temperature), for one chemistry's curve; an entry gives the bits
 * ct_ocv_soc would, being the same function of the same arguments. 4096
 * entries held 77 % of the OCVs graded in a 3-day LFP run (18 % in an NMC
 * one) and 72 % of the tester's first readings. */
#define CTI_SOC_MEMO_BITS 12

typedef struct cti_soc_entry {
    double ocv_v, temp_c;   /* the key; NaN: empty */
    double soc;
} cti_soc_entry;

typedef struct cti_soc_memo {
    ct_chemistry chemistry;
    cti_soc_entry e[1 << CTI_SOC_MEMO_BITS];
} cti_soc_memo;

void cti_soc_memo_init(cti_soc_memo *m, ct_chemistry chem);

/* ct_ocv_soc(ct_ocv_curve_builtin(chem), ocv_v, temp_c), from memo when
 * memo is not NULL and of chem. */
double cti_soc_of_ocv(cti_soc_memo *memo, ct_chemistry chem, double ocv_v, double temp_c);

/* Ages one cell: self-discharge at the base rate (SELF_DISCHARGE, with
 * the Arrhenius law of p->self_discharge) plus the leak through INSULATION,
 * integrated over the temperature history by ct_cell_simulate_aging. Sets
 * K_VALUE (true) and OCV (the new SOC, at 25 C); fills *out with the
 * readings. memo may be NULL (no memo). Draws 6 uniforms (2 on error).
 * Errors (CT_ERR_INVALID, message in err): the cell has no capacity
 * (formation not run) or the aging model rejected the cell; attributes are
 * then unchanged. */
ct_status cti_aging(const cti_aging_params *p, cti_soc_memo *memo, float attr[CTI_C__COUNT],
                    ct_rng *rng, cti_aging_result *out, ct_error *err);

/* ------------------------------------------------------------------ */
/* 9. Grading                                                           */
/* ------------------------------------------------------------------ */

typedef struct cti_grading_params {
    ct_chemistry chemistry;          /* LFP */
    double temp_c;                   /* grading room (25 C) */
    double temp_sd_c;                /* cell temperature scatter (1 K) */
    double ea_ohmic_j_per_mol;       /* IR temperature law (ct_resistance_design_init) */
    double ea_polarization_j_per_mol;
    double ref_temp_c;               /* of the stored IR and DCIR (25 C) */
    ct_instrument thermometer;       /* C: sd 0.2 K, resolution 0.1 K */
    ct_instrument ocv_meter;         /* V: sd 20 uV, resolution 10 uV */
    ct_instrument ir_meter;          /* ohm, 1 kHz AC: sd 2 uohm, resolution 1 uohm */
    ct_instrument dcir_meter;        /* ohm, pulse: sd 5 uohm, resolution 1 uohm */
    ct_instrument capacity_meter;    /* Ah: sd 0.1 Ah, resolution 0.01 Ah */
} cti_grading_params;

void cti_grading_params_init(cti_grading_params *p, ct_chemistry chem);

/* Rejects: a grading temperature outside 10-45 C, a scatter outside 0-5 K,
 * activation energies outside 0-200 kJ/mol, negative instrument sd or
 * resolution. */
ct_status cti_grading_params_check(const cti_grading_params *p, ct_error *err);

typedef struct cti_grading_readings {
    double temp_c;                   /* thermometer */
    double ocv_v;
    double ir_ohm;
    double dcir_ohm;
    double capacity_ah;
} cti_grading_readings;

/* True values at temp_c of a cell (no noise): OCV(soc, T) with soc from
 * the stored OCV; IR(T) = IR_25 / arrhenius(Ea_ohm, T, 25); DCIR(T) =
 * IR(T) + (DCIR_25 - IR_25) / arrhenius(Ea_pol, T, 25) (ct_cell_ir_ohm and
 * ct_cell_dcir_ohm with the stored values as the design). */
void cti_grading_truth(const cti_grading_params *p, const float attr[CTI_C__COUNT],
                       double temp_c, cti_grading_readings *out);

/* Grades one cell: draws its temperature (temp_c + temp_sd_c z) and reads
 * every channel once. Attributes are not changed. memo may be NULL (no
 * memo). Draws 6 uniforms. */
void cti_grading(const cti_grading_params *p, cti_soc_memo *memo,
                 const float attr[CTI_C__COUNT], ct_rng *rng, cti_grading_readings *out);

#endif
