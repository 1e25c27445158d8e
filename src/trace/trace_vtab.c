/*
 * trace_vtab.c - SQL functions of the trace readers: the table-valued
 * functions ct_passages(history [, run_id]), ct_measurements(history
 * [, run_id]) and ct_pieces(history [, run_id]), which decode a cell's
 * history BLOB into rows (with station and gate names when the run is
 * given), ct_feature(features, i), a cell's product feature i, and
 * ct_defects(bits), the names of defect bits. Registered on read-only connections by trace_read.c, so
 * `celltwin query` can join a cell's passages like a table:
 *   SELECT c.serial, p.* FROM cell c, ct_passages(c.history, c.run_id) p
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_internal.h"

enum { VT_PASSAGES, VT_MEASUREMENTS, VT_PIECES };

/* Names for one run's factory, loaded on demand. */
typedef struct name_cache {
    int64_t run_id;          /* -1: none loaded */
    int n_stations;
    char **stations;
    int n_materials;
    char **materials;
    int n_gates;
    struct gate_info {
        char *name, *attribute, *unit;
        int station;
        double lsl, usl;
        int has_lsl, has_usl;
    } *gates;
} name_cache;

typedef struct vt {
    sqlite3_vtab base;
    sqlite3 *db;
    int which;
    name_cache names;
} vt;

typedef struct vt_cursor {
    sqlite3_vtab_cursor base;
    uint8_t *blob;
    size_t len;
    cti_hist_iter it;
    cti_hist_rec rec;
    int64_t seq;
    int64_t run_id;
    int eof;
} vt_cursor;

static const char passages_schema[] =
    "CREATE TABLE x(seq INTEGER, station_idx INTEGER, station TEXT, server INTEGER, "
    "start_s REAL, end_s REAL, history HIDDEN, run_id HIDDEN)";
static const char measurements_schema[] =
    "CREATE TABLE x(seq INTEGER, gate_idx INTEGER, gate TEXT, station TEXT, attribute TEXT, "
    "unit TEXT, value REAL, lsl REAL, usl REAL, decision TEXT, time_s REAL, history HIDDEN, "
    "run_id HIDDEN)";
static const char pieces_schema[] =
    "CREATE TABLE x(seq INTEGER, maker_idx INTEGER, maker TEXT, coil_number INTEGER, lane INTEGER, "
    "polarity TEXT, from_m REAL, to_m REAL, history HIDDEN, run_id HIDDEN)";
#define P_HISTORY 6
#define M_HISTORY 11
#define C_HISTORY 8

static const char *const vt_names[] = {"ct_passages", "ct_measurements", "ct_pieces"};
static const char *const vt_schemas[] = {passages_schema, measurements_schema, pieces_schema};
static const int vt_history[] = {P_HISTORY, M_HISTORY, C_HISTORY};
static const int vt_tags[] = {CTI_HIST_PASSAGE, CTI_HIST_MEASUREMENT, CTI_HIST_PIECE};

static void names_clear(name_cache *c)
{
    for (int i = 0; i < c->n_stations; i++)
        free(c->stations[i]);
    free(c->stations);
    for (int i = 0; i < c->n_materials; i++)
        free(c->materials[i]);
    free(c->materials);
    for (int i = 0; i < c->n_gates; i++) {
        free(c->gates[i].name);
        free(c->gates[i].attribute);
        free(c->gates[i].unit);
    }
    free(c->gates);
    memset(c, 0, sizeof *c);
    c->run_id = -1;
}

static char *dup_col(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? strdup(t) : NULL;
}

/* Names by index (stations, materials) of a run's factory: sql selects
 * (idx, name) for the run. Gaps stay NULL. */
static void load_names(sqlite3 *db, const char *sql, int64_t run_id, char ***names, int *n_names)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, run_id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            int idx = sqlite3_column_int(s, 0);
            if (idx < 0 || idx > 100000)
                continue;
            if (idx >= *n_names) {
                char **n = realloc(*names, (size_t)(idx + 1) * sizeof *n);
                if (!n)
                    break;
                for (int i = *n_names; i <= idx; i++)
                    n[i] = NULL;
                *names = n;
                *n_names = idx + 1;
            }
            (*names)[idx] = dup_col(s, 1);
        }
    }
    sqlite3_finalize(s);
}

static void names_load(vt *v, int64_t run_id)
{
    name_cache *c = &v->names;
    if (c->run_id == run_id)
        return;
    names_clear(c);
    c->run_id = run_id;
    load_names(v->db,
               "SELECT st.station_idx, st.name FROM run r JOIN station st USING(factory_id) "
               "WHERE r.run_id = ? ORDER BY st.station_idx",
               run_id, &c->stations, &c->n_stations);
    load_names(v->db,
               "SELECT m.material_idx, m.name FROM run r JOIN material m USING(factory_id) "
               "WHERE r.run_id = ? ORDER BY m.material_idx",
               run_id, &c->materials, &c->n_materials);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(v->db,
                           "SELECT g.gate_idx, g.name, g.attribute, g.unit, g.station_idx, g.lsl, "
                           "g.usl FROM run r JOIN gate g USING(factory_id) WHERE r.run_id = ? "
                           "ORDER BY g.gate_idx",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, run_id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            int idx = sqlite3_column_int(s, 0);
            if (idx < 0 || idx > 100000)
                continue;
            if (idx >= c->n_gates) {
                struct gate_info *n = realloc(c->gates, (size_t)(idx + 1) * sizeof *n);
                if (!n)
                    break;
                memset(n + c->n_gates, 0, (size_t)(idx + 1 - c->n_gates) * sizeof *n);
                c->gates = n;
                c->n_gates = idx + 1;
            }
            struct gate_info *g = &c->gates[idx];
            g->name = dup_col(s, 1);
            g->attribute = dup_col(s, 2);
            g->unit = dup_col(s, 3);
            g->station = sqlite3_column_int(s, 4);
            g->has_lsl = sqlite3_column_type(s, 5) != SQLITE_NULL;
            g->lsl = sqlite3_column_double(s, 5);
            g->has_usl = sqlite3_column_type(s, 6) != SQLITE_NULL;
            g->usl = sqlite3_column_double(s, 6);
        }
    }
    sqlite3_finalize(s);
}

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err)
{
    (void)argc;
    (void)argv;
    (void)err;
    int which = (int)(intptr_t)aux;
    int rc = sqlite3_declare_vtab(db, vt_schemas[which]);
    if (rc != SQLITE_OK)
        return rc;
    vt *v = sqlite3_malloc(sizeof *v);
    if (!v)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    v->db = db;
    v->which = which;
    v->names.run_id = -1;
    *out = &v->base;
    return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *base)
{
    vt *v = (vt *)base;
    names_clear(&v->names);
    sqlite3_free(v);
    return SQLITE_OK;
}

/* The history argument is required; run_id is optional. */
static int vt_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
    vt *v = (vt *)base;
    int hist_col = vt_history[v->which];
    int hist = -1, run = -1;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (c->iColumn == hist_col) {
            if (!c->usable)
                return SQLITE_CONSTRAINT;
            hist = i;
        } else if (c->iColumn == hist_col + 1 && c->usable) {
            run = i;
        }
    }
    if (hist < 0) {
        sqlite3_free(base->zErrMsg);
        base->zErrMsg = sqlite3_mprintf("%s: expected a history BLOB argument", vt_names[v->which]);
        return SQLITE_ERROR;
    }
    info->aConstraintUsage[hist].argvIndex = 1;
    info->aConstraintUsage[hist].omit = 1;
    if (run >= 0) {
        info->aConstraintUsage[run].argvIndex = 2;
        info->aConstraintUsage[run].omit = 1;
    }
    info->idxNum = run >= 0;
    info->estimatedCost = 10;
    info->estimatedRows = 20;
    return SQLITE_OK;
}

static int vt_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
    (void)base;
    vt_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int vt_close(sqlite3_vtab_cursor *base)
{
    vt_cursor *c = (vt_cursor *)base;
    sqlite3_free(c->blob);
    sqlite3_free(c);
    return SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *base)
{
    vt_cursor *c = (vt_cursor *)base;
    vt *v = (vt *)base->pVtab;
    int want = vt_tags[v->which];
    for (;;) {
        int rc = cti_hist_next(&c->it, &c->rec);
        if (rc < 0) {
            sqlite3_free(v->base.zErrMsg);
            v->base.zErrMsg = sqlite3_mprintf("malformed history BLOB");
            return SQLITE_CORRUPT;
        }
        if (rc == 0) {
            c->eof = 1;
            return SQLITE_OK;
        }
        if (c->rec.tag == want || (want == CTI_HIST_PIECE && c->rec.tag == CTI_HIST_LOT)) {
            c->seq++;
            return SQLITE_OK;
        }
    }
}

static int vt_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
                     sqlite3_value **argv)
{
    (void)idx_str;
    vt_cursor *c = (vt_cursor *)base;
    vt *v = (vt *)base->pVtab;
    sqlite3_free(c->blob);
    c->blob = NULL;
    c->len = 0;
    c->seq = 0;
    c->eof = 0;
    c->run_id = -1;
    if (argc >= 1 && sqlite3_value_type(argv[0]) == SQLITE_BLOB) {
        int n = sqlite3_value_bytes(argv[0]);
        if (n > 0) {
            if (!(c->blob = sqlite3_malloc(n)))
                return SQLITE_NOMEM;
            memcpy(c->blob, sqlite3_value_blob(argv[0]), (size_t)n);
            c->len = (size_t)n;
        }
    }
    if (idx_num && argc >= 2 && sqlite3_value_type(argv[1]) == SQLITE_INTEGER) {
        c->run_id = sqlite3_value_int64(argv[1]);
        names_load(v, c->run_id);
    }
    cti_hist_begin(&c->it, c->blob, c->len);
    return vt_next(base);
}

static int vt_eof(sqlite3_vtab_cursor *base)
{
    return ((vt_cursor *)base)->eof;
}

static const char *station_name(vt *v, vt_cursor *c, int idx)
{
    if (c->run_id < 0 || idx < 0 || idx >= v->names.n_stations)
        return NULL;
    return v->names.stations[idx];
}

static const char *material_name(vt *v, vt_cursor *c, int idx)
{
    if (c->run_id < 0 || idx < 0 || idx >= v->names.n_materials)
        return NULL;
    return v->names.materials[idx];
}

static int vt_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col)
{
    vt_cursor *c = (vt_cursor *)base;
    vt *v = (vt *)base->pVtab;
    const cti_hist_rec *r = &c->rec;
    if (v->which == VT_PIECES) {
        switch (col) {
        case 0: sqlite3_result_int64(ctx, c->seq); break;
        case 1: sqlite3_result_int(ctx, r->maker); break;
        case 2: {
            const char *n = r->tag == CTI_HIST_LOT ? material_name(v, c, r->maker)
                                                   : station_name(v, c, r->maker);
            if (n)
                sqlite3_result_text(ctx, n, -1, SQLITE_TRANSIENT);
            else
                sqlite3_result_null(ctx);
            break;
        }
        case 3: sqlite3_result_int64(ctx, (sqlite3_int64)r->coil); break;
        case 4: sqlite3_result_int(ctx, r->lane); break;
        case 5:
            sqlite3_result_text(ctx, r->tag == CTI_HIST_LOT ? "lot" : r->anode ? "anode" : "cathode", -1,
                                SQLITE_STATIC);
            break;
        case 6: sqlite3_result_double(ctx, r->from_m); break;
        case 7: sqlite3_result_double(ctx, r->to_m); break;
        default: sqlite3_result_null(ctx); break;
        }
        return SQLITE_OK;
    }
    if (v->which == VT_PASSAGES) {
        switch (col) {
        case 0: sqlite3_result_int64(ctx, c->seq); break;
        case 1: sqlite3_result_int(ctx, r->station); break;
        case 2: {
            const char *n = station_name(v, c, r->station);
            if (n)
                sqlite3_result_text(ctx, n, -1, SQLITE_TRANSIENT);
            else
                sqlite3_result_null(ctx);
            break;
        }
        case 3: sqlite3_result_int(ctx, r->server); break;
        case 4: sqlite3_result_double(ctx, r->start_s); break;
        case 5: sqlite3_result_double(ctx, r->end_s); break;
        default: sqlite3_result_null(ctx); break;
        }
        return SQLITE_OK;
    }
    const struct gate_info *g =
        c->run_id >= 0 && r->gate >= 0 && r->gate < v->names.n_gates ? &v->names.gates[r->gate] : NULL;
    switch (col) {
    case 0: sqlite3_result_int64(ctx, c->seq); break;
    case 1: sqlite3_result_int(ctx, r->gate); break;
    case 2:
        if (g && g->name)
            sqlite3_result_text(ctx, g->name, -1, SQLITE_TRANSIENT);
        else
            sqlite3_result_null(ctx);
        break;
    case 3: {
        const char *n = g ? station_name(v, c, g->station) : NULL;
        if (n)
            sqlite3_result_text(ctx, n, -1, SQLITE_TRANSIENT);
        else
            sqlite3_result_null(ctx);
        break;
    }
    case 4:
    case 5: {
        const char *t = g ? (col == 4 ? g->attribute : g->unit) : NULL;
        if (t)
            sqlite3_result_text(ctx, t, -1, SQLITE_TRANSIENT);
        else
            sqlite3_result_null(ctx);
        break;
    }
    case 6: sqlite3_result_double(ctx, r->value); break;
    case 7:
        if (g && g->has_lsl)
            sqlite3_result_double(ctx, g->lsl);
        else
            sqlite3_result_null(ctx);
        break;
    case 8:
        if (g && g->has_usl)
            sqlite3_result_double(ctx, g->usl);
        else
            sqlite3_result_null(ctx);
        break;
    case 9: sqlite3_result_text(ctx, cti_trace_decision_name(r->decision), -1, SQLITE_STATIC); break;
    case 10: sqlite3_result_double(ctx, r->time_s); break;
    default: sqlite3_result_null(ctx); break;
    }
    return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *base, sqlite_int64 *rowid)
{
    *rowid = ((vt_cursor *)base)->seq;
    return SQLITE_OK;
}

static const sqlite3_module module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous-only: usable as a function, not CREATE VIRTUAL TABLE */
    .xConnect = vt_connect,
    .xBestIndex = vt_best_index,
    .xDisconnect = vt_disconnect,
    .xDestroy = vt_disconnect,
    .xOpen = vt_open,
    .xClose = vt_close,
    .xFilter = vt_filter,
    .xNext = vt_next,
    .xEof = vt_eof,
    .xColumn = vt_column,
    .xRowid = vt_rowid,
};

static void defects_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_int64 bits = sqlite3_value_int64(argv[0]);
    char buf[512];
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < ct_defect_count && i < 62; i++)
        if (bits & ((sqlite3_int64)1 << i))
            n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s",
                                  n ? "," : "", ct_defect_names[i]);
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

/* ct_feature(features, i): attribute i of a cell's features BLOB
 * (float32, little-endian), NULL when absent or not a number. */
static void feature_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int i = sqlite3_value_int(argv[1]);
    int n = sqlite3_value_type(argv[0]) == SQLITE_BLOB ? sqlite3_value_bytes(argv[0]) : 0;
    const uint8_t *p = n ? sqlite3_value_blob(argv[0]) : NULL;
    if (!p || i < 0 || 4 * (i + 1) > n) {
        sqlite3_result_null(ctx);
        return;
    }
    float v = cti_feature_at(p, i);
    if (isfinite(v))
        sqlite3_result_double(ctx, v);
    else
        sqlite3_result_null(ctx);
}

int cti_trace_register_functions(sqlite3 *db)
{
    int rc = SQLITE_OK;
    for (int i = VT_PASSAGES; i <= VT_PIECES && rc == SQLITE_OK; i++)
        rc = sqlite3_create_module(db, vt_names[i], &module, (void *)(intptr_t)i);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "ct_feature", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                     feature_fn, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "ct_defects", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                     defects_fn, NULL, NULL);
    return rc;
}
