// SPDX-License-Identifier: MIT
// The multi-machine run (world.h has the model): the rounds of the lockstep, the link
// between the machines' uplinks, the optional worker threads, and the end of the run.
// Each machine is a kernel (kernel.c) driven by kernel_run_until; frames cross through
// devset's uplink port (devices/devset.c) and wait here, in each sender's linkq, until
// the round ends. Spread over processes (world_spread), the same loop runs in each:
// the transport (world.h: world_xchg_ops, world_mpi.c) does the round's agreement, the
// frames' journey between processes and the gathering of the outcomes (outcome.h).
#include "vmm/world.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/nic.h"
#include "vmm/devhost.h"
#include "vmm/digest.h"
#include "vmm/outcome.h"

// The worker threads (threads > 1). Thread t (1..n-1; the caller of world_run is
// thread 0) runs machines t, t + n, t + 2n, ... of each round. The mutex orders
// everything: the caller publishes a round and waits until every worker has finished
// it, so a machine's state is touched by one thread within a round and by the caller
// between rounds.
struct world_pool {
	struct world *w;
	uint32_t n;                     // threads, the caller included
	pthread_t th[WORLD_MAX_MACHINES];
	struct world_worker {
		struct world_pool *p;
		uint32_t t;                 // its thread number
	} arg[WORLD_MAX_MACHINES];
	uint32_t started;               // workers created
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	uint64_t round;                 // the last round published (mu)
	uint32_t busy;                  // workers still in it (mu)
	bool quit;                      // (mu)
};

// A frame of the round bound for machines of this process: from a local sender's
// queue (own: its data, freed after the hand-over) or from another process's buffer.
struct world_inframe {
	uint64_t t_ns, seq;
	uint32_t src, len;
	uint32_t mask;        // the machines of this process it goes to
	const uint8_t *data;
	uint8_t *own;
};

void world_config_default(struct world_config *c)
{
	*c = (struct world_config){ .latency_ns = 20000, .link_bps = 1000000000ull,
				    .threads = 1 };
}

void world_init(struct world *w, const struct world_config *cfg)
{
	memset(w, 0, sizeof *w);
	w->cfg = *cfg;
	if (!w->cfg.link_bps)
		w->cfg.link_bps = 1000000000ull;
	if (!w->cfg.latency_ns)
		w->cfg.latency_ns = 1; // the lookahead must be positive, or no round ends
	w->nranks = 1;
	w->ckpt.at = UINT64_MAX;
	for (uint32_t i = 0; i < WORLD_MAX_MACHINES; i++) {
		w->m[i].w = w;
		w->m[i].id = i;
		linkq_init(&w->m[i].out);
	}
	for (uint32_t r = 0; r < WORLD_MAX_RANKS; r++) {
		pack_init(&w->send[r]);
		pack_init(&w->recv[r]);
	}
}

static void pool_stop(struct world *w);

void world_free(struct world *w)
{
	pool_stop(w);
	for (uint32_t i = 0; i < WORLD_MAX_MACHINES; i++)
		linkq_free(&w->m[i].out);
	for (uint32_t r = 0; r < WORLD_MAX_RANKS; r++) {
		pack_free(&w->send[r]);
		pack_free(&w->recv[r]);
	}
	for (uint32_t i = 0; i < w->nin; i++)
		free(w->in[i].own);
	free(w->in);
	w->in = NULL;
	free(w->heads);
	w->heads = NULL;
	w->nin = w->capin = 0;
}

void world_spread(struct world *w, const struct world_xchg *x)
{
	w->x = x;
	w->rank = x->rank;
	w->nranks = x->nranks;
	memcpy(w->owner, x->owner, sizeof w->owner);
}

bool world_runs_here(const struct world *w, uint32_t m)
{
	return w->owner[m] == w->rank;
}

// Nanoseconds a frame of len bytes occupies the link (preamble, FCS and gap included,
// like the switch's link; rounded up).
static uint64_t wire_ns(const struct world *w, uint32_t len)
{
	uint64_t bits = (uint64_t)(len + 24) * 8;
	return (bits * 1000000000ull + w->cfg.link_bps - 1) / w->cfg.link_bps;
}

// The uplink port's deliver callback: machine m's switch hands a frame to the link at
// t_ns. It leaves when m's side of the link is free (never before the round's start, so
// it arrives at or after the horizon), and waits in m's queue until the round ends.
// It touches machine m's fields only, so machines may run in parallel threads.
static bool uplink_out(void *ctx, const uint8_t *frame, uint32_t len, uint64_t t_ns)
{
	struct world_machine *m = ctx;
	const struct world *w = m->w;
	uint64_t t = t_ns;
	if (t < w->round_start_ns)
		t = w->round_start_ns;
	if (t < m->link_free_ns)
		t = m->link_free_ns;
	m->link_free_ns = t + wire_ns(w, len);
	uint64_t arrive = m->link_free_ns + w->cfg.latency_ns;
	if (linkq_push(&m->out, arrive, m->id, m->seq++, frame, len) != 0) {
		m->st.drop_oom++;
		return false; // counted as refused on the uplink port too
	}
	m->st.frames++;
	m->st.bytes += len;
	return true;
}

void world_uplink(struct world *w, uint32_t m, struct devset_config *c)
{
	c->machine = m;
	c->uplink = uplink_out;
	c->uplink_ctx = m < WORLD_MAX_MACHINES ? &w->m[m] : NULL;
}

int world_add(struct world *w, struct kernel *k, char *err, size_t errlen)
{
	uint32_t id = w->n;
	if (id == WORLD_MAX_MACHINES) {
		snprintf(err, errlen, "at most %u machines", WORLD_MAX_MACHINES);
		return -1;
	}
	bool here = world_runs_here(w, id);
	if (here && !k) {
		snprintf(err, errlen, "machine %u: no kernel", id);
		return -1;
	}
	if (here && !k->dev) {
		snprintf(err, errlen, "machine %u: no devices attached (no uplink)", id);
		return -1;
	}
	if (!here && k && k->dev) {
		snprintf(err, errlen, "machine %u runs in another process: its kernel here must "
			 "have no devices", id);
		return -1;
	}
	bool first = true;
	for (uint32_t i = 0; i < id; i++)
		first &= !w->m[i].k;
	if (k && !first && k->cfg.cpu_khz != w->kc.cpu_khz) {
		snprintf(err, errlen, "machine %u: CPU clock differs from machine 0's", id);
		return -1;
	}
	if (k && k->cfg.machine_id != id) {
		snprintf(err, errlen, "machine %u: its kernel says machine %u", id,
			 k->cfg.machine_id);
		return -1;
	}
	if (k && first)
		w->kc = k->cfg;
	w->m[w->n].k = k;
	w->m[w->n].remote = !here;
	if (here)
		w->local[w->nlocal++] = id;
	w->n++;
	return 0;
}

// --- threads ----------------------------------------------------------------------

// Runs this thread's machines of the round (until w->until): the machines of this
// process t, t + n, t + 2n, ... in its order.
static void run_share(struct world *w, uint32_t t, uint32_t n)
{
	for (uint32_t i = t; i < w->nlocal; i += n)
		(void)kernel_run_until(w->m[w->local[i]].k, w->until);
}
static void *worker(void *arg)
{
	const struct world_worker *wk = arg;
	struct world_pool *p = wk->p;
	uint32_t t = wk->t;
	uint64_t seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->round == seen)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->round;
		pthread_mutex_unlock(&p->mu);
		run_share(p->w, t, p->n);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

// Starts threads - 1 workers (at most one thread per machine). Returns false (and runs
// on one thread) when none could be started.
static bool pool_start(struct world *w)
{
	uint32_t n = w->cfg.threads < w->nlocal ? w->cfg.threads : w->nlocal;
	if (n < 2)
		return false;
	struct world_pool *p = calloc(1, sizeof *p);
	if (!p)
		return false;
	p->w = w;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return false;
	}
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	w->pool = p;
	for (uint32_t t = 1; t < n; t++) {
		p->arg[t] = (struct world_worker){ p, t };
		if (pthread_create(&p->th[t], NULL, worker, &p->arg[t]) != 0)
			break;
		p->started++;
	}
	// The machines are shared among the threads that exist. The workers read n only
	// after a round is published under the mutex, so setting it here is safe.
	pthread_mutex_lock(&p->mu);
	p->n = 1 + p->started;
	pthread_mutex_unlock(&p->mu);
	if (!p->started) {
		pool_stop(w);
		return false;
	}
	return true;
}

static void pool_stop(struct world *w)
{
	struct world_pool *p = w->pool;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (uint32_t t = 1; t <= p->started; t++)
		pthread_join(p->th[t], NULL);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	free(p);
	w->pool = NULL;
}

// Runs every machine until w->until: in order on this thread, or shared with the
// workers.
static void run_round(struct world *w)
{
	struct world_pool *p = w->pool;
	if (!p) {
		run_share(w, 0, 1);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->round++;
	p->busy = p->started;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	run_share(w, 0, p->n);
	pthread_mutex_lock(&p->mu);
	while (p->busy)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

// --- the link ---------------------------------------------------------------------

// The machines of process r, as a bit mask.
static uint32_t machines_of(const struct world *w, uint32_t r)
{
	uint32_t mask = 0;
	for (uint32_t j = 0; j < w->n; j++)
		if (w->owner[j] == r)
			mask |= 1u << j;
	return mask;
}

// The machines a frame from machine src goes to, as a bit mask: the machine its
// destination MAC names; every other machine for broadcast and multicast; machine 0 for
// a MAC that is no VM's. 0: for no machine of the run (counted).
static uint32_t route(struct world *w, const uint8_t *dst, uint32_t src)
{
	uint32_t all = (w->n >= 32 ? 0 : (1u << w->n)) - 1u;
	int64_t mid = nic_machine_of_mac(dst);
	if (dst[0] & 1)
		return all & ~(1u << src);
	if (mid >= 0) {
		if ((uint64_t)mid < w->n && (uint32_t)mid != src)
			return 1u << mid;
	} else if (src != 0) {
		return 1u;
	}
	w->st.drop_no_machine++; // on no machine, or not a VM of its own
	return 0;
}

// Keeps a frame for this process's machines in mask until the hand-over.
static int keep(struct world *w, const struct linkq_frame *f, uint32_t mask,
		const uint8_t *data, uint8_t *own)
{
	if (w->nin == w->capin) {
		uint32_t cap = w->capin ? 2 * w->capin : 64;
		struct world_inframe *in = realloc(w->in, cap * sizeof *in);
		if (!in)
			return -1;
		w->in = in;
		w->capin = cap;
	}
	w->in[w->nin++] = (struct world_inframe){ f->t_ns, f->seq, f->src, f->len, mask,
						  data, own };
	return 0;
}

static int inframe_cmp(const void *a, const void *b)
{
	const struct world_inframe *x = a, *y = b;
	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

// One frame for another process: (arrival, source, sequence, its machines there, bytes).
static void pack_frame(struct pack *b, const struct linkq_frame *f, uint32_t mask)
{
	pack_u64(b, f->t_ns);
	pack_u32(b, f->src);
	pack_u64(b, f->seq);
	pack_u32(b, mask);
	pack_bytes(b, f->data, f->len);
}

// The frames another process sent for this one's machines (the transport's buffer
// stays theirs until the hand-over is done).
static void unpack_frames(struct world *w, uint32_t from, const struct pack *b)
{
	struct unpack u;
	unpack_init(&u, b->p, b->len);
	uint32_t here = machines_of(w, w->rank), theirs = machines_of(w, from);
	while (!u.bad && u.off < u.len) {
		struct linkq_frame f;
		f.t_ns = unpack_u64(&u);
		f.src = unpack_u32(&u);
		f.seq = unpack_u64(&u);
		uint32_t mask = unpack_u32(&u);
		const uint8_t *data = unpack_bytes(&u, 1u << 20, &f.len);
		if (u.bad || !mask || (mask & ~here) || f.src >= 32 || !(theirs & (1u << f.src)) ||
		    f.len < 6)
			w->x->ops->fail(w->x->ctx, "denali run: a damaged frame from another "
					"MPI process (our bug, or another build)");
		if (keep(w, &f, mask, data, NULL) != 0)
			w->x->ops->fail(w->x->ctx, "denali run: out of host memory for the frames "
					"between MPI processes");
	}
}

static void deliver(struct world *w, uint32_t dst, const struct world_inframe *f)
{
	if (devhost_link_in(w->m[dst].k, f->data, f->len, f->t_ns, f->src, f->seq) == 0) {
		w->st.deliveries++;
	} else {
		w->st.drop_in++;
		w->oom_round = true;
	}
}

// --- the agreement ----------------------------------------------------------------
//
// After each round (and before the first) every process says, in one row of
// hlen = 4n + nranks values (n machines):
//   NEXT j   its machine j's kernel_next_activity before the round's frames arrive
//   NOW j    its clock
//   LIVE j   1 when it has live VMs
//   AMIN j   the earliest arrival (ns) of this process's frames of the round at
//            machine j, of any sender (UINT64_MAX: none)
//   BYTES r  the bytes of frames it sends process r
//   STOP     1 when its front end asked to stop (world_ctl's poll said so)
// (NEXT, NOW, LIVE only for its own machines). The rows are allgathered, so every
// process computes the same next activity of every machine (agree) without asking:
// a frame that arrives at t makes a machine act at devhost_due(t), as the KEV_DEVICE
// event devhost_link_in queues for it; before that the machine does what its own next
// activity says.

enum { H_NEXT, H_NOW, H_LIVE, H_AMIN, H_BYTES };

static uint32_t hlen(const struct world *w)
{
	return 4 * w->n + w->nranks + 1;
}

static uint64_t *hrow(const struct world *w, uint32_t r)
{
	return w->heads + (size_t)r * hlen(w);
}

static uint64_t *hat(const struct world *w, uint32_t r, int field, uint32_t j)
{
	return hrow(w, r) + (size_t)field * w->n + j;
}

static uint64_t *hstop(const struct world *w, uint32_t r)
{
	return hrow(w, r) + 4 * (size_t)w->n + w->nranks;
}

// This process's row, before the frames of the round (if any) are handed over; amin
// and the bytes to send were filled while routing.
static void say(struct world *w)
{
	for (uint32_t i = 0; i < w->nlocal; i++) {
		uint32_t j = w->local[i];
		struct kernel *k = w->m[j].k;
		*hat(w, w->rank, H_NEXT, j) = kernel_next_activity(k);
		*hat(w, w->rank, H_NOW, j) = k->now;
		*hat(w, w->rank, H_LIVE, j) = k->live != 0;
	}
	for (uint32_t r = 0; r < w->nranks; r++)
		*hat(w, w->rank, H_BYTES, r) = w->send[r].len;
	*hstop(w, w->rank) = w->stop;
	if (w->x) {
		uint32_t n = hlen(w);
		uint64_t mine[4 * WORLD_MAX_MACHINES + WORLD_MAX_RANKS + 1];
		memcpy(mine, hrow(w, w->rank), n * sizeof *mine);
		w->x->ops->allgather(w->x->ctx, mine, n, w->heads);
	}
}

// A fresh row for the next round: no frames yet.
static void row_clear(struct world *w)
{
	uint64_t *row = hrow(w, w->rank);
	memset(row, 0, hlen(w) * sizeof *row);
	for (uint32_t j = 0; j < w->n; j++)
		*hat(w, w->rank, H_AMIN, j) = UINT64_MAX;
}

// From every process's row: each machine's next activity once the round's frames are
// in (w->next), the earliest of them, whether any VM (any client VM) is live, and
// whether any process asked to stop.
static uint64_t agree(struct world *w, bool *clients_idle, bool *idle, bool *stop)
{
	uint64_t t = UINT64_MAX;
	*clients_idle = *idle = true;
	*stop = false;
	for (uint32_t r = 0; r < w->nranks; r++)
		*stop |= *hstop(w, r) != 0;
	for (uint32_t j = 0; j < w->n; j++) {
		uint32_t r = w->owner[j];
		uint64_t next = *hat(w, r, H_NEXT, j), amin = UINT64_MAX;
		for (uint32_t q = 0; q < w->nranks; q++) {
			uint64_t a = *hat(w, q, H_AMIN, j);
			amin = a < amin ? a : amin;
		}
		if (amin != UINT64_MAX) {
			uint64_t due = devhost_due(&w->kc, *hat(w, r, H_NOW, j), amin);
			next = due < next ? due : next;
		}
		w->next[j] = next;
		t = next < t ? next : t;
		if (*hat(w, r, H_LIVE, j)) {
			*idle = false;
			if (j > 0)
				*clients_idle = false;
		}
	}
	// The machines here know for themselves: the same, or the rule above is wrong
	// (unless a frame was lost for want of host memory: then the others expected it).
	for (uint32_t i = 0; i < w->nlocal && !w->oom_round; i++)
		assert(kernel_next_activity(w->m[w->local[i]].k) == w->next[w->local[i]]);
	w->oom_round = false;
	return t;
}

// After a round: every frame the machines sent to its machine(s) (route), handed over
// in (arrival, source, sequence) order, and the agreement on the next round. Each
// process routes its own machines' frames; the ones for other processes' machines go
// there with the transport (only when some process sends some), and each process
// hands over what is for its machines, its own and the others' in that order.
static void hand_off(struct world *w)
{
	const struct world_xchg *x = w->x;
	uint32_t nsend[WORLD_MAX_RANKS] = { 0 }, there[WORLD_MAX_RANKS];
	for (uint32_t r = 0; r < w->nranks; r++)
		there[r] = r == w->rank ? 0 : machines_of(w, r);
	uint32_t here = machines_of(w, w->rank);
	row_clear(w);
	for (uint32_t i = 0; i < w->nlocal; i++) {
		struct world_link_stats *s = &w->m[w->local[i]].st;
		w->st.frames += s->frames;
		w->st.bytes += s->bytes;
		w->st.drop_oom += s->drop_oom;
		memset(s, 0, sizeof *s);
	}
	// The earliest arrival at each machine, of the frames kept here and of those
	// packed for each process (forgotten if that process's buffer ran out of memory).
	uint64_t amin[WORLD_MAX_RANKS][WORLD_MAX_MACHINES];
	for (uint32_t r = 0; r < w->nranks; r++)
		for (uint32_t j = 0; j < w->n; j++)
			amin[r][j] = UINT64_MAX;
	for (uint32_t i = 0; i < w->nlocal; i++) {
		struct world_machine *m = &w->m[w->local[i]];
		struct linkq_frame f;
		while (linkq_pop(&m->out, &f)) {
			uint32_t mask = f.len >= 6 ? route(w, f.data, f.src) : 0;
			for (uint32_t r = 0; r < w->nranks; r++)
				if (mask & there[r]) {
					pack_frame(&w->send[r], &f, mask & there[r]);
					nsend[r]++;
				}
			if ((mask & here) && keep(w, &f, mask & here, f.data, f.data) != 0) {
				w->st.drop_oom++; // no machine here gets it
				w->oom_round = true;
				mask &= ~here;
			}
			for (uint32_t j = 0; j < w->n; j++)
				if ((mask & (1u << j)) && f.t_ns < amin[w->owner[j]][j])
					amin[w->owner[j]][j] = f.t_ns;
			if (!(mask & here))
				free(f.data);
		}
	}
	for (uint32_t r = 0; r < w->nranks; r++) {
		if (w->send[r].oom) { // those frames are lost, like a full link queue
			w->st.drop_oom += nsend[r];
			pack_free(&w->send[r]);
			continue;
		}
		for (uint32_t j = 0; j < w->n; j++)
			if (amin[r][j] < *hat(w, w->rank, H_AMIN, j))
				*hat(w, w->rank, H_AMIN, j) = amin[r][j];
	}
	say(w);
	if (x) {
		uint64_t total = 0;
		for (uint32_t r = 0; r < w->nranks; r++) {
			w->recv[r].len = *hat(w, r, H_BYTES, w->rank);
			for (uint32_t q = 0; q < w->nranks; q++)
				total += *hat(w, r, H_BYTES, q);
		}
		if (total)
			x->ops->exchange(x->ctx, w->send, w->recv);
		for (uint32_t r = 0; r < w->nranks; r++) {
			w->send[r].len = 0;
			if (r != w->rank && w->recv[r].len)
				unpack_frames(w, r, &w->recv[r]);
		}
	}
	if (w->nin > 1)
		qsort(w->in, w->nin, sizeof *w->in, inframe_cmp);
	for (uint32_t i = 0; i < w->nin; i++) {
		const struct world_inframe *f = &w->in[i];
		for (uint32_t j = 0; j < w->n; j++)
			if (f->mask & (1u << j))
				deliver(w, j, f);
		free(w->in[i].own);
	}
	w->nin = 0;
}

// --- the run ----------------------------------------------------------------------

static void finish_all(struct world *w, enum kernel_end end)
{
	for (uint32_t i = 0; i < w->nlocal; i++) {
		struct kernel *k = w->m[w->local[i]].k;
		enum kernel_end e = end;
		if (!k->live)
			e = KERNEL_END_ALL_DONE; // this machine's VMs all ended by themselves
		kernel_finish(k, e);
	}
	w->end = end;
	w->ran = true;
}

void world_control(struct world *w, const struct world_ctl *ctl)
{
	if (ctl)
		w->ctl = *ctl;
	else
		memset(&w->ctl, 0, sizeof w->ctl);
	if (!w->ctl.every)
		w->ctl.every = 1;
	w->ctl_count = 0;
}

// The earliest clock of this process's machines: every event of every machine here up
// to it is out.
static uint64_t min_clock(const struct world *w)
{
	uint64_t t = UINT64_MAX;
	for (uint32_t i = 0; i < w->nlocal; i++)
		if (w->m[w->local[i]].k->now < t)
			t = w->m[w->local[i]].k->now;
	return t;
}

void world_min(struct world *w, uint64_t *v, uint32_t n)
{
	if (w->x)
		w->x->ops->min(w->x->ctx, v, n);
}

// The link's counters one by one, in the order they travel.
enum { LINK_STATS = 6 };
_Static_assert(sizeof(struct world_link_stats) == LINK_STATS * sizeof(uint64_t),
	       "every counter of struct world_link_stats travels");
static void link_fields(struct world_link_stats *s, uint64_t *f[LINK_STATS])
{
	f[0] = &s->frames;
	f[1] = &s->bytes;
	f[2] = &s->deliveries;
	f[3] = &s->drop_no_machine;
	f[4] = &s->drop_in;
	f[5] = &s->drop_oom;
}

// Several processes: every machine's outcome and the link's counters to process 0.
static void gather(struct world *w)
{
	const struct world_xchg *x = w->x;
	struct pack mine, all[WORLD_MAX_RANKS];
	pack_init(&mine);
	for (uint32_t r = 0; r < WORLD_MAX_RANKS; r++)
		pack_init(&all[r]);
	uint64_t *st[LINK_STATS];
	link_fields(&w->st, st);
	for (size_t i = 0; i < LINK_STATS; i++)
		pack_u64(&mine, *st[i]);
	pack_u32(&mine, w->rank ? w->nlocal : 0);
	for (uint32_t i = 0; w->rank && i < w->nlocal; i++) {
		pack_u32(&mine, w->local[i]);
		outcome_pack(w->m[w->local[i]].k, &mine);
	}
	if (mine.oom)
		x->ops->fail(x->ctx, "denali run: out of host memory for a machine's outcome");
	x->ops->gather(x->ctx, &mine, all);
	if (w->rank == 0) {
		memset(&w->st, 0, sizeof w->st);
		for (uint32_t r = 0; r < w->nranks && !w->err[0]; r++) {
			struct unpack u;
			unpack_init(&u, all[r].p, all[r].len);
			for (size_t i = 0; i < LINK_STATS; i++)
				*st[i] += unpack_u64(&u);
			uint32_t nm = unpack_u32(&u);
			for (uint32_t i = 0; i < nm && !w->err[0] && !u.bad; i++) {
				uint32_t id = unpack_u32(&u);
				if (id >= w->n || w->owner[id] != r || !w->m[id].k) {
					snprintf(w->err, sizeof w->err, "the outcome of machine %u from MPI "
						 "process %u: not a machine it runs", id, r);
					break;
				}
				char e[200];
				if (outcome_unpack(w->m[id].k, &u, e, sizeof e) != 0)
					snprintf(w->err, sizeof w->err, "machine %u: %s", id, e);
			}
			if (!w->err[0] && !unpack_done(&u))
				snprintf(w->err, sizeof w->err, "the outcomes from MPI process %u: "
					 "damaged or cut short", r);
		}
	}
	pack_free(&mine);
	for (uint32_t r = 0; r < WORLD_MAX_RANKS; r++)
		pack_free(&all[r]);
}

// The checkpoint hook (world.h), when every clock has reached its time.
static void ckpt_due(struct world *w)
{
	if (w->x || min_clock(w) < w->ckpt.at)
		return;
	w->ckpt.fn(w->ckpt.ctx, w);
	if (w->ckpt.at <= min_clock(w))
		w->ckpt.at = UINT64_MAX;
}

enum kernel_end world_run(struct world *w)
{
	if (w->ran || !w->n)
		return w->end;
	uint64_t max = w->kc.max_time_cycles;
	w->heads = calloc((size_t)w->nranks * hlen(w), sizeof *w->heads);
	if (!w->heads) {
		if (w->x)
			w->x->ops->fail(w->x->ctx, "denali run: out of host memory");
		finish_all(w, KERNEL_END_DEADLOCK); // nothing ran; host_oom says why
		for (uint32_t i = 0; i < w->nlocal; i++)
			w->m[w->local[i]].k->host_oom = true;
		return w->end;
	}
	pool_start(w);
	row_clear(w);
	say(w); // before the first round: no frames yet
	for (;;) {
		bool clients_idle, idle, stop;
		uint64_t t = agree(w, &clients_idle, &idle, &stop);
		if (stop) { // every process stops after the same round
			finish_all(w, KERNEL_END_INTERRUPTED);
			break;
		}
		if (w->n >= 2 && clients_idle) {
			finish_all(w, KERNEL_END_CLIENTS_DONE);
			break;
		}
		if (t == UINT64_MAX) {
			// No machine can act again and no frame is on the link (as in kernel_run,
			// that is a deadlock even before max time).
			finish_all(w, idle ? KERNEL_END_ALL_DONE : KERNEL_END_DEADLOCK);
			break;
		}
		if (max && t >= max) {
			// Nothing happens before max time: every clock goes there, as in kernel_run.
			for (uint32_t i = 0; i < w->nlocal; i++)
				(void)kernel_run_until(w->m[w->local[i]].k, max);
			ckpt_due(w); // a checkpoint asked for before max time is taken there
			finish_all(w, KERNEL_END_MAX_TIME);
			break;
		}
		w->round_start_ns = kernel_cycles_to_ns(&w->kc, t);
		w->until = kernel_ns_to_cycles(&w->kc, w->round_start_ns + w->cfg.latency_ns);
		run_round(w);
		hand_off(w);
		w->rounds++;
		if (w->cfg.after_round)
			w->cfg.after_round(w->cfg.after_round_ctx, w,
					   w->round_start_ns + w->cfg.latency_ns);
		if (w->ctl.round)
			w->ctl.round(w->ctl.ctx, min_clock(w));
		ckpt_due(w);
		if (w->ctl.poll && ((w->ctl.attn && *w->ctl.attn) ||
				    ++w->ctl_count >= w->ctl.every)) {
			w->ctl_count = 0;
			// In one process the run stops here; over several the request goes with
			// the next round's agreement, so that every process stops after the
			// same round (agree).
			if (w->ctl.poll(w->ctl.ctx))
				w->stop = true;
			if (w->stop && !w->x) {
				finish_all(w, KERNEL_END_INTERRUPTED);
				break;
			}
		}
	}
	pool_stop(w);
	if (w->x)
		gather(w);
	return w->end;
}

uint64_t world_digest(const struct world *w)
{
	uint64_t h = DIGEST_INIT;
	for (uint32_t i = 0; i < w->n; i++)
		h = digest_u64(h, w->m[i].k ? kernel_digest(w->m[i].k) : 0);
	h = digest_u64(h, w->st.frames);
	h = digest_u64(h, w->st.bytes);
	h = digest_u64(h, w->st.deliveries);
	h = digest_u64(h, w->st.drop_no_machine);
	return digest_u64(h, w->end);
}

uint64_t world_host_bytes(const struct world *w)
{
	uint64_t b = 0;
	for (uint32_t i = 0; i < w->n; i++)
		b += linkq_host_bytes(&w->m[i].out);
	return b;
}
