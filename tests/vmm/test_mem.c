// SPDX-License-Identifier: MIT
// Unit tests for guest memory (src/vmm/mem.c): holes fault, first touch allocates,
// image pages are shared read-only until written, two VMs never see each other's
// writes, copy helpers stop at holes, teardown frees everything (ASan build checks).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "denali/abi.h"
#include "elfgen.h"
#include "vmm/image.h"
#include "vmm/mem.h"
#include "vmm/vm.h"

#define MEM (1u << 20)

static struct image *load(void)
{
	static const uint8_t code[] = { 0x90, 0x90, 0xf4 };
	static const uint8_t data[] = "initial data";
	uint8_t buf[8192];
	size_t len = elfgen_program(buf, sizeof buf, code, sizeof code, data, sizeof data, 8192);
	struct image *img;
	char err[256];
	assert_int_equal(image_parse(buf, len, "t.elf", MEM, &img, err, sizeof err), 0);
	return img;
}

static void test_holes(void **state)
{
	struct image *img = load();
	struct mem m;
	assert_int_equal(mem_init(&m, img, MEM, NULL), 0);
	struct cpu_page_info pi;
	const enum cpu_access accs[] = { CPU_ACC_READ, CPU_ACC_WRITE, CPU_ACC_EXEC };
	const uint32_t holes[] = { 0, 0xfff, MEM, MEM + 5, 0xbfffffffu, 0xc0000000u, 0xffffffffu };
	for (size_t a = 0; a < 3; a++)
		for (size_t h = 0; h < sizeof holes / sizeof holes[0]; h++)
			assert_int_equal(mem_map(&m, holes[h], accs[a], &pi), -1);
	// The vregs page and the last byte of memory are present.
	assert_int_equal(mem_map(&m, DENALI_VREGS_ADDR + 8, CPU_ACC_WRITE, &pi), 0);
	assert_ptr_equal(pi.host, m.vregs);
	assert_true(pi.writable);
	assert_int_equal(mem_map(&m, MEM - 1, CPU_ACC_READ, &pi), 0);
	assert_int_equal(mem_map(&m, DENALI_MEM_BASE, CPU_ACC_WRITE, &pi), 0);
	assert_false(m.oom);
	mem_destroy(&m);
	image_free(img);
}

static void test_first_touch(void **state)
{
	struct image *img = load();
	struct mem m;
	assert_int_equal(mem_init(&m, img, MEM, NULL), 0);
	struct cpu_page_info pi;
	// A read of an untouched page maps the shared zero page, allocating nothing.
	assert_int_equal(mem_map(&m, 0x50000, CPU_ACC_READ, &pi), 0);
	assert_ptr_equal(pi.host, img->zero_page);
	assert_false(pi.writable);
	assert_int_equal(m.pages_private, 0);
	// A write allocates a private zeroed page, once.
	assert_int_equal(mem_map(&m, 0x50010, CPU_ACC_WRITE, &pi), 0);
	assert_true(pi.writable);
	assert_ptr_not_equal(pi.host, img->zero_page);
	uint8_t *p = pi.host;
	for (int i = 0; i < 4096; i++)
		assert_int_equal(p[i], 0);
	p[0x10] = 0xaa;
	assert_int_equal(m.pages_private, 1);
	assert_int_equal(m.cow_copies, 0);
	assert_int_equal(mem_map(&m, 0x50fff, CPU_ACC_READ, &pi), 0);
	assert_ptr_equal(pi.host, p);
	assert_true(pi.writable);
	assert_int_equal(m.pages_private, 1);
	assert_int_equal(m.leaves, 1);
	mem_destroy(&m);
	image_free(img);
}

static void test_cow_isolation(void **state)
{
	struct image *img = load();
	struct mem a, b;
	assert_int_equal(mem_init(&a, img, MEM, NULL), 0);
	assert_int_equal(mem_init(&b, img, MEM, NULL), 0);
	uint32_t daddr = ELFGEN_TEXT + 0x1000;
	uint8_t *shared = image_page(img, daddr / 4096);
	struct cpu_page_info pa, pb;
	assert_int_equal(mem_map(&a, daddr, CPU_ACC_READ, &pa), 0);
	assert_int_equal(mem_map(&b, daddr, CPU_ACC_EXEC, &pb), 0);
	assert_ptr_equal(pa.host, shared);
	assert_ptr_equal(pb.host, shared);
	assert_false(pa.writable);
	// VM a writes: it gets a private copy with the image contents.
	assert_int_equal(mem_map(&a, daddr, CPU_ACC_WRITE, &pa), 0);
	assert_ptr_not_equal(pa.host, shared);
	assert_true(pa.writable);
	assert_string_equal((char *)pa.host, "initial data");
	memcpy(pa.host, "changed by a", 13);
	assert_int_equal(a.cow_copies, 1);
	// VM b and the image still see the original.
	assert_int_equal(mem_map(&b, daddr, CPU_ACC_READ, &pb), 0);
	assert_string_equal((char *)pb.host, "initial data");
	assert_string_equal((char *)shared, "initial data");
	// Copy helpers see each VM's own view.
	char s[16];
	assert_int_equal(mem_copyin(&a, s, daddr, 13), 0);
	assert_string_equal(s, "changed by a");
	assert_int_equal(mem_copyin(&b, s, daddr, 13), 0);
	assert_string_equal(s, "initial data");
	// b writes through copyout: its own copy.
	assert_int_equal(mem_copyout(&b, daddr, "b!", 2), 0);
	assert_int_equal(mem_copyin(&b, s, daddr, 13), 0);
	assert_string_equal(s, "b!itial data");
	assert_int_equal(mem_copyin(&a, s, daddr, 13), 0);
	assert_string_equal(s, "changed by a");
	assert_string_equal((char *)shared, "initial data");
	mem_destroy(&a);
	mem_destroy(&b);
	image_free(img);
}

static void test_copy_helpers(void **state)
{
	struct mem m;
	assert_int_equal(mem_init(&m, NULL, MEM, NULL), 0); // no image: zero memory
	uint8_t big[3 * 4096 + 100], back[sizeof big];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7);
	// Crosses three page boundaries.
	assert_int_equal(mem_copyout(&m, 0x20ff0, big, sizeof big), 0);
	assert_int_equal(mem_copyin(&m, back, 0x20ff0, sizeof big), 0);
	assert_memory_equal(big, back, sizeof big);
	assert_int_equal(m.pages_private, 5); // 0x20ff0..0x24054
	// Holes: below, at the end, wrapping past 4 GiB.
	assert_int_equal(mem_copyin(&m, back, 0x800, 16), -1);
	assert_int_equal(mem_copyin(&m, back, MEM - 8, 16), -1);
	assert_int_equal(mem_copyout(&m, MEM - 8, big, 16), -1);
	assert_int_equal(mem_copyin(&m, back, 0xfffffff0u, 0x20), -1);
	assert_int_equal(mem_copyin(&m, back, MEM - 16, 0xffffffffu), -1);
	assert_int_equal(mem_copyin_prefix(&m, back, MEM - 8, 16), 8);
	assert_int_equal(mem_copyin_prefix(&m, back, 0, 16), 0);
	assert_int_equal(mem_copyin(&m, back, 0x5000, 0), 0);
	mem_destroy(&m);
	// destroy is idempotent and the struct can be reused.
	mem_destroy(&m);
	assert_int_equal(mem_init(&m, NULL, DENALI_MEM_MIN, NULL), 0);
	assert_int_equal(m.ndir, 1);
	mem_destroy(&m);
}

// The page table stays small: a 4 MiB VM's directory is 16 pointers; leaves appear
// only where pages were touched.
static void test_page_table_size(void **state)
{
	struct mem m;
	assert_int_equal(mem_init(&m, NULL, 4u << 20, NULL), 0);
	assert_int_equal(m.ndir, 16);
	struct cpu_page_info pi;
	assert_int_equal(mem_map(&m, (4u << 20) - 4, CPU_ACC_WRITE, &pi), 0);
	assert_int_equal(mem_map(&m, 0x2000, CPU_ACC_WRITE, &pi), 0);
	assert_int_equal(m.leaves, 2);
	assert_int_equal(m.pages_private, 2);
	mem_destroy(&m);
	assert_int_equal(mem_init(&m, NULL, DENALI_MEM_MAX, NULL), 0);
	assert_int_equal(m.ndir, DENALI_MEM_MAX / 4096 / MEM_LEAF_PAGES);
	assert_int_equal(mem_map(&m, DENALI_MEM_MAX - 1, CPU_ACC_WRITE, &pi), 0);
	assert_int_equal(mem_map(&m, DENALI_MEM_MAX, CPU_ACC_READ, &pi), -1);
	mem_destroy(&m);
}

// The host cost of an idle VM beyond its touched pages stays under the 16 KiB goal
// (DESIGN.md section 5), counting struct vm too.
static void test_idle_vm_cost(void **state)
{
	struct mem m;
	assert_int_equal(mem_init(&m, NULL, DENALI_MEM_DEFAULT, NULL), 0);
	struct cpu_page_info pi;
	assert_int_equal(mem_map(&m, DENALI_MEM_DEFAULT - 4, CPU_ACC_WRITE, &pi), 0); // stack
	uint64_t overhead = mem_host_bytes(&m) - (uint64_t)m.pages_private * 4096;
	assert_true(overhead + sizeof(struct vm) <= 16 * 1024);
	assert_int_equal(mem_host_bytes(&m), 4096 + 16 * 8 + 64 * 8 + 4096);
	mem_destroy(&m);
	assert_int_equal(mem_host_bytes(&m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holes),
		cmocka_unit_test(test_first_touch),
		cmocka_unit_test(test_cow_isolation),
		cmocka_unit_test(test_copy_helpers),
		cmocka_unit_test(test_page_table_size),
		cmocka_unit_test(test_idle_vm_cost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
