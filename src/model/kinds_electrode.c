/*
 * kinds_electrode.c - the station kinds of electrode making: `mixer`
 * (raw-material lots into a slurry batch), `coater` (slurry into a coated,
 * dried coil, with agglomerate defects cut out as scrap), `calender`
 * (compaction) and `slitter` (edge burr; the line splits the coil into
 * lanes). Each kind reads its station's `process:` mapping into the
 * parameters of the models in electrode.h, derives the station settings
 * that follow from them (the mixer's batch quantity, the coater's slurry
 * per coil and coil length), checks what involves other stations once the
 * whole file is read (the recipe a coater gets from the mixer upstream, the
 * lanes a slitter cuts), and at run time computes process times and the
 * attributes, defects and scrap of each unit. Keys, units and defaults are
 * in docs/kinds-electrode.md.
 *
 * Numeric keys are read from tables (key, dimension, range, field) into a
 * "values" struct of the kind, with a bit per key written; the defaults of
 * the coater and the calender depend on the recipe (cathode or anode),
 * known only once the mixer upstream is found, so the values written are
 * laid over the recipe's defaults then.
 */
#include "model/kinds_electrode.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/coil_slots.h"
#include "model/electrode.h"
#include "model/kinds_dry.h"
#include "model/kinds_prelithiation.h"
#include "model/process_keys.h"

/* Consumed amounts must match the recipe this closely (relative): enough
 * for amounts written with 7 significant digits. */
#define AMOUNT_REL_TOL 1e-6
/* Recipe fractions must sum to 1 this closely (electrode.c uses the same). */
#define RECIPE_SUM_TOL 1e-9
/* Coating defect spans one die can leave in a coil (electrode.h: 64 is
 * ample for a few defects a day; more are merged, never lost). */
#define COATER_SPANS 64
#define MAX_SIDES 2
/* A station's path plus ".consumes[3].material". */
#define KEY_PATH_MAX (CTI_YAML_PATH_MAX + 32)

static const char CAUSE_COATING[] = "coating defect (agglomerate)";

/* ------------------------------------------------------------------------ */
/* Numeric keys from tables                                                 */

typedef struct num_key {
    const char *key;
    ct_dim dim;
    cti_yaml_range range;
    bool is_difference;     /* a temperature difference: "100 K" is 100 */
    size_t off;             /* offset of the double in the kind's values */
} num_key;

typedef struct num_table {
    const num_key *keys;
    size_t n;
} num_table;

/* What the handlers of one mapping write to. */
typedef struct key_ctx {
    const num_key *nums;
    size_t n_nums;
    unsigned bit0;          /* bit of nums[0] in *set */
    unsigned char *values;  /* the kind's values as written */
    uint64_t *set;          /* bit per numeric key written */
    void *kind;             /* the kind's parameters, for its other keys */
} key_ctx;

/* The key of a value from its path ("stations[2].process.qualified.speed"
 * -> "speed"); keys hold no dots. */
static const char *last_key(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

/* Handler of every numeric key: finds its row by name. Dimensional values
 * need units ("60 m/min", not "1"): a bare number in base units is too
 * easy to get wrong. */
static ct_status num_value(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    key_ctx *c = obj;
    const char *key = last_key(v->path);
    for (size_t i = 0; i < c->n_nums; i++) {
        const num_key *k = &c->nums[i];
        if (strcmp(k->key, key) != 0)
            continue;
        double *dst = (double *)(void *)(c->values + k->off);
        ct_status st = cti_yaml_get_quantity_ex(y, v, k->dim, k->dim != CT_DIM_NONE,
                                                k->is_difference, k->range, NULL, dst);
        if (st == CT_OK)
            *c->set |= UINT64_C(1) << (c->bit0 + i);
        return st;
    }
    assert(!"numeric key not in its table");
    return cti_yaml_fail(y, v->loc, v->path, "internal error: key without a table row");
}

/* Bit of table t's first key: the tables' keys are numbered in order. */
static unsigned table_bit0(const num_table *tables, size_t t)
{
    unsigned b = 0;
    for (size_t i = 0; i < t; i++)
        b += (unsigned)tables[i].n;
    return b;
}

/* Copies each numeric value written (src) over dst, both values structs of
 * the same kind, of size bytes. */
static void overlay(void *dst, const void *src, size_t size, const num_table *tables,
                    size_t n_tables, uint64_t set)
{
    /* Addresses as integers: GCC otherwise takes dst for its first member
     * and warns about writing past it. */
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    unsigned bit = 0;
    for (size_t t = 0; t < n_tables; t++) {
        for (size_t i = 0; i < tables[t].n; i++, bit++) {
            size_t off = tables[t].keys[i].off;
            assert(off + sizeof(double) <= size);
            if ((set >> bit & 1u) && off + sizeof(double) <= size)
                memcpy((void *)(d + off), (const void *)(s + off), sizeof(double));
        }
    }
}

static bool was_set(uint64_t set, unsigned bit)
{
    return (set >> bit & 1u) != 0;
}

/* Walks sub-mapping v (such as `qualified:`) of a kind with the numeric
 * keys of table t and the yaml keys keys. */
static ct_status walk_table(cti_yaml_ctx *y, const cti_yaml_value *v, const cti_yaml_key *keys,
                            size_t n_keys, const num_table *tables, size_t t, void *values,
                            uint64_t *set, void *kind)
{
    key_ctx c = { tables[t].keys, tables[t].n, table_bit0(tables, t), values, set, kind };
    cti_yaml_walk w;
    return cti_yaml_walk_mapping(y, v, keys, n_keys, &c, &w);
}

/* Emits the numeric keys of table t with the values the kind uses (in
 * its values struct), each as prefix + key: one describe for every table
 * (kind.h). skip names a key left to the kind, or is NULL. */
static void describe_nums(const num_table *t, const char *prefix, const void *values,
                          const char *skip, cti_param_emit emit, void *ctx)
{
    for (size_t i = 0; i < t->n; i++) {
        const num_key *k = &t->keys[i];
        if (skip && strcmp(k->key, skip) == 0)
            continue;
        double x;
        memcpy(&x, (const unsigned char *)values + k->off, sizeof x);
        cti_pk_emit_qty(emit, ctx, prefix, k->key, x, k->dim, k->is_difference);
    }
}

/* The yaml key row and the num_key row of one numeric key, from one list. */
#define AS_YAML_KEY(key, field, dim, range, diff, req, expect) { #key, req, expect, num_value },
#define OPT NULL   /* expect text of optional keys: never shown */

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

static ct_status get_polarity(cti_yaml_ctx *y, const cti_yaml_value *v, cti_polarity *out)
{
    const char *s = cti_yaml_scalar(v);
    if (s && !strcmp(s, "cathode"))
        *out = CTI_CATHODE;
    else if (s && !strcmp(s, "anode"))
        *out = CTI_ANODE;
    else
        return cti_yaml_fail_expected(y, v, "cathode or anode");
    return CT_OK;
}

static const char *polarity_name(cti_polarity p)
{
    return p == CTI_ANODE ? "anode" : "cathode";
}

/* "stations[2]" from "stations[2].process". */
static void station_path(char *out, size_t len, const char *process_path)
{
    const char *dot = strrchr(process_path, '.');
    size_t n = dot ? (size_t)(dot - process_path) : strlen(process_path);
    snprintf(out, len, "%.*s", (int)n, process_path);
}

static cti_yaml_loc yloc(cti_loc l)
{
    cti_yaml_loc y = { l.line, l.col };
    return y;
}

static int station_index(const ct_factory *f, const cti_station *st)
{
    return (int)(st - f->stations);
}

/* Does station s send its good units to station t? (`next:`, or the next
 * station in the file when it has none.) Rework routes do not count. */
static bool feeds(const ct_factory *f, int s, int t)
{
    const cti_station *c = &f->stations[s];
    if (c->n_next == 0)
        return s + 1 == t;
    for (int i = 0; i < c->n_next; i++)
        if (c->next[i].to == t)
            return true;
    return false;
}

/* The stations of kind want that feed station t, directly or through
 * stations that pass units on (buffer tanks, a calender before a slitter):
 * converters other than want end the search. Writes up to max indices to
 * found in breadth-first order and returns how many there are; -1 when out
 * of memory. */
static int find_upstream(const ct_factory *f, int t, const cti_kind *want, int *found, int max)
{
    int n = f->n_stations, count = 0, head = 0, tail = 0;
    int *queue = malloc((size_t)n * sizeof *queue);
    bool *seen = calloc((size_t)n, sizeof *seen);
    if (!queue || !seen) {
        free(queue);
        free(seen);
        return -1;
    }
    seen[t] = true;
    queue[tail++] = t;
    while (head < tail) {
        int u = queue[head++];
        for (int s = 0; s < n; s++) {
            if (seen[s] || !feeds(f, s, u))
                continue;
            seen[s] = true;
            const cti_station *c = &f->stations[s];
            if (c->kind == want) {
                if (count < max)
                    found[count] = s;
                count++;
            } else if (c->n_consumes == 0) {
                queue[tail++] = s;
            }
        }
    }
    free(queue);
    free(seen);
    return count;
}

/* "expected a speed <= the coater's limit of 100 m/min (max_speed), got
 * 110 m/min", at the speed key (or max_speed when the speed is the default). */
static ct_status check_speed(cti_yaml_ctx *y, const cti_yaml_walk *w, const char *path,
                             const char *machine, double speed, double max_speed)
{
    if (speed <= max_speed)
        return CT_OK;
    const cti_yaml_loc *at = cti_yaml_seen(w, "speed");
    const char *key = "speed";
    if (!at) {
        at = cti_yaml_seen(w, "max_speed");
        key = "max_speed";
    }
    char kp[CTI_YAML_PATH_MAX];
    cti_yaml_join_key(kp, sizeof kp, path, key);
    return cti_yaml_fail(y, at ? *at : w->map_loc, kp,
                         "expected a speed <= the %s's limit of %g m/min (max_speed), got %g m/min",
                         machine, max_speed * 60.0, speed * 60.0);
}

/* A model's validation message (electrode.h), placed at the process key. */
static ct_status fail_model(cti_yaml_ctx *y, cti_yaml_loc loc, const char *path,
                            const ct_error *err)
{
    return cti_yaml_fail(y, loc, path, "%s", err->msg);
}

/* ======================================================================== */
/* mixer                                                                    */
/* ======================================================================== */

typedef struct mixer_values {
    cti_recipe recipe;
    cti_mix_params mix;
    double dosing_time_s;
} mixer_values;

typedef struct mixer_params {
    mixer_values v;          /* resolved: defaults of the polarity + as written */
    char path[CTI_YAML_PATH_MAX];
    /* parse scratch */
    mixer_values given;
    uint64_t set;
    bool has_polarity, has_solvent;
    cti_polarity polarity;
    cti_solvent solvent;
    cti_yaml_loc recipe_loc;
    bool has_recipe;
} mixer_params;

#define MIXER_TOP(X)                                                                          \
    X(solid_content, mix.solid_content, CT_DIM_NONE, FRACTION, false, false, OPT)             \
    X(batch_mass, mix.batch_mass_kg, CT_DIM_MASS, POSITIVE, false, false, OPT)                \
    X(speed, mix.mixer_speed_hz, CT_DIM_FREQUENCY, NONNEGATIVE, false, false, OPT)            \
    X(mixing_time, mix.mixing_time_s, CT_DIM_TIME, NONNEGATIVE, false, false, OPT)            \
    X(dosing_time, dosing_time_s, CT_DIM_TIME, NONNEGATIVE, false, false, OPT)                \
    X(temperature, mix.temperature_c, CT_DIM_TEMPERATURE, ANY, false, false, OPT)             \
    X(standing_limit, recipe.standing_limit_s, CT_DIM_TIME, POSITIVE, false, false, OPT)

#define MIXER_RECIPE(X)                                                                       \
    X(active, recipe.active_frac, CT_DIM_NONE, UNIT, false, true, "a share such as \"96 %\"") \
    X(conductive, recipe.conductive_frac, CT_DIM_NONE, UNIT, false, true,                     \
      "a share such as \"2 %\"")                                                              \
    X(binder, recipe.binder_frac, CT_DIM_NONE, UNIT, false, true, "a share such as \"2 %\"")  \
    X(active_density, recipe.active_density_kg_m3, CT_DIM_DENSITY, POSITIVE, false, false, OPT) \
    X(conductive_density, recipe.conductive_density_kg_m3, CT_DIM_DENSITY, POSITIVE, false,   \
      false, OPT)                                                                             \
    X(binder_density, recipe.binder_density_kg_m3, CT_DIM_DENSITY, POSITIVE, false, false, OPT) \
    X(additive, recipe.additive_frac, CT_DIM_NONE, UNIT, false, false, OPT)                   \
    X(additive_density, recipe.additive_density_kg_m3, CT_DIM_DENSITY, POSITIVE, false, false, \
      OPT)                                                                                    \
    X(additive_capacity, recipe.additive_capacity_ah_kg, CT_DIM_SPECIFIC_CHARGE, POSITIVE,    \
      false, false, OPT)

#define MIXER_RHEOLOGY(X)                                                                     \
    X(medium_viscosity, recipe.medium_viscosity_pa_s, CT_DIM_VISCOSITY, POSITIVE, false,      \
      false, OPT)                                                                             \
    X(reference_temperature, recipe.ref_temp_c, CT_DIM_TEMPERATURE, ANY, false, false, OPT)   \
    X(andrade_b, recipe.andrade_b_k, CT_DIM_TEMPERATURE, NONNEGATIVE, true, false, OPT)       \
    X(phi_max, recipe.phi_max, CT_DIM_NONE, FRACTION, false, false, OPT)                      \
    X(intrinsic_viscosity, recipe.intrinsic_viscosity, CT_DIM_NONE, POSITIVE, false, false,   \
      OPT)                                                                                    \
    X(flow_index, recipe.flow_index, CT_DIM_NONE, FRACTION, false, false, OPT)                \
    X(thixotropy_breakdown, recipe.thixo_breakdown_s, CT_DIM_TIME, NONNEGATIVE, false, false, \
      OPT)                                                                                    \
    X(thixotropy_floor, recipe.thixo_floor, CT_DIM_NONE, FRACTION, false, false, OPT)         \
    X(thixotropy_recovery, recipe.thixo_recovery_s, CT_DIM_TIME, POSITIVE, false, false, OPT) \
    X(reagglomeration, recipe.reagglomeration_m_s, CT_DIM_SPEED, NONNEGATIVE, false, false,   \
      OPT)

#define MIXER_MODEL(X)                                                                        \
    X(shear_constant, mix.shear_per_hz, CT_DIM_NONE, NONNEGATIVE, false, false, OPT)          \
    X(dosing_sd, mix.dosing_sd, CT_DIM_NONE, NONNEGATIVE, false, false, OPT)                  \
    X(structure_cv, mix.structure_cv, CT_DIM_NONE, NONNEGATIVE, false, false, OPT)            \
    X(agglomerate_initial, mix.agglomerate_initial_m, CT_DIM_LENGTH, NONNEGATIVE, false,      \
      false, OPT)                                                                             \
    X(agglomerate_final, mix.agglomerate_final_m, CT_DIM_LENGTH, NONNEGATIVE, false, false,   \
      OPT)                                                                                    \
    X(dispersion_revolutions, mix.dispersion_revs, CT_DIM_NONE, POSITIVE, false, false, OPT)  \
    X(agglomerate_cv, mix.agglomerate_cv, CT_DIM_NONE, NONNEGATIVE, false, false, OPT)

#define MIXER_NUM(key, field, dim, range, diff, req, expect)                                  \
    { #key, dim, CTI_YAML_##range, diff, offsetof(mixer_values, field) },

static const num_key mixer_top_nums[] = { MIXER_TOP(MIXER_NUM) };
static const num_key mixer_recipe_nums[] = { MIXER_RECIPE(MIXER_NUM) };
static const num_key mixer_rheology_nums[] = { MIXER_RHEOLOGY(MIXER_NUM) };
static const num_key mixer_model_nums[] = { MIXER_MODEL(MIXER_NUM) };

enum { MT_TOP, MT_RECIPE, MT_RHEOLOGY, MT_MODEL, MT__COUNT };
static const num_table mixer_tables[MT__COUNT] = {
    { mixer_top_nums, CTI_YAML_N_KEYS(mixer_top_nums) },
    { mixer_recipe_nums, CTI_YAML_N_KEYS(mixer_recipe_nums) },
    { mixer_rheology_nums, CTI_YAML_N_KEYS(mixer_rheology_nums) },
    { mixer_model_nums, CTI_YAML_N_KEYS(mixer_model_nums) },
};

static const cti_yaml_key mixer_recipe_keys[] = { MIXER_RECIPE(AS_YAML_KEY) };
static const cti_yaml_key mixer_rheology_keys[] = { MIXER_RHEOLOGY(AS_YAML_KEY) };
static const cti_yaml_key mixer_model_keys[] = { MIXER_MODEL(AS_YAML_KEY) };

static ct_status mixer_polarity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    mixer_params *p = ((key_ctx *)obj)->kind;
    p->has_polarity = true;
    return get_polarity(y, v, &p->polarity);
}

static ct_status mixer_solvent(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    mixer_params *p = ((key_ctx *)obj)->kind;
    const char *s = cti_yaml_scalar(v);
    if (s && (!strcmp(s, "nmp") || !strcmp(s, "NMP")))
        p->solvent = CTI_SOLVENT_NMP;
    else if (s && !strcmp(s, "water"))
        p->solvent = CTI_SOLVENT_WATER;
    else
        return cti_yaml_fail_expected(y, v, "nmp or water");
    p->has_solvent = true;
    return CT_OK;
}

static ct_status mixer_recipe(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    key_ctx *c = obj;
    mixer_params *p = c->kind;
    ct_status st = walk_table(y, v, mixer_recipe_keys, CTI_YAML_N_KEYS(mixer_recipe_keys),
                              mixer_tables, MT_RECIPE, &p->given, &p->set, p);
    if (st != CT_OK)
        return st;
    /* The three fractions are required keys, so all are in given. */
    const cti_recipe *r = &p->given.recipe;
    double sum = r->active_frac + r->conductive_frac + r->binder_frac + r->additive_frac;
    if (!(fabs(sum - 1.0) <= RECIPE_SUM_TOL))
        return cti_yaml_fail(y, v->loc, v->path, "expected fractions that sum to 1, got %.10g", sum);
    if (!(r->active_frac > 0))
        return cti_yaml_fail(y, v->loc, v->path, "expected an active fraction > 0");
    p->has_recipe = true;
    p->recipe_loc = v->loc;
    return CT_OK;
}

static ct_status mixer_rheology(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    mixer_params *p = ((key_ctx *)obj)->kind;
    return walk_table(y, v, mixer_rheology_keys, CTI_YAML_N_KEYS(mixer_rheology_keys),
                      mixer_tables, MT_RHEOLOGY, &p->given, &p->set, p);
}

static ct_status mixer_model(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    mixer_params *p = ((key_ctx *)obj)->kind;
    return walk_table(y, v, mixer_model_keys, CTI_YAML_N_KEYS(mixer_model_keys), mixer_tables,
                      MT_MODEL, &p->given, &p->set, p);
}

static const cti_yaml_key mixer_keys[] = {
    MIXER_TOP(AS_YAML_KEY)
    { "polarity", false, OPT, mixer_polarity },
    { "solvent", false, OPT, mixer_solvent },
    { "recipe", false, OPT, mixer_recipe },
    { "rheology", false, OPT, mixer_rheology },
    { "model", false, OPT, mixer_model },
};

/* Roles of the consumes entries, in recipe order: the components with a
 * fraction > 0, then optionally the solvent. */
typedef struct mixer_role {
    const char *name;      /* "active material" */
    const char *frac_key;  /* "active" */
    double frac;
    double kg;             /* per batch */
} mixer_role;

static int mixer_roles(const cti_recipe *r, const cti_mix_params *m, mixer_role roles[5])
{
    const mixer_role all[4] = {
        { "active material", "active", r->active_frac, 0 },
        { "conductive agent", "conductive", r->conductive_frac, 0 },
        { "binder", "binder", r->binder_frac, 0 },
        { "prelithiation additive", "additive", r->additive_frac, 0 },
    };
    int n = 0;
    for (int i = 0; i < 4; i++) {
        if (all[i].frac > 0) {
            roles[n] = all[i];
            roles[n].kg = m->batch_mass_kg * m->solid_content * all[i].frac;
            n++;
        }
    }
    roles[n] = (mixer_role){ "solvent", NULL, 1.0 - m->solid_content,
                             m->batch_mass_kg * (1.0 - m->solid_content) };
    return n;   /* components; roles[n] is the optional solvent */
}

/* The station's consumes against the recipe: every entry a material, in
 * recipe order, each amount batch_mass x solid_content x fraction (the
 * solvent batch_mass x (1 - solid_content)). */
ct_status cti_mixer_check_consumes(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                                   const cti_recipe *rec, const cti_mix_params *m)
{
    char sp[CTI_YAML_PATH_MAX], kp[KEY_PATH_MAX];
    station_path(sp, sizeof sp, v->path);
    mixer_role roles[5];
    int n = mixer_roles(rec, m, roles);

    if (st->n_consumes == 0) {
        cti_yaml_join_key(kp, sizeof kp, sp, "consumes");
        return cti_yaml_fail(y, yloc(st->loc), kp,
                             "missing required key; expected the mixer's raw materials in recipe "
                             "order (active, conductive, binder[, solvent]), such as "
                             "[{material: lfp, amount: %g kg}, ...]",
                             roles[0].kg);
    }
    if (st->makes != CTI_FORM_BATCH) {
        cti_yaml_join_key(kp, sizeof kp, sp, "makes");
        return cti_yaml_fail(y, yloc(st->loc), kp, "expected makes: batch for a mixer");
    }
    if (st->n_consumes != n && st->n_consumes != n + 1) {
        cti_yaml_join_key(kp, sizeof kp, sp, "consumes");
        return cti_yaml_fail(y, yloc(st->consumes[0].loc), kp,
                             "expected %d entries (the recipe's components with a fraction > 0 "
                             "in the order active, conductive, binder, additive) or %d (and the "
                             "solvent), got %d",
                             n, n + 1, st->n_consumes);
    }
    for (int i = 0; i < st->n_consumes; i++) {
        const cti_consume *c = &st->consumes[i];
        const mixer_role *r = &roles[i];
        if (c->port >= 0) {
            snprintf(kp, sizeof kp, "%s.consumes[%d]", sp, i);
            return cti_yaml_fail(y, yloc(c->loc), kp,
                                 "expected a material (the %s): a mixer takes raw materials, "
                                 "not an input",
                                 r->name);
        }
        if (fabs(c->amount - r->kg) > AMOUNT_REL_TOL * r->kg) {
            snprintf(kp, sizeof kp, "%s.consumes[%d].amount", sp, i);
            if (r->frac_key)
                return cti_yaml_fail(y, yloc(c->loc), kp,
                                     "expected %.7g kg of %s (batch_mass %g kg x solid_content "
                                     "%g x recipe.%s %g), got %.7g kg",
                                     r->kg, r->name, m->batch_mass_kg, m->solid_content,
                                     r->frac_key, r->frac, c->amount);
            return cti_yaml_fail(y, yloc(c->loc), kp,
                                 "expected %.7g kg of solvent (batch_mass %g kg x (1 - "
                                 "solid_content %g)), got %.7g kg",
                                 r->kg, m->batch_mass_kg, m->solid_content, c->amount);
        }
    }
    /* Batches are measured in kg of slurry, solvent included, whether or
     * not the solvent is consumed from a store. */
    if (st->makes_quantity > 0 && fabs(st->makes_quantity - m->batch_mass_kg) >
                                      AMOUNT_REL_TOL * m->batch_mass_kg) {
        cti_yaml_join_key(kp, sizeof kp, sp, "quantity");
        return cti_yaml_fail(y, yloc(st->loc), kp,
                             "expected no quantity, or the mixer's batch_mass (%g kg), got %g kg",
                             m->batch_mass_kg, st->makes_quantity);
    }
    st->makes_quantity = m->batch_mass_kg;
    return CT_OK;
}

static ct_status mixer_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                             void **params)
{
    mixer_params *p = calloc(1, sizeof *p);
    if (!p)
        return cti_yaml_fail_nomem(y);
    *params = p;
    snprintf(p->path, sizeof p->path, "%s", v->path);
    cti_yaml_loc at = v->loc;
    ct_status s;

    if (!cti_yaml_is_null(v->node)) {
        key_ctx c = { mixer_top_nums, CTI_YAML_N_KEYS(mixer_top_nums), 0,
                      (unsigned char *)&p->given, &p->set, p };
        cti_yaml_walk w;
        if ((s = cti_yaml_walk_mapping(y, v, mixer_keys, CTI_YAML_N_KEYS(mixer_keys), &c, &w)) !=
            CT_OK)
            return s;
    }
    /* Defaults of the polarity, then what was written over them. */
    cti_recipe_default(&p->v.recipe, p->has_polarity ? p->polarity : CTI_CATHODE);
    if (p->has_solvent)
        p->v.recipe.solvent = p->solvent;
    cti_mix_params_default(&p->v.mix, &p->v.recipe);
    p->v.dosing_time_s = 15.0 * 60.0;
    overlay(&p->v, &p->given, sizeof p->v, mixer_tables, MT__COUNT, p->set);

    ct_error err;
    ct_error_clear(&err);
    if (cti_recipe_validate(&p->v.recipe, &err) != CT_OK)
        return fail_model(y, p->has_recipe ? p->recipe_loc : at, v->path, &err);
    if (cti_mix_params_validate(&p->v.mix, &p->v.recipe, &err) != CT_OK)
        return fail_model(y, at, v->path, &err);
    return cti_mixer_check_consumes(y, v, st, &p->v.recipe, &p->v.mix);
}

/* Once materials are resolved: the active component must count as active
 * material (mass balance, scrap), the others must not. */
static ct_status mixer_check(cti_yaml_ctx *y, cti_station *st, const ct_factory *f)
{
    const mixer_params *p = st->kind_params;
    return cti_mixer_check_active(y, st, f, p->path, &p->v.recipe, &p->v.mix);
}

ct_status cti_mixer_check_active(cti_yaml_ctx *y, const cti_station *st, const ct_factory *f,
                                 const char *process_path, const cti_recipe *rec,
                                 const cti_mix_params *mix)
{
    char sp[CTI_YAML_PATH_MAX], kp[KEY_PATH_MAX];
    station_path(sp, sizeof sp, process_path);
    mixer_role roles[5];
    mixer_roles(rec, mix, roles);
    for (int i = 0; i < st->n_consumes; i++) {
        const cti_consume *c = &st->consumes[i];
        const cti_material_supply *m = &f->materials[c->material];
        bool want = i == 0;
        if (m->active == want)
            continue;
        snprintf(kp, sizeof kp, "%s.consumes[%d].material", sp, i);
        return cti_yaml_fail(y, yloc(c->loc), kp,
                             "expected the recipe's %s here, a material with active: %s (only "
                             "the active material counts in mass balances), but \"%s\" has "
                             "active: %s",
                             roles[i].name, want ? "true" : "false", m->name,
                             m->active ? "true" : "false");
    }
    return CT_OK;
}

static double mixer_start(cti_job *job)
{
    const mixer_params *p = job->params;
    cti_material *m = cti_job_material(job, 0);
    cti_batch b;
    cti_mix_batch(&p->v.recipe, &p->v.mix, job->rng, &b);
    if (m) {
        m->polarity = (uint8_t)p->v.recipe.polarity;
        for (int a = 0; a < CTI_M__COUNT; a++)
            m->attr[a] = (float)b.attr[a];
    }
    return p->v.dosing_time_s + p->v.mix.mixing_time_s;
}

static void mixer_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const mixer_params *p = params;
    cti_pk_emit_word(emit, ctx, "", "polarity", polarity_name(p->v.recipe.polarity));
    cti_pk_emit_word(emit, ctx, "", "solvent",
                     p->v.recipe.solvent == CTI_SOLVENT_WATER ? "water" : "nmp");
    static const char *const prefix[MT__COUNT] = { "", "recipe.", "rheology.", "model." };
    for (int t = 0; t < MT__COUNT; t++)
        describe_nums(&mixer_tables[t], prefix[t], &p->v, NULL, emit, ctx);
}

const cti_kind cti_kind_mixer = {
    .name = "mixer",
    .input_form = CTI_FORM_ITEM,
    .output_form = CTI_FORM_BATCH,
    .parse = mixer_parse,
    .free_params = free,
    .start = mixer_start,
    .check = mixer_check,
    .describe = mixer_describe,
};

/* ======================================================================== */
/* coater                                                                   */
/* ======================================================================== */

typedef struct coater_values {
    cti_coat_params coat;
    double coil_length_m;
    double cleaning_time_s;
    double solid_content;       /* only without a mixer upstream */
    double base_spacing_m;      /* 1 / hazard_base_per_m */
} coater_values;

typedef struct coater_params {
    /* as written */
    coater_values given;
    uint64_t set;
    bool has_lanes, has_cleans, has_polarity, has_zones;
    unsigned lanes;
    bool correction_cleans;
    cti_polarity polarity;
    unsigned zones;
    double zone_temp_c[CTI_DRYER_MAX_ZONES], zone_length_m[CTI_DRYER_MAX_ZONES];
    int sides;
    int servers;
    bool consumes_written;
    char path[CTI_YAML_PATH_MAX];
    cti_yaml_walk walk;         /* where each top-level key was */
    /* resolved by coater_check */
    bool checked;
    int mixer;                  /* station index of the mixer upstream, or -1 */
    cti_recipe recipe;
    double solid_content;
    coater_values v;
    double stand_offset_s;      /* the mixer's dosing + mixing: batch age that is not standing */
    double slurry_per_coil_kg;
} coater_params;

#define COATER_TOP(X)                                                                         \
    X(coil_length, coil_length_m, CT_DIM_LENGTH, POSITIVE, false, true,                       \
      "the length of each coil, such as \"2000 m\"")                                          \
    X(loading, coat.loading_kg_m2, CT_DIM_AREAL_MASS, POSITIVE, false, true,                  \
      "the dry areal loading per side, such as \"20 mg/cm2\"")                                \
    X(width, coat.width_m, CT_DIM_LENGTH, POSITIVE, false, false, OPT)                        \
    X(max_width, coat.max_width_m, CT_DIM_LENGTH, POSITIVE, false, false, OPT)                \
    X(lane_width, coat.lane_width_m, CT_DIM_LENGTH, POSITIVE, false, false, OPT)              \
    X(speed, coat.speed_m_s, CT_DIM_SPEED, POSITIVE, false, false, OPT)                       \
    X(max_speed, coat.max_speed_m_s, CT_DIM_SPEED, POSITIVE, false, false, OPT)               \
    X(loading_cv, coat.loading_cv_coil, CT_DIM_NONE, NONNEGATIVE, false, false, OPT)          \
    X(loading_cv_within, coat.loading_cv_within, CT_DIM_NONE, NONNEGATIVE, false, false, OPT) \
    X(porosity, coat.porosity_dry, CT_DIM_NONE, FRACTION, false, false, OPT)                  \
    X(porosity_sd, coat.porosity_sd, CT_DIM_NONE, NONNEGATIVE, false, false, OPT)             \
    X(coating_gap, coat.coating_gap_m, CT_DIM_LENGTH, POSITIVE, false, false, OPT)            \
    X(cleaning_interval, coat.cleaning_interval_s, CT_DIM_TIME, POSITIVE, false, false, OPT)  \
    X(cleaning_time, cleaning_time_s, CT_DIM_TIME, NONNEGATIVE, false, false, OPT)            \
    X(detect_correct_time, coat.detect_correct_s, CT_DIM_TIME, NONNEGATIVE, false, false, OPT) \
    X(solid_content, solid_content, CT_DIM_NONE, FRACTION, false, false, OPT)

#define COATER_QUALIFIED(X)                                                                   \
    X(speed, coat.qualified_speed_m_s, CT_DIM_SPEED, POSITIVE, false, false, OPT)             \
    X(viscosity, coat.qualified_viscosity_pa_s, CT_DIM_VISCOSITY, POSITIVE, false, false, OPT) \
    X(gap, coat.qualified_gap_m, CT_DIM_LENGTH, POSITIVE, false, false, OPT)

#define COATER_DEFECTS(X)                                                                     \
    X(base_spacing, base_spacing_m, CT_DIM_LENGTH, POSITIVE, false, false, OPT)               \
    X(buildup_time, coat.buildup_time_s, CT_DIM_TIME, POSITIVE, false, false, OPT)            \
    X(mismatch_gain, coat.mismatch_gain, CT_DIM_NONE, NONNEGATIVE, false, false, OPT)         \
    X(agglomerate_ref, coat.agglomerate_ref_m, CT_DIM_LENGTH, POSITIVE, false, false, OPT)

#define COATER_DRYER(X)                                                                       \
    X(drying_rate_kg_m2_s, coat.drying_rate_ref_kg_m2_s, CT_DIM_NONE, POSITIVE, false, false, \
      OPT)                                                                                    \
    X(reference_temperature, coat.drying_ref_temp_c, CT_DIM_TEMPERATURE, ANY, false, false,   \
      OPT)                                                                                    \
    X(critical_solvent, coat.critical_solvent_frac, CT_DIM_NONE, FRACTION, false, false, OPT) \
    X(crack_rate_kg_m2_s, coat.crack_rate_kg_m2_s, CT_DIM_NONE, POSITIVE, false, false, OPT)  \
    X(equilibrium_moisture, coat.equilibrium_moisture, CT_DIM_NONE, BELOW_ONE, false, false,  \
      OPT)                                                                                    \
    X(ambient_temperature, coat.ambient_temp_c, CT_DIM_TEMPERATURE, ANY, false, false, OPT)   \
    X(efficiency, coat.dryer_efficiency, CT_DIM_NONE, FRACTION, false, false, OPT)            \
    X(heat_recovery, coat.heat_recovery_frac, CT_DIM_NONE, BELOW_ONE, false, false, OPT)

#define COATER_NUM(key, field, dim, range, diff, req, expect)                                 \
    { #key, dim, CTI_YAML_##range, diff, offsetof(coater_values, field) },

static const num_key coater_top_nums[] = { COATER_TOP(COATER_NUM) };
static const num_key coater_qualified_nums[] = { COATER_QUALIFIED(COATER_NUM) };
static const num_key coater_defects_nums[] = { COATER_DEFECTS(COATER_NUM) };
static const num_key coater_dryer_nums[] = { COATER_DRYER(COATER_NUM) };

enum { CT_TOP, CT_QUALIFIED, CT_DEFECTS, CT_DRYER, CT__COUNT };
static const num_table coater_tables[CT__COUNT] = {
    { coater_top_nums, CTI_YAML_N_KEYS(coater_top_nums) },
    { coater_qualified_nums, CTI_YAML_N_KEYS(coater_qualified_nums) },
    { coater_defects_nums, CTI_YAML_N_KEYS(coater_defects_nums) },
    { coater_dryer_nums, CTI_YAML_N_KEYS(coater_dryer_nums) },
};

/* Bit of solid_content, the last row of COATER_TOP (coater_check asks
 * whether it was written). */
enum { BIT_SOLID_CONTENT = CTI_YAML_N_KEYS(coater_top_nums) - 1 };

static const cti_yaml_key coater_qualified_keys[] = { COATER_QUALIFIED(AS_YAML_KEY) };
static const cti_yaml_key coater_defects_keys[] = { COATER_DEFECTS(AS_YAML_KEY) };

static ct_status coater_lanes(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    coater_params *p = ((key_ctx *)obj)->kind;
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 1, CTI_MAX_LANES, "an integer from 1 to 32", &x);
    if (st == CT_OK) {
        p->lanes = (unsigned)x;
        p->has_lanes = true;
    }
    return st;
}

static ct_status coater_sides(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    coater_params *p = ((key_ctx *)obj)->kind;
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 1, MAX_SIDES,
                                    "1 or 2 (2: a tandem coater coats both sides)", &x);
    if (st == CT_OK)
        p->sides = (int)x;
    return st;
}

static ct_status coater_cleans(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    coater_params *p = ((key_ctx *)obj)->kind;
    p->has_cleans = true;
    return cti_yaml_get_bool(y, v, &p->correction_cleans);
}

static ct_status coater_polarity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    coater_params *p = ((key_ctx *)obj)->kind;
    p->has_polarity = true;
    return get_polarity(y, v, &p->polarity);
}

static ct_status coater_qualified(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    coater_params *p = ((key_ctx *)obj)->kind;
    return walk_table(y, v, coater_qualified_keys, CTI_YAML_N_KEYS(coater_qualified_keys),
                      coater_tables, CT_QUALIFIED, &p->given, &p->set, p);
}

static ct_status coater_defects(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    coater_params *p = ((key_ctx *)obj)->kind;
    return walk_table(y, v, coater_defects_keys, CTI_YAML_N_KEYS(coater_defects_keys),
                      coater_tables, CT_DEFECTS, &p->given, &p->set, p);
}

/* dryer.zones[i]: {temperature, length} */
typedef struct zone_item {
    coater_params *p;
    int i;
} zone_item;

static ct_status zone_temperature(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    zone_item *z = obj;
    return cti_yaml_get_quantity(y, v, CT_DIM_TEMPERATURE, true, CTI_YAML_ANY,
                                 &z->p->zone_temp_c[z->i]);
}

static ct_status zone_length(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    zone_item *z = obj;
    return cti_yaml_get_quantity(y, v, CT_DIM_LENGTH, true, CTI_YAML_POSITIVE,
                                 &z->p->zone_length_m[z->i]);
}

static const cti_yaml_key zone_keys[] = {
    { "temperature", true, "the zone's air temperature, such as \"120 C\"", zone_temperature },
    { "length", true, "the zone's length, such as \"10 m\"", zone_length },
};

static ct_status zone_read(cti_yaml_ctx *y, const cti_yaml_value *item, int i, void *obj)
{
    zone_item z = { obj, i };
    cti_yaml_walk w;
    return cti_yaml_walk_mapping(y, item, zone_keys, CTI_YAML_N_KEYS(zone_keys), &z, &w);
}

static ct_status dryer_zones(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    coater_params *p = ((key_ctx *)obj)->kind;
    int n;
    ct_status st = cti_yaml_get_list(y, v, CTI_DRYER_MAX_ZONES,
                                     "a list of 1 to 8 zones such as [{temperature: 90 C, length: "
                                     "10 m}, {temperature: 120 C, length: 10 m}]",
                                     "zones", &n);
    if (st != CT_OK)
        return st;
    p->zones = (unsigned)n;
    p->has_zones = true;
    return cti_yaml_walk_list(y, v, zone_read, p);
}

static const cti_yaml_key coater_dryer_keys[] = {
    COATER_DRYER(AS_YAML_KEY)
    { "zones", false, OPT, dryer_zones },
};

static ct_status coater_dryer(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    coater_params *p = ((key_ctx *)obj)->kind;
    return walk_table(y, v, coater_dryer_keys, CTI_YAML_N_KEYS(coater_dryer_keys), coater_tables,
                      CT_DRYER, &p->given, &p->set, p);
}

static const cti_yaml_key coater_keys[] = {
    COATER_TOP(AS_YAML_KEY)
    { "lanes", false, OPT, coater_lanes },
    { "sides", false, OPT, coater_sides },
    { "correction_cleans", false, OPT, coater_cleans },
    { "polarity", false, OPT, coater_polarity },
    { "qualified", false, OPT, coater_qualified },
    { "defects", false, OPT, coater_defects },
    { "dryer", false, OPT, coater_dryer },
};

/* The coater's parameters for recipe r and solid content sc: the
 * recipe's defaults with what was written laid over them. */
static void coater_resolve(const coater_params *p, const cti_recipe *r, double sc,
                           coater_values *v)
{
    memset(v, 0, sizeof *v);
    cti_coat_params_default(&v->coat, r);
    /* The recipe was qualified as it is mixed here. */
    v->coat.qualified_viscosity_pa_s = cti_slurry_viscosity_rest_pa_s(r, sc, r->ref_temp_c);
    v->cleaning_time_s = 20.0 * 60.0;
    v->solid_content = sc;
    v->base_spacing_m = 1.0 / v->coat.hazard_base_per_m;
    overlay(v, &p->given, sizeof *v, coater_tables, CT__COUNT, p->set);
    v->coat.hazard_base_per_m = 1.0 / v->base_spacing_m;
    if (p->has_lanes)
        v->coat.lanes = p->lanes;
    if (p->has_cleans)
        v->coat.correction_cleans = p->correction_cleans;
    if (p->has_zones) {
        v->coat.zones = p->zones;
        for (unsigned i = 0; i < p->zones; i++) {
            v->coat.zone_temp_c[i] = p->zone_temp_c[i];
            v->coat.zone_length_m[i] = p->zone_length_m[i];
        }
    }
}

/* The checks that need no recipe, with the key's position: the web and
 * the speed against the machine's limits. */
static ct_status coater_check_geometry(cti_yaml_ctx *y, const coater_params *p)
{
    cti_recipe r;
    coater_values v;
    cti_recipe_default(&r, CTI_CATHODE);
    coater_resolve(p, &r, 0.5, &v);   /* limits and geometry do not depend on the recipe */
    const cti_yaml_walk *w = &p->walk;
    const cti_coat_params *c = &v.coat;
    char kp[CTI_YAML_PATH_MAX];
    ct_status st = check_speed(y, w, p->path, "coater", c->speed_m_s, c->max_speed_m_s);
    if (st != CT_OK)
        return st;
    if (c->width_m > c->max_width_m) {
        const cti_yaml_loc *at = cti_yaml_seen(w, "width");
        cti_yaml_join_key(kp, sizeof kp, p->path, at ? "width" : "max_width");
        return cti_yaml_fail(y, at ? *at : *cti_yaml_seen(w, "max_width"), kp,
                             "expected a web width <= the coater's limit of %g mm (max_width), "
                             "got %g mm",
                             c->max_width_m * 1e3, c->width_m * 1e3);
    }
    if (c->lanes * c->lane_width_m > c->width_m * (1.0 + 1e-12)) {
        const cti_yaml_loc *at = cti_yaml_seen(w, "lane_width");
        if (!at)
            at = cti_yaml_seen(w, "lanes");
        if (!at)
            at = cti_yaml_seen(w, "width");
        cti_yaml_join_key(kp, sizeof kp, p->path, "lane_width");
        return cti_yaml_fail(y, at ? *at : w->map_loc, kp,
                             "expected lanes x lane_width <= width (%g mm), got %u x %g mm = %g mm",
                             c->width_m * 1e3, c->lanes, c->lane_width_m * 1e3,
                             c->lanes * c->lane_width_m * 1e3);
    }
    return CT_OK;
}

static ct_status coater_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                              void **params)
{
    coater_params *p = calloc(1, sizeof *p);
    if (!p)
        return cti_yaml_fail_nomem(y);
    *params = p;
    snprintf(p->path, sizeof p->path, "%s", v->path);
    p->sides = 1;
    p->servers = st->servers;
    p->mixer = -1;
    if (cti_yaml_is_null(v->node))
        return cti_yaml_fail(y, v->loc, v->path,
                             "missing required key; expected a mapping with at least coil_length "
                             "and loading, such as {coil_length: 2000 m, loading: 20 mg/cm2}");
    key_ctx c = { coater_top_nums, CTI_YAML_N_KEYS(coater_top_nums), 0,
                  (unsigned char *)&p->given, &p->set, p };
    ct_status s;
    if ((s = cti_yaml_walk_mapping(y, v, coater_keys, CTI_YAML_N_KEYS(coater_keys), &c,
                                   &p->walk)) != CT_OK ||
        (s = coater_check_geometry(y, p)) != CT_OK)
        return s;

    /* The station's settings follow from the coil: it makes one coil of
     * coil_length from its input's slurry (the amount needs the solid
     * content, known in coater_check). */
    char sp[CTI_YAML_PATH_MAX], kp[KEY_PATH_MAX];
    station_path(sp, sizeof sp, v->path);
    double length = p->given.coil_length_m;
    if (st->n_consumes == 0) {
        st->n_consumes = 1;
        st->consumes[0] = (cti_consume){ .port = 0, .material = -1, .amount = 1.0,
                                         .dim = CT_DIM_MASS, .loc = st->loc };
        st->makes = CTI_FORM_COIL;
    } else {
        p->consumes_written = true;
        const cti_consume *k = &st->consumes[0];
        if (st->n_consumes != 1 || k->port < 0 || k->dim != CT_DIM_MASS) {
            cti_yaml_join_key(kp, sizeof kp, sp, "consumes");
            return cti_yaml_fail(y, yloc(k->loc), kp,
                                 "expected one entry, a mass of slurry from an input (or no "
                                 "consumes: the coater derives it from the coil)");
        }
        if (st->makes != CTI_FORM_COIL) {
            cti_yaml_join_key(kp, sizeof kp, sp, "makes");
            return cti_yaml_fail(y, yloc(st->loc), kp, "expected makes: coil for a coater");
        }
    }
    if (st->makes_quantity > 0 && fabs(st->makes_quantity - length) > AMOUNT_REL_TOL * length) {
        cti_yaml_join_key(kp, sizeof kp, sp, "quantity");
        return cti_yaml_fail(y, yloc(st->loc), kp,
                             "expected no quantity, or the coater's coil_length (%g m), got %g m",
                             length, st->makes_quantity);
    }
    st->makes_quantity = length;
    return CT_OK;
}

/* Coils checked for the batch remainders they leave: enough to find the
 * pattern of any ratio of coil to batch written with a few digits. */
#define BUFFER_CHECK_COILS 10000

/* A converter's input holds the unit being used up as well as those
 * waiting, so a coil that needs more slurry than the rest of the current
 * batch plus the batches that fit behind it never starts: the line stops.
 * Finds the least buffer that never stalls, from the remainders that coil
 * after coil leaves in the current batch, and refuses a smaller one. */
ct_status cti_coater_check_buffer(cti_yaml_ctx *y, const cti_station *st, const char *sp,
                                  double per_coil_kg, double batch_kg)
{
    long cap = st->ports[st->consumes[0].port].buffer;
    if (cap == CTI_BUFFER_INF)
        return CT_OK;
    if (cap < 1)
        cap = 1;   /* line.c: a converter's input holds at least the unit in use */
    double tol = 1e-9 * batch_kg;
    long need = (long)ceil(per_coil_kg / batch_kg - 1e-9);
    double worst_left = -1;   /* least slurry left in an opened batch, or -1 */
    for (long n = 1; n <= BUFFER_CHECK_COILS; n++) {
        double used = fmod(n * per_coil_kg, batch_kg);
        if (used <= tol || batch_kg - used <= tol)
            continue;   /* the batch was used up exactly */
        double left = batch_kg - used;
        if (worst_left < 0 || left < worst_left)
            worst_left = left;
    }
    if (worst_left >= 0) {
        long behind = (long)ceil((per_coil_kg - worst_left) / batch_kg - 1e-9);
        if (behind < 0)
            behind = 0;
        if (1 + behind > need)
            need = 1 + behind;
    }
    if (cap >= need)
        return CT_OK;
    char kp[KEY_PATH_MAX];
    bool named = st->n_ports > 1 || strcmp(st->ports[0].name, "in") != 0;
    cti_yaml_join_key(kp, sizeof kp, sp, named ? "inputs" : "buffer");
    return cti_yaml_fail(y, yloc(st->loc), kp,
                         "expected room for %ld batches at the coater's input (a coil takes "
                         "%.7g kg of slurry, a batch is %g kg, and the batch in use counts), got "
                         "%ld: the line would stop",
                         need, per_coil_kg, batch_kg, cap);
}

/* Once the whole file is read: the recipe and solid content from the mixer
 * upstream (or the coater's own polarity and solid_content keys when there
 * is none), the full validation of the coating parameters, and the slurry
 * per coil. Idempotent: the calender and the slitter call it for the
 * coater upstream of them. */
static ct_status coater_check(cti_yaml_ctx *y, cti_station *st, const ct_factory *f)
{
    coater_params *p = st->kind_params;
    if (p->checked)
        return CT_OK;
    char sp[CTI_YAML_PATH_MAX], kp[KEY_PATH_MAX];
    station_path(sp, sizeof sp, p->path);
    const cti_yaml_walk *w = &p->walk;
    int found[8];
    int n = find_upstream(f, station_index(f, st), &cti_kind_mixer, found, 8);
    if (n < 0)
        return cti_yaml_fail_nomem(y);
    if (n > 0) {
        const cti_station *ms = &f->stations[found[0]];
        const mixer_params *mp = ms->kind_params;
        const char *own = p->has_polarity                        ? "polarity"
                          : was_set(p->set, BIT_SOLID_CONTENT) ? "solid_content"
                                                               : NULL;
        if (own) {
            cti_yaml_join_key(kp, sizeof kp, p->path, own);
            return cti_yaml_fail(y, *cti_yaml_seen(w, own), kp,
                                 "expected no %s: the slurry comes from mixer \"%s\", which sets it",
                                 own, ms->name);
        }
        for (int i = 1; i < n && i < 8; i++) {
            const cti_station *o = &f->stations[found[i]];
            const mixer_params *op = o->kind_params;
            if (memcmp(&op->v.recipe, &mp->v.recipe, sizeof mp->v.recipe) != 0 ||
                op->v.mix.solid_content != mp->v.mix.solid_content)
                return cti_yaml_fail(y, w->map_loc, p->path,
                                     "expected the mixers upstream to make the same slurry, but "
                                     "\"%s\" and \"%s\" differ in recipe or solid content",
                                     ms->name, o->name);
        }
        p->mixer = found[0];
        p->recipe = mp->v.recipe;
        p->solid_content = mp->v.mix.solid_content;
        p->stand_offset_s = mp->v.dosing_time_s + mp->v.mix.mixing_time_s;
    } else {
        if (!was_set(p->set, BIT_SOLID_CONTENT)) {
            cti_yaml_join_key(kp, sizeof kp, p->path, "solid_content");
            return cti_yaml_fail(y, w->map_loc, kp,
                                 "missing required key; expected the slurry's solid content such "
                                 "as \"58 %%\": no mixer upstream gives it");
        }
        cti_recipe_default(&p->recipe, p->has_polarity ? p->polarity : CTI_CATHODE);
        p->solid_content = p->given.solid_content;
        p->stand_offset_s = 0;
    }
    coater_resolve(p, &p->recipe, p->solid_content, &p->v);
    ct_error err;
    ct_error_clear(&err);
    if (cti_coat_params_validate(&p->v.coat, &p->recipe, &err) != CT_OK)
        return fail_model(y, w->map_loc, p->path, &err);

    const cti_coat_params *c = &p->v.coat;
    double coated_m2 = p->sides * c->lanes * c->lane_width_m * p->v.coil_length_m;
    p->slurry_per_coil_kg = coated_m2 * c->loading_kg_m2 / p->solid_content;
    cti_consume *k = &st->consumes[0];
    if (p->consumes_written &&
        fabs(k->amount - p->slurry_per_coil_kg) > AMOUNT_REL_TOL * p->slurry_per_coil_kg) {
        snprintf(kp, sizeof kp, "%s.consumes[0].amount", sp);
        return cti_yaml_fail(y, yloc(k->loc), kp,
                             "expected %.7g kg of slurry per coil (%d side%s x %u lanes x %g mm x "
                             "%g m x %g mg/cm2 / solid content %g), or no consumes: (the coater "
                             "derives it), got %.7g kg",
                             p->slurry_per_coil_kg, p->sides, p->sides > 1 ? "s" : "", c->lanes,
                             c->lane_width_m * 1e3, p->v.coil_length_m, c->loading_kg_m2 * 100.0,
                             p->solid_content, k->amount);
    }
    k->amount = p->slurry_per_coil_kg;
    if (p->mixer >= 0) {
        const mixer_params *mp = f->stations[p->mixer].kind_params;
        ct_status s = cti_coater_check_buffer(y, st, sp, p->slurry_per_coil_kg,
                                          mp->v.mix.batch_mass_kg);
        if (s != CT_OK)
            return s;
    }
    p->checked = true;
    return CT_OK;
}

/* One server's slot die(s) and the coil it is coating. Slots are taken at
 * job start and given back at job end; with one server the slot is the
 * server's die. */
typedef struct coater_slot {
    uint32_t coil;              /* material id of the coil in process, 0 = free */
    cti_coater_state die[MAX_SIDES];
    size_t n_spans;
    cti_defect_span spans[MAX_SIDES * COATER_SPANS];
} coater_slot;
_Static_assert(offsetof(coater_slot, coil) == 0, "a coil slot starts with its coil (coil_slots.h)");

typedef struct coater_state {
    cti_coil_slots slots;       /* of coater_slot */
    cti_coater_totals totals;
} coater_state;
_Static_assert(offsetof(coater_state, slots) == 0, "the slots first (coil_slots.h)");

static void *coater_state_create(const void *params)
{
    const coater_params *p = params;
    coater_state *s = cti_coil_state_create(sizeof(coater_state), p->servers, sizeof(coater_slot));
    if (!s)
        return NULL;
    for (int i = 0; i < s->slots.n; i++) {
        coater_slot *slot = cti_coil_slot_at(&s->slots, i);
        for (int d = 0; d < MAX_SIDES; d++)
            cti_coater_init(&slot->die[d]);
    }
    return s;
}

void cti_coater_totals_get(const void *kind_state, cti_coater_totals *out)
{
    const coater_state *s = kind_state;
    *out = s->totals;
}

static double coater_energy_wh(const void *state)
{
    return ((const coater_state *)state)->totals.drying_energy_wh;
}

/* A batch made without the mixer model (a converter without a kind) has
 * no slurry attributes: take it as the nominal slurry at rest. */
static void nominal_slurry(const coater_params *p, double attr[CTI_M__COUNT])
{
    const cti_recipe *r = &p->recipe;
    attr[CTI_M_SOLID_CONTENT] = p->solid_content;
    attr[CTI_M_SLURRY_TEMP] = r->ref_temp_c;
    attr[CTI_M_VISCOSITY] = cti_slurry_viscosity_rest_pa_s(r, p->solid_content, r->ref_temp_c);
    attr[CTI_M_AGGLOMERATE] = p->v.coat.agglomerate_ref_m;
    attr[CTI_M_STANDING_TIME] = 0;
}

/* Sorts spans by start and merges overlapping ones (the two sides of a
 * tandem coater, or spans merged by a full buffer), so each metre cut out
 * is counted once. */
static size_t merge_spans(cti_defect_span *s, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        cti_defect_span x = s[i];
        size_t j = i;
        while (j > 0 && s[j - 1].from_m > x.from_m) {
            s[j] = s[j - 1];
            j--;
        }
        s[j] = x;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && s[i].from_m <= s[k - 1].to_m) {
            cti_defect_span *last = &s[k - 1];
            if (s[i].to_m > last->to_m)
                last->to_m = s[i].to_m;
            if (s[i].severity > last->severity)
                last->severity = s[i].severity;
            last->lane_mask |= s[i].lane_mask;
            last->defect |= s[i].defect;
        } else {
            s[k++] = s[i];
        }
    }
    return k;
}

/* The coil exists at job start (kind.h): the slurry stands until now,
 * the die is cleaned if due, each side is coated and dried. The defect
 * spans wait in the slot until the job ends, when they are cut out. */
static double coater_start(cti_job *job)
{
    const coater_params *p = job->params;
    coater_state *s = job->state;
    const cti_coat_params *c = &p->v.coat;
    double length = p->v.coil_length_m;
    double t = length / c->speed_m_s;
    cti_material *m;
    coater_slot *slot = cti_coil_slot_take(job, &m);
    if (!slot)
        return t;
    slot->n_spans = 0;

    /* The slurry: the inputs' attributes, standing since mixing ended. */
    int pol = m->polarity & 1;
    double batch[CTI_M__COUNT];
    for (int a = 0; a < CTI_M__COUNT; a++)
        batch[a] = job->has_input[pol] ? job->input_attr[pol][a] : 0.0;
    if (!(batch[CTI_M_SOLID_CONTENT] > 0) || !(batch[CTI_M_VISCOSITY] > 0))
        nominal_slurry(p, batch);
    uint32_t defects = 0;
    double standing_s = job->input_age_s[pol] - p->stand_offset_s;
    if (standing_s > 0)
        cti_slurry_stand(&p->recipe, batch, standing_s, &defects);

    /* Scheduled cleaning between coils, both dies in one stop. */
    bool due = false;
    for (int d = 0; d < p->sides; d++)
        due = due || cti_coater_cleaning_due(c, &slot->die[d]);
    if (due) {
        for (int d = 0; d < p->sides; d++)
            cti_coater_clean(&slot->die[d]);
        t += p->v.cleaning_time_s;
        s->totals.cleanings++;
    }

    double attr[CTI_M__COUNT] = { 0 };
    for (int d = 0; d < p->sides; d++) {
        double side[CTI_M__COUNT];
        cti_coat_result res;
        cti_coat_coil(c, &p->recipe, &slot->die[d], batch, length, job->rng, side,
                      slot->spans + slot->n_spans, COATER_SPANS, &res);
        slot->n_spans += res.n_spans;
        for (int a = 0; a < CTI_M__COUNT; a++)
            attr[a] += side[a] / p->sides;
        s->totals.defects += res.defects;
        s->totals.cracked += res.cracked;
        s->totals.drying_energy_wh += res.drying_energy_wh;
        s->totals.solvent_evaporated_kg += res.solvent_evaporated_kg;
    }
    slot->n_spans = merge_spans(slot->spans, slot->n_spans);
    /* A prelithiation additive in the cathode: the lithium it gives up on
     * the first charge, as lithium per m2 and side (3861 Ah/kg), which the
     * stacker turns into the cell's prelithiation charge. */
    if (p->recipe.additive_frac > 0)
        attr[CTI_M_PRELITHIATION] = attr[CTI_M_AREAL_LOADING] * p->recipe.additive_frac *
                                    p->recipe.additive_capacity_ah_kg / CTI_LITHIUM_AH_KG;
    for (int a = 0; a < CTI_M__COUNT; a++)
        m->attr[a] = (float)attr[a];
    m->lanes = (uint8_t)c->lanes;
    m->defects |= defects;
    s->totals.coils++;
    return t;
}

/* The camera found each defect and the stretch is cut out: removed spans
 * (skipped downstream) and scrap, now that the coil is done. */
static void coater_finish(cti_job *job)
{
    coater_state *s = job->state;
    cti_material *m;
    coater_slot *slot = cti_coil_slot_of(job, &m);
    if (!slot)
        return;
    for (size_t i = 0; i < slot->n_spans; i++) {
        cti_defect_span sp = slot->spans[i];
        sp.removed = true;
        double metres = sp.to_m - sp.from_m;
        /* Out of memory for the span: the metres stay in the coil rather
         * than being counted as scrap without being cut out. */
        if (metres > 0 && cti_material_add_span(m, &sp)) {
            cti_job_scrap_part(job, 0, CAUSE_COATING, metres);
            s->totals.scrap_m += metres;
        }
    }
    slot->coil = 0;
    slot->n_spans = 0;
}

/* With a mixer upstream the polarity and the solid content are the
 * mixer's (not keys of this station); the rest as resolved by check. */
static void coater_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const coater_params *p = params;
    const cti_coat_params *c = &p->v.coat;
    bool own_slurry = p->mixer < 0;
    if (own_slurry)
        cti_pk_emit_word(emit, ctx, "", "polarity", polarity_name(p->recipe.polarity));
    cti_pk_emit_int(emit, ctx, "", "lanes", (long)c->lanes);
    cti_pk_emit_int(emit, ctx, "", "sides", p->sides);
    cti_pk_emit_bool(emit, ctx, "", "correction_cleans", c->correction_cleans);
    static const char *const prefix[CT__COUNT] = { "", "qualified.", "defects.", "dryer." };
    for (int t = 0; t < CT__COUNT; t++)
        describe_nums(&coater_tables[t], prefix[t], &p->v, own_slurry ? NULL : "solid_content",
                      emit, ctx);
    for (unsigned i = 0; i < c->zones; i++) {
        char zone[48];
        snprintf(zone, sizeof zone, "dryer.zones[%u].", i);
        cti_pk_emit_qty(emit, ctx, zone, "temperature", c->zone_temp_c[i], CT_DIM_TEMPERATURE,
                        false);
        cti_pk_emit_qty(emit, ctx, zone, "length", c->zone_length_m[i], CT_DIM_LENGTH, false);
    }
}

const cti_kind cti_kind_coater = {
    .name = "coater",
    .input_form = CTI_FORM_BATCH,
    .output_form = CTI_FORM_COIL,
    .parse = coater_parse,
    .free_params = free,
    .state_create = coater_state_create,
    .state_destroy = cti_coil_state_destroy,
    .start = coater_start,
    .finish = coater_finish,
    .check = coater_check,
    .energy_wh = coater_energy_wh,
    .describe = coater_describe,
};

/* Where a station's coils come from: the coater or dry coater upstream
 * (checked), its recipe and lanes. */
typedef struct coil_source {
    const cti_station *st;      /* NULL: none upstream */
    cti_recipe recipe;
    unsigned lanes;
    const char *what;           /* "coater" or "dry coater" */
} coil_source;

static ct_status upstream_coils(cti_yaml_ctx *y, const cti_station *st, const ct_factory *f,
                                coil_source *out)
{
    memset(out, 0, sizeof *out);
    const cti_kind *kinds[2] = { &cti_kind_coater, &cti_kind_dry_coater };
    for (int k = 0; k < 2; k++) {
        int found[1];
        int n = find_upstream(f, station_index(f, st), kinds[k], found, 1);
        if (n < 0)
            return cti_yaml_fail_nomem(y);
        if (n == 0)
            continue;
        cti_station *cs = &f->stations[found[0]];
        ct_status rc = kinds[k]->check(y, cs, f);
        if (rc != CT_OK)
            return rc;
        out->st = cs;
        if (k == 0) {
            const coater_params *cp = cs->kind_params;
            out->recipe = cp->recipe;
            out->lanes = cp->v.coat.lanes;
            out->what = "coater";
        } else {
            cti_dry_coater_info(cs->kind_params, &out->recipe, &out->lanes);
            out->what = "dry coater";
        }
        return CT_OK;
    }
    return CT_OK;
}

/* Metres of coil m still to run: its length less what was used and the
 * stretches cut out (removed spans on its lane). */
static double coil_good_m(const cti_material *m)
{
    double a = m->start + m->used, b = m->start + m->length, cut = 0;
    for (int i = 0; i < m->n_spans; i++) {
        const cti_defect_span *s = &m->spans[i];
        if (!s->removed || !(s->lane_mask >> m->lane & 1u))
            continue;
        double lo = fmax(a, s->from_m), hi = fmin(b, s->to_m);
        if (hi > lo)
            cut += hi - lo;
    }
    return fmax(0.0, b - a - cut);
}

/* Metres of the coils of a job; 0 when it holds none. */
static double job_coil_length(const cti_job *job)
{
    double len = 0;
    for (int i = 0; i < job->n_units; i++) {
        const cti_material *m = cti_job_material(job, i);
        if (m && m->form == CTI_FORM_COIL)
            len += coil_good_m(m);
    }
    return len;
}

/* ======================================================================== */
/* calender                                                                 */
/* ======================================================================== */

typedef struct calender_values {
    cti_calender_params cal;
} calender_values;

typedef struct calender_params {
    calender_values given, v;
    uint64_t set;
    bool has_polarity;
    cti_polarity polarity;
    char path[CTI_YAML_PATH_MAX];
    cti_yaml_walk walk;
    cti_recipe recipe;          /* resolved by calender_check */
    bool from_coater;           /* the recipe is the coater's upstream */
} calender_params;

#define CALENDER_TOP(X)                                                                       \
    X(line_load, cal.line_load_n_m, CT_DIM_FORCE_LENGTH, NONNEGATIVE, false, false, OPT)      \
    X(roll_temperature, cal.roll_temp_c, CT_DIM_TEMPERATURE, ANY, false, false, OPT)          \
    X(speed, cal.speed_m_s, CT_DIM_SPEED, POSITIVE, false, false, OPT)                        \
    X(max_speed, cal.max_speed_m_s, CT_DIM_SPEED, POSITIVE, false, false, OPT)                \
    X(porosity_min, cal.porosity_min, CT_DIM_NONE, FRACTION, false, false, OPT)               \
    X(compaction_resistance, cal.compaction_resistance_n_m, CT_DIM_FORCE_LENGTH, POSITIVE,    \
      false, false, OPT)                                                                      \
    X(reference_temperature, cal.ref_temp_c, CT_DIM_TEMPERATURE, ANY, false, false, OPT)      \
    X(softening, cal.softening_k, CT_DIM_TEMPERATURE, POSITIVE, true, false, OPT)             \
    X(porosity_sd, cal.porosity_sd, CT_DIM_NONE, NONNEGATIVE, false, false, OPT)

#define CALENDER_NUM(key, field, dim, range, diff, req, expect)                               \
    { #key, dim, CTI_YAML_##range, diff, offsetof(calender_values, field) },

static const num_key calender_nums[] = { CALENDER_TOP(CALENDER_NUM) };
static const num_table calender_tables[1] = { { calender_nums, CTI_YAML_N_KEYS(calender_nums) } };

static ct_status calender_polarity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    calender_params *p = ((key_ctx *)obj)->kind;
    p->has_polarity = true;
    return get_polarity(y, v, &p->polarity);
}

static const cti_yaml_key calender_keys[] = {
    CALENDER_TOP(AS_YAML_KEY)
    { "polarity", false, OPT, calender_polarity },
};

static void calender_resolve(const calender_params *p, const cti_recipe *r, calender_values *v)
{
    cti_calender_params_default(&v->cal, r);
    overlay(v, &p->given, sizeof *v, calender_tables, 1, p->set);
}

static ct_status calender_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                                void **params)
{
    (void)st;
    calender_params *p = calloc(1, sizeof *p);
    if (!p)
        return cti_yaml_fail_nomem(y);
    *params = p;
    snprintf(p->path, sizeof p->path, "%s", v->path);
    p->walk.map_loc = v->loc;
    p->walk.keys = calender_keys;
    p->walk.n_keys = CTI_YAML_N_KEYS(calender_keys);
    if (!cti_yaml_is_null(v->node)) {
        key_ctx c = { calender_nums, CTI_YAML_N_KEYS(calender_nums), 0, (unsigned char *)&p->given,
                      &p->set, p };
        ct_status s = cti_yaml_walk_mapping(y, v, calender_keys, CTI_YAML_N_KEYS(calender_keys),
                                            &c, &p->walk);
        if (s != CT_OK)
            return s;
    }
    /* The speed limit does not depend on the recipe: check it here, at the key. */
    cti_recipe r;
    cti_recipe_default(&r, CTI_CATHODE);
    calender_resolve(p, &r, &p->v);
    return check_speed(y, &p->walk, p->path, "calender", p->v.cal.speed_m_s,
                       p->v.cal.max_speed_m_s);
}

static ct_status calender_check(cti_yaml_ctx *y, cti_station *st, const ct_factory *f)
{
    calender_params *p = st->kind_params;
    coil_source src;
    ct_status s = upstream_coils(y, st, f, &src);
    if (s != CT_OK)
        return s;
    if (src.st) {
        if (p->has_polarity) {
            char kp[CTI_YAML_PATH_MAX];
            cti_yaml_join_key(kp, sizeof kp, p->path, "polarity");
            return cti_yaml_fail(y, *cti_yaml_seen(&p->walk, "polarity"), kp,
                                 "expected no polarity: the coils come from %s \"%s\" (%s)",
                                 src.what, src.st->name, polarity_name(src.recipe.polarity));
        }
        p->recipe = src.recipe;
        p->from_coater = true;
    } else {
        cti_recipe_default(&p->recipe, p->has_polarity ? p->polarity : CTI_CATHODE);
    }
    calender_resolve(p, &p->recipe, &p->v);
    ct_error err;
    ct_error_clear(&err);
    if (cti_calender_params_validate(&p->v.cal, &err) != CT_OK)
        return fail_model(y, p->walk.map_loc, p->path, &err);
    return CT_OK;
}

static double calender_start(cti_job *job)
{
    const calender_params *p = job->params;
    double len = job_coil_length(job);
    return len > 0 ? len / p->v.cal.speed_m_s : -1.0;
}

static void calender_finish(cti_job *job)
{
    const calender_params *p = job->params;
    for (int i = 0; i < job->n_units; i++) {
        cti_material *m = cti_job_material(job, i);
        if (!m || m->form != CTI_FORM_COIL)
            continue;
        double attr[CTI_M__COUNT];
        for (int a = 0; a < CTI_M__COUNT; a++)
            attr[a] = m->attr[a];
        /* A coil coated without the coater model has no coating to press. */
        if (!(attr[CTI_M_POROSITY] > 0 && attr[CTI_M_POROSITY] < 1) ||
            !(attr[CTI_M_COATING_THICKNESS] > 0))
            continue;
        cti_calender_result res;
        cti_calender_coil(&p->v.cal, &p->recipe, attr, job->rng, &res);
        /* Passes compound: the degree is of the coating as coated. */
        double before = m->attr[CTI_M_COMPACTION];
        m->attr[CTI_M_POROSITY] = (float)attr[CTI_M_POROSITY];
        m->attr[CTI_M_COATING_THICKNESS] = (float)attr[CTI_M_COATING_THICKNESS];
        m->attr[CTI_M_DENSITY] = (float)attr[CTI_M_DENSITY];
        m->attr[CTI_M_COMPACTION] = (float)(1.0 - (1.0 - before) * (1.0 - res.compaction_degree));
    }
}

/* The polarity is the coater's when the coils come from one. */
static void calender_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const calender_params *p = params;
    if (!p->from_coater)
        cti_pk_emit_word(emit, ctx, "", "polarity", polarity_name(p->recipe.polarity));
    describe_nums(&calender_tables[0], "", &p->v, NULL, emit, ctx);
}

const cti_kind cti_kind_calender = {
    .name = "calender",
    .input_form = CTI_FORM_COIL,
    .output_form = CTI_FORM_COIL,
    .parse = calender_parse,
    .free_params = free,
    .start = calender_start,
    .finish = calender_finish,
    .check = calender_check,
    .describe = calender_describe,
};

/* ======================================================================== */
/* slitter                                                                  */
/* ======================================================================== */

typedef struct slitter_values {
    cti_slit_params slit;
    double speed_m_s, max_speed_m_s;
} slitter_values;

typedef struct slitter_params {
    slitter_values given, v;
    uint64_t set;
    char path[CTI_YAML_PATH_MAX];
} slitter_params;

#define SLITTER_TOP(X)                                                                        \
    X(speed, speed_m_s, CT_DIM_SPEED, POSITIVE, false, false, OPT)                            \
    X(max_speed, max_speed_m_s, CT_DIM_SPEED, POSITIVE, false, false, OPT)                    \
    X(burr_mean, slit.burr_mean_m, CT_DIM_LENGTH, NONNEGATIVE, false, false, OPT)             \
    X(burr_sd, slit.burr_sd_m, CT_DIM_LENGTH, NONNEGATIVE, false, false, OPT)

#define SLITTER_NUM(key, field, dim, range, diff, req, expect)                                \
    { #key, dim, CTI_YAML_##range, diff, offsetof(slitter_values, field) },

static const num_key slitter_nums[] = { SLITTER_TOP(SLITTER_NUM) };
static const num_table slitter_tables[1] = { { slitter_nums, CTI_YAML_N_KEYS(slitter_nums) } };
static const cti_yaml_key slitter_keys[] = { SLITTER_TOP(AS_YAML_KEY) };

static ct_status slitter_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                               void **params)
{
    slitter_params *p = calloc(1, sizeof *p);
    if (!p)
        return cti_yaml_fail_nomem(y);
    *params = p;
    snprintf(p->path, sizeof p->path, "%s", v->path);
    cti_yaml_walk w;
    memset(&w, 0, sizeof w);
    w.map_loc = v->loc;
    w.keys = slitter_keys;
    w.n_keys = CTI_YAML_N_KEYS(slitter_keys);
    if (!cti_yaml_is_null(v->node)) {
        key_ctx c = { slitter_nums, CTI_YAML_N_KEYS(slitter_nums), 0, (unsigned char *)&p->given,
                      &p->set, p };
        ct_status s = cti_yaml_walk_mapping(y, v, slitter_keys, CTI_YAML_N_KEYS(slitter_keys), &c,
                                            &w);
        if (s != CT_OK)
            return s;
    }
    /* Roller-knife slitters run faster than coaters (assumption, docs). */
    cti_slit_params_default(&p->v.slit);
    p->v.speed_m_s = 100.0 / 60.0;
    p->v.max_speed_m_s = 200.0 / 60.0;
    overlay(&p->v, &p->given, sizeof p->v, slitter_tables, 1, p->set);
    ct_status s = check_speed(y, &w, p->path, "slitter", p->v.speed_m_s, p->v.max_speed_m_s);
    if (s != CT_OK)
        return s;
    ct_error err;
    ct_error_clear(&err);
    if (cti_slit_params_validate(&p->v.slit, &err) != CT_OK)
        return fail_model(y, v->loc, v->path, &err);
    if (st->splits > (int)CTI_MAX_LANES) {
        char sp[CTI_YAML_PATH_MAX], kp[KEY_PATH_MAX];
        station_path(sp, sizeof sp, v->path);
        cti_yaml_join_key(kp, sizeof kp, sp, "splits");
        return cti_yaml_fail(y, yloc(st->loc), kp, "expected at most %u lanes for a slitter, got %d",
                             CTI_MAX_LANES, st->splits);
    }
    return CT_OK;
}

/* The slitter cuts the lanes the coater coated. */
static ct_status slitter_check(cti_yaml_ctx *y, cti_station *st, const ct_factory *f)
{
    const slitter_params *p = st->kind_params;
    coil_source src;
    ct_status s = upstream_coils(y, st, f, &src);
    if (s != CT_OK || !src.st)
        return s;
    if ((unsigned)st->splits != src.lanes) {
        char sp[CTI_YAML_PATH_MAX], kp[KEY_PATH_MAX];
        station_path(sp, sizeof sp, p->path);
        cti_yaml_join_key(kp, sizeof kp, sp, "splits");
        return cti_yaml_fail(y, yloc(st->loc), kp, "expected splits: %u, the lanes of %s \"%s\", got %d",
                             src.lanes, src.what, src.st->name, st->splits);
    }
    return CT_OK;
}

static double slitter_start(cti_job *job)
{
    const slitter_params *p = job->params;
    double len = job_coil_length(job);
    return len > 0 ? len / p->v.speed_m_s : -1.0;
}

/* The knives' burr on the coil's cut edges. The line splits the coil into
 * its lanes after this, each lane a copy of these attributes, so the
 * attribute is the highest burr of all the cut edges: what the worst lane
 * brings to notching. */
static void slitter_finish(cti_job *job)
{
    const slitter_params *p = job->params;
    int lanes = job->st->splits;
    for (int i = 0; i < job->n_units; i++) {
        cti_material *m = cti_job_material(job, i);
        if (!m || m->form != CTI_FORM_COIL)
            continue;
        double attr[CTI_M__COUNT];
        for (int a = 0; a < CTI_M__COUNT; a++)
            attr[a] = m->attr[a];
        cti_slit_coil out[CTI_MAX_LANES];
        ct_error err;
        if (cti_slit_coil_split(&p->v.slit, (unsigned)lanes, attr, m->start, m->start + m->length,
                                NULL, 0, job->rng, out, NULL, 0, &err) != CT_OK)
            continue;   /* lanes were checked at load */
        double burr = 0;
        for (int l = 0; l < lanes; l++)
            burr = fmax(burr, fmax(out[l].edge_burr_m[0], out[l].edge_burr_m[1]));
        m->attr[CTI_M_EDGE_BURR] = (float)burr;
    }
}

static void slitter_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const slitter_params *p = params;
    describe_nums(&slitter_tables[0], "", &p->v, NULL, emit, ctx);
}

const cti_kind cti_kind_slitter = {
    .name = "slitter",
    .input_form = CTI_FORM_COIL,
    .output_form = CTI_FORM_COIL,
    .parse = slitter_parse,
    .free_params = free,
    .start = slitter_start,
    .finish = slitter_finish,
    .check = slitter_check,
    .describe = slitter_describe,
};
