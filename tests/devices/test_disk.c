// SPDX-License-Identifier: MIT
// Unit tests for virtual disks (src/devices/disk.c): creation and bad images, writes that
// survive closing and reopening the file (a simulator restart), asynchronous completion
// in FIFO order with the modelled service time, read-only sharing among VMs, every PIO
// error code, and DISK_DONE/outstanding bookkeeping.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/disk.h"
#include "fakemem.h"

struct owner {
	struct fakemem *mem[4];     // guest memory per VM
	struct disk_vm vm[4];
	uint64_t sched_last;
	uint32_t nsched, irqs[4], ncomplete;
	uint64_t last_t;
};

static void sched(void *ctx, uint64_t t)
{
	struct owner *o = ctx;
	o->sched_last = t;
	o->nsched++;
}

// What the kernel will do on a completion: copy a read out, record it, raise the IRQ.
static void complete(void *ctx, const struct disk_done *d)
{
	struct owner *o = ctx;
	uint32_t status = d->status;
	assert_true(d->t_ns >= o->last_t);
	o->last_t = d->t_ns;
	if (d->is_read && status == 0 &&
	    fake_copyout(o->mem[d->vm_id], d->addr, d->data, DISK_BLOCK) != 0)
		status = DISK_ERR_FAULT;
	if (disk_vm_complete(&o->vm[d->vm_id], d->id, status))
		o->irqs[d->vm_id]++;
	o->ncomplete++;
}

static struct owner *owner_new(void)
{
	struct owner *o = calloc(1, sizeof(*o));
	for (uint32_t i = 0; i < 4; i++) {
		o->mem[i] = malloc(sizeof(struct fakemem));
		fakemem_init(o->mem[i]);
		disk_vm_init(&o->vm[i], i);
	}
	return o;
}

static void owner_free(struct owner *o)
{
	for (uint32_t i = 0; i < 4; i++)
		free(o->mem[i]);
	free(o);
}

static const char *tmp(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "disk-test-%s.img", name);
	unlink(buf);
	return buf;
}

static void drain(struct disk *d, struct owner *o)
{
	disk_run(d, UINT64_MAX, complete, o);
}

static void test_open_errors(void **state)
{
	struct disk *d;
	char err[512];
	assert_int_equal(disk_open(&d, "/nonexistent-dir/d.img", 4096, false, NULL, NULL,
				   NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent-dir/d.img"));
	const char *p = tmp("odd");
	assert_int_equal(disk_open(&d, p, 4095, false, NULL, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "multiple of 4096"));
	// A read-only disk must exist.
	assert_int_equal(disk_open(&d, p, 0, true, NULL, NULL, NULL, err, sizeof(err)), -1);
	// An existing file of the wrong size.
	FILE *fp = fopen(p, "wb");
	fwrite("abc", 1, 3, fp);
	fclose(fp);
	assert_int_equal(disk_open(&d, p, 8192, false, NULL, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "8192 expected"));
	assert_int_equal(disk_open(&d, p, 0, false, NULL, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, p));
	unlink(p);
	assert_int_equal(disk_open(&d, ".", 0, true, NULL, NULL, NULL, err, sizeof(err)), -1);
}

static void test_writes_survive_restart(void **state)
{
	const char *p = tmp("persist");
	char err[512];
	struct owner *o = owner_new();
	struct disk *d;
	assert_int_equal(disk_open(&d, p, 64 * DISK_BLOCK, false, NULL, sched, o, err,
				   sizeof(err)), 0);
	assert_int_equal(d->nblocks, 64);
	assert_int_equal(disk_attach(&o->vm[0], d, err, sizeof(err)), 0);
	for (uint32_t blk = 0; blk < 64; blk += 9) {
		memset(o->mem[0]->b, (int)(blk + 1), DISK_BLOCK);
		uint32_t id = disk_pio_write(&o->vm[0], &o->mem[0]->io, 0, blk, FAKE_BASE, blk);
		assert_true(id >= 1 && id < 0x80000000u);
	}
	drain(d, o);
	assert_int_equal(o->ncomplete, 8);
	assert_int_equal(disk_close(d, err, sizeof(err)), 0);
	owner_free(o);

	// "Restart": a new owner reopens the file and reads the blocks back.
	o = owner_new();
	assert_int_equal(disk_open(&d, p, 0, false, NULL, sched, o, err, sizeof(err)), 0);
	assert_int_equal(d->nblocks, 64);
	assert_int_equal(disk_attach(&o->vm[1], d, err, sizeof(err)), 0);
	for (uint32_t blk = 0; blk < 64; blk++) {
		uint32_t id = disk_pio_read(&o->vm[1], 0, blk, FAKE_BASE, 0);
		assert_true(id >= 1 && id < 0x80000000u);
		drain(d, o);
		uint32_t st;
		assert_int_equal(disk_pio_done(&o->vm[1], &st), id);
		assert_int_equal(st, 0);
		uint8_t want = blk % 9 == 0 ? (uint8_t)(blk + 1) : 0;
		for (uint32_t i = 0; i < DISK_BLOCK; i += 511)
			assert_int_equal(o->mem[1]->b[i], want);
	}
	assert_int_equal(disk_close(d, err, sizeof(err)), 0);
	owner_free(o);
	unlink(p);
}

static void test_async_fifo_and_timing(void **state)
{
	const char *p = tmp("timing");
	char err[512];
	struct owner *o = owner_new();
	struct disk *d;
	struct disk_model m;
	disk_model_default(&m);
	assert_int_equal(disk_open(&d, p, 1024 * DISK_BLOCK, false, &m, sched, o, err,
				   sizeof(err)), 0);
	assert_int_equal(disk_attach(&o->vm[0], d, err, sizeof(err)), 0);
	// Service time pieces: transfer 4096 B at 40 MB/s = 102,400 ns; one revolution at
	// 7200 rpm = 8,333,333 ns; block 0 at time 0 on track 0: no seek, no rotation.
	assert_int_equal(disk_service_ns(d, 0, 0, 0), 102400);
	// Block 64 of track 0 is half a revolution away.
	assert_int_equal(disk_service_ns(d, 0, 64, 0), 102400 + 8333333 * 64 / 128);
	// Full stroke (track 0 to the last of 8): seek_min + span * sqrt(7/8).
	uint64_t far = disk_service_ns(d, 0, 7 * 128, 0);
	assert_true(far > 800000 + 16200000ull * 900 / 1000);
	assert_true(far < 17000000 + 8333333 + 102400);
	// Submit three; nothing completes before the modelled time; FIFO order.
	memset(o->mem[0]->b, 0x5a, DISK_BLOCK);
	uint32_t a = disk_pio_write(&o->vm[0], &o->mem[0]->io, 0, 1000, FAKE_BASE, 0);
	uint32_t b = disk_pio_read(&o->vm[0], 0, 1000, FAKE_BASE + DISK_BLOCK, 0);
	uint32_t c = disk_pio_read(&o->vm[0], 0, 3, FAKE_BASE + 2 * DISK_BLOCK, 0);
	assert_int_equal(b, a + 1);
	assert_int_equal(c, a + 2);
	assert_int_equal(o->nsched, 1);
	uint64_t t1 = o->sched_last;
	assert_true(t1 > 0);
	disk_run(d, t1 - 1, complete, o);
	assert_int_equal(o->ncomplete, 0);
	disk_run(d, t1, complete, o);
	assert_int_equal(o->ncomplete, 1);
	assert_int_equal(o->irqs[0], 1);
	assert_int_equal(o->nsched, 2); // asked again for the next completion
	assert_true(o->sched_last > t1);
	drain(d, o);
	assert_int_equal(o->ncomplete, 3);
	assert_int_equal(o->irqs[0], 1); // completions batch behind the first
	uint32_t st;
	assert_int_equal(disk_pio_done(&o->vm[0], &st), a);
	assert_int_equal(disk_pio_done(&o->vm[0], &st), b);
	// The read queued after the write sees it.
	assert_int_equal(o->mem[0]->b[DISK_BLOCK + 100], 0x5a);
	assert_int_equal(disk_pio_done(&o->vm[0], &st), c);
	assert_int_equal(disk_pio_done(&o->vm[0], &st), 0);
	assert_int_equal(o->vm[0].outstanding, 0);
	assert_int_equal(d->st.reads, 2);
	assert_int_equal(d->st.writes, 1);
	assert_int_equal(disk_close(d, err, sizeof(err)), 0);
	owner_free(o);
	unlink(p);
}

static void test_readonly_sharing(void **state)
{
	const char *p = tmp("shared");
	char err[512];
	struct owner *o = owner_new();
	struct disk *d;
	// Make an image with a recognisable block 2.
	assert_int_equal(disk_open(&d, p, 8 * DISK_BLOCK, false, NULL, NULL, NULL, err,
				   sizeof(err)), 0);
	assert_int_equal(disk_attach(&o->vm[0], d, err, sizeof(err)), 0);
	// A read-write disk belongs to one VM.
	assert_int_equal(disk_attach(&o->vm[1], d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "read-only"));
	memset(o->mem[0]->b, 0xc3, DISK_BLOCK);
	assert_true(disk_pio_write(&o->vm[0], &o->mem[0]->io, 0, 2, FAKE_BASE, 0) < 0x80000000u);
	drain(d, o);
	disk_vm_detach(&o->vm[0]);
	assert_int_equal(disk_close(d, err, sizeof(err)), 0);

	owner_free(o);
	o = owner_new();
	assert_int_equal(disk_open(&d, p, 0, true, NULL, sched, o, err, sizeof(err)), 0);
	for (uint32_t v = 0; v < 4; v++)
		assert_int_equal(disk_attach(&o->vm[v], d, err, sizeof(err)), 0);
	assert_int_equal(d->attached, 4);
	uint32_t ro;
	assert_int_equal(disk_pio_info(&o->vm[2], 0, &ro), 8);
	assert_int_equal(ro, 1);
	for (uint32_t v = 0; v < 4; v++) {
		assert_int_equal(disk_pio_write(&o->vm[v], &o->mem[v]->io, 0, 2, FAKE_BASE, 0),
				 DISK_ERR_RDONLY);
		assert_true(disk_pio_read(&o->vm[v], 0, 2, FAKE_BASE + 64, 0) < 0x80000000u);
	}
	drain(d, o);
	for (uint32_t v = 0; v < 4; v++) {
		assert_int_equal(o->irqs[v], 1);
		assert_int_equal(o->mem[v]->b[64], 0xc3);
		assert_int_equal(o->mem[v]->b[64 + DISK_BLOCK - 1], 0xc3);
	}
	assert_int_equal(disk_close(d, err, sizeof(err)), 0);
	owner_free(o);
	unlink(p);
}

static void test_pio_errors(void **state)
{
	const char *p = tmp("errors");
	char err[512];
	struct owner *o = owner_new();
	struct disk *d;
	assert_int_equal(disk_open(&d, p, 4 * DISK_BLOCK, false, NULL, sched, o, err,
				   sizeof(err)), 0);
	uint32_t ro;
	assert_int_equal(disk_pio_info(&o->vm[0], 0, &ro), 0); // no disk yet
	assert_int_equal(disk_pio_read(&o->vm[0], 0, 0, FAKE_BASE, 0), DISK_ERR_NODISK);
	assert_int_equal(disk_attach(&o->vm[0], d, err, sizeof(err)), 0);
	assert_int_equal(disk_pio_info(&o->vm[0], 0, &ro), 4);
	assert_int_equal(ro, 0);
	assert_int_equal(disk_pio_read(&o->vm[0], 1, 0, FAKE_BASE, 0), DISK_ERR_NODISK);
	assert_int_equal(disk_pio_read(&o->vm[0], 0xffffffffu, 0, FAKE_BASE, 0), DISK_ERR_NODISK);
	assert_int_equal(disk_pio_read(&o->vm[0], 0, 4, FAKE_BASE, 0), DISK_ERR_RANGE);
	assert_int_equal(disk_pio_write(&o->vm[0], &o->mem[0]->io, 0, 0xffffffffu, FAKE_BASE, 0),
			 DISK_ERR_RANGE);
	assert_int_equal(disk_pio_write(&o->vm[0], &o->mem[0]->io, 0, 0,
					FAKE_BASE + FAKE_SIZE - 100, 0), DISK_ERR_FAULT);
	// A read into a hole is accepted, and fails at completion with DISK_ERR_FAULT.
	uint32_t id = disk_pio_read(&o->vm[0], 0, 1, 0x100, 0);
	assert_true(id < 0x80000000u);
	drain(d, o);
	uint32_t st;
	assert_int_equal(disk_pio_done(&o->vm[0], &st), id);
	assert_int_equal(st, DISK_ERR_FAULT);
	// At most DISK_OUTSTANDING requests, counting uncollected completions.
	for (uint32_t i = 0; i < DISK_OUTSTANDING; i++)
		assert_true(disk_pio_read(&o->vm[0], 0, i % 4, FAKE_BASE, 0) < 0x80000000u);
	assert_int_equal(disk_pio_read(&o->vm[0], 0, 0, FAKE_BASE, 0), DISK_ERR_BUSY);
	drain(d, o);
	assert_int_equal(disk_pio_read(&o->vm[0], 0, 0, FAKE_BASE, 0), DISK_ERR_BUSY);
	for (uint32_t i = 0; i < DISK_OUTSTANDING; i++)
		assert_int_not_equal(disk_pio_done(&o->vm[0], &st), 0);
	assert_true(disk_pio_read(&o->vm[0], 0, 0, FAKE_BASE, 0) < 0x80000000u);
	// Four disks at most per VM.
	for (int i = 0; i < 3; i++)
		assert_int_equal(disk_attach(&o->vm[0], d, err, sizeof(err)), 0);
	assert_int_equal(disk_attach(&o->vm[0], d, err, sizeof(err)), -1);
	assert_int_equal(disk_close(d, err, sizeof(err)), 0); // discards the queued read
	owner_free(o);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_writes_survive_restart),
		cmocka_unit_test(test_async_fifo_and_timing),
		cmocka_unit_test(test_readonly_sharing),
		cmocka_unit_test(test_pio_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
