// SPDX-License-Identifier: MIT
// Host memory by kind (hostmem.h): walks a machine's VMs, memory model, event queue,
// executor and devices and adds up what each holds.
#include "vmm/hostmem.h"

#include <string.h>

#include "devices/console_out.h"
#include "devices/timer.h"
#include "vmm/devhost.h"
#include "vmm/kernel.h"

static const char *const names[HM_KINDS] = {
	[HM_GUEST_PAGES] = "guest pages",
	[HM_POOL_FREE] = "pool free",
	[HM_PAGE_TABLES] = "page tables",
	[HM_VM_RECORDS] = "VM records",
	[HM_CONSOLE] = "console",
	[HM_EVENTS] = "event queue",
	[HM_DECODE] = "decode cache",
	[HM_DEV_RECORDS] = "device records",
	[HM_NIC_QUEUES] = "NIC queues",
	[HM_SWITCH] = "switch",
	[HM_OTHER] = "other",
};

const char *hostmem_kind_name(enum hostmem_kind kind)
{
	return kind < HM_KINDS ? names[kind] : "?";
}

uint64_t hostmem_total(const struct hostmem *hm)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < HM_KINDS; i++)
		t += hm->bytes[i];
	return t;
}

// The scheduler's per-VM arrays (sched.c allocates those of its policy only).
static uint64_t sched_bytes(const struct sched *s)
{
	uint64_t per = (s->where ? 1 : 0) + (s->next ? 4 : 0) + (s->prev ? 4 : 0) +
		       (s->heap ? 4 : 0) + (s->pos ? 4 : 0) + (s->tickets ? 4 : 0) +
		       (s->pass ? 8 : 0) + (s->seq ? 8 : 0);
	return per * s->n;
}

static void add_vm(const struct vm *vm, struct hostmem *hm, uint64_t *pool_pages)
{
	uint64_t *b = hm->bytes;
	b[HM_CONSOLE] += vm->diag ? strlen(vm->diag) + 1 : 0;
	if (!vm->has_mem)
		return;
	const struct mem *m = &vm->mem;
	// The pages this VM holds alone; the shared ones are counted once (pageshare).
	uint64_t pages = m->pages_private - m->pages_shared + (m->vregs ? 1 : 0);
	hm->guest_pages += pages;
	b[HM_GUEST_PAGES] += pages * CPU_PAGE_SIZE;
	if (m->pool)
		*pool_pages += pages;
	b[HM_PAGE_TABLES] += (uint64_t)m->ndir * sizeof(*m->dir) +
			     (uint64_t)m->leaves * MEM_LEAF_PAGES * sizeof(**m->dir);
	if (m->blk)
		b[HM_VM_RECORDS] += 2 * (((uint64_t)m->nblocks + 7) / 8);
}

void kernel_hostmem(const struct kernel *k, struct hostmem *hm)
{
	memset(hm, 0, sizeof *hm);
	uint64_t *b = hm->bytes;
	uint32_t n = k->cfg.nvms;
	uint64_t pool_pages = 0;
	for (uint32_t i = 0; i < n; i++)
		add_vm(&k->vms[i], hm, &pool_pages);
	b[HM_VM_RECORDS] += (uint64_t)n * (sizeof *k->vms + sizeof *k->iv) + sched_bytes(&k->sched);
	if (k->prof_next)
		b[HM_VM_RECORDS] += (uint64_t)n * sizeof *k->prof_next;
	b[HM_OTHER] += sizeof *k + (uint64_t)k->prof.cap * sizeof(*k->prof.slot);
	if (k->con) // the console output device (console_out.h)
		b[HM_CONSOLE] += console_out_host_bytes(k->con);
	if (k->timer) // the timer device: per-VM records (timer.h)
		b[HM_VM_RECORDS] += timer_host_bytes(k->timer);
	for (uint32_t i = 0; i < k->results.n; i++)
		if (k->results.e[i].hist)
			b[HM_OTHER] += sizeof(*k->results.e[i].hist);
	if (k->pm) {
		const struct pagepool *p = &k->pm->pool;
		const struct pageshare *sh = &k->pm->share;
		hm->guest_pages += sh->pages;
		hm->shared_pages = sh->pages;
		hm->shared_refs = sh->refs;
		b[HM_GUEST_PAGES] += sh->pages * CPU_PAGE_SIZE;
		pool_pages += sh->pages;
		b[HM_OTHER] += pageshare_host_bytes(sh);
		b[HM_VM_RECORDS] += (uint64_t)n * 2 * sizeof(*k->pm->lru_prev);
		b[HM_OTHER] += sizeof *k->pm + p->cap_chunks * sizeof(*p->chunks);
		uint64_t chunk_pages = (uint64_t)p->nchunks * (PAGEPOOL_CHUNK / CPU_PAGE_SIZE);
		if (chunk_pages > pool_pages)
			b[HM_POOL_FREE] = (chunk_pages - pool_pages) * CPU_PAGE_SIZE;
	}
	hm->events = evq_len(&k->evq);
	b[HM_EVENTS] = k->evq.cap * sizeof(*k->evq.heap);
	if (k->x)
		b[HM_DECODE] = cpu_exec_host_bytes(k->x, &hm->code_pages);
	struct devset_mem dm;
	if (devhost_host_mem(k, &dm)) {
		b[HM_DEV_RECORDS] = dm.vm_records;
		b[HM_NIC_QUEUES] = dm.nic_queues;
		b[HM_SWITCH] = dm.sw;
		b[HM_OTHER] += dm.other;
		hm->nic_frames = dm.nic_frames;
	}
}
