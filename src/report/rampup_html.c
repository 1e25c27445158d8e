/*
 * rampup_html.c - the ramp-up as one self-contained HTML file (`celltwin
 * rampup --html FILE`, docs/rampup.md): the scrap rate month by month
 * against the learning curves' values at SOP and at steady state, the GWh
 * of good cells per month, the scrap cost cumulated since SOP, the APQP
 * sample phases before SOP and the month table. Charts come from svg.h;
 * the head and the atomic write from html.h. Each month's row carries its
 * figures as data- attributes so that tests can read them back.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "celltwin/rampup.h"
#include "celltwin/svg.h"
#include "econ/rampup_internal.h"
#include "model/factory_internal.h"
#include "report/html.h"

static void method(ct_svg_buf *b, const ct_rampup *r)
{
    const ct_rampup_options *o = &r->opt;
    ct_svg_printf(b, "<h1>Ramp-up: ");
    ct_svg_escape(b, r->f->name);
    ct_svg_printf(b,
                  "</h1>\n<p class=\"note\" id=\"method\" data-months=\"%d\" data-sample-s=\"%.17g\" "
                  "data-warmup-s=\"%.17g\">%d months after the start of production (SOP). Each "
                  "month: the line filled for %.3g d, then a %.3g d window at mid-month, scaled "
                  "to the month (365.25/12 d); %d replication%s, seed %llu. Scrap of cause "
                  "&ldquo;ramp-up&rdquo; follows the factory's learning curves (docs/rampup.md).</p>\n",
                  o->months, o->sample_s, o->warmup_s, o->months, o->warmup_s / 86400,
                  o->sample_s / 86400, o->replications, o->replications == 1 ? "" : "s",
                  (unsigned long long)o->seed);
}

/* x, y, z: scratch of n months each. */
static void charts(ct_svg_buf *b, const ct_rampup *r, double *x, double *y, double *z)
{
    for (int m = 0; m < r->n; m++) {
        x[m] = r->months[m].month;
        y[m] = r->months[m].scrap_rate;
    }
    char sop[48], steady[48];
    snprintf(sop, sizeof sop, "SOP %.1f %%", 100 * r->curve_at_sop);
    snprintf(steady, sizeof steady, "steady %.1f %%", 100 * r->curve_steady);
    ct_svg_hline lines[2] = {{r->curve_at_sop, CT_SVG_CONTROL, sop},
                             {r->curve_steady, CT_SVG_CENTER, steady}};
    ct_svg_line_chart scrap = {"Scrap rate by month (all causes)", "month after SOP", "scrap %",
                               0, 0, (size_t)r->n, x, y, NULL, 2, lines, NULL, 100};
    ct_svg_printf(b, "<h2>Scrap</h2>\n<figure id=\"scrap-chart\">\n");
    ct_svg_line_draw(b, &scrap);
    ct_svg_printf(b, "<figcaption>The line's scrap rate (1 - cumulative yield) in each month's "
                     "window; the lines are the learning curves' own loss at SOP and at steady "
                     "state (the line's other scrap comes on top).</figcaption>\n</figure>\n");

    /* the energy of the good cells; a line without a cell spec its good units */
    bool energy = false;
    for (int m = 0; m < r->n; m++)
        energy |= r->months[m].gwh > 0;
    for (int m = 0; m < r->n; m++)
        z[m] = energy ? r->months[m].gwh : r->months[m].good_cells;
    ct_svg_line_chart out = {"Output by month", "month after SOP",
                             energy ? "GWh of good cells" : "good units", 0, 0, (size_t)r->n,
                             x, z, NULL, 0, NULL, NULL, 1};
    ct_svg_printf(b, "<h2>Output</h2>\n<figure id=\"output-chart\">\n");
    ct_svg_line_draw(b, &out);
    ct_svg_printf(b, "<figcaption>Energy of the good cells made in each month (the month table "
                     "gives their number).</figcaption>\n</figure>\n");

    for (int m = 0; m < r->n; m++)
        y[m] = r->months[m].cum_scrap_cost_usd / 1e6;
    ct_svg_line_chart cost = {"Scrap cost since SOP", "month after SOP", "M USD", 0, 0,
                              (size_t)r->n, x, y, NULL, 0, NULL, NULL, 1};
    ct_svg_printf(b, "<h2>Scrap cost</h2>\n<figure id=\"cost-chart\">\n");
    ct_svg_line_draw(b, &cost);
    ct_svg_printf(b, "<figcaption>Material and processing value of everything scrapped, "
                     "cumulated month by month.</figcaption>\n</figure>\n");
}

static void apqp_table(ct_svg_buf *b)
{
    size_t n;
    const ct_apqp_phase *p = ct_apqp_phases(&n);
    ct_svg_printf(b, "<h2>APQP sample phases before SOP</h2>\n<table id=\"apqp\">\n<tr><th>phase"
                     "</th><th>months before SOP</th><th>cells</th><th>line</th><th>purpose</th>"
                     "<th>source</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        ct_svg_printf(b, "<tr><td>");
        ct_svg_escape(b, p[i].phase);
        ct_svg_printf(b, "</td><td class=\"n\">%.0f &ndash; %.0f</td><td class=\"n\">%.0f</td><td>",
                      p[i].start_months_before_sop, p[i].end_months_before_sop, p[i].cells);
        ct_svg_escape(b, p[i].line);
        ct_svg_printf(b, "</td><td>");
        ct_svg_escape(b, p[i].purpose);
        ct_svg_printf(b, "</td><td>");
        ct_svg_escape(b, p[i].source);
        ct_svg_printf(b, "</td></tr>\n");
    }
    ct_svg_printf(b, "</table>\n");
}

static void month_table(ct_svg_buf *b, const ct_rampup *r)
{
    ct_svg_printf(b, "<h2>Month by month</h2>\n<table id=\"months\">\n<tr><th>month</th><th>curves"
                     "</th><th>yield</th><th>scrap</th><th>good cells</th><th>GWh</th><th>scrap "
                     "USD</th><th>ramp-up USD</th><th>cum. GWh</th><th>cum. scrap USD</th><th>top "
                     "cause</th></tr>\n");
    for (int m = 0; m < r->n; m++) {
        const ct_rampup_month *mo = &r->months[m];
        ct_svg_printf(b,
                      "<tr data-month=\"%d\" data-scrap-rate=\"%.17g\" data-good-cells=\"%.17g\" "
                      "data-cum-scrap-usd=\"%.17g\"><td class=\"n\">%d</td><td class=\"n\">%.2f %%"
                      "</td><td class=\"n\">%.2f %%</td><td class=\"n\">%.2f %%</td><td class=\"n\">"
                      "%.0f</td><td class=\"n\">%.3f</td><td class=\"n\">%.0f</td><td class=\"n\">"
                      "%.0f</td><td class=\"n\">%.2f</td><td class=\"n\">%.0f</td><td>",
                      mo->month, mo->scrap_rate, mo->good_cells, mo->cum_scrap_cost_usd, mo->month,
                      100 * mo->learning_scrap, 100 * mo->yield, 100 * mo->scrap_rate,
                      mo->good_cells, mo->gwh, mo->scrap_cost_usd, mo->ramp_up_cost_usd,
                      mo->cum_gwh, mo->cum_scrap_cost_usd);
        if (mo->n_top > 0) {
            ct_svg_escape(b, mo->top[0].station);
            ct_svg_printf(b, ": ");
            ct_svg_escape(b, mo->top[0].cause);
        }
        ct_svg_printf(b, "</td></tr>\n");
    }
    ct_svg_printf(b, "</table>\n");
}

ct_status ct_rampup_write_html(const ct_rampup *r, const char *path, ct_error *err)
{
    ct_svg_buf b;
    ct_svg_buf_init(&b);
    size_t n = r->n > 0 ? (size_t)r->n : 1;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    ct_status st;
    if (!x || !y || !z) {
        st = ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    char title[200];
    snprintf(title, sizeof title, "celltwin ramp-up: %s", r->f->name);
    cti_html_head(&b, title);
    method(&b, r);
    charts(&b, r, x, y, z);
    apqp_table(&b);
    month_table(&b, r);
    ct_svg_printf(&b, "</body>\n</html>\n");
    st = b.nomem ? ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path)
                 : cti_html_write_atomic(path, b.p, b.len, err);
done:
    free(x);
    free(y);
    free(z);
    ct_svg_buf_clear(&b);
    return st;
}
