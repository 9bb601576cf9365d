// SPDX-License-Identifier: MIT
// Lab 2 test: preemption. Three threads compute for 20 ms of simulated time without
// ever yielding; main sleeps 30 ms. With a preemptive round-robin scheduler every
// thread gets about a third of the CPU: each runs, none gets less than half of
// another's share, and the quantum timer preempted them many times.
#include "kern.h"

#define N 3
static volatile uint32_t counts[N];
static uint64_t start;

static void spin(void *arg)
{
	uint32_t i = (uint32_t)arg;
	while (now_ns() < start + 20000000)
		counts[i]++;
}

int main(void)
{
	thread_init();
	start = now_ns();
	for (uint32_t i = 0; i < N; i++)
		thread_create(spin, (void *)i);
	thread_sleep(30000000);
	uint32_t lo = counts[0], hi = counts[0];
	for (int i = 1; i < N; i++) {
		lo = counts[i] < lo ? counts[i] : lo;
		hi = counts[i] > hi ? counts[i] : hi;
	}
	printf("preempt: every thread ran: %s\n", lo > 0 ? "yes" : "no");
	printf("preempt: fair (least >= half of most): %s\n", 2 * (uint64_t)lo >= hi ? "yes" : "no");
	printf("preempt: at least 50 preemptions: %s\n",
	       thread_stats.preemptions >= 50 ? "yes" : "no");
	return 0;
}
