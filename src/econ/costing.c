/*
 * costing.c - cost of a good cell in one replication (docs/economics.md).
 *
 * Over the statistics period of span hours, with G good cells leaving the
 * line (good units, when the line makes no cells):
 *
 *   scrap share  s = active mass scrapped / (active mass in good cells +
 *                    scrapped), the line's mass balance of active material
 *   materials    = B, the design bill of materials of a cell (bom.c: the
 *                  recipes traced back from the cell, per_cell materials,
 *                  the cell's material_cost)
 *   scrap        = B s / (1 - s): a good cell needs 1 / (1 - s) cells' worth
 *                  of material
 *   energy       = E x electricity price / G      (E from energy.c)
 *   labour       = sum(operators) x labour rate x span / G
 *   depreciation = sum(investment / (years x 8760 h)) x span / G
 *   overhead     = overhead share x (energy + labour + depreciation)
 *
 * The bill of materials rather than the material bought in the period
 * keeps the cost of a line that is still filling (work in progress
 * growing) from landing on the few cells that left. When the recipes
 * cannot be traced to the cell (B = 0 while material was bought), the
 * material bought in the period M is split instead: materials M (1 - s) / G,
 * scrap M s / G.
 *
 * The six parts add up to the cost per cell; the cost per kWh divides it
 * by the energy of a good cell (their mean, or the `cell:` nominal energy
 * when the line makes no cells).
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

    double bom = cti_econ_bom_usd(f);
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
    if (bom > 0 || !(x->material_in_usd > 0)) {
        x->materials_usd = bom;
        x->scrap_usd = s < 1 ? bom * s / (1 - s) : 0;
    } else {
        x->materials_usd = x->material_in_usd * (1 - s) / g;
        x->scrap_usd = x->material_in_usd * s / g;
    }
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
