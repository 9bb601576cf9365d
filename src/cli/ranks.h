// SPDX-License-Identifier: MIT
// `denali run` started by an MPI launcher (ranks.c; docs/machines.md "Over MPI"):
// `mpirun -np K denali run ... --client ...` (or Slurm's `srun --mpi=pmix`) starts K
// processes with the same flags. Rank 0 speaks: the others send stdout to /dev/null
// and keep what they write on stderr until every rank has set up its machines, when the
// first rank that failed (if rank 0 did not) prints its line. The machines are placed
// on ranks (--machine-ranks LIST, or machine m on rank m mod K; the captured machine on
// rank 0), MPI is started (a build with -Dmpi=enabled) and every rank exits with rank
// 0's status. A build without MPI refuses K > 1, as does a run of one machine.
#ifndef DENALI_CLI_RANKS_H
#define DENALI_CLI_RANKS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/world.h"

struct ranks {
	uint32_t rank, n;     // from the launcher's environment (0 and 1: no launcher)
	FILE *err;            // rank != 0: stderr as it was, while stderr is kept in mem
	FILE *mem;
	char *kept;
	size_t kept_len;
	uint64_t flags;       // a digest of the command line: every rank needs the same
	bool mpi;             // MPI started (world_mpi.h)
	struct world_xchg x;  // with mpi: the transport and where each machine runs
};

// First thing in `denali run` (argv: its flags): reads the launcher's environment; on
// a rank other than 0, quiets stdout and keeps stderr.
void ranks_begin(struct ranks *r, int argc, char **argv);
// A run of one machine: 0, or 2 after an error line when K > 1.
int ranks_single(const struct ranks *r);
// Before the machines are built: places nmach machines on the ranks (list: the
// --machine-ranks value or NULL; capture: the captured machine or -1) and starts MPI
// when K > 1. Returns 0, or 2 after an error line (the same on every rank).
int ranks_start(struct ranks *r, uint32_t nmach, const char *list, int64_t capture);
// Every rank has tried to set up its machines (ok: this one did): true when all did,
// with the same flags. When not, the first rank that failed has printed its line (or
// rank 0 says the flags differ); stderr is restored.
bool ranks_ready(struct ranks *r, struct world *w, bool ok);
// After the run (every rank calls it; run_s: this rank's host seconds in world_run):
// on rank 0 of several, fills line with each rank's host time and the part of it spent
// in MPI calls ("" otherwise). Host time only: never in the digest or summary.json.
void ranks_times(struct ranks *r, double run_s, char *line, size_t len);
// The end of the run: every rank returns rank 0's status rc; MPI is ended.
int ranks_end(struct ranks *r, struct world *w, int rc);

#endif
