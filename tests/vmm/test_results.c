// SPDX-License-Identifier: MIT
// Unit tests for the guests' named results (src/vmm/results.c) and the results ports
// through the kernel (guests/results.s).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "resflood.h"
#include "results.h"
#include "vmm/digest.h"
#include "vmm/results.h"
#include "vmrun.h"

// Reports of VM 0.
static uint32_t add(struct results *r, const char *name, uint64_t v)
{
	return results_report(r, 0, RESULTS_COUNTER, name, (uint32_t)strlen(name), v);
}
static uint32_t sample(struct results *r, const char *name, uint64_t v)
{
	return results_report(r, 0, RESULTS_SAMPLE, name, (uint32_t)strlen(name), v);
}

// Every value lies in its bucket, buckets are contiguous and ordered, and a bucket's
// lower bound is at most 1/32 below any value in it.
static void test_buckets(void **state)
{
	(void)state;
	for (unsigned i = 0; i + 1 < HIST_BUCKETS; i++)
		assert_true(hist_lower(i) < hist_lower(i + 1));
	assert_int_equal(hist_bucket(UINT64_MAX), HIST_BUCKETS - 1);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int n = 0; n < 200000; n++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t v = n < 70000 ? (uint64_t)n : x >> (x & 63);
		unsigned b = hist_bucket(v);
		uint64_t lo = hist_lower(b);
		assert_true(lo <= v);
		if (b + 1 < HIST_BUCKETS)
			assert_true(v < hist_lower(b + 1));
		assert_true(v - lo <= v / 32);
	}
}

static void test_counters_and_samples(void **state)
{
	(void)state;
	struct results r;
	results_init(&r, 1);
	assert_int_equal(add(&r, "http.replies", 3), 0);
	assert_int_equal(add(&r, "http.replies", 4), 0);
	for (uint64_t v = 1; v <= 1000; v++)
		assert_int_equal(sample(&r, "lat_ns", v * 1000), 0);
	const struct results_entry *c = results_find(&r, "http.replies");
	assert_non_null(c);
	assert_int_equal(c->sum, 7);
	assert_int_equal(c->count, 2);
	const struct results_entry *s = results_find(&r, "lat_ns");
	assert_int_equal(results_count(s), 1000);
	assert_int_equal(s->hist->min, 1000);
	assert_int_equal(s->hist->max, 1000000);
	uint64_t p50 = hist_quantile(s->hist, 500), p99 = hist_quantile(s->hist, 990);
	assert_true(p50 <= 500000 && p50 >= 500000 - 500000 / 32);
	assert_true(p99 <= 990000 && p99 >= 990000 - 990000 / 32);
	assert_int_equal(hist_quantile(s->hist, 0), 1000);
	uint64_t p100 = hist_quantile(s->hist, 1000);
	assert_true(p100 <= 1000000 && p100 >= 1000000 - 1000000 / 32);
	assert_null(results_find(&r, "missing"));
	results_free(&r);
}

static void test_bad_requests(void **state)
{
	(void)state;
	struct results r;
	results_init(&r, 2);
	assert_int_equal(results_report(&r, 0, RESULTS_COUNTER, "x", 0, 1), DENALI_STAT_ERR_NAME);
	char longname[40];
	memset(longname, 'a', sizeof longname);
	assert_int_equal(results_report(&r, 0, RESULTS_COUNTER, longname, 33, 1),
			 DENALI_STAT_ERR_NAME);
	assert_int_equal(results_report(&r, 0, RESULTS_COUNTER, longname, 32, 1), 0);
	assert_int_equal(add(&r, "sp ace", 1), DENALI_STAT_ERR_NAME);
	assert_int_equal(add(&r, "nul\0x", 1), 0); // strlen stops at the NUL: "nul"
	assert_int_equal(results_report(&r, 0, RESULTS_COUNTER, "nul\0x", 5, 1),
			 DENALI_STAT_ERR_NAME);
	assert_int_equal(sample(&r, "nul", 1), DENALI_STAT_ERR_KIND);
	char name[16];
	while (r.n < DENALI_STATS_PER_VM) {
		snprintf(name, sizeof name, "c%u", r.n);
		assert_int_equal(add(&r, name, 1), 0);
	}
	assert_int_equal(add(&r, "one-too-many", 1), DENALI_STAT_ERR_FULL);
	assert_int_equal(add(&r, "c10", 1), 0); // existing names still work
	assert_int_equal(r.rejected, 6);
	// VM 1 has its own limit and kinds: a new name, and "nul" as a sample, both work.
	assert_int_equal(results_report(&r, 1, RESULTS_COUNTER, "fresh", 5, 1), 0);
	assert_int_equal(results_report(&r, 1, RESULTS_SAMPLE, "nul", 3, 9), 0);
	assert_int_equal(results_report(&r, 1, RESULTS_COUNTER, "nul", 3, 9),
			 DENALI_STAT_ERR_KIND);
	assert_int_equal(results_count(results_find_kind(&r, "nul", RESULTS_SAMPLE)), 1);
	assert_int_equal(results_find_kind(&r, "nul", RESULTS_COUNTER)->count, 1);
	assert_int_equal(r.rejected, 7);
	// The sum wraps instead of trapping.
	assert_int_equal(add(&r, "nul", UINT64_MAX), 0);
	assert_int_equal(results_find(&r, "nul")->sum, 0);
	results_free(&r);
}

static void test_digest(void **state)
{
	(void)state;
	struct results a, b;
	results_init(&a, 1);
	results_init(&b, 1);
	assert_int_equal(results_digest(&a, DIGEST_INIT), results_digest(&b, DIGEST_INIT));
	sample(&a, "x", 5);
	sample(&b, "x", 6);
	assert_int_not_equal(results_digest(&a, DIGEST_INIT), results_digest(&b, DIGEST_INIT));
	sample(&a, "x", 6);
	sample(&b, "x", 5);
	assert_int_equal(results_digest(&a, DIGEST_INIT), results_digest(&b, DIGEST_INIT));
	results_free(&a);
	results_free(&b);
}

// Three VMs report through the ports; hostile requests get error codes.
static void test_ports(void **state)
{
	(void)state;
	struct kernel_config cfg = vmrun_config(3);
	struct vmrun r;
	vmrun(&r, results_code, sizeof results_code, 0, &cfg);
	assert_int_equal(r.end, KERNEL_END_ALL_DONE);
	assert_int_equal(r.k->stats.ok, 3);
	for (uint32_t id = 0; id < 3; id++) {
		assert_int_equal(vmrun_res(&r, id, 0), 0);
		assert_int_equal(vmrun_res(&r, id, 1), DENALI_STAT_ERR_NAME);
		assert_int_equal(vmrun_res(&r, id, 2), DENALI_STAT_ERR_NAME);
		assert_int_equal(vmrun_res(&r, id, 3), DENALI_STAT_ERR_FAULT);
		assert_int_equal(vmrun_res(&r, id, 4), DENALI_STAT_ERR_KIND);
	}
	const struct results *res = &r.k->results;
	assert_int_equal(results_find(res, "ops")->sum, 3);
	assert_int_equal(results_find(res, "ids")->sum, 0 + 1 + 2);
	const struct results_entry *lat = results_find(res, "lat_ns");
	assert_int_equal(results_count(lat), 6);
	assert_int_equal(lat->hist->min, 100);
	assert_int_equal(lat->hist->max, 10002);
	assert_int_equal(res->rejected, 12);
	vmrun_free(&r);
}

// 2025-06 review (issue 10 section 2): a VM that registered 64 names filled the
// machine's one table, so every other VM's reports failed ("table full") and 99
// well-behaved VMs exited non-zero; one that claimed their name as the other kind made
// their reports fail too. Now each VM has its own limit and kinds, and the machine sums
// what each reported.
static void test_hostile_neighbour(void **state)
{
	(void)state;
	struct kernel_config cfg = vmrun_config(100);
	struct vmrun r;
	vmrun(&r, resflood_code, sizeof resflood_code, 0, &cfg);
	assert_int_equal(r.end, KERNEL_END_ALL_DONE);
	assert_int_equal(r.k->stats.ok, 100);
	// The hostile VM hits its own limit, and only it.
	assert_int_equal(vmrun_res(&r, 0, 0), 0);
	assert_int_equal(vmrun_res(&r, 0, 1), DENALI_STATS_PER_VM - 1);
	assert_int_equal(vmrun_res(&r, 0, 2), DENALI_STAT_ERR_FULL);
	for (uint32_t id = 1; id < 100; id++) {
		assert_int_equal(vmrun_res(&r, id, 0), 0);
		assert_int_equal(vmrun_res(&r, id, 1), 0);
	}
	const struct results *res = &r.k->results;
	const struct results_entry *ok = results_find_kind(res, "ok", RESULTS_COUNTER);
	assert_non_null(ok);
	assert_int_equal(ok->count, 99);
	assert_int_equal(ok->sum, 99);
	assert_int_equal(results_count(results_find_kind(res, "ok", RESULTS_SAMPLE)), 1);
	const struct results_entry *lat = results_find(res, "lat_ns");
	assert_int_equal(results_count(lat), 99);
	assert_int_equal(lat->hist->min, 1);
	assert_int_equal(lat->hist->max, 99);
	assert_int_equal(res->rejected, 1); // the hostile VM's one refusal
	vmrun_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_counters_and_samples),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_hostile_neighbour),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
