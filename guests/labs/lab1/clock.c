// SPDX-License-Identifier: MIT
// Lab 1 test: now_ns is the time now, not the time of the last VM entry: it advances
// while the VM computes (docs/isa.md 6), so two readings a few instructions apart
// differ, and it never goes backwards.
#include "kern.h"

int main(void)
{
	uint64_t prev = now_ns();
	int same = 0, backwards = 0;
	for (int i = 0; i < 20000; i++) {
		uint64_t t = now_ns();
		if (t == prev)
			same++;
		if (t < prev)
			backwards++;
		prev = t;
	}
	printf("clock: 20000 readings, %d equal to the one before, %d went backwards\n", same,
	       backwards);
	return 0;
}
