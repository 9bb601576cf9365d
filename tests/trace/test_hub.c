// SPDX-License-Identifier: MIT
// The output hub (src/trace/hub.c): records come out merged by (time, machine, order),
// a stream's limit drops the records past it, and hidden records (a replay of gdb's
// reverse execution, gdb/history.h) are counted but not written again.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace/hub.h"

struct sink {
	FILE *f;
	char *buf;
	size_t len;
};

static void sink_open(struct sink *s)
{
	s->buf = NULL;
	s->len = 0;
	s->f = open_memstream(&s->buf, &s->len);
	assert_non_null(s->f);
}

static const char *sink_text(struct sink *s)
{
	fflush(s->f);
	return s->buf;
}

static void sink_close(struct sink *s)
{
	fclose(s->f);
	free(s->buf);
}

static void test_merge_order(void **state)
{
	(void)state;
	struct sink o;
	sink_open(&o);
	struct hub *h = hub_new(2);
	assert_non_null(h);
	int s = hub_stream(h, o.f, HUB_NO_LIMIT);
	hub_write(h, 1, 5, s, "b5 ", 3);
	hub_write(h, 0, 5, s, "a5 ", 3);
	hub_write(h, 0, 9, s, "a9 ", 3);
	hub_write(h, 1, 7, s, "b7 ", 3);
	hub_flush(h, 8);
	assert_string_equal(sink_text(&o), "a5 b5 b7 ");
	hub_flush(h, UINT64_MAX);
	assert_string_equal(sink_text(&o), "a5 b5 b7 a9 ");
	assert_int_equal(hub_written(h, s), 4);
	assert_int_equal(hub_seen(h, s), 4);
	hub_free(h);
	sink_close(&o);
}

static void test_limit(void **state)
{
	(void)state;
	struct sink o;
	sink_open(&o);
	struct hub *h = hub_new(1);
	int s = hub_stream(h, o.f, 2);
	assert_true(hub_write(h, 0, 1, s, "x", 1));
	hub_write(h, 0, 2, s, "y", 1);
	assert_false(hub_write(h, 0, 3, s, "z", 1));
	assert_string_equal(sink_text(&o), "xy");
	assert_true(hub_full(h, s));
	assert_int_equal(hub_written(h, s), 2);
	assert_int_equal(hub_dropped(h, s), 1);
	assert_int_equal(hub_seen(h, s), 3);
	hub_free(h);
	sink_close(&o);
}

// A replay from an earlier point with the first 3 records hidden: only the 4th and
// later come out, and every counter is as in the run that showed them.
static void test_hide(void **state)
{
	(void)state;
	struct sink a, b;
	sink_open(&a);
	sink_open(&b);
	struct hub *h = hub_new(2);
	int s0 = hub_stream(h, a.f, HUB_NO_LIMIT);
	int s1 = hub_stream(h, b.f, HUB_NO_LIMIT);
	assert_int_equal(hub_streams(h), 2);
	assert_ptr_equal(hub_file(h, s1), b.f);
	assert_null(hub_file(h, 5));
	hub_hide(h, s0, 3);
	for (int i = 0; i < 5; i++) {
		char r[4] = { 'r', (char)('0' + i), ' ', 0 };
		hub_write(h, (uint32_t)(i & 1), (uint64_t)i, s0, r, 3);
		hub_write(h, 0, (uint64_t)i, s1, r, 3);
	}
	hub_flush(h, UINT64_MAX);
	assert_string_equal(sink_text(&a), "r3 r4 ");
	assert_string_equal(sink_text(&b), "r0 r1 r2 r3 r4 ");
	assert_int_equal(hub_written(h, s0), 5);
	assert_int_equal(hub_seen(h, s0), 5);
	assert_int_equal(hub_seen(h, 7), 0);
	hub_free(h);
	sink_close(&a);
	sink_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_order),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_hide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
