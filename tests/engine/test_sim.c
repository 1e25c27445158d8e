/*
 * test_sim.c - the event queue: ordering by (time, priority, FIFO),
 * cancel and reschedule with stale-handle detection, and randomized
 * comparisons against a sorted reference list and, while events schedule,
 * cancel and move events during a run cut into slices, against a plain
 * list searched for its smallest entry.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "celltwin/rng.h"
#include "celltwin/sim.h"

typedef struct log {
    uint64_t seen[4096];
    double at[4096];
    int n;
} log_t;

static void record(ct_sim *sim, void *ctx, uint64_t arg)
{
    log_t *l = ctx;
    l->at[l->n] = ct_sim_now(sim);
    l->seen[l->n++] = arg;
}

static void test_order_time_priority_fifo(void **state)
{
    (void)state;
    ct_sim *s = ct_sim_create(1);
    log_t l = {.n = 0};
    ct_sim_schedule_at(s, 2.0, 0, record, &l, 1);
    ct_sim_schedule_at(s, 1.0, 0, record, &l, 2);
    ct_sim_schedule_at(s, 1.0, 0, record, &l, 3);  /* same time, same priority: FIFO */
    ct_sim_schedule_at(s, 1.0, 5, record, &l, 4);  /* higher priority first */
    ct_sim_schedule_at(s, 1.0, -5, record, &l, 5);
    ct_sim_schedule_at(s, 0.5, 0, record, &l, 6);
    assert_int_equal(ct_sim_events_pending(s), 6);
    assert_int_equal(ct_sim_run_until(s, 10.0), 6);
    uint64_t want[] = {6, 4, 2, 3, 5, 1};
    for (int i = 0; i < 6; i++)
        assert_int_equal(l.seen[i], want[i]);
    assert_true(ct_sim_now(s) == 10.0);
    ct_sim_destroy(s);
}

/* -0.0 is the same instant as +0.0 (IEEE 754 compares them equal), so
 * priority and FIFO order them; it must not sort as a late time (its sign
 * bit set, its bits are the largest of any time). */
static void test_negative_zero_is_time_zero(void **state)
{
    (void)state;
    ct_sim *s = ct_sim_create(1);
    log_t l = {.n = 0};
    ct_sim_schedule_at(s, 1.0, 0, record, &l, 1);
    ct_sim_schedule_at(s, -0.0, 0, record, &l, 2);
    ct_sim_schedule_at(s, 0.0, 5, record, &l, 3);   /* higher priority first */
    ct_sim_schedule_at(s, 0.0, 0, record, &l, 4);   /* same priority: after 2 */
    assert_int_equal(ct_sim_run_until(s, 0.0), 3);  /* the horizon 0 takes all three */
    assert_int_equal(ct_sim_run_until(s, 10.0), 1);
    uint64_t want[] = {3, 2, 4, 1};
    for (int i = 0; i < 4; i++)
        assert_int_equal(l.seen[i], want[i]);
    ct_sim_destroy(s);
}

static void test_run_until_stops_at_horizon(void **state)
{
    (void)state;
    ct_sim *s = ct_sim_create(1);
    log_t l = {.n = 0};
    ct_sim_schedule_at(s, 1.0, 0, record, &l, 1);
    ct_sim_schedule_at(s, 3.0, 0, record, &l, 2);
    assert_int_equal(ct_sim_run_until(s, 2.0), 1);
    assert_true(ct_sim_now(s) == 2.0);
    assert_int_equal(ct_sim_events_pending(s), 1);
    /* an event exactly at the horizon runs */
    assert_int_equal(ct_sim_run_until(s, 3.0), 1);
    assert_int_equal(l.n, 2);
    ct_sim_destroy(s);
}

static void test_cancel_and_stale_handles(void **state)
{
    (void)state;
    ct_sim *s = ct_sim_create(1);
    log_t l = {.n = 0};
    ct_event_id a = ct_sim_schedule_at(s, 1.0, 0, record, &l, 1);
    ct_event_id b = ct_sim_schedule_at(s, 2.0, 0, record, &l, 2);
    ct_event_id c = ct_sim_schedule_at(s, 3.0, 0, record, &l, 3);
    assert_true(ct_sim_cancel(s, b));
    assert_false(ct_sim_cancel(s, b));          /* stale now */
    assert_false(ct_sim_cancel(s, 0));          /* never valid */
    ct_sim_run_until(s, 1.5);
    assert_false(ct_sim_cancel(s, a));          /* already ran */
    /* the freed slot of b is reused: b's handle must not cancel the new event */
    ct_event_id d = ct_sim_schedule_at(s, 2.5, 0, record, &l, 4);
    assert_false(ct_sim_cancel(s, b));
    assert_true(ct_sim_pending_time(s, d, NULL));
    ct_sim_run_until(s, 10);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.seen[0], 1);
    assert_int_equal(l.seen[1], 4);
    assert_int_equal(l.seen[2], 3);
    assert_false(ct_sim_reschedule(s, c, 20.0));
    ct_sim_destroy(s);
}

static void test_reschedule(void **state)
{
    (void)state;
    ct_sim *s = ct_sim_create(1);
    log_t l = {.n = 0};
    ct_event_id a = ct_sim_schedule_at(s, 1.0, 0, record, &l, 1);
    ct_sim_schedule_at(s, 2.0, 0, record, &l, 2);
    ct_event_id c = ct_sim_schedule_at(s, 3.0, 0, record, &l, 3);
    assert_true(ct_sim_reschedule(s, a, 2.5));   /* later */
    assert_true(ct_sim_reschedule(s, c, 0.5));   /* earlier */
    double t;
    assert_true(ct_sim_pending_time(s, a, &t));
    assert_true(t == 2.5);
    /* rescheduling to an occupied time goes behind the events already there */
    assert_true(ct_sim_reschedule(s, a, 2.0));
    ct_sim_run_until(s, 10);
    uint64_t want[] = {3, 2, 1};
    for (int i = 0; i < 3; i++)
        assert_int_equal(l.seen[i], want[i]);
    ct_sim_destroy(s);
}

/* A cancelled event never runs, not even when its record is reused by a
 * new event; a moved event runs once, at its last time; the pending count
 * counts neither the cancelled event nor the old times. */
static void test_cancelled_and_moved_never_run(void **state)
{
    (void)state;
    static log_t l;
    l.n = 0;
    ct_sim *s = ct_sim_create(3);
    ct_event_id a = ct_sim_schedule_at(s, 5.0, 0, record, &l, 1);
    assert_true(ct_sim_cancel(s, a));
    ct_event_id b = ct_sim_schedule_at(s, 10.0, 0, record, &l, 2);  /* a's record, later */
    ct_event_id c = ct_sim_schedule_at(s, 8.0, 0, record, &l, 3);
    assert_true(ct_sim_reschedule(s, c, 12.0));
    assert_true(ct_sim_reschedule(s, c, 3.0));   /* not at 8, not at 12 */
    assert_int_equal(ct_sim_events_pending(s), 2);
    assert_int_equal(ct_sim_run_until(s, 9.0), 1);   /* c at 3; nothing at 5 or 8 */
    assert_int_equal(l.n, 1);
    assert_int_equal(l.seen[0], 3);
    assert_true(l.at[0] == 3.0);
    assert_true(ct_sim_now(s) == 9.0);
    assert_true(ct_sim_pending_time(s, b, NULL));
    assert_int_equal(ct_sim_run_until(s, 20.0), 1);  /* b at 10; nothing at 12 */
    assert_int_equal(l.n, 2);
    assert_int_equal(l.seen[1], 2);
    assert_true(l.at[1] == 10.0);
    assert_int_equal(ct_sim_events_pending(s), 0);
    assert_false(ct_sim_step(s));
    ct_sim_destroy(s);
}

/* Random schedules, cancels and reschedules; the run order must equal a
 * reference computed by sorting (time, -priority, sequence). */
typedef struct ref {
    double t;
    int prio;
    uint64_t seq;
    uint64_t arg;
    ct_event_id id;
    int alive;
} ref;

static int ref_cmp(const void *a, const void *b)
{
    const ref *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->prio != y->prio)
        return x->prio > y->prio ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void test_random_against_reference(void **state)
{
    (void)state;
    enum { N = 4000 };
    static ref refs[N];
    static log_t l;
    l.n = 0;
    ct_sim *s = ct_sim_create(7);
    ct_rng rng;
    ct_rng_init(&rng, 7, 0, 0);
    uint64_t seq = 0;
    for (int i = 0; i < N; i++) {
        refs[i].t = (double)(ct_rng_u64(&rng) % 50);  /* many ties */
        refs[i].prio = (int)(ct_rng_u64(&rng) % 3) - 1;
        refs[i].arg = (uint64_t)i;
        refs[i].seq = seq++;
        refs[i].alive = 1;
        refs[i].id = ct_sim_schedule_at(s, refs[i].t, refs[i].prio, record, &l, (uint64_t)i);
    }
    for (int i = 0; i < N; i += 3) {
        if (i % 2) {
            assert_true(ct_sim_cancel(s, refs[i].id));
            refs[i].alive = 0;
        } else {
            refs[i].t = (double)(ct_rng_u64(&rng) % 50);
            refs[i].seq = seq++;
            assert_true(ct_sim_reschedule(s, refs[i].id, refs[i].t));
        }
    }
    ct_sim_run_until(s, 100);
    qsort(refs, N, sizeof refs[0], ref_cmp);
    int k = 0;
    for (int i = 0; i < N; i++) {
        if (!refs[i].alive)
            continue;
        assert_true(k < l.n);
        assert_int_equal(l.seen[k], refs[i].arg);
        assert_true(l.at[k] == refs[i].t);
        k++;
    }
    assert_int_equal(k, l.n);
    assert_int_equal(ct_sim_events_pending(s), 0);
    ct_sim_destroy(s);
}

/* Events that schedule, cancel and move events while the run goes on, at
 * delays from 1e-9 s to 1e6 s and ties at the same instant, with the run
 * cut into slices at random horizons (so that events are scheduled before
 * a pending event the queue has already looked at). Every event that runs
 * must be the smallest (time, priority, FIFO) of a plain list kept beside
 * the queue. */
enum { CHAOS_MAX = 20000 };
typedef struct chaos_ref {
    double t;
    int prio;
    uint64_t seq;
    ct_event_id id;
    int alive;
} chaos_ref;
static struct {
    chaos_ref r[CHAOS_MAX];
    int n, ran;
    uint64_t seq;
    ct_rng rng;
} cz;

static double chaos_delay(void)
{
    double u = ct_rng_uniform(&cz.rng);
    if (u < 0.2)
        return 0.0;   /* a tie with the current instant */
    return pow(10.0, -9.0 + 15.0 * ct_rng_uniform(&cz.rng));
}

static void chaos(ct_sim *sim, void *ctx, uint64_t arg);

static void chaos_add(ct_sim *sim, double t)
{
    if (cz.n == CHAOS_MAX)
        return;
    chaos_ref *r = &cz.r[cz.n];
    r->t = t;
    r->prio = (int)(ct_rng_u64(&cz.rng) % 3) - 1;
    r->seq = cz.seq++;
    r->alive = 1;
    r->id = ct_sim_schedule_at(sim, t, r->prio, chaos, NULL, (uint64_t)cz.n);
    cz.n++;
}

/* The smallest alive entry of the plain list, -1 when none. */
static int chaos_first(void)
{
    int best = -1;
    for (int i = 0; i < cz.n; i++) {
        const chaos_ref *r = &cz.r[i];
        if (!r->alive)
            continue;
        if (best < 0)
            best = i;
        else {
            const chaos_ref *b = &cz.r[best];
            if (r->t < b->t || (r->t == b->t && (r->prio > b->prio ||
                                                 (r->prio == b->prio && r->seq < b->seq))))
                best = i;
        }
    }
    return best;
}

static void chaos(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)ctx;
    int want = chaos_first();
    assert_int_equal((int)arg, want);
    assert_true(ct_sim_now(sim) == cz.r[want].t);
    cz.r[want].alive = 0;
    cz.ran++;
    int spawn = (int)(ct_rng_u64(&cz.rng) % 3);
    for (int i = 0; i < spawn; i++)
        chaos_add(sim, ct_sim_now(sim) + chaos_delay());
    int victim = (int)(ct_rng_u64(&cz.rng) % (uint64_t)cz.n);
    double u = ct_rng_uniform(&cz.rng);
    if (cz.r[victim].alive && u < 0.1) {
        assert_true(ct_sim_cancel(sim, cz.r[victim].id));
        cz.r[victim].alive = 0;
    } else if (cz.r[victim].alive && u < 0.2) {
        cz.r[victim].t = ct_sim_now(sim) + chaos_delay();
        cz.r[victim].seq = cz.seq++;
        assert_true(ct_sim_reschedule(sim, cz.r[victim].id, cz.r[victim].t));
    }
}

static void test_random_during_run(void **state)
{
    (void)state;
    cz.n = cz.ran = 0;
    cz.seq = 0;
    ct_rng_init(&cz.rng, 11, 0, 0);
    ct_sim *s = ct_sim_create(11);
    for (int i = 0; i < 50; i++)
        chaos_add(s, chaos_delay());
    while (chaos_first() >= 0) {
        double horizon = ct_sim_now(s) + chaos_delay();
        ct_sim_run_until(s, horizon);
        assert_true(ct_sim_now(s) == horizon);
        /* just after the horizon: before the next pending event, mostly */
        if (ct_rng_uniform(&cz.rng) < 0.5)
            chaos_add(s, horizon + 1e-9 * ct_rng_uniform(&cz.rng));
    }
    assert_int_equal(ct_sim_events_pending(s), 0);
    assert_true(cz.ran > 5000);
    ct_sim_destroy(s);
}

/* Events that schedule events: memory is reused, pending stays bounded. */
static void chain(ct_sim *sim, void *ctx, uint64_t arg)
{
    (void)ctx;
    if (arg > 0)
        ct_sim_schedule(sim, 1.0, 0, chain, NULL, arg - 1);
}

static void test_chain_reuses_memory(void **state)
{
    (void)state;
    ct_sim *s = ct_sim_create(1);
    ct_sim_schedule(s, 0.0, 0, chain, NULL, 100000);
    ct_sim_schedule(s, 0.0, 0, chain, NULL, 100000);
    assert_int_equal(ct_sim_run_until(s, 1e9), 200002);
    assert_int_equal(ct_sim_events_run(s), 200002);
    assert_int_equal(ct_sim_events_pending(s), 0);
    ct_sim_destroy(s);
    ct_sim_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_time_priority_fifo),
        cmocka_unit_test(test_negative_zero_is_time_zero),
        cmocka_unit_test(test_run_until_stops_at_horizon),
        cmocka_unit_test(test_cancel_and_stale_handles),
        cmocka_unit_test(test_reschedule),
        cmocka_unit_test(test_cancelled_and_moved_never_run),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_random_during_run),
        cmocka_unit_test(test_chain_reuses_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
