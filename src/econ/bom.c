/*
 * bom.c - the design bill of materials of a cell: how much of each raw
 * material one cell takes by the factory's recipes, without scrap.
 *
 * Walks the flow back from the station that makes cells: a converting
 * station takes its `consumes` amounts per unit made, either raw material
 * or an amount (kg or m) of the units at one of its inputs; those units
 * were made by the nearest converting station upstream, whose unit of
 * quantity q (its `quantity`, or what it consumed) holds a known mass of
 * each material, divided by the `splits` of the stations in between (a
 * slit lane has the coil's length and 1/n of its material). Materials a
 * station `uses` count per unit it makes (a coil's foil) or, downstream of
 * the cell maker, per cell (separator, electrolyte). Materials no station
 * consumes or uses are bought `per_cell`. Uses at stations between two
 * converters (a coil station that is not one) are not counted.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "econ/econ_internal.h"
#include "model/factory_internal.h"

#define MAX_DEPTH 64   /* the flow between converters is short; this stops cycles */

/* A station that sends its good units to (to, port): by `next`, or by
 * default to the next station in the file. -1 when none. */
static int feeder(const ct_factory *f, int to, int port)
{
    for (int i = 0; i < f->n_stations; i++) {
        const cti_station *s = &f->stations[i];
        if (s->n_next == 0 && i + 1 == to && port == 0)
            return i;
        for (int r = 0; r < s->n_next; r++)
            if (s->next[r].to == to && s->next[r].port == port)
                return i;
    }
    return -1;
}

static double unit_mass(const ct_factory *f, int c, int m, int depth);

/* Mass of material m station s uses per unit. */
static double uses_of(const cti_station *s, int m)
{
    double kg = 0;
    for (int j = 0; j < s->n_uses; j++)
        if (s->uses[j].material == m)
            kg += s->uses[j].amount;
    return kg;
}

/* Mass of material m per kg or metre of the units arriving at input port
 * of station c. */
static double per_quantity(const ct_factory *f, int c, int port, int m, int depth)
{
    double split = 1;
    int s = feeder(f, c, port);
    for (int d = depth; s >= 0 && f->stations[s].n_consumes == 0 && d < MAX_DEPTH; d++) {
        split *= f->stations[s].splits;
        s = feeder(f, s, 0);
    }
    if (s < 0 || f->stations[s].n_consumes == 0)
        return 0;
    const cti_station *maker = &f->stations[s];
    split *= maker->splits;
    double q = maker->makes_quantity;
    if (!(q > 0)) {
        q = 0;
        for (int j = 0; j < maker->n_consumes; j++)
            q += maker->consumes[j].amount;
    }
    return q > 0 ? unit_mass(f, s, m, depth + 1) / q / split : 0;
}

/* Mass of material m in one unit made by converting station c. */
static double unit_mass(const ct_factory *f, int c, int m, int depth)
{
    if (depth > MAX_DEPTH)
        return 0;
    const cti_station *s = &f->stations[c];
    double kg = 0;
    for (int j = 0; j < s->n_consumes; j++) {
        const cti_consume *x = &s->consumes[j];
        if (x->material == m)
            kg += x->amount;
        else if (x->port >= 0)
            kg += x->amount * per_quantity(f, c, x->port, m, depth);
    }
    return kg + uses_of(s, m);
}

/* Mass of material m the stations downstream of cell maker c use per
 * cell: every station reachable by the routes without passing another
 * converting station. */
static double cell_uses(const ct_factory *f, int c, int m)
{
    int n = f->n_stations;
    bool *seen = calloc((size_t)n, sizeof *seen);
    int *stack = malloc((size_t)n * sizeof *stack);   /* stations still to visit */
    double kg = 0;
    int top = 0;
    if (!seen || !stack)
        goto done;
    seen[c] = true;
    stack[top++] = c;
    while (top > 0) {
        int i = stack[--top];
        const cti_station *s = &f->stations[i];
        if (i != c)
            kg += uses_of(s, m);
        int n_to = s->n_next > 0 ? s->n_next : 1;
        for (int r = 0; r < n_to; r++) {
            int to = s->n_next > 0 ? s->next[r].to : i + 1;
            if (to < 0 || to >= n || seen[to] || f->stations[to].n_consumes > 0)
                continue;
            seen[to] = true;
            stack[top++] = to;
        }
    }
done:
    free(seen);
    free(stack);
    return kg;
}

double cti_econ_mass_per_cell(const ct_factory *f, int m)
{
    if (f->materials[m].per_cell_kg > 0)
        return f->materials[m].per_cell_kg;
    for (int c = 0; c < f->n_stations; c++)
        if (f->stations[c].n_consumes > 0 && f->stations[c].makes == CTI_FORM_CELL)
            return unit_mass(f, c, m, 0) + cell_uses(f, c, m);
    return 0;
}

double cti_econ_bom_usd(const ct_factory *f)
{
    double usd = f->has_cell ? f->cell.material_cost_usd : 0;
    for (int m = 0; m < f->n_materials; m++)
        usd += cti_econ_mass_per_cell(f, m) * f->materials[m].price_usd_kg;
    return usd;
}
