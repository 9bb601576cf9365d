// SPDX-License-Identifier: MIT
// The devices' checkpoint byte writer and reader (devstate.h).
#include "devices/devstate.h"

#include <stdlib.h>
#include <string.h>

void devstate_w_free(struct devstate_w *w)
{
	free(w->p);
	memset(w, 0, sizeof *w);
}

void devstate_raw(struct devstate_w *w, const void *src, size_t n)
{
	if (w->oom || !n)
		return;
	if (n > w->cap - w->len) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap - w->len < n) {
			if (cap > SIZE_MAX / 2) {
				w->oom = true;
				return;
			}
			cap *= 2;
		}
		uint8_t *p = realloc(w->p, cap);
		if (!p) {
			w->oom = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

void devstate_u8(struct devstate_w *w, uint8_t v)
{
	devstate_raw(w, &v, 1);
}

void devstate_u32(struct devstate_w *w, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	devstate_raw(w, b, 4);
}

void devstate_u64(struct devstate_w *w, uint64_t v)
{
	devstate_u32(w, (uint32_t)v);
	devstate_u32(w, (uint32_t)(v >> 32));
}

const uint8_t *devstate_get_raw(struct devstate_r *r, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t devstate_get_u8(struct devstate_r *r)
{
	const uint8_t *p = devstate_get_raw(r, 1);
	return p ? p[0] : 0;
}

uint32_t devstate_get_u32(struct devstate_r *r)
{
	const uint8_t *p = devstate_get_raw(r, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			       (uint32_t)p[3] << 24
		 : 0;
}

uint64_t devstate_get_u64(struct devstate_r *r)
{
	uint64_t lo = devstate_get_u32(r);
	return lo | (uint64_t)devstate_get_u32(r) << 32;
}
