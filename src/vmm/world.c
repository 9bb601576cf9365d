// SPDX-License-Identifier: MIT
// The multi-machine run (world.h has the model): the rounds of the lockstep, the link
// between the machines' uplinks, the optional worker threads, and the end of the run.
// Each machine is a kernel (kernel.c) driven by kernel_run_until; frames cross through
// devset's uplink port (devices/devset.c) and wait here, in each sender's linkq, until
// the round ends.
#include "vmm/world.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/nic.h"
#include "vmm/devhost.h"
#include "vmm/digest.h"

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
	for (uint32_t i = 0; i < WORLD_MAX_MACHINES; i++) {
		w->m[i].w = w;
		w->m[i].id = i;
		linkq_init(&w->m[i].out);
	}
}

static void pool_stop(struct world *w);

void world_free(struct world *w)
{
	pool_stop(w);
	for (uint32_t i = 0; i < WORLD_MAX_MACHINES; i++)
		linkq_free(&w->m[i].out);
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
	if (w->n == WORLD_MAX_MACHINES) {
		snprintf(err, errlen, "at most %u machines", WORLD_MAX_MACHINES);
		return -1;
	}
	if (!k->dev) {
		snprintf(err, errlen, "machine %u: no devices attached (no uplink)", w->n);
		return -1;
	}
	if (w->n && k->cfg.cpu_khz != w->m[0].k->cfg.cpu_khz) {
		snprintf(err, errlen, "machine %u: CPU clock differs from machine 0's", w->n);
		return -1;
	}
	if (k->cfg.machine_id != w->n) {
		snprintf(err, errlen, "machine %u: its kernel says machine %u", w->n,
			 k->cfg.machine_id);
		return -1;
	}
	w->m[w->n++].k = k;
	return 0;
}

// --- threads ----------------------------------------------------------------------

// Runs this thread's machines of the round (until w->until).
static void run_share(struct world *w, uint32_t t, uint32_t n)
{
	for (uint32_t i = t; i < w->n; i += n)
		(void)kernel_run_until(w->m[i].k, w->until);
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
	uint32_t n = w->cfg.threads < w->n ? w->cfg.threads : w->n;
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

static void deliver(struct world *w, uint32_t dst, const struct linkq_frame *f)
{
	if (devhost_link_in(w->m[dst].k, f->data, f->len, f->t_ns, f->src, f->seq) == 0)
		w->st.deliveries++;
	else
		w->st.drop_in++;
}

// The sender whose next frame is least in (arrival, source, sequence) order, or NULL
// when every queue is empty.
static struct world_machine *least(struct world *w)
{
	struct world_machine *best = NULL;
	const struct linkq_frame *bf = NULL;
	for (uint32_t i = 0; i < w->n; i++) {
		const struct linkq_frame *f = linkq_peek(&w->m[i].out);
		if (f && (!bf || f->t_ns < bf->t_ns)) // equal times: the lower machine first
			best = &w->m[i], bf = f;
	}
	return best;
}

// After a round: every frame the machines sent to its machine(s), in (arrival, source,
// sequence) order. Destinations: the machine the MAC names; every other machine for
// broadcast and multicast; machine 0 for a MAC that is no VM's.
static void hand_off(struct world *w)
{
	for (uint32_t i = 0; i < w->n; i++) {
		struct world_link_stats *s = &w->m[i].st;
		w->st.frames += s->frames;
		w->st.bytes += s->bytes;
		w->st.drop_oom += s->drop_oom;
		memset(s, 0, sizeof *s);
	}
	struct world_machine *m;
	struct linkq_frame f;
	while ((m = least(w)) && linkq_pop(&m->out, &f)) {
		const uint8_t *dst = f.data;
		int64_t mid = nic_machine_of_mac(dst);
		if (dst[0] & 1) {
			for (uint32_t j = 0; j < w->n; j++)
				if (j != f.src)
					deliver(w, j, &f);
		} else if (mid >= 0) {
			if ((uint64_t)mid < w->n && (uint32_t)mid != f.src)
				deliver(w, (uint32_t)mid, &f);
			else
				w->st.drop_no_machine++; // on no machine, or not a VM of its own
		} else if (f.src != 0) {
			deliver(w, 0, &f);
		} else {
			w->st.drop_no_machine++;
		}
		free(f.data);
	}
}

// --- the run ----------------------------------------------------------------------

// Whether the run is over because its clients are: every VM of machines 1.. ended.
static bool clients_done(const struct world *w)
{
	if (w->n < 2)
		return false;
	for (uint32_t i = 1; i < w->n; i++)
		if (w->m[i].k->live)
			return false;
	return true;
}

static void finish_all(struct world *w, enum kernel_end end)
{
	for (uint32_t i = 0; i < w->n; i++) {
		struct kernel *k = w->m[i].k;
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

// The earliest clock of all machines: every event of every machine up to it is out.
static uint64_t min_clock(const struct world *w)
{
	uint64_t t = UINT64_MAX;
	for (uint32_t i = 0; i < w->n; i++)
		if (w->m[i].k->now < t)
			t = w->m[i].k->now;
	return t;
}

enum kernel_end world_run(struct world *w)
{
	if (w->ran || !w->n)
		return w->end;
	const struct kernel_config *c0 = &w->m[0].k->cfg;
	uint64_t max = c0->max_time_cycles;
	pool_start(w);
	for (;;) {
		if (clients_done(w)) {
			finish_all(w, KERNEL_END_CLIENTS_DONE);
			break;
		}
		uint64_t t = UINT64_MAX;
		bool live = false;
		for (uint32_t i = 0; i < w->n; i++) {
			uint64_t a = kernel_next_activity(w->m[i].k);
			t = a < t ? a : t;
			live |= w->m[i].k->live != 0;
		}
		if (t == UINT64_MAX) {
			// No machine can act again and no frame is on the link (as in kernel_run,
			// that is a deadlock even before max time).
			finish_all(w, live ? KERNEL_END_DEADLOCK : KERNEL_END_ALL_DONE);
			break;
		}
		if (max && t >= max) {
			// Nothing happens before max time: every clock goes there, as in kernel_run.
			for (uint32_t i = 0; i < w->n; i++)
				(void)kernel_run_until(w->m[i].k, max);
			finish_all(w, KERNEL_END_MAX_TIME);
			break;
		}
		w->round_start_ns = kernel_cycles_to_ns(c0, t);
		w->until = kernel_ns_to_cycles(c0, w->round_start_ns + w->cfg.latency_ns);
		run_round(w);
		hand_off(w);
		w->rounds++;
		if (w->cfg.after_round)
			w->cfg.after_round(w->cfg.after_round_ctx, w,
					   w->round_start_ns + w->cfg.latency_ns);
		if (w->ctl.round)
			w->ctl.round(w->ctl.ctx, min_clock(w));
		if (w->ctl.poll && ((w->ctl.attn && *w->ctl.attn) ||
				    ++w->ctl_count >= w->ctl.every)) {
			w->ctl_count = 0;
			if (w->ctl.poll(w->ctl.ctx)) {
				finish_all(w, KERNEL_END_INTERRUPTED);
				break;
			}
		}
	}
	pool_stop(w);
	return w->end;
}

uint64_t world_digest(const struct world *w)
{
	uint64_t h = DIGEST_INIT;
	for (uint32_t i = 0; i < w->n; i++)
		h = digest_u64(h, kernel_digest(w->m[i].k));
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
