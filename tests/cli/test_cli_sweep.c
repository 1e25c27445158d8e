/*
 * test_cli_sweep.c - `celltwin sweep`, `celltwin merge` and celltwin-mpi
 * as a user runs them: the output files are the same bytes whatever the
 * thread count (and `celltwin run --replications 4` prints the same bytes
 * for any --threads), shards 1/3, 2/3, 3/3 merged equal the unsharded
 * output, `mpirun -n 4 celltwin-mpi sweep` writes what one process writes,
 * and bad sweep files exit 2 with "FILE:LINE:COL: KEY: ...".
 *
 * The MPI case fails, not skips, when celltwin-mpi was not built or mpirun
 * is missing: scripts/deps.sh installs OpenMPI, so a missing one is a
 * broken set-up. mpirun runs with --oversubscribe (4 ranks on 2 cores) and,
 * as CI runs as root, with OpenMPI's two run-as-root variables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_dir.h"

#ifndef CT_CLI
#error "CT_CLI must name the built celltwin binary"
#endif

static int setup(void **state)
{
    (void)state;
    return make_dir("/tmp/ct_cli_sweep_XXXXXX");
}

/* DIR/name's contents (caller frees), or NULL when it cannot be read. */
static char *slurp(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

/* Runs a shell command in DIR with stdout and stderr to DIR/out, DIR/err;
 * returns the exit status. */
static int sh(const char *fmt, ...)
{
    char cmd[2048], line[2400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "cd '%s' && %s >out 2>err", dir, cmd);
    int st = system(line);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void same_file(const char *a, const char *b)
{
    char *x = slurp(a), *y = slurp(b);
    if (!x || !y)
        fail_msg("missing output: %s or %s", a, b);
    if (strcmp(x, y) != 0)
        fail_msg("%s and %s differ", a, b);
    free(x);
    free(y);
}

static const char factory[] =
    "name: line3\n"
    "run: {horizon: 4 h, warmup: 10 min, seed: 3, replications: 3}\n"
    "source: {interarrival: exp(1.2 s)}\n"
    "stations:\n"
    "  - {name: mix, process_time: exp(0.5 s), buffer: 10}\n"
    "  - name: coat\n"
    "    process_time: \"erlang(2, 1 s)\"\n"
    "    buffer: 4\n"
    "    failures: {mtbf: exp(20 min), mttr: exp(2 min)}\n"
    "  - {name: dry, servers: 2, process_time: exp(1.5 s), buffer: 2}\n";

static const char sweep[] =
    "factory: line3.yaml\n"
    "replications: 4\n"
    "horizon: 2 h\n"
    "lhs: {points: 3, seed: 5}\n"
    "parameters:\n"
    "  - path: stations.coat.buffer\n"
    "    values: [1, 4]\n"
    "  - path: source.interarrival\n"
    "    range: [1.1, 2.0]\n"
    "    format: exp({} s)\n";

static void test_run_threads_same_bytes(void **state)
{
    (void)state;
    write_file("line3.yaml", factory);
    for (int t = 1; t <= 4; t *= 2)
        assert_int_equal(sh("'%s' run line3.yaml --replications 4 --threads %d --json > run%d.json",
                            CT_CLI, t, t), 0);
    same_file("run1.json", "run2.json");
    same_file("run1.json", "run4.json");
}

static void test_sweep_threads_same_bytes(void **state)
{
    (void)state;
    write_file("line3.yaml", factory);
    write_file("s.yaml", sweep);
    for (int t = 1; t <= 4; t *= 2)
        assert_int_equal(sh("'%s' sweep s.yaml --threads %d --out t%d", CT_CLI, t, t), 0);
    same_file("t1.csv", "t2.csv");
    same_file("t1.csv", "t4.csv");
    same_file("t1.json", "t2.json");
    same_file("t1.json", "t4.json");
    char *csv = slurp("t1.csv");
    printf("%s", csv);
    /* A header and 6 scenarios. */
    int lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 7);
    assert_non_null(strstr(csv, "scenario,stations.coat.buffer,source.interarrival,"
                                "throughput_per_h,throughput_per_h_ci95,"));
    assert_non_null(strstr(csv, "dry.utilization,dry.utilization_ci95\n"));
    free(csv);
    /* The default prefix is the sweep file's name. */
    assert_int_equal(sh("'%s' sweep s.yaml", CT_CLI), 0);
    same_file("t1.csv", "s.csv");
}

static void test_shards_merge_same_bytes(void **state)
{
    (void)state;
    write_file("line3.yaml", factory);
    write_file("s.yaml", sweep);
    assert_int_equal(sh("'%s' sweep s.yaml --threads 2 --out whole", CT_CLI), 0);
    for (int k = 1; k <= 3; k++)
        assert_int_equal(sh("'%s' sweep s.yaml --shard %d/3 --out part%d", CT_CLI, k, k), 0);
    assert_int_equal(sh("'%s' merge part3.part.json part1.part.json part2.part.json --out merged",
                        CT_CLI), 0);
    same_file("whole.csv", "merged.csv");
    same_file("whole.json", "merged.json");

    /* A missing shard, a shard twice, a bad --shard: exit 2. */
    assert_int_equal(sh("'%s' merge part1.part.json part2.part.json --out m2", CT_CLI), 2);
    char *err = slurp("err");
    assert_non_null(strstr(err, "is in none of the parts"));
    free(err);
    assert_int_equal(sh("'%s' merge part1.part.json part1.part.json --out m3", CT_CLI), 2);
    assert_int_equal(sh("'%s' sweep s.yaml --shard 4/3", CT_CLI), 2);
}

static void test_mpi_same_bytes(void **state)
{
    (void)state;
#ifndef CT_MPI_CLI
    fail_msg("celltwin-mpi was not built: CMake found no MPI (install openmpi-bin and "
             "libopenmpi-dev, see scripts/deps.sh)");
#else
    if (sh("command -v mpirun") != 0)
        fail_msg("mpirun not found: install openmpi-bin (scripts/deps.sh)");
    write_file("line3.yaml", factory);
    write_file("s.yaml", sweep);
    assert_int_equal(sh("'%s' sweep s.yaml --out single", CT_CLI), 0);
    /* Leak checking off inside the ranks: OpenMPI's own allocations are
     * not freed at exit and would fail a sanitizer build. */
    int st = sh("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                "ASAN_OPTIONS=detect_leaks=0 "
                "mpirun -n 4 --oversubscribe -x ASAN_OPTIONS '%s' sweep s.yaml --out mpi",
                CT_MPI_CLI);
    if (st != 0) {
        char *err = slurp("err");
        fail_msg("mpirun exited %d: %s", st, err ? err : "");
    }
    same_file("single.csv", "mpi.csv");
    same_file("single.json", "mpi.json");
#endif
}

/* The sweep file's mistakes: exit 2, the first line of stderr names
 * FILE:LINE:COL: KEY. */
static void expect_bad(const char *sweep_text, const char *where)
{
    write_file("bad.yaml", sweep_text);
    assert_int_equal(sh("'%s' sweep bad.yaml --out bad", CT_CLI), 2);
    char *err = slurp("err");
    printf("  %s", err);
    char want[256];
    snprintf(want, sizeof want, "celltwin sweep: bad.yaml:%s", where);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("expected stderr to start \"%s\", got \"%s\"", want, err);
    free(err);
}

static void test_bad_sweep_files(void **state)
{
    (void)state;
    write_file("line3.yaml", factory);
    expect_bad("factory: line3.yaml\n"
               "parameters:\n"
               "  - {path: stations.cot.buffer, values: [1]}\n",
               "3:12: parameters[0].path: unknown parameter path");
    expect_bad("factory: line3.yaml\n"
               "lhs: {points: 2}\n"
               "parameters:\n"
               "  - {path: stations.coat.buffer, range: [3, 3]}\n",
               "4:41: parameters[0].range: expected [lo, hi] with lo < hi, got an empty range");
    expect_bad("factory: line3.yaml\n"
               "parameters:\n"
               "  - path: stations.coat.buffer\n"
               "    values: []\n",
               "4:13: parameters[0].values: expected a non-empty list");
    expect_bad("factory: line3.yaml\n"
               "replications: -1\n"
               "parameters:\n"
               "  - {path: stations.coat.buffer, values: [1]}\n",
               "2:15: replications: expected an integer >= 1");
    expect_bad("factory: line3.yaml\n"
               "parameters:\n"
               "  - {path: stations.coat.buffer, values: [1]}\n"
               "thread: 2\n",
               "4:1: thread: unknown key");
    expect_bad("factory: line3.yaml\n"
               "parameters:\n"
               "  - {path: stations.coat.buffer, values: [2, many]}\n",
               "3:46: parameters[0].values[1]: scenario 1 (stations.coat.buffer = many)");
    /* Options. */
    write_file("s.yaml", sweep);
    assert_int_equal(sh("'%s' sweep s.yaml --threads 0", CT_CLI), 2);
    assert_int_equal(sh("'%s' sweep s.yaml --frobnicate", CT_CLI), 2);
    assert_int_equal(sh("'%s' sweep missing.yaml", CT_CLI), 2);
    assert_int_equal(sh("'%s' help sweep", CT_CLI), 0);
    assert_int_equal(sh("'%s' help merge", CT_CLI), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_threads_same_bytes),
        cmocka_unit_test(test_sweep_threads_same_bytes),
        cmocka_unit_test(test_shards_merge_same_bytes),
        cmocka_unit_test(test_mpi_same_bytes),
        cmocka_unit_test(test_bad_sweep_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
