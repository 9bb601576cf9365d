// SPDX-License-Identifier: MIT
// Lab 3 test: the idle policy at scale (the paper's Figure 5). Run with
// `denali run --vms N --args timeout|spin`. Every VM keeps one thread asleep for 10 s
// (a retransmission timer that never fires in time), so under IDLE_SPIN its idle
// thread may never idle. VM 0 computes for about 20 ms of CPU time, then reports when
// it finished (result lab3.busy_finish_us) and ends; every other VM runs 10 rounds of
// a short computation and a 20 ms sleep, then ends. With idle-with-timeout the
// sleeping VMs leave the CPU and VM 0 barely notices them; spinning, they take their
// share of it and VM 0 finishes much later. VM 0 sleeps 1 ms first, so every VM has
// had its idle thread run; each reports whether it idled (result lab3.vms_idled) or
// spun (lab3.vms_spun).
#include "kern.h"

static volatile uint32_t sink;

static void compute(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		sink = sink * 1103515245u + 12345u + i;
}

// Counts this VM in lab3.vms_idled / lab3.vms_spun (the results add over VMs).
static void report(void)
{
	stat_add("lab3.vms_idled", thread_stats.idles > 0);
	stat_add("lab3.vms_spun", thread_stats.idle_spins > 0);
}

static void timer_thread(void *arg)
{
	(void)arg;
	thread_sleep(10000000000ull);
}

int main(void)
{
	char policy[16] = "";
	cmdline_word(0, policy, sizeof policy);
	if (!strcmp(policy, "spin"))
		idle_policy = IDLE_SPIN;
	else if (strcmp(policy, "timeout")) {
		printf("scale: usage: --args timeout|spin\n");
		return 2;
	}
	thread_init();
	thread_create(timer_thread, NULL);
	if (VREGS->vm_id == 0) {
		thread_sleep(1000000);
		compute(1500000);
		uint64_t us = (now_ns() - VREGS->boot_time_ns) / 1000;
		stat_sample("lab3.busy_finish_us", us);
		printf("scale: busy VM finished at %u us\n", (unsigned)us);
		report();
		return 0;
	}
	for (int round = 0; round < 10; round++) {
		compute(2000);
		thread_sleep(20000000);
	}
	report();
	return 0;
}
