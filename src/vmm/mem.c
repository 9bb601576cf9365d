// SPDX-License-Identifier: MIT
// Per-VM guest memory: page table, copy-on-write, first-touch allocation, copy helpers.
// The layout and page-table shape are described in mem.h. The rule this file keeps for
// the CPU's software TLB: a mapping handed out by mem_map stays valid until
// cpu_exec_flush_tlb(); so when a page changes from shared to private we flush, and we
// call cpu_exec_page_freed() before a private page is freed. Every write into guest
// memory other than the guest's own goes through copy() and tells the CPU
// (cpu_exec_code_written), so decoded code never outlives its bytes.
#include "vmm/mem.h"

#include <stdlib.h>
#include <string.h>

#include "vmm/image.h"
#include "vmm/obs.h"
#include "vmm/pagepool.h"
#include "vmm/pageshare.h"
#include "vmm/physmem.h"

#define PAGE CPU_PAGE_SIZE
#define ENT_BITS ((uintptr_t)(MEM_ENT_SHARED | MEM_ENT_KEEP))

// A page-table entry's host page and flag bits (mem.h).
static inline uint8_t *ent_page(const uint8_t *e)
{
	return (uint8_t *)((uintptr_t)e & ~ENT_BITS);
}

static inline uintptr_t ent_bits(const uint8_t *e)
{
	return (uintptr_t)e & ENT_BITS;
}

static inline uint8_t *ent_make(uint8_t *page, uintptr_t bits)
{
	return (uint8_t *)((uintptr_t)page | bits);
}

// Host pages: from the pool when the memory model gave us one, else aligned_alloc.
static uint8_t *page_get(struct mem *m)
{
	return m->pool ? pagepool_get(m->pool) : aligned_alloc(PAGE, PAGE);
}

static void page_put(struct mem *m, uint8_t *p)
{
	if (m->pool)
		pagepool_put(m->pool, p);
	else
		free(p);
}

int mem_init(struct mem *m, const struct image *img, uint32_t mem_size,
	     struct cpu_exec *x)
{
	memset(m, 0, sizeof *m);
	m->img = img;
	m->x = x;
	m->mem_size = mem_size;
	uint32_t npages = mem_size / PAGE;
	m->ndir = (npages + MEM_LEAF_PAGES - 1) / MEM_LEAF_PAGES;
	m->dir = calloc(m->ndir, sizeof *m->dir);
	m->vregs = aligned_alloc(PAGE, PAGE);
	if (!m->dir || !m->vregs) {
		free(m->dir);
		free(m->vregs);
		memset(m, 0, sizeof *m);
		return -1;
	}
	memset(m->vregs, 0, PAGE);
	return 0;
}

static const uint8_t *zero_page(const struct mem *m)
{
	return m->img ? m->img->zero_page : NULL;
}

void mem_destroy(struct mem *m)
{
	if (m->pm)
		physmem_mem_release(m->pm, m);
	if (!m->dir && !m->vregs)
		return;
	for (uint32_t d = 0; d < m->ndir; d++) {
		uint8_t **leaf = m->dir[d];
		if (!leaf)
			continue;
		for (uint32_t i = 0; i < MEM_LEAF_PAGES; i++) {
			uint8_t *p = ent_page(leaf[i]);
			if (!p)
				continue;
			// A shared page is freed with its last reference; the zero page never.
			if (ent_bits(leaf[i]) & MEM_ENT_SHARED &&
			    (p == zero_page(m) || !pageshare_put(m->share, p)))
				continue;
			if (m->x)
				cpu_exec_page_freed(m->x, p);
			page_put(m, p);
		}
		free(leaf);
	}
	if (m->x && m->vregs)
		cpu_exec_page_freed(m->x, m->vregs);
	if (m->x)
		cpu_exec_flush_tlb(m->x);
	if (m->vregs)
		page_put(m, m->vregs);
	free(m->dir);
	memset(m, 0, sizeof *m);
}

// The page's initial contents: the image's shared page or the zero page.
static uint8_t *initial_page(const struct mem *m, uint32_t gpage)
{
	uint8_t *p = m->img ? image_page(m->img, gpage) : NULL;
	if (p)
		return p;
	return m->img ? m->img->zero_page : NULL;
}

// Makes guest page gpage private and returns it, or NULL when out of memory.
static uint8_t *make_private(struct mem *m, uint32_t gpage)
{
	uint32_t d = gpage / MEM_LEAF_PAGES, i = gpage % MEM_LEAF_PAGES;
	if (!m->dir[d]) {
		m->dir[d] = calloc(MEM_LEAF_PAGES, sizeof *m->dir[d]);
		if (!m->dir[d])
			return NULL;
		m->leaves++;
	}
	uint8_t *p = page_get(m);
	if (!p)
		return NULL;
	const uint8_t *init = m->img ? image_page(m->img, gpage) : NULL;
	if (init) {
		memcpy(p, init, PAGE);
		m->cow_copies++;
		if (m->obs && obs_on(m->obs, OBS_CAT_MEM)) {
			struct obs_event ev = { .time = obs_now(m->obs), .vm = m->vm_id, .kind = OBS_COW };
			ev.u.cow.page = gpage * PAGE;
			obs_emit(m->obs, &ev);
		}
	} else {
		memset(p, 0, PAGE);
	}
	m->dir[d][i] = p;
	m->pages_private++;
	m->unscanned++;
	m->scan_leaves |= 1ull << (d % 64);
	// Reads may have mapped the shared page; they must now see the private copy.
	if (m->x)
		cpu_exec_flush_tlb(m->x);
	return p;
}

// Gives the VM its own copy of shared page gpage again (to write it, or to decode code
// from it) and returns it, or NULL when out of host memory (nothing changed). The last
// VM mapping a pageshare page takes that page back, with no copy. The TLB entry of the
// page, if the TLB holds this VM's entries, is moved to the copy in place: a flush
// would change the miss count, and the count must not see sharing.
static uint8_t *unshare(struct mem *m, uint32_t gpage)
{
	uint8_t **ent = &m->dir[gpage / MEM_LEAF_PAGES][gpage % MEM_LEAF_PAGES];
	uint8_t *s = ent_page(*ent), *p;
	if (s != zero_page(m) && pageshare_refs(m->share, s) == 1) {
		(void)pageshare_put(m->share, s); // the last reference: s is ours again
		p = s;
	} else {
		p = page_get(m);
		if (!p)
			return NULL;
		memcpy(p, s, PAGE);
		if (s != zero_page(m))
			(void)pageshare_put(m->share, s); // others still map it
	}
	*ent = ent_make(p, MEM_ENT_KEEP); // written since it was shared: not offered again
	m->pages_shared--;
	m->unshares++;
	if (m->x && m->tlb_owner)
		cpu_exec_page_moved(m->x, gpage * PAGE, s, p);
	return p;
}

uint32_t mem_share_scan(struct mem *m)
{
	if (!m->share || !m->unscanned)
		return 0;
	uint32_t merged = 0;
	const uint8_t *zero = zero_page(m);
	for (uint32_t d = 0; d < m->ndir; d++) {
		uint8_t **leaf = m->dir[d];
		if (!leaf || !(m->scan_leaves >> (d % 64) & 1))
			continue; // no page written there since the last scan
		for (uint32_t i = 0; i < MEM_LEAF_PAGES; i++) {
			uint8_t *p = leaf[i];
			if (!p || ent_bits(p))
				continue; // initial contents, shared, or kept
			leaf[i] = ent_make(p, MEM_ENT_KEEP);
			if (m->x && cpu_exec_has_code(m->x, p))
				continue; // decoded code is never shared (mem.h)
			bool is_zero;
			uint64_t h = pageshare_hash(p, &is_zero);
			uint8_t *s = zero && is_zero ? (uint8_t *)zero : pageshare_add(m->share, p, h);
			if (!s)
				continue; // the table could not grow: the page stays the VM's own
			if (s != p) {
				if (m->x)
					cpu_exec_page_freed(m->x, p);
				page_put(m, p);
				merged++;
			}
			leaf[i] = ent_make(s, MEM_ENT_SHARED);
			m->pages_shared++;
		}
	}
	m->unscanned = 0;
	m->scan_leaves = 0;
	return merged;
}

// The memory model's view of an access to gpage: 0 when it may proceed, -1 when it must
// fault (a swapped-out block, or no frames for a new block: then oom is set).
static int model_access(struct mem *m, uint32_t gpage, enum cpu_access acc)
{
	uint32_t b = gpage >> m->block_shift;
	struct physmem *pm = m->pm;
	if (!physmem_block_allocated(m, b)) {
		if (!(acc & CPU_ACC_WRITE))
			return 0; // maps the shared image or zero page: no frame of its own
		if (physmem_alloc_block(pm, m, b) != 0) {
			m->fault_block = b; // no frame now: the VM waits (gatekeeper.c)
			return -1;
		}
		return 0;
	}
	if (!physmem_block_resident(m, b)) {
		if (!m->kernel_copy) {
			m->fault_block = b;
			return -1;
		}
		// A kernel copy (PIO argument) reads the block in without blocking the VM:
		// the disk is still busy for it.
		if (physmem_swap_in(pm, m, b, pm->now ? *pm->now : 0) == UINT64_MAX) {
			m->oom = true;
			return -1;
		}
		return 0;
	}
	if (b == m->inflight_block) {
		if (!m->kernel_copy && pm->now && *pm->now < m->inflight_done) {
			m->fault_block = b; // still on its way from the disk
			return -1;
		}
		m->inflight_block = PM_NONE;
	}
	return 0;
}

int mem_map(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi)
{
	struct mem *m = ctx;
	uint32_t gpage = addr / PAGE;
	if (gpage == DENALI_VREGS_ADDR / PAGE) {
		pi->host = m->vregs;
		pi->writable = true;
		pi->shared = false;
		return 0;
	}
	// Page 0 and everything at or above mem_size are holes.
	if (addr < DENALI_MEM_BASE || addr >= m->mem_size)
		return -1;
	if (m->pm && model_access(m, gpage, acc) != 0)
		return -1;
	uint8_t **leaf = m->dir[gpage / MEM_LEAF_PAGES];
	uint8_t *e = leaf ? leaf[gpage % MEM_LEAF_PAGES] : NULL;
	uint8_t *p = ent_page(e);
	if (p && ent_bits(e) & MEM_ENT_SHARED) {
		if (!(acc & (CPU_ACC_WRITE | CPU_ACC_EXEC))) {
			pi->host = p;
			pi->writable = false;
			pi->shared = true;
			return 0;
		}
		p = unshare(m, gpage); // a write, or code to decode: the VM's own copy
		if (!p) {
			m->oom = true;
			return -1;
		}
	}
	if (p) {
		pi->host = p;
		pi->writable = true;
		pi->shared = false;
		return 0;
	}
	if (!(acc & CPU_ACC_WRITE)) {
		uint8_t *init = initial_page(m, gpage);
		if (init) {
			pi->host = init;
			pi->writable = false;
			pi->shared = false;
			return 0;
		}
	}
	p = make_private(m, gpage);
	if (!p) {
		m->oom = true;
		return -1;
	}
	pi->host = p;
	pi->writable = true;
	pi->shared = false;
	return 0;
}

// Copies between guest and host one page at a time. to_guest selects the direction.
static uint32_t copy(struct mem *m, uint8_t *host, uint32_t gaddr, uint32_t len,
		     bool to_guest)
{
	uint32_t done = 0;
	m->kernel_copy = true;
	while (done < len) {
		// 64-bit: gaddr + done past 4 GiB is a hole, not a wrap to page 0.
		uint64_t a = (uint64_t)gaddr + done;
		if (a > UINT32_MAX)
			break;
		struct cpu_page_info pi;
		if (mem_map(m, (uint32_t)a, to_guest ? CPU_ACC_WRITE : CPU_ACC_READ, &pi) != 0)
			break;
		uint32_t off = (uint32_t)a % PAGE, n = PAGE - off;
		if (n > len - done)
			n = len - done;
		if (to_guest) {
			memcpy(pi.host + off, host + done, n);
			// A device or the kernel wrote guest memory: decoded code there
			// must go, so that the new bytes run (issue 10).
			if (m->x)
				cpu_exec_code_written(m->x, pi.host, off, n);
		} else {
			memcpy(host + done, pi.host + off, n);
		}
		done += n;
	}
	m->kernel_copy = false;
	return done;
}

int mem_copyin(struct mem *m, void *dst, uint32_t src_addr, uint32_t len)
{
	return copy(m, dst, src_addr, len, false) == len ? 0 : -1;
}

int mem_copyout(struct mem *m, uint32_t dst_addr, const void *src, uint32_t len)
{
	return copy(m, (uint8_t *)src, dst_addr, len, true) == len ? 0 : -1;
}

uint32_t mem_copyin_prefix(struct mem *m, void *dst, uint32_t src_addr, uint32_t len)
{
	return copy(m, dst, src_addr, len, false);
}

// The host page holding guest page gpage's current contents, without mapping anything:
// the private page, the vregs page, or the initial contents. NULL for a hole.
static const uint8_t *peek_page(const struct mem *m, uint32_t gpage)
{
	if (gpage == DENALI_VREGS_ADDR / PAGE)
		return m->vregs;
	if ((uint64_t)gpage * PAGE < DENALI_MEM_BASE || (uint64_t)gpage * PAGE >= m->mem_size)
		return NULL;
	uint8_t **leaf = m->dir ? m->dir[gpage / MEM_LEAF_PAGES] : NULL;
	uint8_t *p = leaf ? leaf[gpage % MEM_LEAF_PAGES] : NULL;
	return p ? ent_page(p) : initial_page(m, gpage); // an entry carries flag bits
}

uint32_t mem_peek(const struct mem *m, void *dst, uint32_t src_addr, uint32_t len)
{
	uint32_t done = 0;
	while (done < len) {
		uint64_t a = (uint64_t)src_addr + done; // past 4 GiB is a hole, not page 0
		if (a > UINT32_MAX)
			break;
		const uint8_t *pg = peek_page(m, (uint32_t)(a / PAGE));
		if (!pg)
			break;
		uint32_t off = (uint32_t)a % PAGE, n = PAGE - off;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)dst + done, pg + off, n);
		done += n;
	}
	return done;
}
