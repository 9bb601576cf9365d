// SPDX-License-Identifier: MIT
// Reverse execution (history.h): fork(2) snapshots of the live run, search and go
// workers that replay from them, and the hand-over of the gdb session to the worker
// that reached the stop gdb asked for.
//
// Processes. The live run (first the process the user started, the origin) forks a
// snapshot at a stop when the last one is at least `every` cycles of simulated time
// old. A snapshot waits on its channel (a socket pair with the live run) for commands:
//   SEARCH  fork a worker that replays, outputs discarded, from the snapshot up to a
//           position, and answers with the last stop there that matched (a stop of one
//           VM for reverse-stepi; a breakpoint or watchpoint hit for reverse-continue)
//   GO      fork a worker that rewinds the output files to where they were at the
//           snapshot, replays to a position and there becomes the live run (its
//           channel to this snapshot is a new socket pair; it answers "live" on the
//           old channel, and the process that asked exits)
// Only the origin holds the lifeline pipe's write end: when it exits, every snapshot
// and worker sees the pipe end and exits too. The origin, once it has handed the run
// over, waits for the run's exit status on the status pipe and exits with it.
#include "gdb/history.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm/kernel.h"
#include "vmm/vm.h"

#define MAX_OUT 64 // output files rewound by a go worker

enum mode { H_LIVE = 0,
	    H_SEARCH,
	    H_GO };
enum { OP_SEARCH = 1,
       OP_GO = 2 };

struct snap {
	pid_t pid;
	int fd; // the channel to it
	struct gdb_pos pos;
};

struct cmd {
	uint8_t op, kind; // kind: 's' (reverse-stepi) or 'c' (reverse-continue)
	uint32_t vm;      // 's': the VM
	struct gdb_pos until;
	struct gdb_pos target;
	bool begin;
	uint32_t npts;
	struct ctl_point pts[CTL_MAX_POINTS];
	int64_t gvm, cvm;
	bool noack;
	uint32_t nkeep; // GO: the older snapshots that still exist
	struct snap keep[GDB_HISTORY_MAX];
	pid_t self; // GO: the snapshot's own pid
	uint64_t shown[GDB_HISTORY_STREAMS]; // GO: records the run has shown at most
};

struct res {
	uint8_t found, live;
	struct gdb_pos pos;
};

struct outfile {
	int fd;
	off_t off;
};

struct gdb_history {
	uint64_t every;
	pid_t origin;
	int life_r, life_w;     // the lifeline (only the origin keeps life_w)
	int status_r, status_w; // the run's exit status, to the origin
	bool have_snap;
	uint64_t last_snap_now;
	struct snap snap[GDB_HISTORY_MAX];
	uint32_t n;
	// This process as a snapshot: its position, its stop, its output files.
	struct gdb_pos my_pos;
	struct ctl_stop my_stop;
	struct outfile out[MAX_OUT];
	uint32_t nout;
	struct sigaction old_int;
	// This process as a worker.
	enum mode mode;
	struct cmd cmd;
	int chan;    // the channel to answer on
	int newchan; // GO: the live run's new channel to its snapshot
	bool found;
	struct gdb_pos best;
	int saved[3]; // GO: stdout and stderr while they are muted (-1: not muted)
	struct gdb_history_streams streams; // the front end's, or none
	bool begin;   // went live at the beginning of the history
};

static struct gdb_history *the; // one per process (fork state is the process's)

static int pos_cmp(struct gdb_pos a, struct gdb_pos b)
{
	if (a.now != b.now)
		return a.now < b.now ? -1 : 1;
	if (a.vm != b.vm)
		return a.vm < b.vm ? -1 : 1;
	return a.retired < b.retired ? -1 : a.retired > b.retired;
}

static struct gdb_pos pos_of(const struct kernel *k, const struct ctl_stop *st)
{
	return (struct gdb_pos){ .now = ctl_time(k), .retired = k->vms[st->vm].cpu.retired, .vm = st->vm };
}

static int write_full(int fd, const void *b, size_t n)
{
	const char *p = b;
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

static int read_full(int fd, void *b, size_t n)
{
	char *p = b;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

struct gdb_history *gdb_history_new(uint64_t every_cycles)
{
	if (the)
		return the;
	struct gdb_history *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	int life[2], status[2];
	if (pipe(life) != 0) {
		free(h);
		return NULL;
	}
	if (pipe(status) != 0) {
		close(life[0]);
		close(life[1]);
		free(h);
		return NULL;
	}
	h->every = every_cycles ? every_cycles : 1;
	h->origin = getpid();
	h->life_r = life[0];
	h->life_w = life[1];
	h->status_r = status[0];
	h->status_w = status[1];
	h->saved[0] = h->saved[1] = h->saved[2] = -1;
	h->chan = h->newchan = -1;
	the = h;
	return h;
}

void gdb_history_streams(struct gdb_history *h, const struct gdb_history_streams *s)
{
	if (h && s)
		h->streams = *s;
}

// Ends every snapshot this process knows.
static void end_snapshots(struct gdb_history *h, uint32_t from)
{
	for (uint32_t i = from; i < h->n; i++) {
		kill(h->snap[i].pid, SIGKILL);
		close(h->snap[i].fd);
		waitpid(h->snap[i].pid, NULL, WNOHANG); // only our own children are reaped
	}
	if (from < h->n)
		h->n = from;
}

void gdb_history_finish(struct gdb_history *h, int rc)
{
	if (!h)
		h = the;
	if (!h)
		return;
	end_snapshots(h, 0);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (getpid() != h->origin) {
		fflush(stdout);
		fflush(stderr);
		int v = rc;
		(void)write_full(h->status_w, &v, sizeof v);
	}
}

// Output files (regular files open for writing) and where they are now.
static void record_outputs(struct gdb_history *h)
{
	h->nout = 0;
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 4096)
		max = 4096;
	for (int fd = 0; fd < max && h->nout < MAX_OUT; fd++) {
		int fl = fcntl(fd, F_GETFL);
		struct stat sb;
		if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY || fstat(fd, &sb) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		off_t off = (fl & O_APPEND) ? sb.st_size : lseek(fd, 0, SEEK_CUR);
		if (off >= 0)
			h->out[h->nout++] = (struct outfile){ fd, off };
	}
}

// A search worker writes nothing anywhere: every writable file, pipe or terminal goes
// to /dev/null (sockets stay: its channel, and gdb's connection, which it never uses).
static void mute_all(void)
{
	int null = open("/dev/null", O_WRONLY);
	if (null < 0)
		_exit(3);
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 4096)
		max = 4096;
	for (int fd = 0; fd < max; fd++) {
		int fl = fcntl(fd, F_GETFL);
		struct stat sb;
		if (fd == null || fl < 0 || (fl & O_ACCMODE) == O_RDONLY || fstat(fd, &sb) != 0 ||
		    S_ISSOCK(sb.st_mode))
			continue;
		dup2(null, fd);
	}
	close(null);
}

// Ends this worker: a search's answer, then exit without flushing anything.
static void search_done(struct gdb_history *h)
{
	struct res r = { .found = h->found, .pos = h->best };
	(void)write_full(h->chan, &r, sizeof r);
	_exit(0);
}

static bool in_points(const struct cmd *c, uint8_t kind, uint32_t addr)
{
	for (uint32_t i = 0; i < c->npts; i++)
		if (c->pts[i].kind == kind && c->pts[i].addr == addr)
			return true;
	return false;
}

enum ctl_why gdb_history_why(const struct kernel *k, const struct ctl_stop *st)
{
	const struct ctl *c = k->dbg;
	if (!c || (st->why != CTL_STOP_REQUEST && st->why != CTL_STOP_HALT))
		return (enum ctl_why)st->why;
	uint32_t eip = k->vms[st->vm].cpu.eip;
	for (uint32_t i = 0; i < c->npts; i++)
		if (c->pts[i].kind == CTL_BREAK && c->pts[i].addr == eip)
			return CTL_STOP_BREAK;
	return (enum ctl_why)st->why;
}

// Whether a stop (of the replay) is what the search looks for.
static bool matches(const struct gdb_history *h, const struct kernel *k,
		    const struct ctl_stop *st)
{
	const struct cmd *c = &h->cmd;
	if (st->why == CTL_STOP_FAULT || st->why == CTL_STOP_END)
		return false;
	if (c->kind == 's')
		return st->vm == c->vm;
	if (st->why == CTL_STOP_WATCH)
		return in_points(c, st->watch, st->addr);
	uint32_t eip = k->vms[st->vm].cpu.eip;
	return in_points(c, CTL_BREAK, eip);
}

static void set_points(struct kernel *k, const struct cmd *c)
{
	ctl_clear(k);
	for (uint32_t i = 0; i < c->npts; i++)
		(void)ctl_insert(k, (enum ctl_point_kind)c->pts[i].kind, c->pts[i].addr,
				 c->pts[i].len);
}

// A go worker at its target: outputs back to where they go, the session to gdb.
static void go_live(struct gdb_history *h, struct kernel *k)
{
	fflush(stdout);
	fflush(stderr);
	for (int fd = 1; fd <= 2; fd++)
		if (h->saved[fd] >= 0) {
			dup2(h->saved[fd], fd);
			close(h->saved[fd]);
			h->saved[fd] = -1;
		}
	ctl_halt(k, -1, -1);
	ctl_step(k, -1);
	set_points(k, &h->cmd);
	// The snapshots: the older ones that still exist, then the one this worker came from.
	struct snap old[GDB_HISTORY_MAX];
	uint32_t nold = h->n;
	memcpy(old, h->snap, sizeof old);
	h->n = 0;
	for (uint32_t i = 0; i < h->cmd.nkeep && i < GDB_HISTORY_MAX - 1; i++)
		h->snap[h->n++] = h->cmd.keep[i];
	for (uint32_t i = 0; i < nold; i++) {
		bool kept = false;
		for (uint32_t j = 0; j < h->n; j++)
			kept |= h->snap[j].pid == old[i].pid;
		if (!kept)
			close(old[i].fd);
	}
	h->snap[h->n++] = (struct snap){ h->cmd.self, h->newchan, h->my_pos };
	h->have_snap = true;
	h->last_snap_now = h->my_pos.now;
	h->begin = h->cmd.begin;
	h->mode = H_LIVE;
	struct res r = { .live = 1 };
	(void)write_full(h->chan, &r, sizeof r);
	close(h->chan);
	h->chan = -1;
}

// A stop of a worker's replay. Returns 1 (replaying: carry on), or 2 (went live here).
static int worker_stop(struct gdb_history *h, struct kernel *k, const struct ctl_stop *st)
{
	struct gdb_pos p = pos_of(k, st);
	if (h->mode == H_SEARCH) {
		if (pos_cmp(p, h->cmd.until) >= 0)
			search_done(h);
		if (matches(h, k, st)) {
			h->found = true;
			h->best = p;
		}
		return 1;
	}
	int c = pos_cmp(p, h->cmd.target);
	if (c < 0)
		return 1;
	if (c > 0)
		fprintf(stderr, "denali: gdb: reverse execution passed its target (a bug); "
				"stopping here\n");
	go_live(h, k);
	return 2;
}

// Sets a freshly forked worker up for its command, at the snapshot's stop.
static int worker_start(struct gdb_history *h, struct kernel *k)
{
	const struct cmd *c = &h->cmd;
	ctl_step(k, -1);
	ctl_halt(k, -1, -1);
	ctl_clear(k);
	if (h->mode == H_SEARCH) {
		mute_all();
		// Every stop of the VM looked for, and of the VM that stopped at `until`,
		// so the replay stops there for sure.
		if (c->kind == 's')
			ctl_halt(k, c->vm, c->until.vm);
		else {
			set_points(k, c);
			ctl_halt(k, c->until.vm, -1);
		}
		h->found = false;
	} else {
		sigaction(SIGINT, &h->old_int, NULL);
		for (uint32_t i = 0; i < h->nout; i++) {
			if (ftruncate(h->out[i].fd, h->out[i].off) != 0 ||
			    lseek(h->out[i].fd, h->out[i].off, SEEK_SET) < 0)
				continue; // not a seekable file after all: it keeps its bytes
		}
		// Streams the front end counts show from the furthest record shown on;
		// without them, a terminal or pipe hears nothing during the replay.
		if (h->streams.hide)
			h->streams.hide(h->streams.ctx, c->shown);
		int null = h->streams.hide ? -1 : open("/dev/null", O_WRONLY);
		for (int fd = 1; fd <= 2 && null >= 0; fd++) {
			struct stat sb;
			if (fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode)) {
				h->saved[fd] = dup(fd);
				dup2(null, fd);
			}
		}
		if (null >= 0)
			close(null);
		ctl_halt(k, c->target.vm, -1);
		if (c->kind == 'c' || c->begin)
			set_points(k, c);
	}
	// The snapshot's own stop is the replay's first.
	struct ctl_stop st = h->my_stop;
	if (h->mode == H_SEARCH) {
		if (pos_cmp(h->my_pos, c->until) < 0 && matches(h, k, &st)) {
			h->found = true;
			h->best = h->my_pos;
		}
		return 1;
	}
	if (pos_cmp(h->my_pos, c->target) >= 0) {
		go_live(h, k);
		return 2;
	}
	return 1;
}

// The snapshot's life: commands until the origin or its commander goes away. Returns
// in a forked worker only (1 or 2, as worker_stop).
static int snapshot_serve(struct gdb_history *h, struct kernel *k, int chan)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = chan, .events = POLLIN },
				       { .fd = h->life_r, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(0);
		}
		if (p[1].revents)
			_exit(0); // the origin is gone
		if (!p[0].revents)
			continue;
		struct cmd c;
		if (read_full(chan, &c, sizeof c) != 0 || (c.op != OP_SEARCH && c.op != OP_GO))
			_exit(0); // its commander is gone
		int nsv[2] = { -1, -1 };
		if (c.op == OP_GO && socketpair(AF_UNIX, SOCK_STREAM, 0, nsv) != 0) {
			struct res r = { 0 };
			(void)write_full(chan, &r, sizeof r);
			continue;
		}
		pid_t w = fork();
		if (w < 0) {
			struct res r = { 0 };
			(void)write_full(chan, &r, sizeof r);
			continue;
		}
		if (w == 0) {
			h->mode = c.op == OP_SEARCH ? H_SEARCH : H_GO;
			h->cmd = c;
			h->chan = chan;
			if (c.op == OP_GO) {
				h->newchan = nsv[0];
				close(nsv[1]);
			}
			return worker_start(h, k);
		}
		if (c.op == OP_SEARCH) {
			while (waitpid(w, NULL, 0) < 0 && errno == EINTR)
				;
			continue;
		}
		// The go worker is the live run now; it commands this snapshot on nsv[1].
		close(nsv[0]);
		close(chan);
		chan = nsv[1];
	}
}

int gdb_history_at_stop(struct gdb_history *h, struct kernel *k, const struct ctl_stop *st)
{
	if (h->mode != H_LIVE)
		return worker_stop(h, k, st);
	uint64_t t = ctl_time(k);
	if (h->have_snap && t - h->last_snap_now < h->every)
		return 0;
	if (h->n == GDB_HISTORY_MAX) {
		// Thin out: keep the first and every other one after it.
		uint32_t m = 1;
		for (uint32_t i = 1; i < h->n; i++) {
			if (i % 2 == 0 || i == h->n - 1)
				h->snap[m++] = h->snap[i];
			else {
				kill(h->snap[i].pid, SIGKILL);
				close(h->snap[i].fd);
				waitpid(h->snap[i].pid, NULL, WNOHANG);
			}
		}
		h->n = m;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0; // no snapshot: the history is only coarser
	fflush(stdout); // nothing buffered twice (the snapshot's copy is discarded anyway)
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	struct gdb_pos p = pos_of(k, st);
	if (pid > 0) {
		close(sv[1]);
		h->snap[h->n++] = (struct snap){ pid, sv[0], p };
		h->have_snap = true;
		h->last_snap_now = t;
		return 0;
	}
	close(sv[0]);
	if (h->life_w >= 0)
		close(h->life_w);
	h->life_w = -1;
	h->my_pos = p;
	h->my_stop = *st;
	record_outputs(h);
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGINT, &ign, &h->old_int);
	return snapshot_serve(h, k, sv[1]);
}

void gdb_history_run_ended(struct gdb_history *h)
{
	if (!h || h->mode == H_LIVE)
		return;
	if (h->mode == H_SEARCH)
		search_done(h); // the replay ended before `until`: what it found
	struct res r = { .live = 0 };
	(void)write_full(h->chan, &r, sizeof r); // a go worker that missed its target
	_exit(2);
}

bool gdb_history_replaying(const struct gdb_history *h)
{
	return h->mode != H_LIVE;
}

bool gdb_history_due(const struct gdb_history *h, const struct kernel *k)
{
	return h->mode == H_LIVE && (!h->have_snap || k->now - h->last_snap_now >= h->every);
}

bool gdb_history_orphaned(const struct gdb_history *h)
{
	if (getpid() == h->origin)
		return false;
	struct pollfd p = { .fd = h->life_r, .events = POLLIN };
	return poll(&p, 1, 0) > 0;
}

// Asks snapshot i; returns 0 with its answer, or -1.
static int ask(struct gdb_history *h, uint32_t i, const struct cmd *c, struct res *r)
{
	if (write_full(h->snap[i].fd, c, sizeof *c) != 0 ||
	    read_full(h->snap[i].fd, r, sizeof *r) != 0)
		return -1;
	return 0;
}

// The origin after the hand-over: the run's exit status, from whoever ends it.
static void origin_wait(struct gdb_history *h)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGINT, &ign, NULL);
	for (uint32_t i = 0; i < h->n; i++)
		close(h->snap[i].fd);
	close(h->status_w);
	int rc = 2;
	if (read_full(h->status_r, &rc, sizeof rc) != 0)
		rc = 2; // every process of the run is gone without a word
	_exit(rc & 0xff);
}

int gdb_history_reverse(struct gdb_history *h, struct kernel *k, const struct gdb_stub *stub,
			char kind, uint32_t vm, char *err, size_t errlen)
{
	struct gdb_pos x = pos_of(k, &stub->last);
	struct cmd c;
	memset(&c, 0, sizeof c);
	c.kind = (uint8_t)kind;
	c.vm = vm;
	if (k->dbg) {
		c.npts = k->dbg->npts;
		memcpy(c.pts, k->dbg->pts, sizeof c.pts);
	}
	c.gvm = stub->gvm;
	c.cvm = stub->cvm;
	c.noack = stub->noack;
	// The furthest this run has shown: here, or before it went back (this process's
	// own command, when a go worker made it the live run).
	memcpy(c.shown, h->cmd.shown, sizeof c.shown);
	if (h->streams.marks) {
		fflush(stdout);
		fflush(stderr);
		uint64_t now[GDB_HISTORY_STREAMS] = { 0 };
		h->streams.marks(h->streams.ctx, now);
		for (int s = 0; s < GDB_HISTORY_STREAMS; s++)
			c.shown[s] = now[s] > c.shown[s] ? now[s] : c.shown[s];
	}
	int64_t i = (int64_t)h->n - 1;
	while (i >= 0 && pos_cmp(h->snap[i].pos, x) >= 0)
		i--;
	if (i < 0) {
		snprintf(err, errlen, "no history before this stop");
		return -1;
	}
	struct res r;
	int64_t j = -1;
	c.op = OP_SEARCH;
	c.until = x;
	for (; i >= 0; i--) {
		if (ask(h, (uint32_t)i, &c, &r) != 0) {
			snprintf(err, errlen, "a snapshot did not answer");
			return -1;
		}
		if (r.found) {
			j = i;
			c.target = r.pos;
			break;
		}
		c.until = h->snap[i].pos;
	}
	if (j < 0) {
		j = 0;
		c.target = h->snap[0].pos;
		c.begin = true;
	}
	end_snapshots(h, (uint32_t)j + 1);
	c.op = OP_GO;
	c.self = h->snap[j].pid;
	c.nkeep = (uint32_t)j;
	memcpy(c.keep, h->snap, (size_t)j * sizeof c.keep[0]);
	fflush(stdout);
	fflush(stderr);
	if (ask(h, (uint32_t)j, &c, &r) != 0 || !r.live) {
		snprintf(err, errlen, "the replay did not reach its target");
		return -1;
	}
	// The worker is the live run now.
	if (getpid() == h->origin)
		origin_wait(h);
	_exit(0);
}

void gdb_history_session(const struct gdb_history *h, struct gdb_stub *stub, bool *begin)
{
	stub->gvm = h->cmd.gvm;
	stub->cvm = h->cmd.cvm;
	stub->noack = h->cmd.noack;
	*begin = h->begin;
}
