// SPDX-License-Identifier: MIT
// The data TLB's slow paths: translating a page through the memory owner's map()
// callback, accesses that cross a page or miss the TLB, and the self-modifying-code
// check. The fast path (one tag compare) is inline in exec.c; the decode cache that
// writes must invalidate is in dcache.c.
#include <string.h>

#include "cpu/cpu_internal.h"


static void record_pf(struct cpu_exec *x, struct dinsn *d, uint32_t a, enum cpu_access acc)
{
	(void)d;
	struct cpu_fault *f = &x->c->fault;
	f->vector = CPU_VEC_PF;
	f->error_code = acc;
	f->addr = a;
}

// A write reached a page with decoded code (or one whose mapping changed under the
// code TLB): make the run loop leave the current block after this instruction.
static void smc_hit(struct cpu_exec *x, struct dinsn *d)
{
	dcache_flush_ctlb(x);
	x->attn |= ATTN_SMC;
	x->st.smc_invalidations++;
	if (d && !x->patched && !(d->flags & DI_TERM) && d->op != OP_BLOCK_END &&
	    d->op != OP_STEP_END && d->op != OP_SMC_EXIT) {
		struct dinsn *n = d + 1;
		x->patched = n;
		x->patched_orig = *n;
		n->op = OP_SMC_EXIT;
		n->h = x->labels ? x->labels[OP_SMC_EXIT] : NULL;
	}
}

// Translates the page of a for acc, installing a TLB entry. Returns the host address
// of a, or NULL with #PF recorded.
static uint8_t *xlate(struct cpu_exec *x, struct dinsn *d, uint32_t a, enum cpu_access acc)
{
	struct cpu_page_info pi = { 0 };
	uint32_t page = a & CPU_PAGE_MASK;
	struct tlb_ent *e = &x->tlb[(a >> 12) & (TLB_N - 1)];
	// The first write to a shared page the VM has read is no new miss: a private page
	// would have taken it on the fast path (cpu_page_info.shared).
	if (!(acc == CPU_ACC_WRITE && e->rtag == page && e->wtag == (page | TLB_SHARED_W)))
		x->st.tlb_misses++;
	if (x->mem->map(x->mem->ctx, page, acc, &pi) != 0 || !pi.host) {
		record_pf(x, d, a, acc);
		return NULL;
	}
	e->base = (uintptr_t)pi.host - page;
	e->rtag = page;
	e->wtag = TLB_INVALID;
	if (acc == CPU_ACC_WRITE) {
		if (dcache_drop(x, pi.host))
			smc_hit(x, d);
		// A copy-on-write copy of a page we were executing from.
		struct ctlb_ent *ce = &x->ctlb[(a >> 12) & (CTLB_N - 1)];
		if (ce->tag == page && ce->dp->host != pi.host)
			smc_hit(x, d);
		e->wtag = page;
	} else if (pi.writable && !dcache_find(x, pi.host)) {
		e->wtag = page;
	} else if (pi.shared) {
		e->wtag = page | TLB_SHARED_W;
	}
	return pi.host + (a & ~CPU_PAGE_MASK);
}

int tlb_slow_read(struct cpu_exec *x, struct dinsn *d, uint32_t a, unsigned size,
		  enum cpu_access acc, uint64_t *out)
{
	x->st.slow_accesses++;
	uint32_t last = a + size - 1;
	if ((a ^ last) & CPU_PAGE_MASK) { // crosses a page: translate both first
		uint8_t *p1 = xlate(x, d, a, acc);
		if (!p1)
			return -1;
		uint8_t *p2 = xlate(x, d, last & CPU_PAGE_MASK, acc);
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
	uint8_t *p = xlate(x, d, a, acc);
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
	uint8_t *p1 = xlate(x, d, a, CPU_ACC_WRITE);
	if (!p1)
		return -1;
	if ((a ^ last) & CPU_PAGE_MASK) {
		uint8_t *p2 = xlate(x, d, last & CPU_PAGE_MASK, CPU_ACC_WRITE);
		if (!p2) {
			x->c->fault.addr = last & CPU_PAGE_MASK;
			return -1;
		}
		unsigned n1 = CPU_PAGE_SIZE - (a & ~CPU_PAGE_MASK);
		uint8_t buf[8];
		memcpy(buf, &v, size);
		memcpy(p1, buf, n1);
		memcpy(p2, buf + n1, size - n1);
		return 0;
	}
	memcpy(p1, &v, size);
	return 0;
}
