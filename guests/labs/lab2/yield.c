// SPDX-License-Identifier: MIT
// Lab 2 test: thread_create, thread_yield, thread_join, thread_self. Three threads
// print three rounds each, yielding after every line: the run queue is FIFO, so the
// lines interleave round by round.
#include "kern.h"

static void worker(void *arg)
{
	const char *name = arg;
	for (int round = 1; round <= 3; round++) {
		printf("yield: %s round %d\n", name, round);
		thread_yield();
	}
}

int main(void)
{
	thread_init();
	int a = thread_create(worker, "a");
	int b = thread_create(worker, "b");
	int c = thread_create(worker, "c");
	printf("yield: main is thread %d, created %s\n", thread_self(),
	       a > 0 && b > a && c > b ? "three increasing ids" : "bad ids");
	thread_join(a);
	thread_join(b);
	thread_join(c);
	printf("yield: joined all, join of an exited thread returns %d, of a bad id %d\n",
	       thread_join(a), thread_join(12345));
	return 0;
}
