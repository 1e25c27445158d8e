/*
 * quality_internal.h - pieces of the chart code shared between the offline
 * charts (charts.c, run_rules.c) and the online charts (online_chart.c), so
 * that a chart fed one observation at a time computes its statistics, checks
 * its options and tests its run rules with the very same code as a chart
 * computed from a whole column of numbers.
 */
#ifndef CELLTWIN_QUALITY_INTERNAL_H
#define CELLTWIN_QUALITY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "celltwin/quality.h"

/* Checks chart options as ct_chart_compute does (messages in err). */
ct_status cti_chart_check_options(const ct_chart_options *o, ct_error *err);

/* Mean, range and sample sd (divisor m - 1; 0 when m == 1) of the m >= 1
 * values y[0..m-1]: two passes, as the X-bar charts take them. */
void cti_subgroup_stats(const double *y, size_t m, double *mean, double *range, double *sd);

/* The run rules of set `rules` that fire at point i, as a bit mask
 * (1u << ct_rule). z[0..i] are the points' distances from the center in
 * standard errors (NAN for a missing point), x[0..i] the points; beyond
 * says whether point i lies outside its control limits. Only the last 15
 * entries (up to i) are read, so a caller may pass a sliding window. */
unsigned cti_rules_at(const double *z, const double *x, size_t i, bool beyond, ct_rule_set rules);

/* Entries of history cti_rules_at needs at most (Nelson rule 7). */
#define CTI_RULES_WINDOW 15

#endif
