/*
 * learning.h - yield learning curves (internal): the extra scrap a station
 * has after the start of production (SOP), falling from scrap_at_sop
 * towards steady_scrap as the line learns, either with its age (an
 * exponential in time) or with its cumulative output (Wright's learning
 * curve). The factory loader reads the `learning:` key with
 * cti_learning_parse; the line runtime (line.c) draws the extra scrap
 * (cause "ramp-up") with cti_learning_scrap. docs/rampup.md gives the
 * curves and the sources of their defaults.
 */
#ifndef CELLTWIN_MODEL_LEARNING_H
#define CELLTWIN_MODEL_LEARNING_H

#include <stdbool.h>

#include "celltwin/status.h"
#include "model/yaml_util.h"

/* One month: a year of 365.25 days over 12. */
#define CTI_MONTH_S (365.25 / 12.0 * 86400.0)

/* Scrap cause of the learning curve's units. */
extern const char cti_cause_ramp_up[];

typedef enum cti_learning_curve {
    CTI_LEARN_EXPONENTIAL = 0,  /* in the line's age t: e^(-t / time_constant) */
    CTI_LEARN_WRIGHT            /* in cumulative output n: (1 + n / reference_output)^-b */
} cti_learning_curve;

typedef struct cti_learning {
    bool on;                    /* the station has a learning curve */
    double scrap_at_sop;        /* [0, 1): extra scrap at SOP */
    double steady_scrap;        /* [0, scrap_at_sop]: what it falls to */
    cti_learning_curve curve;
    double time_constant_s;     /* exponential: > 0 */
    double progress_ratio;      /* Wright: (0, 1], the excess scrap kept per doubling */
    double reference_output;    /* Wright: > 0, units */
    /* A factory-level curve spread over k stations: each scraps
     * 1 - (1 - S)^(1/k), so a unit passing all k loses S in total. */
    int share_of;               /* k >= 1 */
} cti_learning;

/* Line-level scrap of curve c at age age_s (seconds since SOP, < 0 counts
 * as 0) after n units of cumulative output: the closed form of docs/rampup.md. */
double cti_learning_line_scrap(const cti_learning *c, double age_s, double n);

/* The probability that one unit finishing at the station is scrapped by
 * the curve: cti_learning_line_scrap spread over share_of stations. */
double cti_learning_scrap(const cti_learning *c, double age_s, double n);

/* Reads a `learning:` mapping (scrap_at_sop, steady_scrap, curve,
 * time_constant, progress_ratio, reference_output) into *out, with the
 * defaults of docs/rampup.md for absent keys. With stations_fn (the
 * factory-level curve) the mapping also takes `stations:`, handed to
 * stations_fn with stations_obj. Errors: FILE:LINE:COL: KEY: what was
 * expected. */
ct_status cti_learning_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_learning *out,
                             cti_yaml_key_fn stations_fn, void *stations_obj);

#endif
