// SPDX-License-Identifier: MIT
// Host unit tests of the network core below TCP (guests/libos/net/): ARP resolution,
// replies, parking and timeouts; ICMP echo; UDP both ways with checksums, connected
// sockets, port unreachable; and malformed frames at every layer, each counted under
// its cause and dropped, after which the stack still answers a ping.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"
#include "wire.h"

#define MS 1000000ull
#define SEC 1000000000ull

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void test_arp_resolve(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 1);
	struct wire_host *a = wire_add_host(&w, NULL), *b = wire_add_host(&w, NULL);
	struct wire_host *r = wire_add_raw(&w);
	struct nsock *ua = nsock_create(a->net, NSOCK_UDP), *ub = nsock_create(b->net, NSOCK_UDP);
	assert_int_equal(nsock_bind(ub, 0, 7000), 0);
	assert_int_equal(nsock_sendto(ua, "one", 3, b->ip, 7000), 3);
	assert_int_equal(nsock_sendto(ua, "two", 3, b->ip, 7000), 3);
	wire_run(&w, 10 * MS, NULL, NULL);
	const struct denali_net_stats *sa = net_stats(a->net), *sb = net_stats(b->net);
	assert_int_equal(sa->arp_requests_out, 1);
	assert_int_equal(sa->arp_queued, 2);
	assert_int_equal(sb->arp_requests_in, 1);
	assert_int_equal(sb->arp_replies_out, 1);
	assert_int_equal(sa->arp_replies_in, 1);
	char buf[8];
	uint32_t ip;
	uint16_t port;
	assert_int_equal(nsock_recv(ub, buf, sizeof(buf), &ip, &port), 3);
	assert_memory_equal(buf, "one", 3); // parked packets leave in order
	assert_int_equal(nsock_recv(ub, buf, sizeof(buf), &ip, &port), 3);
	assert_memory_equal(buf, "two", 3);
	// b learned a from the request: its answer needs no ARP of its own
	assert_int_equal(nsock_sendto(ub, "back", 4, ip, port), 4);
	wire_run(&w, 10 * MS, NULL, NULL);
	assert_int_equal(sb->arp_requests_out, 0);
	assert_int_equal(nsock_recv(ua, buf, sizeof(buf), NULL, NULL), 4);
	// a raw host asks for b's address and gets b's MAC
	struct wire_frame *old;
	while ((old = wire_raw_pop(r))) // a's broadcast request reached r too
		free(old);
	uint8_t f[64];
	static const uint8_t zero[6];
	wire_inject(r, f, fr_arp(f, bcast, r->mac, 1, r->ip, zero, b->ip));
	wire_run(&w, 10 * MS, NULL, NULL);
	struct wire_frame *rep = wire_raw_pop(r);
	assert_non_null(rep);
	assert_int_equal(rep->len, 42);
	assert_memory_equal(rep->data, r->mac, 6);
	assert_int_equal(rep->data[21], 2); // a reply
	assert_memory_equal(rep->data + 22, b->mac, 6);
	assert_memory_equal(rep->data + 32, r->mac, 6);
	free(rep);
	// nobody answers for someone else's address
	wire_inject(r, f, fr_arp(f, bcast, r->mac, 1, r->ip, zero, 0x0a000063));
	wire_run(&w, 10 * MS, NULL, NULL);
	assert_null(wire_raw_pop(r));
	nsock_close(ua);
	nsock_close(ub);
	wire_free(&w);
}

static void test_arp_unresolved(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 2);
	struct wire_host *a = wire_add_host(&w, NULL);
	struct nsock *u = nsock_create(a->net, NSOCK_UDP);
	for (int i = 0; i < 34; i++)
		assert_int_equal(nsock_sendto(u, "x", 1, 0x0a000063, 9), 1);
	const struct denali_net_stats *s = net_stats(a->net);
	assert_int_equal(s->arp_queued, 32);
	assert_int_equal(s->arp_queue_drops, 2);
	wire_run(&w, 10 * SEC, NULL, NULL);
	assert_int_equal(s->arp_requests_out, 3); // first try and two retries
	assert_int_equal(s->arp_timeouts, 1);
	assert_int_equal(s->arp_queue_drops, 34);
	// off-link destinations are refused, not ARPed for
	assert_int_equal(nsock_sendto(u, "x", 1, 0xc0a80001, 9), -EHOSTUNREACH);
	assert_int_equal(s->ip_drop_no_route, 1);
	assert_int_equal(nsock_sendto(u, "x", 1, 0x0a000063, 0), -EDESTADDRREQ);
	char big[1500] = { 0 };
	assert_int_equal(nsock_sendto(u, big, 1473, 0x0a000063, 9), -EMSGSIZE);
	nsock_close(u);
	wire_free(&w);
}

// The neighbour cache grows past its first 16 entries: 300 neighbours learned from
// ARP replies are all used without a new request; beyond ARP_CACHE_MAX (1024) the
// oldest pending resolutions give way.
static void test_arp_cache_growth(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 7);
	struct wire_host *a = wire_add_host(&w, NULL), *r = wire_add_raw(&w);
	uint8_t f[64];
	for (uint32_t i = 0; i < 300; i++) {
		wire_inject(r, f, fr_arp(f, a->mac, r->mac, 2, 0x0a010000u + i, a->mac, a->ip));
		wire_run(&w, 1 * MS, NULL, NULL);
	}
	const struct denali_net_stats *s = net_stats(a->net);
	assert_int_equal(s->arp_replies_in, 300);
	struct nsock *u = nsock_create(a->net, NSOCK_UDP);
	for (uint32_t i = 0; i < 300; i++)
		assert_int_equal(nsock_sendto(u, "x", 1, 0x0a010000u + i, 9), 1);
	assert_int_equal(s->arp_requests_out, 0);
	assert_int_equal(s->eth_out, 300);
	struct wire_frame *fr;
	while ((fr = wire_raw_pop(r)))
		free(fr);
	// 1100 unanswered resolutions: the table stops at 1024 and recycles entries
	for (uint32_t i = 0; i < 1100; i++)
		assert_int_equal(nsock_sendto(u, "x", 1, 0x0a020000u + i, 9), 1);
	assert_int_equal(s->arp_requests_out, 1100);
	// the 300 resolved entries go first, then the oldest pending ones, each dropping
	// its parked datagram
	assert_int_equal(s->arp_queue_drops, 1100 - 1024);
	wire_run(&w, 10 * SEC, NULL, NULL);
	assert_int_equal(s->arp_timeouts, 1024);
	assert_int_equal(s->arp_queue_drops, 1100);
	nsock_close(u);
	wire_free(&w);
}

// Sends an ICMP echo request from raw host r to b (after r has introduced itself with
// an ARP request, so b knows where to answer) and checks the reply.
static void ping(struct wire *w, struct wire_host *r, struct wire_host *b, uint16_t seq)
{
	uint8_t f[1514], icmp[64];
	static const uint8_t zero[6];
	wire_inject(r, f, fr_arp(f, bcast, r->mac, 1, r->ip, zero, b->ip));
	wire_run(w, 1 * MS, NULL, NULL);
	memset(icmp, 0, sizeof(icmp));
	icmp[0] = 8;
	fr_put16(icmp + 4, 0x4242);
	fr_put16(icmp + 6, seq);
	for (int i = 8; i < 64; i++)
		icmp[i] = (uint8_t)i;
	wire_inject(r, f, fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 1, icmp, sizeof(icmp)));
	wire_run(w, 1 * MS, NULL, NULL);
	struct wire_frame *rep;
	for (;;) { // skip the ARP reply and anything else b had for us
		rep = wire_raw_pop(r);
		assert_non_null(rep);
		if (rep->len > 23 && rep->data[12] == 8 && rep->data[13] == 0 && rep->data[23] == 1)
			break;
		free(rep);
	}
	assert_int_equal(rep->len, 34 + 64);
	assert_true(wire_checksums_ok(rep->data, rep->len));
	assert_int_equal(rep->data[23], 1);      // ICMP
	assert_int_equal(rep->data[34], 0);      // echo reply
	assert_memory_equal(rep->data + 38, icmp + 4, 60); // id, seq and data unchanged
	assert_memory_equal(rep->data + 26, rep->data + 26, 4);
	uint8_t want_src[4] = { 10, 0, 0, (uint8_t)(b->index + 1) };
	assert_memory_equal(rep->data + 26, want_src, 4);
	free(rep);
}

static void test_icmp_echo(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 3);
	struct wire_host *b = wire_add_host(&w, NULL), *r = wire_add_raw(&w);
	for (uint16_t i = 1; i <= 3; i++)
		ping(&w, r, b, i);
	assert_int_equal(net_stats(b->net)->icmp_echo_replies, 3);
	wire_free(&w);
}

static void test_udp(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 4);
	struct wire_host *a = wire_add_host(&w, NULL), *b = wire_add_host(&w, NULL);
	struct nsock *ua = nsock_create(a->net, NSOCK_UDP), *ub = nsock_create(b->net, NSOCK_UDP);
	assert_int_equal(nsock_bind(ua, 0, 5000), 0);
	assert_int_equal(nsock_bind(ub, b->ip, 6000), 0);
	struct nsock *dup = nsock_create(b->net, NSOCK_UDP);
	assert_int_equal(nsock_bind(dup, 0, 6000), -EADDRINUSE);
	assert_int_equal(nsock_bind(dup, 0x0a000063, 6001), -EADDRNOTAVAIL);
	nsock_close(dup);
	uint8_t msg[1472], buf[2048];
	for (uint32_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 31 + 7);
	uint32_t sizes[] = { 0, 1, 2, 3, 100, 1471, 1472 }; // odd sizes test the checksum
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		assert_int_equal(nsock_sendto(ua, msg, sizes[k], b->ip, 6000), sizes[k]);
		wire_run(&w, 1 * MS, NULL, NULL);
		uint32_t ip;
		uint16_t port;
		assert_true(nsock_poll(ub) & NSOCK_POLLIN);
		assert_int_equal(nsock_recv(ub, buf, sizeof(buf), &ip, &port), sizes[k]);
		assert_memory_equal(buf, msg, sizes[k]);
		assert_int_equal(ip, a->ip);
		assert_int_equal(port, 5000);
		assert_int_equal(nsock_sendto(ub, buf, sizes[k], ip, port), sizes[k]);
		wire_run(&w, 1 * MS, NULL, NULL);
		assert_int_equal(nsock_recv(ua, buf, sizeof(buf), &ip, &port), sizes[k]);
		assert_memory_equal(buf, msg, sizes[k]);
		assert_int_equal(port, 6000);
	}
	assert_int_equal(nsock_recv(ua, buf, sizeof(buf), NULL, NULL), -EAGAIN);
	// a short buffer truncates the datagram and loses the rest
	assert_int_equal(nsock_sendto(ua, msg, 100, b->ip, 6000), 100);
	wire_run(&w, 1 * MS, NULL, NULL);
	assert_int_equal(nsock_recv(ub, buf, 10, NULL, NULL), 10);
	assert_int_equal(nsock_recv(ub, buf, sizeof(buf), NULL, NULL), -EAGAIN);
	// connected sockets: send/recv, and datagrams from others are not delivered
	struct nsock *uc = nsock_create(a->net, NSOCK_UDP);
	assert_int_equal(nsock_send(uc, "x", 1), -EDESTADDRREQ);
	assert_int_equal(nsock_connect(uc, b->ip, 6000), 0);
	assert_int_equal(nsock_send(uc, "hello", 5), 5);
	wire_run(&w, 1 * MS, NULL, NULL);
	uint32_t ip;
	uint16_t port;
	assert_int_equal(nsock_recv(ub, buf, sizeof(buf), &ip, &port), 5);
	assert_int_equal(nsock_sendto(ub, "reply", 5, ip, port), 5);
	wire_run(&w, 1 * MS, NULL, NULL);
	assert_int_equal(nsock_recv(uc, buf, sizeof(buf), NULL, NULL), 5);
	assert_memory_equal(buf, "reply", 5);
	assert_int_equal(w.bad_checksums, 0);
	assert_int_equal(net_stats(a->net)->udp_out, 7 + 1 + 1);
	// a full receive queue drops (64 KiB of payload by default)
	for (int i = 0; i < 50; i++)
		nsock_sendto(ua, msg, 1472, b->ip, 6000);
	wire_run(&w, 10 * MS, NULL, NULL);
	assert_int_equal(net_stats(b->net)->udp_drop_full, 50 - 65536 / 1472);
	nsock_close(ua);
	nsock_close(ub);
	nsock_close(uc);
	assert_int_equal(net_socket_count(a->net) + net_socket_count(b->net), 0);
	wire_free(&w);
}

static void test_udp_port_unreachable(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 5);
	struct wire_host *a = wire_add_host(&w, NULL), *b = wire_add_host(&w, NULL);
	struct nsock *ua = nsock_create(a->net, NSOCK_UDP);
	assert_int_equal(nsock_sendto(ua, "anyone?", 7, b->ip, 9), 7);
	wire_run(&w, 10 * MS, NULL, NULL);
	assert_int_equal(net_stats(b->net)->udp_drop_no_port, 1);
	assert_int_equal(net_stats(b->net)->icmp_unreach_out, 1);
	assert_int_equal(net_stats(a->net)->icmp_in, 1);
	assert_int_equal(w.bad_checksums, 0);
	nsock_close(ua);
	wire_free(&w);
}

// Garbled frames from a raw host to stack b: each lands in its drop counter.
static void test_malformed(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 6);
	w.check_checksums = 0; // we send bad ones on purpose
	struct wire_host *b = wire_add_host(&w, NULL), *r = wire_add_raw(&w);
	struct nsock *l = nsock_create(b->net, NSOCK_TCP);
	assert_int_equal(nsock_bind(l, 0, 80), 0);
	assert_int_equal(nsock_listen(l, 4), 0);
	struct nsock *u = nsock_create(b->net, NSOCK_UDP);
	assert_int_equal(nsock_bind(u, 0, 53), 0);
	const struct denali_net_stats *s = net_stats(b->net);
	uint8_t f[1514], t[80];
	uint32_t n, frames = 0;
#define SEND(len) do { wire_inject(r, f, (len)); wire_run(&w, 1 * MS, NULL, NULL); frames++; } while (0)
	// Ethernet
	memcpy(f, b->mac, 6);
	SEND(10);
	assert_int_equal(s->eth_drop_short, 1);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, "12345678", 8);
	f[12] = 0x86;
	f[13] = 0xdd; // IPv6
	SEND(n);
	assert_int_equal(s->eth_drop_type, 1);
	n = fr_ipv4(f, r->mac, r->mac, r->ip, b->ip, 17, "12345678", 8);
	SEND(n);
	assert_int_equal(s->eth_drop_not_ours, 0); // the wire delivers only to r's MAC
	frames--;
	// ARP
	static const uint8_t zero[6];
	n = fr_arp(f, bcast, r->mac, 1, r->ip, zero, b->ip);
	SEND(30);
	f[18] = 7; // hardware length
	SEND(n);
	n = fr_arp(f, bcast, r->mac, 9, r->ip, zero, b->ip); // opcode 9
	SEND(n);
	assert_int_equal(s->arp_drop_bad, 3);
	// IPv4 header
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, "12345678", 8);
	SEND(14 + 19);
	f[14] = 0x44; // header length 16
	fr_fix(f, n);
	SEND(n);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, "12345678", 8);
	f[14] = 0x65; // version 6
	SEND(n);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, "12345678", 8);
	fr_put16(f + 16, 200); // total length past the frame
	fr_fix(f, n);
	SEND(n);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, "12345678", 8);
	f[14] = 0x4f; // 60-byte header in a 36-byte packet
	fr_fix(f, n);
	SEND(n);
	assert_int_equal(s->ip_drop_header, 5);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, "12345678", 8);
	f[24] ^= 0x55;
	SEND(n);
	assert_int_equal(s->ip_drop_checksum, 1);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, "12345678", 8);
	f[20] = 0x20; // more fragments
	fr_fix(f, n);
	SEND(n);
	f[20] = 0x40;
	f[21] = 0x10; // DF and an offset
	fr_fix(f, n);
	SEND(n);
	assert_int_equal(s->ip_drop_fragment, 2);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, 0x0a000063, 17, "12345678", 8);
	SEND(n);
	assert_int_equal(s->ip_drop_not_ours, 1);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 99, "12345678", 8);
	SEND(n);
	assert_int_equal(s->ip_drop_proto, 1);
	// ICMP
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 1, "\x08\0\0\0\0\0\0\0", 8);
	f[36] ^= 1;
	SEND(n);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 1, "\x08\0\0\0", 4);
	SEND(n);
	assert_int_equal(s->icmp_drop_bad, 2);
	// UDP
	uint8_t ud[16] = { 0x30, 0x39, 0, 53, 0, 16 };
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, ud, 6);
	SEND(n);
	ud[5] = 40; // UDP length past the packet
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, ud, 16);
	SEND(n);
	ud[5] = 4; // shorter than its header
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, ud, 16);
	SEND(n);
	assert_int_equal(s->udp_drop_bad, 3);
	ud[5] = 16;
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 17, ud, 16);
	f[n - 1] ^= 1;
	SEND(n);
	assert_int_equal(s->udp_drop_checksum, 1);
	assert_int_equal(s->udp_in, 4);
	// TCP
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 6, "0123456789", 10);
	SEND(n);
	fr_tcp(t, 1234, 80, 1000, 0, 0x02, 1000, NULL, 0);
	t[12] = 0x40; // data offset 16 bytes
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 6, t, 20);
	SEND(n);
	fr_tcp(t, 1234, 80, 1000, 0, 0x02, 1000, NULL, 0);
	t[12] = 0xf0; // 60 bytes of header in a 20-byte segment
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 6, t, 20);
	SEND(n);
	static const uint8_t past[] = { 1, 1, 2, 8 }; // MSS option claims 8 bytes, 2 left
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 6, t,
		    fr_tcp(t, 1234, 80, 1000, 0, 0x02, 1000, past, 4));
	SEND(n);
	static const uint8_t zero_len[] = { 8, 0, 0, 0 }; // an option of length 0
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 6, t,
		    fr_tcp(t, 1234, 80, 1000, 0, 0x02, 1000, zero_len, 4));
	SEND(n);
	static const uint8_t mss6[] = { 2, 6, 5, 0xb4, 0, 0, 0, 0 }; // MSS must be 4 long
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 6, t,
		    fr_tcp(t, 1234, 80, 1000, 0, 0x02, 1000, mss6, 8));
	SEND(n);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 6, t,
		    fr_tcp(t, 0, 80, 1000, 0, 0x02, 1000, NULL, 0)); // source port 0
	SEND(n);
	assert_int_equal(s->tcp_drop_bad, 7);
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 6, t,
		    fr_tcp(t, 1234, 80, 1000, 0, 0x02, 1000, NULL, 0));
	f[n - 3] ^= 0x10;
	SEND(n);
	assert_int_equal(s->tcp_drop_checksum, 1);
	assert_int_equal(s->tcp_passive_opens, 0);
	assert_null(wire_raw_pop(r)); // nothing of this was answered
	// the options parser accepts what is legal: NOP, an unknown option, EOL
	static const uint8_t good[] = { 1, 2, 4, 5, 0xb4, 30, 3, 9, 0, 0, 0, 0 };
	n = fr_ipv4(f, b->mac, r->mac, r->ip, b->ip, 6, t,
		    fr_tcp(t, 1234, 80, 1000, 0, 0x02, 1000, good, 12));
	SEND(n);
	assert_int_equal(s->tcp_passive_opens, 1);
	assert_int_equal(s->eth_in, frames);
	struct wire_frame *fr;
	while ((fr = wire_raw_pop(r))) // the ARP request for r, then nothing (no reply)
		free(fr);
	ping(&w, r, b, 1);
	nsock_close(u);
	nsock_close(l);
#undef SEND
	wire_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_resolve),
		cmocka_unit_test(test_arp_unresolved),
		cmocka_unit_test(test_arp_cache_growth),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_udp_port_unreachable),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
