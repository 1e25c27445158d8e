/*
 * coil_slots.c - the per-server coil slots of the coating kinds
 * (coil_slots.h).
 */
#include "model/coil_slots.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One zeroed (free) slot per server (at least one) of slot_size bytes;
 * false when out of memory. */
static bool slots_init(cti_coil_slots *s, int servers, size_t slot_size)
{
    assert(slot_size >= sizeof(uint32_t));
    s->n = servers > 0 ? servers : 1;
    s->size = slot_size;
    s->at = calloc((size_t)s->n, slot_size);
    return s->at != NULL;
}

static void slots_free(cti_coil_slots *s)
{
    free(s->at);
    s->at = NULL;
    s->n = 0;
}

void *cti_coil_state_create(size_t state_size, int servers, size_t slot_size)
{
    assert(state_size >= sizeof(cti_coil_slots));
    cti_coil_slots *s = calloc(1, state_size);
    if (!s)
        return NULL;
    if (!slots_init(s, servers, slot_size)) {
        free(s);
        return NULL;
    }
    return s;
}

void cti_coil_state_destroy(void *state)
{
    if (state)
        slots_free(state);
    free(state);
}

void *cti_coil_slot_take(const cti_job *job, cti_material **m)
{
    *m = cti_job_material(job, 0);
    if (!*m)
        return NULL;
    void *slot = cti_coil_slot_find(job->state, 0);
    assert(slot && "more coating jobs than servers");
    if (slot)
        memcpy(slot, &(*m)->id, sizeof(uint32_t));
    return slot;
}

void *cti_coil_slot_of(const cti_job *job, cti_material **m)
{
    *m = cti_job_material(job, 0);
    if (!*m)
        return NULL;
    void *slot = cti_coil_slot_find(job->state, (*m)->id);
    assert(slot && "a coating job ended that did not start");
    return slot;
}

void *cti_coil_slot_at(const cti_coil_slots *s, int i)
{
    assert(i >= 0 && i < s->n);
    return s->at + (size_t)i * s->size;
}

void *cti_coil_slot_find(const cti_coil_slots *s, uint32_t coil)
{
    for (int i = 0; i < s->n; i++) {
        unsigned char *slot = s->at + (size_t)i * s->size;
        uint32_t id;
        memcpy(&id, slot, sizeof id);
        if (id == coil)
            return slot;
    }
    return NULL;
}
