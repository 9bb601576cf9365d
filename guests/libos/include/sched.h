// SPDX-License-Identifier: MIT
// The libos sched.h: sched_yield (thread.c) puts the calling thread at the end of the
// run queue and runs the others (after interrupt callbacks and due timers).
#ifndef DENALI_LIBOS_SCHED_H
#define DENALI_LIBOS_SCHED_H

int sched_yield(void); // always 0

#endif
