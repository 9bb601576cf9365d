// SPDX-License-Identifier: MIT
// The view's flags (viewopts.h).
#include "viewopts.h"

#include <stdlib.h>
#include <string.h>

#include "args.h"

// The overlays' names, as view/view.h numbers them (this file needs no SDL).
static const char *const overlays[] = { "none", "irq", "frames", "swap", "counter" };

void viewopts_init(struct viewopts *vo)
{
	memset(vo, 0, sizeof *vo);
}

void viewopts_usage(FILE *f)
{
	fprintf(f,
		"Watching a run (docs/view.md; the same run, the same digest):\n"
		"  --view           an SDL2 window: every VM coloured by its state, the link,\n"
		"                   live plots; keys: space pause, n next quantum, i next\n"
		"                   interval, +/- speed, z/x zoom, arrows pan, q quit, ? help;\n"
		"                   click a VM for its registers, console and code\n"
		"  --screenshot FILE.png --screenshot-at T  the same picture without a display\n"
		"                   at simulated time T (repeatable, in pairs)\n"
		"  --view-size WxH  picture size (default 1280x800)\n"
		"  --view-interval T  interval of the plots and overlays (default 10ms)\n"
		"  --view-overlay irq|frames|swap|counter:NAME  marks VMs with interrupts\n"
		"                   pending, or a heat map of frames received or swap blocks\n"
		"                   per interval, or of a results-port counter per VM\n"
		"  --view-pace X    at most X simulated seconds per host second (the window)\n"
		"  --view-exit      close the window when the run ends\n");
}

int viewopts_parse(int argc, char **argv, int *i, struct viewopts *vo)
{
	const char *a = argv[*i];
	if (!strcmp(a, "--view") || !strcmp(a, "--view-exit")) {
		if (!strcmp(a, "--view"))
			vo->window = true;
		else
			vo->exit_at_end = true;
		vo->flag = vo->flag ? vo->flag : a;
		return 1;
	}
	static const char *const valued[] = { "--screenshot", "--screenshot-at", "--view-size",
					      "--view-interval", "--view-overlay", "--view-pace" };
	const char *flag = NULL, *val = NULL;
	if (args_valued(argc, argv, i, valued, sizeof valued / sizeof valued[0], &flag, &val) == 2)
		return 2;
	if (!flag)
		return 0;
	vo->flag = vo->flag ? vo->flag : flag;
	if (strcmp(flag, "--screenshot") && strcmp(flag, "--screenshot-at") &&
	    args_once(&vo->seen, flag, val) != 0)
		return 2;
	char why[200];
	uint64_t v;
	if (!strcmp(flag, "--screenshot")) {
		if (vo->nshots == VIEWOPTS_MAX_SHOTS)
			return args_bad(flag, val, "too many screenshots (at most 16)");
		if (!*val)
			return args_bad(flag, "''", "empty name");
		vo->shot[vo->nshots++] = val;
	} else if (!strcmp(flag, "--screenshot-at")) {
		if (vo->nshot_at == VIEWOPTS_MAX_SHOTS)
			return args_bad(flag, val, "too many screenshots (at most 16)");
		if (args_time(val, 0, UINT64_MAX / 4, &v, why, sizeof why))
			return args_bad(flag, val, why);
		vo->shot_ns[vo->nshot_at++] = v;
	} else if (!strcmp(flag, "--view-size")) {
		char *end;
		unsigned long w = strtoul(val, &end, 10), h = 0;
		if (end != val && (*end == 'x' || *end == 'X') && end[1] >= '0' && end[1] <= '9')
			h = strtoul(end + 1, &end, 10);
		if (!h || *end || w < 480 || h < 360 || w > 8192 || h > 8192)
			return args_bad(flag, val, "expected WIDTHxHEIGHT, from 480x360 to 8192x8192");
		vo->width = (uint32_t)w;
		vo->height = (uint32_t)h;
	} else if (!strcmp(flag, "--view-interval")) {
		if (args_time(val, 10000, 3600000000000ull, &v, why, sizeof why))
			return args_bad(flag, val, why);
		vo->interval_ns = v;
	} else if (!strcmp(flag, "--view-overlay")) {
		int ov = -1;
		for (int k = 1; k < (int)(sizeof overlays / sizeof overlays[0]); k++)
			if (!strcmp(val, overlays[k]) && strcmp(val, "counter"))
				ov = k;
		if (!strncmp(val, "counter:", 8)) {
			const char *name = val + 8;
			size_t n = strlen(name);
			bool ok = n >= 1 && n <= 32;
			for (const char *p = name; ok && *p; p++)
				ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				     (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-';
			if (!ok)
				return args_bad(flag, val, "counter:NAME needs a results name (1..32 "
							   "bytes of A-Z a-z 0-9 _ . -)");
			ov = 4;
			vo->counter = name;
		}
		if (ov < 0)
			return args_bad(flag, val, "expected irq, frames, swap or counter:NAME");
		vo->overlay = ov;
	} else {
		char *end;
		double x = strtod(val, &end);
		if (end == val || *end || !(x > 0) || x > 1e6)
			return args_bad(flag, val, "expected simulated seconds per host second, "
						   "e.g. 0.01 or 1");
		vo->pace = x;
	}
	return 1;
}

int viewopts_check(const struct viewopts *vo)
{
	if (vo->nshots != vo->nshot_at)
		return args_error("--screenshot FILE.png and --screenshot-at T go in pairs (%u "
				  "--screenshot, %u --screenshot-at)",
				  vo->nshots, vo->nshot_at);
	if (vo->flag && !viewopts_on(vo))
		return args_error("%s needs --view or --screenshot FILE.png", vo->flag);
	if ((vo->pace || vo->exit_at_end) && !vo->window)
		return args_error("%s needs --view", vo->pace ? "--view-pace" : "--view-exit");
	return 0;
}
