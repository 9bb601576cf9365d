// SPDX-License-Identifier: MIT
// Machines spread over processes (world.h world_spread, outcome.c, pack.c) without
// MPI: a loopback transport joins K worlds in K threads of this process, each running
// its share of the machines, exactly as MPI ranks would (world_mpi.c is the same
// interface over MPI; tests/integration/mpi_test.py runs it). Checks: the mping runs of
// test_world.c (server and 3 clients, frames of every kind on the link) give the
// in-process digest, rounds, link counters, every machine's digest, statistics, device
// counters and results on rank 0, for K = 2, 3 and 4, several placements, and with host
// threads inside a rank; an outcome packed and unpacked into a fresh kernel gives the
// same digest, statistics, results and device counters, and a damaged one (cut short
// at any length, from another build, for another number of VMs) is refused; the pack
// reader refuses reads past the end.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/nic.h"
#include "vmm/devhost.h"
#include "vmm/kernel.h"
#include "vmm/outcome.h"
#include "vmm/pack.h"
#include "vmm/world.h"
#include "vmrun.h"

#include "mping.h"
#include "results.h"

// After the vmm headers: <pthread.h> brings <sched.h>, whose SCHED_RR would otherwise
// hide vmm/sched.h's enum.
#include <pthread.h>

// --- a loopback transport: K ranks as K threads -----------------------------------

struct loop {
	uint32_t n;
	pthread_barrier_t bar;
	uint64_t v[WORLD_MAX_RANKS][8];
	struct pack *send[WORLD_MAX_RANKS];
	const struct pack *mine[WORLD_MAX_RANKS];
	const uint64_t *rows[WORLD_MAX_RANKS];
	uint64_t mins, allgathers, exchanges, gathers; // calls seen by rank 0
};

struct loop_rank {
	struct loop *l;
	uint32_t rank;
};

static void lp_min(void *ctx, uint64_t *v, uint32_t n)
{
	struct loop_rank *r = ctx;
	struct loop *l = r->l;
	if (n > 8)
		abort(); // no cmocka asserts in these threads
	memcpy(l->v[r->rank], v, n * sizeof *v);
	pthread_barrier_wait(&l->bar);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < l->n; k++)
			v[i] = l->v[k][i] < v[i] ? l->v[k][i] : v[i];
	if (r->rank == 0)
		l->mins++;
	pthread_barrier_wait(&l->bar);
}

static void lp_allgather(void *ctx, const uint64_t *mine, uint32_t n, uint64_t *all)
{
	struct loop_rank *r = ctx;
	struct loop *l = r->l;
	l->rows[r->rank] = mine;
	pthread_barrier_wait(&l->bar);
	for (uint32_t k = 0; k < l->n; k++)
		memcpy(all + (size_t)k * n, l->rows[k], n * sizeof *all);
	if (r->rank == 0)
		l->allgathers++;
	pthread_barrier_wait(&l->bar);
}

static void lp_exchange(void *ctx, struct pack *send, struct pack *recv)
{
	struct loop_rank *r = ctx;
	struct loop *l = r->l;
	l->send[r->rank] = send;
	pthread_barrier_wait(&l->bar);
	for (uint32_t k = 0; k < l->n; k++) {
		if (recv[k].len != (k == r->rank ? 0 : l->send[k][r->rank].len))
			abort(); // the agreement announced another size
		recv[k].len = 0;
		if (k != r->rank)
			pack_raw(&recv[k], l->send[k][r->rank].p, l->send[k][r->rank].len);
		if (recv[k].oom)
			abort();
	}
	if (send[r->rank].len)
		abort(); // nothing for itself
	if (r->rank == 0)
		l->exchanges++;
	pthread_barrier_wait(&l->bar);
}

static void lp_gather(void *ctx, const struct pack *mine, struct pack *all)
{
	struct loop_rank *r = ctx;
	struct loop *l = r->l;
	l->mine[r->rank] = mine;
	pthread_barrier_wait(&l->bar);
	if (r->rank == 0) {
		for (uint32_t k = 0; k < l->n; k++) {
			all[k].len = 0;
			pack_raw(&all[k], l->mine[k]->p, l->mine[k]->len);
		}
		l->gathers++;
	}
	pthread_barrier_wait(&l->bar);
}

__attribute__((noreturn)) static void lp_fail(void *ctx, const char *msg)
{
	fprintf(stderr, "transport failure: %s\n", msg);
	abort();
}

static const struct world_xchg_ops lp_ops = { lp_min, lp_allgather, lp_exchange, lp_gather,
					      lp_fail };

// --- the mping network of test_world.c, one rank's share ---------------------------

#define NMACH 4
static const uint32_t vms_of[NMACH] = { 2, 3, 2, 1 };

struct share {
	struct loop *l;
	struct loop_rank lr;
	struct world_xchg x;
	struct vmrun r[NMACH];
	bool have[NMACH], here[NMACH];
	struct world w;
	uint32_t threads;
	bool inject;      // machine 1 puts test_world.c's routing frames on its uplink
	bool spread;      // false: every machine here, no transport (the reference)
	enum kernel_end end;
};

static void inject_frames(struct world *w)
{
	struct devset_config c;
	devset_config_default(&c);
	world_uplink(w, 1, &c);
	uint8_t f[64] = { 0 };
	static const uint8_t outside[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	memset(f, 0xff, 6); // broadcast from outside
	memcpy(f + 6, outside, 6);
	assert_true(c.uplink(c.uplink_ctx, f, 64, 0));
	nic_mac_at(9, 0, f); // a machine the run does not have
	assert_true(c.uplink(c.uplink_ctx, f, 64, 0));
	memcpy(f, outside, 6); // no VM's MAC: to machine 0
	assert_true(c.uplink(c.uplink_ctx, f, 64, 0));
	nic_mac_at(1, 7, f); // machine 1 itself
	assert_true(c.uplink(c.uplink_ctx, f, 64, 0));
}

static void share_build(struct share *s)
{
	struct world_config wc;
	world_config_default(&wc);
	wc.threads = s->threads;
	world_init(&s->w, &wc);
	if (s->spread)
		world_spread(&s->w, &s->x);
	uint32_t rank = s->spread ? s->x.rank : 0;
	for (uint32_t m = 0; m < NMACH; m++) {
		s->here[m] = world_runs_here(&s->w, m);
		s->have[m] = s->here[m] || rank == 0;
		char err[256];
		if (!s->have[m]) {
			assert_int_equal(world_add(&s->w, NULL, err, sizeof err), 0);
			continue;
		}
		struct kernel_config cfg = vmrun_config(vms_of[m]);
		cfg.machine_id = m;
		cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, 1000000000);
		vmrun_new(&s->r[m], mping_code, sizeof mping_code, 0, &cfg);
		if (s->here[m]) {
			struct devset_config c;
			devset_config_default(&c);
			world_uplink(&s->w, m, &c);
			assert_int_equal(devhost_attach(s->r[m].k, &c, err, sizeof err), 0);
		}
		assert_int_equal(world_add(&s->w, s->r[m].k, err, sizeof err), 0);
	}
	if (s->inject && s->here[1])
		inject_frames(&s->w);
}

static void share_free(struct share *s)
{
	char err[256];
	for (uint32_t m = 0; m < NMACH; m++) {
		if (!s->have[m])
			continue;
		assert_int_equal(devhost_detach(s->r[m].k, err, sizeof err), 0);
		vmrun_free(&s->r[m]);
	}
	world_free(&s->w);
}

static void *share_thread(void *arg)
{
	struct share *s = arg;
	s->end = world_run(&s->w); // checked by the main thread
	return NULL;
}

// What a run gives on the reporting process.
struct seen {
	uint64_t digest, rounds;
	struct world_link_stats st;
	uint64_t mdigest[NMACH];
	struct kernel_stats ks[NMACH];
	struct devset_stats ds[NMACH];
	uint32_t res[NMACH][3][8];
};

static void seen_of(struct share *s, struct seen *v)
{
	memset(v, 0, sizeof *v);
	v->digest = world_digest(&s->w);
	v->rounds = s->w.rounds;
	v->st = s->w.st;
	for (uint32_t m = 0; m < NMACH; m++) {
		const struct kernel *k = s->r[m].k;
		v->mdigest[m] = kernel_digest(k);
		v->ks[m] = k->stats;
		assert_true(devhost_stats(k, &v->ds[m]));
		for (uint32_t i = 0; i < vms_of[m]; i++)
			for (uint32_t j = 0; j < 8; j++)
				v->res[m][i][j] = vmrun_res(&s->r[m], i, j);
	}
}

static void reference(bool inject, struct seen *v)
{
	struct share s = { .threads = 1, .inject = inject };
	share_build(&s);
	share_thread(&s);
	assert_int_equal(s.end, KERNEL_END_CLIENTS_DONE);
	seen_of(&s, v);
	share_free(&s);
}

static void spread_run(uint32_t k, const uint32_t *owner, uint32_t threads, bool inject,
		       struct seen *v)
{
	struct loop l = { .n = k };
	assert_int_equal(pthread_barrier_init(&l.bar, NULL, k), 0);
	struct share *s = calloc(k, sizeof *s);
	assert_non_null(s);
	pthread_t th[WORLD_MAX_RANKS];
	for (uint32_t r = 0; r < k; r++) {
		s[r].l = &l;
		s[r].lr = (struct loop_rank){ &l, r };
		s[r].x = (struct world_xchg){ .rank = r, .nranks = k, .ops = &lp_ops, .ctx = &s[r].lr };
		memcpy(s[r].x.owner, owner, NMACH * sizeof *owner);
		s[r].threads = threads;
		s[r].inject = inject;
		s[r].spread = true;
		share_build(&s[r]);
	}
	for (uint32_t r = 0; r < k; r++)
		assert_int_equal(pthread_create(&th[r], NULL, share_thread, &s[r]), 0);
	for (uint32_t r = 0; r < k; r++)
		pthread_join(th[r], NULL);
	assert_string_equal(s[0].w.err, "");
	seen_of(&s[0], v);
	// One allgather per round and one before the first; frames exchanged only in some
	// rounds; one gathering at the end.
	printf("%u ranks: %llu rounds, %llu with frames between ranks\n", k,
	       (unsigned long long)v->rounds, (unsigned long long)l.exchanges);
	assert_int_equal(l.allgathers, v->rounds + 1);
	assert_true(l.exchanges > 0 && l.exchanges < v->rounds);
	assert_int_equal(l.mins, 0);
	assert_int_equal(l.gathers, 1);
	for (uint32_t r = 0; r < k; r++) {
		assert_int_equal(s[r].end, KERNEL_END_CLIENTS_DONE);
		assert_int_equal(s[r].w.rounds, v->rounds);
		share_free(&s[r]);
	}
	free(s);
	pthread_barrier_destroy(&l.bar);
}

static void same(const struct seen *a, const struct seen *b)
{
	assert_int_equal(a->digest, b->digest);
	assert_int_equal(a->rounds, b->rounds);
	assert_memory_equal(&a->st, &b->st, sizeof a->st);
	for (uint32_t m = 0; m < NMACH; m++) {
		assert_int_equal(a->mdigest[m], b->mdigest[m]);
		assert_memory_equal(&a->ks[m], &b->ks[m], sizeof a->ks[m]);
		assert_memory_equal(&a->ds[m], &b->ds[m], sizeof a->ds[m]);
	}
	assert_memory_equal(a->res, b->res, sizeof a->res);
}

// Every placement of the 4 machines on K = 2, 3, 4 ranks (machine 0 on rank 0, every
// rank used) gives the in-process results on rank 0.
static void test_spread_same_results(void **state)
{
	(void)state;
	struct seen ref, got;
	reference(false, &ref);
	for (uint32_t m = 1; m < NMACH; m++)
		for (uint32_t i = 0; i < vms_of[m]; i++)
			assert_int_equal(ref.res[m][i][0], 4); // every echo came back
	static const uint32_t placements[][NMACH + 1] = {
		{ 2, 0, 1, 0, 1 },
		{ 2, 0, 0, 0, 1 },
		{ 2, 0, 1, 1, 1 },
		{ 3, 0, 1, 2, 1 },
		{ 3, 0, 2, 1, 0 },
		{ 4, 0, 1, 2, 3 },
		{ 4, 0, 3, 2, 1 },
	};
	for (size_t p = 0; p < sizeof placements / sizeof placements[0]; p++) {
		spread_run(placements[p][0], &placements[p][1], 1, false, &got);
		same(&ref, &got);
	}
	// Host threads inside a rank change nothing either.
	static const uint32_t two[NMACH] = { 0, 1, 1, 1 };
	spread_run(2, two, 3, false, &got);
	same(&ref, &got);
}

// Frames of every kind on the link (broadcast, no machine, no VM's MAC, the sender's
// own machine) are routed and counted the same way across processes.
static void test_spread_routing(void **state)
{
	(void)state;
	struct seen ref, got;
	reference(true, &ref);
	printf("routing: %llu frames, %llu for no machine\n", (unsigned long long)ref.st.frames,
	       (unsigned long long)ref.st.drop_no_machine);
	assert_true(ref.st.drop_no_machine >= 3); // as in test_world.c's routing test
	static const uint32_t owner[NMACH] = { 0, 1, 2, 1 };
	spread_run(3, owner, 1, true, &got);
	same(&ref, &got);
	static const uint32_t owner4[NMACH] = { 0, 1, 2, 3 };
	spread_run(4, owner4, 1, true, &got);
	same(&ref, &got);
}

// --- outcomes ---------------------------------------------------------------------

static void fresh(struct vmrun *r, uint32_t nvms)
{
	struct kernel_config cfg = vmrun_config(nvms);
	vmrun_new(r, results_code, sizeof results_code, 0, &cfg);
}

static void test_outcome_roundtrip(void **state)
{
	(void)state;
	struct kernel_config cfg = vmrun_config(3);
	struct vmrun a;
	vmrun(&a, results_code, sizeof results_code, 0, &cfg);
	assert_true(a.k->results.n >= 3); // counters and a histogram
	struct pack b;
	pack_init(&b);
	outcome_pack(a.k, &b);
	assert_false(b.oom);
	struct vmrun c;
	fresh(&c, 3);
	struct unpack u;
	unpack_init(&u, b.p, b.len);
	char err[256];
	assert_int_equal(outcome_unpack(c.k, &u, err, sizeof err), 0);
	assert_true(unpack_done(&u));
	assert_int_equal(kernel_digest(c.k), kernel_digest(a.k));
	assert_memory_equal(&c.k->stats, &a.k->stats, sizeof a.k->stats);
	assert_int_equal(c.k->now, a.k->now);
	assert_int_equal(c.k->end, a.k->end);
	for (uint32_t i = 0; i < 3; i++)
		for (uint32_t j = 0; j < 5; j++)
			assert_int_equal(vmrun_res(&c, i, j), vmrun_res(&a, i, j));
	assert_int_equal(c.k->results.n, a.k->results.n);
	for (uint32_t i = 0; i < a.k->results.n; i++) {
		const struct results_entry *x = &a.k->results.e[i], *y = &c.k->results.e[i];
		assert_string_equal(x->name, y->name);
		assert_int_equal(results_sum(x), results_sum(y));
		if (x->hist)
			assert_memory_equal(x->hist, y->hist, sizeof *x->hist);
	}
	struct devset_stats ds;
	assert_false(devhost_stats(c.k, &ds)); // it had no devices
	// Ended: a second unpack into it, or running it, is refused or does nothing.
	assert_true(kernel_run_until(c.k, UINT64_MAX));
	unpack_init(&u, b.p, b.len);
	assert_int_equal(outcome_unpack(c.k, &u, err, sizeof err), -1);
	vmrun_free(&c);

	// Cut short anywhere: refused, and the kernel frees cleanly.
	for (size_t len = 0; len < b.len; len += len < 600 ? 1 : 97) {
		fresh(&c, 3);
		unpack_init(&u, b.p, len);
		assert_int_equal(outcome_unpack(c.k, &u, err, sizeof err), -1);
		vmrun_free(&c);
	}
	// Another build (the fingerprint), another number of VMs.
	b.p[0] ^= 1;
	fresh(&c, 3);
	unpack_init(&u, b.p, b.len);
	assert_int_equal(outcome_unpack(c.k, &u, err, sizeof err), -1);
	assert_non_null(strstr(err, "another build"));
	vmrun_free(&c);
	b.p[0] ^= 1;
	fresh(&c, 2);
	unpack_init(&u, b.p, b.len);
	assert_int_equal(outcome_unpack(c.k, &u, err, sizeof err), -1);
	assert_non_null(strstr(err, "number of VMs"));
	vmrun_free(&c);
	pack_free(&b);
	vmrun_free(&a);
}

static void test_pack(void **state)
{
	(void)state;
	struct pack b;
	pack_init(&b);
	pack_u8(&b, 0xab);
	pack_u32(&b, 0xdeadbeef);
	pack_u64(&b, 0x0123456789abcdefull);
	pack_bytes(&b, "hello", 5);
	pack_bytes(&b, NULL, 0);
	assert_int_equal(b.len, 1 + 4 + 8 + 4 + 5 + 4);
	assert_int_equal(b.p[1], 0xef); // little-endian
	struct unpack u;
	unpack_init(&u, b.p, b.len);
	assert_int_equal(unpack_u8(&u), 0xab);
	assert_int_equal(unpack_u32(&u), 0xdeadbeef);
	assert_int_equal(unpack_u64(&u), 0x0123456789abcdefull);
	uint32_t n;
	const uint8_t *s = unpack_bytes(&u, 16, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(s, "hello", 5);
	unpack_bytes(&u, 16, &n);
	assert_int_equal(n, 0);
	assert_true(unpack_done(&u));
	assert_int_equal(unpack_u32(&u), 0); // past the end: zero, and bad from then on
	assert_true(u.bad);
	assert_false(unpack_done(&u));
	// A string longer than allowed is bad, and so is a length past the end.
	unpack_init(&u, b.p + 13, b.len - 13);
	assert_null(unpack_bytes(&u, 4, &n));
	assert_true(u.bad);
	uint8_t huge[4] = { 0xff, 0xff, 0xff, 0x7f };
	unpack_init(&u, huge, sizeof huge);
	assert_null(unpack_bytes(&u, UINT32_MAX, &n));
	assert_int_equal(n, 0);
	// Growth past the first allocation keeps every byte.
	for (uint32_t i = 0; i < 100000; i++)
		pack_u32(&b, i);
	unpack_init(&u, b.p + 26, b.len - 26);
	for (uint32_t i = 0; i < 100000; i++)
		assert_int_equal(unpack_u32(&u), i);
	assert_true(unpack_done(&u));
	pack_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack),
		cmocka_unit_test(test_outcome_roundtrip),
		cmocka_unit_test(test_spread_same_results),
		cmocka_unit_test(test_spread_routing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
