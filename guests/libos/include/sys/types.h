// SPDX-License-Identifier: MIT
// The libos sys/types.h: the POSIX integer types the other headers use. time_t is
// 64-bit (no 2038 problem); long is 32-bit in a guest (i386 ILP32).
#ifndef DENALI_LIBOS_SYS_TYPES_H
#define DENALI_LIBOS_SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef int ssize_t;
typedef int64_t off_t;
typedef int pid_t;
typedef uint32_t uid_t;
typedef uint32_t gid_t;
typedef uint32_t mode_t;
typedef uint32_t useconds_t;
typedef int32_t suseconds_t;
typedef int64_t time_t;
typedef int clockid_t;

#endif
