/*
 * spc_results.c - the online SPC part of a run's results (ct_kpis.spc and
 * .spc_alarms, docs/spc-online.md): means and 95 % half-widths over
 * replications, the `spc` and `spc_alarms` members of the JSON output and
 * the SPC section of the text report. Kept apart from results.c so that
 * the KPI table and this section can change independently.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "celltwin/quality.h"
#include "model/results_internal.h"

#define SPC_FIELD(name) {#name, offsetof(ct_spc_chart_kpi, name)}

/* The numeric fields of a chart's results, in JSON order. */
static const cti_kpi_field spc_fields[] = {
    SPC_FIELD(center),        SPC_FIELD(ucl),           SPC_FIELD(lcl),
    SPC_FIELD(sigma),         SPC_FIELD(points),        SPC_FIELD(alarms),
    SPC_FIELD(first_alarm_s), SPC_FIELD(shift_at_s),    SPC_FIELD(detection_delay_s),
    SPC_FIELD(points_to_detect), SPC_FIELD(detected),
};
#define N_SPC_FIELDS (sizeof spc_fields / sizeof spc_fields[0])

void cti_spc_results_free(ct_kpis *k)
{
    free(k->spc);
    free(k->spc_alarms);
    k->spc = NULL;
    k->spc_alarms = NULL;
    k->n_spc = k->n_spc_alarms = 0;
}

/* Mean and 95 % half-width of the defined (non-NAN) values of one field
 * of chart c over the replications; NAN when none is defined. */
static void summarise(const ct_results *r, size_t c, size_t off, double *mean, double *half)
{
    int n = 0;
    double sum = 0.0, ss = 0.0;
    for (int i = 0; i < r->opt.replications; i++) {
        double x = CTI_FIELD(&r->reps[i].spc[c], off);
        if (!isnan(x)) {
            sum += x;
            n++;
        }
    }
    *mean = n ? sum / n : NAN;
    for (int i = 0; n > 1 && i < r->opt.replications; i++) {
        double x = CTI_FIELD(&r->reps[i].spc[c], off);
        if (!isnan(x))
            ss += (x - *mean) * (x - *mean);
    }
    *half = n > 1 ? ct_student_t_quantile(0.975, n - 1) * sqrt(ss / (n - 1) / n)
                  : (n == 1 ? 0.0 : NAN);
}

bool cti_spc_results_aggregate(ct_results *r)
{
    size_t n = r->reps[0].n_spc;
    if (n == 0)
        return true;
    r->mean.spc = calloc(n, sizeof *r->mean.spc);
    r->ci95.spc = calloc(n, sizeof *r->ci95.spc);
    if (!r->mean.spc || !r->ci95.spc)
        return false;
    r->mean.n_spc = r->ci95.n_spc = n;
    for (size_t c = 0; c < n; c++) {
        r->mean.spc[c] = r->ci95.spc[c] = r->reps[0].spc[c];   /* names */
        for (size_t f = 0; f < N_SPC_FIELDS; f++) {
            size_t off = spc_fields[f].offset;
            summarise(r, c, off, &CTI_FIELD(&r->mean.spc[c], off), &CTI_FIELD(&r->ci95.spc[c], off));
        }
    }
    return true;
}

/* A number, or null for NAN (JSON has no NaN). */
static json_t *number(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}

static json_t *charts_json(const ct_kpis *k)
{
    json_t *list = json_array();
    for (size_t c = 0; c < k->n_spc; c++) {
        const ct_spc_chart_kpi *s = &k->spc[c];
        json_t *o = json_object();
        json_object_set_new(o, "gate", json_string(s->gate));
        json_object_set_new(o, "chart", json_string(s->chart));
        json_object_set_new(o, "unit", json_string(s->unit));
        for (size_t f = 0; f < N_SPC_FIELDS; f++)
            json_object_set_new(o, spc_fields[f].name, number(CTI_FIELD(s, spc_fields[f].offset)));
        json_array_append_new(list, o);
    }
    return list;
}

void cti_spc_results_json(const ct_results *r, json_t *o, json_t *ci95)
{
    if (r->mean.n_spc == 0)
        return;
    json_object_set_new(o, "spc", charts_json(&r->mean));
    if (ci95)
        json_object_set_new(ci95, "spc", charts_json(&r->ci95));
    json_t *alarms = json_array();
    for (int i = 0; i < r->opt.replications; i++) {
        const ct_kpis *k = &r->reps[i];
        for (size_t a = 0; a < k->n_spc_alarms; a++) {
            const ct_spc_alarm *al = &k->spc_alarms[a];
            json_t *e = json_object();
            json_object_set_new(e, "replication", json_integer(i));
            json_object_set_new(e, "gate", json_string(al->gate));
            json_object_set_new(e, "chart", json_string(al->chart));
            json_object_set_new(e, "rule", json_string(al->rule));
            json_object_set_new(e, "time_s", json_real(al->time_s));
            json_object_set_new(e, "point", json_real(al->point));
            json_object_set_new(e, "value", json_real(al->value));
            json_array_append_new(alarms, e);
        }
    }
    json_object_set_new(o, "spc_alarms", alarms);
}

/* "12.3", "12.3 ± 0.4" with several replications, or "-", in hours, in a
 * column of the given width. */
static void print_hours(FILE *out, const ct_results *r, double mean, double half, int width)
{
    char text[48];
    if (isnan(mean))
        snprintf(text, sizeof text, "-");
    else if (r->opt.replications > 1 && !isnan(half))
        snprintf(text, sizeof text, "%.2f ± %.2f", mean / 3600, half / 3600);
    else
        snprintf(text, sizeof text, "%.2f", mean / 3600);
    /* "±" is two bytes but one column */
    fprintf(out, " %*s", width + (strstr(text, "±") ? 1 : 0), text);
}

void cti_spc_results_print(const ct_results *r, FILE *out)
{
    const ct_kpis *m = &r->mean, *h = &r->ci95;
    if (m->n_spc == 0)
        return;
    fprintf(out, "\n  %-20s %-11s %9s %8s %16s %12s %14s %9s\n", "SPC chart (gate)", "type",
            "points", "alarms", "1st alarm h", "shift at h", "delay h", "detected");
    for (size_t c = 0; c < m->n_spc; c++) {
        const ct_spc_chart_kpi *s = &m->spc[c];
        fprintf(out, "  %-20.20s %-11s %9.0f %8.0f", s->gate, s->chart, s->points, s->alarms);
        print_hours(out, r, s->first_alarm_s, h->spc[c].first_alarm_s, 16);
        print_hours(out, r, s->shift_at_s, NAN, 12);
        print_hours(out, r, s->detection_delay_s, h->spc[c].detection_delay_s, 14);
        if (isnan(s->detected))
            fprintf(out, " %9s\n", "-");
        else
            fprintf(out, " %8.0f%%\n", 100 * s->detected);
    }
}
