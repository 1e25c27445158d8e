/*
 * ziggurat.h - the ziggurat sampler of standard exponentials (internal,
 * used by dist.c). The fast path is inline so exp(mean) draws cost a table
 * look-up in the common case.
 */
#ifndef CELLTWIN_ENGINE_ZIGGURAT_H
#define CELLTWIN_ENGINE_ZIGGURAT_H

#include <stdint.h>

#include "celltwin/rng.h"

/* Builds the tables once (thread-safe). Call before the first draw. */
void cti_ziggurat_init(void);

/* The rare path: wedges and the tail, starting from a rejected word. */
double cti_ziggurat_exp_slow(ct_rng *rng, uint64_t word);

extern const uint64_t *cti_ziggurat_k;
extern const double *cti_ziggurat_w;

/* One standard exponential (mean 1). */
static inline double cti_ziggurat_exp(ct_rng *rng)
{
    uint64_t word = ct_rng_u64(rng);
    unsigned i = (unsigned)(word & 255);
    uint64_t u = word >> 11;
    if (u < cti_ziggurat_k[i])
        return (double)u * cti_ziggurat_w[i];
    return cti_ziggurat_exp_slow(rng, word);
}

#endif
