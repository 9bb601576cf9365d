/* SPDX-License-Identifier: MIT */
/* LAB 1: the entry points of exceptions and interrupts (docs/isa.md 8.2, 8.5).
 * exc_entry: the kernel pushed vector, error code, EIP, CS, EFLAGS (20 bytes). Build a
 *   struct trapframe (include/kern.h) below them, call trap(tf) with interrupts off,
 *   and return to the interrupted code with its registers (trap may change them),
 *   its int_wanted, and int_enable = that int_wanted.
 * irq_entry: the kernel pushed the mask of lines, EIP, CS, EFLAGS (16 bytes). The
 *   same with struct irqframe and irq_dispatch(f).
 * Both run with int_enable = 0 (delivery cleared it). Remember that IRET does not
 * restore int_enable. */
	.intel_syntax noprefix
	.text
	.globl exc_entry, irq_entry
	.type exc_entry, @function
	.type irq_entry, @function

//@ SOLUTION
/* ENTRY handler, bytes: save the registers and the interrupted code's int_wanted,
 * call handler(frame) with interrupts off, restore everything, drop the kernel's
 * first `bytes` (vector and error code, or the mask) and IRET. */
.macro ENTRY handler, bytes
	pushad                           // EAX ECX EDX EBX ESP EBP ESI EDI
	push dword ptr [int_wanted]      // the interrupted code's setting
	mov dword ptr [int_wanted], 0    // the handler runs with interrupts off
	cld                              // the C ABI wants DF = 0
	push esp                         // the frame: its first field is int_wanted
	call \handler
	add esp, 4
	pop dword ptr [int_wanted]       // the setting to return to
	popad
	push eax
	mov eax, dword ptr [int_wanted]
	mov dword ptr [0x1020], eax      // int_enable = int_wanted (IRET does not)
	pop eax
	add esp, \bytes
	iret                             // EIP, CS, EFLAGS
.endm

exc_entry:
	ENTRY trap, 8
irq_entry:
	ENTRY irq_dispatch, 4
//@ SKELETON
//@ exc_entry:
//@ 	// LAB 1: your code here.
//@ 	ud2                              // for now: #UD inside the handler, a double fault
//@ irq_entry:
//@ 	// LAB 1: your code here.
//@ 	ud2
//@ END
	.size exc_entry, . - exc_entry

	.section .note.GNU-stack, "", @progbits
