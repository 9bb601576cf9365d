// SPDX-License-Identifier: MIT
// Prints a digest of Zipf tables and draws (httpgen/zipf.c, fixq.c) for several n and
// alpha. Built natively (64-bit host) and as a guest image (32-bit, libgcc's 64-bit
// division): the two must print the same lines, since the guest's load must be the
// one the native tests checked. Integer only, so it runs in a guest.
#include <stdio.h>

#include "appargs.h"
#include "prng.h"
#include "zipf.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		h = (h ^ ((v >> (8 * i)) & 255)) * 0x100000001b3ull;
	return h;
}

int main(void)
{
	static const char *alphas[] = {"0", "0.5", "0.8", "1.0", "1.25", "2", "7.5"};
	static const uint32_t ns[] = {1, 2, 10, 1000, 100000};
	for (unsigned a = 0; a < sizeof alphas / sizeof alphas[0]; a++) {
		uint64_t alpha;
		appargs_decimal(alphas[a], &alpha);
		for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; i++) {
			struct zipf z;
			if (zipf_init(&z, ns[i], alpha) < 0) {
				printf("zipf n=%u alpha=%s: init failed\n", ns[i], alphas[a]);
				return 1;
			}
			uint64_t h = 0xcbf29ce484222325ull;
			for (uint32_t k = 0; k < z.n; k++)
				h = mix(h, z.cum[k]);
			struct prng r = {ns[i] * 31 + a};
			for (int d = 0; d < 10000; d++)
				h = mix(h, zipf_draw(&z, prng_next(&r)));
			printf("zipf n=%u alpha=%s: total %llx digest %llx\n", ns[i], alphas[a],
				(unsigned long long)z.cum[z.n - 1], (unsigned long long)h);
			zipf_free(&z);
		}
	}
	return 0;
}
