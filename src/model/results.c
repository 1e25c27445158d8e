/*
 * results.c - ct_results: storage, accessors, and the two outputs of a run:
 * one JSON object (machine-readable, docs/cli.md) and a KPI table with the
 * bottleneck line (for people).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "econ/econ_internal.h"
#include "model/factory_internal.h"
#include "model/results_internal.h"

#define LINE_FIELD(name) {#name, offsetof(ct_kpis, name)}
#define STATION_FIELD(name) {#name, offsetof(ct_station_kpi, name)}

const cti_kpi_field cti_line_fields[] = {
    LINE_FIELD(throughput_per_h), LINE_FIELD(completed),        LINE_FIELD(scrapped),
    LINE_FIELD(rejected),         LINE_FIELD(wip_mean),         LINE_FIELD(lead_time_mean_s),
    LINE_FIELD(events),           LINE_FIELD(cells_per_h),      LINE_FIELD(gwh_per_year),
    LINE_FIELD(cumulative_yield), LINE_FIELD(first_pass_yield), LINE_FIELD(escapes),
    LINE_FIELD(value_lost_usd),   LINE_FIELD(active_in_kg),     LINE_FIELD(active_good_kg),
    LINE_FIELD(active_scrap_kg),  LINE_FIELD(active_wip_kg),
};
const size_t cti_n_line_fields = sizeof cti_line_fields / sizeof cti_line_fields[0];

const cti_kpi_field cti_station_fields[] = {
    STATION_FIELD(utilization),    STATION_FIELD(blocked),     STATION_FIELD(starved),
    STATION_FIELD(down),           STATION_FIELD(mean_queue),  STATION_FIELD(mean_wait_s),
    STATION_FIELD(mean_sojourn_s), STATION_FIELD(processed),   STATION_FIELD(scrapped),
    STATION_FIELD(reworked),       STATION_FIELD(held),        STATION_FIELD(yield),
    STATION_FIELD(energy_kwh),     STATION_FIELD(process_energy_kwh),
};
const size_t cti_n_station_fields = sizeof cti_station_fields / sizeof cti_station_fields[0];

static bool kpis_alloc(ct_kpis *k, size_t n)
{
    memset(k, 0, sizeof *k);
    k->n_stations = n;
    k->stations = calloc(n ? n : 1, sizeof *k->stations);
    return k->stations != NULL;
}

ct_results *cti_results_create(const ct_factory *f, const ct_run_options *opt)
{
    ct_results *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->f = f;
    r->opt = *opt;
    size_t n = (size_t)f->n_stations;
    r->reps = calloc((size_t)opt->replications, sizeof *r->reps);
    r->scratch = calloc((size_t)opt->replications, sizeof *r->scratch);
    bool ok = r->reps && r->scratch && kpis_alloc(&r->mean, n) && kpis_alloc(&r->ci95, n);
    for (int i = 0; ok && i < opt->replications; i++)
        ok = kpis_alloc(&r->reps[i], n);
    if (!ok) {
        ct_results_destroy(r);
        return NULL;
    }
    return r;
}

void ct_results_destroy(ct_results *r)
{
    if (!r)
        return;
    for (int i = 0; r->reps && i < r->opt.replications; i++) {
        free(r->reps[i].stations);
        free(r->reps[i].causes);
    }
    free(r->mean.causes);
    free(r->reps);
    free(r->scratch);
    free(r->mean.stations);
    free(r->ci95.stations);
    free(r);
}

const ct_run_options *ct_results_options(const ct_results *r) { return &r->opt; }
const ct_kpis *ct_results_mean(const ct_results *r) { return &r->mean; }
const ct_kpis *ct_results_ci95(const ct_results *r) { return &r->ci95; }

const ct_kpis *ct_results_replication(const ct_results *r, int i)
{
    return i >= 0 && i < r->opt.replications ? &r->reps[i] : NULL;
}

/* The bottleneck is the station whose servers are active (busy or down,
 * neither blocked nor starved) the largest share of the time: the active
 * period method of Roser, Nakano and Tanaka (2001), on averages. */
static int bottleneck(const ct_kpis *k)
{
    int best = -1;
    double best_active = -1;
    for (size_t i = 0; i < k->n_stations; i++) {
        double active = k->stations[i].utilization + k->stations[i].down;
        if (active > best_active) {
            best_active = active;
            best = (int)i;
        }
    }
    return best;
}

/* Every KPI field of k as a new JSON object. */
static json_t *kpis_json(const ct_kpis *k)
{
    json_t *o = json_object();
    for (size_t f = 0; f < cti_n_line_fields; f++)
        json_object_set_new(o, cti_line_fields[f].name,
                            json_real(CTI_FIELD(k, cti_line_fields[f].offset)));
    json_t *list = json_array();
    for (size_t s = 0; s < k->n_stations; s++) {
        json_t *so = json_object();
        json_object_set_new(so, "name", json_string(k->stations[s].name));
        for (size_t f = 0; f < cti_n_station_fields; f++)
            json_object_set_new(so, cti_station_fields[f].name,
                                json_real(CTI_FIELD(&k->stations[s], cti_station_fields[f].offset)));
        json_array_append_new(list, so);
    }
    json_object_set_new(o, "stations", list);
    json_t *yields = json_object();
    for (size_t s = 0; s < k->n_stations; s++)
        json_object_set_new(yields, k->stations[s].name, json_real(k->stations[s].yield));
    json_object_set_new(o, "yield_by_station", yields);
    json_t *causes = json_array();
    for (size_t c = 0; c < k->n_causes; c++) {
        const ct_scrap_cause *sc = &k->causes[c];
        json_t *co = json_object();
        json_object_set_new(co, "cause", json_string(sc->cause));
        json_object_set_new(co, "station", json_string(sc->station));
        json_object_set_new(co, "count", json_real(sc->count));
        json_object_set_new(co, "amount", json_real(sc->amount));
        json_object_set_new(co, "active_mass_kg", json_real(sc->active_mass_kg));
        json_object_set_new(co, "cost_usd", json_real(sc->cost_usd));
        json_array_append_new(causes, co);
    }
    json_object_set_new(o, "scrap_by_cause", causes);
    return o;
}

char *ct_results_json(const ct_results *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "factory", json_string(r->f->name));
    json_object_set_new(o, "horizon_s", json_real(r->opt.horizon_s));
    json_object_set_new(o, "warmup_s", json_real(r->opt.warmup_s));
    json_object_set_new(o, "seed", json_integer((json_int_t)r->opt.seed));
    json_object_set_new(o, "replications", json_integer(r->opt.replications));
    json_t *mean = kpis_json(&r->mean);
    json_object_update(o, mean);
    json_decref(mean);
    int b = bottleneck(&r->mean);
    json_object_set_new(o, "bottleneck", b >= 0 ? json_string(r->mean.stations[b].name) : json_null());
    if (r->opt.replications > 1)
        json_object_set_new(o, "ci95", kpis_json(&r->ci95));
    cti_econ_json_add(r, o);
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(o);
    return text;
}

/* "12.3" or "12.3 ± 0.4" when there are several replications. */
static void print_value(FILE *out, const ct_results *r, const char *fmt, double mean,
                        double half, double scale)
{
    fprintf(out, fmt, mean * scale);
    if (r->opt.replications > 1) {
        fputs(" ± ", out);
        fprintf(out, fmt, half * scale);
    }
}

void ct_results_print(const ct_results *r, FILE *out)
{
    const ct_kpis *m = &r->mean, *h = &r->ci95;
    fprintf(out, "%s: horizon %.0f s, warm-up %.0f s, %d replication%s, seed %llu\n\n",
            r->f->name, r->opt.horizon_s, r->opt.warmup_s, r->opt.replications,
            r->opt.replications == 1 ? "" : "s", (unsigned long long)r->opt.seed);
    struct { const char *label; double m, h, scale; const char *fmt; } rows[] = {
        {"throughput (units/h)", m->throughput_per_h, h->throughput_per_h, 1, "%.2f"},
        {"completed", m->completed, h->completed, 1, "%.0f"},
        {"scrapped", m->scrapped, h->scrapped, 1, "%.0f"},
        {"rejected at entry", m->rejected, h->rejected, 1, "%.0f"},
        {"WIP (mean units)", m->wip_mean, h->wip_mean, 1, "%.3f"},
        {"lead time (mean s)", m->lead_time_mean_s, h->lead_time_mean_s, 1, "%.2f"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fprintf(out, "  %-22s ", rows[i].label);
        print_value(out, r, rows[i].fmt, rows[i].m, rows[i].h, rows[i].scale);
        fputc('\n', out);
    }
    fprintf(out, "\n  %-16s %6s %6s %6s %6s %9s %10s %10s %10s %8s\n", "station", "util%",
            "block%", "starv%", "down%", "queue", "wait s", "sojourn s", "processed", "scrap");
    for (size_t s = 0; s < m->n_stations; s++) {
        const ct_station_kpi *k = &m->stations[s];
        fprintf(out, "  %-16.16s %6.1f %6.1f %6.1f %6.1f %9.3f %10.2f %10.2f %10.0f %8.0f\n",
                k->name, 100 * k->utilization, 100 * k->blocked, 100 * k->starved,
                100 * k->down, k->mean_queue, k->mean_wait_s, k->mean_sojourn_s,
                k->processed, k->scrapped);
    }
    if (m->cells_per_h > 0 || m->n_causes > 0) {
        fprintf(out, "\n  cells/h %.1f, %.3f GWh/year; cumulative yield %.2f %%, first-pass yield %.2f %%;\n"
                     "  escapes %.0f; value lost %.0f USD\n",
                m->cells_per_h, m->gwh_per_year, 100 * m->cumulative_yield,
                100 * m->first_pass_yield, m->escapes, m->value_lost_usd);
        if (m->n_causes > 0)
            fprintf(out, "\n  %-28s %-20s %10s %14s %12s\n", "scrap cause", "station", "count",
                    "active kg", "cost USD");
        for (size_t c = 0; c < m->n_causes; c++) {
            const ct_scrap_cause *sc = &m->causes[c];
            fprintf(out, "  %-28.28s %-20.20s %10.0f %14.2f %12.0f\n", sc->cause, sc->station,
                    sc->count, sc->active_mass_kg, sc->cost_usd);
        }
    }
    int b = bottleneck(m);
    if (b >= 0) {
        const ct_station_kpi *k = &m->stations[b];
        fprintf(out, "\nBottleneck: %s (active %.1f %% of the time: busy %.1f %%, down %.1f %%; "
                     "blocked %.1f %%, starved %.1f %%)\n",
                k->name, 100 * (k->utilization + k->down), 100 * k->utilization,
                100 * k->down, 100 * k->blocked, 100 * k->starved);
    }
    cti_econ_print(r, out);
}
