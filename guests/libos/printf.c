// SPDX-License-Identifier: MIT
// printf and friends for guests (and fputs/fputc/fwrite to the console). One
// formatter (format()) writes through a sink: the console (denali_putchar) or a
// bounded buffer. Conversions: %d %i %u %x %X %o %p %s %c %%, length hh h l ll z j t
// (long is 32-bit), flags '-' '0' '+' ' ' '#', a width, and a precision for %s.
// Unknown conversions (and %f: there is no floating point) print verbatim.
// 64-bit division comes from libgcc (__udivdi3/__umoddi3).
#include <denali.h>
#include <limits.h>
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

// Conversion flags and sizes parsed from one %-specification.
struct spec {
	bool left, zero, plus, space, alt;
	int width, prec; // prec -1: none
};

// Emits a number: sign or prefix, then zeros up to the precision (or the width, with
// '0' and no precision), then the digits, padded to the width.
static void emit_number(struct sink *s, unsigned long long v, bool neg, unsigned base,
	bool upper, const char *prefix, const struct spec *sp)
{
	char tmp[24];
	int nd = v == 0 && sp->prec == 0 ? 0 : to_digits(tmp, v, base, upper);
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	int plen = (int)strlen(prefix) + (sign ? 1 : 0);
	int zeros = sp->prec > nd ? sp->prec - nd : 0;
	int pad = sp->width - nd - zeros - plen;
	if (sp->zero && !sp->left && sp->prec < 0 && pad > 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		emit_pad(s, ' ', pad);
	if (sign)
		emit(s, sign);
	for (const char *p = prefix; *p; p++)
		emit(s, *p);
	emit_pad(s, '0', zeros);
	while (nd > 0)
		emit(s, tmp[--nd]);
	if (sp->left)
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
		struct spec sp = { .prec = -1 };
		for (;; p++) {
			if (*p == '-')
				sp.left = true;
			else if (*p == '0')
				sp.zero = true;
			else if (*p == '+')
				sp.plus = true;
			else if (*p == ' ')
				sp.space = true;
			else if (*p == '#')
				sp.alt = true;
			else
				break;
		}
		if (*p == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) { // C: a negative width is '-' and its magnitude
				sp.left = true;
				sp.width = sp.width == INT_MIN ? INT_MAX : -sp.width;
			}
			p++;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			sp.width = sp.width < 100000 ? sp.width * 10 + (*p - '0') : sp.width;
		if (*p == '.') {
			sp.prec = 0;
			p++;
			if (*p == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1; // C: as if omitted
				p++;
			}
			for (; *p >= '0' && *p <= '9'; p++)
				sp.prec = sp.prec < 100000 ? sp.prec * 10 + (*p - '0') : sp.prec;
		}
		int lng = 0, half = 0; // l/ll, h/hh
		for (; *p == 'l'; p++)
			lng++;
		for (; *p == 'h'; p++)
			half++;
		if (*p == 'z' || *p == 't' || *p == 'j') // size_t, ptrdiff_t: 32-bit; intmax_t: 64
			lng = *p++ == 'j' ? 2 : lng;
		switch (*p) {
		case 'd':
		case 'i': {
			long long v = lng >= 2 ? va_arg(ap, long long)
				: lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			if (half == 1)
				v = (short)v;
			else if (half >= 2)
				v = (signed char)v;
			bool neg = v < 0;
			unsigned long long u = neg ? 0ull - (unsigned long long)v : (unsigned long long)v;
			emit_number(s, u, neg, 10, false, "", &sp);
			break;
		}
		case 'u':
		case 'o':
		case 'x':
		case 'X': {
			unsigned long long v = lng >= 2 ? va_arg(ap, unsigned long long)
				: lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			if (half == 1)
				v = (unsigned short)v;
			else if (half >= 2)
				v = (unsigned char)v;
			unsigned base = *p == 'u' ? 10 : *p == 'o' ? 8 : 16;
			const char *prefix = "";
			if (sp.alt && v != 0 && base == 16)
				prefix = *p == 'X' ? "0X" : "0x";
			else if (sp.alt && base == 8)
				prefix = "0";
			sp.plus = sp.space = false;
			emit_number(s, v, false, base, *p == 'X', prefix, &sp);
			break;
		}
		case 'p':
			sp.plus = sp.space = false;
			emit_number(s, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x", &sp);
			break;
		case 'c': {
			emit_pad(s, ' ', sp.left ? 0 : sp.width - 1);
			emit(s, (char)va_arg(ap, int));
			emit_pad(s, ' ', sp.left ? sp.width - 1 : 0);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (str == NULL)
				str = "(null)";
			int n = 0;
			while (str[n] && (sp.prec < 0 || n < sp.prec))
				n++;
			emit_pad(s, ' ', sp.left ? 0 : sp.width - n);
			for (int i = 0; i < n; i++)
				emit(s, str[i]);
			emit_pad(s, ' ', sp.left ? sp.width - n : 0);
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

int vfprintf(FILE *stream, const char *fmt, va_list ap)
{
	(void)stream;
	return vprintf(fmt, ap);
}

int vsprintf(char *buf, const char *fmt, va_list ap)
{
	return vsnprintf(buf, (size_t)-1, fmt, ap); // unbounded, as C's sprintf is
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}

int fputs(const char *str, FILE *stream)
{
	(void)stream;
	while (*str)
		denali_putchar(*str++);
	return 0;
}

int fputc(int ch, FILE *stream)
{
	(void)stream;
	return denali_putchar(ch);
}

int putc(int ch, FILE *stream)
{
	return fputc(ch, stream);
}

size_t fwrite(const void *p, size_t size, size_t count, FILE *stream)
{
	(void)stream;
	const char *c = p;
	if (size == 0 || count == 0)
		return 0;
	for (size_t i = 0; i < size * count; i++)
		denali_putchar(c[i]);
	return count;
}
