/*
 * bench_serial10.c - bench/serial10.yaml written by hand on the engine's
 * API (ct_sim, ct_rng, ct_dist), the way bench/serial10_simpy.py is written
 * on SimPy's: what the engine alone costs on that model, next to what
 * `celltwin run bench/serial10.yaml` (the general line model of
 * src/model/line.c) costs. bench/compare.py runs both and prints both
 * against SimPy.
 *
 * Same semantics as line.c (saturated source, FIFO buffers, blocking after
 * service, time-based failures with preempt-resume; a blocked server that
 * fails keeps its unit until repaired) and the same random streams in the
 * same order (per station: process times on stream 1 + 8 i, failures on
 * 2 + 8 i; the same event priorities), so a replication follows exactly
 * the sample path of `celltwin run`: the same events, throughput, lead
 * time and waits, which compare.py checks. The station table mirrors
 * bench/serial10.yaml and must be changed with it.
 *
 * Statistics are those compare.py compares: throughput, lead time and each
 * station's mean wait, after the warm-up.
 *
 * Usage: bench_serial10 [--horizon S] [--warmup S] [--replications R] [--seed K]
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

enum { IDLE, BUSY, BLOCKED, DOWN };
/* line.c's priorities: the warm-up first, failures and repairs before
 * completions at the same instant. */
enum { PRIO_WARMUP = 100, PRIO_FAILURE = 10, PRIO_DONE = 0 };

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
    double wait_sum;
    uint64_t wait_n;
} station;

typedef struct line {
    ct_sim *sim;
    const double *now;
    station st[N_ST];
    uint64_t completed;
    double lead_sum;
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
    s->wait_sum += *s->L->now - u.arrived;
    s->wait_n++;
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
        L->completed++;
        L->lead_sum += *L->now - s->held.created;
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

static void ev_warmup(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    (void)arg;
    line *L = ctx;
    L->completed = 0;
    L->lead_sum = 0;
    for (int i = 0; i < N_ST; i++) {
        L->st[i].wait_sum = 0;
        L->st[i].wait_n = 0;
    }
}

static int parse(const char *text, ct_dist *d)
{
    char why[200];
    if (ct_dist_parse(text, CT_DIM_TIME, d, why, sizeof why) == CT_OK)
        return 0;
    fprintf(stderr, "bench_serial10: %s: %s\n", text, why);
    return 1;
}

/* One replication; adds its statistics to the sums. */
static int replication(uint64_t seed, int rep, double horizon, double warmup, double *sum)
{
    line L;
    memset(&L, 0, sizeof L);
    L.sim = ct_sim_create(seed);
    if (!L.sim) {
        fprintf(stderr, "bench_serial10: out of memory\n");
        return 1;
    }
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
        ct_sim_schedule_at(L.sim, warmup, PRIO_WARMUP, ev_warmup, &L, 0);
    notify_room(&L.st[0]);
    ct_sim_run_until(L.sim, horizon);

    double span = horizon - warmup;
    sum[0] += (double)L.completed;
    sum[1] += (double)ct_sim_events_run(L.sim);
    sum[2] += L.completed / span * 3600.0;
    sum[3] += L.completed ? L.lead_sum / L.completed : 0.0;
    for (int i = 0; i < N_ST; i++)
        sum[4 + i] += L.st[i].wait_n ? L.st[i].wait_sum / L.st[i].wait_n : 0.0;
    ct_sim_destroy(L.sim);
    return 0;
}

int main(int argc, char **argv)
{
    double horizon = 5 * 86400.0, warmup = 3600.0;
    long reps = 10;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
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
            fprintf(stderr, "bench_serial10: %s: expected a number, got '%s'\n", a, v);
            return 2;
        }
    }
    if (!(horizon > 0) || !(warmup >= 0) || !(warmup < horizon) || reps < 1) {
        fprintf(stderr, "bench_serial10: expected 0 <= warmup < horizon and replications >= 1\n");
        return 2;
    }
    double sum[4 + N_ST] = {0};
    for (long r = 0; r < reps; r++)
        if (replication(seed, (int)r, horizon, warmup, sum))
            return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
                 ru.ru_stime.tv_usec * 1e-6;
    printf("{\"replications\": %ld, \"completed\": %.17g, \"events\": %.17g, "
           "\"throughput_per_h\": %.17g, \"lead_time_mean_s\": %.17g, \"mean_wait_s\": [",
           reps, sum[0] / reps, sum[1] / reps, sum[2] / reps, sum[3] / reps);
    for (int i = 0; i < N_ST; i++)
        printf("%s%.17g", i ? ", " : "", sum[4 + i] / reps);
    printf("], \"cpu_s\": %.6f}\n", cpu);
    return 0;
usage:
    fprintf(stderr, "usage: bench_serial10 [--horizon S] [--warmup S] [--replications R] [--seed K]\n");
    return 2;
}
