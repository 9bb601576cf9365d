// SPDX-License-Identifier: MIT
// `denali run --profile FILE` output (profile_out.h).
#include "profile_out.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int profile_out_write(const struct kernel *k, const char *image, FILE *f, const char *name)
{
	const struct profile *p = &k->prof;
	uint32_t n = 0;
	struct profile_slot *s = profile_sorted(p, &n);
	if (p->used && !s) {
		args_error("--profile %s: out of memory", name);
		fclose(f);
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
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad) {
		return args_error("--profile %s: cannot write: %s", name,
				  strerror(errno ? errno : EIO));
	}
	return 0;
}
