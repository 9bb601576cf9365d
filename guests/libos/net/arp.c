// SPDX-License-Identifier: MIT
// ARP for IPv4 over Ethernet (RFC 826) and the neighbour cache (RFC 1122 2.3.2).
// We answer requests for our address and learn the sender of any ARP packet aimed at
// us (RFC 826's merge rule). A send to an unknown neighbour parks up to ARP_QUEUE (32: a burst of connects)
// packets and broadcasts a request, retried every ARP_RETRY_NS up to ARP_TRIES times;
// then the parked packets are dropped (TCP retransmits later, which tries again).
// Entries expire ARP_TTL_NS after they were last confirmed; the cache grows to
// ARP_CACHE_MAX entries, then replaces the one closest to expiry.
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

#define ARP_HLEN 28u
#define ARP_QUEUE 32u
#define ARP_TRIES 3u
#define ARP_RETRY_NS 1000000000ull
#define ARP_TTL_NS 60000000000ull
#define ARP_FIRST 16u     // entries at first; the table doubles up to ARP_CACHE_MAX
#define ARP_BUCKETS 128u  // hash chains

struct arp_entry {
	uint32_t ip;            // 0 = free slot
	uint8_t mac[6];
	int resolved;
	uint32_t tries;         // requests sent for this resolution
	uint64_t deadline_ns;   // resolved: expiry; pending: next retry
	struct pktbuf *queue;   // parked IPv4 packets (pending only)
	uint32_t queued;
	uint32_t hnext;         // next entry in the hash chain, index + 1 (0: none)
};

// The neighbour cache: `cap` entries found through ARP_BUCKETS hash chains of entry
// indices (index + 1, 0 ends a chain). It starts small and doubles when full, up to
// ARP_CACHE_MAX, because a VM's memory is precious (a server VM talks to a few
// clients) but a client VM may talk to a thousand servers, and evicting entries
// there would broadcast an ARP request for almost every connection.
struct arp_cache {
	struct arp_entry *e;
	uint32_t cap, used;
	uint32_t head[ARP_BUCKETS];
};

static uint32_t bucket(uint32_t ip)
{
	return (ip * 2654435761u) >> 25; // 7 bits: ARP_BUCKETS
}

int arp_alloc(struct net *n)
{
	struct arp_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->e = calloc(ARP_FIRST, sizeof(*c->e));
	if (!c->e) {
		free(c);
		return -1;
	}
	c->cap = ARP_FIRST;
	n->arp = c;
	return 0;
}

static void drop_queue(struct net *n, struct arp_entry *e)
{
	for (struct pktbuf *p = e->queue, *q; p; p = q) {
		q = p->next;
		free(p);
		n->st.arp_queue_drops++;
	}
	e->queue = NULL;
	e->queued = 0;
}

void arp_free(struct net *n)
{
	struct arp_cache *c = n->arp;
	if (!c)
		return;
	for (uint32_t i = 0; i < c->cap; i++)
		drop_queue(n, &c->e[i]);
	free(c->e);
	free(c);
	n->arp = NULL;
}

static struct arp_entry *find(struct net *n, uint32_t ip)
{
	struct arp_cache *c = n->arp;
	for (uint32_t i = c->head[bucket(ip)]; i; i = c->e[i - 1].hnext)
		if (c->e[i - 1].ip == ip)
			return &c->e[i - 1];
	return NULL;
}

// Frees entry e (its parked packets are dropped) and unlinks it from its chain.
static void release(struct net *n, struct arp_entry *e)
{
	struct arp_cache *c = n->arp;
	uint32_t idx = (uint32_t)(e - c->e) + 1;
	uint32_t *pp = &c->head[bucket(e->ip)];
	while (*pp && *pp != idx)
		pp = &c->e[*pp - 1].hnext;
	if (*pp)
		*pp = e->hnext;
	drop_queue(n, e);
	memset(e, 0, sizeof(*e));
	c->used--;
}

// A fresh entry for ip, linked in: a free slot, else a doubled table, else (at
// ARP_CACHE_MAX, or out of memory) the resolved entry closest to expiry or the oldest
// pending one.
static struct arp_entry *insert(struct net *n, uint32_t ip)
{
	struct arp_cache *c = n->arp;
	if (c->used == c->cap && c->cap < ARP_CACHE_MAX) {
		struct arp_entry *e = realloc(c->e, 2 * c->cap * sizeof(*e));
		if (e) { // indices, and so the chains, stay valid
			memset(e + c->cap, 0, c->cap * sizeof(*e));
			c->e = e;
			c->cap *= 2;
		}
	}
	struct arp_entry *best = NULL;
	for (uint32_t i = 0; i < c->cap; i++) {
		struct arp_entry *e = &c->e[i];
		if (e->ip == 0) {
			best = e;
			break;
		}
		if (!best || (e->resolved && !best->resolved) ||
		    (e->resolved == best->resolved && e->deadline_ns < best->deadline_ns))
			best = e;
	}
	if (best->ip)
		release(n, best);
	best->ip = ip;
	uint32_t b = bucket(ip);
	best->hnext = c->head[b];
	c->head[b] = (uint32_t)(best - c->e) + 1;
	c->used++;
	return best;
}

static void send_arp(struct net *n, uint32_t op, const uint8_t *tha, uint32_t tpa,
		     const uint8_t *dst_mac)
{
	uint8_t *p = n->tx + ETH_HLEN;
	wr16(p, 1);                 // hardware type: Ethernet
	wr16(p + 2, ETHERTYPE_IPV4);
	p[4] = 6;
	p[5] = 4;
	wr16(p + 6, op);
	memcpy(p + 8, n->mac, 6);
	wr32(p + 14, n->ip);
	memcpy(p + 18, tha, 6);
	wr32(p + 24, tpa);
	eth_send(n, dst_mac, ETHERTYPE_ARP, ARP_HLEN);
	if (op == 1)
		n->st.arp_requests_out++;
	else
		n->st.arp_replies_out++;
}

static void request(struct net *n, struct arp_entry *e, uint64_t now)
{
	static const uint8_t zero[6];
	e->tries++;
	e->deadline_ns = now + ARP_RETRY_NS;
	net_deadline(n, e->deadline_ns);
	send_arp(n, 1, zero, e->ip, eth_broadcast);
}

// Sends the packets parked on a just-resolved entry, in order.
static void flush_queue(struct net *n, struct arp_entry *e)
{
	struct pktbuf *p = e->queue;
	e->queue = NULL;
	e->queued = 0;
	while (p) {
		struct pktbuf *q = p->next;
		memcpy(n->tx + ETH_HLEN, p->data, p->len);
		eth_send(n, e->mac, ETHERTYPE_IPV4, p->len);
		free(p);
		p = q;
	}
}

void arp_input(struct net *n, const uint8_t *p, uint32_t len)
{
	if (len < ARP_HLEN || rd16(p) != 1 || rd16(p + 2) != ETHERTYPE_IPV4 || p[4] != 6 ||
	    p[5] != 4) {
		n->st.arp_drop_bad++;
		return;
	}
	uint32_t op = rd16(p + 6), spa = rd32(p + 14), tpa = rd32(p + 24);
	const uint8_t *sha = p + 8;
	if (op != 1 && op != 2) {
		n->st.arp_drop_bad++;
		return;
	}
	if (op == 1)
		n->st.arp_requests_in++;
	else
		n->st.arp_replies_in++;
	// A sender claiming our address, a broadcast or a multicast MAC is ignored.
	if (spa == 0 || spa == n->ip || (sha[0] & 1) || n->ip == 0)
		return;
	uint64_t now = net_now(n);
	struct arp_entry *e = find(n, spa);
	if (!e && tpa == n->ip)
		e = insert(n, spa);
	if (e) {
		memcpy(e->mac, sha, 6);
		e->resolved = 1;
		e->tries = 0;
		e->deadline_ns = now + ARP_TTL_NS;
		flush_queue(n, e);
	}
	if (op == 1 && tpa == n->ip) {
		uint8_t tha[6];
		memcpy(tha, sha, 6);
		send_arp(n, 2, tha, spa, tha);
	}
}

void arp_output(struct net *n, uint32_t ip, uint32_t len)
{
	if (ipv4_is_broadcast(ip)) {
		eth_send(n, eth_broadcast, ETHERTYPE_IPV4, len);
		return;
	}
	uint64_t now = net_now(n);
	struct arp_entry *e = find(n, ip);
	if (e && e->resolved && e->deadline_ns > now) {
		eth_send(n, e->mac, ETHERTYPE_IPV4, len);
		return;
	}
	if (!e)
		e = insert(n, ip);
	if (e->resolved) { // expired: resolve again, parking packets meanwhile
		e->resolved = 0;
		e->tries = 0;
	}
	if (e->queued >= ARP_QUEUE) {
		n->st.arp_queue_drops++;
	} else {
		struct pktbuf *p = malloc(sizeof(*p) + len);
		if (!p) {
			n->st.arp_queue_drops++;
		} else {
			p->next = NULL;
			p->len = len;
			memcpy(p->data, n->tx + ETH_HLEN, len);
			struct pktbuf **pp = &e->queue;
			while (*pp)
				pp = &(*pp)->next;
			*pp = p;
			e->queued++;
			n->st.arp_queued++;
		}
	}
	if (e->tries == 0)
		request(n, e, now);
}

uint64_t arp_next_deadline(struct net *n)
{
	struct arp_cache *c = n->arp;
	uint64_t d = NET_NEVER;
	for (uint32_t i = 0; i < c->cap; i++) {
		struct arp_entry *e = &c->e[i];
		// resolved entries expire lazily (checked on use): no timer needed
		if (e->ip && !e->resolved && e->deadline_ns < d)
			d = e->deadline_ns;
	}
	return d;
}

void arp_timer(struct net *n, uint64_t now)
{
	struct arp_cache *c = n->arp;
	for (uint32_t i = 0; i < c->cap; i++) {
		struct arp_entry *e = &c->e[i];
		if (!e->ip || e->resolved || e->deadline_ns > now)
			continue;
		if (e->tries >= ARP_TRIES) {
			n->st.arp_timeouts++;
			release(n, e);
		} else {
			request(n, e, now);
		}
	}
}
