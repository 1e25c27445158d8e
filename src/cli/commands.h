/*
 * commands.h - the subcommands of the celltwin tool. Each takes the
 * arguments after its own name (argv[0] is the subcommand name) and returns
 * the process exit status: 0 success, 1 a runtime or data error, 2 bad
 * input (a factory file or argument that is wrong).
 */
#ifndef CELLTWIN_CLI_COMMANDS_H
#define CELLTWIN_CLI_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "celltwin/status.h"

typedef int (*cti_cmd_fn)(int argc, char **argv);

typedef struct cti_command {
    const char *name;
    cti_cmd_fn run;
    const char *summary;   /* one line for `celltwin --help` */
    const char *usage;     /* full text for `celltwin help NAME` */
} cti_command;

/* Exit statuses. */
enum { CTI_EXIT_OK = 0, CTI_EXIT_FAIL = 1, CTI_EXIT_BADINPUT = 2 };

/* Each command file defines its cti_command objects. */
extern const cti_command cti_cmd_run;
extern const cti_command cti_cmd_validate;
extern const cti_command cti_cmd_stats;
extern const cti_command cti_cmd_spc;
extern const cti_command cti_cmd_capability;
extern const cti_command cti_cmd_sweep, cti_cmd_merge;
extern const cti_command cti_cmd_calc;
extern const cti_command cti_cmd_screen, cti_cmd_grade;
extern const cti_command cti_cmd_trace, cti_cmd_recall, cti_cmd_query;
extern const cti_command cti_cmd_rampup;
extern const cti_command cti_cmd_report, cti_cmd_rootcause, cti_cmd_compare;

/* Options of a command with one FILE (args.c). */
typedef struct cti_opt {
    const char *name;   /* "--chart" */
    bool flag;          /* takes no value */
    const char *value;  /* set when seen: the value, or "" for a flag */
} cti_opt;

/* cti_args_parse's status after printing the usage for --help. */
#define CTI_HELP_SHOWN 100

/* Parses argv (argv[0] is the command name) into the options o[0..n) and
 * one positional FILE (file_what says what it is, for the message when it
 * is missing). Returns 0, CTI_HELP_SHOWN, or an exit status after printing
 * the usage error. */
int cti_args_parse(const char *cmd, const char *usage, int argc, char **argv, cti_opt *o, size_t n,
                   const char *file_what, const char **file);

/* The value of option name (NULL when not given). */
const char *cti_args_get(const cti_opt *o, size_t n, const char *name);

/* A whole decimal integer in [lo, hi] (args.c). */
bool cti_args_int(const char *s, long long lo, long long hi, long long *out);

/* Output (output.c). A JSON number, or null for NaN and infinities (JSON
 * has neither). */
json_t *cti_json_num(double v);
/* Writes root (taking it; NULL means out of memory) to stdout with digits
 * significant digits and a newline; the exit status. */
int cti_json_emit(const char *cmd, json_t *root, int digits);
/* Flushes stdout; the exit status (1 with a message when a write failed). */
int cti_stdout_flush(const char *cmd);
/* Writes text (taking it, freed; NULL means out of memory) and a newline
 * to stdout; the exit status. */
int cti_text_emit(const char *cmd, char *text);
/* The exit status of a library error, with its message: 1 for I/O and
 * memory, else 2 (bad input, with the usage hint). */
int cti_exit_for(const char *cmd, const ct_error *err);

/* A progress bar on stderr (progress.c). Start with last = -1. */
typedef struct cti_progress {
    int last;   /* percentage drawn last */
} cti_progress;

/* True when stderr is a terminal and CI is not "true". */
bool cti_progress_wanted(void);

/* Draws fraction (0..1) when its whole percentage changed. */
void cti_progress_draw(cti_progress *p, double fraction);

/* Prints "celltwin NAME: message" to stderr and returns CTI_EXIT_BADINPUT. */
int cti_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
