/*
 * test_factory_load.c - the factory-file loader (src/model/factory_load.c):
 * the three examples load into the expected in-memory form, every key
 * (the generic line's and the cell factory's: kind, process, inputs,
 * consumes, makes, splits, value_added, materials, cell, control_plan)
 * reaches its field, and each kind of mistake is refused with status
 * CT_ERR_PARSE (CT_ERR_IO for a missing file) and a message that starts
 * "NAME:LINE:COL: KEY:" and says what was expected. Positions were counted
 * by hand from the YAML text next to each case (1-based lines and columns).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "celltwin/factory.h"
#include "model/attrs.h"
#include "model/factory_internal.h"
#include "model/kind.h"
#include "model/yaml_util.h"

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
    /* An exponential never draws below 0, so dist.c skips the test per draw. */
    assert_false(f->source.interarrival.truncate_at_zero);
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
    expect_error(HEAD "    kinds: coater\n", CT_ERR_PARSE, "t.yaml:6:5: stations[0].kinds: ",
                 "unknown key; expected one of name, servers");
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

/* ------------------------------------------------------------------------ */
/* Cell-factory keys                                                        */

/* The kind registry (kinds.c) has no kinds yet, so this file defines
 * cti_kind_find and cti_kind_names itself: the linker then takes these and
 * leaves kinds.o out of the archive. Kind "tester" reads `process: {speed}`
 * and counts the parameter blocks alive, to show that the factory frees
 * them, also when a load fails after the kind's parse allocated. */
typedef struct tester_params {
    double speed_m_s;
} tester_params;

static int tester_alive;

static ct_status tester_speed(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity(y, v, CT_DIM_SPEED, true, CTI_YAML_POSITIVE,
                                 &((tester_params *)obj)->speed_m_s);
}

static const cti_yaml_key tester_keys[] = {
    { "speed", true, "a speed such as \"60 m/min\"", tester_speed },
};

static ct_status tester_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                              void **params)
{
    cti_yaml_walk w;
    tester_params *p = calloc(1, sizeof *p);
    (void)st;
    if (!p)
        return cti_yaml_fail_nomem(y);
    tester_alive++;
    *params = p;   /* the factory owns it from here, also if the walk fails */
    return cti_yaml_walk_mapping(y, v, tester_keys, CTI_YAML_N_KEYS(tester_keys), p, &w);
}

static void tester_free(void *params)
{
    tester_alive--;
    free(params);
}

static const cti_kind tester_kind = {
    .name = "tester",
    .input_form = CTI_FORM_ITEM,
    .output_form = CTI_FORM_ITEM,
    .parse = tester_parse,
    .free_params = tester_free,
};

const cti_kind *cti_kind_find(const char *name)
{
    return strcmp(name, "tester") == 0 ? &tester_kind : NULL;
}

void cti_kind_names(char *buf, size_t len)
{
    snprintf(buf, len, "tester");
}

/* The new keys' defaults on a plain station. */
static void test_cell_keys_defaults(void **state)
{
    (void)state;
    ct_factory *f = load_ok(HEAD "    buffer: 3\n");
    const cti_station *s = &f->stations[0];
    assert_true(f->has_source);
    assert_int_equal(f->source.port, 0);
    assert_int_equal(s->n_ports, 1);
    assert_string_equal(s->ports[0].name, "in");
    assert_int_equal(s->ports[0].buffer, 3);
    assert_int_equal(s->n_consumes, 0);
    assert_int_equal(s->makes, CTI_FORM_ITEM);
    assert_int_equal(s->splits, 1);
    assert_null(s->kind);
    assert_null(s->kind_params);
    assert_float_equal(s->value_added_usd, 0.0, 0.0);
    assert_int_equal(f->n_materials, 0);
    assert_null(f->materials);
    assert_int_equal(f->n_gates, 0);
    assert_null(f->gates);
    assert_false(f->has_cell);
    ct_factory_destroy(f);
}

static void test_kind(void **state)
{
    (void)state;
    ct_factory *f = load_ok(HEAD "    kind: tester\n    process: {speed: 60 m/min}\n");
    assert_ptr_equal(f->stations[0].kind, &tester_kind);
    assert_float_equal(((const tester_params *)f->stations[0].kind_params)->speed_m_s, 1.0, 1e-12);
    assert_int_equal(tester_alive, 1);
    ct_factory_destroy(f);
    assert_int_equal(tester_alive, 0);

    /* process: may come before kind:; the kind reads it after the station. */
    f = load_ok(HEAD "    process: {speed: 2 m/s}\n    kind: tester\n");
    assert_float_equal(((const tester_params *)f->stations[0].kind_params)->speed_m_s, 2.0, 0.0);
    ct_factory_destroy(f);
    assert_int_equal(tester_alive, 0);

    expect_error(HEAD "    kind: coater\n", CT_ERR_PARSE, "t.yaml:6:11: stations[0].kind: ",
                 "unknown kind \"coater\"; expected one of tester");
    expect_error(HEAD "    kind: [tester]\n", CT_ERR_PARSE, "t.yaml:6:11: stations[0].kind: ",
                 "expected a station kind such as coater, got a list");
    expect_error(HEAD "    process: {speed: 1 m/s}\n", CT_ERR_PARSE,
                 "t.yaml:6:14: stations[0].process: ", "expected process: only with kind:");
    /* Without process: the kind gets nothing, at the station's position. */
    expect_error(HEAD "    kind: tester\n", CT_ERR_PARSE, "t.yaml:4:5: stations[0].process: ",
                 "expected a mapping with keys speed, got nothing");
    /* The kind's own message, at its key's value (7:22); its block is freed. */
    expect_error(HEAD "    kind: tester\n    process: {speed: 3 kg}\n", CT_ERR_PARSE,
                 "t.yaml:7:22: stations[0].process.speed: ", "expected a speed");
    assert_int_equal(tester_alive, 0);
    /* A later station's mistake, after the kind allocated. */
    expect_error(HEAD "    kind: tester\n    process: {speed: 1 m/s}\n"
                      "  - name: b\n    process_time: 1\n    servers: 0\n",
                 CT_ERR_PARSE, "t.yaml:10:14: stations[1].servers: ", "expected an integer >= 1");
    assert_int_equal(tester_alive, 0);
}

static void test_inputs(void **state)
{
    (void)state;
    ct_factory *f = load_ok(HEAD "    inputs: [{name: cathode, buffer: 4}, {name: anode, buffer: .inf}]\n");
    const cti_station *s = &f->stations[0];
    assert_int_equal(s->n_ports, 2);
    assert_string_equal(s->ports[0].name, "cathode");
    assert_int_equal(s->ports[0].buffer, 4);
    assert_string_equal(s->ports[1].name, "anode");
    assert_int_equal(s->ports[1].buffer, CTI_BUFFER_INF);
    assert_int_equal(s->buffer, 4);   /* the first input's */
    ct_factory_destroy(f);

    /* "    inputs: " is 12 characters: the list starts at 6:13. */
    expect_error(HEAD "    inputs: []\n", CT_ERR_PARSE, "t.yaml:6:13: stations[0].inputs: ",
                 "expected a list of 1 to 4 inputs");
    expect_error(HEAD "    inputs: [{name: a}, {name: b}, {name: c}, {name: d}, {name: e}]\n",
                 CT_ERR_PARSE, "t.yaml:6:13: stations[0].inputs: ",
                 "expected at most 4 inputs, got 5");
    expect_error(HEAD "    inputs: [{name: x}, {name: x}]\n", CT_ERR_PARSE,
                 "t.yaml:6:32: stations[0].inputs[1].name: ",
                 "expected a unique name, but \"x\" is also inputs[0]");
    /* '.' separates STATION.INPUT, so an input name cannot hold one. */
    expect_error(HEAD "    inputs: [{name: a.b}]\n", CT_ERR_PARSE,
                 "t.yaml:6:21: stations[0].inputs[0].name: ",
                 "expected an input name of letters, digits, '_' and '-'");
    expect_error(HEAD "    inputs: [{name: x, size: 3}]\n", CT_ERR_PARSE,
                 "t.yaml:6:24: stations[0].inputs[0].size: ",
                 "unknown key; expected one of name, buffer");
    expect_error(HEAD "    inputs: [{name: x, buffer: -1}]\n", CT_ERR_PARSE,
                 "t.yaml:6:32: stations[0].inputs[0].buffer: ",
                 "expected an integer >= 0 or .inf, got \"-1\"");
    expect_error(HEAD "    inputs: [{buffer: 1}]\n", CT_ERR_PARSE,
                 "t.yaml:6:14: stations[0].inputs[0].name: ", "missing required key");
    /* Each input has its own buffer: a station buffer next to them is refused. */
    expect_error(HEAD "    buffer: 2\n    inputs: [{name: x}]\n", CT_ERR_PARSE,
                 "t.yaml:6:13: stations[0].buffer: ", "expected no station buffer next to inputs:");
}

/* next, rework_to and source.to may name an input: STATION.INPUT. */
static void test_port_routes(void **state)
{
    (void)state;
    ct_factory *f = load_ok("name: t\n"
                            "source: {interarrival: exp(2), to: b.anode}\n"
                            "stations:\n"
                            "  - name: a\n"
                            "    process_time: 1\n"
                            "    next: b.cathode\n"
                            "    rework: 0.1\n"
                            "    rework_to: b.anode\n"
                            "  - name: b\n"
                            "    process_time: 1\n"
                            "    inputs: [{name: cathode}, {name: anode}]\n"
                            "    next: [{to: c.1, p: 0.5}, {to: c.1.in, p: 0.5}]\n"
                            "  - name: c.1\n"
                            "    process_time: 1\n");
    assert_int_equal(f->source.to, 1);
    assert_int_equal(f->source.port, 1);
    const cti_station *a = &f->stations[0], *b = &f->stations[1];
    assert_int_equal(a->next[0].to, 1);
    assert_int_equal(a->next[0].port, 0);
    assert_int_equal(a->rework_to, 1);
    assert_int_equal(a->rework_port, 1);
    /* A whole station name wins ("c.1"); else the last '.' splits ("c.1" "in"). */
    assert_int_equal(b->next[0].to, 2);
    assert_int_equal(b->next[0].port, 0);
    assert_int_equal(b->next[1].to, 2);
    assert_int_equal(b->next[1].port, 0);
    ct_factory_destroy(f);

    expect_error(HEAD "    next: a.x\n", CT_ERR_PARSE, "t.yaml:6:11: stations[0].next: ",
                 "unknown input \"x\" of station \"a\"; expected one of in");
    expect_error("name: t\n"
                 "source: {interarrival: exp(2)}\n"
                 "stations:\n"
                 "  - name: a\n"
                 "    process_time: 1\n"
                 "    next: [{to: b.cathod, p: 1}]\n"
                 "  - name: b\n"
                 "    process_time: 1\n"
                 "    inputs: [{name: cathode}, {name: anode}]\n",
                 CT_ERR_PARSE, "t.yaml:6:17: stations[0].next[0].to: ",
                 "unknown input \"cathod\" of station \"b\"; expected one of cathode, anode");
    expect_error(HEAD "    next: zz.in\n", CT_ERR_PARSE, "t.yaml:6:11: stations[0].next: ",
                 "unknown station \"zz.in\"; expected one of a or exit");
    expect_error(HEAD "    rework: 0.1\n    rework_to: a.out\n", CT_ERR_PARSE,
                 "t.yaml:7:16: stations[0].rework_to: ", "unknown input \"out\" of station \"a\"");
    expect_error("name: t\n"
                 "source: {saturated: true, to: a.b}\n"
                 "stations: [{name: a, process_time: 1}]\n",
                 CT_ERR_PARSE, "t.yaml:2:31: source.to: ", "unknown input \"b\" of station \"a\"");
}

/* A slurry line without a source: the mixer makes batches from materials. */
static const char converters[] =
    "name: t\n"
    "materials:\n"
    "  - {name: lfp, price: 20 usd/kg, lot: 2 t, active: true}\n"
    "  - {name: nmp, price: 2 usd/kg, lot: 500 kg}\n"
    "stations:\n"
    "  - name: mixer\n"
    "    process_time: 2 h\n"
    "    consumes: [{material: lfp, amount: 960 kg}, {material: nmp, amount: 400 kg}]\n"
    "    makes: batch\n"
    "    value_added: 12.5 usd\n"
    "  - name: coater\n"
    "    process_time: 1 h\n"
    "    consumes:\n"
    "      - {input: in, amount: 480 kg}\n"
    "    makes: coil\n"
    "  - name: slitter\n"
    "    process_time: 10 min\n"
    "    inputs: [{name: coil, buffer: 2}]\n"
    "    consumes: [{input: coil, amount: 1.2 km}]\n"
    "    makes: coil\n"
    "    splits: 4\n";

static void test_consumes(void **state)
{
    (void)state;
    ct_factory *f = load_ok(converters);
    assert_false(f->has_source);

    assert_int_equal(f->n_materials, 2);
    assert_string_equal(f->materials[0].name, "lfp");
    assert_float_equal(f->materials[0].price_usd_kg, 20.0, 0.0);
    assert_float_equal(f->materials[0].lot_kg, 2000.0, 0.0);
    assert_true(f->materials[0].active);
    assert_int_equal(f->materials[0].loc.line, 3);
    assert_int_equal(f->materials[0].loc.col, 5);
    assert_string_equal(f->materials[1].name, "nmp");
    assert_float_equal(f->materials[1].lot_kg, 500.0, 0.0);
    assert_false(f->materials[1].active);

    const cti_station *mixer = &f->stations[0], *coater = &f->stations[1],
                      *slitter = &f->stations[2];
    assert_int_equal(mixer->n_consumes, 2);
    assert_int_equal(mixer->consumes[0].port, -1);
    assert_int_equal(mixer->consumes[0].material, 0);
    assert_float_equal(mixer->consumes[0].amount, 960.0, 0.0);
    assert_int_equal(mixer->consumes[0].dim, CT_DIM_MASS);
    assert_int_equal(mixer->consumes[0].loc.line, 8);   /* the entry's '{' */
    assert_int_equal(mixer->consumes[0].loc.col, 16);
    assert_int_equal(mixer->consumes[1].material, 1);
    assert_float_equal(mixer->consumes[1].amount, 400.0, 0.0);
    assert_int_equal(mixer->makes, CTI_FORM_BATCH);
    assert_float_equal(mixer->value_added_usd, 12.5, 0.0);
    assert_int_equal(mixer->n_ports, 1);

    assert_int_equal(coater->n_consumes, 1);
    assert_int_equal(coater->consumes[0].port, 0);
    assert_int_equal(coater->consumes[0].material, -1);
    assert_float_equal(coater->consumes[0].amount, 480.0, 0.0);
    assert_int_equal(coater->makes, CTI_FORM_COIL);

    assert_int_equal(slitter->n_ports, 1);
    assert_string_equal(slitter->ports[0].name, "coil");
    assert_int_equal(slitter->ports[0].buffer, 2);
    assert_int_equal(slitter->consumes[0].port, 0);
    assert_float_equal(slitter->consumes[0].amount, 1200.0, 0.0);
    assert_int_equal(slitter->consumes[0].dim, CT_DIM_LENGTH);
    assert_int_equal(slitter->splits, 4);
    ct_factory_destroy(f);
}

static void test_consumes_errors(void **state)
{
    (void)state;
    expect_error(HEAD "    consumes: [{input: in, amount: 5 kg}]\n", CT_ERR_PARSE,
                 "t.yaml:4:5: stations[0].makes: ", "missing required key");
    expect_error(HEAD "    makes: coil\n", CT_ERR_PARSE, "t.yaml:6:12: stations[0].makes: ",
                 "expected makes: only on a station with consumes:");
    expect_error(HEAD "    consumes: [{input: in, amount: 5 kg}]\n    makes: sheet\n",
                 CT_ERR_PARSE, "t.yaml:7:12: stations[0].makes: ",
                 "expected batch, coil or cell, got \"sheet\"");
    expect_error(HEAD "    batch: 4\n    consumes: [{input: in, amount: 5 kg}]\n    makes: batch\n",
                 CT_ERR_PARSE, "t.yaml:6:12: stations[0].batch: ",
                 "expected either batch or consumes, not both");
    /* "    consumes: [{input: in, amount: " is 35 characters. */
    expect_error(HEAD "    consumes: [{input: in, amount: 5}]\n    makes: coil\n", CT_ERR_PARSE,
                 "t.yaml:6:36: stations[0].consumes[0].amount: ",
                 "expected an amount > 0 in units of mass or length, such as \"960 kg\" or "
                 "\"12 m\", got \"5\"");
    expect_error(HEAD "    consumes: [{input: in, amount: 0 kg}]\n    makes: coil\n", CT_ERR_PARSE,
                 "t.yaml:6:36: stations[0].consumes[0].amount: ", "got \"0 kg\"");
    expect_error(HEAD "    consumes: [{input: in, amount: 5 s}]\n    makes: coil\n", CT_ERR_PARSE,
                 "t.yaml:6:36: stations[0].consumes[0].amount: ", "got \"5 s\"");
    expect_error(HEAD "    consumes: [{input: foil, amount: 5 m}]\n    makes: coil\n", CT_ERR_PARSE,
                 "t.yaml:6:24: stations[0].consumes[0].input: ",
                 "unknown input \"foil\"; expected one of in");
    expect_error(HEAD "    consumes: [{input: in, material: lfp, amount: 5 kg}]\n    makes: coil\n",
                 CT_ERR_PARSE, "t.yaml:6:38: stations[0].consumes[0].material: ",
                 "expected either input or material, not both");
    expect_error(HEAD "    consumes: [{amount: 5 kg}]\n    makes: coil\n", CT_ERR_PARSE,
                 "t.yaml:6:16: stations[0].consumes[0].input: ", "missing required key");
    expect_error(HEAD "    consumes: lfp\n    makes: coil\n", CT_ERR_PARSE,
                 "t.yaml:6:15: stations[0].consumes: ", "expected a list of 1 to 4 entries");
    expect_error(HEAD "    consumes: [{input: in, amount: 1 m}, {material: a, amount: 1 kg}, "
                      "{material: b, amount: 1 kg}, {material: c, amount: 1 kg}, "
                      "{material: d, amount: 1 kg}]\n    makes: coil\n",
                 CT_ERR_PARSE, "t.yaml:6:15: stations[0].consumes: ",
                 "expected at most 4 entries, got 5");
    expect_error(HEAD "    inputs: [{name: x}]\n"
                      "    consumes: [{input: x, amount: 1 m}, {input: x, amount: 2 m}]\n"
                      "    makes: coil\n",
                 CT_ERR_PARSE, "t.yaml:7:49: stations[0].consumes[1].input: ",
                 "expected each input or material once, but \"x\" is also consumes[0]");
    expect_error(HEAD "    inputs: [{name: x}, {name: y}]\n"
                      "    consumes: [{input: x, amount: 1 m}]\n"
                      "    makes: coil\n",
                 CT_ERR_PARSE, "t.yaml:7:15: stations[0].consumes: ",
                 "expected an entry for every input, but input \"y\" has none");

    /* Materials are named in the top-level list, and consumed by mass. */
    expect_error("name: t\n"
                 "materials: [{name: lfp, price: 20 usd/kg, lot: 2 t}]\n"
                 "stations:\n"
                 "  - name: m\n"
                 "    process_time: 1\n"
                 "    consumes: [{material: lfp, amount: 5 m}]\n"
                 "    makes: batch\n",
                 CT_ERR_PARSE, "t.yaml:6:40: stations[0].consumes[0].amount: ",
                 "expected a mass such as \"960 kg\", got a length");
    expect_error("name: t\n"
                 "materials: [{name: lfp, price: 20 usd/kg, lot: 2 t}]\n"
                 "stations:\n"
                 "  - name: m\n"
                 "    process_time: 1\n"
                 "    consumes: [{material: lfx, amount: 5 kg}]\n"
                 "    makes: batch\n",
                 CT_ERR_PARSE, "t.yaml:6:27: stations[0].consumes[0].material: ",
                 "unknown material \"lfx\"; expected one of lfp");
    /* `uses:` names a material and a mass per unit */
    expect_error(HEAD "    uses: [{material: sep, amount: 50 g}]\n",
                 CT_ERR_PARSE, "t.yaml:6:23: stations[0].uses[0].material: ",
                 "unknown material \"sep\"");
    expect_error("name: t\n"
                 "source: {interarrival: exp(2)}\n"
                 "materials: [{name: sep, price: 50 usd/kg, lot: 20 kg}]\n"
                 "stations:\n"
                 "  - name: a\n"
                 "    process_time: exp(1)\n"
                 "    uses: [{material: sep, amount: 5 m}]\n",
                 CT_ERR_PARSE, "t.yaml:7:36: stations[0].uses[0].amount: ",
                 "expected a mass such as \"38 g\", got a length");
    expect_error("name: t\n"
                 "source: {interarrival: exp(2)}\n"
                 "materials: [{name: sep, price: 50 usd/kg, lot: 20 kg}]\n"
                 "stations:\n"
                 "  - name: a\n"
                 "    process_time: exp(1)\n"
                 "    uses: [{material: sep}]\n",
                 CT_ERR_PARSE, "t.yaml:7:12: stations[0].uses[0].amount: ",
                 "missing");
    expect_error(HEAD "    consumes: [{material: lfp, amount: 5 kg}]\n    makes: batch\n",
                 CT_ERR_PARSE, "t.yaml:6:27: stations[0].consumes[0].material: ",
                 "unknown material \"lfp\"; expected a name from the top-level materials: list, "
                 "which is absent");
    expect_error("name: t\n"
                 "materials: [{name: lfp, price: 20 usd/kg, lot: 2 t}]\n"
                 "stations:\n"
                 "  - name: m\n"
                 "    process_time: 1\n"
                 "    consumes: [{material: lfp, amount: 5 kg}, {material: lfp, amount: 1 kg}]\n"
                 "    makes: batch\n",
                 CT_ERR_PARSE, "t.yaml:6:58: stations[0].consumes[1].material: ",
                 "expected each input or material once, but \"lfp\" is also consumes[0]");
}

/* Without source:, some station must make units from materials alone. */
static void test_source_optional(void **state)
{
    (void)state;
    static const char no_feed[] = "source: expected a source, or a station that consumes materials";
    expect_error("name: t\nstations:\n  - name: a\n    process_time: 1\n", CT_ERR_PARSE,
                 "t.yaml:1:1: ", no_feed);
    expect_error("name: t\n"
                 "stations:\n"
                 "  - name: a\n"
                 "    process_time: 1\n"
                 "    consumes: [{input: in, amount: 1 kg}]\n"
                 "    makes: batch\n",
                 CT_ERR_PARSE, "t.yaml:1:1: ", no_feed);
    /* A station that also takes an input is fed by another one. */
    expect_error("name: t\n"
                 "materials: [{name: lfp, price: 20 usd/kg, lot: 2 t}]\n"
                 "stations:\n"
                 "  - name: a\n"
                 "    process_time: 1\n"
                 "    consumes: [{input: in, amount: 1 kg}, {material: lfp, amount: 1 kg}]\n"
                 "    makes: batch\n",
                 CT_ERR_PARSE, "t.yaml:1:1: ", no_feed);
}

static void test_splits_value_added(void **state)
{
    (void)state;
    ct_factory *f = load_ok(HEAD "    splits: 64\n    value_added: 1.5 kusd\n");
    assert_int_equal(f->stations[0].splits, 64);
    assert_float_equal(f->stations[0].value_added_usd, 1500.0, 0.0);
    ct_factory_destroy(f);
    f = load_ok(HEAD "    value_added: 0\n");
    assert_float_equal(f->stations[0].value_added_usd, 0.0, 0.0);
    ct_factory_destroy(f);

    expect_error(HEAD "    splits: 0\n", CT_ERR_PARSE, "t.yaml:6:13: stations[0].splits: ",
                 "expected an integer from 1 to 64, got \"0\"");
    expect_error(HEAD "    splits: 65\n", CT_ERR_PARSE, "t.yaml:6:13: stations[0].splits: ",
                 "expected an integer from 1 to 64");
    expect_error(HEAD "    splits: 2.5\n", CT_ERR_PARSE, "t.yaml:6:13: stations[0].splits: ",
                 "expected an integer from 1 to 64");
    expect_error(HEAD "    value_added: -1 usd\n", CT_ERR_PARSE,
                 "t.yaml:6:18: stations[0].value_added: ",
                 "expected an amount of money >= 0 such as \"1.5 musd\", got \"-1 usd\"");
    expect_error(HEAD "    value_added: 3 kg\n", CT_ERR_PARSE,
                 "t.yaml:6:18: stations[0].value_added: ", "expected an amount of money");
}

static void test_materials(void **state)
{
    (void)state;
    /* Top-level keys may follow the station list: HEAD ends at line 5. */
    expect_error(HEAD "materials: []\n", CT_ERR_PARSE, "t.yaml:6:12: materials: ",
                 "expected a non-empty list of materials");
    expect_error(HEAD "materials: [{name: lfp, lot: 2 t}]\n", CT_ERR_PARSE,
                 "t.yaml:6:13: materials[0].price: ", "missing required key");
    expect_error(HEAD "materials: [{name: lfp, price: 20 usd/kg}]\n", CT_ERR_PARSE,
                 "t.yaml:6:13: materials[0].lot: ", "missing required key");
    expect_error(HEAD "materials: [{name: lfp, price: 20, lot: 2 t}]\n", CT_ERR_PARSE,
                 "t.yaml:6:32: materials[0].price: ",
                 "expected a unit, such as \"20 usd/kg\", got \"20\"");
    expect_error(HEAD "materials: [{name: lfp, price: -1 usd/kg, lot: 2 t}]\n", CT_ERR_PARSE,
                 "t.yaml:6:32: materials[0].price: ", "expected a price per mass >= 0");
    expect_error(HEAD "materials: [{name: lfp, price: 20 usd/kg, lot: 0 kg}]\n", CT_ERR_PARSE,
                 "t.yaml:6:48: materials[0].lot: ", "expected a mass > 0");
    expect_error(HEAD "materials: [{name: lfp, price: 20 usd/kg, lot: 2}]\n", CT_ERR_PARSE,
                 "t.yaml:6:48: materials[0].lot: ", "expected a unit");
    expect_error(HEAD "materials: [{name: lfp, price: 20 usd/kg, lot: 2 t, active: yes}]\n",
                 CT_ERR_PARSE, "t.yaml:6:61: materials[0].active: ", "expected true or false");
    expect_error(HEAD "materials: [{name: l f p, price: 20 usd/kg, lot: 2 t}]\n", CT_ERR_PARSE,
                 "t.yaml:6:20: materials[0].name: ", "expected a material name of letters");
    expect_error(HEAD "materials:\n"
                      "  - {name: lfp, price: 1 usd/kg, lot: 1 t}\n"
                      "  - {name: lfp, price: 1 usd/kg, lot: 1 t}\n",
                 CT_ERR_PARSE, "t.yaml:8:12: materials[1].name: ",
                 "expected a unique name, but \"lfp\" is also materials[0] (line 7)");
}

static void test_cell(void **state)
{
    (void)state;
    ct_factory *f = load_ok(
        HEAD "cell: {nominal_voltage: 3.2 V, nominal_capacity: 150 Ah, material_cost: 45 usd}\n");
    assert_true(f->has_cell);
    assert_float_equal(f->cell.nominal_voltage_v, 3.2, 0.0);
    assert_float_equal(f->cell.nominal_capacity_ah, 150.0, 0.0);
    assert_float_equal(f->cell.material_cost_usd, 45.0, 0.0);
    ct_factory_destroy(f);
    f = load_ok(HEAD "cell: {}\n");
    assert_true(f->has_cell);
    assert_float_equal(f->cell.nominal_voltage_v, 0.0, 0.0);
    ct_factory_destroy(f);

    expect_error(HEAD "cell: {nominal_voltage: 0 V}\n", CT_ERR_PARSE,
                 "t.yaml:6:25: cell.nominal_voltage: ", "expected a voltage > 0");
    expect_error(HEAD "cell: {nominal_capacity: 150 mV}\n", CT_ERR_PARSE,
                 "t.yaml:6:26: cell.nominal_capacity: ", "expected a charge");
    expect_error(HEAD "cell: {material_cost: -1 usd}\n", CT_ERR_PARSE,
                 "t.yaml:6:23: cell.material_cost: ", "expected an amount of money >= 0");
    expect_error(HEAD "cell: {capacity: 150 Ah}\n", CT_ERR_PARSE, "t.yaml:6:8: cell.capacity: ",
                 "unknown key; expected one of nominal_voltage, nominal_capacity, material_cost");
    expect_error(HEAD "cell: 3.2 V\n", CT_ERR_PARSE, "t.yaml:6:7: cell: ",
                 "expected a mapping with keys nominal_voltage");
}

/* The attribute tables (attrs.c) that control plans look names up in. */
static void test_attr_tables(void **state)
{
    (void)state;
    assert_string_equal(cti_cell_attr_info[CTI_C_LEAKAGE_CURRENT].name, "leakage_current");
    assert_int_equal(cti_cell_attr_info[CTI_C_LEAKAGE_CURRENT].dim, CT_DIM_CURRENT);
    assert_string_equal(cti_material_attr_info[CTI_M_AREAL_LOADING].name, "areal_loading");
    assert_int_equal(cti_material_attr_info[CTI_M_AREAL_LOADING].dim, CT_DIM_AREAL_MASS);
    /* Every row filled, and no name in both tables (the cell one would win). */
    for (int i = 0; i < CTI_C__COUNT; i++) {
        assert_non_null(cti_cell_attr_info[i].name);
        assert_true(cti_cell_attr_info[i].dim < CT_DIM__COUNT);
        for (int j = 0; j < CTI_M__COUNT; j++)
            assert_string_not_equal(cti_cell_attr_info[i].name, cti_material_attr_info[j].name);
    }
    for (int j = 0; j < CTI_M__COUNT; j++) {
        assert_non_null(cti_material_attr_info[j].name);
        assert_true(cti_material_attr_info[j].dim < CT_DIM__COUNT);
    }
}

static void test_control_plan(void **state)
{
    (void)state;
    ct_factory *f = load_ok(
        HEAD
        "  - name: hipot_stack\n"
        "    process_time: 5 s\n"
        "    inputs: [{name: stack}, {name: retest}]\n"
        "control_plan:\n"
        "  - name: hipot\n"
        "    station: hipot_stack\n"
        "    attribute: leakage_current\n"
        "    method: \"Hi-Pot 200 V DC, 5 s\"\n"
        "    sample: 100 %\n"
        "    time: 5 s\n"
        "    noise: 0.01 mA\n"
        "    usl: 1 mA\n"
        "    on_fail: rework\n"
        "    rework_to: hipot_stack.retest\n"
        "  - name: loading\n"
        "    station: a\n"
        "    attribute: areal_loading\n"
        "    sample: 5 %\n"
        "    lsl: 19.5 mg/cm2\n"
        "    usl: 20.5 mg/cm2\n"
        "    on_fail: hold\n"
        "    hold_time: 8 h\n"
        "  - {name: temp, station: a, attribute: slurry_temperature, usl: 30 C, noise: 2 K, lsl: 290 K}\n"
        "  - {name: sc, station: a, attribute: solid_content, lsl: 0.5, sample: 0.05}\n");
    assert_int_equal(f->n_gates, 4);
    const cti_gate *g = &f->gates[0];
    assert_string_equal(g->name, "hipot");
    assert_int_equal(g->loc.line, 10);
    assert_int_equal(g->loc.col, 5);
    assert_int_equal(g->station, 1);
    assert_true(g->on_cell);
    assert_int_equal(g->attr, CTI_C_LEAKAGE_CURRENT);
    assert_string_equal(g->method, "Hi-Pot 200 V DC, 5 s");
    assert_float_equal(g->sample, 1.0, 0.0);
    assert_float_equal(g->time_s, 5.0, 0.0);
    assert_float_equal(g->noise_sd, 1e-5, 1e-18);
    assert_true(isinf(g->lsl) && g->lsl < 0);
    assert_float_equal(g->usl, 1e-3, 1e-18);
    assert_int_equal(g->action, CTI_GATE_REWORK);
    assert_int_equal(g->rework_to, 1);
    assert_int_equal(g->rework_port, 1);

    g = &f->gates[1];
    assert_int_equal(g->station, 0);
    assert_false(g->on_cell);
    assert_int_equal(g->attr, CTI_M_AREAL_LOADING);
    assert_float_equal(g->sample, 0.05, 1e-15);
    assert_float_equal(g->lsl, 0.195, 1e-12);   /* kg/m2 */
    assert_float_equal(g->usl, 0.205, 1e-12);
    assert_int_equal(g->action, CTI_GATE_HOLD);
    assert_float_equal(g->hold_time_s, 28800.0, 0.0);
    assert_int_equal(g->rework_to, -1);

    /* Limits are temperatures; the noise is a difference: 2 K is 2 C. */
    g = &f->gates[2];
    assert_int_equal(g->attr, CTI_M_SLURRY_TEMP);
    assert_float_equal(g->lsl, 290 - 273.15, 1e-9);
    assert_float_equal(g->usl, 30.0, 0.0);
    assert_float_equal(g->noise_sd, 2.0, 1e-12);

    /* A dimensionless attribute needs no unit; defaults elsewhere. */
    g = &f->gates[3];
    assert_int_equal(g->attr, CTI_M_SOLID_CONTENT);
    assert_float_equal(g->lsl, 0.5, 0.0);
    assert_true(isinf(g->usl) && g->usl > 0);
    assert_float_equal(g->sample, 0.05, 1e-15);
    assert_int_equal(g->action, CTI_GATE_SCRAP);
    assert_float_equal(g->time_s, 0.0, 0.0);
    assert_float_equal(g->noise_sd, 0.0, 0.0);
    ct_factory_destroy(f);
}

/* Control plan mistakes. Line 7 starts "  - {name: g, station: a, attribute: "
 * (37 characters), so the attribute is at 7:38; "ocv, " takes 38-42, and
 * "usl: 3.6 V, " 43-54, so a key after it starts at 55. */
#define PLAN HEAD "control_plan:\n"

static void test_control_plan_errors(void **state)
{
    (void)state;
    expect_error(HEAD "control_plan: []\n", CT_ERR_PARSE, "t.yaml:6:15: control_plan: ",
                 "expected a non-empty list of measurements");
    expect_error(PLAN "  - {name: g, station: a, attribute: voltage, usl: 1 V}\n", CT_ERR_PARSE,
                 "t.yaml:7:38: control_plan[0].attribute: ",
                 "unknown attribute \"voltage\"; expected a cell attribute (cathode_active_mass, ");
    expect_error(PLAN "  - {name: g, station: a, usl: 1 V}\n", CT_ERR_PARSE,
                 "t.yaml:7:5: control_plan[0].attribute: ", "missing required key");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv}\n", CT_ERR_PARSE,
                 "t.yaml:7:5: control_plan[0].usl: ",
                 "missing required key; expected lsl, usl or both");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, lsl: 3.4 V, usl: 3.3 V}\n",
                 CT_ERR_PARSE, "t.yaml:7:60: control_plan[0].usl: ",
                 "expected usl above lsl, got usl 3.3 V <= lsl 3.4 V");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3}\n", CT_ERR_PARSE,
                 "t.yaml:7:48: control_plan[0].usl: ",
                 "expected a unit, such as \"3.7 V\", got \"3\"");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3 kg}\n", CT_ERR_PARSE,
                 "t.yaml:7:48: control_plan[0].usl: ", "expected a voltage such as");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, noise: -1 mV}\n",
                 CT_ERR_PARSE, "t.yaml:7:62: control_plan[0].noise: ", "expected a voltage >= 0");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, sample: 0}\n",
                 CT_ERR_PARSE, "t.yaml:7:63: control_plan[0].sample: ",
                 "expected a number in (0, 1]");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, sample: 150 %}\n",
                 CT_ERR_PARSE, "t.yaml:7:63: control_plan[0].sample: ",
                 "expected a number in (0, 1]");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, time: -5 s}\n",
                 CT_ERR_PARSE, "t.yaml:7:61: control_plan[0].time: ", "expected a duration >= 0");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, on_fail: discard}\n",
                 CT_ERR_PARSE, "t.yaml:7:64: control_plan[0].on_fail: ",
                 "expected scrap, rework or hold, got \"discard\"");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, on_fail: rework}\n",
                 CT_ERR_PARSE, "t.yaml:7:5: control_plan[0].rework_to: ", "missing required key");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, on_fail: hold}\n",
                 CT_ERR_PARSE, "t.yaml:7:5: control_plan[0].hold_time: ", "missing required key");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, rework_to: a}\n",
                 CT_ERR_PARSE, "t.yaml:7:66: control_plan[0].rework_to: ",
                 "expected rework_to only with on_fail: rework");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, hold_time: 8 h}\n",
                 CT_ERR_PARSE, "t.yaml:7:66: control_plan[0].hold_time: ",
                 "expected hold_time only with on_fail: hold");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, on_fail: hold, "
                      "hold_time: 0 h}\n",
                 CT_ERR_PARSE, "t.yaml:7:81: control_plan[0].hold_time: ",
                 "expected a duration > 0");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, method: "
                      "\"0123456789012345678901234567890123456789012345678901234567890123\"}\n",
                 /* A quoted scalar's position is its first character, after the quote. */
                 CT_ERR_PARSE, "t.yaml:7:64: control_plan[0].method: ",
                 "expected a description of the method (at most 63 characters)");
    /* The station is a station, not an input; rework_to may name an input. */
    expect_error(PLAN "  - {name: g, station: b, attribute: ocv, usl: 3.6 V}\n", CT_ERR_PARSE,
                 "t.yaml:7:24: control_plan[0].station: ",
                 "unknown station \"b\"; expected one of a");
    expect_error(PLAN "  - {name: g, station: a.in, attribute: ocv, usl: 3.6 V}\n", CT_ERR_PARSE,
                 "t.yaml:7:24: control_plan[0].station: ", "unknown station \"a.in\"");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V, on_fail: rework, "
                      "rework_to: a.x}\n",
                 CT_ERR_PARSE, "t.yaml:7:83: control_plan[0].rework_to: ",
                 "unknown input \"x\" of station \"a\"; expected one of in");
    expect_error(PLAN "  - {name: g, station: a, attribute: ocv, usl: 3.6 V}\n"
                      "  - {name: g, station: a, attribute: ir, usl: 1 ohm}\n",
                 CT_ERR_PARSE, "t.yaml:8:12: control_plan[1].name: ",
                 "expected a unique name, but \"g\" is also control_plan[0] (line 7)");
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
        cmocka_unit_test(test_cell_keys_defaults),
        cmocka_unit_test(test_kind),
        cmocka_unit_test(test_inputs),
        cmocka_unit_test(test_port_routes),
        cmocka_unit_test(test_consumes),
        cmocka_unit_test(test_consumes_errors),
        cmocka_unit_test(test_source_optional),
        cmocka_unit_test(test_splits_value_added),
        cmocka_unit_test(test_materials),
        cmocka_unit_test(test_cell),
        cmocka_unit_test(test_attr_tables),
        cmocka_unit_test(test_control_plan),
        cmocka_unit_test(test_control_plan_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
