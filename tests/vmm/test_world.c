// SPDX-License-Identifier: MIT
// Several machines in one run (src/vmm/world.c) and the stepped kernel it drives
// (kernel_run_until): a kernel stepped through horizons gives the same digest as
// kernel_run; a ping crosses machines (guests/mping.s: machine 0 echoes, clients ping
// 02:44:4e:00:00:00) with a round trip of at least 2 link latencies, growing by exactly
// 2 x the latency change; two clients sending at the same instant are served in
// machine order; the run ends when the clients end (server VMs STOPPED), and the same
// run twice has the same digest; the link's order (linkq.c) is (arrival, source,
// sequence) whatever the push order; broadcasts, MACs of no machine and non-VM MACs are
// routed as docs/machines.md says; host threads change no result; bad world
// configurations are refused.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/linkq.h"
#include "devices/nic.h"
#include "synth.h"
#include "vmm/devhost.h"
#include "vmm/image.h"
#include "vmm/kernel.h"
#include "vmm/world.h"
#include "vmrun.h"

#include "mping.h"

// --- the link's order -------------------------------------------------------------

static void test_linkq_order(void **state)
{
	(void)state;
	// (t, src, seq) pushed in a scrambled order come out sorted.
	static const uint64_t key[][3] = {
		{ 500, 2, 9 }, { 100, 1, 3 }, { 500, 1, 4 }, { 100, 0, 7 }, { 500, 1, 2 },
		{ 300, 3, 1 }, { 100, 1, 1 }, { 900, 0, 0 }, { 300, 0, 8 }, { 500, 2, 5 },
	};
	size_t n = sizeof key / sizeof key[0];
	struct linkq q;
	linkq_init(&q);
	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)i;
		assert_int_equal(linkq_push(&q, key[i][0], (uint32_t)key[i][1], key[i][2], &b, 1), 0);
	}
	uint64_t last[3] = { 0, 0, 0 };
	size_t popped = 0;
	struct linkq_frame f;
	while (linkq_pop(&q, &f)) {
		uint64_t k3[3] = { f.t_ns, f.src, f.seq };
		if (popped)
			assert_true(k3[0] > last[0] || (k3[0] == last[0] && (k3[1] > last[1] ||
				    (k3[1] == last[1] && k3[2] > last[2]))));
		assert_int_equal(key[f.data[0]][0], f.t_ns); // the frame travels with its key
		memcpy(last, k3, sizeof last);
		free(f.data);
		popped++;
	}
	assert_int_equal(popped, n);
	assert_null(linkq_peek(&q));
	// Many random keys: sorted, and frames left in the queue are freed by linkq_free.
	uint64_t x = 12345;
	for (int i = 0; i < 2000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint8_t b[3] = { 1, 2, 3 };
		assert_int_equal(linkq_push(&q, x >> 54, (uint32_t)(x >> 40) & 3, (uint64_t)i, b, 3), 0);
	}
	uint64_t prev = 0;
	for (int i = 0; i < 1000; i++) {
		assert_true(linkq_pop(&q, &f));
		assert_true(f.t_ns >= prev);
		prev = f.t_ns;
		free(f.data);
	}
	linkq_free(&q);
}

// --- a stepped kernel -------------------------------------------------------------

static uint64_t run_synth(uint64_t step_cycles, uint64_t max_ns, uint64_t *now)
{
	char err[256];
	struct image *img;
	// 6 VMs: write 3 pages, spin 500, idle 7 us, forever (stopped by max time).
	assert_int_equal(synth_touch(&img, VMRUN_MEM, 0x40000, 3, 4096, 500, 7000, err,
				     sizeof err), 0);
	struct kernel_config cfg = vmrun_config(6);
	cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, max_ns);
	struct kernel *k;
	assert_int_equal(kernel_new(&k, &cfg, img, err, sizeof err), 0);
	if (!step_cycles) {
		assert_int_equal(kernel_run(k), KERNEL_END_MAX_TIME);
	} else {
		uint64_t h = 0;
		while (kernel_next_activity(k) < cfg.max_time_cycles) {
			// bounded: a kernel whose next activity never passes the horizon
			// fails here instead of looping until meson's timeout
			assert_true(h <= cfg.max_time_cycles);
			h += step_cycles;
			assert_false(kernel_run_until(k, h));
			assert_true(k->now >= h || k->now >= cfg.max_time_cycles);
		}
		(void)kernel_run_until(k, cfg.max_time_cycles);
		kernel_finish(k, KERNEL_END_MAX_TIME);
		kernel_finish(k, KERNEL_END_DEADLOCK); // idempotent
		assert_int_equal(k->end, KERNEL_END_MAX_TIME);
	}
	assert_int_equal(k->stats.stopped, 6);
	uint64_t d = kernel_digest(k);
	*now = k->now;
	kernel_free(k);
	image_free(img);
	return d;
}

// A horizon is invisible to the machine: paused slices resume where they stopped, so
// any step size gives kernel_run's digest (this guest reads no clock).
static void test_steps_match_run(void **state)
{
	(void)state;
	uint64_t now0, now1;
	uint64_t d = run_synth(0, 2000000, &now0);
	static const uint64_t steps[] = { 1, 997, 3400, 17000, 34000, 1000000 };
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		assert_int_equal(run_synth(steps[i], 2000000, &now1), d);
		assert_int_equal(now1, now0);
	}
}

// --- machines linked by the switch ------------------------------------------------

struct net {
	struct vmrun r[WORLD_MAX_MACHINES];
	struct world w;
	uint32_t n;
};

static uint32_t net_threads = 1; // host threads for the next net_new

// Machine 0 with server_vms echo VMs, then one client machine per entry of client_vms.
static void net_new(struct net *t, uint32_t server_vms, const uint32_t *client_vms,
		    uint32_t nclients, uint64_t latency_ns, uint64_t max_ns)
{
	memset(t, 0, sizeof *t);
	struct world_config wc;
	world_config_default(&wc);
	wc.latency_ns = latency_ns;
	wc.threads = net_threads;
	world_init(&t->w, &wc);
	t->n = 1 + nclients;
	for (uint32_t m = 0; m < t->n; m++) {
		struct kernel_config cfg = vmrun_config(m ? client_vms[m - 1] : server_vms);
		cfg.machine_id = m;
		if (max_ns)
			cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, max_ns);
		vmrun_new(&t->r[m], mping_code, sizeof mping_code, 0, &cfg);
		struct devset_config c;
		devset_config_default(&c);
		world_uplink(&t->w, m, &c);
		char err[256];
		assert_int_equal(devhost_attach(t->r[m].k, &c, err, sizeof err), 0);
		assert_int_equal(world_add(&t->w, t->r[m].k, err, sizeof err), 0);
	}
}

static void net_free(struct net *t)
{
	char err[256];
	for (uint32_t m = 0; m < t->n; m++) {
		assert_int_equal(devhost_detach(t->r[m].k, err, sizeof err), 0);
		vmrun_free(&t->r[m]);
	}
	world_free(&t->w);
}

static void test_ping_across(void **state)
{
	(void)state;
	uint32_t one = 1;
	struct net t;
	net_new(&t, 1, &one, 1, 20000, 0);
	assert_int_equal(world_run(&t.w), KERNEL_END_CLIENTS_DONE);
	struct kernel *srv = t.r[0].k, *cli = t.r[1].k;
	assert_int_equal(cli->vms[0].state, VM_TERMINATED);
	assert_int_equal(cli->vms[0].exit_code, 0);
	assert_int_equal(srv->vms[0].state, VM_STOPPED); // normal: the clients ended the run
	assert_int_equal(srv->end, KERNEL_END_CLIENTS_DONE);
	assert_int_equal(cli->end, KERNEL_END_ALL_DONE);
	assert_int_equal(vmrun_res(&t.r[1], 0, 0), 4);          // every echo came back
	assert_int_equal(vmrun_res(&t.r[1], 0, 3), 0x004e4402); // from 02:44:4e:00:..
	assert_int_equal(vmrun_res(&t.r[1], 0, 4), 1);          // machine_id
	assert_int_equal(vmrun_res(&t.r[1], 0, 5), 0x0100100a); // 10.16.0.1
	assert_int_equal(vmrun_res(&t.r[1], 0, 6), 0);
	// Round trip: twice (switch 10 us + link 20 us + switch 10 us) plus serialisation
	// (3 hops of 704 ns each way) plus the server's work: at least 2L, and 84-100 us.
	uint32_t rtt = vmrun_res(&t.r[1], 0, 2);
	printf("ping round trip with L = 20 us: %u ns (first %u ns), %llu rounds\n", rtt,
	       vmrun_res(&t.r[1], 0, 1), (unsigned long long)t.w.rounds);
	assert_true(rtt >= 2 * 20000);
	assert_true(rtt >= 80000 + 6 * 704 && rtt < 100000);
	assert_int_equal(t.w.st.frames, 8);
	assert_int_equal(t.w.st.deliveries, 8);
	assert_int_equal(t.w.st.drop_no_machine, 0);
	uint64_t d = world_digest(&t.w);
	net_free(&t);
	// The same run again: the same digest.
	net_new(&t, 1, &one, 1, 20000, 0);
	world_run(&t.w);
	assert_int_equal(world_digest(&t.w), d);
	net_free(&t);
}

static uint32_t min_rtt(uint64_t latency_ns)
{
	uint32_t one = 1;
	struct net t;
	net_new(&t, 1, &one, 1, latency_ns, 0);
	world_run(&t.w);
	assert_int_equal(vmrun_res(&t.r[1], 0, 0), 4);
	uint32_t rtt = vmrun_res(&t.r[1], 0, 2);
	net_free(&t);
	return rtt;
}

// The link latency adds exactly twice to the round trip.
static void test_latency_counts_twice(void **state)
{
	(void)state;
	uint32_t a = min_rtt(20000), b = min_rtt(120000), c = min_rtt(1);
	printf("round trips: L = 1 ns %u ns, 20 us %u ns, 120 us %u ns\n", c, a, b);
	// Exactly 2 x 100 us; from 1 ns to 20 us 2 x 19,999 ns give or take the rounding
	// of ns to cycles at each hop.
	assert_int_equal(b - a, 200000);
	assert_true(a - c >= 2 * 19999 - 8 && a - c <= 2 * 19999 + 8);
}

// Two client machines ping at the same simulated instants: their frames reach the
// server's switch at the same time and are taken in machine order, so machine 1's
// echo comes back first every time; and machine 2's ping is not lost.
static void test_same_instant_machine_order(void **state)
{
	(void)state;
	uint32_t vms[2] = { 1, 1 };
	struct net t;
	net_new(&t, 1, vms, 2, 20000, 0);
	assert_int_equal(world_run(&t.w), KERNEL_END_CLIENTS_DONE);
	assert_int_equal(vmrun_res(&t.r[1], 0, 0), 4);
	assert_int_equal(vmrun_res(&t.r[2], 0, 0), 4);
	uint32_t r1 = vmrun_res(&t.r[1], 0, 1), r2 = vmrun_res(&t.r[2], 0, 1);
	printf("same-instant pings: machine 1 %u ns, machine 2 %u ns\n", r1, r2);
	assert_true(r1 < r2);
	assert_int_equal(vmrun_res(&t.r[2], 0, 5), 0x0100200a); // 10.32.0.1
	uint64_t d = world_digest(&t.w);
	net_free(&t);
	net_new(&t, 1, vms, 2, 20000, 0);
	world_run(&t.w);
	assert_int_equal(world_digest(&t.w), d);
	net_free(&t);
}

// Several VMs per client machine, with max time far away; then max time cutting the
// run short (clients still pinging: STOPPED everywhere); and a server alone, whose
// idle-forever VM is a deadlock once nothing else can happen.
static void test_ends(void **state)
{
	(void)state;
	uint32_t vms[3] = { 3, 2, 1 };
	struct net t;
	net_new(&t, 2, vms, 3, 20000, 1000000000);
	assert_int_equal(world_run(&t.w), KERNEL_END_CLIENTS_DONE);
	for (uint32_t m = 1; m < 4; m++)
		for (uint32_t i = 0; i < vms[m - 1]; i++) {
			assert_int_equal(t.r[m].k->vms[i].state, VM_TERMINATED);
			assert_int_equal(vmrun_res(&t.r[m], i, 0), 4);
		}
	assert_int_equal(t.r[0].k->stats.stopped, 2);
	net_free(&t);

	uint32_t one = 1;
	net_new(&t, 1, &one, 1, 20000, 50000); // 50 us: not even one round trip
	assert_int_equal(world_run(&t.w), KERNEL_END_MAX_TIME);
	assert_int_equal(t.r[1].k->vms[0].state, VM_STOPPED);
	assert_int_equal(t.r[0].k->vms[0].state, VM_STOPPED);
	assert_int_equal(t.r[0].k->now, kernel_ns_to_cycles(&t.r[0].k->cfg, 50000));
	assert_int_equal(t.r[1].k->now, t.r[0].k->now);
	net_free(&t);

	// Machine 0 alone with an uplink: its VM idles 1 ms forever, so the run goes to
	// max time.
	net_new(&t, 1, NULL, 0, 20000, 3000000);
	assert_int_equal(world_run(&t.w), KERNEL_END_MAX_TIME);
	net_free(&t);
}

// Routing on the link: frames put on machine 1's uplink before the run (as its switch
// would) go where their destination MAC says. A broadcast reaches machines 0 and 2; a
// MAC of a machine the run does not have, or of machine 1 itself, is dropped; a MAC
// that is no VM's goes to machine 0 (the outside world), whose switch drops it
// (unknown, and never back out of its uplink). The server echoes the broadcast to its
// non-VM source: out of machine 0's uplink, dropped too.
static void test_link_routing(void **state)
{
	(void)state;
	uint32_t vms[2] = { 1, 1 };
	struct net t;
	net_new(&t, 1, vms, 2, 20000, 0);
	struct devset_config c;
	devset_config_default(&c);
	world_uplink(&t.w, 1, &c);
	uint8_t f[64] = { 0 };
	static const uint8_t outside[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	memset(f, 0xff, 6); // (a) broadcast from outside
	memcpy(f + 6, outside, 6);
	assert_true(c.uplink(c.uplink_ctx, f, 64, 0));
	nic_mac_at(9, 0, f); // (b) machine 9: not in this run
	assert_true(c.uplink(c.uplink_ctx, f, 64, 0));
	memcpy(f, outside, 6); // (c) no VM's MAC: to machine 0
	assert_true(c.uplink(c.uplink_ctx, f, 64, 0));
	nic_mac_at(1, 7, f); // (d) machine 1's own address space
	assert_true(c.uplink(c.uplink_ctx, f, 64, 0));
	assert_int_equal(world_run(&t.w), KERNEL_END_CLIENTS_DONE);
	// 8 pings and 8 echoes, the 4 frames above, the server's echo of (a).
	assert_int_equal(t.w.st.frames, 16 + 4 + 1);
	assert_int_equal(t.w.st.deliveries, 16 + 2 + 1);
	assert_int_equal(t.w.st.drop_no_machine, 3); // (b), (d), the echo of (a)
	struct devset_stats s0, s2;
	assert_true(devhost_stats(t.r[0].k, &s0));
	assert_true(devhost_stats(t.r[2].k, &s2));
	assert_int_equal(s0.uplink_in, 8 + 1 + 1);    // both clients' pings, (a), (c)
	assert_int_equal(s0.sw_drop_unknown, 1);      // (c)
	assert_int_equal(s0.uplink_out, 8 + 1);       // echoes, echo of (a)
	assert_int_equal(s2.uplink_in, 4 + 1);        // its echoes, (a)
	net_free(&t);
}

// Host threads change nothing: the same runs with 1, 2, 3 and 16 threads (more than
// machines) give the same digest, rounds and link counters.
static void test_threads_same_results(void **state)
{
	(void)state;
	uint32_t vms[3] = { 3, 2, 1 };
	uint64_t d1 = 0, rounds1 = 0, frames1 = 0;
	static const uint32_t threads[] = { 1, 2, 3, 16 };
	for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
		net_threads = threads[i];
		struct net t;
		net_new(&t, 2, vms, 3, 20000, 0);
		assert_int_equal(world_run(&t.w), KERNEL_END_CLIENTS_DONE);
		assert_null(t.w.pool); // stopped at the end of the run
		if (i == 0) {
			d1 = world_digest(&t.w);
			rounds1 = t.w.rounds;
			frames1 = t.w.st.frames;
		} else {
			assert_int_equal(world_digest(&t.w), d1);
			assert_int_equal(t.w.rounds, rounds1);
			assert_int_equal(t.w.st.frames, frames1);
		}
		for (uint32_t m = 1; m < 4; m++)
			for (uint32_t v = 0; v < vms[m - 1]; v++)
				assert_int_equal(vmrun_res(&t.r[m], v, 0), 4);
		net_free(&t);
	}
	net_threads = 1;
}

static void test_bad_world(void **state)
{
	(void)state;
	struct world w;
	struct world_config wc;
	world_config_default(&wc);
	world_init(&w, &wc);
	struct vmrun r;
	struct kernel_config cfg = vmrun_config(1);
	vmrun_new(&r, mping_code, sizeof mping_code, 0, &cfg);
	char err[256];
	assert_int_equal(world_add(&w, r.k, err, sizeof err), -1); // no devices
	assert_non_null(strstr(err, "no devices"));
	struct devset_config c;
	devset_config_default(&c);
	world_uplink(&w, 1, &c); // the kernel says machine 0
	assert_int_equal(devhost_attach(r.k, &c, err, sizeof err), 0);
	r.k->cfg.machine_id = 1;
	assert_int_equal(world_add(&w, r.k, err, sizeof err), -1);
	assert_non_null(strstr(err, "machine 0"));
	assert_int_equal(devhost_detach(r.k, err, sizeof err), 0);
	vmrun_free(&r);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linkq_order),
		cmocka_unit_test(test_steps_match_run),
		cmocka_unit_test(test_ping_across),
		cmocka_unit_test(test_latency_counts_twice),
		cmocka_unit_test(test_same_instant_machine_order),
		cmocka_unit_test(test_ends),
		cmocka_unit_test(test_link_routing),
		cmocka_unit_test(test_threads_same_results),
		cmocka_unit_test(test_bad_world),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
