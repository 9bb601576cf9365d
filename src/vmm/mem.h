// SPDX-License-Identifier: MIT
// Guest memory of one VM: the struct cpu_mem.map callback, and the copy helpers the
// kernel uses to reach guest memory (mem.c).
//
// Guest address space (include/denali/abi.h):
//   0x00000000-0x00000fff  hole: every access faults
//   0x00001000-0x00001fff  this VM's private virtual-register page (always present)
//   0x00002000-mem_size    ordinary memory
//   mem_size-0xffffffff    hole
// An untouched page holds its initial contents: the image's shared page (image.h), or
// zeros. Reads and instruction fetches map that shared page read-only; the first write
// copies it into a private page (copy-on-write). Only private pages cost host memory.
//
// Page table: a directory of `ndir` pointers to leaves of MEM_LEAF_PAGES entries, both
// allocated on demand; an entry is NULL (initial contents) or a page the VM has written:
// its own host page, or (MEM_ENT_SHARED) a host page shared with the other VMs that
// wrote the same bytes (pageshare.h). A VM that touched k pages costs about 4 KiB
// (vregs) + ndir*8 + leaves + 4 KiB for each of those pages it does not share.
//
// Sharing (mem_share_scan): pages a VM wrote are looked up by content after it ran, and
// the VM maps the host page that holds the same bytes instead of its own, read-only;
// its next write (or an instruction fetch, so decoded code is never shared) gives it its
// own copy again. Sharing is invisible to the guest and to every count: reads see the
// same bytes, and the CPU counts the first write as no new TLB miss (cpu_page_info.
// shared), so results are the same with and without it.
#ifndef DENALI_VMM_MEM_H
#define DENALI_VMM_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "denali/abi.h"

#define MEM_LEAF_PAGES 64u
// Low bits of a page-table entry (host pages are 4 KiB aligned).
// MEM_ENT_SHARED: a shared page (the zero page or a pageshare page).
// MEM_ENT_KEEP: an own page not to offer for sharing (written since it was shared, or
// holds decoded code).
#define MEM_ENT_SHARED 1u
#define MEM_ENT_KEEP 2u

struct image;
struct obs;
struct pageshare;

struct mem {
	const struct image *img; // initial contents (shared, read-only); may be NULL
	struct cpu_exec *x;      // told about freed pages and changed mappings; may be NULL
	uint32_t mem_size;       // bytes; a multiple of 4 KiB, DENALI_MEM_MIN..DENALI_MEM_MAX
	uint8_t *vregs;          // the private virtual-register page
	uint8_t ***dir;          // ndir leaves, each MEM_LEAF_PAGES private pages or NULL
	uint32_t ndir;
	// Counters (tests and statistics).
	uint32_t pages_private;  // pages the VM has written (not counting vregs)
	uint32_t pages_shared;   // of those, mapped to a shared host page now
	uint32_t unscanned;      // own pages written since the last mem_share_scan
	uint64_t scan_leaves;    // bit d % 64: leaf d may hold such pages
	uint32_t leaves;         // leaves allocated
	uint64_t cow_copies;     // private pages made from an image page
	uint64_t unshares;       // shared pages the VM got its own copy of again
	bool oom;                // a host allocation failed; the access faulted
	bool tlb_owner;          // the CPU's TLB holds this VM's entries (the kernel says)
	struct pageshare *share; // shared pages come from here; NULL: no sharing
	// Memory model (physmem.h; owned by physmem.c). pm NULL: not modelled (every page
	// is resident), as in unit tests that use mem alone.
	bool admitted;           // in the gatekeeper's admitted set (physmem LRU)
	bool kernel_copy;        // a copy helper is mapping: swap-ins do not block
	uint8_t block_shift;     // log2(pages per block)
	struct physmem *pm;
	struct pagepool *pool;   // host pages come from here when set (pagepool.h)
	uint8_t *blk;            // two bitmaps of nblocks bits: allocated, then resident
	uint32_t vm_id;
	uint32_t nblocks, blocks_alloc, blocks_resident;
	uint32_t fault_block;    // PM_NONE, or the block the last fault must wait for
	uint32_t inflight_block; // PM_NONE, or a block being read until inflight_done
	uint64_t inflight_done;  // cycles
	const struct obs *obs;   // the kernel's event stream (copy-on-write), or NULL
};

// Prepares empty memory for one VM. Returns 0, or -1 when out of host memory.
int mem_init(struct mem *m, const struct image *img, uint32_t mem_size,
	     struct cpu_exec *x) __attribute__((warn_unused_result));
// Frees every private page (telling x first) and gives its frames back to the memory
// model if it has one. The struct can be mem_init'ed again.
void mem_destroy(struct mem *m);

// struct cpu_mem.map for a `struct mem *` ctx: 0 and *pi filled, or -1 (fault). With a
// memory model, a touch of a swapped-out block also returns -1 and sets fault_block:
// the kernel then blocks the VM until the block is read (gatekeeper.c) and restarts
// the instruction. The first write into a block allocates it (physmem.c).
int mem_map(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi);

// The cpu_mem interface for m.
static inline struct cpu_mem mem_iface(struct mem *m)
{
	return (struct cpu_mem){ .map = mem_map, .ctx = m };
}

static inline struct denali_vregs *mem_vregs(struct mem *m)
{
	return (struct denali_vregs *)m->vregs;
}

// Host bytes this VM's memory holds by itself: vregs page, directory, leaves and the
// pages it does not share.
static inline uint64_t mem_host_bytes(const struct mem *m)
{
	return (m->vregs ? CPU_PAGE_SIZE : 0) + (uint64_t)m->ndir * sizeof(*m->dir) +
	       (uint64_t)m->leaves * MEM_LEAF_PAGES * sizeof(**m->dir) +
	       (uint64_t)(m->pages_private - m->pages_shared) * CPU_PAGE_SIZE;
}

// Offers the pages m wrote since the last scan for sharing (pageshare.h): each one whose
// bytes another page of the table already holds is freed and mapped to that page; a
// new one joins the table. All-zero pages map the image's zero page. Pages with decoded
// code stay the VM's own. Call only when the CPU's TLB holds no entry of m (right after
// cpu_exec_flush_tlb); no-op without sharing. Returns the pages merged.
uint32_t mem_share_scan(struct mem *m);

// Copies len bytes between guest memory and the host, one page at a time, with the
// guest's own access rights (copyout makes pages private). Return 0, or -1 when any
// byte is in a hole (then a prefix may have been copied).
int mem_copyin(struct mem *m, void *dst, uint32_t src_addr, uint32_t len)
	__attribute__((warn_unused_result));
int mem_copyout(struct mem *m, uint32_t dst_addr, const void *src, uint32_t len)
	__attribute__((warn_unused_result));
// Copies up to len bytes from src_addr, stopping at the first hole. Returns the count.
uint32_t mem_copyin_prefix(struct mem *m, void *dst, uint32_t src_addr, uint32_t len);
// Reads up to len bytes at src_addr as the guest would see them, stopping at the first
// hole, without touching anything: no copy-on-write, no memory-model access (a
// swapped-out block reads fine and stays out), no TLB change. For reports and observers,
// which must never change a run. Returns the count. m must be initialised.
uint32_t mem_peek(const struct mem *m, void *dst, uint32_t src_addr, uint32_t len);

#endif
