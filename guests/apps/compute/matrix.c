// SPDX-License-Identifier: MIT
// Workload "matrix": 32-bit integer matrix multiply (wrapping unsigned arithmetic),
// C = A x B and then D = C x A, with a transposed-B variant that must agree.
#include "compute.h"

#define MAT_N 36

static uint32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_bt[MAT_N][MAT_N];
static uint32_t mat_c[MAT_N][MAT_N], mat_d[MAT_N][MAT_N], mat_e[MAT_N][MAT_N];

static void matmul(uint32_t out[MAT_N][MAT_N], const uint32_t x[MAT_N][MAT_N],
	const uint32_t y[MAT_N][MAT_N])
{
	for (int i = 0; i < MAT_N; i++) {
		for (int j = 0; j < MAT_N; j++) {
			uint32_t s = 0;
			for (int k = 0; k < MAT_N; k++)
				s += x[i][k] * y[k][j];
			out[i][j] = s;
		}
	}
}

// out = x * transpose(yt): walks both operands by rows.
static void matmul_t(uint32_t out[MAT_N][MAT_N], const uint32_t x[MAT_N][MAT_N],
	const uint32_t yt[MAT_N][MAT_N])
{
	for (int i = 0; i < MAT_N; i++) {
		for (int j = 0; j < MAT_N; j++) {
			uint32_t s = 0;
			for (int k = 0; k < MAT_N; k++)
				s += x[i][k] * yt[j][k];
			out[i][j] = s;
		}
	}
}

uint32_t wl_matrix(void)
{
	uint32_t state = 0x5eed0004u, h = 0;
	for (int i = 0; i < MAT_N; i++) {
		for (int j = 0; j < MAT_N; j++) {
			mat_a[i][j] = prng_next(&state) % 2001u - 1000u; // small, some "negative"
			mat_b[i][j] = prng_next(&state);
		}
	}
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++)
			mat_bt[j][i] = mat_b[i][j];
	matmul(mat_c, mat_a, mat_b);
	matmul_t(mat_e, mat_a, mat_bt);
	matmul(mat_d, mat_c, mat_a);
	for (int i = 0; i < MAT_N; i++) {
		for (int j = 0; j < MAT_N; j++) {
			if (mat_c[i][j] != mat_e[i][j])
				return 0xbad0000u + (uint32_t)(i * MAT_N + j);
			h = mix32(h, mat_d[i][j]);
		}
	}
	return h;
}
