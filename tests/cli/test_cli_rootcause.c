/*
 * test_cli_rootcause.c - `celltwin rootcause` as a user runs it, on the
 * trace of tests/data/rootcause-flow.yaml with particles injected on 60 m
 * of lane 1 of coil 3 (the hand figures are in that file): the table,
 * JSON and CSV outputs rank that coil section first with p < 1e-6; a list
 * of serials (comma-separated or @FILE) naming the outliers gives the
 * same ranking as `--cells outliers`; and the errors with their exit
 * status (missing database 1, unknown serial 1, a cause no cell has 1,
 * unknown keyword 2, malformed serial 2, empty list 2, bad options 2).
 */
#include "cli_harness.h"

static char db[160], code[16];
static double outliers;

static int setup_trace(void **state)
{
    if (setup(state) != 0)
        return -1;
    char yaml[8192];
    FILE *f = fopen(CT_SOURCE_DIR "/tests/data/rootcause-flow.yaml", "r");
    if (!f)
        return -1;
    size_t n = fread(yaml, 1, sizeof yaml - 200, f);
    fclose(f);
    yaml[n] = '\0';
    strcat(yaml, "inject: [{station: coater, unit: 3, lane: 1, from: 200 m, to: 260 m, "
                 "defect: particle}]\n");
    snprintf(db, sizeof db, "%s/trace.db", dir);
    char args[512];
    snprintf(args, sizeof args, "run '%s' --json --trace '%s'", write_file("flow.yaml", yaml), db);
    if (run(args) != 0)
        return -1;
    const char *p = strstr(err_text, ": run ");
    if (!p)
        return -1;
    snprintf(code, sizeof code, "%.6s", p + 6);
    snprintf(args, sizeof args,
             "query '%s' \"SELECT count(*) AS n FROM cell WHERE scrap_cause = 'self-discharge outlier'\" "
             "--json",
             db);
    if (run(args) != 0)
        return -1;
    json_t *a = parse_out();
    outliers = num(json_array_get(a, 0), "n");
    json_decref(a);
    return 0;
}

/* The first row of --json output, checked to be the injected section;
 * with targets >= 0 the number of targets too. */
static void assert_section_first(const char *args_tail, double targets)
{
    static char args[4600];
    snprintf(args, sizeof args, "rootcause '%s' %s --json", db, args_tail);
    if (run(args) != 0)
        fail_msg("%s: %s", args, err_text);
    json_t *o = parse_out();
    assert_true(targets < 0 || num(o, "targets") == targets);
    assert_string_equal(json_string_value(json_object_get(o, "run")), code);
    assert_string_equal(json_string_value(json_object_get(o, "adjust")), "benjamini-hochberg");
    json_t *row = json_array_get(json_object_get(o, "rows"), 0);
    assert_non_null(row);
    assert_string_equal(json_string_value(json_object_get(row, "factor")), "section");
    assert_string_equal(json_string_value(json_object_get(row, "level")), "coater:3/1 200-250 m");
    assert_true(num(row, "rank") == 1 && num(row, "targets_with") == 13 && num(row, "cells_with") == 13);
    assert_true(num(row, "p_value") < 1e-6 && num(row, "p_adjusted") < 1e-6);
    assert_true(num(row, "log10_p_value") < -6);
    json_decref(o);
}

static void test_outliers(void **state)
{
    (void)state;
    assert_true(outliers >= 15);
    assert_section_first("--cells outliers", outliers);
    assert_section_first("--cells=cause=self-discharge\\ outlier", outliers);
    assert_section_first("--cells scrapped --top 1", -1);
}

static void test_table_and_csv(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "rootcause '%s' --cells outliers --top 3", db);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "rank  factor"));
    assert_non_null(strstr(out_text, "p_value  p_adjusted"));
    assert_non_null(strstr(out_text, "   1  section"));
    assert_non_null(strstr(out_text, "coater:3/1 200-250 m"));
    assert_non_null(strstr(out_text, "not tested: ambient temperature"));
    snprintf(args, sizeof args, "rootcause '%s' --cells outliers --top 2 --csv", db);
    assert_int_equal(run(args), 0);
    const char *header = "rank,factor,level,targets_with,cells_with,lift,p_value,p_adjusted,"
                         "log10_p_value,log10_p_adjusted\n";
    assert_memory_equal(out_text, header, strlen(header));
    assert_memory_equal(out_text + strlen(header), "1,section,coater:3/1 200-250 m,13,13,", 37);
    int lines = 0;
    for (const char *p = out_text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 3);
}

/* The outliers' serials, listed: the same targets, the same first row. */
static void test_serial_lists(void **state)
{
    (void)state;
    char args[1024];
    snprintf(args, sizeof args,
             "query '%s' \"SELECT printf('%s-%%07d', serial) AS s FROM cell WHERE scrap_cause = "
             "'self-discharge outlier'\" --csv",
             db, code);
    assert_int_equal(run(args), 0);
    /* the rows after the header line, kept: the next run overwrites out_text */
    static char body[4096], text[4200], list[4096];
    snprintf(body, sizeof body, "%s", strchr(out_text, '\n') + 1);
    snprintf(text, sizeof text, "# the outliers\n%s\n", body);
    const char *path = write_file("outliers.txt", text);
    snprintf(args, sizeof args, "--cells @%s", path);
    assert_section_first(args, outliers);
    /* the same as one argument, comma-separated */
    size_t n = 0;
    for (const char *p = body; *p; p++)
        if (*p != '\r')
            list[n++] = *p == '\n' ? ',' : *p;
    list[n] = '\0';
    static char args2[4200];
    snprintf(args2, sizeof args2, "--cells '%s'", list);
    assert_section_first(args2, outliers);
}

static void expect(const char *args_tail, int status, const char *text)
{
    char args[2048];
    snprintf(args, sizeof args, "rootcause %s", args_tail);
    int st = run(args);
    if (st != status || !strstr(err_text, text))
        fail_msg("celltwin %s: exit %d \"%s\", want %d with \"%s\"", args, st, err_text, status, text);
    assert_string_equal(out_text, "");
}

/* Wrong arguments after the database: exit status 2 and what was expected. */
static const struct {
    const char *tail, *text;
} bad_args[] = {
    {"--cells outlier", "expected outliers, scrapped, cause=NAME"},
    {"--cells 12x", "expected RUNCODE-NUMBER"},
    {"", "expected --cells"},
    {"--cells outliers --metre-bin 50", "--metre-bin"},
    {"--cells outliers --factors coil,colour", "factor \"colour\""},
    {"--cells outliers --top -1", "--top"},
    {"--cells outliers --population some", "--population"},
    {"--cells outliers --frobnicate", "unknown option"},
};

static void test_errors(void **state)
{
    (void)state;
    char args[1024];
    for (size_t i = 0; i < sizeof bad_args / sizeof bad_args[0]; i++) {
        snprintf(args, sizeof args, "'%s' %s", db, bad_args[i].tail);
        expect(args, 2, bad_args[i].text);
    }
    snprintf(args, sizeof args, "'%s/none.db' --cells outliers", dir);
    expect(args, 1, "cannot open the trace database");
    snprintf(args, sizeof args, "'%s' --cells %s-9999999", db, code);
    expect(args, 1, "-9999999 in run");
    snprintf(args, sizeof args, "'%s' --cells 'cause=no such cause'", db);
    expect(args, 1, "\"self-discharge outlier\" (");
    snprintf(args, sizeof args, "'%s' --cells @%s", db, write_file("empty.txt", "# nothing\n\n"));
    expect(args, 2, "got none");
    snprintf(args, sizeof args, "'%s' --cells @%s/missing.txt", db, dir);
    expect(args, 2, "cannot read the list of serials");
    assert_int_equal(run("rootcause --help"), 0);
    assert_non_null(strstr(out_text, "Usage: celltwin rootcause"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outliers),
        cmocka_unit_test(test_table_and_csv),
        cmocka_unit_test(test_serial_lists),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup_trace, teardown);
}
