// SPDX-License-Identifier: MIT
// strtol, strtoul, strtoll, strtoull, atoi, atol, atoll (<stdlib.h>), with C's rules:
// leading white space, an optional sign, base 0 (auto: 0x hex, 0 octal, else decimal)
// or 2..36 with an optional 0x for 16; *end gets the first unparsed character, or s
// itself when no digit was read; out of range gives the type's limit and errno ERANGE.
// The unsigned forms negate a leading '-' in the unsigned type, as C says. An unknown
// base (1, 37, ...) reads nothing and sets EINVAL.
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static int digit_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A' + 10;
	return 99;
}

// Parses the magnitude into *v (saturating at `limit`, which sets *overflow) and the
// sign into *neg; returns the end of the number (s when there was none).
static const char *parse(const char *s, int base, unsigned long long limit,
	unsigned long long *v, bool *neg, bool *overflow)
{
	const char *p = s;
	*v = 0;
	*neg = false;
	*overflow = false;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		return s;
	}
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	const char *digits = p;
	unsigned long long acc = 0;
	for (int d; (d = digit_value(*p)) < base; p++) {
		if (acc > (limit - (unsigned long long)d) / (unsigned long long)base) {
			*overflow = true;
			acc = limit;
		} else if (!*overflow) {
			acc = acc * (unsigned long long)base + (unsigned long long)d;
		}
	}
	*v = acc;
	return p == digits ? s : p;
}

// Signed: magnitude up to max (or max + 1 when negative).
static long long parse_signed(const char *s, char **end, int base, long long max)
{
	unsigned long long v;
	bool neg, overflow;
	const char *e = parse(s, base, (unsigned long long)max + 1u, &v, &neg, &overflow);
	if (end)
		*end = (char *)e;
	if (!neg && (overflow || v > (unsigned long long)max)) {
		errno = ERANGE;
		return max;
	}
	if (neg && overflow) {
		errno = ERANGE;
		return -max - 1;
	}
	if (neg)
		return v == (unsigned long long)max + 1u ? -max - 1 : -(long long)v;
	return (long long)v;
}

static unsigned long long parse_unsigned(const char *s, char **end, int base,
	unsigned long long max)
{
	unsigned long long v;
	bool neg, overflow;
	const char *e = parse(s, base, max, &v, &neg, &overflow);
	if (end)
		*end = (char *)e;
	if (overflow) {
		errno = ERANGE;
		return max;
	}
	return neg ? (0ull - v) & max : v;
}

long strtol(const char *s, char **end, int base)
{
	return (long)parse_signed(s, end, base, LONG_MAX);
}

long long strtoll(const char *s, char **end, int base)
{
	return parse_signed(s, end, base, LLONG_MAX);
}

unsigned long strtoul(const char *s, char **end, int base)
{
	return (unsigned long)parse_unsigned(s, end, base, ULONG_MAX);
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	return parse_unsigned(s, end, base, ULLONG_MAX);
}

int atoi(const char *s) { return (int)strtol(s, NULL, 10); }
long atol(const char *s) { return strtol(s, NULL, 10); }
long long atoll(const char *s) { return strtoll(s, NULL, 10); }
