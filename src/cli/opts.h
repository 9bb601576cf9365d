// SPDX-License-Identifier: MIT
// The options of `denali run` (opts.c): every flag parsed into one struct run_opts that
// run.c (one machine) and machines.c (several) start from. Device flags are devopts.h,
// the several-machine flags machopts.h; their structs are members here.
#ifndef DENALI_CLI_OPTS_H
#define DENALI_CLI_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "devopts.h"
#include "machopts.h"
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
	struct machopts mach; // --args, --client..., --link-latency, --loss (machopts.h)
	// Interrupts, scheduler and context-switch model (issue #4): parsed into a kernel
	// config that apply_sched_opts copies from.
	struct kernel_config ks;
};

// Parses argv (argv[0] is "run") into *o. Returns 0, 1 after printing --help (exit 0),
// or 2 after one error line.
int opts_parse(int argc, char **argv, struct run_opts *o);
// Machine 0's kernel config from the options (every machine starts from it).
void opts_kernel_config(const struct run_opts *o, struct kernel_config *cfg);

#endif
