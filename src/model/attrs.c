/*
 * attrs.c - the name and dimension of each quality attribute (attrs.h),
 * generated from the same X-macro tables as the attribute enums, so the
 * name a control plan writes ("leakage_current") and the unit its limits
 * are read in ("1 mA") cannot drift from the index a unit carries.
 */
#include "model/attrs.h"

#define CTI_ATTR_INFO(id, name, dim) [CTI_M_##id] = { name, dim },
const cti_attr_info cti_material_attr_info[CTI_M__COUNT] = { CTI_MATERIAL_ATTRS(CTI_ATTR_INFO) };
#undef CTI_ATTR_INFO

#define CTI_ATTR_INFO(id, name, dim) [CTI_C_##id] = { name, dim },
const cti_attr_info cti_cell_attr_info[CTI_C__COUNT] = { CTI_CELL_ATTRS(CTI_ATTR_INFO) };
#undef CTI_ATTR_INFO
