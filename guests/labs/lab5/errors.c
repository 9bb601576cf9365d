// SPDX-License-Identifier: MIT
// Lab 5 test: requests that cannot be served. Run with disk 0 read-write of 16 blocks
// and disk 1 read-only. disk_submit refuses a disk that does not exist and a block
// past the end (-1); a write to the read-only disk completes with the device's error
// status; a read of it works.
#include "kern.h"

static uint8_t buf[DENALI_DISK_BLOCK];

int main(void)
{
	trap_init();
	disk_init();
	intr_enable();
	struct disk_req nodisk = { .disk = 3, .block = 0, .buf = buf };
	struct disk_req past = { .disk = 0, .block = 16, .buf = buf };
	struct disk_req ro = { .disk = 1, .block = 0, .buf = buf, .write = 1 };
	struct disk_req rd = { .disk = 1, .block = 0, .buf = buf };
	int a = disk_submit(&nodisk), b = disk_submit(&past);
	disk_submit(&ro);
	disk_wait(&ro);
	disk_submit(&rd);
	disk_wait(&rd);
	printf("errors: disk 0 has %u blocks, disk 1 %u, disk 3 %u\n", (unsigned)disk_blocks(0),
	       (unsigned)disk_blocks(1), (unsigned)disk_blocks(3));
	printf("errors: no such disk %d, past the end %d, read-only write status 0x%x, "
	       "read status 0x%x\n", a, b, (unsigned)ro.status, (unsigned)rd.status);
	return 0;
}
