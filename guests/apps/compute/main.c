// SPDX-License-Identifier: MIT
// compute: runs the checked workloads (compute.h) and prints one line per workload,
// "NAME ok 0xCHECKSUM" or "NAME FAIL got 0x... want 0x...". Returns the number of
// failures (0: all ok), which crt0 turns into the VM's exit code.
// Build-time knobs: COMPUTE_REPS (default 1) repeats every workload and checks every
// repetition; COMPUTE_ONLY=i (0-based, compute.h order) runs only workload i. The
// benchmark (bench/cpu) builds one program per workload with a larger COMPUTE_REPS.
// The same file builds natively against glibc (guests/libos/native/denali.h).
#include <denali.h>
#include <stdio.h>
#include <string.h>

#include "compute.h"
#include "expected.h"

#ifndef COMPUTE_REPS
#define COMPUTE_REPS 1
#endif

struct workload {
	const char *name;
	uint32_t (*fn)(void);
	uint32_t expected;
};

static const struct workload workloads[] = {
	{ "sort", wl_sort, EXPECT_SORT },
	{ "hash", wl_hash, EXPECT_HASH },
	{ "crc", wl_crc, EXPECT_CRC },
	{ "matrix", wl_matrix, EXPECT_MATRIX },
	{ "bytecode", wl_bytecode, EXPECT_BYTECODE },
	{ "strings", wl_strings, EXPECT_STRINGS },
	{ "arith64", wl_arith64, EXPECT_ARITH64 },
	{ "bits", wl_bits, EXPECT_BITS },
};

#define N_WORKLOADS ((int)(sizeof workloads / sizeof workloads[0]))

int main(void)
{
	int failures = 0;
	for (int i = 0; i < N_WORKLOADS; i++) {
#ifdef COMPUTE_ONLY
		if (i != COMPUTE_ONLY)
			continue;
#endif
		const struct workload *w = &workloads[i];
		uint32_t got = 0;
		int bad_reps = 0;
		for (int r = 0; r < COMPUTE_REPS; r++) {
			got = w->fn();
			if (got != w->expected)
				bad_reps++;
		}
		if (bad_reps == 0) {
			printf("%s ok 0x%08x\n", w->name, (unsigned)got);
		} else {
			printf("%s FAIL got 0x%08x want 0x%08x\n", w->name, (unsigned)got,
				(unsigned)w->expected);
			failures++;
		}
	}
	static const char ok_line[] = "compute: all ok\n";
	static const char fail_line[] = "compute: FAILED\n";
	const char *line = failures ? fail_line : ok_line;
	denali_console_write(line, strlen(line));
	return failures;
}
