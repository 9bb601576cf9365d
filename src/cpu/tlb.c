// SPDX-License-Identifier: MIT
// The data TLB's slow paths: translating a page through the memory owner's map()
// callback, accesses that cross a page or miss the TLB, and writes into pages with
// decoded code (self-modifying code). The fast path (one tag compare) is inline in
// exec.c; the decode cache that writes must invalidate is in dcache.c.
#include <string.h>

#include "cpu/cpu_internal.h"

static void record_pf(struct cpu_exec *x, uint32_t a, enum cpu_access acc)
{
	struct cpu_fault *f = &x->c->fault;
	f->vector = CPU_VEC_PF;
	f->error_code = acc;
	f->addr = a;
}

// The instruction d wrote new bytes into its own block, after itself: its block must
// end right after it, so that the new bytes run from the next instruction (as on
// x86). The next entry becomes OP_SMC_EXIT, which restores it (the block may be
// shared and still valid for other VMs) and looks the next block up anew.
static void smc_exit(struct cpu_exec *x, struct dinsn *d)
{
	x->attn |= ATTN_SMC;
	x->st.smc_exits++;
	if (!x->patched && !(d->flags & DI_TERM) && d->op != OP_BLOCK_END &&
	    d->op != OP_STEP_END && d->op != OP_SMC_EXIT) {
		struct dinsn *n = d + 1;
		x->patched = n;
		x->patched_orig = *n;
		n->op = n->hop = OP_SMC_EXIT;
		n->h = x->labels ? x->labels[OP_SMC_EXIT] : NULL;
	}
}

// Whether guest bytes [a, a + n) (within one page) overlap the instructions after d
// in d's block. The block's extent depends only on its entry point and its bytes, so
// whether a store ends the block never depends on what else the decode cache holds.
static bool after_in_block(const struct cpu_exec *x, const struct dinsn *d, uint32_t a,
			   unsigned n)
{
	if (x->attn & ATTN_STEP) {
		// One instruction of the block cpu_block_info reported (a tracer's step):
		// the rest of that block, as cpu_run would have run it.
		if (!x->sblk_valid || (a & CPU_PAGE_MASK) != x->sblk_page ||
		    x->code_page != x->sblk_page || d->off < x->sblk_lo || d->off >= x->sblk_hi)
			return false;
		unsigned off = a & ~CPU_PAGE_MASK;
		return off < x->sblk_hi && off + n > (unsigned)d->off + d->len;
	}
	if ((a & CPU_PAGE_MASK) != x->code_page || (d->flags & DI_TERM))
		return false; // another page, or nothing after d (a scratch block's one
			      // instruction may cross pages, but it is the last)
	// The block ends at its DI_TERM instruction or its synthetic end entry; an entry
	// patched to OP_SMC_EXIT is read as the original.
	const struct dinsn *o;
	for (const struct dinsn *e = d + 1;; e++) {
		o = e == x->patched ? &x->patched_orig : e;
		if (o->op == OP_BLOCK_END || o->op == OP_STEP_END || (o->flags & DI_TERM))
			break;
	}
	unsigned lo = d->off + d->len;
	unsigned hi = o->op == OP_BLOCK_END || o->op == OP_STEP_END ? o->off : o->off + o->len;
	unsigned off = a & ~CPU_PAGE_MASK;
	return off < hi && off + n > lo;
}

// Before a write of n bytes v at guest address a (within one page), host address p
// (dp: the page's decoded code, or NULL). Bytes that do not change need nothing. New
// bytes over decoded instructions reset the page; over the rest of the running block
// (which may have been decoded from the page's copy-on-write original), they end it.
static void before_write(struct cpu_exec *x, struct dinsn *d, struct dpage *dp, uint32_t a,
			 const uint8_t *p, unsigned n, const uint8_t *v)
{
	bool in_code = dp && dcache_overlaps8(dp, a & ~CPU_PAGE_MASK, n);
	bool in_block = d->op != OP_SMC_EXIT && after_in_block(x, d, a, n);
	if ((!in_code && !in_block) || memcmp(p, v, n) == 0)
		return;
	if (in_code) {
		dcache_reset(x, dp);
		x->st.smc_invalidations++;
	}
	if (in_block)
		smc_exit(x, d);
}

// Translates the page of a for acc, installing a TLB entry. Returns the host address
// of a, or NULL with #PF recorded. A mapping change during map() (copy-on-write)
// flushes the TLB, and with it makes the run loop re-look-up its code page.
static uint8_t *xlate(struct cpu_exec *x, uint32_t a, enum cpu_access acc)
{
	struct cpu_page_info pi = { 0 };
	uint32_t page = a & CPU_PAGE_MASK;
	unsigned i = (a >> 12) & (TLB_N - 1);
	struct tlb_ent *e = &x->tlb[i];
	// The first write to a shared page the VM has read is no new miss: a private page
	// would have taken it on the fast path (cpu_page_info.shared).
	if (!(acc == CPU_ACC_WRITE && e->rtag == page && e->wtag == (page | TLB_SHARED_W)))
		x->st.tlb_misses++;
	if (x->mem->map(x->mem->ctx, page, acc, &pi) != 0 || !pi.host) {
		record_pf(x, a, acc);
		return NULL;
	}
	e->base = (uintptr_t)pi.host - page;
	e->rtag = page;
	e->wtag = TLB_INVALID;
	x->wcode[i] = 0;
	if (acc == CPU_ACC_WRITE || pi.writable) {
		// Writable: fast writes, unless the page holds decoded code or is the page
		// of the running block, whose decoded copy may come from another host page
		// (before a copy-on-write): such writes are checked (before_write).
		if (page == x->code_page || dcache_find(x, pi.host))
			x->wcode[i] = 1;
		else
			e->wtag = page;
	} else if (pi.shared) {
		e->wtag = page | TLB_SHARED_W; // the first write: no new miss (above)
	}
	return pi.host + (a & ~CPU_PAGE_MASK);
}

// The host address of a for writing (a's page, not crossing), or NULL with #PF
// recorded. *dp is the page's decoded code, or NULL.
static uint8_t *xlate_write(struct cpu_exec *x, uint32_t a, struct dpage **dp)
{
	unsigned i = (a >> 12) & (TLB_N - 1);
	const struct tlb_ent *e = &x->tlb[i];
	uint8_t *p;
	if (x->wcode[i] && e->rtag == (a & CPU_PAGE_MASK))
		p = (uint8_t *)(e->base + a); // a page with code, already translated
	else if (!(p = xlate(x, a, CPU_ACC_WRITE)))
		return NULL;
	*dp = x->wcode[i] ? dcache_find(x, p - (a & ~CPU_PAGE_MASK)) : NULL;
	// A write to the running block's page always comes here (xlate), so a
	// fast-path write can never change the running block.
	return p;
}

// Misaligned accesses. The fast path's tag includes the low address bits, so a
// misaligned access always comes here, and the context-switch model counts it as a
// TLB miss for each page it touches (xlate). When the TLB already translates those
// pages, translating them again would call map() for the same answer and leave each
// entry as it is (an entry always holds what xlate installs for its page: mem.c
// flushes the TLB, or calls cpu_exec_page_freed or cpu_exec_page_moved, whenever a
// translation changes), so the access counts the same misses and uses the entries.
// Reads: every page readable through rtag. Writes: pages with fast writes (wtag),
// never the running block's page (before_write).
static inline bool tlb_has_read(const struct cpu_exec *x, uint32_t page)
{
	return x->tlb[(page >> 12) & (TLB_N - 1)].rtag == page;
}

static inline bool tlb_has_write(const struct cpu_exec *x, uint32_t page)
{
	return x->tlb[(page >> 12) & (TLB_N - 1)].wtag == page && page != x->code_page;
}

static inline uint8_t *tlb_host(const struct cpu_exec *x, uint32_t a)
{
	return (uint8_t *)(x->tlb[(a >> 12) & (TLB_N - 1)].base + a);
}

int tlb_slow_read(struct cpu_exec *x, struct dinsn *d, uint32_t a, unsigned size,
		  enum cpu_access acc, uint64_t *out)
{
	(void)d;
	x->st.slow_accesses++;
	uint32_t last = a + size - 1;
	if (acc == CPU_ACC_READ && tlb_has_read(x, a & CPU_PAGE_MASK) &&
	    tlb_has_read(x, last & CPU_PAGE_MASK)) {
		uint8_t buf[8];
		unsigned n1 = size;
		if ((a ^ last) & CPU_PAGE_MASK) {
			n1 = CPU_PAGE_SIZE - (a & ~CPU_PAGE_MASK);
			memcpy(buf + n1, tlb_host(x, last & CPU_PAGE_MASK), size - n1);
			x->st.tlb_misses++;
		}
		memcpy(buf, tlb_host(x, a), n1);
		x->st.tlb_misses++;
		uint64_t v = 0;
		memcpy(&v, buf, size);
		*out = v;
		return 0;
	}
	if ((a ^ last) & CPU_PAGE_MASK) { // crosses a page: translate both first
		uint8_t *p1 = xlate(x, a, acc);
		if (!p1)
			return -1;
		uint8_t *p2 = xlate(x, last & CPU_PAGE_MASK, acc);
		if (!p2) {
			x->c->fault.addr = last & CPU_PAGE_MASK;
			return -1;
		}
		unsigned n1 = CPU_PAGE_SIZE - (a & ~CPU_PAGE_MASK);
		uint8_t buf[8];
		memcpy(buf, p1, n1);
		memcpy(buf + n1, p2, size - n1);
		uint64_t v = 0;
		memcpy(&v, buf, size);
		*out = v;
		return 0;
	}
	uint8_t *p = xlate(x, a, acc);
	if (!p)
		return -1;
	uint64_t v = 0;
	memcpy(&v, p, size);
	*out = v;
	return 0;
}

int tlb_slow_write(struct cpu_exec *x, struct dinsn *d, uint32_t a, unsigned size, uint64_t v)
{
	x->st.slow_accesses++;
	uint32_t last = a + size - 1;
	unsigned i = (a >> 12) & (TLB_N - 1);
	const struct tlb_ent *e = &x->tlb[i];
	if (x->wcode[i] && e->rtag == (a & (CPU_PAGE_MASK | (size - 1)))) {
		// The common case of a store into a page with code: translated, aligned.
		uint8_t *p = (uint8_t *)(e->base + a);
		struct dpage *dp = dcache_find(x, p - (a & ~CPU_PAGE_MASK));
		before_write(x, d, dp, a, p, size, (const uint8_t *)&v);
		memcpy(p, &v, size);
		return 0;
	}
	uint8_t buf[8];
	memcpy(buf, &v, size);
	if (tlb_has_write(x, a & CPU_PAGE_MASK) && tlb_has_write(x, last & CPU_PAGE_MASK)) {
		unsigned n1 = size; // misaligned, translated: see tlb_has_read
		if ((a ^ last) & CPU_PAGE_MASK) {
			n1 = CPU_PAGE_SIZE - (a & ~CPU_PAGE_MASK);
			memcpy(tlb_host(x, last & CPU_PAGE_MASK), buf + n1, size - n1);
			x->st.tlb_misses++;
		}
		memcpy(tlb_host(x, a), buf, n1);
		x->st.tlb_misses++;
		return 0;
	}
	struct dpage *dp1, *dp2 = NULL;
	uint8_t *p1 = xlate_write(x, a, &dp1), *p2 = NULL;
	if (!p1)
		return -1;
	unsigned n1 = size;
	if ((a ^ last) & CPU_PAGE_MASK) { // crosses a page: translate both first
		p2 = xlate_write(x, last & CPU_PAGE_MASK, &dp2);
		if (!p2) {
			x->c->fault.addr = last & CPU_PAGE_MASK;
			return -1;
		}
		n1 = CPU_PAGE_SIZE - (a & ~CPU_PAGE_MASK);
	}
	before_write(x, d, dp1, a, p1, n1, buf);
	if (p2)
		before_write(x, d, dp2, last & CPU_PAGE_MASK, p2, size - n1, buf + n1);
	memcpy(p1, buf, n1);
	if (p2)
		memcpy(p2, buf + n1, size - n1);
	return 0;
}

// --- checkpoints ----------------------------------------------------------------------

_Static_assert(CPU_TLB_ENTRIES == TLB_N, "one TLB size");

void cpu_exec_tlb_save(const struct cpu_exec *x, struct cpu_tlb_state *s)
{
	for (unsigned i = 0; i < TLB_N; i++) {
		const struct tlb_ent *e = &x->tlb[i];
		s->page[i] = e->rtag;
		s->write[i] = e->rtag == TLB_INVALID	       ? CPU_TLB_W_NONE
			      : x->wcode[i]		       ? CPU_TLB_W_CHECKED
			      : e->wtag == e->rtag	       ? CPU_TLB_W_FAST
			      : e->wtag == (e->rtag | TLB_SHARED_W) ? CPU_TLB_W_SHARED
								     : CPU_TLB_W_NONE;
	}
}

int cpu_exec_tlb_load(struct cpu_exec *x, const struct cpu *c, const struct cpu_mem *mem,
		      const struct cpu_tlb_state *s)
{
	cpu_exec_flush_tlb(x);
	x->last_cpu = c;
	x->last_ctx = mem->ctx;
	x->mem = mem;
	for (unsigned i = 0; i < TLB_N; i++) {
		uint32_t page = s->page[i];
		if (page == TLB_INVALID)
			continue;
		if ((page & ~CPU_PAGE_MASK) || ((page >> 12) & (TLB_N - 1)) != i ||
		    s->write[i] > CPU_TLB_W_SHARED)
			goto bad;
		struct cpu_page_info pi = { 0 };
		if (mem->map(mem->ctx, page, CPU_ACC_READ, &pi) != 0 || !pi.host)
			goto bad;
		struct tlb_ent *e = &x->tlb[i];
		e->base = (uintptr_t)pi.host - page;
		e->rtag = page;
		e->wtag = TLB_INVALID;
		switch (s->write[i]) {
		case CPU_TLB_W_FAST:
			if (!pi.writable)
				goto bad;
			e->wtag = page;
			break;
		case CPU_TLB_W_CHECKED:
			if (!pi.writable)
				goto bad;
			x->wcode[i] = 1;
			break;
		case CPU_TLB_W_SHARED:
			// Shared when saved; a private copy now (sharing off, or the table
			// full) takes the same write with no miss on the fast path.
			if (pi.shared)
				e->wtag = page | TLB_SHARED_W;
			else if (pi.writable)
				e->wtag = page;
			else
				goto bad;
			break;
		default:
			break;
		}
	}
	return 0;
bad:
	cpu_exec_flush_tlb(x);
	return -1;
}
