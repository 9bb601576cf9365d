// SPDX-License-Identifier: MIT
// The libos disk driver (<denali_disk.h>, docs/isa.md 9.3). A request is started with
// one PIO (DISK_READ or DISK_WRITE returns its id at once), recorded in `pending` with
// the calling thread, and the thread blocks. The DENALI_IRQ_DISK callback (scheduler
// context) drains DISK_DONE until it returns 0, marks each matching request done with
// its status and wakes its thread. Ids that match nothing (a program that also issues
// raw PIOs) are dropped. When the kernel refuses a request because 64 are outstanding
// (DENALI_DISK_ERR_BUSY), the caller waits for the next completion and tries again.
//
// No race between the PIO and the bookkeeping: the callback runs only when some
// thread enters the scheduler, and a caller records its request before it blocks.
#include <denali.h>
#include <denali_disk.h>
#include <denali_sched.h>
#include <stddef.h>
#include <stdint.h>

#include "sched_internal.h"

struct disk_req {
	uint32_t id;
	uint32_t status;
	int done;
	struct denali_thread *thread;
	struct disk_req *next;
};

static struct {
	struct disk_req *pending;   // started, not yet collected
	struct denali_waitq busy;   // threads waiting for a free kernel slot
	int registered;             // the IRQ callback is installed
} dk;

// One disk PIO; returns EAX, and ECX in *ecx_out when given.
static uint32_t disk_pio(uint16_t port, uint32_t ecx, uint32_t ebx, const void *buf,
	uint32_t *ecx_out)
{
	uint32_t eax, c = ecx;
	__asm__ volatile("inl %%dx, %%eax"
		: "=a"(eax), "+c"(c)
		: "d"(port), "b"(ebx), "S"(buf), "D"(buf)
		: "memory");
	if (ecx_out)
		*ecx_out = c;
	return eax;
}

static void disk_irq(void *arg)
{
	(void)arg;
	for (;;) {
		uint32_t status;
		uint32_t id = disk_pio(DENALI_PORT_DISK_DONE, 0, 0, NULL, &status);
		if (id == 0)
			break;
		for (struct disk_req **pp = &dk.pending; *pp; pp = &(*pp)->next) {
			struct disk_req *r = *pp;
			if (r->id != id)
				continue;
			*pp = r->next;
			r->status = status;
			r->done = 1;
			sched_wake(r->thread);
			break;
		}
		// A slot is free now: let one waiting caller retry.
		struct denali_thread *t = waitq_pop(&dk.busy);
		if (t)
			sched_wake(t);
	}
}

static uint32_t disk_request(uint16_t port, unsigned disk, uint32_t block, const void *buf)
{
	if (!dk.registered) {
		dk.registered = 1;
		denali_irq_register(DENALI_IRQ_DISK, disk_irq, NULL);
	}
	struct disk_req r = { .thread = sched_self() };
	for (;;) {
		r.id = disk_pio(port, disk, block, buf, NULL);
		if (r.id == 0) // the port reads 0 in a run without devices
			return DENALI_DISK_ERR_NODISK;
		if (r.id != DENALI_DISK_ERR_BUSY || dk.pending == NULL)
			break;
		sched_wait(&dk.busy); // woken by the next completion
	}
	if (r.id >= 0x80000000u) // DENALI_DISK_ERR_*: ids are 1..2^31-1
		return r.id;
	r.next = dk.pending;
	dk.pending = &r;
	while (!r.done) {
		r.thread->state = THREAD_BLOCKED;
		r.thread->waitq = NULL;
		sched_block();
	}
	return r.status;
}

uint32_t denali_disk_read(unsigned disk, uint32_t block, void *buf)
{
	return disk_request(DENALI_PORT_DISK_READ, disk, block, buf);
}

uint32_t denali_disk_write(unsigned disk, uint32_t block, const void *buf)
{
	return disk_request(DENALI_PORT_DISK_WRITE, disk, block, buf);
}

uint32_t denali_disk_info(unsigned disk, uint32_t *blocks, int *read_only)
{
	uint32_t ro;
	uint32_t n = disk_pio(DENALI_PORT_DISK_INFO, disk, 0, NULL, &ro);
	if (n == 0)
		return DENALI_DISK_ERR_NODISK;
	if (blocks)
		*blocks = n;
	if (read_only)
		*read_only = ro == 1;
	return 0;
}
