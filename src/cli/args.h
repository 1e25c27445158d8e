/*
 * args.h - reading command-line options the same way in every command:
 * "--opt value" and "--opt=value", strict integers. New commands use these
 * rather than a private copy.
 */
#ifndef CELLTWIN_CLI_ARGS_H
#define CELLTWIN_CLI_ARGS_H

#include <stdbool.h>

/* True when arg is the option name, alone or as "name=value". */
bool cti_arg_is(const char *arg, const char *name);

/* The value of option name at argv[*i] ("--opt=value", or the next
 * argument, advancing *i); NULL when it is missing. */
const char *cti_arg_value(int argc, char **argv, int *i, const char *name);

/* A whole decimal integer in [lo, hi]. */
bool cti_arg_int(const char *s, long long lo, long long hi, long long *out);

#endif
