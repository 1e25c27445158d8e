/*
 * electrode.c - the electrode-making process models: dosing and mixing,
 * standing, slot-die coating with drying and agglomerate defects,
 * calendering and slitting (see electrode.h for the contracts and
 * docs/models-electrode.md for every equation, its source or the
 * assumption behind it, and the defaults).
 *
 * Normal draws use one uniform each through the public quantile
 * (ct_dist_std_normal, AS241 in engine/dist.c), so the number of
 * values a call takes from its stream does not depend on the values drawn.
 */
#include "celltwin/dist.h"
#include "model/electrode.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "celltwin/quality.h"

#define KELVIN 273.15
#define GAS_CONSTANT_J_MOL_K 8.314462618
#define AIR_CP_J_KG_K 1006.0
#define AIR_MOLAR_MASS_KG_MOL 0.02897
#define SECONDS_PER_HOUR 3600.0
#define RECIPE_SUM_TOL 1e-9

/* NMP's lower explosive limit 1.3 vol.%; dryers are run at 25 % of it. */
#define NMP_LEL_VOL 0.013
#define LEL_SHARE 0.25

static const cti_solvent_props SOLVENTS[] = {
    [CTI_SOLVENT_NMP] = {
        .name = "NMP",
        .density_kg_m3 = 1028.0,
        .boiling_c = 202.0,
        .molar_mass_kg_mol = 0.09913,
        .latent_heat_j_kg = 5.35e5,   /* about 53 kJ/mol */
        .exhaust_loading_max = LEL_SHARE * NMP_LEL_VOL * 0.09913 / AIR_MOLAR_MASS_KG_MOL,
        .recovery_energy_j_kg = 3.0e6,
    },
    [CTI_SOLVENT_WATER] = {
        .name = "water",
        .density_kg_m3 = 997.0,
        .boiling_c = 100.0,
        .molar_mass_kg_mol = 0.018015,
        .latent_heat_j_kg = 2.35e6,   /* steam tables, about 60 C */
        .exhaust_loading_max = 0.03,
        .recovery_energy_j_kg = 0.0,
    },
};

const cti_solvent_props *cti_solvent_get(cti_solvent s)
{
    assert(s == CTI_SOLVENT_NMP || s == CTI_SOLVENT_WATER);
    return &SOLVENTS[s];
}

/* ---------------- helpers ---------------- */

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static double std_normal(ct_rng *rng)
{
    return ct_dist_std_normal(rng);
}

/* A lognormal factor with mean 1 and coefficient of variation cv: process
 * scatter of a positive quantity without a chance of going negative. */
static double unit_lognormal(double cv, double z)
{
    double s2 = log1p(cv * cv);
    return exp(sqrt(s2) * z - 0.5 * s2);
}

/* Nominal solid contents of the default recipes: the qualified viscosity
 * of the default coater is the rest viscosity at this value. */
static double nominal_solid_content(const cti_recipe *r)
{
    return r->polarity == CTI_CATHODE ? 0.58 : 0.48;
}

static bool finite_pos(double x)
{
    return isfinite(x) && x > 0.0;
}

/* ---------------- recipe ---------------- */

void cti_recipe_default(cti_recipe *r, cti_polarity polarity)
{
    memset(r, 0, sizeof *r);
    r->polarity = polarity;
    if (polarity == CTI_CATHODE) {
        /* 96 wt.% LFP as in the review's scrap example, 2 % carbon black,
         * 2 % PVDF dissolved in NMP. */
        r->solvent = CTI_SOLVENT_NMP;
        r->active_frac = 0.96;
        r->conductive_frac = 0.02;
        r->binder_frac = 0.02;
        r->active_density_kg_m3 = 3600.0;
        r->conductive_density_kg_m3 = 1900.0;
        r->binder_density_kg_m3 = 1780.0;
        r->andrade_b_k = 1500.0;
        r->phi_max = 0.40;
        r->flow_index = 0.5;
    } else {
        /* Graphite with 1 % carbon black and 4 % CMC + SBR in water. */
        r->solvent = CTI_SOLVENT_WATER;
        r->active_frac = 0.95;
        r->conductive_frac = 0.01;
        r->binder_frac = 0.04;
        r->active_density_kg_m3 = 2260.0;
        r->conductive_density_kg_m3 = 1900.0;
        r->binder_density_kg_m3 = 1130.0;
        r->andrade_b_k = 1900.0;
        r->phi_max = 0.45;
        r->flow_index = 0.45;
    }
    r->medium_viscosity_pa_s = 1.5;
    r->ref_temp_c = 25.0;
    r->intrinsic_viscosity = 2.5;
    r->thixo_breakdown_s = 0.01;
    r->thixo_floor = 0.5;
    r->thixo_recovery_s = 3600.0;
    r->reagglomeration_m_s = 0.2e-6 / SECONDS_PER_HOUR;
    r->standing_limit_s = 2.0 * 86400.0;
    /* No additive; if one is written: Li5FeO4, about 700 mAh/g (cell_design.c
     * gives the derivation) and an assumed particle density of 3.9 g/cm3. */
    r->additive_frac = 0.0;
    r->additive_density_kg_m3 = 3900.0;
    r->additive_capacity_ah_kg = 700.0;
}

ct_status cti_recipe_validate(const cti_recipe *r, ct_error *err)
{
    if (r->solvent != CTI_SOLVENT_NMP && r->solvent != CTI_SOLVENT_WATER)
        return ct_error_set(err, CT_ERR_INVALID, "recipe: solvent: expected NMP or water");
    const double f[4] = { r->active_frac, r->conductive_frac, r->binder_frac, r->additive_frac };
    static const char *const fname[4] = { "active", "conductive", "binder", "additive" };
    for (int i = 0; i < 4; i++)
        if (!(f[i] >= 0.0 && f[i] <= 1.0))
            return ct_error_set(err, CT_ERR_INVALID,
                                "recipe: %s fraction %g is outside [0, 1]", fname[i], f[i]);
    double sum = f[0] + f[1] + f[2] + f[3];
    if (!(fabs(sum - 1.0) <= RECIPE_SUM_TOL))
        return ct_error_set(err, CT_ERR_INVALID,
                            "recipe: active %g + conductive %g + binder %g + additive %g = %.12g; "
                            "the dry-mass fractions must sum to 1",
                            f[0], f[1], f[2], f[3], sum);
    if (r->additive_frac > CTI_ADDITIVE_MAX_FRAC)
        return ct_error_set(err, CT_ERR_INVALID,
                            "recipe: additive: %g %% is above %g %%: the review adds a "
                            "prelithiation compound \"in low amounts (<5 wt.%%)\"",
                            100 * r->additive_frac, 100 * CTI_ADDITIVE_MAX_FRAC);
    if (r->additive_frac > 0 && r->polarity != CTI_CATHODE)
        return ct_error_set(err, CT_ERR_INVALID,
                            "recipe: additive: a prelithiation additive goes into the cathode");
    if (r->additive_frac > 0 && (!finite_pos(r->additive_density_kg_m3) ||
                                 !finite_pos(r->additive_capacity_ah_kg)))
        return ct_error_set(err, CT_ERR_INVALID,
                            "recipe: additive_density and additive_capacity must be > 0");
    if (!(r->active_frac > 0.0))
        return ct_error_set(err, CT_ERR_INVALID, "recipe: active fraction must be > 0");
    if (!finite_pos(r->active_density_kg_m3) || !finite_pos(r->conductive_density_kg_m3) ||
        !finite_pos(r->binder_density_kg_m3))
        return ct_error_set(err, CT_ERR_INVALID, "recipe: densities must be > 0");
    if (!finite_pos(r->medium_viscosity_pa_s))
        return ct_error_set(err, CT_ERR_INVALID,
                            "recipe: medium_viscosity_pa_s must be > 0, got %g",
                            r->medium_viscosity_pa_s);
    if (!(r->ref_temp_c > -KELVIN) || !(r->andrade_b_k >= 0.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "recipe: ref_temp_c must be above absolute zero and "
                            "andrade_b_k >= 0");
    if (!(r->phi_max > 0.0 && r->phi_max < 1.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "recipe: phi_max must be in (0, 1), got %g", r->phi_max);
    if (!finite_pos(r->intrinsic_viscosity))
        return ct_error_set(err, CT_ERR_INVALID, "recipe: intrinsic_viscosity must be > 0");
    if (!(r->flow_index > 0.0 && r->flow_index <= 1.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "recipe: flow_index must be in (0, 1], got %g", r->flow_index);
    if (!(r->thixo_breakdown_s >= 0.0) || !(r->thixo_floor > 0.0 && r->thixo_floor <= 1.0) ||
        !finite_pos(r->thixo_recovery_s))
        return ct_error_set(err, CT_ERR_INVALID,
                            "recipe: thixotropy: breakdown_s >= 0, floor in (0, 1], "
                            "recovery_s > 0 expected");
    if (!(r->reagglomeration_m_s >= 0.0) || !finite_pos(r->standing_limit_s))
        return ct_error_set(err, CT_ERR_INVALID,
                            "recipe: reagglomeration_m_s >= 0 and standing_limit_s > 0 "
                            "expected");
    return CT_OK;
}

double cti_recipe_solids_density_kg_m3(const cti_recipe *r)
{
    return 1.0 / (r->active_frac / r->active_density_kg_m3 +
                  r->conductive_frac / r->conductive_density_kg_m3 +
                  r->binder_frac / r->binder_density_kg_m3 +
                  (r->additive_frac > 0 ? r->additive_frac / r->additive_density_kg_m3 : 0.0));
}

/* Volumes per kg of slurry and per unit solid content: particles, binder,
 * solvent (per unit liquid fraction). */
static void specific_volumes(const cti_recipe *r, double *vp, double *vb, double *vl)
{
    *vp = r->active_frac / r->active_density_kg_m3 +
          r->conductive_frac / r->conductive_density_kg_m3 +
          (r->additive_frac > 0 ? r->additive_frac / r->additive_density_kg_m3 : 0.0);
    *vb = r->binder_frac / r->binder_density_kg_m3;
    *vl = 1.0 / cti_solvent_get(r->solvent)->density_kg_m3;
}

double cti_slurry_phi(const cti_recipe *r, double solid_content)
{
    double vp, vb, vl;
    specific_volumes(r, &vp, &vb, &vl);
    double s = solid_content;
    return s * vp / (s * (vp + vb) + (1.0 - s) * vl);
}

/* The solid content at which the particle volume fraction is phi (the
 * inverse of cti_slurry_phi). */
static double solid_content_at_phi(const cti_recipe *r, double phi)
{
    double vp, vb, vl;
    specific_volumes(r, &vp, &vb, &vl);
    return phi * vl / (vp - phi * (vp + vb - vl));
}

double cti_slurry_viscosity_rest_pa_s(const cti_recipe *r, double solid_content,
                                      double temp_c)
{
    double phi = cti_slurry_phi(r, solid_content);
    if (phi >= r->phi_max)
        return INFINITY;
    double medium = r->medium_viscosity_pa_s *
                    exp(r->andrade_b_k * (1.0 / (temp_c + KELVIN) - 1.0 / (r->ref_temp_c + KELVIN)));
    double relative = pow(1.0 - phi / r->phi_max, -r->intrinsic_viscosity * r->phi_max);
    return medium * relative;
}

/* Viscosity of a slurry whose structure is lambda (1 = at rest). */
static double structured_viscosity(const cti_recipe *r, double rest, double lambda)
{
    return rest * (r->thixo_floor + (1.0 - r->thixo_floor) * lambda);
}

/* ---------------- mixing ---------------- */

void cti_mix_params_default(cti_mix_params *p, const cti_recipe *r)
{
    p->batch_mass_kg = 1000.0;
    p->solid_content = nominal_solid_content(r);
    p->mixer_speed_hz = 25.0;
    p->mixing_time_s = 1.5 * SECONDS_PER_HOUR;
    p->temperature_c = 25.0;
    p->shear_per_hz = 11.0;
    p->dosing_sd = 0.002;
    p->structure_cv = 0.10;
    p->agglomerate_initial_m = 50e-6;
    p->agglomerate_final_m = 8e-6;
    p->dispersion_revs = 30000.0;
    p->agglomerate_cv = 0.15;
}

ct_status cti_mix_params_validate(const cti_mix_params *p, const cti_recipe *r,
                                  ct_error *err)
{
    if (!finite_pos(p->batch_mass_kg))
        return ct_error_set(err, CT_ERR_INVALID, "mix: batch_mass_kg must be > 0, got %g",
                            p->batch_mass_kg);
    if (!(p->solid_content > 0.0 && p->solid_content < 1.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "mix: solid_content must be in (0, 1), got %g", p->solid_content);
    double phi = cti_slurry_phi(r, p->solid_content);
    if (!(phi < 0.95 * r->phi_max))
        return ct_error_set(err, CT_ERR_INVALID,
                            "mix: solid_content %g gives a particle volume fraction %.3f, "
                            "too close to the recipe's maximum packing %.3f (the slurry "
                            "would not flow)",
                            p->solid_content, phi, r->phi_max);
    if (!(p->mixer_speed_hz >= 0.0) || !(p->mixing_time_s >= 0.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "mix: mixer speed and mixing time must be >= 0");
    double boil = cti_solvent_get(r->solvent)->boiling_c;
    if (!(p->temperature_c > -KELVIN && p->temperature_c < boil))
        return ct_error_set(err, CT_ERR_INVALID,
                            "mix: temperature %g C must be below the boiling point of %s "
                            "(%g C)",
                            p->temperature_c, cti_solvent_get(r->solvent)->name, boil);
    if (!(p->shear_per_hz >= 0.0) || !(p->dosing_sd >= 0.0) || !(p->structure_cv >= 0.0) ||
        !(p->agglomerate_cv >= 0.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "mix: shear_per_hz, dosing_sd and the CVs must be >= 0");
    if (!(p->agglomerate_final_m >= 0.0 && p->agglomerate_initial_m >= p->agglomerate_final_m) ||
        !finite_pos(p->dispersion_revs))
        return ct_error_set(err, CT_ERR_INVALID,
                            "mix: expected 0 <= agglomerate_final_m <= agglomerate_initial_m "
                            "and dispersion_revs > 0");
    return CT_OK;
}

void cti_mix_batch(const cti_recipe *r, const cti_mix_params *p, ct_rng *rng,
                   cti_batch *out)
{
    assert(p->batch_mass_kg > 0.0 && p->solid_content > 0.0 && p->solid_content < 1.0);
    double z_dose = std_normal(rng);
    double z_struct = std_normal(rng);
    double z_agg = std_normal(rng);

    /* The dosed solid content scatters; keep it where the slurry still
     * flows (a draw that far out is a dosing failure, not modelled here). */
    double sc_max = solid_content_at_phi(r, 0.99 * r->phi_max);
    double sc = clamp(p->solid_content + p->dosing_sd * z_dose, 0.5 * p->solid_content, sc_max);

    double rest = cti_slurry_viscosity_rest_pa_s(r, sc, p->temperature_c);
    double shear_rate = p->shear_per_hz * p->mixer_speed_hz;
    double lambda = 1.0 / (1.0 + r->thixo_breakdown_s * shear_rate);
    lambda = clamp(lambda * unit_lognormal(p->structure_cv, z_struct), 0.0, 1.0);

    double revs = p->mixer_speed_hz * p->mixing_time_s;
    double agg = p->agglomerate_final_m +
                 (p->agglomerate_initial_m - p->agglomerate_final_m) * exp(-revs / p->dispersion_revs);
    agg *= unit_lognormal(p->agglomerate_cv, z_agg);

    memset(out, 0, sizeof *out);
    out->attr[CTI_M_SOLID_CONTENT] = sc;
    out->attr[CTI_M_VISCOSITY] = structured_viscosity(r, rest, lambda);
    out->attr[CTI_M_AGGLOMERATE] = agg;
    out->attr[CTI_M_SLURRY_TEMP] = p->temperature_c;
    out->attr[CTI_M_STANDING_TIME] = 0.0;

    double solids = p->batch_mass_kg * sc;
    out->active_kg = solids * r->active_frac;
    out->conductive_kg = solids * r->conductive_frac;
    out->binder_kg = solids * r->binder_frac;
    out->additive_kg = solids * r->additive_frac;
    out->solvent_kg = p->batch_mass_kg - solids;
    out->mixing_revs = revs;
}

/* ---------------- standing ---------------- */

void cti_slurry_stand(const cti_recipe *r, double attr[CTI_M__COUNT], double standing_s,
                      uint32_t *defects)
{
    assert(standing_s >= 0.0);
    double rest = cti_slurry_viscosity_rest_pa_s(r, attr[CTI_M_SOLID_CONTENT],
                                                 attr[CTI_M_SLURRY_TEMP]);
    /* The structure is recovered from the viscosity itself, so the
     * attributes alone carry the state and standing can be applied in
     * pieces. */
    double lambda = 1.0;   /* a floor of 1 means no thixotropy: always at rest */
    if (r->thixo_floor < 1.0)
        lambda = clamp((attr[CTI_M_VISCOSITY] / rest - r->thixo_floor) / (1.0 - r->thixo_floor),
                       0.0, 1.0);
    lambda = 1.0 - (1.0 - lambda) * exp(-standing_s / r->thixo_recovery_s);
    attr[CTI_M_VISCOSITY] = structured_viscosity(r, rest, lambda);
    attr[CTI_M_AGGLOMERATE] += r->reagglomeration_m_s * standing_s;
    attr[CTI_M_STANDING_TIME] += standing_s;
    if (attr[CTI_M_STANDING_TIME] > r->standing_limit_s && defects)
        *defects |= CTI_DEF_STANDING;
}

/* ---------------- coating: parameters ---------------- */

void cti_coat_params_default(cti_coat_params *p, const cti_recipe *r)
{
    memset(p, 0, sizeof *p);
    bool cathode = r->polarity == CTI_CATHODE;
    p->width_m = 1.2;
    p->lanes = 2;
    p->lane_width_m = 0.55;
    p->speed_m_s = 1.0;
    p->max_speed_m_s = CTI_COAT_MAX_SPEED_M_S;
    p->max_width_m = CTI_COAT_MAX_WIDTH_M;
    p->loading_kg_m2 = cathode ? 0.20 : 0.095;
    p->loading_cv_coil = 0.005;
    p->loading_cv_within = 0.01;
    p->porosity_dry = cathode ? 0.50 : 0.55;
    p->porosity_sd = 0.01;
    p->coating_gap_m = 250e-6;

    p->qualified_speed_m_s = 1.0;
    p->qualified_viscosity_pa_s =
        cti_slurry_viscosity_rest_pa_s(r, nominal_solid_content(r), r->ref_temp_c);
    p->qualified_gap_m = 250e-6;
    /* Calibration (docs): at matched speed, 60 m/min and an 8 h cleaning
     * interval, the expected count per interval is
     * h0 (L + L^2 / (2 v tau_B)) with L = 28,800 m; tau_B = 4 h makes the
     * bracket 57,600 m, so h0 = 1/57,600 gives one defect per interval,
     * about three a day. */
    p->hazard_base_per_m = 1.0 / 57600.0;
    p->buildup_time_s = 4.0 * SECONDS_PER_HOUR;
    p->mismatch_gain = 5.0;
    p->agglomerate_ref_m = 10e-6;
    p->cleaning_interval_s = 8.0 * SECONDS_PER_HOUR;
    p->detect_correct_s = 30.0;
    p->correction_cleans = true;

    /* An 80 m dryer in 8 zones, rising then falling in temperature so the
     * wet film is not dried fast at the start (the review: zones below the
     * evaporation temperature, rapid drying cracks the film). */
    p->zones = 8;
    static const double t_nmp[8] = { 90, 105, 120, 130, 135, 135, 130, 120 };
    static const double t_water[8] = { 60, 70, 80, 85, 90, 90, 85, 80 };
    for (unsigned i = 0; i < p->zones; i++) {
        p->zone_temp_c[i] = cathode ? t_nmp[i] : t_water[i];
        p->zone_length_m[i] = 10.0;
    }
    p->drying_rate_ref_kg_m2_s = cathode ? 2.3e-3 : 2.0e-3;
    p->drying_ref_temp_c = cathode ? 120.0 : 80.0;
    p->critical_solvent_frac = 0.1;
    p->crack_rate_kg_m2_s = 5.0e-3;
    p->equilibrium_moisture = cathode ? 200e-6 : 300e-6;

    p->ambient_temp_c = 25.0;
    p->dryer_efficiency = 0.8;
    p->heat_recovery_frac = 0.5;
}

ct_status cti_coat_params_validate(const cti_coat_params *p, const cti_recipe *r,
                                   ct_error *err)
{
    if (!finite_pos(p->max_speed_m_s) || !finite_pos(p->max_width_m))
        return ct_error_set(err, CT_ERR_INVALID, "coat: max_speed_m_s and max_width_m must be > 0");
    if (!finite_pos(p->speed_m_s))
        return ct_error_set(err, CT_ERR_INVALID, "coat: speed_m_s must be > 0, got %g",
                            p->speed_m_s);
    if (p->speed_m_s > p->max_speed_m_s)
        return ct_error_set(err, CT_ERR_INVALID,
                            "coat: speed_m_s: %g m/min is above the coater's limit of %g m/min",
                            p->speed_m_s * 60.0, p->max_speed_m_s * 60.0);
    if (!finite_pos(p->width_m) || p->width_m > p->max_width_m)
        return ct_error_set(err, CT_ERR_INVALID,
                            "coat: width_m: %g mm must be > 0 and at most %g mm",
                            p->width_m * 1e3, p->max_width_m * 1e3);
    if (p->lanes < 1 || p->lanes > CTI_MAX_LANES)
        return ct_error_set(err, CT_ERR_INVALID, "coat: lanes must be 1..%u, got %u",
                            CTI_MAX_LANES, p->lanes);
    if (!finite_pos(p->lane_width_m) || p->lanes * p->lane_width_m > p->width_m * (1.0 + 1e-12))
        return ct_error_set(err, CT_ERR_INVALID,
                            "coat: %u lanes of %g mm do not fit on a %g mm web",
                            p->lanes, p->lane_width_m * 1e3, p->width_m * 1e3);
    if (!finite_pos(p->loading_kg_m2))
        return ct_error_set(err, CT_ERR_INVALID, "coat: loading_kg_m2 must be > 0");
    if (!(p->loading_cv_coil >= 0.0) || !(p->loading_cv_within >= 0.0) ||
        !(p->porosity_sd >= 0.0))
        return ct_error_set(err, CT_ERR_INVALID, "coat: CVs and sds must be >= 0");
    if (!(p->porosity_dry > 0.0 && p->porosity_dry < 1.0))
        return ct_error_set(err, CT_ERR_INVALID, "coat: porosity_dry must be in (0, 1), got %g",
                            p->porosity_dry);
    if (!finite_pos(p->coating_gap_m) || !finite_pos(p->qualified_gap_m) ||
        !finite_pos(p->qualified_speed_m_s) || !finite_pos(p->qualified_viscosity_pa_s))
        return ct_error_set(err, CT_ERR_INVALID,
                            "coat: coating gap and the qualified speed, viscosity and gap "
                            "must be > 0");
    if (!(p->hazard_base_per_m >= 0.0) || !finite_pos(p->buildup_time_s) ||
        !(p->mismatch_gain >= 0.0) || !finite_pos(p->agglomerate_ref_m))
        return ct_error_set(err, CT_ERR_INVALID,
                            "coat: hazard_base_per_m >= 0, buildup_time_s > 0, "
                            "mismatch_gain >= 0, agglomerate_ref_m > 0 expected");
    if (!finite_pos(p->cleaning_interval_s) || !(p->detect_correct_s >= 0.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "coat: cleaning_interval_s > 0 and detect_correct_s >= 0 expected");
    if (p->zones < 1 || p->zones > CTI_DRYER_MAX_ZONES)
        return ct_error_set(err, CT_ERR_INVALID, "coat: dryer zones must be 1..%u, got %u",
                            CTI_DRYER_MAX_ZONES, p->zones);
    const cti_solvent_props *sv = cti_solvent_get(r->solvent);
    for (unsigned i = 0; i < p->zones; i++) {
        if (!(p->zone_temp_c[i] > p->ambient_temp_c && p->zone_temp_c[i] < sv->boiling_c))
            return ct_error_set(err, CT_ERR_INVALID,
                                "coat: dryer zone %u: %g C must be above ambient (%g C) and "
                                "below the boiling point of %s (%g C)",
                                i + 1, p->zone_temp_c[i], p->ambient_temp_c, sv->name,
                                sv->boiling_c);
        if (!finite_pos(p->zone_length_m[i]))
            return ct_error_set(err, CT_ERR_INVALID, "coat: dryer zone %u: length must be > 0",
                                i + 1);
    }
    if (!finite_pos(p->drying_rate_ref_kg_m2_s) || !(p->drying_ref_temp_c > -KELVIN) ||
        !(p->critical_solvent_frac > 0.0 && p->critical_solvent_frac <= 1.0) ||
        !finite_pos(p->crack_rate_kg_m2_s) || !(p->equilibrium_moisture >= 0.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "coat: drying rate > 0, critical_solvent_frac in (0, 1], "
                            "crack rate > 0, equilibrium_moisture >= 0 expected");
    if (!(p->dryer_efficiency > 0.0 && p->dryer_efficiency <= 1.0) ||
        !(p->heat_recovery_frac >= 0.0 && p->heat_recovery_frac < 1.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "coat: dryer_efficiency in (0, 1] and heat_recovery_frac in "
                            "[0, 1) expected");
    return CT_OK;
}

/* ---------------- coating: the die ---------------- */

void cti_coater_init(cti_coater_state *s)
{
    memset(s, 0, sizeof *s);
}

void cti_coater_clean(cti_coater_state *s)
{
    s->running_s = 0.0;
    s->buildup = 0.0;
    s->defect_left_m = 0.0;
}

bool cti_coater_cleaning_due(const cti_coat_params *p, const cti_coater_state *s)
{
    return s->running_s >= p->cleaning_interval_s;
}

double cti_coat_matched_speed_m_s(const cti_coat_params *p, const cti_recipe *r,
                                  double viscosity_pa_s)
{
    double n = r->flow_index;
    return p->qualified_speed_m_s * pow(p->qualified_viscosity_pa_s / viscosity_pa_s, 1.0 / n) *
           pow(p->coating_gap_m / p->qualified_gap_m, (n - 1.0) / n);
}

double cti_coat_mismatch(const cti_coat_params *p, const cti_recipe *r,
                         const double batch_attr[CTI_M__COUNT])
{
    return log(p->speed_m_s / cti_coat_matched_speed_m_s(p, r, batch_attr[CTI_M_VISCOSITY]));
}

/* The hazard along the coil, h(y) = a + b y metres from the current
 * position, for a given batch and speed: a = h0 M (1 + B), b = h0 M g
 * where g = M A / (v tau_B) is the build-up per metre. */
typedef struct hazard_line {
    double m_factor;    /* M */
    double g_per_m;     /* build-up per metre */
} hazard_line;

static hazard_line hazard_setup(const cti_coat_params *p, const cti_recipe *r,
                                const double batch_attr[CTI_M__COUNT])
{
    double m = cti_coat_mismatch(p, r, batch_attr);
    double a_factor = batch_attr[CTI_M_AGGLOMERATE] / p->agglomerate_ref_m;
    hazard_line h;
    h.m_factor = 1.0 + p->mismatch_gain * m * m;
    h.g_per_m = h.m_factor * a_factor / (p->speed_m_s * p->buildup_time_s);
    return h;
}

double cti_coat_hazard_per_m(const cti_coat_params *p, const cti_recipe *r,
                             const cti_coater_state *s,
                             const double batch_attr[CTI_M__COUNT])
{
    hazard_line h = hazard_setup(p, r, batch_attr);
    return p->hazard_base_per_m * h.m_factor * (1.0 + s->buildup);
}

double cti_coat_expected_defects(const cti_coat_params *p, const cti_recipe *r,
                                 const cti_coater_state *s,
                                 const double batch_attr[CTI_M__COUNT], double length_m)
{
    hazard_line h = hazard_setup(p, r, batch_attr);
    double h0m = p->hazard_base_per_m * h.m_factor;
    return h0m * ((1.0 + s->buildup) * length_m + 0.5 * h.g_per_m * length_m * length_m);
}

/* Runs the die for `metres` without a defect starting. */
static void die_advance(const cti_coat_params *p, const hazard_line *h, cti_coater_state *s,
                        double metres)
{
    s->running_s += metres / p->speed_m_s;
    s->buildup += h->g_per_m * metres;
}

/* Records [from, to) in the span buffer, extending the last span when the
 * buffer is full. */
static void span_add(cti_defect_span *spans, size_t cap, size_t *n, double from, double to,
                     uint32_t lane_mask, float severity)
{
    if (*n == cap) {
        cti_defect_span *last = &spans[cap - 1];
        if (to > last->to_m)
            last->to_m = to;
        if (severity > last->severity)
            last->severity = severity;
        return;
    }
    spans[*n] = (cti_defect_span){ .from_m = from, .to_m = to, .lane_mask = lane_mask,
                                   .defect = CTI_DEF_COATING, .severity = severity };
    (*n)++;
}

static uint32_t all_lanes(unsigned lanes)
{
    return lanes >= 32 ? UINT32_MAX : (UINT32_C(1) << lanes) - 1u;
}

/* Two-period drying through the zones (constant rate until the critical
 * solvent content, then a rate falling linearly with the solvent left).
 * Returns the solvent left per m2; *peak the highest evaporation rate. */
static double dry(const cti_coat_params *p, const cti_recipe *r, double solvent_kg_m2,
                  double *peak)
{
    const cti_solvent_props *sv = cti_solvent_get(r->solvent);
    double cc_k = sv->latent_heat_j_kg * sv->molar_mass_kg_mol / GAS_CONSTANT_J_MOL_K;
    double s = solvent_kg_m2;
    double s_crit = p->critical_solvent_frac * solvent_kg_m2;
    *peak = 0.0;
    for (unsigned i = 0; i < p->zones && s > 0.0; i++) {
        double rate = p->drying_rate_ref_kg_m2_s *
                      exp(-cc_k * (1.0 / (p->zone_temp_c[i] + KELVIN) -
                                   1.0 / (p->drying_ref_temp_c + KELVIN)));
        double entry_rate = s > s_crit ? rate : rate * s / s_crit;
        if (entry_rate > *peak)
            *peak = entry_rate;
        double t = p->zone_length_m[i] / p->speed_m_s;
        if (s > s_crit) {
            double t_const = (s - s_crit) / rate;
            if (t_const >= t) {
                s -= rate * t;
                continue;
            }
            t -= t_const;
            s = s_crit;
        }
        s *= exp(-rate * t / s_crit);
    }
    return s;
}

double cti_drying_energy_wh_m2(const cti_coat_params *p, const cti_recipe *r,
                               double solvent_kg_m2)
{
    const cti_solvent_props *sv = cti_solvent_get(r->solvent);
    double len = 0.0, temp_len = 0.0;
    for (unsigned i = 0; i < p->zones; i++) {
        len += p->zone_length_m[i];
        temp_len += p->zone_temp_c[i] * p->zone_length_m[i];
    }
    double air_temp_c = temp_len / len;
    double evaporation = sv->latent_heat_j_kg / p->dryer_efficiency;
    double air = AIR_CP_J_KG_K * (air_temp_c - p->ambient_temp_c) * (1.0 - p->heat_recovery_frac) /
                 sv->exhaust_loading_max;
    double joules = solvent_kg_m2 * (evaporation + air + sv->recovery_energy_j_kg);
    return joules / SECONDS_PER_HOUR;
}

double cti_coating_scrap_mass_kg(double coated_width_m, double length_m,
                                 double loading_kg_m2, double active_frac)
{
    return coated_width_m * length_m * loading_kg_m2 * active_frac;
}

void cti_coat_coil(const cti_coat_params *p, const cti_recipe *r, cti_coater_state *s,
                   const double batch_attr[CTI_M__COUNT], double length_m, ct_rng *rng,
                   double coil_attr[CTI_M__COUNT], cti_defect_span *spans, size_t spans_cap,
                   cti_coat_result *res)
{
    assert(length_m >= 0.0 && spans != NULL && spans_cap >= 1);
    assert(p->speed_m_s > 0.0 && p->speed_m_s <= p->max_speed_m_s);
    memset(res, 0, sizeof *res);

    /* ---- the coating itself ---- */
    double z_load = std_normal(rng);
    double z_por = std_normal(rng);
    double loading = p->loading_kg_m2 * (1.0 + p->loading_cv_coil * z_load);
    if (loading < 0.1 * p->loading_kg_m2)
        loading = 0.1 * p->loading_kg_m2;
    double porosity = clamp(p->porosity_dry + p->porosity_sd * z_por, 0.05, 0.95);
    double rho_solids = cti_recipe_solids_density_kg_m3(r);

    double sc = batch_attr[CTI_M_SOLID_CONTENT];
    double solvent_kg_m2 = loading * (1.0 - sc) / sc;
    double peak;
    double left_kg_m2 = dry(p, r, solvent_kg_m2, &peak);

    memcpy(coil_attr, batch_attr, sizeof(double) * CTI_M__COUNT);
    coil_attr[CTI_M_AREAL_LOADING] = loading;
    coil_attr[CTI_M_LOADING_SD] = loading * p->loading_cv_within;
    coil_attr[CTI_M_COATING_THICKNESS] = loading / (rho_solids * (1.0 - porosity));
    coil_attr[CTI_M_POROSITY] = porosity;
    coil_attr[CTI_M_DENSITY] = rho_solids * (1.0 - porosity);
    coil_attr[CTI_M_MOISTURE] = p->equilibrium_moisture +
                                (r->solvent == CTI_SOLVENT_WATER ? left_kg_m2 / loading : 0.0);

    double area = p->lanes * p->lane_width_m * length_m;
    res->residual_solvent = left_kg_m2 / loading;
    res->peak_drying_rate_kg_m2_s = peak;
    res->cracked = peak > p->crack_rate_kg_m2_s;
    res->solvent_evaporated_kg = (solvent_kg_m2 - left_kg_m2) * area;
    res->drying_energy_wh_m2 = cti_drying_energy_wh_m2(p, r, solvent_kg_m2 - left_kg_m2);
    res->drying_energy_wh = res->drying_energy_wh_m2 * area;

    /* ---- agglomerate defects: a Poisson process in metres with hazard
     * h(y) = a + b y, sampled by inverting its integral ---- */
    hazard_line h = hazard_setup(p, r, batch_attr);
    res->matched_speed_m_s = cti_coat_matched_speed_m_s(p, r, batch_attr[CTI_M_VISCOSITY]);
    res->expected_defects = cti_coat_expected_defects(p, r, s, batch_attr, length_m);
    uint32_t mask = all_lanes(p->lanes);
    float severity = (float)batch_attr[CTI_M_AGGLOMERATE];
    double span_m = p->speed_m_s * p->detect_correct_s;
    double h0m = p->hazard_base_per_m * h.m_factor;
    double x = 0.0;

    if (s->defect_left_m > 0.0) {
        /* A defect from the previous coil is still running. */
        double end = s->defect_left_m < length_m ? s->defect_left_m : length_m;
        span_add(spans, spans_cap, &res->n_spans, 0.0, end, mask, severity);
        res->scrap_m += end;
        if (!p->correction_cleans)
            die_advance(p, &h, s, end);
        s->defect_left_m -= end;
        x = end;
    }
    while (x < length_m) {
        double a = h0m * (1.0 + s->buildup);
        double b = h0m * h.g_per_m;
        double e = -log(ct_rng_uniform(rng));
        /* Solve a y + b y^2 / 2 = e in the cancellation-free form. */
        double y = a + b > 0.0 ? 2.0 * e / (a + sqrt(a * a + 2.0 * b * e)) : INFINITY;
        if (!(x + y < length_m)) {
            die_advance(p, &h, s, length_m - x);
            break;
        }
        die_advance(p, &h, s, y);
        x += y;
        res->defects++;
        s->defects++;
        double end = x + span_m;
        double clipped = end < length_m ? end : length_m;
        span_add(spans, spans_cap, &res->n_spans, x, clipped, mask, severity);
        res->scrap_m += clipped - x;
        if (p->correction_cleans)
            cti_coater_clean(s);   /* the hazard restarts clean once corrected */
        else
            die_advance(p, &h, s, clipped - x);
        s->defect_left_m = end - clipped;
        x = clipped;
    }
    if (res->n_spans == spans_cap) {
        /* Merged spans can overlap; recount scrap from what was written. */
        double sum = 0.0;
        for (size_t i = 0; i < res->n_spans; i++)
            sum += spans[i].to_m - spans[i].from_m;
        res->scrap_m = sum;
    }
}

/* ---------------- calendering ---------------- */

void cti_calender_params_default(cti_calender_params *p, const cti_recipe *r)
{
    bool cathode = r->polarity == CTI_CATHODE;
    p->roll_temp_c = 80.0;
    p->line_load_n_m = cathode ? 1.0e6 : 0.6e6;
    p->speed_m_s = 1.0;
    p->max_speed_m_s = 2.0;
    p->porosity_min = cathode ? 0.25 : 0.20;
    p->compaction_resistance_n_m = cathode ? 0.7e6 : 0.4e6;
    p->ref_temp_c = 80.0;
    p->softening_k = 100.0;
    p->porosity_sd = 0.005;
}

ct_status cti_calender_params_validate(const cti_calender_params *p, ct_error *err)
{
    if (!finite_pos(p->max_speed_m_s) || !finite_pos(p->speed_m_s))
        return ct_error_set(err, CT_ERR_INVALID, "calender: speeds must be > 0");
    if (p->speed_m_s > p->max_speed_m_s)
        return ct_error_set(err, CT_ERR_INVALID,
                            "calender: speed_m_s: %g m/min is above the calender's limit of "
                            "%g m/min",
                            p->speed_m_s * 60.0, p->max_speed_m_s * 60.0);
    if (!(p->line_load_n_m >= 0.0) || !isfinite(p->line_load_n_m))
        return ct_error_set(err, CT_ERR_INVALID,
                            "calender: line_load_n_m must be >= 0, got %g", p->line_load_n_m);
    if (!(p->porosity_min > 0.0 && p->porosity_min < 1.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "calender: porosity_min must be in (0, 1), got %g", p->porosity_min);
    if (!finite_pos(p->compaction_resistance_n_m) || !finite_pos(p->softening_k))
        return ct_error_set(err, CT_ERR_INVALID,
                            "calender: compaction_resistance_n_m and softening_k must be > 0");
    if (!(p->roll_temp_c > -KELVIN && p->roll_temp_c < 200.0) || !(p->ref_temp_c > -KELVIN))
        return ct_error_set(err, CT_ERR_INVALID,
                            "calender: roll_temp_c %g C outside the range of heated rolls "
                            "(below 200 C)",
                            p->roll_temp_c);
    if (!(p->porosity_sd >= 0.0))
        return ct_error_set(err, CT_ERR_INVALID, "calender: porosity_sd must be >= 0");
    return CT_OK;
}

double cti_calender_porosity(const cti_calender_params *p, double porosity_before)
{
    if (porosity_before <= p->porosity_min)
        return porosity_before;
    double gamma = p->compaction_resistance_n_m * exp(-(p->roll_temp_c - p->ref_temp_c) / p->softening_k);
    return p->porosity_min +
           (porosity_before - p->porosity_min) * exp(-p->line_load_n_m / gamma);
}

void cti_calender_coil(const cti_calender_params *p, const cti_recipe *r,
                       double attr[CTI_M__COUNT], ct_rng *rng, cti_calender_result *res)
{
    double z = std_normal(rng);
    double e0 = attr[CTI_M_POROSITY];
    double t0 = attr[CTI_M_COATING_THICKNESS];
    assert(e0 > 0.0 && e0 < 1.0 && t0 > 0.0);
    /* Rolls only compact: the scatter never takes porosity above its
     * value before the nip, nor to zero. */
    double e1 = clamp(cti_calender_porosity(p, e0) + p->porosity_sd * z, 1e-3, e0);
    double t1 = t0 * (1.0 - e0) / (1.0 - e1);
    attr[CTI_M_POROSITY] = e1;
    attr[CTI_M_COATING_THICKNESS] = t1;
    attr[CTI_M_DENSITY] = cti_recipe_solids_density_kg_m3(r) * (1.0 - e1);
    res->thickness_before_m = t0;
    res->thickness_after_m = t1;
    res->porosity_before = e0;
    res->porosity_after = e1;
    res->compaction_degree = (t0 - t1) / t0;
}

/* ---------------- slitting ---------------- */

void cti_slit_params_default(cti_slit_params *p)
{
    p->burr_mean_m = 3e-6;
    p->burr_sd_m = 1e-6;
}

ct_status cti_slit_params_validate(const cti_slit_params *p, ct_error *err)
{
    if (!(p->burr_mean_m >= 0.0) || !(p->burr_sd_m >= 0.0) || !isfinite(p->burr_mean_m) ||
        !isfinite(p->burr_sd_m))
        return ct_error_set(err, CT_ERR_INVALID,
                            "slit: burr_mean_m and burr_sd_m must be >= 0");
    return CT_OK;
}

ct_status cti_slit_coil_split(const cti_slit_params *p, unsigned lanes,
                              const double parent_attr[CTI_M__COUNT], double from_m,
                              double to_m, const cti_defect_span *spans, size_t n_spans,
                              ct_rng *rng, cti_slit_coil *out, cti_defect_span *spans_out,
                              size_t spans_cap, ct_error *err)
{
    if (lanes < 1 || lanes > CTI_MAX_LANES)
        return ct_error_set(err, CT_ERR_INVALID, "slit: lanes must be 1..%u, got %u",
                            CTI_MAX_LANES, lanes);
    size_t need = 0;
    for (size_t i = 0; i < n_spans; i++)
        for (unsigned l = 0; l < lanes; l++)
            need += (spans[i].lane_mask >> l) & 1u;
    if (need > spans_cap)
        return ct_error_set(err, CT_ERR_INVALID,
                            "slit: %zu lane spans do not fit in a buffer of %zu", need,
                            spans_cap);
    size_t k = 0;
    for (unsigned l = 0; l < lanes; l++) {
        cti_slit_coil *c = &out[l];
        c->lane = l;
        c->from_m = from_m;
        c->to_m = to_m;
        memcpy(c->attr, parent_attr, sizeof c->attr);
        for (int e = 0; e < 2; e++) {
            double b = p->burr_mean_m + p->burr_sd_m * std_normal(rng);
            c->edge_burr_m[e] = b > 0.0 ? b : 0.0;
        }
        c->first_span = k;
        for (size_t i = 0; i < n_spans; i++) {
            if (!((spans[i].lane_mask >> l) & 1u))
                continue;
            spans_out[k] = spans[i];
            spans_out[k].lane_mask = UINT32_C(1) << l;
            k++;
        }
        c->n_spans = k - c->first_span;
    }
    return CT_OK;
}
