/* SPDX-License-Identifier: MIT */
/* The thread context switch (sched.c): denali_ctx_switch(uint32_t *save_esp,
 * uint32_t new_esp). Cooperative switches happen only at this call, so only the
 * registers the i386 SysV ABI makes callee-saved (EBP EBX ESI EDI) and ESP need
 * saving; EAX ECX EDX and EFLAGS are the caller's to lose, and there is no FPU state.
 * A saved context, from its ESP up: EDI ESI EBX EBP, return address. A new thread's
 * stack is built in the same shape by thread.c, returning into its trampoline. */
	.text
	.globl denali_ctx_switch
	.type denali_ctx_switch, @function
denali_ctx_switch:
	movl 4(%esp), %eax       /* save_esp */
	movl 8(%esp), %edx       /* new_esp */
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, (%eax)
	movl %edx, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
	.size denali_ctx_switch, . - denali_ctx_switch

	.section .note.GNU-stack, "", @progbits
