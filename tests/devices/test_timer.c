// SPDX-License-Identifier: MIT
// Tests of the one-shot timer device (src/devices/timer.c, docs/isa.md 9.1) with a fake
// host that records the events it is asked for: one event per deadline, tagged; a
// replaced or cancelled deadline's event is stale and fires nothing; a deadline the
// host refuses never fires. Through the kernel: tests/vmm/test_intr.c (guests/timer.s).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "denali/abi.h"
#include "devices/timer.h"

#define NVM 3

struct host {
	uint32_t nev;
	uint32_t ev_vm[16];
	uint64_t ev_ns[16], ev_tag[16];
	uint64_t refuse_from_ns; // timer_at fails for deadlines at or past this (0: never)
	uint32_t irq[NVM];
};

static void h_irq(void *ctx, uint32_t vm, unsigned line)
{
	struct host *h = ctx;
	assert_true(vm < NVM);
	assert_int_equal(line, DENALI_IRQ_TIMER);
	h->irq[vm]++;
}

static int h_timer_at(void *ctx, uint32_t vm, uint64_t t_ns, uint64_t tag)
{
	struct host *h = ctx;
	if (h->refuse_from_ns && t_ns >= h->refuse_from_ns)
		return -1;
	assert_true(h->nev < 16);
	h->ev_vm[h->nev] = vm;
	h->ev_ns[h->nev] = t_ns;
	h->ev_tag[h->nev++] = tag;
	return 0;
}

static struct timer *new_timer(struct host *h)
{
	struct devset_host hi = { .raise_irq = h_irq, .ctx = h, .timer_at = h_timer_at };
	struct timer *t;
	assert_int_equal(timer_new(&t, NVM, &hi), 0);
	return t;
}

// Fires host event i as the kernel's event loop would.
static void fire(struct timer *t, const struct host *h, uint32_t i)
{
	timer_fire(t, h->ev_vm[i], h->ev_tag[i]);
}

static void test_one_shot(void **state)
{
	struct host h = { 0 };
	struct timer *t = new_timer(&h);
	timer_set(t, 1, 5000);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev_vm[0], 1);
	assert_int_equal(h.ev_ns[0], 5000);
	assert_true(timer_current(t, 1, h.ev_tag[0]));
	fire(t, &h, 0);
	assert_int_equal(h.irq[1], 1);
	assert_int_equal(h.irq[0] + h.irq[2], 0);
	// One shot: the same event again does nothing, and it is no longer current.
	assert_false(timer_current(t, 1, h.ev_tag[0]));
	fire(t, &h, 0);
	assert_int_equal(h.irq[1], 1);
	timer_free(t);
}

static void test_replace_and_cancel(void **state)
{
	struct host h = { 0 };
	struct timer *t = new_timer(&h);
	timer_set(t, 0, 9000);
	timer_set(t, 0, 7000); // replaces: the first event is stale
	assert_int_equal(h.nev, 2);
	assert_false(timer_current(t, 0, h.ev_tag[0]));
	assert_true(timer_current(t, 0, h.ev_tag[1]));
	fire(t, &h, 0);
	assert_int_equal(h.irq[0], 0);
	fire(t, &h, 1);
	assert_int_equal(h.irq[0], 1);
	// Cancel: no event, and the armed one goes stale.
	timer_set(t, 2, 100);
	timer_set(t, 2, 0);
	assert_int_equal(h.nev, 3);
	assert_false(timer_current(t, 2, h.ev_tag[2]));
	fire(t, &h, 2);
	assert_int_equal(h.irq[2], 0);
	// Timers of different VMs are independent.
	timer_set(t, 0, 1);
	timer_set(t, 1, 1);
	fire(t, &h, 3);
	fire(t, &h, 4);
	assert_int_equal(h.irq[0], 2);
	assert_int_equal(h.irq[1], 1);
	timer_free(t);
}

static void test_refused_and_bad_ids(void **state)
{
	struct host h = { .refuse_from_ns = 1000000 };
	struct timer *t = new_timer(&h);
	timer_set(t, 0, 2000000); // beyond what the host can schedule: never fires
	assert_int_equal(h.nev, 0);
	for (uint64_t tag = 0; tag < 4; tag++)
		assert_false(timer_current(t, 0, tag));
	// A bad VM id is ignored, and never current.
	timer_set(t, NVM, 10);
	assert_int_equal(h.nev, 0);
	assert_false(timer_current(t, NVM, 1));
	timer_fire(t, NVM, 1);
	assert_int_equal(h.irq[0] + h.irq[1] + h.irq[2], 0);
	timer_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_shot),
		cmocka_unit_test(test_replace_and_cancel),
		cmocka_unit_test(test_refused_and_bad_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
