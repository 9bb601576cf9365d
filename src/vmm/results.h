// SPDX-License-Identifier: MIT
// Named results that guests report through the results ports (docs/isa.md 9.5,
// DENALI_PORT_STAT_ADD / DENALI_PORT_STAT_SAMPLE): counters and sample histograms
// (hist.h), per machine, summed over its VMs. The kernel owns one `struct results`;
// guests can only add to it, through checked requests, and a full table or a bad name
// costs the guest an error code and nothing else.
#ifndef DENALI_VMM_RESULTS_H
#define DENALI_VMM_RESULTS_H

#include <stdint.h>

#include "denali/abi.h"
#include "vmm/hist.h"

enum results_kind { RESULTS_COUNTER = 1, RESULTS_SAMPLE = 2 };

struct results_entry {
	char name[DENALI_STAT_NAME_MAX + 1];
	uint8_t kind;      // enum results_kind
	uint64_t count;    // counters: reports
	uint64_t sum;      // counters: their sum, modulo 2^64 (a hostile guest may wrap it)
	struct hist *hist; // samples: count, sum, min, max, buckets
};

struct results {
	struct results_entry e[DENALI_STATS_PER_MACHINE];
	uint32_t n;        // entries in use, in order of first report
	uint64_t rejected; // requests refused (bad name, full, wrong kind, bad buffer)
};

void results_init(struct results *r);
void results_free(struct results *r);

// Adds v to counter `name` (kind RESULTS_COUNTER) or records sample v (RESULTS_SAMPLE).
// name is len bytes, not NUL-terminated. Returns 0 or a DENALI_STAT_ERR_* value
// (never DENALI_STAT_ERR_FAULT: the caller checks guest memory). A host allocation
// failure returns DENALI_STAT_ERR_FULL.
uint32_t results_report(struct results *r, enum results_kind kind, const char *name,
			uint32_t len, uint64_t v);

// The entry called name (NUL-terminated), or NULL.
const struct results_entry *results_find(const struct results *r, const char *name);

// Reports and their sum, whatever the kind.
uint64_t results_count(const struct results_entry *e);
uint64_t results_sum(const struct results_entry *e);

// Mixes every entry (name, kind, and its counts or histogram) into a digest value.
uint64_t results_digest(const struct results *r, uint64_t h);

#endif
