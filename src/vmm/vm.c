// SPDX-License-Identifier: MIT
// struct vm housekeeping: initialisation, teardown, state names (see vm.h). The
// scheduling and exit handling that change vm->state live in kernel.c.
#include "vmm/vm.h"

#include <stdlib.h>
#include <string.h>

void vm_init(struct vm *vm, uint32_t id)
{
	memset(vm, 0, sizeof *vm);
	vm->id = id;
	vm->state = VM_NEW;
}

void vm_release_mem(struct vm *vm)
{
	if (vm->has_mem)
		mem_destroy(&vm->mem);
	vm->has_mem = false;
}

void vm_free(struct vm *vm)
{
	vm_release_mem(vm);
	free(vm->diag);
	free(vm->post);
	vm->diag = NULL;
	vm->post = NULL;
}

const char *vm_state_name(enum vm_state s)
{
	switch (s) {
	case VM_NEW: return "new";
	case VM_RUNNABLE: return "runnable";
	case VM_IDLE: return "idle";
	case VM_TERMINATED: return "terminated";
	case VM_KILLED: return "killed";
	case VM_HUNG: return "hung";
	case VM_STOPPED: return "stopped";
	}
	return "?";
}
