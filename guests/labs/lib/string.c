// SPDX-License-Identifier: MIT
// String and memory functions for the labs (include/lib.h), the results ports, and
// the command line. Byte loops, nothing clever: gcc -O2 turns the loops of memcpy and
// memset into calls to memcpy and memset, so this file is built with
// -fno-tree-loop-distribute-patterns (the Makefile says so).
#include "lib.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}

long atol(const char *s)
{
	long v = 0;
	int neg = *s == '-';
	if (neg)
		s++;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

int cmdline_word(int i, char *buf, size_t len)
{
	const char *p = (const char *)(DENALI_CMDLINE_ADDR);
	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -1;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		if (i-- == 0) {
			size_t n = (size_t)(p - w);
			if (n >= len)
				n = len - 1;
			memcpy(buf, w, n);
			buf[n] = 0;
			return (int)n;
		}
	}
}

// STAT_ADD / STAT_SAMPLE (docs/isa.md 9.5): ESI = name, ECX = its length, EBX:EDI =
// the value.
static uint32_t stat(uint16_t port, const char *name, uint64_t v)
{
	struct pio_regs r = { .esi = (uint32_t)name, .ecx = (uint32_t)strlen(name),
			      .ebx = (uint32_t)(v >> 32), .edi = (uint32_t)v };
	return pio(port, &r);
}

uint32_t stat_add(const char *name, uint64_t v)
{
	return stat(DENALI_PORT_STAT_ADD, name, v);
}

uint32_t stat_sample(const char *name, uint64_t v)
{
	return stat(DENALI_PORT_STAT_SAMPLE, name, v);
}
