/*
 * trace.h - the trace database: a run's genealogy written to SQLite while
 * it runs, and the queries that read it back (a cell's genealogy, recalls
 * by coil, batch, lot or station and time, read-only SQL).
 *
 * Writing: ct_trace_open creates (or appends to) a database and returns a
 * writer whose observer (ct_trace_observer) goes into ct_run_options. The
 * observer's callbacks only encode records into memory; a writer thread
 * stores them in batched transactions (WAL mode, prepared statements), so
 * a run killed at any moment leaves a consistent database holding every
 * batch committed before. ct_trace_close flushes and finishes.
 *
 * Reading: ct_trace_db_open opens a database read-only and checks its
 * schema version; the query functions return tables (ct_trace_table) that
 * the caller prints. docs/trace-schema.md describes every table and
 * column; docs/trace.md the commands and the serial numbers.
 */
#ifndef CELLTWIN_TRACE_H
#define CELLTWIN_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "celltwin/factory.h"
#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the database schema this library writes and reads. A
 * database of another version is refused with CT_ERR_VERSION. */
#define CT_TRACE_SCHEMA_VERSION 3

/* ---- writing ---------------------------------------------------------------- */

/* A trace being written. */
typedef struct ct_trace ct_trace;

/* Opens path for writing the runs of f with the options opt (one run per
 * replication; opt->replications and opt->seed are recorded): creates the
 * database when the file does not exist or is empty, else appends to it
 * (it must be a trace of this schema version). Each replication gets a new
 * run code, unique in the database (see ct_trace_run_code). f and opt are
 * borrowed and must outlive the writer. On success *out owns the writer
 * (finish it with ct_trace_close). Errors: CT_ERR_IO (cannot create or
 * open the file), CT_ERR_DB (not a trace database, or SQLite failed),
 * CT_ERR_VERSION (another schema version), CT_ERR_NOMEM; err names path. */
ct_status ct_trace_open(const char *path, const ct_factory *f, const ct_run_options *opt,
                        ct_trace **out, ct_error *err);

/* The observer to put in ct_run_options.observer. Borrowed, valid until
 * ct_trace_close. Its callbacks are thread-safe across replications. */
const ct_observer *ct_trace_observer(ct_trace *t);

/* The run code of replication rep ("7KQ2MX"): the prefix of its serial
 * numbers. Borrowed. */
const char *ct_trace_run_code(const ct_trace *t, int rep);

/* True once a write has failed (disk full, I/O error); err (if not NULL)
 * then holds the message. Later records are dropped: the database keeps
 * everything up to its last committed batch. Safe to call from any thread
 * during the run, e.g. from a progress callback to stop early. */
bool ct_trace_failed(ct_trace *t, ct_error *err);

/* Counts of what the writer stored so far (committed). */
typedef struct ct_trace_counts {
    uint64_t cells, cells_shipped, cells_scrapped, cells_in_process;
    uint64_t units;        /* batches and coils */
    uint64_t batches;      /* transactions committed */
} ct_trace_counts;
void ct_trace_get_counts(ct_trace *t, ct_trace_counts *out);

/* Flushes what is left, waits for the writer, marks the runs that ended
 * complete (those that did not: failed), folds the WAL into the database
 * file and frees t (NULL is a no-op). counts (may be NULL) receives the
 * final counts. Returns the first error of the whole trace (CT_ERR_DB with
 * the path and SQLite's message, e.g. "database or disk is full"; or
 * CT_ERR_NOMEM), else CT_OK. */
ct_status ct_trace_close(ct_trace *t, ct_trace_counts *counts, ct_error *err);

/* ---- reading ---------------------------------------------------------------- */

/* A trace database opened read-only. */
typedef struct ct_trace_db ct_trace_db;

/* Opens path read-only (SQLITE_OPEN_READONLY) and checks that it is a
 * trace of schema version CT_TRACE_SCHEMA_VERSION. Errors: CT_ERR_IO (no
 * such file), CT_ERR_DB (not a trace database), CT_ERR_VERSION; the
 * message names path. Caller closes with ct_trace_db_close. */
ct_status ct_trace_db_open(const char *path, ct_trace_db **out, ct_error *err);
void ct_trace_db_close(ct_trace_db *db);

/* A result table: named columns, rows of typed values. Every value can be
 * read as text (NULL -> NULL). Owned by the caller: ct_trace_table_destroy. */
typedef struct ct_trace_table ct_trace_table;

typedef enum ct_trace_type {
    CT_TRACE_NULL = 0,
    CT_TRACE_INT,
    CT_TRACE_REAL,
    CT_TRACE_TEXT
} ct_trace_type;

size_t ct_trace_table_cols(const ct_trace_table *t);
size_t ct_trace_table_rows(const ct_trace_table *t);
const char *ct_trace_table_name(const ct_trace_table *t, size_t col);
ct_trace_type ct_trace_table_type(const ct_trace_table *t, size_t row, size_t col);
long long ct_trace_table_int(const ct_trace_table *t, size_t row, size_t col);
double ct_trace_table_real(const ct_trace_table *t, size_t row, size_t col);
/* Text of a value (numbers formatted, %.17g for reals); NULL for NULL.
 * Borrowed, valid until the table is destroyed. */
const char *ct_trace_table_text(const ct_trace_table *t, size_t row, size_t col);
/* Index of the column called name, or -1. */
int ct_trace_table_col(const ct_trace_table *t, const char *name);
void ct_trace_table_destroy(ct_trace_table *t);

/* A cell's report: named sections, each a table ("cell", "genealogy",
 * "passages", "measurements", "parameters"). Owned by the caller. */
typedef struct ct_trace_report ct_trace_report;
size_t ct_trace_report_sections(const ct_trace_report *r);
const char *ct_trace_report_section(const ct_trace_report *r, size_t i);
const ct_trace_table *ct_trace_report_table(const ct_trace_report *r, size_t i);
void ct_trace_report_destroy(ct_trace_report *r);

/* The genealogy of one cell. serial is "RUNCODE-NUMBER" ("7KQ2MX-0001234";
 * case and leading zeros do not matter, O reads as 0, I and L as 1) or a
 * bare number when the database holds one run. Sections:
 *   cell          one row: serial, state, grade, scrap station and cause,
 *                 times, defects, the product features;
 *   genealogy     the tree in depth-first order, one row per node: level
 *                 (0 = the cell), kind (cell, coil, batch, lot), id, what
 *                 part of it went into its parent (from, to, measure),
 *                 polarity, status, detail (defects on that part);
 *   passages      station, equipment (server), start_s, end_s;
 *   measurements  gate, station, attribute, value, unit, lsl, usl, decision;
 *   parameters    the settings of every station the cell or a batch or
 *                 coil of its genealogy passed (or that made one), in
 *                 factory order: station, group ("process" or "ambient"),
 *                 key, value, source ("file": as the factory file wrote
 *                 it; "model": the kind's default or derived value).
 * Errors: CT_ERR_NOTFOUND (no such serial), CT_ERR_INVALID (malformed or
 * ambiguous serial), CT_ERR_DB. */
ct_status ct_trace_cell(ct_trace_db *db, const char *serial, ct_trace_report **out,
                        ct_error *err);

/* Recall: every cell affected, with its current state. The table has
 * serial, state ("in_process", "shipped", "scrapped"), grade,
 * scrap_station, scrap_cause, created_s, finished_s, and via (the
 * genealogy link that matched). run is a run code, or NULL for the latest
 * run of the database. Units are named "STATION:NUMBER" (coils and
 * batches: the station that made them, its unit number) and lots
 * "MATERIAL:LOT"; the number alone is enough when one station makes such
 * units. Errors: CT_ERR_NOTFOUND (no such unit, station or run),
 * CT_ERR_INVALID (malformed id), CT_ERR_DB. */

/* Cells made from coil (any lane, or lane >= 0 only), from the metres
 * [from_m, to_m) (pass NAN, NAN for the whole coil), directly or through
 * units made from it. */
ct_status ct_trace_recall_coil(ct_trace_db *db, const char *run, const char *coil, int lane,
                               double from_m, double to_m, ct_trace_table **out, ct_error *err);
/* Cells made from any part of a slurry batch (every coil that took some). */
ct_status ct_trace_recall_batch(ct_trace_db *db, const char *run, const char *batch,
                                ct_trace_table **out, ct_error *err);
/* Cells made from any part of a raw-material lot. */
ct_status ct_trace_recall_lot(ct_trace_db *db, const char *run, const char *lot,
                              ct_trace_table **out, ct_error *err);
/* Cells that passed station (server >= 0: that equipment only) during
 * [from_s, to_s] of simulated time (a passage overlapping the interval),
 * and cells made from batches or coils that did. */
ct_status ct_trace_recall_station(ct_trace_db *db, const char *run, const char *station,
                                  int server, double from_s, double to_s, ct_trace_table **out,
                                  ct_error *err);

/* Runs one read-only SQL statement. Statements that would write, ATTACH
 * and more than one statement are refused (CT_ERR_INVALID); SQL errors are
 * CT_ERR_DB with SQLite's message. The table-valued functions
 * ct_passages(history [, run_id]), ct_measurements(history [, run_id]),
 * ct_pieces(history [, run_id]) and the functions ct_feature(features, i)
 * and ct_defects(bits) are available (docs/trace-schema.md). */
ct_status ct_trace_query(ct_trace_db *db, const char *sql, ct_trace_table **out, ct_error *err);

/* Runs of the database, oldest first: code, factory, replication, seed,
 * started_utc, status, end_s, and the cell counts. */
ct_status ct_trace_runs(ct_trace_db *db, ct_trace_table **out, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
