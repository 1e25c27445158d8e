/*
 * learning.c - yield learning curves after the start of production (SOP):
 * the closed forms a station's extra ("ramp-up") scrap follows, and the
 * reading of the `learning:` key of a factory file (learning.h).
 *
 * Exponential in the line's age t (seconds since SOP):
 *     S(t) = steady + (sop - steady) e^(-t / time_constant)
 * Wright's learning curve in the station's cumulative output n (units):
 *     S(n) = steady + (sop - steady) (1 + n / reference_output)^(-b),
 *     b = -log2(progress_ratio)
 * so each doubling of 1 + n / reference_output keeps progress_ratio of the
 * excess scrap (T. P. Wright, "Factors affecting the cost of airplanes",
 * J. Aeronautical Sciences 3, 1936). A factory-level curve spread over k
 * stations gives each 1 - (1 - S)^(1/k).
 *
 * Defaults, each with its source (docs/rampup.md):
 * - scrap_at_sop 30 %: Porsche Consulting 2025, "over 30 % at start of
 *   production" (shared/domain/industry-figures.md);
 * - steady_scrap 8 %: the same source's "5-12 % at steady state", near
 *   its middle;
 * - time_constant 3 months: the review (Orum Aydin et al., Batteries 2023,
 *   section 2.3) plans "approximately 3 months" of ramp-up after SOP; taken
 *   as the time constant [assumption];
 * - progress_ratio 80 %: Wright (1936), the classic 80 % per doubling.
 */
#include "model/learning.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cti_cause_ramp_up[] = "ramp-up";

#define DEFAULT_SCRAP_AT_SOP 0.30
#define DEFAULT_STEADY_SCRAP 0.08
#define DEFAULT_TIME_CONSTANT_S (3 * CTI_MONTH_S)
#define DEFAULT_PROGRESS_RATIO 0.80

double cti_learning_line_scrap(const cti_learning *c, double age_s, double n)
{
    double excess = c->scrap_at_sop - c->steady_scrap, f;
    if (c->curve == CTI_LEARN_WRIGHT)
        f = pow(1.0 + (n > 0 ? n : 0) / c->reference_output, log2(c->progress_ratio));
    else
        f = exp(-(age_s > 0 ? age_s : 0) / c->time_constant_s);
    return c->steady_scrap + excess * f;
}

double cti_learning_scrap(const cti_learning *c, double age_s, double n)
{
    double s = cti_learning_line_scrap(c, age_s, n);
    return c->share_of > 1 ? 1.0 - pow(1.0 - s, 1.0 / c->share_of) : s;
}

/* ---- reading `learning:` ------------------------------------------------ */

typedef struct reading {
    cti_learning *l;
    cti_yaml_key_fn stations_fn;
    void *stations_obj;
} reading;

static ct_status key_sop(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_NONE, false, false, CTI_YAML_BELOW_ONE,
                                    "a scrap share in [0, 100 %) such as \"30 %\"",
                                    &((reading *)obj)->l->scrap_at_sop);
}

static ct_status key_steady(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_NONE, false, false, CTI_YAML_BELOW_ONE,
                                    "a scrap share in [0, 100 %) such as \"8 %\"",
                                    &((reading *)obj)->l->steady_scrap);
}

static ct_status key_curve(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    const char *s = cti_yaml_scalar(v);
    cti_learning *l = ((reading *)obj)->l;
    if (s && !strcmp(s, "exponential"))
        l->curve = CTI_LEARN_EXPONENTIAL;
    else if (s && !strcmp(s, "wright"))
        l->curve = CTI_LEARN_WRIGHT;
    else
        return cti_yaml_fail_expected(y, v, "exponential or wright");
    return CT_OK;
}

/* A duration > 0, also in months ("3 months", "1 month": 365.25/12 days). */
static ct_status key_time_constant(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    static const char expect[] = "a duration > 0 such as \"3 months\" or \"90 d\"";
    double *out = &((reading *)obj)->l->time_constant_s;
    const char *s = cti_yaml_scalar(v);
    if (s) {
        char *end;
        double x = strtod(s, &end);
        while (*end == ' ')
            end++;
        if (end != s && (!strcmp(end, "month") || !strcmp(end, "months"))) {
            if (!(x > 0) || !isfinite(x))
                return cti_yaml_fail_expected(y, v, expect);
            *out = x * CTI_MONTH_S;
            return CT_OK;
        }
    }
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_TIME, false, false, CTI_YAML_POSITIVE, expect,
                                    out);
}

static ct_status key_progress(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_NONE, false, false, CTI_YAML_FRACTION,
                                    "a share in (0, 100 %] such as \"80 %\"",
                                    &((reading *)obj)->l->progress_ratio);
}

static ct_status key_reference(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    return cti_yaml_get_quantity_ex(y, v, CT_DIM_NONE, false, false, CTI_YAML_POSITIVE,
                                    "a number of units > 0 such as 10000",
                                    &((reading *)obj)->l->reference_output);
}

static ct_status key_stations(cti_yaml_ctx *y, const cti_yaml_value *v, void *obj)
{
    reading *r = obj;
    return r->stations_fn(y, v, r->stations_obj);
}

#define LEARNING_KEYS                                                                        \
    { "scrap_at_sop", false, "a scrap share such as \"30 %\"", key_sop },                    \
    { "steady_scrap", false, "a scrap share such as \"8 %\"", key_steady },                  \
    { "curve", false, "exponential or wright", key_curve },                                  \
    { "time_constant", false, "a duration such as \"3 months\"", key_time_constant },        \
    { "progress_ratio", false, "a share such as \"80 %\"", key_progress },                   \
    { "reference_output", false, "a number of units such as 10000", key_reference }

static const cti_yaml_key station_keys[] = { LEARNING_KEYS };
static const cti_yaml_key factory_keys[] = {
    LEARNING_KEYS,
    { "stations", true, "a list of the stations the curve is spread over", key_stations },
};

/* "FILE:LINE:COL: PATH.KEY: what" at the key's value, or at the mapping. */
static ct_status fail_at(cti_yaml_ctx *y, const cti_yaml_walk *w, const char *path,
                         const char *key, const char *what)
{
    char kp[CTI_YAML_PATH_MAX];
    const cti_yaml_loc *at = cti_yaml_seen(w, key);
    cti_yaml_join_key(kp, sizeof kp, path, key);
    return cti_yaml_fail(y, at ? *at : w->map_loc, kp, "%s", what);
}

ct_status cti_learning_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_learning *out,
                             cti_yaml_key_fn stations_fn, void *stations_obj)
{
    cti_learning l = { true, DEFAULT_SCRAP_AT_SOP, DEFAULT_STEADY_SCRAP, CTI_LEARN_EXPONENTIAL,
                       DEFAULT_TIME_CONSTANT_S, DEFAULT_PROGRESS_RATIO, 0, 1 };
    reading r = { &l, stations_fn, stations_obj };
    cti_yaml_walk w;
    ct_status st;
    const cti_yaml_key *keys = stations_fn ? factory_keys : station_keys;
    size_t n = stations_fn ? CTI_YAML_N_KEYS(factory_keys) : CTI_YAML_N_KEYS(station_keys);

    if ((st = cti_yaml_walk_mapping(y, v, keys, n, &r, &w)) != CT_OK)
        return st;
    if (l.steady_scrap > l.scrap_at_sop) {
        char what[160];
        snprintf(what, sizeof what, "expected at most scrap_at_sop (%g %%), got %g %%",
                 100 * l.scrap_at_sop, 100 * l.steady_scrap);
        return fail_at(y, &w, v->path, "steady_scrap", what);
    }
    if (l.curve == CTI_LEARN_WRIGHT) {
        if (cti_yaml_seen(&w, "time_constant"))
            return fail_at(y, &w, v->path, "time_constant",
                           "expected time_constant only with curve: exponential");
        if (!cti_yaml_seen(&w, "reference_output"))
            return fail_at(y, &w, v->path, "reference_output",
                           "missing required key with curve: wright; expected the cumulative "
                           "output (units) of the first halving step, such as 10000");
    } else {
        if (cti_yaml_seen(&w, "progress_ratio"))
            return fail_at(y, &w, v->path, "progress_ratio",
                           "expected progress_ratio only with curve: wright");
        if (cti_yaml_seen(&w, "reference_output"))
            return fail_at(y, &w, v->path, "reference_output",
                           "expected reference_output only with curve: wright");
    }
    *out = l;
    return CT_OK;
}
