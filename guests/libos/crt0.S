/* SPDX-License-Identifier: MIT */
/* crt0: the guest entry point. The loader starts a VM at _start with ESP = mem_size
 * (16-byte aligned), the other registers 0, EFLAGS = 0x202 and .bss already zeroed
 * (docs/isa.md "Boot state"; we trust the loader and do not zero .bss again).
 * _start calls main(0, NULL) with the SysV i386 16-byte stack alignment, then
 * exit(status) (stdlib.c), which flushes the console and executes terminate. */
	.section .text.start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp          /* end of the frame-pointer chain */
	andl $-16, %esp          /* in case a loader ever hands us an unaligned stack */
	subl $8, %esp
	pushl $0                 /* argv = NULL */
	pushl $0                 /* argc = 0 */
	call main
	movl %eax, (%esp)
	call exit                /* does not return */
1:	.byte 0x0f, 0x0c, 0x01   /* terminate, in case exit ever returns */
	jmp 1b
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
