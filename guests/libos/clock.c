// SPDX-License-Identifier: MIT
// The simulated clock and sleeping: denali_now_ns (<denali_sched.h>), clock_gettime,
// clock_getres, nanosleep, time (<time.h>), gettimeofday (<sys/time.h>), usleep and
// sleep (<unistd.h>). There is no host clock anywhere: every time is this machine's
// simulated time since boot, so runs are reproducible.
//
// Precise time is time_ns (simulated time at the last VM entry) plus the cycles this
// VM has run since that entry, RDTSC - tsc_at_entry, converted at cpu_khz (docs/isa.md
// 6 and 11). The kernel rewrites the virtual registers only at a VM entry, which can
// fall between any two of our reads, so we read both fields, RDTSC, then both fields
// again and retry if anything changed (a 64-bit field is two loads and can tear).
#include <denali.h>
#include <denali_sched.h>
#include <errno.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sched_internal.h"

#define NS_PER_S 1000000000u

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

uint64_t denali_now_ns(void)
{
	volatile struct denali_vregs *v = denali_vregs();
	uint64_t t, tsc0, tsc;
	do {
		t = v->time_ns;
		tsc0 = v->tsc_at_entry;
		tsc = rdtsc();
	} while (t != v->time_ns || tsc0 != v->tsc_at_entry);
	uint32_t khz = v->cpu_khz ? v->cpu_khz : 1700000u;
	uint64_t cycles = tsc > tsc0 ? tsc - tsc0 : 0;
	// The usual case, fewer than 2^32 cycles since the entry and a clock above 1 GHz:
	// one 32x32-bit multiply by a cached reciprocal instead of three 64-bit divisions
	// (libgcc calls that were a quarter of a web server's instructions, by `denali run
	// --profile`). The reciprocal is rounded down, so q is the exact quotient or one
	// below it; one multiply-and-compare fixes that.
	if (cycles >> 32 == 0 && khz > 1000000u) {
		static uint32_t cached_khz, recip; // recip = floor(2^32 * 10^6 / khz) < 2^32
		if (khz != cached_khz) {
			recip = (uint32_t)(((uint64_t)1000000u << 32) / khz);
			cached_khz = khz;
		}
		uint64_t num = (uint64_t)(uint32_t)cycles * 1000000u;
		uint32_t q = (uint32_t)(((uint64_t)(uint32_t)cycles * recip) >> 32);
		if ((uint64_t)(q + 1) * khz <= num)
			q++;
		return t + q;
	}
	// cycles * 1e6 / khz without overflowing 64 bits for huge cycle counts.
	return t + cycles / khz * 1000000u + cycles % khz * 1000000u / khz;
}

// Simulated ns as a timespec.
static void to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / NS_PER_S);
	ts->tv_nsec = (long)(ns % NS_PER_S);
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
		errno = EINVAL;
		return -1;
	}
	if (ts == NULL) {
		errno = EFAULT;
		return -1;
	}
	to_timespec(denali_now_ns(), ts);
	return 0;
}

int clock_getres(clockid_t clock, struct timespec *res)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
		errno = EINVAL;
		return -1;
	}
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1;
	}
	return 0;
}

time_t time(time_t *t)
{
	time_t now = (time_t)(denali_now_ns() / NS_PER_S);
	if (t)
		*t = now;
	return now;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	if (tv == NULL) {
		errno = EFAULT;
		return -1;
	}
	uint64_t ns = denali_now_ns();
	tv->tv_sec = (time_t)(ns / NS_PER_S);
	tv->tv_usec = (suseconds_t)(ns % NS_PER_S / 1000u);
	if (tz) {
		struct timezone *z = tz;
		z->tz_minuteswest = 0;
		z->tz_dsttime = 0;
	}
	return 0;
}

static void wake_sleeper(struct denali_timer *tm)
{
	sched_wake(tm->arg);
}

// Always goes through the scheduler, even for a deadline already past, so a thread
// that loops on a zero sleep still lets the others run.
void sched_sleep_until(uint64_t deadline_ns)
{
	struct denali_thread *self = sched_self();
	struct denali_timer tm = { .fn = wake_sleeper, .arg = self };
	self->state = THREAD_BLOCKED;
	self->waitq = NULL;
	denali_timer_arm(&tm, deadline_ns);
	sched_block();
}

// now + ns, saturating (a sleep of centuries is a sleep forever, not a wrap-around).
static uint64_t deadline_after(uint64_t ns)
{
	uint64_t now = denali_now_ns();
	return ns > UINT64_MAX - 1 - now ? UINT64_MAX - 1 : now + ns;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (req == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= (long)NS_PER_S) {
		errno = EINVAL;
		return -1;
	}
	uint64_t ns = (uint64_t)req->tv_sec >= UINT64_MAX / NS_PER_S
		? UINT64_MAX
		: (uint64_t)req->tv_sec * NS_PER_S + (uint64_t)req->tv_nsec;
	sched_sleep_until(deadline_after(ns));
	if (rem) {
		rem->tv_sec = 0;
		rem->tv_nsec = 0;
	}
	return 0;
}

int usleep(useconds_t us)
{
	sched_sleep_until(deadline_after((uint64_t)us * 1000u));
	return 0;
}

unsigned sleep(unsigned s)
{
	sched_sleep_until(deadline_after((uint64_t)s * NS_PER_S));
	return 0;
}
