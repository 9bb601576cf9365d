// SPDX-License-Identifier: MIT
// Output in simulated-time order for observers (hub.c). Observers of a run receive
// events on the thread that runs each machine (vmm/obs.h); what they print must still
// come out in one deterministic order: by simulated time, then machine, then the order
// the machine produced it. The hub keeps one record buffer per machine, written only by
// that machine's thread, and merges the buffers into the output streams when the world
// says every machine has reached a time (hub_flush, between rounds). With one machine
// records go straight out.
//
// A stream is a FILE the hub writes (stdout, a trace file). A stream may have a limit
// on records: the records past it are counted, not written (hub_dropped), so a trace
// cannot fill a disk by accident; the limit applies in the merged order, so which
// records survive never depends on threads.
#ifndef DENALI_TRACE_HUB_H
#define DENALI_TRACE_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HUB_MAX_STREAMS 8
#define HUB_NO_LIMIT UINT64_MAX

struct hub;

// A hub for machines 0..nmachines-1. Returns NULL when out of memory.
struct hub *hub_new(uint32_t nmachines);
void hub_free(struct hub *h);
// Adds a stream writing to f (the caller keeps f) with a record limit. Returns its
// number, or -1 (too many streams).
int hub_stream(struct hub *h, FILE *f, uint64_t limit);

// Appends one record (len bytes, usually a line) for stream s, produced by machine m at
// time t (cycles; a machine's records must come in non-decreasing t). Called from m's
// thread. Returns false when the stream is full already (as of the last flush), so
// producers can stop early; the record is still counted.
bool hub_write(struct hub *h, uint32_t m, uint64_t t, int s, const char *bytes, size_t len);
// printf into a record (at most 4096 bytes).
bool hub_printf(struct hub *h, uint32_t m, uint64_t t, int s, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
// Writes every buffered record with time <= upto, merged by (time, machine, order).
// Call on one thread while no machine runs. UINT64_MAX: everything.
void hub_flush(struct hub *h, uint64_t upto);
// Whether stream s reached its limit (records were dropped), and how many.
bool hub_full(const struct hub *h, int s);
uint64_t hub_written(const struct hub *h, int s);
uint64_t hub_dropped(const struct hub *h, int s);
// Whether writing a stream's FILE failed (checked with ferror after each flush).
bool hub_failed(const struct hub *h, int s);

// Replays (gdb's reverse execution, gdb/history.h) produce a stream's records again
// from an earlier point. hub_seen is how many records reached stream s (in the merged
// order, so the same in every replay of a run); after hub_hide(h, s, n) the records up
// to the n-th are counted as before but not written, so a terminal or pipe that cannot
// be rewound shows each record once.
uint64_t hub_seen(const struct hub *h, int s);
void hub_hide(struct hub *h, int s, uint64_t upto);
// The number of streams, and stream s's FILE.
int hub_streams(const struct hub *h);
FILE *hub_file(const struct hub *h, int s);

#endif
