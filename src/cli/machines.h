// SPDX-License-Identifier: MIT
// Several simulated machines in one `denali run` (machines.c; docs/machines.md): machine
// 0 runs --image, each --client FILE adds a client machine (flags: machopts.h).
#ifndef DENALI_CLI_MACHINES_H
#define DENALI_CLI_MACHINES_H

#include "opts.h"
#include "runfiles.h"

// Runs machine 0 and the clients, reports, and writes the outputs (out) into their
// temporary files (rf, prepared; the caller commits or aborts). Returns the exit
// status: 0 when every client VM exited 0 and no VM anywhere was killed, 1 otherwise,
// 2 for bad input or an error.
int machines_run(const struct run_opts *o, const struct runfiles *rf,
		 const struct opts_outputs *out);

#endif
