/*
 * datafile.c - reads the number files that `celltwin stats`, `spc` and
 * `capability` take: one number per line, or named columns of a CSV file
 * with a header line. Every value keeps the line it came from so later
 * checks (a count above its sample size) can point at the line, and every
 * parse error names SOURCE:LINE and quotes the offending text.
 *
 * Lines are read with a bounded buffer (CT_DATA_MAX_LINE) and columns grow
 * up to CT_DATA_MAX_VALUES, so a wrong or hostile file fails with a message
 * instead of exhausting memory.
 */
#include "celltwin/quality.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longest text quoted back in a message. */
#define QUOTE_MAX 60

void ct_column_init(ct_column *col)
{
    col->values = NULL;
    col->lines = NULL;
    col->n = 0;
    col->cap = 0;
}

void ct_column_clear(ct_column *col)
{
    free(col->values);
    free(col->lines);
    ct_column_init(col);
}

static ct_status column_push(ct_column *col, double v, size_t line, const char *source,
                             ct_error *err)
{
    if (col->n == col->cap) {
        if (col->cap >= CT_DATA_MAX_VALUES)
            return ct_error_set(err, CT_ERR_INVALID, "%s:%zu: more than %zu values", source, line,
                                (size_t)CT_DATA_MAX_VALUES);
        size_t cap = col->cap ? 2 * col->cap : 256;
        if (cap > CT_DATA_MAX_VALUES)
            cap = CT_DATA_MAX_VALUES;
        double *values = realloc(col->values, cap * sizeof *values);
        if (!values)
            return ct_error_set(err, CT_ERR_NOMEM, "%s:%zu: out of memory", source, line);
        col->values = values;
        size_t *lines = realloc(col->lines, cap * sizeof *lines);
        if (!lines)
            return ct_error_set(err, CT_ERR_NOMEM, "%s:%zu: out of memory", source, line);
        col->lines = lines;
        col->cap = cap;
    }
    col->values[col->n] = v;
    col->lines[col->n] = line;
    col->n++;
    return CT_OK;
}

/* Reads one line (without its terminator) into *buf. Returns 1 for a line,
 * 0 at end of file, -1 on a read error, -2 if the line is too long. */
static int read_line(FILE *in, char **buf, size_t *cap, size_t *len)
{
    size_t n = 0;
    int c;
    while ((c = getc(in)) != EOF && c != '\n') {
        if (n + 2 > *cap) {
            if (*cap >= CT_DATA_MAX_LINE)
                return -2;
            size_t ncap = *cap ? 2 * *cap : 256;
            char *nb = realloc(*buf, ncap);
            if (!nb)
                return -1;
            *buf = nb;
            *cap = ncap;
        }
        (*buf)[n++] = (char)c;
    }
    if (c == EOF && (ferror(in) || n == 0))
        return ferror(in) ? -1 : 0;
    if (n + 1 > *cap) {
        char *nb = realloc(*buf, n + 1);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = n + 1;
    }
    if (n > 0 && (*buf)[n - 1] == '\r')
        n--;
    (*buf)[n] = '\0';
    *len = n;
    return 1;
}

/* Trims ASCII white space in place; returns the start. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Parses a whole field as a finite number. */
static bool parse_number(const char *text, double *out)
{
    if (*text == '\0')
        return false;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* "text" shortened for a message. */
static const char *quoted(const char *text, char *buf, size_t cap)
{
    size_t n = strlen(text);
    if (n < cap) {
        memcpy(buf, text, n + 1);
    } else {
        memcpy(buf, text, cap - 4);
        memcpy(buf + cap - 4, "...", 4);
    }
    return buf;
}

/* Splits a CSV line in place into at most maxf fields; quoted fields may
 * contain commas and "" for a quote. Returns the number of fields, or
 * (size_t)-1 for an unterminated quote. */
static size_t split_csv(char *line, char **fields, size_t maxf)
{
    size_t nf = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        char *start = p, *w = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    return (size_t)-1;
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            while (*p && *p != ',')
                p++; /* text after the closing quote is ignored */
        } else {
            while (*p && *p != ',')
                *w++ = *p++;
        }
        char sep = *p;
        *w = '\0';
        if (nf < maxf)
            fields[nf] = trim(start);
        nf++;
        if (sep != ',')
            break;
        p++;
    }
    return nf;
}

static bool skippable(const char *s)
{
    return *s == '\0' || *s == '#';
}

ct_status ct_data_read_stream(FILE *in, const char *source, const char *const *names,
                              size_t k, ct_column *cols, ct_error *err)
{
    if (!source)
        source = "input";
    if (k == 0 || (!names && k != 1))
        return ct_error_set(err, CT_ERR_INVALID, "%s: bad column request", source);
    for (size_t j = 0; j < k; j++)
        ct_column_clear(&cols[j]);

    char *buf = NULL, **fields = NULL;
    size_t cap = 0, len = 0, lineno = 0, nfields_max = 0;
    size_t *index = NULL; /* field index of each wanted column */
    bool header_done = names == NULL;
    char q[QUOTE_MAX + 1];
    ct_status st = CT_OK;
    int r;

    if (names && !(index = calloc(k, sizeof *index))) {
        st = ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", source);
        goto cleanup;
    }
    while ((r = read_line(in, &buf, &cap, &len)) == 1) {
        lineno++;
        char *line = buf;
        if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
            line += 3; /* UTF-8 byte-order mark from spreadsheet exports */
        char *text = trim(line);
        if (skippable(text))
            continue;
        if (!names) {
            double v;
            if (!parse_number(text, &v)) {
                st = ct_error_set(err, CT_ERR_PARSE, "%s:%zu: expected a number, got \"%s\"",
                                  source, lineno, quoted(text, q, sizeof q));
                goto cleanup;
            }
            if ((st = column_push(&cols[0], v, lineno, source, err)) != CT_OK)
                goto cleanup;
            continue;
        }
        /* CSV: count fields first so the field array can be sized. */
        size_t commas = 1;
        for (const char *c = text; *c; c++)
            commas += *c == ',';
        if (commas > nfields_max) {
            char **nf = realloc(fields, commas * sizeof *nf);
            if (!nf) {
                st = ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", source);
                goto cleanup;
            }
            fields = nf;
            nfields_max = commas;
        }
        size_t nf = split_csv(text, fields, nfields_max);
        if (nf == (size_t)-1) {
            st = ct_error_set(err, CT_ERR_PARSE, "%s:%zu: unterminated quoted field", source,
                              lineno);
            goto cleanup;
        }
        if (!header_done) {
            for (size_t j = 0; j < k; j++) {
                size_t f = 0;
                while (f < nf && strcmp(fields[f], names[j]) != 0)
                    f++;
                if (f == nf) {
                    st = ct_error_set(err, CT_ERR_PARSE,
                                      "%s:%zu: no column \"%s\" in the header line", source,
                                      lineno, names[j]);
                    goto cleanup;
                }
                index[j] = f;
            }
            header_done = true;
            continue;
        }
        for (size_t j = 0; j < k; j++) {
            double v;
            if (index[j] >= nf) {
                st = ct_error_set(err, CT_ERR_PARSE,
                                  "%s:%zu: %zu field%s, but column \"%s\" is field %zu", source,
                                  lineno, nf, nf == 1 ? "" : "s", names[j], index[j] + 1);
                goto cleanup;
            }
            if (!parse_number(fields[index[j]], &v)) {
                st = ct_error_set(err, CT_ERR_PARSE,
                                  "%s:%zu: column \"%s\": expected a number, got \"%s\"", source,
                                  lineno, names[j], quoted(fields[index[j]], q, sizeof q));
                goto cleanup;
            }
            if ((st = column_push(&cols[j], v, lineno, source, err)) != CT_OK)
                goto cleanup;
        }
    }
    if (r == -1) {
        st = ct_error_set(err, CT_ERR_IO, "%s: read error: %s", source,
                          errno ? strerror(errno) : "unknown");
        goto cleanup;
    }
    if (r == -2) {
        st = ct_error_set(err, CT_ERR_PARSE, "%s:%zu: line longer than %zu bytes", source,
                          lineno + 1, (size_t)CT_DATA_MAX_LINE);
        goto cleanup;
    }
    if (names && !header_done) {
        st = ct_error_set(err, CT_ERR_PARSE, "%s: empty file: expected a header line with column "
                          "\"%s\"", source, names[0]);
        goto cleanup;
    }
    if (cols[0].n == 0)
        st = ct_error_set(err, CT_ERR_PARSE, "%s: no numbers in the file%s", source,
                          names ? " after the header line" : "");
cleanup:
    if (st != CT_OK)
        for (size_t j = 0; j < k; j++)
            ct_column_clear(&cols[j]);
    free(buf);
    free(fields);
    free(index);
    return st;
}

ct_status ct_data_read_file(const char *path, const char *const *names, size_t k,
                            ct_column *cols, ct_error *err)
{
    if (strcmp(path, "-") == 0)
        return ct_data_read_stream(stdin, "stdin", names, k, cols, err);
    FILE *f = fopen(path, "r");
    if (!f)
        return ct_error_set(err, CT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    ct_status st = ct_data_read_stream(f, path, names, k, cols, err);
    fclose(f);
    return st;
}
