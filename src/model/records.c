/*
 * records.c - what the line knows about each unit beyond its place in the
 * flow: the records of slurry batches, coils and cells (attributes,
 * defects, genealogy, active material and value), the converting steps
 * that make them (a mixer turns raw-material lots into a batch, a coater a
 * batch into a coil, a stacker coil metres into a cell), slitting, and the
 * accounting of scrap by cause with its active mass and value.
 *
 * Coordinates: a batch is measured in kg, a coil in metres. A converter
 * takes its amounts from the front of its input buffers, possibly across
 * two units (the end of one coil and the start of the next); each piece is
 * a segment of the new unit's genealogy. Spans of a coil marked removed
 * (defects cut out) are skipped, and were accounted as scrap when found.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/line_internal.h"

/* ---- pools -------------------------------------------------------- */

static uint32_t material_alloc(line *L)
{
    if (L->m_free == NO_REC) {
        uint32_t cap = L->m_cap ? L->m_cap * 2 : 64;
        cti_material *m = realloc(L->mats, (size_t)cap * sizeof *m);
        if (!m)
            return NO_REC;
        memset(m + L->m_cap, 0, (size_t)(cap - L->m_cap) * sizeof *m);
        for (uint32_t i = cap; i-- > L->m_cap;) {
            m[i].parent = L->m_free;   /* free-list link while free */
            L->m_free = i;
        }
        L->mats = m;
        L->m_cap = cap;
    }
    uint32_t r = L->m_free;
    cti_material *m = &L->mats[r];
    L->m_free = m->parent;
    /* keep the span and input arrays for reuse */
    cti_defect_span *spans = m->spans;
    cti_segment *inputs = m->inputs;
    int cs = m->cap_spans, ci = m->cap_inputs;
    memset(m, 0, sizeof *m);
    m->spans = spans;
    m->inputs = inputs;
    m->cap_spans = cs;
    m->cap_inputs = ci;
    m->id = ++L->m_next_id;
    m->parent = UINT32_MAX;
    m->lanes = 1;
    return r;
}

static uint32_t cell_alloc(line *L)
{
    if (L->c_free == NO_REC) {
        uint32_t cap = L->c_cap ? L->c_cap * 2 : 1024;
        cti_cell *c = realloc(L->cells, (size_t)cap * sizeof *c);
        if (!c)
            return NO_REC;
        for (uint32_t i = cap; i-- > L->c_cap;) {
            c[i].serial = 0;
            c[i].n_seg = 0;
            c[i].seg[0].seq = L->c_free;   /* free-list link while free */
            L->c_free = i;
        }
        L->cells = c;
        L->c_cap = cap;
    }
    uint32_t r = L->c_free;
    cti_cell *c = &L->cells[r];
    L->c_free = c->seg[0].seq;
    memset(c, 0, sizeof *c);
    c->serial = L->next_serial++;
    return r;
}

bool cti_rec_new(line *L, unit *u, cti_form form)
{
    u->form = (uint8_t)form;
    u->rec = NO_REC;
    if (form == CTI_FORM_CELL)
        u->rec = cell_alloc(L);
    else if (form == CTI_FORM_BATCH || form == CTI_FORM_COIL)
        u->rec = material_alloc(L);
    else
        return true;
    if (u->rec == NO_REC)
        return false;
    if (form != CTI_FORM_CELL)
        L->mats[u->rec].form = (uint8_t)form;
    return true;
}

void cti_rec_free(line *L, unit *u)
{
    if (u->rec == NO_REC)
        return;
    if (u->form == CTI_FORM_CELL) {
        cti_cell *c = &L->cells[u->rec];
        c->serial = 0;
        c->seg[0].seq = L->c_free;
        L->c_free = u->rec;
    } else {
        cti_material *m = &L->mats[u->rec];
        m->form = CTI_FORM_ITEM;   /* not live */
        m->parent = L->m_free;
        L->m_free = u->rec;
    }
    u->rec = NO_REC;
}

cti_material *cti_rec_material(line *L, const unit *u)
{
    return (u->form == CTI_FORM_BATCH || u->form == CTI_FORM_COIL) && u->rec != NO_REC
               ? &L->mats[u->rec]
               : NULL;
}

cti_cell *cti_rec_cell(line *L, const unit *u)
{
    return u->form == CTI_FORM_CELL && u->rec != NO_REC ? &L->cells[u->rec] : NULL;
}

bool cti_material_add_span(cti_material *m, const cti_defect_span *span)
{
    if (m->n_spans == m->cap_spans) {
        int cap = m->cap_spans ? m->cap_spans * 2 : 4;
        cti_defect_span *s = realloc(m->spans, (size_t)cap * sizeof *s);
        if (!s)
            return false;
        m->spans = s;
        m->cap_spans = cap;
    }
    m->spans[m->n_spans++] = *span;
    return true;
}

static bool add_input(cti_material *m, const cti_segment *seg)
{
    if (m->n_inputs == m->cap_inputs) {
        int cap = m->cap_inputs ? m->cap_inputs * 2 : 4;
        cti_segment *s = realloc(m->inputs, (size_t)cap * sizeof *s);
        if (!s)
            return false;
        m->inputs = s;
        m->cap_inputs = cap;
    }
    m->inputs[m->n_inputs++] = *seg;
    return true;
}

/* ---- quantities ------------------------------------------------------- */

/* Metres of removed spans of m inside [a, b). */
static double removed_between(const cti_material *m, double a, double b)
{
    double r = 0;
    for (int i = 0; i < m->n_spans; i++) {
        const cti_defect_span *s = &m->spans[i];
        if (!s->removed || !(s->lane_mask >> m->lane & 1u))
            continue;
        double lo = fmax(a, s->from_m), hi = fmin(b, s->to_m);
        if (hi > lo)
            r += hi - lo;
    }
    return r;
}

static double good_remaining(const cti_material *m)
{
    double pos = m->start + m->used, end = m->start + m->length;
    return fmax(0.0, end - pos - removed_between(m, pos, end));
}

double cti_rec_available(line *L, const unit *u)
{
    const cti_material *m = cti_rec_material(L, u);
    return m ? good_remaining(m) : 1.0;
}

double cti_rec_amount(line *L, uint32_t id)
{
    return cti_rec_available(L, &L->units[id]);
}

/* The removed span of m covering coordinate x, or NULL. */
static const cti_defect_span *removed_at(const cti_material *m, double x)
{
    for (int i = 0; i < m->n_spans; i++) {
        const cti_defect_span *s = &m->spans[i];
        if (s->removed && (s->lane_mask >> m->lane & 1u) && x >= s->from_m && x < s->to_m)
            return s;
    }
    return NULL;
}

/* Start of the first removed span of m after x (or the end of m). */
static double next_removed(const cti_material *m, double x)
{
    double end = m->start + m->length;
    for (int i = 0; i < m->n_spans; i++) {
        const cti_defect_span *s = &m->spans[i];
        if (s->removed && (s->lane_mask >> m->lane & 1u) && s->from_m > x && s->from_m < end)
            end = s->from_m;
    }
    return end;
}

/* Defect bits of m touching [a, b) on its lane, plus its unit-wide bits. */
static uint32_t defects_between(const cti_material *m, double a, double b)
{
    uint32_t d = m->defects;
    for (int i = 0; i < m->n_spans; i++) {
        const cti_defect_span *s = &m->spans[i];
        if (!s->removed && (s->lane_mask >> m->lane & 1u) && s->from_m < b && s->to_m > a)
            d |= s->defect;
    }
    return d;
}

/* ---- converting ---------------------------------------------------- */

typedef struct take_acc {
    double amount, active, value;
    double attr_w[2];                  /* weight per polarity */
    double age[2];                     /* amount x age, per polarity */
    double attr[2][CTI_M__COUNT];
    uint32_t defects;
} take_acc;

/* Adds kg of lot (from 1) of material mi to cell c's lots; a lot already
 * listed grows. A cell has room for CTI_CELL_LOTS lots (two per material
 * used when each use may straddle a lot boundary); beyond, the mass is
 * added to the last lot of the same material. */
static void add_cell_lot(cti_cell *c, int mi, uint32_t lot, double kg)
{
    cti_lot_use *same = NULL;
    for (int i = 0; i < c->n_lots; i++) {
        cti_lot_use *u = &c->lots[i];
        if (u->material == mi && u->lot == lot) {
            u->kg += (float)kg;
            return;
        }
        if (u->material == mi)
            same = u;
    }
    if (c->n_lots < CTI_CELL_LOTS)
        c->lots[c->n_lots++] = (cti_lot_use){lot, (uint16_t)mi, (float)kg};
    else if (same)
        same->kg += (float)kg;
}

/* Records a consumed piece in the new unit's genealogy. */
static bool note_segment(line *L, unit *made, const cti_segment *seg, double out_from,
                         double out_to, uint32_t defects, const cti_material *in)
{
    if (made->form == CTI_FORM_ITEM)
        return true;   /* a plain item keeps no genealogy */
    if (made->form == CTI_FORM_CELL) {
        cti_cell *c = &L->cells[made->rec];
        c->defects |= defects;
        if (seg->polarity == CTI_SEG_LOT) {
            add_cell_lot(c, seg->maker, seg->seq, seg->to - seg->from);
            return true;
        }
        if (c->n_seg < CTI_CELL_SEGMENTS) {
            c->seg[c->n_seg++] = *seg;
        } else {
            /* More pieces than the record holds (a stack across many cut
             * spans): widen the last piece of the same coil. */
            cti_segment *last = &c->seg[CTI_CELL_SEGMENTS - 1];
            if (last->seq == seg->seq && last->maker == seg->maker && last->lane == seg->lane)
                last->to = seg->to;
        }
        return true;
    }
    cti_material *m = &L->mats[made->rec];
    if (!add_input(m, seg))
        return false;
    /* Defects of the input carry over to the metres made from it. */
    if (in) {
        for (int i = 0; i < in->n_spans; i++) {
            const cti_defect_span *s = &in->spans[i];
            if (s->removed || !(s->lane_mask >> in->lane & 1u) || s->to_m <= seg->from ||
                s->from_m >= seg->to)
                continue;
            double k = (out_to - out_from) / (seg->to - seg->from);
            cti_defect_span t = *s;
            t.from_m = out_from + (fmax(s->from_m, seg->from) - seg->from) * k;
            t.to_m = out_from + (fmin(s->to_m, seg->to) - seg->from) * k;
            t.lane_mask = UINT32_MAX;
            if (!cti_material_add_span(m, &t))
                return false;
        }
        m->defects |= in->defects;
    }
    return true;
}

/* Takes amount from the front of input port pi of station s. */
static bool take_port(station *s, int pi, double amount, unit *made, take_acc *acc,
                      double *out_pos, double out_scale)
{
    line *L = s->L;
    port *p = &s->ports[pi];
    double need = amount;
    while (need > 1e-12 && p->q_len > 0) {
        uint32_t uid = p->q[p->q_head];
        unit *u = &L->units[uid];
        cti_material *m = cti_rec_material(L, u);
        double got;
        if (!m) {
            /* a discrete unit counts as one */
            got = 1;
            p->q_head = (p->q_head + 1) & (p->q_cap - 1);
            p->q_len--;
            p->avail -= 1;
            cti_line_unit_consumed(L, uid);
            need -= got;
            continue;
        }
        double pos = m->start + m->used;
        const cti_defect_span *r;
        while ((r = removed_at(m, pos)) != NULL)
            pos = r->to_m;   /* cut out: skip */
        double end = fmin(next_removed(m, pos), m->start + m->length);
        got = fmin(need, end - pos);
        if (got > 0) {
            cti_segment seg = {m->maker_seq, m->maker, m->lane, m->polarity, pos, pos + got};
            uint32_t d = defects_between(m, pos, pos + got);
            if (!note_segment(L, made, &seg, *out_pos, *out_pos + got * out_scale, d, m))
                return false;
            *out_pos += got * out_scale;
            double w = got;
            int pol = m->polarity & 1;
            for (int a = 0; a < CTI_M__COUNT; a++)
                acc->attr[pol][a] += w * m->attr[a];
            acc->attr_w[pol] += w;
            acc->age[pol] += w * (*L->now - u->created);
            acc->amount += got;
            acc->active += got * m->active_per_unit;
            acc->value += got * m->value_per_unit;
            acc->defects |= d;
            p->avail -= got;
            need -= got;
        }
        m->used = pos + got - m->start;
        if (good_remaining(m) <= 1e-9) {
            p->q_head = (p->q_head + 1) & (p->q_cap - 1);
            p->q_len--;
            cti_line_unit_consumed(L, uid);
        }
    }
    return true;
}

/* Takes amount kg of raw material mi from its store. */
static bool take_store(station *s, int mi, double amount, unit *made, take_acc *acc,
                       double *out_pos, double out_scale)
{
    line *L = s->L;
    const cti_material_supply *sup = &L->f->materials[mi];
    double *used = &L->supply_used_kg[mi];
    double need = amount;
    while (need > 1e-12) {
        /* one segment per lot touched */
        double lot = floor(*used / sup->lot_kg);
        double lot_end = (lot + 1) * sup->lot_kg;
        double got = fmin(need, lot_end - *used);
        if (got <= 0)
            got = need;   /* rounding at a lot boundary */
        cti_segment seg = {(uint32_t)lot + 1, (uint16_t)mi, 0, CTI_SEG_LOT, *used, *used + got};
        if (!note_segment(L, made, &seg, *out_pos, *out_pos + got * out_scale, 0, NULL))
            return false;
        *out_pos += got * out_scale;
        *used += got;
        need -= got;
        acc->amount += got;
        acc->value += got * sup->price_usd_kg;
        L->material_in_usd += got * sup->price_usd_kg;
        if (sup->active) {
            acc->active += got;
            L->active_in += got;
        }
    }
    return true;
}

bool cti_rec_use(station *s, uint32_t id)
{
    line *L = s->L;
    const cti_station *c = s->cfg;
    take_acc acc;
    memset(&acc, 0, sizeof acc);
    double pos = 0;
    for (int i = 0; i < c->n_uses; i++)
        if (!take_store(s, c->uses[i].material, c->uses[i].amount, &L->units[id], &acc, &pos, 1.0))
            return false;
    unit *u = &L->units[id];
    cti_cell *cell = cti_rec_cell(L, u);
    cti_material *m = cti_rec_material(L, u);
    if (cell) {
        cell->active_kg += acc.active;
        cell->value_usd += acc.value;
    } else if (m && m->length > 0) {
        m->active_per_unit += acc.active / m->length;
        m->value_per_unit += acc.value / m->length;
    }
    return true;
}

bool cti_rec_convert(station *s, cti_job *job, uint32_t *made_out)
{
    line *L = s->L;
    const cti_station *c = s->cfg;
    uint32_t id = cti_line_new_unit(L);
    if (id == NO_UNIT)
        return false;
    unit *made = &L->units[id];
    made->arrived = *L->now;
    if (!cti_rec_new(L, made, c->makes))
        return false;
    *made_out = id;

    double total = 0;
    for (int i = 0; i < c->n_consumes; i++)
        total += c->consumes[i].amount;
    double quantity = c->makes_quantity > 0 ? c->makes_quantity : total;
    /* New coordinates run over the inputs in order, scaled to the made
     * quantity (for cells only the genealogy matters, not the scale). */
    double out_scale = c->makes == CTI_FORM_CELL ? 1.0 : quantity / total;
    take_acc acc;
    memset(&acc, 0, sizeof acc);
    double out_pos = 0;
    for (int i = 0; i < c->n_consumes; i++) {
        const cti_consume *k = &c->consumes[i];
        bool ok = k->port >= 0 ? take_port(s, k->port, k->amount, made, &acc, &out_pos, out_scale)
                               : take_store(s, k->material, k->amount, made, &acc, &out_pos, out_scale);
        if (!ok)
            return false;
        made = &L->units[id];   /* the unit pool may have moved */
    }
    for (int p = 0; p < 2; p++) {
        job->has_input[p] = acc.attr_w[p] > 0;
        job->input_age_s[p] = acc.attr_w[p] > 0 ? acc.age[p] / acc.attr_w[p] : 0;
        for (int a = 0; a < CTI_M__COUNT; a++)
            job->input_attr[p][a] = acc.attr_w[p] > 0 ? (float)(acc.attr[p][a] / acc.attr_w[p]) : 0.0f;
    }
    job->input_defects = acc.defects;
    uint32_t seq = ++s->made_n;
    if (made->form == CTI_FORM_CELL) {
        cti_cell *cell = &L->cells[made->rec];
        cell->active_kg = acc.active;
        cell->value_usd = acc.value;
        for (int i = 0; i < L->f->n_injections; i++) {
            const cti_injection *in = &L->f->injections[i];
            if (in->station == s->idx && in->unit == seq)
                cell->defects |= in->defect;
        }
    } else {
        cti_material *m = &L->mats[made->rec];
        m->length = quantity;
        m->active_per_unit = acc.active / quantity;
        m->value_per_unit = acc.value / quantity;
        /* material attributes carry over from the inputs, by amount */
        int pol = job->has_input[1] && !job->has_input[0] ? 1 : 0;
        m->polarity = (uint8_t)pol;
        m->maker = (uint16_t)s->idx;
        m->maker_seq = seq;
        for (int a = 0; a < CTI_M__COUNT; a++)
            m->attr[a] = job->input_attr[pol][a];
        for (int i = 0; i < L->f->n_injections; i++) {
            const cti_injection *in = &L->f->injections[i];
            if (in->station != s->idx || in->unit != seq)
                continue;
            if (in->to <= in->from) {
                m->defects |= in->defect;
                continue;
            }
            cti_defect_span sp = {in->from, in->to, in->lane < 0 ? UINT32_MAX : 1u << in->lane,
                                  in->defect, 0.0f, false};
            if (!cti_material_add_span(m, &sp))
                return false;
        }
    }
    return true;
}

/* ---- slitting ---------------------------------------------------------- */

bool cti_rec_split(station *s, uint32_t id, uint32_t *out)
{
    line *L = s->L;
    int n = s->cfg->splits;
    if (L->units[id].form != CTI_FORM_COIL) {
        out[0] = id;
        for (int i = 1; i < n; i++) {
            out[i] = cti_line_new_unit(L);
            if (out[i] == NO_UNIT)
                return false;
            L->units[out[i]].created = L->units[id].created;
        }
        return true;
    }
    out[0] = id;
    for (int i = 1; i < n; i++) {
        uint32_t nid = cti_line_new_unit(L);
        if (nid == NO_UNIT || !cti_rec_new(L, &L->units[nid], CTI_FORM_COIL))
            return false;
        out[i] = nid;
        unit *parent_u = &L->units[id];
        L->units[nid].created = parent_u->created;
        L->units[nid].arrived = parent_u->arrived;
        cti_material *p = &L->mats[parent_u->rec];
        cti_material *m = &L->mats[L->units[nid].rec];
        m->polarity = p->polarity;
        m->maker = p->maker;
        m->maker_seq = p->maker_seq;
        m->start = p->start;
        m->length = p->length;
        m->used = p->used;
        m->defects = p->defects;
        memcpy(m->attr, p->attr, sizeof m->attr);
        for (int k = 0; k < p->n_inputs; k++)
            if (!add_input(m, &p->inputs[k]))
                return false;
        for (int k = 0; k < p->n_spans; k++)
            if (!cti_material_add_span(m, &p->spans[k]))
                return false;
    }
    /* Each lane: same metre coordinates, its lane number, a 1/n share. */
    cti_material *p = &L->mats[L->units[id].rec];
    uint32_t parent_id = p->id;
    double active = p->active_per_unit / n, value = p->value_per_unit / n;
    for (int i = 0; i < n; i++) {
        cti_material *m = &L->mats[L->units[out[i]].rec];
        m->lane = (uint8_t)i;
        m->lanes = 1;
        m->parent = parent_id;
        m->active_per_unit = active;
        m->value_per_unit = value;
    }
    p = &L->mats[L->units[id].rec];
    p->id = ++L->m_next_id;   /* lane 0 is a new slit coil too */
    return true;
}

/* ---- value and scrap ---------------------------------------------------- */

void cti_rec_add_value(station *s, uint32_t id)
{
    line *L = s->L;
    unit *u = &L->units[id];
    double amount = cti_rec_amount(L, id);
    s->processed_amount += amount;
    double v = s->cfg->value_added_usd;
    if (v <= 0)
        return;
    if (u->form == CTI_FORM_CELL)
        L->cells[u->rec].value_usd += v;
    else if (u->rec != NO_REC && amount > 0)
        L->mats[u->rec].value_per_unit += v / amount;
}

static cause_acc *cause_slot(line *L, const char *cause, int station)
{
    for (int i = 0; i < L->n_causes; i++)
        if (L->causes[i].station == station && strcmp(L->causes[i].cause, cause) == 0)
            return &L->causes[i];
    if (L->n_causes == L->cap_causes) {
        int cap = L->cap_causes ? L->cap_causes * 2 : 16;
        cause_acc *c = realloc(L->causes, (size_t)cap * sizeof *c);
        if (!c)
            return NULL;
        L->causes = c;
        L->cap_causes = cap;
    }
    cause_acc *c = &L->causes[L->n_causes++];
    memset(c, 0, sizeof *c);
    c->cause = cause;
    c->station = station;
    return c;
}

void cti_rec_account_scrap(station *s, uint32_t id, const char *cause, double amount)
{
    line *L = s->L;
    unit *u = &L->units[id];
    double active = 0, value = 0;
    if (u->form == CTI_FORM_CELL) {
        const cti_cell *c = &L->cells[u->rec];
        amount = 1;
        active = c->active_kg;
        value = c->value_usd;
    } else if (u->rec != NO_REC) {
        const cti_material *m = &L->mats[u->rec];
        if (amount < 0)
            amount = good_remaining(m);
        active = amount * m->active_per_unit;
        value = amount * m->value_per_unit;
    } else {
        amount = 1;
    }
    s->scrapped_amount += amount;
    L->active_scrap += active;
    L->value_lost += value;
    if (u->form == CTI_FORM_CELL)
        L->cells_finished++;
    cause_acc *c = cause_slot(L, cause, s->idx);
    if (!c) {
        L->nomem = true;
        ct_sim_stop(L->sim);
        return;
    }
    c->count++;
    c->amount += amount;
    c->active_kg += active;
    c->cost_usd += value;
}

double cti_rec_active_wip(line *L)
{
    double kg = 0;
    for (uint32_t i = 0; i < L->m_cap; i++)
        if (L->mats[i].form != CTI_FORM_ITEM)
            kg += good_remaining(&L->mats[i]) * L->mats[i].active_per_unit;
    for (uint32_t i = 0; i < L->c_cap; i++)
        if (L->cells[i].serial != 0)
            kg += L->cells[i].active_kg;
    return kg;
}

/* ---- the observer ---------------------------------------------------------- */

const char *const ct_defect_names[] = {"coating",  "burr",       "particle",    "leak",    "moisture",
                                       "misalign", "insulation", "electrolyte", "standing", "lithium"};
const int ct_defect_count = sizeof ct_defect_names / sizeof ct_defect_names[0];

ct_unit_ref cti_rec_ref(line *L, uint32_t id)
{
    const unit *u = &L->units[id];
    ct_unit_ref r = {CT_UNIT_ITEM, NULL, id, 0};
    if (u->form == CTI_FORM_CELL && u->rec != NO_REC) {
        r.kind = CT_UNIT_CELL;
        r.number = L->cells[u->rec].serial;
    } else if (u->rec != NO_REC) {
        const cti_material *m = &L->mats[u->rec];
        r.kind = u->form == CTI_FORM_BATCH ? CT_UNIT_BATCH : CT_UNIT_COIL;
        r.maker = L->f->stations[m->maker].name;
        r.number = m->maker_seq;
        r.lane = m->lanes == 1 && m->parent != UINT32_MAX ? m->lane : 0;
    }
    return r;
}

/* A genealogy piece in public form. */
static ct_piece piece_of(line *L, const cti_segment *g)
{
    ct_piece p;
    memset(&p, 0, sizeof p);
    if (g->polarity == CTI_SEG_LOT) {
        p.input = (ct_unit_ref){CT_UNIT_LOT, L->f->materials[g->maker].name, g->seq, 0};
    } else {
        const cti_station *maker = &L->f->stations[g->maker];
        p.input = (ct_unit_ref){maker->makes == CTI_FORM_BATCH ? CT_UNIT_BATCH : CT_UNIT_COIL,
                                maker->name, g->seq, g->lane};
        p.anode = g->polarity == CTI_ANODE;
    }
    p.from = g->from;
    p.to = g->to;
    return p;
}

/* The name of grade g (from 1) given by the last station that grades, or
 * NULL (not graded). */
static const char *grade_name(const line *L, int g)
{
    for (int i = L->n - 1; g > 0 && i >= 0; i--) {
        const cti_station *c = L->st[i].cfg;
        if (c->kind && c->kind->grade_name)
            return c->kind->grade_name(c->kind_params, g);
    }
    return NULL;
}

void cti_rec_report_cell(line *L, station *s, uint32_t id, const char *cause)
{
    const ct_observer *obs = L->opt->observer;
    const unit *u = &L->units[id];
    const cti_cell *c = cti_rec_cell(L, u);
    if (!obs || !obs->cell_done || !c)
        return;
    ct_cell_info info;
    memset(&info, 0, sizeof info);
    info.serial = c->serial;
    info.scrapped = cause != NULL;
    info.in_process = s == NULL;
    info.cause = cause;
    info.station = cause ? s->cfg->name : NULL;
    info.station_index = cause ? s->idx : -1;
    info.defects = c->defects;
    info.found = c->found;
    info.reworks = c->reworks;
    info.created_s = u->created;
    info.finished_s = *L->now;
    info.active_kg = c->active_kg;
    info.value_usd = c->value_usd;
    info.capacity_ah = c->attr[CTI_C_CAPACITY];
    info.attr = c->attr;
    info.grade = grade_name(L, (int)c->attr[CTI_C_GRADE]);
    for (int i = 0; i < c->n_seg && i < 4; i++) {
        const cti_segment *g = &c->seg[i];
        info.segments[info.n_segments++] = (ct_cell_segment){
            L->f->stations[g->maker].name, g->maker, g->seq, g->lane, g->polarity == CTI_ANODE, g->from, g->to};
    }
    for (int i = 0; i < c->n_lots; i++) {
        const cti_lot_use *l = &c->lots[i];
        info.lots[info.n_lots++] = (ct_cell_lot){L->f->materials[l->material].name, l->material, l->lot,
                                                 l->kg};
    }
    obs->cell_done(obs->ctx, L->rep, &info);
}

void cti_rec_report_material(line *L, uint32_t id, int status, const char *cause)
{
    const ct_observer *obs = L->opt->observer;
    const unit *u = &L->units[id];
    const cti_material *m = cti_rec_material(L, u);
    if (!obs || !obs->material_done || !m)
        return;
    ct_material_info info;
    memset(&info, 0, sizeof info);
    info.unit = cti_rec_ref(L, id);
    info.anode = m->polarity == CTI_ANODE;
    info.quantity = m->length;
    info.start = m->start;
    if (m->parent != UINT32_MAX)
        info.parent = (ct_unit_ref){CT_UNIT_COIL, info.unit.maker, info.unit.number, 0};
    info.created_s = u->created;
    info.done_s = *L->now;
    info.status = status;
    info.cause = cause;
    info.defects = m->defects;
    info.attr = m->attr;
    /* small lists on the stack; longer ones are cut at what fits */
    ct_piece pieces[64];
    ct_defect_span_info spans[64];
    for (int i = 0; i < m->n_inputs && info.n_inputs < 64; i++)
        pieces[info.n_inputs++] = piece_of(L, &m->inputs[i]);
    for (int i = 0; i < m->n_spans && info.n_spans < 64; i++) {
        const cti_defect_span *sp = &m->spans[i];
        spans[info.n_spans++] = (ct_defect_span_info){sp->from_m, sp->to_m, sp->lane_mask, sp->defect,
                                                      sp->removed};
    }
    info.inputs = pieces;
    info.spans = spans;
    obs->material_done(obs->ctx, L->rep, &info);
}

/* Cells by serial, for reporting those in the line at the end in order
 * (a trace stores them page by page). */
typedef struct live_cell {
    uint64_t serial;
    uint32_t id;
} live_cell;

static int by_serial(const void *a, const void *b)
{
    uint64_t x = ((const live_cell *)a)->serial, y = ((const live_cell *)b)->serial;
    return x < y ? -1 : x > y;
}

/* Sorts the n cells by serial. Serials are unique and those in the line
 * a window of not many more: each goes straight to its place in a table
 * over the window (a million cells in process at the end of a month,
 * where qsort took a noticeable part of the end of a traced run); qsort
 * when the window is wide. */
static void sort_live(live_cell *live, size_t n)
{
    if (n < 2)
        return;
    uint64_t lo = live[0].serial, hi = lo;
    for (size_t i = 1; i < n; i++) {
        lo = live[i].serial < lo ? live[i].serial : lo;
        hi = live[i].serial > hi ? live[i].serial : hi;
    }
    uint64_t range = hi - lo + 1;
    uint32_t *at = range <= 4 * (uint64_t)n ? malloc((size_t)range * sizeof *at) : NULL;
    if (!at) {
        qsort(live, n, sizeof *live, by_serial);
        return;
    }
    memset(at, 0xff, (size_t)range * sizeof *at);
    for (size_t i = 0; i < n; i++) {
        if (at[live[i].serial - lo] != UINT32_MAX) {
            /* two cells with one serial (never made so): any order of those */
            free(at);
            qsort(live, n, sizeof *live, by_serial);
            return;
        }
        at[live[i].serial - lo] = live[i].id;
    }
    size_t k = 0;
    for (uint64_t s = 0; s < range; s++)
        if (at[s] != UINT32_MAX)
            live[k++] = (live_cell){lo + s, at[s]};
    free(at);
}

void cti_rec_report_live(line *L)
{
    const ct_observer *obs = L->opt->observer;
    if (!obs)
        return;
    size_t n = 0;
    live_cell *live = malloc((size_t)(L->u_cap ? L->u_cap : 1) * sizeof *live);
    for (uint32_t id = 0; id < L->u_cap; id++) {
        const unit *u = &L->units[id];
        if (u->rec == NO_REC)
            continue;
        if (u->form == CTI_FORM_CELL && L->cells[u->rec].serial != 0) {
            if (live)
                live[n++] = (live_cell){L->cells[u->rec].serial, id};
            else
                cti_rec_report_cell(L, NULL, id, NULL);   /* no memory to sort: any order */
        } else if (u->form != CTI_FORM_CELL && L->mats[u->rec].form != CTI_FORM_ITEM) {
            cti_rec_report_material(L, id, 2, NULL);
        }
    }
    if (live) {
        sort_live(live, n);
        for (size_t i = 0; i < n; i++)
            cti_rec_report_cell(L, NULL, live[i].id, NULL);
        free(live);
    }
}

/* ---- what kinds see ----------------------------------------------------- */

cti_form cti_job_form(const cti_job *job, int i)
{
    const line *L = job->line;
    return (cti_form)L->units[job->units[i]].form;
}

cti_material *cti_job_material(const cti_job *job, int i)
{
    line *L = job->line;
    return cti_rec_material(L, &L->units[job->units[i]]);
}

cti_cell *cti_job_cell(const cti_job *job, int i)
{
    line *L = job->line;
    return cti_rec_cell(L, &L->units[job->units[i]]);
}

void cti_job_scrap(cti_job *job, int i, const char *cause)
{
    job->scrap_causes[i] = cause;
}

void cti_job_scrap_part(cti_job *job, int i, const char *cause, double amount)
{
    cti_rec_account_scrap(job->station, job->units[i], cause, amount);
}
