// SPDX-License-Identifier: MIT
// Lab 4 test: condition variables. Two threads take turns 200 times (ping-pong on one
// mutex and two condition variables, checking the turn in a loop: Mesa semantics);
// then five threads wait on one condition and a broadcast releases all of them. A
// waiter must sleep until it is signalled: the test counts how often cond_wait
// returns, and a cond_wait that returns at once (busy waiting) returns thousands of
// times.
#include "kern.h"

static struct mutex m;
static struct cond ping_cv, pong_cv, go_cv;
static volatile int turn, pings, pongs, bad, go, released, waits;

static void ping(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		mutex_lock(&m);
		while (turn != 0) {
			cond_wait(&ping_cv, &m);
			waits++;
		}
		if (pings != pongs)
			bad++;
		pings++;
		turn = 1;
		cond_signal(&pong_cv);
		mutex_unlock(&m);
	}
}

static void pong(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		mutex_lock(&m);
		while (turn != 1) {
			cond_wait(&pong_cv, &m);
			waits++;
		}
		if (pongs + 1 != pings)
			bad++;
		pongs++;
		turn = 0;
		cond_signal(&ping_cv);
		mutex_unlock(&m);
	}
}

static void waiter(void *arg)
{
	(void)arg;
	mutex_lock(&m);
	while (!go) {
		cond_wait(&go_cv, &m);
		waits++;
	}
	released++;
	mutex_unlock(&m);
}

int main(void)
{
	thread_init();
	mutex_init(&m);
	cond_init(&ping_cv);
	cond_init(&pong_cv);
	cond_init(&go_cv);
	int a = thread_create(ping, NULL), b = thread_create(pong, NULL);
	thread_join(a);
	thread_join(b);
	printf("cond: %d pings, %d pongs, %d out of turn, cond_wait returned at most once a "
	       "round: %s\n", pings, pongs, bad, waits <= 400 ? "yes" : "no");
	waits = 0;
	int w[5];
	for (int i = 0; i < 5; i++)
		w[i] = thread_create(waiter, NULL);
	thread_sleep(1000000); // every waiter is waiting now
	mutex_lock(&m);
	go = 1;
	cond_broadcast(&go_cv);
	mutex_unlock(&m);
	for (int i = 0; i < 5; i++)
		thread_join(w[i]);
	printf("cond: broadcast released %d of 5 waiters, each woken once: %s\n", released,
	       waits == 5 ? "yes" : "no");
	return 0;
}
