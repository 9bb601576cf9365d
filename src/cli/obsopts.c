// SPDX-License-Identifier: MIT
// Flags that watch a run (obsopts.h): traces, timeline, time series, console files,
// progress.
#include "obsopts.h"

#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "opts.h"
#include "vmm/obs.h"

void obsopts_init(struct obsopts *oo)
{
	memset(oo, 0, sizeof *oo);
	oo->trace_to_ns = UINT64_MAX;
	oo->trace_limit = 1000000;
	oo->timeline_to_ns = UINT64_MAX;
	oo->timeline_interval_ns = 1000000;
	oo->progress_every_ms = 10000;
	viewopts_init(&oo->view);
}

void obsopts_usage(FILE *f)
{
	fprintf(f,
		"Seeing inside a run (docs/observe.md):\n"
		"  --trace CATEGORIES  trace events: sched, irq, exc, pio, net, mem, disk,\n"
		"                   timer, console, vm, insn (each instruction), or all;\n"
		"                   comma-separated. The run is the same (same digest)\n"
		"  --trace-format text|json  text lines (default) or JSON Lines\n"
		"  --trace-file FILE  write the trace to FILE (default stderr)\n"
		"  --trace-vms LIST only these VMs, e.g. 0,5-9 (on every machine)\n"
		"  --trace-from T, --trace-to T  only events at simulated times in [T1, T2)\n"
		"  --trace-limit N  stop tracing after N events (default 1000000; the trace\n"
		"                   says how many it left out)\n"
		"  --timeline FILE.json  Chrome trace-event timeline for Perfetto UI or\n"
		"                   chrome://tracing: a track per VM, frames, interrupts,\n"
		"                   counters\n"
		"  --timeline-vms LIST, --timeline-from T, --timeline-to T  bound it\n"
		"  --timeline-interval T  period of its counter tracks (default 1ms)\n"
		"  --stats-every T  write DIR/timeseries.csv (needs --results DIR): rates,\n"
		"                   latency percentiles, switches, memory per interval\n"
		"  --console-dir DIR  write each VM's console to DIR/vm-N.txt (mM-vm-N.txt\n"
		"                   on client machines)\n"
		"  --no-progress    no progress line on stderr (also off with --quiet)\n"
		"  --progress-every S  seconds between progress lines when stderr is not a\n"
		"                   terminal (default 10; a terminal gets one refreshed line)\n"
		"Ctrl-C or SIGTERM ends a run at the next slice: the summary (marked\n"
		"INTERRUPTED), traces and files are written up to the simulated time reached,\n"
		"and the exit status is 130 or 143. A second signal stops at once.\n");
	viewopts_usage(f);
}

int obsopts_vm_list(const char *s, uint8_t **bits, uint32_t *len, char *why, size_t whylen)
{
	uint32_t n = (MAX_VMS + 7) / 8;
	uint8_t *b = bits ? calloc(n, 1) : NULL;
	if (bits && !b) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	const char *p = s;
	if (!*p)
		goto bad;
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9')
			goto bad;
		unsigned long a = strtoul(p, &end, 10), z = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				goto bad;
			z = strtoul(end + 1, &end, 10);
		}
		if (a > z || z >= MAX_VMS)
			goto bad;
		for (unsigned long v = a; b && v <= z; v++)
			b[v / 8] |= (uint8_t)(1u << (v % 8));
		p = end;
		if (*p == ',') {
			p++;
			if (!*p)
				goto bad;
		} else if (*p) {
			goto bad;
		}
	}
	if (bits) {
		*bits = b;
		*len = n;
	}
	return 0;
bad:
	free(b);
	snprintf(why, whylen, "expected VM ids like 0,5-9 (each below %u, ranges low-high)",
		 MAX_VMS);
	return -1;
}

int obsopts_parse(int argc, char **argv, int *i, struct obsopts *oo)
{
	const char *a = argv[*i];
	int vr = viewopts_parse(argc, argv, i, &oo->view);
	if (vr)
		return vr;
	if (!strcmp(a, "--no-progress")) {
		oo->no_progress = true;
		return 1;
	}
	static const char *const valued[] = {
		"--trace", "--trace-format", "--trace-file", "--trace-vms", "--trace-from",
		"--trace-to", "--trace-limit", "--timeline", "--timeline-vms", "--timeline-from",
		"--timeline-to", "--timeline-interval", "--stats-every", "--console-dir",
		"--progress-every"
	};
	const char *flag = NULL, *val = NULL;
	if (args_valued(argc, argv, i, valued, sizeof valued / sizeof valued[0], &flag, &val) == 2)
		return 2;
	if (!flag)
		return 0;
	if (args_once(&oo->seen, flag, val) != 0)
		return 2;
	char why[200];
	uint64_t v;
	if (!strncmp(flag, "--trace-", 8))
		oo->trace_sub_flag = flag;
	if (!strncmp(flag, "--timeline-", 11))
		oo->timeline_sub_flag = flag;
	if (!strcmp(flag, "--trace")) {
		if (obs_cats_parse(val, &oo->trace_cats, why, sizeof why) != 0)
			return args_bad(flag, val, why);
	} else if (!strcmp(flag, "--trace-format")) {
		if (strcmp(val, "text") && strcmp(val, "json"))
			return args_bad(flag, val, "expected text or json");
		oo->trace_json = !strcmp(val, "json");
	} else if (!strcmp(flag, "--trace-file") || !strcmp(flag, "--timeline") ||
		   !strcmp(flag, "--console-dir")) {
		if (!*val)
			return args_bad(flag, "''", "empty name");
		if (!strcmp(flag, "--trace-file"))
			oo->trace_file = val;
		else if (!strcmp(flag, "--timeline"))
			oo->timeline = val;
		else
			oo->console_dir = val;
	} else if (!strcmp(flag, "--trace-vms") || !strcmp(flag, "--timeline-vms")) {
		if (obsopts_vm_list(val, NULL, NULL, why, sizeof why) != 0)
			return args_bad(flag, val, why);
		if (!strcmp(flag, "--trace-vms"))
			oo->trace_vms = val;
		else
			oo->timeline_vms = val;
	} else if (!strcmp(flag, "--trace-limit")) {
		if (args_count(val, 1, 1000000000000ull, &v, why, sizeof why))
			return args_bad(flag, val, why);
		oo->trace_limit = v;
	} else if (!strcmp(flag, "--progress-every")) {
		if (args_count(val, 1, 86400, &v, why, sizeof why))
			return args_bad(flag, val, why);
		oo->progress_every_ms = v * 1000;
	} else {
		// Times of simulated time.
		bool interval = !strcmp(flag, "--timeline-interval") || !strcmp(flag, "--stats-every");
		if (args_time(val, interval ? 1000 : 0, UINT64_MAX / 4, &v, why, sizeof why))
			return args_bad(flag, val, why);
		if (!strcmp(flag, "--trace-from"))
			oo->trace_from_ns = v;
		else if (!strcmp(flag, "--trace-to"))
			oo->trace_to_ns = v;
		else if (!strcmp(flag, "--timeline-from"))
			oo->timeline_from_ns = v;
		else if (!strcmp(flag, "--timeline-to"))
			oo->timeline_to_ns = v;
		else if (!strcmp(flag, "--timeline-interval"))
			oo->timeline_interval_ns = v;
		else
			oo->stats_every_ns = v;
	}
	return 1;
}

int obsopts_check(const struct obsopts *oo, bool have_results)
{
	if (viewopts_check(&oo->view) != 0)
		return 2;
	if (oo->trace_sub_flag && !oo->trace_cats) {
		fprintf(stderr, "denali run: %s needs --trace CATEGORIES\n", oo->trace_sub_flag);
		return 2;
	}
	if (oo->timeline_sub_flag && !oo->timeline) {
		fprintf(stderr, "denali run: %s needs --timeline FILE.json\n", oo->timeline_sub_flag);
		return 2;
	}
	if (oo->stats_every_ns && !have_results) {
		fprintf(stderr, "denali run: --stats-every needs --results DIR (it writes "
				"DIR/timeseries.csv)\n");
		return 2;
	}
	if (oo->trace_from_ns >= oo->trace_to_ns) {
		fprintf(stderr, "denali run: --trace-from must be before --trace-to\n");
		return 2;
	}
	if (oo->timeline_from_ns >= oo->timeline_to_ns) {
		fprintf(stderr, "denali run: --timeline-from must be before --timeline-to\n");
		return 2;
	}
	return 0;
}
