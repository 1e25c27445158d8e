/*
 * sweep.c - parameter sweeps (include/celltwin/sweep.h, docs/sweep.md):
 * reads a sweep file, builds its scenarios (a grid of listed values crossed
 * with a Latin hypercube over numeric ranges), puts each scenario's values
 * into the base factory's YAML tree (yaml_override.c) and lets the factory
 * loader judge the result, runs every replication of every selected
 * scenario on a pool of threads, and writes the results as CSV and JSON,
 * or as a partial result that ct_sweep_merge combines with others.
 *
 * Determinism: replication r of any scenario runs with streams (seed, r, *)
 * and lands in a fixed slot; averages are taken in replication order with
 * the same arithmetic as ct_run, so a scenario's figures are the bytes
 * `celltwin run` gives for it, whatever the threads, shards or ranks.
 * Partial results carry every number at 17 significant digits, which
 * round-trips a double exactly, so merged output equals unsharded output.
 */
#include "engine/threads.h"
#include "celltwin/sweep.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "celltwin/quality.h"
#include "celltwin/rng.h"
#include "celltwin/units.h"
#include "model/factory_internal.h"
#include "model/line.h"
#include "model/results_internal.h"
#include "model/yaml_override.h"
#include "model/yaml_util.h"

#define SWEEP_MAX_PARAMS 64
#define SWEEP_MAX_VALUE 256                 /* characters of one value */
#define SWEEP_MAX_REPLICATIONS 1000000      /* same bound as run.replications */
#define SWEEP_MAX_THREADS 1024
#define SWEEP_PATH_MAX 1024
#define PARTIAL_VERSION 1

/* The KPIs of the CSV and JSON outputs (docs/sweep.md), besides each
 * station's utilization. */
static const struct {
    const char *name;
    size_t offset;
} out_fields[] = {
    {"throughput_per_h", offsetof(ct_kpis, throughput_per_h)},
    {"completed", offsetof(ct_kpis, completed)},
    {"scrapped", offsetof(ct_kpis, scrapped)},
    {"wip_mean", offsetof(ct_kpis, wip_mean)},
    {"lead_time_mean_s", offsetof(ct_kpis, lead_time_mean_s)},
};
#define N_OUT_FIELDS (sizeof out_fields / sizeof out_fields[0])

/* ------------------------------------------------------------------------ */
/* The loaded sweep                                                         */

typedef struct param {
    char path[CTI_YAML_PATH_MAX];   /* as written in the sweep file */
    char key[32];                   /* "parameters[3]", for messages */
    cti_yaml_path rp;               /* resolved in the base document */
    cti_yaml_loc path_loc;          /* where path: is */
    cti_yaml_loc loc;               /* where values: or range: is */
    bool is_range;
    /* values: */
    size_t n_values;
    char **values;
    cti_yaml_loc *value_locs;
    size_t stride;                  /* scenario-index step of the next value */
    /* range: */
    double lo, hi;
    bool integer;
    char format[SWEEP_MAX_VALUE];   /* one "{}" where the number goes */
    size_t range_index;             /* among the range parameters */
} param;

struct ct_sweep {
    char factory_path[SWEEP_PATH_MAX];
    char *factory_text;             /* the base document's tokens point into it */
    cti_yaml_doc base_doc;
    struct fy_document *base;       /* its document, with every swept key present */
    char factory_name[128];
    size_t n_stations;
    char (*station_names)[64];
    ct_run_options run;
    bool lhs;
    size_t lhs_points;
    uint64_t lhs_seed;
    param *params;
    size_t n_params, n_range;
    size_t n_scenarios;
    char **lhs_values;              /* lhs_points x n_range texts */
    uint64_t fingerprint;
};

/* ------------------------------------------------------------------------ */
/* Results                                                                  */

typedef struct scen_result {
    bool present;
    char **values;                  /* n_params texts */
    ct_kpis mean, ci95;
} scen_result;

struct ct_sweep_results {
    char factory[128];
    char design[16];
    ct_run_options run;
    uint64_t fingerprint;
    size_t n_params;
    char **param_paths;
    size_t n_stations;
    char **station_names;
    size_t n_scenarios;
    scen_result *sc;
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static bool kpis_alloc(ct_kpis *k, size_t n)
{
    memset(k, 0, sizeof *k);
    k->n_stations = n;
    k->stations = calloc(n ? n : 1, sizeof *k->stations);
    return k->stations != NULL;
}

void ct_sweep_results_destroy(ct_sweep_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->sc && i < r->n_scenarios; i++) {
        free_strs(r->sc[i].values, r->n_params);
        free(r->sc[i].mean.stations);
        free(r->sc[i].ci95.stations);
    }
    free(r->sc);
    free_strs(r->param_paths, r->n_params);
    free_strs(r->station_names, r->n_stations);
    free(r);
}

/* Empty results with the header filled in by the caller. */
static ct_sweep_results *results_new(size_t n_params, size_t n_stations, size_t n_scenarios)
{
    ct_sweep_results *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->n_params = n_params;
    r->n_stations = n_stations;
    r->n_scenarios = n_scenarios;
    r->param_paths = calloc(n_params ? n_params : 1, sizeof *r->param_paths);
    r->station_names = calloc(n_stations ? n_stations : 1, sizeof *r->station_names);
    r->sc = calloc(n_scenarios ? n_scenarios : 1, sizeof *r->sc);
    if (!r->param_paths || !r->station_names || !r->sc) {
        ct_sweep_results_destroy(r);
        return NULL;
    }
    return r;
}

/* Makes room for scenario i's values and KPIs (names borrowed from r). */
static bool scen_alloc(ct_sweep_results *r, size_t i)
{
    scen_result *s = &r->sc[i];
    s->values = calloc(r->n_params ? r->n_params : 1, sizeof *s->values);
    if (!s->values || !kpis_alloc(&s->mean, r->n_stations) ||
        !kpis_alloc(&s->ci95, r->n_stations))
        return false;
    for (size_t k = 0; k < r->n_stations; k++)
        s->mean.stations[k].name = s->ci95.stations[k].name = r->station_names[k];
    return true;
}

size_t ct_sweep_results_scenarios(const ct_sweep_results *r) { return r->n_scenarios; }

bool ct_sweep_results_has(const ct_sweep_results *r, size_t i)
{
    return i < r->n_scenarios && r->sc[i].present;
}

bool ct_sweep_results_complete(const ct_sweep_results *r)
{
    for (size_t i = 0; i < r->n_scenarios; i++)
        if (!r->sc[i].present)
            return false;
    return true;
}

const ct_kpis *ct_sweep_results_mean(const ct_sweep_results *r, size_t i)
{
    return ct_sweep_results_has(r, i) ? &r->sc[i].mean : NULL;
}

const ct_kpis *ct_sweep_results_ci95(const ct_sweep_results *r, size_t i)
{
    return ct_sweep_results_has(r, i) ? &r->sc[i].ci95 : NULL;
}

/* ------------------------------------------------------------------------ */
/* Reading the sweep file                                                   */

/* The values of one mapping's keys, recorded by cti_yaml_walk_mapping's
 * handlers so that they can be read in an order of our choosing (the
 * factory before the parameters, whatever the file's order). */
#define SLOTS_MAX 8

typedef struct slots {
    const cti_yaml_key *keys;
    size_t n;
    cti_yaml_value v[SLOTS_MAX];
    char path[SLOTS_MAX][CTI_YAML_PATH_MAX];
} slots;

static ct_status record(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    (void)y;
    slots *s = obj;
    const char *dot = strrchr(v->path, '.');
    const char *key = dot ? dot + 1 : v->path;
    for (size_t i = 0; i < s->n; i++) {
        if (!strcmp(s->keys[i].key, key)) {
            snprintf(s->path[i], sizeof s->path[i], "%s", v->path);
            s->v[i] = *v;
            s->v[i].path = s->path[i];
        }
    }
    return CT_OK;
}

/* Walks mapping v with table keys into s. */
static ct_status walk(cti_yaml_ctx *y, const cti_yaml_value *v, const cti_yaml_key *keys,
                      size_t n, slots *s)
{
    cti_yaml_walk w;
    assert(n <= SLOTS_MAX);
    memset(s, 0, sizeof *s);
    s->keys = keys;
    s->n = n;
    return cti_yaml_walk_mapping(y, v, keys, n, s, &w);
}

/* Key's value, or NULL when the file does not have the key. */
static const cti_yaml_value *slot(const slots *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->keys[i].key, key))
            return s->v[i].loc.line ? &s->v[i] : NULL;
    assert(!"key not in table");
    return NULL;
}

static const cti_yaml_key top_keys[] = {
    {"factory", true, "the base factory file, such as line.yaml", record},
    {"parameters", true, "a list of {path, values: [...]} or {path, range: [lo, hi]}", record},
    {"replications", false, "an integer >= 1", record},
    {"horizon", false, "a duration > 0", record},
    {"warmup", false, "a duration >= 0", record},
    {"seed", false, "an integer >= 0", record},
    {"lhs", false, "{points: N, seed: S}", record},
};

static const cti_yaml_key lhs_keys[] = {
    {"points", true, "the number of points, an integer >= 1", record},
    {"seed", false, "an integer >= 0", record},
};

static const cti_yaml_key param_keys[] = {
    {"path", true, "a path such as stations.oven.buffer", record},
    {"values", false, "a list of values", record},
    {"range", false, "[lo, hi]", record},
    {"integer", false, "true or false", record},
    {"format", false, "text with one {}", record},
};

/* "got an empty list" reads better than the generic "got a list". */
static ct_status fail_list(cti_yaml_ctx *y, const cti_yaml_value *v, const char *expect)
{
    if (v->node && fy_node_get_type(v->node) == FYNT_SEQUENCE &&
        fy_node_sequence_item_count(v->node) == 0)
        return cti_yaml_fail(y, v->loc, v->path, "expected %s, got an empty list", expect);
    return cti_yaml_fail_expected(y, v, expect);
}

/* A finite decimal number (no inf, nan or hexadecimal). */
static bool parse_number(const char *s, double *out)
{
    char *end;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return false;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return false;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || *end || !isfinite(x))
        return false;
    *out = x;
    return true;
}

/* Value of scenario i for parameter j. Borrowed. */
static const char *value_of(const ct_sweep *s, size_t i, size_t j)
{
    const param *p = &s->params[j];
    size_t per_point = s->lhs ? s->lhs_points : 1;
    if (p->is_range)
        return s->lhs_values[(i % per_point) * s->n_range + p->range_index];
    return p->values[(i / per_point / p->stride) % p->n_values];
}

/* Puts scenario i's values into doc (a clone of s->base) and emits it. */
static char *scenario_text(const ct_sweep *s, struct fy_document *doc, size_t i)
{
    for (size_t j = 0; j < s->n_params; j++)
        if (!cti_yaml_path_set(doc, &s->params[j].rp, value_of(s, i, j)))
            return NULL;
    return cti_yaml_emit(doc);
}

/* The parameter a loader message about factory key fkey most likely
 * concerns: the one at that key, else the one whose key contains it or
 * lies inside it (the longest such), else the first. */
static size_t blame(const ct_sweep *s, const char *fkey)
{
    size_t best = 0, best_len = 0;
    for (size_t j = 0; j < s->n_params; j++) {
        const char *c = s->params[j].rp.canonical;
        size_t lc = strlen(c), lk = strlen(fkey);
        if (!strcmp(c, fkey))
            return j;
        size_t common = lc < lk ? lc : lk;
        const char *longer = lc < lk ? fkey : c;
        if (!strncmp(c, fkey, common) && (longer[common] == '.' || longer[common] == '[') &&
            common > best_len)
            best = j, best_len = common;
    }
    return best;
}

/* Turns the loader's "FACTORY:L:C: KEY: what" about scenario i into a
 * message at the sweep file's position of the value that caused it. */
static ct_status scenario_error(cti_yaml_ctx *y, const ct_sweep *s, size_t i, const ct_error *lerr)
{
    const char *msg = lerr->msg;
    char fkey[CTI_YAML_PATH_MAX] = "";
    const char *what = msg;
    size_t fl = strlen(s->factory_path);
    int line, col, used = 0;

    if (lerr->status == CT_ERR_NOMEM)
        return cti_yaml_fail_nomem(y);
    if (!strncmp(msg, s->factory_path, fl) && msg[fl] == ':' &&
        sscanf(msg + fl, ":%d:%d: %n", &line, &col, &used) == 2 && used > 0) {
        const char *k = msg + fl + used;
        const char *colon = strstr(k, ": ");
        if (colon && (size_t)(colon - k) < sizeof fkey) {
            memcpy(fkey, k, (size_t)(colon - k));
            fkey[colon - k] = '\0';
            what = colon + 2;
        }
    }
    size_t j = blame(s, fkey);
    const param *p = &s->params[j];
    char key[64];
    cti_yaml_loc at = p->loc;
    if (p->rp.created && !strcmp(fkey, p->rp.canonical) && strstr(what, "unknown key")) {
        /* A key the factory format does not have: point at the path. */
        snprintf(key, sizeof key, "%s.path", p->key);
        at = p->path_loc;
    } else if (p->is_range) {
        snprintf(key, sizeof key, "%s.range", p->key);
    } else {
        size_t per_point = s->lhs ? s->lhs_points : 1;
        size_t v = (i / per_point / p->stride) % p->n_values;
        snprintf(key, sizeof key, "%s.values[%zu]", p->key, v);
        at = p->value_locs[v];
    }
    return cti_yaml_fail(y, at, key, "scenario %zu (%s = %s): %s%s%s", i, p->path,
                         value_of(s, i, j), fkey, fkey[0] ? ": " : "", what);
}

/* 64-bit FNV-1a, to tell partial results of different sweeps apart. */
static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s, strlen(s) + 1);
}

/* parameters[j].path: resolved in s->base, once. */
static ct_status read_path(cti_yaml_ctx *y, ct_sweep *s, size_t j, const cti_yaml_value *v)
{
    param *p = &s->params[j];
    const char *text = cti_yaml_scalar(v);
    if (!text || strlen(text) >= sizeof p->path)
        return cti_yaml_fail_expected(y, v, "a path such as stations.oven.buffer or "
                                            "source.interarrival");
    memcpy(p->path, text, strlen(text) + 1);
    p->path_loc = v->loc;
    size_t head = strcspn(text, ".[");
    if (!((head == 6 && !strncmp(text, "source", 6)) || (head == 8 && !strncmp(text, "stations", 8))))
        return cti_yaml_fail(y, v->loc, v->path,
                             "expected a path into source or stations, such as "
                             "stations.oven.buffer, got \"%.60s\"; the run settings are the "
                             "sweep's own keys horizon, warmup, seed and replications", text);
    char why[512];
    if (!cti_yaml_path_resolve(s->base, text, &p->rp, why, sizeof why))
        return cti_yaml_fail(y, v->loc, v->path, "unknown parameter path \"%.60s\": %s", text, why);
    for (size_t k = 0; k < j; k++)
        if (!strcmp(s->params[k].rp.canonical, p->rp.canonical))
            return cti_yaml_fail(y, v->loc, v->path,
                                 "expected each key swept once, but %s is also parameters[%zu] (%s)",
                                 p->rp.canonical, k, s->params[k].path);
    return CT_OK;
}

/* parameters[j].values */
static ct_status read_values(cti_yaml_ctx *y, param *p, const cti_yaml_value *v)
{
    p->loc = v->loc;
    if (cti_yaml_is_null(v->node) || fy_node_get_type(v->node) != FYNT_SEQUENCE ||
        fy_node_sequence_item_count(v->node) == 0)
        return fail_list(y, v, "a non-empty list of values such as [1, 2, 3] or "
                               "[\"exp(2 min)\", \"exp(3 min)\"]");
    p->n_values = (size_t)fy_node_sequence_item_count(v->node);
    p->values = calloc(p->n_values, sizeof *p->values);
    p->value_locs = calloc(p->n_values, sizeof *p->value_locs);
    if (!p->values || !p->value_locs)
        return cti_yaml_fail_nomem(y);
    void *iter = NULL;
    struct fy_node *item;
    for (size_t k = 0; (item = fy_node_sequence_iterate(v->node, &iter)) != NULL; k++) {
        char path[CTI_YAML_PATH_MAX];
        snprintf(path, sizeof path, "%s[%zu]", v->path, k);
        cti_yaml_value iv = {item, path, cti_yaml_node_loc(item, v->loc)};
        const char *text = cti_yaml_scalar(&iv);
        p->value_locs[k] = iv.loc;
        if (!text || strlen(text) >= SWEEP_MAX_VALUE)
            return cti_yaml_fail_expected(y, &iv, "a single value such as 2, .inf or "
                                                  "\"exp(2 min)\" (at most 255 characters)");
        if (!(p->values[k] = dup_str(text)))
            return cti_yaml_fail_nomem(y);
    }
    return CT_OK;
}

/* parameters[j].range with its integer and format. */
static ct_status read_range(cti_yaml_ctx *y, param *p, const cti_yaml_value *v,
                            const cti_yaml_value *integer, const cti_yaml_value *format)
{
    static const char expect[] = "[lo, hi], two numbers with lo < hi";
    ct_status st;
    p->loc = v->loc;
    if (cti_yaml_is_null(v->node) || fy_node_get_type(v->node) != FYNT_SEQUENCE ||
        fy_node_sequence_item_count(v->node) != 2)
        return fail_list(y, v, expect);
    cti_yaml_value lv = {fy_node_sequence_get_by_index(v->node, 0), v->path, v->loc};
    cti_yaml_value hv = {fy_node_sequence_get_by_index(v->node, 1), v->path, v->loc};
    const char *lo = cti_yaml_scalar(&lv), *hi = cti_yaml_scalar(&hv);
    if (!lo || !hi || !parse_number(lo, &p->lo) || !parse_number(hi, &p->hi))
        return cti_yaml_fail_expected(y, v, expect);
    if (!(p->lo < p->hi))
        return cti_yaml_fail(y, v->loc, v->path,
                             "expected [lo, hi] with lo < hi, got an empty range [%s, %s]", lo, hi);
    long long ilo, ihi;
    bool whole = cti_yaml_parse_int(lo, &ilo) && cti_yaml_parse_int(hi, &ihi);
    p->integer = whole;   /* default: integers when both bounds are written as such */
    if (integer) {
        if ((st = cti_yaml_get_bool(y, integer, &p->integer)) != CT_OK)
            return st;
        if (p->integer && !whole)
            return cti_yaml_fail(y, v->loc, v->path,
                                 "expected whole-number bounds with integer: true, got [%s, %s]",
                                 lo, hi);
    }
    if (p->integer && (fabs(p->lo) > 1e15 || fabs(p->hi) > 1e15))
        return cti_yaml_fail(y, v->loc, v->path, "expected integer bounds within +-1e15");
    strcpy(p->format, "{}");
    if (format) {
        const char *f = cti_yaml_scalar(format);
        const char *at = f ? strstr(f, "{}") : NULL;
        if (!at || strstr(at + 2, "{}") || strlen(f) > SWEEP_MAX_VALUE - 32)
            return cti_yaml_fail_expected(y, format, "text with one {} where the number goes, "
                                                     "such as \"exp({} h)\"");
        memcpy(p->format, f, strlen(f) + 1);
    }
    return CT_OK;
}

/* Reads the `parameters:` list into s->params. */
static ct_status read_parameters(cti_yaml_ctx *y, ct_sweep *s, const cti_yaml_value *list)
{
    ct_status st;
    if (cti_yaml_is_null(list->node) || fy_node_get_type(list->node) != FYNT_SEQUENCE ||
        fy_node_sequence_item_count(list->node) == 0)
        return fail_list(y, list, "a non-empty list of {path, values} or {path, range}");
    int n = fy_node_sequence_item_count(list->node);
    if (n > SWEEP_MAX_PARAMS)
        return cti_yaml_fail(y, list->loc, list->path, "expected at most %d parameters, got %d",
                             SWEEP_MAX_PARAMS, n);
    if (!(s->params = calloc((size_t)n, sizeof *s->params)))
        return cti_yaml_fail_nomem(y);
    s->n_params = (size_t)n;

    void *iter = NULL;
    struct fy_node *item;
    for (size_t j = 0; (item = fy_node_sequence_iterate(list->node, &iter)) != NULL; j++) {
        param *p = &s->params[j];
        snprintf(p->key, sizeof p->key, "parameters[%zu]", j);
        cti_yaml_value iv = {item, p->key, cti_yaml_node_loc(item, list->loc)};
        slots ps;
        if ((st = walk(y, &iv, param_keys, CTI_YAML_N_KEYS(param_keys), &ps)) != CT_OK)
            return st;
        if ((st = read_path(y, s, j, slot(&ps, "path"))) != CT_OK)
            return st;
        const cti_yaml_value *values = slot(&ps, "values"), *range = slot(&ps, "range");
        const cti_yaml_value *integer = slot(&ps, "integer"), *format = slot(&ps, "format");
        if (!values == !range)
            return cti_yaml_fail(y, values ? range->loc : iv.loc, p->key,
                                 "expected either values: [v1, v2, ...] or range: [lo, hi], %s",
                                 values ? "not both" : "got neither");
        if (values) {
            if (integer || format)
                return cti_yaml_fail(y, (integer ? integer : format)->loc,
                                     (integer ? integer : format)->path,
                                     "integer and format go with range, not with values");
            if ((st = read_values(y, p, values)) != CT_OK)
                return st;
            continue;
        }
        p->is_range = true;
        p->range_index = s->n_range++;
        if ((st = read_range(y, p, range, integer, format)) != CT_OK)
            return st;
    }
    return CT_OK;
}

/* The text of number x put into p's format. */
static char *format_value(const param *p, double x)
{
    char num[64], out[SWEEP_MAX_VALUE];
    if (p->integer)
        snprintf(num, sizeof num, "%lld", (long long)x);
    else
        snprintf(num, sizeof num, "%.10g", x);
    const char *at = strstr(p->format, "{}");
    snprintf(out, sizeof out, "%.*s%s%s", (int)(at - p->format), p->format, num, at + 2);
    return dup_str(out);
}

/* Latin hypercube: each range is cut into N equal strata and each stratum
 * is used by exactly one point, in an order shuffled per parameter; the
 * point lies uniformly inside its stratum. An integer parameter spreads
 * over [lo, hi + 1) and is rounded down, so each integer of lo..hi is
 * equally likely (plain rounding would give lo and hi half the weight).
 * Random numbers: stream (lhs seed, 0, range parameter index). */
static bool make_lhs(ct_sweep *s)
{
    size_t n = s->lhs_points;
    size_t *perm = malloc(n * sizeof *perm);
    s->lhs_values = calloc(n * s->n_range, sizeof *s->lhs_values);
    if (!perm || !s->lhs_values) {
        free(perm);
        return false;
    }
    for (size_t j = 0; j < s->n_params; j++) {
        const param *p = &s->params[j];
        if (!p->is_range)
            continue;
        ct_rng rng;
        ct_rng_init(&rng, s->lhs_seed, 0, p->range_index);
        for (size_t k = 0; k < n; k++)
            perm[k] = k;
        for (size_t k = n; k-- > 1;) {
            size_t m = (size_t)(ct_rng_uniform(&rng) * (double)(k + 1));
            if (m > k)
                m = k;
            size_t t = perm[k];
            perm[k] = perm[m];
            perm[m] = t;
        }
        double width = p->integer ? p->hi - p->lo + 1 : p->hi - p->lo;
        for (size_t k = 0; k < n; k++) {
            double u = ((double)perm[k] + ct_rng_uniform(&rng)) / (double)n;
            double x = p->lo + u * width;
            if (p->integer)
                x = fmin(floor(x), p->hi);
            if (!(s->lhs_values[k * s->n_range + p->range_index] = format_value(p, x))) {
                free(perm);
                return false;
            }
        }
    }
    free(perm);
    return true;
}

/* Directory part of path plus name, unless name is absolute. */
static void relative_to(const char *path, const char *name, char *out, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (name[0] == '/' || !slash)
        snprintf(out, len, "%s", name);
    else
        snprintf(out, len, "%.*s%s", (int)(slash - path + 1), path, name);
}

/* The base factory: read, checked as it is (so its own mistakes are
 * reported at their real place in it), and parsed into s->base. */
static ct_status read_factory(cti_yaml_ctx *y, ct_sweep *s, const cti_yaml_value *v)
{
    ct_error lerr;
    ct_factory *f = NULL;
    size_t len;
    ct_status st;
    const char *name = cti_yaml_scalar(v);
    if (!name)
        return cti_yaml_fail_expected(y, v, "a factory file name such as line.yaml");
    relative_to(y->file, name, s->factory_path, sizeof s->factory_path);
    if ((st = cti_yaml_read_file(s->factory_path, &s->factory_text, &len, &lerr)) != CT_OK)
        return ct_error_set(y->err, st, "%s:%d:%d: %s: %s", y->file, v->loc.line, v->loc.col,
                            v->path, lerr.msg);
    if ((st = ct_factory_load_string(s->factory_text, s->factory_path, &f, y->err)) != CT_OK)
        return st;
    snprintf(s->factory_name, sizeof s->factory_name, "%s", ct_factory_name(f));
    ct_run_options_init(&s->run, f);
    s->n_stations = (size_t)f->n_stations;
    s->station_names = calloc(s->n_stations ? s->n_stations : 1, sizeof *s->station_names);
    if (s->station_names)
        for (size_t k = 0; k < s->n_stations; k++)
            snprintf(s->station_names[k], sizeof s->station_names[k], "%s", f->stations[k].name);
    ct_factory_destroy(f);
    if (!s->station_names)
        return cti_yaml_fail_nomem(y);
    cti_yaml_ctx fy = {s->factory_path, y->err, NULL};
    if ((st = cti_yaml_open(&fy, s->factory_text, len, "a factory", &s->base_doc)) != CT_OK)
        return st;
    s->base = s->base_doc.doc;
    return CT_OK;
}

/* Run settings: the sweep's, else the base factory's. */
static ct_status read_settings(cti_yaml_ctx *y, ct_sweep *s, const slots *top)
{
    const cti_yaml_value *reps = slot(top, "replications"), *horizon = slot(top, "horizon");
    const cti_yaml_value *warmup = slot(top, "warmup"), *seed = slot(top, "seed");
    long long x;
    ct_status st;
    if (reps) {
        if ((st = cti_yaml_get_int(y, reps, 1, SWEEP_MAX_REPLICATIONS,
                                   "an integer >= 1 (at most 1000000)", &x)) != CT_OK)
            return st;
        s->run.replications = (int)x;
    }
    if (horizon && (st = cti_yaml_get_quantity(y, horizon, CT_DIM_TIME, false, CTI_YAML_POSITIVE,
                                               &s->run.horizon_s)) != CT_OK)
        return st;
    if (warmup && (st = cti_yaml_get_quantity(y, warmup, CT_DIM_TIME, false, CTI_YAML_NONNEGATIVE,
                                              &s->run.warmup_s)) != CT_OK)
        return st;
    if (seed && (st = cti_yaml_get_seed(y, seed, &s->run.seed)) != CT_OK)
        return st;
    if (s->run.warmup_s >= s->run.horizon_s) {
        const cti_yaml_value *blamed = warmup ? warmup : horizon ? horizon : slot(top, "factory");
        return cti_yaml_fail(y, blamed->loc, blamed->path,
                             "expected a warmup shorter than the horizon, got warmup %g s >= "
                             "horizon %g s", s->run.warmup_s, s->run.horizon_s);
    }
    return CT_OK;
}

static ct_status read_lhs(cti_yaml_ctx *y, ct_sweep *s, const cti_yaml_value *v)
{
    slots ls;
    long long x;
    ct_status st;
    if (!v) {
        for (size_t j = 0; j < s->n_params; j++) {
            if (!s->params[j].is_range)
                continue;
            char key[64];
            snprintf(key, sizeof key, "%s.range", s->params[j].key);
            return cti_yaml_fail(y, s->params[j].loc, key,
                                 "a range needs a Latin hypercube: add lhs: {points: N, seed: S} "
                                 "at the top level, or list values: [...] for a grid");
        }
        return CT_OK;
    }
    if ((st = walk(y, v, lhs_keys, CTI_YAML_N_KEYS(lhs_keys), &ls)) != CT_OK)
        return st;
    if ((st = cti_yaml_get_int(y, slot(&ls, "points"), 1, CT_SWEEP_MAX_SCENARIOS,
                               "an integer >= 1 (at most 100000)", &x)) != CT_OK)
        return st;
    s->lhs = true;
    s->lhs_points = (size_t)x;
    s->lhs_seed = 1;
    if (slot(&ls, "seed") && (st = cti_yaml_get_seed(y, slot(&ls, "seed"), &s->lhs_seed)) != CT_OK)
        return st;
    if (s->n_range == 0)
        return cti_yaml_fail(y, v->loc, v->path, "expected at least one parameter with range: "
                                                 "[lo, hi] to spread the points over");
    return CT_OK;
}

static ct_status load_sweep(cti_yaml_ctx *y, ct_sweep *s, const char *text, size_t len)
{
    ct_status st;
    cti_yaml_doc doc;
    struct fy_document *work = NULL;
    char *scen = NULL;
    ct_error lerr;
    slots top;

    if ((st = cti_yaml_open(y, text, len, "a mapping with keys factory, parameters, replications, "
                                          "horizon, warmup, seed, lhs", &doc)) != CT_OK)
        goto cleanup;
    cti_yaml_value rv = {doc.root, "", doc.root_loc};
    if ((st = walk(y, &rv, top_keys, CTI_YAML_N_KEYS(top_keys), &top)) != CT_OK ||
        (st = read_factory(y, s, slot(&top, "factory"))) != CT_OK ||
        (st = read_settings(y, s, &top)) != CT_OK ||
        (st = read_parameters(y, s, slot(&top, "parameters"))) != CT_OK ||
        (st = read_lhs(y, s, slot(&top, "lhs"))) != CT_OK)
        goto cleanup;

    /* Scenario count: grid combinations (first parameter slowest) times
     * hypercube points (innermost). */
    size_t per_point = s->lhs ? s->lhs_points : 1, count = per_point;
    for (size_t j = s->n_params; j-- > 0;) {
        param *p = &s->params[j];
        if (p->is_range)
            continue;
        p->stride = count / per_point;
        if (count > CT_SWEEP_MAX_SCENARIOS / p->n_values) {
            const cti_yaml_value *pv = slot(&top, "parameters");
            st = cti_yaml_fail(y, pv->loc, pv->path, "expected at most %d scenarios; these values "
                               "and points give more", CT_SWEEP_MAX_SCENARIOS);
            goto cleanup;
        }
        count *= p->n_values;
    }
    s->n_scenarios = count;
    if (s->lhs && !make_lhs(s)) {
        st = cti_yaml_fail_nomem(y);
        goto cleanup;
    }

    /* Every scenario through the loader now, so that a sweep that loads
     * runs to the end. The fingerprint covers what results depend on. */
    if (!(work = fy_document_clone(s->base))) {
        st = cti_yaml_fail_nomem(y);
        goto cleanup;
    }
    uint64_t h = 14695981039346656037ULL;
    char settings[160];
    snprintf(settings, sizeof settings, "%.17g %.17g %" PRIu64 " %d", s->run.horizon_s,
             s->run.warmup_s, s->run.seed, s->run.replications);
    h = fnv_str(h, settings);
    for (size_t i = 0; i < s->n_scenarios; i++) {
        ct_factory *sf = NULL;
        if (!(scen = scenario_text(s, work, i))) {
            st = cti_yaml_fail_nomem(y);
            goto cleanup;
        }
        if (ct_factory_load_string(scen, s->factory_path, &sf, &lerr) != CT_OK) {
            st = scenario_error(y, s, i, &lerr);
            goto cleanup;
        }
        ct_factory_destroy(sf);
        h = fnv_str(h, scen);
        free(scen);
        scen = NULL;
    }
    s->fingerprint = h;
    st = CT_OK;

cleanup:
    free(scen);
    if (work)
        fy_document_destroy(work);
    cti_yaml_close(&doc);
    return st;
}

ct_status ct_sweep_load(const char *path, ct_sweep **out, ct_error *err)
{
    char *text = NULL;
    size_t len;
    ct_status st;
    /* Messages are built in a local error so that err may be NULL. */
    ct_error local;

    assert(path && out);
    *out = NULL;
    ct_error_clear(&local);
    ct_sweep *s = calloc(1, sizeof *s);
    if (!s) {
        st = ct_error_set(&local, CT_ERR_NOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    if ((st = cti_yaml_read_file(path, &text, &len, &local)) != CT_OK)
        goto cleanup;
    cti_yaml_ctx y = {path, &local, NULL};
    if ((st = load_sweep(&y, s, text, len)) != CT_OK)
        goto cleanup;
    *out = s;
    s = NULL;
cleanup:
    free(text);
    ct_sweep_destroy(s);
    if (err)
        *err = local;
    return st;
}

void ct_sweep_destroy(ct_sweep *s)
{
    if (!s)
        return;
    for (size_t j = 0; s->params && j < s->n_params; j++) {
        free_strs(s->params[j].values, s->params[j].n_values);
        free(s->params[j].value_locs);
    }
    free(s->params);
    free_strs(s->lhs_values, s->lhs_points * s->n_range);
    cti_yaml_close(&s->base_doc);
    free(s->factory_text);
    free(s->station_names);
    free(s);
}

size_t ct_sweep_scenarios(const ct_sweep *s) { return s->n_scenarios; }
const ct_run_options *ct_sweep_run_settings(const ct_sweep *s) { return &s->run; }
size_t ct_sweep_parameters(const ct_sweep *s) { return s->n_params; }

const char *ct_sweep_parameter_path(const ct_sweep *s, size_t j)
{
    return j < s->n_params ? s->params[j].path : NULL;
}

const char *ct_sweep_value(const ct_sweep *s, size_t i, size_t j)
{
    return i < s->n_scenarios && j < s->n_params ? value_of(s, i, j) : NULL;
}

char *ct_sweep_scenario_text(const ct_sweep *s, size_t i)
{
    if (i >= s->n_scenarios)
        return NULL;
    struct fy_document *doc = fy_document_clone(s->base);
    char *text = doc ? scenario_text(s, doc, i) : NULL;
    if (doc)
        fy_document_destroy(doc);
    return text;
}

/* ------------------------------------------------------------------------ */
/* Running                                                                  */

/* A scenario being run: its factory and one KPI slot per replication.
 * Only scenarios in flight have one, so memory follows the thread count,
 * not the sweep size. */
typedef struct inflight {
    ct_factory *f;
    ct_kpis *reps;
    ct_station_kpi *rep_stations;
    int n_reps;
    int remaining;
} inflight;

typedef struct sweep_job {
    const ct_sweep *s;
    const ct_sweep_run_options *opt;
    ct_sweep_results *res;
    struct fy_document *doc;   /* private clone of the base: scenarios are written into it */
    size_t *sel, n_sel;        /* the scenarios to run, ascending */
    inflight **fl;             /* per selected scenario */
    size_t next_pair, total_pairs, done_pairs;
    pthread_mutex_t lock;
    ct_status status;
    ct_error err;
} sweep_job;

static void inflight_free(inflight *x)
{
    if (!x)
        return;
    ct_factory_destroy(x->f);
    /* cti_line_run allocates each replication's scrap-cause and SPC tables. */
    for (int r = 0; x->reps && r < x->n_reps; r++) {
        free(x->reps[r].causes);
        cti_spc_results_free(&x->reps[r]);
    }
    free(x->reps);
    free(x->rep_stations);
    free(x);
}

/* Builds selected scenario k (under the job lock: the document is shared). */
static inflight *inflight_new(sweep_job *j, size_t k)
{
    const ct_sweep *s = j->s;
    int R = s->run.replications;
    inflight *x = calloc(1, sizeof *x);
    char *text = NULL;
    if (!x)
        goto fail;
    x->reps = calloc((size_t)R, sizeof *x->reps);
    x->n_reps = x->reps ? R : 0;
    x->rep_stations = calloc((size_t)R * (s->n_stations ? s->n_stations : 1), sizeof *x->rep_stations);
    if (!x->reps || !x->rep_stations || !(text = scenario_text(s, j->doc, j->sel[k])))
        goto fail;
    for (int r = 0; r < R; r++) {
        x->reps[r].n_stations = s->n_stations;
        x->reps[r].stations = x->rep_stations + (size_t)r * s->n_stations;
    }
    ct_error lerr;
    if (ct_factory_load_string(text, s->factory_path, &x->f, &lerr) != CT_OK) {
        /* Every scenario loaded in ct_sweep_load; only memory can fail. */
        ct_error_set(&j->err, lerr.status, "scenario %zu: %s", j->sel[k], lerr.msg);
        j->status = lerr.status;
        free(text);
        inflight_free(x);
        return NULL;
    }
    free(text);
    x->remaining = R;
    return x;
fail:
    free(text);
    inflight_free(x);
    ct_error_set(&j->err, CT_ERR_NOMEM, "out of memory building scenario %zu", j->sel[k]);
    j->status = CT_ERR_NOMEM;
    return NULL;
}

static void aggregate(const inflight *x, int n, scen_result *out, const void **scratch)
{
    double t975 = n > 1 ? ct_student_t_quantile(0.975, n - 1) : 0;
    for (int i = 0; i < n; i++)
        scratch[i] = &x->reps[i];
    cti_summarise_fields(scratch, n, cti_line_fields, cti_n_line_fields, t975, &out->mean,
                         &out->ci95);
    for (size_t st = 0; st < out->mean.n_stations; st++) {
        for (int i = 0; i < n; i++)
            scratch[i] = &x->reps[i].stations[st];
        cti_summarise_fields(scratch, n, cti_station_fields, cti_n_station_fields, t975,
                             &out->mean.stations[st], &out->ci95.stations[st]);
    }
}

static void *sweep_worker(void *arg)
{
    sweep_job *j = arg;
    const ct_sweep *s = j->s;
    int R = s->run.replications;
    const void **scratch = malloc((size_t)R * sizeof *scratch);
    if (!scratch) {
        pthread_mutex_lock(&j->lock);
        if (j->status == CT_OK) {
            j->status = CT_ERR_NOMEM;
            ct_error_set(&j->err, CT_ERR_NOMEM, "out of memory");
        }
        pthread_mutex_unlock(&j->lock);
        return NULL;
    }
    ct_run_options o = s->run;
    o.threads = 1;
    o.progress = false;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        if (j->status != CT_OK || j->next_pair == j->total_pairs) {
            pthread_mutex_unlock(&j->lock);
            break;
        }
        size_t p = j->next_pair++;
        size_t k = p / (size_t)R;
        int r = (int)(p % (size_t)R);
        /* Pairs are handed out scenario by scenario, so the first
         * replication of a scenario is claimed before any other. */
        if (r == 0 && !(j->fl[k] = inflight_new(j, k))) {
            pthread_mutex_unlock(&j->lock);
            break;
        }
        inflight *x = j->fl[k];
        pthread_mutex_unlock(&j->lock);

        ct_status rc = cti_line_run(x->f, &o, r, &x->reps[r], NULL, NULL);

        pthread_mutex_lock(&j->lock);
        if (rc != CT_OK && j->status == CT_OK) {
            j->status = rc;
            ct_error_set(&j->err, rc, "scenario %zu, replication %d: simulation ran out of memory",
                         j->sel[k], r);
        }
        j->done_pairs++;
        if (j->opt->progress)
            j->opt->progress((double)j->done_pairs / (double)j->total_pairs, j->opt->progress_ctx);
        bool last = --x->remaining == 0;
        pthread_mutex_unlock(&j->lock);
        if (last && rc == CT_OK) {
            /* Nobody else touches a scenario whose replications are all done. */
            scen_result *out = &j->res->sc[j->sel[k]];
            aggregate(x, R, out, scratch);
            out->present = true;
            pthread_mutex_lock(&j->lock);
            j->fl[k] = NULL;
            pthread_mutex_unlock(&j->lock);
            inflight_free(x);
        }
    }
    free(scratch);
    return NULL;
}

static const char *design_of(const ct_sweep *s)
{
    bool grid = s->n_range < s->n_params;
    return s->lhs ? (grid ? "grid+lhs" : "lhs") : "grid";
}

void ct_sweep_run_options_init(ct_sweep_run_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->threads = 1;
    opt->shard_index = 0;
    opt->shard_count = 1;
}

ct_status ct_sweep_run(const ct_sweep *s, const ct_sweep_run_options *opt,
                       ct_sweep_results **out, ct_error *err)
{
    assert(s && opt && out);
    *out = NULL;
    ct_error_clear(err);
    if (opt->threads < 1 || opt->threads > SWEEP_MAX_THREADS)
        return ct_error_set(err, CT_ERR_INVALID, "threads: expected an integer from 1 to %d, got %d",
                            SWEEP_MAX_THREADS, opt->threads);
    if (opt->shard_count < 1 || opt->shard_index < 0 || opt->shard_index >= opt->shard_count)
        return ct_error_set(err, CT_ERR_INVALID,
                            "shard: expected 0 <= index < count, got index %d of count %d",
                            opt->shard_index, opt->shard_count);

    ct_status st = CT_OK;
    sweep_job j;
    memset(&j, 0, sizeof j);
    j.s = s;
    j.opt = opt;
    j.status = CT_OK;
    ct_sweep_results *r = results_new(s->n_params, s->n_stations, s->n_scenarios);
    if (!r)
        return ct_error_set(err, CT_ERR_NOMEM, "out of memory for %zu scenarios", s->n_scenarios);
    j.res = r;
    snprintf(r->factory, sizeof r->factory, "%s", s->factory_name);
    snprintf(r->design, sizeof r->design, "%s", design_of(s));
    r->run = s->run;
    r->run.threads = 1;
    r->run.progress = false;
    r->fingerprint = s->fingerprint;
    bool ok = true;
    for (size_t k = 0; ok && k < s->n_params; k++)
        ok = (r->param_paths[k] = dup_str(s->params[k].path)) != NULL;
    for (size_t k = 0; ok && k < s->n_stations; k++)
        ok = (r->station_names[k] = dup_str(s->station_names[k])) != NULL;
    j.sel = malloc(s->n_scenarios * sizeof *j.sel);
    j.fl = calloc(s->n_scenarios, sizeof *j.fl);
    j.doc = fy_document_clone(s->base);
    if (!ok || !j.sel || !j.fl || !j.doc) {
        st = ct_error_set(err, CT_ERR_NOMEM, "out of memory for %zu scenarios", s->n_scenarios);
        goto cleanup;
    }
    for (size_t i = (size_t)opt->shard_index; i < s->n_scenarios; i += (size_t)opt->shard_count) {
        if (!scen_alloc(r, i)) {
            st = ct_error_set(err, CT_ERR_NOMEM, "out of memory for %zu scenarios", s->n_scenarios);
            goto cleanup;
        }
        for (size_t k = 0; k < s->n_params; k++)
            if (!(r->sc[i].values[k] = dup_str(value_of(s, i, k)))) {
                st = ct_error_set(err, CT_ERR_NOMEM, "out of memory");
                goto cleanup;
            }
        j.sel[j.n_sel++] = i;
    }
    j.total_pairs = j.n_sel * (size_t)s->run.replications;

    pthread_mutex_init(&j.lock, NULL);
    size_t want = (size_t)opt->threads < j.total_pairs ? (size_t)opt->threads : j.total_pairs;
    cti_run_threads(want > 0 ? (int)want : 1, sweep_worker, &j);
    pthread_mutex_destroy(&j.lock);
    if (j.status != CT_OK) {
        st = j.status;
        if (err)
            *err = j.err;
        goto cleanup;
    }
    *out = r;
    r = NULL;

cleanup:
    for (size_t k = 0; j.fl && k < j.n_sel; k++)
        inflight_free(j.fl[k]);
    free(j.fl);
    free(j.sel);
    if (j.doc)
        fy_document_destroy(j.doc);
    ct_sweep_results_destroy(r);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Outputs                                                                  */

static ct_status need_complete(const ct_sweep_results *r, ct_error *err)
{
    for (size_t i = 0; i < r->n_scenarios; i++)
        if (!r->sc[i].present)
            return ct_error_set(err, CT_ERR_INVALID,
                                "scenario %zu is missing: merge every shard before writing "
                                "the CSV or JSON", i);
    return CT_OK;
}

/* One CSV field, quoted when it holds a comma, a quote, a line break or
 * spaces at its ends (RFC 4180). */
static void csv_text(FILE *out, const char *s)
{
    size_t n = strlen(s);
    bool quote = strpbrk(s, ",\"\r\n") || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!quote) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* Numbers with 12 significant digits, as `celltwin run --json`; a value
 * that is not finite is an empty field. */
static void csv_number(FILE *out, double x)
{
    if (isfinite(x))
        fprintf(out, "%.12g", x);
}

ct_status ct_sweep_write_csv(const ct_sweep_results *r, FILE *out, ct_error *err)
{
    ct_status st = need_complete(r, err);
    if (st != CT_OK)
        return st;
    fputs("scenario", out);
    for (size_t k = 0; k < r->n_params; k++) {
        fputc(',', out);
        csv_text(out, r->param_paths[k]);
    }
    for (size_t f = 0; f < N_OUT_FIELDS; f++)
        fprintf(out, ",%s,%s_ci95", out_fields[f].name, out_fields[f].name);
    for (size_t k = 0; k < r->n_stations; k++) {
        char name[CTI_NAME_MAX + 32];
        snprintf(name, sizeof name, "%s.utilization", r->station_names[k]);
        fputc(',', out);
        csv_text(out, name);
        snprintf(name, sizeof name, "%s.utilization_ci95", r->station_names[k]);
        fputc(',', out);
        csv_text(out, name);
    }
    fputc('\n', out);
    for (size_t i = 0; i < r->n_scenarios; i++) {
        const scen_result *sc = &r->sc[i];
        fprintf(out, "%zu", i);
        for (size_t k = 0; k < r->n_params; k++) {
            fputc(',', out);
            csv_text(out, sc->values[k]);
        }
        for (size_t f = 0; f < N_OUT_FIELDS; f++) {
            fputc(',', out);
            csv_number(out, CTI_FIELD(&sc->mean, out_fields[f].offset));
            fputc(',', out);
            csv_number(out, CTI_FIELD(&sc->ci95, out_fields[f].offset));
        }
        for (size_t k = 0; k < r->n_stations; k++) {
            fputc(',', out);
            csv_number(out, sc->mean.stations[k].utilization);
            fputc(',', out);
            csv_number(out, sc->ci95.stations[k].utilization);
        }
        fputc('\n', out);
    }
    if (fflush(out) != 0 || ferror(out))
        return ct_error_set(err, CT_ERR_IO, "cannot write the CSV: %s", strerror(errno));
    return CT_OK;
}

static json_t *json_num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* A seed as a JSON integer when it fits, else as decimal text. */
static json_t *json_seed(uint64_t seed)
{
    if (seed <= (uint64_t)INT64_MAX)
        return json_integer((json_int_t)seed);
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, seed);
    return json_string(buf);
}

static json_t *out_kpis(const ct_sweep_results *r, const ct_kpis *k)
{
    json_t *o = json_object();
    for (size_t f = 0; f < N_OUT_FIELDS; f++)
        json_object_set_new(o, out_fields[f].name, json_num(CTI_FIELD(k, out_fields[f].offset)));
    json_t *u = json_object();
    for (size_t s = 0; s < r->n_stations; s++)
        json_object_set_new(u, r->station_names[s], json_num(k->stations[s].utilization));
    json_object_set_new(o, "utilization", u);
    return o;
}

static json_t *string_array(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static ct_status dump(json_t *o, size_t flags, FILE *out, ct_error *err, const char *what)
{
    if (!o)
        return ct_error_set(err, CT_ERR_NOMEM, "out of memory writing the %s", what);
    int rc = json_dumpf(o, out, flags);
    json_decref(o);
    if (rc != 0 || fputc('\n', out) == EOF || fflush(out) != 0 || ferror(out))
        return ct_error_set(err, CT_ERR_IO, "cannot write the %s: %s", what, strerror(errno));
    return CT_OK;
}

ct_status ct_sweep_write_json(const ct_sweep_results *r, FILE *out, ct_error *err)
{
    ct_status st = need_complete(r, err);
    if (st != CT_OK)
        return st;
    json_t *o = json_object();
    json_object_set_new(o, "factory", json_string(r->factory));
    json_object_set_new(o, "design", json_string(r->design));
    json_object_set_new(o, "horizon_s", json_real(r->run.horizon_s));
    json_object_set_new(o, "warmup_s", json_real(r->run.warmup_s));
    json_object_set_new(o, "seed", json_seed(r->run.seed));
    json_object_set_new(o, "replications", json_integer(r->run.replications));
    json_object_set_new(o, "parameters", string_array(r->param_paths, r->n_params));
    json_object_set_new(o, "stations", string_array(r->station_names, r->n_stations));
    json_t *list = json_array();
    for (size_t i = 0; i < r->n_scenarios; i++) {
        const scen_result *sc = &r->sc[i];
        json_t *so = json_object();
        json_object_set_new(so, "scenario", json_integer((json_int_t)i));
        json_t *vals = json_object();
        for (size_t k = 0; k < r->n_params; k++)
            json_object_set_new(vals, r->param_paths[k], json_string(sc->values[k]));
        json_object_set_new(so, "values", vals);
        json_t *m = out_kpis(r, &sc->mean);
        json_object_update(so, m);
        json_decref(m);
        json_object_set_new(so, "ci95", out_kpis(r, &sc->ci95));
        json_array_append_new(list, so);
    }
    json_object_set_new(o, "scenarios", list);
    return dump(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12), out, err, "JSON");
}

/* ------------------------------------------------------------------------ */
/* Partial results and merging                                              */

static json_t *field_names(const cti_kpi_field *f, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(f[i].name));
    return a;
}

/* What identifies the sweep: parts merge only when these are equal. */
static json_t *partial_header(const ct_sweep_results *r)
{
    char fp[32];
    snprintf(fp, sizeof fp, "%016" PRIx64, r->fingerprint);
    json_t *h = json_object();
    json_object_set_new(h, "fingerprint", json_string(fp));
    json_object_set_new(h, "factory", json_string(r->factory));
    json_object_set_new(h, "design", json_string(r->design));
    json_object_set_new(h, "horizon_s", json_real(r->run.horizon_s));
    json_object_set_new(h, "warmup_s", json_real(r->run.warmup_s));
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRIu64, r->run.seed);
    json_object_set_new(h, "seed", json_string(seed));
    json_object_set_new(h, "replications", json_integer(r->run.replications));
    json_object_set_new(h, "scenario_count", json_integer((json_int_t)r->n_scenarios));
    json_object_set_new(h, "parameters", string_array(r->param_paths, r->n_params));
    json_object_set_new(h, "stations", string_array(r->station_names, r->n_stations));
    json_object_set_new(h, "line_fields", field_names(cti_line_fields, cti_n_line_fields));
    json_object_set_new(h, "station_fields", field_names(cti_station_fields, cti_n_station_fields));
    return h;
}

static json_t *all_fields(const ct_kpis *k)
{
    json_t *o = json_object();
    json_t *line = json_array();
    for (size_t f = 0; f < cti_n_line_fields; f++)
        json_array_append_new(line, json_num(CTI_FIELD(k, cti_line_fields[f].offset)));
    json_object_set_new(o, "line", line);
    json_t *sts = json_array();
    for (size_t s = 0; s < k->n_stations; s++) {
        json_t *a = json_array();
        for (size_t f = 0; f < cti_n_station_fields; f++)
            json_array_append_new(a, json_num(CTI_FIELD(&k->stations[s], cti_station_fields[f].offset)));
        json_array_append_new(sts, a);
    }
    json_object_set_new(o, "stations", sts);
    return o;
}

char *ct_sweep_results_partial(const ct_sweep_results *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "celltwin_sweep_partial", json_integer(PARTIAL_VERSION));
    json_object_set_new(o, "sweep", partial_header(r));
    json_t *list = json_array();
    for (size_t i = 0; i < r->n_scenarios; i++) {
        const scen_result *sc = &r->sc[i];
        if (!sc->present)
            continue;
        json_t *so = json_object();
        json_object_set_new(so, "scenario", json_integer((json_int_t)i));
        json_object_set_new(so, "values", string_array(sc->values, r->n_params));
        json_object_set_new(so, "mean", all_fields(&sc->mean));
        json_object_set_new(so, "ci95", all_fields(&sc->ci95));
        json_array_append_new(list, so);
    }
    json_object_set_new(o, "scenarios", list);
    /* 17 significant digits give back the very same doubles. */
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(o);
    return text;
}

typedef struct mloader {
    const char *name;
    ct_error *err;
} mloader;

static ct_status mfail(mloader *ml, const char *what)
{
    return ct_error_set(ml->err, CT_ERR_PARSE, "%s: not a partial sweep result: %s", ml->name, what);
}

static bool get_double(json_t *v, double *out)
{
    if (json_is_null(v)) {
        *out = NAN;
        return true;
    }
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

static bool read_fields(json_t *o, ct_kpis *k)
{
    json_t *line = json_object_get(o, "line"), *sts = json_object_get(o, "stations");
    if (!json_is_array(line) || json_array_size(line) != cti_n_line_fields ||
        !json_is_array(sts) || json_array_size(sts) != k->n_stations)
        return false;
    for (size_t f = 0; f < cti_n_line_fields; f++)
        if (!get_double(json_array_get(line, f), &CTI_FIELD(k, cti_line_fields[f].offset)))
            return false;
    for (size_t s = 0; s < k->n_stations; s++) {
        json_t *a = json_array_get(sts, s);
        if (!json_is_array(a) || json_array_size(a) != cti_n_station_fields)
            return false;
        for (size_t f = 0; f < cti_n_station_fields; f++)
            if (!get_double(json_array_get(a, f),
                            &CTI_FIELD(&k->stations[s], cti_station_fields[f].offset)))
                return false;
    }
    return true;
}

static bool read_strings(json_t *a, char **out, size_t n)
{
    if (!json_is_array(a) || json_array_size(a) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (!s || !(out[i] = dup_str(s)))
            return false;
    }
    return true;
}

/* Builds empty results from the header of the first part. */
static ct_status results_from_header(mloader *ml, json_t *h, ct_sweep_results **out)
{
    json_t *params = json_object_get(h, "parameters"), *stations = json_object_get(h, "stations");
    json_t *count = json_object_get(h, "scenario_count");
    const char *seed = json_string_value(json_object_get(h, "seed"));
    const char *fp = json_string_value(json_object_get(h, "fingerprint"));
    const char *factory = json_string_value(json_object_get(h, "factory"));
    const char *design = json_string_value(json_object_get(h, "design"));
    json_t *reps = json_object_get(h, "replications");
    double horizon, warmup;
    if (!json_is_array(params) || !json_is_array(stations) || !json_is_integer(count) ||
        json_integer_value(count) < 1 || json_integer_value(count) > CT_SWEEP_MAX_SCENARIOS ||
        !seed || !fp || !factory || !design || !json_is_integer(reps) ||
        json_integer_value(reps) < 1 ||
        !get_double(json_object_get(h, "horizon_s"), &horizon) ||
        !get_double(json_object_get(h, "warmup_s"), &warmup))
        return mfail(ml, "its \"sweep\" header is incomplete");
    json_t *want = field_names(cti_line_fields, cti_n_line_fields);
    json_t *want_s = field_names(cti_station_fields, cti_n_station_fields);
    bool same = json_equal(want, json_object_get(h, "line_fields")) &&
                json_equal(want_s, json_object_get(h, "station_fields"));
    json_decref(want);
    json_decref(want_s);
    if (!same)
        return ct_error_set(ml->err, CT_ERR_VERSION,
                            "%s: made by a celltwin with other KPI fields; rerun that shard", ml->name);
    ct_sweep_results *r = results_new(json_array_size(params), json_array_size(stations),
                                      (size_t)json_integer_value(count));
    if (!r)
        return ct_error_set(ml->err, CT_ERR_NOMEM, "%s: out of memory", ml->name);
    snprintf(r->factory, sizeof r->factory, "%s", factory);
    snprintf(r->design, sizeof r->design, "%s", design);
    r->run.horizon_s = horizon;
    r->run.warmup_s = warmup;
    r->run.seed = strtoull(seed, NULL, 10);
    r->run.replications = (int)json_integer_value(reps);
    r->run.threads = 1;
    r->fingerprint = strtoull(fp, NULL, 16);
    if (!read_strings(params, r->param_paths, r->n_params) ||
        !read_strings(stations, r->station_names, r->n_stations)) {
        ct_sweep_results_destroy(r);
        return mfail(ml, "its parameter or station names are not a list of text");
    }
    *out = r;
    return CT_OK;
}

/* Combines parsed parts (not consumed). */
static ct_status merge_parts(json_t *const *parts, const char *const *names, size_t n,
                             ct_sweep_results **out, ct_error *err)
{
    ct_sweep_results *r = NULL;
    json_t *first = NULL;
    const char **owner = NULL;   /* which part each scenario came from */
    ct_status st = CT_OK;

    for (size_t p = 0; p < n; p++) {
        mloader ml = {names[p], err};
        json_t *o = parts[p];
        json_t *ver = json_object_get(o, "celltwin_sweep_partial");
        json_t *h = json_object_get(o, "sweep"), *list = json_object_get(o, "scenarios");
        if (!json_is_integer(ver) || !json_is_object(h) || !json_is_array(list)) {
            st = mfail(&ml, "expected an object with celltwin_sweep_partial, sweep and scenarios, "
                            "as `celltwin sweep --shard` writes");
            goto cleanup;
        }
        if (json_integer_value(ver) != PARTIAL_VERSION) {
            st = ct_error_set(err, CT_ERR_VERSION, "%s: partial result format %lld, expected %d",
                              ml.name, (long long)json_integer_value(ver), PARTIAL_VERSION);
            goto cleanup;
        }
        if (!first) {
            if ((st = results_from_header(&ml, h, &r)) != CT_OK)
                goto cleanup;
            first = h;
            if (!(owner = calloc(r->n_scenarios, sizeof *owner))) {
                st = ct_error_set(err, CT_ERR_NOMEM, "merge: out of memory");
                goto cleanup;
            }
        } else if (!json_equal(first, h)) {
            st = ct_error_set(err, CT_ERR_INVALID,
                              "%s: from another sweep than %s (a different sweep file, factory "
                              "file or setting); merge only the shards of one sweep",
                              ml.name, names[0]);
            goto cleanup;
        }
        size_t idx;
        json_t *so;
        json_array_foreach(list, idx, so) {
            json_t *iv = json_object_get(so, "scenario");
            if (!json_is_integer(iv) || json_integer_value(iv) < 0 ||
                (size_t)json_integer_value(iv) >= r->n_scenarios) {
                st = mfail(&ml, "a scenario index is missing or out of range");
                goto cleanup;
            }
            size_t i = (size_t)json_integer_value(iv);
            if (owner[i]) {
                st = ct_error_set(err, CT_ERR_INVALID,
                                  "%s: scenario %zu is also in %s; merge each shard once", ml.name,
                                  i, owner[i]);
                goto cleanup;
            }
            owner[i] = ml.name;
            if (!scen_alloc(r, i)) {
                st = ct_error_set(err, CT_ERR_NOMEM, "merge: out of memory");
                goto cleanup;
            }
            if (!read_strings(json_object_get(so, "values"), r->sc[i].values, r->n_params) ||
                !read_fields(json_object_get(so, "mean"), &r->sc[i].mean) ||
                !read_fields(json_object_get(so, "ci95"), &r->sc[i].ci95)) {
                st = ct_error_set(err, CT_ERR_PARSE,
                                  "%s: not a partial sweep result: scenario %zu has malformed "
                                  "values or KPIs", ml.name, i);
                goto cleanup;
            }
            r->sc[i].present = true;
        }
    }
    *out = r;
    r = NULL;
cleanup:
    free(owner);
    ct_sweep_results_destroy(r);
    return st;
}

/* Parses or loads each part, then merges. */
static ct_status merge(const char *const *texts, const char *const *names, bool files, size_t n,
                       ct_sweep_results **out, ct_error *err)
{
    ct_status st = CT_OK;
    *out = NULL;
    ct_error_clear(err);
    if (n == 0)
        return ct_error_set(err, CT_ERR_INVALID, "merge: expected at least one partial result");
    json_t **parts = calloc(n, sizeof *parts);
    if (!parts)
        return ct_error_set(err, CT_ERR_NOMEM, "merge: out of memory");
    for (size_t p = 0; p < n && st == CT_OK; p++) {
        json_error_t jerr;
        parts[p] = files ? json_load_file(texts[p], 0, &jerr) : json_loads(texts[p], 0, &jerr);
        if (parts[p])
            continue;
        if (files && jerr.line <= 0)
            st = ct_error_set(err, CT_ERR_IO, "%s: cannot read: %s", names[p], jerr.text);
        else
            st = ct_error_set(err, CT_ERR_PARSE, "%s:%d:%d: not a partial sweep result: %s",
                              names[p], jerr.line, jerr.column, jerr.text);
    }
    if (st == CT_OK)
        st = merge_parts(parts, names, n, out, err);
    for (size_t p = 0; p < n; p++)
        json_decref(parts[p]);
    free(parts);
    return st;
}

ct_status ct_sweep_merge(const char *const *texts, const char *const *names, size_t n,
                         ct_sweep_results **out, ct_error *err)
{
    const char **nm = calloc(n ? n : 1, sizeof *nm);
    if (!nm)
        return ct_error_set(err, CT_ERR_NOMEM, "merge: out of memory");
    for (size_t p = 0; p < n; p++)
        nm[p] = names && names[p] ? names[p] : "<partial>";
    ct_status st = merge(texts, nm, false, n, out, err);
    free(nm);
    return st;
}

ct_status ct_sweep_merge_files(const char *const *paths, size_t n, ct_sweep_results **out,
                               ct_error *err)
{
    return merge(paths, paths, true, n, out, err);
}
