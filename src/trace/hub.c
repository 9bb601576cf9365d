// SPDX-License-Identifier: MIT
// Time-ordered output merging (hub.h). Records live in one growable byte array per
// machine: [uint64 time][uint32 stream][uint32 len][bytes...], consumed from the front
// at each flush.
#include "trace/hub.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct hub_rec {
	uint64_t t;
	uint32_t s, len;
};

struct hub_buf {
	char *b;
	size_t len, cap, pos; // bytes used; capacity; the first unflushed record
	bool oom;             // a record could not be kept (counted as dropped)
};

struct hub_stream {
	FILE *f;
	uint64_t limit, written, dropped;
	uint64_t seen, hide; // records that reached the stream; the first `hide` not shown
	bool full, failed;
};

struct hub {
	uint32_t n;
	struct hub_buf *m;
	struct hub_stream s[HUB_MAX_STREAMS];
	int ns;
};

struct hub *hub_new(uint32_t nmachines)
{
	struct hub *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->n = nmachines ? nmachines : 1;
	h->m = calloc(h->n, sizeof *h->m);
	if (!h->m) {
		free(h);
		return NULL;
	}
	return h;
}

void hub_free(struct hub *h)
{
	if (!h)
		return;
	for (uint32_t i = 0; i < h->n; i++)
		free(h->m[i].b);
	free(h->m);
	free(h);
}

int hub_stream(struct hub *h, FILE *f, uint64_t limit)
{
	if (h->ns == HUB_MAX_STREAMS)
		return -1;
	h->s[h->ns] = (struct hub_stream){ .f = f, .limit = limit };
	return h->ns++;
}

// Writes one record to its stream, honouring the limit.
static void out(struct hub *h, int s, const char *bytes, size_t len)
{
	struct hub_stream *st = &h->s[s];
	st->seen++;
	if (st->written >= st->limit) {
		st->full = true;
		st->dropped++;
		return;
	}
	st->written++;
	if (st->seen <= st->hide)
		return; // counted as written: a replay shows only what is new
	if (fwrite(bytes, 1, len, st->f) != len)
		st->failed = true;
}

bool hub_write(struct hub *h, uint32_t m, uint64_t t, int s, const char *bytes, size_t len)
{
	if (s < 0 || s >= h->ns)
		return false;
	if (h->n == 1) { // one machine: nothing to merge
		out(h, s, bytes, len);
		return !h->s[s].full;
	}
	struct hub_buf *b = &h->m[m < h->n ? m : 0];
	size_t need = sizeof(struct hub_rec) + len;
	if (b->len + need > b->cap) {
		// Drop what was flushed before growing.
		if (b->pos) {
			memmove(b->b, b->b + b->pos, b->len - b->pos);
			b->len -= b->pos;
			b->pos = 0;
		}
		if (b->len + need > b->cap) {
			size_t cap = b->cap ? b->cap : 65536;
			while (cap < b->len + need)
				cap *= 2;
			char *nb = realloc(b->b, cap);
			if (!nb) {
				b->oom = true;
				h->s[s].dropped++;
				return false;
			}
			b->b = nb;
			b->cap = cap;
		}
	}
	struct hub_rec r = { t, (uint32_t)s, (uint32_t)len };
	memcpy(b->b + b->len, &r, sizeof r);
	memcpy(b->b + b->len + sizeof r, bytes, len);
	b->len += need;
	return !h->s[s].full;
}

bool hub_printf(struct hub *h, uint32_t m, uint64_t t, int s, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	return hub_write(h, m, t, s, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

// The next record of machine i, or false.
static bool peek(const struct hub *h, uint32_t i, struct hub_rec *r)
{
	const struct hub_buf *b = &h->m[i];
	if (b->pos >= b->len)
		return false;
	memcpy(r, b->b + b->pos, sizeof *r);
	return true;
}

void hub_flush(struct hub *h, uint64_t upto)
{
	if (h->n > 1) {
		for (;;) {
			int best = -1;
			struct hub_rec br = { 0 }, r;
			for (uint32_t i = 0; i < h->n; i++)
				if (peek(h, i, &r) && r.t <= upto && (best < 0 || r.t < br.t))
					best = (int)i, br = r; // equal times: the lower machine first
			if (best < 0)
				break;
			struct hub_buf *b = &h->m[best];
			out(h, (int)br.s, b->b + b->pos + sizeof br, br.len);
			b->pos += sizeof br + br.len;
		}
		for (uint32_t i = 0; i < h->n; i++)
			if (h->m[i].pos == h->m[i].len)
				h->m[i].pos = h->m[i].len = 0;
	}
	for (int s = 0; s < h->ns; s++) {
		if (fflush(h->s[s].f) != 0 || ferror(h->s[s].f))
			h->s[s].failed = true;
	}
}

bool hub_full(const struct hub *h, int s)
{
	return s >= 0 && s < h->ns && h->s[s].full;
}

uint64_t hub_written(const struct hub *h, int s)
{
	return s >= 0 && s < h->ns ? h->s[s].written : 0;
}

uint64_t hub_dropped(const struct hub *h, int s)
{
	return s >= 0 && s < h->ns ? h->s[s].dropped : 0;
}

bool hub_failed(const struct hub *h, int s)
{
	return s >= 0 && s < h->ns && h->s[s].failed;
}

uint64_t hub_seen(const struct hub *h, int s)
{
	return s >= 0 && s < h->ns ? h->s[s].seen : 0;
}

void hub_hide(struct hub *h, int s, uint64_t upto)
{
	if (s >= 0 && s < h->ns)
		h->s[s].hide = upto;
}

FILE *hub_file(const struct hub *h, int s)
{
	return s >= 0 && s < h->ns ? h->s[s].f : NULL;
}

int hub_streams(const struct hub *h)
{
	return h->ns;
}
