/*
 * kinds_assembly.c - the station kinds of cell assembly: `notcher`,
 * `stacker`, `hipot`, `welder`, `leak_test`, `vacuum_oven` and `filler`.
 * Each reads its station's `process:` mapping into the parameter block of
 * an assembly model (assembly.h), with every key in its unit dimension,
 * range-checked by the model's own *_check, and calls the model once per
 * unit from the line (kind.h). The keys, their defaults and an example
 * station for each kind are in docs/kinds-assembly.md.
 *
 * The notcher works on coils (a lane is notched on the fly as it runs
 * through) and leaves on each lane what its cut does per sheet: the
 * probability of an irregular ceramic edge per cathode sheet and the mean
 * number of loose particles per anode sheet (material attributes
 * irregular_edge_probability and particles_per_sheet). The stacker, which
 * makes the cell, draws each cell's burr and particles from those through
 * the notching model itself, then stacks it. The test steps (Hi-Pot,
 * helium leak test, gravimetric filling check) store the instrument's
 * READING in the attribute a control-plan gate compares with its limit;
 * the other attributes hold true values (assembly.h).
 */
#include "model/kinds_assembly.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/assembly.h"
#include "model/electrode.h"
#include "model/kinds_prelithiation.h"
#include "model/process_keys.h"

/* The shared key reader (process_keys.h), by the short names used here. */
#define NOFF CTI_PK_NOFF
#define QTY CTI_PK_QTY
#define INT_KEY CTI_PK_INT
#define BOOL_KEY CTI_PK_BOOL
#define CHOICE CTI_PK_CHOICE
#define CHECKED CTI_PK_CHECKED
#define K_PER_AH CTI_PK_K_PER_AH
typedef cti_pkey pkey;
typedef cti_preader preader;
#define read_process cti_pk_read
#define written cti_pk_written
#define apply_keys cti_pk_apply
#define report cti_pk_report
#define station_path cti_pk_station_path
#define fail_station cti_pk_fail_station
#define not_converter cti_pk_not_converter
#define new_params cti_pk_new_params

/* ------------------------------------------------------------------ */
/* notcher: coil -> coil                                               */
/* ------------------------------------------------------------------ */

typedef struct notcher_params {
    cti_notching_params model;
    int electrode;              /* `electrode:` as cti_polarity, or -1 */
    bool compaction_written;    /* `compaction:` overrides the coil's */
} notcher_params;

static const char *const polarization_words[] = { "parallel", "transverse", NULL };
static const char *const electrode_words[] = { "cathode", "anode", NULL };

#define NOTCH(f) offsetof(notcher_params, model.f)
static const pkey notcher_keys[] = {
    QTY("speed", NULL, CT_DIM_SPEED, CTI_YAML_POSITIVE, NOTCH(speed_m_s)),
    QTY("laser_power", NULL, CT_DIM_POWER, CTI_YAML_POSITIVE, NOTCH(laser_power_w)),
    QTY("pulse_frequency", NULL, CT_DIM_FREQUENCY, CTI_YAML_POSITIVE, NOTCH(pulse_frequency_hz)),
    QTY("spot_diameter", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, NOTCH(spot_diameter_m)),
    CHOICE("polarization", polarization_words, false, "parallel or transverse"),
    QTY("ceramic_thickness", NULL, CT_DIM_LENGTH, CTI_YAML_NONNEGATIVE, NOTCH(ceramic_thickness_m)),
    QTY("compaction", NULL, CT_DIM_NONE, CTI_YAML_BELOW_ONE, NOTCH(compaction)),
    QTY("anode_binder_fraction", NULL, CT_DIM_NONE, CTI_YAML_FRACTION,
        NOTCH(anode_binder_fraction)),
    BOOL_KEY("anode_primer", NOTCH(anode_primer)),
    CHOICE("electrode", electrode_words, false, "cathode or anode"),
};

static ct_status notcher_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                               void **params)
{
    notcher_params *p = new_params(y, sizeof *p, params);
    preader r;
    ct_status rc;
    double x;
    if (!p)
        return CT_ERR_NOMEM;
    cti_notching_params_init(&p->model);
    p->electrode = -1;
    if ((rc = not_converter(y, v, st, "notcher")) != CT_OK ||
        (rc = read_process(y, v, notcher_keys, CTI_YAML_N_KEYS(notcher_keys), &r)) != CT_OK)
        return rc;
    apply_keys(&r, p);
    if (written(&r, "polarization", &x))
        p->model.polarization = x == 0 ? CTI_POLARIZATION_PARALLEL : CTI_POLARIZATION_TRANSVERSE;
    if (written(&r, "electrode", &x))
        p->electrode = x == 0 ? CTI_CATHODE : CTI_ANODE;
    p->compaction_written = written(&r, "compaction", NULL);
    CHECKED(y, &r, cti_notching_params_check(&p->model, &e_));
    return CT_OK;
}

/* Metres of a coil still to run: from its used part to its end, less the
 * stretches cut out of its lane. */
static double metres_left(const cti_material *m)
{
    double from = m->start + m->used, to = m->start + m->length, len = to - from;
    for (int i = 0; i < m->n_spans; i++) {
        const cti_defect_span *s = &m->spans[i];
        if (!s->removed || m->lane >= 32 || !(s->lane_mask >> m->lane & 1u))
            continue;
        double lo = fmax(from, s->from_m), hi = fmin(to, s->to_m);
        if (hi > lo)
            len -= hi - lo;
    }
    return fmax(len, 0.0);
}

/* The laser runs the lane through at the cutting speed. */
static double notcher_start(cti_job *job)
{
    const notcher_params *p = job->params;
    double metres = 0;
    bool coils = false;
    for (int i = 0; i < job->n_units; i++) {
        const cti_material *m = cti_job_material(job, i);
        if (m && m->form == CTI_FORM_COIL) {
            coils = true;
            metres += metres_left(m);
        }
    }
    return coils ? metres / p->model.speed_m_s : -1.0;
}

static void notcher_finish(cti_job *job)
{
    const notcher_params *p = job->params;
    for (int i = 0; i < job->n_units; i++) {
        cti_material *m = cti_job_material(job, i);
        if (!m || m->form != CTI_FORM_COIL)
            continue;
        /* Coils from kind-less stations know no polarity (the line calls
         * them cathode): `electrode:` names it. A coil made by the
         * electrode kinds carries a loading and knows its own; one of the
         * other electrode was routed to the wrong notcher. */
        if (p->electrode >= 0 && m->polarity != p->electrode) {
            if (m->attr[CTI_M_AREAL_LOADING] > 0.0f) {
                cti_job_scrap(job, i, "wrong electrode at notcher");
                continue;
            }
            m->polarity = (uint8_t)p->electrode;
        }
        cti_notching_params q = p->model;
        /* The calender's compaction of this coil, unless the file fixes
         * it; clamped into the range the burr model is valid for. */
        if (!p->compaction_written && m->attr[CTI_M_COMPACTION] > 0.0f)
            q.compaction = fmin(m->attr[CTI_M_COMPACTION], 0.8);
        if (m->polarity == CTI_CATHODE) {
            /* The irregular edge is a cut through the ceramic stripe on
             * the aluminium foil (review 2.2). */
            m->attr[CTI_M_EDGE_PROBABILITY] = (float)cti_notching_edge_probability(&q);
            m->attr[CTI_M_PARTICLE_RATE] = 0.0f;
        } else {
            /* Graphite sheds particles at the cut; the model counts them
             * per cell, so one sheet is asked for. */
            q.anode_sheets = 1;
            m->attr[CTI_M_EDGE_PROBABILITY] = 0.0f;
            m->attr[CTI_M_PARTICLE_RATE] = (float)cti_notching_particle_rate(&q);
        }
    }
}

/* compaction applies only when written: else the coil's own is used. */
static void notcher_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const notcher_params *p = params;
    static const char *const coil_compaction[] = { "compaction", NULL };
    size_t n = CTI_YAML_N_KEYS(notcher_keys);
    cti_pk_describe(notcher_keys, n, p, p->compaction_written ? NULL : coil_compaction, emit, ctx);
    cti_pk_emit_choice(emit, ctx, notcher_keys, n, "polarization",
                       p->model.polarization == CTI_POLARIZATION_PARALLEL ? 0 : 1);
    if (p->electrode >= 0)
        cti_pk_emit_choice(emit, ctx, notcher_keys, n, "electrode",
                           p->electrode == CTI_CATHODE ? 0 : 1);
}

const cti_kind cti_kind_notcher = {
    .name = "notcher",
    .input_form = CTI_FORM_COIL,
    .output_form = CTI_FORM_COIL,
    .parse = notcher_parse,
    .free_params = free,
    .start = notcher_start,
    .finish = notcher_finish,
    .describe = notcher_describe,
};

/* ------------------------------------------------------------------ */
/* stacker: cathode and anode lanes -> cell                            */
/* ------------------------------------------------------------------ */

/* One electrode's sheets as the stacker knows them. */
typedef struct sheet_format {
    double width_m;             /* coated width across the lane */
    double loading_kg_m2;       /* per side, for lanes that carry none */
    double active_fraction;     /* of the dry coating */
} sheet_format;

typedef struct stacker_params {
    cti_stacking_params model;
    double sheet_pitch_m;       /* web length per sheet, both electrodes */
    sheet_format cathode, anode;
    int bipolar_units;          /* unit cells in series in a bipolar stack (1: parallel) */
} stacker_params;

static const char *const method_words[] = { "z_folding", "lamination", NULL };

#define STK(f) offsetof(stacker_params, model.f)
#define STX(f) offsetof(stacker_params, f)
static const pkey stacker_keys[] = {
    CHOICE("method", method_words, false, "z_folding or lamination"),
    QTY("time_per_sheet", NULL, CT_DIM_TIME, CTI_YAML_POSITIVE, STK(time_per_sheet_s)),
    QTY("handling_time", NULL, CT_DIM_TIME, CTI_YAML_NONNEGATIVE, STK(handling_time_s)),
    INT_KEY("cathode_sheets", STK(cathode_sheets)),
    INT_KEY("anode_sheets", STK(anode_sheets)),
    INT_KEY("bipolar_units", STX(bipolar_units)),
    QTY("sheet_pitch", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, STX(sheet_pitch_m)),
    QTY("cathode_width", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, STX(cathode.width_m)),
    QTY("anode_width", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, STX(anode.width_m)),
    QTY("cathode_loading", NULL, CT_DIM_AREAL_MASS, CTI_YAML_POSITIVE, STX(cathode.loading_kg_m2)),
    QTY("anode_loading", NULL, CT_DIM_AREAL_MASS, CTI_YAML_POSITIVE, STX(anode.loading_kg_m2)),
    QTY("cathode_active_fraction", NULL, CT_DIM_NONE, CTI_YAML_FRACTION,
        STX(cathode.active_fraction)),
    QTY("anode_active_fraction", NULL, CT_DIM_NONE, CTI_YAML_FRACTION, STX(anode.active_fraction)),
    QTY("alignment_sd", NULL, CT_DIM_LENGTH, CTI_YAML_NONNEGATIVE, STK(alignment_sd_m)),
    QTY("alignment_tolerance", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, STK(alignment_tolerance_m)),
    QTY("separator_margin", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, STK(separator_margin_m)),
    QTY("cathode_thickness", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, STK(cathode_thickness_m)),
    QTY("anode_thickness", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, STK(anode_thickness_m)),
    QTY("separator_thickness", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, STK(separator_thickness_m)),
    QTY("press_compression", NULL, CT_DIM_NONE, CTI_YAML_BELOW_ONE, STK(press_compression)),
    QTY("thickness_sd", NULL, CT_DIM_LENGTH, CTI_YAML_NONNEGATIVE, STK(thickness_sd_m)),
    QTY("pierce_height_fraction", NULL, CT_DIM_NONE, CTI_YAML_POSITIVE,
        STK(pierce_height_fraction)),
    QTY("pierce_probability", NULL, CT_DIM_NONE, CTI_YAML_UNIT, STK(pierce_probability)),
    QTY("contamination_probability", NULL, CT_DIM_NONE, CTI_YAML_UNIT,
        STK(contamination_probability)),
    QTY("insulation_median", NULL, CT_DIM_RESISTANCE, CTI_YAML_POSITIVE, STK(insulation_median_ohm)),
    QTY("insulation_sigma_ln", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, STK(insulation_sigma_ln)),
    QTY("fault_min", NULL, CT_DIM_RESISTANCE, CTI_YAML_POSITIVE, STK(fault_min_ohm)),
    QTY("fault_max", NULL, CT_DIM_RESISTANCE, CTI_YAML_POSITIVE, STK(fault_max_ohm)),
};

/* Default sheet widths [assumption]: with the electrode models' default
 * loadings (20 and 9.5 mg/cm2 per side) and active fractions (96 %,
 * 95 %), 50 cathode sheets of 0.12 m x 0.42 m hold 0.968 kg of LFP,
 * 150 Ah at 155 mAh/g - the assembly models' default cell; the anode
 * sheets are 2 mm wider on each edge (overhang). */
#define DEFAULT_CATHODE_WIDTH_M 0.42
#define DEFAULT_ANODE_WIDTH_M 0.424

static void default_format(sheet_format *f, cti_polarity pol, double width_m)
{
    cti_recipe r;
    cti_coat_params c;
    cti_recipe_default(&r, pol);
    cti_coat_params_default(&c, &r);
    f->width_m = width_m;
    f->loading_kg_m2 = c.loading_kg_m2;
    f->active_fraction = r.active_frac;
}

/* The stacker takes sheets x pitch metres of each electrode per cell from
 * its inputs named cathode and anode: the amounts of `consumes` follow. */
static ct_status stacker_consumes(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                                  const stacker_params *p)
{
    static const char *const names[2] = { "cathode", "anode" };
    const int sheets[2] = { p->model.cathode_sheets, p->model.anode_sheets };
    int entry[2] = { -1, -1 };
    char what[320], key[64];

    if (st->n_consumes == 0)
        return fail_station(y, v, st->loc, "consumes",
                            "missing required key; a stacker makes cells from the inputs "
                            "cathode and anode: expected inputs: [{name: cathode}, {name: "
                            "anode}], consumes: of both and makes: cell");
    if (st->makes != CTI_FORM_CELL)
        return fail_station(y, v, st->loc, "makes", "expected makes: cell: a stacker makes cells");
    for (int i = 0; i < st->n_consumes; i++) {
        const cti_consume *c = &st->consumes[i];
        if (c->port < 0)
            continue;   /* a raw material (separator, tape) */
        const char *name = st->ports[c->port].name;
        int pol = strcmp(name, "cathode") == 0 ? 0 : strcmp(name, "anode") == 0 ? 1 : -1;
        if (pol < 0) {
            snprintf(key, sizeof key, "consumes[%d].input", i);
            snprintf(what, sizeof what,
                     "expected cathode or anode, got \"%.40s\": a stacker takes its sheets from "
                     "inputs named cathode and anode", name);
            return fail_station(y, v, c->loc, key, what);
        }
        entry[pol] = i;
    }
    for (int pol = 0; pol < 2; pol++) {
        if (entry[pol] < 0) {
            snprintf(what, sizeof what,
                     "expected an entry {input: %s, amount: ...}: a stacker takes sheets of both "
                     "electrodes", names[pol]);
            return fail_station(y, v, st->loc, "consumes", what);
        }
        cti_consume *c = &st->consumes[entry[pol]];
        double want = sheets[pol] * p->sheet_pitch_m;
        snprintf(key, sizeof key, "consumes[%d].amount", entry[pol]);
        if (c->dim != CT_DIM_LENGTH || fabs(c->amount - want) > 1e-9 * want) {
            snprintf(what, sizeof what,
                     "expected %.10g m (%d %s sheets x %.10g m sheet_pitch), got %.10g %s: the "
                     "stacker takes whole sheets", want, sheets[pol], names[pol], p->sheet_pitch_m,
                     c->amount, c->dim == CT_DIM_LENGTH ? "m" : "kg");
            return fail_station(y, v, c->loc, key, what);
        }
        c->amount = want;
    }
    return CT_OK;
}

static ct_status stacker_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                               void **params)
{
    stacker_params *p = new_params(y, sizeof *p, params);
    preader r;
    ct_status rc;
    double x;
    if (!p)
        return CT_ERR_NOMEM;
    if ((rc = read_process(y, v, stacker_keys, CTI_YAML_N_KEYS(stacker_keys), &r)) != CT_OK)
        return rc;
    /* Lamination-stacking is replacing Z-folding (the review, 2.1). */
    cti_stacking_method method = CTI_STACKING_LAMINATION;
    if (written(&r, "method", &x))
        method = x == 0 ? CTI_STACKING_Z_FOLD : CTI_STACKING_LAMINATION;
    cti_stacking_params_init(&p->model, method);
    cti_notching_params notch;
    cti_notching_params_init(&notch);
    p->sheet_pitch_m = notch.sheet_pitch_m;
    default_format(&p->cathode, CTI_CATHODE, DEFAULT_CATHODE_WIDTH_M);
    default_format(&p->anode, CTI_ANODE, DEFAULT_ANODE_WIDTH_M);
    p->bipolar_units = 1;
    apply_keys(&r, p);

    CHECKED(y, &r, cti_stacking_params_check(&p->model, &e_));
    CHECKED(y, &r, cti_check_range(&e_, "stacker.sheet_pitch", p->sheet_pitch_m, 1e-3, 2.0, 1, "m",
                                   "a sheet is between 1 mm and 2 m long"));
    /* A bipolar stack divides the sheets into units in series (the review,
     * section 4: Toyota's 4-layer bipolar solid-state cell). */
    CHECKED(y, &r, cti_check_range(&e_, "stacker.bipolar_units", p->bipolar_units, 1,
                                   fmin(p->model.cathode_sheets, p->model.anode_sheets), 1, "",
                                   "each unit cell of a bipolar stack needs at least one sheet "
                                   "of each electrode"));
    const sheet_format *f[2] = { &p->cathode, &p->anode };
    static const char *const width[2] = { "stacker.cathode_width", "stacker.anode_width" };
    static const char *const loading[2] = { "stacker.cathode_loading", "stacker.anode_loading" };
    for (int pol = 0; pol < 2; pol++) {
        CHECKED(y, &r, cti_check_range(&e_, width[pol], f[pol]->width_m, 1e-3, 2.0, 1e-3, "mm",
                                       "a coated sheet is between 1 mm and 2 m wide"));
        CHECKED(y, &r, cti_check_range(&e_, loading[pol], f[pol]->loading_kg_m2, 1e-3, 1.0, 0.01,
                                       "mg/cm2",
                                       "electrode loadings are a few to some tens of mg/cm2 per "
                                       "side"));
    }
    return stacker_consumes(y, v, st, p);
}

/* A notching parameter block whose model gives exactly the lanes'
 * per-sheet figures: with every covariate at its reference the edge logit
 * is the intercept, and at the reference binder without a laser term the
 * particle rate is the per-sheet rate times the anode sheets. So the
 * stacker draws through cti_notching, with its stated draws, rather than
 * a copy of it. */
static void lane_notching(const stacker_params *p, double edge_p, double particles_per_sheet,
                          cti_notching_params *q)
{
    cti_notching_params_init(q);
    q->cathode_sheets = p->model.cathode_sheets;
    q->anode_sheets = p->model.anode_sheets;
    q->model.line_energy = 0.0;
    q->model.pulse_spacing = 0.0;
    q->polarization = CTI_POLARIZATION_PARALLEL;
    if (edge_p > 0.0) {
        q->ceramic_thickness_m = q->model.ref_ceramic_thickness_m;
        q->compaction = q->model.ref_compaction;
        q->model.intercept = log(edge_p) - log1p(-edge_p);
    } else {
        q->ceramic_thickness_m = 0.0;   /* no irregular edge */
    }
    q->anode_binder_fraction = q->model.ref_binder_fraction;
    q->anode_primer = false;
    q->model.particles_per_anode_sheet = particles_per_sheet;
}

static double stacker_start(cti_job *job)
{
    const stacker_params *p = job->params;
    cti_cell *c = cti_job_cell(job, 0);
    if (!c)
        return -1.0;
    float *a = c->attr;
    const sheet_format *f[2] = { &p->cathode, &p->anode };
    const int sheets[2] = { p->model.cathode_sheets, p->model.anode_sheets };
    double mass[2], water = 0, slit_burr = 0;
    for (int pol = 0; pol < 2; pol++) {
        const float *in = job->input_attr[pol];
        bool has = job->has_input[pol];
        /* The lane's measured loading when its coater recorded one. */
        double loading = has && in[CTI_M_AREAL_LOADING] > 0.0f ? in[CTI_M_AREAL_LOADING]
                                                               : f[pol]->loading_kg_m2;
        /* Double-coated sheets: two sides of pitch x width each. */
        mass[pol] = sheets[pol] * p->sheet_pitch_m * f[pol]->width_m * 2.0 * loading *
                    f[pol]->active_fraction;
        if (has) {
            water += mass[pol] * fmax(in[CTI_M_MOISTURE], 0.0f);
            slit_burr = fmax(slit_burr, in[CTI_M_EDGE_BURR]);
        }
    }
    /* The masses that set the capacity: in a bipolar stack, one unit
     * cell's (its units are in series; the cell's voltage is theirs added,
     * `cell: nominal_voltage`). */
    a[CTI_C_CATHODE_MASS] = (float)(mass[0] / p->bipolar_units);
    a[CTI_C_ANODE_MASS] = (float)(mass[1] / p->bipolar_units);
    /* Prelithiation lithium on the lanes (kg/m2 per side): a prelithiation
     * station's on the anode, a cathode additive's (kinds-electrode.md), as
     * charge: double-sided sheets, 3861 Ah/kg. */
    double pre_ah = 0;
    for (int pol = 0; pol < 2; pol++)
        if (job->has_input[pol] && job->input_attr[pol][CTI_M_PRELITHIATION] > 0.0f)
            pre_ah += sheets[pol] * p->sheet_pitch_m * f[pol]->width_m * 2.0 *
                      job->input_attr[pol][CTI_M_PRELITHIATION] * CTI_LITHIUM_AH_KG;
    a[CTI_C_PRELITH_CHARGE] = (float)(pre_ah / p->bipolar_units);
    /* The electrodes' moisture by mass; 0 (none recorded) lets the oven
     * start from the dry room's dew point. */
    a[CTI_C_CELL_MOISTURE] = (float)(water / (mass[0] + mass[1]));

    cti_notching_params q;
    lane_notching(p, job->has_input[0] ? job->input_attr[0][CTI_M_EDGE_PROBABILITY] : 0.0,
                  job->has_input[1] ? job->input_attr[1][CTI_M_PARTICLE_RATE] : 0.0, &q);
    cti_notching(&q, a, &c->defects, job->rng);
    /* The slit long edges are cut edges of the sheets too. */
    if (slit_burr > a[CTI_C_BURR_HEIGHT])
        a[CTI_C_BURR_HEIGHT] = (float)slit_burr;
    cti_stacking(&p->model, a, &c->defects, job->rng);
    return cti_stacking_time_s(&p->model);
}

static void stacker_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const stacker_params *p = params;
    size_t n = CTI_YAML_N_KEYS(stacker_keys);
    cti_pk_emit_choice(emit, ctx, stacker_keys, n, "method",
                       p->model.method == CTI_STACKING_Z_FOLD ? 0 : 1);
    cti_pk_describe(stacker_keys, n, p, NULL, emit, ctx);
}

const cti_kind cti_kind_stacker = {
    .name = "stacker",
    .input_form = CTI_FORM_COIL,
    .output_form = CTI_FORM_CELL,
    .parse = stacker_parse,
    .free_params = free,
    .start = stacker_start,
    .describe = stacker_describe,
};

/* ------------------------------------------------------------------ */
/* hipot: cell -> cell                                                 */
/* ------------------------------------------------------------------ */

typedef struct hipot_params {
    cti_hipot_params model;
    double handling_time_s;
    double facing_area_m2;          /* electrode area facing across the separator */
    double separator_thickness_m;
    double separator_permittivity;
} hipot_params;

/* Relative permittivity of a porous polyolefin separator, docs/models-
 * assembly.md section 3 [assumption]. With 5 m2 and 16 um it gives the
 * model's default capacitance of about 5 uF. */
#define SEPARATOR_EPS_R 1.8
#define DEFAULT_FACING_AREA_M2 5.0

#define HIP(f) offsetof(hipot_params, model.f)
#define HIX(f) offsetof(hipot_params, f)
static const pkey hipot_keys[] = {
    QTY("voltage", NULL, CT_DIM_VOLTAGE, CTI_YAML_POSITIVE, HIP(voltage_v)),
    QTY("ramp", NULL, CT_DIM_TIME, CTI_YAML_NONNEGATIVE, HIP(ramp_s)),
    QTY("measure_time", NULL, CT_DIM_TIME, CTI_YAML_POSITIVE, HIP(measure_time_s)),
    QTY("source_resistance", NULL, CT_DIM_RESISTANCE, CTI_YAML_POSITIVE,
        HIP(source_resistance_ohm)),
    QTY("meter_sd", "meter.sd", CT_DIM_CURRENT, CTI_YAML_NONNEGATIVE, HIP(meter.sd)),
    QTY("meter_resolution", "meter.resolution", CT_DIM_CURRENT, CTI_YAML_NONNEGATIVE,
        HIP(meter.resolution)),
    QTY("handling_time", NULL, CT_DIM_TIME, CTI_YAML_NONNEGATIVE, HIX(handling_time_s)),
    QTY("facing_area", NULL, CT_DIM_AREA, CTI_YAML_POSITIVE, HIX(facing_area_m2)),
    QTY("separator_thickness", NULL, CT_DIM_LENGTH, CTI_YAML_POSITIVE, HIX(separator_thickness_m)),
    QTY("separator_permittivity", NULL, CT_DIM_NONE, CTI_YAML_POSITIVE,
        HIX(separator_permittivity)),
};

static ct_status hipot_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                             void **params)
{
    hipot_params *p = new_params(y, sizeof *p, params);
    preader r;
    ct_status rc;
    if (!p)
        return CT_ERR_NOMEM;
    cti_hipot_params_init(&p->model);
    cti_stacking_params stack;
    cti_stacking_params_init(&stack, CTI_STACKING_LAMINATION);
    p->facing_area_m2 = DEFAULT_FACING_AREA_M2;
    p->separator_thickness_m = stack.separator_thickness_m;
    p->separator_permittivity = SEPARATOR_EPS_R;
    if ((rc = not_converter(y, v, st, "hipot")) != CT_OK ||
        (rc = read_process(y, v, hipot_keys, CTI_YAML_N_KEYS(hipot_keys), &r)) != CT_OK)
        return rc;
    apply_keys(&r, p);
    CHECKED(y, &r, cti_check_range(&e_, "hipot.facing_area", p->facing_area_m2, 1e-4, 1e3, 1, "m2",
                                   "the electrode area facing across the separator"));
    CHECKED(y, &r, cti_check_range(&e_, "hipot.separator_thickness", p->separator_thickness_m,
                                   3e-6, 100e-6, 1e-6, "um", "separators are about 5-40 um"));
    CHECKED(y, &r, cti_check_range(&e_, "hipot.separator_permittivity", p->separator_permittivity,
                                   1.0, 10.0, 1, "",
                                   "a porous polymer film's relative permittivity"));
    /* The stack as a parallel-plate capacitor (the review's R || C). */
    p->model.capacitance_f = cti_stack_capacitance_f(p->facing_area_m2, p->separator_thickness_m,
                                                     p->separator_permittivity);
    CHECKED(y, &r, cti_hipot_params_check(&p->model, &e_));
    return CT_OK;
}

/* The tester holds the voltage until it reads. */
static double hipot_start(cti_job *job)
{
    const hipot_params *p = job->params;
    return p->model.measure_time_s + p->handling_time_s;
}

static void hipot_finish(cti_job *job)
{
    const hipot_params *p = job->params;
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        /* The model is the dry stack's R || C; a filled cell has its own
         * voltage and is not tested (its reading stays as it was). */
        if (!c || c->attr[CTI_C_ELECTROLYTE] > 0.0f)
            continue;
        c->attr[CTI_C_LEAKAGE_CURRENT] = (float)cti_hipot(&p->model, c->attr, job->rng);
    }
}

static void hipot_describe(const void *params, cti_param_emit emit, void *ctx)
{
    cti_pk_describe(hipot_keys, CTI_YAML_N_KEYS(hipot_keys), params, NULL, emit, ctx);
}

const cti_kind cti_kind_hipot = {
    .name = "hipot",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = hipot_parse,
    .free_params = free,
    .start = hipot_start,
    .finish = hipot_finish,
    .describe = hipot_describe,
};

/* ------------------------------------------------------------------ */
/* welder: cell -> cell                                                */
/* ------------------------------------------------------------------ */

typedef struct welder_params {
    cti_welding_params model;
} welder_params;

/* In the order of cti_weld_kind. */
static const char *const weld_words[] = { "tab", "cap", "can_seam", "fill_port_seal", NULL };

#define WLD(f) offsetof(welder_params, model.f)
static const pkey welder_keys[] = {
    CHOICE("weld", weld_words, true, "tab, cap, can_seam or fill_port_seal"),
    QTY("contact_median", NULL, CT_DIM_RESISTANCE, CTI_YAML_NONNEGATIVE, WLD(contact_median_ohm)),
    QTY("contact_sigma_ln", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, WLD(contact_sigma_ln)),
    QTY("leak_probability", NULL, CT_DIM_NONE, CTI_YAML_UNIT, WLD(leak_probability)),
    QTY("tight_median", NULL, CT_DIM_LEAK_RATE, CTI_YAML_POSITIVE, WLD(tight_median_mbar_l_s)),
    QTY("tight_sigma_ln", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, WLD(tight_sigma_ln)),
    QTY("leak_min", NULL, CT_DIM_LEAK_RATE, CTI_YAML_POSITIVE, WLD(leak_min_mbar_l_s)),
    QTY("leak_max", NULL, CT_DIM_LEAK_RATE, CTI_YAML_POSITIVE, WLD(leak_max_mbar_l_s)),
};

static ct_status welder_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                              void **params)
{
    welder_params *p = new_params(y, sizeof *p, params);
    preader r;
    ct_status rc;
    double x = 0;
    if (!p)
        return CT_ERR_NOMEM;
    if ((rc = not_converter(y, v, st, "welder")) != CT_OK ||
        (rc = read_process(y, v, welder_keys, CTI_YAML_N_KEYS(welder_keys), &r)) != CT_OK)
        return rc;
    written(&r, "weld", &x);   /* required: the walk saw it */
    cti_welding_params_init(&p->model, (cti_weld_kind)(int)x);
    apply_keys(&r, p);
    CHECKED(y, &r, cti_welding_params_check(&p->model, &e_));
    return CT_OK;
}

static void welder_finish(cti_job *job)
{
    const welder_params *p = job->params;
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        if (c)
            cti_welding(&p->model, c->attr, &c->defects, job->rng);
    }
}

static void welder_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const welder_params *p = params;
    size_t n = CTI_YAML_N_KEYS(welder_keys);
    cti_pk_emit_choice(emit, ctx, welder_keys, n, "weld", (int)p->model.kind);
    cti_pk_describe(welder_keys, n, p, NULL, emit, ctx);
}

const cti_kind cti_kind_welder = {
    .name = "welder",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = welder_parse,
    .free_params = free,
    .finish = welder_finish,
    .describe = welder_describe,
};

/* ------------------------------------------------------------------ */
/* leak_test: cell -> cell (helium)                                     */
/* ------------------------------------------------------------------ */

typedef struct leak_test_params {
    cti_leak_test_params model;
} leak_test_params;

#define LKT(f) offsetof(leak_test_params, model.f)
static const pkey leak_test_keys[] = {
    QTY("detection_limit", NULL, CT_DIM_LEAK_RATE, CTI_YAML_POSITIVE,
        LKT(detection_limit_mbar_l_s)),
    QTY("sd_decades", "sd_log10", CT_DIM_NONE, CTI_YAML_NONNEGATIVE, LKT(sd_log10)),
};

static ct_status leak_test_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                                 void **params)
{
    leak_test_params *p = new_params(y, sizeof *p, params);
    preader r;
    ct_status rc;
    if (!p)
        return CT_ERR_NOMEM;
    cti_leak_test_params_init(&p->model);
    if ((rc = not_converter(y, v, st, "leak_test")) != CT_OK ||
        (rc = read_process(y, v, leak_test_keys, CTI_YAML_N_KEYS(leak_test_keys), &r)) != CT_OK)
        return rc;
    apply_keys(&r, p);
    CHECKED(y, &r, cti_leak_test_params_check(&p->model, &e_));
    return CT_OK;
}

static void leak_test_finish(cti_job *job)
{
    const leak_test_params *p = job->params;
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        if (c)
            c->attr[CTI_C_LEAK_RATE] = (float)cti_leak_test(&p->model, c->attr, job->rng);
    }
}

static void leak_test_describe(const void *params, cti_param_emit emit, void *ctx)
{
    cti_pk_describe(leak_test_keys, CTI_YAML_N_KEYS(leak_test_keys), params, NULL, emit, ctx);
}

const cti_kind cti_kind_leak_test = {
    .name = "leak_test",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = leak_test_parse,
    .free_params = free,
    .finish = leak_test_finish,
    .describe = leak_test_describe,
};

/* ------------------------------------------------------------------ */
/* vacuum_oven: cells -> cells (usually a batch station)               */
/* ------------------------------------------------------------------ */

typedef struct oven_params {
    cti_baking_params model;
} oven_params;

#define OVN(f) offsetof(oven_params, model.f)
static const pkey oven_keys[] = {
    QTY("temperature", NULL, CT_DIM_TEMPERATURE, CTI_YAML_ANY, OVN(temp_c)),
    QTY("time", NULL, CT_DIM_TIME, CTI_YAML_POSITIVE, OVN(time_s)),
    QTY("dew_point", NULL, CT_DIM_TEMPERATURE, CTI_YAML_ANY, OVN(dew_point_c)),
    QTY("ref_dew_point", NULL, CT_DIM_TEMPERATURE, CTI_YAML_ANY, OVN(ref_dew_point_c)),
    QTY("ref_moisture", NULL, CT_DIM_NONE, CTI_YAML_FRACTION, OVN(ref_moisture)),
    QTY("sorption_exponent", NULL, CT_DIM_NONE, CTI_YAML_POSITIVE, OVN(sorption_exponent)),
    /* the drying rate at ref_temperature, as the time for one decade */
    QTY("decade_time", "rate", CT_DIM_TIME, CTI_YAML_POSITIVE, NOFF),
    QTY("ref_temperature", NULL, CT_DIM_TEMPERATURE, CTI_YAML_ANY, OVN(ref_temp_c)),
    QTY("floor_moisture", NULL, CT_DIM_NONE, CTI_YAML_UNIT, OVN(floor_moisture)),
    QTY("rate_sigma_ln", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, OVN(rate_sigma_ln)),
    QTY("moisture_limit", NULL, CT_DIM_NONE, CTI_YAML_FRACTION, OVN(moisture_limit)),
};

static ct_status oven_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                            void **params)
{
    oven_params *p = new_params(y, sizeof *p, params);
    preader r;
    ct_status rc;
    double x;
    if (!p)
        return CT_ERR_NOMEM;
    cti_baking_params_init(&p->model);
    if ((rc = not_converter(y, v, st, "vacuum_oven")) != CT_OK ||
        (rc = read_process(y, v, oven_keys, CTI_YAML_N_KEYS(oven_keys), &r)) != CT_OK)
        return rc;
    apply_keys(&r, p);
    /* one decade in t: exp(-k t) = 1/10 */
    if (written(&r, "decade_time", &x))
        p->model.rate_per_s = log(10.0) / x;
    CHECKED(y, &r, cti_baking_params_check(&p->model, &e_));
    return CT_OK;
}

/* A batch of cells bakes for the cycle's time. */
static double oven_start(cti_job *job)
{
    const oven_params *p = job->params;
    return p->model.time_s;
}

static void oven_finish(cti_job *job)
{
    const oven_params *p = job->params;
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        if (c)
            cti_baking(&p->model, c->attr, &c->defects, job->rng);
    }
}

/* The drying rate as the file gives it: the time for one decade. */
static void oven_describe(const void *params, cti_param_emit emit, void *ctx)
{
    const oven_params *p = params;
    cti_pk_describe(oven_keys, CTI_YAML_N_KEYS(oven_keys), p, NULL, emit, ctx);
    cti_pk_emit_qty(emit, ctx, "", "decade_time", log(10.0) / p->model.rate_per_s, CT_DIM_TIME,
                    false);
}

const cti_kind cti_kind_vacuum_oven = {
    .name = "vacuum_oven",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = oven_parse,
    .free_params = free,
    .start = oven_start,
    .finish = oven_finish,
    .describe = oven_describe,
};

/* ------------------------------------------------------------------ */
/* filler: cell -> cell (electrolyte)                                   */
/* ------------------------------------------------------------------ */

typedef struct filler_params {
    cti_filling_params model;
} filler_params;

#define FIL(f) offsetof(filler_params, model.f)
static const pkey filler_keys[] = {
    { "electrolyte_per_capacity", "electrolyte_per_ah", K_PER_AH, CT_DIM_NONE, CTI_YAML_ANY, NULL,
      FIL(electrolyte_kg_per_ah), false, NULL },
    QTY("nominal_capacity", NULL, CT_DIM_CHARGE, CTI_YAML_POSITIVE, FIL(nominal_capacity_ah)),
    QTY("dosing_cv", NULL, CT_DIM_NONE, CTI_YAML_NONNEGATIVE, FIL(dosing_cv)),
    QTY("tolerance", NULL, CT_DIM_NONE, CTI_YAML_FRACTION, FIL(tolerance)),
    QTY("balance_sd", "balance.sd", CT_DIM_MASS, CTI_YAML_NONNEGATIVE, FIL(balance.sd)),
    QTY("balance_resolution", "balance.resolution", CT_DIM_MASS, CTI_YAML_NONNEGATIVE,
        FIL(balance.resolution)),
};

static ct_status filler_parse(cti_yaml_ctx *y, const cti_yaml_value *v, cti_station *st,
                              void **params)
{
    filler_params *p = new_params(y, sizeof *p, params);
    preader r;
    ct_status rc;
    if (!p)
        return CT_ERR_NOMEM;
    cti_filling_params_init(&p->model);
    if ((rc = not_converter(y, v, st, "filler")) != CT_OK ||
        (rc = read_process(y, v, filler_keys, CTI_YAML_N_KEYS(filler_keys), &r)) != CT_OK)
        return rc;
    apply_keys(&r, p);
    CHECKED(y, &r, cti_filling_params_check(&p->model, &e_));
    return CT_OK;
}

static void filler_finish(cti_job *job)
{
    const filler_params *p = job->params;
    for (int i = 0; i < job->n_units; i++) {
        cti_cell *c = cti_job_cell(job, i);
        if (c)
            c->attr[CTI_C_ELECTROLYTE] = (float)cti_filling(&p->model, c->attr, &c->defects, job->rng);
    }
}

static void filler_describe(const void *params, cti_param_emit emit, void *ctx)
{
    cti_pk_describe(filler_keys, CTI_YAML_N_KEYS(filler_keys), params, NULL, emit, ctx);
}

const cti_kind cti_kind_filler = {
    .name = "filler",
    .input_form = CTI_FORM_CELL,
    .output_form = CTI_FORM_CELL,
    .parse = filler_parse,
    .free_params = free,
    .finish = filler_finish,
    .describe = filler_describe,
};
