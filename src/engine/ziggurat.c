/*
 * ziggurat.c - standard exponential variates by the ziggurat method
 * (Marsaglia and Tsang, "The Ziggurat Method for Generating Random
 * Variables", Journal of Statistical Software 5(8), 2000), the sampler
 * behind exp(mean). About 99 % of draws take one 64-bit word, a table
 * look-up and a multiply, with no logarithm; the rest fall back to the
 * exact wedge and tail tests, so the method is exact.
 *
 * Unlike the paper's 32-bit version, the layer index comes from the low
 * 8 bits and the abscissa from the high 53 bits of the word, so the two are
 * independent (Doornik 2005 shows the correlation of sharing bits).
 */
#include "engine/ziggurat.h"

#include <math.h>
#include <pthread.h>

#define LAYERS 256
#define TWO53 9007199254740992.0   /* 2^53 */

/* Right edge of the base layer and the common area of every layer, from
 * the paper (for 256 layers). */
static const double R = 7.697117470131487;
static const double V = 3.949659822581572e-3;

static uint64_t k_tab[LAYERS];  /* accept x = u * w_tab[i] at once when u < k_tab[i] */
static double w_tab[LAYERS];    /* layer width / 2^53 */
static double f_tab[LAYERS];    /* exp(-x_i) at each layer's edge */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    double de = R, te = R;
    double q = V / exp(-de);
    k_tab[0] = (uint64_t)((de / q) * TWO53);
    k_tab[1] = 0;
    w_tab[0] = q / TWO53;
    w_tab[LAYERS - 1] = de / TWO53;
    f_tab[0] = 1.0;
    f_tab[LAYERS - 1] = exp(-de);
    for (int i = LAYERS - 2; i >= 1; i--) {
        de = -log(V / de + exp(-de));
        k_tab[i + 1] = (uint64_t)((de / te) * TWO53);
        te = de;
        f_tab[i] = exp(-de);
        w_tab[i] = de / TWO53;
    }
}

void cti_ziggurat_init(void)
{
    pthread_once(&once, build_tables);
}

double cti_ziggurat_exp_slow(ct_rng *rng, uint64_t word)
{
    for (;;) {
        unsigned i = (unsigned)(word & (LAYERS - 1));
        uint64_t u = word >> 11;
        if (u < k_tab[i])
            return (double)u * w_tab[i];
        if (i == 0)  /* the tail beyond R is R plus a fresh exponential */
            return R - log(ct_rng_uniform(rng));
        double x = (double)u * w_tab[i];
        if (f_tab[i] + ct_rng_uniform(rng) * (f_tab[i - 1] - f_tab[i]) < exp(-x))
            return x;
        word = ct_rng_u64(rng);
    }
}

const uint64_t *cti_ziggurat_k = k_tab;
const double *cti_ziggurat_w = w_tab;
