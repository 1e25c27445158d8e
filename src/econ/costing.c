/*
 * costing.c - cost of a good cell in one replication (docs/economics.md).
 *
 * Over the statistics period of span hours, with G good cells leaving the
 * line (good units, when the line makes no cells):
 *
 *   material     M = raw material taken from the stores in the period
 *                    + per_cell materials x G
 *   scrap share  s = active mass scrapped / (active mass in good cells +
 *                    scrapped), the line's mass balance of active material
 *   materials    = M (1 - s) / G       scrap = M s / G
 *   energy       = E x electricity price / G      (E from energy.c)
 *   labour       = sum(operators) x labour rate x span / G
 *   depreciation = sum(investment / (years x 8760 h)) x span / G
 *   overhead     = overhead share x (energy + labour + depreciation)
 *
 * The six parts add up to the cost per cell; the cost per kWh divides it
 * by the energy of a good cell (their mean, or the `cell:` nominal energy
 * when the line makes no cells). Material still in the line at the end
 * is counted as material: in a steady state the WIP does not change.
 */
#include "econ/econ_internal.h"
#include "model/factory_internal.h"

/* Energy of one good cell, Wh: the mean over the good cells of the run,
 * or nominal voltage x capacity. 0 when unknown. */
static double cell_wh(const ct_factory *f, const ct_kpis *k)
{
    if (k->cells_per_h > 0 && k->gwh_per_year > 0)
        return k->gwh_per_year * 1e9 / (k->cells_per_h * 8760.0);
    if (f->has_cell)
        return f->cell.nominal_voltage_v * f->cell.nominal_capacity_ah;
    return 0;
}

void cti_econ_compute(const ct_factory *f, double span_s, ct_kpis *k)
{
    if (!f->econ.present)
        return;
    ct_econ_kpis *x = &k->econ;
    cti_econ_energy(f, span_s, k);
    double hours = span_s / 3600.0;
    double g = x->good_cells > 0 ? x->good_cells : k->completed;
    x->good_cells = g;

    double per_cell_materials = 0;
    for (int m = 0; m < f->n_materials; m++)
        per_cell_materials += f->materials[m].price_usd_kg * f->materials[m].per_cell_kg;
    double material = x->material_in_usd + per_cell_materials * g;
    double active_out = k->active_good_kg + k->active_scrap_kg;
    double s = active_out > 0 ? k->active_scrap_kg / active_out : 0;

    double operators = 0, depreciation_per_h = 0;
    for (int i = 0; i < f->n_stations; i++) {
        const cti_station_econ *e = &f->stations[i].econ;
        if (!e->present)
            continue;
        operators += e->operators;
        if (e->investment_usd > 0)
            depreciation_per_h += e->investment_usd / (e->depreciation_years * 8760.0);
    }

    if (!(g > 0)) {
        x->materials_usd = x->scrap_usd = x->energy_usd = x->labour_usd = 0;
        x->depreciation_usd = x->overhead_usd = x->cost_per_cell_usd = x->cost_per_kwh_usd = 0;
        x->energy_kwh_per_kwh_cell = 0;
        return;
    }
    x->materials_usd = material * (1 - s) / g;
    x->scrap_usd = material * s / g;
    x->energy_usd = x->energy_kwh * f->econ.electricity_usd_kwh / g;
    x->labour_usd = operators * f->econ.labour_usd_h * hours / g;
    x->depreciation_usd = depreciation_per_h * hours / g;
    x->overhead_usd = f->econ.overhead_share * (x->energy_usd + x->labour_usd + x->depreciation_usd);
    x->cost_per_cell_usd = x->materials_usd + x->scrap_usd + x->energy_usd + x->labour_usd +
                           x->depreciation_usd + x->overhead_usd;
    double wh = cell_wh(f, k);
    x->cost_per_kwh_usd = wh > 0 ? x->cost_per_cell_usd / (wh / 1000.0) : 0;
    x->energy_kwh_per_kwh_cell = wh > 0 ? x->energy_kwh / (g * wh / 1000.0) : 0;
}
