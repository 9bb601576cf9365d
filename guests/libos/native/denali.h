// SPDX-License-Identifier: MIT
// The native shim: the libos API (guests/libos/include/denali.h) over glibc, so guest
// programs that use only that API and standard C also build as ordinary Linux
// programs (the benchmark's native baseline and the checksum tests). The console is
// stdout (write(1) after fflush), terminate is exit(), the VM id is 0, idle sleeps
// not at all, and there is no virtual-register page.
#ifndef DENALI_LIBOS_NATIVE_DENALI_H
#define DENALI_LIBOS_NATIVE_DENALI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DENALI_IDLE_FOREVER UINT64_MAX

__attribute__((noreturn)) static inline void denali_terminate(int code) { exit(code); }
static inline void denali_idle(uint64_t timeout_ns) { (void)timeout_ns; }
static inline uint32_t denali_vm_id(void) { return 0; }
static inline uint32_t denali_mem_size(void) { return 64u << 20; }

static inline int denali_console_write(const void *buf, size_t len)
{
	fflush(stdout); // keep order with printf output
	return (int)write(1, buf, len);
}
static inline int denali_putchar(int ch) { return putchar(ch); }
static inline void denali_console_flush(void) { fflush(stdout); }
static inline void denali_debug_putc(char ch) { putchar(ch); }

#endif
