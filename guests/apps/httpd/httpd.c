// SPDX-License-Identifier: MIT
// httpd: the static-content web server of the paper's experiments (section 4.4, 4.6b).
// Documents live in memory (docs.c); requests are parsed by http_parse.c. One thread
// per connection, at most conns= of them: beyond that the accept loop waits, so new
// connections queue in the listen backlog. HTTP/1.0 closes after the response unless
// the request asked for keep-alive; HTTP/1.1 persists unless "Connection: close".
// Runs until the simulation ends (natively: until killed). docs/apps.md has the args.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "appargs.h"
#include "appcompat.h"
#include "docs.h"
#include "http_parse.h"

#define HDR_MAX 8192      // request line + headers: beyond this, 431
#define COPY_MAX 4096     // responses up to this size go out in one write

static struct {
	uint64_t port, conns, backlog, idle_ns, quiet, spin;
	pthread_mutex_t lock;
	pthread_cond_t slot_free;
	uint64_t active; // connection threads running (guarded by lock)
	int oom_told;    // the out-of-memory line was printed
} g = {
	.port = 80, .conns = 16, .backlog = 64, .idle_ns = 10000000000ull,
	.lock = PTHREAD_MUTEX_INITIALIZER, .slot_free = PTHREAD_COND_INITIALIZER,
};

struct conn {
	int fd;
	char buf[HDR_MAX + COPY_MAX];
};

// Writes all n bytes. Returns 0, or -1 when the connection failed.
static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

// Sends one response: the document (status 200) or a short text explaining status.
// The head and a body of up to COPY_MAX bytes go out in one write, so a small
// document costs one TCP segment. Returns 0 or -1 (connection failed).
static int respond(struct conn *c, int status, unsigned minor, int keep_alive, int head_only,
	const struct doc *d)
{
	char text[64];
	const uint8_t *body;
	size_t body_len;
	if (d) {
		body = d->data;
		body_len = d->size;
	} else {
		body_len = (size_t)snprintf(text, sizeof text, "%d %s\n", status, reason(status));
		body = (const uint8_t *)text;
	}
	char *out = c->buf + HDR_MAX; // the request's bytes stay in c->buf[0..HDR_MAX)
	int n = snprintf(out, 512,
		"HTTP/1.%u %d %s\r\nServer: denali-httpd\r\nContent-Length: %lu\r\n"
		"Content-Type: %s\r\n%s%s\r\n",
		minor ? 1u : 0u, status, reason(status), (unsigned long)body_len,
		d ? "application/octet-stream" : "text/plain",
		status == 405 ? "Allow: GET, HEAD\r\n" : "",
		keep_alive ? (minor ? "" : "Connection: keep-alive\r\n") : "Connection: close\r\n");
	size_t total = (size_t)n;
	if (head_only)
		body_len = 0;
	if (total + body_len <= COPY_MAX) {
		memcpy(out + total, body, body_len);
		total += body_len;
		body_len = 0;
	}
	if (write_all(c->fd, out, total) < 0 || write_all(c->fd, body, body_len) < 0)
		return -1;
	app_stat_add("httpd.bytes", total + body_len);
	if (status != 200)
		app_stat_add("httpd.errors", 1);
	return 0;
}

// Waits for bytes, at most idle_ns. Returns bytes read, 0 at end of stream or idle
// timeout, -1 on error.
static ssize_t read_some(int fd, void *buf, size_t n)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = poll(&p, 1, (int)(g.idle_ns / 1000000));
	if (r <= 0)
		return r < 0 ? -1 : 0;
	ssize_t got;
	do
		got = read(fd, buf, n);
	while (got < 0 && errno == EINTR);
	return got;
}

// After an error response the client may still be sending (an oversized header,
// say). Closing with unread bytes would make TCP send a reset that can destroy the
// response in flight, so stop sending, then read and drop up to 64 KiB for at most
// 1 s before the caller closes (a "lingering close", as Apache does).
static void linger(struct conn *c)
{
	shutdown(c->fd, SHUT_WR);
	for (int total = 0; total < 65536;) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (poll(&p, 1, 1000) <= 0)
			return;
		ssize_t n = read(c->fd, c->buf, HDR_MAX);
		if (n <= 0)
			return;
		total += (int)n;
	}
}

// Serves requests on one connection until it closes. Returns when done.
static void serve(struct conn *c)
{
	size_t len = 0;
	for (;;) {
		struct http_request req;
		int res = http_parse_request(c->buf, len, &req);
		if (res == HTTP_PARSE_INCOMPLETE) {
			if (len >= HDR_MAX) {
				if (respond(c, 431, 1, 0, 0, NULL) == 0)
					linger(c);
				return;
			}
			ssize_t n = read_some(c->fd, c->buf + len, HDR_MAX - len);
			if (n <= 0)
				return; // closed, idle or failed: nothing to answer
			len += (size_t)n;
			continue;
		}
		app_stat_add("httpd.requests", 1);
		if (res != HTTP_PARSE_OK) {
			static const int status[] = {0, 400, 414, 505, 501, 413};
			if (respond(c, status[-res], 1, 0, 0, NULL) == 0)
				linger(c);
			return; // the stream cannot be trusted past a bad request
		}
		// Drop the request and its body (read as far as needed).
		size_t used = req.header_len;
		uint64_t body = req.content_length;
		while (body > len - used) {
			body -= len - used;
			used = len = 0;
			ssize_t n = read_some(c->fd, c->buf, HDR_MAX);
			if (n <= 0)
				return;
			len = (size_t)n;
		}
		used += (size_t)body;
		int oom = 0;
		const struct doc *d = NULL;
		int status = 200;
		if (req.method == HTTP_OTHER)
			status = 405;
		else if (!(d = docs_get(req.path, &oom)))
			status = oom ? 503 : 404;
		if (respond(c, status, req.minor, req.keep_alive, req.method == HTTP_HEAD, d) < 0 ||
			!req.keep_alive)
			return;
		memmove(c->buf, c->buf + used, len - used);
		len -= used;
	}
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	serve(c);
	close(c->fd);
	free(c);
	pthread_mutex_lock(&g.lock);
	g.active--;
	pthread_cond_signal(&g.slot_free);
	pthread_mutex_unlock(&g.lock);
	return NULL;
}

static const struct appargs_spec spec[] = {
	{"port", APPARGS_U64, &g.port, 0, 65535, "TCP port to listen on (80; 0: any)", NULL},
	{"conns", APPARGS_U64, &g.conns, 1, 4096, "connection threads at most (16)", NULL},
	{"backlog", APPARGS_U64, &g.backlog, 1, 4096, "listen backlog (64)", NULL},
	{"idle", APPARGS_DURATION, &g.idle_ns, 1000000, 0,
		"close a connection idle this long (10s)", NULL},
	{"doc", APPARGS_FUNC, NULL, 0, 0, "/name:SIZE another document (repeatable)",
		docs_arg},
	{"preload", APPARGS_FUNC, NULL, 0, 0, "/name: make this document at start-up, not "
		"on its first request (repeatable)", docs_preload_arg},
	{"quiet", APPARGS_U64, &g.quiet, 0, 1, "1: no start-up line", NULL},
	{"spin", APPARGS_U64, &g.spin, 0, 1, "1: spin, not idle, while a timer is pending "
		"(Figure 5 'no timeout')", NULL},
};

int main(int argc, char **argv)
{
	app_init();
	docs_init();
	if (appargs_parse("httpd", argc, argv, spec, sizeof spec / sizeof spec[0]) < 0 ||
		docs_preload_check() < 0)
		return 2;
	if (g.spin)
		app_idle_spin();
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0) {
		printf("httpd: socket: error %d\n", errno);
		return 1;
	}
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)g.port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, (int)g.backlog) < 0) {
		printf("httpd: cannot listen on port %lu: error %d\n", (unsigned long)g.port, errno);
		return 1;
	}
	if (g.port == 0) {
		socklen_t sl = sizeof sa;
		getsockname(ls, (struct sockaddr *)&sa, &sl);
	}
	// After listen(): connections that arrive meanwhile wait in the backlog.
	if (docs_preload() < 0)
		return 1;
	if (!g.quiet)
		printf("httpd: listening on port %u, %d documents, %lu connections at most\n",
			(unsigned)ntohs(sa.sin_port), docs_count(), (unsigned long)g.conns);
	for (;;) {
		pthread_mutex_lock(&g.lock);
		while (g.active >= g.conns)
			pthread_cond_wait(&g.slot_free, &g.lock);
		pthread_mutex_unlock(&g.lock);
		int fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			// A connection reset before accept, or out of descriptors: pause 1 ms
			// so a persistent failure cannot spin (threads here are cooperative).
			app_stat_add("httpd.errors", 1);
			app_sleep_until(app_now_ns() + 1000000);
			continue;
		}
		// A response is written whole; Nagle would hold its last partial segment until
		// the client's (delayed, 40 ms) ACK of the one before.
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct conn *c = malloc(sizeof *c);
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (c) {
			c->fd = fd;
			pthread_mutex_lock(&g.lock);
			g.active++;
			pthread_mutex_unlock(&g.lock);
		}
		if (!c || pthread_create(&t, &attr, conn_main, c) != 0) {
			if (c) {
				pthread_mutex_lock(&g.lock);
				g.active--;
				pthread_mutex_unlock(&g.lock);
				free(c);
			}
			app_stat_add("httpd.errors", 1);
			close(fd); // out of memory: refuse this connection, keep serving
			if (!g.oom_told++)
				printf("httpd: out of memory for a connection (%lu active): refusing "
					"connections until memory frees up\n", (unsigned long)g.active);
		}
		pthread_attr_destroy(&attr);
	}
}
