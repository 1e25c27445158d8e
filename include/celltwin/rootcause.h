/*
 * rootcause.h - root-cause ranking on a trace database: which upstream
 * factors (raw-material lot, slurry batch, coil, a lane's metre section of
 * a coil, a station's equipment, a station's shift) are over-represented
 * among a set of cells - the self-discharge outliers of the aging screen,
 * the scrapped cells, the cells of one scrap cause, or a list of serials -
 * compared with the cells of the run.
 *
 * Each level of each factor (coil coater:3, equipment formation server 17,
 * ...) gets a 2x2 table: cells with / without the level x target / other.
 * Its p-value is Fisher's exact test, one-sided (over-representation): the
 * upper tail of the hypergeometric distribution, in log space. The
 * p-values are adjusted for the number of levels tested (Benjamini-Hochberg
 * by default, or Bonferroni), and the levels are ranked by adjusted
 * p-value, ties by lift (share among the targets / share among all cells).
 * One pass over the run's cells; docs/rootcause.md describes the factors,
 * the reference population and the output.
 */
#ifndef CELLTWIN_ROOTCAUSE_H
#define CELLTWIN_ROOTCAUSE_H

#include <stddef.h>
#include <stdint.h>

#include "celltwin/status.h"
#include "celltwin/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The factors, in the order of their names below. */
typedef enum ct_rootcause_factor {
    CT_RC_LOT = 0,      /* raw-material lot, "am:3" */
    CT_RC_BATCH,        /* slurry batch, "cathode_mixing:12" */
    CT_RC_COIL,         /* coil, all lanes, "cathode_coating:3" */
    CT_RC_SECTION,      /* lane and metre bin of a coil, "cathode_coating:3/1 200-250 m" */
    CT_RC_EQUIPMENT,    /* station and server, "formation server 17" */
    CT_RC_SHIFT,        /* station and time window of the job's start, "stacking 16-24 h" */
    CT_RC_FACTOR_COUNT
} ct_rootcause_factor;

/* "lot", "batch", "coil", "section", "equipment", "shift". */
const char *ct_rootcause_factor_name(ct_rootcause_factor f);

/* The factor called name; CT_ERR_INVALID (err lists the names) otherwise. */
ct_status ct_rootcause_factor_parse(const char *name, ct_rootcause_factor *out, ct_error *err);

/* Multiple-testing adjustment over the levels tested. */
typedef enum ct_rootcause_adjust {
    CT_RC_ADJUST_BH = 0,        /* Benjamini-Hochberg false discovery rate */
    CT_RC_ADJUST_BONFERRONI     /* family-wise error rate */
} ct_rootcause_adjust;

/* The cells the targets are compared with. */
typedef enum ct_rootcause_population {
    /* The cells that could have become targets. Targets scrapped at one
     * station: the cells that reached it (a passage there, or scrapped
     * there). At several: the cohort of cells made up to the last one that
     * reached the target station reached last (serials follow the order
     * of making), any state. All cells when a listed target was not
     * scrapped. */
    CT_RC_POP_REACHED = 0,
    CT_RC_POP_ALL               /* every cell of the run */
} ct_rootcause_population;

typedef struct ct_rootcause_options {
    /* Run code; NULL: the run of the serials, else the latest run. */
    const char *run;
    /* The targets: "outliers" (scrapped by the aging screen as
     * self-discharge outliers, or by a gate on k_value or
     * self_discharge_current), "scrapped", "cause=NAME" (the scrap cause
     * as stored, e.g. "cause=hipot_stack"); or NULL and a list of serials
     * ("7KQ2MX-0001234", or bare numbers). Borrowed. */
    const char *cells;
    const char *const *serials;
    size_t n_serials;
    double metre_bin_m;             /* width of the metre sections, m (50) */
    double shift_s;                 /* width of the shift windows, s (8 h) */
    unsigned factors;               /* bits 1u << ct_rootcause_factor (all) */
    ct_rootcause_adjust adjust;     /* CT_RC_ADJUST_BH */
    ct_rootcause_population population;   /* CT_RC_POP_REACHED */
    size_t top;                     /* rows kept, best first; 0 = every level tested (20) */
    /* Called now and then during the pass over the cells with the share
     * done (0..1); NULL for none. */
    void (*progress)(void *ctx, double fraction);
    void *progress_ctx;
} ct_rootcause_options;

/* Defaults as marked above (cells = NULL, no serials: set one of them). */
void ct_rootcause_options_init(ct_rootcause_options *opt);

/* One level of a factor and its test. */
typedef struct ct_rootcause_row {
    ct_rootcause_factor factor;
    const char *level;         /* its name (see the factors); borrowed from the result */
    uint64_t targets_with;     /* targets that have the level */
    uint64_t cells_with;       /* cells of the population that have it */
    double lift;               /* (targets_with / targets) / (cells_with / cells) */
    double log_p;              /* natural log of the one-sided Fisher p-value */
    double log_p_adjusted;     /* natural log of the adjusted p-value */
    double p_value, p_adjusted;   /* exp of the logs: 0 below about 1e-308 */
} ct_rootcause_row;

/* What was compared. */
typedef struct ct_rootcause_summary {
    char run[8];                /* run code */
    const char *targets_what;   /* "self-discharge outliers (scrap cause ...)" */
    const char *population_what;   /* "cells that reached age", "cells made up to ...",
                                    * "all cells of the run" */
    uint64_t run_cells;         /* cells of the run */
    uint64_t cells;             /* cells of the population (N) */
    uint64_t targets;           /* targets among them (K) */
    uint64_t levels_tested;     /* m: levels held by some but not all of the population */
    uint64_t levels_by_factor[CT_RC_FACTOR_COUNT];
    ct_rootcause_adjust adjust;
    double metre_bin_m, shift_s;
    const char *not_tested;     /* factors that could not be tested, and why */
} ct_rootcause_summary;

/* A ranking. Owned by the caller: ct_rootcause_destroy. */
typedef struct ct_rootcause ct_rootcause;

/* Ranks the levels of the enabled factors for the targets of opt in one
 * pass over the run's cells. Levels held by no cell or by every cell of
 * the population are not tested. On success *out holds the best opt->top
 * rows. Errors: CT_ERR_INVALID (an unknown cells keyword, a malformed or
 * foreign serial, an empty list, a bad bin or shift width),
 * CT_ERR_NOTFOUND (no such run; a serial not in the run; no target cell in
 * the run - the message lists the run's scrap causes), CT_ERR_DB,
 * CT_ERR_NOMEM. err says which. */
ct_status ct_rootcause_run(ct_trace_db *db, const ct_rootcause_options *opt, ct_rootcause **out,
                           ct_error *err);

const ct_rootcause_summary *ct_rootcause_summary_get(const ct_rootcause *r);
size_t ct_rootcause_rows(const ct_rootcause *r);
/* Row i, best first (rank i + 1). Borrowed. */
const ct_rootcause_row *ct_rootcause_row_at(const ct_rootcause *r, size_t i);
void ct_rootcause_destroy(ct_rootcause *r);

#ifdef __cplusplus
}
#endif
#endif
