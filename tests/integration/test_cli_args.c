// SPDX-License-Identifier: MIT
// Unit tests of the CLI value parsers (src/cli/args.c): counts, sizes, durations, and
// the formatters, flags given twice, regular files. Each rejected value must come with a
// reason.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "args.h"

static void test_count(void **state)
{
	uint64_t v;
	char why[128];
	assert_int_equal(args_count("1000", 1, 1000000, &v, why, sizeof why), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(args_count("1000000", 1, 1000000, &v, why, sizeof why), 0);
	const char *bad[] = { "", "-1", "0", "1000001", "1e3", "12x", " 5", "5 ", "+5",
			      "99999999999999999999999", "0x10" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = 0;
		if (args_count(bad[i], 1, 1000000, &v, why, sizeof why) != -1)
			fail_msg("count '%s' accepted", bad[i]);
		assert_true(strlen(why) > 0);
	}
	assert_int_equal(args_count("-1", 1, 9, &v, why, sizeof why), -1);
	assert_non_null(strstr(why, "negative"));
	assert_int_equal(args_count("0", 1, 9, &v, why, sizeof why), -1);
	assert_non_null(strstr(why, "out of range (1..9)"));
}

static void test_size(void **state)
{
	uint64_t v;
	char why[128];
	struct { const char *s; uint64_t v; } good[] = {
		{ "65536", 65536 }, { "64K", 65536 }, { "64k", 65536 }, { "64KiB", 65536 },
		{ "4M", 4u << 20 }, { "4MiB", 4u << 20 }, { "3G", 3ull << 30 }, { "1g", 1ull << 30 },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(args_size(good[i].s, 4096, 65536, 3ull << 30, &v, why, sizeof why), 0);
		assert_int_equal(v, good[i].v);
	}
	assert_int_equal(args_size("5XB", 4096, 65536, 3ull << 30, &v, why, sizeof why), -1);
	assert_non_null(strstr(why, "'XB'"));
	assert_int_equal(args_size("65537", 4096, 0, 3ull << 30, &v, why, sizeof why), -1);
	assert_non_null(strstr(why, "multiple of 4096"));
	assert_int_equal(args_size("4G", 4096, 65536, 3ull << 30, &v, why, sizeof why), -1);
	assert_non_null(strstr(why, "out of range"));
	assert_int_equal(args_size("32K", 4096, 65536, 3ull << 30, &v, why, sizeof why), -1);
	assert_int_equal(args_size("99999999999999G", 4096, 0, UINT64_MAX, &v, why, sizeof why), -1);
	assert_non_null(strstr(why, "too large"));
	assert_int_equal(args_size("M", 4096, 0, UINT64_MAX, &v, why, sizeof why), -1);
	assert_int_equal(args_size("-4M", 4096, 0, UINT64_MAX, &v, why, sizeof why), -1);
	assert_int_equal(args_size("", 4096, 0, UINT64_MAX, &v, why, sizeof why), -1);
	// T: --phys-mem's documented maximum is 1T (rejected before 2026-12-06).
	const char *tera[] = { "1T", "1t", "1TiB", "1TB" };
	for (size_t i = 0; i < sizeof tera / sizeof tera[0]; i++) {
		assert_int_equal(args_size(tera[i], 4096, 1u << 20, 1ull << 40, &v, why, sizeof why), 0);
		assert_int_equal(v, 1ull << 40);
	}
	assert_int_equal(args_size("2T", 4096, 1u << 20, 1ull << 40, &v, why, sizeof why), -1);
	assert_non_null(strstr(why, "out of range"));
	assert_int_equal(args_size("16777216T", 4096, 0, UINT64_MAX, &v, why, sizeof why), -1);
	assert_non_null(strstr(why, "too large"));
	assert_int_equal(args_size("1P", 4096, 0, UINT64_MAX, &v, why, sizeof why), -1);
	assert_non_null(strstr(why, "K, M, G or T"));
}

static void test_once(void **state)
{
	struct args_seen s = { .n = 0 };
	assert_int_equal(args_once(&s, "--vms", "2"), 0);
	assert_int_equal(args_once(&s, "--mem", "4M"), 0);
	assert_int_equal(args_once(&s, "--vms", "3"), 2); // prints one line
	assert_int_equal(args_once(&s, "--mem", "8M"), 2);
}

static void test_regular_file(void **state)
{
	char why[128];
	FILE *f = fopen("cli-args-regular", "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(args_regular_file("cli-args-regular", why, sizeof why), 0);
	assert_int_equal(args_regular_file("no-such-file-here", why, sizeof why), -1);
	assert_non_null(strstr(why, "cannot open"));
	assert_int_equal(args_regular_file(".", why, sizeof why), -1);
	assert_string_equal(why, "a directory, not a regular file");
	assert_int_equal(args_regular_file("/dev/null", why, sizeof why), -1);
	assert_string_equal(why, "a device, not a regular file");
	unlink("cli-args-fifo");
	assert_int_equal(mkfifo("cli-args-fifo", 0600), 0);
	assert_int_equal(args_regular_file("cli-args-fifo", why, sizeof why), -1);
	assert_string_equal(why, "a named pipe, not a regular file");
	unlink("cli-args-fifo");
	unlink("cli-args-regular");
}

static void test_time(void **state)
{
	uint64_t v;
	char why[128];
	struct { const char *s; uint64_t ns; } good[] = {
		{ "10ns", 10 }, { "10us", 10000 }, { "10ms", 10000000 }, { "2s", 2000000000 },
		{ "1.5ms", 1500000 }, { "0.000000001s", 1 }, { "1.25us", 1250 },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(args_time(good[i].s, 1, UINT64_MAX, &v, why, sizeof why), 0);
		assert_int_equal(v, good[i].ns);
	}
	const char *bad[] = { "", "10", "10 ms", "5parsecs", "-1ms", "1.ms", ".5ms", "1.5ns",
			      "1.0000000001s", "99999999999999999999s", "0ns" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = 0;
		if (args_time(bad[i], 1, UINT64_MAX, &v, why, sizeof why) != -1)
			fail_msg("time '%s' accepted", bad[i]);
		assert_true(strlen(why) > 0);
	}
	assert_int_equal(args_time("10", 1, UINT64_MAX, &v, why, sizeof why), -1);
	assert_non_null(strstr(why, "missing unit"));
}

static void test_probability(void **state)
{
	(void)state;
	uint32_t v;
	char why[128];
	static const struct { const char *s; uint32_t ppb; } good[] = {
		{ "0", 0 }, { "1", 1000000000u }, { "0.3", 300000000u }, { ".5", 500000000u },
		{ "1.0", 1000000000u }, { "0.000000001", 1 }, { "2%", 20000000u },
		{ "2.5%", 25000000u }, { "100%", 1000000000u }, { "0%", 0 },
		{ "0.0000001%", 1 }, { "30%", 300000000u },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(args_probability(good[i].s, &v, why, sizeof why), 0);
		assert_int_equal(v, good[i].ppb);
	}
	static const char *const bad[] = { "", "-0.1", "1.1", "2", "101%", "100.1%", "abc",
		"0.1x", "%", ".", "1.", "0.0000000001", "0.00000001%", "1e-3", "0,5", " 0.5",
		"99999999999999999999999", "5%%" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 12345;
		assert_int_equal(args_probability(bad[i], &v, why, sizeof why), -1);
		assert_int_equal(v, 12345);
		assert_true(why[0] != 0);
	}
}

static void test_format(void **state)
{
	char b[64];
	assert_string_equal(args_fmt_count(0, b, sizeof b), "0");
	assert_string_equal(args_fmt_count(999, b, sizeof b), "999");
	assert_string_equal(args_fmt_count(1000, b, sizeof b), "1,000");
	assert_string_equal(args_fmt_count(12345678, b, sizeof b), "12,345,678");
	assert_string_equal(args_fmt_ns(999, b, sizeof b), "999 ns");
	assert_string_equal(args_fmt_ns(1500, b, sizeof b), "1.500 us");
	assert_string_equal(args_fmt_ns(8465000, b, sizeof b), "8.465 ms");
	assert_string_equal(args_fmt_ns(2000000000, b, sizeof b), "2.000000 s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_probability),
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_regular_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
