// SPDX-License-Identifier: MIT
// Virtual interrupts and exceptions: the delivery policies (intr_policy.c), the per-VM
// state (struct intr_vm), and delivery into the guest (intr.c): raise, the virtual
// registers at VM entry, interrupt and exception frames (docs/isa.md section 8).
//
// The kernel keeps per VM a pending bitmask (struct intr_vm) and asks the VM's policy two
// questions: is what is pending *ready* (may the VM see and handle it now), and does a
// raise force an immediate switch to the target. Policies (docs/isa.md 8.6):
//   batched     Denali: ready as soon as one bit is pending; delivered when the VM next
//               runs; no forced switch.
//   sync        the paper's baseline: ready at once, and the scheduler preempts the
//               running VM and switches to the target at the next block boundary.
//   coalesce    ready when `n` raises are pending or `t_ns` passed since the oldest one
//               (NIC interrupt moderation); until then they do not wake an idle VM.
//   adaptive    coalesce whose per-VM threshold follows the observed rate: after a
//               delivery that came less than t_ns after the previous one the threshold
//               doubles (at most n); after one that came more than 4*t_ns after it the
//               threshold halves (at least 1). It starts at 1.
// A policy is plain data (struct intr_policy); its behaviour is a struct intr_ops.
#ifndef DENALI_VMM_INTR_H
#define DENALI_VMM_INTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"

struct kernel;
struct vm;

enum intr_kind { INTR_BATCHED = 0, INTR_SYNC, INTR_COALESCE, INTR_ADAPTIVE, INTR_KINDS };

// A policy as configured: kind and, for coalesce/adaptive, the count and time bounds.
struct intr_policy {
	uint8_t kind;   // enum intr_kind
	uint32_t n;     // coalesce: raises; adaptive: the largest threshold
	uint64_t t_ns;  // coalesce/adaptive: the longest an interrupt waits, ns
};

// Per-VM interrupt and exception state, kept by the kernel beside struct vm.
struct intr_vm {
	uint32_t pending;        // bit n = line n raised and not yet delivered
	uint32_t count;          // raises since the last delivery (a line may repeat)
	uint32_t shown;          // the int_pending value written at the last VM entry
	uint32_t cur_n;          // adaptive: the current threshold
	uint64_t first_cycles;   // time of the oldest undelivered raise
	uint64_t t_cycles;       // the policy's t in cycles (0: none)
	uint64_t last_delivery;  // time of the previous delivery (adaptive)
	uint32_t coal_gen;       // tag of the current coalescing deadline event
	uint64_t exc_retired;    // cpu.retired at the last exception delivery
	uint64_t idle_since;     // when the VM last idled (the priority boost needs > 0 sleep)
	uint8_t policy;          // enum intr_kind
	bool exc_armed;          // an exception was delivered and no instruction ran since
	bool woke_by_irq;        // woken by an interrupt, not yet dispatched
	bool swap_wait;          // idle because it waits for the swap disk (gatekeeper.c)
	uint64_t wake_at;        // an idle VM's wake event (timeout or swap read), 0: none
	uint64_t rxq_seen;       // NIC frames queued for the VM at its last upcall
};

struct intr_ops {
	const char *name;
	// Whether the pending interrupts may be seen and delivered at time `now`.
	bool (*ready)(const struct intr_vm *s, uint64_t now);
	// When pending-but-not-ready interrupts become ready with no further raise, or
	// UINT64_MAX (the kernel queues an event then).
	uint64_t (*ready_at)(const struct intr_vm *s);
	// Called after a delivery (adaptive adjusts its threshold).
	void (*delivered)(struct intr_vm *s, uint64_t now);
	bool preempt; // a raise switches to the target at once (sync)
};

const struct intr_ops *intr_ops(enum intr_kind kind);

// Parses "batched", "sync", "coalesce:N:T" or "adaptive:N:T" (T a time such as 50us;
// "coalesce" alone means coalesce:8:50us, "adaptive" alone adaptive:16:50us).
// Returns 0, or -1 with the reason in why.
int intr_policy_parse(const char *s, struct intr_policy *p, char *why, size_t whylen);
// Writes the canonical text of p ("coalesce:8:50000ns").
void intr_policy_format(const struct intr_policy *p, char *buf, size_t len);

// Sets the per-VM state for policy p (t converted to cycles by the caller).
void intr_vm_init(struct intr_vm *s, const struct intr_policy *p, uint64_t t_cycles);

// Delivery (intr.c). The run loop (kernel.c run_slice) calls, before every cpu_run,
// intr_deliver and then intr_write_vregs, and after it intr_ack.

// Raises interrupt `line` (0..31) for VM vm_id at the current simulated time: sets its
// pending bit and, as the VM's policy says, wakes it or switches to it. Devices call it
// (devhost.c raise_irq). Ignored for an ended VM or a bad line or id.
// With --chaos the raise takes effect up to CHAOS_IRQ_DELAY_NS later (chaos.h).
void intr_raise(struct kernel *k, uint32_t vm_id, unsigned line);
// The raise itself, now (intr_raise without chaos, and its delayed event).
void intr_raise_now(struct kernel *k, uint32_t vm_id, unsigned line);
// vm's pending interrupts just became ready (a raise, or a coalescing deadline): wakes
// it if idle; under the sync policy, switches to it at the next boundary.
void intr_ready(struct kernel *k, struct vm *vm);
// Delivers pending, ready interrupts to the guest's handler if it enabled them: one
// upcall for all of them (docs/isa.md 8.5). Returns the cycles it cost (0: nothing
// delivered), or -1 when the frame could not be pushed (the VM was killed).
int64_t intr_deliver(struct kernel *k, struct vm *vm);
// Writes the read-only virtual registers (docs/isa.md 5) before the VM is entered,
// int_pending among them.
void intr_write_vregs(struct kernel *k, struct vm *vm);
// After a cpu_run: the bits the guest cleared in int_pending since entry are
// acknowledged.
void intr_ack(struct kernel *k, struct vm *vm);
// The pending interrupts vm may see now (its policy says they are ready), or 0.
uint32_t intr_visible(const struct kernel *k, const struct vm *vm);
// A fault or INT n (CPU exit e) with exc_handler set: pushes the exception frame and
// enters the handler (docs/isa.md 8.2). Returns true when delivered, false when the VM
// was killed (no handler, a double fault, or no room for the frame).
bool intr_deliver_exception(struct kernel *k, struct vm *vm, enum cpu_exit e);

#endif
