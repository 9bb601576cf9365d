// SPDX-License-Identifier: MIT
// The in-memory Ethernet segment of wire.h.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

uint32_t wire_rand(struct wire *w, uint32_t n)
{
	// splitmix64: a seeded, portable generator (the seed is printed by failing tests)
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return n ? (uint32_t)(z % n) : 0;
}

void wire_init(struct wire *w, uint64_t seed)
{
	memset(w, 0, sizeof(*w));
	w->rng = seed;
	w->latency_ns = 50000;
	w->now_ns = 1000000000ull; // start at 1 s, so "time 0" is never special
	w->check_checksums = 1;
}

static int h_send(void *ctx, const uint8_t *frame, uint32_t len);
static uint64_t h_now(void *ctx) { return ((struct wire_host *)ctx)->w->now_ns; }
static void h_timer(void *ctx, uint64_t d) { ((struct wire_host *)ctx)->deadline_ns = d; }
static void h_wake(void *ctx, struct nsock *s, void *user)
{
	(void)s;
	(void)user;
	((struct wire_host *)ctx)->wakes++;
}

static struct wire_host *add(struct wire *w)
{
	if (w->nhosts >= WIRE_HOSTS)
		abort();
	struct wire_host *h = &w->hosts[w->nhosts];
	memset(h, 0, sizeof(*h));
	h->w = w;
	h->index = w->nhosts++;
	uint8_t mac[6] = { 2, 0, 0, 0, 0, (uint8_t)(h->index + 1) };
	memcpy(h->mac, mac, 6);
	h->ip = 0x0a000000u + (uint32_t)h->index + 1;
	h->deadline_ns = WIRE_NEVER;
	return h;
}

struct wire_host *wire_add_host(struct wire *w, const struct denali_net_config *cfg)
{
	struct wire_host *h = add(w);
	struct net_ops ops = { h, h_send, h_now, h_timer, h_wake };
	h->net = net_create(&ops, h->mac, h->ip, cfg);
	if (!h->net)
		abort();
	return h;
}

struct wire_host *wire_add_raw(struct wire *w)
{
	return add(w);
}

static void enqueue(struct wire *w, int from, const uint8_t *frame, uint32_t len, uint64_t at)
{
	struct wire_frame *f = malloc(sizeof(*f));
	if (!f)
		abort();
	f->from = from;
	f->len = len;
	f->at_ns = at;
	memcpy(f->data, frame, len);
	struct wire_frame **pp = &w->q;
	while (*pp && (*pp)->at_ns <= at)
		pp = &(*pp)->next;
	f->next = *pp;
	*pp = f;
}

static int h_send(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct wire_host *h = ctx;
	struct wire *w = h->w;
	if (len < 14 || len > 1514) {
		fprintf(stderr, "wire: host %d sent a %u-byte frame\n", h->index, len);
		abort();
	}
	if (w->check_checksums && !wire_checksums_ok(frame, len)) {
		fprintf(stderr, "wire: host %d sent a frame with a bad checksum\n", h->index);
		w->bad_checksums++;
	}
	w->sent++;
	uint8_t buf[1514];
	memcpy(buf, frame, len);
	if (w->filter && !w->filter(w, h->index, buf, &len, w->filter_arg)) {
		w->lost++;
		return 0;
	}
	if (w->loss_pct && wire_rand(w, 100) < w->loss_pct) {
		w->lost++;
		return 0;
	}
	uint64_t at = w->now_ns + w->latency_ns;
	if (w->reorder_pct && wire_rand(w, 100) < w->reorder_pct) {
		at += w->latency_ns * (1 + wire_rand(w, 4)); // overtaken by later frames
		w->reordered++;
	}
	enqueue(w, h->index, buf, len, at);
	if (w->dup_pct && wire_rand(w, 100) < w->dup_pct) {
		enqueue(w, h->index, buf, len, at + w->latency_ns);
		w->duplicated++;
	}
	return 0;
}

void wire_inject(struct wire_host *h, const uint8_t *frame, uint32_t len)
{
	enqueue(h->w, h->index, frame, len, h->w->now_ns + h->w->latency_ns);
}

struct wire_frame *wire_raw_pop(struct wire_host *h)
{
	struct wire_frame *f = h->rx_head;
	if (f) {
		h->rx_head = f->next;
		if (!h->rx_head)
			h->rx_tail = NULL;
		h->rx_count--;
	}
	return f;
}

static void deliver_to(struct wire_host *h, const struct wire_frame *f)
{
	if (h->net) {
		net_input(h->net, f->data, f->len);
		return;
	}
	struct wire_frame *c = malloc(sizeof(*c));
	if (!c)
		abort();
	*c = *f;
	c->next = NULL;
	if (h->rx_tail)
		h->rx_tail->next = c;
	else
		h->rx_head = c;
	h->rx_tail = c;
	h->rx_count++;
}

static void deliver(struct wire *w, struct wire_frame *f)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	int broadcast = memcmp(f->data, bcast, 6) == 0;
	for (int i = 0; i < w->nhosts; i++) {
		struct wire_host *h = &w->hosts[i];
		if (i != f->from && (broadcast || memcmp(f->data, h->mac, 6) == 0))
			deliver_to(h, f);
	}
}

// Events handled at one instant before wire_run calls it a livelock (a timer re-armed
// for "now" for ever, a frame bouncing without delay) and aborts the test, rather than
// spinning until meson's timeout. Real bursts are thousands of frames, not millions.
#define WIRE_MAX_EVENTS_AT_ONE_TIME 10000000u

int wire_run(struct wire *w, uint64_t limit_ns, int (*step)(void *arg), void *arg)
{
	uint64_t end = w->now_ns + limit_ns, at = w->now_ns;
	uint32_t events_at = 0;
	for (;;) {
		if (step && step(arg))
			return 1;
		if (w->now_ns != at) {
			at = w->now_ns;
			events_at = 0;
		} else if (++events_at > WIRE_MAX_EVENTS_AT_ONE_TIME) {
			fprintf(stderr, "wire_run: %u events at %llu ns without time advancing: "
				"a livelock\n", events_at, (unsigned long long)at);
			abort();
		}
		uint64_t t = w->q ? w->q->at_ns : WIRE_NEVER;
		for (int i = 0; i < w->nhosts; i++)
			if (w->hosts[i].deadline_ns < t)
				t = w->hosts[i].deadline_ns;
		if (t == WIRE_NEVER || t > end) {
			w->now_ns = end;
			return step ? step(arg) != 0 : 0;
		}
		if (t > w->now_ns)
			w->now_ns = t;
		if (w->q && w->q->at_ns <= w->now_ns) {
			struct wire_frame *f = w->q;
			w->q = f->next;
			deliver(w, f);
			free(f);
			continue;
		}
		for (int i = 0; i < w->nhosts; i++) {
			struct wire_host *h = &w->hosts[i];
			if (h->net && h->deadline_ns <= w->now_ns) {
				h->deadline_ns = WIRE_NEVER;
				net_timer(h->net);
			}
		}
	}
}

void wire_free(struct wire *w)
{
	while (w->q) {
		struct wire_frame *f = w->q;
		w->q = f->next;
		free(f);
	}
	for (int i = 0; i < w->nhosts; i++) {
		struct wire_host *h = &w->hosts[i];
		struct wire_frame *f;
		while ((f = wire_raw_pop(h)))
			free(f);
		net_destroy(h->net);
		h->net = NULL;
	}
}

// --- an independent checksum implementation (not the core's cksum.c)

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint16_t ones_sum(const uint8_t *p, uint32_t len, uint64_t extra)
{
	uint64_t s = extra;
	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += be16(p + i);
	if (len & 1)
		s += (uint64_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

int wire_checksums_ok(const uint8_t *f, uint32_t len)
{
	if (len < 34 || be16(f + 12) != 0x0800)
		return 1;
	const uint8_t *ip = f + 14;
	uint32_t hl = (ip[0] & 15u) * 4u, tot = be16(ip + 2);
	if (hl < 20 || tot < hl || 14 + tot > len)
		return 0;
	if (ones_sum(ip, hl, 0) != 0xffff)
		return 0;
	const uint8_t *l4 = ip + hl;
	uint32_t l4len = tot - hl;
	uint64_t pseudo = be16(ip + 12) + be16(ip + 14) + be16(ip + 16) + be16(ip + 18) +
			  ip[9] + l4len;
	switch (ip[9]) {
	case 1:
		return ones_sum(l4, l4len, 0) == 0xffff;
	case 6:
		return ones_sum(l4, l4len, pseudo) == 0xffff;
	case 17:
		if (l4len >= 8 && be16(l4 + 6) == 0)
			return 1;
		return ones_sum(l4, l4len, pseudo) == 0xffff;
	default:
		return 1;
	}
}
