// SPDX-License-Identifier: MIT
// gamesrv: a Quake-like game server over UDP (the paper's Quake II experiment, section
// 4.6c). Clients join a session and stream position updates (common/gameproto.h); the
// server keeps each client's latest state, validates movement (world bounds, speed
// limit) and every tick (100 ms, on a fixed grid of the clock, so it never drifts)
// sends every client a snapshot of all clients in its session. A client not heard
// from for timeout= (5 s) is dropped. Integer math only. Runs until the simulation
// ends, or for duration= (then prints a summary). docs/apps.md has the args.
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "appargs.h"
#include "appcompat.h"
#include "gameproto.h"

#define SESSIONS_MAX 64

struct player {
	int used;
	uint32_t session, ip, nonce;
	uint16_t port;
	struct gp_entry st;       // latest accepted state; st.id is the slot index
	uint64_t heard_ns;        // last datagram from it
	uint64_t moved_ns;        // last accepted update (0: none yet)
};

static struct {
	uint64_t port, sessions, tick_ns, timeout_ns, duration_ns, quiet;
	int fd;
	struct player *players; // sessions * GP_SESSION_MAX, zeroed
	// totals, and the part not yet sent through the results port
	uint64_t ticks, updates, snapshots, clamped, bad, joins, timeouts;
	uint64_t updates_flushed, snapshots_flushed;
} g = {
	.port = GP_PORT, .sessions = 4, .tick_ns = 100000000, .timeout_ns = 5000000000ull,
};

static void send_to(uint32_t ip, uint16_t port, const struct gp_msg *m)
{
	uint8_t buf[GP_MSG_MAX];
	size_t n = gp_encode(m, buf);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(ip);
	sendto(g.fd, buf, n, 0, (struct sockaddr *)&sa, sizeof sa);
}

static int32_t clamp(int64_t v, int64_t lim)
{
	return (int32_t)(v < -lim ? -lim : v > lim ? lim : v);
}

static void on_join(const struct gp_msg *m, uint32_t ip, uint16_t port, uint64_t now)
{
	if (m->session >= g.sessions) {
		g.bad++;
		return;
	}
	struct player *free_slot = NULL;
	struct player *base = &g.players[m->session * GP_SESSION_MAX];
	for (int i = 0; i < GP_SESSION_MAX; i++) {
		struct player *p = &base[i];
		if (p->used && p->ip == ip && p->port == port && p->nonce == m->nonce) {
			free_slot = p; // a repeated JOIN (the WELCOME was lost): same id again
			break;
		}
		if (!p->used && !free_slot)
			free_slot = p;
	}
	if (!free_slot) {
		g.bad++; // the session is full
		return;
	}
	struct player *p = free_slot;
	if (!p->used) {
		memset(p, 0, sizeof *p);
		p->used = 1;
		p->session = m->session;
		p->ip = ip;
		p->port = port;
		p->nonce = m->nonce;
		p->st.id = (uint16_t)(p - g.players);
		g.joins++;
	}
	p->heard_ns = now;
	struct gp_msg w = {.type = GP_WELCOME, .session = m->session, .nonce = m->nonce};
	w.e.id = p->st.id;
	send_to(ip, port, &w);
}

// Accepts an update: newer sequence numbers only, positions inside the world, speed at
// most GP_VMAX per axis, and no axis moving farther than GP_VMAX allows in the time
// since the last update (plus a little slack for jitter).
static void on_update(const struct gp_msg *m, uint32_t ip, uint16_t port, uint64_t now)
{
	if (m->e.id >= g.sessions * GP_SESSION_MAX) {
		g.bad++;
		return;
	}
	struct player *p = &g.players[m->e.id];
	if (!p->used || p->ip != ip || p->port != port) {
		g.bad++; // not this sender's id
		return;
	}
	p->heard_ns = now;
	if (m->e.seq <= p->st.seq)
		return; // late or duplicated: the newer state is already here
	g.updates++;
	struct gp_entry e = m->e;
	int clamped = 0;
	uint64_t dt = p->moved_ns ? now - p->moved_ns : 0;
	if (dt > 1000000000)
		dt = 1000000000;
	int64_t allowed = (int64_t)((uint64_t)GP_VMAX * dt / 1000000000u) + 64;
	for (int i = 0; i < 3; i++) {
		int32_t v = clamp(e.vel[i], GP_VMAX);
		int32_t x = clamp(e.pos[i], GP_WORLD);
		if (p->moved_ns) {
			int64_t d = (int64_t)x - p->st.pos[i];
			x = (int32_t)(p->st.pos[i] + clamp(d, allowed));
		}
		clamped |= v != e.vel[i] || x != e.pos[i];
		e.vel[i] = v;
		e.pos[i] = x;
	}
	g.clamped += (uint64_t)clamped;
	e.id = p->st.id;
	p->st = e;
	p->moved_ns = now;
}

static void tick(uint64_t now)
{
	g.ticks++;
	for (uint64_t s = 0; s < g.sessions; s++) {
		struct player *base = &g.players[s * GP_SESSION_MAX];
		struct gp_msg snap = {.type = GP_SNAPSHOT, .tick = (uint32_t)g.ticks,
			.session = (uint32_t)s};
		for (int i = 0; i < GP_SESSION_MAX; i++) {
			if (base[i].used && now - base[i].heard_ns > g.timeout_ns) {
				base[i].used = 0;
				g.timeouts++;
			}
			if (base[i].used)
				snap.entries[snap.n++] = base[i].st;
		}
		for (int i = 0; i < GP_SESSION_MAX; i++) {
			if (base[i].used) {
				send_to(base[i].ip, base[i].port, &snap);
				g.snapshots++;
			}
		}
	}
	app_stat_add("game.ticks", 1);
	app_stat_add("game.updates_in", g.updates - g.updates_flushed);
	app_stat_add("game.snapshots_out", g.snapshots - g.snapshots_flushed);
	g.updates_flushed = g.updates;
	g.snapshots_flushed = g.snapshots;
}

static void receive(uint64_t now)
{
	uint8_t buf[2048];
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	ssize_t n = recvfrom(g.fd, buf, sizeof buf, 0, (struct sockaddr *)&sa, &sl);
	if (n < 0)
		return;
	struct gp_msg m;
	if (gp_decode(buf, (size_t)n, &m) < 0) {
		g.bad++;
		return;
	}
	uint32_t ip = ntohl(sa.sin_addr.s_addr);
	uint16_t port = ntohs(sa.sin_port);
	switch (m.type) {
	case GP_JOIN: on_join(&m, ip, port, now); break;
	case GP_UPDATE: on_update(&m, ip, port, now); break;
	case GP_LEAVE:
		if (m.e.id < g.sessions * GP_SESSION_MAX && g.players[m.e.id].used &&
			g.players[m.e.id].ip == ip && g.players[m.e.id].port == port)
			g.players[m.e.id].used = 0;
		break;
	default: g.bad++; break; // servers take no WELCOME or SNAPSHOT
	}
}

static const struct appargs_spec spec[] = {
	{"port", APPARGS_U64, &g.port, 0, 65535, "UDP port (27910; 0: any)", NULL},
	{"sessions", APPARGS_U64, &g.sessions, 1, SESSIONS_MAX, "game sessions (4), 16 "
		"clients each", NULL},
	{"tick", APPARGS_DURATION, &g.tick_ns, 1000000, 10000000000ull,
		"snapshot period (100ms)", NULL},
	{"timeout", APPARGS_DURATION, &g.timeout_ns, 1000000, 0,
		"drop a client silent this long (5s)", NULL},
	{"duration", APPARGS_DURATION, &g.duration_ns, 0, 0, "stop after this long "
		"(0: never)", NULL},
	{"quiet", APPARGS_U64, &g.quiet, 0, 1, "1: no start-up line", NULL},
};

int main(int argc, char **argv)
{
	app_init();
	if (appargs_parse("gamesrv", argc, argv, spec, sizeof spec / sizeof spec[0]) < 0)
		return 2;
	g.players = calloc((size_t)g.sessions * GP_SESSION_MAX, sizeof g.players[0]);
	if (!g.players) {
		printf("gamesrv: out of memory for %lu sessions\n", (unsigned long)g.sessions);
		return 1;
	}
	g.fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)g.port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (g.fd < 0 || bind(g.fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		printf("gamesrv: cannot bind UDP port %lu: error %d\n", (unsigned long)g.port,
			errno);
		return 1;
	}
	if (g.port == 0) {
		socklen_t sl = sizeof sa;
		getsockname(g.fd, (struct sockaddr *)&sa, &sl);
	}
	if (!g.quiet)
		printf("gamesrv: listening on UDP port %u, %lu sessions, tick %lu ms\n",
			(unsigned)ntohs(sa.sin_port), (unsigned long)g.sessions,
			(unsigned long)(g.tick_ns / 1000000));
	uint64_t start = app_now_ns(), next = start + g.tick_ns;
	uint64_t end = g.duration_ns ? start + g.duration_ns : UINT64_MAX;
	for (;;) {
		uint64_t now = app_now_ns();
		if (now >= end)
			break;
		if (now >= next) {
			tick(now);
			// The next point of the grid start + k * tick after now (ticks missed
			// while the VM was not running are skipped, not sent in a burst).
			next += g.tick_ns;
			if (next <= now)
				next = now + g.tick_ns - (now - start) % g.tick_ns;
			continue;
		}
		uint64_t wait = (next < end ? next : end) - now;
		struct pollfd p = {.fd = g.fd, .events = POLLIN};
		if (poll(&p, 1, (int)((wait + 999999) / 1000000)) > 0)
			receive(app_now_ns());
	}
	printf("gamesrv: %lu ticks, %lu joins, %lu updates in, %lu snapshots out, "
		"%lu clamped, %lu bad, %lu timed out\n", (unsigned long)g.ticks,
		(unsigned long)g.joins, (unsigned long)g.updates, (unsigned long)g.snapshots,
		(unsigned long)g.clamped, (unsigned long)g.bad, (unsigned long)g.timeouts);
	return 0;
}
