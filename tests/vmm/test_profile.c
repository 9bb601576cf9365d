// SPDX-License-Identifier: MIT
// The guest-code profile (src/vmm/profile.c): the table, and through the kernel, that a
// profiled run is the same run (same digest, same instructions and cycles) with one
// sample per interval of each VM's cycles.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "vmm/profile.h"
#include "vmrun.h"
#include "results.h"

static void test_table(void **state)
{
	(void)state;
	struct profile p;
	assert_int_equal(profile_init(&p, 0), -1);
	assert_int_equal(profile_init(&p, 100), 0);
	// Enough distinct addresses to grow the table several times.
	for (uint32_t i = 1; i <= 5000; i++)
		for (uint32_t j = 0; j < i % 7; j++)
			profile_add(&p, 0x10000 + i * 3);
	profile_add(&p, 0); // never a real EIP: dropped
	assert_int_equal(p.dropped, 1);
	uint32_t n;
	struct profile_slot *s = profile_sorted(&p, &n);
	assert_non_null(s);
	uint64_t total = 0;
	for (uint32_t i = 0; i < n; i++) {
		total += s[i].count;
		if (i)
			assert_true(s[i - 1].count > s[i].count ||
				    (s[i - 1].count == s[i].count && s[i - 1].eip < s[i].eip));
	}
	assert_int_equal(total, p.samples);
	assert_int_equal(s[0].count, 6);
	free(s);
	profile_free(&p);
}

// The results-port guest is small; any guest works: the property is about the kernel.
static void test_same_run(void **state)
{
	(void)state;
	struct kernel_config cfg = vmrun_config(3);
	struct vmrun a, b;
	vmrun(&a, results_code, sizeof results_code, 0, &cfg);
	cfg.profile_interval_cycles = 7;
	vmrun(&b, results_code, sizeof results_code, 0, &cfg);
	assert_int_equal(kernel_digest(a.k), kernel_digest(b.k));
	uint64_t want = 0;
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(a.k->vms[i].cpu.retired, b.k->vms[i].cpu.retired);
		assert_int_equal(a.k->vms[i].cpu.cycles, b.k->vms[i].cpu.cycles);
		want += b.k->vms[i].cpu.cycles / 7;
	}
	assert_true(want > 10);
	assert_int_equal(b.k->prof.samples + b.k->prof.dropped, want);
	assert_int_equal(a.k->prof.samples, 0);
	vmrun_free(&a);
	vmrun_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_same_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
