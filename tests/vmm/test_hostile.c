// SPDX-License-Identifier: MIT
// Hostile guests (issue #4 "Bad input"): each case affects only its own VM (VM 0)
// while VM 1, running the same image, completes normally; the digest is the same over
// two runs. Guests are in guests/hostile.s (one entry label per case) and guests/priv.s.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hostile.h"
#include "priv.h"
#include "vmrun.h"

#define MAX_TIME (1700000ull * 3) // 3 ms

// Runs the case twice with 2 VMs, checks VM 1 and the digest, returns the first run.
static void run_case(struct vmrun *r, uint32_t entry, bool limit)
{
	uint64_t d[2];
	struct kernel_config c = vmrun_config(2);
	c.max_time_cycles = limit ? MAX_TIME : 0;
	vmrun(r, hostile_code, sizeof hostile_code, entry, &c);
	d[0] = kernel_digest(r->k);
	const struct vm *good = &r->k->vms[1];
	if (good->diag)
		fail_msg("good VM: %s", good->diag);
	assert_int_equal(good->state, VM_TERMINATED);
	assert_int_equal(good->exit_code, 0);
	assert_int_equal(vmrun_res(r, 1, 0), 7); // its code is its own
	struct vmrun again;
	vmrun(&again, hostile_code, sizeof hostile_code, entry, &c);
	d[1] = kernel_digest(again.k);
	vmrun_free(&again);
	assert_int_equal(d[0], d[1]);
}

// Spins forever: preempted by the quantum, stopped at max time.
static void test_spin(void **state)
{
	struct vmrun r;
	run_case(&r, HOSTILE_CASE_SPIN, true);
	assert_int_equal(r.end, KERNEL_END_MAX_TIME);
	assert_int_equal(r.k->vms[0].state, VM_STOPPED);
	assert_true(r.k->vms[0].slices > 100);
	vmrun_free(&r);
}

// Never idles and floods the console with PIOs: capped output, stopped at max time.
static void test_pio_storm(void **state)
{
	struct vmrun r;
	run_case(&r, HOSTILE_CASE_PIO_STORM, true);
	const struct vm *vm = &r.k->vms[0];
	assert_int_equal(vm->state, VM_STOPPED);
	assert_true(vm->pios > 1000);
	assert_int_equal(kernel_console(r.k, 0)->total, 4 * vm->pios);
	vmrun_free(&r);
}

// Touches every page of its memory, again and again.
static void test_touch_all_memory(void **state)
{
	struct vmrun r;
	run_case(&r, HOSTILE_CASE_TOUCH_ALL, true);
	const struct vm *vm = &r.k->vms[0];
	assert_int_equal(vm->state, VM_STOPPED);
	assert_false(vm->has_mem); // released at the end
	vmrun_free(&r);
}

// Writes its own code: its copy changes (it exits with the patched 42), VM 1 still
// runs the original (7), the image is untouched.
static void test_self_modifying(void **state)
{
	struct vmrun r;
	run_case(&r, HOSTILE_CASE_SMC, false);
	assert_int_equal(r.k->vms[0].state, VM_TERMINATED);
	assert_int_equal(r.k->vms[0].exit_code, 42);
	assert_int_equal(image_page(r.img, HOSTILE_SMC_FN / 4096)[(HOSTILE_SMC_FN % 4096) + 1],
			 7);
	vmrun_free(&r);
}

// Jumps into the kernel's region: #PF on the fetch kills it.
static void test_kernel_jump(void **state)
{
	struct vmrun r;
	run_case(&r, HOSTILE_CASE_KERNEL_JUMP, false);
	const struct vm *vm = &r.k->vms[0];
	assert_int_equal(vm->state, VM_KILLED);
	assert_non_null(strstr(vm->diag, "instruction fetch at 0xc0000000"));
	assert_non_null(strstr(vm->diag, "eip 0xc0000000"));
	vmrun_free(&r);
}

// Idles with an absurd timeout (0xffffffff_fffffffe ns): it never wakes, the run ends
// when VM 1 does, and simulated time stays sane.
static void test_absurd_timeout(void **state)
{
	struct vmrun r;
	run_case(&r, HOSTILE_CASE_ABSURD_IDLE, false);
	assert_int_equal(r.end, KERNEL_END_DEADLOCK);
	assert_int_equal(r.k->vms[0].state, VM_HUNG);
	assert_true(r.k->now < 1700000);
	vmrun_free(&r);
}

// Every privileged instruction raises #GP (docs/isa.md 5): all 27 reach the
// exception handler as vector 13, and the VM goes on.
static void test_privileged_all_gp(void **state)
{
	struct kernel_config c = vmrun_config(2);
	struct vmrun r;
	vmrun(&r, priv_code, sizeof priv_code, 0, &c);
	for (uint32_t i = 0; i < 2; i++) {
		const struct vm *vm = &r.k->vms[i];
		if (vm->diag)
			fail_msg("%s", vm->diag);
		assert_int_equal(vm->state, VM_TERMINATED);
		assert_int_equal(vmrun_res(&r, i, 0), 27);
		assert_int_equal(vmrun_res(&r, i, 1), 27);
		assert_int_equal(vmrun_res(&r, i, 2), 0);
	}
	vmrun_free(&r);
	// Without a handler the first one (CLI) kills the VM with #GP.
	static const uint8_t cli[] = { 0xfa };
	vmrun(&r, cli, sizeof cli, 0, &c);
	assert_int_equal(r.k->vms[0].state, VM_KILLED);
	assert_non_null(strstr(r.k->vms[0].diag, "general protection"));
	vmrun_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spin),
		cmocka_unit_test(test_pio_storm),
		cmocka_unit_test(test_touch_all_memory),
		cmocka_unit_test(test_self_modifying),
		cmocka_unit_test(test_kernel_jump),
		cmocka_unit_test(test_absurd_timeout),
		cmocka_unit_test(test_privileged_all_gp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
