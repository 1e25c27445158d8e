/*
 * dry_electrode.c - solvent-free electrode making (dry_electrode.h): dry
 * powder mixing with PTFE fibrillation, dry film forming (Maxwell route or
 * direct calendering) with lamination, their defects (film breaks,
 * delamination, thickness non-uniformity) and the energy of the heated
 * rolls. Equations and defaults: docs/models-electrode.md, "Dry coating".
 */
#include "model/dry_electrode.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "celltwin/dist.h"
#include "model/assembly.h"

#define SECONDS_PER_HOUR 3600.0

/* A lognormal factor of mean 1 and coefficient of variation cv. */
static double unit_lognormal(double cv, double z)
{
    double s2 = log1p(cv * cv);
    return exp(sqrt(s2) * z - 0.5 * s2);
}

/* ---------------- dry mixing ---------------- */

void cti_dry_mix_params_default(cti_dry_mix_params *p)
{
    *p = (cti_dry_mix_params){
        .batch_mass_kg = 1000.0,
        .mixer_speed_hz = 25.0,
        .mixing_time_s = 30.0 * 60.0,
        .temperature_c = 40.0,
        /* 1500 rpm x 30 min = 45,000 revolutions fibrillate 95 % of the
         * binder with R_f = 15,000 [assumption]. */
        .fibrillation_revs = 15000.0,
        /* Twice the default work entangles fibrils (the review: "improper
         * shear rates"); each further 90,000 revolutions grow the
         * agglomerates by half [assumption]. */
        .overshear_revs = 90000.0,
        .overshear_gain = 0.5,
        .agglomerate_initial_m = 50e-6,
        .agglomerate_final_m = 5e-6,
        .dispersion_revs = 10000.0,
        .fibrillation_cv = 0.02,
        .agglomerate_cv = 0.1,
    };
}

ct_status cti_dry_mix_params_validate(const cti_dry_mix_params *p, ct_error *err)
{
    ct_status st;
    if ((st = cti_check_range(err, "dry_mix.batch_mass", p->batch_mass_kg, 1e-3, 20e3, 1, "kg",
                              "a powder batch of up to 20 t")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.speed", p->mixer_speed_hz, 0.0, 100.0, 1.0 / 60.0,
                              "rpm", "high-shear mixers run below 6000 rpm")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.mixing_time", p->mixing_time_s, 0.0, 86400.0, 60.0,
                              "min", "a mixing time up to a day")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.temperature", p->temperature_c,
                              CTI_PTFE_TRANSITION_C, 150.0, 1, "C",
                              "PTFE fibrillates only above its 19 C crystal transition, and "
                              "the review asks for binder processing below about 80 C")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.fibrillation_revolutions", p->fibrillation_revs, 1.0,
                              1e9, 1, "", "a positive number of revolutions")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.overshear_revolutions", p->overshear_revs, 1.0, 1e9,
                              1, "", "a positive number of revolutions")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.overshear_gain", p->overshear_gain, 0.0, 100.0, 1,
                              "", "a growth factor")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.dispersion_revolutions", p->dispersion_revs, 1.0,
                              1e9, 1, "", "a positive number of revolutions")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.agglomerate_initial", p->agglomerate_initial_m, 0.0,
                              1e-3, 1e-6, "um", "powder agglomerates below 1 mm")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.agglomerate_final", p->agglomerate_final_m, 0.0,
                              p->agglomerate_initial_m, 1e-6, "um",
                              "at most the initial size")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.fibrillation_cv", p->fibrillation_cv, 0.0, 0.5, 1,
                              "", "a coefficient of variation")) != CT_OK ||
        (st = cti_check_range(err, "dry_mix.agglomerate_cv", p->agglomerate_cv, 0.0, 1.0, 1, "",
                              "a coefficient of variation")) != CT_OK)
        return st;
    return CT_OK;
}

double cti_dry_fibrillation(const cti_dry_mix_params *p, double revs)
{
    return -expm1(-revs / p->fibrillation_revs);
}

double cti_dry_agglomerate_m(const cti_dry_mix_params *p, double revs)
{
    double a = p->agglomerate_final_m +
               (p->agglomerate_initial_m - p->agglomerate_final_m) * exp(-revs / p->dispersion_revs);
    return a * (1.0 + p->overshear_gain * fmax(0.0, revs / p->overshear_revs - 1.0));
}

void cti_dry_mix_batch(const cti_dry_mix_params *p, ct_rng *rng, double attr[CTI_M__COUNT])
{
    double z_f = ct_dist_std_normal(rng), z_a = ct_dist_std_normal(rng);
    double revs = p->mixer_speed_hz * p->mixing_time_s;
    memset(attr, 0, CTI_M__COUNT * sizeof *attr);
    double f = cti_dry_fibrillation(p, revs) * (1.0 + p->fibrillation_cv * z_f);
    attr[CTI_M_FIBRILLATION] = fmin(fmax(f, 0.0), 1.0);
    attr[CTI_M_AGGLOMERATE] = cti_dry_agglomerate_m(p, revs) * unit_lognormal(p->agglomerate_cv, z_a);
    attr[CTI_M_SOLID_CONTENT] = 1.0;
    attr[CTI_M_SLURRY_TEMP] = p->temperature_c;
}

/* ---------------- dry film forming and lamination ---------------- */

void cti_dry_coat_params_default(cti_dry_coat_params *p, cti_dry_method m, cti_polarity pol)
{
    bool cathode = pol == CTI_CATHODE;
    bool maxwell = m == CTI_DRY_MAXWELL;
    *p = (cti_dry_coat_params){
        .method = m,
        .width_m = 1.26,
        .lane_width_m = 0.42,
        .lanes = 3,
        .speed_m_s = 0.5,
        .max_speed_m_s = CTI_DRY_MAX_SPEED_M_S,
        .max_width_m = CTI_COAT_MAX_WIDTH_M,
        .loading_kg_m2 = cathode ? 0.20 : 0.108,
        /* Twice the wet coater's scatter for the Maxwell film, four times
         * for powder fed straight into the gap (the review: loading and
         * homogeneity are hard to control) [assumption]. */
        .loading_cv_coil = maxwell ? 0.01 : 0.02,
        .loading_cv_within = maxwell ? 0.02 : 0.04,
        .porosity = cathode ? 0.35 : 0.40,
        .porosity_sd = 0.01,
        .roll_temp_c = 80.0,
        .ambient_temp_c = 25.0,
        .heater_power_w = 40e3,
        .heating_efficiency = 0.5,
        .film_cp_j_kg_k = cathode ? 800.0 : 710.0,
        /* Foils as in the cell model: Al 15 um x 2700, Cu 8 um x 8960. */
        .foil_areal_mass_kg_m2 = cathode ? 15e-6 * 2700.0 : 8e-6 * 8960.0,
        .foil_cp_j_kg_k = cathode ? 897.0 : 385.0,
        /* One break per 20 km of free-standing film at the qualified
         * speed, one per 100 km when the film is formed on the foil
         * [assumption]. */
        .break_base_per_m = maxwell ? 1.0 / 20000.0 : 1.0 / 100000.0,
        .fibrillation_ref = 0.95,
        .qualified_speed_m_s = 0.5,
        .speed_gain = 2.0,
        .break_scrap_m = 20.0,
        .rethread_s = 10.0 * 60.0,
        .delamination_base_per_m = 1.0 / 50000.0,
        .lamination_ref_temp_c = 80.0,
        .lamination_temp_scale_k = 15.0,
        .detect_correct_s = 30.0,
        .equilibrium_moisture = cathode ? 200e-6 : 300e-6,
    };
}

double cti_dry_film_thickness_m(const cti_dry_coat_params *p, double solids_density_kg_m3)
{
    return p->loading_kg_m2 / (solids_density_kg_m3 * (1.0 - p->porosity));
}

ct_status cti_dry_coat_params_validate(const cti_dry_coat_params *p,
                                       double solids_density_kg_m3, ct_error *err)
{
    ct_status st;
    if ((st = cti_check_range(err, "dry_coat.max_speed", p->max_speed_m_s, 1e-3, 10.0, 1.0 / 60.0,
                              "m/min", "a machine's speed limit")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.speed", p->speed_m_s, 1e-4, p->max_speed_m_s,
                              1.0 / 60.0, "m/min",
                              "the film former's limit (max_speed; the review: dry coating has "
                              "not yet reached the wet line's 60 m/min)")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.width", p->width_m, 1e-3, p->max_width_m, 1e-3, "mm",
                              "the machine's web width (max_width)")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.lane_width", p->lanes * p->lane_width_m, 1e-3,
                              p->width_m * (1.0 + 1e-12), 1e-3, "mm",
                              "lanes x lane_width must fit on the web (width)")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.porosity", p->porosity, 0.05, 0.8, 1, "",
                              "a laminated film's porosity")) != CT_OK ||
        (isfinite(solids_density_kg_m3) &&
         (st = cti_check_range(err, "dry_coat.loading",
                               cti_dry_film_thickness_m(p, solids_density_kg_m3),
                               CTI_DRY_FILM_MIN_M, CTI_DRY_FILM_MAX_M, 1e-6, "um of film per side",
                               "the review: dry coating makes films of 50 um to 1 mm")) != CT_OK) ||
        (st = cti_check_range(err, "dry_coat.roll_temperature", p->roll_temp_c,
                              CTI_PTFE_TRANSITION_C, 250.0, 1, "C",
                              "PTFE fibrillates above 19 C and sinters from about 327 C; the "
                              "review asks for binder processing below about 80 C")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.loading_cv", p->loading_cv_coil, 0.0, 0.5, 1, "",
                              "a coefficient of variation")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.loading_cv_within", p->loading_cv_within, 0.0, 0.5,
                              1, "", "a coefficient of variation")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.heater_power", p->heater_power_w, 0.0, 5e6, 1e3,
                              "kW", "a roll stand's heaters")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.heating_efficiency", p->heating_efficiency, 0.01,
                              1.0, 1, "", "a share of the heat")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.fibrillation_ref", p->fibrillation_ref, 0.0, 0.999,
                              1, "", "a fibrillation degree below 1")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.break_scrap", p->break_scrap_m, 0.0, 1000.0, 1, "m",
                              "metres cut out at a break")) != CT_OK ||
        (st = cti_check_range(err, "dry_coat.lamination_temperature_scale",
                              p->lamination_temp_scale_k, 0.1, 1000.0, 1, "K",
                              "a temperature scale")) != CT_OK)
        return st;
    return CT_OK;
}

double cti_dry_break_hazard_per_m(const cti_dry_coat_params *p, double fibrillation)
{
    double weak = (1.0 - fmin(fibrillation, 1.0)) / (1.0 - p->fibrillation_ref);
    return p->break_base_per_m * weak *
           exp(p->speed_gain * (p->speed_m_s / p->qualified_speed_m_s - 1.0));
}

double cti_dry_delamination_hazard_per_m(const cti_dry_coat_params *p)
{
    return p->delamination_base_per_m *
           exp((p->lamination_ref_temp_c - p->roll_temp_c) / p->lamination_temp_scale_k);
}

double cti_dry_coat_energy_wh_m2(const cti_dry_coat_params *p, int sides)
{
    double dt = fmax(0.0, p->roll_temp_c - p->ambient_temp_c);
    /* Per m2 of film: its own heat and its share of the foil's. */
    double web_j = (p->loading_kg_m2 * p->film_cp_j_kg_k +
                    p->foil_areal_mass_kg_m2 * p->foil_cp_j_kg_k / sides) * dt /
                   p->heating_efficiency;
    double area_per_s = p->lanes * p->lane_width_m * p->speed_m_s;
    double losses_j = p->heater_power_w / area_per_s;
    return (web_j + losses_j) / SECONDS_PER_HOUR;
}

static void span_add(cti_defect_span *spans, size_t cap, size_t *n, double from, double to,
                     uint32_t mask, float severity)
{
    if (*n == cap) {
        if (to > spans[cap - 1].to_m)
            spans[cap - 1].to_m = to;
        return;
    }
    spans[(*n)++] = (cti_defect_span){ from, to, mask, CTI_DEF_COATING, severity, false };
}

/* Poisson defects of hazard h per metre over [0, length): each cuts out
 * span_m metres from where it starts. */
static void defects(double h, double span_m, double length_m, float severity, uint32_t mask,
                    ct_rng *rng, cti_defect_span *spans, size_t cap, size_t *n, unsigned *count,
                    double *scrap_m)
{
    double x = 0.0;
    while (h > 0.0) {
        x += -log(ct_rng_uniform(rng)) / h;
        if (!(x < length_m))
            break;
        double end = fmin(x + span_m, length_m);
        span_add(spans, cap, n, x, end, mask, severity);
        (*count)++;
        *scrap_m += end - x;
        x = end;
    }
}

void cti_dry_coat_coil(const cti_dry_coat_params *p, double solids_density_kg_m3, int sides,
                       const double batch_attr[CTI_M__COUNT], double length_m, ct_rng *rng,
                       double coil_attr[CTI_M__COUNT], cti_defect_span *spans, size_t spans_cap,
                       cti_dry_coat_result *res)
{
    assert(spans && spans_cap >= 1 && length_m >= 0.0 && sides >= 1 && sides <= 2);
    memset(res, 0, sizeof *res);
    double z_l = ct_dist_std_normal(rng), z_w = ct_dist_std_normal(rng);
    double z_p = ct_dist_std_normal(rng);
    for (int a = 0; a < CTI_M__COUNT; a++)
        coil_attr[a] = batch_attr[a];
    double loading = p->loading_kg_m2 * unit_lognormal(p->loading_cv_coil, z_l);
    double porosity = fmin(fmax(p->porosity + p->porosity_sd * z_p, 0.01), 0.95);
    double density = solids_density_kg_m3 * (1.0 - porosity);
    coil_attr[CTI_M_AREAL_LOADING] = loading;
    /* The within-coil scatter itself scatters a little coil to coil. */
    coil_attr[CTI_M_LOADING_SD] = loading * p->loading_cv_within * (1.0 + 0.1 * z_w);
    coil_attr[CTI_M_POROSITY] = porosity;
    coil_attr[CTI_M_DENSITY] = density;
    coil_attr[CTI_M_COATING_THICKNESS] = loading / density;
    coil_attr[CTI_M_MOISTURE] = p->equilibrium_moisture;
    coil_attr[CTI_M_SOLID_CONTENT] = 1.0;

    uint32_t mask = p->lanes >= 32 ? UINT32_MAX : (UINT32_C(1) << p->lanes) - 1u;
    double fib = batch_attr[CTI_M_FIBRILLATION] > 0.0 ? batch_attr[CTI_M_FIBRILLATION]
                                                      : p->fibrillation_ref;
    /* A break on either side's film stops the line: the hazards add. */
    defects(sides * cti_dry_break_hazard_per_m(p, fib), p->break_scrap_m, length_m, 1.0f, mask,
            rng, spans, spans_cap, &res->n_spans, &res->breaks, &res->scrap_m);
    defects(sides * cti_dry_delamination_hazard_per_m(p), p->speed_m_s * p->detect_correct_s,
            length_m, 2.0f, mask, rng, spans, spans_cap, &res->n_spans, &res->delaminations,
            &res->scrap_m);
    res->stop_s = res->breaks * p->rethread_s;
    double area = sides * p->lanes * p->lane_width_m * length_m;
    res->energy_wh = cti_dry_coat_energy_wh_m2(p, sides) * area;
}
