// SPDX-License-Identifier: MIT
// splitmix64: the applications' seeded pseudo-random numbers (64-bit state, integer
// only, the same sequence natively and in a guest). Used for Zipf draws (httpgen) and
// movement paths (gameclient).
#ifndef DENALI_APPS_PRNG_H
#define DENALI_APPS_PRNG_H

#include <stdint.h>

struct prng {
	uint64_t s;
};

static inline uint64_t prng_next(struct prng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

// A uniform draw in [0, n), n > 0 (modulo bias below 2^-32 for n < 2^32).
static inline uint32_t prng_below(struct prng *r, uint32_t n)
{
	return (uint32_t)(prng_next(r) % n);
}

#endif
