// SPDX-License-Identifier: MIT
// Zipf sampling by a cumulative table and binary search (zipf.h).
#include "zipf.h"

#include <stdlib.h>

#include "fixq.h"

int zipf_init(struct zipf *z, uint32_t n, uint64_t alpha_q32)
{
	z->n = 0;
	z->cum = NULL;
	// n <= 2^24 weights of at most 2^32 sum below 2^56; alpha < 8 keeps fixq_pow_neg
	// inside its range.
	if (n == 0 || n > (1u << 24) || alpha_q32 >= ((uint64_t)8 << 32))
		return -1;
	z->cum = malloc((size_t)n * sizeof z->cum[0]);
	if (!z->cum)
		return -1;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t w = alpha_q32 ? fixq_pow_neg(i + 1, alpha_q32) : FIXQ_ONE;
		sum += w ? w : 1;
		z->cum[i] = sum;
	}
	z->n = n;
	return 0;
}

void zipf_free(struct zipf *z)
{
	free(z->cum);
	z->cum = NULL;
	z->n = 0;
}

uint32_t zipf_draw(const struct zipf *z, uint64_t r)
{
	// Modulo bias: a target value gets at most one extra draw in 2^64 / total, and
	// total < 2^32 * n, so the relative bias is below n / 2^32 (2^-22 for 1,000 targets).
	uint64_t target = r % z->cum[z->n - 1];
	// The first i with cum[i] > target.
	uint32_t lo = 0, hi = z->n - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (z->cum[mid] > target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}
