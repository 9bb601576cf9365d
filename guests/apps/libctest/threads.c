// SPDX-License-Identifier: MIT
// libctest: pthread threads, mutexes and condition variables, without the clock (the
// timed parts are in apps/threadtest): ping-pong under a mutex and condvar, FIFO run
// order, join with a value, 200 threads on 4 KiB stacks, detached threads, broadcast
// order, error returns, pthread_once, and that thread memory goes back to the heap.
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libctest.h"

#define ROUNDS 100

// Ping-pong: two threads take turns appending to `trace` under one mutex.
static struct {
	pthread_mutex_t m;
	pthread_cond_t turn_changed;
	int turn;        // 0 or 1: whose move it is
	char trace[2 * ROUNDS + 1];
	int len;
} pp = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, { 0 }, 0 };

static void *ping_pong(void *arg)
{
	int me = (int)(intptr_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&pp.m);
		while (pp.turn != me)
			pthread_cond_wait(&pp.turn_changed, &pp.m);
		pp.trace[pp.len++] = me ? 'o' : 'i';
		pp.turn = !me;
		pthread_cond_signal(&pp.turn_changed);
		pthread_mutex_unlock(&pp.m);
	}
	return (void *)(intptr_t)(me + 100);
}

static void test_ping_pong(void)
{
	pthread_t a, b;
	CHECK(pthread_create(&b, NULL, ping_pong, (void *)1) == 0);
	CHECK(pthread_create(&a, NULL, ping_pong, (void *)0) == 0);
	void *ra = NULL, *rb = NULL;
	CHECK(pthread_join(a, &ra) == 0 && pthread_join(b, &rb) == 0);
	CHECK(ra == (void *)100 && rb == (void *)101);
	int alternates = pp.len == 2 * ROUNDS;
	for (int i = 0; i < pp.len; i++)
		alternates &= pp.trace[i] == (i % 2 ? 'o' : 'i');
	CHECK(alternates);
}

// FIFO: threads run in creation order, and a yield goes to the back of the queue.
static char order[16];
static int order_len;

static void *record_twice(void *arg)
{
	order[order_len++] = (char)(intptr_t)arg;
	sched_yield();
	order[order_len++] = (char)(intptr_t)arg;
	return NULL;
}

static void test_fifo(void)
{
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, record_twice, (void *)(intptr_t)('a' + i));
	CHECK(order_len == 0); // creating does not run them
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	order[order_len] = '\0';
	CHECK(strcmp(order, "abcabc") == 0);
}

// Many threads on small stacks, each touching its stack and a shared sum.
#define MANY 200
static pthread_mutex_t sum_lock = PTHREAD_MUTEX_INITIALIZER;
static long sum;
static int peak_running, running;

static void *add_index(void *arg)
{
	volatile char pad[1024]; // use a quarter of the 4 KiB stack
	for (unsigned i = 0; i < sizeof pad; i++)
		pad[i] = (char)i;
	pthread_mutex_lock(&sum_lock);
	running++;
	if (running > peak_running)
		peak_running = running;
	pthread_mutex_unlock(&sum_lock);
	sched_yield(); // so that all of them are alive at once
	pthread_mutex_lock(&sum_lock);
	sum += (long)(intptr_t)arg + pad[100];
	running--;
	pthread_mutex_unlock(&sum_lock);
	return arg;
}

static void test_many(void)
{
	void *probe = malloc(64); // where the heap's free space starts now
	free(probe);
	static pthread_t t[MANY];
	pthread_attr_t attr;
	CHECK(pthread_attr_init(&attr) == 0);
	size_t sz = 0;
	CHECK(pthread_attr_getstacksize(&attr, &sz) == 0 && sz == PTHREAD_STACK_DEFAULT);
	CHECK(pthread_attr_setstacksize(&attr, 100) == EINVAL);
	CHECK(pthread_attr_setstacksize(&attr, 4096) == 0);
	int created = 0;
	for (int i = 0; i < MANY; i++)
		created += pthread_create(&t[i], &attr, add_index, (void *)(intptr_t)i) == 0;
	pthread_attr_destroy(&attr);
	CHECK(created == MANY);
	int distinct = 1, values = 1;
	for (int i = 0; i < MANY; i++) {
		for (int k = i + 1; k < MANY && k < i + 4; k++)
			distinct &= t[i] != t[k];
		void *r;
		values &= pthread_join(t[i], &r) == 0 && r == (void *)(intptr_t)i;
	}
	CHECK(distinct && values);
	CHECK(sum == MANY * (MANY - 1) / 2 + MANY * 100);
	CHECK(peak_running == MANY);
	void *again = malloc(64); // every thread's memory went back: same first fit
	CHECK(again == probe);
	free(again);
}

// Detached threads free themselves; joining one is an error.
static int detached_ran;

static void *detached_body(void *arg)
{
	(void)arg;
	detached_ran++;
	return NULL;
}

static void test_detached(void)
{
	void *probe = malloc(64);
	free(probe);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	CHECK(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0);
	CHECK(pthread_attr_setdetachstate(&attr, 7) == EINVAL);
	pthread_t t1, t2;
	CHECK(pthread_create(&t1, &attr, detached_body, NULL) == 0);
	CHECK(pthread_join(t1, NULL) == EINVAL);
	CHECK(pthread_create(&t2, NULL, detached_body, NULL) == 0);
	CHECK(pthread_detach(t2) == 0 && pthread_detach(t2) == EINVAL);
	while (detached_ran < 2)
		sched_yield();
	sched_yield(); // the last one is freed once the scheduler is off its stack
	void *again = malloc(64);
	CHECK(again == probe);
	free(again);
}

// Broadcast wakes every waiter, in the order they started waiting.
static pthread_mutex_t bc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bc_cond = PTHREAD_COND_INITIALIZER;
static int bc_go, bc_waiting;
static char bc_order[8];
static int bc_len;

static void *bc_waiter(void *arg)
{
	pthread_mutex_lock(&bc_lock);
	bc_waiting++;
	while (!bc_go)
		pthread_cond_wait(&bc_cond, &bc_lock);
	bc_order[bc_len++] = (char)(intptr_t)arg;
	pthread_mutex_unlock(&bc_lock);
	return NULL;
}

static void test_broadcast(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, bc_waiter, (void *)(intptr_t)('1' + i));
	while (bc_waiting < 4)
		sched_yield();
	pthread_mutex_lock(&bc_lock);
	bc_go = 1;
	CHECK(pthread_cond_destroy(&bc_cond) == EBUSY);
	pthread_cond_broadcast(&bc_cond);
	pthread_mutex_unlock(&bc_lock);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	bc_order[bc_len] = '\0';
	CHECK(strcmp(bc_order, "1234") == 0);
	CHECK(pthread_cond_destroy(&bc_cond) == 0);
}

// Error returns and the mutex's hand-off.
static pthread_mutex_t em = PTHREAD_MUTEX_INITIALIZER;
static int em_result = -1;

static void *unlock_foreign(void *arg)
{
	(void)arg;
	em_result = pthread_mutex_unlock(&em); // held by main: EPERM
	return NULL;
}

static void *lock_then_record(void *arg)
{
	pthread_mutex_lock(&em);
	*(pthread_t *)arg = pthread_self();
	pthread_mutex_unlock(&em);
	return NULL;
}

static int once_count;
static void once_body(void)
{
	once_count++;
}

static void test_errors(void)
{
	CHECK(pthread_join(pthread_self(), NULL) == EDEADLK);
	CHECK(pthread_equal(pthread_self(), pthread_self()));
	CHECK(pthread_mutex_lock(&em) == 0);
	CHECK(pthread_mutex_lock(&em) == EDEADLK && pthread_mutex_trylock(&em) == EBUSY);
	CHECK(pthread_mutex_destroy(&em) == EBUSY);
	pthread_t t, owner = NULL;
	pthread_create(&t, NULL, unlock_foreign, NULL);
	pthread_join(t, NULL);
	CHECK(em_result == EPERM);
	// A waiter gets the mutex handed over at unlock, before a relock by the unlocker.
	pthread_create(&t, NULL, lock_then_record, &owner);
	sched_yield(); // it blocks on em
	CHECK(pthread_mutex_unlock(&em) == 0);
	CHECK(pthread_mutex_trylock(&em) == EBUSY); // handed to the waiter
	pthread_join(t, NULL);
	CHECK(owner == t);
	CHECK(pthread_mutex_unlock(&em) == EPERM); // nobody holds it now
	CHECK(pthread_mutex_trylock(&em) == 0 && pthread_mutex_unlock(&em) == 0);
	pthread_mutex_t m2;
	pthread_cond_t c2;
	CHECK(pthread_mutex_init(&m2, NULL) == 0 && pthread_mutex_destroy(&m2) == 0);
	CHECK(pthread_cond_init(&c2, NULL) == 0 && pthread_cond_destroy(&c2) == 0);
	CHECK(pthread_cond_wait(&c2, &m2) == EPERM); // mutex not held
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, once_body);
	pthread_once(&once, once_body);
	CHECK(once_count == 1);
}

void test_threads(void)
{
	test_ping_pong();
	test_fifo();
	test_many();
	test_detached();
	test_broadcast();
	test_errors();
}
