// SPDX-License-Identifier: MIT
// `denali run --gdb PORT|unix:PATH` (server.c; docs/debugging.md): a GDB remote
// protocol server for one machine, attached to it through the control interface
// (vmm/ctl.h). It listens on 127.0.0.1:PORT (0: any free port, printed) or a Unix
// socket; gdb may attach at any time (the run stops at its next instruction), or before
// the first instruction with wait (--gdb-wait). While gdb holds the run, simulated time
// is frozen everywhere; gdb's Ctrl-C stops it. Everything runs on the machine's thread:
// the run blocks inside the stop callback while gdb inspects it.
#ifndef DENALI_GDB_SERVER_H
#define DENALI_GDB_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "gdb/stub.h"

struct kernel;
struct gdb_server;

// Parses a --gdb value: "PORT" (0..65535) or "unix:PATH". Returns 0, or -1 with the
// reason in why.
int gdb_server_parse(const char *spec, char *why, size_t whylen);
// Binds and listens, and attaches to k. With wait, also waits for gdb to connect and
// makes the run stop before its first instruction. Says where it listens on stderr.
// Returns 0, or -1 with a message in err (the address is in use, ...).
int gdb_server_open(struct gdb_server **out, const char *spec, bool wait, struct kernel *k,
		    char *err, size_t errlen);
// The run has ended with denali's exit status (or a signal): a connected gdb gets the
// exit (W/X) when it next resumes or asks; then the connection closes. Detaches.
void gdb_server_end(struct gdb_server *s, int status, int signal);
// Closes everything (and removes the Unix socket's file).
void gdb_server_free(struct gdb_server *s);
// Whether gdb asked to kill the run (the run then ends as interrupted).
bool gdb_server_killed(const struct gdb_server *s);
// Offers reverse execution (history.h) with a snapshot at most every every_cycles of
// simulated time. Only for runs whose every input can be replayed (no read-write disk,
// no live network): the front end decides.
void gdb_server_reverse(struct gdb_server *s, uint64_t every_cycles);
#define GDB_HISTORY_EVERY_NS 1000000ull // 1 ms of simulated time between snapshots
// The run's output streams, counted so that going back and forward again shows each
// record once on a terminal or pipe (history.h). After gdb_server_reverse.
struct gdb_history_streams;
void gdb_server_streams(struct gdb_server *s, const struct gdb_history_streams *streams);
// Offers `monitor checkpoint FILE` (stub.h: fn asks the front end for it).
void gdb_server_on_checkpoint(struct gdb_server *s, gdb_ckpt_fn fn, void *ctx);
// At the very end of the process, after every output is in place: a run that reverse
// execution handed to another process tells the process the user started its status.
void gdb_server_finish(int rc);

#endif
