/*
 * test_cli_rampup.c - `celltwin rampup` as a user runs it: the JSON
 * contract of docs/rampup.md (months, APQP phases, cumulated sums), the CSV
 * and the table, and bad input (a factory file with a wrong learning: key,
 * --months 0, a bad --sample-days) getting its FILE:LINE:COL: KEY message
 * or the option's name, exit status 2 and nothing on stdout.
 */
#include "cli_harness.h"

/* One unit a second at m1, whose learning curve is 30 % at SOP. */
static const char line[] =
    "name: ramp\n"
    "source: {saturated: true}\n"
    "stations:\n"
    "  - name: m1\n"
    "    process_time: 1 s\n"
    "    learning: {scrap_at_sop: 30 %, steady_scrap: 8 %, time_constant: 3 months}\n"
    "  - {name: m2, process_time: 0.5 s}\n";

static void test_json_contract(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "rampup '%s' --months 4 --sample-days 0.25 --warmup 0 --seed 5 --json",
             write_file("ramp.yaml", line));
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    assert_true(num(o, "months") == 4);
    assert_true(num(o, "sample_s") == 21600);
    assert_true(num(o, "warmup_s") == 0);
    assert_true(fabs(num(o, "month_days") - 365.25 / 12) < 1e-9);
    /* the review's A- to D-samples: about 3 years before SOP in all */
    json_t *apqp = json_object_get(o, "apqp");
    assert_int_equal(json_array_size(apqp), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(apqp, 0), "phase")), "A-samples");
    assert_true(num(json_array_get(apqp, 0), "start_months_before_sop") == 36);
    assert_true(num(json_array_get(apqp, 3), "end_months_before_sop") == 0);
    assert_true(num(json_array_get(apqp, 0), "cells") <= 100);   /* "mostly less than 100" */
    json_t *months = json_object_get(o, "by_month");
    assert_int_equal(json_array_size(months), 4);
    double cells = 0, cost = 0;
    for (size_t i = 0; i < 4; i++) {
        json_t *m = json_array_get(months, i);
        assert_true(num(m, "month") == (double)i + 1);
        assert_true(fabs(num(m, "scrap_rate") - (1 - num(m, "yield"))) < 1e-12);
        cells += num(m, "good_cells");
        cost += num(m, "scrap_cost_usd");
        assert_true(fabs(num(m, "cum_good_cells") - cells) < 1e-6 * cells);
        assert_true(num(m, "cum_scrap_cost_usd") == cost);
        json_t *top = json_object_get(m, "top_causes");
        assert_string_equal(json_string_value(json_object_get(json_array_get(top, 0), "cause")),
                            "ramp-up");
    }
    json_decref(o);
}

static void test_csv_and_table(void **state)
{
    (void)state;
    char args[512];
    const char *path = write_file("ramp.yaml", line);
    snprintf(args, sizeof args, "rampup '%s' --months 2 --sample-days 0.1 --warmup 0 --csv", path);
    assert_int_equal(run(args), 0);
    assert_true(strncmp(out_text, "month,learning_scrap,yield,", 27) == 0);
    int rows = 0;
    for (const char *p = out_text; *p; p++)
        rows += *p == '\n';
    assert_int_equal(rows, 3);
    snprintf(args, sizeof args, "rampup '%s' --months 2 --sample-days 0.1 --warmup 0", path);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "D-samples"));
    assert_non_null(strstr(out_text, "m1: ramp-up"));
}

static void test_bad_input(void **state)
{
    (void)state;
    char args[512];
    const char *path = write_file("ramp.yaml", line);
    static const struct {
        const char *opts, *expect;
    } cases[] = {
        {"--months 0", "--months: expected an integer from 1 to 600"},
        {"--months x", "--months: expected"},
        {"--sample-days 0", "--sample-days: expected a number of days > 0"},
        {"--sample-days 40", "--sample-days: expected a number of days > 0"},
        {"--replications 0", "--replications: expected"},
        {"--warmup -1d", "--warmup"},
        {"--json --csv", "--json and --csv"},
        {"--bogus", "unknown option \"--bogus\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, "rampup '%s' %s", path, cases[i].opts);
        assert_int_equal(run(args), 2);
        assert_string_equal(out_text, "");
        if (!strstr(err_text, cases[i].expect))
            fail_msg("%s: got \"%s\"", cases[i].opts, err_text);
    }
    snprintf(args, sizeof args, "rampup '%s'",
             write_file("bad.yaml", "name: bad\nsource: {saturated: true}\nstations:\n"
                                    "  - name: m1\n    process_time: 1 s\n"
                                    "    learning: {scrap_at_sop: 101 %}\n"));
    assert_int_equal(run(args), 2);
    assert_string_equal(out_text, "");
    assert_non_null(strstr(err_text, "bad.yaml:6:30: stations[0].learning.scrap_at_sop: expected"));
    assert_int_equal(run("rampup"), 2);
    assert_non_null(strstr(err_text, "missing FILE (a factory file)"));
}

/* The same bytes whatever the thread count (months side by side or one
 * after the other: each month has the same seed and its own streams). */
static void test_threads_same_bytes(void **state)
{
    (void)state;
    char args[512];
    static char one[sizeof out_text];
    const char *path = write_file("ramp.yaml", line);
    snprintf(args, sizeof args, "rampup '%s' --months 5 --sample-days 0.1 --warmup 0 --csv", path);
    assert_int_equal(run(args), 0);
    memcpy(one, out_text, sizeof one);
    snprintf(args, sizeof args, "rampup '%s' --months 5 --sample-days 0.1 --warmup 0 --csv --threads 3",
             path);
    assert_int_equal(run(args), 0);
    assert_string_equal(out_text, one);
}

/* A Wright curve (on cumulative output) runs month after month: a line of
 * one unit a second makes 2.6 M units a month, so by month 6 the curve
 * with reference_output 10000 has halved its excess scrap more than 8
 * times (0.8^8 = 0.17). */
static void test_wright_months(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "rampup '%s' --months 6 --sample-days 0.25 --warmup 0 --json --threads 2",
             write_file("wright.yaml",
                        "name: w\nsource: {saturated: true}\nstations:\n  - name: m1\n"
                        "    process_time: 1 s\n    learning: {curve: wright, reference_output: 10000}\n"));
    assert_int_equal(run(args), 0);
    json_t *o = parse_out(), *months = json_object_get(o, "by_month");
    double first = num(json_array_get(months, 0), "scrap_rate");
    double last = num(json_array_get(months, 5), "scrap_rate");
    /* month 1 starts at 30 % and falls within the window's 21600 units
     * (22 % x (1 + 1.3 M/1e4)^-0.32 = 4.5 % of excess at mid-month) */
    assert_true(first < 0.30 && first > last);
    assert_true(last < 0.08 + 0.22 * pow(0.8, 8));
    assert_true(last > 0.08 - 4 * sqrt(0.08 * 0.92 / 21600));
    json_decref(o);
}

/* --html writes one self-contained file whose month rows carry the same
 * figures as the JSON; an unwritable path fails with exit 1, no partial
 * file and nothing on stdout. */
static void test_html(void **state)
{
    (void)state;
    char args[512], html[160], buf[1 << 16];
    const char *path = write_file("ramp.yaml", line);
    snprintf(html, sizeof html, "%s/ramp.html", dir);
    snprintf(args, sizeof args, "rampup '%s' --months 3 --sample-days 0.1 --warmup 0 --json --html '%s'",
             path, html);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out(), *months = json_object_get(o, "by_month");
    slurp(html, buf, sizeof buf);
    assert_true(strncmp(buf, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(buf, "<svg"));
    assert_null(strstr(buf, "<script"));
    assert_non_null(strstr(buf, "D-samples"));
    for (int m = 0; m < 3; m++) {
        char row[64];
        snprintf(row, sizeof row, "<tr data-month=\"%d\" data-scrap-rate=\"", m + 1);
        const char *at = strstr(buf, row);
        assert_non_null(at);
        double rate = strtod(at + strlen(row), NULL);
        assert_true(fabs(rate - num(json_array_get(months, (size_t)m), "scrap_rate")) < 1e-9);
    }
    json_decref(o);
    snprintf(html, sizeof html, "%s/no/such/dir/r.html", dir);
    snprintf(args, sizeof args, "rampup '%s' --months 1 --sample-days 0.1 --warmup 0 --html '%s'",
             path, html);
    assert_int_equal(run(args), 1);
    assert_string_equal(out_text, "");
    assert_non_null(strstr(err_text, "cannot write the report"));
    assert_int_equal(access(html, F_OK), -1);
}

/* `run --learning` applies the curve from SOP at time 0: m1's yield over
 * 20000 units is 1 minus the curve's mean over them, which a time constant
 * of 3 months keeps within 0.02 % of 30 %; the band is 4 binomial sd. A
 * plain run has no ramp-up scrap. */
static void test_run_learning(void **state)
{
    (void)state;
    char args[512];
    const char *path = write_file("ramp.yaml", line);
    snprintf(args, sizeof args, "run '%s' --horizon 20000.5 --learning --json", path);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    double y = num(json_object_get(o, "yield_by_station"), "m1");
    double band = 4 * sqrt(0.3 * 0.7 / 20000);
    if (fabs((1 - y) - 0.3) > band + 2e-4)
        fail_msg("m1 scrap %.5f, expected 0.3 +- %.5f", 1 - y, band);
    json_decref(o);
    snprintf(args, sizeof args, "run '%s' --horizon 20000.5 --json", path);
    assert_int_equal(run(args), 0);
    o = parse_out();
    assert_true(num(o, "scrapped") == 0);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_contract),
        cmocka_unit_test(test_csv_and_table),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_run_learning),
        cmocka_unit_test(test_threads_same_bytes),
        cmocka_unit_test(test_wright_months),
        cmocka_unit_test(test_html),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
