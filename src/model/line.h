/*
 * line.h - one replication of a generic line (internal). run.c drives
 * replications; line.c simulates one and fills a ct_kpis.
 */
#ifndef CELLTWIN_MODEL_LINE_H
#define CELLTWIN_MODEL_LINE_H

#include <stdint.h>

#include "celltwin/factory.h"
#include "celltwin/status.h"

/* Called by the replication loop with the simulated time reached. */
typedef void (*cti_tick_fn)(double now, void *ctx);

/* Simulates replication rep of f with opt's horizon, warm-up and seed.
 * kpis->stations must have room for the factory's stations. tick, if not
 * NULL, is called about every 1 % of the horizon. Returns CT_ERR_NOMEM
 * when memory runs out. */
ct_status cti_line_run(const ct_factory *f, const ct_run_options *opt, int rep,
                       ct_kpis *kpis, cti_tick_fn tick, void *tick_ctx);

#endif
