/*
 * coil_slots.h - the per-server slots of the coating kinds (the coater of
 * kinds_electrode.c, the dry coater of kinds_dry.c): each server's coil in
 * process and what the kind keeps for it from job start to job end (its
 * defect spans, its dies), found again by the coil's material id.
 */
#ifndef CELLTWIN_MODEL_COIL_SLOTS_H
#define CELLTWIN_MODEL_COIL_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "model/kind.h"

/* n slots of size bytes each; every slot type starts with a uint32_t, the
 * material id of its coil (0 = free). */
typedef struct cti_coil_slots {
    int n;
    size_t size;
    unsigned char *at;
} cti_coil_slots;

/* A kind's state (kind.h) of state_size bytes, zeroed, whose first member
 * is a cti_coil_slots, with one slot of slot_size bytes per server; NULL
 * when out of memory. */
void *cti_coil_state_create(size_t state_size, int servers, size_t slot_size);

/* Frees such a state and its slots (NULL is fine). */
void cti_coil_state_destroy(void *state);

/* At the start of a job of a kind whose state is such a state: the coil
 * the job makes (its material 0) in *m and a free slot, now holding that
 * coil. NULL when the job has no coil, or (a broken contract: one slot per
 * server) no slot is free. */
void *cti_coil_slot_take(const cti_job *job, cti_material **m);

/* At the end of such a job: its coil in *m and the slot it took (give it
 * back by setting the slot's coil to 0). NULL when the job has no coil,
 * or (a broken contract) the coil has no slot. */
void *cti_coil_slot_of(const cti_job *job, cti_material **m);

/* Slot i, 0 <= i < s->n. */
void *cti_coil_slot_at(const cti_coil_slots *s, int i);

/* The first slot holding coil (0: the first free slot), or NULL. */
void *cti_coil_slot_find(const cti_coil_slots *s, uint32_t coil);

#endif
