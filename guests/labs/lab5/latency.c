// SPDX-License-Identifier: MIT
// Lab 5 test: an interrupt-driven pipeline under an interrupt policy (run with
// --intr ...), 4 VMs, each with its own read-only disk. Each VM keeps 1 read in flight
// while it computes (about 7 ms of CPU, interrupts enabled): every completion's
// callback, run from the disk interrupt, submits the next read (blocks 0, 2, 4, ...),
// until 64 reads are done. Each read's latency, from disk_submit to its callback, goes
// to the result lab5.latency_ns; the grader compares the mean with the reference
// driver's under the same policy (upcalls wait for the VM to run under batched, preempt
// under sync, wait for 8 completions or 50 us under coalesce:8:50us).
#include "kern.h"

#define DEPTH 1
#define READS 64
static uint8_t buf[DEPTH][DENALI_DISK_BLOCK];
static struct disk_req req[DEPTH];
static uint64_t submitted[DEPTH];
static volatile int issued, completed;
static volatile uint32_t sink;

static void start(int slot)
{
	req[slot] = (struct disk_req){ .disk = 0, .block = (uint32_t)(2 * issued % 1024),
				       .buf = buf[slot] };
	req[slot].callback = NULL;
	submitted[slot] = now_ns();
	issued++;
	extern void done(struct disk_req *r);
	req[slot].callback = done;
	disk_submit(&req[slot]);
}

void done(struct disk_req *r)
{
	int slot = (int)(r - req);
	stat_sample("lab5.latency_ns", now_ns() - submitted[slot]);
	completed++;
	if (issued < READS)
		start(slot); // from the interrupt handler: the pipeline refills itself
}

int main(void)
{
	trap_init();
	disk_init();
	intr_enable();
	uint32_t s = intr_save();
	for (int i = 0; i < DEPTH; i++)
		start(i);
	intr_restore(s);
	for (uint32_t i = 0; i < 4000000; i++) // computing while the reads complete
		sink += i;
	s = intr_save();
	while (completed < READS) {
		denali_idle(IDLE_FOREVER);
		irq_poll();
	}
	intr_restore(s);
	printf("latency: vm %u: %d reads\n", (unsigned)VREGS->vm_id, completed);
	return 0;
}
