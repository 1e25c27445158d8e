/*
 * test_trace.c - the trace database through the library API: a run of a
 * small cell factory (lots -> slurry batches -> coils -> slit lanes ->
 * cells, with scrap, a sampled gate, a batch station and an injected
 * coating defect) written with ct_trace_open, then read back.
 *
 * What must hold: every cell the line reported is in the database, with
 * the state it reported (checked against an observer that watches the
 * same run); forward and backward queries agree (a recall of a coil,
 * batch or lot returns exactly the cells whose genealogy names it); the
 * injected defect reaches exactly the three cells of test_cellflow.c; the
 * station index gives what a scan of every cell's history gives; errors
 * (unknown serial, missing file, another schema version, writes through
 * query) are reported with their status; several replications on several
 * threads and appended runs get distinct run codes; a write error (file
 * size limit) fails the trace cleanly.
 */
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "trace_harness.h"

#include <sqlite3.h>

/* The flow of tests/model/test_cellflow.c with a scrap rate, a batch
 * station (aging racks), a sampled gate after it and materials used whole
 * (foil, separator, electrolyte). A lane carries 0.24 kg of active
 * material per metre; a cell takes 10 m. */
static const char factory_path[] = CT_SOURCE_DIR "/tests/data/traceflow.yaml";

static char yaml_path[512], db_path[128];

/* What the run told an observer, independently of the trace. */
typedef struct tally {
    const ct_observer *trace;
    unsigned long long shipped, scrapped, in_process, max_serial;
} tally;

static void tee_cell(void *ctx, int rep, const ct_cell_info *c)
{
    tally *t = ctx;
    if (c->in_process)
        t->in_process++;
    else if (c->scrapped)
        t->scrapped++;
    else
        t->shipped++;
    if (c->serial > t->max_serial)
        t->max_serial = c->serial;
    t->trace->cell_done(t->trace->ctx, rep, c);
}

static void tee_material(void *ctx, int rep, const ct_material_info *m)
{
    tally *t = ctx;
    t->trace->material_done(t->trace->ctx, rep, m);
}

static void tee_passage(void *ctx, int rep, const ct_passage *p)
{
    tally *t = ctx;
    t->trace->passage(t->trace->ctx, rep, p);
}

static void tee_measurement(void *ctx, int rep, const ct_measurement *m)
{
    tally *t = ctx;
    t->trace->measurement(t->trace->ctx, rep, m);
}

static void tee_done(void *ctx, int rep, double end_s)
{
    tally *t = ctx;
    t->trace->run_done(t->trace->ctx, rep, end_s);
}

static tally run_tally;
static ct_kpis run_kpis;
static char run_code[16];

/* Runs the factory for horizon with the trace (and the tally) watching. */
static void traced_run(const char *db, double horizon, int reps, int threads, tally *out, ct_kpis *k,
                       char *code)
{
    ct_error err;
    ct_error_clear(&err);
    ct_factory *f = NULL;
    if (ct_factory_load(yaml_path, &f, &err) != CT_OK)
        fail_msg("load: %s", err.msg);
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    opt.horizon_s = horizon;
    opt.warmup_s = 0;
    opt.replications = reps;
    opt.threads = threads;
    ct_trace *t = open_trace(db, f, &opt);
    tally tl = {ct_trace_observer(t), 0, 0, 0, 0};
    ct_observer tee = {&tl, tee_cell, tee_material, tee_passage, tee_measurement, tee_done};
    /* several replications call the tally from several threads: only the
     * single-replication runs read it */
    opt.observer = reps == 1 ? &tee : ct_trace_observer(t);
    ct_results *res = run_and_close(f, &opt, t, code);
    if (out)
        *out = tl;
    if (k) {
        *k = *ct_results_mean(res);
        k->stations = NULL;
        k->causes = NULL;
    }
    ct_results_destroy(res);
    ct_factory_destroy(f);
}

static int setup(void **state)
{
    (void)state;
    if (make_dir("/tmp/ct_trace_XXXXXX") != 0)
        return -1;
    snprintf(yaml_path, sizeof yaml_path, "%s", factory_path);
    snprintf(db_path, sizeof db_path, "%s/trace.db", dir);
    /* one day: about 9000 cells, some shipped, some scrapped, many in aging */
    traced_run(db_path, 86400, 1, 1, &run_tally, &run_kpis, run_code);
    return 0;
}

static char text_buf[256];

/* The text of the one value sql returns (static storage). */
static const char *query_text(ct_trace_db *db, const char *sql)
{
    ct_trace_table *t = query_row(db, sql);
    const char *v = ct_trace_table_text(t, 0, 0);
    snprintf(text_buf, sizeof text_buf, "%s", v ? v : "(null)");
    ct_trace_table_destroy(t);
    return text_buf;
}

static long long query_int(ct_trace_db *db, const char *sql)
{
    ct_trace_table *t = query_row(db, sql);
    long long v = ct_trace_table_int(t, 0, 0);
    ct_trace_table_destroy(t);
    return v;
}

/* Every cell the line reported is stored, with the state it reported; the
 * good and scrapped ones are the run's completed and scrapped counts (in
 * this factory only cells leave the line or are scrapped), the rest were
 * in process; serials run from 1 without a gap. */
static void test_every_cell_stored(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_path);
    long long cells = query_int(db, "SELECT count(*) FROM cell");
    long long shipped = query_int(db, "SELECT count(*) FROM cell WHERE state = 'shipped'");
    long long scrapped = query_int(db, "SELECT count(*) FROM cell WHERE state = 'scrapped'");
    long long wip = query_int(db, "SELECT count(*) FROM cell WHERE state = 'in_process'");
    printf("  %lld cells: %lld shipped, %lld scrapped, %lld in process (run: %.0f completed, %.0f "
           "scrapped)\n",
           cells, shipped, scrapped, wip, run_kpis.completed, run_kpis.scrapped);
    assert_true(shipped > 1000 && scrapped > 100 && wip > 100);
    assert_int_equal(shipped, (long long)run_kpis.completed);
    assert_int_equal(scrapped, (long long)run_kpis.scrapped);
    assert_int_equal(cells, (long long)(run_kpis.completed + run_kpis.scrapped) + wip);
    assert_int_equal(shipped, (long long)run_tally.shipped);
    assert_int_equal(scrapped, (long long)run_tally.scrapped);
    assert_int_equal(wip, (long long)run_tally.in_process);
    assert_int_equal(cells, (long long)run_tally.max_serial);
    assert_int_equal(query_int(db, "SELECT max(serial) FROM cell"), cells);
    /* the run row carries the same counts and is complete */
    assert_int_equal(query_int(db, "SELECT count(*) FROM run WHERE status = 'complete' AND "
                                   "cells_shipped + cells_scrapped + cells_in_process = "
                                   "(SELECT count(*) FROM cell)"),
                     1);
    /* scrap causes are stored with their station */
    assert_int_equal(query_int(db, "SELECT count(*) FROM cell c JOIN station s ON s.station_idx = "
                                   "c.scrap_station_idx WHERE c.state = 'scrapped' AND s.name IN "
                                   "('test', 'grading') AND c.scrap_cause IS NOT NULL"),
                     scrapped);
    assert_string_equal(query_text(db, "PRAGMA integrity_check"), "ok");
    ct_trace_db_close(db);
}

/* Column of a genealogy table by name. */
static size_t col(const ct_trace_table *t, const char *name)
{
    int c = ct_trace_table_col(t, name);
    assert_true(c >= 0);
    return (size_t)c;
}

/* A set of serials (sorted array). */
typedef struct serials {
    long long *v;
    size_t n, cap;
} serials;

static void add(serials *s, long long x)
{
    if (s->n && s->v[s->n - 1] == x)
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n++] = x;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static void normalise(serials *s)
{
    qsort(s->v, s->n, sizeof *s->v, cmp_ll);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (k == 0 || s->v[k - 1] != s->v[i])
            s->v[k++] = s->v[i];
    s->n = k;
}

/* The serial number of "CODE-0001234". */
static long long serial_number(const char *text)
{
    const char *dash = strrchr(text, '-');
    assert_non_null(dash);
    return atoll(dash + 1);
}

/* Genealogy ids named by every cell, unit by unit: id -> serials. */
typedef struct named {
    char id[64];
    serials cells;
} named;

typedef struct index {
    named *v;
    size_t n, cap;
} index;

static named *entry(index *x, const char *id)
{
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->v[i].id, id) == 0)
            return &x->v[i];
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 64;
        x->v = realloc(x->v, x->cap * sizeof *x->v);
        assert_non_null(x->v);
    }
    named *e = &x->v[x->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "%s", id);
    return e;
}

static bool same(const serials *a, const serials *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i] != b->v[i])
            return false;
    return true;
}

/* Backward (each cell's genealogy) and forward (recalls) agree for every
 * coil, batch and lot of the run: the cells a recall returns are exactly
 * the cells whose genealogy names the unit. */
static void test_forward_backward_agree(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_path);
    long long cells = query_int(db, "SELECT count(*) FROM cell");
    index coils = {0}, batches = {0}, lots = {0};
    ct_error err;
    for (long long s = 1; s <= cells; s++) {
        char serial[64];
        snprintf(serial, sizeof serial, "%s-%07lld", run_code, s);
        ct_trace_report *r = NULL;
        ct_error_clear(&err);
        if (ct_trace_cell(db, serial, &r, &err) != CT_OK)
            fail_msg("%s: %s", serial, err.msg);
        const ct_trace_table *g = NULL;
        for (size_t i = 0; i < ct_trace_report_sections(r); i++)
            if (strcmp(ct_trace_report_section(r, i), "genealogy") == 0)
                g = ct_trace_report_table(r, i);
        assert_non_null(g);
        size_t ck = col(g, "kind"), ci = col(g, "id");
        for (size_t row = 0; row < ct_trace_table_rows(g); row++) {
            const char *kind = ct_trace_table_text(g, row, ck);
            char id[64];
            snprintf(id, sizeof id, "%s", ct_trace_table_text(g, row, ci));
            if (strcmp(kind, "coil") == 0) {
                char *slash = strchr(id, '/');
                if (slash)
                    *slash = '\0';  /* the coil, whatever the lane */
                add(&entry(&coils, id)->cells, s);
            } else if (strcmp(kind, "batch") == 0) {
                add(&entry(&batches, id)->cells, s);
            } else if (strcmp(kind, "lot") == 0) {
                add(&entry(&lots, id)->cells, s);
            }
        }
        ct_trace_report_destroy(r);
    }
    assert_true(coils.n > 10 && batches.n > 10 && lots.n >= 2);
    index *kinds[3] = {&coils, &batches, &lots};
    size_t checked = 0;
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < kinds[k]->n; i++) {
            named *e = &kinds[k]->v[i];
            normalise(&e->cells);
            ct_trace_table *t = NULL;
            ct_error_clear(&err);
            ct_status st = k == 0   ? ct_trace_recall_coil(db, NULL, e->id, -1, NAN, NAN, &t, &err)
                           : k == 1 ? ct_trace_recall_batch(db, NULL, e->id, &t, &err)
                                    : ct_trace_recall_lot(db, run_code, e->id, &t, &err);
            if (st != CT_OK)
                fail_msg("recall %s: %s", e->id, err.msg);
            serials got = {0};
            size_t cs = col(t, "serial");
            for (size_t row = 0; row < ct_trace_table_rows(t); row++)
                add(&got, serial_number(ct_trace_table_text(t, row, cs)));
            normalise(&got);
            if (!same(&got, &e->cells))
                fail_msg("%s: recall returns %zu cells, genealogies name it in %zu", e->id, got.n,
                         e->cells.n);
            checked += got.n;
            free(got.v);
            ct_trace_table_destroy(t);
            free(e->cells.v);
        }
        free(kinds[k]->v);
    }
    printf("  %lld genealogies; %zu coils, %zu batches, %zu lots recalled (%zu cell links)\n", cells,
           coils.n, batches.n, lots.n, checked);
    ct_trace_db_close(db);
}

/* The defect injected at metres [1234, 1256) of lane 1 of coil 3 reaches
 * the cells of [1230, 1240), [1240, 1250) and [1250, 1260) (closed form in
 * test_cellflow.c): a recall of those metres returns exactly the three
 * cells whose defect bits say coating, and their genealogy shows it. */
static void test_defect_recall(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_path);
    ct_error err;
    ct_error_clear(&err);
    ct_trace_table *t = NULL;
    assert_int_equal(ct_trace_recall_coil(db, NULL, "coater:3", 1, 1234, 1256, &t, &err), CT_OK);
    assert_int_equal(ct_trace_table_rows(t), 3);
    assert_int_equal(query_int(db, "SELECT count(*) FROM cell WHERE defects & 1"), 3);
    size_t cs = col(t, "serial");
    for (size_t r = 0; r < 3; r++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT defects & 1 FROM cell WHERE serial = %lld",
                 serial_number(ct_trace_table_text(t, r, cs)));
        assert_int_equal(query_int(db, sql), 1);
        ct_trace_report *rep = NULL;
        assert_int_equal(ct_trace_cell(db, ct_trace_table_text(t, r, cs), &rep, &err), CT_OK);
        const ct_trace_table *g = ct_trace_report_table(rep, 1);
        assert_string_equal(ct_trace_report_section(rep, 1), "genealogy");
        assert_string_equal(ct_trace_table_text(g, 1, col(g, "id")), "coater:3/1");
        const char *detail = ct_trace_table_text(g, 1, col(g, "detail"));
        assert_non_null(detail);
        assert_non_null(strstr(detail, "coating 1234-1256 m"));
        ct_trace_report_destroy(rep);
    }
    ct_trace_table_destroy(t);
    /* the same metres of lane 0 hold no defect, and the lane filter works */
    assert_int_equal(ct_trace_recall_coil(db, NULL, "3", 0, 1234, 1256, &t, &err), CT_OK);
    assert_int_equal(ct_trace_table_rows(t), 3);
    ct_trace_table_destroy(t);
    /* the whole coil: 2 lanes x 2000 m / 10 m */
    assert_int_equal(ct_trace_recall_coil(db, NULL, "coater:3", -1, NAN, NAN, &t, &err), CT_OK);
    assert_int_equal(ct_trace_table_rows(t), 400);
    ct_trace_table_destroy(t);
    ct_trace_db_close(db);
}

/* The station index answers like a scan of every cell's passages. */
static void test_station_recall(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_path);
    struct {
        const char *station;
        int server;
        double from, to;
    } cases[] = {{"test", -1, 20 * 3600.0, 21 * 3600.0},  {"aging", -1, 10 * 3600.0, 10.5 * 3600.0},
                 {"aging", 1, 5 * 3600.0, 15 * 3600.0},   {"grading", -1, 0, 86400},
                 {"stacker", 0, 3600.0 * 6, 3600 * 6.1},  {"aging", -1, 86400, 86400},
                 {"aging", -1, 3 * 3600.0, 3 * 3600.0},   {"test", 3, 0, 86400}};
    int nonzero = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_error err;
        ct_error_clear(&err);
        ct_trace_table *t = NULL;
        assert_int_equal(ct_trace_recall_station(db, NULL, cases[i].station, cases[i].server,
                                                 cases[i].from, cases[i].to, &t, &err),
                         CT_OK);
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT count(DISTINCT c.serial) FROM cell c, ct_passages(c.history, c.run_id) p "
                 "WHERE p.station = '%s' AND (%d < 0 OR p.server = %d) AND p.start_s <= %.17g AND "
                 "p.end_s >= %.17g",
                 cases[i].station, cases[i].server, cases[i].server, cases[i].to, cases[i].from);
        long long scan = query_int(db, sql);
        printf("  %s server %d [%g, %g] h: %zu cells (scan %lld)\n", cases[i].station, cases[i].server,
               cases[i].from / 3600, cases[i].to / 3600, ct_trace_table_rows(t), scan);
        assert_int_equal((long long)ct_trace_table_rows(t), scan);
        nonzero += scan > 0;
        ct_trace_table_destroy(t);
    }
    assert_true(nonzero >= 5);
    /* coater: the cells of the coils it made then */
    ct_error err;
    ct_trace_table *t = NULL;
    /* coil 1 is coated from 1 h (after its batch) to 1 h + 2000 s */
    assert_int_equal(ct_trace_recall_station(db, NULL, "coater", -1, 3600, 4000, &t, &err), CT_OK);
    assert_int_equal(ct_trace_table_rows(t), 400);  /* coil 1: two lanes of 200 cells */
    ct_trace_table_destroy(t);
    ct_trace_db_close(db);
}

/* What the other groups hold: the factory's stations, its settings sorted
 * into process parameters and equipment features, passages and
 * measurements of the cells, batches and coils with their inputs. */
static void test_groups(void **state)
{
    (void)state;
    ct_trace_db *db = open_db(db_path);
    assert_int_equal(query_int(db, "SELECT count(*) FROM station"), 7);
    assert_int_equal(query_int(db, "SELECT count(*) FROM equipment_feature WHERE station = 'aging' "
                                   "AND name = 'servers' AND value = '4'"),
                     1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM process_parameter WHERE station = 'test' AND "
                                   "name = 'scrap' AND value = '0.05'"),
                     1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM factory WHERE text LIKE '%name: traceflow%'"), 1);
    /* a passage for each station a shipped cell passed: stacker, test, aging, grading */
    assert_int_equal(query_int(db, "SELECT count(*) FROM cell c, ct_passages(c.history) p WHERE "
                                   "c.serial = 1"),
                     4);
    /* measurements: about a fifth of the graded cells, each with its decision */
    long long meas = query_int(db, "SELECT count(*) FROM cell c, ct_measurements(c.history, c.run_id) m "
                                   "WHERE m.gate = 'check'");
    long long graded = query_int(db, "SELECT count(*) FROM cell WHERE state != 'in_process'");
    assert_true(meas > graded / 10 && meas < graded / 3);
    assert_int_equal(query_int(db, "SELECT count(*) FROM cell c, ct_measurements(c.history, c.run_id) m "
                                   "WHERE m.decision = 'scrap' AND c.state != 'scrapped'"),
                     0);
    /* batches took 960 kg of am and 40 kg of binder from the lots */
    assert_int_equal(query_int(db, "SELECT count(*) FROM unit u WHERE kind = 'batch' AND (SELECT "
                                   "round(sum(to_q - from_q)) FROM unit_input i WHERE i.unit_id = "
                                   "u.unit_id) != 1000"),
                     0);
    /* every lane of every coil has its coater and slitter passages */
    assert_true(query_int(db, "SELECT count(*) FROM unit_passage") > 0);
    assert_int_equal(query_int(db, "SELECT count(*) FROM defect_span WHERE defects = 1"), 2);
    /* lots used directly (`uses:`): every shipped cell holds 50 g of
     * separator and 100 g of electrolyte, from one lot or two; 20 kg lots
     * of separator at 50 g a stack make 400 stacks a lot, in stack order */
    assert_int_equal(query_int(db, "SELECT count(*) FROM cell c WHERE state = 'shipped' AND ("
                                   "(SELECT round(sum(to_m - from_m), 6) FROM ct_pieces(c.history, "
                                   "c.run_id) p WHERE p.maker = 'sep' AND p.polarity = 'lot') IS NOT 0.05 "
                                   "OR (SELECT round(sum(to_m - from_m), 6) FROM ct_pieces(c.history, "
                                   "c.run_id) p WHERE p.maker = 'electrolyte') IS NOT 0.1)"),
                     0);
    ct_trace_table *t = NULL;
    ct_error err;
    assert_int_equal(ct_trace_recall_lot(db, NULL, "sep:1", &t, &err), CT_OK);
    assert_int_equal(ct_trace_table_rows(t), 400);
    ct_trace_table_destroy(t);
    /* a coil takes 30 kg of foil: 100 kg lots, the fourth coil spans two
     * (each lane of a slit coil lists its coil's inputs) */
    assert_int_equal(query_int(db, "SELECT count(DISTINCT u.number) FROM unit_input i JOIN unit u "
                                   "USING(unit_id) WHERE in_kind = 'lot' AND in_idx = 2 AND in_number = 1"),
                     4);
    ct_trace_db_close(db);
}

static void expect_error(ct_status want, ct_status got, const ct_error *err, const char *needle)
{
    if (got != want || !strstr(err->msg, needle))
        fail_msg("expected status %d with \"%s\", got %d: %s", want, needle, got, err->msg);
}

static void test_errors(void **state)
{
    (void)state;
    ct_error err;
    ct_error_clear(&err);
    ct_trace_db *db = NULL;
    char path[160];
    snprintf(path, sizeof path, "%s/missing.db", dir);
    expect_error(CT_ERR_IO, ct_trace_db_open(path, &db, &err), &err, "missing.db");
    assert_null(db);

    /* another schema version */
    snprintf(path, sizeof path, "%s/v99.db", dir);
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "PRAGMA application_id = 1668568178; PRAGMA user_version = 99;" /* 0x63745472, "ctTr" */
                                     "CREATE TABLE run(x)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    expect_error(CT_ERR_VERSION, ct_trace_db_open(path, &db, &err), &err, "schema version 99");
    /* nor will the writer append to it */
    ct_factory *f = NULL;
    assert_int_equal(ct_factory_load(yaml_path, &f, &err), CT_OK);
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    ct_trace *t = NULL;
    expect_error(CT_ERR_VERSION, ct_trace_open(path, f, &opt, &t, &err), &err, "schema version 99");
    assert_null(t);

    /* an SQLite file that is not a trace, and a file that is not SQLite */
    snprintf(path, sizeof path, "%s/other.db", dir);
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "CREATE TABLE x(y)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    expect_error(CT_ERR_DB, ct_trace_db_open(path, &db, &err), &err, "not a celltwin trace");
    expect_error(CT_ERR_DB, ct_trace_open(path, f, &opt, &t, &err), &err, "not a celltwin trace");
    expect_error(CT_ERR_DB, ct_trace_db_open(yaml_path, &db, &err), &err, "not a celltwin trace");
    ct_factory_destroy(f);

    db = open_db(db_path);
    ct_trace_report *r = NULL;
    char serial[64];
    snprintf(serial, sizeof serial, "%s-9999999", run_code);
    expect_error(CT_ERR_NOTFOUND, ct_trace_cell(db, serial, &r, &err), &err, "no cell");
    expect_error(CT_ERR_NOTFOUND, ct_trace_cell(db, "ZZZZZZ-1", &r, &err), &err, "no run ZZZZZZ");
    expect_error(CT_ERR_INVALID, ct_trace_cell(db, "12x", &r, &err), &err, "RUNCODE-NUMBER");
    assert_null(r);
    /* case, leading zeros and the look-alike letters do not matter */
    char typed[64];
    snprintf(typed, sizeof typed, "%s-12", run_code);
    for (char *p = typed; *p != '-'; p++)
        *p = *p == '0' ? 'o' : *p == '1' ? 'l' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    assert_int_equal(ct_trace_cell(db, typed, &r, &err), CT_OK);
    assert_string_equal(ct_trace_table_text(ct_trace_report_table(r, 0), 0, 0),
                        (snprintf(serial, sizeof serial, "%s-0000012", run_code), serial));
    ct_trace_report_destroy(r);
    assert_int_equal(ct_trace_cell(db, "12", &r, &err), CT_OK);  /* one run: the number is enough */
    ct_trace_report_destroy(r);

    ct_trace_table *tb = NULL;
    expect_error(CT_ERR_NOTFOUND, ct_trace_recall_coil(db, NULL, "coater:999", -1, NAN, NAN, &tb, &err),
                 &err, "no coil");
    expect_error(CT_ERR_NOTFOUND, ct_trace_recall_batch(db, NULL, "nomixer:1", &tb, &err), &err,
                 "no station");
    expect_error(CT_ERR_INVALID, ct_trace_recall_lot(db, NULL, "am:x", &tb, &err), &err, "MATERIAL:LOT");
    expect_error(CT_ERR_NOTFOUND, ct_trace_recall_station(db, NULL, "oven", -1, 0, 1, &tb, &err), &err,
                 "no station \"oven\"");
    /* query is read-only */
    expect_error(CT_ERR_INVALID, ct_trace_query(db, "DELETE FROM cell", &tb, &err), &err, "read-only");
    expect_error(CT_ERR_INVALID, ct_trace_query(db, "CREATE TABLE x(y)", &tb, &err), &err, "read-only");
    expect_error(CT_ERR_INVALID, ct_trace_query(db, "SELECT 1; DELETE FROM cell", &tb, &err), &err,
                 "one SQL statement");
    snprintf(path, sizeof path, "ATTACH '%s/x.db' AS x", dir);
    ct_status st = ct_trace_query(db, path, &tb, &err);
    assert_int_not_equal(st, CT_OK);
    expect_error(CT_ERR_DB, ct_trace_query(db, "SELECT nosuchcolumn FROM cell", &tb, &err), &err,
                 "no such column");
    assert_null(tb);
    ct_trace_db_close(db);
    db = open_db(db_path); /* unchanged */
    assert_string_equal(query_text(db, "PRAGMA integrity_check"), "ok");
    ct_trace_db_close(db);
}

/* Several replications on several threads, and runs appended to one
 * database: each replication is a run with its own code; a bare serial is
 * then ambiguous. */
static void test_replications_and_append(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/reps.db", dir);
    traced_run(path, 6 * 3600, 3, 3, NULL, NULL, NULL);
    traced_run(path, 6 * 3600, 1, 1, NULL, NULL, NULL);
    ct_trace_db *db = open_db(path);
    assert_int_equal(query_int(db, "SELECT count(DISTINCT code) FROM run WHERE status = 'complete'"), 4);
    assert_int_equal(query_int(db, "SELECT count(*) FROM factory"), 1);
    /* each run holds its own cells, and the same serials as the others
     * (same seed, same streams per replication number) */
    assert_int_equal(query_int(db, "SELECT count(DISTINCT n) FROM (SELECT run_id, count(*) AS n FROM "
                                   "cell GROUP BY run_id)") >= 1,
                     1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM cell WHERE serial = 1"), 4);
    ct_error err;
    ct_trace_report *r = NULL;
    expect_error(CT_ERR_INVALID, ct_trace_cell(db, "1", &r, &err), &err, "ambiguous");
    ct_trace_table *t = NULL;
    assert_int_equal(ct_trace_runs(db, &t, &err), CT_OK);
    assert_int_equal(ct_trace_table_rows(t), 4);
    for (size_t i = 0; i < 4; i++) {
        char serial[64];
        snprintf(serial, sizeof serial, "%s-1", ct_trace_table_text(t, i, 0));
        assert_int_equal(ct_trace_cell(db, serial, &r, &err), CT_OK);
        ct_trace_report_destroy(r);
    }
    ct_trace_table_destroy(t);
    ct_trace_db_close(db);
}

/* A file-size limit makes a write fail part way: the trace says so
 * (failed, then the close status and message), the run is unharmed, and
 * the database keeps what was committed. */
/* A factory loaded from a string (no file to store): its settings and
 * every described process parameter are 'model' rows; the soaking
 * station's temperature is its documented default, 45 C (the review, 2.1:
 * HT soaking "in temperature chambers (approx. 45 C)"), its written time
 * 1 h = 3600 s in base units. */
static void test_string_factory_settings(void **state)
{
    (void)state;
    static const char text[] =
        "name: strung\n"
        "source: {interarrival: 1 h}\n"
        "stations:\n"
        "  - {name: soak, kind: soaking, process: {time: 1 h}, process_time: 0}\n";
    char path[160];
    snprintf(path, sizeof path, "%s/strung.db", dir);
    ct_factory *f = load_text(text, "strung (no such file)");
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    ct_error err;
    ct_error_clear(&err);
    ct_trace_counts n;
    assert_int_equal(ct_trace_close(open_trace(path, f, &opt), &n, &err), CT_OK);
    ct_factory_destroy(f);
    ct_trace_db *db = open_db(path);
    assert_int_equal(query_int(db, "SELECT count(*) FROM setting WHERE source != 'model'"), 0);
    assert_int_equal(query_int(db, "SELECT count(*) FROM process_parameter WHERE station = 'soak' "
                                   "AND name = 'process.temperature' AND value = '45 C'"),
                     1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM process_parameter WHERE station = 'soak' "
                                   "AND name = 'process.time' AND value = '3600 s'"),
                     1);
    ct_trace_db_close(db);
}

static void test_write_error(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/full.db", dir);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    /* the schema (some 28 pages of 64 kB) and the first batches fit, not all */
    lim.rlim_cur = 3000 * 1024;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    ct_error err;
    ct_error_clear(&err);
    ct_factory *f = NULL;
    assert_int_equal(ct_factory_load(yaml_path, &f, &err), CT_OK);
    ct_run_options opt;
    ct_run_options_init(&opt, f);
    opt.horizon_s = 2 * 86400;
    opt.warmup_s = 0;
    ct_trace *t = NULL;
    assert_int_equal(ct_trace_open(path, f, &opt, &t, &err), CT_OK);
    opt.observer = ct_trace_observer(t);
    ct_results *res = NULL;
    assert_int_equal(ct_run(f, &opt, NULL, NULL, &res, &err), CT_OK);
    ct_trace_counts n;
    ct_error_clear(&err);
    ct_status st = ct_trace_close(t, &n, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    printf("  close: %s\n", err.msg);
    assert_int_equal(st, CT_ERR_DB);
    assert_non_null(strstr(err.msg, "full.db: cannot write the trace"));
    assert_true(n.cells > 0);
    ct_results_destroy(res);
    ct_factory_destroy(f);

    ct_trace_db *db = open_db(path);
    assert_int_equal(query_int(db, "SELECT count(*) FROM cell"), (long long)n.cells);
    assert_int_equal(query_int(db, "SELECT count(*) FROM run WHERE status = 'failed'"), 1);
    ct_trace_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_cell_stored),
        cmocka_unit_test(test_forward_backward_agree),
        cmocka_unit_test(test_defect_recall),
        cmocka_unit_test(test_station_recall),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_replications_and_append),
        cmocka_unit_test(test_string_factory_settings),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
