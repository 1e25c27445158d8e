/*
 * results_internal.h - the layout of ct_results (internal), shared by the
 * replication driver (run.c) and the report writers (results.c).
 */
#ifndef CELLTWIN_RESULTS_INTERNAL_H
#define CELLTWIN_RESULTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "celltwin/factory.h"

struct ct_results {
    const ct_factory *f;     /* borrowed: the factory must outlive the results */
    ct_run_options opt;
    ct_kpis mean, ci95;
    ct_kpis *reps;           /* opt.replications entries */
    const void **scratch;    /* opt.replications pointers, for aggregation */
};

/* The numeric KPI fields with their JSON names, so averaging, confidence
 * intervals and output are each one loop over the same table. */
typedef struct cti_kpi_field {
    const char *name;
    size_t offset;     /* of a double in ct_kpis or ct_station_kpi */
} cti_kpi_field;

extern const cti_kpi_field cti_line_fields[];
extern const size_t cti_n_line_fields;
extern const cti_kpi_field cti_station_fields[];
extern const size_t cti_n_station_fields;
/* The numeric fields of ct_econ_kpis, offsets in ct_kpis (econ_report.c). */
extern const cti_kpi_field cti_econ_fields[];
extern const size_t cti_n_econ_fields;

#define CTI_FIELD(base, off) (*(double *)((char *)(base) + (off)))

/* For each of the nf fields: the mean over the n replications' records
 * reps[0..n-1] into that field of *mean, its 95 % half-width (t975 the
 * Student t quantile for n - 1 degrees of freedom) into *ci95 (run.c, for
 * `celltwin run` and the sweeps alike, so their bytes match). */
void cti_summarise_fields(const void *const *reps, int n, const cti_kpi_field *fields, size_t nf,
                          double t975, void *mean, void *ci95);

/* Allocates results with station arrays for every replication; NULL when
 * out of memory. */
ct_results *cti_results_create(const ct_factory *f, const ct_run_options *opt);

/* ---- spc_results.c: the online SPC part of the results ---- */

struct json_t;

/* Means and half-widths of the charts over the replications into
 * r->mean.spc and r->ci95.spc; false when out of memory. */
bool cti_spc_results_aggregate(ct_results *r);
/* Adds `spc` and `spc_alarms` to o and `spc` to ci95 (when not NULL), if
 * any gate has a chart. */
void cti_spc_results_json(const ct_results *r, struct json_t *o, struct json_t *ci95);
/* The SPC section of the text report, if any gate has a chart. */
void cti_spc_results_print(const ct_results *r, FILE *out);
/* Frees k->spc and k->spc_alarms. */
void cti_spc_results_free(ct_kpis *k);

#endif
