// SPDX-License-Identifier: MIT
// Several machines in `denali run` (machines.h; docs/machines.md): builds machine 0 from
// the usual flags and one machine per --client (machopts.h), joins them in a world
// (vmm/world.h), runs it, and reports one block per machine (report.h), the link, and
// the run's digest; summary.json comes from results_out.c.
#include "machines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "args.h"
#include "checkpoint.h"
#include "observe.h"
#include "profile_out.h"
#include "ranks.h"
#include "report.h"
#include "results_out.h"
#include "devices/nic.h"
#include "gdb/history.h"
#include "gdb/server.h"
#include "devices/console_out.h"
#include "vmm/devhost.h"
#include "vmm/kernel.h"
#include "vmm/image.h"
#include "vmm/world.h"

// The longest console line printed at once (a longer one is cut, as trace/constream.c
// does).
#define REMOTE_LINE_MAX 4096u

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
		d->c.nic_irq_frame = o->dev.c.nic_irq_frame;
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
	machopts_loss(&o->mach, m, d);
	world_uplink(w, m, &d->c);
}

// The console lines of a machine that ran on another rank (under mpirun), from its
// outcome: the first `show` VMs' kept bytes (the first 64 KiB of each), cut into lines as
// the live console does (trace/constream.h), after the run.
static void remote_console(const struct kernel *k, uint32_t m, uint32_t show)
{
	for (uint32_t vm = 0; vm < show; vm++) {
		const struct console_out_vm *c = kernel_console(k, vm);
		uint32_t start = 0;
		for (uint32_t i = 0; i <= c->len; i++) {
			bool end = i == c->len;
			if (!end && c->bytes[i] != '\n' && i - start < REMOTE_LINE_MAX)
				continue;
			if (end && i == start)
				break;
			printf("[m%u vm %u] %.*s\n", m, vm, (int)(i - start),
			       (const char *)c->bytes + start);
			start = end || c->bytes[i] != '\n' ? i : i + 1;
		}
		if (c->total > c->len)
			printf("[m%u vm %u] (%llu more bytes written on its rank; the first %u of "
			       "each VM's console reach rank 0)\n",
			       m, vm, (unsigned long long)(c->total - c->len), k->cfg.console_cap);
	}
}

static void report(const struct run_opts *o, struct world *w, const char *const *image,
		   uint64_t digest, double host_s, const char *by_rank)
{
	char a[48], b[48], c[48], e[48], f[48];
	for (uint32_t m = 0; m < w->n; m++) {
		const struct kernel *k = w->m[m].k;
		if (k->cfg.nvms <= SMALL_RUN)
			for (uint32_t i = 0; i < k->cfg.nvms; i++)
				report_status_line(k, &k->vms[i], m);
	}
	for (uint32_t m = 0; m < w->n; m++) {
		const struct kernel *k = w->m[m].k;
		char prefix[48];
		snprintf(prefix, sizeof prefix, "machine %u (%s): ", m, m ? "client" : "server");
		report_machine_header(k, prefix, image[m]);
		report_summary_body(k, -1);
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
	if (w->m[0].k->end == KERNEL_END_INTERRUPTED)
		printf("INTERRUPTED by %s\n", strcmp(observe_signal_name(), "nothing")
							? observe_signal_name()
							: "a signal to another MPI rank");
	if (by_rank[0]) // under mpirun: each rank's time, and its part in MPI calls
		printf("%s\n", by_rank);
	printf("simulated time %s (machine 0), digest %016llx\n",
	       args_fmt_ns(kernel_cycles_to_ns(&w->m[0].k->cfg, w->m[0].k->now), a, sizeof a),
	       (unsigned long long)digest);
}

int machines_run(const struct run_opts *o, const struct runfiles *rf,
		 const struct opts_outputs *out, struct ranks *rk, bool files_ok,
		 uint64_t *digest_out, int argc, char **argv, struct checkpoint_resume *res)
{
	const struct machopts *mo = &o->mach;
	uint32_t n = 1 + mo->nclients;
	struct world_config wc;
	world_config_default(&wc);
	if (mo->latency_set)
		wc.latency_ns = mo->latency_ns;
	if (mo->threads)
		wc.threads = mo->threads;
	if (o->gdb)
		wc.threads = 1; // while gdb holds one machine, no other may move (server.h)
	struct world w;
	world_init(&w, &wc);
	if (rk->mpi)
		world_spread(&w, &rk->x);
	// Rank 0 reports and writes the files: it holds a kernel for every machine (one
	// that runs elsewhere gets its outcome after the run); another rank holds only the
	// machines it runs.
	bool reporter = !rk->mpi || rk->x.rank == 0;
	struct image *img[WORLD_MAX_MACHINES] = { NULL };
	struct image *gimg[WORLD_MAX_MACHINES][KERNEL_MAX_GROUPS];
	uint32_t ngimg[WORLD_MAX_MACHINES] = { 0 };
	struct kernel *k[WORLD_MAX_MACHINES] = { NULL };
	const char *image[WORLD_MAX_MACHINES];
	char err[512] = "";
	int rc = 2;
	uint32_t attached[WORLD_MAX_MACHINES], nattached = 0;
	struct observe *obs = NULL;
	struct gdb_server *gdb = NULL;
	struct checkpoint_run cr = { 0 };
	// Each machine's devices (for the checkpoints' record of their files).
	struct devset_config dcfg[WORLD_MAX_MACHINES];
	const struct devset_config *dev[WORLD_MAX_MACHINES] = { NULL };
	if (!files_ok) // a file is wrong on this rank (it said why)
		goto ready;
	// Every image and kernel first, before any device is attached.
	for (uint32_t m = 0; m < n; m++) {
		struct kernel_config cfg;
		opts_kernel_config(o, &cfg);
		cfg.machine_id = m;
		cfg.cmdline = mo->args;
		image[m] = o->image;
		if (m) {
			const struct machine_client *c = &mo->clients[m - 1];
			cfg.profile_interval_cycles = 0; // --profile samples machine 0
			cfg.n_intr_groups = 0;   // --intr-group and --tickets name machine 0's
			cfg.n_ticket_groups = 0; // VMs (opts_check checks them against those)
			cfg.nvms = c->nvms;
			cfg.mem_size = c->mem_size;
			cfg.cmdline = c->args;
			image[m] = c->image;
		}
		if (!reporter && !world_runs_here(&w, m))
			continue;
		if (image_load(image[m], cfg.mem_size, &img[m], err, sizeof err) != 0) {
			args_error("%s%s", m ? "--client " : "", err);
			goto ready;
		}
		if (machopts_groups(mo, m, &cfg, gimg[m], &ngimg[m]) != 0)
			goto ready;
		if (opts_physmem_check(o, &cfg, img[m], m) != 0)
			goto ready;
		if (kernel_new(&k[m], &cfg, img[m], err, sizeof err) != 0) {
			args_error("%s%s", m ? "--client " : "", err);
			goto ready;
		}
	}
	const char *pcap_tmp = reporter && out->pcap_out >= 0 ? runfiles_tmp(rf, out->pcap_out)
							       : NULL;
	for (uint32_t m = 0; m < n; m++) {
		if (world_runs_here(&w, m)) {
			struct devopts d;
			machine_devopts(o, m, &w, &d);
			// A resumed run's device files are checked, its capture goes on.
			if (res && ckptfiles_resume(&res->r, res->path, m, &d.c, mo,
						    d.c.pcap_out ? pcap_tmp : NULL) != 0)
				goto ready;
			if (devopts_attach(k[m], &d, d.c.pcap_out ? pcap_tmp : NULL) != 0)
				goto ready;
			dcfg[m] = d.c;
			dev[m] = &dcfg[m];
			attached[nattached++] = m;
		}
		if (world_add(&w, k[m], err, sizeof err) != 0) {
			args_error("%s", err); // our bug: the configs match
			goto ready;
		}
	}
	// Checkpoints (checkpoint.h): in one process only. A resumed run's machines and
	// link start from the checkpoint's state, before anyone observes them.
	if ((o->ck.nat || res) && rk->mpi) {
		args_error("--checkpoint and resume: not under mpirun (run one process)");
		goto ready;
	}
	if (res) {
		for (uint32_t m = 1; m < n; m++)
			if (checkpoint_check_image(res, m, image[m]) != 0)
				goto ready;
		for (uint32_t m = 0; m < n; m++)
			if (checkpoint_load(res, k[m]) != 0)
				goto ready;
		if (checkpoint_load_world(res, &w) != 0)
			goto ready;
	}
	// Console lines as they come: the first N VMs of machine 0 (--console N, default
	// all of up to 4), every VM of a client machine of up to 4 VMs. Under mpirun each
	// rank watches the machines it runs; rank 0 prints the console lines of the others
	// from their outcomes after the run (remote_console), the other ranks print nothing.
	uint32_t show[WORLD_MAX_MACHINES];
	const struct image *imgs[WORLD_MAX_MACHINES];
	bool here[WORLD_MAX_MACHINES];
	for (uint32_t m = 0; m < n; m++) {
		uint32_t nv = k[m] ? k[m]->cfg.nvms : 0;
		show[m] = nv <= SMALL_RUN ? nv : 0;
		if (m == 0 && o->console_vms >= 0)
			show[m] = (uint64_t)o->console_vms < nv ? (uint32_t)o->console_vms : nv;
		imgs[m] = img[m];
		here[m] = world_runs_here(&w, m);
	}
	struct observe_machines om = { .n = n, .k = k, .here = here, .img = imgs,
				       .console_show = show, .quiet = o->quiet || !reporter,
				       .max_time_ns = o->max_time_ns, .rf = rf,
				       .trace_id = out->trace, .timeline_id = out->timeline,
				       .stats_id = out->stats,
				       .shot_id = out->shot };
	if (observe_start(&obs, &o->obs, &om) != 0)
		goto ready;
	observe_world(obs, &w);
	if (o->gdb && rk->mpi) {
		args_error("--gdb: not under mpirun (gdb debugs one process's machine)");
		goto ready;
	}
	if (o->gdb &&
	    gdb_server_open(&gdb, o->gdb, o->gdb_wait, k[o->gdb_machine], err, sizeof err) != 0) {
		args_error("%s", err);
		goto ready;
	}
	if (gdb && !devopts_not_replayable(&o->dev))
		gdb_server_reverse(gdb, kernel_ns_to_cycles(&k[o->gdb_machine]->cfg,
							    o->gdb_history_ns ? o->gdb_history_ns
									      : GDB_HISTORY_EVERY_NS));
	struct gdb_history_streams hs = { observe_stream_marks, observe_stream_hide, obs };
	gdb_server_streams(gdb, &hs);
	if (checkpoint_begin(&cr, &o->ck, rf, out->ckpt, argc, argv, image, dev, mo,
			     out->pcap_out, n, NULL, &w) != 0)
		goto ready;
	gdb_server_on_checkpoint(gdb, checkpoint_request, &cr); // monitor checkpoint FILE
	rc = 0;
ready:
	if (!ranks_ready(rk, &w, rc == 0)) {
		rc = 2;
		goto out;
	}
	double t0 = report_host_seconds();
	world_run(&w);
	double host_s = report_host_seconds() - t0;
	int orc = observe_end(obs); // the console and trace lines still buffered
	char by_rank[64 + 48 * WORLD_MAX_RANKS];
	ranks_times(rk, host_s, by_rank, sizeof by_rank);
	if (!reporter)
		goto out;
	if (w.err[0]) {
		args_error("%s", w.err);
		rc = 2;
		goto out;
	}
	for (uint32_t m = 0; m < n && !o->quiet; m++)
		if (!here[m])
			remote_console(k[m], m, show[m]);
	uint64_t digest = world_digest(&w);
	*digest_out = digest;
	for (uint32_t m = 0; m < n; m++) {
		report_diagnostics(k[m]);
		if (k[m]->stats.killed)
			rc = 1;
		if (m && k[m]->stats.ok != k[m]->cfg.nvms)
			rc = 1;
	}
	gdb_server_end(gdb, rc, observe_signal());
	if (orc)
		rc = 2;
	if (o->quiet)
		printf("digest %016llx\n", (unsigned long long)digest);
	else
		report(o, &w, image, digest, host_s, by_rank);
	checkpoint_report(res, k[0], o->quiet);
	if (checkpoint_end(&cr, k[0], o->quiet) != 0)
		rc = 2;
	fflush(stdout);
	if (out->results >= 0) {
		json_object *j = results_out_world(o, &w, image, digest);
		checkpoint_json(res, k[0], j); // a fork names its parent
		if (results_out_write(rf, out->results, j) != 0)
			rc = 2;
	}
	if (rc != 2 && out->profile >= 0) {
		FILE *f = runfiles_fopen(rf, out->profile);
		if (!f || profile_out_write(k[0], image[0], f, o->profile) != 0)
			rc = 2;
	}
	if (rc != 2 && observe_commit(obs) != 0)
		rc = 2;
	if (observe_signal() && rc != 2)
		rc = 128 + observe_signal(); // 130 (SIGINT) or 143 (SIGTERM)
out:
	if (rc == 2)
		observe_abort(obs);
	observe_free(obs);
	gdb_server_free(gdb);
	checkpoint_run_free(&cr);
	for (uint32_t i = 0; i < nattached; i++)
		if (devopts_detach(k[attached[i]]) != 0)
			rc = 2;
	rc = ranks_end(rk, &w, rc);
	for (uint32_t m = 0; m < n; m++) {
		if (k[m] && !world_runs_here(&w, m))
			(void)devhost_detach(k[m], err, sizeof err); // the imported counters
		kernel_free(k[m]);
		image_free(img[m]);
		machopts_groups_free(gimg[m], ngimg[m]);
	}
	world_free(&w);
	return rc;
}
