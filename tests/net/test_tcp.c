// SPDX-License-Identifier: MIT
// Host unit tests of the TCP core (guests/libos/net/tcp*.c) over the in-memory wire
// (wire.h): handshakes, bulk transfers checked byte for byte with and without seeded
// loss, reordering and duplication, fast retransmit, zero window and persist, resets,
// half and simultaneous close, TIME_WAIT, listen backlog, 200 concurrent connections.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

#define MS 1000000ull
#define SEC 1000000000ull

static uint8_t pattern(uint32_t i)
{
	return (uint8_t)(i * 7u + (i >> 8) * 13u + (i >> 16) + 1u);
}

// A one-way transfer from a client on host a to a server on host b, port 80. The
// client shuts down writing after the last byte; done when the server reads EOF.
struct xfer {
	struct wire *w;
	struct wire_host *a, *b;
	struct nsock *listener, *client, *server;
	uint32_t total, sent, rcvd;
	int connected, shut, eof, mismatch;
	int server_reads; // 0: the server does not read (zero-window test)
};

static int xfer_step(void *arg)
{
	struct xfer *x = arg;
	uint8_t buf[8192];
	if (!x->server && x->listener)
		nsock_accept(x->listener, &x->server);
	if (!x->connected) {
		int r = nsock_connect_result(x->client);
		if (r == 0)
			x->connected = 1;
		else if (r != -EINPROGRESS)
			fail_msg("connect failed: %d", r);
	}
	while (x->connected && x->sent < x->total) {
		uint32_t n = x->total - x->sent < sizeof(buf) ? x->total - x->sent : sizeof(buf);
		for (uint32_t i = 0; i < n; i++)
			buf[i] = pattern(x->sent + i);
		long r = nsock_send(x->client, buf, n);
		if (r == -EAGAIN)
			break;
		assert_true(r > 0);
		x->sent += (uint32_t)r;
	}
	if (x->connected && x->sent == x->total && !x->shut) {
		assert_int_equal(nsock_shutdown(x->client, NSOCK_SHUT_WR), 0);
		x->shut = 1;
	}
	while (x->server && x->server_reads && !x->eof) {
		long r = nsock_recv(x->server, buf, sizeof(buf), NULL, NULL);
		if (r == -EAGAIN)
			break;
		assert_true(r >= 0);
		if (r == 0) {
			x->eof = 1;
			break;
		}
		for (long i = 0; i < r; i++)
			if (buf[i] != pattern(x->rcvd + (uint32_t)i))
				x->mismatch++;
		x->rcvd += (uint32_t)r;
	}
	return x->eof;
}

static void xfer_setup(struct xfer *x, struct wire *w, uint32_t total,
		       const struct denali_net_config *cfg)
{
	memset(x, 0, sizeof(*x));
	x->w = w;
	x->a = wire_add_host(w, cfg);
	x->b = wire_add_host(w, cfg);
	x->total = total;
	x->server_reads = 1;
	x->listener = nsock_create(x->b->net, NSOCK_TCP);
	assert_int_equal(nsock_bind(x->listener, 0, 80), 0);
	assert_int_equal(nsock_listen(x->listener, 8), 0);
	x->client = nsock_create(x->a->net, NSOCK_TCP);
	assert_int_equal(nsock_connect(x->client, x->b->ip, 80), -EINPROGRESS);
}

// Runs until the client's connect completed and the server accepted it. A handshake
// takes a few round trips; after 10 s of simulated time the test fails instead of
// waiting until meson's timeout (each wire_run is bounded in simulated time).
static void xfer_connect(struct xfer *x)
{
	for (int s = 0; s < 10 && !(x->server && x->connected); s++)
		wire_run(x->w, SEC, xfer_step, x);
	if (!x->server || !x->connected)
		fail_msg("no connection after 10 s of simulated time (accepted %d, connected %d)",
			 x->server != NULL, x->connected);
}

// Closes both ends and runs until both stacks hold no sockets (TIME_WAIT included).
static void xfer_finish(struct xfer *x)
{
	nsock_close(x->client);
	if (x->server)
		nsock_close(x->server);
	nsock_close(x->listener);
	wire_run(x->w, 30 * SEC, NULL, NULL);
	assert_int_equal(net_socket_count(x->a->net), 0);
	assert_int_equal(net_socket_count(x->b->net), 0);
	assert_int_equal(x->w->bad_checksums, 0);
}

static void test_handshake(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 1);
	struct xfer x;
	xfer_setup(&x, &w, 0, NULL);
	assert_string_equal(nsock_state_name(x.client), "SYN_SENT");
	assert_true(wire_run(&w, 1 * SEC, xfer_step, &x));
	assert_non_null(x.server);
	assert_string_equal(nsock_state_name(x.server), "CLOSE_WAIT");
	uint32_t ip;
	uint16_t port, cport;
	assert_int_equal(nsock_peer(x.server, &ip, &port), 0);
	assert_int_equal(ip, x.a->ip);
	nsock_local(x.client, &ip, &cport);
	assert_int_equal(port, cport);
	assert_true(cport >= 49152);
	assert_int_equal(ip, x.a->ip);
	const struct denali_net_stats *sa = net_stats(x.a->net), *sb = net_stats(x.b->net);
	assert_int_equal(sa->tcp_active_opens, 1);
	assert_int_equal(sb->tcp_passive_opens, 1);
	assert_int_equal(sa->arp_requests_out, 1);
	assert_int_equal(sb->arp_replies_out, 1);
	assert_int_equal(sa->tcp_retransmits + sb->tcp_retransmits, 0);
	assert_int_equal(sa->tcp_rtt_samples, 1); // the SYN's round trip
	xfer_finish(&x);
	wire_free(&w);
}

static void bulk(uint64_t seed, uint32_t loss, uint32_t reorder, uint32_t dup, uint32_t total,
		 uint64_t limit)
{
	struct wire w;
	wire_init(&w, seed);
	w.loss_pct = loss;
	w.reorder_pct = reorder;
	w.dup_pct = dup;
	struct xfer x;
	xfer_setup(&x, &w, total, NULL);
	int done = wire_run(&w, limit, xfer_step, &x);
	const struct denali_net_stats *sa = net_stats(x.a->net), *sb = net_stats(x.b->net);
	if (!done || x.mismatch || x.rcvd != total)
		fail_msg("seed %llu loss %u%%: done %d, %u of %u bytes, %d wrong, client %s",
			 (unsigned long long)seed, loss, done, x.rcvd, total, x.mismatch,
			 nsock_state_name(x.client));
	if (loss && total >= (1u << 20)) {
		assert_true(sa->tcp_retransmits > 0);
		assert_true(sb->tcp_ooo_segments > 0);
	} else if (!reorder && !dup) {
		assert_int_equal(sa->tcp_retransmits, 0);
		assert_int_equal(sb->tcp_drop_out_of_window, 0);
	}
	if (dup)
		assert_true(sb->tcp_drop_out_of_window + sa->tcp_dup_acks > 0);
	xfer_finish(&x);
	wire_free(&w);
}

static void test_bulk_clean(void **state)
{
	(void)state;
	bulk(2, 0, 0, 0, 1u << 20, 60 * SEC);
}
static void test_bulk_loss5(void **state)
{
	(void)state;
	bulk(3, 5, 5, 2, 1u << 20, 600 * SEC);
}
static void test_bulk_loss20(void **state)
{
	(void)state;
	bulk(4, 20, 10, 5, 1u << 20, 3600 * SEC);
}
static void test_bulk_seeds(void **state)
{
	(void)state;
	for (uint64_t seed = 10; seed < 20; seed++)
		bulk(seed, (uint32_t)(seed % 4) * 5, 10, 5, 100000, 3600 * SEC);
}

// Drops the Nth data segment host 0 sends, once.
struct drop_nth {
	uint32_t n, seen, dropped_seq;
	int done;
};
static int drop_nth_filter(struct wire *w, int from, uint8_t *f, uint32_t *len, void *arg)
{
	(void)w;
	struct drop_nth *d = arg;
	if (from != 0 || d->done || *len < 54 || f[23] != 6)
		return 1;
	uint32_t hl = (f[14] & 15u) * 4u, tot = (uint32_t)(f[16] << 8 | f[17]);
	uint32_t doff = (uint32_t)(f[14 + hl + 12] >> 4) * 4u;
	if (tot <= hl + doff)
		return 1;
	if (++d->seen == d->n) {
		d->done = 1;
		return 0;
	}
	return 1;
}

static void test_fast_retransmit(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 5);
	struct drop_nth d = { .n = 20 };
	w.filter = drop_nth_filter;
	w.filter_arg = &d;
	struct xfer x;
	xfer_setup(&x, &w, 200000, NULL);
	assert_true(wire_run(&w, 60 * SEC, xfer_step, &x));
	assert_int_equal(x.rcvd, 200000);
	assert_int_equal(x.mismatch, 0);
	const struct denali_net_stats *sa = net_stats(x.a->net), *sb = net_stats(x.b->net);
	assert_true(d.done);
	assert_int_equal(sa->tcp_fast_retransmits, 1);
	assert_int_equal(sa->tcp_timeouts, 0);
	assert_true(sa->tcp_dup_acks >= 3);
	assert_true(sb->tcp_ooo_segments >= 3);
	assert_int_equal(sa->tcp_retransmits, 1);
	xfer_finish(&x);
	wire_free(&w);
}

// Three segments, the first lost: the two duplicate ACKs are enough (early
// retransmit, RFC 5827), no timeout.
static void test_early_retransmit(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 18);
	struct drop_nth d = { .n = 1 };
	w.filter = drop_nth_filter;
	w.filter_arg = &d;
	struct xfer x;
	xfer_setup(&x, &w, 3 * 1460, NULL);
	x.shut = 1; // no FIN: it would draw a third duplicate ACK
	wire_run(&w, 100 * MS, xfer_step, &x); // well below the 1 s initial RTO
	assert_int_equal(x.rcvd, 3 * 1460);
	assert_int_equal(x.mismatch, 0);
	const struct denali_net_stats *sa = net_stats(x.a->net);
	assert_true(d.done);
	assert_int_equal(sa->tcp_dup_acks, 2);
	assert_int_equal(sa->tcp_fast_retransmits, 1);
	assert_int_equal(sa->tcp_timeouts, 0);
	xfer_finish(&x);
	wire_free(&w);
}

// The server does not read: the client fills the server's 8 KiB window, sees it shut,
// probes it; once the server reads, everything flows.
static void test_zero_window_persist(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 6);
	struct denali_net_config cfg = { .rcvbuf_bytes = 8192, .sndbuf_bytes = 16384 };
	struct xfer x;
	xfer_setup(&x, &w, 100000, &cfg);
	x.server_reads = 0;
	wire_run(&w, 20 * SEC, xfer_step, &x);
	const struct denali_net_stats *sa = net_stats(x.a->net);
	assert_non_null(x.server);
	assert_int_equal(x.sent, 8192 + 16384); // the peer's window plus our buffer
	assert_true(sa->tcp_persist_probes >= 3);
	assert_int_equal(sa->tcp_timeouts, 0);
	assert_string_equal(nsock_state_name(x.client), "ESTABLISHED");
	assert_int_equal(nsock_poll(x.client) & NSOCK_POLLOUT, 0);
	x.server_reads = 1;
	assert_true(wire_run(&w, 120 * SEC, xfer_step, &x));
	assert_int_equal(x.rcvd, 100000);
	assert_int_equal(x.mismatch, 0);
	xfer_finish(&x);
	wire_free(&w);
}

// The client closes with data queued against a window the server never opens: the
// orphan probes max_retries times, then resets and is freed.
static void test_orphan_zero_window(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 16);
	struct denali_net_config cfg = { .rcvbuf_bytes = 4096, .max_retries = 4 };
	struct xfer x;
	xfer_setup(&x, &w, 20000, &cfg);
	x.server_reads = 0;
	x.shut = 1;
	wire_run(&w, 5 * SEC, xfer_step, &x);
	assert_true(x.sent > 4096);
	nsock_close(x.client);
	x.client = NULL;
	assert_int_equal(net_socket_count(x.a->net), 1);
	wire_run(&w, 600 * SEC, NULL, NULL);
	assert_int_equal(net_socket_count(x.a->net), 0);
	assert_int_equal(net_stats(x.a->net)->tcp_rst_out, 1);
	assert_true(net_stats(x.a->net)->tcp_persist_probes >= 4);
	assert_string_equal(nsock_state_name(x.server), "CLOSED"); // reset by the orphan
	nsock_close(x.server);
	nsock_close(x.listener);
	wire_free(&w);
}

// A restarted server binds its port with SO_REUSEADDR while an old connection on it
// is still open; without the option, and against a listener, bind fails.
static void test_reuseaddr(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 17);
	struct xfer x;
	xfer_setup(&x, &w, 0, NULL);
	x.shut = 1;
	xfer_connect(&x);
	struct nsock *l2 = nsock_create(x.b->net, NSOCK_TCP);
	assert_int_equal(nsock_bind(l2, 0, 80), -EADDRINUSE); // the listener
	nsock_close(x.listener);
	x.listener = nsock_create(x.b->net, NSOCK_TCP); // xfer_finish closes it
	assert_int_equal(nsock_bind(l2, 0, 80), -EADDRINUSE); // the open connection
	assert_int_equal(nsock_setopt(l2, NSOCK_OPT_REUSEADDR, 1), 0);
	assert_int_equal(nsock_bind(l2, 0, 80), 0);
	assert_int_equal(nsock_listen(l2, 4), 0);
	nsock_close(l2);
	xfer_finish(&x);
	wire_free(&w);
}

static int connect_done(void *arg)
{
	return nsock_connect_result(arg) != -EINPROGRESS;
}

static void test_rst_closed_port(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 7);
	struct wire_host *a = wire_add_host(&w, NULL), *b = wire_add_host(&w, NULL);
	struct nsock *c = nsock_create(a->net, NSOCK_TCP);
	assert_int_equal(nsock_connect(c, b->ip, 81), -EINPROGRESS);
	assert_true(wire_run(&w, SEC, connect_done, c));
	assert_int_equal(nsock_connect_result(c), -ECONNREFUSED);
	assert_int_equal(net_stats(b->net)->tcp_rst_out, 1);
	assert_int_equal(net_stats(b->net)->tcp_drop_no_socket, 1);
	assert_int_equal(net_stats(a->net)->tcp_rst_in, 1);
	assert_int_equal(nsock_take_error(c), ECONNREFUSED); // SO_ERROR
	assert_int_equal(nsock_send(c, "x", 1), -EPIPE);
	nsock_close(c);
	assert_int_equal(net_socket_count(a->net), 0);
	wire_free(&w);
}

static void test_connect_timeout(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 8);
	struct wire_host *a = wire_add_host(&w, NULL);
	struct nsock *c = nsock_create(a->net, NSOCK_TCP);
	assert_int_equal(nsock_connect(c, 0x0a000063, 80), -EINPROGRESS); // nobody there
	assert_true(wire_run(&w, 200 * SEC, connect_done, c));
	assert_int_equal(nsock_connect_result(c), -ETIMEDOUT);
	const struct denali_net_stats *s = net_stats(a->net);
	assert_int_equal(s->tcp_timeouts, 6); // 5 retries, then give up
	assert_true(s->arp_timeouts >= 1);
	nsock_close(c);
	wire_free(&w);
}

// Both ends close at the same moment: FIN_WAIT_1 -> CLOSING -> TIME_WAIT on both.
static void test_simultaneous_close(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 9);
	struct xfer x;
	xfer_setup(&x, &w, 0, NULL);
	x.shut = 1; // do not shut down from the step
	xfer_connect(&x);
	assert_int_equal(nsock_shutdown(x.client, NSOCK_SHUT_WR), 0);
	assert_int_equal(nsock_shutdown(x.server, NSOCK_SHUT_WR), 0);
	assert_string_equal(nsock_state_name(x.client), "FIN_WAIT_1");
	wire_run(&w, 100 * MS, NULL, NULL);
	assert_string_equal(nsock_state_name(x.client), "TIME_WAIT");
	assert_string_equal(nsock_state_name(x.server), "TIME_WAIT");
	char c;
	assert_int_equal(nsock_recv(x.client, &c, 1, NULL, NULL), 0);
	assert_int_equal(nsock_recv(x.server, &c, 1, NULL, NULL), 0);
	wire_run(&w, 3 * SEC, NULL, NULL); // 2 MSL = 2 s
	assert_string_equal(nsock_state_name(x.client), "CLOSED");
	xfer_finish(&x);
	wire_free(&w);
}

// The client half-closes, the server still answers, then closes: LAST_ACK on the
// server, TIME_WAIT on the client for 2 MSL, then nothing.
static void test_half_close_time_wait(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 10);
	struct denali_net_config cfg = { .msl_ns = 500 * MS };
	struct xfer x;
	xfer_setup(&x, &w, 5000, &cfg);
	assert_true(wire_run(&w, SEC, xfer_step, &x));
	wire_run(&w, 10 * MS, NULL, NULL); // the ACK of the FIN
	assert_string_equal(nsock_state_name(x.server), "CLOSE_WAIT");
	assert_string_equal(nsock_state_name(x.client), "FIN_WAIT_2");
	assert_int_equal(nsock_send(x.server, "reply", 5), 5);
	nsock_close(x.server);
	x.server = NULL;
	wire_run(&w, 100 * MS, NULL, NULL);
	char buf[16];
	assert_int_equal(nsock_recv(x.client, buf, sizeof(buf), NULL, NULL), 5);
	assert_memory_equal(buf, "reply", 5);
	assert_int_equal(nsock_recv(x.client, buf, sizeof(buf), NULL, NULL), 0);
	assert_string_equal(nsock_state_name(x.client), "TIME_WAIT");
	assert_int_equal(net_socket_count(x.b->net), 1); // the listener only
	wire_run(&w, 900 * MS, NULL, NULL);
	assert_string_equal(nsock_state_name(x.client), "TIME_WAIT");
	wire_run(&w, 200 * MS, NULL, NULL);
	assert_string_equal(nsock_state_name(x.client), "CLOSED");
	xfer_finish(&x);
	wire_free(&w);
}

// Closing with unread data resets; the peer's recv reports ECONNRESET, then a send
// EPIPE. A RST with a wrong (in-window) sequence number only draws a challenge ACK.
static void test_reset(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 11);
	struct xfer x;
	xfer_setup(&x, &w, 0, NULL);
	x.shut = 1;
	xfer_connect(&x);
	assert_int_equal(nsock_send(x.client, "hello", 5), 5);
	wire_run(&w, 100 * MS, NULL, NULL);
	assert_true(nsock_poll(x.server) & NSOCK_POLLIN);
	nsock_close(x.server); // 5 unread bytes
	x.server = NULL;
	wire_run(&w, 100 * MS, NULL, NULL);
	char c;
	assert_int_equal(nsock_recv(x.client, &c, 1, NULL, NULL), -ECONNRESET);
	assert_int_equal(nsock_send(x.client, "x", 1), -EPIPE);
	assert_true(nsock_poll(x.client) & NSOCK_POLLHUP);
	assert_int_equal(net_stats(x.a->net)->tcp_aborts, 1);
	xfer_finish(&x);
	wire_free(&w);
}

// Rewrites the sequence number of host 1's first RST.
static int bad_rst_filter(struct wire *w, int from, uint8_t *f, uint32_t *len, void *arg)
{
	(void)w;
	(void)len;
	int *once = arg;
	if (from == 1 && f[23] == 6 && (f[14 + 20 + 13] & 0x04) && !*once) {
		*once = 1;
		uint8_t *seq = f + 14 + 20 + 4;
		seq[3] = (uint8_t)(seq[3] + 100); // still in the window, not exact
		// fix the checksum: recompute over the pseudo header and segment
		uint32_t tl = (uint32_t)(f[16] << 8 | f[17]) - 20;
		uint8_t *t = f + 34;
		t[16] = t[17] = 0;
		uint64_t s = 6 + tl;
		for (int i = 26; i < 34; i += 2)
			s += (uint32_t)(f[i] << 8 | f[i + 1]);
		for (uint32_t i = 0; i + 1 < tl; i += 2)
			s += (uint32_t)(t[i] << 8 | t[i + 1]);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		t[16] = (uint8_t)(~s >> 8);
		t[17] = (uint8_t)~s;
	}
	return 1;
}

static void test_rst_bad_sequence(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 12);
	struct xfer x;
	xfer_setup(&x, &w, 0, NULL);
	x.shut = 1;
	xfer_connect(&x);
	int once = 0;
	w.filter = bad_rst_filter;
	w.filter_arg = &once;
	assert_int_equal(nsock_send(x.client, "hello", 5), 5);
	wire_run(&w, 100 * MS, NULL, NULL);
	nsock_close(x.server); // RST, whose sequence number the filter spoils
	x.server = NULL;
	wire_run(&w, 100 * MS, NULL, NULL);
	// the spoiled RST drew a challenge ACK; b, which has no connection any more,
	// answered it with a RST carrying the exact sequence number
	assert_int_equal(net_stats(x.a->net)->tcp_challenge_acks, 1);
	assert_int_equal(net_stats(x.a->net)->tcp_rst_in, 2);
	assert_string_equal(nsock_state_name(x.client), "CLOSED");
	w.filter = NULL;
	xfer_finish(&x);
	wire_free(&w);
}

// Backlog 2: two handshakes complete, later SYNs are dropped until accept makes room.
struct backlog {
	struct nsock *l, *c[5];
	int accepted;
};
static int backlog_step(void *arg)
{
	struct backlog *b = arg;
	for (int i = 0; i < 5; i++)
		if (nsock_connect_result(b->c[i]) != 0)
			return 0;
	return 1;
}

static void test_listen_backlog(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 13);
	struct wire_host *a = wire_add_host(&w, NULL), *bh = wire_add_host(&w, NULL);
	struct backlog b = { 0 };
	b.l = nsock_create(bh->net, NSOCK_TCP);
	assert_int_equal(nsock_bind(b.l, 0, 80), 0);
	assert_int_equal(nsock_listen(b.l, 2), 0);
	for (int i = 0; i < 5; i++) {
		b.c[i] = nsock_create(a->net, NSOCK_TCP);
		assert_int_equal(nsock_connect(b.c[i], bh->ip, 80), -EINPROGRESS);
	}
	wire_run(&w, 500 * MS, NULL, NULL);
	// the 5 SYNs wait in the ARP queue together; 2 fit the backlog
	assert_int_equal(net_stats(bh->net)->tcp_drop_backlog, 3);
	assert_int_equal(net_stats(a->net)->arp_queue_drops, 0);
	int connected = 0;
	for (int i = 0; i < 5; i++)
		connected += nsock_connect_result(b.c[i]) == 0;
	assert_int_equal(connected, 2);
	struct nsock *s[5];
	int n = 0;
	while (n < 5) {
		while (n < 5 && nsock_accept(b.l, &s[n]) == 0)
			n++;
		if (n < 5)
			wire_run(&w, 500 * MS, NULL, NULL);
	}
	assert_true(wire_run(&w, 10 * SEC, backlog_step, &b));
	assert_int_equal(nsock_accept(b.l, &s[0]), -EAGAIN);
	// a second bind to the port fails while the listener lives
	struct nsock *dup = nsock_create(bh->net, NSOCK_TCP);
	assert_int_equal(nsock_bind(dup, 0, 80), -EADDRINUSE);
	nsock_close(dup);
	for (int i = 0; i < 5; i++) {
		nsock_close(b.c[i]);
		nsock_close(s[i]);
	}
	nsock_close(b.l);
	wire_run(&w, 30 * SEC, NULL, NULL);
	assert_int_equal(net_socket_count(a->net) + net_socket_count(bh->net), 0);
	wire_free(&w);
}

// 200 connections at once, each a small request and an echoed reply.
#define NCONN 200
struct many {
	struct nsock *l, *c[NCONN], *s[NCONN];
	int nsrv, got[NCONN], served[NCONN], done, nserved;
};
static int many_step(void *arg)
{
	struct many *m = arg;
	struct nsock *s;
	while (nsock_accept(m->l, &s) == 0)
		m->s[m->nsrv++] = s;
	char buf[2048];
	for (int i = 0; i < m->nsrv; i++) {
		if (m->served[i])
			continue;
		long r = nsock_recv(m->s[i], buf, sizeof(buf), NULL, NULL);
		if (r > 0) {
			assert_int_equal(nsock_send(m->s[i], buf, (uint32_t)r), r);
		} else if (r == 0) {
			nsock_close(m->s[i]);
			m->served[i] = 1;
			m->nserved++;
		}
	}
	for (int i = 0; i < NCONN; i++) {
		if (m->got[i] >= 1000 || nsock_connect_result(m->c[i]) != 0)
			continue;
		if (m->got[i] == 0 && !(nsock_poll(m->c[i]) & NSOCK_POLLIN) && m->got[i] == 0) {
			static int sentmark[NCONN];
			if (!sentmark[i]) {
				memset(buf, 'a' + i % 26, 1000);
				assert_int_equal(nsock_send(m->c[i], buf, 1000), 1000);
				sentmark[i] = 1;
			}
		}
		long r = nsock_recv(m->c[i], buf, sizeof(buf), NULL, NULL);
		if (r > 0) {
			for (long k = 0; k < r; k++)
				assert_int_equal(buf[k], 'a' + i % 26);
			m->got[i] += (int)r;
			if (m->got[i] == 1000) {
				nsock_close(m->c[i]);
				m->done++;
			}
		}
	}
	return m->done == NCONN && m->nserved == NCONN;
}

static void test_many_connections(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 14);
	struct wire_host *a = wire_add_host(&w, NULL), *b = wire_add_host(&w, NULL);
	static struct many m;
	memset(&m, 0, sizeof(m));
	m.l = nsock_create(b->net, NSOCK_TCP);
	assert_int_equal(nsock_bind(m.l, 0, 7), 0);
	assert_int_equal(nsock_listen(m.l, NCONN), 0);
	for (int i = 0; i < NCONN; i++) {
		m.c[i] = nsock_create(a->net, NSOCK_TCP);
		assert_int_equal(nsock_connect(m.c[i], b->ip, 7), -EINPROGRESS);
	}
	assert_true(wire_run(&w, 10 * SEC, many_step, &m));
	assert_int_equal(net_stats(b->net)->tcp_established, NCONN);
	assert_int_equal(net_stats(a->net)->tcp_established, NCONN);
	assert_int_equal(net_socket_count(a->net), NCONN); // in TIME_WAIT
	nsock_close(m.l);
	wire_run(&w, 30 * SEC, NULL, NULL);
	assert_int_equal(net_socket_count(a->net) + net_socket_count(b->net), 0);
	wire_free(&w);
}

// One small segment is acknowledged by the delayed-ACK timer, two full ones at once.
static void test_delayed_ack(void **state)
{
	(void)state;
	struct wire w;
	wire_init(&w, 15);
	struct xfer x;
	xfer_setup(&x, &w, 0, NULL);
	x.shut = 1;
	xfer_connect(&x);
	const struct denali_net_stats *sb = net_stats(x.b->net);
	uint64_t out0 = sb->tcp_out;
	assert_int_equal(nsock_send(x.client, "ping", 4), 4);
	wire_run(&w, 20 * MS, NULL, NULL);
	assert_int_equal(sb->tcp_out, out0); // not yet
	wire_run(&w, 30 * MS, NULL, NULL);
	assert_int_equal(sb->tcp_out, out0 + 1);
	assert_int_equal(sb->tcp_delayed_acks, 1);
	uint8_t big[2920];
	memset(big, 1, sizeof(big));
	assert_int_equal(nsock_send(x.client, big, sizeof(big)), (long)sizeof(big));
	wire_run(&w, 1 * MS, NULL, NULL);
	assert_int_equal(sb->tcp_out, out0 + 2);
	assert_int_equal(sb->tcp_delayed_acks, 1);
	char buf[4096];
	assert_int_equal(nsock_recv(x.server, buf, sizeof(buf), NULL, NULL), 4 + 2920);
	xfer_finish(&x);
	wire_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_bulk_clean),
		cmocka_unit_test(test_bulk_loss5),
		cmocka_unit_test(test_bulk_loss20),
		cmocka_unit_test(test_bulk_seeds),
		cmocka_unit_test(test_fast_retransmit),
		cmocka_unit_test(test_early_retransmit),
		cmocka_unit_test(test_zero_window_persist),
		cmocka_unit_test(test_rst_closed_port),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_half_close_time_wait),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_rst_bad_sequence),
		cmocka_unit_test(test_listen_backlog),
		cmocka_unit_test(test_many_connections),
		cmocka_unit_test(test_delayed_ack),
		cmocka_unit_test(test_orphan_zero_window),
		cmocka_unit_test(test_reuseaddr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
