/*
 * kinds_finishing.c - the station kinds of cell finishing (kind.h): HT
 * soaking chambers, formation racks, degassing and final sealing, HT/RT
 * aging shelves with the OCV readings, the k-value and an optional
 * lot-relative outlier screen, the grader with its bins, and the finisher
 * (PET wrapping, final checks, sorting). Each kind reads its `process:`
 * mapping with yaml_util.h (every key with its unit and range, unknown keys
 * refused), runs the process models of finishing.h on the cells of a job
 * (one cell, or a whole rack or shelf for batch stations), and leaves the
 * decisions on measured attributes to the control plan's gates (gates.c),
 * except the screens that need the whole shelf or the bin list. What each
 * key means, its default and its source: docs/kinds-finishing.md.
 */
#include "model/kinds_finishing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/screening.h"
#include "model/assembly.h"
#include "model/finishing.h"
#include "model/process_keys.h"

#define HOUR_S 3600.0
#define DAY_S 86400.0
#define UNSET NAN

/* SOC formation leaves the cell at, and so the SOC it ages at: the middle
 * of the shipping SOC of RWTH PEM / VDMA (5-20 %, industry-figures.md),
 * off the LFP plateau (docs/kinds-finishing.md, "Aging SOC"). */
#define DEFAULT_END_SOC 0.15

/* A cell whose gates send it back more often than this is scrapped at its
 * next rest (docs/kinds-finishing.md). */
#define DEFAULT_REWORK_LIMIT 1

/* Converts a k-value between the attribute's base unit (V/s) and the
 * screening library's mV/day. */
#define MV_PER_DAY_PER_V_PER_S (1e3 * DAY_S)

/* ------------------------------------------------------------------ */
/* Reading keys                                                        */
/* ------------------------------------------------------------------ */

/* A quantity with units (a bare number only for dimensionless keys) in
 * [lo, hi], in base units; expect says the range and gives an example. */
static ct_status get_in(cti_yaml_ctx *y, const cti_yaml_value *v, ct_dim dim, bool difference,
                        double lo, double hi, const char *expect, double *out)
{
    double x;
    ct_status st =
        cti_yaml_get_quantity_ex(y, v, dim, true, difference, CTI_YAML_ANY, expect, &x);
    if (st != CT_OK)
        return st;
    if (!(x >= lo && x <= hi))
        return cti_yaml_fail_expected(y, v, expect);
    *out = x;
    return CT_OK;
}

/* A key handler that reads field of the object with get_in. */
#define KEY_IN(fn, type, field, dim, difference, lo, hi, expect)                                  \
    static ct_status fn(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)                      \
    {                                                                                             \
        return get_in(y, v, dim, difference, lo, hi, expect, &((type *)obj)->field);              \
    }

/* Where key was written in a walked mapping, or fallback. */
static cti_yaml_loc key_loc(const cti_yaml_walk *w, bool walked, const char *key,
                            cti_yaml_loc fallback)
{
    const cti_yaml_loc *at = walked ? cti_yaml_seen(w, key) : NULL;
    return at ? *at : fallback;
}

/* Walks the process mapping unless the station has none (`process:`
 * absent or empty: every key at its default). */
static ct_status walk(cti_yaml_ctx *y, const cti_yaml_value *v, const cti_yaml_key *keys,
                      size_t n, void *obj, cti_yaml_walk *w, bool *walked)
{
    *walked = false;
    if (!v->node || cti_yaml_is_null(v->node))
        return CT_OK;
    *walked = true;
    return cti_yaml_walk_mapping(y, v, keys, n, obj, w);
}

/* A model's own check, as a last guard: its message at the process key. */
static ct_status model_check(cti_yaml_ctx *y, const cti_yaml_value *v, ct_status st,
                             const ct_error *err)
{
    if (st == CT_OK)
        return CT_OK;
    return cti_yaml_fail(y, v->loc, v->path, "%s", err->msg);
}

/* Sum of the time keys written (UNSET ones count 0), or UNSET if none is:
 * then the station's process_time applies. */
static double time_sum(const double *t, int n)
{
    double s = 0;
    bool any = false;
    for (int i = 0; i < n; i++)
        if (!isnan(t[i])) {
            s += t[i];
            any = true;
        }
    return any ? s : UNSET;
}

/* The cell chemistry: the OCV curve that turns voltages into states of
 * charge. First member of the parameters of formation, aging and grader,
 * so the consistency check reads it from any of them. */
typedef struct chem_choice {
    ct_chemistry chem;
    cti_yaml_loc loc;       /* the key, or the process mapping when absent */
} chem_choice;

static ct_status key_chemistry(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    chem_choice *c = obj;
    const char *s = cti_yaml_scalar(v);
    if (!s || ct_chemistry_parse(s, &c->chem) != CT_OK)
        return cti_yaml_fail_expected(y, v, "a cell chemistry: lfp or nmc811");
    c->loc = v->loc;
    return CT_OK;
}

static bool has_chemistry(const cti_station *s)
{
    return s->kind_params && (s->kind == &cti_kind_formation || s->kind == &cti_kind_aging ||
                              s->kind == &cti_kind_grader);
}

static int station_index(const cti_station *st, const ct_factory *f)
{
    return (int)(st - f->stations);
}

/* Formation, aging and grading must read voltages on one OCV curve: the
 * aging step inverts the OCV formation left to a state of charge. */
static ct_status check_chemistry(cti_yaml_ctx *y, cti_station *st, const ct_factory *f)
{
    const chem_choice *mine = st->kind_params;
    for (int i = 0; i < f->n_stations; i++) {
        const cti_station *o = &f->stations[i];
        if (o == st)
            break;
        if (!has_chemistry(o))
            continue;
        const chem_choice *first = o->kind_params;
        if (first->chem == mine->chem)
            return CT_OK;
        char path[CTI_YAML_PATH_MAX];
        snprintf(path, sizeof path, "stations[%d].process.chemistry", station_index(st, f));
        return cti_yaml_fail(y, mine->loc, path,
                             "expected %s as at station \"%s\": formation, aging and grader "
                             "stations share one cell chemistry (the OCV curve that turns "
                             "voltages into states of charge), got %s",
                             ct_chemistry_name(first->chem), o->name,
                             ct_chemistry_name(mine->chem));
    }
    return CT_OK;
}

/* Shorter names for describing the effective parameters (kind.h). */
static void emit_qty(cti_param_emit emit, void *ctx, const char *key, double x, ct_dim dim)
{
    cti_pk_emit_qty(emit, ctx, "", key, x, dim, false);
}

/* A temperature difference, in K. */
static void emit_diff(cti_param_emit emit, void *ctx, const char *key, double x)
{
    cti_pk_emit_qty(emit, ctx, "", key, x, CT_DIM_TEMPERATURE, true);
}

/* Step times of degassing and finishing apply only as written (else the
 * station's process_time does): the ones written. */
static void emit_steps(cti_param_emit emit, void *ctx, const char *const *keys, const double *t,
                       int n)
{
    for (int i = 0; i < n; i++)
        if (!isnan(t[i]))
            emit_qty(emit, ctx, keys[i], t[i], CT_DIM_TIME);
}

/* ------------------------------------------------------------------ */
/* soaking: HT soaking chambers                                        */
/* ------------------------------------------------------------------ */

typedef struct soaking_params {
    cti_formation_params m;  /* soak_temp_c, soak_time_s, wetted_after_filling, wetting_tau_s */
} soaking_params;

KEY_IN(soak_temperature, cti_formation_params, soak_temp_c, CT_DIM_TEMPERATURE, false, 15.0, 60.0,
       "a temperature from 15 C to 60 C, such as \"45 C\" (the review: about 45 C)")
KEY_IN(soak_time, cti_formation_params, soak_time_s, CT_DIM_TIME, false, 0.0, 7 * DAY_S,
       "a duration from 0 to 7 d, such as \"24 h\" (the review: wetting and formation 3-7 d)")
KEY_IN(soak_wetted, cti_formation_params, wetted_after_filling, CT_DIM_NONE, false, 0.0, 1.0,
       "a fraction from 0 to 1, such as \"70 %\"")
KEY_IN(soak_tau, cti_formation_params, wetting_tau_s, CT_DIM_TIME, false, 60.0, 30 * DAY_S,
       "a time constant from 1 min to 30 d, such as \"8 h\"")

static const cti_yaml_key soaking_keys[] = {
    { "temperature", false, "a temperature", soak_temperature },
    { "time", false, "a duration", soak_time },
    { "wetted_after_filling", false, "a fraction", soak_wetted },
    { "wetting_time_constant", false, "a duration", soak_tau },
};

static ct_status soaking_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                               void **params)
{
    (void)st;
    soaking_params *P = calloc(1, sizeof *P);
    if (!P)
        return cti_yaml_fail_nomem(y);
    *params = P;
    cti_formation_params_init(&P->m, CT_CHEM_LFP);
    cti_yaml_walk w;
    bool walked;
    ct_status rc = walk(y, v, soaking_keys, CTI_YAML_N_KEYS(soaking_keys), &P->m, &w, &walked);
    if (rc != CT_OK)
        return rc;
    ct_error err;
    ct_error_clear(&err);
    return model_check(y, v, cti_formation_params_check(&P->m, &err), &err);
}

static double soaking_start(cti_job *job)
{
    return ((const soaking_params *)job->params)->m.soak_time_s;
}

/* Wetting goes on from where the cell is: a cell soaked twice starts its
 * second soak at the wetted fraction of the first. */
static void soaking_finish(cti_job *job)
{
    const soaking_params *P = job->params;
    /* cti_formation_wetting of P->m with the cell's wetted fraction, its
     * unwetted factor the same for every cell. */
    double unwetted = cti_formation_unwetted(&P->m);
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        if (!c)
            continue;
        double before = c->attr[CTI_C_WETTING] > 0.0f ? c->attr[CTI_C_WETTING]
                                                     : P->m.wetted_after_filling;
        c->attr[CTI_C_WETTING] = (float)cti_formation_wetted(before, unwetted);
    }
}

/* ------------------------------------------------------------------ */
/* formation: racks                                                    */
/* ------------------------------------------------------------------ */

typedef struct formation_in {
    chem_choice chem;        /* first (key_chemistry) */
    double time_s, cathode_q, anode_q, ice, end_soc, fixture_pa, short_ref_pa;
    double short_min, short_max, ir, dcir, sd_month, sd_sigma;
    double cathode_eff, wetted;
} formation_in;

typedef struct formation_params {
    chem_choice chem;        /* first (check_chemistry) */
    cti_formation_params m;
} formation_params;

KEY_IN(form_time, formation_in, time_s, CT_DIM_TIME, false, 0.0, 7 * DAY_S,
       "a duration from 0 to 7 d, such as \"10 h\" (industry-figures.md: about 10 h)")
KEY_IN(form_cathode_q, formation_in, cathode_q, CT_DIM_SPECIFIC_CHARGE, false, 10.0, 400.0,
       "a specific charge from 10 to 400 mAh/g, such as \"170 mAh/g\"")
KEY_IN(form_anode_q, formation_in, anode_q, CT_DIM_SPECIFIC_CHARGE, false, 10.0, 4200.0,
       "a specific charge from 10 to 4200 mAh/g, such as \"372 mAh/g\"")
KEY_IN(form_ice, formation_in, ice, CT_DIM_NONE, false, 0.5, 1.0,
       "a fraction from 0.5 to 1, such as \"90 %\"")
KEY_IN(form_end_soc, formation_in, end_soc, CT_DIM_NONE, false, 0.01, 1.0,
       "a state of charge from 1 % to 100 %, such as \"15 %\"")
KEY_IN(form_fixture, formation_in, fixture_pa, CT_DIM_PRESSURE, false, 0.0, 10e6,
       "a pressure from 0 to 10 MPa, such as \"0.2 MPa\"")
KEY_IN(form_short_ref, formation_in, short_ref_pa, CT_DIM_PRESSURE, false, 1e3, 10e6,
       "a pressure from 1 kPa to 10 MPa, such as \"0.2 MPa\"")
KEY_IN(form_short_min, formation_in, short_min, CT_DIM_RESISTANCE, false, 1e-3, 1e12,
       "a resistance from 1 mohm to 1e6 Mohm, such as \"1 kohm\"")
KEY_IN(form_short_max, formation_in, short_max, CT_DIM_RESISTANCE, false, 1e-3, 1e12,
       "a resistance from 1 mohm to 1e6 Mohm, such as \"100 kohm\"")
KEY_IN(form_ir, formation_in, ir, CT_DIM_RESISTANCE, false, 1e-6, 100.0,
       "a resistance from 0.001 mohm to 100 ohm, such as \"0.35 mohm\"")
KEY_IN(form_dcir, formation_in, dcir, CT_DIM_RESISTANCE, false, 1e-6, 200.0,
       "a resistance from 0.001 mohm to 200 ohm, such as \"0.8 mohm\"")
KEY_IN(form_sd, formation_in, sd_month, CT_DIM_NONE, false, 0.0, 0.5,
       "a fraction per month from 0 to 50 %, such as \"0.5 %\"")
KEY_IN(form_cathode_eff, formation_in, cathode_eff, CT_DIM_NONE, false, 0.5, 1.0,
       "a fraction from 0.5 to 1, such as \"89 %\" (the cathode's own first-cycle efficiency)")
KEY_IN(form_wetted, formation_in, wetted, CT_DIM_NONE, false, 0.01, 1.0,
       "a fraction from 1 % to 100 %, such as \"100 %\" (a solid-state cell has no liquid "
       "to wet)")
KEY_IN(form_sd_sigma, formation_in, sd_sigma, CT_DIM_NONE, false, 0.0, 3.0,
       "a log standard deviation from 0 to 3, such as 0.3")

static const cti_yaml_key formation_keys[] = {
    { "chemistry", false, "lfp or nmc811", key_chemistry },
    { "time", false, "a duration", form_time },
    { "cathode_specific_capacity", false, "a specific charge", form_cathode_q },
    { "anode_specific_capacity", false, "a specific charge", form_anode_q },
    { "first_cycle_efficiency", false, "a fraction", form_ice },
    { "end_soc", false, "a state of charge", form_end_soc },
    { "fixture_pressure", false, "a pressure", form_fixture },
    { "short_pressure", false, "a pressure", form_short_ref },
    { "short_min", false, "a resistance", form_short_min },
    { "short_max", false, "a resistance", form_short_max },
    { "ir", false, "a resistance", form_ir },
    { "dcir", false, "a resistance", form_dcir },
    { "self_discharge_per_month", false, "a fraction", form_sd },
    { "self_discharge_scatter", false, "a log standard deviation", form_sd_sigma },
    { "cathode_efficiency", false, "a fraction", form_cathode_eff },
    { "wetted_after_filling", false, "a fraction", form_wetted },
};

static void set_if(double *field, double value)
{
    if (!isnan(value))
        *field = value;
}

static ct_status formation_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                                 void **params)
{
    (void)st;
    formation_params *P = calloc(1, sizeof *P);
    if (!P)
        return cti_yaml_fail_nomem(y);
    *params = P;
    formation_in in = { { CT_CHEM_LFP, v->loc }, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET,
                        UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET };
    cti_yaml_walk w;
    bool walked;
    ct_status rc = walk(y, v, formation_keys, CTI_YAML_N_KEYS(formation_keys), &in, &w, &walked);
    if (rc != CT_OK)
        return rc;

    /* Defaults depend on the chemistry, whatever the order of the keys. */
    P->chem = in.chem;
    cti_formation_params *m = &P->m;
    cti_formation_params_init(m, in.chem.chem);
    m->end_soc = DEFAULT_END_SOC;
    set_if(&m->formation_time_s, in.time_s);
    set_if(&m->cathode_specific_ah_kg, in.cathode_q);
    set_if(&m->anode_specific_ah_kg, in.anode_q);
    set_if(&m->first_cycle_efficiency, in.ice);
    set_if(&m->end_soc, in.end_soc);
    set_if(&m->fixture_pressure_pa, in.fixture_pa);
    set_if(&m->short_pressure_ref_pa, in.short_ref_pa);
    set_if(&m->short_min_ohm, in.short_min);
    set_if(&m->short_max_ohm, in.short_max);
    set_if(&m->self_discharge.base_frac_per_month, in.sd_month);
    set_if(&m->self_discharge_sigma_ln, in.sd_sigma);
    set_if(&m->cathode_efficiency, in.cathode_eff);
    set_if(&m->wetted_after_filling, in.wetted);
    if (m->short_min_ohm > m->short_max_ohm) {
        char kp[CTI_YAML_PATH_MAX];
        const char *key = isnan(in.short_max) ? "short_min" : "short_max";
        cti_yaml_join_key(kp, sizeof kp, v->path, key);
        return cti_yaml_fail(y, key_loc(&w, walked, key, v->loc), kp,
                             "expected short_min <= short_max, got %g ohm > %g ohm",
                             m->short_min_ohm, m->short_max_ohm);
    }
    /* DCIR = IR + polarization: a DCIR written alone keeps the design IR,
     * an IR written alone keeps the design polarization. */
    set_if(&m->resistance.ohmic_ohm, in.ir);
    double dcir = isnan(in.dcir) ? m->resistance.ohmic_ohm + m->resistance.polarization_ohm
                                 : in.dcir;
    if (dcir < m->resistance.ohmic_ohm) {
        char kp[CTI_YAML_PATH_MAX];
        const char *key = isnan(in.dcir) ? "ir" : "dcir";
        cti_yaml_join_key(kp, sizeof kp, v->path, key);
        return cti_yaml_fail(y, key_loc(&w, walked, key, v->loc), kp,
                             "expected dcir >= ir (DCIR adds polarization to the ohmic "
                             "resistance), got dcir %g mohm < ir %g mohm%s",
                             dcir * 1e3, m->resistance.ohmic_ohm * 1e3,
                             isnan(in.dcir) ? " (dcir: the design value)" : "");
    }
    m->resistance.polarization_ohm = dcir - m->resistance.ohmic_ohm;

    ct_error err;
    ct_error_clear(&err);
    return model_check(y, v, cti_formation_params_check(m, &err), &err);
}

static double formation_start(cti_job *job)
{
    return ((const formation_params *)job->params)->m.formation_time_s;
}

static void formation_finish(cti_job *job)
{
    const formation_params *P = job->params;
    /* The soaking was the soaking station's: no soak here. What depends on
     * the parameters alone is computed once for the job. */
    cti_formation_params p = P->m;
    p.soak_time_s = 0.0;
    cti_formation_station s;
    cti_formation_station_init(&s, &p);
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        /* Formation happens once: a cell back for rework keeps its SEI. */
        if (!c || c->attr[CTI_C_CAPACITY] > 0.0f)
            continue;
        /* The wetting comes from the soaking station; a cell that skipped
         * soaking is formed as filled (wetted_after_filling). */
        p.wetted_after_filling = c->attr[CTI_C_WETTING] > 0.0f ? c->attr[CTI_C_WETTING]
                                                               : P->m.wetted_after_filling;
        /* A stacker without a kind records only the active material it
         * took: then that is the cathode (docs/kinds-finishing.md). */
        if (!(c->attr[CTI_C_CATHODE_MASS] > 0.0f))
            c->attr[CTI_C_CATHODE_MASS] = (float)c->active_kg;
        cti_formation_cell(&p, &s, c->attr, &c->defects, job->rng);
    }
}

/* ------------------------------------------------------------------ */
/* degassing: degassing, second filling, laser cleaning, final sealing */
/* ------------------------------------------------------------------ */

enum { DEGAS_T_DEGAS, DEGAS_T_REFILL, DEGAS_T_CLEAN, DEGAS_T_SEAL, DEGAS_T__COUNT };

typedef struct degassing_params {
    double t[DEGAS_T__COUNT];   /* UNSET: not written */
    double time_s;              /* their sum, or UNSET: the station's process_time */
    double refill_kg;           /* electrolyte added in the second filling */
} degassing_params;

#define STEP_TIME "a duration from 0 to 1 d, such as \"30 s\""
KEY_IN(degas_t0, degassing_params, t[DEGAS_T_DEGAS], CT_DIM_TIME, false, 0.0, DAY_S, STEP_TIME)
KEY_IN(degas_t1, degassing_params, t[DEGAS_T_REFILL], CT_DIM_TIME, false, 0.0, DAY_S, STEP_TIME)
KEY_IN(degas_t2, degassing_params, t[DEGAS_T_CLEAN], CT_DIM_TIME, false, 0.0, DAY_S, STEP_TIME)
KEY_IN(degas_t3, degassing_params, t[DEGAS_T_SEAL], CT_DIM_TIME, false, 0.0, DAY_S, STEP_TIME)
KEY_IN(degas_refill, degassing_params, refill_kg, CT_DIM_MASS, false, 0.0, 10.0,
       "a mass from 0 to 10 kg, such as \"20 g\"")

static const cti_yaml_key degassing_keys[] = {
    { "degassing_time", false, "a duration", degas_t0 },
    { "refill_time", false, "a duration", degas_t1 },
    { "cleaning_time", false, "a duration", degas_t2 },
    { "sealing_time", false, "a duration", degas_t3 },
    { "refill_mass", false, "a mass", degas_refill },
};

static ct_status degassing_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                                 void **params)
{
    (void)st;
    degassing_params *P = calloc(1, sizeof *P);
    if (!P)
        return cti_yaml_fail_nomem(y);
    *params = P;
    for (int i = 0; i < DEGAS_T__COUNT; i++)
        P->t[i] = UNSET;
    cti_yaml_walk w;
    bool walked;
    ct_status rc = walk(y, v, degassing_keys, CTI_YAML_N_KEYS(degassing_keys), P, &w, &walked);
    P->time_s = time_sum(P->t, DEGAS_T__COUNT);
    return rc;
}

static double degassing_start(cti_job *job)
{
    double t = ((const degassing_params *)job->params)->time_s;
    return isnan(t) ? -1.0 : t;
}

static void degassing_finish(cti_job *job)
{
    const degassing_params *P = job->params;
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        if (c)
            c->attr[CTI_C_ELECTROLYTE] += (float)P->refill_kg;
    }
}

/* ------------------------------------------------------------------ */
/* aging: HT/RT rest shelves                                           */
/* ------------------------------------------------------------------ */

typedef struct aging_in {
    chem_choice chem;        /* first (key_chemistry) */
    double ht_temp, ht_time, cool_time, rt_temp, rt_time, temp_sd, ocv_noise, thermo_noise;
    bool compensate;
    bool screen;
    ct_outlier_options outlier;
    long long min_cells;
    long long rework_limit;
} aging_in;

typedef struct aging_params {
    chem_choice chem;        /* first (check_chemistry) */
    cti_aging_params m;
    bool compensate;
    bool screen;
    ct_outlier_options outlier;
    int min_cells;
    int rework_limit;
    int batch;               /* most cells of one job (the station's batch size) */
} aging_params;

KEY_IN(aging_ht_temp, aging_in, ht_temp, CT_DIM_TEMPERATURE, false, 15.0, 60.0,
       "a temperature from 15 C to 60 C, such as \"45 C\"")
KEY_IN(aging_ht_time, aging_in, ht_time, CT_DIM_TIME, false, 0.0, 30 * DAY_S,
       "a duration from 0 to 30 d, such as \"3 d\"")
KEY_IN(aging_cool_time, aging_in, cool_time, CT_DIM_TIME, false, 0.0, 7 * DAY_S,
       "a duration from 0 to 7 d, such as \"1 d\"")
KEY_IN(aging_rt_temp, aging_in, rt_temp, CT_DIM_TEMPERATURE, false, 15.0, 35.0,
       "a temperature from 15 C to 35 C, such as \"25 C\"")
KEY_IN(aging_rt_time, aging_in, rt_time, CT_DIM_TIME, false, HOUR_S, 60 * DAY_S,
       "a duration from 1 h to 60 d, such as \"6 d\"")
KEY_IN(aging_temp_sd, aging_in, temp_sd, CT_DIM_TEMPERATURE, true, 0.0, 5.0,
       "a temperature difference from 0 to 5 K, such as \"0.5 K\"")
KEY_IN(aging_ocv_noise, aging_in, ocv_noise, CT_DIM_VOLTAGE, false, 0.0, 0.1,
       "a voltage from 0 to 100 mV, such as \"0.02 mV\"")
KEY_IN(aging_thermo_noise, aging_in, thermo_noise, CT_DIM_TEMPERATURE, true, 0.0, 5.0,
       "a temperature difference from 0 to 5 K, such as \"0.2 K\"")

static ct_status aging_compensate(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_bool(y, v, &((aging_in *)obj)->compensate);
}

static ct_status aging_rework_limit(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_int(y, v, 0, 100, "an integer from 0 to 100",
                            &((aging_in *)obj)->rework_limit);
}

static ct_status screen_method(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    const char *s = cti_yaml_scalar(v);
    if (!s || ct_outlier_method_parse(s, &((aging_in *)obj)->outlier.method) != CT_OK)
        return cti_yaml_fail_expected(y, v, "mad or sigma");
    return CT_OK;
}

KEY_IN(screen_threshold, aging_in, outlier.threshold, CT_DIM_NONE, false, 1.0, 20.0,
       "a number from 1 to 20, such as 3.5 (Iglewicz and Hoaglin)")

static ct_status screen_min_cells(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_int(y, v, 3, 1000000, "an integer from 3 to 1000000",
                            &((aging_in *)obj)->min_cells);
}

static const cti_yaml_key screen_keys[] = {
    { "method", false, "mad or sigma", screen_method },
    { "threshold", false, "a number", screen_threshold },
    { "min_cells", false, "an integer >= 3", screen_min_cells },
};

static ct_status aging_screen(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    aging_in *in = obj;
    cti_yaml_walk w;
    in->screen = true;
    /* `screen: {}` or `screen:` alone: every screen key at its default */
    if (!v->node || cti_yaml_is_null(v->node))
        return CT_OK;
    return cti_yaml_walk_mapping(y, v, screen_keys, CTI_YAML_N_KEYS(screen_keys), in, &w);
}

static const cti_yaml_key aging_keys[] = {
    { "chemistry", false, "lfp or nmc811", key_chemistry },
    { "ht_temperature", false, "a temperature", aging_ht_temp },
    { "ht_time", false, "a duration", aging_ht_time },
    { "cool_time", false, "a duration", aging_cool_time },
    { "rt_temperature", false, "a temperature", aging_rt_temp },
    { "rt_time", false, "a duration", aging_rt_time },
    { "reading_temperature_sd", false, "a temperature difference", aging_temp_sd },
    { "ocv_noise", false, "a voltage", aging_ocv_noise },
    { "thermometer_noise", false, "a temperature difference", aging_thermo_noise },
    { "temperature_compensation", false, "true or false", aging_compensate },
    { "screen", false, "{method, threshold, min_cells}", aging_screen },
    { "rework_limit", false, "an integer", aging_rework_limit },
};

static ct_status aging_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                             void **params)
{
    aging_params *P = calloc(1, sizeof *P);
    if (!P)
        return cti_yaml_fail_nomem(y);
    *params = P;
    aging_in in = { { CT_CHEM_LFP, v->loc }, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET,
                    true, false, { CT_OUTLIER_MAD, 3.5, 20 }, 10, DEFAULT_REWORK_LIMIT };
    ct_outlier_options_init(&in.outlier);
    cti_yaml_walk w;
    bool walked;
    ct_status rc = walk(y, v, aging_keys, CTI_YAML_N_KEYS(aging_keys), &in, &w, &walked);
    if (rc != CT_OK)
        return rc;

    P->chem = in.chem;
    cti_aging_params *m = &P->m;
    cti_aging_params_init(m, in.chem.chem);
    set_if(&m->ht_temp_c, in.ht_temp);
    set_if(&m->ht_time_s, in.ht_time);
    set_if(&m->cool_time_s, in.cool_time);
    set_if(&m->rt_temp_c, in.rt_temp);
    set_if(&m->rt_time_s, in.rt_time);
    set_if(&m->reading_temp_sd_c, in.temp_sd);
    set_if(&m->ocv_meter.sd, in.ocv_noise);
    set_if(&m->thermometer.sd, in.thermo_noise);
    P->compensate = in.compensate;
    P->screen = in.screen;
    P->outlier = in.outlier;
    P->min_cells = (int)in.min_cells;
    P->rework_limit = (int)in.rework_limit;
    P->batch = st->batch_size > 0 ? st->batch_size : 1;
    if (P->screen && P->batch < P->min_cells) {
        char kp[CTI_YAML_PATH_MAX];
        cti_yaml_join_key(kp, sizeof kp, v->path, "screen");
        return cti_yaml_fail(y, key_loc(&w, walked, "screen", v->loc), kp,
                             "expected a shelf of at least min_cells = %d cells (the screen "
                             "compares the cells of one job), but the station's batch size "
                             "is %d",
                             P->min_cells, P->batch);
    }
    ct_error err;
    ct_error_clear(&err);
    return model_check(y, v, cti_aging_params_check(m, &err), &err);
}

/* Scratch for one shelf's k-values, sized by the batch, and the memos
 * kept from cell to cell. */
typedef struct aging_state {
    int cap;
    double *k;
    int *slot;               /* the job's unit index of each k */
    cti_soc_memo memo;       /* the start SOCs (cti_aging) */
    cti_soc_memo readings;   /* the SOCs of the tester's first readings (measured_k) */
} aging_state;

static void aging_state_destroy(void *state)
{
    aging_state *s = state;
    if (!s)
        return;
    free(s->k);
    free(s->slot);
    free(s);
}

static void *aging_state_create(const void *params)
{
    const aging_params *P = params;
    aging_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cap = P->batch;
    cti_soc_memo_init(&s->memo, P->m.chemistry);
    cti_soc_memo_init(&s->readings, P->m.chemistry);
    s->k = malloc((size_t)s->cap * sizeof *s->k);
    s->slot = malloc((size_t)s->cap * sizeof *s->slot);
    if (!s->k || !s->slot) {
        aging_state_destroy(s);
        return NULL;
    }
    return s;
}

static double aging_start(cti_job *job)
{
    const cti_aging_params *m = &((const aging_params *)job->params)->m;
    return m->ht_time_s + m->cool_time_s + m->rt_time_s;
}

/* The tester's k-value from its two readings, V/s: with compensation the
 * OCVs are referred to 25 C with dU/dT of the curve at the first reading's
 * SOC, and the rate to 25 C by the self-discharge's Arrhenius law at the
 * readings' mean temperature (screening.h). */
static double measured_k(const aging_params *P, aging_state *s, const cti_aging_result *r)
{
    ct_ocv_pair pair = { r->r1.ocv_v, r->r1.t_h, r->r1.temp_c,
                         r->r2.ocv_v, r->r2.t_h, r->r2.temp_c };
    ct_kvalue_options opt;
    ct_kvalue_options_init(&opt);
    if (P->compensate) {
        opt.curve = ct_ocv_curve_builtin(P->m.chemistry);
        opt.ea_j_per_mol = P->m.self_discharge.ea_j_per_mol;
        /* The curve's dU/dT at the reading's SOC, given as the coefficient:
         * the value ct_kvalue_compute would find, with the inversion from
         * the memo (the readings are rounded, so they repeat). A non-finite
         * reading takes ct_kvalue_compute's path, and its error. */
        if (isfinite(pair.ocv1_v) && isfinite(pair.temp1_c)) {
            opt.dudt_v_per_k = ct_ocv_dudt(opt.curve, cti_soc_of_ocv(&s->readings, P->m.chemistry,
                                                                     pair.ocv1_v, pair.temp1_c));
            opt.curve = NULL;
        }
    }
    ct_kvalue k;
    ct_error err;
    if (ct_kvalue_compute(&pair, &opt, &k, &err) != CT_OK)
        return r->k_v_per_s;   /* the readings are finite; kept for safety */
    return (P->compensate ? k.comp_mv_per_day : k.raw_mv_per_day) / MV_PER_DAY_PER_V_PER_S;
}

static void aging_finish(cti_job *job)
{
    const aging_params *P = job->params;
    aging_state *s = job->state;
    int n = 0;
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        if (!c)
            continue;
        if (c->reworks > P->rework_limit) {
            cti_job_scrap(job, i, "rework limit");
            continue;
        }
        cti_aging_result r;
        ct_error err;
        if (cti_aging(&P->m, &s->memo, c->attr, job->rng, &r, &err) != CT_OK) {
            /* no capacity: the line has no formation before this shelf */
            cti_job_scrap(job, i, "not formed");
            continue;
        }
        c->attr[CTI_C_K_VALUE] = (float)measured_k(P, s, &r);
        if (n < s->cap) {
            s->k[n] = c->attr[CTI_C_K_VALUE];
            s->slot[n++] = i;
        }
    }
    if (!P->screen || n < P->min_cells)
        return;
    /* The review: errors are outliers at the edge of the distribution.
     * Only the high side is a fault (a fast-discharging cell). */
    ct_outliers o;
    ct_outliers_init(&o);
    ct_error err;
    if (ct_outliers_compute(s->k, (size_t)n, &P->outlier, &o, &err) != CT_OK)
        return;   /* out of memory: this shelf goes unscreened */
    for (int j = 0; j < n; j++) {
        if (!o.outlier[j] || !(o.z[j] > 0))
            continue;
        cti_cell *c = cti_job_cell(job, s->slot[j]);
        c->found |= c->defects;
        cti_job_scrap(job, s->slot[j], CTI_CAUSE_SD_OUTLIER);
    }
    ct_outliers_clear(&o);
}

static ct_status aging_check(cti_yaml_ctx *y, cti_station *st, const ct_factory *f)
{
    return check_chemistry(y, st, f);
}

/* ------------------------------------------------------------------ */
/* grader: OCV, IR, DCIR readings and grade bins                       */
/* ------------------------------------------------------------------ */

typedef struct grader_params {
    chem_choice chem;        /* first (check_chemistry) */
    cti_grading_params m;
    ct_grade_bins bins;      /* empty: no sorting */
    bool off_grade_rework;   /* off-grade cells keep grade 0 for a rework gate */
    cti_yaml_loc off_grade_loc;
    double time_s;           /* UNSET: the station's process_time */
} grader_params;

typedef struct grader_in {
    chem_choice chem;        /* first (key_chemistry) */
    double temp, temp_sd, time, ocv_noise, ir_noise, dcir_noise, cap_noise;
    grader_params *out;      /* bins are read into it directly */
} grader_in;

KEY_IN(grader_temp, grader_in, temp, CT_DIM_TEMPERATURE, false, 10.0, 45.0,
       "a temperature from 10 C to 45 C, such as \"25 C\"")
KEY_IN(grader_temp_sd, grader_in, temp_sd, CT_DIM_TEMPERATURE, true, 0.0, 5.0,
       "a temperature difference from 0 to 5 K, such as \"1 K\"")
KEY_IN(grader_time, grader_in, time, CT_DIM_TIME, false, 0.0, DAY_S,
       "a duration from 0 to 1 d, such as \"20 s\"")
KEY_IN(grader_ocv_noise, grader_in, ocv_noise, CT_DIM_VOLTAGE, false, 0.0, 0.1,
       "a voltage from 0 to 100 mV, such as \"0.02 mV\"")
KEY_IN(grader_ir_noise, grader_in, ir_noise, CT_DIM_RESISTANCE, false, 0.0, 1.0,
       "a resistance from 0 to 1 ohm, such as \"0.002 mohm\"")
KEY_IN(grader_dcir_noise, grader_in, dcir_noise, CT_DIM_RESISTANCE, false, 0.0, 1.0,
       "a resistance from 0 to 1 ohm, such as \"0.005 mohm\"")
KEY_IN(grader_cap_noise, grader_in, cap_noise, CT_DIM_CHARGE, false, 0.0, 100.0,
       "a charge from 0 to 100 Ah, such as \"0.1 Ah\"")

static ct_status grader_off_grade(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    grader_in *in = obj;
    const char *s = cti_yaml_scalar(v);
    if (s && !strcmp(s, "scrap"))
        in->out->off_grade_rework = false;
    else if (s && !strcmp(s, "rework"))
        in->out->off_grade_rework = true;
    else
        return cti_yaml_fail_expected(y, v, "scrap or rework");
    in->out->off_grade_loc = v->loc;
    return CT_OK;
}

/* One bin as written: its limits go straight into a ct_grade_bin, in the
 * screening library's units (Ah, mohm, V, mV/day). */
typedef struct bin_in {
    ct_grade_bin bin;
    int n_ranges;
} bin_in;

typedef struct range_acc {
    ct_dim dim;
    double scale;            /* base unit -> the bin's unit */
    const char *expect;
    double bound[2];
} range_acc;

static ct_status range_item(cti_yaml_ctx *y, const cti_yaml_value *item, int i, void *obj)
{
    range_acc *r = obj;
    if (cti_yaml_is_null(item->node))
        return CT_OK;   /* open bound */
    double x;
    ct_status st =
        cti_yaml_get_quantity_ex(y, item, r->dim, true, false, CTI_YAML_ANY, r->expect, &x);
    if (st == CT_OK)
        r->bound[i] = x * r->scale;
    return st;
}

/* A range [MIN, MAX] of one attribute; null is an open bound. */
static ct_status get_range(cti_yaml_ctx *y, const cti_yaml_value *v, bin_in *b,
                           ct_grade_attr a, ct_dim dim, double scale, const char *expect)
{
    int n;
    ct_status st = cti_yaml_get_list(y, v, 2, expect, "bounds", &n);
    if (st != CT_OK)
        return st;
    if (n != 2)
        return cti_yaml_fail_expected(y, v, expect);
    range_acc r = { dim, scale, expect, { NAN, NAN } };
    if ((st = cti_yaml_walk_list(y, v, range_item, &r)) != CT_OK)
        return st;
    if (isnan(r.bound[0]) && isnan(r.bound[1]))
        return cti_yaml_fail(y, v->loc, v->path,
                             "expected at least one bound (a range of two nulls limits "
                             "nothing: leave the key out)");
    if (!isnan(r.bound[0]) && !isnan(r.bound[1]) && !(r.bound[0] < r.bound[1]))
        return cti_yaml_fail(y, v->loc, v->path, "expected MIN below MAX, got [%g, %g] %s",
                             r.bound[0] / scale, r.bound[1] / scale, ct_dim_base_unit(dim));
    b->bin.min[a] = r.bound[0];
    b->bin.max[a] = r.bound[1];
    b->n_ranges++;
    return CT_OK;
}

static ct_status bin_name(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    bin_in *b = obj;
    const char *s = cti_yaml_scalar(v);
    if (!s || !s[0] || strlen(s) >= sizeof b->bin.name)
        return cti_yaml_fail_expected(y, v, "a bin name of 1 to 31 characters, such as A");
    memcpy(b->bin.name, s, strlen(s) + 1);
    return CT_OK;
}

static ct_status bin_capacity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_range(y, v, obj, CT_GRADE_CAPACITY_AH, CT_DIM_CHARGE, 1.0,
                     "a range [MIN, MAX] of charges (null: open), such as [148 Ah, null]");
}

static ct_status bin_ir(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_range(y, v, obj, CT_GRADE_IR_MOHM, CT_DIM_RESISTANCE, 1e3,
                     "a range [MIN, MAX] of resistances (null: open), such as [null, 0.5 mohm]");
}

static ct_status bin_ocv(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_range(y, v, obj, CT_GRADE_OCV_V, CT_DIM_VOLTAGE, 1.0,
                     "a range [MIN, MAX] of voltages (null: open), such as [3.0 V, 3.2 V]");
}

static ct_status bin_k(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_range(y, v, obj, CT_GRADE_K_MV_PER_DAY, CT_DIM_VOLTAGE_RATE,
                     MV_PER_DAY_PER_V_PER_S,
                     "a range [MIN, MAX] of voltage drift rates (null: open), such as "
                     "[null, 5 mV/wk]");
}

static const cti_yaml_key bin_keys[] = {
    { "name", true, "a bin name such as A", bin_name },
    { "capacity", false, "a range of charges", bin_capacity },
    { "ir", false, "a range of resistances", bin_ir },
    { "ocv", false, "a range of voltages", bin_ocv },
    { "k_value", false, "a range of voltage drift rates", bin_k },
};

/* Do two bins share more than an edge in every attribute? */
static bool bins_overlap(const ct_grade_bin *a, const ct_grade_bin *b)
{
    for (int i = 0; i < CT_GRADE__COUNT; i++) {
        double lo = fmax(isnan(a->min[i]) ? -INFINITY : a->min[i],
                         isnan(b->min[i]) ? -INFINITY : b->min[i]);
        double hi = fmin(isnan(a->max[i]) ? INFINITY : a->max[i],
                         isnan(b->max[i]) ? INFINITY : b->max[i]);
        if (!(lo < hi))
            return false;
    }
    return true;
}

static ct_status bin_item(cti_yaml_ctx *y, const cti_yaml_value *item, int i, void *obj)
{
    grader_in *in = obj;
    ct_grade_bins *bins = &in->out->bins;
    bin_in b;
    memset(&b, 0, sizeof b);
    ct_grade_bin_open(&b.bin, "");
    cti_yaml_walk w;
    ct_status st = cti_yaml_walk_mapping(y, item, bin_keys, CTI_YAML_N_KEYS(bin_keys), &b, &w);
    if (st != CT_OK)
        return st;
    if (b.n_ranges == 0)
        return cti_yaml_fail(y, item->loc, item->path,
                             "expected at least one of capacity, ir, ocv, k_value");
    for (size_t j = 0; j < bins->n; j++) {
        const ct_grade_bin *o = &bins->items[j];
        if (!strcmp(o->name, b.bin.name))
            return cti_yaml_fail(y, item->loc, item->path,
                                 "expected a unique bin name, but \"%s\" is also bins[%zu]",
                                 b.bin.name, j);
        if (bins_overlap(o, &b.bin))
            return cti_yaml_fail(y, item->loc, item->path,
                                 "overlaps bins[%zu] (\"%s\"): a cell could fall in both; "
                                 "expected bins that do not overlap (they may share an edge, "
                                 "which goes to the earlier bin)",
                                 j, o->name);
    }
    ct_error err;
    ct_error_clear(&err);
    st = ct_grade_bins_add(bins, &b.bin, &err);
    if (st == CT_ERR_NOMEM)
        return cti_yaml_fail_nomem(y);
    if (st != CT_OK)
        return cti_yaml_fail(y, item->loc, item->path, "%s", err.msg);
    (void)i;
    return CT_OK;
}

static ct_status grader_bins(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    int n;
    ct_status st = cti_yaml_get_list(y, v, CT_GRADE_MAX_BINS,
                                     "a list of bins {name, capacity, ir, ocv, k_value}", "bins",
                                     &n);
    if (st != CT_OK)
        return st;
    return cti_yaml_walk_list(y, v, bin_item, obj);
}

static const cti_yaml_key grader_keys[] = {
    { "chemistry", false, "lfp or nmc811", key_chemistry },
    { "temperature", false, "a temperature", grader_temp },
    { "temperature_sd", false, "a temperature difference", grader_temp_sd },
    { "time", false, "a duration", grader_time },
    { "ocv_noise", false, "a voltage", grader_ocv_noise },
    { "ir_noise", false, "a resistance", grader_ir_noise },
    { "dcir_noise", false, "a resistance", grader_dcir_noise },
    { "capacity_noise", false, "a charge", grader_cap_noise },
    { "bins", false, "a list of bins", grader_bins },
    { "off_grade", false, "scrap or rework", grader_off_grade },
};

static ct_status grader_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                              void **params)
{
    (void)st;
    grader_params *P = calloc(1, sizeof *P);
    if (!P)
        return cti_yaml_fail_nomem(y);
    *params = P;
    ct_grade_bins_init(&P->bins);
    P->off_grade_loc = v->loc;
    grader_in in = { { CT_CHEM_LFP, v->loc }, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, P };
    cti_yaml_walk w;
    bool walked;
    ct_status rc = walk(y, v, grader_keys, CTI_YAML_N_KEYS(grader_keys), &in, &w, &walked);
    if (rc != CT_OK)
        return rc;
    P->chem = in.chem;
    cti_grading_params *m = &P->m;
    cti_grading_params_init(m, in.chem.chem);
    set_if(&m->temp_c, in.temp);
    set_if(&m->temp_sd_c, in.temp_sd);
    set_if(&m->ocv_meter.sd, in.ocv_noise);
    set_if(&m->ir_meter.sd, in.ir_noise);
    set_if(&m->dcir_meter.sd, in.dcir_noise);
    set_if(&m->capacity_meter.sd, in.cap_noise);
    P->time_s = in.time;
    if (P->off_grade_rework && P->bins.n == 0) {
        char kp[CTI_YAML_PATH_MAX];
        cti_yaml_join_key(kp, sizeof kp, v->path, "off_grade");
        return cti_yaml_fail(y, P->off_grade_loc, kp,
                             "expected bins: off_grade says what happens to cells that fit no "
                             "bin");
    }
    ct_error err;
    ct_error_clear(&err);
    return model_check(y, v, cti_grading_params_check(m, &err), &err);
}

static void grader_free(void *params)
{
    grader_params *P = params;
    if (!P)
        return;
    ct_grade_bins_clear(&P->bins);
    free(P);
}

static double grader_start(cti_job *job)
{
    double t = ((const grader_params *)job->params)->time_s;
    return isnan(t) ? -1.0 : t;
}

/* The grader's state: the SOC memo of cti_grading. */
static void *grader_state_create(const void *params)
{
    const grader_params *P = params;
    cti_soc_memo *m = malloc(sizeof *m);
    if (m)
        cti_soc_memo_init(m, P->m.chemistry);
    return m;
}

static void grader_finish(cti_job *job)
{
    const grader_params *P = job->params;
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        if (!c)
            continue;
        cti_grading_readings r;
        cti_grading(&P->m, job->state, c->attr, job->rng, &r);
        c->attr[CTI_C_OCV] = (float)r.ocv_v;
        c->attr[CTI_C_IR] = (float)r.ir_ohm;
        c->attr[CTI_C_DCIR] = (float)r.dcir_ohm;
        if (P->bins.n == 0)
            continue;
        double value[CT_GRADE__COUNT] = {
            [CT_GRADE_CAPACITY_AH] = r.capacity_ah,
            [CT_GRADE_IR_MOHM] = r.ir_ohm * 1e3,
            [CT_GRADE_OCV_V] = r.ocv_v,
            [CT_GRADE_K_MV_PER_DAY] = c->attr[CTI_C_K_VALUE] * MV_PER_DAY_PER_V_PER_S,
        };
        int g = ct_grade_cell(&P->bins, value);
        c->attr[CTI_C_GRADE] = (float)(g + 1);
        if (g < 0 && !P->off_grade_rework)
            cti_job_scrap(job, i, "off-grade");
    }
}

/* off_grade: rework leaves grade 0 to a gate of the control plan, which
 * alone can send a cell back; without one the cells would leave as good. */
static ct_status grader_check(cti_yaml_ctx *y, cti_station *st, const ct_factory *f)
{
    ct_status rc = check_chemistry(y, st, f);
    if (rc != CT_OK)
        return rc;
    const grader_params *P = st->kind_params;
    if (!P->off_grade_rework)
        return CT_OK;
    int idx = station_index(st, f);
    for (int g = 0; g < f->n_gates; g++) {
        const cti_gate *gate = &f->gates[g];
        if (gate->station == idx && gate->on_cell && gate->attr == CTI_C_GRADE &&
            gate->action == CTI_GATE_REWORK)
            return CT_OK;
    }
    char path[CTI_YAML_PATH_MAX];
    snprintf(path, sizeof path, "stations[%d].process.off_grade", idx);
    return cti_yaml_fail(y, P->off_grade_loc, path,
                         "expected a control_plan gate that reworks off-grade cells, such as "
                         "{name: regrade, station: %s, attribute: grade, lsl: 1, on_fail: rework, "
                         "rework_to: STATION}; without one they leave the line as good",
                         st->name);
}

/* ------------------------------------------------------------------ */
/* finisher: PET wrapping, final checks, sorting                       */
/* ------------------------------------------------------------------ */

enum { FIN_T_WRAP, FIN_T_CHECK, FIN_T_SORT, FIN_T__COUNT };

typedef struct finisher_params {
    double t[FIN_T__COUNT];     /* UNSET: not written */
    double time_s;              /* their sum, or UNSET: the station's process_time */
    double thickness_m;         /* cell before wrapping */
    double thickness_sd_m;      /* cell to cell */
    double tape_m;              /* one layer of PET tape */
} finisher_params;

KEY_IN(fin_t0, finisher_params, t[FIN_T_WRAP], CT_DIM_TIME, false, 0.0, DAY_S, STEP_TIME)
KEY_IN(fin_t1, finisher_params, t[FIN_T_CHECK], CT_DIM_TIME, false, 0.0, DAY_S, STEP_TIME)
KEY_IN(fin_t2, finisher_params, t[FIN_T_SORT], CT_DIM_TIME, false, 0.0, DAY_S, STEP_TIME)
KEY_IN(fin_thickness, finisher_params, thickness_m, CT_DIM_LENGTH, false, 1e-3, 0.5,
       "a length from 1 mm to 500 mm, such as \"54 mm\"")
KEY_IN(fin_thickness_sd, finisher_params, thickness_sd_m, CT_DIM_LENGTH, false, 0.0, 10e-3,
       "a length from 0 to 10 mm, such as \"0.1 mm\"")
KEY_IN(fin_tape, finisher_params, tape_m, CT_DIM_LENGTH, false, 0.0, 1e-3,
       "a length from 0 to 1 mm, such as \"0.1 mm\"")

static const cti_yaml_key finisher_keys[] = {
    { "wrap_time", false, "a duration", fin_t0 },
    { "check_time", false, "a duration", fin_t1 },
    { "sort_time", false, "a duration", fin_t2 },
    { "thickness", true, "the cell's thickness before wrapping, such as \"54 mm\"",
      fin_thickness },
    { "thickness_sd", false, "a length", fin_thickness_sd },
    { "tape_thickness", false, "a length", fin_tape },
};

static ct_status finisher_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                                void **params)
{
    (void)st;
    finisher_params *P = calloc(1, sizeof *P);
    if (!P)
        return cti_yaml_fail_nomem(y);
    *params = P;
    for (int i = 0; i < FIN_T__COUNT; i++)
        P->t[i] = UNSET;
    P->tape_m = 0.1e-3;   /* assumption: docs/kinds-finishing.md */
    /* thickness is required: the mapping is walked even when absent, so
     * the message names what is missing */
    cti_yaml_walk w;
    ct_status rc =
        cti_yaml_walk_mapping(y, v, finisher_keys, CTI_YAML_N_KEYS(finisher_keys), P, &w);
    P->time_s = time_sum(P->t, FIN_T__COUNT);
    return rc;
}

static double finisher_start(cti_job *job)
{
    double t = ((const finisher_params *)job->params)->time_s;
    return isnan(t) ? -1.0 : t;
}

static void finisher_finish(cti_job *job)
{
    const finisher_params *P = job->params;
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        if (!c)
            continue;
        double z = cti_std_normal(job->rng);   /* drawn always: streams stay aligned */
        c->attr[CTI_C_THICKNESS] =
            (float)(P->thickness_m + P->thickness_sd_m * z + 2.0 * P->tape_m);
    }
}

/* ------------------------------------------------------------------ */
/* The tables                                                          */
/* ------------------------------------------------------------------ */

static void soaking_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const cti_formation_params *m = &((const soaking_params *)params)->m;
    emit_qty(emit, ctx, "temperature", m->soak_temp_c, CT_DIM_TEMPERATURE);
    emit_qty(emit, ctx, "time", m->soak_time_s, CT_DIM_TIME);
    emit_qty(emit, ctx, "wetted_after_filling", m->wetted_after_filling, CT_DIM_NONE);
    emit_qty(emit, ctx, "wetting_time_constant", m->wetting_tau_s, CT_DIM_TIME);
}

const cti_kind cti_kind_soaking = {
    .name = "soaking",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = soaking_parse,
    .free_params = free,
    .start = soaking_start,
    .finish = soaking_finish,
    .describe = soaking_describe,
};

static void formation_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const formation_params *P = params;
    const cti_formation_params *m = &P->m;
    cti_pk_emit_word(emit, ctx, "", "chemistry", ct_chemistry_name(P->chem.chem));
    emit_qty(emit, ctx, "time", m->formation_time_s, CT_DIM_TIME);
    emit_qty(emit, ctx, "cathode_specific_capacity", m->cathode_specific_ah_kg,
             CT_DIM_SPECIFIC_CHARGE);
    emit_qty(emit, ctx, "anode_specific_capacity", m->anode_specific_ah_kg, CT_DIM_SPECIFIC_CHARGE);
    emit_qty(emit, ctx, "first_cycle_efficiency", m->first_cycle_efficiency, CT_DIM_NONE);
    emit_qty(emit, ctx, "end_soc", m->end_soc, CT_DIM_NONE);
    emit_qty(emit, ctx, "fixture_pressure", m->fixture_pressure_pa, CT_DIM_PRESSURE);
    emit_qty(emit, ctx, "short_pressure", m->short_pressure_ref_pa, CT_DIM_PRESSURE);
    emit_qty(emit, ctx, "short_min", m->short_min_ohm, CT_DIM_RESISTANCE);
    emit_qty(emit, ctx, "short_max", m->short_max_ohm, CT_DIM_RESISTANCE);
    emit_qty(emit, ctx, "ir", m->resistance.ohmic_ohm, CT_DIM_RESISTANCE);
    emit_qty(emit, ctx, "dcir", m->resistance.ohmic_ohm + m->resistance.polarization_ohm,
             CT_DIM_RESISTANCE);
    emit_qty(emit, ctx, "self_discharge_per_month", m->self_discharge.base_frac_per_month,
             CT_DIM_NONE);
    emit_qty(emit, ctx, "self_discharge_scatter", m->self_discharge_sigma_ln, CT_DIM_NONE);
    emit_qty(emit, ctx, "cathode_efficiency", m->cathode_efficiency, CT_DIM_NONE);
    emit_qty(emit, ctx, "wetted_after_filling", m->wetted_after_filling, CT_DIM_NONE);
}

const cti_kind cti_kind_formation = {
    .name = "formation",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = formation_parse,
    .free_params = free,
    .start = formation_start,
    .finish = formation_finish,
    .check = check_chemistry,
    .describe = formation_describe,
};

static void degassing_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const degassing_params *P = params;
    static const char *const steps[DEGAS_T__COUNT] = { "degassing_time", "refill_time",
                                                       "cleaning_time", "sealing_time" };
    emit_steps(emit, ctx, steps, P->t, DEGAS_T__COUNT);
    emit_qty(emit, ctx, "refill_mass", P->refill_kg, CT_DIM_MASS);
}

const cti_kind cti_kind_degassing = {
    .name = "degassing",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = degassing_parse,
    .free_params = free,
    .start = degassing_start,
    .finish = degassing_finish,
    .describe = degassing_describe,
};

static void aging_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const aging_params *P = params;
    const cti_aging_params *m = &P->m;
    cti_pk_emit_word(emit, ctx, "", "chemistry", ct_chemistry_name(P->chem.chem));
    emit_qty(emit, ctx, "ht_temperature", m->ht_temp_c, CT_DIM_TEMPERATURE);
    emit_qty(emit, ctx, "ht_time", m->ht_time_s, CT_DIM_TIME);
    emit_qty(emit, ctx, "cool_time", m->cool_time_s, CT_DIM_TIME);
    emit_qty(emit, ctx, "rt_temperature", m->rt_temp_c, CT_DIM_TEMPERATURE);
    emit_qty(emit, ctx, "rt_time", m->rt_time_s, CT_DIM_TIME);
    emit_diff(emit, ctx, "reading_temperature_sd", m->reading_temp_sd_c);
    emit_qty(emit, ctx, "ocv_noise", m->ocv_meter.sd, CT_DIM_VOLTAGE);
    emit_diff(emit, ctx, "thermometer_noise", m->thermometer.sd);
    cti_pk_emit_bool(emit, ctx, "", "temperature_compensation", P->compensate);
    if (P->screen) {
        cti_pk_emit_word(emit, ctx, "", "screen.method", ct_outlier_method_name(P->outlier.method));
        cti_pk_emit_qty(emit, ctx, "screen.", "threshold", P->outlier.threshold, CT_DIM_NONE,
                        false);
        cti_pk_emit_int(emit, ctx, "screen.", "min_cells", P->min_cells);
    }
    cti_pk_emit_int(emit, ctx, "", "rework_limit", P->rework_limit);
}

const cti_kind cti_kind_aging = {
    .name = "aging",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = aging_parse,
    .free_params = free,
    .state_create = aging_state_create,
    .state_destroy = aging_state_destroy,
    .start = aging_start,
    .finish = aging_finish,
    .check = aging_check,
    .describe = aging_describe,
};

static const char *grader_grade_name(const void *params, int g)
{
    const grader_params *P = params;
    return g >= 1 && (size_t)g <= P->bins.n ? P->bins.items[g - 1].name : NULL;
}

/* A bin's range of one attribute as written: "[148 Ah, null]"; the bin
 * holds it in the screening library's unit (scale: base unit -> it). */
static void emit_range(cti_param_emit emit, void *ctx, const char *key, const ct_grade_bin *b,
                       ct_grade_attr a, ct_dim dim, double scale)
{
    if (isnan(b->min[a]) && isnan(b->max[a]))
        return;
    char text[128], bound[2][48];
    const double x[2] = { b->min[a], b->max[a] };
    for (int i = 0; i < 2; i++) {
        if (isnan(x[i]))
            snprintf(bound[i], sizeof bound[i], "null");
        else
            snprintf(bound[i], sizeof bound[i], "%.10g %s", x[i] / scale, ct_dim_base_unit(dim));
    }
    snprintf(text, sizeof text, "[%s, %s]", bound[0], bound[1]);
    emit(ctx, key, text);
}

static void grader_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const grader_params *P = params;
    const cti_grading_params *m = &P->m;
    cti_pk_emit_word(emit, ctx, "", "chemistry", ct_chemistry_name(P->chem.chem));
    emit_qty(emit, ctx, "temperature", m->temp_c, CT_DIM_TEMPERATURE);
    emit_diff(emit, ctx, "temperature_sd", m->temp_sd_c);
    emit_steps(emit, ctx, (const char *const[]){ "time" }, &P->time_s, 1);
    emit_qty(emit, ctx, "ocv_noise", m->ocv_meter.sd, CT_DIM_VOLTAGE);
    emit_qty(emit, ctx, "ir_noise", m->ir_meter.sd, CT_DIM_RESISTANCE);
    emit_qty(emit, ctx, "dcir_noise", m->dcir_meter.sd, CT_DIM_RESISTANCE);
    emit_qty(emit, ctx, "capacity_noise", m->capacity_meter.sd, CT_DIM_CHARGE);
    for (size_t j = 0; j < P->bins.n; j++) {
        const ct_grade_bin *b = &P->bins.items[j];
        char key[48];
        snprintf(key, sizeof key, "bins[%zu].name", j);
        emit(ctx, key, b->name);
        snprintf(key, sizeof key, "bins[%zu].capacity", j);
        emit_range(emit, ctx, key, b, CT_GRADE_CAPACITY_AH, CT_DIM_CHARGE, 1.0);
        snprintf(key, sizeof key, "bins[%zu].ir", j);
        emit_range(emit, ctx, key, b, CT_GRADE_IR_MOHM, CT_DIM_RESISTANCE, 1e3);
        snprintf(key, sizeof key, "bins[%zu].ocv", j);
        emit_range(emit, ctx, key, b, CT_GRADE_OCV_V, CT_DIM_VOLTAGE, 1.0);
        snprintf(key, sizeof key, "bins[%zu].k_value", j);
        emit_range(emit, ctx, key, b, CT_GRADE_K_MV_PER_DAY, CT_DIM_VOLTAGE_RATE,
                   MV_PER_DAY_PER_V_PER_S);
    }
    /* what happens to cells that fit no bin: only with bins */
    if (P->bins.n > 0)
        cti_pk_emit_word(emit, ctx, "", "off_grade", P->off_grade_rework ? "rework" : "scrap");
}

const cti_kind cti_kind_grader = {
    .name = "grader",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = grader_parse,
    .free_params = grader_free,
    .state_create = grader_state_create,
    .state_destroy = free,
    .start = grader_start,
    .finish = grader_finish,
    .check = grader_check,
    .grade_name = grader_grade_name,
    .describe = grader_describe,
};

static void finisher_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const finisher_params *P = params;
    static const char *const steps[FIN_T__COUNT] = { "wrap_time", "check_time", "sort_time" };
    emit_steps(emit, ctx, steps, P->t, FIN_T__COUNT);
    emit_qty(emit, ctx, "thickness", P->thickness_m, CT_DIM_LENGTH);
    emit_qty(emit, ctx, "thickness_sd", P->thickness_sd_m, CT_DIM_LENGTH);
    emit_qty(emit, ctx, "tape_thickness", P->tape_m, CT_DIM_LENGTH);
}

const cti_kind cti_kind_finisher = {
    .name = "finisher",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = finisher_parse,
    .free_params = free,
    .start = finisher_start,
    .finish = finisher_finish,
    .describe = finisher_describe,
};
