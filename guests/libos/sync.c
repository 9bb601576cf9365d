// SPDX-License-Identifier: MIT
// Mutexes and condition variables on the scheduler's wait queues (sched.c). With one
// CPU and no preemption, a test-and-set needs no atomic instruction: nothing runs
// between the test and the set unless this thread blocks.
//
// Mutex: FIFO hand-off. Unlock gives the mutex directly to the first waiter (it stays
// locked, owner = that thread) and makes it runnable, so a thread that unlocks and
// relocks in a loop cannot starve the waiters.
// Condition variable: a FIFO of waiters. timedwait arms a software timer (timer.c)
// whose callback takes the thread off the queue and wakes it with timed_out set.
#include <denali_sched.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "sched_internal.h"

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
	attr->unused = 0;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	(void)attr;
	*m = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	return m->locked ? EBUSY : 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	struct denali_thread *self = sched_self();
	if (!m->locked) {
		m->locked = 1;
		m->owner = self;
		return 0;
	}
	if (m->owner == self)
		return EDEADLK;
	sched_wait(&m->waiters); // pthread_mutex_unlock hands it over, then wakes us
	return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	if (m->locked)
		return EBUSY;
	m->locked = 1;
	m->owner = sched_self();
	return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (!m->locked || m->owner != sched_self())
		return EPERM;
	struct denali_thread *next = waitq_pop(&m->waiters);
	if (next) {
		m->owner = next;
		sched_wake(next);
	} else {
		m->locked = 0;
		m->owner = NULL;
	}
	return 0;
}

int pthread_condattr_init(pthread_condattr_t *attr)
{
	attr->unused = 0;
	return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
	(void)attr;
	*c = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	return c->waiters.head ? EBUSY : 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	if (!m->locked || m->owner != sched_self())
		return EPERM;
	struct denali_thread *self = sched_self();
	waitq_push(&c->waiters, self);
	pthread_mutex_unlock(m); // may make the next owner runnable; we are queued already
	sched_block();
	pthread_mutex_lock(m);
	return 0;
}

// Timer callback of a timedwait: if the thread still waits, it timed out.
static void timedwait_expired(struct denali_timer *tm)
{
	struct denali_thread *t = tm->arg;
	if (t->waitq && waitq_remove(t->waitq, t)) {
		t->timed_out = 1;
		sched_wake(t);
	}
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
	const struct timespec *abstime)
{
	if (abstime == NULL || abstime->tv_sec < 0 || abstime->tv_nsec < 0 ||
	    abstime->tv_nsec >= 1000000000L)
		return EINVAL;
	if (!m->locked || m->owner != sched_self())
		return EPERM;
	uint64_t deadline = (uint64_t)abstime->tv_sec >= UINT64_MAX / 1000000000u
		? UINT64_MAX - 1
		: (uint64_t)abstime->tv_sec * 1000000000u + (uint64_t)abstime->tv_nsec;
	struct denali_thread *self = sched_self();
	struct denali_timer tm = { .fn = timedwait_expired, .arg = self };
	self->timed_out = 0;
	waitq_push(&c->waiters, self);
	denali_timer_arm(&tm, deadline); // already past: fires on the next scheduler pass
	pthread_mutex_unlock(m);
	sched_block();
	denali_timer_cancel(&tm); // woken by a signal first: the timer must not outlive tm
	pthread_mutex_lock(m);
	return self->timed_out ? ETIMEDOUT : 0;
}

int pthread_cond_signal(pthread_cond_t *c)
{
	struct denali_thread *t = waitq_pop(&c->waiters);
	if (t)
		sched_wake(t);
	return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	struct denali_thread *t;
	while ((t = waitq_pop(&c->waiters)) != NULL)
		sched_wake(t);
	return 0;
}
