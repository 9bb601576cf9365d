// SPDX-License-Identifier: MIT
// `denali run` under an MPI launcher (ranks.h): the launcher's environment, who speaks,
// the placement of machines on ranks, and MPI's start and end (vmm/world_mpi.h when
// built with -Dmpi=enabled).
#include "ranks.h"

#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "vmm/digest.h"
#ifdef DENALI_MPI
#include "vmm/world_mpi.h"
#endif

// The MPI launchers' variables: Open MPI's mpirun, PMI (MPICH's hydra, srun
// --mpi=pmi2), PMIx (srun --mpi=pmix, whose size is Slurm's task count). Slurm's own
// variables alone do not count: srun also starts independent tasks (a sweep).
// DENALI_MPI=0 ignores them all (each process runs the whole simulation).
static const char *const rank_vars[] = { "OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK" };
static const char *const size_vars[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE" };
static const char *const pmix_size_vars[] = { "SLURM_STEP_NUM_TASKS" };

static uint32_t env_u32(const char *const *vars, size_t n, uint32_t dflt)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = getenv(vars[i]);
		char *end;
		if (v && *v) {
			unsigned long x = strtoul(v, &end, 10);
			if (!*end && x < 1u << 20)
				return (uint32_t)x;
		}
	}
	return dflt;
}

void ranks_begin(struct ranks *r, int argc, char **argv)
{
	memset(r, 0, sizeof *r);
	r->flags = DIGEST_INIT;
	for (int i = 0; i < argc; i++)
		r->flags = digest_bytes(r->flags, argv[i], strlen(argv[i]) + 1);
	const char *off = getenv("DENALI_MPI");
	if (off && !strcmp(off, "0")) {
		r->n = 1;
		return;
	}
	r->rank = env_u32(rank_vars, sizeof rank_vars / sizeof *rank_vars, 0);
	r->n = env_u32(size_vars, sizeof size_vars / sizeof *size_vars, 0);
	if (!r->n && getenv("PMIX_RANK"))
		r->n = env_u32(pmix_size_vars, 1, 1);
	if (r->n < 1)
		r->n = 1;
	if (r->rank >= r->n)
		r->rank = 0;
	if (r->rank == 0)
		return;
	fflush(stdout);
	fflush(stderr);
	if (!freopen("/dev/null", "w", stdout))
		return; // keep speaking rather than fail
	r->mem = open_memstream(&r->kept, &r->kept_len);
	if (r->mem) {
		r->err = stderr;
		stderr = r->mem;
	}
}

// Gives stderr back; prints what was kept when `say`.
static void release(struct ranks *r, bool say)
{
	if (!r->mem)
		return;
	fflush(r->mem);
	stderr = r->err;
	if (say && r->kept_len)
		fwrite(r->kept, 1, r->kept_len, stderr);
	fclose(r->mem);
	free(r->kept);
	r->mem = NULL;
	r->kept = NULL;
	r->kept_len = 0;
}

int ranks_single(const struct ranks *r)
{
	if (r->n <= 1)
		return 0;
	fprintf(stderr, "denali run: started as %u MPI processes for one machine: the "
			"machines of a run are spread over the processes (add --client machines, or "
			"start one process)\n",
		r->n);
	return 2;
}

// --machine-ranks "0,1,1,2": one rank per machine. Returns 0 or 2 after a line.
static int parse_list(const char *list, uint32_t nmach, uint32_t *owner)
{
	const char *p = list;
	for (uint32_t m = 0; m < nmach; m++) {
		char *end = (char *)p;
		unsigned long v = *p >= '0' && *p <= '9' ? strtoul(p, &end, 10) : 0;
		if (end == p || (*end != ',' && *end != '\0') || (*end == '\0') != (m + 1 == nmach))
			return args_bad("--machine-ranks", list, "expected one rank per machine, "
								 "separated by commas (machine 0's first)");
		if (v >= WORLD_MAX_RANKS)
			return args_bad("--machine-ranks", list, "a rank is 0..15");
		owner[m] = (uint32_t)v;
		p = end + 1;
	}
	return 0;
}

int ranks_start(struct ranks *r, uint32_t nmach, const char *list, int64_t capture)
{
	uint32_t owner[WORLD_MAX_MACHINES] = { 0 };
	char why[160];
	if (r->n > nmach) {
		fprintf(stderr, "denali run: started as %u MPI processes for %u machines: at most "
				"one process per machine\n",
			r->n, nmach);
		return 2;
	}
	if (list) {
		if (parse_list(list, nmach, owner) != 0)
			return 2;
	} else {
		for (uint32_t m = 0; m < nmach; m++)
			owner[m] = m % r->n;
		if (capture > 0)
			owner[capture] = 0; // the capture file is rank 0's to write
	}
	if (owner[0] != 0)
		return args_bad("--machine-ranks", list, "machine 0 runs on rank 0 (its devices "
							 "and files are there)");
	if (capture > 0 && owner[capture] != 0) {
		snprintf(why, sizeof why, "machine %lld is captured (--pcap-machine): it runs on "
					  "rank 0, which writes the file",
			 (long long)capture);
		return args_bad("--machine-ranks", list, why);
	}
	uint32_t used = 0;
	for (uint32_t m = 0; m < nmach; m++) {
		if (owner[m] >= r->n) {
			snprintf(why, sizeof why, "rank %u, but there %s %u MPI process%s", owner[m],
				 r->n == 1 ? "is" : "are", r->n, r->n == 1 ? "" : "es");
			return args_bad("--machine-ranks", list, why);
		}
		used |= 1u << owner[m];
	}
	for (uint32_t k = 0; k < r->n; k++) {
		if (!(used & (1u << k))) {
			if (list) {
				snprintf(why, sizeof why, "no machine on rank %u (every rank runs at "
							  "least one)",
					 k);
				return args_bad("--machine-ranks", list, why);
			}
			fprintf(stderr, "denali run: rank %u would run no machine (--pcap-machine %lld "
					"runs on rank 0): start fewer MPI processes or give --machine-ranks\n",
				k, (long long)capture);
			return 2;
		}
	}
	if (r->n == 1)
		return 0;
#ifdef DENALI_MPI
	char err[256];
	if (world_mpi_start(NULL, NULL, &r->x, err, sizeof err) != 0) {
		fprintf(stderr, "denali run: %s\n", err);
		return 2;
	}
	r->mpi = true;
	if (r->x.nranks != r->n || r->x.rank != r->rank) {
		fprintf(stderr, "denali run: the launcher says rank %u of %u, MPI says rank %u of "
				"%u (with Slurm: srun --mpi=pmix)\n",
			r->rank, r->n, r->x.rank, r->x.nranks);
		world_mpi_end(&r->x);
		r->mpi = false;
		return 2;
	}
	memcpy(r->x.owner, owner, sizeof owner);
	return 0;
#else
	fprintf(stderr, "denali run: started as %u MPI processes, but this denali was built "
			"without MPI (meson setup -Dmpi=enabled; DENALI_MPI=0 runs each process on its "
			"own; docs/machines.md)\n",
		r->n);
	return 2;
#endif
}

bool ranks_ready(struct ranks *r, struct world *w, bool ok)
{
	uint64_t v[3] = { ok ? UINT64_MAX : r->rank, r->flags, ~r->flags };
	if (r->mpi)
		world_min(w, v, 3);
	// The first rank that failed speaks, unless rank 0 did (it has spoken already).
	release(r, v[0] == r->rank);
	if (v[0] != UINT64_MAX)
		return false;
	if (v[1] != r->flags || v[2] != ~r->flags) {
		if (r->rank == 0)
			fprintf(stderr, "denali run: the MPI processes were started with different "
					"flags (every rank needs the same command line)\n");
		return false;
	}
	return true;
}

void ranks_times(struct ranks *r, double run_s, char *line, size_t len)
{
	line[0] = '\0';
	if (!r->mpi)
		return;
#ifdef DENALI_MPI
	double run[WORLD_MAX_RANKS], mpi[WORLD_MAX_RANKS];
	world_mpi_times(&r->x, run_s, run, mpi);
	if (r->rank != 0)
		return;
	size_t n = (size_t)snprintf(line, len, "host time by rank    ");
	for (uint32_t k = 0; k < r->n && n < len; k++)
		n += (size_t)snprintf(line + n, len - n, "%s%u: %.3f s (%.3f s in MPI)",
				      k ? ", " : "", k, run[k], mpi[k]);
#else
	(void)run_s;
	(void)len;
#endif
}

int ranks_end(struct ranks *r, struct world *w, int rc)
{
	release(r, false);
	if (!r->mpi)
		return rc;
	uint64_t v[1] = { r->rank == 0 ? (uint64_t)rc : UINT64_MAX };
	world_min(w, v, 1);
#ifdef DENALI_MPI
	world_mpi_end(&r->x);
#endif
	r->mpi = false;
	return (int)v[0];
}
