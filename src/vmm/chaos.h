// SPDX-License-Identifier: MIT
// Reproducible scheduling chaos (`denali run --chaos SEED`, docs/isa.md 12): the kernel
// perturbs, from a seed, the timings a guest kernel cannot control and may not rely on,
// each within documented bounds:
//   - the quantum of each dispatch: uniform in [Q/2, 3Q/2] (Q = --quantum);
//   - the delivery of each interrupt raise: delayed by uniform [0, CHAOS_IRQ_DELAY_NS];
//   - each timer deadline: fires uniform [0, CHAOS_TIMER_LATENCY_NS] late (on top of the
//     interrupt delay, as a real timer's latency would be);
//   - and interrupts and quanta may land between any two instructions, as on real
//     hardware, not only at the end of a decoded block.
// Every draw is splitmix64 of (seed, kind, how many draws of that kind came before): the
// same seed and the same run give the same draws, so a run with chaos is as
// reproducible as one without, and a failure replays from its seed. Nothing here reads
// the host. The kernel's hooks: kernel_new (a decoded block of one instruction, so any
// instruction boundary can be a preemption point), dispatch_begin (quantum), intr_raise
// (delay, through a KEV_CHAOS_IRQ event) and devhost.c host_timer_at (latency).
#ifndef DENALI_VMM_CHAOS_H
#define DENALI_VMM_CHAOS_H

#include <stdbool.h>
#include <stdint.h>

#define CHAOS_IRQ_DELAY_NS 20000u      // an interrupt raise is delayed 0..20 us
#define CHAOS_TIMER_LATENCY_NS 50000u  // a timer deadline fires 0..50 us late

enum chaos_kind { CHAOS_QUANTUM, CHAOS_IRQ, CHAOS_TIMER, CHAOS_KINDS };

struct chaos {
	bool on;
	uint64_t seed;
	uint64_t draws[CHAOS_KINDS]; // draws made so far, per kind
};

// Chaos with `seed` (on), or none (on = false: every function below returns its
// unperturbed value and draws nothing).
void chaos_init(struct chaos *c, bool on, uint64_t seed);

// The quantum of the next dispatch, given the configured one (cycles): uniform in
// [q/2, q/2 + q] (so the mean is q), at least 1.
uint64_t chaos_quantum(struct chaos *c, uint64_t q);

// A uniform draw in [0, max] for `kind`; 0 without chaos or when max is 0.
uint64_t chaos_draw(struct chaos *c, enum chaos_kind kind, uint64_t max);

#endif
