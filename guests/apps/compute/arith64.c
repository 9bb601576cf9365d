// SPDX-License-Identifier: MIT
// Workload "arith64": 64-bit multiply, divide, modulo and shifts, signed and unsigned
// (on i386 these call libgcc's __udivdi3, __umoddi3, __divdi3, __moddi3), plus 16-bit
// `short` arithmetic on arrays (operand-size-prefixed 0x66 instructions) and a
// 64-bit integer square root by Newton's method.
#include "compute.h"

#define A64_ROUNDS 1500
#define A16_N 512

static int16_t s16[A16_N];
static uint16_t u16[A16_N];

static uint64_t isqrt64(uint64_t v)
{
	if (v < 2)
		return v;
	uint64_t x = v, y = (x + 1) / 2;
	while (y < x) {
		x = y;
		y = (x + v / x) / 2;
	}
	return x;
}

uint32_t wl_arith64(void)
{
	uint32_t state = 0x5eed0007u, h = 0;
	uint64_t acc = 0x0123456789abcdefull;
	for (int i = 0; i < A64_ROUNDS; i++) {
		// One call per statement: the order of two calls in one expression is unspecified.
		uint64_t a = (uint64_t)prng_next(&state) << 32;
		a |= prng_next(&state);
		uint64_t b = prng_next(&state);
		b = b << (prng_next(&state) % 32) | 1;
		int64_t sa = (int64_t)(a >> 1) - (int64_t)(a >> 2);
		int64_t sb = (int64_t)(b % 100003) - 50001;
		if (sb == 0)
			sb = 7;
		acc = acc * 6364136223846793005ull + a;
		acc ^= a / b;
		acc += a % b;
		acc ^= (uint64_t)(sa / sb);
		acc += (uint64_t)(sa % sb);
		acc = (acc << (i % 63 + 1)) | (acc >> (63 - i % 63));
		acc ^= (uint64_t)((int64_t)acc >> (i % 40));
		if ((i & 63) == 0)
			acc += isqrt64(a);
		h = mix32(h, (uint32_t)acc ^ (uint32_t)(acc >> 32));
	}
	for (int i = 0; i < A16_N; i++) {
		s16[i] = (int16_t)prng_next(&state);
		u16[i] = (uint16_t)prng_next(&state);
	}
	for (int r = 0; r < 12; r++) {
		for (int i = 1; i < A16_N; i++) {
			u16[i] = (uint16_t)(u16[i] + u16[i - 1] * 3u);
			u16[i] ^= (uint16_t)(u16[i] >> 5);
			s16[i] = (int16_t)(s16[i] - (s16[i - 1] >> 2));
			if (s16[i] < 0)
				s16[i] = (int16_t)(s16[i] / 3);
			u16[i] = (uint16_t)(u16[i] / (uint16_t)(1u + (u16[i - 1] & 0xff)));
		}
	}
	for (int i = 0; i < A16_N; i++)
		h = mix32(h, (uint32_t)(uint16_t)s16[i] << 16 | u16[i]);
	return h;
}
