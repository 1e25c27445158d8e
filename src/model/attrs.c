/*
 * attrs.c - the name and dimension of each quality attribute (attrs.h),
 * generated from the same X-macro tables as the attribute enums, so the
 * name a control plan writes ("leakage_current") and the unit its limits
 * are read in ("1 mA") cannot drift from the index a unit carries.
 */
#include "model/attrs.h"

#include "celltwin/observer.h"

#define CTI_ATTR_INFO(id, name, dim) [CTI_M_##id] = { name, dim },
const cti_attr_info cti_material_attr_info[CTI_M__COUNT] = { CTI_MATERIAL_ATTRS(CTI_ATTR_INFO) };
#undef CTI_ATTR_INFO

#define CTI_ATTR_INFO(id, name, dim) [CTI_C_##id] = { name, dim },
const cti_attr_info cti_cell_attr_info[CTI_C__COUNT] = { CTI_CELL_ATTRS(CTI_ATTR_INFO) };
#undef CTI_ATTR_INFO

/* The same names and base units for the public observer API (observer.h). */
#define CTI_ATTR_NAME(id, name, dim) name,
#define CTI_ATTR_UNIT(id, name, dim) dim,
static const ct_dim material_dims[] = { CTI_MATERIAL_ATTRS(CTI_ATTR_UNIT) };
static const ct_dim cell_dims[] = { CTI_CELL_ATTRS(CTI_ATTR_UNIT) };
const char *const ct_material_attr_names[] = { CTI_MATERIAL_ATTRS(CTI_ATTR_NAME) };
const char *const ct_cell_attr_names[] = { CTI_CELL_ATTRS(CTI_ATTR_NAME) };
#undef CTI_ATTR_NAME
#undef CTI_ATTR_UNIT
const int ct_material_attr_count = CTI_M__COUNT;
const int ct_cell_attr_count = CTI_C__COUNT;

const char *ct_material_attr_unit(int i)
{
    return i >= 0 && i < CTI_M__COUNT ? ct_dim_base_unit(material_dims[i]) : "";
}

const char *ct_cell_attr_unit(int i)
{
    return i >= 0 && i < CTI_C__COUNT ? ct_dim_base_unit(cell_dims[i]) : "";
}
