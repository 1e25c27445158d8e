/*
 * trace_cli.c - helpers shared by the commands that read a trace database
 * (trace_cli.h): output formats, CSV fields, JSON, opening the database,
 * exit statuses, options.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "trace_cli.h"

int cti_trace_exit_for(ct_status st)
{
    return st == CT_ERR_INVALID || st == CT_ERR_USAGE ? CTI_EXIT_BADINPUT : CTI_EXIT_FAIL;
}

void cti_fmt_real(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, len, "%.17g", v);
}

void cti_csv_field(const char *s, FILE *out)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

bool cti_print_json(json_t *root, FILE *out)
{
    if (!root)
        return false;
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    fputc('\n', out);
    json_decref(root);
    return rc == 0;
}

int cti_trace_finish(const char *cmd, int status)
{
    if (fflush(stdout) != 0 && status == CTI_EXIT_OK) {
        fprintf(stderr, "celltwin %s: cannot write output: %s\n", cmd, strerror(errno));
        return CTI_EXIT_FAIL;
    }
    return status;
}

int cti_trace_open_db(const char *cmd, const char *path, ct_trace_db **db)
{
    ct_error err;
    ct_error_clear(&err);
    ct_status st = ct_trace_db_open(path, db, &err);
    if (st == CT_OK)
        return CTI_EXIT_OK;
    fprintf(stderr, "celltwin %s: %s\n", cmd, err.msg);
    return CTI_EXIT_FAIL;
}

bool cti_format_opt(const char *arg, enum cti_fmt *f)
{
    if (strcmp(arg, "--json") == 0)
        *f = CTI_FMT_JSON;
    else if (strcmp(arg, "--csv") == 0)
        *f = CTI_FMT_CSV;
    else
        return false;
    return true;
}

const char *cti_opt_arg(int argc, char **argv, int *i)
{
    const char *eq = strchr(argv[*i], '=');
    if (argv[*i][0] == '-' && argv[*i][1] == '-' && eq)
        return eq + 1;
    return *i + 1 < argc ? argv[++*i] : NULL;
}

bool cti_is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}
