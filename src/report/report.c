/*
 * report.c - the quality report of a traced run (include/celltwin/report.h,
 * docs/report.md): gathers from a trace database (docs/trace-schema.md)
 * the gate measurements, k-values, grades, scrap by station and scrap
 * cost of one run, computes the control charts with the SPC library
 * (celltwin/quality.h), draws them with celltwin/svg.h and writes one
 * self-contained HTML file atomically.
 *
 * The cells are read in one pass (a month of the default factory is some
 * 3 million cells): each cell's history BLOB gives its gate measurements,
 * its features BLOB the k-value and grade. Memory stays small whatever
 * the run: a gate keeps all its measurements only while they are few
 * enough for an individuals chart (max_points); beyond, it keeps the first
 * subgroup_size measurements of each of `subgroups` equal time slots of
 * the run - a rational subgroup of consecutive units sampled at regular
 * intervals, as an X-bar/R chart samples a line. Only the k-values grow
 * with the run (4 bytes a cell).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "celltwin/quality.h"
#include "celltwin/report.h"
#include "celltwin/svg.h"
#include "celltwin/trace.h"
#include "report/html.h"
#include "trace/trace_internal.h"

#define DAY_S 86400.0
/* k-values are stored in V/s; the report shows mV/day. */
#define MV_DAY_PER_V_S (1000.0 * DAY_S)
/* Scrap causes the report recognises (src/model/kinds_finishing.c). */
#define CAUSE_K_SCREEN "self-discharge outlier"
#define CAUSE_OFF_GRADE "off-grade"

void ct_report_options_init(ct_report_options *opt)
{
    opt->run = NULL;
    opt->max_points = 400;
    opt->subgroups = 100;
    opt->subgroup_size = 5;
    opt->k_bins = 40;
}

/* ---- what is gathered ----------------------------------------------------- */

/* One measurement: time, value, and the unit's key (serial or unit id)
 * and reading order, which order measurements of the same millisecond. */
typedef struct meas {
    double t, v;
    long long key;
    size_t ord;
} meas;

static int meas_cmp(const void *pa, const void *pb)
{
    const meas *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->ord < b->ord ? -1 : a->ord > b->ord;
}

/* A gate of the control plan and its measurements. */
typedef struct gate_acc {
    bool present;
    int station_idx, on_cell;
    char *name, *attribute, *unit;
    double lsl, usl;          /* NAN when absent */
    size_t count, fails;      /* measurements, decisions other than pass */
    meas *all;                /* while count <= max_points */
    size_t n_all;
    meas *slot;               /* subgroups x subgroup_size, earliest first */
    int *slot_n;
} gate_acc;

typedef struct grade_count {
    char *label;
    long long n;
} grade_count;

typedef struct rep {
    sqlite3 *db;
    const char *path;
    const ct_report_options *opt;
    ct_error *err;
    /* the run */
    long long run_id, factory_id, replication, seed;
    char *code, *factory_name, *factory_path, *factory_text, *started, *status;
    double horizon_s, warmup_s, end_s;
    long long shipped, scrapped, in_process;
    char **stations;
    int n_stations;
    gate_acc *gates;          /* by gate_idx */
    int n_gates;
    int k_idx, grade_idx;     /* feature positions, -1 when absent */
    /* gathered from the cells */
    float *k;                 /* mV/day, cells not marked */
    size_t n_k, cap_k;
    double *k_out;            /* mV/day, screen outliers and gate failures */
    size_t n_out, cap_out;
    long long k_screen, k_gate;
    grade_count *grades;
    size_t n_grades;
    size_t ord;
    double slot_w;
} rep;

static ct_status nomem(rep *r)
{
    return ct_error_set(r->err, CT_ERR_NOMEM, "%s: out of memory", r->path);
}

static ct_status db_fail(rep *r)
{
    return ct_error_set(r->err, CT_ERR_DB, "%s: %s", r->path, sqlite3_errmsg(r->db));
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static char *dup_col(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? strdup(t) : NULL;
}

static double real_col(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

static ct_status prep(rep *r, const char *sql, sqlite3_stmt **s)
{
    if (sqlite3_prepare_v2(r->db, sql, -1, s, NULL) != SQLITE_OK)
        return db_fail(r);
    /* :f is the run's factory, :r the run */
    for (int i = 1; i <= sqlite3_bind_parameter_count(*s); i++) {
        const char *name = sqlite3_bind_parameter_name(*s, i);
        sqlite3_bind_int64(*s, i, name && strcmp(name, ":f") == 0 ? r->factory_id : r->run_id);
    }
    return CT_OK;
}

/* ---- the run, its stations and gates -------------------------------------- */

static ct_status load_run(rep *r)
{
    char norm[32] = "";
    if (r->opt->run) {
        snprintf(norm, sizeof norm, "%s", r->opt->run);
        if (!cti_run_code_normalise(norm))
            return ct_error_set(r->err, CT_ERR_INVALID,
                                "--run \"%s\": expected a run code of 6 letters and digits such as "
                                "\"7KQ2MX\"",
                                r->opt->run);
    }
    const char *cols = "SELECT r.run_id, r.code, r.factory_id, r.replication, r.seed, r.horizon_s, "
                       "r.warmup_s, r.started_utc, r.status, r.end_s, f.name, f.path, f.text "
                       "FROM run r JOIN factory f USING(factory_id) ";
    char sql[512];
    snprintf(sql, sizeof sql, "%s%s", cols,
             r->opt->run ? "WHERE r.code = ?" : "ORDER BY r.run_id DESC LIMIT 1");
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(r->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(r);
    if (r->opt->run)
        sqlite3_bind_text(s, 1, norm, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    ct_status st = CT_OK;
    if (rc == SQLITE_ROW) {
        r->run_id = sqlite3_column_int64(s, 0);
        r->code = dup_col(s, 1);
        r->factory_id = sqlite3_column_int64(s, 2);
        r->replication = sqlite3_column_int64(s, 3);
        r->seed = sqlite3_column_int64(s, 4);
        r->horizon_s = real_col(s, 5);
        r->warmup_s = real_col(s, 6);
        r->started = dup_col(s, 7);
        r->status = dup_col(s, 8);
        r->end_s = real_col(s, 9);
        r->factory_name = dup_col(s, 10);
        r->factory_path = dup_col(s, 11);
        r->factory_text = dup_col(s, 12);
        if (!r->code)
            st = nomem(r);
    } else if (rc != SQLITE_DONE) {
        st = db_fail(r);
    } else if (r->opt->run) {
        st = ct_error_set(r->err, CT_ERR_NOTFOUND,
                          "%s: no run %s in the database (see: celltwin trace %s --runs)", r->path,
                          norm, r->path);
    } else {
        st = ct_error_set(r->err, CT_ERR_NOTFOUND, "%s: the database holds no run", r->path);
    }
    sqlite3_finalize(s);
    return st;
}

/* The number of indexes of the factory's stations or gates (table is
 * "station" or "gate", rows keyed TABLE_idx from 0): max + 1. */
static ct_status index_count(rep *r, const char *table, int *n)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT coalesce(max(%s_idx) + 1, 0) FROM %s WHERE factory_id = :f",
             table, table);
    sqlite3_stmt *s;
    ct_status st = prep(r, sql, &s);
    if (st != CT_OK)
        return st;
    *n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (*n < 0 || *n > 100000)
        return ct_error_set(r->err, CT_ERR_DB, "%s: malformed %s table", r->path, table);
    return CT_OK;
}

static ct_status load_stations(rep *r)
{
    sqlite3_stmt *s;
    ct_status st = index_count(r, "station", &r->n_stations);
    if (st != CT_OK)
        return st;
    if (!(r->stations = calloc((size_t)r->n_stations + 1, sizeof *r->stations)))
        return nomem(r);
    if ((st = prep(r, "SELECT station_idx, name FROM station WHERE factory_id = :f", &s)) != CT_OK)
        return st;
    while (st == CT_OK && sqlite3_step(s) == SQLITE_ROW) {
        int i = sqlite3_column_int(s, 0);
        if (i >= 0 && i < r->n_stations && !r->stations[i] && !(r->stations[i] = dup_col(s, 1)))
            st = nomem(r);
    }
    sqlite3_finalize(s);
    return st;
}

static const char *station_name(const rep *r, long long i)
{
    return i >= 0 && i < r->n_stations && r->stations[i] ? r->stations[i] : "?";
}

static ct_status load_gates(rep *r)
{
    sqlite3_stmt *s;
    ct_status st = index_count(r, "gate", &r->n_gates);
    if (st != CT_OK)
        return st;
    if (!(r->gates = calloc((size_t)r->n_gates + 1, sizeof *r->gates)))
        return nomem(r);
    if ((st = prep(r, "SELECT gate_idx, name, station_idx, on_cell, attribute, unit, lsl, usl "
                      "FROM gate WHERE factory_id = :f", &s)) != CT_OK)
        return st;
    size_t per = (size_t)r->opt->subgroups * (size_t)r->opt->subgroup_size;
    while (st == CT_OK && sqlite3_step(s) == SQLITE_ROW) {
        int i = sqlite3_column_int(s, 0);
        if (i < 0 || i >= r->n_gates || r->gates[i].present)
            continue;
        gate_acc *g = &r->gates[i];
        g->present = true;
        g->name = dup_col(s, 1);
        g->station_idx = sqlite3_column_int(s, 2);
        g->on_cell = sqlite3_column_int(s, 3);
        g->attribute = dup_col(s, 4);
        g->unit = dup_col(s, 5);
        g->lsl = real_col(s, 6);
        g->usl = real_col(s, 7);
        g->all = malloc((size_t)r->opt->max_points * sizeof *g->all);
        g->slot = malloc(per * sizeof *g->slot);
        g->slot_n = calloc((size_t)r->opt->subgroups, sizeof *g->slot_n);
        if (!g->name || !g->attribute || !g->all || !g->slot || !g->slot_n)
            st = nomem(r);
    }
    sqlite3_finalize(s);
    return st;
}

/* Position of a cell attribute in the features BLOB, or -1. */
static int feature_index(rep *r, const char *name)
{
    sqlite3_stmt *s;
    int idx = -1;
    if (sqlite3_prepare_v2(r->db, "SELECT idx FROM attribute WHERE entity = 'cell' AND name = ?", -1,
                           &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        idx = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return idx;
}

/* ---- the pass over the cells ----------------------------------------------- */

static void add_meas(rep *r, gate_acc *g, double t, double v, long long key)
{
    const ct_report_options *o = r->opt;
    meas m = {t, v, key, r->ord++};
    if (g->count < (size_t)o->max_points)
        g->all[g->n_all++] = m;
    g->count++;
    long slot = isfinite(t) && r->slot_w > 0 ? (long)floor(t / r->slot_w) : 0;
    if (slot < 0)
        slot = 0;
    if (slot >= o->subgroups)
        slot = o->subgroups - 1;
    meas *sg = &g->slot[(size_t)slot * (size_t)o->subgroup_size];
    int *n = &g->slot_n[slot];
    /* keep the subgroup_size earliest of the slot, in order */
    if (*n == o->subgroup_size && meas_cmp(&m, &sg[*n - 1]) >= 0)
        return;
    int j = *n < o->subgroup_size ? (*n)++ : *n - 1;
    while (j > 0 && meas_cmp(&m, &sg[j - 1]) < 0) {
        sg[j] = sg[j - 1];
        j--;
    }
    sg[j] = m;
}

static ct_status count_grade(rep *r, const char *label)
{
    for (size_t i = 0; i < r->n_grades; i++)
        if (strcmp(r->grades[i].label, label) == 0) {
            r->grades[i].n++;
            return CT_OK;
        }
    grade_count *g = realloc(r->grades, (r->n_grades + 1) * sizeof *g);
    if (!g)
        return nomem(r);
    r->grades = g;
    if (!(g[r->n_grades].label = strdup(label)))
        return nomem(r);
    g[r->n_grades++].n = 1;
    return CT_OK;
}

/* The label of a shipped cell's grade: the stored bin name ("bin N" for a
 * grade number without a name, "ungraded" without a grader). */
static void grade_label(rep *r, sqlite3_stmt *s, const uint8_t *feat, int nfeat, char *buf, size_t len)
{
    const char *g = (const char *)sqlite3_column_text(s, 5);
    int bin = r->grade_idx >= 0 && r->grade_idx < nfeat ? (int)cti_feature_at(feat, r->grade_idx) : 0;
    if (g)
        snprintf(buf, len, "%s", g);
    else if (bin <= 0)
        snprintf(buf, len, "ungraded");
    else
        snprintf(buf, len, "bin %d", bin);
}

static ct_status scan_cells(rep *r)
{
    sqlite3_stmt *s;
    ct_status st = prep(r, "SELECT serial, state, scrap_cause, features, history, grade FROM cell "
                           "WHERE run_id = :r ORDER BY serial", &s);
    if (st != CT_OK)
        return st;
    int rc;
    char label[64];
    while (st == CT_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        long long serial = sqlite3_column_int64(s, 0);
        const char *state = (const char *)sqlite3_column_text(s, 1);
        const char *cause = (const char *)sqlite3_column_text(s, 2);
        const uint8_t *feat = sqlite3_column_blob(s, 3);
        int nfeat = sqlite3_column_bytes(s, 3) / 4;
        const void *hist = sqlite3_column_blob(s, 4);
        size_t nhist = (size_t)sqlite3_column_bytes(s, 4);
        bool k_failed = false;
        cti_hist_iter it;
        cti_hist_rec h;
        cti_hist_begin(&it, hist, hist ? nhist : 0);
        int hr;
        while ((hr = cti_hist_next(&it, &h)) == 1) {
            if (h.tag != CTI_HIST_MEASUREMENT || h.gate < 0 || h.gate >= r->n_gates ||
                !r->gates[h.gate].present)
                continue;
            gate_acc *g = &r->gates[h.gate];
            add_meas(r, g, h.time_s, h.value, serial);
            if (h.decision != CTI_DEC_PASS) {
                g->fails++;
                if (strcmp(g->attribute, "k_value") == 0)
                    k_failed = true;
            }
        }
        if (hr < 0) {
            st = ct_error_set(r->err, CT_ERR_DB, "%s: cell %s-%07lld: malformed history", r->path,
                              r->code, serial);
            break;
        }
        bool screened = state && strcmp(state, "scrapped") == 0 && cause &&
                        strcmp(cause, CAUSE_K_SCREEN) == 0;
        if (r->k_idx >= 0 && r->k_idx < nfeat) {
            double k = cti_feature_at(feat, r->k_idx) * MV_DAY_PER_V_S;
            if (isfinite(k) && k != 0) {
                if (screened || k_failed) {
                    if (!grow((void **)&r->k_out, &r->cap_out, r->n_out + 1, sizeof *r->k_out))
                        st = nomem(r);
                    else
                        r->k_out[r->n_out++] = k;
                    r->k_screen += screened;
                    r->k_gate += k_failed && !screened;
                } else if (!grow((void **)&r->k, &r->cap_k, r->n_k + 1, sizeof *r->k)) {
                    st = nomem(r);
                } else {
                    r->k[r->n_k++] = (float)k;
                }
            }
        }
        if (st == CT_OK && state && strcmp(state, "shipped") == 0) {
            grade_label(r, s, feat, nfeat, label, sizeof label);
            st = count_grade(r, label);
        }
    }
    if (st == CT_OK && rc != SQLITE_DONE)
        st = db_fail(r);
    sqlite3_finalize(s);
    return st;
}

/* Measurements of batches and coils (unit_measurement). */
static ct_status scan_units(rep *r)
{
    sqlite3_stmt *s;
    ct_status st = prep(r, "SELECT m.gate_idx, m.time_s, m.value, m.unit_id, m.decision "
                           "FROM unit_measurement m JOIN unit u USING(unit_id) "
                           "WHERE u.run_id = :r ORDER BY m.time_s, m.unit_id", &s);
    if (st != CT_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int gi = sqlite3_column_int(s, 0);
        if (gi < 0 || gi >= r->n_gates || !r->gates[gi].present)
            continue;
        add_meas(r, &r->gates[gi], sqlite3_column_double(s, 1), sqlite3_column_double(s, 2),
                 sqlite3_column_int64(s, 3));
        const char *d = (const char *)sqlite3_column_text(s, 4);
        if (d && strcmp(d, "pass") != 0)
            r->gates[gi].fails++;
    }
    if (rc != SQLITE_DONE)
        st = db_fail(r);
    sqlite3_finalize(s);
    return st;
}

static ct_status count_states(rep *r)
{
    sqlite3_stmt *s;
    ct_status st = prep(r, "SELECT state, count(*) FROM cell WHERE run_id = :r GROUP BY state", &s);
    if (st != CT_OK)
        return st;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(s, 0);
        long long n = sqlite3_column_int64(s, 1);
        if (!state)
            continue;
        if (!strcmp(state, "shipped"))
            r->shipped = n;
        else if (!strcmp(state, "scrapped"))
            r->scrapped = n;
        else if (!strcmp(state, "in_process"))
            r->in_process = n;
    }
    sqlite3_finalize(s);
    return CT_OK;
}

/* ---- HTML helpers ------------------------------------------------------------- */

static void esc(ct_svg_buf *b, const char *t)
{
    ct_svg_escape(b, t ? t : "");
}

/* "1 234 567" */
static void fmt_count(long long n, char *buf, size_t len)
{
    char raw[32];
    snprintf(raw, sizeof raw, "%lld", n < 0 ? -n : n);
    size_t k = strlen(raw), j = 0;
    if (n < 0 && j + 1 < len)
        buf[j++] = '-';
    for (size_t i = 0; i < k && j + 2 < len; i++) {
        if (i && (k - i) % 3 == 0)
            buf[j++] = ' ';
        buf[j++] = raw[i];
    }
    buf[j] = '\0';
}

/* A display unit for values of a base unit around typical: mA for A, mm
 * or um for m, g for kg, mV/d for V/s; scale multiplies base values. */
static const char *display_unit(const char *unit, double typical, double *scale)
{
    double a = fabs(typical);
    *scale = 1.0;
    if (!unit)
        return "";
    struct { const char *base; double lim; double k; const char *name; } map[] = {
        {"A", 1e-3, 1e6, "\xc2\xb5" "A"},     {"A", 1, 1e3, "mA"},     {"m", 1e-3, 1e6, "\xc2\xb5" "m"},
        {"m", 1, 1e3, "mm"},        {"kg", 1, 1e3, "g"},     {"V", 1, 1e3, "mV"},
        {"ohm", 1e-3, 1e6, "\xc2\xb5" "ohm"}, {"ohm", 1, 1e3, "mohm"}, {"V/s", INFINITY, MV_DAY_PER_V_S, "mV/d"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(unit, map[i].base) == 0 && a < map[i].lim) {
            *scale = map[i].k;
            return map[i].name;
        }
    return unit;
}

static void html_head(rep *r, ct_svg_buf *b)
{
    const char *code = r->code ? r->code : "", *name = r->factory_name ? r->factory_name : "";
    size_t n = strlen(code) + strlen(name) + 40;
    char *title = malloc(n);
    if (!title) {
        b->nomem = true;
        return;
    }
    snprintf(title, n, "celltwin report: run %s (%s)", code, name);
    cti_html_head(b, title);
    free(title);
}

static void row_text(ct_svg_buf *b, const char *key, const char *value)
{
    ct_svg_printf(b, "<tr><th>");
    esc(b, key);
    ct_svg_printf(b, "</th><td>");
    esc(b, value);
    ct_svg_printf(b, "</td></tr>\n");
}

static void html_header(rep *r, ct_svg_buf *b)
{
    char buf[256], n1[32];
    ct_svg_printf(b, "<h1>Quality report: run ");
    esc(b, r->code);
    ct_svg_printf(b, "</h1>\n<table id=\"run\" data-code=\"");
    esc(b, r->code);
    ct_svg_printf(b, "\" data-shipped=\"%lld\" data-scrapped=\"%lld\" data-in-process=\"%lld\">\n",
                  r->shipped, r->scrapped, r->in_process);
    row_text(b, "run", r->code);
    snprintf(buf, sizeof buf, "%s (%s)", r->factory_name ? r->factory_name : "?",
             r->factory_path ? r->factory_path : "loaded from memory");
    row_text(b, "factory", buf);
    snprintf(buf, sizeof buf, "%.6g d (warm-up %.6g d); status %s", r->horizon_s / DAY_S,
             r->warmup_s / DAY_S, r->status ? r->status : "?");
    row_text(b, "horizon", buf);
    snprintf(buf, sizeof buf, "%lld (replication %lld)", r->seed, r->replication);
    row_text(b, "seed", buf);
    row_text(b, "started (UTC)", r->started ? r->started : "?");
    long long all = r->shipped + r->scrapped + r->in_process;
    fmt_count(all, n1, sizeof n1);
    int len = snprintf(buf, sizeof buf, "%s: ", n1);
    fmt_count(r->shipped, n1, sizeof n1);
    len += snprintf(buf + len, sizeof buf - (size_t)len, "%s shipped, ", n1);
    fmt_count(r->scrapped, n1, sizeof n1);
    len += snprintf(buf + len, sizeof buf - (size_t)len, "%s scrapped, ", n1);
    fmt_count(r->in_process, n1, sizeof n1);
    snprintf(buf + len, sizeof buf - (size_t)len, "%s in process at the end", n1);
    row_text(b, "cells", buf);
    ct_svg_printf(b, "</table>\n<p class=\"note\">Contents: <a href=\"#control\">control charts</a>, "
                     "<a href=\"#k-value\">k-value</a>, <a href=\"#grades\">grades</a>, "
                     "<a href=\"#yield\">yield by station</a>, <a href=\"#scrap-cost\">scrap "
                     "cost</a>.</p>\n");
}

/* ---- control charts ----------------------------------------------------------- */

/* Caption line of the signals per rule: "we1 at 3 points, we2 at 1". */
static void signals_text(ct_svg_buf *b, const ct_signals *sg)
{
    if (sg->n == 0) {
        ct_svg_printf(b, "none");
        return;
    }
    int per[CT_RULE_CUSUM_LOWER + 1] = {0};
    for (size_t i = 0; i < sg->n; i++)
        if ((int)sg->items[i].rule >= 0 && sg->items[i].rule <= CT_RULE_CUSUM_LOWER)
            per[sg->items[i].rule]++;
    bool first = true;
    for (int k = 0; k <= CT_RULE_CUSUM_LOWER; k++)
        if (per[k]) {
            ct_svg_printf(b, "%s%s at %d point%s", first ? "" : ", ", ct_rule_name((ct_rule)k), per[k],
                          per[k] == 1 ? "" : "s");
            first = false;
        }
}

/* The data of a gate's chart: all measurements in time order, or the full
 * subgroups of the time slots. x receives the time in days of each
 * plotted point. */
static ct_status chart_data(rep *r, gate_acc *g, double **vals, size_t *nv, double **xs, size_t *np,
                            bool *xbar)
{
    const ct_report_options *o = r->opt;
    *xbar = g->count > (size_t)o->max_points;
    size_t cap = *xbar ? (size_t)o->subgroups * (size_t)o->subgroup_size : g->n_all;
    *vals = malloc((cap ? cap : 1) * sizeof **vals);
    *xs = malloc((cap ? cap : 1) * sizeof **xs);
    if (!*vals || !*xs)
        return nomem(r);
    *nv = *np = 0;
    if (!*xbar) {
        qsort(g->all, g->n_all, sizeof *g->all, meas_cmp);
        for (size_t i = 0; i < g->n_all; i++) {
            (*vals)[(*nv)++] = g->all[i].v;
            (*xs)[(*np)++] = g->all[i].t / DAY_S;
        }
        return CT_OK;
    }
    for (int s = 0; s < o->subgroups; s++) {
        if (g->slot_n[s] < o->subgroup_size)
            continue;
        const meas *sg = &g->slot[(size_t)s * (size_t)o->subgroup_size];
        for (int j = 0; j < o->subgroup_size; j++)
            (*vals)[(*nv)++] = sg[j].v;
        (*xs)[(*np)++] = sg[0].t / DAY_S;
    }
    return CT_OK;
}

/* Adds a specification limit (when the gate has it) to the chart's lines;
 * it widens the y range only when within one chart height of [lo, hi]. */
static void spec_line(ct_svg_hline *l, bool *inc, size_t *n, double v, const char *name, double lo,
                      double hi, char *label, size_t len, double scale)
{
    if (!isfinite(v))
        return;
    double span = hi - lo;
    snprintf(label, len, "%s %.4g", name, v * scale);
    l[*n] = (ct_svg_hline){v, CT_SVG_SPEC, label};
    inc[*n] = v >= lo - span && v <= hi + span;
    (*n)++;
}

static ct_status gate_chart(rep *r, gate_acc *g, ct_svg_buf *b)
{
    const ct_report_options *o = r->opt;
    double *vals = NULL, *xs = NULL;
    size_t nv = 0, np = 0;
    bool xbar;
    ct_chart chart;
    ct_chart_init(&chart);
    bool *marked = NULL, *smarked = NULL;
    ct_status st = chart_data(r, g, &vals, &nv, &xs, &np, &xbar);
    if (st != CT_OK)
        goto done;
    ct_svg_printf(b, "<h3>");
    esc(b, g->name);
    ct_svg_printf(b, ": ");
    esc(b, g->attribute);
    ct_svg_printf(b, " at ");
    esc(b, station_name(r, g->station_idx));
    ct_svg_printf(b, "</h3>\n");
    ct_chart_options co;
    ct_chart_options_init(&co, xbar ? CT_CHART_XBAR_R : CT_CHART_IMR);
    co.subgroup = xbar ? (size_t)o->subgroup_size : 0;
    co.rules = CT_RULES_WE;
    ct_error cerr;
    ct_error_clear(&cerr);
    char n1[32], n2[32];
    fmt_count((long long)g->count, n1, sizeof n1);
    if (g->count == 0 || ct_chart_compute(vals, nv, &co, &chart, &cerr) != CT_OK) {
        if (chart.main.n == 0 && cerr.status == CT_ERR_NOMEM) {
            st = nomem(r);
            goto done;
        }
        ct_svg_printf(b, "<p class=\"note\" id=\"gate-");
        esc(b, g->name);
        ct_svg_printf(b, "\">%s measurement%s: no chart (", n1, g->count == 1 ? "" : "s");
        esc(b, g->count == 0 ? "nothing measured in this run"
               : xbar        ? "too few complete subgroups, or no spread"
                             : "too few points, or all equal");
        ct_svg_printf(b, ").</p>\n");
        goto done;
    }
    const ct_chart_series *m = &chart.main;
    double center = m->center[0], ucl = m->ucl[0], lcl = m->lcl[0];
    double scale;
    const char *du = display_unit(g->unit, fmax(fabs(center), fmax(fabs(ucl), fabs(lcl))), &scale);
    marked = calloc(m->n + 1, sizeof *marked);
    smarked = calloc(chart.spread.n + 1, sizeof *smarked);
    if (!marked || !smarked) {
        st = nomem(r);
        goto done;
    }
    for (size_t i = 0; i < chart.signals.n; i++)
        if (chart.signals.items[i].point < m->n)
            marked[chart.signals.items[i].point] = true;
    for (size_t i = 0; i < chart.spread_signals.n; i++)
        if (chart.spread_signals.items[i].point < chart.spread.n)
            smarked[chart.spread_signals.items[i].point] = true;
    ct_svg_printf(b, "<figure class=\"chart\" id=\"gate-");
    esc(b, g->name);
    ct_svg_printf(b, "\" data-gate=\"");
    esc(b, g->name);
    ct_svg_printf(b,
                  "\" data-kind=\"%s\" data-points=\"%zu\" data-measurements=\"%zu\" "
                  "data-subgroup=\"%zu\" data-center=\"%.17g\" data-ucl=\"%.17g\" "
                  "data-lcl=\"%.17g\" data-sigma=\"%.17g\" data-signals=\"%zu\">\n",
                  ct_chart_kind_name(chart.kind), m->n, g->count, chart.subgroup, center, ucl, lcl,
                  chart.sigma, chart.signals.n);
    char lab[7][64], title[160], ylab[96];
    ct_svg_hline lines[5];
    bool inc[5] = {true, true, true, false, false};
    size_t nl = 0;
    snprintf(lab[0], sizeof lab[0], "UCL %.4g", ucl * scale);
    snprintf(lab[1], sizeof lab[1], "CL %.4g", center * scale);
    snprintf(lab[2], sizeof lab[2], "LCL %.4g", lcl * scale);
    lines[nl++] = (ct_svg_hline){ucl, CT_SVG_CONTROL, lab[0]};
    lines[nl++] = (ct_svg_hline){center, CT_SVG_CENTER, lab[1]};
    lines[nl++] = (ct_svg_hline){lcl, CT_SVG_CONTROL, lab[2]};
    double lo = fmin(lcl, center), hi = fmax(ucl, center);
    for (size_t i = 0; i < m->n; i++)
        if (isfinite(m->points[i])) {
            lo = fmin(lo, m->points[i]);
            hi = fmax(hi, m->points[i]);
        }
    spec_line(lines, inc, &nl, g->lsl, "LSL", lo, hi, lab[3], sizeof lab[3], scale);
    spec_line(lines, inc, &nl, g->usl, "USL", lo, hi, lab[4], sizeof lab[4], scale);
    snprintf(title, sizeof title, "%s: %s", g->name, xbar ? "X-bar chart" : "individuals chart");
    snprintf(ylab, sizeof ylab, "%s%s%s%s", g->attribute, *du ? " (" : "", du, *du ? ")" : "");
    ct_svg_line_chart lc = {title, "time (d)", ylab, 0, 0, m->n, xs, m->points, marked,
                            nl, lines, inc, scale};
    ct_svg_line_draw(b, &lc);
    /* the spread chart: R or MR */
    const ct_chart_series *sp = &chart.spread;
    snprintf(lab[5], sizeof lab[5], "UCL %.4g", sp->ucl[0] * scale);
    snprintf(lab[6], sizeof lab[6], "%s %.4g", xbar ? "R-bar" : "MR-bar", sp->center[0] * scale);
    ct_svg_hline sl[2] = {{sp->ucl[0], CT_SVG_CONTROL, lab[5]}, {sp->center[0], CT_SVG_CENTER, lab[6]}};
    snprintf(title, sizeof title, "%s: %s", g->name, xbar ? "range chart" : "moving-range chart");
    snprintf(ylab, sizeof ylab, "%s%s%s%s", xbar ? "range" : "moving range", *du ? " (" : "", du,
             *du ? ")" : "");
    ct_svg_line_chart rc = {title, "time (d)", ylab, 0, 180, sp->n, xs, sp->points, smarked,
                            2, sl, NULL, scale};
    ct_svg_line_draw(b, &rc);
    ct_svg_printf(b, "<figcaption>");
    if (xbar) {
        fmt_count((long long)o->subgroups, n2, sizeof n2);
        ct_svg_printf(b,
                      "X-bar/R chart of %zu subgroups of %d consecutive measurements: the first %d "
                      "of each of %s equal time slots of the run (%.3g h each), out of %s "
                      "measurements in all, so that the chart stays readable. Limits from the "
                      "mean range: X-bar &plusmn; A2 R-bar, sigma = R-bar/d2 = %.4g %s. ",
                      m->n, o->subgroup_size, o->subgroup_size, n2, r->slot_w / 3600, n1,
                      chart.sigma * scale, du);
    } else {
        ct_svg_printf(b,
                      "Individuals and moving-range chart of all %s measurements in time order. "
                      "Limits: mean &plusmn; 3 MR-bar/d2, d2 = 1.128, sigma = %.4g %s. ",
                      n1, chart.sigma * scale, du);
    }
    ct_svg_printf(b, "Red points: Western Electric signals (");
    signals_text(b, &chart.signals);
    ct_svg_printf(b, "); on the %s chart beyond its limits: %zu. ", xbar ? "range" : "moving-range",
                  chart.spread_signals.n);
    for (size_t i = 3; i < nl; i++)
        if (!inc[i]) {
            esc(b, lines[i].label);
            ct_svg_printf(b, " ");
            esc(b, du);
            ct_svg_printf(b, " is off the chart, %s it. ", lines[i].y > hi ? "above" : "below");
        }
    fmt_count((long long)g->fails, n2, sizeof n2);
    ct_svg_printf(b, "Units that failed the gate: %s.</figcaption>\n</figure>\n", n2);
done:
    free(marked);
    free(smarked);
    free(vals);
    free(xs);
    ct_chart_clear(&chart);
    return st;
}

static ct_status html_control(rep *r, ct_svg_buf *b)
{
    ct_svg_printf(b, "<h2 id=\"control\">1. Control charts of the control plan</h2>\n");
    int shown = 0;
    for (int i = 0; i < r->n_gates; i++) {
        if (!r->gates[i].present)
            continue;
        ct_status st = gate_chart(r, &r->gates[i], b);
        if (st != CT_OK)
            return st;
        shown++;
    }
    if (!shown)
        ct_svg_printf(b, "<p class=\"note\">The factory has no control plan.</p>\n");
    return CT_OK;
}

/* ---- k-value ---------------------------------------------------------------------- */

static int float_cmp(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static ct_status html_kvalue(rep *r, ct_svg_buf *b)
{
    ct_svg_printf(b, "<h2 id=\"k-value\">2. k-value (self-discharge) of the aged cells</h2>\n");
    size_t n = r->n_k + r->n_out;
    if (n == 0) {
        ct_svg_printf(b, "<p class=\"note\">No cell has a k-value: the line has no aging station, or "
                         "no cell finished its rest.</p>\n");
        return CT_OK;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < r->n_k; i++) {
        lo = fmin(lo, r->k[i]);
        hi = fmax(hi, r->k[i]);
    }
    if (r->n_k == 0)
        for (size_t i = 0; i < r->n_out; i++) {
            lo = fmin(lo, r->k_out[i]);
            hi = fmax(hi, r->k_out[i]);
        }
    if (!(hi > lo))
        hi = lo + 1e-3;
    size_t nb = (size_t)r->opt->k_bins;
    double *counts = calloc(nb, sizeof *counts), *hl = calloc(nb, sizeof *hl);
    if (!counts || !hl) {
        free(counts);
        free(hl);
        return nomem(r);
    }
    double over = 0, over_hl = 0, w = (hi - lo) / (double)nb;
    for (size_t i = 0; i < n; i++) {
        bool out = i >= r->n_k;
        double v = out ? r->k_out[i - r->n_k] : r->k[i];
        if (v > hi) {
            over++;
            over_hl += out;
            continue;
        }
        long j = (long)floor((v - lo) / w);
        j = j < 0 ? 0 : j >= (long)nb ? (long)nb - 1 : j;
        counts[j]++;
        hl[j] += out;
    }
    double median = NAN;
    if (r->n_k) {
        qsort(r->k, r->n_k, sizeof *r->k, float_cmp);
        median = r->n_k % 2 ? r->k[r->n_k / 2] : 0.5 * (r->k[r->n_k / 2 - 1] + r->k[r->n_k / 2]);
    }
    ct_svg_printf(b,
                  "<figure id=\"k-hist\" data-cells=\"%zu\" data-outliers=\"%zu\" "
                  "data-screened=\"%lld\" data-gate-failed=\"%lld\">\n",
                  n, r->n_out, r->k_screen, r->k_gate);
    ct_svg_histogram h = {"k-value of the cells", "k-value (mV/day)", "cells", 0, 0, lo, hi, nb,
                          counts, hl, over, over_hl, r->n_out, r->k_out};
    ct_svg_hist_draw(b, &h);
    char n1[32], n2[32], n3[32];
    fmt_count((long long)n, n1, sizeof n1);
    fmt_count(r->k_screen, n2, sizeof n2);
    fmt_count(r->k_gate, n3, sizeof n3);
    ct_svg_printf(b,
                  "<figcaption>k-value (mV/day, the aging tester's reading) of the %s cells that "
                  "finished an aging rest, in %zu bins over the range of the cells not marked; "
                  "median %.4g mV/day. In red, and marked under the axis: the outliers, %s "
                  "scrapped by the aging screen (cause &ldquo;" CAUSE_K_SCREEN "&rdquo;) and %s "
                  "more that failed a control-plan gate on k_value.%s</figcaption>\n</figure>\n",
                  n1, nb, median, n2, n3,
                  over > 0 ? " The bar on the right counts the cells above the range." : "");
    free(counts);
    free(hl);
    return CT_OK;
}

/* ---- grades ------------------------------------------------------------------------ */

static int grade_cmp(const void *pa, const void *pb)
{
    const grade_count *a = pa, *b = pb;
    bool ua = strcmp(a->label, "ungraded") == 0, ub = strcmp(b->label, "ungraded") == 0;
    if (ua != ub)
        return ua - ub;
    return strcmp(a->label, b->label);
}

static ct_status html_grades(rep *r, ct_svg_buf *b)
{
    ct_svg_printf(b, "<h2 id=\"grades\">3. Grade distribution</h2>\n");
    sqlite3_stmt *s;
    ct_status st = prep(r, "SELECT count(*), total(scrap_cause = '" CAUSE_OFF_GRADE "') FROM cell "
                           "WHERE run_id = :r AND state = 'scrapped'", &s);
    if (st != CT_OK)
        return st;
    long long off = 0, other = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        off = (long long)sqlite3_column_double(s, 1);
        other = sqlite3_column_int64(s, 0) - off;
    }
    sqlite3_finalize(s);
    qsort(r->grades, r->n_grades, sizeof *r->grades, grade_cmp);
    size_t n = r->n_grades + 2;
    const char **labels = calloc(n, sizeof *labels);
    double *vals = calloc(n, sizeof *vals);
    bool *hl = calloc(n, sizeof *hl);
    char (*txt)[32] = calloc(n, sizeof *txt);
    const char **tp = calloc(n, sizeof *tp);
    if (!labels || !vals || !hl || !txt || !tp) {
        st = nomem(r);
        goto done;
    }
    for (size_t i = 0; i < r->n_grades; i++) {
        labels[i] = r->grades[i].label;
        vals[i] = (double)r->grades[i].n;
    }
    labels[r->n_grades] = "off-grade (scrapped)";
    vals[r->n_grades] = (double)off;
    labels[r->n_grades + 1] = "scrapped (other causes)";
    vals[r->n_grades + 1] = (double)other;
    hl[r->n_grades] = hl[r->n_grades + 1] = true;
    for (size_t i = 0; i < n; i++) {
        fmt_count((long long)vals[i], txt[i], sizeof txt[i]);
        tp[i] = txt[i];
    }
    ct_svg_printf(b, "<figure id=\"grade-dist\" data-off-grade=\"%lld\" data-scrapped-other=\"%lld\">\n",
                  off, other);
    ct_svg_bar_chart bc = {"Cells per grade", "cells", 0, 0, n, labels, vals, tp, hl};
    ct_svg_bars_draw(b, &bc);
    ct_svg_printf(b, "<table>\n<tr><th>grade</th><th>cells</th><th>share of finished</th></tr>\n");
    double fin = (double)(r->shipped + r->scrapped);
    for (size_t i = 0; i < n; i++) {
        ct_svg_printf(b, "<tr data-grade=\"");
        esc(b, labels[i]);
        ct_svg_printf(b, "\" data-count=\"%lld\"><td>", (long long)vals[i]);
        esc(b, labels[i]);
        ct_svg_printf(b, "</td><td class=\"n\">%s</td><td class=\"n\">%.2f %%</td></tr>\n", txt[i],
                      fin > 0 ? 100.0 * vals[i] / fin : 0.0);
    }
    ct_svg_printf(b,
                  "</table>\n<figcaption>Shipped cells per grade bin, cells the grader "
                  "scrapped as off-grade, and cells scrapped for other causes; cells still in "
                  "process are not counted.</figcaption>\n</figure>\n");
done:
    free(labels);
    free(vals);
    free(hl);
    free(txt);
    free(tp);
    return st;
}

/* ---- yield waterfall ------------------------------------------------------------------ */

static ct_status html_yield(rep *r, ct_svg_buf *b)
{
    ct_svg_printf(b, "<h2 id=\"yield\">4. Yield by station</h2>\n");
    long long *scr = calloc((size_t)r->n_stations + 1, sizeof *scr);
    bool *used = calloc((size_t)r->n_stations + 1, sizeof *used);
    long long no_station = 0;
    const char **labels = NULL, **tp = NULL;
    double *drop = NULL;
    char (*txt)[32] = NULL;
    ct_status st = CT_OK;
    if (!scr || !used) {
        st = nomem(r);
        goto done;
    }
    sqlite3_stmt *s;
    if ((st = prep(r, "SELECT scrap_station_idx, count(*) FROM cell WHERE run_id = :r AND state = "
                      "'scrapped' GROUP BY 1", &s)) != CT_OK)
        goto done;
    while (sqlite3_step(s) == SQLITE_ROW) {
        long long n = sqlite3_column_int64(s, 1);
        int i = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 0);
        if (i >= 0 && i < r->n_stations) {
            scr[i] += n;
            used[i] = true;
        } else {
            no_station += n;
        }
    }
    sqlite3_finalize(s);
    /* the stations cells pass: the station index of the trace */
    if ((st = prep(r, "SELECT DISTINCT station_idx FROM passage_bucket WHERE run_id = :r", &s)) != CT_OK)
        goto done;
    while (sqlite3_step(s) == SQLITE_ROW) {
        int i = sqlite3_column_int(s, 0);
        if (i >= 0 && i < r->n_stations)
            used[i] = true;
    }
    sqlite3_finalize(s);
    size_t n = 0;
    for (int i = 0; i < r->n_stations; i++)
        n += used[i];
    n += no_station > 0;
    labels = calloc(n + 1, sizeof *labels);
    tp = calloc(n + 1, sizeof *tp);
    drop = calloc(n + 1, sizeof *drop);
    txt = calloc(n + 1, sizeof *txt);
    if (!labels || !tp || !drop || !txt) {
        st = nomem(r);
        goto done;
    }
    long long start = r->shipped + r->scrapped, left = start;
    size_t k = 0;
    ct_svg_printf(b, "<table>\n<tr><th>station</th><th>cells entering</th><th>scrapped</th>"
                     "<th>station yield</th><th>cumulative yield</th></tr>\n");
    for (int i = 0; i <= r->n_stations; i++) {
        bool last = i == r->n_stations;
        if (last ? no_station == 0 : !used[i])
            continue;
        long long d = last ? no_station : scr[i];
        const char *name = last ? "(no station)" : station_name(r, i);
        double cum = start > 0 ? (double)(left - d) / (double)start : NAN;
        char e1[32], e2[32];
        fmt_count(left, e1, sizeof e1);
        fmt_count(d, e2, sizeof e2);
        ct_svg_printf(b, "<tr data-station=\"");
        esc(b, name);
        ct_svg_printf(b, "\" data-entering=\"%lld\" data-scrapped=\"%lld\" data-cum-yield=\"%.17g\"><td>",
                      left, d, cum);
        esc(b, name);
        ct_svg_printf(b,
                      "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%.3f %%</td>"
                      "<td class=\"n\">%.3f %%</td></tr>\n",
                      e1, e2, left > 0 ? 100.0 * (double)(left - d) / (double)left : 100.0, 100 * cum);
        labels[k] = name;
        drop[k] = (double)d;
        /* the cumulative yield under the bars that drop (all would overlap) */
        snprintf(txt[k], sizeof txt[k], "%.2f%%", 100 * cum);
        tp[k] = d > 0 ? txt[k] : NULL;
        k++;
        left -= d;
    }
    double yield = start > 0 ? (double)left / (double)start : NAN;
    ct_svg_printf(b, "</table>\n");
    if (start == 0) {
        ct_svg_printf(b, "<p class=\"note\" id=\"yield-waterfall\">No cell left the line in this "
                         "run.</p>\n");
        goto done;
    }
    ct_svg_printf(b,
                  "<figure id=\"yield-waterfall\" data-start=\"%lld\" data-end=\"%lld\" "
                  "data-yield=\"%.17g\">\n",
                  start, left, yield);
    ct_svg_waterfall wf = {"Cells through the line", "cells", 0, 0, "finished", "shipped",
                           (double)start, k, labels, drop, tp};
    ct_svg_waterfall_draw(b, &wf);
    ct_svg_printf(b,
                  "<figcaption>The cells that left the line (shipped or scrapped; %lld still in "
                  "process are not counted) through the stations cells pass, in the order of the "
                  "factory file: each red bar is the cells scrapped there, with the cumulative "
                  "yield after it under the bar. Cumulative yield at the end: %.4f %% = shipped / "
                  "(shipped + scrapped).</figcaption>\n</figure>\n",
                  r->in_process, 100 * yield);
done:
    free(scr);
    free(used);
    free(labels);
    free(tp);
    free(drop);
    free(txt);
    return st;
}

/* ---- scrap cost ------------------------------------------------------------------------ */

/* Cost of scrapped batches and coils: the trace holds no value per unit,
 * but it holds what a unit was made of (unit_input) and the prices
 * (material.price_usd_kg, station.value_added_usd). A batch costs its lots'
 * kg times their prices plus its mixer's value added; a coil the kg of
 * each batch in it at that batch's cost per kg plus its coater's value
 * added, shared equally by its lanes. */
static const char unit_cost_sql[] =
    "WITH batch_cost AS ("
    "  SELECT u.unit_id, u.maker_idx, u.number, u.quantity,"
    "    coalesce((SELECT total((i.to_q - i.from_q) * m.price_usd_kg) FROM unit_input i"
    "      JOIN material m ON m.factory_id = :f AND m.material_idx = i.in_idx"
    "      WHERE i.unit_id = u.unit_id AND i.in_kind = 'lot'), 0)"
    "    + coalesce((SELECT value_added_usd FROM station WHERE factory_id = :f"
    "      AND station_idx = u.maker_idx), 0) AS usd"
    "  FROM unit u WHERE u.run_id = :r AND u.kind = 'batch'),"
    " coil_cost AS ("
    "  SELECT u.unit_id,"
    "    (coalesce((SELECT total((i.to_q - i.from_q) * b.usd / b.quantity) FROM unit_input i"
    "      JOIN batch_cost b ON b.maker_idx = i.in_idx AND b.number = i.in_number"
    "      WHERE i.unit_id = u.unit_id AND i.in_kind = 'batch' AND b.quantity > 0), 0)"
    "    + coalesce((SELECT value_added_usd FROM station WHERE factory_id = :f"
    "      AND station_idx = u.maker_idx), 0))"
    "    / (SELECT count(*) FROM unit v WHERE v.run_id = u.run_id AND v.kind = 'coil'"
    "      AND v.maker_idx = u.maker_idx AND v.number = u.number) AS usd"
    "  FROM unit u WHERE u.run_id = :r AND u.kind = 'coil' AND u.status = 'scrapped')"
    " SELECT u.kind, coalesce(u.cause, '(no cause)'), count(*), total(u.quantity), u.measure,"
    "   total(coalesce(b.usd, c.usd))"
    " FROM unit u LEFT JOIN batch_cost b USING(unit_id) LEFT JOIN coil_cost c USING(unit_id)"
    " WHERE u.run_id = :r AND u.status = 'scrapped' GROUP BY 1, 2, 5 ORDER BY 6 DESC";

static ct_status html_cost(rep *r, ct_svg_buf *b)
{
    ct_svg_printf(b, "<h2 id=\"scrap-cost\">5. Scrap cost by cause</h2>\n");
    /* rows: causes of cells, then causes of batches and coils */
    size_t n = 0, cap = 0;
    struct row {
        char *label;
        long long count;
        double usd, qty;
        char measure[8];
        bool unit;
    } *rows = NULL;
    double cells_usd = 0, units_usd = 0;
    sqlite3_stmt *s = NULL;
    ct_status st = prep(r, "SELECT coalesce(scrap_cause, '(no cause)'), count(*), total(value_usd) "
                           "FROM cell WHERE run_id = :r AND state = 'scrapped' GROUP BY 1", &s);
    for (int pass = 0; st == CT_OK && pass < 2; pass++) {
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (!grow((void **)&rows, &cap, n + 1, sizeof *rows)) {
                st = nomem(r);
                break;
            }
            struct row *w = &rows[n];
            memset(w, 0, sizeof *w);
            w->unit = pass == 1;
            const char *cause = (const char *)sqlite3_column_text(s, pass ? 1 : 0);
            char buf[160];
            if (pass)
                snprintf(buf, sizeof buf, "%s: %s", sqlite3_column_text(s, 0), cause);
            else
                snprintf(buf, sizeof buf, "%s", cause ? cause : "?");
            if (!(w->label = strdup(buf))) {
                st = nomem(r);
                break;
            }
            n++;
            w->count = sqlite3_column_int64(s, pass ? 2 : 1);
            w->usd = sqlite3_column_double(s, pass ? 5 : 2);
            if (pass) {
                w->qty = sqlite3_column_double(s, 3);
                snprintf(w->measure, sizeof w->measure, "%s",
                         sqlite3_column_text(s, 4) ? (const char *)sqlite3_column_text(s, 4) : "");
                units_usd += w->usd;
            }
        }
        if (st == CT_OK && rc != SQLITE_DONE)
            st = db_fail(r);
        sqlite3_finalize(s);
        s = NULL;
        if (st == CT_OK && pass == 0)
            st = prep(r, unit_cost_sql, &s);
    }
    sqlite3_stmt *t = NULL;
    if (st == CT_OK && (st = prep(r, "SELECT total(value_usd) FROM cell WHERE run_id = :r AND "
                                     "state = 'scrapped'", &t)) == CT_OK) {
        if (sqlite3_step(t) == SQLITE_ROW)
            cells_usd = sqlite3_column_double(t, 0);
        sqlite3_finalize(t);
    }
    if (st != CT_OK)
        goto done;
    /* largest first */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && rows[j].usd > rows[j - 1].usd; j--) {
            struct row tmp = rows[j];
            rows[j] = rows[j - 1];
            rows[j - 1] = tmp;
        }
    ct_svg_printf(b, "<figure id=\"scrap\" data-cells-usd=\"%.17g\" data-units-usd=\"%.17g\" "
                     "data-total-usd=\"%.17g\">\n",
                  cells_usd, units_usd, cells_usd + units_usd);
    if (n == 0) {
        ct_svg_printf(b, "<p class=\"note\">Nothing was scrapped.</p>\n");
    } else {
        const char **labels = calloc(n, sizeof *labels), **tp = calloc(n, sizeof *tp);
        double *vals = calloc(n, sizeof *vals);
        char (*txt)[32] = calloc(n, sizeof *txt);
        if (!labels || !tp || !vals || !txt) {
            free(labels);
            free(tp);
            free(vals);
            free(txt);
            st = nomem(r);
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            labels[i] = rows[i].label;
            vals[i] = rows[i].usd;
            snprintf(txt[i], sizeof txt[i], "$%.0f", rows[i].usd);
            tp[i] = txt[i];
        }
        ct_svg_bar_chart bc = {"Scrap cost by cause", "USD", 0, 0, n, labels, vals, tp, NULL};
        ct_svg_bars_draw(b, &bc);
        free(labels);
        free(tp);
        free(vals);
        free(txt);
    }
    ct_svg_printf(b, "<table>\n<tr><th>cause</th><th>scrapped</th><th>USD</th></tr>\n");
    char c1[32];
    for (size_t i = 0; i < n; i++) {
        fmt_count(rows[i].count, c1, sizeof c1);
        ct_svg_printf(b, "<tr data-cause=\"");
        esc(b, rows[i].label);
        ct_svg_printf(b, "\" data-usd=\"%.17g\"><td>", rows[i].usd);
        esc(b, rows[i].label);
        if (rows[i].unit)
            ct_svg_printf(b, "</td><td class=\"n\">%s (%.6g %s)</td>", c1, rows[i].qty, rows[i].measure);
        else
            ct_svg_printf(b, "</td><td class=\"n\">%s cells</td>", c1);
        ct_svg_printf(b, "<td class=\"n\">%.2f</td></tr>\n", rows[i].usd);
    }
    ct_svg_printf(b,
                  "<tr><th>total</th><td></td><td class=\"n\"><b>%.2f</b></td></tr>\n</table>\n"
                  "<figcaption>Cells: the value they carried when scrapped (the cell table's "
                  "value_usd: material and processing), %.2f USD in all. Batches and coils "
                  "(rows &ldquo;batch: ...&rdquo;, &ldquo;coil: ...&rdquo;): their raw materials "
                  "at the material prices plus the value added of the station that made them "
                  "(a slit lane its share of the coil), %.2f USD.</figcaption>\n</figure>\n",
                  cells_usd + units_usd, cells_usd, units_usd);
done:
    for (size_t i = 0; i < n; i++)
        free(rows[i].label);
    free(rows);
    return st;
}

/* ---- writing -------------------------------------------------------------------------- */

static void rep_clear(rep *r)
{
    free(r->code);
    free(r->factory_name);
    free(r->factory_path);
    free(r->factory_text);
    free(r->started);
    free(r->status);
    for (int i = 0; r->stations && i < r->n_stations; i++)
        free(r->stations[i]);
    free(r->stations);
    for (int i = 0; r->gates && i < r->n_gates; i++) {
        gate_acc *g = &r->gates[i];
        free(g->name);
        free(g->attribute);
        free(g->unit);
        free(g->all);
        free(g->slot);
        free(g->slot_n);
    }
    free(r->gates);
    free(r->k);
    free(r->k_out);
    for (size_t i = 0; i < r->n_grades; i++)
        free(r->grades[i].label);
    free(r->grades);
}

static ct_status check_options(const ct_report_options *o, ct_error *err)
{
    if (o->max_points < 2 || o->max_points > 100000)
        return ct_error_set(err, CT_ERR_INVALID, "max_points: expected 2 to 100000, got %d",
                            o->max_points);
    if (o->subgroups < 2 || o->subgroups > 10000)
        return ct_error_set(err, CT_ERR_INVALID, "subgroups: expected 2 to 10000, got %d", o->subgroups);
    if (o->subgroup_size < 2 || o->subgroup_size > 25)
        return ct_error_set(err, CT_ERR_INVALID, "subgroup_size: expected 2 to 25, got %d",
                            o->subgroup_size);
    if (o->k_bins < 1 || o->k_bins > 1000)
        return ct_error_set(err, CT_ERR_INVALID, "k_bins: expected 1 to 1000, got %d", o->k_bins);
    return CT_OK;
}

ct_status ct_report_write(const char *db_path, const char *out_path, const ct_report_options *opt,
                          ct_error *err)
{
    ct_report_options defaults;
    if (!opt) {
        ct_report_options_init(&defaults);
        opt = &defaults;
    }
    ct_status st = check_options(opt, err);
    if (st != CT_OK)
        return st;
    struct stat a, o;
    if (stat(db_path, &a) == 0 && stat(out_path, &o) == 0 && a.st_dev == o.st_dev &&
        a.st_ino == o.st_ino)
        return ct_error_set(err, CT_ERR_INVALID,
                            "%s: the report would overwrite the trace database it reads", out_path);
    ct_trace_db *tdb = NULL;
    if ((st = ct_trace_db_open(db_path, &tdb, err)) != CT_OK)
        return st;
    rep r = {.db = cti_trace_db_sqlite(tdb), .path = db_path, .opt = opt, .err = err};
    ct_svg_buf b;
    ct_svg_buf_init(&b);
    if ((st = load_run(&r)) != CT_OK || (st = load_stations(&r)) != CT_OK ||
        (st = load_gates(&r)) != CT_OK || (st = count_states(&r)) != CT_OK)
        goto done;
    r.k_idx = feature_index(&r, "k_value");
    r.grade_idx = feature_index(&r, "grade");
    double span = isfinite(r.end_s) && r.end_s > 0 ? r.end_s : r.horizon_s;
    r.slot_w = isfinite(span) && span > 0 ? span / opt->subgroups : 3600.0;
    if ((st = scan_cells(&r)) != CT_OK || (st = scan_units(&r)) != CT_OK)
        goto done;
    html_head(&r, &b);
    html_header(&r, &b);
    if ((st = html_control(&r, &b)) != CT_OK || (st = html_kvalue(&r, &b)) != CT_OK ||
        (st = html_grades(&r, &b)) != CT_OK || (st = html_yield(&r, &b)) != CT_OK ||
        (st = html_cost(&r, &b)) != CT_OK)
        goto done;
    ct_svg_printf(&b, "<p class=\"note\">Written by celltwin %s from ", CT_VERSION);
    esc(&b, db_path);
    ct_svg_printf(&b, ".</p>\n</body>\n</html>\n");
    if (b.nomem) {
        st = nomem(&r);
        goto done;
    }
    st = cti_html_write_atomic(out_path, b.p, b.len, err);
done:
    ct_svg_buf_clear(&b);
    rep_clear(&r);
    ct_trace_db_close(tdb);
    return st;
}
