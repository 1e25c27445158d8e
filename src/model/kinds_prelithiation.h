/*
 * kinds_prelithiation.h - anode prelithiation as a station kind
 * (internal): `prelithiation` puts lithium on anode coils by one of the
 * three routes of the review (section 3.3): an electrochemical bath,
 * vacuum deposition of lithium metal, or a coating of stabilised lithium
 * metal powder (SLMP). The model functions are here too, pure, for tests:
 * the lithium the cell can use, the lithium bought, its cost and energy,
 * and the safety incidents (lithium reacting with the dry room's moisture)
 * whose stretches are cut out as scrap. Keys, defaults and their sources:
 * docs/kinds-electrode.md ("Prelithiation").
 */
#ifndef CELLTWIN_MODEL_KINDS_PRELITHIATION_H
#define CELLTWIN_MODEL_KINDS_PRELITHIATION_H

#include "celltwin/status.h"
#include "model/kind.h"

extern const cti_kind cti_kind_prelithiation;

/* Lithium's theoretical specific capacity, Ah/kg: F / (3600 x 6.94e-3). */
#define CTI_LITHIUM_AH_KG 3861.0

typedef enum cti_prelith_method {
    CTI_PRELITH_BATH = 0,    /* electrochemical bath: Li salt reduced on the anode */
    CTI_PRELITH_VACUUM = 1,  /* lithium metal evaporated onto the anode */
    CTI_PRELITH_SLMP = 2     /* stabilised lithium metal powder coated on */
} cti_prelith_method;

typedef struct cti_prelith_params {
    cti_prelith_method method;
    double lithium_kg_m2;          /* deposited per side */
    double width_m;                /* coated width treated across the web */
    int sides;
    double speed_m_s, max_speed_m_s;
    double utilization;            /* share of the deposited lithium that cycles */
    double deposition_yield;       /* deposited / bought */
    double lithium_cv;             /* coil-to-coil CV of the deposit */
    double price_usd_kg;           /* per kg of lithium bought (as metal, powder or salt) */
    double energy_kwh_per_kg;      /* per kg of lithium bought */
    double incident_spacing_m;     /* mean metres between incidents at the reference dew point */
    double incident_scrap_m;       /* metres cut out around one */
    double incident_stop_s;        /* line stop after one */
    double dew_point_c;            /* of the room the coil is treated in */
} cti_prelith_params;

/* Defaults of a method (values and reasons in docs/kinds-electrode.md). */
void cti_prelith_params_default(cti_prelith_params *p, cti_prelith_method m);

/* CT_OK, or CT_ERR_INVALID naming the field ("prelithiation.speed: ..."):
 * speed above the method's limit, more lithium than 1 mg/cm2 per side
 * (the review: vacuum layers below 10 um, 0.53 mg/cm2), dew point above
 * -20 C (lithium metal needs a dry room) or below -80 C, shares outside
 * (0, 1], ... */
ct_status cti_prelith_params_validate(const cti_prelith_params *p, ct_error *err);

/* Water vapour pressure over ice at dew point t_c relative to -40 C
 * (Magnus over ice: 6.112 exp(22.46 t / (272.62 + t)) hPa): the rate of
 * lithium's reaction with the room's moisture scales with it. */
double cti_prelith_moisture_factor(double dew_point_c);

/* Incidents per metre of web: moisture_factor / incident_spacing. */
double cti_prelith_incident_hazard_per_m(const cti_prelith_params *p);

/* Per metre of web: lithium bought (kg), its cost (USD) and energy (Wh),
 * for a deposit of lithium_kg_m2 per side. */
double cti_prelith_lithium_bought_kg_m(const cti_prelith_params *p, double lithium_kg_m2);

/* Charge the usable lithium of a sheet adds to a cell, Ah per m2 of
 * double-sided sheet: 2 x deposit x utilization x 3861 Ah/kg. */
double cti_prelith_charge_ah_m2(const cti_prelith_params *p, double lithium_kg_m2);

#endif
