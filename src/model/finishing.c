/*
 * finishing.c - the cell-finishing process models of finishing.h: soaking
 * and formation, HT/RT aging with OCV readings and the k-value, grading.
 * The electrochemistry is cell_electrical.h's; this file maps factory
 * steps onto it. docs/models-finishing.md gives every equation and its
 * source; the comments here say why.
 */
#include "model/finishing.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "celltwin/quality.h"
#include "quality/cell_electrical_internal.h"

#define HOUR_S 3600.0
#define DAY_S 86400.0
#define PPM 1e-6
/* Faraday constant, C/mol (CODATA 2018, exact) and molar mass of water, kg/mol. */
#define FARADAY_C_MOL 96485.33212
#define WATER_KG_MOL 0.018015

/* CTI_CHECK (assembly.h), short: the checks below are many. */
#define CHECK(expr) CTI_CHECK(expr)

static ct_status check_chemistry(ct_error *err, const char *what, ct_chemistry chem)
{
    if ((int)chem >= 0 && chem < CT_CHEM__COUNT)
        return CT_OK;
    return ct_error_set(err, CT_ERR_INVALID, "%s: expected lfp or nmc811", what);
}

static ct_status check_instrument(ct_error *err, const char *what, const ct_instrument *ins,
                                  double max_sd, double scale, const char *unit)
{
    char name[96];
    snprintf(name, sizeof name, "%s.sd", what);
    CHECK(cti_check_range(err, name, ins->sd, 0.0, max_sd, scale, unit,
                          "an instrument's repeatability"));
    snprintf(name, sizeof name, "%s.resolution", what);
    CHECK(cti_check_range(err, name, ins->resolution, 0.0, max_sd * 10, scale, unit,
                          "an instrument's resolution"));
    if (!isfinite(ins->offset))
        return ct_error_set(err, CT_ERR_INVALID, "%s.offset: must be a finite number", what);
    return CT_OK;
}

/* ------------------------------------------------------------------ */
/* 7. HT soaking and formation                                          */
/* ------------------------------------------------------------------ */

void cti_formation_params_init(cti_formation_params *p, ct_chemistry chem)
{
    const char *cathode = chem == CT_CHEM_NMC811 ? "NMC811" : "LFP";
    const ct_active_material *cat = ct_cell_material_find(cathode);
    const ct_active_material *gr = ct_cell_material_find("graphite");
    *p = (cti_formation_params){
        .chemistry = chem,
        .soak_temp_c = 45.0,
        .soak_time_s = 24 * HOUR_S,
        .wetted_after_filling = 0.7,
        .wetting_tau_s = 8 * HOUR_S,
        .wetting_ea_j_per_mol = 15e3,
        /* The built-in table's values (cell_design.c gives their sources);
         * the literals are the same numbers, for a table without them. */
        .cathode_specific_ah_kg = cat ? cat->specific_capacity_ah_kg
                                      : (chem == CT_CHEM_NMC811 ? 200.0 : 170.0),
        .first_cycle_efficiency = gr ? gr->initial_efficiency : 0.90,
        .anode_specific_ah_kg = gr ? gr->specific_capacity_ah_kg : 372.0,
        .cathode_efficiency = 1.0,
        .end_soc = 0.3,
        .fixture_pressure_pa = 0.2e6,
        .short_pressure_ref_pa = 0.2e6,
        .short_min_ohm = 1e3,
        .short_max_ohm = 100e3,
        .self_discharge_sigma_ln = 0.3,
        .moisture_ref = 1000 * PPM,
        .moisture_ir_gain = 0.05,
        .moisture_sd_gain = 0.5,
        .formation_time_s = 10 * HOUR_S,
    };
    ct_resistance_design_init(&p->resistance);
    p->resistance.ohmic_ohm = 0.35e-3;
    p->resistance.polarization_ohm = 0.45e-3;
    ct_self_discharge_init(&p->self_discharge);
}

void cti_formation_params_from_design(cti_formation_params *p, const ct_cell_result *r)
{
    p->cathode_specific_ah_kg = r->first_charge_ah / r->cathode.active_mass_kg;
    p->first_cycle_efficiency = r->reversible_capacity_ah / r->first_charge_ah;
    p->anode_specific_ah_kg = r->anode.specific_capacity_ah_kg;
}

ct_status cti_formation_params_check(const cti_formation_params *p, ct_error *err)
{
    CHECK(check_chemistry(err, "formation.chemistry", p->chemistry));
    CHECK(cti_check_range(err, "formation.soak_temperature", p->soak_temp_c, 15.0, 60.0, 1, "C",
                          "HT soaking runs at about 45 C (the review); above 60 C the "
                          "electrolyte decomposes before the SEI exists"));
    CHECK(cti_check_range(err, "formation.soak_time", p->soak_time_s, 0.0, 7 * DAY_S, HOUR_S, "h",
                          "wetting and formation take 3-7 days (the review)"));
    CHECK(cti_check_range(err, "formation.wetted_after_filling", p->wetted_after_filling, 0.0, 1.0,
                          1, "", "a fraction"));
    CHECK(cti_check_range(err, "formation.wetting_tau", p->wetting_tau_s, 60.0, 30 * DAY_S, HOUR_S,
                          "h", "a wetting time constant"));
    CHECK(cti_check_range(err, "formation.wetting_ea", p->wetting_ea_j_per_mol, 0.0, 200e3, 1e3,
                          "kJ/mol", "an activation energy"));
    CHECK(cti_check_range(err, "formation.cathode_specific", p->cathode_specific_ah_kg, 10.0,
                          400.0, 1, "mAh/g",
                          "no intercalation cathode stores more than about 300 mAh/g "
                          "(LiCoO2 274, NMC about 280 theoretical)"));
    CHECK(cti_check_range(err, "formation.first_cycle_efficiency", p->first_cycle_efficiency, 0.5,
                          1.0, 1, "",
                          "graphite about 0.90, SiOx blends below 0.80 (the review); below 0.5 "
                          "is no working cell"));
    CHECK(cti_check_range(err, "formation.cathode_efficiency", p->cathode_efficiency, 0.5, 1.0,
                          1, "", "a cathode's first-cycle efficiency (NMC811 about 0.89)"));
    CHECK(cti_check_range(err, "formation.anode_specific", p->anode_specific_ah_kg, 10.0, 4200.0, 1,
                          "mAh/g", "silicon's theoretical capacity is about 4200 mAh/g"));
    CHECK(cti_check_range(err, "formation.end_soc", p->end_soc, 0.0, 1.0, 1, "",
                          "a state of charge"));
    CHECK(cti_check_range(err, "formation.fixture_pressure", p->fixture_pressure_pa, 0.0, 10e6, 1e6,
                          "MPa", "fixtures press cells at well under 10 MPa"));
    CHECK(cti_check_range(err, "formation.short_pressure_ref", p->short_pressure_ref_pa, 1e3, 10e6,
                          1e6, "MPa", "a reference pressure"));
    CHECK(cti_check_range(err, "formation.short_min", p->short_min_ohm, 1e-3, 1e12, 1e3, "kohm",
                          "a micro-short's resistance"));
    CHECK(cti_check_range(err, "formation.short_max", p->short_max_ohm, p->short_min_ohm, 1e12, 1e3,
                          "kohm", "short_max is at least short_min"));
    CHECK(cti_check_range(err, "formation.resistance.ohmic", p->resistance.ohmic_ohm, 1e-6, 100.0,
                          1e-3, "mohm", "a cell's ohmic resistance"));
    CHECK(cti_check_range(err, "formation.resistance.polarization", p->resistance.polarization_ohm,
                          0.0, 100.0, 1e-3, "mohm", "a cell's polarization resistance"));
    CHECK(cti_check_range(err, "formation.resistance.ea_ohmic", p->resistance.ea_ohmic_j_per_mol,
                          0.0, 200e3, 1e3, "kJ/mol", "an activation energy"));
    CHECK(cti_check_range(err, "formation.resistance.ea_polarization",
                          p->resistance.ea_polarization_j_per_mol, 0.0, 200e3, 1e3, "kJ/mol",
                          "an activation energy"));
    CHECK(cti_check_range(err, "formation.resistance.ref_temperature", p->resistance.ref_temp_c,
                          -40.0, 80.0, 1, "C", "a reference temperature"));
    CHECK(cti_check_range(err, "formation.self_discharge.base",
                          p->self_discharge.base_frac_per_month,
                          0.0, 0.5, 1, "per month", "a healthy cell's self-discharge"));
    CHECK(cti_check_range(err, "formation.self_discharge.ea", p->self_discharge.ea_j_per_mol, 0.0,
                          200e3, 1e3, "kJ/mol", "an activation energy"));
    CHECK(cti_check_range(err, "formation.self_discharge.ref_temperature",
                          p->self_discharge.ref_temp_c, -40.0, 80.0, 1, "C",
                          "a reference temperature"));
    CHECK(cti_check_range(err, "formation.self_discharge_sigma_ln", p->self_discharge_sigma_ln, 0.0,
                          3.0, 1, "", "a log standard deviation"));
    CHECK(cti_check_range(err, "formation.moisture_ref", p->moisture_ref, 1 * PPM, 0.05, PPM, "ppm",
                          "a moisture mass fraction"));
    CHECK(cti_check_range(err, "formation.moisture_ir_gain", p->moisture_ir_gain, 0.0, 10.0, 1, "",
                          "moisture raises the resistance, it does not lower it"));
    CHECK(cti_check_range(err, "formation.moisture_sd_gain", p->moisture_sd_gain, 0.0, 100.0, 1, "",
                          "moisture raises the self-discharge, it does not lower it"));
    CHECK(cti_check_range(err, "formation.formation_time", p->formation_time_s, 0.0, 7 * DAY_S,
                          HOUR_S, "h", "formation takes about 10 h (industry-figures.md)"));
    return CT_OK;
}

double cti_formation_time_s(const cti_formation_params *p)
{
    return p->soak_time_s + p->formation_time_s;
}

double cti_formation_unwetted(const cti_formation_params *p)
{
    double tau = p->wetting_tau_s /
                 ct_arrhenius_factor(p->wetting_ea_j_per_mol, p->soak_temp_c, 25.0);
    return exp(-p->soak_time_s / tau);
}

double cti_formation_wetted(double wetted_before, double unwetted)
{
    return 1.0 - (1.0 - wetted_before) * unwetted;
}

double cti_formation_wetting(const cti_formation_params *p)
{
    return cti_formation_wetted(p->wetted_after_filling, cti_formation_unwetted(p));
}

/* cti_formation_capacity_ah with the wetted fraction phi given. */
static double capacity_wetted(const cti_formation_params *p, double phi, double cathode_mass_kg,
                              double anode_mass_kg, double moisture, double prelith_ah)
{
    double first = cathode_mass_kg * p->cathode_specific_ah_kg;
    double q = fmin(first * p->first_cycle_efficiency + fmax(prelith_ah, 0.0),
                    first * fmax(p->cathode_efficiency, p->first_cycle_efficiency));
    if (anode_mass_kg > 0.0)
        q = fmin(q, anode_mass_kg * p->anode_specific_ah_kg);
    /* Unwetted electrode area takes no part in the first charge. */
    q *= phi;
    /* Water reduced at the anode in the first charge binds lithium that
     * no longer cycles: H2O + Li+ + e- -> LiOH + 1/2 H2, one Li per H2O.
     * The moisture is a mass fraction of the electrodes, approximated by
     * their active mass. */
    double water_kg = fmax(moisture, 0.0) * (cathode_mass_kg + fmax(anode_mass_kg, 0.0));
    q -= water_kg / WATER_KG_MOL * FARADAY_C_MOL / HOUR_S;
    return fmax(q, 0.0);
}

double cti_formation_capacity_ah(const cti_formation_params *p, double cathode_mass_kg,
                                 double anode_mass_kg, double moisture, double prelith_ah)
{
    return capacity_wetted(p, cti_formation_wetting(p), cathode_mass_kg, anode_mass_kg, moisture,
                           prelith_ah);
}

double cti_formation_short_probability(const cti_formation_params *p)
{
    return -expm1(-p->fixture_pressure_pa / p->short_pressure_ref_pa);
}

void cti_formation_station_init(cti_formation_station *s, const cti_formation_params *p)
{
    const ct_ocv_curve *curve = ct_ocv_curve_builtin(p->chemistry);
    s->unwetted = cti_formation_unwetted(p);
    s->ocv_v = ct_ocv_at(curve, p->end_soc, curve->ref_temp_c);
}

void cti_formation(const cti_formation_params *p, float attr[CTI_C__COUNT], uint32_t *defects,
                   ct_rng *rng)
{
    cti_formation_station s;
    cti_formation_station_init(&s, p);
    cti_formation_cell(p, &s, attr, defects, rng);
}

void cti_formation_cell(const cti_formation_params *p, const cti_formation_station *s,
                        float attr[CTI_C__COUNT], uint32_t *defects, ct_rng *rng)
{
    double u_short = ct_rng_uniform(rng);
    double u_r = ct_rng_uniform(rng);
    double z_sd = cti_std_normal(rng);

    double w = fmax(attr[CTI_C_CELL_MOISTURE], 0.0f);
    double phi = cti_formation_wetted(p->wetted_after_filling, s->unwetted);
    double cap = capacity_wetted(p, phi, attr[CTI_C_CATHODE_MASS], attr[CTI_C_ANODE_MASS], w,
                                 attr[CTI_C_PRELITH_CHARGE]);
    attr[CTI_C_CAPACITY] = (float)cap;
    attr[CTI_C_OCV] = (float)s->ocv_v;

    /* Resistance: the design cell's, scaled by moisture (film growth from
     * HF attack) and by the unwetted area; the welds' contact resistance
     * accumulated so far in IR is the series part. */
    ct_resistance_attrs ra;
    ct_resistance_attrs_init(&ra);
    ra.contact_ohm = fmax(attr[CTI_C_IR], 0.0f);
    ra.electrode_factor = (1.0 + p->moisture_ir_gain * w / p->moisture_ref) / phi;
    double t_ref = p->resistance.ref_temp_c;
    attr[CTI_C_IR] = (float)ct_cell_ir_ohm(&p->resistance, &ra, t_ref);
    attr[CTI_C_DCIR] = (float)ct_cell_dcir_ohm(&p->resistance, &ra, t_ref);

    double scale = (1.0 + p->moisture_sd_gain * w / p->moisture_ref) *
                   exp(p->self_discharge_sigma_ln * z_sd);
    attr[CTI_C_SELF_DISCHARGE] =
        (float)(scale * ct_self_discharge_current_a(&p->self_discharge, cap,
                                                    p->self_discharge.ref_temp_c));

    /* The review's case: a particle that passed Hi-Pot is pressed into the
     * separator by the fixture as the electrodes swell in the first
     * charge, and only now bridges it. */
    if ((*defects & CTI_DEF_PARTICLE) && u_short < cti_formation_short_probability(p)) {
        double r = p->short_min_ohm * exp(u_r * log(p->short_max_ohm / p->short_min_ohm));
        double r_ins = attr[CTI_C_INSULATION];
        attr[CTI_C_INSULATION] = (float)(r_ins > 0.0 ? fmin(r_ins, r) : r);
    }
}

/* ------------------------------------------------------------------ */
/* 8. Aging                                                             */
/* ------------------------------------------------------------------ */

static void instrument(ct_instrument *ins, double sd, double resolution)
{
    ct_instrument_init(ins);
    ins->sd = sd;
    ins->resolution = resolution;
}

void cti_aging_params_init(cti_aging_params *p, ct_chemistry chem)
{
    *p = (cti_aging_params){
        .chemistry = chem,
        .ht_temp_c = 45.0,
        .ht_time_s = 3 * DAY_S,
        .cool_time_s = 1 * DAY_S,
        .rt_temp_c = 25.0,
        .rt_time_s = 6 * DAY_S,
        .reading_temp_sd_c = 0.5,
    };
    ct_self_discharge_init(&p->self_discharge);
    instrument(&p->ocv_meter, 20e-6, 10e-6);
    instrument(&p->thermometer, 0.2, 0.1);
}

ct_status cti_aging_params_check(const cti_aging_params *p, ct_error *err)
{
    CHECK(check_chemistry(err, "aging.chemistry", p->chemistry));
    CHECK(cti_check_range(err, "aging.ht_temperature", p->ht_temp_c, 15.0, 60.0, 1, "C",
                          "HT aging runs at about 45 C; above 60 C it ages the cell, not the "
                          "defect"));
    CHECK(cti_check_range(err, "aging.rt_temperature", p->rt_temp_c, 15.0, 35.0, 1, "C",
                          "room temperature"));
    CHECK(cti_check_range(err, "aging.ht_time", p->ht_time_s, 0.0, 30 * DAY_S, DAY_S, "d",
                          "aging lasts up to several weeks (the review; up to 3 weeks, "
                          "industry-figures.md)"));
    CHECK(cti_check_range(err, "aging.cool_time", p->cool_time_s, 0.0, 7 * DAY_S, DAY_S, "d",
                          "cooling to room temperature"));
    CHECK(cti_check_range(err, "aging.rt_time", p->rt_time_s, HOUR_S, 60 * DAY_S, DAY_S, "d",
                          "aging lasts up to several weeks (the review; up to 3 weeks, "
                          "industry-figures.md)"));
    CHECK(cti_check_range(err, "aging.reading_temp_sd", p->reading_temp_sd_c, 0.0, 5.0, 1, "K",
                          "the review: deviations below 5 K already show in the OCV"));
    CHECK(cti_check_range(err, "aging.self_discharge.base", p->self_discharge.base_frac_per_month,
                          0.0, 0.5, 1, "per month", "a healthy cell's self-discharge"));
    CHECK(cti_check_range(err, "aging.self_discharge.ea", p->self_discharge.ea_j_per_mol, 0.0,
                          200e3, 1e3, "kJ/mol", "an activation energy"));
    CHECK(check_instrument(err, "aging.ocv_meter", &p->ocv_meter, 0.1, 1e-3, "mV"));
    CHECK(check_instrument(err, "aging.thermometer", &p->thermometer, 5.0, 1, "K"));
    return CT_OK;
}

/* Appends (t_h, temp_c) to a history unless it repeats the last time:
 * a zero-length phase adds no point, so times stay strictly increasing. */
static void push(ct_temp_point *h, size_t *n, double t_h, double temp_c)
{
    if (*n > 0 && !(t_h > h[*n - 1].t_h))
        return;
    h[*n].t_h = t_h;
    h[*n].temp_c = temp_c;
    (*n)++;
}

void cti_soc_memo_init(cti_soc_memo *m, ct_chemistry chem)
{
    m->chemistry = chem;
    for (size_t i = 0; i < sizeof m->e / sizeof m->e[0]; i++)
        m->e[i].ocv_v = m->e[i].temp_c = m->e[i].soc = NAN;
}

double cti_soc_of_ocv(cti_soc_memo *memo, ct_chemistry chem, double ocv_v, double temp_c)
{
    const ct_ocv_curve *curve = ct_ocv_curve_builtin(chem);
    if (!memo || memo->chemistry != chem || isnan(ocv_v) || isnan(temp_c))
        return ct_ocv_soc(curve, ocv_v, temp_c);
    uint64_t a, b;
    memcpy(&a, &ocv_v, sizeof a);
    memcpy(&b, &temp_c, sizeof b);
    /* Multiplicative hashing of both keys; the top bits pick the entry. */
    uint64_t h = a * 0x9E3779B97F4A7C15u ^ b * 0xC2B2AE3D27D4EB4Fu;
    cti_soc_entry *e = &memo->e[h >> (64 - CTI_SOC_MEMO_BITS)];
    if (!cti_same_bits(e->ocv_v, ocv_v) || !cti_same_bits(e->temp_c, temp_c)) {
        e->ocv_v = ocv_v;
        e->temp_c = temp_c;
        e->soc = ct_ocv_soc(curve, ocv_v, temp_c);
    }
    return e->soc;
}

ct_status cti_aging(const cti_aging_params *p, cti_soc_memo *memo, float attr[CTI_C__COUNT],
                    ct_rng *rng, cti_aging_result *out, ct_error *err)
{
    double t1 = p->rt_temp_c + p->reading_temp_sd_c * cti_std_normal(rng);
    double t2 = p->rt_temp_c + p->reading_temp_sd_c * cti_std_normal(rng);

    double cap = attr[CTI_C_CAPACITY];
    if (!(cap > 0.0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "aging: the cell has no capacity (capacity %g Ah); formation must "
                            "run before aging", cap);
    const ct_ocv_curve *curve = ct_ocv_curve_builtin(p->chemistry);
    double i_ref =
        ct_self_discharge_current_a(&p->self_discharge, cap, p->self_discharge.ref_temp_c);
    ct_aging_cell cell = {
        .curve = curve,
        .capacity_ah = cap,
        .soc = cti_soc_of_ocv(memo, p->chemistry, attr[CTI_C_OCV], curve->ref_temp_c),
        /* The cell's own base rate relative to the nominal one; a cell
         * formation never saw runs at the nominal rate. */
        .self_discharge_scale = attr[CTI_C_SELF_DISCHARGE] > 0.0f && i_ref > 0.0
                                    ? attr[CTI_C_SELF_DISCHARGE] / i_ref
                                    : 1.0,
        .short_ohm = attr[CTI_C_INSULATION] > 0.0f ? (double)attr[CTI_C_INSULATION] : INFINITY,
    };

    /* HT rest and cooling: no readings (rng NULL draws nothing; the
     * instruments are required but unused). */
    ct_temp_point h[3];
    size_t n = 0;
    double ht_h = p->ht_time_s / HOUR_S, cool_h = p->cool_time_s / HOUR_S;
    push(h, &n, 0.0, p->ht_temp_c);
    push(h, &n, ht_h, p->ht_temp_c);
    push(h, &n, ht_h + cool_h, t1);
    ct_ocv_reading r1, r2;
    ct_aging_truth truth;
    ct_status st;
    if (n >= 2) {
        st = cti_cell_simulate_aging(&cell, &p->self_discharge, h, n, NULL, NULL, NULL, NULL,
                                     NULL, &truth, NULL, err);
        if (st != CT_OK)
            return st;
        cell.soc = truth.soc_end;
    }

    /* RT rest, read at both ends; the temperature drifts linearly between
     * the two readings' cell temperatures. The OCV kept is the end SOC's
     * at the curve's reference temperature. */
    ct_temp_point rt[2] = { { 0.0, t1 }, { p->rt_time_s / HOUR_S, t2 } };
    double ocv_ref;
    st = cti_cell_simulate_aging(&cell, &p->self_discharge, rt, 2, &p->ocv_meter,
                                 &p->thermometer, rng, &r1, &r2, &truth, &ocv_ref, err);
    if (st != CT_OK)
        return st;

    out->r1 = r1;
    out->r2 = r2;
    out->k_v_per_s = (r1.ocv_v - r2.ocv_v) / p->rt_time_s;
    attr[CTI_C_K_VALUE] = (float)((truth.ocv1_v - truth.ocv2_v) / p->rt_time_s);
    attr[CTI_C_OCV] = (float)ocv_ref;
    return CT_OK;
}

/* ------------------------------------------------------------------ */
/* 9. Grading                                                           */
/* ------------------------------------------------------------------ */

void cti_grading_params_init(cti_grading_params *p, ct_chemistry chem)
{
    ct_resistance_design d;
    ct_resistance_design_init(&d);
    *p = (cti_grading_params){
        .chemistry = chem,
        .temp_c = 25.0,
        .temp_sd_c = 1.0,
        .ea_ohmic_j_per_mol = d.ea_ohmic_j_per_mol,
        .ea_polarization_j_per_mol = d.ea_polarization_j_per_mol,
        .ref_temp_c = d.ref_temp_c,
    };
    instrument(&p->thermometer, 0.2, 0.1);
    instrument(&p->ocv_meter, 20e-6, 10e-6);
    instrument(&p->ir_meter, 2e-6, 1e-6);
    instrument(&p->dcir_meter, 5e-6, 1e-6);
    instrument(&p->capacity_meter, 0.1, 0.01);
}

ct_status cti_grading_params_check(const cti_grading_params *p, ct_error *err)
{
    CHECK(check_chemistry(err, "grading.chemistry", p->chemistry));
    CHECK(cti_check_range(err, "grading.temperature", p->temp_c, 10.0, 45.0, 1, "C",
                          "grading needs constant conditions near room temperature (the review)"));
    CHECK(cti_check_range(err, "grading.temp_sd", p->temp_sd_c, 0.0, 5.0, 1, "K",
                          "the review: deviations below 5 K already show in the OCV"));
    CHECK(cti_check_range(err, "grading.ea_ohmic", p->ea_ohmic_j_per_mol, 0.0, 200e3, 1e3,
                          "kJ/mol", "an activation energy"));
    CHECK(cti_check_range(err, "grading.ea_polarization", p->ea_polarization_j_per_mol, 0.0, 200e3,
                          1e3, "kJ/mol", "an activation energy"));
    CHECK(cti_check_range(err, "grading.ref_temperature", p->ref_temp_c, -40.0, 80.0, 1, "C",
                          "a reference temperature"));
    CHECK(check_instrument(err, "grading.thermometer", &p->thermometer, 5.0, 1, "K"));
    CHECK(check_instrument(err, "grading.ocv_meter", &p->ocv_meter, 0.1, 1e-3, "mV"));
    CHECK(check_instrument(err, "grading.ir_meter", &p->ir_meter, 1.0, 1e-3, "mohm"));
    CHECK(check_instrument(err, "grading.dcir_meter", &p->dcir_meter, 1.0, 1e-3, "mohm"));
    CHECK(check_instrument(err, "grading.capacity_meter", &p->capacity_meter, 100.0, 1, "Ah"));
    return CT_OK;
}

/* cti_grading_truth with a memo for the SOC (NULL: none). */
static void grading_truth(const cti_grading_params *p, cti_soc_memo *memo,
                          const float attr[CTI_C__COUNT], double temp_c, cti_grading_readings *out)
{
    const ct_ocv_curve *curve = ct_ocv_curve_builtin(p->chemistry);
    double soc = cti_soc_of_ocv(memo, p->chemistry, attr[CTI_C_OCV], curve->ref_temp_c);
    /* The stored 25 C values act as the design of this one cell; the
     * contact part then follows the ohmic law too (it is small). */
    ct_resistance_design d;
    ct_resistance_design_init(&d);
    d.ohmic_ohm = attr[CTI_C_IR];
    d.polarization_ohm = fmax((double)attr[CTI_C_DCIR] - attr[CTI_C_IR], 0.0);
    d.ea_ohmic_j_per_mol = p->ea_ohmic_j_per_mol;
    d.ea_polarization_j_per_mol = p->ea_polarization_j_per_mol;
    d.ref_temp_c = p->ref_temp_c;
    ct_resistance_attrs a;
    ct_resistance_attrs_init(&a);
    out->temp_c = temp_c;
    out->ocv_v = ct_ocv_at(curve, soc, temp_c);
    out->ir_ohm = ct_cell_ir_ohm(&d, &a, temp_c);
    out->dcir_ohm = ct_cell_dcir_ohm(&d, &a, temp_c);
    out->capacity_ah = attr[CTI_C_CAPACITY];
}

void cti_grading_truth(const cti_grading_params *p, const float attr[CTI_C__COUNT],
                       double temp_c, cti_grading_readings *out)
{
    grading_truth(p, NULL, attr, temp_c, out);
}

void cti_grading(const cti_grading_params *p, cti_soc_memo *memo,
                 const float attr[CTI_C__COUNT], ct_rng *rng, cti_grading_readings *out)
{
    double t = p->temp_c + p->temp_sd_c * cti_std_normal(rng);
    cti_grading_readings truth;
    grading_truth(p, memo, attr, t, &truth);
    out->temp_c = ct_instrument_read(&p->thermometer, t, rng);
    out->ocv_v = ct_instrument_read(&p->ocv_meter, truth.ocv_v, rng);
    out->ir_ohm = ct_instrument_read(&p->ir_meter, truth.ir_ohm, rng);
    out->dcir_ohm = ct_instrument_read(&p->dcir_meter, truth.dcir_ohm, rng);
    out->capacity_ah = ct_instrument_read(&p->capacity_meter, truth.capacity_ah, rng);
}
