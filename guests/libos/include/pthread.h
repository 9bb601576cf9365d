// SPDX-License-Identifier: MIT
// The libos pthread.h: cooperative threads (thread.c), mutexes and condition variables
// (sync.c). The subset every POSIX system has, with POSIX behaviour, except:
//   - Threads never preempt each other. A thread runs until it blocks (mutex, condition
//     variable, join, sleep, a blocking socket or disk call), calls sched_yield, or
//     exits. A thread that computes forever without blocking starves the others (but
//     not other VMs: the Denali kernel still preempts the VM).
//   - There is one CPU, so no memory barriers or atomics are needed between threads.
//   - Mutexes are non-recursive and fair (FIFO hand-off); unlocking a mutex that the
//     caller does not own returns EPERM. Attributes are accepted and ignored.
//   - Returning from main() ends the VM (exit), whatever other threads are doing;
//     pthread_exit() in main lets the others run, and the VM exits 0 after the last.
//   - pthread_cond_timedwait takes an absolute CLOCK_REALTIME time (<time.h>: the
//     simulated time since boot, the same as CLOCK_MONOTONIC) and returns ETIMEDOUT.
// Functions return 0 or an errno value, as in POSIX; they never set errno.
#ifndef DENALI_LIBOS_PTHREAD_H
#define DENALI_LIBOS_PTHREAD_H

#include <sched.h>
#include <stddef.h>
#include <time.h>

typedef struct denali_thread *pthread_t;

// A FIFO of blocked threads (thread.c); the fields are private.
struct denali_waitq {
	struct denali_thread *head, *tail;
};

#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1
#define PTHREAD_STACK_MIN 2048
#define PTHREAD_STACK_DEFAULT (16 * 1024) // libos: the default stack size

typedef struct {
	size_t stacksize;
	int detachstate;
} pthread_attr_t;

typedef struct {
	int locked;                      // private
	struct denali_thread *owner;     // private
	struct denali_waitq waiters;     // private
} pthread_mutex_t;
#define PTHREAD_MUTEX_INITIALIZER { 0, 0, { 0, 0 } }

typedef struct {
	struct denali_waitq waiters;     // private
} pthread_cond_t;
#define PTHREAD_COND_INITIALIZER { { 0, 0 } }

typedef struct {
	int unused;
} pthread_mutexattr_t;
typedef struct {
	int unused;
} pthread_condattr_t;

typedef int pthread_once_t;
#define PTHREAD_ONCE_INIT 0

int pthread_attr_init(pthread_attr_t *attr);
int pthread_attr_destroy(pthread_attr_t *attr);
// EINVAL below PTHREAD_STACK_MIN.
int pthread_attr_setstacksize(pthread_attr_t *attr, size_t stacksize);
int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *stacksize);
int pthread_attr_setdetachstate(pthread_attr_t *attr, int state);
int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state);

// The new thread goes to the end of the run queue; the caller keeps running.
// EAGAIN when its stack cannot be allocated.
int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
	void *(*start)(void *), void *arg);
// EDEADLK (joining oneself), EINVAL (detached or already joined), ESRCH (NULL).
int pthread_join(pthread_t thread, void **retval);
int pthread_detach(pthread_t thread);
__attribute__((noreturn)) void pthread_exit(void *retval);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);
int pthread_once(pthread_once_t *once, void (*fn)(void));

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
int pthread_mutex_destroy(pthread_mutex_t *m);  // EBUSY while locked
int pthread_mutex_lock(pthread_mutex_t *m);     // EDEADLK if the caller holds it
int pthread_mutex_trylock(pthread_mutex_t *m);  // EBUSY if locked
int pthread_mutex_unlock(pthread_mutex_t *m);   // EPERM if the caller does not hold it
int pthread_mutexattr_init(pthread_mutexattr_t *attr);
int pthread_mutexattr_destroy(pthread_mutexattr_t *attr);

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
int pthread_cond_destroy(pthread_cond_t *c);    // EBUSY while threads wait
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
	const struct timespec *abstime);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);
int pthread_condattr_init(pthread_condattr_t *attr);
int pthread_condattr_destroy(pthread_condattr_t *attr);

#endif
