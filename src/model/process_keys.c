/*
 * process_keys.c - reading a station kind's `process:` mapping with a table
 * of keys (process_keys.h).
 */
#include "model/process_keys.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int key_index(const cti_preader *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->keys[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* True when key was written; its value in *val (if not NULL). */
bool cti_pk_written(const cti_preader *r, const char *key, double *val)
{
    int i = key_index(r, key);
    assert(i >= 0);
    if (r->at[i].line == 0)
        return false;
    if (val)
        *val = r->val[i];
    return true;
}

static ct_status get_choice(cti_yaml_ctx *y, const cti_yaml_value *v, const cti_pkey *k, double *out)
{
    const char *s = cti_yaml_scalar(v);
    for (int j = 0; s && k->words[j]; j++) {
        if (strcmp(s, k->words[j]) == 0) {
            *out = j;
            return CT_OK;
        }
    }
    return cti_yaml_fail_expected(y, v, k->expect);
}

/* "1.6 g/Ah": a mass in any unit of units.h over Ah. units.h has no
 * dimension for it, so the mass is parsed by the units parser and the
 * "/Ah" taken off here. */
static ct_status get_per_ah(cti_yaml_ctx *y, const cti_yaml_value *v, double *out)
{
    static const char expect[] = "a mass per Ah > 0 such as \"1.6 g/Ah\"";
    static const char per[] = "/Ah";
    const size_t per_len = sizeof per - 1;
    const char *s = cti_yaml_scalar(v);
    if (!s)
        return cti_yaml_fail_expected(y, v, expect);
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    char num[64];
    if (len <= per_len || len - per_len >= sizeof num || memcmp(s + len - per_len, per, per_len))
        return cti_yaml_fail_expected(y, v, expect);
    memcpy(num, s, len - per_len);
    num[len - per_len] = '\0';
    double x;
    char why[256];
    if (ct_quantity_parse(num, CT_DIM_MASS, true, &x, why, sizeof why) != CT_OK || !isfinite(x) ||
        !(x > 0))
        return cti_yaml_fail_expected(y, v, expect);
    *out = x;
    return CT_OK;
}

/* The one handler of every key: the key is the last part of the path. */
static ct_status read_key(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    cti_preader *r = obj;
    const char *dot = strrchr(v->path, '.');
    int i = key_index(r, dot ? dot + 1 : v->path);
    assert(i >= 0);   /* the walk calls only keys of the table */
    const cti_pkey *k = &r->keys[i];
    double *out = &r->val[i];
    ct_status st = CT_OK;
    switch (k->type) {
    case CTI_PK_K_QTY:
        /* Dimensioned values need their unit: "60" is no speed. */
        return cti_yaml_get_quantity(y, v, k->dim, k->dim != CT_DIM_NONE, k->range, out);
    case CTI_PK_K_INT: {
        long long x;
        st = cti_yaml_get_int(y, v, -1000000, 1000000, "a whole number such as 50", &x);
        if (st == CT_OK)
            *out = (double)x;
        return st;
    }
    case CTI_PK_K_BOOL: {
        bool b;
        st = cti_yaml_get_bool(y, v, &b);
        if (st == CT_OK)
            *out = b;
        return st;
    }
    case CTI_PK_K_CHOICE:
        return get_choice(y, v, k, out);
    case CTI_PK_K_PER_AH:
        return get_per_ah(y, v, out);
    }
    return st;
}

/* Reads the `process:` mapping v (absent or empty: every key takes its
 * default, unless one is required) with the keys of table keys. */
ct_status cti_pk_read(cti_yaml_ctx *y, const cti_yaml_value *v, const cti_pkey *keys, size_t n,
                              cti_preader *r)
{
    char path[CTI_YAML_PATH_MAX];
    assert(n <= CTI_YAML_MAX_KEYS);
    memset(r, 0, sizeof *r);
    r->keys = keys;
    r->n = n;
    r->process = v;
    if (!v->node) {
        for (size_t i = 0; i < n; i++) {
            if (keys[i].required) {
                cti_yaml_join_key(path, sizeof path, v->path, keys[i].key);
                return cti_yaml_fail(y, v->loc, path, "missing required key; expected %s",
                                     keys[i].expect);
            }
        }
        return CT_OK;
    }
    cti_yaml_key table[CTI_YAML_MAX_KEYS];
    for (size_t i = 0; i < n; i++)
        table[i] = (cti_yaml_key){ keys[i].key, keys[i].required,
                                   keys[i].expect ? keys[i].expect : "a value", read_key };
    cti_yaml_walk w;
    ct_status st = cti_yaml_walk_mapping(y, v, table, n, r, &w);
    if (st == CT_OK)
        memcpy(r->at, w.at, n * sizeof *r->at);
    return st;
}

/* Stores the cti_pk_written values of keys with an offset into block. */
void cti_pk_apply(const cti_preader *r, void *block)
{
    for (size_t i = 0; i < r->n; i++) {
        const cti_pkey *k = &r->keys[i];
        if (r->at[i].line == 0 || k->offset == CTI_PK_NOFF)
            continue;
        char *p = (char *)block + k->offset;
        switch (k->type) {
        case CTI_PK_K_QTY:
        case CTI_PK_K_PER_AH:
            *(double *)(void *)p = r->val[i];
            break;
        case CTI_PK_K_INT:
            *(int *)(void *)p = (int)r->val[i];
            break;
        case CTI_PK_K_BOOL:
            *(bool *)(void *)p = r->val[i] != 0;
            break;
        case CTI_PK_K_CHOICE:
            break;   /* enums: the kind sets them */
        }
    }
}

/* A model's check message "notching.speed: 90 m/min is above 60 m/min:
 * ..." as "FILE:LINE:COL: stations[2].process.speed: 90 m/min is above
 * ...", at the key that set the field, or at `process:` (the station when
 * there is none) when the value was a default. */
ct_status cti_pk_report(cti_yaml_ctx *y, const cti_preader *r, const ct_error *e)
{
    const char *msg = e->msg;
    const char *colon = strstr(msg, ": ");
    if (colon) {
        const char *dot = memchr(msg, '.', (size_t)(colon - msg));
        const char *field = dot ? dot + 1 : msg;
        size_t len = (size_t)(colon - field);
        for (size_t i = 0; i < r->n; i++) {
            const char *f = r->keys[i].field ? r->keys[i].field : r->keys[i].key;
            if (strlen(f) != len || memcmp(f, field, len) != 0)
                continue;
            char path[CTI_YAML_PATH_MAX];
            cti_yaml_join_key(path, sizeof path, r->process->path, r->keys[i].key);
            return cti_yaml_fail(y, r->at[i].line ? r->at[i] : r->process->loc, path, "%s",
                                 colon + 2);
        }
    }
    return cti_yaml_fail(y, r->process->loc, r->process->path, "%s", msg);
}


/* "stations[3]" from the process path "stations[3].process". */
void cti_pk_station_path(const cti_yaml_value *v, char *out, size_t len)
{
    snprintf(out, len, "%s", v->path);
    char *dot = strrchr(out, '.');
    if (dot && strcmp(dot, ".process") == 0)
        *dot = '\0';
}

/* A mistake in the station's own keys, given the kind. */
ct_status cti_pk_fail_station(cti_yaml_ctx *y, const cti_yaml_value *v, cti_loc loc,
                              const char *key, const char *what)
{
    char sp[CTI_YAML_PATH_MAX], path[CTI_YAML_PATH_MAX];
    cti_pk_station_path(v, sp, sizeof sp);
    cti_yaml_join_key(path, sizeof path, sp, key);
    return cti_yaml_fail(y, (cti_yaml_loc){ loc.line, loc.col }, path, "%s", what);
}

/* Kinds that work on the units arriving and pass them on. */
ct_status cti_pk_not_converter(cti_yaml_ctx *y, const cti_yaml_value *v, const cti_station *st,
                               const char *kind)
{
    char what[160];
    if (st->n_consumes == 0)
        return CT_OK;
    snprintf(what, sizeof what,
             "expected no consumes: a %s works on the units that arrive and passes them on", kind);
    return cti_pk_fail_station(y, v, st->consumes[0].loc, "consumes", what);
}

void *cti_pk_new_params(cti_yaml_ctx *y, size_t size, void **params)
{
    void *p = calloc(1, size);
    *params = p;
    if (!p)
        cti_yaml_fail_nomem(y);
    return p;
}

/* ---- describing the effective parameters ---- */

static void join(char *out, size_t len, const char *prefix, const char *key)
{
    snprintf(out, len, "%s%s", prefix ? prefix : "", key);
}

void cti_pk_emit_qty(cti_param_emit emit, void *ctx, const char *prefix, const char *key,
                     double x, ct_dim dim, bool difference)
{
    char k[CTI_YAML_PATH_MAX], text[64];
    const char *unit = difference && dim == CT_DIM_TEMPERATURE ? "K" : ct_dim_base_unit(dim);
    join(k, sizeof k, prefix, key);
    snprintf(text, sizeof text, "%.10g%s%s", x, *unit ? " " : "", unit);
    emit(ctx, k, text);
}

void cti_pk_emit_int(cti_param_emit emit, void *ctx, const char *prefix, const char *key, long x)
{
    char k[CTI_YAML_PATH_MAX], text[32];
    join(k, sizeof k, prefix, key);
    snprintf(text, sizeof text, "%ld", x);
    emit(ctx, k, text);
}

void cti_pk_emit_bool(cti_param_emit emit, void *ctx, const char *prefix, const char *key, bool x)
{
    cti_pk_emit_word(emit, ctx, prefix, key, x ? "true" : "false");
}

void cti_pk_emit_word(cti_param_emit emit, void *ctx, const char *prefix, const char *key,
                      const char *word)
{
    char k[CTI_YAML_PATH_MAX];
    join(k, sizeof k, prefix, key);
    emit(ctx, k, word);
}

static bool skipped(const char *const *skip, const char *key)
{
    for (size_t i = 0; skip && skip[i]; i++)
        if (strcmp(skip[i], key) == 0)
            return true;
    return false;
}

void cti_pk_describe(const cti_pkey *keys, size_t n, const void *block,
                     const char *const *skip, cti_param_emit emit, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        const cti_pkey *k = &keys[i];
        if (k->offset == CTI_PK_NOFF || skipped(skip, k->key))
            continue;
        const char *p = (const char *)block + k->offset;
        char text[64];
        switch (k->type) {
        case CTI_PK_K_QTY:
            cti_pk_emit_qty(emit, ctx, "", k->key, *(const double *)(const void *)p, k->dim, false);
            break;
        case CTI_PK_K_PER_AH:
            snprintf(text, sizeof text, "%.10g kg/Ah", *(const double *)(const void *)p);
            emit(ctx, k->key, text);
            break;
        case CTI_PK_K_INT:
            cti_pk_emit_int(emit, ctx, "", k->key, *(const int *)(const void *)p);
            break;
        case CTI_PK_K_BOOL:
            cti_pk_emit_bool(emit, ctx, "", k->key, *(const bool *)(const void *)p);
            break;
        case CTI_PK_K_CHOICE:
            break;   /* enums: the kind names them */
        }
    }
}

void cti_pk_emit_choice(cti_param_emit emit, void *ctx, const cti_pkey *keys, size_t n,
                        const char *key, int index)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(keys[i].key, key) != 0)
            continue;
        assert(keys[i].type == CTI_PK_K_CHOICE && index >= 0);
        emit(ctx, key, keys[i].words[index]);
        return;
    }
    assert(!"choice key not in its table");
}
