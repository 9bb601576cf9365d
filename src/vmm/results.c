// SPDX-License-Identifier: MIT
// Named results from guests (results.h).
#include "vmm/results.h"

#include <stdbool.h>
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
		struct hist *h = NULL;
		if (kind == RESULTS_SAMPLE && !(h = calloc(1, sizeof *h))) {
			r->rejected++;
			return DENALI_STAT_ERR_FULL;
		}
		e = &r->e[r->n++];
		memset(e, 0, sizeof *e);
		memcpy(e->name, name, len);
		e->kind = (uint8_t)kind;
		e->hist = h;
	}
	if (e->kind != kind) {
		r->rejected++;
		return DENALI_STAT_ERR_KIND;
	}
	if (kind == RESULTS_SAMPLE) {
		hist_add(e->hist, v);
	} else {
		e->count++;
		e->sum += v;
	}
	return 0;
}

const struct results_entry *results_find(const struct results *r, const char *name)
{
	return lookup((struct results *)r, name, (uint32_t)strlen(name));
}

uint64_t results_count(const struct results_entry *e)
{
	return e->hist ? e->hist->n : e->count;
}

uint64_t results_sum(const struct results_entry *e)
{
	return e->hist ? e->hist->sum : e->sum;
}

uint64_t results_digest(const struct results *r, uint64_t h)
{
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		h = digest_bytes(h, e->name, strlen(e->name));
		h = digest_u32(h, e->kind);
		if (e->hist) {
			h = hist_digest(e->hist, h);
		} else {
			h = digest_u64(h, e->count);
			h = digest_u64(h, e->sum);
		}
	}
	return digest_u64(h, r->rejected);
}
