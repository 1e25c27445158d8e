/*
 * cell_electrical_internal.h - the aging simulation of cell_electrical.h
 * with two savings the cell factory's aging step (model/finishing.c) uses
 * for every cell: a rest without readings (the HT rest and the cooling,
 * whose end SOC alone counts) and the OCV at the end SOC at the curve's
 * reference temperature, from the evaluation reading 2 already made; and
 * the bits compare of the memos of OCV evaluations.
 */
#ifndef CELLTWIN_QUALITY_CELL_ELECTRICAL_INTERNAL_H
#define CELLTWIN_QUALITY_CELL_ELECTRICAL_INTERNAL_H

#include <stdbool.h>
#include <string.h>

#include "celltwin/cell_electrical.h"

/* Whether a and b are the same bits: the key test of the memos of OCV
 * evaluations and inversions (here and in model/finishing.c), which give
 * the bits the function would because it is the same function of the
 * same argument bits (+0 and -0 differ, a NaN matches itself). */
static inline bool cti_same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ct_cell_simulate_aging, and:
 *   r1 == NULL: no readings (r2, ocv_meter, thermometer and rng are
 *     unused; truth's ocv1_v and ocv2_v are NAN);
 *   ocv_end_ref_v != NULL: receives ct_ocv_at(curve, soc_end,
 *     curve->ref_temp_c) (the same bits).
 * With r1 != NULL and ocv_end_ref_v == NULL it is ct_cell_simulate_aging. */
ct_status cti_cell_simulate_aging(const ct_aging_cell *cell, const ct_self_discharge *sd,
                                  const ct_temp_point *history, size_t n,
                                  const ct_instrument *ocv_meter,
                                  const ct_instrument *thermometer, ct_rng *rng,
                                  ct_ocv_reading *r1, ct_ocv_reading *r2,
                                  ct_aging_truth *truth, double *ocv_end_ref_v, ct_error *err);

#endif
