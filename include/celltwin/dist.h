/*
 * dist.h - random distributions as written in factory files:
 *   const(x)  or a bare quantity x      exp(mean)
 *   erlang(k, mean)                     normal(mean, sd)
 *   lognormal(mean, sd)                 uniform(a, b)
 *   triangular(a, mode, b)              weibull(shape, scale)
 *   empirical(v1, v2, ...)              (each value equally likely)
 * Arguments that carry a dimension accept units: exp(2 min), normal(60 m/min, 1 m/min).
 * lognormal takes the mean and sd of the variable itself, not of its log.
 * Time distributions are truncated at 0 (a negative draw is redrawn, up to
 * a bound, then 0) so a service time is never negative.
 */
#ifndef CELLTWIN_DIST_H
#define CELLTWIN_DIST_H

#include <stdbool.h>
#include <stddef.h>

#include "celltwin/rng.h"
#include "celltwin/status.h"
#include "celltwin/units.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ct_dist_kind {
    CT_DIST_CONST = 0,
    CT_DIST_EXP,
    CT_DIST_ERLANG,
    CT_DIST_NORMAL,
    CT_DIST_LOGNORMAL,
    CT_DIST_UNIFORM,
    CT_DIST_TRIANGULAR,
    CT_DIST_WEIBULL,
    CT_DIST_EMPIRICAL
} ct_dist_kind;

/* A distribution. Value type; ct_dist_clear() frees an empirical table. */
typedef struct ct_dist {
    ct_dist_kind kind;
    bool truncate_at_zero;  /* a time that could draw negative: redraw below 0 */
    double p[4];            /* parameters in base units, precomputed helpers */
    double *values;         /* empirical values (owned), else NULL */
    size_t n_values;
} ct_dist;

/* Parses text into *out. Arguments are quantities of dimension dim (shape
 * and k parameters are dimensionless). Validates ranges (exp mean > 0,
 * sd >= 0, a < b, a <= mode <= b, weibull shape/scale > 0, erlang k >= 1
 * integer, empirical non-empty). On failure returns CT_ERR_PARSE and a
 * message in why such as "exp(mean): mean must be > 0, got -1" or
 * "normal(mean, sd): expected 2 arguments, got 1". */
ct_status ct_dist_parse(const char *text, ct_dim dim, ct_dist *out,
                        char *why, size_t whylen);

/* A constant distribution. */
ct_dist ct_dist_const(double value);

/* Frees an empirical table; leaves a const(0). */
void ct_dist_clear(ct_dist *d);

/* Deep copy (empirical table duplicated). Returns CT_ERR_NOMEM on failure. */
ct_status ct_dist_copy(ct_dist *dst, const ct_dist *src);

/* One draw. */
double ct_dist_sample(const ct_dist *d, ct_rng *rng);

/* The standard normal quantile by Wichura's AS241 (PPND16, Applied
 * Statistics 37:477-484, 1988), relative accuracy about 1e-16, for p in
 * the open interval (0, 1). One uniform gives one normal, so streams stay
 * aligned whatever is drawn. */
double ct_std_normal_quantile(double p);

/* One standard normal draw: ct_std_normal_quantile of one uniform. */
double ct_dist_std_normal(ct_rng *rng);

/* Theoretical mean and variance (before truncation at zero). */
double ct_dist_mean(const ct_dist *d);
double ct_dist_variance(const ct_dist *d);

/* Writes a canonical text form ("exp(1.25)") in base units into buf. */
void ct_dist_format(const ct_dist *d, char *buf, size_t buflen);

#ifdef __cplusplus
}
#endif
#endif
