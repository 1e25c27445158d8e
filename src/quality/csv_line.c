/*
 * csv_line.c - lines, fields, numbers and quoted text of the quality input
 * files (csv_line.h), written once for datafile.c and screen_file.c.
 */
#include "csv_line.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/quality.h"

int cti_read_line(FILE *in, char **buf, size_t *cap)
{
    size_t n = 0;
    int c;
    while ((c = getc(in)) != EOF && c != '\n') {
        if (n + 2 > *cap) {
            if (*cap >= CT_DATA_MAX_LINE)
                return -2;
            size_t ncap = *cap ? 2 * *cap : 256;
            char *nb = realloc(*buf, ncap);
            if (!nb) {
                errno = ENOMEM;
                return -1;
            }
            *buf = nb;
            *cap = ncap;
        }
        (*buf)[n++] = (char)c;
    }
    if (ferror(in))
        return -1;
    if (c == EOF && n == 0)
        return 0;
    if (!*buf) {
        if (!(*buf = malloc(1))) {
            errno = ENOMEM;
            return -1;
        }
        *cap = 1;
    }
    if (n > 0 && (*buf)[n - 1] == '\r')
        n--;
    (*buf)[n] = '\0';
    return 1;
}

char *cti_trim(char *s, const char *blanks)
{
    while (*s && strchr(blanks, *s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && strchr(blanks, s[n - 1]))
        s[--n] = '\0';
    return s;
}

int cti_next_line(FILE *in, char **buf, size_t *cap, size_t *lineno, const char *blanks,
                  char **text)
{
    int got;
    while ((got = cti_read_line(in, buf, cap)) == 1) {
        ++*lineno;
        char *line = *buf;
        if (*lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
            line += 3; /* UTF-8 byte-order mark from spreadsheet exports */
        line = cti_trim(line, blanks);
        if (line[0] != '\0' && line[0] != '#') {
            *text = line;
            return 1;
        }
    }
    return got;
}

/* Splits line in place into fields (at most maxf are stored; the count is
 * returned either way). Returns SIZE_MAX for an unterminated quote. */
static size_t split_fields(char *line, const char *blanks, char **fields, size_t maxf)
{
    size_t nf = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        char *out = p, *begin = p;
        if (*p == '"') {
            for (p++;; p++) {
                if (*p == '\0')
                    return SIZE_MAX;
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p++;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p;
                }
            }
            while (*p != '\0' && *p != ',')
                p++;
        } else {
            while (*p != '\0' && *p != ',')
                *out++ = *p++;
        }
        char end = *p;
        *out = '\0';
        if (nf < maxf)
            fields[nf] = cti_trim(begin, blanks);
        nf++;
        if (end != ',')
            return nf;
        p++;
    }
}

ct_status cti_csv_split(char *text, const char *blanks, char ***fields, size_t *cap, size_t *nf,
                        const char *source, size_t lineno, ct_error *err)
{
    /* count the fields first so the array can be sized */
    size_t commas = 1;
    for (const char *c = text; *c; c++)
        commas += *c == ',';
    if (commas > *cap) {
        char **grown = realloc(*fields, commas * sizeof *grown);
        if (!grown)
            return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", source);
        *fields = grown;
        *cap = commas;
    }
    *nf = split_fields(text, blanks, *fields, *cap);
    if (*nf == SIZE_MAX)
        return ct_error_set(err, CT_ERR_PARSE, "%s:%zu: unterminated quoted field", source, lineno);
    return CT_OK;
}

bool cti_parse_number(const char *text, double *out)
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

const char *cti_quoted(const char *text, char *buf, size_t cap)
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
