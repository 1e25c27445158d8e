/*
 * test_cellflow.c - the line's cell-factory mechanisms without any
 * process model: raw-material lots made into slurry batches, batches
 * coated into coils in metres, coils slit into lanes, lanes stacked into
 * cells by metres, gates, and the books they keep.
 *
 * Expected values are closed forms of the file below: a batch is 960 kg of
 * active material + 40 kg binder; a coil takes 1000 kg of slurry and is
 * 2000 m long with 2 lanes, so a lane carries 1000 x 0.96 / 2000 / 2 =
 * 0.24 kg of active material per metre and a cell of 10 m holds 2.4 kg.
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
#include "cellflow_head.h"
#include "factory_harness.h"

#define FLOW_HEAD CELLFLOW_HEAD("flow", "10 m", "4")

typedef struct seen {
    ct_cell_info *cells;
    size_t n, cap;
} seen;

static void on_cell(void *ctx, int rep, const ct_cell_info *cell)
{
    (void)rep;
    seen *s = ctx;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->cells = realloc(s->cells, s->cap * sizeof *s->cells);
        assert_non_null(s->cells);
    }
    s->cells[s->n++] = *cell;
}

static ct_results *run_flow(const char *yaml, double horizon, seen *cells, ct_factory **f)
{
    ct_observer obs = {.ctx = cells, .cell_done = on_cell};
    return load_and_run(yaml, "flow.yaml", horizon, NULL, cells ? &obs : NULL, f);
}

/* Active material taken from the store = in good cells + in scrap + in
 * the line at the end (batches, coils, lanes, cells in process). */
static void test_mass_balance(void **state)
{
    (void)state;
    ct_factory *f;
    ct_results *res = run_flow(FLOW_HEAD "  - {name: test, process_time: 3, scrap: 0.05}\n",
                               2 * 86400, NULL, &f);
    const ct_kpis *k = ct_results_mean(res);
    double in = k->active_in_kg, out = k->active_good_kg + k->active_scrap_kg + k->active_wip_kg;
    printf("  in %.6f kg = good %.3f + scrap %.3f + wip %.3f (diff %.3g)\n", in, k->active_good_kg,
           k->active_scrap_kg, k->active_wip_kg, in - out);
    assert_true(in > 0 && k->completed > 1000);
    assert_true(fabs(in - out) <= 1e-9 * in);
    /* every batch started took 960 kg: the store's consumption is a whole
     * number of batches */
    double batches = in / 960.0;
    assert_true(fabs(batches - round(batches)) < 1e-9);
    /* each good cell holds 10 m x 0.24 kg/m */
    assert_true(fabs(k->active_good_kg / (k->completed) - 2.4) < 1e-9);
    /* the scrap cause of the 5 % scrap rate is recorded with its mass */
    assert_int_equal(k->n_causes, 1);
    assert_string_equal(k->causes[0].station, "test");
    assert_true(fabs(k->causes[0].active_mass_kg - 2.4 * k->causes[0].count) < 1e-6);
    /* material value lost: 10 m of lane = 2.4 kg am x 20 + 0.1 kg binder x 10 */
    assert_true(fabs(k->causes[0].cost_usd / k->causes[0].count - (2.4 * 20 + 0.1 * 10)) < 1e-6);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* Count of cells of the test run whose piece of coil `coil`, lane `lane`
 * overlaps [a, b) metres. */
static size_t overlapping(const seen *s, unsigned coil, unsigned lane, double a, double b)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        const ct_cell_info *c = &s->cells[i];
        for (int k = 0; k < c->n_segments; k++) {
            const ct_cell_segment *g = &c->segments[k];
            if (g->coil == coil && g->lane == lane && strcmp(g->maker, "coater") == 0 &&
                g->from_m < b && g->to_m > a) {
                n++;
                break;
            }
        }
    }
    return n;
}

/* A defect at metres [1234, 1256) of lane 1 of the coater's coil 3 reaches
 * exactly the cells stacked from those metres: with 10 m per cell starting
 * at metre 0 of each lane, the cells of [1230, 1240), [1240, 1250) and
 * [1250, 1260) - three cells, and no other cell carries the defect. */
static void test_coil_defect_reaches_exactly_its_cells(void **state)
{
    (void)state;
    ct_factory *f;
    seen s = {0};
    ct_results *res = run_flow(FLOW_HEAD
                               "inject: [{station: coater, unit: 3, lane: 1, from: 1234 m, to: 1256 m, "
                               "defect: coating}]\n",
                               86400, &s, &f);
    size_t with_defect = 0;
    for (size_t i = 0; i < s.n; i++) {
        const ct_cell_info *c = &s.cells[i];
        bool in_span = false;
        for (int k = 0; k < c->n_segments; k++) {
            const ct_cell_segment *g = &c->segments[k];
            if (g->coil == 3 && g->lane == 1 && g->from_m < 1256 && g->to_m > 1234)
                in_span = true;
            /* each piece is 10 m long and starts on a 10 m boundary */
            assert_true(fabs(fmod(g->from_m, 10.0)) < 1e-9);
        }
        bool has = (c->defects & 1u) != 0;   /* bit 0: coating */
        assert_true(has == in_span);
        with_defect += has;
    }
    assert_int_equal(with_defect, 3);
    assert_int_equal(overlapping(&s, 3, 1, 1234, 1256), 3);
    /* the same metres of lane 0 are clean */
    for (size_t i = 0; i < s.n; i++)
        for (int k = 0; k < s.cells[i].n_segments; k++)
            if (s.cells[i].segments[k].lane == 0 && s.cells[i].segments[k].coil == 3)
                assert_true((s.cells[i].defects & 1u) == 0);
    /* 3 escapes: no gate looks for it */
    assert_true(ct_results_mean(res)->escapes == 3);
    free(s.cells);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* A gate measures every unit or a sample of them. Here it reads an
 * attribute whose true value is 0 (no process model sets it) with a
 * normal instrument noise of 1 Ah against an upper limit of 0: a measured
 * unit fails with probability P(N(0,1) > 0) = 1/2. Measuring every cell
 * fails half of them; a 20 % sample fails 0.2 x 1/2 = 10 %. */
static void test_gate_sample_rate(void **state)
{
    (void)state;
    const char *tail =
        "  - {name: test, process_time: 3}\n"
        "control_plan:\n"
        "  - {name: check, station: test, attribute: capacity, sample: %s, noise: 1 Ah, usl: 0 Ah}\n";
    double scrapped[2];
    const char *samples[2] = {"100 %", "20 %"};
    for (int i = 0; i < 2; i++) {
        char yaml[4096];
        snprintf(yaml, sizeof yaml, FLOW_HEAD "%s", "");
        char t[512];
        snprintf(t, sizeof t, tail, samples[i]);
        strncat(yaml, t, sizeof yaml - strlen(yaml) - 1);
        ct_factory *f;
        ct_results *res = run_flow(yaml, 86400, NULL, &f);
        const ct_kpis *k = ct_results_mean(res);
        scrapped[i] = k->scrapped / (k->scrapped + k->completed);
        ct_results_destroy(res);
        ct_factory_destroy(f);
    }
    /* P(N(0,1) > 0) = 1/2 measured on every cell, 0.2 x 1/2 sampled; with
     * about 8000 cells the binomial standard error is below 0.006. */
    printf("  failed share: 100 %% -> %.4f (exact 0.5), 20 %% -> %.4f (exact 0.1)\n", scrapped[0],
           scrapped[1]);
    assert_true(fabs(scrapped[0] - 0.5) < 0.03);
    assert_true(fabs(scrapped[1] - 0.1) < 0.03);
}

/* Every cell and every coil is reported once: good + scrapped cells equal
 * the run's counts (no warm-up), cells still in the line come at the end;
 * each coil the coater made appears once as a coil of its own (used up or
 * still in the line), and each slit lane names that coil as its parent. */
typedef struct tally {
    size_t good, scrapped, in_process, coils, lanes, batches, passages, lots;
} tally;

static void count_cell(void *ctx, int rep, const ct_cell_info *c)
{
    (void)rep;
    tally *t = ctx;
    if (c->in_process)
        t->in_process++;
    else if (c->scrapped)
        t->scrapped++;
    else
        t->good++;
}

static void count_material(void *ctx, int rep, const ct_material_info *m)
{
    (void)rep;
    tally *t = ctx;
    if (m->unit.kind == CT_UNIT_BATCH) {
        t->batches++;
        for (int i = 0; i < m->n_inputs; i++)
            t->lots += m->inputs[i].input.kind == CT_UNIT_LOT;
    } else if (m->parent.kind == CT_UNIT_COIL) {
        t->lanes++;
        assert_string_equal(m->parent.maker, "coater");
        assert_int_equal(m->parent.number, m->unit.number);
    } else {
        t->coils++;
    }
}

static void count_passage(void *ctx, int rep, const ct_passage *p)
{
    (void)rep;
    tally *t = ctx;
    assert_true(p->end_s >= p->start_s);
    t->passages++;
}

static void test_observer_sees_every_unit(void **state)
{
    (void)state;
    ct_factory *f;
    ct_error err;
    assert_int_equal(ct_factory_load_string(FLOW_HEAD "  - {name: test, process_time: 3, scrap: 0.05}\n",
                                            "flow.yaml", &f, &err), CT_OK);
    tally t = {0};
    ct_observer obs = {&t, count_cell, count_material, count_passage, NULL, NULL};
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    opt.horizon_s = 86400;
    opt.warmup_s = 0;
    opt.observer = &obs;
    ct_results *res;
    assert_int_equal(ct_run(f, &opt, NULL, NULL, &res, &err), CT_OK);
    const ct_kpis *k = ct_results_mean(res);
    assert_true((double)t.good == k->completed);
    assert_true((double)t.scrapped == k->scrapped);
    assert_true(t.in_process > 0);
    /* batches: each took one piece of each material lot it touched */
    assert_true(t.batches > 0 && t.lots >= 2 * t.batches);
    /* lanes come in pairs from the coils that reached the slitter */
    assert_true(t.coils > 0);
    printf("  cells %zu good, %zu scrapped, %zu in process; %zu batches, %zu coils, %zu lanes, %zu passages\n",
           t.good, t.scrapped, t.in_process, t.batches, t.coils, t.lanes, t.passages);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mass_balance),
        cmocka_unit_test(test_coil_defect_reaches_exactly_its_cells),
        cmocka_unit_test(test_gate_sample_rate),
        cmocka_unit_test(test_observer_sees_every_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
