/*
 * cli_harness.h - running the built celltwin binary from cmocka tests, as
 * a user would: arguments in, stdout, stderr and exit status out. Each test
 * program gets a private temporary folder (setup/teardown) for its files.
 * Header-only: every test program that includes it gets its own copy.
 */
#ifndef CELLTWIN_TESTS_CLI_HARNESS_H
#define CELLTWIN_TESTS_CLI_HARNESS_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "test_dir.h"

#ifndef CT_CLI
#error "CT_CLI must name the built celltwin binary"
#endif

static inline int setup(void **state)
{
    (void)state;
    return make_dir("/tmp/ct_cli_XXXXXX");
}

static char out_text[1 << 20], err_text[1 << 16];

static inline void slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* Runs `celltwin ARGS`, capturing stdout and stderr; returns the exit status. */
static inline int run(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s/out' 2>'%s/err'", CT_CLI, args, dir, dir);
    int st = system(cmd);
    char path[128];
    snprintf(path, sizeof path, "%s/out", dir);
    slurp(path, out_text, sizeof out_text);
    snprintf(path, sizeof path, "%s/err", dir);
    slurp(path, err_text, sizeof err_text);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static inline json_t *parse_out(void)
{
    json_error_t jerr;
    json_t *root = json_loads(out_text, 0, &jerr);
    if (!root)
        fail_msg("stdout is not JSON (%s): %s", jerr.text, out_text);
    return root;
}

static inline double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        fail_msg("no number \"%s\" in %s", key, out_text);
    return json_number_value(v);
}

#endif
