// SPDX-License-Identifier: MIT
// The modelled physical memory of the Denali machine (physmem.c): how many 4 KiB frames
// back guest memory, which blocks of each VM are resident, and swapping whole VMs out
// to the swap disk (swapdisk.h). The admission and fault policy that drives it is in
// gatekeeper.c; guest memory itself (host pages, page table) is mem.c. docs/memory.md
// explains the model and its defaults.
//
// Accounting (in frames of 4 KiB, the paper's Table 2 and section 3.3):
//   pinned   nvms * meta_bytes_per_vm (8,472 B: the residual kernel state of a VM, kept
//            even when it is swapped out), plus the image's shared pages, counted once
//   blocks   each resident block of a VM costs block_bytes / 4 KiB frames, whether or
//            not all its pages were touched (internal fragmentation: smaller blocks
//            waste less, so more VMs fit)
// A block is *allocated* once the VM writes any page in it (reads of untouched pages map
// the image's or the zero page and cost nothing). An allocated block is resident or
// swapped out. The virtual-register page is kernel memory, counted in the metadata.
//
// Swapping: when a block must become resident and free frames are short, the least
// recently dispatched admitted VM (never the running one) is swapped out whole: all its
// resident blocks are written to its own contiguous swap area in one disk request, and
// their frames are free at once. Its blocks come back one at a time, on demand: a touch
// of a swapped-out block is a fault that blocks the VM until the block has been read.
// Page contents stay in host memory throughout; only residency and time are modelled.
#ifndef DENALI_VMM_PHYSMEM_H
#define DENALI_VMM_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/pack.h"
#include "vmm/pagepool.h"
#include "vmm/pageshare.h"
#include "vmm/swapdisk.h"

struct mem;
struct vm;
struct image;
struct cpu_exec;
struct obs;

#define PM_NONE UINT32_MAX

struct physmem_config {
	uint64_t phys_bytes;        // modelled RAM (default 1 GiB, the paper's server)
	uint32_t block_bytes;       // swap transfer block: a power of two, 4 KiB..1 MiB
	uint32_t min_free_frames;   // gatekeeper threshold for admitting a VM (default 64)
	uint32_t meta_bytes_per_vm; // 8,472 (paper Table 2)
	uint64_t extra_image_pages; // pages of the machine's other images (VM groups: kernel.h
				    // kernel_need_bytes sets it), pinned like the image's
	struct swapdisk_config disk;
	// Host memory, not the model: share identical written pages between VMs
	// (pageshare.h; default on). Results are the same either way.
	bool share_pages;
};

#define PM_PHYS_DEFAULT (1ull << 30)
#define PM_BLOCK_DEFAULT (32u * 1024u)
#define PM_BLOCK_MIN 4096u
#define PM_BLOCK_MAX (1u << 20)
#define PM_META_BYTES 8472u

void physmem_config_default(struct physmem_config *c);

struct physmem_stats {
	uint64_t admissions;      // VMs admitted (first admission and re-admissions)
	uint64_t swap_outs;       // VMs swapped out
	uint64_t blocks_out;      // blocks written
	uint64_t blocks_in;       // blocks read back
	uint64_t swap_waits;      // faults that blocked a VM on the disk
	uint64_t peak_used_frames;
};

struct physmem {
	struct physmem_config cfg;
	uint32_t ppb;             // pages per block
	uint32_t block_shift;     // log2(ppb)
	uint64_t total_frames;
	uint64_t pinned_frames;   // metadata + image
	uint64_t used_frames;     // pinned + resident blocks
	struct swapdisk disk;
	struct pagepool pool;     // host pages of every VM's guest memory
	struct pageshare share;   // pages shared by content between VMs (cfg.share_pages)
	// The VMs, for eviction (set by physmem_attach).
	struct vm *vms;
	uint32_t nvms;
	struct cpu_exec *x;       // its TLB is flushed when residency shrinks
	const uint64_t *now;      // the kernel's clock (cycles)
	const struct obs *obs;    // the kernel's event stream (swap out, swap in), or NULL
	uint32_t current;         // the VM being run, never evicted; PM_NONE
	// Admitted VMs in LRU order (head = least recently dispatched): links by VM id.
	uint32_t *lru_prev, *lru_next;
	uint32_t lru_head, lru_tail, admitted;
	struct physmem_stats stats;
};

// Checks cfg against a run of nvms VMs of mem_size bytes and the image, and creates the
// model. Returns 0, or -1 with one line in err naming the bad parameter.
int physmem_new(struct physmem **out, const struct physmem_config *cfg, uint32_t cpu_khz,
		uint32_t nvms, uint32_t mem_size, const struct image *img, char *err,
		size_t errlen);
void physmem_free(struct physmem *pm);
// Gives the model the VM array, the executor and the clock (all outlive it).
void physmem_attach(struct physmem *pm, struct vm *vms, struct cpu_exec *x,
		    const uint64_t *now);

// Frames needed by one VM's largest possible footprint (all blocks of mem_size).
uint64_t physmem_vm_frames(const struct physmem_config *cfg, uint32_t mem_size);
// The least phys_bytes physmem_new accepts for nvms VMs of mem_size bytes running img:
// the pinned frames (kernel metadata and the image), min_free_frames and one whole VM.
uint64_t physmem_need_bytes(const struct physmem_config *cfg, uint32_t nvms,
			    uint32_t mem_size, const struct image *img);
static inline uint64_t physmem_free_frames(const struct physmem *pm)
{
	return pm->used_frames >= pm->total_frames ? 0 : pm->total_frames - pm->used_frames;
}

// Makes m part of the model as VM `id` (after mem_init). Returns 0 or -1 (host OOM).
int physmem_mem_init(struct physmem *pm, struct mem *m, uint32_t id)
	__attribute__((warn_unused_result));
// Releases m's frames and drops it from the LRU (mem_destroy calls this).
void physmem_mem_release(struct physmem *pm, struct mem *m);

// Admits m's VM if needed (swapping out LRU VMs to leave min_free_frames) and marks it
// most recently used and current. Called at each dispatch.
void physmem_admit(struct physmem *pm, struct mem *m);
// Swaps out admitted VMs in LRU order, never the current one nor one waiting for a
// block read, until `frames` are free. Returns true when they are.
bool physmem_make_room(struct physmem *pm, uint64_t frames);
// Swaps out one VM whole (it must not be the current one). Returns frames freed.
uint64_t physmem_swap_out(struct physmem *pm, struct mem *m);
// A first write into unallocated block b: allocates it resident. Returns 0, or -1 when
// no room can be made.
int physmem_alloc_block(struct physmem *pm, struct mem *m, uint32_t b)
	__attribute__((warn_unused_result));
// Starts reading swapped-out block b back at time now: frames are taken (making room),
// the block is resident from the returned completion time on. Returns the completion
// time, or UINT64_MAX when no room can be made.
uint64_t physmem_swap_in(struct physmem *pm, struct mem *m, uint32_t b, uint64_t now);
// Block b of m: allocated (written at least once), resident (its frames are in memory).
bool physmem_block_allocated(const struct mem *m, uint32_t b);
bool physmem_block_resident(const struct mem *m, uint32_t b);

// Checkpoints (kernel_ckpt.c). A VM's block bitmaps and swap-fault state (its memory
// physmem_mem_init'ed, not yet admitted); then, after every VM's, the model's own state:
// frames used, the LRU order of admitted VMs, statistics and the swap disk. Loads return
// 0, or -1 when the bytes are inconsistent (untrusted input: every count is rechecked).
void physmem_mem_ckpt_save(const struct mem *m, struct pack *b);
int physmem_mem_ckpt_load(struct mem *m, struct unpack *u);
void physmem_ckpt_save(const struct physmem *pm, struct pack *b);
int physmem_ckpt_load(struct physmem *pm, struct unpack *u);

#endif
