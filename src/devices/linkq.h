// SPDX-License-Identifier: MIT
// A time-ordered queue of Ethernet frames on the link between machines (linkq.c):
// a binary min-heap keyed by (arrival time, source machine, sequence number), so frames
// come out in one order that depends on nothing but the simulation. The multi-machine
// run (src/vmm/world.c) collects a round's uplink frames in one, and each machine's
// devices (devset.c) keep the frames still to enter their switch in another.
#ifndef DENALI_DEVICES_LINKQ_H
#define DENALI_DEVICES_LINKQ_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/devstate.h"

struct linkq_frame {
	uint64_t t_ns;     // arrival time at the receiving machine's switch
	uint32_t src;      // the sending machine
	uint64_t seq;      // the link's sequence number: ties at equal (t_ns, src)
	uint32_t len;
	uint8_t *data;     // malloc'd copy, owned by the queue until popped
};

struct linkq {
	struct linkq_frame *h; // the heap, h[0] the least
	uint32_t len, cap;
};

void linkq_init(struct linkq *q);
// Frees every frame still queued.
void linkq_free(struct linkq *q);
// Queues a copy of the frame. Returns 0, or -1 when out of memory (nothing queued).
int linkq_push(struct linkq *q, uint64_t t_ns, uint32_t src, uint64_t seq,
	       const uint8_t *frame, uint32_t len) __attribute__((warn_unused_result));
// The least frame, or NULL when empty (valid until the next push or pop).
const struct linkq_frame *linkq_peek(const struct linkq *q);
// Removes the least frame into *out (the caller frees out->data). Returns false when
// empty.
bool linkq_pop(struct linkq *q, struct linkq_frame *out);
// Host bytes the queue holds: the heap array and the queued frames.
uint64_t linkq_host_bytes(const struct linkq *q);

// Checkpoints: the queued frames, and back into an empty queue (frames longer than
// max_len refused). Load returns 0 or -1.
void linkq_ckpt_save(const struct linkq *q, struct devstate_w *w);
int linkq_ckpt_load(struct linkq *q, struct devstate_r *r, uint32_t max_len);

#endif
