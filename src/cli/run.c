// SPDX-License-Identifier: MIT
// `denali run`: load one image, run N VMs of it on one simulated machine, report.
// Output: for N <= 4 each VM's console (lines prefixed "[vm N] ") and one status line
// per VM; for larger N a summary table. Both end with the results digest. Guest kill
// diagnostics go to stderr. The host wall-clock time appears only in the summary's
// "host time" line; it never reaches the digest or summary.json.
// Exit status: 0 every VM terminated with exit code 0; 1 any VM exited nonzero, was
// killed, hung or was stopped by --max-time; 2 bad input (one line on stderr, no files).
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "args.h"
#include "cli.h"
#include "denali/abi.h"
#include "vmm/digest.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

#define MAX_VMS 1000000u
#define SMALL_RUN 4 // up to this many VMs, print every console

struct run_opts {
	const char *image;
	uint32_t nvms;
	uint32_t mem_size;
	uint64_t max_time_ns;
	uint64_t quantum_ns;
	bool quiet;
	int64_t console_vms; // -1: default
	const char *results;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: denali run --image FILE.elf [options]\n"
		"Runs N copies of a guest image on one simulated Denali machine.\n"
		"\n"
		"  --image FILE     ELF32 i386 static executable to run (required)\n"
		"  --vms N          number of VMs, 1..1000000 (default 1)\n"
		"  --mem SIZE       guest memory per VM, 64K..3G, a multiple of 4K;\n"
		"                   suffixes K, M, G (binary) (default 4M)\n"
		"  --max-time T     stop after T of simulated time: ns, us, ms or s,\n"
		"                   e.g. 10ms or 1.5s (default: until every VM ends)\n"
		"  --quantum T      scheduler time slice (default 10us)\n"
		"  --console N      print the console output of the first N VMs\n"
		"                   (default: all when N <= 4, none otherwise)\n"
		"  --quiet          print only the digest line\n"
		"  --results DIR    write DIR/summary.json after a successful run\n"
		"  -h, --help       show this help\n"
		"\n"
		"Model: 1.7 GHz CPU, 1.4 us context switch, 2000 cycles per PIO.\n"
		"Exit status: 0 all VMs terminated with code 0; 1 some VM exited nonzero,\n"
		"was killed, hung, or was stopped by --max-time; 2 bad input.\n");
}

static int bad(const char *flag, const char *val, const char *why)
{
	fprintf(stderr, "denali run: %s %s: %s\n", flag, val, why);
	return 2;
}

// Parses argv into *o. Returns 0, 1 after --help (exit 0), or 2 after an error line.
static int parse(int argc, char **argv, struct run_opts *o)
{
	*o = (struct run_opts){ .nvms = 1, .mem_size = DENALI_MEM_DEFAULT,
				.quantum_ns = 10000, .console_vms = -1 };
	char why[160];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		}
		if (!strcmp(a, "--quiet")) {
			o->quiet = true;
			continue;
		}
		// Flags with a value: "--flag VALUE" or "--flag=VALUE".
		static const char *const valued[] = { "--image", "--vms", "--mem", "--max-time",
						      "--quantum", "--console", "--results" };
		const char *flag = NULL, *val = NULL;
		for (size_t f = 0; f < sizeof valued / sizeof valued[0]; f++) {
			size_t n = strlen(valued[f]);
			if (!strncmp(a, valued[f], n) && (a[n] == '\0' || a[n] == '=')) {
				flag = valued[f];
				if (a[n] == '=')
					val = a + n + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else {
					fprintf(stderr, "denali run: %s needs a value\n", flag);
					return 2;
				}
			}
		}
		if (!flag) {
			if (a[0] == '-')
				fprintf(stderr, "denali run: unknown option '%s' (see denali run --help)\n",
					a);
			else
				fprintf(stderr, "denali run: unexpected argument '%s' (the image "
					"goes after --image)\n", a);
			return 2;
		}
		uint64_t v;
		if (!strcmp(flag, "--image")) {
			if (!*val)
				return bad(flag, "''", "empty file name");
			o->image = val;
		} else if (!strcmp(flag, "--vms")) {
			if (args_count(val, 1, MAX_VMS, &v, why, sizeof why))
				return bad(flag, val, why);
			o->nvms = (uint32_t)v;
		} else if (!strcmp(flag, "--mem")) {
			if (args_size(val, 4096, DENALI_MEM_MIN, DENALI_MEM_MAX, &v, why, sizeof why))
				return bad(flag, val, why);
			o->mem_size = (uint32_t)v;
		} else if (!strcmp(flag, "--max-time")) {
			if (args_time(val, 1, UINT64_MAX / 2, &v, why, sizeof why))
				return bad(flag, val, why);
			o->max_time_ns = v;
		} else if (!strcmp(flag, "--quantum")) {
			// 10 ns .. 1 s: below that a slice holds no instruction.
			if (args_time(val, 10, 1000000000, &v, why, sizeof why))
				return bad(flag, val, why);
			o->quantum_ns = v;
		} else if (!strcmp(flag, "--console")) {
			if (args_count(val, 0, MAX_VMS, &v, why, sizeof why))
				return bad(flag, val, why);
			o->console_vms = (int64_t)v;
		} else if (!strcmp(flag, "--results")) {
			if (!*val)
				return bad(flag, "''", "empty directory name");
			o->results = val;
		}
	}
	if (!o->image) {
		fprintf(stderr, "denali run: --image FILE is required (see denali run --help)\n");
		return 2;
	}
	return 0;
}

// Prints one VM's console, each line prefixed with the VM id.
static void print_console(const struct vm *vm)
{
	bool bol = true;
	for (uint32_t i = 0; i < vm->console_len; i++) {
		if (bol)
			printf("[vm %u] ", vm->id);
		putchar(vm->console[i]);
		bol = vm->console[i] == '\n';
	}
	if (!bol)
		putchar('\n');
	if (vm->console_total > vm->console_len)
		printf("[vm %u] ... %llu more console bytes not kept\n", vm->id,
		       (unsigned long long)(vm->console_total - vm->console_len));
}

static void status_line(const struct vm *vm)
{
	char n[32];
	printf("vm %u: %s", vm->id, vm_state_name(vm->state));
	if (vm->state == VM_TERMINATED)
		printf(", exit code %u", vm->exit_code);
	printf(", %s instructions\n", args_fmt_count(vm->cpu.retired, n, sizeof n));
}

static double host_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *end_name(enum kernel_end e)
{
	switch (e) {
	case KERNEL_END_ALL_DONE: return "all VMs ended";
	case KERNEL_END_MAX_TIME: return "max time reached";
	case KERNEL_END_DEADLOCK: return "deadlock: every live VM idle with nothing to wake it";
	}
	return "?";
}

static void summary(const struct kernel *k, const struct run_opts *o, double host_s,
		    uint64_t digest)
{
	const struct kernel_stats *s = &k->stats;
	char a[48], b[48];
	uint64_t sim_ns = kernel_cycles_to_ns(&k->cfg, k->now);
	printf("denali run: %s, %u VMs, %u KiB memory each\n", o->image, k->cfg.nvms,
	       k->cfg.mem_size / 1024);
	printf("  end                 %s\n", end_name(k->end));
	printf("  VMs run             %s\n", args_fmt_count(k->cfg.nvms, a, sizeof a));
	printf("  terminated ok       %u\n", s->ok);
	printf("  nonzero exit        %u\n", s->nonzero);
	printf("  killed              %u\n", s->killed);
	printf("  hung                %u\n", s->hung);
	if (s->stopped)
		printf("  stopped (max time)  %u\n", s->stopped);
	printf("  guest instructions  %s\n", args_fmt_count(s->retired, a, sizeof a));
	printf("  context switches    %s\n", args_fmt_count(s->ctx_switches, a, sizeof a));
	printf("  PIOs                %s\n", args_fmt_count(s->pios, a, sizeof a));
	printf("  simulated time      %s\n", args_fmt_ns(sim_ns, b, sizeof b));
	printf("  host time           %.3f s (wall clock; the only host-dependent number)\n",
	       host_s);
	printf("  guest MIPS          %.1f (host)\n",
	       host_s > 0 ? (double)s->retired / host_s / 1e6 : 0.0);
	printf("  digest              %016llx\n", (unsigned long long)digest);
}

// Writes DIR/summary.json via a temporary file and rename, so a reader never sees a
// partial file. Returns 0 or 2 (with an error line).
static int write_results(const struct kernel *k, const struct run_opts *o, uint64_t digest)
{
	if (mkdir(o->results, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "denali run: --results %s: cannot create: %s\n", o->results,
			strerror(errno));
		return 2;
	}
	const struct kernel_stats *s = &k->stats;
	json_object *j = json_object_new_object();
	char hex[17];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)digest);
	json_object_object_add(j, "image", json_object_new_string(o->image));
	json_object_object_add(j, "vms", json_object_new_int64(k->cfg.nvms));
	json_object_object_add(j, "mem_size", json_object_new_int64(k->cfg.mem_size));
	json_object_object_add(j, "cpu_khz", json_object_new_int64(k->cfg.cpu_khz));
	json_object_object_add(j, "quantum_cycles", json_object_new_int64((int64_t)k->cfg.quantum_cycles));
	json_object_object_add(j, "ctx_switch_cycles", json_object_new_int64((int64_t)k->cfg.ctx_switch_cycles));
	json_object_object_add(j, "pio_cycles", json_object_new_int64((int64_t)k->cfg.pio_cycles));
	json_object_object_add(j, "max_time_ns", json_object_new_int64((int64_t)o->max_time_ns));
	json_object_object_add(j, "end", json_object_new_string(end_name(k->end)));
	json_object_object_add(j, "terminated_ok", json_object_new_int64(s->ok));
	json_object_object_add(j, "nonzero_exit", json_object_new_int64(s->nonzero));
	json_object_object_add(j, "killed", json_object_new_int64(s->killed));
	json_object_object_add(j, "hung", json_object_new_int64(s->hung));
	json_object_object_add(j, "stopped", json_object_new_int64(s->stopped));
	json_object_object_add(j, "guest_instructions", json_object_new_int64((int64_t)s->retired));
	json_object_object_add(j, "guest_cycles", json_object_new_int64((int64_t)s->guest_cycles));
	json_object_object_add(j, "context_switches", json_object_new_int64((int64_t)s->ctx_switches));
	json_object_object_add(j, "pios", json_object_new_int64((int64_t)s->pios));
	json_object_object_add(j, "simulated_cycles", json_object_new_int64((int64_t)k->now));
	json_object_object_add(j, "simulated_ns",
			       json_object_new_int64((int64_t)kernel_cycles_to_ns(&k->cfg, k->now)));
	json_object_object_add(j, "digest", json_object_new_string(hex));
	json_object *per = json_object_new_array();
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		json_object *v = json_object_new_object();
		json_object_object_add(v, "id", json_object_new_int64(vm->id));
		json_object_object_add(v, "state", json_object_new_string(vm_state_name(vm->state)));
		json_object_object_add(v, "exit_code", json_object_new_int64(vm->exit_code));
		json_object_object_add(v, "instructions", json_object_new_int64((int64_t)vm->cpu.retired));
		json_object_object_add(v, "cycles", json_object_new_int64((int64_t)vm->cpu.cycles));
		json_object_object_add(v, "console_bytes", json_object_new_int64((int64_t)vm->console_total));
		if (vm->diag)
			json_object_object_add(v, "diagnostic", json_object_new_string(vm->diag));
		json_object_array_add(per, v);
	}
	json_object_object_add(j, "per_vm", per);

	size_t dl = strlen(o->results);
	char *tmp = malloc(dl + 32), *fin = malloc(dl + 32);
	int rc = 2;
	if (!tmp || !fin)
		goto out;
	snprintf(tmp, dl + 32, "%s/.summary.json.tmp", o->results);
	snprintf(fin, dl + 32, "%s/summary.json", o->results);
	if (json_object_to_file_ext(tmp, j, JSON_C_TO_STRING_PRETTY) != 0 ||
	    rename(tmp, fin) != 0) {
		fprintf(stderr, "denali run: --results %s: cannot write summary.json: %s\n",
			o->results, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(fin);
	json_object_put(j);
	return rc;
}

int cli_run(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = o.nvms;
	cfg.mem_size = o.mem_size;
	cfg.quantum_cycles = kernel_ns_to_cycles(&cfg, o.quantum_ns);
	cfg.max_time_cycles = o.max_time_ns ? kernel_ns_to_cycles(&cfg, o.max_time_ns) : 0;

	char err[512];
	struct image *img;
	if (image_load(o.image, o.mem_size, &img, err, sizeof err) != 0) {
		fprintf(stderr, "denali run: %s\n", err);
		return 2;
	}
	struct kernel *k;
	if (kernel_new(&k, &cfg, img, err, sizeof err) != 0) {
		fprintf(stderr, "denali run: %s\n", err);
		image_free(img);
		return 2;
	}
	double t0 = host_seconds();
	kernel_run(k);
	double host_s = host_seconds() - t0;
	uint64_t digest = kernel_digest(k);

	// Guest diagnostics: one line each on stderr, at most 20.
	uint32_t killed = 0;
	for (uint32_t i = 0; i < cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		if (vm->state == VM_KILLED && ++killed <= 20)
			fprintf(stderr, "%s\n", vm->diag ? vm->diag : "vm: killed");
	}
	if (killed > 20)
		fprintf(stderr, "... %u more VMs killed\n", killed - 20);
	if (k->host_oom)
		fprintf(stderr, "denali run: warning: the host ran out of memory during the run\n");

	uint64_t nconsole = o.console_vms >= 0 ? (uint64_t)o.console_vms
			    : cfg.nvms <= SMALL_RUN ? cfg.nvms : 0;
	if (nconsole > cfg.nvms)
		nconsole = cfg.nvms;
	if (o.quiet) {
		printf("digest %016llx\n", (unsigned long long)digest);
	} else {
		for (uint32_t i = 0; i < nconsole; i++)
			print_console(&k->vms[i]);
		if (cfg.nvms <= SMALL_RUN) {
			for (uint32_t i = 0; i < cfg.nvms; i++)
				status_line(&k->vms[i]);
			char b[48];
			printf("simulated time %s, digest %016llx\n",
			       args_fmt_ns(kernel_cycles_to_ns(&k->cfg, k->now), b, sizeof b),
			       (unsigned long long)digest);
		} else {
			summary(k, &o, host_s, digest);
		}
	}
	fflush(stdout);
	const struct kernel_stats *s = &k->stats;
	rc = s->ok == cfg.nvms ? 0 : 1;
	if (o.results && write_results(k, &o, digest) != 0)
		rc = 2;
	kernel_free(k);
	image_free(img);
	return rc;
}
