// SPDX-License-Identifier: MIT
// Unit tests for the kernel's per-VM data in the caches (src/vmm/ctxcache.c): the
// calibrated steps of the best-case switch cost (paper section 4.1), the LRU levels
// against a brute-force stack distance, checkpoints of the order, and the model off.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/ctxcache.h"

static struct ctxcache_config calibrated(void)
{
	struct ctxcache_config c;
	ctxcache_config_default(&c, 1700000);
	c.vm_bytes = 1024;
	return c;
}

// The cost of a switch once round-robin over n VMs is warm (the first round is cold).
static uint64_t rr_cost(uint32_t n)
{
	struct ctxcache_config cfg = calibrated();
	struct ctxcache c;
	assert_int_equal(ctxcache_init(&c, &cfg, n), 0);
	uint64_t cost = 0;
	for (uint32_t round = 0; round < 3; round++)
		for (uint32_t id = 0; id < n; id++) {
			uint64_t k = ctxcache_switch(&c, id);
			if (round == 0)
				assert_int_equal(k, 16 * 51); // cold: from memory
			else if (round == 2 && id == 0)
				cost = k;
			else if (round == 2)
				assert_int_equal(k, cost); // flat between steps
		}
	ctxcache_free(&c);
	return cost;
}

// The calibrated points (docs/timing.md): 1 KiB per VM, 8 KiB L1 and 256 KiB L2, 10 ns
// and 30 ns per 64-byte line: 0 up to 8 VMs, 16 x 17 cycles (0.16 us) from 9 to 256,
// 16 x 51 cycles (0.48 us) from 257 on. With the 1.4 us base: 1.40, 1.56, 1.88 us.
static void test_calibrated_steps(void **state)
{
	(void)state;
	struct ctxcache_config cfg = calibrated();
	assert_int_equal(cfg.l1_miss_cycles, 17);
	assert_int_equal(cfg.l2_miss_cycles, 51);
	assert_int_equal(rr_cost(1), 0);
	assert_int_equal(rr_cost(8), 0);
	assert_int_equal(rr_cost(9), 272);
	assert_int_equal(rr_cost(64), 272);
	assert_int_equal(rr_cost(256), 272);
	assert_int_equal(rr_cost(257), 816);
	assert_int_equal(rr_cost(1024), 816);
}

// Levels agree with the stack distance computed by brute force over a pseudo-random
// sequence of switches (small caches so every level is visited often).
static void test_levels_match_stack_distance(void **state)
{
	(void)state;
	enum { N = 40,
	       STEPS = 20000 };
	struct ctxcache_config cfg = calibrated();
	cfg.vm_bytes = 100; // 2 lines; L1 holds 3 VMs, L2 12 (9 more)
	cfg.l1_bytes = 300;
	cfg.l2_bytes = 1200;
	struct ctxcache c;
	assert_int_equal(ctxcache_init(&c, &cfg, N), 0);
	int64_t last[N];
	for (int i = 0; i < N; i++)
		last[i] = -1;
	uint32_t x = 12345;
	uint64_t seen[4] = { 0 };
	for (int64_t t = 0; t < STEPS; t++) {
		x = x * 1103515245u + 12345u;
		// Skewed: low ids are switched into more often.
		uint32_t id = ((x >> 16) % N) * ((x >> 8) % N) / N;
		unsigned want;
		if (last[id] < 0) {
			want = CTXCACHE_COLD;
		} else {
			uint32_t more_recent = 0;
			for (int j = 0; j < N; j++)
				more_recent += last[j] > last[id];
			want = more_recent < 3 ? CTXCACHE_L1 : more_recent < 12 ? CTXCACHE_L2
										: CTXCACHE_MEM;
		}
		uint64_t got = ctxcache_switch(&c, id);
		assert_int_equal(got, ctxcache_cost(&c, (enum ctxcache_level)want));
		seen[want]++;
		last[id] = t;
	}
	for (int i = 0; i < 4; i++)
		assert_true(seen[i] > 0);
	assert_int_equal(c.hits[CTXCACHE_L2], seen[CTXCACHE_L2]);
	ctxcache_free(&c);
}

// A checkpoint of the order, loaded into a fresh model, goes on identically; bytes that
// are no order are refused.
static void test_ckpt(void **state)
{
	(void)state;
	enum { N = 300 };
	struct ctxcache_config cfg = calibrated();
	struct ctxcache a, b;
	assert_int_equal(ctxcache_init(&a, &cfg, N), 0);
	assert_int_equal(ctxcache_init(&b, &cfg, N), 0);
	uint32_t x = 7;
	for (int t = 0; t < 5000; t++) {
		x = x * 1103515245u + 12345u;
		(void)ctxcache_switch(&a, (x >> 16) % (N - 20)); // 20 stay cold
	}
	struct pack p;
	pack_init(&p);
	ctxcache_ckpt_save(&a, &p);
	struct unpack u;
	unpack_init(&u, p.p, p.len);
	assert_int_equal(ctxcache_ckpt_load(&b, &u), 0);
	assert_true(unpack_done(&u));
	assert_memory_equal(a.hits, b.hits, sizeof a.hits);
	for (int t = 0; t < 5000; t++) {
		x = x * 1103515245u + 12345u;
		uint32_t id = (x >> 16) % N;
		assert_int_equal(ctxcache_switch(&a, id), ctxcache_switch(&b, id));
	}
	ctxcache_free(&b);
	// A VM twice, an id out of range, a count past the bytes: refused.
	uint32_t len = 0;
	memcpy(&len, p.p + 32, 4);
	assert_true(len > 2 && len <= N);
	for (int bad = 0; bad < 3; bad++) {
		uint8_t *q = malloc(p.len);
		assert_non_null(q);
		memcpy(q, p.p, p.len);
		if (bad == 0)
			memcpy(q + 40, q + 36, 4);
		else if (bad == 1)
			memset(q + 36, 0xff, 4);
		else
			memset(q + 32, 0x7f, 4);
		assert_int_equal(ctxcache_init(&b, &cfg, N), 0);
		unpack_init(&u, q, p.len);
		assert_int_equal(ctxcache_ckpt_load(&b, &u), -1);
		ctxcache_free(&b);
		free(q);
	}
	pack_free(&p);
	ctxcache_free(&a);
}

// Off: nothing allocated, every switch free.
static void test_off(void **state)
{
	(void)state;
	struct ctxcache_config cfg;
	ctxcache_config_default(&cfg, 1700000);
	assert_int_equal(cfg.vm_bytes, 0);
	struct ctxcache c;
	assert_int_equal(ctxcache_init(&c, &cfg, 1000), 0);
	assert_false(ctxcache_on(&c));
	assert_null(c.level);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(ctxcache_switch(&c, i), 0);
	ctxcache_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calibrated_steps),
		cmocka_unit_test(test_levels_match_stack_distance),
		cmocka_unit_test(test_ckpt),
		cmocka_unit_test(test_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
