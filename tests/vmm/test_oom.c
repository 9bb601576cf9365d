// SPDX-License-Identifier: MIT
// A VM killed because the host ran out of memory says so (issue 10 section 3, last
// bullet). The test executable wraps malloc, calloc and aligned_alloc (-Wl,--wrap, see
// meson.build), so host allocations of a chosen size range fail from a chosen moment
// on; the guest (guests/oom.s) has an exception handler, which must never see such a
// failure as a page fault.
//
// 2025-06 review (issue 10): a guest page the host could not allocate was delivered to
// the guest's handler as #PF, and a decode-cache allocation failure was reported as
// "page fault (#PF): instruction fetch at ... outside guest memory".
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oom.h"
#include "vmrun.h"

// Allocations of fail_min..fail_max-1 bytes fail while `failing`; `failed` counts them.
static bool failing;
static size_t fail_min, fail_max;
static uint64_t failed;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_aligned_alloc(size_t align, size_t n);

static bool should_fail(size_t n)
{
	if (failing && n >= fail_min && n < fail_max) {
		failed++;
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t n)
{
	return should_fail(n) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return size && n <= SIZE_MAX / size && should_fail(n * size) ? NULL : __real_calloc(n, size);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
	return should_fail(n) ? NULL : __real_aligned_alloc(align, n);
}

// Runs the guest from `entry` with allocations of [lo, hi) bytes failing from 20 us.
static void run(struct vmrun *r, uint32_t entry, size_t lo, size_t hi)
{
	struct kernel_config c = vmrun_config(1);
	c.mem_size = 4u << 20;
	vmrun_new(r, oom_code, sizeof oom_code, entry, &c);
	assert_false(kernel_run_until(r->k, kernel_ns_to_cycles(&c, 20000)));
	assert_int_equal(r->k->vms[0].state, VM_RUNNABLE);
	failing = true;
	fail_min = lo;
	fail_max = hi;
	failed = 0;
	r->end = kernel_run(r->k);
	failing = false;
	assert_true(failed > 0); // the wrapped allocator was reached
}

static void check_killed_for_oom(const struct vmrun *r)
{
	const struct vm *vm = &r->k->vms[0];
	assert_int_equal(vmrun_res(r, 0, 0), 0); // the handler never ran
	assert_int_equal(vm->state, VM_KILLED);
	assert_non_null(vm->diag);
	assert_non_null(strstr(vm->diag, "host out of memory"));
	assert_null(strstr(vm->diag, "page fault"));
	assert_true(r->k->host_oom);
}

// A guest page: the page pool's next 1 MiB chunk cannot be allocated.
static void test_guest_page(void **state)
{
	struct vmrun r;
	run(&r, OOM_PAGES, 512u << 10, SIZE_MAX);
	check_killed_for_oom(&r);
	vmrun_free(&r);
}

// Decoded code: the decode cache's record for a new code page (4096 block pointers,
// 32 KiB) cannot be allocated; smaller ones (block storage) still can.
static void test_decoded_code(void **state)
{
	struct vmrun r;
	run(&r, OOM_CODE, 24u << 10, 64u << 10);
	check_killed_for_oom(&r);
	vmrun_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guest_page),
		cmocka_unit_test(test_decoded_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
