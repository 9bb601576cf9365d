// SPDX-License-Identifier: MIT
// Scheduler policies behind a small interface (sched.c): which runnable VM the kernel
// dispatches next. The kernel decides *when* (quantum, idle, interrupts); the policy
// only orders the runnable VMs.
//
// Where a VM is queued (enum sched_where):
//   SCHED_TAIL    its quantum ended, or it is new: behind everyone
//   SCHED_HEAD    it was preempted before its quantum ended: first among the normal VMs
//   SCHED_BOOST   it woke from idle: the paper's priority boost, ahead of every normal
//                 VM, FIFO among boosted VMs
//   SCHED_URGENT  an interrupt under the sync policy: ahead of everyone, even boosted
// Policies:
//   rr      round-robin (the paper's): three FIFO lists, urgent, boosted, normal.
//   stride  stride scheduling (Waldspurger): each VM has tickets; a dispatch that used
//           c cycles advances its pass by c * 2^20 / tickets; the normal VM with the
//           lowest pass runs next (ties: queue order). A VM waking from idle gets
//           pass = max(its pass, the pass of the last normal VM picked), so sleeping
//           earns no credit. Boosted and urgent VMs go first, in FIFO order.
// Both are O(1) (rr) or O(log n) (stride) per operation and deterministic.
#ifndef DENALI_VMM_SCHED_H
#define DENALI_VMM_SCHED_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/pack.h"

enum sched_kind { SCHED_RR = 0, SCHED_STRIDE, SCHED_KINDS };
enum sched_where { SCHED_TAIL = 0, SCHED_HEAD, SCHED_BOOST, SCHED_URGENT };

#define SCHED_NONE UINT32_MAX
#define SCHED_STRIDE1 (1u << 20)

struct sched;

struct sched_ops {
	const char *name;
	void (*enqueue)(struct sched *s, uint32_t id, enum sched_where w);
	void (*remove)(struct sched *s, uint32_t id); // id must be queued
	uint32_t (*pick)(struct sched *s);            // dequeues; SCHED_NONE when empty
	void (*charge)(struct sched *s, uint32_t id, uint64_t cycles);
};

struct sched {
	const struct sched_ops *ops;
	uint32_t n;      // VM ids 0..n-1
	uint32_t len;    // VMs queued
	uint8_t *where;  // per VM: 0 = not queued, else 1 + list/class
	// rr: intrusive doubly-linked FIFO lists (0: urgent, 1: boosted, 2: normal)
	uint32_t *next, *prev;
	uint32_t head[3], tail[3];
	// stride: a binary heap of ids keyed by (class, pass, seq)
	uint32_t *heap, *pos, *tickets;
	uint64_t *pass, *seq;
	uint64_t next_seq, vpass;
};

// Builds a scheduler for n VMs; tickets (stride; NULL = 100 each) is copied.
// Returns 0, or -1 when out of memory.
int sched_init(struct sched *s, enum sched_kind kind, uint32_t n, const uint32_t *tickets);
void sched_free(struct sched *s);
const char *sched_name(enum sched_kind kind);
// Parses "rr" or "stride". Returns 0 or -1.
int sched_parse(const char *s, enum sched_kind *kind);

// Checkpoints (kernel_ckpt.c): the queue's whole state, and back into a scheduler built
// by sched_init with the same kind and n. Load returns 0, or -1 when the bytes do not
// describe a consistent queue (untrusted input: every id is checked).
void sched_ckpt_save(const struct sched *s, struct pack *b);
int sched_ckpt_load(struct sched *s, struct unpack *u);

static inline bool sched_queued(const struct sched *s, uint32_t id)
{
	return s->where[id] != 0;
}
// Whether id is queued as SCHED_URGENT.
static inline bool sched_urgent(const struct sched *s, uint32_t id)
{
	return s->where[id] == 1 + 0; // class 0 (sched.c)
}
static inline void sched_enqueue(struct sched *s, uint32_t id, enum sched_where w)
{
	assert(id < s->n && !sched_queued(s, id)); // queued at most once
	s->ops->enqueue(s, id, w);
}
static inline void sched_remove(struct sched *s, uint32_t id)
{
	assert(id < s->n && sched_queued(s, id));
	s->ops->remove(s, id);
}
static inline uint32_t sched_pick(struct sched *s)
{
	return s->ops->pick(s);
}
static inline void sched_charge(struct sched *s, uint32_t id, uint64_t cycles)
{
	s->ops->charge(s, id, cycles);
}

#endif
