// SPDX-License-Identifier: MIT
// The libos sys/time.h (clock.c): gettimeofday reads the simulated clock. The epoch is
// this machine's boot (simulated time 0), not 1970: a guest never sees the host clock.
#ifndef DENALI_LIBOS_SYS_TIME_H
#define DENALI_LIBOS_SYS_TIME_H

#include <sys/types.h>

struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec; // 0..999999
};

struct timezone {
	int tz_minuteswest;
	int tz_dsttime;
};

// Fills *tv with the simulated time (denali_now_ns); tz, if given, gets zeros.
// Returns 0, or -1 with errno EFAULT when tv is NULL.
int gettimeofday(struct timeval *tv, void *tz);

#endif
