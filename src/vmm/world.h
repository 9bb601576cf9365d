// SPDX-License-Identifier: MIT
// Several simulated machines in one deterministic run (world.c; docs/machines.md).
// Machine 0 is the server, machines 1.. are clients; each is a whole struct kernel (its
// own clock, scheduler, VMs and devices). Their switches are joined by one link: each
// switch has an uplink port (devset.h), a frame leaving machine m's uplink at t is
// serialised on m's link at link_bps (a per-machine "link free" time, like the switch's
// own link) and arrives latency_ns after its last bit, at the machine its destination
// MAC names (nic_machine_of_mac), at every other machine for a broadcast or multicast,
// and at machine 0 for a MAC that is not a VM's (the outside world attaches there).
//
// Synchronisation: conservative lockstep with lookahead L = latency_ns. Each round
// takes T = the earliest time any machine can act (kernel_next_activity), sets the
// horizon H = T + L, and runs machines 0, 1, 2, ... in that order until their clocks
// reach H (kernel_run_until; an idle machine jumps there). A frame sent in the round
// leaves at >= T, so it arrives at >= H: no machine can receive it before the round
// ends. The round's frames wait in one queue ordered by (arrival, source machine,
// sequence) and are handed to their machines after the round in that order. Nothing
// depends on host timing or host threads, so every run with the same inputs is the same.
// With threads > 1 the machines of a round run in that many host threads: each machine
// is touched by one thread only and keeps its own outgoing frames, numbered by itself,
// so the order above, and every result, is the same as with one thread.
//
// Several processes (world_xchg below; docs/machines.md "Over MPI"): the machines may be
// spread over processes, each running its own machines through the same rounds. After
// each round every process tells all the others, in one allgather, each of its
// machines' next activity before the round's frames arrive, its clock and whether it
// has live VMs, the earliest arrival of its frames at each machine, and how many bytes
// of frames it sends each process; from that every process computes the same next T
// (a frame arriving at t makes its machine act at devhost_due(t): min with its next
// activity) and the end of the run. The frames then go only to the processes of their
// destinations (skipped when no process sends any), where they are handed over in the
// same (arrival, source, sequence) order; so every result is the same as in one
// process. At the end each machine's outcome (outcome.h) goes to process 0.
//
// End: the run ends when every VM of machines 1.. has ended (the server's VMs that
// still run are then STOPPED, which is normal), at max time, or when no machine can
// ever act again (deadlock: live VMs HUNG). With one machine it ends when it is done.
// Each kernel's end is the run's, except KERNEL_END_ALL_DONE on a machine whose VMs
// had all ended by then.
#ifndef DENALI_VMM_WORLD_H
#define DENALI_VMM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/devset.h"
#include "devices/linkq.h"
#include "vmm/kernel.h"
#include "vmm/pack.h"

#define WORLD_MAX_MACHINES 16u // machine numbers fit the MAC's 4 bits (nic.h)

struct world;

struct world_config {
	uint64_t latency_ns;   // L, > 0 (default 20 us)
	uint64_t link_bps;     // 1,000,000,000
	uint32_t threads;      // host threads running a round's machines (0 or 1: none)
	// Called after every round (its frames handed over) with the round's horizon in
	// ns, for observers such as benchmarks; it must not change the machines. NULL: none.
	void (*after_round)(void *ctx, const struct world *w, uint64_t horizon_ns);
	void *after_round_ctx;
};
void world_config_default(struct world_config *c);

// A transport between the processes of a run (world_mpi.c over MPI). Every process
// calls each operation at the same point of the run, in the same order.
// A transport's fail never returns (hidden from cppcheck, which cannot parse the
// attribute on a function pointer).
#if defined(__GNUC__) && !defined(__CPPCHECK__)
#define WORLD_NORETURN __attribute__((noreturn))
#else
#define WORLD_NORETURN
#endif

struct world_xchg_ops {
	// Replaces each v[i] by its minimum over the processes.
	void (*min)(void *ctx, uint64_t *v, uint32_t n);
	// Every process's n values `mine`, in process order, into all (nranks x n).
	void (*allgather)(void *ctx, const uint64_t *mine, uint32_t n, uint64_t *all);
	// send[r] holds this process's bytes for process r (send[rank] is empty); recv[r]
	// gets process r's bytes for this one, whose number the caller has set in
	// recv[r].len (the allgather told it). Buffers are reused from round to round.
	void (*exchange)(void *ctx, struct pack *send, struct pack *recv);
	// Process 0 gets every process's `mine` in all[r] (its own too); the others get
	// nothing.
	void (*gather)(void *ctx, const struct pack *mine, struct pack *all);
	// Ends every process after one line on stderr (the run cannot go on: our bug).
	void (*fail)(void *ctx, const char *msg) WORLD_NORETURN;
};

#define WORLD_MAX_RANKS WORLD_MAX_MACHINES // a process runs at least one machine

struct world_xchg {
	uint32_t rank, nranks;                // this process, and how many there are
	uint32_t owner[WORLD_MAX_MACHINES];   // the process that runs machine m
	const struct world_xchg_ops *ops;
	void *ctx;
};

struct world_link_stats {
	uint64_t frames, bytes;   // frames that left an uplink onto the link
	uint64_t deliveries;      // frames handed to a machine (a broadcast once per machine)
	uint64_t drop_no_machine; // for a MAC of no machine (or no VM) of the run
	uint64_t drop_in;         // a machine could not queue it (out of memory)
	uint64_t drop_oom;        // the link could not queue it (out of memory)
};

struct world_machine {
	struct world *w;
	uint32_t id;
	struct kernel *k;         // the caller's; the world drives it when it runs here
	bool remote;              // it runs in another process; k is NULL or the kernel
				  // its outcome goes into at the end (process 0)
	uint64_t link_free_ns;    // this machine's side of the link is busy until then
	// Written only by the thread running this machine during a round:
	struct linkq out;         // frames it sent this round, in (arrival, seq) order
	uint64_t seq;             // its frames, numbered in the order they left
	struct world_link_stats st; // frames, bytes, drop_oom of this round
};

struct world_pool;
struct world_inframe;

// The front end's hooks between rounds (world_control), on the calling thread while no
// machine runs: round(ctx, upto) after each round, when every machine's clock has
// reached upto (cycles: observers flush what they hold up to there, hub.h); poll as in
// struct kernel_ctl (every `every` rounds or at once when *attn is set; true ends the
// run as KERNEL_END_INTERRUPTED). Neither may change the run. Over several processes
// each process calls its own hooks for its own machines (upto: their earliest clock),
// and a poll that says stop in any process ends the run in all of them after the same
// round: the request travels with the next round's agreement.
struct world_ctl {
	void (*round)(void *ctx, uint64_t upto);
	bool (*poll)(void *ctx);
	void *ctx;
	const volatile sig_atomic_t *attn;
	uint32_t every;
};

struct world {
	struct world_config cfg;
	const struct world_xchg *x; // NULL: every machine runs in this process
	uint32_t rank, nranks;      // x's, or 0 and 1
	uint32_t owner[WORLD_MAX_MACHINES]; // x's, or every machine on process 0
	uint32_t n;               // machines added
	struct world_machine m[WORLD_MAX_MACHINES];
	struct kernel_config kc;  // the first kernel's config (clock, max time)
	uint32_t local[WORLD_MAX_MACHINES], nlocal; // the machines run here, in order
	uint64_t round_start_ns;  // T of the current round, ns
	uint64_t until;           // the current round's horizon, cycles
	struct world_pool *pool;  // threads > 1: the worker threads (world.c)
	// A round's frames for this process's machines, and the transport's buffers.
	struct world_inframe *in;
	uint32_t nin, capin;
	struct pack send[WORLD_MAX_RANKS], recv[WORLD_MAX_RANKS];
	// What every process says after a round (world.c: the agreement), and the next
	// activity the run's machines have then.
	uint64_t *heads;
	uint64_t next[WORLD_MAX_MACHINES];
	bool oom_round;           // a frame was lost for want of host memory this round
	uint64_t rounds;
	struct world_link_stats st; // the run's (several processes: process 0 after the run)
	enum kernel_end end;
	bool ran;
	struct world_ctl ctl;     // world_control (round and poll NULL: none)
	uint32_t ctl_count;
	char err[256];            // after world_run: why the outcomes could not be gathered
	bool stop;                // the front end asked to stop (world_ctl poll)
	// Checkpoints (one process only): fn(ctx, w) runs after the first round at whose
	// end every machine's clock is at or after `at` (cycles; UINT64_MAX: never), where
	// the run's state is whole (world_ckpt_save and each kernel's kernel_ckpt_write);
	// it sets the next `at`. It must not change the run.
	struct world_ckpt_hook {
		uint64_t at;
		void (*fn)(void *ctx, struct world *w);
		void *ctx;
	} ckpt;
};

void world_init(struct world *w, const struct world_config *cfg);
// Frees the frames still on the link and stops the threads. The kernels stay the
// caller's.
void world_free(struct world *w);
// Spreads the machines over processes (before world_add; x outlives w): this process
// runs the machines x->owner names it for. Without it every machine runs here.
void world_spread(struct world *w, const struct world_xchg *x);
// Whether machine m runs in this process.
bool world_runs_here(const struct world *w, uint32_t m);
// Fills machine m's uplink in a device config (c->machine, c->uplink, c->uplink_ctx)
// before devhost_attach.
void world_uplink(struct world *w, uint32_t m, struct devset_config *c);
// Adds the next machine (number w->n). When it runs here, k must have its devices
// attached with the config world_uplink filled for that number, and the same cpu_khz as
// the others. When it runs in another process, k is NULL, or on process 0 a kernel of
// its config with no devices that receives its outcome after the run (outcome.h).
// Returns 0, or -1 with a message in err.
int world_add(struct world *w, struct kernel *k, char *err, size_t errlen);
// Installs the front end's hooks (see struct world_ctl), or removes them (ctl NULL).
void world_control(struct world *w, const struct world_ctl *ctl);
// Runs to the end (see above) and ends every kernel (kernel_finish). Threads that
// cannot be started leave the run on one thread (the results are the same). Returns
// why it ended: KERNEL_END_CLIENTS_DONE, KERNEL_END_MAX_TIME, KERNEL_END_DEADLOCK, or
// KERNEL_END_ALL_DONE (one machine, every VM ended), or KERNEL_END_INTERRUPTED. Over
// several processes every machine's outcome and the link's counters are then on process
// 0 (w->err says why not, when it is not empty).
enum kernel_end world_run(struct world *w);
// Elementwise minimum of v over the processes (v itself in one process): lets the
// caller agree on things outside the rounds (every process must call it).
void world_min(struct world *w, uint64_t *v, uint32_t n);
// The run's digest: every machine's kernel_digest in order, then the link counters
// (over several processes: on process 0).
uint64_t world_digest(const struct world *w);
// Host bytes of the link's queues (the machines' own memory is kernel_hostmem's).
uint64_t world_host_bytes(const struct world *w);
// Checkpoints (world_ckpt.c): the link's state between rounds (each machine's own is
// its kernel's), and back into a world of the same machines that has not run. Load
// returns 0, or -1 when the bytes do not fit.
void world_ckpt_save(const struct world *w, struct pack *b);
int world_ckpt_load(struct world *w, struct unpack *u);

#endif
