/* SPDX-License-Identifier: MIT */
/* LAB 1: the start-up code. The loader enters _start with the state of docs/isa.md
 * section 3. Call the test's int main(void), then end the VM (denali.terminate,
 * docs/isa.md 7) with main's return value as the exit code. `denali-cc --bare` links
 * with bare.ld, which puts the .text.start section first, at the entry point 0x2000. */
	.intel_syntax noprefix
	.section .text.start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
//@ SOLUTION
	xor ebp, ebp               // end of the frame-pointer chain
	and esp, -16               // the i386 SysV ABI: 16-byte aligned at a call
	call main
1:	.byte 0x0f, 0x0c, 0x01     // denali.terminate, exit code EAX
	jmp 1b
//@ SKELETON
//@ 	call main
//@ 	// LAB 1: your code here: the exit code.
//@ 	hlt                        // for now: sleeps forever (denali reports the VM hung)
//@ END
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
