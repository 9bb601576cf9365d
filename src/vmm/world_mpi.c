// SPDX-License-Identifier: MIT
// The transport of a world spread over MPI ranks (world_mpi.h, world.h's
// world_xchg_ops), with collectives on MPI_COMM_WORLD:
//   min       MPI_Allreduce(MPI_MIN) of a few uint64 (agreements outside the rounds);
//   allgather MPI_Allgather of each rank's row of a round's agreement (world.c), which
//             includes how many bytes of frames each rank sends each other;
//   exchange  MPI_Alltoallv of those bytes (only in rounds where some rank sends);
//   gather    MPI_Gather of the sizes, then MPI_Gatherv to rank 0 (the outcomes).
// A rank waiting in a round's allgather or exchange (nonblocking calls) tests for
// DENALI_MPI_SPIN_US microseconds (default 50), then sleeps between tests (10 us,
// doubling up to 1 ms), so that a rank waiting for a slower one leaves it the core;
// DENALI_MPI_SPIN_US=-1 makes them Open MPI's blocking (busy-polling) calls.
// MPI errors return (MPI_ERRORS_RETURN) and end the job with one line and
// MPI_Abort: a rank that cannot take part in a collective leaves the others no way on.
#include "vmm/world_mpi.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

struct mpi_ctx {
	MPI_Comm comm;
	int n;
	double busy_s;   // in MPI calls of the rounds (world_mpi_times)
	double spin_s;   // wait_req's spinning; < 0: blocking calls
	int *scount, *sdisp, *rcount, *rdisp; // per rank
	struct pack sbuf, rbuf;
};

__attribute__((noreturn)) static void mpi_fail(void *ctx, const char *msg)
{
	struct mpi_ctx *c = ctx;
	fprintf(stderr, "%s\n", msg);
	fflush(stderr);
	MPI_Abort(c ? c->comm : MPI_COMM_WORLD, 2);
	exit(2); // not reached
}

static void check(struct mpi_ctx *c, int rc, const char *what)
{
	if (rc == MPI_SUCCESS)
		return;
	char s[MPI_MAX_ERROR_STRING], msg[MPI_MAX_ERROR_STRING + 64];
	int len = 0;
	if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS)
		snprintf(s, sizeof s, "error %d", rc);
	snprintf(msg, sizeof msg, "denali run: MPI %s: %s", what, s);
	mpi_fail(c, msg);
}

// Room for n bytes in b (its len set to n).
static uint8_t *room(struct mpi_ctx *c, struct pack *b, size_t n)
{
	b->len = 0;
	if (n > b->cap) {
		uint8_t *p = realloc(b->p, n);
		if (!p)
			mpi_fail(c, "denali run: out of host memory for the MPI exchange");
		b->p = p;
		b->cap = n;
	}
	b->len = n;
	return b->p;
}

static int count_of(struct mpi_ctx *c, size_t n)
{
	if (n > INT_MAX)
		mpi_fail(c, "denali run: more than 2 GB to exchange between MPI ranks at once");
	return (int)n;
}

static void mpi_min(void *ctx, uint64_t *v, uint32_t n)
{
	struct mpi_ctx *c = ctx;
	double t0 = MPI_Wtime();
	check(c, MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_UINT64_T, MPI_MIN, c->comm),
	      "allreduce");
	c->busy_s += MPI_Wtime() - t0;
}

// Waits for a nonblocking collective: tests it in a loop for up to spin_s (on a host
// with a core per rank the others answer within microseconds), then sleeps between
// tests, 10 us at first, doubling up to 1 ms: a rank waiting for a slower one leaves
// its core to it, and to whatever else runs on the host, instead of spinning.
static void wait_req(struct mpi_ctx *c, MPI_Request *rq, const char *what)
{
	int done = 0;
	double t0 = MPI_Wtime();
	long pause_ns = 10000;
	for (;;) {
		check(c, MPI_Test(rq, &done, MPI_STATUS_IGNORE), what);
		if (done)
			return;
		if (MPI_Wtime() - t0 < c->spin_s)
			continue;
		struct timespec ts = { 0, pause_ns };
		nanosleep(&ts, NULL);
		pause_ns = pause_ns < 500000 ? 2 * pause_ns : 1000000;
	}
}

static void mpi_allgather(void *ctx, const uint64_t *mine, uint32_t n, uint64_t *all)
{
	struct mpi_ctx *c = ctx;
	double t0 = MPI_Wtime();
	if (c->spin_s < 0) {
		check(c, MPI_Allgather(mine, (int)n, MPI_UINT64_T, all, (int)n, MPI_UINT64_T, c->comm), "allgather");
	} else {
		MPI_Request rq;
		check(c, MPI_Iallgather(mine, (int)n, MPI_UINT64_T, all, (int)n, MPI_UINT64_T, c->comm, &rq), "allgather");
		wait_req(c, &rq, "allgather");
	}
	c->busy_s += MPI_Wtime() - t0;
}

static void mpi_exchange(void *ctx, struct pack *send, struct pack *recv)
{
	struct mpi_ctx *c = ctx;
	double t0 = MPI_Wtime();
	size_t stotal = 0, rtotal = 0;
	for (int r = 0; r < c->n; r++) {
		c->scount[r] = count_of(c, send[r].len);
		c->sdisp[r] = count_of(c, stotal);
		stotal += send[r].len;
		c->rcount[r] = count_of(c, recv[r].len);
		c->rdisp[r] = count_of(c, rtotal);
		rtotal += recv[r].len;
	}
	uint8_t *sb = room(c, &c->sbuf, stotal ? stotal : 1);
	for (int r = 0; r < c->n; r++)
		if (send[r].len)
			memcpy(sb + c->sdisp[r], send[r].p, send[r].len);
	uint8_t *rb = room(c, &c->rbuf, rtotal ? rtotal : 1);
	if (c->spin_s < 0) {
		check(c, MPI_Alltoallv(sb, c->scount, c->sdisp, MPI_BYTE, rb, c->rcount, c->rdisp, MPI_BYTE, c->comm), "alltoallv");
	} else {
		MPI_Request rq;
		check(c, MPI_Ialltoallv(sb, c->scount, c->sdisp, MPI_BYTE, rb, c->rcount, c->rdisp, MPI_BYTE, c->comm, &rq), "alltoallv");
		wait_req(c, &rq, "alltoallv");
	}
	for (int r = 0; r < c->n; r++) {
		recv[r].len = 0;
		if (c->rcount[r])
			pack_raw(&recv[r], rb + c->rdisp[r], (size_t)c->rcount[r]);
		if (recv[r].oom)
			mpi_fail(c, "denali run: out of host memory for the MPI exchange");
	}
	c->busy_s += MPI_Wtime() - t0;
}

static void mpi_gather(void *ctx, const struct pack *mine, struct pack *all)
{
	struct mpi_ctx *c = ctx;
	int me = 0;
	MPI_Comm_rank(c->comm, &me);
	int len = count_of(c, mine->len);
	check(c, MPI_Gather(&len, 1, MPI_INT, c->rcount, 1, MPI_INT, 0, c->comm), "gather");
	uint8_t *rb = NULL;
	if (me == 0) {
		size_t total = 0;
		for (int r = 0; r < c->n; r++) {
			c->rdisp[r] = count_of(c, total);
			total += (size_t)c->rcount[r];
		}
		rb = room(c, &c->rbuf, total ? total : 1);
	}
	check(c, MPI_Gatherv(mine->p, len, MPI_BYTE, rb, c->rcount, c->rdisp, MPI_BYTE, 0, c->comm), "gatherv");
	for (int r = 0; me == 0 && r < c->n; r++) {
		all[r].len = 0;
		pack_raw(&all[r], rb + c->rdisp[r], (size_t)c->rcount[r]);
		if (all[r].oom)
			mpi_fail(c, "denali run: out of host memory for the machines' outcomes");
	}
}

static const struct world_xchg_ops mpi_ops = { mpi_min, mpi_allgather, mpi_exchange,
					       mpi_gather, mpi_fail };

int world_mpi_start(int *argc, char ***argv, struct world_xchg *x, char *err,
		    size_t errlen)
{
	int provided = 0, rank = 0, n = 0;
	// DENALI_MPI_SPIN_US: how long a wait spins before it sleeps (-1: blocking calls).
	double spin_us = 50;
	const char *spin = getenv("DENALI_MPI_SPIN_US");
	if (spin) {
		char *end;
		spin_us = strtod(spin, &end);
		if (end == spin || *end || !(spin_us == -1 || (spin_us >= 0 && spin_us <= 1e6))) {
			snprintf(err, errlen, "DENALI_MPI_SPIN_US=%.40s: expected microseconds, "
					      "0..1000000, or -1 for blocking MPI calls",
				 spin);
			return -1;
		}
	}
	if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
		snprintf(err, errlen, "MPI_Init failed");
		return -1;
	}
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &n);
	struct mpi_ctx *c = calloc(1, sizeof *c);
	if (c) {
		c->comm = MPI_COMM_WORLD;
		c->n = n;
		c->spin_s = spin_us < 0 ? -1 : spin_us / 1e6;
		c->scount = calloc((size_t)n, sizeof(int));
		c->sdisp = calloc((size_t)n, sizeof(int));
		c->rcount = calloc((size_t)n, sizeof(int));
		c->rdisp = calloc((size_t)n, sizeof(int));
	}
	if (!c || !c->scount || !c->sdisp || !c->rcount || !c->rdisp)
		mpi_fail(c, "denali run: out of host memory starting MPI");
	memset(x, 0, sizeof *x);
	x->rank = (uint32_t)rank;
	x->nranks = (uint32_t)n;
	x->ops = &mpi_ops;
	x->ctx = c;
	return 0;
}

void world_mpi_times(struct world_xchg *x, double run_s, double *run, double *mpi)
{
	struct mpi_ctx *c = x->ctx;
	double mine[2] = { run_s, c->busy_s }, *all = NULL;
	if (x->rank == 0 && !(all = malloc(2 * sizeof *all * (size_t)c->n)))
		mpi_fail(c, "denali run: out of host memory");
	check(c, MPI_Gather(mine, 2, MPI_DOUBLE, all, 2, MPI_DOUBLE, 0, c->comm), "gather");
	for (int r = 0; x->rank == 0 && r < c->n; r++) {
		run[r] = all[2 * r];
		mpi[r] = all[2 * r + 1];
	}
	free(all);
}

void world_mpi_end(struct world_xchg *x)
{
	struct mpi_ctx *c = x->ctx;
	MPI_Finalize();
	if (c) {
		free(c->scount);
		free(c->sdisp);
		free(c->rcount);
		free(c->rdisp);
		pack_free(&c->sbuf);
		pack_free(&c->rbuf);
		free(c);
	}
	x->ctx = NULL;
	x->ops = NULL;
}
