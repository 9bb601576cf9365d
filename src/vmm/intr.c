// SPDX-License-Identifier: MIT
// Interrupt and exception delivery (docs/isa.md section 8): what the kernel does
// between the CPU and a VM's handlers. intr_raise sets a pending bit (devices reach it
// through devhost.c's raise_irq); before every cpu_run the run loop (kernel.c run_slice)
// calls intr_deliver, which pushes one interrupt frame for everything pending and ready,
// then intr_write_vregs, which writes the read-only virtual registers (int_pending among
// them); after it, intr_ack takes the bits the guest cleared. A fault or INT n goes to
// intr_deliver_exception (an exception frame) or kills the VM. When pending interrupts
// are ready is the policy's question (intr_policy.c); kernel.c owns VM states and time.
#include <assert.h>
#include <stdint.h>
#include <stdio.h>

#include "denali/abi.h"
#include "vmm/devhost.h"
#include "vmm/kernel.h"
#include "vmm/kernel_internal.h"

// Writes the read-only virtual registers before the VM is entered.
void intr_write_vregs(struct kernel *k, struct vm *vm)
{
	assert(vm->has_mem && vm->id < k->cfg.nvms);
	struct denali_vregs *v = mem_vregs(&vm->mem);
	v->magic = DENALI_VREGS_MAGIC;
	v->abi_version = DENALI_ABI_VERSION;
	v->vm_id = vm->id;
	v->cpu_khz = k->cfg.cpu_khz;
	v->mem_size = vm->mem.mem_size;
	v->time_ns = kernel_cycles_to_ns(&k->cfg, k->now);
	v->tsc_at_entry = vm->cpu.cycles;
	v->machine_id = k->cfg.machine_id;
	v->machine_vms = k->cfg.nvms;
	devhost_vregs(k, vm); // mac, ipv4
	struct intr_vm *s = &k->iv[vm->id];
	s->shown = intr_ops(s->policy)->ready(s, k->now) ? s->pending : 0;
	v->int_pending = s->shown;
	// To the CPU this page is ordinary memory: if the guest runs code in it, that
	// code must see these bytes (issue 10, device writes into code).
	cpu_exec_code_written(k->x, vm->mem.vregs, 0, (unsigned)sizeof *v);
}

// The pending interrupts vm may see now (its policy says they are ready), or 0.
uint32_t intr_visible(const struct kernel *k, const struct vm *vm)
{
	const struct intr_vm *s = &k->iv[vm->id];
	return intr_ops(s->policy)->ready(s, k->now) ? s->pending : 0;
}

// Counts one handling of `lines` (an upcall, or a poll that cleared them): the lines
// and the NIC frames queued for the VM since its previous handling (kernel.h).
static void handled(struct kernel *k, const struct vm *vm, uint32_t lines)
{
	struct intr_vm *s = &k->iv[vm->id];
	k->stats.handled_lines += (uint64_t)__builtin_popcount(lines);
	uint64_t rxq = devhost_rx_queued(k, vm->id), frames = rxq - s->rxq_seen;
	s->rxq_seen = rxq;
	k->stats.handled_frames += frames;
	unsigned b = 0; // bucket: 0, 1, 2, 3-4, 5-8, ..., 65+
	while (b + 1 < KERNEL_UPCALL_BUCKETS && frames > (b ? 1ull << (b - 1) : 0))
		b++;
	k->stats.handled_frames_hist[b]++;
}

// After a cpu_run: bits the guest cleared in int_pending since entry are acknowledged.
void intr_ack(struct kernel *k, struct vm *vm)
{
	struct intr_vm *s = &k->iv[vm->id];
	// Only pending lines are shown, and a pending line was raised at least once.
	assert((s->shown & ~s->pending) == 0 && (!s->pending || s->count > 0));
	if (!s->shown)
		return;
	uint32_t cleared = s->shown & ~mem_vregs(&vm->mem)->int_pending;
	if (cleared) {
		k->stats.intr_polls++;
		handled(k, vm, cleared);
	}
	s->shown &= ~cleared;
	s->pending &= ~cleared;
	if (cleared && !s->pending) {
		s->count = 0;
		s->coal_gen++;
	}
}

// Pushes `words` 32-bit words (words[0] ends up at the new ESP) on the guest stack.
// Returns 0, or -1 when any byte is outside writable guest memory (nothing changes).
static int push_frame(struct vm *vm, const uint32_t *words, uint32_t n)
{
	uint32_t esp = vm->cpu.r[CPU_ESP], len = 4 * n;
	uint8_t buf[32];
	if (esp < len || len > sizeof buf)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t b = 0; b < 4; b++)
			buf[4 * i + b] = (uint8_t)(words[i] >> (8 * b));
	if (mem_copyout(&vm->mem, esp - len, buf, len) != 0)
		return -1;
	vm->cpu.r[CPU_ESP] = esp - len;
	return 0;
}

// Delivers pending, ready interrupts to the handler if the guest enabled them: one
// upcall for all of them (docs/isa.md 8.5). Returns the cycles it cost (0: nothing
// delivered), or -1 when the frame could not be pushed (the VM was killed).
int64_t intr_deliver(struct kernel *k, struct vm *vm)
{
	struct intr_vm *s = &k->iv[vm->id];
	if (!s->pending)
		return 0;
	assert(s->count > 0 && s->first_cycles <= k->now);
	struct denali_vregs *v = mem_vregs(&vm->mem);
	const struct intr_ops *op = intr_ops(s->policy);
	if (!(v->int_enable & 1) || !v->int_handler || !op->ready(s, k->now))
		return 0;
	uint32_t frame[4] = { s->pending, vm->cpu.eip, DENALI_FRAME_CS,
			      cpu_get_eflags(&vm->cpu) };
	if (push_frame(vm, frame, 4) != 0) {
		if (vm->mem.oom) {
			k->host_oom = true;
			kernel_set_diag(vm, "vm %u: killed at eip 0x%08x: host out of memory (not a "
					"guest fault) pushing the interrupt frame", vm->id, vm->cpu.eip);
		} else {
			kernel_set_diag(vm, "vm %u: killed at eip 0x%08x: cannot push the interrupt "
					"frame: ESP 0x%08x leaves no 16 writable bytes below it",
					vm->id, vm->cpu.eip, vm->cpu.r[CPU_ESP]);
		}
		kernel_end_vm(k, vm, VM_KILLED);
		return -1;
	}
	uint64_t latency_ns = kernel_cycles_to_ns(&k->cfg, k->now - s->first_cycles);
	if (obs_on(&k->obs, OBS_CAT_IRQ)) {
		struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_IRQ_DELIVER };
		ev.u.irq_deliver.lines = s->pending;
		ev.u.irq_deliver.raises = s->count;
		ev.u.irq_deliver.latency_ns = latency_ns;
		ev.u.irq_deliver.from_eip = frame[1];
		ev.u.irq_deliver.handler = v->int_handler;
		ev.u.irq_deliver.frame = vm->cpu.r[CPU_ESP];
		obs_emit(&k->obs, &ev);
	}
	vm->cpu.eip = v->int_handler;
	v->int_enable = 0;
	k->stats.intr_deliveries++;
	k->stats.irqs_delivered += s->count;
	handled(k, vm, s->pending);
	hist_add(&k->stats.latency_ns, latency_ns);
	op->delivered(s, k->now);
	s->pending = 0;
	s->count = 0;
	s->coal_gen++;
	return (int64_t)k->cfg.intr_cycles;
}

// A fault or INT n with exc_handler set: push the exception frame and enter the
// handler (docs/isa.md 8.2). Returns true when delivered, false when the VM was
// killed (no handler, a double fault, or no room for the frame).
// Reports an exception (delivered, or fatal) to observers.
static void exc_event(struct kernel *k, const struct vm *vm, enum cpu_exit e, bool handled)
{
	const struct cpu_fault *f = &vm->cpu.fault;
	struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_EXCEPTION };
	ev.u.exc.vector = f->vector;
	ev.u.exc.is_int = e == CPU_EXIT_INT;
	ev.u.exc.handled = handled;
	ev.u.exc.eip = f->eip;
	ev.u.exc.error_code = e == CPU_EXIT_FAULT ? f->error_code : 0;
	ev.u.exc.addr = e == CPU_EXIT_FAULT ? f->addr : 0;
	obs_emit(&k->obs, &ev);
}

bool intr_deliver_exception(struct kernel *k, struct vm *vm, enum cpu_exit e)
{
	struct denali_vregs *v = mem_vregs(&vm->mem);
	struct intr_vm *s = &k->iv[vm->id];
	const struct cpu_fault *f = &vm->cpu.fault;
	bool obs = obs_on(&k->obs, OBS_CAT_EXC);
	char note[128];
	if (!v->exc_handler) {
		if (obs)
			exc_event(k, vm, e, false);
		kernel_kill_for_fault(k, vm, e, NULL);
		return false;
	}
	if (s->exc_armed && s->exc_retired == vm->cpu.retired) {
		snprintf(note, sizeof note, "double fault: raised before the exception "
			 "handler at 0x%08x retired an instruction", v->exc_handler);
		if (obs)
			exc_event(k, vm, e, false);
		kernel_kill_for_fault(k, vm, e, note);
		return false;
	}
	uint32_t frame[5] = { f->vector, e == CPU_EXIT_FAULT ? f->error_code : 0, vm->cpu.eip,
			      DENALI_FRAME_CS, cpu_get_eflags(&vm->cpu) };
	if (push_frame(vm, frame, 5) != 0) {
		snprintf(note, sizeof note, "double fault: cannot push the exception frame "
			 "below ESP 0x%08x", vm->cpu.r[CPU_ESP]);
		if (obs)
			exc_event(k, vm, e, false);
		kernel_kill_for_fault(k, vm, e, note);
		return false;
	}
	if (obs)
		exc_event(k, vm, e, true);
	if (e == CPU_EXIT_FAULT && f->vector == CPU_VEC_PF)
		v->fault_addr = f->addr;
	vm->cpu.eip = v->exc_handler;
	v->int_enable = 0;
	s->exc_armed = true;
	s->exc_retired = vm->cpu.retired;
	k->stats.exc_delivered++;
	return true;
}

// vm's pending interrupts just became ready: wake it if idle; under the sync policy,
// switch to it at the next boundary.
void intr_ready(struct kernel *k, struct vm *vm)
{
	struct intr_vm *s = &k->iv[vm->id];
	if (vm->state == VM_IDLE) {
		kernel_wake_vm(k, vm, true);
	} else if (intr_ops(s->policy)->preempt && sched_queued(&k->sched, vm->id) &&
		   !sched_urgent(&k->sched, vm->id)) {
		sched_remove(&k->sched, vm->id);
		sched_enqueue(&k->sched, vm->id, SCHED_URGENT);
		s->woke_by_irq = true;
	}
	if (intr_ops(s->policy)->preempt && k->running >= 0 && k->running != (int64_t)vm->id)
		k->preempt = true;
}

void intr_raise(struct kernel *k, uint32_t vm_id, unsigned line)
{
	if (vm_id >= k->cfg.nvms || line >= DENALI_IRQ_LINES)
		return;
	// Chaos: the raise takes effect a little later (chaos.h; kernel.c's KEV_CHAOS_IRQ).
	uint64_t d = chaos_draw(&k->chaos, CHAOS_IRQ,
				kernel_ns_to_cycles(&k->cfg, CHAOS_IRQ_DELAY_NS));
	if (d) {
		if (evq_push(&k->evq, k->now + d, KEV_CHAOS_IRQ, vm_id, line) == UINT64_MAX)
			k->host_oom = true; // the interrupt is lost
		return;
	}
	intr_raise_now(k, vm_id, line);
}

void intr_raise_now(struct kernel *k, uint32_t vm_id, unsigned line)
{
	if (vm_id >= k->cfg.nvms || line >= DENALI_IRQ_LINES)
		return;
	struct vm *vm = &k->vms[vm_id];
	if (vm_ended(vm) || vm->state == VM_HUNG || vm->state == VM_STOPPED)
		return;
	struct intr_vm *s = &k->iv[vm_id];
	const struct intr_ops *op = intr_ops(s->policy);
	k->stats.irqs_raised++;
	// The physical interrupt behind it (kernel.h irq_work_cycles): kernel time, taken
	// from the running VM's quantum as the upcall and PIO costs are.
	if (k->cfg.irq_work_cycles) {
		k->now += k->cfg.irq_work_cycles;
		if (k->running >= 0)
			k->slice_left -= (int64_t)k->cfg.irq_work_cycles;
	}
	if (!s->pending)
		s->first_cycles = k->now;
	s->pending |= 1u << line;
	s->count++;
	bool ready = op->ready(s, k->now);
	if (obs_on(&k->obs, OBS_CAT_IRQ)) {
		struct obs_event ev = { .time = k->now, .vm = vm_id, .kind = OBS_IRQ_RAISE };
		ev.u.irq_raise.line = (uint8_t)line;
		ev.u.irq_raise.pending = s->pending;
		ev.u.irq_raise.count = s->count;
		ev.u.irq_raise.ready = ready;
		obs_emit(&k->obs, &ev);
	}
	if (ready) {
		intr_ready(k, vm); // under sync, every raise switches to the VM
	} else if (s->count == 1) {
		uint64_t at = op->ready_at(s);
		if (at != UINT64_MAX &&
		    evq_push(&k->evq, at, KEV_COALESCE, vm_id, s->coal_gen) == UINT64_MAX)
			k->host_oom = true;
	}
}
