/*
 * csv_line.h - the line and field reading that the quality input files
 * share (the number files of datafile.c, the measurement files of
 * screen_file.c): bounded lines, comment and blank lines skipped, a UTF-8
 * byte-order mark dropped, comma-separated fields with double quotes,
 * numbers and text quoted back in messages. Each reader keeps its own
 * idea of blank space (the set of characters trimmed) as it always had.
 */
#ifndef CELLTWIN_QUALITY_CSV_LINE_H
#define CELLTWIN_QUALITY_CSV_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "celltwin/status.h"

/* Space and tab. */
#define CTI_BLANKS " \t"
/* White space as isspace() has it in the C locale. */
#define CTI_WHITE_SPACE " \t\n\v\f\r"

/* Reads one line without its terminator (and a trailing \r) into *buf
 * (grown, *cap bytes). Returns 1 for a line, 0 at end of file, -1 on a
 * read error or no memory (errno tells), -2 if longer than
 * CT_DATA_MAX_LINE. */
int cti_read_line(FILE *in, char **buf, size_t *cap);

/* The next line with content: each line read counts in *lineno, line 1
 * loses a UTF-8 byte-order mark, *text is the line trimmed of blanks;
 * empty lines and lines starting with # are passed over. Returns as
 * cti_read_line. */
int cti_next_line(FILE *in, char **buf, size_t *cap, size_t *lineno, const char *blanks,
                  char **text);

/* s without leading and trailing characters of blanks (in place). */
char *cti_trim(char *s, const char *blanks);

/* Splits text in place into comma-separated fields, each trimmed of
 * blanks; a field may be double-quoted, with "" for a quote and commas
 * inside (text after the closing quote is ignored). *fields grows to hold
 * them all (*cap entries); *nf is the count. Errors: CT_ERR_NOMEM
 * "SOURCE: out of memory", CT_ERR_PARSE "SOURCE:LINE: unterminated quoted
 * field". */
ct_status cti_csv_split(char *text, const char *blanks, char ***fields, size_t *cap, size_t *nf,
                        const char *source, size_t lineno, ct_error *err);

/* Parses a whole field as a finite number. */
bool cti_parse_number(const char *text, double *out);

/* text in buf (cap bytes), shortened with "..." when it does not fit, for
 * a message; returns buf. */
const char *cti_quoted(const char *text, char *buf, size_t cap);

#endif
