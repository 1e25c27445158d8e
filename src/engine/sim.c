/*
 * sim.c - the event queue and clock of the discrete-event engine.
 *
 * Pending events live in a pool of records (struct ev_rec) that grows by
 * doubling and is recycled through a free list, so memory follows the
 * number of pending events, not the number ever scheduled. Each record
 * slot has an entry (time, key) in a parallel array; a free slot's entry
 * sorts after every event. key packs the priority (high 16 bits, inverted
 * so larger priority sorts first) and a 48-bit insertion sequence (FIFO
 * among equals); keys are unique, so (time, key) is a strict total order.
 * A handle is (generation << 32 | slot + 1); the generation is bumped when
 * a record is freed, so a handle whose generation matches names a pending
 * event.
 *
 * The queue is a tournament tree over the slots (a winner tree: Knuth,
 * TAOCP vol. 3, 5.4.1): leaf i is slot i, and each inner node holds the
 * slot of the first event below it, so the root names the next event.
 * When a slot's entry changes - scheduled, cancelled, moved or run - its
 * match is played again on the path to the root: log2(pool) levels, each
 * one comparison with the sibling's winner, always the same number of
 * steps and without a branch on the outcome. A heap's sift takes a data
 * dependent number of steps, each a branch no predictor learns; on the
 * serial-line benchmark the tree ran 13 % faster for the same order of
 * events (bench/results.md). Cancel and reschedule change the slot's
 * entry in place, so there are no stale entries to skip.
 *
 * The event that runs frees its slot first, and the free list hands that
 * slot to the first event the action schedules: then one replay covers
 * both the removal and the new event. If the action schedules nothing,
 * the slot is replayed empty after it returns.
 */
#include "celltwin/sim.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_BITS 48
#define SEQ_MASK ((UINT64_C(1) << SEQ_BITS) - 1)
#define NO_SLOT UINT32_MAX
#define SLOT_MAX (UINT32_MAX / 2)   /* the tree has 2 * rec_cap nodes, indexed by uint32_t */

/* COLD: the pool grows rarely (doubling), so its growth is kept out of
 * line and scheduling, which every event does, stays a small function. */
#if defined(__GNUC__)
#define COLD __attribute__((cold, noinline))
#else
#define COLD
#endif

typedef struct ev_rec {
    ct_event_fn fn;
    void *ctx;
    uint64_t arg;
    uint32_t next_free; /* next free slot when free */
    uint32_t gen;       /* bumped each time the record is freed */
} ev_rec;

/* When and in which order record slot's event runs: the bits of its time
 * (a double >= +0.0) and its key; FREE_ENT when the slot has no event. */
typedef struct ev_ent {
    uint64_t tb;
    uint64_t key;
} ev_ent;

/* Sorts after every event (no time has these bits: they are a NaN). */
static const ev_ent FREE_ENT = {UINT64_MAX, UINT64_MAX};

struct ct_sim {
    double now;
    uint64_t seq;
    uint64_t events_run;
    uint64_t seed;
    bool stopped;

    ev_ent *ent;         /* ent[slot]: the event of record slot */
    uint32_t *win;       /* win[i]: the slot of the first event under node i */
    uint32_t dirty;      /* a slot whose path still names its finished event */
    uint32_t live;       /* pending events */

    ev_rec *recs;
    uint32_t rec_cap;    /* a power of two: the tree's leaves */
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

/* (time, key) order, without a branch: which of two events comes first
 * is a coin toss no predictor learns, and free slots (equal entries) meet
 * all the time in a sparse tree. */
static inline bool ent_before(ev_ent a, ev_ent b)
{
    return (a.tb < b.tb) | ((a.tb == b.tb) & (a.key < b.key));
}

/* Plays slot's match again on its path to the root, after its entry
 * changed: each node on the way takes the first of its two children. The
 * winner is chosen with masks, not branches (compilers turn a plain
 * conditional into a jump here, which mispredicts half the time). */
static inline void replay(ct_sim *s, uint32_t slot)
{
    const ev_ent *ent = s->ent;
    uint32_t *win = s->win;
    uint32_t i = s->rec_cap + slot;
    uint64_t c = slot;
    uint64_t ctb = ent[slot].tb, ckey = ent[slot].key;
    do {
        uint64_t o = win[i ^ 1];
        uint64_t otb = ent[o].tb, okey = ent[o].key;
        uint64_t m = -(uint64_t)ent_before((ev_ent){otb, okey}, (ev_ent){ctb, ckey});
        c ^= (c ^ o) & m;
        ctb ^= (ctb ^ otb) & m;
        ckey ^= (ckey ^ okey) & m;
        i >>= 1;
        win[i] = (uint32_t)c;
    } while (i > 1);
}

static inline void rec_free(ct_sim *s, uint32_t slot)
{
    ev_rec *r = &s->recs[slot];
    s->ent[slot] = FREE_ENT;
    r->gen++;   /* wraps after 2^32 uses: a handle is never 0 all the same (slot + 1) */
    r->next_free = s->free_head;
    s->free_head = slot;
    s->live--;
}

static void *must_realloc(ct_sim *s, void *p, size_t bytes, const char *what)
{
    void *q = realloc(p, bytes);
    if (!q)
        ct_sim_fail(s, "event queue", what, __FILE__, __LINE__);
    return q;
}

/* Doubles the pool (at least 2 records) and builds the tree anew over
 * it, bottom up. */
COLD static void grow_recs(ct_sim *s)
{
    uint32_t old = s->rec_cap;
    uint32_t cap = old ? old * 2 : 2;
    if (cap > SLOT_MAX)   /* the pool stops at 2^30, a power of two below SLOT_MAX */
        ct_sim_fail(s, "event queue", "pending events <= 2^30", __FILE__, __LINE__);
    s->recs = must_realloc(s, s->recs, (size_t)cap * sizeof *s->recs, "memory for events");
    s->ent = must_realloc(s, s->ent, (size_t)cap * sizeof *s->ent, "memory for events");
    s->win = must_realloc(s, s->win, (size_t)2 * cap * sizeof *s->win, "memory for events");
    for (uint32_t i = cap; i-- > old;) {
        s->recs[i].gen = 1;
        s->ent[i] = FREE_ENT;
        s->recs[i].next_free = s->free_head;
        s->free_head = i;
    }
    s->rec_cap = cap;
    for (uint32_t i = 0; i < cap; i++)
        s->win[cap + i] = i;
    for (uint32_t i = cap; i-- > 1;) {
        uint32_t a = s->win[2 * i], b = s->win[2 * i + 1];
        s->win[i] = ent_before(s->ent[b], s->ent[a]) ? b : a;
    }
}

ct_sim *ct_sim_create(uint64_t seed)
{
    ct_sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->seed = seed;
    s->seq = 1;
    s->free_head = NO_SLOT;
    s->dirty = NO_SLOT;
    return s;
}

void ct_sim_destroy(ct_sim *sim)
{
    if (!sim)
        return;
    free(sim->ent);
    free(sim->win);
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

/* Gives slot the event (t, key) and replays its match. The slot of the
 * event that is running is played once, here, when the event schedules
 * into it (the free list hands it out first). */
static inline void set_ent(ct_sim *s, uint32_t slot, double t, uint64_t key)
{
    s->ent[slot] = (ev_ent){time_bits(t), key};
    /* without a branch: whether the action schedules into its own slot
     * first follows the model, not a pattern */
    s->dirty = slot == s->dirty ? NO_SLOT : s->dirty;
    replay(s, slot);
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
    s->live++;
    set_ent(s, slot, t, make_key(s, priority));
    return ((uint64_t)r->gen << 32) | (slot + 1);
}

ct_event_id ct_sim_schedule(ct_sim *s, double delay, int priority,
                            ct_event_fn fn, void *ctx, uint64_t arg)
{
    CT_SIM_ASSERT(s, "event queue", delay >= 0.0);
    return ct_sim_schedule_at(s, s->now + delay, priority, fn, ctx, arg);
}

/* The slot of a pending event, or NO_SLOT for a stale or invalid handle. */
static uint32_t lookup(const ct_sim *s, ct_event_id id)
{
    uint32_t slot = (uint32_t)(id & 0xffffffffu);
    uint32_t gen = (uint32_t)(id >> 32);
    if (slot == 0 || slot > s->rec_cap)
        return NO_SLOT;
    slot--;
    return s->recs[slot].gen == gen && s->ent[slot].tb != FREE_ENT.tb ? slot : NO_SLOT;
}

bool ct_sim_cancel(ct_sim *s, ct_event_id id)
{
    uint32_t slot = lookup(s, id);
    if (slot == NO_SLOT)
        return false;
    rec_free(s, slot);
    replay(s, slot);
    return true;
}

bool ct_sim_reschedule(ct_sim *s, ct_event_id id, double t)
{
    uint32_t slot = lookup(s, id);
    if (slot == NO_SLOT)
        return false;
    CT_SIM_ASSERT(s, "event queue", t >= s->now && isfinite(t));
    int priority = 32767 - (int)(s->ent[slot].key >> SEQ_BITS);
    set_ent(s, slot, t, make_key(s, priority));
    return true;
}

bool ct_sim_pending_time(const ct_sim *s, ct_event_id id, double *t)
{
    uint32_t slot = lookup(s, id);
    if (slot == NO_SLOT)
        return false;
    if (t)
        *t = bits_time(s->ent[slot].tb);
    return true;
}

/* Runs the first event (there is one). The record is freed before the
 * call so the action may schedule into the same slot; the slot's match is
 * replayed then, or after the action if it does not. */
static inline void run_first(ct_sim *s)
{
    uint32_t slot = s->win[1];
    ev_rec *r = &s->recs[slot];
    ct_event_fn fn = r->fn;
    void *ctx = r->ctx;
    uint64_t arg = r->arg;
    s->now = bits_time(s->ent[slot].tb);
    rec_free(s, slot);
    s->dirty = slot;
    s->events_run++;
    fn(s, ctx, arg);
    if (s->dirty != NO_SLOT) {
        replay(s, s->dirty);
        s->dirty = NO_SLOT;
    }
}

bool ct_sim_step(ct_sim *s)
{
    if (s->live == 0)
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
    while (s->live > 0 && s->ent[s->win[1]].tb <= end) {
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
