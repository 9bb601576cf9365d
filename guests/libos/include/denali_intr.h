// SPDX-License-Identifier: MIT
// Virtual interrupts, exceptions and the timer for libos programs (docs/isa.md
// section 8 and 9.1). intr.S holds the two entry stubs: they save every register, call
// the C function installed here, restore, and return with IRET as the ISA requires.
//
//   denali_intr_init(fn)     fn(mask) runs for each upcall with the lines delivered;
//                            interrupts are enabled on return.
//   denali_exc_init(fn)      fn(frame) runs for each exception; it may change the
//                            saved registers and EIP (e.g. to skip an instruction).
//   denali_timer_set(ns)     one-shot timer at absolute simulated time ns (0 cancels).
// Handlers run with interrupts disabled; the stubs re-enable them on the way out if
// the program had enabled them (denali_intr_enable/disable keep track).
#ifndef DENALI_LIBOS_DENALI_INTR_H
#define DENALI_LIBOS_DENALI_INTR_H

#include <stdint.h>

#include <denali.h>

// The exception stub's view of the stack: PUSHA's registers, then the kernel's frame.
struct denali_exc_frame {
	uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;
	uint32_t vector, error_code, eip, cs, eflags;
};

typedef void (*denali_irq_fn)(uint32_t mask);
typedef void (*denali_exc_fn)(struct denali_exc_frame *f);

// Used by intr.S.
extern denali_irq_fn denali_irq_handler;
extern denali_exc_fn denali_exc_handler;
extern volatile uint32_t denali_intr_wanted; // int_enable value to restore
void denali_irq_entry(void);
void denali_exc_entry(void);

static inline void denali_intr_enable(void)
{
	denali_intr_wanted = 1;
	denali_vregs()->int_enable = 1;
}
static inline void denali_intr_disable(void)
{
	denali_intr_wanted = 0;
	denali_vregs()->int_enable = 0;
}

// Installs fn as the interrupt handler and enables interrupts.
static inline void denali_intr_init(denali_irq_fn fn)
{
	denali_irq_handler = fn;
	denali_vregs()->int_handler = (uint32_t)(uintptr_t)denali_irq_entry;
	denali_intr_enable();
}

// Installs fn as the exception handler (NULL: exceptions end the VM again).
static inline void denali_exc_init(denali_exc_fn fn)
{
	denali_exc_handler = fn;
	denali_vregs()->exc_handler = fn ? (uint32_t)(uintptr_t)denali_exc_entry : 0;
}

// Simulated time at the last VM entry, ns.
static inline uint64_t denali_time_ns(void)
{
	return denali_vregs()->time_ns;
}

// Arms the one-shot timer for absolute time `deadline_ns` (0 cancels): OUT to port
// 0x130 with the deadline in ECX:EAX.
static inline void denali_timer_set(uint64_t deadline_ns)
{
	uint32_t lo = (uint32_t)deadline_ns, hi = (uint32_t)(deadline_ns >> 32);
	__asm__ volatile("outl %%eax, %%dx"
			 : : "a"(lo), "c"(hi), "d"(DENALI_PORT_TIMER) : "memory");
}

#endif
