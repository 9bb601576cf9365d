/* SPDX-License-Identifier: MIT */
/* The smallest start file for a Denali guest without the libos (docs/baremetal.md).
 * The loader enters _start with ESP = mem_size (the top of guest memory, a multiple
 * of 4 KiB), the other registers 0, EFLAGS 0x202 and .bss already zeroed (docs/isa.md
 * section 3), so there is nothing to set up: call main() and end the VM with its
 * return value as the exit code. bare.ld puts .text.start first, at the entry point. */
	.intel_syntax noprefix
	.section .text.start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	xor ebp, ebp               /* end of the frame-pointer chain (for gdb backtraces) */
	and esp, -16               /* the i386 SysV ABI wants 16-byte alignment at a call */
	call main                  /* int main(void) */
	/* EAX = main's return value */
1:	.byte 0x0f, 0x0c, 0x01     /* denali.terminate: exit code EAX (docs/isa.md 7) */
	jmp 1b                     /* not reached: terminate does not return */
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
