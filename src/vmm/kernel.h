// SPDX-License-Identifier: MIT
// The isolation kernel: one simulated host machine running N VMs of one image, or of
// several images in VM groups (kernel_config.vm_groups).
// kernel.c owns simulated time and the run loop; pio.c handles the VMs' PIO requests;
// intr.c delivers interrupts and exceptions (intr.h).
//
// Time is counted in cycles of the modelled CPU (cpu_khz, default 1.7 GHz). The run loop
// is deterministic: VMs start in id order in a FIFO run queue; each dispatch gives the VM
// one quantum of cycles; it leaves the queue when it idles, halts, terminates or is
// killed; idle timeouts are events in the (time, seq) event queue; when nobody is
// runnable, time jumps to the next event. Kernel work is charged to simulated time:
// a context switch at every dispatch but the first (the cost model below), a fixed cost
// per PIO and per interrupt or exception delivery. Within a slice, cpu_run budgets are
// split at event times, so events (timers, wake-ups, device interrupts) take effect at
// the first block boundary at or after their time.
//
// Context-switch cost (paper section 4.1): ctx_switch_cycles, plus a cache-refill term
// charged after the incoming VM's slice: ctx_page_cycles for each distinct page it
// touched beyond the first ctx_free_pages, capped at ctx_cap_same_cycles when the VM is
// the one that ran last (its TLB is kept) and at ctx_cap_other_cycles otherwise. The
// count of distinct pages is the CPU's TLB-miss count for the slice (the TLB is flushed
// on a VM change, so a miss is a page touched for the first time in the slice, or a
// page evicted from the 256-entry TLB: a fair proxy for cache footprint). Defaults give
// the paper's 1.4 us best case, 3.9 us worst case with one VM, 9 us with two or more.
// Optionally (ctx_cache.vm_bytes > 0; off by default) a third term for the kernel's own
// per-VM data, which costs more as more VMs share the caches (ctxcache.h: the paper's
// best case rising in small steps past L1 and L2), charged with the base cost.
//
// Parameters (kernel_config, defaults from kernel_config_default):
//   cpu_khz            1,700,000   the paper's 1.7 GHz server
//   quantum_cycles        17,000   10 us time slice
//   ctx_switch_cycles      2,380   1.4 us, the paper's best-case VM switch (section 4.1.1)
//   ctx_page_cycles          170   0.1 us of cache refill per page touched
//   ctx_free_pages             4   pages a slice touches for free (code, stack, vregs)
//   ctx_cap_same_cycles    4,250   2.5 us: refill cap when the same VM runs again
//   ctx_cap_other_cycles  12,920   7.6 us: refill cap when another VM ran before
//   intr_cycles            1,000   one interrupt or exception upcall (frame push)
//   irq_work_cycles            0   kernel work per device interrupt raised (the physical
//                                  interrupt, driver and demultiplexing behind it),
//                                  charged when it is raised, under every policy
//   no_idle_boost          false   true: a VM woken from idle (by a timeout or a
//                                  batched interrupt) joins the tail of the run queue
//                                  instead of getting the paper's priority boost
//   intr                 batched   interrupt policy (intr.h); intr_groups override it
//   sched                     rr   scheduler policy (sched.h)
//   pio_cycles             2,000   one PIO trap into the kernel and back
//   max_time_cycles            0   0 = run until every VM ends or deadlocks
//   console_cap           65,536   console bytes kept per VM (all bytes are counted)
#ifndef DENALI_VMM_KERNEL_H
#define DENALI_VMM_KERNEL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/console_out.h"
#include "vmm/chaos.h"
#include "vmm/ctxcache.h"
#include "vmm/evq.h"
#include "vmm/hist.h"
#include "vmm/intr.h"
#include "vmm/obs.h"
#include "vmm/physmem.h"
#include "vmm/profile.h"
#include "vmm/results.h"
#include "vmm/sched.h"
#include "vmm/vm.h"

struct image;
struct cpu_exec;
struct devhost;
struct timer;

#define KERNEL_MAX_GROUPS 16
// Simulated time ends at 2^62 cycles (about 86 years at 1.7 GHz): an idle timeout or
// timer deadline beyond it never fires, so time arithmetic cannot overflow.
#define KERNEL_TIME_HORIZON (1ull << 62)
// The event queue is compacted (stale events removed, kernel.c next_event) when it
// holds this many events, or twice as many as after its last compaction.
#define KERNEL_EVQ_TRIM_MIN 4096

struct kernel_config {
	uint32_t nvms;
	uint32_t mem_size;          // bytes per VM
	uint32_t cpu_khz;
	uint64_t quantum_cycles;
	uint64_t ctx_switch_cycles;
	uint64_t pio_cycles;
	uint64_t max_time_cycles;   // 0: no limit
	uint32_t console_cap;
	int block_max_insns;        // passed to cpu_exec_new (0 = its default)
	struct physmem_config pm;   // modelled physical memory and swap (physmem.h)
	// Context-switch cost model (see above) and interrupt cost.
	uint64_t ctx_page_cycles;
	uint32_t ctx_free_pages;
	uint64_t ctx_cap_same_cycles;
	uint64_t ctx_cap_other_cycles;
	struct ctxcache_config ctx_cache; // the kernel's per-VM data (ctxcache.h); off: 0 bytes
	uint64_t intr_cycles;
	uint64_t irq_work_cycles;   // per device interrupt raised (above); 0: none
	bool no_idle_boost;         // woken VMs join the tail (above)
	// Interrupt policy for every VM, and overrides for VM id ranges (later groups win).
	struct intr_policy intr;
	struct kernel_intr_group {
		uint32_t first, last; // VM ids, inclusive
		struct intr_policy policy;
	} intr_groups[KERNEL_MAX_GROUPS];
	uint32_t n_intr_groups;
	// Scheduler and, for stride, tickets per VM id range (default 100).
	uint8_t sched;              // enum sched_kind
	struct kernel_ticket_group {
		uint32_t first, last, tickets;
	} ticket_groups[KERNEL_MAX_GROUPS];
	uint32_t n_ticket_groups;
	// The machine's number in a multi-machine run (vregs machine_id) and the guests'
	// command line (vregs cmdline, at most DENALI_CMDLINE_MAX bytes; NULL: empty).
	uint32_t machine_id;
	const char *cmdline;
	// VM groups after the first (experiment files, `denali run --group`): VM ids after
	// the image's own VMs run their group's image with its memory size and command line.
	// The image given to kernel_new, mem_size and cmdline are group 0's; it has the
	// nvms - (the other groups' counts) first VMs (at least one). Each image is shared
	// copy-on-write by its group's VMs; its mem_size must equal the group's.
	struct kernel_vm_group {
		uint32_t first, count;   // VM ids first .. first + count - 1 (kernel_new sets first)
		uint32_t mem_size;       // bytes per VM
		const struct image *img; // outlives the kernel
		const char *cmdline;     // NULL: empty
	} vm_groups[KERNEL_MAX_GROUPS - 1];
	uint32_t n_vm_groups;
	// Guest-code profile (profile.h): a sample every this many cycles of each VM's
	// execution; 0: no profile.
	uint64_t profile_interval_cycles;
	// Scheduling chaos (chaos.h, `denali run --chaos SEED`): quanta, interrupt delivery
	// and timer deadlines perturbed from chaos_seed, preemption at any instruction.
	bool chaos;
	uint64_t chaos_seed;
};

void kernel_config_default(struct kernel_config *cfg);

// Why kernel_run returned.
enum kernel_end {
	KERNEL_END_ALL_DONE = 0, // every VM terminated or was killed
	KERNEL_END_MAX_TIME,     // max_time_cycles reached; live VMs are STOPPED
	KERNEL_END_DEADLOCK,     // live VMs all idle with nothing to wake them: HUNG
	KERNEL_END_CLIENTS_DONE, // several machines: every client VM ended; live VMs are
	                         // STOPPED (world.h)
	KERNEL_END_INTERRUPTED,  // the front end stopped it (kernel_ctl.poll, e.g. Ctrl-C);
	                         // live VMs are STOPPED at the simulated time reached
};

// The front end's hook between slices (kernel_control; world.h has the same between
// rounds). poll(ctx) runs on the thread that runs the machine, every `every` loop
// iterations (dispatches and time jumps) and at once when *attn is set (a signal
// handler sets it); it may read the kernel (progress lines) and returns true to end the
// run at this clean point (KERNEL_END_INTERRUPTED). It must not change the run, so
// where polls happen never matters to results.
struct kernel_ctl {
	bool (*poll)(void *ctx);
	void *ctx;
	const volatile sig_atomic_t *attn; // may be NULL
	uint32_t every;                    // > 0
};

#define KERNEL_SWITCH_CAUSES (OBS_DESCHED_STOP + 1)
#define KERNEL_UPCALL_BUCKETS 9

struct kernel_stats {
	uint32_t ok, nonzero, killed, hung, stopped; // VMs by outcome (ok: exit code 0)
	uint64_t retired;          // guest instructions, all VMs
	uint64_t guest_cycles;     // guest instruction cycles, all VMs
	uint64_t ctx_switches;
	uint64_t pios, pios_unknown;
	uint64_t dispatches;
	uint64_t ctx_switch_cycles; // all context-switch cost charged, base + refill
	uint64_t ctx_refill_cycles; // the refill part
	uint64_t ctx_kdata_cycles;  // the kernel-data part (ctx_cache; 0 when off)
	// Interrupts (intr_raise) and exceptions.
	uint64_t irqs_raised;       // raises, including ones for lines already pending
	uint64_t irqs_delivered;    // raises that reached a handler
	uint64_t intr_deliveries;   // upcalls (one carries every pending line)
	uint64_t irq_wakes;         // idle VMs woken by an interrupt
	uint64_t irq_switches;      // dispatches caused by interrupts: sync preemptions plus
	                            // dispatches of VMs an interrupt woke
	uint64_t irq_preemptions;   // running VMs preempted for an interrupt (sync)
	uint64_t exc_delivered;     // exceptions delivered to exc_handler
	uint64_t timer_arms;        // timer PIOs
	// Context switches by cause (issue 15; docs/experiments.md "Switches and upcalls"):
	// why the VM that had the CPU before the switch left it, by enum obs_desched
	// (quantum spent, preempted for an interrupt, idled, waits for swap, ended; stop:
	// the run was stopped, by gdb for instance, and went on). They sum to ctx_switches.
	uint64_t switch_cause[KERNEL_SWITCH_CAUSES];
	uint64_t switch_same;       // of ctx_switches, the same VM dispatched again
	uint64_t switch_to_woken;   // of ctx_switches, to a VM an interrupt woke
	// Interrupt handlings: upcalls (intr_deliveries) and polls (the guest cleared
	// int_pending bits it saw without an upcall, as the libos does when it returns from
	// idle), by what each one takes: lines, and the NIC frames queued for the VM since
	// its previous handling (frames per handling is the batching factor).
	uint64_t intr_polls;
	uint64_t handled_lines, handled_frames;
	uint64_t handled_frames_hist[KERNEL_UPCALL_BUCKETS]; // 0, 1, 2, 3-4, 5-8, ..., 65+
	struct hist latency_ns; // per delivery: time since its oldest raise, ns
};

// Events in the queue: an idle timeout (tag: wake_gen), a timer deadline (tag: the
// timer device's generation, timer.h), a coalescing deadline (tag: coal_gen), device
// work due (devhost.c; target and tag 0).
// A chaos-delayed interrupt raise (chaos.h): target the VM, tag the line.
enum { KEV_WAKE = 1, KEV_TIMER = 2, KEV_COALESCE = 3, KEV_DEVICE = 4, KEV_CHAOS_IRQ = 5 };

struct kernel {
	struct kernel_config cfg;
	const struct image *img;   // group 0's image (the machine's first)
	// Every VM group, group 0 first (kernel_vm_group), ngroups >= 1.
	struct kernel_vm_group groups[KERNEL_MAX_GROUPS];
	uint32_t ngroups;
	struct cpu_exec *x;
	struct vm *vms;        // cfg.nvms, indexed by id
	uint64_t now;          // simulated time, cycles
	struct sched sched;    // the runnable VMs (sched.h)
	struct ctxcache cc;    // the kernel's per-VM data in the caches (ctxcache.h)
	struct intr_vm *iv;    // per VM: interrupts, timer, exception state (intr.h)
	int64_t running;       // the VM in the CPU now, or -1
	bool preempt;          // end the running VM's slice at the next boundary (sync)
	struct physmem *pm;    // the memory model (physmem.h, gatekeeper.h)
	struct evq evq;
	size_t evq_trim_at;    // compact evq when it holds this many events (kernel.c)
	struct devhost *dev;   // the devices (devhost.h), or NULL: none
	struct timer *timer;   // every VM's one-shot timer (devices/timer.h)
	struct console_out *con; // every VM's console output (devices/console_out.h)
	int64_t last_vm;       // the VM whose state is in the CPU's TLB, or -1
	uint8_t last_why;      // why the last dispatch ended (enum obs_desched)
	uint32_t live;         // VMs not yet TERMINATED or KILLED
	bool host_oom;         // some allocation failed during the run
	uint64_t cpu_oom_seen; // the cpu's host_oom count last looked at (kernel.c)
	enum kernel_end end;
	uint64_t until;        // the dispatch loop's limit: max time or a horizon (cycles)
	bool until_horizon;    // until is a multi-machine horizon (kernel_run_until)
	bool paused;           // a horizon paused the running VM's slice (kernel.c)
	int64_t slice_left;    // cycles left in the running VM's quantum
	struct kernel_dispatch {
		bool same, switched;        // the VM ran last; a context switch was charged
		uint8_t why;                // why it will end (enum obs_desched), so far
		uint64_t misses0, cycles0;  // TLB misses and VM cycles when it began
		uint64_t retired0;          // the VM's instructions when it began
	} disp;                // the dispatch in progress (kernel.c)
	bool ran;              // the run is over (kernel_run or kernel_finish)
	struct kernel_stats stats; // valid after kernel_run
	struct results results;    // named results from the guests (results.h)
	struct profile prof;       // guest-code samples, when cfg.profile_interval_cycles
	uint64_t *prof_next;       // per VM: its cycle count at the next sample, or NULL
	struct chaos chaos;        // cfg.chaos: the perturbation's draws (chaos.h)
	struct obs obs;            // the event stream's subscribers (obs.h)
	struct kernel_ctl ctl;     // the front end's poll between slices (poll NULL: none)
	// Checkpoints (kernel_ckpt.h): fn(ctx, k) runs at the first point between two
	// dispatches at or after simulated time `at` (cycles; UINT64_MAX: never), where the
	// machine's state is whole; it may save it (kernel_ckpt_write) and sets the next
	// `at` (a time not after now means never again). It must not change the run.
	struct kernel_ckpt_hook {
		uint64_t at;
		void (*fn)(void *ctx, struct kernel *k);
		void *ctx;
	} ckpt;
	struct ctl *dbg;           // the control interface's client (ctl.h), or NULL
	uint32_t ctl_count;        // loop iterations since the last poll
	int64_t stopped_vm;        // the VM whose slice the end of the run cut, or -1
	// After kernel_finish: what each VM alive at the end was doing (postmortem.h), or
	// NULL (no live VM, or out of memory).
	struct postmortem_wait *waits;
	// The last branch targets of each VM that ran through the tracing slow path
	// (tracestep.c: with --trace insn), for its fault report; NULL until then, and
	// NULL for a VM that never did. Never part of the run's state or digest.
	struct kernel_branches **branches;
};

#define KERNEL_BRANCHES 16 // = POSTMORTEM_BRANCHES
struct kernel_branches {
	uint32_t to[KERNEL_BRANCHES]; // a ring: the next goes to to[n % KERNEL_BRANCHES]
	uint32_t n;                   // targets recorded so far
};

// Builds a kernel for cfg->nvms VMs of `img` (which must outlive it; its mem_size must
// equal cfg->mem_size). Returns 0, or -1 with a message in err (bad config, no memory).
int kernel_new(struct kernel **out, const struct kernel_config *cfg,
	       const struct image *img, char *err, size_t errlen);
void kernel_free(struct kernel *k);

// The VM group of VM id (< cfg.nvms) and its image.
const struct kernel_vm_group *kernel_vm_group(const struct kernel *k, uint32_t id);
const struct image *kernel_vm_image(const struct kernel *k, uint32_t id);
// The modelled physical memory a machine with cfg and group 0's image needs (kernel
// metadata per VM, every group's image once, one whole VM of the largest group:
// physmem_need_bytes), in bytes; *max_mem gets that largest memory size.
uint64_t kernel_need_bytes(const struct kernel_config *cfg, const struct image *img,
			   uint32_t *max_mem);

// Subscribes an observer to the machine's event stream (obs.h). Returns 0, or -1 when
// OBS_MAX_SUBS observers are subscribed already. Call before the run or between rounds.
int kernel_observe(struct kernel *k, const struct obs_sub *sub);
// Removes the observers whose context is ctx.
void kernel_unobserve(struct kernel *k, const void *ctx);
// Installs the front end's poll (see struct kernel_ctl), or removes it (ctl NULL).
void kernel_control(struct kernel *k, const struct kernel_ctl *ctl);

// Runs until every VM ended, max time, deadlock, or the front end stops it. Call once.
enum kernel_end kernel_run(struct kernel *k);

// Several machines in one run (world.h) drive each kernel in steps instead:
// kernel_run_until runs until simulated time reaches `until` cycles (or max time,
// whichever is first): VMs and events as kernel_run would, slices cut exactly at the
// limit, though kernel work after a slice may carry now a little past it. When live VMs
// are all idle with nothing queued before the limit, time jumps to it (another machine
// may send a frame); a deadlock is the caller's to judge. Returns true when the machine
// is done: every VM ended, or kernel_finish was called.
bool kernel_run_until(struct kernel *k, uint64_t until);
// The earliest time this machine can do anything by itself: now when a VM is runnable,
// else the time of its first live event, else UINT64_MAX (stale events are dropped).
uint64_t kernel_next_activity(struct kernel *k);
// Ends a stepped run: live VMs become HUNG for KERNEL_END_DEADLOCK, else STOPPED;
// the statistics are tallied. Idempotent; kernel_run calls it itself.
void kernel_finish(struct kernel *k, enum kernel_end end);

// The results digest (digest.h): per VM in id order its state, exit code, retired
// instructions, cycles, console byte count and kept console bytes; then the final
// simulated time. Host time never enters it.
uint64_t kernel_digest(const struct kernel *k);

// VM vm_id's console output: the first console_cap bytes written and the count of all
// (devices/console_out.h). NULL for a bad id.
const struct console_out_vm *kernel_console(const struct kernel *k, uint32_t vm_id);

// Converts cycles of the modelled CPU to nanoseconds (rounded down) and back (rounded up,
// saturating at UINT64_MAX).
uint64_t kernel_cycles_to_ns(const struct kernel_config *cfg, uint64_t cycles);
uint64_t kernel_ns_to_cycles(const struct kernel_config *cfg, uint64_t ns);

// Handles the PIO in vm->cpu.pio (pio.c). Returns the cycles it costs.
uint64_t kernel_pio(struct kernel *k, struct vm *vm);

#endif
