/* SPDX-License-Identifier: MIT */
/* Entry stubs for virtual interrupts and exceptions (docs/isa.md 8.2, 8.5; C side in
 * include/denali_intr.h). Interrupt frame: [esp] = mask, then EIP, CS, EFLAGS; the
 * stub calls denali_irq_handler(mask), sets int_enable = denali_intr_wanted and
 * returns with add esp, 4; iret. Exception frame: [esp] = vector, error code, EIP, CS,
 * EFLAGS; the stub calls denali_exc_handler(frame) with PUSHA's registers below the
 * kernel's words (struct denali_exc_frame), sets int_enable = denali_intr_wanted
 * (delivery cleared it: docs/isa.md 8.2) and returns with add esp, 8; iret. */
	.set VREG_INT_ENABLE, 0x1020

	.text
	.globl denali_irq_entry
	.type denali_irq_entry, @function
denali_irq_entry:
	pushal
	cld
	pushl 32(%esp)                   /* the mask */
	call *denali_irq_handler
	addl $4, %esp
	popal
	pushl %eax
	movl denali_intr_wanted, %eax
	movl %eax, VREG_INT_ENABLE
	popl %eax
	addl $4, %esp
	iret
	.size denali_irq_entry, . - denali_irq_entry

	.globl denali_exc_entry
	.type denali_exc_entry, @function
denali_exc_entry:
	pushal
	cld
	pushl %esp                       /* struct denali_exc_frame * */
	call *denali_exc_handler
	addl $4, %esp
	popal
	pushl %eax
	movl denali_intr_wanted, %eax
	movl %eax, VREG_INT_ENABLE
	popl %eax
	addl $8, %esp
	iret
	.size denali_exc_entry, . - denali_exc_entry

	.data
	.globl denali_irq_handler, denali_exc_handler, denali_intr_wanted
	.p2align 2
denali_irq_handler:	.long 0
denali_exc_handler:	.long 0
denali_intr_wanted:	.long 0

	.section .note.GNU-stack, "", @progbits
