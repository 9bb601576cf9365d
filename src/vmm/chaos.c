// SPDX-License-Identifier: MIT
// Reproducible scheduling chaos (chaos.h has the model and its bounds).
#include "vmm/chaos.h"

#include <string.h>

// splitmix64 (Steele, Lea, Flood 2014): a good 64-bit mix of a counter.
static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void chaos_init(struct chaos *c, bool on, uint64_t seed)
{
	memset(c, 0, sizeof *c);
	c->on = on;
	c->seed = seed;
}

uint64_t chaos_draw(struct chaos *c, enum chaos_kind kind, uint64_t max)
{
	if (!c->on || max == 0 || kind >= CHAOS_KINDS)
		return 0;
	uint64_t n = c->draws[kind]++;
	uint64_t r = mix(mix(c->seed ^ ((uint64_t)kind << 56)) ^ n);
	// Uniform in [0, max]: the high 64 bits of r * (max + 1) (Lemire's multiply-shift;
	// max + 1 cannot wrap: callers' bounds are far below 2^64).
	return (uint64_t)(((unsigned __int128)r * (max + 1)) >> 64);
}

uint64_t chaos_quantum(struct chaos *c, uint64_t q)
{
	if (!c->on)
		return q;
	uint64_t v = q / 2 + chaos_draw(c, CHAOS_QUANTUM, q);
	return v ? v : 1;
}
