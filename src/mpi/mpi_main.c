/*
 * mpi_main.c - celltwin-mpi: `celltwin sweep` spread over MPI ranks.
 *
 *   mpirun -n 4 celltwin-mpi sweep SWEEP.yaml [--threads T] [--out PREFIX]
 *
 * Every rank loads the sweep, runs the scenarios i with i % size == rank
 * (shard rank+1 of size, with T threads), and sends its partial result as
 * text to rank 0, which merges the parts exactly as `celltwin merge` does
 * and writes PREFIX.csv and PREFIX.json: the same bytes as one process
 * running the whole sweep. Only rank 0 prints. Built only when CMake finds
 * MPI (`make mpi`).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "celltwin/sweep.h"
#include "commands.h"
#include "sweep_cli.h"

static int rank, size;

/* cmd_sweep.c reports usage errors through this (main.c's in celltwin). */
int cti_usage_error(const char *cmd, const char *fmt, ...)
{
    if (rank == 0) {
        va_list ap;
        fprintf(stderr, "celltwin-mpi %s: ", cmd);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n(see: celltwin help %s)\n", cmd);
    }
    return CTI_EXIT_BADINPUT;
}

/* Runs this rank's shard, gathers every rank's partial result on rank 0
 * and merges them there. A rank that fails sends an empty part, so the
 * collective calls still match and rank 0 can say which rank failed. */
static ct_status mpi_exec(const ct_sweep *s, const ct_sweep_run_options *opt,
                          ct_sweep_results **out, bool *writes, ct_error *err)
{
    ct_sweep_run_options o = *opt;
    ct_sweep_results *part = NULL;
    char *text = NULL;
    int *lens = NULL, *displs = NULL;
    char *buf = NULL;
    const char **texts = NULL, **names = NULL;
    char (*labels)[32] = NULL;
    ct_status st;

    *out = NULL;
    *writes = rank == 0;
    o.shard_index = rank;
    o.shard_count = size;
    st = ct_sweep_run(s, &o, &part, err);
    if (st == CT_OK && !(text = ct_sweep_results_partial(part)))
        st = ct_error_set(err, CT_ERR_NOMEM, "rank %d: out of memory writing its part", rank);
    size_t n = text ? strlen(text) + 1 : 0;
    int len = n <= (size_t)INT_MAX ? (int)n : 0;

    if (rank == 0 && (!(lens = calloc((size_t)size, sizeof *lens)) ||
                      !(displs = calloc((size_t)size, sizeof *displs))))
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
    long long total = 0;
    if (rank == 0) {
        for (int r = 0; r < size; r++) {
            displs[r] = (int)total;
            total += lens[r];
        }
        /* MPI counts are ints: a sweep too big for one gather fails
         * cleanly rather than overflowing. */
        if (total > INT_MAX || !(buf = malloc(total ? (size_t)total : 1)))
            MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Gatherv(text, len, MPI_CHAR, buf, lens, displs, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rank != 0)
        goto cleanup;
    if (st != CT_OK)
        goto cleanup;
    texts = calloc((size_t)size, sizeof *texts);
    names = calloc((size_t)size, sizeof *names);
    labels = calloc((size_t)size, sizeof *labels);
    if (!texts || !names || !labels) {
        st = ct_error_set(err, CT_ERR_NOMEM, "out of memory merging the ranks' results");
        goto cleanup;
    }
    for (int r = 0; r < size; r++) {
        if (lens[r] == 0) {
            st = ct_error_set(err, CT_ERR_NOMEM, "rank %d failed (see its message)", r);
            goto cleanup;
        }
        snprintf(labels[r], sizeof labels[r], "rank %d", r);
        texts[r] = buf + displs[r];
        names[r] = labels[r];
    }
    st = ct_sweep_merge(texts, names, (size_t)size, out, err);

cleanup:
    free(texts);
    free(names);
    free(labels);
    free(buf);
    free(lens);
    free(displs);
    free(text);
    ct_sweep_results_destroy(part);
    return st;
}

static const char usage[] =
    "Usage: mpirun -n N celltwin-mpi sweep SWEEP.yaml [--threads T] [--out PREFIX]\n"
    "\n"
    "`celltwin sweep` over N MPI ranks: rank r runs the scenarios i with\n"
    "i % N == r (on T threads), rank 0 gathers and writes PREFIX.csv and\n"
    "PREFIX.json, the same bytes as `celltwin sweep` in one process.\n"
    "See docs/sweep.md.\n";

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int status;
    if (argc >= 2 && strcmp(argv[1], "sweep") == 0) {
        cti_sweep_driver d = {"celltwin-mpi", mpi_exec, rank == 0, false};
        status = cti_sweep_cli(argc - 1, argv + 1, &d);
    } else if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        if (rank == 0)
            fputs(usage, stdout);
        status = CTI_EXIT_OK;
    } else {
        if (rank == 0)
            fprintf(stderr, "celltwin-mpi: expected the command sweep\n\n%s", usage);
        status = CTI_EXIT_BADINPUT;
    }
    MPI_Finalize();
    return status;
}
