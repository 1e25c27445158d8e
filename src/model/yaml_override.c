/*
 * yaml_override.c - the YAML side of sweeps (see yaml_override.h): find the
 * value a parameter path names in a libfyaml tree, put another scalar
 * there, and emit the tree as text for the factory loader. Editing the
 * tree rather than the text keeps comments, flow style and anchors of the
 * user's file from mattering: the loader sees a plain block-style document
 * with the new values in place.
 */
#include "model/yaml_override.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text of a non-null scalar node, or NULL. Borrowed. */
static const char *scalar_text(struct fy_node *n)
{
    if (cti_yaml_is_null(n) || fy_node_get_type(n) != FYNT_SCALAR)
        return NULL;
    return fy_node_get_scalar0(n);
}

/* The pair of mapping m whose key is the plain text key, or NULL. Keys are
 * compared as text, as the loader does. */
static struct fy_node_pair *find_pair(struct fy_node *m, const char *key)
{
    void *iter = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(m, &iter)) != NULL) {
        const char *k = scalar_text(fy_node_pair_key(pair));
        if (k && !strcmp(k, key))
            return pair;
    }
    return NULL;
}

/* The `name:` of list item n, or NULL. */
static const char *item_name(struct fy_node *n)
{
    if (!n || fy_node_get_type(n) != FYNT_MAPPING)
        return NULL;
    struct fy_node_pair *p = find_pair(n, "name");
    return p ? scalar_text(fy_node_pair_value(p)) : NULL;
}

/* ------------------------------------------------------------------------ */
/* Paths                                                                    */

static void append(char *buf, size_t len, const char *fmt, const char *s, int i)
{
    size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, fmt, s ? s : "", i);
}

/* "a, b, c" from the names of the items of list n (a few, for messages). */
static void list_names(struct fy_node *n, char *buf, size_t len)
{
    void *iter = NULL;
    struct fy_node *item;
    int i = 0;
    buf[0] = '\0';
    while ((item = fy_node_sequence_iterate(n, &iter)) != NULL) {
        const char *nm = item_name(item);
        if (!nm)
            continue;
        if (i == 12) {
            append(buf, len, ", ...%s", NULL, 0);
            break;
        }
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? ", " : "", nm);
        i++;
    }
}

bool cti_yaml_path_resolve(struct fy_document *doc, const char *text, cti_yaml_path *out,
                           char *why, size_t whylen)
{
    struct fy_node *n = fy_document_root(doc);
    const char *p = text;
    bool first = true;

    memset(out, 0, sizeof *out);
    if (!*p) {
        snprintf(why, whylen, "expected a path such as stations.oven.buffer, got nothing");
        return false;
    }
    while (*p) {
        const char *where = out->canonical[0] ? out->canonical : "the top level";
        if (out->n == CTI_YAML_DEPTH_MAX) {
            snprintf(why, whylen, "expected a path of at most %d steps", CTI_YAML_DEPTH_MAX);
            return false;
        }
        cti_yaml_step *st = &out->steps[out->n];

        if (*p == '[') {
            char *end;
            errno = 0;
            long idx = isdigit((unsigned char)p[1]) ? strtol(p + 1, &end, 10) : -1;
            if (idx < 0 || errno || *end != ']') {
                snprintf(why, whylen, "expected [INDEX] with a whole number >= 0 after %s", where);
                return false;
            }
            if (!n || fy_node_get_type(n) != FYNT_SEQUENCE) {
                snprintf(why, whylen, "%s is not a list, so [%ld] addresses nothing", where, idx);
                return false;
            }
            int count = fy_node_sequence_item_count(n);
            if (idx >= count) {
                snprintf(why, whylen, "%s has %d item%s, so there is no [%ld]", where, count,
                         count == 1 ? "" : "s", idx);
                return false;
            }
            st->index = (int)idx;
            n = fy_node_sequence_get_by_index(n, (int)idx);
            append(out->canonical, sizeof out->canonical, "%s[%d]", NULL, (int)idx);
            out->n++;
            p = end + 1;
            first = false;
            continue;
        }
        if (!first) {
            if (*p != '.') {
                snprintf(why, whylen, "expected '.' or '[' after %s, got \"%.20s\"", where, p);
                return false;
            }
            p++;
        }
        first = false;
        if (!*p || *p == '.' || *p == '[') {
            snprintf(why, whylen, "expected a key after %s, got an empty one", where);
            return false;
        }

        if (n && fy_node_get_type(n) == FYNT_SEQUENCE) {
            /* An item by its name; station names may hold dots, so the
             * longest name that ends at a step boundary wins. */
            void *iter = NULL;
            struct fy_node *item, *best = NULL;
            size_t best_len = 0;
            int i = 0, best_i = -1;
            while ((item = fy_node_sequence_iterate(n, &iter)) != NULL) {
                const char *nm = item_name(item);
                size_t l = nm ? strlen(nm) : 0;
                if (nm && l > best_len && !strncmp(p, nm, l) &&
                    (p[l] == '\0' || p[l] == '.' || p[l] == '['))
                    best = item, best_len = l, best_i = i;
                i++;
            }
            if (!best) {
                char names[400];
                list_names(n, names, sizeof names);
                snprintf(why, whylen, "%s has no item named \"%.*s\"%s%s%s", where,
                         (int)strcspn(p, ".["), p, names[0] ? "; names are " : "", names,
                         names[0] ? "" : " (its items have no name: use [INDEX])");
                return false;
            }
            st->index = best_i;
            n = best;
            append(out->canonical, sizeof out->canonical, "%s[%d]", NULL, best_i);
            out->n++;
            p += best_len;
            continue;
        }
        if (!n || fy_node_get_type(n) != FYNT_MAPPING) {
            snprintf(why, whylen, "%s is a single value, not a mapping with keys", where);
            return false;
        }
        size_t len = strcspn(p, ".[");
        if (len >= sizeof st->key) {
            snprintf(why, whylen, "expected a key of at most %d characters", CTI_YAML_KEY_MAX - 1);
            return false;
        }
        st->index = -1;
        memcpy(st->key, p, len);
        st->key[len] = '\0';
        p += len;
        struct fy_node_pair *pair = find_pair(n, st->key);
        if (pair) {
            n = fy_node_pair_value(pair);
            out->created = false;
        } else {
            if (*p == '[') {
                snprintf(why, whylen, "%s has no key %s, so [INDEX] addresses nothing",
                         where, st->key);
                return false;
            }
            /* Absent: add it, so a key the file leaves at its default can
             * be swept. The loader judges whether the key exists at all. */
            struct fy_node *k = fy_node_create_scalar_copy(doc, st->key, len);
            struct fy_node *v = *p == '.' ? fy_node_create_mapping(doc)
                                          : fy_node_create_scalar(doc, "~", 1);
            if (!k || !v || fy_node_mapping_append(n, k, v) != 0) {
                fy_node_free(k);
                fy_node_free(v);
                snprintf(why, whylen, "out of memory");
                return false;
            }
            n = v;
            out->created = true;
        }
        append(out->canonical, sizeof out->canonical, out->canonical[0] ? ".%s" : "%s",
               st->key, 0);
        out->n++;
    }
    if (out->steps[out->n - 1].index >= 0) {
        snprintf(why, whylen, "expected a path that ends in a key, such as %s.buffer; "
                 "%s is a whole list item", out->canonical, out->canonical);
        return false;
    }
    return true;
}

bool cti_yaml_path_set(struct fy_document *doc, const cti_yaml_path *p, const char *text)
{
    struct fy_node *n = fy_document_root(doc);
    for (int i = 0; n && i < p->n - 1; i++) {
        const cti_yaml_step *st = &p->steps[i];
        if (st->index >= 0) {
            n = fy_node_get_type(n) == FYNT_SEQUENCE ? fy_node_sequence_get_by_index(n, st->index)
                                                     : NULL;
        } else {
            struct fy_node_pair *pair =
                fy_node_get_type(n) == FYNT_MAPPING ? find_pair(n, st->key) : NULL;
            n = pair ? fy_node_pair_value(pair) : NULL;
        }
    }
    if (!n || p->n < 1 || fy_node_get_type(n) != FYNT_MAPPING)
        return false;
    struct fy_node_pair *pair = find_pair(n, p->steps[p->n - 1].key);
    struct fy_node *v = pair ? fy_node_create_scalar_copy(doc, text, strlen(text)) : NULL;
    if (!v)
        return false;
    if (fy_node_pair_set_value(pair, v) != 0) {
        fy_node_free(v);
        return false;
    }
    return true;
}

char *cti_yaml_emit(struct fy_document *doc)
{
    /* Block style: a plain scalar with commas ("normal(5 s, 1 s)") would
     * be split in flow style, and block style needs no quotes for it. */
    return fy_emit_document_to_string(doc, FYECF_MODE_BLOCK | FYECF_WIDTH_INF);
}
