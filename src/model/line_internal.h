/*
 * line_internal.h - the state of one replication of a line (internal),
 * shared by the flow mechanics (line.c), the unit records and converting
 * steps (records.c) and the quality gates (gates.c).
 */
#ifndef CELLTWIN_MODEL_LINE_INTERNAL_H
#define CELLTWIN_MODEL_LINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "celltwin/rng.h"
#include "celltwin/sim.h"
#include "model/factory_internal.h"
#include "model/kind.h"

enum { SRV_IDLE, SRV_BUSY, SRV_BLOCKED, SRV_DOWN };

/* Where a finished unit goes: a station and input (encoded), or one of: */
#define DEST_SCRAP (-2)
#define DEST_HOLD (-3)
#define DEST_PORT_BITS 3
#define DEST_ENCODE(station, port) (((station) << DEST_PORT_BITS) | (port))
#define DEST_STATION(d) ((d) >> DEST_PORT_BITS)
#define DEST_PORT(d) ((d) & ((1 << DEST_PORT_BITS) - 1))

#define NO_UNIT UINT32_MAX
#define NO_REC UINT32_MAX

typedef struct unit {
    double created;     /* entered the line */
    double arrived;     /* entered its current station */
    uint32_t next_free;
    uint32_t rec;       /* index of its cti_material or cti_cell record, or NO_REC */
    uint8_t form;       /* cti_form */
} unit;

typedef struct server {
    uint8_t state;
    bool in_idle_stack;
    bool suspended;      /* down while processing: completion was postponed */
    bool down_holding;   /* down while blocked: still holds finished units */
    uint32_t n_held;     /* units held (in process or finished) */
    uint32_t n_pushed;   /* of those, already handed on */
    ct_event_id done_ev;
    double started;      /* start of the current job */
} server;

typedef struct waiter {
    int station, server;
} waiter;

typedef struct port {
    uint32_t *q;          /* ring buffer of waiting units, power-of-two capacity */
    uint32_t q_cap, q_head, q_len;
    long cap;             /* places, CTI_BUFFER_INF */
    double avail;         /* converters: good quantity waiting (kg or m) */
    waiter *w;            /* blocked upstream servers waiting for room here */
    int n_w, w_cap;
} port;

/* Scrap of one cause at one station, accumulated during the run. */
typedef struct cause_acc {
    const char *cause;
    int station;
    uint64_t count;
    double amount, active_kg, cost_usd;
} cause_acc;

struct line;

typedef struct station {
    const cti_station *cfg;
    struct line *L;
    int idx;
    int default_next;     /* DEST of the next station in the file, or CTI_EXIT */
    int batch_size, batch_min;
    int held_per_server;  /* room per server: max(batch, splits) */
    int n_ports;
    port ports[CTI_MAX_PORTS];
    bool converter;
    bool fed_saturated;   /* the target of a saturated source */
    int n_waiting;        /* blocked upstream servers over all inputs */

    server *srv;
    uint32_t *held;       /* held_per_server units per server */
    int32_t *dest;        /* where each held unit goes */
    const char **cause;   /* why a held unit is scrapped, or NULL */
    int *idle;            /* stack of idle server indices (may hold stale ones) */
    int n_idle_stack;

    ct_event_id batch_timer;
    ct_rng rng_proc, rng_fail, rng_route, rng_quality;
    void *kind_state;
    const cti_gate **gates;   /* the control plan's gates at this station */
    int n_gates;
    double gate_time_s;       /* measurement time of its 100 % gates */

    /* Time-weighted state. */
    double last_t;
    int n_in[4];          /* servers in each state, indexed by SRV_* */
    double a_busy, a_blocked, a_down, a_queue;
    double wait_sum, soj_sum;
    uint64_t wait_n, soj_n, processed, scrapped, reworked, held_n;
    double processed_amount, scrapped_amount;
    uint32_t made_n;          /* units made by this converter, whole run */
    double process_wh0;       /* the kind's process energy at the warm-up (economics) */
} station;

typedef struct line {
    ct_sim *sim;
    const double *now;    /* the engine's clock */
    const ct_factory *f;
    const ct_run_options *opt;
    int rep;              /* replication number */
    station *st;
    int n;
    bool nomem;

    unit *units;
    uint32_t u_cap, u_free;

    /* Records of materials and cells, each a pool with a free list. */
    cti_material *mats;
    uint32_t m_cap, m_free, m_next_id;
    cti_cell *cells;
    uint32_t c_cap, c_free;
    uint64_t next_serial;
    double *supply_used_kg;   /* per raw material, whole run */

    ct_rng rng_src;
    station *src_target;
    int src_port;

    double last_t;
    uint32_t wip;
    double a_wip, lead_sum;
    uint64_t completed, scrapped, rejected;
    /* Cells (form cell) since the warm-up. */
    uint64_t cells_done, cells_first_pass, cells_finished, escapes;
    double cell_wh_sum, value_lost;
    cause_acc *causes;
    int n_causes, cap_causes;
    /* Active material over the whole run, for the mass balance. */
    double active_in, active_good, active_scrap;
    /* Raw material taken from the stores since the warm-up, USD (economics). */
    double material_in_usd;
} line;

/* ---- records.c ---- */

/* New record for a unit of form; false when out of memory. */
bool cti_rec_new(line *L, unit *u, cti_form form);
/* Tells the observer (if any) that the cell of u left the line at station
 * s (scrapped when cause != NULL), or is still in it (s == NULL). */
void cti_rec_report_cell(line *L, station *s, uint32_t u, const char *cause);

/* Tells the observer that batch/coil u is done: status 0 used up, 1
 * scrapped (with cause), 2 still in the line at the end. */
void cti_rec_report_material(line *L, uint32_t u, int status, const char *cause);

/* Reports every cell and material still in the line (end of run). */
void cti_rec_report_live(line *L);

/* The public name of unit u. */
ct_unit_ref cti_rec_ref(line *L, uint32_t u);

/* Frees the record of u (after it left the line). */
void cti_rec_free(line *L, unit *u);
cti_material *cti_rec_material(line *L, const unit *u);
cti_cell *cti_rec_cell(line *L, const unit *u);

/* Good quantity of a unit waiting at a converter's input (kg or m),
 * skipping removed spans. */
double cti_rec_available(line *L, const unit *u);

/* Runs a converting job's consumption: takes job->amount[i] for each
 * consumes[i] from the ports or stores, creates the made unit (*made) with
 * its genealogy, attributes averaged from its inputs, and releases input
 * units used up. Returns false when out of memory. */
bool cti_rec_convert(station *s, cti_job *job, uint32_t *made);

/* Splits unit u into s->cfg->splits units (lanes of a coil) written to
 * out[0..splits). Returns false when out of memory. */
bool cti_rec_split(station *s, uint32_t u, uint32_t *out);

/* Adds the station's processing value to a unit, and its amount to the
 * station's processed amount. */
void cti_rec_add_value(station *s, uint32_t u);

/* Accounts unit u (or amount of it, when amount >= 0) as scrap of cause
 * at station s. */
void cti_rec_account_scrap(station *s, uint32_t u, const char *cause, double amount);

/* Quantity of a unit in its own measure: kg, m, or 1. */
double cti_rec_amount(line *L, uint32_t u);

/* Active material still held by live records (end of run). */
double cti_rec_active_wip(line *L);

/* ---- line.c, for records.c ---- */

/* A new unit in the line (counted in WIP), or NO_UNIT when out of memory. */
uint32_t cti_line_new_unit(line *L);
/* A unit used up by a converter: it leaves the line's WIP and is freed. */
void cti_line_unit_consumed(line *L, uint32_t u);

/* ---- gates.c ---- */

/* Measures the unit at slot i of server k of station s against the
 * station's gates; on a failure sets dest/cause of that slot. */
void cti_gates_apply(station *s, uint32_t u, int32_t *dest, const char **cause);

/* A held unit's laboratory result: within the gate's limits it keeps *dest,
 * otherwise *dest = DEST_SCRAP with the gate's name as cause. */
void cti_gates_lab(station *s, const cti_gate *g, uint32_t u, int32_t *dest, const char **cause);

/* The gate whose name a hold cause points to. */
#define CTI_GATE_OF_CAUSE(cause) ((const cti_gate *)((const char *)(cause) - offsetof(cti_gate, name)))

#endif
