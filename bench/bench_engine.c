/*
 * bench_engine.c - engine speed and memory: an M/M/1 queue (arrival rate
 * 0.8, service rate 1) of at least 10 million customers through the public
 * API, as `celltwin run` would do it. Prints customers per second (the
 * figure to compare across engines), events per second (every arrival and
 * every service completion is one event: about 2 per customer) and peak
 * memory at two horizons, to show memory stays flat as the horizon grows.
 *
 * Usage: bench_engine [CUSTOMERS]   (default 10000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "celltwin/factory.h"

static const char mm1[] =
    "name: mm1\n"
    "source: {interarrival: exp(1.25)}\n"
    "stations:\n"
    "  - {name: server, servers: 1, process_time: exp(1.0), buffer: .inf}\n";

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int run(const ct_factory *f, double customers, int print)
{
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    opt.horizon_s = customers / 0.8;
    opt.warmup_s = 0;
    opt.seed = 1;
    ct_results *res;
    ct_error err;
    double t0 = wall();
    if (ct_run(f, &opt, NULL, NULL, &res, &err) != CT_OK) {
        fprintf(stderr, "bench_engine: %s\n", err.msg);
        return 1;
    }
    double dt = wall() - t0;
    const ct_kpis *k = ct_results_mean(res);
    if (print) {
        printf("M/M/1 (lambda 0.8, mu 1): %.0f customers, %.0f events in %.3f s\n",
               k->completed, k->events, dt);
        printf("  customers/s: %.3g   events/s: %.3g   (events = arrivals + completions)\n",
               k->completed / dt, k->events / dt);
        printf("  check: Wq %.4f (exact 4), utilization %.4f (exact 0.8)\n",
               k->stations[0].mean_wait_s, k->stations[0].utilization);
    }
    ct_results_destroy(res);
    return 0;
}

int main(int argc, char **argv)
{
    double customers = argc > 1 ? atof(argv[1]) : 1e7;
    ct_factory *f;
    ct_error err;
    if (ct_factory_load_string(mm1, "mm1", &f, &err) != CT_OK) {
        fprintf(stderr, "bench_engine: %s\n", err.msg);
        return 1;
    }
    int rc = run(f, customers / 10, 0);
    long small = peak_rss_kb();
    rc |= run(f, customers, 1);
    long large = peak_rss_kb();
    printf("  peak RSS: %ld KiB after %.0f customers, %ld KiB after %.0f (flat: WIP-bound)\n",
           small, customers / 10, large, customers);
    ct_factory_destroy(f);
    return rc;
}
