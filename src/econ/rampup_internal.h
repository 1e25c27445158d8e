/*
 * rampup_internal.h - the layout of ct_rampup (internal), shared by the
 * ramp-up runner (econ/rampup.c) and its HTML report (report/rampup_html.c).
 */
#ifndef CELLTWIN_ECON_RAMPUP_INTERNAL_H
#define CELLTWIN_ECON_RAMPUP_INTERNAL_H

#include "celltwin/rampup.h"

struct ct_rampup {
    const ct_factory *f;       /* borrowed */
    ct_rampup_options opt;
    int n;
    ct_rampup_month *months;
    double curve_at_sop;       /* the curves' loss at SOP and at steady state */
    double curve_steady;
};

#endif
