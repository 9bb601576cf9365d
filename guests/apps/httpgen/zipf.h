// SPDX-License-Identifier: MIT
// Zipf-distributed choice among n targets with integer math only: target i (0-based,
// rank i + 1) has weight (i + 1)^-alpha, alpha >= 0 in 32.32 fixed point (alpha = 0
// is uniform). zipf_init precomputes the cumulative weights (32.32, each weight at
// least 2^-32 so every target stays reachable); zipf_draw maps a 64-bit random number
// to a target by binary search, O(log n).
#ifndef DENALI_APPS_ZIPF_H
#define DENALI_APPS_ZIPF_H

#include <stdint.h>

struct zipf {
	uint32_t n;
	uint64_t *cum; // cum[i] = weight(0) + ... + weight(i); cum[n-1] is the total
};

// Builds the table for n >= 1 targets (at most 2^24). Returns 0, or -1 when n is out of
// range, alpha >= 8, or malloc fails.
int zipf_init(struct zipf *z, uint32_t n, uint64_t alpha_q32);
void zipf_free(struct zipf *z);

// The target for the uniform 64-bit number r.
uint32_t zipf_draw(const struct zipf *z, uint64_t r);

#endif
