// SPDX-License-Identifier: MIT
// Several machines over MPI ranks (world_mpi.c, built with -Dmpi=enabled; world.h has
// the model, docs/machines.md "Over MPI" the use): starts MPI and gives a world the
// transport that carries its rounds between the ranks with MPI collectives. Only the
// thread that calls world_run calls MPI.
#ifndef DENALI_VMM_WORLD_MPI_H
#define DENALI_VMM_WORLD_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/world.h"

// Starts MPI (MPI_Init_thread, funneled) and fills x's rank, nranks, ops and ctx (the
// caller fills x->owner). Returns 0, or -1 with a message in err.
int world_mpi_start(int *argc, char ***argv, struct world_xchg *x, char *err,
		    size_t errlen);
// Host time, for the report only: gathers each rank's run_s (its world_run) and the
// seconds it spent in the rounds' MPI calls (exchanging, and waiting for slower ranks)
// into run[r] and mpi[r] on rank 0 (arrays of x->nranks). Every rank calls it.
void world_mpi_times(struct world_xchg *x, double run_s, double *run, double *mpi);
// Ends MPI (MPI_Finalize); the transport is gone.
void world_mpi_end(struct world_xchg *x);

#endif
