// SPDX-License-Identifier: MIT
// udpcost: UDP datagrams from one VM to another through the libos socket layer, for
// measuring what one datagram costs the VM that receives it and the VM that sends it
// (the paper's section 4.5c chatty-NIC experiment: scripts/figures/chatty-nic,
// docs/experiments.md "The chatty NIC").
//
//   udpcost mode=recv [port=9000] [count=N] [timeout=1s] [warmup=W] [quiet=1]
//     binds UDP port and receives datagrams (recvfrom, one at a time) until count have
//     arrived or none for timeout;
//   udpcost mode=send [server=10.0.0.1] [port=9000] [count=N] [size=100]
//                     [interval=200us] [jitter=50] [delay=20ms] [seed=1] [warmup=W]
//     sends count datagrams of size payload bytes to server:port, the first delay
//     after start, then one every interval, each gap drawn uniformly from
//     interval +- jitter% by a PRNG seeded with seed (sleeping in between).
//
// Both report, as results (denali_stat_add), "udpcost.received" or "udpcost.sent"
// (datagrams) and the simulated times of datagram number warmup (1-based: when recvfrom
// returned it, or sendto was called for it) and of the last one,
// "udpcost.recv_first_ns"/"recv_last_ns" or "udpcost.send_first_ns"/"send_last_ns": a
// window that holds exactly count - warmup datagrams' work, whose cost per datagram
// the figure script reads from the VM's trace. One line at the end unless quiet:
//   udpcost: received N datagrams, B bytes          (or: sent N datagrams)
// Exit 0 when all count datagrams were received (or sent), 1 otherwise, 2 for bad
// arguments.
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "appargs.h"
#include "appcompat.h"
#include "prng.h"

static uint8_t buf[2048];

static void sleep_until(uint64_t t_ns)
{
	for (;;) {
		uint64_t now = app_now_ns();
		if (now >= t_ns)
			return;
		uint64_t d = t_ns - now;
		struct timespec ts = { (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
		nanosleep(&ts, NULL);
	}
}

static int do_recv(int fd, uint64_t count, uint64_t timeout_ns, uint64_t warmup,
		   uint64_t quiet)
{
	uint64_t got = 0, bytes = 0, t_first = 0, t_last = 0;
	while (got < count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)((timeout_ns + 999999) / 1000000)) <= 0)
			break;
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		long n = (long)recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		got++;
		bytes += (uint64_t)n;
		uint64_t now = app_now_ns();
		if (got == warmup)
			t_first = now;
		t_last = now;
	}
	app_stat_add("udpcost.received", got);
	app_stat_add("udpcost.recv_first_ns", t_first);
	app_stat_add("udpcost.recv_last_ns", t_last);
	if (!quiet)
		printf("udpcost: received %llu datagrams, %llu bytes\n", (unsigned long long)got,
		       (unsigned long long)bytes);
	return got == count ? 0 : 1;
}

static int do_send(int fd, const struct sockaddr_in *to, uint64_t count, uint64_t size,
		   uint64_t interval_ns, uint64_t jitter, uint64_t delay_ns, uint64_t seed,
		   uint64_t warmup, uint64_t quiet)
{
	struct prng r = { seed };
	memset(buf, 'u', sizeof buf);
	uint64_t sent = 0, t_first = 0, t_last = 0, next = app_now_ns() + delay_ns;
	uint64_t spread = interval_ns * jitter / 100;
	for (uint64_t i = 0; i < count; i++) {
		sleep_until(next);
		uint64_t now = app_now_ns();
		if (i + 1 == warmup)
			t_first = now;
		t_last = now;
		memcpy(buf, &i, sizeof i); // the datagram's number, for anyone looking
		if (sendto(fd, buf, (size_t)size, 0, (const struct sockaddr *)to, sizeof *to) ==
		    (long)size)
			sent++;
		uint64_t gap = interval_ns - spread;
		if (spread)
			gap += prng_below(&r, (uint32_t)(2 * spread + 1));
		next += gap;
	}
	app_stat_add("udpcost.sent", sent);
	app_stat_add("udpcost.send_first_ns", t_first);
	app_stat_add("udpcost.send_last_ns", t_last);
	if (!quiet)
		printf("udpcost: sent %llu datagrams\n", (unsigned long long)sent);
	return sent == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	app_init();
	const char *mode = "";
	uint64_t port = 9000, count = 1000, size = 100, interval = 200000, jitter = 50;
	uint64_t delay = 20000000, seed = 1, warmup = 0, timeout = 1000000000, quiet = 0;
	uint32_t server = 0x0a000001u;
	const struct appargs_spec spec[] = {
		{ "mode", APPARGS_STRING, &mode, 0, 0, "recv or send", NULL },
		{ "port", APPARGS_U64, &port, 1, 65535, "UDP port (default 9000)", NULL },
		{ "count", APPARGS_U64, &count, 1, 100000000, "datagrams (default 1000)", NULL },
		{ "size", APPARGS_U64, &size, 1, 1472, "send: payload bytes (default 100)", NULL },
		{ "interval", APPARGS_DURATION, &interval, 1000, 1000000000,
		  "send: mean gap between datagrams (default 200us)", NULL },
		{ "jitter", APPARGS_U64, &jitter, 0, 100, "send: gap spread, +- percent (default 50)",
		  NULL },
		{ "delay", APPARGS_DURATION, &delay, 0, 0, "send: before the first (default 20ms)",
		  NULL },
		{ "seed", APPARGS_U64, &seed, 0, 0, "send: the gaps' PRNG seed (default 1)", NULL },
		{ "server", APPARGS_IPV4, &server, 0, 0, "send: destination (default 10.0.0.1)",
		  NULL },
		{ "warmup", APPARGS_U64, &warmup, 0, 100000000,
		  "the datagram that opens the window (default 0: count/10, at least 1)", NULL },
		{ "timeout", APPARGS_DURATION, &timeout, 1000000, 0,
		  "recv: give up after this long without a datagram (default 1s)", NULL },
		{ "quiet", APPARGS_U64, &quiet, 0, 1, "1: no summary line", NULL },
	};
	size_t nspec = sizeof spec / sizeof spec[0];
	if (appargs_parse("udpcost", argc, argv, spec, nspec) != 0)
		return 2;
	int send = !strcmp(mode, "send");
	if (!send && strcmp(mode, "recv") != 0) {
		fprintf(stderr, "udpcost: bad argument 'mode=%s': expected mode=recv or mode=send\n",
			mode);
		return 2;
	}
	if (warmup == 0)
		warmup = count / 10 ? count / 10 : 1;
	if (warmup > count) {
		fprintf(stderr, "udpcost: bad argument 'warmup=%llu': more than count=%llu\n",
			(unsigned long long)warmup, (unsigned long long)count);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(send ? server : INADDR_ANY);
	if (fd < 0 || (!send && bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)) {
		printf("udpcost: cannot open UDP port %llu: error %d\n", (unsigned long long)port,
		       errno);
		return 1;
	}
	if (send)
		return do_send(fd, &sa, count, size, interval, jitter, delay, seed, warmup, quiet);
	return do_recv(fd, count, timeout, warmup, quiet);
}
