// SPDX-License-Identifier: MIT
// struct vm housekeeping: initialisation, console buffer, teardown (see vm.h). The
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
	free(vm->console);
	free(vm->diag);
	free(vm->post);
	vm->console = NULL;
	vm->diag = NULL;
	vm->post = NULL;
	vm->console_len = vm->console_cap = 0;
}

int vm_console_append(struct vm *vm, const uint8_t *bytes, uint32_t n, uint32_t cap)
{
	vm->console_total += n;
	if (vm->console_len >= cap)
		return 0;
	if (n > cap - vm->console_len)
		n = cap - vm->console_len; // keep the first cap bytes
	if (vm->console_len + n > vm->console_cap) {
		uint32_t want = vm->console_cap ? vm->console_cap : 64;
		while (want < vm->console_len + n)
			want = want > cap / 2 ? cap : want * 2;
		uint8_t *p = realloc(vm->console, want);
		if (!p)
			return -1;
		vm->console = p;
		vm->console_cap = want;
	}
	memcpy(vm->console + vm->console_len, bytes, n);
	vm->console_len += n;
	return 0;
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
