/*
 * observer.h - watching a run unit by unit: what traceability (the trace
 * database), live dashboards and tests need to know about every slurry
 * batch, coil and cell, every station passage and every gate measurement.
 *
 * An observer is a table of callbacks with a context (the plugin pattern of
 * open62541). Every pointer passed to a callback is borrowed and valid only
 * during the call. Callbacks run on the thread of their replication; with
 * several replications on several threads they run concurrently and must
 * be thread-safe (or the run uses one thread). Any callback may be NULL.
 */
#ifndef CELLTWIN_OBSERVER_H
#define CELLTWIN_OBSERVER_H

#ifdef __cplusplus
extern "C" {
#endif

/* Which unit: a cell by serial, or a batch/coil by the station that made
 * it (`maker`), its number there (`seq`, from 1) and, for a slit coil, its
 * lane. A raw-material lot is named by its material and lot number. */
typedef enum ct_unit_kind {
    CT_UNIT_ITEM = 0,   /* a generic unit (generic lines) */
    CT_UNIT_BATCH,
    CT_UNIT_COIL,
    CT_UNIT_CELL,
    CT_UNIT_LOT         /* a raw-material lot (only as an input) */
} ct_unit_kind;

typedef struct ct_unit_ref {
    ct_unit_kind kind;
    const char *maker;          /* station (batch, coil), material (lot); NULL for cells */
    unsigned long long number;  /* seq (batch, coil), lot number (lot), serial (cell) */
    unsigned lane;              /* slit coils; 0 otherwise */
} ct_unit_ref;

/* A piece of an input that went into a unit: [from, to) in the input's
 * coordinates (kg of a batch or lot, metres of a coil). */
typedef struct ct_piece {
    ct_unit_ref input;
    int anode;                  /* 1 anode, 0 cathode (coils) */
    double from, to;
} ct_piece;

/* A stretch of a coil with a defect ([from_m, to_m) on the lanes of
 * lane_mask), cut out or not. */
typedef struct ct_defect_span_info {
    double from_m, to_m;
    unsigned lane_mask;
    unsigned defects;           /* bits, see ct_defect_names */
    int removed;
} ct_defect_span_info;

/* A piece of electrode a cell was stacked from (kept for compatibility:
 * the same as a ct_piece of a coil). */
typedef struct ct_cell_segment {
    const char *maker;          /* borrowed from the factory */
    int maker_index;            /* its index in the factory's stations */
    unsigned coil;
    unsigned lane;
    int anode;                  /* 1 anode, 0 cathode */
    double from_m, to_m;
} ct_cell_segment;

/* A raw-material lot used in a cell directly, not through a batch or coil
 * (a station's `uses:`: separator at stacking, electrolyte at filling). */
typedef struct ct_cell_lot {
    const char *material;       /* borrowed from the factory */
    int material_index;         /* its index in the factory's materials */
    unsigned lot;               /* lot number, from 1 */
    double kg;                  /* mass of the lot in the cell */
} ct_cell_lot;

/* Names of the defect bits, bit 0 first: "coating", "burr", "particle",
 * "leak", "moisture", "misalign", "insulation", "electrolyte", "standing". */
extern const char *const ct_defect_names[];
extern const int ct_defect_count;

/* Attribute names of batches/coils and of cells, in the order of the
 * value arrays below, and the base unit of attribute i ("kg/m2", "V"). */
extern const char *const ct_material_attr_names[];
extern const int ct_material_attr_count;
const char *ct_material_attr_unit(int i);
extern const char *const ct_cell_attr_names[];
extern const int ct_cell_attr_count;
const char *ct_cell_attr_unit(int i);

/* A cell leaving the line, good or scrapped. */
typedef struct ct_cell_info {
    unsigned long long serial;
    int scrapped;               /* 0: left the line good (or still in it) */
    int in_process;             /* 1: still in the line when the run ended */
    const char *cause;          /* scrap cause, or NULL */
    const char *station;        /* station that scrapped it, or NULL */
    int station_index;          /* its index, or -1 */
    unsigned defects;           /* real defects (bits) */
    unsigned found;             /* defects a gate flagged */
    unsigned reworks;
    double created_s, finished_s;
    double active_kg, value_usd, capacity_ah;
    const char *grade;          /* grade bin, or NULL */
    int n_segments;
    ct_cell_segment segments[4];
    int n_lots;
    ct_cell_lot lots[6];        /* lots used in the cell directly (separator, electrolyte) */
    const float *attr;          /* ct_cell_attr_count values, base units */
} ct_cell_info;

/* A batch or coil leaving the line: used up by later steps, scrapped, or
 * still in the line when the run ends (then done_s is the end of the run). */
typedef struct ct_material_info {
    ct_unit_ref unit;
    int anode;
    double quantity;            /* kg (batch) or m (coil) made */
    double start;               /* coordinate of its first kg or metre */
    ct_unit_ref parent;         /* coil a slit coil came from (kind ITEM if none) */
    double created_s, done_s;
    int status;                 /* 0 used up, 1 scrapped, 2 in the line at the end */
    const char *cause;          /* scrap cause, or NULL */
    unsigned defects;
    int n_inputs;
    const ct_piece *inputs;
    int n_spans;
    const ct_defect_span_info *spans;
    const float *attr;          /* ct_material_attr_count values, base units */
} ct_material_info;

/* A unit passing a station: from the start to the end of its job there. */
typedef struct ct_passage {
    ct_unit_ref unit;
    const char *station;
    int station_index;
    int server;                 /* which of the station's servers (equipment) */
    double start_s, end_s;
} ct_passage;

/* A quality-gate measurement and its decision. */
typedef struct ct_measurement {
    ct_unit_ref unit;
    const char *gate;           /* control plan entry */
    const char *station;
    const char *attribute;
    const char *unit_name;      /* base unit of the value */
    double value;               /* measured (with instrument noise) */
    double lsl, usl;            /* -inf / inf when absent */
    int pass;
    const char *decision;       /* "pass", "scrap", "rework", "hold" */
    double time_s;
} ct_measurement;

typedef struct ct_observer {
    void *ctx;
    void (*cell_done)(void *ctx, int replication, const ct_cell_info *cell);
    void (*material_done)(void *ctx, int replication, const ct_material_info *m);
    void (*passage)(void *ctx, int replication, const ct_passage *p);
    void (*measurement)(void *ctx, int replication, const ct_measurement *m);
    /* End of a replication (after the last material_done). */
    void (*run_done)(void *ctx, int replication, double end_s);
} ct_observer;

#ifdef __cplusplus
}
#endif
#endif
