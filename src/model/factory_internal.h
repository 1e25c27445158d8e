/*
 * factory_internal.h - the in-memory form of a factory file, shared by the
 * YAML loader (factory_load.c) and the line runtime (line.c).
 *
 * All values are in base units (seconds, metres, kilograms; see units.h).
 * Station references are resolved to indices at load time.
 */
#ifndef CELLTWIN_FACTORY_INTERNAL_H
#define CELLTWIN_FACTORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "celltwin/dist.h"
#include "celltwin/factory.h"

#define CTI_NAME_MAX 64
#define CTI_EXIT (-1)              /* route target: the unit leaves the line */
#define CTI_BUFFER_INF (-1L)       /* buffer: .inf */

/* Where a key was written, for messages about it after loading. */
typedef struct cti_loc {
    int line, col;
} cti_loc;

/* One branch of `next:`. */
typedef struct cti_route {
    int to;        /* station index or CTI_EXIT */
    double p;      /* probability; the branches of a station sum to 1 */
} cti_route;

typedef struct cti_station {
    char name[CTI_NAME_MAX];
    cti_loc loc;
    int servers;            /* >= 1 */
    long buffer;            /* places waiting, >= 0, or CTI_BUFFER_INF */
    ct_dist process_time;   /* seconds per unit, or per batch when batching */

    /* Batching: a server takes up to batch_size units at once. It starts
     * when batch_min units wait, or when the oldest waiting unit has waited
     * batch_max_wait_s (< 0: no time-out). batch_size 1 = no batching. */
    int batch_size;
    int batch_min;
    double batch_max_wait_s;

    /* Time-based failures of each server: up time ~ mtbf, repair ~ mttr.
     * A job interrupted by a failure resumes after repair. */
    bool has_failures;
    ct_dist mtbf, mttr;

    double scrap_p;         /* probability a unit is scrapped after processing */
    double rework_p;        /* probability it is sent back to rework_to */
    int rework_to;          /* station index; valid when rework_p > 0 */

    /* Routing of good units. n_next == 0 means: the next station in the
     * file, or out of the line after the last one. */
    int n_next;
    cti_route *next;
} cti_station;

typedef struct cti_source {
    bool saturated;         /* the first station is never starved */
    ct_dist interarrival;   /* seconds; used when !saturated */
    int to;                 /* station the units enter */
    cti_loc loc;
} cti_source;

struct ct_factory {
    char name[128];
    char path[512];         /* file it came from, or the name given */
    cti_source source;
    int n_stations;
    cti_station *stations;
    ct_run_options run;     /* defaults from `run:` */
};

#endif
