/*
 * trace_internal.h - what the trace writer (trace_write.c), the schema
 * (trace_schema.c) and the readers (trace_read.c, trace_vtab.c) share
 * (internal): the schema version and identification, the varint codec of
 * the per-cell history BLOB, run codes and serial numbers, and small
 * growable byte buffers. docs/trace-schema.md describes the formats.
 */
#ifndef CELLTWIN_TRACE_INTERNAL_H
#define CELLTWIN_TRACE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "celltwin/factory.h"
#include "celltwin/status.h"
#include "celltwin/trace.h"

/* PRAGMA application_id of a celltwin trace: "ctTr". */
#define CTI_TRACE_APP_ID 0x63745472

/* Width of the time buckets of the station index (passage_bucket). */
#define CTI_TRACE_BUCKET_S 3600.0

/* Tags of the records in a cell's history BLOB. */
enum { CTI_HIST_LOT = 0, CTI_HIST_PASSAGE = 1, CTI_HIST_MEASUREMENT = 2, CTI_HIST_PIECE = 3 };


/* Gate decisions, as stored (decision byte, and unit_measurement.decision
 * through cti_trace_decision_name). */
enum { CTI_DEC_PASS = 0, CTI_DEC_SCRAP, CTI_DEC_REWORK, CTI_DEC_HOLD };
const char *cti_trace_decision_name(int d);
int cti_trace_decision_code(const char *name);

/* ---- byte buffers --------------------------------------------------------- */

typedef struct cti_buf {
    uint8_t *p;
    size_t len, cap;
} cti_buf;

/* Makes room for n more bytes; false when out of memory. */
bool cti_buf_reserve(cti_buf *b, size_t n);
void cti_buf_free(cti_buf *b);

/* LEB128 unsigned varint; at most 10 bytes. Writes at p, returns the length. */
static inline size_t cti_put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static inline uint64_t cti_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t cti_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Reads a varint from [*p, end); false when truncated or too long. */
static inline bool cti_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70 && *p < end; shift += 7) {
        uint8_t c = *(*p)++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* ---- the history BLOB of a cell ------------------------------------------ */

/* One decoded record of a history BLOB. Times in seconds (the BLOB keeps
 * whole milliseconds). */
typedef struct cti_hist_rec {
    int tag;                 /* CTI_HIST_PASSAGE, _MEASUREMENT, _PIECE or _LOT */
    int station;             /* passage: station index */
    int server;              /* passage: server */
    double start_s, end_s;   /* passage */
    int gate;                /* measurement: gate index */
    int decision;            /* measurement: CTI_DEC_* */
    double value;            /* measurement */
    double time_s;           /* measurement */
    int maker;               /* piece: station that made the coil; lot: material */
    uint64_t coil;           /* piece: its number there; lot: lot number */
    int lane;                /* piece */
    int anode;               /* piece: 1 anode, 0 cathode */
    double from_m, to_m;     /* piece: metres; lot: 0 and the kg in the cell */
} cti_hist_rec;

/* Appends a piece record (tag CTI_HIST_PIECE: a piece of coil; or
 * CTI_HIST_LOT: a lot used directly, maker = material, coil = lot, from 0
 * to the kg) of at most CTI_HIST_PIECE_MAX bytes at p; returns its
 * length. Metres are kept to the micrometre, kilograms to the mg. */
#define CTI_HIST_PIECE_MAX 50
size_t cti_hist_put_piece(uint8_t *p, int tag, int maker, uint64_t coil, int lane, int anode,
                          double from_m, double to_m);

/* A cursor over a history BLOB. Each record starts with a varint
 * (x << 2 | tag), x the station (passage), gate (measurement) or maker
 * (piece); times are whole milliseconds, each a zigzag varint difference
 * from the previous record's time (the end of a passage, the time of a
 * measurement; 0 at the start). */
typedef struct cti_hist_iter {
    const uint8_t *p, *end;
    int64_t prev_ms;
} cti_hist_iter;

static inline void cti_hist_begin(cti_hist_iter *it, const void *blob, size_t len)
{
    it->p = blob;
    it->end = it->p + len;
    it->prev_ms = 0;
}

/* Next record: 1 read, 0 at the end, -1 malformed. */
int cti_hist_next(cti_hist_iter *it, cti_hist_rec *r);

/* Metres as whole micrometres, the resolution of the pieces of coil. */
static inline int64_t cti_um(double m)
{
    return (int64_t)(m * 1e6 + (m >= 0 ? 0.5 : -0.5));
}

/* An entry of a coil_cells BLOB: the cell (serial difference from the
 * previous entry), the start of its piece (micrometres from the end of
 * the previous entry's piece) and its length (micrometres), each a
 * varint (the differences zigzag). *prev_serial and *prev_um carry the
 * previous entry (0, 0 at the start of a BLOB). Returns the length
 * written (at most 30 bytes). */
static inline size_t cti_put_coil_piece(uint8_t *p, uint64_t serial, uint64_t *prev_serial,
                                        int64_t *prev_um, double from_m, double to_m)
{
    int64_t a = cti_um(from_m), b = cti_um(to_m);
    if (b < a)
        b = a;
    size_t n = cti_put_varint(p, cti_zigzag((int64_t)(serial - *prev_serial)));
    n += cti_put_varint(p + n, cti_zigzag(a - *prev_um));
    n += cti_put_varint(p + n, (uint64_t)(b - a));
    *prev_serial = serial;
    *prev_um = b;
    return n;
}

/* Reads an entry written by cti_put_coil_piece; false when malformed. */
static inline bool cti_get_coil_piece(const uint8_t **p, const uint8_t *end, uint64_t *serial,
                                      int64_t *prev_um, double *from_m, double *to_m)
{
    uint64_t z, d, len;
    if (!cti_get_varint(p, end, &z) || !cti_get_varint(p, end, &d) || !cti_get_varint(p, end, &len))
        return false;
    *serial += (uint64_t)cti_unzigzag(z);
    int64_t a = *prev_um + cti_unzigzag(d), b = a + (int64_t)len;
    *prev_um = b;
    *from_m = (double)a / 1e6;
    *to_m = (double)b / 1e6;
    return true;
}

/* Feature i of a features BLOB (float32, little-endian). */
static inline float cti_feature_at(const uint8_t *p, int i)
{
    uint32_t bits = 0;
    for (int k = 0; k < 4; k++)
        bits |= (uint32_t)p[4 * i + k] << (8 * k);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* ---- run codes and serials ----------------------------------------------- */

#define CTI_RUN_CODE_LEN 6

/* Writes the run code of a 30-bit value (6 Crockford base-32 characters). */
void cti_run_code(uint32_t v, char out[CTI_RUN_CODE_LEN + 1]);

/* Normalises a typed run code in place (upper case, O -> 0, I and L -> 1);
 * false when it is not 6 Crockford characters. */
bool cti_run_code_normalise(char *code);

/* Splits a typed serial "RUNCODE-NUMBER" (or a bare "NUMBER": code is then
 * "") into its run code, as typed, and number; false when malformed. */
bool cti_trace_serial_split(const char *text, char code[CTI_RUN_CODE_LEN + 1], long long *number);

/* ---- reading (trace_read.c) ----------------------------------------------- */

/* A trace database opened read-only (ct_trace_db_open). */
struct ct_trace_db {
    sqlite3 *db;
    char *path;
};

/* A run of the database and the names of its factory's stations and
 * materials, by index. */
typedef struct cti_run_info {
    int64_t run_id, factory_id;
    char code[CTI_RUN_CODE_LEN + 1];
    int n_stations, n_materials;
    char **stations;     /* by index; NULL where none */
    char **makes;        /* what each station makes: "batch", "coil", NULL */
    char **materials;
} cti_run_info;

/* The run with this code (normalised here; NULL: the latest run of the
 * database), with its names. Errors: CT_ERR_INVALID (malformed code),
 * CT_ERR_NOTFOUND (no such run, or no run at all), CT_ERR_DB. Clear r with
 * cti_run_info_clear, also after an error. */
ct_status cti_trace_find_run(ct_trace_db *d, const char *code, cti_run_info *r, ct_error *err);
void cti_run_info_clear(cti_run_info *r);

/* ---- schema --------------------------------------------------------------- */

/* Creates the schema in an empty database, or checks an existing one
 * (application id, version, attribute columns). Errors name path. */
ct_status cti_trace_schema_prepare(sqlite3 *db, const char *path, ct_error *err);

/* Checks that db (opened read-only) is a trace of this schema version. */
ct_status cti_trace_schema_check(sqlite3 *db, const char *path, ct_error *err);

/* Stores the factory (file text, stations, settings grouped as process
 * parameters, equipment features and ambient conditions, materials,
 * gates) unless the same text is already stored; *factory_id is its id. */
ct_status cti_trace_store_factory(sqlite3 *db, const char *path, const ct_factory *f,
                                  int64_t *factory_id, ct_error *err);

/* Column name of attribute i of cells (cell != 0) or of batches and coils:
 * the attribute name and its base unit, "capacity_ah", "areal_loading_kg_m2". */
void cti_trace_attr_column(int cell, int i, char *buf, size_t len);

/* Runs sql (no results); on failure sets err with what and path. */
ct_status cti_trace_exec(sqlite3 *db, const char *sql, const char *path, const char *what,
                         ct_error *err);

/* The SQLite connection of a database opened with ct_trace_db_open
 * (borrowed), for readers in other subsystems (src/report). */
sqlite3 *cti_trace_db_sqlite(ct_trace_db *db);

/* Registers the table-valued functions ct_history(blob [, run_id]) and the
 * SQL function ct_defects(bits) on a connection (trace_vtab.c). */
int cti_trace_register_functions(sqlite3 *db);

#endif
