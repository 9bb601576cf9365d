/* SPDX-License-Identifier: MIT */
/* crt0: the guest entry point. The loader starts a VM at _start with ESP = mem_size
 * (16-byte aligned), the other registers 0, EFLAGS = 0x202 and .bss already zeroed
 * (docs/isa.md "Boot state"; we trust the loader and do not zero .bss again).
 * _start calls denali_start (start.c) with the SysV i386 16-byte stack alignment; it
 * builds argv from the command line, calls main(argc, argv, envp) and exit(status)
 * (stdlib.c), which flushes the console and executes terminate. */
	.section .text.start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp          /* end of the frame-pointer chain */
	andl $-16, %esp          /* in case a loader ever hands us an unaligned stack */
	call denali_start        /* does not return */
1:	.byte 0x0f, 0x0c, 0x01   /* terminate, in case it ever does */
	jmp 1b
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
