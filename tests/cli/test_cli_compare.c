/*
 * test_cli_compare.c - economics in `celltwin run` (the "economics" object
 * of --json, its ci95, the table section) and `celltwin compare`: a file
 * compared with itself differs by exactly zero (paired replications), a
 * faster line shows a positive throughput difference, and bad input exits
 * 2 with nothing on stdout.
 */
#include "cli_harness.h"

static const char line[] =
    "name: two-step\n"
    "run: {horizon: 4 h, warmup: 30 min, seed: 5}\n"
    "cell: {nominal_voltage: 3.2 V, nominal_capacity: 100 Ah}\n"
    "materials:\n"
    "  - {name: lfp, price: 20 usd/kg, lot: 1 t, active: true}\n"
    "  - {name: can, price: 10 usd/kg, lot: 1 t, per_cell: 300 g}\n"
    "economics:\n"
    "  electricity: 0.15 usd/kWh\n"
    "  labour_rate: 45 usd/h\n"
    "  overhead: 25 %\n"
    "  utilities: 0.1 kW/m2\n"
    "  dry_room: {reference_dew_point: -40 C, power: 0.4 kW/m2, factor_per_10K: 1.4}\n"
    "  rooms: [{name: dry, floor_space: 80 m2, dew_point: -40 C}]\n"
    "stations:\n"
    "  - name: maker\n"
    "    consumes: [{material: lfp, amount: 1 kg}]\n"
    "    makes: cell\n"
    "    process_time: exp(8 s)\n"
    "    economics: {investment: 2 Musd, depreciation_years: 8, floor_space: 60 m2,\n"
    "                power: {running: 20 kW, idle: 4 kW}, operators: 1, area: assembly, room: dry}\n"
    "  - name: tester\n"
    "    process_time: exp(6 s)\n"
    "    buffer: 5\n"
    "    scrap: 0.1\n"
    "    economics: {investment: 500 kusd, depreciation_years: 5, floor_space: 30 m2,\n"
    "                power: {running: 5 kW, idle: 1 kW}, operators: 0.5, area: finishing}\n";

static double sum_object(json_t *o)
{
    double s = 0;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) s += json_number_value(v);
    return s;
}

static void test_run_economics(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "run '%s' --replications 3 --json", write_file("a.yaml", line));
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    json_t *e = json_object_get(o, "economics");
    assert_non_null(e);
    double cost = num(e, "cost_per_cell_usd");
    assert_true(cost > 0);
    assert_true(fabs(sum_object(json_object_get(e, "cost_breakdown_usd_per_cell")) - cost) <= 1e-9 * cost);
    assert_true(fabs(sum_object(json_object_get(e, "cost_shares")) - 1) <= 1e-9);
    double energy = num(e, "energy_kwh");
    assert_true(fabs(sum_object(json_object_get(e, "energy_breakdown_kwh")) - energy) <= 1e-9 * energy);
    assert_true(fabs(sum_object(json_object_get(e, "energy_by_station_kwh")) -
                     num(json_object_get(e, "energy_breakdown_kwh"), "stations")) <= 1e-9 * energy);
    /* floor space: 30 m2 finishing + the 80 m2 room around the maker */
    json_t *fl = json_object_get(e, "floor_space_m2");
    assert_true(num(fl, "total") == 110 && num(fl, "finishing") == 30 && num(fl, "dry_rooms") == 80);
    json_t *ci = json_object_get(json_object_get(o, "ci95"), "economics");
    assert_non_null(ci);
    assert_true(num(ci, "cost_per_kwh_usd") > 0);
    json_decref(o);

    snprintf(args, sizeof args, "run '%s' --replications 2", write_file("a.yaml", line));
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "Economics (per good cell)"));
    assert_non_null(strstr(out_text, "cost per kWh (USD)"));
}

static void test_compare_with_itself(void **state)
{
    (void)state;
    const char *a = write_file("a.yaml", line);
    char args[512];
    snprintf(args, sizeof args, "compare '%s' '%s' --replications 3 --json", a, a);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    json_t *sc = json_object_get(o, "scenarios");
    assert_int_equal(json_array_size(sc), 2);
    const char *keys[] = {"cells_per_h", "gwh_per_year", "cumulative_yield", "cost_per_kwh_usd",
                          "energy_kwh_per_kwh_cell", "floor_space_m2", "wip_mean", "lead_time_mean_s"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *b = json_object_get(json_array_get(sc, 1), keys[i]);
        assert_non_null(b);
        assert_true(num(b, "diff") == 0);
        assert_true(num(b, "diff_ci95") == 0);
        assert_true(num(b, "mean") == num(json_object_get(json_array_get(sc, 0), keys[i]), "mean"));
    }
    assert_true(num(json_object_get(json_array_get(sc, 0), "cost_per_kwh_usd"), "ci95") > 0);
    json_decref(o);
}

static void test_compare_faster_line(void **state)
{
    (void)state;
    const char *a = write_file("a.yaml", line);
    /* a second maker server: the maker (8 s) was the bottleneck; the
     * tester (6 s) now limits the line, so throughput rises */
    char faster[sizeof line + 32];
    const char *p = strstr(line, "    makes: cell\n");
    snprintf(faster, sizeof faster, "%.*s    servers: 2\n%s", (int)(p - line), line, p);
    const char *b = write_file("b.yaml", faster);
    char args[512];
    snprintf(args, sizeof args, "compare '%s' '%s' --replications 4 --json", a, b);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    json_t *th = json_object_get(json_array_get(json_object_get(o, "scenarios"), 1), "cells_per_h");
    assert_true(num(th, "diff") - num(th, "diff_ci95") > 0);
    json_decref(o);
    snprintf(args, sizeof args, "compare '%s' '%s'", a, b);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "B - A"));
}

static void test_compare_bad_input(void **state)
{
    (void)state;
    const char *a = write_file("a.yaml", line);
    char args[512];
    snprintf(args, sizeof args, "compare '%s'", a);
    assert_int_equal(run(args), 2);
    assert_string_equal(out_text, "");
    assert_non_null(strstr(err_text, "at least two"));
    const char *bad = write_file("bad.yaml", "name: bad\nstations:\n  - {name: s, process_time: 1 s,\n"
                                             "     economics: {floor_space: -3 m2}}\n");
    snprintf(args, sizeof args, "compare '%s' '%s'", a, bad);
    assert_int_equal(run(args), 2);
    assert_string_equal(out_text, "");
    assert_non_null(strstr(err_text, "bad.yaml:4:31: stations[0].economics.floor_space:"));
    snprintf(args, sizeof args, "compare '%s' '%s' --replications 0", a, a);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "--replications"));
    snprintf(args, sizeof args, "compare '%s' '%s' --frobnicate", a, a);
    assert_int_equal(run(args), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_economics),
        cmocka_unit_test(test_compare_with_itself),
        cmocka_unit_test(test_compare_faster_line),
        cmocka_unit_test(test_compare_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
