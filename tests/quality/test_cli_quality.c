/*
 * test_cli_quality.c - `celltwin stats`, `spc` and `capability` as a user
 * runs them: the built binary (CT_CLI, set by CMake) on temporary files,
 * checking the JSON on stdout, the message on stderr and the exit status
 * (0 ok, 1 unreadable file, 2 bad content or argument).
 * Reference values: NIST StRD NumAcc1 (mean 10000002, sd 1, r1 -0.5); the
 * Lucas & Crosier (1982) CUSUM example (signal at sample 7).
 */
#include "cli_harness.h"

static void test_stats_numacc1(void **state)
{
    (void)state;
    char args[256];
    snprintf(args, sizeof args, "stats '%s'", write_file("numacc1.txt", "10000001\n10000003\n10000002\n"));
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    assert_int_equal(json_integer_value(json_object_get(o, "n")), 3);
    assert_true(num(o, "mean") == 10000002.0);
    assert_true(num(o, "sd") == 1.0);
    assert_true(num(o, "r1") == -0.5);
    assert_true(num(o, "min") == 10000001.0 && num(o, "max") == 10000003.0);
    json_decref(o);

    /* The same numbers as a CSV column, with a comment and a blank line. */
    snprintf(args, sizeof args, "stats --column y '%s'",
             write_file("numacc1.csv", "x,y\n1,10000001\n\n2,10000003\n3,\"10000002\"\n"));
    assert_int_equal(run(args), 0);
    o = parse_out();
    assert_true(num(o, "sd") == 1.0);
    json_decref(o);
}

static void test_stats_errors(void **state)
{
    (void)state;
    char args[256];
    const char *empty = write_file("empty.txt", "");
    snprintf(args, sizeof args, "stats '%s'", empty);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "no numbers"));
    assert_non_null(strstr(err_text, empty));
    assert_string_equal(out_text, "");

    const char *bad = write_file("bad.txt", "1.5\n2.5\n3,5\n4.5\n");
    snprintf(args, sizeof args, "stats '%s'", bad);
    assert_int_equal(run(args), 2);
    char where[160];
    snprintf(where, sizeof where, "%s:3:", bad);
    assert_non_null(strstr(err_text, where));
    assert_non_null(strstr(err_text, "\"3,5\""));

    snprintf(args, sizeof args, "stats '%s/does-not-exist.txt'", dir);
    assert_int_equal(run(args), 1);
    assert_non_null(strstr(err_text, "cannot open: No such file or directory"));

    snprintf(args, sizeof args, "stats --column z '%s'", write_file("c.csv", "x,y\n1,2\n"));
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "no column \"z\""));

    assert_int_equal(run("stats"), 2); /* no FILE */
    assert_int_equal(run("stats --column"), 2);
    assert_non_null(strstr(err_text, "needs a value"));
}

static void test_spc(void **state)
{
    (void)state;
    char args[512];
    const char *six = write_file("six.txt", "1\n3\n2\n4\n3\n5\n");
    snprintf(args, sizeof args, "spc '%s' --chart xbar-r --subgroup 1", six);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "at least 2"));

    snprintf(args, sizeof args, "spc '%s' --chart xbar-r --subgroup 2", six);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    assert_true(num(o, "center") == 3.0);
    assert_int_equal(json_array_size(json_object_get(o, "points")), 3);
    assert_true(num(json_object_get(o, "r"), "center") == 2.0);
    json_decref(o);

    snprintf(args, sizeof args, "spc '%s' --chart xbar-z", six);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "unknown chart"));
    snprintf(args, sizeof args, "spc '%s' --chart", six);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "needs a value"));
    snprintf(args, sizeof args, "spc '%s'", six);
    assert_int_equal(run(args), 2);

    /* CUSUM, Lucas & Crosier: C+ crosses h = 5 at sample 7. */
    const char *lc = write_file("lc.txt", "0.8\n1.9\n1.4\n2.0\n1.1\n0.7\n2.6\n");
    snprintf(args, sizeof args,
             "spc '%s' --chart cusum --target 0 --sigma 1 --k 0.5 --h 5", lc);
    assert_int_equal(run(args), 0);
    o = parse_out();
    json_t *cp = json_object_get(o, "cplus"), *sig = json_object_get(o, "signals");
    assert_int_equal(json_array_size(cp), 7);
    assert_true(json_real_value(json_array_get(cp, 6)) > 6.999999 &&
                json_real_value(json_array_get(cp, 6)) < 7.000001);
    assert_int_equal(json_array_size(sig), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(sig, 0), "point")), 7);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sig, 0), "rule")),
                        "cusum_upper");
    assert_int_equal(json_array_size(json_object_get(o, "cminus")), 7);
    json_decref(o);
    snprintf(args, sizeof args, "spc '%s' --chart cusum --lambda 0.2", lc);
    assert_int_equal(run(args), 2); /* an EWMA option on a CUSUM chart */

    /* I-MR: the mr object, its first point null. */
    snprintf(args, sizeof args, "spc '%s' --chart imr --rules we", lc);
    assert_int_equal(run(args), 0);
    o = parse_out();
    json_t *mr = json_object_get(o, "mr");
    assert_true(json_is_object(mr));
    assert_true(json_is_null(json_array_get(json_object_get(mr, "points"), 0)));
    assert_true(json_is_number(json_object_get(mr, "ucl")));
    json_decref(o);

    /* p chart from count,size: limits vary, so they are lists. */
    const char *p = write_file("p.csv", "size,count\n200,12\n100,4\n150,9\n");
    snprintf(args, sizeof args, "spc '%s' --chart p", p);
    assert_int_equal(run(args), 0);
    o = parse_out();
    assert_int_equal(json_array_size(json_object_get(o, "ucl")), 3);
    assert_true(num(o, "n") == 3.0);
    json_decref(o);
    /* A count above its size names the line. */
    const char *pbad = write_file("pbad.csv", "count,size\n12,200\n40,20\n");
    snprintf(args, sizeof args, "spc '%s' --chart p", pbad);
    assert_int_equal(run(args), 2);
    char where[160];
    snprintf(where, sizeof where, "%s:3: count 40 exceeds sample size 20", pbad);
    assert_non_null(strstr(err_text, where));
    /* Constant size from the command line. */
    snprintf(args, sizeof args, "spc '%s' --chart np --size 20", six);
    assert_int_equal(run(args), 0);
}

static void test_capability(void **state)
{
    (void)state;
    char args[512];
    const char *x = write_file("cap.txt", "10\n12\n11\n13\n12\n14\n");
    snprintf(args, sizeof args, "capability '%s' --lsl 5 --usl 1", x);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "must be below"));
    snprintf(args, sizeof args, "capability '%s' --lsl 5", x);
    assert_int_equal(run(args), 2);
    snprintf(args, sizeof args, "capability '%s' --lsl five --usl 20", x);
    assert_int_equal(run(args), 2);

    /* Subgroups of 2 (see test_capability.c): Ppk = sqrt(2), sigma_within
     * = sqrt(pi). */
    snprintf(args, sizeof args, "capability '%s' --lsl 6 --usl 20 --subgroup 2", x);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    assert_true(num(o, "ppk") > 1.41421356237 && num(o, "ppk") < 1.41421356238);
    assert_true(num(o, "sigma_within") > 1.77245385090 && num(o, "sigma_within") < 1.77245385091);
    assert_true(json_is_number(json_object_get(o, "cp")) && json_is_number(json_object_get(o, "pp")));
    json_decref(o);
}

static void test_help(void **state)
{
    (void)state;
    assert_int_equal(run("spc --help"), 0);
    assert_non_null(strstr(out_text, "--head-start"));
    assert_int_equal(run("help capability"), 0);
    assert_non_null(strstr(out_text, "--lsl"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_numacc1),
        cmocka_unit_test(test_stats_errors),
        cmocka_unit_test(test_spc),
        cmocka_unit_test(test_capability),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
