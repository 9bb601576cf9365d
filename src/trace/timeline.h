// SPDX-License-Identifier: MIT
// `denali run --timeline FILE.json`: the run in the Chrome trace-event format, which
// Perfetto UI (ui.perfetto.dev) and chrome://tracing open (timeline.c; docs/observe.md).
//
// Layout: one process per machine ("machine 0 (server)"), one thread track per VM
// ("vm 3") and a "switch" track (tid 0). On a VM's track, slices (B/E pairs, properly
// nested, timestamps non-decreasing) show its states: "run" (args: instructions and
// cycles of the dispatch, why it ended), "idle", "swap wait" (waiting for the swap disk
// to read a block back); "swapped out" spans are async events (b/e, category mem) on
// the VM's own async track, since they overlap its other states. Instants mark
// interrupts raised and delivered, exceptions, swap-ins and the VM's end. On the switch
// track each frame that arrives is a 100 ns slice with its one-line decode; a flow
// arrow (s/f) goes from it to the upcall that delivers the NIC interrupt to the VM it
// was queued for. Counter tracks per machine: runnable VMs, idle VMs, modelled memory in
// use (MiB), swap disk backlog (ms of queued work), frames queued in the switch, and
// every results-port counter as a rate per second, sampled every sample interval.
//
// Bounds: a VM filter (bitmap) and a window [from, to) in cycles. Slices open when the
// window starts are begun at its start and every open slice is ended at its end (or
// at the end of the run), so each track's B/E pairs match. Each machine writes its
// events to its own temporary file (machines may run in parallel threads); timeline_
// finish concatenates them, machine by machine, into the output.
#ifndef DENALI_TRACE_TIMELINE_H
#define DENALI_TRACE_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/obs.h"

struct timeline;

struct timeline_config {
	const uint8_t *vms;      // bitmap of VM ids to show, or NULL: all
	uint32_t vms_len;        // bytes in vms
	uint64_t from, to;       // window, cycles
	uint32_t cpu_khz;
	uint64_t sample_cycles;  // counter period (> 0)
};

// Returns a timeline for nmachines machines of nvms[m] VMs each, or NULL (no memory
// or no temporary file).
struct timeline *timeline_new(const struct timeline_config *cfg, uint32_t nmachines,
			      const uint32_t *nvms);
void timeline_free(struct timeline *t);
// The observer callback (ctx = the timeline) and the categories it needs.
void timeline_event(void *ctx, const struct obs_event *ev);
#define TIMELINE_CATS (OBS_CAT_SCHED | OBS_CAT_IRQ | OBS_CAT_EXC | OBS_CAT_NET | \
		       OBS_CAT_MEM | OBS_CAT_VM | OBS_CAT_SAMPLE)
// Ends machine m's open slices at time end (cycles; the end of its run).
void timeline_end_machine(struct timeline *t, uint32_t m, uint64_t end);
// Writes the whole JSON document to f. Returns 0, or -1 when a temporary file could
// not be written or read back (then f holds an incomplete document).
int timeline_finish(struct timeline *t, FILE *f);
// Bytes of events written so far (all machines).
uint64_t timeline_bytes(const struct timeline *t);

#endif
