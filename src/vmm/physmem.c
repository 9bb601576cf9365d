// SPDX-License-Identifier: MIT
// Frame accounting, per-VM block residency, the LRU of admitted VMs and whole-VM swap
// out (the model is described in physmem.h; policy callers are in gatekeeper.c).
// Per-VM state lives in struct mem (blk bitmaps, counters); this file owns the fields
// named "Memory model" there.
//
// Invariant: used_frames == pinned_frames + ppb * sum over VMs of blocks_resident; a VM
// is in the LRU list iff mem.admitted.
#include "vmm/physmem.h"

#include "vmm/obs.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "vmm/image.h"
#include "vmm/mem.h"
#include "vmm/vm.h"

void physmem_config_default(struct physmem_config *c)
{
	*c = (struct physmem_config){
		.phys_bytes = PM_PHYS_DEFAULT,
		.block_bytes = PM_BLOCK_DEFAULT,
		.min_free_frames = 64,
		.meta_bytes_per_vm = PM_META_BYTES,
		.share_pages = true,
	};
	swapdisk_config_default(&c->disk);
}

uint64_t physmem_vm_frames(const struct physmem_config *cfg, uint32_t mem_size)
{
	uint64_t blocks = ((uint64_t)mem_size + cfg->block_bytes - 1) / cfg->block_bytes;
	return blocks * (cfg->block_bytes / CPU_PAGE_SIZE);
}

// Kernel metadata of nvms VMs and the image's shared pages, in frames.
static uint64_t pinned_frames(const struct physmem_config *cfg, uint32_t nvms,
			      const struct image *img)
{
	uint64_t meta = ((uint64_t)nvms * cfg->meta_bytes_per_vm + CPU_PAGE_SIZE - 1) /
			CPU_PAGE_SIZE;
	return meta + (img ? img->pages_alloc : 0) + cfg->extra_image_pages;
}

uint64_t physmem_need_bytes(const struct physmem_config *cfg, uint32_t nvms,
			    uint32_t mem_size, const struct image *img)
{
	return (pinned_frames(cfg, nvms, img) + cfg->min_free_frames +
		physmem_vm_frames(cfg, mem_size)) * CPU_PAGE_SIZE;
}

static void fmt_mib(uint64_t frames, char *buf, size_t n)
{
	snprintf(buf, n, "%.1f MiB", (double)frames * CPU_PAGE_SIZE / (1024.0 * 1024.0));
}

int physmem_new(struct physmem **out, const struct physmem_config *cfg, uint32_t cpu_khz,
		uint32_t nvms, uint32_t mem_size, const struct image *img, char *err,
		size_t errlen)
{
	*out = NULL;
	uint32_t b = cfg->block_bytes;
	if (b < PM_BLOCK_MIN || b > PM_BLOCK_MAX || (b & (b - 1))) {
		snprintf(err, errlen, "--swap-block %u: must be a power of two from 4K to 1M", b);
		return -1;
	}
	if (cfg->phys_bytes % CPU_PAGE_SIZE || cfg->phys_bytes == 0) {
		snprintf(err, errlen, "--phys-mem %llu: must be a positive multiple of 4K",
			 (unsigned long long)cfg->phys_bytes);
		return -1;
	}
	if (cfg->disk.rate_bytes_per_s == 0) {
		snprintf(err, errlen, "swap disk: transfer rate must be positive");
		return -1;
	}
	uint64_t total = cfg->phys_bytes / CPU_PAGE_SIZE;
	uint64_t pinned = pinned_frames(cfg, nvms, img);
	uint64_t need = physmem_need_bytes(cfg, nvms, mem_size, img) / CPU_PAGE_SIZE;
	if (need > total) {
		char have[32], want[32];
		fmt_mib(total, have, sizeof have);
		fmt_mib(need, want, sizeof want);
		snprintf(err, errlen,
			 "--phys-mem %s: too small: %u VMs need at least %s (8,472 B kernel "
			 "metadata per VM, the image, %u free frames and one whole %u KiB VM)",
			 have, nvms, want, cfg->min_free_frames, mem_size / 1024);
		return -1;
	}
	struct physmem *pm = calloc(1, sizeof *pm);
	if (!pm)
		goto oom;
	pm->cfg = *cfg;
	pm->ppb = b / CPU_PAGE_SIZE;
	while ((1u << pm->block_shift) < pm->ppb)
		pm->block_shift++;
	pm->total_frames = total;
	pm->pinned_frames = pm->used_frames = pinned;
	pm->stats.peak_used_frames = pinned;
	pm->nvms = nvms;
	pm->current = pm->lru_head = pm->lru_tail = PM_NONE;
	swapdisk_init(&pm->disk, &cfg->disk, cpu_khz);
	pagepool_init(&pm->pool);
	pageshare_init(&pm->share, &pm->pool);
	pm->lru_prev = malloc((size_t)nvms * sizeof *pm->lru_prev);
	pm->lru_next = malloc((size_t)nvms * sizeof *pm->lru_next);
	if (!pm->lru_prev || !pm->lru_next)
		goto oom;
	*out = pm;
	return 0;
oom:
	physmem_free(pm);
	snprintf(err, errlen, "physmem: out of host memory for %u VMs", nvms);
	return -1;
}

void physmem_free(struct physmem *pm)
{
	if (!pm)
		return;
	free(pm->lru_prev);
	free(pm->lru_next);
	pageshare_destroy(&pm->share);
	pagepool_destroy(&pm->pool);
	free(pm);
}

void physmem_attach(struct physmem *pm, struct vm *vms, struct cpu_exec *x,
		    const uint64_t *now)
{
	pm->vms = vms;
	pm->x = x;
	pm->now = now;
}

// --- per-VM block bitmaps: bit b of the first half = allocated, second half = resident

static inline bool bit(const uint8_t *map, uint32_t i) { return map[i >> 3] >> (i & 7) & 1; }
static inline void set(uint8_t *map, uint32_t i) { map[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static inline uint8_t *res_map(const struct mem *m) { return m->blk + (m->nblocks + 7) / 8; }

int physmem_mem_init(struct physmem *pm, struct mem *m, uint32_t id)
{
	m->pm = pm;
	m->vm_id = id;
	m->block_shift = (uint8_t)pm->block_shift;
	m->nblocks = (uint32_t)(((uint64_t)m->mem_size / CPU_PAGE_SIZE + pm->ppb - 1) >>
				pm->block_shift);
	m->fault_block = m->inflight_block = PM_NONE;
	m->blk = calloc(2, (m->nblocks + 7) / 8);
	if (!m->blk) {
		m->pm = NULL;
		return -1;
	}
	// From now on host pages come from the pool; move the vregs page there too (it
	// was allocated by mem_init and has not been mapped yet).
	m->pool = &pm->pool;
	if (pm->cfg.share_pages)
		m->share = &pm->share;
	if (m->vregs) {
		uint8_t *v = pagepool_get(&pm->pool);
		if (!v) {
			m->pool = NULL; // host OOM: this VM keeps aligned_alloc pages
			m->share = NULL;
			return 0;
		}
		memcpy(v, m->vregs, CPU_PAGE_SIZE);
		if (pm->x)
			cpu_exec_page_freed(pm->x, m->vregs);
		free(m->vregs);
		m->vregs = v;
	}
	return 0;
}

static void lru_unlink(struct physmem *pm, uint32_t id)
{
	uint32_t p = pm->lru_prev[id], n = pm->lru_next[id];
	if (p == PM_NONE)
		pm->lru_head = n;
	else
		pm->lru_next[p] = n;
	if (n == PM_NONE)
		pm->lru_tail = p;
	else
		pm->lru_prev[n] = p;
	pm->admitted--;
}

static void lru_append(struct physmem *pm, uint32_t id)
{
	pm->lru_prev[id] = pm->lru_tail;
	pm->lru_next[id] = PM_NONE;
	if (pm->lru_tail == PM_NONE)
		pm->lru_head = id;
	else
		pm->lru_next[pm->lru_tail] = id;
	pm->lru_tail = id;
	pm->admitted++;
}

static void use_frames(struct physmem *pm, uint64_t n)
{
	pm->used_frames += n;
	if (pm->used_frames > pm->stats.peak_used_frames)
		pm->stats.peak_used_frames = pm->used_frames;
}

void physmem_mem_release(struct physmem *pm, struct mem *m)
{
	if (m->admitted) {
		lru_unlink(pm, m->vm_id);
		m->admitted = false;
	}
	assert(pm->used_frames >= pm->pinned_frames + (uint64_t)m->blocks_resident * pm->ppb);
	pm->used_frames -= (uint64_t)m->blocks_resident * pm->ppb;
	if (pm->current == m->vm_id)
		pm->current = PM_NONE;
	free(m->blk);
	m->blk = NULL;
	m->blocks_resident = m->blocks_alloc = 0;
	m->pm = NULL;
}

uint64_t physmem_swap_out(struct physmem *pm, struct mem *m)
{
	uint8_t *res = res_map(m);
	uint32_t n = m->blocks_resident;
	memset(res, 0, (m->nblocks + 7) / 8);
	m->blocks_resident = 0;
	m->inflight_block = PM_NONE;
	if (m->admitted) {
		lru_unlink(pm, m->vm_id);
		m->admitted = false;
	}
	uint64_t frames = (uint64_t)n * pm->ppb;
	assert(pm->used_frames >= pm->pinned_frames + frames); // the invariant at the top
	pm->used_frames -= frames;
	pm->stats.swap_outs++;
	pm->stats.blocks_out += n;
	// One sequential write of the VM's resident blocks into its own swap area.
	uint64_t done = 0;
	if (n)
		done = swapdisk_submit(&pm->disk, pm->now ? *pm->now : 0,
				       (uint64_t)n * pm->cfg.block_bytes, 1);
	if (pm->obs && obs_on(pm->obs, OBS_CAT_MEM)) {
		struct obs_event ev = { .time = obs_now(pm->obs), .vm = m->vm_id,
					.kind = OBS_SWAP_OUT };
		ev.u.swap.blocks = n;
		ev.u.swap.done_cycles = done;
		obs_emit(pm->obs, &ev);
	}
	// The victim's mappings may be in the CPU's TLB if it ran last.
	if (pm->x)
		cpu_exec_flush_tlb(pm->x);
	return frames;
}

bool physmem_make_room(struct physmem *pm, uint64_t frames)
{
	uint32_t id = pm->lru_head;
	while (physmem_free_frames(pm) < frames && id != PM_NONE) {
		uint32_t next = pm->lru_next[id];
		// Never the running VM, nor one whose block is being read for it and that has
		// not run since (else a long disk queue could starve it forever).
		if (id != pm->current && pm->vms[id].mem.inflight_block == PM_NONE)
			physmem_swap_out(pm, &pm->vms[id].mem);
		id = next;
	}
	return physmem_free_frames(pm) >= frames;
}

void physmem_admit(struct physmem *pm, struct mem *m)
{
	pm->current = m->vm_id;
	if (m->admitted) {
		lru_unlink(pm, m->vm_id); // move to the most recently used end
		lru_append(pm, m->vm_id);
		return;
	}
	// FIFO admission: the run queue presents VMs in order; the gatekeeper keeps
	// min_free_frames free for the admitted VMs' faults.
	physmem_make_room(pm, pm->cfg.min_free_frames);
	lru_append(pm, m->vm_id);
	m->admitted = true;
	pm->stats.admissions++;
}

int physmem_alloc_block(struct physmem *pm, struct mem *m, uint32_t b)
{
	if (!physmem_make_room(pm, pm->ppb))
		return -1;
	set(m->blk, b);
	set(res_map(m), b);
	m->blocks_alloc++;
	m->blocks_resident++;
	use_frames(pm, pm->ppb);
	return 0;
}

uint64_t physmem_swap_in(struct physmem *pm, struct mem *m, uint32_t b, uint64_t now)
{
	if (!physmem_make_room(pm, pm->ppb))
		return UINT64_MAX;
	set(res_map(m), b);
	m->blocks_resident++;
	use_frames(pm, pm->ppb);
	pm->stats.blocks_in++;
	// The VM is busy with the disk, not idle: it becomes the most recently used, so
	// the block is not evicted again before the VM can use it.
	if (m->admitted) {
		lru_unlink(pm, m->vm_id);
		lru_append(pm, m->vm_id);
	}
	uint64_t done = swapdisk_submit(&pm->disk, now, pm->cfg.block_bytes, 0);
	if (pm->obs && obs_on(pm->obs, OBS_CAT_MEM)) {
		struct obs_event ev = { .time = obs_now(pm->obs), .vm = m->vm_id,
					.kind = OBS_SWAP_IN };
		ev.u.swap.blocks = 1;
		ev.u.swap.block = b;
		ev.u.swap.done_cycles = done;
		obs_emit(pm->obs, &ev);
	}
	return done;
}

bool physmem_block_allocated(const struct mem *m, uint32_t b)
{
	return bit(m->blk, b);
}

bool physmem_block_resident(const struct mem *m, uint32_t b)
{
	return bit(res_map(m), b);
}

// --- checkpoints (kernel_ckpt.c) ----------------------------------------------------

void physmem_mem_ckpt_save(const struct mem *m, struct pack *b)
{
	pack_u32(b, m->nblocks);
	pack_raw(b, m->blk, 2 * (size_t)((m->nblocks + 7) / 8));
	pack_u32(b, m->fault_block);
	pack_u32(b, m->inflight_block);
	pack_u64(b, m->inflight_done);
}

int physmem_mem_ckpt_load(struct mem *m, struct unpack *u)
{
	if (unpack_u32(u) != m->nblocks || u->bad)
		return -1;
	uint32_t half = (m->nblocks + 7) / 8;
	unpack_raw(u, m->blk, 2 * (size_t)half);
	m->fault_block = unpack_u32(u);
	m->inflight_block = unpack_u32(u);
	m->inflight_done = unpack_u64(u);
	if (u->bad || (m->fault_block != PM_NONE && m->fault_block >= m->nblocks) ||
	    (m->inflight_block != PM_NONE && m->inflight_block >= m->nblocks))
		return -1;
	// Counted into locals: a refused VM keeps no resident blocks, so freeing it
	// (physmem_mem_release) leaves the frame count consistent.
	uint32_t alloc = 0, resident = 0;
	for (uint32_t i = 0; i < m->nblocks; i++) {
		bool a = bit(m->blk, i), r = bit(res_map(m), i);
		if (r && !a)
			return -1; // resident but never allocated
		alloc += a;
		resident += r;
	}
	// Bits past nblocks in either half must be clear.
	for (uint32_t i = m->nblocks; i < half * 8; i++)
		if (bit(m->blk, i) || bit(res_map(m), i))
			return -1;
	m->blocks_alloc = alloc;
	m->blocks_resident = resident;
	m->pm->used_frames += (uint64_t)resident * m->pm->ppb;
	return 0;
}

void physmem_ckpt_save(const struct physmem *pm, struct pack *b)
{
	pack_u64(b, pm->used_frames);
	pack_u32(b, pm->current);
	const struct physmem_stats *s = &pm->stats;
	pack_u64(b, s->admissions);
	pack_u64(b, s->swap_outs);
	pack_u64(b, s->blocks_out);
	pack_u64(b, s->blocks_in);
	pack_u64(b, s->swap_waits);
	pack_u64(b, s->peak_used_frames);
	const struct swapdisk *d = &pm->disk;
	pack_u64(b, d->busy_until);
	pack_u64(b, d->reads);
	pack_u64(b, d->writes);
	pack_u64(b, d->bytes_read);
	pack_u64(b, d->bytes_written);
	pack_u64(b, d->busy_cycles);
	pack_u64(b, d->wait_cycles);
	pack_u32(b, pm->admitted);
	for (uint32_t id = pm->lru_head; id != PM_NONE; id = pm->lru_next[id])
		pack_u32(b, id);
}

int physmem_ckpt_load(struct physmem *pm, struct unpack *u)
{
	uint64_t used = unpack_u64(u);
	uint32_t current = unpack_u32(u);
	struct physmem_stats *s = &pm->stats;
	s->admissions = unpack_u64(u);
	s->swap_outs = unpack_u64(u);
	s->blocks_out = unpack_u64(u);
	s->blocks_in = unpack_u64(u);
	s->swap_waits = unpack_u64(u);
	s->peak_used_frames = unpack_u64(u);
	struct swapdisk *d = &pm->disk;
	d->busy_until = unpack_u64(u);
	d->reads = unpack_u64(u);
	d->writes = unpack_u64(u);
	d->bytes_read = unpack_u64(u);
	d->bytes_written = unpack_u64(u);
	d->busy_cycles = unpack_u64(u);
	d->wait_cycles = unpack_u64(u);
	uint32_t n = unpack_u32(u);
	if (u->bad || n > pm->nvms || (current != PM_NONE && current >= pm->nvms))
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id = unpack_u32(u);
		if (u->bad || id >= pm->nvms || !pm->vms[id].has_mem || !pm->vms[id].mem.pm ||
		    pm->vms[id].mem.admitted)
			return -1;
		pm->vms[id].mem.admitted = true;
		lru_append(pm, id);
	}
	// The frames in use are the pinned ones and the resident blocks, which
	// physmem_mem_ckpt_load counted in as it loaded each VM.
	if (used != pm->used_frames || used > pm->total_frames)
		return -1;
	pm->current = current;
	return 0;
}
