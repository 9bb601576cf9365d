// SPDX-License-Identifier: MIT
// Several machines in `denali run` (machines.h; docs/machines.md): parses --args,
// --client*, --link-latency, --loss*, --pcap-machine; builds machine 0 from the usual
// flags and one machine per --client, joins them in a world (vmm/world.h) and reports
// one block per machine (run.h), the link, and the run's digest.
#include "machines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "profile_out.h"
#include "run.h"
#include "denali/abi.h"
#include "devices/nic.h"
#include "vmm/devhost.h"
#include "vmm/image.h"
#include "vmm/world.h"

void machines_init(struct machopts *m)
{
	memset(m, 0, sizeof *m);
	m->loss_seed = 1;
	m->pcap_machine = -1;
}

void machines_usage(FILE *f)
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
		"  --link-latency T latency of the link between the machines' switches\n"
		"                   (default 20us, more than 0)\n"
		"  --loss P         drop each frame a switch hands to a VM or to the link\n"
		"                   with probability P: 0..1 or a percentage like 2%%\n"
		"  --loss-seed N    seed of the loss generator (default 1)\n"
		"  --pcap-machine M --pcap-out captures machine M's switch (default 0)\n"
		"  --machine-threads N  run the machines in N host threads, 1..16 (default 1;\n"
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

int machines_parse(int argc, char **argv, int *i, struct machopts *m)
{
	static const char *const valued[] = { "--args", "--client", "--client-vms",
					      "--client-mem", "--client-args", "--link-latency",
					      "--loss", "--loss-seed", "--pcap-machine",
					      "--machine-threads" };
	const char *flag = NULL, *val = NULL;
	if (args_valued(argc, argv, i, valued, sizeof valued / sizeof valued[0], &flag, &val) == 2)
		return 2;
	if (!flag)
		return 0;
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
		if (m->nclients == MACHINES_MAX_CLIENTS)
			return args_bad(flag, val, "at most 15 client machines");
		m->clients[m->nclients++] = (struct machine_client){
			.image = val, .nvms = 1, .mem_size = DENALI_MEM_DEFAULT };
	} else if (!strncmp(flag, "--client-", 9) && !c) {
		return args_bad(flag, val, "comes before any --client FILE (it applies to the "
				"most recent one)");
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
	} else if (!strcmp(flag, "--machine-threads")) {
		if (args_count(val, 1, WORLD_MAX_MACHINES, &v, why, sizeof why))
			return args_bad(flag, val, why);
		m->threads = (uint32_t)v;
		m->threads_val = val;
	} else { // --pcap-machine
		if (args_count(val, 0, MACHINES_MAX_CLIENTS, &v, why, sizeof why))
			return args_bad(flag, val, why);
		m->pcap_machine = (int64_t)v;
		m->pcap_flag_val = val;
	}
	return 1;
}

int machines_check(const struct machopts *m, const struct devopts *d)
{
	if (m->latency_set && !m->nclients) {
		return args_bad("--link-latency", m->latency_val, "needs --client FILE (it is the "
				"latency between machines)");
	}
	if (m->threads_val && !m->nclients)
		return args_bad("--machine-threads", m->threads_val, "needs --client FILE (it "
				"runs the machines in parallel)");
	if (m->seed_set && !m->loss_set) {
		fprintf(stderr, "denali run: --loss-seed %llu: needs --loss P\n",
			(unsigned long long)m->loss_seed);
		return 2;
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

static void apply_loss(const struct machopts *m, uint32_t machine, struct devopts *d)
{
	if (!m->loss_set)
		return;
	d->any = true; // loss lives in the switch
	d->c.sw.loss_ppb = m->loss_ppb;
	d->c.sw.loss_seed = machine_seed(m->loss_seed, machine);
}

void machines_apply(const struct machopts *m, struct kernel_config *cfg, struct devopts *d)
{
	cfg->cmdline = m->args;
	apply_loss(m, 0, d);
}

// "30%", "2.5%", "0.0000001%": a probability in parts per 10^9 as a percentage.
static const char *fmt_loss(uint32_t ppb, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%07u", ppb / 10000000u, ppb % 10000000u);
	char *e = buf + strlen(buf) - 1;
	while (*e == '0')
		*e-- = '\0';
	if (*e == '.')
		*e = '\0';
	strncat(buf, "%", len - strlen(buf) - 1);
	return buf;
}

// The devices of machine m: machine 0 gets every device flag; a client gets the NIC
// model flags only (--nic, --nic-rxq, --no-ipv4 apply to every machine); the capture
// goes to the machine --pcap-machine names.
static void machine_devopts(const struct run_opts *o, uint32_t m, struct world *w,
			    struct devopts *d)
{
	int64_t cap = o->mach.pcap_machine >= 0 ? o->mach.pcap_machine : 0;
	if (m == 0) {
		*d = o->dev;
	} else {
		devopts_init(d);
		d->c.nic_chatty = o->dev.c.nic_chatty;
		d->c.nic_rxq = o->dev.c.nic_rxq;
		d->c.ipv4 = o->dev.c.ipv4;
		d->c.sw.arp_steer = o->dev.c.sw.arp_steer;
	}
	if (cap == (int64_t)m) {
		d->c.pcap_out = o->dev.c.pcap_out;
		d->c.pcap_vm = o->dev.c.pcap_vm;
		d->pcap_vm_set = o->dev.pcap_vm_set;
	} else {
		d->c.pcap_out = NULL;
		d->c.pcap_vm = -1;
		d->pcap_vm_set = false;
	}
	d->any = true; // every machine needs its switch and uplink
	apply_loss(&o->mach, m, d);
	world_uplink(w, m, &d->c);
}

static void report(const struct run_opts *o, struct world *w, const char *const *image,
		   uint64_t digest, double host_s)
{
	char a[48], b[48], c[48], e[48], f[48];
	for (uint32_t m = 0; m < w->n; m++) {
		const struct kernel *k = w->m[m].k;
		uint64_t ncon = k->cfg.nvms <= SMALL_RUN ? k->cfg.nvms : 0;
		if (m == 0 && o->console_vms >= 0)
			ncon = (uint64_t)o->console_vms < k->cfg.nvms ? (uint64_t)o->console_vms
								       : k->cfg.nvms;
		for (uint32_t i = 0; i < ncon; i++)
			run_print_console(&k->vms[i], m);
	}
	for (uint32_t m = 0; m < w->n; m++) {
		const struct kernel *k = w->m[m].k;
		if (k->cfg.nvms <= SMALL_RUN)
			for (uint32_t i = 0; i < k->cfg.nvms; i++)
				run_status_line(&k->vms[i], m);
	}
	for (uint32_t m = 0; m < w->n; m++) {
		const struct kernel *k = w->m[m].k;
		printf("machine %u (%s): %u VMs of %s, %u KiB memory each\n", m,
		       m ? "client" : "server", k->cfg.nvms, image[m], k->cfg.mem_size / 1024);
		run_summary_body(k, -1);
		printf("  digest              %016llx\n", (unsigned long long)kernel_digest(k));
	}
	const struct world_link_stats *st = &w->st;
	printf("link                  %s frames (%s bytes) between %u machines, latency %s; "
	       "%s for no machine; %s rounds\n", args_fmt_count(st->frames, a, sizeof a),
	       args_fmt_count(st->bytes, b, sizeof b), w->n,
	       args_fmt_ns(w->cfg.latency_ns, c, sizeof c),
	       args_fmt_count(st->drop_no_machine, e, sizeof e),
	       args_fmt_count(w->rounds, f, sizeof f));
	if (o->mach.loss_set) {
		uint64_t lost = 0;
		for (uint32_t m = 0; m < w->n; m++) {
			struct devset_stats ds;
			if (devhost_stats(w->m[m].k, &ds))
				lost += ds.sw_lost;
		}
		printf("loss                  %s (seed %llu): %s frames lost\n",
		       fmt_loss(o->mach.loss_ppb, a, sizeof a),
		       (unsigned long long)o->mach.loss_seed, args_fmt_count(lost, b, sizeof b));
	}
	printf("host time             %.3f s (wall clock; the only host-dependent number)\n",
	       host_s);
	printf("simulated time %s (machine 0), digest %016llx\n",
	       args_fmt_ns(kernel_cycles_to_ns(&w->m[0].k->cfg, w->m[0].k->now), a, sizeof a),
	       (unsigned long long)digest);
}

static json_object *link_json(const struct run_opts *o, const struct world *w)
{
	json_object *l = json_object_new_object();
	const struct world_link_stats *st = &w->st;
	json_object_object_add(l, "latency_ns", json_object_new_int64((int64_t)w->cfg.latency_ns));
	json_object_object_add(l, "frames", json_object_new_int64((int64_t)st->frames));
	json_object_object_add(l, "bytes", json_object_new_int64((int64_t)st->bytes));
	json_object_object_add(l, "deliveries", json_object_new_int64((int64_t)st->deliveries));
	json_object_object_add(l, "dropped_no_machine",
			       json_object_new_int64((int64_t)st->drop_no_machine));
	json_object_object_add(l, "rounds", json_object_new_int64((int64_t)w->rounds));
	if (o->mach.loss_set) {
		json_object_object_add(l, "loss_ppb", json_object_new_int64(o->mach.loss_ppb));
		json_object_object_add(l, "loss_seed",
				       json_object_new_int64((int64_t)o->mach.loss_seed));
	}
	return l;
}

static int write_json(const struct run_opts *o, const struct world *w,
		      const char *const *image, uint64_t digest)
{
	// The top level is machine 0's, as in a one-machine run, with the run's digest.
	json_object *j = run_machine_json(w->m[0].k, image[0], o, digest);
	json_object *arr = json_object_new_array();
	for (uint32_t m = 0; m < w->n; m++) {
		const struct kernel *k = w->m[m].k;
		json_object *jm = run_machine_json(k, image[m], o, kernel_digest(k));
		json_object_object_add(jm, "machine", json_object_new_int64(m));
		json_object_object_add(jm, "role", json_object_new_string(m ? "client" : "server"));
		json_object_object_add(jm, "cmdline", json_object_new_string(
			k->cfg.cmdline ? k->cfg.cmdline : ""));
		json_object_array_add(arr, jm);
	}
	json_object_object_add(j, "machines", arr);
	json_object_object_add(j, "link", link_json(o, w));
	return run_write_json(o, j);
}

int machines_run(const struct run_opts *o)
{
	const struct machopts *mo = &o->mach;
	uint32_t n = 1 + mo->nclients;
	struct world_config wc;
	world_config_default(&wc);
	if (mo->latency_set)
		wc.latency_ns = mo->latency_ns;
	if (mo->threads)
		wc.threads = mo->threads;
	struct world w;
	world_init(&w, &wc);
	struct image *img[WORLD_MAX_MACHINES] = { NULL };
	struct kernel *k[WORLD_MAX_MACHINES] = { NULL };
	const char *image[WORLD_MAX_MACHINES];
	char err[512];
	int rc = 2;
	uint32_t attached = 0;
	// Every image and kernel first, so a bad client image leaves no capture file.
	for (uint32_t m = 0; m < n; m++) {
		struct kernel_config cfg;
		run_kernel_config(o, &cfg);
		cfg.machine_id = m;
		cfg.cmdline = mo->args;
		image[m] = o->image;
		if (m) {
			const struct machine_client *c = &mo->clients[m - 1];
			cfg.profile_interval_cycles = 0; // --profile samples machine 0
			cfg.nvms = c->nvms;
			cfg.mem_size = c->mem_size;
			cfg.cmdline = c->args;
			image[m] = c->image;
		}
		if (image_load(image[m], cfg.mem_size, &img[m], err, sizeof err) != 0 ||
		    kernel_new(&k[m], &cfg, img[m], err, sizeof err) != 0) {
			fprintf(stderr, "denali run: %s%s\n", m ? "--client " : "", err);
			goto out;
		}
	}
	if (o->profile && profile_out_check(o->profile) != 0)
		goto out;
	for (uint32_t m = 0; m < n; m++) {
		struct devopts d;
		machine_devopts(o, m, &w, &d);
		if (devopts_attach(k[m], &d) != 0)
			goto out;
		attached++;
		if (world_add(&w, k[m], err, sizeof err) != 0) {
			fprintf(stderr, "denali run: %s\n", err); // our bug: the configs match
			goto out;
		}
	}
	double t0 = run_host_seconds();
	world_run(&w);
	double host_s = run_host_seconds() - t0;
	uint64_t digest = world_digest(&w);
	rc = 0;
	for (uint32_t m = 0; m < n; m++) {
		run_diagnostics(k[m]);
		if (k[m]->stats.killed)
			rc = 1;
		if (m && k[m]->stats.ok != k[m]->cfg.nvms)
			rc = 1;
	}
	if (o->quiet)
		printf("digest %016llx\n", (unsigned long long)digest);
	else
		report(o, &w, image, digest, host_s);
	fflush(stdout);
	if (o->results && write_json(o, &w, image, digest) != 0)
		rc = 2;
	if (o->profile && profile_out_write(k[0], image[0], o->profile) != 0)
		rc = 2;
out:
	for (uint32_t m = 0; m < attached; m++)
		if (devopts_detach(k[m]) != 0)
			rc = 2;
	for (uint32_t m = 0; m < n; m++) {
		kernel_free(k[m]);
		image_free(img[m]);
	}
	world_free(&w);
	return rc;
}
