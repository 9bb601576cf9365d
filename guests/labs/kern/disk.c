// SPDX-License-Identifier: MIT
// LAB 5: an interrupt-driven disk driver (include/kern.h, docs/isa.md 9.3).
// The device takes requests with DISK_READ/DISK_WRITE (a request id back at once),
// serves them one at a time in FIFO order, and raises DENALI_IRQ_DISK when a request
// completes and the VM had no uncollected completion. DISK_DONE collects completions,
// oldest first. At most DENALI_DISK_OUTSTANDING (64) requests may be queued or
// completed-but-uncollected per VM; beyond that DISK_READ/WRITE return
// DENALI_DISK_ERR_BUSY. So the driver keeps its own queue of requests the device has
// not taken yet, and its interrupt handler both collects every completion and hands
// the device more work.
//
//   disk_submit --> [software queue] --pump--> device (<= 64) --DISK_DONE--> done=1,
//                          ^                                     (disk_irq)   callback
//                          +------------- pump after collecting ---------------+
#include "kern.h"

struct disk_stats disk_stats;

//@ SOLUTION
static struct disk_req *waiting_head, *waiting_tail; // not yet given to the device
static struct disk_req *inflight;                    // given to it, not collected
static uint32_t ninflight;
static uint32_t blocks[DENALI_DISK_PER_VM]; // sizes, cached by disk_blocks (0: unknown)

// Completion of r with `status` (interrupts off).
static void finish(struct disk_req *r, uint32_t status)
{
	r->status = status;
	r->done = 1;
	disk_stats.completed++;
	if (r->callback)
		r->callback(r);
}

// Gives the device waiting requests until it is full (interrupts off).
static void pump(void)
{
	while (waiting_head && ninflight < DENALI_DISK_OUTSTANDING) {
		struct disk_req *r = waiting_head;
		struct pio_regs regs = { .ecx = r->disk, .ebx = r->block };
		if (r->write)
			regs.esi = (uint32_t)r->buf;
		else
			regs.edi = (uint32_t)r->buf;
		uint32_t id = pio(r->write ? DENALI_PORT_DISK_WRITE : DENALI_PORT_DISK_READ, &regs);
		if (id == DENALI_DISK_ERR_BUSY) { // full after all: retry after a completion
			disk_stats.busy_retries++;
			return;
		}
		waiting_head = r->next;
		if (!waiting_head)
			waiting_tail = NULL;
		if (id >= DENALI_DISK_ERR_IO) { // refused at once (read-only disk, bad buffer)
			finish(r, id);
			continue;
		}
		r->id = id;
		r->next = inflight;
		inflight = r;
		ninflight++;
	}
}

// The interrupt handler: collect every completion (one interrupt may stand for many),
// then refill the device.
static void disk_irq(void)
{
	disk_stats.interrupts++;
	for (;;) {
		struct pio_regs regs = { 0 };
		uint32_t id = pio(DENALI_PORT_DISK_DONE, &regs);
		if (id == 0)
			break;
		struct disk_req **pp = &inflight;
		while (*pp && (*pp)->id != id)
			pp = &(*pp)->next;
		if (!*pp)
			continue; // not ours: cannot happen
		struct disk_req *r = *pp;
		*pp = r->next;
		ninflight--;
		finish(r, regs.ecx);
	}
	pump();
}
//@ END

void disk_init(void)
{
//@ SOLUTION
	irq_register(DENALI_IRQ_DISK, disk_irq);
//@ SKELETON
//@ 	// LAB 5: your code here.
//@ END
}

uint32_t disk_blocks(uint32_t disk)
{
//@ SOLUTION
	if (disk >= DENALI_DISK_PER_VM)
		return 0;
	if (!blocks[disk]) {
		struct pio_regs r = { .ecx = disk };
		blocks[disk] = pio(DENALI_PORT_DISK_INFO, &r);
	}
	return blocks[disk];
//@ SKELETON
//@ 	// LAB 5: your code here (DISK_INFO).
//@ 	(void)disk;
//@ 	return 0;
//@ END
}

int disk_submit(struct disk_req *r)
{
//@ SOLUTION
	if (r->block >= disk_blocks(r->disk))
		return -1; // also a disk that does not exist: 0 blocks
	r->done = 0;
	r->status = 0;
	r->next = NULL;
	uint32_t s = intr_save();
	disk_stats.submitted++;
	if (waiting_tail)
		waiting_tail->next = r;
	else
		waiting_head = r;
	waiting_tail = r;
	pump();
	intr_restore(s);
	return 0;
//@ SKELETON
//@ 	// LAB 5: your code here.
//@ 	(void)r;
//@ 	return -1;
//@ END
}

void disk_wait(struct disk_req *r)
{
//@ SOLUTION
	// Interrupts off while we look, so a completion between the test and the idle
	// is not lost: it makes denali.idle return at once, and irq_poll takes it.
	uint32_t s = intr_save();
	while (!r->done) {
		denali_idle(IDLE_FOREVER);
		irq_poll();
	}
	intr_restore(s);
//@ SKELETON
//@ 	// LAB 5: your code here.
//@ 	(void)r;
//@ END
}
