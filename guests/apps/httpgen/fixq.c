// SPDX-License-Identifier: MIT
// Fixed-point log2 and exp2 (fixq.h). log2 by repeated squaring of the mantissa, one
// result bit per squaring; 2^-f by multiplying the constants 2^-(2^-b) for each set
// bit b of f. Every product fits in 64 bits; the comments say why.
#include "fixq.h"

uint64_t fixq_log2(uint32_t k)
{
	if (k == 0)
		return 0;
	unsigned n = 31;
	while (!(k >> n))
		n--;
	// The mantissa k / 2^n in [1, 2), as 1.31 fixed point in [2^31, 2^32).
	uint64_t x = (uint64_t)k << (31 - n);
	uint64_t frac = 0;
	for (int b = 31; b >= 0; b--) {
		x = (x * x) >> 31; // x < 2^32, so x * x < 2^64
		frac <<= 1;
		if (x >= ((uint64_t)1 << 32)) { // the square reached 2: one more bit
			x >>= 1;
			frac |= 1;
		}
	}
	return (uint64_t)n << 32 | frac;
}

// 2^-(2^-b) in 0.32 fixed point, b = 1..32 (round(2^32 * 2^-(2^-b))).
static const uint32_t exp2_neg_bits[32] = {
	0xb504f334u, 0xd744fccbu, 0xeac0c6e8u, 0xf5257d15u, 0xfa83b2dbu, 0xfd3e0c0du,
	0xfe9e115cu, 0xff4ecb59u, 0xffa75652u, 0xffd3a752u, 0xffe9d2b3u, 0xfff4e91cu,
	0xfffa747fu, 0xfffd3a3bu, 0xfffe9d1du, 0xffff4e8eu, 0xffffa747u, 0xffffd3a3u,
	0xffffe9d2u, 0xfffff4e9u, 0xfffffa74u, 0xfffffd3au, 0xfffffe9du, 0xffffff4fu,
	0xffffffa7u, 0xffffffd4u, 0xffffffeau, 0xfffffff5u, 0xfffffffau, 0xfffffffdu,
	0xffffffffu, 0xffffffffu,
};

uint64_t fixq_exp2_neg(uint64_t y)
{
	uint64_t ip = y >> 32;
	uint32_t f = (uint32_t)y;
	if (ip >= 33)
		return 0;
	uint64_t r = FIXQ_ONE;
	for (int b = 0; b < 32; b++)
		if (f & (0x80000000u >> b))
			r = (r * exp2_neg_bits[b]) >> 32; // r <= 2^32, constant < 2^32
	return r >> ip;
}

uint64_t fixq_pow_neg(uint32_t k, uint64_t alpha)
{
	// alpha < 2^35 and log2(k) < 2^37: their product would overflow, so drop 16
	// fraction bits of the logarithm first (alpha * (log >> 16) < 2^56), then 16 more
	// to get back to 32.32. The result is exact to about 2^-15 relative.
	uint64_t y = (alpha * (fixq_log2(k) >> 16)) >> 16;
	return fixq_exp2_neg(y);
}
