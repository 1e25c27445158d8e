/*
 * units.h - quantities with units, as written in factory files and on the
 * command line: "2 min", "3 h", "7 d", "60 m/min", "550mm", "20 mg/cm2",
 * "20 usd/kg", "45 C". A bare number means the dimension's base unit.
 *
 * Every value is converted to the dimension's base (SI-like) unit, named in
 * the table below, so the rest of celltwin computes in one system.
 */
#ifndef CELLTWIN_UNITS_H
#define CELLTWIN_UNITS_H

#include <stdbool.h>
#include <stddef.h>

#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Dimensions with their base unit (what a bare number means). */
typedef enum ct_dim {
    CT_DIM_NONE = 0,     /* dimensionless: "0.96", "96 %" */
    CT_DIM_TIME,         /* s: ms, s, min, h, d, wk */
    CT_DIM_LENGTH,       /* m: um, mm, cm, m, km */
    CT_DIM_AREA,         /* m2: mm2, cm2, m2 */
    CT_DIM_SPEED,        /* m/s: mm/s, m/s, m/min, m/h, um/h */
    CT_DIM_MASS,         /* kg: mg, g, kg, t */
    CT_DIM_AREAL_MASS,   /* kg/m2: mg/cm2, g/m2, kg/m2 */
    CT_DIM_PRICE_MASS,   /* usd/kg: usd/kg, usd/g, usd/t */
    CT_DIM_MONEY,        /* usd: usd, kusd, musd */
    CT_DIM_ENERGY,       /* Wh: Wh, kWh, MWh, GWh, J, kJ, MJ */
    CT_DIM_CHARGE,       /* Ah: mAh, Ah */
    CT_DIM_VOLTAGE,      /* V: mV, V, kV */
    CT_DIM_CURRENT,      /* A: uA, mA, A */
    CT_DIM_RESISTANCE,   /* ohm: mohm, ohm, kohm, Mohm */
    CT_DIM_TEMPERATURE,  /* C: C, K (converted to C) */
    CT_DIM_POWER,        /* W: W, kW, MW */
    CT_DIM_PRESSURE,     /* Pa: Pa, kPa, MPa, bar, mbar */
    CT_DIM_VISCOSITY,    /* Pa.s: mPa.s, Pa.s, cP */
    CT_DIM_FORCE_LENGTH, /* N/m: N/mm, kN/m, N/m (calender line load) */
    CT_DIM_FREQUENCY,    /* Hz: Hz, kHz, MHz, rpm (converted to Hz) */
    CT_DIM_VOLUME,       /* m3: mL, L, m3 */
    CT_DIM_SPECIFIC_CHARGE, /* Ah/kg: mAh/g, Ah/kg */
    CT_DIM_LEAK_RATE,    /* mbar.L/s: mbar.L/s, Pa.m3/s */
    CT_DIM_VOLTAGE_RATE, /* V/s: mV/d, mV/wk, mV/h, V/s */
    CT_DIM_DENSITY,      /* kg/m3: kg/m3, g/cm3, g/mL */
    CT_DIM_PRICE_ENERGY, /* usd/kWh: usd/kWh, usd/MWh (electricity price) */
    CT_DIM_PRICE_TIME,   /* usd/h: usd/h (labour rate) */
    CT_DIM_POWER_AREA,   /* W/m2: W/m2, kW/m2 (room power per floor area) */
    CT_DIM__COUNT
} ct_dim;

/* Name of the base unit of dim ("s", "m/s", ...). */
const char *ct_dim_base_unit(ct_dim dim);

/* A short example of a valid quantity of dim, for error messages
 * ("60 m/min", "20 mg/cm2"). */
const char *ct_dim_example(ct_dim dim);

/* Parses text (a number, optional spaces, optional unit) as a quantity of
 * dimension dim and stores it in base units. Leading/trailing spaces are
 * allowed. A number without a unit is taken in base units, except when
 * require_unit is true (then it is an error: "a loading without units").
 * On failure returns CT_ERR_PARSE and writes what was expected into why
 * (e.g. "expected a speed such as \"60 m/min\", got \"60 kg\""). */
ct_status ct_quantity_parse(const char *text, ct_dim dim, bool require_unit,
                            double *out, char *why, size_t whylen);

/* Parses a duration for the command line ("30 d", "3600", "2h"). */
static inline ct_status ct_duration_parse(const char *text, double *seconds,
                                          char *why, size_t whylen)
{
    return ct_quantity_parse(text, CT_DIM_TIME, false, seconds, why, whylen);
}

#ifdef __cplusplus
}
#endif
#endif
