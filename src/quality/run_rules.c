/*
 * run_rules.c - out-of-control tests on a plotted control-chart series:
 * the control limits themselves, the Western Electric zone rules (Western
 * Electric, Statistical Quality Control Handbook, 1956) and Nelson's eight
 * tests (L. S. Nelson, "The Shewhart Control Chart - Tests for Special
 * Causes", Journal of Quality Technology 16(4), 1984), plus the signal list
 * they fill.
 *
 * Zones are measured in the standard error of each point (series->sigma),
 * so charts whose limits vary with the sample size (p, u) get per-point
 * zones. A missing point (NAN, as in the first moving range) breaks every
 * run that would pass through it.
 */
#include "celltwin/quality.h"
#include "quality/quality_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Signals are bounded by points x rules; the cap only guards the size
 * arithmetic. */
#define SIGNALS_MAX ((size_t)1 << 28)

void ct_signals_init(ct_signals *s)
{
    s->items = NULL;
    s->n = 0;
    s->cap = 0;
}

void ct_signals_clear(ct_signals *s)
{
    free(s->items);
    ct_signals_init(s);
}

ct_status ct_signals_add(ct_signals *s, size_t point, ct_rule rule)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        if (cap > SIGNALS_MAX)
            return CT_ERR_NOMEM;
        ct_signal *items = realloc(s->items, cap * sizeof *items);
        if (!items)
            return CT_ERR_NOMEM;
        s->items = items;
        s->cap = cap;
    }
    s->items[s->n].point = point;
    s->items[s->n].rule = rule;
    s->n++;
    return CT_OK;
}

const char *ct_rule_name(ct_rule rule)
{
    switch (rule) {
    case CT_RULE_LIMITS: return "limits";
    case CT_RULE_WE1: return "we1";
    case CT_RULE_WE2: return "we2";
    case CT_RULE_WE3: return "we3";
    case CT_RULE_WE4: return "we4";
    case CT_RULE_NELSON1: return "nelson1";
    case CT_RULE_NELSON2: return "nelson2";
    case CT_RULE_NELSON3: return "nelson3";
    case CT_RULE_NELSON4: return "nelson4";
    case CT_RULE_NELSON5: return "nelson5";
    case CT_RULE_NELSON6: return "nelson6";
    case CT_RULE_NELSON7: return "nelson7";
    case CT_RULE_NELSON8: return "nelson8";
    case CT_RULE_CUSUM_UPPER: return "cusum_upper";
    case CT_RULE_CUSUM_LOWER: return "cusum_lower";
    }
    return "unknown";
}

ct_status ct_rule_set_parse(const char *name, ct_rule_set *out)
{
    static const struct { const char *name; ct_rule_set set; } sets[] = {
        { "limits", CT_RULES_LIMITS }, { "we", CT_RULES_WE }, { "nelson", CT_RULES_NELSON },
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (name && strcmp(name, sets[i].name) == 0) {
            *out = sets[i].set;
            return CT_OK;
        }
    return CT_ERR_INVALID;
}

/* Index of element i of a per-point array that may be constant. */
static size_t at(const ct_chart_series *s, size_t i)
{
    return s->limits_vary ? i : 0;
}

/* Distance of point i from the center line in standard errors; +-INFINITY
 * off-center with a zero standard error, NAN for a missing point. */
static double zone(const ct_chart_series *s, size_t i)
{
    double x = s->points[i], c = s->center[at(s, i)], sd = s->sigma[at(s, i)];
    if (isnan(x))
        return NAN;
    if (sd > 0.0)
        return (x - c) / sd;
    return x > c ? INFINITY : x < c ? -INFINITY : 0.0;
}

/* k of the last m points (ending at i) beyond `level` on the side of point
 * i, with point i itself beyond. */
static bool k_of_m_beyond(const double *z, size_t i, int k, int m, double level)
{
    if (i + 1 < (size_t)m)
        return false;
    double side = z[i] > level ? 1.0 : z[i] < -level ? -1.0 : 0.0;
    if (side == 0.0)
        return false;
    int count = 0;
    for (size_t j = i + 1 - (size_t)m; j <= i; j++)
        if (side * z[j] > level)
            count++;
    return count >= k;
}

/* The last m points (ending at i) all strictly on one side of center. */
static bool run_same_side(const double *z, size_t i, int m)
{
    if (i + 1 < (size_t)m)
        return false;
    int up = 0, down = 0;
    for (size_t j = i + 1 - (size_t)m; j <= i; j++) {
        up += z[j] > 0.0;
        down += z[j] < 0.0;
    }
    return up == m || down == m;
}

/* The last m points (ending at i) all with |z| inside (below) or outside
 * (above) `level`. */
static bool run_abs(const double *z, size_t i, int m, double level, bool outside)
{
    if (i + 1 < (size_t)m)
        return false;
    for (size_t j = i + 1 - (size_t)m; j <= i; j++) {
        double a = fabs(z[j]);
        if (isnan(a) || (outside ? !(a > level) : !(a < level)))
            return false;
    }
    return true;
}

/* m points in a row (ending at i) each above (or each below) the one before. */
static bool run_trend(const double *x, size_t i, int m)
{
    if (i + 1 < (size_t)m)
        return false;
    bool up = true, down = true;
    for (size_t j = i + 2 - (size_t)m; j <= i; j++) {
        up = up && x[j] > x[j - 1];
        down = down && x[j] < x[j - 1];
    }
    return up || down;
}

/* m points in a row (ending at i) alternating up and down. */
static bool run_alternating(const double *x, size_t i, int m)
{
    if (i + 1 < (size_t)m)
        return false;
    double prev = 0.0;
    for (size_t j = i + 2 - (size_t)m; j <= i; j++) {
        double d = x[j] - x[j - 1];
        if (isnan(d) || d == 0.0 || (prev != 0.0 && (d > 0.0) == (prev > 0.0)))
            return false;
        prev = d;
    }
    return true;
}

unsigned cti_rules_at(const double *z, const double *x, size_t i, bool beyond, ct_rule_set rules)
{
    unsigned m = 0;
#define FIRE(cond, rule) (m |= (cond) ? 1u << (rule) : 0u)
    switch (rules) {
    case CT_RULES_LIMITS:
        FIRE(beyond, CT_RULE_LIMITS);
        break;
    case CT_RULES_WE:
        FIRE(beyond, CT_RULE_WE1);
        FIRE(k_of_m_beyond(z, i, 2, 3, 2.0), CT_RULE_WE2);
        FIRE(k_of_m_beyond(z, i, 4, 5, 1.0), CT_RULE_WE3);
        FIRE(run_same_side(z, i, 8), CT_RULE_WE4);
        break;
    case CT_RULES_NELSON:
        FIRE(beyond, CT_RULE_NELSON1);
        FIRE(run_same_side(z, i, 9), CT_RULE_NELSON2);
        FIRE(run_trend(x, i, 6), CT_RULE_NELSON3);
        FIRE(run_alternating(x, i, 14), CT_RULE_NELSON4);
        FIRE(k_of_m_beyond(z, i, 2, 3, 2.0), CT_RULE_NELSON5);
        FIRE(k_of_m_beyond(z, i, 4, 5, 1.0), CT_RULE_NELSON6);
        FIRE(run_abs(z, i, 15, 1.0, false), CT_RULE_NELSON7);
        FIRE(run_abs(z, i, 8, 1.0, true), CT_RULE_NELSON8);
        break;
    }
#undef FIRE
    return m;
}

ct_status ct_rules_apply(const ct_chart_series *s, ct_rule_set rules, ct_signals *out)
{
    if (s->n == 0)
        return CT_OK;
    double *z = malloc(s->n * sizeof *z);
    if (!z)
        return CT_ERR_NOMEM;
    for (size_t i = 0; i < s->n; i++)
        z[i] = zone(s, i);

    ct_status st = CT_OK;
    for (size_t i = 0; i < s->n && st == CT_OK; i++) {
        double x = s->points[i];
        bool beyond = x > s->ucl[at(s, i)] || x < s->lcl[at(s, i)];
        /* rules fire in the order of ct_rule, as the bits are numbered */
        unsigned m = cti_rules_at(z, s->points, i, beyond, rules);
        for (int r = 0; m && st == CT_OK; r++, m >>= 1)
            if (m & 1u)
                st = ct_signals_add(out, i, (ct_rule)r);
    }
    free(z);
    return st;
}
