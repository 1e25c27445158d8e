/*
 * units_internal.h - the quantity parser behind ct_quantity_parse, for other
 * parsers inside the library (distributions) that need two things the public
 * call cannot give: parsing a slice of a longer string without copying it,
 * and parsing a difference of values, where a unit's offset must not apply
 * (a standard deviation of "2 K" is 2 degrees C, not -271.15 C).
 */
#ifndef CELLTWIN_UNITS_INTERNAL_H
#define CELLTWIN_UNITS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "celltwin/status.h"
#include "celltwin/units.h"

/* As ct_quantity_parse, on the len bytes at text (no NUL needed; an embedded
 * NUL is a parse error). With is_difference the unit's offset is left out,
 * only its scale applies. */
ct_status cti_quantity_parse_n(const char *text, size_t len, ct_dim dim,
                               bool require_unit, bool is_difference,
                               double *out, char *why, size_t whylen);

/* The noun phrase for dim in messages: "a speed", "an areal mass". */
const char *cti_dim_noun(ct_dim dim);

#endif
