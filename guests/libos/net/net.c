// SPDX-License-Identifier: MIT
// The stack object (netcore.h): creation with defaults, the socket list, the one
// timer the environment runs for us (the earliest deadline of every socket and of the
// ARP cache), and the dispatching nsock_* calls shared by TCP (tcp.c) and UDP (udp.c).
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

static const struct denali_net_config defaults = {
	.sndbuf_bytes = 32768,
	.rcvbuf_bytes = 32768,
	.msl_ns = 1000000000ull,
	.rto_min_ns = 200000000ull,
	.rto_max_ns = 60000000000ull,
	.rto_initial_ns = 1000000000ull,
	.delack_ns = 40000000ull,
	.max_retries = 8,
	.syn_retries = 5,
};

struct net *net_create(const struct net_ops *ops, const uint8_t mac[6], uint32_t ip,
		       const struct denali_net_config *cfg)
{
	struct net *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->ops = *ops;
	memcpy(n->mac, mac, 6);
	n->ip = ip;
	n->cfg = defaults;
	if (cfg) {
		if (cfg->sndbuf_bytes) n->cfg.sndbuf_bytes = cfg->sndbuf_bytes;
		if (cfg->rcvbuf_bytes) n->cfg.rcvbuf_bytes = cfg->rcvbuf_bytes;
		if (cfg->msl_ns) n->cfg.msl_ns = cfg->msl_ns;
		if (cfg->rto_min_ns) n->cfg.rto_min_ns = cfg->rto_min_ns;
		if (cfg->rto_max_ns) n->cfg.rto_max_ns = cfg->rto_max_ns;
		if (cfg->rto_initial_ns) n->cfg.rto_initial_ns = cfg->rto_initial_ns;
		if (cfg->delack_ns) n->cfg.delack_ns = cfg->delack_ns;
		if (cfg->max_retries) n->cfg.max_retries = cfg->max_retries;
		if (cfg->syn_retries) n->cfg.syn_retries = cfg->syn_retries;
	}
	n->tcp_hash = calloc(TCP_HASH_SIZE, sizeof(*n->tcp_hash));
	if (!n->tcp_hash || arp_alloc(n) != 0) {
		free(n->tcp_hash);
		free(n);
		return NULL;
	}
	// Deterministic per-interface seeds: the same MAC and clock give the same ISNs
	// and ephemeral ports, run after run (docs/net.md).
	uint32_t h = 2166136261u;
	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	h = (h ^ ip) * 16777619u;
	n->isn_secret = h;
	n->next_port[0] = (uint16_t)(h % NET_EPHEMERAL_N);
	n->next_port[1] = (uint16_t)((h >> 16) % NET_EPHEMERAL_N);
	n->ip_id = (uint16_t)(h >> 8);
	n->armed = n->hint = NET_NEVER;
	return n;
}

void net_destroy(struct net *n)
{
	if (!n)
		return;
	while (n->socks)
		net_sock_free(n->socks);
	arp_free(n);
	free(n->tcp_hash);
	free(n);
}

const struct denali_net_stats *net_stats(const struct net *n) { return &n->st; }
uint32_t net_ipv4(const struct net *n) { return n->ip; }
uint32_t net_socket_count(const struct net *n) { return n->nsocks; }

void net_enter(struct net *n)
{
	n->in_call++;
}

// The earliest deadline over ARP and every socket: O(sockets), so it runs only when the
// environment's timer fires (net_timer), not on every call.
static uint64_t next_deadline(struct net *n)
{
	uint64_t d = arp_next_deadline(n);
	for (struct nsock *s = n->socks; s; s = s->next) {
		if (s->type != NSOCK_TCP)
			continue;
		uint64_t t = tcp_next_deadline(s);
		if (t < d)
			d = t;
	}
	return d;
}

static void arm(struct net *n, uint64_t d)
{
	n->armed = d;
	if (n->ops.set_timer)
		n->ops.set_timer(n->ops.ctx, d);
}

// Deadlines that moved later or were cancelled leave the timer early: it then fires,
// finds nothing due, and net_timer re-arms it at the true minimum. Deadlines set
// earlier than the armed one arrive through net_deadline.
void net_leave(struct net *n)
{
	if (--n->in_call > 0)
		return;
	if (n->hint < n->armed)
		arm(n, n->hint);
	n->hint = NET_NEVER;
#ifdef NET_CHECK_INVARIANTS // host tests: the armed timer is never late
	if (n->armed > next_deadline(n))
		abort();
#endif
}

void net_timer(struct net *n)
{
	net_enter(n);
	uint64_t now = net_now(n);
	arp_timer(n, now);
	// A timer may free its socket or others (a listener's children), so restart the
	// walk after each socket that had something due.
	for (int again = 1; again;) {
		again = 0;
		for (struct nsock *s = n->socks; s; s = s->next) {
			if (s->type == NSOCK_TCP && tcp_next_deadline(s) <= now) {
				tcp_timer(s, now);
				again = 1;
				break;
			}
		}
	}
	n->hint = NET_NEVER;
	uint64_t d = next_deadline(n);
	if (d != NET_NEVER)
		arm(n, d);
	else
		n->armed = NET_NEVER; // the environment's timer has fired: nothing is armed
	n->in_call--;
}

struct nsock *net_sock_alloc(struct net *n, int type)
{
	struct nsock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->net = n;
	s->type = type;
	s->next = n->socks;
	if (n->socks)
		n->socks->prev = s;
	n->socks = s;
	n->nsocks++;
	if (type == NSOCK_TCP)
		tcp_init_sock(s);
	else
		s->dq_cap = 65536;
	return s;
}

void net_sock_free(struct nsock *s)
{
	struct net *n = s->net;
	if (s->type == NSOCK_TCP) {
		tcp_hash_remove(s);
		ring_free(&s->snd);
		ring_free(&s->rcv);
		for (struct pktbuf *p = s->ooo, *q; p; p = q) {
			q = p->next;
			free(p);
		}
		// detach from a listener's accept queue, and children from us
		if (s->parent) {
			struct nsock **pp = &s->parent->aq_head;
			while (*pp && *pp != s)
				pp = &(*pp)->aq_next;
			if (*pp) {
				*pp = s->aq_next;
				if (s->parent->aq_tail == s) {
					s->parent->aq_tail = NULL;
					for (struct nsock *c = s->parent->aq_head; c; c = c->aq_next)
						s->parent->aq_tail = c;
				}
			}
			s->parent->pending--;
		}
		for (struct nsock *c = n->socks; c; c = c->next)
			if (c->parent == s)
				c->parent = NULL;
	}
	for (struct pktbuf *p = s->dq_head, *q; p; p = q) {
		q = p->next;
		free(p);
	}
	if (s->prev)
		s->prev->next = s->next;
	else
		n->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	n->nsocks--;
	free(s);
}

void net_wake(struct nsock *s)
{
	if (!s->closed && s->net->ops.wake)
		s->net->ops.wake(s->net->ops.ctx, s, s->user);
}

uint16_t net_ephemeral_port(struct net *n, int type)
{
	int i = type == NSOCK_TCP ? 0 : 1;
	for (uint32_t tries = 0; tries < NET_EPHEMERAL_N; tries++) {
		uint16_t port = (uint16_t)(NET_EPHEMERAL_LO + n->next_port[i]);
		n->next_port[i] = (uint16_t)((n->next_port[i] + 1) % NET_EPHEMERAL_N);
		int used = type == NSOCK_TCP ? tcp_port_used(n, port, NULL)
					     : udp_port_used(n, port, NULL);
		if (!used)
			return port;
	}
	return 0;
}

// --- the socket calls: checks common to both types, then the protocol's code

struct nsock *nsock_create(struct net *n, int type)
{
	if (type != NSOCK_TCP && type != NSOCK_UDP)
		return NULL;
	return net_sock_alloc(n, type);
}

void nsock_set_user(struct nsock *s, void *user) { s->user = user; }
int nsock_type(const struct nsock *s) { return s->type; }

int nsock_bind(struct nsock *s, uint32_t ip, uint16_t port)
{
	struct net *n = s->net;
	if (s->bound)
		return -EINVAL;
	if (ip != 0 && ip != n->ip)
		return -EADDRNOTAVAIL;
	if (port == 0) {
		port = net_ephemeral_port(n, s->type);
		if (port == 0)
			return -EADDRINUSE;
	} else if (s->type == NSOCK_TCP ? tcp_port_used(n, port, s) : udp_port_used(n, port, s)) {
		return -EADDRINUSE;
	}
	s->lip = ip;
	s->lport = port;
	s->bound = 1;
	return 0;
}

int nsock_listen(struct nsock *s, int backlog)
{
	if (s->type != NSOCK_TCP)
		return -EOPNOTSUPP;
	if (s->state != TCP_CLOSED && s->state != TCP_LISTEN)
		return -EINVAL;
	if (!s->bound) {
		int r = nsock_bind(s, 0, 0);
		if (r)
			return r;
	}
	if (backlog < 1)
		backlog = 1;
	if (backlog > 4096)
		backlog = 4096;
	s->backlog = backlog;
	s->state = TCP_LISTEN;
	return 0;
}

int nsock_accept(struct nsock *s, struct nsock **out)
{
	if (s->type != NSOCK_TCP || s->state != TCP_LISTEN)
		return -EINVAL;
	struct nsock *c = s->aq_head;
	if (!c)
		return -EAGAIN;
	s->aq_head = c->aq_next;
	if (!s->aq_head)
		s->aq_tail = NULL;
	c->aq_next = NULL;
	c->parent = NULL;
	s->pending--;
	*out = c;
	return 0;
}

int nsock_connect(struct nsock *s, uint32_t ip, uint16_t port)
{
	struct net *n = s->net;
	if (ip == 0 || port == 0)
		return -EINVAL;
	// off-link, or ourselves: there is no router and no loopback (docs/net.md)
	if (((ip & NET_NETMASK) != NET_ONLINK && !ipv4_is_broadcast(ip)) || ip == n->ip)
		return -ENETUNREACH;
	if (s->type == NSOCK_UDP) {
		if (!s->bound) {
			int r = nsock_bind(s, 0, 0);
			if (r)
				return r;
		}
		s->rip = ip;
		s->rport = port;
		s->udp_connected = 1;
		return 0;
	}
	net_enter(n);
	int r = tcp_connect(s, ip, port);
	net_leave(n);
	return r;
}

int nsock_connect_result(struct nsock *s)
{
	if (s->type != NSOCK_TCP)
		return s->udp_connected ? 0 : -ENOTCONN;
	if (s->state == TCP_SYN_SENT || s->state == TCP_SYN_RCVD)
		return -EINPROGRESS;
	if (s->state == TCP_CLOSED) // the error stays for SO_ERROR
		return -(s->error ? s->error : ECONNREFUSED);
	return 0;
}

long nsock_send(struct nsock *s, const void *buf, uint32_t len)
{
	if (s->type == NSOCK_UDP) {
		if (!s->udp_connected)
			return -EDESTADDRREQ;
		return nsock_sendto(s, buf, len, s->rip, s->rport);
	}
	net_enter(s->net);
	long r = tcp_send(s, buf, len);
	net_leave(s->net);
	return r;
}

long nsock_recv(struct nsock *s, void *buf, uint32_t len, uint32_t *ip, uint16_t *port)
{
	if (s->type == NSOCK_UDP)
		return udp_recv(s, buf, len, ip, port);
	net_enter(s->net);
	long r = tcp_recv(s, buf, len);
	net_leave(s->net);
	if (r >= 0 && ip)
		nsock_peer(s, ip, port);
	return r;
}

long nsock_sendto(struct nsock *s, const void *buf, uint32_t len, uint32_t ip,
		  uint16_t port)
{
	if (s->type != NSOCK_UDP)
		return nsock_send(s, buf, len);
	net_enter(s->net);
	long r = udp_send(s, buf, len, ip, port);
	net_leave(s->net);
	return r;
}

int nsock_shutdown(struct nsock *s, int how)
{
	if (how & ~(NSOCK_SHUT_RD | NSOCK_SHUT_WR) || how == 0)
		return -EINVAL;
	if (s->type == NSOCK_UDP) {
		if (how & NSOCK_SHUT_RD)
			s->shut_rd = 1;
		return 0;
	}
	net_enter(s->net);
	int r = tcp_shutdown(s, how);
	net_leave(s->net);
	return r;
}

void nsock_close(struct nsock *s)
{
	struct net *n = s->net;
	net_enter(n);
	s->closed = 1;
	s->user = NULL;
	if (s->type == NSOCK_UDP)
		udp_close(s);
	else
		tcp_close(s);
	net_leave(n);
}

unsigned nsock_poll(const struct nsock *s)
{
	if (s->type == NSOCK_TCP)
		return tcp_poll(s);
	unsigned m = NSOCK_POLLOUT;
	if (s->dq_head || s->shut_rd)
		m |= NSOCK_POLLIN;
	if (s->error)
		m |= NSOCK_POLLERR;
	return m;
}

int nsock_setopt(struct nsock *s, enum nsock_opt opt, uint32_t v)
{
	switch (opt) {
	case NSOCK_OPT_SNDBUF:
		if (v < 2048) v = 2048;
		if (v > 1u << 22) v = 1u << 22;
		if (v < s->snd.len)
			return -EINVAL;
		s->snd.cap = v;
		return 0;
	case NSOCK_OPT_RCVBUF:
		if (v < 2048) v = 2048;
		if (v > 1u << 22) v = 1u << 22;
		if (s->type == NSOCK_UDP) {
			s->dq_cap = v;
			return 0;
		}
		// Only before the window is announced: shrinking it later would move the
		// advertised right edge backwards (RFC 793 discourages that).
		if (s->state != TCP_CLOSED && s->state != TCP_LISTEN)
			return -EINVAL;
		s->rcv.cap = v;
		return 0;
	case NSOCK_OPT_NODELAY:
		s->nodelay = v != 0;
		if (s->type == NSOCK_TCP && s->nodelay) {
			net_enter(s->net);
			tcp_output(s);
			net_leave(s->net);
		}
		return 0;
	case NSOCK_OPT_REUSEADDR:
		s->reuseaddr = v != 0;
		return 0;
	case NSOCK_OPT_MAXSEG:
		return -ENOPROTOOPT;
	}
	return -ENOPROTOOPT;
}

int nsock_getopt(const struct nsock *s, enum nsock_opt opt, uint32_t *v)
{
	switch (opt) {
	case NSOCK_OPT_SNDBUF: *v = s->type == NSOCK_TCP ? s->snd.cap : 65536; return 0;
	case NSOCK_OPT_RCVBUF: *v = s->type == NSOCK_TCP ? s->rcv.cap : s->dq_cap; return 0;
	case NSOCK_OPT_NODELAY: *v = (uint32_t)s->nodelay; return 0;
	case NSOCK_OPT_REUSEADDR: *v = (uint32_t)s->reuseaddr; return 0;
	case NSOCK_OPT_MAXSEG: *v = s->type == NSOCK_TCP ? s->mss : 0; return 0;
	}
	return -ENOPROTOOPT;
}

int nsock_take_error(struct nsock *s)
{
	int e = s->error;
	s->error = 0;
	return e;
}

void nsock_local(const struct nsock *s, uint32_t *ip, uint16_t *port)
{
	*ip = s->lip ? s->lip : (s->type == NSOCK_TCP && s->state != TCP_CLOSED &&
				 s->state != TCP_LISTEN ? s->net->ip : 0);
	*port = s->lport;
}

int nsock_peer(const struct nsock *s, uint32_t *ip, uint16_t *port)
{
	if (s->type == NSOCK_UDP ? !s->udp_connected
				 : (s->state == TCP_CLOSED && !s->rip) || s->state == TCP_LISTEN)
		return -ENOTCONN;
	if (ip)
		*ip = s->rip;
	if (port)
		*port = s->rport;
	return 0;
}

const char *nsock_state_name(const struct nsock *s)
{
	return s->type == NSOCK_TCP ? tcp_state_name(s->state) : "UDP";
}
