/*
 * screening.c - end-of-line screening: k-values referred to a reference
 * temperature, median/MAD and iterative-sigma outlier screens, the lot
 * screen that combines them with the PEM/VDMA absolute limit, and grading
 * into bins. The YAML bin reader is in grade_file.c, the measurement-file
 * reader in screen_file.c. Equations: docs/cell-model.md.
 */
#include "celltwin/screening.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- k-value ---------------- */

void ct_kvalue_options_init(ct_kvalue_options *opt)
{
    opt->ref_temp_c = 25.0;
    opt->dudt_v_per_k = 0.0;
    opt->curve = NULL;
    opt->ea_j_per_mol = 0.0;
}

ct_status ct_kvalue_compute(const ct_ocv_pair *p, const ct_kvalue_options *opt,
                            ct_kvalue *out, ct_error *err)
{
    const double v[6] = { p->ocv1_v, p->t1_h, p->temp1_c, p->ocv2_v, p->t2_h, p->temp2_c };
    static const char *const names[6] = { "ocv1_v", "t1_h", "temp1_c",
                                          "ocv2_v", "t2_h", "temp2_c" };
    for (int i = 0; i < 6; i++)
        if (!isfinite(v[i]))
            return ct_error_set(err, CT_ERR_INVALID, "%s is not a finite number", names[i]);
    if (!(p->t2_h > p->t1_h))
        return ct_error_set(err, CT_ERR_INVALID, "t2_h (%g) is not after t1_h (%g)", p->t2_h,
                            p->t1_h);
    if (!isfinite(opt->ref_temp_c) || !isfinite(opt->dudt_v_per_k)
        || !(opt->ea_j_per_mol >= 0.0) || !isfinite(opt->ea_j_per_mol))
        return ct_error_set(err, CT_ERR_INVALID, "k-value options out of range");

    double dudt = opt->dudt_v_per_k;
    if (opt->curve)
        /* dU/dT belongs to the cell's SOC; reading 1 is the better estimate
         * of it (less self-discharge has happened, and a short cell may
         * have drifted by the second reading). */
        dudt = ct_ocv_dudt(opt->curve, ct_ocv_soc(opt->curve, p->ocv1_v, p->temp1_c));
    double days = (p->t2_h - p->t1_h) / 24.0;
    double ocv1_ref = p->ocv1_v - dudt * (p->temp1_c - opt->ref_temp_c);
    double ocv2_ref = p->ocv2_v - dudt * (p->temp2_c - opt->ref_temp_c);
    double arrhenius = 1.0;
    if (opt->ea_j_per_mol > 0.0)
        arrhenius = ct_arrhenius_factor(opt->ea_j_per_mol, 0.5 * (p->temp1_c + p->temp2_c),
                                        opt->ref_temp_c);
    out->raw_mv_per_day = 1000.0 * (p->ocv1_v - p->ocv2_v) / days;
    out->comp_mv_per_day = 1000.0 * (ocv1_ref - ocv2_ref) / days / arrhenius;
    out->dudt_v_per_k = dudt;
    return CT_OK;
}

/* ---------------- median and MAD ---------------- */

/* The k-th smallest of a[0..n-1] (k < n), by quickselect (Hoare
 * partition around the median of three): a is reordered so that a[k]
 * holds it, everything before is <= and everything after >= it. Linear
 * time: screening takes a median and a MAD of every aging shelf (4000
 * cells) where a sort spent n log n. */
static double select_kth(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        double x = a[lo], y = a[mid], z = a[hi];
        double pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = lo, j = hi;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            double t = a[i];
            a[i++] = a[j];
            a[j--] = t;
        }
        /* now a[lo..j] <= pivot <= a[j+1..hi] */
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
    return a[k];
}

/* Median of a[0..n-1], n >= 1 (a is reordered): the middle value, or the
 * mean of the two middle ones. */
static double median_select(double *a, size_t n)
{
    double upper = select_kth(a, n, n / 2);
    if (n % 2)
        return upper;
    /* a[0..n/2-1] are the lower half: the other middle value is their
     * largest. */
    double lower = a[0];
    for (size_t i = 1; i < n / 2; i++)
        if (a[i] > lower)
            lower = a[i];
    return 0.5 * (lower + upper);
}

/* Median and MAD using scratch (n doubles). */
static void median_mad_scratch(const double *x, size_t n, double *scratch, double *median,
                               double *mad)
{
    memcpy(scratch, x, n * sizeof *scratch);
    double m = median_select(scratch, n);
    for (size_t i = 0; i < n; i++)
        scratch[i] = fabs(x[i] - m);
    *median = m;
    *mad = median_select(scratch, n);
}

ct_status ct_median_mad(const double *x, size_t n, double *median, double *mad, ct_error *err)
{
    if (n == 0)
        return ct_error_set(err, CT_ERR_INVALID, "median of no values");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return ct_error_set(err, CT_ERR_INVALID, "value %zu is not finite", i + 1);
    if (n > SIZE_MAX / sizeof(double))
        return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
    double *scratch = malloc(n * sizeof *scratch);
    if (!scratch)
        return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
    median_mad_scratch(x, n, scratch, median, mad);
    free(scratch);
    return CT_OK;
}

/* ---------------- outlier screens ---------------- */

const char *ct_outlier_method_name(ct_outlier_method m)
{
    return m == CT_OUTLIER_SIGMA ? "sigma" : "mad";
}

ct_status ct_outlier_method_parse(const char *name, ct_outlier_method *out)
{
    if (strcmp(name, "mad") == 0)
        *out = CT_OUTLIER_MAD;
    else if (strcmp(name, "sigma") == 0)
        *out = CT_OUTLIER_SIGMA;
    else
        return CT_ERR_INVALID;
    return CT_OK;
}

void ct_outlier_options_init(ct_outlier_options *opt)
{
    opt->method = CT_OUTLIER_MAD;
    opt->threshold = 3.5;
    opt->max_iterations = 20;
}

void ct_outliers_init(ct_outliers *o)
{
    memset(o, 0, sizeof *o);
    o->center = NAN;
    o->scale = NAN;
}

void ct_outliers_clear(ct_outliers *o)
{
    free(o->z);
    free(o->outlier);
    ct_outliers_init(o);
}

/* sqrt(pi/2): the mean absolute deviation of normal data times this is
 * its sd. Used when the MAD is 0. */
#define MEANAD_TO_SD 1.2533141373155003

static void screen_mad(const double *x, size_t n, double *scratch, ct_outliers *o)
{
    double med, mad;
    median_mad_scratch(x, n, scratch, &med, &mad);
    double scale = CT_MAD_TO_SD * mad;
    if (scale == 0.0) {
        /* More than half the values are equal (quantised readings of a
         * tight lot): the MAD says nothing, the mean deviation still does. */
        long double sum = 0.0L;
        for (size_t i = 0; i < n; i++)
            sum += fabs(x[i] - med);
        scale = MEANAD_TO_SD * (double)(sum / (long double)n);
        o->scale_fallback = true;
    }
    o->center = med;
    o->scale = scale;
    for (size_t i = 0; i < n; i++)
        o->z[i] = scale > 0.0 ? (x[i] - med) / scale : 0.0;
}

static void screen_sigma(const double *x, size_t n, const ct_outlier_options *opt,
                         ct_outliers *o)
{
    /* outlier[] doubles as the "dropped" mark while iterating. */
    for (size_t i = 0; i < n; i++)
        o->outlier[i] = false;
    double mean = NAN, sd = NAN;
    int it = 0;
    for (;;) {
        long double s = 0.0L;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!o->outlier[i]) {
                s += x[i];
                k++;
            }
        if (k < 2)
            break;
        mean = (double)(s / (long double)k);
        long double ss = 0.0L;
        for (size_t i = 0; i < n; i++)
            if (!o->outlier[i])
                ss += ((long double)x[i] - mean) * ((long double)x[i] - mean);
        sd = sqrt((double)(ss / (long double)(k - 1)));
        it++;
        if (it > opt->max_iterations || sd == 0.0)
            break;
        bool changed = false;
        for (size_t i = 0; i < n; i++) {
            bool out = fabs(x[i] - mean) > opt->threshold * sd;
            if (out != o->outlier[i]) {
                o->outlier[i] = out;
                changed = true;
            }
        }
        if (!changed)
            break;
    }
    o->center = mean;
    o->scale = sd;
    o->iterations = it;
    for (size_t i = 0; i < n; i++)
        o->z[i] = sd > 0.0 ? (x[i] - mean) / sd : 0.0;
}

/* Screens x into o, whose arrays hold n entries; scratch holds n doubles. */
static void screen_into(const double *x, size_t n, const ct_outlier_options *opt,
                        double *scratch, ct_outliers *o)
{
    o->n = n;
    o->n_outliers = 0;
    o->scale_fallback = false;
    o->iterations = 0;
    if (n < 3) {
        o->center = NAN;
        o->scale = NAN;
        for (size_t i = 0; i < n; i++) {
            o->z[i] = NAN;
            o->outlier[i] = false;
        }
        return;
    }
    if (opt->method == CT_OUTLIER_SIGMA)
        screen_sigma(x, n, opt, o);
    else
        screen_mad(x, n, scratch, o);
    for (size_t i = 0; i < n; i++) {
        o->outlier[i] = fabs(o->z[i]) > opt->threshold;
        o->n_outliers += o->outlier[i];
    }
}

static ct_status check_outlier_options(const ct_outlier_options *opt, ct_error *err)
{
    if (!(opt->threshold > 0.0) || !isfinite(opt->threshold))
        return ct_error_set(err, CT_ERR_INVALID, "threshold must be > 0, got %g",
                            opt->threshold);
    if (opt->method != CT_OUTLIER_MAD && opt->method != CT_OUTLIER_SIGMA)
        return ct_error_set(err, CT_ERR_INVALID, "unknown outlier method");
    if (opt->max_iterations < 1)
        return ct_error_set(err, CT_ERR_INVALID, "max_iterations must be >= 1");
    return CT_OK;
}

ct_status ct_outliers_compute(const double *x, size_t n, const ct_outlier_options *opt,
                              ct_outliers *o, ct_error *err)
{
    ct_outliers_clear(o);
    ct_status st = check_outlier_options(opt, err);
    if (st != CT_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return ct_error_set(err, CT_ERR_INVALID, "value %zu is not finite", i + 1);
    if (n > SIZE_MAX / sizeof(double))
        return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
    size_t alloc = n ? n : 1;
    double *scratch = malloc(alloc * sizeof *scratch);
    o->z = malloc(alloc * sizeof *o->z);
    o->outlier = malloc(alloc * sizeof *o->outlier);
    if (!scratch || !o->z || !o->outlier) {
        free(scratch);
        ct_outliers_clear(o);
        return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
    }
    screen_into(x, n, opt, scratch, o);
    free(scratch);
    return CT_OK;
}

/* ---------------- lot screening ---------------- */

void ct_screen_options_init(ct_screen_options *opt)
{
    ct_kvalue_options_init(&opt->kvalue);
    ct_outlier_options_init(&opt->outlier);
    opt->limit_mv_per_day = CT_KVALUE_LIMIT_MV_PER_DAY;
    opt->use_raw = false;
}

void ct_screen_init(ct_screen *s)
{
    memset(s, 0, sizeof *s);
}

void ct_screen_clear(ct_screen *s)
{
    free(s->cells);
    free(s->lots);
    ct_screen_init(s);
}

ct_status ct_screen_run(const ct_ocv_pair *pairs, const size_t *lot_of, size_t n,
                        size_t n_lots, const ct_screen_options *opt, ct_screen *s,
                        ct_error *err)
{
    ct_screen_clear(s);
    if (!lot_of)
        n_lots = 1;
    if (n_lots == 0)
        return ct_error_set(err, CT_ERR_INVALID, "no lots");
    ct_status st = check_outlier_options(&opt->outlier, err);
    if (st != CT_OK)
        return st;
    if (isnan(opt->limit_mv_per_day))
        return ct_error_set(err, CT_ERR_INVALID, "absolute limit is not a number");
    if (n > SIZE_MAX / sizeof(ct_screen_cell) || n_lots > SIZE_MAX / sizeof(ct_screen_lot))
        return ct_error_set(err, CT_ERR_NOMEM, "out of memory");

    size_t alloc = n ? n : 1;
    double *k = NULL, *scratch = NULL;
    size_t *order = NULL, *start = NULL, *cursor = NULL;
    ct_outliers o;
    ct_outliers_init(&o);
    s->cells = calloc(alloc, sizeof *s->cells);
    s->lots = calloc(n_lots, sizeof *s->lots);
    k = malloc(alloc * sizeof *k);
    scratch = malloc(alloc * sizeof *scratch);
    order = malloc(alloc * sizeof *order);
    start = calloc(n_lots + 1, sizeof *start);
    cursor = malloc(n_lots * sizeof *cursor);
    o.z = malloc(alloc * sizeof *o.z);
    o.outlier = malloc(alloc * sizeof *o.outlier);
    if (!s->cells || !s->lots || !k || !scratch || !order || !start || !cursor || !o.z
        || !o.outlier) {
        st = ct_error_set(err, CT_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    s->n = n;
    s->n_lots = n_lots;

    for (size_t i = 0; i < n; i++) {
        size_t lot = lot_of ? lot_of[i] : 0;
        if (lot >= n_lots) {
            st = ct_error_set(err, CT_ERR_INVALID, "cell %zu: lot %zu out of range (%zu lots)",
                              i + 1, lot, n_lots);
            goto cleanup;
        }
        ct_error e;
        if (ct_kvalue_compute(&pairs[i], &opt->kvalue, &s->cells[i].k, &e) != CT_OK) {
            st = ct_error_set(err, e.status, "cell %zu: %s", i + 1, e.msg);
            goto cleanup;
        }
        s->cells[i].z = NAN;
        start[lot + 1]++;
    }
    /* Counting sort of the cells by lot, keeping file order within a lot;
     * start[l] is where lot l begins, cursor[l] where its next cell goes. */
    for (size_t l = 0; l < n_lots; l++) {
        start[l + 1] += start[l];
        cursor[l] = start[l];
    }
    for (size_t i = 0; i < n; i++)
        order[cursor[lot_of ? lot_of[i] : 0]++] = i;

    for (size_t l = 0; l < n_lots; l++) {
        size_t a = start[l], m = start[l + 1] - a;
        ct_screen_lot *lot = &s->lots[l];
        lot->n = m;
        lot->center_mv_per_day = lot->scale_mv_per_day = NAN;
        lot->median_raw_mv_per_day = lot->median_comp_mv_per_day = NAN;
        if (m == 0)
            continue;
        double mad;
        for (size_t j = 0; j < m; j++)
            k[j] = s->cells[order[a + j]].k.raw_mv_per_day;
        median_mad_scratch(k, m, scratch, &lot->median_raw_mv_per_day, &mad);
        for (size_t j = 0; j < m; j++)
            k[j] = s->cells[order[a + j]].k.comp_mv_per_day;
        median_mad_scratch(k, m, scratch, &lot->median_comp_mv_per_day, &mad);
        if (opt->use_raw)
            for (size_t j = 0; j < m; j++)
                k[j] = s->cells[order[a + j]].k.raw_mv_per_day;
        screen_into(k, m, &opt->outlier, scratch, &o);
        lot->center_mv_per_day = o.center;
        lot->scale_mv_per_day = o.scale;
        for (size_t j = 0; j < m; j++) {
            ct_screen_cell *c = &s->cells[order[a + j]];
            c->z = o.z[j];
            if (o.outlier[j])
                c->flags |= o.z[j] > 0 ? CT_SCREEN_HIGH : CT_SCREEN_LOW;
            if (k[j] > opt->limit_mv_per_day)
                c->flags |= CT_SCREEN_LIMIT;
            lot->n_flagged += c->flags != 0;
        }
    }
    st = CT_OK;

cleanup:
    free(k);
    free(scratch);
    free(order);
    free(start);
    free(cursor);
    ct_outliers_clear(&o);
    if (st != CT_OK)
        ct_screen_clear(s);
    return st;
}

/* ---------------- grading ---------------- */

static const char *const attr_names[CT_GRADE__COUNT] = {
    [CT_GRADE_CAPACITY_AH] = "capacity_ah",
    [CT_GRADE_IR_MOHM] = "ir_mohm",
    [CT_GRADE_OCV_V] = "ocv_v",
    [CT_GRADE_K_MV_PER_DAY] = "k_mv_per_day",
};

const char *ct_grade_attr_name(ct_grade_attr a)
{
    return (unsigned)a < CT_GRADE__COUNT ? attr_names[a] : "?";
}

void ct_grade_bins_init(ct_grade_bins *b)
{
    b->items = NULL;
    b->n = 0;
    b->cap = 0;
    snprintf(b->fallback, sizeof b->fallback, "%s", "reject");
}

void ct_grade_bins_clear(ct_grade_bins *b)
{
    free(b->items);
    ct_grade_bins_init(b);
}

void ct_grade_bin_open(ct_grade_bin *bin, const char *name)
{
    snprintf(bin->name, sizeof bin->name, "%s", name);
    for (int a = 0; a < CT_GRADE__COUNT; a++)
        bin->min[a] = bin->max[a] = NAN;
}

ct_status ct_grade_bins_add(ct_grade_bins *b, const ct_grade_bin *bin, ct_error *err)
{
    size_t len = strnlen(bin->name, sizeof bin->name);
    if (len == 0 || len == sizeof bin->name)
        return ct_error_set(err, CT_ERR_INVALID,
                            "bin name must have 1 to %d characters", CT_GRADE_NAME_MAX - 1);
    for (int a = 0; a < CT_GRADE__COUNT; a++) {
        double lo = bin->min[a], hi = bin->max[a];
        if (isinf(lo) || isinf(hi))
            return ct_error_set(err, CT_ERR_INVALID,
                                "bin \"%s\": %s: bounds must be numbers or open (null)",
                                bin->name, attr_names[a]);
        if (!isnan(lo) && !isnan(hi) && lo > hi)
            return ct_error_set(err, CT_ERR_INVALID, "bin \"%s\": %s: min %g is above max %g",
                                bin->name, attr_names[a], lo, hi);
    }
    if (b->n >= CT_GRADE_MAX_BINS)
        return ct_error_set(err, CT_ERR_INVALID, "more than %d bins", CT_GRADE_MAX_BINS);
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 8;
        ct_grade_bin *items = realloc(b->items, cap * sizeof *items);
        if (!items)
            return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
        b->items = items;
        b->cap = cap;
    }
    b->items[b->n++] = *bin;
    return CT_OK;
}

int ct_grade_cell(const ct_grade_bins *b, const double value[CT_GRADE__COUNT])
{
    for (size_t i = 0; i < b->n; i++) {
        const ct_grade_bin *bin = &b->items[i];
        bool ok = true;
        for (int a = 0; ok && a < CT_GRADE__COUNT; a++) {
            /* Written so that a NAN value fails any bound it meets. */
            if (!isnan(bin->min[a]) && !(value[a] >= bin->min[a]))
                ok = false;
            if (!isnan(bin->max[a]) && !(value[a] <= bin->max[a]))
                ok = false;
        }
        if (ok)
            return (int)i;
    }
    return -1;
}
