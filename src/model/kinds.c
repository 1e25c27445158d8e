/*
 * kinds.c - the registry of station kinds: the name a factory file uses in
 * `kind:` and the table of functions behind it (kind.h).
 */
#include <stdio.h>
#include <string.h>

#include "model/kind.h"
#include "model/kinds_electrode.h"
#include "model/kinds_assembly.h"
#include "model/kinds_finishing.h"
#include "model/kinds_dry.h"
#include "model/kinds_prelithiation.h"

/* Each kind's file defines its table. */
static const cti_kind *const kinds[] = {
    &cti_kind_mixer, &cti_kind_coater, &cti_kind_calender, &cti_kind_slitter,
    &cti_kind_notcher, &cti_kind_stacker, &cti_kind_hipot, &cti_kind_welder,
    &cti_kind_leak_test, &cti_kind_vacuum_oven, &cti_kind_filler,
    &cti_kind_soaking, &cti_kind_formation, &cti_kind_degassing, &cti_kind_aging,
    &cti_kind_grader, &cti_kind_finisher,
    &cti_kind_dry_mixer, &cti_kind_dry_coater, &cti_kind_prelithiation,
    NULL,   /* the table ends with NULL */
};

const cti_kind *cti_kind_find(const char *name)
{
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

const cti_kind *cti_kind_at(size_t i)
{
    return i < sizeof kinds / sizeof kinds[0] ? kinds[i] : NULL;
}

void cti_kind_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; kinds[i] && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", kinds[i]->name);
    if (!kinds[0])
        snprintf(buf, len, "(none built in)");
}
