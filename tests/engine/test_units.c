/*
 * test_units.c - ct_quantity_parse and the dimension table: every
 * dimension with a few units and spellings, the conversions to base units,
 * the errors (with the text a user will read), and the examples shown in
 * messages, which must themselves parse.
 *
 * Reference values are unit definitions (SI brochure, 9th ed.; 1 bar =
 * 1e5 Pa; 1 cP = 1 mPa.s; 0 C = 273.15 K; 1 Pa.m3/s = 10 mbar.L/s).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "celltwin/units.h"
#include "engine/units_internal.h"

typedef struct good_case {
    const char *text;
    ct_dim dim;
    double want;          /* in base units */
} good_case;

static const good_case GOOD[] = {
    /* dimensionless */
    {"0.96", CT_DIM_NONE, 0.96},
    {"96 %", CT_DIM_NONE, 0.96},
    {"96%", CT_DIM_NONE, 0.96},
    {"2.5 wt.%", CT_DIM_NONE, 0.025},
    {"2.5wt%", CT_DIM_NONE, 0.025},
    /* time */
    {"2 min", CT_DIM_TIME, 120},
    {"3 h", CT_DIM_TIME, 10800},
    {"7 d", CT_DIM_TIME, 604800},
    {"1 wk", CT_DIM_TIME, 604800},
    {"250 ms", CT_DIM_TIME, 0.25},
    {"3600", CT_DIM_TIME, 3600},
    {"2h", CT_DIM_TIME, 7200},
    {"  30 s  ", CT_DIM_TIME, 30},
    {"\t1.5\th\t", CT_DIM_TIME, 5400},
    {".5 h", CT_DIM_TIME, 1800},
    {"5. s", CT_DIM_TIME, 5},
    {"+4 s", CT_DIM_TIME, 4},
    {"-4 s", CT_DIM_TIME, -4},
    {"1e3 s", CT_DIM_TIME, 1000},
    {"1E-3s", CT_DIM_TIME, 0.001},
    /* length */
    {"550mm", CT_DIM_LENGTH, 0.55},
    {"550 mm", CT_DIM_LENGTH, 0.55},
    {"12 um", CT_DIM_LENGTH, 12e-6},
    {"12 \xC2\xB5m", CT_DIM_LENGTH, 12e-6},   /* U+00B5 micro sign */
    {"12 \xCE\xBCm", CT_DIM_LENGTH, 12e-6},   /* U+03BC greek mu */
    {"3 cm", CT_DIM_LENGTH, 0.03},
    {"1.2 km", CT_DIM_LENGTH, 1200},
    {"2", CT_DIM_LENGTH, 2},
    /* area */
    {"1.5 m2", CT_DIM_AREA, 1.5},
    {"1.5 m^2", CT_DIM_AREA, 1.5},
    {"1.5 m\xC2\xB2", CT_DIM_AREA, 1.5},      /* m² */
    {"100 cm2", CT_DIM_AREA, 0.01},
    {"100 mm2", CT_DIM_AREA, 1e-4},
    /* speed */
    {"60 m/min", CT_DIM_SPEED, 1},
    {"60m/min", CT_DIM_SPEED, 1},
    {"3600 m/h", CT_DIM_SPEED, 1},
    {"500 mm/s", CT_DIM_SPEED, 0.5},
    {"2 m/s", CT_DIM_SPEED, 2},
    /* mass */
    {"250 g", CT_DIM_MASS, 0.25},
    {"20 mg", CT_DIM_MASS, 20e-6},
    {"1.5 t", CT_DIM_MASS, 1500},
    {"25 kg", CT_DIM_MASS, 25},
    /* areal mass: 1 mg/cm2 = 1e-6 kg / 1e-4 m2 = 0.01 kg/m2 */
    {"20 mg/cm2", CT_DIM_AREAL_MASS, 0.2},
    {"20 mg/cm^2", CT_DIM_AREAL_MASS, 0.2},
    {"20 mg/cm\xC2\xB2", CT_DIM_AREAL_MASS, 0.2},
    {"200 g/m2", CT_DIM_AREAL_MASS, 0.2},
    {"0.2 kg/m2", CT_DIM_AREAL_MASS, 0.2},
    /* price per mass */
    {"20 usd/kg", CT_DIM_PRICE_MASS, 20},
    {"20 USD/kg", CT_DIM_PRICE_MASS, 20},
    {"0.02 usd/g", CT_DIM_PRICE_MASS, 20},
    {"20000 usd/t", CT_DIM_PRICE_MASS, 20},
    /* money: musd is million usd */
    {"1500 usd", CT_DIM_MONEY, 1500},
    {"1500 USD", CT_DIM_MONEY, 1500},
    {"1.5 kusd", CT_DIM_MONEY, 1500},
    {"1.5 kUSD", CT_DIM_MONEY, 1500},
    {"1.5 musd", CT_DIM_MONEY, 1.5e6},
    {"1.5 MUSD", CT_DIM_MONEY, 1.5e6},
    /* energy: 1 Wh = 3600 J */
    {"12 kWh", CT_DIM_ENERGY, 12000},
    {"3 MWh", CT_DIM_ENERGY, 3e6},
    {"2 GWh", CT_DIM_ENERGY, 2e9},
    {"7200 J", CT_DIM_ENERGY, 2},
    {"36 kJ", CT_DIM_ENERGY, 10},
    {"3.6 MJ", CT_DIM_ENERGY, 1000},
    /* charge */
    {"5000 mAh", CT_DIM_CHARGE, 5},
    {"5 Ah", CT_DIM_CHARGE, 5},
    /* voltage, current, resistance */
    {"3700 mV", CT_DIM_VOLTAGE, 3.7},
    {"1.2 kV", CT_DIM_VOLTAGE, 1200},
    {"4.2 V", CT_DIM_VOLTAGE, 4.2},
    {"500 uA", CT_DIM_CURRENT, 5e-4},
    {"500 \xC2\xB5" "A", CT_DIM_CURRENT, 5e-4},
    {"250 mA", CT_DIM_CURRENT, 0.25},
    {"20 mohm", CT_DIM_RESISTANCE, 0.02},
    {"20 m\xCE\xA9", CT_DIM_RESISTANCE, 0.02},          /* U+03A9 */
    {"2 k\xE2\x84\xA6", CT_DIM_RESISTANCE, 2000},       /* U+2126 ohm sign */
    {"1 Mohm", CT_DIM_RESISTANCE, 1e6},
    /* temperature: base C */
    {"45 C", CT_DIM_TEMPERATURE, 45},
    {"45 \xC2\xB0" "C", CT_DIM_TEMPERATURE, 45},         /* °C */
    {"298.15 K", CT_DIM_TEMPERATURE, 25},
    {"0 K", CT_DIM_TEMPERATURE, -273.15},
    {"-20 C", CT_DIM_TEMPERATURE, -20},
    /* power, pressure, viscosity */
    {"50 kW", CT_DIM_POWER, 50000},
    {"2 MW", CT_DIM_POWER, 2e6},
    {"2 bar", CT_DIM_PRESSURE, 2e5},
    {"10 mbar", CT_DIM_PRESSURE, 1000},
    {"101.325 kPa", CT_DIM_PRESSURE, 101325},
    {"1.5 MPa", CT_DIM_PRESSURE, 1.5e6},
    {"3000 mPa.s", CT_DIM_VISCOSITY, 3},
    {"3000 mPa\xC2\xB7s", CT_DIM_VISCOSITY, 3},         /* middle dot */
    {"3000 cP", CT_DIM_VISCOSITY, 3},
    {"3 Pa.s", CT_DIM_VISCOSITY, 3},
    /* line load */
    {"500 N/mm", CT_DIM_FORCE_LENGTH, 5e5},
    {"500 kN/m", CT_DIM_FORCE_LENGTH, 5e5},
    /* frequency */
    {"1500 rpm", CT_DIM_FREQUENCY, 25},
    {"2 kHz", CT_DIM_FREQUENCY, 2000},
    {"50 Hz", CT_DIM_FREQUENCY, 50},
    /* volume */
    {"2 L", CT_DIM_VOLUME, 2e-3},
    {"500 mL", CT_DIM_VOLUME, 5e-4},
    {"0.5 m3", CT_DIM_VOLUME, 0.5},
    {"0.5 m\xC2\xB3", CT_DIM_VOLUME, 0.5},
    /* specific charge: 1 mAh/g = 1 Ah/kg */
    {"160 mAh/g", CT_DIM_SPECIFIC_CHARGE, 160},
    {"160 Ah/kg", CT_DIM_SPECIFIC_CHARGE, 160},
    /* leak rate: 1 Pa.m3/s = 10 mbar.L/s */
    {"1e-6 mbar.L/s", CT_DIM_LEAK_RATE, 1e-6},
    {"1e-7 Pa.m3/s", CT_DIM_LEAK_RATE, 1e-6},
    /* voltage drift */
    {"2 mV/d", CT_DIM_VOLTAGE_RATE, 2e-3 / 86400},
    {"7 mV/wk", CT_DIM_VOLTAGE_RATE, 7e-3 / 604800},
    {"3.6 mV/h", CT_DIM_VOLTAGE_RATE, 1e-6},
    {"1 V/s", CT_DIM_VOLTAGE_RATE, 1},
};

/* Conversions are one multiply and one divide by exact table constants, so
 * 1e-14 relative covers their rounding; 298.15 K -> 25 C loses digits to
 * cancellation (about 300 * 2^-52 absolute), hence the absolute floor. */
static void test_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof GOOD / sizeof GOOD[0]; i++) {
        double v = -12345;
        char why[256] = "unchanged";
        ct_status st = ct_quantity_parse(GOOD[i].text, GOOD[i].dim, false, &v, why, sizeof why);
        if (st != CT_OK)
            fail_msg("\"%s\": status %d, %s", GOOD[i].text, (int)st, why);
        double tol = fmax(1e-14 * fabs(GOOD[i].want), 1e-12);
        if (!(fabs(v - GOOD[i].want) <= tol))
            fail_msg("\"%s\": got %.17g, want %.17g", GOOD[i].text, v, GOOD[i].want);
    }
}

/* Decimal prefixes divide by an exact power of ten, so an integer count
 * lands on the double nearest the decimal result: "550mm" == 0.55 exactly,
 * "60 m/min" == 1 exactly. */
static void test_exact_conversions(void **state)
{
    (void)state;
    double v;
    assert_int_equal(ct_quantity_parse("550mm", CT_DIM_LENGTH, false, &v, NULL, 0), CT_OK);
    assert_true(v == 0.55);
    assert_int_equal(ct_quantity_parse("60 m/min", CT_DIM_SPEED, false, &v, NULL, 0), CT_OK);
    assert_true(v == 1.0);
    assert_int_equal(ct_quantity_parse("96 %", CT_DIM_NONE, false, &v, NULL, 0), CT_OK);
    assert_true(v == 0.96);
    assert_int_equal(ct_quantity_parse("20 mg/cm2", CT_DIM_AREAL_MASS, false, &v, NULL, 0), CT_OK);
    assert_true(v == 0.2);
}

typedef struct bad_case {
    const char *text;
    ct_dim dim;
    bool require_unit;
    const char *phrase;   /* must appear in why */
} bad_case;

static const bad_case BAD[] = {
    {"60 kg", CT_DIM_SPEED, false, "expected a speed such as \"60 m/min\", got \"60 kg\""},
    {"60 kg", CT_DIM_SPEED, false, "speed units: mm/s, m/s, m/min, m/h"},
    {"abc", CT_DIM_TIME, false, "expected a time such as \"2 min\", got \"abc\""},
    {"", CT_DIM_TIME, false, "expected a time such as \"2 min\", got \"\""},
    {"   ", CT_DIM_TIME, false, "got \"\""},
    {"5 m/min/s", CT_DIM_SPEED, false, "got \"5 m/min/s\""},
    {"20", CT_DIM_AREAL_MASS, true, "expected a unit, such as \"20 mg/cm2\", got \"20\""},
    {"5 MAh", CT_DIM_CHARGE, false, "expected a charge such as"},   /* case matters */
    {"5 mah", CT_DIM_CHARGE, false, "expected a charge such as"},
    {"1 mWh", CT_DIM_ENERGY, false, "expected an energy such as"},
    {"5 KG", CT_DIM_MASS, false, "expected a mass such as"},
    {"nan", CT_DIM_TIME, false, "got \"nan\""},
    {"NaN", CT_DIM_TIME, false, "got \"NaN\""},
    {"inf", CT_DIM_TIME, false, "got \"inf\""},
    {"-inf", CT_DIM_TIME, false, "got \"-inf\""},
    {".inf", CT_DIM_TIME, false, "got \".inf\""},
    {"infinity s", CT_DIM_TIME, false, "expected a time"},
    {"0x10", CT_DIM_TIME, false, "got \"0x10\""},           /* no hex floats */
    {"1e999", CT_DIM_TIME, false, "got \"1e999\" (out of range)"},
    {"1e308 km", CT_DIM_LENGTH, false, "got \"1e308 km\" (out of range)"},
    {"5 s extra", CT_DIM_TIME, false, "got \"5 s extra\""},
    {"5 5", CT_DIM_TIME, false, "got \"5 5\""},
    {"--5", CT_DIM_TIME, false, "got \"--5\""},
    {"1.2.3", CT_DIM_TIME, false, "got \"1.2.3\""},
    {".", CT_DIM_TIME, false, "got \".\""},
    {"e5", CT_DIM_TIME, false, "got \"e5\""},
    {"min", CT_DIM_TIME, false, "got \"min\""},
    {"5 mAh", CT_DIM_TIME, false, "expected a time such as \"2 min\""},
    {"45 C", CT_DIM_CHARGE, false, "expected a charge"},      /* C is a temperature here */
    {"5 m /min", CT_DIM_SPEED, false, "expected a speed"},
    {"5 m^4", CT_DIM_AREA, false, "expected an area"},
};

static void test_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        double v = -12345;
        char why[512] = "";
        ct_status st = ct_quantity_parse(BAD[i].text, BAD[i].dim, BAD[i].require_unit, &v, why,
                                         sizeof why);
        if (st != CT_ERR_PARSE)
            fail_msg("\"%s\": status %d, want CT_ERR_PARSE (value %g)", BAD[i].text, (int)st, v);
        if (strstr(why, BAD[i].phrase) == NULL)
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", BAD[i].text, why, BAD[i].phrase);
        assert_true(v == -12345);   /* out untouched on failure */
    }
}

/* require_unit accepts numbers with units and ignores dimensionless ones
 * (a yield of "0.96" has no unit to give). */
static void test_require_unit(void **state)
{
    (void)state;
    double v;
    assert_int_equal(ct_quantity_parse("20 mg/cm2", CT_DIM_AREAL_MASS, true, &v, NULL, 0), CT_OK);
    assert_true(v == 0.2);
    assert_int_equal(ct_quantity_parse("0.96", CT_DIM_NONE, true, &v, NULL, 0), CT_OK);
    assert_true(v == 0.96);
    assert_int_equal(ct_quantity_parse("3600", CT_DIM_TIME, true, &v, NULL, 0), CT_ERR_PARSE);
}

/* Every dimension has a base unit and an example; the example parses with
 * require_unit, and "1 <base unit>" is 1. */
static void test_dim_table(void **state)
{
    (void)state;
    for (int d = 0; d < CT_DIM__COUNT; d++) {
        const char *base = ct_dim_base_unit((ct_dim)d);
        const char *ex = ct_dim_example((ct_dim)d);
        assert_non_null(base);
        assert_non_null(ex);
        assert_true(ex[0] != '\0');
        assert_true(strncmp(cti_dim_noun((ct_dim)d), "a", 1) == 0);
        double v;
        char why[256] = "";
        if (ct_quantity_parse(ex, (ct_dim)d, true, &v, why, sizeof why) != CT_OK)
            fail_msg("dim %d: example \"%s\" does not parse: %s", d, ex, why);
        if (base[0] != '\0') {
            char one[64];
            snprintf(one, sizeof one, "1 %s", base);
            if (ct_quantity_parse(one, (ct_dim)d, true, &v, why, sizeof why) != CT_OK)
                fail_msg("dim %d: \"%s\" does not parse: %s", d, one, why);
            if (v != 1.0)
                fail_msg("dim %d: \"%s\" is %.17g, not 1", d, one, v);
        }
    }
    assert_string_equal(ct_dim_base_unit(CT_DIM_SPEED), "m/s");
    assert_string_equal(ct_dim_example(CT_DIM_SPEED), "60 m/min");
    assert_string_equal(ct_dim_base_unit(CT_DIM_TEMPERATURE), "C");
}

/* A spread in K is the same spread in C: differences skip the offset. */
static void test_difference(void **state)
{
    (void)state;
    double v;
    const char *t = "2 K";
    assert_int_equal(cti_quantity_parse_n(t, strlen(t), CT_DIM_TEMPERATURE, false, true, &v,
                                          NULL, 0), CT_OK);
    assert_true(v == 2.0);
    assert_int_equal(cti_quantity_parse_n(t, strlen(t), CT_DIM_TEMPERATURE, false, false, &v,
                                          NULL, 0), CT_OK);
    assert_true(fabs(v - (2.0 - 273.15)) < 1e-12);
    /* a slice of a longer string, not NUL-terminated at len */
    const char *s = "5 min, 6 min";
    assert_int_equal(cti_quantity_parse_n(s, 5, CT_DIM_TIME, false, false, &v, NULL, 0), CT_OK);
    assert_true(v == 300.0);
}

/* Tiny or missing message buffers are safe and still NUL-terminated. */
static void test_why_buffers(void **state)
{
    (void)state;
    double v;
    assert_int_equal(ct_quantity_parse("60 kg", CT_DIM_SPEED, false, &v, NULL, 0), CT_ERR_PARSE);
    char why[8];
    memset(why, 'x', sizeof why);
    assert_int_equal(ct_quantity_parse("60 kg", CT_DIM_SPEED, false, &v, why, sizeof why),
                     CT_ERR_PARSE);
    assert_true(memchr(why, '\0', sizeof why) != NULL);
    assert_int_equal(ct_quantity_parse("60 kg", CT_DIM_SPEED, false, &v, why, 1), CT_ERR_PARSE);
    assert_int_equal(why[0], '\0');
    /* long input is quoted in part, the message stays bounded */
    char longtext[400];
    memset(longtext, '9', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    longtext[0] = 'x';
    char big[1024];
    assert_int_equal(ct_quantity_parse(longtext, CT_DIM_TIME, false, &v, big, sizeof big),
                     CT_ERR_PARSE);
    assert_non_null(strstr(big, "...\""));
    assert_true(strlen(big) < 200);
}

static void test_duration_parse(void **state)
{
    (void)state;
    double s;
    assert_int_equal(ct_duration_parse("30 d", &s, NULL, 0), CT_OK);
    assert_true(s == 30 * 86400.0);
    assert_int_equal(ct_duration_parse("2h", &s, NULL, 0), CT_OK);
    assert_true(s == 7200.0);
    assert_int_equal(ct_duration_parse("3600", &s, NULL, 0), CT_OK);
    assert_true(s == 3600.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_exact_conversions),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_require_unit),
        cmocka_unit_test(test_dim_table),
        cmocka_unit_test(test_difference),
        cmocka_unit_test(test_why_buffers),
        cmocka_unit_test(test_duration_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
