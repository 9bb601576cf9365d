// SPDX-License-Identifier: MIT
// Reverse execution for the gdb stub (history.c; docs/debugging.md "Stepping
// backwards"): snapshots of the whole process, taken with fork(2) at stops of the live
// run, plus deterministic re-execution from them. A run is a function of its position,
// so going back is going forward from an earlier snapshot to the position wanted:
//   reverse-stepi       the stop before the selected VM's previous instruction
//   reverse-continue    the last breakpoint or watchpoint hit before the current stop
// found by a search worker (a fork of the snapshot that replays up to the current stop
// with every output discarded and reports what it met), then reached by a go worker
// (another fork of the same snapshot) that replays to it, rewinds the output files to
// where they were at the snapshot, and becomes the live run: it answers gdb on the same
// connection, and continuing forward from there gives the same run as before.
//
// The process the user started stays to the end: at its first hand-over it waits for
// the run's exit status from whichever process ends the run, and exits with it. Every
// snapshot and worker watches a pipe only that first process holds open, so nothing
// outlives it. Snapshots are at most GDB_HISTORY_MAX processes (older ones thinned
// out, the first always kept); each costs the host memory the run changed since it was
// taken (copy-on-write).
#ifndef DENALI_GDB_HISTORY_H
#define DENALI_GDB_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "gdb/stub.h"
#include "vmm/ctl.h"

struct kernel;

#define GDB_HISTORY_MAX 24

// A stop's place in the run: simulated time, then the stopped VM's retired count.
struct gdb_pos {
	uint64_t now;
	uint64_t retired;
	uint32_t vm;
};

struct gdb_history;

// The run's output streams that cannot be rewound (a terminal, a pipe: the front end
// knows which), as counts of records written: marks reads them, hide makes the next
// replay count the records up to those marks without showing them again.
#define GDB_HISTORY_STREAMS 8
struct gdb_history_streams {
	void (*marks)(void *ctx, uint64_t m[GDB_HISTORY_STREAMS]);
	void (*hide)(void *ctx, const uint64_t m[GDB_HISTORY_STREAMS]);
	void *ctx;
};

// Reverse execution for this process's run (every snapshot at least every_cycles of
// simulated time apart). Returns NULL when out of memory.
// It lives to the process's end (gdb_history_finish).
struct gdb_history *gdb_history_new(uint64_t every_cycles);

// Output streams a go worker replays without showing again what the run showed
// already (otherwise stdout and stderr, when not regular files, are muted during a
// replay and what lies between its target and the furthest point reached shows twice).
void gdb_history_streams(struct gdb_history *h, const struct gdb_history_streams *s);

// At every stop, before gdb hears of it. Returns
//   0  this is the live run (a snapshot may have been taken): go on as usual
//   1  this process replays history (a worker): return from the stop at once
//   2  this worker reached its target and is the live run now: report the stop to gdb
//      (gdb waits for it), with the session state of gdb_history_session
// In a snapshot process it returns only in the workers it forks.
int gdb_history_at_stop(struct gdb_history *h, struct kernel *k, const struct ctl_stop *st);
// The stop as gdb should hear of it: a request or halt stop at a breakpoint's address
// is that breakpoint's hit.
enum ctl_why gdb_history_why(const struct kernel *k, const struct ctl_stop *st);
// The run ended in this process (before its outputs are written): a worker answers
// and exits here, so a replay never writes or renames an output.
void gdb_history_run_ended(struct gdb_history *h);
// Whether this process replays history (a search or go worker).
bool gdb_history_replaying(const struct gdb_history *h);
// Between slices: true when a snapshot is due (the caller requests an internal stop).
bool gdb_history_due(const struct gdb_history *h, const struct kernel *k);
// Whether the origin of this process's session is gone (the run should end).
bool gdb_history_orphaned(const struct gdb_history *h);

// gdb asked to go back: kind 's' (reverse-stepi of VM vm) or 'c' (reverse-continue),
// from the current stop st. Does not return when it worked: this process hands the run
// over to the worker that reached the target, then exits (or, if it is the process the
// user started, waits for the run's end and exits with its status). Returns -1 with a
// line in err when there is no history to go back to.
int gdb_history_reverse(struct gdb_history *h, struct kernel *k, const struct gdb_stub *stub,
			char kind, uint32_t vm, char *err, size_t errlen);
// A go worker that went live: gdb's session state (threads selected, no-ack mode, and
// whether the target is the beginning of the history).
void gdb_history_session(const struct gdb_history *h, struct gdb_stub *stub, bool *begin);

// The run is over in this process with exit status rc: snapshots are ended, and if
// this process took the run over, the process the user started exits with rc.
void gdb_history_finish(struct gdb_history *h, int rc);

#endif
