// SPDX-License-Identifier: MIT
// gameclient: replays a seeded, deterministic movement path to a gamesrv (the paper's
// modified Quake II clients, section 4.6c). It joins session= of server server= (+ the
// VM id modulo servers=, so one client machine can feed several servers), sends rate=
// updates per second for duration=, and measures latency: from sending update seq s
// to receiving the first snapshot whose entry for this client has seq >= s. It also
// checks each snapshot's copy of its own state against what it sent. Exit 0 when it
// joined, got snapshots and every echoed state matched.
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "appargs.h"
#include "appcompat.h"
#include "gameproto.h"
#include "prng.h"

#define RING 256 // updates remembered for latency and checking (12.8 s at 20/s)

static struct {
	uint64_t port, servers, session, rate, duration_ns, seed, quiet;
	uint32_t server;
	int fd;
	struct sockaddr_in srv;
	uint16_t id;
	struct {
		uint64_t sent_ns;
		struct gp_entry st;
	} ring[RING];
	uint32_t seq, acked;
	uint64_t sent, snapshots, samples, lat_sum_ns, lat_max_ns, mismatches, bad;
} g = {.port = GP_PORT, .servers = 1, .rate = 20, .duration_ns = 5000000000ull, .seed = 1,
	.server = 0x0a000001u};

static void send_msg(const struct gp_msg *m)
{
	uint8_t buf[GP_MSG_MAX];
	size_t n = gp_encode(m, buf);
	sendto(g.fd, buf, n, 0, (struct sockaddr *)&g.srv, sizeof g.srv);
}

// Waits up to until_ns for one valid datagram from the server. Returns 1 with *m
// filled, 0 when the time is up.
static int receive(struct gp_msg *m, uint64_t until_ns)
{
	for (;;) {
		uint64_t now = app_now_ns();
		if (now >= until_ns)
			return 0;
		struct pollfd p = {.fd = g.fd, .events = POLLIN};
		if (poll(&p, 1, (int)((until_ns - now + 999999) / 1000000)) <= 0)
			continue;
		uint8_t buf[2048];
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(g.fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		if (from.sin_addr.s_addr != g.srv.sin_addr.s_addr || from.sin_port != g.srv.sin_port ||
			gp_decode(buf, (size_t)n, m) < 0) {
			g.bad++;
			continue;
		}
		return 1;
	}
}

static void on_snapshot(const struct gp_msg *m, uint64_t now)
{
	g.snapshots++;
	for (uint16_t i = 0; i < m->n; i++) {
		const struct gp_entry *e = &m->entries[i];
		if (e->id != g.id)
			continue;
		if (e->seq > g.seq) {
			g.bad++; // a sequence number never sent
			return;
		}
		if (e->seq <= g.acked)
			return;
		if (g.seq - e->seq < RING &&
			(memcmp(e->pos, g.ring[e->seq % RING].st.pos, sizeof e->pos) != 0 ||
			memcmp(e->vel, g.ring[e->seq % RING].st.vel, sizeof e->vel) != 0))
			g.mismatches++;
		for (uint32_t s = g.acked + 1; s <= e->seq; s++) {
			if (g.seq - s >= RING)
				continue; // too old to remember
			uint64_t lat = now - g.ring[s % RING].sent_ns;
			app_stat_sample("game.latency_ns", lat);
			g.samples++;
			g.lat_sum_ns += lat;
			if (lat > g.lat_max_ns)
				g.lat_max_ns = lat;
		}
		g.acked = e->seq;
		return;
	}
}

// One step of the movement path: keep inside the world (bounce), and now and then a
// new random velocity. dt is 1/rate s, so a step moves vel / rate units.
static void step(struct prng *r, struct gp_entry *st)
{
	if (prng_below(r, (uint32_t)g.rate) == 0) // about once a second
		for (int i = 0; i < 3; i++)
			st->vel[i] = (int32_t)prng_below(r, 2 * 2000 + 1) - 2000;
	for (int i = 0; i < 3; i++) {
		int32_t x = st->pos[i] + st->vel[i] / (int32_t)g.rate;
		if (x > GP_WORLD / 2 || x < -GP_WORLD / 2) {
			st->vel[i] = -st->vel[i];
			x = st->pos[i];
		}
		st->pos[i] = x;
	}
}

static const struct appargs_spec spec[] = {
	{"server", APPARGS_IPV4, &g.server, 0, 0, "first server's address (10.0.0.1)", NULL},
	{"servers", APPARGS_U64, &g.servers, 1, 65536, "servers; this client uses server + "
		"(VM id mod servers) (1)", NULL},
	{"port", APPARGS_U64, &g.port, 1, 65535, "server UDP port (27910)", NULL},
	{"session", APPARGS_U64, &g.session, 0, 63, "session to join (0)", NULL},
	{"rate", APPARGS_U64, &g.rate, 1, 1000, "updates per second (20)", NULL},
	{"duration", APPARGS_DURATION, &g.duration_ns, 1, 0, "time to play (5s)", NULL},
	{"seed", APPARGS_U64, &g.seed, 0, 0, "movement path seed, combined with the VM id (1)",
		NULL},
	{"quiet", APPARGS_U64, &g.quiet, 0, 1, "1: no summary line unless it failed", NULL},
};

int main(int argc, char **argv)
{
	app_init();
	if (appargs_parse("gameclient", argc, argv, spec, sizeof spec / sizeof spec[0]) < 0)
		return 2;
	uint32_t id = app_instance_id();
	uint32_t server = g.server + (uint32_t)((id & 0xffff) % g.servers);
	struct prng rng = {g.seed ^ ((uint64_t)id << 32 | id)};
	g.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (g.fd < 0) {
		printf("gameclient: socket: error %d\n", errno);
		return 1;
	}
	memset(&g.srv, 0, sizeof g.srv);
	g.srv.sin_family = AF_INET;
	g.srv.sin_port = htons((uint16_t)g.port);
	g.srv.sin_addr.s_addr = htonl(server);

	uint64_t start = app_now_ns(), end = start + g.duration_ns;
	// Join: JOIN every 250 ms until the WELCOME with our nonce.
	struct gp_msg m, join = {.type = GP_JOIN, .session = (uint32_t)g.session,
		.nonce = (uint32_t)prng_next(&rng)};
	int joined = 0;
	while (!joined && app_now_ns() < end) {
		send_msg(&join);
		uint64_t until = app_now_ns() + 250000000;
		while (!joined && receive(&m, until < end ? until : end))
			if (m.type == GP_WELCOME && m.nonce == join.nonce) {
				joined = 1;
				g.id = m.e.id;
			}
	}
	if (!joined) {
		printf("gameclient: vm %u: no answer from %u.%u.%u.%u\n", id, server >> 24,
			(server >> 16) & 255, (server >> 8) & 255, server & 255);
		return 1;
	}
	struct gp_entry st = {.id = g.id};
	for (int i = 0; i < 3; i++)
		st.pos[i] = (int32_t)prng_below(&rng, 1 << 16) - (1 << 15);
	uint64_t t0 = app_now_ns();
	for (uint64_t i = 0;; i++) {
		uint64_t due = t0 + i * 1000000000ull / g.rate;
		if (due >= end)
			break;
		while (receive(&m, due))
			if (m.type == GP_SNAPSHOT)
				on_snapshot(&m, app_now_ns());
		step(&rng, &st);
		st.seq = ++g.seq;
		g.ring[st.seq % RING].st = st;
		g.ring[st.seq % RING].sent_ns = app_now_ns();
		struct gp_msg u = {.type = GP_UPDATE, .e = st};
		send_msg(&u);
		g.sent++;
	}
	// One more tick's worth of snapshots acknowledges the last updates.
	uint64_t until = app_now_ns() + 250000000;
	while (receive(&m, until))
		if (m.type == GP_SNAPSHOT)
			on_snapshot(&m, app_now_ns());
	struct gp_msg leave = {.type = GP_LEAVE, .e = {.id = g.id}};
	send_msg(&leave);

	app_stat_add("game.sent", g.sent);
	app_stat_add("game.snapshots", g.snapshots);
	int ok = g.snapshots > 0 && g.mismatches == 0;
	if (!g.quiet || !ok)
		printf("gameclient: vm %u id %u: %lu updates sent, %lu snapshots, %lu acked, "
			"latency mean %lu us max %lu us, %lu mismatches, %lu bad\n", id, g.id,
			(unsigned long)g.sent, (unsigned long)g.snapshots, (unsigned long)g.acked,
			(unsigned long)(g.samples ? g.lat_sum_ns / g.samples / 1000 : 0),
			(unsigned long)(g.lat_max_ns / 1000), (unsigned long)g.mismatches,
			(unsigned long)g.bad);
	return ok ? 0 : 1;
}
