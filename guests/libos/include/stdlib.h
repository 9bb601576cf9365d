// SPDX-License-Identifier: MIT
// The libos stdlib.h subset (stdlib.c): a first-fit heap between _end and the stack
// reserve below mem_size, a deterministic PRNG, integer helpers, qsort, exit/abort.
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
int abs(int v);
long labs(long v);
int atoi(const char *s);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
void qsort(void *base, size_t count, size_t size, int (*cmp)(const void *, const void *));
__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void abort(void);

#endif
