/*
 * screen_file.c - reads the measurement files of `celltwin screen` and
 * `celltwin grade`: a CSV file with a header line and one cell per line
 * (serial, lot, the two OCV readings with their times and temperatures,
 * optionally capacity and IR). Unlike the number files of datafile.c these
 * hold text (serials, lot names, ISO 8601 time stamps), so they have their
 * own reader; every error still names SOURCE:LINE and quotes the field.
 *
 * Lines are bounded by CT_DATA_MAX_LINE and cells by
 * CT_SCREEN_FILE_MAX_CELLS; lot names go through a hash table, so a file
 * with a million lots is not quadratic.
 */
#include "celltwin/screening.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/quality.h"
#include "csv_line.h"

#define QUOTE_MAX 60

/* Column indices into the wanted-column table. */
enum {
    COL_SERIAL, COL_OCV1, COL_TEMP1, COL_OCV2, COL_TEMP2,
    COL_T1, COL_T2, COL_TIME1, COL_TIME2, COL_LOT, COL_CAP, COL_IR,
    N_COLS
};
static const char *const col_names[N_COLS] = {
    "serial", "ocv1_v", "temp1_c", "ocv2_v", "temp2_c",
    "t1_h", "t2_h", "time1", "time2", "lot", "capacity_ah", "ir_mohm",
};

void ct_screen_file_init(ct_screen_file *f)
{
    memset(f, 0, sizeof *f);
}

void ct_screen_file_clear(ct_screen_file *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->serial[i]);
    for (size_t i = 0; i < f->n_lots; i++)
        free(f->lot_names[i]);
    free(f->serial);
    free(f->lot_of);
    free(f->line);
    free(f->pairs);
    for (int a = 0; a < CT_GRADE__COUNT; a++)
        free(f->extra[a]);
    free(f->lot_names);
    ct_screen_file_init(f);
}

/* ---------------- reading state ---------------- */

typedef struct reader {
    const char *source;
    ct_error *err;
    ct_screen_file *f;
    size_t cap;              /* capacity of the per-cell arrays */
    size_t lots_cap;
    size_t *hash;            /* lot index + 1 per slot, 0 = empty */
    size_t hash_cap;         /* power of two */
    size_t header_nf;        /* fields in the header line */
    char q[QUOTE_MAX + 1];   /* quoting buffer for messages */
} reader;

static ct_status nomem(reader *r)
{
    return ct_error_set(r->err, CT_ERR_NOMEM, "%s: out of memory", r->source);
}

static const char *quoted(reader *r, const char *text)
{
    return cti_quoted(text, r->q, sizeof r->q);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static ct_status hash_grow(reader *r)
{
    size_t cap = r->hash_cap ? 2 * r->hash_cap : 64;
    size_t *h = calloc(cap, sizeof *h);
    if (!h)
        return nomem(r);
    for (size_t l = 0; l < r->f->n_lots; l++) {
        size_t slot = fnv1a(r->f->lot_names[l]) & (cap - 1);
        while (h[slot])
            slot = (slot + 1) & (cap - 1);
        h[slot] = l + 1;
    }
    free(r->hash);
    r->hash = h;
    r->hash_cap = cap;
    return CT_OK;
}

/* The index of lot name, adding it if new. */
static ct_status lot_index(reader *r, const char *name, size_t *out)
{
    ct_screen_file *f = r->f;
    if (2 * (f->n_lots + 1) > r->hash_cap) {
        ct_status st = hash_grow(r);
        if (st != CT_OK)
            return st;
    }
    size_t slot = fnv1a(name) & (r->hash_cap - 1);
    while (r->hash[slot]) {
        if (strcmp(f->lot_names[r->hash[slot] - 1], name) == 0) {
            *out = r->hash[slot] - 1;
            return CT_OK;
        }
        slot = (slot + 1) & (r->hash_cap - 1);
    }
    if (f->n_lots == r->lots_cap) {
        size_t cap = r->lots_cap ? 2 * r->lots_cap : 16;
        char **names = realloc(f->lot_names, cap * sizeof *names);
        if (!names)
            return nomem(r);
        f->lot_names = names;
        r->lots_cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return nomem(r);
    f->lot_names[f->n_lots] = copy;
    r->hash[slot] = f->n_lots + 1;
    *out = f->n_lots++;
    return CT_OK;
}

/* Makes room for one more cell. */
static ct_status grow(reader *r, size_t lineno)
{
    ct_screen_file *f = r->f;
    if (f->n < r->cap)
        return CT_OK;
    if (r->cap >= CT_SCREEN_FILE_MAX_CELLS)
        return ct_error_set(r->err, CT_ERR_INVALID, "%s:%zu: more than %zu cells", r->source,
                            lineno, (size_t)CT_SCREEN_FILE_MAX_CELLS);
    size_t cap = r->cap ? 2 * r->cap : 256;
    if (cap > CT_SCREEN_FILE_MAX_CELLS)
        cap = CT_SCREEN_FILE_MAX_CELLS;
    /* Each array is replaced as soon as it has grown, so a failure part
     * way leaves every pointer valid for ct_screen_file_clear. */
#define GROW(field)                                                  \
    do {                                                             \
        void *p = realloc(f->field, cap * sizeof *f->field);         \
        if (!p)                                                      \
            return nomem(r);                                         \
        f->field = p;                                                \
    } while (0)
    GROW(serial);
    GROW(lot_of);
    GROW(line);
    GROW(pairs);
    for (int a = 0; a < CT_GRADE__COUNT; a++)
        if (f->extra[a]) {
            GROW(extra[a]);
        }
#undef GROW
    r->cap = cap;
    return CT_OK;
}

/* ---------------- lines and fields ---------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static bool digits(const char **p, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = 10 * v + (unsigned)((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* "YYYY-MM-DDTHH:MM[:SS[.fff]][Z]" (a space may stand for T) as hours
 * since 1970-01-01 00:00 of the same clock. */
static bool parse_time_stamp(const char *s, double *hours)
{
    unsigned y, mo, d, h, mi, sec = 0;
    double frac = 0.0;
    if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-'
        || !digits(&s, 2, &d))
        return false;
    if (*s != 'T' && *s != 't' && *s != ' ')
        return false;
    s++;
    if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi))
        return false;
    if (*s == ':') {
        s++;
        if (!digits(&s, 2, &sec))
            return false;
        if (*s == '.') {
            double scale = 0.1;
            if (!isdigit((unsigned char)s[1]))
                return false;
            for (s++; isdigit((unsigned char)*s); s++, scale /= 10)
                frac += (*s - '0') * scale;
        }
    }
    if (*s == 'Z' || *s == 'z')
        s++;
    if (*s != '\0')
        return false;
    static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap)
        || h > 23 || mi > 59 || sec > 59)
        return false;
    double days = (double)days_from_civil(y, mo, d);
    *hours = days * 24.0 + h + mi / 60.0 + (sec + frac) / 3600.0;
    return true;
}

/* ---------------- the reader ---------------- */

/* Finds the header's field index of each wanted column (SIZE_MAX if
 * absent) and checks that the required ones are there. */
static ct_status map_header(reader *r, char **fields, size_t nf, const char *lot_column,
                            size_t *index, size_t lineno)
{
    const char *want[N_COLS];
    for (int c = 0; c < N_COLS; c++)
        want[c] = col_names[c];
    if (lot_column)
        want[COL_LOT] = lot_column;
    for (int c = 0; c < N_COLS; c++) {
        index[c] = SIZE_MAX;
        for (size_t k = 0; k < nf; k++)
            if (strcmp(fields[k], want[c]) == 0) {
                index[c] = k;
                break;
            }
    }
    for (int c = COL_SERIAL; c <= COL_TEMP2; c++)
        if (index[c] == SIZE_MAX)
            return ct_error_set(r->err, CT_ERR_PARSE, "%s:%zu: no column \"%s\" in the header line",
                                r->source, lineno, col_names[c]);
    bool hours = index[COL_T1] != SIZE_MAX || index[COL_T2] != SIZE_MAX;
    bool stamps = index[COL_TIME1] != SIZE_MAX || index[COL_TIME2] != SIZE_MAX;
    if (hours && stamps)
        return ct_error_set(r->err, CT_ERR_PARSE,
                            "%s:%zu: the header has both t1_h/t2_h and time1/time2: keep one pair",
                            r->source, lineno);
    if (!hours && !stamps)
        return ct_error_set(r->err, CT_ERR_PARSE,
                            "%s:%zu: no column \"t1_h\" (or \"time1\") in the header line",
                            r->source, lineno);
    int a = hours ? COL_T1 : COL_TIME1, b = hours ? COL_T2 : COL_TIME2;
    if (index[a] == SIZE_MAX || index[b] == SIZE_MAX)
        return ct_error_set(r->err, CT_ERR_PARSE, "%s:%zu: no column \"%s\" in the header line",
                            r->source, lineno, col_names[index[a] == SIZE_MAX ? a : b]);
    if (lot_column && index[COL_LOT] == SIZE_MAX)
        return ct_error_set(r->err, CT_ERR_PARSE, "%s:%zu: no column \"%s\" in the header line",
                            r->source, lineno, lot_column);
    r->f->has_time_stamps = stamps;
    return CT_OK;
}

static ct_status field_number(reader *r, char **fields, const size_t *index, int col,
                              size_t lineno, double *out)
{
    const char *text = fields[index[col]];
    if (!cti_parse_number(text, out))
        return ct_error_set(r->err, CT_ERR_PARSE,
                            "%s:%zu: column \"%s\": expected a number, got \"%s\"", r->source,
                            lineno, col_names[col], quoted(r, text));
    return CT_OK;
}

static ct_status field_time(reader *r, char **fields, const size_t *index, int col,
                            size_t lineno, double *out)
{
    const char *text = fields[index[col]];
    if (!parse_time_stamp(text, out))
        return ct_error_set(r->err, CT_ERR_PARSE,
                            "%s:%zu: column \"%s\": expected a time such as "
                            "\"2024-05-01T08:00:00\", got \"%s\"",
                            r->source, lineno, col_names[col], quoted(r, text));
    return CT_OK;
}

/* Reads one data line's fields into cell f->n. */
static ct_status read_cell(reader *r, char **fields, size_t nf, const size_t *index,
                           size_t lineno)
{
    ct_screen_file *f = r->f;
    size_t need = 0;
    for (int c = 0; c < N_COLS; c++)
        if (index[c] != SIZE_MAX && index[c] + 1 > need)
            need = index[c] + 1;
    if (nf < need)
        return ct_error_set(r->err, CT_ERR_PARSE,
                            "%s:%zu: %zu field%s, but the header line has %zu", r->source,
                            lineno, nf, nf == 1 ? "" : "s", r->header_nf);
    ct_status st = grow(r, lineno);
    if (st != CT_OK)
        return st;

    ct_ocv_pair p;
    const bool stamps = f->has_time_stamps;
    if ((st = field_number(r, fields, index, COL_OCV1, lineno, &p.ocv1_v)) != CT_OK
        || (st = field_number(r, fields, index, COL_TEMP1, lineno, &p.temp1_c)) != CT_OK
        || (st = field_number(r, fields, index, COL_OCV2, lineno, &p.ocv2_v)) != CT_OK
        || (st = field_number(r, fields, index, COL_TEMP2, lineno, &p.temp2_c)) != CT_OK)
        return st;
    if (stamps) {
        if ((st = field_time(r, fields, index, COL_TIME1, lineno, &p.t1_h)) != CT_OK
            || (st = field_time(r, fields, index, COL_TIME2, lineno, &p.t2_h)) != CT_OK)
            return st;
    } else if ((st = field_number(r, fields, index, COL_T1, lineno, &p.t1_h)) != CT_OK
               || (st = field_number(r, fields, index, COL_T2, lineno, &p.t2_h)) != CT_OK) {
        return st;
    }
    if (!(p.t2_h > p.t1_h))
        return ct_error_set(r->err, CT_ERR_PARSE, "%s:%zu: %s (%s) is not after %s (%s)",
                            r->source, lineno, stamps ? "time2" : "t2_h",
                            fields[index[stamps ? COL_TIME2 : COL_T2]],
                            stamps ? "time1" : "t1_h", fields[index[stamps ? COL_TIME1 : COL_T1]]);
    const int extra_col[CT_GRADE__COUNT] = { [CT_GRADE_CAPACITY_AH] = COL_CAP,
                                             [CT_GRADE_IR_MOHM] = COL_IR,
                                             [CT_GRADE_OCV_V] = -1,
                                             [CT_GRADE_K_MV_PER_DAY] = -1 };
    double extra[CT_GRADE__COUNT];
    for (int a = 0; a < CT_GRADE__COUNT; a++) {
        extra[a] = NAN;
        int c = extra_col[a];
        /* An empty capacity or IR field means "not measured" (NAN), which
         * fails any bin that limits it. */
        if (c >= 0 && index[c] != SIZE_MAX && fields[index[c]][0] != '\0'
            && (st = field_number(r, fields, index, c, lineno, &extra[a])) != CT_OK)
            return st;
    }

    const char *serial = fields[index[COL_SERIAL]];
    if (serial[0] == '\0')
        return ct_error_set(r->err, CT_ERR_PARSE, "%s:%zu: column \"serial\" is empty",
                            r->source, lineno);
    size_t lot = 0;
    const char *lot_name = index[COL_LOT] != SIZE_MAX ? fields[index[COL_LOT]] : "all";
    if ((st = lot_index(r, lot_name, &lot)) != CT_OK)
        return st;
    char *copy = strdup(serial);
    if (!copy)
        return nomem(r);
    size_t i = f->n++;
    f->serial[i] = copy;
    f->lot_of[i] = lot;
    f->line[i] = lineno;
    f->pairs[i] = p;
    for (int a = 0; a < CT_GRADE__COUNT; a++)
        if (f->extra[a])
            f->extra[a][i] = extra[a];
    return CT_OK;
}

ct_status ct_screen_file_read_stream(FILE *in, const char *source, const char *lot_column,
                                     ct_screen_file *f, ct_error *err)
{
    if (!source)
        source = "input";
    ct_screen_file_clear(f);
    reader r = { source, err, f, 0, 0, NULL, 0, 0, { 0 } };
    char *buf = NULL, **fields = NULL;
    size_t cap = 0, lineno = 0, fields_cap = 0;
    size_t index[N_COLS];
    bool header = false;
    ct_status st = CT_OK;
    int got;

    char *line;
    while ((got = cti_next_line(in, &buf, &cap, &lineno, CTI_BLANKS, &line)) == 1) {
        size_t nf;
        if ((st = cti_csv_split(line, CTI_BLANKS, &fields, &fields_cap, &nf, source, lineno, err)) !=
            CT_OK)
            goto cleanup;
        if (!header) {
            if ((st = map_header(&r, fields, nf, lot_column, index, lineno)) != CT_OK)
                goto cleanup;
            /* capacity and IR arrays exist only when their columns do. */
            if (index[COL_CAP] != SIZE_MAX && !(f->extra[CT_GRADE_CAPACITY_AH] = malloc(1))) {
                st = nomem(&r);
                goto cleanup;
            }
            if (index[COL_IR] != SIZE_MAX && !(f->extra[CT_GRADE_IR_MOHM] = malloc(1))) {
                st = nomem(&r);
                goto cleanup;
            }
            r.header_nf = nf;
            header = true;
            continue;
        }
        if ((st = read_cell(&r, fields, nf, index, lineno)) != CT_OK)
            goto cleanup;
    }
    if (got == -1) {
        st = ct_error_set(err, errno == ENOMEM ? CT_ERR_NOMEM : CT_ERR_IO, "%s: read error: %s",
                          source, strerror(errno ? errno : EIO));
        goto cleanup;
    }
    if (got == -2) {
        st = ct_error_set(err, CT_ERR_PARSE, "%s:%zu: line longer than %zu bytes", source,
                          lineno + 1, (size_t)CT_DATA_MAX_LINE);
        goto cleanup;
    }
    if (!header) {
        st = ct_error_set(err, CT_ERR_PARSE,
                          "%s: empty file: expected a header line with columns serial, "
                          "ocv1_v, t1_h, temp1_c, ocv2_v, t2_h, temp2_c", source);
        goto cleanup;
    }
    if (f->n == 0)
        st = ct_error_set(err, CT_ERR_PARSE, "%s: no cells after the header line", source);

cleanup:
    if (st != CT_OK)
        ct_screen_file_clear(f);
    free(buf);
    free(fields);
    free(r.hash);
    return st;
}

ct_status ct_screen_file_read(const char *path, const char *lot_column, ct_screen_file *f,
                              ct_error *err)
{
    if (strcmp(path, "-") == 0)
        return ct_screen_file_read_stream(stdin, "stdin", lot_column, f, err);
    FILE *in = fopen(path, "r");
    if (!in) {
        ct_screen_file_clear(f);
        return ct_error_set(err, CT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    ct_status st = ct_screen_file_read_stream(in, path, lot_column, f, err);
    fclose(in);
    return st;
}
