// SPDX-License-Identifier: MIT
// One virtual machine: its CPU, memory, run state, exit status and counters (vm.c).
// Its console output is the console device's (devices/console_out.h, kernel_console). The kernel (kernel.c) owns every struct vm and decides when it runs.
//
// Lifecycle:  NEW --first dispatch--> RUNNABLE <--> IDLE
//                                        |  \---> TERMINATED (terminate instruction)
//                                        \------> KILLED     (fault, or host out of memory)
//             RUNNABLE/IDLE at the end of a run become STOPPED (--max-time reached) or
//             HUNG (idle with nothing left that could wake it).
// A VM waiting for the swap disk to read a block back is IDLE with one wake event at
// the read's completion (gatekeeper.c).
// A VM gets its memory at its first dispatch and gives it back when it ends, so a run of
// many short VMs holds memory only for the live ones. Counters and diagnostic stay.
#ifndef DENALI_VMM_VM_H
#define DENALI_VMM_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "vmm/mem.h"

struct postmortem;

enum vm_state {
	VM_NEW = 0,
	VM_RUNNABLE,
	VM_IDLE,
	VM_TERMINATED,
	VM_KILLED,
	VM_HUNG,
	VM_STOPPED,
};

struct vm {
	uint32_t id;
	uint8_t state;        // enum vm_state
	bool has_mem;         // mem is initialised
	uint32_t exit_code;   // TERMINATED: the guest's EAX
	uint64_t wake_gen;    // matches the tag of the one wake-up event that is current
	struct cpu cpu;
	struct mem mem;
	// Counters.
	uint64_t pios;         // PIO exits handled
	uint64_t pios_unknown; // PIOs on ports no device owns
	uint64_t slices;       // times dispatched
	char *diag;            // KILLED: the one-line diagnostic (owned)
	struct postmortem *post; // KILLED with memory: what reports need (postmortem.h;
				 // owned), or NULL
};

void vm_init(struct vm *vm, uint32_t id);
// Frees the VM's guest memory (keeps counters and diagnostic).
void vm_release_mem(struct vm *vm);
// Frees everything the VM owns.
void vm_free(struct vm *vm);
// "terminated", "killed", ...
const char *vm_state_name(enum vm_state s);
// True when the VM has ended (terminated or killed).
static inline bool vm_ended(const struct vm *vm)
{
	return vm->state == VM_TERMINATED || vm->state == VM_KILLED;
}

#endif
