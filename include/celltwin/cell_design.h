/*
 * cell_design.h - a lithium-ion cell computed from its design: electrodes
 * (active materials, loading, coated area, foil), separator, electrolyte,
 * housing and optional prelithiation give the capacities before formation,
 * the N/P ratio, the first-cycle lithium loss, the reversible capacity
 * after formation, energy, mass, Wh/kg and Wh/L.
 *
 * A design is a plain value type: ct_cell_design_load fills one from a
 * cell-design file (YAML, docs/calc.md), and code may build or vary one
 * (a cell's loading drawn from the coater's distribution) and call
 * ct_cell_design_compute on it, so `celltwin calc cell` and the factory
 * model get a cell's capacity from the same equations. All fields are in
 * base units (units.h): kg, m, m2, m3, Ah, V; specific capacities in Ah/kg
 * (1 Ah/kg = 1 mAh/g).
 */
#ifndef CELLTWIN_CELL_DESIGN_H
#define CELLTWIN_CELL_DESIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CT_CELL_NAME_MAX 64
#define CT_CELL_MAX_BLEND 4

/* Charge carried by one kilogram of lithium metal, Ah/kg (= mAh/g): the
 * Faraday constant per mole, 26.80 Ah/mol, over the molar mass of lithium,
 * 6.941 g/mol. Used for the lithium mass that carries a given charge. */
#define CT_LITHIUM_SPECIFIC_CAPACITY_AH_KG 3861.0

/* One active material of an electrode. */
typedef struct ct_active_material {
    char name[CT_CELL_NAME_MAX];
    double mass_fraction;           /* share of the electrode's active mass, (0, 1];
                                     * the fractions of a blend sum to 1 */
    double specific_capacity_ah_kg; /* reversible capacity, > 0 */
    double average_voltage_v;       /* average potential vs Li/Li+, >= 0 */
    double initial_efficiency;      /* first-cycle coulombic efficiency (ICE), (0, 1]:
                                     * reversible / first-charge capacity */
} ct_active_material;

/* Looks up a built-in material by name, ignoring case: LFP, NMC811,
 * graphite, SiOx (docs/calc.md gives their values and sources). Returns a
 * borrowed entry with mass_fraction 1, or NULL for an unknown name. */
const ct_active_material *ct_cell_material_find(const char *name);

typedef struct ct_electrode_design {
    int n_materials;                /* 1 .. CT_CELL_MAX_BLEND */
    ct_active_material materials[CT_CELL_MAX_BLEND];
    double initial_efficiency;      /* the electrode's ICE, (0, 1]; 0 = from its materials */
    double active_fraction;         /* active material in the dry coating, (0, 1] */
    double loading_kg_m2;           /* dry coating mass per coated side, > 0 */
    double coated_area_m2;          /* summed over coated sides, > 0 */
    double coating_density_kg_m3;   /* after calendering, for thickness; 0 = unknown */
    double solid_density_kg_m3;     /* of the pore-free coating, for porosity; 0 = unknown */
    char foil_material[CT_CELL_NAME_MAX];
    double foil_thickness_m;        /* current collector, > 0 */
    double foil_density_kg_m3;      /* > 0 */
    double foil_area_m2;            /* > 0 */
} ct_electrode_design;

/* Lithium added to make up for the first-cycle loss. Both kinds may be
 * used together; zeros mean none. */
typedef struct ct_prelithiation {
    char additive[CT_CELL_NAME_MAX];  /* cathode additive, e.g. Li5FeO4 */
    double additive_fraction;         /* of the cathode coating mass, [0, 1) */
    double additive_capacity_ah_kg;   /* lithium it gives up on the first charge and
                                       * does not take back, > 0 when used */
    double anode_compensation;        /* lithium metal on the anode, as a fraction of the
                                       * anode's first-cycle loss, >= 0 */
} ct_prelithiation;

typedef struct ct_cell_design {
    char name[128];
    ct_electrode_design cathode, anode;
    double nominal_voltage_v;            /* > 0; 0 = cathode minus anode average voltage */
    double separator_area_m2;            /* > 0 */
    double separator_areal_mass_kg_m2;   /* > 0 */
    double electrolyte_mass_kg;          /* a fixed amount, >= 0 ... */
    double electrolyte_kg_per_ah;        /* ... plus this per Ah of reversible capacity, >= 0 */
    double housing_mass_kg;              /* can, lid, terminals, >= 0 */
    double housing_volume_m3;            /* from the external dimensions, > 0 */
    double other_mass_kg;                /* tabs, tape, insulation, >= 0 */
    ct_prelithiation prelithiation;
} ct_cell_design;

/* Loads a cell-design file (docs/calc.md lists its keys) into *out, which
 * the caller owns. Built-in material values fill what the file leaves out.
 * On failure *out is unspecified and err says "FILE:LINE:COL: KEY: what was
 * expected"; the status is CT_ERR_IO (the file cannot be read), CT_ERR_PARSE
 * (syntax or content) or CT_ERR_NOMEM. */
ct_status ct_cell_design_load(const char *path, ct_cell_design *out, ct_error *err);

/* Same from text in memory; name is used in messages in place of a path. */
ct_status ct_cell_design_load_string(const char *text, const char *name, ct_cell_design *out,
                                     ct_error *err);

/* What limits the reversible capacity. */
typedef enum ct_cell_limit {
    CT_CELL_LIMIT_CATHODE = 0,  /* the cathode's reversible capacity */
    CT_CELL_LIMIT_LITHIUM,      /* the lithium left after the first-cycle loss */
    CT_CELL_LIMIT_ANODE         /* the anode's reversible capacity */
} ct_cell_limit;

/* "cathode", "lithium" or "anode". */
const char *ct_cell_limit_name(ct_cell_limit limit);

typedef struct ct_electrode_result {
    double coating_mass_kg;         /* loading x coated area */
    double active_mass_kg;          /* coating mass x active fraction */
    double specific_capacity_ah_kg; /* of the active material (blend: mass-weighted) */
    double areal_capacity_ah_m2;    /* reversible, per coated side */
    double capacity_ah;             /* reversible capacity before formation */
    double initial_efficiency;      /* ICE of the electrode */
    double first_charge_ah;         /* capacity / ICE: charge through it on the first charge */
    double irreversible_ah;         /* first charge - capacity: lost in the first cycle */
    double average_voltage_v;       /* vs Li/Li+, capacity-weighted over a blend */
    double foil_mass_kg;
    double coating_thickness_m;     /* per side; NAN when no density was given */
    double coating_density_kg_m3;   /* NAN when unknown */
    double porosity;                /* NAN when no solid density was given */
} ct_electrode_result;

typedef struct ct_cell_result {
    ct_electrode_result cathode, anode;
    double np_ratio;                 /* anode / cathode areal capacity (reversible) */

    /* Lithium bookkeeping of the first cycle (docs/calc.md, "cell"). */
    double additive_ah;              /* given by the cathode additive */
    double anode_lithium_ah;         /* given by lithium metal on the anode */
    double first_charge_ah;          /* charged in formation: cathode first charge + additive */
    double lithium_inventory_ah;     /* cyclable lithium after the first cycle */
    double reversible_capacity_ah;   /* min(cathode capacity, inventory, anode capacity) */
    ct_cell_limit limited_by;
    double first_cycle_loss_ah;      /* first charge - reversible capacity */
    double first_cycle_loss_fraction;/* of the first charge */
    bool lithium_plating_risk;       /* inventory > anode capacity: the charged anode
                                      * cannot hold all the cyclable lithium */

    /* Prelithiation and what it buys. */
    double reversible_without_prelithiation_ah;
    double capacity_gained_ah;       /* reversible capacity - the same without prelithiation */
    double additive_mass_kg;         /* part of the cathode coating mass */
    double lithium_metal_kg;         /* anode prelithiation, added to the cell mass */
    double lithium_supplied_kg;      /* all prelithiation as an equivalent lithium mass */
    double lithium_to_offset_loss_kg;/* lithium that would lift the inventory (without
                                      * prelithiation) to the cathode capacity */

    double nominal_voltage_v;
    double energy_wh;                /* reversible capacity x nominal voltage */

    /* Mass breakdown. */
    double cathode_coating_kg, anode_coating_kg;
    double cathode_foil_kg, anode_foil_kg;
    double separator_kg, electrolyte_kg, housing_kg, other_kg;
    double total_mass_kg;            /* the above + lithium_metal_kg */
    double specific_energy_wh_kg;
    double volume_m3;
    double energy_density_wh_l;
} ct_cell_result;

/* Computes the cell from design d (borrowed) into *out. Returns
 * CT_ERR_INVALID, with a message naming the field ("cathode.loading_kg_m2:
 * expected a value > 0, got -0.2"), when a field is out of its range, when
 * the cathode is not above the anode in voltage, or when the first-cycle
 * loss leaves no lithium; *out is then unspecified. */
ct_status ct_cell_design_compute(const ct_cell_design *d, ct_cell_result *out, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
