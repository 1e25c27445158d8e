/*
 * yaml_util.h - the table-driven YAML reading that celltwin's file loaders
 * share: read a file with a size bound, parse it with libfyaml into one
 * document, walk each mapping with a table of keys (one handler per key,
 * unknown keys refused), read scalars as integers, booleans and quantities
 * with units, and report every mistake as "FILE:LINE:COL: KEY: what was
 * expected". Factored out of the factory loader (factory_load.c) so that
 * the cell-design loader (cell_design.c) reads its file the same way.
 */
#ifndef CELLTWIN_MODEL_YAML_UTIL_H
#define CELLTWIN_MODEL_YAML_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libfyaml.h>

#include "celltwin/status.h"
#include "celltwin/units.h"

/* Bigger files are refused rather than read: these files are a few kB,
 * and a bound keeps a wrong path (a log, a device) from eating memory. */
#define CTI_YAML_MAX_BYTES (16L * 1024 * 1024)
#define CTI_YAML_PATH_MAX 256   /* "cathode.blend[3].specific_capacity" and the like */
#define CTI_YAML_MAX_KEYS 32    /* keys of the largest table, with room to grow */

/* Where something was written, 1-based; line 0 = nowhere (an absent key). */
typedef struct cti_yaml_loc {
    int line, col;
} cti_yaml_loc;

/* One load: the name used in messages, where the error goes, and the
 * loader's own state for handlers that need more than their object. */
typedef struct cti_yaml_ctx {
    const char *file;
    ct_error *err;
    void *user;
} cti_yaml_ctx;

/* A value being read: its node (NULL for `key:` with nothing after it), its
 * key path for messages ("cathode.loading") and its position. */
typedef struct cti_yaml_value {
    struct fy_node *node;
    const char *path;
    cti_yaml_loc loc;
} cti_yaml_value;

typedef ct_status (*cti_yaml_key_fn)(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj);

/* One key of a mapping. expect says what the value should be; it is shown
 * when a required key is missing. */
typedef struct cti_yaml_key {
    const char *key;
    bool required;
    const char *expect;
    cti_yaml_key_fn handle;
} cti_yaml_key;

/* What cti_yaml_walk_mapping saw: where the mapping is and where each key's
 * value is (line 0 = key absent), for checks that involve several keys. */
typedef struct cti_yaml_walk {
    const cti_yaml_key *keys;
    size_t n_keys;
    cti_yaml_loc map_loc;
    cti_yaml_loc at[CTI_YAML_MAX_KEYS];
} cti_yaml_walk;

#define CTI_YAML_N_KEYS(table) (sizeof(table) / sizeof((table)[0]))

/* Range checks for cti_yaml_get_quantity. */
typedef enum cti_yaml_range {
    CTI_YAML_ANY,          /* any finite value */
    CTI_YAML_POSITIVE,     /* > 0 */
    CTI_YAML_NONNEGATIVE,  /* >= 0 */
    CTI_YAML_FRACTION,     /* (0, 1]: a share that cannot be zero */
    CTI_YAML_UNIT,         /* [0, 1] */
    CTI_YAML_BELOW_ONE     /* [0, 1) */
} cti_yaml_range;

/* ---- messages: each sets y->err to CT_ERR_PARSE (NOMEM) and returns it ---- */

/* "FILE:LINE:COL: PATH: " followed by the printf-style text. */
ct_status cti_yaml_fail(cti_yaml_ctx *y, cti_yaml_loc loc, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* "...: PATH: expected EXPECT, got WHAT-V-IS". */
ct_status cti_yaml_fail_expected(cti_yaml_ctx *y, const cti_yaml_value *v, const char *expect);

ct_status cti_yaml_fail_nomem(cti_yaml_ctx *y);

/* ---- nodes ---- */

/* True for YAML's null: `key:` with nothing, `~`, `null`. Quoted text is
 * never null. */
bool cti_yaml_is_null(struct fy_node *n);

/* What a value is, for "got ..." in messages: "nothing", "a mapping",
 * "a list" or the quoted text (cut at 60 characters). May return buf. */
const char *cti_yaml_describe(const cti_yaml_value *v, char *buf, size_t len);

/* Position of node n, or fallback when it has none (a null). */
cti_yaml_loc cti_yaml_node_loc(struct fy_node *n, cti_yaml_loc fallback);

/* out = "path.key" (or "key" at the top level). */
void cti_yaml_join_key(char *out, size_t len, const char *path, const char *key);

/* Reads mapping v with the keys of table keys, calling each key's handler
 * with obj, then reports the first required key that is missing. Unknown
 * and non-scalar keys are errors that list the valid keys. w records where
 * each key was. */
ct_status cti_yaml_walk_mapping(cti_yaml_ctx *y, const cti_yaml_value *v,
                                const cti_yaml_key *keys, size_t n_keys, void *obj,
                                cti_yaml_walk *w);

/* Where key's value was, or NULL when the key was absent. key must be in
 * the walked table. */
const cti_yaml_loc *cti_yaml_seen(const cti_yaml_walk *w, const char *key);

/* ---- scalars ---- */

/* The text of a non-null scalar, or NULL. Borrowed from the document. */
const char *cti_yaml_scalar(const cti_yaml_value *v);

/* Strict decimal integer: optional sign and digits, nothing else. */
bool cti_yaml_parse_int(const char *s, long long *out);

/* A strict decimal integer in [min, max]; else "expected EXPECT". */
ct_status cti_yaml_get_int(cti_yaml_ctx *y, const cti_yaml_value *v, long long min,
                           long long max, const char *expect, long long *out);

ct_status cti_yaml_get_bool(cti_yaml_ctx *y, const cti_yaml_value *v, bool *out);

/* A random seed: a decimal integer between 0 and 2^64 - 1 (`run: seed`,
 * a sweep's seeds); else "expected an integer seed between ...". */
ct_status cti_yaml_get_seed(cti_yaml_ctx *y, const cti_yaml_value *v, uint64_t *out);

/* A quantity of dimension dim in base units (units.h), e.g. "20 mg/cm2" ->
 * 0.2 kg/m2. With require_unit a bare number is refused ("expected a unit,
 * such as ..."). A value outside range is refused with the range in the
 * message ("expected an areal mass > 0 such as \"20 mg/cm2\", got ..."). */
ct_status cti_yaml_get_quantity(cti_yaml_ctx *y, const cti_yaml_value *v, ct_dim dim,
                                bool require_unit, cti_yaml_range range, double *out);

/* As cti_yaml_get_quantity, with two more choices. With is_difference the
 * value is a difference of two quantities (a tolerance, a standard
 * deviation): only the unit's scale applies, not its offset, so "2 K" is 2,
 * not -271.15. expect, when not NULL, replaces the generated "expected ..."
 * text shown for a missing or out-of-range value ("a duration > 0 such as
 * \"30 d\""); a value that does not parse still gets the units parser's
 * message. */
ct_status cti_yaml_get_quantity_ex(cti_yaml_ctx *y, const cti_yaml_value *v, ct_dim dim,
                                   bool require_unit, bool is_difference, cti_yaml_range range,
                                   const char *expect, double *out);

/* ---- lists ---- */

/* The item count of list v, which must have 1 to max items: else "expected
 * EXPECT, got ..." (not a list, or empty) or "expected at most MAX NOUN, got
 * N" (NOUN: "stations"). */
ct_status cti_yaml_get_list(cti_yaml_ctx *y, const cti_yaml_value *v, int max,
                            const char *expect, const char *noun, int *n);

typedef ct_status (*cti_yaml_item_fn)(cti_yaml_ctx *y, const cti_yaml_value *item, int i,
                                      void *obj);

/* Calls fn for each item of list v (checked by cti_yaml_get_list), in
 * order, with the item's path "PATH[i]" and position; stops at the first
 * error. */
ct_status cti_yaml_walk_list(cti_yaml_ctx *y, const cti_yaml_value *v, cti_yaml_item_fn fn,
                             void *obj);

/* ---- files and documents ---- */

/* Reads all of path into a new NUL-terminated buffer (caller frees *text).
 * CT_ERR_IO with "PATH: cannot open: ..." or "cannot read: ..." when the
 * file cannot be read or is larger than CTI_YAML_MAX_BYTES. */
ct_status cti_yaml_read_file(const char *path, char **text, size_t *len, ct_error *err);

/* A parsed document. Declare it, pass it to cti_yaml_open, and always
 * cti_yaml_close it (also after a failed open). */
typedef struct cti_yaml_doc {
    struct fy_diag *diag;
    struct fy_parser *parser;
    struct fy_document *doc, *extra;
    struct fy_node *root;     /* the top-level mapping after a successful open */
    cti_yaml_loc root_loc;
    char last_diag[256];      /* libfyaml's last message, for errors without a position */
} cti_yaml_doc;

/* Parses text[0..len) (which must outlive doc) as exactly one YAML document
 * whose top level is a mapping. Aliases and merge keys are resolved.
 * Syntax errors become "FILE:LINE:COL: syntax error: ..."; an empty file or
 * a top level that is not a mapping "FILE:1:1: top level: expected
 * TOP_EXPECT, got ...". */
ct_status cti_yaml_open(cti_yaml_ctx *y, const char *text, size_t len, const char *top_expect,
                        cti_yaml_doc *doc);

void cti_yaml_close(cti_yaml_doc *doc);

#endif
