// SPDX-License-Identifier: MIT
// The flags of `denali run` that watch a run (obsopts.c; docs/observe.md):
//   --trace CATEGORIES       sched,irq,exc,pio,net,mem,disk,timer,console,vm,insn or all
//   --trace-format text|json text (default) or JSON Lines
//   --trace-file FILE        where the trace goes (default stderr)
//   --trace-vms LIST         only these VMs ("0,5-9")
//   --trace-from T, --trace-to T   only events in [from, to) of simulated time
//   --trace-limit N          at most N events (default 1,000,000)
//   --timeline FILE.json     Chrome trace-event timeline (Perfetto, chrome://tracing)
//   --timeline-vms LIST, --timeline-from T, --timeline-to T   bound it
//   --timeline-interval T    period of its counter tracks (default 1ms)
//   --stats-every T          DIR/timeseries.csv with --results DIR
//   --console-dir DIR        every VM's console into DIR/vm-N.txt
//   --no-progress            no progress line on stderr (--quiet implies it)
//   --progress-every S       seconds between progress lines when stderr is not a
//                            terminal (default 10)
#ifndef DENALI_CLI_OBSOPTS_H
#define DENALI_CLI_OBSOPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "args.h"
#include "viewopts.h"

struct obsopts {
	uint32_t trace_cats;        // 0: no --trace
	bool trace_json;
	const char *trace_file;     // NULL: stderr
	const char *trace_vms;      // a VM list (checked), or NULL: every VM
	uint64_t trace_from_ns, trace_to_ns; // to: UINT64_MAX when not given
	uint64_t trace_limit;
	const char *timeline;
	const char *timeline_vms;
	uint64_t timeline_from_ns, timeline_to_ns;
	uint64_t timeline_interval_ns;
	uint64_t stats_every_ns;    // 0: none
	const char *console_dir;
	bool no_progress;
	uint64_t progress_every_ms;
	// Which flags were given, for the checks between flags.
	const char *trace_sub_flag, *timeline_sub_flag;
	struct args_seen seen; // each flag once (args_once)
	struct viewopts view;  // --view, --screenshot... (viewopts.h)
};

void obsopts_init(struct obsopts *oo);
// Tries argv[*i] as one of these flags. Returns 0 when it is not one, 1 when consumed,
// 2 after an error line.
int obsopts_parse(int argc, char **argv, int *i, struct obsopts *oo);
// The checks between flags (a --trace-... flag needs --trace, --stats-every needs
// --results, windows must not be empty). Returns 0, or 2 after an error line.
int obsopts_check(const struct obsopts *oo, bool have_results);
void obsopts_usage(FILE *f);
// Parses a VM list "0,5-9" into a bitmap of *len bytes (bits NULL: only checks it).
// Returns 0, or -1 with the reason in why (or out of memory).
int obsopts_vm_list(const char *s, uint8_t **bits, uint32_t *len, char *why, size_t whylen);

#endif
