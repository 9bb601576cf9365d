// SPDX-License-Identifier: MIT
// The several-machine flags of `denali run` (machopts.h; docs/machines.md): --args,
// --client*, --link-latency, --loss*, --pcap-machine, --machine-threads,
// --machine-ranks (checked against the ranks in ranks.c), their checks,
// and how they change each machine's configuration. The run itself is machines.c.
#include "machopts.h"

#include <stdio.h>
#include <string.h>

#include "args.h"
#include "opts.h"
#include "denali/abi.h"
#include "vmm/image.h"
#include "vmm/world.h"

void machopts_init(struct machopts *m)
{
	memset(m, 0, sizeof *m);
	m->loss_seed = 1;
	m->pcap_machine = -1;
}

void machopts_usage(FILE *f)
{
	fprintf(f,
		"Command line and several machines (docs/machines.md):\n"
		"  --args STRING    machine 0's command line (the guests' argv; printable\n"
		"                   ASCII, at most 2047 bytes)\n"
		"  --client FILE    add a client machine running FILE (repeatable, up to 15);\n"
		"                   the run ends when every client VM has ended\n"
		"  --client-vms N   VMs on the last --client machine (default 1)\n"
		"  --client-mem SIZE  memory per VM on it (default 4M)\n"
		"  --client-args STRING  its command line\n"
		"  --group FILE     add a VM group running FILE to the most recent machine\n"
		"                   (machine 0 before any --client; up to 15 a machine):\n"
		"                   its VMs follow the machine's others\n"
		"  --group-vms N    VMs in the last --group (default 1)\n"
		"  --group-mem SIZE memory per VM in it (default 4M)\n"
		"  --group-args STRING  its command line (default none)\n"
		"  --link-latency T latency of the link between the machines' switches\n"
		"                   (default 20us, more than 0)\n"
		"  --loss P         drop each frame a switch hands to a VM or to the link\n"
		"                   with probability P: 0..1 or a percentage like 2%%\n"
		"  --loss-seed N    seed of the loss generator (default 1)\n"
		"  --pcap-machine M --pcap-out captures machine M's switch (default 0)\n"
		"  --machine-threads N  run the machines in N host threads, 1..16 (default 1;\n"
		"                   the results are the same)\n"
		"  --machine-ranks LIST  under mpirun -np K: the rank of each machine, machine\n"
		"                   0's first, e.g. 0,1,1 (default: machine m on rank m mod K;\n"
		"                   the results are the same)\n");
}

// A command line: printable ASCII, at most DENALI_CMDLINE_MAX bytes (docs/isa.md 6).
static int check_cmdline(const char *flag, const char *val)
{
	char shown[48], why[96];
	size_t n = strlen(val);
	snprintf(shown, sizeof shown, "%.32s%s", val, n > 32 ? "..." : "");
	if (n > DENALI_CMDLINE_MAX) {
		snprintf(why, sizeof why, "%zu bytes, more than the %u a command line holds", n,
			 DENALI_CMDLINE_MAX);
		return args_bad(flag, shown, why);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)val[i];
		if (c < 0x20 || c > 0x7e) {
			for (char *p = shown; *p; p++) // keep the error line one printable line
				if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
					*p = '?';
			snprintf(why, sizeof why, "byte %zu is 0x%02x: only printable ASCII (space "
				 "to '~') is allowed", i, c);
			return args_bad(flag, shown, why);
		}
	}
	return 0;
}

// --group FILE and its --group-* flags.
static int parse_group(const char *flag, const char *val, struct machopts *m)
{
	char why[160];
	uint64_t v;
	if (!strcmp(flag, "--group")) {
		if (!*val)
			return args_bad(flag, "''", "empty file name");
		uint32_t here = 0;
		for (uint32_t g = 0; g < m->ngroups; g++)
			here += m->groups[g].machine == m->nclients;
		if (m->ngroups == MACHOPTS_MAX_GROUPS || here == KERNEL_MAX_GROUPS - 1)
			return args_bad(flag, val, "too many VM groups (at most 15 a machine, 32 "
					"in all)");
		m->groups[m->ngroups++] = (struct machine_group){
			.image = val, .machine = m->nclients, .nvms = 1,
			.mem_size = DENALI_MEM_DEFAULT };
		return 1;
	}
	if (!m->ngroups)
		return args_bad(flag, val, "comes before any --group FILE (it applies to the "
				"most recent one)");
	struct machine_group *g = &m->groups[m->ngroups - 1];
	unsigned bit = !strcmp(flag, "--group-vms") ? 1u : !strcmp(flag, "--group-mem") ? 2u : 4u;
	if (g->seen & bit) {
		char w[96];
		snprintf(w, sizeof w, "given twice for one --group (%s takes one value)", flag);
		return args_bad(flag, val, w);
	}
	g->seen |= bit;
	if (bit == 1) {
		if (args_count(val, 1, MAX_VMS, &v, why, sizeof why))
			return args_bad(flag, val, why);
		g->nvms = (uint32_t)v;
	} else if (bit == 2) {
		if (args_size(val, 4096, DENALI_MEM_MIN, DENALI_MEM_MAX, &v, why, sizeof why))
			return args_bad(flag, val, why);
		g->mem_size = (uint32_t)v;
	} else {
		if (check_cmdline(flag, val))
			return 2;
		g->args = val;
	}
	return 1;
}

int machopts_parse(int argc, char **argv, int *i, struct machopts *m)
{
	static const char *const valued[] = { "--args", "--client", "--client-vms",
					      "--client-mem", "--client-args", "--link-latency",
					      "--loss", "--loss-seed", "--pcap-machine",
					      "--machine-threads", "--machine-ranks", "--group",
					      "--group-vms", "--group-mem", "--group-args" };
	const char *flag = NULL, *val = NULL;
	if (args_valued(argc, argv, i, valued, sizeof valued / sizeof valued[0], &flag, &val) == 2)
		return 2;
	if (!flag)
		return 0;
	// One value each; --client and --group repeat, and their --client-* and --group-*
	// flags once per client or group.
	if (strncmp(flag, "--client", 8) && strncmp(flag, "--group", 7) &&
	    args_once(&m->seen, flag, val) != 0)
		return 2;
	if (!strncmp(flag, "--group", 7))
		return parse_group(flag, val, m);
	char why[160];
	uint64_t v;
	struct machine_client *c = m->nclients ? &m->clients[m->nclients - 1] : NULL;
	if (!strcmp(flag, "--args")) {
		if (check_cmdline(flag, val))
			return 2;
		m->args = val;
	} else if (!strcmp(flag, "--client")) {
		if (!*val)
			return args_bad(flag, "''", "empty file name");
		if (m->nclients == MACHOPTS_MAX_CLIENTS)
			return args_bad(flag, val, "at most 15 client machines");
		m->clients[m->nclients++] = (struct machine_client){
			.image = val, .nvms = 1, .mem_size = DENALI_MEM_DEFAULT };
	} else if (!strncmp(flag, "--client-", 9) && !c) {
		return args_bad(flag, val, "comes before any --client FILE (it applies to the "
				"most recent one)");
	} else if (!strncmp(flag, "--client-", 9) && args_once(&c->seen, flag, val) != 0) {
		return 2;
	} else if (!strcmp(flag, "--client-vms")) {
		if (args_count(val, 1, MAX_VMS, &v, why, sizeof why))
			return args_bad(flag, val, why);
		c->nvms = (uint32_t)v;
	} else if (!strcmp(flag, "--client-mem")) {
		if (args_size(val, 4096, DENALI_MEM_MIN, DENALI_MEM_MAX, &v, why, sizeof why))
			return args_bad(flag, val, why);
		c->mem_size = (uint32_t)v;
	} else if (!strcmp(flag, "--client-args")) {
		if (check_cmdline(flag, val))
			return 2;
		c->args = val;
	} else if (!strcmp(flag, "--link-latency")) {
		if (args_time(val, 1, 1000000000, &v, why, sizeof why))
			return args_bad(flag, val, why);
		m->latency_ns = v;
		m->latency_set = true;
		m->latency_val = val;
	} else if (!strcmp(flag, "--loss")) {
		if (args_probability(val, &m->loss_ppb, why, sizeof why))
			return args_bad(flag, val, why);
		m->loss_set = true;
	} else if (!strcmp(flag, "--loss-seed")) {
		if (args_count(val, 0, UINT64_MAX, &v, why, sizeof why))
			return args_bad(flag, val, why);
		m->loss_seed = v;
		m->seed_set = true;
	} else if (!strcmp(flag, "--machine-ranks")) {
		m->machine_ranks = val; // checked against the machines and ranks (ranks.c)
	} else if (!strcmp(flag, "--machine-threads")) {
		if (args_count(val, 1, WORLD_MAX_MACHINES, &v, why, sizeof why))
			return args_bad(flag, val, why);
		m->threads = (uint32_t)v;
		m->threads_val = val;
	} else { // --pcap-machine
		if (args_count(val, 0, MACHOPTS_MAX_CLIENTS, &v, why, sizeof why))
			return args_bad(flag, val, why);
		m->pcap_machine = (int64_t)v;
		m->pcap_flag_val = val;
	}
	return 1;
}

int machopts_check(const struct machopts *m, const struct devopts *d)
{
	if (m->latency_set && !m->nclients) {
		return args_bad("--link-latency", m->latency_val, "needs --client FILE (it is the "
				"latency between machines)");
	}
	if (m->threads_val && !m->nclients)
		return args_bad("--machine-threads", m->threads_val, "needs --client FILE (it "
				"runs the machines in parallel)");
	if (m->machine_ranks && !m->nclients)
		return args_bad("--machine-ranks", m->machine_ranks, "needs --client FILE (it "
				"places the machines on MPI ranks)");
	if (m->seed_set && !m->loss_set) {
		return args_error("--loss-seed %llu: needs --loss P",
				  (unsigned long long)m->loss_seed);
	}
	if (m->pcap_machine >= 0) {
		if (!d->c.pcap_out)
			return args_bad("--pcap-machine", m->pcap_flag_val, "needs --pcap-out FILE");
		if ((uint64_t)m->pcap_machine > m->nclients) {
			char why[64];
			snprintf(why, sizeof why, "no such machine (machines 0-%u)", m->nclients);
			return args_bad("--pcap-machine", m->pcap_flag_val, why);
		}
	}
	return 0;
}

// Machine m's loss seed: the --loss-seed mixed with m (a splitmix64 step), so the
// machines draw independent sequences.
static uint64_t machine_seed(uint64_t seed, uint32_t m)
{
	uint64_t z = seed + (uint64_t)m * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void machopts_loss(const struct machopts *m, uint32_t machine, struct devopts *d)
{
	if (!m->loss_set)
		return;
	d->any = true; // loss lives in the switch
	d->c.sw.loss_ppb = m->loss_ppb;
	d->c.sw.loss_seed = machine_seed(m->loss_seed, machine);
}

void machopts_apply(const struct machopts *m, struct kernel_config *cfg, struct devopts *d)
{
	cfg->cmdline = m->args;
	machopts_loss(m, 0, d);
}

uint32_t machopts_group_vms(const struct machopts *m, uint32_t machine)
{
	uint64_t n = 0;
	for (uint32_t g = 0; g < m->ngroups; g++)
		if (m->groups[g].machine == machine)
			n += m->groups[g].nvms;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

void machopts_groups_free(struct image *imgs[KERNEL_MAX_GROUPS], uint32_t nimgs)
{
	for (uint32_t i = 0; i < nimgs; i++)
		image_free(imgs[i]);
}

int machopts_groups(const struct machopts *m, uint32_t machine, struct kernel_config *cfg,
		    struct image *imgs[KERNEL_MAX_GROUPS], uint32_t *nimgs)
{
	*nimgs = 0;
	cfg->n_vm_groups = 0;
	for (uint32_t g = 0; g < m->ngroups; g++) {
		const struct machine_group *mg = &m->groups[g];
		if (mg->machine != machine)
			continue;
		char err[512] = "";
		struct image *img;
		if (image_load(mg->image, mg->mem_size, &img, err, sizeof err) != 0) {
			machopts_groups_free(imgs, *nimgs);
			*nimgs = 0;
			return args_error("--group %s", err);
		}
		imgs[(*nimgs)++] = img;
		cfg->vm_groups[cfg->n_vm_groups++] = (struct kernel_vm_group){
			.count = mg->nvms, .mem_size = mg->mem_size, .img = img,
			.cmdline = mg->args };
		cfg->nvms += mg->nvms;
	}
	return 0;
}
