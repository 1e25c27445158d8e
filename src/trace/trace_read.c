/*
 * trace_read.c - reading a trace database: opening it read-only with its
 * version checked, result tables, a cell's genealogy report (backward:
 * from the cell down to the raw-material lots, with the process
 * parameters of the stations it and its units passed), the recalls (forward: from
 * a coil, batch, lot or station and time to every cell affected) and
 * read-only SQL.
 *
 * Both directions follow the same links - a cell's pieces of coil (in
 * its history, and reversed per coil lane in coil_cells), a unit's pieces
 * of inputs (unit_input) - so a cell is returned by a recall of a unit
 * exactly when its genealogy names that unit. Recalls collect matching
 * cells in a temporary table and read them with one join, using the
 * indexes on the links (coil_cells_coil, unit_input_source) and the
 * station index (passage_bucket).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trace/trace_internal.h"

/* ---- tables ------------------------------------------------------------------- */

typedef struct tval {
    ct_trace_type type;
    long long i;
    double r;
    char *text;      /* TEXT, or the formatted number once asked for */
} tval;

struct ct_trace_table {
    size_t ncols, nrows, cap;
    char **names;
    tval *v;         /* nrows x ncols */
};

static ct_trace_table *table_new(size_t ncols, const char *const *names)
{
    ct_trace_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    if (!(t->names = calloc(ncols ? ncols : 1, sizeof *t->names))) {
        free(t);
        return NULL;
    }
    for (size_t i = 0; i < ncols; i++)
        if (!(t->names[i] = strdup(names[i] ? names[i] : ""))) {
            ct_trace_table_destroy(t);
            return NULL;
        }
    return t;
}

void ct_trace_table_destroy(ct_trace_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->v[i].text);
    free(t->v);
    for (size_t i = 0; i < t->ncols; i++)
        free(t->names[i]);
    free(t->names);
    free(t);
}

/* A new row of NULLs; NULL when out of memory. */
static tval *table_row(ct_trace_table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        tval *v = realloc(t->v, cap * t->ncols * sizeof *v);
        if (!v && t->ncols)
            return NULL;
        t->v = v;
        t->cap = cap;
    }
    tval *row = &t->v[t->nrows * t->ncols];
    memset(row, 0, t->ncols * sizeof *row);
    t->nrows++;
    return row;
}

static bool set_text(tval *v, const char *s)
{
    free(v->text);
    v->text = NULL;
    v->type = CT_TRACE_NULL;
    if (!s)
        return true;
    if (!(v->text = strdup(s)))
        return false;
    v->type = CT_TRACE_TEXT;
    return true;
}

static void set_int(tval *v, long long i)
{
    v->type = CT_TRACE_INT;
    v->i = i;
}

static void set_real(tval *v, double r)
{
    if (isfinite(r)) {
        v->type = CT_TRACE_REAL;
        v->r = r;
    }
}

/* Copies column i of a statement's current row. */
static bool set_from_stmt(tval *v, sqlite3_stmt *s, int i)
{
    switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER: set_int(v, sqlite3_column_int64(s, i)); return true;
    case SQLITE_FLOAT: set_real(v, sqlite3_column_double(s, i)); return true;
    case SQLITE_NULL: return true;
    case SQLITE_BLOB: {
        char buf[64];
        snprintf(buf, sizeof buf, "<BLOB %d bytes>", sqlite3_column_bytes(s, i));
        return set_text(v, buf);
    }
    default: return set_text(v, (const char *)sqlite3_column_text(s, i));
    }
}

size_t ct_trace_table_cols(const ct_trace_table *t)
{
    return t->ncols;
}

size_t ct_trace_table_rows(const ct_trace_table *t)
{
    return t->nrows;
}

const char *ct_trace_table_name(const ct_trace_table *t, size_t col)
{
    return col < t->ncols ? t->names[col] : NULL;
}

int ct_trace_table_col(const ct_trace_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0)
            return (int)i;
    return -1;
}

static const tval *cell_at(const ct_trace_table *t, size_t row, size_t col)
{
    return row < t->nrows && col < t->ncols ? &t->v[row * t->ncols + col] : NULL;
}

ct_trace_type ct_trace_table_type(const ct_trace_table *t, size_t row, size_t col)
{
    const tval *v = cell_at(t, row, col);
    return v ? v->type : CT_TRACE_NULL;
}

long long ct_trace_table_int(const ct_trace_table *t, size_t row, size_t col)
{
    const tval *v = cell_at(t, row, col);
    if (!v)
        return 0;
    return v->type == CT_TRACE_INT ? v->i : v->type == CT_TRACE_REAL ? (long long)v->r
           : v->type == CT_TRACE_TEXT ? strtoll(v->text, NULL, 10)
                                      : 0;
}

double ct_trace_table_real(const ct_trace_table *t, size_t row, size_t col)
{
    const tval *v = cell_at(t, row, col);
    if (!v)
        return NAN;
    return v->type == CT_TRACE_REAL ? v->r : v->type == CT_TRACE_INT ? (double)v->i
           : v->type == CT_TRACE_TEXT ? strtod(v->text, NULL)
                                      : NAN;
}

const char *ct_trace_table_text(const ct_trace_table *t, size_t row, size_t col)
{
    tval *v = (tval *)cell_at(t, row, col);
    if (!v || v->type == CT_TRACE_NULL)
        return NULL;
    if (!v->text) {
        char buf[64];
        if (v->type == CT_TRACE_INT)
            snprintf(buf, sizeof buf, "%lld", v->i);
        else
            snprintf(buf, sizeof buf, "%.17g", v->r);
        v->text = strdup(buf);
    }
    return v->text;
}

/* ---- reports ------------------------------------------------------------------ */

#define REPORT_MAX 8
struct ct_trace_report {
    size_t n;
    char *names[REPORT_MAX];
    ct_trace_table *tables[REPORT_MAX];
};

size_t ct_trace_report_sections(const ct_trace_report *r)
{
    return r->n;
}

const char *ct_trace_report_section(const ct_trace_report *r, size_t i)
{
    return i < r->n ? r->names[i] : NULL;
}

const ct_trace_table *ct_trace_report_table(const ct_trace_report *r, size_t i)
{
    return i < r->n ? r->tables[i] : NULL;
}

void ct_trace_report_destroy(ct_trace_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->names[i]);
        ct_trace_table_destroy(r->tables[i]);
    }
    free(r);
}

static bool report_add(ct_trace_report *r, const char *name, ct_trace_table *t)
{
    if (!t || r->n == REPORT_MAX || !(r->names[r->n] = strdup(name))) {
        ct_trace_table_destroy(t);
        return false;
    }
    r->tables[r->n++] = t;
    return true;
}

/* ---- opening ------------------------------------------------------------------ */

static ct_status db_error(ct_trace_db *d, ct_error *err)
{
    return ct_error_set(err, CT_ERR_DB, "%s: %s", d->path, sqlite3_errmsg(d->db));
}

static ct_status nomem(ct_trace_db *d, ct_error *err)
{
    return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", d->path);
}

ct_status ct_trace_db_open(const char *path, ct_trace_db **out, ct_error *err)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return ct_error_set(err, CT_ERR_IO, "%s: cannot open the trace database: %s", path,
                            strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return ct_error_set(err, CT_ERR_IO, "%s: not a regular file", path);
    ct_trace_db *d = calloc(1, sizeof *d);
    if (!d || !(d->path = strdup(path))) {
        free(d);
        return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
    }
    ct_status st;
    int rc = sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        st = ct_error_set(err, CT_ERR_IO, "%s: cannot open the trace database: %s", path,
                          d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_busy_timeout(d->db, 5000);
    /* No other database may be attached: the connection reads this one. */
    sqlite3_limit(d->db, SQLITE_LIMIT_ATTACHED, 0);
    if ((st = cti_trace_schema_check(d->db, path, err)) != CT_OK)
        goto fail;
    if (cti_trace_register_functions(d->db) != SQLITE_OK) {
        st = db_error(d, err);
        goto fail;
    }
    *out = d;
    return CT_OK;
fail:
    ct_trace_db_close(d);
    return st;
}

sqlite3 *cti_trace_db_sqlite(ct_trace_db *d)
{
    return d->db;
}

void ct_trace_db_close(ct_trace_db *d)
{
    if (!d)
        return;
    sqlite3_close(d->db);
    free(d->path);
    free(d);
}

/* Runs sql with the given int64 / text arguments ("i" / "t" / "d" / "n"
 * per character of types) and returns its rows as a table. */
static ct_status query_table(ct_trace_db *d, const char *sql, const char *types,
                             ct_trace_table **out, ct_error *err, ...)
{
    *out = NULL;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(d->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_error(d, err);
    va_list ap;
    va_start(ap, err);
    for (int i = 0; types[i]; i++) {
        switch (types[i]) {
        case 'i': sqlite3_bind_int64(s, i + 1, va_arg(ap, long long)); break;
        case 'd': sqlite3_bind_double(s, i + 1, va_arg(ap, double)); break;
        case 't': sqlite3_bind_text(s, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT); break;
        default: sqlite3_bind_null(s, i + 1); break;
        }
    }
    va_end(ap);
    int nc = sqlite3_column_count(s);
    const char *names[256];
    if (nc > 256)
        nc = 256;
    for (int i = 0; i < nc; i++)
        names[i] = sqlite3_column_name(s, i);
    ct_trace_table *t = table_new((size_t)nc, names);
    ct_status st = CT_OK;
    if (!t) {
        st = nomem(d, err);
        goto done;
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        tval *row = table_row(t);
        if (!row) {
            st = nomem(d, err);
            goto done;
        }
        for (int i = 0; i < nc; i++)
            if (!set_from_stmt(&row[i], s, i)) {
                st = nomem(d, err);
                goto done;
            }
    }
    if (rc != SQLITE_DONE)
        st = db_error(d, err);
done:
    sqlite3_finalize(s);
    if (st != CT_OK)
        ct_trace_table_destroy(t);
    else
        *out = t;
    return st;
}

/* ---- runs and names ------------------------------------------------------------ */

typedef cti_run_info run_info;

static void run_info_clear(run_info *r)
{
    for (int i = 0; i < r->n_stations; i++) {
        free(r->stations[i]);
        free(r->makes[i]);
    }
    for (int i = 0; i < r->n_materials; i++)
        free(r->materials[i]);
    free(r->stations);
    free(r->makes);
    free(r->materials);
    memset(r, 0, sizeof *r);
}

static ct_status load_names(ct_trace_db *d, run_info *r, ct_error *err)
{
    sqlite3_stmt *s = NULL;
    ct_status st = CT_OK;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT coalesce(max(station_idx) + 1, 0) FROM station WHERE factory_id = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(d, err);
    sqlite3_bind_int64(s, 1, r->factory_id);
    r->n_stations = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(d->db,
                           "SELECT coalesce(max(material_idx) + 1, 0) FROM material WHERE factory_id = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(d, err);
    sqlite3_bind_int64(s, 1, r->factory_id);
    r->n_materials = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (r->n_stations < 0 || r->n_stations > 100000 || r->n_materials < 0 || r->n_materials > 100000)
        return ct_error_set(err, CT_ERR_DB, "%s: malformed station table", d->path);
    r->stations = calloc((size_t)r->n_stations + 1, sizeof *r->stations);
    r->makes = calloc((size_t)r->n_stations + 1, sizeof *r->makes);
    r->materials = calloc((size_t)r->n_materials + 1, sizeof *r->materials);
    if (!r->stations || !r->makes || !r->materials)
        return nomem(d, err);
    if (sqlite3_prepare_v2(d->db, "SELECT station_idx, name, makes FROM station WHERE factory_id = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(d, err);
    sqlite3_bind_int64(s, 1, r->factory_id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int i = sqlite3_column_int(s, 0);
        const char *n = (const char *)sqlite3_column_text(s, 1);
        const char *m = (const char *)sqlite3_column_text(s, 2);
        if (i < 0 || i >= r->n_stations)
            continue;
        if ((n && !(r->stations[i] = strdup(n))) || (m && !(r->makes[i] = strdup(m))))
            st = nomem(d, err);
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(d->db, "SELECT material_idx, name FROM material WHERE factory_id = ?", -1,
                           &s, NULL) != SQLITE_OK)
        return db_error(d, err);
    sqlite3_bind_int64(s, 1, r->factory_id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int i = sqlite3_column_int(s, 0);
        const char *n = (const char *)sqlite3_column_text(s, 1);
        if (i >= 0 && i < r->n_materials && n && !(r->materials[i] = strdup(n)))
            st = nomem(d, err);
    }
    sqlite3_finalize(s);
    return st;
}

/* The run with this code (NULL: the latest run). */
static ct_status find_run(ct_trace_db *d, const char *code, run_info *r, ct_error *err)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *s = NULL;
    char norm[32] = "";
    if (code) {
        snprintf(norm, sizeof norm, "%s", code);
        if (!cti_run_code_normalise(norm))
            return ct_error_set(err, CT_ERR_INVALID,
                                "\"%s\": expected a run code of 6 letters and digits such as "
                                "\"7KQ2MX\"",
                                code);
    }
    const char *sql = code ? "SELECT run_id, factory_id, code FROM run WHERE code = ?"
                           : "SELECT run_id, factory_id, code FROM run ORDER BY run_id DESC LIMIT 1";
    if (sqlite3_prepare_v2(d->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_error(d, err);
    if (code)
        sqlite3_bind_text(s, 1, norm, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        r->run_id = sqlite3_column_int64(s, 0);
        r->factory_id = sqlite3_column_int64(s, 1);
        snprintf(r->code, sizeof r->code, "%s", (const char *)sqlite3_column_text(s, 2));
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return load_names(d, r, err);
    if (rc != SQLITE_DONE)
        return db_error(d, err);
    if (code)
        return ct_error_set(err, CT_ERR_NOTFOUND, "%s: no run %s in the database (see: celltwin query %s "
                            "\"SELECT code FROM run\")",
                            d->path, norm, d->path);
    return ct_error_set(err, CT_ERR_NOTFOUND, "%s: the database holds no run", d->path);
}

ct_status cti_trace_find_run(ct_trace_db *d, const char *code, cti_run_info *r, ct_error *err)
{
    return find_run(d, code, r, err);
}

void cti_run_info_clear(cti_run_info *r)
{
    run_info_clear(r);
}

static const char *station_name(const run_info *r, int i)
{
    return i >= 0 && i < r->n_stations && r->stations[i] ? r->stations[i] : "?";
}

static const char *material_name(const run_info *r, int i)
{
    return i >= 0 && i < r->n_materials && r->materials[i] ? r->materials[i] : "?";
}

static void serial_text(const run_info *r, long long serial, char *buf, size_t len)
{
    snprintf(buf, len, "%s-%07lld", r->code, serial);
}

/* ---- unit names ------------------------------------------------------------------- */

/* A batch, coil or lot: kind, station (or material) index, number, lane
 * (-1: any). */
typedef struct ukey {
    int kind;          /* 1 batch, 2 coil, 3 lot */
    int idx;
    long long number;
    int lane;
} ukey;

static const char *const kind_text[] = {"item", "batch", "coil", "lot"};

static void ukey_text(const run_info *r, const ukey *k, char *buf, size_t len)
{
    const char *n = k->kind == 3 ? material_name(r, k->idx) : station_name(r, k->idx);
    if (k->kind == 2 && k->lane >= 0)
        snprintf(buf, len, "%s:%lld/%d", n, k->number, k->lane);
    else
        snprintf(buf, len, "%s:%lld", n, k->number);
}

/* Parses "NAME:NUMBER" or "NUMBER" as a unit of kind made by a station
 * (batch, coil) or a lot of a material. */
static ct_status parse_unit(ct_trace_db *d, const run_info *r, int kind, const char *text, ukey *k,
                            ct_error *err)
{
    const char *what = kind_text[kind];
    const char *colon = strrchr(text, ':');
    const char *num = colon ? colon + 1 : text;
    char *end;
    errno = 0;
    long long n = strtoll(num, &end, 10);
    if (!*num || *end || errno || n < 0)
        return ct_error_set(err, CT_ERR_INVALID,
                            "%s \"%s\": expected %s such as \"%s:3\" (%s and its number)", what,
                            text, kind == 3 ? "MATERIAL:LOT" : "STATION:NUMBER",
                            kind == 3 ? "am" : kind == 1 ? "mixer" : "coater",
                            kind == 3 ? "the material" : "the station that made it");
    k->kind = kind;
    k->number = n;
    k->lane = -1;
    k->idx = -1;
    char list[512] = "";
    size_t ln = 0;
    int count = 0, only = -1;
    int total = kind == 3 ? r->n_materials : r->n_stations;
    for (int i = 0; i < total; i++) {
        const char *name = kind == 3 ? r->materials[i] : r->stations[i];
        if (!name || (kind != 3 && (!r->makes[i] || strcmp(r->makes[i], what) != 0)))
            continue;
        if (colon && strlen(name) == (size_t)(colon - text) && strncmp(name, text, (size_t)(colon - text)) == 0)
            k->idx = i;
        only = i;
        count++;
        ln += (size_t)snprintf(list + ln, ln < sizeof list ? sizeof list - ln : 0, "%s%s",
                               count > 1 ? ", " : "", name);
    }
    if (ln >= sizeof list)
        snprintf(list + sizeof list - 5, 5, "...");
    if (!colon && count == 1)
        k->idx = only;
    if (k->idx >= 0)
        return CT_OK;
    if (count == 0)
        return ct_error_set(err, CT_ERR_NOTFOUND, "%s: run %s: no %s in this factory", d->path,
                            r->code, kind == 3 ? "material" : kind == 1 ? "station makes batches"
                                                                        : "station makes coils");
    if (!colon)
        return ct_error_set(err, CT_ERR_INVALID, "%s \"%s\": several %s (%s): write NAME:%lld", what,
                            text, kind == 3 ? "materials" : "stations make them", list, n);
    return ct_error_set(err, CT_ERR_NOTFOUND, "%s \"%s\": no %s \"%.*s\" in run %s (%s)", what, text,
                        kind == 3 ? "material" : "station making them", (int)(colon - text), text,
                        r->code, list);
}

/* ---- the genealogy --------------------------------------------------------------- */

static const char *const gen_cols[] = {"level", "kind", "id", "polarity", "from", "to",
                                       "measure", "status", "detail"};
enum { G_LEVEL, G_KIND, G_ID, G_POL, G_FROM, G_TO, G_MEASURE, G_STATUS, G_DETAIL, G_N };

typedef struct gen_ctx {
    ct_trace_db *d;
    const run_info *r;
    ct_trace_table *t;
    sqlite3_stmt *find_unit, *inputs, *spans;
    bool nomem;
    sqlite3_stmt *passages;   /* stations a unit passed */
    bool *passed;             /* by station index: a unit of the tree or the cell passed it */
} gen_ctx;

/* Marks station i as passed (indices outside the factory are ignored). */
static void mark_passed(gen_ctx *g, int i)
{
    if (g->passed && i >= 0 && i < g->r->n_stations)
        g->passed[i] = true;
}

static void defect_names(unsigned long long bits, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < ct_defect_count && i < 63; i++)
        if (bits & (1ull << i))
            n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "",
                                  ct_defect_names[i]);
}

/* Defects of unit_id over [from, to) on lane (coils), as "coating 1234-1256 m". */
static void span_detail(gen_ctx *g, int64_t unit_id, int lane, double from, double to, char *buf,
                        size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    sqlite3_stmt *s = g->spans;
    sqlite3_bind_int64(s, 1, unit_id);
    sqlite3_bind_double(s, 2, isfinite(to) ? to : 1e300);
    sqlite3_bind_double(s, 3, isfinite(from) ? from : -1e300);
    while (sqlite3_step(s) == SQLITE_ROW) {
        unsigned long long mask = (unsigned long long)sqlite3_column_int64(s, 2);
        if (lane >= 0 && lane < 64 && !(mask & (1ull << lane)))
            continue;
        char names[256];
        defect_names((unsigned long long)sqlite3_column_int64(s, 3), names, sizeof names);
        n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s %g-%g m%s", n ? "; " : "",
                              names, sqlite3_column_double(s, 0), sqlite3_column_double(s, 1),
                              sqlite3_column_int(s, 4) ? " (cut out)" : "");
    }
    sqlite3_reset(s);
}

static void gen_row(gen_ctx *g, int level, const char *kind, const char *id, const char *pol,
                    double from, double to, const char *measure, const char *status,
                    const char *detail)
{
    tval *row = table_row(g->t);
    if (!row) {
        g->nomem = true;
        return;
    }
    set_int(&row[G_LEVEL], level);
    if (!set_text(&row[G_KIND], kind) || !set_text(&row[G_ID], id) || !set_text(&row[G_POL], pol) ||
        !set_text(&row[G_MEASURE], measure) || !set_text(&row[G_STATUS], status) ||
        !set_text(&row[G_DETAIL], detail && *detail ? detail : NULL))
        g->nomem = true;
    set_real(&row[G_FROM], from);
    set_real(&row[G_TO], to);
}

/* Row and inputs of a batch or coil, depth first. */
static void gen_unit(gen_ctx *g, int level, const ukey *k, const char *pol, double from, double to)
{
    char id[256], detail[1024] = "", status[256] = "not recorded";
    ukey shown = *k;
    if (k->kind == 3) {
        ukey_text(g->r, k, id, sizeof id);
        gen_row(g, level, "lot", id, NULL, from, to, "kg", NULL, NULL);
        return;
    }
    sqlite3_stmt *s = g->find_unit;
    sqlite3_bind_int64(s, 1, g->r->run_id);
    sqlite3_bind_text(s, 2, kind_text[k->kind], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, k->idx);
    sqlite3_bind_int64(s, 4, k->number);
    sqlite3_bind_int(s, 5, k->lane < 0 ? 0 : k->lane);
    int64_t unit_id = -1;
    bool slit = false;
    if (sqlite3_step(s) == SQLITE_ROW) {
        unit_id = sqlite3_column_int64(s, 0);
        slit = sqlite3_column_int(s, 1) != 0;
        const char *st = (const char *)sqlite3_column_text(s, 2);
        const char *cause = (const char *)sqlite3_column_text(s, 3);
        snprintf(status, sizeof status, "%s%s%s", st ? st : "", cause ? ": " : "", cause ? cause : "");
    } else {
        snprintf(status, sizeof status, "not recorded (still in the line when the trace ended)");
    }
    sqlite3_reset(s);
    if (k->kind == 2 && !slit && k->lane == 0)
        shown.lane = -1;
    ukey_text(g->r, &shown, id, sizeof id);
    if (unit_id >= 0) {
        span_detail(g, unit_id, k->kind == 2 && slit ? k->lane : -1, from, to, detail, sizeof detail);
        mark_passed(g, k->idx);   /* its maker */
        sqlite3_bind_int64(g->passages, 1, unit_id);
        while (sqlite3_step(g->passages) == SQLITE_ROW)
            mark_passed(g, sqlite3_column_int(g->passages, 0));
        sqlite3_reset(g->passages);
    }
    gen_row(g, level, kind_text[k->kind], id, pol, from, to, k->kind == 2 ? "m" : "kg", status,
            detail);
    if (unit_id < 0 || level > 16)
        return;
    /* the inputs, read before recursing (the statement is reused) */
    struct in_piece {
        ukey k;
        char pol[8];
        double from, to;
    } *pieces = NULL;
    int n = 0, cap = 0;
    s = g->inputs;
    sqlite3_bind_int64(s, 1, unit_id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            struct in_piece *p = realloc(pieces, (size_t)cap * sizeof *p);
            if (!p) {
                g->nomem = true;
                break;
            }
            pieces = p;
        }
        const char *ik = (const char *)sqlite3_column_text(s, 0);
        struct in_piece *p = &pieces[n++];
        p->k.kind = ik && strcmp(ik, "lot") == 0 ? 3 : ik && strcmp(ik, "coil") == 0 ? 2 : 1;
        p->k.idx = sqlite3_column_int(s, 1);
        p->k.number = sqlite3_column_int64(s, 2);
        p->k.lane = sqlite3_column_int(s, 3);
        const char *pp = (const char *)sqlite3_column_text(s, 4);
        snprintf(p->pol, sizeof p->pol, "%s", pp ? pp : "");
        p->from = sqlite3_column_double(s, 5);
        p->to = sqlite3_column_double(s, 6);
    }
    sqlite3_reset(s);
    for (int i = 0; i < n && !g->nomem; i++)
        gen_unit(g, level + 1, &pieces[i].k, pieces[i].pol[0] ? pieces[i].pol : NULL, pieces[i].from,
                 pieces[i].to);
    free(pieces);
}

/* ---- serials ---------------------------------------------------------------- */

bool cti_trace_serial_split(const char *text, char code[CTI_RUN_CODE_LEN + 1], long long *number)
{
    const char *dash = strrchr(text, '-');
    const char *num = dash ? dash + 1 : text;
    char *end;
    errno = 0;
    long long n = strtoll(num, &end, 10);
    if (!*num || *end || errno || n <= 0 || (dash && dash - text != CTI_RUN_CODE_LEN))
        return false;
    *number = n;
    code[0] = '\0';
    if (dash) {
        memcpy(code, text, CTI_RUN_CODE_LEN);
        code[CTI_RUN_CODE_LEN] = '\0';
    }
    return true;
}

static ct_status parse_serial(ct_trace_db *d, const char *text, run_info *r, long long *serial,
                              ct_error *err)
{
    char code[CTI_RUN_CODE_LEN + 1];
    if (!cti_trace_serial_split(text, code, serial))
        return ct_error_set(err, CT_ERR_INVALID,
                            "serial \"%s\": expected RUNCODE-NUMBER such as \"7KQ2MX-0001234\"", text);
    long long n = *serial;
    if (code[0]) {
        ct_status st = find_run(d, code, r, err);
        if (st == CT_ERR_INVALID)
            return ct_error_set(err, CT_ERR_INVALID,
                                "serial \"%s\": expected RUNCODE-NUMBER such as \"7KQ2MX-0001234\"",
                                text);
        return st;
    }
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(d->db, "SELECT count(*) FROM run", -1, &s, NULL) != SQLITE_OK)
        return db_error(d, err);
    int runs = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (runs > 1)
        return ct_error_set(err, CT_ERR_INVALID,
                            "serial \"%s\" is ambiguous: %s holds %d runs; write RUNCODE-%lld", text,
                            d->path, runs, n);
    return find_run(d, NULL, r, err);
}

/* ---- the cell report ------------------------------------------------------------ */

static ct_trace_table *cell_section(ct_trace_db *d, const run_info *r, sqlite3_stmt *s, int ncols)
{
    const char *names[128];
    int n = 0;
    names[n++] = "serial";
    names[n++] = "run";
    for (int i = 2; i < ncols && n < 128; i++)
        names[n++] = sqlite3_column_name(s, i);
    names[n++] = "defect_names";
    ct_trace_table *t = table_new((size_t)n, names);
    if (!t)
        return NULL;
    tval *row = table_row(t);
    if (!row) {
        ct_trace_table_destroy(t);
        return NULL;
    }
    char buf[256];
    serial_text(r, sqlite3_column_int64(s, 1), buf, sizeof buf);
    bool ok = set_text(&row[0], buf) && set_text(&row[1], r->code);
    for (int i = 2; i < ncols && ok; i++)
        ok = set_from_stmt(&row[i], s, i);
    int defects_col = ct_trace_table_col(t, "defects");
    defect_names(defects_col >= 0 ? (unsigned long long)row[defects_col].i : 0, buf, sizeof buf);
    ok = ok && set_text(&row[n - 1], buf);
    (void)d;
    if (!ok) {
        ct_trace_table_destroy(t);
        return NULL;
    }
    return t;
}

static ct_trace_table *history_sections(ct_trace_db *d, int64_t run_id, const run_info *r,
                                        const void *blob, size_t len, ct_trace_table **meas,
                                        bool *bad)
{
    static const char *const pcols[] = {"station", "server", "start_s", "end_s"};
    static const char *const mcols[] = {"gate", "station", "attribute", "value", "unit",
                                        "lsl",  "usl",     "decision",  "time_s"};
    ct_trace_table *p = table_new(4, pcols);
    *meas = table_new(9, mcols);
    if (!p || !*meas) {
        ct_trace_table_destroy(p);
        ct_trace_table_destroy(*meas);
        *meas = NULL;
        return NULL;
    }
    sqlite3_stmt *gs = NULL;
    sqlite3_prepare_v2(d->db,
                       "SELECT g.name, st.name, g.attribute, g.unit, g.lsl, g.usl FROM run r "
                       "JOIN gate g USING(factory_id) LEFT JOIN station st ON st.factory_id = "
                       "g.factory_id AND st.station_idx = g.station_idx WHERE r.run_id = ? AND "
                       "g.gate_idx = ?",
                       -1, &gs, NULL);
    cti_hist_iter it;
    cti_hist_begin(&it, blob, len);
    cti_hist_rec rec;
    int rc;
    bool ok = true;
    while (ok && (rc = cti_hist_next(&it, &rec)) > 0) {
        if (rec.tag == CTI_HIST_PASSAGE) {
            tval *row = table_row(p);
            ok = row && set_text(&row[0], station_name(r, rec.station));
            if (ok) {
                set_int(&row[1], rec.server);
                set_real(&row[2], rec.start_s);
                set_real(&row[3], rec.end_s);
            }
        } else if (rec.tag == CTI_HIST_MEASUREMENT) {
            tval *row = table_row(*meas);
            ok = row != NULL;
            if (ok && gs) {
                sqlite3_bind_int64(gs, 1, run_id);
                sqlite3_bind_int(gs, 2, rec.gate);
                if (sqlite3_step(gs) == SQLITE_ROW) {
                    ok = set_from_stmt(&row[0], gs, 0) && set_from_stmt(&row[1], gs, 1) &&
                         set_from_stmt(&row[2], gs, 2) && set_from_stmt(&row[4], gs, 3) &&
                         set_from_stmt(&row[5], gs, 4) && set_from_stmt(&row[6], gs, 5);
                }
                sqlite3_reset(gs);
            }
            if (ok) {
                set_real(&row[3], rec.value);
                ok = set_text(&row[7], cti_trace_decision_name(rec.decision));
                set_real(&row[8], rec.time_s);
            }
        }
    }
    if (rc < 0)
        *bad = true;
    sqlite3_finalize(gs);
    if (!ok) {
        ct_trace_table_destroy(p);
        ct_trace_table_destroy(*meas);
        *meas = NULL;
        return NULL;
    }
    return p;
}

/* The process parameters (and ambient conditions) of the stations
 * marked in passed, in factory order: station, group, key, value, source. */
static ct_status parameters_section(ct_trace_db *d, const run_info *r, const bool *passed,
                                    ct_trace_table **out, ct_error *err)
{
    size_t cap = 256 + 12 * (size_t)r->n_stations, n;
    char *sql = malloc(cap);
    if (!sql)
        return nomem(d, err);
    n = (size_t)snprintf(sql, cap,
                         "SELECT st.name AS station, s.grp AS \"group\", s.key, s.value, s.source "
                         "FROM setting s JOIN station st USING(factory_id, station_idx) WHERE "
                         "s.factory_id = ? AND s.grp IN ('process', 'ambient') AND "
                         "s.station_idx IN (-1");
    for (int i = 0; i < r->n_stations; i++)
        if (passed && passed[i])
            n += (size_t)snprintf(sql + n, cap - n, ",%d", i);
    snprintf(sql + n, cap - n, ") ORDER BY s.station_idx, s.rowid");
    ct_status st = query_table(d, sql, "i", out, err, (long long)r->factory_id);
    free(sql);
    return st;
}

ct_status ct_trace_cell(ct_trace_db *d, const char *serial, ct_trace_report **out, ct_error *err)
{
    *out = NULL;
    run_info r;
    memset(&r, 0, sizeof r);
    long long number = 0;
    ct_status st = parse_serial(d, serial, &r, &number, err);
    if (st != CT_OK) {
        run_info_clear(&r);
        return st;
    }
    ct_trace_report *rep = calloc(1, sizeof *rep);
    sqlite3_stmt *s = NULL;
    gen_ctx g = {d, &r, NULL, NULL, NULL, NULL, false, NULL, NULL};
    uint8_t *hist = NULL;
    if (!rep) {
        st = nomem(d, err);
        goto cleanup;
    }
    /* every column of the cell but its history, which becomes two sections */
    char sql[4096];
    size_t n = (size_t)snprintf(sql, sizeof sql,
                                "SELECT c.run_id, c.serial, c.state, c.grade, st.name AS scrap_station, "
                                "c.scrap_cause, c.created_s, c.finished_s, c.defects, c.found, "
                                "c.reworks, c.active_kg, c.value_usd");
    sqlite3_stmt *a = NULL;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT idx, column_name FROM attribute WHERE entity = 'cell' ORDER BY idx",
                           -1, &a, NULL) != SQLITE_OK) {
        st = db_error(d, err);
        goto cleanup;
    }
    while (sqlite3_step(a) == SQLITE_ROW && n < sizeof sql)
        n += (size_t)snprintf(sql + n, sizeof sql - n, ", ct_feature(c.features, %d) AS \"%s\"",
                              sqlite3_column_int(a, 0), sqlite3_column_text(a, 1));
    sqlite3_finalize(a);
    if (n < sizeof sql)
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              ", c.history FROM cell c LEFT JOIN station st ON st.factory_id = ? AND "
                              "st.station_idx = c.scrap_station_idx WHERE c.run_id = ? AND c.serial = ?");
    if (n >= sizeof sql) {
        st = ct_error_set(err, CT_ERR_DB, "%s: too many attribute columns", d->path);
        goto cleanup;
    }
    if (sqlite3_prepare_v2(d->db, sql, -1, &s, NULL) != SQLITE_OK) {
        st = db_error(d, err);
        goto cleanup;
    }
    sqlite3_bind_int64(s, 1, r.factory_id);
    sqlite3_bind_int64(s, 2, r.run_id);
    sqlite3_bind_int64(s, 3, number);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE) {
            st = db_error(d, err);
            goto cleanup;
        }
        char buf[64];
        serial_text(&r, number, buf, sizeof buf);
        st = ct_error_set(err, CT_ERR_NOTFOUND, "%s: no cell %s in the database", d->path, buf);
        goto cleanup;
    }
    int ncols = sqlite3_column_count(s);
    size_t hlen = (size_t)sqlite3_column_bytes(s, ncols - 1);
    if (hlen && !(hist = malloc(hlen))) {
        st = nomem(d, err);
        goto cleanup;
    }
    if (hlen)
        memcpy(hist, sqlite3_column_blob(s, ncols - 1), hlen);
    if (!report_add(rep, "cell", cell_section(d, &r, s, ncols - 1))) {
        st = nomem(d, err);
        goto cleanup;
    }
    const char *state = (const char *)sqlite3_column_text(s, 2);
    const char *grade = (const char *)sqlite3_column_text(s, 3);
    const char *scrap_station = (const char *)sqlite3_column_text(s, 4);
    const char *cause = (const char *)sqlite3_column_text(s, 5);
    char status[512], detail[512], id[64];
    snprintf(status, sizeof status, "%s%s%s%s%s", state ? state : "", grade ? " " : "",
             grade ? grade : "", scrap_station ? " at " : "", scrap_station ? scrap_station : "");
    snprintf(detail, sizeof detail, "%s", cause ? cause : "");
    serial_text(&r, number, id, sizeof id);

    /* the genealogy */
    if (!(g.t = table_new(G_N, gen_cols))) {
        st = nomem(d, err);
        goto cleanup;
    }
    if (sqlite3_prepare_v2(d->db,
                           "SELECT unit_id, slit, status, cause FROM unit WHERE run_id = ? AND kind = ? "
                           "AND maker_idx = ? AND number = ? AND lane = ? ORDER BY slit DESC, unit_id "
                           "DESC LIMIT 1",
                           -1, &g.find_unit, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->db,
                           "SELECT in_kind, in_idx, in_number, in_lane, polarity, from_q, to_q FROM "
                           "unit_input WHERE unit_id = ? ORDER BY k",
                           -1, &g.inputs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->db,
                           "SELECT from_m, to_m, lane_mask, defects, removed FROM defect_span WHERE "
                           "unit_id = ? AND from_m < ? AND to_m > ? ORDER BY from_m",
                           -1, &g.spans, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->db, "SELECT DISTINCT station_idx FROM unit_passage WHERE unit_id = ?",
                           -1, &g.passages, NULL) != SQLITE_OK) {
        st = db_error(d, err);
        goto cleanup;
    }
    if (r.n_stations > 0 && !(g.passed = calloc((size_t)r.n_stations, sizeof *g.passed))) {
        st = nomem(d, err);
        goto cleanup;
    }
    gen_row(&g, 0, "cell", id, NULL, NAN, NAN, NULL, status, detail);
    /* the pieces of coil: the first records of the history */
    cti_hist_iter it;
    cti_hist_rec rec;
    cti_hist_begin(&it, hist, hlen);
    while (!g.nomem && cti_hist_next(&it, &rec) > 0)
        if (rec.tag == CTI_HIST_PIECE) {
            ukey k = {2, rec.maker, (long long)rec.coil, rec.lane};
            gen_unit(&g, 1, &k, rec.anode ? "anode" : "cathode", rec.from_m, rec.to_m);
        } else if (rec.tag == CTI_HIST_LOT) {
            ukey k = {3, rec.maker, (long long)rec.coil, -1};
            gen_unit(&g, 1, &k, NULL, rec.from_m, rec.to_m);
        }
    if (g.nomem) {
        st = nomem(d, err);
        goto cleanup;
    }
    ct_trace_table *gt = g.t;
    g.t = NULL;
    if (!report_add(rep, "genealogy", gt)) {
        st = nomem(d, err);
        goto cleanup;
    }
    ct_trace_table *meas = NULL;
    bool bad = false;
    ct_trace_table *pass = history_sections(d, r.run_id, &r, hist, hlen, &meas, &bad);
    if (!pass || !report_add(rep, "passages", pass) || !report_add(rep, "measurements", meas)) {
        st = nomem(d, err);
        goto cleanup;
    }
    if (bad) {
        st = ct_error_set(err, CT_ERR_DB, "%s: cell %s: malformed history", d->path, id);
        goto cleanup;
    }
    cti_hist_begin(&it, hist, hlen);
    while (cti_hist_next(&it, &rec) > 0)
        if (rec.tag == CTI_HIST_PASSAGE)
            mark_passed(&g, rec.station);
    ct_trace_table *params = NULL;
    if ((st = parameters_section(d, &r, g.passed, &params, err)) != CT_OK)
        goto cleanup;
    if (!report_add(rep, "parameters", params)) {
        st = nomem(d, err);
        goto cleanup;
    }
    st = CT_OK;
cleanup:
    sqlite3_finalize(s);
    sqlite3_finalize(g.passages);
    free(g.passed);
    sqlite3_finalize(g.find_unit);
    sqlite3_finalize(g.inputs);
    sqlite3_finalize(g.spans);
    ct_trace_table_destroy(g.t);
    free(hist);
    run_info_clear(&r);
    if (st != CT_OK)
        ct_trace_report_destroy(rep);
    else
        *out = rep;
    return st;
}

/* ---- recalls ----------------------------------------------------------------------- */

typedef struct recall {
    ct_trace_db *d;
    run_info r;
    sqlite3_stmt *coil_rows;  /* coil_cells rows of a coil: maker, number, lane (NULL any) */
    sqlite3_stmt *add_hit;    /* a cell into temp.hit: serial, via */
    sqlite3_stmt *derived;    /* units made from a unit */
    ukey *seen;
    int n_seen, cap_seen;
    bool nomem;
    int rc;                   /* first SQLite error */
} recall;

static ct_status recall_begin(recall *rc, ct_trace_db *d, const char *run, ct_error *err)
{
    memset(rc, 0, sizeof *rc);
    rc->d = d;
    ct_status st = find_run(d, run, &rc->r, err);
    if (st != CT_OK)
        return st;
    if (sqlite3_exec(d->db,
                     "CREATE TEMP TABLE IF NOT EXISTS hit(serial INTEGER PRIMARY KEY, via TEXT);"
                     "DELETE FROM temp.hit;",
                     NULL, NULL, NULL) != SQLITE_OK)
        return db_error(d, err);
    if (sqlite3_prepare_v2(d->db,
                           "SELECT lane, polarity, pieces FROM coil_cells WHERE run_id = ?1 AND maker_idx = ?2 "
                           "AND coil_number = ?3 AND (?4 IS NULL OR lane = ?4) AND (polarity = 'lot') = ?5",
                           -1, &rc->coil_rows, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->db,
                           "INSERT OR IGNORE INTO temp.hit SELECT serial, ?2 FROM cell WHERE run_id = ?3 "
                           "AND serial = ?1",
                           -1, &rc->add_hit, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->db,
                           "SELECT DISTINCT u.kind, u.maker_idx, u.number, u.lane, min(i.from_q), "
                           "max(i.to_q) FROM unit_input i JOIN unit u USING(unit_id) WHERE "
                           "i.run_id = ?1 AND i.in_kind = ?2 AND i.in_idx = ?3 AND i.in_number = ?4 "
                           "AND (?5 IS NULL OR i.in_lane = ?5) AND i.from_q < ?6 AND i.to_q > ?7 "
                           "GROUP BY u.kind, u.maker_idx, u.number, u.lane",
                           -1, &rc->derived, NULL) != SQLITE_OK)
        return db_error(d, err);
    return CT_OK;
}

static void recall_end(recall *rc)
{
    sqlite3_finalize(rc->coil_rows);
    sqlite3_finalize(rc->add_hit);
    sqlite3_finalize(rc->derived);
    free(rc->seen);
    run_info_clear(&rc->r);
}

static void bind_lane(sqlite3_stmt *s, int i, int lane)
{
    if (lane >= 0)
        sqlite3_bind_int(s, i, lane);
    else
        sqlite3_bind_null(s, i);
}

/* Cells with a piece of coil k within [from, to), or with lot k (kind 3)
 * used in them directly. */
static void add_coil_cells(recall *rc, const ukey *k, double from, double to)
{
    sqlite3_stmt *s = rc->coil_rows;
    bool lot = k->kind == 3;
    sqlite3_bind_int64(s, 1, rc->r.run_id);
    sqlite3_bind_int(s, 2, k->idx);
    sqlite3_bind_int64(s, 3, k->number);
    bind_lane(s, 4, lot ? -1 : k->lane);
    sqlite3_bind_int(s, 5, lot);
    if (!isfinite(from))
        from = -INFINITY;
    if (!isfinite(to))
        to = INFINITY;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        int lane = sqlite3_column_int(s, 0);
        const char *pol = (const char *)sqlite3_column_text(s, 1);
        const uint8_t *p = sqlite3_column_blob(s, 2), *end = p + sqlite3_column_bytes(s, 2);
        uint64_t serial = 0;
        int64_t um = 0;
        double a, b;
        while (p < end && cti_get_coil_piece(&p, end, &serial, &um, &a, &b)) {
            if (!(a < to && b > from))
                continue;
            char via[256];
            if (lot)
                snprintf(via, sizeof via, "%s:%lld %.10g kg", material_name(&rc->r, k->idx), k->number,
                         b - a);
            else
                snprintf(via, sizeof via, "%s:%lld/%d %s %.10g-%.10g m", station_name(&rc->r, k->idx),
                         k->number, lane, pol ? pol : "", a, b);
            sqlite3_bind_int64(rc->add_hit, 1, (sqlite3_int64)serial);
            sqlite3_bind_text(rc->add_hit, 2, via, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(rc->add_hit, 3, rc->r.run_id);
            int x = sqlite3_step(rc->add_hit);
            sqlite3_reset(rc->add_hit);
            if (x != SQLITE_DONE && !rc->rc)
                rc->rc = x;
        }
    }
    if (r != SQLITE_DONE && !rc->rc)
        rc->rc = r;
    sqlite3_reset(s);
}

static bool seen_before(recall *rc, const ukey *k)
{
    for (int i = 0; i < rc->n_seen; i++)
        if (rc->seen[i].kind == k->kind && rc->seen[i].idx == k->idx &&
            rc->seen[i].number == k->number && rc->seen[i].lane == k->lane)
            return true;
    if (rc->n_seen == rc->cap_seen) {
        int cap = rc->cap_seen ? 2 * rc->cap_seen : 64;
        ukey *n = realloc(rc->seen, (size_t)cap * sizeof *n);
        if (!n) {
            rc->nomem = true;
            return true;
        }
        rc->seen = n;
        rc->cap_seen = cap;
    }
    rc->seen[rc->n_seen++] = *k;
    return false;
}

/* Every cell made from unit k (a coil's [from, to) only, when finite):
 * directly (pieces of a coil) or through the units made from it. */
static void recall_unit(recall *rc, const ukey *k, double from, double to, int depth)
{
    if (depth > 16 || rc->nomem || rc->rc || seen_before(rc, k))
        return;
    if (k->kind == 2 || k->kind == 3)
        add_coil_cells(rc, k, from, to);
    /* units that took a piece of k, read before recursing */
    struct next {
        ukey k;
    } *next = NULL;
    int n = 0, cap = 0;
    sqlite3_stmt *s = rc->derived;
    sqlite3_bind_int64(s, 1, rc->r.run_id);
    sqlite3_bind_text(s, 2, kind_text[k->kind], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, k->idx);
    sqlite3_bind_int64(s, 4, k->number);
    bind_lane(s, 5, k->kind == 2 ? k->lane : -1);
    sqlite3_bind_double(s, 6, isfinite(to) ? to : 1e300);
    sqlite3_bind_double(s, 7, isfinite(from) ? from : -1e300);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            struct next *p = realloc(next, (size_t)cap * sizeof *p);
            if (!p) {
                rc->nomem = true;
                break;
            }
            next = p;
        }
        const char *kind = (const char *)sqlite3_column_text(s, 0);
        next[n++].k = (ukey){kind && strcmp(kind, "coil") == 0 ? 2 : 1, sqlite3_column_int(s, 1),
                             sqlite3_column_int64(s, 2), sqlite3_column_int(s, 3)};
    }
    if (r != SQLITE_DONE && r != SQLITE_ROW && !rc->rc)
        rc->rc = r;
    sqlite3_reset(s);
    for (int i = 0; i < n; i++)
        recall_unit(rc, &next[i].k, NAN, NAN, depth + 1);
    free(next);
}

/* CROSS JOIN: the hits drive the search (a plain join may scan the run's
 * cells and probe the hits). */
static const char recall_select[] =
    "SELECT printf('%s-%07d', ?1, c.serial) AS serial, c.state, c.grade, st.name AS scrap_station, "
    "c.scrap_cause, c.created_s, c.finished_s, h.via FROM temp.hit h CROSS JOIN cell c ON c.run_id = ?3 "
    "AND c.serial = h.serial LEFT JOIN station st ON st.factory_id = ?2 AND st.station_idx = "
    "c.scrap_station_idx "
    "ORDER BY c.serial";

static ct_status recall_finish(recall *rc, ct_trace_table **out, ct_error *err)
{
    ct_status st;
    if (rc->nomem)
        st = nomem(rc->d, err);
    else if (rc->rc)
        st = ct_error_set(err, CT_ERR_DB, "%s: %s", rc->d->path, sqlite3_errstr(rc->rc));
    else
        st = query_table(rc->d, recall_select, "tii", out, err, rc->r.code, (long long)rc->r.factory_id,
                         (long long)rc->r.run_id);
    sqlite3_exec(rc->d->db, "DELETE FROM temp.hit", NULL, NULL, NULL);
    recall_end(rc);
    return st;
}

/* Does the run hold unit k at all (as a row or as somebody's input)? */
static bool unit_exists(recall *rc, const ukey *k)
{
    sqlite3_stmt *s = NULL;
    bool found = false;
    const char *sql =
        k->kind == 3
            ? "SELECT 1 FROM lot WHERE run_id = ?1 AND material_idx = ?3 AND lot_number = ?4"
            : "SELECT 1 FROM unit WHERE run_id = ?1 AND kind = ?2 AND maker_idx = ?3 AND number = ?4 "
              "UNION ALL SELECT 1 FROM unit_input WHERE run_id = ?1 AND in_kind = ?2 AND in_idx = ?3 "
              "AND in_number = ?4 UNION ALL SELECT 1 FROM coil_cells WHERE ?2 = 'coil' AND run_id "
              "= ?1 AND maker_idx = ?3 AND coil_number = ?4 AND polarity <> 'lot' LIMIT 1";
    if (sqlite3_prepare_v2(rc->d->db, sql, -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, rc->r.run_id);
        sqlite3_bind_text(s, 2, kind_text[k->kind], -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, k->idx);
        sqlite3_bind_int64(s, 4, k->number);
        found = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    return found;
}

static ct_status recall_of(ct_trace_db *d, const char *run, int kind, const char *id, int lane,
                           double from, double to, ct_trace_table **out, ct_error *err)
{
    *out = NULL;
    recall rc;
    ct_status st = recall_begin(&rc, d, run, err);
    ukey k = {0, 0, 0, -1};
    if (st == CT_OK)
        st = parse_unit(d, &rc.r, kind, id, &k, err);
    if (st == CT_OK) {
        k.lane = kind == 2 ? lane : -1;
        if (!unit_exists(&rc, &k)) {
            char name[256];
            ukey_text(&rc.r, &k, name, sizeof name);
            st = ct_error_set(err, CT_ERR_NOTFOUND, "%s: no %s %s in run %s", d->path, kind_text[kind],
                              name, rc.r.code);
        }
    }
    if (st != CT_OK) {
        recall_end(&rc);
        return st;
    }
    recall_unit(&rc, &k, from, to, 0);
    return recall_finish(&rc, out, err);
}

ct_status ct_trace_recall_coil(ct_trace_db *d, const char *run, const char *coil, int lane,
                               double from_m, double to_m, ct_trace_table **out, ct_error *err)
{
    if (isfinite(from_m) && isfinite(to_m) && !(from_m < to_m))
        return ct_error_set(err, CT_ERR_INVALID, "metres: expected from < to, got %g and %g", from_m,
                            to_m);
    return recall_of(d, run, 2, coil, lane, from_m, to_m, out, err);
}

ct_status ct_trace_recall_batch(ct_trace_db *d, const char *run, const char *batch,
                                ct_trace_table **out, ct_error *err)
{
    return recall_of(d, run, 1, batch, -1, NAN, NAN, out, err);
}

ct_status ct_trace_recall_lot(ct_trace_db *d, const char *run, const char *lot, ct_trace_table **out,
                              ct_error *err)
{
    return recall_of(d, run, 3, lot, -1, NAN, NAN, out, err);
}

/* Does the history of a cell hold a passage at station (server) that
 * overlaps [from, to]? */
static bool passed(const void *blob, size_t len, int station, int server, double from, double to)
{
    cti_hist_iter it;
    cti_hist_begin(&it, blob, len);
    cti_hist_rec r;
    while (cti_hist_next(&it, &r) > 0)
        if (r.tag == CTI_HIST_PASSAGE && r.station == station && (server < 0 || r.server == server) &&
            r.start_s <= to && r.end_s >= from)
            return true;
    return false;
}

ct_status ct_trace_recall_station(ct_trace_db *d, const char *run, const char *station, int server,
                                  double from_s, double to_s, ct_trace_table **out, ct_error *err)
{
    *out = NULL;
    if (!(from_s <= to_s))
        return ct_error_set(err, CT_ERR_INVALID, "time: expected from <= to, got %g s and %g s",
                            from_s, to_s);
    recall rc;
    ct_status st = recall_begin(&rc, d, run, err);
    if (st != CT_OK) {
        recall_end(&rc);
        return st;
    }
    int idx = -1;
    for (int i = 0; i < rc.r.n_stations; i++)
        if (rc.r.stations[i] && strcmp(rc.r.stations[i], station) == 0)
            idx = i;
    if (idx < 0) {
        char list[1024] = "";
        size_t n = 0;
        for (int i = 0; i < rc.r.n_stations; i++)
            if (rc.r.stations[i])
                n += (size_t)snprintf(list + n, n < sizeof list ? sizeof list - n : 0, "%s%s",
                                      n ? ", " : "", rc.r.stations[i]);
        st = ct_error_set(err, CT_ERR_NOTFOUND, "%s: run %s: no station \"%s\" (stations: %s)", d->path,
                          rc.r.code, station, list);
        recall_end(&rc);
        return st;
    }
    char via[256];
    if (server >= 0)
        snprintf(via, sizeof via, "%s server %d", station, server);
    else
        snprintf(via, sizeof via, "%s", station);

    /* cells: the station index narrows the search to the buckets that can
     * hold an overlapping passage; a bucket whose every passage overlaps is
     * taken whole, the others are checked against the cells' histories */
    sqlite3_stmt *mx = NULL, *b = NULL, *by_serial = NULL, *hist = NULL;
    double max_dur = 0;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT max(max_duration_s) FROM passage_bucket WHERE run_id = ? AND "
                           "station_idx = ?",
                           -1, &mx, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->db,
                           "SELECT bucket, min_duration_s, max_duration_s, serials FROM passage_bucket "
                           "WHERE run_id = ? AND station_idx = ? AND bucket BETWEEN ? AND ?",
                           -1, &b, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->db, "INSERT OR IGNORE INTO temp.hit VALUES(?1, ?2)", -1, &by_serial,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->db, "SELECT history FROM cell WHERE run_id = ?2 AND serial = ?1", -1, &hist,
                           NULL) != SQLITE_OK) {
        st = db_error(d, err);
        goto cleanup;
    }
    sqlite3_bind_int64(mx, 1, rc.r.run_id);
    sqlite3_bind_int(mx, 2, idx);
    if (sqlite3_step(mx) == SQLITE_ROW)
        max_dur = sqlite3_column_double(mx, 0);
    const double w = CTI_TRACE_BUCKET_S;
    long long lo = (long long)floor((from_s - max_dur) / w) - 1, hi = (long long)floor(to_s / w);
    if (lo < 0)
        lo = 0;
    sqlite3_bind_int64(b, 1, rc.r.run_id);
    sqlite3_bind_int(b, 2, idx);
    sqlite3_bind_int64(b, 3, lo);
    sqlite3_bind_int64(b, 4, hi);
    sqlite3_bind_text(by_serial, 2, via, -1, SQLITE_STATIC);
    sqlite3_bind_int64(hist, 2, rc.r.run_id);
    int r;
    while ((r = sqlite3_step(b)) == SQLITE_ROW && !rc.rc) {
        double b0 = (double)sqlite3_column_int64(b, 0) * w, b1 = b0 + w;
        double mn = sqlite3_column_double(b, 1), mxd = sqlite3_column_double(b, 2);
        if (b0 > to_s || b1 + mxd < from_s)
            continue;
        bool whole = server < 0 && b1 <= to_s && b0 + mn >= from_s;
        const uint8_t *p = sqlite3_column_blob(b, 3), *end = p + sqlite3_column_bytes(b, 3);
        uint64_t v, last = 0;
        while (p < end && cti_get_varint(&p, end, &v)) {
            last += (uint64_t)cti_unzigzag(v);
            sqlite3_int64 serial = (sqlite3_int64)last;
            if (whole) {
                sqlite3_bind_int64(by_serial, 1, serial);
                int x = sqlite3_step(by_serial);
                if (x != SQLITE_DONE)
                    rc.rc = x;
                sqlite3_reset(by_serial);
                continue;
            }
            sqlite3_bind_int64(hist, 1, serial);
            if (sqlite3_step(hist) == SQLITE_ROW &&
                passed(sqlite3_column_blob(hist, 0), (size_t)sqlite3_column_bytes(hist, 0), idx,
                       server, from_s, to_s)) {
                sqlite3_reset(hist);
                sqlite3_bind_int64(by_serial, 1, serial);
                int x = sqlite3_step(by_serial);
                if (x != SQLITE_DONE)
                    rc.rc = x;
                sqlite3_reset(by_serial);
            }
            sqlite3_reset(hist);
        }
    }
    if (r != SQLITE_DONE && r != SQLITE_ROW && !rc.rc)
        rc.rc = r;

    /* batches and coils that passed the station then, and what was made of
     * them. A coil is stored lane by lane; its passages before slitting
     * are kept with lane 0, and such a passage concerns every lane. */
    {
        sqlite3_stmt *u = NULL;
        if (sqlite3_prepare_v2(d->db,
                               "SELECT DISTINCT un.kind, un.maker_idx, un.number, CASE WHEN un.kind = "
                               "'coil' AND un.lane = 0 AND p.start_s < (SELECT min(q.end_s) FROM "
                               "unit_passage q JOIN station s ON s.factory_id = ?7 AND s.station_idx = "
                               "q.station_idx WHERE q.unit_id = un.unit_id AND s.splits > 1) THEN -1 "
                               "ELSE un.lane END FROM unit_passage p JOIN unit un USING(unit_id) WHERE "
                               "un.run_id = ?1 AND p.station_idx = ?2 AND (?3 < 0 OR p.server = ?3) AND "
                               "p.start_s <= ?5 AND p.end_s >= ?6",
                               -1, &u, NULL) != SQLITE_OK) {
            st = db_error(d, err);
            goto cleanup;
        }
        sqlite3_bind_int64(u, 1, rc.r.run_id);
        sqlite3_bind_int(u, 2, idx);
        sqlite3_bind_int(u, 3, server);
        sqlite3_bind_double(u, 5, to_s);
        sqlite3_bind_double(u, 6, from_s);
        sqlite3_bind_int64(u, 7, rc.r.factory_id);
        ukey *keys = NULL;
        int n = 0, cap = 0;
        while (sqlite3_step(u) == SQLITE_ROW) {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                ukey *k = realloc(keys, (size_t)cap * sizeof *k);
                if (!k) {
                    rc.nomem = true;
                    break;
                }
                keys = k;
            }
            const char *kind = (const char *)sqlite3_column_text(u, 0);
            keys[n++] = (ukey){kind && strcmp(kind, "coil") == 0 ? 2 : 1, sqlite3_column_int(u, 1),
                               sqlite3_column_int64(u, 2), sqlite3_column_int(u, 3)};
        }
        sqlite3_finalize(u);
        for (int i = 0; i < n; i++)
            recall_unit(&rc, &keys[i], NAN, NAN, 0);
        free(keys);
    }
    st = CT_OK;
cleanup:
    sqlite3_finalize(mx);
    sqlite3_finalize(b);
    sqlite3_finalize(by_serial);
    sqlite3_finalize(hist);
    if (st != CT_OK) {
        recall_end(&rc);
        return st;
    }
    return recall_finish(&rc, out, err);
}

/* ---- SQL ---------------------------------------------------------------------------- */

/* Denies what could reach another file even on a read-only connection. */
static int authorizer(void *ctx, int action, const char *a, const char *b, const char *c,
                      const char *e)
{
    (void)ctx;
    (void)a;
    (void)b;
    (void)c;
    (void)e;
    return action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY : SQLITE_OK;
}

ct_status ct_trace_query(ct_trace_db *d, const char *sql, ct_trace_table **out, ct_error *err)
{
    *out = NULL;
    sqlite3_stmt *s = NULL;
    const char *tail = NULL;
    sqlite3_set_authorizer(d->db, authorizer, NULL);
    int rc = sqlite3_prepare_v2(d->db, sql, -1, &s, &tail);
    sqlite3_set_authorizer(d->db, NULL, NULL);
    if (rc != SQLITE_OK)
        return ct_error_set(err, rc == SQLITE_AUTH ? CT_ERR_INVALID : CT_ERR_DB, "query: %s",
                            sqlite3_errmsg(d->db));
    if (!s)
        return ct_error_set(err, CT_ERR_INVALID, "query: expected an SQL statement");
    while (tail && (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';'))
        tail++;
    ct_status st = CT_OK;
    if (tail && *tail)
        st = ct_error_set(err, CT_ERR_INVALID, "query: expected one SQL statement, got more: \"%.40s\"",
                          tail);
    else if (!sqlite3_stmt_readonly(s))
        st = ct_error_set(err, CT_ERR_INVALID,
                          "query: the trace is opened read-only: only statements that read (SELECT, "
                          "WITH, EXPLAIN) are accepted");
    if (st != CT_OK) {
        sqlite3_finalize(s);
        return st;
    }
    const char *expanded = sqlite3_sql(s);
    char *copy = strdup(expanded ? expanded : sql);
    sqlite3_finalize(s);
    if (!copy)
        return nomem(d, err);
    st = query_table(d, copy, "", out, err);
    free(copy);
    if (st == CT_ERR_DB)
        ct_error_set(err, CT_ERR_DB, "query: %s", sqlite3_errmsg(d->db));
    return st;
}

ct_status ct_trace_runs(ct_trace_db *d, ct_trace_table **out, ct_error *err)
{
    return query_table(d,
                       "SELECT r.code, f.name AS factory, r.replication, r.seed, r.started_utc, "
                       "r.status, r.horizon_s, r.end_s, (SELECT count(*) FROM cell c WHERE c.run_id "
                       "= r.run_id) AS cells, r.cells_shipped, r.cells_scrapped, r.cells_in_process "
                       "FROM run r JOIN factory f USING(factory_id) ORDER BY r.run_id",
                       "", out, err);
}
