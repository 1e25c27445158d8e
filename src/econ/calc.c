/*
 * calc.c - the scrap calculators of calc.h: cumulative yield of a chain of
 * steps, and the scrap of a coating defect (area, mass, active-material
 * cost). Inputs are checked here, not only in the CLI, because other
 * callers (the factory model, scripts) pass numbers that never went
 * through an option parser.
 */
#include "celltwin/calc.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>

ct_status ct_cumulative_yield(const double *step_yields, size_t n_steps, double *out,
                              ct_error *err)
{
    assert(out);
    if (n_steps < 1)
        return ct_error_set(err, CT_ERR_INVALID, "step_yields: expected at least one step, got 0");
    assert(step_yields);
    /* Checked first and multiplied after, so a bad step late in a long list
     * is still reported by its index and nothing is half-computed. */
    for (size_t i = 0; i < n_steps; i++) {
        double y = step_yields[i];
        if (!(y > 0 && y <= 1))
            return ct_error_set(err, CT_ERR_INVALID,
                                "step_yields[%zu]: expected a yield in (0, 1], got %g", i, y);
    }
    double p = 1.0;
    for (size_t i = 0; i < n_steps; i++)
        p *= step_yields[i];
    *out = p;
    return CT_OK;
}

ct_status ct_cumulative_yield_uniform(double step_yield, long long n_steps, double *out,
                                      ct_error *err)
{
    assert(out);
    if (n_steps < 1)
        return ct_error_set(err, CT_ERR_INVALID, "steps: expected an integer >= 1, got %lld",
                            n_steps);
    if (!(step_yield > 0 && step_yield <= 1))
        return ct_error_set(err, CT_ERR_INVALID, "step_yield: expected a yield in (0, 1], got %g",
                            step_yield);
    *out = pow(step_yield, (double)n_steps);
    return CT_OK;
}

/* value must be finite and > 0 (or >= 0 when zero_ok). */
static ct_status check(const char *name, double value, bool zero_ok, ct_error *err)
{
    if (isfinite(value) && (zero_ok ? value >= 0 : value > 0))
        return CT_OK;
    return ct_error_set(err, CT_ERR_INVALID, "%s: expected a value %s 0, got %g", name,
                        zero_ok ? ">=" : ">", value);
}

ct_status ct_coating_scrap(const ct_coating_scrap_in *in, ct_coating_scrap_out *out,
                           ct_error *err)
{
    ct_status st;
    assert(in && out);
    if (in->lanes < 1)
        return ct_error_set(err, CT_ERR_INVALID, "lanes: expected an integer >= 1, got %lld",
                            in->lanes);
    if ((st = check("lane_width_m", in->lane_width_m, false, err)) != CT_OK ||
        (st = check("speed_m_s", in->speed_m_s, false, err)) != CT_OK ||
        (st = check("time_s", in->time_s, true, err)) != CT_OK ||
        (st = check("loading_kg_m2", in->loading_kg_m2, false, err)) != CT_OK ||
        (st = check("price_usd_kg", in->price_usd_kg, true, err)) != CT_OK)
        return st;
    if (!(in->active_fraction > 0 && in->active_fraction <= 1))
        return ct_error_set(err, CT_ERR_INVALID,
                            "active_fraction: expected a fraction in (0, 1], got %g",
                            in->active_fraction);

    ct_coating_scrap_out r;
    r.area_m2 = (double)in->lanes * in->lane_width_m * in->speed_m_s * in->time_s;
    r.coating_mass_kg = r.area_m2 * in->loading_kg_m2;
    r.active_mass_kg = r.coating_mass_kg * in->active_fraction;
    r.cost_usd = r.active_mass_kg * in->price_usd_kg;
    if (!isfinite(r.cost_usd))
        return ct_error_set(err, CT_ERR_INVALID,
                            "inputs: expected values whose product is finite, got an overflow");
    *out = r;
    return CT_OK;
}
