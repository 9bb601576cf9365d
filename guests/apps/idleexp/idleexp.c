// SPDX-License-Identifier: MIT
// idleexp: the libos side of the paper's Figure 5 (idle-with-timeout vs "no timeout").
// Each VM holds one pending software timer far in the future (standing in for a TCP
// retransmission timer) and runs 20 rounds of: compute WORK loop iterations (about 9
// instructions each), then sleep SLEEP_US (waiting for a reply). With the default
// policy a sleeping VM idles with the timeout of its earliest timer and leaves the CPU
// to the others; with "spin" (denali_idle_timeout = 0) it may not idle while the timer
// is pending and spins out its quanta. Compare the run's simulated time for N VMs:
//   denali run --image idleexp-gcc-O2.elf --vms N --args "idle|spin [WORK [SLEEP_US [busy0]]]"
// (defaults: idle 20000 2000). With "busy0", VM 0 is a compute-bound neighbour: 50 x
// WORK per round and no sleeps; its finish time shows what the spinning VMs cost it.
// Prints "idleexp: vm V done at T us, I idles, S spins"; reports the finish time as
// the result idleexp.finish_us (idleexp.busy_finish_us for the busy VM 0).
#include <denali.h>
#include <denali_sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <stdlib.h>

#define ROUNDS 20

static void never(struct denali_timer *t)
{
	(void)t;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "spin") == 0)
		denali_idle_timeout = 0;
	uint32_t work = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 20000;
	unsigned sleep_us = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 2000;
	int busy = argc > 4 && strcmp(argv[4], "busy0") == 0 && denali_vm_id() == 0;
	if (busy) {
		work *= 50;
		sleep_us = 0;
	}
	struct denali_timer rexmit = { .fn = never };
	denali_timer_arm(&rexmit, denali_now_ns() + 10ull * 1000000000u);
	volatile uint32_t acc = 0;
	for (int r = 0; r < ROUNDS; r++) {
		for (uint32_t i = 0; i < work; i++)
			acc += i ^ (acc >> 3);
		if (sleep_us)
			usleep(sleep_us);
	}
	uint64_t done_us = denali_now_ns() / 1000u;
	struct denali_sched_stats st;
	denali_sched_stats(&st);
	printf("idleexp: vm %u done at %llu us, %llu idles, %llu spins\n",
		(unsigned)denali_vm_id(), (unsigned long long)done_us,
		(unsigned long long)st.idles, (unsigned long long)st.idle_spins);
	denali_stat_sample(busy ? "idleexp.busy_finish_us" : "idleexp.finish_us", done_us);
	denali_timer_cancel(&rexmit);
	return 0;
}
