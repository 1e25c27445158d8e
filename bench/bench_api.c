/*
 * bench_api.c - the two models of bench/compare.py (bench/mm1.yaml and
 * bench/serial10.yaml) written by hand on the engine's API (ct_sim, ct_rng,
 * ct_dist), as bench/mm1_simpy.py and bench/serial10_simpy.py are written
 * on SimPy's API (and cimba's benchmarks on cimba's): what the engine alone
 * costs, next to what `celltwin run` (the general line model of
 * src/model/line.c) costs on the same model. compare.py runs all three.
 *
 * Same semantics as line.c (serial10: saturated source, FIFO buffers,
 * blocking after service, time-based failures with preempt-resume, a
 * blocked server that fails keeps its unit until repaired; mm1: Poisson
 * source, one server, unlimited FIFO queue) and the same random streams in
 * the same order (the source on stream 0; per station i, process times on
 * stream 1 + 8 i, failures on 2 + 8 i; the same event priorities), so a
 * replication follows exactly the sample path of `celltwin run`: the same
 * events, throughput, lead time and waits, which compare.py checks. The
 * parameters mirror the two YAML files and must be changed with them.
 *
 * Statistics are those compare.py compares: throughput, lead time (time
 * in the line) and each station's mean wait, after the warm-up.
 *
 * Usage: bench_api mm1|serial10 [--horizon S] [--warmup S] [--replications R] [--seed K]
 * Prints one JSON object: means over the replications and the process's
 * CPU time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "celltwin/dist.h"
#include "celltwin/rng.h"
#include "celltwin/sim.h"

/* line.c's priorities: the warm-up first, failures and repairs before
 * completions at the same instant, arrivals last. */
enum { PRIO_WARMUP = 100, PRIO_FAILURE = 10, PRIO_DONE = 0, PRIO_ARRIVAL = -10 };

#define MAX_ST 10

/* What a replication reports; reset at the warm-up. */
typedef struct stats {
    uint64_t completed;
    double lead_sum;
    double wait_sum[MAX_ST];
    uint64_t wait_n[MAX_ST];
} stats;

static void ev_warmup(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    (void)arg;
    memset(ctx, 0, sizeof(stats));
}

static int parse(const char *text, ct_dist *d)
{
    char why[200];
    if (ct_dist_parse(text, CT_DIM_TIME, d, why, sizeof why) == CT_OK)
        return 0;
    fprintf(stderr, "bench_api: %s: %s\n", text, why);
    return 1;
}

/* ---- serial10 (bench/serial10.yaml) ---------------------------------- */

enum { IDLE, BUSY, BLOCKED, DOWN };

#define N_ST 10
#define QCAP 8   /* a power of two above every buffer below */

static const struct {
    const char *process_time;
    int buffer;
    const char *mtbf, *mttr;   /* NULL: no failures */
} SPEC[N_ST] = {
    {"exp(0.8 s)", 2, NULL, NULL},
    {"erlang(2, 0.9 s)", 3, "exp(5 min)", "exp(20 s)"},
    {"exp(0.85 s)", 4, NULL, NULL},
    {"uniform(0.5 s, 1.3 s)", 2, NULL, NULL},
    {"exp(0.9 s)", 5, "exp(10 min)", "exp(40 s)"},
    {"erlang(3, 0.95 s)", 3, NULL, NULL},
    {"exp(0.8 s)", 2, "exp(3 min)", "exp(10 s)"},
    {"exp(0.9 s)", 4, NULL, NULL},
    {"uniform(0.4 s, 1.4 s)", 3, NULL, NULL},
    {"exp(0.85 s)", 3, "exp(8 min)", "exp(30 s)"},
};

typedef struct unit {
    double created, arrived;
} unit;

struct line;

typedef struct station {
    struct line *L;
    int idx, cap, state;
    bool suspended;      /* down while processing: completion postponed */
    bool down_holding;   /* down while blocked: still holds its unit */
    bool upstream_waits; /* the station before is blocked on this one */
    unit q[QCAP];
    int q_head, q_len;
    unit held;
    ct_event_id done_ev;
    ct_dist proc, mtbf, mttr;
    bool fails;
    ct_rng rng_proc, rng_fail;
} station;

typedef struct line {
    stats st_out;        /* reset by ev_warmup */
    ct_sim *sim;
    const double *now;
    station st[N_ST];
} line;

static void try_push(station *s);
static void ev_done(ct_sim *sim, void *ctx, uint64_t arg);

/* Room in the buffer, or an idle (hence up) server. */
static inline bool can_accept(const station *t)
{
    return t->q_len < t->cap || t->state == IDLE;
}

static void start_job(station *s)
{
    unit u = s->q[s->q_head];
    s->q_head = (s->q_head + 1) & (QCAP - 1);
    s->q_len--;
    s->L->st_out.wait_sum[s->idx] += *s->L->now - u.arrived;
    s->L->st_out.wait_n[s->idx]++;
    s->held = u;
    s->state = BUSY;
    s->done_ev = ct_sim_schedule(s->L->sim, ct_dist_sample(&s->proc, &s->rng_proc), PRIO_DONE,
                                 ev_done, s, 0);
}

static void enter(station *t, unit u)
{
    u.arrived = *t->L->now;
    t->q[(t->q_head + t->q_len) & (QCAP - 1)] = u;
    t->q_len++;
    if (t->state == IDLE)
        start_job(t);
}

/* Room may have appeared in s: the blocked upstream server hands on, and
 * the saturated source keeps the first buffer full. */
static void notify_room(station *s)
{
    line *L = s->L;
    if (s->upstream_waits && can_accept(s)) {
        s->upstream_waits = false;
        try_push(&L->st[s->idx - 1]);
    }
    if (s->idx == 0)
        while (can_accept(s))
            enter(s, (unit){*L->now, 0.0});
}

/* Hands the finished unit on if there is room, then takes the next job. */
static void try_push(station *s)
{
    line *L = s->L;
    if (s->idx + 1 < N_ST) {
        station *t = &L->st[s->idx + 1];
        if (!can_accept(t)) {
            s->state = BLOCKED;
            t->upstream_waits = true;
            return;
        }
        enter(t, s->held);
    } else {
        L->st_out.completed++;
        L->st_out.lead_sum += *L->now - s->held.created;
    }
    if (s->q_len > 0)
        start_job(s);
    else
        s->state = IDLE;
    notify_room(s);
}

static void ev_done(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    (void)arg;
    station *s = ctx;
    s->done_ev = 0;
    try_push(s);
}

static void ev_repair(ct_sim *sim, void *ctx, uint64_t arg);

static void ev_failure(ct_sim *sim, void *ctx, uint64_t arg)
{
    station *s = ctx;
    double repair = ct_dist_sample(&s->mttr, &s->rng_fail);
    if (s->state == BUSY) {
        double t_done = 0;
        ct_sim_pending_time(sim, s->done_ev, &t_done);
        ct_sim_reschedule(sim, s->done_ev, t_done + repair);
        s->suspended = true;
    } else if (s->state == BLOCKED) {
        s->L->st[s->idx + 1].upstream_waits = false;
        s->down_holding = true;
    }
    s->state = DOWN;
    ct_sim_schedule(sim, repair, PRIO_FAILURE, ev_repair, s, arg);
}

static void ev_repair(ct_sim *sim, void *ctx, uint64_t arg)
{
    station *s = ctx;
    ct_sim_schedule(sim, ct_dist_sample(&s->mtbf, &s->rng_fail), PRIO_FAILURE, ev_failure, s, arg);
    if (s->suspended) {
        s->suspended = false;
        s->state = BUSY;
    } else if (s->down_holding) {
        s->down_holding = false;
        s->state = BLOCKED;
        try_push(s);
    } else {
        s->state = IDLE;
        if (s->q_len > 0)
            start_job(s);
        notify_room(s);
    }
}

/* One replication of serial10 into *out; the number of events to *events. */
static int serial10(uint64_t seed, int rep, double horizon, double warmup, stats *out,
                    uint64_t *events)
{
    line L;
    memset(&L, 0, sizeof L);
    L.sim = ct_sim_create(seed);
    if (!L.sim)
        return 1;
    L.now = ct_sim_clock(L.sim);
    for (int i = 0; i < N_ST; i++) {
        station *s = &L.st[i];
        s->L = &L;
        s->idx = i;
        s->cap = SPEC[i].buffer;
        s->fails = SPEC[i].mtbf != NULL;
        if (parse(SPEC[i].process_time, &s->proc) ||
            (s->fails && (parse(SPEC[i].mtbf, &s->mtbf) || parse(SPEC[i].mttr, &s->mttr)))) {
            ct_sim_destroy(L.sim);
            return 1;
        }
        uint64_t stream = 1 + 8 * (uint64_t)i;
        ct_rng_init(&s->rng_proc, seed, (uint64_t)rep, stream);
        ct_rng_init(&s->rng_fail, seed, (uint64_t)rep, stream + 1);
    }
    for (int i = 0; i < N_ST; i++)
        if (L.st[i].fails)
            ct_sim_schedule(L.sim, ct_dist_sample(&L.st[i].mtbf, &L.st[i].rng_fail), PRIO_FAILURE,
                            ev_failure, &L.st[i], 0);
    if (warmup > 0)
        ct_sim_schedule_at(L.sim, warmup, PRIO_WARMUP, ev_warmup, &L.st_out, 0);
    notify_room(&L.st[0]);
    ct_sim_run_until(L.sim, horizon);
    *out = L.st_out;
    *events = ct_sim_events_run(L.sim);
    ct_sim_destroy(L.sim);
    return 0;
}

/* ---- mm1 (bench/mm1.yaml) -------------------------------------------- */

typedef struct mm1_state {
    stats st_out;
    ct_sim *sim;
    const double *now;
    ct_dist interarrival, service;
    ct_rng rng_src, rng_proc;
    double *q;               /* arrival times of the waiting customers: a ring */
    uint32_t q_cap, q_head, q_len;
    bool busy;
    double in_service;       /* arrival time of the customer in service */
} mm1_state;

static void mm1_start(mm1_state *m)
{
    double arrived = m->q[m->q_head];
    m->q_head = (m->q_head + 1) & (m->q_cap - 1);
    m->q_len--;
    m->st_out.wait_sum[0] += *m->now - arrived;
    m->st_out.wait_n[0]++;
    m->busy = true;
    m->in_service = arrived;
}

static void mm1_done(ct_sim *sim, void *ctx, uint64_t arg);

static void mm1_arrival(ct_sim *sim, void *ctx, uint64_t arg)
{
    mm1_state *m = ctx;
    ct_sim_schedule(sim, ct_dist_sample(&m->interarrival, &m->rng_src), PRIO_ARRIVAL, mm1_arrival,
                    m, arg);
    if (m->q_len == m->q_cap) {
        /* double the ring, unwrapped */
        uint32_t cap = m->q_cap * 2;
        double *q = malloc(cap * sizeof *q);
        if (!q) {
            fprintf(stderr, "bench_api: out of memory\n");
            exit(1);
        }
        for (uint32_t i = 0; i < m->q_len; i++)
            q[i] = m->q[(m->q_head + i) & (m->q_cap - 1)];
        free(m->q);
        m->q = q;
        m->q_cap = cap;
        m->q_head = 0;
    }
    m->q[(m->q_head + m->q_len) & (m->q_cap - 1)] = *m->now;
    m->q_len++;
    if (!m->busy) {
        mm1_start(m);
        ct_sim_schedule(sim, ct_dist_sample(&m->service, &m->rng_proc), PRIO_DONE, mm1_done, m, 0);
    }
}

static void mm1_done(ct_sim *sim, void *ctx, uint64_t arg)
{
    mm1_state *m = ctx;
    m->st_out.completed++;
    m->st_out.lead_sum += *m->now - m->in_service;
    m->busy = false;
    if (m->q_len > 0) {
        mm1_start(m);
        ct_sim_schedule(sim, ct_dist_sample(&m->service, &m->rng_proc), PRIO_DONE, mm1_done, m, arg);
    }
}

static int mm1(uint64_t seed, int rep, double horizon, double warmup, stats *out,
               uint64_t *events)
{
    mm1_state m;
    memset(&m, 0, sizeof m);
    m.q_cap = 1024;
    m.q = malloc(m.q_cap * sizeof *m.q);
    m.sim = ct_sim_create(seed);
    if (!m.q || !m.sim || parse("exp(1.25 s)", &m.interarrival) || parse("exp(1 s)", &m.service)) {
        free(m.q);
        ct_sim_destroy(m.sim);
        return 1;
    }
    m.now = ct_sim_clock(m.sim);
    ct_rng_init(&m.rng_src, seed, (uint64_t)rep, 0);
    ct_rng_init(&m.rng_proc, seed, (uint64_t)rep, 1);
    if (warmup > 0)
        ct_sim_schedule_at(m.sim, warmup, PRIO_WARMUP, ev_warmup, &m.st_out, 0);
    ct_sim_schedule(m.sim, ct_dist_sample(&m.interarrival, &m.rng_src), PRIO_ARRIVAL, mm1_arrival,
                    &m, 0);
    ct_sim_run_until(m.sim, horizon);
    *out = m.st_out;
    *events = ct_sim_events_run(m.sim);
    free(m.q);
    ct_sim_destroy(m.sim);
    return 0;
}

/* ---- driver ---------------------------------------------------------- */

static const struct {
    const char *name;
    int stations;
    int (*run)(uint64_t, int, double, double, stats *, uint64_t *);
} MODELS[] = {{"mm1", 1, mm1}, {"serial10", N_ST, serial10}};

int main(int argc, char **argv)
{
    double horizon = 5 * 86400.0, warmup = 3600.0;
    long reps = 10;
    unsigned long long seed = 1;
    int model = -1;
    for (size_t k = 0; argc > 1 && k < sizeof MODELS / sizeof MODELS[0]; k++)
        if (!strcmp(argv[1], MODELS[k].name))
            model = (int)k;
    if (model < 0)
        goto usage;
    for (int i = 2; i < argc; i++) {
        char *end = NULL;
        const char *a = argv[i];
        if (i + 1 >= argc)
            goto usage;
        const char *v = argv[++i];
        if (!strcmp(a, "--horizon"))
            horizon = strtod(v, &end);
        else if (!strcmp(a, "--warmup"))
            warmup = strtod(v, &end);
        else if (!strcmp(a, "--replications"))
            reps = strtol(v, &end, 10);
        else if (!strcmp(a, "--seed"))
            seed = strtoull(v, &end, 10);
        else
            goto usage;
        if (end == v || *end) {
            fprintf(stderr, "bench_api: %s: expected a number, got '%s'\n", a, v);
            return 2;
        }
    }
    if (!(horizon > 0) || !(warmup >= 0) || !(warmup < horizon) || reps < 1) {
        fprintf(stderr, "bench_api: expected 0 <= warmup < horizon and replications >= 1\n");
        return 2;
    }
    /* Means over the replications, in replication order as ct_run's. */
    int n_st = MODELS[model].stations;
    double completed = 0, events = 0, throughput = 0, lead = 0, wait[MAX_ST] = {0};
    for (long r = 0; r < reps; r++) {
        stats o;
        uint64_t ev;
        if (MODELS[model].run(seed, (int)r, horizon, warmup, &o, &ev)) {
            fprintf(stderr, "bench_api: %s: could not set up replication %ld\n",
                    MODELS[model].name, r);
            return 1;
        }
        completed += (double)o.completed;
        events += (double)ev;
        throughput += o.completed / (horizon - warmup) * 3600.0;
        lead += o.completed ? o.lead_sum / o.completed : 0.0;
        for (int i = 0; i < n_st; i++)
            wait[i] += o.wait_n[i] ? o.wait_sum[i] / o.wait_n[i] : 0.0;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
                 ru.ru_stime.tv_usec * 1e-6;
    printf("{\"model\": \"%s\", \"replications\": %ld, \"completed\": %.17g, \"events\": %.17g, "
           "\"throughput_per_h\": %.17g, \"lead_time_mean_s\": %.17g, \"mean_wait_s\": [",
           MODELS[model].name, reps, completed / reps, events / reps, throughput / reps, lead / reps);
    for (int i = 0; i < n_st; i++)
        printf("%s%.17g", i ? ", " : "", wait[i] / reps);
    printf("], \"cpu_s\": %.6f}\n", cpu);
    return 0;
usage:
    fprintf(stderr, "usage: bench_api mm1|serial10 [--horizon S] [--warmup S] "
                    "[--replications R] [--seed K]\n");
    return 2;
}
