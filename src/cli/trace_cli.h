/*
 * trace_cli.h - what the commands that read a trace database share
 * (cmd_trace.c: trace, recall, query; cmd_rootcause.c): output formats,
 * CSV and JSON writing, opening the database with the error on stderr,
 * exit statuses and option parsing.
 */
#ifndef CELLTWIN_CLI_TRACE_CLI_H
#define CELLTWIN_CLI_TRACE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "celltwin/status.h"
#include "celltwin/trace.h"

enum cti_fmt { CTI_FMT_TABLE, CTI_FMT_JSON, CTI_FMT_CSV };

/* Exit status of a failed call: 2 for a wrong argument (CT_ERR_INVALID,
 * CT_ERR_USAGE), else 1. */
int cti_trace_exit_for(ct_status st);

/* Shortest of %.15g and %.17g that reads back the same number. */
void cti_fmt_real(double v, char *buf, size_t len);

/* One CSV field, quoted when it holds a comma, quote or line break;
 * nothing for NULL. */
void cti_csv_field(const char *s, FILE *out);

/* Prints root (indented, 15 significant digits) and frees it; false when
 * it could not be encoded (or root is NULL). */
bool cti_print_json(json_t *root, FILE *out);

/* Flushes stdout: status, or 1 with a message when the output could not
 * be written. */
int cti_trace_finish(const char *cmd, int status);

/* Opens a trace read-only; on failure prints "celltwin CMD: message" and
 * returns 1, else 0. */
int cti_trace_open_db(const char *cmd, const char *path, ct_trace_db **db);

/* --json / --csv: sets *f and returns true when arg is one. */
bool cti_format_opt(const char *arg, enum cti_fmt *f);

/* The value of option argv[*i]: after '=' in "--name=value", else the
 * next argument (advancing *i); NULL when missing. */
const char *cti_opt_arg(int argc, char **argv, int *i);

/* Is arg the option name, alone or as "name=value"? */
bool cti_is_opt(const char *arg, const char *name);

#endif
