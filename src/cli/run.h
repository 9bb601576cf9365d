// SPDX-License-Identifier: MIT
// Internals of `denali run` shared by run.c (one machine) and machines.c (several
// machines, --client): the parsed options and the parts of the report each machine
// gets (run.c implements them).
#ifndef DENALI_CLI_RUN_H
#define DENALI_CLI_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "devopts.h"
#include "machines.h"
#include "vmm/kernel.h"

#define MAX_VMS 1000000u
#define SMALL_RUN 4 // up to this many VMs, print every console

struct run_opts {
	const char *image;
	uint32_t nvms;
	uint32_t mem_size;
	uint64_t max_time_ns;
	uint64_t quantum_ns;
	uint64_t phys_mem;   // modelled physical memory, bytes
	uint32_t swap_block; // swap transfer block, bytes
	bool quiet;
	int64_t console_vms; // -1: default
	const char *results;
	const char *profile;        // --profile FILE, or NULL
	uint64_t profile_interval;  // --profile-interval, cycles
	struct devopts dev;  // device flags (devopts.h)
	struct machopts mach; // --args, --client..., --link-latency, --loss (machines.h)
	// Interrupts, scheduler and context-switch model (issue #4): parsed into a kernel
	// config that apply_sched_opts copies from.
	struct kernel_config ks;
};

// Machine 0's kernel config from the options (every machine starts from it).
void run_kernel_config(const struct run_opts *o, struct kernel_config *cfg);
// One VM's console, each line prefixed "[vm N] " (machine 0) or "[mM vm N] ".
void run_print_console(const struct vm *vm, uint32_t machine);
// "vm N: terminated, exit code 0, 882 instructions" (or "mM vm N: ...").
void run_status_line(const struct vm *vm, uint32_t machine);
// The killed VMs' diagnostics (at most 20) and a host out-of-memory warning, on stderr.
void run_diagnostics(const struct kernel *k);
const char *run_end_name(enum kernel_end e);
double run_host_seconds(void);
// The summary lines of one machine, from "end" to its results; host_s < 0: no host
// time or MIPS lines.
void run_summary_body(const struct kernel *k, double host_s);
// summary.json's object for one machine (image, counters, devices, results, per VM;
// "digest" = digest).
json_object *run_machine_json(const struct kernel *k, const char *image,
			      const struct run_opts *o, uint64_t digest);
// Writes j to o->results/summary.json (temporary file and rename) and frees j.
// Returns 0, or 2 after an error line.
int run_write_json(const struct run_opts *o, json_object *j);

#endif
