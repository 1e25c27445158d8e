/*
 * attrs.h - the quality attributes a unit carries along the chain (the
 * review's Tables 1 and 2 and its defect cases), and the defect kinds.
 *
 * Two records: cti_material for slurry batches and (slit) coils, which are
 * few and carry their genealogy and defect map in metres; cti_cell for
 * stacks and cells, which are many and kept compact (floats, fixed size).
 * Each attribute has a name and a unit so control plans in factory files
 * can name it ("leak_rate", limits "1e-6 mbar.L/s").
 */
#ifndef CELLTWIN_MODEL_ATTRS_H
#define CELLTWIN_MODEL_ATTRS_H

#include <stdbool.h>
#include <stdint.h>

#include "celltwin/units.h"

/* Forms a unit takes along the chain. */
typedef enum cti_form {
    CTI_FORM_ITEM = 0,   /* a generic unit (generic lines) */
    CTI_FORM_BATCH,      /* slurry batch, kg */
    CTI_FORM_COIL,       /* coated, calendered or slit coil, metres */
    CTI_FORM_CELL        /* stack, then cell */
} cti_form;

typedef enum cti_polarity { CTI_CATHODE = 0, CTI_ANODE = 1 } cti_polarity;

/* Real defects (ground truth, what the simulation knows) as bits. Gates
 * find some of them; the rest escape. */
typedef enum cti_defect {
    CTI_DEF_COATING = 1u << 0,    /* agglomerate streak / coating imperfection */
    CTI_DEF_BURR = 1u << 1,       /* irregular laser-cut edge on ceramic-coated Al */
    CTI_DEF_PARTICLE = 1u << 2,   /* loose graphite particle on the separator */
    CTI_DEF_LEAK = 1u << 3,       /* leaking weld */
    CTI_DEF_MOISTURE = 1u << 4,   /* residual moisture after baking */
    CTI_DEF_MISALIGN = 1u << 5,   /* electrode overhang out of tolerance */
    CTI_DEF_INSULATION = 1u << 6, /* hard insulation fault (Hi-Pot finds it) */
    CTI_DEF_ELECTROLYTE = 1u << 7,/* electrolyte mass out of tolerance */
    CTI_DEF_STANDING = 1u << 8,   /* slurry over its standing-time limit */
    CTI_DEF_LITHIUM = 1u << 9     /* lithium reacted on a prelithiated anode (incident) */
} cti_defect;

/* Attributes of a slurry batch or coil (index into cti_material.attr).
 * coating_density is the dry coating's density (kg/m3); compaction is the
 * calender's compaction degree (t0 - t1)/t0 of the coating layer, which
 * the notching burr model reads; edge_burr is the slitter's roller-knife
 * burr on the cut edges (the highest of the coil's edges).
 * irregular_edge_probability (per cathode sheet) and particles_per_sheet
 * (mean loose particles per anode sheet) are what a notcher found for the
 * sheets it cut from a lane; the stacker draws each cell's burr and
 * particles from them (kinds_assembly.c). binder_fibrillation is the share
 * of a dry powder's PTFE fibrillated by the dry mixer (dry_electrode.h);
 * prelithiation_lithium the lithium a prelithiation station left on an
 * anode coil that the cell can use, kg/m2 per side (kinds_prelithiation.c). */
#define CTI_MATERIAL_ATTRS(X)                                                   \
    X(SOLID_CONTENT, "solid_content", CT_DIM_NONE)                              \
    X(VISCOSITY, "viscosity", CT_DIM_VISCOSITY)                                 \
    X(AGGLOMERATE, "agglomerate_size", CT_DIM_LENGTH)                           \
    X(SLURRY_TEMP, "slurry_temperature", CT_DIM_TEMPERATURE)                    \
    X(STANDING_TIME, "standing_time", CT_DIM_TIME)                              \
    X(AREAL_LOADING, "areal_loading", CT_DIM_AREAL_MASS)                        \
    X(LOADING_SD, "areal_loading_sd", CT_DIM_AREAL_MASS)                        \
    X(COATING_THICKNESS, "coating_thickness", CT_DIM_LENGTH)                    \
    X(POROSITY, "porosity", CT_DIM_NONE)                                        \
    X(DENSITY, "coating_density", CT_DIM_DENSITY)                               \
    X(MOISTURE, "electrode_moisture", CT_DIM_NONE)                              \
    X(SURFACE_RESISTIVITY, "surface_resistivity", CT_DIM_RESISTANCE)            \
    X(COMPACTION, "compaction", CT_DIM_NONE)                                    \
    X(EDGE_BURR, "edge_burr", CT_DIM_LENGTH)                                    \
    X(EDGE_PROBABILITY, "irregular_edge_probability", CT_DIM_NONE)              \
    X(PARTICLE_RATE, "particles_per_sheet", CT_DIM_NONE)                        \
    X(FIBRILLATION, "binder_fibrillation", CT_DIM_NONE)                         \
    X(PRELITHIATION, "prelithiation_lithium", CT_DIM_AREAL_MASS)

/* Attributes of a stack or cell (index into cti_cell.attr). wetting is
 * the wetted fraction of the electrodes after HT soaking (0 = not soaked);
 * grade is the grader's bin, 1 for the first bin of its list, 0 for none
 * (kinds_finishing.c); prelithiation_charge is the lithium the stacker
 * took in with prelithiated anode sheets, as charge (formation adds it to
 * the lithium inventory). */
#define CTI_CELL_ATTRS(X)                                                       \
    X(CATHODE_MASS, "cathode_active_mass", CT_DIM_MASS)                         \
    X(ANODE_MASS, "anode_active_mass", CT_DIM_MASS)                             \
    X(ALIGNMENT, "alignment", CT_DIM_LENGTH)                                    \
    X(BURR_HEIGHT, "burr_height", CT_DIM_LENGTH)                                \
    X(PARTICLES, "particle_count", CT_DIM_NONE)                                 \
    X(STACK_THICKNESS, "stack_thickness", CT_DIM_LENGTH)                        \
    X(INSULATION, "insulation_resistance", CT_DIM_RESISTANCE)                   \
    X(LEAKAGE_CURRENT, "leakage_current", CT_DIM_CURRENT)                       \
    X(CELL_MOISTURE, "moisture", CT_DIM_NONE)                                   \
    X(LEAK_RATE, "leak_rate", CT_DIM_LEAK_RATE)                                 \
    X(ELECTROLYTE, "electrolyte_mass", CT_DIM_MASS)                             \
    X(CAPACITY, "capacity", CT_DIM_CHARGE)                                      \
    X(IR, "ir", CT_DIM_RESISTANCE)                                              \
    X(DCIR, "dcir", CT_DIM_RESISTANCE)                                          \
    X(OCV, "ocv", CT_DIM_VOLTAGE)                                               \
    X(K_VALUE, "k_value", CT_DIM_VOLTAGE_RATE)                                  \
    X(SELF_DISCHARGE, "self_discharge_current", CT_DIM_CURRENT)                 \
    X(WEIGHT, "weight", CT_DIM_MASS)                                            \
    X(THICKNESS, "thickness", CT_DIM_LENGTH)                                    \
    X(WETTING, "wetting", CT_DIM_NONE)                                          \
    X(GRADE, "grade", CT_DIM_NONE)                                              \
    X(PRELITH_CHARGE, "prelithiation_charge", CT_DIM_CHARGE)

#define CTI_ATTR_ENUM(id, name, dim) CTI_M_##id,
typedef enum { CTI_MATERIAL_ATTRS(CTI_ATTR_ENUM) CTI_M__COUNT } cti_material_attr;
#undef CTI_ATTR_ENUM
#define CTI_ATTR_ENUM(id, name, dim) CTI_C_##id,
typedef enum { CTI_CELL_ATTRS(CTI_ATTR_ENUM) CTI_C__COUNT } cti_cell_attr;
#undef CTI_ATTR_ENUM

/* Name and dimension of an attribute, for control plans and reports. */
typedef struct cti_attr_info {
    const char *name;
    ct_dim dim;
} cti_attr_info;

extern const cti_attr_info cti_material_attr_info[CTI_M__COUNT];
extern const cti_attr_info cti_cell_attr_info[CTI_C__COUNT];

/* A stretch of coil with a defect: metres [from_m, to_m) on the lanes in
 * lane_mask (bit i = lane i; all bits = full width before slitting). */
typedef struct cti_defect_span {
    double from_m, to_m;
    uint32_t lane_mask;
    uint32_t defect;        /* cti_defect bits */
    float severity;         /* model-specific, e.g. agglomerate size in m */
    bool removed;           /* found and marked: later steps skip these metres */
} cti_defect_span;

/* A piece of an input unit consumed by a job: which unit - the station
 * that made it and its sequence number there (coil 3 of the cathode
 * coater), with the lane of a slit coil - and the quantity range
 * [from, to) in the unit's own coordinates (kg of a batch, metres of a
 * coil). A piece of a raw-material lot has polarity CTI_SEG_LOT, maker =
 * the material's index and seq = the lot number. */
#define CTI_SEG_LOT 0xffffu
typedef struct cti_segment {
    uint32_t seq;
    uint16_t maker;
    uint16_t lane;
    uint16_t polarity;
    double from, to;
} cti_segment;

#endif
