/*
 * sweep.h - parameter sweeps: many variants (scenarios) of one factory
 * file, each run for several replications, with one table of KPIs as the
 * result.
 *
 * A sweep file (YAML, docs/sweep.md) names a base factory file and the
 * values to give some of its keys: a grid (every combination of listed
 * values) and/or a Latin hypercube of N points over numeric ranges. Each
 * scenario is the base file's YAML tree with those keys replaced, handed
 * to the factory loader, which stays the only judge of what is valid.
 *
 * Determinism: replication r of every scenario uses the random streams
 * (seed, r, *), so a scenario's numbers do not depend on the thread count,
 * on sharding or on the number of MPI ranks, and scenarios share random
 * numbers (common random numbers make their differences less noisy).
 * Partial results (one shard) merge into exactly the bytes of a run of
 * the whole sweep.
 */
#ifndef CELLTWIN_SWEEP_H
#define CELLTWIN_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "celltwin/factory.h"
#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most scenarios one sweep may have (grid size times Latin hypercube
 * points): results are kept in memory, about 2 kB per scenario for a
 * 10-station line. */
#define CT_SWEEP_MAX_SCENARIOS 100000

/* A loaded, validated sweep. Immutable once loaded. */
typedef struct ct_sweep ct_sweep;

/* Loads path and the factory file it names, and checks every scenario by
 * loading it. On success *out owns a new sweep (free with
 * ct_sweep_destroy). On failure *out is NULL, the status is CT_ERR_IO (a
 * file cannot be read) or CT_ERR_PARSE, and err says
 * "FILE:LINE:COL: KEY: what was expected": FILE is the sweep file, or the
 * factory file for a mistake in the base factory itself. When the loader
 * refuses a value a scenario gave, the position is that value's in the
 * sweep file and the message names the scenario. */
ct_status ct_sweep_load(const char *path, ct_sweep **out, ct_error *err);

/* NULL is a no-op. */
void ct_sweep_destroy(ct_sweep *s);

/* Number of scenarios (>= 1). */
size_t ct_sweep_scenarios(const ct_sweep *s);

/* The run settings every scenario uses: horizon, warm-up, seed and
 * replications from the sweep file, else from the base factory's `run:`. */
const ct_run_options *ct_sweep_run_settings(const ct_sweep *s);

/* Number of swept parameters, the path of parameter j as written in the
 * sweep file, and the text that scenario i gives it. Borrowed. */
size_t ct_sweep_parameters(const ct_sweep *s);
const char *ct_sweep_parameter_path(const ct_sweep *s, size_t j);
const char *ct_sweep_value(const ct_sweep *s, size_t i, size_t j);

/* The factory-file text of scenario i (the base file with its values
 * put in). Caller frees with free(); NULL when out of memory. */
char *ct_sweep_scenario_text(const ct_sweep *s, size_t i);

/* Options of ct_sweep_run. */
typedef struct ct_sweep_run_options {
    int threads;            /* >= 1; results do not depend on it */
    /* Run only scenarios i with i % shard_count == shard_index (a partial
     * result); shard_count 1 runs them all. 0 <= shard_index < shard_count. */
    int shard_index;
    int shard_count;
    ct_progress_fn progress; /* may be NULL; called from any worker thread, serialised */
    void *progress_ctx;
} ct_sweep_run_options;

/* threads 1, all scenarios, no progress. */
void ct_sweep_run_options_init(ct_sweep_run_options *opt);

/* Results of a sweep or of some of its scenarios. Self-contained: they
 * hold copies of every name and value, so they outlive the sweep. */
typedef struct ct_sweep_results ct_sweep_results;

/* Runs the selected scenarios, spreading all their replications over
 * opt->threads threads. On success *out owns the results (free with
 * ct_sweep_results_destroy). Errors: CT_ERR_INVALID for bad options (err
 * names the option), CT_ERR_NOMEM. */
ct_status ct_sweep_run(const ct_sweep *s, const ct_sweep_run_options *opt,
                       ct_sweep_results **out, ct_error *err);

void ct_sweep_results_destroy(ct_sweep_results *r);

/* Scenarios of the whole sweep, and whether scenario i is in r. */
size_t ct_sweep_results_scenarios(const ct_sweep_results *r);
bool ct_sweep_results_has(const ct_sweep_results *r, size_t i);
/* True when r holds every scenario (then it can be written as CSV/JSON). */
bool ct_sweep_results_complete(const ct_sweep_results *r);

/* Scenario i's KPIs: mean over replications and 95 % half-widths, as
 * ct_results_mean/ci95 give them for a run of that scenario. NULL when i
 * is not in r. Borrowed, valid until ct_sweep_results_destroy. */
const ct_kpis *ct_sweep_results_mean(const ct_sweep_results *r, size_t i);
const ct_kpis *ct_sweep_results_ci95(const ct_sweep_results *r, size_t i);

/* The outputs (docs/sweep.md): one CSV row per scenario with the
 * parameter values, and the mean and ci95 of throughput_per_h, completed,
 * scrapped, wip_mean, lead_time_mean_s and each station's utilization;
 * the JSON holds the same. r must be complete (else CT_ERR_INVALID).
 * CT_ERR_IO when out cannot be written. */
ct_status ct_sweep_write_csv(const ct_sweep_results *r, FILE *out, ct_error *err);
ct_status ct_sweep_write_json(const ct_sweep_results *r, FILE *out, ct_error *err);

/* A partial result as JSON text: the scenarios r holds with every KPI at
 * full precision, and what identifies the sweep. Caller frees with
 * free(); NULL when out of memory. */
char *ct_sweep_results_partial(const ct_sweep_results *r);

/* Combines partial results (texts[k] made by ct_sweep_results_partial,
 * named names[k] in messages) into *out. They must come from the same
 * sweep and not overlap; the union need not be complete (check with
 * ct_sweep_results_complete). Errors: CT_ERR_PARSE (not a partial result,
 * err names the text and what is wrong), CT_ERR_INVALID (parts of
 * different sweeps, or a scenario twice), CT_ERR_NOMEM. */
ct_status ct_sweep_merge(const char *const *texts, const char *const *names, size_t n,
                         ct_sweep_results **out, ct_error *err);

/* Same, reading the parts from files; CT_ERR_IO when one cannot be read. */
ct_status ct_sweep_merge_files(const char *const *paths, size_t n,
                               ct_sweep_results **out, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
