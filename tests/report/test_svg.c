/*
 * test_svg.c - the SVG drawing module (include/celltwin/svg.h) on its own:
 * escaping of text, axis ticks (steps of 1, 2 or 5 times a power of ten,
 * worked out by hand below), tick labels, and that each chart is one
 * <svg> element with its title escaped and its marked points in red.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "celltwin/svg.h"

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static void test_escape(void **state)
{
    (void)state;
    ct_svg_buf b;
    ct_svg_buf_init(&b);
    ct_svg_escape(&b, "a<b & \"c\" 'd'>");
    ct_svg_escape(&b, NULL);
    assert_string_equal(b.p, "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
    ct_svg_printf(&b, "|%d|", 42);
    assert_string_equal(b.p + b.len - 4, "|42|");
    assert_false(b.nomem);
    ct_svg_buf_clear(&b);
    assert_null(b.p);
}

static void test_ticks(void **state)
{
    (void)state;
    double first, step;
    /* [0, 10] in about 5: raw step 2 -> 2; ticks 0, 2, ..., 10 */
    assert_int_equal(ct_svg_ticks(0, 10, 5, &first, &step), 6);
    assert_true(first == 0 && step == 2);
    /* [255.47, 258.69] in about 6: raw 0.537 -> 0.5; first 255.5, last 258.5 */
    assert_int_equal(ct_svg_ticks(255.47, 258.69, 6, &first, &step), 7);
    assert_true(fabs(first - 255.5) < 1e-12 && fabs(step - 0.5) < 1e-15);
    /* [-0.0009, 0.0021] in about 6: raw 0.0005 -> 5e-4; -0.0005 ... 0.002 */
    assert_int_equal(ct_svg_ticks(-0.0009, 0.0021, 6, &first, &step), 6);
    assert_true(fabs(first + 0.0005) < 1e-15 && fabs(step - 0.0005) < 1e-18);
    /* a point range is widened by 10 % of its value: [90, 110] */
    assert_int_equal(ct_svg_ticks(100, 100, 4, &first, &step), 5);
    assert_true(first == 90 && step == 5);
    /* no ticks for nonsense */
    assert_int_equal(ct_svg_ticks(NAN, 1, 5, &first, &step), 0);
    assert_int_equal(ct_svg_ticks(2, 1, 5, &first, &step), 0);
}

static void test_tick_labels(void **state)
{
    (void)state;
    char buf[32];
    ct_svg_tick_label(255.5, 0.5, buf, sizeof buf);
    assert_string_equal(buf, "255.5");
    ct_svg_tick_label(0.75, 0.25, buf, sizeof buf);
    assert_string_equal(buf, "0.75");
    ct_svg_tick_label(1500, 500, buf, sizeof buf);
    assert_string_equal(buf, "1500");
    /* a rounding residue of zero prints as 0 */
    ct_svg_tick_label(1e-17, 0.1, buf, sizeof buf);
    assert_string_equal(buf, "0.0");
    ct_svg_tick_label(2e-6, 1e-6, buf, sizeof buf);
    assert_string_equal(buf, "2e-06");
}

static void test_line_chart(void **state)
{
    (void)state;
    double y[5] = {1, 2, 3, 2, 9};
    bool marked[5] = {false, false, false, false, true};
    ct_svg_hline lines[2] = {{2.5, CT_SVG_CENTER, "CL 2.5"}, {100, CT_SVG_SPEC, "USL"}};
    bool inc[2] = {true, false};
    ct_svg_line_chart c = {"a <title>", "x", "y", 0, 0, 5, NULL, y, marked, 2, lines, inc, 0};
    ct_svg_buf b;
    ct_svg_buf_init(&b);
    ct_svg_line_draw(&b, &c);
    assert_int_equal(count(b.p, "<svg "), 1);
    assert_int_equal(strncmp(b.p + b.len - 6, "</svg>", 6), 0);
    assert_non_null(strstr(b.p, "a &lt;title&gt;"));
    assert_null(strstr(b.p, "<title>a <"));
    /* five markers, one of them red; the center line drawn, the USL
     * outside the range left out */
    assert_int_equal(count(b.p, "<circle "), 5);
    assert_int_equal(count(b.p, "fill=\"#c62828\"/>"), 1);
    assert_non_null(strstr(b.p, ">CL 2.5<"));
    assert_null(strstr(b.p, ">USL<"));
    ct_svg_buf_clear(&b);
}

static void test_other_charts(void **state)
{
    (void)state;
    ct_svg_buf b;
    ct_svg_buf_init(&b);
    const char *labels[3] = {"A", "B", "x&y"};
    double v[3] = {10, 5, 1};
    ct_svg_bar_chart bars = {"bars", "n", 0, 0, 3, labels, v, NULL, NULL};
    ct_svg_bars_draw(&b, &bars);
    assert_int_equal(count(b.p, "<rect "), 3);
    assert_non_null(strstr(b.p, ">x&amp;y<"));
    ct_svg_buf_clear(&b);
    double counts[4] = {1, 5, 3, 0}, hl[4] = {0, 0, 1, 0}, marks[2] = {2.6, 9};
    ct_svg_histogram h = {"h", "k", "n", 0, 0, 0, 4, 4, counts, hl, 2, 1, 2, marks};
    ct_svg_hist_draw(&b, &h);
    /* three non-empty bins, one highlighted part, the overflow bar and its
     * highlighted part */
    assert_int_equal(count(b.p, "<rect "), 6);
    /* labelled with the range end at the bins' tenth (0.4): one decimal */
    assert_non_null(strstr(b.p, ">&gt; 4.0<"));
    ct_svg_buf_clear(&b);
    double drop[2] = {30, 0};
    const char *st[2] = {"97%", NULL};
    ct_svg_waterfall w = {"w", "cells", 0, 0, "in", "out", 1000, 2, labels, drop, st};
    ct_svg_waterfall_draw(&b, &w);
    assert_int_equal(count(b.p, "<rect "), 4);
    assert_non_null(strstr(b.p, ">97%<"));
    /* the axis starts below the 970 left, at 955 rounded down to a tick */
    assert_non_null(strstr(b.p, "axis starts at 950"));
    ct_svg_buf_clear(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),      cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_tick_labels), cmocka_unit_test(test_line_chart),
        cmocka_unit_test(test_other_charts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
