// SPDX-License-Identifier: MIT
// Byte buffers between processes (pack.h): a growing writer, a checked reader.
#include "vmm/pack.h"

#include <stdlib.h>
#include <string.h>

void pack_init(struct pack *b)
{
	memset(b, 0, sizeof *b);
}

void pack_free(struct pack *b)
{
	free(b->p);
	pack_init(b);
}

static uint8_t *grow(struct pack *b, size_t n)
{
	if (b->oom)
		return NULL;
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2) {
				b->oom = true;
				return NULL;
			}
			cap *= 2;
		}
		uint8_t *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	uint8_t *at = b->p + b->len;
	b->len += n;
	return at;
}

void pack_raw(struct pack *b, const void *src, size_t n)
{
	uint8_t *at = n ? grow(b, n) : NULL;
	if (at)
		memcpy(at, src, n);
}

void pack_u8(struct pack *b, uint8_t v)
{
	pack_raw(b, &v, 1);
}

void pack_u32(struct pack *b, uint32_t v)
{
	uint8_t x[4];
	for (int i = 0; i < 4; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	pack_raw(b, x, sizeof x);
}

void pack_u64(struct pack *b, uint64_t v)
{
	uint8_t x[8];
	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	pack_raw(b, x, sizeof x);
}

void pack_bytes(struct pack *b, const void *src, uint32_t n)
{
	pack_u32(b, n);
	pack_raw(b, src, n);
}

void unpack_init(struct unpack *u, const void *p, size_t len)
{
	*u = (struct unpack){ .p = p, .len = len };
}

// n bytes at the read position, or NULL (and bad) past the end.
static const uint8_t *take(struct unpack *u, size_t n)
{
	if (u->bad || n > u->len - u->off) {
		u->bad = true;
		return NULL;
	}
	const uint8_t *at = u->p + u->off;
	u->off += n;
	return at;
}

void unpack_raw(struct unpack *u, void *dst, size_t n)
{
	const uint8_t *at = take(u, n);
	if (at)
		memcpy(dst, at, n);
	else
		memset(dst, 0, n);
}

uint8_t unpack_u8(struct unpack *u)
{
	const uint8_t *at = take(u, 1);
	return at ? at[0] : 0;
}

uint32_t unpack_u32(struct unpack *u)
{
	const uint8_t *at = take(u, 4);
	uint32_t v = 0;
	for (int i = 0; at && i < 4; i++)
		v |= (uint32_t)at[i] << (8 * i);
	return v;
}

uint64_t unpack_u64(struct unpack *u)
{
	const uint8_t *at = take(u, 8);
	uint64_t v = 0;
	for (int i = 0; at && i < 8; i++)
		v |= (uint64_t)at[i] << (8 * i);
	return v;
}

const uint8_t *unpack_bytes(struct unpack *u, uint32_t max, uint32_t *n)
{
	*n = unpack_u32(u);
	if (*n > max)
		u->bad = true;
	const uint8_t *at = u->bad ? NULL : take(u, *n);
	if (!at)
		*n = 0;
	return at;
}

bool unpack_done(const struct unpack *u)
{
	return !u->bad && u->off == u->len;
}
