/*
 * coil_slots.c - the per-server coil slots of the coating kinds
 * (coil_slots.h).
 */
#include "model/coil_slots.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

bool cti_coil_slots_init(cti_coil_slots *s, int servers, size_t slot_size)
{
    assert(slot_size >= sizeof(uint32_t));
    s->n = servers > 0 ? servers : 1;
    s->size = slot_size;
    s->at = calloc((size_t)s->n, slot_size);
    return s->at != NULL;
}

void cti_coil_slots_free(cti_coil_slots *s)
{
    free(s->at);
    s->at = NULL;
    s->n = 0;
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
