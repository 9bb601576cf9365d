// SPDX-License-Identifier: MIT
// The options of `denali run` (opts.c): every flag parsed into one struct run_opts that
// run.c (one machine) and machines.c (several) start from. Device flags are devopts.h,
// the several-machine flags machopts.h; their structs are members here.
#ifndef DENALI_CLI_OPTS_H
#define DENALI_CLI_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "args.h"
#include "ckptopts.h"
#include "devopts.h"
#include "machopts.h"
#include "obsopts.h"
#include "runfiles.h"
#include "vmm/image.h"
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
	struct obsopts obs;   // --trace..., --timeline..., --stats-every... (obsopts.h)
	struct ckptopts ck;   // --checkpoint-at, --checkpoint, --checkpoint-every
	// --gdb PORT|unix:PATH (gdb/server.h), --gdb-wait, --gdb-machine M.
	const char *gdb;
	bool gdb_wait;
	uint32_t gdb_machine;
	const char *gdb_machine_val;
	uint64_t gdb_history_ns;        // --gdb-history-every (0: GDB_HISTORY_EVERY_NS)
	const char *gdb_history_val;
	// Interrupts, scheduler and context-switch model (issue #4): parsed into a kernel
	// config that apply_sched_opts copies from.
	struct kernel_config ks;
	// Values as given, for messages (NULL: the flag was not given).
	const char *vms_val, *mem_val, *phys_mem_val, *console_val, *profile_interval_val;
	const char *intr_group_val[KERNEL_MAX_GROUPS], *tickets_val[KERNEL_MAX_GROUPS];
	struct args_seen seen; // flags given once (args_once)
};

// The output files of a run, as runfiles ids (-1: not written).
struct opts_outputs {
	int pcap_out, profile, results;
	int trace, timeline, stats; // --trace-file, --timeline, DIR/timeseries.csv
	int expcfg, prov;           // DIR/experiment.cfg, DIR/provenance.json (provenance.h)
	int shot;     // the first --screenshot (the others follow it)
	int ckpt[CKPTOPTS_MAX];     // --checkpoint files, in the order of their times
};

// Parses argv (argv[0] is "run") into *o. Returns 0, 1 after printing --help (exit 0),
// or 2 after one error line.
int opts_parse(int argc, char **argv, struct run_opts *o);
// The same, where[i] (when where is not NULL) naming where argv[i] came from (an
// experiment file's "FILE:LINE: KEY", or NULL): put before its error lines.
int opts_parse_from(int argc, char **argv, const char *const *where, struct run_opts *o);
// The checks that need several flags (--tickets needs --sched stride, groups and disks
// name existing VMs, --pcap-speed needs --pcap-in, ...; devopts_check, machopts_check).
// Returns 0, or 2 after one error line.
int opts_check(const struct run_opts *o);
// Registers every file the run reads or writes (runfiles.h); *out gets the outputs'
// ids. Returns 0, or 2 after an error line.
int opts_files(const struct run_opts *o, struct runfiles *rf, struct opts_outputs *out);
// Machine 0's kernel config from the options (every machine starts from it).
void opts_kernel_config(const struct run_opts *o, struct kernel_config *cfg);
// Whether machine `machine`'s VMs fit the modelled physical memory (kernel metadata,
// the image and one whole VM; docs/memory.md). Returns 0, or 2 after one line naming
// --phys-mem when it was given, else the VM count and size with the --phys-mem to give.
int opts_physmem_check(const struct run_opts *o, const struct kernel_config *cfg,
		       const struct image *img, uint32_t machine);

#endif
