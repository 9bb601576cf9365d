// SPDX-License-Identifier: MIT
// The string.h subset for guests: mem* and str* in plain C. Built with
// -fno-tree-loop-distribute-patterns (gcc) so memset/memcpy are not "optimised" into
// calls to themselves. Compilers also call memcpy/memset/memmove/memcmp for struct
// copies and large initialisers, so these must exist even if a program never names them.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

// Word-at-a-time copies: 32-bit loads and stores (x86 allows them unaligned), 16 bytes
// per iteration, loads before stores so that memmove's overlapping forward and
// backward copies stay correct. Network code copies every payload byte through these,
// so they matter; REP MOVS would be faster still, but it makes the native retired-
// instruction comparison (tools/compare_count.py) skip every image.
typedef uint32_t __attribute__((may_alias, aligned(1))) u32u;

static void copy_fwd(unsigned char *d, const unsigned char *s, size_t n)
{
	for (; n >= 16; n -= 16, d += 16, s += 16) {
		uint32_t a = ((const u32u *)s)[0], b = ((const u32u *)s)[1];
		uint32_t c = ((const u32u *)s)[2], e = ((const u32u *)s)[3];
		((u32u *)d)[0] = a;
		((u32u *)d)[1] = b;
		((u32u *)d)[2] = c;
		((u32u *)d)[3] = e;
	}
	for (; n >= 4; n -= 4, d += 4, s += 4)
		*(u32u *)d = *(const u32u *)s;
	while (n--)
		*d++ = *s++;
}

static void copy_bwd(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	for (; n >= 16; n -= 16) {
		d -= 16;
		s -= 16;
		uint32_t a = ((const u32u *)s)[0], b = ((const u32u *)s)[1];
		uint32_t c = ((const u32u *)s)[2], e = ((const u32u *)s)[3];
		((u32u *)d)[0] = a;
		((u32u *)d)[1] = b;
		((u32u *)d)[2] = c;
		((u32u *)d)[3] = e;
	}
	while (n--)
		*--d = *--s;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_fwd(dst, src, n);
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d < s)
		copy_fwd(d, s, n);
	else if (d > s)
		copy_bwd(d, s, n);
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint32_t w = (unsigned char)c * 0x01010101u;
	for (; n >= 16; n -= 16, d += 16) {
		((u32u *)d)[0] = w;
		((u32u *)d)[1] = w;
		((u32u *)d)[2] = w;
		((u32u *)d)[3] = w;
	}
	for (; n >= 4; n -= 4, d += 4)
		*(u32u *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	}
	return NULL;
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
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b || *a == '\0')
			return (unsigned char)*a - (unsigned char)*b;
	}
	return 0;
}

char *strcpy(char *restrict dst, const char *restrict src)
{
	char *d = dst;
	while ((*d++ = *src++) != '\0')
		;
	return dst;
}

// Like C's strncpy: pads with NUL up to n, and does not terminate if src is too long.
char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
	size_t i = 0;
	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}

char *strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return (char *)hay;
	for (; *hay; hay++) {
		if (*hay == *needle && strncmp(hay, needle, n) == 0)
			return (char *)hay;
	}
	return NULL;
}

char *strcat(char *restrict dst, const char *restrict src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

// Appends at most n bytes of src and always a NUL (unlike strncpy).
char *strncat(char *restrict dst, const char *restrict src, size_t n)
{
	char *d = dst + strlen(dst);
	while (n-- > 0 && *src)
		*d++ = *src++;
	*d = '\0';
	return dst;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

size_t strspn(const char *s, const char *accept)
{
	size_t n = 0;
	while (s[n] && strchr(accept, s[n]))
		n++;
	return n;
}

size_t strcspn(const char *s, const char *reject)
{
	size_t n = 0;
	while (s[n] && !strchr(reject, s[n]))
		n++;
	return n;
}

char *strpbrk(const char *s, const char *accept)
{
	s += strcspn(s, accept);
	return *s ? (char *)s : NULL;
}

char *strtok_r(char *restrict s, const char *restrict delim, char **restrict save)
{
	if (s == NULL)
		s = *save;
	if (s == NULL)
		return NULL;
	s += strspn(s, delim);
	if (*s == '\0') {
		*save = NULL;
		return NULL;
	}
	char *end = s + strcspn(s, delim);
	if (*end) {
		*end = '\0';
		*save = end + 1;
	} else {
		*save = NULL;
	}
	return s;
}

// One static position, as in C: threads that switch in the middle of a tokenisation
// would share it, so threaded code should use strtok_r.
char *strtok(char *restrict s, const char *restrict delim)
{
	static char *save;
	return strtok_r(s, delim, &save);
}

char *strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

char *strdup(const char *s)
{
	return strndup(s, strlen(s));
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int strncasecmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		int x = lower((unsigned char)*a), y = lower((unsigned char)*b);
		if (x != y || x == 0)
			return x - y;
	}
	return 0;
}

int strcasecmp(const char *a, const char *b)
{
	return strncasecmp(a, b, (size_t)-1);
}
