// SPDX-License-Identifier: MIT
// TCP output: building segments (header, MSS option, checksum), and the sending
// policy of tcp_output: SYN first, then data cut to the MSS within the smaller of the
// peer's window and the congestion window (RFC 5681), Nagle's rule (RFC 896, RFC 1122
// 4.2.3.4, off with TCP_NODELAY) and sender-side silly-window avoidance, FIN after the
// last byte. A closed peer window arms the persist timer (tcp_timer.c) instead.
#include <string.h>

#include "net_internal.h"

static uint32_t min32(uint32_t a, uint32_t b) { return a < b ? a : b; }

void tcp_send_segment(struct nsock *s, uint32_t flags, uint32_t seq, uint32_t len)
{
	struct net *n = s->net;
	uint8_t *t = ipv4_payload(n);
	uint32_t hlen = TCP_HLEN + ((flags & TH_SYN) ? 4u : 0u);
	uint32_t win = tcp_rcv_window(s);
	wr16(t, s->lport);
	wr16(t + 2, s->rport);
	wr32(t + 4, seq);
	wr32(t + 8, (flags & TH_ACK) ? s->rcv_nxt : 0);
	t[12] = (uint8_t)((hlen / 4) << 4);
	t[13] = (uint8_t)flags;
	wr16(t + 14, win);
	wr16(t + 16, 0);
	wr16(t + 18, 0);
	if (flags & TH_SYN) {
		t[20] = 2; // MSS
		t[21] = 4;
		wr16(t + 22, TCP_MSS_MAX);
	}
	if (len)
		ring_peek(&s->snd, seq - s->snd_una, t + hlen, len);
	uint32_t sum = cksum_pseudo(n->ip, s->rip, IP_PROTO_TCP, hlen + len);
	wr16(t + 16, cksum_finish(cksum_add(sum, t, hlen + len)));
	if ((len || (flags & (TH_SYN | TH_FIN))) && SEQ_LT(seq, s->snd_max)) {
		n->st.tcp_retransmits++;
		s->rtt_timing = 0; // Karn: no sample from a retransmitted range
	}
	if (flags & TH_ACK) {
		s->rcv_adv = s->rcv_nxt + win;
		s->t_delack = NET_NEVER;
		s->unacked_segs = 0;
		s->ack_now = 0;
	}
	n->st.tcp_out++;
	ipv4_output(n, s->rip, IP_PROTO_TCP, hlen + len);
}

void tcp_send_ack(struct nsock *s)
{
	tcp_send_segment(s, TH_ACK, s->snd_nxt, 0);
}

void tcp_send_reset(struct net *n, uint32_t lip, uint16_t lport, uint32_t rip,
		    uint16_t rport, uint32_t seq, uint32_t ack, int with_ack)
{
	(void)lip;
	uint8_t *t = ipv4_payload(n);
	memset(t, 0, TCP_HLEN);
	wr16(t, lport);
	wr16(t + 2, rport);
	wr32(t + 4, seq);
	wr32(t + 8, with_ack ? ack : 0);
	t[12] = (TCP_HLEN / 4) << 4;
	t[13] = (uint8_t)(TH_RST | (with_ack ? TH_ACK : 0));
	uint32_t sum = cksum_pseudo(n->ip, rip, IP_PROTO_TCP, TCP_HLEN);
	wr16(t + 16, cksum_finish(cksum_add(sum, t, TCP_HLEN)));
	n->st.tcp_out++;
	n->st.tcp_rst_out++;
	ipv4_output(n, rip, IP_PROTO_TCP, TCP_HLEN);
}

// Sequence numbers now used: remembers the first new one for an RTT sample and keeps
// the retransmission timer running while anything is unacknowledged.
static void sent(struct nsock *s, uint32_t end)
{
	if (SEQ_GT(end, s->snd_max)) {
		if (!s->rtt_timing) {
			s->rtt_timing = 1;
			s->rtt_seq = s->snd_max;
			s->rtt_start_ns = net_now(s->net);
		}
		s->snd_max = end;
	}
	if (s->t_rexmt == NET_NEVER)
		tcp_arm_rexmt(s);
	if (s->t_persist != NET_NEVER) { // the window opened: the probes' count is done
		s->t_persist = NET_NEVER;
		s->retries = 0;
	}
}

static int fin_state(enum tcp_state st)
{
	return st == TCP_FIN_WAIT_1 || st == TCP_CLOSING || st == TCP_LAST_ACK;
}

static void output(struct nsock *s, int force);

void tcp_output(struct nsock *s)
{
	output(s, 0);
}

void tcp_output_force(struct nsock *s)
{
	output(s, 1);
}

// force: the persist timer fired with data waiting and nothing in flight; send what
// the peer's window allows even if Nagle or silly-window avoidance would wait.
static void output(struct nsock *s, int force)
{
	switch (s->state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
	case TCP_TIME_WAIT:
		return;
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		if (s->snd_nxt == s->iss) {
			tcp_send_segment(s, s->state == TCP_SYN_SENT ? TH_SYN : TH_SYN | TH_ACK,
					 s->iss, 0);
			s->snd_nxt = s->iss + 1;
			sent(s, s->snd_nxt);
		}
		return;
	default:
		break;
	}
	for (;;) {
		uint32_t off = s->snd_nxt - s->snd_una;
		if (off > s->snd.len)
			break; // the FIN is out
		uint32_t avail = s->snd.len - off;
		// Limited transmit (RFC 3042): the first two duplicate ACKs each let one
		// new segment out, so a small window still gathers three of them.
		uint32_t extra = !s->in_recovery && s->dupacks < 3 ? s->dupacks * s->mss : 0;
		uint32_t wnd = min32(s->snd_wnd, s->cwnd + extra);
		uint32_t usable = wnd > off ? wnd - off : 0;
		uint32_t len = min32(min32(avail, s->mss), usable);
		int fin = s->fin_pending && len == avail && fin_state(s->state);
		if (len == 0 && !fin)
			break;
		if (len < s->mss && !fin && !force) {
			int all = len == avail;
			int idle = s->snd_nxt == s->snd_una;
			int ok = (all && (idle || s->nodelay)) || SEQ_LT(s->snd_nxt, s->snd_max) ||
				 (s->max_sndwnd && len >= s->max_sndwnd / 2);
			if (!ok)
				break;
		}
		uint32_t flags = TH_ACK | (len && len == avail ? TH_PSH : 0) | (fin ? TH_FIN : 0);
		tcp_send_segment(s, flags, s->snd_nxt, len);
		s->snd_nxt += len + (fin ? 1u : 0u);
		if (fin)
			s->fin_sent = 1;
		sent(s, s->snd_nxt);
		if (fin || force)
			break;
	}
	// Data waits and nothing is in flight, so no ACK will come to restart sending:
	// the peer's window is shut or too small to use. The persist timer probes it
	// (RFC 1122 4.2.2.17, and BSD's answer to a stuck silly window).
	uint32_t off = s->snd_nxt - s->snd_una;
	if (off == 0 && s->snd.len > 0 && s->t_rexmt == NET_NEVER && s->t_persist == NET_NEVER)
		net_deadline(s->net, s->t_persist = net_now(s->net) + s->rto_ns);
}

void tcp_retransmit_first(struct nsock *s)
{
	uint32_t len = min32(s->snd.len, s->mss);
	uint32_t flags = TH_ACK;
	// the FIN rides along when it directly follows the data and was already sent
	if (s->fin_sent && len == s->snd.len)
		flags |= TH_FIN;
	if (len == 0 && !(flags & TH_FIN))
		return;
	tcp_send_segment(s, flags, s->snd_una, len);
}

void tcp_window_update(struct nsock *s)
{
	if (s->fin_rcvd || (s->state != TCP_ESTABLISHED && s->state != TCP_FIN_WAIT_1 &&
			    s->state != TCP_FIN_WAIT_2))
		return;
	uint32_t edge = s->rcv_nxt + tcp_rcv_window(s);
	uint32_t grow = edge - s->rcv_adv;
	if (SEQ_GT(edge, s->rcv_adv) && grow >= min32(s->rcv.cap / 2, 2 * TCP_MSS_MAX))
		tcp_send_ack(s);
}
