/*
 * apqp.c - the APQP sample phases before the start of production (SOP):
 * A-, B-, C- and D-samples with their timing, quantities and where they
 * are made, as `celltwin rampup` lists them.
 *
 * The review (Orum Aydin et al., Batteries 2023, 9, 555, section 2.3)
 * gives the phases' content, the A-sample quantity ("mostly less than 100
 * batteries") and the total: "a total of 3 years from A-sample to
 * D-sample". It gives neither the split of those 3 years nor the B-, C- and
 * D-sample quantities: those are stated engineering assumptions, each
 * marked so in its `source`.
 */
#include "celltwin/rampup.h"

static const ct_apqp_phase phases[] = {
    {"A-samples", 36, 24, 100, "pilot line",
     "simple function and performance tests of the concept",
     "review 2.3: fewer than 100 cells, pilot line; 12 of the 36 months A-D [assumption]"},
    {"B-samples", 24, 12, 1000, "larger test line or the series line",
     "customer tests, materials and dimensions examined; product design freeze",
     "review 2.3: content and line; 12 months and 1000 cells [assumption]"},
    {"C-samples", 12, 3, 10000, "series production line",
     "checks against the customer specification, scaling to product size; process "
     "design freeze and release",
     "review 2.3: content and line; 9 months and 10000 cells [assumption]"},
    {"D-samples", 3, 0, 50000, "series production line (pre-series, 0-series)",
     "approval for use in the vehicle, PPAP; SPC raises process capability",
     "review 2.3: made before the ramp-up, PPAP, SPC; 3 months and 50000 cells "
     "[assumption]"},
};

const ct_apqp_phase *ct_apqp_phases(size_t *n)
{
    *n = sizeof phases / sizeof phases[0];
    return phases;
}
