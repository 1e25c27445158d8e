/*
 * dry_electrode.h - the process models of solvent-free (dry) electrode
 * making (internal): dry powder mixing with a fibrillating binder (PTFE),
 * and dry film forming with lamination onto the current collector, by the
 * Maxwell route (a free-standing film from the calender gap, laminated on
 * the foil) or direct calendering (the powder fed into the gap and pressed
 * straight onto the foil), following section 3.1 of the review (Orum
 * Aydin et al., Batteries 2023, 9, 555). No solvent, so no drying oven and
 * no NMP recovery: the energy is the heated rolls'.
 *
 * Like electrode.h: pure functions of value types, base units of units.h
 * (kg, m, s, C, W, Wh), each params struct with a _validate that names the
 * field in its message ("dry_coat.speed: ...") so the kinds report it at
 * the key. Relations, defaults and their sources: docs/models-electrode.md
 * (section "Dry coating").
 */
#ifndef CELLTWIN_MODEL_DRY_ELECTRODE_H
#define CELLTWIN_MODEL_DRY_ELECTRODE_H

#include <stdbool.h>
#include <stddef.h>

#include "celltwin/rng.h"
#include "celltwin/status.h"
#include "model/attrs.h"
#include "model/electrode.h"

/* PTFE's crystal transition: below about 19 C its particles do not
 * fibrillate under shear (a handbook property of PTFE). */
#define CTI_PTFE_TRANSITION_C 19.0
/* The review: dry coating makes electrodes "from 50 um to 1 mm" thick. */
#define CTI_DRY_FILM_MIN_M 50e-6
#define CTI_DRY_FILM_MAX_M 1e-3
/* The review: wet coating runs at 60 m/min and dry coating has not yet
 * reached it with double-sided coating: the default limit of the film
 * former. */
#define CTI_DRY_MAX_SPEED_M_S (60.0 / 60.0)

/* ---------------- dry mixing ---------------- */

typedef struct cti_dry_mix_params {
    double batch_mass_kg;          /* powder, no solvent */
    double mixer_speed_hz;         /* high-shear tool (rpm in factory files) */
    double mixing_time_s;
    double temperature_c;          /* above PTFE's transition for fibrillation */
    double fibrillation_revs;      /* revolutions for 1 - 1/e of the binder fibrillated */
    double overshear_revs;         /* beyond these, fibrils entangle and agglomerates grow */
    double overshear_gain;         /* agglomerate growth per overshear_revs beyond */
    double agglomerate_initial_m, agglomerate_final_m;
    double dispersion_revs;        /* 1/e reduction of the agglomerates */
    double fibrillation_cv;        /* batch-to-batch CV of the fibrillation degree */
    double agglomerate_cv;
} cti_dry_mix_params;

/* Defaults: 1,000 kg at 1500 rpm for 30 min at 40 C (docs). The drive's
 * electricity is the station's economics (power by state), not here. */
void cti_dry_mix_params_default(cti_dry_mix_params *p);

/* CT_OK, or CT_ERR_INVALID naming the field ("dry_mix.temperature: ..."):
 * temperature below PTFE's transition (19 C) or above 150 C, mass, speed,
 * time, constants out of range. */
ct_status cti_dry_mix_params_validate(const cti_dry_mix_params *p, ct_error *err);

/* Fibrillation degree after revs revolutions, without noise:
 * F = 1 - exp(-revs / fibrillation_revs). */
double cti_dry_fibrillation(const cti_dry_mix_params *p, double revs);

/* Agglomerate size after revs revolutions, without noise:
 * A = (A_f + (A_0 - A_f) exp(-revs / R_d)) (1 + g max(0, revs / R_o - 1)). */
double cti_dry_agglomerate_m(const cti_dry_mix_params *p, double revs);

/* Mixes one powder batch: attr gets SOLID_CONTENT 1, FIBRILLATION,
 * AGGLOMERATE, SLURRY_TEMP (the powder's temperature), the rest 0.
 * Draws 2 normals. p validated. */
void cti_dry_mix_batch(const cti_dry_mix_params *p, ct_rng *rng, double attr[CTI_M__COUNT]);

/* ---------------- dry film forming and lamination ---------------- */

typedef enum cti_dry_method {
    CTI_DRY_MAXWELL = 0,           /* free-standing film, then laminated */
    CTI_DRY_DIRECT_CALENDERING = 1 /* powder pressed onto the foil in the gap */
} cti_dry_method;

typedef struct cti_dry_coat_params {
    cti_dry_method method;
    double width_m, lane_width_m;
    unsigned lanes;
    double speed_m_s, max_speed_m_s, max_width_m;
    double loading_kg_m2;          /* per side */
    double loading_cv_coil, loading_cv_within;  /* thickness non-uniformity */
    double porosity, porosity_sd;  /* of the film as laminated */
    double roll_temp_c;            /* film forming and lamination rolls */
    double ambient_temp_c;
    double heater_power_w;         /* heat losses of one side's heated roll stand */
    double heating_efficiency;     /* share of heater energy that reaches the web */
    double film_cp_j_kg_k, foil_areal_mass_kg_m2, foil_cp_j_kg_k;
    /* Film breaks (a free-standing film tears; the line stops and is
     * rethreaded): hazard per metre
     *   h_b = h_b0 ((1 - F) / (1 - F_ref)) exp(k_v (v / v_ref - 1)). */
    double break_base_per_m;       /* h_b0 */
    double fibrillation_ref;       /* F_ref */
    double qualified_speed_m_s;    /* v_ref */
    double speed_gain;             /* k_v */
    double break_scrap_m;          /* metres cut out around a break */
    double rethread_s;             /* line stop to rethread */
    /* Delamination (poor adhesion to the foil): hazard per metre
     *   h_d = h_d0 exp((T_ref - T_roll) / T_s), found by the inline camera
     *   after detect_correct_s. */
    double delamination_base_per_m;
    double lamination_ref_temp_c;
    double lamination_temp_scale_k;
    double detect_correct_s;
    double equilibrium_moisture;   /* taken up in the dry room (no drying) */
} cti_dry_coat_params;

/* Defaults for method m: 3 lanes of 420 mm on 1.26 m at 30 m/min, 20
 * mg/cm2 (cathode) or 10.8 mg/cm2 (anode), rolls at 80 C, 40 kW of roll
 * heating per side (values and assumptions in docs). */
void cti_dry_coat_params_default(cti_dry_coat_params *p, cti_dry_method m, cti_polarity pol);

/* CT_OK, or CT_ERR_INVALID naming the field: speed above max_speed
 * (60 m/min by default, the review), width above max_width, lanes x lane
 * width wider than the web, film thickness (loading / (solids density x
 * (1 - porosity))) outside the review's 50 um - 1 mm, roll temperature
 * below PTFE's transition or above 250 C, ... solids_density_kg_m3 is the
 * recipe's (cti_recipe_solids_density_kg_m3); NAN skips the thickness
 * check (the recipe not yet known). */
ct_status cti_dry_coat_params_validate(const cti_dry_coat_params *p,
                                       double solids_density_kg_m3, ct_error *err);

/* Film thickness per side, m. */
double cti_dry_film_thickness_m(const cti_dry_coat_params *p, double solids_density_kg_m3);

/* Break and delamination hazards per metre for a powder of fibrillation F. */
double cti_dry_break_hazard_per_m(const cti_dry_coat_params *p, double fibrillation);
double cti_dry_delamination_hazard_per_m(const cti_dry_coat_params *p);

/* Roll heating energy per m2 of film, Wh/m2: the web's sensible heat
 * (film and foil from ambient to roll temperature, foil counted once for
 * both sides) over the efficiency, plus the roll stand's losses over the
 * area it forms per second. */
double cti_dry_coat_energy_wh_m2(const cti_dry_coat_params *p, int sides);

/* What one coil's dry coating produced besides its attributes. */
typedef struct cti_dry_coat_result {
    size_t n_spans;
    unsigned breaks, delaminations;
    double scrap_m;
    double stop_s;                 /* rethreading time */
    double energy_wh;
} cti_dry_coat_result;

/* Forms, laminates (sides 1 or 2) and inspects one coil of length_m
 * metres from a powder with batch_attr. coil_attr (out): the powder's
 * attributes, plus AREAL_LOADING, LOADING_SD, COATING_THICKNESS, POROSITY,
 * DENSITY, MOISTURE. spans (out, caller's buffer of spans_cap >= 1): breaks
 * and delaminations, CTI_DEF_COATING on all lanes, severity 1 for a break
 * and 2 for a delamination; a full buffer extends the last span to the
 * coil end. Draws 3 normals, then one exponential per defect (two
 * processes in turn). p validated. */
void cti_dry_coat_coil(const cti_dry_coat_params *p, double solids_density_kg_m3, int sides,
                       const double batch_attr[CTI_M__COUNT], double length_m, ct_rng *rng,
                       double coil_attr[CTI_M__COUNT], cti_defect_span *spans, size_t spans_cap,
                       cti_dry_coat_result *res);

#endif
