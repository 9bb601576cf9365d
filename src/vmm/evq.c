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

// Places e at index i or below it, moving earlier children up; both subtrees of i must
// already be heaps (heap[i] itself is overwritten).
static void sift_down(struct evq *q, size_t i, struct evq_event e)
{
	size_t n = q->len;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!before(&q->heap[c], &e))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	q->heap[i] = e;
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
	if (q->len)
		sift_down(q, 0, last);
	return true;
}

size_t evq_remove_if(struct evq *q, bool (*drop)(void *ctx, const struct evq_event *e),
		     void *ctx)
{
	size_t n = 0;
	for (size_t i = 0; i < q->len; i++)
		if (!drop(ctx, &q->heap[i]))
			q->heap[n++] = q->heap[i];
	size_t removed = q->len - n;
	q->len = n;
	if (removed) // rebuild the heap bottom-up (Floyd)
		for (size_t i = n / 2; i-- > 0;)
			sift_down(q, i, q->heap[i]);
	return removed;
}

int evq_restore(struct evq *q, const struct evq_event *ev, size_t n, uint64_t next_seq)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].seq >= next_seq)
			return -1;
	struct evq_event *h = n ? malloc(n * sizeof *h) : NULL;
	if (n && !h)
		return -1;
	free(q->heap);
	q->heap = h;
	q->len = q->cap = n;
	q->next_seq = next_seq;
	for (size_t i = 0; i < n; i++)
		h[i] = ev[i];
	for (size_t i = n / 2; i-- > 0;) // Floyd, as evq_remove_if
		sift_down(q, i, q->heap[i]);
	return 0;
}
