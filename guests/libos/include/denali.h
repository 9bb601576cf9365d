// SPDX-License-Identifier: MIT
// The guest side of the Denali ABI for libos programs: inline wrappers for the two
// Denali instructions (terminate, idle), port I/O, and the virtual-register page.
// Addresses and encodings come from include/denali/abi.h (docs/isa.md is normative).
// The console (console.c) and the rest of the C subset have their own headers.
// A native build of the same programs uses guests/libos/native/denali.h instead.
#ifndef DENALI_LIBOS_DENALI_H
#define DENALI_LIBOS_DENALI_H

#include <stddef.h>
#include <stdint.h>

#include <denali/abi.h>

// The virtual-register page. Volatile: the kernel rewrites RO fields at each VM entry.
static inline volatile struct denali_vregs *denali_vregs(void)
{
	return (volatile struct denali_vregs *)DENALI_VREGS_ADDR;
}

// terminate (0F 0C 01): ends this VM with exit code `code` in EAX. Never returns.
// Does not flush the console: call exit() for that.
__attribute__((noreturn)) static inline void denali_terminate(int code)
{
	for (;;)
		__asm__ volatile(".byte 0x0f, 0x0c, 0x01" : : "a"(code) : "memory");
}

// idle-with-timeout (0F 0C 00): sleeps until an interrupt arrives or `timeout_ns`
// simulated ns pass. DENALI_IDLE_FOREVER waits for an interrupt only.
#define DENALI_IDLE_FOREVER UINT64_MAX
static inline void denali_idle(uint64_t timeout_ns)
{
	uint32_t lo = (uint32_t)timeout_ns, hi = (uint32_t)(timeout_ns >> 32);
	__asm__ volatile(".byte 0x0f, 0x0c, 0x00" : "+a"(lo), "+d"(hi) : : "memory");
}

// Port I/O. One IN/OUT is one PIO exit to the kernel.
static inline void denali_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}
static inline void denali_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}
static inline uint32_t denali_inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

// The VM's number (0-based) and memory size, from the virtual registers.
static inline uint32_t denali_vm_id(void) { return denali_vregs()->vm_id; }
static inline uint32_t denali_mem_size(void) { return denali_vregs()->mem_size; }

// Console (console.c). denali_console_write sends `len` bytes, one PIO per 64 KiB
// (IN on DENALI_PORT_CONSOLE_WRITE, ESI = buf, ECX = len) and returns the bytes
// written or -1. denali_putchar buffers a line; denali_console_flush sends it.
int denali_console_write(const void *buf, size_t len);
int denali_putchar(int ch);
void denali_console_flush(void);
// Writes one byte with OUT 0xE9 (the Bochs debug port): no buffering, no PIO args.
static inline void denali_debug_putc(char ch) { denali_outb(DENALI_PORT_DEBUGCON, (uint8_t)ch); }

#endif
