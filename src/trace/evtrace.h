// SPDX-License-Identifier: MIT
// `denali run --trace CATEGORIES`: the event stream as text or JSON Lines (evtrace.c;
// docs/observe.md has the formats). An observer (vmm/obs.h) that formats each event
// it wants into one line of a hub stream (hub.h), so lines come out in simulated-time
// order whatever the thread count, and stop at the stream's limit.
//
// Filters: categories (obs_cats_parse), VM ids (a bitmap; events of the machine itself,
// such as a frame crossing the switch, pass when one of the VMs it concerns does, or
// when there is no VM filter), and a time window [from, to) in cycles. The insn
// category makes the kernel run the selected VMs one instruction at a time (the slow
// path) while they are inside the window and the stream is not full; each line gives
// the instruction (Capstone, Denali instructions named), its function+offset, and the
// registers it changed.
#ifndef DENALI_TRACE_EVTRACE_H
#define DENALI_TRACE_EVTRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/obs.h"

struct hub;
struct image;
struct evtrace;

struct evtrace_config {
	uint32_t cats;            // OBS_CAT_* to print
	bool json;                // JSON Lines instead of text
	const uint8_t *vms;       // bitmap of VM ids to print (bit i of vms[i / 8]), or NULL
	uint32_t vms_len;         // bytes in vms (ids beyond it are not selected)
	uint64_t from, to;        // window in cycles: from <= t < to
	uint32_t cpu_khz;         // for ns times
	struct hub *hub;
	int stream;
};

// Returns a trace for nmachines machines (NULL: out of memory). cfg is copied; vms must
// outlive it.
struct evtrace *evtrace_new(const struct evtrace_config *cfg, uint32_t nmachines);
void evtrace_free(struct evtrace *t);
// Tells the trace machine m's image (for symbols and instruction text).
void evtrace_machine(struct evtrace *t, uint32_t m, const struct image *img);
// The observer callbacks (ctx = the evtrace).
void evtrace_event(void *ctx, const struct obs_event *ev);
bool evtrace_step(void *ctx, uint32_t machine, uint32_t vm, uint64_t now_cycles);
// Whether VM id passes the VM filter.
bool evtrace_vm_selected(const struct evtrace_config *cfg, uint32_t vm);

#endif
