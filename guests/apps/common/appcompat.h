// SPDX-License-Identifier: MIT
// The few guest-only services the applications use, behind one header so the same
// sources also build natively on Linux (the outside oracle: native httpgen against
// native httpd on loopback). APP_NATIVE is defined by the native build in
// guests/meson.build. Natively the results ports are no-ops (each app prints its own
// summary line), the instance id is 0 and the clock is CLOCK_MONOTONIC; in a guest
// they are the results ports, the VM's machine and id, and the precise simulated
// clock (denali_now_ns).
#ifndef DENALI_APPS_APPCOMPAT_H
#define DENALI_APPS_APPCOMPAT_H

#include <stdint.h>
#include <time.h>

#ifdef APP_NATIVE

#include <signal.h>
#include <stdio.h>

// Once at the start of main: a write to a closed connection is an error return
// (EPIPE), not a fatal signal, and output is line-buffered even into a pipe.
static inline void app_init(void)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline uint32_t app_stat_add(const char *name, uint64_t v)
{
	(void)name;
	(void)v;
	return 0;
}
static inline uint32_t app_stat_sample(const char *name, uint64_t v)
{
	(void)name;
	(void)v;
	return 0;
}
// Distinguishes load generators in one run: machine id << 16 | VM id. 0 natively.
static inline uint32_t app_instance_id(void) { return 0; }
// The paper's Figure 5 "no timeout" variant: natively there is no such idle policy.
static inline void app_idle_spin(void) {}
static inline uint64_t app_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#else

#include <denali.h>
#include <denali_sched.h>

static inline void app_init(void) {}
static inline uint32_t app_stat_add(const char *name, uint64_t v)
{
	return denali_stat_add(name, v);
}
static inline uint32_t app_stat_sample(const char *name, uint64_t v)
{
	return denali_stat_sample(name, v);
}
static inline uint32_t app_instance_id(void)
{
	return (denali_vregs()->machine_id << 16) | denali_vm_id();
}
static inline uint64_t app_now_ns(void) { return denali_now_ns(); }
// The paper's Figure 5 "no timeout" variant: with a software timer pending (a TCP
// retransmission, a poll timeout) and no thread runnable, spin instead of idling.
static inline void app_idle_spin(void) { denali_idle_timeout = 0; }

#endif

// Sleeps until the app clock reads at least deadline_ns (returns at once if past).
static inline void app_sleep_until(uint64_t deadline_ns)
{
	uint64_t now = app_now_ns();
	if (now >= deadline_ns)
		return;
	uint64_t d = deadline_ns - now;
	struct timespec ts = {(time_t)(d / 1000000000u), (long)(d % 1000000000u)};
	nanosleep(&ts, NULL);
}

#endif
