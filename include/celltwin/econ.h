/*
 * econ.h - economics of a run: cost per cell and per kWh with its
 * breakdown, electricity per kWh of cells, floor space by area.
 *
 * Filled for factories with an `economics:` section (docs/economics.md);
 * all zeros otherwise. Like the other KPIs they are per replication, with
 * means and 95 % half-widths in ct_results_mean / ct_results_ci95 (the
 * `econ` member of ct_kpis). Costs are per good cell leaving the line;
 * energies are over the statistics period (horizon minus warm-up).
 */
#ifndef CELLTWIN_ECON_H
#define CELLTWIN_ECON_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_econ_kpis {
    double cost_per_cell_usd;     /* the six parts below add up to it */
    double cost_per_kwh_usd;      /* cost_per_cell_usd / energy of a good cell */
    double materials_usd;         /* per good cell: material that ended in good cells (or WIP) */
    double scrap_usd;             /* per good cell: material that ended in scrap */
    double energy_usd;            /* per good cell: electricity */
    double labour_usd;            /* per good cell: operators */
    double depreciation_usd;      /* per good cell: equipment, straight line */
    double overhead_usd;          /* per good cell: overhead share of energy + labour + depreciation */
    double energy_kwh;            /* electricity of the factory: stations + rooms + building */
    double energy_stations_kwh;   /* sum of the stations' energy_kwh */
    double energy_rooms_kwh;      /* dry rooms and clean rooms */
    double energy_building_kwh;   /* building services over all floor space */
    double energy_kwh_per_kwh_cell; /* energy_kwh / energy of the good cells */
    double floor_space_m2;        /* the four areas below add up to it */
    double floor_electrode_m2;    /* stations outside rooms, by area */
    double floor_assembly_m2;
    double floor_finishing_m2;
    double floor_dry_rooms_m2;    /* dry rooms and clean rooms (with the stations in them) */
    double material_in_usd;       /* raw material taken from the stores in the period */
    double good_cells;            /* good cells that left the line in the period */
} ct_econ_kpis;

#ifdef __cplusplus
}
#endif
#endif
