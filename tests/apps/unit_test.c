// SPDX-License-Identifier: MIT
// Unit tests of the applications' integer helpers, natively (doubles are fine here:
// they are the oracle). fixq: log2/exp2/pow against libm over many inputs. zipf: the
// frequencies of 2,000,000 draws against (1/k^alpha)/H for several n and alpha, and
// the table's bad inputs. appargs: every value kind, good and bad. docpat: fill and
// check agree at every offset alignment, and a flipped byte is found.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appargs.h"
#include "docpat.h"
#include "fixq.h"
#include "prng.h"
#include "zipf.h"

static int failures;

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			failures++; \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__); \
			printf("\n"); \
		} \
	} while (0)

static double q32(uint64_t v) { return (double)v / 4294967296.0; }

static void test_fixq(void)
{
	for (uint32_t k = 1; k < 200000; k += (k < 1000 ? 1 : 997)) {
		double got = q32(fixq_log2(k)), want = log2((double)k);
		CHECK(fabs(got - want) < 1e-8, "log2(%u) = %.10f, want %.10f", k, got, want);
	}
	CHECK(fixq_log2(0xffffffffu) > ((uint64_t)31 << 32), "log2(2^32-1)");
	for (uint64_t y = 0; y < ((uint64_t)40 << 32); y += 0x3456789ull * 7) {
		double got = q32(fixq_exp2_neg(y)), want = exp2(-q32(y));
		CHECK(fabs(got - want) < 1e-8, "exp2(-%.6f) = %.10f, want %.10f", q32(y), got, want);
	}
	CHECK(fixq_exp2_neg(0) == FIXQ_ONE, "exp2(0) = 1");
	uint64_t alphas[] = {0, 1ull << 31, 0xccccccccull, 1ull << 32, 3ull << 31, 7ull << 32};
	for (size_t a = 0; a < sizeof alphas / sizeof alphas[0]; a++)
		for (uint32_t k = 1; k < 100000; k = k * 3 + 1) {
			double got = q32(fixq_pow_neg(k, alphas[a]));
			double want = pow((double)k, -q32(alphas[a]));
			CHECK(fabs(got - want) <= want * 1e-4 + 1e-9, "%u^-%.3f = %.9g, want %.9g", k,
				q32(alphas[a]), got, want);
		}
}

// Draws `draws` samples and compares each target's frequency with its probability:
// within 5 standard deviations plus a small absolute slack.
static void zipf_freq(uint32_t n, const char *alpha_text, uint32_t draws)
{
	uint64_t alpha;
	CHECK(appargs_decimal(alpha_text, &alpha) == NULL, "alpha %s", alpha_text);
	struct zipf z;
	CHECK(zipf_init(&z, n, alpha) == 0, "zipf_init(%u, %s)", n, alpha_text);
	uint32_t *hits = calloc(n, sizeof *hits);
	struct prng r = {12345};
	for (uint32_t i = 0; i < draws; i++) {
		uint32_t t = zipf_draw(&z, prng_next(&r));
		CHECK(t < n, "draw %u out of range", t);
		if (t < n)
			hits[t]++;
	}
	double a = atof(alpha_text), h = 0;
	for (uint32_t k = 1; k <= n; k++)
		h += pow(k, -a);
	int bad = 0;
	for (uint32_t k = 1; k <= n && k <= 50; k++) {
		double p = pow(k, -a) / h, want = p * draws;
		double sd = sqrt(draws * p * (1 - p));
		if (fabs(hits[k - 1] - want) > 5 * sd + 2)
			bad++;
		CHECK(fabs(hits[k - 1] - want) <= 5 * sd + 2, "n %u alpha %s rank %u: %u hits, "
			"want %.0f +- %.0f", n, alpha_text, k, hits[k - 1], want, 5 * sd);
	}
	printf("%s zipf n=%u alpha=%s: rank 1 %.4f (want %.4f)\n", bad ? "FAIL" : "ok  ", n,
		alpha_text, (double)hits[0] / draws, 1 / h);
	free(hits);
	zipf_free(&z);
}

static void test_zipf(void)
{
	zipf_freq(10, "1.0", 2000000);
	zipf_freq(10, "0.8", 2000000);
	zipf_freq(10, "0", 2000000);
	zipf_freq(1000, "1.0", 2000000);
	zipf_freq(1000, "1.5", 2000000);
	zipf_freq(1, "1.0", 1000);
	struct zipf z;
	CHECK(zipf_init(&z, 0, 1ull << 32) < 0, "n = 0 rejected");
	CHECK(zipf_init(&z, 10, 8ull << 32) < 0, "alpha = 8 rejected");
	CHECK(zipf_init(&z, (1u << 24) + 1, 1ull << 32) < 0, "n > 2^24 rejected");
	// Extreme skew: every target keeps a nonzero weight, the table stays increasing.
	CHECK(zipf_init(&z, 100000, (7ull << 32) + 0xffffffffull) == 0, "alpha 7.99");
	for (uint32_t i = 1; i < z.n; i++)
		CHECK(z.cum[i] > z.cum[i - 1], "cum not increasing at %u", i);
	CHECK(zipf_draw(&z, z.cum[z.n - 1] - 1) == z.n - 1, "last target reachable");
	CHECK(zipf_draw(&z, 0) == 0, "first target");
	zipf_free(&z);
}

static void test_appargs(void)
{
	uint64_t v;
	uint32_t a;
	CHECK(!appargs_decimal("0.8", &v) && v == 3435973837ull, "0.8 -> %llu",
		(unsigned long long)v);
	CHECK(!appargs_decimal("1", &v) && v == 1ull << 32, "1");
	CHECK(!appargs_decimal("1.", &v) && v == 1ull << 32, "1.");
	CHECK(!appargs_decimal(".5", &v) && v == 1ull << 31, ".5");
	CHECK(!appargs_decimal("0.000000001", &v) && v == 4, "1e-9 -> %llu",
		(unsigned long long)v);
	const char *bad_dec[] = {"", ".", "-1", "1.2.3", "0.1234567891", "1e3", "2147483648", " 1"};
	for (size_t i = 0; i < sizeof bad_dec / sizeof bad_dec[0]; i++)
		CHECK(appargs_decimal(bad_dec[i], &v) != NULL, "decimal '%s' accepted", bad_dec[i]);
	CHECK(!appargs_duration("2s", &v) && v == 2000000000ull, "2s");
	CHECK(!appargs_duration("0.5s", &v) && v == 500000000ull, "0.5s");
	CHECK(!appargs_duration("100ms", &v) && v == 100000000ull, "100ms");
	CHECK(!appargs_duration("7us", &v) && v == 7000, "7us");
	CHECK(!appargs_duration("1.5ns", &v) && v == 1, "1.5ns");
	const char *bad_dur[] = {"2", "s", "2h", "1000001s", "-1s", "2 s", "2sec", ""};
	for (size_t i = 0; i < sizeof bad_dur / sizeof bad_dur[0]; i++)
		CHECK(appargs_duration(bad_dur[i], &v) != NULL, "duration '%s' accepted", bad_dur[i]);
	CHECK(!appargs_ipv4("10.0.0.1", &a) && a == 0x0a000001u, "10.0.0.1");
	CHECK(!appargs_ipv4("255.255.255.255", &a) && a == 0xffffffffu, "broadcast");
	const char *bad_ip[] = {"10.0.0", "10.0.0.1.2", "256.0.0.1", "1..2.3", "a.b.c.d",
		"10.0.0.1 ", "0010.0.0.1", ""};
	for (size_t i = 0; i < sizeof bad_ip / sizeof bad_ip[0]; i++)
		CHECK(appargs_ipv4(bad_ip[i], &a) != NULL, "ipv4 '%s' accepted", bad_ip[i]);
	CHECK(!appargs_size("64K", &v) && v == 65536, "64K");
	CHECK(!appargs_size("2M", &v) && v == 2u << 20, "2M");
	CHECK(!appargs_size("1234", &v) && v == 1234, "1234");
	CHECK(appargs_size("17179869184G", &v) != NULL, "huge size accepted");
	CHECK(appargs_size("1KB", &v) != NULL, "1KB accepted");
	CHECK(!appargs_u64("18446744073709551615", &v) && v == UINT64_MAX, "u64 max");
	CHECK(appargs_u64("18446744073709551616", &v) != NULL, "u64 overflow accepted");

	uint64_t n = 5, d = 0;
	const char *s = NULL;
	struct appargs_spec spec[] = {
		{"n", APPARGS_U64, &n, 1, 10, "", NULL},
		{"d", APPARGS_DURATION, &d, 0, 0, "", NULL},
		{"s", APPARGS_STRING, &s, 0, 0, "", NULL},
	};
	char *good[] = {"prog", "n=7", "d=1ms", "s=x=y"};
	CHECK(appargs_parse("t", 4, good, spec, 3) == 0 && n == 7 && d == 1000000 &&
		strcmp(s, "x=y") == 0, "good argv");
	printf("(the usage lines below are expected)\n");
	char *bad[][2] = {{"prog", "n=11"}, {"prog", "n=0"}, {"prog", "x=1"}, {"prog", "n"},
		{"prog", "=1"}, {"prog", "nn=1"}, {"prog", "d=3"}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(appargs_parse("t", 2, bad[i], spec, 3) < 0, "'%s' accepted", bad[i][1]);
	char *twice[] = {"prog", "n=1", "n=2"};
	CHECK(appargs_parse("t", 3, twice, spec, 3) < 0, "a key given twice accepted");
}

static void test_docpat(void)
{
	uint8_t a[300], b[300];
	uint32_t seed = docpat_seed("/small");
	docpat_fill(seed, 0, a, sizeof a);
	for (uint64_t off = 0; off < 40; off++) {
		docpat_fill(seed, off, b, sizeof b - off);
		CHECK(memcmp(a + off, b, sizeof b - off) == 0, "fill at offset %llu",
			(unsigned long long)off);
		CHECK(docpat_check(seed, off, a + off, sizeof a - off) == sizeof a - off,
			"check at offset %llu", (unsigned long long)off);
	}
	a[123] ^= 0x40;
	CHECK(docpat_check(seed, 0, a, sizeof a) == 123, "flipped byte found");
	CHECK(docpat_check(seed, 1, a + 1, sizeof a - 1) == 122, "flipped byte found, offset 1");
	docpat_fill(docpat_seed("/large"), 0, b, sizeof b);
	docpat_fill(seed, 0, a, sizeof a);
	CHECK(memcmp(a, b, sizeof a) != 0, "different documents differ");
	// A 4-byte word's pattern must not repeat with a short period (a duplicated TCP
	// segment must show): no two of the first 4096 words are equal.
	static uint32_t w[4096];
	docpat_fill(seed, 0, w, sizeof w);
	int dup = 0;
	for (int i = 0; i < 4096; i++)
		for (int j = i + 1; j < 4096; j++)
			dup += w[i] == w[j];
	CHECK(dup <= 1, "%d repeated words", dup);
}

int main(void)
{
	test_fixq();
	test_zipf();
	test_appargs();
	test_docpat();
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("all passed\n");
	return 0;
}
