// SPDX-License-Identifier: MIT
// One HTTP/1.1 request and its response (client.h). The response head is read into a
// 4 KiB buffer and parsed with explicit bounds; the body is read in 4 KiB chunks and
// checked against the document pattern as it arrives.
#include "client.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "appcompat.h"
#include "docpat.h"

#define HEAD_MAX 4096
#define CHUNK 4096 // body reads (libos threads have 16 KiB stacks: keep buf small)

// Waits until fd is readable or the deadline. Returns 1 readable, 0 timed out, -1 error.
static int wait_readable(int fd, uint64_t deadline_ns)
{
	for (;;) {
		uint64_t now = app_now_ns();
		if (now >= deadline_ns)
			return 0;
		uint64_t ms = (deadline_ns - now + 999999) / 1000000;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, ms > 1000000 ? 1000000 : (int)ms);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

// Connects, giving up at deadline_ns: SO_SNDTIMEO bounds a blocking connect (and the
// request's writes), on Linux and in libos alike, so a server whose SYN-ACKs are lost
// or late (a thrashing machine) costs one timeout, not the SYN retransmission series.
static int connect_to(uint32_t ip, uint16_t port, uint64_t deadline_ns)
{
	uint64_t now = app_now_ns();
	if (now >= deadline_ns) {
		errno = ETIMEDOUT;
		return -1;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	uint64_t left = deadline_ns - now;
	struct timeval tv = {.tv_sec = (time_t)(left / 1000000000u),
			     .tv_usec = (suseconds_t)(left % 1000000000u / 1000u)};
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(ip);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

// Case-insensitive: does [p, e) start with the lowercase word w?
static int starts_with(const char *p, const char *e, const char *w)
{
	for (; *w; p++, w++)
		if (p >= e || lower((unsigned char)*p) != *w)
			return 0;
	return 1;
}

int client_parse_head(const char *p, size_t n, int *status, int64_t *clen, int *closes)
{
	const char *e = p + n;
	if (n < 13 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ')
		return -1;
	*closes = p[7] == '0'; // 1.0 closes unless it says keep-alive
	*status = 0;
	for (int i = 9; i < 12; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*status = *status * 10 + (p[i] - '0');
	}
	*clen = -1;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		if (!nl)
			return -1;
		p = nl + 1;
		if (p >= e || *p == '\r' || *p == '\n')
			return 0; // the empty line
		if (starts_with(p, e, "content-length:")) {
			const char *v = p + 15;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			int64_t len = 0;
			if (v >= e || *v < '0' || *v > '9')
				return -1;
			for (; v < e && *v >= '0' && *v <= '9'; v++) {
				if (len > ((int64_t)1 << 40))
					return -1;
				len = len * 10 + (*v - '0');
			}
			*clen = len;
		} else if (starts_with(p, e, "connection:")) {
			const char *v = p + 11;
			while (v < e && *v != '\n') {
				if (starts_with(v, e, "close"))
					*closes = 1;
				else if (starts_with(v, e, "keep-alive"))
					*closes = 0;
				v++;
			}
		}
	}
}

size_t client_head_end(const char *buf, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < n && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

// Sends the request and reads the response on fd. Returns the outcome; sets *closes.
// *got_any tells the caller whether any response byte arrived (a reused connection
// that fails before that is retried on a new one).
static enum client_outcome exchange(const struct client_request *rq, int fd,
	struct client_result *res, int *closes, int *got_any)
{
	char buf[HEAD_MAX > CHUNK ? HEAD_MAX : CHUNK];
	*got_any = 0;
	// No "Connection: close" even for one request per connection: like httperf, the
	// client closes first once it has the response, so the TIME_WAIT state (and its
	// memory) stays on the load generator, not on the server VMs.
	int n = snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: %u.%u.%u.%u\r\n\r\n",
		rq->path, rq->ip >> 24, (rq->ip >> 16) & 255, (rq->ip >> 8) & 255, rq->ip & 255);
	if (n <= 0 || (size_t)n >= sizeof buf) {
		res->why = "request too long";
		return CLIENT_ERROR;
	}
	for (const char *p = buf; n > 0;) {
		ssize_t w = write(fd, p, (size_t)n);
		if (w <= 0) {
			res->why = "write failed";
			res->err = errno;
			return CLIENT_ERROR;
		}
		p += w;
		n -= (int)w;
	}
	size_t len = 0, hend = 0;
	while (!(hend = client_head_end(buf, len))) {
		if (len == HEAD_MAX) {
			res->why = "response head too long";
			return CLIENT_ERROR;
		}
		int r = wait_readable(fd, rq->deadline_ns);
		if (r == 0) {
			res->why = "no response head";
			return CLIENT_TIMEOUT;
		}
		ssize_t got = r < 0 ? -1 : read(fd, buf + len, HEAD_MAX - len);
		if (got <= 0) {
			res->why = "closed before the response head";
			return CLIENT_ERROR;
		}
		*got_any = 1;
		len += (size_t)got;
	}
	int64_t clen;
	if (client_parse_head(buf, hend, &res->status, &clen, closes) < 0 || clen < 0) {
		res->why = "malformed response head";
		return CLIENT_ERROR;
	}
	// The body: what followed the head in buf, then reads until Content-Length.
	uint64_t off = 0, want = (uint64_t)clen;
	size_t have = len - hend;
	char *chunk = buf + hend;
	for (;;) {
		if (have > want - off) {
			res->why = "more bytes than Content-Length";
			return CLIENT_ERROR;
		}
		if (rq->verify && res->status == 200 &&
			docpat_check(rq->doc_seed, off, chunk, have) != have) {
			res->why = "document bytes differ from the pattern";
			return CLIENT_ERROR;
		}
		off += have;
		if (off == want)
			break;
		int r = wait_readable(fd, rq->deadline_ns);
		if (r == 0) {
			res->why = "body incomplete";
			res->body_bytes = off;
			return CLIENT_TIMEOUT;
		}
		uint64_t left = want - off;
		ssize_t got = r < 0 ? -1 : read(fd, buf, left < CHUNK ? (size_t)left : CHUNK);
		if (got <= 0) {
			res->why = "closed before the end of the body";
			return CLIENT_ERROR;
		}
		chunk = buf;
		have = (size_t)got;
	}
	res->body_bytes = off;
	if (res->status != 200) {
		res->why = "status not 200";
		return CLIENT_ERROR;
	}
	return CLIENT_OK;
}

enum client_outcome client_do(const struct client_request *rq, int *fd,
	struct client_result *res)
{
	memset(res, 0, sizeof *res);
	uint64_t start = app_now_ns();
	int reused = *fd >= 0;
	for (;;) {
		if (*fd < 0 && (*fd = connect_to(rq->ip, rq->port, rq->deadline_ns)) < 0) {
			res->why = "connect failed";
			res->err = errno;
			// EINPROGRESS: SO_SNDTIMEO ran out with the handshake still going.
			return res->err == EINPROGRESS || app_now_ns() >= rq->deadline_ns ?
				CLIENT_TIMEOUT : CLIENT_ERROR;
		}
		int closes = 1, got_any;
		enum client_outcome o = exchange(rq, *fd, res, &closes, &got_any);
		if (o == CLIENT_OK && rq->keepalive && !closes) {
			res->latency_ns = app_now_ns() - start;
			return o; // keep *fd
		}
		close(*fd);
		*fd = -1;
		// The server may close a kept-alive connection just as we reuse it: one retry
		// on a fresh connection, timed from the first attempt.
		if (o == CLIENT_ERROR && reused && !got_any) {
			reused = 0;
			continue;
		}
		res->latency_ns = app_now_ns() - start;
		return o;
	}
}
