// SPDX-License-Identifier: MIT
// Sharing identical guest pages (src/vmm/pageshare.c, mem_share_scan in mem.c): the
// content table keeps its invariants through many adds and puts; two VMs that wrote
// the same bytes end up on one host page and get their own copy back on a write; and
// a run gives the same digest, per-VM cycles and TLB-miss count with sharing on and
// off (guests/share.s reads, writes and executes pages after they were shared).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elfgen.h"
#include "share.h"
#include "vmm/image.h"
#include "vmm/kernel.h"
#include "vmm/mem.h"
#include "vmm/pageshare.h"
#include "vmrun.h"

#define PAGE 4096u

static void fill(uint8_t *p, uint32_t v)
{
	memset(p, 0, PAGE);
	uint32_t w = v + 1; // never an all-zero page
	memcpy(p + (v % 1000) * 4, &w, 4);
}

// Random adds and puts of pages with 40 distinct contents, checked against a count of
// references per content; the table must always find the page that holds it.
static void test_table_model(void **state)
{
	(void)state;
	struct pagepool pool;
	pagepool_init(&pool);
	struct pageshare s;
	pageshare_init(&s, &pool);
	enum { N = 40,
	       OPS = 20000 };
	uint8_t *shared[N] = { NULL };
	uint32_t refs[N] = { 0 };
	uint64_t x = 12345;
	for (int op = 0; op < OPS; op++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t c = (uint32_t)(x >> 33) % N;
		if ((x >> 20) % 3 && refs[c] < 50) {
			uint8_t *p = pagepool_get(&pool);
			fill(p, c);
			bool zero;
			uint8_t *got = pageshare_add(&s, p, pageshare_hash(p, &zero));
			assert_false(zero);
			assert_non_null(got);
			if (refs[c]) {
				assert_ptr_equal(got, shared[c]); // merged with the one that holds it
				pagepool_put(&pool, p);
			} else {
				assert_ptr_equal(got, p);
				shared[c] = p;
			}
			refs[c]++;
		} else if (refs[c]) {
			bool last = pageshare_put(&s, shared[c]);
			assert_int_equal(last, refs[c] == 1);
			if (--refs[c] == 0)
				pagepool_put(&pool, shared[c]);
		}
		if (op % 997 == 0) { // every page is found with its count
			uint64_t pages = 0, total = 0;
			for (uint32_t i = 0; i < N; i++) {
				if (refs[i])
					assert_int_equal(pageshare_refs(&s, shared[i]), refs[i]);
				pages += refs[i] != 0;
				total += refs[i];
			}
			assert_int_equal(s.pages, pages);
			assert_int_equal(s.refs, total);
		}
	}
	for (uint32_t i = 0; i < N; i++)
		while (refs[i]--)
			if (pageshare_put(&s, shared[i]))
				pagepool_put(&pool, shared[i]);
	assert_int_equal(s.pages, 0);
	assert_int_equal(pool.pages_out, 0);
	pageshare_destroy(&s);
	pagepool_destroy(&pool);
}

static struct image *data_image(void)
{
	static const uint8_t code[] = { 0xf4 };
	uint8_t buf[8192];
	size_t len = elfgen_program(buf, sizeof buf, code, sizeof code, NULL, 0, 0);
	struct image *img;
	char err[256];
	assert_int_equal(image_parse(buf, len, "share", 1u << 20, &img, err, sizeof err), 0);
	return img;
}

// Two VMs' memories without a CPU: the same bytes in a page end up on one host page;
// a write gives the writer its own copy; the last reference takes the page back.
static void test_two_mems(void **state)
{
	(void)state;
	struct pagepool pool;
	pagepool_init(&pool);
	struct pageshare s;
	pageshare_init(&s, &pool);
	struct image *img = data_image();
	struct mem a, b;
	assert_int_equal(mem_init(&a, img, 1u << 20, NULL), 0);
	assert_int_equal(mem_init(&b, img, 1u << 20, NULL), 0);
	struct mem *both[2] = { &a, &b };
	for (int i = 0; i < 2; i++) { // host pages from the pool, as physmem_mem_init does
		uint8_t *v = pagepool_get(&pool);
		memcpy(v, both[i]->vregs, PAGE);
		free(both[i]->vregs);
		both[i]->vregs = v;
		both[i]->pool = &pool;
		both[i]->share = &s;
	}
	uint32_t v = 0xabcdef01, z = 0;
	assert_int_equal(mem_copyout(&a, 0x30010, &v, 4), 0);
	assert_int_equal(mem_copyout(&b, 0x30010, &v, 4), 0);
	assert_int_equal(mem_copyout(&a, 0x31000, &z, 4), 0); // an all-zero page
	assert_int_equal(mem_copyout(&b, 0x32000, &b, 4), 0); // b's own bytes
	assert_int_equal(mem_share_scan(&a), 1); // its zero page; 0x30000 joins the table
	assert_int_equal(mem_share_scan(&b), 1); // b's 0x30000 merges with a's
	assert_int_equal(a.pages_shared, 2);      // 0x30000 in the table, 0x31000 -> zero page
	assert_int_equal(b.pages_shared, 2);      // 0x30000, and its own page 0x32000
	struct cpu_page_info pa, pb;
	assert_int_equal(mem_map(&a, 0x30000, CPU_ACC_READ, &pa), 0);
	assert_int_equal(mem_map(&b, 0x30000, CPU_ACC_READ, &pb), 0);
	assert_ptr_equal(pa.host, pb.host);
	assert_true(pa.shared && !pa.writable);
	assert_int_equal(pageshare_refs(&s, pa.host), 2);
	assert_int_equal(mem_map(&a, 0x31000, CPU_ACC_READ, &pa), 0);
	assert_ptr_equal(pa.host, img->zero_page);
	uint64_t held = pool.pages_out;

	// A write to b's page: b gets a copy, a keeps the shared page.
	uint32_t w = 7, r = 0;
	assert_int_equal(mem_copyout(&b, 0x30020, &w, 4), 0);
	assert_int_equal(pool.pages_out, held + 1);
	assert_int_equal(b.pages_shared, 1);
	assert_int_equal(b.unshares, 1);
	assert_int_equal(mem_copyin(&b, &r, 0x30010, 4), 0);
	assert_int_equal(r, v); // the copy has the bytes
	assert_int_equal(mem_copyin(&a, &r, 0x30020, 4), 0);
	assert_int_equal(r, 0); // a does not see b's write
	// a is now the only one on it: its write takes the page back, no copy.
	assert_int_equal(mem_copyout(&a, 0x30020, &w, 4), 0);
	assert_int_equal(pool.pages_out, held + 1);
	assert_int_equal(s.pages, 1); // only b's 0x32000 is left in the table
	// A page written since it was shared is not offered again.
	assert_int_equal(mem_copyout(&a, 0x30030, &w, 4), 0);
	assert_int_equal(mem_share_scan(&a), 0);
	assert_int_equal(a.pages_shared, 1);
	// The zero page: a write gives a fresh zero page.
	assert_int_equal(mem_copyout(&a, 0x31004, &w, 4), 0);
	assert_int_equal(mem_copyin(&a, &r, 0x31000, 4), 0);
	assert_int_equal(r, 0);
	assert_int_equal(a.pages_shared, 0);

	mem_destroy(&a);
	mem_destroy(&b);
	assert_int_equal(s.pages, 0);
	assert_int_equal(pool.pages_out, 0);
	pageshare_destroy(&s);
	pagepool_destroy(&pool);
	image_free(img);
}

struct outcome {
	uint64_t digest, tlb_misses, refill, merged, now;
	uint64_t cycles[16], res[16][2];
};

static struct outcome run_share(bool on, uint32_t nvms)
{
	struct kernel_config cfg = vmrun_config(nvms);
	cfg.pm.share_pages = on;
	struct vmrun r;
	vmrun(&r, share_code, sizeof share_code, 0, &cfg);
	struct outcome o = {
		.digest = kernel_digest(r.k),
		.tlb_misses = cpu_exec_stats(r.k->x)->tlb_misses,
		.refill = r.k->stats.ctx_refill_cycles,
		.merged = r.k->pm->share.merged,
		.now = r.k->now,
	};
	for (uint32_t i = 0; i < nvms && i < 16; i++) {
		assert_int_equal(r.k->vms[i].state, VM_TERMINATED);
		o.cycles[i] = r.k->vms[i].cpu.cycles;
		o.res[i][0] = vmrun_res(&r, i, 0);
		o.res[i][1] = vmrun_res(&r, i, 1);
	}
	assert_int_equal(r.k->pm->pool.pages_out, 0);
	assert_int_equal(r.k->pm->share.pages, 0);
	vmrun_free(&r);
	return o;
}

static void test_invisible_to_results(void **state)
{
	(void)state;
	for (uint32_t n = 2; n <= 16; n += 14) {
		struct outcome on = run_share(true, n), off = run_share(false, n);
		assert_true(on.merged > 0); // pages really were shared
		assert_int_equal(off.merged, 0);
		assert_int_equal(on.digest, off.digest);
		assert_int_equal(on.tlb_misses, off.tlb_misses);
		assert_int_equal(on.refill, off.refill);
		assert_int_equal(on.now, off.now);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(on.cycles[i], off.cycles[i]);
			// 8 rounds of D, D+0x1000 (and D+0x2000 on odd VMs): sum 36 each.
			assert_int_equal(on.res[i][0], (i & 1) ? 3 * 36 : 2 * 36);
			assert_int_equal(on.res[i][1], 36); // the function returned each round
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_model),
		cmocka_unit_test(test_two_mems),
		cmocka_unit_test(test_invisible_to_results),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
