/*
 * output.c - what the commands share to end: JSON written to stdout (with
 * the write checked), and a library error turned into an exit status.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

json_t *cti_json_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

int cti_json_emit(const char *cmd, json_t *root, int digits)
{
    if (!root) {
        fprintf(stderr, "celltwin %s: out of memory building the output\n", cmd);
        return CTI_EXIT_FAIL;
    }
    int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(digits));
    json_decref(root);
    if (rc != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "celltwin %s: cannot write the output: %s\n", cmd, strerror(errno));
        return CTI_EXIT_FAIL;
    }
    return CTI_EXIT_OK;
}

int cti_stdout_flush(const char *cmd)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "celltwin %s: cannot write the output: %s\n", cmd, strerror(errno));
        return CTI_EXIT_FAIL;
    }
    return CTI_EXIT_OK;
}

int cti_text_emit(const char *cmd, char *text)
{
    if (!text) {
        fprintf(stderr, "celltwin %s: out of memory building the output\n", cmd);
        return CTI_EXIT_FAIL;
    }
    fputs(text, stdout);
    fputc('\n', stdout);
    free(text);
    return cti_stdout_flush(cmd);
}

int cti_exit_for(const char *cmd, const ct_error *err)
{
    if (err->status == CT_ERR_IO || err->status == CT_ERR_NOMEM) {
        fprintf(stderr, "celltwin %s: %s\n", cmd, err->msg);
        return CTI_EXIT_FAIL;
    }
    return cti_usage_error(cmd, "%s", err->msg);
}
