// SPDX-License-Identifier: MIT
// ticker: the libos interrupt, exception and timer API in one guest (docs/isa.md 8,
// 9.1). It takes ten timer interrupts 1 ms apart, sleeping with idle in between, then
// catches an INT3 and a divide error in its exception handler (skipping the DIV), and
// prints "ticker: 10 ticks, 2 exceptions, ok" when everything matched.
#include <denali.h>
#include <denali_intr.h>
#include <stdio.h>

static volatile uint32_t ticks, masks, exceptions, vectors;
static volatile uint64_t late_ns;

static void on_irq(uint32_t mask)
{
	masks |= mask;
	ticks++;
}

static void on_exc(struct denali_exc_frame *f)
{
	exceptions++;
	vectors |= 1u << f->vector;
	if (f->vector == 0)
		f->eip += 2; // skip `div ecx` (f7 f1)
}

int main(void)
{
	denali_intr_init(on_irq);
	denali_exc_init(on_exc);
	for (uint32_t i = 0; i < 10; i++) {
		uint64_t deadline = denali_time_ns() + 1000000;
		denali_timer_set(deadline);
		uint32_t before = ticks;
		while (ticks == before)
			denali_idle(DENALI_IDLE_FOREVER);
		if (denali_time_ns() - deadline > late_ns)
			late_ns = denali_time_ns() - deadline;
	}
	__asm__ volatile("int3");
	uint32_t q;
	__asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $7, %%eax\n\txorl %%edx, %%edx\n\t"
			 "div %%ecx" : "=a"(q) : : "ecx", "edx");
	int ok = ticks == 10 && masks == 1u << DENALI_IRQ_TIMER && exceptions == 2 &&
		  vectors == ((1u << 3) | (1u << 0)) && late_ns < 100000;
	printf("ticker: %u ticks, %u exceptions, %s\n", (unsigned)ticks, (unsigned)exceptions,
	       ok ? "ok" : "FAILED");
	(void)q;
	return ok ? 0 : 1;
}
