// SPDX-License-Identifier: MIT
// A DELIBERATELY WRONG lab 4 solution, for the tests (tests/labs/labs_test.py): the
// reference kern/sync.c except that mutex_lock is a test-and-set made of a load and a
// store with interrupts enabled. A timer interrupt between the two lets a second
// thread take the lock too. Without --chaos the kernel regains control only at the end
// of a decoded block, and the load and the store are in one block, so the race never
// shows; under --chaos any instruction boundary can be a preemption point (as on real
// hardware), and lab4/mutex.c and lab4/bb.c catch two threads inside. Never exported
// to students.
#include "kern.h"

void mutex_init(struct mutex *m)
{
	m->locked = 0;
	m->owner = -1;
	waitq_init(&m->q);
}

void mutex_lock(struct mutex *m)
{
	for (;;) {
		int was = m->locked; // RACE: a test-and-set in two instructions, a load
		m->locked = 1;       // and a store; an interrupt between them lets two in
		if (!was)
			break;
		thread_yield();
	}
	m->owner = thread_self();
}

// mutex_unlock's work, with interrupts already off.
static void unlock(struct mutex *m)
{
	m->locked = 0;
	m->owner = -1;
	thread_wake_one(&m->q); // it retries the lock when it runs (Mesa)
}

void mutex_unlock(struct mutex *m)
{
	uint32_t s = intr_save();
	unlock(m);
	intr_restore(s);
}

void cond_init(struct cond *c)
{
	waitq_init(&c->q);
}

void cond_wait(struct cond *c, struct mutex *m)
{
	uint32_t s = intr_save();
	unlock(m);           // releasing and sleeping are one atomic step:
	thread_block(&c->q); // no signal can fall between them
	intr_restore(s);
	mutex_lock(m);
}

void cond_signal(struct cond *c)
{
	uint32_t s = intr_save();
	thread_wake_one(&c->q);
	intr_restore(s);
}

void cond_broadcast(struct cond *c)
{
	uint32_t s = intr_save();
	thread_wake_all(&c->q);
	intr_restore(s);
}

void sema_init(struct sema *s, int value)
{
	s->value = value;
	waitq_init(&s->q);
}

void sema_down(struct sema *s)
{
	uint32_t saved = intr_save();
	while (s->value == 0)
		thread_block(&s->q);
	s->value--;
	intr_restore(saved);
}

void sema_up(struct sema *s)
{
	uint32_t saved = intr_save();
	s->value++;
	thread_wake_one(&s->q);
	intr_restore(saved);
}
