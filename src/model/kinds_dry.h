/*
 * kinds_dry.h - the station kinds of solvent-free electrode making
 * (internal): `dry_mixer` and `dry_coater`, which glue the models of
 * dry_electrode.h into the line (kind.h). Their `process:` keys are
 * documented in docs/kinds-electrode.md ("Dry coating"); kinds.c
 * registers the tables.
 */
#ifndef CELLTWIN_MODEL_KINDS_DRY_H
#define CELLTWIN_MODEL_KINDS_DRY_H

#include <stdint.h>

#include "model/kind.h"

extern const cti_kind cti_kind_dry_mixer;
extern const cti_kind cti_kind_dry_coater;

/* What a dry coater did in one replication, whole run. */
typedef struct cti_dry_coater_totals {
    uint64_t coils, breaks, delaminations;
    double energy_wh;            /* roll heating (dry_electrode.h) */
} cti_dry_coater_totals;

/* The recipe and lanes of a checked dry coater (its station's kind_params,
 * after cti_kind_dry_coater.check), for the calender and slitter
 * downstream. */
struct cti_recipe;
void cti_dry_coater_info(const void *kind_params, struct cti_recipe *recipe, unsigned *lanes);

/* Copies the totals of a dry coater's per-replication state (borrowed). */
void cti_dry_coater_totals_get(const void *kind_state, cti_dry_coater_totals *out);

#endif
