// SPDX-License-Identifier: MIT
// A sampling profile of guest code (denali run --profile FILE, docs/experiments.md
// "Profiling guests"): every `interval` cycles of a VM's own execution, the EIP it has
// reached is counted. Samples are taken in simulated time, at block ends: the kernel
// splits a CPU run at the next sample point and resumes it at once, without
// rewriting the virtual registers or delivering anything in between, so a profiled
// run retires the same instructions, in the same simulated time, with the same digest
// as an unprofiled one (tests/vmm/test_profile.c checks it).
#ifndef DENALI_VMM_PROFILE_H
#define DENALI_VMM_PROFILE_H

#include <stdint.h>

#include "vmm/pack.h"

struct profile_slot {
	uint32_t eip;   // 0: empty (EIP 0 is never executable: page 0 is unmapped)
	uint64_t count;
};

struct profile {
	uint64_t interval;  // cycles between samples
	uint64_t samples;
	uint64_t dropped;   // samples lost to a failed allocation
	struct profile_slot *slot;
	uint32_t cap, used; // open addressing, cap a power of two
};

// 0, or -1 when interval is 0 or memory is short.
int profile_init(struct profile *p, uint64_t interval);
void profile_free(struct profile *p);
// Counts one sample at eip.
void profile_add(struct profile *p, uint32_t eip);
// The slots in use, sorted by count (descending), then EIP; *n gets their number.
// Returns a malloc'd array (NULL when empty or out of memory).
struct profile_slot *profile_sorted(const struct profile *p, uint32_t *n);

// Checkpoints (kernel_ckpt.c): the counts so far. Load into a profile just made by
// profile_init with the same interval: 0, or -1 when the bytes are bad.
void profile_ckpt_save(const struct profile *p, struct pack *b);
int profile_ckpt_load(struct profile *p, struct unpack *u);

#endif
