// SPDX-License-Identifier: MIT
// The table of shared guest pages (pageshare.h). Two open-addressing tables of the same
// capacity, linear probing, deletion by backward shift (no tombstones):
//   slot  by content hash: hash, page, references. Several pages may have the same hash
//         (a collision): lookups go on past them, comparing bytes.
//   addr  by host address: page -> content hash, so that dropping a reference finds the
//         slot without hashing 4 KiB again. Host addresses only steer lookups here;
//         which page is found never depends on them.
// Invariants: a page is in both tables or in neither; every slot with page != NULL
// holds a page whose contents hash to `hash`, with refs >= 1, and every entry of either
// table is reachable from its home without crossing an empty entry.
#include "vmm/pageshare.h"

#include <stdlib.h>
#include <string.h>

#define PAGE 4096u

struct pageshare_slot {
	uint64_t hash;
	uint8_t *page; // NULL: empty
	uint32_t refs;
};

struct pageshare_addr {
	uint8_t *page; // NULL: empty
	uint64_t hash;
};

void pageshare_init(struct pageshare *s, struct pagepool *pool)
{
	*s = (struct pageshare){ .pool = pool };
}

void pageshare_destroy(struct pageshare *s)
{
	free(s->slot);
	free(s->addr);
	*s = (struct pageshare){ 0 };
}

// A 64-bit hash of a page in four independent lanes (so the multiplies overlap), and
// whether it is all zero. It only steers lookups: equal pages are confirmed by memcmp.
uint64_t pageshare_hash(const uint8_t *p, bool *zero)
{
	uint64_t h[4] = { 0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull,
			  0x27d4eb2f165667c5ull };
	uint64_t any = 0;
	for (unsigned i = 0; i < PAGE; i += 32) {
		for (unsigned l = 0; l < 4; l++) {
			uint64_t w;
			memcpy(&w, p + i + 8 * l, 8);
			any |= w;
			h[l] = (h[l] ^ w) * 0xff51afd7ed558ccdull;
			h[l] ^= h[l] >> 29;
		}
	}
	*zero = any == 0;
	uint64_t r = h[0] ^ (h[1] * 0x9e3779b97f4a7c15ull) ^ (h[2] * 0xc2b2ae3d27d4eb4full) ^
		     (h[3] * 0x165667b19e3779f9ull);
	return r ^ (r >> 32);
}

static uint32_t home(const struct pageshare *s, uint64_t hash)
{
	return (uint32_t)hash & (s->cap - 1);
}

static uint32_t addr_home(const struct pageshare *s, const uint8_t *p)
{
	uint64_t k = (uint64_t)((uintptr_t)p >> 12) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(k >> 32) & (s->cap - 1);
}

static void addr_insert(struct pageshare *s, uint8_t *p, uint64_t hash)
{
	uint32_t j = addr_home(s, p);
	while (s->addr[j].page)
		j = (j + 1) & (s->cap - 1);
	s->addr[j] = (struct pageshare_addr){ p, hash };
}

static int grow(struct pageshare *s)
{
	uint32_t ncap = s->cap ? s->cap * 2 : 1024;
	struct pageshare_slot *n = calloc(ncap, sizeof *n);
	struct pageshare_addr *na = calloc(ncap, sizeof *na);
	if (!n || !na) {
		free(n);
		free(na);
		return -1;
	}
	struct pageshare_slot *old = s->slot;
	uint32_t ocap = s->cap;
	free(s->addr);
	s->slot = n;
	s->addr = na;
	s->cap = ncap;
	for (uint32_t i = 0; i < ocap; i++) {
		if (!old[i].page)
			continue;
		uint32_t j = home(s, old[i].hash);
		while (n[j].page)
			j = (j + 1) & (ncap - 1);
		n[j] = old[i];
		addr_insert(s, old[i].page, old[i].hash);
	}
	free(old);
	return 0;
}

uint8_t *pageshare_add(struct pageshare *s, uint8_t *p, uint64_t h)
{
	if ((s->used + 1) * 2 > s->cap && grow(s) != 0) {
		s->oom++;
		return NULL;
	}
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
	addr_insert(s, p, h);
	s->used++;
	s->pages++;
	s->refs++;
	return p;
}

// Whether an entry whose home is h may move back into the hole at i from position j:
// not when h lies cyclically in (i, j].
static bool may_move(uint32_t i, uint32_t j, uint32_t h)
{
	return i <= j ? (h <= i || h > j) : (h <= i && h > j);
}

static void slot_remove(struct pageshare *s, uint32_t i)
{
	uint32_t mask = s->cap - 1;
	s->slot[i].page = NULL;
	for (uint32_t j = (i + 1) & mask; s->slot[j].page; j = (j + 1) & mask)
		if (may_move(i, j, home(s, s->slot[j].hash))) {
			s->slot[i] = s->slot[j];
			s->slot[j].page = NULL;
			i = j;
		}
}

static void addr_remove(struct pageshare *s, uint32_t i)
{
	uint32_t mask = s->cap - 1;
	s->addr[i].page = NULL;
	for (uint32_t j = (i + 1) & mask; s->addr[j].page; j = (j + 1) & mask)
		if (may_move(i, j, addr_home(s, s->addr[j].page))) {
			s->addr[i] = s->addr[j];
			s->addr[j].page = NULL;
			i = j;
		}
}

// The addr entry and the slot of page p, or false when p is not in the table.
static bool find(const struct pageshare *s, const uint8_t *p, uint32_t *ai, uint32_t *si)
{
	if (!s->cap)
		return false;
	uint32_t mask = s->cap - 1, a = addr_home(s, p);
	for (; s->addr[a].page; a = (a + 1) & mask) {
		if (s->addr[a].page != p)
			continue;
		for (uint32_t i = home(s, s->addr[a].hash); s->slot[i].page; i = (i + 1) & mask)
			if (s->slot[i].page == p) {
				*ai = a;
				*si = i;
				return true;
			}
		return false; // cannot happen (the invariant)
	}
	return false;
}

bool pageshare_put(struct pageshare *s, uint8_t *p)
{
	uint32_t a, i;
	if (!find(s, p, &a, &i))
		return false; // not ours: nothing to drop (a caller bug; harmless)
	s->refs--;
	if (--s->slot[i].refs)
		return false;
	slot_remove(s, i);
	addr_remove(s, a);
	s->used--;
	s->pages--;
	return true;
}

uint32_t pageshare_refs(const struct pageshare *s, const uint8_t *p)
{
	uint32_t a, i;
	return find(s, p, &a, &i) ? s->slot[i].refs : 0;
}

uint64_t pageshare_host_bytes(const struct pageshare *s)
{
	return (uint64_t)s->cap * (sizeof(*s->slot) + sizeof(*s->addr));
}
