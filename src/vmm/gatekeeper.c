// SPDX-License-Identifier: MIT
// The gatekeeper: admission at dispatch and swap faults (see gatekeeper.h). Frame
// accounting and eviction are physmem.c; the disk timing is swapdisk.c.
//
// A VM waiting for the swap disk is put in the kernel's idle state with one wake event
// at the read's completion time (kernel.c's invariant: an IDLE VM with a timeout has
// exactly one current wake event, tagged with vm->wake_gen). If something wakes it
// earlier, its next touch of the block faults again and it waits for the same read.
#include "vmm/gatekeeper.h"

#include "vmm/kernel.h"
#include "vmm/physmem.h"

int gk_vm_start(struct kernel *k, struct vm *vm)
{
	if (!k->pm)
		return 0;
	physmem_attach(k->pm, k->vms, k->x, &k->now);
	return physmem_mem_init(k->pm, &vm->mem, vm->id);
}

void gk_dispatch(struct kernel *k, struct vm *vm)
{
	if (!k->pm || !vm->mem.pm)
		return;
	bool was = vm->mem.admitted;
	uint64_t outs = k->pm->stats.swap_outs;
	physmem_admit(k->pm, &vm->mem);
	if (!was && obs_on(&k->obs, OBS_CAT_MEM)) {
		struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_ADMIT };
		ev.u.admit.free_frames = physmem_free_frames(k->pm);
		ev.u.admit.swapped_out = (uint32_t)(k->pm->stats.swap_outs - outs);
		obs_emit(&k->obs, &ev);
	}
}

// When a VM that found no free frame tries again: when the disk has finished what is
// queued (the VMs it serves then run and become evictable), at least one block read
// from now.
static uint64_t retry_time(const struct kernel *k)
{
	const struct physmem *pm = k->pm;
	uint64_t t = k->now + swapdisk_service_cycles(&pm->disk, pm->cfg.block_bytes);
	return pm->disk.busy_until > t ? pm->disk.busy_until : t;
}

enum gk_fault gk_fault(struct kernel *k, struct vm *vm)
{
	struct mem *m = &vm->mem;
	uint32_t b = m->fault_block;
	if (!m->pm || b == PM_NONE)
		return GK_FAULT_GUEST;
	m->fault_block = PM_NONE;
	uint64_t done;
	if (b == m->inflight_block) {
		done = m->inflight_done;
	} else if (!physmem_block_allocated(m, b)) {
		// A first write found no frame: every other VM is running or waiting for
		// its own read. Try again now, else once the disk has drained.
		if (physmem_alloc_block(k->pm, m, b) == 0)
			return GK_FAULT_RETRY;
		done = retry_time(k);
	} else {
		done = physmem_swap_in(k->pm, m, b, k->now);
		if (done == UINT64_MAX) {
			done = retry_time(k); // no frame yet, as above
		} else {
			m->inflight_block = b;
			m->inflight_done = done;
		}
	}
	if (done <= k->now) {
		m->inflight_block = PM_NONE;
		return GK_FAULT_RETRY;
	}
	k->pm->stats.swap_waits++;
	vm->state = VM_IDLE;
	vm->wake_gen++;
	struct intr_vm *s = &k->iv[vm->id];
	s->idle_since = k->now; // woken like an idle VM (with the boost)
	s->swap_wait = true;
	s->wake_at = done;
	if (evq_push(&k->evq, done, KEV_WAKE, vm->id, vm->wake_gen) == UINT64_MAX) {
		k->host_oom = true; // the VM stays asleep: reported as hung
		s->wake_at = 0;
	}
	return GK_FAULT_WAIT;
}
