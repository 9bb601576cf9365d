// SPDX-License-Identifier: MIT
// Host memory by kind (src/vmm/hostmem.c): the accounting of a known run adds up to
// what its VMs hold, kind by kind.
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "synth.h"
#include "vmm/hostmem.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

#define MEM (1u << 20)

static struct kernel *new_kernel(const struct image *img, uint32_t nvms, bool share)
{
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = nvms;
	cfg.mem_size = MEM;
	cfg.pm.share_pages = share;
	char err[256];
	struct kernel *k;
	assert_int_equal(kernel_new(&k, &cfg, img, err, sizeof err), 0);
	return k;
}

// 100 VMs that each write one data page and idle with a 10 s timeout (no sharing).
static void test_idle_vms_by_kind(void **state)
{
	(void)state;
	char err[256];
	struct image *img;
	assert_int_equal(synth_idle(&img, MEM, 10000000000ull, err, sizeof err), 0);
	struct kernel *k = new_kernel(img, 100, false);
	struct hostmem hm;
	kernel_hostmem(k, &hm);
	assert_int_equal(hm.guest_pages, 0); // nothing before the first dispatch
	assert_int_equal(hm.bytes[HM_PAGE_TABLES], 0);
	assert_int_equal(hm.bytes[HM_VM_RECORDS] >= 100 * sizeof(struct vm), 1);

	assert_false(kernel_run_until(k, kernel_ns_to_cycles(&k->cfg, 1000000)));
	kernel_hostmem(k, &hm);
	assert_int_equal(hm.guest_pages, 200); // the vregs page and the data page
	assert_int_equal(hm.bytes[HM_GUEST_PAGES], 200 * 4096);
	// 1 MiB = 256 pages: a directory of 4 leaf pointers, and one leaf of 64 entries.
	assert_int_equal(hm.bytes[HM_PAGE_TABLES], 100 * (4 * 8 + 64 * 8));
	assert_int_equal(hm.events, 100); // one idle timeout each
	assert_int_equal(hm.bytes[HM_EVENTS] >= 100 * 32, 1);
	assert_int_equal(hm.code_pages, 1); // one code page, shared by every VM
	assert_int_equal(hm.bytes[HM_DECODE] > 32768, 1);
	assert_int_equal(hm.bytes[HM_GUEST_PAGES] + hm.bytes[HM_POOL_FREE],
			 k->pm->pool.nchunks * (uint64_t)PAGEPOOL_CHUNK);
	assert_int_equal(hm.bytes[HM_NIC_QUEUES] + hm.bytes[HM_SWITCH], 0); // no devices
	uint64_t sum = 0;
	for (unsigned i = 0; i < HM_KINDS; i++) {
		sum += hm.bytes[i];
		assert_non_null(hostmem_kind_name(i));
	}
	assert_int_equal(hostmem_total(&hm), sum);

	kernel_finish(k, KERNEL_END_MAX_TIME); // the VMs' memory goes back to the pool
	kernel_hostmem(k, &hm);
	assert_int_equal(hm.guest_pages, 0);
	assert_int_equal(hm.bytes[HM_PAGE_TABLES], 0);
	assert_int_equal(hm.bytes[HM_POOL_FREE], k->pm->pool.nchunks * (uint64_t)PAGEPOOL_CHUNK);
	kernel_free(k);
	image_free(img);
}

// The same VMs with sharing: each wrote zero into its data page, so once it has run
// (and another VM took the CPU) the page maps the image's zero page again; only the
// last VM's page has not been offered yet.
static void test_shared_counted_once(void **state)
{
	(void)state;
	char err[256];
	struct image *img;
	assert_int_equal(synth_idle(&img, MEM, 10000000000ull, err, sizeof err), 0);
	struct kernel *k = new_kernel(img, 100, true);
	assert_false(kernel_run_until(k, kernel_ns_to_cycles(&k->cfg, 1000000)));
	struct hostmem hm;
	kernel_hostmem(k, &hm);
	// 100 vregs pages and the last VM's data page.
	assert_int_equal(hm.shared_pages, 0); // the zero page is the image's, not the table's
	assert_int_equal(hm.guest_pages, 101);
	assert_int_equal(hm.bytes[HM_GUEST_PAGES], 101 * 4096);
	uint32_t shared = 0;
	for (uint32_t i = 0; i < 100; i++)
		shared += k->vms[i].mem.pages_shared;
	assert_int_equal(shared, 99);
	assert_int_equal(hm.bytes[HM_GUEST_PAGES] + hm.bytes[HM_POOL_FREE],
			 k->pm->pool.nchunks * (uint64_t)PAGEPOOL_CHUNK);
	kernel_free(k);
	image_free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_vms_by_kind),
		cmocka_unit_test(test_shared_counted_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
