// SPDX-License-Identifier: MIT
// Named results that guests report through the results ports (docs/isa.md 9.5,
// DENALI_PORT_STAT_ADD / DENALI_PORT_STAT_SAMPLE): counters and sample histograms,
// per machine, summed over its VMs. The kernel owns one `struct results`; guests can
// only add to it, through checked requests, and a full table or a bad name costs the
// guest an error code and nothing else.
//
// Histograms are log-linear: values below 32 have a bucket each; above, every power of
// two is split into 32 buckets, so a reported percentile (a bucket's lower bound) is at
// most 1/32 (3.1%) below the true value. Everything is integer and deterministic.
#ifndef DENALI_VMM_RESULTS_H
#define DENALI_VMM_RESULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "denali/abi.h"

#define RESULTS_SUB_BITS 5u
#define RESULTS_SUB (1u << RESULTS_SUB_BITS)
#define RESULTS_BUCKETS (RESULTS_SUB + (64u - RESULTS_SUB_BITS) * RESULTS_SUB)

enum results_kind { RESULTS_COUNTER = 1, RESULTS_SAMPLE = 2 };

struct results_hist {
	uint64_t bucket[RESULTS_BUCKETS];
};

struct results_entry {
	char name[DENALI_STAT_NAME_MAX + 1];
	uint8_t kind;      // enum results_kind
	uint64_t count;    // adds or samples
	uint64_t sum;      // wraps modulo 2^64 (a hostile guest may overflow it)
	uint64_t min, max; // samples only
	struct results_hist *hist; // samples only
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

// The bucket of v, and the smallest value in bucket i.
uint32_t results_bucket(uint64_t v);
uint64_t results_bucket_lower(uint32_t i);

// The q-quantile (per mille, 0..1000) of a sample entry: the lower bound of the bucket
// holding the sample of rank ceil(q/1000 * count), clamped to [min, max]. 0 when empty.
uint64_t results_quantile(const struct results_entry *e, uint32_t permille);

// Mixes every entry (name, kind, count, sum, min, max, histogram) into a digest value.
uint64_t results_digest(const struct results *r, uint64_t h);

#endif
