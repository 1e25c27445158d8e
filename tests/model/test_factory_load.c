/*
 * test_factory_load.c - the factory-file loader (src/model/factory_load.c):
 * the three examples load into the expected in-memory form, every key
 * reaches its field, and each kind of mistake is refused with status
 * CT_ERR_PARSE (CT_ERR_IO for a missing file) and a message that starts
 * "NAME:LINE:COL: KEY:" and says what was expected. Positions were counted
 * by hand from the YAML text next to each case (1-based lines and columns).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "celltwin/factory.h"
#include "model/factory_internal.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static ct_factory *load_ok(const char *text)
{
    ct_factory *f = (ct_factory *)1;
    ct_error err;
    ct_status st = ct_factory_load_string(text, "t.yaml", &f, &err);
    if (st != CT_OK)
        print_error("unexpected error: %s\n", err.msg);
    assert_int_equal(st, CT_OK);
    assert_non_null(f);
    return f;
}

/* Loads text as "t.yaml" and checks that it fails with status, that the
 * message starts with prefix ("t.yaml:LINE:COL: KEY:") and contains phrase. */
static void expect_error(const char *text, ct_status status, const char *prefix,
                         const char *phrase)
{
    ct_factory *f = (ct_factory *)1;
    ct_error err;
    ct_status st = ct_factory_load_string(text, "t.yaml", &f, &err);
    if (st == CT_OK || strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
        !strstr(err.msg, phrase))
        print_error("got status %d, message: %s\nwanted prefix: %s\nand phrase: %s\n",
                    (int)st, st == CT_OK ? "(none)" : err.msg, prefix, phrase);
    assert_int_equal(st, status);
    assert_int_equal(err.status, status);
    assert_null(f);
    assert_int_equal(strncmp(err.msg, prefix, strlen(prefix)), 0);
    assert_non_null(strstr(err.msg, phrase));
}

/* A valid start: line 1 name, line 2 source, line 3 `stations:`, line 4
 * the first station's name (its mapping starts at 4:5), line 5 its process
 * time. Cases append station keys from line 6 on. */
#define HEAD                                                                   \
    "name: t\n"                                                                \
    "source: {interarrival: exp(2)}\n"                                         \
    "stations:\n"                                                              \
    "  - name: a\n"                                                            \
    "    process_time: exp(1)\n"

/* ------------------------------------------------------------------------ */
/* Valid files                                                              */

static void test_example_mm1(void **state)
{
    (void)state;
    ct_factory *f = NULL;
    ct_error err;
    ct_status st = ct_factory_load(CT_SOURCE_DIR "/examples/mm1.yaml", &f, &err);
    if (st != CT_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(st, CT_OK);
    assert_string_equal(ct_factory_name(f), "mm1");
    assert_string_equal(f->path, CT_SOURCE_DIR "/examples/mm1.yaml");

    assert_false(f->source.saturated);
    assert_int_equal(f->source.interarrival.kind, CT_DIST_EXP);
    assert_true(f->source.interarrival.truncate_at_zero);
    assert_float_equal(ct_dist_mean(&f->source.interarrival), 1.25, 1e-12);
    assert_int_equal(f->source.to, 0);

    assert_int_equal(f->n_stations, 1);
    const cti_station *s = &f->stations[0];
    assert_string_equal(s->name, "server");
    assert_int_equal(s->servers, 1);
    assert_int_equal(s->buffer, CTI_BUFFER_INF);
    assert_int_equal(s->process_time.kind, CT_DIST_EXP);
    assert_float_equal(ct_dist_mean(&s->process_time), 1.0, 1e-12);
    assert_int_equal(s->batch_size, 1);
    assert_int_equal(s->batch_min, 1);
    assert_false(s->has_failures);
    assert_float_equal(s->scrap_p, 0.0, 0.0);
    assert_float_equal(s->rework_p, 0.0, 0.0);
    assert_int_equal(s->n_next, 0);
    assert_null(s->next);

    ct_run_options opt;
    ct_run_options_init(&opt, f);
    assert_float_equal(opt.horizon_s, 1e6, 0.0);
    assert_float_equal(opt.warmup_s, 1000.0, 0.0);
    assert_int_equal(opt.seed, 1);
    assert_int_equal(opt.replications, 1);
    assert_int_equal(opt.threads, 1);
    assert_false(opt.progress);
    ct_factory_destroy(f);
}

static void test_example_tandem(void **state)
{
    (void)state;
    ct_factory *f = NULL;
    ct_error err;
    ct_status st = ct_factory_load(CT_SOURCE_DIR "/examples/tandem.yaml", &f, &err);
    if (st != CT_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(st, CT_OK);
    assert_string_equal(ct_factory_name(f), "tandem");
    assert_true(f->source.saturated);
    assert_int_equal(f->source.to, 0);
    assert_int_equal(f->n_stations, 2);
    assert_string_equal(f->stations[0].name, "m1");
    assert_string_equal(f->stations[1].name, "m2");
    assert_int_equal(f->stations[0].buffer, CTI_BUFFER_INF);
    assert_int_equal(f->stations[1].buffer, 3);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(f->stations[i].servers, 1);
        assert_int_equal(f->stations[i].process_time.kind, CT_DIST_EXP);
        assert_float_equal(ct_dist_mean(&f->stations[i].process_time), 1.0, 1e-12);
        assert_int_equal(f->stations[i].n_next, 0);   /* default routing */
    }
    assert_float_equal(f->run.horizon_s, 7 * 86400.0, 0.0);
    assert_float_equal(f->run.warmup_s, 3600.0, 0.0);
    assert_int_equal(f->run.replications, 5);
    ct_factory_destroy(f);
}

static void test_example_failures(void **state)
{
    (void)state;
    ct_factory *f = NULL;
    ct_error err;
    ct_status st = ct_factory_load(CT_SOURCE_DIR "/examples/failures.yaml", &f, &err);
    if (st != CT_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(st, CT_OK);
    assert_true(f->source.saturated);
    assert_int_equal(f->n_stations, 1);
    const cti_station *s = &f->stations[0];
    assert_string_equal(s->name, "machine");
    assert_true(s->has_failures);
    assert_int_equal(s->mtbf.kind, CT_DIST_EXP);
    assert_int_equal(s->mttr.kind, CT_DIST_EXP);
    assert_float_equal(ct_dist_mean(&s->mtbf), 100.0, 1e-12);
    assert_float_equal(ct_dist_mean(&s->mttr), 10.0, 1e-12);
    assert_float_equal(ct_dist_mean(&s->process_time), 1.0, 1e-12);
    assert_float_equal(f->run.horizon_s, 30 * 86400.0, 0.0);
    assert_int_equal(f->run.replications, 3);
    ct_factory_destroy(f);
}

/* Every key once, with units, percentages, routing lists and exit. */
static void test_all_keys(void **state)
{
    (void)state;
    ct_factory *f = load_ok(
        "name: every key\n"
        "run: {horizon: 2 h, warmup: 10 min, seed: 18446744073709551615, replications: 4}\n"
        "source:\n"
        "  interarrival: const(30 s)\n"
        "  to: coat\n"
        "stations:\n"
        "  - name: mix\n"
        "    process_time: 1 min\n"
        "    next: exit\n"
        "  - name: coat\n"
        "    servers: 2\n"
        "    process_time: exp(2 min)\n"
        "    buffer: 0\n"
        "    batch: {size: 4, min: 2, max_wait: 5 min}\n"
        "    failures: {mtbf: exp(10 h), mttr: exp(30 min)}\n"
        "    scrap: 1 %\n"
        "    rework: 0.02\n"
        "    rework_to: mix\n"
        "    next: [{to: dry.1, p: 0.75}, {to: exit, p: 25 %}]\n"
        "  - name: dry.1\n"
        "    process_time: \"uniform(1 min, 3 min)\"\n"
        "    batch: 8\n"
        "    next: coat\n");

    assert_string_equal(ct_factory_name(f), "every key");
    assert_float_equal(f->run.horizon_s, 7200.0, 0.0);
    assert_float_equal(f->run.warmup_s, 600.0, 0.0);
    assert_true(f->run.seed == UINT64_MAX);
    assert_int_equal(f->run.replications, 4);
    assert_int_equal(f->source.to, 1);
    assert_int_equal(f->source.interarrival.kind, CT_DIST_CONST);
    assert_float_equal(ct_dist_mean(&f->source.interarrival), 30.0, 1e-12);
    assert_int_equal(f->source.loc.line, 4);
    assert_int_equal(f->source.loc.col, 3);

    assert_int_equal(f->n_stations, 3);
    const cti_station *mix = &f->stations[0], *coat = &f->stations[1], *dry = &f->stations[2];
    assert_int_equal(mix->loc.line, 7);
    assert_int_equal(mix->loc.col, 5);
    assert_float_equal(ct_dist_mean(&mix->process_time), 60.0, 1e-12);
    assert_int_equal(mix->n_next, 1);
    assert_int_equal(mix->next[0].to, CTI_EXIT);
    assert_float_equal(mix->next[0].p, 1.0, 0.0);

    assert_int_equal(coat->servers, 2);
    assert_int_equal(coat->buffer, 0);
    assert_float_equal(ct_dist_mean(&coat->process_time), 120.0, 1e-12);
    assert_int_equal(coat->batch_size, 4);
    assert_int_equal(coat->batch_min, 2);
    assert_float_equal(coat->batch_max_wait_s, 300.0, 0.0);
    assert_true(coat->has_failures);
    assert_float_equal(ct_dist_mean(&coat->mtbf), 36000.0, 1e-9);
    assert_float_equal(ct_dist_mean(&coat->mttr), 1800.0, 1e-9);
    assert_float_equal(coat->scrap_p, 0.01, 1e-15);
    assert_float_equal(coat->rework_p, 0.02, 1e-15);
    assert_int_equal(coat->rework_to, 0);
    assert_int_equal(coat->n_next, 2);
    assert_int_equal(coat->next[0].to, 2);
    assert_float_equal(coat->next[0].p, 0.75, 0.0);
    assert_int_equal(coat->next[1].to, CTI_EXIT);
    assert_float_equal(coat->next[1].p, 0.25, 1e-15);

    assert_int_equal(dry->process_time.kind, CT_DIST_UNIFORM);
    assert_float_equal(ct_dist_mean(&dry->process_time), 120.0, 1e-9);
    assert_int_equal(dry->batch_size, 8);
    assert_int_equal(dry->batch_min, 8);
    assert_true(dry->batch_max_wait_s < 0);   /* `batch: N` never times out */
    assert_int_equal(dry->n_next, 1);
    assert_int_equal(dry->next[0].to, 1);
    ct_factory_destroy(f);
}

/* Defaults: no run section, no optional station keys; anchors and aliases
 * (resolved by libfyaml) share a block between stations. */
static void test_defaults_and_aliases(void **state)
{
    (void)state;
    ct_factory *f = load_ok(
        "name: d\n"
        "source: {saturated: true}\n"
        "stations:\n"
        "  - name: a\n"
        "    process_time: 5\n"
        "    failures: &f {mtbf: exp(1 h), mttr: exp(5 min)}\n"
        "  - name: b\n"
        "    process_time: 5\n"
        "    failures: *f\n"
        "    buffer: .inf\n");
    assert_float_equal(f->run.horizon_s, 86400.0, 0.0);
    assert_float_equal(f->run.warmup_s, 0.0, 0.0);
    assert_int_equal(f->run.seed, 1);
    assert_int_equal(f->run.replications, 1);
    for (int i = 0; i < 2; i++) {
        const cti_station *s = &f->stations[i];
        assert_int_equal(s->servers, 1);
        assert_int_equal(s->buffer, CTI_BUFFER_INF);
        assert_int_equal(s->batch_size, 1);
        assert_int_equal(s->batch_min, 1);
        assert_true(s->has_failures);
        assert_float_equal(ct_dist_mean(&s->mtbf), 3600.0, 1e-9);
        assert_float_equal(ct_dist_mean(&s->mttr), 300.0, 1e-9);
        assert_int_equal(s->n_next, 0);
        assert_float_equal(s->scrap_p, 0.0, 0.0);
    }
    ct_factory_destroy(f);
}

static void test_run_options_defaults(void **state)
{
    (void)state;
    ct_run_options opt;
    memset(&opt, 0xff, sizeof opt);
    ct_run_options_init(&opt, NULL);
    assert_float_equal(opt.horizon_s, 86400.0, 0.0);
    assert_float_equal(opt.warmup_s, 0.0, 0.0);
    assert_int_equal(opt.seed, 1);
    assert_int_equal(opt.replications, 1);
    assert_int_equal(opt.threads, 1);
    assert_false(opt.progress);
    ct_factory_destroy(NULL);   /* no-op */
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */

static void test_missing_file(void **state)
{
    (void)state;
    ct_factory *f = (ct_factory *)1;
    ct_error err;
    ct_status st = ct_factory_load("/nonexistent/celltwin/factory.yaml", &f, &err);
    assert_int_equal(st, CT_ERR_IO);
    assert_null(f);
    assert_string_equal(err.msg,
                        "/nonexistent/celltwin/factory.yaml: cannot open: No such file or directory");
}

static void test_directory_is_io_error(void **state)
{
    (void)state;
    ct_factory *f = (ct_factory *)1;
    ct_error err;
    ct_status st = ct_factory_load(CT_SOURCE_DIR "/examples", &f, &err);
    assert_int_equal(st, CT_ERR_IO);
    assert_null(f);
    assert_non_null(strstr(err.msg, CT_SOURCE_DIR "/examples: cannot "));
}

static void test_syntax_error(void **state)
{
    (void)state;
    /* '}' closes a flow sequence: libfyaml reports it at the '}', 2:25. */
    expect_error("name: t\n"
                 "source: [interarrival: 1}\n",
                 CT_ERR_PARSE, "t.yaml:2:25: syntax error: ", "flow");
    /* A duplicate key is a YAML error too (at the second key, 2:1). */
    expect_error("name: t\n"
                 "name: u\n",
                 CT_ERR_PARSE, "t.yaml:2:1: syntax error: ", "duplicate key");
    /* '@' is reserved in YAML: reported at the '@', 2:9. */
    expect_error("name: t\n"
                 "source: @x\n",
                 CT_ERR_PARSE, "t.yaml:2:9: syntax error: ", "'@'");
}

static void test_not_a_factory(void **state)
{
    (void)state;
    expect_error("", CT_ERR_PARSE, "t.yaml:1:1: top level: ", "empty file");
    expect_error("# only a comment\n", CT_ERR_PARSE, "t.yaml:1:1: top level: ", "empty file");
    expect_error("- a\n- b\n", CT_ERR_PARSE, "t.yaml:1:1: top level: ",
                 "expected a mapping with keys name, run, source, stations, got a list");
    /* A second document would be ignored silently: refused at its start. */
    expect_error("name: t\n---\nname: u\n", CT_ERR_PARSE, "t.yaml:3:1: top level: ",
                 "expected one YAML document");
}

static void test_wrong_type(void **state)
{
    (void)state;
    /* A mapping where the station list belongs: the mapping starts at 3:11. */
    expect_error("name: t\n"
                 "source: {saturated: true}\n"
                 "stations: {name: a, process_time: 1}\n",
                 CT_ERR_PARSE, "t.yaml:3:11: stations: ",
                 "expected a non-empty list of stations, got a mapping");
    /* A list where the source mapping belongs: the list starts at 2:9. */
    expect_error("name: t\n"
                 "source: [exp(1)]\n"
                 "stations:\n"
                 "  - {name: a, process_time: 1}\n",
                 CT_ERR_PARSE, "t.yaml:2:9: source: ",
                 "expected a mapping with keys interarrival, saturated, to, got a list");
    /* A scalar where the failures mapping belongs. */
    expect_error(HEAD "    failures: exp(10)\n",
                 CT_ERR_PARSE, "t.yaml:6:15: stations[0].failures: ",
                 "expected a mapping with keys mtbf, mttr, got \"exp(10)\"");
    /* An empty station list. */
    expect_error("name: t\nsource: {saturated: true}\nstations: []\n",
                 CT_ERR_PARSE, "t.yaml:3:11: stations: ",
                 "expected a non-empty list of stations, got a list");
}

static void test_missing_key(void **state)
{
    (void)state;
    /* The station mapping starts at its first key, 4:5. */
    expect_error("name: t\n"
                 "source: {saturated: true}\n"
                 "stations:\n"
                 "  - name: a\n"
                 "    servers: 2\n",
                 CT_ERR_PARSE, "t.yaml:4:5: stations[0].process_time: ",
                 "missing required key");
    expect_error("source: {saturated: true}\n"
                 "stations: [{name: a, process_time: 1}]\n",
                 CT_ERR_PARSE, "t.yaml:1:1: name: ", "missing required key");
    expect_error("name: t\n"
                 "source: {saturated: true}\n",
                 CT_ERR_PARSE, "t.yaml:1:1: stations: ", "missing required key");
    expect_error(HEAD "    failures: {mtbf: exp(10 h)}\n",
                 CT_ERR_PARSE, "t.yaml:6:15: stations[0].failures.mttr: ",
                 "missing required key");
    /* `next` entries need both to and p. */
    expect_error(HEAD "    next: [{to: exit}]\n",
                 CT_ERR_PARSE, "t.yaml:6:12: stations[0].next[0].p: ", "missing required key");
}

static void test_unknown_key(void **state)
{
    (void)state;
    expect_error("name: t\n"
                 "source: {saturated: true}\n"
                 "stations:\n"
                 "  - name: a\n"
                 "    procces_time: exp(1)\n",
                 CT_ERR_PARSE, "t.yaml:5:5: stations[0].procces_time: ",
                 "unknown key; expected one of name, servers, process_time, buffer");
    expect_error("name: t\nspeed: 3\n", CT_ERR_PARSE, "t.yaml:2:1: speed: ",
                 "unknown key; expected one of name, run, source, stations");
    expect_error("name: t\nrun: {horizon: 1 d, threads: 4}\n", CT_ERR_PARSE,
                 "t.yaml:2:21: run.threads: ", "unknown key");
    /* `kind` is not a key (yet). */
    expect_error(HEAD "    kind: coater\n", CT_ERR_PARSE, "t.yaml:6:5: stations[0].kind: ",
                 "unknown key");
}

static void test_malformed_distribution(void **state)
{
    (void)state;
    /* The value starts at 5:19; dist.h's message follows the key. */
    expect_error("name: t\n"
                 "source: {saturated: true}\n"
                 "stations:\n"
                 "  - name: a\n"
                 "    process_time: exp(-1)\n",
                 CT_ERR_PARSE, "t.yaml:5:19: stations[0].process_time: ", "must be > 0");
    expect_error("name: t\n"
                 "source: {saturated: true}\n"
                 "stations:\n"
                 "  - name: a\n"
                 "    process_time: normal(5)\n",
                 CT_ERR_PARSE, "t.yaml:5:19: stations[0].process_time: ",
                 "expected 2 arguments");
    expect_error("name: t\n"
                 "source: {interarrival: exp(2 kg)}\n"
                 "stations: [{name: a, process_time: 1}]\n",
                 CT_ERR_PARSE, "t.yaml:2:24: source.interarrival: ", "exp");
    expect_error(HEAD "    failures: {mtbf: [1, 2], mttr: 1}\n", CT_ERR_PARSE,
                 "t.yaml:6:22: stations[0].failures.mtbf: ", "expected a distribution");
}

static void test_negative_buffer(void **state)
{
    (void)state;
    expect_error(HEAD "    buffer: -1\n", CT_ERR_PARSE, "t.yaml:6:13: stations[0].buffer: ",
                 "expected an integer >= 0 or .inf, got \"-1\"");
    expect_error(HEAD "    buffer: 2.5\n", CT_ERR_PARSE, "t.yaml:6:13: stations[0].buffer: ",
                 "expected an integer >= 0 or .inf");
}

static void test_non_integer_servers(void **state)
{
    (void)state;
    expect_error(HEAD "    servers: 1.5\n", CT_ERR_PARSE, "t.yaml:6:14: stations[0].servers: ",
                 "expected an integer >= 1");
    expect_error(HEAD "    servers: 0\n", CT_ERR_PARSE, "t.yaml:6:14: stations[0].servers: ",
                 "expected an integer >= 1");
    expect_error(HEAD "    servers: two\n", CT_ERR_PARSE, "t.yaml:6:14: stations[0].servers: ",
                 "got \"two\"");
}

static void test_unknown_station(void **state)
{
    (void)state;
    expect_error(HEAD "    next: b\n", CT_ERR_PARSE, "t.yaml:6:11: stations[0].next: ",
                 "unknown station \"b\"; expected one of a or exit");
    expect_error(HEAD "    next: [{to: a, p: 0.5}, {to: nowhere, p: 0.5}]\n", CT_ERR_PARSE,
                 "t.yaml:6:34: stations[0].next[1].to: ", "unknown station \"nowhere\"");
    expect_error(HEAD "    rework: 0.1\n    rework_to: b\n", CT_ERR_PARSE,
                 "t.yaml:7:16: stations[0].rework_to: ", "unknown station \"b\"");
    /* rework_to and source.to need a station; exit is not one. */
    expect_error(HEAD "    rework: 0.1\n    rework_to: exit\n", CT_ERR_PARSE,
                 "t.yaml:7:16: stations[0].rework_to: ", "unknown station \"exit\"");
    /* A reference before the station list is resolved at the end, too. */
    expect_error("name: t\n"
                 "source: {saturated: true, to: c}\n"
                 "stations: [{name: a, process_time: 1}]\n",
                 CT_ERR_PARSE, "t.yaml:2:31: source.to: ", "unknown station \"c\"");
}

static void test_station_names(void **state)
{
    (void)state;
    expect_error(HEAD "  - name: b\n    process_time: 1\n  - name: a\n    process_time: 1\n",
                 CT_ERR_PARSE, "t.yaml:8:11: stations[2].name: ",
                 "expected a unique name, but \"a\" is also stations[0] (line 4)");
    expect_error(HEAD "  - name: exit\n    process_time: 1\n", CT_ERR_PARSE,
                 "t.yaml:6:11: stations[1].name: ", "other than \"exit\"");
    expect_error(HEAD "  - name: a b\n    process_time: 1\n", CT_ERR_PARSE,
                 "t.yaml:6:11: stations[1].name: ", "letters, digits");
}

static void test_probability_range(void **state)
{
    (void)state;
    expect_error(HEAD "    scrap: 1.5\n", CT_ERR_PARSE, "t.yaml:6:12: stations[0].scrap: ",
                 "expected a probability in [0, 1]");
    expect_error(HEAD "    scrap: -0.1\n", CT_ERR_PARSE, "t.yaml:6:12: stations[0].scrap: ",
                 "expected a probability in [0, 1]");
    expect_error(HEAD "    rework: 120 %\n    rework_to: a\n", CT_ERR_PARSE,
                 "t.yaml:6:13: stations[0].rework: ", "expected a probability in [0, 1]");
    expect_error(HEAD "    next: [{to: a, p: 1.2}, {to: exit, p: -0.2}]\n", CT_ERR_PARSE,
                 "t.yaml:6:23: stations[0].next[0].p: ", "expected a probability in [0, 1]");
}

static void test_scrap_plus_rework(void **state)
{
    (void)state;
    expect_error(HEAD "    scrap: 0.6\n    rework: 0.5\n    rework_to: a\n", CT_ERR_PARSE,
                 "t.yaml:7:13: stations[0].rework: ", "expected scrap + rework <= 1");
    /* A batch station may scrap too. */
    ct_factory *f = load_ok(HEAD "    batch: 10\n    scrap: 0.5\n    rework: 0.5\n"
                                 "    rework_to: a\n");
    assert_int_equal(f->stations[0].batch_size, 10);
    assert_float_equal(f->stations[0].scrap_p, 0.5, 0.0);
    ct_factory_destroy(f);
}

static void test_rework_needs_target(void **state)
{
    (void)state;
    expect_error(HEAD "    rework: 0.1\n", CT_ERR_PARSE, "t.yaml:4:5: stations[0].rework_to: ",
                 "missing required key");
}

static void test_next_sum(void **state)
{
    (void)state;
    expect_error(HEAD "    next: [{to: a, p: 0.7}, {to: exit, p: 0.2}]\n", CT_ERR_PARSE,
                 "t.yaml:6:11: stations[0].next: ", "expected probabilities p that sum to 1");
    expect_error(HEAD "    next: []\n", CT_ERR_PARSE, "t.yaml:6:11: stations[0].next: ",
                 "expected a station name, exit, or a non-empty list");
    /* Within 1e-9 is accepted. */
    ct_factory *f = load_ok(HEAD "    next: [{to: a, p: 0.1}, {to: exit, p: 0.9000000001}]\n");
    assert_int_equal(f->stations[0].n_next, 2);
    ct_factory_destroy(f);
}

static void test_horizon(void **state)
{
    (void)state;
    expect_error("name: t\nrun: {horizon: 0}\n", CT_ERR_PARSE, "t.yaml:2:16: run.horizon: ",
                 "expected a duration > 0");
    expect_error("name: t\nrun:\n  horizon: -3 h\n", CT_ERR_PARSE,
                 "t.yaml:3:12: run.horizon: ", "expected a duration > 0");
    expect_error("name: t\nrun:\n  horizon: 3 kg\n", CT_ERR_PARSE,
                 "t.yaml:3:12: run.horizon: ", "3 kg");
}

static void test_warmup(void **state)
{
    (void)state;
    expect_error("name: t\nrun: {horizon: 1 h, warmup: 60 min}\n", CT_ERR_PARSE,
                 "t.yaml:2:29: run.warmup: ", "expected a warmup shorter than the horizon");
    /* Against the default horizon of 1 d. */
    expect_error("name: t\nrun: {warmup: 2 d}\n", CT_ERR_PARSE, "t.yaml:2:15: run.warmup: ",
                 "shorter than the horizon");
    expect_error("name: t\nrun: {warmup: -1}\n", CT_ERR_PARSE, "t.yaml:2:15: run.warmup: ",
                 "expected a duration >= 0");
}

static void test_replications(void **state)
{
    (void)state;
    expect_error("name: t\nrun: {replications: 0}\n", CT_ERR_PARSE,
                 "t.yaml:2:21: run.replications: ", "expected an integer >= 1");
    expect_error("name: t\nrun: {seed: -1}\n", CT_ERR_PARSE, "t.yaml:2:13: run.seed: ",
                 "expected an integer seed");
}

static void test_batch(void **state)
{
    (void)state;
    expect_error(HEAD "    batch: {size: 4, min: 5}\n", CT_ERR_PARSE,
                 "t.yaml:6:27: stations[0].batch.min: ",
                 "expected an integer between 1 and size (4), got 5");
    expect_error(HEAD "    batch: 0\n", CT_ERR_PARSE, "t.yaml:6:12: stations[0].batch: ",
                 "expected an integer >= 1");
    expect_error(HEAD "    batch: {min: 2}\n", CT_ERR_PARSE,
                 "t.yaml:6:12: stations[0].batch.size: ", "missing required key");
    /* min defaults to size; max_wait .inf means no time-out. */
    ct_factory *f = load_ok(HEAD "    batch: {size: 6, max_wait: .inf}\n");
    assert_int_equal(f->stations[0].batch_size, 6);
    assert_int_equal(f->stations[0].batch_min, 6);
    assert_true(f->stations[0].batch_max_wait_s < 0);
    ct_factory_destroy(f);
}

static void test_source_kind(void **state)
{
    (void)state;
    expect_error("name: t\n"
                 "source: {saturated: true, interarrival: exp(1)}\n"
                 "stations: [{name: a, process_time: 1}]\n",
                 CT_ERR_PARSE, "t.yaml:2:41: source.interarrival: ",
                 "either saturated: true or an interarrival, not both");
    expect_error("name: t\n"
                 "source: {to: a}\n"
                 "stations: [{name: a, process_time: 1}]\n",
                 CT_ERR_PARSE, "t.yaml:2:9: source.interarrival: ", "missing required key");
    expect_error("name: t\n"
                 "source: {saturated: yes}\n"
                 "stations: [{name: a, process_time: 1}]\n",
                 CT_ERR_PARSE, "t.yaml:2:21: source.saturated: ", "expected true or false");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_mm1),
        cmocka_unit_test(test_example_tandem),
        cmocka_unit_test(test_example_failures),
        cmocka_unit_test(test_all_keys),
        cmocka_unit_test(test_defaults_and_aliases),
        cmocka_unit_test(test_run_options_defaults),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_directory_is_io_error),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_not_a_factory),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_missing_key),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_malformed_distribution),
        cmocka_unit_test(test_negative_buffer),
        cmocka_unit_test(test_non_integer_servers),
        cmocka_unit_test(test_unknown_station),
        cmocka_unit_test(test_station_names),
        cmocka_unit_test(test_probability_range),
        cmocka_unit_test(test_scrap_plus_rework),
        cmocka_unit_test(test_rework_needs_target),
        cmocka_unit_test(test_next_sum),
        cmocka_unit_test(test_horizon),
        cmocka_unit_test(test_warmup),
        cmocka_unit_test(test_replications),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_source_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
