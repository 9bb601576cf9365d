// SPDX-License-Identifier: MIT
// Byte rings for the TCP send and receive buffers (net_internal.h). Storage starts
// small and doubles up to the ring's cap, so a VM with hundreds of mostly idle
// connections pays only for the bytes actually buffered.
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

#define RING_FIRST 2048u

// Makes room for `need` bytes; 0 on success, -1 when out of memory.
static int grow(struct ring *r, uint32_t need)
{
	if (need <= r->size)
		return 0;
	uint32_t size = r->size ? r->size : RING_FIRST;
	while (size < need)
		size *= 2;
	if (size > r->cap && r->cap >= need)
		size = r->cap;
	uint8_t *b = malloc(size);
	if (!b)
		return -1;
	uint32_t got = ring_peek(r, 0, b, r->len);
	(void)got;
	free(r->buf);
	r->buf = b;
	r->size = size;
	r->head = 0;
	return 0;
}

uint32_t ring_write(struct ring *r, const void *src, uint32_t n)
{
	if (n > r->cap - r->len)
		n = r->cap - r->len;
	if (n == 0 || grow(r, r->len + n) != 0)
		return 0;
	const uint8_t *s = src;
	uint32_t tail = r->head + r->len;
	if (tail >= r->size)
		tail -= r->size;
	uint32_t first = r->size - tail < n ? r->size - tail : n;
	memcpy(r->buf + tail, s, first);
	memcpy(r->buf, s + first, n - first);
	r->len += n;
	return n;
}

uint32_t ring_peek(const struct ring *r, uint32_t off, void *dst, uint32_t n)
{
	if (off >= r->len)
		return 0;
	if (n > r->len - off)
		n = r->len - off;
	uint32_t at = r->head + off;
	if (at >= r->size)
		at -= r->size;
	uint32_t first = r->size - at < n ? r->size - at : n;
	uint8_t *d = dst;
	memcpy(d, r->buf + at, first);
	memcpy(d + first, r->buf, n - first);
	return n;
}

void ring_consume(struct ring *r, uint32_t n)
{
	if (n > r->len)
		n = r->len;
	r->head += n;
	if (r->head >= r->size)
		r->head -= r->size;
	r->len -= n;
	if (r->len == 0)
		r->head = 0;
}

void ring_free(struct ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->size = r->head = r->len = 0;
}
