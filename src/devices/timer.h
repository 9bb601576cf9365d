// SPDX-License-Identifier: MIT
// The one-shot timer device, one per VM (timer.c, docs/isa.md 9.1). A deadline is an
// absolute simulated time in ns (the clock of time_ns); setting one replaces the last,
// 0 cancels. The device asks its host for one event per deadline
// (devset_host.timer_at, tagged with the VM's timer generation); when the host's event
// comes due it calls timer_fire, which raises DENALI_IRQ_TIMER through the host unless
// the deadline was replaced or cancelled since. Like every device it never sees the
// CPU: the kernel's PIO dispatch (src/vmm/pio.c) reads the deadline from the registers.
#ifndef DENALI_DEVICES_TIMER_H
#define DENALI_DEVICES_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/devset.h"

struct timer;

// Builds the timers of nvms VMs, none armed. The host must provide raise_irq and
// timer_at. Returns 0, or -1 when out of memory.
int timer_new(struct timer **out, uint32_t nvms, const struct devset_host *h);
void timer_free(struct timer *t);

// Sets VM vm_id's deadline to deadline_ns (0: cancel). A deadline the host cannot
// schedule (beyond the end of simulated time, or no host memory) never fires.
void timer_set(struct timer *t, uint32_t vm_id, uint64_t deadline_ns);
// Host memory the device holds, in bytes (docs/memory.md).
uint64_t timer_host_bytes(const struct timer *t);
// VM vm_id's armed deadline in ns, or 0 when none is armed.
uint64_t timer_deadline(const struct timer *t, uint32_t vm_id);
// The host's event (vm_id, tag) came due: raises DENALI_IRQ_TIMER for the VM if that
// deadline is still the current one, and disarms it.
void timer_fire(struct timer *t, uint32_t vm_id, uint64_t tag);
// Whether the host's event (vm_id, tag) is still the VM's current deadline (false: it
// was replaced, cancelled or fired; the host may drop the event).
bool timer_current(const struct timer *t, uint32_t vm_id, uint64_t tag);

// Checkpoints (src/vmm/kernel_ckpt.c): VM vm_id's timer (vm_id < nvms), and back. The
// host's event for an armed deadline is restored with the host's own state, not here.
// timer_restore returns 0, or -1 (a bad id, or armed with no deadline).
void timer_state(const struct timer *t, uint32_t vm_id, uint32_t *gen, bool *armed,
		 uint64_t *deadline_ns);
int timer_restore(struct timer *t, uint32_t vm_id, uint32_t gen, bool armed,
		  uint64_t deadline_ns);

#endif
