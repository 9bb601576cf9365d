// SPDX-License-Identifier: MIT
// The guest-code sampling profile (profile.h): an EIP -> count hash table.
#include "vmm/profile.h"

#include <stdlib.h>
#include <string.h>

int profile_init(struct profile *p, uint64_t interval)
{
	memset(p, 0, sizeof *p);
	if (!interval)
		return -1;
	p->interval = interval;
	p->cap = 1024;
	p->slot = calloc(p->cap, sizeof *p->slot);
	return p->slot ? 0 : -1;
}

void profile_free(struct profile *p)
{
	free(p->slot);
	memset(p, 0, sizeof *p);
}

static uint32_t find(const struct profile_slot *slot, uint32_t cap, uint32_t eip)
{
	uint32_t i = (uint32_t)((eip * 0x9e3779b9u) >> 8) & (cap - 1);
	while (slot[i].eip && slot[i].eip != eip)
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct profile *p)
{
	uint32_t ncap = p->cap * 2;
	struct profile_slot *n = calloc(ncap, sizeof *n);
	if (!n)
		return -1;
	for (uint32_t i = 0; i < p->cap; i++)
		if (p->slot[i].eip)
			n[find(n, ncap, p->slot[i].eip)] = p->slot[i];
	free(p->slot);
	p->slot = n;
	p->cap = ncap;
	return 0;
}

void profile_add(struct profile *p, uint32_t eip)
{
	if (!eip || !p->slot) {
		p->dropped++;
		return;
	}
	if ((p->used + 1) * 2 > p->cap && grow(p) != 0) {
		p->dropped++;
		return;
	}
	struct profile_slot *s = &p->slot[find(p->slot, p->cap, eip)];
	if (!s->eip) {
		s->eip = eip;
		p->used++;
	}
	s->count++;
	p->samples++;
}

static int by_count(const void *a, const void *b)
{
	const struct profile_slot *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->eip < y->eip ? -1 : x->eip > y->eip;
}

struct profile_slot *profile_sorted(const struct profile *p, uint32_t *n)
{
	*n = 0;
	if (!p->used)
		return NULL;
	struct profile_slot *out = malloc((size_t)p->used * sizeof *out);
	if (!out)
		return NULL;
	for (uint32_t i = 0; i < p->cap; i++)
		if (p->slot[i].eip)
			out[(*n)++] = p->slot[i];
	qsort(out, *n, sizeof *out, by_count);
	return out;
}

void profile_ckpt_save(const struct profile *p, struct pack *b)
{
	pack_u64(b, p->interval);
	pack_u64(b, p->samples);
	pack_u64(b, p->dropped);
	pack_u32(b, p->used);
	for (uint32_t i = 0; i < p->cap; i++)
		if (p->slot[i].eip) {
			pack_u32(b, p->slot[i].eip);
			pack_u64(b, p->slot[i].count);
		}
}

int profile_ckpt_load(struct profile *p, struct unpack *u)
{
	uint64_t interval = unpack_u64(u), samples = unpack_u64(u), dropped = unpack_u64(u);
	uint32_t used = unpack_u32(u);
	if (u->bad || interval != p->interval || p->used || !p->slot || used > u->len / 12)
		return -1;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < used; i++) {
		uint32_t eip = unpack_u32(u);
		uint64_t count = unpack_u64(u);
		if (u->bad || !eip || !count || count > samples - sum)
			return -1;
		if ((p->used + 1) * 2 > p->cap && grow(p) != 0)
			return -1;
		struct profile_slot *s = &p->slot[find(p->slot, p->cap, eip)];
		if (s->eip)
			return -1; // twice
		s->eip = eip;
		s->count = count;
		p->used++;
		sum += count;
	}
	if (sum != samples)
		return -1;
	p->samples = samples;
	p->dropped = dropped;
	return 0;
}
