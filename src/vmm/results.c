// SPDX-License-Identifier: MIT
// Named results from guests (results.h).
#include "vmm/results.h"

#include <stdlib.h>
#include <string.h>

#include "vmm/digest.h"

void results_init(struct results *r)
{
	memset(r, 0, sizeof *r);
}

void results_free(struct results *r)
{
	for (uint32_t i = 0; i < r->n; i++)
		free(r->e[i].hist);
	memset(r, 0, sizeof *r);
}

static bool name_ok(const char *name, uint32_t len)
{
	if (len == 0 || len > DENALI_STAT_NAME_MAX)
		return false;
	for (uint32_t i = 0; i < len; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '.' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

uint32_t results_bucket(uint64_t v)
{
	if (v < RESULTS_SUB)
		return (uint32_t)v;
	uint32_t e = 63u - (uint32_t)__builtin_clzll(v); // >= RESULTS_SUB_BITS
	uint32_t sub = (uint32_t)(v >> (e - RESULTS_SUB_BITS)) & (RESULTS_SUB - 1u);
	return RESULTS_SUB + (e - RESULTS_SUB_BITS) * RESULTS_SUB + sub;
}

uint64_t results_bucket_lower(uint32_t i)
{
	if (i < RESULTS_SUB)
		return i;
	uint32_t e = (i - RESULTS_SUB) / RESULTS_SUB + RESULTS_SUB_BITS;
	uint64_t sub = (i - RESULTS_SUB) % RESULTS_SUB;
	return (1ull << e) | sub << (e - RESULTS_SUB_BITS);
}

static struct results_entry *lookup(struct results *r, const char *name, uint32_t len)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (strlen(r->e[i].name) == len && memcmp(r->e[i].name, name, len) == 0)
			return &r->e[i];
	return NULL;
}

uint32_t results_report(struct results *r, enum results_kind kind, const char *name,
			uint32_t len, uint64_t v)
{
	if (!name_ok(name, len)) {
		r->rejected++;
		return DENALI_STAT_ERR_NAME;
	}
	struct results_entry *e = lookup(r, name, len);
	if (!e) {
		if (r->n == DENALI_STATS_PER_MACHINE) {
			r->rejected++;
			return DENALI_STAT_ERR_FULL;
		}
		struct results_hist *h = NULL;
		if (kind == RESULTS_SAMPLE && !(h = calloc(1, sizeof *h))) {
			r->rejected++;
			return DENALI_STAT_ERR_FULL;
		}
		e = &r->e[r->n++];
		memset(e, 0, sizeof *e);
		memcpy(e->name, name, len);
		e->kind = (uint8_t)kind;
		e->hist = h;
		e->min = UINT64_MAX;
	}
	if (e->kind != kind) {
		r->rejected++;
		return DENALI_STAT_ERR_KIND;
	}
	e->count++;
	e->sum += v;
	if (kind == RESULTS_SAMPLE) {
		e->min = v < e->min ? v : e->min;
		e->max = v > e->max ? v : e->max;
		e->hist->bucket[results_bucket(v)]++;
	}
	return 0;
}

const struct results_entry *results_find(const struct results *r, const char *name)
{
	return lookup((struct results *)r, name, (uint32_t)strlen(name));
}

uint64_t results_quantile(const struct results_entry *e, uint32_t permille)
{
	if (e->kind != RESULTS_SAMPLE || e->count == 0)
		return 0;
	if (permille > 1000)
		permille = 1000;
	// rank = ceil(count * q), at least 1; 128-bit product: count may be huge.
	unsigned __int128 p = (unsigned __int128)e->count * permille;
	uint64_t rank = (uint64_t)((p + 999) / 1000);
	rank = rank ? rank : 1;
	uint64_t seen = 0;
	for (uint32_t i = 0; i < RESULTS_BUCKETS; i++) {
		seen += e->hist->bucket[i];
		if (seen >= rank) {
			uint64_t v = results_bucket_lower(i);
			return v < e->min ? e->min : v > e->max ? e->max : v;
		}
	}
	return e->max;
}

uint64_t results_digest(const struct results *r, uint64_t h)
{
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		h = digest_bytes(h, e->name, strlen(e->name));
		h = digest_u32(h, e->kind);
		h = digest_u64(h, e->count);
		h = digest_u64(h, e->sum);
		if (e->kind == RESULTS_SAMPLE) {
			h = digest_u64(h, e->min);
			h = digest_u64(h, e->max);
			for (uint32_t b = 0; b < RESULTS_BUCKETS; b++)
				if (e->hist->bucket[b]) {
					h = digest_u32(h, b);
					h = digest_u64(h, e->hist->bucket[b]);
				}
		}
	}
	return digest_u64(h, r->rejected);
}
