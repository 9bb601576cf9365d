// SPDX-License-Identifier: MIT
// nettest: a smoke test of the libos network stack through the BSD socket API
// (docs/net.md). Every VM of the machine runs it; VM 0 is the server, the others are
// clients of 10.0.0.1.
//   server: a UDP echo thread on port 40001, and on TCP port 40000 one thread per
//           connection that reads to EOF, checks every byte against the pattern, and
//           answers "ok BYTES HASH\n" before closing. After one connection per client
//           VM it prints "nettest: vm 0 server: C connections, B bytes, E errors".
//   client: a UDP echo round trip (with SO_RCVTIMEO and retries), then a TCP
//           connection: BYTES bytes of the pattern in 4 KiB writes, shutdown(SHUT_WR),
//           poll() for the answer, checks it, closes; prints
//           "nettest: vm N client: sent B bytes, udp ok, reply ok".
// With api=1, VM 1 then checks the API's error paths and options (the server sees one
// more connection, and a refused one draws a RST): "nettest: vm 1 api: N checks, 0 failed".
// Arguments (denali run --args): bytes=N (default 200000), stats=1 (print the stack's
// counters at the end), api=1. Exit status 0 when everything checked out, 1 otherwise.
#include <arpa/inet.h>
#include <denali.h>
#include <denali_net.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define TCP_PORT 40000
#define UDP_PORT 40001

static uint32_t opt_bytes = 200000;
static int opt_stats, opt_api;

static uint8_t pattern(uint32_t i) { return (uint8_t)(i * 7u + (i >> 8) * 13u + 1u); }

static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static struct {
	pthread_mutex_t lock;
	pthread_cond_t done;
	int conns, finished, errors;
	uint32_t bytes;
} srv = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0 };

static void *serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t buf[2048];
	uint32_t got = 0, h = 2166136261u;
	int bad = 0;
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0) {
			printf("nettest: server recv: errno %d\n", errno);
			bad++;
			break;
		}
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			bad += buf[i] != pattern(got + (uint32_t)i);
		h = fnv(h, buf, (size_t)r);
		got += (uint32_t)r;
	}
	char reply[64];
	int n = snprintf(reply, sizeof(reply), "ok %u %08x\n", got, h);
	if (write(fd, reply, (size_t)n) != n)
		bad++;
	close(fd);
	pthread_mutex_lock(&srv.lock);
	srv.bytes += got;
	srv.errors += bad;
	srv.finished++;
	pthread_cond_signal(&srv.done);
	pthread_mutex_unlock(&srv.lock);
	return NULL;
}

static void *udp_echo(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[1500];
	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (r >= 0)
			sendto(fd, buf, (size_t)r, 0, (struct sockaddr *)&from, flen);
	}
	return NULL;
}

static int server(int clients)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(UDP_PORT) };
	if (u < 0 || bind(u, (struct sockaddr *)&a, sizeof(a)) != 0) {
		printf("nettest: server udp socket: errno %d\n", errno);
		return 1;
	}
	pthread_t t;
	pthread_create(&t, NULL, udp_echo, (void *)(intptr_t)u);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons(TCP_PORT);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 16) != 0) {
		printf("nettest: server tcp socket: errno %d\n", errno);
		return 1;
	}
	for (int i = 0; i < clients; i++) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int c = accept(l, (struct sockaddr *)&peer, &plen);
		if (c < 0) {
			printf("nettest: accept: errno %d\n", errno);
			return 1;
		}
		srv.conns++;
		pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)c);
		pthread_detach(t);
	}
	pthread_mutex_lock(&srv.lock);
	while (srv.finished < clients)
		pthread_cond_wait(&srv.done, &srv.lock);
	pthread_mutex_unlock(&srv.lock);
	close(l);
	printf("nettest: vm 0 server: %d connections, %u bytes, %d errors\n", srv.conns,
	       srv.bytes, srv.errors);
	return srv.errors != 0;
}

static int udp_round_trip(struct sockaddr_in *dst)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct sockaddr_in d = *dst;
	d.sin_port = htons(UDP_PORT);
	char msg[32], buf[64];
	int n = snprintf(msg, sizeof(msg), "hello from vm %u", denali_vm_id());
	for (int tries = 0; tries < 20; tries++) { // the server may not be up yet
		sendto(u, msg, (size_t)n, 0, (struct sockaddr *)&d, sizeof(d));
		ssize_t r = recv(u, buf, sizeof(buf), 0);
		if (r == n && memcmp(buf, msg, (size_t)n) == 0) {
			close(u);
			return 0;
		}
	}
	close(u);
	return -1;
}

static int api_checks, api_failed;

static void api(const char *what, int ok)
{
	api_checks++;
	if (!ok) {
		api_failed++;
		printf("nettest: vm %u api: FAILED %s (errno %d)\n", denali_vm_id(), what, errno);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// The socket API's error paths and options, from VM 1 (the server is up by then).
static int api_test(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(40009) };
	inet_pton(AF_INET, "10.0.0.1", &a.sin_addr);
	api("socket(AF_INET6) EAFNOSUPPORT", socket(10, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT);
	api("socket(type 99) EINVAL", socket(AF_INET, 99, 0) < 0 && errno == EINVAL);
	api("send(bad fd) EBADF", send(100, "x", 1, 0) < 0 && errno == EBADF);
	api("close(bad fd) EBADF", close(100) < 0 && errno == EBADF);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	api("connect to a closed port: ECONNREFUSED",
	    connect(t, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == ECONNREFUSED);
	close(t);
	t = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in off = a;
	inet_pton(AF_INET, "192.168.1.1", &off.sin_addr);
	api("connect off-link: ENETUNREACH",
	    connect(t, (struct sockaddr *)&off, sizeof(off)) < 0 && errno == ENETUNREACH);
	struct sockaddr_in self = a;
	self.sin_addr.s_addr = htonl(0x0a000001u + denali_vm_id()); // machine 0's VM N
	api("connect to ourselves: ENETUNREACH (no loopback)",
	    connect(t, (struct sockaddr *)&self, sizeof(self)) < 0 && errno == ENETUNREACH);
	int one = 1, v = 0;
	socklen_t vlen = sizeof(v);
	api("TCP_NODELAY set", setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
	api("TCP_NODELAY get", getsockopt(t, IPPROTO_TCP, TCP_NODELAY, &v, &vlen) == 0 && v == 1);
	close(t);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in any = { .sin_family = AF_INET };
	api("bind port 0", bind(u, (struct sockaddr *)&any, sizeof(any)) == 0);
	struct sockaddr_in me;
	socklen_t mlen = sizeof(me);
	api("getsockname: ephemeral port",
	    getsockname(u, (struct sockaddr *)&me, &mlen) == 0 && ntohs(me.sin_port) >= 49152);
	int u2 = socket(AF_INET, SOCK_DGRAM, 0);
	api("bind a used port: EADDRINUSE",
	    bind(u2, (struct sockaddr *)&me, sizeof(me)) < 0 && errno == EADDRINUSE);
	close(u2);
	vlen = sizeof(v);
	api("SO_TYPE", getsockopt(u, SOL_SOCKET, SO_TYPE, &v, &vlen) == 0 && v == SOCK_DGRAM);
	char buf[16];
	api("MSG_DONTWAIT: EAGAIN", recv(u, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN);
	struct timeval tv = { .tv_sec = 0, .tv_usec = 50000 }, tv2;
	socklen_t tlen = sizeof(tv2);
	setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	api("SO_RCVTIMEO get", getsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv2, &tlen) == 0 &&
				       tv2.tv_usec == 50000);
	uint64_t t0 = now_ns();
	api("SO_RCVTIMEO: EAGAIN after 50 ms",
	    recv(u, buf, sizeof(buf), 0) < 0 && errno == EAGAIN && now_ns() - t0 >= 50000000u);
	struct pollfd p = { .fd = u, .events = POLLIN };
	t0 = now_ns();
	api("poll: timeout after 30 ms", poll(&p, 1, 30) == 0 && now_ns() - t0 >= 30000000u);
	api("poll: POLLOUT at once", (p.events = POLLOUT, poll(&p, 1, -1)) == 1 && p.revents == POLLOUT);
	struct pollfd bad = { .fd = 99, .events = POLLIN };
	api("poll: POLLNVAL", poll(&bad, 1, 0) == 1 && bad.revents == POLLNVAL);
	api("sendto too long: EMSGSIZE",
	    sendto(u, buf, 70000, 0, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EMSGSIZE);
	close(u);
	int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	a.sin_port = htons(TCP_PORT);
	api("non-blocking connect: EINPROGRESS",
	    connect(nb, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EINPROGRESS);
	p.fd = nb;
	p.events = POLLOUT;
	api("non-blocking connect: POLLOUT", poll(&p, 1, 5000) == 1 && (p.revents & POLLOUT));
	vlen = sizeof(v);
	api("SO_ERROR 0", getsockopt(nb, SOL_SOCKET, SO_ERROR, &v, &vlen) == 0 && v == 0);
	api("non-blocking recv: EAGAIN", recv(nb, buf, sizeof(buf), 0) < 0 && errno == EAGAIN);
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	api("getpeername", getpeername(nb, (struct sockaddr *)&peer, &plen) == 0 &&
				   peer.sin_addr.s_addr == a.sin_addr.s_addr &&
				   peer.sin_port == htons(TCP_PORT));
	shutdown(nb, SHUT_WR); // the server counts it as a connection of 0 bytes
	p.events = POLLIN;
	while (poll(&p, 1, 5000) == 1 && recv(nb, buf, sizeof(buf), 0) > 0)
		;
	close(nb);
	struct in_addr ia;
	char text[INET_ADDRSTRLEN];
	api("inet_pton/ntop", inet_pton(AF_INET, "10.1.2.255", &ia) == 1 &&
				      strcmp(inet_ntop(AF_INET, &ia, text, sizeof(text)), "10.1.2.255") == 0);
	api("inet_pton rejects", inet_pton(AF_INET, "1.2.3", &ia) == 0 &&
					 inet_pton(AF_INET, "256.1.1.1", &ia) == 0 &&
					 inet_pton(AF_INET, "1.2.3.4x", &ia) == 0);
	api("inet_addr", inet_addr("10.0.0.1") == htonl(0x0a000001) &&
				 inet_addr("x") == INADDR_NONE);
	ia.s_addr = htonl(0x0a000102);
	api("inet_ntoa", strcmp(inet_ntoa(ia), "10.0.1.2") == 0);
	api("inet_ntop ENOSPC", inet_ntop(AF_INET, &ia, text, 4) == NULL && errno == ENOSPC);
	struct denali_net_config cfg = { .msl_ns = 1 };
	api("denali_net_configure after start: -1", denali_net_configure(&cfg) == -1);
	struct denali_net_stats st;
	denali_net_stats(&st);
	api("denali_net_stats", st.tcp_active_opens == 3 && st.tcp_rst_in >= 1 &&
					st.udp_out >= 1 && st.arp_requests_out >= 1);
	printf("nettest: vm %u api: %d checks, %d failed\n", denali_vm_id(), api_checks,
	       api_failed);
	return api_failed != 0;
}

static int client(void)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(TCP_PORT) };
	if (inet_pton(AF_INET, "10.0.0.1", &dst.sin_addr) != 1)
		return 1;
	int udp_ok = udp_round_trip(&dst) == 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
		printf("nettest: vm %u connect: errno %d\n", denali_vm_id(), errno);
		return 1;
	}
	uint8_t buf[4096];
	uint32_t sent = 0, h = 2166136261u;
	while (sent < opt_bytes) {
		uint32_t n = opt_bytes - sent < sizeof(buf) ? opt_bytes - sent : sizeof(buf);
		for (uint32_t i = 0; i < n; i++)
			buf[i] = pattern(sent + i);
		h = fnv(h, buf, n);
		ssize_t r = send(fd, buf, n, 0);
		if (r != (ssize_t)n) {
			printf("nettest: vm %u send: %d, errno %d\n", denali_vm_id(), (int)r, errno);
			return 1;
		}
		sent += n;
	}
	shutdown(fd, SHUT_WR);
	char reply[64], want[64];
	size_t got = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10000) != 1)
			break;
		ssize_t r = recv(fd, reply + got, sizeof(reply) - 1 - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	reply[got] = '\0';
	close(fd);
	snprintf(want, sizeof(want), "ok %u %08x\n", opt_bytes, h);
	int reply_ok = strcmp(reply, want) == 0;
	printf("nettest: vm %u client: sent %u bytes, udp %s, reply %s\n", denali_vm_id(), sent,
	       udp_ok ? "ok" : "FAILED", reply_ok ? "ok" : "FAILED");
	int api_bad = denali_vm_id() == 1 && opt_api ? api_test() : 0;
	return !(udp_ok && reply_ok) || api_bad;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *end;
		if (strncmp(argv[i], "bytes=", 6) == 0 && argv[i][6] >= '0' && argv[i][6] <= '9' &&
		    (opt_bytes = (uint32_t)strtoul(argv[i] + 6, &end, 10), *end == '\0'))
			continue;
		if (strcmp(argv[i], "stats=1") == 0)
			opt_stats = 1;
		else if (strcmp(argv[i], "api=1") == 0)
			opt_api = 1;
		else {
			printf("nettest: bad argument '%s' (bytes=N, stats=1, api=1)\n", argv[i]);
			return 2;
		}
	}
	if (denali_net_init() != 0) {
		printf("nettest: no IPv4 address (errno %d): run with a NIC, e.g. --nic simple\n",
		       errno);
		return 1;
	}
	uint32_t vms = denali_vregs()->machine_vms;
	int clients = vms > 1 ? (int)vms - 1 + opt_api : 0;
	int r = denali_vm_id() == 0 ? server(clients) : client();
	if (opt_stats) {
		if (denali_vm_id() != 0)
			sleep(1); // let the last FIN exchange finish before counting
		denali_net_print_stats();
	}
	return r;
}
