// SPDX-License-Identifier: MIT
// The web experiment (scripts/web-experiment, docs/experiments.md "Web server") built
// in-process for benchmarks that watch host memory while it runs (webworld.c): machine
// 0 runs N httpd VMs, machine 1 runs K httpgen VMs sending an open-loop Zipf load,
// with the same images, arguments and defaults as the script, so the digest of a run
// equals the script's for the same flags.
#ifndef DENALI_BENCH_WEBWORLD_H
#define DENALI_BENCH_WEBWORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/image.h"
#include "vmm/kernel.h"
#include "vmm/world.h"

struct webworld_opts {
	uint32_t vms;          // httpd VMs (1,000)
	uint32_t clients;      // httpgen VMs (4); 0: no client machine (servers only)
	uint32_t rate;         // requests/s per httpgen VM (100)
	uint64_t duration_ns;  // of load (2 s)
	uint64_t max_time_ns;  // 0: duration + 10 s, as the script
	uint64_t phys_bytes;   // modelled memory of machine 0 (0: the default, 1 GiB)
	uint64_t delay_ns;     // httpgen's delay before the first request (0: 100 ms)
	bool no_share;         // physmem_config.share_pages off (host memory only)
	const char *build;     // the build directory (the images are under guests/apps)
	// Called after every round (world.h); NULL: none.
	void (*after_round)(void *ctx, const struct world *w, uint64_t horizon_ns);
	void *ctx;
};
void webworld_opts_default(struct webworld_opts *o);

struct webworld {
	struct world w;
	struct image *img[2];
	struct kernel *k[2];
	uint32_t n;            // machines
	char args[2][512];     // the command lines (the kernels keep pointers to them)
};

// Builds the machines (not run yet). Returns 0, or -1 with one line in err.
int webworld_new(struct webworld *ww, const struct webworld_opts *o, char *err,
		 size_t errlen);
void webworld_free(struct webworld *ww);

// The build directory of a benchmark binary at argv0 (its bench/ directory's parent).
void webworld_build_dir(const char *argv0, char *buf, size_t len);

// Peak and current resident set of this process, KiB (from /proc/self/status).
long webworld_rss_kib(long *peak_kib);

#endif
