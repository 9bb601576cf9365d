// SPDX-License-Identifier: MIT
// The kernel's own per-VM data in the caches (ctxcache.c): the optional term of the
// context-switch cost that grows with the number of VMs (paper section 4.1: the best
// case rises in small steps as the kernel's per-VM data outgrows L1 and then L2;
// docs/timing.md and docs/experiments.md "Context-switch cost vs number of VMs").
//
// A switch into a VM touches `vm_bytes` of that VM's kernel data (its thread structure,
// saved registers, the top of its kernel stack). The caches are LRU and hold whole VMs'
// data: the incoming VM's data is in L1 when at most l1_bytes / vm_bytes - 1 other VMs
// were switched into since it last was (their data and its own fit in L1), else in L2
// when at most l2_bytes / vm_bytes - 1 were, else in memory (so is a VM's data the
// first time). The switch then pays, per 64-byte line of vm_bytes, nothing (L1),
// l1_miss_cycles (L2) or l2_miss_cycles (memory). Round-robin over N VMs touches
// N * vm_bytes between two switches into the same VM, so the cost steps up where that
// outgrows L1 and again where it outgrows L2, and is flat between.
//
// The recency order is an intrusive LRU list over VM ids with the two class boundaries
// kept as pointers, O(1) per switch and deterministic. Off (vm_bytes 0) it costs
// nothing and allocates nothing.
#ifndef DENALI_VMM_CTXCACHE_H
#define DENALI_VMM_CTXCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/pack.h"

#define CTXCACHE_LINE 64u
#define CTXCACHE_NONE UINT32_MAX

// Where a VM's kernel data was found.
enum ctxcache_level { CTXCACHE_L1 = 0,
		      CTXCACHE_L2,
		      CTXCACHE_MEM,
		      CTXCACHE_COLD };

struct ctxcache_config {
	uint32_t vm_bytes;        // kernel data a switch touches per VM; 0: model off
	uint32_t l1_bytes, l2_bytes;
	uint64_t l1_miss_cycles;  // per line found in L2
	uint64_t l2_miss_cycles;  // per line found in memory
};

struct ctxcache {
	struct ctxcache_config cfg;
	uint32_t n;               // VM ids 0..n-1
	uint32_t *next, *prev;    // the LRU list, most recent first
	uint8_t *level;           // per VM: enum ctxcache_level (COLD: not in the list)
	uint32_t head;
	uint32_t last[2];         // the last VM of level L1 and of level L2, or NONE
	uint32_t count[2], cap[2]; // VMs at L1 and L2, and how many each holds
	uint64_t lines;           // 64-byte lines of vm_bytes
	uint64_t hits[4];         // switches by the level the data was found at
};

// Sets defaults: the model off, the paper's Pentium 4 caches (8 KiB L1 data, 256 KiB
// L2) and the calibrated miss costs (docs/timing.md).
void ctxcache_config_default(struct ctxcache_config *c, uint32_t cpu_khz);
// Builds the model for n VMs. Returns 0 (also when off: nothing allocated), or -1 when
// out of memory.
int ctxcache_init(struct ctxcache *c, const struct ctxcache_config *cfg, uint32_t n);
void ctxcache_free(struct ctxcache *c);
static inline bool ctxcache_on(const struct ctxcache *c)
{
	return c->cfg.vm_bytes != 0;
}
// A switch into VM id: returns the cycles its kernel data costs (0 when off) and makes
// it the most recent.
uint64_t ctxcache_switch(struct ctxcache *c, uint32_t id);
// The cost of data found at `level`, in cycles.
uint64_t ctxcache_cost(const struct ctxcache *c, enum ctxcache_level level);

// Checkpoints (kernel_ckpt.c, only when the model is on): the recency order and the
// counters. The levels follow from the order (the first cap[0] VMs are in L1, the next
// cap[1] in L2), so loading replays the order into a fresh model, whose sizes may
// differ (a fork). Load returns 0, or -1 for bytes that are no order of n VMs.
void ctxcache_ckpt_save(const struct ctxcache *c, struct pack *b);
int ctxcache_ckpt_load(struct ctxcache *c, struct unpack *u);

#endif
