/*
 * econ_internal.h - the economics of a factory file (`economics:` of each
 * station and of the factory, docs/economics.md) in memory, and the
 * functions that read it (econ_load.c), cost a run (costing.c), account
 * its energy and floor space (energy.c) and report them (econ_report.c).
 *
 * Values are in base units: usd, m2, W, W/m2, C, usd/kWh, usd/h.
 */
#ifndef CELLTWIN_ECON_INTERNAL_H
#define CELLTWIN_ECON_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "celltwin/econ.h"
#include "model/yaml_util.h"

#define CTI_ROOM_NAME_MAX 64

/* Where a station stands, for floor space by area (investment splits of
 * World Electric Vehicle Journal 15:219 use the same three). */
typedef enum cti_area {
    CTI_AREA_NONE = 0,      /* not given and not derivable (generic station) */
    CTI_AREA_ELECTRODE,
    CTI_AREA_ASSEMBLY,
    CTI_AREA_FINISHING,
    CTI_AREA__COUNT
} cti_area;

/* Power drawn by one server in each state of the line model. */
enum { CTI_POWER_RUNNING = 0, CTI_POWER_IDLE, CTI_POWER_DOWN, CTI_POWER__COUNT };

/* A station's `economics:`. */
typedef struct cti_station_econ {
    bool present;
    int line, col;                   /* of the mapping */
    double investment_usd;           /* equipment of the whole station (all servers) */
    double depreciation_years;       /* straight line, > 0 */
    double floor_space_m2;
    double power_w[CTI_POWER__COUNT];/* per server */
    double operators;                /* per shift; the line runs around the clock */
    cti_area area;
    char room_name[CTI_ROOM_NAME_MAX];   /* "" = none */
    int room_line, room_col;
    int room;                        /* index into the factory's rooms, or -1 */
} cti_station_econ;

/* A dry room or clean room (`economics: rooms:`). */
typedef struct cti_room {
    char name[CTI_ROOM_NAME_MAX];
    int line, col;
    char room_class[32];             /* free text: "ISO 7", "ISO 8" */
    double floor_space_m2;
    bool has_dew_point;
    double dew_point_c;              /* dry room: power from the dry-room model */
    double power_w_m2;               /* or given directly (clean room); < 0 = from the model */
} cti_room;

/* The factory's `economics:`. */
typedef struct cti_factory_econ {
    bool present;
    int line, col;
    double electricity_usd_kwh;
    double labour_usd_h;             /* fully loaded cost of one operator hour */
    double overhead_share;           /* of energy + labour + depreciation */
    double utilities_w_m2;           /* building services per m2 of all floor space */
    /* Dry-room model: power per m2 = power_ref x factor^((dew_ref - dew) / 10 K). */
    double dry_ref_dew_point_c;
    double dry_ref_w_m2;
    double dry_factor_per_10k;
    int n_rooms;
    cti_room *rooms;
} cti_factory_econ;

struct ct_factory;
struct ct_results;
struct ct_kpis;

/* ---- econ_load.c: key handlers for factory_load.c ---- */

/* `economics:` of a station (obj: the cti_station being read). */
ct_status cti_econ_station_key(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj);
/* `economics:` at the top (obj: the ct_factory). */
ct_status cti_econ_top_key(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj);
/* `per_cell:` of a material (obj: the cti_material_supply). */
ct_status cti_econ_material_per_cell(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj);
/* Once the whole file is read: room references, default areas, floor space
 * of rooms, and a mass per cell for every material no station consumes. */
ct_status cti_econ_check(cti_yaml_ctx *y, struct ct_factory *f);
void cti_econ_free(struct ct_factory *f);

/* ---- energy.c ---- */

/* Power of a room per m2 (W/m2): its own, or the dry-room model at its
 * dew point. */
double cti_room_power_w_m2(const cti_factory_econ *e, const cti_room *r);
/* Energy of a room over span_s seconds, kWh. */
double cti_room_kwh(const cti_factory_econ *e, const cti_room *r, double span_s);
/* Fills the energy (stations, rooms, building) and floor-space fields of
 * k->econ and each station's energy_kwh, for a statistics period of span_s
 * seconds. k's station state fractions and process_energy_kwh must be set. */
void cti_econ_energy(const struct ct_factory *f, double span_s, struct ct_kpis *k);

/* ---- costing.c ---- */

/* Everything in k->econ for one replication: energy (above), then the
 * cost per good cell and its breakdown. No-op without `economics:`. */
void cti_econ_compute(const struct ct_factory *f, double span_s, struct ct_kpis *k);

/* ---- bom.c ---- */

/* kg of material m in one good cell by design (recipes, no scrap): its
 * per_cell mass, or what the cell-making station's consumption traced back
 * through the converting stations takes; 0 when the line makes no cells
 * or m does not go into them. */
double cti_econ_mass_per_cell(const struct ct_factory *f, int m);
/* Price of that bill of materials per good cell, with the cell's
 * material_cost, USD. */
double cti_econ_bom_usd(const struct ct_factory *f);

/* ---- econ_report.c ---- */

/* cti_econ_fields, the numeric fields of ct_econ_kpis, are declared with
 * the other KPI tables in model/results_internal.h. */

/* Adds "economics" to the run's JSON object o (and to o's "ci95"). */
void cti_econ_json_add(const struct ct_results *r, void *json_object);
/* Prints the economics section of the KPI table. */
void cti_econ_print(const struct ct_results *r, FILE *out);

#endif
