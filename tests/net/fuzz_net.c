// SPDX-License-Identifier: MIT
// Fuzz target for the network core (guests/libos/net/): untrusted frames into a stack
// that has a listener on TCP port 80 (accepting, reading, writing, closing), a TCP
// client connecting out, and a UDP socket on port 53. Only a host crash, a sanitizer
// report or a leak is a bug; every result is otherwise fine.
//
// Input (libFuzzer and replay): records of [control byte][length: 2 bytes BE][frame].
// Control bit 0: recompute the frame's checksums (to get past them); bits 1-7: advance
// the clock by that many 4 ms steps first, running timers that come due.
//
// Built without FUZZ_LIBFUZZER this is also a driver: `fuzz_net --random N [SEED]`
// generates N frames that answer the stack's own segments (right sequence numbers,
// random flags, options and payloads), then mutates, truncates and garbles some; any
// other arguments are files or directories of inputs to replay.
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "netcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 2 }, mac_a[6] = { 2, 0, 0, 0, 0, 1 };
#define IP_A 0x0a000001u
#define IP_B 0x0a000002u

struct env {
	struct net *net;
	uint64_t now, deadline;
	struct nsock *listener, *client, *udp, *conns[8];
	uint8_t last[1514]; // the last TCP frame the stack sent
	uint32_t last_len;
	uint64_t rng;
};

static uint32_t rnd(struct env *e, uint32_t n)
{
	e->rng ^= e->rng << 13;
	e->rng ^= e->rng >> 7;
	e->rng ^= e->rng << 17;
	return n ? (uint32_t)(e->rng % n) : 0;
}

static int e_send(void *ctx, const uint8_t *f, uint32_t len)
{
	struct env *e = ctx;
	if (len < 14 || len > 1514)
		abort(); // the stack built a frame the NIC would refuse: our bug
	if (len >= 54 && f[23] == 6) {
		memcpy(e->last, f, len);
		e->last_len = len;
	}
	return 0;
}
static uint64_t e_now(void *ctx) { return ((struct env *)ctx)->now; }
static void e_timer(void *ctx, uint64_t d) { ((struct env *)ctx)->deadline = d; }

static void env_init(struct env *e, uint64_t seed)
{
	memset(e, 0, sizeof(*e));
	e->rng = seed * 2 + 1;
	e->now = 1000000000ull;
	e->deadline = UINT64_MAX;
	struct net_ops ops = { e, e_send, e_now, e_timer, NULL };
	struct denali_net_config cfg = { .rcvbuf_bytes = 4096, .sndbuf_bytes = 4096 };
	e->net = net_create(&ops, mac_b, IP_B, &cfg);
	if (!e->net)
		abort();
	e->listener = nsock_create(e->net, NSOCK_TCP);
	nsock_bind(e->listener, 0, 80);
	nsock_listen(e->listener, 4);
	e->udp = nsock_create(e->net, NSOCK_UDP);
	nsock_bind(e->udp, 0, 53);
	e->client = nsock_create(e->net, NSOCK_TCP);
	nsock_connect(e->client, IP_A, 8080);
}

// The application: accept, read, answer, sometimes close.
static void pump(struct env *e)
{
	uint8_t buf[2048];
	struct nsock *s;
	while (nsock_accept(e->listener, &s) == 0) {
		int slot = (int)rnd(e, 8);
		if (e->conns[slot])
			nsock_close(e->conns[slot]);
		e->conns[slot] = s;
	}
	for (int i = 0; i < 8; i++) {
		s = e->conns[i];
		if (!s)
			continue;
		long r = nsock_recv(s, buf, sizeof(buf), NULL, NULL);
		if (r > 0 || rnd(e, 8) == 0)
			nsock_send(s, buf, 1 + rnd(e, sizeof(buf) - 1));
		if (r == 0 || rnd(e, 16) == 0) {
			if (rnd(e, 2))
				nsock_shutdown(s, NSOCK_SHUT_WR);
			else {
				nsock_close(s);
				e->conns[i] = NULL;
			}
		}
	}
	while (nsock_recv(e->udp, buf, sizeof(buf), NULL, NULL) >= 0)
		;
	if (nsock_connect_result(e->client) == 0 && rnd(e, 4) == 0)
		nsock_send(e->client, buf, 100);
}

static void advance(struct env *e, uint64_t ns)
{
	e->now += ns;
	if (e->deadline <= e->now) {
		e->deadline = UINT64_MAX;
		net_timer(e->net);
	}
}

static void env_free(struct env *e)
{
	for (int i = 0; i < 8; i++)
		if (e->conns[i])
			nsock_close(e->conns[i]);
	nsock_close(e->listener);
	nsock_close(e->client);
	nsock_close(e->udp);
	net_destroy(e->net);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct env e;
	env_init(&e, size);
	size_t i = 0;
	while (i + 3 <= size) {
		uint8_t ctl = data[i];
		uint32_t len = (uint32_t)(data[i + 1] << 8 | data[i + 2]);
		i += 3;
		if (len > size - i)
			len = (uint32_t)(size - i);
		uint8_t f[2048];
		uint32_t n = len < sizeof(f) ? len : sizeof(f);
		memcpy(f, data + i, n);
		i += len;
		advance(&e, (uint64_t)(ctl >> 1) * 4000000ull);
		if (ctl & 1)
			fr_fix(f, n);
		net_input(e.net, f, n);
		pump(&e);
	}
	env_free(&e);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
// One generated frame: mostly a plausible answer to the stack's last segment.
static uint32_t generate(struct env *e, uint8_t *f)
{
	uint8_t l4[1514];
	static const uint8_t zero[6];
	uint32_t kind = rnd(e, 10), n;
	if (kind == 0) {
		n = fr_arp(f, rnd(e, 2) ? mac_b : (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
			   mac_a, 1 + rnd(e, 2), IP_A, zero, rnd(e, 4) ? IP_B : rnd(e, 0xffffffffu));
	} else if (kind == 1) {
		uint32_t len = 8 + rnd(e, 200);
		for (uint32_t k = 0; k < len; k++)
			l4[k] = (uint8_t)rnd(e, 256);
		l4[0] = rnd(e, 2) ? 8 : (uint8_t)rnd(e, 256);
		n = fr_ipv4(f, mac_b, mac_a, IP_A, IP_B, 1, l4, len);
	} else if (kind == 2) {
		uint32_t len = 8 + rnd(e, 100);
		for (uint32_t k = 0; k < len; k++)
			l4[k] = (uint8_t)rnd(e, 256);
		fr_put16(l4 + 2, rnd(e, 2) ? 53 : rnd(e, 65536));
		fr_put16(l4 + 4, len);
		n = fr_ipv4(f, mac_b, mac_a, IP_A, IP_B, 17, l4, len);
	} else {
		// TCP: answer the last segment, or open a new connection to port 80
		uint32_t seq = rnd(e, 0xffffffffu), ack = rnd(e, 0xffffffffu);
		uint16_t sport = (uint16_t)(1000 + rnd(e, 4)), dport = 80;
		uint8_t flags = 0x02;
		if (e->last_len && rnd(e, 4)) {
			const uint8_t *t = e->last + 34;
			sport = (uint16_t)(t[2] << 8 | t[3]);
			dport = (uint16_t)(t[0] << 8 | t[1]);
			uint32_t dlen = e->last_len - 34 - (uint32_t)(t[12] >> 4) * 4u;
			seq = (uint32_t)t[8] << 24 | (uint32_t)t[9] << 16 | (uint32_t)t[10] << 8 | t[11];
			ack = ((uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7]) + dlen +
			      ((t[13] & 3) ? 1 : 0);
			static const uint8_t fl[] = { 0x10, 0x10, 0x18, 0x11, 0x12, 0x14, 0x04, 0x19, 0x02 };
			flags = fl[rnd(e, sizeof(fl))];
			seq += rnd(e, 8) == 0 ? rnd(e, 70000) - 35000 : 0;
		}
		uint8_t opts[40];
		uint32_t olen = rnd(e, 4) == 0 ? 4 * rnd(e, 11) : 0;
		for (uint32_t k = 0; k < olen; k++)
			opts[k] = (uint8_t)rnd(e, 8);
		if (olen >= 4 && rnd(e, 2)) {
			opts[0] = 2;
			opts[1] = 4;
			fr_put16(opts + 2, rnd(e, 3000));
		}
		uint32_t hl = fr_tcp(l4, sport, dport, seq, ack, flags, (uint16_t)rnd(e, 65536),
				     opts, olen);
		uint32_t dlen = rnd(e, 3) == 0 ? rnd(e, 1460 - olen) : 0;
		for (uint32_t k = 0; k < dlen; k++)
			l4[hl + k] = (uint8_t)k;
		n = fr_ipv4(f, mac_b, mac_a, IP_A, IP_B, 6, l4, hl + dlen);
	}
	// garble some
	if (rnd(e, 5) == 0)
		for (uint32_t k = 1 + rnd(e, 3); k > 0; k--)
			f[rnd(e, n)] = (uint8_t)rnd(e, 256);
	if (rnd(e, 10) == 0)
		n = rnd(e, n + 1);
	if (rnd(e, 5) != 0)
		fr_fix(f, n);
	return n;
}

static void random_run(uint32_t frames, uint64_t seed)
{
	struct env e;
	env_init(&e, seed);
	uint8_t f[1514];
	for (uint32_t k = 0; k < frames; k++) {
		uint32_t n = generate(&e, f);
		advance(&e, rnd(&e, 4) == 0 ? rnd(&e, 400000000u) : rnd(&e, 1000000));
		net_input(e.net, f, n);
		pump(&e);
		if (rnd(&e, 500) == 0) { // a fresh client now and then
			nsock_close(e.client);
			e.client = nsock_create(e.net, NSOCK_TCP);
			nsock_connect(e.client, IP_A, (uint16_t)(8080 + rnd(&e, 3)));
		}
	}
	const struct denali_net_stats *s = net_stats(e.net);
	printf("fuzz_net: seed %llu, %u frames: tcp in %llu (established %llu, bad %llu, "
	       "checksum %llu, rst in %llu), udp in %llu, icmp in %llu, arp in %llu\n",
	       (unsigned long long)seed, frames, (unsigned long long)s->tcp_in,
	       (unsigned long long)s->tcp_established, (unsigned long long)s->tcp_drop_bad,
	       (unsigned long long)s->tcp_drop_checksum, (unsigned long long)s->tcp_rst_in,
	       (unsigned long long)s->udp_in, (unsigned long long)s->icmp_in,
	       (unsigned long long)(s->arp_requests_in + s->arp_replies_in));
	if (s->eth_in != frames || s->tcp_established == 0) {
		fprintf(stderr, "fuzz_net: the generator never got a connection established\n");
		exit(1);
	}
	env_free(&e);
}

static void replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "fuzz_net: %s: cannot open\n", path);
		exit(1);
	}
	uint8_t *buf = malloc(1 << 20);
	size_t n = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "--random") == 0) {
		uint64_t seed = argc >= 4 ? strtoull(argv[3], NULL, 0) : 1;
		random_run((uint32_t)strtoul(argv[2], NULL, 0), seed);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		if (!d) {
			replay_file(argv[i]);
			continue;
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
			replay_file(p);
		}
		closedir(d);
	}
	return 0;
}
#endif
