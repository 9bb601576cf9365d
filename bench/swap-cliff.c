// SPDX-License-Identifier: MIT
// bench/swap-cliff: the paper's two regimes (section 4.6, Figures 8 and 9) in the
// memory model. N VMs run the synth_touch request loop: write W pages spread `stride`
// apart, compute a little, idle, repeat. Like the paper's httperf, the offered load is
// a fixed aggregate rate spread evenly over the VMs: each VM idles N / RATE between
// requests. Aggregate throughput (requests per simulated second, each VM's first
// request not counted) is flat while every VM's blocks fit in --phys-mem, and falls off
// a cliff once they do not; a smaller swap block wastes less memory per VM (internal
// fragmentation), so the cliff comes at more VMs. Prints a table; asserts nothing.
// Usage: swap-cliff [--quick] [--phys-mem MIB] [--csv FILE]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

#define MEM (4u << 20)
#define BASE 0x00100000u
#define PAGES 16u
#define STRIDE (16u * 1024u)
#define SPIN 500u
#define RATE 100000u // offered requests per simulated second, all VMs together

struct point { double rps; uint64_t swap_outs, blocks_in; };

static int run_point(uint32_t nvms, uint32_t block, uint64_t phys,
		     uint64_t sim_ms, struct point *pt)
{
	char err[256];
	struct image *img;
	uint32_t think_ns = (uint32_t)((uint64_t)nvms * 1000000000u / RATE);
	if (synth_touch(&img, MEM, BASE, PAGES, STRIDE, SPIN, think_ns, err, sizeof err) != 0) {
		fprintf(stderr, "swap-cliff: %s\n", err);
		return -1;
	}
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = nvms;
	cfg.mem_size = MEM;
	cfg.pm.phys_bytes = phys;
	cfg.pm.block_bytes = block;
	cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, sim_ms * 1000000u);
	struct kernel *k;
	if (kernel_new(&k, &cfg, img, err, sizeof err) != 0) {
		fprintf(stderr, "swap-cliff: %s\n", err);
		image_free(img);
		return -1;
	}
	kernel_run(k);
	// Each VM's first request runs before any swapping (warm-up): not counted.
	uint64_t reqs = 0;
	for (uint32_t i = 0; i < nvms; i++)
		reqs += k->vms[i].cpu.r[CPU_EBX] ? k->vms[i].cpu.r[CPU_EBX] - 1 : 0;
	pt->rps = (double)reqs / ((double)kernel_cycles_to_ns(&cfg, k->now) / 1e9);
	pt->swap_outs = k->pm->stats.swap_outs;
	pt->blocks_in = k->pm->stats.blocks_in;
	kernel_free(k);
	image_free(img);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t phys_mib = 64;
	int quick = 0;
	const char *csv = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "--phys-mem") && i + 1 < argc)
			phys_mib = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
			csv = argv[++i];
		else {
			fprintf(stderr, "usage: swap-cliff [--quick] [--phys-mem MIB] [--csv FILE]\n");
			return 2;
		}
	}
	static const uint32_t blocks[] = { 4096, 8192, 16384 };
	static const uint32_t full[] = { 100, 200, 250, 300, 400, 500, 600, 800, 1000, 1200, 1600 };
	static const uint32_t small[] = { 50, 150, 250, 400, 600, 800 };
	const uint32_t *ns = quick ? small : full;
	size_t nn = quick ? sizeof small / sizeof *small : sizeof full / sizeof *full;
	uint64_t sim_ms = quick ? 300 : 1000;
	FILE *out = csv ? fopen(csv, "w") : NULL;
	if (out)
		fprintf(out, "vms");
	printf("swap-cliff: %u pages %u KiB apart per request, offered %u requests/s over all VMs,\n"
	       "phys-mem %llu MiB, %llu ms simulated\n", PAGES, STRIDE / 1024, RATE,
	       (unsigned long long)phys_mib, (unsigned long long)sim_ms);
	printf("requests per simulated second (swap-outs / blocks read in)\n%6s", "VMs");
	for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
		printf(" | %9u KiB blocks         ", blocks[b] / 1024);
		if (out)
			fprintf(out, ",block_%uk", blocks[b] / 1024);
	}
	printf("\n");
	if (out)
		fprintf(out, "\n");
	for (size_t i = 0; i < nn; i++) {
		printf("%6u", ns[i]);
		if (out)
			fprintf(out, "%u", ns[i]);
		for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
			struct point pt;
			if (run_point(ns[i], blocks[b], phys_mib << 20, sim_ms, &pt) != 0) {
				printf(" | %28s", "(config rejected)");
				continue;
			}
			printf(" | %10.1f (%6llu/%7llu)", pt.rps, (unsigned long long)pt.swap_outs,
			       (unsigned long long)pt.blocks_in);
			if (out)
				fprintf(out, ",%.1f", pt.rps);
		}
		printf("\n");
		if (out)
			fprintf(out, "\n");
		fflush(stdout);
	}
	if (out)
		fclose(out);
	return 0;
}
