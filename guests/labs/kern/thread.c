// SPDX-License-Identifier: MIT
// LAB 2 (and LAB 3: the idle thread's policy): preemptive threads (include/kern.h).
//
// Threads live in a fixed table. Thread 0 is main, on the initial stack; the idle
// thread runs only when no other thread is runnable. Every scheduling decision is made
// with interrupts off (intr_save), including inside the timer's interrupt handler,
// which preempts the running thread when its quantum is over:
//
//   thread A                       kernel                      thread B
//   ... computing ...   --timer-->  irq_entry, irq_dispatch,
//                                   timer_tick: A's quantum is over,
//                                   A to the run queue tail,
//                                   schedule(): ctx_switch(A, B) ---> returns in B's
//                                                                    yield/irq path
//   ... (later) <--- ctx_switch(X, A) returns in A's timer_tick, irq_entry restores
//                    A's int_wanted and int_enable and IRETs into A's code
//
// One one-shot timer serves both preemption and sleeping: it is armed for the earliest
// of the running thread's quantum end (when another thread is waiting to run) and the
// first sleeper's wake-up time.
#include "kern.h"

void ctx_switch(uint32_t *save_esp, uint32_t new_esp);

enum tstate { T_FREE, T_RUNNABLE, T_RUNNING, T_SLEEPING, T_BLOCKED };

struct thread {
	enum tstate state;
	int tid;            // never reused: thread_join can tell a new thread from an old
	uint32_t esp;       // saved by ctx_switch while the thread is not running
	int next;           // the next thread in the run queue, a wait queue or the sleepers
	uint64_t wake_ns;   // T_SLEEPING: when to wake
	thread_fn fn;
	void *arg;
	struct waitq joiners;
};

static struct thread threads[THREAD_MAX]; // slot 0: main, slot 1: the idle thread
//@ SOLUTION
static int current;         // slot of the running thread
static uint8_t stacks[THREAD_MAX][THREAD_STACK] __attribute__((aligned(16)));
static struct waitq runq;   // runnable threads, FIFO
static int sleepers = -1;   // sleeping threads, sorted by wake_ns
static int live;            // threads alive, not counting the idle thread
static int next_tid = 2;
static uint64_t slice_end;  // when the running thread's quantum ends
static uint64_t armed;      // the timer's deadline, 0: not armed
#define IDLE 1
//@ SKELETON
//@ // LAB 2: your state here: stacks, the run queue, the sleepers, ...
//@ END

struct thread_stats thread_stats;
enum idle_policy idle_policy = IDLE_TIMEOUT;

void waitq_init(struct waitq *q)
{
	q->head = q->tail = -1;
}

// Helpers for FIFOs of thread slots linked through `next`.
static inline void waitq_push(struct waitq *q, int slot)
{
	threads[slot].next = -1;
	if (q->tail < 0)
		q->head = slot;
	else
		threads[q->tail].next = slot;
	q->tail = slot;
}

static inline int waitq_pop(struct waitq *q)
{
	int slot = q->head;
	if (slot >= 0) {
		q->head = threads[slot].next;
		if (q->head < 0)
			q->tail = -1;
	}
	return slot;
}

//@ SOLUTION
// Arms the timer for the earliest thing the kernel must do. Interrupts off.
static void rearm(void)
{
	uint64_t at = 0;
	if (runq.head >= 0 && current != IDLE)
		at = slice_end;
	if (sleepers >= 0 && (!at || threads[sleepers].wake_ns < at))
		at = threads[sleepers].wake_ns;
	if (at != armed) { // a PIO costs 2,000 cycles: only when it changes
		armed = at;
		timer_set(at);
	}
}

// Runs the first runnable thread (the idle thread if there is none), unless that is
// the caller. The caller has set its own state (and queued itself if runnable).
// Interrupts off; returns when the caller runs again.
static void schedule(void)
{
	int next = waitq_pop(&runq);
	if (next < 0)
		next = IDLE;
	int prev = current;
	if (next == prev) {
		threads[prev].state = T_RUNNING;
		return;
	}
	current = next;
	threads[next].state = T_RUNNING;
	slice_end = now_ns() + QUANTUM_NS;
	rearm();
	thread_stats.switches++;
	ctx_switch(&threads[prev].esp, threads[next].esp);
	// Back in prev: whoever switched to us set current and the slice.
}

// Makes due sleepers runnable. Interrupts off.
static void wake_sleepers(uint64_t now)
{
	while (sleepers >= 0 && threads[sleepers].wake_ns <= now) {
		int t = sleepers;
		sleepers = threads[t].next;
		threads[t].state = T_RUNNABLE;
		waitq_push(&runq, t);
	}
}

// The timer's interrupt handler (interrupts off): wake sleepers, end the quantum.
static void timer_tick(void)
{
	armed = 0; // it fired
	uint64_t now = now_ns();
	wake_sleepers(now);
	if (current != IDLE && runq.head >= 0 && now >= slice_end) {
		thread_stats.preemptions++;
		threads[current].state = T_RUNNABLE;
		waitq_push(&runq, current);
		schedule();
	}
	rearm();
}

static int slot_of(int tid)
{
	for (int i = 0; i < THREAD_MAX; i++)
		if (threads[i].state != T_FREE && threads[i].tid == tid)
			return i;
	return -1;
}

// Every new thread starts here, on its own stack, with interrupts off (it was
// switched to by schedule).
static void thread_start(void)
{
	struct thread *t = &threads[current];
	intr_enable();
	t->fn(t->arg);
	thread_exit();
}

// Prepares slot's stack so that ctx_switch to it "returns" into thread_start:
// from the top: a fake return address for thread_start, then thread_start itself,
// then the four registers ctx_switch pops (EBP EBX ESI EDI, zero).
static void new_stack(int slot)
{
	uint32_t *sp = (uint32_t *)(stacks[slot] + THREAD_STACK);
	*--sp = 0;                       // thread_start's return address (it never returns);
	                                 // at its entry ESP = top - 4, as the ABI aligns it
	*--sp = (uint32_t)thread_start;  // ctx_switch's RET goes here
	for (int i = 0; i < 4; i++)
		*--sp = 0;               // EBP EBX ESI EDI
	threads[slot].esp = (uint32_t)sp;
}

// The idle thread (LAB 3: its policy). It runs with interrupts off and takes pending
// interrupts by polling (irq_poll), so nothing is lost between "nobody is runnable"
// and idling: a line raised in between makes denali.idle return at once.
static void idle_main(void *arg)
{
	(void)arg;
	for (;;) {
		intr_disable();
		if (runq.head >= 0) {
			schedule();
			continue;
		}
		if (live == 0)
			denali_terminate(0); // every thread has exited
		uint64_t now = now_ns();
		uint64_t next = sleepers >= 0 ? threads[sleepers].wake_ns : UINT64_MAX;
		if (next <= now) {
			wake_sleepers(now);
			continue;
		}
		if (idle_policy == IDLE_TIMEOUT || next == UINT64_MAX) {
			thread_stats.idles++;
			denali_idle(next == UINT64_MAX ? IDLE_FOREVER : next - now);
		} else {
			thread_stats.idle_spins++; // IDLE_SPIN: no timeout while a sleeper waits
		}
		irq_poll();
	}
}
//@ END

static void timer_irq(void)
{
//@ SOLUTION
	timer_tick();
//@ SKELETON
//@ 	// LAB 2: your code here: wake sleepers, preempt at the end of a quantum.
//@ END
}

void thread_init(void)
{
	trap_init();
	for (int i = 0; i < THREAD_MAX; i++)
		waitq_init(&threads[i].joiners);
	irq_register(DENALI_IRQ_TIMER, timer_irq);
//@ SOLUTION
	waitq_init(&runq);
	threads[0].state = T_RUNNING;
	threads[0].tid = 0;
	current = 0;
	live = 1;
	threads[IDLE].state = T_RUNNABLE; // never in the run queue: schedule picks it
	threads[IDLE].tid = IDLE;
	threads[IDLE].fn = idle_main;
	new_stack(IDLE);
	slice_end = now_ns() + QUANTUM_NS;
	intr_enable();
//@ SKELETON
//@ 	// LAB 2: your code here.
//@ 	intr_enable();
//@ END
}

int thread_create(thread_fn fn, void *arg)
{
//@ SOLUTION
	uint32_t s = intr_save();
	int slot = -1;
	for (int i = 2; i < THREAD_MAX && slot < 0; i++)
		if (threads[i].state == T_FREE)
			slot = i;
	if (slot < 0) {
		intr_restore(s);
		return -1;
	}
	struct thread *t = &threads[slot];
	t->tid = next_tid++;
	t->fn = fn;
	t->arg = arg;
	t->state = T_RUNNABLE;
	waitq_init(&t->joiners);
	new_stack(slot);
	waitq_push(&runq, slot);
	live++;
	rearm(); // the running thread now has company: its quantum counts
	int tid = t->tid;
	intr_restore(s);
	return tid;
//@ SKELETON
//@ 	// LAB 2: your code here.
//@ 	(void)fn;
//@ 	(void)arg;
//@ 	return -1;
//@ END
}

int thread_self(void)
{
//@ SOLUTION
	return threads[current].tid;
//@ SKELETON
//@ 	// LAB 2: your code here.
//@ 	return 0;
//@ END
}

void thread_yield(void)
{
//@ SOLUTION
	uint32_t s = intr_save();
	threads[current].state = T_RUNNABLE;
	waitq_push(&runq, current);
	schedule();
	intr_restore(s);
//@ SKELETON
//@ 	// LAB 2: your code here.
//@ END
}

void thread_sleep(uint64_t ns)
{
//@ SOLUTION
	uint32_t s = intr_save();
	struct thread *t = &threads[current];
	t->wake_ns = now_ns() + ns;
	t->state = T_SLEEPING;
	int *pp = &sleepers; // insert after every sleeper that wakes no later (FIFO)
	while (*pp >= 0 && threads[*pp].wake_ns <= t->wake_ns)
		pp = &threads[*pp].next;
	t->next = *pp;
	*pp = current;
	schedule();
	intr_restore(s);
//@ SKELETON
//@ 	// LAB 2: your code here. For now: wait without letting anyone else run.
//@ 	uint64_t until = now_ns() + ns;
//@ 	while (now_ns() < until)
//@ 		;
//@ END
}

void thread_exit(void)
{
//@ SOLUTION
	intr_disable();
	struct thread *t = &threads[current];
	thread_wake_all(&t->joiners);
	t->state = T_FREE; // its stack stays untouched until another thread_create
	live--;
	schedule();        // never comes back: nobody queues a free thread
//@ SKELETON
//@ 	// LAB 2: your code here. For now: end the whole VM.
//@ END
	denali_terminate(0);
}

int thread_join(int tid)
{
//@ SOLUTION
	if (tid < 0 || tid >= next_tid || tid == IDLE || tid == thread_self())
		return -1;
	uint32_t s = intr_save();
	int slot = slot_of(tid);
	if (slot < 0) { // it has exited already
		intr_restore(s);
		return 0;
	}
	while (threads[slot].state != T_FREE && threads[slot].tid == tid)
		thread_block(&threads[slot].joiners);
	intr_restore(s);
	return 0;
//@ SKELETON
//@ 	// LAB 2: your code here.
//@ 	(void)tid;
//@ 	return -1;
//@ END
}

void thread_block(struct waitq *q)
{
//@ SOLUTION
	threads[current].state = T_BLOCKED;
	waitq_push(q, current);
	schedule();
//@ SKELETON
//@ 	// LAB 2: your code here.
//@ 	(void)q;
//@ END
}

int thread_wake_one(struct waitq *q)
{
//@ SOLUTION
	int slot = waitq_pop(q);
	if (slot < 0)
		return 0;
	threads[slot].state = T_RUNNABLE;
	waitq_push(&runq, slot);
	rearm();
	return 1;
//@ SKELETON
//@ 	// LAB 2: your code here.
//@ 	(void)q;
//@ 	return 0;
//@ END
}

int thread_wake_all(struct waitq *q)
{
	int n = 0;
	while (thread_wake_one(q))
		n++;
	return n;
}
