// SPDX-License-Identifier: MIT
// The libos console: a 128-byte line buffer in front of the console-write PIO
// (docs/isa.md "Devices": IN on port 0x100 with ESI = buffer, ECX = length returns the
// bytes written, or -1, in EAX). denali_putchar flushes at '\n' and when the buffer is
// full; exit() (stdlib.c) flushes the rest. printf.c writes through denali_putchar.
#include <denali.h>
#include <stdio.h>

#define CONSOLE_BUF_BYTES 128

// The single console buffer, the program's own state: threads are cooperative and
// never switch inside denali_putchar, so they share it without a lock (their lines
// interleave only where a thread blocks).
static char console_buf[CONSOLE_BUF_BYTES];
static size_t console_len;

// One console-write PIO; returns EAX (bytes written, or -1).
static int32_t console_pio(const char *buf, size_t len)
{
	uint32_t ret;
	__asm__ volatile("inl %%dx, %%eax"
		: "=a"(ret)
		: "d"(DENALI_PORT_CONSOLE_WRITE), "S"(buf), "c"(len)
		: "memory");
	return (int32_t)ret;
}

// The kernel may write less than asked (docs/isa.md: at most 64 KiB per PIO), so
// this loops; one PIO for anything up to that size.
int denali_console_write(const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	while (done < len) {
		int32_t n = console_pio(p + done, len - done);
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return (int)done;
}

void denali_console_flush(void)
{
	if (console_len > 0)
		denali_console_write(console_buf, console_len);
	console_len = 0;
}

int denali_putchar(int ch)
{
	console_buf[console_len++] = (char)ch;
	if (ch == '\n' || console_len == CONSOLE_BUF_BYTES)
		denali_console_flush();
	return (unsigned char)ch;
}

int putchar(int ch) { return denali_putchar(ch); }

int puts(const char *s)
{
	while (*s)
		denali_putchar(*s++);
	denali_putchar('\n');
	return 0;
}

int fflush(FILE *stream)
{
	(void)stream;
	denali_console_flush();
	return 0;
}
