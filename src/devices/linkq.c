// SPDX-License-Identifier: MIT
// The link's frame queue (linkq.h): a binary min-heap on (t_ns, src, seq). Keys are
// unique when every pusher numbers its frames, so the pop order is a total order that
// does not depend on the push order or on host addresses.
#include "devices/linkq.h"

#include <stdlib.h>
#include <string.h>

void linkq_init(struct linkq *q)
{
	memset(q, 0, sizeof *q);
}

void linkq_free(struct linkq *q)
{
	for (uint32_t i = 0; i < q->len; i++)
		free(q->h[i].data);
	free(q->h);
	linkq_init(q);
}

static bool less(const struct linkq_frame *a, const struct linkq_frame *b)
{
	if (a->t_ns != b->t_ns)
		return a->t_ns < b->t_ns;
	if (a->src != b->src)
		return a->src < b->src;
	return a->seq < b->seq;
}

static void swap(struct linkq_frame *a, struct linkq_frame *b)
{
	struct linkq_frame t = *a;
	*a = *b;
	*b = t;
}

int linkq_push(struct linkq *q, uint64_t t_ns, uint32_t src, uint64_t seq,
	       const uint8_t *frame, uint32_t len)
{
	if (q->len == q->cap) {
		uint32_t ncap = q->cap ? q->cap * 2 : 16;
		struct linkq_frame *nh = realloc(q->h, sizeof *nh * ncap);
		if (!nh)
			return -1;
		q->h = nh;
		q->cap = ncap;
	}
	uint8_t *data = malloc(len ? len : 1);
	if (!data)
		return -1;
	memcpy(data, frame, len);
	uint32_t i = q->len++;
	q->h[i] = (struct linkq_frame){ t_ns, src, seq, len, data };
	while (i > 0 && less(&q->h[i], &q->h[(i - 1) / 2])) { // sift up
		swap(&q->h[i], &q->h[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	return 0;
}

const struct linkq_frame *linkq_peek(const struct linkq *q)
{
	return q->len ? &q->h[0] : NULL;
}

bool linkq_pop(struct linkq *q, struct linkq_frame *out)
{
	if (!q->len)
		return false;
	*out = q->h[0];
	q->h[0] = q->h[--q->len];
	uint32_t i = 0;
	for (;;) { // sift down
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < q->len && less(&q->h[l], &q->h[m]))
			m = l;
		if (r < q->len && less(&q->h[r], &q->h[m]))
			m = r;
		if (m == i)
			break;
		swap(&q->h[i], &q->h[m]);
		i = m;
	}
	return true;
}

uint64_t linkq_host_bytes(const struct linkq *q)
{
	uint64_t b = (uint64_t)q->cap * sizeof(*q->h);
	for (uint32_t i = 0; i < q->len; i++)
		b += q->h[i].len;
	return b;
}

// --- checkpoints (devset.c, world.c) --------------------------------------------------

void linkq_ckpt_save(const struct linkq *q, struct devstate_w *w)
{
	devstate_u32(w, q->len);
	for (uint32_t i = 0; i < q->len; i++) {
		const struct linkq_frame *f = &q->h[i];
		devstate_u64(w, f->t_ns);
		devstate_u32(w, f->src);
		devstate_u64(w, f->seq);
		devstate_u32(w, f->len);
		devstate_raw(w, f->data, f->len);
	}
}

int linkq_ckpt_load(struct linkq *q, struct devstate_r *r, uint32_t max_len)
{
	uint32_t n = devstate_get_u32(r);
	if (r->bad || q->len)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t = devstate_get_u64(r);
		uint32_t src = devstate_get_u32(r);
		uint64_t seq = devstate_get_u64(r);
		uint32_t len = devstate_get_u32(r);
		const uint8_t *p = len <= max_len ? devstate_get_raw(r, len) : NULL;
		if (!p || linkq_push(q, t, src, seq, p, len) != 0)
			return -1;
	}
	return 0;
}
