// SPDX-License-Identifier: MIT
// Named results that guests report through the results ports (docs/isa.md 9.5,
// DENALI_PORT_STAT_ADD / DENALI_PORT_STAT_SAMPLE): counters and sample histograms
// (hist.h), per machine, summed over its VMs. The kernel owns one `struct results`;
// guests can only add to it, through checked requests, and a bad or refused request
// costs the guest an error code and nothing else.
//
// Isolation: what one VM reports never changes what another VM's reports return. Each
// VM has its own limit (DENALI_STATS_PER_VM names) and its own kinds (a VM that used a
// name as a counter cannot sample it); the machine sums per (name, kind), so two VMs
// using one name as different kinds get two entries. Host memory is bounded per VM:
// DENALI_STATS_PER_VM entries, each at most one histogram (about 15 KiB).
#ifndef DENALI_VMM_RESULTS_H
#define DENALI_VMM_RESULTS_H

#include <stdint.h>

#include "denali/abi.h"
#include "vmm/hist.h"
#include "vmm/pack.h"

enum results_kind { RESULTS_COUNTER = 1, RESULTS_SAMPLE = 2 };

struct results_entry {
	char name[DENALI_STAT_NAME_MAX + 1];
	uint8_t kind;      // enum results_kind
	uint64_t count;    // counters: reports
	uint64_t sum;      // counters: their sum, modulo 2^64 (a hostile guest may wrap it)
	struct hist *hist; // samples: count, sum, min, max, buckets
};

// The names one VM has reported: indexes into results.e, in order of its first report.
struct results_vm {
	uint32_t *used;
	uint32_t n;        // at most DENALI_STATS_PER_VM
};

struct results {
	struct results_entry *e; // entries (name, kind) in order of first report
	uint32_t n, cap;
	uint32_t *hash;          // open addressing over e: index + 1, 0 = empty
	uint32_t hash_size;      // a power of two, at least 2 * n (0: no table yet)
	struct results_vm *vm;   // per VM, from the first report on (NULL before)
	uint32_t nvms;
	uint64_t rejected; // requests refused (bad name, full, wrong kind, bad buffer)
};

// An empty table for VMs 0..nvms-1.
void results_init(struct results *r, uint32_t nvms);
void results_free(struct results *r);

// VM vm_id adds v to its counter `name` (kind RESULTS_COUNTER) or records sample v
// (RESULTS_SAMPLE). name is len bytes, not NUL-terminated. Returns 0 or a
// DENALI_STAT_ERR_* value (never DENALI_STAT_ERR_FAULT: the caller checks guest
// memory): NAME for a bad name, KIND when this VM used the name as the other kind,
// FULL when this VM already used DENALI_STATS_PER_VM names or the host is out of memory.
uint32_t results_report(struct results *r, uint32_t vm_id, enum results_kind kind,
			const char *name, uint32_t len, uint64_t v);

// For a machine that ran in another process (outcome.c): appends the entry (name, kind)
// with its counter's count and sum, or a copy of its histogram (samples: h, else NULL).
// Returns 0, or -1 for a bad name or kind, an entry already there, or no host memory.
int results_restore(struct results *r, const char *name, uint8_t kind, uint64_t count,
		    uint64_t sum, const struct hist *h);

// The first entry called name (NUL-terminated), of either kind, or NULL.
const struct results_entry *results_find(const struct results *r, const char *name);
// The entry (name, kind), or NULL.
const struct results_entry *results_find_kind(const struct results *r, const char *name,
					      enum results_kind kind);

// Reports and their sum, whatever the kind.
uint64_t results_count(const struct results_entry *e);
uint64_t results_sum(const struct results_entry *e);

// Mixes every entry (name, kind, and its counts or histogram) into a digest value.
uint64_t results_digest(const struct results *r, uint64_t h);

// Checkpoints (kernel_ckpt.c): every entry and each VM's names, and back into a fresh
// table (results_init'ed for the same VMs). Load returns 0, or -1 on bytes that do not
// describe a valid table (untrusted: names, kinds, counts and indices are checked).
void results_ckpt_save(const struct results *r, struct pack *b);
int results_ckpt_load(struct results *r, struct unpack *u);

#endif
