/*
 * assembly.c - the cell-assembly process models of assembly.h: laser
 * notching (irregular ceramic edge, burr height, loose particles),
 * stacking (time, alignment, thickness, insulation), the Hi-Pot RC model,
 * welding and the helium leak test, vacuum baking and electrolyte filling.
 * docs/models-assembly.md writes each model down with its sources; the
 * comments here say why it is computed the way it is.
 */
#include "celltwin/dist.h"
#include "model/assembly.h"

#include <math.h>

#include "celltwin/quality.h"

#define M_S_PER_M_MIN (1.0 / 60.0)
#define UM 1e-6
#define MM 1e-3
#define PPM 1e-6
#define HOUR_S 3600.0
#define DAY_S 86400.0
/* Vacuum permittivity, F/m (CODATA 2018). */
#define EPS0_F_M 8.8541878128e-12

/* ------------------------------------------------------------------ */
/* Shared helpers                                                      */
/* ------------------------------------------------------------------ */

ct_status cti_check_range(ct_error *err, const char *what, double value, double lo, double hi,
                          double display_scale, const char *display_unit, const char *why)
{
    if (value >= lo && value <= hi)
        return CT_OK;
    const char *sp = display_unit[0] ? " " : "";
    if (isnan(value))
        return ct_error_set(err, CT_ERR_INVALID, "%s: not a number; expected %g%s%s to %g%s%s: %s",
                            what, lo / display_scale, sp, display_unit, hi / display_scale, sp,
                            display_unit, why);
    bool above = value > hi;
    return ct_error_set(err, CT_ERR_INVALID, "%s: %g%s%s is %s %g%s%s: %s", what,
                        value / display_scale, sp, display_unit, above ? "above" : "below",
                        (above ? hi : lo) / display_scale, sp, display_unit, why);
}

double cti_std_normal(ct_rng *rng)
{
    return ct_dist_std_normal(rng);
}

unsigned cti_poisson(double lambda, ct_rng *rng)
{
    double u = ct_rng_uniform(rng);
    if (!(lambda > 0.0))
        return 0;
    if (lambda > 30.0) {
        /* Beyond 30 the search would take ~lambda steps and e^-lambda heads
         * for underflow; the normal approximation is within a few percent
         * in the body there, and counts that large only mean "many". */
        double k = floor(lambda + sqrt(lambda) * ct_std_normal_quantile(u) + 0.5);
        return k > 0.0 ? (unsigned)k : 0u;
    }
    /* Inverse transform: one uniform per count keeps streams aligned. */
    double p = exp(-lambda), cdf = p;
    unsigned k = 0;
    while (u > cdf && k < 1000) {
        k++;
        p *= lambda / k;
        cdf += p;
    }
    return k;
}

double cti_log_uniform(double lo, double hi, ct_rng *rng)
{
    double u = ct_rng_uniform(rng);
    return lo * exp(u * log(hi / lo));
}

static double logistic(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* Checks that a probability lies in [0, 1]. */
static ct_status check_prob(ct_error *err, const char *what, double p)
{
    return cti_check_range(err, what, p, 0.0, 1.0, 1.0, "", "a probability is between 0 and 1");
}

/* CTI_CHECK (assembly.h), short: the checks below are many. */
#define CHECK(expr) CTI_CHECK(expr)

/* ------------------------------------------------------------------ */
/* 1. Laser notching                                                   */
/* ------------------------------------------------------------------ */

void cti_notching_params_init(cti_notching_params *p)
{
    *p = (cti_notching_params){
        .speed_m_s = 60.0 * M_S_PER_M_MIN,
        .laser_power_w = 400.0,
        .pulse_frequency_hz = 200e3,
        .spot_diameter_m = 30 * UM,
        .polarization = CTI_POLARIZATION_PARALLEL,
        .ceramic_thickness_m = 4 * UM,
        .compaction = 0.25,
        .sheet_pitch_m = 0.12,
        .cathode_sheets = 50,
        .anode_sheets = 51,
        .anode_binder_fraction = 0.03,
        .anode_primer = false,
        .model = {
            .intercept = -9.0,
            .transverse = 4.0,
            .thickness = 2.0,
            .compaction = 2.0,
            .thick_loose = 3.0,
            .line_energy = 1.5,
            .pulse_spacing = 2.0,
            .ref_ceramic_thickness_m = 4 * UM,
            .ref_compaction = 0.25,
            .optimal_line_energy_j_m = 400.0,
            .max_pulse_spacing = 0.5,
            .regular_burr_median_m = 2 * UM,
            .irregular_burr_median_m = 12 * UM,
            .burr_sigma_ln = 0.4,
            .particles_per_anode_sheet = 0.01,
            .ref_binder_fraction = 0.03,
            .binder_exponent = 2.0,
            .primer_factor = 0.3,
            .particle_landing_probability = 0.005,
        },
    };
}

ct_status cti_notching_params_check(const cti_notching_params *p, ct_error *err)
{
    const cti_notching_model *m = &p->model;
    CHECK(cti_check_range(err, "notching.speed", p->speed_m_s, 10 * M_S_PER_M_MIN,
                          60 * M_S_PER_M_MIN, M_S_PER_M_MIN, "m/min",
                          "the review's laser-notching range is 10-60 m/min; the burr model "
                          "is not calibrated outside it"));
    CHECK(cti_check_range(err, "notching.pulse_frequency", p->pulse_frequency_hz, 100e3, 500e3,
                          1e3, "kHz",
                          "the review's pulse-frequency range is 100-500 kHz; the burr model "
                          "is not calibrated outside it"));
    CHECK(cti_check_range(err, "notching.laser_power", p->laser_power_w, 10.0, 2000.0, 1.0, "W",
                          "assumed range of electrode-cutting lasers (the line-energy term is "
                          "not meaningful outside it)"));
    CHECK(cti_check_range(err, "notching.spot_diameter", p->spot_diameter_m, 5 * UM, 200 * UM,
                          UM, "um", "focused spots of cutting lasers"));
    if (p->polarization != CTI_POLARIZATION_PARALLEL &&
        p->polarization != CTI_POLARIZATION_TRANSVERSE)
        return ct_error_set(err, CT_ERR_INVALID,
                            "notching.polarization: expected parallel or transverse");
    CHECK(cti_check_range(err, "notching.ceramic_thickness", p->ceramic_thickness_m, 0.0, 30 * UM,
                          UM, "um",
                          "ceramic insulation stripes are a few um; 30 um is thicker than "
                          "the separator"));
    CHECK(cti_check_range(err, "notching.compaction", p->compaction, 0.0, 0.8, 1.0, "",
                          "the thickness reduction in calendering is a fraction below 0.8"));
    CHECK(cti_check_range(err, "notching.sheet_pitch", p->sheet_pitch_m, 1 * MM, 2.0, 1.0, "m",
                          "a sheet is between 1 mm and 2 m long"));
    CHECK(cti_check_range(err, "notching.cathode_sheets", p->cathode_sheets, 1, 1000, 1.0, "",
                          "a stacked cell has 1 to 1000 sheets of each electrode"));
    CHECK(cti_check_range(err, "notching.anode_sheets", p->anode_sheets, 1, 1000, 1.0, "",
                          "a stacked cell has 1 to 1000 sheets of each electrode"));
    CHECK(cti_check_range(err, "notching.anode_binder_fraction", p->anode_binder_fraction, 1e-3,
                          0.3, 1.0, "", "binder is a fraction of the dry coating, 0.001-0.3"));
    if (!isfinite(m->intercept) || !isfinite(m->transverse))
        return ct_error_set(err, CT_ERR_INVALID, "notching.model: coefficients must be finite");
    CHECK(cti_check_range(err, "notching.model.transverse", m->transverse, 0, 50, 1, "",
                          "transverse polarization makes burrs, not fewer (the review)"));
    CHECK(cti_check_range(err, "notching.model.thickness", m->thickness, 0, 50, 1, "",
                          "a thicker ceramic layer makes the edge more irregular (the review)"));
    CHECK(cti_check_range(err, "notching.model.compaction", m->compaction, 0, 50, 1, "",
                          "a lower compaction makes the edge more irregular (the review)"));
    CHECK(cti_check_range(err, "notching.model.thick_loose", m->thick_loose, 0, 50, 1, "",
                          "thick and loosely compacted is worst (the review)"));
    CHECK(cti_check_range(err, "notching.model.line_energy", m->line_energy, 0, 50, 1, "",
                          "a cut away from the optimal energy is worse"));
    CHECK(cti_check_range(err, "notching.model.pulse_spacing", m->pulse_spacing, 0, 50, 1, "",
                          "pulses too far apart make a worse cut"));
    CHECK(cti_check_range(err, "notching.model.ref_ceramic_thickness", m->ref_ceramic_thickness_m,
                          0.1 * UM, 30 * UM, UM, "um", "a reference ceramic thickness"));
    CHECK(cti_check_range(err, "notching.model.ref_compaction", m->ref_compaction, 0.01, 0.8, 1,
                          "", "a reference compaction"));
    CHECK(cti_check_range(err, "notching.model.optimal_line_energy", m->optimal_line_energy_j_m,
                          1.0, 1e5, 1, "J/m", "an optimal line energy P/v"));
    CHECK(cti_check_range(err, "notching.model.max_pulse_spacing", m->max_pulse_spacing, 0.01, 10,
                          1, "", "spacing in spot diameters"));
    CHECK(cti_check_range(err, "notching.model.regular_burr_median", m->regular_burr_median_m,
                          0.0, 100 * UM, UM, "um", "a burr height"));
    CHECK(cti_check_range(err, "notching.model.irregular_burr_median", m->irregular_burr_median_m,
                          0.0, 100 * UM, UM, "um", "a burr height"));
    CHECK(cti_check_range(err, "notching.model.burr_sigma_ln", m->burr_sigma_ln, 0, 3, 1, "",
                          "a log standard deviation"));
    CHECK(cti_check_range(err, "notching.model.particles_per_anode_sheet",
                          m->particles_per_anode_sheet, 0, 10, 1, "",
                          "loose particles per anode sheet at the reference"));
    CHECK(cti_check_range(err, "notching.model.ref_binder_fraction", m->ref_binder_fraction, 1e-3,
                          0.3, 1, "", "a reference binder fraction"));
    CHECK(cti_check_range(err, "notching.model.binder_exponent", m->binder_exponent, 0, 10, 1, "",
                          "less binder sheds more particles, not fewer"));
    CHECK(cti_check_range(err, "notching.model.primer_factor", m->primer_factor, 0, 1, 1, "",
                          "a primer improves adhesion (the review), a factor in [0, 1]"));
    CHECK(check_prob(err, "notching.model.particle_landing_probability",
                     m->particle_landing_probability));
    return CT_OK;
}

/* The laser-setting part of the logit: how far the cut is from a good
 * one, by line energy and by pulse spacing. Shared by the ceramic edge and
 * by the anode cut's particle shedding. */
static double laser_term(const cti_notching_params *p)
{
    const cti_notching_model *m = &p->model;
    double e = log(p->laser_power_w / p->speed_m_s / m->optimal_line_energy_j_m);
    double spacing = p->speed_m_s / (p->pulse_frequency_hz * p->spot_diameter_m);
    return m->line_energy * e * e + m->pulse_spacing * fmax(0.0, spacing - m->max_pulse_spacing);
}

double cti_notching_edge_probability(const cti_notching_params *p)
{
    const cti_notching_model *m = &p->model;
    /* No ceramic stripe: the edge case of the review does not arise
     * (slurry-coated foils "rarely lead to quality problems"). */
    if (!(p->ceramic_thickness_m > 0.0))
        return 0.0;
    double lt = log(p->ceramic_thickness_m / m->ref_ceramic_thickness_m);
    double lc = (m->ref_compaction - p->compaction) / m->ref_compaction;
    double z = m->intercept;
    z += p->polarization == CTI_POLARIZATION_TRANSVERSE ? m->transverse : 0.0;
    z += m->thickness * lt;
    z += m->compaction * lc;
    /* The review's empirical finding is about the combination: only a
     * layer that is both thicker AND less compacted than the reference
     * gets the extra term, so each main effect stays monotone. */
    z += m->thick_loose * fmax(0.0, lt) * fmax(0.0, lc);
    z += laser_term(p);
    return logistic(z);
}

double cti_notching_burr_probability(const cti_notching_params *p)
{
    double pe = cti_notching_edge_probability(p);
    /* 1 - (1 - p)^n without losing small p to rounding. */
    return -expm1(p->cathode_sheets * log1p(-pe));
}

double cti_notching_particle_rate(const cti_notching_params *p)
{
    const cti_notching_model *m = &p->model;
    double adhesion = pow(m->ref_binder_fraction / p->anode_binder_fraction, m->binder_exponent);
    double primer = p->anode_primer ? m->primer_factor : 1.0;
    return m->particles_per_anode_sheet * p->anode_sheets * adhesion * primer *
           exp(laser_term(p));
}

double cti_notching_time_s(const cti_notching_params *p)
{
    return (p->cathode_sheets + p->anode_sheets) * p->sheet_pitch_m / p->speed_m_s;
}

void cti_notching(const cti_notching_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                  ct_rng *rng)
{
    const cti_notching_model *m = &p->model;
    double u_burr = ct_rng_uniform(rng);
    double u_regular = ct_rng_uniform(rng);
    double z_irregular = cti_std_normal(rng);
    bool burr = u_burr < cti_notching_burr_probability(p);

    /* The cell's largest regular burr: the maximum of n iid lognormals has
     * CDF F^n, so one uniform u gives it as F^-1(u^(1/n)). */
    double q = exp(log(u_regular) / p->cathode_sheets);
    if (q > 1.0 - 1e-15)
        q = 1.0 - 1e-15;
    double height = m->regular_burr_median_m * exp(m->burr_sigma_ln * ct_std_normal_quantile(q));
    if (burr) {
        double irregular = m->irregular_burr_median_m * exp(m->burr_sigma_ln * z_irregular);
        height = fmax(height, irregular);
        *defects |= CTI_DEF_BURR;
    }
    attr[CTI_C_BURR_HEIGHT] = (float)height;

    unsigned k = cti_poisson(cti_notching_particle_rate(p), rng);
    attr[CTI_C_PARTICLES] = (float)k;
    /* Each particle lands on the separator inside the active area
     * independently; at least one is enough for the defect. */
    double p_land = -expm1(k * log1p(-m->particle_landing_probability));
    if (ct_rng_uniform(rng) < p_land)
        *defects |= CTI_DEF_PARTICLE;
}

/* ------------------------------------------------------------------ */
/* 2. Stacking                                                          */
/* ------------------------------------------------------------------ */

void cti_stacking_params_init(cti_stacking_params *p, cti_stacking_method method)
{
    bool lam = method == CTI_STACKING_LAMINATION;
    *p = (cti_stacking_params){
        .method = method,
        .time_per_sheet_s = lam ? 0.125 : 0.6,
        .handling_time_s = 2.0,
        .cathode_sheets = 50,
        .anode_sheets = 51,
        .alignment_sd_m = lam ? 0.10 * MM : 0.15 * MM,
        .alignment_tolerance_m = 0.5 * MM,
        .separator_margin_m = 1.5 * MM,
        .cathode_thickness_m = 150 * UM,
        .anode_thickness_m = 160 * UM,
        .separator_thickness_m = 16 * UM,
        .press_compression = 0.03,
        .thickness_sd_m = 50 * UM,
        .pierce_height_fraction = 0.75,
        .pierce_probability = 0.5,
        .contamination_probability = 1e-4,
        .insulation_median_ohm = 2e9,
        .insulation_sigma_ln = 0.5,
        .fault_min_ohm = 100.0,
        .fault_max_ohm = 20e3,
    };
}

ct_status cti_stacking_params_check(const cti_stacking_params *p, ct_error *err)
{
    if (p->method != CTI_STACKING_Z_FOLD && p->method != CTI_STACKING_LAMINATION)
        return ct_error_set(err, CT_ERR_INVALID,
                            "stacking.method: expected z_fold or lamination");
    CHECK(cti_check_range(err, "stacking.time_per_sheet", p->time_per_sheet_s, 0.1, 10.0, 1, "s",
                          "the fastest reported stacker takes 0.125 s per sheet (SVOLT "
                          "lamination-stacking, industry-figures.md)"));
    CHECK(cti_check_range(err, "stacking.handling_time", p->handling_time_s, 0.0, 600.0, 1, "s",
                          "handling per cell"));
    CHECK(cti_check_range(err, "stacking.cathode_sheets", p->cathode_sheets, 1, 1000, 1, "",
                          "a stacked cell has 1 to 1000 sheets of each electrode"));
    CHECK(cti_check_range(err, "stacking.anode_sheets", p->anode_sheets, 1, 1000, 1, "",
                          "a stacked cell has 1 to 1000 sheets of each electrode"));
    CHECK(cti_check_range(err, "stacking.alignment_sd", p->alignment_sd_m, 0.0, 5 * MM, MM, "mm",
                          "a placement scatter of more than 5 mm is no stacker"));
    CHECK(cti_check_range(err, "stacking.alignment_tolerance", p->alignment_tolerance_m, 1 * UM,
                          10 * MM, MM, "mm", "an overhang tolerance"));
    CHECK(cti_check_range(err, "stacking.separator_margin", p->separator_margin_m,
                          p->alignment_tolerance_m, 20 * MM, MM, "mm",
                          "the separator reaches beyond the overhang tolerance"));
    CHECK(cti_check_range(err, "stacking.cathode_thickness", p->cathode_thickness_m, 10 * UM,
                          1 * MM, UM, "um", "a coated electrode sheet with its foil"));
    CHECK(cti_check_range(err, "stacking.anode_thickness", p->anode_thickness_m, 10 * UM, 1 * MM,
                          UM, "um", "a coated electrode sheet with its foil"));
    CHECK(cti_check_range(err, "stacking.separator_thickness", p->separator_thickness_m, 3 * UM,
                          100 * UM, UM, "um", "separators are about 5-40 um"));
    CHECK(cti_check_range(err, "stacking.press_compression", p->press_compression, 0.0, 0.5, 1, "",
                          "heat pressing removes a fraction of the thickness"));
    CHECK(cti_check_range(err, "stacking.thickness_sd", p->thickness_sd_m, 0.0, 5 * MM, MM, "mm",
                          "a thickness scatter"));
    CHECK(cti_check_range(err, "stacking.pierce_height_fraction", p->pierce_height_fraction, 0.01,
                          10, 1, "", "a fraction of the separator thickness"));
    CHECK(check_prob(err, "stacking.pierce_probability", p->pierce_probability));
    CHECK(check_prob(err, "stacking.contamination_probability", p->contamination_probability));
    CHECK(cti_check_range(err, "stacking.insulation_median", p->insulation_median_ohm, 1e3, 1e15,
                          1e6, "Mohm", "the insulation resistance of a good dry stack"));
    CHECK(cti_check_range(err, "stacking.insulation_sigma_ln", p->insulation_sigma_ln, 0, 5, 1, "",
                          "a log standard deviation"));
    CHECK(cti_check_range(err, "stacking.fault_min", p->fault_min_ohm, 1e-3, 1e12, 1, "ohm",
                          "a fault resistance"));
    CHECK(cti_check_range(err, "stacking.fault_max", p->fault_max_ohm, p->fault_min_ohm, 1e12, 1,
                          "ohm", "fault_max is at least fault_min"));
    return CT_OK;
}

double cti_stacking_time_s(const cti_stacking_params *p)
{
    return p->handling_time_s + (p->cathode_sheets + p->anode_sheets) * p->time_per_sheet_s;
}

double cti_stack_thickness_m(const cti_stacking_params *p)
{
    /* One separator layer between neighbouring sheets and one outside each
     * end: Z-folding folds one web, lamination-stacking laminates one layer
     * per face; both give n_sheets + 1 layers through the stack. */
    int n = p->cathode_sheets + p->anode_sheets;
    double raw = p->cathode_sheets * p->cathode_thickness_m +
                 p->anode_sheets * p->anode_thickness_m + (n + 1) * p->separator_thickness_m;
    return raw * (1.0 - p->press_compression);
}

void cti_stacking(const cti_stacking_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                  ct_rng *rng)
{
    double align = p->alignment_sd_m * cti_std_normal(rng);
    double thick = cti_stack_thickness_m(p) + p->thickness_sd_m * cti_std_normal(rng);
    double u_pierce = ct_rng_uniform(rng);
    double u_contam = ct_rng_uniform(rng);
    double u_r = ct_rng_uniform(rng);

    attr[CTI_C_ALIGNMENT] = (float)align;
    attr[CTI_C_STACK_THICKNESS] = (float)fmax(thick, 0.0);
    if (fabs(align) > p->alignment_tolerance_m)
        *defects |= CTI_DEF_MISALIGN;

    /* Hard insulation faults, the defects the review lists for Hi-Pot:
     * electrode and separator mismatched, a burr through the separator,
     * metallic contamination or a crack. */
    bool fault = (*defects & CTI_DEF_INSULATION) != 0;
    if (fabs(align) > p->separator_margin_m)
        fault = true;
    if (attr[CTI_C_BURR_HEIGHT] > p->pierce_height_fraction * p->separator_thickness_m &&
        u_pierce < p->pierce_probability)
        fault = true;
    if (u_contam < p->contamination_probability)
        fault = true;

    /* A loose graphite particle (CTI_DEF_PARTICLE) is deliberately absent:
     * in the dry stack it lies on the separator without bridging it, so
     * the insulation stays that of a good stack (the review, 2.2). */
    double r;
    if (fault) {
        *defects |= CTI_DEF_INSULATION;
        r = p->fault_min_ohm * exp(u_r * log(p->fault_max_ohm / p->fault_min_ohm));
    } else {
        r = p->insulation_median_ohm * exp(p->insulation_sigma_ln * ct_std_normal_quantile(u_r));
    }
    attr[CTI_C_INSULATION] = (float)r;
}

/* ------------------------------------------------------------------ */
/* 3. Hi-Pot                                                            */
/* ------------------------------------------------------------------ */

void cti_hipot_params_init(cti_hipot_params *p)
{
    *p = (cti_hipot_params){
        .voltage_v = 100.0,
        .ramp_s = 1.0,
        .measure_time_s = 5.0,
        .capacitance_f = 5e-6,
        .source_resistance_ohm = 1e3,
        .meter = { .sd = 0.05e-6, .offset = 0.0, .resolution = 0.1e-6 },
    };
}

ct_status cti_hipot_params_check(const cti_hipot_params *p, ct_error *err)
{
    CHECK(cti_check_range(err, "hipot.voltage", p->voltage_v, 50.0, 200.0, 1, "V",
                          "the review's Hi-Pot range is 50-200 V DC; more risks breaking down "
                          "a good separator, less does not stress it"));
    CHECK(cti_check_range(err, "hipot.measure_time", p->measure_time_s, 1e-3, 60.0, 1, "s",
                          "the review holds the voltage about 5 s"));
    CHECK(cti_check_range(err, "hipot.ramp", p->ramp_s, 0.0, p->measure_time_s, 1, "s",
                          "the ramp ends before the reading"));
    CHECK(cti_check_range(err, "hipot.capacitance", p->capacitance_f, 1e-12, 1e-3, 1e-6, "uF",
                          "a stack's capacitance (parallel-plate estimate: nF to tens of uF)"));
    CHECK(cti_check_range(err, "hipot.source_resistance", p->source_resistance_ohm, 1e-3, 1e8, 1e3,
                          "kohm", "a tester's output resistance"));
    CHECK(cti_check_range(err, "hipot.meter.sd", p->meter.sd, 0.0, 1e-3, 1e-6, "uA",
                          "meter noise below the 1 mA limit"));
    CHECK(cti_check_range(err, "hipot.meter.resolution", p->meter.resolution, 0.0, 1e-3, 1e-6,
                          "uA", "meter resolution below the 1 mA limit"));
    return CT_OK;
}

double cti_stack_capacitance_f(double area_m2, double separator_thickness_m, double eps_r)
{
    return EPS0_F_M * eps_r * area_m2 / separator_thickness_m;
}

double cti_hipot_current_a(const cti_hipot_params *p, double r_insulation_ohm, double t_s)
{
    double V = p->voltage_v, rs = p->source_resistance_ohm, C = p->capacitance_f;
    double g = 1.0 / rs + 1.0 / r_insulation_ohm;   /* 1/R = 0 for R = inf */
    double tau = C / g;
    double k = (1.0 / rs) / g;                       /* divider R / (R + R_s) */
    double tr = p->ramp_s;
    double u, v;
    if (t_s <= 0.0)
        return 0.0;
    if (tr > 0.0 && t_s <= tr) {
        double a = V / tr;
        u = a * t_s;
        v = k * a * (t_s + tau * expm1(-t_s / tau));
    } else {
        double v1 = 0.0;
        if (tr > 0.0) {
            double a = V / tr;
            v1 = k * a * (tr + tau * expm1(-tr / tau));
        }
        u = V;
        v = k * V + (v1 - k * V) * exp(-(t_s - tr) / tau);
    }
    return (u - v) / rs;
}

double cti_hipot(const cti_hipot_params *p, float attr[CTI_C__COUNT], ct_rng *rng)
{
    double r = attr[CTI_C_INSULATION];
    /* An unset insulation (0) would read as a dead short; a stack that
     * never went through cti_stacking is taken as ideal instead. */
    if (!(r > 0.0))
        r = INFINITY;
    double i = cti_hipot_current_a(p, r, p->measure_time_s);
    attr[CTI_C_LEAKAGE_CURRENT] = (float)i;
    return ct_instrument_read(&p->meter, i, rng);
}

/* ------------------------------------------------------------------ */
/* 4. Welding and the helium leak test                                  */
/* ------------------------------------------------------------------ */

void cti_welding_params_init(cti_welding_params *p, cti_weld_kind kind)
{
    *p = (cti_welding_params){
        .kind = kind,
        .contact_median_ohm = 0.0,
        .contact_sigma_ln = 0.3,
        .leak_probability = 0.0,
        .tight_median_mbar_l_s = 1e-9,
        .tight_sigma_ln = 1.0,
        .leak_min_mbar_l_s = 1e-6,
        .leak_max_mbar_l_s = 1e-2,
    };
    switch (kind) {
    case CTI_WELD_TAB_ULTRASONIC:
        p->contact_median_ohm = 20e-6;
        break;
    case CTI_WELD_CAP_ULTRASONIC:
        p->contact_median_ohm = 30e-6;
        break;
    case CTI_WELD_CAN_LASER:
        p->leak_probability = 5e-4;
        break;
    case CTI_WELD_SEAL_LASER:
        p->leak_probability = 2e-4;
        break;
    }
}

static bool weld_seals(cti_weld_kind kind)
{
    return kind == CTI_WELD_CAN_LASER || kind == CTI_WELD_SEAL_LASER;
}

ct_status cti_welding_params_check(const cti_welding_params *p, ct_error *err)
{
    if (p->kind < CTI_WELD_TAB_ULTRASONIC || p->kind > CTI_WELD_SEAL_LASER)
        return ct_error_set(err, CT_ERR_INVALID,
                            "welding.kind: expected tab_ultrasonic, cap_ultrasonic, can_laser "
                            "or seal_laser");
    CHECK(cti_check_range(err, "welding.contact_median", p->contact_median_ohm, 0.0, 1.0, 1e-6,
                          "uohm", "a weld's contact resistance (1 ohm would be no weld)"));
    CHECK(cti_check_range(err, "welding.contact_sigma_ln", p->contact_sigma_ln, 0.0, 3.0, 1, "",
                          "a log standard deviation"));
    CHECK(check_prob(err, "welding.leak_probability", p->leak_probability));
    if (!weld_seals(p->kind) && p->leak_probability > 0.0)
        return ct_error_set(err, CT_ERR_INVALID,
                            "welding.leak_probability: %g on an ultrasonic tab or cap weld, "
                            "which is inside the can and cannot leak; expected 0",
                            p->leak_probability);
    CHECK(cti_check_range(err, "welding.tight_median", p->tight_median_mbar_l_s, 1e-15, 1e-3, 1,
                          "mbar.L/s", "the leak rate of a tight seal"));
    CHECK(cti_check_range(err, "welding.tight_sigma_ln", p->tight_sigma_ln, 0.0, 5.0, 1, "",
                          "a log standard deviation"));
    CHECK(cti_check_range(err, "welding.leak_min", p->leak_min_mbar_l_s, 1e-12, 1.0, 1,
                          "mbar.L/s", "a leaking seal's rate"));
    CHECK(cti_check_range(err, "welding.leak_max", p->leak_max_mbar_l_s, p->leak_min_mbar_l_s, 1.0,
                          1, "mbar.L/s", "leak_max is at least leak_min and at most 1 mbar.L/s"));
    return CT_OK;
}

void cti_welding(const cti_welding_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                 ct_rng *rng)
{
    double z_contact = cti_std_normal(rng);
    double u_leak = ct_rng_uniform(rng);
    double u_rate = ct_rng_uniform(rng);

    if (p->contact_median_ohm > 0.0)
        attr[CTI_C_IR] += (float)(p->contact_median_ohm * exp(p->contact_sigma_ln * z_contact));
    if (!weld_seals(p->kind))
        return;
    double rate;
    if (u_leak < p->leak_probability) {
        *defects |= CTI_DEF_LEAK;
        double span_ln = log(p->leak_max_mbar_l_s / p->leak_min_mbar_l_s);
        rate = p->leak_min_mbar_l_s * exp(u_rate * span_ln);
    } else {
        rate = p->tight_median_mbar_l_s * exp(p->tight_sigma_ln * ct_std_normal_quantile(u_rate));
    }
    attr[CTI_C_LEAK_RATE] += (float)rate;
}

void cti_leak_test_params_init(cti_leak_test_params *p)
{
    *p = (cti_leak_test_params){ .detection_limit_mbar_l_s = 1e-8, .sd_log10 = 0.1 };
}

ct_status cti_leak_test_params_check(const cti_leak_test_params *p, ct_error *err)
{
    CHECK(cti_check_range(err, "leak_test.detection_limit", p->detection_limit_mbar_l_s, 1e-13,
                          1e-3, 1, "mbar.L/s",
                          "helium detectors reach 1e-9 mbar.L/s and below; a limit above "
                          "1e-3 is no helium test"));
    CHECK(cti_check_range(err, "leak_test.sd_log10", p->sd_log10, 0.0, 1.0, 1, "decades",
                          "a repeatability of more than a decade measures nothing"));
    return CT_OK;
}

double cti_leak_test(const cti_leak_test_params *p, const float attr[CTI_C__COUNT], ct_rng *rng)
{
    double z = cti_std_normal(rng);
    double reading = attr[CTI_C_LEAK_RATE] * pow(10.0, p->sd_log10 * z);
    return fmax(reading, p->detection_limit_mbar_l_s);
}

/* ------------------------------------------------------------------ */
/* 5. Vacuum baking                                                     */
/* ------------------------------------------------------------------ */

void cti_baking_params_init(cti_baking_params *p)
{
    *p = (cti_baking_params){
        .temp_c = 90.0,
        .time_s = 12 * HOUR_S,
        .dew_point_c = -40.0,
        .ref_dew_point_c = -40.0,
        .ref_moisture = 1000 * PPM,
        .sorption_exponent = 0.5,
        .rate_per_s = log(10.0) / (8 * HOUR_S),
        .ref_temp_c = 90.0,
        .ea_j_per_mol = 40e3,
        .floor_moisture = 20 * PPM,
        .rate_sigma_ln = 0.2,
        .moisture_limit = 300 * PPM,
    };
}

ct_status cti_baking_params_check(const cti_baking_params *p, ct_error *err)
{
    CHECK(cti_check_range(err, "baking.temperature", p->temp_c, 40.0, 130.0, 1, "C",
                          "polyethylene separators shrink and shut down near 130 C; below "
                          "40 C vacuum baking dries next to nothing"));
    CHECK(cti_check_range(err, "baking.time", p->time_s, 60.0, 7 * DAY_S, HOUR_S, "h",
                          "a baking cycle of a minute to a week"));
    CHECK(cti_check_range(err, "baking.dew_point", p->dew_point_c, -80.0, 0.0, 1, "C",
                          "dry rooms run at -15 to -60 C dew point (the review); above 0 C "
                          "is no dry room"));
    CHECK(cti_check_range(err, "baking.ref_dew_point", p->ref_dew_point_c, -80.0, 0.0, 1, "C",
                          "a dry-room dew point"));
    CHECK(cti_check_range(err, "baking.ref_moisture", p->ref_moisture, 1 * PPM, 0.05, PPM, "ppm",
                          "a stack's moisture as a mass fraction"));
    CHECK(cti_check_range(err, "baking.sorption_exponent", p->sorption_exponent, 0.05, 2.0, 1, "",
                          "a sorption isotherm exponent"));
    CHECK(cti_check_range(err, "baking.rate", p->rate_per_s, 1e-9, 1.0, 1.0 / HOUR_S, "1/h",
                          "a drying rate"));
    CHECK(cti_check_range(err, "baking.ref_temperature", p->ref_temp_c, 0.0, 200.0, 1, "C",
                          "a reference temperature"));
    CHECK(cti_check_range(err, "baking.ea", p->ea_j_per_mol, 0.0, 200e3, 1e3, "kJ/mol",
                          "an activation energy"));
    CHECK(cti_check_range(err, "baking.moisture_limit", p->moisture_limit, 1 * PPM, 0.05, PPM,
                          "ppm",
                          "a moisture limit as a mass fraction"));
    CHECK(cti_check_range(err, "baking.floor_moisture", p->floor_moisture, 0.0, p->moisture_limit,
                          PPM, "ppm",
                          "the floor of a vacuum oven is below the limit it is to meet"));
    CHECK(cti_check_range(err, "baking.rate_sigma_ln", p->rate_sigma_ln, 0.0, 3.0, 1, "",
                          "a log standard deviation"));
    return CT_OK;
}

/* Saturation vapour pressure over ice, hPa: Magnus form with the WMO
 * (Guide to Instruments and Methods of Observation, WMO-No. 8, annex 4.B)
 * coefficients, valid -65 to 0 C. Only ratios are used here. */
static double vapour_pressure_ice_hpa(double t_c)
{
    return 6.112 * exp(22.46 * t_c / (272.62 + t_c));
}

double cti_baking_initial_moisture(const cti_baking_params *p)
{
    double ratio = vapour_pressure_ice_hpa(p->dew_point_c) /
                   vapour_pressure_ice_hpa(p->ref_dew_point_c);
    return p->ref_moisture * pow(ratio, p->sorption_exponent);
}

double cti_baking_rate_per_s(const cti_baking_params *p)
{
    return p->rate_per_s * ct_arrhenius_factor(p->ea_j_per_mol, p->temp_c, p->ref_temp_c);
}

/* First-order drying towards the floor; below the floor there is
 * nothing for the oven to remove. */
static double dried(double w0, double floor_frac, double k_per_s, double time_s)
{
    if (w0 <= floor_frac)
        return w0;
    return floor_frac + (w0 - floor_frac) * exp(-k_per_s * time_s);
}

double cti_baking_moisture(const cti_baking_params *p, double w0, double time_s)
{
    return dried(w0, p->floor_moisture, cti_baking_rate_per_s(p), time_s);
}

void cti_baking(const cti_baking_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                ct_rng *rng)
{
    double z = cti_std_normal(rng);
    double w0 = attr[CTI_C_CELL_MOISTURE] > 0.0f ? attr[CTI_C_CELL_MOISTURE]
                                                 : cti_baking_initial_moisture(p);
    /* Oven position and stack geometry scatter the rate, not the floor:
     * a scattered time constant is the same as a scattered k. */
    double k = cti_baking_rate_per_s(p) * exp(p->rate_sigma_ln * z);
    double w = dried(w0, p->floor_moisture, k, p->time_s);
    attr[CTI_C_CELL_MOISTURE] = (float)w;
    if (w > p->moisture_limit)
        *defects |= CTI_DEF_MOISTURE;
}

/* ------------------------------------------------------------------ */
/* 6. Electrolyte filling                                               */
/* ------------------------------------------------------------------ */

void cti_filling_params_init(cti_filling_params *p)
{
    *p = (cti_filling_params){
        .electrolyte_kg_per_ah = 1.6e-3,
        .nominal_capacity_ah = 150.0,
        .dosing_cv = 0.005,
        .tolerance = 0.02,
        .balance = { .sd = 0.05e-3, .offset = 0.0, .resolution = 0.01e-3 },
    };
}

ct_status cti_filling_params_check(const cti_filling_params *p, ct_error *err)
{
    CHECK(cti_check_range(err, "filling.electrolyte_per_ah", p->electrolyte_kg_per_ah, 0.5e-3,
                          5e-3, 1e-3, "g/Ah",
                          "cells take about 1-2.5 g of electrolyte per Ah; outside 0.5-5 g/Ah "
                          "the pores are dry or the can overflows"));
    CHECK(cti_check_range(err, "filling.nominal_capacity", p->nominal_capacity_ah, 1e-3, 2000.0,
                          1, "Ah", "a cell's nominal capacity"));
    CHECK(cti_check_range(err, "filling.dosing_cv", p->dosing_cv, 0.0, 0.2, 1, "",
                          "a dosing lance's relative scatter"));
    CHECK(cti_check_range(err, "filling.tolerance", p->tolerance, 1e-4, 0.5, 1, "",
                          "a relative tolerance on the electrolyte mass"));
    CHECK(cti_check_range(err, "filling.balance.sd", p->balance.sd, 0.0, 0.1, 1e-3, "g",
                          "a balance's repeatability"));
    CHECK(cti_check_range(err, "filling.balance.resolution", p->balance.resolution, 0.0, 0.1, 1e-3,
                          "g", "a balance's resolution"));
    return CT_OK;
}

double cti_filling_target_kg(const cti_filling_params *p)
{
    return p->electrolyte_kg_per_ah * p->nominal_capacity_ah;
}

double cti_filling(const cti_filling_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                   ct_rng *rng)
{
    double target = cti_filling_target_kg(p);
    double m = fmax(0.0, target * (1.0 + p->dosing_cv * cti_std_normal(rng)));
    double before = attr[CTI_C_WEIGHT];
    attr[CTI_C_ELECTROLYTE] = (float)m;
    attr[CTI_C_WEIGHT] = (float)(before + m);
    if (fabs(m - target) > p->tolerance * target)
        *defects |= CTI_DEF_ELECTROLYTE;
    /* Gravimetric check: weighed before and after, so the balance's noise
     * enters twice and its offset cancels. */
    double w1 = ct_instrument_read(&p->balance, before, rng);
    double w2 = ct_instrument_read(&p->balance, before + m, rng);
    return w2 - w1;
}
