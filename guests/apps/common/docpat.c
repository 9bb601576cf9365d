// SPDX-License-Identifier: MIT
// The deterministic document pattern (docpat.h).
#include "docpat.h"

uint32_t docpat_seed(const char *name)
{
	uint32_t h = 2166136261u;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

// murmur3's 32-bit finalizer: every input bit affects every output bit.
static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

static uint32_t word_at(uint32_t seed, uint64_t word)
{
	return mix(seed ^ mix((uint32_t)word ^ (uint32_t)(word >> 32) * 0x9e3779b9u));
}

void docpat_fill(uint32_t seed, uint64_t off, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		uint32_t w = word_at(seed, off >> 2);
		unsigned sh = (unsigned)(off & 3);
		for (; sh < 4 && n; sh++, n--, off++)
			*p++ = (uint8_t)(w >> (8 * sh));
	}
}

size_t docpat_check(uint32_t seed, uint64_t off, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	size_t i = 0;
	while (i < n) {
		uint32_t w = word_at(seed, off >> 2);
		unsigned sh = (unsigned)(off & 3);
		for (; sh < 4 && i < n; sh++, i++, off++)
			if (p[i] != (uint8_t)(w >> (8 * sh)))
				return i;
	}
	return n;
}
