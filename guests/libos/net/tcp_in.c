// SPDX-License-Identifier: MIT
// TCP segment arrival, in the order of RFC 793 3.9 "SEGMENT ARRIVES": header checks
// (length, data offset, options, checksum), demultiplexing, LISTEN and SYN_SENT, then
// for synchronized states the sequence check and trimming, RST (RFC 5961 3.2:
// exact match resets, in-window draws a challenge ACK), SYN (challenge ACK), ACK
// (RFC 5681 congestion control, RFC 6582 NewReno fast retransmit/recovery, RTT
// samples by Karn's rule), data (in order into the receive ring, out of order into a
// sorted queue) and FIN. ACKs are delayed (every second segment, or delack_ns) except
// for out-of-order or duplicate data, which is answered at once (RFC 5681 4.2).
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

// One parsed segment. data/len shrink as trimming cuts it to the window.
struct seg {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack, wnd, flags, mss;
	const uint8_t *data;
	uint32_t len;
};

static uint32_t min32(uint32_t a, uint32_t b) { return a < b ? a : b; }

// RFC 793 3.4: the reset answering a segment that belongs to no connection.
static void reset_for(struct net *n, const struct seg *g)
{
	if (g->flags & TH_RST)
		return;
	if (g->flags & TH_ACK)
		tcp_send_reset(n, g->dst, g->dport, g->src, g->sport, g->ack, 0, 0);
	else
		tcp_send_reset(n, g->dst, g->dport, g->src, g->sport, 0,
			       g->seq + g->len + (g->flags & TH_SYN ? 1 : 0) +
				       (g->flags & TH_FIN ? 1 : 0), 1);
}

static void set_mss(struct nsock *s, uint32_t opt)
{
	uint32_t m = opt ? opt : TCP_MSS_DEFAULT;
	if (m > TCP_MSS_MAX) m = TCP_MSS_MAX;
	if (m < TCP_MSS_MIN) m = TCP_MSS_MIN;
	s->mss = m;
	s->cwnd = 10 * m;        // RFC 6928's initial window
	s->ssthresh = 1u << 30;  // "arbitrarily high" (RFC 5681 3.1)
}

// Parses the options between the fixed header and the data. Returns -1 when one runs
// past the header or has an impossible length.
static int parse_options(const uint8_t *o, uint32_t olen, struct seg *g)
{
	uint32_t i = 0;
	while (i < olen) {
		uint8_t kind = o[i];
		if (kind == 0) // end of list
			break;
		if (kind == 1) { // no-op
			i++;
			continue;
		}
		if (i + 1 >= olen || o[i + 1] < 2 || o[i + 1] > olen - i)
			return -1;
		if (kind == 2) {
			if (o[i + 1] != 4)
				return -1;
			g->mss = rd16(o + i + 2);
		}
		i += o[i + 1];
	}
	return 0;
}

static void listen_input(struct nsock *l, const struct seg *g)
{
	struct net *n = l->net;
	if (g->flags & TH_RST)
		return;
	if (g->flags & TH_ACK) {
		reset_for(n, g);
		return;
	}
	if (!(g->flags & TH_SYN) || (g->flags & TH_FIN)) {
		n->st.tcp_drop_other++;
		return;
	}
	if (l->pending >= l->backlog) {
		n->st.tcp_drop_backlog++; // the client retries its SYN
		return;
	}
	struct nsock *c = net_sock_alloc(n, NSOCK_TCP);
	if (!c) {
		n->st.tcp_drop_other++;
		return;
	}
	c->parent = l;
	l->pending++;
	c->lip = g->dst;
	c->lport = g->dport;
	c->rip = g->src;
	c->rport = g->sport;
	c->bound = 1;
	c->nodelay = l->nodelay;
	c->snd.cap = l->snd.cap;
	c->rcv.cap = l->rcv.cap;
	c->irs = g->seq;
	c->rcv_nxt = g->seq + 1;
	c->iss = tcp_isn(n, c->lip, c->lport, c->rip, c->rport);
	c->snd_una = c->snd_nxt = c->snd_max = c->recover = c->iss;
	c->snd_wnd = c->max_sndwnd = g->wnd;
	c->snd_wl1 = g->seq;
	c->snd_wl2 = c->iss;
	set_mss(c, g->mss);
	c->state = TCP_SYN_RCVD;
	tcp_hash_insert(c);
	n->st.tcp_passive_opens++;
	tcp_output(c);
}

static void established(struct nsock *s)
{
	s->state = TCP_ESTABLISHED;
	s->net->st.tcp_established++;
	s->retries = 0;
	if (s->parent)
		tcp_child_established(s);
	net_wake(s);
}

static void syn_sent_input(struct nsock *s, const struct seg *g)
{
	struct net *n = s->net;
	int ack_ok = 0;
	if (g->flags & TH_ACK) {
		if (SEQ_LEQ(g->ack, s->iss) || SEQ_GT(g->ack, s->snd_max)) {
			reset_for(n, g);
			return;
		}
		ack_ok = 1;
	}
	if (g->flags & TH_RST) {
		n->st.tcp_rst_in++;
		if (ack_ok)
			tcp_drop(s, ECONNREFUSED);
		return;
	}
	if (!(g->flags & TH_SYN))
		return;
	s->irs = g->seq;
	s->rcv_nxt = g->seq + 1;
	set_mss(s, g->mss);
	s->snd_wnd = s->max_sndwnd = g->wnd;
	s->snd_wl1 = g->seq;
	s->snd_wl2 = g->ack;
	if (ack_ok) {
		if (s->rtt_timing) {
			tcp_rtt_sample(s, net_now(n) - s->rtt_start_ns);
			s->rtt_timing = 0;
		}
		s->snd_una = g->ack;
		s->t_rexmt = NET_NEVER;
		established(s);
		tcp_send_ack(s); // data on a SYN is not kept: the peer sends it again
	} else { // simultaneous open (RFC 793 figure 8)
		s->state = TCP_SYN_RCVD;
		s->snd_nxt = s->iss;
		tcp_output(s);
	}
}

// The peer's FIN is next in sequence: RFC 793 3.9 "eighth, check the FIN bit".
static void fin_arrived(struct nsock *s)
{
	if (!s->fin_rcvd) {
		s->fin_rcvd = 1;
		s->rcv_nxt++;
	}
	s->ack_now = 1;
	switch (s->state) {
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
		s->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		s->state = TCP_CLOSING; // our FIN is not yet acknowledged (checked before)
		break;
	case TCP_FIN_WAIT_2:
		tcp_enter_time_wait(s);
		break;
	case TCP_TIME_WAIT:
		net_deadline(s->net, s->t_2msl = net_now(s->net) + 2 * s->net->cfg.msl_ns);
		break;
	default:
		break;
	}
	net_wake(s);
}

// Queues an out-of-order segment, sorted by sequence number. The caller trimmed it to
// the window; overlapping copies are kept and sorted out when the hole fills, with
// their total bounded by the buffer size.
static void ooo_insert(struct nsock *s, const struct seg *g, int fin)
{
	struct net *n = s->net;
	struct pktbuf **pp = &s->ooo;
	while (*pp && SEQ_LT((*pp)->seq, g->seq))
		pp = &(*pp)->next;
	if (*pp && (*pp)->seq == g->seq && (*pp)->len >= g->len && ((*pp)->fin || !fin))
		return; // a duplicate
	if (s->ooo_bytes + g->len > s->rcv.cap) {
		n->st.tcp_ooo_drops++;
		return;
	}
	struct pktbuf *p = malloc(sizeof(*p) + g->len);
	if (!p) {
		n->st.tcp_ooo_drops++;
		return;
	}
	p->seq = g->seq;
	p->len = g->len;
	p->fin = (uint8_t)fin;
	p->port = 0;
	memcpy(p->data, g->data, g->len);
	p->next = *pp;
	*pp = p;
	s->ooo_bytes += g->len;
	n->st.tcp_ooo_segments++;
}

// Moves queued segments that are now in order into the receive ring. Returns 1 when
// the FIN became in order.
static int ooo_merge(struct nsock *s)
{
	int fin = 0;
	while (s->ooo && SEQ_LEQ(s->ooo->seq, s->rcv_nxt)) {
		struct pktbuf *p = s->ooo;
		s->ooo = p->next;
		s->ooo_bytes -= p->len;
		uint32_t end = p->seq + p->len;
		if (SEQ_GT(end, s->rcv_nxt)) {
			uint32_t off = s->rcv_nxt - p->seq;
			s->rcv_nxt += ring_write(&s->rcv, p->data + off, p->len - off);
		}
		if (p->fin && end == s->rcv_nxt)
			fin = 1;
		free(p);
	}
	return fin;
}

static void dup_ack(struct nsock *s, const struct seg *g)
{
	s->net->st.tcp_dup_acks++;
	if (s->in_recovery) {
		s->cwnd += s->mss; // each dup ACK means a segment left the network
		return;
	}
	// Early retransmit (RFC 5827): with fewer than four segments in flight and
	// nothing new to send, three duplicates can never come; one less than the
	// segments outstanding will do.
	uint32_t flight = s->snd_max - s->snd_una;
	uint32_t thresh = 3;
	uint32_t segs = (min32(flight, s->snd.len) + s->mss - 1) / s->mss; // a FIN is no segment
	if (segs < 4 && s->snd.len <= flight && segs > 1)
		thresh = segs - 1;
	if (++s->dupacks < thresh || SEQ_LT(g->ack, s->recover))
		return;
	s->ssthresh = flight / 2 > 2 * s->mss ? flight / 2 : 2 * s->mss;
	s->recover = s->snd_max;
	s->in_recovery = 1;
	s->net->st.tcp_fast_retransmits++;
	tcp_retransmit_first(s);
	s->cwnd = s->ssthresh + 3 * s->mss;
}

static void new_ack(struct nsock *s, const struct seg *g)
{
	uint32_t acked = g->ack - s->snd_una;
	ring_consume(&s->snd, min32(acked, s->snd.len));
	if (s->rtt_timing && SEQ_GT(g->ack, s->rtt_seq)) {
		tcp_rtt_sample(s, net_now(s->net) - s->rtt_start_ns);
		s->rtt_timing = 0;
	}
	s->retries = 0;
	s->snd_una = g->ack;
	if (SEQ_LT(s->snd_nxt, s->snd_una))
		s->snd_nxt = s->snd_una;
	if (s->in_recovery) {
		if (SEQ_GEQ(g->ack, s->recover)) { // full ACK: recovery is over
			// RFC 6582 3.2 step 3, option 2: cwnd = ssthresh. (Option 1,
			// FlightSize + MSS, leaves one segment after a full ACK, and the
			// peer's delayed ACK then holds it for delack_ns.)
			s->cwnd = s->ssthresh;
			s->in_recovery = 0;
			s->dupacks = 0;
		} else { // partial ACK: the next hole is lost too (RFC 6582 3.2 step 5)
			tcp_retransmit_first(s);
			s->cwnd = s->cwnd > acked ? s->cwnd - acked : 0;
			s->cwnd += s->mss;
			tcp_arm_rexmt(s);
		}
	} else {
		s->dupacks = 0;
		if (s->cwnd < s->ssthresh)
			s->cwnd += min32(acked, s->mss);
		else
			s->cwnd += s->mss * s->mss / s->cwnd > 0 ? s->mss * s->mss / s->cwnd : 1;
		if (s->cwnd > 4 * 65536u)
			s->cwnd = 4 * 65536u; // the window never exceeds 64 KiB anyway
	}
	if (s->snd_una == s->snd_max)
		s->t_rexmt = NET_NEVER;
	else if (!s->in_recovery)
		tcp_arm_rexmt(s);
	net_wake(s);
}

// Data of an acceptable segment, already trimmed to the window (g->seq >= rcv_nxt).
static void data_input(struct nsock *s, struct seg *g, int *fin)
{
	if (g->seq == s->rcv_nxt) {
		int had_ooo = s->ooo != NULL;
		uint32_t w = ring_write(&s->rcv, g->data, g->len);
		s->rcv_nxt += w;
		if (w < g->len)
			*fin = 0; // out of memory: the peer resends the rest with its FIN
		if (ooo_merge(s))
			*fin = 1;
		if (s->shut_rd)
			ring_consume(&s->rcv, s->rcv.len);
		s->unacked_segs++;
		if (had_ooo)
			s->ack_now = 1; // filling a hole: tell the sender at once
		net_wake(s);
	} else {
		ooo_insert(s, g, *fin);
		*fin = 0;
		s->ack_now = 1; // a duplicate ACK drives the sender's fast retransmit
	}
}

static void sync_input(struct nsock *s, struct seg *g)
{
	struct net *n = s->net;
	// A retransmitted SYN while our SYN-ACK is unanswered: send it again.
	if (s->state == TCP_SYN_RCVD && (g->flags & (TH_SYN | TH_ACK)) == TH_SYN &&
	    g->seq == s->irs) {
		s->snd_nxt = s->iss;
		tcp_output(s);
		return;
	}
	// first, the sequence number (RFC 793 p. 69; a zero window still takes the
	// ACK and RST of a segment at rcv_nxt)
	uint32_t wnd = tcp_rcv_window(s);
	uint32_t seglen = g->len + (g->flags & TH_SYN ? 1 : 0) + (g->flags & TH_FIN ? 1 : 0);
	uint32_t rel = g->seq - s->rcv_nxt;
	int ok;
	if (g->seq == s->rcv_nxt)
		ok = 1;
	else if (seglen == 0)
		ok = wnd > 0 && rel < wnd;
	else
		ok = wnd > 0 && (rel < wnd || (uint32_t)(g->seq + seglen - 1 - s->rcv_nxt) < wnd);
	if (!ok) {
		if (!(g->flags & TH_RST)) {
			n->st.tcp_drop_out_of_window++;
			tcp_send_ack(s);
		}
		return;
	}
	if (g->flags & TH_RST) {
		n->st.tcp_rst_in++;
		if (g->seq != s->rcv_nxt) {
			n->st.tcp_challenge_acks++;
			tcp_send_ack(s);
			return;
		}
		switch (s->state) {
		case TCP_SYN_RCVD:
			tcp_drop(s, s->parent ? 0 : ECONNREFUSED);
			break;
		case TCP_CLOSING:
		case TCP_LAST_ACK:
		case TCP_TIME_WAIT:
			tcp_drop(s, 0);
			break;
		default:
			tcp_drop(s, ECONNRESET);
			break;
		}
		return;
	}
	if (g->flags & TH_SYN) {
		if (SEQ_GEQ(g->seq, s->rcv_nxt)) { // RFC 5961 4.2
			n->st.tcp_challenge_acks++;
			tcp_send_ack(s);
			return;
		}
		g->flags &= ~TH_SYN; // an old SYN (a retransmitted SYN-ACK): our ACK was
		g->seq++;            // lost, so answer; the segment's ACK still counts
		s->ack_now = 1;
	}
	// trim what we already have
	if (SEQ_LT(g->seq, s->rcv_nxt)) {
		uint32_t d = s->rcv_nxt - g->seq;
		if (d > g->len) {
			g->flags &= ~TH_FIN; // the FIN came before too
			d = g->len;
		}
		g->data += d;
		g->len -= d;
		g->seq += d;
		s->ack_now = 1;
	}
	// and what does not fit
	uint32_t room = wnd - min32(wnd, g->seq - s->rcv_nxt);
	if (g->len > room) {
		g->len = room;
		g->flags &= ~TH_FIN;
		s->ack_now = 1;
	}
	if (!(g->flags & TH_ACK)) {
		n->st.tcp_drop_other++;
		return;
	}
	if (s->state == TCP_SYN_RCVD) {
		if (SEQ_LEQ(g->ack, s->snd_una) || SEQ_GT(g->ack, s->snd_max)) {
			reset_for(n, g);
			return;
		}
		s->snd_wnd = s->max_sndwnd = g->wnd;
		s->snd_wl1 = g->seq;
		s->snd_wl2 = g->ack;
		established(s);
	}
	if (SEQ_GT(g->ack, s->snd_max)) { // acknowledges something never sent
		n->st.tcp_drop_other++;
		tcp_send_ack(s);
		return;
	}
	if (SEQ_GT(g->ack, s->snd_una))
		new_ack(s, g);
	else if (g->ack == s->snd_una && g->len == 0 && !(g->flags & TH_FIN) &&
		 g->wnd == s->snd_wnd && s->snd_max != s->snd_una)
		dup_ack(s, g);
	if (SEQ_LT(s->snd_wl1, g->seq) || (s->snd_wl1 == g->seq && SEQ_LEQ(s->snd_wl2, g->ack))) {
		s->snd_wnd = g->wnd;
		s->snd_wl1 = g->seq;
		s->snd_wl2 = g->ack;
		if (g->wnd > s->max_sndwnd)
			s->max_sndwnd = g->wnd;
		if (g->wnd > 0)
			net_wake(s);
	}
	// our FIN acknowledged?
	if (s->fin_sent && s->snd_una == s->snd_max) {
		switch (s->state) {
		case TCP_FIN_WAIT_1:
			s->state = TCP_FIN_WAIT_2;
			if (s->closed) // orphaned: do not wait forever for the peer's FIN
				net_deadline(n, s->t_2msl = net_now(n) + 2 * n->cfg.msl_ns);
			net_wake(s);
			break;
		case TCP_CLOSING:
			tcp_enter_time_wait(s);
			break;
		case TCP_LAST_ACK:
			tcp_drop(s, 0);
			return;
		default:
			break;
		}
	}
	int fin = (g->flags & TH_FIN) != 0;
	if (g->len > 0) {
		switch (s->state) {
		case TCP_ESTABLISHED:
		case TCP_FIN_WAIT_1:
		case TCP_FIN_WAIT_2:
			if (s->closed) { // nobody will read it (RFC 1122 4.2.2.13)
				tcp_send_reset(n, s->lip, s->lport, s->rip, s->rport, s->snd_nxt, 0, 0);
				tcp_drop(s, 0);
				return;
			}
			data_input(s, g, &fin);
			break;
		default:
			fin = 0; // data after the peer's FIN is bogus
			break;
		}
	} else if (fin && g->seq != s->rcv_nxt) {
		ooo_insert(s, g, 1);
		fin = 0;
		s->ack_now = 1;
	}
	if (fin && s->state != TCP_CLOSED)
		fin_arrived(s);
	tcp_output(s);
	if (s->ack_now || s->unacked_segs >= 2)
		tcp_send_ack(s);
	else if (s->unacked_segs > 0 && s->t_delack == NET_NEVER)
		net_deadline(n, s->t_delack = net_now(n) + n->cfg.delack_ns);
}

void tcp_input(struct net *n, const uint8_t *p, uint32_t hlen, uint32_t len)
{
	n->st.tcp_in++;
	const uint8_t *t = p + hlen;
	uint32_t tlen = len - hlen;
	if (tlen < TCP_HLEN) {
		n->st.tcp_drop_bad++;
		return;
	}
	uint32_t doff = (uint32_t)(t[12] >> 4) * 4u;
	struct seg g = { .src = rd32(p + 12), .dst = rd32(p + 16), .sport = rd16(t),
			 .dport = rd16(t + 2), .seq = rd32(t + 4), .ack = rd32(t + 8),
			 .wnd = rd16(t + 14), .flags = t[13] & 0x3fu };
	if (doff < TCP_HLEN || doff > tlen || g.sport == 0 || g.dport == 0 ||
	    parse_options(t + TCP_HLEN, doff - TCP_HLEN, &g) != 0) {
		n->st.tcp_drop_bad++;
		return;
	}
	uint32_t sum = cksum_pseudo(g.src, g.dst, IP_PROTO_TCP, tlen);
	if (cksum_finish(cksum_add(sum, t, tlen)) != 0) {
		n->st.tcp_drop_checksum++;
		return;
	}
	g.data = t + doff;
	g.len = tlen - doff;
	struct nsock *s = tcp_lookup(n, g.dst, g.dport, g.src, g.sport);
	// A new SYN may reuse the addresses of a connection in TIME_WAIT (RFC 1122
	// 4.2.2.13) when its sequence number is past the old connection's.
	if (s && s->state == TCP_TIME_WAIT && (g.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
	    SEQ_GT(g.seq, s->rcv_nxt) && tcp_find_listener(n, g.dst, g.dport)) {
		tcp_drop(s, 0);
		s = NULL;
	}
	if (!s) {
		struct nsock *l = tcp_find_listener(n, g.dst, g.dport);
		if (l) {
			listen_input(l, &g);
		} else {
			if (!(g.flags & TH_RST))
				n->st.tcp_drop_no_socket++;
			reset_for(n, &g);
		}
		return;
	}
	if (s->state == TCP_SYN_SENT)
		syn_sent_input(s, &g);
	else
		sync_input(s, &g);
}
