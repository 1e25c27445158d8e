/*
 * process_keys.h - reading a station kind's `process:` mapping with a table
 * of keys (internal): each key a quantity of a dimension, a whole number,
 * a flag, a choice of words or a mass per Ah, stored at an offset of the
 * kind's parameter block; a model's range-check message reported at the
 * key that set the value (FILE:LINE:COL: stations[3].process.speed: ...).
 * Used by the assembly kinds (kinds_assembly.c) and the technology
 * variants (kinds_dry.c, kinds_prelithiation.c).
 */
#ifndef CELLTWIN_MODEL_PROCESS_KEYS_H
#define CELLTWIN_MODEL_PROCESS_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "celltwin/status.h"
#include "celltwin/units.h"
#include "model/factory_internal.h"
#include "model/kind.h"
#include "model/yaml_util.h"

typedef enum cti_pk_type {
    CTI_PK_K_QTY,      /* a quantity of dim (units required unless dimensionless) */
    CTI_PK_K_INT,      /* a whole number */
    CTI_PK_K_BOOL,
    CTI_PK_K_CHOICE,   /* one of words; the value is its index */
    CTI_PK_K_PER_AH    /* a mass per ampere-hour, "1.6 g/Ah", in kg/Ah */
} cti_pk_type;

#define CTI_PK_NOFF ((size_t)-1)

/* One key of a kind's `process:` mapping. field is the name the model's
 * check uses for the value ("speed" in "notching.speed: ..."), so that a
 * range error is reported at the key that set it. */
typedef struct cti_pkey {
    const char *key;
    const char *field;            /* NULL: the same as key */
    cti_pk_type type;
    ct_dim dim;                   /* CTI_PK_K_QTY */
    cti_yaml_range range;         /* CTI_PK_K_QTY */
    const char *const *words;     /* CTI_PK_K_CHOICE, NULL-terminated */
    size_t offset;                /* where the value goes in the kind's block, or NOFF
                                   * when the kind reads it itself */
    bool required;
    const char *expect;           /* shown for a missing required key */
} cti_pkey;

#define CTI_PK_QTY(k, f, d, r, off) { k, f, CTI_PK_K_QTY, d, r, NULL, off, false, NULL }
#define CTI_PK_INT(k, off) { k, NULL, CTI_PK_K_INT, CT_DIM_NONE, CTI_YAML_ANY, NULL, off, false, NULL }
#define CTI_PK_BOOL(k, off) { k, NULL, CTI_PK_K_BOOL, CT_DIM_NONE, CTI_YAML_ANY, NULL, off, false, NULL }
#define CTI_PK_CHOICE(k, w, req, exp) { k, NULL, CTI_PK_K_CHOICE, CT_DIM_NONE, CTI_YAML_ANY, w, CTI_PK_NOFF, req, exp }

/* What was read: values by key index, and where each was written. */
typedef struct cti_preader {
    const cti_pkey *keys;
    size_t n;
    const cti_yaml_value *process;
    double val[CTI_YAML_MAX_KEYS];
    cti_yaml_loc at[CTI_YAML_MAX_KEYS];   /* line 0: not written */
} cti_preader;

/* True when key was written; its value in *val (if not NULL). */
bool cti_pk_written(const cti_preader *r, const char *key, double *val);

/* Reads the `process:` mapping v (absent or empty: every key takes its
 * default, unless one is required) with the keys of table keys. */
ct_status cti_pk_read(cti_yaml_ctx *y, const cti_yaml_value *v, const cti_pkey *keys, size_t n,
                              cti_preader *r);

/* Stores the written values of keys with an offset into block. */
void cti_pk_apply(const cti_preader *r, void *block);

/* A model's check message ("notching.speed: 90 m/min is above ...") placed
 * at the key whose field it names, or at `process:`. */
ct_status cti_pk_report(cti_yaml_ctx *y, const cti_preader *r, const ct_error *e);

/* "stations[3]" from the process path "stations[3].process". */
void cti_pk_station_path(const cti_yaml_value *v, char *out, size_t len);

/* A mistake in the station's own keys (consumes, makes), given the kind. */
ct_status cti_pk_fail_station(cti_yaml_ctx *y, const cti_yaml_value *v, cti_loc loc,
                              const char *key, const char *what);

/* For kinds that work on the units arriving and pass them on: fails when
 * the station has consumes. */
ct_status cti_pk_not_converter(cti_yaml_ctx *y, const cti_yaml_value *v, const cti_station *st,
                               const char *kind);

/* calloc of a parameter block into *params; NULL (and the error set) when
 * out of memory. */
void *cti_pk_new_params(cti_yaml_ctx *y, size_t size, void **params);

/* ---- describing the effective parameters (kind.h describe) ---- */

/* Emits key = x, a quantity of dim in base units, as text the key's
 * reader takes back: "%.10g <base unit>" ("0.5 m/s", "45 C"; a bare
 * number when dimensionless). A temperature difference (difference) is
 * written in K, which a difference reads as kelvin steps. prefix ("" or
 * "qualified.") goes before key. */
void cti_pk_emit_qty(cti_param_emit emit, void *ctx, const char *prefix, const char *key,
                     double x, ct_dim dim, bool difference);

/* Emits key = a whole number, "true"/"false", or a word. */
void cti_pk_emit_int(cti_param_emit emit, void *ctx, const char *prefix, const char *key, long x);
void cti_pk_emit_bool(cti_param_emit emit, void *ctx, const char *prefix, const char *key, bool x);
void cti_pk_emit_word(cti_param_emit emit, void *ctx, const char *prefix, const char *key,
                      const char *word);

/* Emits every key of table keys stored at an offset of block (quantities,
 * whole numbers, flags, masses per Ah) with the value in block, in table
 * order; keys named in skip (NULL-terminated, or NULL) and keys without an
 * offset or of a choice are left to the kind. */
void cti_pk_describe(const cti_pkey *keys, size_t n, const void *block,
                     const char *const *skip, cti_param_emit emit, void *ctx);

/* Emits the word of a choice key: words[index]. */
void cti_pk_emit_choice(cti_param_emit emit, void *ctx, const cti_pkey *keys, size_t n,
                        const char *key, int index);

/* Runs a check that reports through a ct_error (a model's *_check or
 * cti_check_range, cti_pk_written with &e_, the error this macro declares) and
 * turns a failure into a located message. */
#define CTI_PK_CHECKED(y, r, expr)                                                                       \
    do {                                                                                          \
        ct_error e_;                                                                              \
        ct_error_clear(&e_);                                                                      \
        if ((expr) != CT_OK)                                                                      \
            return cti_pk_report((y), (r), &e_);                                                         \
    } while (0)

#endif
