/*
 * test_cli_calc.c - `celltwin calc yield`, `calc coating-scrap` and `calc
 * cell` as a user runs them: the built binary (CT_CLI) with arguments and
 * files, checking the JSON on stdout against the review's examples and hand
 * calculations written next to each case, the message on stderr and the
 * exit status (0 ok, 1 unreadable file, 2 bad input).
 */
#include <math.h>

#include "cli_harness.h"

/* The JSON carries 12 significant digits; hand values here have 6-7. */
static void assert_near(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.17g, want %.17g (relative tolerance %g)\n%s", got, want, rel, out_text);
}

/* ---------------- calc yield ---------------- */

/* The review: 25 steps at 99.5 % leave "88 %"; 0.995^25 = 0.882220
 * (hand calculator: exp(25 ln 0.995) = exp(-0.1253135)). */
static void test_yield(void **state)
{
    (void)state;
    assert_int_equal(run("calc yield --steps 25 --step-yield 0.995"), 0);
    json_t *o = parse_out();
    assert_true(num(o, "steps") == 25);
    assert_near(num(o, "cumulative_yield"), 0.882220, 1e-6);
    assert_near(num(o, "scrap_fraction"), 0.117780, 1e-5);
    json_decref(o);

    /* Percent works as well. */
    assert_int_equal(run("calc yield --steps=25 --step-yield '99.5 %'"), 0);
    o = parse_out();
    assert_near(num(o, "cumulative_yield"), 0.882220, 1e-6);
    json_decref(o);

    /* A list: 0.99 x 0.98 x 0.97 = 0.941094; scrap 0.058906. */
    assert_int_equal(run("calc yield --step-yields 0.99,0.98,97%"), 0);
    o = parse_out();
    assert_true(num(o, "steps") == 3);
    assert_near(num(o, "cumulative_yield"), 0.941094, 1e-12);
    assert_near(num(o, "scrap_fraction"), 0.058906, 1e-9);
    json_decref(o);
}

static void test_yield_errors(void **state)
{
    (void)state;
    assert_int_equal(run("calc yield --steps 25 --step-yield 0.995 --step-yields 0.9,0.9"), 2);
    assert_non_null(strstr(err_text, "not both"));
    assert_string_equal(out_text, "");
    assert_int_equal(run("calc yield"), 2);
    assert_non_null(strstr(err_text, "missing --steps N --step-yield Y, or --step-yields"));
    assert_int_equal(run("calc yield --step-yield 0.995"), 2);
    assert_non_null(strstr(err_text, "--step-yield needs --steps N"));
    assert_int_equal(run("calc yield --steps 0 --step-yield 0.995"), 2);
    assert_non_null(strstr(err_text, "--steps: expected an integer from 1"));
    assert_int_equal(run("calc yield --steps 25 --step-yield 1.2"), 2);
    assert_non_null(strstr(err_text, "--step-yield: expected a yield in (0, 1]"));
    assert_non_null(strstr(err_text, "got \"1.2\""));
    assert_int_equal(run("calc yield --steps 25 --step-yield 0"), 2);
    assert_int_equal(run("calc yield --step-yields 0.99,,0.98"), 2);
    assert_non_null(strstr(err_text, "--step-yields: item 2"));
    assert_int_equal(run("calc yield --step-yields 0.99,-0.5"), 2);
    assert_non_null(strstr(err_text, "item 2"));
    assert_int_equal(run("calc yield --steps 3 --step-yields 0.9,0.9,0.9"), 2);
    assert_int_equal(run("calc yield --steps 25 --step-yield 0.995 --bogus"), 2);
    assert_non_null(strstr(err_text, "unknown option \"--bogus\""));
}

/* ---------------- calc coating-scrap ---------------- */

#define REVIEW_SCRAP                                                                        \
    "calc coating-scrap --lanes 2 --lane-width 550mm --speed 60m/min --time 30s "          \
    "--loading 20mg/cm2 --active-fraction 0.96 --price 20usd/kg"

/* The review's example, computed from its inputs:
 *   2 x 0.55 m x 1 m/s x 30 s = 33 m2; x 0.2 kg/m2 = 6.6 kg; x 0.96 =
 *   6.336 kg of LFP; x 20 USD/kg = 126.72 USD.
 * The review's own text gives "approx. 30 m2 ... approx. 5.76 kg ... USD
 * 115": it rounds the area to 30 m2 and carries the rounded area on
 * (30 x 0.2 x 0.96 = 5.76). The calculator does not round. */
static void test_scrap_review_example(void **state)
{
    (void)state;
    assert_int_equal(run(REVIEW_SCRAP), 0);
    json_t *o = parse_out();
    assert_near(num(o, "area_m2"), 33.0, 1e-12);
    assert_near(num(o, "coating_mass_kg"), 6.6, 1e-12);
    assert_near(num(o, "active_mass_kg"), 6.336, 1e-12);
    assert_near(num(o, "cost_usd"), 126.72, 1e-12);
    /* The inputs come back in base units. */
    json_t *in = json_object_get(o, "inputs");
    assert_true(num(in, "lanes") == 2);
    assert_near(num(in, "lane_width_m"), 0.55, 1e-15);
    assert_near(num(in, "speed_m_s"), 1.0, 1e-15);
    assert_near(num(in, "time_s"), 30, 1e-15);
    assert_near(num(in, "loading_kg_m2"), 0.2, 1e-15);
    assert_near(num(in, "active_fraction"), 0.96, 1e-15);
    assert_near(num(in, "price_usd_kg"), 20, 1e-15);
    json_decref(o);

    /* A second case, same units written differently: one 1.4 m lane at
     * 100 m/min for 2 min, 100 g/m2 (= 10 mg/cm2), 95 %, 15 USD/kg:
     * 1.4 x 1.6667 x 120 = 280 m2; x 0.1 = 28 kg; x 0.95 = 26.6 kg;
     * x 15 = 399 USD. */
    assert_int_equal(run("calc coating-scrap --lanes 1 --lane-width 1.4m --speed '100 m/min' "
                         "--time 2min --loading '100 g/m2' --active-fraction '95 %' "
                         "--price '15 USD/kg'"),
                     0);
    o = parse_out();
    assert_near(num(o, "area_m2"), 280, 1e-12);
    assert_near(num(o, "active_mass_kg"), 26.6, 1e-12);
    assert_near(num(o, "cost_usd"), 399, 1e-12);
    json_decref(o);
}

static void test_scrap_errors(void **state)
{
    (void)state;
    /* A loading without units is refused, with the message the docs show. */
    assert_int_equal(run("calc coating-scrap --lanes 2 --lane-width 550mm --speed 60m/min "
                         "--time 30s --loading 20 --active-fraction 0.96 --price 20usd/kg"),
                     2);
    assert_non_null(strstr(err_text, "--loading: expected a unit, such as \"20 mg/cm2\", got \"20\""));
    assert_string_equal(out_text, "");
    assert_int_equal(run("calc coating-scrap --lanes 2 --lane-width 550mm --speed 60m/min "
                         "--time 30s --loading 20mg/cm2 --active-fraction 0.96 --price -20usd/kg"),
                     2);
    assert_non_null(strstr(err_text, "--price: expected a price per mass >= 0"));
    assert_int_equal(run("calc coating-scrap --lanes 2 --lane-width 550mm --speed 60m/min "
                         "--time 30s --loading -20mg/cm2 --active-fraction 0.96 --price 20usd/kg"),
                     2);
    assert_non_null(strstr(err_text, "--loading: expected an areal mass > 0"));
    assert_int_equal(run("calc coating-scrap --lanes 0 --lane-width 550mm --speed 60m/min "
                         "--time 30s --loading 20mg/cm2 --active-fraction 0.96 --price 20usd/kg"),
                     2);
    assert_non_null(strstr(err_text, "--lanes"));
    assert_int_equal(run("calc coating-scrap --lanes 2 --lane-width 550mm --speed 60kg "
                         "--time 30s --loading 20mg/cm2 --active-fraction 0.96 --price 20usd/kg"),
                     2);
    assert_non_null(strstr(err_text, "--speed: expected a speed"));
    assert_int_equal(run("calc coating-scrap --lanes 2 --lane-width 550mm --speed 60m/min "
                         "--time 30s --loading 20mg/cm2 --active-fraction 1.5 --price 20usd/kg"),
                     2);
    assert_non_null(strstr(err_text, "--active-fraction"));
    assert_int_equal(run("calc coating-scrap --lanes 2 --lane-width 550mm --speed 60m/min "
                         "--time 30s --loading 20mg/cm2 --active-fraction 0.96"),
                     2);
    assert_non_null(strstr(err_text, "missing --price"));
}

/* ---------------- calc cell ---------------- */

/* The hand-calculated cell of tests/model/test_cell_design.c (LFP 170
 * mAh/g, graphite 372 mAh/g, ICE 0.90): cathode 19.2 g x 170 = 3.264 Ah,
 * anode 9.5 g x 372 = 3.534 Ah, N/P 1.082721, loss 3.534/9 = 0.3926667 Ah
 * (12.03023 %), reversible 2.871333 Ah, 9.188267 Wh, 67.204 g,
 * 136.7220 Wh/kg, 0.05 L, 183.7653 Wh/L. */
static const char hand[] =
    "name: hand\n"
    "nominal_voltage: 3.2 V\n"
    "cathode:\n"
    "  material: LFP\n"
    "  active_fraction: 96 %\n"
    "  loading: 20 mg/cm2\n"
    "  layers: 10\n"
    "  layer_area: 100 cm2\n"
    "  foil: {material: aluminium, thickness: 12 um}\n"
    "anode:\n"
    "  material: graphite\n"
    "  active_fraction: 95 %\n"
    "  loading: 10 mg/cm2\n"
    "  layers: 10\n"
    "  layer_area: 100 cm2\n"
    "  foil: {material: copper, thickness: 8 um}\n"
    "separator: {area: 0.2 m2, areal_mass: 10 g/m2}\n"
    "electrolyte: {mass: 10 g}\n"
    "housing: {mass: 20 g, length: 100 mm, width: 50 mm, height: 10 mm}\n";

static void test_cell_hand(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "calc cell '%s' --json", write_file("hand.yaml", hand));
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    json_t *c = json_object_get(o, "cathode"), *a = json_object_get(o, "anode");
    assert_near(num(c, "capacity_ah"), 3.264, 1e-6);
    assert_near(num(c, "areal_capacity_mah_cm2"), 3.264, 1e-6);
    assert_near(num(a, "capacity_ah"), 3.534, 1e-6);
    assert_near(num(a, "irreversible_ah"), 0.3926667, 1e-6);
    assert_near(num(o, "np_ratio"), 1.082721, 1e-6);
    assert_near(num(o, "first_cycle_loss_ah"), 0.3926667, 1e-6);
    assert_near(num(o, "first_cycle_loss_pct"), 12.03023, 1e-6);
    assert_near(num(o, "reversible_capacity_ah"), 2.871333, 1e-6);
    assert_string_equal(json_string_value(json_object_get(o, "limited_by")), "lithium");
    assert_near(num(o, "energy_wh"), 9.188267, 1e-6);
    assert_near(num(json_object_get(o, "mass_g"), "total"), 67.204, 1e-6);
    assert_near(num(o, "specific_energy_wh_kg"), 136.7220, 1e-6);
    assert_near(num(o, "volume_l"), 0.05, 1e-9);
    assert_near(num(o, "energy_density_wh_l"), 183.7653, 1e-6);
    assert_true(json_is_null(json_object_get(o, "prelithiation")));
    assert_true(json_is_null(json_object_get(c, "coating_thickness_um")));
    json_decref(o);

    /* The report without --json says the same in words. */
    snprintf(args, sizeof args, "calc cell '%s'", write_file("hand2.yaml", hand));
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "reversible capacity        2.8713 Ah (limited by the lithium"));
    assert_non_null(strstr(out_text, "N/P ratio                  1.0827"));
}

/* The example files run; the prelithiated one gains capacity. */
static void test_cell_examples(void **state)
{
    (void)state;
    assert_int_equal(run("calc cell '" CT_SOURCE_DIR "/examples/cell-lfp-prismatic.yaml' --json"), 0);
    json_t *o = parse_out();
    double q = num(o, "reversible_capacity_ah");
    assert_true(q > 140 && q < 160);
    assert_near(num(o, "energy_wh"), q * num(o, "nominal_voltage_v"), 1e-9);
    json_decref(o);

    assert_int_equal(run("calc cell --json '" CT_SOURCE_DIR "/examples/cell-siox-prelithiated.yaml'"),
                     0);
    o = parse_out();
    json_t *p = json_object_get(o, "prelithiation");
    assert_true(json_is_object(p));
    assert_true(num(p, "capacity_gained_ah") > 0);
    assert_near(num(o, "reversible_capacity_ah") - num(p, "reversible_without_ah"),
                num(p, "capacity_gained_ah"), 1e-9);
    assert_string_equal(json_string_value(json_object_get(p, "additive")), "Li5FeO4");
    json_decref(o);
}

static void test_cell_errors(void **state)
{
    (void)state;
    char args[512];
    /* Unreadable: exit 1. */
    snprintf(args, sizeof args, "calc cell '%s/missing.yaml'", dir);
    assert_int_equal(run(args), 1);
    assert_non_null(strstr(err_text, "missing.yaml: cannot open"));
    assert_string_equal(out_text, "");

    /* A mistake in the file: exit 2 with FILE:LINE:COL: KEY. */
    const char *bad = write_file("bad.yaml", "cathode:\n  material: LFP\n  loading: 20\n");
    snprintf(args, sizeof args, "calc cell '%s' --json", bad);
    assert_int_equal(run(args), 2);
    char where[256];
    snprintf(where, sizeof where, "%s:3:12: cathode.loading: expected a unit, such as", bad);
    assert_non_null(strstr(err_text, where));
    assert_string_equal(out_text, "");

    const char *unknown = write_file("unknown.yaml", "colour: red\n");
    snprintf(args, sizeof args, "calc cell '%s'", unknown);
    assert_int_equal(run(args), 2);
    snprintf(where, sizeof where, "%s:1:1: colour: unknown key", unknown);
    assert_non_null(strstr(err_text, where));

    assert_int_equal(run("calc cell"), 2);
    assert_non_null(strstr(err_text, "missing DESIGN.yaml"));
    assert_int_equal(run("calc cell a.yaml b.yaml"), 2);
    assert_int_equal(run("calc frobnicate"), 2);
    assert_non_null(strstr(err_text, "unknown calculator \"frobnicate\""));
    assert_int_equal(run("calc"), 2);
}

static void test_help(void **state)
{
    (void)state;
    assert_int_equal(run("calc --help"), 0);
    assert_non_null(strstr(out_text, "coating-scrap"));
    assert_int_equal(run("calc coating-scrap --help"), 0);
    assert_non_null(strstr(out_text, "--active-fraction"));
    assert_int_equal(run("help calc"), 0);
    assert_non_null(strstr(out_text, "DESIGN.yaml"));
    assert_int_equal(run("--help"), 0);
    assert_non_null(strstr(out_text, "calc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yield),
        cmocka_unit_test(test_yield_errors),
        cmocka_unit_test(test_scrap_review_example),
        cmocka_unit_test(test_scrap_errors),
        cmocka_unit_test(test_cell_hand),
        cmocka_unit_test(test_cell_examples),
        cmocka_unit_test(test_cell_errors),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
