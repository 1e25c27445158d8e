/*
 * test_sweep.c - parameter sweeps through the public API (sweep.h): how a
 * sweep file becomes scenarios (grid order, Latin hypercube strata, values
 * put into the factory's YAML tree), that results do not depend on the
 * thread count or on sharding (merged shards are the same bytes), that a
 * scenario's figures are those of `ct_run` on the same factory, that each
 * kind of mistake is refused with "FILE:LINE:COL: KEY: ...", and that a
 * grid over closed-form models gives the closed forms.
 *
 * Closed forms (../shared/refs/README.md): M/M/1 (Gross & Harris,
 * Fundamentals of Queueing Theory): L = rho/(1-rho), W = 1/(mu-lambda);
 * two exponential machines in tandem with B places between them, first
 * never starved, blocking after service: TH = mu (B+2)/(B+3). Tolerance as
 * in test_queueing.c: 10 replications, pass when |estimate - exact| <= 2 h
 * (h the 95 % half-width, so about 4.5 standard errors) and h is below a
 * stated fraction of the exact value, so a wrong model cannot hide behind
 * a wide interval.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "celltwin/factory.h"
#include "celltwin/sweep.h"
#include "test_dir.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static int setup(void **state)
{
    (void)state;
    return make_dir("/tmp/ct_sweep_XXXXXX");
}

static ct_sweep *load_ok(const char *path)
{
    ct_sweep *s = NULL;
    ct_error err;
    ct_status st = ct_sweep_load(path, &s, &err);
    if (st != CT_OK)
        fail_msg("load %s: %s", path, err.msg);
    return s;
}

static ct_sweep_results *run_ok(const ct_sweep *s, int threads, int shard, int shards)
{
    ct_sweep_run_options opt;
    ct_sweep_run_options_init(&opt);
    opt.threads = threads;
    opt.shard_index = shard;
    opt.shard_count = shards;
    ct_sweep_results *r = NULL;
    ct_error err;
    if (ct_sweep_run(s, &opt, &r, &err) != CT_OK)
        fail_msg("run: %s", err.msg);
    return r;
}

/* The CSV and JSON outputs as one string; caller frees. */
static char *outputs(const ct_sweep_results *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ct_error err;
    assert_non_null(f);
    assert_int_equal(ct_sweep_write_csv(r, f, &err), CT_OK);
    assert_int_equal(ct_sweep_write_json(r, f, &err), CT_OK);
    fclose(f);
    return buf;
}

/* Loading path fails with a message that starts with DIR/file:LINE:COL: KEY:
 * (prefix, without DIR) and contains phrase. */
static void expect_error(const char *path, const char *prefix, const char *phrase)
{
    ct_sweep *s = (ct_sweep *)1;
    ct_error err;
    ct_status st = ct_sweep_load(path, &s, &err);
    char want[256];
    snprintf(want, sizeof want, "%s/%s", dir, prefix);
    printf("  %s\n", err.msg);
    assert_int_not_equal(st, CT_OK);
    assert_null(s);
    if (strncmp(err.msg, want, strlen(want)) != 0)
        fail_msg("expected a message starting \"%s\", got \"%s\"", want, err.msg);
    if (!strstr(err.msg, phrase))
        fail_msg("expected \"%s\" in \"%s\"", phrase, err.msg);
}

static const char tandem[] =
    "name: tandem\n"
    "run: {horizon: 2 h, warmup: 10 min, seed: 7, replications: 3}\n"
    "source: {saturated: true}\n"
    "stations:\n"
    "  - name: m1\n"
    "    process_time: exp(1 s)\n"
    "  - name: oven.1\n"              /* a name with a dot */
    "    process_time: exp(1 s)\n"
    "    buffer: 3\n"
    "    failures: {mtbf: exp(10 min), mttr: exp(1 min)}\n";

/* ------------------------------------------------------------------------ */
/* Scenarios                                                                */

static void test_grid_order_and_text(void **state)
{
    (void)state;
    write_file("tandem.yaml", tandem);
    const char *path = write_file("grid.yaml",
                           "factory: tandem.yaml\n"
                           "parameters:\n"
                           "  - path: stations.oven.1.buffer\n"
                           "    values: [0, 3, .inf]\n"
                           "  - path: stations[0].process_time\n"
                           "    values: [exp(1 s), \"normal(1 s, 0.1 s)\"]\n"
                           "  - path: stations.m1.servers\n"    /* absent in the file: added */
                           "    values: [1]\n");
    ct_sweep *s = load_ok(path);
    assert_int_equal(ct_sweep_scenarios(s), 6);
    assert_int_equal(ct_sweep_parameters(s), 3);
    assert_string_equal(ct_sweep_parameter_path(s, 0), "stations.oven.1.buffer");
    /* The first parameter varies slowest. */
    assert_string_equal(ct_sweep_value(s, 0, 0), "0");
    assert_string_equal(ct_sweep_value(s, 0, 1), "exp(1 s)");
    assert_string_equal(ct_sweep_value(s, 1, 1), "normal(1 s, 0.1 s)");
    assert_string_equal(ct_sweep_value(s, 2, 0), "3");
    assert_string_equal(ct_sweep_value(s, 5, 0), ".inf");
    assert_string_equal(ct_sweep_value(s, 5, 1), "normal(1 s, 0.1 s)");
    /* The run settings come from the factory when the sweep has none. */
    assert_int_equal(ct_sweep_run_settings(s)->replications, 3);
    assert_int_equal(ct_sweep_run_settings(s)->seed, 7);

    /* The values are in the text the loader sees, and it loads. */
    char *text = ct_sweep_scenario_text(s, 5);
    assert_non_null(text);
    assert_non_null(strstr(text, "buffer: .inf"));
    assert_non_null(strstr(text, "normal(1 s, 0.1 s)"));
    assert_non_null(strstr(text, "servers: 1"));
    ct_factory *f = NULL;
    ct_error err;
    assert_int_equal(ct_factory_load_string(text, "scenario5", &f, &err), CT_OK);
    ct_factory_destroy(f);
    free(text);
    ct_sweep_destroy(s);
}

static void test_lhs_strata(void **state)
{
    (void)state;
    write_file("tandem.yaml", tandem);
    const char *path = write_file("lhs.yaml",
                           "factory: tandem.yaml\n"
                           "replications: 2\n"
                           "lhs: {points: 10, seed: 3}\n"
                           "parameters:\n"
                           "  - path: stations.oven.1.buffer\n"
                           "    range: [1, 5]\n"                  /* integers: written as such */
                           "  - path: stations.oven.1.failures.mtbf\n"
                           "    range: [5, 15]\n"
                           "    integer: false\n"
                           "    format: exp({} min)\n");
    ct_sweep *s = load_ok(path);
    assert_int_equal(ct_sweep_scenarios(s), 10);
    int per_int[6] = {0};
    int per_stratum[10] = {0};
    for (size_t i = 0; i < 10; i++) {
        const char *b = ct_sweep_value(s, i, 0);
        const char *m = ct_sweep_value(s, i, 1);
        char *end;
        long v = strtol(b, &end, 10);
        assert_true(*end == '\0' && v >= 1 && v <= 5);
        per_int[v]++;
        double x;
        assert_int_equal(sscanf(m, "exp(%lf min)", &x), 1);
        assert_true(x >= 5 && x < 15);
        per_stratum[(int)floor(x - 5)]++;
    }
    /* 10 strata over [1, 6) of width 0.5: each integer twice; and each of
     * the 10 strata of [5, 15) exactly once. */
    for (int v = 1; v <= 5; v++)
        assert_int_equal(per_int[v], 2);
    for (int k = 0; k < 10; k++)
        assert_int_equal(per_stratum[k], 1);

    /* Same seed, same points. */
    ct_sweep *again = load_ok(path);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(ct_sweep_value(s, i, 1), ct_sweep_value(again, i, 1));
    ct_sweep_destroy(again);
    ct_sweep_destroy(s);
}

/* ------------------------------------------------------------------------ */
/* Determinism                                                              */

static const char grid_lhs[] =
    "factory: tandem.yaml\n"
    "replications: 4\n"
    "horizon: 1 h\n"
    "warmup: 5 min\n"
    "lhs: {points: 3, seed: 11}\n"
    "parameters:\n"
    "  - path: stations.oven.1.buffer\n"
    "    values: [0, 2]\n"
    "  - path: stations.oven.1.failures.mttr\n"
    "    range: [30, 90]\n"
    "    format: exp({} s)\n";

static void test_thread_count_independent(void **state)
{
    (void)state;
    write_file("tandem.yaml", tandem);
    ct_sweep *s = load_ok(write_file("det.yaml", grid_lhs));
    assert_int_equal(ct_sweep_scenarios(s), 6);
    ct_sweep_results *r1 = run_ok(s, 1, 0, 1), *r2 = run_ok(s, 2, 0, 1), *r4 = run_ok(s, 4, 0, 1);
    char *o1 = outputs(r1), *o2 = outputs(r2), *o4 = outputs(r4);
    assert_string_equal(o1, o2);
    assert_string_equal(o1, o4);
    printf("%.600s...\n", o1);
    free(o1);
    free(o2);
    free(o4);
    ct_sweep_results_destroy(r1);
    ct_sweep_results_destroy(r2);
    ct_sweep_results_destroy(r4);
    ct_sweep_destroy(s);
}

static void test_shards_merge_to_same_bytes(void **state)
{
    (void)state;
    write_file("tandem.yaml", tandem);
    ct_sweep *s = load_ok(write_file("det.yaml", grid_lhs));
    ct_sweep_results *whole = run_ok(s, 2, 0, 1);
    char *want = outputs(whole);

    char *parts[3];
    const char *names[3] = {"p1", "p2", "p3"};
    for (int k = 0; k < 3; k++) {
        ct_sweep_results *p = run_ok(s, 1 + k, k, 3);
        assert_false(ct_sweep_results_complete(p));
        assert_true(ct_sweep_results_has(p, (size_t)k));
        assert_false(ct_sweep_results_has(p, (size_t)(k + 1) % 3));
        parts[k] = ct_sweep_results_partial(p);
        assert_non_null(parts[k]);
        ct_sweep_results_destroy(p);
    }
    /* In any order. */
    const char *texts[3] = {parts[2], parts[0], parts[1]};
    const char *tnames[3] = {names[2], names[0], names[1]};
    ct_sweep_results *m = NULL;
    ct_error err;
    assert_int_equal(ct_sweep_merge(texts, tnames, 3, &m, &err), CT_OK);
    assert_true(ct_sweep_results_complete(m));
    char *got = outputs(m);
    assert_string_equal(got, want);
    free(got);
    ct_sweep_results_destroy(m);

    /* Two parts: incomplete, and writing it is refused. */
    assert_int_equal(ct_sweep_merge(texts, tnames, 2, &m, &err), CT_OK);
    assert_false(ct_sweep_results_complete(m));
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(ct_sweep_write_csv(m, devnull, &err), CT_ERR_INVALID);
    fclose(devnull);
    ct_sweep_results_destroy(m);

    /* The same part twice. */
    const char *twice[2] = {parts[0], parts[0]};
    assert_int_equal(ct_sweep_merge(twice, names, 2, &m, &err), CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "also in p1"));

    /* A part of another sweep (other seed). */
    write_file("det2.yaml", "seed: 8\n");
    char other_text[sizeof grid_lhs + 16];
    snprintf(other_text, sizeof other_text, "seed: 8\n%s", grid_lhs);
    ct_sweep *s2 = load_ok(write_file("det2.yaml", other_text));
    ct_sweep_results *p2 = run_ok(s2, 1, 1, 3);
    char *other = ct_sweep_results_partial(p2);
    const char *mixed[2] = {parts[0], other};
    assert_int_equal(ct_sweep_merge(mixed, names, 2, &m, &err), CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "another sweep"));
    free(other);
    ct_sweep_results_destroy(p2);
    ct_sweep_destroy(s2);

    /* Not a partial result at all. */
    const char *junk[1] = {"{\"a\": 1}"};
    assert_int_equal(ct_sweep_merge(junk, names, 1, &m, &err), CT_ERR_PARSE);

    for (int k = 0; k < 3; k++)
        free(parts[k]);
    free(want);
    ct_sweep_results_destroy(whole);
    ct_sweep_destroy(s);
}

/* A scenario's figures are those ct_run gives for its factory text, to the
 * last bit: same streams, same averaging. */
static void test_scenario_equals_run(void **state)
{
    (void)state;
    write_file("tandem.yaml", tandem);
    ct_sweep *s = load_ok(write_file("det.yaml", grid_lhs));
    ct_sweep_results *r = run_ok(s, 2, 0, 1);
    for (size_t i = 0; i < ct_sweep_scenarios(s); i += 5) {
        char *text = ct_sweep_scenario_text(s, i);
        ct_factory *f = NULL;
        ct_error err;
        assert_int_equal(ct_factory_load_string(text, "scenario", &f, &err), CT_OK);
        ct_run_options opt = *ct_sweep_run_settings(s);
        opt.threads = 1;
        ct_results *res = NULL;
        assert_int_equal(ct_run(f, &opt, NULL, NULL, &res, &err), CT_OK);
        const ct_kpis *a = ct_results_mean(res), *b = ct_sweep_results_mean(r, i);
        const ct_kpis *ah = ct_results_ci95(res), *bh = ct_sweep_results_ci95(r, i);
        assert_memory_equal(&a->throughput_per_h, &b->throughput_per_h, sizeof(double));
        assert_memory_equal(&ah->throughput_per_h, &bh->throughput_per_h, sizeof(double));
        assert_memory_equal(&a->lead_time_mean_s, &b->lead_time_mean_s, sizeof(double));
        assert_memory_equal(&a->stations[1].utilization, &b->stations[1].utilization,
                            sizeof(double));
        assert_string_equal(b->stations[1].name, "oven.1");
        ct_results_destroy(res);
        ct_factory_destroy(f);
        free(text);
    }
    ct_sweep_results_destroy(r);
    ct_sweep_destroy(s);
}

/* ------------------------------------------------------------------------ */
/* Mistakes                                                                 */

static void test_errors(void **state)
{
    (void)state;
    write_file("tandem.yaml", tandem);

    expect_error(write_file("e1.yaml", "factory: tandem.yaml\n"
                                "parameters:\n"
                                "  - path: stations.oven.2.buffer\n"
                                "    values: [1]\n"),
                 "e1.yaml:3:11: parameters[0].path:", "no item named \"oven\"");
    expect_error(write_file("e2.yaml", "factory: tandem.yaml\n"
                                "parameters:\n"
                                "  - {path: stations.m1.buffer, values: []}\n"),
                 "e2.yaml:3:40: parameters[0].values:", "got an empty list");
    expect_error(write_file("e3.yaml", "factory: tandem.yaml\n"
                                "lhs: {points: 4}\n"
                                "parameters:\n"
                                "  - {path: stations.m1.buffer, range: [5, 2]}\n"),
                 "e3.yaml:4:39: parameters[0].range:", "empty range");
    expect_error(write_file("e4.yaml", "factory: tandem.yaml\n"
                                "lhs: {points: 4}\n"
                                "parameters:\n"
                                "  - {path: stations.m1.buffer, range: []}\n"),
                 "e4.yaml:4:39: parameters[0].range:", "got an empty list");
    expect_error(write_file("e5.yaml", "factory: tandem.yaml\n"
                                "replications: -2\n"
                                "parameters:\n"
                                "  - {path: stations.m1.buffer, values: [1]}\n"),
                 "e5.yaml:2:15: replications:", "expected an integer >= 1");
    expect_error(write_file("e6.yaml", "factory: tandem.yaml\n"
                                "replication: 2\n"
                                "parameters:\n"
                                "  - {path: stations.m1.buffer, values: [1]}\n"),
                 "e6.yaml:2:1: replication:", "unknown key");
    expect_error(write_file("e7.yaml", "factory: tandem.yaml\n"
                                "parameters:\n"
                                "  - {path: stations.m1.buffer, values: [1], step: 2}\n"),
                 "e7.yaml:3:45: parameters[0].step:", "unknown key");
    /* The loader refuses a value: the sweep file's place, and the scenario. */
    expect_error(write_file("e8.yaml", "factory: tandem.yaml\n"
                                "parameters:\n"
                                "  - path: stations.oven.1.buffer\n"
                                "    values: [1, 2, -1]\n"),
                 "e8.yaml:4:20: parameters[0].values[2]:",
                 "scenario 2 (stations.oven.1.buffer = -1): stations[1].buffer: expected an "
                 "integer >= 0");
    expect_error(write_file("e9.yaml", "factory: tandem.yaml\n"
                                "parameters:\n"
                                "  - path: stations.m1.sevrers\n"
                                "    values: [2]\n"),
                 "e9.yaml:3:11: parameters[0].path:", "stations[0].sevrers: unknown key");
    expect_error(write_file("e10.yaml", "factory: tandem.yaml\n"
                                 "lhs: {points: 3, seed: 1}\n"
                                 "parameters:\n"
                                 "  - {path: stations.m1.process_time, range: [0.5, 2], "
                                 "format: \"normal({} s\"}\n"),
                 "e10.yaml:4:45: parameters[0].range:", "scenario 0");
    expect_error(write_file("e11.yaml", "factory: tandem.yaml\n"
                                 "parameters:\n"
                                 "  - {path: stations.m1.buffer, range: [1, 3]}\n"),
                 "e11.yaml:3:39: parameters[0].range:", "needs a Latin hypercube");
    expect_error(write_file("e12.yaml", "factory: tandem.yaml\n"
                                 "parameters:\n"
                                 "  - {path: run.horizon, values: [1 h]}\n"),
                 "e12.yaml:3:12: parameters[0].path:", "into source or stations");
    expect_error(write_file("e13.yaml", "factory: missing.yaml\n"
                                 "parameters:\n"
                                 "  - {path: stations.m1.buffer, values: [1]}\n"),
                 "e13.yaml:1:10: factory:", "cannot open");
    expect_error(write_file("e14.yaml", "factory: tandem.yaml\n"
                                 "parameters:\n"
                                 "  - {path: stations.m1.buffer, values: [1]}\n"
                                 "  - {path: \"stations[0].buffer\", values: [2]}\n"),
                 "e14.yaml:4:13: parameters[1].path:", "also parameters[0]");
    expect_error(write_file("e15.yaml", "factory: tandem.yaml\n"
                                 "horizon: 1 h\n"
                                 "warmup: 2 h\n"
                                 "parameters:\n"
                                 "  - {path: stations.m1.buffer, values: [1]}\n"),
                 "e15.yaml:3:9: warmup:", "shorter than the horizon");
    expect_error(write_file("e16.yaml", "factory: tandem.yaml\n"
                                 "parameters: [\n"),
                 "e16.yaml:", "syntax error");
    /* A mistake in the base factory is reported where it is, in that file. */
    write_file("broken.yaml", "name: b\nsource: {saturated: true}\nstations:\n  - {name: a}\n");
    expect_error(write_file("e17.yaml", "factory: broken.yaml\n"
                                 "parameters:\n"
                                 "  - {path: stations.a.buffer, values: [1]}\n"),
                 "broken.yaml:4:5: stations[0].process_time:", "missing required key");
}

/* ------------------------------------------------------------------------ */
/* Closed forms                                                             */

static void expect(const char *what, double est, double half, double exact, double max_rel_half)
{
    printf("  %-34s %.6f +- %.6f  (exact %.6f)\n", what, est, half, exact);
    if (!(fabs(est - exact) <= 2 * half))
        fail_msg("%s: estimate %.6f +- %.6f, exact %.6f", what, est, half, exact);
    if (!(half <= max_rel_half * fabs(exact)))
        fail_msg("%s: half-width %.6f too wide for a meaningful check", what, half);
}

static void test_closed_form_mm1_grid(void **state)
{
    (void)state;
    write_file("mm1.yaml", "name: mm1\n"
                    "source: {interarrival: exp(1.25)}\n"
                    "stations:\n"
                    "  - {name: server, process_time: exp(1.0)}\n");
    /* Asymptotic variance of the mean number in system at rho = 0.8 is
     * about 2 rho (1 + rho) / (1 - rho)^4 = 1800 per unit time (see
     * test_queueing.c): 10 x 1.5e5 s gives a standard error near 0.035
     * on L = 4. */
    ct_sweep *s = load_ok(write_file("mm1_sweep.yaml", "factory: mm1.yaml\n"
                                                "replications: 10\n"
                                                "horizon: 150000\n"
                                                "warmup: 2000\n"
                                                "seed: 20261125\n"
                                                "parameters:\n"
                                                "  - path: source.interarrival\n"
                                                "    values: [exp(2), exp(1.25)]\n"));
    ct_sweep_results *r = run_ok(s, 2, 0, 1);
    const double lambda[2] = {0.5, 0.8};
    for (size_t i = 0; i < 2; i++) {
        const ct_kpis *m = ct_sweep_results_mean(r, i), *h = ct_sweep_results_ci95(r, i);
        double rho = lambda[i];   /* mu = 1 */
        char what[64];
        snprintf(what, sizeof what, "lambda %.1f: L", lambda[i]);
        expect(what, m->wip_mean, h->wip_mean, rho / (1 - rho), 0.03);
        snprintf(what, sizeof what, "lambda %.1f: W (s)", lambda[i]);
        expect(what, m->lead_time_mean_s, h->lead_time_mean_s, 1 / (1 - lambda[i]), 0.03);
        snprintf(what, sizeof what, "lambda %.1f: utilization", lambda[i]);
        expect(what, m->stations[0].utilization, h->stations[0].utilization, rho, 0.01);
        snprintf(what, sizeof what, "lambda %.1f: throughput/h", lambda[i]);
        expect(what, m->throughput_per_h, h->throughput_per_h, lambda[i] * 3600, 0.01);
    }
    ct_sweep_results_destroy(r);
    ct_sweep_destroy(s);
}

static void test_closed_form_tandem_buffers(void **state)
{
    (void)state;
    write_file("tandem2.yaml", "name: tandem2\n"
                        "source: {saturated: true}\n"
                        "stations:\n"
                        "  - {name: first, process_time: exp(1)}\n"
                        "  - {name: second, process_time: exp(1), buffer: 1}\n");
    ct_sweep *s = load_ok(write_file("tandem_sweep.yaml", "factory: tandem2.yaml\n"
                                                   "replications: 10\n"
                                                   "horizon: 60000\n"
                                                   "warmup: 1000\n"
                                                   "seed: 20261125\n"
                                                   "parameters:\n"
                                                   "  - path: stations.second.buffer\n"
                                                   "    values: [0, 1, 3]\n"));
    ct_sweep_results *r = run_ok(s, 2, 0, 1);
    const int B[3] = {0, 1, 3};
    for (size_t i = 0; i < 3; i++) {
        const ct_kpis *m = ct_sweep_results_mean(r, i), *h = ct_sweep_results_ci95(r, i);
        char what[64];
        snprintf(what, sizeof what, "tandem B=%d: throughput/s", B[i]);
        expect(what, m->throughput_per_h / 3600, h->throughput_per_h / 3600,
               (B[i] + 2.0) / (B[i] + 3.0), 0.01);
    }
    ct_sweep_results_destroy(r);
    ct_sweep_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_order_and_text),
        cmocka_unit_test(test_lhs_strata),
        cmocka_unit_test(test_thread_count_independent),
        cmocka_unit_test(test_shards_merge_to_same_bytes),
        cmocka_unit_test(test_scenario_equals_run),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_closed_form_mm1_grid),
        cmocka_unit_test(test_closed_form_tandem_buffers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
