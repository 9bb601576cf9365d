// SPDX-License-Identifier: MIT
// ARP for IPv4 over Ethernet (RFC 826) and the neighbour cache (RFC 1122 2.3.2).
// We answer requests for our address and learn the sender of any ARP packet aimed at
// us (RFC 826's merge rule). A send to an unknown neighbour parks up to ARP_QUEUE (32: a burst of connects)
// packets and broadcasts a request, retried every ARP_RETRY_NS up to ARP_TRIES times;
// then the parked packets are dropped (TCP retransmits later, which tries again).
// Entries expire ARP_TTL_NS after they were last confirmed; the cache holds
// ARP_CACHE_SIZE entries and replaces the least recently confirmed one.
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

#define ARP_HLEN 28u
#define ARP_QUEUE 32u
#define ARP_TRIES 3u
#define ARP_RETRY_NS 1000000000ull
#define ARP_TTL_NS 60000000000ull

struct arp_entry {
	uint32_t ip;            // 0 = free slot
	uint8_t mac[6];
	int resolved;
	uint32_t tries;         // requests sent for this resolution
	uint64_t deadline_ns;   // resolved: expiry; pending: next retry
	struct pktbuf *queue;   // parked IPv4 packets (pending only)
	uint32_t queued;
};

int arp_alloc(struct net *n)
{
	n->arp = calloc(ARP_CACHE_SIZE, sizeof(*n->arp));
	return n->arp ? 0 : -1;
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
	if (!n->arp)
		return;
	for (uint32_t i = 0; i < ARP_CACHE_SIZE; i++)
		drop_queue(n, &n->arp[i]);
	free(n->arp);
	n->arp = NULL;
}

static struct arp_entry *find(struct net *n, uint32_t ip)
{
	for (uint32_t i = 0; i < ARP_CACHE_SIZE; i++)
		if (n->arp[i].ip == ip)
			return &n->arp[i];
	return NULL;
}

// A free slot, else the resolved entry closest to expiry, else the oldest pending one.
static struct arp_entry *victim(struct net *n)
{
	struct arp_entry *best = NULL;
	for (uint32_t i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &n->arp[i];
		if (e->ip == 0)
			return e;
		if (!best || (e->resolved && !best->resolved) ||
		    (e->resolved == best->resolved && e->deadline_ns < best->deadline_ns))
			best = e;
	}
	drop_queue(n, best);
	memset(best, 0, sizeof(*best));
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
		e = victim(n);
	if (e) {
		e->ip = spa;
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
	if (!e) {
		e = victim(n);
		e->ip = ip;
	}
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
	uint64_t d = NET_NEVER;
	for (uint32_t i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &n->arp[i];
		// resolved entries expire lazily (checked on use): no timer needed
		if (e->ip && !e->resolved && e->deadline_ns < d)
			d = e->deadline_ns;
	}
	return d;
}

void arp_timer(struct net *n, uint64_t now)
{
	for (uint32_t i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &n->arp[i];
		if (!e->ip || e->resolved || e->deadline_ns > now)
			continue;
		if (e->tries >= ARP_TRIES) {
			n->st.arp_timeouts++;
			drop_queue(n, e);
			memset(e, 0, sizeof(*e));
		} else {
			request(n, e, now);
		}
	}
}
