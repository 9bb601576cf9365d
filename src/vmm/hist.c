// SPDX-License-Identifier: MIT
// The log-linear histogram (hist.h).
#include "vmm/hist.h"

#include <assert.h>

#include "vmm/digest.h"

unsigned hist_bucket(uint64_t v)
{
	if (v < HIST_SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); // >= HIST_SUB_BITS
	unsigned sub = (unsigned)(v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1u);
	unsigned i = HIST_SUB + (e - HIST_SUB_BITS) * HIST_SUB + sub;
	assert(i < HIST_BUCKETS && hist_lower(i) <= v);
	return i;
}

uint64_t hist_lower(unsigned i)
{
	if (i < HIST_SUB)
		return i;
	unsigned e = (i - HIST_SUB) / HIST_SUB + HIST_SUB_BITS;
	uint64_t sub = (i - HIST_SUB) % HIST_SUB;
	return (1ull << e) | sub << (e - HIST_SUB_BITS);
}

void hist_add(struct hist *h, uint64_t v)
{
	if (h->n == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->n++;
	h->sum += v;
	h->bucket[hist_bucket(v)]++;
}

uint64_t hist_quantile(const struct hist *h, uint32_t permille)
{
	if (h->n == 0)
		return 0;
	if (permille == 0)
		return h->min;
	if (permille >= 1000)
		return h->max;
	// rank = ceil(n * q), 128-bit: n may be huge.
	unsigned __int128 p = (unsigned __int128)h->n * permille;
	uint64_t rank = (uint64_t)((p + 999) / 1000), seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t v = hist_lower(i);
			return v < h->min ? h->min : v > h->max ? h->max : v;
		}
	}
	return h->max;
}

uint64_t hist_digest(const struct hist *h, uint64_t d)
{
	d = digest_u64(d, h->n);
	d = digest_u64(d, h->sum);
	d = digest_u64(d, h->min);
	d = digest_u64(d, h->max);
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		if (h->bucket[i]) {
			d = digest_u32(d, i);
			d = digest_u64(d, h->bucket[i]);
		}
	return d;
}
