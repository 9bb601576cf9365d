// SPDX-License-Identifier: MIT
// Lab 2 test: the idle thread. Two threads sleep 10 ms five times each while nothing
// else runs: the VM must spend that time in denali.idle, not computing (the grader
// bounds the instructions the VM executes), and finish after about 50 ms.
#include "kern.h"

static void napper(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++)
		thread_sleep(10000000);
}

int main(void)
{
	thread_init();
	uint64_t t0 = now_ns();
	int a = thread_create(napper, NULL), b = thread_create(napper, NULL);
	thread_join(a);
	thread_join(b);
	uint64_t ms = (now_ns() - t0) / 1000000;
	printf("idle: 10 sleeps done in %s, the idle thread idled: %s\n",
	       ms >= 50 && ms <= 52 ? "50-52 ms" : "the wrong time",
	       thread_stats.idles > 0 ? "yes" : "no");
	return 0;
}
