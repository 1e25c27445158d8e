/*
 * line.c - one replication of a production line, as callback state
 * machines on the event engine: the flow of units.
 *
 * Units flow from a source, or from converting stations fed by raw
 * material stores, through stations. A station has `servers` parallel
 * servers and one or more inputs, each a FIFO buffer of finite or infinite
 * size (waiting places, not counting units in service). Each server is in
 * one of four states - idle, busy, blocked, down - and the station
 * integrates the time spent in each for its KPIs. A server that finishes
 * takes its units on to their next station; if that input has no room the
 * server is blocked after service and waits, in FIFO order with other
 * blocked servers, until room appears. Failures are time-based per server;
 * a job caught by a failure resumes after repair (its completion event is
 * rescheduled by the repair time).
 *
 * What happens to the units themselves - converting slurry into coils and
 * coils into cells, splitting coils into lanes, the kind's process model,
 * quality gates and scrap accounting - lives in records.c and gates.c.
 *
 * Memory follows work in progress: units and their records come from pools
 * with free lists, buffers are growable rings, events come from the
 * engine's pool.
 */
#include "model/line.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/line_internal.h"

/* The flow functions every event runs through a few times: inlined into
 * their callers, which saves a call frame each (they are small, and most
 * have one or two callers on the hot path). */
#if defined(__GNUC__)
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static inline
#endif

/* Event priorities: the warm-up reset first, then repairs and failures
 * before completions at the same instant, then arrivals. */
enum { PRIO_WARMUP = 100, PRIO_FAILURE = 10, PRIO_DONE = 0, PRIO_ARRIVAL = -10 };

static void fail_nomem(line *L)
{
    L->nomem = true;
    ct_sim_stop(L->sim);
}

/* ---- units ---------------------------------------------------------- */

HOT uint32_t unit_alloc(line *L)
{
    if (L->u_free == NO_UNIT) {
        uint32_t cap = L->u_cap ? L->u_cap * 2 : 1024;
        unit *u = realloc(L->units, (size_t)cap * sizeof *u);
        if (!u) {
            fail_nomem(L);
            return NO_UNIT;
        }
        for (uint32_t i = cap; i-- > L->u_cap;) {
            u[i].next_free = L->u_free;
            u[i].rec = NO_REC;
            L->u_free = i;
        }
        L->units = u;
        L->u_cap = cap;
    }
    uint32_t id = L->u_free;
    unit *u = &L->units[id];
    L->u_free = u->next_free;
    u->created = *L->now;
    u->rec = NO_REC;
    u->form = CTI_FORM_ITEM;
    return id;
}

HOT void unit_free(line *L, uint32_t id)
{
    if (L->units[id].rec != NO_REC)
        cti_rec_free(L, &L->units[id]);
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

static inline uint32_t queued(const station *s)
{
    uint32_t n = 0;
    for (int p = 0; p < s->n_ports; p++)
        n += s->ports[p].q_len;
    return n;
}

static inline void st_advance(station *s)
{
    double dt = *s->L->now - s->last_t;
    if (dt > 0) {
        s->a_busy += s->n_in[SRV_BUSY] * dt;
        s->a_blocked += s->n_in[SRV_BLOCKED] * dt;
        s->a_down += s->n_in[SRV_DOWN] * dt;
        s->a_queue += (s->n_ports == 1 ? s->ports[0].q_len : queued(s)) * dt;
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

static bool q_push(port *p, uint32_t u)
{
    if (p->q_len == p->q_cap) {
        /* Capacities are powers of two so positions wrap with a mask. */
        uint32_t cap = p->q_cap ? p->q_cap * 2 : 16;
        uint32_t *q = malloc((size_t)cap * sizeof *q);
        if (!q)
            return false;
        for (uint32_t i = 0; i < p->q_len; i++)
            q[i] = p->q[(p->q_head + i) & (p->q_cap - 1)];
        free(p->q);
        p->q = q;
        p->q_cap = cap;
        p->q_head = 0;
    }
    p->q[(p->q_head + p->q_len) & (p->q_cap - 1)] = u;
    p->q_len++;
    return true;
}

static inline uint32_t q_pop(port *p)
{
    uint32_t u = p->q[p->q_head];
    p->q_head = (p->q_head + 1) & (p->q_cap - 1);
    p->q_len--;
    return u;
}

/* Would a unit arriving now at input pi find a place (in the buffer, or
 * straight on an idle server)? */
static inline bool can_accept(const station *s, int pi)
{
    const port *p = &s->ports[pi];
    if (p->cap == CTI_BUFFER_INF || (long)p->q_len < p->cap)
        return true;
    return !s->converter && s->n_in[SRV_IDLE] > 0 && (int)queued(s) + 1 >= s->batch_min;
}

/* ---- the state machine ---------------------------------------------- */

static void try_start(station *s);
static void try_push(station *s, int k);
static void notify_room_slow(station *s);

/* Room may have appeared in s. Most of the time nobody waits for it: test
 * that inline before the call. */
static inline void notify_room(station *s)
{
    if (s->n_waiting > 0 || s->fed_saturated)
        notify_room_slow(s);
}
static void ev_done(ct_sim *sim, void *ctx, uint64_t arg);
static void ev_batch_timer(ct_sim *sim, void *ctx, uint64_t arg);

HOT void enter(station *s, int pi, uint32_t u)
{
    line *L = s->L;
    st_advance(s);
    L->units[u].arrived = *L->now;
    port *p = &s->ports[pi];
    if (!q_push(p, u)) {
        fail_nomem(L);
        return;
    }
    if (s->converter)
        p->avail += cti_rec_available(L, &L->units[u]);
    try_start(s);
}

/* The input whose first unit has waited longest (non-converters with
 * several inputs serve them as one FIFO). */
static inline int oldest_port(const station *s)
{
    int best = 0;
    if (s->n_ports == 1)
        return 0;
    double t = INFINITY;
    for (int p = 0; p < s->n_ports; p++) {
        const port *q = &s->ports[p];
        if (q->q_len > 0 && s->L->units[q->q[q->q_head]].arrived < t) {
            t = s->L->units[q->q[q->q_head]].arrived;
            best = p;
        }
    }
    return best;
}

/* May the oldest waiting unit start now, short of a full batch? */
static inline bool batch_timed_out(const station *s)
{
    if (s->cfg->batch_max_wait_s < 0)
        return false;
    const port *p = &s->ports[oldest_port(s)];
    if (p->q_len == 0)
        return false;
    return *s->L->now >= s->L->units[p->q[p->q_head]].arrived + s->cfg->batch_max_wait_s;
}

/* Is there a job to start: inputs for a converter, a full batch, or a short
 * batch that timed out? */
static inline bool job_ready(const station *s)
{
    if (s->converter) {
        const cti_station *c = s->cfg;
        for (int i = 0; i < c->n_consumes; i++)
            if (c->consumes[i].port >= 0 &&
                s->ports[c->consumes[i].port].avail < c->consumes[i].amount - 1e-9)
                return false;
        return true;
    }
    uint32_t n = s->n_ports == 1 ? s->ports[0].q_len : queued(s);
    return n > 0 && ((int)n >= s->batch_min || batch_timed_out(s));
}

static inline void job_init(station *s, cti_job *job, const uint32_t *units, int n)
{
    /* Field by field: input_attr (most of the struct) is written by
     * cti_rec_convert for a converter and read only under has_input, which
     * stays false for every other job (a memset of it on every job was
     * 2 % of a factory run). */
    job->has_input[0] = job->has_input[1] = false;
    job->input_defects = 0;
    job->input_age_s[0] = job->input_age_s[1] = 0.0;
    job->scrap_causes = NULL;
    job->line = s->L;
    job->station = s;
    job->st = s->cfg;
    job->params = s->cfg->kind_params;
    job->state = s->kind_state;
    job->rng = &s->rng_quality;
    job->now = *s->L->now;
    job->units = units;
    job->n_units = n;
}

/* Starts a job on server k (idle, or just finished): takes up to
 * batch_size units from the inputs, or, for a converter, makes a new unit
 * from the inputs. The caller has advanced the statistics. */
static void start_job(station *s, int k)
{
    line *L = s->L;
    double now = *L->now;
    server *v = &s->srv[k];
    uint32_t *held = &s->held[(size_t)k * s->held_per_server];
    const cti_kind *kind = s->cfg->kind;
    double t = -1;
    if (s->converter) {
        cti_job job;
        job_init(s, &job, held, 1);
        if (!cti_rec_convert(s, &job, &held[0]) ||
            (s->cfg->n_uses > 0 && !cti_rec_use(s, held[0]))) {
            fail_nomem(L);
            return;
        }
        v->n_held = 1;
        if (kind && kind->start)
            t = kind->start(&job);
        /* inputs were used: room upstream, signalled by try_start */
    } else {
        uint32_t n = 0;
        while (n < (uint32_t)s->batch_size) {
            port *p = &s->ports[oldest_port(s)];
            if (p->q_len == 0)
                break;
            uint32_t u = q_pop(p);
            held[n++] = u;
            s->wait_sum += now - L->units[u].arrived;
            s->wait_n++;
            if (s->cfg->n_uses > 0 && !cti_rec_use(s, u)) {
                fail_nomem(L);
                return;
            }
        }
        v->n_held = n;
        if (kind && kind->start) {
            cti_job job;
            job_init(s, &job, held, (int)n);
            t = kind->start(&job);
        }
    }
    v->n_pushed = 0;
    v->started = now;
    if (v->state != SRV_BUSY)
        set_state(s, k, SRV_BUSY);
    if (t < 0)
        t = ct_dist_sample(&s->cfg->process_time, &s->rng_proc);
    t += s->gate_time_s;
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
        } while (!L->nomem && s->n_in[SRV_IDLE] > 0 && job_ready(s));
        took = true;
    }
    /* A short batch may start once its oldest unit has waited max_wait. If
     * that moment has passed, no timer is needed: the start waits for a
     * server, and a server that frees up calls try_start. */
    if (s->batch_size > 1 && s->cfg->batch_max_wait_s >= 0) {
        const port *p = &s->ports[oldest_port(s)];
        if (p->q_len > 0) {
            double t = L->units[p->q[p->q_head]].arrived + s->cfg->batch_max_wait_s;
            if (t > *L->now && !ct_sim_pending_time(L->sim, s->batch_timer, NULL))
                s->batch_timer = ct_sim_schedule_at(L->sim, t, PRIO_DONE, ev_batch_timer, s, 0);
        }
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

static inline int32_t dest_of(int to, int port)
{
    return to < 0 ? to : DEST_ENCODE(to, port);
}

/* Draws where a finished unit goes: scrap, rework, or a `next` branch. */
HOT int32_t route(station *s)
{
    const cti_station *c = s->cfg;
    double bad = c->scrap_p + c->rework_p;
    if (bad <= 0 && c->n_next <= 1)
        return c->n_next == 1 ? dest_of(c->next[0].to, c->next[0].port) : s->default_next;
    double u = ct_rng_uniform(&s->rng_route);
    if (u < c->scrap_p)
        return DEST_SCRAP;
    if (u < bad) {
        s->reworked++;
        return dest_of(c->rework_to, c->rework_port);
    }
    if (c->n_next <= 1)
        return c->n_next == 1 ? dest_of(c->next[0].to, c->next[0].port) : s->default_next;
    /* Reuse the draw: conditional on "good" it is uniform on (bad, 1). */
    double v = (u - bad) / (1.0 - bad), acc = 0;
    for (int i = 0; i < c->n_next - 1; i++) {
        acc += c->next[i].p;
        if (v < acc)
            return dest_of(c->next[i].to, c->next[i].port);
    }
    return dest_of(c->next[c->n_next - 1].to, c->next[c->n_next - 1].port);
}

/* Where a unit that finished processing goes: the learning curve's extra
 * scrap first (cause "ramp-up"), then the station's own scrap, rework and
 * routing. The one place every station's ramp-up scrap is drawn, from its
 * own random stream so that runs without learning keep their draws. */
static inline int32_t route_finished(station *s, const char **cause)
{
    if (s->learn) {
        const line *L = s->L;
        double p = cti_learning_scrap(s->learn, L->opt->learning_age_s + *L->now,
                                      s->learn_n0 + (double)s->learn_n);
        if (ct_rng_uniform(&s->rng_learn) < p) {
            *cause = cti_cause_ramp_up;
            return DEST_SCRAP;
        }
    }
    return route(s);
}

/* The end of a job: the kind's process model, splitting, gates, then where
 * each unit goes. */
static void ev_done(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    station *s = ctx;
    int k = (int)arg;
    server *v = &s->srv[k];
    size_t base = (size_t)k * s->held_per_server;
    uint32_t *held = &s->held[base];
    const char **cause = &s->cause[base];
    v->done_ev = 0;
    s->processed += v->n_held;
    s->learn_n += v->n_held;
    const ct_observer *obs = s->L->opt->observer;
    if (obs && obs->passage) {
        /* the units of a job share all but the unit */
        ct_passage p = {{CT_UNIT_ITEM, NULL, 0, 0}, s->cfg->name, s->idx, k, v->started, *s->L->now};
        for (uint32_t i = 0; i < v->n_held; i++) {
            p.unit = cti_rec_ref(s->L, held[i]);
            obs->passage(obs->ctx, s->L->rep, &p);
        }
    }
    const cti_kind *kind = s->cfg->kind;
    if (!kind && s->cfg->splits <= 1 && s->n_gates == 0 && s->n_shifts == 0) {
        /* a plain station: count, route, hand on */
        for (uint32_t i = 0; i < v->n_held; i++) {
            cause[i] = NULL;
            if (s->L->units[held[i]].rec == NO_REC)
                s->processed_amount += 1;
            else
                cti_rec_add_value(s, held[i]);
            s->dest[base + i] = route_finished(s, &cause[i]);
        }
        try_push(s, k);
        return;
    }
    for (uint32_t i = 0; i < v->n_held; i++) {
        cause[i] = NULL;
        /* plain units count one each; records know their amount and value */
        if (s->L->units[held[i]].rec == NO_REC)
            s->processed_amount += 1;
        else
            cti_rec_add_value(s, held[i]);
    }
    if (kind && kind->finish) {
        cti_job job;
        job_init(s, &job, held, (int)v->n_held);
        job.scrap_causes = cause;
        kind->finish(&job);
    }
    if (s->cfg->splits > 1 && v->n_held == 1 && !cause[0]) {
        if (!cti_rec_split(s, held[0], held)) {
            fail_nomem(s->L);
            return;
        }
        v->n_held = (uint32_t)s->cfg->splits;
        for (uint32_t i = 0; i < v->n_held; i++)
            cause[i] = NULL;
    }
    for (uint32_t i = 0; s->n_shifts > 0 && i < v->n_held; i++)
        cti_shift_apply(s, held[i]);
    for (uint32_t i = 0; i < v->n_held; i++) {
        int32_t *d = &s->dest[base + i];
        *d = cause[i] ? DEST_SCRAP : route_finished(s, &cause[i]);
        if (*d != DEST_SCRAP && s->n_gates > 0)
            cti_gates_apply(s, held[i], d, &cause[i]);
    }
    try_push(s, k);
}

HOT void leave_station(station *s, uint32_t u)
{
    s->soj_sum += *s->L->now - s->L->units[u].arrived;
    s->soj_n++;
}

static void add_waiter(station *ts, port *target, line *L, int station_idx, int k)
{
    ts->n_waiting++;
    if (target->n_w == target->w_cap) {
        int cap = target->w_cap ? target->w_cap * 2 : 8;
        waiter *w = realloc(target->w, (size_t)cap * sizeof *w);
        if (!w) {
            fail_nomem(L);
            return;
        }
        target->w = w;
        target->w_cap = cap;
    }
    target->w[target->n_w++] = (waiter){station_idx, k};
}

static void remove_waiter(station *ts, port *target, int station_idx, int k)
{
    for (int i = 0; i < target->n_w; i++) {
        if (target->w[i].station == station_idx && target->w[i].server == k) {
            memmove(&target->w[i], &target->w[i + 1],
                    (size_t)(target->n_w - i - 1) * sizeof *target->w);
            target->n_w--;
            ts->n_waiting--;
            return;
        }
    }
}

static void ev_release_hold(ct_sim *sim, void *ctx, uint64_t arg);

/* A unit leaves the line: good out of the end, scrapped, or held. */
HOT void leave_line(station *s, uint32_t u, int32_t d, const char *cause)
{
    line *L = s->L;
    unit *un = &L->units[u];
    if (d == DEST_HOLD) {
        /* Quarantine: the unit waits for the laboratory, outside the flow;
         * gates.c decides at release whether it is scrapped or goes on. */
        s->held_n++;
        const cti_gate *g = CTI_GATE_OF_CAUSE(cause);
        ct_sim_schedule(L->sim, g->hold_time_s, PRIO_DONE, ev_release_hold, s,
                        ((uint64_t)(g - L->f->gates) << 32) | u);
        return;
    }
    line_advance(L);
    L->wip--;
    if (d == DEST_SCRAP) {
        if (!cause)
            cause = "scrap rate";
        s->scrapped++;
        L->scrapped++;
        cti_rec_account_scrap(s, u, cause, -1);
        if (un->form == CTI_FORM_CELL)
            cti_rec_report_cell(L, s, u, cause);
        else if (un->rec != NO_REC)
            cti_rec_report_material(L, u, 1, cause);
    } else {
        L->completed++;
        L->lead_sum += *L->now - un->created;
        if (un->rec != NO_REC && un->form != CTI_FORM_CELL)
            cti_rec_report_material(L, u, 0, NULL);
        if (un->form == CTI_FORM_CELL) {
            cti_rec_report_cell(L, s, u, NULL);
            cti_cell *c = cti_rec_cell(L, un);
            L->cells_done++;
            L->cells_finished++;
            L->cells_first_pass += c->reworks == 0;
            L->escapes += c->defects != 0;
            L->active_good += c->active_kg;
            double ah = c->attr[CTI_C_CAPACITY] > 0 ? c->attr[CTI_C_CAPACITY]
                                                    : L->f->cell.nominal_capacity_ah;
            L->cell_wh_sum += ah * L->f->cell.nominal_voltage_v;
        }
    }
    unit_free(L, u);
}

/* Hands the server's finished units on, as far as there is room. */
static void try_push(station *s, int k)
{
    line *L = s->L;
    server *v = &s->srv[k];
    size_t base = (size_t)k * s->held_per_server;
    while (v->n_pushed < v->n_held) {
        uint32_t u = s->held[base + v->n_pushed];
        int32_t d = s->dest[base + v->n_pushed];
        if (d >= 0) {
            station *t = &L->st[DEST_STATION(d)];
            int pi = DEST_PORT(d);
            if (!can_accept(t, pi)) {
                if (v->state != SRV_BLOCKED) {
                    st_advance(s);
                    set_state(s, k, SRV_BLOCKED);
                }
                add_waiter(t, &t->ports[pi], L, s->idx, k);
                return;
            }
            v->n_pushed++;
            leave_station(s, u);
            enter(t, pi, u);
            continue;
        }
        v->n_pushed++;
        leave_station(s, u);
        leave_line(s, u, d, s->cause[base + v->n_pushed - 1]);
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

static void ev_release_hold(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    station *s = ctx;
    line *L = s->L;
    uint32_t u = (uint32_t)arg;
    const cti_gate *g = &L->f->gates[arg >> 32];
    /* The laboratory sees the true value: a unit within the limits is
     * released to the gate station's normal route, otherwise scrapped. */
    int32_t d = route(s);
    const char *cause = NULL;
    cti_gates_lab(s, g, u, &d, &cause);
    if (d >= 0) {
        station *t = &L->st[DEST_STATION(d)];
        /* Released units re-enter like any arrival; a full buffer sends
         * them back to the lab queue for another look later. */
        if (can_accept(t, DEST_PORT(d))) {
            enter(t, DEST_PORT(d), u);
            return;
        }
        ct_sim_schedule(L->sim, g->hold_time_s, PRIO_DONE, ev_release_hold, s, arg);
        return;
    }
    leave_line(s, u, d, cause);
}

HOT uint32_t new_unit(line *L)
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
static void notify_room_slow(station *s)
{
    line *L = s->L;
    for (int pi = 0; pi < s->n_ports; pi++) {
        port *p = &s->ports[pi];
        while (p->n_w > 0 && can_accept(s, pi)) {
            waiter w = p->w[0];
            memmove(&p->w[0], &p->w[1], (size_t)(p->n_w - 1) * sizeof *p->w);
            p->n_w--;
            s->n_waiting--;
            try_push(&L->st[w.station], w.server);
        }
    }
    if (s != L->src_target || !L->f->source.saturated)
        return;
    /* A saturated source keeps the buffer as full as it may be; with an
     * infinite buffer it only keeps a batch's worth waiting. */
    port *p = &s->ports[L->src_port];
    for (;;) {
        bool room = p->cap == CTI_BUFFER_INF ? (int)p->q_len < (s->batch_size > 1 ? s->batch_size : 0)
                                            : (long)p->q_len < p->cap;
        if (!room && !(s->n_in[SRV_IDLE] > 0 && (int)queued(s) + 1 >= s->batch_min))
            return;
        uint32_t u = new_unit(L);
        if (u == NO_UNIT)
            return;
        enter(s, L->src_port, u);
    }
}

static void ev_arrival(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    line *L = ctx;
    double t = ct_dist_sample(&L->f->source.interarrival, &L->rng_src);
    ct_sim_schedule(sim, t, PRIO_ARRIVAL, ev_arrival, L, 0);
    if (!can_accept(L->src_target, L->src_port)) {
        L->rejected++;
        return;
    }
    uint32_t u = new_unit(L);
    if (u != NO_UNIT)
        enter(L->src_target, L->src_port, u);
}

uint32_t cti_line_new_unit(line *L)
{
    return new_unit(L);
}

void cti_line_unit_consumed(line *L, uint32_t u)
{
    cti_rec_report_material(L, u, 0, NULL);
    line_advance(L);
    L->wip--;
    unit_free(L, u);
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
        int32_t d = s->dest[(size_t)k * s->held_per_server + v->n_pushed];
        remove_waiter(&s->L->st[DEST_STATION(d)], &s->L->st[DEST_STATION(d)].ports[DEST_PORT(d)], s->idx, k);
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

/* The process energy the station's kind has counted so far, Wh (kind.h). */
static double kind_energy_wh(const station *s)
{
    const cti_kind *kind = s->cfg->kind;
    return kind && kind->energy_wh && s->kind_state ? kind->energy_wh(s->kind_state) : 0.0;
}

static void reset_stats(line *L)
{
    line_advance(L);
    L->a_wip = L->lead_sum = 0;
    L->completed = L->scrapped = L->rejected = 0;
    L->cells_done = L->cells_first_pass = L->cells_finished = L->escapes = 0;
    L->cell_wh_sum = L->value_lost = 0;
    L->material_in_usd = 0;
    L->n_causes = 0;
    for (int i = 0; i < L->n; i++) {
        station *s = &L->st[i];
        st_advance(s);
        s->a_busy = s->a_blocked = s->a_down = s->a_queue = 0;
        s->wait_sum = s->soj_sum = 0;
        s->wait_n = s->soj_n = s->processed = s->scrapped = s->reworked = s->held_n = 0;
        s->processed_amount = s->scrapped_amount = 0;
        s->process_wh0 = kind_energy_wh(s);
    }
}

static void ev_warmup(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    (void)arg;
    reset_stats(ctx);
}

static bool collect(line *L, double span, ct_kpis *k)
{
    line_advance(L);
    k->completed = (double)L->completed;
    k->scrapped = (double)L->scrapped;
    k->throughput_per_h = L->completed / span * 3600.0;
    k->wip_mean = L->a_wip / span;
    k->lead_time_mean_s = L->completed ? L->lead_sum / L->completed : 0;
    k->rejected = (double)L->rejected;
    k->events = (double)ct_sim_events_run(L->sim);
    k->cells_per_h = L->cells_done / span * 3600.0;
    k->gwh_per_year = L->cells_done ? k->cells_per_h * 8760.0 * (L->cell_wh_sum / L->cells_done) / 1e9 : 0;
    k->first_pass_yield = L->cells_finished ? (double)L->cells_first_pass / L->cells_finished : 0;
    k->escapes = (double)L->escapes;
    k->value_lost_usd = L->value_lost;
    k->active_in_kg = L->active_in;
    k->active_good_kg = L->active_good;
    k->active_scrap_kg = L->active_scrap;
    k->active_wip_kg = cti_rec_active_wip(L);
    k->cumulative_yield = 1;
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
        o->held = (double)s->held_n;
        o->yield = s->processed_amount > 0 ? 1.0 - s->scrapped_amount / s->processed_amount : 1.0;
        k->cumulative_yield *= o->yield;
        o->process_energy_kwh = (kind_energy_wh(s) - s->process_wh0) / 1000.0;
    }
    k->econ.material_in_usd = L->material_in_usd;
    k->econ.good_cells = (double)L->cells_done;
    free(k->causes);
    k->causes = NULL;
    k->n_causes = (size_t)L->n_causes;
    if (L->n_causes > 0) {
        k->causes = calloc((size_t)L->n_causes, sizeof *k->causes);
        if (!k->causes)
            return false;
        for (int i = 0; i < L->n_causes; i++) {
            const cause_acc *a = &L->causes[i];
            k->causes[i] = (ct_scrap_cause){a->cause, L->f->stations[a->station].name, (double)a->count,
                                            a->amount, a->active_kg, a->cost_usd};
        }
    }
    return true;
}

/* ---- set-up and tear-down -------------------------------------------- */

static void line_free(line *L)
{
    for (int i = 0; L->st && i < L->n; i++) {
        station *s = &L->st[i];
        const cti_kind *kind = s->cfg->kind;
        if (kind && kind->state_destroy && s->kind_state)
            kind->state_destroy(s->kind_state);
        free(s->srv);
        free(s->held);
        free(s->dest);
        free(s->cause);
        free(s->idle);
        free(s->gates);
        free(s->shifts);
        for (int p = 0; p < s->n_ports; p++) {
            free(s->ports[p].q);
            free(s->ports[p].w);
        }
    }
    for (uint32_t i = 0; i < L->m_cap; i++) {
        free(L->mats[i].spans);
        free(L->mats[i].inputs);
    }
    free(L->mats);
    free(L->cells);
    free(L->causes);
    free(L->supply_used_kg);
    free(L->st);
    free(L->units);
    cti_spc_free(L);
    ct_sim_destroy(L->sim);
}

static bool line_init(line *L, const ct_factory *f, const ct_run_options *opt, int rep)
{
    memset(L, 0, sizeof *L);
    L->f = f;
    L->opt = opt;
    L->rep = rep;
    L->n = f->n_stations;
    L->u_free = L->m_free = L->c_free = NO_UNIT;
    L->sim = ct_sim_create(opt->seed);
    L->st = calloc((size_t)L->n, sizeof *L->st);
    L->supply_used_kg = calloc((size_t)(f->n_materials > 0 ? f->n_materials : 1), sizeof(double));
    if (!L->sim || !L->st || !L->supply_used_kg)
        return false;
    L->now = ct_sim_clock(L->sim);
    /* Serial numbers: readable, unique across runs of the same factory
     * with different seeds or replications. */
    L->next_serial = 1;
    ct_rng_init(&L->rng_src, opt->seed, (uint64_t)rep, 0);
    for (int i = 0; i < L->n; i++) {
        station *s = &L->st[i];
        const cti_station *c = &f->stations[i];
        s->cfg = c;
        s->L = L;
        s->idx = i;
        s->default_next = i + 1 < L->n ? DEST_ENCODE(i + 1, 0) : CTI_EXIT;
        s->converter = c->n_consumes > 0;
        s->batch_size = c->batch_size > 0 ? c->batch_size : 1;
        s->batch_min = c->batch_min > 0 ? c->batch_min : 1;
        s->held_per_server = s->batch_size > c->splits ? s->batch_size : (c->splits > 0 ? c->splits : 1);
        s->n_ports = c->n_ports > 0 ? c->n_ports : 1;
        for (int p = 0; p < s->n_ports; p++) {
            long cap = c->n_ports > 0 ? c->ports[p].buffer : c->buffer;
            /* A converter's input holds the unit being used up too. */
            s->ports[p].cap = s->converter && cap == 0 ? 1 : cap;
        }
        size_t held = (size_t)c->servers * s->held_per_server;
        s->srv = calloc((size_t)c->servers, sizeof *s->srv);
        s->held = malloc(held * sizeof *s->held);
        s->dest = malloc(held * sizeof *s->dest);
        s->cause = calloc(held, sizeof *s->cause);
        s->idle = malloc((size_t)c->servers * sizeof *s->idle);
        if (!s->srv || !s->held || !s->dest || !s->cause || !s->idle)
            return false;
        /* Fill the idle stack so that server 0 is taken first. */
        for (int k = c->servers; k-- > 0;) {
            s->srv[k].in_idle_stack = true;
            s->idle[s->n_idle_stack++] = k;
        }
        s->n_in[SRV_IDLE] = c->servers;
        uint64_t stream = 1 + 8 * (uint64_t)i;
        ct_rng_init(&s->rng_proc, opt->seed, (uint64_t)rep, stream);
        ct_rng_init(&s->rng_fail, opt->seed, (uint64_t)rep, stream + 1);
        ct_rng_init(&s->rng_route, opt->seed, (uint64_t)rep, stream + 2);
        ct_rng_init(&s->rng_quality, opt->seed, (uint64_t)rep, stream + 3);
        if (opt->learning && c->learning.on) {
            s->learn = &c->learning;
            ct_rng_init(&s->rng_learn, opt->seed, (uint64_t)rep, stream + 4);
            s->learn_n0 = opt->learning_output ? opt->learning_output[i] : 0;
        }
        if (c->kind && c->kind->state_create) {
            s->kind_state = c->kind->state_create(c->kind_params);
            if (!s->kind_state)
                return false;
        }
        for (int g = 0; g < f->n_gates; g++)
            s->n_gates += f->gates[g].station == i;
        if (s->n_gates > 0) {
            s->gates = malloc((size_t)s->n_gates * sizeof *s->gates);
            if (!s->gates)
                return false;
            int n = 0;
            for (int g = 0; g < f->n_gates; g++) {
                if (f->gates[g].station != i)
                    continue;
                s->gates[n++] = &f->gates[g];
                if (f->gates[g].sample >= 1)
                    s->gate_time_s += f->gates[g].time_s;
            }
        }
        for (int k = 0; k < f->n_shifts; k++)
            s->n_shifts += f->shifts[k].station == i;
        if (s->n_shifts > 0) {
            s->shifts = malloc((size_t)s->n_shifts * sizeof *s->shifts);
            if (!s->shifts)
                return false;
            int n = 0;
            for (int k = 0; k < f->n_shifts; k++)
                if (f->shifts[k].station == i)
                    s->shifts[n++] = &f->shifts[k];
        }
    }
    if (!cti_spc_init(L))
        return false;
    if (f->has_source) {
        L->src_target = &L->st[f->source.to];
        L->src_port = f->source.port;
        L->src_target->fed_saturated = f->source.saturated;
    }
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
    if (f->has_source) {
        if (f->source.saturated)
            notify_room(L.src_target);
        else
            ct_sim_schedule(L.sim, ct_dist_sample(&f->source.interarrival, &L.rng_src),
                            PRIO_ARRIVAL, ev_arrival, &L, 0);
    }
    /* Converters fed from stores only start by themselves. */
    for (int i = 0; i < L.n; i++)
        if (L.st[i].converter)
            try_start(&L.st[i]);

    /* Run in slices so a progress bar can follow; the slices do not change
     * the order of events. */
    const int slices = tick ? 100 : 1;
    for (int i = 1; i <= slices && !L.nomem; i++) {
        ct_sim_run_until(L.sim, i == slices ? opt->horizon_s : opt->horizon_s * i / slices);
        if (tick)
            tick(ct_sim_now(L.sim), tick_ctx);
    }
    if (L.nomem || !collect(&L, opt->horizon_s - opt->warmup_s, kpis) || !cti_spc_collect(&L, kpis))
        goto cleanup;
    if (opt->observer) {
        cti_rec_report_live(&L);
        if (opt->observer->run_done)
            opt->observer->run_done(opt->observer->ctx, rep, opt->horizon_s);
    }
    rc = CT_OK;
cleanup:
    line_free(&L);
    return rc;
}
