// SPDX-License-Identifier: MIT
// Host memory a machine holds, by kind (hostmem.c; docs/memory.md "Host memory by
// kind"). Every figure is computed from the data structures themselves (bytes asked of
// malloc or of the page pool, not counting the allocator's own headers), so it is the
// same on every host and every run: benchmarks print it beside the process's RSS, and
// tests assert bounds on it. Nothing here reaches a simulation result.
#ifndef DENALI_VMM_HOSTMEM_H
#define DENALI_VMM_HOSTMEM_H

#include <stdint.h>

struct kernel;

enum hostmem_kind {
	HM_GUEST_PAGES = 0, // written guest pages: each VM's own, shared ones once, vregs
	HM_POOL_FREE,       // page-pool pages not handed out (free list, chunk tails)
	HM_PAGE_TABLES,     // per-VM page directories and leaves
	HM_VM_RECORDS,      // struct vm, interrupt state, scheduler and LRU slots, bitmaps
	HM_CONSOLE,         // console output kept per VM, diagnostics
	HM_EVENTS,          // the event queue
	HM_DECODE,          // the executor: TLBs and decode cache
	HM_DEV_RECORDS,     // per-VM device state (NIC, disk queues)
	HM_NIC_QUEUES,      // NIC receive queues and their frames
	HM_SWITCH,          // the switch: ports, queues, frames, MAC table
	HM_OTHER,           // struct kernel, results, profile, devset, link inbox, ...
	HM_KINDS
};

struct hostmem {
	uint64_t bytes[HM_KINDS];
	uint64_t guest_pages;  // pages in HM_GUEST_PAGES
	uint64_t shared_pages; // of those, shared by content between VMs (pageshare.h)
	uint64_t shared_refs;  // guest pages mapping a shared page
	uint64_t code_pages;   // host pages with decoded code
	uint64_t events;       // events queued (stale ones included)
	uint64_t nic_frames;   // frames in NIC receive queues
};

// Fills hm for machine k (at any time: before, during or after a run).
void kernel_hostmem(const struct kernel *k, struct hostmem *hm);
// The sum of hm->bytes.
uint64_t hostmem_total(const struct hostmem *hm);
// A short name for the kind ("guest pages", "page tables", ...).
const char *hostmem_kind_name(enum hostmem_kind kind);

#endif
