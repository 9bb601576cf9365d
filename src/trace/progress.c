// SPDX-License-Identifier: MIT
// The progress line (progress.h).
#include "trace/progress.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include "vmm/kernel.h"

struct progress {
	struct progress_config cfg;
	double t0, last;
	bool shown; // a refreshed line is on the terminal
};

double progress_host_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct progress *progress_new(const struct progress_config *cfg)
{
	struct progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->cfg = *cfg;
	if (p->cfg.every_s <= 0)
		p->cfg.every_s = 10;
	p->t0 = p->last = progress_host_seconds();
	return p;
}

void progress_free(struct progress *p)
{
	free(p);
}

// "1.234 s", "12.345 ms", "5.000 us".
static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns >= 1000000000u)
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	else if (ns >= 1000000u)
		snprintf(buf, len, "%.3f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3f us", (double)ns / 1e3);
	return buf;
}

void progress_poll(struct progress *p, struct kernel *const *ks, uint32_t n)
{
	double now = progress_host_seconds();
	double host = now - p->t0;
	if (p->cfg.tty ? (host < 1.0 || now - p->last < 0.5) : now - p->last < p->cfg.every_s)
		return;
	p->last = now;
	uint64_t retired = 0, alive = 0, vms = 0;
	for (uint32_t m = 0; m < n; m++) {
		const struct kernel *k = ks[m];
		alive += k->live;
		vms += k->cfg.nvms;
		for (uint32_t i = 0; i < k->cfg.nvms; i++)
			retired += k->vms[i].cpu.retired;
	}
	const struct kernel *k0 = ks[0];
	uint64_t ns = kernel_cycles_to_ns(&k0->cfg, k0->now);
	char a[32], b[32], left[64] = "", frac[64] = "";
	if (p->cfg.max_cycles) {
		uint64_t max_ns = kernel_cycles_to_ns(&k0->cfg, p->cfg.max_cycles);
		double done = max_ns ? (double)ns / (double)max_ns : 0;
		snprintf(frac, sizeof frac, " of %s (%u%%)", fmt_ns(max_ns, b, sizeof b),
			 (unsigned)(done < 1 ? done * 100 : 100));
		if (done > 0.001)
			snprintf(left, sizeof left, ", about %llu s left",
				 (unsigned long long)(host / done - host + 0.5));
	}
	FILE *f = p->cfg.f;
	fprintf(f, "%sdenali: %s simulated%s, %.1f s host, %.0f guest MIPS, %" PRIu64 " of %" PRIu64 " VMs alive%s%s", p->cfg.tty ? "\r" : "", fmt_ns(ns, a, sizeof a), frac,
		host, host > 0 ? (double)retired / host / 1e6 : 0.0, alive, vms, left,
		p->cfg.tty ? "\033[K" : "\n");
	fflush(f);
	p->shown = p->cfg.tty;
}

void progress_clear(struct progress *p)
{
	if (p && p->shown) {
		fprintf(p->cfg.f, "\r\033[K");
		fflush(p->cfg.f);
		p->shown = false;
	}
}
