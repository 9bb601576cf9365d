// SPDX-License-Identifier: MIT
// The cost of one round's agreement between MPI ranks, without the simulation: ranks
// call MPI_Allgather of a row of 40 uint64 (the size of world.c's row for 9 machines
// and 4 ranks) N times, with nothing to do in between, and rank 0 prints the mean time
// per call. Run it as bench/mpi-rounds does (mpirun -np K build-mpi/bench/mpi-allgather
// [N]); with blocking calls, as `DENALI_MPI_SPIN_US=-1` makes denali's, since between
// ranks that are all ready a call never waits long enough to sleep.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <mpi.h>

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	int rank = 0, n = 0;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &n);
	long iters = argc > 1 ? atol(argv[1]) : 20000;
	if (iters < 1)
		iters = 1;
	uint64_t row[40] = { (uint64_t)rank }, *all = calloc((size_t)n * 40, sizeof *all);
	if (!all)
		MPI_Abort(MPI_COMM_WORLD, 2);
	MPI_Barrier(MPI_COMM_WORLD);
	double t0 = MPI_Wtime();
	for (long i = 0; i < iters; i++) {
		row[1] = (uint64_t)i;
		MPI_Allgather(row, 40, MPI_UINT64_T, all, 40, MPI_UINT64_T, MPI_COMM_WORLD);
	}
	double t = MPI_Wtime() - t0;
	if (rank == 0)
		printf("mpi-allgather: %d ranks, %ld calls, %.2f us per call\n", n, iters,
		       t / (double)iters * 1e6);
	free(all);
	MPI_Finalize();
	return 0;
}
