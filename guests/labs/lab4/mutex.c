// SPDX-License-Identifier: MIT
// Lab 4 test: mutual exclusion under preemption. For 40 ms of simulated time four
// threads increment a shared counter inside mutex_lock/mutex_unlock with a
// read-modify-write (read, add, write back), while the timer preempts them anywhere.
// The counter must equal the sum of the increments the threads counted privately, and
// no two threads may ever be inside at once.
#include "kern.h"

#define THREADS 4

static struct mutex m;
static volatile uint32_t counter, inside, overlaps;
static uint32_t mine[THREADS];
static uint64_t end;

static void worker(void *arg)
{
	uint32_t id = (uint32_t)arg, n = 0;
	while (now_ns() < end) {
		mutex_lock(&m);
		if (++inside != 1)
			overlaps++;
		uint32_t v = counter;
		for (volatile int k = 0; k < 20; k++) // a long read-modify-write
			;
		counter = v + 1;
		inside--;
		mutex_unlock(&m);
		n++;
	}
	mine[id] = n;
}

int main(void)
{
	thread_init();
	mutex_init(&m);
	end = now_ns() + 40000000;
	int tid[THREADS];
	for (uint32_t i = 0; i < THREADS; i++)
		tid[i] = thread_create(worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		thread_join(tid[i]);
	uint32_t sum = 0, least = mine[0];
	for (int i = 0; i < THREADS; i++) {
		sum += mine[i];
		least = mine[i] < least ? mine[i] : least;
	}
	printf("mutex: counter %s the threads' increments, every thread got in: %s, %u "
	       "overlaps\n", counter == sum ? "equals" : "differs from",
	       least > 0 ? "yes" : "no", (unsigned)overlaps);
	return 0;
}
