// SPDX-License-Identifier: MIT
// A guest without the libos (docs/baremetal.md): everything it needs from the machine
// is in docs/isa.md and include/denali/abi.h. It prints its VM id and the simulated
// time over the console port, then returns 0 to start.S, which terminates the VM.
// The time formula (docs/isa.md 6) divides 64-bit numbers: gcc calls __udivdi3 for
// that, so the image links libgcc (bare.ld's recipe does).
#include <stdint.h>

#include <denali/abi.h>

#define VREGS ((volatile struct denali_vregs *)DENALI_VREGS_ADDR)

// CONSOLE_WRITE (docs/isa.md 9): ESI = bytes, ECX = length; EAX <- bytes written.
static uint32_t console_write(const char *s, uint32_t len)
{
	uint32_t done;
	__asm__ volatile("inl %%dx, %%eax"
			 : "=a"(done)
			 : "d"(DENALI_PORT_CONSOLE_WRITE), "S"(s), "c"(len)
			 : "memory");
	return done;
}

static void puts_n(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	console_write(s, n);
}

// Unsigned decimal into buf (at least 21 bytes); returns buf.
static char *utoa(uint64_t v, char *buf)
{
	char tmp[21];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10); // 64-bit modulo: __umoddi3 from libgcc
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return buf;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

// The time now in ns (docs/isa.md 6). A VM entry between the reads rewrites both
// time_ns and tsc_at_entry (and a 64-bit field is two loads): read again until
// nothing changed.
static uint64_t now_ns(void)
{
	uint64_t t, tsc0, tsc;
	do {
		t = VREGS->time_ns;
		tsc0 = VREGS->tsc_at_entry;
		tsc = rdtsc();
	} while (t != VREGS->time_ns || tsc0 != VREGS->tsc_at_entry);
	return t + (tsc - tsc0) * 1000000u / VREGS->cpu_khz; // __udivdi3
}

int main(void)
{
	char buf[21];
	puts_n("bare: hello from VM ");
	puts_n(utoa(VREGS->vm_id, buf));
	puts_n(", mem_size ");
	puts_n(utoa(VREGS->mem_size, buf));
	puts_n(", time ");
	puts_n(utoa(now_ns(), buf));
	puts_n(" ns\n");
	return 0;
}
