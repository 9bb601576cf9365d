// SPDX-License-Identifier: MIT
// The libos stdio.h subset: formatted output to the console (printf.c) and a few
// character functions (console.c). stdout and stderr are both the console; there is
// no input and no files. Output is line-buffered; exit() flushes it.
#ifndef DENALI_LIBOS_STDIO_H
#define DENALI_LIBOS_STDIO_H

#include <stdarg.h>
#include <stddef.h>

typedef struct denali_file FILE; // opaque: only stdout and stderr exist
#define stdout ((FILE *)1)
#define stderr ((FILE *)2)
#define EOF (-1)

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *stream, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int putchar(int ch);
int puts(const char *s);
int fflush(FILE *stream);

#endif
