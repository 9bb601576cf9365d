// SPDX-License-Identifier: MIT
// bench/soak: host memory over simulated time in a long web run (issue 10 section 4;
// docs/memory.md "Long runs"). Runs the web experiment in-process (webworld.h: N httpd
// VMs, K httpgen VMs at R requests/s each, Zipf alpha 1) and, every --every of
// simulated time, prints the process's RSS beside the host memory the machines account
// for by kind (hostmem.h). After warm-up (every server has had its first request) the
// curve must be flat: the last line compares the second half of the run with its
// middle. Prints numbers, never asserts; uses the host clock only for "host s".
//   soak [--vms N] [--clients K] [--rate R] [--duration T] [--every T] [--csv FILE]
// Defaults: 1,000 VMs, 4 clients, 250 req/s each, 120 s, a line every 10 s.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmm/hostmem.h"
#include "vmm/results.h"
#include "webworld.h"

struct soak {
	struct webworld ww;
	uint64_t every_ns, next_ns, end_ns;
	FILE *csv;
	double t0;
	long mid_rss, mid_acct;       // at the middle of the load
	uint64_t mid_ns;
	long last_rss, last_acct;
	uint32_t *pages;              // machine 0's VMs: pages written, at the last sample
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

// Which servers wrote new pages since the last sample: their number, the pages, and the
// median Zipf rank (server i has rank i + 1) of those that grew. A leak grows every
// server at a steady rate; a high-water mark (a server meeting more concurrent
// connections than ever before, bounded by httpd's conns= and backlog=) grows ever fewer.
static void growth(struct soak *s, uint32_t *grew, uint32_t *pages, uint32_t *median)
{
	const struct kernel *k = s->ww.k[0];
	uint32_t n = k->cfg.nvms, *ranks = malloc((size_t)n * sizeof *ranks);
	*grew = *pages = *median = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct vm *vm = &k->vms[i];
		uint32_t now = vm->has_mem ? vm->mem.pages_private : 0;
		if (now > s->pages[i] && ranks) {
			ranks[(*grew)++] = i + 1;
			*pages += now - s->pages[i];
		}
		s->pages[i] = now;
	}
	if (*grew && ranks) {
		qsort(ranks, *grew, sizeof *ranks, cmp_u32);
		*median = ranks[*grew / 2];
	}
	free(ranks);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_ns(const char *s, uint64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	double mult = 0;
	if (!strcmp(end, "s"))
		mult = 1e9;
	else if (!strcmp(end, "ms"))
		mult = 1e6;
	else if (!strcmp(end, "us"))
		mult = 1e3;
	if (end == s || mult == 0 || v <= 0 || v * mult > 1e15)
		return -1;
	*out = (uint64_t)(v * mult);
	return 0;
}

static double mib(uint64_t b) { return (double)b / (1024.0 * 1024.0); }

static uint64_t replies(const struct webworld *ww)
{
	if (ww->n < 2)
		return 0;
	const struct results_entry *e = results_find(&ww->k[1]->results, "http.replies");
	return e ? results_sum(e) : 0;
}

static void sample(struct soak *s, const struct world *w, uint64_t t_ns)
{
	struct hostmem hm, all = { 0 };
	for (uint32_t m = 0; m < s->ww.n; m++) {
		kernel_hostmem(s->ww.k[m], &hm);
		for (unsigned i = 0; i < HM_KINDS; i++)
			all.bytes[i] += hm.bytes[i];
		all.events += hm.events;
		all.guest_pages += hm.guest_pages;
	}
	all.bytes[HM_OTHER] += world_host_bytes(w);
	long rss = webworld_rss_kib(NULL);
	uint64_t acct = hostmem_total(&all);
	uint32_t grew, gpages, gmedian;
	growth(s, &grew, &gpages, &gmedian);
	printf("%7.1f %8.1f %8.1f %8.1f %7.1f %7.2f %7.2f %7.2f %7.2f %7.2f %8llu %9llu %5u "
	       "%6u %6u %7.1f\n",
	       t_ns / 1e9, rss / 1024.0, mib(acct), mib(all.bytes[HM_GUEST_PAGES]),
	       mib(all.bytes[HM_POOL_FREE]), mib(all.bytes[HM_PAGE_TABLES]),
	       mib(all.bytes[HM_EVENTS]), mib(all.bytes[HM_NIC_QUEUES] + all.bytes[HM_SWITCH]),
	       mib(all.bytes[HM_DECODE]), mib(all.bytes[HM_CONSOLE]),
	       (unsigned long long)all.events, (unsigned long long)replies(&s->ww), grew,
	       gpages, gmedian, now_s() - s->t0);
	fflush(stdout);
	if (s->csv) {
		fprintf(s->csv, "%.3f,%ld", t_ns / 1e9, rss * 1024);
		for (unsigned i = 0; i < HM_KINDS; i++)
			fprintf(s->csv, ",%llu", (unsigned long long)all.bytes[i]);
		fprintf(s->csv, ",%llu,%llu\n", (unsigned long long)all.events,
			(unsigned long long)replies(&s->ww));
	}
	if (!s->mid_ns && t_ns >= s->end_ns / 2) {
		s->mid_ns = t_ns;
		s->mid_rss = rss;
		s->mid_acct = (long)(acct / 1024);
	}
	s->last_rss = rss;
	s->last_acct = (long)(acct / 1024);
}

static void after_round(void *ctx, const struct world *w, uint64_t horizon_ns)
{
	struct soak *s = ctx;
	while (horizon_ns >= s->next_ns && s->next_ns <= s->end_ns) {
		sample(s, w, s->next_ns);
		s->next_ns += s->every_ns;
	}
}

int main(int argc, char **argv)
{
	struct webworld_opts o;
	webworld_opts_default(&o);
	o.rate = 250;
	o.duration_ns = 120000000000ull;
	uint64_t every = 10000000000ull;
	const char *csv = NULL;
	char build[1024];
	webworld_build_dir(argv[0], build, sizeof build);
	o.build = build;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = !v;
		if (!v)
			;
		else if (!strcmp(a, "--vms"))
			o.vms = (uint32_t)strtoul(v, NULL, 10), bad = !o.vms;
		else if (!strcmp(a, "--clients"))
			o.clients = (uint32_t)strtoul(v, NULL, 10), bad = !o.clients;
		else if (!strcmp(a, "--rate"))
			o.rate = (uint32_t)strtoul(v, NULL, 10), bad = !o.rate;
		else if (!strcmp(a, "--duration"))
			bad = parse_ns(v, &o.duration_ns);
		else if (!strcmp(a, "--every"))
			bad = parse_ns(v, &every);
		else if (!strcmp(a, "--csv"))
			csv = v;
		else if (!strcmp(a, "--build"))
			o.build = v;
		else
			bad = 1;
		if (bad) {
			fprintf(stderr, "usage: soak [--vms N] [--clients K] [--rate R] "
					"[--duration T] [--every T] [--csv FILE] [--build DIR]\n");
			return 2;
		}
		i++;
	}
	struct soak s = { .every_ns = every, .next_ns = every };
	// The load starts after httpgen's 100 ms delay and lasts duration; sample to its end.
	s.end_ns = o.duration_ns + 100000000ull;
	o.after_round = after_round;
	o.ctx = &s;
	if (csv && !(s.csv = fopen(csv, "w"))) {
		perror(csv);
		return 2;
	}
	if (s.csv) {
		fprintf(s.csv, "sim_s,rss_bytes");
		for (unsigned i = 0; i < HM_KINDS; i++)
			fprintf(s.csv, ",%s", hostmem_kind_name(i));
		fprintf(s.csv, ",events,replies\n");
	}
	char err[512];
	s.t0 = now_s();
	if (webworld_new(&s.ww, &o, err, sizeof err) != 0) {
		fprintf(stderr, "soak: %s\n", err);
		return 2;
	}
	s.pages = calloc(s.ww.k[0]->cfg.nvms, sizeof *s.pages);
	if (!s.pages) {
		fprintf(stderr, "soak: out of memory\n");
		return 2;
	}
	printf("soak: %u httpd VMs, %u httpgen VMs x %u req/s, %.0f s simulated; MiB of host "
	       "memory (accounted by kind, hostmem.h)\n",
	       o.vms, o.clients, o.rate,
	       o.duration_ns / 1e9);
	printf("  sim s      RSS  account   guest  poolfr  ptabls  events  nic+sw  decode  "
	       "consol   #events   replies  grew +pages  rank~  host s\n");
	sample(&s, &s.ww.w, 0);
	world_run(&s.ww.w);
	printf("digest %016llx, %llu rounds, %.1f s host\n",
	       (unsigned long long)world_digest(&s.ww.w), (unsigned long long)s.ww.w.rounds,
	       now_s() - s.t0);
	if (s.mid_ns)
		printf("second half (%.0f s -> end): RSS %+.1f MiB (%+.1f%%), accounted %+.1f MiB\n",
		       s.mid_ns / 1e9, (s.last_rss - s.mid_rss) / 1024.0,
		       100.0 * (double)(s.last_rss - s.mid_rss) / (double)s.mid_rss,
		       (s.last_acct - s.mid_acct) / 1024.0);
	if (s.csv)
		fclose(s.csv);
	webworld_free(&s.ww);
	free(s.pages);
	return 0;
}
