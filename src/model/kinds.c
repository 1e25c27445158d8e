/*
 * kinds.c - the registry of station kinds: the name a factory file uses in
 * `kind:` and the table of functions behind it (kind.h).
 */
#include <stdio.h>
#include <string.h>

#include "model/kind.h"

/* Each kind's file defines its table. */
static const cti_kind *const kinds[] = {
    NULL,   /* the table ends with NULL */
};

const cti_kind *cti_kind_find(const char *name)
{
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
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
