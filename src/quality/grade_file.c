/*
 * grade_file.c - reads the grading bins of `celltwin grade` from a YAML
 * file: an ordered list of bins, each with [min, max] limits on capacity,
 * IR, OCV and k-value (null = open), and the name for cells that fit no
 * bin. Errors name FILE:LINE and the key, as the factory-file loader's do.
 */
#include "celltwin/screening.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

/* A bin file is a few hundred bytes; the cap only stops a wrong file. */
#define MAX_FILE_BYTES ((size_t)1 << 20)

typedef struct gload {
    const char *path;
    ct_error *err;
} gload;

/* 1-based line of n, or fallback when n carries no token (null, mapping). */
static int node_line(struct fy_node *n, int fallback)
{
    if (n && fy_node_get_type(n) == FYNT_SCALAR) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
        if (m && m->line >= 0)
            return m->line + 1;
    }
    return fallback;
}

static bool is_null(struct fy_node *n)
{
    if (!n)
        return true;
    if (fy_node_get_type(n) != FYNT_SCALAR || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    const char *s = fy_node_get_scalar0(n);
    return s && (strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || strcmp(s, "") == 0
                 || strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

static ct_status fail(gload *g, int line, const char *fmt, const char *a, const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, b);
    return ct_error_set(g->err, CT_ERR_PARSE, "%s:%d: %s", g->path, line, msg);
}

/* A bound: a number or null (open). */
static ct_status bound(gload *g, struct fy_node *n, int line, const char *what, double *out)
{
    if (is_null(n)) {
        *out = NAN;
        return CT_OK;
    }
    const char *s = fy_node_get_type(n) == FYNT_SCALAR ? fy_node_get_scalar0(n) : NULL;
    char *end;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || end == s || *end != '\0' || !isfinite(v))
        return fail(g, node_line(n, line), "%s: expected a number or null, got \"%s\"", what,
                    s ? s : "a list or mapping");
    *out = v;
    return CT_OK;
}

static ct_status read_bin(gload *g, struct fy_node *item, int line, size_t k, ct_grade_bin *bin)
{
    char where[64];
    snprintf(where, sizeof where, "bins[%zu]", k);
    if (fy_node_get_type(item) != FYNT_MAPPING)
        return fail(g, line, "%s: expected a mapping with name and limits%s", where, "");
    ct_grade_bin_open(bin, "");
    bool named = false;
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(item, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pair), *vn = fy_node_pair_value(pair);
        const char *key = kn && fy_node_get_type(kn) == FYNT_SCALAR ? fy_node_get_scalar0(kn) : "";
        int kline = node_line(kn, line);
        char path[128];
        snprintf(path, sizeof path, "%s.%s", where, key);
        if (strcmp(key, "name") == 0) {
            const char *s = vn && fy_node_get_type(vn) == FYNT_SCALAR ? fy_node_get_scalar0(vn)
                                                                       : NULL;
            if (!s || s[0] == '\0' || strlen(s) >= CT_GRADE_NAME_MAX)
                return fail(g, node_line(vn, kline),
                            "%s: expected a name of 1 to 31 characters%s", path, "");
            snprintf(bin->name, sizeof bin->name, "%s", s);
            named = true;
            continue;
        }
        int a = 0;
        while (a < CT_GRADE__COUNT && strcmp(key, ct_grade_attr_name((ct_grade_attr)a)) != 0)
            a++;
        if (a == CT_GRADE__COUNT)
            return fail(g, kline,
                        "%s: unknown key (expected name, capacity_ah, ir_mohm, ocv_v, "
                        "k_mv_per_day)%s", path, "");
        if (!vn || fy_node_get_type(vn) != FYNT_SEQUENCE || fy_node_sequence_item_count(vn) != 2)
            return fail(g, kline, "%s: expected [min, max] (null for an open end)%s", path, "");
        ct_status st;
        char what[160];
        snprintf(what, sizeof what, "%s[0]", path);
        if ((st = bound(g, fy_node_sequence_get_by_index(vn, 0), kline, what, &bin->min[a]))
            != CT_OK)
            return st;
        snprintf(what, sizeof what, "%s[1]", path);
        if ((st = bound(g, fy_node_sequence_get_by_index(vn, 1), kline, what, &bin->max[a]))
            != CT_OK)
            return st;
    }
    if (!named)
        return fail(g, line, "%s: missing key \"name\"%s", where, "");
    return CT_OK;
}

static ct_status read_root(gload *g, struct fy_node *root, ct_grade_bins *b)
{
    if (!root || fy_node_get_type(root) != FYNT_MAPPING)
        return fail(g, 1, "top level: expected a mapping with keys bins and otherwise%s%s", "",
                    "");
    bool have_bins = false;
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(root, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pair), *vn = fy_node_pair_value(pair);
        const char *key = kn && fy_node_get_type(kn) == FYNT_SCALAR ? fy_node_get_scalar0(kn) : "";
        int kline = node_line(kn, 1);
        if (strcmp(key, "otherwise") == 0) {
            const char *s = vn && fy_node_get_type(vn) == FYNT_SCALAR ? fy_node_get_scalar0(vn)
                                                                       : NULL;
            if (!s || s[0] == '\0' || strlen(s) >= CT_GRADE_NAME_MAX)
                return fail(g, node_line(vn, kline),
                            "otherwise: expected a name such as reject or rework%s%s", "", "");
            snprintf(b->fallback, sizeof b->fallback, "%s", s);
        } else if (strcmp(key, "bins") == 0) {
            if (!vn || fy_node_get_type(vn) != FYNT_SEQUENCE
                || fy_node_sequence_item_count(vn) < 1)
                return fail(g, kline, "bins: expected a list of at least one bin%s%s", "", "");
            int count = fy_node_sequence_item_count(vn);
            int line = kline;
            for (int k = 0; k < count; k++) {
                struct fy_node *item = fy_node_sequence_get_by_index(vn, k);
                ct_grade_bin bin;
                /* A mapping has no token of its own: take its name's line. */
                struct fy_node *name = item && fy_node_get_type(item) == FYNT_MAPPING
                                           ? fy_node_mapping_lookup_by_string(item, "name", -1)
                                           : NULL;
                line = node_line(name, line);
                ct_status st = read_bin(g, item, line, (size_t)k, &bin);
                if (st != CT_OK)
                    return st;
                ct_error e;
                if ((st = ct_grade_bins_add(b, &bin, &e)) != CT_OK)
                    return ct_error_set(g->err, st, "%s:%d: bins[%d]: %s", g->path, line, k,
                                        e.msg);
            }
            have_bins = true;
        } else {
            return fail(g, kline, "%s: unknown key (expected bins, otherwise)%s", key, "");
        }
    }
    if (!have_bins)
        return fail(g, 1, "top level: missing key \"bins\"%s%s", "", "");
    return CT_OK;
}

static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

ct_status ct_grade_bins_load(const char *path, ct_grade_bins *b, ct_error *err)
{
    gload g = { path, err };
    ct_grade_bins_clear(b);
    FILE *in = fopen(path, "rb");
    if (!in)
        return ct_error_set(err, CT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *text = malloc(MAX_FILE_BYTES + 1);
    if (!text) {
        fclose(in);
        return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t len = fread(text, 1, MAX_FILE_BYTES + 1, in);
    bool bad = ferror(in);
    fclose(in);
    if (bad) {
        free(text);
        return ct_error_set(err, CT_ERR_IO, "%s: read error", path);
    }
    if (len > MAX_FILE_BYTES) {
        free(text);
        return ct_error_set(err, CT_ERR_PARSE, "%s: larger than %zu bytes", path,
                            (size_t)MAX_FILE_BYTES);
    }

    struct fy_diag *diag = NULL;
    struct fy_parser *fyp = NULL;
    struct fy_document *doc = NULL;
    ct_status st;
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_discard;
    dcfg.level = FYET_ERROR;
    dcfg.colorize = false;
    /* Errors are collected and reported in our own format, never printed. */
    if (!(diag = fy_diag_create(&dcfg))) {
        st = ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg pcfg;
    memset(&pcfg, 0, sizeof pcfg);
    pcfg.flags = FYPCF_QUIET | FYPCF_RESOLVE_DOCUMENT;
    pcfg.diag = diag;
    if (!(fyp = fy_parser_create(&pcfg)) || fy_parser_set_string(fyp, text, len) != 0) {
        st = ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    doc = fy_parse_load_document(fyp);
    if (!doc || fy_diag_got_error(diag)) {
        void *iter = NULL;
        struct fy_diag_error *e;
        int line = 1;
        const char *msg = doc ? "invalid YAML" : "expected a mapping with keys bins and otherwise";
        while ((e = fy_diag_errors_iterate(diag, &iter)) != NULL)
            if (e->type >= FYET_ERROR) {
                line = e->line > 0 ? e->line : 1;
                msg = e->msg ? e->msg : "invalid YAML";
                break;
            }
        st = ct_error_set(err, CT_ERR_PARSE, "%s:%d: %s", path, line, msg);
        goto cleanup;
    }
    st = read_root(&g, fy_document_root(doc), b);

cleanup:
    if (doc)
        fy_parse_document_destroy(fyp, doc);
    if (fyp)
        fy_parser_destroy(fyp);
    if (diag)
        fy_diag_destroy(diag);
    free(text);
    if (st != CT_OK)
        ct_grade_bins_clear(b);
    return st;
}
