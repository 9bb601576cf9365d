// SPDX-License-Identifier: MIT
// Guest memory in checkpoints (mem_ckpt.h): page tables out and back, contents stored
// once. The page-table entry format (host page | MEM_ENT_* bits) is mem.h's; host pages
// come from the VM's pool as in mem.c.
#include "vmm/mem_ckpt.h"

#include <stdlib.h>
#include <string.h>

#include "denali/abi.h"
#include "vmm/image.h"
#include "vmm/pagepool.h"
#include "vmm/pageshare.h"

#define PAGE CPU_PAGE_SIZE
#define ENT_BITS ((uintptr_t)(MEM_ENT_SHARED | MEM_ENT_KEEP))

static inline uint8_t *ent_page(const uint8_t *e)
{
	return (uint8_t *)((uintptr_t)e & ~ENT_BITS);
}

void mem_ckpt_save_init(struct mem_ckpt_save *s)
{
	memset(s, 0, sizeof *s);
}

void mem_ckpt_save_free(struct mem_ckpt_save *s)
{
	free(s->page);
	free(s->slot);
	free(s->hash);
	memset(s, 0, sizeof *s);
}

static int grow(struct mem_ckpt_save *s)
{
	uint32_t cap = s->cap ? 2 * s->cap : 1024;
	const uint8_t **p = realloc(s->page, cap * sizeof *p);
	if (p)
		s->page = p;
	uint64_t *h = realloc(s->hash, cap * sizeof *h);
	if (h)
		s->hash = h;
	uint32_t nslot = 4 * cap;
	uint32_t *slot = calloc(nslot, sizeof *slot);
	if (!p || !h || !slot) {
		free(slot);
		return -1;
	}
	for (uint32_t i = 0; i < s->n; i++) {
		uint32_t j = (uint32_t)s->hash[i] & (nslot - 1);
		while (slot[j])
			j = (j + 1) & (nslot - 1);
		slot[j] = i + 1;
	}
	free(s->slot);
	s->slot = slot;
	s->nslot = nslot;
	s->cap = cap;
	return 0;
}

// The index of p's contents, added if new; MEM_CKPT_ZERO for a zero page.
static uint32_t intern(struct mem_ckpt_save *s, const uint8_t *p)
{
	bool zero;
	uint64_t h = pageshare_hash(p, &zero);
	if (zero)
		return MEM_CKPT_ZERO;
	if (s->n == s->cap && grow(s) != 0) {
		s->oom = true;
		return MEM_CKPT_ZERO;
	}
	uint32_t j = (uint32_t)h & (s->nslot - 1);
	for (; s->slot[j]; j = (j + 1) & (s->nslot - 1)) {
		uint32_t i = s->slot[j] - 1;
		if (s->hash[i] == h && (s->page[i] == p || !memcmp(s->page[i], p, PAGE)))
			return i;
	}
	s->page[s->n] = p;
	s->hash[s->n] = h;
	s->slot[j] = ++s->n;
	return s->n - 1;
}

void mem_ckpt_save(struct mem_ckpt_save *s, const struct mem *m, struct pack *b)
{
	pack_u32(b, m->mem_size);
	pack_u32(b, intern(s, m->vregs));
	pack_u32(b, m->ndir);
	uint32_t leaves = 0, ents = 0;
	for (uint32_t d = 0; d < m->ndir; d++) {
		if (!m->dir[d])
			continue;
		leaves++;
		for (uint32_t i = 0; i < MEM_LEAF_PAGES; i++)
			ents += m->dir[d][i] != NULL;
	}
	pack_u32(b, leaves);
	for (uint32_t d = 0; d < m->ndir; d++)
		if (m->dir[d])
			pack_u32(b, d);
	pack_u32(b, ents);
	for (uint32_t d = 0; d < m->ndir; d++) {
		for (uint32_t i = 0; m->dir[d] && i < MEM_LEAF_PAGES; i++) {
			const uint8_t *e = m->dir[d][i];
			if (!e)
				continue;
			pack_u32(b, d * MEM_LEAF_PAGES + i);
			pack_u8(b, (uint8_t)((uintptr_t)e & ENT_BITS));
			pack_u32(b, intern(s, ent_page(e)));
		}
	}
	pack_u32(b, m->unscanned);
	pack_u64(b, m->scan_leaves);
	pack_u64(b, m->cow_copies);
	pack_u64(b, m->unshares);
}

void mem_ckpt_save_pages(const struct mem_ckpt_save *s, struct pack *b)
{
	for (uint32_t i = 0; i < s->n; i++)
		pack_raw(b, s->page[i], PAGE);
}

int mem_ckpt_load_init(struct mem_ckpt_load *l, const uint8_t *pages, uint64_t bytes)
{
	memset(l, 0, sizeof *l);
	if (bytes % PAGE || bytes / PAGE >= MEM_CKPT_ZERO)
		return -1;
	l->pages = pages;
	l->n = (uint32_t)(bytes / PAGE);
	l->shared = calloc(l->n ? l->n : 1, sizeof *l->shared);
	return l->shared ? 0 : -1;
}

void mem_ckpt_load_free(struct mem_ckpt_load *l)
{
	free(l->shared);
	memset(l, 0, sizeof *l);
}

static uint8_t *page_get(struct mem *m)
{
	return m->pool ? pagepool_get(m->pool) : aligned_alloc(PAGE, PAGE);
}

static void fill(const struct mem_ckpt_load *l, uint8_t *p, uint32_t ix)
{
	if (ix == MEM_CKPT_ZERO)
		memset(p, 0, PAGE);
	else
		memcpy(p, l->pages + (size_t)ix * PAGE, PAGE);
}

// The host page for a page saved as shared with contents ix: the image's zero page, or
// the one shared page of that content (made by the first VM that maps it). NULL when
// there is no sharing here or no room in the table: the caller keeps a private copy.
static uint8_t *shared_page(struct mem_ckpt_load *l, struct mem *m, uint32_t ix)
{
	if (ix == MEM_CKPT_ZERO)
		return m->img ? m->img->zero_page : NULL;
	if (!m->share)
		return NULL;
	uint8_t *s = l->shared[ix];
	if (s) // one more reference: pageshare_add finds the page itself
		return pageshare_add(m->share, s, pageshare_hash(s, &(bool){ 0 }));
	uint8_t *p = page_get(m);
	if (!p)
		return NULL;
	fill(l, p, ix);
	s = pageshare_add(m->share, p, pageshare_hash(p, &(bool){ 0 }));
	if (s != p) { // no room (NULL), or a twin that cannot exist: keep it private
		if (m->pool)
			pagepool_put(m->pool, p);
		else
			free(p);
		if (s)
			(void)pageshare_put(m->share, s);
		return NULL;
	}
	l->shared[ix] = s;
	return s;
}

int mem_ckpt_load(struct mem_ckpt_load *l, struct mem *m, struct unpack *u)
{
	uint32_t size = unpack_u32(u), vregs = unpack_u32(u), ndir = unpack_u32(u);
	if (u->bad || size != m->mem_size || ndir != m->ndir ||
	    (vregs != MEM_CKPT_ZERO && vregs >= l->n))
		return -1;
	fill(l, m->vregs, vregs);
	uint32_t leaves = unpack_u32(u);
	if (u->bad || leaves > ndir)
		return -1;
	for (uint32_t j = 0; j < leaves; j++) {
		uint32_t d = unpack_u32(u);
		if (u->bad || d >= ndir || m->dir[d])
			return -1;
		if (!(m->dir[d] = calloc(MEM_LEAF_PAGES, sizeof *m->dir[d])))
			return -1;
		m->leaves++;
	}
	uint32_t ents = unpack_u32(u);
	if (u->bad || ents > leaves * MEM_LEAF_PAGES)
		return -1;
	for (uint32_t j = 0; j < ents; j++) {
		uint32_t gpage = unpack_u32(u);
		uint8_t bits = unpack_u8(u);
		uint32_t ix = unpack_u32(u);
		if (u->bad || gpage < DENALI_MEM_BASE / PAGE || gpage >= size / PAGE ||
		    (bits & ~ENT_BITS) || bits == ENT_BITS || (ix != MEM_CKPT_ZERO && ix >= l->n))
			return -1;
		uint8_t **leaf = m->dir[gpage / MEM_LEAF_PAGES];
		uint8_t **ent = leaf ? &leaf[gpage % MEM_LEAF_PAGES] : NULL;
		if (!ent || *ent)
			return -1; // in no listed leaf, or twice
		uint8_t *p = bits & MEM_ENT_SHARED ? shared_page(l, m, ix) : NULL;
		if (p) {
			*ent = (uint8_t *)((uintptr_t)p | MEM_ENT_SHARED);
			m->pages_shared++;
		} else {
			if (!(p = page_get(m)))
				return -1;
			fill(l, p, ix);
			*ent = (uint8_t *)((uintptr_t)p | (bits & MEM_ENT_KEEP));
		}
		m->pages_private++;
	}
	m->unscanned = unpack_u32(u);
	m->scan_leaves = unpack_u64(u);
	m->cow_copies = unpack_u64(u);
	m->unshares = unpack_u64(u);
	return u->bad || m->unscanned > m->pages_private ? -1 : 0;
}
