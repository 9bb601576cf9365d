// SPDX-License-Identifier: MIT
// Unit tests for the ELF image loader (src/vmm/image.c): a valid image loads with the
// right pages; every kind of bad input is refused with a message naming the input and
// the problem, and nothing leaks (ASan build).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "denali/abi.h"
#include "elfgen.h"
#include "vmm/image.h"

#define MEM (4u * 1024 * 1024)

static const uint8_t code[] = { 0xb8, 0x2a, 0, 0, 0, 0x0f, 0x0c, 0x01 };
static const uint8_t data[] = { 1, 2, 3, 4, 5 };

static size_t good(uint8_t *buf, size_t cap)
{
	return elfgen_program(buf, cap, code, sizeof code, data, sizeof data, 3 * 4096);
}

// Parses and expects failure with `want` in the message (which starts with the name).
static void expect_bad(const uint8_t *b, size_t len, uint32_t mem, const char *want)
{
	struct image *img = (struct image *)1;
	char err[256] = "";
	assert_int_equal(image_parse(b, len, "t.elf", mem, &img, err, sizeof err), -1);
	assert_null(img);
	assert_non_null(strstr(err, "t.elf: "));
	if (!strstr(err, want))
		fail_msg("message \"%s\" lacks \"%s\"", err, want);
	assert_null(strchr(err, '\n'));
}

static void test_good_image(void **state)
{
	uint8_t buf[8192];
	size_t len = good(buf, sizeof buf);
	struct image *img;
	char err[256];
	assert_int_equal(image_parse(buf, len, "t.elf", MEM, &img, err, sizeof err), 0);
	assert_int_equal(img->entry, ELFGEN_TEXT);
	assert_int_equal(img->nsegs, 2);
	assert_int_equal(img->first_page, ELFGEN_TEXT / 4096);
	assert_int_equal(img->npages, 5); // text, data, and 3 bss pages
	assert_int_equal(img->pages_alloc, 2); // bss-only pages cost nothing
	uint8_t *t = image_page(img, ELFGEN_TEXT / 4096);
	assert_non_null(t);
	assert_memory_equal(t, code, sizeof code);
	assert_int_equal(t[sizeof code], 0);
	uint8_t *d = image_page(img, ELFGEN_TEXT / 4096 + 1);
	assert_memory_equal(d, data, sizeof data);
	assert_null(image_page(img, ELFGEN_TEXT / 4096 + 2));
	assert_null(image_page(img, 0));
	assert_null(image_page(img, 0xfffff));
	uint8_t rd[16];
	assert_int_equal(image_read(img, ELFGEN_TEXT, rd, sizeof rd), sizeof rd);
	assert_memory_equal(rd, code, sizeof code);
	assert_int_equal(image_read(img, MEM - 4, rd, sizeof rd), 4);
	image_free(img);
}

// Two segments sharing one page (text ends mid-page, data starts later in that page).
static void test_segments_share_page(void **state)
{
	uint8_t buf[8192];
	struct elfgen_seg s[2] = {
		{ .vaddr = 0x10000, .flags = 5, .data = code, .filesz = sizeof code },
		{ .vaddr = 0x10100, .flags = 6, .data = data, .filesz = sizeof data },
	};
	size_t len = elfgen_build(buf, sizeof buf, 0x10000, s, 2);
	struct image *img;
	char err[256];
	assert_int_equal(image_parse(buf, len, "t.elf", MEM, &img, err, sizeof err), 0);
	assert_int_equal(img->npages, 1);
	uint8_t *p = image_page(img, 0x10);
	assert_memory_equal(p, code, sizeof code);
	assert_memory_equal(p + 0x100, data, sizeof data);
	image_free(img);
}

static void test_truncated_every_length(void **state)
{
	uint8_t buf[8192];
	size_t len = good(buf, sizeof buf);
	for (size_t n = 0; n < len; n++) {
		struct image *img = NULL;
		char err[256] = "";
		int rc = image_parse(buf, n, "t.elf", MEM, &img, err, sizeof err);
		if (rc != -1)
			fail_msg("truncated to %zu bytes was accepted", n);
		assert_null(img);
		assert_non_null(strstr(err, "t.elf: "));
	}
	expect_bad(buf, 3, MEM, "not an ELF file");
	expect_bad(buf, 40, MEM, "truncated ELF header");
	expect_bad(buf, 60, MEM, "program headers");
	expect_bad(buf, len - 1, MEM, "past the end of the file");
}

static void test_bad_header_fields(void **state)
{
	uint8_t buf[8192], b[8192];
	size_t len = good(buf, sizeof buf);
#define MUT(stmt, want)                                                                  \
	do {                                                                             \
		memcpy(b, buf, len);                                                     \
		stmt;                                                                    \
		expect_bad(b, len, MEM, want);                                           \
	} while (0)
	MUT(b[0] = 0x7e, "bad magic");
	MUT(memcpy(b, "MZ\x90\x00", 4), "bad magic");
	MUT(b[4] = 2, "64-bit");
	MUT(b[4] = 7, "unknown ELF class");
	MUT(b[5] = 2, "little-endian");
	MUT(b[6] = 0, "version");
	MUT(elfgen_put16(b + ELFGEN_E_TYPE, 3), "ET_DYN");
	MUT(elfgen_put16(b + ELFGEN_E_TYPE, 1), "not an executable");
	MUT(elfgen_put16(b + ELFGEN_E_MACHINE, 62), "wrong machine 62");
	MUT(elfgen_put16(b + ELFGEN_E_PHNUM, 0), "no program headers");
	MUT(elfgen_put16(b + ELFGEN_E_PHNUM, 0xffff), "program headers");
	MUT(elfgen_put16(b + ELFGEN_E_PHENTSIZE, 40), "program header size");
	MUT(elfgen_put32(b + ELFGEN_E_PHOFF, 0xfffffff0u), "past the end");
	MUT(elfgen_put32(b + ELFGEN_E_ENTRY, 0x10000 + 0x1000), "entry point");
	MUT(elfgen_put32(b + ELFGEN_E_ENTRY, 0), "entry point");
	MUT(elfgen_put32(b + ELFGEN_PH0, 3), "dynamically linked");
	MUT((elfgen_put32(b + ELFGEN_PH0, 6), elfgen_put32(b + ELFGEN_PH0 + 32, 6)),
	    "no loadable segments");
#undef MUT
}

static void test_bad_segments(void **state)
{
	uint8_t buf[8192], b[8192];
	size_t len = good(buf, sizeof buf);
	uint8_t *ph0 = b + ELFGEN_PH0, *ph1 = b + ELFGEN_PH0 + ELFGEN_PH_SIZE;
#define MUT(stmt, want)                                                                  \
	do {                                                                             \
		memcpy(b, buf, len);                                                     \
		stmt;                                                                    \
		expect_bad(b, len, MEM, want);                                           \
	} while (0)
	MUT(elfgen_put32(ph0 + ELFGEN_P_FILESZ, 100), "exceeds memory size");
	MUT(elfgen_put32(ph0 + ELFGEN_P_OFFSET, 0xfffffffcu), "past the end of the file");
	MUT((elfgen_put32(ph0 + ELFGEN_P_FILESZ, 0x7fffffff),
	     elfgen_put32(ph0 + ELFGEN_P_MEMSZ, 0x7fffffff)), "past the end of the file");
	MUT(elfgen_put32(ph0 + ELFGEN_P_VADDR, 0x1000), "below the lowest load address");
	MUT(elfgen_put32(ph0 + ELFGEN_P_VADDR, 0), "below the lowest load address");
	MUT(elfgen_put32(ph1 + ELFGEN_P_VADDR, MEM - 2), "beyond guest memory (4 MiB)");
	MUT(elfgen_put32(ph1 + ELFGEN_P_VADDR, 0xfffffff0u), "beyond guest memory");
	MUT(elfgen_put32(ph1 + ELFGEN_P_MEMSZ, 0xfffffff0u), "beyond guest memory");
	MUT(elfgen_put32(ph1 + ELFGEN_P_VADDR, 0x10004), "segments overlap");
	MUT(elfgen_put32(ph1 + ELFGEN_P_VADDR, 0x0fffc), "segments overlap");
	MUT(elfgen_put32(ph0 + ELFGEN_P_FLAGS, 6), "entry point"); // text not executable
#undef MUT
	// The message names the segment and the memory size.
	memcpy(b, buf, len);
	elfgen_put32(ph1 + ELFGEN_P_MEMSZ, 8u << 20);
	expect_bad(b, len, MEM, "segment 1 ends at 0x811000 beyond guest memory (4 MiB)");
	// The same image fits in 16 MiB.
	struct image *img;
	char err[256];
	assert_int_equal(image_parse(b, len, "t.elf", 16u << 20, &img, err, sizeof err), 0);
	image_free(img);
	expect_bad(b, len, 64 * 1024, "beyond guest memory (64 KiB)");
}

static void test_many_segments(void **state)
{
	static uint8_t buf[65536];
	struct elfgen_seg s[IMAGE_MAX_SEGMENTS + 1];
	for (int i = 0; i < IMAGE_MAX_SEGMENTS + 1; i++)
		s[i] = (struct elfgen_seg){ .vaddr = 0x10000 + 0x1000 * (uint32_t)i, .flags = 5,
					    .data = code, .filesz = sizeof code };
	size_t len = elfgen_build(buf, sizeof buf, 0x10000, s, IMAGE_MAX_SEGMENTS);
	struct image *img;
	char err[256];
	assert_int_equal(image_parse(buf, len, "t.elf", MEM, &img, err, sizeof err), 0);
	assert_int_equal(img->nsegs, IMAGE_MAX_SEGMENTS);
	image_free(img);
	len = elfgen_build(buf, sizeof buf, 0x10000, s, IMAGE_MAX_SEGMENTS + 1);
	expect_bad(buf, len, MEM, "more than 64 loadable segments");
}

// Segments listed out of order are sorted; a huge bss costs no host pages.
static void test_unsorted_and_huge_bss(void **state)
{
	uint8_t buf[8192];
	struct elfgen_seg s[2] = {
		{ .vaddr = 0x20000, .flags = 6, .data = data, .filesz = sizeof data,
		  .memsz = 0x100000 },
		{ .vaddr = 0x10000, .flags = 5, .data = code, .filesz = sizeof code },
	};
	size_t len = elfgen_build(buf, sizeof buf, 0x10000, s, 2);
	struct image *img;
	char err[256];
	assert_int_equal(image_parse(buf, len, "t.elf", MEM, &img, err, sizeof err), 0);
	assert_int_equal(img->segs[0].vaddr, 0x10000);
	assert_int_equal(img->pages_alloc, 2);
	image_free(img);
}

static void test_load_file_errors(void **state)
{
	struct image *img;
	char err[256] = "";
	assert_int_equal(image_load("/nonexistent/x.elf", MEM, &img, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/x.elf: cannot open"));
	assert_int_equal(image_load("/", MEM, &img, err, sizeof err), -1);
	assert_non_null(strstr(err, "/: "));
	char path[] = "/tmp/denali-test-image-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	uint8_t buf[8192];
	size_t len = good(buf, sizeof buf);
	assert_int_equal(elfgen_write(path, buf, len), 0);
	assert_int_equal(image_load(path, MEM, &img, err, sizeof err), 0);
	assert_int_equal(img->entry, ELFGEN_TEXT);
	assert_string_equal(img->name, path);
	image_free(img);
	assert_int_equal(elfgen_write(path, buf, 0), 0);
	assert_int_equal(image_load(path, MEM, &img, err, sizeof err), -1);
	assert_non_null(strstr(err, "not an ELF file"));
	unlink(path);
}

// Random byte flips never crash the parser and any accepted image is within bounds.
static void test_random_corruption(void **state)
{
	uint8_t buf[8192], b[8192];
	size_t len = good(buf, sizeof buf);
	uint32_t seed = 12345;
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(b, buf, len);
		int flips = 1 + iter % 4;
		for (int f = 0; f < flips; f++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % 120; // headers live in the first 116 bytes
			seed = seed * 1103515245u + 12345u;
			b[at] ^= (uint8_t)(1u << ((seed >> 16) % 8));
		}
		struct image *img = NULL;
		char err[256];
		if (image_parse(b, len, "t.elf", MEM, &img, err, sizeof err) == 0) {
			for (uint32_t i = 0; i < img->nsegs; i++) {
				assert_true(img->segs[i].vaddr >= DENALI_LOAD_MIN);
				assert_true((uint64_t)img->segs[i].vaddr + img->segs[i].memsz <= MEM);
			}
			image_free(img);
		} else {
			assert_null(img);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_image),
		cmocka_unit_test(test_segments_share_page),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_bad_header_fields),
		cmocka_unit_test(test_bad_segments),
		cmocka_unit_test(test_many_segments),
		cmocka_unit_test(test_unsorted_and_huge_bss),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_random_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
