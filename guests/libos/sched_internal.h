// SPDX-License-Identifier: MIT
// Internal to the libos: the thread record and the scheduler's primitives, shared by
// sched.c (run queue, scheduler loop, interrupts, idle), thread.c (the pthread thread
// API), sync.c (mutexes, condition variables), clock.c (sleeping) and disk.c.
//
// Invariants (one CPU, cooperative: nothing here needs a lock):
//   - `sched_current` is the running thread; it is on no queue while it runs.
//   - A RUNNABLE thread that is not running is on the run queue exactly once.
//   - A BLOCKED thread is on at most one wait queue (`waitq` says which, or NULL when
//     only a timer or a driver holds a pointer to it) and never on the run queue.
//   - An EXITED thread is on no queue; its memory (stack + record, one allocation
//     starting at the canary) is
//     freed by pthread_join, or by the scheduler right after it switches away from a
//     detached one (a thread cannot free the stack it runs on).
//   - Interrupt callbacks and timer callbacks run in "scheduler context" (sched_in_loop
//     set), on whatever stack entered the scheduler; they may wake threads but never
//     block (sched_block refuses, loudly).
#ifndef DENALI_LIBOS_SCHED_INTERNAL_H
#define DENALI_LIBOS_SCHED_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

enum thread_state { THREAD_RUNNABLE, THREAD_BLOCKED, THREAD_EXITED };

#define THREAD_CANARY 0x5354434bu // "KCTS": the lowest word of every thread's block

struct denali_thread {
	uint32_t esp;                   // saved stack pointer while not running
	struct denali_thread *next;     // link in the run queue or one wait queue
	struct denali_waitq *waitq;     // the wait queue it sleeps on, or NULL
	enum thread_state state;
	int detached;
	int joined;                     // a pthread_join has claimed it
	int timed_out;                  // set by a timedwait's timer
	struct denali_thread *joiner;   // the thread blocked in pthread_join on it
	void *(*start)(void *);
	void *arg;
	void *retval;
	uint32_t *canary;               // bottom of the stack and start of the malloc'd
	                                //   block (NULL: the main thread)
	uint32_t block_size;            // bytes of that block (stack + this record)
	uint32_t id;                    // 1 = main, then 2, 3, ... (for messages)
};

// Gives an exited thread's block back (thread.c): blocks of the default size are kept
// for the next pthread_create, others go back to the heap.
void thread_release_block(struct denali_thread *t);

// The running thread (the main thread's record before any thread is created).
struct denali_thread *sched_self(void);

// Appends t to the run queue and marks it RUNNABLE (t must not be on any queue).
void sched_wake(struct denali_thread *t);
// Appends t to q and marks it BLOCKED (no switch yet).
void waitq_push(struct denali_waitq *q, struct denali_thread *t);
// Removes and returns the first thread of q, or NULL.
struct denali_thread *waitq_pop(struct denali_waitq *q);
// Removes t from q if it is there; returns 1 if it was.
int waitq_remove(struct denali_waitq *q, struct denali_thread *t);

// Blocks the caller, already marked BLOCKED (and queued where its waker will find it),
// until someone calls sched_wake on it; runs other threads, callbacks and timers, or
// idles, meanwhile.
void sched_block(void);
// Blocks the caller on q until woken (waitq_push + sched_block).
void sched_wait(struct denali_waitq *q);
// The caller (already EXITED) leaves the CPU for good.
__attribute__((noreturn)) void sched_exit_current(void);
// Threads alive (runnable or blocked), the main thread included.
extern int sched_live_threads;
// Registers a newly created thread as live and runnable.
void sched_add_thread(struct denali_thread *t);

// Blocks the calling thread until denali_now_ns() >= deadline_ns (clock.c users).
void sched_sleep_until(uint64_t deadline_ns);

// Runs due software timers (timer.c); returns how many fired.
unsigned timer_run_due(void);

// switch.S: saves EBP EBX ESI EDI and ESP in *save_esp, loads new_esp, restores the
// registers saved there and returns into that thread.
void denali_ctx_switch(uint32_t *save_esp, uint32_t new_esp);

// Prints "libos: msg" (unbuffered; earlier unflushed printf output is lost) and ends
// the VM with exit code 134: a broken libos invariant or a misuse the program cannot
// recover from (blocking in a callback, stack overflow, deadlock).
__attribute__((noreturn)) void libos_panic(const char *msg);

#endif
