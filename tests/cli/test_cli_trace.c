/*
 * test_cli_trace.c - `celltwin run --trace`, `celltwin trace`, `recall`
 * and `query` as a user runs them: the table, JSON and CSV outputs; the
 * cell counts against the run's own; a coil recall against the cells
 * whose genealogy names the coil; the errors (unknown serial, missing
 * database, another schema version, a statement that writes) with their
 * exit status; a run killed with SIGKILL leaving a database that passes
 * PRAGMA integrity_check and still answers; a run whose trace cannot grow
 * (file size limit) stopping with a message and exit status 1.
 */
#include <signal.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <time.h>

#include "cli_harness.h"

/* The flow of tests/model/test_cellflow.c (lots -> batches -> coils ->
 * lanes -> cells of 10 m) with scrap, aging racks and a sampled gate, and
 * a coating defect on coil 3, lane 1, metres [1234, 1256). */
static const char flow_path[] = CT_SOURCE_DIR "/tests/data/traceflow.yaml";

static char db[160], code[16];
static double run_completed, run_scrapped;

/* The run code from "celltwin run: trace DB: run CODE, ..." on stderr. */
static void read_code(void)
{
    const char *p = strstr(err_text, ": run ");
    if (!p)
        fail_msg("no run code on stderr: %s", err_text);
    snprintf(code, sizeof code, "%.6s", p + 6);
}

static int setup_trace(void **state)
{
    if (setup(state) != 0)
        return -1;
    snprintf(db, sizeof db, "%s/trace.db", dir);
    char args[512];
    snprintf(args, sizeof args, "run '%s' --horizon 1d --warmup 0 --json --trace '%s'",
             flow_path, db);
    if (run(args) != 0)
        return -1;
    json_t *o = parse_out();  /* stdout stays the run's JSON */
    run_completed = num(o, "completed");
    run_scrapped = num(o, "scrapped");
    json_decref(o);
    read_code();
    return 0;
}

/* The one value a query returns, as a number. */
static double query_num(const char *sql)
{
    char args[1024];
    snprintf(args, sizeof args, "query '%s' \"%s\" --json", db, sql);
    if (run(args) != 0)
        fail_msg("query %s: %s", sql, err_text);
    json_t *a = parse_out();
    assert_int_equal(json_array_size(a), 1);
    json_t *row = json_array_get(a, 0);
    const char *key;
    json_t *v;
    double x = NAN;
    json_object_foreach(row, key, v) x = json_number_value(v);
    json_decref(a);
    return x;
}

static void test_cell_counts(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "trace '%s' --runs --json", db);
    assert_int_equal(run(args), 0);
    json_t *runs = parse_out();
    assert_int_equal(json_array_size(runs), 1);
    json_t *r = json_array_get(runs, 0);
    assert_string_equal(json_string_value(json_object_get(r, "code")), code);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "complete");
    double wip = num(r, "cells_in_process");
    assert_true(num(r, "cells_shipped") == run_completed);
    assert_true(num(r, "cells_scrapped") == run_scrapped);
    json_decref(runs);
    double cells = query_num("SELECT count(*) FROM cell");
    printf("  %g cells = %g completed + %g scrapped + %g in process\n", cells, run_completed,
           run_scrapped, wip);
    assert_true(cells > 5000 && wip > 0);
    assert_true(cells == run_completed + run_scrapped + wip);
    assert_true(query_num("SELECT count(*) FROM cell WHERE state = 'shipped'") == run_completed);
}

static void test_trace_formats(void **state)
{
    (void)state;
    char args[512];
    /* table */
    snprintf(args, sizeof args, "trace '%s' %s-0001124", db, code);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "genealogy"));
    assert_non_null(strstr(out_text, "coil coater:3/1 cathode, 1230-1240 m"));
    assert_non_null(strstr(out_text, "defects: coating 1234-1256 m"));
    assert_non_null(strstr(out_text, "batch mixer:3"));
    assert_non_null(strstr(out_text, "lot am:1"));
    assert_non_null(strstr(out_text, "passages"));
    assert_non_null(strstr(out_text, "measurements"));
    /* JSON: the genealogy as a tree down to the lots */
    snprintf(args, sizeof args, "trace '%s' %s-1124 --json", db, code);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    json_t *cell = json_object_get(o, "cell");
    char want[32];
    snprintf(want, sizeof want, "%s-0001124", code);
    assert_string_equal(json_string_value(json_object_get(cell, "serial")), want);
    assert_string_equal(json_string_value(json_object_get(cell, "defect_names")), "coating");
    json_t *g = json_object_get(o, "genealogy");
    assert_string_equal(json_string_value(json_object_get(g, "kind")), "cell");
    json_t *coil = json_array_get(json_object_get(g, "inputs"), 0);
    assert_string_equal(json_string_value(json_object_get(coil, "id")), "coater:3/1");
    assert_true(num(coil, "from") == 1230 && num(coil, "to") == 1240);
    json_t *batch = json_array_get(json_object_get(coil, "inputs"), 0);
    assert_string_equal(json_string_value(json_object_get(batch, "kind")), "batch");
    json_t *lot = json_array_get(json_object_get(batch, "inputs"), 0);
    assert_string_equal(json_string_value(json_object_get(lot, "kind")), "lot");
    assert_int_equal(json_array_size(json_object_get(o, "passages")), 4);
    json_decref(o);
    /* CSV: every section after its "# name" line, or one plain table */
    snprintf(args, sizeof args, "trace '%s' %s-1124 --csv", db, code);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "# genealogy\nlevel,kind,id,"));
    snprintf(args, sizeof args, "trace '%s' %s-1124 --csv --section passages", db, code);
    assert_int_equal(run(args), 0);
    static const char head[] = "station,server,start_s,end_s\nstacker,0,";
    assert_true(strncmp(out_text, head, strlen(head)) == 0);
}

/* A coil recall returns the cells whose genealogy names the coil: all of
 * them (the count of cells with a piece of it, from their histories) and
 * only them (each returned cell's trace shows it). */
static void test_recall_coil_both_ways(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "recall '%s' --coil coater:3 --lane 1 --from-m 1234 --to-m 1256 --json",
             db);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    assert_true(num(o, "count") == 3);
    json_decref(o);

    snprintf(args, sizeof args, "recall '%s' --coil coater:5 --json", db);
    assert_int_equal(run(args), 0);
    o = parse_out();
    json_t *cells = json_object_get(o, "cells");
    size_t n = json_array_size(cells);
    assert_true(num(o, "count") == (double)n && n == 400);
    double named = query_num("SELECT count(DISTINCT c.serial) FROM cell c, ct_pieces(c.history, "
                             "c.run_id) p WHERE p.maker = 'coater' AND p.coil_number = 5");
    assert_true(named == (double)n);
    char serials[400][32];
    for (size_t i = 0; i < n; i++)
        snprintf(serials[i], sizeof serials[i], "%s",
                 json_string_value(json_object_get(json_array_get(cells, i), "serial")));
    json_decref(o);
    for (size_t i = 0; i < n; i++) {
        snprintf(args, sizeof args, "trace '%s' %s --csv --section genealogy", db, serials[i]);
        assert_int_equal(run(args), 0);
        if (!strstr(out_text, ",coil,coater:5/"))
            fail_msg("%s does not name coater:5: %s", serials[i], out_text);
    }
    /* the table, and CSV */
    snprintf(args, sizeof args, "recall '%s' --batch mixer:2", db);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "cells affected"));
    snprintf(args, sizeof args, "recall '%s' --lot am:1 --csv", db);
    assert_int_equal(run(args), 0);
    static const char head[] = "serial,state,grade,scrap_station,scrap_cause,created_s,finished_s,via\n";
    assert_true(strncmp(out_text, head, strlen(head)) == 0);
    snprintf(args, sizeof args, "recall '%s' --station aging --from 10h --to 10.5h --json", db);
    assert_int_equal(run(args), 0);
    o = parse_out();
    assert_true(num(o, "count") > 100);
    json_decref(o);
}

static void test_query(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args,
             "query '%s' \"SELECT name, value FROM process_parameter WHERE station = 'test'\" --csv", db);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out_text, "name,value\n"));
    assert_non_null(strstr(out_text, "scrap,0.05\n"));
    snprintf(args, sizeof args, "query '%s' \"DELETE FROM cell\"", db);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "read-only"));
    snprintf(args, sizeof args, "query '%s' \"UPDATE cell SET state = 'x'\" --json", db);
    assert_int_equal(run(args), 2);
    assert_string_equal(out_text, "");
    snprintf(args, sizeof args, "query '%s' \"SELEKT 1\"", db);
    assert_int_equal(run(args), 1);
    assert_non_null(strstr(err_text, "syntax error"));
    assert_true(query_num("SELECT count(*) FROM cell WHERE state = 'x'") == 0);
}

static void test_errors(void **state)
{
    (void)state;
    char args[512];
    /* an unknown serial */
    snprintf(args, sizeof args, "trace '%s' %s-9999999", db, code);
    assert_int_equal(run(args), 1);
    assert_non_null(strstr(err_text, "no cell"));
    assert_string_equal(out_text, "");
    /* a missing database */
    snprintf(args, sizeof args, "trace '%s/none.db' %s-1", dir, code);
    assert_int_equal(run(args), 1);
    assert_non_null(strstr(err_text, "none.db: cannot open the trace database"));
    snprintf(args, sizeof args, "recall '%s/none.db' --lot am:1", dir);
    assert_int_equal(run(args), 1);
    /* a database of another schema version */
    char path[200];
    snprintf(path, sizeof path, "%s/v2.db", dir);
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "PRAGMA application_id = 1668568178; PRAGMA user_version = 2;"
                                     "CREATE TABLE run(x)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    snprintf(args, sizeof args, "trace '%s' %s-1", path, code);
    assert_int_equal(run(args), 1);
    assert_non_null(strstr(err_text, "trace schema version 2"));
    snprintf(args, sizeof args, "query '%s' \"SELECT 1\"", path);
    assert_int_equal(run(args), 1);
    /* nor does run append to it */
    snprintf(args, sizeof args, "run '%s' --horizon 1h --trace '%s'", flow_path, path);
    assert_int_equal(run(args), 1);
    assert_non_null(strstr(err_text, "schema version 2"));
    /* a serial that is not one; usage */
    snprintf(args, sizeof args, "trace '%s' not-a-serial", db);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "RUNCODE-NUMBER"));
    snprintf(args, sizeof args, "recall '%s' --coil coater:3 --batch mixer:1", db);
    assert_int_equal(run(args), 2);
    snprintf(args, sizeof args, "recall '%s' --station aging --from 2h", db);
    assert_int_equal(run(args), 2);
    assert_int_equal(run("help trace"), 0);
    assert_non_null(strstr(out_text, "RUNCODE-NUMBER"));
    assert_int_equal(run("help recall"), 0);
    assert_int_equal(run("help query"), 0);
}

/* Opens path read-only and returns PRAGMA integrity_check's first row. */
static void integrity(const char *path, char *out, size_t len)
{
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    snprintf(out, len, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(s);
}

/* Cells committed so far (0 while the database is not there yet). */
static long long committed_cells(const char *path)
{
    sqlite3 *s = NULL;
    long long n = 0;
    if (sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(s, 1000);
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(s, "SELECT count(*) FROM cell", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(s);
    return n;
}

/* SIGKILL in the middle of a long run: the database holds the batches
 * committed before, passes the integrity check, and celltwin trace reads
 * a cell from it. */
static void test_killed_run(void **state)
{
    (void)state;
    char path[200], yaml[200];
    snprintf(path, sizeof path, "%s/killed.db", dir);
    snprintf(yaml, sizeof yaml, "%s", flow_path);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execl(CT_CLI, CT_CLI, "run", yaml, "--horizon", "3650d", "--trace", path, (char *)NULL);
        _exit(127);
    }
    /* wait for two commits' worth of cells, at most a minute */
    long long n = 0;
    for (int i = 0; i < 1200 && (n = committed_cells(path)) < 5000; i++) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    assert_true(n >= 5000);
    char ok[64];
    integrity(path, ok, sizeof ok);
    assert_string_equal(ok, "ok");
    long long after = committed_cells(path);
    printf("  killed with %lld cells committed (%lld seen before the kill)\n", after, n);
    assert_true(after >= n);

    char args[512];
    snprintf(args, sizeof args, "trace '%s' --runs --json", path);
    assert_int_equal(run(args), 0);
    json_t *runs = parse_out();
    assert_string_equal(json_string_value(json_object_get(json_array_get(runs, 0), "status")), "running");
    char killed_code[16];
    snprintf(killed_code, sizeof killed_code, "%s",
             json_string_value(json_object_get(json_array_get(runs, 0), "code")));
    json_decref(runs);
    snprintf(args, sizeof args, "trace '%s' %s-1 --json", path, killed_code);
    assert_int_equal(run(args), 0);
    json_t *o = parse_out();
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "genealogy"), "kind")), "cell");
    json_decref(o);
    snprintf(args, sizeof args, "recall '%s' --coil coater:1", path);
    assert_int_equal(run(args), 0);
}

/* A trace that cannot grow (file size limit: disk full as far as SQLite
 * can tell) stops the run with a message and exit status 1, not a crash,
 * and leaves a readable database. */
static void test_write_failure(void **state)
{
    (void)state;
    char path[200], cmd[1024];
    snprintf(path, sizeof path, "%s/full.db", dir);
    snprintf(cmd, sizeof cmd, "ulimit -f 4000; exec '%s' run '%s' --horizon 30d --trace '%s' >'%s/out' 2>'%s/err'",
             CT_CLI, flow_path, path, dir, dir);
    int st = system(cmd);
    char p[256];
    snprintf(p, sizeof p, "%s/err", dir);
    slurp(p, err_text, sizeof err_text);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_non_null(strstr(err_text, "full.db: cannot write the trace"));
    char ok[64];
    integrity(path, ok, sizeof ok);
    assert_string_equal(ok, "ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_counts),
        cmocka_unit_test(test_trace_formats),
        cmocka_unit_test(test_recall_coil_both_ways),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_killed_run),
        cmocka_unit_test(test_write_failure),
    };
    return cmocka_run_group_tests(tests, setup_trace, teardown);
}
