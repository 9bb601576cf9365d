// SPDX-License-Identifier: MIT
// libctest: checks the libos C subset from inside a guest: snprintf formats, string
// functions, malloc/free/calloc/realloc, qsort, strtol/atoi, rand determinism and
// the virtual registers (here); the POSIX additions (posix.c); threads, mutexes and
// condition variables (threads.c). Prints "FAIL file:line: what" per failed check and
// "libctest: N checks, F failed"; exit code is F (0: all passed). Nothing here reads
// the clock, so the retired-instruction count is the same natively and simulated
// (retired-count-libctest-*); the time-dependent checks are in apps/threadtest.
// With a command line (nativerun --args, denali run --args) it also prints
// `libctest: argv "w1" "w2" ...` for the test to compare.
#include <assert.h>
#include <denali.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libctest.h"

int checks, failed;

void check(int ok, const char *file, int line, const char *what)
{
	checks++;
	if (!ok) {
		failed++;
		printf("FAIL %s:%d: %s\n", file, line, what);
	}
}

// Formats with snprintf and compares with `want`; also checks the returned length.
static void check_fmt(int line, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check_fmt(int line, const char *want, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	checks++;
	if (strcmp(buf, want) != 0 || n != (int)strlen(want)) {
		failed++;
		printf("FAIL libctest.c:%d: format \"%s\" gave \"%s\" (%d), want \"%s\"\n", line, fmt,
			buf, n, want);
	}
}

static void test_printf(void)
{
	check_fmt(__LINE__, "42 -7 0", "%d %i %d", 42, -7, 0);
	check_fmt(__LINE__, "-2147483648", "%d", (int)0x80000000u);
	check_fmt(__LINE__, "4294967295 ffffffff FFFFFFFF", "%u %x %X", 0xffffffffu, 0xffffffffu,
		0xffffffffu);
	check_fmt(__LINE__, "[   42][42   ][00042]", "[%5d][%-5d][%05d]", 42, 42, 42);
	check_fmt(__LINE__, "[  -42][-0042]", "[%5d][%05d]", -42, -42);
	check_fmt(__LINE__, "[abc][  abc][abc  ][ab]", "[%s][%5s][%-5s][%.2s]", "abc", "abc",
		"abc", "abc");
	check_fmt(__LINE__, "x%y", "%c%%%c", 'x', 'y');
	const char *volatile null_str = NULL; // volatile: keep gcc's format checks quiet
	check_fmt(__LINE__, "(null)", "%s", null_str);
	check_fmt(__LINE__, "0x1000", "%p", (void *)0x1000);
	check_fmt(__LINE__, "-9223372036854775808 18446744073709551615",
		"%lld %llu", (long long)(-9223372036854775807LL - 1), 18446744073709551615ull);
	check_fmt(__LINE__, "123456789abcdef0", "%llx", 0x123456789abcdef0ull);
	check_fmt(__LINE__, "-5 7", "%ld %lu", -5L, 7UL);
	check_fmt(__LINE__, "00ff", "%04x", 255u);
	char buf[16];
	const char *volatile bad_fmt = "%q|%5";
	snprintf(buf, sizeof buf, bad_fmt, 0);
	CHECK(strcmp(buf, "%q|%5") == 0); // unknown conversions print as written
	char small[6];
	int n = snprintf(small, sizeof small, "%s", "truncated");
	CHECK(n == 9 && strcmp(small, "trunc") == 0);
	CHECK(snprintf(NULL, 0, "%d", 12345) == 5);
}

static void test_string(void)
{
	char a[32], b[32];
	memset(a, 'x', sizeof a);
	CHECK(a[0] == 'x' && a[31] == 'x');
	strcpy(a, "hello, world");
	CHECK(strlen(a) == 12);
	CHECK(strcmp(a, "hello, world") == 0);
	CHECK(strcmp("abc", "abd") < 0 && strcmp("abd", "abc") > 0 && strcmp("ab", "abc") < 0);
	CHECK(strcmp("\xff", "a") > 0); // compares as unsigned char
	CHECK(strncmp("abcdef", "abcxyz", 3) == 0 && strncmp("abcdef", "abcxyz", 4) < 0);
	CHECK(strchr(a, 'o') == a + 4 && strrchr(a, 'o') == a + 8 && strchr(a, 'z') == NULL);
	CHECK(strchr(a, '\0') == a + 12);
	CHECK(strstr(a, "world") == a + 7 && strstr(a, "worlds") == NULL && strstr(a, "") == a);
	memcpy(b, a, 13);
	CHECK(memcmp(a, b, 13) == 0);
	b[3] = 'X';
	CHECK(memcmp(a, b, 13) > 0);
	strcpy(a, "0123456789");
	memmove(a + 2, a, 5);
	CHECK(strcmp(a, "0101234789") == 0);
	strcpy(a, "0123456789");
	memmove(a, a + 2, 5);
	CHECK(strcmp(a, "2345656789") == 0);
	memset(b, '#', 8);
	strncpy(b, "ab", 5);
	CHECK(b[0] == 'a' && b[1] == 'b' && b[2] == 0 && b[4] == 0 && b[5] == '#');
	CHECK(memchr("abc", 'c', 3) != NULL && memchr("abc", 'd', 3) == NULL);
}

// memcpy/memmove/memset copy 16 and 4 bytes at a time: lengths around those sizes at
// three alignments each way, overlapping and not, against a byte-at-a-time reference.
// (Kept small: the slow suite single-steps libctest natively.)
static unsigned char pat(int i)
{
	return (unsigned char)(i * 7 + 1);
}

static void test_mem_words(void)
{
	static const int lens[] = { 0, 3, 4, 5, 16, 17, 33 }, offs[] = { 0, 1, 3 };
	static unsigned char buf[48];
	volatile unsigned char *vb = buf; // the set-up loops must not become memset/memcpy
	int bad = 0;
	for (unsigned l = 0; l < sizeof lens / sizeof lens[0]; l++)
		for (unsigned f = 0; f < 3; f++)
			for (unsigned t = 0; t < 3; t++) {
				int len = lens[l], n = len < 16 ? len : 16, from = offs[f], to = offs[t];
				for (int i = 0; i < 48; i++)
					vb[i] = pat(i);
				memmove(buf + to, buf + from, (size_t)len);
				for (int i = 0; i < 48; i++)
					bad += vb[i] != (i >= to && i < to + len ? pat(from + i - to) : pat(i));
				for (int i = 0; i < 48; i++)
					vb[i] = pat(i);
				memcpy(buf + 24 + to, buf + from, (size_t)n); // disjoint
				for (int i = 0; i < 48; i++)
					bad += vb[i] != (i >= 24 + to && i < 24 + to + n ?
							 pat(from + i - 24 - to) : pat(i));
				for (int i = 0; i < 48; i++)
					vb[i] = pat(i);
				memset(buf + to, from + 0x80 + 256, (size_t)len); // low byte only
				for (int i = 0; i < 48; i++)
					bad += vb[i] != (i >= to && i < to + len ?
							 (unsigned char)(from + 0x80) : pat(i));
			}
	CHECK(bad == 0);
}

static void test_malloc(void)
{
	char *p[16];
	for (int i = 0; i < 16; i++) {
		p[i] = malloc((size_t)(i + 1) * 40);
		CHECK(p[i] != NULL && ((uintptr_t)p[i] & 15) == 0);
		memset(p[i], i, (size_t)(i + 1) * 40);
	}
	int intact = 1;
	for (int i = 0; i < 16; i++) {
		for (int k = 0; k < (i + 1) * 40; k++)
			intact &= p[i][k] == (char)i;
	}
	CHECK(intact);
	for (int i = 0; i < 16; i += 2)
		free(p[i]);
	char *q = malloc(40); // first fit: reuses the first freed block
	CHECK(q == p[0]);
	free(q);
	for (int i = 1; i < 16; i += 2)
		free(p[i]);
	char *big = malloc(600); // all free again and merged: comes from the start
	CHECK(big == p[0]);
	int *z = calloc(100, sizeof *z);
	int zero = z != NULL;
	for (int i = 0; zero && i < 100; i++)
		zero = z[i] == 0;
	CHECK(zero);
	strcpy(big, "keep me");
	char *r = realloc(big, 5000);
	CHECK(r != NULL && strcmp(r, "keep me") == 0);
	free(r);
	free(z);
	CHECK(malloc(0x7fffffff) == NULL);
	CHECK(calloc(0x10000, 0x10000) == NULL);
	CHECK(malloc(denali_mem_size()) == NULL);
	free(NULL);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void test_qsort_rand(void)
{
	int v[300];
	srand(42);
	int first = rand();
	srand(42);
	CHECK(rand() == first);
	srand(7);
	for (int i = 0; i < 300; i++)
		v[i] = rand() % 50 - 25;
	qsort(v, 300, sizeof v[0], cmp_int);
	int sorted = 1;
	for (int i = 1; i < 300; i++)
		sorted &= v[i - 1] <= v[i];
	CHECK(sorted);
	int w[3] = { 3, 1, 2 };
	qsort(w, 3, sizeof w[0], cmp_int);
	CHECK(w[0] == 1 && w[1] == 2 && w[2] == 3);
	qsort(w, 0, sizeof w[0], cmp_int);
}

static void test_strtol(void)
{
	char *end;
	CHECK(strtol("  -123xyz", &end, 10) == -123 && *end == 'x');
	CHECK(strtol("0x1fZ", &end, 0) == 31 && *end == 'Z');
	CHECK(strtol("0755", NULL, 0) == 493);
	CHECK(strtol("zz", &end, 36) == 1295);
	CHECK(strtol("junk", &end, 10) == 0 && strcmp(end, "junk") == 0);
	CHECK(strtol("99999999999", NULL, 10) == 2147483647L);
	CHECK(strtol("-99999999999", NULL, 10) == -2147483647L - 1);
	CHECK(strtoul("4294967295", NULL, 10) == 4294967295UL);
	CHECK(atoi("42") == 42 && atoi("-8") == -8);
	CHECK(abs(-5) == 5 && labs(-6L) == 6);
}

static void test_vregs(void)
{
	volatile struct denali_vregs *v = denali_vregs();
	CHECK(v->magic == DENALI_VREGS_MAGIC);
	CHECK(v->abi_version == DENALI_ABI_VERSION);
	CHECK(v->mem_size >= DENALI_MEM_MIN && (v->mem_size & 0xfff) == 0);
	uint32_t local;
	CHECK((uintptr_t)&local < v->mem_size && (uintptr_t)&local > v->mem_size - 65536);
	extern char _end[];
	CHECK((uintptr_t)_end < v->mem_size);
	assert(checks > 0); // must not fire
}

// argv from crt0: argv[0] is "guest", argv[argc] is NULL, and the words are printed
// for the test (meson: nativerun-libctest-args) to compare.
static void test_argv(int argc, char **argv, char **envp)
{
	CHECK(argc >= 1 && strcmp(argv[0], "guest") == 0 && argv[argc] == NULL);
	CHECK(envp != NULL && envp[0] == NULL);
	if (argc > 1 && argc <= 9) {
		printf("libctest: argv");
		for (int i = 1; i < argc; i++)
			printf(" \"%s\"", argv[i]);
		printf("\n");
	} else if (argc > 9) { // the longest command lines: count and the last word
		printf("libctest: argc %d, last \"%s\"\n", argc, argv[argc - 1]);
	}
}

int main(int argc, char **argv, char **envp)
{
	test_argv(argc, argv, envp);
	test_printf();
	test_string();
	test_mem_words();
	test_malloc();
	test_qsort_rand();
	test_strtol();
	test_vregs();
	test_posix();
	test_threads();
	printf("libctest: %d checks, %d failed\n", checks, failed);
	return failed;
}
