/*
 * factory_load.c - reads a factory file (YAML, see docs/factory-file.md)
 * into the in-memory ct_factory of factory_internal.h, validating every key
 * and value on the way. yaml_util.c reads the file, parses it and walks
 * each mapping with a table of keys; this file has one table per kind of
 * mapping (top level, run, source, station, batch, failures, route, input,
 * consume, material, cell, control plan), each key with its own handler,
 * so a new key is one table row and one function. A station's kind reads
 * its own `process:` mapping (kind.h) with the same helpers. A mistake
 * stops the load with "FILE:LINE:COL: KEY: what was expected"; names used
 * before they are defined (stations in next, rework_to, source.to and the
 * control plan, materials in consumes) are recorded and resolved to
 * indices once the whole file is read.
 */
#include "celltwin/factory.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/dist.h"
#include "celltwin/units.h"
#include "model/factory_internal.h"
#include "model/kind.h"
#include "model/yaml_util.h"

#define LOAD_MAX_STATIONS 100000
#define LOAD_MAX_SERVERS 1000000
#define LOAD_MAX_BATCH 1000000
#define LOAD_MAX_REPLICATIONS 1000000
#define LOAD_MAX_SPLITS 64        /* lanes a coil is slit into */
#define LOAD_MAX_MATERIALS 10000
#define LOAD_MAX_GATES 10000
#define LOAD_NAMES_SHOWN 12       /* stations named in an "unknown station" message */
#define LOAD_P_SUM_TOL 1e-9       /* next: probabilities must sum to 1 within this */

/* Built-in run defaults, used when the file has no `run:` or omits a key. */
#define DEFAULT_HORIZON_S 86400.0
#define DEFAULT_WARMUP_S 0.0
#define DEFAULT_SEED 1u
#define DEFAULT_REPLICATIONS 1

/* What the file as a whole should be, shown for an empty file or a top
 * level that is not a mapping: the keys every factory has. */
static const char top_expect[] = "a mapping with keys name, run, source, stations";
static const char time_example[] = "a distribution such as \"exp(2 min)\"";
static const char buffer_expect[] = "an integer >= 0 or .inf";

/* ------------------------------------------------------------------------ */
/* Loader state                                                             */

typedef enum ref_kind { REF_STATION, REF_MATERIAL } ref_kind;

/* A name met before everything it may name is known; resolved at the end. */
typedef struct name_ref {
    ref_kind kind;
    const char *name;            /* borrowed from the document */
    int *target;                 /* where the index goes */
    int *port;                   /* stations: where the input port goes; NULL = no port */
    bool allow_exit;             /* `exit` is a valid target here */
    cti_yaml_loc loc;
    char path[CTI_YAML_PATH_MAX];
} name_ref;

/* What a station's keys leave for the checks made once its whole mapping
 * is read (keys come in any order: `consumes` may name an input before
 * `inputs` defines it). */
typedef struct station_scratch {
    struct fy_node *process;                  /* `process:` value */
    struct fy_node *quantity;                 /* `quantity:` value, read once `makes` is known */
    const char *consume_name[CTI_MAX_PORTS];  /* `input:` or `material:` of consumes[i] */
    cti_yaml_loc consume_loc[CTI_MAX_PORTS];
} station_scratch;

typedef struct loader {
    cti_yaml_ctx y;              /* y.user points back here */
    ct_factory *f;
    name_ref *refs;              /* at most one per reference in the file */
    size_t n_refs, cap_refs;
    station_scratch cur;         /* of the station being read */
} loader;

static loader *get_loader(cti_yaml_ctx *y)
{
    return y->user;
}

static cti_loc to_loc(cti_yaml_loc l)
{
    cti_loc c = { l.line, l.col };
    return c;
}

/* ------------------------------------------------------------------------ */
/* Named things: stations, inputs, materials, gates                         */

/* An array of structs that each hold a name (char name[], or a pointer to
 * it) and maybe a cti_loc, for lookups, uniqueness checks and "expected one
 * of ..." lists. */
typedef struct named_list {
    const char *list;            /* its key, for messages: "stations" */
    const void *arr;
    size_t stride;               /* sizeof one element */
    size_t name_off;             /* offsetof its name */
    bool name_is_ptr;            /* const char *name, not char name[] */
    ptrdiff_t loc_off;           /* offsetof its cti_loc, or -1 */
} named_list;

#define NAMED_LIST(key, array, type, loc_off)                                       \
    ((named_list){ key, array, sizeof(type), offsetof(type, name), false, loc_off })
#define WITH_LOC(type) ((ptrdiff_t)offsetof(type, loc))
#define STATIONS(f) NAMED_LIST("stations", (f)->stations, cti_station, WITH_LOC(cti_station))
#define PORTS(s) NAMED_LIST("inputs", (s)->ports, cti_port, -1)
#define MATERIALS(f)                                                                \
    NAMED_LIST("materials", (f)->materials, cti_material_supply, WITH_LOC(cti_material_supply))
#define GATES(f) NAMED_LIST("control_plan", (f)->gates, cti_gate, WITH_LOC(cti_gate))
#define ATTRS(info)                                                                 \
    ((named_list){ "attributes", info, sizeof(cti_attr_info), offsetof(cti_attr_info, name), \
                   true, -1 })

static const char *name_of(const named_list *l, int i)
{
    const char *at = (const char *)l->arr + (size_t)i * l->stride + l->name_off;
    return l->name_is_ptr ? *(const char *const *)(const void *)at : at;
}

/* Index of the first of n names equal to name[0..len), or -1. */
static int find_name(const named_list *l, int n, const char *name, size_t len)
{
    for (int i = 0; i < n; i++) {
        const char *s = name_of(l, i);
        if (strlen(s) == len && memcmp(s, name, len) == 0)
            return i;
    }
    return -1;
}

/* "a, b, c": the first shown names of n, then "..." when there are more. */
static void list_names(char *buf, size_t len, const named_list *l, int n, int shown)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int j = 0; j < n && used + 8 < len; j++) {
        int w = snprintf(buf + used, len - used, "%s%s", j ? ", " : "",
                         j < shown ? name_of(l, j) : "...");
        if (w < 0 || j >= shown)
            break;
        used += (size_t)w;
    }
}

/* The name of item i (at path, read with walk w) must differ from those of
 * items 0..i-1. */
static ct_status check_unique(cti_yaml_ctx *y, const cti_yaml_walk *w, const char *path,
                              const named_list *l, int i)
{
    const char *name = name_of(l, i);
    int j = find_name(l, i, name, strlen(name));
    if (j < 0)
        return CT_OK;

    char kp[CTI_YAML_PATH_MAX], line[32] = "";
    cti_yaml_join_key(kp, sizeof kp, path, "name");
    if (l->loc_off >= 0) {
        const cti_loc *at = (const void *)((const char *)l->arr + (size_t)j * l->stride +
                                           (size_t)l->loc_off);
        snprintf(line, sizeof line, " (line %d)", at->line);
    }
    return cti_yaml_fail(y, *cti_yaml_seen(w, "name"), kp,
                         "expected a unique name, but \"%s\" is also %s[%d]%s", name, l->list, j,
                         line);
}

/* ------------------------------------------------------------------------ */
/* Scalar values                                                            */

static bool is_inf(const char *s)
{
    return !strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ||
           !strcmp(s, "+.inf") || !strcmp(s, "+.Inf") || !strcmp(s, "+.INF");
}

/* A duration in seconds ("90", "2 min", "3 h"); positive: > 0, else >= 0. */
static ct_status get_duration(cti_yaml_ctx *y, const cti_yaml_value *v, bool positive,
                              double *out)
{
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_TIME, false, false,
                                    positive ? CTI_YAML_POSITIVE : CTI_YAML_NONNEGATIVE,
                                    positive ? "a duration > 0 such as \"30 d\""
                                             : "a duration >= 0 such as \"1 d\"",
                                    out);
}

/* A probability: "0.02" or "2 %". Anything else, even text the units
 * parser would explain, gets the one message that says what a probability
 * looks like. */
static ct_status get_probability(cti_yaml_ctx *y, const cti_yaml_value *v, double *out)
{
    static const char expect[] = "a probability in [0, 1] such as 0.02 or \"2 %\"";
    const char *s = cti_yaml_scalar(v);
    char why[256];
    double x;

    if (!s || ct_quantity_parse(s, CT_DIM_NONE, false, &x, why, sizeof why) != CT_OK ||
        !(x >= 0 && x <= 1))
        return cti_yaml_fail_expected(y, v, expect);
    *out = x;
    return CT_OK;
}

/* A time distribution (dist.h). Replaces *out on success. */
static ct_status get_time_dist(cti_yaml_ctx *y, const cti_yaml_value *v, ct_dist *out)
{
    const char *s = cti_yaml_scalar(v);
    char why[256];
    ct_dist d;

    if (!s)
        return cti_yaml_fail_expected(y, v, time_example);
    memset(&d, 0, sizeof d);
    if (ct_dist_parse(s, CT_DIM_TIME, &d, why, sizeof why) != CT_OK) {
        /* Inside {...} or [...] YAML splits "normal(5, 1)" at the comma. */
        bool cut = strchr(s, '(') && !strchr(s, ')');
        return cti_yaml_fail(y, v->loc, v->path, "%s%s", why,
                             cut ? "; inside { } or [ ], quote a distribution that has commas: "
                                   "\"normal(5, 1)\"" : "");
    }
    ct_dist_clear(out);
    *out = d;
    return CT_OK;
}

/* `buffer: N` or `buffer: .inf`. */
static ct_status get_buffer(cti_yaml_ctx *y, const cti_yaml_value *v, long *out)
{
    const char *s = cti_yaml_scalar(v);
    long long x;
    if (s && is_inf(s)) {
        *out = CTI_BUFFER_INF;
        return CT_OK;
    }
    ct_status st = cti_yaml_get_int(y, v, 0, LONG_MAX, buffer_expect, &x);
    if (st == CT_OK)
        *out = (long)x;
    return st;
}

/* Non-empty text shorter than size, copied into out. */
static ct_status get_text(cti_yaml_ctx *y, const cti_yaml_value *v, const char *expect,
                          char *out, size_t size)
{
    const char *s = cti_yaml_scalar(v);
    if (!s || !*s || strlen(s) >= size)
        return cti_yaml_fail_expected(y, v, expect);
    memcpy(out, s, strlen(s) + 1);
    return CT_OK;
}

/* Names of stations, materials and gates: 1 to 63 of [A-Za-z0-9_.-];
 * port names: 1 to 31 of [A-Za-z0-9_-] (the '.' separates STATION.INPUT). */
static bool valid_name(const char *s, size_t max, bool allow_dot)
{
    size_t n = strlen(s);
    if (n == 0 || n >= max)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && !(allow_dot && *p == '.'))
            return false;
    return true;
}

/* A name for what ("a station name"), into out[CTI_NAME_MAX]. */
static ct_status get_name(cti_yaml_ctx *y, const cti_yaml_value *v, const char *what, char *out)
{
    const char *s = cti_yaml_scalar(v);
    if (!s || !valid_name(s, CTI_NAME_MAX, true)) {
        char expect[160];
        snprintf(expect, sizeof expect,
                 "%s of letters, digits, '_', '.' and '-' (at most 63 characters)", what);
        return cti_yaml_fail_expected(y, v, expect);
    }
    memcpy(out, s, strlen(s) + 1);
    return CT_OK;
}

/* One of a few words, each standing for a value. */
typedef struct choice {
    const char *word;
    int value;
} choice;

static ct_status get_choice(cti_yaml_ctx *y, const cti_yaml_value *v, const choice *c, size_t n,
                            const char *expect, int *out)
{
    const char *s = cti_yaml_scalar(v);
    for (size_t i = 0; s && i < n; i++) {
        if (!strcmp(s, c[i].word)) {
            *out = c[i].value;
            return CT_OK;
        }
    }
    return cti_yaml_fail_expected(y, v, expect);
}

/* ------------------------------------------------------------------------ */
/* References, resolved once the whole file is read                         */

static ct_status add_ref(cti_yaml_ctx *y, const cti_yaml_value *v, ref_kind kind, int *target,
                         int *port, bool allow_exit)
{
    loader *ld = get_loader(y);
    if (ld->n_refs == ld->cap_refs) {
        size_t cap = ld->cap_refs ? 2 * ld->cap_refs : 16;
        name_ref *r = realloc(ld->refs, cap * sizeof *r);
        if (!r)
            return cti_yaml_fail_nomem(y);
        ld->refs = r;
        ld->cap_refs = cap;
    }
    name_ref *r = &ld->refs[ld->n_refs++];
    r->kind = kind;
    r->name = cti_yaml_scalar(v);
    r->target = target;
    r->port = port;
    r->allow_exit = allow_exit;
    r->loc = v->loc;
    snprintf(r->path, sizeof r->path, "%s", v->path);
    *target = allow_exit ? CTI_EXIT : 0;   /* placeholder until resolved */
    if (port)
        *port = 0;
    return CT_OK;
}

/* A station, written STATION or (with port) STATION.INPUT; `exit` is
 * resolved at once when allow_exit. */
static ct_status add_station_ref(cti_yaml_ctx *y, const cti_yaml_value *v, bool allow_exit,
                                 int *target, int *port)
{
    const char *s = cti_yaml_scalar(v);
    if (!s)
        return cti_yaml_fail_expected(y, v, allow_exit ? "a station name or exit"
                                                       : "a station name");
    if (allow_exit && !strcmp(s, "exit")) {
        *target = CTI_EXIT;
        if (port)
            *port = 0;
        return CT_OK;
    }
    return add_ref(y, v, REF_STATION, target, port, allow_exit);
}

/* A whole station name wins over STATION.INPUT, since station names may
 * hold dots ("dry.1") and input names may not. */
static ct_status resolve_station(cti_yaml_ctx *y, const ct_factory *f, const name_ref *r)
{
    const named_list stations = STATIONS(f);
    int k = find_name(&stations, f->n_stations, r->name, strlen(r->name));
    int port = 0;
    const char *dot = strrchr(r->name, '.');

    if (k < 0 && r->port && dot) {
        k = find_name(&stations, f->n_stations, r->name, (size_t)(dot - r->name));
        if (k >= 0) {
            const cti_station *s = &f->stations[k];
            const named_list ports = PORTS(s);
            if ((port = find_name(&ports, s->n_ports, dot + 1, strlen(dot + 1))) < 0) {
                char names[200];
                list_names(names, sizeof names, &ports, s->n_ports, CTI_MAX_PORTS);
                return cti_yaml_fail(y, r->loc, r->path,
                                     "unknown input \"%.32s\" of station \"%s\"; expected one of %s",
                                     dot + 1, s->name, names);
            }
        }
    }
    if (k < 0) {
        /* Name a few stations so the typo is easy to see. */
        char names[400];
        list_names(names, sizeof names, &stations, f->n_stations, LOAD_NAMES_SHOWN);
        return cti_yaml_fail(y, r->loc, r->path, "unknown station \"%.64s\"; expected one of %s%s",
                             r->name, names, r->allow_exit ? " or exit" : "");
    }
    *r->target = k;
    if (r->port)
        *r->port = port;
    return CT_OK;
}

static ct_status resolve_material(cti_yaml_ctx *y, const ct_factory *f, const name_ref *r)
{
    const named_list materials = MATERIALS(f);
    int k = find_name(&materials, f->n_materials, r->name, strlen(r->name));
    if (k >= 0) {
        *r->target = k;
        return CT_OK;
    }
    if (f->n_materials == 0)
        return cti_yaml_fail(y, r->loc, r->path,
                             "unknown material \"%.64s\"; expected a name from the top-level "
                             "materials: list, which is absent", r->name);
    char names[400];
    list_names(names, sizeof names, &materials, f->n_materials, LOAD_NAMES_SHOWN);
    return cti_yaml_fail(y, r->loc, r->path, "unknown material \"%.64s\"; expected one of %s",
                         r->name, names);
}

/* Everything is read: turn the recorded names into indices. */
static ct_status resolve_refs(loader *ld)
{
    ct_status st;
    for (size_t i = 0; i < ld->n_refs; i++) {
        const name_ref *r = &ld->refs[i];
        st = r->kind == REF_STATION ? resolve_station(&ld->y, ld->f, r)
                                    : resolve_material(&ld->y, ld->f, r);
        if (st != CT_OK)
            return st;
    }
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* run:                                                                     */

static ct_status run_horizon(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_duration(y, v, true, &((ct_run_options *)obj)->horizon_s);
}

static ct_status run_warmup(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_duration(y, v, false, &((ct_run_options *)obj)->warmup_s);
}

static ct_status run_seed(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_seed(y, v, &((ct_run_options *)obj)->seed);
}

static ct_status run_replications(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 1, LOAD_MAX_REPLICATIONS,
                                    "an integer >= 1 (at most 1000000)", &x);
    if (st == CT_OK)
        ((ct_run_options *)obj)->replications = (int)x;
    return st;
}

static const cti_yaml_key run_keys[] = {
    { "horizon", false, "a duration > 0 such as \"30 d\"", run_horizon },
    { "warmup", false, "a duration >= 0 such as \"1 d\"", run_warmup },
    { "seed", false, "an integer >= 0", run_seed },
    { "replications", false, "an integer >= 1", run_replications },
};

static ct_status top_run(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_factory *f = obj;
    cti_yaml_walk w;
    ct_status st = cti_yaml_walk_mapping(y, v, run_keys, CTI_YAML_N_KEYS(run_keys), &f->run, &w);
    if (st != CT_OK)
        return st;
    if (f->run.warmup_s >= f->run.horizon_s) {
        /* Blame the warmup when it was written, else the (too short) horizon. */
        const cti_yaml_loc *at = cti_yaml_seen(&w, "warmup");
        const char *key = "run.warmup";
        if (!at) {
            at = cti_yaml_seen(&w, "horizon");
            key = "run.horizon";
        }
        return cti_yaml_fail(y, *at, key,
                             "expected a warmup shorter than the horizon, got warmup %g s >= "
                             "horizon %g s", f->run.warmup_s, f->run.horizon_s);
    }
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* source:                                                                  */

static ct_status source_interarrival(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_time_dist(y, v, &((cti_source *)obj)->interarrival);
}

static ct_status source_saturated(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_bool(y, v, &((cti_source *)obj)->saturated);
}

static ct_status source_to(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_source *src = obj;
    return add_station_ref(y, v, false, &src->to, &src->port);
}

static const cti_yaml_key source_keys[] = {
    { "interarrival", false, time_example, source_interarrival },
    { "saturated", false, "true or false", source_saturated },
    { "to", false, "a station name", source_to },
};

static ct_status top_source(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_factory *f = obj;
    cti_yaml_walk w;
    ct_status st = cti_yaml_walk_mapping(y, v, source_keys, CTI_YAML_N_KEYS(source_keys),
                                         &f->source, &w);
    if (st != CT_OK)
        return st;
    f->has_source = true;
    f->source.loc = to_loc(w.map_loc);
    const cti_yaml_loc *ia = cti_yaml_seen(&w, "interarrival");
    if (f->source.saturated && ia)
        return cti_yaml_fail(y, *ia, "source.interarrival",
                             "expected either saturated: true or an interarrival, not both");
    if (!f->source.saturated && !ia)
        return cti_yaml_fail(y, w.map_loc, "source.interarrival",
                             "missing required key; expected %s, or saturated: true",
                             time_example);
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* stations[i].batch, .failures, .next                                      */

static ct_status batch_size(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 1, LOAD_MAX_BATCH, "an integer >= 1 (at most 1000000)",
                                    &x);
    if (st == CT_OK)
        ((cti_station *)obj)->batch_size = (int)x;
    return st;
}

static ct_status batch_min(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 1, LOAD_MAX_BATCH, "an integer >= 1", &x);
    if (st == CT_OK)
        ((cti_station *)obj)->batch_min = (int)x;
    return st;
}

static ct_status batch_max_wait(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    const char *s = cti_yaml_scalar(v);
    if (s && is_inf(s)) {
        ((cti_station *)obj)->batch_max_wait_s = -1;   /* no time-out */
        return CT_OK;
    }
    return get_duration(y, v, false, &((cti_station *)obj)->batch_max_wait_s);
}

static const cti_yaml_key batch_keys[] = {
    { "size", true, "an integer >= 1", batch_size },
    { "min", false, "an integer between 1 and size", batch_min },
    { "max_wait", false, "a duration >= 0 or .inf", batch_max_wait },
};

/* `batch: N` or `batch: {size: N, min: M, max_wait: DUR}`. */
static ct_status station_batch(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_station *s = obj;
    ct_status st;

    if (cti_yaml_scalar(v)) {
        if ((st = batch_size(y, v, s)) != CT_OK)
            return st;
        s->batch_min = s->batch_size;
        s->batch_max_wait_s = -1;
        return CT_OK;
    }
    if (!cti_yaml_is_null(v->node) && fy_node_get_type(v->node) != FYNT_MAPPING)
        return cti_yaml_fail_expected(y, v, "a batch size such as 4, or {size: N, min: M, "
                                            "max_wait: DUR}");

    cti_yaml_walk w;
    s->batch_max_wait_s = -1;
    if ((st = cti_yaml_walk_mapping(y, v, batch_keys, CTI_YAML_N_KEYS(batch_keys), s, &w)) != CT_OK)
        return st;
    if (!cti_yaml_seen(&w, "min"))
        s->batch_min = s->batch_size;
    if (s->batch_min > s->batch_size) {
        char path[CTI_YAML_PATH_MAX];
        cti_yaml_join_key(path, sizeof path, v->path, "min");
        return cti_yaml_fail(y, *cti_yaml_seen(&w, "min"), path,
                             "expected an integer between 1 and size (%d), got %d", s->batch_size,
                             s->batch_min);
    }
    return CT_OK;
}

static ct_status failures_mtbf(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_time_dist(y, v, &((cti_station *)obj)->mtbf);
}

static ct_status failures_mttr(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_time_dist(y, v, &((cti_station *)obj)->mttr);
}

static const cti_yaml_key failures_keys[] = {
    { "mtbf", true, "a distribution such as \"exp(10 h)\"", failures_mtbf },
    { "mttr", true, "a distribution such as \"exp(30 min)\"", failures_mttr },
};

static ct_status station_failures(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_station *s = obj;
    cti_yaml_walk w;
    ct_status st = cti_yaml_walk_mapping(y, v, failures_keys, CTI_YAML_N_KEYS(failures_keys), s, &w);
    if (st == CT_OK)
        s->has_failures = true;
    return st;
}

static ct_status route_to(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_route *r = obj;
    return add_station_ref(y, v, true, &r->to, &r->port);
}

static ct_status route_p(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_probability(y, v, &((cti_route *)obj)->p);
}

static const cti_yaml_key route_keys[] = {
    { "to", true, "a station name or exit", route_to },
    { "p", true, "a probability in [0, 1]", route_p },
};

static ct_status route_item(cti_yaml_ctx *y, const cti_yaml_value *iv, int i, void *obj)
{
    cti_station *s = obj;
    cti_yaml_walk w;
    return cti_yaml_walk_mapping(y, iv, route_keys, CTI_YAML_N_KEYS(route_keys), &s->next[i], &w);
}

/* `next: NAME`, `next: exit` or `next: [{to: A, p: 0.7}, {to: B, p: 0.3}]`;
 * a NAME may be STATION.INPUT. */
static ct_status station_next(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    static const char expect[] =
        "a station name, exit, or a non-empty list such as [{to: A, p: 0.7}, {to: B, p: 0.3}]";
    cti_station *s = obj;
    ct_status st;
    int n;

    /* A repeated key would leak the old table; libfyaml refuses duplicate
     * keys, but do not depend on it. */
    free(s->next);
    s->next = NULL;
    s->n_next = 0;

    if (cti_yaml_scalar(v)) {
        if (!(s->next = calloc(1, sizeof *s->next)))
            return cti_yaml_fail_nomem(y);
        s->n_next = 1;
        s->next[0].p = 1.0;
        return add_station_ref(y, v, true, &s->next[0].to, &s->next[0].port);
    }
    if ((st = cti_yaml_get_list(y, v, INT_MAX, expect, "routes", &n)) != CT_OK)
        return st;
    if (!(s->next = calloc((size_t)n, sizeof *s->next)))
        return cti_yaml_fail_nomem(y);
    s->n_next = n;
    if ((st = cti_yaml_walk_list(y, v, route_item, s)) != CT_OK)
        return st;

    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += s->next[i].p;
    if (fabs(sum - 1.0) > LOAD_P_SUM_TOL)
        return cti_yaml_fail(y, v->loc, v->path, "expected probabilities p that sum to 1, got %.10g",
                             sum);
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* stations[i].inputs, .consumes                                            */

static ct_status input_name(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_port *p = obj;
    const char *s = cti_yaml_scalar(v);
    if (!s || !valid_name(s, CTI_PORT_NAME_MAX, false))
        return cti_yaml_fail_expected(y, v, "an input name of letters, digits, '_' and '-' "
                                            "(at most 31 characters)");
    memcpy(p->name, s, strlen(s) + 1);
    return CT_OK;
}

static ct_status input_buffer(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_buffer(y, v, &((cti_port *)obj)->buffer);
}

static const cti_yaml_key input_keys[] = {
    { "name", true, "an input name such as cathode", input_name },
    { "buffer", false, buffer_expect, input_buffer },
};

static ct_status input_item(cti_yaml_ctx *y, const cti_yaml_value *iv, int i, void *obj)
{
    cti_station *s = obj;
    const named_list ports = PORTS(s);
    cti_yaml_walk w;
    ct_status st;

    s->ports[i].buffer = CTI_BUFFER_INF;
    if ((st = cti_yaml_walk_mapping(y, iv, input_keys, CTI_YAML_N_KEYS(input_keys), &s->ports[i],
                                    &w)) != CT_OK)
        return st;
    return check_unique(y, &w, iv->path, &ports, i);
}

/* `inputs: [{name: cathode, buffer: 4}, {name: anode}]`. */
static ct_status station_inputs(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_station *s = obj;
    int n;
    ct_status st = cti_yaml_get_list(y, v, CTI_MAX_PORTS,
                                     "a list of 1 to 4 inputs such as [{name: cathode, buffer: 4}, "
                                     "{name: anode}]", "inputs", &n);
    if (st != CT_OK)
        return st;
    memset(s->ports, 0, sizeof s->ports);
    s->n_ports = n;
    return cti_yaml_walk_list(y, v, input_item, s);
}

/* One entry of `consumes:` being read. */
typedef struct consume_item {
    cti_consume *c;
    const char *name;            /* of the input or material */
    cti_yaml_loc name_loc;
} consume_item;

static ct_status consume_name(cti_yaml_ctx *y, const cti_yaml_value *v, consume_item *it,
                              const char *expect)
{
    if (!(it->name = cti_yaml_scalar(v)))
        return cti_yaml_fail_expected(y, v, expect);
    it->name_loc = v->loc;
    return CT_OK;
}

static ct_status consume_input(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return consume_name(y, v, obj, "the name of one of the station's inputs");
}

static ct_status consume_material(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    consume_item *it = obj;
    ct_status st = consume_name(y, v, it, "the name of one of the materials");
    if (st != CT_OK)
        return st;
    it->c->port = -1;
    return add_ref(y, v, REF_MATERIAL, &it->c->material, NULL, false);
}

/* "960 kg" of a batch or material, "12 m" of a coil: units required, since
 * the unit says which. */
static ct_status consume_amount(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    static const ct_dim dims[] = { CT_DIM_MASS, CT_DIM_LENGTH };
    consume_item *it = obj;
    const char *s = cti_yaml_scalar(v);
    char why[256];
    double x;

    for (size_t i = 0; s && i < sizeof dims / sizeof dims[0]; i++) {
        if (ct_quantity_parse(s, dims[i], true, &x, why, sizeof why) == CT_OK) {
            if (!isfinite(x) || !(x > 0))
                break;
            it->c->amount = x;
            it->c->dim = dims[i];
            return CT_OK;
        }
    }
    return cti_yaml_fail_expected(y, v, "an amount > 0 in units of mass or length, such as "
                                        "\"960 kg\" or \"12 m\"");
}

/* A material's amount is a mass: "materials are consumed by mass". */
static ct_status require_mass(cti_yaml_ctx *y, const cti_yaml_value *iv, const cti_yaml_walk *w,
                              const consume_item *it, const char *verb, const char *example)
{
    if (it->c->dim == CT_DIM_MASS)
        return CT_OK;
    char kp[CTI_YAML_PATH_MAX], msg[160];
    cti_yaml_join_key(kp, sizeof kp, iv->path, "amount");
    snprintf(msg, sizeof msg, "expected a mass such as \"%s\", got a length: materials are %s by mass",
             example, verb);
    return cti_yaml_fail(y, *cti_yaml_seen(w, "amount"), kp, "%s", msg);
}

/* Reads list v of 1 to CTI_MAX_PORTS amounts into items (*n of them),
 * each entry through read. */
static ct_status amount_list(cti_yaml_ctx *y, const cti_yaml_value *v, cti_consume *items, int *n,
                             const char *expect, cti_yaml_item_fn read, cti_station *s)
{
    ct_status st = cti_yaml_get_list(y, v, CTI_MAX_PORTS, expect, "entries", n);
    if (st != CT_OK)
        return st;
    memset(items, 0, CTI_MAX_PORTS * sizeof *items);
    return cti_yaml_walk_list(y, v, read, s);
}

static const cti_yaml_key consume_keys[] = {
    { "input", false, "an input name", consume_input },
    { "material", false, "a material name", consume_material },
    { "amount", true, "an amount such as \"960 kg\" or \"12 m\"", consume_amount },
};

static ct_status consume_item_read(cti_yaml_ctx *y, const cti_yaml_value *iv, int i, void *obj)
{
    cti_station *s = obj;
    station_scratch *cur = &get_loader(y)->cur;
    consume_item it = { &s->consumes[i], NULL, { 0, 0 } };
    char kp[CTI_YAML_PATH_MAX];
    cti_yaml_walk w;
    ct_status st;

    it.c->port = 0;
    it.c->material = -1;
    it.c->loc = to_loc(iv->loc);
    if ((st = cti_yaml_walk_mapping(y, iv, consume_keys, CTI_YAML_N_KEYS(consume_keys), &it,
                                    &w)) != CT_OK)
        return st;
    const cti_yaml_loc *in = cti_yaml_seen(&w, "input"), *mat = cti_yaml_seen(&w, "material");
    if (in && mat) {
        cti_yaml_join_key(kp, sizeof kp, iv->path, "material");
        return cti_yaml_fail(y, *mat, kp, "expected either input or material, not both");
    }
    if (!in && !mat) {
        cti_yaml_join_key(kp, sizeof kp, iv->path, "input");
        return cti_yaml_fail(y, iv->loc, kp,
                             "missing required key; expected input: NAME (one of the station's "
                             "inputs) or material: NAME (one of the materials)");
    }
    if (mat && (st = require_mass(y, iv, &w, &it, "consumed", "960 kg")) != CT_OK)
        return st;
    cur->consume_name[i] = it.name;
    cur->consume_loc[i] = it.name_loc;
    return CT_OK;
}

/* `consumes: [{input: coil, amount: 12 m}, {material: lfp, amount: 960 kg}]`. */
static ct_status station_consumes(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_station *s = obj;
    return amount_list(y, v, s->consumes, &s->n_consumes,
                       "a list of 1 to 4 entries such as [{input: coil, amount: 12 m}, "
                       "{material: lfp, amount: 960 kg}]",
                       consume_item_read, s);
}

/* One entry of `uses:`: a material and its mass per unit processed. */
static const cti_yaml_key use_keys[] = {
    { "material", true, "a material name", consume_material },
    { "amount", true, "a mass such as \"38 g\"", consume_amount },
};

static ct_status use_item_read(cti_yaml_ctx *y, const cti_yaml_value *iv, int i, void *obj)
{
    cti_station *s = obj;
    consume_item it = { &s->uses[i], NULL, { 0, 0 } };
    cti_yaml_walk w;
    ct_status st;

    it.c->material = -1;
    it.c->loc = to_loc(iv->loc);
    if ((st = cti_yaml_walk_mapping(y, iv, use_keys, CTI_YAML_N_KEYS(use_keys), &it, &w)) != CT_OK)
        return st;
    return require_mass(y, iv, &w, &it, "used", "38 g");
}

/* `uses: [{material: separator, amount: 38 g}]`: per unit processed. */
static ct_status station_uses(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_station *s = obj;
    return amount_list(y, v, s->uses, &s->n_uses,
                       "a list of 1 to 4 entries such as [{material: separator, amount: 38 g}]",
                       use_item_read, s);
}

/* ------------------------------------------------------------------------ */
/* stations[i]                                                              */

static ct_status station_name(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_station *s = obj;
    ct_status st = get_name(y, v, "a station name", s->name);
    if (st != CT_OK)
        return st;
    if (!strcmp(s->name, "exit"))
        return cti_yaml_fail(y, v->loc, v->path, "expected a station name other than \"exit\", "
                                                 "which means leaving the line");
    return CT_OK;
}

static ct_status station_servers(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 1, LOAD_MAX_SERVERS, "an integer >= 1 (at most 1000000)",
                                    &x);
    if (st == CT_OK)
        ((cti_station *)obj)->servers = (int)x;
    return st;
}

static ct_status station_process_time(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_time_dist(y, v, &((cti_station *)obj)->process_time);
}

static ct_status station_buffer(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_buffer(y, v, &((cti_station *)obj)->buffer);
}

static ct_status station_scrap(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_probability(y, v, &((cti_station *)obj)->scrap_p);
}

static ct_status station_rework(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_probability(y, v, &((cti_station *)obj)->rework_p);
}

static ct_status station_rework_to(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_station *s = obj;
    return add_station_ref(y, v, false, &s->rework_to, &s->rework_port);
}

static ct_status station_kind(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_station *s = obj;
    const char *name = cti_yaml_scalar(v);
    if (!name)
        return cti_yaml_fail_expected(y, v, "a station kind such as coater");
    if (!(s->kind = cti_kind_find(name))) {
        char names[400];
        cti_kind_names(names, sizeof names);
        return cti_yaml_fail(y, v->loc, v->path, "unknown kind \"%.64s\"; expected one of %s", name,
                             names);
    }
    return CT_OK;
}

/* Kept for the kind, which reads it once the whole station is known. */
static ct_status station_process(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    (void)obj;
    get_loader(y)->cur.process = v->node;
    return CT_OK;
}

static const choice form_words[] = {
    { "batch", CTI_FORM_BATCH },
    { "coil", CTI_FORM_COIL },
    { "cell", CTI_FORM_CELL },
};

static ct_status station_makes(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    int form = 0;
    ct_status st = get_choice(y, v, form_words, sizeof form_words / sizeof form_words[0],
                              "batch, coil or cell", &form);
    if (st == CT_OK)
        ((cti_station *)obj)->makes = (cti_form)form;
    return st;
}

static ct_status station_splits(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 1, LOAD_MAX_SPLITS, "an integer from 1 to 64", &x);
    if (st == CT_OK)
        ((cti_station *)obj)->splits = (int)x;
    return st;
}

static ct_status station_value_added(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity(y, v, CT_DIM_MONEY, false, CTI_YAML_NONNEGATIVE,
                                 &((cti_station *)obj)->value_added_usd);
}

static ct_status station_quantity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    (void)obj;
    get_loader(y)->cur.quantity = v->node;
    return CT_OK;
}

static ct_status station_learning(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_learning_parse(y, v, &((cti_station *)obj)->learning, NULL, NULL);
}

static const cti_yaml_key station_keys[] = {
    { "name", true, "a station name", station_name },
    { "servers", false, "an integer >= 1", station_servers },
    { "process_time", true, time_example, station_process_time },
    { "buffer", false, buffer_expect, station_buffer },
    { "batch", false, "a batch size or {size, min, max_wait}", station_batch },
    { "failures", false, "{mtbf: DIST, mttr: DIST}", station_failures },
    { "scrap", false, "a probability in [0, 1]", station_scrap },
    { "rework", false, "a probability in [0, 1]", station_rework },
    { "rework_to", false, "a station name", station_rework_to },
    { "next", false, "a station name, exit or a list of {to, p}", station_next },
    { "kind", false, "a station kind", station_kind },
    { "process", false, "the kind's parameters", station_process },
    { "inputs", false, "a list of {name, buffer}", station_inputs },
    { "consumes", false, "a list of {input or material, amount}", station_consumes },
    { "uses", false, "a list of {material, amount}", station_uses },
    { "makes", false, "batch, coil or cell", station_makes },
    { "splits", false, "an integer from 1 to 64", station_splits },
    { "value_added", false, "an amount of money >= 0", station_value_added },
    { "quantity", false, "the amount of each unit made, such as \"2000 m\"", station_quantity },
    { "learning", false, "{scrap_at_sop, steady_scrap, curve, time_constant}", station_learning },
    { "economics", false, "{investment, depreciation_years, floor_space, power, operators, area, room}", cti_econ_station_key },
};

/* A key of the mapping at path that is wrong given the others. */
static ct_status fail_key(cti_yaml_ctx *y, cti_yaml_loc loc, const char *path,
                              const char *key, const char *what)
{
    char kp[CTI_YAML_PATH_MAX];
    cti_yaml_join_key(kp, sizeof kp, path, key);
    return cti_yaml_fail(y, loc, kp, "%s", what);
}

/* Inputs: the named ones, or the one default input "in". */
static ct_status finish_inputs(cti_yaml_ctx *y, const cti_yaml_walk *w, cti_station *s,
                               const char *path)
{
    const cti_yaml_loc *buf = cti_yaml_seen(w, "buffer");
    if (!cti_yaml_seen(w, "inputs")) {
        s->n_ports = 1;
        snprintf(s->ports[0].name, sizeof s->ports[0].name, "in");
        s->ports[0].buffer = s->buffer;
        return CT_OK;
    }
    if (buf)
        return fail_key(y, *buf, path, "buffer",
                            "expected no station buffer next to inputs: (each input has its own "
                            "buffer)");
    s->buffer = s->ports[0].buffer;
    return CT_OK;
}

/* Converting: consumes names inputs of this station once each, needs
 * makes, excludes batch, and takes from every named input. */
static ct_status finish_consumes(cti_yaml_ctx *y, const cti_yaml_walk *w, cti_station *s,
                                 const char *path)
{
    const station_scratch *cur = &get_loader(y)->cur;
    const cti_yaml_loc *co = cti_yaml_seen(w, "consumes"), *mk = cti_yaml_seen(w, "makes"),
                       *bt = cti_yaml_seen(w, "batch");
    const named_list ports = PORTS(s);
    bool taken[CTI_MAX_PORTS] = { false };
    char kp[CTI_YAML_PATH_MAX];

    const cti_yaml_loc *qu = cti_yaml_seen(w, "quantity");
    if (!co) {
        if (qu)
            return fail_key(y, *qu, path, "quantity",
                            "expected quantity: only on a station with consumes: and makes:");
        return mk ? fail_key(y, *mk, path, "makes",
                                 "expected makes: only on a station with consumes:")
                  : CT_OK;
    }
    if (!mk)
        return fail_key(y, w->map_loc, path, "makes",
                            "missing required key; expected what the station makes from what "
                            "it consumes: batch, coil or cell");
    if (bt)
        return fail_key(y, *bt, path, "batch",
                            "expected either batch or consumes, not both: a converting station "
                            "takes amounts, not batches of units");
    if (qu) {
        /* A batch is made in kg, a coil in metres; a cell is one cell. */
        if (s->makes == CTI_FORM_CELL)
            return fail_key(y, *qu, path, "quantity",
                            "expected no quantity for makes: cell (each cell is one unit)");
        char kq[CTI_YAML_PATH_MAX];
        cti_yaml_join_key(kq, sizeof kq, path, "quantity");
        cti_yaml_value qv = { cur->quantity, kq, *qu };
        ct_status st = cti_yaml_get_quantity(y, &qv, s->makes == CTI_FORM_COIL ? CT_DIM_LENGTH : CT_DIM_MASS,
                                             true, CTI_YAML_POSITIVE, &s->makes_quantity);
        if (st != CT_OK)
            return st;
    }

    for (int i = 0; i < s->n_consumes; i++) {
        cti_consume *c = &s->consumes[i];
        const char *name = cur->consume_name[i];
        bool material = c->port < 0;
        snprintf(kp, sizeof kp, "%s.consumes[%d].%s", path, i, material ? "material" : "input");
        for (int j = 0; j < i; j++) {
            if ((s->consumes[j].port < 0) == material && !strcmp(cur->consume_name[j], name))
                return cti_yaml_fail(y, cur->consume_loc[i], kp,
                                     "expected each input or material once, but \"%.64s\" is also "
                                     "consumes[%d]", name, j);
        }
        if (material)
            continue;
        if ((c->port = find_name(&ports, s->n_ports, name, strlen(name))) < 0) {
            char names[200];
            list_names(names, sizeof names, &ports, s->n_ports, CTI_MAX_PORTS);
            return cti_yaml_fail(y, cur->consume_loc[i], kp,
                                 "unknown input \"%.64s\"; expected one of %s", name, names);
        }
        taken[c->port] = true;
    }
    if (cti_yaml_seen(w, "inputs")) {
        for (int p = 0; p < s->n_ports; p++) {
            if (!taken[p]) {
                char what[128];
                snprintf(what, sizeof what,
                         "expected an entry for every input, but input \"%s\" has none",
                         s->ports[p].name);
                return fail_key(y, *co, path, "consumes", what);
            }
        }
    }
    return CT_OK;
}

/* Checks that need several keys of station i, after its mapping is read. */
static ct_status station_finish(cti_yaml_ctx *y, const cti_yaml_walk *w, int i, const char *path)
{
    loader *ld = get_loader(y);
    cti_station *s = &ld->f->stations[i];
    const named_list stations = STATIONS(ld->f);
    ct_status st;

    if ((st = check_unique(y, w, path, &stations, i)) != CT_OK)
        return st;
    /* The slack lets sums such as 0.3 + 0.7 that round above 1 through. */
    if (s->scrap_p + s->rework_p > 1.0 + 1e-12) {
        char what[128];
        snprintf(what, sizeof what, "expected scrap + rework <= 1, got %g + %g", s->scrap_p,
                 s->rework_p);
        return fail_key(y, *cti_yaml_seen(w, "rework"), path, "rework", what);
    }
    if (s->rework_p > 0 && !cti_yaml_seen(w, "rework_to"))
        return fail_key(y, w->map_loc, path, "rework_to",
                            "missing required key; expected the station that reworks units when "
                            "rework > 0");
    if ((st = finish_inputs(y, w, s, path)) != CT_OK ||
        (st = finish_consumes(y, w, s, path)) != CT_OK)
        return st;

    const cti_yaml_loc *pr = cti_yaml_seen(w, "process");
    if (pr && !s->kind)
        return fail_key(y, *pr, path, "process",
                            "expected process: only with kind: (the kind reads its parameters)");
    if (s->kind) {
        /* The kind's parse sees the whole station; it owns what it stores
         * in kind_params, which ct_factory_destroy frees, also after a
         * failed parse. */
        char kp[CTI_YAML_PATH_MAX];
        cti_yaml_join_key(kp, sizeof kp, path, "process");
        cti_yaml_value pv = { ld->cur.process, kp, pr ? *pr : w->map_loc };
        if ((st = s->kind->parse(y, &pv, s, &s->kind_params)) != CT_OK)
            return st;
    }
    return CT_OK;
}

static ct_status station_item(cti_yaml_ctx *y, const cti_yaml_value *sv, int i, void *obj)
{
    loader *ld = get_loader(y);
    cti_station *s = &((ct_factory *)obj)->stations[i];
    cti_yaml_walk w;
    ct_status st;

    s->servers = 1;
    s->buffer = CTI_BUFFER_INF;
    s->process_time = ct_dist_const(0);
    s->batch_size = 1;
    s->batch_min = 1;
    s->batch_max_wait_s = -1;
    s->mtbf = ct_dist_const(0);
    s->mttr = ct_dist_const(0);
    s->rework_to = -1;
    s->splits = 1;
    s->makes = CTI_FORM_ITEM;
    s->loc = to_loc(sv->loc);
    memset(&ld->cur, 0, sizeof ld->cur);
    if ((st = cti_yaml_walk_mapping(y, sv, station_keys, CTI_YAML_N_KEYS(station_keys), s, &w)) !=
        CT_OK)
        return st;
    return station_finish(y, &w, i, sv->path);
}

static ct_status top_stations(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_factory *f = obj;
    int n;
    ct_status st = cti_yaml_get_list(y, v, LOAD_MAX_STATIONS, "a non-empty list of stations",
                                     "stations", &n);
    if (st != CT_OK)
        return st;
    /* calloc leaves every ct_dist a const(0) without a table, every next
     * NULL and every kind NULL, so ct_factory_destroy can free a
     * half-filled array. */
    if (!(f->stations = calloc((size_t)n, sizeof *f->stations)))
        return cti_yaml_fail_nomem(y);
    f->n_stations = n;
    return cti_yaml_walk_list(y, v, station_item, f);
}

/* ------------------------------------------------------------------------ */
/* materials:                                                               */

static ct_status material_name(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_name(y, v, "a material name", ((cti_material_supply *)obj)->name);
}

static ct_status material_price(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity(y, v, CT_DIM_PRICE_MASS, true, CTI_YAML_NONNEGATIVE,
                                 &((cti_material_supply *)obj)->price_usd_kg);
}

static ct_status material_lot(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity(y, v, CT_DIM_MASS, true, CTI_YAML_POSITIVE,
                                 &((cti_material_supply *)obj)->lot_kg);
}

static ct_status material_active(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_bool(y, v, &((cti_material_supply *)obj)->active);
}

static const cti_yaml_key material_keys[] = {
    { "name", true, "a material name", material_name },
    { "price", true, "a price per mass such as \"20 usd/kg\"", material_price },
    { "lot", true, "a lot size such as \"2 t\"", material_lot },
    { "active", false, "true or false", material_active },
    { "per_cell", false, "a mass per cell such as \"0.24 kg\"", cti_econ_material_per_cell },
};

static ct_status material_item(cti_yaml_ctx *y, const cti_yaml_value *iv, int i, void *obj)
{
    ct_factory *f = obj;
    const named_list materials = MATERIALS(f);
    cti_yaml_walk w;
    ct_status st;

    f->materials[i].loc = to_loc(iv->loc);
    if ((st = cti_yaml_walk_mapping(y, iv, material_keys, CTI_YAML_N_KEYS(material_keys),
                                    &f->materials[i], &w)) != CT_OK)
        return st;
    return check_unique(y, &w, iv->path, &materials, i);
}

static ct_status top_materials(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_factory *f = obj;
    int n;
    ct_status st = cti_yaml_get_list(y, v, LOAD_MAX_MATERIALS,
                                     "a non-empty list of materials such as "
                                     "[{name: lfp, price: 20 usd/kg, lot: 2 t}]", "materials", &n);
    if (st != CT_OK)
        return st;
    if (!(f->materials = calloc((size_t)n, sizeof *f->materials)))
        return cti_yaml_fail_nomem(y);
    f->n_materials = n;
    return cti_yaml_walk_list(y, v, material_item, f);
}

/* ------------------------------------------------------------------------ */
/* cell:                                                                    */

static ct_status cell_voltage(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity(y, v, CT_DIM_VOLTAGE, false, CTI_YAML_POSITIVE,
                                 &((cti_cell_spec *)obj)->nominal_voltage_v);
}

static ct_status cell_capacity(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity(y, v, CT_DIM_CHARGE, false, CTI_YAML_POSITIVE,
                                 &((cti_cell_spec *)obj)->nominal_capacity_ah);
}

static ct_status cell_material_cost(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity(y, v, CT_DIM_MONEY, false, CTI_YAML_NONNEGATIVE,
                                 &((cti_cell_spec *)obj)->material_cost_usd);
}

static const cti_yaml_key cell_keys[] = {
    { "nominal_voltage", false, "a voltage such as \"3.2 V\"", cell_voltage },
    { "nominal_capacity", false, "a charge such as \"150 Ah\"", cell_capacity },
    { "material_cost", false, "an amount of money such as \"45 usd\"", cell_material_cost },
};

static ct_status top_cell(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_factory *f = obj;
    cti_yaml_walk w;
    ct_status st = cti_yaml_walk_mapping(y, v, cell_keys, CTI_YAML_N_KEYS(cell_keys), &f->cell, &w);
    if (st == CT_OK)
        f->has_cell = true;
    return st;
}

/* An attribute name of either table: *on_cell says which. */
static ct_status get_attribute(cti_yaml_ctx *y, const cti_yaml_value *v, bool *on_cell, int *attr)
{
    const named_list cells = ATTRS(cti_cell_attr_info), materials = ATTRS(cti_material_attr_info);
    const char *s = cti_yaml_scalar(v);
    char cell_names[400], material_names[300];

    if (!s)
        return cti_yaml_fail_expected(y, v, "an attribute name such as leakage_current");
    /* Names are unique across both tables (test_factory_load checks). */
    if ((*attr = find_name(&cells, CTI_C__COUNT, s, strlen(s))) >= 0) {
        *on_cell = true;
        return CT_OK;
    }
    if ((*attr = find_name(&materials, CTI_M__COUNT, s, strlen(s))) >= 0) {
        *on_cell = false;
        return CT_OK;
    }
    list_names(cell_names, sizeof cell_names, &cells, CTI_C__COUNT, CTI_C__COUNT);
    list_names(material_names, sizeof material_names, &materials, CTI_M__COUNT, CTI_M__COUNT);
    return cti_yaml_fail(y, v->loc, v->path,
                         "unknown attribute \"%.64s\"; expected a cell attribute (%s) or a "
                         "material attribute (%s)", s, cell_names, material_names);
}

/* ------------------------------------------------------------------------ */
/* control_plan[i].chart: an online control chart of a gate's measurements */

static const choice chart_type_words[] = {
    { "individuals", CT_CHART_IMR }, { "xbar_r", CT_CHART_XBAR_R },
    { "xbar_s", CT_CHART_XBAR_S },   { "ewma", CT_CHART_EWMA },
    { "cusum", CT_CHART_CUSUM },
};
#define CHART_TYPES "individuals, xbar_r, xbar_s, ewma or cusum"

static const choice rule_set_words[] = {
    { "limits", CT_RULES_LIMITS }, { "we", CT_RULES_WE }, { "nelson", CT_RULES_NELSON },
};

/* A chart being read; target and sigma are in the attribute's unit. */
typedef struct chart_item {
    cti_gate *g;
    ct_dim dim;
} chart_item;

static ct_status chart_type(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_gate *g = ((chart_item *)obj)->g;
    int kind = 0;
    ct_status st = get_choice(y, v, chart_type_words, CTI_YAML_N_KEYS(chart_type_words),
                              CHART_TYPES, &kind);
    if (st != CT_OK)
        return st;
    for (size_t i = 0; i < CTI_YAML_N_KEYS(chart_type_words); i++)
        if (chart_type_words[i].value == kind)
            g->chart_type = chart_type_words[i].word;
    g->chart.kind = (ct_chart_kind)kind;
    return CT_OK;
}

static ct_status chart_subgroup(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 1, CT_SPC_ONLINE_MAX_SUBGROUP,
                                    "a subgroup size from 1 to 64", &x);
    if (st == CT_OK)
        ((chart_item *)obj)->g->chart.subgroup = (size_t)x;
    return st;
}

static ct_status chart_rules(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    int rules = 0;
    ct_status st = get_choice(y, v, rule_set_words, CTI_YAML_N_KEYS(rule_set_words),
                              "limits, we or nelson", &rules);
    if (st == CT_OK)
        ((chart_item *)obj)->g->chart.rules = (ct_rule_set)rules;
    return st;
}

static ct_status chart_phase1(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 2, 1000000, "a number of points from 2 to 1000000", &x);
    if (st == CT_OK)
        ((chart_item *)obj)->g->phase1 = (size_t)x;
    return st;
}

static ct_status chart_target(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    chart_item *c = obj;
    return cti_yaml_get_quantity_ex(y, v, c->dim, true, false, CTI_YAML_ANY, NULL,
                                    &c->g->chart.target);
}

static ct_status chart_sigma(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    chart_item *c = obj;
    return cti_yaml_get_quantity_ex(y, v, c->dim, true, true, CTI_YAML_POSITIVE, NULL,
                                    &c->g->chart.sigma);
}

static ct_status chart_number(cti_yaml_ctx *y, const cti_yaml_value *v, cti_yaml_range range,
                              double *out)
{
    return cti_yaml_get_quantity(y, v, CT_DIM_NONE, false, range, out);
}

static ct_status chart_lambda(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return chart_number(y, v, CTI_YAML_FRACTION, &((chart_item *)obj)->g->chart.lambda);
}

static ct_status chart_L(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return chart_number(y, v, CTI_YAML_POSITIVE, &((chart_item *)obj)->g->chart.L);
}

static ct_status chart_k(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return chart_number(y, v, CTI_YAML_NONNEGATIVE, &((chart_item *)obj)->g->chart.k);
}

static ct_status chart_h(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return chart_number(y, v, CTI_YAML_POSITIVE, &((chart_item *)obj)->g->chart.h);
}

static ct_status chart_head_start(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return chart_number(y, v, CTI_YAML_NONNEGATIVE, &((chart_item *)obj)->g->chart.head_start);
}

static const cti_yaml_key chart_keys[] = {
    { "type", true, CHART_TYPES, chart_type },
    { "subgroup", false, "a subgroup size from 1 to 64", chart_subgroup },
    { "rules", false, "limits, we or nelson", chart_rules },
    { "phase1", false, "a number of points from 2 to 1000000", chart_phase1 },
    { "target", false, "the process mean, in the attribute's unit", chart_target },
    { "sigma", false, "the process sd of one measurement, in the attribute's unit", chart_sigma },
    { "lambda", false, "an EWMA weight in (0, 1]", chart_lambda },
    { "L", false, "an EWMA limit width > 0", chart_L },
    { "k", false, "a CUSUM reference value >= 0, in sigmas", chart_k },
    { "h", false, "a CUSUM decision interval > 0, in sigmas", chart_h },
    { "head_start", false, "a CUSUM head start in [0, h), in sigmas", chart_head_start },
};

/* Checks that need several keys of a chart. */
static ct_status chart_finish(cti_yaml_ctx *y, const cti_yaml_walk *w, cti_gate *g,
                              const char *path, cti_yaml_loc at)
{
    ct_chart_options *o = &g->chart;
    const char *type = g->chart_type;
    bool smoothed = o->kind == CT_CHART_EWMA || o->kind == CT_CHART_CUSUM;
    const cti_yaml_loc *sub = w ? cti_yaml_seen(w, "subgroup") : NULL;
    const cti_yaml_loc *rules = w ? cti_yaml_seen(w, "rules") : NULL;
    char what[200];
    static const struct { const char *key; ct_chart_kind kind; } only[] = {
        { "lambda", CT_CHART_EWMA }, { "L", CT_CHART_EWMA }, { "k", CT_CHART_CUSUM },
        { "h", CT_CHART_CUSUM },     { "head_start", CT_CHART_CUSUM },
    };

    if ((o->kind == CT_CHART_XBAR_R || o->kind == CT_CHART_XBAR_S) && o->subgroup < 2) {
        snprintf(what, sizeof what, "expected a subgroup of 2 or more for %s, got %zu", type,
                 o->subgroup > 0 ? o->subgroup : 1);
        return fail_key(y, sub ? *sub : at, path, "subgroup", what);
    }
    if (o->kind == CT_CHART_IMR && o->subgroup > 1)
        return fail_key(y, *sub, path, "subgroup",
                        "expected no subgroup for an individuals chart, which charts single "
                        "measurements (use xbar_r or xbar_s for subgroups)");
    if (smoothed && rules) {
        snprintf(what, sizeof what, "expected no run rules on a %s chart, whose points are "
                 "correlated (run rules apply to individuals, xbar_r and xbar_s)", type);
        return fail_key(y, *rules, path, "rules", what);
    }
    for (size_t i = 0; w && i < sizeof only / sizeof only[0]; i++) {
        const cti_yaml_loc *k = cti_yaml_seen(w, only[i].key);
        if (k && o->kind != only[i].kind) {
            snprintf(what, sizeof what, "expected %s only on a%s %s chart", only[i].key,
                     only[i].kind == CT_CHART_EWMA ? "n" : "", only[i].kind == CT_CHART_EWMA
                     ? "ewma" : "cusum");
            return fail_key(y, *k, path, only[i].key, what);
        }
    }
    if (o->kind == CT_CHART_CUSUM && !(o->head_start < o->h)) {
        snprintf(what, sizeof what, "expected a head start below h = %g, got %g", o->h,
                 o->head_start);
        return fail_key(y, *cti_yaml_seen(w, "head_start"), path, "head_start", what);
    }
    if (!rules)
        o->rules = smoothed ? CT_RULES_LIMITS : CT_RULES_WE;
    if (g->phase1 == 0)
        g->phase1 = o->subgroup > 1 ? 25 : 100;
    /* Anything else the chart itself refuses. */
    ct_spc_online probe;
    ct_error e;
    ct_error_clear(&e);
    if (ct_spc_online_init(&probe, o, g->phase1, &e) != CT_OK)
        return cti_yaml_fail(y, at, path, "%s", e.msg);
    return CT_OK;
}

/* `chart: TYPE` or `chart: {type: TYPE, ...}`, in the unit of dim. */
static ct_status read_chart(cti_yaml_ctx *y, const cti_yaml_value *v, cti_gate *g, ct_dim dim)
{
    chart_item c = { g, dim };
    cti_yaml_walk w;
    ct_status st;

    ct_chart_options_init(&g->chart, CT_CHART_IMR);
    if (cti_yaml_scalar(v)) {
        cti_yaml_value tv = *v;
        if ((st = chart_type(y, &tv, &c)) != CT_OK)
            return st;
        return chart_finish(y, NULL, g, v->path, v->loc);
    }
    if ((st = cti_yaml_walk_mapping(y, v, chart_keys, CTI_YAML_N_KEYS(chart_keys), &c, &w)) !=
        CT_OK)
        return st;
    return chart_finish(y, &w, g, v->path, w.map_loc);
}

/* ------------------------------------------------------------------------ */
/* control_plan:                                                            */

/* One gate being read: limits and noise are read after the walk, in the
 * unit of the attribute, which may come later in the mapping. */
typedef struct gate_item {
    cti_gate *g;
    struct fy_node *lsl, *usl, *noise, *chart;
} gate_item;

static ct_status gate_name(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_name(y, v, "a control plan name", ((gate_item *)obj)->g->name);
}

static ct_status gate_station(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return add_station_ref(y, v, false, &((gate_item *)obj)->g->station, NULL);
}

static ct_status gate_attribute(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_gate *g = ((gate_item *)obj)->g;
    return get_attribute(y, v, &g->on_cell, &g->attr);
}

static ct_status gate_method(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_gate *g = ((gate_item *)obj)->g;
    return get_text(y, v, "a description of the method (at most 63 characters)", g->method,
                    sizeof g->method);
}

static ct_status gate_sample(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity(y, v, CT_DIM_NONE, false, CTI_YAML_FRACTION,
                                 &((gate_item *)obj)->g->sample);
}

static ct_status gate_time(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_duration(y, v, false, &((gate_item *)obj)->g->time_s);
}

static ct_status gate_noise(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    (void)y;
    ((gate_item *)obj)->noise = v->node;
    return CT_OK;
}

static ct_status gate_lsl(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    (void)y;
    ((gate_item *)obj)->lsl = v->node;
    return CT_OK;
}

static ct_status gate_usl(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    (void)y;
    ((gate_item *)obj)->usl = v->node;
    return CT_OK;
}

static ct_status gate_chart(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    (void)y;
    ((gate_item *)obj)->chart = v->node;
    return CT_OK;
}

static const choice action_words[] = {
    { "scrap", CTI_GATE_SCRAP },
    { "rework", CTI_GATE_REWORK },
    { "hold", CTI_GATE_HOLD },
};

static ct_status gate_on_fail(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    int action = 0;
    ct_status st = get_choice(y, v, action_words, sizeof action_words / sizeof action_words[0],
                              "scrap, rework or hold", &action);
    if (st == CT_OK)
        ((gate_item *)obj)->g->action = (cti_gate_action)action;
    return st;
}

static ct_status gate_rework_to(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_gate *g = ((gate_item *)obj)->g;
    return add_station_ref(y, v, false, &g->rework_to, &g->rework_port);
}

static ct_status gate_hold_time(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_duration(y, v, true, &((gate_item *)obj)->g->hold_time_s);
}

static const cti_yaml_key gate_keys[] = {
    { "name", true, "a control plan name", gate_name },
    { "station", true, "the station where the attribute is measured", gate_station },
    { "attribute", true, "an attribute name such as leakage_current", gate_attribute },
    { "method", false, "a description of the method", gate_method },
    { "sample", false, "a share of units in (0, 1] such as \"100 %\"", gate_sample },
    { "time", false, "a duration >= 0", gate_time },
    { "noise", false, "a measurement noise (sd) >= 0", gate_noise },
    { "lsl", false, "a lower specification limit", gate_lsl },
    { "usl", false, "an upper specification limit", gate_usl },
    { "on_fail", false, "scrap, rework or hold", gate_on_fail },
    { "rework_to", false, "a station name", gate_rework_to },
    { "hold_time", false, "a duration > 0", gate_hold_time },
    { "chart", false, "a control chart such as {type: individuals, rules: we}", gate_chart },
};

/* Reads a value kept by the walk (node) as a quantity of the attribute's
 * dimension, units required; loc is where the walk saw it. */
static ct_status gate_quantity(cti_yaml_ctx *y, struct fy_node *node, cti_yaml_loc loc,
                               const char *path, const char *key, ct_dim dim, bool is_difference,
                               cti_yaml_range range, double *out)
{
    char kp[CTI_YAML_PATH_MAX];
    cti_yaml_join_key(kp, sizeof kp, path, key);
    cti_yaml_value v = { node, kp, loc };
    return cti_yaml_get_quantity_ex(y, &v, dim, true, is_difference, range, NULL, out);
}

/* Checks that need several keys of a gate, after its mapping is read. */
static ct_status gate_finish(cti_yaml_ctx *y, const cti_yaml_walk *w, const gate_item *it,
                             const char *path)
{
    cti_gate *g = it->g;
    const cti_attr_info *info = g->on_cell ? &cti_cell_attr_info[g->attr]
                                           : &cti_material_attr_info[g->attr];
    const cti_yaml_loc *lsl = cti_yaml_seen(w, "lsl"), *usl = cti_yaml_seen(w, "usl"),
                       *noise = cti_yaml_seen(w, "noise"), *rework_to = cti_yaml_seen(w, "rework_to"),
                       *hold_time = cti_yaml_seen(w, "hold_time");
    ct_status st;

    if (lsl && (st = gate_quantity(y, it->lsl, *lsl, path, "lsl", info->dim, false, CTI_YAML_ANY,
                                   &g->lsl)) != CT_OK)
        return st;
    if (usl && (st = gate_quantity(y, it->usl, *usl, path, "usl", info->dim, false, CTI_YAML_ANY,
                                   &g->usl)) != CT_OK)
        return st;
    if (noise && (st = gate_quantity(y, it->noise, *noise, path, "noise", info->dim, true,
                                     CTI_YAML_NONNEGATIVE, &g->noise_sd)) != CT_OK)
        return st;
    if (!lsl && !usl)
        return fail_key(y, w->map_loc, path, "usl",
                            "missing required key; expected lsl, usl or both: the limits the "
                            "attribute must meet");
    if (lsl && usl && !(g->lsl < g->usl)) {
        const char *unit = ct_dim_base_unit(info->dim);
        char what[200];
        snprintf(what, sizeof what, "expected usl above lsl, got usl %g%s%s <= lsl %g%s%s", g->usl,
                 *unit ? " " : "", unit, g->lsl, *unit ? " " : "", unit);
        return fail_key(y, *usl, path, "usl", what);
    }
    if (g->action == CTI_GATE_REWORK && !rework_to)
        return fail_key(y, w->map_loc, path, "rework_to",
                            "missing required key; expected the station that reworks units when "
                            "on_fail: rework");
    if (g->action != CTI_GATE_REWORK && rework_to)
        return fail_key(y, *rework_to, path, "rework_to",
                            "expected rework_to only with on_fail: rework");
    if (g->action == CTI_GATE_HOLD && !hold_time)
        return fail_key(y, w->map_loc, path, "hold_time",
                            "missing required key; expected the laboratory time, such as "
                            "\"8 h\", when on_fail: hold");
    if (g->action != CTI_GATE_HOLD && hold_time)
        return fail_key(y, *hold_time, path, "hold_time",
                            "expected hold_time only with on_fail: hold");
    const cti_yaml_loc *chart = cti_yaml_seen(w, "chart");
    if (chart) {
        char kp[CTI_YAML_PATH_MAX];
        cti_yaml_join_key(kp, sizeof kp, path, "chart");
        cti_yaml_value cv = { it->chart, kp, *chart };
        return read_chart(y, &cv, g, info->dim);
    }
    return CT_OK;
}

static ct_status gate_item_read(cti_yaml_ctx *y, const cti_yaml_value *iv, int i, void *obj)
{
    ct_factory *f = obj;
    const named_list gates = GATES(f);
    gate_item it = { &f->gates[i], NULL, NULL, NULL, NULL };
    cti_yaml_walk w;
    ct_status st;

    it.g->loc = to_loc(iv->loc);
    it.g->station = -1;
    it.g->sample = 1;
    it.g->lsl = -INFINITY;
    it.g->usl = INFINITY;
    it.g->action = CTI_GATE_SCRAP;
    it.g->rework_to = -1;
    if ((st = cti_yaml_walk_mapping(y, iv, gate_keys, CTI_YAML_N_KEYS(gate_keys), &it, &w)) !=
            CT_OK ||
        (st = gate_finish(y, &w, &it, iv->path)) != CT_OK)
        return st;
    return check_unique(y, &w, iv->path, &gates, i);
}

static ct_status top_control_plan(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_factory *f = obj;
    int n;
    ct_status st = cti_yaml_get_list(y, v, LOAD_MAX_GATES,
                                     "a non-empty list of measurements such as [{name: hipot, "
                                     "station: hipot, attribute: leakage_current, usl: 1 mA}]",
                                     "measurements", &n);
    if (st != CT_OK)
        return st;
    if (!(f->gates = calloc((size_t)n, sizeof *f->gates)))
        return cti_yaml_fail_nomem(y);
    f->n_gates = n;
    return cti_yaml_walk_list(y, v, gate_item_read, f);
}

/* ------------------------------------------------------------------------ */
/* Top level                                                                */

static ct_status top_name(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_factory *f = obj;
    return get_text(y, v, "a factory name (at most 127 characters)", f->name, sizeof f->name);
}

/* ------------------------------------------------------------------------ */
/* inject:                                                                  */

static const choice defect_words[] = {
    { "coating", CTI_DEF_COATING },       { "burr", CTI_DEF_BURR },
    { "particle", CTI_DEF_PARTICLE },     { "leak", CTI_DEF_LEAK },
    { "moisture", CTI_DEF_MOISTURE },     { "misalign", CTI_DEF_MISALIGN },
    { "insulation", CTI_DEF_INSULATION }, { "electrolyte", CTI_DEF_ELECTROLYTE },
    { "standing", CTI_DEF_STANDING },
    { "lithium", CTI_DEF_LITHIUM },
};

static ct_status inject_station(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return add_station_ref(y, v, false, &((cti_injection *)obj)->station, NULL);
}

static ct_status inject_unit(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 1, UINT32_MAX, "a unit number >= 1", &x);
    if (st == CT_OK)
        ((cti_injection *)obj)->unit = (uint32_t)x;
    return st;
}

static ct_status inject_lane(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    long long x;
    ct_status st = cti_yaml_get_int(y, v, 0, 31, "a lane number from 0 to 31", &x);
    if (st == CT_OK)
        ((cti_injection *)obj)->lane = (int)x;
    return st;
}

/* from/to are metres on a coil or kg of a batch: either dimension. */
static ct_status inject_position(cti_yaml_ctx *y, const cti_yaml_value *v, double *out)
{
    char why[256];
    const char *text = cti_yaml_scalar(v);
    if (text && (ct_quantity_parse(text, CT_DIM_LENGTH, true, out, why, sizeof why) == CT_OK ||
                 ct_quantity_parse(text, CT_DIM_MASS, true, out, why, sizeof why) == CT_OK) &&
        *out >= 0)
        return CT_OK;
    return cti_yaml_fail_expected(y, v, "a position >= 0 in metres of coil or kg of batch, such as \"1234 m\"");
}

static ct_status inject_from(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return inject_position(y, v, &((cti_injection *)obj)->from);
}

static ct_status inject_to(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return inject_position(y, v, &((cti_injection *)obj)->to);
}

static ct_status inject_defect(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    int bit = 0;
    ct_status st = get_choice(y, v, defect_words, sizeof defect_words / sizeof defect_words[0],
                              "coating, burr, particle, leak, moisture, misalign, insulation, "
                              "electrolyte or standing", &bit);
    if (st == CT_OK)
        ((cti_injection *)obj)->defect = (uint32_t)bit;
    return st;
}

static const cti_yaml_key inject_keys[] = {
    { "station", true, "the station that makes the unit", inject_station },
    { "unit", true, "the unit's number at that station, from 1", inject_unit },
    { "lane", false, "a lane number", inject_lane },
    { "from", false, "a position such as \"1234 m\"", inject_from },
    { "to", false, "a position such as \"1240 m\"", inject_to },
    { "defect", true, "a defect kind", inject_defect },
};

/* inject: [{shift: ATTRIBUTE, station: NAME, at: TIME, by: AMOUNT}]: `by` is
 * read after the walk, in the unit of the attribute. */
typedef struct shift_item {
    cti_shift *sh;
    struct fy_node *by;
} shift_item;

static ct_status shift_attribute(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_shift *sh = ((shift_item *)obj)->sh;
    return get_attribute(y, v, &sh->on_cell, &sh->attr);
}

static ct_status shift_station(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return add_station_ref(y, v, false, &((shift_item *)obj)->sh->station, NULL);
}

static ct_status shift_at(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return get_duration(y, v, false, &((shift_item *)obj)->sh->at_s);
}

static ct_status shift_by(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    (void)y;
    ((shift_item *)obj)->by = v->node;
    return CT_OK;
}

static const cti_yaml_key shift_keys[] = {
    { "shift", true, "the attribute whose mean shifts, such as coating_thickness", shift_attribute },
    { "station", true, "the station whose process shifts", shift_station },
    { "at", true, "the simulated time of the shift, a duration >= 0 such as \"5 d\"", shift_at },
    { "by", true, "the change of the mean in the attribute's unit, such as \"2 um\"", shift_by },
};

static ct_status shift_item_read(cti_yaml_ctx *y, const cti_yaml_value *iv, int i, cti_shift *sh)
{
    shift_item it = { sh, NULL };
    cti_yaml_walk w;
    sh->loc = (cti_loc){ iv->loc.line, iv->loc.col };
    sh->index = i;
    sh->station = -1;
    ct_status st = cti_yaml_walk_mapping(y, iv, shift_keys, CTI_YAML_N_KEYS(shift_keys), &it, &w);
    if (st != CT_OK)
        return st;
    ct_dim dim = sh->on_cell ? cti_cell_attr_info[sh->attr].dim
                             : cti_material_attr_info[sh->attr].dim;
    char kp[CTI_YAML_PATH_MAX];
    cti_yaml_join_key(kp, sizeof kp, iv->path, "by");
    cti_yaml_value bv = { it.by, kp, *cti_yaml_seen(&w, "by") };
    return cti_yaml_get_quantity_ex(y, &bv, dim, true, true, CTI_YAML_ANY, NULL, &sh->by);
}

/* A shift changes what the station makes: the attribute must be one its
 * units carry (checked once stations are resolved). */
static ct_status check_shifts(cti_yaml_ctx *y, const ct_factory *f)
{
    for (int i = 0; i < f->n_shifts; i++) {
        const cti_shift *sh = &f->shifts[i];
        const cti_station *s = &f->stations[sh->station];
        cti_form form = s->kind ? s->kind->output_form : s->n_consumes > 0 ? s->makes : CTI_FORM_ITEM;
        bool fits = form == CTI_FORM_ITEM || (form == CTI_FORM_CELL) == sh->on_cell;
        if (fits)
            continue;
        const char *attr = sh->on_cell ? cti_cell_attr_info[sh->attr].name
                                       : cti_material_attr_info[sh->attr].name;
        char path[64];
        snprintf(path, sizeof path, "inject[%d].shift", sh->index);
        return cti_yaml_fail(y, (cti_yaml_loc){ sh->loc.line, sh->loc.col }, path,
                             "station %s makes %s, which do not carry the %s attribute %s",
                             s->name, form == CTI_FORM_CELL ? "cells" : "batches or coils",
                             sh->on_cell ? "cell" : "material", attr);
    }
    return CT_OK;
}

static ct_status inject_item(cti_yaml_ctx *y, const cti_yaml_value *iv, int i, void *obj)
{
    ct_factory *f = obj;
    if (iv->node && fy_node_is_mapping(iv->node) &&
        fy_node_mapping_lookup_key_by_string(iv->node, "shift", FY_NT))
        return shift_item_read(y, iv, i, &f->shifts[f->n_shifts++]);
    cti_injection *in = &f->injections[f->n_injections++];
    cti_yaml_walk w;
    in->lane = -1;
    in->loc = (cti_loc){ iv->loc.line, iv->loc.col };
    ct_status st = cti_yaml_walk_mapping(y, iv, inject_keys, CTI_YAML_N_KEYS(inject_keys), in, &w);
    if (st != CT_OK)
        return st;
    const cti_yaml_loc *fr = cti_yaml_seen(&w, "from"), *to = cti_yaml_seen(&w, "to");
    if ((fr == NULL) != (to == NULL))
        return fail_key(y, fr ? *fr : *to, iv->path, fr ? "to" : "from",
                        "expected from: and to: together (a stretch of the unit), or neither "
                        "(the whole unit)");
    if (fr && !(in->to > in->from))
        return fail_key(y, *to, iv->path, "to", "expected to > from");
    return CT_OK;
}

static ct_status top_inject(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_factory *f = obj;
    int n;
    ct_status st = cti_yaml_get_list(y, v, LOAD_MAX_MATERIALS,
                                     "a non-empty list of defects such as "
                                     "[{station: coater, unit: 3, lane: 1, from: 1234 m, to: 1240 m, "
                                     "defect: coating}] or process shifts such as [{shift: "
                                     "coating_thickness, station: coater, at: 5 d, by: 2 um}]",
                                     "inject", &n);
    if (st != CT_OK)
        return st;
    if (!(f->injections = calloc((size_t)n, sizeof *f->injections)) ||
        !(f->shifts = calloc((size_t)n, sizeof *f->shifts)))
        return cti_yaml_fail_nomem(y);
    return cti_yaml_walk_list(y, v, inject_item, f);
}

/* ------------------------------------------------------------------------ */
/* learning: (factory level, spread over the stations it lists)             */

static ct_status learning_station_item(cti_yaml_ctx *y, const cti_yaml_value *iv, int i,
                                       void *obj)
{
    ct_factory *f = obj;
    return add_station_ref(y, iv, false, &f->learning_at[i], NULL);
}

static ct_status learning_stations(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_factory *f = obj;
    int n;
    ct_status st = cti_yaml_get_list(y, v, LOAD_MAX_STATIONS, "a non-empty list of station names",
                                     "stations", &n);
    if (st != CT_OK)
        return st;
    if (!(f->learning_at = calloc((size_t)n, sizeof *f->learning_at)))
        return cti_yaml_fail_nomem(y);
    f->n_learning_at = n;
    return cti_yaml_walk_list(y, v, learning_station_item, f);
}

static ct_status top_learning(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    ct_factory *f = obj;
    f->learning_loc = to_loc(v->loc);
    return cti_learning_parse(y, v, &f->learning, learning_stations, f);
}

/* Spreads the factory-level curve over its stations, each once and none
 * with a curve of its own. */
static ct_status spread_learning(cti_yaml_ctx *y, ct_factory *f)
{
    for (int i = 0; i < f->n_learning_at; i++) {
        cti_station *s = &f->stations[f->learning_at[i]];
        cti_yaml_loc at = { f->learning_loc.line, f->learning_loc.col };
        if (s->learning.on)
            return cti_yaml_fail(y, at, "learning.stations",
                                 "expected each station once and none with a learning: of its "
                                 "own, got \"%s\" %s",
                                 s->name, s->learning.share_of > 1 ? "twice" : "with its own");
        s->learning = f->learning;
        s->learning.share_of = f->n_learning_at;
    }
    return CT_OK;
}

static const cti_yaml_key top_keys[] = {
    { "name", true, "a factory name", top_name },
    { "run", false, "{horizon, warmup, seed, replications}", top_run },
    { "source", false, "{interarrival: DIST} or {saturated: true}", top_source },
    { "stations", true, "a non-empty list of stations", top_stations },
    { "materials", false, "a list of {name, price, lot, active}", top_materials },
    { "cell", false, "{nominal_voltage, nominal_capacity, material_cost}", top_cell },
    { "control_plan", false, "a list of measurements", top_control_plan },
    { "inject", false, "a list of defects and process shifts to put into the run", top_inject },
    { "economics", false, "{electricity, labour_rate, overhead, utilities, dry_room, rooms}", cti_econ_top_key },
    { "learning", false, "{scrap_at_sop, steady_scrap, curve, time_constant, stations}",
      top_learning },
};

/* The kinds' checks that need the whole factory (kind.h), in file order. */
static ct_status check_kinds(cti_yaml_ctx *y, ct_factory *f)
{
    for (int i = 0; i < f->n_stations; i++) {
        cti_station *s = &f->stations[i];
        ct_status st;
        if (s->kind && s->kind->check && (st = s->kind->check(y, s, f)) != CT_OK)
            return st;
    }
    return CT_OK;
}

/* Units enter the line from the source, or are made from materials by a
 * station that needs nothing else. */
static ct_status check_feed(cti_yaml_ctx *y, const ct_factory *f, cti_yaml_loc root)
{
    if (f->has_source)
        return CT_OK;
    for (int i = 0; i < f->n_stations; i++) {
        const cti_station *s = &f->stations[i];
        int j = 0;
        while (j < s->n_consumes && s->consumes[j].port < 0)
            j++;
        if (s->n_consumes > 0 && j == s->n_consumes)
            return CT_OK;
    }
    return cti_yaml_fail(y, root, "source",
                         "expected a source, or a station that consumes materials");
}

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

/* Parses text[0..len) into a new factory. text must stay valid for the
 * call (libfyaml does not copy it). */
static ct_status load_text(const char *text, size_t len, const char *file, ct_factory **out,
                           ct_error *err)
{
    loader ld;
    cti_yaml_doc doc;
    cti_yaml_walk w;
    ct_status st;

    memset(&ld, 0, sizeof ld);
    memset(&doc, 0, sizeof doc);
    ld.y.file = file;
    ld.y.err = err;
    ld.y.user = &ld;
    *out = NULL;
    ct_error_clear(err);

    if (!(ld.f = calloc(1, sizeof *ld.f))) {
        st = cti_yaml_fail_nomem(&ld.y);
        goto cleanup;
    }
    snprintf(ld.f->path, sizeof ld.f->path, "%s", file);
    run_defaults(&ld.f->run);
    ld.f->source.interarrival = ct_dist_const(0);
    ld.f->source.to = 0;   /* the first station unless `to:` says otherwise */

    if ((st = cti_yaml_open(&ld.y, text, len, top_expect, &doc)) != CT_OK)
        goto cleanup;
    cti_yaml_value rv = { doc.root, "", doc.root_loc };
    if ((st = cti_yaml_walk_mapping(&ld.y, &rv, top_keys, CTI_YAML_N_KEYS(top_keys), ld.f, &w)) !=
            CT_OK ||
        (st = resolve_refs(&ld)) != CT_OK || (st = spread_learning(&ld.y, ld.f)) != CT_OK ||
        (st = check_kinds(&ld.y, ld.f)) != CT_OK ||
        (st = check_shifts(&ld.y, ld.f)) != CT_OK ||
        (st = check_feed(&ld.y, ld.f, doc.root_loc)) != CT_OK ||
        (st = cti_econ_check(&ld.y, ld.f)) != CT_OK)
        goto cleanup;

    *out = ld.f;
    ld.f = NULL;

cleanup:
    cti_yaml_close(&doc);
    free(ld.refs);
    ct_factory_destroy(ld.f);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Public API (contracts in factory.h)                                      */

ct_status ct_factory_load_string(const char *text, const char *name, ct_factory **out,
                                 ct_error *err)
{
    assert(text && out);
    return load_text(text, strlen(text), name ? name : "<string>", out, err);
}

ct_status ct_factory_load(const char *path, ct_factory **out, ct_error *err)
{
    char *text;
    size_t len;
    ct_status st;

    assert(path && out);
    *out = NULL;
    ct_error_clear(err);
    if ((st = cti_yaml_read_file(path, &text, &len, err)) != CT_OK)
        return st;
    st = load_text(text, len, path, out, err);
    free(text);
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
        if (s->kind && s->kind->free_params && s->kind_params)
            s->kind->free_params(s->kind_params);
    }
    free(f->stations);
    free(f->learning_at);
    free(f->materials);
    free(f->gates);
    free(f->injections);
    free(f->shifts);
    cti_econ_free(f);
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

bool ct_factory_has_learning(const ct_factory *f)
{
    assert(f);
    for (int i = 0; i < f->n_stations; i++)
        if (f->stations[i].learning.on)
            return true;
    return false;
}
