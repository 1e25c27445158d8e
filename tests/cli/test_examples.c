/*
 * test_examples.c - every factory file in examples/ loads, and the default
 * cell factory (examples/prismatic-lfp.yaml, what `celltwin run` runs
 * without a file) runs from raw-material lots to cells and keeps its books:
 * the active material taken from the stores equals what is in good cells,
 * in scrap and still in the line (a closed form: conservation of mass).
 */
#include "cli_harness.h"

#include <dirent.h>

static void test_every_example_validates(void **state)
{
    (void)state;
    DIR *d = opendir(CT_SOURCE_DIR "/examples");
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0 || strncmp(e->d_name, "cell-", 5) == 0 ||
            strncmp(e->d_name, "sweep-", 6) == 0)
            continue;   /* cell designs and sweeps have their own commands and tests */
        char args[512];
        snprintf(args, sizeof args, "validate '%s/examples/%s'", CT_SOURCE_DIR, e->d_name);
        if (run(args) != 0)
            fail_msg("%s: %s", e->d_name, err_text);
        n++;
    }
    closedir(d);
    assert_true(n >= 4);
}

static void test_default_factory_runs(void **state)
{
    (void)state;
    /* Four days: slurry, coils, lanes and cells are made, cells are in
     * baking and formation; the books must balance at any moment. */
    assert_int_equal(run("run --horizon 4d --warmup 0 --json"), 0);
    json_t *o = parse_out();
    assert_string_equal(json_string_value(json_object_get(o, "factory")), "prismatic-lfp");
    double in = num(o, "active_in_kg"), good = num(o, "active_good_kg"),
           scrap = num(o, "active_scrap_kg"), wip = num(o, "active_wip_kg");
    printf("  active material: in %.3f kg = good %.3f + scrap %.3f + wip %.3f\n", in, good, scrap, wip);
    assert_true(in > 1e5);
    assert_true(fabs(in - (good + scrap + wip)) <= 1e-9 * in);
    assert_true(json_array_size(json_object_get(o, "scrap_by_cause")) > 0);
    assert_non_null(json_object_get(o, "yield_by_station"));
    /* economics: the energy parts add up, the coaters' dryers count */
    json_t *e = json_object_get(o, "economics");
    assert_non_null(e);
    json_t *eb = json_object_get(e, "energy_breakdown_kwh");
    double total = num(e, "energy_kwh");
    assert_true(total > 0);
    assert_true(fabs(num(eb, "stations") + num(eb, "rooms") + num(eb, "building") - total) <= 1e-9 * total);
    assert_true(num(json_object_get(e, "energy_by_station_kwh"), "cathode_coating") > 0);
    /* LFP in a cell by design: 6 m of a 420 mm lane, coated on 2 sides at
     * 20 mg/cm2 with 96 % LFP: 6 x 0.42 x 2 x 0.2 kg/m2 x 0.96 = 0.96768 kg */
    double lfp = num(json_object_get(json_object_get(e, "materials_per_cell"), "lfp"), "kg");
    assert_true(fabs(lfp - 0.96768) <= 1e-6 * 0.96768);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_example_validates),
        cmocka_unit_test(test_default_factory_runs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
