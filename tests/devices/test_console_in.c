// SPDX-License-Identifier: MIT
// Console input (src/devices/console_in.c): per-VM read positions, the capacity and
// the 4096-byte cap, a bad buffer consuming nothing, the interrupt signalled once per
// VM with input, one chosen VM, files (missing, empty, too large) and bad VM numbers.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/console_in.h"

// A fake guest memory: 64 KiB at address 0x10000; anything else faults.
struct fakemem {
	uint8_t b[65536];
	uint32_t copies;
};

static int copyout(void *ctx, uint32_t addr, const void *src, uint32_t len)
{
	struct fakemem *m = ctx;
	if (addr < 0x10000 || (uint64_t)addr + len > 0x20000)
		return -1;
	memcpy(m->b + (addr - 0x10000), src, len);
	m->copies++;
	return 0;
}

static void test_string_every_vm(void **state)
{
	(void)state;
	struct console_in ci;
	char err[128];
	assert_int_equal(console_in_open(&ci, NULL, "abcdefgh", -1, 3, err, sizeof err), 0);
	static struct fakemem m;
	for (uint32_t v = 0; v < 3; v++) {
		assert_int_equal(console_in_avail(&ci, v), 8);
		assert_true(console_in_take_signal(&ci, v));
		assert_false(console_in_take_signal(&ci, v)); // once
	}
	assert_int_equal(console_in_read(&ci, 1, 0x10000, 3, copyout, &m), 3);
	assert_memory_equal(m.b, "abc", 3);
	assert_int_equal(console_in_avail(&ci, 1), 5);
	assert_int_equal(console_in_avail(&ci, 0), 8); // positions are per VM
	// A bad buffer: -1 and nothing consumed.
	assert_int_equal(console_in_read(&ci, 1, 0x100, 3, copyout, &m), 0xffffffffu);
	assert_int_equal(console_in_avail(&ci, 1), 5);
	assert_int_equal(console_in_read(&ci, 1, 0x10010, 100, copyout, &m), 5);
	assert_memory_equal(m.b + 0x10, "defgh", 5);
	assert_int_equal(console_in_read(&ci, 1, 0x10010, 100, copyout, &m), 0);
	assert_int_equal(console_in_read(&ci, 1, 0x100, 100, copyout, &m), 0); // none left
	assert_int_equal(console_in_read(&ci, 0, 0x10000, 0, copyout, &m), 0); // capacity 0
	assert_int_equal(console_in_read(&ci, 3, 0x10000, 8, copyout, &m), 0); // no such VM
	console_in_close(&ci);
}

static void test_one_vm(void **state)
{
	(void)state;
	struct console_in ci;
	char err[128];
	assert_int_equal(console_in_open(&ci, NULL, "xyz", 1, 2, err, sizeof err), 0);
	static struct fakemem m;
	assert_int_equal(console_in_avail(&ci, 0), 0);
	assert_false(console_in_take_signal(&ci, 0));
	assert_int_equal(console_in_read(&ci, 0, 0x10000, 8, copyout, &m), 0);
	assert_true(console_in_take_signal(&ci, 1));
	assert_int_equal(console_in_read(&ci, 1, 0x10000, 8, copyout, &m), 3);
	console_in_close(&ci);
	// A VM outside the run.
	assert_int_equal(console_in_open(&ci, NULL, "xyz", 2, 2, err, sizeof err), -1);
	assert_non_null(strstr(err, "--console-in-vm 2"));
	// No input at all: nothing to signal or read.
	assert_int_equal(console_in_open(&ci, NULL, "", -1, 2, err, sizeof err), 0);
	assert_false(console_in_take_signal(&ci, 0));
	assert_int_equal(console_in_read(&ci, 0, 0x10000, 8, copyout, &m), 0);
	console_in_close(&ci);
}

static void write_file(const char *path, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fputc('A' + (int)(i % 26), f);
	fclose(f);
}

static void test_file_and_read_cap(void **state)
{
	(void)state;
	char path[] = "/tmp/denali-test-conin-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, 10000);
	struct console_in ci;
	char err[256];
	assert_int_equal(console_in_open(&ci, path, NULL, -1, 1, err, sizeof err), 0);
	static struct fakemem m;
	// At most CONSOLE_IN_READ_MAX bytes per read, whatever the capacity.
	assert_int_equal(console_in_read(&ci, 0, 0x10000, 65536, copyout, &m), 4096);
	assert_int_equal(console_in_read(&ci, 0, 0x11000, 65536, copyout, &m), 4096);
	assert_int_equal(console_in_read(&ci, 0, 0x12000, 65536, copyout, &m), 10000 - 8192);
	for (size_t i = 0; i < 10000; i++)
		assert_int_equal(m.b[i], 'A' + (int)(i % 26));
	console_in_close(&ci);
	// Larger than 16 MiB: refused, naming the file.
	assert_int_equal(truncate(path, (off_t)CONSOLE_IN_MAX + 1), 0);
	assert_int_equal(console_in_open(&ci, path, NULL, -1, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "16 MiB"));
	// Exactly 16 MiB is fine.
	assert_int_equal(truncate(path, (off_t)CONSOLE_IN_MAX), 0);
	assert_int_equal(console_in_open(&ci, path, NULL, -1, 1, err, sizeof err), 0);
	assert_int_equal(console_in_avail(&ci, 0), CONSOLE_IN_MAX);
	console_in_close(&ci);
	unlink(path);
	assert_int_equal(console_in_open(&ci, path, NULL, -1, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_int_equal(console_in_open(&ci, "/tmp", NULL, -1, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "/tmp"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_every_vm),
		cmocka_unit_test(test_one_vm),
		cmocka_unit_test(test_file_and_read_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
