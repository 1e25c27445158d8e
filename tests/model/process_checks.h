/*
 * process_checks.h - what the process-model tests (test_assembly.c,
 * test_finishing.c) share: a double-precision assert_near, a cleared cell
 * record, and REJECT / REJECT_FIELD for the parameter checks, which must
 * refuse a value with a message naming the key and saying what was wrong.
 * Header-only; include after cmocka.h and the model headers.
 */
#ifndef CELLTWIN_TESTS_MODEL_PROCESS_CHECKS_H
#define CELLTWIN_TESTS_MODEL_PROCESS_CHECKS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/attrs.h"

/* cmocka's assert_float_equal works in float; these checks need double. */
#define assert_near(a, b, tol)                                                                    \
    do {                                                                                          \
        double a_ = (a), b_ = (b), t_ = (tol);                                                    \
        if (!(fabs(a_ - b_) <= t_))                                                               \
            fail_msg("%s = %.17g, expected %.17g +- %.3g", #a, a_, b_, t_);                       \
    } while (0)

static inline void cell_clear(float attr[CTI_C__COUNT], uint32_t *defects)
{
    for (int i = 0; i < CTI_C__COUNT; i++)
        attr[i] = 0.0f;
    *defects = 0;
}

/* check(&params) must refuse params with a message naming field and
 * containing text. */
#define REJECT(check, params, field, text)                                                        \
    do {                                                                                          \
        ct_error e_;                                                                              \
        ct_error_clear(&e_);                                                                      \
        if ((check)(&(params), &e_) != CT_ERR_INVALID)                                            \
            fail_msg("%s: accepted", field);                                                      \
        if (!strstr(e_.msg, field) || !strstr(e_.msg, text))                                      \
            fail_msg("%s: message \"%s\" lacks \"%s\"", field, e_.msg, text);                     \
        printf("  %s\n", e_.msg);                                                                 \
    } while (0)

/* The valid params0 with only member set to value: check must refuse it
 * (params is the scratch copy). */
#define REJECT_FIELD(check, params, params0, member, value, name, text)                           \
    do {                                                                                          \
        params = params0;                                                                         \
        params.member = value;                                                                    \
        REJECT(check, params, name, text);                                                        \
    } while (0)

#endif
