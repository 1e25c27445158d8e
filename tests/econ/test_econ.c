/*
 * test_econ.c - economics of a run (src/econ/, docs/economics.md): a tiny
 * factory with a deterministic schedule against its cost and energy
 * worked out by hand; the cost breakdown adding up to the cost per cell
 * and the energy of stations, rooms and building adding up to the total
 * on a line with scrap and replications; bad economics keys refused with
 * FILE:LINE:COL: KEY.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "celltwin/factory.h"
#include "econ/econ_internal.h"

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.17g, want %.17g (relative tolerance %g)", got, want, rel);
}

static ct_factory *load(const char *text)
{
    ct_factory *f = NULL;
    ct_error err;
    if (ct_factory_load_string(text, "econ.yaml", &f, &err) != CT_OK)
        fail_msg("%s", err.msg);
    return f;
}

static ct_results *run(const ct_factory *f, int reps)
{
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    opt.replications = reps;
    ct_results *r = NULL;
    ct_error err;
    if (ct_run(f, &opt, NULL, NULL, &r, &err) != CT_OK)
        fail_msg("%s", err.msg);
    return r;
}

/* One press, one server, 10 s per unit, a unit every 20 s (constants):
 * in any window of a multiple of 20 s that starts at a multiple of 20 s it
 * is busy exactly half the time and starved the other half. Statistics
 * from 1000 s to 4600 s: span 1 h, 180 units leave. */
static const char tiny[] =
    "name: tiny\n"
    "run: {horizon: 4600 s, warmup: 1000 s, seed: 1}\n"
    "source: {interarrival: 20 s}\n"
    "cell: {nominal_voltage: 3.2 V, nominal_capacity: 100 Ah}\n"
    "materials:\n"
    "  - {name: widget, price: 2 usd/kg, lot: 1 t, per_cell: 500 g}\n"
    "economics:\n"
    "  electricity: 0.20 usd/kWh\n"
    "  labour_rate: 50 usd/h\n"
    "  overhead: 10 %\n"
    "  utilities: 0.05 kW/m2\n"
    "  dry_room: {reference_dew_point: -40 C, power: 0.4 kW/m2, factor_per_10K: 2}\n"
    "  rooms: [{name: dry, class: ISO 8, floor_space: 100 m2, dew_point: -50 C}]\n"
    "stations:\n"
    "  - name: press\n"
    "    process_time: 10 s\n"
    "    economics: {investment: 876 kusd, depreciation_years: 10, floor_space: 50 m2,\n"
    "                power: {running: 30 kW, idle: 10 kW, down: 0 kW}, operators: 2,\n"
    "                area: assembly}\n";

/* base with its first `from` replaced by `to`, into text. */
static const char *edit(const char *base, const char *from, const char *to)
{
    static char text[4096];
    const char *p = strstr(base, from);
    assert_non_null(p);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(p - base), base, to, p + strlen(from));
    return text;
}

static void test_tiny_closed_form(void **state)
{
    (void)state;
    ct_factory *f = load(tiny);
    ct_results *r = run(f, 1);
    const ct_kpis *k = ct_results_mean(r);
    const ct_econ_kpis *x = &k->econ;
    assert_close(k->stations[0].utilization, 0.5, 1e-9);
    assert_close(k->completed, 180, 0);

    /* Energy over 1 h:
     *   press    1 server x 1 h x (30 kW x 0.5 + 10 kW x 0.5)      = 20 kWh
     *   room     0.4 kW/m2 x 2^((-40 - -50) / 10) x 100 m2 x 1 h  = 80 kWh
     *   building 0.05 kW/m2 x (50 + 100) m2 x 1 h                  = 7.5 kWh */
    assert_close(k->stations[0].energy_kwh, 20, 1e-9);
    assert_close(x->energy_stations_kwh, 20, 1e-9);
    assert_close(x->energy_rooms_kwh, 80, 1e-12);
    assert_close(x->energy_building_kwh, 7.5, 1e-12);
    assert_close(x->energy_kwh, 107.5, 1e-9);
    /* 180 cells of 3.2 V x 100 Ah = 0.32 kWh: 57.6 kWh */
    assert_close(x->energy_kwh_per_kwh_cell, 107.5 / 57.6, 1e-9);
    assert_close(x->floor_assembly_m2, 50, 0);
    assert_close(x->floor_dry_rooms_m2, 100, 0);
    assert_close(x->floor_space_m2, 150, 0);

    /* Cost per cell (180 good cells):
     *   materials    0.5 kg x 2 usd/kg                     = 1
     *   energy       107.5 kWh x 0.20 usd/kWh / 180        = 21.5 / 180
     *   labour       2 x 50 usd/h x 1 h / 180              = 100 / 180
     *   depreciation 876000 usd / (10 x 8760 h) x 1 h / 180 = 10 / 180
     *   overhead     10 % x (21.5 + 100 + 10) / 180         = 13.15 / 180 */
    assert_close(x->materials_usd, 1, 1e-12);
    assert_close(x->scrap_usd + 1, 1, 1e-12);
    assert_close(x->energy_usd, 21.5 / 180, 1e-9);
    assert_close(x->labour_usd, 100.0 / 180, 1e-12);
    assert_close(x->depreciation_usd, 10.0 / 180, 1e-12);
    assert_close(x->overhead_usd, 13.15 / 180, 1e-9);
    double total = 1 + (21.5 + 100 + 10 + 13.15) / 180;
    assert_close(x->cost_per_cell_usd, total, 1e-9);
    assert_close(x->cost_per_kwh_usd, total / 0.32, 1e-9);
    ct_results_destroy(r);
    ct_factory_destroy(f);

    /* the cell's material_cost is bought per good cell, like per_cell */
    f = load(edit(tiny, "nominal_capacity: 100 Ah}", "nominal_capacity: 100 Ah, material_cost: 4 usd}"));
    r = run(f, 1);
    assert_close(ct_results_mean(r)->econ.materials_usd, 1 + 4, 1e-12);
    ct_results_destroy(r);
    ct_factory_destroy(f);
}

/* A maker turns 1 kg of active material into a cell; a tester scraps a
 * random fifth of them and fails now and then. */
static const char scrapping[] =
    "name: scrapping\n"
    "run: {horizon: 6 h, warmup: 1 h, seed: 7}\n"
    "cell: {nominal_voltage: 3.2 V, nominal_capacity: 100 Ah}\n"
    "materials:\n"
    "  - {name: lfp, price: 20 usd/kg, lot: 1 t, active: true}\n"
    "  - {name: can, price: 10 usd/kg, lot: 1 t, per_cell: 300 g}\n"
    "economics:\n"
    "  electricity: 0.15 usd/kWh\n"
    "  labour_rate: 45 usd/h\n"
    "  overhead: 25 %\n"
    "  utilities: 0.1 kW/m2\n"
    "  rooms: [{name: clean, floor_space: 80 m2, power: 0.2 kW/m2}]\n"
    "stations:\n"
    "  - name: maker\n"
    "    consumes: [{material: lfp, amount: 1 kg}]\n"
    "    makes: cell\n"
    "    process_time: exp(8 s)\n"
    "    economics: {investment: 2 Musd, depreciation_years: 8, floor_space: 60 m2,\n"
    "                power: {running: 20 kW, idle: 4 kW}, operators: 1, area: assembly, room: clean}\n"
    "  - name: tester\n"
    "    process_time: exp(6 s)\n"
    "    buffer: 5\n"
    "    scrap: 0.2\n"
    "    failures: {mtbf: exp(30 min), mttr: exp(5 min)}\n"
    "    economics: {investment: 500 kusd, depreciation_years: 5, floor_space: 30 m2,\n"
    "                power: {running: 5 kW, idle: 1 kW, down: 0.5 kW}, operators: 0.5,\n"
    "                area: finishing}\n";

static void test_breakdowns_add_up(void **state)
{
    (void)state;
    ct_factory *f = load(scrapping);
    ct_results *r = run(f, 3);
    for (int i = 0; i < 3; i++) {
        const ct_kpis *k = ct_results_replication(r, i);
        const ct_econ_kpis *x = &k->econ;
        double parts = x->materials_usd + x->scrap_usd + x->energy_usd + x->labour_usd +
                       x->depreciation_usd + x->overhead_usd;
        assert_true(x->cost_per_cell_usd > 0);
        assert_close(parts, x->cost_per_cell_usd, 1e-12);
        assert_true(x->scrap_usd > 0);
        double stations = 0;
        for (size_t s = 0; s < k->n_stations; s++)
            stations += k->stations[s].energy_kwh;
        assert_close(stations, x->energy_stations_kwh, 1e-12);
        assert_close(x->energy_stations_kwh + x->energy_rooms_kwh + x->energy_building_kwh,
                     x->energy_kwh, 1e-12);
        /* the maker stands in the clean room: its 60 m2 are in the room's 80 */
        assert_close(x->floor_space_m2, 80 + 30, 0);
        assert_close(x->floor_finishing_m2, 30, 0);
        assert_true(k->stations[1].down > 0);
        /* a fifth of the cells is scrapped: the scrap share of material
         * is active scrapped / (good + scrapped) */
        double s = k->active_scrap_kg / (k->active_good_kg + k->active_scrap_kg);
        assert_true(s > 0.1 && s < 0.3);
        /* a cell takes 1 kg of lfp (20 usd) and 0.3 kg of can (3 usd); a
         * good cell carries 1 / (1 - s) cells' worth of material */
        assert_close(x->materials_usd, 23, 1e-12);
        assert_close(x->scrap_usd, 23 * s / (1 - s), 1e-12);
        /* the tester's energy from its state fractions: 5 h x (5 kW busy,
         * 1 kW blocked or starved, 0.5 kW down) */
        const ct_station_kpi *t = &k->stations[1];
        assert_close(t->energy_kwh, 5 * (5 * t->utilization + 1 * (t->blocked + t->starved) + 0.5 * t->down),
                     1e-12);
    }
    /* means add up too (averaging is linear), and there are half-widths */
    const ct_econ_kpis *m = &ct_results_mean(r)->econ, *h = &ct_results_ci95(r)->econ;
    assert_close(m->materials_usd + m->scrap_usd + m->energy_usd + m->labour_usd + m->depreciation_usd +
                     m->overhead_usd, m->cost_per_cell_usd, 1e-12);
    assert_true(h->cost_per_cell_usd > 0);
    ct_results_destroy(r);
    ct_factory_destroy(f);
}

/* The bill of materials traced back from the cell: a mixer makes 10 kg
 * batches of 6 kg lfp and 4 kg water; a coater makes 100 m coils from 5 kg
 * of slurry; a slitter cuts them in 2 lanes (same length, half the
 * material each); an assembler takes 10 m of lane per cell. Per cell:
 * lfp 5 kg x 0.6 / 100 m / 2 x 10 m = 0.15 kg, water 0.10 kg. */
static void test_bill_of_materials(void **state)
{
    (void)state;
    ct_factory *f = load("name: chain\n"
                         "cell: {nominal_voltage: 3.2 V, nominal_capacity: 10 Ah}\n"
                         "materials:\n"
                         "  - {name: lfp, price: 20 usd/kg, lot: 1 t, active: true}\n"
                         "  - {name: water, price: 0.5 usd/kg, lot: 1 t}\n"
                         "  - {name: can, price: 10 usd/kg, lot: 1 t, per_cell: 100 g}\n"
                         "economics: {electricity: 0.1 usd/kWh, labour_rate: 40 usd/h}\n"
                         "stations:\n"
                         "  - name: mixer\n"
                         "    consumes: [{material: lfp, amount: 6 kg}, {material: water, amount: 4 kg}]\n"
                         "    makes: batch\n"
                         "    process_time: 60 s\n"
                         "  - name: coater\n"
                         "    consumes: [{input: in, amount: 5 kg}]\n"
                         "    makes: coil\n"
                         "    quantity: 100 m\n"
                         "    process_time: 60 s\n"
                         "  - {name: slitter, splits: 2, process_time: 10 s}\n"
                         "  - name: assembler\n"
                         "    consumes: [{input: in, amount: 10 m}]\n"
                         "    makes: cell\n"
                         "    process_time: 5 s\n");
    assert_close(cti_econ_mass_per_cell(f, 0), 0.15, 1e-12);
    assert_close(cti_econ_mass_per_cell(f, 1), 0.10, 1e-12);
    assert_close(cti_econ_mass_per_cell(f, 2), 0.10, 1e-12);
    /* 0.15 x 20 + 0.1 x 0.5 + 0.1 x 10 = 4.05 usd */
    assert_close(cti_econ_bom_usd(f), 4.05, 1e-12);
    ct_factory_destroy(f);
}

/* Each bad input is refused with "econ.yaml:LINE:COL: KEY: ..." */
static void expect_error(const char *text, const char *where, const char *what)
{
    ct_factory *f = NULL;
    ct_error err;
    assert_int_equal(ct_factory_load_string(text, "econ.yaml", &f, &err), CT_ERR_PARSE);
    assert_null(f);
    if (strncmp(err.msg, where, strlen(where)) != 0 || !strstr(err.msg, what))
        fail_msg("want \"%s ... %s\", got \"%s\"", where, what, err.msg);
}

static void test_bad_input(void **state)
{
    (void)state;
    expect_error(edit(tiny, "price: 2 usd/kg", "price: -2 usd/kg"), "econ.yaml:6:27: materials[0].price:",
                 ">= 0");
    /* a material no station consumes, without its mass per cell */
    expect_error(edit(tiny, ", per_cell: 500 g}", "}"), "econ.yaml:6:5: materials[0].per_cell:",
                 "widget is consumed by no station");
    expect_error(edit(tiny, "running: 30 kW", "running: 30"),
                 "econ.yaml:18:34: stations[0].economics.power.running:", "unit");
    expect_error(edit(tiny, "floor_space: 50 m2", "floor_space: -5 m2"),
                 "econ.yaml:17:76: stations[0].economics.floor_space:", ">= 0");
    expect_error(edit(scrapping, "room: clean}", "room: dirty}"),
                 "econ.yaml:19:90: stations[0].economics.room:", "\"dirty\"");
    expect_error(edit(tiny, "depreciation_years: 10,", ""), "econ.yaml:17:16: stations[0].economics:",
                 "depreciation_years");
    expect_error(edit(tiny, "  dry_room:", "# dry_room:"), "econ.yaml:13:11: economics.rooms:", "dry_room");
    /* the stations in a room take more floor space than the room has */
    expect_error(edit(tiny, "floor_space: 50 m2", "floor_space: 150 m2, room: dry"),
                 "econ.yaml:13:11: economics.rooms[0].floor_space:", "expected at least");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_closed_form),
        cmocka_unit_test(test_breakdowns_add_up),
        cmocka_unit_test(test_bill_of_materials),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
