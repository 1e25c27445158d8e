/*
 * test_cell_design.c - the cell-design model and loader (cell_design.h,
 * src/model/cell_design.c): capacities, N/P ratio, first-cycle loss,
 * reversible capacity, energy, mass and densities of small designs worked
 * out by hand in the comments from published constants (LFP 170 mAh/g,
 * graphite 372 mAh/g and ICE 0.90, SiOx 1500 mAh/g, lithium 3861 mAh/g);
 * prelithiation; the two example files; and mistakes in a design file
 * refused with "t.yaml:LINE:COL: KEY: ..." (positions counted by hand from
 * the text, 1-based).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "celltwin/cell_design.h"

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.17g, want %.17g (relative tolerance %g)", got, want, rel);
}

/* Hand values below are written to 6-7 digits: compare to 1e-6. */
#define REL 1e-6

/* A small LFP/graphite cell, one line per key so that cases can swap a
 * line and know its position. Line numbers on the right. */
static const char HAND[] =
    "name: hand\n"                                                        /*  1 */
    "nominal_voltage: 3.2 V\n"                                            /*  2 */
    "cathode:\n"                                                          /*  3 */
    "  material: LFP\n"                                                   /*  4 */
    "  active_fraction: 96 %\n"                                           /*  5 */
    "  loading: 20 mg/cm2\n"                                              /*  6 */
    "  layers: 10\n"                                                      /*  7 */
    "  layer_area: 100 cm2\n"                                             /*  8 */
    "  foil: {material: aluminium, thickness: 12 um}\n"                   /*  9 */
    "anode:\n"                                                            /* 10 */
    "  material: graphite\n"                                              /* 11 */
    "  active_fraction: 95 %\n"                                           /* 12 */
    "  loading: 10 mg/cm2\n"                                              /* 13 */
    "  layers: 10\n"                                                      /* 14 */
    "  layer_area: 100 cm2\n"                                             /* 15 */
    "  foil: {material: copper, thickness: 8 um}\n"                       /* 16 */
    "separator: {area: 0.2 m2, areal_mass: 10 g/m2}\n"                    /* 17 */
    "electrolyte: {mass: 10 g}\n"                                         /* 18 */
    "housing: {mass: 20 g, length: 100 mm, width: 50 mm, height: 10 mm}\n"; /* 19 */

/* HAND with the first occurrence of from replaced by to (static buffer). */
static const char *with(const char *from, const char *to)
{
    static char buf[4096];
    const char *at = strstr(HAND, from);
    if (!at)
        fail_msg("\"%s\" is not in HAND", from);
    size_t head = (size_t)(at - HAND);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)head, HAND, to, at + strlen(from));
    return buf;
}

static void load_ok(const char *text, ct_cell_design *d, ct_cell_result *r)
{
    ct_error err;
    ct_status st = ct_cell_design_load_string(text, "t.yaml", d, &err);
    if (st != CT_OK)
        fail_msg("unexpected load error: %s", err.msg);
    st = ct_cell_design_compute(d, r, &err);
    if (st != CT_OK)
        fail_msg("unexpected compute error: %s", err.msg);
}

/* Loads text as "t.yaml" and checks that it fails with CT_ERR_PARSE and a
 * message that starts with prefix and contains phrase. */
static void expect_error(const char *text, const char *prefix, const char *phrase)
{
    ct_cell_design d;
    ct_error err;
    ct_status st = ct_cell_design_load_string(text, "t.yaml", &d, &err);
    if (st == CT_OK)
        fail_msg("loaded, but wanted: %s ... %s", prefix, phrase);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0 || !strstr(err.msg, phrase))
        fail_msg("message: %s\nwanted prefix: %s\nand phrase: %s", err.msg, prefix, phrase);
    assert_int_equal(st, CT_ERR_PARSE);
    assert_int_equal(err.status, CT_ERR_PARSE);
}

/* ---------------- hand-calculated cells ---------------- */

/* HAND, step by step (built-in LFP 170 mAh/g with ICE 1 and graphite
 * 372 mAh/g with ICE 0.90, from the review / industry-figures.md):
 *   coated area, each electrode = 10 layers x 100 cm2 = 1000 cm2 = 0.1 m2
 *   cathode: coating 20 mg/cm2 x 1000 cm2 = 20 g; active x 0.96 = 19.2 g
 *            capacity 19.2 g x 170 mAh/g = 3264 mAh = 3.264 Ah
 *            areal 20 x 0.96 x 0.170 = 3.264 mAh/cm2
 *   anode:   coating 10 g; active x 0.95 = 9.5 g
 *            capacity 9.5 g x 372 mAh/g = 3534 mAh = 3.534 Ah
 *            areal 10 x 0.95 x 0.372 = 3.534 mAh/cm2
 *   N/P = 3.534 / 3.264 = 1.082721
 *   anode first-cycle loss = 3.534 x (1/0.90 - 1) = 3.534 / 9 = 0.3926667 Ah
 *   lithium after formation = 3.264 - 0.3926667 = 2.871333 Ah (< 3.264 and
 *   < 3.534: the lithium limits); loss 0.3926667 / 3.264 = 12.03023 %
 *   energy = 2.871333 Ah x 3.2 V = 9.188267 Wh
 *   foils (layers: both sides coated, foil area 0.1 / 2 = 0.05 m2):
 *     Al 12e-6 m x 2700 kg/m3 x 0.05 m2 = 1.62 g
 *     Cu  8e-6 m x 8960 kg/m3 x 0.05 m2 = 3.584 g
 *   separator 0.2 m2 x 10 g/m2 = 2 g; electrolyte 10 g; housing 20 g
 *   total = 20 + 10 + 1.62 + 3.584 + 2 + 10 + 20 = 67.204 g
 *   Wh/kg = 9.188267 / 0.067204 = 136.7220
 *   volume = 0.1 x 0.05 x 0.01 m3 = 0.05 L; Wh/L = 183.7653
 *   lithium to offset the loss = 0.3926667 Ah / 3861 Ah/kg = 0.1017008 g */
static void test_hand_lfp_graphite(void **state)
{
    (void)state;
    ct_cell_design d;
    ct_cell_result r;
    load_ok(HAND, &d, &r);

    assert_string_equal(d.name, "hand");
    assert_close(d.cathode.materials[0].specific_capacity_ah_kg, 170, 0);
    assert_close(d.anode.materials[0].specific_capacity_ah_kg, 372, 0);
    assert_close(d.cathode.coated_area_m2, 0.1, 1e-12);

    assert_close(r.cathode.coating_mass_kg, 0.020, REL);
    assert_close(r.cathode.active_mass_kg, 0.0192, REL);
    assert_close(r.cathode.capacity_ah, 3.264, REL);
    assert_close(r.cathode.areal_capacity_ah_m2 * 0.1, 3.264, REL);   /* mAh/cm2 */
    assert_close(r.anode.capacity_ah, 3.534, REL);
    assert_close(r.anode.areal_capacity_ah_m2 * 0.1, 3.534, REL);
    assert_close(r.np_ratio, 1.082721, REL);
    assert_close(r.anode.initial_efficiency, 0.90, 1e-12);
    assert_close(r.anode.irreversible_ah, 0.3926667, REL);
    assert_close(r.cathode.irreversible_ah + 1, 1, 1e-12);   /* cathode ICE 1 */

    assert_close(r.first_charge_ah, 3.264, REL);
    assert_close(r.lithium_inventory_ah, 2.871333, REL);
    assert_close(r.reversible_capacity_ah, 2.871333, REL);
    assert_int_equal(r.limited_by, CT_CELL_LIMIT_LITHIUM);
    assert_string_equal(ct_cell_limit_name(r.limited_by), "lithium");
    assert_close(r.first_cycle_loss_ah, 0.3926667, REL);
    assert_close(r.first_cycle_loss_fraction, 0.1203023, REL);
    assert_false(r.lithium_plating_risk);

    assert_close(r.nominal_voltage_v, 3.2, 1e-12);
    assert_close(r.energy_wh, 9.188267, REL);
    assert_close(r.cathode_foil_kg, 0.00162, REL);
    assert_close(r.anode_foil_kg, 0.003584, REL);
    assert_close(r.separator_kg, 0.002, REL);
    assert_close(r.total_mass_kg, 0.067204, REL);
    assert_close(r.specific_energy_wh_kg, 136.7220, REL);
    assert_close(r.volume_m3, 5e-5, REL);
    assert_close(r.energy_density_wh_l, 183.7653, REL);
    assert_close(r.lithium_to_offset_loss_kg, 0.1017008e-3, REL);

    /* No prelithiation: nothing gained, nothing added. */
    assert_true(r.capacity_gained_ah == 0 && r.lithium_metal_kg == 0 && r.additive_ah == 0);
    assert_close(r.reversible_without_prelithiation_ah, r.reversible_capacity_ah, 1e-15);
    /* Thickness only when a density was given. */
    assert_true(isnan(r.cathode.coating_thickness_m) && isnan(r.cathode.porosity));
}

/* The file's own capacity replaces LFP's theoretical 170 mAh/g; a cathode
 * ICE below 1 hides part of the anode's loss. With 160 mAh/g and ICE 0.95:
 *   cathode 19.2 g x 160 = 3.072 Ah, first charge 3.072 / 0.95 = 3.233684 Ah
 *   lithium = 3.233684 - 0.3926667 = 2.841018 Ah (< 3.072: lithium limits)
 * A thickness gives the coating density: 20 mg/cm2 over 80 um = 0.2 kg/m2 /
 * 80e-6 m = 2500 kg/m3; with a solid density of 3.5 g/cm3 the porosity is
 * 1 - 2.5 / 3.5 = 0.2857143. */
static void test_capacity_override_and_thickness(void **state)
{
    (void)state;
    ct_cell_design d;
    ct_cell_result r;
    load_ok(with("  material: LFP\n",
                 "  material: LFP\n  specific_capacity: 160 mAh/g\n  initial_efficiency: 95 %\n"
                 "  thickness: 80 um\n  solid_density: 3.5 g/cm3\n"),
            &d, &r);
    assert_close(r.cathode.capacity_ah, 3.072, REL);
    assert_close(r.cathode.first_charge_ah, 3.233684, REL);
    assert_close(r.reversible_capacity_ah, 2.841018, REL);
    assert_int_equal(r.limited_by, CT_CELL_LIMIT_LITHIUM);
    assert_close(r.cathode.coating_density_kg_m3, 2500, REL);
    assert_close(r.cathode.coating_thickness_m, 80e-6, REL);
    assert_close(r.cathode.porosity, 0.2857143, REL);

    /* sheets x sides x sheet_area is the same coated area as layers:
     * 5 sheets x 2 sides x 100 cm2 = 0.1 m2; the foil is 5 x 100 cm2. */
    load_ok(with("  layers: 10\n  layer_area: 100 cm2\n",
                 "  sheets: 5\n  sides: 2\n  sheet_area: 100 cm2\n"),
            &d, &r);
    assert_close(d.cathode.coated_area_m2, 0.1, 1e-12);
    assert_close(d.cathode.foil_area_m2, 0.05, 1e-12);
    assert_close(r.cathode.capacity_ah, 3.264, REL);
}

/* An NMC811 cathode (built-in 200 mAh/g, an assumption) with ICE 0.90
 * against a graphite/SiOx blend, 80/20 by mass (built-in graphite 372
 * mAh/g, ICE 0.90; SiOx 1500 mAh/g, ICE 0.75):
 *   cathode: 20 mg/cm2 x 95 % x 0.1 m2 = 19 g x 200 = 3.8 Ah,
 *            first charge 3.8 / 0.9 = 4.222222 Ah
 *   blend:   q = 0.8 x 372 + 0.2 x 1500 = 597.6 mAh/g
 *            first charge per g = 0.8 x 372 / 0.9 + 0.2 x 1500 / 0.75
 *                               = 330.6667 + 400 = 730.6667 mAh/g
 *            ICE = 597.6 / 730.6667 = 0.8178832
 *   anode:   8 mg/cm2 x 95 % x 0.1 m2 = 7.6 g; capacity 7.6 x 0.5976 =
 *            4.54176 Ah; loss 7.6 x (0.7306667 - 0.5976) = 1.011307 Ah
 *   N/P = (8 x 0.95 x 597.6) / (20 x 0.95 x 200) = 1.1952
 *   without prelithiation: lithium 4.222222 - 1.011307 = 3.210916 Ah
 *   (below the cathode's 3.8 Ah: the lithium limits); lithium to offset
 *   the loss (3.8 - 3.210916) Ah / 3861 Ah/kg = 0.1525730 g
 *   with lithium on the anode for 100 % of its loss: lithium 4.222222 Ah >
 *   3.8: the cathode limits at 3.8 Ah, gain 0.5890844 Ah; lithium metal
 *   1.011307 Ah / 3861 Ah/kg = 0.2619287 g (4.222 < 4.542: no plating)
 *   with 3 wt.% Li5FeO4 instead (built-in 700 mAh/g): additive 20 g x 0.03
 *   = 0.6 g -> 0.42 Ah; lithium 3.210916 + 0.42 = 3.630916 Ah (still
 *   limits), gain 0.42 Ah, lithium equivalent 0.42 / 3861 = 0.1087801 g;
 *   first charge 4.222222 + 0.42 = 4.642222 Ah */
#define SIOX_BLEND                                                                     \
    "  blend:\n"                                                                       \
    "    - {material: graphite, mass_fraction: 80 %}\n"                                \
    "    - {material: SiOx, mass_fraction: 20 %}\n"

static const char *siox_cell(const char *prelithiation)
{
    static char buf[4096];
    char cathode[256];
    snprintf(cathode, sizeof cathode, "%s",
             "  material: NMC811\n  initial_efficiency: 90 %\n  active_fraction: 95 %\n");
    const char *t = with("  material: LFP\n  active_fraction: 96 %\n", cathode);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", t);
    /* Swap the anode lines in the copy. */
    const char *from = "  material: graphite\n  active_fraction: 95 %\n  loading: 10 mg/cm2\n";
    const char *at = strstr(tmp, from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s  active_fraction: 95 %%\n  loading: 8 mg/cm2\n%s%s",
             (int)(at - tmp), tmp, SIOX_BLEND, at + strlen(from), prelithiation);
    return buf;
}

static void test_siox_prelithiation(void **state)
{
    (void)state;
    ct_cell_design d;
    ct_cell_result plain, anode_li, additive;

    load_ok(siox_cell(""), &d, &plain);
    assert_close(plain.cathode.capacity_ah, 3.8, REL);
    assert_close(plain.cathode.first_charge_ah, 4.222222, REL);
    assert_close(plain.anode.specific_capacity_ah_kg, 597.6, REL);
    assert_close(plain.anode.initial_efficiency, 0.8178832, REL);
    assert_close(plain.anode.capacity_ah, 4.54176, REL);
    assert_close(plain.anode.irreversible_ah, 1.011307, REL);
    assert_close(plain.np_ratio, 1.1952, REL);
    assert_close(plain.reversible_capacity_ah, 3.210916, REL);
    assert_int_equal(plain.limited_by, CT_CELL_LIMIT_LITHIUM);
    assert_close(plain.lithium_to_offset_loss_kg, 0.1525730e-3, REL);

    load_ok(siox_cell("prelithiation:\n  anode_lithium: {compensation: 100 %}\n"), &d, &anode_li);
    assert_true(anode_li.reversible_capacity_ah > plain.reversible_capacity_ah);
    assert_close(anode_li.reversible_capacity_ah, 3.8, REL);
    assert_int_equal(anode_li.limited_by, CT_CELL_LIMIT_CATHODE);
    assert_close(anode_li.capacity_gained_ah, 0.5890844, REL);
    assert_close(anode_li.reversible_without_prelithiation_ah, 3.210916, REL);
    assert_close(anode_li.anode_lithium_ah, 1.011307, REL);
    assert_close(anode_li.lithium_metal_kg, 0.2619287e-3, REL);
    assert_false(anode_li.lithium_plating_risk);
    /* The lithium metal is part of the cell's mass. */
    assert_close(anode_li.total_mass_kg - plain.total_mass_kg, 0.2619287e-3, 1e-4);

    load_ok(siox_cell("prelithiation:\n  cathode_additive: {material: Li5FeO4, fraction: 3 wt.%}\n"),
            &d, &additive);
    assert_close(d.prelithiation.additive_capacity_ah_kg, 700, 0);
    assert_close(additive.additive_mass_kg, 0.6e-3, REL);
    assert_close(additive.additive_ah, 0.42, REL);
    assert_close(additive.reversible_capacity_ah, 3.630916, REL);
    assert_close(additive.capacity_gained_ah, 0.42, REL);
    assert_close(additive.lithium_supplied_kg, 0.1087801e-3, REL);
    assert_close(additive.first_charge_ah, 4.642222, REL);
    assert_true(additive.reversible_capacity_ah > plain.reversible_capacity_ah);
    /* The additive sits in the coating: no mass added. */
    assert_close(additive.total_mass_kg, plain.total_mass_kg, 1e-12);

    /* Far too much lithium on the anode: the charged anode cannot hold it. */
    load_ok(siox_cell("prelithiation:\n  anode_lithium: {compensation: 300 %}\n"), &d, &anode_li);
    assert_true(anode_li.lithium_plating_risk);
}

/* The examples load and land where their comments say (the LFP cell about
 * 150 Ah at 3.2 V; the SiOx cell about 99 Ah with prelithiation and 88 Ah
 * without), and their sums add up. */
static void test_examples(void **state)
{
    (void)state;
    ct_cell_design d;
    ct_cell_result r;
    ct_error err;

    assert_int_equal(ct_cell_design_load(CT_SOURCE_DIR "/examples/cell-lfp-prismatic.yaml", &d, &err),
                     CT_OK);
    assert_int_equal(ct_cell_design_compute(&d, &r, &err), CT_OK);
    assert_true(r.reversible_capacity_ah > 140 && r.reversible_capacity_ah < 160);
    assert_close(r.nominal_voltage_v, 3.2, 1e-12);
    assert_true(r.np_ratio > 1.05 && r.np_ratio < 1.15);
    assert_true(r.specific_energy_wh_kg > 140 && r.specific_energy_wh_kg < 200);
    assert_close(r.energy_wh, r.reversible_capacity_ah * r.nominal_voltage_v, 1e-12);
    double sum = r.cathode_coating_kg + r.anode_coating_kg + r.cathode_foil_kg + r.anode_foil_kg +
                 r.separator_kg + r.electrolyte_kg + r.housing_kg + r.other_kg + r.lithium_metal_kg;
    assert_close(r.total_mass_kg, sum, 1e-12);

    assert_int_equal(ct_cell_design_load(CT_SOURCE_DIR "/examples/cell-siox-prelithiated.yaml", &d,
                                         &err), CT_OK);
    assert_int_equal(ct_cell_design_compute(&d, &r, &err), CT_OK);
    assert_true(r.capacity_gained_ah > 0);
    assert_true(r.reversible_capacity_ah > 95 && r.reversible_capacity_ah < 105);
    assert_true(r.reversible_without_prelithiation_ah > 85 &&
                r.reversible_without_prelithiation_ah < 91);
    assert_false(r.lithium_plating_risk);
}

/* ---------------- mistakes ---------------- */

static void test_bad_loading(void **state)
{
    (void)state;
    /* "  loading: " is 11 characters: the value starts at column 12. */
    expect_error(with("loading: 20 mg/cm2", "loading: 20"), "t.yaml:6:12: cathode.loading: ",
                 "expected a unit, such as \"20 mg/cm2\", got \"20\"");
    expect_error(with("loading: 20 mg/cm2", "loading: -20 mg/cm2"), "t.yaml:6:12: cathode.loading: ",
                 "expected an areal mass > 0 such as \"20 mg/cm2\", got \"-20 mg/cm2\"");
    expect_error(with("loading: 20 mg/cm2", "loading: 20 kg"), "t.yaml:6:12: cathode.loading: ",
                 "areal mass units");
    /* Without a loading: reported at the cathode mapping (its first key, 4:3). */
    expect_error(with("  loading: 20 mg/cm2\n", ""), "t.yaml:4:3: cathode.loading: ",
                 "missing required key");
    /* Anode, line 13. */
    expect_error(with("loading: 10 mg/cm2", "loading: 0 mg/cm2"), "t.yaml:13:12: anode.loading: ",
                 "> 0");
}

static void test_bad_keys(void **state)
{
    (void)state;
    expect_error(with("  active_fraction: 96 %\n", "  active_fraction: 96 %\n  colour: red\n"),
                 "t.yaml:6:3: cathode.colour: ", "unknown key; expected one of material, blend");
    expect_error(with("name: hand\n", "name: hand\nprice: 20 usd/kg\n"), "t.yaml:2:1: price: ",
                 "unknown key");
    /* "  foil: {" puts the mapping at column 9; thickness is missing there. */
    expect_error(with("{material: aluminium, thickness: 12 um}", "{material: aluminium}"),
                 "t.yaml:9:9: cathode.foil.thickness: ", "missing required key");
    /* An unknown foil needs its density. */
    expect_error(with("{material: aluminium, thickness: 12 um}", "{material: nickel, thickness: 12 um}"),
                 "t.yaml:9:9: cathode.foil.density: ", "aluminium and copper");
    /* "housing: {mass: " is 16 characters. */
    expect_error(with("mass: 20 g,", "mass: -20 g,"), "t.yaml:19:17: housing.mass: ",
                 "expected a mass >= 0");
    expect_error(with(", height: 10 mm}", "}"), "t.yaml:19:10: housing.height: ",
                 "missing required key");
    expect_error(with("{mass: 10 g}", "{mass: 10 g, per_capacity: 1.5 g/Ah}"),
                 "t.yaml:18:41: electrolyte.per_capacity: ", "either mass or per_capacity");
    expect_error(with("{mass: 10 g}", "{per_capacity: 1.5}"), "t.yaml:18:29: electrolyte.per_capacity: ",
                 "a mass per Ah > 0 such as \"1.5 g/Ah\"");
}

static void test_bad_materials(void **state)
{
    (void)state;
    /* An unknown material without its capacity: at the cathode mapping. */
    expect_error(with("material: LFP", "material: LMFP"), "t.yaml:4:3: cathode.specific_capacity: ",
                 "\"LMFP\" is not a built-in material: LFP, NMC811, graphite, SiOx");
    /* With its capacity it still needs a voltage. */
    expect_error(with("material: LFP\n", "material: LMFP\n  specific_capacity: 150 mAh/g\n"),
                 "t.yaml:4:3: cathode.average_voltage: ", "missing required key");
    expect_error(with("  material: LFP\n", ""), "t.yaml:4:3: cathode.material: ",
                 "missing required key");
    /* "  blend: " is 9 characters: the list starts at column 10. */
    expect_error(with("  material: graphite\n",
                      "  material: graphite\n  blend: [{material: graphite, mass_fraction: 1}]\n"),
                 "t.yaml:12:10: anode.blend: ", "either material or blend, not both");
    expect_error(with("  material: graphite\n",
                      "  blend: [{material: graphite, mass_fraction: 80 %}, "
                      "{material: SiOx, mass_fraction: 10 %}]\n"),
                 "t.yaml:11:10: anode.blend: ", "sum to 1 (100 %), got 0.9");
    expect_error(with("material: LFP", "material: LFP\n  specific_capacity: 0 mAh/g"),
                 "t.yaml:5:22: cathode.specific_capacity: ", "> 0");
    expect_error(with("active_fraction: 96 %", "active_fraction: 120 %"),
                 "t.yaml:5:20: cathode.active_fraction: ", "in (0, 1]");
    /* Graphite as the cathode against LFP as the anode: no cell voltage
     * (without nominal_voltage). Reported at the anode mapping, 9:3. */
    const char *swapped = "cathode:\n  material: graphite\n  active_fraction: 95 %\n"
                          "  loading: 10 mg/cm2\n  layers: 10\n  layer_area: 100 cm2\n"
                          "  foil: {material: copper, thickness: 8 um}\n"
                          "anode:\n  material: LFP\n  active_fraction: 96 %\n"
                          "  loading: 20 mg/cm2\n  layers: 10\n  layer_area: 100 cm2\n"
                          "  foil: {material: aluminium, thickness: 12 um}\n"
                          "separator: {area: 0.2 m2, areal_mass: 10 g/m2}\n"
                          "electrolyte: {mass: 10 g}\n"
                          "housing: {mass: 20 g, volume: 0.05 L}\n";
    expect_error(swapped, "t.yaml:9:3: anode: ", "below the cathode's (0.1 V), got 3.4 V");
}

static void test_bad_prelithiation(void **state)
{
    (void)state;
    char text[4096];
    /* 96 % active + 5 % additive > 100 %. "  cathode_additive: {fraction: "
     * is 31 characters: the value starts at column 32 of line 21. */
    snprintf(text, sizeof text, "%sprelithiation:\n  cathode_additive: {fraction: 5 %%}\n", HAND);
    expect_error(text, "t.yaml:21:32: prelithiation.cathode_additive.fraction: ",
                 "expected at most 1 - cathode.active_fraction = 0.04, got 0.05");
    snprintf(text, sizeof text,
             "%sprelithiation:\n  cathode_additive: {material: Li2O2, fraction: 2 %%}\n", HAND);
    expect_error(text, "t.yaml:21:21: prelithiation.cathode_additive.specific_capacity: ",
                 "built in only for Li5FeO4");
    snprintf(text, sizeof text, "%sprelithiation:\n  anode_lithium: {compensation: -10 %%}\n",
             HAND);
    expect_error(text, "t.yaml:21:33: prelithiation.anode_lithium.compensation: ", ">= 0");
}

static void test_bad_files(void **state)
{
    (void)state;
    ct_cell_design d;
    ct_error err;
    assert_int_equal(ct_cell_design_load("/nonexistent/cell.yaml", &d, &err), CT_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/cell.yaml: cannot open"));
    expect_error("", "t.yaml:1:1: top level: ", "got an empty file");
    expect_error("- a\n- b\n", "t.yaml:1:1: top level: ", "got a list");
    expect_error("cathode: {material: [\n", "t.yaml:", "syntax error");
}

/* A design built in code is checked as a file would be, by field name. */
static void test_compute_checks_fields(void **state)
{
    (void)state;
    ct_cell_design d;
    ct_cell_result r;
    ct_error err;
    load_ok(HAND, &d, &r);

    ct_cell_design bad = d;
    bad.cathode.loading_kg_m2 = -0.2;
    assert_int_equal(ct_cell_design_compute(&bad, &r, &err), CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "cathode.loading_kg_m2: expected a value > 0, got -0.2"));

    bad = d;
    bad.anode.materials[0].initial_efficiency = 0;
    assert_int_equal(ct_cell_design_compute(&bad, &r, &err), CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "anode.materials[0].initial_efficiency"));

    bad = d;
    bad.housing_mass_kg = -1;
    assert_int_equal(ct_cell_design_compute(&bad, &r, &err), CT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "housing_mass_kg"));

    /* The factory model's use: vary the loading and recompute. 10 % more
     * cathode gives 10 % more cathode capacity, 3.264 x 1.1 = 3.5904 Ah. */
    ct_cell_design more = d;
    more.cathode.loading_kg_m2 *= 1.1;
    assert_int_equal(ct_cell_design_compute(&more, &r, &err), CT_OK);
    assert_close(r.cathode.capacity_ah, 3.5904, REL);

    assert_non_null(ct_cell_material_find("lfp"));
    assert_null(ct_cell_material_find("unobtainium"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_lfp_graphite),
        cmocka_unit_test(test_capacity_override_and_thickness),
        cmocka_unit_test(test_siox_prelithiation),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_bad_loading),
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_bad_materials),
        cmocka_unit_test(test_bad_prelithiation),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_compute_checks_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
