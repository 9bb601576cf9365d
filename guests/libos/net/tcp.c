// SPDX-License-Identifier: MIT
// TCP connections (RFC 793, RFC 1122 4.2): the connection table, port allocation,
// initial sequence numbers, and the user calls of RFC 793 3.9 (OPEN, SEND, RECEIVE,
// CLOSE, ABORT) as the non-blocking nsock_* calls use them. Segment arrival is in
// tcp_in.c, sending in tcp_out.c, timers in tcp_timer.c.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

static const char *const state_names[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

const char *tcp_state_name(enum tcp_state st)
{
	return (unsigned)st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st]
									    : "?";
}

void tcp_init_sock(struct nsock *s)
{
	struct net *n = s->net;
	s->state = TCP_CLOSED;
	s->snd.cap = n->cfg.sndbuf_bytes;
	s->rcv.cap = n->cfg.rcvbuf_bytes;
	s->mss = TCP_MSS_DEFAULT;
	s->rto_ns = n->cfg.rto_initial_ns;
	s->t_rexmt = s->t_persist = s->t_delack = s->t_2msl = NET_NEVER;
}

static uint32_t hash4(uint32_t rip, uint16_t rport, uint16_t lport)
{
	uint32_t h = rip * 2654435761u ^ ((uint32_t)rport << 16 | lport) * 2246822519u;
	return (h ^ h >> 15) % TCP_HASH_SIZE;
}

void tcp_hash_insert(struct nsock *s)
{
	if (s->in_table)
		return;
	struct nsock **b = &s->net->tcp_hash[hash4(s->rip, s->rport, s->lport)];
	s->hnext = *b;
	*b = s;
	s->in_table = 1;
}

void tcp_hash_remove(struct nsock *s)
{
	if (!s->in_table)
		return;
	struct nsock **pp = &s->net->tcp_hash[hash4(s->rip, s->rport, s->lport)];
	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
	s->in_table = 0;
}

struct nsock *tcp_lookup(struct net *n, uint32_t lip, uint16_t lport, uint32_t rip,
			 uint16_t rport)
{
	(void)lip; // one interface, one address
	for (struct nsock *s = n->tcp_hash[hash4(rip, rport, lport)]; s; s = s->hnext)
		if (s->rip == rip && s->rport == rport && s->lport == lport)
			return s;
	return NULL;
}

struct nsock *tcp_find_listener(struct net *n, uint32_t lip, uint16_t lport)
{
	for (struct nsock *s = n->socks; s; s = s->next)
		if (s->type == NSOCK_TCP && s->state == TCP_LISTEN && s->lport == lport &&
		    (s->lip == 0 || s->lip == lip))
			return s;
	return NULL;
}

// A port is taken by a listener or by a socket the user still holds; connections the
// user has closed (lingering, TIME_WAIT) never block bind. With SO_REUSEADDR on the
// binding socket only a listener does (a restarted server binds while its old
// connections still run, as on Linux).
int tcp_port_used(struct net *n, uint16_t port, const struct nsock *except)
{
	int reuse = except && except->reuseaddr;
	for (struct nsock *s = n->socks; s; s = s->next)
		if (s != except && s->type == NSOCK_TCP && s->bound && s->lport == port &&
		    !s->parent && (s->state == TCP_LISTEN || (!s->closed && !reuse)))
			return 1;
	return 0;
}

// RFC 6528: a keyed hash of the connection's addresses plus a clock ticking every
// 4 us (RFC 793's ISN clock). The key comes from the MAC and address, so a run is
// reproducible while different hosts and connections get unrelated ISNs.
uint32_t tcp_isn(struct net *n, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	uint32_t h = n->isn_secret;
	uint32_t w[3] = { lip, rip, (uint32_t)lport << 16 | rport };
	for (int i = 0; i < 3; i++) {
		h ^= w[i];
		h *= 0x85ebca6bu;
		h ^= h >> 13;
		h *= 0xc2b2ae35u;
		h ^= h >> 16;
	}
	return h + (uint32_t)(net_now(n) >> 12);
}

void tcp_drop(struct nsock *s, int error)
{
	if (error) {
		s->error = error;
		s->net->st.tcp_aborts++;
	}
	s->state = TCP_CLOSED;
	s->t_rexmt = s->t_persist = s->t_delack = s->t_2msl = NET_NEVER;
	tcp_hash_remove(s);
	if (s->closed || s->parent) { // nobody will ever look at it again
		net_sock_free(s);
		return;
	}
	net_wake(s);
}

void tcp_child_established(struct nsock *s)
{
	struct nsock *l = s->parent;
	if (!l)
		return;
	if (l->aq_tail)
		l->aq_tail->aq_next = s;
	else
		l->aq_head = s;
	l->aq_tail = s;
	net_wake(l);
}

uint32_t tcp_rcv_window(const struct nsock *s)
{
	// The free space of the receive buffer. Out-of-order data lies inside the window
	// and lands in that space when the hole fills, so it takes nothing away; the right
	// edge never moves left because space shrinks only as rcv_nxt advances.
	uint32_t w = ring_space(&s->rcv);
	return w > 65535 ? 65535 : w;
}

int tcp_connect(struct nsock *s, uint32_t ip, uint16_t port)
{
	struct net *n = s->net;
	switch (s->state) {
	case TCP_CLOSED: break;
	case TCP_SYN_SENT: return -EALREADY;
	case TCP_LISTEN: return -EINVAL;
	default: return -EISCONN;
	}
	if (s->rip) // a previous attempt failed: POSIX leaves the socket unusable
		return -EINVAL;
	if (!s->bound) {
		uint16_t p = net_ephemeral_port(n, NSOCK_TCP);
		if (p == 0)
			return -EADDRNOTAVAIL;
		s->lport = p;
		s->bound = 1;
	}
	if (tcp_lookup(n, n->ip, s->lport, ip, port))
		return -EADDRINUSE;
	s->lip = n->ip;
	s->rip = ip;
	s->rport = port;
	s->iss = tcp_isn(n, s->lip, s->lport, ip, port);
	s->snd_una = s->snd_nxt = s->snd_max = s->recover = s->iss;
	s->state = TCP_SYN_SENT;
	tcp_hash_insert(s);
	n->st.tcp_active_opens++;
	tcp_output(s);
	return -EINPROGRESS;
}

long tcp_send(struct nsock *s, const void *buf, uint32_t len)
{
	switch (s->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		break;
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		return -EAGAIN;
	case TCP_CLOSED:
		if (s->error) {
			int e = s->error;
			s->error = 0;
			return -e;
		}
		return s->rip ? -EPIPE : -ENOTCONN;
	case TCP_LISTEN:
		return -ENOTCONN;
	default:
		return -EPIPE; // we sent FIN already
	}
	if (s->fin_pending)
		return -EPIPE;
	if (len == 0)
		return 0;
	uint32_t w = ring_write(&s->snd, buf, len);
	if (w == 0) // full, or room but no memory to grow into it
		return ring_space(&s->snd) > 0 ? -ENOBUFS : -EAGAIN;
	tcp_output(s);
	return (long)w;
}

long tcp_recv(struct nsock *s, void *buf, uint32_t len)
{
	if (s->rcv.len == 0) {
		if (s->fin_rcvd || s->shut_rd)
			return 0;
		switch (s->state) {
		case TCP_LISTEN:
			return -ENOTCONN;
		case TCP_CLOSED:
			if (s->error) {
				int e = s->error;
				s->error = 0;
				return -e;
			}
			return s->rip ? 0 : -ENOTCONN;
		default:
			return -EAGAIN;
		}
	}
	uint32_t n = ring_peek(&s->rcv, 0, buf, len);
	ring_consume(&s->rcv, n);
	tcp_window_update(s);
	return (long)n;
}

int tcp_shutdown(struct nsock *s, int how)
{
	if (s->state == TCP_LISTEN || s->state == TCP_CLOSED || s->state == TCP_SYN_SENT)
		return -ENOTCONN;
	if (how & NSOCK_SHUT_RD) {
		s->shut_rd = 1;
		ring_consume(&s->rcv, s->rcv.len);
	}
	if (how & NSOCK_SHUT_WR) {
		if (s->state == TCP_ESTABLISHED || s->state == TCP_SYN_RCVD)
			s->state = TCP_FIN_WAIT_1;
		else if (s->state == TCP_CLOSE_WAIT)
			s->state = TCP_LAST_ACK;
		s->fin_pending = 1;
		tcp_output(s);
	}
	net_wake(s);
	return 0;
}

// Closing with unread data resets the connection (RFC 2525 2.17) so the peer learns
// its data was not consumed; otherwise the FIN goes after the queued data and the
// connection lingers in the core until it completes.
void tcp_close(struct nsock *s)
{
	struct net *n = s->net;
	switch (s->state) {
	case TCP_LISTEN:
		for (struct nsock *c = n->socks, *next; c; c = next) {
			next = c->next;
			if (c->parent == s) {
				tcp_send_reset(n, c->lip, c->lport, c->rip, c->rport, c->snd_nxt,
					       0, 0);
				c->parent = NULL;
				c->closed = 1;
				tcp_drop(c, 0);
				next = n->socks; // the list changed
			}
		}
		net_sock_free(s);
		return;
	case TCP_CLOSED:
	case TCP_SYN_SENT:
		tcp_drop(s, 0);
		return;
	default:
		break;
	}
	if (s->rcv.len > 0 && !s->shut_rd) {
		tcp_send_reset(n, s->lip, s->lport, s->rip, s->rport, s->snd_nxt, 0, 0);
		tcp_drop(s, 0);
		return;
	}
	ring_free(&s->rcv); // empty, and nobody will read again: give the memory back
	if (!s->fin_pending) {
		if (s->state == TCP_ESTABLISHED || s->state == TCP_SYN_RCVD)
			s->state = TCP_FIN_WAIT_1;
		else if (s->state == TCP_CLOSE_WAIT)
			s->state = TCP_LAST_ACK;
		s->fin_pending = 1;
		tcp_output(s);
	} else if (s->state == TCP_FIN_WAIT_2) {
		// orphaned and waiting for a FIN that may never come (RFC 1122 does not
		// say; Linux waits tcp_fin_timeout): give up after TIME_WAIT's 2 MSL
		net_deadline(n, s->t_2msl = net_now(n) + 2 * n->cfg.msl_ns);
	}
}

unsigned tcp_poll(const struct nsock *s)
{
	unsigned m = 0;
	switch (s->state) {
	case TCP_LISTEN:
		return s->aq_head ? NSOCK_POLLIN : 0;
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		return 0;
	case TCP_CLOSED:
		m = NSOCK_POLLIN | NSOCK_POLLHUP | (s->error ? NSOCK_POLLERR : 0);
		if (s->rip && !s->error)
			m |= NSOCK_POLLOUT; // a write reports EPIPE without blocking
		return m;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (!s->fin_pending && ring_space(&s->snd) > 0)
			m |= NSOCK_POLLOUT;
		break;
	default:
		break;
	}
	if (s->rcv.len || s->fin_rcvd || s->shut_rd)
		m |= NSOCK_POLLIN;
	if (s->fin_rcvd && s->fin_pending)
		m |= NSOCK_POLLHUP;
	return m;
}
