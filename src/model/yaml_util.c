/*
 * yaml_util.c - shared YAML reading for celltwin's file loaders (contracts
 * in yaml_util.h): bounded file reading, one-document parsing with libfyaml
 * and our own error format, the table-driven mapping walk, and scalar
 * readers that go through the units parser. The walk and the messages
 * follow the factory loader (factory_load.c), from which they were taken.
 */
#include "model/yaml_util.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/units_internal.h"

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */

ct_status cti_yaml_fail(cti_yaml_ctx *y, cti_yaml_loc loc, const char *path, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ct_error_set(y->err, CT_ERR_PARSE, "%s:%d:%d: %s: %s", y->file, loc.line, loc.col,
                        path, what);
}

ct_status cti_yaml_fail_nomem(cti_yaml_ctx *y)
{
    return ct_error_set(y->err, CT_ERR_NOMEM, "%s: out of memory", y->file);
}

bool cti_yaml_is_null(struct fy_node *n)
{
    if (!n)
        return true;
    if (fy_node_get_type(n) != FYNT_SCALAR || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    const char *s = fy_node_get_scalar0(n);
    return !s || !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

const char *cti_yaml_describe(const cti_yaml_value *v, char *buf, size_t len)
{
    if (cti_yaml_is_null(v->node))
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

ct_status cti_yaml_fail_expected(cti_yaml_ctx *y, const cti_yaml_value *v, const char *expect)
{
    char got[80];
    return cti_yaml_fail(y, v->loc, v->path, "expected %s, got %s", expect,
                         cti_yaml_describe(v, got, sizeof got));
}

/* ------------------------------------------------------------------------ */
/* Positions                                                                */

/* libfyaml 0.7 has no public call for a node's position. A scalar has it in
 * its token; for a mapping or a list the first event a document iterator
 * generates from the node (MAPPING_START / SEQUENCE_START) carries the
 * start token. Nodes without a token (a null, a copy made by resolving an
 * alias) take the fallback, the position of their key. */
cti_yaml_loc cti_yaml_node_loc(struct fy_node *n, cti_yaml_loc fallback)
{
    const struct fy_mark *m = NULL;
    cti_yaml_loc loc = fallback;

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

void cti_yaml_join_key(char *out, size_t len, const char *path, const char *key)
{
    int n = path[0] ? snprintf(out, len, "%s.%s", path, key) : snprintf(out, len, "%s", key);
    /* Only an absurdly long key is cut; the message still says where. */
    if (n < 0 || (size_t)n >= len)
        out[len - 1] = '\0';
}

static void list_keys(const cti_yaml_key *keys, size_t n, char *buf, size_t len)
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

ct_status cti_yaml_walk_mapping(cti_yaml_ctx *y, const cti_yaml_value *v,
                                const cti_yaml_key *keys, size_t n_keys, void *obj,
                                cti_yaml_walk *w)
{
    char names[512];
    char path[CTI_YAML_PATH_MAX];
    ct_status st;

    assert(n_keys <= CTI_YAML_MAX_KEYS);
    memset(w, 0, sizeof *w);
    w->keys = keys;
    w->n_keys = n_keys;
    w->map_loc = v->loc;

    if (cti_yaml_is_null(v->node) || fy_node_get_type(v->node) != FYNT_MAPPING) {
        char expect[600];
        list_keys(keys, n_keys, names, sizeof names);
        snprintf(expect, sizeof expect, "a mapping with keys %s", names);
        return cti_yaml_fail_expected(y, v, expect);
    }

    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(v->node, &iter)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pair);
        struct fy_node *vn = fy_node_pair_value(pair);
        cti_yaml_loc key_loc = cti_yaml_node_loc(kn, v->loc);
        const char *key = NULL;

        if (kn && fy_node_get_type(kn) == FYNT_SCALAR)
            key = fy_node_get_scalar0(kn);
        if (!key) {
            list_keys(keys, n_keys, names, sizeof names);
            return cti_yaml_fail(y, key_loc, v->path[0] ? v->path : "top level",
                                 "expected a plain key, one of %s", names);
        }

        size_t i = 0;
        while (i < n_keys && strcmp(keys[i].key, key) != 0)
            i++;
        cti_yaml_join_key(path, sizeof path, v->path, key);
        if (i == n_keys) {
            list_keys(keys, n_keys, names, sizeof names);
            return cti_yaml_fail(y, key_loc, path, "unknown key; expected one of %s", names);
        }

        cti_yaml_value child = { vn, path, cti_yaml_node_loc(vn, key_loc) };
        w->at[i] = child.loc;
        if ((st = keys[i].handle(y, &child, obj)) != CT_OK)
            return st;
    }

    for (size_t i = 0; i < n_keys; i++) {
        if (keys[i].required && w->at[i].line == 0) {
            cti_yaml_join_key(path, sizeof path, v->path, keys[i].key);
            return cti_yaml_fail(y, v->loc, path, "missing required key; expected %s",
                                 keys[i].expect);
        }
    }
    return CT_OK;
}

const cti_yaml_loc *cti_yaml_seen(const cti_yaml_walk *w, const char *key)
{
    for (size_t i = 0; i < w->n_keys; i++)
        if (!strcmp(w->keys[i].key, key))
            return w->at[i].line ? &w->at[i] : NULL;
    assert(!"key not in table");
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                  */

const char *cti_yaml_scalar(const cti_yaml_value *v)
{
    if (cti_yaml_is_null(v->node) || fy_node_get_type(v->node) != FYNT_SCALAR)
        return NULL;
    return fy_node_get_scalar0(v->node);
}

bool cti_yaml_parse_int(const char *s, long long *out)
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

ct_status cti_yaml_get_int(cti_yaml_ctx *y, const cti_yaml_value *v, long long min,
                           long long max, const char *expect, long long *out)
{
    const char *s = cti_yaml_scalar(v);
    long long x;
    if (!s || !cti_yaml_parse_int(s, &x) || x < min || x > max)
        return cti_yaml_fail_expected(y, v, expect);
    *out = x;
    return CT_OK;
}

ct_status cti_yaml_get_seed(cti_yaml_ctx *y, const cti_yaml_value *v, uint64_t *out)
{
    static const char expect[] = "an integer seed between 0 and 18446744073709551615";
    const char *s = cti_yaml_scalar(v);
    char *end;
    if (!s || !isdigit((unsigned char)s[0]))
        return cti_yaml_fail_expected(y, v, expect);
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end)
        return cti_yaml_fail_expected(y, v, expect);
    *out = (uint64_t)x;
    return CT_OK;
}

ct_status cti_yaml_get_bool(cti_yaml_ctx *y, const cti_yaml_value *v, bool *out)
{
    const char *s = cti_yaml_scalar(v);
    if (s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")))
        *out = true;
    else if (s && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")))
        *out = false;
    else
        return cti_yaml_fail_expected(y, v, "true or false");
    return CT_OK;
}

static bool in_range(double x, cti_yaml_range r)
{
    switch (r) {
    case CTI_YAML_POSITIVE:
        return x > 0;
    case CTI_YAML_NONNEGATIVE:
        return x >= 0;
    case CTI_YAML_FRACTION:
        return x > 0 && x <= 1;
    case CTI_YAML_UNIT:
        return x >= 0 && x <= 1;
    case CTI_YAML_BELOW_ONE:
        return x >= 0 && x < 1;
    case CTI_YAML_ANY:
    default:
        return true;
    }
}

/* "an areal mass > 0 such as \"20 mg/cm2\"", "a number in (0, 1] such as
 * 0.96 or \"96 %\"". */
static void range_expect(ct_dim dim, cti_yaml_range r, char *buf, size_t len)
{
    static const char *const bounds[] = {
        [CTI_YAML_ANY] = "",           [CTI_YAML_POSITIVE] = " > 0",
        [CTI_YAML_NONNEGATIVE] = " >= 0", [CTI_YAML_FRACTION] = " in (0, 1]",
        [CTI_YAML_UNIT] = " in [0, 1]", [CTI_YAML_BELOW_ONE] = " in [0, 1)",
    };
    if (dim == CT_DIM_NONE && r >= CTI_YAML_FRACTION)
        snprintf(buf, len, "a number%s such as 0.96 or \"96 %%\"", bounds[r]);
    else
        snprintf(buf, len, "%s%s such as \"%s\"", cti_dim_noun(dim), bounds[r],
                 ct_dim_example(dim));
}

ct_status cti_yaml_get_quantity(cti_yaml_ctx *y, const cti_yaml_value *v, ct_dim dim,
                                bool require_unit, cti_yaml_range range, double *out)
{
    return cti_yaml_get_quantity_ex(y, v, dim, require_unit, false, range, NULL, out);
}

ct_status cti_yaml_get_quantity_ex(cti_yaml_ctx *y, const cti_yaml_value *v, ct_dim dim,
                                   bool require_unit, bool is_difference, cti_yaml_range range,
                                   const char *expect, double *out)
{
    char buf[160];
    char why[256];
    double x;
    const char *s = cti_yaml_scalar(v);

    if (!expect) {
        range_expect(dim, range, buf, sizeof buf);
        expect = buf;
    }
    if (!s)
        return cti_yaml_fail_expected(y, v, expect);
    if (cti_quantity_parse_n(s, strlen(s), dim, require_unit, is_difference, &x, why,
                             sizeof why) != CT_OK)
        return cti_yaml_fail(y, v->loc, v->path, "%s", why);
    if (!isfinite(x) || !in_range(x, range))
        return cti_yaml_fail_expected(y, v, expect);
    *out = x;
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* Lists                                                                    */

ct_status cti_yaml_get_list(cti_yaml_ctx *y, const cti_yaml_value *v, int max,
                            const char *expect, const char *noun, int *n)
{
    if (cti_yaml_is_null(v->node) || fy_node_get_type(v->node) != FYNT_SEQUENCE ||
        fy_node_sequence_item_count(v->node) <= 0)
        return cti_yaml_fail_expected(y, v, expect);
    int count = fy_node_sequence_item_count(v->node);
    if (count > max)
        return cti_yaml_fail(y, v->loc, v->path, "expected at most %d %s, got %d", max, noun,
                             count);
    *n = count;
    return CT_OK;
}

ct_status cti_yaml_walk_list(cti_yaml_ctx *y, const cti_yaml_value *v, cti_yaml_item_fn fn,
                             void *obj)
{
    void *iter = NULL;
    struct fy_node *item;
    ct_status st;

    assert(v->node && fy_node_get_type(v->node) == FYNT_SEQUENCE);
    for (int i = 0; (item = fy_node_sequence_iterate(v->node, &iter)) != NULL; i++) {
        char path[CTI_YAML_PATH_MAX];
        snprintf(path, sizeof path, "%s[%d]", v->path, i);
        cti_yaml_value iv = { item, path, cti_yaml_node_loc(item, v->loc) };
        if ((st = fn(y, &iv, i, obj)) != CT_OK)
            return st;
    }
    return CT_OK;
}

/* ------------------------------------------------------------------------ */
/* Files and documents                                                      */

ct_status cti_yaml_read_file(const char *path, char **text, size_t *len_out, ct_error *err)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    FILE *fp;
    ct_status st = CT_OK;

    *text = NULL;
    *len_out = 0;
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
        if (len > (size_t)CTI_YAML_MAX_BYTES) {
            st = ct_error_set(err, CT_ERR_IO, "%s: cannot read: larger than %ld bytes", path,
                              CTI_YAML_MAX_BYTES);
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
    *text = buf;
    *len_out = len;
    buf = NULL;

cleanup:
    fclose(fp);
    free(buf);
    return st;
}

/* libfyaml's diagnostics go nowhere: errors are collected and the first
 * one is reported in our own format. The last line printed is kept in
 * case an error comes without a collected position. */
static void diag_output(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    cti_yaml_doc *doc = user;
    (void)diag;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        len--;
    if (len >= sizeof doc->last_diag)
        len = sizeof doc->last_diag - 1;
    memcpy(doc->last_diag, buf, len);
    doc->last_diag[len] = '\0';
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

static ct_status syntax_error(cti_yaml_ctx *y, cti_yaml_doc *doc, const char *text, size_t len,
                              const char *top_expect)
{
    void *iter = NULL;
    struct fy_diag_error *e;
    while ((e = fy_diag_errors_iterate(doc->diag, &iter)) != NULL) {
        if (e->type < FYET_ERROR)
            continue;
        /* libfyaml's collected positions are already 1-based. */
        return ct_error_set(y->err, CT_ERR_PARSE, "%s:%d:%d: syntax error: %s", y->file,
                            e->line > 0 ? e->line : 1, e->column > 0 ? e->column : 1,
                            e->msg ? e->msg : "invalid YAML");
    }
    if (blank_text(text, len))
        return ct_error_set(y->err, CT_ERR_PARSE, "%s:1:1: top level: expected %s, got an empty file",
                            y->file, top_expect);
    return ct_error_set(y->err, CT_ERR_PARSE, "%s:1:1: syntax error: %s", y->file,
                        doc->last_diag[0] ? doc->last_diag : "invalid YAML");
}

ct_status cti_yaml_open(cti_yaml_ctx *y, const char *text, size_t len, const char *top_expect,
                        cti_yaml_doc *doc)
{
    const cti_yaml_loc top = { 1, 1 };

    memset(doc, 0, sizeof *doc);

    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_output;
    dcfg.user = doc;
    dcfg.level = FYET_ERROR;
    dcfg.colorize = false;
    if (!(doc->diag = fy_diag_create(&dcfg)))
        return cti_yaml_fail_nomem(y);
    fy_diag_set_collect_errors(doc->diag, true);

    struct fy_parse_cfg pcfg;
    memset(&pcfg, 0, sizeof pcfg);
    /* RESOLVE_DOCUMENT expands aliases and merge keys, so anchors can share
     * a block (one foil for several electrodes). */
    pcfg.flags = FYPCF_QUIET | FYPCF_RESOLVE_DOCUMENT;
    pcfg.diag = doc->diag;
    if (!(doc->parser = fy_parser_create(&pcfg)) ||
        fy_parser_set_string(doc->parser, text, len) != 0)
        return cti_yaml_fail_nomem(y);
    if (!(doc->doc = fy_parse_load_document(doc->parser)))
        return syntax_error(y, doc, text, len, top_expect);
    /* A stray "---" would silently drop the rest of the file: refuse a
     * second document. */
    if ((doc->extra = fy_parse_load_document(doc->parser)) != NULL)
        return cti_yaml_fail(y, cti_yaml_node_loc(fy_document_root(doc->extra), top), "top level",
                             "expected one YAML document, got a second one after \"---\"");
    if (fy_diag_got_error(doc->diag))
        return syntax_error(y, doc, text, len, top_expect);

    struct fy_node *root = fy_document_root(doc->doc);
    cti_yaml_value rv = { root, "", cti_yaml_node_loc(root, top) };
    if (cti_yaml_is_null(root) || fy_node_get_type(root) != FYNT_MAPPING) {
        char got[80];
        return cti_yaml_fail(y, rv.loc, "top level", "expected %s, got %s", top_expect,
                             cti_yaml_describe(&rv, got, sizeof got));
    }
    doc->root = root;
    doc->root_loc = rv.loc;
    return CT_OK;
}

void cti_yaml_close(cti_yaml_doc *doc)
{
    /* Documents before their parser (their tokens point into its input),
     * the parser before diag (it holds a reference to it). */
    if (doc->extra)
        fy_parse_document_destroy(doc->parser, doc->extra);
    if (doc->doc)
        fy_parse_document_destroy(doc->parser, doc->doc);
    if (doc->parser)
        fy_parser_destroy(doc->parser);
    if (doc->diag)
        fy_diag_destroy(doc->diag);
    memset(doc, 0, sizeof *doc);
}
