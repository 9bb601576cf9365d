// SPDX-License-Identifier: MIT
// Lab 1 test: interrupts and the int_wanted discipline. Five timer interrupts 1 ms
// apart reach the handler registered with irq_register (none early); a system call
// with interrupts enabled leaves them enabled, and one with interrupts disabled leaves
// them disabled; interrupts still arrive after the system calls.
#include "kern.h"

static volatile uint32_t ticks, early;
static volatile uint64_t deadline;

static void tick(void)
{
	if (now_ns() < deadline)
		early++;
	ticks++;
}

static uint32_t sys_vmid(void)
{
	uint32_t r = SYS_VMID;
	__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
	return r;
}

// Arms the timer 1 ms ahead and waits for its interrupt (idling 100 us at a time,
// 50 times at most).
static void one_tick(void)
{
	uint32_t before = ticks;
	deadline = now_ns() + 1000000;
	timer_set(deadline);
	for (int i = 0; i < 50 && ticks == before; i++)
		denali_idle(100000);
}

int main(void)
{
	trap_init();
	irq_register(DENALI_IRQ_TIMER, tick);
	intr_enable();
	for (int i = 0; i < 3; i++)
		one_tick();
	sys_vmid();
	printf("intr: after a system call int_enable %u int_wanted %u\n",
	       (unsigned)VREGS->int_enable, (unsigned)int_wanted);
	one_tick();
	intr_disable();
	sys_vmid();
	printf("intr: after a system call with interrupts off int_enable %u int_wanted %u\n",
	       (unsigned)VREGS->int_enable, (unsigned)int_wanted);
	intr_enable();
	one_tick();
	printf("intr: %u ticks, %u early\n", (unsigned)ticks, (unsigned)early);
	return 0;
}
