// SPDX-License-Identifier: MIT
// The guest glue between the protocol core (netcore.h) and the VM: frames go out with
// one NIC_SEND PIO each; received frames are drained by a scheduler callback for the
// NIC's receive interrupt (acknowledging the line before draining, so no frame is
// left behind without an interrupt, denali_nic.h); the core's one deadline is one
// libos software timer; "socket changed" wakes the threads blocked on that socket
// (sockfd.h). The stack starts on first use with the NIC's MAC and IPv4 address from
// the virtual registers (denali_net.h).
#include <denali_net.h>
#include <denali_nic.h>
#include <denali_sched.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sockfd.h"

static struct {
	struct net *net;
	int failed;                    // no IPv4 address: never try again
	struct denali_net_config cfg;  // from denali_net_configure
	struct denali_timer timer;
	uint8_t rx[DENALI_NIC_FRAME_MAX];
} g;

static int send_frame(void *ctx, const uint8_t *frame, uint32_t len)
{
	(void)ctx;
	return denali_nic_is_err(denali_nic_send(frame, len)) ? -1 : 0;
}

static uint64_t now_ns(void *ctx)
{
	(void)ctx;
	return denali_now_ns();
}

static void timer_fired(struct denali_timer *t)
{
	(void)t;
	net_timer(g.net);
}

static void set_timer(void *ctx, uint64_t deadline_ns)
{
	(void)ctx;
	if (deadline_ns == UINT64_MAX)
		denali_timer_cancel(&g.timer);
	else
		denali_timer_arm(&g.timer, deadline_ns);
}

static void wake(void *ctx, struct nsock *s, void *user)
{
	(void)ctx;
	(void)s;
	struct sockfd *f = user;
	if (!f || !f->waiters)
		return;
	pthread_cond_broadcast(&f->cv);
	for (struct poll_link *l = f->polls; l; l = l->next)
		pthread_cond_signal(&l->w->cv);
}

// DENALI_IRQ_NIC_RX callback (scheduler context).
static void rx_drain(void *arg)
{
	(void)arg;
	denali_nic_ack_rx();
	for (;;) {
		uint32_t n = denali_nic_recv(g.rx, sizeof(g.rx));
		if (n == 0 || denali_nic_is_err(n))
			break; // empty, or a frame the NIC cannot hand over (never bigger than rx)
		net_input(g.net, g.rx, n);
	}
}

struct net *nicif_net(void)
{
	if (g.net)
		return g.net;
	uint32_t raw = denali_nic_ipv4();
	if (g.failed || raw == 0) {
		// Say why once, on the console: the usual cause is a run without devices.
		if (!g.failed)
			fprintf(stderr, "libos: no network: this VM has no IPv4 address (denali "
				"run attaches NICs with --nic simple, --client or any device flag; "
				"--no-ipv4 removes the address)\n");
		g.failed = 1;
		errno = ENETDOWN;
		return NULL;
	}
	const uint8_t *b = (const uint8_t *)&raw; // network order in memory
	uint32_t ip = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	uint8_t mac[6];
	denali_nic_mac(mac);
	struct net_ops ops = { NULL, send_frame, now_ns, set_timer, wake };
	g.net = net_create(&ops, mac, ip, &g.cfg);
	if (!g.net) {
		errno = ENOMEM;
		return NULL;
	}
	g.timer.fn = timer_fired;
	denali_irq_register(DENALI_IRQ_NIC_RX, rx_drain, NULL);
	rx_drain(NULL); // frames that arrived before we listened
	return g.net;
}

int denali_net_init(void)
{
	return nicif_net() ? 0 : -1;
}

int denali_net_configure(const struct denali_net_config *cfg)
{
	if (g.net || !cfg)
		return -1;
	g.cfg = *cfg;
	return 0;
}

void denali_net_stats(struct denali_net_stats *out)
{
	if (g.net)
		*out = *net_stats(g.net);
	else
		memset(out, 0, sizeof(*out));
}

void denali_net_print_stats(void)
{
	static const char *const names[] = {
#define N(x) #x
		N(eth_in), N(eth_out), N(eth_drop_short), N(eth_drop_not_ours), N(eth_drop_type),
		N(eth_send_errors), N(arp_requests_in), N(arp_replies_in), N(arp_requests_out),
		N(arp_replies_out), N(arp_drop_bad), N(arp_queued), N(arp_queue_drops),
		N(arp_timeouts), N(ip_in), N(ip_out), N(ip_drop_header), N(ip_drop_checksum),
		N(ip_drop_fragment), N(ip_drop_not_ours), N(ip_drop_proto), N(ip_drop_no_route),
		N(icmp_in), N(icmp_echo_replies), N(icmp_unreach_out), N(icmp_drop_bad),
		N(udp_in), N(udp_out), N(udp_drop_bad), N(udp_drop_checksum), N(udp_drop_no_port),
		N(udp_drop_full), N(tcp_in), N(tcp_out), N(tcp_drop_bad), N(tcp_drop_checksum),
		N(tcp_drop_no_socket), N(tcp_drop_out_of_window), N(tcp_drop_backlog),
		N(tcp_drop_other), N(tcp_rst_in), N(tcp_rst_out), N(tcp_challenge_acks),
		N(tcp_retransmits), N(tcp_fast_retransmits), N(tcp_timeouts), N(tcp_dup_acks),
		N(tcp_ooo_segments), N(tcp_ooo_drops), N(tcp_persist_probes), N(tcp_delayed_acks),
		N(tcp_rtt_samples), N(tcp_active_opens), N(tcp_passive_opens), N(tcp_established),
		N(tcp_aborts),
#undef N
	};
	// the struct is exactly these uint64_t fields, in this order
	_Static_assert(sizeof(names) / sizeof(names[0]) ==
			       sizeof(struct denali_net_stats) / sizeof(uint64_t),
		       "denali_net_print_stats: names and struct denali_net_stats differ");
	struct denali_net_stats st;
	denali_net_stats(&st);
	const uint64_t *v = (const uint64_t *)&st;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (v[i])
			printf("net: %s %llu\n", names[i], (unsigned long long)v[i]);
}
