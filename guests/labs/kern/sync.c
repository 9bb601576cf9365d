// SPDX-License-Identifier: MIT
// LAB 4: mutexes, condition variables and semaphores (include/kern.h) on the wait
// queues of lab 2. One CPU: a section of code is atomic exactly when interrupts are off
// around it (intr_save/intr_restore), because only the timer interrupt can switch
// threads behind your back. thread_block must be called with interrupts off and
// returns with them still off.
#include "kern.h"

void mutex_init(struct mutex *m)
{
	m->locked = 0;
	m->owner = -1;
	waitq_init(&m->q);
}

void mutex_lock(struct mutex *m)
{
//@ SOLUTION
	uint32_t s = intr_save();
	while (m->locked)
		thread_block(&m->q);
	m->locked = 1;
	m->owner = thread_self();
	intr_restore(s);
//@ SKELETON
//@ 	// LAB 4: your code here.
//@ 	(void)m;
//@ END
}

//@ SOLUTION
// mutex_unlock's work, with interrupts already off.
static void unlock(struct mutex *m)
{
	m->locked = 0;
	m->owner = -1;
	thread_wake_one(&m->q); // it retries the lock when it runs (Mesa)
}
//@ END

void mutex_unlock(struct mutex *m)
{
//@ SOLUTION
	uint32_t s = intr_save();
	unlock(m);
	intr_restore(s);
//@ SKELETON
//@ 	// LAB 4: your code here.
//@ 	(void)m;
//@ END
}

void cond_init(struct cond *c)
{
	waitq_init(&c->q);
}

void cond_wait(struct cond *c, struct mutex *m)
{
//@ SOLUTION
	uint32_t s = intr_save();
	unlock(m);           // releasing and sleeping are one atomic step:
	thread_block(&c->q); // no signal can fall between them
	intr_restore(s);
	mutex_lock(m);
//@ SKELETON
//@ 	// LAB 4: your code here.
//@ 	(void)c;
//@ 	(void)m;
//@ END
}

void cond_signal(struct cond *c)
{
//@ SOLUTION
	uint32_t s = intr_save();
	thread_wake_one(&c->q);
	intr_restore(s);
//@ SKELETON
//@ 	// LAB 4: your code here.
//@ 	(void)c;
//@ END
}

void cond_broadcast(struct cond *c)
{
//@ SOLUTION
	uint32_t s = intr_save();
	thread_wake_all(&c->q);
	intr_restore(s);
//@ SKELETON
//@ 	// LAB 4: your code here.
//@ 	(void)c;
//@ END
}

void sema_init(struct sema *s, int value)
{
	s->value = value;
	waitq_init(&s->q);
}

void sema_down(struct sema *s)
{
//@ SOLUTION
	uint32_t saved = intr_save();
	while (s->value == 0)
		thread_block(&s->q);
	s->value--;
	intr_restore(saved);
//@ SKELETON
//@ 	// LAB 4: your code here.
//@ 	(void)s;
//@ END
}

void sema_up(struct sema *s)
{
//@ SOLUTION
	uint32_t saved = intr_save();
	s->value++;
	thread_wake_one(&s->q);
	intr_restore(saved);
//@ SKELETON
//@ 	// LAB 4: your code here.
//@ 	(void)s;
//@ END
}
