// SPDX-License-Identifier: MIT
// tcpbench: the paper's TCP throughput benchmark (section 4.4). The sender connects
// and streams bytes= of the deterministic pattern docpat_seed("tcpbench") in chunk=
// writes, half-closes and waits for the receiver's close; the receiver accepts one
// connection, reads to the end, checks every byte and closes. Both report bytes, errors and throughput (integer bits/s over the
// app clock: simulated time in a guest) on one line and through the results port
// (tcp.bytes, tcp.errors, tcp.kbps). Exit 0 only when all the bytes went (sender) or
// arrived intact, exactly bytes= of them when given (receiver).
// verify=0 streams without the pattern's cost, as the paper's benchmark did: the
// sender writes the same chunk= of the pattern over and over and the receiver only
// counts (both ends must agree). sndbuf= and rcvbuf= set SO_SNDBUF and SO_RCVBUF
// before connect or listen; above 64 KiB the libos offers window scaling (RFC 7323).
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
#include "docpat.h"

static struct {
	const char *mode;
	uint32_t dst;
	uint64_t port, bytes, chunk, idle_ns, linger_ns, quiet, verify, sndbuf, rcvbuf;
} g = {.mode = "", .dst = 0x0a000001u, .port = 5001, .chunk = 8192,
	.idle_ns = 10000000000ull, .linger_ns = 3000000000ull, .verify = 1};

// Applies sndbuf= and rcvbuf= (0: the system's default); returns -1 after printing
// why when the system refuses.
static int set_buffers(int fd)
{
	int v;
	if (g.sndbuf) {
		v = (int)g.sndbuf;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) < 0) {
			printf("tcpbench: SO_SNDBUF %d refused: error %d\n", v, errno);
			return -1;
		}
	}
	if (g.rcvbuf) {
		v = (int)g.rcvbuf;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) < 0) {
			printf("tcpbench: SO_RCVBUF %d refused: error %d\n", v, errno);
			return -1;
		}
	}
	return 0;
}

// Prints the result line and sends the stats; returns the exit status.
static int report(const char *what, uint64_t bytes, uint64_t errors, uint64_t ns, int ok)
{
	// kbit/s = bytes * 8 * 10^6 / ns; bytes < 2^40 keeps the product below 2^63.
	uint64_t kbps = ns ? bytes * 8000000 / ns : 0;
	app_stat_add("tcp.bytes", bytes);
	app_stat_add("tcp.errors", errors);
	app_stat_add("tcp.kbps", kbps);
	if (!g.quiet || !ok)
		printf("tcpbench: %s %lu bytes, %lu errors, %lu.%06lu s, %lu.%03lu Mbit/s%s\n", what,
			(unsigned long)bytes, (unsigned long)errors, (unsigned long)(ns / 1000000000),
			(unsigned long)(ns % 1000000000 / 1000), (unsigned long)(kbps / 1000),
			(unsigned long)(kbps % 1000), ok ? "" : ", FAILED");
	return ok ? 0 : 1;
}

static int do_send(void)
{
	char *buf = malloc(g.chunk);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (!buf || fd < 0) {
		printf("tcpbench: out of memory or sockets\n");
		return 1;
	}
	if (set_buffers(fd) < 0)
		return 1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)g.port);
	sa.sin_addr.s_addr = htonl(g.dst);
	uint64_t start = app_now_ns();
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		printf("tcpbench: connect to %u.%u.%u.%u:%lu failed: error %d\n", g.dst >> 24,
			(g.dst >> 16) & 255, (g.dst >> 8) & 255, g.dst & 255, (unsigned long)g.port,
			errno);
		close(fd);
		free(buf);
		return report("sent", 0, 1, 0, 0);
	}
	uint32_t seed = docpat_seed("tcpbench");
	uint64_t off = 0;
	if (!g.verify)
		docpat_fill(seed, 0, buf, (size_t)g.chunk);
	while (off < g.bytes) {
		size_t n = g.bytes - off < g.chunk ? (size_t)(g.bytes - off) : (size_t)g.chunk;
		if (g.verify)
			docpat_fill(seed, off, buf, n);
		for (size_t done = 0; done < n;) {
			ssize_t w = write(fd, buf + done, n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				printf("tcpbench: write failed after %lu bytes: error %d\n",
					(unsigned long)(off + done), errno);
				close(fd);
				free(buf);
				return report("sent", off + done, 1, app_now_ns() - start, 0);
			}
			done += (size_t)w;
		}
		off += n;
	}
	// Half-close, then wait for the receiver to close its side: it does so only after
	// reading everything, so the bytes are delivered before this VM ends (a VM that
	// terminates takes its unsent buffers with it).
	int bad = shutdown(fd, SHUT_WR) < 0;
	while (!bad) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(g.idle_ns / 1000000)) <= 0) {
			printf("tcpbench: the receiver did not close within %lu ms\n",
				(unsigned long)(g.idle_ns / 1000000));
			bad = 1;
			break;
		}
		ssize_t n = read(fd, buf, g.chunk);
		if (n == 0)
			break;
		if (n < 0 && errno != EINTR)
			bad = 1;
	}
	close(fd);
	free(buf);
	return report("sent", off, (uint64_t)bad, app_now_ns() - start, !bad);
}

static int do_recv(void)
{
	char *buf = malloc(g.chunk);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	if (!buf || ls < 0) {
		printf("tcpbench: out of memory or sockets\n");
		return 1;
	}
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (set_buffers(ls) < 0) // accepted connections inherit them
		return 1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)g.port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 1) < 0) {
		printf("tcpbench: cannot listen on port %lu: error %d\n", (unsigned long)g.port,
			errno);
		return 1;
	}
	if (g.port == 0) {
		socklen_t sl = sizeof sa;
		getsockname(ls, (struct sockaddr *)&sa, &sl);
	}
	if (!g.quiet)
		printf("tcpbench: listening on port %u\n", (unsigned)ntohs(sa.sin_port));
	int fd = accept(ls, NULL, NULL);
	if (fd < 0) {
		printf("tcpbench: accept failed: error %d\n", errno);
		return 1;
	}
	uint64_t start = app_now_ns(), off = 0, errors = 0;
	uint32_t seed = docpat_seed("tcpbench");
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(g.idle_ns / 1000000)) <= 0) {
			printf("tcpbench: no data for %lu ms after %lu bytes\n",
				(unsigned long)(g.idle_ns / 1000000), (unsigned long)off);
			errors++;
			break;
		}
		ssize_t n = read(fd, buf, g.chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			printf("tcpbench: read failed after %lu bytes: error %d\n", (unsigned long)off,
				errno);
			errors++;
			break;
		}
		if (n == 0)
			break;
		size_t good = g.verify ? docpat_check(seed, off, buf, (size_t)n) : (size_t)n;
		if (good != (size_t)n) {
			if (errors++ == 0)
				printf("tcpbench: byte %lu differs from the pattern\n",
					(unsigned long)(off + good));
		}
		off += (uint64_t)n;
	}
	uint64_t ns = app_now_ns() - start;
	close(fd);
	close(ls);
	free(buf);
	if (g.bytes && off != g.bytes) {
		printf("tcpbench: received %lu bytes, expected %lu\n", (unsigned long)off,
			(unsigned long)g.bytes);
		errors++;
	}
	int status = report("received", off, errors, ns, errors == 0);
	// Our FIN may be lost on a lossy link; the stack retransmits it only while this VM
	// lives, and the sender waits for it: stay for linger= (a run with client machines
	// ends when the sender does, so this costs nothing there).
	app_sleep_until(app_now_ns() + g.linger_ns);
	return status;
}

static const struct appargs_spec spec[] = {
	{"mode", APPARGS_STRING, &g.mode, 0, 0, "send or recv (required)", NULL},
	{"dst", APPARGS_IPV4, &g.dst, 0, 0, "send: receiver's address (10.0.0.1)", NULL},
	{"port", APPARGS_U64, &g.port, 0, 65535, "TCP port (5001; recv 0: any)", NULL},
	{"bytes", APPARGS_SIZE, &g.bytes, 0, (uint64_t)1 << 40,
		"send: bytes to send; recv: bytes expected (0: any)", NULL},
	{"chunk", APPARGS_SIZE, &g.chunk, 1, 1u << 20, "bytes per write/read (8192)", NULL},
	{"idle", APPARGS_DURATION, &g.idle_ns, 1000000, 0,
		"give up after no data this long (10s)", NULL},
	{"linger", APPARGS_DURATION, &g.linger_ns, 0, 0,
		"recv: stay this long after closing, for the FIN's retransmissions (3s)", NULL},
	{"quiet", APPARGS_U64, &g.quiet, 0, 1, "1: print only failures", NULL},
	{"verify", APPARGS_U64, &g.verify, 0, 1,
		"1: stream and check the pattern; 0: repeat one chunk, only count (1)", NULL},
	{"sndbuf", APPARGS_SIZE, &g.sndbuf, 0, 1u << 30, "SO_SNDBUF in bytes (0: default)", NULL},
	{"rcvbuf", APPARGS_SIZE, &g.rcvbuf, 0, 1u << 30, "SO_RCVBUF in bytes (0: default)", NULL},
};

int main(int argc, char **argv)
{
	app_init();
	if (appargs_parse("tcpbench", argc, argv, spec, sizeof spec / sizeof spec[0]) < 0)
		return 2;
	int send_mode = strcmp(g.mode, "send") == 0;
	if (!send_mode && strcmp(g.mode, "recv") != 0) {
		fprintf(stderr, "tcpbench: bad argument 'mode=%s': expected mode=send or mode=recv\n",
			g.mode);
		appargs_usage("tcpbench", spec, sizeof spec / sizeof spec[0]);
		return 2;
	}
	if (send_mode && g.port == 0) {
		fprintf(stderr, "tcpbench: bad argument 'port=0': send needs a port\n");
		return 2;
	}
	return send_mode ? do_send() : do_recv();
}
