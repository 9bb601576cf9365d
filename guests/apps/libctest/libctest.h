// SPDX-License-Identifier: MIT
// libctest's shared check counter (libctest.c) and the test groups in the other files.
#ifndef DENALI_LIBCTEST_H
#define DENALI_LIBCTEST_H

extern int checks, failed;
void check(int ok, const char *file, int line, const char *what);
#define CHECK(cond) check((cond), __FILE__, __LINE__, #cond)

void test_posix(void);   // posix.c: errno, strto*, printf flags, string, ctype, stdlib
void test_threads(void); // threads.c: pthread threads, mutexes, condition variables

#endif
