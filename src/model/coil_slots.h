/*
 * coil_slots.h - the per-server slots of the coating kinds (the coater of
 * kinds_electrode.c, the dry coater of kinds_dry.c): each server's coil in
 * process and what the kind keeps for it from job start to job end (its
 * defect spans, its dies), found again by the coil's material id.
 */
#ifndef CELLTWIN_MODEL_COIL_SLOTS_H
#define CELLTWIN_MODEL_COIL_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n slots of size bytes each; every slot type starts with a uint32_t, the
 * material id of its coil (0 = free). */
typedef struct cti_coil_slots {
    int n;
    size_t size;
    unsigned char *at;
} cti_coil_slots;

/* One zeroed (free) slot per server (at least one) of slot_size bytes;
 * false when out of memory. */
bool cti_coil_slots_init(cti_coil_slots *s, int servers, size_t slot_size);

void cti_coil_slots_free(cti_coil_slots *s);

/* Slot i, 0 <= i < s->n. */
void *cti_coil_slot_at(const cti_coil_slots *s, int i);

/* The first slot holding coil (0: the first free slot), or NULL. */
void *cti_coil_slot_find(const cti_coil_slots *s, uint32_t coil);

#endif
