/*
 * test_kinds_assembly.c - the cell-assembly station kinds (notcher,
 * stacker, hipot, welder, leak_test, vacuum_oven, filler) in a running
 * line, and the checks of their `process:` keys.
 *
 * The factory below makes electrode lanes with kind-less converters (as
 * test_cellflow.c does: a mixer batch of 1000 kg makes a 2000 m coil, slit
 * into 2 lanes), notches them, stacks 7 cathode and 8 anode sheets of
 * 110 mm per cell (0.77 m and 0.88 m of lane), and runs the cells through
 * Hi-Pot, tab welding, a second Hi-Pot, the can seam, the helium test, a
 * vacuum oven and the filler. Expected values are closed forms of the file
 * and of docs/models-assembly.md, worked out in the comments.
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
#include "factory_harness.h"

#define PI 3.14159265358979323846

/* One electrode's chain: mixer -> coater (2000 m) -> slitter (2 lanes) ->
 * notcher at 20 m/min, which names the lanes' electrode (kind-less coils
 * know none) and sends them to the stacker's input of that name. */
#define CHAIN(p, pol)                                                                   \
    "  - name: " p "_mixer\n"                                                           \
    "    consumes: [{material: am, amount: 1000 kg}]\n"                                 \
    "    makes: batch\n"                                                                \
    "    process_time: 1\n"                                                             \
    "  - name: " p "_coater\n"                                                          \
    "    consumes: [{input: in, amount: 1000 kg}]\n"                                    \
    "    makes: coil\n"                                                                 \
    "    quantity: 2000 m\n"                                                            \
    "    process_time: 1\n"                                                             \
    "    buffer: 1\n"                                                                   \
    "  - {name: " p "_slitter, splits: 2, process_time: 1, buffer: 1}\n"                \
    "  - name: " p "_notcher\n"                                                         \
    "    kind: notcher\n"                                                               \
    "    process: {speed: 20 m/min, electrode: " pol "}\n"                              \
    "    process_time: 1\n"                                                             \
    "    buffer: 1\n"                                                                   \
    "    next: stacker." pol "\n"

#define HEAD                                                                            \
    "name: assembly\n"                                                                  \
    "materials:\n"                                                                      \
    "  - {name: am, price: 20 usd/kg, lot: 100000 kg, active: true}\n"                  \
    "stations:\n" CHAIN("c", "cathode") CHAIN("a", "anode")                             \
    "  - name: stacker\n"                                                               \
    "    kind: stacker\n"                                                               \
    "    process:\n"                                                                    \
    "      method: lamination\n"                                                        \
    "      cathode_sheets: 7\n"                                                         \
    "      anode_sheets: 8\n"                                                           \
    "      sheet_pitch: 110 mm\n"                                                       \
    "      cathode_width: 420 mm\n"                                                     \
    "      anode_width: 424 mm\n"                                                       \
    "      cathode_loading: 20 mg/cm2\n"                                                \
    "      anode_loading: 9.5 mg/cm2\n"                                                 \
    "      cathode_active_fraction: 96 %%\n"                                             \
    "      anode_active_fraction: 95 %%\n"                                               \
    "      contamination_probability: 0\n"                                              \
    "    inputs: [{name: cathode}, {name: anode}]\n"                                    \
    "    consumes: [{input: cathode, amount: 0.77 m}, {input: anode, amount: 0.88 m}]\n" \
    "    makes: cell\n"                                                                 \
    "    process_time: 1\n"                                                             \
    "  - name: hipot\n"                                                                 \
    "    kind: hipot\n"                                                                 \
    "    process: {voltage: 100 V, measure_time: 5 s}\n"                                \
    "    servers: 2\n"                                                                  \
    "    process_time: 1\n"                                                             \
    "  - {name: tab_welder, kind: welder, process: {weld: tab}, process_time: 1}\n"     \
    "  - {name: hipot_closed, kind: hipot, servers: 2, process_time: 1}\n"              \
    "  - name: can_welder\n"                                                            \
    "    kind: welder\n"                                                                \
    "    process: {weld: can_seam, leak_probability: %s}\n"                             \
    "    process_time: 1\n"                                                             \
    "  - {name: leak_test, kind: leak_test, process_time: 1}\n"                         \
    "  - name: oven\n"                                                                  \
    "    kind: vacuum_oven\n"                                                           \
    "    process: {temperature: 90 C, time: 2 h, decade_time: 1 h, dew_point: -40 C,\n" \
    "              rate_sigma_ln: 0}\n"                                                 \
    "    batch: {size: 50, max_wait: 10 min}\n"                                         \
    "    servers: 40\n"                                                                 \
    "    process_time: 1\n"                                                             \
    "  - name: filler\n"                                                                \
    "    kind: filler\n"                                                                \
    "    process: {electrolyte_per_capacity: 1.6 g/Ah, nominal_capacity: 10 Ah,\n"      \
    "              dosing_cv: 0, balance_sd: 0 g, balance_resolution: 0 g}\n"           \
    "    process_time: 1\n"                                                             \
    "  - {name: test, process_time: 1}\n"

/* Station indices in the file, for ct_kpis.stations. */
enum { ST_C_NOTCHER = 3, ST_A_NOTCHER = 7, ST_STACKER = 8 };

/* What the observer saw: every cell that left the line or was still in it
 * at the end, and which cells (by serial) finished a job at leak_test. */
typedef struct seen {
    ct_cell_info *cells;
    size_t n, cap;
    unsigned char *leak_tested;
    size_t n_tested;
} seen;

static void on_cell(void *ctx, int rep, const ct_cell_info *cell)
{
    (void)rep;
    seen *s = ctx;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->cells = realloc(s->cells, s->cap * sizeof *s->cells);
        assert_non_null(s->cells);
    }
    s->cells[s->n] = *cell;
    s->cells[s->n].attr = NULL;   /* borrowed for the call only */
    s->n++;
}

static void on_passage(void *ctx, int rep, const ct_passage *p)
{
    (void)rep;
    seen *s = ctx;
    if (p->unit.kind != CT_UNIT_CELL || strcmp(p->station, "leak_test") != 0)
        return;
    if (p->unit.number >= s->n_tested) {
        size_t n = 2 * p->unit.number + 1024;
        s->leak_tested = realloc(s->leak_tested, n);
        assert_non_null(s->leak_tested);
        memset(s->leak_tested + s->n_tested, 0, n - s->n_tested);
        s->n_tested = n;
    }
    s->leak_tested[p->unit.number] = 1;
}

static void seen_free(seen *s)
{
    free(s->cells);
    free(s->leak_tested);
}

/* Builds the factory with the can seam's leak probability and a tail
 * (control plan, inject), runs it, and returns the results. */
static ct_results *run(const char *leak_p, const char *tail, double horizon, seen *cells,
                       ct_factory **f)
{
    static char yaml[16384];
    int n = snprintf(yaml, sizeof yaml, HEAD, leak_p);
    assert_true(n > 0 && (size_t)n < sizeof yaml);
    strncat(yaml, tail, sizeof yaml - strlen(yaml) - 1);
    ct_observer obs = {.ctx = cells, .cell_done = on_cell, .passage = on_passage};
    return load_and_run(yaml, "assembly.yaml", horizon, NULL, cells ? &obs : NULL, f);
}

static const ct_cell_info *by_serial(const seen *s, unsigned long long serial)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->cells[i].serial == serial)
            return &s->cells[i];
    return NULL;
}

/* ---- the flow: metres per cell and process times ---------------------- */

/* The stacker takes 7 x 0.11 = 0.77 m of cathode and 8 x 0.11 = 0.88 m of
 * anode lane per cell, in one or two pieces (a cell can straddle two
 * lanes: 2000 m is not a multiple of either).
 *
 * Times. Upstream of the notchers every step takes 1 s, so the first lanes
 * reach the notchers at t = 3 s. A notcher runs a 2000 m lane at 20 m/min
 * = 6000 s and always finds the next lane waiting (its input is refilled
 * while it works; the stacker's inputs are unlimited, so it is never
 * blocked): by 86400 s it has finished floor((86400 - 3) / 6000) = 14
 * lanes. The stacker can start once both first lanes are notched, at
 * 6003 s; lamination takes 2 s handling + 15 sheets x 0.125 s = 3.875 s
 * per cell (docs/models-assembly.md, section 2), and lanes come faster
 * than it uses them (anode: 2000 m per 6000 s = 0.333 m/s against
 * 0.88 m / 3.875 s = 0.227 m/s), so it finishes floor((86400 - 6003) /
 * 3.875) = 20747 cells; the test allows one either way for the job that
 * ends at the horizon. */
static void test_flow_metres_and_times(void **state)
{
    (void)state;
    ct_factory *f;
    seen s = {0};
    ct_results *res = run("0", "", 86400, &s, &f);
    const ct_kpis *k = ct_results_mean(res);
    size_t straddling = 0;
    for (size_t i = 0; i < s.n; i++) {
        const ct_cell_info *c = &s.cells[i];
        double metres[2] = {0, 0};
        for (int j = 0; j < c->n_segments; j++)
            metres[c->segments[j].anode ? 1 : 0] += c->segments[j].to_m - c->segments[j].from_m;
        assert_true(fabs(metres[0] - 0.77) < 1e-9);
        assert_true(fabs(metres[1] - 0.88) < 1e-9);
        straddling += c->n_segments > 2;
    }
    printf("  %zu cells, %zu straddle two lanes; notchers %g + %g lanes, stacker %g cells\n", s.n,
           straddling, k->stations[ST_C_NOTCHER].processed, k->stations[ST_A_NOTCHER].processed,
           k->stations[ST_STACKER].processed);
    assert_true(s.n > 15000);
    assert_true(straddling > 0);
    assert_string_equal(k->stations[ST_C_NOTCHER].name, "c_notcher");
    assert_string_equal(k->stations[ST_STACKER].name, "stacker");
    assert_true(k->stations[ST_C_NOTCHER].processed == 14);
    assert_true(k->stations[ST_A_NOTCHER].processed == 14);
    double cells = floor((86400.0 - 6003.0) / 3.875);
    assert_true(fabs(k->stations[ST_STACKER].processed - cells) <= 1);
    /* the books still balance with kinds in the line */
    double in = k->active_in_kg, out = k->active_good_kg + k->active_scrap_kg + k->active_wip_kg;
    assert_true(fabs(in - out) <= 1e-9 * in);
    seen_free(&s);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* ---- Hi-Pot: hard faults fail, loose particles pass ------------------- */

/* A hard insulation fault is a stack resistance log-uniform in 100 ohm -
 * 20 kohm; at 100 V through the tester's 1 kohm it draws at least
 * 100 V / 21 kohm = 4.8 mA after the capacitive transient (tau = C R R_s /
 * (R + R_s) < 5 uF x 1 kohm = 5 ms, gone at the 5 s reading), above the
 * 1 mA limit. A good stack (median 2 Gohm) draws about 50 nA. A loose
 * particle does not lower the dry stack's insulation (the review, 2.2), so
 * particle cells pass both Hi-Pots - the stack's and the closed cell's. */
static void test_hipot_faults_and_particles(void **state)
{
    (void)state;
    const char *tail =
        "control_plan:\n"
        "  - {name: hipot_gate, station: hipot, attribute: leakage_current, usl: 1 mA}\n"
        "  - {name: hipot_closed_gate, station: hipot_closed, attribute: leakage_current,\n"
        "     usl: 1 mA}\n"
        "inject:\n"
        "  - {station: stacker, unit: 10, defect: insulation}\n"
        "  - {station: stacker, unit: 20, defect: insulation}\n"
        "  - {station: stacker, unit: 30, defect: insulation}\n"
        "  - {station: stacker, unit: 40, defect: insulation}\n"
        "  - {station: stacker, unit: 50, defect: insulation}\n"
        "  - {station: stacker, unit: 11, defect: particle}\n"
        "  - {station: stacker, unit: 21, defect: particle}\n"
        "  - {station: stacker, unit: 31, defect: particle}\n"
        "  - {station: stacker, unit: 41, defect: particle}\n"
        "  - {station: stacker, unit: 51, defect: particle}\n";
    ct_factory *f;
    seen s = {0};
    ct_results *res = run("0", tail, 6 * 3600.0, &s, &f);
    /* The stacker is the only maker of cells: its unit k is serial k. */
    for (unsigned long long u = 10; u <= 50; u += 10) {
        const ct_cell_info *bad = by_serial(&s, u), *particle = by_serial(&s, u + 1);
        assert_non_null(bad);
        assert_non_null(particle);
        assert_true(bad->scrapped);
        assert_string_equal(bad->station, "hipot");
        assert_string_equal(bad->cause, "hipot_gate");
        assert_true(particle->defects & CTI_DEF_PARTICLE);
        assert_false(particle->scrapped);
    }
    /* Every cell with a hard fault, and only those, is scrapped at the
     * first Hi-Pot; the second finds none left. */
    size_t faults = 0, particles = 0;
    for (size_t i = 0; i < s.n; i++) {
        const ct_cell_info *c = &s.cells[i];
        if (c->in_process)
            continue;   /* perhaps not yet at a Hi-Pot */
        bool fault = (c->defects & CTI_DEF_INSULATION) != 0;
        bool at_hipot = c->scrapped && strcmp(c->station, "hipot") == 0;
        assert_true(fault == at_hipot);
        assert_false(c->scrapped && strcmp(c->station, "hipot_closed") == 0);
        faults += fault;
        if ((c->defects & CTI_DEF_PARTICLE) && !fault) {
            particles++;
            assert_false(c->scrapped);
        }
    }
    printf("  %zu cells: %zu hard faults scrapped at Hi-Pot, %zu particle cells passed both\n",
           s.n, faults, particles);
    assert_true(faults >= 5 && particles >= 5);
    seen_free(&s);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* ---- helium leak test: 100 % against a 10 % sample --------------------- */

/* The can seam leaks with p = 0.2 (set in the file); a leaking seam's rate
 * is log-uniform 1e-6 - 1e-2 mbar.L/s, so x = log10(rate) + 6 is uniform
 * on (0, 4), and the helium reading adds 0.1 decade of normal noise. The
 * gate fails readings above 1e-6, i.e. when x + 0.1 z > 0:
 *   P(caught | leak) = 1/4 int_0^4 Phi(10 x) dx
 *                    = 1 - 1/40 int_0^40 Phi(-t) dt = 1 - 1/(40 sqrt(2 pi))
 *                    = 0.990026
 * (int_0^inf Phi(-t) dt = E[max(Z, 0)] = 1/sqrt(2 pi); the tail beyond 40
 * is nil). A tight seam (median 1e-9, log-sd 1 in ln) reads at the
 * detection limit 1e-8 and never fails. Measuring every cell, a leaking
 * cell escapes with 1 - 0.990026 = 0.009974; measuring a 10 % sample,
 * with 1 - 0.1 x 0.990026 = 0.900997: 90.3 times as many escapes per
 * leaking cell. Each count is checked against its binomial mean given the
 * number of leaking cells that left the line, within 4 standard
 * deviations (+1 for the discreteness). */
static void test_leak_sampling(void **state)
{
    (void)state;
    const double caught = 1.0 - 1.0 / (40.0 * sqrt(2.0 * PI));
    const char *samples[2] = {"100 %", "10 %"};
    const double share[2] = {1.0, 0.1};
    double rate[2];
    for (int t = 0; t < 2; t++) {
        char tail[512];
        snprintf(tail, sizeof tail,
                 "control_plan:\n"
                 "  - {name: leak_gate, station: leak_test, attribute: leak_rate,\n"
                 "     usl: 1e-6 mbar.L/s, sample: %s}\n",
                 samples[t]);
        ct_factory *f;
        seen s = {0};
        ct_results *res = run("0.2", tail, 86400, &s, &f);
        /* Cells that finished the helium test, whether they left the
         * line since or not: leaving early is what a scrapped cell does,
         * so counting only cells that left would favour the caught ones. */
        size_t tested = 0, leaking = 0, escaped = 0;
        for (size_t i = 0; i < s.n; i++) {
            const ct_cell_info *c = &s.cells[i];
            if (c->serial >= s.n_tested || !s.leak_tested[c->serial])
                continue;
            tested++;
            if (!(c->defects & CTI_DEF_LEAK))
                continue;
            leaking++;
            if (!c->scrapped)
                escaped++;
            else
                assert_string_equal(c->cause, "leak_gate");
        }
        /* leaking cells: binomial(tested, 0.2) */
        double n = (double)tested;
        assert_true(fabs(leaking - 0.2 * n) <= 4 * sqrt(n * 0.2 * 0.8) + 1);
        double q = 1.0 - share[t] * caught;
        double mean = leaking * q, sd = sqrt(leaking * q * (1 - q));
        printf("  sample %-5s: %zu cells tested, %zu leaking, %zu escaped (expected %.1f +- %.1f)\n",
               samples[t], tested, leaking, escaped, mean, sd);
        assert_true(tested > 10000);
        assert_true(fabs(escaped - mean) <= 4 * sd + 1);
        rate[t] = (double)escaped / leaking;
        seen_free(&s);
        ct_results_destroy(res);
        ct_factory_destroy(f);
    }
    printf("  escapes per leaking cell, 10 %% / 100 %%: %.1f (expected %.1f)\n", rate[1] / rate[0],
           (1 - 0.1 * caught) / (1 - caught));
    assert_true(rate[1] > 30 * rate[0]);
}

/* ---- attributes against their closed forms ------------------------------- */

/* A gate with a narrow window around a closed-form value passes every
 * cell; the same window moved just off it fails every cell (so the gate
 * did measure). Values:
 *  - cathode active mass: 7 sheets x 0.11 m x 0.42 m x 2 sides x
 *    0.2 kg/m2 x 0.96 = 0.1241856 kg (the lanes carry no loading, so the
 *    stacker's cathode_loading applies);
 *  - anode: 8 x 0.11 x 0.424 x 2 x 0.095 x 0.95 = 0.06734816 kg;
 *  - moisture after the oven: the dew point is the reference one, so
 *    w0 = 1000 ppm; 2 h at the reference 90 C with one decade per hour and
 *    no scatter: w = 20 + 980 x 10^-2 = 29.8 ppm;
 *  - electrolyte: 1.6 g/Ah x 10 Ah = 16 g, no dosing scatter, a perfect
 *    balance: the gravimetric reading is 16 g. */
static void test_attributes_closed_form(void **state)
{
    (void)state;
    static const struct {
        const char *station, *attribute, *in_window, *off_window;
    } gates[] = {
        {"stacker", "cathode_active_mass", "lsl: 124.1846 g, usl: 124.1866 g",
         "lsl: 124.1876 g, usl: 124.19 g"},
        {"stacker", "anode_active_mass", "lsl: 67.3472 g, usl: 67.3492 g",
         "lsl: 67.3402 g, usl: 67.3471 g"},
        {"oven", "moisture", "lsl: 29.79e-6, usl: 29.81e-6", "lsl: 29.70e-6, usl: 29.79e-6"},
        {"filler", "electrolyte_mass", "lsl: 15.999 g, usl: 16.001 g", "lsl: 16.001 g, usl: 17 g"},
    };
    for (size_t g = 0; g < sizeof gates / sizeof gates[0]; g++) {
        for (int off = 0; off < 2; off++) {
            char tail[512];
            snprintf(tail, sizeof tail,
                     "control_plan:\n"
                     "  - {name: window, station: %s, attribute: %s, %s}\n",
                     gates[g].station, gates[g].attribute,
                     off ? gates[g].off_window : gates[g].in_window);
            ct_factory *f;
            seen s = {0};
            ct_results *res = run("0", tail, 8 * 3600.0, &s, &f);
            size_t failed = 0, measured = 0;
            for (size_t i = 0; i < s.n; i++) {
                const ct_cell_info *c = &s.cells[i];
                if (c->in_process)
                    continue;   /* perhaps not yet measured */
                if (c->scrapped && strcmp(c->cause, "window") == 0)
                    failed++;
                measured++;
            }
            printf("  %-8s %-20s %-3s window: %zu of %zu cells failed\n", gates[g].station,
                   gates[g].attribute, off ? "off" : "in", failed, measured);
            assert_true(measured > 1000);
            if (off)
                assert_true(failed == measured);
            else
                assert_true(failed == 0);
            seen_free(&s);
            ct_results_destroy(res);
            ct_factory_destroy(f);
        }
    }
}

/* ---- with the electrode kinds upstream ------------------------------------- */

/* The cathode lanes made by the electrode kinds (mixer, coater, calender,
 * slitter; the settings of test_kinds_electrode.c: 20 mg/cm2 per side,
 * 2 lanes of 550 mm) carry their polarity and their measured loading, so
 * the notcher needs no `electrode:` and the stacker takes the lane's
 * loading, not its own cathode_loading (set to 5 mg/cm2 here to tell them
 * apart). With a loading between 19 and 21 mg/cm2 the cathode active mass
 * is 7 x 0.11 m x 0.42 m x 2 sides x 0.96 = 0.620928 m2 times it:
 * 117.976 to 130.395 g; with the stacker's 5 mg/cm2 it would be 31.0 g.
 * Routing those lanes into a notcher set up for the anode scraps them. */
#define ELECTRODE_HEAD                                                                  \
    "name: with electrode kinds\n"                                                      \
    "materials:\n"                                                                      \
    "  - {name: lfp, price: 20 usd/kg, lot: 5000 kg, active: true}\n"                   \
    "  - {name: carbon, price: 10 usd/kg, lot: 1000 kg}\n"                              \
    "  - {name: pvdf, price: 15 usd/kg, lot: 1000 kg}\n"                                \
    "  - {name: nmp, price: 3 usd/kg, lot: 10000 kg}\n"                                 \
    "  - {name: am, price: 20 usd/kg, lot: 100000 kg, active: true}\n"                  \
    "stations:\n"                                                                       \
    "  - name: c_mixer\n"                                                               \
    "    kind: mixer\n"                                                                 \
    "    process:\n"                                                                    \
    "      recipe: {active: 96 %%, conductive: 2 %%, binder: 2 %%}\n"                   \
    "      solid_content: 58 %%\n"                                                      \
    "      batch_mass: 1000 kg\n"                                                       \
    "      mixing_time: 30 min\n"                                                       \
    "      dosing_time: 10 min\n"                                                       \
    "    consumes:\n"                                                                   \
    "      - {material: lfp, amount: 556.8 kg}\n"                                       \
    "      - {material: carbon, amount: 11.6 kg}\n"                                     \
    "      - {material: pvdf, amount: 11.6 kg}\n"                                       \
    "      - {material: nmp, amount: 420 kg}\n"                                         \
    "    makes: batch\n"                                                                \
    "    process_time: 0\n"                                                             \
    "  - {name: c_tank, process_time: 0, buffer: 1}\n"                                  \
    "  - name: c_coater\n"                                                              \
    "    kind: coater\n"                                                                \
    "    process: {coil_length: 2000 m, loading: 20 mg/cm2, lane_width: 550 mm}\n"      \
    "    process_time: 0\n"                                                             \
    "    buffer: 2\n"                                                                   \
    "  - name: c_calender\n"                                                            \
    "    kind: calender\n"                                                              \
    "    process: {line_load: 1000 N/mm, speed: 80 m/min}\n"                            \
    "    process_time: 0\n"                                                             \
    "    buffer: 2\n"                                                                   \
    "  - {name: c_slitter, kind: slitter, splits: 2, process: {speed: 100 m/min},\n"    \
    "     process_time: 0, buffer: 2}\n"                                                \
    "  - name: c_notcher\n"                                                             \
    "    kind: notcher\n"                                                               \
    "    process: {speed: 60 m/min%s}\n"                                                \
    "    process_time: 1\n"                                                             \
    "    buffer: 1\n"                                                                   \
    "    next: stacker.cathode\n"                                                       \
    CHAIN("a", "anode")                                                                 \
    "  - name: stacker\n"                                                               \
    "    kind: stacker\n"                                                               \
    "    process: {cathode_sheets: 7, anode_sheets: 8, sheet_pitch: 110 mm,\n"          \
    "              cathode_width: 420 mm, cathode_active_fraction: 96 %%,\n"            \
    "              cathode_loading: 5 mg/cm2}\n"                                        \
    "    inputs: [{name: cathode}, {name: anode}]\n"                                    \
    "    consumes: [{input: cathode, amount: 0.77 m}, {input: anode, amount: 0.88 m}]\n" \
    "    makes: cell\n"                                                                 \
    "    process_time: 1\n"                                                             \
    "  - {name: test, process_time: 1}\n"                                               \
    "control_plan:\n"                                                                   \
    "  - {name: window, station: stacker, attribute: cathode_active_mass,\n"            \
    "     lsl: 117.976 g, usl: 130.395 g}\n"

static void test_electrode_kinds_upstream(void **state)
{
    (void)state;
    for (int wrong = 0; wrong < 2; wrong++) {
        char yaml[8192];
        int n = snprintf(yaml, sizeof yaml, ELECTRODE_HEAD, wrong ? ", electrode: anode" : "");
        assert_true(n > 0 && (size_t)n < sizeof yaml);
        ct_factory *f;
        seen s = {0};
        ct_observer obs = {.ctx = &s, .cell_done = on_cell};
        ct_results *res = load_and_run(yaml, "electrode.yaml", 86400, NULL, &obs, &f);
        const ct_kpis *k = ct_results_mean(res);
        size_t left = 0, in_window = 0;
        for (size_t i = 0; i < s.n; i++) {
            const ct_cell_info *c = &s.cells[i];
            double metres[2] = {0, 0};
            for (int j = 0; j < c->n_segments; j++) {
                const ct_cell_segment *g = &c->segments[j];
                metres[g->anode ? 1 : 0] += g->to_m - g->from_m;
                /* the cathode pieces come from the coater, known as cathode */
                if (!g->anode)
                    assert_string_equal(g->maker, "c_coater");
            }
            assert_true(fabs(metres[0] - 0.77) < 1e-9 && fabs(metres[1] - 0.88) < 1e-9);
            if (c->in_process)
                continue;
            left++;
            in_window += !c->scrapped;
        }
        double wrong_lanes = 0;
        for (size_t i = 0; i < k->n_causes; i++)
            if (strcmp(k->causes[i].cause, "wrong electrode at notcher") == 0)
                wrong_lanes += k->causes[i].count;
        printf("  %s: %zu cells left the line, %zu within the lane-loading window; %g lanes "
               "scrapped as the wrong electrode\n",
               wrong ? "anode notcher" : "no electrode key", left, in_window, wrong_lanes);
        if (wrong) {
            assert_true(s.n == 0 && wrong_lanes >= 1);
        } else {
            assert_true(left > 1000);
            assert_true(in_window == left);
            assert_true(wrong_lanes == 0);
        }
        seen_free(&s);
        ct_results_destroy(res);
        ct_factory_destroy(f);
    }
}

/* ---- bad parameters ------------------------------------------------------ */

/* "FILE:LINE:COL: " of the first occurrence of mark in text (1-based). */
static void where(const char *text, const char *mark, char *out, size_t len)
{
    const char *at = strstr(text, mark);
    assert_non_null(at);
    int line = 1, col = 1;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    snprintf(out, len, "bad.yaml:%d:%d: ", line, col);
}

/* Loads text, expects a failure whose message starts with the position of
 * mark and then key_path, and contains each of the words. */
static void expect_error(const char *text, const char *mark, const char *key_path, const char *word1,
                         const char *word2)
{
    ct_factory *f = NULL;
    ct_error err;
    ct_error_clear(&err);
    ct_status st = ct_factory_load_string(text, "bad.yaml", &f, &err);
    char prefix[256];
    where(text, mark, prefix, sizeof prefix);
    strncat(prefix, key_path, sizeof prefix - strlen(prefix) - 1);
    strncat(prefix, ": ", sizeof prefix - strlen(prefix) - 1);
    printf("  %s\n", err.msg);
    assert_int_not_equal(st, CT_OK);
    assert_null(f);
    assert_true(strncmp(err.msg, prefix, strlen(prefix)) == 0);
    assert_non_null(strstr(err.msg, word1));
    if (word2)
        assert_non_null(strstr(err.msg, word2));
}

#define ONE_STATION(kind, process)                                                      \
    "name: bad\n"                                                                       \
    "source: {saturated: true}\n"                                                       \
    "stations:\n"                                                                       \
    "  - name: s\n"                                                                     \
    "    kind: " kind "\n"                                                              \
    "    process:\n" process                                                            \
    "    process_time: 1\n"

/* A stacker between two lane sources, to check its own keys. */
#define STACKER(process, amounts)                                                       \
    "name: bad\n"                                                                       \
    "source: {saturated: true}\n"                                                       \
    "stations:\n"                                                                       \
    "  - {name: lanes, process_time: 1, next: stack.cathode}\n"                         \
    "  - name: stack\n"                                                                 \
    "    kind: stacker\n"                                                               \
    "    process:\n" process                                                            \
    "    inputs: [{name: cathode}, {name: anode}]\n"                                    \
    "    consumes: " amounts "\n"                                                       \
    "    makes: cell\n"                                                                 \
    "    process_time: 1\n"

static void test_bad_parameters(void **state)
{
    (void)state;
    /* notching speed above the review's 60 m/min, shown in m/min */
    expect_error(ONE_STATION("notcher", "      speed: 90 m/min\n"), "90 m/min",
                 "stations[0].process.speed", "90 m/min is above 60 m/min", NULL);
    expect_error(ONE_STATION("notcher", "      speed: 5 m/min\n"), "5 m/min",
                 "stations[0].process.speed", "5 m/min is below 10 m/min", NULL);
    /* Hi-Pot voltage outside 50-200 V */
    expect_error(ONE_STATION("hipot", "      voltage: 250 V\n"), "250 V",
                 "stations[0].process.voltage", "250 V is above 200 V", NULL);
    expect_error(ONE_STATION("hipot", "      voltage: 20 V\n"), "20 V",
                 "stations[0].process.voltage", "20 V is below 50 V", NULL);
    /* a length and a loading without units */
    expect_error(ONE_STATION("notcher", "      ceramic_thickness: 4\n"), "4\n",
                 "stations[0].process.ceramic_thickness", "expected a unit", NULL);
    expect_error(STACKER("      cathode_loading: 20\n",
                         "[{input: cathode, amount: 6 m}, {input: anode, amount: 6.12 m}]"),
                 "20\n", "stations[1].process.cathode_loading", "expected a unit", "mg/cm2");
    /* an unknown process key, at the key */
    expect_error(ONE_STATION("leak_test", "      detection_limit: 1e-8 mbar.L/s\n"
                                          "      sensitivity: 1e-9 mbar.L/s\n"),
                 "sensitivity", "stations[0].process.sensitivity", "unknown key",
                 "detection_limit");
    /* a welder needs to know its joint */
    expect_error(ONE_STATION("welder", "      leak_probability: 0.001\n"), "leak_probability",
                 "stations[0].process.weld", "missing required key", "can_seam");
    /* an ultrasonic weld inside the can cannot leak */
    expect_error(ONE_STATION("welder", "      weld: tab\n      leak_probability: 0.001\n"),
                 "0.001", "stations[0].process.leak_probability", "cannot leak", NULL);
    /* electrolyte per Ah needs its units */
    expect_error(ONE_STATION("filler", "      electrolyte_per_capacity: 1.6\n"), "1.6",
                 "stations[0].process.electrolyte_per_capacity", "g/Ah", NULL);
    /* the stacker's amounts are sheets x pitch: 50 x 0.12 m = 6 m */
    expect_error(STACKER("      sheet_pitch: 120 mm\n",
                         "[{input: cathode, amount: 5 m}, {input: anode, amount: 6.12 m}]"),
                 "{input: cathode, amount: 5 m}", "stations[1].consumes[0].amount",
                 "expected 6 m (50 cathode sheets x 0.12 m sheet_pitch)", NULL);
    /* the oven would melt a polyethylene separator */
    expect_error(ONE_STATION("vacuum_oven", "      temperature: 150 C\n"), "150 C",
                 "stations[0].process.temperature", "above 130 C", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flow_metres_and_times),
        cmocka_unit_test(test_hipot_faults_and_particles),
        cmocka_unit_test(test_leak_sampling),
        cmocka_unit_test(test_attributes_closed_form),
        cmocka_unit_test(test_electrode_kinds_upstream),
        cmocka_unit_test(test_bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
