// SPDX-License-Identifier: MIT
// The one-shot timer device, one per VM (docs/isa.md 9.1). A PIO on
// DENALI_PORT_TIMER (IN or OUT) sets the deadline to ECX:EAX ns of simulated time
// (absolute, the clock of time_ns), replacing any earlier one; 0 cancels. At the
// deadline (or at once, if it has passed) the kernel raises DENALI_IRQ_TIMER. IN
// returns 0 in EAX. A deadline past KERNEL_TIME_HORIZON never fires. The deadline is
// an event in the kernel's queue whose tag is the VM's timer generation, so the event
// of a replaced or cancelled deadline is dropped.
#include <stdint.h>

#include "denali/abi.h"
#include "vmm/kernel.h"

static void timer_event(struct kernel *k, uint32_t vm_id, enum obs_timer what,
			uint64_t deadline)
{
	struct obs_event ev = { .time = k->now, .vm = vm_id, .kind = OBS_TIMER };
	ev.u.timer.what = (uint8_t)what;
	ev.u.timer.deadline_cycles = deadline;
	obs_emit(&k->obs, &ev);
}

void timer_pio(struct kernel *k, struct vm *vm)
{
	struct intr_vm *s = &k->iv[vm->id];
	uint64_t ns = (uint64_t)vm->cpu.r[CPU_ECX] << 32 | vm->cpu.r[CPU_EAX];
	k->stats.timer_arms++;
	s->timer_gen++;
	s->timer_at = 0;
	if (vm->cpu.pio.is_in)
		cpu_pio_complete(&vm->cpu, 0);
	bool obs = obs_on(&k->obs, OBS_CAT_TIMER);
	if (ns == 0) {
		if (obs)
			timer_event(k, vm->id, OBS_TIMER_CANCEL, 0);
		return;
	}
	uint64_t at = kernel_ns_to_cycles(&k->cfg, ns);
	if (at >= KERNEL_TIME_HORIZON) {
		if (obs)
			timer_event(k, vm->id, OBS_TIMER_CANCEL, 0);
		return; // never fires (kernel.h)
	}
	if (at < k->now)
		at = k->now;
	if (evq_push(&k->evq, at, KEV_TIMER, vm->id, s->timer_gen) == UINT64_MAX) {
		k->host_oom = true; // the timer never fires
		return;
	}
	s->timer_at = at;
	if (obs)
		timer_event(k, vm->id, OBS_TIMER_SET, at);
}

void timer_fire(struct kernel *k, uint32_t vm_id, uint64_t gen)
{
	struct intr_vm *s = &k->iv[vm_id];
	if (s->timer_gen != gen || !s->timer_at)
		return; // replaced or cancelled
	s->timer_at = 0;
	if (obs_on(&k->obs, OBS_CAT_TIMER))
		timer_event(k, vm_id, OBS_TIMER_FIRE, k->now);
	intr_raise(k, vm_id, DENALI_IRQ_TIMER);
}
