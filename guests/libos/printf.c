// SPDX-License-Identifier: MIT
// printf, fprintf, snprintf, vsnprintf, vprintf for guests. One formatter (format())
// writes through a sink: the console (denali_putchar) or a bounded buffer.
// Conversions: %d %i %u %x %X %p %s %c %%, length l and ll (long is 32-bit), flags
// '-' and '0', a width, and a precision for %s. Unknown conversions print verbatim.
// 64-bit division comes from libgcc (__udivdi3/__umoddi3).
#include <denali.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct sink {
	char *buf;      // NULL: console
	size_t cap;     // buffer capacity in bytes, including the NUL
	size_t len;     // characters produced so far (may exceed cap)
};

static void emit(struct sink *s, char ch)
{
	if (s->buf == NULL)
		denali_putchar(ch);
	else if (s->len + 1 < s->cap)
		s->buf[s->len] = ch;
	s->len++;
}

static void emit_pad(struct sink *s, char ch, int n)
{
	while (n-- > 0)
		emit(s, ch);
}

// Converts v to digits in `base` into tmp (reversed); returns the digit count.
static int to_digits(char *tmp, unsigned long long v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	return n;
}

// Emits a number with sign/prefix, width, zero-padding and left-justification.
static void emit_number(struct sink *s, unsigned long long v, bool neg, unsigned base,
	bool upper, const char *prefix, int width, bool left, bool zero)
{
	char tmp[24];
	int nd = to_digits(tmp, v, base, upper);
	int plen = (int)strlen(prefix) + (neg ? 1 : 0);
	int pad = width - nd - plen;
	if (!left && !zero)
		emit_pad(s, ' ', pad);
	if (neg)
		emit(s, '-');
	for (const char *p = prefix; *p; p++)
		emit(s, *p);
	if (!left && zero)
		emit_pad(s, '0', pad);
	while (nd > 0)
		emit(s, tmp[--nd]);
	if (left)
		emit_pad(s, ' ', pad);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			emit(s, *p);
			continue;
		}
		const char *start = p++;
		bool left = false, zero = false;
		for (; *p == '-' || *p == '0'; p++) {
			if (*p == '-')
				left = true;
			else
				zero = true;
		}
		int width = 0, prec = -1;
		if (*p == '*') {
			width = va_arg(ap, int);
			p++;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			width = width * 10 + (*p - '0');
		if (*p == '.') {
			prec = 0;
			p++;
			if (*p == '*') {
				prec = va_arg(ap, int);
				p++;
			}
			for (; *p >= '0' && *p <= '9'; p++)
				prec = prec * 10 + (*p - '0');
		}
		int lng = 0;
		for (; *p == 'l'; p++)
			lng++;
		if (*p == 'z')
			p++; // size_t is 32-bit, like int
		switch (*p) {
		case 'd':
		case 'i': {
			long long v = lng >= 2 ? va_arg(ap, long long)
				: lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			bool neg = v < 0;
			unsigned long long u = neg ? 0ull - (unsigned long long)v : (unsigned long long)v;
			emit_number(s, u, neg, 10, false, "", width, left, zero);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v = lng >= 2 ? va_arg(ap, unsigned long long)
				: lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			unsigned base = *p == 'u' ? 10 : 16;
			emit_number(s, v, false, base, *p == 'X', "", width, left, zero);
			break;
		}
		case 'p':
			emit_number(s, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x",
				width, left, zero);
			break;
		case 'c': {
			emit_pad(s, ' ', left ? 0 : width - 1);
			emit(s, (char)va_arg(ap, int));
			emit_pad(s, ' ', left ? width - 1 : 0);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (str == NULL)
				str = "(null)";
			int n = 0;
			while (str[n] && (prec < 0 || n < prec))
				n++;
			emit_pad(s, ' ', left ? 0 : width - n);
			for (int i = 0; i < n; i++)
				emit(s, str[i]);
			emit_pad(s, ' ', left ? width - n : 0);
			break;
		}
		case '%':
			emit(s, '%');
			break;
		default: // unknown: print the conversion as written
			for (const char *q = start; q <= p && *q; q++)
				emit(s, *q);
			if (*p == '\0')
				return;
			break;
		}
	}
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct sink s = { buf, cap, 0 };
	static char dummy;
	if (cap == 0) // measure only: write nowhere
		s.buf = &dummy;
	format(&s, fmt, ap);
	if (cap > 0)
		buf[s.len < cap ? s.len : cap - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = { NULL, 0, 0 };
	format(&s, fmt, ap);
	return (int)s.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int fprintf(FILE *stream, const char *fmt, ...)
{
	(void)stream; // stdout and stderr are both the console
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
