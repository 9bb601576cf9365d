// SPDX-License-Identifier: MIT
// `denali run`'s own flags (opts.h): --help text, parsing into struct run_opts, and the
// kernel configuration they give. Device flags are parsed by devopts.c and the
// several-machine flags by machopts.c; this file tries those first.
#include "opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "denali/abi.h"
#include "gdb/server.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: denali run --image FILE.elf [options]\n"
		"       denali run EXPERIMENT.cfg [options]   (docs/experiments.md)\n"
		"Runs N copies of a guest image on one simulated Denali machine (and\n"
		"client machines linked to it, with --client: docs/machines.md).\n"
		"\n"
		"  --image FILE     ELF32 i386 static executable to run (required; more\n"
		"                   images on the same machine: --group)\n"
		"  --vms N          number of VMs, 1..1000000 (default 1); each VM's\n"
		"                   8,472 B of kernel metadata is in --phys-mem (more than\n"
		"                   about 120,000 VMs need a larger one)\n"
		"  --mem SIZE       guest memory per VM, 64K..3G, a multiple of 4K;\n"
		"                   suffixes K, M, G (binary) (default 4M); one whole VM\n"
		"                   must fit in --phys-mem (above about 1000M, raise it)\n"
		"  --max-time T     stop after T of simulated time: ns, us, ms or s,\n"
		"                   e.g. 10ms or 1.5s (default: until every VM ends)\n"
		"  --quantum T      scheduler time slice, 10ns..1s (default 10us)\n"
		"  --phys-mem SIZE  modelled physical memory, 1M..1T, a multiple of 4K;\n"
		"                   suffixes K, M, G, T (default 1G; docs/memory.md)\n"
		"  --swap-block SIZE  swap transfer block: a power of two, 4K..1M\n"
		"                   (default 32K)\n"
		"  --console N      print the console output of the first N VMs as it\n"
		"                   comes, each line prefixed [vm N] (default: all when\n"
		"                   N <= 4, none otherwise)\n"
		"  --quiet          print only the digest line: no console, no progress\n"
		"                   (not with --console)\n"
		"  --results DIR    write DIR/summary.json, DIR/experiment.cfg and\n"
		"                   DIR/provenance.json when the run ends (DIR is created\n"
		"                   if missing; not after bad input or an error)\n"
		"  --profile FILE   sample the guest code of machine 0: the EIP every\n"
		"                   --profile-interval cycles a VM executes (default 10007);\n"
		"                   the run is otherwise identical (scripts/profile-report)\n"
		"  --profile-interval N  cycles between samples, 1..1000000000 (with --profile)\n"
		"  --intr POLICY    interrupt delivery: batched (default), sync,\n"
		"                   coalesce:N:T or adaptive:N:T (e.g. coalesce:8:50us);\n"
		"                   coalesce alone is coalesce:8:50us, adaptive adaptive:16:50us\n"
		"  --intr-group FIRST-LAST=POLICY\n"
		"                   policy for VMs FIRST..LAST (repeatable up to 16, later wins)\n"
		"  --sched rr|stride  scheduler (default rr)\n"
		"  --tickets FIRST-LAST=N  with --sched stride: tickets of VMs FIRST..LAST,\n"
		"                   1..1000000 (default 100; repeatable up to 16, later wins)\n"
		"  --ctx-base T     context-switch cost (default 1.4us); it, --ctx-page and\n"
		"                   the --ctx-cap-same/--ctx-cap-other times are 0..1s\n"
		"  --ctx-page T     cache refill per page touched in a slice (default 100ns)\n"
		"  --ctx-free-pages N  pages a slice touches for free, 0..1000000 (default 4)\n"
		"  --ctx-cap-same T    refill cap, same VM again (default 2.5us)\n"
		"  --ctx-cap-other T   refill cap, another VM (default 7.6us)\n"
		"  --ctx-vm-footprint SIZE  kernel data per VM a switch touches, 0..1M; it\n"
		"                   costs more as more VMs share the caches (default 0: off;\n"
		"                   1K is calibrated to the paper, docs/timing.md)\n"
		"  --ctx-l1 SIZE, --ctx-l2 SIZE  cache sizes for it, 64..1G (default 8K, 256K)\n"
		"  --ctx-l1-miss T, --ctx-l2-miss T  its cost per 64-byte line found in L2 or\n"
		"                   in memory, 0..1s (default 10ns, 30ns)\n"
		"  --intr-cost T    cost of one interrupt or exception upcall, 0..1s\n"
		"                   (default 1000 cycles, 588ns)\n"
		"  --irq-work T     kernel work per device interrupt raised (physical\n"
		"                   interrupt, driver, demultiplexing), 0..1s (default 0)\n"
		"  --idle-boost on|off  a VM woken from idle runs ahead of the others (on,\n"
		"                   the paper's boost, default) or joins the queue's tail\n"
		"  --chaos SEED     perturb quanta, interrupt delivery and timer deadlines,\n"
		"                   reproducibly from SEED, 0..2^64-1 (docs/isa.md 12)\n"
		"  --gdb PORT|unix:PATH  serve the GDB remote protocol on 127.0.0.1:PORT\n"
		"                   (0: any free port, printed) or a Unix socket; gdb may\n"
		"                   attach at any time, every VM is a thread, and the run\n"
		"                   is the same as without gdb (docs/debugging.md)\n"
		"  --gdb-wait       with --gdb: wait for gdb before the first instruction\n"
		"  --gdb-machine M  with --gdb and --client: the machine gdb debugs\n"
		"  --gdb-history-every T  with --gdb: a snapshot for reverse execution at\n"
		"                   most every T of simulated time (1us..1000s; 1ms)\n"
		"                   (default 0, the server)\n"
		"  --print-config   write the run's experiment file (every flag, defaults\n"
		"                   filled in) on stdout instead of running it\n"
		"  -h, --help       show this help\n"
		"\n");
	devopts_usage(f);
	machopts_usage(f);
	obsopts_usage(f);
	ckptopts_usage(f);
	fprintf(f,
		"\n"
		"Model: 1.7 GHz CPU, 1.4 us context switch, 2000 cycles per PIO.\n"
		"Memory: 1 GiB, 8,472 B kernel metadata per VM, swap disk 8.5 ms seek,\n"
		"4.17 ms rotation, 40 MB/s (docs/memory.md).\n"
		"Exit status: 0 all VMs terminated with code 0; 1 some VM exited nonzero,\n"
		"was killed, hung, or was stopped by --max-time; 2 bad input or an error\n"
		"(one line on stderr; no output file is written or changed); 130 or 143\n"
		"interrupted by SIGINT or SIGTERM. With --client:\n"
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
static int parse_sched_opt(const char *flag, const char *val, struct run_opts *o,
			   char *why, size_t whylen)
{
	struct kernel_config *ks = &o->ks;
	uint64_t v;
	if (!strcmp(flag, "--intr"))
		return intr_policy_parse(val, &ks->intr, why, whylen);
	if (!strcmp(flag, "--intr-group")) {
		if (ks->n_intr_groups == KERNEL_MAX_GROUPS) {
			snprintf(why, whylen, "at most %u groups", (unsigned)KERNEL_MAX_GROUPS);
			return -1;
		}
		struct kernel_intr_group *g = &ks->intr_groups[ks->n_intr_groups];
		const char *pol = parse_range(val, &g->first, &g->last, why, whylen);
		if (!pol || intr_policy_parse(pol, &g->policy, why, whylen) != 0)
			return -1;
		o->intr_group_val[ks->n_intr_groups++] = val;
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
			snprintf(why, whylen, "at most %u groups", (unsigned)KERNEL_MAX_GROUPS);
			return -1;
		}
		struct kernel_ticket_group *g = &ks->ticket_groups[ks->n_ticket_groups];
		const char *n = parse_range(val, &g->first, &g->last, why, whylen);
		if (!n || args_count(n, 1, 1000000, &v, why, whylen) != 0)
			return -1;
		g->tickets = (uint32_t)v;
		o->tickets_val[ks->n_ticket_groups++] = val;
		return 0;
	}
	if (!strcmp(flag, "--chaos")) {
		if (args_count(val, 0, UINT64_MAX, &v, why, whylen) != 0)
			return -1;
		ks->chaos = true;
		ks->chaos_seed = v;
		return 0;
	}
	if (!strcmp(flag, "--idle-boost")) {
		if (strcmp(val, "on") && strcmp(val, "off")) {
			snprintf(why, whylen, "expected on or off");
			return -1;
		}
		ks->no_idle_boost = !strcmp(val, "off");
		return 0;
	}
	if (!strcmp(flag, "--ctx-free-pages")) {
		if (args_count(val, 0, 1000000, &v, why, whylen) != 0)
			return -1;
		ks->ctx_free_pages = (uint32_t)v;
		return 0;
	}
	// The kernel's per-VM data in the caches (ctxcache.h): sizes.
	if (!strcmp(flag, "--ctx-vm-footprint") || !strcmp(flag, "--ctx-l1") ||
	    !strcmp(flag, "--ctx-l2")) {
		bool fp = !strcmp(flag, "--ctx-vm-footprint");
		if (args_size(val, 1, fp ? 0 : 64, fp ? 1u << 20 : 1u << 30, &v, why, whylen) != 0)
			return -1;
		if (fp)
			ks->ctx_cache.vm_bytes = (uint32_t)v;
		else if (!strcmp(flag, "--ctx-l1"))
			ks->ctx_cache.l1_bytes = (uint32_t)v;
		else
			ks->ctx_cache.l2_bytes = (uint32_t)v;
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
	else if (!strcmp(flag, "--irq-work"))
		ks->irq_work_cycles = cyc;
	else if (!strcmp(flag, "--ctx-l1-miss"))
		ks->ctx_cache.l1_miss_cycles = cyc;
	else if (!strcmp(flag, "--ctx-l2-miss"))
		ks->ctx_cache.l2_miss_cycles = cyc;
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
	cfg->ctx_cache = ks->ctx_cache;
	cfg->irq_work_cycles = ks->irq_work_cycles;
	cfg->no_idle_boost = ks->no_idle_boost;
	cfg->intr_cycles = ks->intr_cycles;
	cfg->chaos = ks->chaos;
	cfg->chaos_seed = ks->chaos_seed;
}

// Parses argv into *o. Returns 0, 1 after --help (exit 0), or 2 after an error line.
int opts_parse(int argc, char **argv, struct run_opts *o)
{
	return opts_parse_from(argc, argv, NULL, o);
}

static int parse_from(int argc, char **argv, const char *const *where, struct run_opts *o);

int opts_parse_from(int argc, char **argv, const char *const *where, struct run_opts *o)
{
	int rc = parse_from(argc, argv, where, o);
	args_where(NULL);
	return rc;
}

static int parse_from(int argc, char **argv, const char *const *where, struct run_opts *o)
{
	*o = (struct run_opts){ .nvms = 1, .mem_size = DENALI_MEM_DEFAULT, .profile_interval = 10007,
				.quantum_ns = 10000, .phys_mem = PM_PHYS_DEFAULT,
				.swap_block = PM_BLOCK_DEFAULT, .console_vms = -1 };
	kernel_config_default(&o->ks);
	devopts_init(&o->dev);
	machopts_init(&o->mach);
	obsopts_init(&o->obs);
	ckptopts_init(&o->ck);
	char why[160];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		args_where(where ? where[i] : NULL);
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		}
		if (!strcmp(a, "--quiet")) {
			o->quiet = true;
			continue;
		}
		if (!strcmp(a, "--gdb-wait")) {
			o->gdb_wait = true;
			continue;
		}
		int dr = devopts_parse(argc, argv, &i, &o->dev);
		if (dr == 1)
			continue;
		if (dr == 2)
			return 2;
		int mr = machopts_parse(argc, argv, &i, &o->mach);
		if (mr == 1)
			continue;
		if (mr == 2)
			return 2;
		int obr = obsopts_parse(argc, argv, &i, &o->obs);
		if (obr == 1)
			continue;
		if (obr == 2)
			return 2;
		int cr = ckptopts_parse(argc, argv, &i, &o->ck);
		if (cr == 1)
			continue;
		if (cr == 2)
			return 2;
		// Flags with a value: "--flag VALUE" or "--flag=VALUE".
		static const char *const valued[] = { "--image", "--vms", "--mem", "--max-time",
						      "--quantum", "--console", "--results",
						      "--profile", "--profile-interval",
						      "--phys-mem", "--swap-block",
						      "--intr", "--intr-group", "--sched", "--tickets",
						      "--ctx-base", "--ctx-page", "--ctx-free-pages",
						      "--ctx-cap-same", "--ctx-cap-other", "--intr-cost",
						      "--ctx-vm-footprint", "--ctx-l1", "--ctx-l2",
						      "--ctx-l1-miss", "--ctx-l2-miss",
						      "--irq-work", "--idle-boost",
						      "--chaos", "--gdb", "--gdb-machine",
						      "--gdb-history-every" };
		const char *flag = NULL, *val = NULL;
		if (args_valued(argc, argv, &i, valued, sizeof valued / sizeof valued[0], &flag,
				&val) == 2)
			return 2;
		// Every flag here takes one value, except the repeatable groups.
		if (flag && strcmp(flag, "--intr-group") && strcmp(flag, "--tickets") &&
		    args_once(&o->seen, flag, val) != 0)
			return 2;
		if (!flag) {
			if (a[0] == '-')
				args_error("unknown option '%s' (see denali run --help)", a);
			else
				args_error("unexpected argument '%s' (the image goes after --image)",
					   a);
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
			o->vms_val = val;
		} else if (!strcmp(flag, "--mem")) {
			if (args_size(val, 4096, DENALI_MEM_MIN, DENALI_MEM_MAX, &v, why, sizeof why))
				return args_bad(flag, val, why);
			o->mem_size = (uint32_t)v;
			o->mem_val = val;
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
			o->phys_mem_val = val;
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
			o->console_val = val;
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
			o->profile_interval_val = val;
		} else if (!strcmp(flag, "--gdb")) {
			if (gdb_server_parse(val, why, sizeof why) != 0)
				return args_bad(flag, val, why);
			o->gdb = val;
		} else if (!strcmp(flag, "--gdb-machine")) {
			if (args_count(val, 0, 15, &v, why, sizeof why))
				return args_bad(flag, val, why);
			o->gdb_machine = (uint32_t)v;
			o->gdb_machine_val = val;
		} else if (!strcmp(flag, "--gdb-history-every")) {
			if (args_time(val, 1000, 1000000000000ull, &v, why, sizeof why))
				return args_bad(flag, val, why);
			o->gdb_history_ns = v;
			o->gdb_history_val = val;
		} else if (parse_sched_opt(flag, val, o, why, sizeof why) != 0) {
			return args_bad(flag, val, why);
		}
	}
	args_where(NULL);
	if (!o->image) {
		return args_error("--image FILE is required (see denali run --help)");
	}
	return ckptopts_check(&o->ck, o->max_time_ns);
}

void opts_kernel_config(const struct run_opts *o, struct kernel_config *cfg)
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

// "--intr-group 5-9=sync: VMs 5-9 are not all there (VMs 0-1)" for a group past nvms.
static int check_group(const char *flag, const char *val, uint32_t last, uint32_t nvms)
{
	if (last < nvms)
		return 0;
	char why[96];
	snprintf(why, sizeof why, "VM %u does not exist (VMs 0-%u)", last, nvms - 1);
	return args_bad(flag, val, why);
}

int opts_check(const struct run_opts *o)
{
	if (o->profile_interval_val && !o->profile)
		return args_bad("--profile-interval", o->profile_interval_val,
				"needs --profile FILE");
	if (o->quiet && o->console_val)
		return args_bad("--console", o->console_val, "--quiet prints only the digest "
				"(give one of the two)");
	const struct kernel_config *ks = &o->ks;
	if (ks->n_ticket_groups && ks->sched != SCHED_STRIDE)
		return args_bad("--tickets", o->tickets_val[0], "needs --sched stride (the "
				"round-robin scheduler has no tickets)");
	uint64_t nvms = (uint64_t)o->nvms + machopts_group_vms(&o->mach, 0);
	if (nvms > MAX_VMS)
		return args_error("machine 0: %llu VMs with its --group VMs, more than %u",
				  (unsigned long long)nvms, MAX_VMS);
	for (uint32_t m = 0; m < o->mach.nclients; m++) {
		uint64_t n = (uint64_t)o->mach.clients[m].nvms + machopts_group_vms(&o->mach, m + 1);
		if (n > MAX_VMS)
			return args_error("machine %u: %llu VMs with its --group VMs, more than %u",
					  m + 1, (unsigned long long)n, MAX_VMS);
	}
	for (uint32_t g = 0; g < ks->n_ticket_groups; g++)
		if (check_group("--tickets", o->tickets_val[g], ks->ticket_groups[g].last,
				(uint32_t)nvms))
			return 2;
	for (uint32_t g = 0; g < ks->n_intr_groups; g++)
		if (check_group("--intr-group", o->intr_group_val[g], ks->intr_groups[g].last,
				(uint32_t)nvms))
			return 2;
	if (ks->ctx_cache.l2_bytes < ks->ctx_cache.l1_bytes)
		return args_error("--ctx-l2 %u B is smaller than --ctx-l1 %u B (L2 holds what "
				  "L1 holds)", ks->ctx_cache.l2_bytes, ks->ctx_cache.l1_bytes);
	if (o->gdb_wait && !o->gdb)
		return args_error("--gdb-wait needs --gdb PORT|unix:PATH");
	if (o->gdb_history_val && !o->gdb)
		return args_bad("--gdb-history-every", o->gdb_history_val,
				"needs --gdb PORT|unix:PATH");
	if (o->gdb_machine_val && !o->gdb)
		return args_bad("--gdb-machine", o->gdb_machine_val, "needs --gdb PORT|unix:PATH");
	if (o->gdb_machine > o->mach.nclients)
		return args_bad("--gdb-machine", o->gdb_machine_val,
				o->mach.nclients ? "names no machine (0 is the server, 1.. the "
						   "--client machines)"
						 : "needs --client (one machine: 0)");
	if (devopts_check(&o->dev, (uint32_t)nvms) != 0)
		return 2;
	if (obsopts_check(&o->obs, o->results != NULL) != 0)
		return 2;
	return machopts_check(&o->mach, &o->dev);
}

int opts_files(const struct run_opts *o, struct runfiles *rf, struct opts_outputs *out)
{
	*out = (struct opts_outputs){ -1, -1, -1, -1, -1, -1, -1, -1, -1, { 0 } };
	const struct devset_config *c = &o->dev.c;
	if (runfiles_input(rf, RUNFILES_INPUT, "--image", o->image, false))
		return 2;
	for (uint32_t m = 0; m < o->mach.nclients; m++)
		if (runfiles_input(rf, RUNFILES_INPUT, "--client", o->mach.clients[m].image, false))
			return 2;
	for (uint32_t g = 0; g < o->mach.ngroups; g++)
		if (runfiles_input(rf, RUNFILES_INPUT, "--group", o->mach.groups[g].image, false))
			return 2;
	if (c->pcap_in && runfiles_input(rf, RUNFILES_INPUT, "--pcap-in", c->pcap_in, false))
		return 2;
	if (c->console_in &&
	    runfiles_input(rf, RUNFILES_INPUT, "--console-in", c->console_in, false))
		return 2;
	for (uint32_t i = 0; i < c->ndisks; i++) {
		const struct devset_disk_spec *d = &c->disks[i];
		if (runfiles_input(rf, d->readonly ? RUNFILES_INPUT : RUNFILES_DISK, "--disk",
				   d->path, !d->readonly && d->size_bytes))
			return 2;
	}
	if (c->pcap_out && (out->pcap_out = runfiles_output(rf, "--pcap-out", c->pcap_out)) < 0)
		return 2;
	if (o->profile && (out->profile = runfiles_output(rf, "--profile", o->profile)) < 0)
		return 2;
	if (o->results &&
	    ((out->results = runfiles_output_in(rf, "--results", o->results, "summary.json")) < 0 ||
	     (out->expcfg = runfiles_output_in(rf, "--results", o->results, "experiment.cfg")) < 0 ||
	     (out->prov = runfiles_output_in(rf, "--results", o->results, "provenance.json")) < 0))
		return 2;
	const struct obsopts *ob = &o->obs;
	if (ob->trace_file && (out->trace = runfiles_output(rf, "--trace-file", ob->trace_file)) < 0)
		return 2;
	if (ob->timeline && (out->timeline = runfiles_output(rf, "--timeline", ob->timeline)) < 0)
		return 2;
	if (ob->stats_every_ns && (out->stats = runfiles_output_in(rf, "--stats-every", o->results,
								  "timeseries.csv")) < 0)
		return 2;
	for (uint32_t i = 0; i < ob->view.nshots; i++) {
		int id = runfiles_output(rf, "--screenshot", ob->view.shot[i]);
		if (id < 0)
			return 2;
		if (i == 0)
			out->shot = id;
	}
	for (uint32_t i = 0; i < o->ck.nat; i++)
		if ((out->ckpt[i] = runfiles_output(rf, "--checkpoint", o->ck.path[i])) < 0)
			return 2;
	return 0;
}

// "3072.3 MiB"
static const char *mib(uint64_t bytes, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
	return buf;
}

int opts_physmem_check(const struct run_opts *o, const struct kernel_config *cfg,
		       const struct image *img, uint32_t machine)
{
	uint32_t ms;
	uint64_t need = kernel_need_bytes(cfg, img, &ms);
	if (need <= cfg->pm.phys_bytes)
		return 0;
	char a[32], size[32], who[224];
	if (ms % (1u << 30) == 0)
		snprintf(size, sizeof size, "%uG", ms >> 30);
	else if (ms % (1u << 20) == 0)
		snprintf(size, sizeof size, "%uM", ms >> 20);
	else
		snprintf(size, sizeof size, "%uK", ms >> 10);
	uint64_t mib_up = (need + (1u << 20) - 1) >> 20;
	if (cfg->n_vm_groups)
		snprintf(who, sizeof who, "machine %u: %u VMs in %u groups, the largest %s",
			 machine, cfg->nvms, cfg->n_vm_groups + 1, size);
	else if (machine == 0)
		snprintf(who, sizeof who, "--vms %u --mem %s", cfg->nvms, size);
	else
		snprintf(who, sizeof who, "--client %s --client-vms %u --client-mem %s",
			 o->mach.clients[machine - 1].image, cfg->nvms, size);
	if (o->phys_mem_val)
		args_error("--phys-mem %s: too small: %s needs %s of modelled "
			"physical memory (8,472 B kernel metadata per VM, the image, %u free "
			"frames and one whole VM); give --phys-mem %lluM or more",
			o->phys_mem_val, who, mib(need, a, sizeof a), cfg->pm.min_free_frames,
			(unsigned long long)mib_up);
	else
		args_error("%s: needs %s of modelled physical memory (8,472 B "
			"kernel metadata per VM, the image, %u free frames and one whole VM), more "
			"than the default 1 GiB: give --phys-mem %lluM or more", who,
			mib(need, a, sizeof a), cfg->pm.min_free_frames, (unsigned long long)mib_up);
	return 2;
}
