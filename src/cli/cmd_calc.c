/*
 * cmd_calc.c - `celltwin calc`: three calculators behind one command.
 * `calc yield` multiplies step yields, `calc coating-scrap` prices the
 * electrode lost to a coating defect (both from calc.h), and `calc cell`
 * computes a cell from a cell-design file (cell_design.h). yield and
 * coating-scrap print one JSON object; cell prints a report, or JSON with
 * --json. docs/calc.md has the equations and sources.
 *
 * Exit status: 0 ok; 1 the design file cannot be read (or memory ran out);
 * 2 bad input (an option, a quantity without its unit, a value out of
 * range, a mistake in the design file).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "celltwin/calc.h"
#include "celltwin/cell_design.h"
#include "celltwin/units.h"
#include "commands.h"

/* ---------------- usage texts ---------------- */

#define YIELD_USAGE                                                                   \
    "Usage: celltwin calc yield --steps N --step-yield Y\n"                          \
    "       celltwin calc yield --step-yields Y1,Y2,...\n"                            \
    "\n"                                                                              \
    "Cumulative yield of a chain of process steps: the product of the step\n"        \
    "yields. Prints {\"steps\", \"cumulative_yield\", \"scrap_fraction\"} as JSON.\n" \
    "Yields are fractions (0.995) or percentages (\"99.5 %\"), in (0, 1].\n"          \
    "Example: 25 steps at 99.5 % leave 0.995^25 = 0.882 (the review's \"88 %\").\n"  \
    "--json is accepted and changes nothing (the output is always JSON).\n"

#define SCRAP_USAGE                                                                   \
    "Usage: celltwin calc coating-scrap --lanes N --lane-width L --speed V\n"        \
    "           --time T --loading M --active-fraction F --price P\n"                 \
    "\n"                                                                              \
    "Electrode scrapped by a coating defect that runs for T until it is detected\n"  \
    "and corrected, as JSON (inputs echoed in base units under \"inputs\"):\n"        \
    "  area_m2         = lanes x lane width x speed x time\n"                         \
    "  coating_mass_kg = area x loading\n"                                            \
    "  active_mass_kg  = coating mass x active fraction\n"                            \
    "  cost_usd        = active mass x price (active material only)\n"                \
    "\n"                                                                              \
    "Options (all required; quantities need their unit):\n"                          \
    "  --lanes N             coated strips side by side, integer >= 1\n"               \
    "  --lane-width L        width of one strip, e.g. 550mm\n"                         \
    "  --speed V             web speed, e.g. 60m/min\n"                                \
    "  --time T              time to detect and correct, e.g. 30s\n"                   \
    "  --loading M           dry coating per side, e.g. 20mg/cm2\n"                    \
    "  --active-fraction F   active material in the coating, e.g. 0.96 or 96%\n"       \
    "  --price P             price of the active material, e.g. 20usd/kg\n"            \
    "  --json                accepted; the output is always JSON\n"

#define CELL_USAGE                                                                    \
    "Usage: celltwin calc cell DESIGN.yaml [--json]\n"                                \
    "\n"                                                                              \
    "Computes a cell from its design file: electrode capacities before\n"            \
    "formation, N/P ratio, first-cycle loss, reversible capacity after\n"             \
    "formation and what limits it, energy, mass breakdown, Wh/kg, volume and\n"       \
    "Wh/L, and with prelithiation the lithium supplied and the capacity gained.\n"   \
    "Prints a report, or one JSON object with --json. The file's keys and the\n"     \
    "model's equations are in docs/calc.md; examples/cell-*.yaml are examples.\n"

static const char calc_usage[] =
    "Usage: celltwin calc CALCULATOR [options]\n"
    "\n"
    "Calculators:\n"
    "  yield          cumulative yield of a chain of steps (JSON)\n"
    "  coating-scrap  area, mass and cost of a coating defect (JSON)\n"
    "  cell           capacity, energy, mass and density of a cell design\n"
    "\n"
    "`celltwin calc CALCULATOR --help` shows one calculator's options.\n"
    "Exit status: 0 ok, 1 a file cannot be read, 2 bad input.\n"
    "\n" YIELD_USAGE "\n" SCRAP_USAGE "\n" CELL_USAGE;

static const char yield_usage[] = YIELD_USAGE;
static const char scrap_usage[] = SCRAP_USAGE;
static const char cell_usage[] = CELL_USAGE;

/* ---------------- arguments ---------------- */

typedef struct opt {
    const char *name;   /* "--lanes" */
    bool flag;          /* takes no value */
    const char *value;  /* set when seen ("" for a flag) */
} opt;

#define HELP_SHOWN (-1)

/* Reads "--opt value", "--opt=value" and flags into opts, and at most
 * max_pos positional arguments into pos. Returns 0, HELP_SHOWN after
 * printing usage, or an exit status after a usage error. */
static int parse_opts(const char *cmd, const char *usage, int argc, char **argv, opt *opts,
                      size_t n_opts, const char **pos, int max_pos, int *n_pos)
{
    bool options_done = false;
    *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            fputs(usage, stdout);
            return HELP_SHOWN;
        }
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        /* "-5" is a value, not an option: a number can start with '-'. */
        if (!options_done && a[0] == '-' && a[1] == '-') {
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            opt *o = NULL;
            for (size_t j = 0; j < n_opts; j++)
                if (strlen(opts[j].name) == len && strncmp(a, opts[j].name, len) == 0)
                    o = &opts[j];
            if (!o)
                return cti_usage_error(cmd, "unknown option \"%.*s\"", (int)len, a);
            if (o->flag) {
                if (eq)
                    return cti_usage_error(cmd, "%s takes no value", o->name);
                o->value = "";
                continue;
            }
            if (eq)
                o->value = eq + 1;
            else if (i + 1 < argc)
                o->value = argv[++i];
            else
                return cti_usage_error(cmd, "%s: expected a value", o->name);
            if (o->value[0] == '\0')
                return cti_usage_error(cmd, "%s: expected a value", o->name);
            continue;
        }
        if (*n_pos >= max_pos)
            return cti_usage_error(cmd, "unexpected argument \"%s\"", a);
        pos[(*n_pos)++] = a;
    }
    return 0;
}

static const char *get(const opt *opts, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(opts[i].name, name) == 0)
            return opts[i].value;
    return NULL;
}

/* A whole number in [lo, hi]. */
static bool integer_arg(const char *cmd, const char *name, const char *text, long long lo,
                        long long hi, long long *out, int *rc)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno || v < lo || v > hi) {
        *rc = cti_usage_error(cmd, "%s: expected an integer from %lld to %lld, got \"%s\"", name,
                              lo, hi, text);
        return false;
    }
    *out = v;
    return true;
}

/* A yield in (0, 1]: "0.995" or "99.5 %". */
static bool yield_arg(const char *cmd, const char *name, const char *text, double *out, int *rc)
{
    char why[256];
    double y;
    if (ct_quantity_parse(text, CT_DIM_NONE, false, &y, why, sizeof why) != CT_OK ||
        !(y > 0 && y <= 1)) {
        *rc = cti_usage_error(cmd, "%s: expected a yield in (0, 1] such as 0.995 or \"99.5 %%\", "
                                   "got \"%s\"", name, text);
        return false;
    }
    *out = y;
    return true;
}

/* ---------------- JSON ---------------- */

/* ---------------- calc yield ---------------- */

#define MAX_STEPS 1000000000LL
#define MAX_LISTED_STEPS 100000

static int run_yield(int argc, char **argv)
{
    static const char cmd[] = "calc yield";
    opt opts[] = {
        { "--steps", false, NULL }, { "--step-yield", false, NULL },
        { "--step-yields", false, NULL }, { "--json", true, NULL },
    };
    const size_t n = sizeof opts / sizeof opts[0];
    int n_pos, rc = parse_opts(cmd, yield_usage, argc, argv, opts, n, NULL, 0, &n_pos);
    if (rc)
        return rc == HELP_SHOWN ? CTI_EXIT_OK : rc;

    const char *steps_s = get(opts, n, "--steps"), *one = get(opts, n, "--step-yield"),
               *list = get(opts, n, "--step-yields");
    if (one && list)
        return cti_usage_error(cmd, "give either --step-yield (with --steps) or --step-yields, "
                                    "not both");
    if (!one && !list)
        return cti_usage_error(cmd, "missing --steps N --step-yield Y, or --step-yields Y1,Y2,...");
    if (list && steps_s)
        return cti_usage_error(cmd, "--steps goes with --step-yield; --step-yields has one yield "
                                    "per step");
    if (one && !steps_s)
        return cti_usage_error(cmd, "--step-yield needs --steps N");

    ct_error err;
    ct_error_clear(&err);
    long long steps;
    double cumulative;
    if (one) {
        double y;
        if (!integer_arg(cmd, "--steps", steps_s, 1, MAX_STEPS, &steps, &rc) ||
            !yield_arg(cmd, "--step-yield", one, &y, &rc))
            return rc;
        if (ct_cumulative_yield_uniform(y, steps, &cumulative, &err) != CT_OK)
            return cti_exit_for(cmd, &err);
    } else {
        size_t count = 1;
        for (const char *p = list; *p; p++)
            count += *p == ',';
        if (count > MAX_LISTED_STEPS)
            return cti_usage_error(cmd, "--step-yields: expected at most %d yields, got %zu",
                                   MAX_LISTED_STEPS, count);
        double *ys = malloc(count * sizeof *ys);
        char *copy = strdup(list);
        if (!ys || !copy) {
            free(ys);
            free(copy);
            fprintf(stderr, "celltwin %s: out of memory\n", cmd);
            return CTI_EXIT_FAIL;
        }
        /* strsep-like by hand: strtok would skip empty items, and an empty
         * item ("0.99,,0.98") is a mistake to report, not to ignore. */
        char *item = copy;
        for (size_t i = 0; i < count; i++) {
            char *comma = strchr(item, ',');
            if (comma)
                *comma = '\0';
            char name[64];
            snprintf(name, sizeof name, "--step-yields: item %zu", i + 1);
            if (!yield_arg(cmd, name, item, &ys[i], &rc)) {
                free(ys);
                free(copy);
                return rc;
            }
            item = comma ? comma + 1 : item + strlen(item);
        }
        ct_status st = ct_cumulative_yield(ys, count, &cumulative, &err);
        free(ys);
        free(copy);
        if (st != CT_OK)
            return cti_exit_for(cmd, &err);
        steps = (long long)count;
    }

    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, "steps", json_integer((json_int_t)steps));
        json_object_set_new(o, "cumulative_yield", cti_json_num(cumulative));
        json_object_set_new(o, "scrap_fraction", cti_json_num(1 - cumulative));
    }
    return cti_json_emit("calc", o, 12);
}

/* ---------------- calc coating-scrap ---------------- */

/* How each quantity option is read and bounded. */
typedef struct quantity_opt {
    const char *name;
    ct_dim dim;
    const char *noun;      /* for "expected a speed > 0 such as ..." */
    bool zero_ok;          /* >= 0 rather than > 0 */
    size_t field;          /* offset in ct_coating_scrap_in */
} quantity_opt;

static const quantity_opt SCRAP_QUANTITIES[] = {
    { "--lane-width", CT_DIM_LENGTH, "a length", false, offsetof(ct_coating_scrap_in, lane_width_m) },
    { "--speed", CT_DIM_SPEED, "a speed", false, offsetof(ct_coating_scrap_in, speed_m_s) },
    { "--time", CT_DIM_TIME, "a time", true, offsetof(ct_coating_scrap_in, time_s) },
    { "--loading", CT_DIM_AREAL_MASS, "an areal mass", false,
      offsetof(ct_coating_scrap_in, loading_kg_m2) },
    { "--active-fraction", CT_DIM_NONE, "a fraction", false,
      offsetof(ct_coating_scrap_in, active_fraction) },
    { "--price", CT_DIM_PRICE_MASS, "a price per mass", true,
      offsetof(ct_coating_scrap_in, price_usd_kg) },
};
#define N_SCRAP_QUANTITIES (sizeof SCRAP_QUANTITIES / sizeof SCRAP_QUANTITIES[0])

static int run_scrap(int argc, char **argv)
{
    static const char cmd[] = "calc coating-scrap";
    opt opts[N_SCRAP_QUANTITIES + 2];
    size_t n = 0;
    opts[n++] = (opt){ "--lanes", false, NULL };
    for (size_t i = 0; i < N_SCRAP_QUANTITIES; i++)
        opts[n++] = (opt){ SCRAP_QUANTITIES[i].name, false, NULL };
    opts[n++] = (opt){ "--json", true, NULL };
    int n_pos, rc = parse_opts(cmd, scrap_usage, argc, argv, opts, n, NULL, 0, &n_pos);
    if (rc)
        return rc == HELP_SHOWN ? CTI_EXIT_OK : rc;

    ct_coating_scrap_in in;
    memset(&in, 0, sizeof in);
    const char *lanes = get(opts, n, "--lanes");
    if (!lanes)
        return cti_usage_error(cmd, "missing --lanes N (coated strips side by side)");
    if (!integer_arg(cmd, "--lanes", lanes, 1, 1000000, &in.lanes, &rc))
        return rc;
    for (size_t i = 0; i < N_SCRAP_QUANTITIES; i++) {
        const quantity_opt *q = &SCRAP_QUANTITIES[i];
        const char *text = get(opts, n, q->name);
        const char *example = q->dim == CT_DIM_NONE ? "0.96" : ct_dim_example(q->dim);
        char why[256];
        double x;
        if (!text)
            return cti_usage_error(cmd, "missing %s (%s such as \"%s\")", q->name, q->noun, example);
        /* Units are required: "--loading 20" could mean kg/m2 or mg/cm2. */
        if (ct_quantity_parse(text, q->dim, true, &x, why, sizeof why) != CT_OK)
            return cti_usage_error(cmd, "%s: %s", q->name, why);
        bool in_range = q->dim == CT_DIM_NONE ? x > 0 && x <= 1 : q->zero_ok ? x >= 0 : x > 0;
        if (!in_range)
            return cti_usage_error(cmd, "%s: expected %s %s such as \"%s\", got \"%s\"", q->name,
                                   q->noun,
                                   q->dim == CT_DIM_NONE ? "in (0, 1]" : q->zero_ok ? ">= 0" : "> 0",
                                   example, text);
        *(double *)((char *)&in + q->field) = x;
    }

    ct_error err;
    ct_error_clear(&err);
    ct_coating_scrap_out out;
    if (ct_coating_scrap(&in, &out, &err) != CT_OK)
        return cti_exit_for(cmd, &err);

    json_t *o = json_object(), *inputs = json_object();
    if (o && inputs) {
        json_object_set_new(inputs, "lanes", json_integer((json_int_t)in.lanes));
        json_object_set_new(inputs, "lane_width_m", cti_json_num(in.lane_width_m));
        json_object_set_new(inputs, "speed_m_s", cti_json_num(in.speed_m_s));
        json_object_set_new(inputs, "time_s", cti_json_num(in.time_s));
        json_object_set_new(inputs, "loading_kg_m2", cti_json_num(in.loading_kg_m2));
        json_object_set_new(inputs, "active_fraction", cti_json_num(in.active_fraction));
        json_object_set_new(inputs, "price_usd_kg", cti_json_num(in.price_usd_kg));
        json_object_set_new(o, "inputs", inputs);
        inputs = NULL;
        json_object_set_new(o, "area_m2", cti_json_num(out.area_m2));
        json_object_set_new(o, "coating_mass_kg", cti_json_num(out.coating_mass_kg));
        json_object_set_new(o, "active_mass_kg", cti_json_num(out.active_mass_kg));
        json_object_set_new(o, "cost_usd", cti_json_num(out.cost_usd));
    }
    json_decref(inputs);
    return cti_json_emit("calc", o, 12);
}

/* ---------------- calc cell ---------------- */

/* Base units to the units people read: kg -> g, Ah/m2 -> mAh/cm2, ... */
#define G(kg) ((kg) * 1e3)
#define MAH_CM2(ah_m2) ((ah_m2) * 0.1)
#define MG_CM2(kg_m2) ((kg_m2) * 100.0)
#define UM(m) ((m) * 1e6)
#define G_CM3(kg_m3) ((kg_m3) / 1e3)
#define LITRE(m3) ((m3) * 1e3)

static json_t *electrode_json(const ct_electrode_design *e, const ct_electrode_result *r)
{
    json_t *o = json_object(), *mats = json_array();
    if (!o || !mats) {
        json_decref(o);
        json_decref(mats);
        return NULL;
    }
    for (int i = 0; i < e->n_materials; i++) {
        const ct_active_material *m = &e->materials[i];
        json_t *mo = json_object();
        json_object_set_new(mo, "name", json_string(m->name));
        json_object_set_new(mo, "mass_fraction", cti_json_num(m->mass_fraction));
        json_object_set_new(mo, "specific_capacity_mah_g", cti_json_num(m->specific_capacity_ah_kg));
        json_object_set_new(mo, "average_voltage_v", cti_json_num(m->average_voltage_v));
        json_object_set_new(mo, "initial_efficiency", cti_json_num(m->initial_efficiency));
        json_array_append_new(mats, mo);
    }
    json_object_set_new(o, "materials", mats);
    json_object_set_new(o, "active_fraction", cti_json_num(e->active_fraction));
    json_object_set_new(o, "loading_mg_cm2", cti_json_num(MG_CM2(e->loading_kg_m2)));
    json_object_set_new(o, "coated_area_m2", cti_json_num(e->coated_area_m2));
    json_object_set_new(o, "coating_mass_g", cti_json_num(G(r->coating_mass_kg)));
    json_object_set_new(o, "active_mass_g", cti_json_num(G(r->active_mass_kg)));
    json_object_set_new(o, "specific_capacity_mah_g", cti_json_num(r->specific_capacity_ah_kg));
    json_object_set_new(o, "areal_capacity_mah_cm2", cti_json_num(MAH_CM2(r->areal_capacity_ah_m2)));
    json_object_set_new(o, "capacity_ah", cti_json_num(r->capacity_ah));
    json_object_set_new(o, "initial_efficiency", cti_json_num(r->initial_efficiency));
    json_object_set_new(o, "first_charge_ah", cti_json_num(r->first_charge_ah));
    json_object_set_new(o, "irreversible_ah", cti_json_num(r->irreversible_ah));
    json_object_set_new(o, "average_voltage_v", cti_json_num(r->average_voltage_v));
    json_object_set_new(o, "coating_thickness_um", cti_json_num(UM(r->coating_thickness_m)));
    json_object_set_new(o, "coating_density_g_cm3", cti_json_num(G_CM3(r->coating_density_kg_m3)));
    json_object_set_new(o, "porosity", cti_json_num(r->porosity));
    json_object_set_new(o, "foil_mass_g", cti_json_num(G(r->foil_mass_kg)));
    return o;
}

static bool has_prelithiation(const ct_cell_design *d)
{
    return d->prelithiation.additive_fraction > 0 || d->prelithiation.anode_compensation > 0;
}

static json_t *cell_json(const ct_cell_design *d, const ct_cell_result *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "name", d->name[0] ? json_string(d->name) : json_null());
    json_object_set_new(o, "cathode", electrode_json(&d->cathode, &r->cathode));
    json_object_set_new(o, "anode", electrode_json(&d->anode, &r->anode));
    json_object_set_new(o, "np_ratio", cti_json_num(r->np_ratio));
    json_object_set_new(o, "first_charge_ah", cti_json_num(r->first_charge_ah));
    json_object_set_new(o, "first_cycle_loss_ah", cti_json_num(r->first_cycle_loss_ah));
    json_object_set_new(o, "first_cycle_loss_pct", cti_json_num(100 * r->first_cycle_loss_fraction));
    json_object_set_new(o, "lithium_inventory_ah", cti_json_num(r->lithium_inventory_ah));
    json_object_set_new(o, "reversible_capacity_ah", cti_json_num(r->reversible_capacity_ah));
    json_object_set_new(o, "limited_by", json_string(ct_cell_limit_name(r->limited_by)));
    json_object_set_new(o, "lithium_plating_risk", json_boolean(r->lithium_plating_risk));
    json_object_set_new(o, "lithium_to_offset_loss_g", cti_json_num(G(r->lithium_to_offset_loss_kg)));
    if (has_prelithiation(d)) {
        const ct_prelithiation *p = &d->prelithiation;
        json_t *po = json_object();
        json_object_set_new(po, "additive", p->additive_fraction > 0 ? json_string(p->additive)
                                                                     : json_null());
        json_object_set_new(po, "additive_fraction", cti_json_num(p->additive_fraction));
        json_object_set_new(po, "additive_mass_g", cti_json_num(G(r->additive_mass_kg)));
        json_object_set_new(po, "additive_ah", cti_json_num(r->additive_ah));
        json_object_set_new(po, "anode_compensation", cti_json_num(p->anode_compensation));
        json_object_set_new(po, "anode_lithium_ah", cti_json_num(r->anode_lithium_ah));
        json_object_set_new(po, "lithium_metal_g", cti_json_num(G(r->lithium_metal_kg)));
        json_object_set_new(po, "lithium_supplied_g", cti_json_num(G(r->lithium_supplied_kg)));
        json_object_set_new(po, "reversible_without_ah", cti_json_num(r->reversible_without_prelithiation_ah));
        json_object_set_new(po, "capacity_gained_ah", cti_json_num(r->capacity_gained_ah));
        json_object_set_new(o, "prelithiation", po);
    } else {
        json_object_set_new(o, "prelithiation", json_null());
    }
    json_object_set_new(o, "nominal_voltage_v", cti_json_num(r->nominal_voltage_v));
    json_object_set_new(o, "energy_wh", cti_json_num(r->energy_wh));
    json_t *m = json_object();
    json_object_set_new(m, "cathode_coating", cti_json_num(G(r->cathode_coating_kg)));
    json_object_set_new(m, "cathode_foil", cti_json_num(G(r->cathode_foil_kg)));
    json_object_set_new(m, "anode_coating", cti_json_num(G(r->anode_coating_kg)));
    json_object_set_new(m, "anode_foil", cti_json_num(G(r->anode_foil_kg)));
    json_object_set_new(m, "separator", cti_json_num(G(r->separator_kg)));
    json_object_set_new(m, "electrolyte", cti_json_num(G(r->electrolyte_kg)));
    json_object_set_new(m, "housing", cti_json_num(G(r->housing_kg)));
    json_object_set_new(m, "other", cti_json_num(G(r->other_kg)));
    json_object_set_new(m, "lithium_metal", cti_json_num(G(r->lithium_metal_kg)));
    json_object_set_new(m, "total", cti_json_num(G(r->total_mass_kg)));
    json_object_set_new(o, "mass_g", m);
    json_object_set_new(o, "specific_energy_wh_kg", cti_json_num(r->specific_energy_wh_kg));
    json_object_set_new(o, "volume_l", cti_json_num(LITRE(r->volume_m3)));
    json_object_set_new(o, "energy_density_wh_l", cti_json_num(r->energy_density_wh_l));
    return o;
}

static void print_electrode(const char *label, const ct_electrode_design *e,
                            const ct_electrode_result *r)
{
    printf("%s:", label);
    for (int i = 0; i < e->n_materials; i++)
        printf(" %s%s %.4g mAh/g", i ? "+ " : "", e->materials[i].name,
               e->materials[i].specific_capacity_ah_kg);
    if (e->n_materials > 1)
        printf(" (blend %.4g mAh/g)", r->specific_capacity_ah_kg);
    printf("\n  %.4g mg/cm2 x %.4g %% active on %.4g m2: %.4g g active, %.4g mAh/cm2\n",
           MG_CM2(e->loading_kg_m2), 100 * e->active_fraction, e->coated_area_m2,
           G(r->active_mass_kg), MAH_CM2(r->areal_capacity_ah_m2));
    printf("  capacity %.4f Ah, ICE %.2f %%, first charge %.4f Ah, irreversible %.4f Ah\n",
           r->capacity_ah, 100 * r->initial_efficiency, r->first_charge_ah, r->irreversible_ah);
    if (isfinite(r->coating_thickness_m))
        printf("  coating %.1f um per side at %.3g g/cm3", UM(r->coating_thickness_m),
               G_CM3(r->coating_density_kg_m3));
    if (isfinite(r->porosity))
        printf(", porosity %.1f %%", 100 * r->porosity);
    if (isfinite(r->coating_thickness_m))
        printf("\n");
}

static void print_cell(const ct_cell_design *d, const ct_cell_result *r)
{
    if (d->name[0])
        printf("%s\n\n", d->name);
    print_electrode("cathode", &d->cathode, &r->cathode);
    print_electrode("anode", &d->anode, &r->anode);
    printf("\nN/P ratio                  %.4f\n", r->np_ratio);
    printf("first charge               %.4f Ah\n", r->first_charge_ah);
    printf("first-cycle loss           %.4f Ah (%.2f %%)\n", r->first_cycle_loss_ah,
           100 * r->first_cycle_loss_fraction);
    printf("lithium inventory          %.4f Ah\n", r->lithium_inventory_ah);
    printf("reversible capacity        %.4f Ah (limited by the %s)\n", r->reversible_capacity_ah,
           r->limited_by == CT_CELL_LIMIT_LITHIUM ? "lithium inventory"
                                                  : ct_cell_limit_name(r->limited_by));
    if (r->lithium_to_offset_loss_kg > 0)
        printf("lithium to offset the loss %.3f g\n", G(r->lithium_to_offset_loss_kg));
    if (has_prelithiation(d)) {
        printf("prelithiation              %.4f Ah (%.3f g lithium equivalent)",
               r->additive_ah + r->anode_lithium_ah, G(r->lithium_supplied_kg));
        if (r->additive_mass_kg > 0)
            printf(", %.2f g %s", G(r->additive_mass_kg), d->prelithiation.additive);
        printf("\n  capacity gained          %.4f Ah (from %.4f Ah)\n", r->capacity_gained_ah,
               r->reversible_without_prelithiation_ah);
    }
    if (r->lithium_plating_risk)
        printf("warning: the lithium inventory exceeds the anode capacity (%.4f Ah): "
               "lithium plating risk\n", r->anode.capacity_ah);
    printf("nominal voltage            %.3f V\n", r->nominal_voltage_v);
    printf("energy                     %.2f Wh\n", r->energy_wh);
    printf("\nmass (g): cathode coating %.1f, cathode foil %.1f, anode coating %.1f, anode foil "
           "%.1f,\n  separator %.1f, electrolyte %.1f, housing %.1f, other %.1f",
           G(r->cathode_coating_kg), G(r->cathode_foil_kg), G(r->anode_coating_kg),
           G(r->anode_foil_kg), G(r->separator_kg), G(r->electrolyte_kg), G(r->housing_kg),
           G(r->other_kg));
    if (r->lithium_metal_kg > 0)
        printf(", lithium %.2f", G(r->lithium_metal_kg));
    printf("\ntotal mass                 %.1f g\n", G(r->total_mass_kg));
    printf("specific energy            %.1f Wh/kg\n", r->specific_energy_wh_kg);
    printf("volume                     %.4f L\n", LITRE(r->volume_m3));
    printf("energy density             %.1f Wh/L\n", r->energy_density_wh_l);
}

static int run_cell(int argc, char **argv)
{
    static const char cmd[] = "calc cell";
    opt opts[] = { { "--json", true, NULL } };
    const char *pos[1];
    int n_pos, rc = parse_opts(cmd, cell_usage, argc, argv, opts, 1, pos, 1, &n_pos);
    if (rc)
        return rc == HELP_SHOWN ? CTI_EXIT_OK : rc;
    if (n_pos == 0)
        return cti_usage_error(cmd, "missing DESIGN.yaml (a cell-design file)");

    ct_error err;
    ct_error_clear(&err);
    ct_cell_design d;
    ct_cell_result r;
    if (ct_cell_design_load(pos[0], &d, &err) != CT_OK ||
        ct_cell_design_compute(&d, &r, &err) != CT_OK)
        return cti_exit_for(cmd, &err);
    if (get(opts, 1, "--json"))
        return cti_json_emit("calc", cell_json(&d, &r), 12);
    print_cell(&d, &r);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "celltwin %s: cannot write the output: %s\n", cmd, strerror(errno));
        return CTI_EXIT_FAIL;
    }
    return CTI_EXIT_OK;
}

/* ---------------- dispatch ---------------- */

static int calc_main(int argc, char **argv)
{
    static const struct {
        const char *name;
        cti_cmd_fn run;
    } calcs[] = {
        { "yield", run_yield },
        { "coating-scrap", run_scrap },
        { "cell", run_cell },
    };
    if (argc < 2)
        return cti_usage_error("calc", "missing CALCULATOR: yield, coating-scrap or cell");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(calc_usage, stdout);
        return CTI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof calcs / sizeof calcs[0]; i++)
        if (strcmp(argv[1], calcs[i].name) == 0)
            return calcs[i].run(argc - 1, argv + 1);
    return cti_usage_error("calc", "unknown calculator \"%s\"; expected yield, coating-scrap or "
                                   "cell", argv[1]);
}

const cti_command cti_cmd_calc = {
    "calc", calc_main, "yield, coating-scrap and cell-design calculators", calc_usage,
};
