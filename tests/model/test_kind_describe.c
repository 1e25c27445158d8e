/*
 * test_kind_describe.c - the kinds' lists of effective process parameters
 * (kind.h describe, traceability issue #4): every registered kind has
 * one, and a round trip through the factory file holds for every station
 * of the example factories: describe the station, write the list back as
 * its `process:` mapping (replacing what the file wrote), load the new
 * factory, describe again: the same keys and values. So every key listed
 * is one the kind's parser accepts, every value text reads back to itself,
 * and the list is complete enough to reproduce the parameters (a key left
 * out would fall back to a default, which the second description would
 * show if it differed).
 */
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <cmocka.h>

#include <libfyaml.h>

#include "celltwin/factory.h"
#include "celltwin/units.h"
#include "model/factory_internal.h"
#include "model/kind.h"

#define MAX_PARAMS 256
#define TEXT_MAX 128

/* One station's description, in the order emitted. */
typedef struct param_list {
    int n;
    char key[MAX_PARAMS][TEXT_MAX];
    char text[MAX_PARAMS][TEXT_MAX];
} param_list;

static void collect(void *ctx, const char *key, const char *text)
{
    param_list *l = ctx;
    assert_true(l->n < MAX_PARAMS);
    assert_true(strlen(key) < TEXT_MAX && strlen(text) < TEXT_MAX);
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->key[i], key) == 0)
            fail_msg("key %s listed twice", key);
    snprintf(l->key[l->n], TEXT_MAX, "%s", key);
    snprintf(l->text[l->n], TEXT_MAX, "%s", text);
    l->n++;
}

static void describe(const cti_station *st, param_list *l)
{
    memset(l, 0, sizeof *l);
    st->kind->describe(st->kind_params, collect, l);
}

/* ---- key paths back to a YAML flow mapping ---------------------------- */

/* A tree of the key paths: a mapping's children have names, a list's
 * children have indices; leaves hold the value text. */
typedef struct tnode {
    char name[TEXT_MAX];
    int index;                  /* >= 0: a list item */
    const char *value;          /* leaf */
    struct tnode *child[MAX_PARAMS];
    int n;
} tnode;

static tnode *child_of(tnode *t, const char *name, int index)
{
    for (int i = 0; i < t->n; i++)
        if (index >= 0 ? t->child[i]->index == index
                       : t->child[i]->index < 0 && strcmp(t->child[i]->name, name) == 0)
            return t->child[i];
    assert_true(t->n < MAX_PARAMS);
    tnode *c = calloc(1, sizeof *c);
    assert_non_null(c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->index = index;
    t->child[t->n++] = c;
    return c;
}

/* "dryer.zones[1].temperature" -> dryer / zones / [1] / temperature */
static void tree_add(tnode *root, const char *path, const char *value)
{
    char buf[TEXT_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    tnode *t = root;
    for (char *seg = strtok(buf, "."); seg; seg = strtok(NULL, ".")) {
        char *br = strchr(seg, '[');
        int index = -1;
        if (br) {
            index = atoi(br + 1);
            *br = '\0';
        }
        t = child_of(t, seg, -1);
        if (index >= 0)
            t = child_of(t, "", index);
    }
    t->value = value;
}

static void tree_print(const tnode *t, char *out, size_t len)
{
    size_t used = strlen(out);
    if (t->value) {
        snprintf(out + used, len - used, "%s", t->value);
        return;
    }
    bool list = t->n > 0 && t->child[0]->index >= 0;
    snprintf(out + used, len - used, "%s", list ? "[" : "{");
    for (int i = 0; i < t->n; i++) {
        used = strlen(out);
        if (list)
            snprintf(out + used, len - used, "%s", i ? ", " : "");
        else
            snprintf(out + used, len - used, "%s%s: ", i ? ", " : "", t->child[i]->name);
        tree_print(t->child[i], out, len);
    }
    used = strlen(out);
    snprintf(out + used, len - used, "%s", list ? "]" : "}");
}

static void tree_free(tnode *t)
{
    for (int i = 0; i < t->n; i++)
        tree_free(t->child[i]);
    free(t);
}

/* The list as the text of a `process:` mapping. */
static char *as_flow_mapping(const param_list *l)
{
    tnode *root = calloc(1, sizeof *root);
    assert_non_null(root);
    root->index = -1;
    for (int i = 0; i < l->n; i++)
        tree_add(root, l->key[i], l->text[i]);
    size_t len = 64 * 1024;
    char *out = calloc(1, len);
    assert_non_null(out);
    tree_print(root, out, len);
    assert_true(strlen(out) < len - 1);
    tree_free(root);
    return out;
}

/* ---- what the file wrote against the description ------------------------ */

/* Do two value texts mean the same: numbers of one dimension within
 * 1e-9 (relative), or the same words. "60 m/min" = "1 m/s". */
static bool same_scalar(const char *a, const char *b)
{
    /* a mass per Ah (process_keys.h): the mass without "/Ah" */
    size_t la = strlen(a), lb = strlen(b);
    if (la > 3 && lb > 3 && strcmp(a + la - 3, "/Ah") == 0 && strcmp(b + lb - 3, "/Ah") == 0) {
        char ma[TEXT_MAX], mb[TEXT_MAX];
        snprintf(ma, sizeof ma, "%.*s", (int)(la - 3), a);
        snprintf(mb, sizeof mb, "%.*s", (int)(lb - 3), b);
        return same_scalar(ma, mb);
    }
    for (int d = 0; d < CT_DIM__COUNT; d++) {
        double x, y;
        char why[256];
        if (ct_quantity_parse(a, (ct_dim)d, false, &x, why, sizeof why) == CT_OK &&
            ct_quantity_parse(b, (ct_dim)d, false, &y, why, sizeof why) == CT_OK)
            return fabs(x - y) <= 1e-9 * fmax(fabs(x), fabs(y));
    }
    return strcmp(a, b) == 0 || (strcmp(a, "NMP") == 0 && strcmp(b, "nmp") == 0);
}

/* A flow list of scalars "[148 Ah, null]" against the file's sequence. */
static bool same_list(struct fy_node *seq, const char *text)
{
    char buf[TEXT_MAX];
    snprintf(buf, sizeof buf, "%s", text);
    size_t len = strlen(buf);
    if (len < 2 || buf[0] != '[' || buf[len - 1] != ']')
        return false;
    buf[len - 1] = '\0';
    void *it = NULL;
    struct fy_node *item;
    char *save = NULL, *part = strtok_r(buf + 1, ",", &save);
    while ((item = fy_node_sequence_iterate(seq, &it)) != NULL) {
        if (!part)
            return false;
        while (*part == ' ')
            part++;
        const char *s = fy_node_get_scalar0(item);
        bool file_null = !s || !*s || strcmp(s, "null") == 0 || strcmp(s, "~") == 0;
        if (file_null ? strcmp(part, "null") != 0 : !same_scalar(s, part))
            return false;
        part = strtok_r(NULL, ",", &save);
    }
    return part == NULL;
}

/* Every leaf the file wrote under the station's `process:` is in the
 * description with the same value: written keys are used as written. */
static void check_written(const char *station, struct fy_node *node, const char *prefix,
                          const param_list *l)
{
    enum fy_node_type type = fy_node_get_type(node);
    if (type == FYNT_MAPPING) {
        void *it = NULL;
        struct fy_node_pair *pair;
        while ((pair = fy_node_mapping_iterate(node, &it)) != NULL) {
            char key[TEXT_MAX];
            snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "",
                     fy_node_get_scalar0(fy_node_pair_key(pair)));
            check_written(station, fy_node_pair_value(pair), key, l);
        }
        return;
    }
    bool scalars = true;
    if (type == FYNT_SEQUENCE) {
        void *it = NULL;
        struct fy_node *item;
        int k = 0;
        while ((item = fy_node_sequence_iterate(node, &it)) != NULL)
            scalars = scalars && fy_node_get_type(item) == FYNT_SCALAR;
        it = NULL;
        while (!scalars && (item = fy_node_sequence_iterate(node, &it)) != NULL) {
            char key[TEXT_MAX];
            snprintf(key, sizeof key, "%s[%d]", prefix, k++);
            check_written(station, item, key, l);
        }
        if (!scalars)
            return;
    }
    for (int i = 0; i < l->n; i++) {
        if (strcmp(l->key[i], prefix) != 0)
            continue;
        bool same = type == FYNT_SEQUENCE ? same_list(node, l->text[i])
                                          : same_scalar(fy_node_get_scalar0(node), l->text[i]);
        if (!same)
            fail_msg("station %s: %s written as %s, described as %s", station, prefix,
                     type == FYNT_SEQUENCE ? "a list" : fy_node_get_scalar0(node), l->text[i]);
        return;
    }
    fail_msg("station %s: %s written in the file but not described", station, prefix);
}

/* ---- the round trip ------------------------------------------------------ */

static int kinds_seen[64];

static void round_trip(const char *path)
{
    ct_error err;
    ct_factory *f = NULL;
    if (ct_factory_load(path, &f, &err) != CT_OK)
        fail_msg("%s", err.msg);
    struct fy_document *doc = fy_document_build_from_file(NULL, path);
    assert_non_null(doc);
    struct fy_node *stations = fy_node_mapping_lookup_by_string(fy_document_root(doc), "stations",
                                                                -1);
    assert_non_null(stations);
    param_list *before = calloc((size_t)f->n_stations, sizeof *before);
    assert_non_null(before);
    int described = 0;
    for (int i = 0; i < f->n_stations; i++) {
        const cti_station *st = &f->stations[i];
        if (!st->kind)
            continue;
        for (int k = 0; cti_kind_at((size_t)k); k++)
            if (cti_kind_at((size_t)k) == st->kind)
                kinds_seen[k]++;
        describe(st, &before[i]);
        assert_true(before[i].n > 0);
        described++;
        /* the station's mapping in the file, found by name */
        struct fy_node *node = NULL;
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(stations, &it)) != NULL) {
            struct fy_node *name = fy_node_mapping_lookup_by_string(item, "name", -1);
            const char *s = name ? fy_node_get_scalar0(name) : NULL;
            if (s && strcmp(s, st->name) == 0)
                node = item;
        }
        assert_non_null(node);
        char *flow = as_flow_mapping(&before[i]);
        /* the document keeps the text: it is handed over */
        struct fy_node *process = fy_node_build_from_malloc_string(doc, flow, FY_NT);
        if (!process)
            fail_msg("%s: station %s: the description is no YAML", path, st->name);
        struct fy_node_pair *pair = fy_node_mapping_lookup_pair_by_string(node, "process", -1);
        if (pair && fy_node_pair_value(pair))
            check_written(st->name, fy_node_pair_value(pair), "", &before[i]);
        if (pair) {
            assert_int_equal(fy_node_pair_set_value(pair, process), 0);
        } else {
            struct fy_node *key = fy_node_build_from_string(doc, "process", FY_NT);
            assert_int_equal(fy_node_mapping_append(node, key, process), 0);
        }
    }
    assert_true(described > 0);
    char *text = fy_emit_document_to_string(doc, FYECF_MODE_BLOCK);
    assert_non_null(text);
    ct_factory *g = NULL;
    if (ct_factory_load_string(text, path, &g, &err) != CT_OK) {
        FILE *fp = fopen("kind_describe_failed.yaml", "w");
        if (fp) {
            fputs(text, fp);
            fclose(fp);
        }
        fail_msg("%s with every station's described parameters as its process: %s", path,
                 err.msg);
    }
    assert_int_equal(g->n_stations, f->n_stations);
    for (int i = 0; i < f->n_stations; i++) {
        if (!f->stations[i].kind)
            continue;
        param_list after;
        describe(&g->stations[i], &after);
        for (int k = 0; k < before[i].n || k < after.n; k++) {
            const char *kb = k < before[i].n ? before[i].key[k] : "(none)";
            const char *ka = k < after.n ? after.key[k] : "(none)";
            const char *tb = k < before[i].n ? before[i].text[k] : "";
            const char *ta = k < after.n ? after.text[k] : "";
            if (strcmp(kb, ka) != 0 || strcmp(tb, ta) != 0)
                fail_msg("%s: station %s: %s = %s before, %s = %s after the round trip", path,
                         f->stations[i].name, kb, tb, ka, ta);
        }
    }
    free(text);
    free(before);
    fy_document_destroy(doc);
    ct_factory_destroy(g);
    ct_factory_destroy(f);
}

/* The example factories: together they have a station of every kind. */
static void test_round_trip_examples(void **state)
{
    (void)state;
    static const char *const examples[] = { "prismatic-lfp.yaml", "prismatic-lfp-dry.yaml",
                                            "prismatic-nmc-siox-prelith.yaml", "solid-state.yaml" };
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/examples/%s", CT_SOURCE_DIR, examples[i]);
        round_trip(path);
    }
}

/* The branches the examples do not take: a coater with its own polarity
 * and solid content (no mixer upstream) and a calender after it; a
 * notcher whose compaction is written (else it lists none); a calender
 * with its own polarity after a coater without a kind, and a slitter. */
/* A material and a mixer without a kind making slurry batches. */
#define VARIANT_HEAD(name)                                                  \
    "name: " name "\n"                                                      \
    "materials:\n"                                                          \
    "  - {name: am, price: 20 usd/kg, lot: 5000 kg, active: true}\n"        \
    "stations:\n"                                                           \
    "  - {name: mix, consumes: [{material: am, amount: 1000 kg}], makes: batch, process_time: 1 h}\n"

static const char own_slurry[] =
    VARIANT_HEAD("variants-own-slurry")
    "  - name: coat\n"
    "    kind: coater\n"
    "    process: {coil_length: 1000 m, loading: 10 mg/cm2, solid_content: 50 %, polarity: anode,\n"
    "              lanes: 1, width: 500 mm, lane_width: 500 mm, correction_cleans: false}\n"
    "    process_time: 0\n"
    "  - {name: cal, kind: calender, process_time: 0}\n"
    "  - name: notch\n"
    "    kind: notcher\n"
    "    process: {compaction: 30 %, electrode: anode, polarization: transverse}\n"
    "    process_time: 0\n";

static const char kindless_coater[] =
    VARIANT_HEAD("variants-kindless-coater")
    "  - {name: coat, consumes: [{input: in, amount: 1000 kg}], makes: coil, quantity: 2000 m,\n"
    "     process_time: 2000}\n"
    "  - {name: cal, kind: calender, process: {polarity: anode}, process_time: 0}\n"
    "  - {name: slit, kind: slitter, splits: 2, process_time: 0}\n";

static void round_trip_text(const char *text)
{
    char path[] = "/tmp/ct_describe_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    round_trip(path);
    remove(path);
}

static void test_round_trip_variants(void **state)
{
    (void)state;
    round_trip_text(own_slurry);
    round_trip_text(kindless_coater);
}

/* Runs after the round trips: every registered kind has a describe, and
 * the example factories gave every kind at least one station to check. */
static void test_every_kind_described(void **state)
{
    (void)state;
    int n = 0;
    for (size_t k = 0; cti_kind_at(k); k++, n++) {
        const cti_kind *kind = cti_kind_at(k);
        if (!kind->describe)
            fail_msg("kind %s has no describe", kind->name);
        if (kinds_seen[k] == 0)
            fail_msg("kind %s: no station of the example factories checked its round trip",
                     kind->name);
    }
    assert_int_equal(n, 20);   /* kinds.c registers 20 kinds */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_examples),
        cmocka_unit_test(test_round_trip_variants),
        cmocka_unit_test(test_every_kind_described),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
