/*
 * rng.h - counter-based random streams (Random123 Philox4x64-10).
 *
 * A stream is keyed by (seed, replication, stream id): the n-th number of a
 * stream is a pure function of those four integers, so a run gives the same
 * results whatever the number of threads or machines it is spread over.
 * Each Philox call yields four 64-bit words; ct_rng buffers them.
 */
#ifndef CELLTWIN_RNG_H
#define CELLTWIN_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Small value type: lives inside whatever uses it. */
typedef struct ct_rng {
    uint64_t key[2];     /* seed, replication */
    uint64_t ctr[4];     /* block index, stream id, 0, 0 */
    uint64_t buf[4];     /* last block of output */
    unsigned used;       /* words of buf already handed out (4 = empty) */
} ct_rng;

/* Positions rng at the start of stream (seed, replication, stream). */
void ct_rng_init(ct_rng *rng, uint64_t seed, uint64_t replication, uint64_t stream);

/* Refills the buffer with the next Philox block (internal; use the calls below). */
void ct_rng_refill(ct_rng *rng);

/* Next raw 64-bit word of the stream. */
static inline uint64_t ct_rng_u64(ct_rng *rng)
{
    if (rng->used == 4)
        ct_rng_refill(rng);
    return rng->buf[rng->used++];
}

/* Uniform double in the open interval (0, 1): the 2^52 values
 * (2k + 1) / 2^53, each exact, so 1 - u is exact too. 52 bits, not 53,
 * because (2^53 - 1 + 0.5) * 2^-53 rounds to exactly 1.0 (and log(1 - u)
 * to -inf); this is Random123's u01fixedpt_open_open_64_double. */
static inline double ct_rng_uniform(ct_rng *rng)
{
    return ((double)(ct_rng_u64(rng) >> 12) + 0.5) * 0x1.0p-52;
}

#ifdef __cplusplus
}
#endif
#endif
