// SPDX-License-Identifier: MIT
// Scale and swapping through the whole kernel (issue #4): 10,000 VMs of a small guest
// (synth_short: store its id, idle three times, print a byte, exit 0) run to the end,
// twice, with the same digest; the same under a physical memory too small for them all,
// where the gatekeeper swaps VMs out and faults them back in, still deterministic and
// still correct; and the request loop (synth_touch) swapping under memory pressure.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "synth.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

#define MEM (1u << 20)

struct result {
	uint64_t digest;
	struct kernel_stats st;
	struct physmem_stats pm;
	uint64_t now;
	uint32_t good_bytes; // VMs whose console byte is their id's low byte
};

static struct result run(const struct image *img, uint32_t nvms, uint64_t phys,
			 uint32_t block, uint64_t max_time_ns)
{
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = nvms;
	cfg.mem_size = MEM;
	cfg.pm.phys_bytes = phys;
	cfg.pm.block_bytes = block;
	if (max_time_ns)
		cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, max_time_ns);
	char err[256];
	struct kernel *k;
	assert_int_equal(kernel_new(&k, &cfg, img, err, sizeof err), 0);
	kernel_run(k);
	struct result r = { .digest = kernel_digest(k), .st = k->stats, .pm = k->pm->stats,
			    .now = k->now };
	for (uint32_t i = 0; i < nvms; i++)
		if (kernel_console(k, i)->len == 1 && kernel_console(k, i)->bytes[0] == (uint8_t)i)
			r.good_bytes++;
	// Teardown leaves no frame charged but the pinned ones.
	assert_int_equal(k->pm->used_frames, k->pm->pinned_frames);
	assert_int_equal(k->pm->pool.pages_out, 0);
	kernel_free(k);
	return r;
}

static void test_10000_vms(void **state)
{
	(void)state;
	char err[256];
	struct image *img;
	assert_int_equal(synth_short(&img, MEM, 3, err, sizeof err), 0);
	struct result a = run(img, 10000, 1ull << 30, 32768, 0);
	assert_int_equal(a.st.ok, 10000);
	assert_int_equal(a.good_bytes, 10000);
	assert_int_equal(a.pm.swap_outs, 0); // 1 GiB holds them all
	struct result b = run(img, 10000, 1ull << 30, 32768, 0);
	assert_int_equal(a.digest, b.digest);
	image_free(img);
}

// 10,000 VMs in 100 MiB: 82.7 MiB of it is metadata, so only a few hundred VMs fit at
// once. Everyone still finishes correctly; swapping costs simulated time only.
static void test_10000_vms_swapping(void **state)
{
	(void)state;
	char err[256];
	struct image *img;
	assert_int_equal(synth_short(&img, MEM, 3, err, sizeof err), 0);
	struct result a = run(img, 10000, 100ull << 20, 32768, 0);
	assert_int_equal(a.st.ok, 10000);
	assert_int_equal(a.good_bytes, 10000);
	assert_true(a.pm.swap_outs > 1000);
	assert_true(a.pm.blocks_in > 1000);
	assert_true(a.pm.swap_waits > 1000);
	struct result b = run(img, 10000, 100ull << 20, 32768, 0);
	assert_int_equal(a.digest, b.digest);
	assert_int_equal(a.pm.swap_outs, b.pm.swap_outs);
	struct result fit = run(img, 10000, 1ull << 30, 32768, 0);
	assert_true(a.now > fit.now); // the disk's time shows in the result
	assert_int_not_equal(a.digest, fit.digest);
	image_free(img);
}

// The request loop under pressure: VMs that fit run at the offered rate; past the
// limit the swap disk shows and fewer requests complete. A smaller block fits more.
static void test_cliff_moves_with_block_size(void **state)
{
	(void)state;
	char err[256];
	struct image *img;
	const uint32_t n = 300;
	// 16 pages 16 KiB apart: 64 KiB of 4 KiB blocks, 256 KiB of 16 KiB blocks per VM.
	assert_int_equal(synth_touch(&img, MEM, 0x40000, 16, 16384, 100, n * 10000, err,
				     sizeof err), 0);
	uint64_t phys = 64ull << 20, t = 200000000; // 200 ms
	struct result small = run(img, n, phys, 4096, t);
	struct result big = run(img, n, phys, 16384, t);
	assert_int_equal(small.pm.swap_outs, 0);
	assert_true(big.pm.swap_outs > 0);
	assert_true(big.pm.swap_waits > 0);
	assert_true(big.st.retired < small.st.retired * 9 / 10);
	struct result again = run(img, n, phys, 16384, t);
	assert_int_equal(big.digest, again.digest);
	image_free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_10000_vms),
		cmocka_unit_test(test_10000_vms_swapping),
		cmocka_unit_test(test_cliff_moves_with_block_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
