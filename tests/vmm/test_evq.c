// SPDX-License-Identifier: MIT
// Unit tests for the event queue (src/vmm/evq.c): (time, seq) order, FIFO among equal
// times, interleaved push/pop against a simple reference model.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "vmm/evq.h"

static void test_empty(void **state)
{
	struct evq q;
	evq_init(&q);
	struct evq_event e;
	assert_null(evq_peek(&q));
	assert_false(evq_pop(&q, &e));
	assert_int_equal(evq_len(&q), 0);
	evq_free(&q);
}

static void test_order_and_ties(void **state)
{
	struct evq q;
	evq_init(&q);
	uint64_t times[] = { 50, 10, 30, 10, 50, 0, 30, 10 };
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(evq_push(&q, times[i], 1, i, 100 + i), i);
	// Expected: by time, then by push order.
	uint32_t want[] = { 5, 1, 3, 7, 2, 6, 0, 4 };
	for (int i = 0; i < 8; i++) {
		struct evq_event e;
		assert_true(evq_pop(&q, &e));
		assert_int_equal(e.target, want[i]);
		assert_int_equal(e.tag, 100 + want[i]);
		assert_int_equal(e.time, times[want[i]]);
	}
	assert_false(evq_pop(&q, &(struct evq_event){ 0 }));
	evq_free(&q);
}

// Random interleaving of pushes and pops compared with a brute-force minimum search.
static void test_against_model(void **state)
{
	enum { N = 5000 };
	struct evq q;
	evq_init(&q);
	static struct evq_event model[N];
	int mlen = 0;
	uint32_t seed = 99;
	for (int step = 0; step < 4 * N; step++) {
		seed = seed * 1664525u + 1013904223u;
		bool push = mlen == 0 || (mlen < N && (seed >> 28) < 9);
		if (push) {
			uint64_t t = (seed >> 10) % 64; // many ties
			uint64_t s = evq_push(&q, t, 2, (uint32_t)step, 0);
			assert_int_not_equal(s, UINT64_MAX);
			model[mlen++] = (struct evq_event){ .time = t, .seq = s };
		} else {
			int best = 0;
			for (int i = 1; i < mlen; i++)
				if (model[i].time < model[best].time ||
				    (model[i].time == model[best].time && model[i].seq < model[best].seq))
					best = i;
			struct evq_event e;
			assert_true(evq_pop(&q, &e));
			assert_int_equal(e.time, model[best].time);
			assert_int_equal(e.seq, model[best].seq);
			model[best] = model[--mlen];
		}
		assert_int_equal(evq_len(&q), mlen);
	}
	evq_free(&q);
}

static bool drop_odd_target(void *ctx, const struct evq_event *e)
{
	(*(int *)ctx)++;
	return e->target & 1;
}

// evq_remove_if drops exactly the chosen events; the rest pop in (time, seq) order.
static void test_remove_if(void **state)
{
	enum { N = 3000 };
	struct evq q;
	evq_init(&q);
	srand(7);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(evq_push(&q, (uint64_t)(rand() % 500), 1, i, 0), i);
	struct evq_event e;
	for (int i = 0; i < 100; i++) // a heap not built from pushes alone
		assert_true(evq_pop(&q, &e));
	size_t before = evq_len(&q), evens = 0;
	for (size_t i = 0; i < q.len; i++)
		evens += !(q.heap[i].target & 1);
	int calls = 0;
	size_t removed = evq_remove_if(&q, drop_odd_target, &calls);
	assert_int_equal(calls, before);
	assert_int_equal(evq_len(&q), evens);
	assert_int_equal(removed, before - evens);
	struct evq_event prev = { 0 };
	size_t n = 0;
	while (evq_pop(&q, &e)) {
		assert_int_equal(e.target & 1, 0);
		if (n++)
			assert_true(e.time > prev.time || (e.time == prev.time && e.seq > prev.seq));
		prev = e;
	}
	assert_int_equal(n, evens);
	assert_int_equal(evq_remove_if(&q, drop_odd_target, &calls), 0); // empty
	evq_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_order_and_ties),
		cmocka_unit_test(test_against_model),
		cmocka_unit_test(test_remove_if),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
