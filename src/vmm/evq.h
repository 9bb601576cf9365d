// SPDX-License-Identifier: MIT
// A deterministic event queue (evq.c): a binary min-heap ordered by (time, seq), where
// seq is the queue's push counter. Two events at the same time therefore pop in push
// order, never in an order that depends on the heap's shape or on host addresses.
// Events are plain values: a kind, a target number (e.g. a VM id) and a tag (e.g. a
// wake-up generation, so a stale event can be recognised and dropped by its consumer).
#ifndef DENALI_VMM_EVQ_H
#define DENALI_VMM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evq_event {
	uint64_t time; // simulated cycles
	uint64_t seq;  // push order (assigned by evq_push)
	uint32_t kind; // consumer-defined
	uint32_t target;
	uint64_t tag;
};

struct evq {
	struct evq_event *heap;
	size_t len, cap;
	uint64_t next_seq;
};

void evq_init(struct evq *q);
void evq_free(struct evq *q);
// Adds an event. Returns its seq, or UINT64_MAX when out of memory (nothing added).
uint64_t evq_push(struct evq *q, uint64_t time, uint32_t kind, uint32_t target,
		  uint64_t tag) __attribute__((warn_unused_result));
// The earliest event, or NULL when empty. Valid until the next push or pop.
const struct evq_event *evq_peek(const struct evq *q);
// Removes the earliest event into *out. Returns false when empty.
bool evq_pop(struct evq *q, struct evq_event *out);
// Removes every event for which drop(ctx, event) is true, in O(len). The others keep
// their order: (time, seq) is a total order, so rebuilding the heap cannot reorder
// them. Returns how many were removed. drop must not touch the queue.
size_t evq_remove_if(struct evq *q, bool (*drop)(void *ctx, const struct evq_event *e),
		     void *ctx);
// Replaces the queue's contents by n events (a checkpoint's, kernel_ckpt.c) whose seq
// values were assigned before next_seq. Returns 0, or -1 (a seq not before next_seq, or
// out of memory: the queue is unchanged).
int evq_restore(struct evq *q, const struct evq_event *ev, size_t n, uint64_t next_seq);
static inline size_t evq_len(const struct evq *q) { return q->len; }

#endif
