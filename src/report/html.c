/*
 * html.c - the parts the self-contained HTML reports share (html.h): the
 * document head with the inline style, and the atomic write of the file.
 */
#include "report/html.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cti_html_head(ct_svg_buf *b, const char *title)
{
    ct_svg_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<title>");
    ct_svg_escape(b, title);
    ct_svg_printf(b,
                  "</title>\n<style>\n"
                  "body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#222}\n"
                  "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:2em}\n"
                  "table{border-collapse:collapse;margin:.5em 0}td,th{padding:.15em .6em;"
                  "border-bottom:1px solid #eee;text-align:left}td.n{text-align:right}\n"
                  "figure{margin:1em 0}figcaption{font-size:.9em;color:#444;max-width:52em}\n"
                  "svg{display:block;max-width:100%%;height:auto}.note{color:#555;font-size:.9em}\n"
                  "</style>\n</head>\n<body>\n");
}

ct_status cti_html_write_atomic(const char *path, const char *data, size_t len, ct_error *err)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 5);
    if (!tmp)
        return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    ct_status st = CT_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        st = ct_error_set(err, CT_ERR_IO, "%s: cannot write the report: %s", path, strerror(errno));
        free(tmp);
        return st;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            st = ct_error_set(err, CT_ERR_IO, "%s: cannot write the report: %s", path,
                              w < 0 ? strerror(errno) : "short write");
            break;
        }
        off += (size_t)w;
    }
    if (st == CT_OK && fsync(fd) != 0)
        st = ct_error_set(err, CT_ERR_IO, "%s: cannot write the report: %s", path, strerror(errno));
    if (close(fd) != 0 && st == CT_OK)
        st = ct_error_set(err, CT_ERR_IO, "%s: cannot write the report: %s", path, strerror(errno));
    if (st == CT_OK && rename(tmp, path) != 0)
        st = ct_error_set(err, CT_ERR_IO, "%s: cannot write the report: %s", path, strerror(errno));
    if (st != CT_OK)
        unlink(tmp);
    free(tmp);
    return st;
}
