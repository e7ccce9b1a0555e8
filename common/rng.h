// rng.h: a seeded, platform-independent random number generator (xoshiro256**).
// Introduced in the foundation (issue 2).
//
// The whole state is the struct: pass it explicitly, never hide it in a global, and the same
// seed gives the same numbers on every machine (no libc rand(), no float-order surprises:
// normal draws use Box-Muller in double and round once to float).
#ifndef UNROLLED_RNG_H
#define UNROLLED_RNG_H

#include <stdint.h>

typedef struct Rng {
    uint64_t s[4];
} Rng;

void rng_seed(Rng *r, uint64_t seed);     // splitmix64 expands the seed into the state
uint64_t rng_u64(Rng *r);                 // 64 random bits
double rng_uniform01(Rng *r);             // [0, 1) with 53 random bits
float rng_uniform(Rng *r, float lo, float hi);  // [lo, hi)
float rng_normal(Rng *r, float mean, float std);
uint32_t rng_below(Rng *r, uint32_t n);   // uniform integer in [0, n), no modulo bias
void rng_shuffle(Rng *r, int *items, int n);  // Fisher-Yates

#endif
