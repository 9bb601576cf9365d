// SPDX-License-Identifier: MIT
// The checkpoint flags of `denali run` and `denali resume` (ckptopts.c; docs/
// debugging.md "Checkpoint, resume, fork"):
//   --checkpoint-at T      write a checkpoint at simulated time T (repeatable, up to
//                          CKPTOPTS_MAX; the Nth --checkpoint-at goes to the Nth
//                          --checkpoint FILE); the state is taken at the first point
//                          between two dispatches at or after T
//   --checkpoint FILE      where the checkpoint goes
//   --checkpoint-every T   a checkpoint every T up to --max-time, into the one
//                          --checkpoint PATTERN, whose %t becomes the time in ns
// Every file is an output of the run (runfiles.h): written whole when the run ends
// well, or not at all.
#ifndef DENALI_CLI_CKPTOPTS_H
#define DENALI_CLI_CKPTOPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CKPTOPTS_MAX 1000u

struct ckptopts {
	uint32_t nat, nfile;
	uint64_t at_ns[CKPTOPTS_MAX];
	const char *file[CKPTOPTS_MAX];
	uint64_t every_ns;    // 0: none
	const char *every_val;
	const char *path[CKPTOPTS_MAX]; // after ckptopts_check: checkpoint i's file
	char *made[CKPTOPTS_MAX];       // the names made from a pattern (owned)
};

void ckptopts_init(struct ckptopts *c);
// Tries argv[*i] as one of these flags. Returns 0 when it is not one, 1 when consumed,
// 2 after an error line.
int ckptopts_parse(int argc, char **argv, int *i, struct ckptopts *c);
// The checks between flags, given --max-time (0: none). With --checkpoint-every this
// fills at_ns[] with the times, one per interval up to max time; path[] gets every
// checkpoint's file. Returns 0, or 2 after an error line.
int ckptopts_check(struct ckptopts *c, uint64_t max_time_ns);
// Frees the names made from a pattern.
void ckptopts_free(struct ckptopts *c);
void ckptopts_usage(FILE *f);

#endif
