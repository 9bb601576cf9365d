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
// temporary files (rf, prepared; the caller commits or aborts). Returns the exit
// status: 0 when every client VM exited 0 and no VM anywhere was killed, 1 otherwise,
// 2 for bad input or an error. Under an MPI launcher (rk after ranks_start, ranks.h)
// each process runs its machines, rank 0 reports and writes the files (rf is prepared
// only there), and every rank returns rank 0's status; files_ok false (this rank's
// files failed their checks, after the error line) makes every rank return 2. *digest
// gets the run's digest (rank 0, after a run). argc, argv: the run's flags (checkpoints
// record them); res: resuming (resume.c), else NULL.
struct checkpoint_resume;

int machines_run(const struct run_opts *o, const struct runfiles *rf,
		 const struct opts_outputs *out, struct ranks *rk, bool files_ok,
		 uint64_t *digest, int argc, char **argv, struct checkpoint_resume *res);

#endif
