// SPDX-License-Identifier: MIT
// Lab 6 test: the reliable transfer. VM 0 sends 48 KiB to VM 1 (10.0.0.2) with
// rt_send; VM 1 takes it with rt_recv and checks every byte. The grader runs it with
// and without frame loss (--loss 5% --loss-seed N): the data must arrive whole.
#include "kern.h"

#define SIZE (48 * 1024)
static uint8_t data[SIZE], got[SIZE + 1024];

static void fill(uint8_t *p)
{
	uint32_t x = 2463534242u;
	for (int i = 0; i < SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

int main(void)
{
	trap_init();
	net_init();
	intr_enable();
	fill(data);
	if (VREGS->vm_id == 0) {
		uint32_t peer;
		memcpy(&peer, (const uint8_t[]){ 10, 0, 0, 2 }, 4);
		int n = rt_send(peer, data, SIZE);
		printf("rt: sent %d bytes\n", n);
		return n == SIZE ? 0 : 1;
	}
	int n = rt_recv(got, sizeof got);
	printf("rt: received %d bytes, %s\n", n,
	       n == SIZE && !memcmp(got, data, SIZE) ? "intact" : "damaged");
	return n == SIZE ? 0 : 1;
}
