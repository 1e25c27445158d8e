/*
 * test_kinds_electrode.c - the electrode station kinds (mixer, coater,
 * calender, slitter) in a running line: the books they keep (mass
 * balance, coating scrap by cause at the review's cost), the die cleaning
 * interval against the agglomerate scrap, the slurry's standing-time limit,
 * the attributes they set as seen by control-plan gates, and the load-time
 * messages for bad parameters.
 *
 * The line of every test: a mixer doses 1,000 kg of LFP slurry (96/2/2,
 * 58 % solids: 556.8 kg LFP, 11.6 kg carbon black, 11.6 kg PVDF, 420 kg
 * NMP), a buffer tank, a coater making 2,000 m coils of 2 lanes x 550 mm at
 * 20 mg/cm2 (1.1 x 2000 x 0.2 / 0.58 = 758.6 kg of slurry per coil), a
 * calender, a slitter into 2 lanes, a kind-less stacker taking 10 m of lane
 * per cell, and a test station.
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
#include "model/electrode.h"
#include "factory_harness.h"

#define HEAD                                                                            \
    "name: electrode line\n"                                                            \
    "materials:\n"                                                                      \
    "  - {name: lfp, price: 20 usd/kg, lot: 5000 kg, active: true}\n"                   \
    "  - {name: carbon, price: 10 usd/kg, lot: 1000 kg}\n"                              \
    "  - {name: pvdf, price: 15 usd/kg, lot: 1000 kg}\n"                                \
    "  - {name: nmp, price: 3 usd/kg, lot: 10000 kg}\n"                                 \
    "stations:\n"

/* The mixer, the tank (buffer %s) and the coater (process keys %s after
 * the fixed ones); mixer_extra adds lines to the mixer's process. */
#define MIXER                                                                           \
    "  - name: mixer\n"                                                                 \
    "    kind: mixer\n"                                                                 \
    "    process:\n"                                                                    \
    "      recipe: {active: 96 %%, conductive: 2 %%, binder: 2 %%}\n"                   \
    "      solid_content: 58 %%\n"                                                      \
    "      batch_mass: 1000 kg\n"                                                       \
    "      mixing_time: 30 min\n"                                                       \
    "      dosing_time: 10 min\n"                                                       \
    "%s"                                                                                \
    "    consumes:\n"                                                                   \
    "      - {material: lfp, amount: 556.8 kg}\n"                                       \
    "      - {material: carbon, amount: 11.6 kg}\n"                                     \
    "      - {material: pvdf, amount: 11.6 kg}\n"                                       \
    "      - {material: nmp, amount: 420 kg}\n"                                         \
    "    makes: batch\n"                                                                \
    "    process_time: 0\n"                                                             \
    "  - {name: tank, process_time: 0, buffer: %s}\n"                                   \
    "  - name: coater\n"                                                                \
    "    kind: coater\n"                                                                \
    "    process: {coil_length: 2000 m, loading: 20 mg/cm2, lane_width: 550 mm%s}\n"    \
    "    process_time: 0\n"                                                             \
    "    buffer: 2\n"

#define DOWNSTREAM                                                                      \
    "  - name: calender\n"                                                              \
    "    kind: calender\n"                                                              \
    "    process: {line_load: 1000 N/mm, speed: 80 m/min}\n"                            \
    "    process_time: 0\n"                                                             \
    "    buffer: 2\n"                                                                   \
    "  - name: slitter\n"                                                               \
    "    kind: slitter\n"                                                               \
    "    splits: 2\n"                                                                   \
    "    process: {speed: 100 m/min}\n"                                                 \
    "    process_time: 0\n"                                                             \
    "    buffer: 2\n"                                                                   \
    "  - name: stacker\n"                                                               \
    "    inputs: [{name: cathode, buffer: 4}]\n"                                        \
    "    consumes: [{input: cathode, amount: 10 m}]\n"                                  \
    "    makes: cell\n"                                                                 \
    "    process_time: 4\n"                                                             \
    "  - {name: test, process_time: 3}\n"

/* Figures of the file above. */
#define LOADING_KG_M2 0.2
#define ACTIVE_FRAC 0.96
#define SOLID_CONTENT 0.58
#define COATED_WIDTH_M 1.1          /* 2 lanes x 550 mm */
#define LFP_USD_KG 20.0
/* Material value of one kg of slurry: 0.5568 kg LFP x 20 + 0.0116 kg
 * carbon x 10 + 0.0116 kg PVDF x 15 + 0.42 kg NMP x 3 USD/kg. */
#define SLURRY_USD_KG (0.5568 * 20 + 0.0116 * 10 + 0.0116 * 15 + 0.42 * 3)

static char *line_yaml(const char *mixer_extra, const char *tank_buffer, const char *coater_extra,
                       const char *tail)
{
    size_t n = 8192;
    char *s = malloc(n);
    assert_non_null(s);
    int k = snprintf(s, n, HEAD MIXER "%s", mixer_extra, tank_buffer, coater_extra, tail);
    assert_true(k > 0 && (size_t)k < n);
    return s;
}

typedef struct seen {
    size_t cells, standing;
    double first_standing_s;
} seen;

static void on_cell(void *ctx, int rep, const ct_cell_info *cell)
{
    (void)rep;
    seen *s = ctx;
    s->cells++;
    if (cell->defects & CTI_DEF_STANDING) {
        if (s->standing++ == 0)
            s->first_standing_s = cell->finished_s;
    }
}

static ct_results *run_yaml(const char *yaml, double horizon_s, uint64_t seed, seen *cells,
                            ct_factory **f)
{
    ct_observer obs = {.ctx = cells, .cell_done = on_cell};
    return load_and_run(yaml, "line.yaml", horizon_s, &seed, cells ? &obs : NULL, f);
}

static const ct_scrap_cause *cause_of(const ct_kpis *k, const char *cause, const char *station)
{
    for (size_t i = 0; i < k->n_causes; i++)
        if (!strcmp(k->causes[i].cause, cause) && !strcmp(k->causes[i].station, station))
            return &k->causes[i];
    return NULL;
}

static const ct_station_kpi *station_of(const ct_kpis *k, const char *name)
{
    for (size_t i = 0; i < k->n_stations; i++)
        if (!strcmp(k->stations[i].name, name))
            return &k->stations[i];
    return NULL;
}

/* Active material taken from the stores = in good cells + in scrap + in the
 * line at the end; the coater's agglomerate scrap costs what the review's
 * formula says. */
static void test_mass_balance_and_coating_scrap(void **state)
{
    (void)state;
    ct_factory *f;
    char *yaml = line_yaml("", "1", "", DOWNSTREAM);
    ct_results *res = run_yaml(yaml, 4 * 86400, 7, NULL, &f);
    const ct_kpis *k = ct_results_mean(res);
    double in = k->active_in_kg, out = k->active_good_kg + k->active_scrap_kg + k->active_wip_kg;
    printf("  in %.6f kg = good %.3f + scrap %.3f + wip %.3f (diff %.3g)\n", in, k->active_good_kg,
           k->active_scrap_kg, k->active_wip_kg, in - out);
    assert_true(in > 0 && k->completed > 10000);
    assert_true(fabs(in - out) <= 1e-9 * in);
    /* every batch took 556.8 kg of LFP */
    double batches = in / 556.8;
    assert_true(fabs(batches - round(batches)) < 1e-9);
    /* a good cell is 10 m of one lane: 10 x 0.55 m x 0.2 kg/m2 x 0.96 */
    assert_true(fabs(k->active_good_kg / k->completed - 10 * 0.55 * 0.2 * 0.96) < 1e-9);

    const ct_scrap_cause *c = cause_of(k, "coating defect (agglomerate)", "coater");
    assert_non_null(c);
    printf("  coating defects: %.0f cut out, %.1f m, %.3f kg active, %.2f USD\n", c->count,
           c->amount, c->active_mass_kg, c->cost_usd);
    assert_true(c->count >= 5);
    /* Each defect runs 60 m/min x 30 s = 30 m before it is corrected; a
     * defect across two coils is cut out in both. */
    assert_true(c->amount <= 30.0 * c->count + 1e-9);
    /* The review's formula: coated width x length x loading x active share. */
    double kg = cti_coating_scrap_mass_kg(COATED_WIDTH_M, c->amount, LOADING_KG_M2, ACTIVE_FRAC);
    assert_true(fabs(c->active_mass_kg - kg) <= 1e-9 * kg);
    /* The value lost: the slurry under those metres, at material prices. */
    double usd = c->amount * COATED_WIDTH_M * LOADING_KG_M2 / SOLID_CONTENT * SLURRY_USD_KG;
    assert_true(fabs(c->cost_usd - usd) <= 1e-9 * usd);
    /* Per 30 m defect the active material alone is the review's 6.336 kg,
     * 126.72 USD of LFP (the review rounds the area to 30 m2: 115 USD). */
    double per_defect_usd = c->active_mass_kg / c->amount * 30.0 * LFP_USD_KG;
    printf("  per 30 m defect: %.2f USD of LFP (review: 6.336 kg, 126.7 USD)\n", per_defect_usd);
    assert_true(fabs(per_defect_usd - 126.72) < 1e-9);
    ct_results_destroy(res);
    ct_factory_destroy(f);
    free(yaml);
}

/* Coater line only (coils leave after the coater), with a mixer fast
 * enough that the coater is never starved. */
static double defects_per_km(const char *coater_extra, double *count)
{
    ct_factory *f;
    char mixer[] = "";
    char *yaml = line_yaml(mixer, "2", coater_extra, "");
    ct_results *res = run_yaml(yaml, 120 * 86400, 11, NULL, &f);
    const ct_kpis *k = ct_results_mean(res);
    const ct_scrap_cause *c = cause_of(k, "coating defect (agglomerate)", "coater");
    const ct_station_kpi *s = station_of(k, "coater");
    assert_non_null(c);
    assert_non_null(s);
    *count = c->count;
    double km = s->processed * 2.0;
    double rate = c->count / km;
    printf("  %-40s %5.0f coils, %4.0f defects, %.4f per km, starved %.3f\n", coater_extra,
           s->processed, c->count, rate, s->starved);
    ct_results_destroy(res);
    ct_factory_destroy(f);
    free(yaml);
    return rate;
}

/* The agglomerate build-up at the die lip grows with running time since
 * the last cleaning, and the defect hazard with it: h = h0 M (1 + B), B
 * growing by g per metre. Between two cleanings L metres apart the mean
 * hazard is h0 M (1 + gL/2), so doubling the interval raises the defects
 * per metre by (1 + gL)/(1 + gL/2). By default correcting a defect also
 * wipes the lip (correction_cleans), and defects come about every 6 h of
 * running here, so the schedule matters most when it is shorter than
 * that: 4 h -> 8 h. With correction_cleans: false the schedule is the only
 * reset and 8 h -> 16 h shows the full effect (gL about 1.5 here: +40 %).
 * 120 simulated days give 350 to 850 defects per run, Poisson standard
 * deviations of 3.5 to 5 %; the test asks for rises of 15 and 25 % and
 * differences of more than 3 and 4 standard deviations of the counts. */
static void test_cleaning_interval_raises_scrap(void **state)
{
    (void)state;
    double n4, n8, m8, m16, n_slow;
    double r4 = defects_per_km(", cleaning_interval: 4 h", &n4);
    double r8 = defects_per_km(", cleaning_interval: 8 h", &n8);
    assert_true(r8 > 1.15 * r4);
    assert_true(n8 - n4 > 3 * sqrt(n4 + n8));
    double q8 = defects_per_km(", cleaning_interval: 8 h, correction_cleans: false", &m8);
    double q16 = defects_per_km(", cleaning_interval: 16 h, correction_cleans: false", &m16);
    assert_true(q16 > 1.25 * q8);
    assert_true(m16 - m8 > 4 * sqrt(m8 + m16));
    /* Speed mismatch raises it too: M = 1 + k_m ln(v/v*)^2, and the
     * build-up per metre grows with M / v. The slurry leaves the mixer
     * thinner than at rest, so its matched speed v* is above 60 m/min and
     * 30 m/min is further off. */
    double r30 = defects_per_km(", speed: 30 m/min", &n_slow);
    assert_true(r30 > 2 * r8);
}

/* A slow coater behind a big buffer tank: batches wait longer and longer,
 * and once a batch has stood past the recipe's limit (12 h here) its coils
 * and the cells made from them carry CTI_DEF_STANDING. A coater that keeps
 * up with the mixer never shows it. */
static void test_standing_limit(void **state)
{
    (void)state;
    ct_factory *f;
    seen slow = { 0 }, fast = { 0 };
    /* 20 m/min: 758.6 kg per 100 min = 455 kg/h against the mixer's
     * 1500 kg/h, so the batch being coated at time t was mixed at about
     * 0.3 t: it has stood 0.7 t, past 12 h after about 17 h. */
    char *yaml = line_yaml("      standing_limit: 12 h\n", ".inf", ", speed: 20 m/min", DOWNSTREAM);
    ct_results *res = run_yaml(yaml, 3 * 86400, 3, &slow, &f);
    printf("  slow coater: %zu cells, %zu with standing defect, first at %.1f h\n", slow.cells,
           slow.standing, slow.first_standing_s / 3600);
    assert_true(slow.standing > 1000);
    assert_true(slow.standing < slow.cells);
    assert_true(slow.first_standing_s > 17 * 3600);
    /* No gate looks for it: every one escapes. */
    assert_true(ct_results_mean(res)->escapes >= (double)slow.standing);
    ct_results_destroy(res);
    ct_factory_destroy(f);
    free(yaml);

    yaml = line_yaml("      standing_limit: 12 h\n", "1", "", DOWNSTREAM);
    res = run_yaml(yaml, 3 * 86400, 3, &fast, &f);
    printf("  fast coater: %zu cells, %zu with standing defect\n", fast.cells, fast.standing);
    assert_true(fast.cells > 10000);
    assert_int_equal(fast.standing, 0);
    ct_results_destroy(res);
    ct_factory_destroy(f);
    free(yaml);
}

/* The attributes the kinds set, read by gates: loading at the coater,
 * porosity after the calender (0.25 + 0.25 exp(-1000/700) = 0.31), and
 * compaction (1 - 0.5/0.69 = 0.275) and edge burr (3 +- 1 um) after the
 * slitter. Limits around those values pass every coil; a limit below the
 * porosity scraps every coil at the calender. */
static void test_attributes_at_gates(void **state)
{
    (void)state;
    const char *plan =
        "control_plan:\n"
        "  - {name: loading, station: coater, attribute: areal_loading, lsl: 19 mg/cm2, usl: 21 mg/cm2}\n"
        "  - {name: porosity, station: calender, attribute: porosity, %s}\n"
        "  - {name: density, station: calender, attribute: coating_density, lsl: 2.2 g/cm3, usl: 2.6 g/cm3}\n"
        "  - {name: compaction, station: slitter, attribute: compaction, lsl: 0.2, usl: 0.35}\n"
        "  - {name: burr, station: slitter, attribute: edge_burr, usl: 10 um}\n";
    const char *usl[2] = { "lsl: 0.28, usl: 0.34", "lsl: 0.1, usl: 0.2" };
    for (int i = 0; i < 2; i++) {
        char tail[2048];
        char p[1024];
        snprintf(p, sizeof p, plan, usl[i]);
        snprintf(tail, sizeof tail, "%s%s", DOWNSTREAM, p);
        char *yaml = line_yaml("", "1", "", tail);
        ct_factory *f;
        ct_results *res = run_yaml(yaml, 86400, 5, NULL, &f);
        const ct_kpis *k = ct_results_mean(res);
        const ct_station_kpi *cal = station_of(k, "calender");
        printf("  porosity %s: calender processed %.0f, scrapped %.0f; causes %zu\n", usl[i],
               cal->processed, cal->scrapped, k->n_causes);
        assert_true(cal->processed > 10);
        for (size_t c = 0; c < k->n_causes; c++) {
            const char *cause = k->causes[c].cause;
            if (i == 0)
                assert_string_equal(cause, "coating defect (agglomerate)");
            else
                assert_true(!strcmp(cause, "coating defect (agglomerate)") ||
                            !strcmp(cause, "porosity"));
        }
        if (i == 1) {
            assert_true(cal->scrapped == cal->processed);
            assert_true(k->completed == 0);
        }
        ct_results_destroy(res);
        ct_factory_destroy(f);
        free(yaml);
    }
}

/* ---- load-time errors ------------------------------------------------ */

/* yaml with the first occurrence of from replaced by to. */
static char *replaced(const char *yaml, const char *from, const char *to)
{
    const char *at = strstr(yaml, from);
    if (!at)
        fail_msg("\"%s\" not in the test file", from);
    size_t n = strlen(yaml) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%.*s%s%s", (int)(at - yaml), yaml, to, at + strlen(from));
    return s;
}

static void expect_error(const char *from, const char *to, const char *message)
{
    char *base = line_yaml("", "1", "", DOWNSTREAM);
    char *yaml = replaced(base, from, to);
    ct_factory *f = NULL;
    ct_error err;
    ct_error_clear(&err);
    ct_status st = ct_factory_load_string(yaml, "line.yaml", &f, &err);
    printf("  %s\n", err.msg);
    assert_int_equal(st, CT_ERR_PARSE);
    assert_null(f);
    assert_string_equal(err.msg, message);
    free(yaml);
    free(base);
}

static void test_the_test_file_loads(void **state)
{
    (void)state;
    char *yaml = line_yaml("", "1", "", DOWNSTREAM);
    ct_factory_destroy(load_text(yaml, "line.yaml"));
    free(yaml);
}

static void test_speed_above_limit(void **state)
{
    (void)state;
    expect_error("lane_width: 550 mm}", "lane_width: 550 mm, speed: 110 m/min}",
                 "line.yaml:26:83: stations[2].process.speed: expected a speed <= the coater's "
                 "limit of 100 m/min (max_speed), got 110 m/min");
    expect_error("{line_load: 1000 N/mm, speed: 80 m/min}", "{line_load: 1000 N/mm, speed: 130 m/min}",
                 "line.yaml:31:44: stations[3].process.speed: expected a speed <= the calender's "
                 "limit of 120 m/min (max_speed), got 130 m/min");
}

static void test_loading_without_units(void **state)
{
    (void)state;
    expect_error("loading: 20 mg/cm2", "loading: 0.2",
                 "line.yaml:26:45: stations[2].process.loading: expected a unit, such as "
                 "\"20 mg/cm2\", got \"0.2\"");
}

static void test_recipe_not_summing_to_one(void **state)
{
    (void)state;
    expect_error("binder: 2 %", "binder: 1 %",
                 "line.yaml:11:15: stations[0].process.recipe: expected fractions that sum to 1, "
                 "got 0.99");
}

static void test_unknown_process_key(void **state)
{
    (void)state;
    expect_error("mixing_time: 30 min", "mixing_tme: 30 min",
                 "line.yaml:14:7: stations[0].process.mixing_tme: unknown key; expected one of "
                 "solid_content, batch_mass, speed, mixing_time, dosing_time, temperature, "
                 "standing_limit, polarity, solvent, recipe, rheology, model");
}

static void test_consumes_inconsistent_with_recipe(void **state)
{
    (void)state;
    expect_error("{material: carbon, amount: 11.6 kg}", "{material: carbon, amount: 12 kg}",
                 "line.yaml:18:9: stations[0].consumes[1].amount: expected 11.6 kg of conductive "
                 "agent (batch_mass 1000 kg x solid_content 0.58 x recipe.conductive 0.02), got "
                 "12 kg");
    /* the active component must be an active material */
    expect_error("{material: lfp, amount: 556.8 kg}\n      - {material: carbon",
                 "{material: carbon, amount: 556.8 kg}\n      - {material: lfp",
                 "line.yaml:17:9: stations[0].consumes[0].material: expected the recipe's "
                 "active material here, a material with active: true (only the active material "
                 "counts in mass balances), but \"carbon\" has active: false");
    /* a coater's slurry per coil, when written, must match the coil */
    expect_error("    buffer: 2\n  - name: calender",
                 "    buffer: 2\n    consumes: [{input: in, amount: 700 kg}]\n    makes: coil\n"
                 "  - name: calender",
                 "line.yaml:29:16: stations[2].consumes[0].amount: expected 758.6207 kg of slurry "
                 "per coil (1 side x 2 lanes x 550 mm x 2000 m x 20 mg/cm2 / solid content 0.58), "
                 "or no consumes: (the coater derives it), got 700 kg");
}

static void test_slitter_lanes_must_match_coater(void **state)
{
    (void)state;
    expect_error("splits: 2", "splits: 3",
                 "line.yaml:34:5: stations[4].splits: expected splits: 2, the lanes of coater "
                 "\"coater\", got 3");
}

/* A coil needs 758.6 kg, a batch is 1000 kg: after the first coil 241.4 kg
 * are left in the batch in use, so the coater's input must hold it and one
 * more batch, or the line stops for good. */
static void test_coater_buffer_too_small(void **state)
{
    (void)state;
    expect_error("    buffer: 2\n  - name: calender", "    buffer: 1\n  - name: calender",
                 "line.yaml:24:5: stations[2].buffer: expected room for 2 batches at the "
                 "coater's input (a coil takes 758.6207 kg of slurry, a batch is 1000 kg, and "
                 "the batch in use counts), got 1: the line would stop");
}

/* A tandem coater coats both sides of the coil: twice the slurry per coil
 * (1517.2 kg, so three batches at its input), and a defect on either side
 * cuts out the whole coil width, both sides: the review's formula with
 * twice the coated width. */
static void test_tandem_coater(void **state)
{
    (void)state;
    expect_error("lane_width: 550 mm}", "lane_width: 550 mm, sides: 2}",
                 "line.yaml:24:5: stations[2].buffer: expected room for 3 batches at the "
                 "coater's input (a coil takes 1517.241 kg of slurry, a batch is 1000 kg, and "
                 "the batch in use counts), got 2: the line would stop");
    char *base = line_yaml("", "1", ", sides: 2", DOWNSTREAM);
    char *yaml = replaced(base, "    buffer: 2\n  - name: calender", "    buffer: 3\n  - name: calender");
    ct_factory *f;
    ct_results *res = run_yaml(yaml, 4 * 86400, 7, NULL, &f);
    const ct_kpis *k = ct_results_mean(res);
    double in = k->active_in_kg, out = k->active_good_kg + k->active_scrap_kg + k->active_wip_kg;
    assert_true(in > 0 && k->completed > 5000);
    assert_true(fabs(in - out) <= 1e-9 * in);
    /* a cell is 10 m of one lane, both sides */
    assert_true(fabs(k->active_good_kg / k->completed - 2 * 10 * 0.55 * 0.2 * 0.96) < 1e-9);
    const ct_scrap_cause *c = cause_of(k, "coating defect (agglomerate)", "coater");
    assert_non_null(c);
    printf("  tandem: %.0f cut out, %.1f m, %.3f kg active\n", c->count, c->amount,
           c->active_mass_kg);
    double kg = cti_coating_scrap_mass_kg(2 * COATED_WIDTH_M, c->amount, LOADING_KG_M2, ACTIVE_FRAC);
    assert_true(fabs(c->active_mass_kg - kg) <= 1e-9 * kg);
    ct_results_destroy(res);
    ct_factory_destroy(f);
    free(yaml);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_test_file_loads),
        cmocka_unit_test(test_mass_balance_and_coating_scrap),
        cmocka_unit_test(test_cleaning_interval_raises_scrap),
        cmocka_unit_test(test_standing_limit),
        cmocka_unit_test(test_attributes_at_gates),
        cmocka_unit_test(test_speed_above_limit),
        cmocka_unit_test(test_loading_without_units),
        cmocka_unit_test(test_recipe_not_summing_to_one),
        cmocka_unit_test(test_unknown_process_key),
        cmocka_unit_test(test_consumes_inconsistent_with_recipe),
        cmocka_unit_test(test_slitter_lanes_must_match_coater),
        cmocka_unit_test(test_coater_buffer_too_small),
        cmocka_unit_test(test_tandem_coater),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
