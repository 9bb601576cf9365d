// SPDX-License-Identifier: MIT
// The machine and its run loop: simulated time, the round-robin run queue, idle
// timeouts, and what happens on each CPU exit (see kernel.h for the model and its
// parameters). PIO requests go to pio.c; guest memory is mem.c; VM records are vm.c.
//
// Invariants: a VM id is in the run queue iff its state is RUNNABLE or NEW; an IDLE VM
// with a timeout has exactly one wake event whose tag equals vm->wake_gen (older events
// carry older tags and are dropped when popped); `live` counts VMs not ended.
#include "vmm/kernel.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "denali/abi.h"
#include "vmm/digest.h"
#include "vmm/image.h"

void kernel_config_default(struct kernel_config *cfg)
{
	*cfg = (struct kernel_config){
		.nvms = 1,
		.mem_size = DENALI_MEM_DEFAULT,
		.cpu_khz = 1700000,
		.quantum_cycles = 17000,
		.ctx_switch_cycles = 2380,
		.pio_cycles = 2000,
		.max_time_cycles = 0,
		.console_cap = 65536,
		.block_max_insns = 0,
	};
}

uint64_t kernel_cycles_to_ns(const struct kernel_config *cfg, uint64_t cycles)
{
	return (uint64_t)((unsigned __int128)cycles * 1000000u / cfg->cpu_khz);
}

uint64_t kernel_ns_to_cycles(const struct kernel_config *cfg, uint64_t ns)
{
	unsigned __int128 c = ((unsigned __int128)ns * cfg->cpu_khz + 999999u) / 1000000u;
	return c > UINT64_MAX ? UINT64_MAX : (uint64_t)c;
}

int kernel_new(struct kernel **out, const struct kernel_config *cfg,
	       const struct image *img, char *err, size_t errlen)
{
	*out = NULL;
	if (cfg->nvms == 0 || cfg->cpu_khz == 0 || cfg->quantum_cycles == 0 ||
	    cfg->mem_size != img->mem_size) {
		snprintf(err, errlen, "kernel: bad configuration");
		return -1;
	}
	struct kernel *k = calloc(1, sizeof *k);
	if (!k)
		goto oom;
	k->cfg = *cfg;
	k->img = img;
	k->last_vm = -1;
	evq_init(&k->evq);
	struct cpu_exec_opts xo = { .block_max_insns = cfg->block_max_insns };
	k->x = cpu_exec_new(&xo);
	k->vms = calloc(cfg->nvms, sizeof *k->vms);
	k->rq = calloc(cfg->nvms, sizeof *k->rq);
	k->pio_buf = malloc(KERNEL_CONSOLE_WRITE_MAX);
	if (!k->x || !k->vms || !k->rq || !k->pio_buf)
		goto oom;
	for (uint32_t i = 0; i < cfg->nvms; i++) {
		vm_init(&k->vms[i], i);
		k->rq[i] = i; // everyone starts runnable, in id order
	}
	k->rq_len = cfg->nvms;
	k->live = cfg->nvms;
	*out = k;
	return 0;
oom:
	kernel_free(k);
	snprintf(err, errlen, "kernel: out of memory for %u VMs", cfg->nvms);
	return -1;
}

void kernel_free(struct kernel *k)
{
	if (!k)
		return;
	if (k->vms)
		for (uint32_t i = 0; i < k->cfg.nvms; i++)
			vm_free(&k->vms[i]);
	free(k->vms);
	free(k->rq);
	free(k->pio_buf);
	evq_free(&k->evq);
	if (k->x)
		cpu_exec_free(k->x);
	free(k);
}

static void rq_push(struct kernel *k, uint32_t id)
{
	// Capacity nvms suffices: each VM is in the queue at most once.
	k->rq[(k->rq_head + k->rq_len) % k->cfg.nvms] = id;
	k->rq_len++;
}

static uint32_t rq_pop(struct kernel *k)
{
	uint32_t id = k->rq[k->rq_head];
	k->rq_head = (k->rq_head + 1) % k->cfg.nvms;
	k->rq_len--;
	return id;
}

// Ends a VM: frees its memory, keeps its results.
static void end_vm(struct kernel *k, struct vm *vm, enum vm_state st)
{
	vm->state = st;
	vm_release_mem(vm);
	if (k->last_vm == (int64_t)vm->id)
		k->last_vm = -1;
	k->live--;
}

static void set_diag(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_diag(struct vm *vm, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(vm->diag);
	vm->diag = strdup(buf); // NULL on OOM: the state still says KILLED
}

static const char *access_name(uint32_t acc)
{
	if (acc & CPU_ACC_WRITE)
		return "write";
	if (acc & CPU_ACC_EXEC)
		return "instruction fetch";
	return "read";
}

// Describes a guest exception for the diagnostic line.
static void fault_reason(const struct cpu *c, enum cpu_exit e, char *buf, size_t sz)
{
	const struct cpu_fault *f = &c->fault;
	if (e == CPU_EXIT_INT) {
		snprintf(buf, sz, "software interrupt INT 0x%02x with no handler", f->vector);
		return;
	}
	switch (f->vector) {
	case CPU_VEC_DE: snprintf(buf, sz, "divide error (#DE)"); break;
	case CPU_VEC_BP: snprintf(buf, sz, "breakpoint (#BP)"); break;
	case CPU_VEC_OF: snprintf(buf, sz, "overflow (#OF)"); break;
	case CPU_VEC_BR: snprintf(buf, sz, "bound range exceeded (#BR)"); break;
	case CPU_VEC_UD: snprintf(buf, sz, "invalid opcode (#UD)"); break;
	case CPU_VEC_GP: snprintf(buf, sz, "general protection (#GP): privileged instruction");
		break;
	case CPU_VEC_PF:
		snprintf(buf, sz, "page fault (#PF): %s at 0x%08x outside guest memory",
			 access_name(f->error_code), f->addr);
		break;
	default: snprintf(buf, sz, "exception vector %u", f->vector); break;
	}
}

// Kills one VM for a guest fault with one diagnostic line: VM id, EIP, instruction
// bytes and disassembly, reason. Other VMs are not affected.
static void kill_for_fault(struct kernel *k, struct vm *vm, enum cpu_exit e)
{
	char reason[128], hex[3 * 15 + 1] = "", dis[96] = "?";
	uint32_t eip = vm->cpu.fault.eip;
	uint8_t bytes[15];
	uint32_t n = mem_copyin_prefix(&vm->mem, bytes, eip, sizeof bytes);
	// Show the instruction's own bytes when it decodes, else the first 8.
	struct cpu_decoded_info di;
	int ilen = n ? cpu_decode_info(bytes, n, &di) : 0;
	uint32_t show = ilen > 0 ? (uint32_t)ilen : 8;
	size_t at = 0;
	for (uint32_t i = 0; i < n && i < show && i < 15; i++)
		at += (size_t)snprintf(hex + at, sizeof hex - at, "%s%02x", i ? " " : "", bytes[i]);
	if (n)
		cpu_disasm(bytes, n, eip, dis, sizeof dis);
	if (vm->mem.oom) {
		k->host_oom = true;
		snprintf(reason, sizeof reason, "host out of memory");
	} else {
		fault_reason(&vm->cpu, e, reason, sizeof reason);
	}
	set_diag(vm, "vm %u: killed at eip 0x%08x [%s] %s: %s", vm->id, eip,
		 n ? hex : "unreadable", n ? dis : "", reason);
	end_vm(k, vm, VM_KILLED);
}

// Writes the read-only virtual registers before the VM is entered.
static void write_vregs(struct kernel *k, struct vm *vm)
{
	struct denali_vregs *v = mem_vregs(&vm->mem);
	v->magic = DENALI_VREGS_MAGIC;
	v->abi_version = DENALI_ABI_VERSION;
	v->vm_id = vm->id;
	v->cpu_khz = k->cfg.cpu_khz;
	v->mem_size = k->cfg.mem_size;
	v->time_ns = kernel_cycles_to_ns(&k->cfg, k->now);
	v->int_pending = 0;
}

// First dispatch: memory and CPU reset (EIP = entry, ESP = top of memory).
static int start_vm(struct kernel *k, struct vm *vm)
{
	if (mem_init(&vm->mem, k->img, k->cfg.mem_size, k->x) != 0) {
		k->host_oom = true;
		set_diag(vm, "vm %u: killed before start: host out of memory", vm->id);
		end_vm(k, vm, VM_KILLED);
		return -1;
	}
	vm->has_mem = true;
	cpu_reset(&vm->cpu, k->img->entry, k->cfg.mem_size);
	mem_vregs(&vm->mem)->boot_time_ns = kernel_cycles_to_ns(&k->cfg, k->now);
	vm->state = VM_RUNNABLE;
	return 0;
}

// Puts vm to sleep; timeout_ns all-ones means no timeout (only an event wakes it).
static void idle_vm(struct kernel *k, struct vm *vm, uint64_t timeout_ns)
{
	vm->state = VM_IDLE;
	vm->wake_gen++;
	if (timeout_ns == UINT64_MAX)
		return;
	uint64_t dt = kernel_ns_to_cycles(&k->cfg, timeout_ns);
	uint64_t at = k->now + dt < k->now ? UINT64_MAX : k->now + dt;
	if (evq_push(&k->evq, at, KEV_WAKE, vm->id, vm->wake_gen) == UINT64_MAX)
		k->host_oom = true; // the VM stays idle: reported as hung
}

// Runs one VM for one quantum, handling PIOs inline. Returns with the VM runnable
// (quantum spent: the caller requeues it), idle, or ended.
static void run_slice(struct kernel *k, struct vm *vm)
{
	struct cpu_mem mi = mem_iface(&vm->mem);
	int64_t left = (int64_t)k->cfg.quantum_cycles;
	vm->slices++;
	k->stats.dispatches++;
	while (left > 0) {
		int64_t budget = left;
		if (k->cfg.max_time_cycles) {
			if (k->now >= k->cfg.max_time_cycles)
				return;
			uint64_t rest = k->cfg.max_time_cycles - k->now;
			if ((uint64_t)budget > rest)
				budget = (int64_t)rest;
		}
		write_vregs(k, vm);
		uint64_t c0 = vm->cpu.cycles;
		enum cpu_exit e = cpu_run(k->x, &vm->cpu, &mi, budget);
		uint64_t used = vm->cpu.cycles - c0;
		k->now += used;
		left -= (int64_t)used;
		switch (e) {
		case CPU_EXIT_BUDGET:
		case CPU_EXIT_STEP:
			continue; // the loop condition decides
		case CPU_EXIT_PIO: {
			uint64_t cost = kernel_pio(k, vm);
			k->now += cost;
			left -= (int64_t)cost;
			continue;
		}
		case CPU_EXIT_IDLE:
			idle_vm(k, vm, (uint64_t)vm->cpu.r[CPU_EDX] << 32 | vm->cpu.r[CPU_EAX]);
			return;
		case CPU_EXIT_HLT:
			idle_vm(k, vm, UINT64_MAX);
			return;
		case CPU_EXIT_TERMINATE:
			vm->exit_code = vm->cpu.r[CPU_EAX];
			end_vm(k, vm, VM_TERMINATED);
			return;
		case CPU_EXIT_FAULT:
		case CPU_EXIT_INT:
			kill_for_fault(k, vm, e);
			return;
		}
		// An exit code the kernel does not know: our bug, but only this VM pays.
		set_diag(vm, "vm %u: killed: unknown cpu exit %d at eip 0x%08x", vm->id, (int)e,
			 vm->cpu.eip);
		end_vm(k, vm, VM_KILLED);
		return;
	}
}

// Moves every wake event due at or before now into the run queue.
static void deliver_events(struct kernel *k)
{
	const struct evq_event *top;
	while ((top = evq_peek(&k->evq)) && top->time <= k->now) {
		struct evq_event ev;
		evq_pop(&k->evq, &ev);
		if (ev.kind != KEV_WAKE || ev.target >= k->cfg.nvms)
			continue;
		struct vm *vm = &k->vms[ev.target];
		if (vm->state != VM_IDLE || vm->wake_gen != ev.tag)
			continue; // stale: the VM woke or ended since
		vm->state = VM_RUNNABLE;
		rq_push(k, vm->id);
	}
}

// Marks every live VM with st (end of run). Their memory is freed.
static void finish_live(struct kernel *k, enum vm_state st)
{
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		struct vm *vm = &k->vms[i];
		if (vm_ended(vm))
			continue;
		// A VM that never ran is also stopped by max time.
		vm->state = st;
		vm_release_mem(vm);
	}
	k->last_vm = -1;
}

static void tally(struct kernel *k)
{
	struct kernel_stats *s = &k->stats;
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		switch (vm->state) {
		case VM_TERMINATED: vm->exit_code ? s->nonzero++ : s->ok++; break;
		case VM_KILLED: s->killed++; break;
		case VM_HUNG: s->hung++; break;
		default: s->stopped++; break;
		}
		s->retired += vm->cpu.retired;
		s->guest_cycles += vm->cpu.cycles;
		s->pios += vm->pios;
		s->pios_unknown += vm->pios_unknown;
	}
}

enum kernel_end kernel_run(struct kernel *k)
{
	if (k->ran)
		return k->end;
	k->ran = true;
	for (;;) {
		uint64_t max = k->cfg.max_time_cycles;
		if (max && k->now >= max) {
			k->end = KERNEL_END_MAX_TIME;
			break;
		}
		deliver_events(k);
		if (k->rq_len == 0) {
			const struct evq_event *top = evq_peek(&k->evq);
			if (!top) {
				k->end = k->live ? KERNEL_END_DEADLOCK : KERNEL_END_ALL_DONE;
				break;
			}
			// Nobody runnable: jump to the next event (or to max time).
			k->now = max && top->time > max ? max : top->time;
			continue;
		}
		struct vm *vm = &k->vms[rq_pop(k)];
		if (vm->state == VM_NEW && start_vm(k, vm) != 0)
			continue;
		if (k->last_vm != (int64_t)vm->id) {
			// The CPU switches VM: charge the switch and forget the last VM's TLB.
			if (k->stats.dispatches > 0) {
				k->now += k->cfg.ctx_switch_cycles;
				k->stats.ctx_switches++;
			}
			cpu_exec_flush_tlb(k->x);
			k->last_vm = vm->id;
		}
		run_slice(k, vm);
		if (vm->state == VM_RUNNABLE)
			rq_push(k, vm->id);
	}
	finish_live(k, k->end == KERNEL_END_DEADLOCK ? VM_HUNG : VM_STOPPED);
	tally(k);
	return k->end;
}

uint64_t kernel_digest(const struct kernel *k)
{
	uint64_t h = DIGEST_INIT;
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		h = digest_u32(h, vm->state);
		h = digest_u32(h, vm->exit_code);
		h = digest_u64(h, vm->cpu.retired);
		h = digest_u64(h, vm->cpu.cycles);
		h = digest_u64(h, vm->console_total);
		h = digest_bytes(h, vm->console, vm->console_len);
	}
	return digest_u64(h, k->now);
}
