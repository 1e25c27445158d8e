/*
 * args.c - the option parser of the commands that take options and one
 * FILE (stats, spc, capability, screen, grade): "--opt value",
 * "--opt=value", flags without a value, "--" before a FILE that starts with
 * a dash, and --help.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

int cti_args_parse(const char *cmd, const char *usage, int argc, char **argv, cti_opt *o, size_t n,
                   const char *file_what, const char **file)
{
    *file = NULL;
    bool done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!done && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            fputs(usage, stdout);
            return CTI_HELP_SHOWN;
        }
        if (!done && strcmp(a, "--") == 0) {
            done = true;
            continue;
        }
        if (!done && a[0] == '-' && a[1] != '\0') {
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            cti_opt *s = NULL;
            for (size_t j = 0; j < n; j++)
                if (strlen(o[j].name) == len && strncmp(a, o[j].name, len) == 0)
                    s = &o[j];
            if (!s)
                return cti_usage_error(cmd, "unknown option \"%.*s\"", (int)len, a);
            if (s->flag) {
                if (eq)
                    return cti_usage_error(cmd, "option %s takes no value", s->name);
                s->value = "";
                continue;
            }
            if (eq) {
                s->value = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return cti_usage_error(cmd, "option %s needs a value", s->name);
                s->value = argv[++i];
            }
            if (s->value[0] == '\0')
                return cti_usage_error(cmd, "option %s needs a value", s->name);
            continue;
        }
        if (*file)
            return cti_usage_error(cmd, "one FILE expected, got \"%s\" and \"%s\"", *file, a);
        *file = a;
    }
    if (!*file)
        return cti_usage_error(cmd, "missing FILE (%s)", file_what);
    return 0;
}

const char *cti_args_get(const cti_opt *o, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(o[i].name, name) == 0)
            return o[i].value;
    return NULL;
}

bool cti_args_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}
