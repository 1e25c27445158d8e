/*
 * factory_harness.h - loading and running a factory from YAML text in the
 * library tests, each call failing the test with the library's message
 * when it fails. Header-only: every test program that includes it gets
 * its own copy.
 */
#ifndef CELLTWIN_TESTS_FACTORY_HARNESS_H
#define CELLTWIN_TESTS_FACTORY_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "celltwin/factory.h"

/* The factory of YAML text; name stands for its file in messages. */
static inline ct_factory *load_text(const char *yaml, const char *name)
{
    ct_error err;
    ct_error_clear(&err);
    ct_factory *f = NULL;
    if (ct_factory_load_string(yaml, name, &f, &err) != CT_OK)
        fail_msg("load %s: %s", name, err.msg);
    return f;
}

/* The results of f under opt (the caller's). */
static inline ct_results *run_or_fail(const ct_factory *f, const ct_run_options *opt)
{
    ct_error err;
    ct_error_clear(&err);
    ct_results *res = NULL;
    if (ct_run(f, opt, NULL, NULL, &res, &err) != CT_OK)
        fail_msg("run: %s", err.msg);
    return res;
}

/* Loads the factory of yaml into *f (name as in load_text) and runs it for
 * horizon_s with no warm-up, with *seed for the file's seed when seed is
 * not NULL, obs watching when not NULL. The results are the caller's. */
static inline ct_results *load_and_run(const char *yaml, const char *name, double horizon_s,
                                       const uint64_t *seed, const ct_observer *obs, ct_factory **f)
{
    *f = load_text(yaml, name);
    ct_run_options opt;
    ct_run_options_init(&opt, *f);
    opt.horizon_s = horizon_s;
    opt.warmup_s = 0;
    if (seed)
        opt.seed = *seed;
    opt.observer = obs;
    return run_or_fail(*f, &opt);
}

#endif
