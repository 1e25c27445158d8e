/*
 * econ_report.c - the economics of a run in its two outputs: the
 * "economics" object of `celltwin run --json` (and of its "ci95") and a
 * section of the KPI table; plus the table of numeric fields that run.c
 * averages over replications.
 */
#include <jansson.h>
#include <stddef.h>
#include <string.h>

#include "econ/econ_internal.h"
#include "model/factory_internal.h"
#include "model/results_internal.h"

#define ECON_FIELD(name) {#name, offsetof(ct_kpis, econ.name)}

const cti_kpi_field cti_econ_fields[] = {
    ECON_FIELD(cost_per_cell_usd),   ECON_FIELD(cost_per_kwh_usd),      ECON_FIELD(materials_usd),
    ECON_FIELD(scrap_usd),           ECON_FIELD(energy_usd),            ECON_FIELD(labour_usd),
    ECON_FIELD(depreciation_usd),    ECON_FIELD(overhead_usd),          ECON_FIELD(energy_kwh),
    ECON_FIELD(energy_stations_kwh), ECON_FIELD(energy_rooms_kwh),      ECON_FIELD(energy_building_kwh),
    ECON_FIELD(energy_kwh_per_kwh_cell), ECON_FIELD(floor_space_m2),    ECON_FIELD(floor_electrode_m2),
    ECON_FIELD(floor_assembly_m2),   ECON_FIELD(floor_finishing_m2),    ECON_FIELD(floor_dry_rooms_m2),
    ECON_FIELD(material_in_usd),     ECON_FIELD(good_cells),
};
const size_t cti_n_econ_fields = sizeof cti_econ_fields / sizeof cti_econ_fields[0];

/* The cost parts in breakdown order, with their names in JSON and tables. */
typedef struct part {
    const char *name;
    size_t offset;
} part;

static const part cost_parts[] = {
    {"materials", offsetof(ct_econ_kpis, materials_usd)},
    {"scrap", offsetof(ct_econ_kpis, scrap_usd)},
    {"energy", offsetof(ct_econ_kpis, energy_usd)},
    {"labour", offsetof(ct_econ_kpis, labour_usd)},
    {"depreciation", offsetof(ct_econ_kpis, depreciation_usd)},
    {"overhead", offsetof(ct_econ_kpis, overhead_usd)},
};
#define N_PARTS (sizeof cost_parts / sizeof cost_parts[0])

static const part floor_parts[] = {
    {"electrode", offsetof(ct_econ_kpis, floor_electrode_m2)},
    {"assembly", offsetof(ct_econ_kpis, floor_assembly_m2)},
    {"finishing", offsetof(ct_econ_kpis, floor_finishing_m2)},
    {"dry_rooms", offsetof(ct_econ_kpis, floor_dry_rooms_m2)},
};
#define N_FLOOR (sizeof floor_parts / sizeof floor_parts[0])

#define PART(x, p) CTI_FIELD(x, (p).offset)

/* The design bill of materials: {name: {kg, usd}} per good cell. */
static json_t *bom_json(const ct_factory *f)
{
    json_t *o = json_object();
    for (int m = 0; m < f->n_materials; m++) {
        double kg = cti_econ_mass_per_cell(f, m);
        json_t *mo = json_object();
        json_object_set_new(mo, "kg", json_real(kg));
        json_object_set_new(mo, "usd", json_real(kg * f->materials[m].price_usd_kg));
        json_object_set_new(o, f->materials[m].name, mo);
    }
    return o;
}

static json_t *econ_json(const ct_results *r, const ct_kpis *k, bool is_mean)
{
    const ct_econ_kpis *x = &k->econ;
    json_t *o = json_object();
    json_object_set_new(o, "cost_per_cell_usd", json_real(x->cost_per_cell_usd));
    json_object_set_new(o, "cost_per_kwh_usd", json_real(x->cost_per_kwh_usd));
    json_t *cost = json_object(), *shares = json_object();
    for (size_t p = 0; p < N_PARTS; p++) {
        double v = PART(x, cost_parts[p]);
        json_object_set_new(cost, cost_parts[p].name, json_real(v));
        if (is_mean)
            json_object_set_new(shares, cost_parts[p].name,
                                json_real(x->cost_per_cell_usd > 0 ? v / x->cost_per_cell_usd : 0));
    }
    json_object_set_new(o, "cost_breakdown_usd_per_cell", cost);
    if (is_mean)
        json_object_set_new(o, "cost_shares", shares);
    else
        json_decref(shares);
    json_object_set_new(o, "energy_kwh", json_real(x->energy_kwh));
    json_object_set_new(o, "energy_kwh_per_kwh_cell", json_real(x->energy_kwh_per_kwh_cell));
    json_t *energy = json_object();
    json_object_set_new(energy, "stations", json_real(x->energy_stations_kwh));
    json_object_set_new(energy, "rooms", json_real(x->energy_rooms_kwh));
    json_object_set_new(energy, "building", json_real(x->energy_building_kwh));
    json_object_set_new(o, "energy_breakdown_kwh", energy);
    json_t *by_station = json_object();
    for (size_t s = 0; s < k->n_stations; s++)
        json_object_set_new(by_station, k->stations[s].name, json_real(k->stations[s].energy_kwh));
    json_object_set_new(o, "energy_by_station_kwh", by_station);
    if (is_mean) {
        /* rooms draw a constant power: the same in every replication */
        const cti_factory_econ *e = &r->f->econ;
        json_t *rooms = json_object();
        for (int i = 0; i < e->n_rooms; i++)
            json_object_set_new(rooms, e->rooms[i].name,
                                json_real(cti_room_kwh(e, &e->rooms[i], r->opt.horizon_s - r->opt.warmup_s)));
        json_object_set_new(o, "energy_by_room_kwh", rooms);
        json_object_set_new(o, "materials_per_cell", bom_json(r->f));
    }
    json_t *floor = json_object();
    for (size_t p = 0; p < N_FLOOR; p++)
        json_object_set_new(floor, floor_parts[p].name, json_real(PART(x, floor_parts[p])));
    json_object_set_new(floor, "total", json_real(x->floor_space_m2));
    json_object_set_new(o, "floor_space_m2", floor);
    json_object_set_new(o, "material_in_usd", json_real(x->material_in_usd));
    json_object_set_new(o, "good_cells", json_real(x->good_cells));
    return o;
}

void cti_econ_json_add(const ct_results *r, void *json_object)
{
    if (!r->f->econ.present)
        return;
    json_t *o = json_object;
    json_object_set_new(o, "economics", econ_json(r, &r->mean, true));
    json_t *ci = json_object_get(o, "ci95");
    if (ci)
        json_object_set_new(ci, "economics", econ_json(r, &r->ci95, false));
}

/* "12.3" or "12.3 ± 0.4" with several replications. */
static void value(FILE *out, const ct_results *r, const char *fmt, double mean, double half)
{
    fprintf(out, fmt, mean);
    if (r->opt.replications > 1) {
        fputs(" ± ", out);
        fprintf(out, fmt, half);
    }
}

void cti_econ_print(const ct_results *r, FILE *out)
{
    if (!r->f->econ.present)
        return;
    const ct_econ_kpis *m = &r->mean.econ, *h = &r->ci95.econ;
    fputs("\nEconomics (per good cell)\n  cost per cell (USD)    ", out);
    value(out, r, "%.2f", m->cost_per_cell_usd, h->cost_per_cell_usd);
    fputs("\n  cost per kWh (USD)     ", out);
    value(out, r, "%.1f", m->cost_per_kwh_usd, h->cost_per_kwh_usd);
    fputc('\n', out);
    for (size_t p = 0; p < N_PARTS; p++) {
        double v = PART(m, cost_parts[p]);
        fprintf(out, "    %-20s ", cost_parts[p].name);
        value(out, r, "%.3f", v, PART(h, cost_parts[p]));
        fprintf(out, " USD (%.1f %%)\n", m->cost_per_cell_usd > 0 ? 100 * v / m->cost_per_cell_usd : 0);
    }
    if (m->good_cells > 0)
        fprintf(out, "  from the stores        %.3f USD of raw material per good cell in the period "
                     "(with work in progress)\n", m->material_in_usd / m->good_cells);
    fputs("  energy per kWh of cell ", out);
    value(out, r, "%.1f", m->energy_kwh_per_kwh_cell, h->energy_kwh_per_kwh_cell);
    fprintf(out, " kWh (in the period: stations %.1f, rooms %.1f, building %.1f kWh)\n",
            m->energy_stations_kwh, m->energy_rooms_kwh, m->energy_building_kwh);
    fprintf(out, "  floor space %.0f m2: electrode %.0f, assembly %.0f, finishing %.0f, dry rooms %.0f\n",
            m->floor_space_m2, m->floor_electrode_m2, m->floor_assembly_m2, m->floor_finishing_m2,
            m->floor_dry_rooms_m2);
    /* the label column fits the longest station or room name */
    const cti_factory_econ *e = &r->f->econ;
    int w = 22;
    for (size_t s = 0; s < r->mean.n_stations; s++)
        if ((int)strlen(r->mean.stations[s].name) > w)
            w = (int)strlen(r->mean.stations[s].name);
    for (int i = 0; i < e->n_rooms; i++)
        if (5 + (int)strlen(e->rooms[i].name) > w)
            w = 5 + (int)strlen(e->rooms[i].name);
    fprintf(out, "\n  %-*s %14s %7s\n", w, "energy", "kWh", "share%");
    for (size_t s = 0; s < r->mean.n_stations; s++) {
        const ct_station_kpi *k = &r->mean.stations[s];
        if (k->energy_kwh > 0)
            fprintf(out, "  %-*s %14.1f %7.1f\n", w, k->name, k->energy_kwh,
                    m->energy_kwh > 0 ? 100 * k->energy_kwh / m->energy_kwh : 0);
    }
    for (int i = 0; i < e->n_rooms; i++) {
        double kwh = cti_room_kwh(e, &e->rooms[i], r->opt.horizon_s - r->opt.warmup_s);
        fprintf(out, "  room %-*s %14.1f %7.1f\n", w - 5, e->rooms[i].name, kwh,
                m->energy_kwh > 0 ? 100 * kwh / m->energy_kwh : 0);
    }
    fprintf(out, "  %-*s %14.1f %7.1f\n", w, "building services", m->energy_building_kwh,
            m->energy_kwh > 0 ? 100 * m->energy_building_kwh / m->energy_kwh : 0);
}
