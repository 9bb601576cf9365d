// SPDX-License-Identifier: MIT
// The gatekeeper (gatekeeper.c): the kernel's entry points into the memory model
// (physmem.h). At each dispatch it admits the VM (FIFO: in run-queue order), swapping
// out least recently dispatched VMs when fewer than min_free_frames are free; on a
// fault it tells a real guest fault from a touch of a swapped-out block, and for the
// latter puts the VM to sleep until the swap disk has read the block back.
// Paper: section 3.2 ("admits VMs in FIFO order as long as a minimum number of physical
// backing pages is available"), section 4.6; docs/memory.md.
#ifndef DENALI_VMM_GATEKEEPER_H
#define DENALI_VMM_GATEKEEPER_H

struct kernel;
struct vm;

// After mem_init of a starting VM: enters it into the model. Returns 0 or -1 (host OOM).
int gk_vm_start(struct kernel *k, struct vm *vm) __attribute__((warn_unused_result));
// Before a VM runs a slice: admits it (making room) and marks it current.
void gk_dispatch(struct kernel *k, struct vm *vm);

enum gk_fault {
	GK_FAULT_GUEST = 0, // not the memory model's: handle as a guest fault
	GK_FAULT_WAIT,      // the VM sleeps (VM_IDLE with a wake event) until the read ends
	GK_FAULT_RETRY,     // the block is there now: run the VM again
};
// After CPU_EXIT_FAULT.
enum gk_fault gk_fault(struct kernel *k, struct vm *vm);

#endif
