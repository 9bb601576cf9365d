// SPDX-License-Identifier: MIT
// Lab 5 test: 64 writes submitted at once to blocks 1, 4, 7, ... (3b + 1) of disk 0,
// then 64 reads of them back, checked word by word. Block b holds the words
// 0x5a000000 + b * 0x10000 + i (i = 0..1023); the grader checks the disk file too.
#include "kern.h"

#define N 64
static uint32_t out[N][DENALI_DISK_BLOCK / 4], in[N][DENALI_DISK_BLOCK / 4];
static struct disk_req req[N];

int main(void)
{
	trap_init();
	disk_init();
	intr_enable();
	for (uint32_t b = 0; b < N; b++) {
		for (uint32_t i = 0; i < DENALI_DISK_BLOCK / 4; i++)
			out[b][i] = 0x5a000000u + b * 0x10000u + i;
		req[b] = (struct disk_req){ .disk = 0, .block = 3 * b + 1, .buf = out[b], .write = 1 };
		if (disk_submit(&req[b]) != 0)
			printf("rw: write %u refused\n", (unsigned)b);
	}
	for (int b = 0; b < N; b++)
		disk_wait(&req[b]);
	for (uint32_t b = 0; b < N; b++) {
		req[b] = (struct disk_req){ .disk = 0, .block = 3 * b + 1, .buf = in[b], .write = 0 };
		if (disk_submit(&req[b]) != 0)
			printf("rw: read %u refused\n", (unsigned)b);
	}
	int bad = 0, status = 0;
	for (int b = 0; b < N; b++) {
		disk_wait(&req[b]);
		status += req[b].status != 0;
		bad += memcmp(in[b], out[b], DENALI_DISK_BLOCK) != 0;
	}
	printf("rw: %d blocks written and read back, %d failed, %d differ\n", N, status, bad);
	return 0;
}
