/*
 * test_dir.h - a private temporary folder for a test program: make_dir in
 * its cmocka setup, teardown removes the folder and what the tests wrote
 * there (write_file). Header-only: every test program that includes it
 * gets its own copy (tests/cli_harness.h and tests/trace/trace_harness.h
 * build on it).
 */
#ifndef CELLTWIN_TESTS_TEST_DIR_H
#define CELLTWIN_TESTS_TEST_DIR_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[64];

/* Creates the folder from a mkdtemp template ("/tmp/NAME_XXXXXX"); 0 or
 * -1, as a cmocka setup returns. */
static inline int make_dir(const char *template_)
{
    snprintf(dir, sizeof dir, "%s", template_);
    return mkdtemp(dir) ? 0 : -1;
}

static inline int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to DIR/name; returns the path (static storage, the last 16
 * calls' paths stay valid). */
static inline const char *write_file(const char *name, const char *text)
{
    static char paths[16][128];
    static int next;
    char *path = paths[next++ % 16];
    snprintf(path, 128, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

#endif
