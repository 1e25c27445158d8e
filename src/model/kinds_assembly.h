/*
 * kinds_assembly.h - the station kinds of cell assembly (internal):
 * `notcher`, `stacker`, `hipot`, `welder`, `leak_test`, `vacuum_oven` and
 * `filler`, which glue the process models of assembly.h into the line
 * (kind.h). Their `process:` keys are documented in docs/kinds-assembly.md.
 * kinds.c registers the tables.
 */
#ifndef CELLTWIN_MODEL_KINDS_ASSEMBLY_H
#define CELLTWIN_MODEL_KINDS_ASSEMBLY_H

#include "model/kind.h"

extern const cti_kind cti_kind_notcher;
extern const cti_kind cti_kind_stacker;
extern const cti_kind cti_kind_hipot;
extern const cti_kind cti_kind_welder;
extern const cti_kind cti_kind_leak_test;
extern const cti_kind cti_kind_vacuum_oven;
extern const cti_kind cti_kind_filler;

#endif
