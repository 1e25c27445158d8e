/*
 * kinds_dry.c - the station kinds of solvent-free (dry) electrode making:
 * `dry_mixer` (raw-material lots into a powder batch with its PTFE
 * fibrillated, no solvent) and `dry_coater` (powder into a film formed in
 * a calender gap and laminated onto the foil, by the Maxwell route or
 * direct calendering; film breaks and delaminations cut out as scrap, the
 * line stopped to rethread after a break). No drying oven and no NMP
 * recovery: the process energy is the heated rolls' (dry_electrode.h); the
 * machines' drives are the stations' `economics: power`. The calender, slitter and notcher of the wet line
 * take the dry coater's coils as they are. Keys, units and defaults:
 * docs/kinds-electrode.md, "Dry coating".
 */
#include "model/kinds_dry.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/coil_slots.h"
#include "model/dry_electrode.h"
#include "model/electrode.h"
#include "model/kinds_electrode.h"
#include "model/process_keys.h"

#define DRY_SPANS 64
#define MAX_SIDES 2
/* PTFE, handbook density 2.2 g/cm3. */
#define PTFE_DENSITY_KG_M3 2200.0

static const char CAUSE_BREAK[] = "dry film break";
static const char CAUSE_DELAMINATION[] = "delamination";
static const char *const polarity_words[] = { "cathode", "anode", NULL };

/* ======================================================================== */
/* dry_mixer                                                                */
/* ======================================================================== */

typedef struct dry_mixer_params {
    cti_recipe recipe;          /* fractions and densities; the binder is PTFE */
    cti_dry_mix_params mix;
    double dosing_time_s;
    char path[CTI_YAML_PATH_MAX];
} dry_mixer_params;

#define DMX(f) offsetof(dry_mixer_params, f)
static const cti_pkey dry_mixer_keys[] = {
    CTI_PK_CHOICE("polarity", polarity_words, false, "cathode or anode"),
    { "active", "active", CTI_PK_K_QTY, CT_DIM_NONE, CTI_YAML_UNIT, NULL, DMX(recipe.active_frac),
      true, "the active material's share such as \"96 %\"" },
    { "conductive", "conductive", CTI_PK_K_QTY, CT_DIM_NONE, CTI_YAML_UNIT, NULL,
      DMX(recipe.conductive_frac), true, "the conductive agent's share such as \"2 %\"" },
    { "binder", "binder", CTI_PK_K_QTY, CT_DIM_NONE, CTI_YAML_UNIT, NULL,
      DMX(recipe.binder_frac), true, "the PTFE binder's share such as \"2 %\"" },
    CTI_PK_QTY("active_density", NULL, CT_DIM_DENSITY, CTI_YAML_POSITIVE,
               DMX(recipe.active_density_kg_m3)),
    CTI_PK_QTY("binder_density", NULL, CT_DIM_DENSITY, CTI_YAML_POSITIVE,
               DMX(recipe.binder_density_kg_m3)),
    CTI_PK_QTY("batch_mass", NULL, CT_DIM_MASS, CTI_YAML_POSITIVE, DMX(mix.batch_mass_kg)),
    CTI_PK_QTY("speed", NULL, CT_DIM_FREQUENCY, CTI_YAML_NONNEGATIVE, DMX(mix.mixer_speed_hz)),
    CTI_PK_QTY("mixing_time", NULL, CT_DIM_TIME, CTI_YAML_NONNEGATIVE, DMX(mix.mixing_time_s)),
    CTI_PK_QTY("dosing_time", NULL, CT_DIM_TIME, CTI_YAML_NONNEGATIVE, DMX(dosing_time_s)),
    CTI_PK_QTY("temperature", NULL, CT_DIM_TEMPERATURE, CTI_YAML_ANY, DMX(mix.temperature_c)),
    CTI_PK_QTY("fibrillation_revolutions", NULL, CT_DIM_NONE, CTI_YAML_POSITIVE,
               DMX(mix.fibrillation_revs)),
    CTI_PK_QTY("overshear_revolutions", NULL, CT_DIM_NONE, CTI_YAML_POSITIVE,
               DMX(mix.overshear_revs)),
    CTI_PK_QTY("overshear_gain", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, DMX(mix.overshear_gain)),
    CTI_PK_QTY("agglomerate_initial", NULL, CT_DIM_LENGTH, CTI_YAML_NONNEGATIVE,
               DMX(mix.agglomerate_initial_m)),
    CTI_PK_QTY("agglomerate_final", NULL, CT_DIM_LENGTH, CTI_YAML_NONNEGATIVE,
               DMX(mix.agglomerate_final_m)),
    CTI_PK_QTY("dispersion_revolutions", NULL, CT_DIM_NONE, CTI_YAML_POSITIVE,
               DMX(mix.dispersion_revs)),
    CTI_PK_QTY("fibrillation_cv", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, DMX(mix.fibrillation_cv)),
    CTI_PK_QTY("agglomerate_cv", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, DMX(mix.agglomerate_cv)),
};

/* The wet mixer's consumes check with a dry batch: solid content 1, so
 * no solvent entry. */
static void as_mix(const dry_mixer_params *p, cti_mix_params *m)
{
    memset(m, 0, sizeof *m);
    m->batch_mass_kg = p->mix.batch_mass_kg;
    m->solid_content = 1.0;
}

static ct_status dry_mixer_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                                 void **params)
{
    dry_mixer_params *p = cti_pk_new_params(y, sizeof *p, params);
    if (!p)
        return CT_ERR_NOMEM;
    snprintf(p->path, sizeof p->path, "%s", v->path);
    cti_preader r;
    ct_status rc = cti_pk_read(y, v, dry_mixer_keys, CTI_YAML_N_KEYS(dry_mixer_keys), &r);
    if (rc != CT_OK)
        return rc;
    double pol = 0;
    cti_pk_written(&r, "polarity", &pol);
    cti_recipe_default(&p->recipe, pol ? CTI_ANODE : CTI_CATHODE);
    p->recipe.binder_density_kg_m3 = PTFE_DENSITY_KG_M3;
    p->recipe.standing_limit_s = INFINITY;   /* a powder does not settle like a slurry */
    cti_dry_mix_params_default(&p->mix);
    p->dosing_time_s = 15.0 * 60.0;
    cti_pk_apply(&r, p);

    double sum = p->recipe.active_frac + p->recipe.conductive_frac + p->recipe.binder_frac;
    if (!(fabs(sum - 1.0) <= 1e-9))
        return cti_yaml_fail(y, v->loc, v->path,
                             "expected active + conductive + binder = 1, got %.10g", sum);
    if (!(p->recipe.active_frac > 0))
        return cti_yaml_fail(y, v->loc, v->path, "expected an active fraction > 0");
    CTI_PK_CHECKED(y, &r, cti_dry_mix_params_validate(&p->mix, &e_));
    cti_mix_params m;
    as_mix(p, &m);
    return cti_mixer_check_consumes(y, v, st, &p->recipe, &m);
}

static ct_status dry_mixer_check(cti_yaml_ctx *y, cti_station *st, const ct_factory *f)
{
    const dry_mixer_params *p = st->kind_params;
    cti_mix_params m;
    as_mix(p, &m);
    return cti_mixer_check_active(y, st, f, p->path, &p->recipe, &m);
}

static double dry_mixer_start(cti_job *job)
{
    const dry_mixer_params *p = job->params;
    cti_material *m = cti_job_material(job, 0);
    double attr[CTI_M__COUNT];
    cti_dry_mix_batch(&p->mix, job->rng, attr);
    if (m) {
        m->polarity = (uint8_t)p->recipe.polarity;
        for (int a = 0; a < CTI_M__COUNT; a++)
            m->attr[a] = (float)attr[a];
    }
    return p->dosing_time_s + p->mix.mixing_time_s;
}

static void dry_mixer_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const dry_mixer_params *p = params;
    size_t n = CTI_YAML_N_KEYS(dry_mixer_keys);
    cti_pk_emit_choice(emit, ctx, dry_mixer_keys, n, "polarity",
                       p->recipe.polarity == CTI_ANODE ? 1 : 0);
    cti_pk_describe(dry_mixer_keys, n, p, NULL, emit, ctx);
}

const cti_kind cti_kind_dry_mixer = {
    .name = "dry_mixer",
    .input_form = CTI_FORM_ITEM,
    .output_form = CTI_FORM_BATCH,
    .parse = dry_mixer_parse,
    .free_params = free,
    .start = dry_mixer_start,
    .check = dry_mixer_check,
    .describe = dry_mixer_describe,
};

/* ======================================================================== */
/* dry_coater                                                               */
/* ======================================================================== */

typedef struct dry_coater_params {
    cti_dry_coat_params coat;   /* resolved in check: defaults of method and polarity + keys */
    double coil_length_m;
    int sides;
    int servers;
    cti_recipe recipe;
    double solids_density_kg_m3;
    double powder_per_coil_kg;
    double break_spacing_m, delamination_spacing_m;  /* 1 / the base hazards */
    /* parse state kept for check */
    cti_preader r;
    cti_yaml_value process;     /* path points at path below; node not kept */
    char path[CTI_YAML_PATH_MAX];
    bool has_polarity;
    cti_polarity polarity;
    cti_dry_method method;
    bool consumes_written;
    bool checked;
    bool from_mixer;            /* the recipe (and polarity) come from a dry mixer */
} dry_coater_params;

static const char *const method_words[] = { "maxwell", "direct_calendering", NULL };

#define DCT(f) offsetof(dry_coater_params, coat.f)
#define DCP(f) offsetof(dry_coater_params, f)
static const cti_pkey dry_coater_keys[] = {
    CTI_PK_CHOICE("method", method_words, false, "maxwell or direct_calendering"),
    CTI_PK_CHOICE("polarity", polarity_words, false, "cathode or anode"),
    { "coil_length", NULL, CTI_PK_K_QTY, CT_DIM_LENGTH, CTI_YAML_POSITIVE, NULL,
      DCP(coil_length_m), true, "the length of each coil, such as \"3000 m\"" },
    { "loading", NULL, CTI_PK_K_QTY, CT_DIM_AREAL_MASS, CTI_YAML_POSITIVE, NULL,
      DCT(loading_kg_m2), true, "the areal loading per side, such as \"20 mg/cm2\"" },
    CTI_PK_INT("sides", DCP(sides)),
    CTI_PK_INT("lanes", CTI_PK_NOFF),
    CTI_PK_QTY("width", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, DCT(width_m)),
    CTI_PK_QTY("max_width", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, DCT(max_width_m)),
    CTI_PK_QTY("lane_width", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, DCT(lane_width_m)),
    CTI_PK_QTY("speed", NULL, CT_DIM_SPEED, CTI_YAML_POSITIVE, DCT(speed_m_s)),
    CTI_PK_QTY("max_speed", NULL, CT_DIM_SPEED, CTI_YAML_POSITIVE, DCT(max_speed_m_s)),
    CTI_PK_QTY("loading_cv", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, DCT(loading_cv_coil)),
    CTI_PK_QTY("loading_cv_within", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE,
               DCT(loading_cv_within)),
    CTI_PK_QTY("porosity", NULL, CT_DIM_NONE, CTI_YAML_FRACTION, DCT(porosity)),
    CTI_PK_QTY("porosity_sd", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, DCT(porosity_sd)),
    CTI_PK_QTY("roll_temperature", NULL, CT_DIM_TEMPERATURE, CTI_YAML_ANY, DCT(roll_temp_c)),
    CTI_PK_QTY("heater_power", NULL, CT_DIM_POWER, CTI_YAML_NONNEGATIVE, DCT(heater_power_w)),
    CTI_PK_QTY("heating_efficiency", NULL, CT_DIM_NONE, CTI_YAML_FRACTION,
               DCT(heating_efficiency)),
    CTI_PK_QTY("break_spacing", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, DCP(break_spacing_m)),
    CTI_PK_QTY("fibrillation_ref", NULL, CT_DIM_NONE, CTI_YAML_BELOW_ONE, DCT(fibrillation_ref)),
    CTI_PK_QTY("qualified_speed", NULL, CT_DIM_SPEED, CTI_YAML_POSITIVE,
               DCT(qualified_speed_m_s)),
    CTI_PK_QTY("speed_gain", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, DCT(speed_gain)),
    CTI_PK_QTY("break_scrap", NULL, CT_DIM_LENGTH, CTI_YAML_NONNEGATIVE, DCT(break_scrap_m)),
    CTI_PK_QTY("rethread_time", NULL, CT_DIM_TIME, CTI_YAML_NONNEGATIVE, DCT(rethread_s)),
    CTI_PK_QTY("delamination_spacing", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE,
               DCP(delamination_spacing_m)),
    { "lamination_reference_temperature", "lamination_ref_temperature", CTI_PK_K_QTY,
      CT_DIM_TEMPERATURE, CTI_YAML_ANY, NULL, DCT(lamination_ref_temp_c), false, NULL },
    { "lamination_temperature_scale", NULL, CTI_PK_K_QTY, CT_DIM_TEMPERATURE, CTI_YAML_POSITIVE,
      NULL, DCT(lamination_temp_scale_k), false, NULL },
    CTI_PK_QTY("detect_correct_time", NULL, CT_DIM_TIME, CTI_YAML_NONNEGATIVE,
               DCT(detect_correct_s)),
    CTI_PK_QTY("equilibrium_moisture", NULL, CT_DIM_NONE, CTI_YAML_BELOW_ONE,
               DCT(equilibrium_moisture)),
};

/* Defaults of the method and the polarity, with the keys written laid over
 * them; the lanes key is an int outside the coat block. */
static void dry_coater_resolve(dry_coater_params *p, cti_polarity pol)
{
    cti_dry_coat_params_default(&p->coat, p->method, pol);
    p->sides = 2;
    p->break_spacing_m = 1.0 / p->coat.break_base_per_m;
    p->delamination_spacing_m = 1.0 / p->coat.delamination_base_per_m;
    cti_pk_apply(&p->r, p);
    double lanes;
    if (cti_pk_written(&p->r, "lanes", &lanes))
        p->coat.lanes = (unsigned)lanes;
    p->coat.break_base_per_m = 1.0 / p->break_spacing_m;
    p->coat.delamination_base_per_m = 1.0 / p->delamination_spacing_m;
}

static ct_status dry_coater_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                                  void **params)
{
    dry_coater_params *p = cti_pk_new_params(y, sizeof *p, params);
    if (!p)
        return CT_ERR_NOMEM;
    snprintf(p->path, sizeof p->path, "%s", v->path);
    p->process = (cti_yaml_value){ NULL, p->path, v->loc };
    p->servers = st->servers;
    ct_status rc = cti_pk_read(y, v, dry_coater_keys, CTI_YAML_N_KEYS(dry_coater_keys), &p->r);
    if (rc != CT_OK)
        return rc;
    p->r.process = &p->process;
    double x;
    if (cti_pk_written(&p->r, "method", &x))
        p->method = x ? CTI_DRY_DIRECT_CALENDERING : CTI_DRY_MAXWELL;
    if (cti_pk_written(&p->r, "polarity", &x)) {
        p->has_polarity = true;
        p->polarity = x ? CTI_ANODE : CTI_CATHODE;
    }
    bool lanes_ok = !cti_pk_written(&p->r, "lanes", &x) || (x >= 1 && x <= CTI_MAX_LANES);
    CTI_PK_CHECKED(y, &p->r, lanes_ok ? CT_OK
                                      : ct_error_set(&e_, CT_ERR_INVALID,
                                                     "dry_coat.lanes: expected 1 to 32, got %g", x));
    bool sides_ok = !cti_pk_written(&p->r, "sides", &x) || x == 1 || x == 2;
    CTI_PK_CHECKED(y, &p->r, sides_ok ? CT_OK
                                      : ct_error_set(&e_, CT_ERR_INVALID,
                                                     "dry_coat.sides: expected 1 or 2 (2: film "
                                                     "laminated on both sides), got %g", x));
    /* Geometry and speed do not depend on the recipe: checked here; the
     * film thickness once the powder's recipe is known (check). */
    dry_coater_resolve(p, p->has_polarity ? p->polarity : CTI_CATHODE);
    CTI_PK_CHECKED(y, &p->r, cti_dry_coat_params_validate(&p->coat, NAN, &e_));

    /* One coil of coil_length from the input's powder (kg known in check). */
    if (st->n_consumes == 0) {
        st->n_consumes = 1;
        st->consumes[0] = (cti_consume){ .port = 0, .material = -1, .amount = 1.0,
                                         .dim = CT_DIM_MASS, .loc = st->loc };
        st->makes = CTI_FORM_COIL;
    } else {
        p->consumes_written = true;
        const cti_consume *k = &st->consumes[0];
        if (st->n_consumes != 1 || k->port < 0 || k->dim != CT_DIM_MASS)
            return cti_pk_fail_station(y, v, k->loc, "consumes",
                                       "expected one entry, a mass of powder from an input (or "
                                       "no consumes: the dry coater derives it from the coil)");
        if (st->makes != CTI_FORM_COIL)
            return cti_pk_fail_station(y, v, st->loc, "makes",
                                       "expected makes: coil for a dry coater");
    }
    st->makes_quantity = p->coil_length_m;
    return CT_OK;
}

/* The stations that feed t, through stations that pass units on. */
static int upstream_of_kind(const ct_factory *f, int t, const cti_kind *want)
{
    for (int hops = 0; hops < f->n_stations; hops++) {
        int from = -1;
        for (int s = 0; s < f->n_stations && from < 0; s++) {
            const cti_station *c = &f->stations[s];
            bool feeds = c->n_next == 0 ? s + 1 == t : false;
            for (int i = 0; i < c->n_next; i++)
                feeds = feeds || c->next[i].to == t;
            if (feeds)
                from = s;
        }
        if (from < 0)
            return -1;
        if (f->stations[from].kind == want)
            return from;
        if (f->stations[from].n_consumes > 0)
            return -1;
        t = from;
    }
    return -1;
}

/* Idempotent: the calender and slitter downstream call it through the
 * kind's table for the recipe and the lanes (kinds_electrode.c). */
static ct_status dry_coater_check(cti_yaml_ctx *y, cti_station *st, const ct_factory *f)
{
    dry_coater_params *p = st->kind_params;
    if (p->checked)
        return CT_OK;
    int mx = upstream_of_kind(f, (int)(st - f->stations), &cti_kind_dry_mixer);
    const dry_mixer_params *mp = mx >= 0 ? f->stations[mx].kind_params : NULL;
    char kp[CTI_YAML_PATH_MAX + 32];
    if (mp && p->has_polarity) {
        cti_yaml_join_key(kp, sizeof kp, p->path, "polarity");
        return cti_yaml_fail(y, p->r.at[1], kp,
                             "expected no polarity: the powder comes from dry mixer \"%s\"",
                             f->stations[mx].name);
    }
    p->from_mixer = mp != NULL;
    if (mp) {
        p->recipe = mp->recipe;
    } else {
        cti_recipe_default(&p->recipe, p->has_polarity ? p->polarity : CTI_CATHODE);
        p->recipe.binder_density_kg_m3 = PTFE_DENSITY_KG_M3;
    }
    dry_coater_resolve(p, p->recipe.polarity);
    p->solids_density_kg_m3 = cti_recipe_solids_density_kg_m3(&p->recipe);
    CTI_PK_CHECKED(y, &p->r, cti_dry_coat_params_validate(&p->coat, p->solids_density_kg_m3, &e_));

    const cti_dry_coat_params *c = &p->coat;
    p->powder_per_coil_kg = p->sides * c->lanes * c->lane_width_m * p->coil_length_m *
                            c->loading_kg_m2;
    cti_consume *k = &st->consumes[0];
    char sp[CTI_YAML_PATH_MAX];
    snprintf(sp, sizeof sp, "%s", p->path);
    char *dot = strrchr(sp, '.');
    if (dot)
        *dot = '\0';
    if (p->consumes_written && fabs(k->amount - p->powder_per_coil_kg) > 1e-6 * p->powder_per_coil_kg) {
        snprintf(kp, sizeof kp, "%s.consumes[0].amount", sp);
        return cti_yaml_fail(y, (cti_yaml_loc){ k->loc.line, k->loc.col }, kp,
                             "expected %.7g kg of powder per coil (%d side%s x %u lanes x %g mm x "
                             "%g m x %g mg/cm2), or no consumes: (the dry coater derives it), got "
                             "%.7g kg",
                             p->powder_per_coil_kg, p->sides, p->sides > 1 ? "s" : "", c->lanes,
                             c->lane_width_m * 1e3, p->coil_length_m, c->loading_kg_m2 * 100.0,
                             k->amount);
    }
    k->amount = p->powder_per_coil_kg;
    if (mp) {
        ct_status rc = cti_coater_check_buffer(y, st, sp, p->powder_per_coil_kg,
                                               mp->mix.batch_mass_kg);
        if (rc != CT_OK)
            return rc;
    }
    p->checked = true;
    return CT_OK;
}

void cti_dry_coater_info(const void *kind_params, cti_recipe *recipe, unsigned *lanes)
{
    const dry_coater_params *p = kind_params;
    *recipe = p->recipe;
    *lanes = p->coat.lanes;
}

/* The spans of the coil a server is forming, cut out when it is done. */
typedef struct dry_slot {
    uint32_t coil;              /* material id, 0 = free */
    size_t n_spans;
    cti_defect_span spans[DRY_SPANS];
} dry_slot;
_Static_assert(offsetof(dry_slot, coil) == 0, "a coil slot starts with its coil (coil_slots.h)");

typedef struct dry_coater_state {
    cti_coil_slots slots;       /* of dry_slot */
    double energy_wh;
    uint64_t coils, breaks, delaminations;
} dry_coater_state;
_Static_assert(offsetof(dry_coater_state, slots) == 0, "the slots first (coil_slots.h)");

static void *dry_coater_state_create(const void *params)
{
    const dry_coater_params *p = params;
    return cti_coil_state_create(sizeof(dry_coater_state), p->servers, sizeof(dry_slot));
}

static double dry_coater_energy_wh(const void *state)
{
    return ((const dry_coater_state *)state)->energy_wh;
}

void cti_dry_coater_totals_get(const void *kind_state, cti_dry_coater_totals *out)
{
    const dry_coater_state *s = kind_state;
    *out = (cti_dry_coater_totals){ s->coils, s->breaks, s->delaminations, s->energy_wh };
}

static double dry_coater_start(cti_job *job)
{
    const dry_coater_params *p = job->params;
    dry_coater_state *s = job->state;
    const cti_dry_coat_params *c = &p->coat;
    double t = p->coil_length_m / c->speed_m_s;
    cti_material *m;
    dry_slot *slot = cti_coil_slot_take(job, &m);
    if (!slot)
        return t;
    int pol = m->polarity & 1;
    double batch[CTI_M__COUNT];
    for (int a = 0; a < CTI_M__COUNT; a++)
        batch[a] = job->has_input[pol] ? job->input_attr[pol][a] : 0.0;
    double attr[CTI_M__COUNT];
    cti_dry_coat_result res;
    cti_dry_coat_coil(c, p->solids_density_kg_m3, p->sides, batch, p->coil_length_m, job->rng,
                      attr, slot->spans, DRY_SPANS, &res);
    slot->n_spans = res.n_spans;
    for (int a = 0; a < CTI_M__COUNT; a++)
        m->attr[a] = (float)attr[a];
    m->polarity = (uint8_t)p->recipe.polarity;
    m->lanes = (uint8_t)c->lanes;
    s->coils++;
    s->breaks += res.breaks;
    s->delaminations += res.delaminations;
    s->energy_wh += res.energy_wh;
    return t + res.stop_s;
}

/* Cuts out each break and delamination: removed spans and scrap. Where
 * spans overlap, the metres are cut once, under the cause of the first. */
static void dry_coater_finish(cti_job *job)
{
    cti_material *m;
    dry_slot *slot = cti_coil_slot_of(job, &m);
    if (!slot)
        return;
    cti_defect_span *sp = slot->spans;
    size_t n = slot->n_spans;
    for (size_t i = 1; i < n; i++) {   /* by start: the two processes were drawn in turn */
        cti_defect_span x = sp[i];
        size_t j = i;
        for (; j > 0 && sp[j - 1].from_m > x.from_m; j--)
            sp[j] = sp[j - 1];
        sp[j] = x;
    }
    double cut_to = 0.0;
    for (size_t i = 0; i < n; i++) {
        cti_defect_span d = sp[i];
        if (d.from_m < cut_to)
            d.from_m = cut_to;
        double metres = d.to_m - d.from_m;
        if (!(metres > 0))
            continue;
        d.removed = true;
        cut_to = d.to_m;
        if (cti_material_add_span(m, &d))
            cti_job_scrap_part(job, 0, d.severity < 1.5f ? CAUSE_BREAK : CAUSE_DELAMINATION,
                               metres);
    }
    slot->coil = 0;
    slot->n_spans = 0;
}

/* The polarity is the dry mixer's when there is one upstream. */
static void dry_coater_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const dry_coater_params *p = params;
    size_t n = CTI_YAML_N_KEYS(dry_coater_keys);
    cti_pk_emit_choice(emit, ctx, dry_coater_keys, n, "method",
                       p->coat.method == CTI_DRY_DIRECT_CALENDERING ? 1 : 0);
    if (!p->from_mixer)
        cti_pk_emit_choice(emit, ctx, dry_coater_keys, n, "polarity",
                           p->recipe.polarity == CTI_ANODE ? 1 : 0);
    cti_pk_emit_int(emit, ctx, "", "lanes", (long)p->coat.lanes);
    cti_pk_describe(dry_coater_keys, n, p, NULL, emit, ctx);
}

const cti_kind cti_kind_dry_coater = {
    .name = "dry_coater",
    .input_form = CTI_FORM_BATCH,
    .output_form = CTI_FORM_COIL,
    .parse = dry_coater_parse,
    .free_params = free,
    .state_create = dry_coater_state_create,
    .state_destroy = cti_coil_state_destroy,
    .start = dry_coater_start,
    .finish = dry_coater_finish,
    .check = dry_coater_check,
    .energy_wh = dry_coater_energy_wh,
    .describe = dry_coater_describe,
};
