// SPDX-License-Identifier: MIT
// httpgen: an httperf-like HTTP load generator (the paper's modified httperf, section
// 4.6b). Each request goes to one of servers= web servers (base, base+1, ...), chosen
// by a Zipf distribution (zipf.c); client.c does the request.
//   mode=open:   the main thread starts a request every 1/rate s on a schedule that
//                ignores completions; max= worker threads carry them out, and a request
//                due while all are busy is not sent but counted as overload.
//   mode=closed: conns= threads, each sending request after request.
// After duration= no new request starts; outstanding ones get until their own
// timeout=. Results: the http.* counters and the http.latency_ns histogram through the
// results ports, and one printed line. Exit status 0 when no request had an error
// (timeouts and overload are load, not errors: they are counted and printed), 1
// otherwise, 2 for bad arguments.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appargs.h"
#include "appcompat.h"
#include "client.h"
#include "docpat.h"
#include "prng.h"
#include "zipf.h"

struct counters {
	uint64_t requests, replies, bytes, errors, timeouts, overload;
	uint64_t lat_sum_ns, lat_max_ns;
};

struct ticket {
	uint32_t server;
};

// An idle kept-alive connection, in the pool of its server.
struct idle {
	int fd;
	struct idle *next;
};

static struct {
	// arguments
	uint64_t servers, port, rate, max, conns, alpha_q32, seed, duration_ns, timeout_ns;
	uint64_t ranks;
	uint64_t verify, keepalive, quiet, delay_ns;
	uint32_t base;
	const char *path, *mode;
	// derived
	int open;
	uint32_t doc_seed;
	struct zipf zipf;
	uint32_t *perm; // ranks=SEED: server of Zipf rank i + 1 is perm[i]; NULL: server i
	uint64_t end_ns;
	// shared state, guarded by lock
	pthread_mutex_t lock;
	pthread_cond_t work; // a ticket was queued, or stop
	pthread_cond_t done; // a request finished
	struct ticket *queue; // ring of max entries
	uint32_t q_head, q_len;
	uint64_t outstanding; // queued + in progress
	int stop;
	struct idle **pool; // per server
	struct counters c;
} g = {
	.servers = 1, .port = 80, .rate = 100, .max = 64, .conns = 4,
	.alpha_q32 = (uint64_t)1 << 32, .seed = 1, .duration_ns = 2000000000ull,
	.timeout_ns = 5000000000ull, .delay_ns = 100000000, .base = 0x0a000001u, .path = "/small", .mode = "open",
	.lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

// Takes an idle connection to server s from the pool, or -1. Caller holds the lock.
static int pool_take(uint32_t s)
{
	struct idle *i = g.pool ? g.pool[s] : NULL;
	if (!i)
		return -1;
	g.pool[s] = i->next;
	int fd = i->fd;
	free(i);
	return fd;
}

// Returns a kept-alive connection to the pool (or closes it). Caller holds the lock.
static void pool_put(uint32_t s, int fd)
{
	struct idle *i = g.pool ? malloc(sizeof *i) : NULL;
	if (!i) {
		close(fd);
		return;
	}
	i->fd = fd;
	i->next = g.pool[s];
	g.pool[s] = i;
}

// Does one request to server s and records its result. Called without the lock.
static void one_request(uint32_t s)
{
	pthread_mutex_lock(&g.lock);
	int fd = g.keepalive ? pool_take(s) : -1;
	g.c.requests++;
	pthread_mutex_unlock(&g.lock);

	struct client_request rq = {
		.ip = g.base + s, .port = (uint16_t)g.port, .path = g.path, .doc_seed = g.doc_seed,
		.verify = (int)g.verify, .keepalive = (int)g.keepalive,
		.deadline_ns = app_now_ns() + g.timeout_ns,
	};
	struct client_result res;
	enum client_outcome o = client_do(&rq, &fd, &res);
	if (o == CLIENT_OK)
		app_stat_sample("http.latency_ns", res.latency_ns);

	pthread_mutex_lock(&g.lock);
	if (fd >= 0)
		pool_put(s, fd);
	g.c.bytes += res.body_bytes;
	if (o == CLIENT_OK) {
		g.c.replies++;
		g.c.lat_sum_ns += res.latency_ns;
		if (res.latency_ns > g.c.lat_max_ns)
			g.c.lat_max_ns = res.latency_ns;
	} else if (o == CLIENT_TIMEOUT) {
		g.c.timeouts++;
	} else {
		// The first few errors are printed: enough to diagnose, bounded output.
		if (g.c.errors++ < 3)
			printf("httpgen: request to server %u failed: %s (status %d, errno %d)\n", s,
				res.why, res.status, res.err);
	}
	pthread_mutex_unlock(&g.lock);
}

// Open loop: workers take tickets from the queue until stop and the queue is empty.
static void *open_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g.lock);
	for (;;) {
		while (!g.q_len && !g.stop)
			pthread_cond_wait(&g.work, &g.lock);
		if (!g.q_len)
			break;
		struct ticket t = g.queue[g.q_head];
		g.q_head = (uint32_t)((g.q_head + 1) % g.max);
		g.q_len--;
		pthread_mutex_unlock(&g.lock);
		one_request(t.server);
		pthread_mutex_lock(&g.lock);
		g.outstanding--;
		pthread_cond_signal(&g.done);
	}
	pthread_mutex_unlock(&g.lock);
	return NULL;
}

// The server for the next request: a Zipf rank, through the permutation if any.
static uint32_t pick(struct prng *rng)
{
	uint32_t r = zipf_draw(&g.zipf, prng_next(rng));
	return g.perm ? g.perm[r] : r;
}

// ranks=SEED: a Fisher-Yates shuffle of the servers from SEED alone (not the VM id), so
// every generator agrees which servers are popular, and popularity is independent of
// the servers' ids (and so of their boot order, which the FIFO gatekeeper follows).
static int shuffle_ranks(void)
{
	g.perm = malloc((size_t)g.servers * sizeof g.perm[0]);
	if (!g.perm)
		return -1;
	for (uint32_t i = 0; i < g.servers; i++)
		g.perm[i] = i;
	struct prng r = {g.ranks};
	prng_next(&r);
	for (uint32_t i = (uint32_t)g.servers - 1; i > 0; i--) {
		uint32_t j = prng_below(&r, i + 1), t = g.perm[i];
		g.perm[i] = g.perm[j];
		g.perm[j] = t;
	}
	return 0;
}

struct closed_arg {
	struct prng rng;
};

// Closed loop: one connection's worth of requests, back to back, until the end.
static void *closed_worker(void *arg)
{
	struct closed_arg *a = arg;
	while (app_now_ns() < g.end_ns)
		one_request(pick(&a->rng));
	return NULL;
}

// The open-loop schedule: request i starts at start + i * 10^9 / rate (exact integer
// times, so the rate does not drift however long the run). Returns 1 when every
// request finished, 0 when some were still running at the give-up time.
static int run_open(struct prng *rng, uint64_t start)
{
	for (uint64_t i = 0;; i++) {
		uint64_t due = start + i * 1000000000ull / g.rate;
		if (due >= g.end_ns)
			break;
		app_sleep_until(due);
		uint32_t s = pick(rng);
		pthread_mutex_lock(&g.lock);
		if (g.outstanding >= g.max) {
			g.c.overload++;
		} else {
			g.queue[(g.q_head + g.q_len) % g.max].server = s;
			g.q_len++;
			g.outstanding++;
			pthread_cond_signal(&g.work);
		}
		pthread_mutex_unlock(&g.lock);
	}
	pthread_mutex_lock(&g.lock);
	g.stop = 1;
	pthread_cond_broadcast(&g.work);
	pthread_mutex_unlock(&g.lock);
	// Everything still queued or running finishes within one timeout (plus 1 s for
	// connect); after that the stragglers count as timeouts.
	uint64_t give_up = app_now_ns() + g.timeout_ns + 1000000000ull;
	for (;;) {
		pthread_mutex_lock(&g.lock);
		uint64_t left = g.outstanding;
		pthread_mutex_unlock(&g.lock);
		if (!left)
			return 1;
		if (app_now_ns() >= give_up) {
			pthread_mutex_lock(&g.lock);
			g.c.timeouts += left;
			pthread_mutex_unlock(&g.lock);
			return 0;
		}
		app_sleep_until(app_now_ns() + 10000000);
	}
}

static const char *mode_arg(const char *v, void *ctx)
{
	(void)ctx;
	if (strcmp(v, "open") != 0 && strcmp(v, "closed") != 0)
		return "expected open or closed";
	g.mode = v;
	return NULL;
}

static const struct appargs_spec spec[] = {
	{"servers", APPARGS_U64, &g.servers, 1, 1u << 20, "number of servers (1)", NULL},
	{"base", APPARGS_IPV4, &g.base, 0, 0, "first server's address; server j is base+j "
		"(10.0.0.1)", NULL},
	{"port", APPARGS_U64, &g.port, 1, 65535, "server port (80)", NULL},
	{"path", APPARGS_STRING, &g.path, 0, 0, "document to request (/small)", NULL},
	{"mode", APPARGS_FUNC, NULL, 0, 0, "open (a request every 1/rate s) or closed", mode_arg},
	{"rate", APPARGS_U64, &g.rate, 1, 10000000, "open: requests per second (100)", NULL},
	{"max", APPARGS_U64, &g.max, 1, 4096, "open: outstanding requests at most (64)", NULL},
	{"conns", APPARGS_U64, &g.conns, 1, 4096, "closed: concurrent connections (4)", NULL},
	{"alpha", APPARGS_DECIMAL, &g.alpha_q32, 0, ((uint64_t)8 << 32) - 1,
		"Zipf parameter, 0 = uniform (1.0)", NULL},
	{"seed", APPARGS_U64, &g.seed, 0, 0, "random seed, combined with the VM id (1)", NULL},
	{"ranks", APPARGS_U64, &g.ranks, 0, 0, "0: Zipf rank i+1 is server i; SEED: servers "
		"shuffled by SEED, the same in every generator (0)", NULL},
	{"duration", APPARGS_DURATION, &g.duration_ns, 1, 0, "time to issue requests (2s)",
		NULL},
	{"timeout", APPARGS_DURATION, &g.timeout_ns, 1000000, 0, "per-request timeout (5s)",
		NULL},
	{"delay", APPARGS_DURATION, &g.delay_ns, 0, 0, "wait this long before the first "
		"request: the servers are booting too (100ms)", NULL},
	{"verify", APPARGS_U64, &g.verify, 0, 1, "1: check every document byte", NULL},
	{"keepalive", APPARGS_U64, &g.keepalive, 0, 1, "1: reuse connections per server", NULL},
	{"quiet", APPARGS_U64, &g.quiet, 0, 1, "1: no summary line unless errors", NULL},
};

int main(int argc, char **argv)
{
	app_init();
	if (appargs_parse("httpgen", argc, argv, spec, sizeof spec / sizeof spec[0]) < 0)
		return 2;
	if (g.path[0] != '/' || strlen(g.path) > 200 || strpbrk(g.path, " \r\n")) {
		fprintf(stderr, "httpgen: bad argument 'path=%s': a path starts with '/', has no "
			"spaces and at most 200 bytes\n", g.path);
		return 2;
	}
	if ((uint64_t)g.base + g.servers - 1 > 0xffffffffu) {
		fprintf(stderr, "httpgen: bad argument 'servers=%lu': past 255.255.255.255\n",
			(unsigned long)g.servers);
		return 2;
	}
	g.open = strcmp(g.mode, "open") == 0;
	g.doc_seed = docpat_seed(g.path);
	uint32_t id = app_instance_id();
	struct prng rng = {g.seed ^ ((uint64_t)id << 32 | id)};
	prng_next(&rng);
	g.queue = malloc((size_t)g.max * sizeof g.queue[0]);
	g.pool = g.keepalive ? calloc((size_t)g.servers, sizeof g.pool[0]) : NULL;
	if (zipf_init(&g.zipf, (uint32_t)g.servers, g.alpha_q32) < 0 || !g.queue ||
		(g.keepalive && !g.pool) || (g.ranks && shuffle_ranks() < 0)) {
		printf("httpgen: out of memory for %lu servers\n", (unsigned long)g.servers);
		return 1;
	}

	uint64_t nthreads = g.open ? g.max : g.conns;
	pthread_t *th = malloc((size_t)nthreads * sizeof *th);
	struct closed_arg *ca = calloc((size_t)nthreads, sizeof *ca);
	if (!th || !ca) {
		printf("httpgen: out of memory for %lu threads\n", (unsigned long)nthreads);
		return 1;
	}
	// In a simulation the server VMs boot at the same time as this one: a SYN that
	// arrives before a server listens is refused. Wait delay= before the first request.
	app_sleep_until(app_now_ns() + g.delay_ns);
	uint64_t start = app_now_ns();
	g.end_ns = start + g.duration_ns;
	uint64_t started = 0;
	for (; started < nthreads; started++) {
		ca[started].rng.s = prng_next(&rng);
		if (pthread_create(&th[started], NULL, g.open ? open_worker : closed_worker,
				&ca[started]) != 0)
			break;
	}
	if (started == 0) {
		printf("httpgen: cannot create threads\n");
		return 1;
	}
	int all_done = 1;
	if (g.open) {
		g.max = g.max < started ? g.max : started; // fewer workers than asked: fewer slots
		all_done = run_open(&rng, start);
	}
	if (all_done)
		for (uint64_t i = 0; i < started; i++)
			pthread_join(th[i], NULL);
	uint64_t elapsed = app_now_ns() - start;

	pthread_mutex_lock(&g.lock);
	struct counters c = g.c;
	pthread_mutex_unlock(&g.lock);
	app_stat_add("http.requests", c.requests);
	app_stat_add("http.replies", c.replies);
	app_stat_add("http.bytes", c.bytes);
	app_stat_add("http.errors", c.errors);
	app_stat_add("http.timeouts", c.timeouts);
	app_stat_add("http.overload", c.overload);
	if (!g.quiet || c.errors) {
		uint64_t ms = elapsed / 1000000 ? elapsed / 1000000 : 1;
		printf("httpgen: vm %u: %lu requests, %lu replies, %lu bytes, %lu errors, "
			"%lu timeouts, %lu overload; latency mean %lu us max %lu us; %lu replies/s\n",
			id, (unsigned long)c.requests, (unsigned long)c.replies,
			(unsigned long)c.bytes, (unsigned long)c.errors, (unsigned long)c.timeouts,
			(unsigned long)c.overload,
			(unsigned long)(c.replies ? c.lat_sum_ns / c.replies / 1000 : 0),
			(unsigned long)(c.lat_max_ns / 1000), (unsigned long)(c.replies * 1000 / ms));
	}
	if (all_done) { // else stragglers still use them; exit() ends them with the VM
		for (uint32_t s = 0; g.pool && s < g.servers; s++)
			for (int fd; (fd = pool_take(s)) >= 0;)
				close(fd);
		free(g.pool);
		free(g.queue);
		free(th);
		free(ca);
		zipf_free(&g.zipf);
		free(g.perm);
	}
	fflush(stdout);
	exit(c.errors ? 1 : 0);
}
