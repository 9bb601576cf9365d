// SPDX-License-Identifier: MIT
// Lab 5 test: more requests than the device takes. 200 writes (blocks 0, 2, 4, ...,
// 398 of disk 0, block 2b filled with the byte b) submitted at once, then 200 reads of
// them; a
// callback counts completions, and main idles until all are done. The device holds 64
// at a time: the driver must queue the rest and hand them over as completions free
// room, collecting every completion of each interrupt.
#include "kern.h"

#define N 200
static uint8_t out[N][DENALI_DISK_BLOCK], in[N][DENALI_DISK_BLOCK];
static struct disk_req req[N];
static volatile int completed;

static void count(struct disk_req *r)
{
	(void)r;
	completed++;
}

// Waits until `n` requests have completed: interrupts off around the test and the
// idle, so a completion between them is not lost (docs/labs/lab5.md).
static void wait_for(int n)
{
	uint32_t s = intr_save();
	while (completed < n) {
		denali_idle(IDLE_FOREVER);
		irq_poll();
	}
	intr_restore(s);
}

int main(void)
{
	trap_init();
	disk_init();
	intr_enable();
	int refused = 0;
	for (int b = 0; b < N; b++) {
		memset(out[b], b, DENALI_DISK_BLOCK);
		req[b] = (struct disk_req){ .disk = 0, .block = 2 * (uint32_t)b, .buf = out[b],
					    .write = 1, .callback = count };
		refused += disk_submit(&req[b]) != 0;
	}
	wait_for(N);
	for (int b = 0; b < N; b++) {
		req[b] = (struct disk_req){ .disk = 0, .block = 2 * (uint32_t)b, .buf = in[b],
					    .write = 0, .callback = count };
		refused += disk_submit(&req[b]) != 0;
	}
	wait_for(2 * N);
	int status = 0, bad = 0;
	for (int b = 0; b < N; b++) {
		status += req[b].status != 0;
		bad += memcmp(in[b], out[b], DENALI_DISK_BLOCK) != 0;
	}
	printf("queue: %d requests completed, %d refused, %d failed, %d blocks differ\n",
	       completed, refused, status, bad);
	return 0;
}
