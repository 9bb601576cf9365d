// SPDX-License-Identifier: MIT
// TCP timers, one deadline field each in struct nsock (NET_NEVER when off); net.c
// runs the earliest through net_timer.
//   t_rexmt   retransmission (RFC 6298: RTO = SRTT + 4 RTTVAR, clamped to
//             [rto_min, rto_max], doubled on each expiry; go-back-N from snd_una with
//             cwnd = 1 MSS, RFC 5681 3.1); after max_retries (syn_retries for a
//             handshake) the connection is reset with ETIMEDOUT
//   t_persist zero-window probes (RFC 1122 4.2.2.17): an ACK with sequence
//             snd_una - 1, which the peer must answer with its window, backing off
//             like the RTO and never giving up while the peer answers
//   t_delack  the delayed ACK (RFC 1122 4.2.3.2)
//   t_2msl    TIME_WAIT (2 MSL), and the orphaned FIN_WAIT_2 limit
#include <errno.h>

#include "net_internal.h"

uint64_t tcp_next_deadline(const struct nsock *s)
{
	uint64_t d = s->t_rexmt;
	if (s->t_persist < d) d = s->t_persist;
	if (s->t_delack < d) d = s->t_delack;
	if (s->t_2msl < d) d = s->t_2msl;
	return d;
}

void tcp_arm_rexmt(struct nsock *s)
{
	net_deadline(s->net, s->t_rexmt = net_now(s->net) + s->rto_ns);
}

void tcp_rtt_sample(struct nsock *s, uint64_t r)
{
	const struct denali_net_config *c = &s->net->cfg;
	s->net->st.tcp_rtt_samples++;
	if (s->srtt_ns == 0) {
		s->srtt_ns = r ? r : 1;
		s->rttvar_ns = r / 2;
	} else {
		uint64_t d = s->srtt_ns > r ? s->srtt_ns - r : r - s->srtt_ns;
		s->rttvar_ns = (3 * s->rttvar_ns + d) / 4;
		s->srtt_ns = (7 * s->srtt_ns + r) / 8;
		if (s->srtt_ns == 0)
			s->srtt_ns = 1;
	}
	uint64_t rto = s->srtt_ns + 4 * s->rttvar_ns;
	s->rto_ns = rto < c->rto_min_ns ? c->rto_min_ns : rto > c->rto_max_ns ? c->rto_max_ns : rto;
}

void tcp_enter_time_wait(struct nsock *s)
{
	s->state = TCP_TIME_WAIT;
	s->t_rexmt = s->t_persist = s->t_delack = NET_NEVER;
	net_deadline(s->net, s->t_2msl = net_now(s->net) + 2 * s->net->cfg.msl_ns);
	ring_free(&s->snd);
	net_wake(s);
}

static void backoff(struct nsock *s)
{
	uint64_t max = s->net->cfg.rto_max_ns;
	s->rto_ns = s->rto_ns > max / 2 ? max : s->rto_ns * 2;
}

static void rexmt_expired(struct nsock *s)
{
	struct net *n = s->net;
	s->t_rexmt = NET_NEVER;
	n->st.tcp_timeouts++;
	int handshake = s->state == TCP_SYN_SENT || s->state == TCP_SYN_RCVD;
	if (!handshake && s->snd_wnd == 0 && s->snd.len > 0) {
		// The peer shut its window with our data outstanding: nothing may be sent,
		// so this is no loss. Go back to SND.UNA and probe the window instead.
		s->snd_nxt = s->snd_una;
		s->rtt_timing = 0;
		net_deadline(n, s->t_persist = net_now(n) + s->rto_ns);
		return;
	}
	uint32_t limit = handshake ? n->cfg.syn_retries : n->cfg.max_retries;
	if (++s->retries > limit) {
		if (s->state != TCP_SYN_SENT)
			tcp_send_reset(n, s->lip, s->lport, s->rip, s->rport, s->snd_nxt, 0, 0);
		tcp_drop(s, ETIMEDOUT);
		return;
	}
	backoff(s);
	if (!handshake) {
		uint32_t flight = s->snd_max - s->snd_una;
		s->ssthresh = flight / 2 > 2 * s->mss ? flight / 2 : 2 * s->mss;
		s->cwnd = s->mss;
	}
	s->in_recovery = 0;
	s->dupacks = 0;
	s->recover = s->snd_max;
	s->rtt_timing = 0;
	s->snd_nxt = handshake ? s->iss : s->snd_una;
	tcp_output(s);
	if (s->t_rexmt == NET_NEVER && s->snd_max != s->snd_una)
		tcp_arm_rexmt(s);
}

// Returns 1 when it freed s.
static int persist_expired(struct nsock *s, uint64_t now)
{
	s->t_persist = NET_NEVER;
	if (s->snd_wnd > 0) { // a window too small for Nagle: use it anyway
		tcp_output_force(s);
		if (s->t_persist == NET_NEVER)
			return 0;
	}
	// An orphan (closed by the user) whose peer keeps its window shut forever would
	// linger forever: give up after max_retries probes, like Linux's orphan retries.
	if (s->closed && s->retries >= s->net->cfg.max_retries) {
		tcp_send_reset(s->net, s->lip, s->lport, s->rip, s->rport, s->snd_nxt, 0, 0);
		tcp_drop(s, ETIMEDOUT);
		return 1;
	}
	s->net->st.tcp_persist_probes++;
	tcp_send_segment(s, TH_ACK, s->snd_una - 1, 0);
	uint32_t shift = s->retries < 10 ? s->retries : 10;
	uint64_t t = s->rto_ns << shift, max = s->net->cfg.rto_max_ns;
	net_deadline(s->net, s->t_persist = now + (t > max ? max : t));
	s->retries++;
	return 0;
}

void tcp_timer(struct nsock *s, uint64_t now)
{
	if (s->t_2msl <= now) {
		s->t_2msl = NET_NEVER;
		tcp_drop(s, 0); // may free s
		return;
	}
	if (s->t_delack <= now) {
		s->t_delack = NET_NEVER;
		s->net->st.tcp_delayed_acks++;
		tcp_send_ack(s);
	}
	if (s->t_persist <= now && persist_expired(s, now))
		return;
	if (s->t_rexmt <= now)
		rexmt_expired(s); // may free s
}
