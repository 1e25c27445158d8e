/*
 * factory_load.c - reads a factory file (YAML, see docs/factory-file.md)
 * into the in-memory ct_factory of factory_internal.h, validating every key
 * and value on the way. libfyaml builds the document tree; this file walks
 * it with one table of keys per kind of mapping (top level, run, source,
 * station, batch, failures, route), each key with its own handler, so a new
 * key or a new kind of mapping is one table row and one function. A mistake
 * stops the load with "FILE:LINE:COL: KEY: what was expected"; station names
 * used before they are defined (next, rework_to, source.to) are recorded and
 * resolved to indices once every station is known.
 */
#include "celltwin/factory.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "celltwin/dist.h"
#include "celltwin/units.h"
#include "model/factory_internal.h"

/* Bigger files are refused rather than read: a factory is a few kB, and a
 * bound keeps a wrong path (a log, a device) from eating memory. */
#define LOAD_MAX_BYTES (16L * 1024 * 1024)
#define LOAD_PATH_MAX 256         /* "stations[12].next[3].to" and the like */
#define LOAD_MAX_KEYS 32          /* keys of the largest table, with room to grow */
#define LOAD_MAX_STATIONS 100000
#define LOAD_MAX_SERVERS 1000000
#define LOAD_MAX_BATCH 1000000
#define LOAD_MAX_REPLICATIONS 1000000
#define LOAD_P_SUM_TOL 1e-9       /* next: probabilities must sum to 1 within this */

/* Built-in run defaults, used when the file has no `run:` or omits a key. */
#define DEFAULT_HORIZON_S 86400.0
#define DEFAULT_WARMUP_S 0.0
#define DEFAULT_SEED 1u
#define DEFAULT_REPLICATIONS 1

/* ------------------------------------------------------------------------ */
/* Loader state                                                             */

/* A station name met before all stations are known; resolved at the end. */
typedef struct station_ref {
    const char *name;            /* borrowed from the document */
    int *target;                 /* where the index goes */
    bool allow_exit;             /* `exit` is a valid target here */
    cti_loc loc;
    char path[LOAD_PATH_MAX];
} station_ref;

typedef struct loader {
    const char *file;            /* path or name, for messages */
    ct_error *err;
    ct_factory *f;
    station_ref *refs;           /* at most one per reference in the file */
    size_t n_refs, cap_refs;
} loader;

/* A value being read: its node (NULL for `key:` with nothing after it), its
 * key path for messages and its position (1-based). */
typedef struct value {
    struct fy_node *node;
    const char *path;
    cti_loc loc;
} value;

typedef ct_status (*key_fn)(loader *ld, const value *v, void *obj);

/* One key of a mapping. expect says what the value should be; it is used
 * when a required key is missing. */
typedef struct key_spec {
    const char *key;
    bool required;
    const char *expect;
    key_fn handle;
} key_spec;

/* What walk_mapping saw: where the mapping is and where each key's value
 * is (line 0 = key absent), for checks that involve several keys. */
typedef struct walk {
    const key_spec *keys;
    size_t n_keys;
    cti_loc map_loc;
    cti_loc at[LOAD_MAX_KEYS];
} walk;

#define N_KEYS(table) (sizeof(table) / sizeof((table)[0]))

static const char time_example[] = "a distribution such as \"exp(2 min)\"";

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */

static ct_status fail(loader *ld, cti_loc loc, const char *path,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static ct_status fail(loader *ld, cti_loc loc, const char *path,
                      const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ct_error_set(ld->err, CT_ERR_PARSE, "%s:%d:%d: %s: %s", ld->file,
                        loc.line, loc.col, path, what);
}

static ct_status fail_nomem(loader *ld)
{
    return ct_error_set(ld->err, CT_ERR_NOMEM, "%s: out of memory", ld->file);
}

/* True for YAML's null: `key:` with nothing, `~`, `null`. Quoted text is
 * never null. */
static bool is_null(struct fy_node *n)
{
    if (!n)
        return true;
    if (fy_node_get_type(n) != FYNT_SCALAR || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    const char *s = fy_node_get_scalar0(n);
    return !s || !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
           !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* What a value is, for "got ..." in messages. */
static const char *describe(const value *v, char *buf, size_t len)
{
    if (is_null(v->node))
        return "nothing";
    switch (fy_node_get_type(v->node)) {
    case FYNT_MAPPING:
        return "a mapping";
    case FYNT_SEQUENCE:
        return "a list";
    case FYNT_SCALAR:
    default:
        break;
    }
    const char *s = fy_node_get_scalar0(v->node);
    /* A long value would push the useful part of the message out. */
    snprintf(buf, len, "\"%.60s%s\"", s ? s : "", s && strlen(s) > 60 ? "..." : "");
    return buf;
}

static ct_status fail_expected(loader *ld, const value *v, const char *expect)
{
    char got[80];
    return fail(ld, v->loc, v->path, "expected %s, got %s", expect,
                describe(v, got, sizeof got));
}

/* ------------------------------------------------------------------------ */
/* Positions                                                                */

/* libfyaml 0.7 has no public call for a node's position. A scalar has it in
 * its token; for a mapping or a list the first event a document iterator
 * generates from the node (MAPPING_START / SEQUENCE_START) carries the
 * start token ('{', '[', '-' or the first key of a block mapping). Nodes
 * without a token (a null, a copy made by resolving an alias) take the
 * position of their key. */
static cti_loc node_loc(struct fy_node *n, cti_loc fallback)
{
    const struct fy_mark *m = NULL;
    cti_loc loc = fallback;

    if (!n)
        return fallback;
    if (fy_node_get_type(n) == FYNT_SCALAR) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        m = t ? fy_token_start_mark(t) : NULL;
        if (m && m->line >= 0) {
            loc.line = m->line + 1;
            loc.col = m->column + 1;
        }
        return loc;
    }
    struct fy_document_iterator *it = fy_document_iterator_create();
    if (!it)
        return fallback;
    fy_document_iterator_node_start(it, n);
    struct fy_event *ev = fy_document_iterator_body_next(it);
    if (ev) {
        m = fy_event_start_mark(ev);
        if (m && m->line >= 0) {
            loc.line = m->line + 1;
            loc.col = m->column + 1;
        }
        fy_document_iterator_event_free(it, ev);
    }
    fy_document_iterator_destroy(it);
    return loc;
}

static void join_key(char *out, size_t len, const char *path, const char *key)
{
    int n = path[0] ? snprintf(out, len, "%s.%s", path, key)
                    : snprintf(out, len, "%s", key);
    /* Only an absurdly long key is cut; the message still says where. */
    if (n < 0 || (size_t)n >= len)
        out[len - 1] = '\0';
}

static void list_keys(const key_spec *keys, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", keys[i].key);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* ------------------------------------------------------------------------ */
/* The table-driven walk                                                    */

/* Reads mapping v with the keys of table keys, calling each key's handler
 * with obj, then reports the first required key that is missing. Unknown
 * and non-scalar keys are errors. w records where each key was. */
static ct_status walk_mapping(loader *ld, const value *v, const key_spec *keys,
                              size_t n_keys, void *obj, walk *w)
{
    char names[512];
    char path[LOAD_PATH_MAX];
    ct_status st;

    assert(n_keys <= LOAD_MAX_KEYS);
    memset(w, 0, sizeof *w);
    w->keys = keys;
    w->n_keys = n_keys;
    w->map_loc = v->loc;

    if (is_null(v->node) || fy_node_get_type(v->node) != FYNT_MAPPING) {
        char expect[600];
        list_keys(keys, n_keys, names, sizeof names);
        snprintf(expect, sizeof expect, "a mapping with keys %s", names);
        return fail_expected(ld, v, expect);
    }

    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(v->node, &iter)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pair);
        struct fy_node *vn = fy_node_pair_value(pair);
        cti_loc key_loc = node_loc(kn, v->loc);
        const char *key = NULL;

        if (kn && fy_node_get_type(kn) == FYNT_SCALAR)
            key = fy_node_get_scalar0(kn);
        if (!key) {
            list_keys(keys, n_keys, names, sizeof names);
            return fail(ld, key_loc, v->path[0] ? v->path : "top level",
                        "expected a plain key, one of %s", names);
        }

        size_t i = 0;
        while (i < n_keys && strcmp(keys[i].key, key) != 0)
            i++;
        join_key(path, sizeof path, v->path, key);
        if (i == n_keys) {
            list_keys(keys, n_keys, names, sizeof names);
            return fail(ld, key_loc, path, "unknown key; expected one of %s", names);
        }

        value child = { vn, path, node_loc(vn, key_loc) };
        w->at[i] = child.loc;
        if ((st = keys[i].handle(ld, &child, obj)) != CT_OK)
            return st;
    }

    for (size_t i = 0; i < n_keys; i++) {
        if (keys[i].required && w->at[i].line == 0) {
            join_key(path, sizeof path, v->path, keys[i].key);
            return fail(ld, v->loc, path, "missing required key; expected %s",
                        keys[i].expect);
        }
    }
    return CT_OK;
}

/* Where key's value was, or NULL when the key was absent. */
static const cti_loc *seen(const walk *w, const char *key)
{
    for (size_t i = 0; i < w->n_keys; i++)
        if (!strcmp(w->keys[i].key, key))
            return w->at[i].line ? &w->at[i] : NULL;
    assert(!"key not in table");
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Scalar values                                                            */

/* The text of a non-null scalar, or NULL. Borrowed from the document. */
static const char *scalar(const value *v)
{
    if (is_null(v->node) || fy_node_get_type(v->node) != FYNT_SCALAR)
        return NULL;
    return fy_node_get_scalar0(v->node);
}

/* Strict decimal integer: optional sign and digits, nothing else. */
static bool parse_ll(const char *s, long long *out)
{
    const char *p = s;
    char *end;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return false;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = x;
    return true;
}

static ct_status get_int(loader *ld, const value *v, long long min, long long max,
                         const char *expect, long long *out)
{
    const char *s = scalar(v);
    long long x;
    if (!s || !parse_ll(s, &x) || x < min || x > max)
        return fail_expected(ld, v, expect);
    *out = x;
    return CT_OK;
}

static ct_status get_bool(loader *ld, const value *v, bool *out)
{
    const char *s = scalar(v);
    if (s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")))
        *out = true;
    else if (s && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")))
        *out = false;
    else
        return fail_expected(ld, v, "true or false");
    return CT_OK;
}

static bool is_inf(const char *s)
{
    return !strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ||
           !strcmp(s, "+.inf") || !strcmp(s, "+.Inf") || !strcmp(s, "+.INF");
}

/* A duration in seconds ("90", "2 min", "3 h"); positive: > 0, else >= 0. */
static ct_status get_duration(loader *ld, const value *v, bool positive, double *out)
{
    const char *expect = positive ? "a duration > 0 such as \"30 d\""
                                  : "a duration >= 0 such as \"1 d\"";
    const char *s = scalar(v);
    char why[256];
    double x;

    if (!s)
        return fail_expected(ld, v, expect);
    if (ct_quantity_parse(s, CT_DIM_TIME, false, &x, why, sizeof why) != CT_OK)
        return fail(ld, v->loc, v->path, "%s", why);
    if (!isfinite(x) || (positive ? !(x > 0) : !(x >= 0)))
        return fail_expected(ld, v, expect);
    *out = x;
    return CT_OK;
}

/* A probability: "0.02" or "2 %". */
static ct_status get_probability(loader *ld, const value *v, double *out)
{
    static const char expect[] = "a probability in [0, 1] such as 0.02 or \"2 %\"";
    const char *s = scalar(v);
    char why[256];
    double x;

    if (!s || ct_quantity_parse(s, CT_DIM_NONE, false, &x, why, sizeof why) != CT_OK ||
        !(x >= 0 && x <= 1))
        return fail_expected(ld, v, expect);
    *out = x;
    return CT_OK;
}

/* A time distribution (dist.h). Replaces *out on success. */
static ct_status get_time_dist(loader *ld, const value *v, ct_dist *out)
{
    const char *s = scalar(v);
    char why[256];
    ct_dist d;

    if (!s)
        return fail_expected(ld, v, time_example);
    memset(&d, 0, sizeof d);
    if (ct_dist_parse(s, CT_DIM_TIME, &d, why, sizeof why) != CT_OK) {
        /* Inside {...} or [...] YAML splits "normal(5, 1)" at the comma. */
        bool cut = strchr(s, '(') && !strchr(s, ')');
        return fail(ld, v->loc, v->path, "%s%s", why,
                    cut ? "; inside { } or [ ], quote a distribution that has commas: "
                          "\"normal(5, 1)\"" : "");
    }
    ct_dist_clear(out);
    *out = d;
    return CT_OK;
}

static bool valid_station_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CTI_NAME_MAX)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    return true;
}

/* Records a reference to a station by name, resolved by resolve_refs();
 * `exit` is resolved at once when allow_exit. */
static ct_status add_station_ref(loader *ld, const value *v, bool allow_exit, int *target)
{
    const char *s = scalar(v);
    if (!s)
        return fail_expected(ld, v, allow_exit ? "a station name or exit" : "a station name");
    if (allow_exit && !strcmp(s, "exit")) {
        *target = CTI_EXIT;
        return CT_OK;
    }
    if (ld->n_refs == ld->cap_refs) {
        size_t cap = ld->cap_refs ? 2 * ld->cap_refs : 16;
        station_ref *r = realloc(ld->refs, cap * sizeof *r);
        if (!r)
            return fail_nomem(ld);
        ld->refs = r;
        ld->cap_refs = cap;
    }
    station_ref *r = &ld->refs[ld->n_refs++];
    r->name = s;
    r->target = target;
    r->allow_exit = allow_exit;
    r->loc = v->loc;
    snprintf(r->path, sizeof r->path, "%s", v->path);
    *target = allow_exit ? CTI_EXIT : 0;   /* placeholder until resolved */
    return CT_OK;
}

/* Every station is known: turn the recorded names into indices. */
static ct_status resolve_refs(loader *ld)
{
    const ct_factory *f = ld->f;
    for (size_t i = 0; i < ld->n_refs; i++) {
        station_ref *r = &ld->refs[i];
        int k = 0;
        while (k < f->n_stations && strcmp(f->stations[k].name, r->name) != 0)
            k++;
        if (k < f->n_stations) {
            *r->target = k;
            continue;
        }
        /* Name a few stations so the typo is easy to see. */
        char names[400];
        size_t used = 0;
        names[0] = '\0';
        for (int j = 0; j < f->n_stations && used < sizeof names - 8; j++) {
            int w = snprintf(names + used, sizeof names - used, "%s%s", j ? ", " : "",
                             j < 12 ? f->stations[j].name : "...");
            if (w < 0 || j >= 12)
                break;
            used += (size_t)w;
        }
        return fail(ld, r->loc, r->path, "unknown station \"%.64s\"; expected one of %s%s",
                    r->name, names, r->allow_exit ? " or exit" : "");
    }
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* run:                                                                     */

static ct_status run_horizon(loader *ld, const value *v, void *obj)
{
    return get_duration(ld, v, true, &((ct_run_options *)obj)->horizon_s);
}

static ct_status run_warmup(loader *ld, const value *v, void *obj)
{
    return get_duration(ld, v, false, &((ct_run_options *)obj)->warmup_s);
}

static ct_status run_seed(loader *ld, const value *v, void *obj)
{
    static const char expect[] = "an integer seed between 0 and 18446744073709551615";
    const char *s = scalar(v);
    char *end;
    if (!s || !isdigit((unsigned char)s[0]))
        return fail_expected(ld, v, expect);
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end)
        return fail_expected(ld, v, expect);
    ((ct_run_options *)obj)->seed = (uint64_t)x;
    return CT_OK;
}

static ct_status run_replications(loader *ld, const value *v, void *obj)
{
    long long x;
    ct_status st = get_int(ld, v, 1, LOAD_MAX_REPLICATIONS,
                           "an integer >= 1 (at most 1000000)", &x);
    if (st == CT_OK)
        ((ct_run_options *)obj)->replications = (int)x;
    return st;
}

static const key_spec run_keys[] = {
    { "horizon", false, "a duration > 0 such as \"30 d\"", run_horizon },
    { "warmup", false, "a duration >= 0 such as \"1 d\"", run_warmup },
    { "seed", false, "an integer >= 0", run_seed },
    { "replications", false, "an integer >= 1", run_replications },
};

static ct_status top_run(loader *ld, const value *v, void *obj)
{
    ct_factory *f = obj;
    walk w;
    ct_status st = walk_mapping(ld, v, run_keys, N_KEYS(run_keys), &f->run, &w);
    if (st != CT_OK)
        return st;
    if (f->run.warmup_s >= f->run.horizon_s) {
        /* Blame the warmup when it was written, else the (too short) horizon. */
        const cti_loc *at = seen(&w, "warmup");
        const char *key = "run.warmup";
        if (!at) {
            at = seen(&w, "horizon");
            key = "run.horizon";
        }
        return fail(ld, *at, key,
                    "expected a warmup shorter than the horizon, got warmup %g s >= horizon %g s",
                    f->run.warmup_s, f->run.horizon_s);
    }
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* source:                                                                  */

static ct_status source_interarrival(loader *ld, const value *v, void *obj)
{
    return get_time_dist(ld, v, &((cti_source *)obj)->interarrival);
}

static ct_status source_saturated(loader *ld, const value *v, void *obj)
{
    return get_bool(ld, v, &((cti_source *)obj)->saturated);
}

static ct_status source_to(loader *ld, const value *v, void *obj)
{
    return add_station_ref(ld, v, false, &((cti_source *)obj)->to);
}

static const key_spec source_keys[] = {
    { "interarrival", false, time_example, source_interarrival },
    { "saturated", false, "true or false", source_saturated },
    { "to", false, "a station name", source_to },
};

static ct_status top_source(loader *ld, const value *v, void *obj)
{
    ct_factory *f = obj;
    walk w;
    ct_status st = walk_mapping(ld, v, source_keys, N_KEYS(source_keys), &f->source, &w);
    if (st != CT_OK)
        return st;
    f->source.loc = w.map_loc;
    const cti_loc *ia = seen(&w, "interarrival");
    if (f->source.saturated && ia)
        return fail(ld, *ia, "source.interarrival",
                    "expected either saturated: true or an interarrival, not both");
    if (!f->source.saturated && !ia)
        return fail(ld, w.map_loc, "source.interarrival",
                    "missing required key; expected %s, or saturated: true", time_example);
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* stations[i].batch, .failures, .next                                      */

static ct_status batch_size(loader *ld, const value *v, void *obj)
{
    long long x;
    ct_status st = get_int(ld, v, 1, LOAD_MAX_BATCH, "an integer >= 1 (at most 1000000)", &x);
    if (st == CT_OK)
        ((cti_station *)obj)->batch_size = (int)x;
    return st;
}

static ct_status batch_min(loader *ld, const value *v, void *obj)
{
    long long x;
    ct_status st = get_int(ld, v, 1, LOAD_MAX_BATCH, "an integer >= 1", &x);
    if (st == CT_OK)
        ((cti_station *)obj)->batch_min = (int)x;
    return st;
}

static ct_status batch_max_wait(loader *ld, const value *v, void *obj)
{
    const char *s = scalar(v);
    if (s && is_inf(s)) {
        ((cti_station *)obj)->batch_max_wait_s = -1;   /* no time-out */
        return CT_OK;
    }
    return get_duration(ld, v, false, &((cti_station *)obj)->batch_max_wait_s);
}

static const key_spec batch_keys[] = {
    { "size", true, "an integer >= 1", batch_size },
    { "min", false, "an integer between 1 and size", batch_min },
    { "max_wait", false, "a duration >= 0 or .inf", batch_max_wait },
};

/* `batch: N` or `batch: {size: N, min: M, max_wait: DUR}`. */
static ct_status station_batch(loader *ld, const value *v, void *obj)
{
    cti_station *s = obj;
    ct_status st;

    if (scalar(v)) {
        if ((st = batch_size(ld, v, s)) != CT_OK)
            return st;
        s->batch_min = s->batch_size;
        s->batch_max_wait_s = -1;
        return CT_OK;
    }
    if (!is_null(v->node) && fy_node_get_type(v->node) != FYNT_MAPPING)
        return fail_expected(ld, v, "a batch size such as 4, or {size: N, min: M, max_wait: DUR}");

    walk w;
    s->batch_max_wait_s = -1;
    if ((st = walk_mapping(ld, v, batch_keys, N_KEYS(batch_keys), s, &w)) != CT_OK)
        return st;
    if (!seen(&w, "min"))
        s->batch_min = s->batch_size;
    if (s->batch_min > s->batch_size) {
        char path[LOAD_PATH_MAX];
        join_key(path, sizeof path, v->path, "min");
        return fail(ld, *seen(&w, "min"), path,
                    "expected an integer between 1 and size (%d), got %d",
                    s->batch_size, s->batch_min);
    }
    return CT_OK;
}

static ct_status failures_mtbf(loader *ld, const value *v, void *obj)
{
    return get_time_dist(ld, v, &((cti_station *)obj)->mtbf);
}

static ct_status failures_mttr(loader *ld, const value *v, void *obj)
{
    return get_time_dist(ld, v, &((cti_station *)obj)->mttr);
}

static const key_spec failures_keys[] = {
    { "mtbf", true, "a distribution such as \"exp(10 h)\"", failures_mtbf },
    { "mttr", true, "a distribution such as \"exp(30 min)\"", failures_mttr },
};

static ct_status station_failures(loader *ld, const value *v, void *obj)
{
    cti_station *s = obj;
    walk w;
    ct_status st = walk_mapping(ld, v, failures_keys, N_KEYS(failures_keys), s, &w);
    if (st == CT_OK)
        s->has_failures = true;
    return st;
}

static ct_status route_to(loader *ld, const value *v, void *obj)
{
    return add_station_ref(ld, v, true, &((cti_route *)obj)->to);
}

static ct_status route_p(loader *ld, const value *v, void *obj)
{
    return get_probability(ld, v, &((cti_route *)obj)->p);
}

static const key_spec route_keys[] = {
    { "to", true, "a station name or exit", route_to },
    { "p", true, "a probability in [0, 1]", route_p },
};

/* `next: NAME`, `next: exit` or `next: [{to: A, p: 0.7}, {to: B, p: 0.3}]`. */
static ct_status station_next(loader *ld, const value *v, void *obj)
{
    static const char expect[] =
        "a station name, exit, or a non-empty list such as [{to: A, p: 0.7}, {to: B, p: 0.3}]";
    cti_station *s = obj;
    ct_status st;

    /* A repeated key would leak the old table; libfyaml refuses duplicate
     * keys, but do not depend on it. */
    free(s->next);
    s->next = NULL;
    s->n_next = 0;

    if (scalar(v)) {
        if (!(s->next = calloc(1, sizeof *s->next)))
            return fail_nomem(ld);
        s->n_next = 1;
        s->next[0].p = 1.0;
        return add_station_ref(ld, v, true, &s->next[0].to);
    }
    if (is_null(v->node) || fy_node_get_type(v->node) != FYNT_SEQUENCE ||
        fy_node_sequence_item_count(v->node) <= 0)
        return fail_expected(ld, v, expect);

    int n = fy_node_sequence_item_count(v->node);
    if (!(s->next = calloc((size_t)n, sizeof *s->next)))
        return fail_nomem(ld);
    s->n_next = n;

    double sum = 0;
    void *iter = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v->node, &iter)) != NULL; i++) {
        char path[LOAD_PATH_MAX];
        snprintf(path, sizeof path, "%s[%d]", v->path, i);
        value iv = { item, path, node_loc(item, v->loc) };
        walk w;
        if ((st = walk_mapping(ld, &iv, route_keys, N_KEYS(route_keys), &s->next[i], &w)) != CT_OK)
            return st;
        sum += s->next[i].p;
    }
    if (fabs(sum - 1.0) > LOAD_P_SUM_TOL)
        return fail(ld, v->loc, v->path, "expected probabilities p that sum to 1, got %.10g", sum);
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* stations[i]                                                              */

static ct_status station_name(loader *ld, const value *v, void *obj)
{
    cti_station *s = obj;
    const char *n = scalar(v);
    if (!n || !valid_station_name(n))
        return fail_expected(ld, v, "a station name of letters, digits, '_', '.' and '-' "
                                    "(at most 63 characters)");
    if (!strcmp(n, "exit"))
        return fail(ld, v->loc, v->path,
                    "expected a station name other than \"exit\", which means leaving the line");
    memcpy(s->name, n, strlen(n) + 1);
    return CT_OK;
}

static ct_status station_servers(loader *ld, const value *v, void *obj)
{
    long long x;
    ct_status st = get_int(ld, v, 1, LOAD_MAX_SERVERS, "an integer >= 1 (at most 1000000)", &x);
    if (st == CT_OK)
        ((cti_station *)obj)->servers = (int)x;
    return st;
}

static ct_status station_process_time(loader *ld, const value *v, void *obj)
{
    return get_time_dist(ld, v, &((cti_station *)obj)->process_time);
}

static ct_status station_buffer(loader *ld, const value *v, void *obj)
{
    const char *s = scalar(v);
    long long x;
    if (s && is_inf(s)) {
        ((cti_station *)obj)->buffer = CTI_BUFFER_INF;
        return CT_OK;
    }
    ct_status st = get_int(ld, v, 0, LONG_MAX, "an integer >= 0 or .inf", &x);
    if (st == CT_OK)
        ((cti_station *)obj)->buffer = (long)x;
    return st;
}

static ct_status station_scrap(loader *ld, const value *v, void *obj)
{
    return get_probability(ld, v, &((cti_station *)obj)->scrap_p);
}

static ct_status station_rework(loader *ld, const value *v, void *obj)
{
    return get_probability(ld, v, &((cti_station *)obj)->rework_p);
}

static ct_status station_rework_to(loader *ld, const value *v, void *obj)
{
    return add_station_ref(ld, v, false, &((cti_station *)obj)->rework_to);
}

static const key_spec station_keys[] = {
    { "name", true, "a station name", station_name },
    { "servers", false, "an integer >= 1", station_servers },
    { "process_time", true, time_example, station_process_time },
    { "buffer", false, "an integer >= 0 or .inf", station_buffer },
    { "batch", false, "a batch size or {size, min, max_wait}", station_batch },
    { "failures", false, "{mtbf: DIST, mttr: DIST}", station_failures },
    { "scrap", false, "a probability in [0, 1]", station_scrap },
    { "rework", false, "a probability in [0, 1]", station_rework },
    { "rework_to", false, "a station name", station_rework_to },
    { "next", false, "a station name, exit or a list of {to, p}", station_next },
};

/* Checks that need several keys of station i, after its mapping is read. */
static ct_status station_finish(loader *ld, const walk *w, int i, const char *path)
{
    cti_station *s = &ld->f->stations[i];
    char kp[LOAD_PATH_MAX];

    for (int j = 0; j < i; j++) {
        if (!strcmp(ld->f->stations[j].name, s->name)) {
            join_key(kp, sizeof kp, path, "name");
            return fail(ld, *seen(w, "name"), kp,
                        "expected a unique name, but \"%s\" is also stations[%d] (line %d)",
                        s->name, j, ld->f->stations[j].loc.line);
        }
    }
    /* The slack lets sums such as 0.3 + 0.7 that round above 1 through. */
    if (s->scrap_p + s->rework_p > 1.0 + 1e-12) {
        join_key(kp, sizeof kp, path, "rework");
        return fail(ld, *seen(w, "rework"), kp,
                    "expected scrap + rework <= 1, got %g + %g", s->scrap_p, s->rework_p);
    }
    if (s->rework_p > 0 && !seen(w, "rework_to")) {
        join_key(kp, sizeof kp, path, "rework_to");
        return fail(ld, w->map_loc, kp,
                    "missing required key; expected the station that reworks units when rework > 0");
    }
    return CT_OK;
}

static ct_status top_stations(loader *ld, const value *v, void *obj)
{
    ct_factory *f = obj;
    ct_status st;

    if (is_null(v->node) || fy_node_get_type(v->node) != FYNT_SEQUENCE ||
        fy_node_sequence_item_count(v->node) <= 0)
        return fail_expected(ld, v, "a non-empty list of stations");
    int n = fy_node_sequence_item_count(v->node);
    if (n > LOAD_MAX_STATIONS)
        return fail(ld, v->loc, v->path, "expected at most %d stations, got %d",
                    LOAD_MAX_STATIONS, n);

    /* calloc leaves every ct_dist a const(0) without a table and every
     * next NULL, so ct_factory_destroy can free a half-filled array. */
    if (!(f->stations = calloc((size_t)n, sizeof *f->stations)))
        return fail_nomem(ld);
    f->n_stations = n;

    void *iter = NULL;
    struct fy_node *item;
    for (int i = 0; (item = fy_node_sequence_iterate(v->node, &iter)) != NULL; i++) {
        cti_station *s = &f->stations[i];
        char path[LOAD_PATH_MAX];
        snprintf(path, sizeof path, "stations[%d]", i);
        value sv = { item, path, node_loc(item, v->loc) };
        walk w;

        s->servers = 1;
        s->buffer = CTI_BUFFER_INF;
        s->process_time = ct_dist_const(0);
        s->batch_size = 1;
        s->batch_min = 1;
        s->batch_max_wait_s = -1;
        s->mtbf = ct_dist_const(0);
        s->mttr = ct_dist_const(0);
        s->rework_to = -1;
        s->loc = sv.loc;
        if ((st = walk_mapping(ld, &sv, station_keys, N_KEYS(station_keys), s, &w)) != CT_OK)
            return st;
        if ((st = station_finish(ld, &w, i, path)) != CT_OK)
            return st;
    }
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* Top level                                                                */

static ct_status top_name(loader *ld, const value *v, void *obj)
{
    ct_factory *f = obj;
    const char *s = scalar(v);
    if (!s || !*s || strlen(s) >= sizeof f->name)
        return fail_expected(ld, v, "a factory name (at most 127 characters)");
    memcpy(f->name, s, strlen(s) + 1);
    return CT_OK;
}

static const key_spec top_keys[] = {
    { "name", true, "a factory name", top_name },
    { "run", false, "{horizon, warmup, seed, replications}", top_run },
    { "source", true, "{interarrival: DIST} or {saturated: true}", top_source },
    { "stations", true, "a non-empty list of stations", top_stations },
};

static void run_defaults(ct_run_options *r)
{
    memset(r, 0, sizeof *r);
    r->horizon_s = DEFAULT_HORIZON_S;
    r->warmup_s = DEFAULT_WARMUP_S;
    r->seed = DEFAULT_SEED;
    r->replications = DEFAULT_REPLICATIONS;
    r->threads = 1;
    r->progress = false;
}

/* The diagnostics libfyaml prints go nowhere: errors are collected and the
 * first one is reported in our own format. Keep the last line printed in
 * case an error comes without a collected position. */
typedef struct diag_sink {
    char last[256];
} diag_sink;

static void diag_output(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    diag_sink *ds = user;
    (void)diag;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        len--;
    if (len >= sizeof ds->last)
        len = sizeof ds->last - 1;
    memcpy(ds->last, buf, len);
    ds->last[len] = '\0';
}

/* True when text holds only blanks and comments (libfyaml then builds no
 * document and reports no position). */
static bool blank_text(const char *text, size_t len)
{
    bool comment = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\n')
            comment = false;
        else if (c == '#')
            comment = true;
        else if (!comment && c != ' ' && c != '\t' && c != '\r')
            return false;
    }
    return true;
}

static ct_status syntax_error(loader *ld, struct fy_diag *diag, const diag_sink *ds,
                              const char *text, size_t len)
{
    void *iter = NULL;
    struct fy_diag_error *e;
    while ((e = fy_diag_errors_iterate(diag, &iter)) != NULL) {
        if (e->type < FYET_ERROR)
            continue;
        /* libfyaml's collected positions are already 1-based. */
        return ct_error_set(ld->err, CT_ERR_PARSE, "%s:%d:%d: syntax error: %s", ld->file,
                            e->line > 0 ? e->line : 1, e->column > 0 ? e->column : 1,
                            e->msg ? e->msg : "invalid YAML");
    }
    if (blank_text(text, len))
        return ct_error_set(ld->err, CT_ERR_PARSE,
                            "%s:1:1: top level: expected a mapping with keys name, run, "
                            "source, stations, got an empty file", ld->file);
    return ct_error_set(ld->err, CT_ERR_PARSE, "%s:1:1: syntax error: %s", ld->file,
                        ds->last[0] ? ds->last : "invalid YAML");
}

/* Parses text[0..len) into a new factory. text must stay valid for the
 * call (libfyaml does not copy it). */
static ct_status load_text(const char *text, size_t len, const char *file,
                           ct_factory **out, ct_error *err)
{
    loader ld = { file, err, NULL, NULL, 0, 0 };
    struct fy_diag *diag = NULL;
    struct fy_parser *fyp = NULL;
    struct fy_document *doc = NULL, *doc2 = NULL;
    diag_sink ds = { { 0 } };
    ct_status st;

    *out = NULL;
    ct_error_clear(err);

    if (!(ld.f = calloc(1, sizeof *ld.f))) {
        st = fail_nomem(&ld);
        goto cleanup;
    }
    snprintf(ld.f->path, sizeof ld.f->path, "%s", file);
    run_defaults(&ld.f->run);
    ld.f->source.interarrival = ct_dist_const(0);
    ld.f->source.to = 0;   /* the first station unless `to:` says otherwise */

    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_output;
    dcfg.user = &ds;
    dcfg.level = FYET_ERROR;
    dcfg.colorize = false;
    if (!(diag = fy_diag_create(&dcfg))) {
        st = fail_nomem(&ld);
        goto cleanup;
    }
    fy_diag_set_collect_errors(diag, true);

    struct fy_parse_cfg pcfg;
    memset(&pcfg, 0, sizeof pcfg);
    /* RESOLVE_DOCUMENT expands aliases and merge keys, so anchors can
     * share a failures block between stations. */
    pcfg.flags = FYPCF_QUIET | FYPCF_RESOLVE_DOCUMENT;
    pcfg.diag = diag;
    if (!(fyp = fy_parser_create(&pcfg)) || fy_parser_set_string(fyp, text, len) != 0) {
        st = fail_nomem(&ld);
        goto cleanup;
    }
    if (!(doc = fy_parse_load_document(fyp))) {
        st = syntax_error(&ld, diag, &ds, text, len);
        goto cleanup;
    }
    /* A stray "---" would silently drop the rest of the file: refuse a
     * second document (and report a syntax error inside it). */
    if ((doc2 = fy_parse_load_document(fyp)) != NULL) {
        cti_loc top = { 1, 1 };
        struct fy_node *root2 = fy_document_root(doc2);
        st = fail(&ld, node_loc(root2, top), "top level",
                  "expected one YAML document, got a second one after \"---\"");
        goto cleanup;
    }
    if (fy_diag_got_error(diag)) {
        st = syntax_error(&ld, diag, &ds, text, len);
        goto cleanup;
    }

    cti_loc top = { 1, 1 };
    struct fy_node *root = fy_document_root(doc);
    value rv = { root, "", node_loc(root, top) };
    walk w;
    if (is_null(root) || fy_node_get_type(root) != FYNT_MAPPING) {
        char got[80];
        st = fail(&ld, rv.loc, "top level",
                  "expected a mapping with keys name, run, source, stations, got %s",
                  describe(&rv, got, sizeof got));
        goto cleanup;
    }
    if ((st = walk_mapping(&ld, &rv, top_keys, N_KEYS(top_keys), ld.f, &w)) != CT_OK)
        goto cleanup;
    if ((st = resolve_refs(&ld)) != CT_OK)
        goto cleanup;

    *out = ld.f;
    ld.f = NULL;
    st = CT_OK;

cleanup:
    /* Documents before their parser (their tokens point into its input),
     * the parser before diag (it holds a reference to it). */
    if (doc2)
        fy_parse_document_destroy(fyp, doc2);
    if (doc)
        fy_parse_document_destroy(fyp, doc);
    if (fyp)
        fy_parser_destroy(fyp);
    if (diag)
        fy_diag_destroy(diag);
    free(ld.refs);
    ct_factory_destroy(ld.f);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Public API (contracts in factory.h)                                      */

ct_status ct_factory_load_string(const char *text, const char *name,
                                 ct_factory **out, ct_error *err)
{
    assert(text && out);
    return load_text(text, strlen(text), name ? name : "<string>", out, err);
}

ct_status ct_factory_load(const char *path, ct_factory **out, ct_error *err)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    FILE *fp = NULL;
    ct_status st;

    assert(path && out);
    *out = NULL;
    ct_error_clear(err);

    if (!(fp = fopen(path, "rb")))
        return ct_error_set(err, CT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    for (;;) {
        if (cap - len < 4096 + 1) {
            size_t ncap = cap ? 2 * cap : 16384;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                st = ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
                goto cleanup;
            }
            buf = nb;
            cap = ncap;
        }
        size_t want = cap - len - 1;   /* one byte kept for the final NUL */
        size_t got = fread(buf + len, 1, want, fp);
        len += got;
        if (len > (size_t)LOAD_MAX_BYTES) {
            st = ct_error_set(err, CT_ERR_IO, "%s: cannot read: larger than %ld bytes",
                              path, LOAD_MAX_BYTES);
            goto cleanup;
        }
        if (got < want) {
            /* A directory opens fine and fails here with EISDIR. */
            if (ferror(fp)) {
                st = ct_error_set(err, CT_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
                goto cleanup;
            }
            break;
        }
    }
    buf[len] = '\0';
    st = load_text(buf, len, path, out, err);

cleanup:
    fclose(fp);
    free(buf);
    return st;
}

void ct_factory_destroy(ct_factory *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n_stations; i++) {
        cti_station *s = &f->stations[i];
        ct_dist_clear(&s->process_time);
        ct_dist_clear(&s->mtbf);
        ct_dist_clear(&s->mttr);
        free(s->next);
    }
    free(f->stations);
    ct_dist_clear(&f->source.interarrival);
    free(f);
}

const char *ct_factory_name(const ct_factory *f)
{
    assert(f);
    return f->name;
}

void ct_run_options_init(ct_run_options *opt, const ct_factory *f)
{
    assert(opt);
    if (f)
        *opt = f->run;
    else
        run_defaults(opt);
    opt->threads = 1;
    opt->progress = false;
}
