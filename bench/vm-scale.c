// SPDX-License-Identifier: MIT
// bench/vm-scale: host cost of many VMs (issue #4). Prints, never asserts:
//   - host memory per idle VM: peak RSS growth / N for N idle VMs (synth_idle: writes
//     one data page, then idles with a long timeout), each N in a fresh child process;
//     "beyond touched" subtracts the 2 pages each VM touches (vregs + data page)
//   - VM creation rate: VMs per host second for kernel_new, and for kernel_new plus
//     every VM's first dispatch (memory set up, one slice run)
//   - host time per simulated context switch: N VMs that idle with a zero timeout in a
//     loop, host time / switches
// Usage: vm-scale [N ...]  (default 1000 10000 100000). Uses the host clock: a bench.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "synth.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

#define MEM (4u << 20)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static int idle_vms(uint32_t n)
{
	char err[256];
	struct image *img;
	if (synth_idle(&img, MEM, 10000000000ull, err, sizeof err) != 0) {
		fprintf(stderr, "vm-scale: %s\n", err);
		return 1;
	}
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = n;
	cfg.mem_size = MEM;
	cfg.pm.phys_bytes = 64ull << 30; // everything resident: measure the host side
	cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, 2000000000ull);
	long base = rss_kib();
	double t0 = now_s();
	struct kernel *k;
	if (kernel_new(&k, &cfg, img, err, sizeof err) != 0) {
		fprintf(stderr, "vm-scale: %s\n", err);
		return 1;
	}
	double t1 = now_s();
	kernel_run(k);
	double t2 = now_s();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double per = (double)(ru.ru_maxrss - base) * 1024.0 / n;
	printf("%8u idle VMs: %8.0f B host memory each (%6.0f B beyond the 2 touched pages); "
	       "create %9.0f VMs/s, create+boot %9.0f VMs/s; struct vm %zu B\n",
	       n, per, per - 8192.0, n / (t1 - t0), n / (t2 - t0), sizeof(struct vm));
	kernel_free(k);
	image_free(img);
	return 0;
}

static int switches(uint32_t n)
{
	char err[256];
	struct image *img;
	if (synth_yield(&img, MEM, err, sizeof err) != 0) {
		fprintf(stderr, "vm-scale: %s\n", err);
		return 1;
	}
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = n;
	cfg.mem_size = MEM;
	cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, 500000000ull);
	struct kernel *k;
	if (kernel_new(&k, &cfg, img, err, sizeof err) != 0) {
		fprintf(stderr, "vm-scale: %s\n", err);
		return 1;
	}
	double t0 = now_s();
	kernel_run(k);
	double t = now_s() - t0;
	printf("%8u yielding VMs: %llu context switches in %.3f s host: %.0f ns per switch\n", n,
	       (unsigned long long)k->stats.ctx_switches, t,
	       t * 1e9 / (double)(k->stats.ctx_switches ? k->stats.ctx_switches : 1));
	kernel_free(k);
	image_free(img);
	return 0;
}

// Runs f(n) in a child so each measurement starts from a fresh heap.
static void in_child(int (*f)(uint32_t), uint32_t n)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		int rc = f(n);
		fflush(stdout);
		_exit(rc);
	}
	int st;
	if (p > 0)
		waitpid(p, &st, 0);
}

int main(int argc, char **argv)
{
	uint32_t ns[16] = { 1000, 10000, 100000 };
	int nn = 3;
	if (argc > 1) {
		nn = 0;
		for (int i = 1; i < argc && nn < 16; i++)
			ns[nn++] = (uint32_t)strtoul(argv[i], NULL, 10);
	}
	for (int i = 0; i < nn; i++)
		in_child(idle_vms, ns[i]);
	for (int i = 0; i < nn; i++)
		in_child(switches, ns[i]);
	return 0;
}
