/*
 * test_rootcause.c - root-cause ranking (celltwin/rootcause.h) on the
 * traces of small cell factories, and the one-sided Fisher p-value it is
 * built on (ct_hypergeometric_log_sf, celltwin/quality.h).
 *
 * What must hold:
 *   - the p-value of Fisher's tea-tasting table, of a table worked out here
 *     from binomial coefficients, and of tails far below 1e-308 (closed
 *     forms), in log space;
 *   - a factory with particle contamination injected on 60 m of one coil
 *     lane: the particles become micro-shorts under the formation
 *     fixture's pressure and the aging screen scraps those cells as
 *     self-discharge outliers; `--cells outliers` ranks that coil's section
 *     first with p < 1e-6, and its 2x2 counts are those an SQL query over
 *     the cells' histories gives;
 *   - the same factory without the injection, and a list of serials drawn
 *     at random: no level has an adjusted p-value below 0.01;
 *   - targets scrapped at two stations are compared with a cohort of cells
 *     made up to the last one that reached the later station;
 *   - Benjamini-Hochberg and Bonferroni adjustments recomputed here from
 *     the raw p-values of every level tested;
 *   - each coil, section, batch, lot and server counts the cells a recall
 *     of it returns;
 *   - errors: an unknown keyword, a cause no cell has, an unknown or
 *     malformed serial, an empty list.
 */
#include <math.h>

#include "celltwin/quality.h"
#include "celltwin/rootcause.h"
#include "trace_harness.h"

/* ---- the p-value ------------------------------------------------------------------ */

/* C(n, k) exactly, for small arguments. */
static double choose(int n, int k)
{
    double c = 1;
    for (int i = 1; i <= k; i++)
        c = c * (n - k + i) / i;
    return c;
}

static void assert_rel(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * fabs(want)))
        fail_msg("got %.17g, want %.17g (relative tolerance %g)", got, want, tol);
}

/* Fisher (1935), The Design of Experiments, section 2: a lady identifies
 * 3 of the 4 cups with milk first among 8. Table [[3, 1], [1, 3]]: the
 * one-sided p-value P(X >= 3) = (C(4,3) C(4,1) + C(4,4) C(4,0)) / C(8,4) =
 * (16 + 1) / 70. */
static void test_tea_tasting(void **state)
{
    (void)state;
    assert_rel(exp(ct_hypergeometric_log_sf(2, 8, 4, 4)), 17.0 / 70.0, 1e-13);
    assert_rel(exp(ct_hypergeometric_log_sf(3, 8, 4, 4)), 1.0 / 70.0, 1e-13);
    /* all four right is the top of the support; nothing above it */
    assert_true(ct_hypergeometric_log_sf(4, 8, 4, 4) == -INFINITY);
    assert_true(ct_hypergeometric_log_sf(-1, 8, 4, 4) == 0.0);
    assert_true(isnan(ct_hypergeometric_log_sf(1, 5, 6, 2)));
}

/* A table worked out by hand: 20 cells, 5 of them targets, 6 cells with
 * the level, 4 of those targets. P(X >= 4) = (C(5,4) C(15,2) + C(5,5)
 * C(15,1)) / C(20,6) = (5 x 105 + 15) / 38760 = 540 / 38760; and every
 * other tail of that table, summed from the binomial coefficients. */
static void test_hand_table(void **state)
{
    (void)state;
    assert_rel(exp(ct_hypergeometric_log_sf(3, 20, 5, 6)), 540.0 / 38760.0, 1e-13);
    for (int a = 0; a <= 5; a++) {
        double p = 0;
        for (int x = a; x <= 5; x++)
            p += choose(5, x) * choose(15, 6 - x);
        p /= choose(20, 6);
        assert_rel(exp(ct_hypergeometric_log_sf(a - 1, 20, 5, 6)), p, 1e-12);
    }
}

/* A month of cells: 3 million, 20 targets, a coil section of 13 cells
 * that are all targets. The only table with 13 or more is the one with 13:
 * P = C(20,13) / C(3e6,13) = prod_{i<13} (20 - i) / (3e6 - i), about
 * 1e-73; and 200 of 200 (log(200!) - sum log(3e6 - i) = 863.2 - 2981.6,
 * about 1e-919, far below the doubles) as a sum
 * of logs. Then tails where the linear-space function still works, upper
 * and lower side of the mode, against it (its own references are in
 * tests/quality/test_probability.c). */
static void test_large_tables(void **state)
{
    (void)state;
    const long N = 3000000;
    double lp = 0;
    for (int i = 0; i < 13; i++)
        lp += log((20.0 - i) / ((double)N - i));
    assert_rel(ct_hypergeometric_log_sf(12, N, 20, 13), lp, 1e-12);
    lp = 0;
    for (int i = 0; i < 200; i++)
        lp += log((200.0 - i) / ((double)N - i));
    assert_true(lp < -2100 && lp > -2130);
    assert_rel(ct_hypergeometric_log_sf(199, N, 200, 200), lp, 1e-12);
    const long ks[] = {900, 950, 999, 1000, 1001, 1050, 1100, 1200};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        assert_rel(exp(ct_hypergeometric_log_sf(ks[i], N, 3000, 1000000)),
                   ct_hypergeometric_sf(ks[i], N, 3000, 1000000), 1e-9);
}

/* ---- factories --------------------------------------------------------------------- */

/* The factory of tests/data/rootcause-flow.yaml (six days, hand figures
 * there) and the contamination: particles on metres [200, 260) of lane 1
 * of coil 3, the 15 cells cut from it (4 m each); 13 of them touch the
 * section [200, 250). */
#define FACTORY_FILE CT_SOURCE_DIR "/tests/data/rootcause-flow.yaml"
#define INJECT "inject: [{station: coater, unit: 3, lane: 1, from: 200 m, to: 260 m, defect: particle}]\n"

static char db_inject[128], db_clean[128];

static void traced_run(const char *yaml, const char *db)
{
    ct_factory *f = load_text(yaml, "rcflow.yaml");
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    ct_trace *t = open_trace(db, f, &opt);
    opt.observer = ct_trace_observer(t);
    ct_results_destroy(run_and_close(f, &opt, t, NULL));
    ct_factory_destroy(f);
}

static int setup(void **state)
{
    (void)state;
    if (make_dir("/tmp/ct_rootcause_XXXXXX") != 0)
        return -1;
    snprintf(db_inject, sizeof db_inject, "%s/inject.db", dir);
    snprintf(db_clean, sizeof db_clean, "%s/clean.db", dir);
    static char yaml[8192];
    FILE *f = fopen(FACTORY_FILE, "r");
    if (!f)
        return -1;
    size_t n = fread(yaml, 1, sizeof yaml - sizeof INJECT, f);
    fclose(f);
    yaml[n] = '\0';
    traced_run(yaml, db_clean);
    strcat(yaml, INJECT);
    traced_run(yaml, db_inject);
    return 0;
}

/* The one number sql returns. */
static double query_num(ct_trace_db *db, const char *sql)
{
    ct_trace_table *t = query_row(db, sql);
    double v = ct_trace_table_real(t, 0, 0);
    ct_trace_table_destroy(t);
    return v;
}

/* The defaults, with these targets. */
static ct_rootcause_options options(const char *cells)
{
    ct_rootcause_options o;
    ct_rootcause_options_init(&o);
    o.cells = cells;
    return o;
}

static ct_rootcause *rank_cells(ct_trace_db *db, const ct_rootcause_options *o)
{
    ct_error err;
    ct_error_clear(&err);
    ct_rootcause *r = NULL;
    if (ct_rootcause_run(db, o, &r, &err) != CT_OK)
        fail_msg("rootcause: %s", err.msg);
    return r;
}

/* Cells that reached the aging station (index 7): a passage there or
 * scrapped there. */
#define REACHED_AGE                                                                                 \
    "(c.scrap_station_idx = 7 OR EXISTS (SELECT 1 FROM ct_passages(c.history, c.run_id) p WHERE "   \
    "p.station = 'age'))"

static void test_injected_coil_ranks_first(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_inject);
    ct_rootcause_options o = options("outliers");
    ct_rootcause *r = rank_cells(db, &o);
    const ct_rootcause_summary *s = ct_rootcause_summary_get(r);
    const ct_rootcause_row *top = ct_rootcause_row_at(r, 0);
    assert_non_null(top);
    printf("  %llu targets among %llu cells, %llu levels; first: %s %s %llu/%llu p %.3g adj %.3g\n",
           (unsigned long long)s->targets, (unsigned long long)s->cells,
           (unsigned long long)s->levels_tested, ct_rootcause_factor_name(top->factor), top->level,
           (unsigned long long)top->targets_with, (unsigned long long)top->cells_with, top->p_value,
           top->p_adjusted);
    assert_int_equal(top->factor, CT_RC_SECTION);
    assert_string_equal(top->level, "coater:3/1 200-250 m");
    assert_true(top->p_value < 1e-6 && top->p_adjusted < 1e-6);

    /* the population and the targets, counted by SQL */
    double n = query_num(db, "SELECT count(*) FROM cell c WHERE " REACHED_AGE);
    double k = query_num(db, "SELECT count(*) FROM cell WHERE scrap_cause = 'self-discharge outlier'");
    assert_true(s->cells == (uint64_t)n && s->targets == (uint64_t)k);
    /* the 15 injected cells are all found (P(short) = 0.99995 each) */
    assert_true(query_num(db, "SELECT count(*) FROM cell WHERE defects & 4 AND scrap_cause = "
                              "'self-discharge outlier'") == 15);
    /* the top row's table: cells with a piece of lane 1 of coil 3 in
     * [200, 250) m, and the outliers among them */
    double with = query_num(db, "SELECT count(DISTINCT c.serial) FROM cell c, ct_pieces(c.history, "
                                "c.run_id) p WHERE p.maker = 'coater' AND p.coil_number = 3 AND "
                                "p.lane = 1 AND p.from_m < 250 AND p.to_m > 200 AND " REACHED_AGE);
    double twith = query_num(db, "SELECT count(DISTINCT c.serial) FROM cell c, ct_pieces(c.history, "
                                 "c.run_id) p WHERE p.maker = 'coater' AND p.coil_number = 3 AND "
                                 "p.lane = 1 AND p.from_m < 250 AND p.to_m > 200 AND c.scrap_cause = "
                                 "'self-discharge outlier'");
    assert_true(with == 13 && top->cells_with == 13 && top->targets_with == (uint64_t)twith);
    assert_true(twith == 13);
    /* Fisher: 13 of 13 => P = C(K,13) / C(N,13) */
    double lp = 0;
    for (int i = 0; i < 13; i++)
        lp += log((k - i) / (n - i));
    assert_rel(top->log_p, lp, 1e-10);
    assert_rel(top->lift, (13.0 / k) / (13.0 / n), 1e-12);
    /* The whole coil: about 1000 cells of 3400, 15 of about 16 targets
     * where 16 x 1000 / 3400 = 4.7 are expected; binomially
     * 16 x 0.29^15 x 0.71 + 0.29^16 = 1e-7. */
    bool coil = false;
    for (size_t i = 0; i < ct_rootcause_rows(r); i++) {
        const ct_rootcause_row *row = ct_rootcause_row_at(r, i);
        if (row->factor == CT_RC_COIL && strcmp(row->level, "coater:3") == 0) {
            coil = true;
            assert_true(row->p_value < 1e-5);
        }
    }
    assert_true(coil);
    assert_non_null(strstr(s->not_tested, "ambient temperature"));
    ct_rootcause_destroy(r);
    ct_trace_db_close(db);
}

/* No level stands out where nothing was injected. */
static void assert_nothing_significant(ct_rootcause *r, const char *what)
{
    const ct_rootcause_summary *s = ct_rootcause_summary_get(r);
    const ct_rootcause_row *top = ct_rootcause_row_at(r, 0);
    assert_non_null(top);
    printf("  %s: %llu targets among %llu cells, %llu levels; best %s %s p %.3g adj %.3g\n", what,
           (unsigned long long)s->targets, (unsigned long long)s->cells,
           (unsigned long long)s->levels_tested, ct_rootcause_factor_name(top->factor), top->level,
           top->p_value, top->p_adjusted);
    for (size_t i = 0; i < ct_rootcause_rows(r); i++)
        assert_true(ct_rootcause_row_at(r, i)->p_adjusted >= 0.01);
}

static void test_clean_factory(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_clean);
    ct_rootcause_options o = options("outliers");
    o.top = 0;
    ct_rootcause *r = rank_cells(db, &o);
    assert_true(ct_rootcause_summary_get(r)->targets > 0);
    assert_nothing_significant(r, "outliers, no injection");
    ct_rootcause_destroy(r);
    ct_trace_db_close(db);
}

/* Targets scrapped at two stations (the check's 1 % "scrap rate" right
 * after stacking, and the aging screen): the population is the cohort of
 * cells made up to the last one that reached aging (the later station),
 * and within it every cell, in any state. On the clean factory nothing
 * stands out (the scrap rate strikes at random). */
static void test_cohort(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_inject);
    ct_rootcause_options o = options("scrapped");
    ct_rootcause *r = rank_cells(db, &o);
    const ct_rootcause_summary *s = ct_rootcause_summary_get(r);
    double cohort = query_num(db, "SELECT max(c.serial) FROM cell c WHERE " REACHED_AGE);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM cell WHERE serial <= %.0f", cohort);
    double n = query_num(db, sql);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM cell WHERE serial <= %.0f AND state = 'scrapped'",
             cohort);
    double k = query_num(db, sql);
    printf("  %s: %llu targets among %llu cells\n", s->population_what, (unsigned long long)s->targets,
           (unsigned long long)s->cells);
    assert_true(strncmp(s->population_what, "cells made up to ", 17) == 0);
    assert_true(s->cells == (uint64_t)n && s->targets == (uint64_t)k);
    assert_true(query_num(db, "SELECT count(DISTINCT scrap_station_idx) FROM cell") == 2);
    assert_string_equal(ct_rootcause_row_at(r, 0)->level, "coater:3/1 200-250 m");
    assert_true(ct_rootcause_row_at(r, 0)->p_adjusted < 1e-6);
    ct_rootcause_destroy(r);
    ct_trace_db_close(db);

    db = open_db(db_clean);
    o.top = 0;
    r = rank_cells(db, &o);
    assert_nothing_significant(r, "scrapped, no injection");
    ct_rootcause_destroy(r);
    ct_trace_db_close(db);
}

/* 300 serials drawn with a fixed linear congruential generator among the
 * run's cells: a selection unrelated to any factor. Targets that are not
 * scrapped make the population every cell of the run. */
static void test_random_list(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_inject);
    long long cells = (long long)query_num(db, "SELECT count(*) FROM cell");
    static char buf[300][16];
    const char *list[300];
    uint64_t x = 12345;
    for (int i = 0; i < 300; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        snprintf(buf[i], sizeof buf[i], "%lld", (long long)((x >> 33) % (uint64_t)cells) + 1);
        list[i] = buf[i];
    }
    ct_rootcause_options o = options(NULL);
    o.serials = list;
    o.n_serials = 300;
    o.top = 0;
    ct_rootcause *r = rank_cells(db, &o);
    const ct_rootcause_summary *s = ct_rootcause_summary_get(r);
    assert_true(s->cells == (uint64_t)cells && s->run_cells == (uint64_t)cells);
    assert_true(s->targets > 280 && s->targets <= 300);   /* a few drawn twice */
    assert_nothing_significant(r, "random list");
    ct_rootcause_destroy(r);
    ct_trace_db_close(db);
}

static int by_p(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Every level tested (top 0): Bonferroni is min(1, p m); Benjamini-
 * Hochberg q_(i) = min over j >= i of p_(j) m / j, recomputed here. Rows
 * come ordered by adjusted p. */
static void test_adjustments(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_inject);
    ct_rootcause_options o = options("outliers");
    o.top = 0;
    o.adjust = CT_RC_ADJUST_BONFERRONI;
    ct_rootcause *r = rank_cells(db, &o);
    size_t m = ct_rootcause_rows(r);
    assert_int_equal(m, ct_rootcause_summary_get(r)->levels_tested);
    for (size_t i = 0; i < m; i++) {
        const ct_rootcause_row *row = ct_rootcause_row_at(r, i);
        double want = fmin(0.0, row->log_p + log((double)m));
        assert_true(fabs(row->log_p_adjusted - want) <= 1e-9 * fmax(1.0, fabs(want)));
        if (i)
            assert_true(row->log_p_adjusted >= ct_rootcause_row_at(r, i - 1)->log_p_adjusted);
    }
    ct_rootcause_destroy(r);

    o.adjust = CT_RC_ADJUST_BH;
    r = rank_cells(db, &o);
    m = ct_rootcause_rows(r);
    double *lp = malloc(m * sizeof *lp), *q = malloc(m * sizeof *q);
    assert_non_null(lp);
    assert_non_null(q);
    for (size_t i = 0; i < m; i++)
        lp[i] = ct_rootcause_row_at(r, i)->log_p;
    qsort(lp, m, sizeof *lp, by_p);
    double run = 0;
    for (size_t i = m; i-- > 0;) {
        run = fmin(run, lp[i] + log((double)m / (double)(i + 1)));
        q[i] = run;
    }
    /* each row's adjusted p is q at the last position of its p in the
     * sorted list (equal p-values share the smallest q) */
    for (size_t i = 0; i < m; i++) {
        const ct_rootcause_row *row = ct_rootcause_row_at(r, i);
        size_t j = 0;
        while (j + 1 < m && lp[j + 1] <= row->log_p)
            j++;
        assert_true(fabs(row->log_p_adjusted - q[j]) <= 1e-9 * fmax(1.0, fabs(q[j])));
        if (i)
            assert_true(row->log_p_adjusted >= ct_rootcause_row_at(r, i - 1)->log_p_adjusted);
    }
    free(lp);
    free(q);
    ct_rootcause_destroy(r);
    ct_trace_db_close(db);
}

/* The cells of a level are the cells `recall` returns for its unit or
 * equipment (the same links, read the other way): every coil, section,
 * batch, lot and server of the run, against the whole run's cells. */
static void test_levels_match_recalls(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_inject);
    ct_rootcause_options o = options("outliers");
    o.population = CT_RC_POP_ALL;
    o.top = 0;
    ct_rootcause *r = rank_cells(db, &o);
    size_t checked[CT_RC_FACTOR_COUNT] = {0};
    for (size_t i = 0; i < ct_rootcause_rows(r); i++) {
        const ct_rootcause_row *row = ct_rootcause_row_at(r, i);
        ct_error err;
        ct_error_clear(&err);
        ct_trace_table *t = NULL;
        ct_status st;
        char unit[64];
        int lane, server;
        double a, b;
        switch (row->factor) {
        case CT_RC_COIL: st = ct_trace_recall_coil(db, NULL, row->level, -1, NAN, NAN, &t, &err); break;
        case CT_RC_BATCH: st = ct_trace_recall_batch(db, NULL, row->level, &t, &err); break;
        case CT_RC_LOT: st = ct_trace_recall_lot(db, NULL, row->level, &t, &err); break;
        case CT_RC_SECTION:
            assert_int_equal(sscanf(row->level, "%63[^/]/%d %lf-%lf m", unit, &lane, &a, &b), 4);
            st = ct_trace_recall_coil(db, NULL, unit, lane, a, b, &t, &err);
            break;
        case CT_RC_EQUIPMENT:
            assert_int_equal(sscanf(row->level, "%63s server %d", unit, &server), 2);
            st = ct_trace_recall_station(db, NULL, unit, server, 0, 1e9, &t, &err);
            break;
        default: continue;
        }
        if (st != CT_OK)
            fail_msg("recall %s: %s", row->level, err.msg);
        if (ct_trace_table_rows(t) != row->cells_with)
            fail_msg("%s %s: %llu cells, recall %zu", ct_rootcause_factor_name(row->factor), row->level,
                     (unsigned long long)row->cells_with, ct_trace_table_rows(t));
        checked[row->factor]++;
        ct_trace_table_destroy(t);
    }
    printf("  checked %zu coils, %zu sections, %zu batches, %zu lots, %zu servers\n",
           checked[CT_RC_COIL], checked[CT_RC_SECTION], checked[CT_RC_BATCH], checked[CT_RC_LOT],
           checked[CT_RC_EQUIPMENT]);
    assert_true(checked[CT_RC_COIL] >= 8 && checked[CT_RC_SECTION] >= 300 && checked[CT_RC_BATCH] >= 8 &&
                checked[CT_RC_LOT] >= 2 && checked[CT_RC_EQUIPMENT] >= 20);
    ct_rootcause_destroy(r);
    ct_trace_db_close(db);
}

static void expect_error(ct_trace_db *db, ct_rootcause_options *o, ct_status want, const char *text)
{
    ct_error err;
    ct_error_clear(&err);
    ct_rootcause *r = NULL;
    ct_status st = ct_rootcause_run(db, o, &r, &err);
    if (st != want || !strstr(err.msg, text))
        fail_msg("got %s \"%s\", want %s with \"%s\"", ct_status_str(st), err.msg, ct_status_str(want),
                 text);
    assert_null(r);
}

static void test_errors(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_inject);
    ct_rootcause_options o = options("outlier");
    expect_error(db, &o, CT_ERR_INVALID, "expected outliers, scrapped, cause=NAME");
    o.cells = "cause=no such cause";
    expect_error(db, &o, CT_ERR_NOTFOUND, "scrap causes in the run: \"");
    o.cells = NULL;
    const char *unknown[] = {"1", "99999999"};
    o.serials = unknown;
    o.n_serials = 2;
    expect_error(db, &o, CT_ERR_NOTFOUND, "-99999999 in run");
    const char *bad[] = {"12x"};
    o.serials = bad;
    o.n_serials = 1;
    expect_error(db, &o, CT_ERR_INVALID, "expected RUNCODE-NUMBER");
    const char *foreign[] = {"ZZZZZZ-12"};
    o.serials = foreign;
    expect_error(db, &o, CT_ERR_NOTFOUND, "no run ZZZZZZ");
    o.n_serials = 0;
    expect_error(db, &o, CT_ERR_INVALID, "expected outliers, scrapped, cause=NAME");
    o.cells = "outliers";
    o.metre_bin_m = 0;
    expect_error(db, &o, CT_ERR_INVALID, "metre bin");
    ct_trace_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tea_tasting),
        cmocka_unit_test(test_hand_table),
        cmocka_unit_test(test_large_tables),
        cmocka_unit_test(test_injected_coil_ranks_first),
        cmocka_unit_test(test_clean_factory),
        cmocka_unit_test(test_cohort),
        cmocka_unit_test(test_random_list),
        cmocka_unit_test(test_adjustments),
        cmocka_unit_test(test_levels_match_recalls),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
