/*
 * test_cli_screen.c - `celltwin screen` and `celltwin grade` as a user runs
 * them: the built binary on temporary CSV files, checking the JSON and CSV
 * on stdout, the FILE:LINE message on stderr and the exit status (0 ok,
 * 1 unreadable file, 2 bad content or option).
 *
 * The lot below is written by hand so every k-value is a closed form:
 * k = 1000 (ocv1 - ocv2) / 7 d. Nine cells lose 0.70 +- 0.014 mV (k =
 * 0.100 +- 0.002 mV/day) and C07 loses 4.2 mV (k = 0.6 mV/day): median
 * 0.1, MAD 0.001, robust z of C07 = 0.5 / (1.4826 x 0.001) = 337.
 */
#include <math.h>
#include <stdbool.h>

#include "cli_harness.h"

static const char header[] = "serial,lot,ocv1_v,t1_h,temp1_c,ocv2_v,t2_h,temp2_c\n";

/* k in mV/day for each cell of the lot; C07 is the outlier. */
static const double lot_k[10] = { 0.100, 0.101, 0.099, 0.102, 0.098,
                                  0.100, 0.600, 0.101, 0.099, 0.100 };

static const char *write_lot(const char *name, double temp2_c)
{
    static char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text, "%s", header);
    for (int i = 0; i < 10; i++) {
        double ocv2 = 3.650 - lot_k[i] * 7.0 / 1000.0;
        n += (size_t)snprintf(text + n, sizeof text - n, "C%02d,L1,3.650000,0,25.0,%.6f,168,%.1f\n",
                              i + 1, ocv2, temp2_c);
    }
    return write_file(name, text);
}

static json_t *cell(json_t *o, size_t i)
{
    return json_array_get(json_object_get(o, "cells"), i);
}

static void test_outlier(void **state)
{
    (void)state;
    char args[512];
    const char *f = write_lot("lot.csv", 25.0);
    snprintf(args, sizeof args, "screen '%s'", f);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    assert_int_equal(json_array_size(json_object_get(o, "cells")), 10);
    assert_true(num(o, "threshold") == 3.5);
    assert_true(fabs(num(o, "limit_mv_per_day") - 5.0 / 7.0) < 1e-12);
    for (size_t i = 0; i < 10; i++) {
        json_t *c = cell(o, i);
        assert_true(fabs(num(c, "k_raw_mv_per_day") - lot_k[i]) < 1e-9);
        assert_true(fabs(num(c, "k_comp_mv_per_day") - lot_k[i]) < 1e-9);
        bool flagged = json_is_true(json_object_get(c, "flagged"));
        assert_int_equal(flagged, i == 6);
    }
    json_t *bad = cell(o, 6);
    assert_string_equal(json_string_value(json_object_get(bad, "serial")), "C07");
    assert_int_equal(json_integer_value(json_object_get(bad, "line")), 8);
    assert_true(fabs(num(bad, "z") - 0.5 / (1.482602218505602 * 0.001)) < 1e-3);
    json_t *flags = json_object_get(bad, "flags");
    assert_int_equal(json_array_size(flags), 1);
    assert_string_equal(json_string_value(json_array_get(flags, 0)), "high");
    json_t *lot = json_array_get(json_object_get(o, "lots"), 0);
    assert_string_equal(json_string_value(json_object_get(lot, "lot")), "L1");
    assert_int_equal(json_integer_value(json_object_get(lot, "n")), 10);
    assert_int_equal(json_integer_value(json_object_get(lot, "n_flagged")), 1);
    assert_true(fabs(num(lot, "median_k_comp_mv_per_day") - 0.1) < 1e-9);
    assert_true(fabs(num(lot, "scale_mv_per_day") - 1.482602218505602 * 0.001) < 1e-9);
    json_decref(o);

    /* A limit of 4 mV/week (0.571 mV/day) adds "limit" to C07. */
    snprintf(args, sizeof args, "screen '%s' --limit '4 mV/wk' --threshold 1000", f);
    assert_int_equal(run(args), 0);
    o = parse_out();
    flags = json_object_get(cell(o, 6), "flags");
    assert_int_equal(json_array_size(flags), 1);
    assert_string_equal(json_string_value(json_array_get(flags, 0)), "limit");
    json_decref(o);

    /* CSV: a header, one line per cell, a "# lot" summary. */
    snprintf(args, sizeof args, "screen '%s' --csv", f);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "serial,lot,line,k_raw_mv_per_day,k_comp_mv_per_day"));
    assert_non_null(strstr(out_text, "\nC07,L1,8,0.6,0.6,0,"));
    assert_non_null(strstr(out_text, ",high\n"));
    assert_non_null(strstr(out_text, "# lot L1: n=10 "));
    assert_non_null(strstr(out_text, "n_flagged=1\n"));
}

static void test_temperature(void **state)
{
    (void)state;
    char args[512];
    /* All second readings at 29 C: with --dudt -0.36 mV/K the compensated k
     * is k_raw - 0.36 x 4 / 7 = k_raw - 0.2057 mV/day. */
    const char *f = write_lot("warm.csv", 29.0);
    snprintf(args, sizeof args, "screen '%s' --dudt '-0.36 mV/K' --ref-temp 298.15K", f);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    assert_true(fabs(num(o, "ref_temp_c") - 25.0) < 1e-9);
    assert_true(fabs(num(o, "dudt_mv_per_k") + 0.36) < 1e-12);
    for (size_t i = 0; i < 10; i++)
        assert_true(fabs(num(cell(o, i), "k_comp_mv_per_day") - (lot_k[i] - 0.36 * 4 / 7.0))
                    < 1e-9);
    json_decref(o);

    /* --chemistry takes dU/dT from the NMC811 curve at the cell's SOC. */
    snprintf(args, sizeof args, "screen '%s' --chemistry nmc811 --ea 53kJ/mol", f);
    assert_int_equal(run(args), 0);
    o = parse_out();
    assert_string_equal(json_string_value(json_object_get(o, "chemistry")), "nmc811");
    assert_true(num(o, "ea_kj_per_mol") == 53.0);
    assert_true(json_is_number(json_object_get(cell(o, 0), "dudt_mv_per_k")));
    json_decref(o);
}

static void test_lots_and_stamps(void **state)
{
    (void)state;
    char args[512];
    const char *f = write_file("stamps.csv",
                               "serial,line_no,ocv1_v,time1,temp1_c,ocv2_v,time2,temp2_c\n"
                               "A1,7,3.65,2024-05-01T08:00:00,25,3.6493,2024-05-08T08:00:00,25\n"
                               "A2,8,3.65,2024-05-01T08:00:00,25,3.6493,2024-05-08T08:00:00,25\n");
    snprintf(args, sizeof args, "screen '%s' --lot-column line_no", f);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    assert_int_equal(json_array_size(json_object_get(o, "lots")), 2);
    assert_true(fabs(num(cell(o, 0), "k_raw_mv_per_day") - 0.1) < 1e-9);
    /* One cell per lot: no spread, z is null. */
    assert_true(json_is_null(json_object_get(cell(o, 0), "z")));
    json_decref(o);
}

static void test_bad_input(void **state)
{
    (void)state;
    char args[512], where[256];

    /* Missing column. */
    const char *f = write_file("nocol.csv", "serial,ocv1_v,t1_h,temp1_c,ocv2_v,t2_h\n"
                                            "A,3.65,0,25,3.649,168\n");
    snprintf(args, sizeof args, "screen '%s'", f);
    assert_int_equal(run(args), 2);
    snprintf(where, sizeof where, "%s:1: no column \"temp2_c\"", f);
    assert_non_null(strstr(err_text, where));
    assert_string_equal(out_text, "");

    /* Non-numeric value, with FILE:LINE. */
    f = write_file("nan.csv", "serial,ocv1_v,t1_h,temp1_c,ocv2_v,t2_h,temp2_c\n"
                              "A,3.65,0,25,3.649,168,25\n"
                              "\n"
                              "B,3.65,0,25,3.649,168,warm\n");
    snprintf(args, sizeof args, "screen '%s'", f);
    assert_int_equal(run(args), 2);
    snprintf(where, sizeof where, "%s:4: column \"temp2_c\": expected a number, got \"warm\"", f);
    assert_non_null(strstr(err_text, where));

    /* Empty file. */
    f = write_file("empty.csv", "");
    snprintf(args, sizeof args, "screen '%s'", f);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "empty file"));

    /* Header only. */
    f = write_file("hdr.csv", header);
    snprintf(args, sizeof args, "screen '%s'", f);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "no cells"));

    /* Unreadable file: exit 1. */
    snprintf(args, sizeof args, "screen '%s/does-not-exist.csv'", dir);
    assert_int_equal(run(args), 1);
    assert_non_null(strstr(err_text, "cannot open"));

    /* Options. */
    f = write_lot("ok.csv", 25.0);
    const char *bad_opts[] = { "--threshold 0", "--threshold x", "--method grubbs",
                               "--limit 5", "--limit '5 kg'", "--dudt '1 mV'",
                               "--chemistry lco", "--json --csv", "--frobnicate",
                               "--chemistry lfp --dudt 0.1", "--ref-temp hot", "--ea -3" };
    for (size_t i = 0; i < sizeof bad_opts / sizeof bad_opts[0]; i++) {
        snprintf(args, sizeof args, "screen '%s' %s", f, bad_opts[i]);
        if (run(args) != 2)
            fail_msg("screen %s: expected exit 2, stderr: %s", bad_opts[i], err_text);
        assert_non_null(strstr(err_text, "celltwin screen: "));
    }
    assert_int_equal(run("screen"), 2);
    assert_int_equal(run("screen --help"), 0);
    assert_non_null(strstr(out_text, "Usage: celltwin screen FILE"));
}

static void test_grade(void **state)
{
    (void)state;
    char args[512];
    const char *f = write_file("g.csv",
                               "serial,ocv1_v,t1_h,temp1_c,ocv2_v,t2_h,temp2_c,capacity_ah,ir_mohm\n"
                               "G1,3.65,0,25,3.6493,168,25,5.02,16.5\n"   /* k 0.1: A */
                               "G2,3.65,0,25,3.6465,168,25,5.02,16.5\n"   /* k 0.5: B */
                               "G3,3.65,0,25,3.6493,168,25,4.70,16.5\n"   /* weak: rework */
                               "G4,3.65,0,25,3.6493,168,25,,16.5\n");     /* no capacity */
    const char *bins = write_file("bins.yaml", "bins:\n"
                                               "  - name: A\n"
                                               "    capacity_ah: [4.95, null]\n"
                                               "    ir_mohm: [null, 18]\n"
                                               "    k_mv_per_day: [null, 0.3]\n"
                                               "  - name: B\n"
                                               "    capacity_ah: [4.85, null]\n"
                                               "otherwise: rework\n");
    snprintf(args, sizeof args, "grade '%s' --bins '%s'", f, bins);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    const char *want[4] = { "A", "B", "rework", "rework" };
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(json_string_value(json_object_get(cell(o, i), "grade")), want[i]);
    assert_true(fabs(num(cell(o, 1), "k_mv_per_day") - 0.5) < 1e-9);
    assert_true(json_is_null(json_object_get(cell(o, 3), "capacity_ah")));
    json_t *g = json_object_get(o, "grades");
    assert_int_equal(json_array_size(g), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(g, 2), "n")), 2);
    json_decref(o);

    snprintf(args, sizeof args, "grade '%s' --bins '%s' --csv", f, bins);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "\nG2,all,3,5.02,16.5,3.6465,0.5,B\n"));
    assert_non_null(strstr(out_text, "# grade rework: n=2\n"));

    const char *badbins = write_file("badbins.yaml", "bins:\n  - name: A\n    ir_mohm: [x, 18]\n");
    snprintf(args, sizeof args, "grade '%s' --bins '%s'", f, badbins);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "badbins.yaml:3:"));
    snprintf(args, sizeof args, "grade '%s'", f);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "missing --bins"));
    snprintf(args, sizeof args, "grade '%s' --bins '%s/none.yaml'", f, dir);
    assert_int_equal(run(args), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outlier),
        cmocka_unit_test(test_temperature),
        cmocka_unit_test(test_lots_and_stamps),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_grade),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
