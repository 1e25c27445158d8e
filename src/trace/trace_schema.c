/*
 * trace_schema.c - the trace database's schema (version
 * CT_TRACE_SCHEMA_VERSION): creating it, recognising it (application id
 * and user_version), and storing the factory a run came from - its file
 * text, its stations, materials and control-plan gates, and its settings
 * sorted into the traceability groups process parameters, equipment
 * features and ambient conditions: as the file wrote them, and the
 * effective process parameters of each station's kind (kind.h describe)
 * that the file left to the model. Also the small codecs the writer and
 * the readers share (history BLOB records, run codes, byte buffers).
 * docs/trace-schema.md documents every table and column.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/dist.h"
#include "model/factory_internal.h"
#include "model/kind.h"
#include "model/yaml_util.h"
#include "trace/trace_internal.h"

/* ---- small shared codecs -------------------------------------------------- */

bool cti_buf_reserve(cti_buf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return false;
    b->p = p;
    b->cap = cap;
    return true;
}

void cti_buf_free(cti_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static const char *const decision_names[] = {"pass", "scrap", "rework", "hold"};

const char *cti_trace_decision_name(int d)
{
    return d >= 0 && d < 4 ? decision_names[d] : "unknown";
}

int cti_trace_decision_code(const char *name)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, decision_names[i]) == 0)
            return i;
    return CTI_DEC_SCRAP;
}

int cti_hist_next(cti_hist_iter *it, cti_hist_rec *r)
{
    if (it->p >= it->end)
        return 0;
    memset(r, 0, sizeof *r);
    uint64_t h, a, b, c, d;
    if (!cti_get_varint(&it->p, it->end, &h))
        return -1;
    r->tag = (int)(h & 3);
    a = h >> 2;
    if (r->tag == CTI_HIST_PASSAGE) {
        if (!cti_get_varint(&it->p, it->end, &b) || !cti_get_varint(&it->p, it->end, &c) ||
            !cti_get_varint(&it->p, it->end, &d))
            return -1;
        int64_t start = it->prev_ms + cti_unzigzag(c);
        it->prev_ms = start + (int64_t)d;
        r->station = (int)a;
        r->server = (int)b;
        r->start_s = (double)start / 1000.0;
        r->end_s = (double)(start + (int64_t)d) / 1000.0;
        return 1;
    }
    if (r->tag == CTI_HIST_PIECE || r->tag == CTI_HIST_LOT) {
        if (!cti_get_varint(&it->p, it->end, &b) || !cti_get_varint(&it->p, it->end, &c) ||
            !cti_get_varint(&it->p, it->end, &d) || !cti_get_varint(&it->p, it->end, &h))
            return -1;
        r->maker = (int)a;
        r->coil = b;
        r->lane = (int)(c >> 1);
        r->anode = (int)(c & 1);
        r->from_m = (double)d / 1e6;
        r->to_m = (double)(d + h) / 1e6;
        return 1;
    }
    if (r->tag == CTI_HIST_MEASUREMENT) {
        if (it->end - it->p < 9)
            return -1;
        r->gate = (int)a;
        r->decision = *it->p++;
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits |= (uint64_t)it->p[i] << (8 * i);
        it->p += 8;
        memcpy(&r->value, &bits, sizeof r->value);
        if (!cti_get_varint(&it->p, it->end, &c))
            return -1;
        int64_t t = it->prev_ms + cti_unzigzag(c);
        it->prev_ms = t;
        r->time_s = (double)t / 1000.0;
        return 1;
    }
    return -1;
}

size_t cti_hist_put_piece(uint8_t *p, int tag, int maker, uint64_t coil, int lane, int anode,
                          double from_m, double to_m)
{
    int64_t a = cti_um(from_m), b = cti_um(to_m);
    if (a < 0)
        a = 0;
    if (b < a)
        b = a;
    size_t n = cti_put_varint(p, (uint64_t)(maker > 0 ? maker : 0) << 2 | (uint64_t)(tag & 3));
    n += cti_put_varint(p + n, coil);
    n += cti_put_varint(p + n, (uint64_t)(lane > 0 ? lane : 0) << 1 | (anode != 0));
    n += cti_put_varint(p + n, (uint64_t)a);
    n += cti_put_varint(p + n, (uint64_t)(b - a));
    return n;
}

/* Crockford's base 32: no I, L, O, U, so a code read aloud or typed from a
 * label is hard to get wrong. */
static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void cti_run_code(uint32_t v, char out[CTI_RUN_CODE_LEN + 1])
{
    for (int i = CTI_RUN_CODE_LEN - 1; i >= 0; i--) {
        out[i] = crockford[v & 31];
        v >>= 5;
    }
    out[CTI_RUN_CODE_LEN] = '\0';
}

bool cti_run_code_normalise(char *code)
{
    size_t n = strlen(code);
    if (n != CTI_RUN_CODE_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = (char)toupper((unsigned char)code[i]);
        if (c == 'O')
            c = '0';
        else if (c == 'I' || c == 'L')
            c = '1';
        if (!strchr(crockford, c) || c == '\0')
            return false;
        code[i] = c;
    }
    return true;
}

ct_status cti_trace_exec(sqlite3 *db, const char *sql, const char *path, const char *what,
                         ct_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return CT_OK;
    ct_error_set(err, CT_ERR_DB, "%s: %s: %s", path, what, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return CT_ERR_DB;
}

/* ---- schema ----------------------------------------------------------------- */

/* The fixed columns of the cell and unit tables: an attribute of the same
 * name gets the prefix attr_. */
static const char *const cell_columns[] = {
    "run_id",   "serial",    "state",      "grade",     "scrap_station_idx",
    "scrap_cause", "defects", "found",   "reworks",    "created_s", "finished_s",
    "active_kg", "value_usd", "history", NULL};
static const char *const unit_columns[] = {
    "unit_id", "run_id", "kind", "maker_idx", "number", "lane", "slit", "polarity", "quantity",
    "measure", "start", "created_s", "done_s", "status", "cause", "defects", NULL};

void cti_trace_attr_column(int cell, int i, char *buf, size_t len)
{
    const char *name = cell ? ct_cell_attr_names[i] : ct_material_attr_names[i];
    const char *unit = cell ? ct_cell_attr_unit(i) : ct_material_attr_unit(i);
    size_t n = (size_t)snprintf(buf, len, "%s", name);
    if (!unit || !*unit || n + 2 >= len) {
        for (const char *const *c = cell ? cell_columns : unit_columns; *c; c++)
            if (strcmp(*c, name) == 0) {
                snprintf(buf, len, "attr_%s", name);
                break;
            }
        return;
    }
    buf[n++] = '_';
    bool under = true;
    for (const char *u = unit; *u && n + 1 < len; u++) {
        if (isalnum((unsigned char)*u)) {
            buf[n++] = (char)tolower((unsigned char)*u);
            under = false;
        } else if (!under) {
            buf[n++] = '_';
            under = true;
        }
    }
    while (n > 0 && buf[n - 1] == '_')
        n--;
    buf[n] = '\0';
}

/* Fixed part of the schema. Times are seconds of simulated time from the
 * start of the run; amounts in kg or m as the `measure` column says. */
static const char *const schema_sql[] = {
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n"
    "CREATE TABLE factory(factory_id INTEGER PRIMARY KEY, name TEXT NOT NULL, path TEXT,\n"
    "  text TEXT, text_hash TEXT NOT NULL);\n"
    "CREATE TABLE run(run_id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,\n"
    "  factory_id INTEGER NOT NULL REFERENCES factory, replication INTEGER NOT NULL,\n"
    "  seed INTEGER NOT NULL, horizon_s REAL NOT NULL, warmup_s REAL NOT NULL,\n"
    "  started_utc TEXT NOT NULL, celltwin_version TEXT NOT NULL,\n"
    "  status TEXT NOT NULL CHECK(status IN ('running','complete','failed')),\n"
    "  end_s REAL, cells_shipped INTEGER, cells_scrapped INTEGER, cells_in_process INTEGER);\n"
    "CREATE TABLE station(factory_id INTEGER NOT NULL REFERENCES factory,\n"
    "  station_idx INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT, servers INTEGER NOT NULL,\n"
    "  buffer INTEGER, batch_size INTEGER NOT NULL, batch_min INTEGER NOT NULL,\n"
    "  batch_max_wait_s REAL, process_time_s TEXT NOT NULL, mtbf_s TEXT, mttr_s TEXT,\n"
    "  scrap_p REAL NOT NULL, rework_p REAL NOT NULL, makes TEXT, splits INTEGER NOT NULL,\n"
    "  value_added_usd REAL NOT NULL,\n"
    "  PRIMARY KEY(factory_id, station_idx)) WITHOUT ROWID;\n",
    "CREATE TABLE setting(factory_id INTEGER NOT NULL REFERENCES factory,\n"
    "  station_idx INTEGER, grp TEXT NOT NULL CHECK(grp IN ('process','equipment','ambient')),\n"
    "  key TEXT NOT NULL, value TEXT NOT NULL,\n"
    "  source TEXT NOT NULL CHECK(source IN ('file','model')));\n"
    "CREATE INDEX setting_station ON setting(factory_id, station_idx);\n"
    "CREATE TABLE material(factory_id INTEGER NOT NULL REFERENCES factory,\n"
    "  material_idx INTEGER NOT NULL, name TEXT NOT NULL, price_usd_kg REAL NOT NULL,\n"
    "  lot_kg REAL NOT NULL, active INTEGER NOT NULL,\n"
    "  PRIMARY KEY(factory_id, material_idx)) WITHOUT ROWID;\n"
    "CREATE TABLE gate(factory_id INTEGER NOT NULL REFERENCES factory, gate_idx INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL, station_idx INTEGER NOT NULL, on_cell INTEGER NOT NULL,\n"
    "  attribute TEXT NOT NULL, unit TEXT NOT NULL, method TEXT, sample REAL NOT NULL,\n"
    "  noise_sd REAL NOT NULL, lsl REAL, usl REAL, action TEXT NOT NULL,\n"
    "  PRIMARY KEY(factory_id, gate_idx)) WITHOUT ROWID;\n",
    "CREATE TABLE attribute(entity TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL,\n"
    "  unit TEXT NOT NULL, column_name TEXT NOT NULL, PRIMARY KEY(entity, idx)) WITHOUT ROWID;\n"
    "CREATE TABLE defect(bit INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
    "CREATE TABLE lot(run_id INTEGER NOT NULL REFERENCES run, material_idx INTEGER NOT NULL,\n"
    "  lot_number INTEGER NOT NULL, PRIMARY KEY(run_id, material_idx, lot_number)) WITHOUT ROWID;\n"
    "CREATE TABLE unit_input(unit_id INTEGER NOT NULL REFERENCES unit, k INTEGER NOT NULL,\n"
    "  run_id INTEGER NOT NULL, in_kind TEXT NOT NULL,\n"
    "  in_idx INTEGER NOT NULL, in_number INTEGER NOT NULL, in_lane INTEGER NOT NULL,\n"
    "  polarity TEXT, from_q REAL NOT NULL, to_q REAL NOT NULL,\n"
    "  PRIMARY KEY(unit_id, k)) WITHOUT ROWID;\n"
    "CREATE INDEX unit_input_source ON unit_input(run_id, in_kind, in_idx, in_number);\n",
    "CREATE TABLE defect_span(unit_id INTEGER NOT NULL REFERENCES unit, from_m REAL NOT NULL,\n"
    "  to_m REAL NOT NULL, lane_mask INTEGER NOT NULL, defects INTEGER NOT NULL,\n"
    "  removed INTEGER NOT NULL);\n"
    "CREATE INDEX defect_span_unit ON defect_span(unit_id);\n"
    "CREATE TABLE unit_passage(unit_id INTEGER NOT NULL REFERENCES unit,\n"
    "  station_idx INTEGER NOT NULL, server INTEGER NOT NULL, start_s REAL NOT NULL,\n"
    "  end_s REAL NOT NULL);\n"
    "CREATE INDEX unit_passage_unit ON unit_passage(unit_id);\n"
    "CREATE TABLE unit_measurement(unit_id INTEGER NOT NULL REFERENCES unit,\n"
    "  gate_idx INTEGER NOT NULL, value REAL NOT NULL, decision TEXT NOT NULL,\n"
    "  time_s REAL NOT NULL);\n"
    "CREATE INDEX unit_measurement_unit ON unit_measurement(unit_id);\n"
    "CREATE TABLE coil_cells(run_id INTEGER NOT NULL REFERENCES run, maker_idx INTEGER NOT NULL,\n"
    "  coil_number INTEGER NOT NULL, lane INTEGER NOT NULL, polarity TEXT NOT NULL,\n"
    "  n INTEGER NOT NULL, pieces BLOB NOT NULL);\n"
    "CREATE INDEX coil_cells_coil ON coil_cells(run_id, maker_idx, coil_number, lane);\n"
    "CREATE TABLE passage_bucket(run_id INTEGER NOT NULL REFERENCES run,\n"
    "  station_idx INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL,\n"
    "  min_duration_s REAL NOT NULL, max_duration_s REAL NOT NULL, serials BLOB NOT NULL);\n"
    "CREATE INDEX passage_bucket_key ON passage_bucket(run_id, station_idx, bucket);\n",
};

/* The views of the four traceability groups. */
static const char views_sql[] =
    "CREATE VIEW process_parameter AS\n"
    "  SELECT s.factory_id, st.name AS station, s.key AS name, s.value, s.source\n"
    "  FROM setting s LEFT JOIN station st USING(factory_id, station_idx) WHERE s.grp = 'process';\n"
    "CREATE VIEW equipment_feature AS\n"
    "  SELECT s.factory_id, st.name AS station, s.key AS name, s.value, s.source\n"
    "  FROM setting s LEFT JOIN station st USING(factory_id, station_idx) WHERE s.grp = 'equipment';\n"
    "CREATE VIEW ambient_condition AS\n"
    "  SELECT s.factory_id, st.name AS station, s.key AS name, s.value, s.source\n"
    "  FROM setting s LEFT JOIN station st USING(factory_id, station_idx) WHERE s.grp = 'ambient';\n";

/* The unit and cell tables. Batches and coils are few: their attributes
 * are columns. Cells are millions: their attributes (the product
 * features) are one BLOB of float32 values in the order of the attribute
 * table, which a wide row of REAL columns would make several times slower
 * to write; the view cell_feature shows them as columns. No CHECK (x IN
 * (...)) on these hot tables: SQLite builds an ephemeral index for such a
 * list at every insert. */
static ct_status create_attr_tables(sqlite3 *db, const char *path, ct_error *err)
{
    size_t cap = 8192;
    char *sql = malloc(cap);
    if (!sql)
        return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
    size_t n = 0;
#define ADD(...) (n += (size_t)snprintf(sql + n, n < cap ? cap - n : 0, __VA_ARGS__))
    char col[128];
    ADD("CREATE TABLE unit(unit_id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES run,\n"
        "  kind TEXT NOT NULL, maker_idx INTEGER NOT NULL,\n"
        "  number INTEGER NOT NULL, lane INTEGER NOT NULL, slit INTEGER NOT NULL,\n"
        "  polarity TEXT, quantity REAL NOT NULL, measure TEXT NOT NULL, start REAL NOT NULL,\n"
        "  created_s REAL NOT NULL, done_s REAL NOT NULL,\n"
        "  status TEXT NOT NULL,\n"
        "  cause TEXT, defects INTEGER NOT NULL");
    for (int i = 0; i < ct_material_attr_count; i++) {
        cti_trace_attr_column(0, i, col, sizeof col);
        ADD(",\n  %s REAL", col);
    }
    ADD(");\nCREATE INDEX unit_key ON unit(run_id, kind, maker_idx, number, lane, slit);\n");
    /* one B-tree keyed by run and serial (WITHOUT ROWID: no second index
     * to keep; rows are well below the 1/20 page that suits it) */
    ADD("CREATE TABLE cell(run_id INTEGER NOT NULL REFERENCES run, serial INTEGER NOT NULL,\n"
        "  state TEXT NOT NULL, grade TEXT, scrap_station_idx INTEGER,\n"
        "  scrap_cause TEXT, defects INTEGER NOT NULL, found INTEGER NOT NULL,\n"
        "  reworks INTEGER NOT NULL, created_s REAL NOT NULL, finished_s REAL,\n"
        "  active_kg REAL NOT NULL, value_usd REAL NOT NULL, features BLOB,\n"
        "  history BLOB NOT NULL, PRIMARY KEY(run_id, serial)) WITHOUT ROWID;\n");
#undef ADD
    ct_status st = CT_OK;
    if (n >= cap)
        st = ct_error_set(err, CT_ERR_NOMEM, "%s: schema text too long", path);
    else
        st = cti_trace_exec(db, sql, path, "cannot create the schema", err);
    free(sql);
    return st;
}

/* The views cell_feature and product_feature, (re)made from the
 * attribute table (which lists what the database holds). */
static ct_status create_feature_views(sqlite3 *db, const char *path, ct_error *err)
{
    size_t cap = 32768;
    char *sql = malloc(cap);
    sqlite3_stmt *q = NULL;
    if (!sql)
        return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
    size_t n = 0;
#define ADD(...) (n += (size_t)snprintf(sql + n, n < cap ? cap - n : 0, __VA_ARGS__))
    ADD("DROP VIEW IF EXISTS cell_feature; DROP VIEW IF EXISTS product_feature;\n"
        "CREATE VIEW cell_feature AS SELECT run_id, serial, state");
    ct_status st = CT_OK;
    if (sqlite3_prepare_v2(db, "SELECT idx, column_name FROM attribute WHERE entity = 'cell' ORDER BY idx",
                           -1, &q, NULL) != SQLITE_OK) {
        st = ct_error_set(err, CT_ERR_DB, "%s: %s", path, sqlite3_errmsg(db));
        goto cleanup;
    }
    while (sqlite3_step(q) == SQLITE_ROW)
        ADD(", ct_feature(features, %d) AS \"%s\"", sqlite3_column_int(q, 0), sqlite3_column_text(q, 1));
    sqlite3_finalize(q);
    ADD(" FROM cell;\nCREATE VIEW product_feature AS\n"
        "  SELECT c.run_id, 'cell' AS entity, c.serial AS id, a.name AS attribute,\n"
        "    ct_feature(c.features, a.idx) AS value, a.unit FROM cell c JOIN attribute a\n"
        "    ON a.entity = 'cell' WHERE c.features IS NOT NULL");
    if (sqlite3_prepare_v2(db, "SELECT name, unit, column_name FROM attribute WHERE entity = 'unit' "
                               "ORDER BY idx",
                           -1, &q, NULL) != SQLITE_OK) {
        st = ct_error_set(err, CT_ERR_DB, "%s: %s", path, sqlite3_errmsg(db));
        goto cleanup;
    }
    while (sqlite3_step(q) == SQLITE_ROW)
        ADD("\n  UNION ALL SELECT run_id, kind, unit_id, '%s', \"%s\", '%s' FROM unit WHERE \"%s\" IS "
            "NOT NULL",
            sqlite3_column_text(q, 0), sqlite3_column_text(q, 2), sqlite3_column_text(q, 1),
            sqlite3_column_text(q, 2));
    ADD(";\n");
#undef ADD
    if (n >= cap)
        st = ct_error_set(err, CT_ERR_NOMEM, "%s: schema text too long", path);
    else
        st = cti_trace_exec(db, sql, path, "cannot create the feature views", err);
cleanup:
    sqlite3_finalize(q);
    free(sql);
    return st;
}

static ct_status fill_dictionaries(sqlite3 *db, const char *path, ct_error *err)
{
    sqlite3_stmt *a = NULL, *d = NULL;
    ct_status st = CT_ERR_DB;
    if (sqlite3_prepare_v2(db, "INSERT INTO attribute VALUES(?,?,?,?,?)", -1, &a, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO defect VALUES(?,?)", -1, &d, NULL))
        goto cleanup;
    char col[128];
    for (int cell = 0; cell < 2; cell++) {
        int n = cell ? ct_cell_attr_count : ct_material_attr_count;
        for (int i = 0; i < n; i++) {
            cti_trace_attr_column(cell, i, col, sizeof col);
            sqlite3_bind_text(a, 1, cell ? "cell" : "unit", -1, SQLITE_STATIC);
            sqlite3_bind_int(a, 2, i);
            sqlite3_bind_text(a, 3, cell ? ct_cell_attr_names[i] : ct_material_attr_names[i], -1,
                              SQLITE_STATIC);
            sqlite3_bind_text(a, 4, cell ? ct_cell_attr_unit(i) : ct_material_attr_unit(i), -1,
                              SQLITE_STATIC);
            sqlite3_bind_text(a, 5, col, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(a) != SQLITE_DONE)
                goto cleanup;
            sqlite3_reset(a);
        }
    }
    for (int i = 0; i < ct_defect_count; i++) {
        sqlite3_bind_int(d, 1, i);
        sqlite3_bind_text(d, 2, ct_defect_names[i], -1, SQLITE_STATIC);
        if (sqlite3_step(d) != SQLITE_DONE)
            goto cleanup;
        sqlite3_reset(d);
    }
    st = CT_OK;
cleanup:
    if (st != CT_OK)
        ct_error_set(err, CT_ERR_DB, "%s: cannot fill the dictionaries: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(a);
    sqlite3_finalize(d);
    return st;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

/* Reads application_id, user_version and the number of tables. */
static ct_status identify(sqlite3 *db, const char *path, int *app, int *version, int *tables,
                          ct_error *err)
{
    int rc = pragma_int(db, "PRAGMA application_id", app);
    if (rc == SQLITE_OK)
        rc = pragma_int(db, "PRAGMA user_version", version);
    if (rc == SQLITE_OK)
        rc = pragma_int(db, "SELECT count(*) FROM sqlite_schema", tables);
    if (rc == SQLITE_NOTADB)
        return ct_error_set(err, CT_ERR_DB, "%s: not a celltwin trace database (not an SQLite file)",
                            path);
    if (rc != SQLITE_OK)
        return ct_error_set(err, CT_ERR_DB, "%s: cannot read: %s", path, sqlite3_errmsg(db));
    return CT_OK;
}

static ct_status check_identity(const char *path, int app, int version, ct_error *err)
{
    if (app != CTI_TRACE_APP_ID)
        return ct_error_set(err, CT_ERR_DB,
                            "%s: not a celltwin trace database (SQLite application_id %d, "
                            "expected %d)",
                            path, app, CTI_TRACE_APP_ID);
    if (version != CT_TRACE_SCHEMA_VERSION)
        return ct_error_set(err, CT_ERR_VERSION,
                            "%s: trace schema version %d, but this celltwin (%s) reads and writes "
                            "version %d only; use the celltwin that wrote it, or write a new trace",
                            path, version, CT_VERSION, CT_TRACE_SCHEMA_VERSION);
    return CT_OK;
}

/* Appending to a database written by a celltwin whose attribute lists
 * were shorter: new unit attributes become columns (NULL in old rows),
 * new cell attributes extend the features BLOB. A list that differs in
 * another way cannot share the database. */
static ct_status update_attributes(sqlite3 *db, const char *path, ct_error *err)
{
    char col[128], sql[512];
    bool changed = false;
    for (int cell = 0; cell < 2; cell++) {
        const char *entity = cell ? "cell" : "unit";
        int n = cell ? ct_cell_attr_count : ct_material_attr_count;
        for (int i = 0; i < n; i++) {
            const char *name = cell ? ct_cell_attr_names[i] : ct_material_attr_names[i];
            cti_trace_attr_column(cell, i, col, sizeof col);
            sqlite3_stmt *q = NULL;
            if (sqlite3_prepare_v2(db, "SELECT name FROM attribute WHERE entity = ? AND idx = ?", -1, &q,
                                   NULL) != SQLITE_OK)
                return ct_error_set(err, CT_ERR_DB, "%s: %s", path, sqlite3_errmsg(db));
            sqlite3_bind_text(q, 1, entity, -1, SQLITE_STATIC);
            sqlite3_bind_int(q, 2, i);
            int rc = sqlite3_step(q);
            bool same = rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), name) == 0;
            char had[128] = "";
            if (rc == SQLITE_ROW)
                snprintf(had, sizeof had, "%s", (const char *)sqlite3_column_text(q, 0));
            sqlite3_finalize(q);
            if (same)
                continue;
            if (rc == SQLITE_ROW)
                return ct_error_set(err, CT_ERR_VERSION,
                                    "%s: written with another list of %s attributes (\"%s\" where this "
                                    "celltwin has \"%s\"); write the trace to a new file",
                                    path, entity, had, name);
            if (!cell) {
                char alter[256];
                snprintf(alter, sizeof alter, "ALTER TABLE unit ADD COLUMN \"%s\" REAL;", col);
                ct_status st = cti_trace_exec(db, alter, path, "cannot add an attribute", err);
                if (st != CT_OK)
                    return st;
            }
            snprintf(sql, sizeof sql, "INSERT INTO attribute VALUES('%s', %d, '%s', '%s', '%s');", entity,
                     i, name, cell ? ct_cell_attr_unit(i) : ct_material_attr_unit(i), col);
            ct_status st = cti_trace_exec(db, sql, path, "cannot add an attribute", err);
            if (st != CT_OK)
                return st;
            changed = true;
        }
    }
    return changed ? create_feature_views(db, path, err) : CT_OK;
}

ct_status cti_trace_schema_prepare(sqlite3 *db, const char *path, ct_error *err)
{
    int app = 0, version = 0, tables = 0;
    ct_status st = identify(db, path, &app, &version, &tables, err);
    if (st != CT_OK)
        return st;
    if (tables > 0 || app != 0)
        return (st = check_identity(path, app, version, err)) != CT_OK
                   ? st
                   : update_attributes(db, path, err);
    char sql[256];
    /* 64 kB pages: for this append-mostly load a third less work per row
     * than 4 kB pages, and 10 % less writer CPU than 16 kB (a quarter of
     * the WAL frames and write calls: less kernel time; fewer page
     * splits); the database is 0.3 % larger */
    snprintf(sql, sizeof sql,
             "PRAGMA page_size = 65536; BEGIN; PRAGMA application_id = %d; PRAGMA user_version = %d;", CTI_TRACE_APP_ID,
             CT_TRACE_SCHEMA_VERSION);
    st = cti_trace_exec(db, sql, path, "cannot create the schema", err);
    for (size_t i = 0; st == CT_OK && i < sizeof schema_sql / sizeof schema_sql[0]; i++)
        st = cti_trace_exec(db, schema_sql[i], path, "cannot create the schema", err);
    if (st != CT_OK ||
        (st = cti_trace_exec(db, views_sql, path, "cannot create the schema", err)) != CT_OK ||
        (st = create_attr_tables(db, path, err)) != CT_OK ||
        (st = fill_dictionaries(db, path, err)) != CT_OK ||
        (st = create_feature_views(db, path, err)) != CT_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    snprintf(sql, sizeof sql,
             "INSERT INTO meta VALUES('schema_version', '%d'), ('created_by', 'celltwin %s'),"
             " ('bucket_s', '%g'); COMMIT;",
             CT_TRACE_SCHEMA_VERSION, CT_VERSION, CTI_TRACE_BUCKET_S);
    return cti_trace_exec(db, sql, path, "cannot create the schema", err);
}

ct_status cti_trace_schema_check(sqlite3 *db, const char *path, ct_error *err)
{
    int app = 0, version = 0, tables = 0;
    ct_status st = identify(db, path, &app, &version, &tables, err);
    if (st != CT_OK)
        return st;
    if (tables == 0 && app == 0)
        return ct_error_set(err, CT_ERR_DB, "%s: not a celltwin trace database (empty)", path);
    return check_identity(path, app, version, err);
}

/* ---- the factory ------------------------------------------------------------ */

/* FNV-1a, 64 bits: recognises a factory text already stored. */
static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* source of a setting row: "file" (the factory file's text as written)
 * or "model" (the loaded factory: what the file left to a kind's model,
 * or everything when there is no file to read). */
typedef struct setting_writer {
    sqlite3_stmt *ins;
    sqlite3_stmt *written;      /* does the station have a 'file' row of a key? */
    int64_t factory_id;
    const char *source;
    int station;                /* the station being described */
    bool failed;
} setting_writer;

static void put_setting(setting_writer *w, int station, const char *grp, const char *key,
                        const char *value)
{
    sqlite3_bind_int64(w->ins, 1, w->factory_id);
    if (station >= 0)
        sqlite3_bind_int(w->ins, 2, station);
    else
        sqlite3_bind_null(w->ins, 2);
    sqlite3_bind_text(w->ins, 3, grp, -1, SQLITE_STATIC);
    sqlite3_bind_text(w->ins, 4, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(w->ins, 5, value, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(w->ins, 6, w->source, -1, SQLITE_STATIC);
    if (sqlite3_step(w->ins) != SQLITE_DONE)
        w->failed = true;
    sqlite3_reset(w->ins);
}

/* Ambient conditions are the room's, whatever station states them: a dry
 * room's dew point, the ambient temperature, the humidity. */
static bool is_ambient_key(const char *key)
{
    static const char *const words[] = {"dew_point", "ambient", "humidity", "room_temp", "dry_room"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(key, words[i]))
            return true;
    return false;
}

/* Equipment features: how many machines, their buffers, batching,
 * failures and routing, as opposed to how they process. */
static const char *group_of(const char *key)
{
    static const char *const equipment[] = {"servers", "buffer", "batch", "failures", "inputs",
                                            "next"};
    if (is_ambient_key(key))
        return "ambient";
    for (size_t i = 0; i < sizeof equipment / sizeof equipment[0]; i++) {
        size_t n = strlen(equipment[i]);
        if (strncmp(key, equipment[i], n) == 0 && (key[n] == '\0' || key[n] == '.' || key[n] == '['))
            return "equipment";
    }
    return "process";
}

static bool scalar_text(struct fy_node *n, char *buf, size_t len)
{
    if (!n) {
        snprintf(buf, len, "null");
        return true;
    }
    if (fy_node_get_type(n) != FYNT_SCALAR)
        return false;
    size_t sl = 0;
    const char *s = fy_node_get_scalar(n, &sl);
    snprintf(buf, len, "%.*s", (int)(s ? sl : 0), s ? s : "");
    return true;
}

/* Writes each leaf under node as key path = text: "process.zone_temp",
 * "consumes[0].amount"; a list of scalars is one value "[a, b]". */
static void flatten(setting_writer *w, int station, const char *grp, const char *prefix,
                    struct fy_node *node, int depth)
{
    char value[1024], key[CTI_YAML_PATH_MAX];
    if (depth > 8)
        return;
    if (!node || fy_node_get_type(node) == FYNT_SCALAR) {
        scalar_text(node, value, sizeof value);
        put_setting(w, station, grp ? grp : group_of(prefix), prefix, value);
        return;
    }
    if (fy_node_get_type(node) == FYNT_SEQUENCE) {
        bool scalars = true;
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(node, &it)) != NULL)
            if (fy_node_get_type(item) != FYNT_SCALAR)
                scalars = false;
        it = NULL;
        if (scalars) {
            size_t n = (size_t)snprintf(value, sizeof value, "[");
            int k = 0;
            char one[256];
            while ((item = fy_node_sequence_iterate(node, &it)) != NULL && n < sizeof value) {
                scalar_text(item, one, sizeof one);
                n += (size_t)snprintf(value + n, sizeof value - n, "%s%s", k++ ? ", " : "", one);
            }
            if (n < sizeof value)
                snprintf(value + n, sizeof value - n, "]");
            put_setting(w, station, grp ? grp : group_of(prefix), prefix, value);
            return;
        }
        int k = 0;
        while ((item = fy_node_sequence_iterate(node, &it)) != NULL) {
            if (snprintf(key, sizeof key, "%s[%d]", prefix, k++) >= (int)sizeof key)
                continue; /* a key path this long is not a setting anyone reads */
            flatten(w, station, grp ? grp : group_of(prefix), key, item, depth + 1);
        }
        return;
    }
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(node, &it)) != NULL) {
        char k[256];
        if (!scalar_text(fy_node_pair_key(pair), k, sizeof k))
            continue;
        if (depth == 0 && strcmp(k, "name") == 0)
            continue;
        if (snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", k) >= (int)sizeof key)
            continue;
        /* a dew point is an ambient condition wherever it is written */
        const char *g = is_ambient_key(k) ? "ambient" : grp;
        flatten(w, station, g ? g : (depth == 0 ? group_of(key) : NULL), key,
                fy_node_pair_value(pair), depth + 1);
    }
}

static int station_by_name(const ct_factory *f, const char *name)
{
    for (int i = 0; i < f->n_stations; i++)
        if (strcmp(f->stations[i].name, name) == 0)
            return i;
    return -1;
}

/* Settings from the factory file's own text, as written (with units). */
static void settings_from_text(setting_writer *w, const ct_factory *f, const char *text, size_t len)
{
    ct_error ignored;
    cti_yaml_ctx y = {f->path, &ignored, NULL};
    cti_yaml_doc doc;
    if (cti_yaml_open(&y, text, len, "a mapping", &doc) == CT_OK) {
        void *it = NULL;
        struct fy_node_pair *pair;
        while ((pair = fy_node_mapping_iterate(doc.root, &it)) != NULL) {
            char k[256];
            if (!scalar_text(fy_node_pair_key(pair), k, sizeof k))
                continue;
            struct fy_node *v = fy_node_pair_value(pair);
            if (strcmp(k, "stations") == 0 && v && fy_node_get_type(v) == FYNT_SEQUENCE) {
                void *sit = NULL;
                struct fy_node *st;
                int i = 0;
                while ((st = fy_node_sequence_iterate(v, &sit)) != NULL) {
                    char name[CTI_NAME_MAX] = "";
                    if (fy_node_get_type(st) == FYNT_MAPPING)
                        scalar_text(fy_node_mapping_lookup_by_string(st, "name", -1), name,
                                    sizeof name);
                    int idx = station_by_name(f, name);
                    flatten(w, idx >= 0 ? idx : i, NULL, "", st, 0);
                    i++;
                }
            } else if (is_ambient_key(k) || strcmp(k, "environment") == 0) {
                flatten(w, -1, "ambient", k, v, 1);
            }
        }
    }
    cti_yaml_close(&doc);
}

/* Settings from the loaded factory when its file cannot be read (a
 * factory loaded from a string): the station's settings; its process
 * parameters come from its kind (settings_from_kinds). */
static void settings_from_factory(setting_writer *w, const ct_factory *f)
{
    char v[256];
    for (int i = 0; i < f->n_stations; i++) {
        const cti_station *s = &f->stations[i];
        snprintf(v, sizeof v, "%d", s->servers);
        put_setting(w, i, "equipment", "servers", v);
        if (s->buffer == CTI_BUFFER_INF)
            snprintf(v, sizeof v, ".inf");
        else
            snprintf(v, sizeof v, "%ld", s->buffer);
        put_setting(w, i, "equipment", "buffer", v);
        ct_dist_format(&s->process_time, v, sizeof v);
        put_setting(w, i, "process", "process_time", v);
        if (s->kind) {
            put_setting(w, i, "process", "kind", s->kind->name);
        }
    }
}

/* One effective parameter of station w->station (describe's emit): a
 * 'model' row "process.KEY", unless the file wrote the key (its 'file'
 * row stands). */
static void put_described(void *ctx, const char *key, const char *text)
{
    setting_writer *w = ctx;
    char path[CTI_YAML_PATH_MAX];
    if (snprintf(path, sizeof path, "process.%s", key) >= (int)sizeof path)
        return;   /* no key of a kind is this long */
    if (w->written) {
        sqlite3_bind_int64(w->written, 1, w->factory_id);
        sqlite3_bind_int(w->written, 2, w->station);
        sqlite3_bind_text(w->written, 3, path, -1, SQLITE_STATIC);
        int rc = sqlite3_step(w->written);
        sqlite3_reset(w->written);
        if (rc == SQLITE_ROW)
            return;
        if (rc != SQLITE_DONE) {
            w->failed = true;
            return;
        }
    }
    put_setting(w, w->station, is_ambient_key(key) ? "ambient" : "process", path, text);
}

/* The effective process parameters of every station with a kind, as
 * 'model' rows where the file did not write them. */
static void settings_from_kinds(setting_writer *w, const ct_factory *f)
{
    w->source = "model";
    for (int i = 0; i < f->n_stations && !w->failed; i++) {
        const cti_station *s = &f->stations[i];
        if (!s->kind || !s->kind->describe || !s->kind_params)
            continue;
        w->station = i;
        s->kind->describe(s->kind_params, put_described, w);
    }
}

static const char *form_name(cti_form form)
{
    switch (form) {
    case CTI_FORM_BATCH: return "batch";
    case CTI_FORM_COIL: return "coil";
    case CTI_FORM_CELL: return "cell";
    default: return NULL;
    }
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *t)
{
    if (t)
        sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static void bind_real_or_null(sqlite3_stmt *s, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

ct_status cti_trace_store_factory(sqlite3 *db, const char *path, const ct_factory *f,
                                  int64_t *factory_id, ct_error *err)
{
    char *text = NULL;
    size_t len = 0;
    ct_error ignored;
    if (cti_yaml_read_file(f->path, &text, &len, &ignored) != CT_OK) {
        free(text);
        text = NULL;
    }
    /* The hash covers the text when there is one, else the name. */
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx",
             (unsigned long long)(text ? fnv1a(text, len) : fnv1a(f->name, strlen(f->name)) ^ 1));
    ct_status st = CT_ERR_DB;
    sqlite3_stmt *q = NULL;
    setting_writer w = {NULL, NULL, 0, "file", -1, false};
    if (sqlite3_prepare_v2(db, "SELECT factory_id FROM factory WHERE text_hash = ? AND name = ?", -1,
                           &q, NULL))
        goto cleanup;
    sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, f->name, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW && text) {
        *factory_id = sqlite3_column_int64(q, 0);
        st = CT_OK;
        goto cleanup;
    }
    sqlite3_finalize(q);
    q = NULL;

    if (sqlite3_prepare_v2(db, "INSERT INTO factory(name, path, text, text_hash) VALUES(?,?,?,?)", -1,
                           &q, NULL))
        goto cleanup;
    sqlite3_bind_text(q, 1, f->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, f->path, -1, SQLITE_STATIC);
    if (text)
        sqlite3_bind_text(q, 3, text, (int)len, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 3);
    sqlite3_bind_text(q, 4, hash, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        goto cleanup;
    *factory_id = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(q);
    q = NULL;

    if (sqlite3_prepare_v2(db,
                           "INSERT INTO station VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &q,
                           NULL))
        goto cleanup;
    for (int i = 0; i < f->n_stations; i++) {
        const cti_station *s = &f->stations[i];
        char pt[256], mtbf[256], mttr[256];
        ct_dist_format(&s->process_time, pt, sizeof pt);
        if (s->has_failures) {
            ct_dist_format(&s->mtbf, mtbf, sizeof mtbf);
            ct_dist_format(&s->mttr, mttr, sizeof mttr);
        }
        sqlite3_bind_int64(q, 1, *factory_id);
        sqlite3_bind_int(q, 2, i);
        sqlite3_bind_text(q, 3, s->name, -1, SQLITE_STATIC);
        bind_text_or_null(q, 4, s->kind ? s->kind->name : NULL);
        sqlite3_bind_int(q, 5, s->servers);
        if (s->buffer == CTI_BUFFER_INF)
            sqlite3_bind_null(q, 6);
        else
            sqlite3_bind_int64(q, 6, s->buffer);
        sqlite3_bind_int(q, 7, s->batch_size);
        sqlite3_bind_int(q, 8, s->batch_min);
        bind_real_or_null(q, 9, s->batch_max_wait_s >= 0 ? s->batch_max_wait_s : NAN);
        sqlite3_bind_text(q, 10, pt, -1, SQLITE_TRANSIENT);
        bind_text_or_null(q, 11, s->has_failures ? mtbf : NULL);
        bind_text_or_null(q, 12, s->has_failures ? mttr : NULL);
        sqlite3_bind_double(q, 13, s->scrap_p);
        sqlite3_bind_double(q, 14, s->rework_p);
        bind_text_or_null(q, 15, s->n_consumes > 0 ? form_name(s->makes) : NULL);
        sqlite3_bind_int(q, 16, s->splits);
        sqlite3_bind_double(q, 17, s->value_added_usd);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto cleanup;
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    q = NULL;

    if (sqlite3_prepare_v2(db, "INSERT INTO material VALUES(?,?,?,?,?,?)", -1, &q, NULL))
        goto cleanup;
    for (int i = 0; i < f->n_materials; i++) {
        const cti_material_supply *m = &f->materials[i];
        sqlite3_bind_int64(q, 1, *factory_id);
        sqlite3_bind_int(q, 2, i);
        sqlite3_bind_text(q, 3, m->name, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 4, m->price_usd_kg);
        sqlite3_bind_double(q, 5, m->lot_kg);
        sqlite3_bind_int(q, 6, m->active);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto cleanup;
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    q = NULL;

    static const char *const actions[] = {"scrap", "rework", "hold"};
    if (sqlite3_prepare_v2(db, "INSERT INTO gate VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &q, NULL))
        goto cleanup;
    for (int i = 0; i < f->n_gates; i++) {
        const cti_gate *g = &f->gates[i];
        const char *attr = g->on_cell ? ct_cell_attr_names[g->attr] : ct_material_attr_names[g->attr];
        const char *unit = g->on_cell ? ct_cell_attr_unit(g->attr) : ct_material_attr_unit(g->attr);
        sqlite3_bind_int64(q, 1, *factory_id);
        sqlite3_bind_int(q, 2, i);
        sqlite3_bind_text(q, 3, g->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 4, g->station);
        sqlite3_bind_int(q, 5, g->on_cell);
        sqlite3_bind_text(q, 6, attr, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, unit, -1, SQLITE_STATIC);
        bind_text_or_null(q, 8, g->method[0] ? g->method : NULL);
        sqlite3_bind_double(q, 9, g->sample);
        sqlite3_bind_double(q, 10, g->noise_sd);
        bind_real_or_null(q, 11, g->lsl);
        bind_real_or_null(q, 12, g->usl);
        sqlite3_bind_text(q, 13, actions[g->action <= CTI_GATE_HOLD ? g->action : 0], -1,
                          SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto cleanup;
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    q = NULL;

    if (sqlite3_prepare_v2(db, "INSERT INTO setting VALUES(?,?,?,?,?,?)", -1, &w.ins, NULL) ||
        sqlite3_prepare_v2(db,
                           "SELECT 1 FROM setting WHERE factory_id = ? AND station_idx = ? AND "
                           "key = ? AND source = 'file'",
                           -1, &w.written, NULL))
        goto cleanup;
    w.factory_id = *factory_id;
    if (text) {
        settings_from_text(&w, f, text, len);
    } else {
        w.source = "model";
        settings_from_factory(&w, f);
    }
    settings_from_kinds(&w, f);
    if (w.failed)
        goto cleanup;
    st = CT_OK;
cleanup:
    if (st != CT_OK)
        ct_error_set(err, CT_ERR_DB, "%s: cannot store the factory: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(q);
    sqlite3_finalize(w.ins);
    sqlite3_finalize(w.written);
    free(text);
    return st;
}
