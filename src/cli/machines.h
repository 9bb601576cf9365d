// SPDX-License-Identifier: MIT
// Several simulated machines in one `denali run` (machines.c; docs/machines.md): machine
// 0 runs --image, each --client FILE adds a client machine (flags: machopts.h).
#ifndef DENALI_CLI_MACHINES_H
#define DENALI_CLI_MACHINES_H

#include <stdbool.h>

#include "opts.h"
#include "runfiles.h"

struct ranks;

// Runs machine 0 and the clients, reports, and writes the outputs (out) into their
// temporary files (rf, prepared on rank 0; the caller commits or aborts; prepared:
// runfiles_prepare succeeded). Returns the exit status: 0 when every client VM exited
// 0 and no VM anywhere was killed, 1 otherwise, 2 for bad input or an error. Under an
// MPI launcher (rk, ranks.h) each process runs its machines and rank 0 reports and
// writes the files; every rank returns rank 0's status.
int machines_run(const struct run_opts *o, const struct runfiles *rf,
		 const struct opts_outputs *out, struct ranks *rk, bool prepared);

#endif
