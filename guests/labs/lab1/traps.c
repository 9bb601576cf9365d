// SPDX-License-Identifier: MIT
// Lab 1 test: the exception handler. --args KIND picks what goes wrong after every
// general register has a known value (EAX 0x11111111 ... EBP 0x77777777, ESP
// 0x00300000):
//   pf    a write to address 0            (#PF, vector 14: report, exit code 142)
//   de    DIV by a zero in memory         (#DE, vector 0: report, exit code 128)
//   ud    UD2                             (#UD, vector 6: report, exit code 134)
//   gp    CLI                             (#GP, vector 13: report, exit code 141)
//   int   INT 0x41                        (vector 65: report, exit code 193)
//   bp    INT3: reported, then this program goes on and exits with 0
// The faulting instruction is at the global label trap_KIND (the grader reads the
// symbol to check the reported EIP).
#include "kern.h"

// Loads the known register values, switches to a known stack, and executes `insn` at
// the global label `label`. For "bp", the INT3 returns here: restore ESP and EBP.
#define TRAP(label, insn)                                                          \
	__asm__ volatile("mov %%esp, saved_esp\n\t"                                \
			 "mov %%ebp, saved_ebp\n\t"                                \
			 "mov $0x00300000, %%esp\n\t"                              \
			 "mov $0x11111111, %%eax\n\t"                              \
			 "mov $0x22222222, %%ebx\n\t"                              \
			 "mov $0x33333333, %%ecx\n\t"                              \
			 "mov $0x44444444, %%edx\n\t"                              \
			 "mov $0x55555555, %%esi\n\t"                              \
			 "mov $0x66666666, %%edi\n\t"                              \
			 "mov $0x77777777, %%ebp\n\t"                              \
			 ".globl " label "\n" label ":\n\t" insn "\n\t"            \
			 "mov saved_esp, %%esp\n\t"                                \
			 "mov saved_ebp, %%ebp\n\t"                                \
			 : : : "eax", "ebx", "ecx", "edx", "esi", "edi", "memory", "cc")

uint32_t saved_esp, saved_ebp, zero;

int main(void)
{
	char kind[8] = "";
	cmdline_word(0, kind, sizeof kind);
	trap_init();
	printf("traps: %s\n", kind);
	if (!strcmp(kind, "pf"))
		TRAP("trap_pf", "movl %%eax, 0");
	else if (!strcmp(kind, "de"))
		TRAP("trap_de", "divl zero");
	else if (!strcmp(kind, "ud"))
		TRAP("trap_ud", "ud2");
	else if (!strcmp(kind, "gp"))
		TRAP("trap_gp", "cli");
	else if (!strcmp(kind, "int"))
		TRAP("trap_int", "int $0x41");
	else if (!strcmp(kind, "bp"))
		TRAP("trap_bp", "int3");
	printf("traps: back in main after %s\n", kind);
	return 0;
}
