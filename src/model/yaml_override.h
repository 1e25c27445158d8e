/*
 * yaml_override.h - editing a YAML document tree (internal), for sweeps:
 * address a value by a parameter path such as `stations.oven.failures.mtbf`
 * or `stations[2].buffer`, replace it with another scalar, and emit the
 * tree as YAML text again. Parsing, positions and messages come from
 * yaml_util.h.
 */
#ifndef CELLTWIN_MODEL_YAML_OVERRIDE_H
#define CELLTWIN_MODEL_YAML_OVERRIDE_H

#include <stdbool.h>
#include <stddef.h>

#include <libfyaml.h>

#include "model/yaml_util.h"

#define CTI_YAML_DEPTH_MAX 16   /* stations[i].next[j].p is 5 steps deep */
#define CTI_YAML_KEY_MAX 64     /* a station name is at most 63 characters */

/* One step of a resolved path: a mapping key or a list index. */
typedef struct cti_yaml_step {
    int index;                  /* >= 0: list index; -1: key */
    char key[CTI_YAML_KEY_MAX];
} cti_yaml_step;

/* A path resolved against one document, replayable on a clone of it. */
typedef struct cti_yaml_path {
    cti_yaml_step steps[CTI_YAML_DEPTH_MAX];
    int n;
    /* The loader's spelling, "stations[2].failures.mtbf", to match its
     * messages to the parameter. */
    char canonical[CTI_YAML_PATH_MAX];
    bool created;               /* the last key was absent and was added */
} cti_yaml_path;

/* Resolves text (a parameter path) in doc. List items are addressed by
 * [index] or by their `name:` (names may contain dots: the longest name
 * that fits wins). A last key that is absent is added with a null value,
 * as is a missing mapping on the way, so that a key the file leaves at its
 * default can be set. On failure returns false and writes why (without a
 * position). */
bool cti_yaml_path_resolve(struct fy_document *doc, const char *text, cti_yaml_path *out,
                           char *why, size_t whylen);

/* Replaces the value at p (resolved on doc or on a document doc was
 * cloned from) by a scalar holding text. False when out of memory or when
 * p does not fit doc. */
bool cti_yaml_path_set(struct fy_document *doc, const cti_yaml_path *p, const char *text);

/* The document as block-style YAML. Caller frees with free(); NULL when
 * out of memory. */
char *cti_yaml_emit(struct fy_document *doc);

#endif
