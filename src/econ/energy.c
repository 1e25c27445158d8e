/*
 * energy.c - electricity and floor space of a factory over one
 * replication's statistics period (docs/economics.md):
 *
 *   station  = servers x span x (P_running u + P_idle (blocked + starved)
 *              + P_down d) + its process energy (the coater's dryer);
 *   room     = power per m2 x floor space x span, the power of a dry room
 *              from its dew point: p_ref x factor^((dew_ref - dew) / 10 K);
 *   building = utilities per m2 x all floor space x span.
 *
 * u, blocked, starved and d are the line model's per-server state
 * fractions (they add up to 1), so a station's energy follows what the
 * simulated line actually did.
 */
#include <math.h>

#include "econ/econ_internal.h"
#include "model/factory_internal.h"

double cti_room_power_w_m2(const cti_factory_econ *e, const cti_room *r)
{
    if (r->power_w_m2 >= 0)
        return r->power_w_m2;
    return e->dry_ref_w_m2 * pow(e->dry_factor_per_10k, (e->dry_ref_dew_point_c - r->dew_point_c) / 10.0);
}

double cti_room_kwh(const cti_factory_econ *e, const cti_room *r, double span_s)
{
    return cti_room_power_w_m2(e, r) * r->floor_space_m2 * span_s / 3.6e6;
}

/* Energy of station i in the period, kWh. */
static double station_kwh(const cti_station *s, const ct_station_kpi *k, double hours)
{
    const cti_station_econ *e = &s->econ;
    double w = 0;
    if (e->present)
        w = e->power_w[CTI_POWER_RUNNING] * k->utilization +
            e->power_w[CTI_POWER_IDLE] * (k->blocked + k->starved) + e->power_w[CTI_POWER_DOWN] * k->down;
    return s->servers * hours * w / 1000.0 + k->process_energy_kwh;
}

void cti_econ_energy(const ct_factory *f, double span_s, ct_kpis *k)
{
    ct_econ_kpis *x = &k->econ;
    double hours = span_s / 3600.0;
    double by_area[CTI_AREA__COUNT] = {0};
    x->energy_stations_kwh = 0;
    for (int i = 0; i < f->n_stations; i++) {
        const cti_station *s = &f->stations[i];
        k->stations[i].energy_kwh = station_kwh(s, &k->stations[i], hours);
        x->energy_stations_kwh += k->stations[i].energy_kwh;
        if (s->econ.present && s->econ.room < 0)
            by_area[s->econ.area] += s->econ.floor_space_m2;
    }
    x->energy_rooms_kwh = 0;
    x->floor_dry_rooms_m2 = 0;
    for (int r = 0; r < f->econ.n_rooms; r++) {
        const cti_room *room = &f->econ.rooms[r];
        x->energy_rooms_kwh += cti_room_kwh(&f->econ, room, span_s);
        x->floor_dry_rooms_m2 += room->floor_space_m2;
    }
    x->floor_electrode_m2 = by_area[CTI_AREA_ELECTRODE];
    x->floor_assembly_m2 = by_area[CTI_AREA_ASSEMBLY];
    x->floor_finishing_m2 = by_area[CTI_AREA_FINISHING];
    x->floor_space_m2 = x->floor_electrode_m2 + x->floor_assembly_m2 + x->floor_finishing_m2 +
                        x->floor_dry_rooms_m2;
    x->energy_building_kwh = f->econ.utilities_w_m2 * x->floor_space_m2 * hours / 1000.0;
    x->energy_kwh = x->energy_stations_kwh + x->energy_rooms_kwh + x->energy_building_kwh;
}
