// SPDX-License-Identifier: MIT
// Lab 2 test: thread_sleep. Five threads sleep 5, 1, 4, 2 and 3 ms; they must wake in
// order of their deadlines, none early, none more than 1 ms late.
#include "kern.h"

static const uint32_t ms[5] = { 5, 1, 4, 2, 3 };
static volatile int order[5], n;
static volatile int early, late;

static void sleeper(void *arg)
{
	int i = (int)arg;
	uint64_t t0 = now_ns();
	thread_sleep((uint64_t)ms[i] * 1000000);
	uint64_t dt = now_ns() - t0;
	if (dt < (uint64_t)ms[i] * 1000000)
		early++;
	if (dt > (uint64_t)(ms[i] + 1) * 1000000)
		late++;
	order[n++] = i;
}

int main(void)
{
	thread_init();
	int tid[5];
	for (int i = 0; i < 5; i++)
		tid[i] = thread_create(sleeper, (void *)i);
	for (int i = 0; i < 5; i++)
		thread_join(tid[i]);
	printf("sleep: woke in the order %d %d %d %d %d, %d early, %d late\n", order[0],
	       order[1], order[2], order[3], order[4], early, late);
	return 0;
}
