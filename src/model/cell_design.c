/*
 * cell_design.c - the cell-design model of cell_design.h: built-in active
 * materials, the first-cycle lithium bookkeeping that turns two electrodes
 * into a reversible capacity, the mass and volume roll-up, and the loader
 * for cell-design files (YAML, walked with the shared tables of
 * yaml_util.h). docs/calc.md writes the model down as equations; the
 * comments here say why each step is taken the way it is.
 */
#include "celltwin/cell_design.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "celltwin/units.h"
#include "model/yaml_util.h"

/* ------------------------------------------------------------------------ */
/* Built-in values                                                          */

/* Specific capacities in Ah/kg (= mAh/g), voltages vs Li/Li+.
 * - LFP 170 mAh/g is the theoretical capacity (industry-figures.md,
 *   "textbook constants"); cells deliver about 150-160, so the default is an
 *   upper bound and a file should give its own. 3.4 V: assumption, the
 *   LiFePO4/FePO4 two-phase plateau.
 * - NMC811 200 mAh/g and 3.8 V: assumptions, typical practical half-cell
 *   values to about 4.3 V.
 * - graphite 372 mAh/g (LiC6, theoretical; the review, section 1) and ICE
 *   0.90 ("in a typical graphite anode electrode, the ICE is around 90 %",
 *   the review, section 3.3). 0.10 V: assumption, the staging plateaus.
 * - SiOx about 1500 mAh/g commercially and ICE "below 80 %" (the review,
 *   section 3.3); 0.75 is an assumption inside that bound. 0.4 V:
 *   assumption, silicon's delithiation plateau.
 * Cathodes default to ICE 1 (no cathode loss): an assumption that makes
 * the computed capacity an upper bound when the file gives none. */
static const ct_active_material MATERIALS[] = {
    { "LFP", 1.0, 170.0, 3.40, 1.0 },
    { "NMC811", 1.0, 200.0, 3.80, 1.0 },
    { "graphite", 1.0, 372.0, 0.10, 0.90 },
    { "SiOx", 1.0, 1500.0, 0.40, 0.75 },
};
#define N_MATERIALS (sizeof MATERIALS / sizeof MATERIALS[0])

/* Cathode prelithiation additives: lithium given up on the first charge,
 * Ah/kg. Li5FeO4 ~700 mAh/g, an assumption from two figures: Faraday's law
 * for the 4 Li that leave it on charging, 4 x 26.80 Ah/mol / 154.5 g/mol =
 * 694 mAh/g, and the 719.95 mAh/g first charge reported for Li5FeO4/C
 * ("Addressing the initial lithium loss of lithium-ion batteries by
 * introducing pre-lithiation reagent Li5FeO4/C in the cathode side").
 * The review gives only its amount, "< 5 wt.%". */
static const struct {
    const char *name;
    double capacity_ah_kg;
} ADDITIVES[] = {
    { "Li5FeO4", 700.0 },
};

/* Handbook densities of the usual current collectors, kg/m3 (CRC Handbook
 * of Chemistry and Physics: Al 2.70 g/cm3, Cu 8.96 g/cm3). */
static const struct {
    const char *name;
    double density_kg_m3;
} FOILS[] = {
    { "aluminium", 2700.0 },
    { "aluminum", 2700.0 },
    { "Al", 2700.0 },
    { "copper", 8960.0 },
    { "Cu", 8960.0 },
};

const ct_active_material *ct_cell_material_find(const char *name)
{
    for (size_t i = 0; name && i < N_MATERIALS; i++)
        if (strcasecmp(MATERIALS[i].name, name) == 0)
            return &MATERIALS[i];
    return NULL;
}

static double additive_capacity(const char *name)
{
    for (size_t i = 0; i < sizeof ADDITIVES / sizeof ADDITIVES[0]; i++)
        if (strcasecmp(ADDITIVES[i].name, name) == 0)
            return ADDITIVES[i].capacity_ah_kg;
    return 0;
}

static double foil_density(const char *name)
{
    for (size_t i = 0; i < sizeof FOILS / sizeof FOILS[0]; i++)
        if (strcasecmp(FOILS[i].name, name) == 0)
            return FOILS[i].density_kg_m3;
    return 0;
}

const char *ct_cell_limit_name(ct_cell_limit limit)
{
    switch (limit) {
    case CT_CELL_LIMIT_CATHODE:
        return "cathode";
    case CT_CELL_LIMIT_LITHIUM:
        return "lithium";
    case CT_CELL_LIMIT_ANODE:
        return "anode";
    }
    return "?";
}

/* ------------------------------------------------------------------------ */
/* The model                                                                */

/* Range checks for designs built in code; a loaded file has passed the
 * same checks with positions already. */
typedef enum range { GT0, GE0, FRACTION, BELOW_ONE } range;

static bool ok(double x, range r)
{
    switch (r) {
    case GT0:
        return isfinite(x) && x > 0;
    case GE0:
        return isfinite(x) && x >= 0;
    case FRACTION:
        return x > 0 && x <= 1;
    case BELOW_ONE:
        return x >= 0 && x < 1;
    }
    return false;
}

static ct_status check(ct_error *err, const char *where, const char *field, double x, range r)
{
    static const char *const want[] = {
        [GT0] = "a value > 0", [GE0] = "a value >= 0",
        [FRACTION] = "a fraction in (0, 1]", [BELOW_ONE] = "a fraction in [0, 1)",
    };
    if (ok(x, r))
        return CT_OK;
    return ct_error_set(err, CT_ERR_INVALID, "%s%s%s: expected %s, got %g", where,
                        where[0] ? "." : "", field, want[r], x);
}

static ct_status check_electrode(const ct_electrode_design *e, const char *where, ct_error *err)
{
    ct_status st;
    if (e->n_materials < 1 || e->n_materials > CT_CELL_MAX_BLEND)
        return ct_error_set(err, CT_ERR_INVALID, "%s.n_materials: expected 1 to %d, got %d",
                            where, CT_CELL_MAX_BLEND, e->n_materials);
    double sum = 0;
    for (int i = 0; i < e->n_materials; i++) {
        const ct_active_material *m = &e->materials[i];
        char at[96];
        snprintf(at, sizeof at, "%s.materials[%d]", where, i);
        if ((st = check(err, at, "mass_fraction", m->mass_fraction, FRACTION)) ||
            (st = check(err, at, "specific_capacity_ah_kg", m->specific_capacity_ah_kg, GT0)) ||
            (st = check(err, at, "average_voltage_v", m->average_voltage_v, GE0)) ||
            (st = check(err, at, "initial_efficiency", m->initial_efficiency, FRACTION)))
            return st;
        sum += m->mass_fraction;
    }
    /* The slack lets fractions such as 0.3 + 0.7 that round off 1 through. */
    if (fabs(sum - 1) > 1e-9)
        return ct_error_set(err, CT_ERR_INVALID,
                            "%s.materials: expected mass fractions that sum to 1, got %.10g",
                            where, sum);
    if (e->initial_efficiency != 0 &&
        (st = check(err, where, "initial_efficiency", e->initial_efficiency, FRACTION)))
        return st;
    if ((st = check(err, where, "active_fraction", e->active_fraction, FRACTION)) ||
        (st = check(err, where, "loading_kg_m2", e->loading_kg_m2, GT0)) ||
        (st = check(err, where, "coated_area_m2", e->coated_area_m2, GT0)) ||
        (st = check(err, where, "coating_density_kg_m3", e->coating_density_kg_m3, GE0)) ||
        (st = check(err, where, "solid_density_kg_m3", e->solid_density_kg_m3, GE0)) ||
        (st = check(err, where, "foil_thickness_m", e->foil_thickness_m, GT0)) ||
        (st = check(err, where, "foil_density_kg_m3", e->foil_density_kg_m3, GT0)) ||
        (st = check(err, where, "foil_area_m2", e->foil_area_m2, GT0)))
        return st;
    return CT_OK;
}

static ct_status check_design(const ct_cell_design *d, ct_error *err)
{
    const ct_prelithiation *p = &d->prelithiation;
    ct_status st;
    if ((st = check_electrode(&d->cathode, "cathode", err)) ||
        (st = check_electrode(&d->anode, "anode", err)) ||
        (st = check(err, "", "nominal_voltage_v", d->nominal_voltage_v, GE0)) ||
        (st = check(err, "", "separator_area_m2", d->separator_area_m2, GT0)) ||
        (st = check(err, "", "separator_areal_mass_kg_m2", d->separator_areal_mass_kg_m2, GT0)) ||
        (st = check(err, "", "electrolyte_mass_kg", d->electrolyte_mass_kg, GE0)) ||
        (st = check(err, "", "electrolyte_kg_per_ah", d->electrolyte_kg_per_ah, GE0)) ||
        (st = check(err, "", "housing_mass_kg", d->housing_mass_kg, GE0)) ||
        (st = check(err, "", "housing_volume_m3", d->housing_volume_m3, GT0)) ||
        (st = check(err, "", "other_mass_kg", d->other_mass_kg, GE0)) ||
        (st = check(err, "prelithiation", "additive_fraction", p->additive_fraction, BELOW_ONE)) ||
        (st = check(err, "prelithiation", "anode_compensation", p->anode_compensation, GE0)))
        return st;
    if (p->additive_fraction > 0 &&
        (st = check(err, "prelithiation", "additive_capacity_ah_kg", p->additive_capacity_ah_kg, GT0)))
        return st;
    /* The additive takes the place of other coating solids, so it and the
     * active material cannot together exceed the coating. */
    if (d->cathode.active_fraction + p->additive_fraction > 1 + 1e-12)
        return ct_error_set(err, CT_ERR_INVALID,
                            "prelithiation.additive_fraction: expected at most 1 - "
                            "cathode.active_fraction = %g, got %g",
                            1 - d->cathode.active_fraction, p->additive_fraction);
    return CT_OK;
}

/* Average voltage of an electrode's materials, weighted by the charge each
 * delivers: the voltage each unit of charge comes out at. */
static double blend_voltage(const ct_electrode_design *e)
{
    double q = 0, qv = 0;
    for (int i = 0; i < e->n_materials; i++) {
        const ct_active_material *m = &e->materials[i];
        q += m->mass_fraction * m->specific_capacity_ah_kg;
        qv += m->mass_fraction * m->specific_capacity_ah_kg * m->average_voltage_v;
    }
    return qv / q;
}

static void electrode_compute(const ct_electrode_design *e, ct_electrode_result *r)
{
    /* A blend's reversible capacity is mass-weighted; its first-charge
     * capacity adds each material's q/ICE, so a little SiOx with a poor ICE
     * weighs on the whole electrode in proportion to the charge it takes. */
    double q = 0, q_first = 0;
    for (int i = 0; i < e->n_materials; i++) {
        const ct_active_material *m = &e->materials[i];
        double qi = m->mass_fraction * m->specific_capacity_ah_kg;
        q += qi;
        q_first += qi / m->initial_efficiency;
    }
    r->specific_capacity_ah_kg = q;
    r->initial_efficiency = e->initial_efficiency > 0 ? e->initial_efficiency : q / q_first;
    r->average_voltage_v = blend_voltage(e);
    r->coating_mass_kg = e->loading_kg_m2 * e->coated_area_m2;
    r->active_mass_kg = r->coating_mass_kg * e->active_fraction;
    r->areal_capacity_ah_m2 = e->loading_kg_m2 * e->active_fraction * q;
    r->capacity_ah = r->active_mass_kg * q;
    r->first_charge_ah = r->capacity_ah / r->initial_efficiency;
    r->irreversible_ah = r->first_charge_ah - r->capacity_ah;
    r->foil_mass_kg = e->foil_thickness_m * e->foil_density_kg_m3 * e->foil_area_m2;
    r->coating_density_kg_m3 = e->coating_density_kg_m3 > 0 ? e->coating_density_kg_m3 : NAN;
    r->coating_thickness_m = e->loading_kg_m2 / r->coating_density_kg_m3;
    r->porosity = e->solid_density_kg_m3 > 0
                      ? 1 - r->coating_density_kg_m3 / e->solid_density_kg_m3 : NAN;
}

/* The reversible capacity for a given amount of prelithiation lithium:
 * the cathode can take back at most its reversible capacity, the lithium
 * inventory is what the first charge delivered minus what the anode kept,
 * and the anode can host at most its reversible capacity. */
static double reversible(const ct_cell_result *r, double prelithiation_ah, double *inventory,
                         ct_cell_limit *limit)
{
    double q_c = r->cathode.capacity_ah, q_a = r->anode.capacity_ah;
    double inv = r->cathode.first_charge_ah + prelithiation_ah - r->anode.irreversible_ah;
    double q = q_c;
    ct_cell_limit lim = CT_CELL_LIMIT_CATHODE;
    if (inv < q) {
        q = inv;
        lim = CT_CELL_LIMIT_LITHIUM;
    }
    if (q_a < q) {
        q = q_a;
        lim = CT_CELL_LIMIT_ANODE;
    }
    if (inventory)
        *inventory = inv;
    if (limit)
        *limit = lim;
    return q;
}

ct_status ct_cell_design_compute(const ct_cell_design *d, ct_cell_result *out, ct_error *err)
{
    ct_status st;
    ct_cell_result r;

    assert(d && out);
    if ((st = check_design(d, err)) != CT_OK)
        return st;
    memset(&r, 0, sizeof r);
    electrode_compute(&d->cathode, &r.cathode);
    electrode_compute(&d->anode, &r.anode);
    r.np_ratio = r.anode.areal_capacity_ah_m2 / r.cathode.areal_capacity_ah_m2;

    const ct_prelithiation *p = &d->prelithiation;
    r.additive_mass_kg = r.cathode.coating_mass_kg * p->additive_fraction;
    r.additive_ah = r.additive_mass_kg * p->additive_capacity_ah_kg;
    r.anode_lithium_ah = p->anode_compensation * r.anode.irreversible_ah;
    r.lithium_metal_kg = r.anode_lithium_ah / CT_LITHIUM_SPECIFIC_CAPACITY_AH_KG;
    r.lithium_supplied_kg = (r.additive_ah + r.anode_lithium_ah) / CT_LITHIUM_SPECIFIC_CAPACITY_AH_KG;

    double inv0;
    r.reversible_without_prelithiation_ah = reversible(&r, 0, &inv0, NULL);
    r.reversible_capacity_ah = reversible(&r, r.additive_ah + r.anode_lithium_ah,
                                          &r.lithium_inventory_ah, &r.limited_by);
    if (!(r.reversible_capacity_ah > 0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "anode: expected a first-cycle loss below the lithium the cathode "
                            "gives, got a loss of %g Ah against %g Ah",
                            r.anode.irreversible_ah, r.cathode.first_charge_ah + r.additive_ah +
                                                         r.anode_lithium_ah);
    r.capacity_gained_ah = r.reversible_capacity_ah - r.reversible_without_prelithiation_ah;
    r.lithium_to_offset_loss_kg =
        fmax(0, r.cathode.capacity_ah - inv0) / CT_LITHIUM_SPECIFIC_CAPACITY_AH_KG;
    /* Relative slack: an inventory equal to the anode capacity up to
     * rounding is a balanced design, not a plating risk. */
    r.lithium_plating_risk = r.lithium_inventory_ah > r.anode.capacity_ah * (1 + 1e-12);

    /* Lithium on the anode was there before formation: the charger only
     * moves the cathode's lithium (and the additive's). */
    r.first_charge_ah = r.cathode.first_charge_ah + r.additive_ah;
    r.first_cycle_loss_ah = r.first_charge_ah - r.reversible_capacity_ah;
    r.first_cycle_loss_fraction = r.first_cycle_loss_ah / r.first_charge_ah;

    r.nominal_voltage_v = d->nominal_voltage_v > 0
                              ? d->nominal_voltage_v
                              : r.cathode.average_voltage_v - r.anode.average_voltage_v;
    if (!(r.nominal_voltage_v > 0))
        return ct_error_set(err, CT_ERR_INVALID,
                            "anode: expected an average voltage below the cathode's (%g V), "
                            "got %g V", r.cathode.average_voltage_v, r.anode.average_voltage_v);
    r.energy_wh = r.reversible_capacity_ah * r.nominal_voltage_v;

    r.cathode_coating_kg = r.cathode.coating_mass_kg;
    r.anode_coating_kg = r.anode.coating_mass_kg;
    r.cathode_foil_kg = r.cathode.foil_mass_kg;
    r.anode_foil_kg = r.anode.foil_mass_kg;
    r.separator_kg = d->separator_area_m2 * d->separator_areal_mass_kg_m2;
    r.electrolyte_kg = d->electrolyte_mass_kg + d->electrolyte_kg_per_ah * r.reversible_capacity_ah;
    r.housing_kg = d->housing_mass_kg;
    r.other_kg = d->other_mass_kg;
    r.total_mass_kg = r.cathode_coating_kg + r.anode_coating_kg + r.cathode_foil_kg +
                      r.anode_foil_kg + r.separator_kg + r.electrolyte_kg + r.housing_kg +
                      r.other_kg + r.lithium_metal_kg;
    r.specific_energy_wh_kg = r.energy_wh / r.total_mass_kg;
    r.volume_m3 = d->housing_volume_m3;
    r.energy_density_wh_l = r.energy_wh / (r.volume_m3 * 1000.0);
    *out = r;
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* Loader: quantities that units.h has no dimension for                     */

/* Densities and electrolyte per Ah are not dimensions of units.h; they are
 * read here with a small unit table and the number parsed by the units
 * parser, so they follow the same rules for numbers. */
typedef struct local_unit {
    const char *text;
    double to_base;
} local_unit;

static const local_unit DENSITY_UNITS[] = {
    { "g/cm3", 1000.0 }, { "g/cm^3", 1000.0 }, { "g/mL", 1000.0 }, { "kg/m3", 1.0 },
    { "kg/L", 1000.0 },
};
static const local_unit PER_CHARGE_UNITS[] = {
    { "g/Ah", 1e-3 }, { "kg/Ah", 1.0 }, { "kg/kAh", 1e-3 },
};

static ct_status get_local(cti_yaml_ctx *y, const cti_yaml_value *v, const local_unit *units,
                           size_t n_units, const char *noun, const char *example, double *out)
{
    char expect[200], list[120] = "";
    const char *s = cti_yaml_scalar(v);
    size_t used = 0;
    for (size_t i = 0; i < n_units && used < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", units[i].text);
        used += w > 0 ? (size_t)w : 0;
    }
    snprintf(expect, sizeof expect, "%s > 0 such as \"%s\" (units: %s)", noun, example, list);
    if (!s)
        return cti_yaml_fail_expected(y, v, expect);

    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    for (size_t i = 0; i < n_units; i++) {
        size_t ul = strlen(units[i].text);
        if (ul >= len || memcmp(s + len - ul, units[i].text, ul) != 0)
            continue;
        char num[64];
        size_t nl = len - ul;
        if (nl >= sizeof num)
            break;
        memcpy(num, s, nl);
        num[nl] = '\0';
        double x;
        char why[160];
        /* A '%' would make the units parser scale the number. */
        if (strchr(num, '%') ||
            ct_quantity_parse(num, CT_DIM_NONE, false, &x, why, sizeof why) != CT_OK)
            break;
        x *= units[i].to_base;
        if (!(isfinite(x) && x > 0))
            break;
        *out = x;
        return CT_OK;
    }
    return cti_yaml_fail_expected(y, v, expect);
}

static ct_status get_density(cti_yaml_ctx *y, const cti_yaml_value *v, double *out)
{
    return get_local(y, v, DENSITY_UNITS, sizeof DENSITY_UNITS / sizeof DENSITY_UNITS[0],
                     "a density", "2.7 g/cm3", out);
}

static ct_status get_name(cti_yaml_ctx *y, const cti_yaml_value *v, char *out, size_t cap)
{
    const char *s = cti_yaml_scalar(v);
    if (!s || !*s || strlen(s) >= cap) {
        char expect[64];
        snprintf(expect, sizeof expect, "a name (at most %zu characters)", cap - 1);
        return cti_yaml_fail_expected(y, v, expect);
    }
    memcpy(out, s, strlen(s) + 1);
    return CT_OK;
}

/* What the loader remembers across mappings, for checks that involve keys
 * of different mappings (y->user points to it). */
typedef struct cell_loader {
    cti_yaml_loc additive_fraction_at;
} cell_loader;

/* Shorthands for the quantity readers; units are required wherever a
 * quantity has them, because a bare "20" for a loading could mean kg/m2 or
 * mg/cm2 and the two differ by a factor of 100. */
static ct_status qty(cti_yaml_ctx *y, const cti_yaml_value *v, ct_dim dim, cti_yaml_range r,
                     double *out)
{
    return cti_yaml_get_quantity(y, v, dim, true, r, out);
}

#define NOT_SET NAN

/* ------------------------------------------------------------------------ */
/* Loader: active materials                                                 */

/* An active material as written: a name and optional overrides. */
typedef struct material_in {
    char name[CT_CELL_NAME_MAX];
    double mass_fraction;
    double specific_capacity, average_voltage, initial_efficiency;   /* NOT_SET = default */
} material_in;

static void material_in_init(material_in *m)
{
    memset(m, 0, sizeof *m);
    m->mass_fraction = 1;
    m->specific_capacity = m->average_voltage = m->initial_efficiency = NOT_SET;
}

static void list_materials(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_MATERIALS && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", MATERIALS[i].name);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* Fills *out from the built-in table and the file's overrides. A value the
 * material has no default for is a missing key of the mapping at map_loc
 * (path: that mapping's path). */
static ct_status resolve_material(cti_yaml_ctx *y, const material_in *in, const char *path,
                                  cti_yaml_loc map_loc, ct_active_material *out)
{
    const ct_active_material *def = ct_cell_material_find(in->name);
    char key[CTI_YAML_PATH_MAX], known[128];

    memset(out, 0, sizeof *out);
    memcpy(out->name, in->name, sizeof out->name);
    out->mass_fraction = in->mass_fraction;
    out->specific_capacity_ah_kg = !isnan(in->specific_capacity) ? in->specific_capacity
                                   : def ? def->specific_capacity_ah_kg : NOT_SET;
    out->average_voltage_v = !isnan(in->average_voltage) ? in->average_voltage
                             : def ? def->average_voltage_v : NOT_SET;
    /* Unknown materials lose nothing in the first cycle unless told:
     * the capacity is then an upper bound, as with the built-in cathodes. */
    out->initial_efficiency = !isnan(in->initial_efficiency) ? in->initial_efficiency
                              : def ? def->initial_efficiency : 1.0;
    list_materials(known, sizeof known);
    if (isnan(out->specific_capacity_ah_kg)) {
        cti_yaml_join_key(key, sizeof key, path, "specific_capacity");
        return cti_yaml_fail(y, map_loc, key,
                             "missing required key; expected a specific charge such as "
                             "\"160 mAh/g\" (\"%s\" is not a built-in material: %s)",
                             in->name, known);
    }
    if (isnan(out->average_voltage_v)) {
        cti_yaml_join_key(key, sizeof key, path, "average_voltage");
        return cti_yaml_fail(y, map_loc, key,
                             "missing required key; expected a voltage vs Li such as \"3.7 V\" "
                             "(\"%s\" is not a built-in material: %s)", in->name, known);
    }
    return CT_OK;
}

static ct_status mat_name(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    material_in *m = obj;
    return get_name(y, v, m->name, sizeof m->name);
}

static ct_status mat_fraction(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_NONE, CTI_YAML_FRACTION, &((material_in *)obj)->mass_fraction);
}

static ct_status mat_capacity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_SPECIFIC_CHARGE, CTI_YAML_POSITIVE,
               &((material_in *)obj)->specific_capacity);
}

static ct_status mat_voltage(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_VOLTAGE, CTI_YAML_NONNEGATIVE, &((material_in *)obj)->average_voltage);
}

static ct_status mat_ice(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_NONE, CTI_YAML_FRACTION, &((material_in *)obj)->initial_efficiency);
}

static const cti_yaml_key blend_keys[] = {
    { "material", true, "a material name such as graphite", mat_name },
    { "mass_fraction", true, "a share of the active mass such as \"90 %\"", mat_fraction },
    { "specific_capacity", false, "a specific charge such as \"372 mAh/g\"", mat_capacity },
    { "average_voltage", false, "a voltage vs Li such as \"0.1 V\"", mat_voltage },
    { "initial_efficiency", false, "a number in (0, 1] such as \"90 %\"", mat_ice },
};

/* ------------------------------------------------------------------------ */
/* Loader: electrodes                                                       */

typedef struct foil_in {
    ct_electrode_design *e;
    double thickness, density, area;   /* NOT_SET until read */
} foil_in;

typedef struct electrode_in {
    ct_electrode_design *e;
    material_in single;                /* material: and the keys that go with it */
    int n_blend;
    long long layers, sheets, sides;
    double layer_area, sheet_area;
    double thickness, density, porosity, solid_density;
    foil_in foil;
} electrode_in;

static ct_status foil_material(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_electrode_design *e = ((foil_in *)obj)->e;
    return get_name(y, v, e->foil_material, sizeof e->foil_material);
}

static ct_status foil_thickness(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_LENGTH, CTI_YAML_POSITIVE, &((foil_in *)obj)->thickness);
}

static ct_status foil_density_key(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_density(y, v, &((foil_in *)obj)->density);
}

static ct_status foil_area(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_AREA, CTI_YAML_POSITIVE, &((foil_in *)obj)->area);
}

static const cti_yaml_key foil_keys[] = {
    { "material", false, "a foil material such as aluminium or copper", foil_material },
    { "thickness", true, "a length such as \"12 um\"", foil_thickness },
    { "density", false, "a density such as \"2.7 g/cm3\"", foil_density_key },
    { "area", false, "an area such as \"2.5 m2\"", foil_area },
};

static ct_status el_foil(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    electrode_in *ei = obj;
    foil_in *f = &ei->foil;
    cti_yaml_walk w;
    ct_status st;
    char key[CTI_YAML_PATH_MAX];

    if ((st = cti_yaml_walk_mapping(y, v, foil_keys, CTI_YAML_N_KEYS(foil_keys), f, &w)) != CT_OK)
        return st;
    if (isnan(f->density)) {
        f->density = f->e->foil_material[0] ? foil_density(f->e->foil_material) : 0;
        if (f->density == 0) {
            cti_yaml_join_key(key, sizeof key, v->path, "density");
            return cti_yaml_fail(y, w.map_loc, key,
                                 "missing required key; expected a density such as \"2.7 g/cm3\" "
                                 "(built in only for material aluminium and copper)");
        }
    }
    return CT_OK;
}

static ct_status el_material(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    material_in *m = &((electrode_in *)obj)->single;
    return get_name(y, v, m->name, sizeof m->name);
}

static ct_status el_blend(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    electrode_in *ei = obj;
    ct_status st;
    char expect[160];
    snprintf(expect, sizeof expect,
             "a list of 1 to %d materials such as [{material: graphite, mass_fraction: 90 %%}, "
             "{material: SiOx, mass_fraction: 10 %%}]", CT_CELL_MAX_BLEND);
    if (cti_yaml_is_null(v->node) || fy_node_get_type(v->node) != FYNT_SEQUENCE)
        return cti_yaml_fail_expected(y, v, expect);
    int n = fy_node_sequence_item_count(v->node);
    if (n < 1 || n > CT_CELL_MAX_BLEND)
        return cti_yaml_fail(y, v->loc, v->path, "expected %s, got %d items", expect, n);

    double sum = 0;
    void *iter = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v->node, &iter)) != NULL; i++) {
        char path[CTI_YAML_PATH_MAX];
        snprintf(path, sizeof path, "%s[%d]", v->path, i);
        cti_yaml_value iv = { item, path, cti_yaml_node_loc(item, v->loc) };
        material_in m;
        cti_yaml_walk w;
        material_in_init(&m);
        if ((st = cti_yaml_walk_mapping(y, &iv, blend_keys, CTI_YAML_N_KEYS(blend_keys), &m,
                                        &w)) != CT_OK ||
            (st = resolve_material(y, &m, path, w.map_loc, &ei->e->materials[i])) != CT_OK)
            return st;
        sum += m.mass_fraction;
    }
    ei->n_blend = n;
    ei->e->n_materials = n;
    if (fabs(sum - 1) > 1e-9)
        return cti_yaml_fail(y, v->loc, v->path,
                             "expected mass fractions that sum to 1 (100 %%), got %.10g", sum);
    return CT_OK;
}

static ct_status el_capacity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return mat_capacity(y, v, &((electrode_in *)obj)->single);
}

static ct_status el_voltage(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return mat_voltage(y, v, &((electrode_in *)obj)->single);
}

static ct_status el_ice(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return mat_ice(y, v, &((electrode_in *)obj)->single);
}

static ct_status el_active_fraction(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_NONE, CTI_YAML_FRACTION, &((electrode_in *)obj)->e->active_fraction);
}

static ct_status el_loading(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_AREAL_MASS, CTI_YAML_POSITIVE, &((electrode_in *)obj)->e->loading_kg_m2);
}

#define MAX_LAYERS 1000000

static ct_status el_layers(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_int(y, v, 1, MAX_LAYERS, "an integer >= 1 (at most 1000000)",
                            &((electrode_in *)obj)->layers);
}

static ct_status el_layer_area(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_AREA, CTI_YAML_POSITIVE, &((electrode_in *)obj)->layer_area);
}

static ct_status el_sheets(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_int(y, v, 1, MAX_LAYERS, "an integer >= 1 (at most 1000000)",
                            &((electrode_in *)obj)->sheets);
}

static ct_status el_sides(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_int(y, v, 1, 2, "1 or 2 (coated sides per sheet)",
                            &((electrode_in *)obj)->sides);
}

static ct_status el_sheet_area(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_AREA, CTI_YAML_POSITIVE, &((electrode_in *)obj)->sheet_area);
}

static ct_status el_thickness(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_LENGTH, CTI_YAML_POSITIVE, &((electrode_in *)obj)->thickness);
}

static ct_status el_density(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_density(y, v, &((electrode_in *)obj)->density);
}

static ct_status el_porosity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_NONE, CTI_YAML_BELOW_ONE, &((electrode_in *)obj)->porosity);
}

static ct_status el_solid_density(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_density(y, v, &((electrode_in *)obj)->solid_density);
}

static const cti_yaml_key electrode_keys[] = {
    { "material", false, "a material name such as LFP, or a blend: list", el_material },
    { "blend", false, "a list of {material, mass_fraction}", el_blend },
    { "specific_capacity", false, "a specific charge such as \"160 mAh/g\"", el_capacity },
    { "average_voltage", false, "a voltage vs Li such as \"3.4 V\"", el_voltage },
    { "initial_efficiency", false, "a number in (0, 1] such as \"90 %\"", el_ice },
    { "active_fraction", true, "a number in (0, 1] such as \"96 %\"", el_active_fraction },
    { "loading", true, "an areal mass > 0 such as \"20 mg/cm2\"", el_loading },
    { "layers", false, "an integer >= 1", el_layers },
    { "layer_area", false, "an area such as \"0.03 m2\"", el_layer_area },
    { "sheets", false, "an integer >= 1", el_sheets },
    { "sides", false, "1 or 2", el_sides },
    { "sheet_area", false, "an area such as \"0.03 m2\"", el_sheet_area },
    { "thickness", false, "a length such as \"80 um\"", el_thickness },
    { "density", false, "a density such as \"2.4 g/cm3\"", el_density },
    { "porosity", false, "a number in [0, 1) such as \"30 %\"", el_porosity },
    { "solid_density", false, "a density such as \"3.5 g/cm3\"", el_solid_density },
    { "foil", true, "{material, thickness, density, area}", el_foil },
};

/* "PATH.KEY" for messages about key of the electrode at path. */
static const char *key_of(char *buf, size_t len, const char *path, const char *key)
{
    cti_yaml_join_key(buf, len, path, key);
    return buf;
}

/* Two keys that exclude each other: blame the one written second. */
static ct_status exclusive(cti_yaml_ctx *y, const cti_yaml_walk *w, const char *path,
                           const char *a, const char *b)
{
    const cti_yaml_loc *la = cti_yaml_seen(w, a), *lb = cti_yaml_seen(w, b);
    char key[CTI_YAML_PATH_MAX];
    if (!la || !lb)
        return CT_OK;
    bool b_later = lb->line > la->line || (lb->line == la->line && lb->col > la->col);
    return cti_yaml_fail(y, b_later ? *lb : *la, key_of(key, sizeof key, path, b_later ? b : a),
                         "expected either %s or %s, not both", a, b);
}

/* Checks and conversions that involve several keys of one electrode. */
static ct_status electrode_finish(cti_yaml_ctx *y, electrode_in *ei, const cti_yaml_walk *w,
                                  const char *path)
{
    ct_electrode_design *e = ei->e;
    char key[CTI_YAML_PATH_MAX];
    ct_status st;
    const cti_yaml_loc *at;

    /* Active material: one name, or a blend. */
    if ((st = exclusive(y, w, path, "material", "blend")) != CT_OK)
        return st;
    if (cti_yaml_seen(w, "blend")) {
        /* With a blend, capacity and voltage belong to each material; the
         * electrode may still state its measured ICE as a whole. */
        static const char *const per_material[] = { "specific_capacity", "average_voltage" };
        for (size_t i = 0; i < 2; i++)
            if ((at = cti_yaml_seen(w, per_material[i])))
                return cti_yaml_fail(y, *at, key_of(key, sizeof key, path, per_material[i]),
                                     "expected this inside each blend item, not beside blend:");
        e->initial_efficiency = isnan(ei->single.initial_efficiency)
                                    ? 0 : ei->single.initial_efficiency;
    } else if (cti_yaml_seen(w, "material")) {
        if ((st = resolve_material(y, &ei->single, path, w->map_loc, &e->materials[0])) != CT_OK)
            return st;
        e->n_materials = 1;
    } else {
        return cti_yaml_fail(y, w->map_loc, key_of(key, sizeof key, path, "material"),
                             "missing required key; expected a material name such as LFP or "
                             "graphite, or a blend: list");
    }

    /* Coated area: layers x layer_area, or sheets x sides x sheet_area. */
    bool by_layers = cti_yaml_seen(w, "layers") || cti_yaml_seen(w, "layer_area");
    bool by_sheets = cti_yaml_seen(w, "sheets") || cti_yaml_seen(w, "sheet_area") ||
                     cti_yaml_seen(w, "sides");
    if (by_layers && by_sheets) {
        at = cti_yaml_seen(w, "sheets") ? cti_yaml_seen(w, "sheets")
             : cti_yaml_seen(w, "sheet_area") ? cti_yaml_seen(w, "sheet_area")
                                              : cti_yaml_seen(w, "sides");
        return cti_yaml_fail(y, *at, key_of(key, sizeof key, path, "sheets"),
                             "expected either layers and layer_area, or sheets, sides and "
                             "sheet_area, not both");
    }
    if (by_sheets) {
        if (!cti_yaml_seen(w, "sheets") || !cti_yaml_seen(w, "sheet_area"))
            return cti_yaml_fail(y, w->map_loc,
                                 key_of(key, sizeof key, path,
                                        cti_yaml_seen(w, "sheets") ? "sheet_area" : "sheets"),
                                 "missing required key; sheets, sides and sheet_area go together "
                                 "(sides defaults to 2)");
        e->coated_area_m2 = (double)ei->sheets * (double)ei->sides * ei->sheet_area;
    } else {
        if (!cti_yaml_seen(w, "layers") || !cti_yaml_seen(w, "layer_area"))
            return cti_yaml_fail(y, w->map_loc,
                                 key_of(key, sizeof key, path,
                                        cti_yaml_seen(w, "layers") ? "layer_area" : "layers"),
                                 "missing required key; expected layers and layer_area (coated "
                                 "layers and the area of one), or sheets, sides and sheet_area");
        e->coated_area_m2 = (double)ei->layers * ei->layer_area;
    }

    /* Foil area: as given, or one sheet's area per sheet; with layers,
     * every foil is taken to be coated on both sides. */
    e->foil_thickness_m = ei->foil.thickness;
    e->foil_density_kg_m3 = ei->foil.density;
    e->foil_area_m2 = !isnan(ei->foil.area) ? ei->foil.area
                      : by_sheets ? (double)ei->sheets * ei->sheet_area
                                  : e->coated_area_m2 / 2;

    /* Coating density: given, from a thickness, or from porosity. */
    int ways = !!cti_yaml_seen(w, "thickness") + !!cti_yaml_seen(w, "density") +
               !!cti_yaml_seen(w, "porosity");
    if (ways > 1) {
        at = cti_yaml_seen(w, "porosity") ? cti_yaml_seen(w, "porosity")
                                          : cti_yaml_seen(w, "density");
        return cti_yaml_fail(y, *at,
                             key_of(key, sizeof key, path,
                                    cti_yaml_seen(w, "porosity") ? "porosity" : "density"),
                             "expected one of thickness, density or porosity (with "
                             "solid_density), not several");
    }
    e->solid_density_kg_m3 = isnan(ei->solid_density) ? 0 : ei->solid_density;
    if ((at = cti_yaml_seen(w, "porosity"))) {
        if (e->solid_density_kg_m3 == 0)
            return cti_yaml_fail(y, w->map_loc, key_of(key, sizeof key, path, "solid_density"),
                                 "missing required key; porosity needs the density of the "
                                 "pore-free coating, such as \"3.5 g/cm3\"");
        e->coating_density_kg_m3 = e->solid_density_kg_m3 * (1 - ei->porosity);
    } else if (cti_yaml_seen(w, "density")) {
        e->coating_density_kg_m3 = ei->density;
    } else if (cti_yaml_seen(w, "thickness")) {
        e->coating_density_kg_m3 = e->loading_kg_m2 / ei->thickness;
    }
    if (e->solid_density_kg_m3 > 0 && e->coating_density_kg_m3 > e->solid_density_kg_m3) {
        at = cti_yaml_seen(w, "solid_density");
        return cti_yaml_fail(y, *at, key_of(key, sizeof key, path, "solid_density"),
                             "expected at least the coating density, %g g/cm3, got %g g/cm3",
                             e->coating_density_kg_m3 / 1000, e->solid_density_kg_m3 / 1000);
    }
    return CT_OK;
}

static ct_status load_electrode(cti_yaml_ctx *y, const cti_yaml_value *v, ct_electrode_design *e)
{
    electrode_in ei;
    cti_yaml_walk w;
    ct_status st;

    memset(e, 0, sizeof *e);
    memset(&ei, 0, sizeof ei);
    ei.e = e;
    material_in_init(&ei.single);
    ei.sides = 2;
    ei.layer_area = ei.sheet_area = NOT_SET;
    ei.thickness = ei.density = ei.porosity = ei.solid_density = NOT_SET;
    ei.foil.e = e;
    ei.foil.thickness = ei.foil.density = ei.foil.area = NOT_SET;
    if ((st = cti_yaml_walk_mapping(y, v, electrode_keys, CTI_YAML_N_KEYS(electrode_keys), &ei,
                                    &w)) != CT_OK)
        return st;
    return electrode_finish(y, &ei, &w, v->path);
}

/* ------------------------------------------------------------------------ */
/* Loader: separator, electrolyte, housing, prelithiation, top level        */

typedef struct separator_in {
    ct_cell_design *d;
    double thickness, density, porosity;
} separator_in;

static ct_status sep_area(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_AREA, CTI_YAML_POSITIVE, &((separator_in *)obj)->d->separator_area_m2);
}

static ct_status sep_areal_mass(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_AREAL_MASS, CTI_YAML_POSITIVE,
               &((separator_in *)obj)->d->separator_areal_mass_kg_m2);
}

static ct_status sep_thickness(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_LENGTH, CTI_YAML_POSITIVE, &((separator_in *)obj)->thickness);
}

static ct_status sep_density(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_density(y, v, &((separator_in *)obj)->density);
}

static ct_status sep_porosity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_NONE, CTI_YAML_BELOW_ONE, &((separator_in *)obj)->porosity);
}

static const cti_yaml_key separator_keys[] = {
    { "area", true, "an area such as \"5 m2\" (all separator layers)", sep_area },
    { "areal_mass", false, "an areal mass such as \"7 g/m2\"", sep_areal_mass },
    { "thickness", false, "a length such as \"12 um\"", sep_thickness },
    { "density", false, "a density such as \"0.95 g/cm3\"", sep_density },
    { "porosity", false, "a number in [0, 1) such as \"40 %\"", sep_porosity },
};

static ct_status top_separator(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    separator_in s = { obj, NOT_SET, NOT_SET, 0 };
    cti_yaml_walk w;
    char key[CTI_YAML_PATH_MAX];
    ct_status st = cti_yaml_walk_mapping(y, v, separator_keys, CTI_YAML_N_KEYS(separator_keys),
                                         &s, &w);
    if (st != CT_OK)
        return st;
    bool by_mass = cti_yaml_seen(&w, "areal_mass");
    bool by_film = cti_yaml_seen(&w, "thickness") || cti_yaml_seen(&w, "density") ||
                   cti_yaml_seen(&w, "porosity");
    if (by_mass && by_film)
        return cti_yaml_fail(y, *cti_yaml_seen(&w, "areal_mass"),
                             key_of(key, sizeof key, v->path, "areal_mass"),
                             "expected either areal_mass or thickness, density and porosity, "
                             "not both");
    if (by_mass)
        return CT_OK;
    if (isnan(s.thickness) || isnan(s.density)) {
        const char *missing = !by_film ? "areal_mass" : isnan(s.thickness) ? "thickness" : "density";
        return cti_yaml_fail(y, w.map_loc, key_of(key, sizeof key, v->path, missing),
                             "missing required key; expected areal_mass, or thickness and "
                             "density (and porosity, default 0)");
    }
    s.d->separator_areal_mass_kg_m2 = s.thickness * s.density * (1 - s.porosity);
    return CT_OK;
}

static ct_status ely_mass(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_MASS, CTI_YAML_NONNEGATIVE, &((ct_cell_design *)obj)->electrolyte_mass_kg);
}

static ct_status ely_per_capacity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_local(y, v, PER_CHARGE_UNITS, sizeof PER_CHARGE_UNITS / sizeof PER_CHARGE_UNITS[0],
                     "a mass per Ah", "1.5 g/Ah", &((ct_cell_design *)obj)->electrolyte_kg_per_ah);
}

static const cti_yaml_key electrolyte_keys[] = {
    { "mass", false, "a mass such as \"220 g\"", ely_mass },
    { "per_capacity", false, "a mass per Ah such as \"1.5 g/Ah\"", ely_per_capacity },
};

static ct_status top_electrolyte(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_yaml_walk w;
    char key[CTI_YAML_PATH_MAX];
    ct_status st = cti_yaml_walk_mapping(y, v, electrolyte_keys,
                                         CTI_YAML_N_KEYS(electrolyte_keys), obj, &w);
    if (st != CT_OK)
        return st;
    if ((st = exclusive(y, &w, v->path, "mass", "per_capacity")) != CT_OK)
        return st;
    if (!cti_yaml_seen(&w, "mass") && !cti_yaml_seen(&w, "per_capacity"))
        return cti_yaml_fail(y, w.map_loc, key_of(key, sizeof key, v->path, "mass"),
                             "missing required key; expected mass (such as \"220 g\") or "
                             "per_capacity (such as \"1.5 g/Ah\")");
    return CT_OK;
}

typedef struct housing_in {
    ct_cell_design *d;
    double length, width, height;
} housing_in;

static ct_status hou_mass(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_MASS, CTI_YAML_NONNEGATIVE, &((housing_in *)obj)->d->housing_mass_kg);
}

static ct_status hou_length(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_LENGTH, CTI_YAML_POSITIVE, &((housing_in *)obj)->length);
}

static ct_status hou_width(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_LENGTH, CTI_YAML_POSITIVE, &((housing_in *)obj)->width);
}

static ct_status hou_height(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_LENGTH, CTI_YAML_POSITIVE, &((housing_in *)obj)->height);
}

static ct_status hou_volume(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_VOLUME, CTI_YAML_POSITIVE, &((housing_in *)obj)->d->housing_volume_m3);
}

static const cti_yaml_key housing_keys[] = {
    { "mass", true, "a mass such as \"250 g\" (can, lid, terminals)", hou_mass },
    { "length", false, "a length such as \"174 mm\"", hou_length },
    { "width", false, "a length such as \"54 mm\"", hou_width },
    { "height", false, "a length such as \"165 mm\"", hou_height },
    { "volume", false, "a volume such as \"1.5 L\"", hou_volume },
};

static ct_status top_housing(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    housing_in h = { obj, NOT_SET, NOT_SET, NOT_SET };
    cti_yaml_walk w;
    char key[CTI_YAML_PATH_MAX];
    ct_status st = cti_yaml_walk_mapping(y, v, housing_keys, CTI_YAML_N_KEYS(housing_keys), &h, &w);
    if (st != CT_OK)
        return st;
    static const char *const dims[] = { "length", "width", "height" };
    int n_dims = 0;
    for (size_t i = 0; i < 3; i++)
        n_dims += cti_yaml_seen(&w, dims[i]) != NULL;
    if (n_dims > 0 && cti_yaml_seen(&w, "volume"))
        return cti_yaml_fail(y, *cti_yaml_seen(&w, "volume"),
                             key_of(key, sizeof key, v->path, "volume"),
                             "expected either length, width and height, or volume, not both");
    if (cti_yaml_seen(&w, "volume"))
        return CT_OK;
    for (size_t i = 0; i < 3; i++)
        if (!cti_yaml_seen(&w, dims[i]))
            return cti_yaml_fail(y, w.map_loc, key_of(key, sizeof key, v->path, dims[i]),
                                 "missing required key; expected the external length, width "
                                 "and height (such as \"174 mm\"), or volume");
    h.d->housing_volume_m3 = h.length * h.width * h.height;
    return CT_OK;
}

static ct_status add_material(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_prelithiation *p = obj;
    return get_name(y, v, p->additive, sizeof p->additive);
}

static ct_status add_fraction(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_prelithiation *p = obj;
    ct_status st = qty(y, v, CT_DIM_NONE, CTI_YAML_BELOW_ONE, &p->additive_fraction);
    if (st == CT_OK && p->additive_fraction == 0)
        return cti_yaml_fail_expected(y, v, "a number in (0, 1) such as \"3 wt.%\"");
    return st;
}

static ct_status add_capacity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_SPECIFIC_CHARGE, CTI_YAML_POSITIVE,
               &((ct_prelithiation *)obj)->additive_capacity_ah_kg);
}

static const cti_yaml_key additive_keys[] = {
    { "material", false, "an additive name such as Li5FeO4", add_material },
    { "fraction", true, "a share of the cathode coating such as \"3 wt.%\"", add_fraction },
    { "specific_capacity", false, "a specific charge such as \"700 mAh/g\"", add_capacity },
};

static ct_status pre_additive(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_prelithiation *p = obj;
    cti_yaml_walk w;
    char key[CTI_YAML_PATH_MAX];
    strcpy(p->additive, "Li5FeO4");
    ct_status st = cti_yaml_walk_mapping(y, v, additive_keys, CTI_YAML_N_KEYS(additive_keys), p, &w);
    if (st != CT_OK)
        return st;
    ((cell_loader *)y->user)->additive_fraction_at = *cti_yaml_seen(&w, "fraction");
    if (!cti_yaml_seen(&w, "specific_capacity")) {
        p->additive_capacity_ah_kg = additive_capacity(p->additive);
        if (p->additive_capacity_ah_kg == 0)
            return cti_yaml_fail(y, w.map_loc, key_of(key, sizeof key, v->path, "specific_capacity"),
                                 "missing required key; expected the lithium it gives, such as "
                                 "\"700 mAh/g\" (built in only for Li5FeO4)");
    }
    return CT_OK;
}

static ct_status anode_li_compensation(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_NONE, CTI_YAML_NONNEGATIVE,
               &((ct_prelithiation *)obj)->anode_compensation);
}

static const cti_yaml_key anode_li_keys[] = {
    { "compensation", true, "a share of the anode's first-cycle loss such as \"80 %\"",
      anode_li_compensation },
};

static ct_status pre_anode(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_yaml_walk w;
    return cti_yaml_walk_mapping(y, v, anode_li_keys, CTI_YAML_N_KEYS(anode_li_keys), obj, &w);
}

static const cti_yaml_key prelithiation_keys[] = {
    { "cathode_additive", false, "{material, fraction, specific_capacity}", pre_additive },
    { "anode_lithium", false, "{compensation}", pre_anode },
};

static ct_status top_prelithiation(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_cell_design *d = obj;
    cti_yaml_walk w;
    return cti_yaml_walk_mapping(y, v, prelithiation_keys, CTI_YAML_N_KEYS(prelithiation_keys),
                                 &d->prelithiation, &w);
}

static ct_status top_name(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_cell_design *d = obj;
    return get_name(y, v, d->name, sizeof d->name);
}

static ct_status top_voltage(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_VOLTAGE, CTI_YAML_POSITIVE, &((ct_cell_design *)obj)->nominal_voltage_v);
}

static ct_status top_cathode(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return load_electrode(y, v, &((ct_cell_design *)obj)->cathode);
}

static ct_status top_anode(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return load_electrode(y, v, &((ct_cell_design *)obj)->anode);
}

static ct_status top_other(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return qty(y, v, CT_DIM_MASS, CTI_YAML_NONNEGATIVE, &((ct_cell_design *)obj)->other_mass_kg);
}

static const cti_yaml_key top_keys[] = {
    { "name", false, "a cell name", top_name },
    { "nominal_voltage", false, "a voltage such as \"3.2 V\"", top_voltage },
    { "cathode", true, "an electrode: {material, active_fraction, loading, ...}", top_cathode },
    { "anode", true, "an electrode: {material, active_fraction, loading, ...}", top_anode },
    { "separator", true, "{area, areal_mass}", top_separator },
    { "electrolyte", true, "{mass} or {per_capacity}", top_electrolyte },
    { "housing", true, "{mass, length, width, height}", top_housing },
    { "other_mass", false, "a mass such as \"50 g\"", top_other },
    { "prelithiation", false, "{cathode_additive, anode_lithium}", top_prelithiation },
};

static const char top_expect[] =
    "a mapping with keys name, nominal_voltage, cathode, anode, separator, electrolyte, "
    "housing, other_mass, prelithiation";

/* Checks between keys of different mappings, once the whole file is read,
 * so that what loads is also what computes. */
static ct_status design_finish(cti_yaml_ctx *y, const cell_loader *ld, const cti_yaml_walk *w,
                               const ct_cell_design *d)
{
    /* The additive takes the place of other coating solids. */
    if (d->cathode.active_fraction + d->prelithiation.additive_fraction > 1 + 1e-12)
        return cti_yaml_fail(y, ld->additive_fraction_at, "prelithiation.cathode_additive.fraction",
                             "expected at most 1 - cathode.active_fraction = %g, got %g",
                             1 - d->cathode.active_fraction, d->prelithiation.additive_fraction);
    double vc = blend_voltage(&d->cathode), va = blend_voltage(&d->anode);
    if (d->nominal_voltage_v == 0 && !(vc > va))
        return cti_yaml_fail(y, *cti_yaml_seen(w, "anode"), "anode",
                             "expected an average voltage vs Li below the cathode's (%g V), got "
                             "%g V; give the materials' average_voltage, or nominal_voltage",
                             vc, va);
    return CT_OK;
}

static ct_status load_text(const char *text, size_t len, const char *name, ct_cell_design *out,
                           ct_error *err)
{
    cell_loader ld;
    cti_yaml_ctx y = { name, err, &ld };
    cti_yaml_doc doc;
    cti_yaml_walk w;
    ct_status st;

    ct_error_clear(err);
    memset(out, 0, sizeof *out);
    memset(&ld, 0, sizeof ld);
    if ((st = cti_yaml_open(&y, text, len, top_expect, &doc)) == CT_OK) {
        cti_yaml_value rv = { doc.root, "", doc.root_loc };
        st = cti_yaml_walk_mapping(&y, &rv, top_keys, CTI_YAML_N_KEYS(top_keys), out, &w);
        if (st == CT_OK)
            st = design_finish(&y, &ld, &w, out);
    }
    cti_yaml_close(&doc);
    return st;
}

ct_status ct_cell_design_load_string(const char *text, const char *name, ct_cell_design *out,
                                     ct_error *err)
{
    assert(text && out);
    return load_text(text, strlen(text), name ? name : "<string>", out, err);
}

ct_status ct_cell_design_load(const char *path, ct_cell_design *out, ct_error *err)
{
    char *text = NULL;
    size_t len = 0;
    assert(path && out);
    ct_error_clear(err);
    memset(out, 0, sizeof *out);
    ct_status st = cti_yaml_read_file(path, &text, &len, err);
    if (st == CT_OK)
        st = load_text(text, len, path, out, err);
    free(text);
    return st;
}
