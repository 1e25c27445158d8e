/*
 * sweep_cli.h - the `celltwin sweep` command line, shared by the celltwin
 * tool and the MPI executable (src/mpi/mpi_main.c). Both parse the same
 * options and write the same files; they differ only in how the scenarios
 * are run, which the driver says.
 */
#ifndef CELLTWIN_CLI_SWEEP_CLI_H
#define CELLTWIN_CLI_SWEEP_CLI_H

#include <stdbool.h>

#include "celltwin/sweep.h"

/* Runs the scenarios opt selects and sets *out to results this process
 * writes (*writes true), or to NULL with *writes false on a process that
 * only helps (an MPI rank other than 0). Contract of ct_sweep_run. */
typedef ct_status (*cti_sweep_exec_fn)(const ct_sweep *s, const ct_sweep_run_options *opt,
                                       ct_sweep_results **out, bool *writes, ct_error *err);

typedef struct cti_sweep_driver {
    const char *prog;       /* "celltwin" or "celltwin-mpi", for messages */
    cti_sweep_exec_fn exec;
    bool report;            /* print messages and progress (rank 0 only under MPI) */
    bool allow_shard;       /* --shard makes no sense under MPI: the ranks are the shards */
} cti_sweep_driver;

/* `sweep SWEEP.yaml [options]`; argv[0] is "sweep". Returns the exit status. */
int cti_sweep_cli(int argc, char **argv, const cti_sweep_driver *d);

/* Usage text of the sweep command. */
extern const char cti_sweep_usage[];

#endif
