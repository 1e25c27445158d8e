/*
 * kind.h - station kinds: how a process step (a coater, a notcher, a
 * formation rack) plugs its domain model into the generic line (internal).
 *
 * The line model moves units, runs servers, buffers, failures and gates;
 * a kind says what happens to the units: the process time of a job from
 * its parameters, and at the end of a job the new quality attributes and
 * defects of each unit, computed from the kind's parameters (read from the
 * station's `process:` mapping) and its per-replication state (a slot
 * die's agglomerate build-up, say). Kinds are a table of function
 * pointers, registered in kinds.c.
 */
#ifndef CELLTWIN_MODEL_KIND_H
#define CELLTWIN_MODEL_KIND_H

#include <stdint.h>

#include "celltwin/rng.h"
#include "celltwin/status.h"
#include "model/attrs.h"
#include "model/factory_internal.h"
#include "model/yaml_util.h"

/* A slurry batch or a coil, as the line keeps it. Coordinates: a batch is
 * measured in kg, a coil in metres from its start; a slit coil keeps the
 * metre coordinates of the coil it was slit from. */
typedef struct cti_material {
    uint32_t id;             /* unique among the run's materials */
    uint16_t maker;          /* station that made it (a slit coil: the coil's maker) */
    uint32_t maker_seq;      /* its number among that station's units, from 1 */
    uint8_t form;            /* CTI_FORM_BATCH or CTI_FORM_COIL */
    uint8_t polarity;        /* cti_polarity */
    uint8_t lane;            /* lane of a slit coil; 0 before slitting */
    uint8_t lanes;           /* lanes across the coil (1 = one strip) */
    double start, length;    /* coordinates [start, start + length) */
    double used;             /* consumed so far, from start */
    uint32_t parent;         /* coil slit from, or UINT32_MAX */
    float attr[CTI_M__COUNT];
    uint32_t defects;        /* defect bits over the whole unit */
    cti_defect_span *spans;  /* defects over parts of it */
    int n_spans, cap_spans;
    cti_segment *inputs;     /* what it was made from, in order */
    int n_inputs, cap_inputs;
    double active_per_unit;  /* active material, kg per kg or per metre */
    double value_per_unit;   /* material and processing value, USD per kg or metre */
} cti_material;

/* A raw-material lot that went into a cell directly (separator,
 * electrolyte), not through a batch or coil. */
#define CTI_CELL_LOTS 6
typedef struct cti_lot_use {
    uint32_t lot;            /* lot number, from 1 */
    uint16_t material;       /* index into factory->materials */
    float kg;                /* mass of the lot in the cell */
} cti_lot_use;

/* A stack, later a cell. Kept compact: there may be millions in aging.
 * Field order matters for speed: with millions in process a cell is
 * rarely in cache when a job ends, so what every station touches (value,
 * defects, the attributes) comes first, together in the first cache lines,
 * and the genealogy that only stacking, `uses:` and the trace read last. */
#define CTI_CELL_SEGMENTS 4
typedef struct cti_cell {
    uint64_t serial;
    double value_usd;        /* material and processing value so far */
    double active_kg;        /* active material in the cell (double: mass balances add millions) */
    uint32_t defects;        /* real defects (cti_defect bits) */
    uint32_t found;          /* defects a gate has flagged */
    uint16_t reworks;
    uint8_t n_seg;
    uint8_t n_lots;
    float attr[CTI_C__COUNT];
    cti_segment seg[CTI_CELL_SEGMENTS];  /* electrode pieces it was stacked from */
    cti_lot_use lots[CTI_CELL_LOTS];     /* material lots used in it directly (`uses:`) */
} cti_cell;

struct cti_job;
typedef struct cti_job cti_job;

/* Receives one effective process parameter of a station (kind.h
 * describe): key is the path a user writes under `process:` ("speed",
 * "qualified.speed", "dryer.zones[1].temperature"), text a value the
 * factory file accepts for it ("0.5 m/s", "nmp", "true"). */
typedef void (*cti_param_emit)(void *ctx, const char *key, const char *text);

typedef struct cti_kind {
    const char *name;
    cti_form input_form;     /* CTI_FORM_ITEM: any */
    cti_form output_form;    /* form of the units leaving (made, or passed on) */

    /* Reads the station's `process:` mapping (v->node may be NULL when the
     * station has none) into a new parameter block in *params; checks the
     * physical limits. It may derive station settings from the parameters:
     * the amounts of `consumes` (kg of slurry per coil), makes_quantity
     * (the coil length). Errors through cti_yaml_fail. */
    ct_status (*parse)(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                       void **params);
    void (*free_params)(void *params);

    /* Per-replication state, or NULL for kinds without one. */
    void *(*state_create)(const void *params);
    void (*state_destroy)(void *state);

    /* At job start: the process time in seconds, or < 0 to draw the
     * station's process_time. For converters it runs after the inputs were
     * taken and the new unit made: job->input_attr and input_defects
     * describe the inputs, and the kind sets the new unit's attributes.
     * May be NULL. */
    double (*start)(cti_job *job);

    /* At job end: new attributes and defects of each unit; may scrap units
     * with a cause (cti_job_scrap). May be NULL. */
    void (*finish)(cti_job *job);

    /* Once the whole file is read and every reference resolved (station
     * and material indices valid): checks that involve other stations or
     * materials (the mixer upstream of a coater, the roles of a mixer's
     * materials) and the settings derived from them. st is one of f's
     * stations, with st->kind_params from parse. Errors through
     * cti_yaml_fail. Called in file order; may be NULL. */
    ct_status (*check)(cti_yaml_ctx *y, cti_station *st, const ct_factory *f);

    /* For kinds that sort cells into grades (CTI_C_GRADE = g, from 1): the
     * name of grade g, or NULL when g names no bin. May be NULL. */
    const char *(*grade_name)(const void *params, int g);

    /* Process energy the kind's model has computed in this replication so
     * far, Wh, whole run (the line takes the difference over the
     * statistics window): the coater's drying and solvent recovery, a dry
     * film former's roll heating. Only what the process model knows, not
     * the machines' idle power. May be NULL (no model of its energy). */
    double (*energy_wh)(const void *state);

    /* Lists the station's effective process parameters: every key of its
     * `process:` mapping the model uses, written or not, with the value it
     * uses (defaults, and values derived from other stations by check:
     * describe is called on a loaded factory). Written back as the
     * station's `process:`, the list loads to the same parameters. Keys
     * that apply only when written (a notcher's compaction) are listed
     * only when written. Required of every kind. */
    void (*describe)(const void *params, cti_param_emit emit, void *ctx);
} cti_kind;

/* The kind named name, or NULL. */
const cti_kind *cti_kind_find(const char *name);

/* The i-th registered kind, or NULL past the last. */
const cti_kind *cti_kind_at(size_t i);

/* Writes "mixer, coater, ..." into buf, for messages. */
void cti_kind_names(char *buf, size_t len);

/* ---- what a kind sees of a job (implemented by line.c) ---- */

struct cti_job {
    void *line;                 /* the replication (opaque) */
    const cti_station *st;
    const void *params;         /* st->kind_params */
    void *state;                /* the kind's per-replication state */
    ct_rng *rng;                /* the station's quality stream */
    double now;                 /* simulated time, s */
    int n_units;                /* units of the job (1 for converters: the unit made) */
    const uint32_t *units;
    /* Converters at start: the inputs' material attributes, averaged by
     * amount, for each polarity (cathode, anode), and their defect bits. */
    float input_attr[2][CTI_M__COUNT];
    bool has_input[2];
    uint32_t input_defects;
    double input_age_s[2];      /* time since the inputs were made, averaged by amount */
    const char **scrap_causes;  /* internal: per unit, set by cti_job_scrap */
    void *station;              /* internal: the line's station */
};

/* Form of the job's i-th unit and its record (NULL when of another form). */
cti_form cti_job_form(const cti_job *job, int i);
cti_material *cti_job_material(const cti_job *job, int i);
cti_cell *cti_job_cell(const cti_job *job, int i);

/* Scraps the job's i-th unit at the end of the job, with a cause ("coating
 * defect", "burr"); the line accounts its active mass and value. cause
 * must be a string with static storage. */
void cti_job_scrap(cti_job *job, int i, const char *cause);

/* Accounts part of a material as scrap (amount in its measure: kg or m),
 * e.g. metres of coil cut out after a coating defect. The kind marks those
 * metres with a removed span so later steps skip them. */
void cti_job_scrap_part(cti_job *job, int i, const char *cause, double amount);

/* Adds a defect span to a material. Returns false when out of memory. */
bool cti_material_add_span(cti_material *m, const cti_defect_span *span);

#endif
