// SPDX-License-Identifier: MIT
// The Ethernet switch (switch.h has the model): per-port transmit rings, one link with
// round-robin transmit scheduling, the in-flight ring, MAC learning and forwarding.
// Frame bytes are copied into malloc'd buffers; no host address reaches a result (the MAC
// table hashes the MAC value, and every order is a port number or a FIFO position).
#include <stdlib.h>
#include <string.h>

#include "devices/switch.h"

struct switch_frame {
	uint64_t t_ns;     // tx ring: when it was queued; fly ring: when it arrives
	uint32_t port;     // fly ring: the ingress port
	uint32_t len;
	uint8_t *data;
};

struct ring {
	struct switch_frame *f;
	uint32_t head, len, cap;
};

struct switch_port {
	switch_deliver_fn deliver;
	void *ctx;
	bool learn, up, lossy;
	struct ring txq;
	struct switch_port_stats st;
};

struct switch_mac {
	uint64_t key;      // MAC + 1 as a 48-bit big-endian number; 0 = empty slot
	uint32_t port;
	bool is_static;
};

void switch_config_default(struct switch_config *c)
{
	*c = (struct switch_config){
		.link_bps = 1000000000ull,
		.latency_ns = 10000,
		.mtu = 1500,
		.txq_frames = 512,
		.learn_max = 4096,
		.flood_unknown = false,
		.arp_steer = true,
	};
}

// --- rings ------------------------------------------------------------------------

static int ring_push(struct ring *r, const struct switch_frame *f)
{
	if (r->len == r->cap) {
		uint32_t ncap = r->cap ? r->cap * 2 : 8;
		struct switch_frame *nf = malloc(sizeof(*nf) * ncap);
		if (!nf)
			return -1;
		for (uint32_t i = 0; i < r->len; i++)
			nf[i] = r->f[(r->head + i) % r->cap];
		free(r->f);
		r->f = nf;
		r->head = 0;
		r->cap = ncap;
	}
	r->f[(r->head + r->len) % r->cap] = *f;
	r->len++;
	return 0;
}

static struct switch_frame ring_pop(struct ring *r)
{
	struct switch_frame f = r->f[r->head];
	r->head = (r->head + 1) % r->cap;
	r->len--;
	return f;
}

static void ring_free(struct ring *r)
{
	while (r->len)
		free(ring_pop(r).data);
	free(r->f);
	r->f = NULL;
	r->cap = 0;
}

// The in-flight frames live in a ring stored in struct sw's fly fields.
static struct ring fly_get(const struct sw *s)
{
	return (struct ring){ s->fly, s->fly_head, s->fly_len, s->fly_cap };
}

static void fly_put(struct sw *s, const struct ring *r)
{
	s->fly = r->f;
	s->fly_head = r->head;
	s->fly_len = r->len;
	s->fly_cap = r->cap;
}

// --- MAC table --------------------------------------------------------------------

static uint64_t mac_key(const uint8_t m[6])
{
	uint64_t k = 0;
	for (int i = 0; i < 6; i++)
		k = (k << 8) | m[i];
	return k + 1;
}

static uint32_t mac_slot(const struct sw *s, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	uint32_t i = (uint32_t)(h >> 32) & (s->macs_cap - 1);
	while (s->macs[i].key && s->macs[i].key != key)
		i = (i + 1) & (s->macs_cap - 1);
	return i;
}

static int mac_grow(struct sw *s)
{
	uint32_t ncap = s->macs_cap ? s->macs_cap * 2 : 64;
	struct switch_mac *old = s->macs;
	uint32_t ocap = s->macs_cap;
	s->macs = calloc(ncap, sizeof(*s->macs));
	if (!s->macs) {
		s->macs = old;
		return -1;
	}
	s->macs_cap = ncap;
	for (uint32_t i = 0; i < ocap; i++)
		if (old[i].key)
			s->macs[mac_slot(s, old[i].key)] = old[i];
	free(old);
	return 0;
}

// IPv4 addresses for ARP steering share the table under keys no MAC can have
// (mac_key is at most 2^48).
static uint64_t ipv4_key(uint32_t ipv4)
{
	return 1ull << 56 | ipv4;
}

// Sets key -> port. A static entry is never replaced by a learned one.
static int key_set(struct sw *s, uint64_t key, uint32_t port, bool is_static)
{
	if ((s->macs_len + 1) * 2 > s->macs_cap && mac_grow(s) != 0)
		return -1;
	struct switch_mac *e = &s->macs[mac_slot(s, key)];
	if (e->key) {
		if (e->is_static && !is_static)
			return 0;
		if (!e->is_static && is_static)
			s->learned_len--;
	} else {
		if (!is_static && s->learned_len >= s->cfg.learn_max) {
			s->st.learn_full++;
			return 0;
		}
		s->macs_len++;
		if (!is_static) {
			s->learned_len++;
			s->st.learned++;
		}
	}
	*e = (struct switch_mac){ key, port, is_static };
	return 0;
}

static int mac_set(struct sw *s, const uint8_t mac[6], uint32_t port, bool is_static)
{
	return key_set(s, mac_key(mac), port, is_static);
}

uint32_t switch_lookup(const struct sw *s, const uint8_t mac[6])
{
	if (!s->macs_cap)
		return SWITCH_NO_PORT;
	const struct switch_mac *e = &s->macs[mac_slot(s, mac_key(mac))];
	return e->key ? e->port : SWITCH_NO_PORT;
}

// --- setup ------------------------------------------------------------------------

struct sw *switch_new(const struct switch_config *cfg, switch_schedule_fn schedule,
		      void *ctx)
{
	struct sw *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = *cfg;
	if (!s->cfg.link_bps)
		s->cfg.link_bps = 1000000000ull;
	s->schedule = schedule;
	s->sched_ctx = ctx;
	s->scheduled_ns = UINT64_MAX;
	s->uplink = SWITCH_NO_PORT;
	s->loss_state = cfg->loss_seed;
	if (s->cfg.loss_ppb > 1000000000u)
		s->cfg.loss_ppb = 1000000000u;
	return s;
}

void switch_free(struct sw *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nports; i++)
		ring_free(&s->ports[i].txq);
	struct ring r = fly_get(s);
	ring_free(&r);
	free(s->ports);
	free(s->queued);
	free(s->macs);
	free(s);
}

void switch_set_observer(struct sw *s, switch_observe_fn fn, void *ctx)
{
	s->obs = fn;
	s->obs_ctx = ctx;
}

uint64_t switch_queued(const struct sw *s)
{
	uint64_t n = s->fly_len;
	for (uint32_t p = 0; p < s->nports; p++)
		n += s->ports[p].txq.len;
	return n;
}

const char *switch_drop_name(enum switch_drop why)
{
	switch (why) {
	case SWITCH_DROP_NONE: return "none";
	case SWITCH_DROP_LENGTH: return "bad length";
	case SWITCH_DROP_QUEUE_FULL: return "transmit queue full";
	case SWITCH_DROP_NO_MEMORY: return "no memory";
	case SWITCH_DROP_UNKNOWN: return "unknown destination";
	case SWITCH_DROP_SAME_PORT: return "destination on the ingress port";
	case SWITCH_DROP_DOWN: return "destination VM ended";
	case SWITCH_DROP_LOSS: return "lost (--loss)";
	case SWITCH_DROP_REFUSED: return "receive queue full";
	}
	return "?";
}

void switch_set_monitor(struct sw *s, switch_monitor_fn fn, void *ctx)
{
	s->monitor = fn;
	s->mon_ctx = ctx;
}

uint32_t switch_add_port(struct sw *s, switch_deliver_fn deliver, void *ctx, bool learn)
{
	if (s->nports == s->ports_cap) {
		uint32_t ncap = s->ports_cap ? s->ports_cap * 2 : 64;
		struct switch_port *np = realloc(s->ports, sizeof(*np) * ncap);
		if (!np)
			return SWITCH_NO_PORT;
		s->ports = np;
		uint64_t *nq = realloc(s->queued, sizeof(*nq) * (ncap / 64));
		if (!nq)
			return SWITCH_NO_PORT;
		memset(nq + s->ports_cap / 64, 0, sizeof(*nq) * ((ncap - s->ports_cap) / 64));
		s->queued = nq;
		s->ports_cap = ncap;
	}
	s->ports[s->nports] = (struct switch_port){ .deliver = deliver, .ctx = ctx,
						    .learn = learn, .up = true };
	return s->nports++;
}

void switch_set_uplink(struct sw *s, uint32_t port)
{
	if (port < s->nports) {
		s->uplink = port;
		s->ports[port].learn = false;
	}
}

void switch_set_lossy(struct sw *s, uint32_t port, bool lossy)
{
	if (port < s->nports)
		s->ports[port].lossy = lossy;
}

void switch_port_set_up(struct sw *s, uint32_t port, bool up)
{
	if (port < s->nports)
		s->ports[port].up = up;
}

int switch_add_ipv4(struct sw *s, uint32_t ipv4, uint32_t port)
{
	return key_set(s, ipv4_key(ipv4), port, true);
}

int switch_add_static(struct sw *s, const uint8_t mac[6], uint32_t port)
{
	return mac_set(s, mac, port, true);
}

const struct switch_port_stats *switch_port_stats(const struct sw *s, uint32_t port)
{
	return port < s->nports ? &s->ports[port].st : NULL;
}

static uint64_t ring_bytes(const struct ring *r)
{
	uint64_t b = (uint64_t)r->cap * sizeof(*r->f);
	for (uint32_t i = 0; i < r->len; i++)
		b += r->f[(r->head + i) % r->cap].len;
	return b;
}

uint64_t switch_host_bytes(const struct sw *s)
{
	uint64_t b = sizeof(*s) + (uint64_t)s->ports_cap * sizeof(*s->ports) +
		     s->ports_cap / 64 * sizeof(*s->queued) +
		     (uint64_t)s->macs_cap * sizeof(*s->macs);
	for (uint32_t i = 0; i < s->nports; i++)
		b += ring_bytes(&s->ports[i].txq);
	struct ring fly = fly_get(s);
	return b + ring_bytes(&fly);
}

// --- the link ---------------------------------------------------------------------

// Nanoseconds a frame of len bytes occupies the link (rounded up).
static uint64_t wire_ns(const struct sw *s, uint32_t len)
{
	uint64_t bits = (uint64_t)(len + 24) * 8;
	return (bits * 1000000000ull + s->cfg.link_bps - 1) / s->cfg.link_bps;
}

// When the next transmission can start, or UINT64_MAX when no port has a frame.
static uint64_t next_tx_ns(const struct sw *s)
{
	uint64_t t = UINT64_MAX;
	for (uint32_t w = 0; w < s->ports_cap / 64; w++)
		for (uint64_t b = s->queued[w]; b; b &= b - 1) {
			const struct ring *q = &s->ports[w * 64 + (uint32_t)__builtin_ctzll(b)].txq;
			if (q->f[q->head].t_ns < t)
				t = q->f[q->head].t_ns;
		}
	if (t == UINT64_MAX)
		return t;
	return t > s->link_free_ns ? t : s->link_free_ns;
}

uint64_t switch_next_ns(const struct sw *s)
{
	uint64_t t = next_tx_ns(s);
	if (s->fly_len && s->fly[s->fly_head].t_ns < t)
		t = s->fly[s->fly_head].t_ns;
	return t;
}

static void reschedule(struct sw *s)
{
	uint64_t t = switch_next_ns(s);
	if (t != UINT64_MAX && t != s->scheduled_ns) {
		s->scheduled_ns = t;
		s->schedule(s->sched_ctx, t);
	}
}

// The first port >= from with frames queued, or UINT32_MAX (a scan of the bitmap, so
// thousands of idle ports cost a few word reads).
static uint32_t next_queued(const struct sw *s, uint32_t from)
{
	uint32_t nw = s->ports_cap / 64;
	for (uint32_t w = from / 64; w < nw; w++) {
		uint64_t b = s->queued[w];
		if (w == from / 64)
			b &= ~0ull << (from % 64);
		if (b)
			return w * 64 + (uint32_t)__builtin_ctzll(b);
	}
	return UINT32_MAX;
}

// Puts port i's head frame on the link at t if it was queued by then. Returns true if so.
static bool try_port(struct sw *s, uint32_t i, uint64_t t)
{
	struct ring *q = &s->ports[i].txq;
	if (q->f[q->head].t_ns > t)
		return false;
	struct switch_frame f = ring_pop(q);
	if (!q->len)
		s->queued[i / 64] &= ~(1ull << (i % 64));
	s->rr_next = (i + 1) % s->nports;
	s->link_free_ns = t + wire_ns(s, f.len);
	f.t_ns = s->link_free_ns + s->cfg.latency_ns;
	f.port = i;
	struct ring r = fly_get(s);
	if (ring_push(&r, &f) != 0) {
		s->oom = true;
		free(f.data);
	}
	fly_put(s, &r);
	return true;
}

// Starts transmitting at t: the first port, round-robin from rr_next, whose head frame
// was queued by t (ports with queued frames from rr_next up, then from 0).
static void start_tx(struct sw *s, uint64_t t)
{
	for (uint32_t i = next_queued(s, s->rr_next); i != UINT32_MAX; i = next_queued(s, i + 1))
		if (try_port(s, i, t))
			return;
	for (uint32_t i = next_queued(s, 0); i < s->rr_next; i = next_queued(s, i + 1))
		if (try_port(s, i, t))
			return;
}

// splitmix64 (Steele, Lea and Flood 2014): a full-period 64-bit generator whose output
// depends only on the seed and the number of draws.
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

// Whether the next frame out of a lossy port is lost: a draw scaled to 0..10^9-1
// (multiply-shift, no modulo bias worth the name) below loss_ppb.
static bool lose(struct sw *s)
{
	uint64_t r = splitmix64(&s->loss_state);
	return (uint64_t)(((unsigned __int128)r * 1000000000u) >> 64) < s->cfg.loss_ppb;
}

// Tells the observer, if any, about frame f.
static void observe(struct sw *s, enum switch_ev ev, enum switch_drop why,
		    const struct switch_frame *f, uint32_t out)
{
	if (s->obs)
		s->obs(s->obs_ctx, ev, why, f->data, f->len, f->t_ns, f->port, out);
}

static void deliver_to(struct sw *s, uint32_t p, const struct switch_frame *f)
{
	struct switch_port *o = &s->ports[p];
	if (o->lossy && s->cfg.loss_ppb && lose(s)) {
		o->st.rx_loss++;
		s->st.lost++;
		observe(s, SWITCH_EV_DROP, SWITCH_DROP_LOSS, f, p);
		return;
	}
	if (o->deliver(o->ctx, f->data, f->len, f->t_ns)) {
		o->st.rx_frames++;
		o->st.rx_bytes += f->len;
		observe(s, SWITCH_EV_DELIVER, SWITCH_DROP_NONE, f, p);
	} else {
		o->st.rx_drop++;
		observe(s, SWITCH_EV_DROP, SWITCH_DROP_REFUSED, f, p);
	}
}

static void flood(struct sw *s, const struct switch_frame *f)
{
	s->st.flooded++;
	for (uint32_t p = 0; p < s->nports; p++)
		if (p != f->port && s->ports[p].up)
			deliver_to(s, p, f);
}

// The port of the VM an ARP request asks for (switch.h "ARP steering"), or
// SWITCH_NO_PORT: not an ARP request for a registered address on another up port.
static uint32_t arp_target(const struct sw *s, const struct switch_frame *f)
{
	const uint8_t *d = f->data;
	if (f->len < 42 || d[12] != 0x08 || d[13] != 0x06) // Ethernet + ARP for IPv4
		return SWITCH_NO_PORT;
	if (d[14] != 0 || d[15] != 1 || d[16] != 0x08 || d[17] != 0 || d[18] != 6 ||
	    d[19] != 4 || d[20] != 0 || d[21] != 1) // htype 1, ptype IPv4, 6/4, request
		return SWITCH_NO_PORT;
	uint32_t tip = (uint32_t)d[38] << 24 | (uint32_t)d[39] << 16 | (uint32_t)d[40] << 8 | d[41];
	const struct switch_mac *e = &s->macs[mac_slot(s, ipv4_key(tip))];
	if (!e->key || e->port == f->port || !s->ports[e->port].up)
		return SWITCH_NO_PORT;
	return e->port;
}

// Forwards one frame that has arrived (switch.h "Model").
static void forward(struct sw *s, const struct switch_frame *f)
{
	const uint8_t *dst = f->data, *src = f->data + 6;
	s->st.forwarded++;
	if (s->ports[f->port].learn && !(src[0] & 1))
		if (mac_set(s, src, f->port, false) != 0)
			s->oom = true;
	uint32_t out, to = SWITCH_NO_PORT; // to: the port a drop concerns
	enum switch_drop why = SWITCH_DROP_NONE;
	if (dst[0] & 1) {
		out = SWITCH_FLOOD;
		if (s->cfg.arp_steer && s->macs_cap) {
			uint32_t p = arp_target(s, f);
			if (p != SWITCH_NO_PORT) {
				out = p;
				s->st.arp_steered++;
			}
		}
	} else {
		out = switch_lookup(s, dst);
		if (out == SWITCH_NO_PORT) {
			if (s->cfg.flood_unknown) {
				out = SWITCH_FLOOD;
			} else if (s->uplink != SWITCH_NO_PORT && f->port != s->uplink &&
				   s->ports[s->uplink].up) {
				out = s->uplink; // not on this machine: maybe on another
				s->st.to_uplink++;
			} else {
				s->st.drop_unknown++;
				why = SWITCH_DROP_UNKNOWN;
			}
		} else if (out == f->port) {
			s->st.drop_same_port++;
			why = SWITCH_DROP_SAME_PORT;
			to = out;
			out = SWITCH_NO_PORT;
		} else if (!s->ports[out].up) {
			s->st.drop_down++;
			why = SWITCH_DROP_DOWN;
			to = out;
			out = SWITCH_NO_PORT;
		}
	}
	observe(s, SWITCH_EV_FORWARD, SWITCH_DROP_NONE, f, why ? to : out);
	if (why)
		observe(s, SWITCH_EV_DROP, why, f, to);
	if (s->monitor)
		s->monitor(s->mon_ctx, f->data, f->len, f->t_ns, f->port, out);
	if (out == SWITCH_FLOOD)
		flood(s, f);
	else if (out != SWITCH_NO_PORT)
		deliver_to(s, out, f);
}

void switch_run(struct sw *s, uint64_t t_ns)
{
	if (t_ns > s->now_ns)
		s->now_ns = t_ns;
	if (s->scheduled_ns <= t_ns)
		s->scheduled_ns = UINT64_MAX;
	for (;;) {
		uint64_t ttx = next_tx_ns(s);
		uint64_t tfly = s->fly_len ? s->fly[s->fly_head].t_ns : UINT64_MAX;
		if (tfly <= ttx && tfly <= t_ns) { // arrivals first at equal times
			struct ring r = fly_get(s);
			struct switch_frame f = ring_pop(&r);
			fly_put(s, &r);
			forward(s, &f);
			free(f.data);
		} else if (ttx <= t_ns) {
			start_tx(s, ttx);
		} else {
			break;
		}
	}
	reschedule(s);
}

int switch_send(struct sw *s, uint32_t port, const uint8_t *frame, uint32_t len,
		uint64_t t_ns)
{
	if (port >= s->nports)
		return -1;
	struct switch_port *p = &s->ports[port];
	if (t_ns < s->now_ns)
		t_ns = s->now_ns; // never back in time
	switch_run(s, t_ns);
	// The frame as the observer sees it (data is the caller's until copied).
	struct switch_frame seen = { .t_ns = t_ns, .port = port, .len = len,
				     .data = (uint8_t *)frame };
	if (len < 14 || len > s->cfg.mtu + 14) {
		p->st.tx_drop_length++;
		observe(s, SWITCH_EV_DROP, SWITCH_DROP_LENGTH, &seen, SWITCH_NO_PORT);
		return -1;
	}
	if (p->txq.len >= s->cfg.txq_frames) {
		p->st.tx_drop_full++;
		observe(s, SWITCH_EV_DROP, SWITCH_DROP_QUEUE_FULL, &seen, SWITCH_NO_PORT);
		return -1;
	}
	struct switch_frame f = { .t_ns = t_ns, .port = port, .len = len,
				  .data = malloc(len) };
	if (!f.data || ring_push(&p->txq, &f) != 0) {
		free(f.data);
		s->oom = true;
		p->st.tx_drop_full++;
		observe(s, SWITCH_EV_DROP, SWITCH_DROP_NO_MEMORY, &seen, SWITCH_NO_PORT);
		return -1;
	}
	memcpy(f.data, frame, len);
	observe(s, SWITCH_EV_SEND, SWITCH_DROP_NONE, &seen, SWITCH_NO_PORT);
	s->queued[port / 64] |= 1ull << (port % 64);
	p->st.tx_frames++;
	p->st.tx_bytes += len;
	switch_run(s, t_ns);
	return 0;
}

// --- checkpoints (devset.c) -----------------------------------------------------------

static void save_ring(const struct ring *r, struct devstate_w *w)
{
	devstate_u32(w, r->len);
	for (uint32_t i = 0; i < r->len; i++) {
		const struct switch_frame *f = &r->f[(r->head + i) % r->cap];
		devstate_u64(w, f->t_ns);
		devstate_u32(w, f->port);
		devstate_u32(w, f->len);
		devstate_raw(w, f->data, f->len);
	}
}

static int load_ring(struct sw *s, struct ring *r, struct devstate_r *in)
{
	uint32_t n = devstate_get_u32(in);
	if (in->bad || r->len)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		struct switch_frame f = { .t_ns = devstate_get_u64(in),
					  .port = devstate_get_u32(in),
					  .len = devstate_get_u32(in) };
		const uint8_t *p = f.len <= s->cfg.mtu + 14 ? devstate_get_raw(in, f.len) : NULL;
		if (!p || f.port >= s->nports || !(f.data = malloc(f.len ? f.len : 1)))
			return -1;
		memcpy(f.data, p, f.len);
		if (ring_push(r, &f) != 0) {
			free(f.data);
			return -1;
		}
	}
	return 0;
}

static void save_port_stats(const struct switch_port_stats *p, struct devstate_w *w)
{
	const uint64_t v[] = { p->tx_frames, p->tx_bytes, p->tx_drop_full, p->tx_drop_length,
			       p->rx_frames, p->rx_bytes, p->rx_drop, p->rx_loss };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		devstate_u64(w, v[i]);
}

static void load_port_stats(struct switch_port_stats *p, struct devstate_r *r)
{
	uint64_t *v[] = { &p->tx_frames, &p->tx_bytes, &p->tx_drop_full, &p->tx_drop_length,
			  &p->rx_frames, &p->rx_bytes, &p->rx_drop, &p->rx_loss };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		*v[i] = devstate_get_u64(r);
}

void switch_ckpt_save(const struct sw *s, struct devstate_w *w)
{
	devstate_u32(w, s->nports);
	for (uint32_t i = 0; i < s->nports; i++) {
		const struct switch_port *p = &s->ports[i];
		devstate_u8(w, p->up);
		save_port_stats(&p->st, w);
		save_ring(&p->txq, w);
	}
	struct ring fly = fly_get(s);
	save_ring(&fly, w);
	uint32_t learned = 0;
	for (uint32_t i = 0; i < s->macs_cap; i++)
		learned += s->macs[i].key && !s->macs[i].is_static;
	devstate_u32(w, learned);
	for (uint32_t i = 0; i < s->macs_cap; i++)
		if (s->macs[i].key && !s->macs[i].is_static) {
			devstate_u64(w, s->macs[i].key);
			devstate_u32(w, s->macs[i].port);
		}
	devstate_u32(w, s->rr_next);
	devstate_u64(w, s->link_free_ns);
	devstate_u64(w, s->now_ns);
	devstate_u64(w, s->scheduled_ns);
	devstate_u64(w, s->loss_state);
	devstate_u8(w, s->oom);
	const struct switch_stats *st = &s->st;
	const uint64_t v[] = { st->forwarded, st->flooded, st->drop_unknown, st->drop_down,
			       st->drop_same_port, st->learned, st->learn_full, st->to_uplink,
			       st->lost, st->arp_steered };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		devstate_u64(w, v[i]);
}

int switch_ckpt_load(struct sw *s, struct devstate_r *r)
{
	if (devstate_get_u32(r) != s->nports || r->bad)
		return -1;
	for (uint32_t i = 0; i < s->nports; i++) {
		struct switch_port *p = &s->ports[i];
		p->up = devstate_get_u8(r) != 0;
		load_port_stats(&p->st, r);
		if (load_ring(s, &p->txq, r) != 0)
			return -1;
		if (p->txq.len) // the bitmap of ports with frames queued
			s->queued[i / 64] |= 1ull << (i % 64);
	}
	struct ring fly = fly_get(s);
	int rc = load_ring(s, &fly, r);
	fly_put(s, &fly);
	if (rc != 0)
		return -1;
	uint32_t learned = devstate_get_u32(r);
	if (r->bad || learned > s->cfg.learn_max)
		return -1;
	for (uint32_t i = 0; i < learned; i++) {
		uint64_t key = devstate_get_u64(r);
		uint32_t port = devstate_get_u32(r);
		if (r->bad || !key || key > (1ull << 48) || port >= s->nports ||
		    key_set(s, key, port, false) != 0)
			return -1;
	}
	s->rr_next = devstate_get_u32(r);
	s->link_free_ns = devstate_get_u64(r);
	s->now_ns = devstate_get_u64(r);
	s->scheduled_ns = devstate_get_u64(r);
	s->loss_state = devstate_get_u64(r);
	s->oom = devstate_get_u8(r) != 0;
	struct switch_stats *st = &s->st;
	uint64_t *v[] = { &st->forwarded, &st->flooded, &st->drop_unknown, &st->drop_down,
			  &st->drop_same_port, &st->learned, &st->learn_full, &st->to_uplink,
			  &st->lost, &st->arp_steered };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		*v[i] = devstate_get_u64(r);
	return r->bad || s->rr_next > s->nports ? -1 : 0;
}
