/*
 * rng.c - the block function behind ct_rng: one Philox4x64-10 call per four
 * 64-bit words. Key = {seed, replication}, counter = {block index, stream, 0, 0},
 * so word i of a stream is block i/4, word i%4, and nothing but those four
 * integers decides it. This is the hot path of the engine: no allocation,
 * no branches, and the round count is pinned to 10 so that a build which
 * overrides PHILOX4x64_DEFAULT_ROUNDS cannot silently change every result.
 */
#include "celltwin/rng.h"

#include <Random123/philox.h>

/* Philox4x64-10 is the variant Salmon et al. (SC'11) found Crush-resistant
 * with a safety margin; fewer rounds would be faster but change the streams. */
enum { PHILOX_ROUNDS = 10 };

void ct_rng_init(ct_rng *rng, uint64_t seed, uint64_t replication, uint64_t stream)
{
    rng->key[0] = seed;
    rng->key[1] = replication;
    rng->ctr[0] = 0;
    rng->ctr[1] = stream;
    rng->ctr[2] = 0;
    rng->ctr[3] = 0;
    rng->buf[0] = rng->buf[1] = rng->buf[2] = rng->buf[3] = 0;
    /* Empty buffer: the first draw computes block 0, so stream (0, 0, 0)
     * starts with Random123's all-zero known-answer vector. */
    rng->used = 4;
}

void ct_rng_refill(ct_rng *rng)
{
    philox4x64_ctr_t c = {{rng->ctr[0], rng->ctr[1], rng->ctr[2], rng->ctr[3]}};
    philox4x64_key_t k = {{rng->key[0], rng->key[1]}};
    philox4x64_ctr_t r = philox4x64_R(PHILOX_ROUNDS, c, k);

    rng->buf[0] = r.v[0];
    rng->buf[1] = r.v[1];
    rng->buf[2] = r.v[2];
    rng->buf[3] = r.v[3];
    rng->used = 0;
    /* 2^64 blocks per stream: wrap-around is unreachable in practice. */
    rng->ctr[0]++;
}
