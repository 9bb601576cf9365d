// SPDX-License-Identifier: MIT
// The gdb server's transport (server.h): sockets, the blocking packet loop while the run
// is stopped, and the non-blocking look at the socket between slices (ctl poll).
#include "gdb/server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "gdb/history.h"
#include "gdb/rsp.h"
#include "gdb/stub.h"
#include "vmm/ctl.h"
#include "vmm/kernel.h"

// Between slices, the socket is looked at every this many dispatch-loop iterations.
#define POLL_EVERY 64

struct gdb_server {
	struct kernel *k;
	int lfd, fd;             // listening socket, connection (-1: none)
	char *path;              // a Unix socket's file, removed at the end
	bool resumed;            // gdb resumed the run: it waits for a stop reply
	bool killed;             // gdb sent k
	uint32_t count;
	struct rsp_in in;
	struct gdb_stub st;
	char reply[GDB_REPLY_MAX];
	char framed[2 * GDB_REPLY_MAX + 8];
	size_t framed_len;       // the last packet sent (resent on '-')
	struct gdb_history *h;   // reverse execution (NULL: off)
	bool internal;           // a stop was requested for a snapshot, not by gdb
};

int gdb_server_parse(const char *spec, char *why, size_t whylen)
{
	if (!strncmp(spec, "unix:", 5)) {
		size_t n = strlen(spec + 5);
		if (n == 0 || n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			snprintf(why, whylen, "a Unix socket path of 1 to %zu bytes expected",
				 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
			return -1;
		}
		return 0;
	}
	char *e;
	errno = 0;
	unsigned long v = strtoul(spec, &e, 10);
	if (!*spec || *e || errno || v > 65535 || spec[0] == '-' || spec[0] == '+') {
		snprintf(why, whylen, "a TCP port 0..65535 or unix:PATH expected");
		return -1;
	}
	return 0;
}

static void drop(struct gdb_server *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->resumed = false;
	// Without gdb the run goes on as without a debugger.
	ctl_clear(s->k);
	ctl_step(s->k, -1);
}

static void send_raw(struct gdb_server *s, const char *b, size_t n)
{
	while (n && s->fd >= 0) {
		ssize_t w = send(s->fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			drop(s);
			return;
		}
		b += w;
		n -= (size_t)w;
	}
}

static void send_packet(struct gdb_server *s, const char *data, size_t len)
{
	s->framed_len = rsp_frame(data, len, s->framed, sizeof s->framed);
	send_raw(s, s->framed, s->framed_len);
}

// Reads what is there (block: wait for at least one byte). Returns the bytes read, 0
// when the connection is gone (then dropped), -1 when nothing is there (non-blocking).
static ssize_t read_some(struct gdb_server *s, uint8_t *buf, size_t cap, bool block)
{
	for (;;) {
		ssize_t r = recv(s->fd, buf, cap, block ? 0 : MSG_DONTWAIT);
		if (r > 0)
			return r;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && !block && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -1;
		drop(s);
		return 0;
	}
}

// Serves packets until gdb resumes the run, detaches, kills it or goes away.
static void serve(struct gdb_server *s)
{
	uint8_t buf[512];
	while (s->fd >= 0) {
		ssize_t r = read_some(s, buf, sizeof buf, true);
		for (ssize_t i = 0; i < r && s->fd >= 0; i++) {
			enum rsp_ev ev = rsp_feed(&s->in, buf[i]);
			if (ev == RSP_NAK && s->framed_len) {
				send_raw(s, s->framed, s->framed_len);
				continue;
			}
			if (ev == RSP_BAD) {
				if (!s->st.noack)
					send_raw(s, "-", 1);
				continue;
			}
			if (ev != RSP_PACKET)
				continue; // acks, and Ctrl-C while stopped
			if (!s->st.noack)
				send_raw(s, "+", 1);
			size_t n;
			enum gdb_act a = gdb_stub_packet(&s->st, s->in.buf, s->in.len, s->reply, &n);
			switch (a) {
			case GDB_REPLY:
				send_packet(s, s->reply, n);
				if (s->st.ended && n && (s->reply[0] == 'W' || s->reply[0] == 'X'))
					drop(s); // the exit is reported: the session is over
				break;
			case GDB_RESUME:
				s->resumed = true;
				// The rest of this read (none, in all-stop mode) is dropped.
				return;
			case GDB_DETACH:
				send_packet(s, s->reply, n);
				drop(s);
				return;
			case GDB_KILL:
				s->killed = true;
				drop(s);
				return;
			case GDB_REVERSE: {
				char why[160];
				// Returns only when it could not go back; the gdb session goes
				// on in the process that reached the stop wanted.
				gdb_history_reverse(s->h, s->k, &s->st, s->st.rev_kind,
						    s->st.rev_vm, why, sizeof why);
				s->st.rev_begin = true; // no history: this stop is its beginning
				size_t m = gdb_stub_stop_reply(&s->st, s->reply);
				s->st.rev_begin = false;
				send_packet(s, s->reply, m);
				break;
			}
			}
		}
	}
}

static void on_stop(void *ctx, struct kernel *k, const struct ctl_stop *st)
{
	struct gdb_server *s = ctx;
	if (st->why == CTL_STOP_END) {
		// A VM ended: gdb hears of it only when it asked (QThreadEvents) and waits for a
		// stop; a replay of the history never talks to gdb.
		if (s->fd < 0 || !s->st.thread_events || !s->resumed ||
		    (s->h && gdb_history_replaying(s->h)))
			return;
		size_t n = gdb_stub_exit_reply(&s->st, st->vm, s->reply);
		send_packet(s, s->reply, n);
		s->resumed = false;
		serve(s);
		return;
	}
	bool internal = s->internal && st->why == CTL_STOP_REQUEST && !s->st.intr;
	struct ctl_stop seen = *st;
	if (s->h) {
		if (st->why == CTL_STOP_REQUEST)
			s->internal = false;
		seen.why = (uint8_t)gdb_history_why(k, st);
		int hr = s->fd >= 0 ? gdb_history_at_stop(s->h, k, &seen) : 0;
		if (hr == 1)
			return; // a replay of the history: not gdb's business
		if (hr == 2) {
			// A replay reached the stop gdb went back to: gdb waits for it.
			bool begin;
			gdb_history_session(s->h, &s->st, &begin);
			s->st.rev_begin = begin;
			s->resumed = true;
			rsp_in_init(&s->in);
			internal = false;
		}
		if (internal && seen.why == CTL_STOP_REQUEST)
			return; // a snapshot's stop: the run goes on
	}
	st = &seen;
	if (s->fd < 0)
		return; // nobody attached (a fault before gdb came): no stop
	s->st.last = *st;
	s->st.have_stop = true;
	s->st.cur = st->vm;
	s->st.gvm = s->st.cvm = -1;
	if (s->resumed) {
		size_t n = gdb_stub_stop_reply(&s->st, s->reply);
		send_packet(s, s->reply, n);
		s->resumed = false;
		s->st.rev_begin = false;
	}
	serve(s);
}

static void accept_one(struct gdb_server *s, bool block)
{
	if (!block) {
		struct pollfd p = { .fd = s->lfd, .events = POLLIN };
		if (poll(&p, 1, 0) <= 0)
			return;
	}
	int fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); // fails on Unix: fine
	s->fd = fd;
	s->resumed = false;
	s->st.noack = false;
	rsp_in_init(&s->in);
	s->st.intr = false;
	ctl_request_stop(s->k); // gdb expects a stopped target
}

static bool on_poll(void *ctx, struct kernel *k)
{
	struct gdb_server *s = ctx;
	if (s->killed)
		return true;
	if (++s->count < POLL_EVERY)
		return false;
	s->count = 0;
	if (s->h && s->fd >= 0) {
		if (gdb_history_orphaned(s->h))
			return true; // the process the user started is gone: end the run
		if (!s->internal && gdb_history_due(s->h, k)) {
			s->internal = true;
			ctl_request_stop(k);
		}
	}
	if (s->fd < 0) {
		accept_one(s, false);
		return false;
	}
	uint8_t buf[256];
	ssize_t r = read_some(s, buf, sizeof buf, false);
	for (ssize_t i = 0; i < r; i++)
		if (rsp_feed(&s->in, buf[i]) == RSP_INTR) {
			s->st.intr = true;
			ctl_request_stop(k);
		}
	return false;
}

int gdb_server_open(struct gdb_server **out, const char *spec, bool wait, struct kernel *k,
		    char *err, size_t errlen)
{
	struct gdb_server *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "--gdb: out of memory");
		return -1;
	}
	s->k = k;
	s->fd = -1;
	rsp_in_init(&s->in);
	gdb_stub_init(&s->st, k);
	char where[160];
	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		snprintf(a.sun_path, sizeof a.sun_path, "%s", spec + 5);
		s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0) {
			snprintf(err, errlen, "--gdb %s: %s", spec, strerror(errno));
			goto fail;
		}
		s->path = strdup(a.sun_path);
		snprintf(where, sizeof where, "unix:%s", a.sun_path);
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons((uint16_t)strtoul(spec, NULL, 10)),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;
		if (s->lfd >= 0)
			setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		socklen_t al = sizeof a;
		if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
		    getsockname(s->lfd, (struct sockaddr *)&a, &al) != 0) {
			snprintf(err, errlen, "--gdb %s: %s", spec, strerror(errno));
			goto fail;
		}
		snprintf(where, sizeof where, "127.0.0.1:%u", ntohs(a.sin_port));
	}
	if (listen(s->lfd, 1) != 0) {
		snprintf(err, errlen, "--gdb %s: %s", spec, strerror(errno));
		goto fail;
	}
	struct ctl_client cl = { .stop = on_stop, .poll = on_poll, .ctx = s };
	if (ctl_attach(k, &cl) != 0) {
		snprintf(err, errlen, "--gdb: out of memory");
		goto fail;
	}
	fprintf(stderr, "denali run: gdb: listening on %s%s\n", where,
		wait ? ", waiting for gdb to attach (target remote ...)" : "");
	fflush(stderr);
	if (wait)
		accept_one(s, true);
	*out = s;
	return 0;
fail:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->path)
		unlink(s->path);
	free(s->path);
	free(s);
	return -1;
}

void gdb_server_end(struct gdb_server *s, int status, int signal)
{
	if (!s)
		return;
	gdb_history_run_ended(s->h);
	s->st.ended = true;
	s->st.status = status;
	s->st.signal = signal;
	if (s->fd >= 0) {
		if (s->resumed) {
			// gdb waits for a stop: the exit is the last thing it hears (as from
			// gdbserver, which closes the connection then).
			size_t n = gdb_stub_stop_reply(&s->st, s->reply);
			send_packet(s, s->reply, n);
			drop(s);
		} else {
			serve(s); // gdb came but the run ended first: it learns of it when it asks
		}
	}
	ctl_detach(s->k);
}

void gdb_server_reverse(struct gdb_server *s, uint64_t every_cycles)
{
	if (!s || s->h)
		return;
	s->h = gdb_history_new(every_cycles);
	s->st.reverse_ok = s->h != NULL;
}

void gdb_server_streams(struct gdb_server *s, const struct gdb_history_streams *streams)
{
	if (s && s->h)
		gdb_history_streams(s->h, streams);
}

void gdb_server_on_checkpoint(struct gdb_server *s, gdb_ckpt_fn fn, void *ctx)
{
	if (!s)
		return;
	s->st.ckpt = fn;
	s->st.ckpt_ctx = ctx;
}

void gdb_server_finish(int rc)
{
	gdb_history_finish(NULL, rc);
}

bool gdb_server_killed(const struct gdb_server *s)
{
	return s && s->killed;
}

void gdb_server_free(struct gdb_server *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->path)
		unlink(s->path);
	free(s->path);
	free(s);
}
