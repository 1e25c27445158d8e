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

/* For the dry-electrode kinds (kinds_dry.c), which make powder batches
 * and films the same way: */

/* The consumes of a mixer station against its recipe (every entry a
 * material in recipe order active, conductive, binder[, solvent], each
 * batch_mass x solid_content x fraction); sets st->makes_quantity to the
 * batch mass. v is the station's `process:` value. A solid content of 1
 * (a dry powder) has no solvent entry. Errors through cti_yaml_fail. */
struct cti_recipe;
struct cti_mix_params;
ct_status cti_mixer_check_consumes(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                                   const struct cti_recipe *rec, const struct cti_mix_params *m);

/* Once materials are resolved: the first entry is an active material,
 * the others are not. process_path is the station's `process:` path. */
ct_status cti_mixer_check_active(cti_yaml_ctx *y, const cti_station *st, const ct_factory *f,
                                 const char *process_path, const struct cti_recipe *rec,
                                 const struct cti_mix_params *mix);

/* Refuses an input buffer at station st (path sp) too small for a coil of
 * per_coil_kg from batches of batch_kg (the line would stop). */
ct_status cti_coater_check_buffer(cti_yaml_ctx *y, const cti_station *st, const char *sp,
                                  double per_coil_kg, double batch_kg);

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
