// SPDX-License-Identifier: MIT
// The libos stdlib.h subset (stdlib.c, strtol.c): a first-fit heap between _end and
// the stack reserve below mem_size, a deterministic PRNG, integer parsing and helpers,
// qsort/bsearch, exit/atexit/abort. getenv always returns NULL (no environment).
// rand: xorshift32 (Marsaglia 2003) on a 32-bit state, returning state >> 1; the
// initial state is 2463534242, srand(0) acts like srand(1). rand_r runs the same
// generator on *seed. The sequence is the same in every guest and every run.
#ifndef DENALI_LIBOS_STDLIB_H
#define DENALI_LIBOS_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 0x7fffffff

void *malloc(size_t n);
void free(void *p);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t n);
int rand(void);
void srand(unsigned seed);
int rand_r(unsigned *seed);
int abs(int v);
long labs(long v);
long long llabs(long long v);
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);
// strto*: C semantics; out of range gives the limit and errno ERANGE.
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
void qsort(void *base, size_t count, size_t size, int (*cmp)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t count, size_t size,
	int (*cmp)(const void *, const void *));
char *getenv(const char *name);
// Up to 32 functions, run last-registered first by exit() (not by _exit or a fault).
int atexit(void (*fn)(void));
__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void abort(void);

#endif
