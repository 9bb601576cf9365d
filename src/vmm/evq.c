// SPDX-License-Identifier: MIT
// The event queue (interface and ordering rule in evq.h): an array-backed binary heap.
// The heap invariant: heap[i] is not later than heap[2i+1] and heap[2i+2] under
// before(), which compares (time, seq); seq values are unique, so the order is total.
#include "vmm/evq.h"

#include <stdlib.h>

static bool before(const struct evq_event *a, const struct evq_event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

void evq_init(struct evq *q)
{
	q->heap = NULL;
	q->len = q->cap = 0;
	q->next_seq = 0;
}

void evq_free(struct evq *q)
{
	free(q->heap);
	evq_init(q);
}

uint64_t evq_push(struct evq *q, uint64_t time, uint32_t kind, uint32_t target,
		  uint64_t tag)
{
	if (q->len == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct evq_event *h = realloc(q->heap, cap * sizeof *h);
		if (!h)
			return UINT64_MAX;
		q->heap = h;
		q->cap = cap;
	}
	struct evq_event e = { .time = time, .seq = q->next_seq++, .kind = kind,
			       .target = target, .tag = tag };
	size_t i = q->len++;
	while (i > 0) { // sift up
		size_t parent = (i - 1) / 2;
		if (!before(&e, &q->heap[parent]))
			break;
		q->heap[i] = q->heap[parent];
		i = parent;
	}
	q->heap[i] = e;
	return e.seq;
}

const struct evq_event *evq_peek(const struct evq *q)
{
	return q->len ? &q->heap[0] : NULL;
}

bool evq_pop(struct evq *q, struct evq_event *out)
{
	if (!q->len)
		return false;
	*out = q->heap[0];
	struct evq_event last = q->heap[--q->len];
	size_t i = 0, n = q->len;
	for (;;) { // sift `last` down from the root
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (n)
		q->heap[i] = last;
	return true;
}
