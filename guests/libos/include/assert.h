// SPDX-License-Identifier: MIT
// The libos assert: on failure prints "assert failed: file:line: expr" and ends the
// VM with exit code 134 (like SIGABRT). NDEBUG turns it off, as in C.
#ifndef DENALI_LIBOS_ASSERT_H
#define DENALI_LIBOS_ASSERT_H

__attribute__((noreturn)) void denali_assert_fail(const char *expr, const char *file, int line);

#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e) ((e) ? (void)0 : denali_assert_fail(#e, __FILE__, __LINE__))
#endif

#endif
