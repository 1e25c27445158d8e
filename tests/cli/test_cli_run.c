/*
 * test_cli_run.c - `celltwin run`, `validate`, `--help`, `help run` and
 * `--version` as a user runs them: the JSON contract of docs/cli.md, the
 * replication confidence intervals, and every kind of bad input getting
 * its FILE:LINE:COL: KEY message (or the option's name) with exit status 2
 * and nothing on stdout.
 */
#include "cli_harness.h"

static const char mm1[] = "name: mm1\n"
                          "source: {interarrival: exp(1.25)}\n"
                          "stations:\n"
                          "  - {name: server, servers: 1, process_time: exp(1.0), buffer: .inf}\n";

static void test_json_contract(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "run '%s' --seed 3 --horizon 2h --warmup 10min --json",
             write_file("mm1.yaml", mm1));
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    assert_true(num(o, "horizon_s") == 7200);
    assert_true(num(o, "warmup_s") == 600);
    assert_true(num(o, "replications") == 1);
    const char *keys[] = {"throughput_per_h", "completed", "scrapped", "wip_mean", "lead_time_mean_s"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        (void)num(o, keys[i]);
    json_t *st = json_object_get(o, "stations");
    assert_int_equal(json_array_size(st), 1);
    json_t *s0 = json_array_get(st, 0);
    assert_string_equal(json_string_value(json_object_get(s0, "name")), "server");
    const char *skeys[] = {"utilization", "blocked", "starved", "down", "mean_queue",
                           "mean_wait_s", "mean_sojourn_s", "processed", "scrapped"};
    double frac = 0;
    for (size_t i = 0; i < sizeof skeys / sizeof skeys[0]; i++)
        (void)num(s0, skeys[i]);
    frac = num(s0, "utilization") + num(s0, "blocked") + num(s0, "starved") + num(s0, "down");
    assert_true(fabs(frac - 1) < 1e-9);
    /* throughput is completed per hour of the statistics window */
    assert_true(fabs(num(o, "throughput_per_h") - num(o, "completed") / (6600.0 / 3600)) < 1e-6);
    assert_null(json_object_get(o, "ci95"));
    assert_string_equal(err_text, "");   /* no progress bar when stderr is not a terminal */
    json_decref(o);
}

static void test_replications_ci95(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "run '%s' --horizon 5000 --replications 4 --threads 2 --json",
             write_file("mm1.yaml", mm1));
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    json_t *ci = json_object_get(o, "ci95");
    assert_non_null(ci);
    assert_true(num(ci, "throughput_per_h") > 0);
    assert_int_equal(json_array_size(json_object_get(ci, "stations")), 1);
    assert_true(num(o, "replications") == 4);
    json_decref(o);
}

static void test_table_and_bottleneck(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "run '%s' --horizon 1h", write_file("mm1.yaml", mm1));
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "throughput"));
    assert_non_null(strstr(out_text, "Bottleneck: server"));
}

static void test_help_and_version(void **state)
{
    (void)state;
    assert_int_equal(run("--help"), 0);
    assert_non_null(strstr(out_text, "run"));
    assert_non_null(strstr(out_text, "validate"));
    assert_int_equal(run("help run"), 0);
    assert_non_null(strstr(out_text, "--replications"));
    assert_non_null(strstr(out_text, "--json"));
    assert_int_equal(run("--version"), 0);
    assert_non_null(strstr(out_text, "celltwin "));
    assert_int_equal(run("frobnicate"), 2);
    assert_non_null(strstr(err_text, "unknown command"));
}

static void test_validate(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "validate '%s'", write_file("mm1.yaml", mm1));
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "ok"));
}

/* One bad factory file: exit 2, the expected message on stderr, no stdout. */
static void expect_bad_file(const char *yaml, const char *message)
{
    char args[512];
    snprintf(args, sizeof args, "run '%s' --json", write_file("bad.yaml", yaml));
    int st = run(args);
    if (st != 2 || !strstr(err_text, message) || out_text[0] != '\0')
        fail_msg("exit %d, stderr \"%s\", want \"%s\"", st, err_text, message);
    snprintf(args, sizeof args, "validate '%s'", write_file("bad.yaml", yaml));
    assert_int_equal(run(args), 2);
}

static void test_bad_factory_files(void **state)
{
    (void)state;
    char missing[256];
    snprintf(missing, sizeof missing, "run '%s/no-such-file.yaml'", dir);
    assert_int_equal(run(missing), 2);
    assert_non_null(strstr(err_text, "no-such-file.yaml: cannot open"));

    expect_bad_file("name: x\nsource: {interarrival: exp(-1)}\n"
                    "stations:\n  - {name: s, process_time: exp(1)}\n",
                    "bad.yaml:2:24: source.interarrival: exp(mean): mean must be > 0");
    expect_bad_file("name: x\nsource: {interarrival: exp(1)}\n"
                    "stations:\n  - name: s\n    process_time: normal(5)\n",
                    "bad.yaml:5:19: stations[0].process_time: normal(mean, sd): expected 2 arguments, got 1");
    expect_bad_file("name: x\nsource: {interarrival: exp(1)}\n"
                    "stations:\n  - {name: s, process_time: exp(1), buffer: -3}\n",
                    "bad.yaml:4:45: stations[0].buffer: expected an integer >= 0 or .inf");
    expect_bad_file("name: x\nsource: {interarrival: exp(1)}\n"
                    "stations:\n  - {name: s, process_time: exp(1), next: nowhere}\n",
                    "bad.yaml:4:43: stations[0].next: unknown station \"nowhere\"");
    expect_bad_file("name: x\nrun: {horizon: 0}\nsource: {interarrival: exp(1)}\n"
                    "stations:\n  - {name: s, process_time: exp(1)}\n",
                    "bad.yaml:2:16: run.horizon: expected a duration > 0");
    expect_bad_file("name: x\nsource: {interarrival: exp(1)}\n"
                    "stations:\n  - {name: s, procces_time: exp(1)}\n",
                    "bad.yaml:4:15: stations[0].procces_time: unknown key");
}

static void test_bad_options(void **state)
{
    (void)state;
    const char *path = write_file("mm1.yaml", mm1);
    struct { const char *opts, *message; } cases[] = {
        {"--horizon 0", "--horizon: expected a duration > 0"},
        {"--horizon 0s", "--horizon: expected a duration > 0"},
        {"--horizon soon", "--horizon: expected"},
        {"--warmup 2h --horizon 1h", "--warmup: expected a duration >= 0 and below the horizon"},
        {"--replications 0", "--replications: expected an integer from 1"},
        {"--replications -2", "--replications: expected an integer from 1"},
        {"--seed x", "--seed: expected an integer >= 0"},
        {"--threads 0", "--threads: expected an integer from 1"},
        {"--frob", "unknown option \"--frob\""},
        {"--seed", "--seed: expected a value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[512];
        snprintf(args, sizeof args, "run '%s' %s", path, cases[i].opts);
        int st = run(args);
        if (st != 2 || !strstr(err_text, cases[i].message))
            fail_msg("%s: exit %d, stderr \"%s\"", cases[i].opts, st, err_text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_contract),
        cmocka_unit_test(test_replications_ci95),
        cmocka_unit_test(test_table_and_bottleneck),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_bad_factory_files),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
