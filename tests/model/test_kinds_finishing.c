/*
 * test_kinds_finishing.c - the cell-finishing station kinds
 * (src/model/kinds_finishing.c) in small factories: a kind-less front end
 * (as in test_cellflow.c) stacks cells of 4 m of a cathode lane, then
 * soaking, formation, aging and grading run on them. Shown here: the
 * review's loose-particle case (a particle becomes a micro-short only
 * under fixture pressure, the aging screen or a k-value gate finds it and
 * the aging station is named as the place of scrap, healthy cells pass),
 * capacity = cathode active mass x specific capacity x ICE, rework to
 * another rest, grading bins, the time keys of degassing and finisher, and
 * the loader's messages for bad parameters.
 *
 * Hand calculations used throughout (docs/kinds-finishing.md):
 *   active mass: a batch is 960 kg of active material, a coil 2000 m in 2
 *     lanes, so a lane carries 960 / 2000 / 2 = 0.24 kg/m and a cell of
 *     4 m holds m_c = 0.96 kg (the kind-less stacker records it as the
 *     cell's active material, which formation takes as the cathode mass);
 *   capacity: 0.96 kg x 170 Ah/kg (LFP) x 0.90 (ICE) = 146.88 Ah, times the
 *     wetted fraction phi;
 *   healthy self-discharge: 0.5 %/month of capacity, i.e. 0.005 / 30 =
 *     1.667e-4 of SOC per day at 25 C, about 1.02 mA in a 146 Ah cell, with
 *     a cell-to-cell log-normal scatter of sigma = 0.3; at the default
 *     aging SOC of 15 % the LFP OCV slope is about 2.1-2.5 V per unit SOC,
 *     so a healthy k-value is about 1.667e-4 x 2.2 V = 0.37 mV/day;
 *   a micro-short of R draws about 3.1 V / R on top: 100-500 ohm (the
 *     range these tests set) draws at least 6.2 mA, six times the healthy
 *     current, so k >= 6 x 0.37 = 2.2 mV/day.
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
#include "celltwin/observer.h"
#include "cellflow_head.h"
#include "factory_harness.h"

#define DAY_S 86400.0

/* Stations 0-3; the kinds under test follow from line 22 on. */
#define FLOW_HEAD CELLFLOW_HEAD("finishing", "4 m", "10 min")

/* A cell every 10 min, 144 a day. Chambers of 150 (3 x 150 per day), racks
 * of 24 for 10 h (8 x 24 / 10 h = 19 per hour), shelves of 100 for 10 days
 * (20 x 100 / 10 d = 200 per day): no finishing station is a bottleneck. */
#define SOAK "  - {name: soak, kind: soaking, batch: {size: 150, max_wait: 1 d}, servers: 3, process_time: 0%s}\n"
#define FORM "  - {name: form, kind: formation, batch: {size: 24, max_wait: 4 h}, servers: 8, process_time: 0%s}\n"
#define AGE "  - {name: age, kind: aging, batch: {size: 100, max_wait: 1 d}, servers: 20, process_time: 0%s}\n"

/* Eight particle cells, the stacker's units 5 to 1000. */
#define PARTICLES                                                                          \
    "inject:\n"                                                                            \
    "  - {station: stacker, unit: 5, defect: particle}\n"                                  \
    "  - {station: stacker, unit: 50, defect: particle}\n"                                 \
    "  - {station: stacker, unit: 120, defect: particle}\n"                                \
    "  - {station: stacker, unit: 300, defect: particle}\n"                                \
    "  - {station: stacker, unit: 555, defect: particle}\n"                                \
    "  - {station: stacker, unit: 700, defect: particle}\n"                                \
    "  - {station: stacker, unit: 900, defect: particle}\n"                                \
    "  - {station: stacker, unit: 1000, defect: particle}\n"
#define N_PARTICLES 8
#define PARTICLE_BIT (1u << 2)   /* ct_defect_names[2] = "particle" */

/* Cells seen by the observer (those still in the line are left out). */
typedef struct cell_rec {
    unsigned long long serial;
    int scrapped;
    char cause[40], station[16];
    unsigned defects, reworks;
    float attr[64];
} cell_rec;

typedef struct seen {
    cell_rec *cells;
    size_t n, cap;
} seen;

static int attr_index(const char *name)
{
    for (int i = 0; i < ct_cell_attr_count; i++)
        if (!strcmp(ct_cell_attr_names[i], name))
            return i;
    fail_msg("no cell attribute %s", name);
    return -1;
}

static void on_cell(void *ctx, int rep, const ct_cell_info *c)
{
    (void)rep;
    seen *s = ctx;
    if (c->in_process)
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->cells = realloc(s->cells, s->cap * sizeof *s->cells);
        assert_non_null(s->cells);
    }
    cell_rec *r = &s->cells[s->n++];
    memset(r, 0, sizeof *r);
    r->serial = c->serial;
    r->scrapped = c->scrapped;
    snprintf(r->cause, sizeof r->cause, "%s", c->cause ? c->cause : "");
    snprintf(r->station, sizeof r->station, "%s", c->station ? c->station : "");
    r->defects = c->defects;
    r->reworks = c->reworks;
    assert_true(ct_cell_attr_count <= 64);
    for (int i = 0; i < ct_cell_attr_count; i++)
        r->attr[i] = c->attr[i];
}

static ct_results *run(const char *yaml, double horizon_s, seen *cells, ct_factory **f)
{
    ct_observer obs = {.ctx = cells, .cell_done = on_cell};
    return load_and_run(yaml, "flow.yaml", horizon_s, NULL, cells ? &obs : NULL, f);
}

static const ct_scrap_cause *find_cause(const ct_kpis *k, const char *cause)
{
    for (size_t i = 0; i < k->n_causes; i++)
        if (!strcmp(k->causes[i].cause, cause))
            return &k->causes[i];
    return NULL;
}

static const ct_station_kpi *find_station(const ct_kpis *k, const char *name)
{
    for (size_t i = 0; i < k->n_stations; i++)
        if (!strcmp(k->stations[i].name, name))
            return &k->stations[i];
    fail_msg("no station %s", name);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Particle and healthy cells of a run, with what happened to them. */
typedef struct tally {
    int particle, particle_scrapped, particle_shorted;
    int healthy, healthy_scrapped;
} tally;

static tally count(const seen *s, const char *cause, const char *station)
{
    int ins = attr_index("insulation_resistance");
    tally t = {0};
    for (size_t i = 0; i < s->n; i++) {
        const cell_rec *c = &s->cells[i];
        if (c->defects & PARTICLE_BIT) {
            t.particle++;
            /* the kind-less stacker leaves INSULATION 0 (no leak path); a
             * short sets it to its resistance, 100-500 ohm here */
            if (c->attr[ins] > 0) {
                t.particle_shorted++;
                assert_true(c->attr[ins] >= 100.0f * 0.999f && c->attr[ins] <= 500.0f * 1.001f);
            }
            if (c->scrapped) {
                t.particle_scrapped++;
                assert_string_equal(c->cause, cause);
                assert_string_equal(c->station, station);
            }
        } else {
            t.healthy++;
            assert_true(c->attr[ins] == 0.0f);
            t.healthy_scrapped += c->scrapped;
        }
    }
    return t;
}

/* ------------------------------------------------------------------ */

/* The review's case with the lot-relative screen. Under 2 MPa a particle
 * shorts with P = 1 - exp(-2 / 0.2) = 0.99995, so all eight cells short.
 * Their k-value is at least 6.1x the healthy median (header), a robust z of
 * at least (6.1 - 1) / 0.297 = 17 > 6, where 0.297 median is the
 * 1.4826 x MAD of a log-normal with sigma 0.3 (MAD = 0.2002 median, from
 * Phi(ln 1.2002 / 0.3) - Phi(ln 0.7998 / 0.3) = 1/2). A healthy cell passes
 * z = 6 below k = (1 + 6 x 0.297) median = 2.78 median, i.e. unless its
 * scatter exceeds ln 2.78 / 0.3 = 3.41 sigma: P = 3.3e-4, about 0.6 of the
 * 1800 healthy cells finished in 25 days; at most 5 is allowed for the
 * scale estimated from 100 cells per shelf. */
static void test_particle_found_by_screen(void **state)
{
    (void)state;
    char yaml[4096];
    snprintf(yaml, sizeof yaml, FLOW_HEAD SOAK FORM AGE PARTICLES, "",
             ", process: {fixture_pressure: 2 MPa, short_min: 100 ohm, short_max: 500 ohm}",
             ", process: {screen: {threshold: 6}}");
    ct_factory *f;
    seen s = {0};
    ct_results *res = run(yaml, 25 * DAY_S, &s, &f);
    const ct_kpis *k = ct_results_mean(res);
    tally t = count(&s, "self-discharge outlier", "age");
    printf("  particle cells %d: shorted %d, scrapped %d; healthy %d, scrapped %d\n", t.particle,
           t.particle_shorted, t.particle_scrapped, t.healthy, t.healthy_scrapped);
    /* the last particle cell is stacked at 1000 x 10 min = 6.9 d and leaves
     * aging by about 6.9 + 1 + 0.4 + 1 + 10 = 19.3 d */
    assert_int_equal(t.particle, N_PARTICLES);
    assert_int_equal(t.particle_shorted, N_PARTICLES);
    assert_int_equal(t.particle_scrapped, N_PARTICLES);
    assert_true(t.healthy > 1500);
    assert_true(t.healthy_scrapped <= 5);
    /* scrap is booked at the aging station under the screen's cause */
    const ct_scrap_cause *c = find_cause(k, "self-discharge outlier");
    assert_non_null(c);
    assert_string_equal(c->station, "age");
    assert_int_equal((int)c->count, N_PARTICLES + t.healthy_scrapped);
    /* the screen marks the defect found: no particle cell escapes */
    assert_true(k->escapes == 0);
    free(s.cells);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* The same with an absolute k-value gate instead: usl 1.5 mV/day is 4x the
 * healthy 0.37 mV/day (a healthy cell fails at ln 4 / 0.3 = 4.6 sigma,
 * P = 2e-6) and below the shorted cells' 2.2 mV/day or more. */
static void test_particle_found_by_gate(void **state)
{
    (void)state;
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             FLOW_HEAD SOAK FORM AGE PARTICLES
             "control_plan:\n"
             "  - {name: k_limit, station: age, attribute: k_value, usl: 1.5 mV/d}\n",
             "", ", process: {fixture_pressure: 2 MPa, short_min: 100 ohm, short_max: 500 ohm}",
             "");
    ct_factory *f;
    seen s = {0};
    ct_results *res = run(yaml, 25 * DAY_S, &s, &f);
    const ct_kpis *k = ct_results_mean(res);
    tally t = count(&s, "k_limit", "age");
    printf("  particle cells %d: shorted %d, scrapped %d; healthy %d, scrapped %d\n", t.particle,
           t.particle_shorted, t.particle_scrapped, t.healthy, t.healthy_scrapped);
    assert_int_equal(t.particle, N_PARTICLES);
    assert_int_equal(t.particle_scrapped, N_PARTICLES);
    assert_int_equal(t.healthy_scrapped, 0);
    const ct_scrap_cause *c = find_cause(k, "k_limit");
    assert_non_null(c);
    assert_string_equal(c->station, "age");
    assert_int_equal((int)c->count, N_PARTICLES);
    /* k_value holds the measured rate in V/s. The healthy median is
     * 1.667e-4 per day x the OCV slope, which is 2.13 V at 15 % SOC and
     * 2.53 V at 14 % (the cells drift below 15 % in the HT rest): 0.355 to
     * 0.42 mV/day. Every healthy cell is within a factor 5 of 0.37 mV/day
     * (ln 5 / 0.3 = 5.4 sigma of the scatter). */
    int kv = attr_index("k_value");
    double *hk = malloc(s.n * sizeof *hk);
    assert_non_null(hk);
    size_t nh = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.cells[i].defects & PARTICLE_BIT)
            continue;
        double k_mv_day = s.cells[i].attr[kv] * 1e3 * DAY_S;
        assert_true(k_mv_day > 0.37 / 5 && k_mv_day < 0.37 * 5);
        hk[nh++] = k_mv_day;
    }
    qsort(hk, nh, sizeof *hk, cmp_double);
    double median = hk[nh / 2];
    printf("  healthy median k %.4f mV/day (hand 0.355 to 0.42)\n", median);
    assert_true(median > 0.355 * 0.95 && median < 0.42 * 1.05);
    free(hk);
    free(s.cells);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* A pilot line: no fixture pressure, P(short) = 1 - exp(0) = 0. The
 * particle cells keep their insulation, age like healthy ones, pass the
 * screen and leave the line as escapes - the review's "this error could
 * only occur in serial production". */
static void test_no_fixture_no_short(void **state)
{
    (void)state;
    char yaml[4096];
    snprintf(yaml, sizeof yaml, FLOW_HEAD SOAK FORM AGE PARTICLES, "",
             ", process: {fixture_pressure: 0 MPa, short_min: 100 ohm, short_max: 500 ohm}",
             ", process: {screen: {threshold: 6}}");
    ct_factory *f;
    seen s = {0};
    ct_results *res = run(yaml, 25 * DAY_S, &s, &f);
    const ct_kpis *k = ct_results_mean(res);
    tally t = count(&s, "self-discharge outlier", "age");
    printf("  particle cells %d: shorted %d, scrapped %d; escapes %.0f\n", t.particle,
           t.particle_shorted, t.particle_scrapped, k->escapes);
    assert_int_equal(t.particle, N_PARTICLES);
    assert_int_equal(t.particle_shorted, 0);
    /* a particle cell fails like a healthy one, with P = 3.3e-4 */
    assert_int_equal(t.particle_scrapped, 0);
    assert_true(k->escapes == N_PARTICLES);
    free(s.cells);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* Capacity after formation = m_c q_c ICE phi. Fully wetted after filling
 * (phi = 1): 0.96 x 170 x 0.90 = 146.88 Ah. With the default soak of 24 h
 * at 45 C: tau(45 C) = 8 h / exp(15000 / 8.314462618 (1/298.15 - 1/318.15))
 * = 8 h / 1.46284 = 5.4688 h, phi = 1 - 0.3 exp(-24 / 5.4688) = 1 - 0.3 x
 * 0.012419 = 0.996274, 146.88 x 0.996274 = 146.3328 Ah. Formation has no
 * noise in the capacity; the tolerance is float rounding. IR and DCIR at
 * phi = 1 are the design values 0.35 and 0.35 + 0.45 = 0.80 mohm. */
static void test_capacity_hand(void **state)
{
    (void)state;
    const char *soak[2] = {", process: {wetted_after_filling: 100 %}", ""};
    double phi[2] = {1.0, 0};
    double a = exp(15000 / 8.314462618 * (1 / 298.15 - 1 / 318.15));
    phi[1] = 1 - 0.3 * exp(-24 / (8 / a));
    assert_true(fabs(phi[1] - 0.996274) < 1e-6);
    int cap = attr_index("capacity"), ir = attr_index("ir"), dcir = attr_index("dcir"),
        wet = attr_index("wetting");
    for (int v = 0; v < 2; v++) {
        char yaml[4096];
        snprintf(yaml, sizeof yaml, FLOW_HEAD SOAK FORM, soak[v], "");
        ct_factory *f;
        seen s = {0};
        ct_results *res = run(yaml, 4 * DAY_S, &s, &f);
        double expect = 0.96 * 170 * 0.90 * phi[v];
        printf("  phi %.6f: %zu cells, capacity %.4f Ah (hand %.4f)\n", phi[v], s.n,
               s.n ? s.cells[0].attr[cap] : 0.0, expect);
        assert_true(s.n > 100);
        for (size_t i = 0; i < s.n; i++) {
            const cell_rec *c = &s.cells[i];
            assert_false(c->scrapped);
            assert_true(fabs(c->attr[cap] - expect) < 1e-4);
            assert_true(fabs(c->attr[wet] - phi[v]) < 1e-6);
            /* IR = f R_ohm, f = 1 / phi (no moisture, no weld contacts) */
            assert_true(fabs(c->attr[ir] - 0.35e-3 / phi[v]) < 1e-9);
            assert_true(fabs(c->attr[dcir] - 0.80e-3 / phi[v]) < 1e-9);
        }
        assert_true(fabs(ct_results_mean(res)->active_good_kg / ct_results_mean(res)->completed -
                         0.96) < 1e-9);
        free(s.cells);
        ct_results_destroy(res);
        ct_factory_destroy(f);
    }
}

/* Rework: the k gate sends a failing cell back to the shelf for another
 * rest (the review: "re-submitted for HT or RT resting"). A shorted cell
 * fails every rest; with rework_limit 1 it rests three times - fails,
 * reworked (1), fails, reworked (2), and is scrapped at the third rest as
 * "rework limit". So the aging station reworks 2 x 8 = 16 times and the
 * first-pass yield is completed / (completed + 8). Healthy cells never
 * fail the 1.5 mV/day limit (P = 2e-6 each). The particle cells are
 * stacked by unit 60 (10 h); three rests with their queueing end before
 * 0.5 + 1 + 0.2 + 3 x 11 = 34.7 days. */
static void test_rework_to_another_rest(void **state)
{
    (void)state;
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             FLOW_HEAD SOAK FORM AGE
             "inject:\n"
             "  - {station: stacker, unit: 5, defect: particle}\n"
             "  - {station: stacker, unit: 10, defect: particle}\n"
             "  - {station: stacker, unit: 15, defect: particle}\n"
             "  - {station: stacker, unit: 20, defect: particle}\n"
             "  - {station: stacker, unit: 30, defect: particle}\n"
             "  - {station: stacker, unit: 40, defect: particle}\n"
             "  - {station: stacker, unit: 50, defect: particle}\n"
             "  - {station: stacker, unit: 60, defect: particle}\n"
             "control_plan:\n"
             "  - {name: k_limit, station: age, attribute: k_value, usl: 1.5 mV/d,\n"
             "     on_fail: rework, rework_to: age}\n",
             "", ", process: {fixture_pressure: 2 MPa, short_min: 100 ohm, short_max: 500 ohm}",
             ", process: {rework_limit: 1}");
    ct_factory *f;
    seen s = {0};
    ct_results *res = run(yaml, 40 * DAY_S, &s, &f);
    const ct_kpis *k = ct_results_mean(res);
    tally t = count(&s, "rework limit", "age");
    const ct_station_kpi *age = find_station(k, "age");
    printf("  reworked %.0f, scrapped %d particle cells, first-pass yield %.5f (completed %.0f)\n",
           age->reworked, t.particle_scrapped, k->first_pass_yield, k->completed);
    assert_int_equal(t.particle_scrapped, N_PARTICLES);
    assert_true(age->reworked == 2 * N_PARTICLES);
    for (size_t i = 0; i < s.n; i++)
        if (s.cells[i].defects & PARTICLE_BIT)
            assert_int_equal(s.cells[i].reworks, 2);
        else
            assert_int_equal(s.cells[i].reworks, 0);
    assert_true(k->first_pass_yield < 1);
    assert_true(fabs(k->first_pass_yield - k->completed / (k->completed + N_PARTICLES)) < 1e-12);
    const ct_scrap_cause *c = find_cause(k, "rework limit");
    assert_non_null(c);
    assert_string_equal(c->station, "age");
    assert_int_equal((int)c->count, N_PARTICLES);
    free(s.cells);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

static double normal_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

/* Grading by capacity. Every cell holds 146.88 Ah (phi = 1); the grader
 * reads it with sd 1 Ah, rounded to 0.01 Ah, so a reading is at least
 * 146.88 when the unrounded value is at least 146.875. Bin A [146.88 Ah,
 * open) takes 1 - Phi(-0.005) = 0.50199, bin B [145.88, 146.88] what is
 * left above 145.875: Phi(-0.005) - Phi(-1.005) = 0.34056, and the rest,
 * Phi(-1.005) = 0.15745, is off-grade and scrapped. With about 2400 cells
 * the binomial standard error is below 0.011; 0.04 is allowed. */
static void test_grading_bins(void **state)
{
    (void)state;
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             FLOW_HEAD SOAK FORM
             "  - name: grade\n"
             "    kind: grader\n"
             "    process_time: 20 s\n"
             "    process:\n"
             "      capacity_noise: 1 Ah\n"
             "      bins:\n"
             "        - {name: A, capacity: [146.88 Ah, null]}\n"
             "        - {name: B, capacity: [145.88 Ah, 146.88 Ah]}\n",
             ", process: {wetted_after_filling: 100 %}", "");
    ct_factory *f;
    seen s = {0};
    ct_results *res = run(yaml, 20 * DAY_S, &s, &f);
    const ct_kpis *k = ct_results_mean(res);
    int grade = attr_index("grade"), ir = attr_index("ir");
    size_t n[3] = {0};
    for (size_t i = 0; i < s.n; i++) {
        const cell_rec *c = &s.cells[i];
        int g = (int)c->attr[grade];
        assert_true(g >= 0 && g <= 2);
        if (g == 0) {
            assert_true(c->scrapped);
            assert_string_equal(c->cause, "off-grade");
            assert_string_equal(c->station, "grade");
        } else {
            assert_false(c->scrapped);
        }
        n[g]++;
        /* the IR reading at 25 +- 1 C (17 kJ/mol: 2.3 %/K) with 2 uohm
         * noise replaces the true 0.35 mohm: within 15 % is 6 sd */
        assert_true(fabs(c->attr[ir] - 0.35e-3) < 0.15 * 0.35e-3);
    }
    double total = (double)s.n;
    double pa = 1 - normal_cdf(-0.005), pb = normal_cdf(-0.005) - normal_cdf(-1.005),
           po = normal_cdf(-1.005);
    printf("  %zu cells: A %.4f (hand %.4f), B %.4f (%.4f), off-grade %.4f (%.4f)\n", s.n,
           n[1] / total, pa, n[2] / total, pb, n[0] / total, po);
    assert_true(total > 2000);
    assert_true(fabs(n[1] / total - pa) < 0.04);
    assert_true(fabs(n[2] / total - pb) < 0.04);
    assert_true(fabs(n[0] / total - po) < 0.04);
    const ct_scrap_cause *c = find_cause(k, "off-grade");
    assert_non_null(c);
    assert_string_equal(c->station, "grade");
    assert_true(c->count == (double)n[0]);
    free(s.cells);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* Degassing and finisher: the job time is the sum of the step times
 * (10 + 20 + 30 + 40 = 100 s per cell, against a cell every 600 s: the
 * station is busy 1/6 of the time), the second filling adds 25 g of
 * electrolyte to a cell that had none, and the wrapped thickness is
 * 54 mm + 2 x 0.1 mm of PET = 54.2 mm (no scatter set). */
static void test_degassing_finisher(void **state)
{
    (void)state;
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "%s",
             FLOW_HEAD
             "  - name: degas\n"
             "    kind: degassing\n"
             "    process_time: 0\n"
             "    process: {degassing_time: 10 s, refill_time: 20 s, cleaning_time: 30 s,\n"
             "              sealing_time: 40 s, refill_mass: 25 g}\n"
             "  - {name: finish, kind: finisher, process_time: 0,\n"
             "     process: {wrap_time: 30 s, check_time: 30 s, thickness: 54 mm}}\n");
    ct_factory *f;
    seen s = {0};
    ct_results *res = run(yaml, 5 * DAY_S, &s, &f);
    const ct_kpis *k = ct_results_mean(res);
    int el = attr_index("electrolyte_mass"), th = attr_index("thickness");
    assert_true(s.n > 500);
    for (size_t i = 0; i < s.n; i++) {
        assert_true(fabs(s.cells[i].attr[el] - 0.025) < 1e-7);
        assert_true(fabs(s.cells[i].attr[th] - 0.0542) < 1e-7);
    }
    const ct_station_kpi *d = find_station(k, "degas"), *fin = find_station(k, "finish");
    printf("  degassing busy %.4f (hand 0.1642), finisher busy %.4f (hand 0.0985)\n", d->utilization,
           fin->utilization);
    /* the first cell is stacked after the mixer's hour, the coater's 2000 s,
     * the slitter's 100 s and its own 600 s: only 1 - 6300 / (5 x 86400)
     * of the run sees cells, one every 600 s */
    double seen_share = 1 - 6300 / (5 * DAY_S);
    assert_true(fabs(d->utilization - 100.0 / 600 * seen_share) < 0.001);
    assert_true(fabs(fin->utilization - 60.0 / 600 * seen_share) < 0.001);
    free(s.cells);
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

/* Every mistake names FILE:LINE:COL: KEY (line 22 is the first line after
 * FLOW_HEAD; the tested station is stations[4], the next stations[5]). */
static void test_bad_parameters(void **state)
{
    (void)state;
    static const struct {
        const char *tail, *prefix, *text;
    } cases[] = {
        /* a temperature without units: "45" starts at column 20 of line 26 */
        {"  - name: soak\n"
         "    kind: soaking\n"
         "    process_time: 0\n"
         "    process:\n"
         "      temperature: 45\n",
         "flow.yaml:26:20: stations[4].process.temperature: ", "unit"},
        /* a negative duration */
        {"  - name: age\n"
         "    kind: aging\n"
         "    process_time: 0\n"
         "    process:\n"
         "      rt_time: -2 d\n",
         "flow.yaml:26:16: stations[4].process.rt_time: ", "from 1 h to 60 d"},
        /* an unknown key: reported at the key, column 7 */
        {"  - name: form\n"
         "    kind: formation\n"
         "    process_time: 0\n"
         "    process:\n"
         "      fixture_presure: 1 MPa\n",
         "flow.yaml:26:7: stations[4].process.fixture_presure: ", "unknown key"},
        /* overlapping bins: B [148, open) meets A [145, 150] on (148, 150) */
        {"  - name: grade\n"
         "    kind: grader\n"
         "    process_time: 0\n"
         "    process:\n"
         "      bins:\n"
         "        - {name: A, capacity: [145 Ah, 150 Ah]}\n"
         "        - {name: B, capacity: [148 Ah, null]}\n",
         "flow.yaml:28:11: stations[4].process.bins[1]: ", "overlaps bins[0]"},
        /* bins that only share an edge are fine, but MIN above MAX is not */
        {"  - name: grade\n"
         "    kind: grader\n"
         "    process_time: 0\n"
         "    process:\n"
         "      bins:\n"
         "        - {name: A, capacity: [150 Ah, null]}\n"
         "        - {name: B, capacity: [150 Ah, 145 Ah]}\n",
         "flow.yaml:28:31: stations[4].process.bins[1].capacity: ", "MIN below MAX"},
        /* a range needs two bounds */
        {"  - name: grade\n"
         "    kind: grader\n"
         "    process_time: 0\n"
         "    process:\n"
         "      bins: [{name: A, ir: [1 mohm]}]\n",
         "flow.yaml:26:28: stations[4].process.bins[0].ir: ", "range [MIN, MAX]"},
        /* off_grade: rework without a gate that reworks */
        {"  - name: grade\n"
         "    kind: grader\n"
         "    process_time: 0\n"
         "    process:\n"
         "      bins: [{name: A, capacity: [140 Ah, null]}]\n"
         "      off_grade: rework\n",
         "flow.yaml:27:18: stations[4].process.off_grade: ", "control_plan gate"},
        /* formation and aging on different OCV curves */
        {"  - {name: form, kind: formation, process_time: 0}\n"
         "  - name: age\n"
         "    kind: aging\n"
         "    process_time: 0\n"
         "    process: {chemistry: nmc811}\n",
         "flow.yaml:26:26: stations[5].process.chemistry: ", "expected lfp"},
        /* a screen on shelves smaller than its min_cells */
        {"  - name: age\n"
         "    kind: aging\n"
         "    batch: 5\n"
         "    process_time: 0\n"
         "    process: {screen: {threshold: 4}}\n",
         "flow.yaml:26:23: stations[4].process.screen: ", "min_cells = 10"},
        /* the micro-short range upside down */
        {"  - name: form\n"
         "    kind: formation\n"
         "    process_time: 0\n"
         "    process: {short_min: 10 kohm, short_max: 2 kohm}\n",
         "flow.yaml:25:46: stations[4].process.short_max: ", "short_min <= short_max"},
        /* DCIR below IR */
        {"  - name: form\n"
         "    kind: formation\n"
         "    process_time: 0\n"
         "    process: {ir: 1 mohm, dcir: 0.5 mohm}\n",
         "flow.yaml:25:33: stations[4].process.dcir: ", "dcir >= ir"},
        /* the finisher needs the cell's thickness */
        {"  - name: finish\n"
         "    kind: finisher\n"
         "    process_time: 0\n"
         "    process: {wrap_time: 10 s}\n",
         "flow.yaml:25:14: stations[4].process.thickness: ", "missing required key"},
        /* a temperature difference is not an absolute temperature */
        {"  - name: age\n"
         "    kind: aging\n"
         "    process_time: 0\n"
         "    process: {reading_temperature_sd: 6 K}\n",
         "flow.yaml:25:39: stations[4].process.reading_temperature_sd: ", "from 0 to 5 K"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[4096];
        snprintf(yaml, sizeof yaml, "%s%s", FLOW_HEAD, cases[i].tail);
        ct_factory *f = NULL;
        ct_error err;
        ct_error_clear(&err);
        ct_status st = ct_factory_load_string(yaml, "flow.yaml", &f, &err);
        printf("  %s\n", err.msg);
        if (st == CT_OK)
            fail_msg("case %zu loaded", i);
        assert_null(f);
        if (strncmp(err.msg, cases[i].prefix, strlen(cases[i].prefix)) != 0)
            fail_msg("case %zu: expected prefix \"%s\", got \"%s\"", i, cases[i].prefix, err.msg);
        if (!strstr(err.msg, cases[i].text))
            fail_msg("case %zu: expected \"%s\" in \"%s\"", i, cases[i].text, err.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_particle_found_by_screen),
        cmocka_unit_test(test_particle_found_by_gate),
        cmocka_unit_test(test_no_fixture_no_short),
        cmocka_unit_test(test_capacity_hand),
        cmocka_unit_test(test_rework_to_another_rest),
        cmocka_unit_test(test_grading_bins),
        cmocka_unit_test(test_degassing_finisher),
        cmocka_unit_test(test_bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
