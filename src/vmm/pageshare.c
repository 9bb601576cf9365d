// SPDX-License-Identifier: MIT
// The table of shared guest pages (pageshare.h): open addressing keyed by a 64-bit hash
// of the page's contents, linear probing, deletion by backward shift. Several pages
// may have the same hash (a collision): lookups go on past them, comparing bytes.
// Invariant: every slot with page != NULL holds a page whose contents hash to `hash`,
// with refs >= 1, and is reachable from its home slot without crossing an empty one.
#include "vmm/pageshare.h"

#include <stdlib.h>
#include <string.h>

#define PAGE 4096u

struct pageshare_slot {
	uint64_t hash;
	uint8_t *page; // NULL: empty
	uint32_t refs;
};

void pageshare_init(struct pageshare *s, struct pagepool *pool)
{
	*s = (struct pageshare){ .pool = pool };
}

void pageshare_destroy(struct pageshare *s)
{
	free(s->slot);
	*s = (struct pageshare){ 0 };
}

// A 64-bit hash of a page, eight bytes at a time. It only steers the lookup: equal
// pages are always confirmed with memcmp.
static uint64_t page_hash(const uint8_t *p)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < PAGE; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return h ^ (h >> 32);
}

static uint32_t home(const struct pageshare *s, uint64_t hash)
{
	return (uint32_t)hash & (s->cap - 1);
}

static int grow(struct pageshare *s)
{
	uint32_t ncap = s->cap ? s->cap * 2 : 1024;
	struct pageshare_slot *n = calloc(ncap, sizeof *n);
	if (!n)
		return -1;
	struct pageshare_slot *old = s->slot;
	uint32_t ocap = s->cap;
	s->slot = n;
	s->cap = ncap;
	for (uint32_t i = 0; i < ocap; i++) {
		if (!old[i].page)
			continue;
		uint32_t j = home(s, old[i].hash);
		while (n[j].page)
			j = (j + 1) & (ncap - 1);
		n[j] = old[i];
	}
	free(old);
	return 0;
}

// The slot holding page p (by address), or UINT32_MAX.
static uint32_t find_page(const struct pageshare *s, const uint8_t *p, uint64_t hash)
{
	if (!s->cap)
		return UINT32_MAX;
	for (uint32_t i = home(s, hash); s->slot[i].page; i = (i + 1) & (s->cap - 1))
		if (s->slot[i].page == p)
			return i;
	return UINT32_MAX;
}

uint8_t *pageshare_add(struct pageshare *s, uint8_t *p)
{
	if ((s->used + 1) * 2 > s->cap && grow(s) != 0) {
		s->oom++;
		return NULL;
	}
	uint64_t h = page_hash(p);
	uint32_t i = home(s, h);
	for (; s->slot[i].page; i = (i + 1) & (s->cap - 1)) {
		struct pageshare_slot *e = &s->slot[i];
		if (e->hash == h && e->refs < UINT32_MAX && !memcmp(e->page, p, PAGE)) {
			e->refs++;
			s->refs++;
			s->merged++;
			return e->page;
		}
	}
	s->slot[i] = (struct pageshare_slot){ .hash = h, .page = p, .refs = 1 };
	s->used++;
	s->pages++;
	s->refs++;
	return p;
}

// Empties slot i and shifts later members of its probe run back (no tombstones).
static void remove_slot(struct pageshare *s, uint32_t i)
{
	uint32_t mask = s->cap - 1;
	s->slot[i].page = NULL;
	for (uint32_t j = (i + 1) & mask; s->slot[j].page; j = (j + 1) & mask) {
		uint32_t h = home(s, s->slot[j].hash);
		// Move j into the hole at i unless its home lies cyclically in (i, j].
		bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
		if (!stays) {
			s->slot[i] = s->slot[j];
			s->slot[j].page = NULL;
			i = j;
		}
	}
	s->used--;
}

bool pageshare_put(struct pageshare *s, uint8_t *p)
{
	uint32_t i = find_page(s, p, page_hash(p));
	if (i == UINT32_MAX)
		return false; // not ours: nothing to drop (a caller bug; harmless)
	s->refs--;
	if (--s->slot[i].refs)
		return false;
	remove_slot(s, i);
	s->pages--;
	return true;
}

uint32_t pageshare_refs(const struct pageshare *s, const uint8_t *p)
{
	uint32_t i = find_page(s, p, page_hash(p));
	return i == UINT32_MAX ? 0 : s->slot[i].refs;
}

uint64_t pageshare_host_bytes(const struct pageshare *s)
{
	return (uint64_t)s->cap * sizeof(*s->slot);
}
