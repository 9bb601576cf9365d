// SPDX-License-Identifier: MIT
// The interpreter side of the differential tests: runs a struct diff_case in the
// interpreter with a struct cpu_mem that serves exactly the code pages (read/write/exec)
// and the data region (read/write) of diff_proto.h, and reports the same struct
// diff_result the native runner does. The comparison is in cpu_diff.c.
#ifndef DENALI_TESTS_CPU_DIFF_INTERP_H
#define DENALI_TESTS_CPU_DIFF_INTERP_H

#include <stdbool.h>

#include "cpu/cpu.h"
#include "diff_proto.h"

struct diff_interp {
	struct cpu_exec *x;
	uint8_t *code; // DIFF_CODE_SIZE bytes, page aligned
	uint8_t *data; // DIFF_DATA_SIZE bytes, page aligned
	uint8_t *ref;  // the initial data pattern
	uint32_t exit; // enum cpu_exit of the last run
};

// Returns 0, or -1 when out of memory.
int diff_interp_init(struct diff_interp *di);
void diff_interp_free(struct diff_interp *di);

// Runs one case. seq: run with cpu_run until the Denali terminate at end_off (which it
// writes after the code); otherwise one cpu_step over code followed by the INT3 sled.
// budget > 0: instead run with cpu_run and that many cycles per call, resuming after
// every CPU_EXIT_BUDGET until the code stops at an INT3 of the sled or the terminator;
// this exercises preemption points (including inside REP string instructions).
void diff_interp_run(struct diff_interp *di, const struct diff_case *dc, bool seq,
		     uint32_t end_off, int budget, struct diff_result *res);

#endif
