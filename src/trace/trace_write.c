/*
 * trace_write.c - the trace writer: an observer (observer.h) that turns a
 * run's callbacks into rows of the trace database.
 *
 * The callbacks run on the simulation's thread and must be cheap: there
 * are about twenty station passages per cell and millions of cells a
 * month. So a cell's passages and measurements are handed over as they
 * come (fixed records in the chunks below, one-byte tags; the passages
 * of one job after the first by serial alone); the writer thread appends
 * them, varint encoded, to a small buffer kept per cell in process (a hash
 * map keyed by serial: memory follows work in progress), which becomes
 * one BLOB when the cell's record arrives, and builds the station index
 * (passage_bucket) from them; coil_cells gets a row per coil lane per
 * chunk (coil_group). Finished cells, batches and coils are serialised
 * into 1 MB chunks; a writer thread stores
 * them, up to 32 chunks a transaction (writer_main), with prepared
 * statements (WAL mode, synchronous OFF), so the simulation and SQLite
 * work side by side and a run killed at any moment leaves every committed
 * transaction readable. The
 * queue of chunks is bounded: a simulation faster than the disk waits.
 * A failed write (disk full) stops the storing; ct_trace_close reports it.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/factory_internal.h"
#include "trace/trace_internal.h"

#define CHUNK_BYTES (1u << 20)
#define QUEUE_MAX 16               /* chunks waiting for the writer: 16 MB at most */
#define BUCKET_ACCS 4              /* open time buckets per station */
#define BUCKET_MAX_BYTES 65536     /* a bucket's serial list is flushed in parts beyond this */
#define COIL_HINTS 10              /* pieces and lots of a cell (4 + 6) */
#define TXN_CHUNKS 32              /* chunks per transaction at most */
#define TXN_MS 1000                /* age at which a transaction commits when the queue is empty */
#define HIST_BLOCK 192             /* pooled history buffer of a cell in process (most fit) */
#define SLAB_BLOCKS 256            /* history blocks allocated at once (the first links the slabs) */

/* Record types (one byte). A cell's passage of the same job as the
 * passage record before it (same station, server, start and end: a batch
 * station's job) is a REC_CELL_PASSAGE_SAME, the serial alone.
 * REC_FLUSH_BUCKETS: the run ended, the station index is complete. */
enum {
    REC_CELL = 1, REC_UNIT, REC_RUN_END, REC_CELL_PASSAGE, REC_CELL_PASSAGE_SAME, REC_CELL_MEASUREMENT,
    REC_FLUSH_BUCKETS
};

/* ---- chunks ---------------------------------------------------------------- */

typedef struct chunk {
    struct chunk *next;
    int rep;
    size_t len, cap;
    uint8_t data[];
} chunk;

/* ---- per-replication state --------------------------------------------------- */

/* The history of a cell in process. */
typedef struct wip_slot {
    uint64_t serial;        /* 0: empty */
    uint8_t *buf;
    uint32_t len, cap;
    int64_t prev_ms;
} wip_slot;

typedef struct wip_map {
    wip_slot *slots;        /* direct: serial mod cap */
    size_t cap, n;          /* cap a power of two */
    wip_slot *ov;           /* overflow: lingering cells */
    size_t ov_cap, ov_n;
    void *pool;             /* free history blocks (HIST_BLOCK bytes), each linking the next */
    void *slabs;            /* the blocks' allocations, each linking the next */
} wip_map;

typedef struct upassage {
    int32_t station, server;
    double start_s, end_s;
} upassage;

typedef struct umeas {
    int32_t gate, decision;
    double value, time_s;
} umeas;

/* An encoded cell kept until the run ends. */
typedef struct deferred {
    uint64_t serial;
    uint8_t *buf;
    size_t len;
} deferred;

/* A batch or coil seen (passages, measurements) before it is done. */
typedef struct pend_unit {
    int kind;
    int maker;
    uint64_t number;
    unsigned lane;
    upassage *pass;
    int n_pass, cap_pass;
    umeas *meas;
    int n_meas, cap_meas;
} pend_unit;

/* Cells that started a job at a station within one hour: the station
 * index (passage_bucket). */
typedef struct bucket_acc {
    int64_t bucket;         /* -1: free */
    uint32_t n;
    double min_dur, max_dur;
    uint64_t last;
    cti_buf serials;
} bucket_acc;

/* The pieces of one coil lane that the cells of one group were made of:
 * a row of coil_cells, the reverse index of the genealogy (coil -> cells). */
typedef struct coil_acc {
    int maker;
    uint64_t coil;
    uint32_t lane;
    int anode;
    uint32_t n;
    uint64_t last;
    int64_t last_um;
    cti_buf pieces;
} coil_acc;

/* The coil lanes of the cells of one chunk: a row of coil_cells each. */
typedef struct coil_group {
    coil_acc *coils;
    int n, cap;
    int hint[COIL_HINTS];   /* see coil_acc_get */
} coil_group;

/* The last passage of a cell handed over in full (see REC_CELL_PASSAGE_SAME). */
typedef struct job_key {
    int32_t station, server;
    double start_s, end_s;
} job_key;
_Static_assert(sizeof(job_key) == 24, "a passage record's job is 24 bytes, unpadded");

/* A replication's state. The simulation thread's fields and the writer
 * thread's are on cache lines of their own: the writer changes its map of
 * cells in process for every cell, and a line shared with the chunk the
 * callbacks write to would travel between the cores each time. */
typedef struct rep_state {
    /* the simulation thread's (the callbacks) */
    struct ct_trace *t;
    int rep;
    chunk *cur;
    pend_unit *units;
    int n_units, cap_units;
    deferred *deferred;     /* cells in process at the end, stored by serial */
    size_t n_deferred, cap_deferred;
    uint64_t last_in_process;       /* highest serial of the cells in process put so far */
    uint64_t shipped, scrapped, in_process;
    int last_maker;         /* cache of maker lookups */
    job_key job;            /* of the last REC_CELL_PASSAGE put (station -1: none) */
    bool done;
    /* the writer thread's (and the opening and closing thread's) */
    _Alignas(64) int64_t run_id;
    char code[CTI_RUN_CODE_LEN + 1];
    wip_map wip;
    bucket_acc *acc;        /* n_stations x BUCKET_ACCS */
    job_key wjob;           /* of the last REC_CELL_PASSAGE stored */
    coil_group grp;
} rep_state;

struct ct_trace {
    char *path;
    sqlite3 *db;
    const ct_factory *f;
    const ct_run_options *opt;
    int64_t factory_id;
    ct_observer obs;
    rep_state *reps;
    int n_reps;

    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    pthread_cond_t cv_item, cv_space;
    chunk *q_head, *q_tail;
    int q_len;
    bool quit;
    chunk *free_chunks;
    int n_free;

    atomic_bool failed;
    ct_error error;                 /* first failure, under lock */
    ct_trace_counts counts;         /* under lock */

    /* the writer thread's, on cache lines of their own (see rep_state) */
    _Alignas(64) ct_trace_counts pending;   /* in the open transaction */
    struct staged_cell *staged;     /* writer thread: cells for the next INSERT */
    int n_staged;
    sqlite3_stmt *ins_cells, *ins_cell, *ins_seg, *ins_unit, *ins_input, *ins_lot, *ins_span, *ins_upass,
        *ins_umeas, *ins_bucket, *upd_run;
};

/* coil_acc.anode of a lot's row (polarity 'lot'). */
#define ACC_LOT 2

/* Array p of *cap items of size bytes, grown to twice as many (first
 * when empty): the new array, *cap updated; NULL with p and *cap as they
 * were when memory is short. */
static void *grow_items(void *p, int *cap, int first, size_t size)
{
    int n = *cap ? 2 * *cap : first;
    void *q = realloc(p, (size_t)n * size);
    if (q)
        *cap = n;
    return q;
}

/* The group's accumulator of a coil lane (anode 0/1) or a lot (ACC_LOT,
 * maker = material, coil = lot number), made on first use; NULL when out
 * of memory. */
static coil_acc *coil_acc_get(coil_group *g, int k, int maker, uint64_t coil, uint32_t lane, int anode)
{
#define ACC_IS(a) ((a)->maker == maker && (a)->coil == coil && (a)->lane == lane && (a)->anode == anode)
    /* the cells of a group come from a few coils and lots, in runs: the
     * accumulator that piece k of the cell before used is the likely one */
    int *hint = &g->hint[k < COIL_HINTS ? k : COIL_HINTS - 1];
    if (*hint < g->n && ACC_IS(&g->coils[*hint]))
        return &g->coils[*hint];
    for (int i = g->n - 1; i >= 0; i--)
        if (ACC_IS(&g->coils[i]))
            return &g->coils[*hint = i];
#undef ACC_IS
    if (g->n == g->cap) {
        int old = g->cap;
        coil_acc *p = grow_items(g->coils, &g->cap, 16, sizeof *p);
        if (!p)
            return NULL;
        memset(p + old, 0, (size_t)(g->cap - old) * sizeof *p);
        g->coils = p;
    }
    *hint = g->n;
    coil_acc *a = &g->coils[g->n++];
    a->maker = maker;
    a->coil = coil;
    a->lane = lane;
    a->anode = anode;
    a->n = 0;
    a->last = 0;
    a->last_um = 0;
    a->pieces.len = 0;
    return a;
}

/* ---- failure ---------------------------------------------------------------- */

static void fail(ct_trace *t, ct_status st, const char *fmt, const char *detail)
{
    pthread_mutex_lock(&t->lock);
    if (!atomic_load(&t->failed)) {
        ct_error_set(&t->error, st, fmt, t->path, detail);
        atomic_store(&t->failed, true);
    }
    pthread_cond_broadcast(&t->cv_space);
    pthread_mutex_unlock(&t->lock);
}

static void fail_nomem(ct_trace *t)
{
    fail(t, CT_ERR_NOMEM, "%s: out of memory while tracing%s", "");
}

bool ct_trace_failed(ct_trace *t, ct_error *err)
{
    if (!t || !atomic_load(&t->failed))
        return false;
    if (err) {
        pthread_mutex_lock(&t->lock);
        *err = t->error;
        pthread_mutex_unlock(&t->lock);
    }
    return true;
}

void ct_trace_get_counts(ct_trace *t, ct_trace_counts *out)
{
    pthread_mutex_lock(&t->lock);
    *out = t->counts;
    pthread_mutex_unlock(&t->lock);
}

/* ---- the queue ---------------------------------------------------------------- */

static chunk *chunk_new(ct_trace *t, int rep, size_t need)
{
    chunk *c = NULL;
    if (need <= CHUNK_BYTES) {
        pthread_mutex_lock(&t->lock);
        if (t->free_chunks) {
            c = t->free_chunks;
            t->free_chunks = c->next;
            t->n_free--;
        }
        pthread_mutex_unlock(&t->lock);
        need = CHUNK_BYTES;
    }
    if (!c) {
        if (!(c = malloc(sizeof *c + need)))
            return NULL;
        c->cap = need;
    }
    c->next = NULL;
    c->rep = rep;
    c->len = 0;
    return c;
}

static void chunk_recycle(ct_trace *t, chunk *c)
{
    pthread_mutex_lock(&t->lock);
    if (c->cap == CHUNK_BYTES && t->n_free < QUEUE_MAX + 2) {
        c->next = t->free_chunks;
        t->free_chunks = c;
        t->n_free++;
        c = NULL;
    }
    pthread_mutex_unlock(&t->lock);
    free(c);
}

/* Hands the current chunk of r to the writer (waits while the queue is full). */
static void submit(rep_state *r)
{
    ct_trace *t = r->t;
    chunk *c = r->cur;
    r->cur = NULL;
    if (!c)
        return;
    if (c->len == 0) {
        chunk_recycle(t, c);
        return;
    }
    pthread_mutex_lock(&t->lock);
    while (t->q_len >= QUEUE_MAX && !atomic_load(&t->failed))
        pthread_cond_wait(&t->cv_space, &t->lock);
    if (atomic_load(&t->failed)) {
        pthread_mutex_unlock(&t->lock);
        free(c);
        return;
    }
    if (t->q_tail)
        t->q_tail->next = c;
    else
        t->q_head = c;
    t->q_tail = c;
    t->q_len++;
    pthread_cond_signal(&t->cv_item);
    pthread_mutex_unlock(&t->lock);
}

/* Out of the callbacks' fast paths (they keep few registers to save). */
#define COLD __attribute__((cold, noinline))

/* room's slow path: the next chunk. */
static COLD chunk *next_chunk(rep_state *r, size_t need)
{
    submit(r);
    if (!(r->cur = chunk_new(r->t, r->rep, need))) {
        fail_nomem(r->t);
        return NULL;
    }
    return r->cur;
}

/* Room for need more bytes in r's chunk; NULL when out of memory. (Inline:
 * every passage of every cell comes through here.) */
static inline chunk *room(rep_state *r, size_t need)
{
    if (r->cur && r->cur->len + need <= r->cur->cap)
        return r->cur;
    return next_chunk(r, need);
}

/* ---- record encoding (host byte order: the chunk never leaves the process) ---- */

typedef struct wr {
    uint8_t *p;
} wr;

#define PUT(w, type, v)                           \
    do {                                          \
        type put_v_ = (v);                        \
        memcpy((w)->p, &put_v_, sizeof put_v_);   \
        (w)->p += sizeof put_v_;                  \
    } while (0)

static void put_str(wr *w, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;
    PUT(w, uint32_t, n);
    if (s) {
        memcpy(w->p, s, n);
        w->p += n;
    }
}

static size_t str_size(const char *s)
{
    return 4 + (s ? strlen(s) : 0);
}

typedef struct rd {
    const uint8_t *p;
} rd;

#define GET(r, type, out)                          \
    do {                                           \
        memcpy(&(out), (r)->p, sizeof(type));      \
        (r)->p += sizeof(type);                    \
    } while (0)

static const char *get_str(rd *r, int *len)
{
    uint32_t n;
    GET(r, uint32_t, n);
    if (n == UINT32_MAX) {
        *len = 0;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p += n;
    *len = (int)n;
    return s;
}

/* ---- lookups ------------------------------------------------------------------ */

static int station_index(rep_state *r, const char *name)
{
    const ct_factory *f = r->t->f;
    if (!name)
        return -1;
    if (r->last_maker >= 0 && r->last_maker < f->n_stations &&
        (f->stations[r->last_maker].name == name || strcmp(f->stations[r->last_maker].name, name) == 0))
        return r->last_maker;
    for (int i = 0; i < f->n_stations; i++)
        if (f->stations[i].name == name || strcmp(f->stations[i].name, name) == 0)
            return r->last_maker = i;
    return -1;
}

static int material_index(const ct_factory *f, const char *name)
{
    for (int i = 0; name && i < f->n_materials; i++)
        if (f->materials[i].name == name || strcmp(f->materials[i].name, name) == 0)
            return i;
    return -1;
}

/* gate_of's slow path: a gate named like name (a copy of its name). */
static COLD int gate_by_name(const ct_factory *f, const char *name)
{
    for (int i = 0; name && i < f->n_gates; i++)
        if (strcmp(f->gates[i].name, name) == 0)
            return i;
    return -1;
}

static inline int64_t to_ms(double s)
{
    return (int64_t)(s * 1000.0 + (s >= 0 ? 0.5 : -0.5));
}

/* ---- cells in process --------------------------------------------------------- */

/* Serials are consecutive and cells move through the line roughly in
 * order, so the cells in process form a window of serials. The map is
 * direct: serial s lives in slots[s mod cap], where consecutive cells
 * share cache lines and removing is clearing. A cell that lingers (held
 * for the laboratory, a long rework loop) and whose slot a new serial
 * needs moves to a small overflow table (linear probing on a mixed hash);
 * the direct table doubles only when it is half full. */
static inline size_t mix_hash(uint64_t serial, size_t cap)
{
    return (size_t)((serial * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

static wip_slot *ov_find(wip_map *m, uint64_t serial)
{
    if (!m->ov_n)
        return NULL;
    for (size_t h = mix_hash(serial, m->ov_cap);; h = (h + 1) & (m->ov_cap - 1)) {
        if (m->ov[h].serial == serial)
            return &m->ov[h];
        if (!m->ov[h].serial)
            return NULL;
    }
}

static bool ov_insert(wip_map *m, const wip_slot *e)
{
    if (2 * (m->ov_n + 1) > m->ov_cap) {
        size_t cap = m->ov_cap ? 2 * m->ov_cap : 64;
        wip_slot *n = calloc(cap, sizeof *n);
        if (!n)
            return false;
        for (size_t i = 0; i < m->ov_cap; i++) {
            if (!m->ov[i].serial)
                continue;
            size_t h = mix_hash(m->ov[i].serial, cap);
            while (n[h].serial)
                h = (h + 1) & (cap - 1);
            n[h] = m->ov[i];
        }
        free(m->ov);
        m->ov = n;
        m->ov_cap = cap;
    }
    size_t h = mix_hash(e->serial, m->ov_cap);
    while (m->ov[h].serial)
        h = (h + 1) & (m->ov_cap - 1);
    m->ov[h] = *e;
    m->ov_n++;
    return true;
}

/* Removes an overflow slot, shifting its probe chain back (no tombstones). */
static void ov_remove(wip_map *m, wip_slot *slot)
{
    size_t i = (size_t)(slot - m->ov), mask = m->ov_cap - 1;
    m->ov[i].serial = 0;
    m->ov_n--;
    for (size_t j = (i + 1) & mask; m->ov[j].serial; j = (j + 1) & mask) {
        size_t h = mix_hash(m->ov[j].serial, m->ov_cap);
        if (((j - h) & mask) >= ((j - i) & mask)) {
            m->ov[i] = m->ov[j];
            m->ov[j].serial = 0;
            i = j;
        }
    }
}

/* Places e in the direct table, or in the overflow when its slot is taken. */
static bool place(wip_map *m, const wip_slot *e)
{
    wip_slot *d = &m->slots[e->serial & (m->cap - 1)];
    if (!d->serial) {
        *d = *e;
        m->n++;
        return true;
    }
    return ov_insert(m, e);
}

static bool wip_grow(wip_map *m)
{
    wip_map g = {NULL, m->cap ? 2 * m->cap : 4096, 0, NULL, 0, 0, m->pool, m->slabs};
    if (!(g.slots = calloc(g.cap, sizeof *g.slots)))
        return false;
    bool ok = true;
    for (size_t i = 0; i < m->cap && ok; i++)
        if (m->slots[i].serial)
            ok = place(&g, &m->slots[i]);
    for (size_t i = 0; i < m->ov_cap && ok; i++)
        if (m->ov[i].serial)
            ok = place(&g, &m->ov[i]);
    if (!ok) {
        free(g.slots);
        free(g.ov);
        return false;
    }
    free(m->slots);
    free(m->ov);
    *m = g;
    return true;
}

static wip_slot *wip_find(wip_map *m, uint64_t serial)
{
    if (!m->cap)
        return NULL;
    wip_slot *d = &m->slots[serial & (m->cap - 1)];
    return d->serial == serial ? d : ov_find(m, serial);
}

static wip_slot *wip_get(wip_map *m, uint64_t serial)
{
    wip_slot *e = wip_find(m, serial);
    if (e)
        return e;
    if (!m->cap && !wip_grow(m))
        return NULL;
    wip_slot *d = &m->slots[serial & (m->cap - 1)];
    if (d->serial) {
        if (2 * (m->n + 1) > m->cap) {
            if (!wip_grow(m))
                return NULL;
            return wip_get(m, serial);
        }
        /* the lingering cell moves aside */
        if (!ov_insert(m, d))
            return NULL;
        m->n--;
    }
    *d = (wip_slot){serial, NULL, 0, 0, 0};
    m->n++;
    return d;
}

/* Removes a slot (its buffer is the caller's). */
static void wip_remove(wip_map *m, wip_slot *slot)
{
    if (slot >= m->slots && slot < m->slots + m->cap) {
        slot->serial = 0;
        m->n--;
    } else {
        ov_remove(m, slot);
    }
}

/* Gives back the history buffer of a cell that left: a block to the
 * pool, a larger buffer to the heap. */
static void hist_release(wip_map *m, uint8_t *buf, uint32_t cap)
{
    if (cap == HIST_BLOCK) {
        memcpy(buf, &m->pool, sizeof m->pool);
        m->pool = buf;
    } else {
        free(buf);
    }
}

/* Room for n more bytes in s's history (slot_reserve's slow path). */
static bool slot_grow(wip_map *m, wip_slot *s, uint32_t n)
{
    uint8_t *p;
    if (!s->cap && n <= HIST_BLOCK) {
        /* most cells' history in process fits in one block of the pool:
         * no malloc and free per cell, no copying */
        if (!m->pool) {
            /* blocks come in slabs: a million cells in process at the
             * end of a month are freed in a few thousand calls */
            uint8_t *slab = malloc((size_t)SLAB_BLOCKS * HIST_BLOCK);
            if (!slab)
                return false;
            memcpy(slab, &m->slabs, sizeof m->slabs);
            m->slabs = slab;
            for (int i = SLAB_BLOCKS - 1; i >= 1; i--)
                hist_release(m, slab + (size_t)i * HIST_BLOCK, HIST_BLOCK);
        }
        p = m->pool;
        memcpy(&m->pool, p, sizeof m->pool);
        s->buf = p;
        s->cap = HIST_BLOCK;
        return true;
    }
    uint32_t cap = s->cap ? s->cap * 2 : HIST_BLOCK * 2;
    while (cap < s->len + n)
        cap *= 2;
    if (s->cap == HIST_BLOCK) {
        if (!(p = malloc(cap)))
            return false;
        memcpy(p, s->buf, s->len);
        hist_release(m, s->buf, s->cap);
    } else if (!(p = realloc(s->buf, cap))) {
        return false;
    }
    s->buf = p;
    s->cap = cap;
    return true;
}

static inline bool slot_reserve(wip_map *m, wip_slot *s, uint32_t n)
{
    return s->len + n <= s->cap || slot_grow(m, s, n);
}

/* ---- the station index (writer thread) ---------------------------------- */

static int step(sqlite3_stmt *s);

/* Stores a's cells as a row of passage_bucket and empties it. */
static int bucket_flush(ct_trace *t, rep_state *r, int station, bucket_acc *a)
{
    int rc = SQLITE_OK;
    if (a->n > 0) {
        sqlite3_stmt *q = t->ins_bucket;
        sqlite3_bind_int64(q, 1, r->run_id);
        sqlite3_bind_int(q, 2, station);
        sqlite3_bind_int64(q, 3, a->bucket);
        sqlite3_bind_int64(q, 4, a->n);
        sqlite3_bind_double(q, 5, a->min_dur);
        sqlite3_bind_double(q, 6, a->max_dur);
        sqlite3_bind_blob(q, 7, a->serials.p, (int)a->serials.len, SQLITE_STATIC);
        rc = step(q);
    }
    a->bucket = -1;
    a->n = 0;
    a->last = 0;
    a->serials.len = 0;
    return rc;
}

static int bucket_add(ct_trace *t, rep_state *r, int station, uint64_t serial, double start, double dur)
{
    bucket_acc *accs = &r->acc[(size_t)station * BUCKET_ACCS];
    /* truncation is the floor for the times >= 0 that count */
    int64_t b = start > 0 ? (int64_t)(start / CTI_TRACE_BUCKET_S) : 0;
    bucket_acc *a = NULL, *oldest = NULL;
    int rc = SQLITE_OK;
    for (int i = 0; i < BUCKET_ACCS; i++) {
        if (accs[i].bucket == b) {
            a = &accs[i];
            break;
        }
        if (!oldest || accs[i].bucket < oldest->bucket)
            oldest = &accs[i];
    }
    if (!a) {
        a = oldest;
        rc = bucket_flush(t, r, station, a);
        a->bucket = b;
    } else if (a->serials.len >= BUCKET_MAX_BYTES) {
        rc = bucket_flush(t, r, station, a);
        a->bucket = b;
    }
    if (rc != SQLITE_OK)
        return rc;
    if (!cti_buf_reserve(&a->serials, 10))
        return SQLITE_NOMEM;
    a->serials.len += cti_put_varint(a->serials.p + a->serials.len,
                                     cti_zigzag((int64_t)(serial - a->last)));
    a->last = serial;
    if (a->n == 0 || dur < a->min_dur)
        a->min_dur = dur;
    if (a->n == 0 || dur > a->max_dur)
        a->max_dur = dur;
    a->n++;
    return SQLITE_OK;
}

/* ---- batches and coils before they are done ------------------------------- */

static int unit_kind(ct_unit_kind k)
{
    return k == CT_UNIT_BATCH ? 1 : k == CT_UNIT_COIL ? 2 : k == CT_UNIT_LOT ? 3 : 0;
}

static pend_unit *pend_find(rep_state *r, const ct_unit_ref *u, int maker, bool add)
{
    int kind = unit_kind(u->kind);
    for (int i = r->n_units - 1; i >= 0; i--) {
        pend_unit *p = &r->units[i];
        if (p->kind == kind && p->maker == maker && p->number == u->number && p->lane == u->lane)
            return p;
    }
    if (!add)
        return NULL;
    if (r->n_units == r->cap_units) {
        pend_unit *n = grow_items(r->units, &r->cap_units, 64, sizeof *n);
        if (!n)
            return NULL;
        r->units = n;
    }
    pend_unit *p = &r->units[r->n_units++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->maker = maker;
    p->number = u->number;
    p->lane = u->lane;
    return p;
}

static void pend_drop(rep_state *r, pend_unit *p)
{
    free(p->pass);
    free(p->meas);
    *p = r->units[--r->n_units];
}

/* ---- the callbacks ---------------------------------------------------------- */

static rep_state *rep_of(void *ctx, int rep)
{
    ct_trace *t = ctx;
    if (rep < 0 || rep >= t->n_reps || atomic_load_explicit(&t->failed, memory_order_relaxed))
        return NULL;
    return &t->reps[rep];
}

/* The pending record of a batch or coil, made on first use; NULL (the
 * trace failed) when out of memory. */
static pend_unit *pend_of(rep_state *r, const ct_unit_ref *unit)
{
    pend_unit *u = pend_find(r, unit, station_index(r, unit->maker), true);
    if (!u)
        fail_nomem(r->t);
    return u;
}

/* A batch's or coil's passage, kept until it is done. */
static COLD void unit_passage(rep_state *r, const ct_passage *p, int station)
{
    pend_unit *u = pend_of(r, &p->unit);
    if (!u)
        return;
    if (u->n_pass == u->cap_pass) {
        upassage *n = grow_items(u->pass, &u->cap_pass, 8, sizeof *n);
        if (!n) {
            fail_nomem(r->t);
            return;
        }
        u->pass = n;
    }
    u->pass[u->n_pass++] = (upassage){station, p->server, p->start_s, p->end_s};
}

/* A cell's passage, handed over as it came: the writer thread adds it to
 * the cell's history and to the station index. The cells of a job after
 * the first go by serial alone. */
static void on_passage(void *ctx, int rep, const ct_passage *p)
{
    rep_state *r = rep_of(ctx, rep);
    if (!r)
        return;
    int station = p->station_index;
    if (station < 0 || station >= r->t->f->n_stations)
        return;
    if (p->unit.kind != CT_UNIT_CELL) {
        if (p->unit.kind == CT_UNIT_BATCH || p->unit.kind == CT_UNIT_COIL)
            unit_passage(r, p, station);
        return;
    }
    int32_t server = p->server > 0 ? p->server : 0;
    if (r->job.station == station && r->job.server == server && r->job.start_s == p->start_s &&
        r->job.end_s == p->end_s) {
        chunk *ch = room(r, 1 + 8);
        if (!ch)
            return;
        uint8_t *o = ch->data + ch->len;
        o[0] = REC_CELL_PASSAGE_SAME;
        memcpy(o + 1, &p->unit.number, 8);
        ch->len += 1 + 8;
        return;
    }
    chunk *ch = room(r, 1 + 8 + sizeof(job_key));
    if (!ch)
        return;
    r->job = (job_key){station, server, p->start_s, p->end_s};
    uint8_t *o = ch->data + ch->len;
    o[0] = REC_CELL_PASSAGE;
    memcpy(o + 1, &p->unit.number, 8);
    memcpy(o + 9, &r->job, sizeof r->job);
    ch->len += 1 + 8 + sizeof r->job;
}

/* A batch's or coil's measurement, kept until it is done. */
static COLD void unit_measurement(rep_state *r, const ct_measurement *m, int gate, int decision)
{
    pend_unit *u = pend_of(r, &m->unit);
    if (!u)
        return;
    if (u->n_meas == u->cap_meas) {
        umeas *n = grow_items(u->meas, &u->cap_meas, 8, sizeof *n);
        if (!n) {
            fail_nomem(r->t);
            return;
        }
        u->meas = n;
    }
    u->meas[u->n_meas++] = (umeas){gate, decision, m->value, m->time_s};
}

/* The gate's index: the names given are the factory's own (a pointer
 * compare over a few gates), or equal to one. */
static inline int gate_of(const ct_factory *f, const char *name)
{
    for (int i = 0; i < f->n_gates; i++)
        if (f->gates[i].name == name)
            return i;
    return gate_by_name(f, name);
}

static void on_measurement(void *ctx, int rep, const ct_measurement *m)
{
    rep_state *r = rep_of(ctx, rep);
    if (!r)
        return;
    int gate = gate_of(r->t->f, m->gate);
    if (gate < 0)
        return;
    int decision = m->pass ? CTI_DEC_PASS : cti_trace_decision_code(m->decision);
    if (m->unit.kind != CT_UNIT_CELL) {
        if (m->unit.kind == CT_UNIT_BATCH || m->unit.kind == CT_UNIT_COIL)
            unit_measurement(r, m, gate, decision);
        return;
    }
    chunk *ch = room(r, 1 + 8 + 4 + 1 + 8 + 8);
    if (!ch)
        return;
    wr w = {ch->data + ch->len};
    PUT(&w, uint8_t, REC_CELL_MEASUREMENT);
    PUT(&w, uint64_t, m->unit.number);
    PUT(&w, int32_t, gate);
    PUT(&w, uint8_t, (uint8_t)decision);
    PUT(&w, double, m->value);
    PUT(&w, double, m->time_s);
    ch->len = (size_t)(w.p - ch->data);
}

enum { STATE_IN_PROCESS = 0, STATE_SHIPPED, STATE_SCRAPPED };

/* Serialises a cell; s (may be NULL) holds its history. */
static size_t cell_size(const ct_cell_info *c, const wip_slot *s)
{
    int na = c->attr ? ct_cell_attr_count : 0;
    int ns = c->n_segments < 0 ? 0 : c->n_segments > 4 ? 4 : c->n_segments;
    int nl = c->n_lots < 0 ? 0 : c->n_lots > 6 ? 6 : c->n_lots;
    return 1 + 8 + 1 + 4 + str_size(c->cause) + str_size(c->grade) + 3 * 4 + 4 * 8 + 4 +
           (size_t)na * 4 + 1 + (size_t)ns * (4 + 8 + 4 + 1 + 16) + 1 + (size_t)nl * (4 + 4 + 8) + 4 +
           (s ? s->len : 0);
}

/* Serialises a cell at out (cell_size bytes); s (may be NULL) holds its
 * history. Returns the end. */
static uint8_t *encode_cell(uint8_t *out, const ct_cell_info *c, int state,
                            const wip_slot *s)
{
    int na = c->attr ? ct_cell_attr_count : 0;
    int ns = c->n_segments < 0 ? 0 : c->n_segments > 4 ? 4 : c->n_segments;
    uint32_t hl = s ? s->len : 0;
    wr w = {out};
    PUT(&w, uint8_t, REC_CELL);
    PUT(&w, uint64_t, c->serial);
    PUT(&w, uint8_t, (uint8_t)state);
    PUT(&w, int32_t, state == STATE_SCRAPPED ? c->station_index : -1);
    put_str(&w, c->cause);
    put_str(&w, c->grade);
    PUT(&w, uint32_t, c->defects);
    PUT(&w, uint32_t, c->found);
    PUT(&w, uint32_t, c->reworks);
    PUT(&w, double, c->created_s);
    PUT(&w, double, state == STATE_IN_PROCESS ? NAN : c->finished_s);
    PUT(&w, double, c->active_kg);
    PUT(&w, double, c->value_usd);
    PUT(&w, uint32_t, (uint32_t)na);
    if (na) {
        memcpy(w.p, c->attr, (size_t)na * sizeof(float));
        w.p += (size_t)na * sizeof(float);
    }
    PUT(&w, uint8_t, (uint8_t)ns);
    for (int i = 0; i < ns; i++) {
        const ct_cell_segment *g = &c->segments[i];
        PUT(&w, int32_t, g->maker_index);
        PUT(&w, uint64_t, g->coil);
        PUT(&w, uint32_t, g->lane);
        PUT(&w, uint8_t, (uint8_t)(g->anode != 0));
        PUT(&w, double, g->from_m);
        PUT(&w, double, g->to_m);
    }
    int nl = c->n_lots < 0 ? 0 : c->n_lots > 6 ? 6 : c->n_lots;
    PUT(&w, uint8_t, (uint8_t)nl);
    for (int i = 0; i < nl; i++) {
        PUT(&w, int32_t, c->lots[i].material_index);
        PUT(&w, uint32_t, c->lots[i].lot);
        PUT(&w, double, c->lots[i].kg);
    }
    PUT(&w, uint32_t, hl);
    if (hl) {
        memcpy(w.p, s->buf, hl);
        w.p += hl;
    }
    return w.p;
}

static void put_cell(rep_state *r, const ct_cell_info *c, int state, const wip_slot *s)
{
    chunk *ch = room(r, cell_size(c, s));
    if (ch)
        ch->len = (size_t)(encode_cell(ch->data + ch->len, c, state, s) - ch->data);
}

/* Cells still in the line when the run ends arrive in no particular order;
 * they are kept and stored by serial, so their inserts fill the cell table
 * page by page instead of touching a random page each. */
static void defer_cell(rep_state *r, const ct_cell_info *c, const wip_slot *s)
{
    if (r->n_deferred == r->cap_deferred) {
        size_t cap = r->cap_deferred ? 2 * r->cap_deferred : 4096;
        deferred *d = realloc(r->deferred, cap * sizeof *d);
        if (!d) {
            fail_nomem(r->t);
            return;
        }
        r->deferred = d;
        r->cap_deferred = cap;
    }
    size_t n = cell_size(c, s);
    uint8_t *buf = malloc(n);
    if (!buf) {
        fail_nomem(r->t);
        return;
    }
    encode_cell(buf, c, STATE_IN_PROCESS, s);
    r->deferred[r->n_deferred++] = (deferred){c->serial, buf, n};
}

static int by_serial(const void *a, const void *b)
{
    uint64_t x = ((const deferred *)a)->serial, y = ((const deferred *)b)->serial;
    return x < y ? -1 : x > y;
}

static void put_deferred(rep_state *r)
{
    if (r->n_deferred > 1)
        qsort(r->deferred, r->n_deferred, sizeof *r->deferred, by_serial);
    for (size_t i = 0; i < r->n_deferred; i++) {
        deferred *d = &r->deferred[i];
        chunk *ch = room(r, d->len);
        if (ch) {
            memcpy(ch->data + ch->len, d->buf, d->len);
            ch->len += d->len;
        }
        free(d->buf);
    }
    free(r->deferred);
    r->deferred = NULL;
    r->n_deferred = r->cap_deferred = 0;
}

static void on_cell_done(void *ctx, int rep, const ct_cell_info *c)
{
    rep_state *r = rep_of(ctx, rep);
    if (!r)
        return;
    int state = c->in_process ? STATE_IN_PROCESS : c->scrapped ? STATE_SCRAPPED : STATE_SHIPPED;
    /* cells in process come at the end, in serial order from the line;
     * one out of order is kept and sorted with the others. The history
     * (passages, measurements) joins the cell in the writer thread. */
    if (state == STATE_IN_PROCESS && c->serial <= r->last_in_process)
        defer_cell(r, c, NULL);
    else
        put_cell(r, c, state, NULL);
    if (state == STATE_IN_PROCESS && c->serial > r->last_in_process)
        r->last_in_process = c->serial;
    if (state == STATE_IN_PROCESS)
        r->in_process++;
    else if (state == STATE_SCRAPPED)
        r->scrapped++;
    else
        r->shipped++;
}

static void put_unit(rep_state *r, const ct_material_info *m, int maker, const pend_unit *p)
{
    int na = m->attr ? ct_material_attr_count : 0;
    int ni = m->n_inputs > 0 ? m->n_inputs : 0, nsp = m->n_spans > 0 ? m->n_spans : 0;
    int np = p ? p->n_pass : 0, nm = p ? p->n_meas : 0;
    size_t need = 1 + 1 + 4 + 8 + 4 + 1 + 1 + 4 * 8 + 1 + str_size(m->cause) + 4 + 4 +
                  (size_t)na * 4 + 4 + (size_t)ni * (1 + 4 + 8 + 4 + 1 + 16) + 4 +
                  (size_t)nsp * (16 + 4 + 4 + 1) + 4 + (size_t)np * sizeof(upassage) + 4 +
                  (size_t)nm * sizeof(umeas);
    chunk *ch = room(r, need);
    if (!ch)
        return;
    wr w = {ch->data + ch->len};
    PUT(&w, uint8_t, REC_UNIT);
    PUT(&w, uint8_t, (uint8_t)unit_kind(m->unit.kind));
    PUT(&w, int32_t, maker);
    PUT(&w, uint64_t, m->unit.number);
    PUT(&w, uint32_t, m->unit.lane);
    PUT(&w, uint8_t, (uint8_t)(m->parent.kind == CT_UNIT_COIL));
    PUT(&w, uint8_t, (uint8_t)(m->anode != 0));
    PUT(&w, double, m->quantity);
    PUT(&w, double, m->start);
    PUT(&w, double, m->created_s);
    PUT(&w, double, m->done_s);
    PUT(&w, uint8_t, (uint8_t)m->status);
    put_str(&w, m->cause);
    PUT(&w, uint32_t, m->defects);
    PUT(&w, uint32_t, (uint32_t)na);
    for (int i = 0; i < na; i++)
        PUT(&w, float, m->attr[i]);
    PUT(&w, uint32_t, (uint32_t)ni);
    for (int i = 0; i < ni; i++) {
        const ct_piece *q = &m->inputs[i];
        int kind = unit_kind(q->input.kind);
        PUT(&w, uint8_t, (uint8_t)kind);
        PUT(&w, int32_t,
            kind == 3 ? material_index(r->t->f, q->input.maker) : station_index(r, q->input.maker));
        PUT(&w, uint64_t, q->input.number);
        PUT(&w, uint32_t, q->input.lane);
        PUT(&w, uint8_t, (uint8_t)(q->anode != 0));
        PUT(&w, double, q->from);
        PUT(&w, double, q->to);
    }
    PUT(&w, uint32_t, (uint32_t)nsp);
    for (int i = 0; i < nsp; i++) {
        const ct_defect_span_info *s = &m->spans[i];
        PUT(&w, double, s->from_m);
        PUT(&w, double, s->to_m);
        PUT(&w, uint32_t, s->lane_mask);
        PUT(&w, uint32_t, s->defects);
        PUT(&w, uint8_t, (uint8_t)(s->removed != 0));
    }
    PUT(&w, uint32_t, (uint32_t)np);
    if (np) {
        memcpy(w.p, p->pass, (size_t)np * sizeof(upassage));
        w.p += (size_t)np * sizeof(upassage);
    }
    PUT(&w, uint32_t, (uint32_t)nm);
    if (nm) {
        memcpy(w.p, p->meas, (size_t)nm * sizeof(umeas));
        w.p += (size_t)nm * sizeof(umeas);
    }
    ch->len = (size_t)(w.p - ch->data);
}

static void on_material_done(void *ctx, int rep, const ct_material_info *m)
{
    rep_state *r = rep_of(ctx, rep);
    if (!r || (m->unit.kind != CT_UNIT_BATCH && m->unit.kind != CT_UNIT_COIL))
        return;
    int maker = station_index(r, m->unit.maker);
    pend_unit *p = pend_find(r, &m->unit, maker, false);
    put_unit(r, m, maker, p);
    if (p)
        pend_drop(r, p);
}

/* Units the line never reported as done (it should not happen: the line
 * reports everything in it when the run ends) are stored as in the line,
 * with what is known; cells likewise, by the writer (store_run_end). */
static void flush_leftovers(rep_state *r, double end_s)
{
    while (r->n_units > 0) {
        pend_unit *p = &r->units[r->n_units - 1];
        ct_material_info m;
        memset(&m, 0, sizeof m);
        m.unit = (ct_unit_ref){p->kind == 1 ? CT_UNIT_BATCH : CT_UNIT_COIL,
                               p->maker >= 0 ? r->t->f->stations[p->maker].name : NULL, p->number,
                               p->lane};
        m.done_s = end_s;
        m.status = 2;
        put_unit(r, &m, p->maker, p);
        pend_drop(r, p);
    }
}

static void on_run_done(void *ctx, int rep, double end_s)
{
    rep_state *r = rep_of(ctx, rep);
    if (!r)
        return;
    chunk *m = room(r, 1);
    if (m)
        m->data[m->len++] = REC_FLUSH_BUCKETS;
    flush_leftovers(r, end_s);
    put_deferred(r);
    chunk *c = room(r, 1 + 8 + 3 * 8);
    if (c) {
        wr w = {c->data + c->len};
        PUT(&w, uint8_t, REC_RUN_END);
        PUT(&w, double, end_s);
        PUT(&w, uint64_t, r->shipped);
        PUT(&w, uint64_t, r->scrapped);
        PUT(&w, uint64_t, r->in_process);
        c->len = (size_t)(w.p - c->data);
    }
    r->done = true;
    submit(r);
}

/* ---- the writer thread ------------------------------------------------------- */

static void bind_opt_text(sqlite3_stmt *s, int i, const char *p, int n)
{
    if (p)
        sqlite3_bind_text(s, i, p, n, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static void bind_opt_real(sqlite3_stmt *s, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

static int step(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static const char *const state_names[] = {"in_process", "shipped", "scrapped"};

#define CELLS_PER_INSERT 64
static const char *const unit_status_names[] = {"used", "scrapped", "in_line"};
static const char *const kind_names[] = {"item", "batch", "coil", "lot"};

/* A decoded cell waiting for its multi-row INSERT. Strings point into
 * the chunk being stored. */
typedef struct staged_cell {
    uint64_t serial;
    uint8_t state;
    int32_t scrap_station;
    const char *cause, *grade;
    int cause_len, grade_len;
    uint32_t defects, found, reworks;
    double created, finished, active, value;
    uint32_t nf;
    uint8_t feat[4 * 128];
    cti_buf hist;
} staged_cell;

#define CELL_COLS 15

static void bind_cell(sqlite3_stmt *s, int c, int64_t run_id, const staged_cell *x)
{
    sqlite3_bind_int64(s, c++, run_id);
    sqlite3_bind_int64(s, c++, (sqlite3_int64)x->serial);
    sqlite3_bind_text(s, c++, state_names[x->state < 3 ? x->state : 0], -1, SQLITE_STATIC);
    bind_opt_text(s, c++, x->grade, x->grade_len);
    if (x->scrap_station >= 0)
        sqlite3_bind_int(s, c++, x->scrap_station);
    else
        sqlite3_bind_null(s, c++);
    bind_opt_text(s, c++, x->cause, x->cause_len);
    sqlite3_bind_int64(s, c++, x->defects);
    sqlite3_bind_int64(s, c++, x->found);
    sqlite3_bind_int64(s, c++, x->reworks);
    sqlite3_bind_double(s, c++, x->created);
    bind_opt_real(s, c++, x->finished);
    sqlite3_bind_double(s, c++, x->active);
    sqlite3_bind_double(s, c++, x->value);
    if (x->nf)
        sqlite3_bind_blob(s, c++, x->feat, (int)(4 * x->nf), SQLITE_STATIC);
    else
        sqlite3_bind_null(s, c++);
    sqlite3_bind_blob(s, c++, x->hist.len ? (const void *)x->hist.p : "", (int)x->hist.len,
                      SQLITE_STATIC);
}

/* Inserts the staged cells: CELLS_PER_INSERT rows per statement, which
 * spreads the statement's fixed cost, then one by one. */
static int flush_cells(ct_trace *t, int64_t run_id)
{
    int rc = SQLITE_OK, i = 0;
    for (; i + CELLS_PER_INSERT <= t->n_staged && rc == SQLITE_OK; i += CELLS_PER_INSERT) {
        for (int k = 0; k < CELLS_PER_INSERT; k++)
            bind_cell(t->ins_cells, 1 + k * CELL_COLS, run_id, &t->staged[i + k]);
        rc = step(t->ins_cells);
    }
    for (; i < t->n_staged && rc == SQLITE_OK; i++) {
        bind_cell(t->ins_cell, 1, run_id, &t->staged[i]);
        rc = step(t->ins_cell);
    }
    t->n_staged = 0;
    return rc;
}

/* Stores a cell record. */
static int store_cell(ct_trace *t, rep_state *r, int64_t run_id, rd *in, ct_trace_counts *n)
{
    if (t->n_staged == CELLS_PER_INSERT) {
        int rc = flush_cells(t, run_id);
        if (rc != SQLITE_OK)
            return rc;
    }
    staged_cell *x = &t->staged[t->n_staged++];
    uint32_t na;
    GET(in, uint64_t, x->serial);
    GET(in, uint8_t, x->state);
    GET(in, int32_t, x->scrap_station);
    x->cause = get_str(in, &x->cause_len);
    x->grade = get_str(in, &x->grade_len);
    GET(in, uint32_t, x->defects);
    GET(in, uint32_t, x->found);
    GET(in, uint32_t, x->reworks);
    GET(in, double, x->created);
    GET(in, double, x->finished);
    GET(in, double, x->active);
    GET(in, double, x->value);
    GET(in, uint32_t, na);
    uint64_t serial = x->serial;
    uint8_t state = x->state;
    /* the product features: float32, little-endian, attribute order */
    x->nf = na < 128 ? na : 128;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(x->feat, in->p, 4 * (size_t)x->nf);
#else
    for (uint32_t i = 0; i < x->nf; i++) {
        uint32_t bits;
        memcpy(&bits, in->p + 4 * (size_t)i, 4);
        for (int k = 0; k < 4; k++)
            x->feat[4 * i + (uint32_t)k] = (uint8_t)(bits >> (8 * k));
    }
#endif
    in->p += 4 * (size_t)na;
    uint8_t ns, nl;
    GET(in, uint8_t, ns);
    const uint8_t *segs = in->p;
    in->p += (size_t)ns * (4 + 8 + 4 + 1 + 16);
    GET(in, uint8_t, nl);
    const uint8_t *lots = in->p;
    in->p += (size_t)nl * (4 + 4 + 8);
    uint32_t hl;
    GET(in, uint32_t, hl);
    /* the history: the pieces of coil and the lots the cell was made of,
     * then its passages and measurements in the order they happened (the
     * record's own, then those gathered here); each piece and lot also
     * goes to the reverse index (coil_cells) */
    wip_slot *slot = wip_find(&r->wip, serial);
    uint32_t sl = slot ? slot->len : 0;
    cti_buf *h = &x->hist;
    h->len = 0;
    if (!cti_buf_reserve(h, (size_t)(ns + nl) * CTI_HIST_PIECE_MAX + hl + sl))
        return SQLITE_NOMEM;
    rd sg = {segs};
    for (int k = 0; k < ns + nl; k++) {
        int32_t maker;
        uint64_t coil;
        uint32_t lane = 0;
        uint8_t anode = 0;
        double from = 0, to;
        bool lot = k >= ns;
        if (k == ns)
            sg.p = lots;
        GET(&sg, int32_t, maker);
        if (lot) {
            uint32_t number;
            GET(&sg, uint32_t, number);
            coil = number;
        } else {
            GET(&sg, uint64_t, coil);
            GET(&sg, uint32_t, lane);
            GET(&sg, uint8_t, anode);
            GET(&sg, double, from);
        }
        GET(&sg, double, to);
        h->len += cti_hist_put_piece(h->p + h->len, lot ? CTI_HIST_LOT : CTI_HIST_PIECE, maker, coil,
                                     (int)lane, anode, from, to);
        coil_acc *a = coil_acc_get(&r->grp, k, maker, coil, lane, lot ? ACC_LOT : anode);
        if (!a || !cti_buf_reserve(&a->pieces, 30))
            return SQLITE_NOMEM;
        a->pieces.len += cti_put_coil_piece(a->pieces.p + a->pieces.len, serial, &a->last, &a->last_um,
                                            from, to);
        a->n++;
    }
    memcpy(h->p + h->len, in->p, hl);
    h->len += hl;
    in->p += hl;
    if (slot) {
        memcpy(h->p + h->len, slot->buf, sl);
        h->len += sl;
        hist_release(&r->wip, slot->buf, slot->cap);
        wip_remove(&r->wip, slot);
    }
    n->cells++;
    if (state == STATE_SHIPPED)
        n->cells_shipped++;
    else if (state == STATE_SCRAPPED)
        n->cells_scrapped++;
    else
        n->cells_in_process++;
    return SQLITE_OK;
}

static int store_unit(ct_trace *t, int64_t run_id, rd *in, ct_trace_counts *n)
{
    sqlite3_stmt *s = t->ins_unit;
    uint8_t kind, slit, anode, status;
    int32_t maker;
    uint64_t number;
    uint32_t lane, defects, na;
    double quantity, start, created, done;
    int cl;
    GET(in, uint8_t, kind);
    GET(in, int32_t, maker);
    GET(in, uint64_t, number);
    GET(in, uint32_t, lane);
    GET(in, uint8_t, slit);
    GET(in, uint8_t, anode);
    GET(in, double, quantity);
    GET(in, double, start);
    GET(in, double, created);
    GET(in, double, done);
    GET(in, uint8_t, status);
    const char *cause = get_str(in, &cl);
    GET(in, uint32_t, defects);
    GET(in, uint32_t, na);
    int c = 1;
    sqlite3_bind_int64(s, c++, run_id);
    sqlite3_bind_text(s, c++, kind_names[kind & 3], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, c++, maker);
    sqlite3_bind_int64(s, c++, (sqlite3_int64)number);
    sqlite3_bind_int64(s, c++, lane);
    sqlite3_bind_int(s, c++, slit);
    if (kind == 2)
        sqlite3_bind_text(s, c++, anode ? "anode" : "cathode", -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, c++);
    sqlite3_bind_double(s, c++, quantity);
    sqlite3_bind_text(s, c++, kind == 2 ? "m" : "kg", -1, SQLITE_STATIC);
    sqlite3_bind_double(s, c++, start);
    sqlite3_bind_double(s, c++, created);
    sqlite3_bind_double(s, c++, done);
    sqlite3_bind_text(s, c++, unit_status_names[status < 3 ? status : 2], -1, SQLITE_STATIC);
    bind_opt_text(s, c++, cause, cl);
    sqlite3_bind_int64(s, c++, defects);
    for (int i = 0; i < ct_material_attr_count; i++) {
        float v = 0;
        if ((uint32_t)i < na)
            memcpy(&v, in->p + 4 * (size_t)i, 4);
        if ((uint32_t)i < na && isfinite(v))
            sqlite3_bind_double(s, c++, v);
        else
            sqlite3_bind_null(s, c++);
    }
    in->p += 4 * (size_t)na;
    int rc = step(s);
    if (rc != SQLITE_OK)
        return rc;
    int64_t unit_id = sqlite3_last_insert_rowid(t->db);

    uint32_t ni;
    GET(in, uint32_t, ni);
    for (uint32_t k = 0; k < ni; k++) {
        uint8_t ik, ia;
        int32_t idx;
        uint64_t inum;
        uint32_t ilane;
        double from, to;
        GET(in, uint8_t, ik);
        GET(in, int32_t, idx);
        GET(in, uint64_t, inum);
        GET(in, uint32_t, ilane);
        GET(in, uint8_t, ia);
        GET(in, double, from);
        GET(in, double, to);
        sqlite3_stmt *q = t->ins_input;
        sqlite3_bind_int64(q, 1, unit_id);
        sqlite3_bind_int(q, 2, (int)k);
        sqlite3_bind_int64(q, 3, run_id);
        sqlite3_bind_text(q, 4, kind_names[ik & 3], -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 5, idx);
        sqlite3_bind_int64(q, 6, (sqlite3_int64)inum);
        sqlite3_bind_int64(q, 7, ilane);
        if (ik == 2)
            sqlite3_bind_text(q, 8, ia ? "anode" : "cathode", -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 8);
        sqlite3_bind_double(q, 9, from);
        sqlite3_bind_double(q, 10, to);
        if ((rc = step(q)) != SQLITE_OK)
            return rc;
        if (ik == 3) {
            sqlite3_bind_int64(t->ins_lot, 1, run_id);
            sqlite3_bind_int(t->ins_lot, 2, idx);
            sqlite3_bind_int64(t->ins_lot, 3, (sqlite3_int64)inum);
            if ((rc = step(t->ins_lot)) != SQLITE_OK)
                return rc;
        }
    }
    uint32_t nsp;
    GET(in, uint32_t, nsp);
    for (uint32_t k = 0; k < nsp; k++) {
        double from, to;
        uint32_t mask, def;
        uint8_t removed;
        GET(in, double, from);
        GET(in, double, to);
        GET(in, uint32_t, mask);
        GET(in, uint32_t, def);
        GET(in, uint8_t, removed);
        sqlite3_stmt *q = t->ins_span;
        sqlite3_bind_int64(q, 1, unit_id);
        sqlite3_bind_double(q, 2, from);
        sqlite3_bind_double(q, 3, to);
        sqlite3_bind_int64(q, 4, mask);
        sqlite3_bind_int64(q, 5, def);
        sqlite3_bind_int(q, 6, removed);
        if ((rc = step(q)) != SQLITE_OK)
            return rc;
    }
    uint32_t np;
    GET(in, uint32_t, np);
    for (uint32_t k = 0; k < np; k++) {
        upassage p;
        GET(in, upassage, p);
        sqlite3_stmt *q = t->ins_upass;
        sqlite3_bind_int64(q, 1, unit_id);
        sqlite3_bind_int(q, 2, p.station);
        sqlite3_bind_int(q, 3, p.server);
        sqlite3_bind_double(q, 4, p.start_s);
        sqlite3_bind_double(q, 5, p.end_s);
        if ((rc = step(q)) != SQLITE_OK)
            return rc;
    }
    uint32_t nm;
    GET(in, uint32_t, nm);
    for (uint32_t k = 0; k < nm; k++) {
        umeas m;
        GET(in, umeas, m);
        sqlite3_stmt *q = t->ins_umeas;
        sqlite3_bind_int64(q, 1, unit_id);
        sqlite3_bind_int(q, 2, m.gate);
        sqlite3_bind_double(q, 3, m.value);
        sqlite3_bind_text(q, 4, cti_trace_decision_name(m.decision), -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 5, m.time_s);
        if ((rc = step(q)) != SQLITE_OK)
            return rc;
    }
    n->units++;
    return SQLITE_OK;
}

/* A cell's passage, added to its history and to the station index
 * (writer thread: the simulation thread only hands it over, so the cache
 * misses on a million histories are not in its way). The job (station,
 * server, times) is the record's (REC_CELL_PASSAGE) or that of the
 * passage record before (same = true, REC_CELL_PASSAGE_SAME). */
static int store_cell_passage(ct_trace *t, rep_state *r, rd *in, bool same)
{
    uint64_t serial;
    GET(in, uint64_t, serial);
    if (!same)
        GET(in, job_key, r->wjob);
    const job_key *j = &r->wjob;
    wip_slot *s = wip_get(&r->wip, serial);
    if (!s || !slot_reserve(&r->wip, s, 10 + 10 + 10 + 10))
        return SQLITE_NOMEM;
    int64_t start = to_ms(j->start_s), end = to_ms(j->end_s);
    if (end < start)
        end = start;
    uint8_t *o = s->buf + s->len;
    o += cti_put_varint(o, (uint64_t)j->station << 2 | CTI_HIST_PASSAGE);
    o += cti_put_varint(o, (uint64_t)j->server);
    o += cti_put_varint(o, cti_zigzag(start - s->prev_ms));
    o += cti_put_varint(o, (uint64_t)(end - start));
    s->prev_ms = end;
    s->len = (uint32_t)(o - s->buf);
    return bucket_add(t, r, j->station, serial, j->start_s, j->end_s - j->start_s);
}

/* A cell's gate measurement, added to its history (writer thread). */
static int store_cell_measurement(rep_state *r, rd *in)
{
    uint64_t serial;
    int32_t gate;
    uint8_t decision;
    double value, time_s;
    GET(in, uint64_t, serial);
    GET(in, int32_t, gate);
    GET(in, uint8_t, decision);
    GET(in, double, value);
    GET(in, double, time_s);
    wip_slot *s = wip_get(&r->wip, serial);
    if (!s || !slot_reserve(&r->wip, s, 10 + 1 + 8 + 10))
        return SQLITE_NOMEM;
    int64_t t = to_ms(time_s);
    uint8_t *o = s->buf + s->len;
    o += cti_put_varint(o, (uint64_t)gate << 2 | CTI_HIST_MEASUREMENT);
    *o++ = decision;
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    for (int i = 0; i < 8; i++)
        *o++ = (uint8_t)(bits >> (8 * i));
    o += cti_put_varint(o, cti_zigzag(t - s->prev_ms));
    s->prev_ms = t;
    s->len = (uint32_t)(o - s->buf);
    return SQLITE_OK;
}

/* Cells with a history but never reported (it should not happen: the line
 * reports every cell in it when the run ends) are stored as in process,
 * with what is known, so the counts still add up. Returns their number in
 * *n_left. */
static int store_leftover_cells(ct_trace *t, rep_state *r, int64_t run_id, double end_s,
                                ct_trace_counts *n, uint64_t *n_left)
{
    *n_left = 0;
    size_t cap = r->wip.n + r->wip.ov_n, k = 0;
    uint64_t *serials = cap ? malloc(cap * sizeof *serials) : NULL;
    if (cap && !serials)
        return SQLITE_NOMEM;
    for (int table = 0; table < 2; table++) {
        const wip_slot *slots = table ? r->wip.ov : r->wip.slots;
        size_t m = table ? r->wip.ov_cap : r->wip.cap;
        for (size_t i = 0; i < m && k < cap; i++)
            if (slots[i].serial)
                serials[k++] = slots[i].serial;
    }
    int rc = SQLITE_OK;
    for (size_t i = 0; i < k && rc == SQLITE_OK; i++) {
        ct_cell_info c;
        memset(&c, 0, sizeof c);
        c.serial = serials[i];
        c.in_process = 1;
        c.created_s = c.finished_s = end_s;
        uint8_t buf[256];
        encode_cell(buf, &c, STATE_IN_PROCESS, NULL);
        rd x = {buf + 1};   /* after the record type */
        rc = store_cell(t, r, run_id, &x, n);
    }
    free(serials);
    *n_left = k;
    return rc;
}

static int store_run_end(ct_trace *t, rep_state *r, int64_t run_id, rd *in, ct_trace_counts *n)
{
    double end_s;
    uint64_t shipped, scrapped, in_process, left;
    GET(in, double, end_s);
    GET(in, uint64_t, shipped);
    GET(in, uint64_t, scrapped);
    GET(in, uint64_t, in_process);
    int rc = store_leftover_cells(t, r, run_id, end_s, n, &left);
    if (rc != SQLITE_OK)
        return rc;
    in_process += left;
    sqlite3_stmt *q = t->upd_run;
    sqlite3_bind_double(q, 1, end_s);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)shipped);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)scrapped);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)in_process);
    sqlite3_bind_int64(q, 5, run_id);
    return step(q);
}

/* The rows of coil_cells of the cells of the chunk just stored (r's
 * group), stored with them; the group is emptied. */
static int store_coils(ct_trace *t, rep_state *r)
{
    coil_group *g = &r->grp;
    int rc = SQLITE_OK;
    for (int i = 0; i < g->n && rc == SQLITE_OK; i++) {
        coil_acc *a = &g->coils[i];
        sqlite3_stmt *q = t->ins_seg;
        sqlite3_bind_int64(q, 1, r->run_id);
        sqlite3_bind_int(q, 2, a->maker);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)a->coil);
        sqlite3_bind_int64(q, 4, a->lane);
        sqlite3_bind_text(q, 5, a->anode == ACC_LOT ? "lot" : a->anode ? "anode" : "cathode", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(q, 6, a->n);
        sqlite3_bind_blob(q, 7, a->pieces.p, (int)a->pieces.len, SQLITE_STATIC);
        rc = step(q);
        if (rc == SQLITE_OK && a->anode == ACC_LOT) {
            /* a lot used by cells directly is a lot of the run as well */
            sqlite3_bind_int64(t->ins_lot, 1, r->run_id);
            sqlite3_bind_int(t->ins_lot, 2, a->maker);
            sqlite3_bind_int64(t->ins_lot, 3, (sqlite3_int64)a->coil);
            rc = step(t->ins_lot);
        }
    }
    g->n = 0;
    return rc;
}

/* The failure of the open transaction (rc): rolls it back and stops the
 * storing, saying what the database keeps. */
static void fail_txn(ct_trace *t, int rc)
{
    char msg[512];
    int base = rc & 0xff;
    snprintf(msg, sizeof msg, "%s%s", sqlite3_errmsg(t->db),
             base == SQLITE_FULL || base == SQLITE_IOERR
                 ? " (the disk is full, or the file may not grow larger)"
                 : "");
    sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
    memset(&t->pending, 0, sizeof t->pending);
    ct_trace_counts done;
    ct_trace_get_counts(t, &done);
    char full[768];
    snprintf(full, sizeof full,
             "%s; the database keeps the %llu cells of the %llu batches committed before", msg,
             (unsigned long long)done.cells, (unsigned long long)done.batches);
    fail(t, CT_ERR_DB, "%s: cannot write the trace: %s", full);
}

/* Commits the open transaction and counts what it held. */
static void commit(ct_trace *t)
{
    int rc = sqlite3_exec(t->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        fail_txn(t, rc);
        return;
    }
    ct_trace_counts *n = &t->pending;
    pthread_mutex_lock(&t->lock);
    t->counts.cells += n->cells;
    t->counts.cells_shipped += n->cells_shipped;
    t->counts.cells_scrapped += n->cells_scrapped;
    t->counts.cells_in_process += n->cells_in_process;
    t->counts.units += n->units;
    t->counts.batches++;
    pthread_mutex_unlock(&t->lock);
    memset(n, 0, sizeof *n);
}

/* Stores one chunk in the open transaction (begun here if none is);
 * false when that failed (the transaction is rolled back). */
static bool store_chunk(ct_trace *t, chunk *c, bool begin)
{
    rep_state *r = &t->reps[c->rep];
    int64_t run_id = r->run_id;
    int rc = begin ? sqlite3_exec(t->db, "BEGIN", NULL, NULL, NULL) : SQLITE_OK;
    rd in = {c->data};
    const uint8_t *end = c->data + c->len;
    while (rc == SQLITE_OK && in.p < end) {
        uint8_t type;
        GET(&in, uint8_t, type);
        switch (type) {
        case REC_CELL: rc = store_cell(t, r, run_id, &in, &t->pending); break;
        case REC_CELL_PASSAGE: rc = store_cell_passage(t, r, &in, false); break;
        case REC_CELL_PASSAGE_SAME: rc = store_cell_passage(t, r, &in, true); break;
        case REC_CELL_MEASUREMENT:
            rc = store_cell_measurement(r, &in);
            break;
        case REC_UNIT: rc = store_unit(t, run_id, &in, &t->pending); break;
        case REC_FLUSH_BUCKETS:
            for (int i = 0; i < t->f->n_stations && rc == SQLITE_OK; i++)
                for (int k = 0; k < BUCKET_ACCS && rc == SQLITE_OK; k++)
                    rc = bucket_flush(t, r, i, &r->acc[(size_t)i * BUCKET_ACCS + k]);
            break;
        case REC_RUN_END: rc = store_run_end(t, r, run_id, &in, &t->pending); break;
        default: rc = SQLITE_CORRUPT; break;
        }
    }
    /* the staged cells point into the chunk: they are stored with it; so
     * are the coil lanes of its cells */
    if (rc == SQLITE_OK)
        rc = flush_cells(t, run_id);
    t->n_staged = 0;
    if (rc == SQLITE_OK)
        rc = store_coils(t, r);
    if (rc != SQLITE_OK) {
        fail_txn(t, rc);
        return false;
    }
    return true;
}

static bool past(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* The writer thread: stores the chunks in transactions of up to
 * TXN_CHUNKS chunks (each commit writes the B-trees' last pages to the
 * WAL again: fewer commits, less to write); one that has been open TXN_MS
 * commits as soon as the queue is empty, so readers see the run at most
 * about that late. The first transactions are smaller (1, 2, 4 ...
 * chunks), so that the first cells are readable (and kept if the disk
 * fills up) early. */
static void *writer_main(void *arg)
{
    ct_trace *t = arg;
    int in_txn = 0;                 /* chunks in the open transaction */
    int txn_max = 1;                /* chunks of this transaction at most */
    struct timespec deadline = {0, 0};
    for (;;) {
        pthread_mutex_lock(&t->lock);
        bool timed_out = false;
        while (!t->q_head && !t->quit && !timed_out) {
            if (in_txn)
                timed_out = pthread_cond_timedwait(&t->cv_item, &t->lock, &deadline) == ETIMEDOUT;
            else
                pthread_cond_wait(&t->cv_item, &t->lock);
        }
        chunk *c = t->q_head;
        if (c) {
            t->q_head = c->next;
            if (!t->q_head)
                t->q_tail = NULL;
            t->q_len--;
            pthread_cond_signal(&t->cv_space);
        }
        bool empty = !t->q_head;
        pthread_mutex_unlock(&t->lock);
        if (c) {
            if (!atomic_load(&t->failed)) {
                if (!in_txn) {
                    clock_gettime(CLOCK_REALTIME, &deadline);
                    deadline.tv_sec += TXN_MS / 1000;
                    deadline.tv_nsec += (long)(TXN_MS % 1000) * 1000000L;
                    if (deadline.tv_nsec >= 1000000000L) {
                        deadline.tv_sec++;
                        deadline.tv_nsec -= 1000000000L;
                    }
                }
                in_txn = store_chunk(t, c, in_txn == 0) ? in_txn + 1 : 0;
            }
            chunk_recycle(t, c);
            if (in_txn < txn_max && !(empty && past(&deadline)))
                continue;
        } else if (!in_txn) {
            return NULL;            /* quit, queue empty, nothing open */
        }
        if (in_txn) {
            commit(t);
            if (txn_max < TXN_CHUNKS)
                txn_max *= 2;
        }
        in_txn = 0;
    }
}

/* ---- open and close ----------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Run codes: 30 bits from the wall clock, the process, the seed and the
 * replication, drawn again until unused in this database. */
static ct_status new_run_codes(ct_trace *t, ct_error *err)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    x ^= (uint64_t)getpid() << 40;
    x ^= t->opt->seed * 0xD1B54A32D192ED03ull;
    for (const char *p = t->f->name; *p; p++)
        x = x * 131 + (unsigned char)*p;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(t->db, "SELECT 1 FROM run WHERE code = ?", -1, &q, NULL))
        return ct_error_set(err, CT_ERR_DB, "%s: %s", t->path, sqlite3_errmsg(t->db));
    for (int i = 0; i < t->n_reps; i++) {
        for (;;) {
            cti_run_code((uint32_t)(splitmix64(&x) >> 34), t->reps[i].code);
            bool clash = false;
            for (int j = 0; j < i; j++)
                clash |= strcmp(t->reps[j].code, t->reps[i].code) == 0;
            sqlite3_bind_text(q, 1, t->reps[i].code, -1, SQLITE_STATIC);
            clash |= sqlite3_step(q) == SQLITE_ROW;
            sqlite3_reset(q);
            if (!clash)
                break;
        }
    }
    sqlite3_finalize(q);
    return CT_OK;
}

static ct_status insert_runs(ct_trace *t, ct_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(t->db,
                           "INSERT INTO run(code, factory_id, replication, seed, horizon_s, "
                           "warmup_s, started_utc, celltwin_version, status) "
                           "VALUES(?,?,?,?,?,?,strftime('%Y-%m-%dT%H:%M:%SZ','now'),?,'running')",
                           -1, &q, NULL))
        return ct_error_set(err, CT_ERR_DB, "%s: %s", t->path, sqlite3_errmsg(t->db));
    for (int i = 0; i < t->n_reps; i++) {
        sqlite3_bind_text(q, 1, t->reps[i].code, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, t->factory_id);
        sqlite3_bind_int(q, 3, i);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)t->opt->seed);
        sqlite3_bind_double(q, 5, t->opt->horizon_s);
        sqlite3_bind_double(q, 6, t->opt->warmup_s);
        sqlite3_bind_text(q, 7, CT_VERSION, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE) {
            sqlite3_finalize(q);
            return ct_error_set(err, CT_ERR_DB, "%s: cannot record the run: %s", t->path,
                                sqlite3_errmsg(t->db));
        }
        sqlite3_reset(q);
        t->reps[i].run_id = sqlite3_last_insert_rowid(t->db);
    }
    sqlite3_finalize(q);
    return CT_OK;
}

static ct_status prepare_statements(ct_trace *t, ct_error *err)
{
    static const char cell_sql[] = "INSERT OR IGNORE INTO cell(run_id, serial, state, grade, scrap_station_idx, "
                                   "scrap_cause, defects, found, reworks, created_s, finished_s, "
                                   "active_kg, value_usd, features, history) VALUES";
    static const char row[] = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    char sql[256], sqls[4096];
    snprintf(sql, sizeof sql, "%s%s", cell_sql, row);
    size_t n = (size_t)snprintf(sqls, sizeof sqls, "%s", cell_sql);
    for (int i = 0; i < CELLS_PER_INSERT; i++)
        n += (size_t)snprintf(sqls + n, sizeof sqls - n, "%s%s", i ? "," : "", row);
    if (!(t->staged = calloc(CELLS_PER_INSERT, sizeof *t->staged)))
        return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", t->path);
    char col[128];
    char usql[4096];
    n = (size_t)snprintf(usql, sizeof usql,
                         "INSERT INTO unit(run_id, kind, maker_idx, number, lane, slit, polarity, "
                         "quantity, measure, start, created_s, done_s, status, cause, defects");
    for (int i = 0; i < ct_material_attr_count; i++) {
        cti_trace_attr_column(0, i, col, sizeof col);
        n += (size_t)snprintf(usql + n, sizeof usql - n, ", %s", col);
    }
    n += (size_t)snprintf(usql + n, sizeof usql - n, ") VALUES(?");
    for (int i = 1; i < 15 + ct_material_attr_count; i++)
        n += (size_t)snprintf(usql + n, sizeof usql - n, ",?");
    snprintf(usql + n, sizeof usql - n, ")");
    struct {
        sqlite3_stmt **s;
        const char *sql;
    } list[] = {
        {&t->ins_cell, sql},
        {&t->ins_cells, sqls},
        {&t->ins_seg, "INSERT INTO coil_cells VALUES(?,?,?,?,?,?,?)"},
        {&t->ins_unit, usql},
        {&t->ins_input, "INSERT INTO unit_input VALUES(?,?,?,?,?,?,?,?,?,?)"},
        {&t->ins_lot, "INSERT OR IGNORE INTO lot VALUES(?,?,?)"},
        {&t->ins_span, "INSERT INTO defect_span VALUES(?,?,?,?,?,?)"},
        {&t->ins_upass, "INSERT INTO unit_passage VALUES(?,?,?,?,?)"},
        {&t->ins_umeas, "INSERT INTO unit_measurement VALUES(?,?,?,?,?)"},
        {&t->ins_bucket, "INSERT INTO passage_bucket VALUES(?,?,?,?,?,?,?)"},
        {&t->upd_run, "UPDATE run SET status = 'complete', end_s = ?, cells_shipped = ?, "
                      "cells_scrapped = ?, cells_in_process = ? WHERE run_id = ?"},
    };
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if (sqlite3_prepare_v3(t->db, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT, list[i].s, NULL))
            return ct_error_set(err, CT_ERR_DB, "%s: %s", t->path, sqlite3_errmsg(t->db));
    return CT_OK;
}

static void finalize_statements(ct_trace *t)
{
    sqlite3_stmt *all[] = {t->ins_cells, t->ins_cell, t->ins_seg,   t->ins_unit,   t->ins_input, t->ins_lot,
                           t->ins_span,  t->ins_upass, t->ins_umeas, t->ins_bucket, t->upd_run};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
}

static void trace_free(ct_trace *t)
{
    if (!t)
        return;
    finalize_statements(t);
    if (t->db)
        sqlite3_close(t->db);
    for (int i = 0; t->reps && i < t->n_reps; i++) {
        rep_state *r = &t->reps[i];
        free(r->cur);
        /* histories of cells never stored (a failed run): blocks belong to slabs */
        for (size_t k = 0; k < r->wip.cap; k++)
            if (r->wip.slots[k].serial && r->wip.slots[k].cap != HIST_BLOCK)
                free(r->wip.slots[k].buf);
        for (size_t k = 0; k < r->wip.ov_cap; k++)
            if (r->wip.ov[k].serial && r->wip.ov[k].cap != HIST_BLOCK)
                free(r->wip.ov[k].buf);
        free(r->wip.slots);
        free(r->wip.ov);
        while (r->wip.slabs) {
            void *next;
            memcpy(&next, r->wip.slabs, sizeof next);
            free(r->wip.slabs);
            r->wip.slabs = next;
        }
        for (int k = 0; k < r->n_units; k++) {
            free(r->units[k].pass);
            free(r->units[k].meas);
        }
        free(r->units);
        for (size_t k = 0; k < r->n_deferred; k++)
            free(r->deferred[k].buf);
        free(r->deferred);
        for (int k = 0; r->acc && k < t->f->n_stations * BUCKET_ACCS; k++)
            cti_buf_free(&r->acc[k].serials);
        free(r->acc);
        for (int k = 0; k < r->grp.cap; k++)
            cti_buf_free(&r->grp.coils[k].pieces);
        free(r->grp.coils);
    }
    free(t->reps);
    for (int i = 0; t->staged && i < CELLS_PER_INSERT; i++)
        cti_buf_free(&t->staged[i].hist);
    free(t->staged);
    while (t->free_chunks) {
        chunk *c = t->free_chunks;
        t->free_chunks = c->next;
        free(c);
    }
    while (t->q_head) {
        chunk *c = t->q_head;
        t->q_head = c->next;
        free(c);
    }
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cv_item);
    pthread_cond_destroy(&t->cv_space);
    free(t->path);
    free(t);
}

/* Zeroed memory aligned to cache lines (the _Alignas(64) members above). */
static void *zalloc_lines(size_t n)
{
    n = (n + 63) / 64 * 64;
    void *p = aligned_alloc(64, n);
    if (p)
        memset(p, 0, n);
    return p;
}

ct_status ct_trace_open(const char *path, const ct_factory *f, const ct_run_options *opt,
                        ct_trace **out, ct_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return ct_error_set(err, CT_ERR_INVALID, "trace: expected a database file name");
    if (opt->replications < 1)
        return ct_error_set(err, CT_ERR_INVALID, "%s: replications must be >= 1", path);
    ct_trace *t = zalloc_lines(sizeof *t);
    if (!t)
        return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cv_item, NULL);
    pthread_cond_init(&t->cv_space, NULL);
    atomic_init(&t->failed, false);
    t->f = f;
    t->opt = opt;
    t->n_reps = opt->replications;
    ct_status st = CT_ERR_NOMEM;
    if (!(t->path = strdup(path)) || !(t->reps = zalloc_lines((size_t)t->n_reps * sizeof *t->reps))) {
        ct_error_set(err, st, "%s: out of memory", path);
        goto fail;
    }
    for (int i = 0; i < t->n_reps; i++) {
        rep_state *r = &t->reps[i];
        r->t = t;
        r->rep = i;
        r->last_maker = -1;
        r->job.station = -1;
        size_t n = (size_t)(f->n_stations > 0 ? f->n_stations : 1) * BUCKET_ACCS;
        if (!(r->acc = calloc(n, sizeof *r->acc))) {
            ct_error_set(err, st, "%s: out of memory", path);
            goto fail;
        }
        for (size_t k = 0; k < n; k++)
            r->acc[k].bucket = -1;
    }

    struct stat sb;
    bool exists = stat(path, &sb) == 0;
    if (exists && !S_ISREG(sb.st_mode)) {
        st = ct_error_set(err, CT_ERR_IO, "%s: not a regular file", path);
        goto fail;
    }
    /* NOMUTEX: one thread at a time uses the connection (this one, then
     * the writer, then ct_trace_close after joining it) */
    int rc = sqlite3_open_v2(path, &t->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        st = ct_error_set(err, CT_ERR_IO, "%s: cannot open for writing: %s", path,
                          t->db ? sqlite3_errmsg(t->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(t->db, 1);
    sqlite3_busy_timeout(t->db, 5000);
    /* WAL: readers see committed batches while the run goes on, and a
     * killed writer leaves every committed batch. synchronous OFF: no
     * fsync; a commit is safe once the OS has it, so a killed process
     * loses nothing committed; an OS crash or power cut may damage the
     * file (a trace is made again by running again). The fsyncs of the
     * checkpoints cost about 7 % of a traced run. */
    if ((st = cti_trace_schema_prepare(t->db, path, err)) != CT_OK ||
        (st = cti_trace_exec(t->db,
                             "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;"
                             "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 4096;",
                             path, "cannot set up", err)) != CT_OK)
        goto fail;
    if ((st = cti_trace_exec(t->db, "BEGIN IMMEDIATE", path, "cannot write", err)) != CT_OK)
        goto fail;
    if ((st = cti_trace_store_factory(t->db, path, f, &t->factory_id, err)) != CT_OK ||
        (st = new_run_codes(t, err)) != CT_OK || (st = insert_runs(t, err)) != CT_OK) {
        sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    if ((st = cti_trace_exec(t->db, "COMMIT", path, "cannot write", err)) != CT_OK ||
        (st = prepare_statements(t, err)) != CT_OK)
        goto fail;
    if (pthread_create(&t->thread, NULL, writer_main, t) != 0) {
        st = ct_error_set(err, CT_ERR_NOMEM, "%s: cannot start the writer thread", path);
        goto fail;
    }
    t->thread_started = true;
    t->obs = (ct_observer){t, on_cell_done, on_material_done, on_passage, on_measurement,
                           on_run_done};
    *out = t;
    return CT_OK;
fail:
    trace_free(t);
    return st;
}

const ct_observer *ct_trace_observer(ct_trace *t)
{
    return &t->obs;
}

const char *ct_trace_run_code(const ct_trace *t, int rep)
{
    return rep >= 0 && rep < t->n_reps ? t->reps[rep].code : "";
}

ct_status ct_trace_close(ct_trace *t, ct_trace_counts *counts, ct_error *err)
{
    if (counts)
        memset(counts, 0, sizeof *counts);
    if (!t)
        return CT_OK;
    /* Replications that did not end (the run failed) keep what they sent
     * and stay 'running'... then 'failed' below. */
    for (int i = 0; i < t->n_reps; i++)
        if (!t->reps[i].done)
            submit(&t->reps[i]);
    pthread_mutex_lock(&t->lock);
    t->quit = true;
    pthread_cond_broadcast(&t->cv_item);
    pthread_mutex_unlock(&t->lock);
    if (t->thread_started)
        pthread_join(t->thread, NULL);
    if (counts)
        *counts = t->counts;
    ct_status st = CT_OK;
    if (atomic_load(&t->failed)) {
        if (err)
            *err = t->error;
        st = t->error.status;
    }
    char sql[256];
    for (int i = 0; i < t->n_reps; i++) {
        if (t->reps[i].done && st == CT_OK)
            continue;
        snprintf(sql, sizeof sql, "UPDATE run SET status = 'failed' WHERE run_id = %lld",
                 (long long)t->reps[i].run_id);
        sqlite3_exec(t->db, sql, NULL, NULL, NULL);
    }
    /* Fold the WAL into the database file and leave WAL mode, so a
     * finished trace is one plain file that read-only users (and read-only
     * file systems) open without a -shm file; a reader still attached
     * keeps it in WAL mode, which is harmless. */
    if (st == CT_OK)
        sqlite3_exec(t->db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE", NULL, NULL,
                     NULL);
    finalize_statements(t);
    t->ins_cells = t->ins_cell = t->ins_seg = t->ins_unit = t->ins_input = t->ins_lot = NULL;
    t->ins_span = t->ins_upass = t->ins_umeas = t->ins_bucket = t->upd_run = NULL;
    int rc = sqlite3_close(t->db);
    t->db = NULL;
    if (rc != SQLITE_OK && st == CT_OK)
        st = ct_error_set(err, CT_ERR_DB, "%s: cannot close: %s", t->path, sqlite3_errstr(rc));
    trace_free(t);
    return st;
}
