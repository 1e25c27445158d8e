/*
 * kinds_electrode.h - the station kinds of electrode making (internal):
 * `mixer`, `coater`, `calender` and `slitter`, which glue the process
 * models of electrode.h into the line (kind.h). Their `process:` keys are
 * documented in docs/kinds-electrode.md. kinds.c registers the tables.
 */
#ifndef CELLTWIN_MODEL_KINDS_ELECTRODE_H
#define CELLTWIN_MODEL_KINDS_ELECTRODE_H

#include <stdint.h>

#include "model/kind.h"

extern const cti_kind cti_kind_mixer;
extern const cti_kind cti_kind_coater;
extern const cti_kind cti_kind_calender;
extern const cti_kind cti_kind_slitter;

/* What a coater did in one replication, whole run (warm-up included: the
 * die and the dryer do not know about statistics). */
typedef struct cti_coater_totals {
    uint64_t coils;              /* coils started */
    uint64_t defects;            /* agglomerate defects started (all sides) */
    uint64_t cleanings;          /* scheduled die cleanings */
    uint64_t cracked;            /* coil sides dried above the crack rate */
    double scrap_m;              /* metres cut out for coating defects */
    double drying_energy_wh;     /* dryer energy, all sides (electrode.h) */
    double solvent_evaporated_kg;
} cti_coater_totals;

/* Copies the totals of a coater's per-replication state (the line's
 * station kind_state of a station of kind coater; borrowed) into *out. */
void cti_coater_totals_get(const void *kind_state, cti_coater_totals *out);

#endif
