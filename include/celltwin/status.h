/*
 * status.h - status codes and error messages shared by every celltwin call.
 *
 * Environmental failures (files, user input, databases) are reported as a
 * ct_status with a ct_error that carries a message naming the place:
 * "factory.yaml:42:7: stations[3].speed: expected a speed such as \"60 m/min\"".
 * Contract violations inside the library are asserts, not statuses.
 */
#ifndef CELLTWIN_STATUS_H
#define CELLTWIN_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro table: name, value, text. 0 is success. */
#define CT_STATUS_TABLE(X)                                              \
    X(CT_OK,          0, "ok")                                          \
    X(CT_ERR_IO,      1, "input/output error")                          \
    X(CT_ERR_PARSE,   2, "malformed input")                             \
    X(CT_ERR_INVALID, 3, "invalid value")                               \
    X(CT_ERR_NOMEM,   4, "out of memory")                               \
    X(CT_ERR_DB,      5, "database error")                              \
    X(CT_ERR_VERSION, 6, "unsupported version")                         \
    X(CT_ERR_NOTFOUND,7, "not found")                                   \
    X(CT_ERR_USAGE,   8, "bad command-line usage")

typedef enum ct_status {
#define CT_STATUS_ENUM(name, value, text) name = value,
    CT_STATUS_TABLE(CT_STATUS_ENUM)
#undef CT_STATUS_ENUM
} ct_status;

/* Static text for a status; never NULL. */
const char *ct_status_str(ct_status status);

/* A status plus a message that says where and what. Small value type:
 * declare it on the stack and pass its address; ct_error_clear() resets it. */
typedef struct ct_error {
    ct_status status;
    char msg[1024];
} ct_error;

void ct_error_clear(ct_error *err);

/* Sets err (if not NULL) to status with a printf-style message and returns
 * status, so callers can write `return ct_error_set(err, CT_ERR_IO, ...)`. */
ct_status ct_error_set(ct_error *err, ct_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
