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
	struct kernel *k;         // the caller's; the world drives it
	uint64_t link_free_ns;    // this machine's side of the link is busy until then
	// Written only by the thread running this machine during a round:
	struct linkq out;         // frames it sent this round, in (arrival, seq) order
	uint64_t seq;             // its frames, numbered in the order they left
	struct world_link_stats st; // frames, bytes, drop_oom of this round
};

struct world_pool;

// The front end's hooks between rounds (world_control), on the calling thread while no
// machine runs: round(ctx, upto) after each round, when every machine's clock has
// reached upto (cycles: observers flush what they hold up to there, hub.h); poll as in
// struct kernel_ctl (every `every` rounds or at once when *attn is set; true ends the
// run as KERNEL_END_INTERRUPTED). Neither may change the run.
struct world_ctl {
	void (*round)(void *ctx, uint64_t upto);
	bool (*poll)(void *ctx);
	void *ctx;
	const volatile sig_atomic_t *attn;
	uint32_t every;
};

struct world {
	struct world_config cfg;
	uint32_t n;               // machines added
	struct world_machine m[WORLD_MAX_MACHINES];
	uint64_t round_start_ns;  // T of the current round, ns
	uint64_t until;           // the current round's horizon, cycles
	struct world_pool *pool;  // threads > 1: the worker threads (world.c)
	uint64_t rounds;
	struct world_link_stats st;
	enum kernel_end end;
	bool ran;
	struct world_ctl ctl;     // world_control (round and poll NULL: none)
	uint32_t ctl_count;
};

void world_init(struct world *w, const struct world_config *cfg);
// Frees the frames still on the link and stops the threads. The kernels stay the
// caller's.
void world_free(struct world *w);
// Fills machine m's uplink in a device config (c->machine, c->uplink, c->uplink_ctx)
// before devhost_attach.
void world_uplink(struct world *w, uint32_t m, struct devset_config *c);
// Adds the next machine (number w->n): k must have its devices attached with the config
// world_uplink filled for that number, and the same cpu_khz as machine 0. Returns 0, or
// -1 with a message in err.
int world_add(struct world *w, struct kernel *k, char *err, size_t errlen);
// Installs the front end's hooks (see struct world_ctl), or removes them (ctl NULL).
void world_control(struct world *w, const struct world_ctl *ctl);
// Runs to the end (see above) and ends every kernel (kernel_finish). Threads that
// cannot be started leave the run on one thread (the results are the same). Returns
// why it ended: KERNEL_END_CLIENTS_DONE, KERNEL_END_MAX_TIME, KERNEL_END_DEADLOCK, or
// KERNEL_END_ALL_DONE (one machine, every VM ended), or KERNEL_END_INTERRUPTED.
enum kernel_end world_run(struct world *w);
// The run's digest: every machine's kernel_digest in order, then the link counters.
uint64_t world_digest(const struct world *w);
// Host bytes of the link's queues (the machines' own memory is kernel_hostmem's).
uint64_t world_host_bytes(const struct world *w);

#endif
