// SPDX-License-Identifier: MIT
// Tests of console output (src/devices/console_out.c, docs/isa.md 9) with a fake guest
// memory (fakemem.h): bytes kept up to the cap and all counted, a buffer partly outside
// guest memory writes nothing, a write longer than CONSOLE_OUT_WRITE_MAX is short, VMs
// are separate. Through the kernel: tests/vmm/test_kernel.c (console PIOs).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/console_out.h"
#include "fakemem.h"

#define NVM 2

struct host {
	struct fakemem mem[NVM];
};

static int h_copyin(void *ctx, uint32_t vm, void *dst, uint32_t addr, uint32_t len)
{
	struct host *h = ctx;
	assert_true(vm < NVM);
	return fake_copyin(&h->mem[vm], dst, addr, len);
}

static struct console_out *new_console(struct host *h, uint32_t cap)
{
	for (int i = 0; i < NVM; i++)
		fakemem_init(&h->mem[i]);
	struct devset_host hi = { .copyin = h_copyin, .ctx = h };
	struct console_out *c;
	assert_int_equal(console_out_new(&c, NVM, cap, &hi), 0);
	return c;
}

static void test_putc_and_write(void **state)
{
	struct host *h = calloc(1, sizeof *h);
	struct console_out *c = new_console(h, 1024);
	memcpy(h->mem[1].b, "hello\n", 6);
	assert_int_equal(console_out_putc(c, 0, 'x'), 0);
	uint32_t w;
	assert_int_equal(console_out_write(c, 1, FAKE_BASE, 6, &w), 0);
	assert_int_equal(w, 6);
	const struct console_out_vm *v0 = console_out_vm(c, 0), *v1 = console_out_vm(c, 1);
	assert_int_equal(v0->len, 1);
	assert_int_equal(v0->bytes[0], 'x');
	assert_int_equal(v1->len, 6);
	assert_int_equal(v1->total, 6);
	assert_memory_equal(v1->bytes, "hello\n", 6);
	// Partly outside guest memory: nothing is written, nothing counted.
	assert_int_equal(console_out_write(c, 1, FAKE_BASE + FAKE_SIZE - 3, 6, &w), 0);
	assert_int_equal(w, 0xffffffffu);
	assert_int_equal(v1->total, 6);
	// A bad id: no output, and no record.
	assert_int_equal(console_out_putc(c, NVM, 'y'), 0);
	assert_null(console_out_vm(c, NVM));
	console_out_free(c);
	free(h);
}

static void test_cap_and_short_write(void **state)
{
	struct host *h = calloc(1, sizeof *h);
	struct console_out *c = new_console(h, 100);
	memset(h->mem[0].b, 'a', FAKE_SIZE);
	uint32_t w;
	for (int i = 0; i < 30; i++)
		assert_int_equal(console_out_write(c, 0, FAKE_BASE, 7, &w), 0);
	const struct console_out_vm *v = console_out_vm(c, 0);
	assert_int_equal(v->len, 100); // the first 100 kept
	assert_int_equal(v->total, 210); // all counted
	// More than CONSOLE_OUT_WRITE_MAX: a short write of the maximum (the fake memory
	// holds exactly that much, so the request's tail would be outside it).
	assert_true(FAKE_SIZE == CONSOLE_OUT_WRITE_MAX);
	assert_int_equal(console_out_write(c, 0, FAKE_BASE, 0xffffffffu, &w), 0);
	assert_int_equal(w, CONSOLE_OUT_WRITE_MAX);
	assert_int_equal(v->total, 210 + CONSOLE_OUT_WRITE_MAX);
	assert_int_equal(v->len, 100);
	console_out_free(c);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_putc_and_write),
		cmocka_unit_test(test_cap_and_short_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
