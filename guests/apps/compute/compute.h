// SPDX-License-Identifier: MIT
// The compute workloads: each returns a 32-bit checksum of one deterministic round of
// work; main.c compares it with a known-good value from expected.h. Workloads use
// only their own PRNG (prng_next below), never rand(), so a native build against
// glibc computes the same values as the guest build against libos.
// One file per workload: sort.c hash.c crc.c matrix.c bytecode.c strings.c arith64.c bits.c.
#ifndef DENALI_GUEST_COMPUTE_H
#define DENALI_GUEST_COMPUTE_H

#include <stdint.h>

// xorshift32: the workloads' PRNG. state must be non-zero.
static inline uint32_t prng_next(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

// Folds v into the running checksum h (FNV-1a style, on whole words).
static inline uint32_t mix32(uint32_t h, uint32_t v)
{
	return (h ^ v) * 0x01000193u + 0x9e3779b9u;
}

uint32_t wl_sort(void);
uint32_t wl_hash(void);
uint32_t wl_crc(void);
uint32_t wl_matrix(void);
uint32_t wl_bytecode(void);
uint32_t wl_strings(void);
uint32_t wl_arith64(void);
uint32_t wl_bits(void);

#endif
