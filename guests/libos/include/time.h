// SPDX-License-Identifier: MIT
// The libos time.h (clock.c). Both clocks are this machine's simulated time since it
// booted (denali_now_ns in <denali_sched.h>): CLOCK_REALTIME has no 1970 epoch because
// a guest never sees the host clock, and the two clocks always agree. nanosleep blocks
// only the calling thread (the scheduler runs others, or idles with a timeout).
#ifndef DENALI_LIBOS_TIME_H
#define DENALI_LIBOS_TIME_H

#include <stddef.h>
#include <sys/types.h>

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1

struct timespec {
	time_t tv_sec;
	long tv_nsec; // 0..999999999
};

// Returns 0, or -1 with errno EINVAL (unknown clock) or EFAULT (ts NULL).
int clock_gettime(clockid_t clock, struct timespec *ts);
// Resolution: 1 ns.
int clock_getres(clockid_t clock, struct timespec *res);
// Sleeps at least *req; returns 0 (never interrupted: rem, if given, gets zero), or -1
// with errno EINVAL for a negative or non-normalised request, EFAULT for req NULL.
int nanosleep(const struct timespec *req, struct timespec *rem);
// Whole simulated seconds since boot; also stored in *t when t is not NULL.
time_t time(time_t *t);

#endif
