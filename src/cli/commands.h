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
extern const cti_command cti_cmd_compare;

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
