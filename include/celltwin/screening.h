/*
 * screening.h - end-of-line screening of finished cells: the k-value (OCV
 * loss per day over the aging step) from two OCV readings, referred to a
 * reference temperature; robust outlier detection per lot (median and MAD,
 * or iterative sigma exclusion) with an absolute limit; grading into bins
 * by capacity, IR, OCV and k-value; and the reader for the measurement
 * files `celltwin screen` takes.
 *
 * This is how the formation example of the SVOLT review works in practice:
 * OCV is measured twice under controlled temperature, cells at the edge of
 * the lot's distribution are pulled for root-cause analysis, and a voltage
 * loss above about 5 mV/week suggests an internal short (RWTH PEM / VDMA
 * 2018). Equations and sources: docs/cell-model.md.
 *
 * Pure functions except the file reader; thread-safe. Bad data give a
 * ct_status with a message in ct_error.
 */
#ifndef CELLTWIN_SCREENING_H
#define CELLTWIN_SCREENING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "celltwin/cell_electrical.h"
#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* k-value                                                              */
/* ------------------------------------------------------------------ */

/* The two OCV readings of one cell's aging step. */
typedef struct ct_ocv_pair {
    double ocv1_v, t1_h, temp1_c;
    double ocv2_v, t2_h, temp2_c;
} ct_ocv_pair;

/* How a k-value is referred to the reference temperature. */
typedef struct ct_kvalue_options {
    double ref_temp_c;          /* 25 */
    double dudt_v_per_k;        /* entropic coefficient for the OCV
                                 * correction; 0 = none (default) */
    const ct_ocv_curve *curve;  /* if not NULL, dU/dT is looked up on this
                                 * curve at the SOC of reading 1 instead
                                 * (borrowed; default NULL) */
    double ea_j_per_mol;        /* > 0: also refer the self-discharge rate
                                 * to ref_temp_c by Arrhenius at the mean
                                 * of temp1 and temp2; 0 = off (default) */
} ct_kvalue_options;

void ct_kvalue_options_init(ct_kvalue_options *opt);

/* A k-value in mV/day, positive when the voltage falls. */
typedef struct ct_kvalue {
    double raw_mv_per_day;     /* (ocv1 - ocv2) / (t2 - t1) */
    double comp_mv_per_day;    /* from OCVs referred to ref_temp_c, then
                                * divided by the Arrhenius factor */
    double dudt_v_per_k;       /* the coefficient used */
} ct_kvalue;

/* Computes the k-value of one cell:
 *   OCV_i,ref = OCV_i - dU/dT (T_i - T_ref)
 *   k_raw  = 1000 (OCV_1 - OCV_2) / ((t_2 - t_1) / 24)
 *   k_comp = 1000 (OCV_1,ref - OCV_2,ref) / ((t_2 - t_1) / 24) / A(T_mean)
 * with A(T) = exp(Ea/R (1/T_ref - 1/T)) and T_mean = (T_1 + T_2)/2 (A = 1
 * when ea_j_per_mol = 0). CT_ERR_INVALID if a value is not finite or
 * t2 <= t1. */
ct_status ct_kvalue_compute(const ct_ocv_pair *p, const ct_kvalue_options *opt,
                            ct_kvalue *out, ct_error *err);

/* ------------------------------------------------------------------ */
/* Robust statistics and outliers                                       */
/* ------------------------------------------------------------------ */

/* 1 / Phi^-1(3/4) = 1.482602218505602: MAD times this estimates the sd
 * of normal data. */
#define CT_MAD_TO_SD 1.482602218505602

/* Median and median absolute deviation (unscaled) of x[0..n-1] (borrowed,
 * not reordered). The median of an even count is the mean of the two
 * middle values. CT_ERR_INVALID if n == 0 or a value is not finite,
 * CT_ERR_NOMEM if the scratch copy cannot be made. */
ct_status ct_median_mad(const double *x, size_t n, double *median, double *mad,
                        ct_error *err);

typedef enum ct_outlier_method {
    CT_OUTLIER_MAD = 0,   /* robust z = (x - median) / (1.4826 MAD) */
    CT_OUTLIER_SIGMA      /* iterative: drop |x - mean| > t sd, repeat */
} ct_outlier_method;

/* "mad" or "sigma"; never NULL. */
const char *ct_outlier_method_name(ct_outlier_method m);
ct_status ct_outlier_method_parse(const char *name, ct_outlier_method *out);

typedef struct ct_outlier_options {
    ct_outlier_method method;   /* MAD */
    double threshold;           /* |z| above it is an outlier (3.5) */
    int max_iterations;         /* sigma method (20) */
} ct_outlier_options;

void ct_outlier_options_init(ct_outlier_options *opt);

/* The screen of one sample. Value type: init, compute, clear. */
typedef struct ct_outliers {
    size_t n;
    double center;     /* median, or mean of the retained points */
    double scale;      /* 1.4826 MAD, or sd of the retained points */
    bool scale_fallback; /* MAD was 0: scale is 1.2533 x mean absolute
                          * deviation from the median instead */
    double *z;         /* (x - center) / scale per point (owned) */
    bool *outlier;     /* |z| > threshold (owned) */
    size_t n_outliers;
    int iterations;    /* sigma method: passes made */
} ct_outliers;

void ct_outliers_init(ct_outliers *o);
void ct_outliers_clear(ct_outliers *o);

/* Screens x[0..n-1] (borrowed).
 * MAD: z_i = (x_i - median) / (CT_MAD_TO_SD MAD), which equals the
 *   Iglewicz-Hoaglin (1993) modified z-score 0.6745 (x_i - median) / MAD;
 *   their recommended threshold is 3.5. If MAD = 0 (over half the values
 *   equal) the scale is sqrt(pi/2) times the mean absolute deviation from
 *   the median; if that is 0 too, every z is 0.
 * SIGMA: mean and sd (n - 1) of the retained points; points with
 *   |x - mean| > threshold sd are dropped; repeated until nothing changes
 *   or max_iterations; z against the final mean and sd.
 * Fewer than 3 points: z is NAN and nothing is an outlier (no spread can
 * be estimated). Errors: CT_ERR_INVALID for a non-finite value or a
 * threshold <= 0; CT_ERR_NOMEM. On error *o is left empty. */
ct_status ct_outliers_compute(const double *x, size_t n, const ct_outlier_options *opt,
                              ct_outliers *o, ct_error *err);

/* ------------------------------------------------------------------ */
/* Lot screening                                                        */
/* ------------------------------------------------------------------ */

/* The PEM/VDMA indicator of an internal short: 5 mV/week, in mV/day. */
#define CT_KVALUE_LIMIT_MV_PER_DAY (5.0 / 7.0)

/* Why a cell was flagged (bits). */
enum {
    CT_SCREEN_HIGH = 1u << 0,   /* robust z above the threshold */
    CT_SCREEN_LOW = 1u << 1,    /* robust z below -threshold */
    CT_SCREEN_LIMIT = 1u << 2   /* k above the absolute limit */
};

typedef struct ct_screen_options {
    ct_kvalue_options kvalue;
    ct_outlier_options outlier;
    double limit_mv_per_day;   /* absolute limit on the screened k (k_comp,
                                * or k_raw with use_raw); INFINITY = off
                                * (CT_KVALUE_LIMIT_MV_PER_DAY) */
    bool use_raw;              /* screen k_raw instead of k_comp (false) */
} ct_screen_options;

void ct_screen_options_init(ct_screen_options *opt);

typedef struct ct_screen_cell {
    ct_kvalue k;
    double z;          /* within its lot; NAN for lots of fewer than 3 */
    unsigned flags;    /* CT_SCREEN_* bits; 0 = pass */
} ct_screen_cell;

typedef struct ct_screen_lot {
    size_t n;
    size_t n_flagged;          /* cells with any flag */
    double center_mv_per_day;  /* median (or retained mean) of the
                                * screened k */
    double scale_mv_per_day;   /* robust sd (or retained sd) */
    double median_raw_mv_per_day;
    double median_comp_mv_per_day;
} ct_screen_lot;

/* Value type: init, run, clear. */
typedef struct ct_screen {
    ct_screen_cell *cells;   /* n (owned) */
    size_t n;
    ct_screen_lot *lots;     /* n_lots (owned) */
    size_t n_lots;
} ct_screen;

void ct_screen_init(ct_screen *s);
void ct_screen_clear(ct_screen *s);

/* Screens n cells: pairs[i] (borrowed) belongs to lot lot_of[i] < n_lots
 * (lot_of may be NULL: one lot). Each cell's k-value; then, per lot, the
 * outlier screen of k_comp (or k_raw) and the absolute limit. Errors:
 * CT_ERR_INVALID with "cell I: ..." for a bad pair or a lot index out of
 * range, or bad options; CT_ERR_NOMEM. On error *s is left empty. */
ct_status ct_screen_run(const ct_ocv_pair *pairs, const size_t *lot_of, size_t n,
                        size_t n_lots, const ct_screen_options *opt, ct_screen *s,
                        ct_error *err);

/* ------------------------------------------------------------------ */
/* Grading                                                              */
/* ------------------------------------------------------------------ */

/* The attributes a bin may limit. */
typedef enum ct_grade_attr {
    CT_GRADE_CAPACITY_AH = 0,
    CT_GRADE_IR_MOHM,
    CT_GRADE_OCV_V,
    CT_GRADE_K_MV_PER_DAY,
    CT_GRADE__COUNT
} ct_grade_attr;

/* "capacity_ah", "ir_mohm", "ocv_v", "k_mv_per_day"; never NULL. */
const char *ct_grade_attr_name(ct_grade_attr a);

#define CT_GRADE_NAME_MAX 32

/* A bin: min[a] <= value[a] <= max[a] for every attribute; a NAN bound is
 * open. */
typedef struct ct_grade_bin {
    char name[CT_GRADE_NAME_MAX];
    double min[CT_GRADE__COUNT];
    double max[CT_GRADE__COUNT];
} ct_grade_bin;

/* An ordered list of bins and the name given to cells that match none
 * ("reject" unless changed, e.g. to "rework"). Value type: init, add,
 * clear. At most CT_GRADE_MAX_BINS bins. */
#define CT_GRADE_MAX_BINS 256
typedef struct ct_grade_bins {
    ct_grade_bin *items;
    size_t n, cap;
    char fallback[CT_GRADE_NAME_MAX];
} ct_grade_bins;

void ct_grade_bins_init(ct_grade_bins *b);
void ct_grade_bins_clear(ct_grade_bins *b);
/* Appends a copy of bin. CT_ERR_INVALID for an empty or too long name, a
 * min above its max, a non-finite bound that is not NAN, or more than
 * CT_GRADE_MAX_BINS bins; CT_ERR_NOMEM. */
ct_status ct_grade_bins_add(ct_grade_bins *b, const ct_grade_bin *bin, ct_error *err);
/* A bin named name with every bound open. */
void ct_grade_bin_open(ct_grade_bin *bin, const char *name);

/* The first bin (in list order) whose limits all hold for value[0..3];
 * -1 if none does (the cell gets b->fallback). A value that is NAN fails
 * every bin that limits it. */
int ct_grade_cell(const ct_grade_bins *b, const double value[CT_GRADE__COUNT]);

/* Reads bins from a YAML file (docs/cell-model.md, "Grading"):
 *   bins:
 *     - name: A
 *       capacity_ah: [4.95, null]
 *       ir_mohm: [null, 18]
 *   otherwise: rework
 * Errors name FILE:LINE: CT_ERR_PARSE (YAML syntax, unknown key, bound not
 * a number or null, not a list of two), CT_ERR_INVALID (as _add), CT_ERR_IO
 * if the file cannot be read. bins must have been initialised; on error it
 * is left empty. */
ct_status ct_grade_bins_load(const char *path, ct_grade_bins *b, ct_error *err);

/* ------------------------------------------------------------------ */
/* Measurement files (src/quality/screen_file.c)                        */
/* ------------------------------------------------------------------ */

/* The cells of a measurement file. Value type: init, read, clear. */
typedef struct ct_screen_file {
    size_t n;
    char **serial;          /* n strings (owned) */
    size_t *lot_of;         /* n lot indices */
    size_t *line;           /* n 1-based source lines */
    ct_ocv_pair *pairs;     /* n */
    double *extra[CT_GRADE__COUNT]; /* capacity_ah, ir_mohm columns when
                             * present (else NULL); ocv_v and k are
                             * derived, never read */
    char **lot_names;       /* n_lots strings (owned), in first-seen order */
    size_t n_lots;
    bool has_time_stamps;   /* times came from time1/time2 columns */
} ct_screen_file;

void ct_screen_file_init(ct_screen_file *f);
void ct_screen_file_clear(ct_screen_file *f);

/* Reads a CSV measurement file with a header line. Columns (any order,
 * others ignored): serial, ocv1_v, temp1_c, ocv2_v, temp2_c, and either
 * t1_h and t2_h (hours on any common clock) or time1 and time2 (ISO 8601
 * "2024-05-01T08:00[:00]", optionally with Z; all in one time zone without
 * daylight-saving jumps). The lot column is lot_column; NULL means "lot"
 * if the header has one, else every cell is in one lot named "all".
 * Optional numeric columns capacity_ah and ir_mohm are read for grading.
 * Blank lines and lines starting with # are skipped; fields may be quoted.
 * Errors: CT_ERR_PARSE "SOURCE:1: no column \"ocv2_v\" in the header line",
 * "SOURCE:LINE: column \"ocv2_v\": expected a number, got \"abc\"",
 * "SOURCE: empty file: ...", "SOURCE: no cells after the header line",
 * "SOURCE:LINE: t2_h (10) is not after t1_h (12)"; CT_ERR_IO if the file
 * cannot be opened or read ("PATH: cannot open: ..."); CT_ERR_NOMEM;
 * CT_ERR_INVALID past CT_SCREEN_FILE_MAX_CELLS. On error *f is empty. */
#define CT_SCREEN_FILE_MAX_CELLS ((size_t)1 << 24)
ct_status ct_screen_file_read_stream(FILE *in, const char *source, const char *lot_column,
                                     ct_screen_file *f, ct_error *err);
/* As above on path ("-" = standard input). */
ct_status ct_screen_file_read(const char *path, const char *lot_column, ct_screen_file *f,
                              ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
