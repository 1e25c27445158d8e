/*
 * electrode.h - the electrode-making process models (internal): dosing and
 * mixing of a slurry batch, its standing in buffer tanks, slot-die coating
 * with drying (and the agglomerate defects of the review's coating case),
 * calendering and slitting. Pure functions on value types: no event
 * engine, no allocation. The line's station kinds (records.c) call them
 * when a job ends and keep the results in their unit records.
 *
 * Every quantity is in the base units of celltwin/units.h (kg, m, s, m/s,
 * Hz, C, Pa.s, N/m, kg/m2, Wh), and names carry the unit. Each relation,
 * its source or the assumption it rests on, and the default values are in
 * docs/models-electrode.md; the comments here say what a field means.
 *
 * Validation and contracts: each params struct has a _validate function
 * that returns CT_ERR_INVALID with a message naming the field ("coat:
 * speed_m_s: 110 m/min is above the coater's limit of 100 m/min"); the
 * caller prefixes the place in the factory file. The model functions
 * assume validated params and assert their contracts.
 *
 * Random numbers: each call draws a fixed number of values from the stream
 * it is given, except cti_coat_coil, whose defect process draws one
 * exponential per defect (so the coater should have a stream of its own).
 */
#ifndef CELLTWIN_MODEL_ELECTRODE_H
#define CELLTWIN_MODEL_ELECTRODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "celltwin/rng.h"
#include "celltwin/status.h"
#include "model/attrs.h"

/* Limits from the review (section 2.1): wide coaters up to 1400 mm run
 * at up to 100 m/min. They are the defaults of the coater's limits. */
#define CTI_COAT_MAX_WIDTH_M 1.4
#define CTI_COAT_MAX_SPEED_M_S (100.0 / 60.0)
/* Lanes are bits of cti_defect_span.lane_mask. */
#define CTI_MAX_LANES 32u
#define CTI_DRYER_MAX_ZONES 8u

/* ---------------- recipe and solvent ---------------- */

typedef enum cti_solvent { CTI_SOLVENT_NMP = 0, CTI_SOLVENT_WATER = 1 } cti_solvent;

/* Physical constants of a solvent (static table; see docs for sources). */
typedef struct cti_solvent_props {
    const char *name;
    double density_kg_m3;          /* liquid, 25 C */
    double boiling_c;              /* at 1 atm */
    double molar_mass_kg_mol;
    double latent_heat_j_kg;       /* of evaporation at drying temperatures */
    double exhaust_loading_max;    /* kg solvent per kg dryer air (NMP: 25 % of LEL) */
    double recovery_energy_j_kg;   /* condensation + distillation per kg (0 for water) */
} cti_solvent_props;

/* Never NULL for a valid solvent. */
const cti_solvent_props *cti_solvent_get(cti_solvent s);

/* A slurry recipe: what the batch is made of and how the slurry behaves.
 * Fractions are of the dry mass (the "wt.%" of the recipe) and sum to 1. */
typedef struct cti_recipe {
    cti_polarity polarity;
    cti_solvent solvent;
    double active_frac, conductive_frac, binder_frac;
    double active_density_kg_m3, conductive_density_kg_m3, binder_density_kg_m3;
    /* Prelithiation additive in the cathode (Li5FeO4; the review: "< 5 wt.%"):
     * share of the dry mass, 0 = none; it gives up additive_capacity_ah_kg
     * of lithium on the first charge and takes none back. Counted with
     * the particles in the rheology. */
    double additive_frac, additive_density_kg_m3, additive_capacity_ah_kg;
    /* Rheology at the quality-control shear rate of the rheometer. */
    double medium_viscosity_pa_s;  /* binder solution at ref_temp_c */
    double ref_temp_c;
    double andrade_b_k;            /* ln(visc) slope in 1/T: visc ~ exp(B/T) */
    double phi_max;                /* Krieger-Dougherty maximum packing fraction */
    double intrinsic_viscosity;    /* Krieger-Dougherty [eta], 2.5 for spheres */
    double flow_index;             /* power-law n (shear thinning, 0 < n <= 1) */
    /* Thixotropy (Moore model): structure 1 = at rest, 0 = broken down. */
    double thixo_breakdown_s;      /* theta: structure at shear rate g is 1/(1 + theta g) */
    double thixo_floor;            /* viscosity of broken-down slurry / at rest */
    double thixo_recovery_s;       /* time constant of recovery at rest */
    /* Standing in buffer tanks. */
    double reagglomeration_m_s;    /* agglomerate size growth while standing */
    double standing_limit_s;       /* review: 1-2 days */
} cti_recipe;

/* Defaults: LFP/carbon black/PVDF in NMP for the cathode, graphite/carbon
 * black/CMC+SBR in water for the anode (values in docs/models-electrode.md). */
void cti_recipe_default(cti_recipe *r, cti_polarity polarity);

/* CT_OK, or CT_ERR_INVALID with a message in err: fractions outside [0, 1]
 * or not summing to 1 within 1e-9, densities or rheology constants out of
 * range. */
ct_status cti_recipe_validate(const cti_recipe *r, ct_error *err);

/* The review's bound on a prelithiation additive: "low amounts (<5 wt.%)". */
#define CTI_ADDITIVE_MAX_FRAC 0.05

/* Mass density of the dry coating's solids (all components), kg/m3. */
double cti_recipe_solids_density_kg_m3(const cti_recipe *r);

/* ---------------- dosing and mixing ---------------- */

typedef struct cti_mix_params {
    double batch_mass_kg;          /* slurry including solvent */
    double solid_content;          /* target solids mass fraction */
    double mixer_speed_hz;         /* high-shear tool speed (rpm in factory files) */
    double mixing_time_s;
    double temperature_c;
    double shear_per_hz;           /* Metzner-Otto constant: shear rate = k_s * speed */
    double dosing_sd;              /* sd of the solid content actually dosed (absolute) */
    double structure_cv;           /* batch-to-batch CV of the structure after mixing */
    double agglomerate_initial_m;  /* before mixing (powder agglomerates) */
    double agglomerate_final_m;    /* after very long mixing */
    double dispersion_revs;        /* revolutions for a 1/e reduction */
    double agglomerate_cv;         /* batch-to-batch CV of the agglomerate size */
} cti_mix_params;

/* Defaults for a 1,000 kg batch at 25 Hz (1500 rpm) for 1.5 h at 25 C. */
void cti_mix_params_default(cti_mix_params *p, const cti_recipe *r);

/* CT_OK, or CT_ERR_INVALID with a message (batch mass, solid content in
 * (0, 1), speed, time, temperature below the solvent's boiling point, ...). */
ct_status cti_mix_params_validate(const cti_mix_params *p, const cti_recipe *r,
                                  ct_error *err);

/* A mixed batch: its attributes and what went into it. */
typedef struct cti_batch {
    double attr[CTI_M__COUNT];     /* SOLID_CONTENT, VISCOSITY, AGGLOMERATE, SLURRY_TEMP,
                                      STANDING_TIME (0); the rest 0 */
    double active_kg, conductive_kg, binder_kg, additive_kg, solvent_kg;  /* sum = batch mass */
    double mixing_revs;            /* speed x time, the mixing energy measure */
} cti_batch;

/* Particle volume fraction (active + conductive) of a slurry with solids
 * mass fraction solid_content; the binder counts as dissolved in the medium. */
double cti_slurry_phi(const cti_recipe *r, double solid_content);

/* Viscosity at rest (fully structured) at the QC shear rate, Pa.s:
 * medium (Andrade in temperature) x Krieger-Dougherty(phi). Returns
 * INFINITY at or above phi_max. */
double cti_slurry_viscosity_rest_pa_s(const cti_recipe *r, double solid_content,
                                      double temp_c);

/* Mixes one batch: dosing noise on the solid content, structure broken
 * down by the mixer's shear, agglomerates dispersed by speed x time.
 * Draws 3 normals from rng. p and r validated. */
void cti_mix_batch(const cti_recipe *r, const cti_mix_params *p, ct_rng *rng,
                   cti_batch *out);

/* ---------------- standing in buffer tanks ---------------- */

/* Lets a slurry stand for standing_s more seconds: STANDING_TIME grows,
 * viscosity recovers towards the rest value (thixotropy), agglomerates
 * grow; if the total standing time exceeds the recipe's limit the
 * CTI_DEF_STANDING bit is set in *defects. Deterministic; may be called
 * in pieces (stand(a) then stand(b) equals stand(a + b)). */
void cti_slurry_stand(const cti_recipe *r, double attr[CTI_M__COUNT], double standing_s,
                      uint32_t *defects);

/* ---------------- slot-die coating and drying ---------------- */

/* One coating side: one slot die and the dryer after it. A tandem coater
 * is two of these on the same coil coordinates (the caller unions their
 * defect spans). Loadings are per side. */
typedef struct cti_coat_params {
    double width_m;                /* web width under the die */
    unsigned lanes;                /* coated stripes, 1..32 */
    double lane_width_m;           /* coated width of one stripe */
    double speed_m_s;
    double max_speed_m_s;          /* default CTI_COAT_MAX_SPEED_M_S */
    double max_width_m;            /* default CTI_COAT_MAX_WIDTH_M */
    double loading_kg_m2;          /* target dry areal loading */
    double loading_cv_coil;        /* coil-to-coil CV of the mean loading */
    double loading_cv_within;      /* CV within a coil (LOADING_SD) */
    double porosity_dry;           /* dry coating before calendering */
    double porosity_sd;            /* coil-to-coil */
    double coating_gap_m;          /* slot-die lip to web */
    /* Agglomerates at the downstream meniscus (review 2.2). */
    double qualified_speed_m_s;    /* speed at which the recipe was qualified */
    double qualified_viscosity_pa_s; /* slurry viscosity then */
    double qualified_gap_m;        /* coating gap then */
    double hazard_base_per_m;      /* h0: defects per metre, clean die, matched speed */
    double buildup_time_s;         /* tau_B: running time for one unit of build-up */
    double mismatch_gain;          /* k_m in M = 1 + k_m ln(v/v*)^2 */
    double agglomerate_ref_m;      /* slurry agglomerate size with A = 1 */
    double cleaning_interval_s;    /* scheduled die cleaning, running time */
    double detect_correct_s;       /* camera detection + correction time (review: 30 s) */
    bool correction_cleans;        /* correcting a defect cleans the die lip */
    /* Dryer (one zone per entry). */
    unsigned zones;
    double zone_temp_c[CTI_DRYER_MAX_ZONES];
    double zone_length_m[CTI_DRYER_MAX_ZONES];
    double drying_rate_ref_kg_m2_s;  /* constant-rate evaporation at drying_ref_temp_c */
    double drying_ref_temp_c;
    double critical_solvent_frac;  /* of the initial solvent: end of the constant-rate period */
    double crack_rate_kg_m2_s;     /* evaporation rate above which the coating cracks */
    double equilibrium_moisture;   /* water taken up in the dry room, mass fraction */
    /* Drying energy estimate. */
    double ambient_temp_c;
    double dryer_efficiency;       /* share of heat that reaches the film */
    double heat_recovery_frac;     /* share of exhaust-air heat recovered */
} cti_coat_params;

/* Defaults: 2 lanes of 550 mm on a 1.2 m web at 60 m/min (the review's
 * example), 20 mg/cm2 for the cathode and 9.5 mg/cm2 for the anode, a
 * six-zone dryer below the solvent's boiling point, and a few agglomerate
 * defects per day (values and calibration in docs/models-electrode.md). */
void cti_coat_params_default(cti_coat_params *p, const cti_recipe *r);

/* CT_OK, or CT_ERR_INVALID: speed above max_speed_m_s (100 m/min by
 * default), width above max_width_m, lanes x lane width wider than the web,
 * lanes outside 1..32, zone temperature at or above the solvent's boiling
 * point (the review: zones below the evaporation temperature), ... */
ct_status cti_coat_params_validate(const cti_coat_params *p, const cti_recipe *r,
                                   ct_error *err);

/* State of one slot die, carried from coil to coil. */
typedef struct cti_coater_state {
    double running_s;              /* coating time since the last cleaning */
    double buildup;                /* agglomerate build-up at the lip, 0 = clean */
    double defect_left_m;          /* undetected defect running on into the next coil */
    uint64_t defects;              /* defects started, for reports */
} cti_coater_state;

/* A clean die, no defects yet. */
void cti_coater_init(cti_coater_state *s);

/* Cleaning the die: running time, build-up and any running defect reset
 * (the line is stopped for it, so a running defect ends). */
void cti_coater_clean(cti_coater_state *s);

/* True when the running time since cleaning has reached the interval. */
bool cti_coater_cleaning_due(const cti_coat_params *p, const cti_coater_state *s);

/* The speed v* at which this slurry keeps the capillary number of the
 * qualified setting: v* = v_q (eta_q/eta)^(1/n) (H/H_q)^((n-1)/n). */
double cti_coat_matched_speed_m_s(const cti_coat_params *p, const cti_recipe *r,
                                  double viscosity_pa_s);

/* ln(speed / matched speed) for the batch: 0 when matched. */
double cti_coat_mismatch(const cti_coat_params *p, const cti_recipe *r,
                         const double batch_attr[CTI_M__COUNT]);

/* Hazard of an agglomerate defect, per metre, in state s:
 * h = h0 M (1 + B), M = 1 + k_m m^2, B = s->buildup. */
double cti_coat_hazard_per_m(const cti_coat_params *p, const cti_recipe *r,
                             const cti_coater_state *s,
                             const double batch_attr[CTI_M__COUNT]);

/* Expected number of defects over length_m from state s if none occurred
 * (so no resets): the integral of the hazard, closed form. */
double cti_coat_expected_defects(const cti_coat_params *p, const cti_recipe *r,
                                 const cti_coater_state *s,
                                 const double batch_attr[CTI_M__COUNT], double length_m);

/* What one coil's coating produced besides its attributes. */
typedef struct cti_coat_result {
    size_t n_spans;                /* spans written */
    unsigned defects;              /* defects started in this coil */
    double scrap_m;                /* metres inside defect spans (sum of span lengths) */
    double expected_defects;       /* cti_coat_expected_defects at the start */
    double matched_speed_m_s;
    double solvent_evaporated_kg;  /* over the coated area of the coil */
    double residual_solvent;       /* kg solvent per kg dry coating leaving the dryer */
    double peak_drying_rate_kg_m2_s;
    bool cracked;                  /* peak rate above crack_rate_kg_m2_s (whole coil) */
    double drying_energy_wh_m2;    /* per m2 of coated area */
    double drying_energy_wh;       /* for the coil */
} cti_coat_result;

/* Coats one coil of length_m metres (coil coordinates [0, length_m)) from
 * a slurry with batch_attr, advancing the die state s.
 *  - coil_attr (out): the batch's slurry attributes copied, plus
 *    AREAL_LOADING (coil mean, per side), LOADING_SD, COATING_THICKNESS,
 *    POROSITY and DENSITY (kg/m3) before calendering, MOISTURE.
 *  - spans (out, caller's buffer of spans_cap >= 1): agglomerate defects,
 *    CTI_DEF_COATING on all lanes, from the start x to x + speed x
 *    detect_correct_s, clipped at the coil end (the rest is carried in s
 *    into the next coil, where it is the first span). If the buffer fills,
 *    a further defect extends the last span to its end (more scrap, never
 *    less); 64 is ample for a few defects per day.
 *  - res (out): counts, scrap metres, drying figures.
 * Draws 2 normals, then one exponential per defect. p and r validated. */
void cti_coat_coil(const cti_coat_params *p, const cti_recipe *r, cti_coater_state *s,
                   const double batch_attr[CTI_M__COUNT], double length_m, ct_rng *rng,
                   double coil_attr[CTI_M__COUNT], cti_defect_span *spans, size_t spans_cap,
                   cti_coat_result *res);

/* Active material mass in a scrapped stretch of coating: area x loading x
 * active fraction (the review's example: 2 x 0.55 m x 30 m x 0.2 kg/m2 x
 * 0.96 = 6.336 kg). */
double cti_coating_scrap_mass_kg(double coated_width_m, double length_m,
                                 double loading_kg_m2, double active_frac);

/* Energy to dry one m2 of coating with solvent_kg_m2 of solvent and to
 * recover the solvent, Wh/m2: evaporation / efficiency + heating the
 * exhaust air that carries the vapour + solvent recovery. */
double cti_drying_energy_wh_m2(const cti_coat_params *p, const cti_recipe *r,
                               double solvent_kg_m2);

/* ---------------- calendering ---------------- */

typedef struct cti_calender_params {
    double roll_temp_c;
    double line_load_n_m;          /* kN/m or N/mm in factory files */
    double speed_m_s;
    double max_speed_m_s;
    double porosity_min;           /* Meyer et al. 2017: eps_min */
    double compaction_resistance_n_m; /* Meyer et al. 2017: gamma_c, at ref_temp_c */
    double ref_temp_c;
    double softening_k;            /* gamma_c falls by 1/e per softening_k of roll heat */
    double porosity_sd;            /* coil-to-coil */
} cti_calender_params;

void cti_calender_params_default(cti_calender_params *p, const cti_recipe *r);

/* CT_OK, or CT_ERR_INVALID: speed above max_speed_m_s, negative line load,
 * porosity_min outside (0, 1), ... */
ct_status cti_calender_params_validate(const cti_calender_params *p, ct_error *err);

typedef struct cti_calender_result {
    double thickness_before_m, thickness_after_m;
    double porosity_before, porosity_after;
    double compaction_degree;      /* (t0 - t1)/t0 of the coating layer */
} cti_calender_result;

/* Porosity after calendering a coating of porosity_before, without noise:
 * eps = eps_min + (eps0 - eps_min) exp(-q / gamma_c(T)), never above eps0. */
double cti_calender_porosity(const cti_calender_params *p, double porosity_before);

/* Calenders a coil: POROSITY, COATING_THICKNESS (mass conserved), DENSITY
 * updated in attr. Draws 1 normal. p validated; attr from cti_coat_coil. */
void cti_calender_coil(const cti_calender_params *p, const cti_recipe *r,
                       double attr[CTI_M__COUNT], ct_rng *rng, cti_calender_result *res);

/* ---------------- slitting ---------------- */

typedef struct cti_slit_params {
    double burr_mean_m;            /* roller-knife edge burr */
    double burr_sd_m;
} cti_slit_params;

void cti_slit_params_default(cti_slit_params *p);
ct_status cti_slit_params_validate(const cti_slit_params *p, ct_error *err);

/* One slit coil: lane `lane` of its parent, in the parent's metres. */
typedef struct cti_slit_coil {
    unsigned lane;
    double from_m, to_m;           /* parent coordinates, unchanged */
    double attr[CTI_M__COUNT];     /* the parent's */
    double edge_burr_m[2];         /* left and right cut edge */
    size_t first_span, n_spans;    /* its spans in the spans_out buffer */
} cti_slit_coil;

/* Slits the coil [from_m, to_m) of `lanes` lanes into lanes slit coils
 * (out[0..lanes-1]). A slit coil keeps the parent's metres (its metre
 * 1234 is the parent's metre 1234) and lane numbering: each parent span
 * whose lane_mask has bit i becomes a span of slit coil i with lane_mask
 * 1 << i. spans_out must hold every such span (at most n_spans x lanes);
 * else CT_ERR_INVALID and a message, nothing written to out. Draws 2
 * normals per lane (the two cut edges). */
ct_status cti_slit_coil_split(const cti_slit_params *p, unsigned lanes,
                              const double parent_attr[CTI_M__COUNT], double from_m,
                              double to_m, const cti_defect_span *spans, size_t n_spans,
                              ct_rng *rng, cti_slit_coil *out, cti_defect_span *spans_out,
                              size_t spans_cap, ct_error *err);

#endif
