// SPDX-License-Identifier: MIT
// The one-shot timers (timer.h, docs/isa.md 9.1). Per VM: whether a deadline is armed
// and its generation, which tags the host's event, so the event of a replaced or
// cancelled deadline is recognised (timer_current) and ignored (timer_fire).
#include "devices/timer.h"

#include <stdlib.h>

#include "denali/abi.h"

struct timer_vm {
	uint32_t gen;  // tag of the current deadline's event
	bool armed;    // a deadline is set and its event is queued
	uint64_t deadline_ns; // when armed
};

struct timer {
	struct devset_host h;
	uint32_t nvms;
	struct timer_vm *vm;
};

int timer_new(struct timer **out, uint32_t nvms, const struct devset_host *h)
{
	struct timer *t = calloc(1, sizeof *t);
	if (t)
		t->vm = calloc(nvms ? nvms : 1, sizeof *t->vm);
	if (!t || !t->vm) {
		free(t);
		*out = NULL;
		return -1;
	}
	t->h = *h;
	t->nvms = nvms;
	*out = t;
	return 0;
}

void timer_free(struct timer *t)
{
	if (!t)
		return;
	free(t->vm);
	free(t);
}

void timer_set(struct timer *t, uint32_t vm_id, uint64_t deadline_ns)
{
	if (vm_id >= t->nvms)
		return;
	struct timer_vm *v = &t->vm[vm_id];
	v->gen++;
	v->armed = false;
	if (deadline_ns == 0)
		return;
	if (t->h.timer_at(t->h.ctx, vm_id, deadline_ns, v->gen) != 0)
		return; // never fires
	v->armed = true;
	v->deadline_ns = deadline_ns;
}

void timer_fire(struct timer *t, uint32_t vm_id, uint64_t tag)
{
	if (!timer_current(t, vm_id, tag))
		return; // replaced or cancelled
	t->vm[vm_id].armed = false;
	t->h.raise_irq(t->h.ctx, vm_id, DENALI_IRQ_TIMER);
}

bool timer_current(const struct timer *t, uint32_t vm_id, uint64_t tag)
{
	return vm_id < t->nvms && t->vm[vm_id].armed && t->vm[vm_id].gen == tag;
}

uint64_t timer_deadline(const struct timer *t, uint32_t vm_id)
{
	return vm_id < t->nvms && t->vm[vm_id].armed ? t->vm[vm_id].deadline_ns : 0;
}

uint64_t timer_host_bytes(const struct timer *t)
{
	return sizeof *t + (uint64_t)t->nvms * sizeof *t->vm;
}

void timer_state(const struct timer *t, uint32_t vm_id, uint32_t *gen, bool *armed,
		 uint64_t *deadline_ns)
{
	const struct timer_vm *v = &t->vm[vm_id];
	*gen = v->gen;
	*armed = v->armed;
	*deadline_ns = v->armed ? v->deadline_ns : 0;
}

int timer_restore(struct timer *t, uint32_t vm_id, uint32_t gen, bool armed,
		  uint64_t deadline_ns)
{
	if (vm_id >= t->nvms || (armed && deadline_ns == 0))
		return -1;
	t->vm[vm_id] = (struct timer_vm){ .gen = gen, .armed = armed, .deadline_ns = deadline_ns };
	return 0;
}
