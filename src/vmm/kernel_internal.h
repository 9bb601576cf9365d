// SPDX-License-Identifier: MIT
// What kernel.c shares with its neighbours in src/vmm (intr.c): the VM state changes
// that keep kernel.c's invariants (its top comment), so that no other file edits
// vm->state, the run queue or `live` by hand. Not for other directories.
#ifndef DENALI_VMM_KERNEL_INTERNAL_H
#define DENALI_VMM_KERNEL_INTERNAL_H

#include <stdbool.h>

#include "cpu/cpu.h"
#include "vmm/vm.h"

struct kernel;

// Ends a VM (TERMINATED or KILLED): out of the run queue, its switch port down, its
// memory freed; its console, counters and diagnostic stay.
void kernel_end_vm(struct kernel *k, struct vm *vm, enum vm_state st);
// Sets the VM's one-line diagnostic (shown for a KILLED VM). On host OOM the line is
// lost; the state still says KILLED.
void kernel_set_diag(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
// Kills one VM for a guest fault (CPU exit e: FAULT or INT) with one diagnostic line:
// VM id, EIP, instruction bytes and disassembly, reason (and `note`, if any). Other VMs
// are not affected.
void kernel_kill_for_fault(struct kernel *k, struct vm *vm, enum cpu_exit e,
			   const char *note);
// Makes an IDLE VM runnable (by_irq: an interrupt woke it; the scheduler position
// follows, see kernel.c).
void kernel_wake_vm(struct kernel *k, struct vm *vm, bool by_irq);

#endif
