// SPDX-License-Identifier: MIT
// The libos scheduler's services for drivers and protocol stacks (thread.c, timer.c):
// the precise simulated clock, software timers, interrupt callbacks, and the idle
// policy. Applications normally use the POSIX subset instead (<pthread.h>, <time.h>,
// <unistd.h>); docs/guest-sdk.md describes both.
//
// Threads are cooperative: a thread runs until it blocks (mutex, condition variable,
// sleep, a blocking socket call), yields, or exits. Interrupts never switch threads;
// the upcall only records the delivered lines. Whenever a thread enters the scheduler
// (and whenever denali_sched_poll is called), the scheduler first runs the callbacks
// of the lines delivered since the last time, then the software timers that are due,
// then picks the next runnable thread in FIFO order. With no runnable thread it issues
// idle-with-timeout with the timeout set to the earliest pending software timer
// (DENALI_IDLE_FOREVER when there is none) -- the paper's Figure 5 "with timeout".
// With denali_idle_timeout = 0 (the paper's "no timeout" variant) it may idle only when
// no software timer is pending; otherwise it spins, polling, until one is due.
#ifndef DENALI_LIBOS_DENALI_SCHED_H
#define DENALI_LIBOS_DENALI_SCHED_H

#include <stdint.h>

// Simulated time now, ns: time_ns plus the cycles this VM ran since it was entered
// (the tsc_at_entry virtual register), so it advances while the VM computes.
uint64_t denali_now_ns(void);

// A software timer. Callbacks run in scheduler context: never inside the interrupt
// upcall, never concurrently with another callback. They must not block; they may
// signal condition variables, send frames, and arm or cancel timers (their own too).
struct denali_timer {
	uint64_t deadline_ns;                   // absolute simulated time
	void (*fn)(struct denali_timer *t);     // called once per arming, when due
	void *arg;                              // for the owner
	struct denali_timer *next;              // private
	int armed;                              // private: nonzero while pending
};

// Arms t for absolute time deadline_ns (re-arming moves it). fn and arg must be set.
void denali_timer_arm(struct denali_timer *t, uint64_t deadline_ns);
// Cancels t if pending (harmless otherwise).
void denali_timer_cancel(struct denali_timer *t);
// The earliest pending deadline, or UINT64_MAX when no timer is pending.
uint64_t denali_timer_next(void);

// Runs fn(arg) in scheduler context after each upcall that delivered `line`
// (DENALI_IRQ_*). One callback per line; registering again replaces it; NULL removes
// it. Installs the libos interrupt handler and enables interrupts on first use.
void denali_irq_register(unsigned line, void (*fn)(void *arg), void *arg);

// Runs pending interrupt callbacks and due timers now, without blocking or switching
// threads. For busy loops that want to make progress without yielding.
void denali_sched_poll(void);

// 1 (default): idle with timeout = earliest software timer. 0: the paper's "no
// timeout" variant (spin while software timers are pending). Building the libos or an
// app with -DDENALI_IDLE_NO_TIMEOUT=1 makes 0 the default.
extern int denali_idle_timeout;
#if defined(DENALI_IDLE_NO_TIMEOUT) && DENALI_IDLE_NO_TIMEOUT
// crt0 (start.c) reads this before main and sets denali_idle_timeout = 0. Weak, so
// every file of the program may include this header.
__attribute__((weak)) const int denali_idle_no_timeout_default = 1;
#endif

// Scheduler statistics, for experiments.
struct denali_sched_stats {
	uint64_t switches;     // thread switches
	uint64_t idles;        // idle-with-timeout instructions issued
	uint64_t idle_spins;   // scheduler loops that spun instead of idling (no-timeout)
	uint64_t timers_fired;
	uint64_t irq_upcalls;
};
void denali_sched_stats(struct denali_sched_stats *out);

// Results for the run's summary (port DENALI_PORT_STAT_*, docs/isa.md 9.5): add v to
// the machine-wide counter `name`, or record v as one sample of the histogram `name`.
// Return 0 or a DENALI_STAT_ERR_* value.
uint32_t denali_stat_add(const char *name, uint64_t v);
uint32_t denali_stat_sample(const char *name, uint64_t v);

#endif
