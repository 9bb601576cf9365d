// SPDX-License-Identifier: MIT
// Workload "matrix16": 16-bit matrices with 32-bit products (sums wrap, as in
// two's complement hardware). Each round adds a
// constant to A, multiplies it by a constant, by a vector, by B, and by bit fields
// extracted from B, and reduces every 32-bit result to a 16-bit figure with a
// data-dependent comparison chain; then undoes the addition. 16-bit loads and stores
// (MOVSX, operand-size prefixes) around 32-bit multiplies.
#include "coremix.h"

#define M_N 20
#define M_ROUNDS 3

static int16_t mat_a[M_N][M_N], mat_b[M_N][M_N];
static int32_t mat_c[M_N][M_N];
static int16_t vec_b[M_N];
static int32_t vec_c[M_N];

// Reduces C to a 16-bit figure: counts rises, and adds 10 (and restarts the running
// sum) whenever the running sum passes the limit.
static int16_t reduce(int32_t limit)
{
	int32_t sum = 0, prev = 0;
	int16_t ret = 0;
	for (int i = 0; i < M_N; i++) {
		for (int j = 0; j < M_N; j++) {
			int32_t cur = mat_c[i][j];
			sum = (int32_t)((uint32_t)sum + (uint32_t)cur); // wraps, as the hardware does
			if (sum > limit) {
				ret = (int16_t)(ret + 10);
				sum = 0;
			} else {
				ret = (int16_t)(ret + (cur > prev ? 1 : 0));
			}
			prev = cur;
		}
	}
	return ret;
}

static void add_const(int16_t v)
{
	for (int i = 0; i < M_N; i++)
		for (int j = 0; j < M_N; j++)
			mat_a[i][j] = (int16_t)(mat_a[i][j] + v);
}

static void mul_const(int16_t v)
{
	for (int i = 0; i < M_N; i++)
		for (int j = 0; j < M_N; j++)
			mat_c[i][j] = (int32_t)mat_a[i][j] * (int32_t)v;
}

static void mul_vec(void)
{
	for (int i = 0; i < M_N; i++) {
		uint32_t s = 0;
		for (int j = 0; j < M_N; j++)
			s += (uint32_t)((int32_t)mat_a[i][j] * (int32_t)vec_b[j]);
		vec_c[i] = (int32_t)s;
	}
}

static void mul_mat(void)
{
	for (int i = 0; i < M_N; i++) {
		for (int j = 0; j < M_N; j++) {
			uint32_t s = 0;
			for (int k = 0; k < M_N; k++)
				s += (uint32_t)((int32_t)mat_a[i][k] * (int32_t)mat_b[k][j]);
			mat_c[i][j] = (int32_t)s;
		}
	}
}

// A times bit fields of B: bits 2..5 of each element times bits 5..11.
static void mul_bits(void)
{
	for (int i = 0; i < M_N; i++) {
		for (int j = 0; j < M_N; j++) {
			uint32_t s = 0;
			for (int k = 0; k < M_N; k++) {
				int16_t b = mat_b[k][j];
				int16_t f = (int16_t)(((b >> 2) & 0xf) * ((b >> 5) & 0x7f));
				s += (uint32_t)((int32_t)mat_a[i][k] * (int32_t)f);
			}
			mat_c[i][j] = (int32_t)s;
		}
	}
}

uint32_t wl_matrix16(void)
{
	uint32_t state = 0x5eed0102u;
	uint16_t crc = 0;
	for (int i = 0; i < M_N; i++) {
		vec_b[i] = (int16_t)(prng_next(&state) & 0x0fff);
		for (int j = 0; j < M_N; j++) {
			mat_a[i][j] = (int16_t)((prng_next(&state) & 0x1fff) - 0x1000);
			mat_b[i][j] = (int16_t)(prng_next(&state) & 0xffff);
		}
	}
	for (int round = 0; round < M_ROUNDS; round++) {
		int16_t v = (int16_t)(prng_next(&state) & 0x3ff);
		add_const(v);
		crc = cm_crc16((uint16_t)mat_a[round][M_N - 1 - round], crc);
		mul_const(v);
		crc = cm_crc16((uint16_t)reduce(0x7fff), crc);
		mul_vec();
		for (int i = 0; i < M_N; i++)
			crc = cm_crc32((uint32_t)vec_c[i], crc);
		mul_mat();
		crc = cm_crc16((uint16_t)reduce(0x3fffff), crc);
		mul_bits();
		crc = cm_crc16((uint16_t)reduce(0x1ffff), crc);
		add_const((int16_t)-v);
	}
	int16_t first = mat_a[0][0];
	return (uint32_t)crc << 16 | (uint16_t)first;
}
