// SPDX-License-Identifier: MIT
// Unit tests for the ELF symbol reader (src/vmm/symtab.c) and its use by the image
// loader: which symbols are kept, lookups (containing function, nearest label, exact
// start, by name), and damaged tables: each is refused by symtab_parse with one line
// and ignored by image_parse (the image still loads, sym_note says why). Every
// truncation and 20,000 seeded random byte flips must parse or fail cleanly (ASan).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elfgen.h"
#include "vmm/image.h"
#include "vmm/symtab.h"

#define MEM (4u * 1024 * 1024)
#define T ELFGEN_TEXT

static const uint8_t code[0x60] = { 0x90 };
static const uint8_t data[0x40] = { 1 };

static const struct elfgen_sym syms[] = {
	{ "helper", T + 0x00, 0x10, 2, 1, 1 },
	{ "main", T + 0x10, 0x20, 2, 1, 1 },
	{ "loop", T + 0x18, 0, 0, 0, 1 },          // a label inside main
	{ "static_fn", T + 0x30, 0x08, 2, 0, 1 },  // local function
	{ "alias", T + 0x30, 0x08, 0, 1, 1 },      // a label at the same address
	{ "tail", T + 0x40, 0, 0, 1, 1 },          // a label with no size (to the end)
	{ "buf", T + 0x1000, 0x40, 1, 1, 2 },      // data object
	{ "undef", 0, 0, 2, 1, 0 },                // undefined: dropped
	{ "", T + 0x20, 0, 0, 0, 1 },              // nameless: dropped
	{ "sect", T, 0, 3, 0, 1 },                 // STT_SECTION: dropped
	{ "data_label", T + 0x1008, 0, 0, 1, 2 },  // a label in data: dropped
};
#define NSYMS (int)(sizeof syms / sizeof syms[0])

static size_t build(uint8_t *buf, size_t cap)
{
	size_t len = elfgen_program(buf, cap, code, sizeof code, data, sizeof data, 0);
	assert_true(len > 0);
	len = elfgen_symbols(buf, len, cap, syms, NSYMS);
	assert_true(len > 0);
	return len;
}

static struct symtab *parse_ok(const uint8_t *b, size_t len)
{
	struct symtab *s;
	char why[256] = "";
	if (symtab_parse(b, len, &s, why, sizeof why) != 0)
		fail_msg("symtab_parse failed: %s", why);
	return s;
}

static void test_kept(void **state)
{
	uint8_t buf[16384];
	size_t len = build(buf, sizeof buf);
	struct symtab *s = parse_ok(buf, len);
	assert_non_null(s);
	assert_int_equal(s->n, 7);
	assert_int_equal(s->ncode, 6);
	assert_null(symtab_find(s, "undef"));
	assert_null(symtab_find(s, "sect"));
	assert_null(symtab_find(s, "data_label"));
	const struct symtab_sym *b = symtab_find(s, "buf");
	assert_non_null(b);
	assert_int_equal(b->kind, SYMTAB_DATA);
	assert_int_equal(b->size, 0x40);
	const struct symtab_sym *sf = symtab_find(s, "static_fn");
	assert_true(sf->func);
	assert_false(sf->global);
	// Sorted: code first, by address.
	for (uint32_t i = 1; i < s->ncode; i++)
		assert_true(s->syms[i - 1].addr <= s->syms[i].addr);
	symtab_free(s);
}

static void check_lookup(const struct symtab *s, uint32_t addr, const char *name,
			 uint32_t off)
{
	uint32_t o = 12345;
	const struct symtab_sym *y = symtab_lookup(s, SYMTAB_CODE, addr, &o);
	if (!name) {
		assert_null(y);
		return;
	}
	if (!y)
		fail_msg("0x%x: no symbol, expected %s", addr, name);
	if (strcmp(symtab_name(s, y), name) || o != off)
		fail_msg("0x%x: %s+0x%x, expected %s+0x%x", addr, symtab_name(s, y), o, name, off);
}

static void test_lookup(void **state)
{
	uint8_t buf[16384];
	struct symtab *s = parse_ok(buf, build(buf, sizeof buf));
	check_lookup(s, T - 1, NULL, 0);
	check_lookup(s, T, "helper", 0);
	check_lookup(s, T + 0xf, "helper", 0xf);
	check_lookup(s, T + 0x10, "main", 0);
	check_lookup(s, T + 0x19, "main", 0x9);  // the label inside does not win
	check_lookup(s, T + 0x2f, "main", 0x1f);
	check_lookup(s, T + 0x30, "static_fn", 0); // FUNC beats the label at one address
	check_lookup(s, T + 0x3a, "static_fn", 0xa); // padding after it: nearest before
	check_lookup(s, T + 0x40, "tail", 0);
	check_lookup(s, T + 0x5000, "tail", 0x4fc0);
	uint32_t o;
	assert_null(symtab_lookup(NULL, SYMTAB_CODE, T, &o));
	const struct symtab_sym *d = symtab_lookup(s, SYMTAB_DATA, T + 0x1010, &o);
	assert_non_null(d);
	assert_string_equal(symtab_name(s, d), "buf");
	assert_int_equal(o, 0x10);
	// Exact starts: a label inside a function is a start too.
	assert_string_equal(symtab_name(s, symtab_at(s, SYMTAB_CODE, T + 0x18)), "loop");
	assert_string_equal(symtab_name(s, symtab_at(s, SYMTAB_CODE, T + 0x10)), "main");
	assert_null(symtab_at(s, SYMTAB_CODE, T + 0x11));
	char f[64];
	assert_string_equal(symtab_format(s, T + 0x1c, f, sizeof f), "main+0xc");
	assert_string_equal(symtab_format(s, T + 0x10, f, sizeof f), "main");
	assert_string_equal(symtab_format(s, 0x100, f, sizeof f), "");
	symtab_free(s);
}

static void test_image_keeps_symbols(void **state)
{
	uint8_t buf[16384];
	size_t len = build(buf, sizeof buf);
	struct image *img;
	char err[256];
	assert_int_equal(image_parse(buf, len, "t.elf", MEM, &img, err, sizeof err), 0);
	assert_non_null(img->syms);
	assert_null(img->sym_note);
	assert_non_null(symtab_find(img->syms, "main"));
	image_free(img);
	// Stripped: no section headers at all.
	len = elfgen_program(buf, sizeof buf, code, sizeof code, data, sizeof data, 0);
	assert_int_equal(image_parse(buf, len, "t.elf", MEM, &img, err, sizeof err), 0);
	assert_null(img->syms);
	assert_null(img->sym_note);
	image_free(img);
}

// Corrupts one field of a good image and expects symtab_parse to fail with `want`, and
// image_parse to load the image anyway with the reason in sym_note.
static void expect_damaged(size_t off, uint32_t v, int width, const char *want)
{
	uint8_t buf[16384];
	size_t len = build(buf, sizeof buf);
	if (width == 2)
		elfgen_put16(buf + off, (uint16_t)v);
	else
		elfgen_put32(buf + off, v);
	struct symtab *s = (struct symtab *)1;
	char why[256] = "";
	assert_int_equal(symtab_parse(buf, len, &s, why, sizeof why), -1);
	assert_null(s);
	if (!strstr(why, want))
		fail_msg("message \"%s\" lacks \"%s\"", why, want);
	assert_null(strchr(why, '\n'));
	struct image *img;
	char err[256];
	assert_int_equal(image_parse(buf, len, "t.elf", MEM, &img, err, sizeof err), 0);
	assert_null(img->syms);
	assert_non_null(img->sym_note);
	assert_string_equal(img->sym_note, why);
	image_free(img);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_damaged(void **state)
{
	uint8_t buf[16384];
	size_t len = build(buf, sizeof buf);
	uint32_t shoff = rd32(buf + ELFGEN_E_SHOFF);
	size_t symsh = shoff + 3 * ELFGEN_SH_SIZE, strsh = shoff + 4 * ELFGEN_SH_SIZE;
	uint32_t symoff = rd32(buf + symsh + ELFGEN_SH_OFFSET);
	uint32_t stroff = rd32(buf + strsh + ELFGEN_SH_OFFSET);
	expect_damaged(ELFGEN_E_SHENTSIZE, 32, 2, "section header size 32");
	expect_damaged(ELFGEN_E_SHOFF, (uint32_t)len - 10, 4, "run past the end");
	expect_damaged(ELFGEN_E_SHOFF, 0xfffffff0u, 4, "run past the end"); // no wrap
	expect_damaged(ELFGEN_E_SHNUM, 0xff00, 2, "section headers (limit");
	expect_damaged(symsh + ELFGEN_SH_ENTSIZE, 24, 4, "entry size 24");
	expect_damaged(symsh + ELFGEN_SH_OFFSET, 0xffffff00u, 4, "symbol table at offset");
	expect_damaged(symsh + ELFGEN_SH_SIZE_F, 0x7ffffff0u, 4, "symbol table at offset");
	expect_damaged(symsh + ELFGEN_SH_LINK, 9, 4, "string table, of 5 sections");
	expect_damaged(symsh + ELFGEN_SH_LINK, 1, 4, "not a string table");
	expect_damaged(strsh + ELFGEN_SH_OFFSET, 0xfffffff0u, 4, "string table at offset");
	expect_damaged(strsh + ELFGEN_SH_SIZE_F, 1, 4, "outside the string table");
	expect_damaged(symoff + 16, 0x7fffffffu, 4, "symbol 1: name offset");     // name
	expect_damaged(symoff + 16 + 14, 7, 2, "symbol 1 is in section 7");       // shndx
	// A name that runs to the end of the table without a NUL ("tail" cut to "ta").
	uint32_t strsz = rd32(buf + strsh + ELFGEN_SH_SIZE_F);
	const uint8_t *t = memmem(buf + stroff, strsz, "tail", 5);
	assert_non_null(t);
	expect_damaged(strsh + ELFGEN_SH_SIZE_F, (uint32_t)(t - (buf + stroff)) + 2, 4,
		       "does not end inside");
	(void)len;
}

static void test_truncations(void **state)
{
	uint8_t buf[16384];
	size_t len = build(buf, sizeof buf);
	for (size_t n = 0; n <= len; n++) {
		struct symtab *s;
		char why[256];
		if (symtab_parse(buf, n, &s, why, sizeof why) == 0 && s) {
			uint32_t o;
			symtab_lookup(s, SYMTAB_CODE, T + 0x20, &o);
			symtab_free(s);
		}
	}
}

static void test_random_flips(void **state)
{
	uint8_t good_img[16384], buf[16384];
	size_t len = build(good_img, sizeof good_img);
	uint32_t shoff = rd32(good_img + ELFGEN_E_SHOFF);
	uint32_t symoff = rd32(good_img + shoff + 3 * ELFGEN_SH_SIZE + ELFGEN_SH_OFFSET);
	uint64_t seed = 20240611;
	int parsed = 0;
	for (int i = 0; i < 20000; i++) {
		memcpy(buf, good_img, len);
		int flips = 1 + i % 4;
		for (int f = 0; f < flips; f++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			uint32_t r = (uint32_t)(seed >> 33);
			// Mostly the ELF header, section headers and symbol table.
			size_t lo = (r & 1) ? symoff : (r & 2) ? shoff
							       : 0;
			size_t at = lo + (r >> 2) % (len - lo);
			buf[at] ^= (uint8_t)(1u << ((r >> 24) & 7));
		}
		struct symtab *s;
		char why[256];
		if (symtab_parse(buf, len, &s, why, sizeof why) == 0 && s) {
			parsed++;
			for (uint32_t a = T - 8; a < T + 0x100; a += 7) {
				uint32_t o;
				const struct symtab_sym *y = symtab_lookup(s, SYMTAB_CODE, a, &o);
				if (y)
					assert_true(strlen(symtab_name(s, y)) <= SYMTAB_MAX_NAME);
				symtab_at(s, SYMTAB_CODE, a);
			}
			symtab_free(s);
		}
	}
	printf("# %d of 20000 flipped images still had a symbol table\n", parsed);
	assert_true(parsed > 100); // the flips did not all hit fatal fields
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_image_keeps_symbols),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_random_flips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
