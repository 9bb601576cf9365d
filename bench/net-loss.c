// SPDX-License-Identifier: MIT
// net-loss: TCP over a lossy link, for the libos network core (guests/libos/net/,
// docs/net.md). For each loss rate it moves 1 MB from one stack to another over the
// in-memory wire of the host tests (tests/net/wire.c: 30 us one way, no bandwidth
// limit, each frame lost with the given probability in both directions), once per
// seed, and prints the mean simulated transfer time, retransmission timeouts and fast
// retransmits per MB. Prints numbers; asserts nothing.
//   net-loss [SEEDS] [LOSS%...]     (default 40 seeds; 0 1 2 5 10)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

struct xfer {
	struct nsock *l, *c, *s;
	uint32_t total, sent, rcvd;
	int conn, shut, eof;
};

static int step(void *arg)
{
	struct xfer *x = arg;
	uint8_t buf[8192];
	memset(buf, 0x5a, sizeof(buf));
	if (!x->s)
		nsock_accept(x->l, &x->s);
	if (!x->conn && nsock_connect_result(x->c) == 0)
		x->conn = 1;
	while (x->conn && x->sent < x->total) {
		uint32_t n = x->total - x->sent < sizeof(buf) ? x->total - x->sent : sizeof(buf);
		long r = nsock_send(x->c, buf, n);
		if (r <= 0)
			break;
		x->sent += (uint32_t)r;
	}
	if (x->conn && x->sent == x->total && !x->shut) {
		nsock_shutdown(x->c, NSOCK_SHUT_WR);
		x->shut = 1;
	}
	while (x->s) {
		long r = nsock_recv(x->s, buf, sizeof(buf), NULL, NULL);
		if (r <= 0) {
			x->eof = r == 0;
			break;
		}
		x->rcvd += (uint32_t)r;
	}
	return x->eof;
}

int main(int argc, char **argv)
{
	int seeds = argc > 1 ? atoi(argv[1]) : 40;
	static const unsigned defaults[] = { 0, 1, 2, 5, 10 };
	int nloss = argc > 2 ? argc - 2 : 5;
	printf("%6s %12s %14s %14s\n", "loss", "time/MB", "timeouts/MB", "fast rexmt/MB");
	for (int i = 0; i < nloss; i++) {
		unsigned loss = argc > 2 ? (unsigned)atoi(argv[i + 2]) : defaults[i];
		double secs = 0;
		unsigned long long timeouts = 0, fast = 0;
		for (int seed = 1; seed <= seeds; seed++) {
			struct wire w;
			wire_init(&w, (uint64_t)seed);
			w.loss_pct = loss;
			w.latency_ns = 30000;
			struct wire_host *a = wire_add_host(&w, NULL), *b = wire_add_host(&w, NULL);
			struct xfer x = { .total = 1u << 20 };
			x.l = nsock_create(b->net, NSOCK_TCP);
			nsock_bind(x.l, 0, 80);
			nsock_listen(x.l, 4);
			x.c = nsock_create(a->net, NSOCK_TCP);
			nsock_connect(x.c, b->ip, 80);
			uint64_t t0 = w.now_ns;
			if (!wire_run(&w, 3600ull * 1000000000ull, step, &x) || x.rcvd != x.total) {
				fprintf(stderr, "net-loss: seed %d loss %u%%: incomplete\n", seed, loss);
				return 1;
			}
			secs += (double)(w.now_ns - t0) / 1e9;
			timeouts += net_stats(a->net)->tcp_timeouts;
			fast += net_stats(a->net)->tcp_fast_retransmits;
			wire_free(&w);
		}
		printf("%5u%% %10.3f s %14.2f %14.2f\n", loss, secs / seeds,
		       (double)timeouts / seeds, (double)fast / seeds);
	}
	return 0;
}
