/*
 * report.h - the quality report of a traced run (`celltwin report`,
 * docs/report.md): one self-contained HTML file (inline CSS and SVG, no
 * script, no font or image from anywhere) with control charts of the
 * control plan's measurements, the k-value histogram of the aging screen,
 * the grade distribution, the yield waterfall by station and the scrap
 * cost by cause, all read from a trace database (celltwin/trace.h).
 */
#ifndef CELLTWIN_REPORT_H
#define CELLTWIN_REPORT_H

#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Report settings. ct_report_options_init fills the defaults shown. */
typedef struct ct_report_options {
    const char *run;      /* run code ("7KQ2MX"), NULL = the latest run */
    int max_points;       /* a gate with at most this many measurements gets
                           * an individuals / moving-range chart of all of
                           * them (400); above, an X-bar/R chart */
    int subgroups;        /* X-bar/R: the run is cut into this many equal
                           * time slots, one subgroup each (100) */
    int subgroup_size;    /* X-bar/R: the first this many consecutive
                           * measurements of each slot (5), 2..25 */
    int k_bins;           /* bins of the k-value histogram (40) */
} ct_report_options;

void ct_report_options_init(ct_report_options *opt);

/* Reads the run of the trace database at db_path and writes the report to
 * out_path atomically: into out_path + ".tmp", flushed to disk, then
 * renamed, so on any failure no file (and no partial file) is left at
 * out_path and the temporary file is removed.
 * Errors (message names the file): CT_ERR_IO (no such database, cannot
 * write the output), CT_ERR_DB (not a trace, or an SQL error),
 * CT_ERR_VERSION (another schema version), CT_ERR_INVALID (out_path is the
 * database itself, a malformed run code, options out of range),
 * CT_ERR_NOTFOUND (no such run, or no run), CT_ERR_NOMEM. */
ct_status ct_report_write(const char *db_path, const char *out_path, const ct_report_options *opt,
                          ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
