// SPDX-License-Identifier: MIT
// Lab 2 test: thread_exit and the thread table. 100 short threads in rounds of 25
// (slots are reused), joined; then threads that sleep until the table is full
// (THREAD_MAX alive, the idle thread included: 62 more than main); then main exits
// with thread_exit, and the VM must terminate with exit code 0 when the last thread
// has exited.
#include "kern.h"

static volatile uint32_t sum;

static void add(void *arg)
{
	sum += (uint32_t)arg;
}

static void nap(void *arg)
{
	(void)arg;
	thread_sleep(1000000);
}

int main(void)
{
	thread_init();
	for (uint32_t round = 0; round < 4; round++) {
		int tid[25];
		for (uint32_t i = 0; i < 25; i++)
			tid[i] = thread_create(add, (void *)(round * 25 + i + 1));
		for (int i = 0; i < 25; i++)
			thread_join(tid[i]);
	}
	printf("exit: 100 threads, sum %u\n", (unsigned)sum);
	int made = 0;
	while (made < 100 && thread_create(nap, NULL) > 0)
		made++;
	printf("exit: %d created before the table was full\n", made);
	thread_exit();
}
