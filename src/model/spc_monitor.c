/*
 * spc_monitor.c - statistical process control inside a run: the process
 * shifts injected on purpose (`inject:` entries with `shift:`), and the
 * online control charts (`chart:` of a control-plan gate) that every
 * measurement of the gate feeds, with their alarms and the delay after
 * which a chart detected a shift (docs/spc-online.md).
 *
 * A chart is a ct_spc_online (quality.h): constant memory and constant work
 * per measurement, so a month of millions of cells costs a few multiply-adds
 * per measured cell. Gates without `chart:` cost one test of a pointer.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/line_internal.h"

/* The running state of one gate's chart in one replication. */
struct cti_spc_state {
    ct_spc_online chart;
    double shift_at_s;        /* earliest shift on the gate's attribute, or NAN */
    uint64_t alarms;
    double first_alarm_s;     /* NAN until the first alarm */
    uint64_t points_after;    /* points plotted since shift_at_s */
    bool detected;
    double delay_s;
    uint64_t points_to_detect;
    int n_kept;
    ct_spc_alarm kept[CT_SPC_ALARMS_KEPT];
};

static const char *attr_unit(bool on_cell, int attr)
{
    return ct_dim_base_unit(on_cell ? cti_cell_attr_info[attr].dim : cti_material_attr_info[attr].dim);
}

bool cti_spc_init(line *L)
{
    const ct_factory *f = L->f;
    bool any = false;
    for (int g = 0; g < f->n_gates; g++)
        any = any || f->gates[g].chart_type;
    if (!any)
        return true;
    L->spc = calloc((size_t)f->n_gates, sizeof *L->spc);
    if (!L->spc)
        return false;
    for (int i = 0; i < f->n_gates; i++) {
        const cti_gate *g = &f->gates[i];
        cti_spc_state *st = &L->spc[i];
        if (!g->chart_type)
            continue;
        ct_error err;
        /* the loader checked these options with the same call */
        ct_status rc = ct_spc_online_init(&st->chart, &g->chart, g->phase1, &err);
        (void)rc;
        assert(rc == CT_OK);
        st->first_alarm_s = NAN;
        st->shift_at_s = NAN;
        for (int k = 0; k < f->n_shifts; k++) {
            const cti_shift *sh = &f->shifts[k];
            if (sh->on_cell == g->on_cell && sh->attr == g->attr && !(sh->at_s >= st->shift_at_s))
                st->shift_at_s = sh->at_s;
        }
    }
    return true;
}

void cti_spc_free(line *L)
{
    free(L->spc);
    L->spc = NULL;
}

/* Counts one signal and keeps it if it is among the first. */
static void add_alarm(line *L, cti_spc_state *st, const cti_gate *g, const char *chart, ct_rule rule,
                  const ct_spc_point *p, double value)
{
    double now = *L->now;
    st->alarms++;
    if (isnan(st->first_alarm_s))
        st->first_alarm_s = now;
    if (!st->detected && now >= st->shift_at_s) {
        st->detected = true;
        st->delay_s = now - st->shift_at_s;
        st->points_to_detect = st->points_after;
    }
    if (st->n_kept < CT_SPC_ALARMS_KEPT)
        st->kept[st->n_kept++] = (ct_spc_alarm){g->name, chart, ct_rule_name(rule), now,
                                                (double)(p->index + 1), value};
}

void cti_spc_measure(line *L, const cti_gate *g, double value)
{
    cti_spc_state *st = &L->spc[g - L->f->gates];
    ct_spc_point p;
    bool fired = ct_spc_online_add(&st->chart, value, &p);
    if (p.plotted && *L->now >= st->shift_at_s)
        st->points_after++;
    if (!fired)
        return;
    for (unsigned m = p.rules, r = 0; m; m >>= 1, r++)
        if (m & 1u)
            add_alarm(L, st, g, g->chart_type, (ct_rule)r, &p,
                  r == CT_RULE_CUSUM_LOWER ? p.cminus : p.value);
    if (p.spread_signal) {
        const char *spread = g->chart.kind == CT_CHART_XBAR_R ? "r"
                           : g->chart.kind == CT_CHART_XBAR_S ? "s" : "mr";
        add_alarm(L, st, g, spread, CT_RULE_LIMITS, &p, p.spread);
    }
}

void cti_shift_apply(station *s, uint32_t u)
{
    line *L = s->L;
    double now = *L->now;
    for (int i = 0; i < s->n_shifts; i++) {
        const cti_shift *sh = s->shifts[i];
        if (now < sh->at_s)
            continue;
        if (sh->on_cell) {
            cti_cell *c = cti_rec_cell(L, &L->units[u]);
            if (c)
                c->attr[sh->attr] += (float)sh->by;
        } else {
            cti_material *m = cti_rec_material(L, &L->units[u]);
            if (m)
                m->attr[sh->attr] += (float)sh->by;
        }
    }
}

bool cti_spc_collect(line *L, ct_kpis *k)
{
    const ct_factory *f = L->f;
    free(k->spc);
    free(k->spc_alarms);
    k->spc = NULL;
    k->spc_alarms = NULL;
    k->n_spc = k->n_spc_alarms = 0;
    if (!L->spc)
        return true;
    size_t n = 0, n_alarms = 0;
    for (int i = 0; i < f->n_gates; i++)
        if (f->gates[i].chart_type) {
            n++;
            n_alarms += (size_t)L->spc[i].n_kept;
        }
    k->spc = calloc(n, sizeof *k->spc);
    k->spc_alarms = calloc(n_alarms ? n_alarms : 1, sizeof *k->spc_alarms);
    if (!k->spc || !k->spc_alarms)
        return false;
    for (int i = 0; i < f->n_gates; i++) {
        const cti_gate *g = &f->gates[i];
        const cti_spc_state *st = &L->spc[i];
        if (!g->chart_type)
            continue;
        const ct_spc_online *c = &st->chart;
        bool shifted = !isnan(st->shift_at_s);
        k->spc[k->n_spc++] = (ct_spc_chart_kpi){
            g->name, g->chart_type, attr_unit(g->on_cell, g->attr), c->center, c->ucl, c->lcl,
            c->sigma, (double)c->n_points, (double)st->alarms, st->first_alarm_s, st->shift_at_s,
            st->detected ? st->delay_s : NAN, st->detected ? (double)st->points_to_detect : NAN,
            shifted ? (st->detected ? 1.0 : 0.0) : NAN};
        memcpy(&k->spc_alarms[k->n_spc_alarms], st->kept, (size_t)st->n_kept * sizeof *st->kept);
        k->n_spc_alarms += (size_t)st->n_kept;
    }
    return true;
}
