// SPDX-License-Identifier: MIT
// `denali run --profile FILE` output (profile_out.h).
#include "profile_out.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int profile_out_check(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f || fclose(f) != 0) {
		fprintf(stderr, "denali run: --profile %s: cannot write: %s\n", path,
			strerror(errno));
		return 2;
	}
	return 0;
}

int profile_out_write(const struct kernel *k, const char *image, const char *path)
{
	const struct profile *p = &k->prof;
	uint32_t n = 0;
	struct profile_slot *s = profile_sorted(p, &n);
	if (p->used && !s) {
		fprintf(stderr, "denali run: --profile %s: out of memory\n", path);
		return 2;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "denali run: --profile %s: cannot write: %s\n", path,
			strerror(errno));
		free(s);
		return 2;
	}
	fprintf(f, "# denali guest profile: image %s, machine %u, %u VMs\n", image,
		k->cfg.machine_id, k->cfg.nvms);
	fprintf(f, "# %" PRIu64 " samples, one every %" PRIu64 " cycles a VM executes; %" PRIu64
		" dropped; %u addresses\n", p->samples, p->interval, p->dropped, n);
	fprintf(f, "# count eip\n");
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "%" PRIu64 " 0x%08x\n", s[i].count, s[i].eip);
	free(s);
	if (fclose(f) != 0) {
		fprintf(stderr, "denali run: --profile %s: cannot write: %s\n", path,
			strerror(errno));
		return 2;
	}
	return 0;
}
