// SPDX-License-Identifier: MIT
// Unit tests of the checkpoint container (src/vmm/ckpt.c) and SHA-256 (sha256.c):
// FIPS 180-4's examples; sections written and read back; and every damaged file (each
// truncation, each flipped byte, another version or build, trailing bytes, a duplicate
// section) refused with one line naming the file, never a crash.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/ckpt.h"
#include "vmm/sha256.h"

static void hex_of(const void *p, size_t n, char *hex)
{
	uint8_t d[SHA256_BYTES];
	sha256(p, n, d);
	sha256_hex(d, hex);
}

static void test_sha256_vectors(void **state)
{
	char hex[65];
	hex_of("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hex_of(m, strlen(m), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	// A million 'a', fed in uneven pieces through the streaming interface.
	struct sha256 s;
	sha256_init(&s);
	static char a[1000];
	memset(a, 'a', sizeof a);
	size_t done = 0;
	for (size_t k = 1; done < 1000000; k = k % 997 + 1) {
		size_t n = 1000000 - done < k ? 1000000 - done : k;
		sha256_update(&s, a, n);
		done += n;
	}
	uint8_t d[SHA256_BYTES];
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

#define BUILD "test-build 1"

// A file of three sections: 100 KiB of a pattern, an empty one, a small one.
static uint8_t *make_file(size_t *len)
{
	static uint8_t big[100 * 1024];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 / 13);
	struct ckpt_writer w;
	ckpt_write_begin(&w, BUILD);
	assert_int_equal(ckpt_write_section(&w, CKPT_TAG('B', 'I', 'G', 'S'), 0, big, sizeof big), 0);
	assert_int_equal(ckpt_write_section(&w, CKPT_TAG('N', 'O', 'N', 'E'), 3, "", 0), 0);
	assert_int_equal(ckpt_write_section(&w, CKPT_TAG('S', 'M', 'A', 'L'), 1, "hello", 5), 0);
	uint8_t *p;
	assert_int_equal(ckpt_write_end(&w, &p, len), 0);
	return p;
}

static void test_round_trip(void **state)
{
	size_t len;
	uint8_t *p = make_file(&len);
	assert_true(len < 100 * 1024 / 4); // the pattern compresses
	struct ckpt_reader r;
	char err[256];
	assert_int_equal(ckpt_read_open(&r, p, len, "f.ckpt", BUILD, err, sizeof err), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.build, BUILD);
	const struct ckpt_section *s = ckpt_find(&r, CKPT_TAG('B', 'I', 'G', 'S'), 0);
	assert_non_null(s);
	uint8_t *raw;
	size_t n;
	assert_int_equal(ckpt_read_section(&r, s, &raw, &n, err, sizeof err), 0);
	assert_int_equal(n, 100 * 1024);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(raw[i], (uint8_t)(i * 7 / 13));
	free(raw);
	s = ckpt_find(&r, CKPT_TAG('N', 'O', 'N', 'E'), 3);
	assert_non_null(s);
	assert_int_equal(ckpt_read_section(&r, s, &raw, &n, err, sizeof err), 0);
	assert_int_equal(n, 0);
	free(raw);
	s = ckpt_find(&r, CKPT_TAG('S', 'M', 'A', 'L'), 1);
	assert_int_equal(ckpt_read_section(&r, s, &raw, &n, err, sizeof err), 0);
	assert_memory_equal(raw, "hello", 5);
	free(raw);
	assert_null(ckpt_find(&r, CKPT_TAG('S', 'M', 'A', 'L'), 0));
	ckpt_read_close(&r);
	free(p);
}

// Opens the file and reads every section; returns 0 when all of it is accepted, else -1
// with a message that names the file.
static int accept_all(const uint8_t *p, size_t len, char *err, size_t errlen)
{
	struct ckpt_reader r;
	if (ckpt_read_open(&r, p, len, "bad.ckpt", BUILD, err, errlen) != 0)
		return -1;
	int rc = 0;
	for (uint32_t i = 0; i < r.n && rc == 0; i++) {
		uint8_t *raw;
		size_t n;
		rc = ckpt_read_section(&r, &r.sec[i], &raw, &n, err, errlen);
		free(raw);
	}
	// A flipped tag or id is accepted by the container: the section's owner does not
	// find it. Make that visible here as a failure of "the same sections".
	if (rc == 0 && (!ckpt_find(&r, CKPT_TAG('B', 'I', 'G', 'S'), 0) ||
			!ckpt_find(&r, CKPT_TAG('N', 'O', 'N', 'E'), 3) ||
			!ckpt_find(&r, CKPT_TAG('S', 'M', 'A', 'L'), 1))) {
		snprintf(err, errlen, "bad.ckpt: a section is missing");
		rc = -1;
	}
	ckpt_read_close(&r);
	return rc;
}

static void test_truncated(void **state)
{
	size_t len;
	uint8_t *p = make_file(&len);
	char err[256];
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *q = malloc(cut ? cut : 1);
		memcpy(q, p, cut);
		err[0] = 0;
		assert_int_equal(accept_all(q, cut, err, sizeof err), -1);
		assert_non_null(strstr(err, "bad.ckpt: "));
		assert_null(strchr(err, '\n'));
		free(q);
	}
	free(p);
}

static void test_flipped(void **state)
{
	size_t len;
	uint8_t *p = make_file(&len);
	char err[256];
	for (size_t at = 0; at < len; at++) {
		for (int bit = 0; bit < 8; bit += 3) {
			p[at] ^= (uint8_t)(1u << bit);
			err[0] = 0;
			assert_int_equal(accept_all(p, len, err, sizeof err), -1);
			assert_non_null(strstr(err, "bad.ckpt: "));
			p[at] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(accept_all(p, len, err, sizeof err), 0);
	free(p);
}

static void test_messages(void **state)
{
	size_t len;
	uint8_t *p = make_file(&len);
	char err[256];
	struct ckpt_reader r;
	// Another build.
	assert_int_equal(ckpt_read_open(&r, p, len, "f.ckpt", "test-build 2", err, sizeof err), -1);
	assert_string_equal(err, "f.ckpt: written by another build (test-build 1; this is test-build 2)");
	// Another version.
	p[8] = 9;
	assert_int_equal(ckpt_read_open(&r, p, len, "f.ckpt", BUILD, err, sizeof err), -1);
	assert_string_equal(err, "f.ckpt: checkpoint format version 9, this denali reads version 1");
	p[8] = 1;
	// Not a checkpoint.
	assert_int_equal(ckpt_read_open(&r, (const uint8_t *)"hello", 5, "x", BUILD, err, sizeof err), -1);
	assert_string_equal(err, "x: not a denali checkpoint (bad magic)");
	// Trailing bytes.
	uint8_t *q = malloc(len + 3);
	memcpy(q, p, len);
	memset(q + len, 0, 3);
	assert_int_equal(ckpt_read_open(&r, q, len + 3, "f.ckpt", BUILD, err, sizeof err), -1);
	assert_string_equal(err, "f.ckpt: 3 bytes after the last section");
	free(q);
	// A damaged payload is named by its section.
	p[len - 1] ^= 1;
	assert_int_equal(ckpt_read_open(&r, p, len, "f.ckpt", BUILD, err, sizeof err), 0);
	uint8_t *raw;
	size_t n;
	assert_int_equal(ckpt_read_section(&r, ckpt_find(&r, CKPT_TAG('S', 'M', 'A', 'L'), 1), &raw,
					   &n, err, sizeof err),
			 -1);
	assert_string_equal(err, "f.ckpt: section SMAL/1: checksum mismatch (the file is damaged)");
	// A section larger than the reader's limit.
	r.max_raw = 1000;
	assert_int_equal(ckpt_read_section(&r, ckpt_find(&r, CKPT_TAG('B', 'I', 'G', 'S'), 0), &raw,
					   &n, err, sizeof err),
			 -1);
	assert_string_equal(err, "f.ckpt: section BIGS/0: 102400 bytes, more than the limit of 1000");
	ckpt_read_close(&r);
	free(p);
}

static void test_duplicate(void **state)
{
	struct ckpt_writer w;
	ckpt_write_begin(&w, BUILD);
	assert_int_equal(ckpt_write_section(&w, CKPT_TAG('A', 'A', 'A', 'A'), 0, "x", 1), 0);
	assert_int_equal(ckpt_write_section(&w, CKPT_TAG('A', 'A', 'A', 'A'), 0, "y", 1), 0);
	uint8_t *p;
	size_t len;
	assert_int_equal(ckpt_write_end(&w, &p, &len), 0);
	struct ckpt_reader r;
	char err[256];
	assert_int_equal(ckpt_read_open(&r, p, len, "d", BUILD, err, sizeof err), -1);
	assert_string_equal(err, "d: section AAAA/0: appears twice");
	free(p);
	// A file with no section is never written.
	ckpt_write_begin(&w, BUILD);
	assert_int_equal(ckpt_write_end(&w, &p, &len), -1);
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_flipped),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_duplicate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
