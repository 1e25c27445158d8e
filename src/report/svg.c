/*
 * svg.c - charts as inline SVG text (include/celltwin/svg.h): the text
 * buffer, axis ticks, and the line chart, bar chart, histogram and
 * waterfall the reports draw. Each chart is one <svg> element sized in
 * pixels, with a frame of axes (ticks, grid lines, labels) around a plot
 * area; the drawing uses only elements and presentation attributes, so a
 * browser shows it offline and without scripts. No xmlns attribute: an
 * <svg> inside HTML does not need one (and the report carries no URL).
 */
#include "celltwin/svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Colours: data, warning (signals, outliers, scrap), limit lines. */
#define C_DATA "#1f5fa8"
#define C_WARN "#c62828"
#define C_CENTER "#2e7d32"
#define C_SPEC "#6a1b9a"
#define C_GRID "#e3e3e3"
#define C_AXIS "#444"

/* ---- text buffer -------------------------------------------------------- */

void ct_svg_buf_init(ct_svg_buf *b)
{
    memset(b, 0, sizeof *b);
}

void ct_svg_buf_clear(ct_svg_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static bool reserve(ct_svg_buf *b, size_t n)
{
    if (b->nomem)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->nomem = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void ct_svg_printf(ct_svg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ct_svg_escape(ct_svg_buf *b, const char *text)
{
    for (const char *s = text; s && *s; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: break;
        }
        if (e) {
            ct_svg_printf(b, "%s", e);
        } else if (reserve(b, 1)) {
            b->p[b->len++] = *s;
            b->p[b->len] = '\0';
        }
    }
}

/* ---- ticks ------------------------------------------------------------------ */

int ct_svg_ticks(double lo, double hi, int target, double *first, double *step)
{
    *first = *step = NAN;
    if (!isfinite(lo) || !isfinite(hi) || hi < lo)
        return 0;
    if (hi == lo) {
        double d = lo != 0 ? fabs(lo) * 0.1 : 1.0;
        lo -= d;
        hi += d;
    }
    if (target < 2)
        target = 2;
    double raw = (hi - lo) / target;
    double p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    double s = (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * p;
    double f = ceil(lo / s - 1e-9) * s;
    *first = f;
    *step = s;
    return (int)floor((hi - f) / s + 1e-9) + 1;
}

void ct_svg_tick_label(double v, double step, char *buf, size_t len)
{
    if (fabs(v) < step * 1e-9)
        v = 0.0;
    double a = fabs(step);
    if (a >= 1e6 || a < 1e-4 || (v != 0 && fabs(v) >= 1e7)) {
        snprintf(buf, len, "%.3g", v);
        return;
    }
    int dec = a >= 1 ? 0 : (int)ceil(-log10(a) - 1e-9);
    if (a < 1 && fabs(a * pow(10.0, dec) - round(a * pow(10.0, dec))) > 1e-6)
        dec++;
    snprintf(buf, len, "%.*f", dec, v);
}

/* ---- frame ------------------------------------------------------------------- */

/* The plot area of a chart, in pixels, and its value ranges. */
typedef struct frame {
    double left, right, top, bottom;   /* plot area */
    double xlo, xhi, ylo, yhi;         /* values at its edges */
    double ystep;
} frame;

static double fx(const frame *f, double x)
{
    return f->left + (x - f->xlo) / (f->xhi - f->xlo) * (f->right - f->left);
}

static double fy(const frame *f, double y)
{
    return f->bottom - (y - f->ylo) / (f->yhi - f->ylo) * (f->bottom - f->top);
}

/* Widens [lo, hi] to whole tick steps (about 6 ticks). */
static void nice_range(double *lo, double *hi, double *step)
{
    double first;
    ct_svg_ticks(*lo, *hi, 6, &first, step);
    if (!isfinite(*step)) {
        *lo = 0;
        *hi = 1;
        *step = 0.2;
        return;
    }
    double l = floor(*lo / *step + 1e-9) * *step, h = ceil(*hi / *step - 1e-9) * *step;
    if (h <= l)
        h = l + *step;
    *lo = l;
    *hi = h;
}

static void svg_open(ct_svg_buf *b, int w, int h, const char *title)
{
    ct_svg_printf(b,
                  "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                  "font-family=\"sans-serif\" font-size=\"11\">",
                  w, h, w, h);
    if (title) {
        ct_svg_printf(b, "<title>");
        ct_svg_escape(b, title);
        ct_svg_printf(b, "</title><text x=\"%d\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" "
                         "font-weight=\"bold\">",
                      w / 2);
        ct_svg_escape(b, title);
        ct_svg_printf(b, "</text>");
    }
}

/* The y axis: grid lines, tick labels, the axis label (rotated). */
static void y_axis(ct_svg_buf *b, const frame *f, const char *label)
{
    char buf[64];
    for (double v = f->ylo; v <= f->yhi + f->ystep * 1e-6; v += f->ystep) {
        double y = fy(f, v);
        ct_svg_tick_label(v, f->ystep, buf, sizeof buf);
        ct_svg_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_GRID "\"/>"
                      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                      f->left, y, f->right, y, f->left - 5, y + 4, buf);
    }
    ct_svg_printf(b,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_AXIS "\"/>"
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_AXIS "\"/>",
                  f->left, f->top, f->left, f->bottom, f->left, f->bottom, f->right, f->bottom);
    if (label) {
        double cy = (f->top + f->bottom) / 2;
        ct_svg_printf(b, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">",
                      cy, cy);
        ct_svg_escape(b, label);
        ct_svg_printf(b, "</text>");
    }
}

/* A numeric x axis: ticks and labels under the plot, the axis label. */
static void x_axis(ct_svg_buf *b, const frame *f, const char *label, int h)
{
    double first, step;
    int n = ct_svg_ticks(f->xlo, f->xhi, 8, &first, &step);
    char buf[64];
    for (int i = 0; i < n; i++) {
        double v = first + i * step, x = fx(f, v);
        ct_svg_tick_label(v, step, buf, sizeof buf);
        ct_svg_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_AXIS "\"/>"
                      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
                      x, f->bottom, x, f->bottom + 4, x, f->bottom + 16, buf);
    }
    if (label) {
        ct_svg_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", (f->left + f->right) / 2,
                      h - 6);
        ct_svg_escape(b, label);
        ct_svg_printf(b, "</text>");
    }
}

/* Whether a category label is written level under its bar: when it fits
 * its slot (about 6 px a character at font-size 11), else rotated. */
static bool label_fits(const char *text, double slot)
{
    return slot >= 70 || strlen(text) * 6.0 < slot;
}

/* Whether any of n labels is rotated; then the chart keeps more room
 * under the plot. */
static bool any_rotated(const char *const *labels, size_t n, double slot)
{
    for (size_t i = 0; i < n; i++)
        if (!label_fits(labels[i] ? labels[i] : "", slot))
            return true;
    return false;
}

/* A category label under a bar, rotated when it does not fit its slot. */
static void category_label(ct_svg_buf *b, double x, double y, double slot, const char *text)
{
    if (label_fits(text, slot)) {
        ct_svg_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, y + 14);
    } else {
        ct_svg_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" transform=\"rotate(-35 %.1f %.1f)\">",
                      x + 3, y + 10, x + 3, y + 10);
    }
    ct_svg_escape(b, text);
    ct_svg_printf(b, "</text>");
}

static void size_or(int *w, int *h, int dw, int dh)
{
    if (*w <= 0)
        *w = dw;
    if (*h <= 0)
        *h = dh;
}

/* ---- line chart --------------------------------------------------------------- */

static const char *const line_style[] = {
    [CT_SVG_CENTER] = "stroke=\"" C_CENTER "\"",
    [CT_SVG_CONTROL] = "stroke=\"" C_WARN "\" stroke-dasharray=\"6 4\"",
    [CT_SVG_SPEC] = "stroke=\"" C_SPEC "\" stroke-dasharray=\"10 3 2 3\"",
};

void ct_svg_line_draw(ct_svg_buf *b, const ct_svg_line_chart *c)
{
    int w = c->width, h = c->height;
    size_or(&w, &h, 720, 260);
    double k = c->y_scale > 0 ? c->y_scale : 1.0;
    frame f = {64, w - 96.0, c->title ? 28 : 10, h - 40.0, 0, 0, INFINITY, -INFINITY, 0};
    f.xlo = INFINITY;
    f.xhi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        double x = c->x ? c->x[i] : (double)(i + 1), y = c->y[i] * k;
        if (!isfinite(x) || !isfinite(y))
            continue;
        f.xlo = fmin(f.xlo, x);
        f.xhi = fmax(f.xhi, x);
        f.ylo = fmin(f.ylo, y);
        f.yhi = fmax(f.yhi, y);
    }
    for (size_t i = 0; i < c->n_lines; i++) {
        double y = c->lines[i].y * k;
        if (isfinite(y) && (!c->include || c->include[i])) {
            f.ylo = fmin(f.ylo, y);
            f.yhi = fmax(f.yhi, y);
        }
    }
    if (!(f.xlo <= f.xhi)) {
        f.xlo = 0;
        f.xhi = 1;
    }
    if (f.xhi == f.xlo) {
        f.xlo -= 1;
        f.xhi += 1;
    }
    if (!(f.ylo <= f.yhi)) {
        f.ylo = 0;
        f.yhi = 1;
    }
    nice_range(&f.ylo, &f.yhi, &f.ystep);
    svg_open(b, w, h, c->title);
    y_axis(b, &f, c->y_label);
    x_axis(b, &f, c->x_label, h);
    /* limit lines, clipped to the plot: a line outside the range is left out
     * (with a rounding slack: 0.3 x 100 is 30.000000000000004, and the range
     * may end at 30) */
    double slack = 1e-9 * (f.yhi - f.ylo);
    for (size_t i = 0; i < c->n_lines; i++) {
        const ct_svg_hline *l = &c->lines[i];
        double y = l->y * k;
        if (!isfinite(y) || y < f.ylo - slack || y > f.yhi + slack)
            continue;
        double py = fy(&f, y);
        ct_svg_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" %s/>", f.left, py,
                      f.right, py, line_style[l->kind]);
        if (l->label) {
            ct_svg_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", f.right + 4, py + 4);
            ct_svg_escape(b, l->label);
            ct_svg_printf(b, "</text>");
        }
    }
    /* the series */
    ct_svg_printf(b, "<polyline fill=\"none\" stroke=\"" C_DATA "\" stroke-width=\"1\" points=\"");
    for (size_t i = 0; i < c->n; i++) {
        double x = c->x ? c->x[i] : (double)(i + 1), y = c->y[i] * k;
        if (isfinite(x) && isfinite(y))
            ct_svg_printf(b, "%s%.1f,%.1f", i ? " " : "", fx(&f, x), fy(&f, y));
    }
    ct_svg_printf(b, "\"/>");
    double r = c->n > 200 ? 1.6 : 2.5;
    for (size_t i = 0; i < c->n; i++) {
        double x = c->x ? c->x[i] : (double)(i + 1), y = c->y[i] * k;
        if (!isfinite(x) || !isfinite(y))
            continue;
        bool m = c->marked && c->marked[i];
        ct_svg_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>", fx(&f, x),
                      fy(&f, y), m ? r + 1.5 : r, m ? C_WARN : C_DATA);
    }
    ct_svg_printf(b, "</svg>");
}

/* ---- bar chart ---------------------------------------------------------------- */

void ct_svg_bars_draw(ct_svg_buf *b, const ct_svg_bar_chart *c)
{
    int w = c->width, h = c->height;
    size_or(&w, &h, 720, 300);
    /* room under the bars for the labels, rotated when a label is wider
     * than its bar's slot (category_label) */
    bool rotated = any_rotated(c->labels, c->n, (w - 80.0) / (double)(c->n ? c->n : 1));
    frame f = {64, w - 16.0, c->title ? 36 : 16, h - (rotated ? 90.0 : 30.0), 0, 1, 0, 0, 0};
    for (size_t i = 0; i < c->n; i++)
        if (isfinite(c->values[i]))
            f.yhi = fmax(f.yhi, c->values[i]);
    if (f.yhi <= 0)
        f.yhi = 1;
    nice_range(&f.ylo, &f.yhi, &f.ystep);
    svg_open(b, w, h, c->title);
    y_axis(b, &f, c->y_label);
    double slot = (f.right - f.left) / (double)(c->n ? c->n : 1), bw = slot * 0.7;
    char buf[64];
    for (size_t i = 0; i < c->n; i++) {
        double v = isfinite(c->values[i]) && c->values[i] > 0 ? c->values[i] : 0;
        double x = f.left + slot * (double)i + (slot - bw) / 2, top = fy(&f, v);
        bool hl = c->highlight && c->highlight[i];
        ct_svg_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x,
                      top, bw, f.bottom - top, hl ? C_WARN : C_DATA);
        const char *t = c->value_text ? c->value_text[i] : NULL;
        if (!t) {
            snprintf(buf, sizeof buf, "%.6g", c->values[i]);
            t = buf;
        }
        ct_svg_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x + bw / 2, top - 3);
        ct_svg_escape(b, t);
        ct_svg_printf(b, "</text>");
        category_label(b, x + bw / 2, f.bottom, slot, c->labels[i]);
    }
    ct_svg_printf(b, "</svg>");
}

/* ---- histogram ---------------------------------------------------------------- */

void ct_svg_hist_draw(ct_svg_buf *b, const ct_svg_histogram *c)
{
    int w = c->width, h = c->height;
    size_or(&w, &h, 720, 280);
    bool over = c->over > 0;
    double right = w - 16.0 - (over ? 56 : 0);
    frame f = {64, right, c->title ? 28 : 10, h - 54.0, c->lo, c->hi, 0, 0, 0};
    if (!(f.xhi > f.xlo))
        f.xhi = f.xlo + 1;
    for (size_t i = 0; i < c->n_bins; i++)
        f.yhi = fmax(f.yhi, c->counts[i]);
    f.yhi = fmax(f.yhi, c->over);
    if (f.yhi <= 0)
        f.yhi = 1;
    nice_range(&f.ylo, &f.yhi, &f.ystep);
    svg_open(b, w, h, c->title);
    y_axis(b, &f, c->y_label);
    x_axis(b, &f, c->x_label, h);
    double bw = (f.right - f.left) / (double)(c->n_bins ? c->n_bins : 1);
    for (size_t i = 0; i < c->n_bins; i++) {
        double x = f.left + bw * (double)i, top = fy(&f, c->counts[i]);
        if (c->counts[i] > 0)
            ct_svg_printf(b,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" C_DATA
                          "\" stroke=\"white\" stroke-width=\"0.5\"/>",
                          x, top, bw, f.bottom - top);
        double hl = c->highlighted ? c->highlighted[i] : 0;
        if (hl > 0) {
            double hy = fy(&f, hl);
            ct_svg_printf(b,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" C_WARN
                          "\"/>",
                          x, top, bw, f.bottom - hy);
        }
    }
    if (over) {
        double x = f.right + 12, bw2 = 36, top = fy(&f, c->over);
        double hl = fmin(c->over_highlighted, c->over);
        ct_svg_printf(b,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" C_DATA "\"/>",
                      x, top, bw2, f.bottom - top);
        if (hl > 0)
            ct_svg_printf(b,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" C_WARN
                          "\"/>",
                          x, top, bw2, f.bottom - fy(&f, hl));
        char buf[64], lab[80];
        ct_svg_tick_label(c->hi, (c->hi - c->lo) / 10, buf, sizeof buf);
        snprintf(lab, sizeof lab, "> %s", buf);
        ct_svg_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x + bw2 / 2,
                      f.bottom + 16);
        ct_svg_escape(b, lab);
        ct_svg_printf(b, "</text><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>",
                      x + bw2 / 2, top - 3, c->over);
    }
    /* marks under the axis, one per pixel column */
    int last = -1;
    for (size_t i = 0; i < c->n_marks; i++) {
        double v = c->marks[i];
        if (!isfinite(v))
            continue;
        double x = v > c->hi && over ? f.right + 30 : fx(&f, fmin(fmax(v, f.xlo), f.xhi));
        if ((int)x == last)
            continue;
        last = (int)x;
        ct_svg_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_WARN
                      "\" stroke-width=\"1.5\"/>",
                      x, f.bottom + 18, x, f.bottom + 26);
    }
    ct_svg_printf(b, "</svg>");
}

/* ---- waterfall ---------------------------------------------------------------- */

void ct_svg_waterfall_draw(ct_svg_buf *b, const ct_svg_waterfall *c)
{
    int w = c->width, h = c->height;
    size_or(&w, &h, 720, 340);
    double end = c->start;
    for (size_t i = 0; i < c->n; i++)
        end -= c->drop[i];
    /* The drops of a line are a few per cent of what enters: an axis from
     * 0 would hide them, so it starts below the end (and says so). */
    double slot0 = (w - 88.0) / (double)(c->n + 2);
    const char *ends[2] = {c->start_label, c->end_label};
    bool rotated = any_rotated(c->labels, c->n, slot0) || any_rotated(ends, 2, slot0);
    frame f = {72, w - 16.0, c->title ? 36 : 16, h - (rotated ? 110.0 : 40.0), 0, 1, 0, c->start, 0};
    if (c->start > end && end > 0) {
        f.ylo = fmax(0, end - (c->start - end) * 0.5);
    }
    if (f.yhi <= f.ylo)
        f.yhi = f.ylo + 1;
    double first, step;
    ct_svg_ticks(f.ylo, f.yhi, 6, &first, &step);
    if (isfinite(step)) {
        f.ylo = floor(f.ylo / step + 1e-9) * step;
        f.yhi = ceil(f.yhi / step - 1e-9) * step;
        f.ystep = step;
    } else {
        nice_range(&f.ylo, &f.yhi, &f.ystep);
    }
    svg_open(b, w, h, c->title);
    y_axis(b, &f, c->y_label);
    if (f.ylo > 0)
        ct_svg_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-style=\"italic\">axis starts at %.0f</text>",
                      f.left + 4, f.top - 4, f.ylo);
    size_t nb = c->n + 2;
    double slot = (f.right - f.left) / (double)nb, bw = slot * 0.7, total = c->start;
    for (size_t j = 0; j < nb; j++) {
        double x = f.left + slot * (double)j + (slot - bw) / 2, top, bottom;
        const char *label, *fill = C_DATA, *text = NULL;
        if (j == 0 || j == nb - 1) {
            double v = j == 0 ? c->start : total;
            top = fy(&f, v);
            bottom = f.bottom;
            label = j == 0 ? c->start_label : c->end_label;
        } else {
            double d = c->drop[j - 1];
            top = fy(&f, total);
            bottom = fy(&f, total - d);
            if (bottom - top < 1 && d > 0)
                bottom = top + 1;
            total -= d;
            label = c->labels[j - 1];
            fill = C_WARN;
            text = c->step_text ? c->step_text[j - 1] : NULL;
            /* the level carried from the previous bar across this one */
            ct_svg_printf(b,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
                          "stroke-dasharray=\"2 2\"/>",
                          x - (slot - bw), top, x + bw, top);
        }
        ct_svg_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x,
                      top, bw, bottom - top, fill);
        if (text) {
            ct_svg_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"9\">",
                          x + bw / 2, bottom + 10);
            ct_svg_escape(b, text);
            ct_svg_printf(b, "</text>");
        }
        category_label(b, x + bw / 2, f.bottom, slot, label ? label : "");
    }
    ct_svg_printf(b, "</svg>");
}
