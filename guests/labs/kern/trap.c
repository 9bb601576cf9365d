// SPDX-License-Identifier: MIT
// LAB 1: traps (include/kern.h): exceptions and system calls (trap), interrupts
// (irq_dispatch, irq_register, irq_poll), the int_wanted discipline (intr_*), and the
// clock and timer (now_ns, timer_set). docs/isa.md sections 6, 8 and 9.1 are the
// specification; docs/labs/lab1.md says what the fault report looks like.
#include "kern.h"

void exc_entry(void);
void irq_entry(void);

volatile uint32_t int_wanted;
static irq_fn handlers[DENALI_IRQ_LINES];

void intr_enable(void)
{
//@ SOLUTION
	int_wanted = 1;
	VREGS->int_enable = 1;
//@ SKELETON
//@ 	// LAB 1: your code here.
//@ END
}

void intr_disable(void)
{
//@ SOLUTION
	VREGS->int_enable = 0;
	int_wanted = 0;
//@ SKELETON
//@ 	// LAB 1: your code here.
//@ END
}

uint32_t intr_save(void)
{
	uint32_t was = int_wanted;
	intr_disable();
	return was;
}

void intr_restore(uint32_t saved)
{
	if (saved)
		intr_enable();
	else
		intr_disable();
}

void trap_init(void)
{
//@ SOLUTION
	VREGS->exc_handler = (uint32_t)exc_entry;
	VREGS->int_handler = (uint32_t)irq_entry;
//@ SKELETON
//@ 	// LAB 1: your code here.
//@ END
}

//@ SOLUTION
static const char *trap_name(uint32_t v, const char **mnemonic)
{
	static const struct {
		uint32_t vector;
		const char *name, *mnemonic;
	} names[] = {
		{ 0, "divide error", "#DE" },       { 3, "breakpoint", "#BP" },
		{ 4, "overflow", "#OF" },           { 6, "invalid opcode", "#UD" },
		{ 13, "general protection", "#GP" }, { 14, "page fault", "#PF" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].vector == v) {
			*mnemonic = names[i].mnemonic;
			return names[i].name;
		}
	*mnemonic = NULL;
	return "software interrupt";
}

// The system calls: EAX = number, EBX and ECX arguments, result in EAX.
static void syscall(struct trapframe *tf)
{
	switch (tf->eax) {
	case SYS_WRITE:
		cons_write((const char *)tf->ebx, tf->ecx);
		tf->eax = tf->ecx;
		break;
	case SYS_EXIT:
		denali_terminate(tf->ebx);
	case SYS_VMID:
		tf->eax = VREGS->vm_id;
		break;
	default:
		tf->eax = 0xffffffffu;
		break;
	}
}
//@ END

void trap(struct trapframe *tf)
{
//@ SOLUTION
	if (tf->vector == 0x80) {
		syscall(tf);
		return;
	}
	const char *mn;
	const char *name = trap_name(tf->vector, &mn);
	char intn[12];
	if (!mn) {
		snprintf(intn, sizeof intn, "INT 0x%02x", tf->vector);
		mn = intn;
	}
	if (tf->vector == 3) { // a trap: EIP is already past the INT3
		printf("trap: %s (%s, vector %u) at eip 0x%08x\n", name, mn, tf->vector, tf->eip);
		return;
	}
	printf("trap: %s (%s, vector %u) at eip 0x%08x, error 0x%x", name, mn, tf->vector,
	       tf->eip, tf->error);
	if (tf->vector == 14)
		printf(", addr 0x%08x", VREGS->fault_addr);
	printf("\ntrap: eax 0x%08x ebx 0x%08x ecx 0x%08x edx 0x%08x\n", tf->eax, tf->ebx, tf->ecx,
	       tf->edx);
	printf("trap: esi 0x%08x edi 0x%08x ebp 0x%08x esp 0x%08x\n", tf->esi, tf->edi, tf->ebp,
	       tf->esp + 20); // ESP before the kernel pushed its 20 bytes
	denali_terminate(128 + tf->vector);
//@ SKELETON
//@ 	// LAB 1: your code here.
//@ 	(void)tf;
//@ END
}

void irq_register(unsigned line, irq_fn fn)
{
	if (line < DENALI_IRQ_LINES)
		handlers[line] = fn;
}

void irq_dispatch(struct irqframe *f)
{
//@ SOLUTION
	for (unsigned line = 0; line < DENALI_IRQ_LINES; line++)
		if (f->mask & (1u << line) && handlers[line])
			handlers[line]();
//@ SKELETON
//@ 	// LAB 1: your code here.
//@ 	(void)f;
//@ END
}

void irq_poll(void)
{
//@ SOLUTION
	uint32_t mask = VREGS->int_pending;
	if (!mask)
		return;
	VREGS->int_pending = 0; // acknowledge them all (docs/isa.md 8.4)
	for (unsigned line = 0; line < DENALI_IRQ_LINES; line++)
		if (mask & (1u << line) && handlers[line])
			handlers[line]();
//@ SKELETON
//@ 	// LAB 1: your code here.
//@ END
}

uint64_t now_ns(void)
{
//@ SOLUTION
	uint64_t t, tsc0, tsc;
	do { // a VM entry between the reads rewrites both fields: read again
		t = VREGS->time_ns;
		tsc0 = VREGS->tsc_at_entry;
		tsc = rdtsc();
	} while (t != VREGS->time_ns || tsc0 != VREGS->tsc_at_entry);
	return t + (tsc - tsc0) * 1000000u / VREGS->cpu_khz;
//@ SKELETON
//@ 	// LAB 1: your code here: the time now, not at the last entry.
//@ 	return VREGS->time_ns;
//@ END
}

void timer_set(uint64_t deadline_ns)
{
//@ SOLUTION
	struct pio_regs r = { .eax = (uint32_t)deadline_ns, .ecx = (uint32_t)(deadline_ns >> 32) };
	pio(DENALI_PORT_TIMER, &r);
//@ SKELETON
//@ 	// LAB 1: your code here.
//@ 	(void)deadline_ns;
//@ END
}
