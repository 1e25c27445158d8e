/*
 * trace_floor.c - what SQLite alone costs per traced cell on this machine:
 * the floor under the trace writer of `celltwin run --trace` (issue #6).
 *
 * The trace stores one row per cell in the table `cell` (src/trace/
 * trace_schema.c): a key (run, serial), a dozen small columns and two
 * blobs, the cell's history and features, of 198 and 88 bytes on average
 * in a month of the default factory (examples/prismatic-lfp.yaml, 30 d:
 * 2.44 million cells). This program writes N such rows and nothing else,
 * the cheapest way SQLite offers: serials in key order, 64 rows per
 * INSERT, 2048 rows per transaction, 64 kB pages, synchronous OFF - once
 * with the writer's WAL journal and once with no journal at all (which
 * the trace cannot use: a crash would corrupt the file). It prints the
 * CPU microseconds per row of each. The real writer also stores coils,
 * batches, lots and the coil-to-cell index, so it can only cost more.
 *
 * It also measures how fast the disk under DIR takes a large file to the
 * end (written in 1 MiB pieces, then fdatasync): a trace bigger than the
 * kernel's dirty-page allowance cannot be written faster than that.
 *
 * Usage: trace_floor [--rows N] [--disk-mib M] [--dir DIR]
 *   N rows (default 2,000,000; the database takes about 0.8 GB per
 *   million rows), M MiB for the disk (default 4096, 0 for none), in DIR
 *   (default $TMPDIR or /tmp). Both files are removed afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

enum { ROWS_PER_INSERT = 64, INSERTS_PER_TXN = 32, HISTORY_B = 198, FEATURES_B = 88, COLS = 15 };

static double cpu_seconds(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           1e-6 * (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

static int fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "trace_floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "out of memory");
    return 1;
}

static void remove_db(const char *path)
{
    char side[4096];
    remove(path);
    snprintf(side, sizeof side, "%s-wal", path);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", path);
    remove(side);
}

/* Fills db, set up with the given journal mode, with n rows; *us_per_row
 * gets the CPU microseconds per row. Returns 0 or 1 (having said why). */
static int write_rows(sqlite3 *db, const char *journal, long n, double *us_per_row)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "PRAGMA page_size = 65536; PRAGMA journal_mode = %s; PRAGMA synchronous = OFF;"
             "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 4096;", journal);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "pragmas");
    if (sqlite3_exec(db,
                     "CREATE TABLE cell(run_id INTEGER NOT NULL, serial INTEGER NOT NULL,"
                     " state TEXT NOT NULL, grade TEXT, scrap_station_idx INTEGER, scrap_cause TEXT,"
                     " defects INTEGER NOT NULL, found INTEGER NOT NULL, reworks INTEGER NOT NULL,"
                     " created_s REAL NOT NULL, finished_s REAL, active_kg REAL NOT NULL,"
                     " value_usd REAL NOT NULL, features BLOB, history BLOB NOT NULL,"
                     " PRIMARY KEY(run_id, serial)) WITHOUT ROWID",
                     NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "create table");
    /* INSERT INTO cell VALUES (?,...,?), ... 64 times */
    size_t cap = 64 + (size_t)ROWS_PER_INSERT * (2 * COLS + 4);
    char *ins = malloc(cap);
    if (!ins)
        return fail(NULL, "insert");
    size_t len = (size_t)snprintf(ins, cap, "INSERT INTO cell VALUES ");
    for (int r = 0; r < ROWS_PER_INSERT; r++) {
        len += (size_t)snprintf(ins + len, cap - len, "%s(", r ? "," : "");
        for (int c = 0; c < COLS; c++)
            len += (size_t)snprintf(ins + len, cap - len, c ? ",?" : "?");
        len += (size_t)snprintf(ins + len, cap - len, ")");
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, ins, -1, &st, NULL);
    free(ins);
    if (rc != SQLITE_OK)
        return fail(db, "prepare");

    unsigned char blob[HISTORY_B + FEATURES_B];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (unsigned char)(i * 37u + 11u);
    double c0 = cpu_seconds();
    long serial = 0;
    const char *failed = NULL;
    while (serial < n && !failed) {
        if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
            failed = "begin";
            break;
        }
        for (int k = 0; k < INSERTS_PER_TXN && serial < n && !failed; k++) {
            for (int r = 0; r < ROWS_PER_INSERT; r++, serial++) {
                int p = r * COLS;
                blob[0] = (unsigned char)serial; /* rows differ, as cells do */
                sqlite3_bind_int64(st, p + 1, 1);
                sqlite3_bind_int64(st, p + 2, serial + 1);
                sqlite3_bind_text(st, p + 3, "shipped", -1, SQLITE_STATIC);
                sqlite3_bind_text(st, p + 4, "A", -1, SQLITE_STATIC);
                sqlite3_bind_null(st, p + 5);
                sqlite3_bind_null(st, p + 6);
                sqlite3_bind_int(st, p + 7, 0);
                sqlite3_bind_int(st, p + 8, 0);
                sqlite3_bind_int(st, p + 9, 0);
                sqlite3_bind_double(st, p + 10, 0.25 * (double)serial);
                sqlite3_bind_double(st, p + 11, 0.25 * (double)serial + 1.1e6);
                sqlite3_bind_double(st, p + 12, 1.732);
                sqlite3_bind_double(st, p + 13, 41.5);
                sqlite3_bind_blob(st, p + 14, blob + HISTORY_B, FEATURES_B, SQLITE_TRANSIENT);
                sqlite3_bind_blob(st, p + 15, blob, HISTORY_B, SQLITE_TRANSIENT);
            }
            if (sqlite3_step(st) != SQLITE_DONE)
                failed = "insert";
            sqlite3_reset(st);
        }
        if (!failed && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            failed = "commit";
    }
    if (failed)
        fail(db, failed);
    sqlite3_finalize(st);
    *us_per_row = 1e6 * (cpu_seconds() - c0) / (double)(serial ? serial : 1);
    return failed != NULL;
}

/* write_rows into a new database at path, removed afterwards, whatever
 * happens. Returns 0 or 1. */
static int run(const char *path, const char *journal, long n, double *us_per_row)
{
    remove_db(path);
    sqlite3 *db = NULL;
    int bad = sqlite3_open(path, &db) != SQLITE_OK ? fail(db, path)
                                                    : write_rows(db, journal, n, us_per_row);
    if (sqlite3_close(db) != SQLITE_OK && !bad)
        bad = fail(db, "close");
    remove_db(path);
    return bad;
}

/* Writes mib MiB to path and waits until the disk has them; *mb_s gets
 * the rate in MB/s. Returns 0 or 1. */
static int disk_rate(const char *path, long mib, double *mb_s)
{
    enum { PIECE = 1 << 20 };
    char *buf = malloc(PIECE);
    if (!buf)
        return fail(NULL, "disk");
    memset(buf, 0x5a, PIECE);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        fprintf(stderr, "trace_floor: %s: %s\n", path, strerror(errno));
        free(buf);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int bad = 0;
    for (long i = 0; i < mib && !bad; i++)
        bad = write(fd, buf, PIECE) != PIECE;
    bad = bad || fdatasync(fd) != 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (bad)
        fprintf(stderr, "trace_floor: %s: %s\n", path, strerror(errno));
    close(fd);
    remove(path);
    free(buf);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    *mb_s = (double)mib * PIECE / 1e6 / s;
    return bad;
}

/* A whole number >= min from argument arg of option opt, or -1. */
static long whole(const char *opt, const char *arg, long min)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < min) {
        fprintf(stderr, "trace_floor: %s: expected a whole number >= %ld, got '%s'\n", opt, min, arg);
        return -1;
    }
    return v;
}

int main(int argc, char **argv)
{
    long n = 2000000, mib = 4096;
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
            if ((n = whole("--rows", argv[++i], ROWS_PER_INSERT)) < 0)
                return 2;
            n -= n % ROWS_PER_INSERT;
        } else if (strcmp(argv[i], "--disk-mib") == 0 && i + 1 < argc) {
            if ((mib = whole("--disk-mib", argv[++i], 0)) < 0)
                return 2;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            fprintf(stderr, "usage: trace_floor [--rows N] [--disk-mib M] [--dir DIR]\n");
            return 2;
        }
    }
    char path[4096];
    /* the disk first, before the databases leave pages to write back */
    double wal, off, rate = 0.0;
    snprintf(path, sizeof path, "%s/trace_floor.disk", dir);
    if (mib > 0 && disk_rate(path, mib, &rate))
        return 1;
    snprintf(path, sizeof path, "%s/trace_floor.db", dir);
    if (run(path, "WAL", n, &wal) || run(path, "OFF", n, &off))
        return 1;
    printf("{\"rows\": %ld, \"row_blob_bytes\": %d, \"us_per_row_wal\": %.3f, "
           "\"us_per_row_no_journal\": %.3f, \"disk_mib\": %ld, \"disk_write_mb_s\": %.1f}\n",
           n, HISTORY_B + FEATURES_B, wal, off, mib, rate);
    return 0;
}
