/*
 * svg.h - drawing charts as inline SVG text, for self-contained HTML
 * reports (`celltwin report`, docs/report.md): a growable text buffer with
 * XML escaping, "nice" axis ticks, and four charts - a line chart with
 * horizontal limit lines and marked points (control charts), a bar chart,
 * a histogram with highlighted counts and marks under the axis, and a
 * waterfall. The SVG uses no script, font file or image: only elements,
 * inline styles and the viewer's default sans-serif font.
 *
 * Charts are drawn into a ct_svg_buf; text given to them (titles, labels)
 * is escaped. Out of memory is sticky: the buffer's nomem flag is set and
 * later writes are ignored, so a caller checks once at the end.
 */
#ifndef CELLTWIN_SVG_H
#define CELLTWIN_SVG_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A growable text buffer (NUL-terminated when len > 0). Value type:
 * ct_svg_buf_init, writes, ct_svg_buf_clear (frees). */
typedef struct ct_svg_buf {
    char *p;
    size_t len, cap;
    bool nomem;        /* a write failed for lack of memory */
} ct_svg_buf;

void ct_svg_buf_init(ct_svg_buf *b);
void ct_svg_buf_clear(ct_svg_buf *b);
/* Appends formatted text (not escaped). */
void ct_svg_printf(ct_svg_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends text with & < > " ' escaped for XML and HTML (NULL: nothing). */
void ct_svg_escape(ct_svg_buf *b, const char *text);

/* Axis ticks: a step of 1, 2 or 5 times a power of ten giving about
 * target ticks over [lo, hi]; *first is the first multiple of the step at
 * or above lo. Returns the number of ticks (0 when lo or hi is not finite
 * or hi < lo). A zero-width range is widened around its value. */
int ct_svg_ticks(double lo, double hi, int target, double *first, double *step);

/* A tick label: the value with as many decimals as the step needs
 * ("0.25", "1500"), or %g for very large or small steps. */
void ct_svg_tick_label(double v, double step, char *buf, size_t len);

/* Kinds of horizontal lines on a line chart. */
typedef enum ct_svg_line_kind {
    CT_SVG_CENTER = 0,   /* solid green: center line */
    CT_SVG_CONTROL,      /* dashed red: control limit */
    CT_SVG_SPEC          /* dash-dotted blue: specification limit */
} ct_svg_line_kind;

typedef struct ct_svg_hline {
    double y;
    ct_svg_line_kind kind;
    const char *label;   /* written at the right end ("UCL 1.23"), or NULL */
} ct_svg_hline;

/* A line chart: points (x[i], y[i]) joined by a line, with markers;
 * marked[i] true draws point i as a red marker (a signal). x may be NULL
 * (x = 1, 2, ..., n); marked may be NULL. The y range covers the points
 * and the lines whose include flag is set. */
typedef struct ct_svg_line_chart {
    const char *title;   /* NULL: none */
    const char *x_label, *y_label;
    int width, height;   /* pixels; 0: 720 x 260 */
    size_t n;
    const double *x, *y;
    const bool *marked;
    size_t n_lines;
    const ct_svg_hline *lines;
    const bool *include; /* per line: widen the y range to show it (NULL: all) */
    double y_scale;      /* plotted value = y * y_scale (0: 1), for display units */
} ct_svg_line_chart;

void ct_svg_line_draw(ct_svg_buf *b, const ct_svg_line_chart *c);

/* A bar chart of labelled values (>= 0), one bar per label, with the value
 * text (value_text[i], or the number) above each bar. highlight[i] draws
 * bar i in the warning colour. */
typedef struct ct_svg_bar_chart {
    const char *title, *y_label;
    int width, height;
    size_t n;
    const char *const *labels;
    const double *values;
    const char *const *value_text;   /* NULL: the numbers */
    const bool *highlight;           /* NULL: none */
} ct_svg_bar_chart;

void ct_svg_bars_draw(ct_svg_buf *b, const ct_svg_bar_chart *c);

/* A histogram over n_bins equal bins of [lo, hi): counts[i] in the
 * normal colour, of which highlighted[i] (<= counts[i], may be NULL) in
 * the warning colour on top. over / over_highlighted count values above
 * hi, drawn as a separate bar labelled "> hi". marks (n_marks values)
 * are drawn as ticks under the axis (values outside [lo, hi] at the ends). */
typedef struct ct_svg_histogram {
    const char *title, *x_label, *y_label;
    int width, height;
    double lo, hi;
    size_t n_bins;
    const double *counts, *highlighted;
    double over, over_highlighted;
    size_t n_marks;
    const double *marks;
} ct_svg_histogram;

void ct_svg_hist_draw(ct_svg_buf *b, const ct_svg_histogram *c);

/* A waterfall: a first bar of height start, then for each step a bar
 * hanging from the running total down by drop[i] (>= 0), then a last bar
 * of the total left (start - sum of drops). step_text[i] is written under
 * the step's bar (e.g. a cumulative yield), may be NULL. */
typedef struct ct_svg_waterfall {
    const char *title, *y_label;
    int width, height;
    const char *start_label, *end_label;
    double start;
    size_t n;
    const char *const *labels;
    const double *drop;
    const char *const *step_text;
} ct_svg_waterfall;

void ct_svg_waterfall_draw(ct_svg_buf *b, const ct_svg_waterfall *c);

#ifdef __cplusplus
}
#endif
#endif
