/*
 * sim.c - the event queue and clock of the discrete-event engine.
 *
 * Pending events live in a pool of records (struct ev_rec) that grows by
 * doubling and is recycled through a free list, so memory follows the
 * number of pending events, not the number ever scheduled. The queue is an
 * array binary heap of (time, key, slot) entries kept apart from the
 * records so sifting touches 24-byte entries only. key packs the priority
 * (high 16 bits, inverted so larger priority sorts first) and a 48-bit
 * insertion sequence (FIFO among equals). A handle is (generation << 32 |
 * slot + 1): the record's heap position makes cancel and reschedule
 * O(log n), and the generation detects stale handles.
 */
#include "celltwin/sim.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_BITS 48
#define SEQ_MASK ((UINT64_C(1) << SEQ_BITS) - 1)
#define NOT_IN_HEAP UINT32_MAX
#define SLOT_MAX (UINT32_MAX - 1)

typedef struct ev_rec {
    ct_event_fn fn;
    void *ctx;
    uint64_t arg;
    uint32_t heap_pos;  /* index in heap, or the next free slot when free */
    uint32_t gen;       /* bumped each time the record is freed */
} ev_rec;

typedef struct heap_ent {
    double t;
    uint64_t key;
    uint32_t slot;
} heap_ent;

struct ct_sim {
    double now;
    uint64_t seq;
    uint64_t events_run;
    uint64_t seed;
    bool stopped;

    heap_ent *heap;
    uint32_t n;          /* entries in heap */
    uint32_t heap_cap;

    ev_rec *recs;
    uint32_t rec_cap;
    uint32_t free_head;  /* first free record, NOT_IN_HEAP when none */
};

static inline bool ent_before(const heap_ent *a, const heap_ent *b)
{
    return a->t < b->t || (a->t == b->t && a->key < b->key);
}

static inline void heap_place(ct_sim *s, uint32_t i, heap_ent e)
{
    s->heap[i] = e;
    s->recs[e.slot].heap_pos = i;
}

static void sift_up(ct_sim *s, uint32_t i, heap_ent e)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!ent_before(&e, &s->heap[parent]))
            break;
        heap_place(s, i, s->heap[parent]);
        i = parent;
    }
    heap_place(s, i, e);
}

static void sift_down(ct_sim *s, uint32_t i, heap_ent e)
{
    uint32_t n = s->n;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && ent_before(&s->heap[child + 1], &s->heap[child]))
            child++;
        if (!ent_before(&s->heap[child], &e))
            break;
        heap_place(s, i, s->heap[child]);
        i = child;
    }
    heap_place(s, i, e);
}

/* Takes the entry at position i out of the heap. */
static void heap_remove(ct_sim *s, uint32_t i)
{
    heap_ent last = s->heap[--s->n];
    if (i == s->n)
        return;
    if (i > 0 && ent_before(&last, &s->heap[(i - 1) / 2]))
        sift_up(s, i, last);
    else
        sift_down(s, i, last);
}

static void rec_free(ct_sim *s, uint32_t slot)
{
    ev_rec *r = &s->recs[slot];
    r->gen++;
    if (r->gen == 0)
        r->gen = 1;
    r->heap_pos = s->free_head;
    s->free_head = slot;
}

static void grow_or_die(ct_sim *s)
{
    uint32_t cap = s->rec_cap ? s->rec_cap * 2 : 64;
    if (cap > SLOT_MAX || cap < s->rec_cap)
        ct_sim_fail(s, "event queue", "pending events < 2^32", __FILE__, __LINE__);
    ev_rec *recs = realloc(s->recs, (size_t)cap * sizeof *recs);
    heap_ent *heap = realloc(s->heap, (size_t)cap * sizeof *heap);
    if (!recs || !heap) {
        /* keep whichever block moved so destroy frees it */
        if (recs)
            s->recs = recs;
        if (heap)
            s->heap = heap;
        ct_sim_fail(s, "event queue", "memory for events", __FILE__, __LINE__);
    }
    s->recs = recs;
    s->heap = heap;
    for (uint32_t i = cap; i-- > s->rec_cap;) {
        recs[i].gen = 1;
        recs[i].heap_pos = s->free_head;
        s->free_head = i;
    }
    s->rec_cap = cap;
    s->heap_cap = cap;
}

ct_sim *ct_sim_create(uint64_t seed)
{
    ct_sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->seed = seed;
    s->free_head = NOT_IN_HEAP;
    return s;
}

void ct_sim_destroy(ct_sim *sim)
{
    if (!sim)
        return;
    free(sim->heap);
    free(sim->recs);
    free(sim);
}

double ct_sim_now(const ct_sim *sim) { return sim->now; }
const double *ct_sim_clock(const ct_sim *sim) { return &sim->now; }
uint64_t ct_sim_events_run(const ct_sim *sim) { return sim->events_run; }
size_t ct_sim_events_pending(const ct_sim *sim) { return sim->n; }
void ct_sim_stop(ct_sim *sim) { sim->stopped = true; }

static inline uint64_t make_key(ct_sim *s, int priority)
{
    /* one test for both contracts: priority in [-32767, 32767] and the
     * 48-bit sequence not exhausted */
    CT_SIM_ASSERT(s, "event queue", ((unsigned)(priority + 32767) <= 65534u) & (s->seq < SEQ_MASK));
    return ((uint64_t)(uint16_t)(32767 - priority) << SEQ_BITS) | s->seq++;
}

ct_event_id ct_sim_schedule_at(ct_sim *s, double t, int priority,
                               ct_event_fn fn, void *ctx, uint64_t arg)
{
    /* t >= now and finite, and an action to run */
    CT_SIM_ASSERT(s, "event queue", (t >= s->now) & (t < HUGE_VAL) & (fn != NULL));
    if (s->free_head == NOT_IN_HEAP)
        grow_or_die(s);
    uint32_t slot = s->free_head;
    ev_rec *r = &s->recs[slot];
    s->free_head = r->heap_pos;
    r->fn = fn;
    r->ctx = ctx;
    r->arg = arg;
    heap_ent e = {t, make_key(s, priority), slot};
    sift_up(s, s->n++, e);
    return ((uint64_t)r->gen << 32) | (slot + 1);
}

ct_event_id ct_sim_schedule(ct_sim *s, double delay, int priority,
                            ct_event_fn fn, void *ctx, uint64_t arg)
{
    CT_SIM_ASSERT(s, "event queue", delay >= 0.0);
    return ct_sim_schedule_at(s, s->now + delay, priority, fn, ctx, arg);
}

/* The record of a pending event, or NULL for a stale or invalid handle. */
static ev_rec *lookup(const ct_sim *s, ct_event_id id)
{
    uint32_t slot = (uint32_t)(id & 0xffffffffu);
    uint32_t gen = (uint32_t)(id >> 32);
    if (slot == 0 || slot > s->rec_cap)
        return NULL;
    ev_rec *r = &s->recs[slot - 1];
    if (r->gen != gen || r->heap_pos >= s->n || s->heap[r->heap_pos].slot != slot - 1)
        return NULL;
    return r;
}

bool ct_sim_cancel(ct_sim *s, ct_event_id id)
{
    ev_rec *r = lookup(s, id);
    if (!r)
        return false;
    uint32_t slot = s->heap[r->heap_pos].slot;
    heap_remove(s, r->heap_pos);
    rec_free(s, slot);
    return true;
}

bool ct_sim_reschedule(ct_sim *s, ct_event_id id, double t)
{
    ev_rec *r = lookup(s, id);
    if (!r)
        return false;
    CT_SIM_ASSERT(s, "event queue", t >= s->now && isfinite(t));
    uint32_t i = r->heap_pos;
    heap_ent e = s->heap[i];
    int priority = 32767 - (int)(e.key >> SEQ_BITS);
    e.t = t;
    e.key = make_key(s, priority);
    /* The new key is larger than every other, so only the time decides
     * the direction. */
    if (i > 0 && ent_before(&e, &s->heap[(i - 1) / 2]))
        sift_up(s, i, e);
    else
        sift_down(s, i, e);
    return true;
}

bool ct_sim_pending_time(const ct_sim *s, ct_event_id id, double *t)
{
    ev_rec *r = lookup(s, id);
    if (!r)
        return false;
    if (t)
        *t = s->heap[r->heap_pos].t;
    return true;
}

/* Pops the first event and runs it. The record is freed before the call so
 * the action may schedule into the same slot. */
static inline void run_first(ct_sim *s)
{
    heap_ent top = s->heap[0];
    ev_rec *r = &s->recs[top.slot];
    ct_event_fn fn = r->fn;
    void *ctx = r->ctx;
    uint64_t arg = r->arg;
    s->n--;
    if (s->n > 0)
        sift_down(s, 0, s->heap[s->n]);
    rec_free(s, top.slot);
    s->now = top.t;
    s->events_run++;
    fn(s, ctx, arg);
}

bool ct_sim_step(ct_sim *s)
{
    if (s->n == 0)
        return false;
    run_first(s);
    return true;
}

uint64_t ct_sim_run_until(ct_sim *s, double t_end)
{
    CT_SIM_ASSERT(s, "event queue", t_end >= s->now);
    uint64_t before = s->events_run;
    s->stopped = false;
    while (s->n > 0 && s->heap[0].t <= t_end) {
        run_first(s);
        if (s->stopped)
            return s->events_run - before;
    }
    s->now = t_end;
    return s->events_run - before;
}

void ct_sim_fail(const ct_sim *sim, const char *entity, const char *expr,
                 const char *file, int line)
{
    fprintf(stderr,
            "celltwin: internal error at simulated time %.6f s, entity %s, seed %" PRIu64
            ": assertion \"%s\" failed (%s:%d)\n",
            sim ? sim->now : 0.0, entity ? entity : "?", sim ? sim->seed : 0, expr,
            file, line);
    abort();
}
