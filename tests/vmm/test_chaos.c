// SPDX-License-Identifier: MIT
// Unit tests of the chaos draws (src/vmm/chaos.c): reproducible per seed, different
// across seeds, inside their bounds, spread over them, and inert when off.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/chaos.h"

static void same_seed_same_draws(void **state)
{
	(void)state;
	struct chaos a, b;
	chaos_init(&a, true, 42);
	chaos_init(&b, true, 42);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(chaos_draw(&a, CHAOS_IRQ, 34000), chaos_draw(&b, CHAOS_IRQ, 34000));
		assert_int_equal(chaos_quantum(&a, 17000), chaos_quantum(&b, 17000));
	}
}

// The kinds draw from separate sequences: interleaving them differently changes none.
static void kinds_independent(void **state)
{
	(void)state;
	struct chaos a, b;
	chaos_init(&a, true, 7);
	chaos_init(&b, true, 7);
	uint64_t ta[100], tb[100];
	for (int i = 0; i < 100; i++) {
		ta[i] = chaos_draw(&a, CHAOS_TIMER, 85000);
		chaos_draw(&a, CHAOS_IRQ, 34000);
	}
	for (int i = 0; i < 100; i++)
		tb[i] = chaos_draw(&b, CHAOS_TIMER, 85000);
	assert_memory_equal(ta, tb, sizeof ta);
}

static void seeds_differ(void **state)
{
	(void)state;
	struct chaos a, b;
	chaos_init(&a, true, 1);
	chaos_init(&b, true, 2);
	int same = 0;
	for (int i = 0; i < 1000; i++)
		same += chaos_draw(&a, CHAOS_TIMER, 85000) == chaos_draw(&b, CHAOS_TIMER, 85000);
	assert_true(same < 10);
}

// Bounds: [0, max] for draws, [q/2, 3q/2] for quanta; both ends reached, mean near
// the middle.
static void bounds_and_spread(void **state)
{
	(void)state;
	struct chaos c;
	chaos_init(&c, true, 99);
	uint64_t lo = UINT64_MAX, hi = 0, sum = 0;
	for (int i = 0; i < 100000; i++) {
		uint64_t v = chaos_draw(&c, CHAOS_IRQ, 10);
		assert_true(v <= 10);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sum += v;
	}
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 10);
	assert_true(sum > 100000 * 5 - 5000 && sum < 100000 * 5 + 5000);
	lo = UINT64_MAX, hi = 0, sum = 0;
	for (int i = 0; i < 100000; i++) {
		uint64_t q = chaos_quantum(&c, 17000);
		assert_true(q >= 8500 && q <= 25500);
		lo = q < lo ? q : lo;
		hi = q > hi ? q : hi;
		sum += q;
	}
	assert_true(lo < 8600 && hi > 25400);
	assert_true(sum / 100000 > 16900 && sum / 100000 < 17100);
	assert_int_equal(chaos_quantum(&c, 1), 1); // never 0
	assert_int_equal(chaos_draw(&c, CHAOS_IRQ, 0), 0);
}

static void off_is_inert(void **state)
{
	(void)state;
	struct chaos c;
	chaos_init(&c, false, 5);
	assert_int_equal(chaos_quantum(&c, 17000), 17000);
	assert_int_equal(chaos_draw(&c, CHAOS_TIMER, 85000), 0);
	assert_int_equal(c.draws[CHAOS_TIMER], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_seed_same_draws),
		cmocka_unit_test(kinds_independent),
		cmocka_unit_test(seeds_differ),
		cmocka_unit_test(bounds_and_spread),
		cmocka_unit_test(off_is_inert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
