/*
 * trace_harness.h - what the trace tests share: a private temporary folder
 * per test program (tests/test_dir.h), loading a factory, a run written to
 * a trace database, and opening and querying that database, each failing
 * the test with the library's message when a call fails.
 * Header-only: every test program that includes it gets its own copy.
 */
#ifndef CELLTWIN_TESTS_TRACE_HARNESS_H
#define CELLTWIN_TESTS_TRACE_HARNESS_H

#include "celltwin/trace.h"
#include "factory_harness.h"
#include "test_dir.h"

/* A trace of f run under opt, written to db. */
static inline ct_trace *open_trace(const char *db, const ct_factory *f, const ct_run_options *opt)
{
    ct_error err;
    ct_error_clear(&err);
    ct_trace *t = NULL;
    if (ct_trace_open(db, f, opt, &t, &err) != CT_OK)
        fail_msg("trace open: %s", err.msg);
    return t;
}

/* Runs f under opt (whose observer passes everything on to t's), copies
 * the first replication's run code into code[16] when code is not NULL,
 * closes t; the results are the caller's. */
static inline ct_results *run_and_close(const ct_factory *f, const ct_run_options *opt, ct_trace *t, char *code)
{
    ct_results *res = run_or_fail(f, opt);
    if (code)
        snprintf(code, 16, "%s", ct_trace_run_code(t, 0));
    ct_error err;
    ct_error_clear(&err);
    if (ct_trace_close(t, NULL, &err) != CT_OK)
        fail_msg("trace close: %s", err.msg);
    return res;
}

static inline ct_trace_db *open_db(const char *path)
{
    ct_error err;
    ct_error_clear(&err);
    ct_trace_db *db = NULL;
    if (ct_trace_db_open(path, &db, &err) != CT_OK)
        fail_msg("open %s: %s", path, err.msg);
    return db;
}

/* The table sql returns, which must have exactly one row. */
static inline ct_trace_table *query_row(ct_trace_db *db, const char *sql)
{
    ct_error err;
    ct_error_clear(&err);
    ct_trace_table *t = NULL;
    if (ct_trace_query(db, sql, &t, &err) != CT_OK)
        fail_msg("%s: %s", sql, err.msg);
    assert_int_equal(ct_trace_table_rows(t), 1);
    return t;
}

#endif
