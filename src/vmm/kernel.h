// SPDX-License-Identifier: MIT
// The isolation kernel: one simulated host machine running N VMs of one image.
// kernel.c owns simulated time and the scheduler; pio.c handles the VMs' PIO requests.
//
// Time is counted in cycles of the modelled CPU (cpu_khz, default 1.7 GHz). The run loop
// is deterministic: VMs start in id order in a FIFO run queue; each dispatch gives the VM
// one quantum of cycles; it leaves the queue when it idles, halts, terminates or is
// killed; idle timeouts are events in the (time, seq) event queue; when nobody is
// runnable, time jumps to the next event. Kernel work is charged to simulated time:
// a context switch whenever the CPU changes VM, and a fixed cost per PIO.
//
// Parameters (kernel_config, defaults from kernel_config_default):
//   cpu_khz            1,700,000   the paper's 1.7 GHz server
//   quantum_cycles        17,000   10 us time slice
//   ctx_switch_cycles      2,380   1.4 us, the paper's best-case VM switch (section 4.1.1)
//   pio_cycles             2,000   one PIO trap into the kernel and back
//   max_time_cycles            0   0 = run until every VM ends or deadlocks
//   console_cap           65,536   console bytes kept per VM (all bytes are counted)
#ifndef DENALI_VMM_KERNEL_H
#define DENALI_VMM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/evq.h"
#include "vmm/vm.h"

struct image;
struct cpu_exec;

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
};

void kernel_config_default(struct kernel_config *cfg);

// Why kernel_run returned.
enum kernel_end {
	KERNEL_END_ALL_DONE = 0, // every VM terminated or was killed
	KERNEL_END_MAX_TIME,     // max_time_cycles reached; live VMs are STOPPED
	KERNEL_END_DEADLOCK,     // live VMs all idle with nothing to wake them: HUNG
};

struct kernel_stats {
	uint32_t ok, nonzero, killed, hung, stopped; // VMs by outcome (ok: exit code 0)
	uint64_t retired;          // guest instructions, all VMs
	uint64_t guest_cycles;     // guest instruction cycles, all VMs
	uint64_t ctx_switches;
	uint64_t pios, pios_unknown;
	uint64_t dispatches;
};

// Wake-up events in the queue.
enum { KEV_WAKE = 1 };

struct kernel {
	struct kernel_config cfg;
	const struct image *img;
	struct cpu_exec *x;
	struct vm *vms;        // cfg.nvms, indexed by id
	uint64_t now;          // simulated time, cycles
	uint32_t *rq;          // run queue: a ring of VM ids
	uint32_t rq_head, rq_len;
	struct evq evq;
	int64_t last_vm;       // the VM whose state is in the CPU's TLB, or -1
	uint32_t live;         // VMs not yet TERMINATED or KILLED
	uint8_t *pio_buf;      // scratch for console writes (KERNEL_CONSOLE_WRITE_MAX)
	bool host_oom;         // some allocation failed during the run
	enum kernel_end end;
	bool ran;
	struct kernel_stats stats; // valid after kernel_run
};

// The most bytes one console-write PIO transfers; a longer request writes this many and
// returns the count in EAX (a short write).
#define KERNEL_CONSOLE_WRITE_MAX 65536u

// Builds a kernel for cfg->nvms VMs of `img` (which must outlive it; its mem_size must
// equal cfg->mem_size). Returns 0, or -1 with a message in err (bad config, no memory).
int kernel_new(struct kernel **out, const struct kernel_config *cfg,
	       const struct image *img, char *err, size_t errlen);
void kernel_free(struct kernel *k);

// Runs until every VM ended, max time, or deadlock. Call once.
enum kernel_end kernel_run(struct kernel *k);

// The results digest (digest.h): per VM in id order its state, exit code, retired
// instructions, cycles, console byte count and kept console bytes; then the final
// simulated time. Host time never enters it.
uint64_t kernel_digest(const struct kernel *k);

// Converts cycles of the modelled CPU to nanoseconds (rounded down) and back (rounded up,
// saturating at UINT64_MAX).
uint64_t kernel_cycles_to_ns(const struct kernel_config *cfg, uint64_t cycles);
uint64_t kernel_ns_to_cycles(const struct kernel_config *cfg, uint64_t ns);

// Handles the PIO in vm->cpu.pio (pio.c). Returns the cycles it costs.
uint64_t kernel_pio(struct kernel *k, struct vm *vm);

#endif
