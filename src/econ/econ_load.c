/*
 * econ_load.c - reads the economics of a factory file: `economics:` of a
 * station (investment, depreciation, floor space, power by state,
 * operators, area, room), `economics:` of the factory (electricity price,
 * labour rate, overhead, building services, the dry-room model, rooms) and
 * `per_cell:` of a material. Keys and their meaning: docs/economics.md.
 *
 * Mistakes are reported like the rest of the loader: FILE:LINE:COL: KEY:
 * what was expected (yaml_util.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "econ/econ_internal.h"
#include "model/factory_internal.h"
#include "model/kind.h"

/* ------------------------------------------------------------------------ */
/* shared helpers                                                           */

static ct_status get_text(cti_yaml_ctx *y, const cti_yaml_value *v, const char *expect, char *out,
                          size_t len)
{
    const char *s = cti_yaml_scalar(v);
    if (!s || !*s || strlen(s) >= len)
        return cti_yaml_fail_expected(y, v, expect);
    memcpy(out, s, strlen(s) + 1);
    return CT_OK;
}

/* A quantity that must carry its unit ("12 Musd", "150 kW"). */
static ct_status get_unit_q(cti_yaml_ctx *y, const cti_yaml_value *v, ct_dim dim, double *out)
{
    return cti_yaml_get_quantity(y, v, dim, true, CTI_YAML_NONNEGATIVE, out);
}

static ct_status fail_at(cti_yaml_ctx *y, int line, int col, const char *path, const char *fmt,
                         const char *arg)
{
    cti_yaml_loc loc = {line, col};
    return cti_yaml_fail(y, loc, path, fmt, arg);
}

/* ------------------------------------------------------------------------ */
/* station economics:                                                       */

#define SE(obj) (&((cti_station *)(obj))->econ)

static ct_status se_investment(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_MONEY, &SE(obj)->investment_usd);
}

static ct_status se_depreciation(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_NONE, false, false, CTI_YAML_POSITIVE,
                                    "a number of years > 0 such as 10", &SE(obj)->depreciation_years);
}

static ct_status se_floor_space(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_AREA, &SE(obj)->floor_space_m2);
}

static ct_status power_running(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_POWER, &((double *)obj)[CTI_POWER_RUNNING]);
}

static ct_status power_idle(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_POWER, &((double *)obj)[CTI_POWER_IDLE]);
}

static ct_status power_down(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_POWER, &((double *)obj)[CTI_POWER_DOWN]);
}

static const cti_yaml_key power_keys[] = {
    { "running", true, "a power such as \"150 kW\"", power_running },
    { "idle", false, "a power such as \"20 kW\"", power_idle },
    { "down", false, "a power such as \"5 kW\"", power_down },
};

static ct_status se_power(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_yaml_walk w;
    return cti_yaml_walk_mapping(y, v, power_keys, CTI_YAML_N_KEYS(power_keys), SE(obj)->power_w, &w);
}

static ct_status se_operators(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_NONE, false, false, CTI_YAML_NONNEGATIVE,
                                    "a number of operators per shift >= 0 such as 2",
                                    &SE(obj)->operators);
}

static const char *const area_names[CTI_AREA__COUNT] = {
    [CTI_AREA_NONE] = "", [CTI_AREA_ELECTRODE] = "electrode",
    [CTI_AREA_ASSEMBLY] = "assembly", [CTI_AREA_FINISHING] = "finishing",
};

static ct_status se_area(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    const char *s = cti_yaml_scalar(v);
    for (int a = 1; s && a < CTI_AREA__COUNT; a++)
        if (strcmp(s, area_names[a]) == 0) {
            SE(obj)->area = (cti_area)a;
            return CT_OK;
        }
    return cti_yaml_fail_expected(y, v, "electrode, assembly or finishing");
}

static ct_status se_room(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_station_econ *e = SE(obj);
    e->room_line = v->loc.line;
    e->room_col = v->loc.col;
    return get_text(y, v, "the name of a room of economics.rooms", e->room_name, sizeof e->room_name);
}

static const cti_yaml_key station_econ_keys[] = {
    { "investment", false, "an amount of money such as \"12 Musd\"", se_investment },
    { "depreciation_years", false, "a number of years > 0 such as 10", se_depreciation },
    { "floor_space", false, "an area such as \"400 m2\"", se_floor_space },
    { "power", false, "{running, idle, down} such as {running: 150 kW, idle: 20 kW}", se_power },
    { "operators", false, "a number of operators per shift such as 2", se_operators },
    { "area", false, "electrode, assembly or finishing", se_area },
    { "room", false, "the name of a room of economics.rooms", se_room },
};

ct_status cti_econ_station_key(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_station_econ *e = SE(obj);
    cti_yaml_walk w;
    e->room = -1;
    e->line = v->loc.line;
    e->col = v->loc.col;
    ct_status st = cti_yaml_walk_mapping(y, v, station_econ_keys, CTI_YAML_N_KEYS(station_econ_keys),
                                         obj, &w);
    if (st != CT_OK)
        return st;
    if (e->investment_usd > 0 && !cti_yaml_seen(&w, "depreciation_years"))
        return fail_at(y, v->loc.line, v->loc.col, v->path,
                       "expected depreciation_years with an investment (%s)", "a number of years > 0");
    e->present = true;
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* materials: per_cell                                                      */

ct_status cti_econ_material_per_cell(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_MASS, true, false, CTI_YAML_POSITIVE,
                                    "a mass per cell > 0 such as \"0.24 kg\"",
                                    &((cti_material_supply *)obj)->per_cell_kg);
}

/* ------------------------------------------------------------------------ */
/* factory economics:                                                       */

#define FE(obj) (&((ct_factory *)(obj))->econ)

static ct_status fe_electricity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_PRICE_ENERGY, &FE(obj)->electricity_usd_kwh);
}

static ct_status fe_labour(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_PRICE_TIME, &FE(obj)->labour_usd_h);
}

static ct_status fe_overhead(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_NONE, false, false, CTI_YAML_NONNEGATIVE,
                                    "a share >= 0 such as \"25 %\"", &FE(obj)->overhead_share);
}

static ct_status fe_utilities(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_POWER_AREA, &FE(obj)->utilities_w_m2);
}

static ct_status dry_dew(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity(y, v, CT_DIM_TEMPERATURE, true, CTI_YAML_ANY,
                                 &((cti_factory_econ *)obj)->dry_ref_dew_point_c);
}

static ct_status dry_power(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_POWER_AREA, &((cti_factory_econ *)obj)->dry_ref_w_m2);
}

static ct_status dry_factor(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_NONE, false, false, CTI_YAML_POSITIVE,
                                    "a factor > 0 such as 1.4",
                                    &((cti_factory_econ *)obj)->dry_factor_per_10k);
}

static const cti_yaml_key dry_keys[] = {
    { "reference_dew_point", true, "a temperature such as \"-40 C\"", dry_dew },
    { "power", true, "a power per area such as \"0.3 kW/m2\"", dry_power },
    { "factor_per_10K", true, "a factor > 0 such as 1.4", dry_factor },
};

static ct_status fe_dry_room(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_yaml_walk w;
    return cti_yaml_walk_mapping(y, v, dry_keys, CTI_YAML_N_KEYS(dry_keys), FE(obj), &w);
}

#define ROOM(obj) ((cti_room *)(obj))

static ct_status room_name(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_text(y, v, "a room name", ROOM(obj)->name, sizeof ROOM(obj)->name);
}

static ct_status room_class(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_text(y, v, "a room class such as \"ISO 8\"", ROOM(obj)->room_class,
                    sizeof ROOM(obj)->room_class);
}

static ct_status room_floor(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_AREA, &ROOM(obj)->floor_space_m2);
}

static ct_status room_dew(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ROOM(obj)->has_dew_point = true;
    return cti_yaml_get_quantity(y, v, CT_DIM_TEMPERATURE, true, CTI_YAML_ANY, &ROOM(obj)->dew_point_c);
}

static ct_status room_power(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_unit_q(y, v, CT_DIM_POWER_AREA, &ROOM(obj)->power_w_m2);
}

static const cti_yaml_key room_keys[] = {
    { "name", true, "a room name", room_name },
    { "class", false, "a room class such as \"ISO 8\"", room_class },
    { "floor_space", true, "an area such as \"2000 m2\"", room_floor },
    { "dew_point", false, "a temperature such as \"-40 C\"", room_dew },
    { "power", false, "a power per area such as \"0.1 kW/m2\"", room_power },
};

static ct_status room_item(cti_yaml_ctx *y, const cti_yaml_value *iv, int i, void *obj)
{
    cti_factory_econ *e = obj;
    cti_room *r = &e->rooms[i];
    cti_yaml_walk w;
    r->power_w_m2 = -1;
    r->line = iv->loc.line;
    r->col = iv->loc.col;
    ct_status st = cti_yaml_walk_mapping(y, iv, room_keys, CTI_YAML_N_KEYS(room_keys), r, &w);
    if (st != CT_OK)
        return st;
    for (int j = 0; j < i; j++)
        if (strcmp(e->rooms[j].name, r->name) == 0)
            return fail_at(y, cti_yaml_seen(&w, "name")->line, cti_yaml_seen(&w, "name")->col,
                           iv->path, "name: expected a room name not used before, got \"%s\"", r->name);
    if (!r->has_dew_point && r->power_w_m2 < 0)
        return fail_at(y, iv->loc.line, iv->loc.col, iv->path, "%s",
                       "expected dew_point (a dry room) or power (per m2 of floor space)");
    return CT_OK;
}

static ct_status fe_rooms(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_factory_econ *e = FE(obj);
    int n;
    ct_status st = cti_yaml_get_list(y, v, 64, "a list of rooms such as "
                                               "[{name: dry_assembly, floor_space: 2000 m2, dew_point: -40 C}]",
                                     "rooms", &n);
    if (st != CT_OK)
        return st;
    if (!(e->rooms = calloc((size_t)n, sizeof *e->rooms)))
        return cti_yaml_fail_nomem(y);
    e->n_rooms = n;
    return cti_yaml_walk_list(y, v, room_item, e);
}

static const cti_yaml_key factory_econ_keys[] = {
    { "electricity", true, "a price per energy such as \"0.12 usd/kWh\"", fe_electricity },
    { "labour_rate", true, "a price per time such as \"45 usd/h\"", fe_labour },
    { "overhead", false, "a share such as \"25 %\"", fe_overhead },
    { "utilities", false, "a power per area such as \"0.1 kW/m2\"", fe_utilities },
    { "dry_room", false, "{reference_dew_point, power, factor_per_10K}", fe_dry_room },
    { "rooms", false, "a list of {name, class, floor_space, dew_point or power}", fe_rooms },
};

ct_status cti_econ_top_key(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_factory_econ *e = FE(obj);
    cti_yaml_walk w;
    e->line = v->loc.line;
    e->col = v->loc.col;
    ct_status st = cti_yaml_walk_mapping(y, v, factory_econ_keys, CTI_YAML_N_KEYS(factory_econ_keys),
                                         obj, &w);
    if (st != CT_OK)
        return st;
    for (int i = 0; i < e->n_rooms; i++)
        if (e->rooms[i].has_dew_point && !cti_yaml_seen(&w, "dry_room"))
            return fail_at(y, e->rooms[i].line, e->rooms[i].col, "economics.rooms",
                           "%s: a dew point needs the dry-room model economics.dry_room "
                           "{reference_dew_point, power, factor_per_10K}", e->rooms[i].name);
    e->present = true;
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* whole-file checks                                                        */

/* The area of a station kind: the review's three parts of the chain
 * (section 2.1; notching opens cell assembly, leak tests close it). */
static cti_area kind_area(const cti_kind *k)
{
    static const struct { const char *kind; cti_area area; } table[] = {
        {"mixer", CTI_AREA_ELECTRODE},     {"coater", CTI_AREA_ELECTRODE},
        {"calender", CTI_AREA_ELECTRODE},  {"slitter", CTI_AREA_ELECTRODE},
        {"notcher", CTI_AREA_ASSEMBLY},    {"stacker", CTI_AREA_ASSEMBLY},
        {"hipot", CTI_AREA_ASSEMBLY},      {"welder", CTI_AREA_ASSEMBLY},
        {"leak_test", CTI_AREA_ASSEMBLY},  {"vacuum_oven", CTI_AREA_ASSEMBLY},
        {"filler", CTI_AREA_ASSEMBLY},     {"soaking", CTI_AREA_FINISHING},
        {"formation", CTI_AREA_FINISHING}, {"degassing", CTI_AREA_FINISHING},
        {"aging", CTI_AREA_FINISHING},     {"grader", CTI_AREA_FINISHING},
        {"finisher", CTI_AREA_FINISHING},
        {"dry_mixer", CTI_AREA_ELECTRODE}, {"dry_coater", CTI_AREA_ELECTRODE},
        {"prelithiation", CTI_AREA_ELECTRODE},
    };
    for (size_t i = 0; k && i < sizeof table / sizeof table[0]; i++)
        if (strcmp(k->name, table[i].kind) == 0)
            return table[i].area;
    return CTI_AREA_NONE;
}

/* Does a station consume or use material m? */
static bool consumed(const ct_factory *f, int m)
{
    for (int i = 0; i < f->n_stations; i++) {
        const cti_station *s = &f->stations[i];
        for (int j = 0; j < s->n_consumes; j++)
            if (s->consumes[j].material == m)
                return true;
        for (int j = 0; j < s->n_uses; j++)
            if (s->uses[j].material == m)
                return true;
    }
    return false;
}

static ct_status check_station(cti_yaml_ctx *y, ct_factory *f, int i, double *in_room)
{
    cti_station_econ *e = &f->stations[i].econ;
    char path[96];
    snprintf(path, sizeof path, "stations[%d].economics", i);
    if (!f->econ.present)
        return fail_at(y, e->line, e->col, path,
                       "expected the factory's economics: section as well (electricity, "
                       "labour_rate) for station %s", f->stations[i].name);
    if (e->area == CTI_AREA_NONE && (e->area = kind_area(f->stations[i].kind)) == CTI_AREA_NONE &&
        e->floor_space_m2 > 0 && !e->room_name[0])
        return fail_at(y, e->line, e->col, path,
                       "area: expected electrode, assembly or finishing for station %s "
                       "(its kind does not tell)", f->stations[i].name);
    if (!e->room_name[0])
        return CT_OK;
    for (int r = 0; r < f->econ.n_rooms; r++)
        if (strcmp(f->econ.rooms[r].name, e->room_name) == 0) {
            e->room = r;
            in_room[r] += e->floor_space_m2;
            return CT_OK;
        }
    snprintf(path, sizeof path, "stations[%d].economics.room", i);
    return fail_at(y, e->room_line, e->room_col, path,
                   "expected the name of a room of economics.rooms, got \"%s\"", e->room_name);
}

ct_status cti_econ_check(cti_yaml_ctx *y, ct_factory *f)
{
    ct_status st = CT_OK;
    double *in_room = calloc((size_t)f->econ.n_rooms + 1, sizeof *in_room);
    if (!in_room)
        return cti_yaml_fail_nomem(y);
    for (int i = 0; st == CT_OK && i < f->n_stations; i++)
        if (f->stations[i].econ.present)
            st = check_station(y, f, i, in_room);
    for (int r = 0; st == CT_OK && r < f->econ.n_rooms; r++) {
        const cti_room *room = &f->econ.rooms[r];
        if (room->floor_space_m2 < in_room[r]) {
            char path[96];
            snprintf(path, sizeof path, "economics.rooms[%d].floor_space", r);
            cti_yaml_loc loc = {room->line, room->col};
            st = cti_yaml_fail(y, loc, path,
                               "expected at least the floor space of the stations in room %s "
                               "(%g m2), got %g m2", room->name, in_room[r], room->floor_space_m2);
        }
    }
    free(in_room);
    for (int m = 0; st == CT_OK && f->econ.present && m < f->n_materials; m++) {
        const cti_material_supply *s = &f->materials[m];
        if (s->per_cell_kg > 0 || consumed(f, m))
            continue;
        char path[96];
        snprintf(path, sizeof path, "materials[%d].per_cell", m);
        st = fail_at(y, s->loc.line, s->loc.col, path,
                     "expected a mass per cell such as \"0.24 kg\": material %s is consumed or "
                     "used by no station, so economics needs how much a cell takes", s->name);
    }
    return st;
}

void cti_econ_free(ct_factory *f)
{
    free(f->econ.rooms);
    f->econ.rooms = NULL;
}
