// SPDX-License-Identifier: MIT
// Software timers (<denali_sched.h>): one list sorted by deadline, FIFO among equal
// deadlines, so the firing order is deterministic. Arming is O(pending timers), fine
// for the tens to hundreds a guest keeps; the scheduler (sched.c) asks for the
// earliest deadline (its idle timeout) in O(1) and fires the due ones.
//
// `armed` holds the arming's sequence number (never 0 while pending). timer_run_due
// fires only timers armed before the pass began, so a callback that re-arms itself
// in the past runs again on the next pass instead of looping forever in this one.
#include <denali_sched.h>
#include <stddef.h>
#include <stdint.h>

#include "sched_internal.h"

static struct {
	struct denali_timer *head; // sorted by deadline_ns
	uint32_t seq;              // sequence number of the last arming
} tl;

static void unlink_timer(struct denali_timer *t)
{
	for (struct denali_timer **pp = &tl.head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->armed = 0;
}

void denali_timer_arm(struct denali_timer *t, uint64_t deadline_ns)
{
	if (t->armed)
		unlink_timer(t);
	t->deadline_ns = deadline_ns;
	if (++tl.seq == 0)
		tl.seq = 1;
	t->armed = (int)tl.seq;
	struct denali_timer **pp = &tl.head;
	while (*pp && (*pp)->deadline_ns <= deadline_ns)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
}

void denali_timer_cancel(struct denali_timer *t)
{
	if (t->armed)
		unlink_timer(t);
}

uint64_t denali_timer_next(void)
{
	return tl.head ? tl.head->deadline_ns : UINT64_MAX;
}

unsigned timer_run_due(void)
{
	if (tl.head == NULL) // no clock read: timer-free programs stay deterministic natively
		return 0;
	uint64_t now = denali_now_ns();
	uint32_t pass = tl.seq;
	unsigned fired = 0;
	while (tl.head && tl.head->deadline_ns <= now &&
	       (int32_t)((uint32_t)tl.head->armed - pass) <= 0) {
		struct denali_timer *t = tl.head;
		tl.head = t->next;
		t->next = NULL;
		t->armed = 0;
		fired++;
		t->fn(t);
	}
	return fired;
}
