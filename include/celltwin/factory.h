/*
 * factory.h - loading a factory file (YAML) and running it.
 *
 * A factory file describes a line: a source of units, stations with their
 * servers, buffers, process times, failures, batching, scrap, rework and
 * routing, and default run settings. docs/factory-file.md lists every key.
 * Loading validates everything; a mistake is reported as
 * "FILE:LINE:COL: KEY: what was expected" and nothing runs.
 */
#ifndef CELLTWIN_FACTORY_H
#define CELLTWIN_FACTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "celltwin/econ.h"
#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A loaded, validated factory description. Immutable once loaded, so one
 * factory can be run by several threads at once. */
typedef struct ct_factory ct_factory;

/* Loads and validates path. On success *out owns a new factory (caller
 * frees with ct_factory_destroy). On failure *out is NULL, err says
 * FILE:LINE:COL: KEY: what was expected, and the status is CT_ERR_IO (file
 * cannot be read) or CT_ERR_PARSE (syntax or content). */
ct_status ct_factory_load(const char *path, ct_factory **out, ct_error *err);

/* Same from text in memory; name is used in messages in place of a path. */
ct_status ct_factory_load_string(const char *text, const char *name,
                                 ct_factory **out, ct_error *err);

/* NULL is a no-op. */
void ct_factory_destroy(ct_factory *f);

/* The factory's `name:`. Borrowed. */
const char *ct_factory_name(const ct_factory *f);

#include "celltwin/observer.h"

/* Options of one run. ct_run_options_init fills defaults from the factory
 * file's `run:` section (or built-in defaults when it has none). */
typedef struct ct_run_options {
    double horizon_s;     /* simulated time of each replication, > 0 */
    double warmup_s;      /* statistics start here, 0 <= warmup < horizon */
    uint64_t seed;        /* random seed */
    int replications;     /* >= 1 */
    int threads;          /* >= 1; results do not depend on it */
    bool progress;        /* draw a progress bar on stderr */
    const ct_observer *observer;  /* borrowed; NULL for none */
} ct_run_options;

void ct_run_options_init(ct_run_options *opt, const ct_factory *f);

/* Key performance indicators of one station (means over replications in
 * ct_results_mean, 95 % half-widths in ct_results_ci95). Fractions are per
 * server and add up to 1: utilization + blocked + starved + down. */
typedef struct ct_station_kpi {
    const char *name;       /* borrowed from the factory */
    double utilization;     /* fraction of time a server processes */
    double blocked;         /* fraction holding a finished unit (no room downstream) */
    double starved;         /* fraction idle and up with nothing to do */
    double down;            /* fraction under repair */
    double mean_queue;      /* time-average units waiting in the buffer */
    double mean_wait_s;     /* mean time in the buffer, per unit started */
    double mean_sojourn_s;  /* mean time from arrival to leaving the station */
    double processed;       /* units that finished processing here */
    double scrapped;        /* units scrapped here */
    double reworked;        /* units sent back for rework from here */
    double held;            /* units put on hold by a gate here */
    double yield;           /* 1 - scrapped / processed */
    /* Economics (econ.h, docs/economics.md): electricity of the station in
     * the statistics period, kWh: power by state plus its process energy
     * (the coater's dryer). */
    double energy_kwh;
    double process_energy_kwh;
} ct_station_kpi;

/* Scrap of one cause at one station. */
typedef struct ct_scrap_cause {
    const char *cause;      /* borrowed: static text or a gate name */
    const char *station;    /* borrowed from the factory */
    double count;           /* units scrapped (coils count once per event) */
    double amount;          /* kg of batch, metres of coil, or cells */
    double active_mass_kg;  /* active material lost */
    double cost_usd;        /* material and processing value lost */
} ct_scrap_cause;

/* Line-level indicators, same conventions. */
typedef struct ct_kpis {
    double throughput_per_h; /* good units leaving the line per hour */
    double completed;        /* good units that left the line */
    double scrapped;         /* units scrapped anywhere */
    double wip_mean;         /* time-average units in the line */
    double lead_time_mean_s; /* mean time from creation to leaving, good units */
    double rejected;         /* arrivals turned away: the first buffer was full */
    double events;           /* events executed */
    /* Cell factories (units of form cell leaving the line): */
    double cells_per_h;      /* good cells per hour */
    double gwh_per_year;     /* cells_per_h x 8760 h x cell energy */
    double cumulative_yield; /* product of the station yields */
    double first_pass_yield; /* good cells that never went to rework / cells finished */
    double escapes;          /* good cells with a real defect that no gate caught */
    double value_lost_usd;   /* material and processing value of everything scrapped */
    double active_in_kg;     /* active material taken from the stores */
    double active_good_kg;   /* ... in good cells that left */
    double active_scrap_kg;  /* ... in scrap */
    double active_wip_kg;    /* ... still in the line at the end */
    size_t n_stations;
    ct_station_kpi *stations;
    size_t n_causes;
    ct_scrap_cause *causes;
    ct_econ_kpis econ;       /* cost, energy, floor space (econ.h) */
} ct_kpis;

/* Results of a run: per-replication KPIs, their means and 95 % half-widths. */
typedef struct ct_results ct_results;

/* Progress callback: fraction done in [0, 1]. */
typedef void (*ct_progress_fn)(double fraction, void *ctx);

/* Runs opt->replications replications of f. On success *out owns the
 * results (free with ct_results_destroy); they borrow names from f, so f
 * must outlive them. Errors: CT_ERR_INVALID for bad
 * options (err names the option), CT_ERR_NOMEM. progress may be NULL. */
ct_status ct_run(const ct_factory *f, const ct_run_options *opt,
                 ct_progress_fn progress, void *progress_ctx,
                 ct_results **out, ct_error *err);

void ct_results_destroy(ct_results *r);

const ct_run_options *ct_results_options(const ct_results *r);
/* Mean over replications. Borrowed, valid until ct_results_destroy. */
const ct_kpis *ct_results_mean(const ct_results *r);
/* 95 % confidence half-widths (Student t); zeros when replications == 1. */
const ct_kpis *ct_results_ci95(const ct_results *r);
/* One replication's KPIs, 0 <= i < replications. */
const ct_kpis *ct_results_replication(const ct_results *r, int i);

/* The results as one JSON object (see docs/cli.md). Caller frees with free().
 * NULL when out of memory. */
char *ct_results_json(const ct_results *r);

/* A readable KPI table and the bottleneck line. */
void ct_results_print(const ct_results *r, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
