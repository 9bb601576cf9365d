// SPDX-License-Identifier: MIT
// PIO dispatch: what an IN or OUT does (include/denali/abi.h "PIO ports"). The
// devices themselves are in src/devices; this file reads their arguments from the CPU
// registers and writes their results back.
//   OUT 0xE9 (DENALI_PORT_DEBUGCON)       appends AL to the VM's console (console_out.c).
//   IN/OUT 0x100 (DENALI_PORT_CONSOLE_WRITE) writes ECX bytes at guest address ESI to
//        the console (console_out.c); EAX <- bytes written, or 0xffffffff when any byte
//        of the buffer is outside guest memory (then nothing is written). At most
//        CONSOLE_OUT_WRITE_MAX bytes per request (a short write). The whole of EAX is
//        set, whatever the access size.
//   IN/OUT 0x101 (DENALI_PORT_CONSOLE_READ) console input (devhost.c, console_in.c),
//        when the run has some; otherwise an unknown port.
//   IN/OUT 0x130 (DENALI_PORT_TIMER)     the one-shot timer, deadline ECX:EAX ns
//        (devices/timer.c); IN completes with 0.
//   IN/OUT 0x110-0x12f                   the NIC and disks (devhost.c), when attached;
//        a chatty NIC operation costs several PIOs (docs/devices.md).
//   IN/OUT 0x140, 0x141 (DENALI_PORT_STAT_ADD/SAMPLE) add to a named result of this
//        machine (results.c; each VM has its own limit and kinds): ESI = name, ECX = its
//        length, EBX:EDI = value; EAX <- 0 or DENALI_STAT_ERR_* (FAULT when the name is
//        not all in guest memory).
//   any other port: IN reads 0, OUT is ignored; both are counted (vm->pios_unknown).
// Every PIO costs cfg.pio_cycles of simulated time (a chatty NIC operation several).
#include <stdint.h>

#include "denali/abi.h"
#include "devices/console_out.h"
#include "devices/timer.h"
#include "vmm/devhost.h"
#include "vmm/kernel.h"

static uint32_t console_write(struct kernel *k, struct vm *vm)
{
	uint32_t written;
	if (console_out_write(k->con, vm->id, vm->cpu.r[CPU_ESI], vm->cpu.r[CPU_ECX],
			      &written) != 0)
		k->host_oom = true;
	return written;
}

// The timer PIO (docs/isa.md 9.1): the deadline is ECX:EAX ns.
static void timer_pio(struct kernel *k, struct vm *vm)
{
	k->stats.timer_arms++;
	timer_set(k->timer, vm->id, (uint64_t)vm->cpu.r[CPU_ECX] << 32 | vm->cpu.r[CPU_EAX]);
	if (vm->cpu.pio.is_in)
		cpu_pio_complete(&vm->cpu, 0);
}

static uint32_t stat_report(struct kernel *k, struct vm *vm, enum results_kind kind)
{
	char name[DENALI_STAT_NAME_MAX];
	uint32_t addr = vm->cpu.r[CPU_ESI], len = vm->cpu.r[CPU_ECX];
	uint64_t v = (uint64_t)vm->cpu.r[CPU_EBX] << 32 | vm->cpu.r[CPU_EDI];
	if (len == 0 || len > DENALI_STAT_NAME_MAX) {
		k->results.rejected++;
		return DENALI_STAT_ERR_NAME;
	}
	if (mem_copyin(&vm->mem, name, addr, len) != 0) {
		k->results.rejected++;
		return DENALI_STAT_ERR_FAULT;
	}
	return results_report(&k->results, vm->id, kind, name, len, v);
}

uint64_t kernel_pio(struct kernel *k, struct vm *vm)
{
	const struct cpu_pio *p = &vm->cpu.pio;
	vm->pios++;
	switch (p->port) {
	case DENALI_PORT_DEBUGCON:
		if (!p->is_in) {
			if (console_out_putc(k->con, vm->id, (uint8_t)p->value) != 0)
				k->host_oom = true;
			break;
		}
		goto unknown; // IN 0xE9 is not defined
	case DENALI_PORT_CONSOLE_WRITE:
		vm->cpu.r[CPU_EAX] = console_write(k, vm);
		break;
	case DENALI_PORT_TIMER:
		timer_pio(k, vm);
		break;
	case DENALI_PORT_STAT_ADD:
	case DENALI_PORT_STAT_SAMPLE:
		vm->cpu.r[CPU_EAX] = stat_report(k, vm, p->port == DENALI_PORT_STAT_ADD ?
						 RESULTS_COUNTER : RESULTS_SAMPLE);
		break;
	default: {
		uint64_t cost = devhost_pio(k, vm); // 0: not a device port
		if (cost)
			return cost;
	}
	unknown:
		vm->pios_unknown++;
		if (p->is_in)
			cpu_pio_complete(&vm->cpu, 0);
		break;
	}
	return k->cfg.pio_cycles;
}
