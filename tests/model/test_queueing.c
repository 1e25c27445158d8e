/*
 * test_queueing.c - the engine and the generic line model against queueing
 * closed forms (../shared/refs/README.md: Gross & Harris, Fundamentals of
 * Queueing Theory; Little 1961; the tandem line with blocking as an M/M/1/K
 * chain; availability MTBF/(MTBF+MTTR)).
 *
 * Tolerance. Each case runs R = 10 independent replications with a fixed
 * seed. The run's 95 % half-width h is t(0.975, 9) * s / sqrt(10) = 2.26 SE.
 * A case passes when |estimate - exact| <= 2 h (about 4.5 standard errors:
 * a correct model fails with probability below 1e-4, and with the fixed
 * seed the outcome is reproducible) AND h is below a stated fraction of the
 * exact value, so the test is precise enough to catch a wrong model rather
 * than widening its band. Horizons are chosen for that precision: e.g. the
 * M/M/1 at rho = 0.8 has an asymptotic variance of the mean queue length of
 * about 2 rho (1 + rho) / (1 - rho)^4 = 1800 per unit time, so 10 x 2e5 s
 * gives a standard error near 0.03 on L = 4 (0.7 %).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "celltwin/factory.h"

typedef struct run {
    ct_factory *f;
    ct_results *res;
    const ct_kpis *m, *h;
} run;

static run simulate(const char *yaml, double horizon, double warmup, int reps)
{
    run r = {0};
    ct_error err;
    ct_error_clear(&err);
    if (ct_factory_load_string(yaml, "test.yaml", &r.f, &err) != CT_OK)
        fail_msg("load: %s", err.msg);
    ct_run_options opt;
    ct_run_options_init(&opt, r.f);
    opt.horizon_s = horizon;
    opt.warmup_s = warmup;
    opt.replications = reps;
    opt.seed = 20261125;
    opt.threads = 2;
    if (ct_run(r.f, &opt, NULL, NULL, &r.res, &err) != CT_OK)
        fail_msg("run: %s", err.msg);
    r.m = ct_results_mean(r.res);
    r.h = ct_results_ci95(r.res);
    return r;
}

static void done(run *r)
{
    ct_results_destroy(r->res);
    ct_factory_destroy(r->f);
}

/* The rule stated in the file header. */
static void expect(const char *what, double est, double half, double exact, double max_rel_half)
{
    printf("  %-28s %.6f +- %.6f  (exact %.6f)\n", what, est, half, exact);
    if (!(fabs(est - exact) <= 2 * half))
        fail_msg("%s: estimate %.6f +- %.6f, exact %.6f", what, est, half, exact);
    if (!(half <= max_rel_half * fabs(exact)))
        fail_msg("%s: half-width %.6f too wide for a meaningful check", what, half);
}

static void test_mm1(void **state)
{
    (void)state;
    /* lambda = 0.8, mu = 1: L = 4, Lq = 3.2, W = 5, Wq = 4, utilization 0.8 */
    run r = simulate("name: mm1\n"
                     "source: {interarrival: exp(1.25)}\n"
                     "stations:\n"
                     "  - {name: server, servers: 1, process_time: exp(1.0), buffer: .inf}\n",
                     2e5, 2e3, 10);
    const ct_station_kpi *s = &r.m->stations[0], *h = &r.h->stations[0];
    expect("Wq", s->mean_wait_s, h->mean_wait_s, 4.0, 0.03);
    expect("W", s->mean_sojourn_s, h->mean_sojourn_s, 5.0, 0.03);
    expect("Lq", s->mean_queue, h->mean_queue, 3.2, 0.03);
    expect("L (line WIP)", r.m->wip_mean, r.h->wip_mean, 4.0, 0.03);
    expect("utilization", s->utilization, h->utilization, 0.8, 0.01);
    expect("throughput/h", r.m->throughput_per_h, r.h->throughput_per_h, 0.8 * 3600, 0.01);
    done(&r);
}

static void test_mmc(void **state)
{
    (void)state;
    /* lambda = 2, mu = 3, c = 2: Lq = 1/12, Wq = 1/24, W = 0.375, L = 0.75 */
    run r = simulate("name: mmc\n"
                     "source: {interarrival: exp(0.5)}\n"
                     "stations:\n"
                     "  - {name: pair, servers: 2, process_time: exp(0.3333333333333333)}\n",
                     1e5, 1e3, 10);
    const ct_station_kpi *s = &r.m->stations[0], *h = &r.h->stations[0];
    expect("Wq", s->mean_wait_s, h->mean_wait_s, 1.0 / 24, 0.05);
    expect("Lq", s->mean_queue, h->mean_queue, 1.0 / 12, 0.05);
    expect("W", s->mean_sojourn_s, h->mean_sojourn_s, 0.375, 0.02);
    expect("L", r.m->wip_mean, r.h->wip_mean, 0.75, 0.02);
    expect("utilization", s->utilization, h->utilization, 2.0 / 6.0, 0.01);
    done(&r);
}

static void test_md1(void **state)
{
    (void)state;
    /* Pollaczek-Khinchine, constant service 1, lambda = 0.5: Wq = 0.5 */
    run r = simulate("name: md1\n"
                     "source: {interarrival: exp(2)}\n"
                     "stations:\n"
                     "  - {name: server, process_time: const(1)}\n",
                     2e5, 1e3, 10);
    expect("Wq", r.m->stations[0].mean_wait_s, r.h->stations[0].mean_wait_s, 0.5, 0.03);
    done(&r);
}

static void test_mg1_erlang(void **state)
{
    (void)state;
    /* Erlang-3 service with mean 1: E[S^2] = Var + mean^2 = 1/3 + 1 = 4/3.
     * lambda = 0.5: Wq = lambda E[S^2] / (2 (1 - rho)) = 0.5 (4/3) / 1 = 2/3 */
    run r = simulate("name: mg1\n"
                     "source: {interarrival: exp(2)}\n"
                     "stations:\n"
                     "  - {name: server, process_time: \"erlang(3, 1)\"}\n",
                     2e5, 1e3, 10);
    expect("Wq", r.m->stations[0].mean_wait_s, r.h->stations[0].mean_wait_s, 2.0 / 3.0, 0.03);
    done(&r);
}

/* Little's law, L = lambda W, holds on every sample path up to the units in
 * the system at the ends of the window; with about 1e5 units per station
 * the boundary terms are below 1e-3 relative, so a 0.5 % tolerance holds. */
static void test_little_every_station(void **state)
{
    (void)state;
    run r = simulate("name: little\n"
                     "source: {interarrival: exp(1.0)}\n"
                     "stations:\n"
                     "  - {name: a, process_time: \"uniform(0.2, 1.2)\", buffer: 5}\n"
                     "  - {name: b, servers: 2, process_time: \"lognormal(1.5, 0.5)\", buffer: 2}\n"
                     "  - {name: c, process_time: \"triangular(0.3, 0.6, 1.2)\", buffer: 1}\n"
                     "  - {name: d, process_time: \"weibull(2, 0.8)\", buffer: .inf}\n",
                     1e5, 1e3, 1);
    double span = 1e5 - 1e3;
    for (size_t i = 0; i < r.m->n_stations; i++) {
        const ct_station_kpi *s = &r.m->stations[i];
        double lambda = s->processed / span;
        /* units at the station: waiting, plus servers processing or blocked */
        double servers = i == 1 ? 2 : 1;
        double L = s->mean_queue + servers * (s->utilization + s->blocked);
        printf("  station %s: Lq %.5f vs lambda Wq %.5f; L %.5f vs lambda W %.5f\n", s->name,
               s->mean_queue, lambda * s->mean_wait_s, L, lambda * s->mean_sojourn_s);
        assert_true(fabs(s->mean_queue - lambda * s->mean_wait_s) <= 0.005 * s->mean_queue + 1e-3);
        assert_true(fabs(L - lambda * s->mean_sojourn_s) <= 0.005 * L);
    }
    double lambda = r.m->completed / span;
    assert_true(fabs(r.m->wip_mean - lambda * r.m->lead_time_mean_s) <= 0.005 * r.m->wip_mean);
    done(&r);
}

static void tandem_case(int buffer, double exact)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "name: tandem\n"
             "source: {saturated: true}\n"
             "stations:\n"
             "  - {name: first, process_time: exp(1)}\n"
             "  - {name: second, process_time: exp(1), buffer: %d}\n",
             buffer);
    run r = simulate(yaml, 1e5, 1e3, 10);
    char what[64];
    snprintf(what, sizeof what, "tandem B=%d throughput/s", buffer);
    expect(what, r.m->throughput_per_h / 3600, r.h->throughput_per_h / 3600, exact, 0.01);
    /* The first station is never starved in a saturated line. */
    assert_true(r.m->stations[0].starved < 1e-12);
    done(&r);
}

static void test_tandem_finite_buffer(void **state)
{
    (void)state;
    /* mu1 = mu2 = 1, blocking after service: TH = (B + 2) / (B + 3) */
    tandem_case(0, 2.0 / 3.0);
    tandem_case(3, 5.0 / 6.0);
}

static void test_machine_with_failures(void **state)
{
    (void)state;
    /* Saturated exponential machine, mu = 1, MTBF 100, MTTR 10:
     * A = 100 / 110 = 0.909091, TH = mu A; down fraction 1 - A. */
    run r = simulate("name: failing\n"
                     "source: {saturated: true}\n"
                     "stations:\n"
                     "  - {name: machine, process_time: exp(1), failures: {mtbf: exp(100), mttr: exp(10)}}\n",
                     5e5, 1e3, 10);
    expect("throughput/s", r.m->throughput_per_h / 3600, r.h->throughput_per_h / 3600, 100.0 / 110.0, 0.01);
    expect("down fraction", r.m->stations[0].down, r.h->stations[0].down, 10.0 / 110.0, 0.05);
    done(&r);
}

static void test_finite_buffer_loss(void **state)
{
    (void)state;
    /* M/M/1/K with K = buffer + 1 = 3, rho = 0.8: an arrival is turned away
     * with probability P_K = (1 - rho) rho^K / (1 - rho^(K+1)) (PASTA). */
    double rho = 0.8, pk = (1 - rho) * pow(rho, 3) / (1 - pow(rho, 4));
    run r = simulate("name: loss\n"
                     "source: {interarrival: exp(1.25)}\n"
                     "stations:\n"
                     "  - {name: server, process_time: exp(1), buffer: 2}\n",
                     1e5, 1e3, 10);
    double arrivals = r.m->completed + r.m->rejected;  /* +- units left inside */
    expect("P(reject)", r.m->rejected / arrivals, r.h->rejected / arrivals, pk, 0.03);
    done(&r);
}

static void test_batch_station(void **state)
{
    (void)state;
    /* Deterministic: one unit per second, an oven takes 4 at a time for 2 s.
     * Units wait 3, 2, 1 and 0 s for their batch to fill: mean 1.5 s;
     * the sojourn adds the 2 s of processing; throughput 1 unit/s. */
    run r = simulate("name: oven\n"
                     "source: {interarrival: const(1)}\n"
                     "stations:\n"
                     "  - {name: oven, process_time: const(2), batch: 4}\n",
                     4000.5, 0, 1);
    const ct_station_kpi *s = &r.m->stations[0];
    assert_true(fabs(s->mean_wait_s - 1.5) < 1e-9);
    assert_true(fabs(s->mean_sojourn_s - 3.5) < 1e-9);
    /* batch k (k = 1..1000) starts at 4k and ends at 4k + 2: 999 end in time */
    assert_true(fabs(r.m->completed - 3996) < 0.5);
    /* busy 2 s of every 4 */
    assert_true(fabs(s->utilization - 0.5) < 1e-3);
    done(&r);
}

static void test_batch_time_out_with_busy_server(void **state)
{
    (void)state;
    /* One unit per second; batches of up to 10 that may start short after
     * 2 s; one server busy 100 s per batch. The first batch starts at t = 3
     * with the units of t = 1 and 2 (the time-out runs before the arrival at
     * the same instant) and ends at 103. From then on the server is the
     * constraint: each batch takes the 10 oldest units, so batches end at
     * 203, 303, ...: by t = 10000.5 that is 98 full batches (203 .. 9903)
     * plus the first 2 units = 982. (A time-out that fires while every
     * server is busy must not spin at the same instant.) */
    run r = simulate("name: oven\n"
                     "source: {interarrival: const(1)}\n"
                     "stations:\n"
                     "  - {name: oven, process_time: const(100), batch: {size: 10, min: 10, max_wait: 2}}\n",
                     10000.5, 0, 1);
    assert_true(fabs(r.m->completed - 982) < 0.5);
    done(&r);
}

static void test_rework_and_scrap(void **state)
{
    (void)state;
    /* Rework back to the same station with p = 0.2 and scrap 0.1: each pass
     * ends in scrap 0.1, rework 0.2, good 0.7. With lambda = 0.35 the station
     * sees lambda / (1 - 0.2) = 0.4375 per second (a Jackson network with
     * feedback), so utilization 0.4375 with mu = 1; good output 0.35 x 0.7/0.8. */
    run r = simulate("name: rework\n"
                     "source: {interarrival: exp(2.857142857142857)}\n"
                     "stations:\n"
                     "  - {name: s, process_time: exp(1), scrap: 0.1, rework: 0.2, rework_to: s}\n",
                     2e5, 1e3, 10);
    expect("utilization", r.m->stations[0].utilization, r.h->stations[0].utilization, 0.4375, 0.01);
    expect("good per s", r.m->throughput_per_h / 3600, r.h->throughput_per_h / 3600, 0.35 * 0.875, 0.01);
    expect("scrap share", r.m->scrapped / (r.m->scrapped + r.m->completed),
           r.h->scrapped / (r.m->scrapped + r.m->completed), 0.125, 0.05);
    done(&r);
}

static void test_branching(void **state)
{
    (void)state;
    /* 30 % of units go through b, 70 % through c. */
    run r = simulate("name: branch\n"
                     "source: {interarrival: exp(1)}\n"
                     "stations:\n"
                     "  - {name: a, process_time: exp(0.5), next: [{to: b, p: 0.3}, {to: c, p: 0.7}]}\n"
                     "  - {name: b, process_time: exp(0.5), next: exit}\n"
                     "  - {name: c, process_time: exp(0.5)}\n",
                     1e5, 1e3, 10);
    double total = r.m->stations[1].processed + r.m->stations[2].processed;
    expect("share through b", r.m->stations[1].processed / total,
           r.h->stations[1].processed / total, 0.3, 0.02);
    done(&r);
}

/* Same seed, any thread count: the same numbers. */
static void test_threads_do_not_change_results(void **state)
{
    (void)state;
    const char *yaml = "name: t\nsource: {interarrival: exp(1.25)}\n"
                       "stations:\n  - {name: s, process_time: exp(1)}\n";
    ct_factory *f;
    ct_error err;
    assert_int_equal(ct_factory_load_string(yaml, "t.yaml", &f, &err), CT_OK);
    char *out[3];
    int threads[3] = {1, 2, 4};
    for (int i = 0; i < 3; i++) {
        ct_run_options opt;
        ct_run_options_init(&opt, f);
        opt.horizon_s = 1e4;
        opt.replications = 5;
        opt.threads = threads[i];
        ct_results *res;
        assert_int_equal(ct_run(f, &opt, NULL, NULL, &res, &err), CT_OK);
        out[i] = ct_results_json(res);
        ct_results_destroy(res);
    }
    assert_string_equal(out[0], out[1]);
    assert_string_equal(out[0], out[2]);
    for (int i = 0; i < 3; i++)
        free(out[i]);
    ct_factory_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mm1),
        cmocka_unit_test(test_mmc),
        cmocka_unit_test(test_md1),
        cmocka_unit_test(test_mg1_erlang),
        cmocka_unit_test(test_little_every_station),
        cmocka_unit_test(test_tandem_finite_buffer),
        cmocka_unit_test(test_machine_with_failures),
        cmocka_unit_test(test_finite_buffer_loss),
        cmocka_unit_test(test_batch_station),
        cmocka_unit_test(test_batch_time_out_with_busy_server),
        cmocka_unit_test(test_rework_and_scrap),
        cmocka_unit_test(test_branching),
        cmocka_unit_test(test_threads_do_not_change_results),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
