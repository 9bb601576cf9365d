// SPDX-License-Identifier: MIT
// Builds the web experiment's machines in-process (webworld.h), the way `denali run`
// does for scripts/web-experiment's command line (src/cli/machines.c).
#include "webworld.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devset.h"
#include "vmm/devhost.h"

void webworld_opts_default(struct webworld_opts *o)
{
	*o = (struct webworld_opts){
		.vms = 1000,
		.clients = 4,
		.rate = 100,
		.duration_ns = 2000000000ull,
		.build = "build",
	};
}

// The script passes --duration as given ("2s", "500ms"); whole seconds print as such.
static void fmt_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns % 1000000000ull == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ns / 1000000000ull));
	else
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000ull));
}

static int machine(struct webworld *ww, uint32_t m, const char *image, uint32_t nvms,
		   uint32_t mem, const char *args, const struct webworld_opts *o, char *err,
		   size_t errlen)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/guests/apps/%s", o->build, image);
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = nvms;
	cfg.mem_size = mem;
	cfg.machine_id = m;
	cfg.cmdline = args;
	uint64_t max = o->max_time_ns ? o->max_time_ns
				      : o->duration_ns / 1000000ull * 1000000ull + 10000000000ull;
	cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, max);
	if (m == 0 && o->phys_bytes)
		cfg.pm.phys_bytes = o->phys_bytes;
	cfg.pm.share_pages = !o->no_share;
	if (image_load(path, mem, &ww->img[m], err, errlen) != 0 ||
	    kernel_new(&ww->k[m], &cfg, ww->img[m], err, errlen) != 0)
		return -1;
	struct devset_config dc;
	devset_config_default(&dc);
	world_uplink(&ww->w, m, &dc);
	if (devhost_attach(ww->k[m], &dc, err, errlen) != 0)
		return -1;
	ww->n = m + 1;
	return world_add(&ww->w, ww->k[m], err, errlen);
}

int webworld_new(struct webworld *ww, const struct webworld_opts *o, char *err,
		 size_t errlen)
{
	memset(ww, 0, sizeof *ww);
	struct world_config wc;
	world_config_default(&wc);
	wc.after_round = o->after_round;
	wc.after_round_ctx = o->ctx;
	world_init(&ww->w, &wc);
	char dur[32], delay[32], *gen = ww->args[1];
	fmt_duration(o->duration_ns, dur, sizeof dur);
	fmt_duration(o->delay_ns ? o->delay_ns : 100000000ull, delay, sizeof delay);
	snprintf(ww->args[0], sizeof ww->args[0], "quiet=1");
	snprintf(gen, sizeof ww->args[1],
		 "servers=%u base=10.0.0.1 port=80 path=/small mode=open rate=%u max=64 "
		 "conns=4 alpha=1.0 seed=1 duration=%s verify=1 quiet=1 keepalive=0 delay=%s",
		 o->vms, o->rate, dur, delay);
	if (machine(ww, 0, "httpd-gcc-O2.elf", o->vms, 4u << 20, ww->args[0], o, err,
		    errlen) != 0 ||
	    (o->clients && machine(ww, 1, "httpgen-gcc-O2.elf", o->clients, 16u << 20, gen, o,
				   err, errlen) != 0)) {
		webworld_free(ww);
		return -1;
	}
	return 0;
}

void webworld_free(struct webworld *ww)
{
	char err[256];
	for (uint32_t m = 0; m < 2; m++) {
		if (ww->k[m])
			(void)devhost_detach(ww->k[m], err, sizeof err);
		kernel_free(ww->k[m]);
		image_free(ww->img[m]);
	}
	world_free(&ww->w);
	memset(ww, 0, sizeof *ww);
}

void webworld_build_dir(const char *argv0, char *buf, size_t len)
{
	char exe[1024];
	snprintf(exe, sizeof exe, "%s", argv0);
	char *slash = strrchr(exe, '/');
	if (!slash) {
		snprintf(buf, len, "..");
		return;
	}
	*slash = '\0';
	snprintf(buf, len, "%s/..", exe);
}

long webworld_rss_kib(long *peak_kib)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long rss = 0, peak = 0;
	while (f && fgets(line, sizeof line, f)) {
		if (!strncmp(line, "VmRSS:", 6))
			rss = strtol(line + 6, NULL, 10);
		else if (!strncmp(line, "VmHWM:", 6))
			peak = strtol(line + 6, NULL, 10);
	}
	if (f)
		fclose(f);
	if (peak_kib)
		*peak_kib = peak;
	return rss;
}
