// SPDX-License-Identifier: MIT
// `denali run`: load one image, run N VMs of it on one simulated machine, report.
// With --client, machines.c runs several machines instead and uses the helpers here
// (run.h) for each machine's part of the report.
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
#include "devopts.h"
#include "machines.h"
#include "profile_out.h"
#include "results_out.h"
#include "run.h"
#include "denali/abi.h"
#include "vmm/digest.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: denali run --image FILE.elf [options]\n"
		"Runs N copies of a guest image on one simulated Denali machine (and\n"
		"client machines linked to it, with --client: docs/machines.md).\n"
		"\n"
		"  --image FILE     ELF32 i386 static executable to run (required)\n"
		"  --vms N          number of VMs, 1..1000000 (default 1)\n"
		"  --mem SIZE       guest memory per VM, 64K..3G, a multiple of 4K;\n"
		"                   suffixes K, M, G (binary) (default 4M)\n"
		"  --max-time T     stop after T of simulated time: ns, us, ms or s,\n"
		"                   e.g. 10ms or 1.5s (default: until every VM ends)\n"
		"  --quantum T      scheduler time slice (default 10us)\n"
		"  --phys-mem SIZE  modelled physical memory, 1M..1T, a multiple of 4K\n"
		"                   (default 1G; docs/memory.md)\n"
		"  --swap-block SIZE  swap transfer block: a power of two, 4K..1M\n"
		"                   (default 32K)\n"
		"  --console N      print the console output of the first N VMs\n"
		"                   (default: all when N <= 4, none otherwise)\n"
		"  --quiet          print only the digest line\n"
		"  --results DIR    write DIR/summary.json after a successful run\n"
		"  --profile FILE   sample the guest code of machine 0: the EIP every\n"
		"                   --profile-interval cycles a VM executes (default 10007);\n"
		"                   the run is otherwise identical (scripts/profile-report)\n"
		"  --intr POLICY    interrupt delivery: batched (default), sync,\n"
		"                   coalesce:N:T or adaptive:N:T (e.g. coalesce:8:50us)\n"
		"  --intr-group FIRST-LAST=POLICY\n"
		"                   policy for VMs FIRST..LAST (repeatable, later wins)\n"
		"  --sched rr|stride  scheduler (default rr)\n"
		"  --tickets FIRST-LAST=N  stride tickets of VMs FIRST..LAST (default 100)\n"
		"  --ctx-base T     context-switch cost (default 1.4us)\n"
		"  --ctx-page T     cache refill per page touched in a slice (default 100ns)\n"
		"  --ctx-free-pages N  pages a slice touches for free (default 4)\n"
		"  --ctx-cap-same T    refill cap, same VM again (default 2.5us)\n"
		"  --ctx-cap-other T   refill cap, another VM (default 7.6us)\n"
		"  --intr-cost T    cost of one interrupt or exception upcall (default 1000 cycles)\n"
		"  -h, --help       show this help\n"
		"\n");
	devopts_usage(f);
	machines_usage(f);
	fprintf(f,
		"\n"
		"Model: 1.7 GHz CPU, 1.4 us context switch, 2000 cycles per PIO.\n"
		"Memory: 1 GiB, 8,472 B kernel metadata per VM, swap disk 8.5 ms seek,\n"
		"4.17 ms rotation, 40 MB/s (docs/memory.md).\n"
		"Exit status: 0 all VMs terminated with code 0; 1 some VM exited nonzero,\n"
		"was killed, hung, or was stopped by --max-time; 2 bad input. With --client:\n"
		"0 when every client VM exited 0 and no VM anywhere was killed.\n");
}


// Parses "FIRST-LAST=REST" (VM ids). Returns REST, or NULL with why set.
static const char *parse_range(const char *val, uint32_t *first, uint32_t *last, char *why,
			       size_t whylen)
{
	char *end;
	if (*val < '0' || *val > '9')
		goto bad;
	unsigned long a = strtoul(val, &end, 10);
	if (*end != '-' || end[1] < '0' || end[1] > '9')
		goto bad;
	unsigned long b = strtoul(end + 1, &end, 10);
	if (*end != '=' || a > b || b >= MAX_VMS)
		goto bad;
	*first = (uint32_t)a;
	*last = (uint32_t)b;
	return end + 1;
bad:
	snprintf(why, whylen, "expected FIRST-LAST=VALUE with VM ids FIRST <= LAST < %u",
		 MAX_VMS);
	return NULL;
}

// The interrupt, scheduler and context-switch flags, into ks (cycles at ks->cpu_khz).
// Returns 0, or -1 with why set. Flags it does not know are not passed here.
static int parse_sched_opt(const char *flag, const char *val, struct kernel_config *ks,
			   char *why, size_t whylen)
{
	uint64_t v;
	if (!strcmp(flag, "--intr"))
		return intr_policy_parse(val, &ks->intr, why, whylen);
	if (!strcmp(flag, "--intr-group")) {
		if (ks->n_intr_groups == KERNEL_MAX_GROUPS) {
			snprintf(why, whylen, "at most %u groups", KERNEL_MAX_GROUPS);
			return -1;
		}
		struct kernel_intr_group *g = &ks->intr_groups[ks->n_intr_groups];
		const char *pol = parse_range(val, &g->first, &g->last, why, whylen);
		if (!pol || intr_policy_parse(pol, &g->policy, why, whylen) != 0)
			return -1;
		ks->n_intr_groups++;
		return 0;
	}
	if (!strcmp(flag, "--sched")) {
		enum sched_kind kind;
		if (sched_parse(val, &kind) != 0) {
			snprintf(why, whylen, "unknown scheduler (rr or stride)");
			return -1;
		}
		ks->sched = (uint8_t)kind;
		return 0;
	}
	if (!strcmp(flag, "--tickets")) {
		if (ks->n_ticket_groups == KERNEL_MAX_GROUPS) {
			snprintf(why, whylen, "at most %u groups", KERNEL_MAX_GROUPS);
			return -1;
		}
		struct kernel_ticket_group *g = &ks->ticket_groups[ks->n_ticket_groups];
		const char *n = parse_range(val, &g->first, &g->last, why, whylen);
		if (!n || args_count(n, 1, 1000000, &v, why, whylen) != 0)
			return -1;
		g->tickets = (uint32_t)v;
		ks->n_ticket_groups++;
		return 0;
	}
	if (!strcmp(flag, "--ctx-free-pages")) {
		if (args_count(val, 0, 1000000, &v, why, whylen) != 0)
			return -1;
		ks->ctx_free_pages = (uint32_t)v;
		return 0;
	}
	// The rest are times, 0 .. 1 s.
	if (args_time(val, 0, 1000000000, &v, why, whylen) != 0)
		return -1;
	uint64_t cyc = kernel_ns_to_cycles(ks, v);
	if (!strcmp(flag, "--ctx-base"))
		ks->ctx_switch_cycles = cyc;
	else if (!strcmp(flag, "--ctx-page"))
		ks->ctx_page_cycles = cyc;
	else if (!strcmp(flag, "--ctx-cap-same"))
		ks->ctx_cap_same_cycles = cyc;
	else if (!strcmp(flag, "--ctx-cap-other"))
		ks->ctx_cap_other_cycles = cyc;
	else if (!strcmp(flag, "--intr-cost"))
		ks->intr_cycles = cyc;
	return 0;
}

// Copies the interrupt, scheduler and context-switch settings into cfg.
static void apply_sched_opts(const struct run_opts *o, struct kernel_config *cfg)
{
	const struct kernel_config *ks = &o->ks;
	cfg->intr = ks->intr;
	memcpy(cfg->intr_groups, ks->intr_groups, sizeof cfg->intr_groups);
	cfg->n_intr_groups = ks->n_intr_groups;
	cfg->sched = ks->sched;
	memcpy(cfg->ticket_groups, ks->ticket_groups, sizeof cfg->ticket_groups);
	cfg->n_ticket_groups = ks->n_ticket_groups;
	cfg->ctx_switch_cycles = ks->ctx_switch_cycles;
	cfg->ctx_page_cycles = ks->ctx_page_cycles;
	cfg->ctx_free_pages = ks->ctx_free_pages;
	cfg->ctx_cap_same_cycles = ks->ctx_cap_same_cycles;
	cfg->ctx_cap_other_cycles = ks->ctx_cap_other_cycles;
	cfg->intr_cycles = ks->intr_cycles;
}

// Parses argv into *o. Returns 0, 1 after --help (exit 0), or 2 after an error line.
static int parse(int argc, char **argv, struct run_opts *o)
{
	*o = (struct run_opts){ .nvms = 1, .mem_size = DENALI_MEM_DEFAULT, .profile_interval = 10007,
				.quantum_ns = 10000, .phys_mem = PM_PHYS_DEFAULT,
				.swap_block = PM_BLOCK_DEFAULT, .console_vms = -1 };
	kernel_config_default(&o->ks);
	devopts_init(&o->dev);
	machines_init(&o->mach);
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
		int dr = devopts_parse(argc, argv, &i, &o->dev);
		if (dr == 1)
			continue;
		if (dr == 2)
			return 2;
		int mr = machines_parse(argc, argv, &i, &o->mach);
		if (mr == 1)
			continue;
		if (mr == 2)
			return 2;
		// Flags with a value: "--flag VALUE" or "--flag=VALUE".
		static const char *const valued[] = { "--image", "--vms", "--mem", "--max-time",
						      "--quantum", "--console", "--results",
						      "--profile", "--profile-interval",
						      "--phys-mem", "--swap-block",
						      "--intr", "--intr-group", "--sched", "--tickets",
						      "--ctx-base", "--ctx-page", "--ctx-free-pages",
						      "--ctx-cap-same", "--ctx-cap-other", "--intr-cost" };
		const char *flag = NULL, *val = NULL;
		if (args_valued(argc, argv, &i, valued, sizeof valued / sizeof valued[0], &flag,
				&val) == 2)
			return 2;
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
				return args_bad(flag, "''", "empty file name");
			o->image = val;
		} else if (!strcmp(flag, "--vms")) {
			if (args_count(val, 1, MAX_VMS, &v, why, sizeof why))
				return args_bad(flag, val, why);
			o->nvms = (uint32_t)v;
		} else if (!strcmp(flag, "--mem")) {
			if (args_size(val, 4096, DENALI_MEM_MIN, DENALI_MEM_MAX, &v, why, sizeof why))
				return args_bad(flag, val, why);
			o->mem_size = (uint32_t)v;
		} else if (!strcmp(flag, "--max-time")) {
			if (args_time(val, 1, UINT64_MAX / 2, &v, why, sizeof why))
				return args_bad(flag, val, why);
			o->max_time_ns = v;
		} else if (!strcmp(flag, "--quantum")) {
			// 10 ns .. 1 s: below that a slice holds no instruction.
			if (args_time(val, 10, 1000000000, &v, why, sizeof why))
				return args_bad(flag, val, why);
			o->quantum_ns = v;
		} else if (!strcmp(flag, "--phys-mem")) {
			if (args_size(val, 4096, 1u << 20, 1ull << 40, &v, why, sizeof why))
				return args_bad(flag, val, why);
			o->phys_mem = v;
		} else if (!strcmp(flag, "--swap-block")) {
			if (args_size(val, 4096, PM_BLOCK_MIN, PM_BLOCK_MAX, &v, why, sizeof why))
				return args_bad(flag, val, why);
			if (v & (v - 1))
				return args_bad(flag, val, "must be a power of two (4K, 8K, ..., 1M)");
			o->swap_block = (uint32_t)v;
		} else if (!strcmp(flag, "--console")) {
			if (args_count(val, 0, MAX_VMS, &v, why, sizeof why))
				return args_bad(flag, val, why);
			o->console_vms = (int64_t)v;
		} else if (!strcmp(flag, "--results")) {
			if (!*val)
				return args_bad(flag, "''", "empty directory name");
			o->results = val;
		} else if (!strcmp(flag, "--profile")) {
			if (!*val)
				return args_bad(flag, "''", "empty file name");
			o->profile = val;
		} else if (!strcmp(flag, "--profile-interval")) {
			if (args_count(val, 1, 1000000000, &v, why, sizeof why))
				return args_bad(flag, val, why);
			o->profile_interval = v;
		} else if (parse_sched_opt(flag, val, &o->ks, why, sizeof why) != 0) {
			return args_bad(flag, val, why);
		}
	}
	if (!o->image) {
		fprintf(stderr, "denali run: --image FILE is required (see denali run --help)\n");
		return 2;
	}
	return 0;
}

// The name of VM id in console prefixes and status lines: "vm 3", or "m1 vm 3" on a
// client machine.
static const char *vm_name(uint32_t machine, uint32_t id, char *buf, size_t len)
{
	if (machine)
		snprintf(buf, len, "m%u vm %u", machine, id);
	else
		snprintf(buf, len, "vm %u", id);
	return buf;
}

void run_print_console(const struct vm *vm, uint32_t machine)
{
	char name[48];
	vm_name(machine, vm->id, name, sizeof name);
	bool bol = true;
	for (uint32_t i = 0; i < vm->console_len; i++) {
		if (bol)
			printf("[%s] ", name);
		putchar(vm->console[i]);
		bol = vm->console[i] == '\n';
	}
	if (!bol)
		putchar('\n');
	if (vm->console_total > vm->console_len)
		printf("[%s] ... %llu more console bytes not kept\n", name,
		       (unsigned long long)(vm->console_total - vm->console_len));
}

void run_status_line(const struct vm *vm, uint32_t machine)
{
	char n[32], name[48];
	printf("%s: %s", vm_name(machine, vm->id, name, sizeof name), vm_state_name(vm->state));
	if (vm->state == VM_TERMINATED)
		printf(", exit code %u", vm->exit_code);
	printf(", %s instructions\n", args_fmt_count(vm->cpu.retired, n, sizeof n));
}

double run_host_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *run_end_name(enum kernel_end e)
{
	switch (e) {
	case KERNEL_END_ALL_DONE: return "all VMs ended";
	case KERNEL_END_MAX_TIME: return "max time reached";
	case KERNEL_END_DEADLOCK: return "deadlock: every live VM idle with nothing to wake it";
	case KERNEL_END_CLIENTS_DONE: return "every client VM ended";
	}
	return "?";
}

// Interrupt, exception and context-switch statistics (issue #4), when there are any.
static void intr_summary(const struct kernel *k)
{
	const struct kernel_stats *s = &k->stats;
	char a[48], b[48], pol[64];
	intr_policy_format(&k->cfg.intr, pol, sizeof pol);
	printf("  scheduler           %s, interrupts %s%s\n", sched_name(k->cfg.sched), pol,
	       k->cfg.n_intr_groups ? " (and per-group policies)" : "");
	if (s->ctx_switches)
		printf("  ctx switch cost     %.2f us mean (%.2f us of it cache refill)\n",
		       (double)s->ctx_switch_cycles / (double)s->ctx_switches * 1000.0 /
		       (double)k->cfg.cpu_khz,
		       (double)s->ctx_refill_cycles / (double)s->ctx_switches * 1000.0 /
		       (double)k->cfg.cpu_khz);
	if (!s->irqs_raised && !s->exc_delivered)
		return;
	printf("  interrupts          %s raised, %s delivered in %s upcalls (%.2f per upcall)\n",
	       args_fmt_count(s->irqs_raised, a, sizeof a),
	       args_fmt_count(s->irqs_delivered, b, sizeof b),
	       args_fmt_count(s->intr_deliveries, pol, sizeof pol),
	       s->intr_deliveries ? (double)s->irqs_delivered / (double)s->intr_deliveries : 0.0);
	const struct hist *h = &s->latency_ns;
	if (h->n)
		printf("  delivery latency    min %llu ns, median %llu ns, p99 %llu ns, max %llu ns\n",
		       (unsigned long long)h->min,
		       (unsigned long long)hist_quantile(h, 500),
		       (unsigned long long)hist_quantile(h, 990),
		       (unsigned long long)h->max);
	printf("  switches for irqs   %llu (%llu preemptions, %llu idle VMs woken)\n",
	       (unsigned long long)s->irq_switches, (unsigned long long)s->irq_preemptions,
	       (unsigned long long)s->irq_wakes);
	if (s->exc_delivered)
		printf("  exceptions handled  %llu\n", (unsigned long long)s->exc_delivered);
}

// The memory model's lines of the summary (docs/memory.md).
static void memory_summary(const struct kernel *k)
{
	const struct physmem *pm = k->pm;
	if (!pm)
		return;
	char a[48], b[48], c[48];
	printf("  physical memory     %llu MiB in %u KiB swap blocks, peak %.1f MiB used\n",
	       (unsigned long long)(pm->cfg.phys_bytes >> 20), pm->cfg.block_bytes / 1024,
	       (double)pm->stats.peak_used_frames * 4096 / (1024.0 * 1024.0));
	printf("  swapping            %s VMs out, %s blocks in, %s waits\n",
	       args_fmt_count(pm->stats.swap_outs, a, sizeof a),
	       args_fmt_count(pm->stats.blocks_in, b, sizeof b),
	       args_fmt_count(pm->stats.swap_waits, c, sizeof c));
	printf("  swap disk busy      %s\n",
	       args_fmt_ns(kernel_cycles_to_ns(&k->cfg, pm->disk.busy_cycles), a, sizeof a));
}

void run_summary_body(const struct kernel *k, double host_s)
{
	const struct kernel_stats *s = &k->stats;
	char a[48], b[48];
	uint64_t sim_ns = kernel_cycles_to_ns(&k->cfg, k->now);
	printf("  end                 %s\n", run_end_name(k->end));
	printf("  VMs run             %s\n", args_fmt_count(k->cfg.nvms, a, sizeof a));
	printf("  terminated ok       %u\n", s->ok);
	printf("  nonzero exit        %u\n", s->nonzero);
	printf("  killed              %u\n", s->killed);
	printf("  hung                %u\n", s->hung);
	if (s->stopped)
		printf("  stopped (%s)  %u\n", k->end == KERNEL_END_CLIENTS_DONE ? "run over" : "max time",
		       s->stopped);
	printf("  guest instructions  %s\n", args_fmt_count(s->retired, a, sizeof a));
	printf("  context switches    %s\n", args_fmt_count(s->ctx_switches, a, sizeof a));
	printf("  PIOs                %s\n", args_fmt_count(s->pios, a, sizeof a));
	intr_summary(k);
	printf("  simulated time      %s\n", args_fmt_ns(sim_ns, b, sizeof b));
	if (host_s >= 0) {
		printf("  host time           %.3f s (wall clock; the only host-dependent number)\n",
		       host_s);
		printf("  guest MIPS          %.1f (host)\n",
		       host_s > 0 ? (double)s->retired / host_s / 1e6 : 0.0);
	}
	memory_summary(k);
	devopts_summary(k);
	results_out_print(&k->results);
}

static void summary(const struct kernel *k, const struct run_opts *o, double host_s,
		    uint64_t digest)
{
	printf("denali run: %s, %u VMs, %u KiB memory each\n", o->image, k->cfg.nvms,
	       k->cfg.mem_size / 1024);
	run_summary_body(k, host_s);
	printf("  digest              %016llx\n", (unsigned long long)digest);
}

json_object *run_machine_json(const struct kernel *k, const char *image,
			      const struct run_opts *o, uint64_t digest)
{
	const struct kernel_stats *s = &k->stats;
	json_object *j = json_object_new_object();
	char hex[17];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)digest);
	json_object_object_add(j, "image", json_object_new_string(image));
	json_object_object_add(j, "vms", json_object_new_int64(k->cfg.nvms));
	json_object_object_add(j, "mem_size", json_object_new_int64(k->cfg.mem_size));
	json_object_object_add(j, "cpu_khz", json_object_new_int64(k->cfg.cpu_khz));
	json_object_object_add(j, "quantum_cycles", json_object_new_int64((int64_t)k->cfg.quantum_cycles));
	json_object_object_add(j, "ctx_switch_cycles", json_object_new_int64((int64_t)k->cfg.ctx_switch_cycles));
	json_object_object_add(j, "pio_cycles", json_object_new_int64((int64_t)k->cfg.pio_cycles));
	json_object_object_add(j, "max_time_ns", json_object_new_int64((int64_t)o->max_time_ns));
	json_object_object_add(j, "end", json_object_new_string(run_end_name(k->end)));
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
	if (k->pm) {
		const struct physmem *pm = k->pm;
		json_object_object_add(j, "phys_mem", json_object_new_int64((int64_t)pm->cfg.phys_bytes));
		json_object_object_add(j, "swap_block", json_object_new_int64(pm->cfg.block_bytes));
		json_object_object_add(j, "swap_outs", json_object_new_int64((int64_t)pm->stats.swap_outs));
		json_object_object_add(j, "swap_blocks_in", json_object_new_int64((int64_t)pm->stats.blocks_in));
		json_object_object_add(j, "swap_waits", json_object_new_int64((int64_t)pm->stats.swap_waits));
		json_object_object_add(j, "peak_frames", json_object_new_int64((int64_t)pm->stats.peak_used_frames));
	}
	json_object_object_add(j, "digest", json_object_new_string(hex));
	devopts_json(k, j);
	results_out_json(&k->results, j);
	{
		// Interrupts, scheduler and context switches (issue #4).
		char pol[64];
		intr_policy_format(&k->cfg.intr, pol, sizeof pol);
		json_object_object_add(j, "scheduler", json_object_new_string(sched_name(k->cfg.sched)));
		json_object_object_add(j, "intr_policy", json_object_new_string(pol));
		json_object *groups = json_object_new_array();
		for (uint32_t g = 0; g < k->cfg.n_intr_groups; g++) {
			const struct kernel_intr_group *ig = &k->cfg.intr_groups[g];
			json_object *jg = json_object_new_object();
			intr_policy_format(&ig->policy, pol, sizeof pol);
			json_object_object_add(jg, "first", json_object_new_int64(ig->first));
			json_object_object_add(jg, "last", json_object_new_int64(ig->last));
			json_object_object_add(jg, "policy", json_object_new_string(pol));
			json_object_array_add(groups, jg);
		}
		json_object_object_add(j, "intr_groups", groups);
		json_object_object_add(j, "ctx_switch_cycles_total", json_object_new_int64((int64_t)s->ctx_switch_cycles));
		json_object_object_add(j, "ctx_refill_cycles_total", json_object_new_int64((int64_t)s->ctx_refill_cycles));
		json_object *ji = json_object_new_object();
		json_object_object_add(ji, "raised", json_object_new_int64((int64_t)s->irqs_raised));
		json_object_object_add(ji, "delivered", json_object_new_int64((int64_t)s->irqs_delivered));
		json_object_object_add(ji, "upcalls", json_object_new_int64((int64_t)s->intr_deliveries));
		json_object_object_add(ji, "per_upcall", json_object_new_double(
			s->intr_deliveries ? (double)s->irqs_delivered / (double)s->intr_deliveries : 0.0));
		json_object_object_add(ji, "idle_wakes", json_object_new_int64((int64_t)s->irq_wakes));
		json_object_object_add(ji, "switches", json_object_new_int64((int64_t)s->irq_switches));
		json_object_object_add(ji, "preemptions", json_object_new_int64((int64_t)s->irq_preemptions));
		json_object_object_add(ji, "exceptions_handled", json_object_new_int64((int64_t)s->exc_delivered));
		json_object_object_add(ji, "timer_arms", json_object_new_int64((int64_t)s->timer_arms));
		const struct hist *h = &s->latency_ns;
		json_object *jl = json_object_new_object();
		json_object_object_add(jl, "count", json_object_new_int64((int64_t)h->n));
		json_object_object_add(jl, "min", json_object_new_int64((int64_t)h->min));
		json_object_object_add(jl, "median", json_object_new_int64((int64_t)hist_quantile(h, 500)));
		json_object_object_add(jl, "p99", json_object_new_int64((int64_t)hist_quantile(h, 990)));
		json_object_object_add(jl, "max", json_object_new_int64((int64_t)h->max));
		// The histogram: [bucket lower bound in ns, count] for every non-empty bucket.
		json_object_object_add(jl, "histogram", results_out_buckets(h));
		json_object_object_add(ji, "latency_ns", jl);
		json_object_object_add(j, "interrupts", ji);
	}
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
	return j;
}

int run_write_json(const struct run_opts *o, json_object *j)
{
	if (mkdir(o->results, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "denali run: --results %s: cannot create: %s\n", o->results,
			strerror(errno));
		json_object_put(j);
		return 2;
	}
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

void run_kernel_config(const struct run_opts *o, struct kernel_config *cfg)
{
	kernel_config_default(cfg);
	cfg->nvms = o->nvms;
	cfg->mem_size = o->mem_size;
	cfg->quantum_cycles = kernel_ns_to_cycles(cfg, o->quantum_ns);
	cfg->max_time_cycles = o->max_time_ns ? kernel_ns_to_cycles(cfg, o->max_time_ns) : 0;
	cfg->pm.phys_bytes = o->phys_mem;
	cfg->pm.block_bytes = o->swap_block;
	cfg->profile_interval_cycles = o->profile ? o->profile_interval : 0;
	apply_sched_opts(o, cfg);
}

void run_diagnostics(const struct kernel *k)
{
	// Guest diagnostics: one line each on stderr, at most 20.
	uint32_t killed = 0;
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		if (vm->state == VM_KILLED && ++killed <= 20)
			fprintf(stderr, "%s\n", vm->diag ? vm->diag : "vm: killed");
	}
	if (killed > 20)
		fprintf(stderr, "... %u more VMs killed\n", killed - 20);
	if (k->host_oom)
		fprintf(stderr, "denali run: warning: the host ran out of memory during the run\n");
}

int cli_run(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (machines_check(&o.mach, &o.dev) != 0)
		return 2;
	if (o.mach.nclients)
		return machines_run(&o);
	struct kernel_config cfg;
	run_kernel_config(&o, &cfg);
	machines_apply(&o.mach, &cfg, &o.dev);

	char err[512];
	struct image *img;
	if (image_load(o.image, o.mem_size, &img, err, sizeof err) != 0) {
		fprintf(stderr, "denali run: %s\n", err);
		return 2;
	}
	if (o.profile && profile_out_check(o.profile) != 0) {
		image_free(img);
		return 2;
	}
	struct kernel *k;
	if (kernel_new(&k, &cfg, img, err, sizeof err) != 0) {
		fprintf(stderr, "denali run: %s\n", err);
		image_free(img);
		return 2;
	}
	if (devopts_attach(k, &o.dev) != 0) {
		kernel_free(k);
		image_free(img);
		return 2;
	}
	double t0 = run_host_seconds();
	kernel_run(k);
	double host_s = run_host_seconds() - t0;
	uint64_t digest = kernel_digest(k);
	run_diagnostics(k);

	uint64_t nconsole = o.console_vms >= 0 ? (uint64_t)o.console_vms
			    : cfg.nvms <= SMALL_RUN ? cfg.nvms : 0;
	if (nconsole > cfg.nvms)
		nconsole = cfg.nvms;
	if (o.quiet) {
		printf("digest %016llx\n", (unsigned long long)digest);
	} else {
		for (uint32_t i = 0; i < nconsole; i++)
			run_print_console(&k->vms[i], 0);
		if (cfg.nvms <= SMALL_RUN) {
			for (uint32_t i = 0; i < cfg.nvms; i++)
				run_status_line(&k->vms[i], 0);
			char b[48];
			if (k->stats.irqs_raised || k->stats.exc_delivered)
				intr_summary(k);
			devopts_summary(k);
			results_out_print(&k->results);
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
	if (o.results && run_write_json(&o, run_machine_json(k, o.image, &o, digest)) != 0)
		rc = 2;
	if (o.profile && profile_out_write(k, o.image, o.profile) != 0)
		rc = 2;
	if (devopts_detach(k) != 0)
		rc = 2;
	kernel_free(k);
	image_free(img);
	return rc;
}
