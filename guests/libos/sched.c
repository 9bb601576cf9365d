// SPDX-License-Identifier: MIT
// The libos scheduler: the run queue, the scheduler loop, interrupt callbacks and the
// idle policy of <denali_sched.h> (the paper's section 3.6 Ilwaco threads). Thread
// creation and the pthread API are in thread.c, locks in sync.c, timers in timer.c.
//
// The loop (schedule): run the callbacks of the interrupt lines delivered since last
// time, then the due software timers, then switch to the first runnable thread. With
// none runnable: idle-with-timeout until the earliest software timer (or forever), or,
// with denali_idle_timeout = 0 and a timer pending, spin and try again.
//
// Interrupts never switch threads. The upcall (irq_upcall, through intr.S) only ORs
// the delivered lines into irq_lines; callbacks run later, in scheduler context. Around
// an idle the scheduler disables interrupts, so a line raised just before the idle
// stays pending and makes the idle return at once (docs/isa.md 7.1) instead of being
// delivered in between and sleeping on it; after the idle it collects the pending
// lines itself, atomically, from int_pending (8.4), which costs no upcall.
#include <denali.h>
#include <denali_intr.h>
#include <denali_sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_internal.h"

#ifndef DENALI_IDLE_NO_TIMEOUT
#define DENALI_IDLE_NO_TIMEOUT 0
#endif
int denali_idle_timeout = !DENALI_IDLE_NO_TIMEOUT;

int sched_live_threads = 1;

// All scheduler state, one per VM. Modified only by the running thread outside the
// upcall, except irq_lines and stats.irq_upcalls (the upcall ORs and counts).
static struct {
	struct denali_thread main_thread;  // the thread main() runs on
	struct denali_thread *current;     // NULL until first use: main_thread
	struct denali_waitq runq;
	struct denali_thread *reap;        // exited detached thread to free after a switch
	int in_loop;                       // running callbacks or timers
	volatile uint32_t irq_lines;       // lines delivered, callbacks not yet run
	void (*irq_fn[DENALI_IRQ_LINES])(void *arg);
	void *irq_arg[DENALI_IRQ_LINES];
	int irq_installed;                 // irq_upcall is the interrupt handler
	struct denali_sched_stats stats;
} s = { .main_thread = { .state = THREAD_RUNNABLE, .id = 1 } };

// Uses nothing but the stack and two PIOs: after a stack overflow the heap and .bss
// (the console buffer, the atexit list) may be garbage, so no printf and no exit().
void libos_panic(const char *msg)
{
	denali_console_write("libos: ", 7);
	denali_console_write(msg, strlen(msg));
	denali_console_write("\n", 1);
	denali_terminate(134);
}

struct denali_thread *sched_self(void)
{
	if (s.current == NULL)
		s.current = &s.main_thread;
	return s.current;
}

void waitq_push(struct denali_waitq *q, struct denali_thread *t)
{
	t->next = NULL;
	t->waitq = q;
	t->state = THREAD_BLOCKED;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

struct denali_thread *waitq_pop(struct denali_waitq *q)
{
	struct denali_thread *t = q->head;
	if (t == NULL)
		return NULL;
	q->head = t->next;
	if (q->head == NULL)
		q->tail = NULL;
	t->next = NULL;
	t->waitq = NULL;
	return t;
}

int waitq_remove(struct denali_waitq *q, struct denali_thread *t)
{
	struct denali_thread *prev = NULL;
	for (struct denali_thread *p = q->head; p; prev = p, p = p->next) {
		if (p != t)
			continue;
		if (prev)
			prev->next = p->next;
		else
			q->head = p->next;
		if (q->tail == p)
			q->tail = prev;
		p->next = NULL;
		p->waitq = NULL;
		return 1;
	}
	return 0;
}

void sched_wake(struct denali_thread *t)
{
	waitq_push(&s.runq, t);
	t->waitq = NULL;
	t->state = THREAD_RUNNABLE;
}

void sched_add_thread(struct denali_thread *t)
{
	sched_self(); // the main thread's record exists before any other
	sched_live_threads++;
	sched_wake(t);
}

// The interrupt handler (called by intr.S with interrupts disabled).
static void irq_upcall(uint32_t mask)
{
	s.irq_lines |= mask;
	s.stats.irq_upcalls++;
}

void denali_irq_register(unsigned line, void (*fn)(void *arg), void *arg)
{
	if (line >= DENALI_IRQ_LINES)
		return; // no such line: nothing could ever call it
	s.irq_fn[line] = fn;
	s.irq_arg[line] = arg;
	if (!s.irq_installed) {
		s.irq_installed = 1;
		denali_intr_init(irq_upcall);
	}
}

// Runs the callbacks of the delivered lines (lowest line first), then the due timers.
static void run_callbacks_and_timers(void)
{
	s.in_loop = 1;
	// One XCHG: an upcall between reading and clearing would otherwise be lost.
	uint32_t lines = __atomic_exchange_n(&s.irq_lines, 0, __ATOMIC_SEQ_CST);
	for (unsigned line = 0; lines != 0; line++, lines >>= 1) {
		if ((lines & 1) && s.irq_fn[line])
			s.irq_fn[line](s.irq_arg[line]);
	}
	s.stats.timers_fired += timer_run_due();
	s.in_loop = 0;
}

void denali_sched_poll(void)
{
	if (!s.in_loop) // a callback calling poll would recurse into itself
		run_callbacks_and_timers();
}

// No thread can run: sleep until the earliest timer or an interrupt, or spin.
static void idle_once(void)
{
	volatile struct denali_vregs *v = denali_vregs();
	uint64_t deadline = denali_timer_next();
	if (deadline == UINT64_MAX && denali_irq_handler == NULL)
		libos_panic("deadlock: every thread is blocked and no timer or interrupt can "
			"wake one");
	if (!denali_idle_timeout && deadline != UINT64_MAX) {
		s.stats.idle_spins++; // the paper's "no timeout" variant: poll the clock
		return;
	}
	v->int_enable = 0;
	if (s.irq_lines == 0) {
		uint64_t now = denali_now_ns();
		if (deadline == UINT64_MAX || deadline > now) {
			s.stats.idles++;
			denali_idle(deadline == UINT64_MAX ? DENALI_IDLE_FOREVER : deadline - now);
		}
	}
	if (denali_irq_handler == irq_upcall) {
		// Collect what woke us; one XCHG so a line shown by a VM entry between a
		// read and a clear is not acknowledged unseen.
		s.irq_lines |= __atomic_exchange_n(&v->int_pending, 0, __ATOMIC_SEQ_CST);
		v->int_enable = denali_intr_wanted;
	} else {
		// Someone else's handler (denali_intr_init), or none: enable and let an
		// idle with a zero timeout deliver the lines now (docs/isa.md 7.1).
		v->int_enable = denali_intr_wanted;
		if (denali_intr_wanted && v->int_pending)
			denali_idle(0);
	}
}

static void after_switch(void)
{
	if (s.reap) {
		thread_release_block(s.reap);
		s.reap = NULL;
	}
}

// Picks the next thread and switches to it. The caller has already put itself where
// it belongs: the run queue (yield), a wait queue or a timer (block), or nowhere (exit).
static void schedule(void)
{
	struct denali_thread *self = sched_self();
	if (s.in_loop)
		libos_panic("a timer or interrupt callback tried to block");
	// First, before the loop uses what an overflow damaged (the heap block below
	// the stack, or .bss when the thread's block is the heap's first).
	if (self->canary && *self->canary != THREAD_CANARY)
		libos_panic("thread stack overflow (pthread_attr_setstacksize)");
	struct denali_thread *next;
	for (;;) {
		run_callbacks_and_timers();
		next = waitq_pop(&s.runq);
		if (next)
			break;
		idle_once();
	}
	if (next == self)
		return;
	s.current = next;
	s.stats.switches++;
	denali_ctx_switch(&self->esp, next->esp);
	after_switch(); // running as self again
}

void sched_block(void)
{
	schedule();
}

void sched_wait(struct denali_waitq *q)
{
	waitq_push(q, sched_self());
	schedule();
}

int sched_yield(void)
{
	sched_wake(sched_self());
	schedule();
	return 0;
}

void sched_exit_current(void)
{
	struct denali_thread *self = sched_self();
	self->state = THREAD_EXITED;
	if (--sched_live_threads == 0)
		exit(0); // the last thread: POSIX ends the process with status 0
	if (self->joiner) {
		sched_wake(self->joiner);
		self->joiner = NULL;
	}
	if (self->detached && self->canary)
		s.reap = self; // its memory goes once we are off its stack
	schedule();
	libos_panic("an exited thread was scheduled");
}

// A new thread's first instructions (thread.c builds its stack to return here).
void sched_thread_start(void)
{
	after_switch();
	struct denali_thread *self = sched_self();
	pthread_exit(self->start(self->arg));
}

void denali_sched_stats(struct denali_sched_stats *out)
{
	*out = s.stats;
}
