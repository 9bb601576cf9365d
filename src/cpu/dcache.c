// SPDX-License-Identifier: MIT
// The decode cache: decoded blocks per host code page, and the code TLB.
//
// Decoded blocks are cached per host code page (struct dpage), found by hashing the
// host page address. Every VM that maps the same host page (a shared, copy-on-write
// image page) therefore shares its decoded code. A page that holds decoded code never
// gets a fast-path write TLB entry, so every guest write to it reaches
// tlb_slow_write() (tlb.c). A dpage records which bytes its decoded instructions cover
// (code[]); a write that changes one of them resets the page (dcache_reset): its blocks
// are forgotten and its block storage is reused, without freeing or allocating
// anything, so a guest rewriting its own code in a loop costs one re-decode per write.
// A write elsewhere in the page costs only that test.
// Decoded code is bounded (cpu_exec_opts.dcache_max_bytes): past the bound every page
// is dropped at the next block lookup and decoded again as it runs. Neither resets
// nor drops change a result: a block is a function of its bytes and its entry offset.
// The hash only speeds up lookups: no result depends on host addresses.
// The data TLB's slow paths are in tlb.c.
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_internal.h"

struct arena {
	struct arena *next;
	size_t used, cap;
	_Alignas(16) unsigned char mem[];
};

#define ARENA_CHUNK (16u * 1024u)
#define DCACHE_MAX_DEFAULT ((size_t)128 << 20)

static void *arena_alloc(struct cpu_exec *x, struct arena **ap, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct arena *a = *ap;
	if (!a || a->cap - a->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		struct arena *na = malloc(sizeof *na + cap);
		if (!na)
			return NULL;
		na->next = a;
		na->used = 0;
		na->cap = cap;
		*ap = a = na;
		x->st.dcache_bytes += sizeof *na + cap;
	}
	void *p = a->mem + a->used;
	a->used += n;
	return p;
}

// Frees the chunks of an arena list; returns the bytes freed.
static size_t arena_free(struct arena *a)
{
	size_t n = 0;
	while (a) {
		struct arena *next = a->next;
		n += sizeof *a + a->cap;
		free(a);
		a = next;
	}
	return n;
}

static size_t hash_of(const struct cpu_exec *x, const uint8_t *host)
{
	uint64_t h = (uint64_t)((uintptr_t)host >> 12) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & (x->hash_size - 1);
}

struct dpage *dcache_find(struct cpu_exec *x, const uint8_t *host)
{
	for (struct dpage *p = x->hash[hash_of(x, host)]; p; p = p->hnext)
		if (p->host == host)
			return p;
	return NULL;
}

static void dpage_free(struct cpu_exec *x, struct dpage *p)
{
	x->st.dcache_bytes -= arena_free(p->arena) + sizeof *p + p->capused * sizeof *p->used;
	free(p->used);
	free(p);
}

static void grow_hash(struct cpu_exec *x)
{
	size_t old = x->hash_size;
	struct dpage **oh = x->hash;
	struct dpage **nh = calloc(old * 2, sizeof *nh);
	if (!nh)
		return; // keep the old table: longer chains, still correct
	x->hash = nh;
	x->hash_size = old * 2;
	for (size_t i = 0; i < old; i++) {
		for (struct dpage *p = oh[i], *n; p; p = n) {
			n = p->hnext;
			size_t h = hash_of(x, p->host);
			p->hnext = nh[h];
			nh[h] = p;
		}
	}
	free(oh);
}

void dcache_flush_ctlb(struct cpu_exec *x)
{
	for (unsigned i = 0; i < CTLB_N; i++)
		x->ctlb[i].tag = TLB_INVALID;
}

// Removes the decoded code of `host` (if any). Inside a run the dpage becomes a
// zombie, freed when cpu_run returns, because the loop may still point into it.
bool dcache_drop(struct cpu_exec *x, const uint8_t *host)
{
	struct dpage **pp = &x->hash[hash_of(x, host)];
	for (; *pp; pp = &(*pp)->hnext) {
		struct dpage *p = *pp;
		if (p->host != host)
			continue;
		*pp = p->hnext;
		x->count--;
		dcache_flush_ctlb(x);
		if (x->running) {
			p->znext = x->zombies;
			x->zombies = p;
		} else {
			dpage_free(x, p);
		}
		return true;
	}
	return false;
}

void dcache_free_zombies(struct cpu_exec *x)
{
	while (x->zombies) {
		struct dpage *p = x->zombies;
		x->zombies = p->znext;
		dpage_free(x, p);
	}
}

// Drops every dpage now. Only where no block is in use: outside a run, or at a block
// lookup (exec.c), where the run loop holds no pointer into the cache.
static void drop_all(struct cpu_exec *x)
{
	for (size_t i = 0; i < x->hash_size; i++) {
		for (struct dpage *p = x->hash[i], *n; p; p = n) {
			n = p->hnext;
			dpage_free(x, p);
		}
		x->hash[i] = NULL;
	}
	x->count = 0;
	dcache_flush_ctlb(x);
	// No page has code now: writes may use the fast path again after a TLB refill.
	memset(x->wcode, 0, sizeof x->wcode);
	for (unsigned i = 0; i < TLB_N; i++)
		x->tlb[i].wtag = TLB_INVALID;
	x->st.dcache_drops++;
}

struct cpu_exec *cpu_exec_new(const struct cpu_exec_opts *opts)
{
	struct cpu_exec *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->hash_size = 256;
	x->hash = calloc(x->hash_size, sizeof *x->hash);
	x->scratch = calloc(1, sizeof *x->scratch + 2 * sizeof(struct dinsn));
	if (!x->hash || !x->scratch) {
		free(x->hash);
		free(x->scratch);
		free(x);
		return NULL;
	}
	x->block_max = opts && opts->block_max_insns > 0 ? opts->block_max_insns : 32;
	if (x->block_max > BLOCK_MAX)
		x->block_max = BLOCK_MAX;
	x->dcache_max = opts && opts->dcache_max_bytes ? opts->dcache_max_bytes
						       : DCACHE_MAX_DEFAULT;
	cpu_exec_flush_tlb(x);
	return x;
}

void cpu_exec_free(struct cpu_exec *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->hash_size; i++) {
		for (struct dpage *p = x->hash[i], *n; p; p = n) {
			n = p->hnext;
			dpage_free(x, p);
		}
	}
	dcache_free_zombies(x);
	free(x->hash);
	free(x->scratch);
	free(x);
}

uint64_t cpu_exec_host_bytes(const struct cpu_exec *x, uint64_t *code_pages)
{
	uint64_t b = sizeof *x + x->hash_size * sizeof *x->hash + sizeof *x->scratch +
		     2 * sizeof(struct dinsn);
	for (size_t i = 0; i < x->hash_size; i++)
		for (const struct dpage *p = x->hash[i]; p; p = p->hnext) {
			b += sizeof *p;
			for (const struct arena *a = p->arena; a; a = a->next)
				b += sizeof *a + a->cap;
		}
	if (code_pages)
		*code_pages = x->count;
	return b;
}

void cpu_exec_flush_tlb(struct cpu_exec *x)
{
	for (unsigned i = 0; i < TLB_N; i++) {
		x->tlb[i].rtag = x->tlb[i].wtag = TLB_INVALID;
		x->tlb[i].base = 0;
	}
	memset(x->wcode, 0, sizeof x->wcode);
	dcache_flush_ctlb(x);
	// A mapping changed during the run (copy-on-write of a page being executed, for
	// example): the run loop must look up its next block anew (ATTN_SMC) instead of
	// following its current code page, which may be the old host page.
	if (x->running)
		x->attn |= ATTN_SMC;
}

void cpu_exec_page_freed(struct cpu_exec *x, const uint8_t *host_page)
{
	dcache_drop(x, host_page);
	for (unsigned i = 0; i < TLB_N; i++) {
		struct tlb_ent *e = &x->tlb[i];
		if (e->rtag != TLB_INVALID && (const uint8_t *)(e->base + e->rtag) == host_page) {
			e->rtag = e->wtag = TLB_INVALID;
			x->wcode[i] = 0;
		}
	}
}

void cpu_exec_page_moved(struct cpu_exec *x, uint32_t gaddr, const uint8_t *from,
			 uint8_t *to)
{
	uint32_t page = gaddr & CPU_PAGE_MASK;
	// Code of this guest page now comes from `to`: the code TLB and, if the page is
	// the running block's, the run loop must look it up anew (as after a flush).
	struct ctlb_ent *ce = &x->ctlb[(page >> 12) & (CTLB_N - 1)];
	if (ce->tag == page)
		ce->tag = TLB_INVALID;
	if (x->running && page == x->code_page)
		x->attn |= ATTN_SMC;
	unsigned i = (page >> 12) & (TLB_N - 1);
	struct tlb_ent *e = &x->tlb[i];
	if (e->rtag != page || (const uint8_t *)(e->base + page) != from)
		return;
	e->base = (uintptr_t)to - page;
	if (e->wtag == (page | TLB_SHARED_W)) {
		// Writable now: fast writes unless they must be checked (tlb.c xlate).
		if (page == x->code_page || dcache_find(x, to)) {
			e->wtag = TLB_INVALID;
			x->wcode[i] = 1;
		} else {
			e->wtag = page;
		}
	}
}

bool cpu_exec_has_code(struct cpu_exec *x, const uint8_t *host_page)
{
	return dcache_find(x, host_page) != NULL;
}

const struct cpu_exec_stats *cpu_exec_stats(const struct cpu_exec *x)
{
	return &x->st;
}

// --- Which bytes hold decoded code ------------------------------------------------

// The bits of code[] for bytes [off, end) that fall in word w (off < end <= 4096).
static inline uint32_t code_bits(unsigned w, unsigned off, unsigned end)
{
	unsigned lo = w * 32 > off ? 0 : off - w * 32;
	unsigned hi = end - w * 32 >= 32 ? 32 : end - w * 32;
	uint32_t m = hi == 32 ? 0xffffffffu : (1u << hi) - 1;
	return m & ~((1u << lo) - 1);
}

static void mark_code(struct dpage *dp, unsigned off, unsigned len)
{
	unsigned end = off + len > CPU_PAGE_SIZE ? CPU_PAGE_SIZE : off + len;
	for (unsigned w = off / 32; w * 32 < end; w++)
		dp->code[w] |= code_bits(w, off, end);
}

bool dcache_overlaps(const struct dpage *dp, unsigned off, unsigned len)
{
	unsigned end = off + len > CPU_PAGE_SIZE ? CPU_PAGE_SIZE : off + len;
	for (unsigned w = off / 32; w * 32 < end; w++)
		if (dp->code[w] & code_bits(w, off, end))
			return true;
	return false;
}

// Remembers that blk[off] is set, so that dcache_reset can clear it.
static bool note_used(struct cpu_exec *x, struct dpage *dp, unsigned off)
{
	if (dp->nused == dp->capused) {
		unsigned cap = dp->capused ? dp->capused * 2u : 16u;
		uint16_t *n = realloc(dp->used, cap * sizeof *n);
		if (!n)
			return false;
		x->st.dcache_bytes += (cap - dp->capused) * sizeof *n;
		dp->used = n;
		dp->capused = (uint16_t)cap;
	}
	dp->used[dp->nused++] = (uint16_t)off;
	return true;
}

void dcache_reset(struct cpu_exec *x, struct dpage *dp)
{
	for (unsigned i = 0; i < dp->nused; i++)
		dp->blk[dp->used[i]] = NULL;
	dp->nused = 0;
	memset(dp->code, 0, sizeof dp->code);
	// The running block may live in this arena: reuse it only at the next build,
	// which happens at a block lookup, when no block is in use.
	dp->rewind = true;
	// The running block may link to the page's old blocks: end it through the full
	// lookup (ATTN_SMC), as for a remapped page.
	if (x->running)
		x->attn |= ATTN_SMC;
	x->st.code_resets++;
}

void cpu_exec_code_written(struct cpu_exec *x, const uint8_t *host_page, unsigned off,
			   unsigned len)
{
	struct dpage *dp = dcache_find(x, host_page);
	if (dp && dcache_overlaps(dp, off, len))
		dcache_reset(x, dp);
}

// Makes the arena of dp empty again, keeping its newest chunk.
static void rewind_arena(struct cpu_exec *x, struct dpage *dp)
{
	struct arena *a = dp->arena;
	if (a) {
		x->st.dcache_bytes -= arena_free(a->next);
		a->next = NULL;
		a->used = 0;
	}
	dp->rewind = false;
}

// --- Code pages -------------------------------------------------------------------

// Records a #PF on instruction fetch at addr (of the instruction at eip); returns NULL.
static void *fetch_fault(struct cpu_exec *x, uint32_t addr, uint32_t eip)
{
	struct cpu_fault *f = &x->c->fault;
	f->vector = CPU_VEC_PF;
	f->error_code = CPU_ACC_EXEC;
	f->addr = addr;
	f->eip = eip;
	return NULL;
}

// Translates the code page of eip, fills the code TLB entry and returns its dpage
// (created on first use). Returns NULL (with #PF recorded) if eip is not mapped.
// Called only at a block lookup (exec.c), so it may drop the whole cache.
struct dpage *dcache_code_page(struct cpu_exec *x, uint32_t eip, struct ctlb_ent *ce)
{
	struct cpu_page_info pi;
	uint32_t page = eip & CPU_PAGE_MASK;
	if (x->mem->map(x->mem->ctx, page, CPU_ACC_EXEC, &pi) != 0 || !pi.host) {
		return fetch_fault(x, eip, eip);
	}
	struct dpage *dp = dcache_find(x, pi.host);
	if (!dp) {
		if (x->st.dcache_bytes + sizeof *dp > x->dcache_max)
			drop_all(x);
		dp = calloc(1, sizeof *dp);
		if (!dp) { // out of host memory: a #PF the caller sees in st.host_oom
			x->st.host_oom++;
			return fetch_fault(x, eip, eip);
		}
		x->st.dcache_bytes += sizeof *dp;
		dp->host = pi.host;
		size_t h = hash_of(x, pi.host);
		dp->hnext = x->hash[h];
		x->hash[h] = dp;
		if (++x->count > x->hash_size * 2)
			grow_hash(x);
		// Writes to this page must now take the slow path.
		for (unsigned i = 0; i < TLB_N; i++) {
			struct tlb_ent *e = &x->tlb[i];
			if (e->wtag != TLB_INVALID && (const uint8_t *)(e->base + e->wtag) == pi.host) {
				e->wtag = TLB_INVALID;
				x->wcode[i] = 1;
			}
		}
		x->st.dcache_misses++;
	} else {
		x->st.dcache_hits++;
	}
	ce->tag = page;
	ce->dp = dp;
	return dp;
}

static void finish_block(struct cpu_exec *x, struct dinsn *d, int total)
{
	for (int i = 0; i < total; i++) {
		d[i].hop = exec_select(d, i, total);
		d[i].h = x->labels ? x->labels[d[i].hop] : NULL;
		d[i].r8 = (uint8_t)reg8_off(d[i].reg & 7);
		d[i].rm8 = (uint8_t)reg8_off(d[i].rm & 7);
	}
}

// Decodes the block at offset off of a code page. Returns DBLOCK_CROSS when the first
// instruction crosses the page end, NULL when out of memory. Called only at a block
// lookup (see rewind_arena).
struct dblock *dcache_build(struct cpu_exec *x, struct dpage *dp, unsigned off)
{
	struct dinsn tmp[BLOCK_MAX + 1];
	int n = 0;
	unsigned pos = off;
	unsigned cost = 0;
	if (dp->rewind)
		rewind_arena(x, dp);
	while (n < x->block_max && pos < CPU_PAGE_SIZE) {
		struct dinsn *d = &tmp[n];
		if (decode_one(dp->host + pos, CPU_PAGE_SIZE - pos, d) < 0)
			break; // crosses the page end: decoded on its own each time
		d->off = (uint16_t)pos;
		d->pre = (uint16_t)cost;
		d->idx = (uint8_t)n;
		cost += d->cost;
		pos += d->len;
		n++;
		if (d->flags & DI_TERM)
			break;
	}
	if (!note_used(x, dp, off))
		return NULL;
	if (n == 0) {
		// The instruction crosses the page end: executed from dcache_scratch, which
		// reads its bytes every time, so no byte of it needs marking.
		dp->blk[off] = DBLOCK_CROSS;
		return DBLOCK_CROSS;
	}
	int total = n;
	if (!(tmp[n - 1].flags & DI_TERM)) {
		struct dinsn *e = &tmp[n];
		memset(e, 0, sizeof *e);
		e->op = OP_BLOCK_END;
		e->off = (uint16_t)pos;
		e->pre = (uint16_t)cost;
		e->idx = (uint8_t)n;
		e->base = e->index = NOREG;
		total++;
	}
	struct dblock *b = arena_alloc(x, &dp->arena, sizeof *b + (size_t)total * sizeof tmp[0]);
	if (!b) {
		dp->nused--;
		return NULL;
	}
	b->n = (uint16_t)n;
	b->cost = (uint16_t)cost;
	b->next[0] = b->next[1] = NULL;
	memcpy(b->insn, tmp, (size_t)total * sizeof tmp[0]);
	finish_block(x, b->insn, total);
	mark_code(dp, off, pos - off);
	dp->blk[off] = b;
	x->st.blocks_decoded++;
	return b;
}

// Decodes the single instruction at eip into the scratch block, fetching its bytes
// across a page boundary if needed. Followed by OP_STEP_END (step) or OP_BLOCK_END.
// Returns NULL with #PF recorded when a byte of the instruction is not mapped.
struct dblock *dcache_scratch(struct cpu_exec *x, uint32_t eip, bool step)
{
	uint8_t bytes[16];
	size_t have = 0;
	struct dinsn *d = &x->scratch->insn[0];
	int len;
	for (;;) {
		uint32_t a = eip + (uint32_t)have;
		struct cpu_page_info pi;
		if (x->mem->map(x->mem->ctx, a & CPU_PAGE_MASK, CPU_ACC_EXEC, &pi) != 0 ||
		    !pi.host) {
			return fetch_fault(x, a, eip);
		}
		size_t chunk = CPU_PAGE_SIZE - (a & ~CPU_PAGE_MASK);
		if (chunk > 15 - have)
			chunk = 15 - have;
		memcpy(bytes + have, pi.host + (a & ~CPU_PAGE_MASK), chunk);
		have += chunk;
		len = decode_one(bytes, have, d);
		if (len >= 0 || have >= 15)
			break;
	}
	if (len < 0) { // 15 bytes and still incomplete: too long
		decode_one(bytes, 1, d);
		memset(d, 0, sizeof *d);
		d->op = OP_UD;
		d->len = 15;
		d->flags = DI_TERM;
		d->base = d->index = NOREG;
	}
	d->off = (uint16_t)(eip & ~CPU_PAGE_MASK);
	d->pre = 0;
	d->idx = 0;
	struct dinsn *e = &x->scratch->insn[1];
	memset(e, 0, sizeof *e);
	e->op = step ? OP_STEP_END : OP_BLOCK_END;
	e->off = (uint16_t)(d->off + d->len);
	e->pre = d->cost;
	e->idx = 1;
	e->base = e->index = NOREG;
	x->scratch->n = 1;
	x->scratch->cost = d->cost;
	x->scratch->next[0] = x->scratch->next[1] = NULL; // never linked (exec.c)
	finish_block(x, x->scratch->insn, 2);
	return x->scratch;
}
