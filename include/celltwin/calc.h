/*
 * calc.h - closed-form calculators for scrap economics in cell production:
 * the cumulative yield of a chain of process steps, and the material lost
 * when a coating defect runs until it is detected and corrected. They are
 * the two worked examples of the review in docs/ (section 2.1-2.2) turned
 * into functions, behind `celltwin calc yield` and `celltwin calc
 * coating-scrap` (docs/calc.md). All quantities are in base units (units.h).
 */
#ifndef CELLTWIN_CALC_H
#define CELLTWIN_CALC_H

#include <stddef.h>

#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Cumulative yield of n_steps steps in series: the product of
 * step_yields[0..n_steps). Each yield must lie in (0, 1] and n_steps >= 1;
 * otherwise returns CT_ERR_INVALID with a message naming the step
 * ("step_yields[3]: expected a yield in (0, 1], got 1.2") and leaves *out
 * alone. step_yields is borrowed. The scrap fraction is 1 - *out. */
ct_status ct_cumulative_yield(const double *step_yields, size_t n_steps, double *out,
                              ct_error *err);

/* The same for n_steps steps with the same yield: step_yield^n_steps.
 * Errors as above ("steps: expected an integer >= 1, got 0"). */
ct_status ct_cumulative_yield_uniform(double step_yield, long long n_steps, double *out,
                                      ct_error *err);

/* A coating defect on a running coater: everything coated between the
 * defect and its correction is scrap. */
typedef struct ct_coating_scrap_in {
    long long lanes;          /* coated strips side by side, >= 1 */
    double lane_width_m;      /* width of one strip, > 0 */
    double speed_m_s;         /* web speed, > 0 */
    double time_s;            /* time to detect and correct the defect, >= 0 */
    double loading_kg_m2;     /* areal mass of the dry coating, one side, > 0 */
    double active_fraction;   /* mass fraction of active material in the coating, (0, 1] */
    double price_usd_kg;      /* price of the active material, >= 0 */
} ct_coating_scrap_in;

typedef struct ct_coating_scrap_out {
    double area_m2;           /* lanes x lane width x speed x time */
    double coating_mass_kg;   /* area x loading */
    double active_mass_kg;    /* coating mass x active fraction */
    double cost_usd;          /* active mass x price: active material only */
} ct_coating_scrap_out;

/* Computes the scrapped area, masses and active-material cost. Returns
 * CT_ERR_INVALID with a message naming the field ("loading_kg_m2: expected
 * a value > 0, got -0.2") when an input is out of its range or not finite;
 * *out is then untouched. */
ct_status ct_coating_scrap(const ct_coating_scrap_in *in, ct_coating_scrap_out *out,
                           ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
