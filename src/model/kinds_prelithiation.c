/*
 * kinds_prelithiation.c - the `prelithiation` station kind and its model
 * (kinds_prelithiation.h): an anode coil runs through a bath, a vacuum
 * chamber or an SLMP coater and leaves with lithium on it (material
 * attribute prelithiation_lithium, the part that will cycle, kg/m2 per
 * side); the lithium bought is added to the coil's value, its energy to the
 * station's process energy; incidents (lithium reacting with the room's
 * moisture: fire at chamber cleaning, reactive powder, gas from the bath)
 * stop the line and their stretch is cut out as safety-related scrap. The
 * stacker turns the lithium of the sheets it takes into the cell's
 * prelithiation_charge, which formation adds to the lithium inventory.
 */
#include "model/kinds_prelithiation.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/dist.h"
#include "model/assembly.h"
#include "model/process_keys.h"

static const char CAUSE_INCIDENT[] = "prelithiation incident (lithium reaction)";
static const char CAUSE_WRONG[] = "wrong electrode at prelithiation";

void cti_prelith_params_default(cti_prelith_params *p, cti_prelith_method m)
{
    /* [assumption] unless marked: speeds from "slow" (vacuum) to the
     * review's target of 80 m/min (SLMP); the bath's "excellent
     * uniformity" and lithium metal's price against SLMP's "prohibitive"
     * one (the review, section 3.3). Energies per kg of lithium bought:
     * the bath reduces a salt, 3861 Ah/kg x about 4 V = 15 kWh/kg;
     * evaporating lithium takes 147 kJ/mol = 5.9 kWh/kg, about a fifth of
     * the chamber's heat reaching the melt, so 30 kWh/kg; SLMP is coated
     * from a slurry like an electrode, 2 kWh/kg. */
    static const cti_prelith_params table[3] = {
        [CTI_PRELITH_BATH] = { CTI_PRELITH_BATH, 0, 0, 2, 5.0 / 60, 10.0 / 60, 0.95, 0.90,
                               0.02, 80.0, 15.0, 200e3, 100.0, 3600.0, -40.0 },
        [CTI_PRELITH_VACUUM] = { CTI_PRELITH_VACUUM, 0, 0, 2, 2.0 / 60, 5.0 / 60, 0.90, 0.50,
                                 0.05, 150.0, 30.0, 100e3, 100.0, 4.0 * 3600.0, -40.0 },
        [CTI_PRELITH_SLMP] = { CTI_PRELITH_SLMP, 0, 0, 2, 40.0 / 60, 80.0 / 60, 0.85, 0.95, 0.10,
                               1000.0, 2.0, 100e3, 100.0, 3600.0, -40.0 },
    };
    *p = table[m];
    p->lithium_kg_m2 = 0.0;
}

ct_status cti_prelith_params_validate(const cti_prelith_params *p, ct_error *err)
{
    ct_status st;
    if ((st = cti_check_range(err, "prelithiation.max_speed", p->max_speed_m_s, 1e-4, 200.0 / 60,
                              1.0 / 60, "m/min", "a machine's speed limit")) != CT_OK ||
        (st = cti_check_range(err, "prelithiation.speed", p->speed_m_s, 1e-4, p->max_speed_m_s,
                              1.0 / 60, "m/min",
                              "the method's limit (max_speed; the review: vacuum deposition is "
                              "slow, SLMP coating targets 80 m/min)")) != CT_OK ||
        (st = cti_check_range(err, "prelithiation.lithium", p->lithium_kg_m2, 0.0, 0.01, 0.01,
                              "mg/cm2",
                              "lithium layers are below 10 um (the review), 0.53 mg/cm2; 1 "
                              "mg/cm2 is far beyond any anode's first-cycle loss")) != CT_OK ||
        (st = cti_check_range(err, "prelithiation.width", p->width_m, 1e-3, 2.0, 1e-3, "mm",
                              "a web's coated width")) != CT_OK ||
        (st = cti_check_range(err, "prelithiation.utilization", p->utilization, 0.01, 1.0, 1, "",
                              "a share of the lithium")) != CT_OK ||
        (st = cti_check_range(err, "prelithiation.deposition_yield", p->deposition_yield, 0.01,
                              1.0, 1, "", "a share of the lithium bought")) != CT_OK ||
        (st = cti_check_range(err, "prelithiation.lithium_cv", p->lithium_cv, 0.0, 0.5, 1, "",
                              "a coefficient of variation")) != CT_OK ||
        (st = cti_check_range(err, "prelithiation.dew_point", p->dew_point_c, -80.0, -20.0, 1,
                              "C",
                              "lithium metal and prelithiated anodes are handled in dry rooms "
                              "(the review: dew points of -15 to -60 C; above -20 C lithium "
                              "reacts too fast)")) != CT_OK ||
        (st = cti_check_range(err, "prelithiation.incident_scrap", p->incident_scrap_m, 0.0,
                              10e3, 1, "m", "metres cut out at an incident")) != CT_OK)
        return st;
    return CT_OK;
}

static double ice_vapour_hpa(double t_c)
{
    return 6.112 * exp(22.46 * t_c / (272.62 + t_c));
}

double cti_prelith_moisture_factor(double dew_point_c)
{
    return ice_vapour_hpa(dew_point_c) / ice_vapour_hpa(-40.0);
}

double cti_prelith_incident_hazard_per_m(const cti_prelith_params *p)
{
    return cti_prelith_moisture_factor(p->dew_point_c) / p->incident_spacing_m;
}

double cti_prelith_lithium_bought_kg_m(const cti_prelith_params *p, double lithium_kg_m2)
{
    return p->sides * p->width_m * lithium_kg_m2 / p->deposition_yield;
}

double cti_prelith_charge_ah_m2(const cti_prelith_params *p, double lithium_kg_m2)
{
    return 2.0 * lithium_kg_m2 * p->utilization * CTI_LITHIUM_AH_KG;
}

/* ---- the kind ---- */

static const char *const method_words[] = { "bath", "vacuum", "slmp", NULL };

typedef struct prelith_params {
    cti_prelith_params m;
} prelith_params;

#define PL(f) offsetof(prelith_params, m.f)
static const cti_pkey prelith_keys[] = {
    CTI_PK_CHOICE("method", method_words, true, "bath, vacuum or slmp"),
    { "lithium", NULL, CTI_PK_K_QTY, CT_DIM_AREAL_MASS, CTI_YAML_NONNEGATIVE, NULL,
      PL(lithium_kg_m2), true, "the lithium deposited per side, such as \"0.18 mg/cm2\"" },
    { "width", NULL, CTI_PK_K_QTY, CT_DIM_LENGTH, CTI_YAML_POSITIVE, NULL, PL(width_m), true,
      "the coated width of the web it treats, such as \"1272 mm\"" },
    CTI_PK_INT("sides", PL(sides)),
    CTI_PK_QTY("speed", NULL, CT_DIM_SPEED, CTI_YAML_POSITIVE, PL(speed_m_s)),
    CTI_PK_QTY("max_speed", NULL, CT_DIM_SPEED, CTI_YAML_POSITIVE, PL(max_speed_m_s)),
    CTI_PK_QTY("utilization", NULL, CT_DIM_NONE, CTI_YAML_FRACTION, PL(utilization)),
    CTI_PK_QTY("deposition_yield", NULL, CT_DIM_NONE, CTI_YAML_FRACTION, PL(deposition_yield)),
    CTI_PK_QTY("lithium_cv", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, PL(lithium_cv)),
    CTI_PK_QTY("lithium_price", NULL, CT_DIM_PRICE_MASS, CTI_YAML_NONNEGATIVE, PL(price_usd_kg)),
    CTI_PK_QTY("energy_kwh_per_kg", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE,
               PL(energy_kwh_per_kg)),
    CTI_PK_QTY("incident_spacing", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE,
               PL(incident_spacing_m)),
    CTI_PK_QTY("incident_scrap", NULL, CT_DIM_LENGTH, CTI_YAML_NONNEGATIVE, PL(incident_scrap_m)),
    CTI_PK_QTY("incident_stop", NULL, CT_DIM_TIME, CTI_YAML_NONNEGATIVE, PL(incident_stop_s)),
    CTI_PK_QTY("dew_point", NULL, CT_DIM_TEMPERATURE, CTI_YAML_ANY, PL(dew_point_c)),
};

static ct_status prelith_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                               void **params)
{
    prelith_params *p = cti_pk_new_params(y, sizeof *p, params);
    if (!p)
        return CT_ERR_NOMEM;
    cti_preader r;
    ct_status rc = cti_pk_read(y, v, prelith_keys, CTI_YAML_N_KEYS(prelith_keys), &r);
    if (rc != CT_OK)
        return rc;
    if ((rc = cti_pk_not_converter(y, v, st, "prelithiation station")) != CT_OK)
        return rc;
    double method = 0, sides;
    cti_pk_written(&r, "method", &method);
    cti_prelith_params_default(&p->m, (cti_prelith_method)(int)method);
    cti_pk_apply(&r, p);
    bool sides_ok = !cti_pk_written(&r, "sides", &sides) || sides == 1 || sides == 2;
    CTI_PK_CHECKED(y, &r, sides_ok ? CT_OK
                                   : ct_error_set(&e_, CT_ERR_INVALID,
                                                  "prelithiation.sides: expected 1 or 2, got %g",
                                                  sides));
    CTI_PK_CHECKED(y, &r, cti_prelith_params_validate(&p->m, &e_));
    return CT_OK;
}

typedef struct prelith_state {
    double energy_wh, lithium_bought_kg, cost_usd;
    uint64_t incidents;
} prelith_state;

static void *prelith_state_create(const void *params)
{
    (void)params;
    return calloc(1, sizeof(prelith_state));
}

static double prelith_energy_wh(const void *state)
{
    return ((const prelith_state *)state)->energy_wh;
}

/* Metres of the coil still to run. */
static double coil_metres(const cti_material *m)
{
    return fmax(0.0, m->length - m->used);
}

/* Treats each anode coil: the deposit drawn for the coil, the lithium
 * bought, the incidents (marked now, cut out at the end of the job). */
static double prelith_start(cti_job *job)
{
    const cti_prelith_params *p = &((const prelith_params *)job->params)->m;
    prelith_state *s = job->state;
    double t = 0;
    bool coils = false;
    for (int i = 0; i < job->n_units; i++) {
        cti_material *m = cti_job_material(job, i);
        if (!m || m->form != CTI_FORM_COIL)
            continue;
        coils = true;
        double len = coil_metres(m);
        t += len / p->speed_m_s;
        if (m->polarity != CTI_ANODE)
            continue;   /* scrapped at the end */
        double z = ct_dist_std_normal(job->rng);
        double s2 = log1p(p->lithium_cv * p->lithium_cv);
        double dep = p->lithium_kg_m2 * exp(sqrt(s2) * z - 0.5 * s2);
        m->attr[CTI_M_PRELITHIATION] = (float)(dep * p->utilization);
        double li = cti_prelith_lithium_bought_kg_m(p, dep) * len;
        s->lithium_bought_kg += li;
        s->cost_usd += li * p->price_usd_kg;
        s->energy_wh += li * p->energy_kwh_per_kg * 1e3;
        if (m->length > 0)
            m->value_per_unit += li * p->price_usd_kg / m->length;
        double h = cti_prelith_incident_hazard_per_m(p), x = m->start + m->used;
        double end = m->start + m->length;
        while (h > 0) {
            x += -log(ct_rng_uniform(job->rng)) / h;
            if (!(x < end))
                break;
            double to = fmin(x + p->incident_scrap_m, end);
            cti_defect_span sp = { x, to, UINT32_MAX, CTI_DEF_LITHIUM, 0.0f, false };
            if (!cti_material_add_span(m, &sp))
                break;
            s->incidents++;
            t += p->incident_stop_s;
            x = to;
        }
    }
    return coils ? t : -1.0;
}

static void prelith_finish(cti_job *job)
{
    for (int i = 0; i < job->n_units; i++) {
        cti_material *m = cti_job_material(job, i);
        if (!m || m->form != CTI_FORM_COIL)
            continue;
        if (m->polarity != CTI_ANODE) {
            cti_job_scrap(job, i, CAUSE_WRONG);
            continue;
        }
        for (int k = 0; k < m->n_spans; k++) {
            cti_defect_span *sp = &m->spans[k];
            if (!(sp->defect & CTI_DEF_LITHIUM) || sp->removed)
                continue;
            sp->removed = true;
            cti_job_scrap_part(job, i, CAUSE_INCIDENT, sp->to_m - sp->from_m);
        }
    }
}

static void prelith_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const prelith_params *p = params;
    size_t n = CTI_YAML_N_KEYS(prelith_keys);
    cti_pk_emit_choice(emit, ctx, prelith_keys, n, "method", (int)p->m.method);
    cti_pk_describe(prelith_keys, n, p, NULL, emit, ctx);
}

const cti_kind cti_kind_prelithiation = {
    .name = "prelithiation",
    .input_form = CTI_FORM_COIL,
    .output_form = CTI_FORM_COIL,
    .parse = prelith_parse,
    .free_params = free,
    .state_create = prelith_state_create,
    .state_destroy = free,
    .start = prelith_start,
    .finish = prelith_finish,
    .energy_wh = prelith_energy_wh,
    .describe = prelith_describe,
};
