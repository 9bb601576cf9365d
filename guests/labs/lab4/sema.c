// SPDX-License-Identifier: MIT
// Lab 4 test: semaphores. A semaphore of 2 guards a resource that six threads use ten
// times each, holding it for 1 ms of sleep: never more than two at once, and two at
// once sometimes (the semaphore lets two in).
#include "kern.h"

static struct sema s;
static volatile int using, most, uses;

static void user(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10; i++) {
		sema_down(&s);
		uint32_t saved = intr_save(); // the bookkeeping itself must not race
		using++;
		if (using > most)
			most = using;
		intr_restore(saved);
		thread_sleep(1000000);
		saved = intr_save();
		using--;
		uses++;
		intr_restore(saved);
		sema_up(&s);
	}
}

int main(void)
{
	thread_init();
	sema_init(&s, 2);
	int tid[6];
	for (int i = 0; i < 6; i++)
		tid[i] = thread_create(user, NULL);
	for (int i = 0; i < 6; i++)
		thread_join(tid[i]);
	printf("sema: %d uses, at most %d at once\n", uses, most);
	return 0;
}
