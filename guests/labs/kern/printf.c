// SPDX-License-Identifier: MIT
// LAB 1: formatted output (include/kern.h). vsnprintf is the work: conversions %d %i
// %u %x %X %p %s %c %%, flags '-' (left-justify) and '0' (pad with zeros), a decimal
// field width, the size prefixes 'l' (long: 32 bits here) and 'll' (64 bits; dividing
// a 64-bit number calls libgcc's __udivdi3, which the Makefile links). %p prints
// "0x" and 8 hex digits; %s of NULL prints "(null)". The output is always
// NUL-terminated when size > 0, and the return value is the length of the whole
// result, even the part that did not fit.
#include "kern.h"

// Appends c at position *n of buf (if it fits below size - 1) and counts it.
static void put(char *buf, size_t size, size_t *n, char c)
{
	if (*n + 1 < size)
		buf[*n] = c;
	(*n)++;
}

//@ SOLUTION
// Appends the digits of v in `base` with the sign, padding and justification asked.
static void put_num(char *buf, size_t size, size_t *n, uint64_t v, unsigned base, bool neg,
		    bool upper, int width, bool left, bool zero)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int len = 0;
	do {
		tmp[len++] = digits[v % base];
		v /= base;
	} while (v);
	int total = len + neg;
	if (!left && !zero)
		for (; width > total; width--)
			put(buf, size, n, ' ');
	if (neg)
		put(buf, size, n, '-');
	if (!left && zero)
		for (; width > total; width--)
			put(buf, size, n, '0');
	while (len)
		put(buf, size, n, tmp[--len]);
	if (left)
		for (; width > total; width--)
			put(buf, size, n, ' ');
}
//@ END

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t n = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(buf, size, &n, *p);
			continue;
		}
		p++;
//@ SOLUTION
		bool left = false, zero = false;
		for (;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '0')
				zero = true;
			else
				break;
		}
		int width = 0;
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		int longs = 0;
		while (*p == 'l') {
			longs++;
			p++;
		}
		uint64_t u;
		switch (*p) {
		case 'd':
		case 'i': {
			int64_t v = longs >= 2 ? va_arg(ap, long long) : va_arg(ap, int);
			u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
			put_num(buf, size, &n, u, 10, v < 0, false, width, left, zero);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			u = longs >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			put_num(buf, size, &n, u, *p == 'u' ? 10 : 16, false, *p == 'X', width, left,
				zero);
			break;
		case 'p':
			put(buf, size, &n, '0');
			put(buf, size, &n, 'x');
			put_num(buf, size, &n, (uint32_t)va_arg(ap, void *), 16, false, false, 8,
				false, true);
			break;
		case 'c':
			put(buf, size, &n, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int len = (int)strlen(s);
			if (!left)
				for (int w = width; w > len; w--)
					put(buf, size, &n, ' ');
			while (*s)
				put(buf, size, &n, *s++);
			if (left)
				for (int w = width; w > len; w--)
					put(buf, size, &n, ' ');
			break;
		}
		case '%':
			put(buf, size, &n, '%');
			break;
		case '\0':
			p--; // a lone '%' at the end: stop at the NUL
			break;
		default: // unknown: print it as it was
			put(buf, size, &n, '%');
			put(buf, size, &n, *p);
			break;
		}
//@ SKELETON
//@ 		// LAB 1: your code here: flags, width, size and the conversions. For now
//@ 		// only "%%" works and any other conversion is printed as it is.
//@ 		(void)ap;
//@ 		if (*p == '\0')
//@ 			break;
//@ 		if (*p != '%')
//@ 			put(buf, size, &n, '%');
//@ 		put(buf, size, &n, *p);
//@ END
	}
	if (size > 0)
		buf[n < size ? n : size - 1] = '\0';
	return (int)n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

// Formats into a 512-byte buffer on the stack: longer output is cut there.
int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cons_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	return n;
}
