/*
 * line.c - one replication of a generic production line, as callback state
 * machines on the event engine.
 *
 * Units flow from a source through stations. A station has `servers`
 * parallel servers and a FIFO buffer of finite or infinite size in front
 * (waiting places, not counting units in service). Each server is in one
 * of four states - idle, busy, blocked, down - and the station integrates
 * the time spent in each for its KPIs. A server that finishes takes its
 * units (one, or a batch) to their next station; if that station has no
 * room the server is blocked after service and waits, in FIFO order with
 * other blocked servers, until room appears. Failures are time-based per
 * server; a job caught by a failure resumes after repair (its completion
 * event is rescheduled by the repair time). Scrap, rework and branching are
 * decided when processing ends, from the station's route stream.
 *
 * Memory follows work in progress: units come from a pool with a free
 * list, buffers are growable rings, events come from the engine's pool.
 */
#include "model/line.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/rng.h"
#include "celltwin/sim.h"
#include "model/factory_internal.h"

enum { SRV_IDLE, SRV_BUSY, SRV_BLOCKED, SRV_DOWN };
#define DEST_SCRAP (-2)
#define NO_UNIT UINT32_MAX

/* Event priorities: the warm-up reset first, then repairs and failures
 * before completions at the same instant, then arrivals. */
enum { PRIO_WARMUP = 100, PRIO_FAILURE = 10, PRIO_DONE = 0, PRIO_ARRIVAL = -10 };

typedef struct unit {
    double created;   /* entered the line */
    double arrived;   /* entered its current station */
    uint32_t next_free;
} unit;

typedef struct server {
    uint8_t state;
    bool in_idle_stack;
    bool suspended;      /* down while processing: completion was postponed */
    bool down_holding;   /* down while blocked: still holds finished units */
    uint32_t n_held;     /* units held (in process or finished) */
    uint32_t n_pushed;   /* of those, already handed on */
    ct_event_id done_ev;
} server;

typedef struct waiter {
    int station, server;
} waiter;

struct line;

typedef struct station {
    const cti_station *cfg;
    struct line *L;
    int idx;
    int default_next;     /* next station in the file, or CTI_EXIT */
    long cap;             /* buffer places, CTI_BUFFER_INF */
    int batch_size, batch_min;

    server *srv;
    uint32_t *held;       /* batch_size units per server */
    int32_t *dest;        /* where each held unit goes */
    int *idle;            /* stack of idle server indices (may hold stale ones) */
    int n_idle_stack;

    uint32_t *q;          /* ring buffer of waiting units */
    uint32_t q_cap, q_head, q_len;

    waiter *w;            /* blocked upstream servers waiting for room here */
    int n_w, w_cap;

    ct_event_id batch_timer;
    ct_rng rng_proc, rng_fail, rng_route;

    /* Time-weighted state. */
    double last_t;
    int n_in[4];          /* servers in each state, indexed by SRV_* */
    double a_busy, a_blocked, a_down, a_queue;
    double wait_sum, soj_sum;
    uint64_t wait_n, soj_n, processed, scrapped, reworked;
} station;

typedef struct line {
    ct_sim *sim;
    const double *now;    /* the engine's clock */
    const ct_factory *f;
    station *st;
    int n;
    bool nomem;

    unit *units;
    uint32_t u_cap, u_free;

    ct_rng rng_src;
    station *src_target;

    double last_t;
    uint32_t wip;
    double a_wip, lead_sum;
    uint64_t completed, scrapped, rejected;
} line;

/* ---- units ---------------------------------------------------------- */

static uint32_t unit_alloc(line *L)
{
    if (L->u_free == NO_UNIT) {
        uint32_t cap = L->u_cap ? L->u_cap * 2 : 1024;
        unit *u = realloc(L->units, (size_t)cap * sizeof *u);
        if (!u) {
            L->nomem = true;
            ct_sim_stop(L->sim);
            return NO_UNIT;
        }
        for (uint32_t i = cap; i-- > L->u_cap;) {
            u[i].next_free = L->u_free;
            L->u_free = i;
        }
        L->units = u;
        L->u_cap = cap;
    }
    uint32_t id = L->u_free;
    L->u_free = L->units[id].next_free;
    L->units[id].created = *L->now;
    return id;
}

static void unit_free(line *L, uint32_t id)
{
    L->units[id].next_free = L->u_free;
    L->u_free = id;
}

/* ---- time-weighted statistics -------------------------------------- */

static inline void line_advance(line *L)
{
    double now = *L->now;
    L->a_wip += L->wip * (now - L->last_t);
    L->last_t = now;
}

static inline void st_advance(station *s)
{
    double dt = *s->L->now - s->last_t;
    if (dt > 0) {
        s->a_busy += s->n_in[SRV_BUSY] * dt;
        s->a_blocked += s->n_in[SRV_BLOCKED] * dt;
        s->a_down += s->n_in[SRV_DOWN] * dt;
        s->a_queue += s->q_len * dt;
        s->last_t += dt;
    }
}

/* Changes a server's state; the caller has advanced the statistics. */
static void set_state(station *s, int k, int state)
{
    server *v = &s->srv[k];
    s->n_in[v->state]--;
    s->n_in[state]++;
    v->state = (uint8_t)state;
    if (state == SRV_IDLE && !v->in_idle_stack) {
        v->in_idle_stack = true;
        s->idle[s->n_idle_stack++] = k;
    }
}

static int pop_idle(station *s)
{
    while (s->n_idle_stack > 0) {
        int k = s->idle[--s->n_idle_stack];
        s->srv[k].in_idle_stack = false;
        if (s->srv[k].state == SRV_IDLE)
            return k;
    }
    return -1;
}

/* ---- buffers --------------------------------------------------------- */

static bool q_push(station *s, uint32_t u)
{
    if (s->q_len == s->q_cap) {
        /* Capacities are powers of two so positions wrap with a mask. */
        uint32_t cap = s->q_cap ? s->q_cap * 2 : 16;
        uint32_t *q = malloc((size_t)cap * sizeof *q);
        if (!q)
            return false;
        for (uint32_t i = 0; i < s->q_len; i++)
            q[i] = s->q[(s->q_head + i) & (s->q_cap - 1)];
        free(s->q);
        s->q = q;
        s->q_cap = cap;
        s->q_head = 0;
    }
    s->q[(s->q_head + s->q_len) & (s->q_cap - 1)] = u;
    s->q_len++;
    return true;
}

static inline uint32_t q_pop(station *s)
{
    uint32_t u = s->q[s->q_head];
    s->q_head = (s->q_head + 1) & (s->q_cap - 1);
    s->q_len--;
    return u;
}

/* Would a unit arriving now find a place (in the buffer, or straight on an
 * idle server)? */
static inline bool can_accept(const station *s)
{
    if (s->cap == CTI_BUFFER_INF || (long)s->q_len < s->cap)
        return true;
    return s->n_in[SRV_IDLE] > 0 && (int)s->q_len + 1 >= s->batch_min;
}

/* ---- the state machine ---------------------------------------------- */

static void try_start(station *s);
static void try_push(station *s, int k);
static void notify_room(station *s);
static void ev_done(ct_sim *sim, void *ctx, uint64_t arg);
static void ev_batch_timer(ct_sim *sim, void *ctx, uint64_t arg);

static void enter(station *s, uint32_t u)
{
    st_advance(s);
    s->L->units[u].arrived = *s->L->now;
    if (!q_push(s, u)) {
        s->L->nomem = true;
        ct_sim_stop(s->L->sim);
        return;
    }
    try_start(s);
}

/* May the head of the queue start now, short of a full batch? */
static inline bool batch_timed_out(const station *s)
{
    if (s->cfg->batch_max_wait_s < 0 || s->q_len == 0)
        return false;
    const unit *head = &s->L->units[s->q[s->q_head]];
    return *s->L->now >= head->arrived + s->cfg->batch_max_wait_s;
}

/* Is there a job to start: a full batch, or a short one that timed out? */
static inline bool job_ready(const station *s)
{
    return s->q_len > 0 && ((int)s->q_len >= s->batch_min || batch_timed_out(s));
}

/* Starts a job on server k (idle, or just finished) with up to batch_size
 * units from the queue. The caller has advanced the statistics. */
static void start_job(station *s, int k)
{
    line *L = s->L;
    double now = *L->now;
    server *v = &s->srv[k];
    uint32_t n = s->q_len < (uint32_t)s->batch_size ? s->q_len : (uint32_t)s->batch_size;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t u = q_pop(s);
        s->held[(size_t)k * s->batch_size + i] = u;
        s->wait_sum += now - L->units[u].arrived;
        s->wait_n++;
    }
    v->n_held = n;
    v->n_pushed = 0;
    if (v->state != SRV_BUSY)
        set_state(s, k, SRV_BUSY);
    double t = ct_dist_sample(&s->cfg->process_time, &s->rng_proc);
    v->done_ev = ct_sim_schedule(L->sim, t, PRIO_DONE, ev_done, s, (uint64_t)k);
}

static void try_start(station *s)
{
    line *L = s->L;
    bool took = false;
    if (s->n_in[SRV_IDLE] > 0 && job_ready(s)) {
        st_advance(s);
        do {
            start_job(s, pop_idle(s));
        } while (s->n_in[SRV_IDLE] > 0 && job_ready(s));
        took = true;
    }
    /* A short batch may start once its oldest unit has waited max_wait. If
     * that moment has passed, no timer is needed: the start waits for a
     * server, and a server that frees up calls try_start. */
    if (s->batch_size > 1 && s->cfg->batch_max_wait_s >= 0 && s->q_len > 0) {
        double t = L->units[s->q[s->q_head]].arrived + s->cfg->batch_max_wait_s;
        if (t > *L->now && !ct_sim_pending_time(L->sim, s->batch_timer, NULL))
            s->batch_timer = ct_sim_schedule_at(L->sim, t, PRIO_DONE, ev_batch_timer, s, 0);
    }
    if (took)
        notify_room(s);
}

static void ev_batch_timer(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    (void)arg;
    try_start(ctx);
}

/* Draws where a finished unit goes: scrap, rework, or a `next` branch. */
static int32_t route(station *s)
{
    const cti_station *c = s->cfg;
    double bad = c->scrap_p + c->rework_p;
    if (bad <= 0 && c->n_next <= 1)
        return c->n_next == 1 ? c->next[0].to : s->default_next;
    double u = ct_rng_uniform(&s->rng_route);
    if (u < c->scrap_p)
        return DEST_SCRAP;
    if (u < bad) {
        s->reworked++;
        return c->rework_to;
    }
    if (c->n_next <= 1)
        return c->n_next == 1 ? c->next[0].to : s->default_next;
    /* Reuse the draw: conditional on "good" it is uniform on (bad, 1). */
    double v = (u - bad) / (1.0 - bad), acc = 0;
    for (int i = 0; i < c->n_next - 1; i++) {
        acc += c->next[i].p;
        if (v < acc)
            return c->next[i].to;
    }
    return c->next[c->n_next - 1].to;
}

static void ev_done(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    station *s = ctx;
    int k = (int)arg;
    server *v = &s->srv[k];
    v->done_ev = 0;
    for (uint32_t i = 0; i < v->n_held; i++)
        s->dest[(size_t)k * s->batch_size + i] = route(s);
    s->processed += v->n_held;
    try_push(s, k);
}

static void leave_station(station *s, uint32_t u)
{
    s->soj_sum += *s->L->now - s->L->units[u].arrived;
    s->soj_n++;
}

static void add_waiter(station *target, int station_idx, int k)
{
    if (target->n_w == target->w_cap) {
        int cap = target->w_cap ? target->w_cap * 2 : 8;
        waiter *w = realloc(target->w, (size_t)cap * sizeof *w);
        if (!w) {
            target->L->nomem = true;
            ct_sim_stop(target->L->sim);
            return;
        }
        target->w = w;
        target->w_cap = cap;
    }
    target->w[target->n_w++] = (waiter){station_idx, k};
}

static void remove_waiter(station *target, int station_idx, int k)
{
    for (int i = 0; i < target->n_w; i++) {
        if (target->w[i].station == station_idx && target->w[i].server == k) {
            memmove(&target->w[i], &target->w[i + 1],
                    (size_t)(target->n_w - i - 1) * sizeof *target->w);
            target->n_w--;
            return;
        }
    }
}

/* Hands the server's finished units on, as far as there is room. */
static void try_push(station *s, int k)
{
    line *L = s->L;
    server *v = &s->srv[k];
    size_t base = (size_t)k * s->batch_size;
    while (v->n_pushed < v->n_held) {
        uint32_t u = s->held[base + v->n_pushed];
        int32_t d = s->dest[base + v->n_pushed];
        if (d >= 0 && !can_accept(&L->st[d])) {
            if (v->state != SRV_BLOCKED) {
                st_advance(s);
                set_state(s, k, SRV_BLOCKED);
            }
            add_waiter(&L->st[d], s->idx, k);
            return;
        }
        v->n_pushed++;
        leave_station(s, u);
        if (d >= 0) {
            enter(&L->st[d], u);
            continue;
        }
        line_advance(L);
        L->wip--;
        if (d == DEST_SCRAP) {
            s->scrapped++;
            L->scrapped++;
        } else {
            L->completed++;
            L->lead_sum += *L->now - L->units[u].created;
        }
        unit_free(L, u);
    }
    /* All handed on: the server takes its next job at once (the same
     * server an idle-stack round trip would pick), or goes idle. */
    st_advance(s);
    v->n_held = v->n_pushed = 0;
    if (job_ready(s))
        start_job(s, k);
    else
        set_state(s, k, SRV_IDLE);
    try_start(s);
    notify_room(s);
}

static uint32_t new_unit(line *L)
{
    uint32_t u = unit_alloc(L);
    if (u != NO_UNIT) {
        line_advance(L);
        L->wip++;
    }
    return u;
}

/* Room may have appeared in s: let blocked upstream servers, then a
 * saturated source, fill it. */
static void notify_room(station *s)
{
    line *L = s->L;
    while (s->n_w > 0 && can_accept(s)) {
        waiter w = s->w[0];
        memmove(&s->w[0], &s->w[1], (size_t)(s->n_w - 1) * sizeof *s->w);
        s->n_w--;
        try_push(&L->st[w.station], w.server);
    }
    if (s != L->src_target || !L->f->source.saturated)
        return;
    /* A saturated source keeps the buffer as full as it may be; with an
     * infinite buffer it only keeps a batch's worth waiting. */
    for (;;) {
        bool room = s->cap == CTI_BUFFER_INF ? (int)s->q_len < (s->batch_size > 1 ? s->batch_size : 0)
                                            : (long)s->q_len < s->cap;
        if (!room && !(s->n_in[SRV_IDLE] > 0 && (int)s->q_len + 1 >= s->batch_min))
            return;
        uint32_t u = new_unit(L);
        if (u == NO_UNIT)
            return;
        enter(s, u);
    }
}

static void ev_arrival(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    line *L = ctx;
    double t = ct_dist_sample(&L->f->source.interarrival, &L->rng_src);
    ct_sim_schedule(sim, t, PRIO_ARRIVAL, ev_arrival, L, 0);
    if (!can_accept(L->src_target)) {
        L->rejected++;
        return;
    }
    uint32_t u = new_unit(L);
    if (u != NO_UNIT)
        enter(L->src_target, u);
}

/* ---- failures --------------------------------------------------------- */

static void ev_repair(ct_sim *sim, void *ctx, uint64_t arg);

static void ev_failure(ct_sim *sim, void *ctx, uint64_t arg)
{
    station *s = ctx;
    int k = (int)arg;
    server *v = &s->srv[k];
    double repair = ct_dist_sample(&s->cfg->mttr, &s->rng_fail);
    st_advance(s);
    if (v->state == SRV_BUSY) {
        double t_done = 0;
        ct_sim_pending_time(sim, v->done_ev, &t_done);
        ct_sim_reschedule(sim, v->done_ev, t_done + repair);
        v->suspended = true;
    } else if (v->state == SRV_BLOCKED) {
        remove_waiter(&s->L->st[s->dest[(size_t)k * s->batch_size + v->n_pushed]], s->idx, k);
        v->down_holding = true;
    }
    set_state(s, k, SRV_DOWN);
    ct_sim_schedule(sim, repair, PRIO_FAILURE, ev_repair, s, (uint64_t)k);
}

static void ev_repair(ct_sim *sim, void *ctx, uint64_t arg)
{
    station *s = ctx;
    int k = (int)arg;
    server *v = &s->srv[k];
    double up = ct_dist_sample(&s->cfg->mtbf, &s->rng_fail);
    ct_sim_schedule(sim, up, PRIO_FAILURE, ev_failure, s, (uint64_t)k);
    st_advance(s);
    if (v->suspended) {
        v->suspended = false;
        set_state(s, k, SRV_BUSY);
    } else if (v->down_holding) {
        v->down_holding = false;
        set_state(s, k, SRV_BLOCKED);
        try_push(s, k);
    } else {
        set_state(s, k, SRV_IDLE);
        try_start(s);
        notify_room(s);
    }
}

/* ---- warm-up and results --------------------------------------------- */

static void reset_stats(line *L)
{
    line_advance(L);
    L->a_wip = L->lead_sum = 0;
    L->completed = L->scrapped = L->rejected = 0;
    for (int i = 0; i < L->n; i++) {
        station *s = &L->st[i];
        st_advance(s);
        s->a_busy = s->a_blocked = s->a_down = s->a_queue = 0;
        s->wait_sum = s->soj_sum = 0;
        s->wait_n = s->soj_n = s->processed = s->scrapped = s->reworked = 0;
    }
}

static void ev_warmup(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    (void)arg;
    reset_stats(ctx);
}

static void collect(line *L, double span, ct_kpis *k)
{
    line_advance(L);
    k->completed = (double)L->completed;
    k->scrapped = (double)L->scrapped;
    k->throughput_per_h = L->completed / span * 3600.0;
    k->wip_mean = L->a_wip / span;
    k->lead_time_mean_s = L->completed ? L->lead_sum / L->completed : 0;
    k->rejected = (double)L->rejected;
    k->events = (double)ct_sim_events_run(L->sim);
    for (int i = 0; i < L->n; i++) {
        station *s = &L->st[i];
        ct_station_kpi *o = &k->stations[i];
        st_advance(s);
        double c = span * s->cfg->servers;
        o->name = s->cfg->name;
        o->utilization = s->a_busy / c;
        o->blocked = s->a_blocked / c;
        o->down = s->a_down / c;
        o->starved = fmax(0.0, 1.0 - o->utilization - o->blocked - o->down);
        o->mean_queue = s->a_queue / span;
        o->mean_wait_s = s->wait_n ? s->wait_sum / s->wait_n : 0;
        o->mean_sojourn_s = s->soj_n ? s->soj_sum / s->soj_n : 0;
        o->processed = (double)s->processed;
        o->scrapped = (double)s->scrapped;
        o->reworked = (double)s->reworked;
    }
}

/* ---- set-up and tear-down -------------------------------------------- */

static void line_free(line *L)
{
    for (int i = 0; L->st && i < L->n; i++) {
        station *s = &L->st[i];
        free(s->srv);
        free(s->held);
        free(s->dest);
        free(s->idle);
        free(s->q);
        free(s->w);
    }
    free(L->st);
    free(L->units);
    ct_sim_destroy(L->sim);
}

static bool line_init(line *L, const ct_factory *f, const ct_run_options *opt, int rep)
{
    memset(L, 0, sizeof *L);
    L->f = f;
    L->n = f->n_stations;
    L->u_free = NO_UNIT;
    L->sim = ct_sim_create(opt->seed);
    L->st = calloc((size_t)L->n, sizeof *L->st);
    if (!L->sim || !L->st)
        return false;
    L->now = ct_sim_clock(L->sim);
    ct_rng_init(&L->rng_src, opt->seed, (uint64_t)rep, 0);
    for (int i = 0; i < L->n; i++) {
        station *s = &L->st[i];
        const cti_station *c = &f->stations[i];
        s->cfg = c;
        s->L = L;
        s->idx = i;
        s->default_next = i + 1 < L->n ? i + 1 : CTI_EXIT;
        s->cap = c->buffer;
        s->batch_size = c->batch_size > 0 ? c->batch_size : 1;
        s->batch_min = c->batch_min > 0 ? c->batch_min : 1;
        size_t held = (size_t)c->servers * s->batch_size;
        s->srv = calloc((size_t)c->servers, sizeof *s->srv);
        s->held = malloc(held * sizeof *s->held);
        s->dest = malloc(held * sizeof *s->dest);
        s->idle = malloc((size_t)c->servers * sizeof *s->idle);
        if (!s->srv || !s->held || !s->dest || !s->idle)
            return false;
        /* Fill the idle stack so that server 0 is taken first. */
        for (int k = c->servers; k-- > 0;) {
            s->srv[k].in_idle_stack = true;
            s->idle[s->n_idle_stack++] = k;
        }
        s->n_in[SRV_IDLE] = c->servers;
        uint64_t stream = 1 + 4 * (uint64_t)i;
        ct_rng_init(&s->rng_proc, opt->seed, (uint64_t)rep, stream);
        ct_rng_init(&s->rng_fail, opt->seed, (uint64_t)rep, stream + 1);
        ct_rng_init(&s->rng_route, opt->seed, (uint64_t)rep, stream + 2);
    }
    L->src_target = &L->st[f->source.to];
    return true;
}

ct_status cti_line_run(const ct_factory *f, const ct_run_options *opt, int rep,
                       ct_kpis *kpis, cti_tick_fn tick, void *tick_ctx)
{
    line L;
    ct_status rc = CT_ERR_NOMEM;
    if (!line_init(&L, f, opt, rep))
        goto cleanup;

    for (int i = 0; i < L.n; i++) {
        station *s = &L.st[i];
        if (!s->cfg->has_failures)
            continue;
        for (int k = 0; k < s->cfg->servers; k++)
            ct_sim_schedule(L.sim, ct_dist_sample(&s->cfg->mtbf, &s->rng_fail),
                            PRIO_FAILURE, ev_failure, s, (uint64_t)k);
    }
    if (opt->warmup_s > 0)
        ct_sim_schedule_at(L.sim, opt->warmup_s, PRIO_WARMUP, ev_warmup, &L, 0);
    if (f->source.saturated)
        notify_room(L.src_target);
    else
        ct_sim_schedule(L.sim, ct_dist_sample(&f->source.interarrival, &L.rng_src),
                        PRIO_ARRIVAL, ev_arrival, &L, 0);

    /* Run in slices so a progress bar can follow; the slices do not change
     * the order of events. */
    const int slices = tick ? 100 : 1;
    for (int i = 1; i <= slices && !L.nomem; i++) {
        ct_sim_run_until(L.sim, i == slices ? opt->horizon_s : opt->horizon_s * i / slices);
        if (tick)
            tick(ct_sim_now(L.sim), tick_ctx);
    }
    if (L.nomem)
        goto cleanup;
    collect(&L, opt->horizon_s - opt->warmup_s, kpis);
    rc = CT_OK;
cleanup:
    line_free(&L);
    return rc;
}
