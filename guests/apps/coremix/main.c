// SPDX-License-Identifier: MIT
// coremix: runs the coremix workloads (coremix.h) and prints one line per workload,
// "NAME ok 0xCHECKSUM" or "NAME FAIL got 0x... want 0x...". Returns the number of
// failures, which crt0 turns into the VM's exit code. The same knobs as compute:
// COMPUTE_REPS repeats every workload and checks every repetition; COMPUTE_ONLY=i
// (0-based, in the order below) runs only workload i (bench/cpu builds one program per
// workload). The same file builds natively against glibc.
#include <denali.h>
#include <stdio.h>
#include <string.h>

#include "coremix.h"
#include "expected.h"

#ifndef COMPUTE_REPS
#define COMPUTE_REPS 1
#endif

static const struct {
	const char *name;
	uint32_t (*fn)(void);
	uint32_t expected;
} workloads[] = {
	{ "list", wl_list, EXPECT_LIST },
	{ "matrix16", wl_matrix16, EXPECT_MATRIX16 },
	{ "fsm", wl_fsm, EXPECT_FSM },
};

int main(void)
{
	int failures = 0;
	for (int i = 0; i < (int)(sizeof workloads / sizeof workloads[0]); i++) {
#ifdef COMPUTE_ONLY
		if (i != COMPUTE_ONLY)
			continue;
#endif
		uint32_t got = 0;
		int bad = 0;
		for (int r = 0; r < COMPUTE_REPS; r++) {
			got = workloads[i].fn();
			bad += got != workloads[i].expected;
		}
		if (!bad) {
			printf("%s ok 0x%08x\n", workloads[i].name, (unsigned)got);
		} else {
			printf("%s FAIL got 0x%08x want 0x%08x\n", workloads[i].name, (unsigned)got,
			       (unsigned)workloads[i].expected);
			failures++;
		}
	}
	const char *line = failures ? "coremix: FAILED\n" : "coremix: all ok\n";
	denali_console_write(line, strlen(line));
	return failures;
}
