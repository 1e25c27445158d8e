/*
 * sim.c - the event queue and clock of the discrete-event engine.
 *
 * Pending events live in a pool of records (struct ev_rec) that grows by
 * doubling and is recycled through a free list, so memory follows the
 * number of pending events, not the number ever scheduled. The queue is an
 * array 4-ary heap of (time, key) entries, with each entry's record slot in
 * a parallel array, kept apart from the records so that sifting touches
 * 16-byte entries only and never the records.
 * key packs the priority (high 16 bits, inverted so larger priority sorts
 * first) and a 48-bit insertion sequence (FIFO among equals); keys are
 * unique. A handle is (generation << 32 | slot + 1); the generation is
 * bumped when a record is freed, so a handle whose generation matches
 * names a pending event.
 *
 * Cancel and reschedule are lazy: the record is freed (cancel) or given a
 * new key and a new heap entry (reschedule), and the old entry stays in
 * the heap until it reaches the top, where its key no longer matches its
 * record's and it is dropped without running. So the common path -
 * schedule, pop, run - never writes a heap position back into a record;
 * the heap holds at most one stale entry per cancel or reschedule still
 * ahead of the clock.
 *
 * What keeps the common path short:
 * - the heap is 4-ary: half the levels of a binary heap, and the four
 *   children of an entry are compared without branches;
 * - four sibling entries of 16 bytes fill one 64-byte cache line (the
 *   allocation is aligned for that); a record's slot is read only when its
 *   entry moves or runs;
 * - a time is kept as the bits of the double: times are >= 0, and
 *   non-negative doubles order as their bit patterns do as unsigned
 *   integers; equal times are rare, so the comparison of keys sits behind
 *   a branch that is nearly always predicted;
 * - every place past the last entry holds a sentinel that sorts after
 *   every entry, so a group of siblings is compared whole, without a test
 *   of which of them exist.
 * None of this changes the order events run in: (time, key) is a strict
 * total order, so the heap's shape does not decide which event is next.
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
#define NO_SLOT UINT32_MAX
#define SLOT_MAX (UINT32_MAX - 1)
#define KEY_FREE 0   /* a free record's key; live keys are > 0 (seq starts at 1) */

/* COLD: the pools grow rarely (doubling), so their growth is kept out of
 * line and scheduling, which every event does, stays a small function.
 * UNLIKELY: a condition the compiler should lay out as nearly never true. */
#if defined(__GNUC__)
#define COLD __attribute__((cold, noinline))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define COLD
#define UNLIKELY(x) (x)
#endif

typedef struct ev_rec {
    ct_event_fn fn;
    void *ctx;
    uint64_t arg;
    uint64_t key;       /* key of its live heap entry, KEY_FREE when free */
    double t;           /* its time */
    uint32_t next_free; /* next free slot when free */
    uint32_t gen;       /* bumped each time the record is freed */
} ev_rec;

/* A heap entry's sort key; the record's slot sits at the same index of a
 * parallel array, read only when an entry moves or runs. */
typedef struct heap_ent {
    uint64_t tb;        /* bits of the time, a double >= +0.0 */
    uint64_t key;
} heap_ent;

/* Sorts after every entry (no time has these bits: they are a NaN). */
static const heap_ent SENTINEL = {UINT64_MAX, UINT64_MAX};

/* Children of i are ARITY * i + 1 ... ARITY * i + ARITY. */
#define ARITY 4
_Static_assert(ARITY == 4, "sift_down compares four children");
/* Entries before h[1] in the allocation so that every group of siblings
 * starts on a 64-byte line: h[1] is at byte 64 (h[0] at 48). */
#define HEAP_PAD 3

struct ct_sim {
    double now;
    uint64_t seq;
    uint64_t events_run;
    uint64_t seed;
    bool stopped;

    heap_ent *heap;      /* n entries, then sentinels up to heap_cap */
    uint32_t *slot;      /* slot[i]: the record of heap[i] */
    void *heap_mem;      /* the aligned allocation heap points into */
    uint32_t n;          /* entries in heap, live and stale */
    uint32_t heap_cap;   /* room for entries and ARITY - 1 sentinels */
    uint32_t live;       /* pending events */

    ev_rec *recs;
    uint32_t rec_cap;
    uint32_t free_head;  /* first free record, NO_SLOT when none */
};

static inline uint64_t time_bits(double t)
{
    t += 0.0;   /* -0.0 becomes +0.0, whose bits are the smallest */
    uint64_t b;
    memcpy(&b, &t, sizeof b);
    return b;
}

static inline double bits_time(uint64_t b)
{
    double t;
    memcpy(&t, &b, sizeof t);
    return t;
}

/* Which of four children is smallest is a coin toss no predictor learns,
 * so the usual answer, from the times alone, must come without a branch
 * (the compiler makes it a flag and a conditional move); the keys are
 * compared only for equal times, which are rare, behind a branch that is
 * nearly always predicted. */
static inline bool ent_before(const heap_ent *a, const heap_ent *b)
{
    if (UNLIKELY(a->tb == b->tb))
        return a->key < b->key;
    return a->tb < b->tb;
}

static void sift_up(ct_sim *s, uint32_t i, heap_ent e, uint32_t slot)
{
    heap_ent *h = s->heap;
    while (i > 0) {
        uint32_t parent = (i - 1) / ARITY;
        if (!ent_before(&e, &h[parent]))
            break;
        h[i] = h[parent];
        s->slot[i] = s->slot[parent];
        i = parent;
    }
    h[i] = e;
    s->slot[i] = slot;
}

/* Places e at or below i. Every place past the last entry holds the
 * sentinel, so a group of siblings is compared whole, without a test of
 * which of them exist. */
static void sift_down(ct_sim *s, uint32_t i, heap_ent e, uint32_t slot)
{
    heap_ent *h = s->heap;
    uint32_t n = s->n;
    for (;;) {
        uint32_t c = ARITY * i + 1;
        if (c >= n)
            break;
        uint32_t a = c + ent_before(&h[c + 1], &h[c]);
        uint32_t b = c + 2 + ent_before(&h[c + 3], &h[c + 2]);
        uint32_t m = ent_before(&h[b], &h[a]) ? b : a;
        if (!ent_before(&h[m], &e))
            break;
        h[i] = h[m];
        s->slot[i] = s->slot[m];
        i = m;
    }
    h[i] = e;
    s->slot[i] = slot;
}

/* Removes the top entry. */
static inline void heap_pop(ct_sim *s)
{
    uint32_t last = --s->n;
    heap_ent e = s->heap[last];
    s->heap[last] = SENTINEL;
    if (last > 0)
        sift_down(s, 0, e, s->slot[last]);
}

static inline void rec_free(ct_sim *s, uint32_t slot)
{
    ev_rec *r = &s->recs[slot];
    r->key = KEY_FREE;
    r->gen++;   /* wraps after 2^32 uses: a handle is never 0 all the same (slot + 1) */
    r->next_free = s->free_head;
    s->free_head = slot;
    s->live--;
}

/* Twice a pool's room, at least 64: the pools grow rarely. */
static uint32_t next_cap(ct_sim *s, uint32_t cap)
{
    uint32_t n = cap ? cap * 2 : 64;
    if (n > SLOT_MAX || n < cap)
        ct_sim_fail(s, "event queue", "pending events < 2^32", __FILE__, __LINE__);
    return n;
}

static void *must_realloc(ct_sim *s, void *p, size_t bytes, const char *what)
{
    void *q = realloc(p, bytes);
    if (!q)
        ct_sim_fail(s, "event queue", what, __FILE__, __LINE__);
    return q;
}

COLD static void grow_recs(ct_sim *s)
{
    uint32_t old = s->rec_cap;
    s->rec_cap = next_cap(s, old);
    s->recs = must_realloc(s, s->recs, (size_t)s->rec_cap * sizeof *s->recs, "memory for events");
    for (uint32_t i = s->rec_cap; i-- > old;) {
        s->recs[i].gen = 1;
        s->recs[i].key = KEY_FREE;
        s->recs[i].next_free = s->free_head;
        s->free_head = i;
    }
}

/* Grows the heap to twice its room (at least 64), keeping every group of
 * siblings on one 64-byte line and every place past the entries a
 * sentinel. */
COLD static void grow_heap(ct_sim *s)
{
    uint32_t cap = next_cap(s, s->heap_cap);
    s->slot = must_realloc(s, s->slot, (size_t)cap * sizeof *s->slot, "memory for the event heap");
    size_t bytes = ((size_t)cap + HEAP_PAD) * sizeof(heap_ent);
    void *mem = aligned_alloc(64, (bytes + 63) / 64 * 64);   /* a multiple of 64, as C11 asks */
    if (!mem)
        ct_sim_fail(s, "event queue", "memory for the event heap", __FILE__, __LINE__);
    heap_ent *h = (heap_ent *)mem + HEAP_PAD;
    if (s->heap_cap)
        memcpy(h, s->heap, (size_t)s->heap_cap * sizeof *h);
    for (uint32_t i = s->heap_cap; i < cap; i++)
        h[i] = SENTINEL;
    free(s->heap_mem);
    s->heap_mem = mem;
    s->heap = h;
    s->heap_cap = cap;
}

/* Adds entry (t, key, slot) to the heap. */
static inline void heap_push(ct_sim *s, double t, uint64_t key, uint32_t slot)
{
    heap_ent e = {time_bits(t), key};
    if (s->n + ARITY > s->heap_cap)
        grow_heap(s);
    sift_up(s, s->n++, e, slot);
}

ct_sim *ct_sim_create(uint64_t seed)
{
    ct_sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->seed = seed;
    s->seq = 1;
    s->free_head = NO_SLOT;
    return s;
}

void ct_sim_destroy(ct_sim *sim)
{
    if (!sim)
        return;
    free(sim->heap_mem);
    free(sim->slot);
    free(sim->recs);
    free(sim);
}

double ct_sim_now(const ct_sim *sim) { return sim->now; }
const double *ct_sim_clock(const ct_sim *sim) { return &sim->now; }
uint64_t ct_sim_events_run(const ct_sim *sim) { return sim->events_run; }
size_t ct_sim_events_pending(const ct_sim *sim) { return sim->live; }
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
    if (s->free_head == NO_SLOT)
        grow_recs(s);
    uint32_t slot = s->free_head;
    ev_rec *r = &s->recs[slot];
    s->free_head = r->next_free;
    r->fn = fn;
    r->ctx = ctx;
    r->arg = arg;
    r->t = t;
    r->key = make_key(s, priority);
    s->live++;
    heap_push(s, t, r->key, slot);
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
    return r->gen == gen && r->key != KEY_FREE ? r : NULL;
}

bool ct_sim_cancel(ct_sim *s, ct_event_id id)
{
    ev_rec *r = lookup(s, id);
    if (!r)
        return false;
    /* its heap entry goes stale: the key no longer matches */
    rec_free(s, (uint32_t)(r - s->recs));
    return true;
}

bool ct_sim_reschedule(ct_sim *s, ct_event_id id, double t)
{
    ev_rec *r = lookup(s, id);
    if (!r)
        return false;
    CT_SIM_ASSERT(s, "event queue", t >= s->now && isfinite(t));
    int priority = 32767 - (int)(r->key >> SEQ_BITS);
    /* a new entry with a new key; the old one goes stale */
    r->key = make_key(s, priority);
    r->t = t;
    heap_push(s, t, r->key, (uint32_t)(r - s->recs));
    return true;
}

bool ct_sim_pending_time(const ct_sim *s, ct_event_id id, double *t)
{
    ev_rec *r = lookup(s, id);
    if (!r)
        return false;
    if (t)
        *t = r->t;
    return true;
}

/* Drops stale entries from the top of the heap; true when a live event
 * is at the top. */
static inline bool top_live(ct_sim *s)
{
    while (s->n > 0) {
        if (s->recs[s->slot[0]].key == s->heap[0].key)
            return true;
        heap_pop(s);
    }
    return false;
}

/* Pops the first event (live, checked by top_live) and runs it. The
 * record is freed before the call so the action may schedule into the
 * same slot. */
static inline void run_first(ct_sim *s)
{
    uint32_t slot = s->slot[0];
    ev_rec *r = &s->recs[slot];
    ct_event_fn fn = r->fn;
    void *ctx = r->ctx;
    uint64_t arg = r->arg;
    s->now = bits_time(s->heap[0].tb);
    heap_pop(s);
    rec_free(s, slot);
    s->events_run++;
    fn(s, ctx, arg);
}

bool ct_sim_step(ct_sim *s)
{
    if (!top_live(s))
        return false;
    run_first(s);
    return true;
}

uint64_t ct_sim_run_until(ct_sim *s, double t_end)
{
    CT_SIM_ASSERT(s, "event queue", t_end >= s->now);
    uint64_t before = s->events_run;
    s->stopped = false;
    uint64_t end = time_bits(t_end);
    while (top_live(s) && s->heap[0].tb <= end) {
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
