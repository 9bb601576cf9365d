/* SPDX-License-Identifier: MIT */
/* LAB 2: the context switch.
 *   void ctx_switch(uint32_t *save_esp, uint32_t new_esp);
 * Saves the callee-saved registers (EBP, EBX, ESI, EDI; the C ABI lets a function
 * clobber EAX, ECX, EDX and the flags) on the current stack, stores ESP in *save_esp,
 * switches to the stack new_esp, restores that thread's callee-saved registers from it
 * and returns on it: into the ctx_switch call that saved it, or, for a new thread, to
 * the address thread_create left on its stack. */
	.intel_syntax noprefix
	.text
	.globl ctx_switch
	.type ctx_switch, @function
ctx_switch:
//@ SOLUTION
	mov eax, [esp + 4]          // save_esp
	mov edx, [esp + 8]          // new_esp
	push ebp
	push ebx
	push esi
	push edi
	mov [eax], esp
	mov esp, edx
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret
//@ SKELETON
//@ 	// LAB 2: your code here.
//@ 	ret
//@ END
	.size ctx_switch, . - ctx_switch

	.section .note.GNU-stack, "", @progbits
