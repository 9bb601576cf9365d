// SPDX-License-Identifier: MIT
// Lab 1 test: system calls through INT 0x80 (EAX = number, EBX, ECX = arguments,
// result in EAX): SYS_WRITE, SYS_VMID, an unknown number, then SYS_EXIT with code 5
// (nothing after it may run).
#include "kern.h"

static uint32_t sys(uint32_t nr, uint32_t a, uint32_t b)
{
	__asm__ volatile("int $0x80" : "+a"(nr) : "b"(a), "c"(b) : "memory");
	return nr;
}

int main(void)
{
	trap_init();
	static const char msg[] = "syscall: written by SYS_WRITE\n";
	uint32_t n = sys(SYS_WRITE, (uint32_t)msg, sizeof msg - 1);
	printf("syscall: SYS_WRITE returned %u\n", n);
	printf("syscall: SYS_VMID returned %u\n", sys(SYS_VMID, 0, 0));
	printf("syscall: number 99 returned 0x%x\n", sys(99, 0, 0));
	sys(SYS_EXIT, 5, 0);
	printf("syscall: still running after SYS_EXIT\n");
	return 0;
}
