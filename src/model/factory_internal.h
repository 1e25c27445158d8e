/*
 * factory_internal.h - the in-memory form of a factory file, shared by the
 * YAML loader (factory_load.c) and the line runtime (line.c).
 *
 * All values are in base units (seconds, metres, kilograms; see units.h).
 * Station references are resolved to indices at load time.
 */
#ifndef CELLTWIN_FACTORY_INTERNAL_H
#define CELLTWIN_FACTORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "celltwin/dist.h"
#include "celltwin/factory.h"
#include "econ/econ_internal.h"
#include "model/attrs.h"

#define CTI_NAME_MAX 64
#define CTI_EXIT (-1)              /* route target: the unit leaves the line */
#define CTI_BUFFER_INF (-1L)       /* buffer: .inf */
#define CTI_MAX_PORTS 4            /* named inputs of one station */
#define CTI_PORT_NAME_MAX 32

struct cti_kind;

/* Where a key was written, for messages about it after loading. */
typedef struct cti_loc {
    int line, col;
} cti_loc;

/* One branch of `next:`. A target is written `STATION` or `STATION.INPUT`
 * (an input port of a station with several inputs). */
typedef struct cti_route {
    int to;        /* station index or CTI_EXIT */
    int port;      /* input port of the target, 0 when it has one */
    double p;      /* probability; the branches of a station sum to 1 */
} cti_route;

/* A named input of a station (`inputs:`), each with its own buffer. A
 * station without `inputs:` has one input, port 0, whose buffer is the
 * station's `buffer`. */
typedef struct cti_port {
    char name[CTI_PORT_NAME_MAX];
    long buffer;            /* units waiting, or CTI_BUFFER_INF */
} cti_port;

/* What a converting station takes per job (`consumes:`): an amount of the
 * units waiting at one input, in that input's own measure (kg of a slurry
 * batch, metres of a coil), possibly across several units; or an amount of
 * a raw material from the store (`material:`), which never runs out but
 * changes lot every lot_kg. */
typedef struct cti_consume {
    int port;               /* input port, or -1 for a raw material */
    int material;           /* index into factory->materials, or -1 */
    double amount;          /* > 0, base units (kg or m) */
    ct_dim dim;             /* CT_DIM_MASS or CT_DIM_LENGTH, as written */
    cti_loc loc;
} cti_consume;

typedef struct cti_station {
    char name[CTI_NAME_MAX];
    cti_loc loc;
    int servers;            /* >= 1 */
    long buffer;            /* places waiting, >= 0, or CTI_BUFFER_INF */
    ct_dist process_time;   /* seconds per unit, or per batch when batching */

    /* Batching: a server takes up to batch_size units at once. It starts
     * when batch_min units wait, or when the oldest waiting unit has waited
     * batch_max_wait_s (< 0: no time-out). batch_size 1 = no batching. */
    int batch_size;
    int batch_min;
    double batch_max_wait_s;

    /* Time-based failures of each server: up time ~ mtbf, repair ~ mttr.
     * A job interrupted by a failure resumes after repair. */
    bool has_failures;
    ct_dist mtbf, mttr;

    double scrap_p;         /* probability a unit is scrapped after processing */
    double rework_p;        /* probability it is sent back to rework_to */
    int rework_to;          /* station index; valid when rework_p > 0 */

    /* Routing of good units. n_next == 0 means: the next station in the
     * file, or out of the line after the last one. */
    int n_next;
    cti_route *next;
    int rework_port;        /* input of rework_to that reworked units enter */

    /* Inputs: n_ports >= 1; ports[0].buffer == buffer for one input. */
    int n_ports;
    cti_port ports[CTI_MAX_PORTS];

    /* Converting: with n_consumes > 0 a job takes these amounts from the
     * inputs and makes one new unit of form `makes` (`makes:`), instead of
     * passing whole units on. */
    int n_consumes;
    cti_consume consumes[CTI_MAX_PORTS];
    cti_form makes;
    double makes_quantity;  /* kg or m of each unit made; 0 = what was consumed */

    /* Splitting: each finished unit leaves as `splits` units (a coil slit
     * into lanes), each with its lane number. 1 = no splitting. */
    int splits;

    /* The station kind (`kind:`, NULL = generic) and its parameters read
     * from `process:`, owned by the factory and freed by kind->free_params. */
    const struct cti_kind *kind;
    void *kind_params;

    /* Processing value added per unit (`value_added:`, USD), counted in the
     * value lost when a unit is scrapped later. */
    double value_added_usd;

    cti_station_econ econ;  /* `economics:` (econ_internal.h) */
} cti_station;

/* What a failed quality gate does with the unit. */
typedef enum cti_gate_action {
    CTI_GATE_SCRAP = 0,
    CTI_GATE_REWORK,        /* back to rework_to (e.g. another HT/RT rest) */
    CTI_GATE_HOLD           /* quarantine for laboratory analysis, then scrap or release */
} cti_gate_action;

/* One line of the control plan (`control_plan:`): a measurement of one
 * attribute at one station. */
typedef struct cti_gate {
    char name[CTI_NAME_MAX];
    cti_loc loc;
    int station;
    bool on_cell;           /* attribute of a cell (CTI_C_*), else of a material (CTI_M_*) */
    int attr;
    char method[64];        /* free text: "Hi-Pot 200 V DC, 5 s", "laser triangulation" */
    double sample;          /* share of units measured, (0, 1]; 1 = 100 % */
    double time_s;          /* measurement time; added to the job when sample == 1 */
    double noise_sd;        /* measurement noise (sd, base units of the attribute) */
    double lsl, usl;        /* limits; -INFINITY / INFINITY when absent */
    cti_gate_action action;
    int rework_to;          /* station, for CTI_GATE_REWORK */
    int rework_port;
    double hold_time_s;     /* laboratory time, for CTI_GATE_HOLD */
} cti_gate;

/* A raw material bought in lots (`materials:`). */
typedef struct cti_material_supply {
    char name[CTI_NAME_MAX];
    cti_loc loc;
    double price_usd_kg;
    double lot_kg;          /* lot size; lot ids advance every lot_kg consumed */
    bool active;            /* counts as active material in mass balances and scrap */
    double per_cell_kg;     /* `per_cell:` bought per good cell, for economics (0 = none) */
} cti_material_supply;

/* A defect put into the run on purpose (`inject:`), for what-if studies
 * and tests: on the unit-th unit made by a station, over [from, to) of its
 * coordinates on one lane (or all), or on the whole cell. */
typedef struct cti_injection {
    cti_loc loc;
    int station;
    uint32_t unit;          /* 1 = the first unit the station makes */
    int lane;               /* -1: every lane */
    double from, to;        /* metres or kg; from = to = 0: the whole unit */
    uint32_t defect;        /* cti_defect bits */
} cti_injection;

/* The cell the factory makes (`cell:`), for energy figures. */
typedef struct cti_cell_spec {
    double nominal_voltage_v;
    double nominal_capacity_ah;
    double material_cost_usd;   /* per good cell, when not derived from materials */
} cti_cell_spec;

typedef struct cti_source {
    bool saturated;         /* the first station is never starved */
    ct_dist interarrival;   /* seconds; used when !saturated */
    int to;                 /* station the units enter */
    int port;               /* and its input */
    cti_loc loc;
} cti_source;

struct ct_factory {
    char name[128];
    char path[512];         /* file it came from, or the name given */
    bool has_source;        /* false when converters feed the line from materials */
    cti_source source;
    int n_stations;
    cti_station *stations;
    int n_gates;
    cti_gate *gates;
    int n_materials;
    cti_material_supply *materials;
    int n_injections;
    cti_injection *injections;
    bool has_cell;
    cti_cell_spec cell;
    ct_run_options run;     /* defaults from `run:` */
    cti_factory_econ econ;  /* `economics:` (econ_internal.h) */
};

#endif
