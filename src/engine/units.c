/*
 * units.c - reads quantities such as "60 m/min", "550mm" or "20 mg/cm2" and
 * converts them to the base unit of their dimension (units.h lists them).
 *
 * All units live in one table of {dimension, unit text, scale, offset}; the
 * parser splits the text into a number and a unit, folds a few spellings
 * (µm/um, m²/m^2/m2, USD/usd, Ω/ohm) and looks the unit up for the expected
 * dimension only, so "45 C" is a temperature and never a charge. Unit
 * lookup is case-sensitive on purpose: "mAh" is a milliampere-hour, "MAh"
 * would be a megaampere-hour and is rejected rather than guessed.
 */
#include "engine/units_internal.h"

#include <assert.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What each dimension is called, what a bare number means, and an example
 * that is shown in messages (and must itself parse: test_units checks). */
typedef struct dim_info {
    const char *noun;     /* with article, for "expected a speed such as" */
    const char *name;     /* bare, for "speed units: ..." */
    const char *base;
    const char *example;
} dim_info;

static const dim_info DIMS[] = {
    [CT_DIM_NONE]            = {"a number", "dimensionless", "", "0.96"},
    [CT_DIM_TIME]            = {"a time", "time", "s", "2 min"},
    [CT_DIM_LENGTH]          = {"a length", "length", "m", "550 mm"},
    [CT_DIM_AREA]            = {"an area", "area", "m2", "1.2 m2"},
    [CT_DIM_SPEED]           = {"a speed", "speed", "m/s", "60 m/min"},
    [CT_DIM_MASS]            = {"a mass", "mass", "kg", "25 kg"},
    [CT_DIM_AREAL_MASS]      = {"an areal mass", "areal mass", "kg/m2", "20 mg/cm2"},
    [CT_DIM_PRICE_MASS]      = {"a price per mass", "price per mass", "usd/kg", "20 usd/kg"},
    [CT_DIM_MONEY]           = {"an amount of money", "money", "usd", "1.5 musd"},
    [CT_DIM_ENERGY]          = {"an energy", "energy", "Wh", "12 kWh"},
    [CT_DIM_CHARGE]          = {"a charge", "charge", "Ah", "5 Ah"},
    [CT_DIM_VOLTAGE]         = {"a voltage", "voltage", "V", "3.7 V"},
    [CT_DIM_CURRENT]         = {"a current", "current", "A", "2 A"},
    [CT_DIM_RESISTANCE]      = {"a resistance", "resistance", "ohm", "20 mohm"},
    [CT_DIM_TEMPERATURE]     = {"a temperature", "temperature", "C", "45 C"},
    [CT_DIM_POWER]           = {"a power", "power", "W", "50 kW"},
    [CT_DIM_PRESSURE]        = {"a pressure", "pressure", "Pa", "2 bar"},
    [CT_DIM_VISCOSITY]       = {"a viscosity", "viscosity", "Pa.s", "3000 mPa.s"},
    [CT_DIM_FORCE_LENGTH]    = {"a line load", "line load", "N/m", "500 N/mm"},
    [CT_DIM_FREQUENCY]       = {"a frequency", "frequency", "Hz", "1500 rpm"},
    [CT_DIM_VOLUME]          = {"a volume", "volume", "m3", "2 L"},
    [CT_DIM_SPECIFIC_CHARGE] = {"a specific charge", "specific charge", "Ah/kg", "160 mAh/g"},
    [CT_DIM_LEAK_RATE]       = {"a leak rate", "leak rate", "mbar.L/s", "1e-6 mbar.L/s"},
    [CT_DIM_VOLTAGE_RATE]    = {"a voltage drift rate", "voltage drift rate", "V/s", "2 mV/d"},
    [CT_DIM_DENSITY]         = {"a density", "density", "kg/m3", "2.7 g/cm3"},
    [CT_DIM_PRICE_ENERGY]    = {"a price per energy", "price per energy", "usd/kWh", "0.12 usd/kWh"},
    [CT_DIM_PRICE_TIME]      = {"a price per time", "price per time", "usd/h", "45 usd/h"},
    [CT_DIM_POWER_AREA]      = {"a power per area", "power per area", "W/m2", "0.3 kW/m2"},
};
_Static_assert(sizeof DIMS / sizeof DIMS[0] == CT_DIM__COUNT,
               "every ct_dim needs a row in DIMS");

/* base = value * mul / div + offset. The scale is kept as a ratio rather
 * than one factor so that decimal prefixes divide exactly: "550mm" is
 * 550/1000, the double nearest 0.55, where 550*0.001 is one ulp off. */
typedef struct unit_def {
    ct_dim dim;
    const char *text;     /* as written after normalisation (see fold_unit) */
    double mul, div;
    double offset;        /* only for temperatures in K */
} unit_def;

static const unit_def UNITS[] = {
    {CT_DIM_NONE, "%", 1, 100, 0},
    {CT_DIM_NONE, "wt.%", 1, 100, 0},
    {CT_DIM_NONE, "wt%", 1, 100, 0},

    {CT_DIM_TIME, "ms", 1, 1000, 0},
    {CT_DIM_TIME, "s", 1, 1, 0},
    {CT_DIM_TIME, "min", 60, 1, 0},
    {CT_DIM_TIME, "h", 3600, 1, 0},
    {CT_DIM_TIME, "d", 86400, 1, 0},
    {CT_DIM_TIME, "wk", 604800, 1, 0},

    {CT_DIM_LENGTH, "um", 1, 1e6, 0},
    {CT_DIM_LENGTH, "mm", 1, 1e3, 0},
    {CT_DIM_LENGTH, "cm", 1, 1e2, 0},
    {CT_DIM_LENGTH, "m", 1, 1, 0},
    {CT_DIM_LENGTH, "km", 1e3, 1, 0},

    {CT_DIM_AREA, "mm2", 1, 1e6, 0},
    {CT_DIM_AREA, "cm2", 1, 1e4, 0},
    {CT_DIM_AREA, "m2", 1, 1, 0},

    {CT_DIM_SPEED, "mm/s", 1, 1e3, 0},
    {CT_DIM_SPEED, "m/s", 1, 1, 0},
    {CT_DIM_SPEED, "m/min", 1, 60, 0},
    {CT_DIM_SPEED, "m/h", 1, 3600, 0},
    /* slow drifts, such as agglomerates growing in a standing slurry */
    {CT_DIM_SPEED, "um/h", 1, 1e6 * 3600, 0},

    {CT_DIM_MASS, "mg", 1, 1e6, 0},
    {CT_DIM_MASS, "g", 1, 1e3, 0},
    {CT_DIM_MASS, "kg", 1, 1, 0},
    {CT_DIM_MASS, "t", 1e3, 1, 0},

    /* 1 mg/cm2 = 1e-6 kg / 1e-4 m2 = 0.01 kg/m2 */
    {CT_DIM_AREAL_MASS, "mg/cm2", 1, 100, 0},
    {CT_DIM_AREAL_MASS, "g/m2", 1, 1e3, 0},
    {CT_DIM_AREAL_MASS, "kg/m2", 1, 1, 0},

    {CT_DIM_PRICE_MASS, "usd/kg", 1, 1, 0},
    {CT_DIM_PRICE_MASS, "usd/g", 1e3, 1, 0},
    {CT_DIM_PRICE_MASS, "usd/t", 1, 1e3, 0},

    /* "musd" is million USD (finance usage), not milli; "Musd" is the same. */
    {CT_DIM_MONEY, "usd", 1, 1, 0},
    {CT_DIM_MONEY, "kusd", 1e3, 1, 0},
    {CT_DIM_MONEY, "musd", 1e6, 1, 0},
    {CT_DIM_MONEY, "Musd", 1e6, 1, 0},

    {CT_DIM_ENERGY, "Wh", 1, 1, 0},
    {CT_DIM_ENERGY, "kWh", 1e3, 1, 0},
    {CT_DIM_ENERGY, "MWh", 1e6, 1, 0},
    {CT_DIM_ENERGY, "GWh", 1e9, 1, 0},
    {CT_DIM_ENERGY, "J", 1, 3600, 0},
    {CT_DIM_ENERGY, "kJ", 1e3, 3600, 0},
    {CT_DIM_ENERGY, "MJ", 1e6, 3600, 0},

    {CT_DIM_CHARGE, "mAh", 1, 1e3, 0},
    {CT_DIM_CHARGE, "Ah", 1, 1, 0},

    {CT_DIM_VOLTAGE, "mV", 1, 1e3, 0},
    {CT_DIM_VOLTAGE, "V", 1, 1, 0},
    {CT_DIM_VOLTAGE, "kV", 1e3, 1, 0},

    {CT_DIM_CURRENT, "uA", 1, 1e6, 0},
    {CT_DIM_CURRENT, "mA", 1, 1e3, 0},
    {CT_DIM_CURRENT, "A", 1, 1, 0},

    {CT_DIM_RESISTANCE, "mohm", 1, 1e3, 0},
    {CT_DIM_RESISTANCE, "ohm", 1, 1, 0},
    {CT_DIM_RESISTANCE, "kohm", 1e3, 1, 0},
    {CT_DIM_RESISTANCE, "Mohm", 1e6, 1, 0},

    {CT_DIM_TEMPERATURE, "C", 1, 1, 0},
    {CT_DIM_TEMPERATURE, "K", 1, 1, -273.15},

    {CT_DIM_POWER, "W", 1, 1, 0},
    {CT_DIM_POWER, "kW", 1e3, 1, 0},
    {CT_DIM_POWER, "MW", 1e6, 1, 0},

    {CT_DIM_PRESSURE, "Pa", 1, 1, 0},
    {CT_DIM_PRESSURE, "kPa", 1e3, 1, 0},
    {CT_DIM_PRESSURE, "MPa", 1e6, 1, 0},
    {CT_DIM_PRESSURE, "bar", 1e5, 1, 0},
    {CT_DIM_PRESSURE, "mbar", 1e2, 1, 0},

    {CT_DIM_VISCOSITY, "mPa.s", 1, 1e3, 0},
    {CT_DIM_VISCOSITY, "Pa.s", 1, 1, 0},
    {CT_DIM_VISCOSITY, "cP", 1, 1e3, 0},

    {CT_DIM_FORCE_LENGTH, "N/mm", 1e3, 1, 0},
    {CT_DIM_FORCE_LENGTH, "kN/m", 1e3, 1, 0},
    {CT_DIM_FORCE_LENGTH, "N/m", 1, 1, 0},

    {CT_DIM_FREQUENCY, "Hz", 1, 1, 0},
    {CT_DIM_FREQUENCY, "kHz", 1e3, 1, 0},
    {CT_DIM_FREQUENCY, "MHz", 1e6, 1, 0},
    {CT_DIM_FREQUENCY, "rpm", 1, 60, 0},

    {CT_DIM_VOLUME, "mL", 1, 1e6, 0},
    {CT_DIM_VOLUME, "ml", 1, 1e6, 0},
    {CT_DIM_VOLUME, "L", 1, 1e3, 0},
    {CT_DIM_VOLUME, "l", 1, 1e3, 0},
    {CT_DIM_VOLUME, "m3", 1, 1, 0},

    /* 1 mAh/g = 1e-3 Ah / 1e-3 kg */
    {CT_DIM_SPECIFIC_CHARGE, "mAh/g", 1, 1, 0},
    {CT_DIM_SPECIFIC_CHARGE, "Ah/kg", 1, 1, 0},

    /* 1 Pa.m3/s = 1e-2 mbar * 1e3 L / s = 10 mbar.L/s */
    {CT_DIM_LEAK_RATE, "mbar.L/s", 1, 1, 0},
    {CT_DIM_LEAK_RATE, "Pa.m3/s", 10, 1, 0},

    {CT_DIM_VOLTAGE_RATE, "mV/d", 1, 1e3 * 86400, 0},
    {CT_DIM_VOLTAGE_RATE, "mV/wk", 1, 1e3 * 604800, 0},
    {CT_DIM_VOLTAGE_RATE, "mV/h", 1, 1e3 * 3600, 0},
    {CT_DIM_VOLTAGE_RATE, "mV/s", 1, 1e3, 0},
    {CT_DIM_VOLTAGE_RATE, "V/s", 1, 1, 0},

    /* 1 g/cm3 = 1e-3 kg / 1e-6 m3 */
    {CT_DIM_DENSITY, "kg/m3", 1, 1, 0},
    {CT_DIM_DENSITY, "g/cm3", 1e3, 1, 0},
    {CT_DIM_DENSITY, "g/mL", 1e3, 1, 0},

    /* economics (docs/economics.md) */
    {CT_DIM_PRICE_ENERGY, "usd/kWh", 1, 1, 0},
    {CT_DIM_PRICE_ENERGY, "usd/MWh", 1, 1e3, 0},
    {CT_DIM_PRICE_TIME, "usd/h", 1, 1, 0},
    {CT_DIM_POWER_AREA, "W/m2", 1, 1, 0},
    {CT_DIM_POWER_AREA, "kW/m2", 1e3, 1, 0},
};

enum {
    /* Longest input quoted back in a message: enough to recognise it,
     * short enough that the expectation still fits in a typical why[]. */
    QUOTE_MAX = 60,
    /* Longer units or numbers than these cannot be valid (the longest unit
     * is 8 bytes, and 128 digits are far past double precision). */
    UNIT_MAX = 32,
    NUMBER_MAX = 128
};

static bool valid_dim(ct_dim dim)
{
    return (unsigned)dim < (unsigned)CT_DIM__COUNT;
}

const char *ct_dim_base_unit(ct_dim dim)
{
    assert(valid_dim(dim));
    return valid_dim(dim) ? DIMS[dim].base : "";
}

const char *ct_dim_example(ct_dim dim)
{
    assert(valid_dim(dim));
    return valid_dim(dim) ? DIMS[dim].example : "";
}

const char *cti_dim_noun(ct_dim dim)
{
    assert(valid_dim(dim));
    return valid_dim(dim) ? DIMS[dim].noun : "a value";
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Appends to why, keeping it NUL-terminated whatever whylen is. */
static void why_append(char *why, size_t whylen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void why_append(char *why, size_t whylen, const char *fmt, ...)
{
    if (why == NULL || whylen == 0)
        return;
    const char *nul = memchr(why, '\0', whylen);
    size_t used = nul != NULL ? (size_t)(nul - why) : whylen;
    if (used + 1 >= whylen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + used, whylen - used, fmt, ap);
    va_end(ap);
}

/* Writes `"text"` (cut at QUOTE_MAX with "...") after whatever is in why. */
static void why_quote(char *why, size_t whylen, const char *text, size_t len)
{
    int shown = (int)(len > QUOTE_MAX ? QUOTE_MAX : len);
    why_append(why, whylen, "\"%.*s%s\"", shown, text, len > QUOTE_MAX ? "..." : "");
}

/* Length of the decimal number at the start of s, 0 if there is none.
 * Only [+-]digits[.digits][e[+-]digits]: strtod alone would also take
 * "inf", "nan" and hex floats, which have no place in a factory file. */
static size_t scan_number(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && is_digit(s[i])) {
        i++;
        digits++;
    }
    if (i < n && s[i] == '.') {
        size_t j = i + 1;
        while (j < n && is_digit(s[j])) {
            j++;
            digits++;
        }
        if (digits > 0)
            i = j;
    }
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1, exp_digits = 0;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        while (j < n && is_digit(s[j])) {
            j++;
            exp_digits++;
        }
        if (exp_digits > 0)
            i = j;
    }
    return i;
}

/* Converts an already validated number. strtod follows LC_NUMERIC: a
 * program that calls setlocale(LC_ALL, "") in, say, a German locale reads
 * "2.5" as 2. Files must mean the same everywhere, so if strtod stops short
 * the '.' is swapped for the locale's decimal point and tried again. The
 * swap is only looked up then, because localeconv() is not thread-safe and
 * the C locale (the default) never needs it. */
static bool convert_number(const char *s, size_t n, double *out)
{
    char buf[NUMBER_MAX];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + n) {
        char *dot = strchr(buf, '.');
        const char *dp = localeconv()->decimal_point;
        if (dot == NULL || dp == NULL || dp[0] == '\0' || dp[1] != '\0')
            return false;
        *dot = dp[0];
        v = strtod(buf, &end);
        if (end != buf + n)
            return false;
    }
    /* ERANGE on underflow still gives a usable (tiny or zero) value;
     * overflow gives HUGE_VAL, which the caller rejects as not finite. */
    *out = v;
    return true;
}

/* Spellings people type, folded into the table's spelling before lookup. */
static const struct {
    const char *from, *to;
} FOLDS[] = {
    {"\xC2\xB5", "u"},        /* U+00B5 micro sign: µm */
    {"\xCE\xBC", "u"},        /* U+03BC greek small mu: μm */
    {"\xC2\xB2", "2"},        /* U+00B2 superscript two: m² */
    {"\xC2\xB3", "3"},        /* U+00B3 superscript three: m³ */
    {"^2", "2"},
    {"^3", "3"},
    {"\xC2\xB7", "."},        /* U+00B7 middle dot: mPa·s */
    {"\xC2\xB0" "C", "C"},    /* degree sign: °C */
    {"\xCE\xA9", "ohm"},      /* U+03A9 greek capital omega: mΩ */
    {"\xE2\x84\xA6", "ohm"},  /* U+2126 ohm sign */
    {"USD", "usd"},
};

/* Writes the folded form of the n bytes at u into out. Returns false if it
 * does not fit (then it is no known unit anyway). */
static bool fold_unit(const char *u, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        const char *to = NULL;
        size_t adv = 1;
        for (size_t f = 0; f < sizeof FOLDS / sizeof FOLDS[0] && to == NULL; f++) {
            size_t flen = strlen(FOLDS[f].from);
            if (flen <= n - i && memcmp(u + i, FOLDS[f].from, flen) == 0) {
                to = FOLDS[f].to;
                adv = flen;
            }
        }
        size_t tlen = to != NULL ? strlen(to) : 1;
        if (o + tlen >= outlen)
            return false;
        if (to != NULL)
            memcpy(out + o, to, tlen);
        else
            out[o] = u[i];
        o += tlen;
        i += adv;
    }
    out[o] = '\0';
    return true;
}

static const unit_def *find_unit(ct_dim dim, const char *folded)
{
    for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++)
        if (UNITS[i].dim == dim && strcmp(UNITS[i].text, folded) == 0)
            return &UNITS[i];
    return NULL;
}

/* What fail_expected adds after the quoted input. */
typedef enum fail_hint {
    HINT_NONE,      /* not a number at all */
    HINT_UNITS,     /* a number with a unit this dimension does not have */
    HINT_RANGE      /* a number too large for a double */
} fail_hint;

/* The message for any input that is not a quantity of dim: what was
 * expected, what came, and, when a unit was given, the accepted units. */
static ct_status fail_expected(ct_dim dim, const char *text, size_t len,
                               fail_hint hint, char *why, size_t whylen)
{
    if (why != NULL && whylen > 0) {
        why[0] = '\0';
        why_append(why, whylen, "expected %s such as \"%s\", got ",
                   DIMS[dim].noun, DIMS[dim].example);
        why_quote(why, whylen, text, len);
        if (hint == HINT_RANGE)
            why_append(why, whylen, " (out of range)");
        if (hint == HINT_UNITS) {
            const char *sep = "";
            why_append(why, whylen, " (%s units: ", DIMS[dim].name);
            for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++) {
                if (UNITS[i].dim == dim) {
                    why_append(why, whylen, "%s%s", sep, UNITS[i].text);
                    sep = ", ";
                }
            }
            why_append(why, whylen, ")");
        }
    }
    return CT_ERR_PARSE;
}

ct_status cti_quantity_parse_n(const char *text, size_t len, ct_dim dim,
                               bool require_unit, bool is_difference,
                               double *out, char *why, size_t whylen)
{
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    assert(valid_dim(dim));
    if (!valid_dim(dim)) {
        why_append(why, whylen, "internal error: unknown dimension %d", (int)dim);
        return CT_ERR_INVALID;
    }
    if (text == NULL) {
        text = "";
        len = 0;
    }

    while (len > 0 && is_space(text[0]))
        text++, len--;
    while (len > 0 && is_space(text[len - 1]))
        len--;

    size_t nlen = scan_number(text, len);
    double value;
    if (nlen == 0 || !convert_number(text, nlen, &value))
        return fail_expected(dim, text, len, HINT_NONE, why, whylen);

    size_t u = nlen;
    while (u < len && is_space(text[u]))
        u++;

    if (u == len) {
        /* A bare number: the base unit. A dimensionless value never needs
         * one, so require_unit only bites for dimensions that have units. */
        if (require_unit && dim != CT_DIM_NONE) {
            why_append(why, whylen, "expected a unit, such as \"%s\", got ",
                       DIMS[dim].example);
            why_quote(why, whylen, text, len);
            return CT_ERR_PARSE;
        }
        if (!isfinite(value))
            return fail_expected(dim, text, len, HINT_RANGE, why, whylen);
        *out = value;
        return CT_OK;
    }

    char folded[UNIT_MAX];
    const unit_def *unit = NULL;
    if (memchr(text + u, '\0', len - u) == NULL &&
        fold_unit(text + u, len - u, folded, sizeof folded))
        unit = find_unit(dim, folded);
    if (unit == NULL)
        return fail_expected(dim, text, len, HINT_UNITS, why, whylen);

    double base = value * unit->mul / unit->div;
    if (!is_difference)
        base += unit->offset;
    if (!isfinite(base))
        return fail_expected(dim, text, len, HINT_RANGE, why, whylen);
    *out = base;
    return CT_OK;
}

ct_status ct_quantity_parse(const char *text, ct_dim dim, bool require_unit,
                            double *out, char *why, size_t whylen)
{
    return cti_quantity_parse_n(text, text != NULL ? strlen(text) : 0, dim,
                                require_unit, false, out, why, whylen);
}
