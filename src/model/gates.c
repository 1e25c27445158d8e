/*
 * gates.c - quality gates from the factory file's control plan: at the end
 * of a job the station measures the attributes its gates name, on every
 * unit or on a sample, with the instrument's noise, and a measurement
 * outside the limits scraps the unit, sends it to rework, or holds it for
 * laboratory analysis (the review, section 2.1: control plans combine
 * in-line and laboratory testing, 100 % or random samples).
 *
 * A gate sees the measured value, not the truth: noise can fail a good
 * unit or pass a bad one. A unit whose real defect no gate catches leaves
 * the line as an escape.
 */
#include <math.h>

#include "model/line_internal.h"

/* The unit's true value of the gate's attribute, or NAN if the unit has no
 * such attribute (a gate on cells meeting a coil, say). */
static double true_value(line *L, const cti_gate *g, uint32_t id)
{
    unit *u = &L->units[id];
    if (g->on_cell) {
        const cti_cell *c = cti_rec_cell(L, u);
        return c ? c->attr[g->attr] : NAN;
    }
    const cti_material *m = cti_rec_material(L, u);
    return m ? m->attr[g->attr] : NAN;
}

/* A standard normal draw (Box-Muller: this is not a hot path). */
static double normal01(ct_rng *rng)
{
    double u1 = ct_rng_uniform(rng), u2 = ct_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static bool within(const cti_gate *g, double x)
{
    return x >= g->lsl && x <= g->usl;
}

/* The defect bits a gate on this attribute stands for, so that a caught
 * unit is not counted as an escape. */
static void mark_found(line *L, uint32_t id)
{
    cti_cell *c = cti_rec_cell(L, &L->units[id]);
    if (c)
        c->found = c->defects;
}

static const char *const decisions[] = {"scrap", "rework", "hold"};

/* Tells the observer of a measurement and its decision. */
static void report(station *s, const cti_gate *g, uint32_t id, double value, bool pass)
{
    line *L = s->L;
    const ct_observer *obs = L->opt->observer;
    if (!obs || !obs->measurement)
        return;
    const cti_attr_info *info = g->on_cell ? &cti_cell_attr_info[g->attr] : &cti_material_attr_info[g->attr];
    ct_measurement m = {cti_rec_ref(L, id), g->name, s->cfg->name, info->name,
                        ct_dim_base_unit(info->dim), value, g->lsl, g->usl, pass,
                        pass ? "pass" : decisions[g->action], *L->now};
    obs->measurement(obs->ctx, L->rep, &m);
}

void cti_gates_apply(station *s, uint32_t id, int32_t *dest, const char **cause)
{
    line *L = s->L;
    for (int i = 0; i < s->n_gates; i++) {
        const cti_gate *g = s->gates[i];
        if (g->sample < 1 && ct_rng_uniform(&s->rng_quality) >= g->sample)
            continue;
        double x = true_value(L, g, id);
        if (isnan(x))
            continue;
        double measured = x + (g->noise_sd > 0 ? g->noise_sd * normal01(&s->rng_quality) : 0);
        bool pass = within(g, measured);
        report(s, g, id, measured, pass);
        if (g->chart_type)
            cti_spc_measure(L, g, measured);
        if (pass)
            continue;
        mark_found(L, id);
        switch (g->action) {
        case CTI_GATE_SCRAP:
            *dest = DEST_SCRAP;
            *cause = g->name;
            return;
        case CTI_GATE_REWORK: {
            cti_cell *c = cti_rec_cell(L, &L->units[id]);
            if (c)
                c->reworks++;
            s->reworked++;
            *dest = DEST_ENCODE(g->rework_to, g->rework_port);
            return;
        }
        case CTI_GATE_HOLD:
            *dest = DEST_HOLD;
            *cause = g->name;   /* CTI_GATE_OF_CAUSE finds the gate again */
            return;
        }
    }
}

void cti_gates_lab(station *s, const cti_gate *g, uint32_t id, int32_t *dest, const char **cause)
{
    double x = true_value(s->L, g, id);
    if (!isnan(x) && !within(g, x)) {
        *dest = DEST_SCRAP;
        *cause = g->name;
    }
}
