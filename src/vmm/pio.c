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

// Console bytes, shown to observers (the console device keeps them: console_out.h).
static void console_event(struct kernel *k, struct vm *vm, const uint8_t *b, uint32_t n)
{
	struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_CONSOLE };
	ev.u.console.bytes = b;
	ev.u.console.len = n;
	obs_emit(&k->obs, &ev);
}

static uint32_t console_write(struct kernel *k, struct vm *vm)
{
	uint32_t written, addr = vm->cpu.r[CPU_ESI];
	if (console_out_write(k->con, vm->id, addr, vm->cpu.r[CPU_ECX], &written) != 0)
		k->host_oom = true;
	if (written != UINT32_MAX && obs_on(&k->obs, OBS_CAT_CONSOLE)) {
		// The device read these bytes from guest memory a moment ago; read them again
		// for the observers, a chunk at a time (observers take partial lines).
		uint8_t buf[1024];
		for (uint32_t off = 0; off < written;) {
			uint32_t n = written - off < sizeof buf ? written - off : sizeof buf;
			if (mem_copyin(&vm->mem, buf, addr + off, n) != 0)
				break;
			console_event(k, vm, buf, n);
			off += n;
		}
	}
	return written;
}

// The timer PIO (docs/isa.md 9.1): the deadline is ECX:EAX ns.
static void timer_pio(struct kernel *k, struct vm *vm)
{
	k->stats.timer_arms++;
	uint64_t ns = (uint64_t)vm->cpu.r[CPU_ECX] << 32 | vm->cpu.r[CPU_EAX];
	timer_set(k->timer, vm->id, ns); // an armed deadline was reported by devhost.c
	if (vm->cpu.pio.is_in)
		cpu_pio_complete(&vm->cpu, 0);
	if (!timer_deadline(k->timer, vm->id) && obs_on(&k->obs, OBS_CAT_TIMER))
		devhost_timer_event(k, vm->id, OBS_TIMER_CANCEL, 0);
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

// Handles the PIO; returns its cost and, in *dev, the device it reached.
static uint64_t pio(struct kernel *k, struct vm *vm, enum obs_dev *dev)
{
	const struct cpu_pio *p = &vm->cpu.pio;
	vm->pios++;
	*dev = OBS_DEV_UNKNOWN;
	switch (p->port) {
	case DENALI_PORT_DEBUGCON:
		if (!p->is_in) {
			uint8_t b = (uint8_t)p->value;
			*dev = OBS_DEV_CONSOLE;
			if (console_out_putc(k->con, vm->id, b) != 0)
				k->host_oom = true;
			if (obs_on(&k->obs, OBS_CAT_CONSOLE))
				console_event(k, vm, &b, 1);
			break;
		}
		goto unknown; // IN 0xE9 is not defined
	case DENALI_PORT_CONSOLE_WRITE:
		*dev = OBS_DEV_CONSOLE;
		vm->cpu.r[CPU_EAX] = console_write(k, vm);
		break;
	case DENALI_PORT_TIMER:
		*dev = OBS_DEV_TIMER;
		timer_pio(k, vm);
		break;
	case DENALI_PORT_STAT_ADD:
	case DENALI_PORT_STAT_SAMPLE:
		*dev = OBS_DEV_RESULTS;
		vm->cpu.r[CPU_EAX] = stat_report(k, vm, p->port == DENALI_PORT_STAT_ADD ?
						 RESULTS_COUNTER : RESULTS_SAMPLE);
		break;
	default: {
		uint64_t cost = devhost_pio(k, vm); // 0: not a device port
		if (cost) {
			*dev = p->port == DENALI_PORT_CONSOLE_READ ? OBS_DEV_CONSOLE_IN :
			       p->port <= NIC_PORT_LAST ? OBS_DEV_NIC : OBS_DEV_DISK;
			return cost;
		}
	}
	unknown:
		vm->pios_unknown++;
		if (p->is_in)
			cpu_pio_complete(&vm->cpu, 0);
		break;
	}
	return k->cfg.pio_cycles;
}

uint64_t kernel_pio(struct kernel *k, struct vm *vm)
{
	if (!obs_on(&k->obs, OBS_CAT_PIO)) {
		enum obs_dev dev;
		return pio(k, vm, &dev);
	}
	struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_PIO };
	const struct cpu_pio *p = &vm->cpu.pio;
	enum obs_dev dev;
	uint64_t cost = pio(k, vm, &dev);
	ev.u.pio.port = p->port;
	ev.u.pio.size = p->size;
	ev.u.pio.is_in = p->is_in;
	ev.u.pio.dev = (uint8_t)dev;
	ev.u.pio.eax = vm->cpu.r[CPU_EAX];
	ev.u.pio.value = p->is_in ? vm->cpu.r[CPU_EAX] : p->value;
	ev.u.pio.cycles = cost;
	obs_emit(&k->obs, &ev);
	return cost;
}
