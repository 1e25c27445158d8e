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

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv_line.h"

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
    size_t cap = 0, lineno = 0, nfields_max = 0;
    size_t *index = NULL; /* field index of each wanted column */
    bool header_done = names == NULL;
    char q[QUOTE_MAX + 1];
    ct_status st = CT_OK;
    int r;

    if (names && !(index = calloc(k, sizeof *index))) {
        st = ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", source);
        goto cleanup;
    }
    char *text;
    while ((r = cti_next_line(in, &buf, &cap, &lineno, CTI_WHITE_SPACE, &text)) == 1) {
        if (!names) {
            double v;
            if (!cti_parse_number(text, &v)) {
                st = ct_error_set(err, CT_ERR_PARSE, "%s:%zu: expected a number, got \"%s\"",
                                  source, lineno, cti_quoted(text, q, sizeof q));
                goto cleanup;
            }
            if ((st = column_push(&cols[0], v, lineno, source, err)) != CT_OK)
                goto cleanup;
            continue;
        }
        size_t nf;
        if ((st = cti_csv_split(text, CTI_WHITE_SPACE, &fields, &nfields_max, &nf, source, lineno,
                                err)) != CT_OK)
            goto cleanup;
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
            if (!cti_parse_number(fields[index[j]], &v)) {
                st = ct_error_set(err, CT_ERR_PARSE,
                                  "%s:%zu: column \"%s\": expected a number, got \"%s\"", source,
                                  lineno, names[j], cti_quoted(fields[index[j]], q, sizeof q));
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
