// SPDX-License-Identifier: MIT
// LAB 1: console output (include/kern.h). CONSOLE_WRITE (docs/isa.md 9, port 0x100):
// ESI = the bytes, ECX = how many; EAX <- the bytes written, at most 65,536 per PIO
// (a short write), or 0xffffffff when the buffer is not all in guest memory.
#include "kern.h"

void cons_write(const char *buf, size_t len)
{
//@ SOLUTION
	while (len > 0) {
		struct pio_regs r = { .esi = (uint32_t)buf, .ecx = (uint32_t)len };
		uint32_t n = pio(DENALI_PORT_CONSOLE_WRITE, &r);
		if (n == 0xffffffffu || n == 0)
			return; // a bad buffer: nothing more can be written
		buf += n;
		len -= n;
	}
//@ SKELETON
//@ 	// LAB 1: your code here.
//@ 	(void)buf;
//@ 	(void)len;
//@ END
}
