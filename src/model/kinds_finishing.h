/*
 * kinds_finishing.h - the station kinds of cell finishing (internal):
 * `soaking`, `formation`, `degassing`, `aging`, `grader` and `finisher`,
 * which glue the process models of finishing.h and the screening of
 * celltwin/screening.h into the line (kind.h). Their `process:` keys are
 * documented in docs/kinds-finishing.md. kinds.c registers the tables.
 */
#ifndef CELLTWIN_MODEL_KINDS_FINISHING_H
#define CELLTWIN_MODEL_KINDS_FINISHING_H

#include "model/kind.h"

/* Scrap cause of a cell the aging station's screen flags as a
 * self-discharge (k-value) outlier of its shelf; root-cause analysis
 * (trace/rootcause.c) selects these cells by it. */
#define CTI_CAUSE_SD_OUTLIER "self-discharge outlier"

extern const cti_kind cti_kind_soaking;
extern const cti_kind cti_kind_formation;
extern const cti_kind cti_kind_degassing;
extern const cti_kind cti_kind_aging;
extern const cti_kind cti_kind_grader;
extern const cti_kind cti_kind_finisher;

#endif
