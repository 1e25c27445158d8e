/*
 * status.c - text for status codes and the ct_error helpers.
 */
#include "celltwin/status.h"

#include <stdarg.h>
#include <stdio.h>

const char *ct_status_str(ct_status status)
{
    switch (status) {
#define CT_STATUS_CASE(name, value, text) case name: return text;
        CT_STATUS_TABLE(CT_STATUS_CASE)
#undef CT_STATUS_CASE
    }
    return "unknown status";
}

void ct_error_clear(ct_error *err)
{
    if (err) {
        err->status = CT_OK;
        err->msg[0] = '\0';
    }
}

ct_status ct_error_set(ct_error *err, ct_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}
