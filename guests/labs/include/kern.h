// SPDX-License-Identifier: MIT
// The kernel you build in the labs, one section per lab (docs/labs/labN.md). The
// graded tests (labN/*.c) call only what is declared here. You may add fields to the
// structures and helpers of your own; do not change the declared signatures.
//
// The kernel is a library linked into each test program (like the paper's Ilwaco):
// start.S calls the test's main(), which calls trap_init(), thread_init(), ... as it
// needs. There is one CPU and one address space; "interrupts off" is the only lock.
#ifndef LABS_KERN_H
#define LABS_KERN_H

#include "lib.h"

// ---- Lab 1: console, printf, traps (kern/console.c, printf.c, trapentry.S, trap.c) --

// Writes all len bytes to the console (CONSOLE_WRITE, port 0x100), however many PIOs
// that takes.
void cons_write(const char *buf, size_t len);

// printf-style formatting: %d %i %u %x %X %p %s %c %%, the flags '-' and '0', a field
// width, and the size prefix 'l' (ignored: long is 32 bits) and 'll' (64-bit).
// vsnprintf writes at most size bytes including the NUL and returns the length the
// whole result would have (like C99). printf writes through cons_write.
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// What trapentry.S leaves on the stack for trap(), lowest address first (docs/isa.md
// 8.2): the interrupted code's int_wanted, PUSHAD's registers, the kernel's frame.
struct trapframe {
	uint32_t int_wanted;
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax; // esp: its value before PUSHAD
	uint32_t vector, error, eip, cs, eflags;
};
// The same for an interrupt (docs/isa.md 8.5): the kernel's frame is shorter.
struct irqframe {
	uint32_t int_wanted;
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t mask, eip, cs, eflags;
};

// 1 wherever the kernel runs with interrupts enabled, 0 where it does not. int_enable
// (the virtual register) and int_wanted change together; a handler's return restores
// both from its frame.
extern volatile uint32_t int_wanted;
void intr_enable(void);
void intr_disable(void);
uint32_t intr_save(void);          // disables interrupts, returns the old int_wanted
void intr_restore(uint32_t saved); // back to what intr_save returned

// Installs exc_entry and irq_entry (trapentry.S) in the virtual registers. Interrupts
// stay disabled until intr_enable().
void trap_init(void);
// Called by exc_entry with interrupts off: system calls, INT3, faults.
//  - INT 0x80 is a system call: EAX = SYS_*, arguments in EBX, ECX; the result goes
//    back in EAX (0xffffffff for an unknown number).
//  - INT3 (#BP) prints "trap: breakpoint (#BP, vector 3) at eip 0x........" and
//    continues after the INT3.
//  - Anything else prints the fault report (docs/labs/lab1.md) and ends the VM with
//    exit code 128 + vector.
void trap(struct trapframe *tf);
#define SYS_WRITE 1 // EBX = buffer, ECX = length; returns the bytes written
#define SYS_EXIT 2  // EBX = exit code; does not return
#define SYS_VMID 3  // returns this VM's id
// Called by irq_entry with interrupts off: runs the handler of each line in f->mask.
void irq_dispatch(struct irqframe *f);
// The handler of interrupt line `line` (DENALI_IRQ_*), called with interrupts off.
typedef void (*irq_fn)(void);
void irq_register(unsigned line, irq_fn fn);
// With interrupts off: takes the lines that are pending without an upcall (reads and
// acknowledges int_pending, docs/isa.md 8.4) and runs their handlers. For idle loops.
void irq_poll(void);

// The time now, ns of simulated time (docs/isa.md 6: time_ns + cycles since the last
// entry). 64-bit division: the image links libgcc.
uint64_t now_ns(void);
// Arms the one-shot timer (docs/isa.md 9.1) for absolute time deadline_ns; 0 cancels.
void timer_set(uint64_t deadline_ns);

// ---- Lab 2: preemptive threads (kern/thread.c, kern/switch.S) --------------------

#define THREAD_MAX 64          // threads alive at once, the idle thread included
#define THREAD_STACK 16384     // bytes of stack per thread
#define QUANTUM_NS 50000       // a thread runs at most this long before another runs

typedef void (*thread_fn)(void *arg);

// A FIFO of blocked threads.
struct waitq {
	int head, tail; // thread ids, -1 when empty
};

// Makes the caller (main) thread 0, starts the idle thread and the quantum timer, and
// enables interrupts. Calls trap_init() itself.
void thread_init(void);
// A new runnable thread (at the tail of the run queue) that runs fn(arg) and exits
// when fn returns. Returns its id (> 0), or -1 when THREAD_MAX threads are alive.
int thread_create(thread_fn fn, void *arg);
int thread_self(void);
// The caller goes to the tail of the run queue.
void thread_yield(void);
// Sleeps at least ns of simulated time; other threads run meanwhile.
void thread_sleep(uint64_t ns);
// Ends the caller. When no thread but the idle thread is left, the VM terminates
// with exit code 0.
void thread_exit(void) __attribute__((noreturn));
// Waits for thread tid to exit; returns 0, or -1 if there is no such thread.
int thread_join(int tid);

// Wait queues, for lab 4 and your own use. Call them with interrupts off (intr_save).
void waitq_init(struct waitq *q);
// Blocks the caller on q until a wake; returns with interrupts still off.
void thread_block(struct waitq *q);
// Makes the oldest thread blocked on q runnable (tail of the run queue); returns 1, or
// 0 if q was empty.
int thread_wake_one(struct waitq *q);
// Makes every thread blocked on q runnable, oldest first; returns how many.
int thread_wake_all(struct waitq *q);

struct thread_stats {
	uint64_t switches;    // context switches
	uint64_t preemptions; // switches because a quantum ended
	uint64_t idles;       // denali.idle executed by the idle thread
	uint64_t idle_spins;  // idle-thread loops that did not idle (lab 3, IDLE_SPIN)
};
extern struct thread_stats thread_stats;

// ---- Lab 3: the idle policy at scale (kern/thread.c, idle thread) ----------------

// IDLE_TIMEOUT: with nothing to run, the idle thread executes idle-with-timeout until
// the earliest sleeper's wake-up time (the paper's Denali). IDLE_SPIN: it may not use
// a timeout: while a sleeper exists it loops reading the clock and taking pending
// interrupts; with no sleeper at all it idles with no timeout (the paper's Figure 5
// "without timeout").
enum idle_policy { IDLE_TIMEOUT, IDLE_SPIN };
extern enum idle_policy idle_policy;

// ---- Lab 4: synchronisation (kern/sync.c) ----------------------------------------

struct mutex {
	int locked;
	int owner; // thread id, -1 when free
	struct waitq q;
};
void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

// Mesa semantics: a woken waiter re-acquires the mutex before cond_wait returns, so it
// must check its condition again.
struct cond {
	struct waitq q;
};
void cond_init(struct cond *c);
void cond_wait(struct cond *c, struct mutex *m);
void cond_signal(struct cond *c);
void cond_broadcast(struct cond *c);

struct sema {
	int value;
	struct waitq q;
};
void sema_init(struct sema *s, int value);
void sema_down(struct sema *s);
void sema_up(struct sema *s);

// ---- Lab 5: an interrupt-driven disk driver (kern/disk.c) -------------------------

// One 4096-byte block request. The driver owns it from disk_submit until it sets
// done; then it calls callback (if any) with interrupts off.
struct disk_req {
	uint32_t disk, block;
	void *buf;                 // DENALI_DISK_BLOCK bytes
	int write;                 // 1: write buf to the block, 0: read the block into buf
	volatile int done;         // set by the driver when the request completed
	uint32_t status;           // 0, or the DISK_DONE status (docs/isa.md 9.3)
	void (*callback)(struct disk_req *r);
	// Yours to use:
	uint32_t id;               // the device's request id
	struct disk_req *next;     // e.g. for a queue
};
// Registers the disk interrupt handler. Call after trap_init(), before intr_enable().
void disk_init(void);
// Queues r and returns at once: 0, or -1 for a bad disk or block (r->done stays 0).
// Any number of requests may be submitted; the device takes DENALI_DISK_OUTSTANDING
// at a time, the driver keeps the rest.
int disk_submit(struct disk_req *r);
// Waits (idling the VM, interrupts enabled) until r->done.
void disk_wait(struct disk_req *r);
// The disk's size in blocks (DISK_INFO), 0 if there is no such disk.
uint32_t disk_blocks(uint32_t disk);

struct disk_stats {
	uint64_t submitted, completed, interrupts, busy_retries;
};
extern struct disk_stats disk_stats;

// ---- Lab 6: a network stack on the raw NIC (kern/net.c) ---------------------------

// Addresses in network byte order as they appear in frames: MACs are 6 bytes, IPv4
// addresses uint32_t holding the 4 bytes as sent (the ipv4 virtual register's format).
typedef void (*udp_fn)(uint32_t src_ip, uint16_t src_port, const void *data, uint32_t len);

// Reads the MAC and IPv4 address from the virtual registers and registers the NIC's
// receive interrupt. Call after trap_init(), before intr_enable().
void net_init(void);
// Takes every received frame: answers ARP requests for our address, learns ARP
// replies, hands UDP datagrams for our address to the bound port. Runs from the NIC
// interrupt and from net_wait; you may call it too.
void net_poll(void);
// Waits (idling) until *flag is non-zero or until deadline_ns; returns *flag.
int net_wait(volatile int *flag, uint64_t deadline_ns);
// Calls fn for each datagram to port `port`. Returns 0, or -1 if the port is taken.
int udp_bind(uint16_t port, udp_fn fn);
// Sends one datagram (at most 1472 bytes of data); resolves the destination's MAC with
// ARP first (a request, retried, 1 s in all). Returns 0, or -1.
int udp_send(uint32_t dst_ip, uint16_t src_port, uint16_t dst_port, const void *data,
	     uint32_t len);

// Reliable transfer over UDP port RT_PORT (docs/labs/lab6.md has the wire format):
// rt_send delivers len bytes to rt_recv on the VM with address dst_ip, in order,
// exactly once, despite lost frames. Both return the bytes transferred, or -1.
#define RT_PORT 7000
int rt_send(uint32_t dst_ip, const void *data, uint32_t len);
int rt_recv(void *buf, uint32_t cap);

struct net_stats {
	uint64_t rx_frames, tx_frames, arp_replies, udp_in, dropped, retransmits;
};
extern struct net_stats net_stats;

#endif
