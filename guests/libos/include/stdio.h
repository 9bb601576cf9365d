// SPDX-License-Identifier: MIT
// The libos stdio.h subset: formatted output to the console (printf.c) and a few
// character functions (console.c). stdout and stderr are both the console; there is
// no input and no files (FILE is opaque; stdin, fopen and the like do not exist).
// Output is line-buffered; exit() flushes it. No floating-point conversions.
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
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vsprintf(char *buf, const char *fmt, va_list ap);
int vfprintf(FILE *stream, const char *fmt, va_list ap);
int putchar(int ch);
int puts(const char *s);
int fputs(const char *s, FILE *stream);
int fputc(int ch, FILE *stream);
int putc(int ch, FILE *stream);
size_t fwrite(const void *p, size_t size, size_t count, FILE *stream);
void perror(const char *s);  // "s: strerror(errno)\n"
int fflush(FILE *stream);

#endif
