// SPDX-License-Identifier: MIT
// The event stream out of the core (obs.c; docs/design.md "Observing a run"). Every
// observer of a run (text and JSON Lines traces, the Perfetto timeline, --stats-every,
// streaming console lines, fault reports, and later the SDL2 view, the gdb stub,
// checkpoints and --chaos) is a consumer of this one stream, living in front-end code.
//
// How it works. Each machine (struct kernel) holds one struct obs; observers subscribe
// to it (kernel_observe: the categories they want, a callback and its context; up to
// OBS_MAX_SUBS of them, each sees only its categories). Every event site in the core is
//     if (obs_on(&k->obs, OBS_CAT_SCHED)) { struct obs_event ev = ...; obs_emit(...); }
// so with no observer (cats == 0) the cost is one load and one predictable branch per
// site, and nothing at all inside the instruction loop: instructions are traced by a
// slow path (kernel.c runs a traced VM one instruction at a time through the same
// handlers, cpu_step_budget, keeping the fast path's block boundaries, so the run is
// the same), chosen per cpu_run by the observer's step callback.
//
// Rules for observers:
//   - Observers read; they never schedule events, touch guest state or call anything
//     that changes the run. Guest memory is read with mem_peek (mem.h). Tests compare
//     digests with and without every observer.
//   - fn runs on the thread that runs the machine (with --machine-threads, machines run
//     in parallel threads): keep state per machine (ev->machine), and merge output in
//     simulated-time order between rounds (world.h on_round), never by host order.
//   - Pointers in an event (frame bytes, console bytes, the postmortem, the kernel in a
//     sample) are valid only during the call; copy what you keep.
//   - Events of one machine come in non-decreasing ev->time order. Times are cycles of
//     the machine's clock (kernel_cycles_to_ns converts); a device event also carries
//     the device model's own time in ns (dev->t_ns, never later than ev->time's ns).
//   - Event sites inside cpu_run (copy-on-write, swap activity caused by a guest
//     access) are stamped with the time the current cpu_run began (obs_now), because
//     the kernel's clock advances only when it returns; while a VM is traced
//     (OBS_CAT_INSN) they get the exact time of the instruction.
//
// Devices never include vmm headers: they report through their host interface
// (devset_host.event, devices/devset.h), and devhost.c forwards each report as an
// OBS_FRAME or OBS_DISK event pointing at the device's struct devset_event.
#ifndef DENALI_VMM_OBS_H
#define DENALI_VMM_OBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/devset.h"

struct kernel;
struct postmortem;

// Categories (a bit each): what an observer subscribes to, and the names of
// --trace CATEGORIES.
enum obs_cat {
	OBS_CAT_SCHED = 1u << 0,   // dispatch, deschedule, idle, wake (boost, swap wait)
	OBS_CAT_IRQ = 1u << 1,     // interrupt raised (queued or ready), delivered
	OBS_CAT_EXC = 1u << 2,     // exceptions: delivered to the guest or fatal
	OBS_CAT_PIO = 1u << 3,     // every PIO: port, device, value
	OBS_CAT_NET = 1u << 4,     // frames at the switch and NICs, drops with the reason
	OBS_CAT_MEM = 1u << 5,     // copy-on-write, swap out and in, gatekeeper admissions
	OBS_CAT_DISK = 1u << 6,    // virtual disk requests and completions
	OBS_CAT_TIMER = 1u << 7,   // timer set, cancelled, fired
	OBS_CAT_CONSOLE = 1u << 8, // console output bytes
	OBS_CAT_VM = 1u << 9,      // VM start and end (with the fault report of a kill)
	OBS_CAT_SAMPLE = 1u << 10, // a sample of the machine every sample_cycles
	OBS_CAT_INSN = 1u << 11,   // each instruction of the VMs step() selects (slow path)
	OBS_CAT_ALL = (1u << 12) - 1,
};

enum obs_kind {
	OBS_DISPATCH = 1, // SCHED   u.dispatch: a VM enters the CPU
	OBS_DESCHED,      // SCHED   u.desched: it leaves (why, what it ran)
	OBS_IDLE,         // SCHED   u.idle: it idles (before its OBS_DESCHED)
	OBS_WAKE,         // SCHED   u.wake: an idle VM becomes runnable
	OBS_IRQ_RAISE,    // IRQ     u.irq_raise
	OBS_IRQ_DELIVER,  // IRQ     u.irq_deliver: one upcall carrying pending lines
	OBS_EXCEPTION,    // EXC     u.exc
	OBS_PIO,          // PIO     u.pio (after the kernel handled it)
	OBS_FRAME,        // NET     u.dev (struct devset_event, kind DEVSET_EV_FRAME)
	OBS_COW,          // MEM     u.cow: a VM's first write to a page of the image
	OBS_SWAP_OUT,     // MEM     u.swap: a VM swapped out whole
	OBS_SWAP_IN,      // MEM     u.swap: one block read back
	OBS_ADMIT,        // MEM     u.admit: the gatekeeper admits a VM into memory
	OBS_DISK,         // DISK    u.dev (struct devset_event, kind DEVSET_EV_DISK)
	OBS_TIMER,        // TIMER   u.timer
	OBS_CONSOLE,      // CONSOLE u.console
	OBS_VM_START,     // VM      (no fields): first dispatch, memory allocated
	OBS_VM_END,       // VM      u.vm_end: terminated or killed
	OBS_SAMPLE,       // SAMPLE  u.sample
	OBS_INSN,         // INSN    u.insn: one instruction, after it ran
	OBS_KINDS
};

// Why a VM left the CPU (OBS_DESCHED).
enum obs_desched {
	OBS_DESCHED_QUANTUM = 0, // its quantum was spent
	OBS_DESCHED_PREEMPT,     // preempted for another VM's interrupt (sync policy)
	OBS_DESCHED_IDLE,        // it idled (idle instruction or HLT)
	OBS_DESCHED_SWAP,        // it touched a swapped-out block: waits for the disk
	OBS_DESCHED_END,         // it terminated or was killed
	OBS_DESCHED_STOP,        // the run ended (max time, interrupted) while it ran
};

// What woke a VM (OBS_WAKE).
enum obs_wake {
	OBS_WAKE_TIMEOUT = 0, // its idle timeout
	OBS_WAKE_IRQ,         // an interrupt became ready
	OBS_WAKE_SWAP,        // the swap disk read its block back
};

// Which device a PIO reached (OBS_PIO).
enum obs_dev {
	OBS_DEV_UNKNOWN = 0,
	OBS_DEV_CONSOLE,
	OBS_DEV_TIMER,
	OBS_DEV_RESULTS,
	OBS_DEV_NIC,
	OBS_DEV_DISK,
	OBS_DEV_CONSOLE_IN,
};

// Timer events (OBS_TIMER).
enum obs_timer { OBS_TIMER_SET = 0,
		 OBS_TIMER_CANCEL,
		 OBS_TIMER_FIRE };

#define OBS_NO_VM UINT32_MAX

struct obs_event {
	uint64_t time;     // cycles of the machine's clock
	uint32_t machine;  // the machine's number (0 = the server)
	uint32_t vm;       // the VM, or OBS_NO_VM for the machine itself
	uint16_t kind;     // enum obs_kind
	union {
		struct {
			uint64_t switch_cycles; // context-switch base cost charged (0: first)
			bool same;              // the VM that ran last (its TLB is kept)
		} dispatch;
		struct {
			uint8_t why;            // enum obs_desched
			uint64_t cycles;        // VM cycles run in this dispatch
			uint64_t insns;         // instructions retired in it
			uint64_t refill_cycles; // cache-refill cost charged after it
		} desched;
		struct {
			uint64_t timeout_ns;    // UINT64_MAX: no timeout (HLT, or all-ones)
		} idle;
		struct {
			uint8_t cause;          // enum obs_wake
			uint8_t where;          // enum sched_where: 2 = SCHED_BOOST (the boost)
			uint64_t slept_cycles;
		} wake;
		struct {
			uint8_t line;
			uint32_t pending;       // pending lines after the raise
			uint32_t count;         // raises since the last delivery
			bool ready;             // the policy lets it be delivered now (else queued)
		} irq_raise;
		struct {
			uint32_t lines;         // the pending mask handed to the handler
			uint32_t raises;        // raises it carries (>= popcount of lines)
			uint64_t latency_ns;    // since the oldest of them was raised
			uint32_t from_eip;      // where the VM was interrupted
			uint32_t handler;       // the handler's address
			uint32_t frame;         // the frame's address (ESP after the push)
		} irq_deliver;
		struct {
			uint8_t vector;         // or the n of INT n
			bool is_int;            // INT n, not a fault
			bool handled;           // delivered to exc_handler (else the VM dies)
			uint32_t eip, error_code, addr;
		} exc;
		struct {
			uint16_t port;
			uint8_t size;           // 1, 2 or 4
			bool is_in;
			uint8_t dev;            // enum obs_dev
			uint32_t value;         // OUT: the value written; IN: the value read
			uint32_t eax;           // EAX after the kernel handled it
			uint64_t cycles;        // what it cost
		} pio;
		const struct devset_event *dev; // OBS_FRAME, OBS_DISK
		struct {
			uint32_t page;          // guest address of the page
		} cow;
		struct {
			uint32_t blocks;        // OUT: blocks written; IN: 1
			uint32_t block;         // IN: which block
			uint64_t done_cycles;   // when the disk finishes the transfer
		} swap;
		struct {
			uint64_t free_frames;   // after the admission
			uint32_t swapped_out;   // VMs swapped out to make room
		} admit;
		struct {
			uint8_t what;           // enum obs_timer
			uint64_t deadline_cycles;
		} timer;
		struct {
			const uint8_t *bytes;
			uint32_t len;
		} console;
		struct {
			uint8_t state;          // enum vm_state: TERMINATED or KILLED
			uint32_t exit_code;
			const char *diag;       // KILLED: the one-line diagnostic
			const struct postmortem *post; // KILLED by a guest fault: its report
		} vm_end;
		struct {
			const struct kernel *k; // read-only: counters, results, memory model
			bool last;              // the run's final sample (kernel_finish)
		} sample;
		struct {
			uint32_t eip;           // of this instruction
			uint8_t len;            // bytes (0: it did not decode)
			uint8_t bytes[15];
			uint8_t exit;           // enum cpu_exit it caused (CPU_EXIT_STEP: none)
			uint32_t before[8], after[8]; // general registers
			uint32_t eflags_before, eflags_after;
			uint64_t cycles;        // what it cost
		} insn;
	} u;
};

typedef void (*obs_fn)(void *ctx, const struct obs_event *ev);
// With OBS_CAT_INSN: whether to trace VM vm's instructions from time now on (asked at
// every cpu_run; true makes that run the slow path).
typedef bool (*obs_step_fn)(void *ctx, uint32_t machine, uint32_t vm, uint64_t now_cycles);

// One subscriber: the categories it wants, its callbacks and their context.
struct obs_sub {
	uint32_t cats;           // OBS_CAT_*
	obs_fn fn;
	obs_step_fn step;        // NULL: it traces no instructions
	void *ctx;
	uint64_t sample_cycles;  // with OBS_CAT_SAMPLE: its period (> 0)
};

#define OBS_MAX_SUBS 8

struct obs {
	uint32_t cats;           // every subscriber's cats together; 0: nobody observes
	uint32_t machine;        // stamped into every event
	uint32_t nsubs;
	struct obs_sub subs[OBS_MAX_SUBS];
	uint64_t sample_cycles;  // the shortest subscriber period (0: no samples)
	uint64_t sample_next;    // the next sample time (the kernel's)
	const uint64_t *now;     // the machine's clock, for sites outside the kernel
	bool stepping;           // a traced VM is being stepped (tracestep.c) ...
	uint64_t step_time;      // ... and its current instruction began then
};

static inline bool obs_on(const struct obs *o, uint32_t cat)
{
	return o->cats & cat;
}

// The time for an event site inside cpu_run (copy-on-write, swapping): the current
// instruction's time while a VM is stepped, else the machine's clock (the time the
// cpu_run began).
static inline uint64_t obs_now(const struct obs *o)
{
	return o->stepping ? o->step_time : o->now ? *o->now
						   : 0;
}

// Adds a subscriber. Returns 0, or -1 when OBS_MAX_SUBS are there already or the
// subscriber is incomplete. Call between runs or rounds, never from a callback.
int obs_subscribe(struct obs *o, const struct obs_sub *sub);
// Removes every subscriber whose ctx is ctx.
void obs_unsubscribe(struct obs *o, const void *ctx);
// Stamps ev with the machine and hands it to each subscriber that wants its category.
// ev->time, vm, kind and the fields are the caller's.
void obs_emit(const struct obs *o, struct obs_event *ev);
// Whether any subscriber wants VM vm's instructions from now on.
bool obs_step(const struct obs *o, uint32_t vm, uint64_t now_cycles);

// The category of a kind, and names for traces: "sched", "dispatch".
uint32_t obs_kind_cat(enum obs_kind kind);
const char *obs_kind_name(enum obs_kind kind);
const char *obs_cat_name(uint32_t cat);
// Parses a comma-separated list of category names ("sched,irq", "all") into a mask.
// Returns 0, or -1 with the offending name in why.
int obs_cats_parse(const char *s, uint32_t *mask, char *why, size_t whylen);
const char *obs_desched_name(enum obs_desched why);
const char *obs_wake_name(enum obs_wake cause);
const char *obs_dev_name(enum obs_dev dev);

#endif
