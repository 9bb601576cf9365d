// SPDX-License-Identifier: MIT
// What every lab gets for free: fixed-width types, the Denali ABI constants
// (<denali/abi.h>, docs/isa.md), the virtual registers, the machine's special
// instructions as inline functions, a generic PIO, string functions (lib/string.c) and
// the results ports the tests report through. Nothing here is graded.
#ifndef LABS_LIB_H
#define LABS_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <denali/abi.h>

// The virtual-register page (docs/isa.md 6). volatile: the kernel rewrites it.
#define VREGS ((volatile struct denali_vregs *)DENALI_VREGS_ADDR)

// denali.idle (docs/isa.md 7.1): sleep until an interrupt is ready or `ns` pass.
#define IDLE_FOREVER UINT64_MAX
static inline void denali_idle(uint64_t ns)
{
	__asm__ volatile(".byte 0x0f, 0x0c, 0x00"
			 : : "a"((uint32_t)ns), "d"((uint32_t)(ns >> 32)) : "memory");
}

// denali.terminate (docs/isa.md 7): end this VM with exit code `code`.
static inline __attribute__((noreturn)) void denali_terminate(uint32_t code)
{
	for (;;)
		__asm__ volatile(".byte 0x0f, 0x0c, 0x01" : : "a"(code) : "memory");
}

// RDTSC (docs/isa.md 11): this VM's own cycle count.
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

// One PIO (docs/isa.md 9): IN on `port` with the argument registers in *r. Returns
// EAX; r->ecx receives ECX afterwards (DISK_DONE and DISK_INFO return a value there).
struct pio_regs {
	uint32_t eax, ebx, ecx, esi, edi;
};
static inline uint32_t pio(uint16_t port, struct pio_regs *r)
{
	uint32_t eax = r->eax, ecx = r->ecx;
	__asm__ volatile("inl %%dx, %%eax"
			 : "+a"(eax), "+c"(ecx)
			 : "d"(port), "b"(r->ebx), "S"(r->esi), "D"(r->edi)
			 : "memory");
	r->ecx = ecx;
	return eax;
}

// The results ports (docs/isa.md 9.5): the tests report numbers into the run's
// summary (`denali run --results DIR` writes them to summary.json).
uint32_t stat_add(const char *name, uint64_t v);
uint32_t stat_sample(const char *name, uint64_t v);

// lib/string.c. gcc may call memcpy, memset, memmove and memcmp by itself.
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
// A decimal number at s (optional '-'), stopping at the first non-digit.
long atol(const char *s);
// The i-th (from 0) space-separated word of the command line (denali run --args) into
// buf (at most len - 1 bytes); returns its length, or -1 when there is no such word.
int cmdline_word(int i, char *buf, size_t len);

#endif
