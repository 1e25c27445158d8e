/*
 * html.h - what the self-contained HTML reports share (internal): the
 * document head with its inline style, and writing the finished file
 * atomically so that a failure never leaves a partial report behind.
 * Used by the quality report (report.c) and the ramp-up report
 * (rampup_html.c).
 */
#ifndef CELLTWIN_REPORT_HTML_H
#define CELLTWIN_REPORT_HTML_H

#include <stddef.h>

#include "celltwin/status.h"
#include "celltwin/svg.h"

/* "<!DOCTYPE html>...<body>" with the title (escaped) and the reports'
 * inline CSS. */
void cti_html_head(ct_svg_buf *b, const char *title);

/* Writes data[0..len) to path + ".tmp", flushes it to disk and renames it
 * to path; on failure removes the temporary file and leaves path as it
 * was. Errors: CT_ERR_IO ("PATH: cannot write the report: ..."),
 * CT_ERR_NOMEM. */
ct_status cti_html_write_atomic(const char *path, const char *data, size_t len, ct_error *err);

#endif
