/*
 * rootcause.c - root-cause ranking on a trace database
 * (celltwin/rootcause.h): which lots, slurry batches, coils, coil sections,
 * equipment and shifts are over-represented among a set of target cells.
 *
 * The upstream genealogy (unit, unit_input, unit_passage: a few thousand
 * rows a month) is read into memory first. Each coil lane a cell names in
 * its history becomes a node holding the list of factor levels it carries:
 * the coil, the batches and lots below it (the links the genealogy and the
 * recalls follow, so a batch counts for every cell of a coil that took any
 * of it), and the equipment and shifts of its jobs and of its batches'
 * jobs. Then one pass over the run's cells: each cell's levels are its
 * coil lanes' lists, the metre sections of its pieces and its own
 * passages, each counted once per cell in an array indexed by level. Only
 * the tests need the counts, so memory grows with the number of levels
 * (about a million for a month of the default factory), not with cells.
 *
 * Targets are compared with the cells that could have become targets
 * (ct_rootcause_population): by default those that reached a station
 * where a target was scrapped, because cells still upstream of the screen
 * at the end of the run would otherwise make every late lot, coil and
 * shift look clean and every early one suspect.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/quality.h"
#include "celltwin/rootcause.h"
#include "model/kinds_finishing.h"
#include "trace/trace_internal.h"

#define HOUR_S 3600.0

/* Indices below this are cached in dense per-station arrays (servers,
 * shifts); larger ones (only in a malformed trace) go through the map. */
#define DENSE_MAX (1 << 20)

static const char *const factor_names[CT_RC_FACTOR_COUNT] = {"lot",     "batch",     "coil",
                                                             "section", "equipment", "shift"};

const char *ct_rootcause_factor_name(ct_rootcause_factor f)
{
    return f >= 0 && f < CT_RC_FACTOR_COUNT ? factor_names[f] : "?";
}

ct_status ct_rootcause_factor_parse(const char *name, ct_rootcause_factor *out, ct_error *err)
{
    for (int i = 0; i < CT_RC_FACTOR_COUNT; i++)
        if (strcmp(name, factor_names[i]) == 0) {
            *out = (ct_rootcause_factor)i;
            return CT_OK;
        }
    return ct_error_set(err, CT_ERR_INVALID,
                        "factor \"%s\": expected lot, batch, coil, section, equipment or shift", name);
}

void ct_rootcause_options_init(ct_rootcause_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->metre_bin_m = 50.0;
    opt->shift_s = 8 * HOUR_S;
    opt->factors = (1u << CT_RC_FACTOR_COUNT) - 1;
    opt->adjust = CT_RC_ADJUST_BH;
    opt->population = CT_RC_POP_REACHED;
    opt->top = 20;
}

/* ---- a map from small keys to indices ------------------------------------------ */

/* A level (fa = factor << 24 | station or material, c = lane or server,
 * b = unit number or shift, d = metre bin) or a unit (fa = kind << 24 |
 * station or material, c = lane, b = number). */
typedef struct rkey {
    uint32_t fa, c;
    int64_t b, d;
} rkey;

typedef struct rmap {
    rkey *keys;
    int32_t *vals;     /* -1: empty */
    size_t cap, n;     /* cap a power of two, n < cap / 2 */
} rmap;

static uint64_t rkey_hash(const rkey *k)
{
    uint64_t h = ((uint64_t)k->fa << 32 | k->c) * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)k->b * 0xC2B2AE3D27D4EB4Full;
    h ^= (uint64_t)k->d * 0x165667B19E3779F9ull;
    h ^= h >> 31;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 32);
}

static bool rkey_eq(const rkey *a, const rkey *b)
{
    return a->fa == b->fa && a->c == b->c && a->b == b->b && a->d == b->d;
}

static int32_t rmap_get(const rmap *m, const rkey *k)
{
    if (!m->cap)
        return -1;
    for (size_t i = rkey_hash(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->vals[i] < 0)
            return -1;
        if (rkey_eq(&m->keys[i], k))
            return m->vals[i];
    }
}

static void rmap_free(rmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* Inserts k -> v (k not yet present); false when out of memory. */
static bool rmap_put(rmap *m, const rkey *k, int32_t v)
{
    if (2 * (m->n + 1) > m->cap) {
        rmap g = {NULL, NULL, m->cap ? 2 * m->cap : 1024, 0};
        g.keys = malloc(g.cap * sizeof *g.keys);
        g.vals = malloc(g.cap * sizeof *g.vals);
        if (!g.keys || !g.vals) {
            rmap_free(&g);
            return false;
        }
        memset(g.vals, 0xff, g.cap * sizeof *g.vals);
        for (size_t i = 0; i < m->cap; i++)
            if (m->vals[i] >= 0)
                rmap_put(&g, &m->keys[i], m->vals[i]);
        rmap_free(m);
        *m = g;
    }
    size_t i = rkey_hash(k) & (m->cap - 1);
    while (m->vals[i] >= 0)
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = *k;
    m->vals[i] = v;
    m->n++;
    return true;
}

/* Makes room for one more element in a growable array. */
static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? 2 * *cap : 256;
    void *q = realloc(*p, c * size);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

/* ---- the state of a ranking --------------------------------------------------- */

enum { K_BATCH = 1, K_COIL = 2, K_LOT = 3 };

typedef struct level {
    rkey key;
    uint32_t cells, targets;   /* population cells with the level, targets among them */
    uint32_t mark;             /* generation of the last list it was put in */
} level;

/* A row of the unit table, with its inputs and passages. */
typedef struct urow {
    int64_t unit_id;
    rkey key;
    size_t in0, nin, p0, np;
    double split_end;          /* end of its first job at a slitting station, or +inf */
    int32_t next_same;         /* next row with the same key, -1 */
} urow;

typedef struct upass {
    int station, server;
    double start_s, end_s;
} upass;

/* A coil lane, batch or lot: the levels it carries (in pool). */
typedef struct node {
    size_t off, n;
    int state;                 /* 1 building, 2 done */
} node;

typedef struct dense {
    int32_t *v;
    size_t n;
} dense;

/* A piece of coil of the cell being read. */
typedef struct cpiece {
    int maker, lane;
    uint64_t coil;
    double from_m, to_m;
    int32_t node;
} cpiece;

typedef struct test {
    int32_t lvl;
    rkey key;                  /* the level's, for a stable order of equal results */
    double log_p, log_adj, lift;
} test;

struct ct_rootcause {
    ct_rootcause_summary sum;
    ct_rootcause_row *rows;
    size_t n;
    char *targets_what, *population_what;
};

typedef struct rc {
    ct_trace_db *d;
    const ct_rootcause_options *o;
    cti_run_info r;
    bool nomem;

    level *lv;
    size_t nlv, caplv;
    rmap lvmap;
    uint32_t gen;
    int32_t *tmp;              /* the list being gathered */
    size_t ntmp, captmp;

    urow *u;
    size_t nu, capu;
    rmap umap;                 /* unit key -> first row */
    rkey *in;
    size_t nin, capin;
    upass *up;
    size_t nup, capup;
    int *splits;               /* by station */

    node *nodes;
    size_t nn, capn;
    rmap nmap;
    int32_t *pool;
    size_t npool, cappool;

    dense *equip, *shift;      /* by station */
    rkey last_section;
    int32_t last_section_lvl;

    /* the targets */
    int mode;                  /* M_* */
    char **causes;
    size_t ncauses;
    unsigned char *listed;     /* list mode: by serial */
    size_t nlisted;
    long long *target_station; /* by station: the last serial of a target scrapped there, 0 none */
    bool unscrapped_target;    /* a listed target was not scrapped (at a station) */
    bool any_target_station;   /* population: the cells that reached such a station */
    long long cohort;          /* > 0: population: the cells of serial <= cohort */
    int cohort_station;        /* the target station reached last */
} rc;

enum { M_CAUSES, M_SCRAPPED, M_LIST };

static ct_status nomem_err(rc *R, ct_error *err)
{
    return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", R->d->path);
}

static ct_status db_err(rc *R, ct_error *err)
{
    return ct_error_set(err, CT_ERR_DB, "%s: %s", R->d->path, sqlite3_errmsg(R->d->db));
}

static bool enabled(const rc *R, ct_rootcause_factor f)
{
    return (R->o->factors >> f) & 1u;
}

/* The level with this key, created when new; -1 when out of memory. */
static int32_t level_of(rc *R, const rkey *k)
{
    int32_t v = rmap_get(&R->lvmap, k);
    if (v >= 0)
        return v;
    if (R->nlv >= INT32_MAX - 1 || !grow((void **)&R->lv, &R->caplv, R->nlv, sizeof *R->lv) ||
        !rmap_put(&R->lvmap, k, (int32_t)R->nlv)) {
        R->nomem = true;
        return -1;
    }
    R->lv[R->nlv] = (level){*k, 0, 0, 0};
    return (int32_t)R->nlv++;
}

static int32_t level_get(rc *R, ct_rootcause_factor f, int a, int c, int64_t b, int64_t d)
{
    if (!enabled(R, f) || a < 0 || a >= (1 << 24))
        return -1;
    rkey k = {(uint32_t)f << 24 | (uint32_t)a, (uint32_t)c, b, d};
    return level_of(R, &k);
}

/* A level through a dense per-station cache (servers, shift windows). */
static int32_t level_dense(rc *R, dense *cache, ct_rootcause_factor f, int station, int c, int64_t b,
                           int64_t idx)
{
    if (!enabled(R, f) || station < 0 || station >= R->r.n_stations)
        return -1;
    if (idx < 0 || idx >= DENSE_MAX)
        return level_get(R, f, station, c, b, 0);
    dense *dn = &cache[station];
    if ((size_t)idx >= dn->n) {
        size_t n = (size_t)idx + 16;
        int32_t *v = realloc(dn->v, n * sizeof *v);
        if (!v) {
            R->nomem = true;
            return -1;
        }
        for (size_t i = dn->n; i < n; i++)
            v[i] = -1;
        dn->v = v;
        dn->n = n;
    }
    if (dn->v[idx] < 0)
        dn->v[idx] = level_get(R, f, station, c, b, 0);
    return dn->v[idx];
}

static int32_t equipment_level(rc *R, int station, int server)
{
    return level_dense(R, R->equip, CT_RC_EQUIPMENT, station, server, 0, server);
}

static int32_t shift_level(rc *R, int station, double start_s)
{
    double w = floor(start_s / R->o->shift_s);
    int64_t s = isfinite(w) && fabs(w) < 1e15 ? (int64_t)w : -1;
    return level_dense(R, R->shift, CT_RC_SHIFT, station, 0, s, s);
}

/* Puts level l into the list being gathered, once per generation. */
static void gather(rc *R, int32_t l)
{
    if (l < 0 || R->lv[l].mark == R->gen)
        return;
    if (!grow((void **)&R->tmp, &R->captmp, R->ntmp, sizeof *R->tmp)) {
        R->nomem = true;
        return;
    }
    R->lv[l].mark = R->gen;
    R->tmp[R->ntmp++] = l;
}

static void gather_start(rc *R)
{
    R->gen++;
    R->ntmp = 0;
}

static void gather_passage(rc *R, int station, int server, double start_s)
{
    gather(R, equipment_level(R, station, server));
    gather(R, shift_level(R, station, start_s));
}

/* ---- the upstream genealogy ---------------------------------------------------- */

static int unit_kind(const char *text)
{
    return !text ? 0 : !strcmp(text, "batch") ? K_BATCH : !strcmp(text, "coil") ? K_COIL
                   : !strcmp(text, "lot")                    ? K_LOT
                                                             : 0;
}

static rkey unit_key(int kind, int idx, int lane, int64_t number)
{
    return (rkey){(uint32_t)kind << 24 | ((uint32_t)idx & 0xffffffu), kind == K_COIL ? (uint32_t)lane : 0u,
                  number, 0};
}

static urow *row_by_id(rc *R, int64_t unit_id)
{
    size_t lo = 0, hi = R->nu;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (R->u[mid].unit_id < unit_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < R->nu && R->u[lo].unit_id == unit_id ? &R->u[lo] : NULL;
}

static ct_status prepare(rc *R, sqlite3_stmt **s, const char *sql, ct_error *err)
{
    if (sqlite3_prepare_v2(R->d->db, sql, -1, s, NULL) != SQLITE_OK)
        return db_err(R, err);
    sqlite3_bind_int64(*s, 1, R->r.run_id);
    return CT_OK;
}

/* Reads the run's batches and coils, their inputs and their jobs. */
static ct_status load_units(rc *R, ct_error *err)
{
    sqlite3_stmt *s = NULL;
    ct_status st;
    int rcode;
    if (!(R->splits = calloc((size_t)R->r.n_stations + 1, sizeof *R->splits)))
        return nomem_err(R, err);
    if (sqlite3_prepare_v2(R->d->db, "SELECT station_idx, splits FROM station WHERE factory_id = ?", -1,
                           &s, NULL) != SQLITE_OK)
        return db_err(R, err);
    sqlite3_bind_int64(s, 1, R->r.factory_id);
    while ((rcode = sqlite3_step(s)) == SQLITE_ROW) {
        int i = sqlite3_column_int(s, 0);
        if (i >= 0 && i < R->r.n_stations)
            R->splits[i] = sqlite3_column_int(s, 1);
    }
    sqlite3_finalize(s);

    if ((st = prepare(R, &s,
                      "SELECT unit_id, kind, maker_idx, number, lane FROM unit WHERE run_id = ? "
                      "ORDER BY unit_id",
                      err)) != CT_OK)
        return st;
    while ((rcode = sqlite3_step(s)) == SQLITE_ROW) {
        int kind = unit_kind((const char *)sqlite3_column_text(s, 1));
        if (!kind)
            continue;
        if (!grow((void **)&R->u, &R->capu, R->nu, sizeof *R->u))
            goto nomem;
        urow *u = &R->u[R->nu];
        memset(u, 0, sizeof *u);
        u->unit_id = sqlite3_column_int64(s, 0);
        u->key = unit_key(kind, sqlite3_column_int(s, 2), sqlite3_column_int(s, 4),
                          sqlite3_column_int64(s, 3));
        u->split_end = INFINITY;
        int32_t first = rmap_get(&R->umap, &u->key);
        if (first >= 0) {   /* a second row of the key: chain it behind the first */
            u->next_same = R->u[first].next_same;
            R->u[first].next_same = (int32_t)R->nu;
        } else {
            u->next_same = -1;
            if (!rmap_put(&R->umap, &u->key, (int32_t)R->nu))
                goto nomem;
        }
        R->nu++;
    }
    if (rcode != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(s);

    if ((st = prepare(R, &s,
                      "SELECT unit_id, in_kind, in_idx, in_number, in_lane FROM unit_input WHERE run_id "
                      "= ? ORDER BY unit_id, k",
                      err)) != CT_OK)
        return st;
    while ((rcode = sqlite3_step(s)) == SQLITE_ROW) {
        urow *u = row_by_id(R, sqlite3_column_int64(s, 0));
        int kind = unit_kind((const char *)sqlite3_column_text(s, 1));
        if (!u || !kind)
            continue;
        if (!grow((void **)&R->in, &R->capin, R->nin, sizeof *R->in))
            goto nomem;
        if (!u->nin)
            u->in0 = R->nin;
        if (u->in0 + u->nin != R->nin)
            continue;   /* rows come sorted by unit: cannot happen */
        R->in[R->nin++] = unit_key(kind, sqlite3_column_int(s, 2), sqlite3_column_int(s, 4),
                                   sqlite3_column_int64(s, 3));
        u->nin++;
    }
    if (rcode != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(s);

    if ((st = prepare(R, &s,
                      "SELECT p.unit_id, p.station_idx, p.server, p.start_s, p.end_s FROM unit u JOIN "
                      "unit_passage p USING(unit_id) WHERE u.run_id = ? ORDER BY p.unit_id, p.start_s",
                      err)) != CT_OK)
        return st;
    while ((rcode = sqlite3_step(s)) == SQLITE_ROW) {
        urow *u = row_by_id(R, sqlite3_column_int64(s, 0));
        if (!u)
            continue;
        if (!grow((void **)&R->up, &R->capup, R->nup, sizeof *R->up))
            goto nomem;
        if (!u->np)
            u->p0 = R->nup;
        if (u->p0 + u->np != R->nup)
            continue;
        upass *p = &R->up[R->nup++];
        *p = (upass){sqlite3_column_int(s, 1), sqlite3_column_int(s, 2), sqlite3_column_double(s, 3),
                     sqlite3_column_double(s, 4)};
        u->np++;
        if (p->station >= 0 && p->station < R->r.n_stations && R->splits[p->station] > 1 &&
            p->end_s < u->split_end)
            u->split_end = p->end_s;
    }
    if (rcode != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(s);
    return CT_OK;
nomem:
    sqlite3_finalize(s);
    return nomem_err(R, err);
dberr:
    st = db_err(R, err);
    sqlite3_finalize(s);
    return st;
}

/* The node of a unit key (a coil lane, batch or lot) with its levels:
 * its own (the unit, its jobs) and those of everything it was made from.
 * -1 when out of memory or on a cycle (a malformed trace). */
static int32_t node_of(rc *R, const rkey *k, int depth)
{
    int32_t id = rmap_get(&R->nmap, k);
    if (id >= 0)
        return R->nodes[id].state == 2 ? id : -1;
    if (depth > 32)
        return -1;
    if (!grow((void **)&R->nodes, &R->capn, R->nn, sizeof *R->nodes) ||
        !rmap_put(&R->nmap, k, (int32_t)R->nn)) {
        R->nomem = true;
        return -1;
    }
    id = (int32_t)R->nn++;
    R->nodes[id] = (node){0, 0, 1};
    int kind = (int)(k->fa >> 24), idx = (int)(k->fa & 0xffffffu), lane = (int)k->c;

    /* the inputs first: building them reuses the gathering list */
    int32_t *kids = NULL;
    size_t nk = 0, capk = 0;
    for (int32_t r = rmap_get(&R->umap, k); r >= 0; r = R->u[r].next_same)
        for (size_t i = 0; i < R->u[r].nin; i++) {
            rkey in = R->in[R->u[r].in0 + i];
            int32_t kid = node_of(R, &in, depth + 1);
            if (kid < 0)
                continue;
            if (!grow((void **)&kids, &capk, nk, sizeof *kids)) {
                R->nomem = true;
                break;
            }
            kids[nk++] = kid;
        }

    gather_start(R);
    if (kind == K_LOT)
        gather(R, level_get(R, CT_RC_LOT, idx, 0, k->b, 0));
    else if (kind == K_BATCH)
        gather(R, level_get(R, CT_RC_BATCH, idx, 0, k->b, 0));
    else
        gather(R, level_get(R, CT_RC_COIL, idx, 0, k->b, 0));
    for (int32_t r = rmap_get(&R->umap, k); r >= 0; r = R->u[r].next_same)
        for (size_t i = 0; i < R->u[r].np; i++) {
            const upass *p = &R->up[R->u[r].p0 + i];
            gather_passage(R, p->station, p->server, p->start_s);
        }
    /* A coil's jobs before slitting are stored with lane 0 and concern
     * every lane (as in the recalls). */
    if (kind == K_COIL && lane != 0) {
        rkey k0 = unit_key(K_COIL, idx, 0, k->b);
        for (int32_t r = rmap_get(&R->umap, &k0); r >= 0; r = R->u[r].next_same)
            for (size_t i = 0; i < R->u[r].np; i++) {
                const upass *p = &R->up[R->u[r].p0 + i];
                if (p->start_s < R->u[r].split_end)
                    gather_passage(R, p->station, p->server, p->start_s);
            }
    }
    for (size_t i = 0; i < nk; i++) {
        const node *c = &R->nodes[kids[i]];
        for (size_t j = 0; j < c->n; j++)
            gather(R, R->pool[c->off + j]);
    }
    free(kids);
    node *nd = &R->nodes[id];
    nd->off = R->npool;
    for (size_t i = 0; i < R->ntmp; i++) {
        if (!grow((void **)&R->pool, &R->cappool, R->npool, sizeof *R->pool)) {
            R->nomem = true;
            break;
        }
        R->pool[R->npool++] = R->tmp[i];
    }
    nd->n = R->npool - nd->off;
    nd->state = 2;
    return R->nomem ? -1 : id;
}

/* The metre sections a piece [from, to) of a coil lane covers. */
static void gather_sections(rc *R, const cpiece *p)
{
    if (!enabled(R, CT_RC_SECTION) || !(p->to_m > p->from_m))
        return;
    double w = R->o->metre_bin_m;
    double b0 = floor(p->from_m / w), b1 = ceil(p->to_m / w) - 1;
    if (!(fabs(b0) < 1e15 && fabs(b1) < 1e15))
        return;
    if (b1 < b0)
        b1 = b0;
    for (int64_t b = (int64_t)b0; b <= (int64_t)b1 && b - (int64_t)b0 < 1000000; b++) {
        rkey k = {(uint32_t)CT_RC_SECTION << 24 | (uint32_t)p->maker, (uint32_t)p->lane, (int64_t)p->coil,
                  b};
        if (!rkey_eq(&k, &R->last_section) || R->last_section_lvl < 0) {
            R->last_section = k;
            R->last_section_lvl = p->maker >= 0 && p->maker < (1 << 24) ? level_of(R, &k) : -1;
        }
        gather(R, R->last_section_lvl);
    }
}

/* ---- the targets ----------------------------------------------------------------- */

static void free_causes(rc *R)
{
    for (size_t i = 0; i < R->ncauses; i++)
        free(R->causes[i]);
    free(R->causes);
    R->causes = NULL;
    R->ncauses = 0;
}

static bool add_cause(rc *R, const char *c)
{
    char **p = realloc(R->causes, (R->ncauses + 1) * sizeof *p);
    if (!p)
        return false;
    R->causes = p;
    if (!(p[R->ncauses] = strdup(c)))
        return false;
    R->ncauses++;
    return true;
}

static bool is_target_cause(const rc *R, const char *cause)
{
    if (!cause)
        return false;
    for (size_t i = 0; i < R->ncauses; i++)
        if (strcmp(cause, R->causes[i]) == 0)
            return true;
    return false;
}

/* Appends printf text to a malloc'd string. */
static bool append(char **s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static bool append(char **s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t old = *s ? strlen(*s) : 0;
    char *p = n >= 0 ? realloc(*s, old + (size_t)n + 1) : NULL;
    if (!p)
        return false;
    va_start(ap, fmt);
    vsnprintf(p + old, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *s = p;
    return true;
}

/* The run's scrap causes with their counts, for a message. */
static void list_causes(rc *R, char *buf, size_t len)
{
    sqlite3_stmt *s = NULL;
    size_t n = 0;
    buf[0] = '\0';
    if (prepare(R, &s,
                "SELECT scrap_cause, count(*) FROM cell WHERE run_id = ? AND state = 'scrapped' GROUP BY "
                "1 ORDER BY 2 DESC, 1 LIMIT 12",
                NULL) != CT_OK)
        return;
    while (sqlite3_step(s) == SQLITE_ROW && n < len) {
        const char *c = (const char *)sqlite3_column_text(s, 0);
        n += (size_t)snprintf(buf + n, len - n, "%s\"%s\" (%lld)", n ? ", " : "", c ? c : "",
                              sqlite3_column_int64(s, 1));
    }
    sqlite3_finalize(s);
    if (!buf[0])
        snprintf(buf, len, "none, no cell was scrapped");
}

/* Keyword selections: the causes, and where the targets were scrapped. */
static ct_status select_keyword(rc *R, char **what, ct_error *err)
{
    const char *cells = R->o->cells;
    ct_status st;
    if (strcmp(cells, "scrapped") == 0) {
        R->mode = M_SCRAPPED;
        if (!append(what, "scrapped cells"))
            return nomem_err(R, err);
    } else if (strncmp(cells, "cause=", 6) == 0) {
        if (!cells[6])
            return ct_error_set(err, CT_ERR_INVALID,
                                "cells \"%s\": expected a scrap cause after cause=, such as "
                                "cause=hipot_stack",
                                cells);
        R->mode = M_CAUSES;
        if (!add_cause(R, cells + 6) || !append(what, "cells scrapped as \"%s\"", cells + 6))
            return nomem_err(R, err);
    } else if (strcmp(cells, "outliers") == 0) {
        /* the aging screen's cause, and gates on the self-discharge */
        R->mode = M_CAUSES;
        if (!add_cause(R, CTI_CAUSE_SD_OUTLIER) ||
            !append(what, "self-discharge outliers (scrap cause \"%s\"", CTI_CAUSE_SD_OUTLIER))
            return nomem_err(R, err);
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(R->d->db,
                               "SELECT name FROM gate WHERE factory_id = ? AND attribute IN ('k_value', "
                               "'self_discharge_current') ORDER BY gate_idx",
                               -1, &s, NULL) != SQLITE_OK)
            return db_err(R, err);
        sqlite3_bind_int64(s, 1, R->r.factory_id);
        bool ok = true;
        while (ok && sqlite3_step(s) == SQLITE_ROW) {
            const char *g = (const char *)sqlite3_column_text(s, 0);
            ok = !g || (add_cause(R, g) && append(what, " or \"%s\"", g));
        }
        sqlite3_finalize(s);
        if (!ok || !append(what, ")"))
            return nomem_err(R, err);
    } else {
        return ct_error_set(err, CT_ERR_INVALID,
                            "cells \"%s\": expected outliers, scrapped, cause=NAME or a list of serials",
                            cells);
    }
    /* where were they scrapped, and are there any? */
    char sql[1024];
    size_t n = (size_t)snprintf(sql, sizeof sql,
                                "SELECT scrap_station_idx, count(*), max(serial) FROM cell WHERE run_id = ? "
                                "AND state "
                                "= 'scrapped'");
    if (R->mode == M_CAUSES) {
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND scrap_cause IN (");
        for (size_t i = 0; i < R->ncauses && n < sizeof sql; i++)
            n += (size_t)snprintf(sql + n, sizeof sql - n, "%s?", i ? ", " : "");
        if (n < sizeof sql)
            n += (size_t)snprintf(sql + n, sizeof sql - n, ")");
    }
    if (n < sizeof sql)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " GROUP BY 1");
    if (n >= sizeof sql)
        return ct_error_set(err, CT_ERR_INVALID, "%s: too many gates on the self-discharge", R->d->path);
    sqlite3_stmt *s = NULL;
    if ((st = prepare(R, &s, sql, err)) != CT_OK)
        return st;
    for (size_t i = 0; R->mode == M_CAUSES && i < R->ncauses; i++)
        sqlite3_bind_text(s, (int)i + 2, R->causes[i], -1, SQLITE_STATIC);
    long long found = 0;
    int rcode;
    while ((rcode = sqlite3_step(s)) == SQLITE_ROW) {
        found += sqlite3_column_int64(s, 1);
        if (sqlite3_column_type(s, 0) != SQLITE_NULL) {
            int i = sqlite3_column_int(s, 0);
            if (i >= 0 && i < R->r.n_stations)
                R->target_station[i] = sqlite3_column_int64(s, 2);
        }
    }
    sqlite3_finalize(s);
    if (rcode != SQLITE_DONE)
        return db_err(R, err);
    if (!found) {
        char causes[768];
        list_causes(R, causes, sizeof causes);
        return ct_error_set(err, CT_ERR_NOTFOUND, "%s: run %s holds no %s; scrap causes in the run: %s",
                            R->d->path, R->r.code, *what, causes);
    }
    return CT_OK;
}

/* Serial list: the run, and each serial checked against it. */
static ct_status select_list(rc *R, char **what, ct_error *err)
{
    const ct_rootcause_options *o = R->o;
    char code[CTI_RUN_CODE_LEN + 1] = "", c[CTI_RUN_CODE_LEN + 1];
    long long number, max = 0;
    bool bare = false;
    if (!o->n_serials)
        return ct_error_set(err, CT_ERR_INVALID, "cells: expected at least one serial, got none");
    for (size_t i = 0; i < o->n_serials; i++) {
        if (!cti_trace_serial_split(o->serials[i], c, &number) || (c[0] && !cti_run_code_normalise(c)))
            return ct_error_set(err, CT_ERR_INVALID,
                                "serial \"%s\": expected RUNCODE-NUMBER such as \"7KQ2MX-0001234\"",
                                o->serials[i]);
        if (!c[0])
            bare = true;
        else if (!code[0])
            memcpy(code, c, sizeof code);
        else if (strcmp(code, c) != 0)
            return ct_error_set(err, CT_ERR_INVALID,
                                "serials of two runs (%s and %s): a ranking compares the cells of one run",
                                code, c);
        if (number > max)
            max = number;
    }
    ct_status st = cti_trace_find_run(R->d, o->run ? o->run : code[0] ? code : NULL, &R->r, err);
    if (st != CT_OK)
        return st;
    if (!(R->target_station = calloc((size_t)R->r.n_stations + 1, sizeof *R->target_station)))
        return nomem_err(R, err);
    if (code[0] && strcmp(code, R->r.code) != 0)
        return ct_error_set(err, CT_ERR_INVALID, "serials of run %s, but --run %s", code, R->r.code);
    if (bare && !code[0] && !o->run) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(R->d->db, "SELECT count(*) FROM run", -1, &s, NULL) != SQLITE_OK)
            return db_err(R, err);
        int runs = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
        sqlite3_finalize(s);
        if (runs > 1)
            return ct_error_set(err, CT_ERR_INVALID,
                                "serial numbers without a run code are ambiguous: %s holds %d runs; write "
                                "RUNCODE-NUMBER or give the run",
                                R->d->path, runs);
    }
    /* marks by serial, up to the run's last: numbers above it are not in it */
    sqlite3_stmt *s = NULL;
    long long last = 0;
    if ((st = prepare(R, &s, "SELECT max(serial) FROM cell WHERE run_id = ?", err)) != CT_OK)
        return st;
    if (sqlite3_step(s) == SQLITE_ROW)
        last = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (max > last)
        max = last;
    if (!(R->listed = calloc((size_t)(max > 0 ? max : 0) + 1, 1)))
        return nomem_err(R, err);
    R->nlisted = (size_t)(max > 0 ? max : 0) + 1;
    if ((st = prepare(R, &s,
                      "SELECT state, scrap_station_idx FROM cell WHERE run_id = ? AND serial = ?",
                      err)) != CT_OK)
        return st;
    size_t distinct = 0, missing = 0;
    char first_missing[64] = "";
    for (size_t i = 0; i < o->n_serials; i++) {
        cti_trace_serial_split(o->serials[i], c, &number);
        if (number < (long long)R->nlisted && R->listed[number])
            continue;
        sqlite3_bind_int64(s, 2, number);
        int rcode = number < (long long)R->nlisted ? sqlite3_step(s) : SQLITE_DONE;
        if (rcode == SQLITE_ROW) {
            R->listed[number] = 1;
            distinct++;
            const char *state = (const char *)sqlite3_column_text(s, 0);
            if (state && strcmp(state, "scrapped") == 0 && sqlite3_column_type(s, 1) != SQLITE_NULL) {
                int k = sqlite3_column_int(s, 1);
                if (k >= 0 && k < R->r.n_stations && number > R->target_station[k])
                    R->target_station[k] = number;
            } else {
                R->unscrapped_target = true;
            }
        } else if (rcode == SQLITE_DONE) {
            if (!missing++)
                snprintf(first_missing, sizeof first_missing, "%s-%07lld", R->r.code, number);
        } else {
            sqlite3_finalize(s);
            return db_err(R, err);
        }
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    if (missing)
        return ct_error_set(err, CT_ERR_NOTFOUND, "%s: no cell %s in run %s%s", R->d->path, first_missing,
                            R->r.code,
                            missing > 1 ? " (and more of the serials listed are not in it)" : "");
    R->mode = M_LIST;
    if (!append(what, "the %zu cell%s listed", distinct, distinct == 1 ? "" : "s"))
        return nomem_err(R, err);
    return CT_OK;
}

/* ---- the pass over the cells ------------------------------------------------------ */

static bool reached(const rc *R, long long serial, const upass *pass, size_t np, int scrap_station)
{
    if (R->cohort > 0)
        return serial <= R->cohort;
    if (!R->any_target_station)
        return true;
    if (scrap_station >= 0 && scrap_station < R->r.n_stations && R->target_station[scrap_station])
        return true;
    for (size_t i = 0; i < np; i++)
        if (pass[i].station >= 0 && pass[i].station < R->r.n_stations && R->target_station[pass[i].station])
            return true;
    return false;
}

static ct_status count_cells(rc *R, uint64_t *n_run, uint64_t *n_pop, uint64_t *n_target,
                             ct_error *err)
{
    sqlite3_stmt *s = NULL;
    ct_status st;
    long long max_serial = 1;
    if ((st = prepare(R, &s, "SELECT max(serial) FROM cell WHERE run_id = ?", err)) != CT_OK)
        return st;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 0) > 0)
        max_serial = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if ((st = prepare(R, &s,
                      "SELECT serial, state, scrap_station_idx, scrap_cause, history FROM cell WHERE "
                      "run_id = ?",
                      err)) != CT_OK)
        return st;
    cpiece *pieces = NULL;
    upass *pass = NULL;
    size_t cap_pieces = 0, cap_pass = 0;
    uint64_t rows = 0;
    int rcode;
    R->last_section_lvl = -1;
    while ((rcode = sqlite3_step(s)) == SQLITE_ROW) {
        long long serial = sqlite3_column_int64(s, 0);
        const char *state = (const char *)sqlite3_column_text(s, 1);
        int scrap_station = sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 2);
        bool scrapped = state && strcmp(state, "scrapped") == 0;
        bool target = R->mode == M_SCRAPPED ? scrapped
                      : R->mode == M_CAUSES ? scrapped && is_target_cause(R, (const char *)sqlite3_column_text(s, 3))
                                            : serial >= 0 && (size_t)serial < R->nlisted && R->listed[serial];
        (*n_run)++;
        if (R->o->progress && ++rows % 65536 == 0)
            R->o->progress(R->o->progress_ctx, fmin(1.0, (double)serial / (double)max_serial));

        size_t np = 0, npass = 0;
        cti_hist_iter it;
        cti_hist_rec h;
        cti_hist_begin(&it, sqlite3_column_blob(s, 4), (size_t)sqlite3_column_bytes(s, 4));
        int got;
        while ((got = cti_hist_next(&it, &h)) > 0) {
            if (h.tag == CTI_HIST_PIECE) {
                if (!grow((void **)&pieces, &cap_pieces, np, sizeof *pieces))
                    goto nomem;
                pieces[np++] = (cpiece){h.maker, h.lane, h.coil, h.from_m, h.to_m, -1};
            } else if (h.tag == CTI_HIST_PASSAGE) {
                if (!grow((void **)&pass, &cap_pass, npass, sizeof *pass))
                    goto nomem;
                pass[npass++] = (upass){h.station, h.server, h.start_s, h.end_s};
            } else if (h.tag == CTI_HIST_LOT) {
                /* a lot the cell used directly: kept as a piece of lane -1 */
                if (!grow((void **)&pieces, &cap_pieces, np, sizeof *pieces))
                    goto nomem;
                pieces[np++] = (cpiece){h.maker, -1, h.coil, 0, 0, -1};
            }
        }
        if (got < 0) {
            st = ct_error_set(err, CT_ERR_DB, "%s: cell %s-%07lld: malformed history", R->d->path,
                              R->r.code, serial);
            goto done;
        }
        if (R->cohort > 0 ? !reached(R, serial, pass, npass, scrap_station)
                          : !target && !reached(R, serial, pass, npass, scrap_station))
            continue;
        (*n_pop)++;
        *n_target += target;
        /* the coil lanes' nodes before gathering: building one gathers too */
        for (size_t i = 0; i < np; i++) {
            bool lot = pieces[i].lane < 0;
            rkey k = unit_key(lot ? K_LOT : K_COIL, pieces[i].maker, pieces[i].lane, (int64_t)pieces[i].coil);
            pieces[i].node = node_of(R, &k, 0);
        }
        gather_start(R);
        for (size_t i = 0; i < np; i++) {
            if (pieces[i].node >= 0) {
                const node *nd = &R->nodes[pieces[i].node];
                for (size_t j = 0; j < nd->n; j++)
                    gather(R, R->pool[nd->off + j]);
            }
            if (pieces[i].lane >= 0)
                gather_sections(R, &pieces[i]);
        }
        for (size_t i = 0; i < npass; i++)
            gather_passage(R, pass[i].station, pass[i].server, pass[i].start_s);
        if (R->nomem)
            goto nomem;
        for (size_t i = 0; i < R->ntmp; i++) {
            level *l = &R->lv[R->tmp[i]];
            l->cells++;
            l->targets += target;
        }
    }
    st = rcode == SQLITE_DONE ? CT_OK : db_err(R, err);
    goto done;
nomem:
    st = nomem_err(R, err);
done:
    sqlite3_finalize(s);
    free(pieces);
    free(pass);
    return st;
}

/* ---- tests and ranking ------------------------------------------------------------ */

static int by_key(const rkey *p, const rkey *q)
{
    if (p->fa != q->fa)
        return p->fa < q->fa ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    if (p->c != q->c)
        return p->c < q->c ? -1 : 1;
    return (p->d > q->d) - (p->d < q->d);
}

static int by_log_p(const void *a, const void *b)
{
    const test *x = a, *y = b;
    return x->log_p < y->log_p ? -1 : x->log_p > y->log_p ? 1 : by_key(&x->key, &y->key);
}

/* The ranking: adjusted p, then lift, then p, then the level's key (a
 * stable order for equal results). */
static int by_rank(const void *a, const void *b)
{
    const test *x = a, *y = b;
    if (x->log_adj != y->log_adj)
        return x->log_adj < y->log_adj ? -1 : 1;
    if (x->lift != y->lift)
        return x->lift > y->lift ? -1 : 1;
    if (x->log_p != y->log_p)
        return x->log_p < y->log_p ? -1 : 1;
    return by_key(&x->key, &y->key);
}

static const char *name_at(char *const *names, int n, int i)
{
    return i >= 0 && i < n && names[i] ? names[i] : "?";
}

static char *level_name(const rc *R, const rkey *k)
{
    int f = (int)(k->fa >> 24), a = (int)(k->fa & 0xffffffu);
    const char *st = name_at(R->r.stations, R->r.n_stations, a);
    char buf[512];
    switch (f) {
    case CT_RC_LOT:
        snprintf(buf, sizeof buf, "%s:%lld", name_at(R->r.materials, R->r.n_materials, a), (long long)k->b);
        break;
    case CT_RC_BATCH:
    case CT_RC_COIL: snprintf(buf, sizeof buf, "%s:%lld", st, (long long)k->b); break;
    case CT_RC_SECTION:
        snprintf(buf, sizeof buf, "%s:%lld/%u %.10g-%.10g m", st, (long long)k->b, k->c,
                 (double)k->d * R->o->metre_bin_m, (double)(k->d + 1) * R->o->metre_bin_m);
        break;
    case CT_RC_EQUIPMENT: snprintf(buf, sizeof buf, "%s server %u", st, k->c); break;
    default:
        snprintf(buf, sizeof buf, "%s %.10g-%.10g h", st, (double)k->b * R->o->shift_s / HOUR_S,
                 (double)(k->b + 1) * R->o->shift_s / HOUR_S);
        break;
    }
    return strdup(buf);
}

static ct_status rank(rc *R, ct_rootcause *res, ct_error *err)
{
    ct_rootcause_summary *sum = &res->sum;
    uint64_t N = sum->cells, K = sum->targets;
    test *t = malloc((R->nlv ? R->nlv : 1) * sizeof *t);
    if (!t)
        return nomem_err(R, err);
    size_t m = 0;
    for (size_t i = 0; i < R->nlv; i++) {
        const level *l = &R->lv[i];
        if (l->cells == 0 || l->cells >= N)
            continue;
        t[m].lvl = (int32_t)i;
        t[m].key = l->key;
        t[m].log_p = l->targets == 0 ? 0.0
                                     : ct_hypergeometric_log_sf((long)l->targets - 1, (long)N, (long)K,
                                                                (long)l->cells);
        t[m].lift = K ? ((double)l->targets / (double)K) / ((double)l->cells / (double)N) : 0.0;
        sum->levels_by_factor[l->key.fa >> 24]++;
        m++;
    }
    sum->levels_tested = m;
    double log_m = log((double)(m ? m : 1));
    if (R->o->adjust == CT_RC_ADJUST_BONFERRONI) {
        for (size_t i = 0; i < m; i++)
            t[i].log_adj = fmin(0.0, t[i].log_p + log_m);
    } else {
        /* Benjamini-Hochberg: q_(i) = min over j >= i of p_(j) m / j */
        qsort(t, m, sizeof *t, by_log_p);
        double run_min = 0.0;
        for (size_t i = m; i-- > 0;) {
            double q = t[i].log_p + log_m - log((double)(i + 1));
            if (q < run_min)
                run_min = q;
            t[i].log_adj = run_min;
        }
    }
    qsort(t, m, sizeof *t, by_rank);
    size_t keep = R->o->top && R->o->top < m ? R->o->top : m;
    res->rows = calloc(keep ? keep : 1, sizeof *res->rows);
    if (!res->rows) {
        free(t);
        return nomem_err(R, err);
    }
    for (size_t i = 0; i < keep; i++) {
        const level *l = &R->lv[t[i].lvl];
        ct_rootcause_row *row = &res->rows[i];
        row->factor = (ct_rootcause_factor)(l->key.fa >> 24);
        row->targets_with = l->targets;
        row->cells_with = l->cells;
        row->lift = t[i].lift;
        row->log_p = t[i].log_p;
        row->log_p_adjusted = t[i].log_adj;
        row->p_value = exp(t[i].log_p);
        row->p_adjusted = exp(t[i].log_adj);
        if (!(row->level = level_name(R, &l->key))) {
            res->n = i;
            free(t);
            return nomem_err(R, err);
        }
    }
    res->n = keep;
    free(t);
    return CT_OK;
}

/* ---- the whole ------------------------------------------------------------------- */

static void rc_clear(rc *R)
{
    free(R->lv);
    rmap_free(&R->lvmap);
    free(R->tmp);
    free(R->u);
    rmap_free(&R->umap);
    free(R->in);
    free(R->up);
    free(R->splits);
    free(R->nodes);
    rmap_free(&R->nmap);
    free(R->pool);
    for (int i = 0; (R->equip || R->shift) && i < R->r.n_stations; i++) {
        if (R->equip)
            free(R->equip[i].v);
        if (R->shift)
            free(R->shift[i].v);
    }
    free(R->equip);
    free(R->shift);
    cti_run_info_clear(&R->r);   /* after the per-station arrays: it zeroes n_stations */
    free_causes(R);
    free(R->listed);
    free(R->target_station);
}

static const char not_tested[] =
    "ambient temperature: the trace holds no time-varying temperature (the factory file's ambient "
    "conditions are constants; the testers' reading temperatures are not stored)";

/* The last serial of a cell that reached station st: a job there (the
 * station index, passage_bucket) or scrapped there as a target. */
static ct_status last_reached(rc *R, int st, long long *out, ct_error *err)
{
    sqlite3_stmt *s = NULL;
    ct_status rs = prepare(R, &s, "SELECT serials FROM passage_bucket WHERE run_id = ? AND station_idx = ?",
                           err);
    if (rs != CT_OK)
        return rs;
    sqlite3_bind_int(s, 2, st);
    long long last = R->target_station[st];
    int rcode;
    while ((rcode = sqlite3_step(s)) == SQLITE_ROW) {
        const uint8_t *p = sqlite3_column_blob(s, 0), *end = p + sqlite3_column_bytes(s, 0);
        uint64_t v, serial = 0;
        while (p < end && cti_get_varint(&p, end, &v)) {
            serial += (uint64_t)cti_unzigzag(v);
            if ((long long)serial > last)
                last = (long long)serial;
        }
    }
    sqlite3_finalize(s);
    if (rcode != SQLITE_DONE)
        return db_err(R, err);
    *out = last;
    return CT_OK;
}

/* Targets scrapped at several stations: the cells that reached one of
 * them are not the cells at risk of all of them (a cell past the first
 * and not yet at the last can only have been scrapped at the first).
 * The cohort of cells made (serials are in the order of making) up to the
 * last one that reached the target station reached last is. */
static ct_status choose_cohort(rc *R, ct_error *err)
{
    int stations = 0;
    for (int i = 0; i < R->r.n_stations; i++)
        stations += R->target_station[i] != 0;
    if (stations < 2 || !R->any_target_station)
        return CT_OK;
    long long cohort = -1;
    for (int i = 0; i < R->r.n_stations; i++) {
        if (!R->target_station[i])
            continue;
        long long last = 0;
        ct_status st = last_reached(R, i, &last, err);
        if (st != CT_OK)
            return st;
        if (cohort < 0 || last < cohort) {
            cohort = last;
            R->cohort_station = i;
        }
    }
    R->cohort = cohort > 0 ? cohort : 1;
    return CT_OK;
}

/* "cells that reached age or grade" */
static bool describe_population(rc *R, char **what)
{
    if (R->cohort > 0)
        return append(what, "cells made up to %s-%07lld (the last made that reached %s, of the "
                            "target stations the one reached last)",
                      R->r.code, R->cohort, name_at(R->r.stations, R->r.n_stations, R->cohort_station));
    if (!R->any_target_station)
        return append(what, "all cells of the run");
    if (!append(what, "cells that reached "))
        return false;
    int n = 0, total = 0;
    for (int i = 0; i < R->r.n_stations; i++)
        total += R->target_station[i];
    for (int i = 0; i < R->r.n_stations; i++) {
        if (!R->target_station[i])
            continue;
        n++;
        const char *sep = n == 1 ? "" : n == total ? " or " : ", ";
        if (!append(what, "%s%s", sep, name_at(R->r.stations, R->r.n_stations, i)))
            return false;
    }
    return true;
}

ct_status ct_rootcause_run(ct_trace_db *d, const ct_rootcause_options *o, ct_rootcause **out,
                           ct_error *err)
{
    *out = NULL;
    if (!(o->metre_bin_m >= 0.01 && o->metre_bin_m <= 1e7))
        return ct_error_set(err, CT_ERR_INVALID,
                            "metre bin: expected a length from 1 cm to 10000 km, got %g m", o->metre_bin_m);
    if (!(o->shift_s >= 60.0 && o->shift_s <= 1e9))
        return ct_error_set(err, CT_ERR_INVALID, "shift: expected a duration of at least 1 min, got %g s",
                            o->shift_s);
    if (!o->cells && !o->n_serials)
        return ct_error_set(err, CT_ERR_INVALID,
                            "cells: expected outliers, scrapped, cause=NAME or a list of serials");
    if (!(o->factors & ((1u << CT_RC_FACTOR_COUNT) - 1)))
        return ct_error_set(err, CT_ERR_INVALID, "factors: expected at least one factor");
    rc R;
    memset(&R, 0, sizeof R);
    R.d = d;
    R.o = o;
    ct_rootcause *res = calloc(1, sizeof *res);
    ct_status st;
    if (!res) {
        st = ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", d->path);
        goto done;
    }
    if (!o->cells) {
        st = select_list(&R, &res->targets_what, err);
    } else if ((st = cti_trace_find_run(d, o->run, &R.r, err)) == CT_OK) {
        if (!(R.target_station = calloc((size_t)R.r.n_stations + 1, sizeof *R.target_station)))
            st = nomem_err(&R, err);
        else
            st = select_keyword(&R, &res->targets_what, err);
    }
    if (st != CT_OK)
        goto done;
    for (int i = 0; i < R.r.n_stations; i++)
        R.any_target_station |= R.target_station[i] != 0;
    R.any_target_station &= o->population == CT_RC_POP_REACHED && !R.unscrapped_target;
    if ((st = choose_cohort(&R, err)) != CT_OK)
        goto done;
    if (!(R.equip = calloc((size_t)R.r.n_stations + 1, sizeof *R.equip)) ||
        !(R.shift = calloc((size_t)R.r.n_stations + 1, sizeof *R.shift)) ||
        !describe_population(&R, &res->population_what)) {
        st = nomem_err(&R, err);
        goto done;
    }
    if ((st = load_units(&R, err)) != CT_OK)
        goto done;
    ct_rootcause_summary *sum = &res->sum;
    snprintf(sum->run, sizeof sum->run, "%s", R.r.code);
    if ((st = count_cells(&R, &sum->run_cells, &sum->cells, &sum->targets, err)) != CT_OK)
        goto done;
    if (!sum->targets) {   /* the selection found some: only a changing database gets here */
        st = ct_error_set(err, CT_ERR_NOTFOUND, "%s: run %s holds no %s", d->path, R.r.code,
                          res->targets_what);
        goto done;
    }
    sum->adjust = o->adjust;
    sum->metre_bin_m = o->metre_bin_m;
    sum->shift_s = o->shift_s;
    sum->not_tested = not_tested;
    sum->targets_what = res->targets_what;
    sum->population_what = res->population_what;
    if ((st = rank(&R, res, err)) != CT_OK)
        goto done;
    if (o->progress)
        o->progress(o->progress_ctx, 1.0);
    *out = res;
    res = NULL;
done:
    rc_clear(&R);
    ct_rootcause_destroy(res);
    return st;
}

const ct_rootcause_summary *ct_rootcause_summary_get(const ct_rootcause *r)
{
    return &r->sum;
}

size_t ct_rootcause_rows(const ct_rootcause *r)
{
    return r->n;
}

const ct_rootcause_row *ct_rootcause_row_at(const ct_rootcause *r, size_t i)
{
    return i < r->n ? &r->rows[i] : NULL;
}

void ct_rootcause_destroy(ct_rootcause *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free((char *)r->rows[i].level);
    free(r->rows);
    free(r->targets_what);
    free(r->population_what);
    free(r);
}
