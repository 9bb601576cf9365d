// SPDX-License-Identifier: MIT
// bench/ctxswitch: simulated context-switch cost vs number of VMs (the paper's
// section 4.1), for a best-case guest (spins: touches no memory between switches) and a
// worst-case guest (cycles through a 2 MiB buffer, one write per page, 512 pages: more
// than the 256-entry TLB). Each point runs N VMs for 10 ms of simulated time and prints
// the mean cost of a switch (base + cache refill, kernel.h) in microseconds, and the
// best case again with the kernel's per-VM data in the caches (--ctx-vm-footprint 1K,
// the calibrated setting: ctxcache.h), which rises as N VMs outgrow L1 and then L2:
// 40 ms per point, the mean over warm switches (each VM's first switch, from memory,
// left out; "-" when some VM never ran).
// The numbers are simulated, so they do not depend on the host.
// usage: ctxswitch [MAX_VMS]   (default 32; powers of two from 1)
#include <stdio.h>
#include <stdlib.h>

#include "elfgen.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

// for (;;) for (p = 0x100000; p < 0x300000; p += 4096) *p = p;
static const uint8_t worst[] = {
	0xb8, 0x00, 0x00, 0x10, 0x00, // mov eax, 0x100000
	0x89, 0x00,                   // mov [eax], eax
	0x05, 0x00, 0x10, 0x00, 0x00, // add eax, 4096
	0x3d, 0x00, 0x00, 0x30, 0x00, // cmp eax, 0x300000
	0x72, 0xf2,                   // jb -14
	0xeb, 0xeb,                   // jmp -21
};
static const uint8_t best[] = { 0xeb, 0xfe }; // jmp $

// The mean switch cost in us for n VMs, or -1 on error.
static double mean_us(const uint8_t *code, size_t len, uint32_t n, uint32_t footprint,
		      uint64_t *switches)
{
	// -1: an error; -2: some VM never ran (no warm mean).
	static uint8_t buf[8192];
	size_t sz = elfgen_program(buf, sizeof buf, code, (uint32_t)len, NULL, 0, 0);
	struct kernel_config c;
	kernel_config_default(&c);
	c.nvms = n;
	c.mem_size = 4u << 20;
	c.max_time_cycles = (footprint ? 40ull : 10ull) * c.cpu_khz; // 40 or 10 ms
	c.ctx_cache.vm_bytes = footprint;
	struct image *img;
	struct kernel *k;
	char err[256];
	if (!sz || image_parse(buf, sz, "bench.elf", c.mem_size, &img, err, sizeof err) != 0) {
		fprintf(stderr, "ctxswitch: image: %s\n", sz ? err : "too large");
		return -1;
	}
	if (kernel_new(&k, &c, img, err, sizeof err) != 0) {
		fprintf(stderr, "ctxswitch: %s\n", err);
		image_free(img);
		return -1;
	}
	kernel_run(k);
	const struct kernel_stats *s = &k->stats;
	*switches = s->ctx_switches;
	// Warm switches only with the kernel-data model: the n - 1 cold ones (the first
	// dispatch is no switch) cost the base plus the memory level.
	uint64_t cold = footprint ? n - 1 : 0;
	uint64_t cold_cycles = cold * (c.ctx_switch_cycles + ctxcache_cost(&k->cc, CTXCACHE_MEM));
	double us = -2; // some VM never ran
	if (k->cc.hits[CTXCACHE_COLD] == (footprint ? n : 0) && s->ctx_switches > cold)
		us = (double)(s->ctx_switch_cycles - cold_cycles) /
		     (double)(s->ctx_switches - cold) / ((double)c.cpu_khz / 1000.0);
	kernel_free(k);
	image_free(img);
	return us;
}

int main(int argc, char **argv)
{
	long max = argc > 1 ? strtol(argv[1], NULL, 10) : 32;
	if (max < 1 || max > 4096) {
		fprintf(stderr, "ctxswitch: MAX_VMS %s: expected 1..4096\n", argv[1]);
		return 2;
	}
	printf("| VMs | best case (us) | worst case (us) | switches (best, worst) "
	       "| best case, kernel data 1K (us) |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	for (uint32_t n = 1; n <= (uint32_t)max; n *= 2) {
		uint64_t sb, sw, sk;
		double b = mean_us(best, sizeof best, n, 0, &sb);
		double w = mean_us(worst, sizeof worst, n, 0, &sw);
		double kb = mean_us(best, sizeof best, n, 1024, &sk);
		if (b < 0 || w < 0 || kb == -1)
			return 2;
		char kbs[16] = "-";
		if (kb >= 0)
			snprintf(kbs, sizeof kbs, "%.2f", kb);
		printf("| %u | %.2f | %.2f | %llu, %llu | %s |\n", n, b, w,
		       (unsigned long long)sb, (unsigned long long)sw, kbs);
	}
	return 0;
}
