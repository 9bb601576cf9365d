// SPDX-License-Identifier: MIT
// Unit tests for the results digest (src/vmm/digest.c): published FNV-1a 64 vectors, and
// integers hashed as little-endian bytes of their full width.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/digest.h"

static void test_vectors(void **state)
{
	// Reference values of FNV-1a 64 (Fowler, Noll, Vo test suite).
	assert_int_equal(digest_bytes(DIGEST_INIT, "", 0), 0xcbf29ce484222325ull);
	assert_int_equal(digest_bytes(DIGEST_INIT, "a", 1), 0xaf63dc4c8601ec8cull);
	assert_int_equal(digest_bytes(DIGEST_INIT, "foobar", 6), 0x85944171f73967e8ull);
}

static void test_integers(void **state)
{
	const uint8_t le64[8] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
	assert_int_equal(digest_u64(DIGEST_INIT, 0x0102030405060708ull),
			 digest_bytes(DIGEST_INIT, le64, 8));
	const uint8_t le32[4] = { 0x04, 0x03, 0x02, 0x01 };
	assert_int_equal(digest_u32(DIGEST_INIT, 0x01020304u), digest_bytes(DIGEST_INIT, le32, 4));
	// Width matters: a 32-bit 0 and a 64-bit 0 differ.
	assert_int_not_equal(digest_u32(DIGEST_INIT, 0), digest_u64(DIGEST_INIT, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_integers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
