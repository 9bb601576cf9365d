// SPDX-License-Identifier: MIT
// A fixed-bucket histogram of 64-bit values (deterministic, integer only), for
// latencies: the kernel's interrupt-delivery latency (intr.h) and the samples guests
// report through the results ports (results.h). Values below 32 have a bucket each;
// above, every power of two is split into 32 buckets, so a quantile, reported as its
// bucket's lower bound clamped to [min, max], is at most 1/32 (3.1%) below the true
// value. Merging histograms is adding their buckets.
#ifndef DENALI_VMM_HIST_H
#define DENALI_VMM_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 5u
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (HIST_SUB + (64u - HIST_SUB_BITS) * HIST_SUB)

struct hist {
	uint64_t n, min, max, sum; // sum wraps modulo 2^64
	uint64_t bucket[HIST_BUCKETS];
};

void hist_add(struct hist *h, uint64_t v);
// The quantile at `permille` (0..1000) of the values added: min at 0, max at 1000,
// else the lower bound of the bucket holding the value of rank ceil(n * permille /
// 1000), clamped to [min, max]. 0 when empty.
uint64_t hist_quantile(const struct hist *h, uint32_t permille);
// The bucket index of v and the smallest value of bucket i.
unsigned hist_bucket(uint64_t v);
uint64_t hist_lower(unsigned i);
// Mixes n, sum, min, max and the non-empty buckets into a digest value.
uint64_t hist_digest(const struct hist *h, uint64_t d);

#endif
