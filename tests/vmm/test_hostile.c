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

// Rewrites and calls a function in the shared image page it runs from (issue 10,
// 2026-12, found by a hostile guest: the copy-on-write path flushed the code TLB, so
// the old bytes kept running until the slice ended: 965 stale calls at 10 us, 12,688 at
// 100 us). The new bytes run from the next instruction whatever the quantum.
static void test_cow_stale_code(void **state)
{
	static const uint64_t quanta[] = { 1700, 17000, 170000, 1700000 };
	uint64_t retired = 0, cycles = 0;
	for (size_t q = 0; q < sizeof quanta / sizeof quanta[0]; q++) {
		struct kernel_config c = vmrun_config(2);
		c.quantum_cycles = quanta[q];
		struct vmrun r;
		vmrun(&r, hostile_code, sizeof hostile_code, HOSTILE_CASE_COW_STALE, &c);
		const struct vm *vm = &r.k->vms[0];
		if (vm->diag)
			fail_msg("vm 0: %s", vm->diag);
		assert_int_equal(vm->state, VM_TERMINATED);
		assert_int_equal(vmrun_res(&r, 0, 0), 0); // no stale call
		assert_int_equal(vmrun_res(&r, 1, 0), 7); // VM 1 still runs the image's code
		// The VM's own count of work is the same under every quantum.
		if (q == 0) {
			retired = vm->cpu.retired;
			cycles = vm->cpu.cycles;
		}
		assert_int_equal(vm->cpu.retired, retired);
		assert_int_equal(vm->cpu.cycles, cycles);
		vmrun_free(&r);
	}
}

// Stores into the code page it runs from, forever (issue 10, 2026-12, found by a
// hostile guest: each store dropped and re-allocated the page's decoded code, and the
// dropped copies piled up until the slice ended: 4.2 GB at --quantum 1ms). The host
// cost must stay a small constant per store: no new code page per store, a few blocks
// re-decoded, bounded memory, and the same for a quantum 100 times longer.
static void test_smc_spin_bounded(void **state)
{
	static const uint64_t quanta[] = { 17000, 1700000 };
	for (size_t q = 0; q < sizeof quanta / sizeof quanta[0]; q++) {
		struct kernel_config c = vmrun_config(2);
		c.quantum_cycles = quanta[q];
		c.max_time_cycles = MAX_TIME;
		struct vmrun r;
		vmrun(&r, hostile_code, sizeof hostile_code, HOSTILE_CASE_SMC_SPIN, &c);
		const struct vm *vm = &r.k->vms[0];
		assert_int_equal(vm->state, VM_STOPPED);
		uint64_t rounds = vm->cpu.r[CPU_EBP]; // three stores each
		const struct cpu_exec_stats *st = cpu_exec_stats(r.k->x);
		assert_true(rounds > 10000);
		assert_true(st->dcache_misses < 50);           // code pages allocated
		assert_true(st->blocks_decoded < 4 * rounds + 100);
		assert_true(st->dcache_bytes < (1u << 20));
		assert_true(st->smc_exits >= rounds);          // the running loop's immediate
		vmrun_free(&r);
	}
}

// Jumps into zeroed memory (issue 10, 2026-12, found by a hostile guest: not finished
// after 120 s): `add [eax], al` into its own page, then on through untouched zero pages
// to the end of memory, where the fetch faults. Bounded host work per instruction.
static void test_zero_jump(void **state)
{
	struct kernel_config c = vmrun_config(2);
	struct vmrun r;
	vmrun(&r, hostile_code, sizeof hostile_code, HOSTILE_CASE_ZERO_JUMP, &c);
	const struct vm *vm = &r.k->vms[0];
	assert_int_equal(vm->state, VM_KILLED);
	assert_non_null(strstr(vm->diag, "instruction fetch at 0x00100000"));
	const struct cpu_exec_stats *st = cpu_exec_stats(r.k->x);
	print_message("zero jump: %s; %llu instructions, %llu blocks decoded, %llu code pages\n",
		      vm->diag, (unsigned long long)vm->cpu.retired,
		      (unsigned long long)st->blocks_decoded, (unsigned long long)st->dcache_misses);
	assert_true(vm->cpu.retired > 350000); // (1 MiB - 0x50010) / 2 bytes per instruction
	assert_true(st->dcache_misses < 50);
	assert_true(st->blocks_decoded < vm->cpu.retired / 8);
	assert_true(st->dcache_bytes < (1u << 20));
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
		cmocka_unit_test(test_cow_stale_code),
		cmocka_unit_test(test_smc_spin_bounded),
		cmocka_unit_test(test_zero_jump),
		cmocka_unit_test(test_kernel_jump),
		cmocka_unit_test(test_absurd_timeout),
		cmocka_unit_test(test_privileged_all_gp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
