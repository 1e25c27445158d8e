/*
 * quality.h - statistics for quality control: probability functions
 * (normal, Student t, chi-square, F, binomial, hypergeometric), summary
 * statistics, Shewhart control-chart constants computed for any subgroup
 * size, control charts (X-bar/R, X-bar/S, individuals/moving range, EWMA,
 * tabular CUSUM, p, np, c, u), Western Electric and Nelson run rules,
 * process capability (Cp, Cpk, Pp, Ppk) and a reader for the number files
 * the `celltwin stats|spc|capability` commands take.
 *
 * Every function here is pure (no global state; libm's lgamma, which
 * writes signgam, is not used) and thread-safe. Functions that can meet
 * bad data return a ct_status and fill a ct_error; the probability
 * functions instead return NAN for arguments outside their domain, as
 * libm does. Sources and formulas: docs/quality.md.
 */
#ifndef CELLTWIN_QUALITY_H
#define CELLTWIN_QUALITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Probability and special functions (src/quality/probability.c)       */
/* ------------------------------------------------------------------ */

/* Standard normal density, distribution function Phi(x) and survival
 * function 1 - Phi(x), the latter without cancellation in the upper tail.
 * Accurate to a few ulps (computed from erfc). */
double ct_normal_pdf(double x);
double ct_normal_cdf(double x);
double ct_normal_sf(double x);

/* Inverse of Phi: the x with Phi(x) = p, for 0 < p < 1 (Wichura's AS 241,
 * relative error about 1e-16). Returns -INFINITY for p = 0, +INFINITY for
 * p = 1 and NAN outside [0, 1]. ct_normal_quantile(0.975) = 1.959963984540054. */
double ct_normal_quantile(double p);

/* log Gamma(x) and log B(a, b) = log(Gamma(a) Gamma(b) / Gamma(a + b)) for
 * positive arguments (NAN otherwise). Unlike libm's lgamma they write no
 * global (signgam), so they are safe to call from several threads; log B
 * is formed with Stirling corrections, so it keeps its digits where the
 * log-gammas of large arguments would cancel. */
double ct_log_gamma(double x);
double ct_log_beta(double a, double b);

/* Regularized incomplete beta function I_x(a, b), a > 0, b > 0,
 * 0 <= x <= 1 (continued fraction; relative error about 1e-14 for
 * a, b up to about 1000, growing slowly beyond).
 * NAN outside the domain. */
double ct_incomplete_beta(double a, double b, double x);

/* Regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x),
 * a > 0, x >= 0 (series / continued fraction). NAN outside the domain. */
double ct_incomplete_gamma_p(double a, double x);
double ct_incomplete_gamma_q(double a, double x);

/* Student t distribution with df > 0 degrees of freedom (df may be
 * INFINITY, giving the normal distribution): density, distribution
 * function P(T <= t), and quantile (the t with P(T <= t) = p, 0 < p < 1;
 * +-INFINITY at p = 1 / p = 0; NAN for p outside [0, 1] or df <= 0 or NAN).
 * The quantile is accurate to about 1e-12 relative for df >= 1:
 * ct_student_t_quantile(0.975, 1) = 12.7062047361747,
 * ct_student_t_quantile(0.975, 9) = 2.26215716279820. Non-integer df is
 * allowed (Welch-Satterthwaite degrees of freedom). */
double ct_student_t_pdf(double t, double df);
double ct_student_t_cdf(double t, double df);
double ct_student_t_quantile(double p, double df);

/* Chi-square distribution with df > 0 degrees of freedom: distribution
 * function P(X <= x) and survival function P(X > x) (the p-value of a
 * chi-square test statistic x). NAN for df <= 0; x < 0 gives cdf 0, sf 1. */
double ct_chi2_cdf(double x, double df);
double ct_chi2_sf(double x, double df);

/* F distribution with (df1, df2) degrees of freedom: survival function
 * P(F > x) (the p-value of an ANOVA F statistic). */
double ct_f_sf(double x, double df1, double df2);

/* Binomial(n, p) distribution of a count X, 0 <= p <= 1:
 *   ct_binomial_pmf(k, n, p) = P(X = k)
 *   ct_binomial_cdf(k, n, p) = P(X <= k)
 *   ct_binomial_sf(k, n, p)  = P(X > k)   (scipy's convention; the
 *                                         p-value of "k or more" is
 *                                         ct_binomial_sf(k - 1, n, p))
 * k may be negative or above n (the answer is then 0 or 1). NAN for p
 * outside [0, 1]. */
double ct_binomial_pmf(long k, long n, double p);
double ct_binomial_cdf(long k, long n, double p);
double ct_binomial_sf(long k, long n, double p);

/* Hypergeometric distribution: the number X of marked items in a sample of
 * `draws` taken without replacement from a population of `total` items of
 * which `marked` are marked (0 <= marked <= total, 0 <= draws <= total).
 *   ct_hypergeometric_pmf(k, ...) = P(X = k)
 *   ct_hypergeometric_cdf(k, ...) = P(X <= k)
 *   ct_hypergeometric_sf(k, ...)  = P(X > k)
 * Used for Fisher's exact test on 2x2 tables. NAN for inconsistent sizes.
 * Binomial and hypergeometric results have relative error about 1e-13. */
double ct_hypergeometric_pmf(long k, long total, long marked, long draws);
double ct_hypergeometric_cdf(long k, long total, long marked, long draws);
double ct_hypergeometric_sf(long k, long total, long marked, long draws);
/* log P(X > k) of the same distribution, in log space so that tails far
 * below the smallest double (1e-308) keep their value, e.g. for Fisher's
 * exact test over millions of items: the one-sided p-value of a 2x2 table
 * with a marked items among draws is exp(ct_hypergeometric_log_sf(a - 1,
 * ...)). 0 when k is below the support, -INFINITY at or above its top,
 * NAN for inconsistent sizes. Relative error of the tail about 1e-12. */
double ct_hypergeometric_log_sf(long k, long total, long marked, long draws);

/* ------------------------------------------------------------------ */
/* Summary statistics (src/quality/summary.c)                          */
/* ------------------------------------------------------------------ */

/* Summary of a sample, as `celltwin stats` prints it. Value type. */
typedef struct ct_summary {
    size_t n;
    double mean;
    double variance;   /* sample variance (divisor n - 1); NAN if n < 2 */
    double sd;         /* sqrt(variance); NAN if n < 2 */
    double min, max;
    double r1;         /* lag-1 autocorrelation
                        * sum_{i>=2} (y_i - m)(y_{i-1} - m) / sum (y_i - m)^2;
                        * NAN if n < 2 or all values are equal */
} ct_summary;

/* Computes the summary of x[0..n-1] (borrowed) into *out. Two passes with
 * long double accumulation and a compensation term, so the NIST StRD
 * univariate data sets (NumAcc1-4, Michelso) agree with their certified
 * values to the digits their data allow. Returns CT_ERR_INVALID (with a
 * message in err) if n == 0 or a value is not finite. */
ct_status ct_summary_compute(const double *x, size_t n, ct_summary *out, ct_error *err);

/* Running mean and variance (Welford's update), for results that arrive one
 * at a time: replications, cycle times. Small value type: init, add, read,
 * clear. Two accumulators can be merged (Chan et al.), so per-thread
 * accumulators combine to the same result as one serial pass. */
typedef struct ct_moments {
    size_t n;
    double mean;
    double m2;        /* sum of squared deviations from the mean */
    double min, max;
} ct_moments;

void ct_moments_init(ct_moments *m);
void ct_moments_add(ct_moments *m, double x);
/* Adds the observations summarised in other (borrowed) to into. */
void ct_moments_merge(ct_moments *into, const ct_moments *other);
/* Mean (NAN if empty), sample variance and sd (divisor n - 1; NAN if n < 2). */
double ct_moments_mean(const ct_moments *m);
double ct_moments_variance(const ct_moments *m);
double ct_moments_sd(const ct_moments *m);
/* Half-width of the two-sided Student t confidence interval for the mean
 * at confidence level 0 < level < 1 (0.95 for 95 %):
 * t_{(1+level)/2, n-1} * sd / sqrt(n). NAN if n < 2. */
double ct_moments_ci_halfwidth(const ct_moments *m, double level);
/* Resets to the empty state (same as init; nothing to free). */
void ct_moments_clear(ct_moments *m);

/* ------------------------------------------------------------------ */
/* Control-chart constants (src/quality/spc_constants.c)               */
/* ------------------------------------------------------------------ */

/* Largest subgroup size the constants are computed for. */
#define CT_SPC_MAX_SUBGROUP 1000

/* Shewhart chart constants for subgroups of n normal observations
 * (Montgomery, Introduction to Statistical Quality Control, Appendix VI),
 * computed, not tabulated:
 *   d2 = E[R]/sigma = integral over R of 1 - (1 - Phi(x))^n - Phi(x)^n dx
 *   d3 = sd(R)/sigma, from E[R^2] = 2 double-integral over x < y of
 *        1 - (1 - Phi(x))^n - Phi(y)^n + (Phi(y) - Phi(x))^n
 *   c4 = E[s]/sigma = sqrt(2/(n-1)) Gamma(n/2) / Gamma((n-1)/2)
 * and from them A = 3/sqrt(n), A2 = 3/(d2 sqrt(n)), A3 = 3/(c4 sqrt(n)),
 * B3/B4 = 1 -/+ 3 sqrt(1 - c4^2)/c4 (B3 floored at 0), B5/B6 = c4 -/+
 * 3 sqrt(1 - c4^2), D1/D2 = d2 -/+ 3 d3, D3/D4 = 1 -/+ 3 d3/d2 (lower ones
 * floored at 0). d2 and d3 are integrated with composite Gauss-Legendre
 * rules to about 1e-12. */
typedef struct ct_spc_constants {
    int n;
    double d2, d3, c4;
    double A, A2, A3;
    double B3, B4, B5, B6;
    double D1, D2, D3, D4;
} ct_spc_constants;

/* Fills *out for subgroup size n. Returns CT_ERR_INVALID if n < 2 or
 * n > CT_SPC_MAX_SUBGROUP (out untouched). */
ct_status ct_spc_constants_compute(int n, ct_spc_constants *out);

/* The three base constants alone; NAN if n is out of range. */
double ct_spc_d2(int n);
double ct_spc_d3(int n);
double ct_spc_c4(int n);

/* ------------------------------------------------------------------ */
/* Control charts and run rules (src/quality/charts.c, run_rules.c)    */
/* ------------------------------------------------------------------ */

typedef enum ct_chart_kind {
    CT_CHART_XBAR_R = 0, /* subgroup means, sigma from Rbar/d2; R chart */
    CT_CHART_XBAR_S,     /* subgroup means, sigma from sbar/c4; S chart */
    CT_CHART_IMR,        /* individuals, sigma from MRbar/d2(2); MR chart */
    CT_CHART_EWMA,       /* exponentially weighted moving average */
    CT_CHART_CUSUM,      /* tabular CUSUM (upper C+ and lower C-) */
    CT_CHART_P,          /* fraction nonconforming, count/size */
    CT_CHART_NP,         /* number nonconforming, constant size */
    CT_CHART_C,          /* nonconformities per sample */
    CT_CHART_U           /* nonconformities per unit, count/size */
} ct_chart_kind;

/* Command-line name of a chart kind ("xbar-r", "imr", ...); never NULL. */
const char *ct_chart_kind_name(ct_chart_kind kind);
/* Parses a name as printed by ct_chart_kind_name. CT_ERR_INVALID if unknown. */
ct_status ct_chart_kind_parse(const char *name, ct_chart_kind *out);
/* True for p, np, c, u (the data are counts). */
bool ct_chart_kind_is_attribute(ct_chart_kind kind);

/* Which run rules to test, besides the control limits themselves. */
typedef enum ct_rule_set {
    CT_RULES_LIMITS = 0, /* only points beyond the control limits */
    CT_RULES_WE,         /* Western Electric rules 1-4 */
    CT_RULES_NELSON      /* Nelson rules 1-8 */
} ct_rule_set;

/* One rule. Zone rules use sigma = the standard error of the plotted point:
 *   LIMITS   point beyond a control limit (EWMA, R/S/MR, or no rule set)
 *   WE1      one point beyond 3 sigma            (= NELSON1)
 *   WE2      2 of 3 successive points beyond 2 sigma on the same side
 *   WE3      4 of 5 successive points beyond 1 sigma on the same side
 *   WE4      8 successive points on the same side of the center line
 *   NELSON1  one point beyond 3 sigma
 *   NELSON2  9 points in a row on the same side of the center line
 *   NELSON3  6 points in a row steadily increasing or decreasing
 *   NELSON4  14 points in a row alternating up and down
 *   NELSON5  2 of 3 points in a row beyond 2 sigma on the same side
 *   NELSON6  4 of 5 points in a row beyond 1 sigma on the same side
 *   NELSON7  15 points in a row within 1 sigma (either side)
 *   NELSON8  8 points in a row beyond 1 sigma, on either side
 *   CUSUM_UPPER / CUSUM_LOWER  C+ or C- above the decision interval H
 * A run rule fires at the point that completes its pattern, and again at
 * every later point for which the pattern (ending there) still holds; for
 * the k-of-m rules the firing point is itself one of the k. */
typedef enum ct_rule {
    CT_RULE_LIMITS = 0,
    CT_RULE_WE1, CT_RULE_WE2, CT_RULE_WE3, CT_RULE_WE4,
    CT_RULE_NELSON1, CT_RULE_NELSON2, CT_RULE_NELSON3, CT_RULE_NELSON4,
    CT_RULE_NELSON5, CT_RULE_NELSON6, CT_RULE_NELSON7, CT_RULE_NELSON8,
    CT_RULE_CUSUM_UPPER, CT_RULE_CUSUM_LOWER
} ct_rule;

/* Name of a rule as printed in JSON ("limits", "we2", "nelson3",
 * "cusum_upper"); never NULL. */
const char *ct_rule_name(ct_rule rule);
/* Parses "limits", "we" or "nelson". CT_ERR_INVALID if unknown. */
ct_status ct_rule_set_parse(const char *name, ct_rule_set *out);

/* An out-of-control signal: 0-based index of the point, and the rule. */
typedef struct ct_signal {
    size_t point;
    ct_rule rule;
} ct_signal;

/* A growable list of signals (owned items). Value type: init / clear. */
typedef struct ct_signals {
    ct_signal *items;
    size_t n, cap;
} ct_signals;

void ct_signals_init(ct_signals *s);
void ct_signals_clear(ct_signals *s);
/* Appends one signal; CT_ERR_NOMEM if the list cannot grow. */
ct_status ct_signals_add(ct_signals *s, size_t point, ct_rule rule);

/* One plotted series with its limits. All arrays have n elements and are
 * owned by the series. sigma[i] is the standard error of point i (the zone
 * width for run rules): (ucl - center)/3 before any clamping of the limits
 * for the Shewhart charts. limits_vary is false when center, ucl and lcl
 * are the same for every point (then element 0 stands for all). */
typedef struct ct_chart_series {
    size_t n;
    double *points;
    double *center;
    double *ucl;
    double *lcl;
    double *sigma;
    bool limits_vary;
} ct_chart_series;

/* Tests series s (borrowed) against the control limits and the rule set,
 * appending signals in point order to out. With CT_RULES_LIMITS a point
 * strictly above ucl or below lcl gives CT_RULE_LIMITS; with WE or NELSON
 * rule 1 takes its place. Returns CT_ERR_NOMEM if out cannot grow. */
ct_status ct_rules_apply(const ct_chart_series *s, ct_rule_set rules, ct_signals *out);

/* Chart settings. ct_chart_options_init fills the defaults shown. */
typedef struct ct_chart_options {
    ct_chart_kind kind;
    size_t subgroup;    /* observations per subgroup: xbar-r and xbar-s need
                         * >= 2; ewma and cusum chart subgroup means when
                         * >= 2; 0 or 1 = individuals (default 0) */
    double target;      /* known center (mean, or p, c, u for attribute
                         * charts); NAN = estimate from the data (default) */
    double sigma;       /* known process sd of one observation; NAN =
                         * estimate (default); variables charts only */
    double lambda;      /* EWMA weight, 0 < lambda <= 1 (0.2) */
    double L;           /* EWMA limit width, in sd of the EWMA (3) */
    bool asymptotic;    /* EWMA: steady-state limits instead of the exact
                         * per-point ones (false) */
    double k;           /* CUSUM reference value, in sigmas (0.5) */
    double h;           /* CUSUM decision interval, in sigmas (5) */
    double head_start;  /* CUSUM fast-initial-response head start C0, in
                         * sigmas, 0 <= head_start < h (0) */
    double size;        /* p, np, u: constant sample size when sizes is
                         * NULL (NAN = none given) */
    const double *sizes;/* p, np, u: sample size per point (borrowed,
                         * same length as the data), or NULL */
    ct_rule_set rules;  /* run rules for Shewhart charts (LIMITS) */
} ct_chart_options;

void ct_chart_options_init(ct_chart_options *opt, ct_chart_kind kind);

/* A computed chart. Value type: ct_chart_init, then ct_chart_compute, then
 * ct_chart_clear (which frees everything). */
typedef struct ct_chart {
    ct_chart_kind kind;
    size_t subgroup;           /* observations per plotted point */
    double sigma;              /* process sd used (given or estimated) */
    bool sigma_estimated;
    ct_chart_series main;      /* X-bar, individuals, EWMA, C+, p, np, c, u */
    ct_chart_series spread;    /* R, S or MR chart; n == 0 for other kinds */
    double *cminus;            /* CUSUM: C- per point (>= 0, owned), else NULL */
    ct_signals signals;        /* on main (and C- for CUSUM) */
    ct_signals spread_signals; /* on spread (limits only) */
} ct_chart;

void ct_chart_init(ct_chart *chart);
void ct_chart_clear(ct_chart *chart);

/* Computes a chart from data x[0..n-1] (borrowed): observations for the
 * variables charts (grouped in consecutive subgroups of opt->subgroup),
 * counts for p, np, c and u (sample sizes from opt->sizes or opt->size).
 * Limits (Montgomery, Introduction to SQC, ch. 6, 7, 9):
 *   X-bar: center +- 3 sigma/sqrt(n); sigma = Rbar/d2 or sbar/c4
 *   R: D3 Rbar, Rbar, D4 Rbar    S: B3 sbar, sbar, B4 sbar
 *     (with a known sigma: D1 sigma, d2 sigma, D2 sigma; B5, c4, B6 sigma)
 *   I: center +- 3 MRbar/d2(2)   MR: 0, MRbar, D4(2) MRbar
 *   EWMA z_i = lambda x_i + (1 - lambda) z_{i-1}, z_0 = center; limits
 *     center +- L sigma sqrt(lambda/(2-lambda) (1 - (1-lambda)^(2i)))
 *     (without the last factor when asymptotic)
 *   CUSUM C+_i = max(0, x_i - (mu0 + k sigma) + C+_{i-1}),
 *     C-_i = max(0, (mu0 - k sigma) - x_i + C-_{i-1}), C+_0 = C-_0 =
 *     head_start sigma; signal when above H = h sigma. Not reset after a
 *     signal. main.points holds C+, cminus C-; main's ucl is H, lcl -H.
 *   p: pbar +- 3 sqrt(pbar(1-pbar)/n_i), pbar = sum counts / sum sizes
 *   np: n pbar +- 3 sqrt(n pbar (1 - pbar)) (constant n)
 *   c: cbar +- 3 sqrt(cbar)      u: ubar +- 3 sqrt(ubar/n_i)
 * Lower limits of nonnegative statistics are floored at 0, the upper limit
 * of p at 1 and of np at n. With no known sigma, EWMA and CUSUM estimate it like X-bar/R
 * (subgroups) or I-MR (individuals); with no target the center is the
 * grand mean (or pbar, cbar, ubar).
 * Errors (CT_ERR_INVALID, message in err): no data; subgroup < 2 for
 * X-bar/R or X-bar/S, or > CT_SPC_MAX_SUBGROUP; data not a whole number of
 * subgroups; fewer than 2 points where sigma must be estimated; an
 * estimated sigma of 0; counts that are negative or not whole numbers,
 * count > size for p/np; sizes <= 0 or missing; varying sizes for np;
 * options out of range (lambda, L, k, h, head_start, sigma <= 0, a target
 * outside [0, 1] for p/np). CT_ERR_NOMEM if memory runs out. On error
 * *chart is left empty (as after ct_chart_init). */
ct_status ct_chart_compute(const double *x, size_t n, const ct_chart_options *opt,
                           ct_chart *chart, ct_error *err);

/* ------------------------------------------------------------------ */
/* Online control charts (src/quality/online_chart.c)                  */
/* ------------------------------------------------------------------ */

/* Largest subgroup an online chart keeps (it holds one subgroup's values
 * to take its range and sd exactly as ct_chart_compute does). */
#define CT_SPC_ONLINE_MAX_SUBGROUP 64
/* Points of history the run rules read (Nelson rule 7 needs 15). */
#define CT_SPC_ONLINE_WINDOW 16

/* A variables chart fed one observation at a time, in constant time and
 * memory per observation: for quality gates inside a simulation, where a
 * month is millions of measurements. Two phases (Montgomery ch. 6.1):
 * phase I collects the first `phase1` points (observations, or subgroups)
 * and sets the limits from them with the formulas of ct_chart_compute;
 * phase II tests every later point against those limits and the run
 * rules. With both opt->target and opt->sigma given there is no phase I.
 * Phase I points are not tested. The run rules, the moving range and the
 * EWMA and CUSUM sums start afresh with phase II, so the signals of phase
 * II are those ct_chart_compute gives on the phase II observations alone
 * with target and sigma set to the phase I estimates.
 * Value type: ct_spc_online_init, ct_spc_online_add per observation; the
 * fields below "read-only" may be read; nothing to free. A copy of a chart
 * is an independent chart in the same state (init integrates the chart
 * constants numerically, so copy a fresh chart to start many). */
typedef struct ct_spc_online {
    /* settings (from ct_chart_options) */
    ct_chart_kind kind;
    size_t m;                   /* observations per point, >= 1 */
    ct_rule_set rules;
    double target, sigma_given; /* NAN = estimate in phase I */
    double lambda, L, k, h, head_start;
    size_t phase1;              /* points in phase I; 0 = none */

    /* read-only */
    bool monitoring;            /* phase II: limits set, points tested */
    bool no_variation;          /* phase I showed no variation: no limits,
                                 * nothing tested */
    size_t n_points;            /* points plotted so far, both phases */
    double center, sigma;       /* center line; sd of one observation */
    double se;                  /* standard error of a plotted point */
    double ucl, lcl;            /* limits of the main chart (EWMA: the
                                 * steady-state ones; CUSUM: +-H) */
    double sp_center, sp_ucl, sp_lcl; /* R, S or MR chart; NAN for none */

    /* state */
    double grp[CT_SPC_ONLINE_MAX_SUBGROUP];
    size_t g_n;
    size_t p1_n;
    double p1_sum, p1_range, p1_sd, p1_mr;
    double prev;
    bool has_prev;
    double z, decay, cplus, cminus;
    double zw[2 * CT_SPC_ONLINE_WINDOW], xw[2 * CT_SPC_ONLINE_WINDOW];
    size_t wn;
} ct_spc_online;

/* What one observation did to the chart. */
typedef struct ct_spc_point {
    bool plotted;         /* it completed a point */
    bool tested;          /* the point was tested (phase II) */
    size_t index;         /* 0-based point number, counting both phases */
    double value;         /* the plotted statistic: x, x-bar, EWMA z, C+ */
    double cminus;        /* CUSUM C-; NAN for other charts */
    double spread;        /* R, S or moving range of the point; NAN if none */
    unsigned rules;       /* main-chart rules that fired: bit 1u << ct_rule */
    bool spread_signal;   /* the R, S or MR point is beyond its limits */
} ct_spc_point;

/* Sets up chart c. opt (borrowed) as for ct_chart_compute, for the
 * variables charts xbar-r, xbar-s, imr, ewma and cusum (asymptotic EWMA
 * limits are not offered: the exact ones are used); subgroup at most
 * CT_SPC_ONLINE_MAX_SUBGROUP. phase1 is the number of points whose
 * estimates set the limits: >= 2 unless target and sigma are both given
 * (then ignored). Errors: CT_ERR_INVALID with a message. */
ct_status ct_spc_online_init(ct_spc_online *c, const ct_chart_options *opt, size_t phase1,
                             ct_error *err);

/* Adds observation x (finite) and says what happened in *out. O(subgroup)
 * when a subgroup completes, O(1) otherwise; never allocates. Returns true
 * when a rule fired on the main or the spread chart. */
bool ct_spc_online_add(ct_spc_online *c, double x, ct_spc_point *out);

/* ------------------------------------------------------------------ */
/* Process capability (src/quality/capability.c)                       */
/* ------------------------------------------------------------------ */

/* How sigma within subgroups is estimated. */
typedef enum ct_within_method {
    CT_WITHIN_RANGE = 0, /* Rbar/d2(n); for individuals MRbar/d2(2) */
    CT_WITHIN_SD         /* sbar/c4(n); needs subgroups of >= 2 */
} ct_within_method;

/* Capability indices (Montgomery ch. 8):
 *   Cp  = (USL - LSL) / (6 sigma_within)
 *   Cpk = min(USL - mean, mean - LSL) / (3 sigma_within)
 *   Pp, Ppk likewise with sigma_overall, the sample sd (divisor n - 1). */
typedef struct ct_capability {
    size_t n;              /* observations */
    size_t subgroup;       /* subgroup size used (1 = individuals) */
    double mean;
    double sigma_within;
    double sigma_overall;
    double cp, cpk, cpl, cpu;
    double pp, ppk, ppl, ppu;
} ct_capability;

/* Computes capability of x[0..n-1] (borrowed) against lsl < usl. subgroup
 * 0 or 1 means individuals (sigma_within from the moving range). Errors,
 * CT_ERR_INVALID with a message: lsl >= usl or not finite; fewer than 2
 * observations; data not a whole number of subgroups; subgroup above
 * CT_SPC_MAX_SUBGROUP; CT_WITHIN_SD without subgroups; a sigma of 0 (all
 * values equal) is reported, not divided by. */
ct_status ct_capability_compute(const double *x, size_t n, size_t subgroup,
                                ct_within_method within, double lsl, double usl,
                                ct_capability *out, ct_error *err);

/* ------------------------------------------------------------------ */
/* Number files (src/quality/datafile.c)                               */
/* ------------------------------------------------------------------ */

/* Limits that keep a bad file from exhausting memory. */
#define CT_DATA_MAX_VALUES ((size_t)1 << 27)  /* values per column */
#define CT_DATA_MAX_LINE   ((size_t)1 << 20)  /* bytes per line */

/* A column of numbers with the 1-based line each came from (for messages
 * such as "counts.csv:7: count 12 exceeds size 10"). Value type: init,
 * read, clear. */
typedef struct ct_column {
    double *values;
    size_t *lines;
    size_t n, cap;
} ct_column;

void ct_column_init(ct_column *col);
void ct_column_clear(ct_column *col);

/* Reads numbers from in (borrowed; `source` names it in messages).
 * With names == NULL (k must be 1): one number per line; blank lines and
 * lines starting with '#' are skipped. With names: a CSV file whose first
 * line is a header; columns names[0..k-1] are read into cols[0..k-1]
 * (other columns are ignored; fields may be quoted; blank lines skipped).
 * cols must have been initialised; they are cleared first.
 * Errors: CT_ERR_PARSE with "SOURCE:LINE: expected a number, got \"abc\""
 * (or "SOURCE:1: no column \"x\" in the header line", "SOURCE:LINE: 1
 * field, but column \"size\" is field 2", "SOURCE: no numbers in the
 * file" for an empty file, "SOURCE:LINE: line longer than ..."),
 * CT_ERR_IO on a read error, CT_ERR_NOMEM, CT_ERR_INVALID past
 * CT_DATA_MAX_VALUES. On error the columns are left empty. */
ct_status ct_data_read_stream(FILE *in, const char *source, const char *const *names,
                              size_t k, ct_column *cols, ct_error *err);

/* As ct_data_read_stream on the file at path ("-" = standard input).
 * CT_ERR_IO with "PATH: cannot open: <strerror>" if it cannot be opened. */
ct_status ct_data_read_file(const char *path, const char *const *names, size_t k,
                            ct_column *cols, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
