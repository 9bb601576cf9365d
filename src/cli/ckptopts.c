// SPDX-License-Identifier: MIT
// The checkpoint flags (ckptopts.h): parsing and the checks between them.
#include "ckptopts.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

void ckptopts_init(struct ckptopts *c)
{
	memset(c, 0, sizeof *c);
}

int ckptopts_parse(int argc, char **argv, int *i, struct ckptopts *c)
{
	static const char *const names[] = { "--checkpoint-at", "--checkpoint",
					     "--checkpoint-every" };
	const char *flag = NULL, *val = NULL;
	int r = args_valued(argc, argv, i, names, 3, &flag, &val);
	if (r != 1)
		return r;
	char why[160];
	uint64_t v;
	if (!strcmp(flag, "--checkpoint")) {
		if (!*val)
			return args_bad(flag, "''", "empty file name");
		if (c->nfile == CKPTOPTS_MAX)
			return args_bad(flag, val, "too many checkpoints");
		c->file[c->nfile++] = val;
		return 1;
	}
	if (args_time(val, 1, UINT64_MAX / 4, &v, why, sizeof why))
		return args_bad(flag, val, why);
	if (!strcmp(flag, "--checkpoint-every")) {
		if (c->every_ns)
			return args_bad(flag, val, "given twice");
		c->every_ns = v;
		c->every_val = val;
		return 1;
	}
	if (c->nat == CKPTOPTS_MAX)
		return args_bad(flag, val, "too many checkpoints");
	c->at_ns[c->nat++] = v;
	return 1;
}

int ckptopts_check(struct ckptopts *c, uint64_t max_time_ns)
{
	if (c->every_ns) {
		if (c->nat)
			return args_error("--checkpoint-every: not with --checkpoint-at");
		if (c->nfile != 1 || !strstr(c->file[0], "%t"))
			return args_error("--checkpoint-every %s: needs one --checkpoint PATTERN "
					  "with %%t (the time in ns), e.g. run-%%t.ckpt",
					  c->every_val);
		if (!max_time_ns)
			return args_error("--checkpoint-every %s: needs --max-time (the "
					  "checkpoints are named before the run)",
					  c->every_val);
		if (max_time_ns / c->every_ns > CKPTOPTS_MAX)
			return args_error("--checkpoint-every %s: more than %u checkpoints "
					  "before --max-time",
					  c->every_val, CKPTOPTS_MAX);
		const char *pat = c->file[0], *at = strstr(pat, "%t");
		for (uint64_t t = c->every_ns; t <= max_time_ns; t += c->every_ns) {
			char buf[64];
			int n = snprintf(buf, sizeof buf, "%" PRIu64, t);
			size_t len = strlen(pat) - 2 + (size_t)n + 1;
			char *p = malloc(len);
			if (!p)
				return args_error("--checkpoint %s: out of memory", pat);
			snprintf(p, len, "%.*s%s%s", (int)(at - pat), pat, buf, at + 2);
			c->made[c->nat] = p;
			c->path[c->nat] = p;
			c->at_ns[c->nat++] = t;
		}
		return 0;
	}
	if (c->nat != c->nfile)
		return args_error("--checkpoint-at and --checkpoint: %u times and %u files (give "
				  "one --checkpoint FILE for each --checkpoint-at T)",
				  c->nat, c->nfile);
	for (uint32_t i = 0; i < c->nat; i++) {
		if (i && c->at_ns[i] < c->at_ns[i - 1])
			return args_error("--checkpoint-at: give the times in increasing order");
		c->path[i] = c->file[i];
	}
	return 0;
}

void ckptopts_free(struct ckptopts *c)
{
	for (uint32_t i = 0; i < c->nat; i++) {
		free(c->made[i]);
		c->made[i] = NULL;
	}
}

void ckptopts_usage(FILE *f)
{
	fprintf(f,
		"\n"
		"Checkpoints (docs/debugging.md; not with --tap or under mpirun):\n"
		"  --checkpoint-at T   save the whole simulation at simulated time T (the\n"
		"                   first point between two dispatches at or after T) into\n"
		"                   the matching --checkpoint FILE (repeatable, in order)\n"
		"  --checkpoint FILE   the file (`denali resume FILE` continues the run)\n"
		"  --checkpoint-every T  a checkpoint every T up to --max-time, into the one\n"
		"                   --checkpoint PATTERN whose %%t becomes the time in ns\n");
}
