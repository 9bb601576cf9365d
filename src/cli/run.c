// SPDX-License-Identifier: MIT
// `denali run`: load one image, run N VMs of it on one simulated machine, report.
// Flags: opts.c (devices devopts.c, several machines machopts.c); with --client,
// machines.c runs several machines instead. The report is report.c, summary.json
// results_out.c.
// Output: for N <= 4 each VM's console (lines prefixed "[vm N] ", printed as they come
// by observe.c) and one status line per VM; for larger N a summary table. Both end
// with the results digest. Guest kill diagnostics and fault reports go to stderr. The
// host wall-clock time appears only in the summary's "host time" line; it never
// reaches the digest or summary.json.
// Exit status: 0 every VM terminated with exit code 0; 1 any VM exited nonzero, was
// killed, hung or was stopped by --max-time; 2 bad input (one line on stderr, no files);
// 128 + the signal when SIGINT or SIGTERM interrupted the run (observe.h).
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "args.h"
#include "checkpoint.h"
#include "gdb/history.h"
#include "gdb/server.h"
#include "cli.h"
#include "expfile.h"
#include "machines.h"
#include "observe.h"
#include "opts.h"
#include "profile_out.h"
#include "provenance.h"
#include "ranks.h"
#include "report.h"
#include "results_out.h"
#include "runfiles.h"
#include "vmm/digest.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

static void summary(const struct kernel *k, const struct run_opts *o, double host_s,
		    uint64_t digest)
{
	if (k->ngroups > 1)
		report_machine_header(k, "denali run: ", o->image);
	else
		printf("denali run: %s, %u VMs, %u KiB memory each\n", o->image, k->cfg.nvms,
		       k->cfg.mem_size / 1024);
	report_summary_body(k, host_s);
	printf("  digest              %016llx\n", (unsigned long long)digest);
}

static void free_images(struct image *img, struct image **gimg, uint32_t ngimg)
{
	image_free(img);
	machopts_groups_free(gimg, ngimg);
}

// One machine: load, run, report, write the outputs' temporary files. Returns the
// exit status (2: nothing is to be committed).
static int run_one(const struct run_opts *o, const struct runfiles *rf,
		   const struct opts_outputs *out, uint64_t *digest_out, int argc, char **argv,
		   struct checkpoint_resume *res)
{
	struct kernel_config cfg;
	opts_kernel_config(o, &cfg);
	struct devopts dev = o->dev;
	machopts_apply(&o->mach, &cfg, &dev);

	char err[512] = "";
	struct image *img, *gimg[KERNEL_MAX_GROUPS];
	uint32_t ngimg = 0;
	if (image_load(o->image, o->mem_size, &img, err, sizeof err) != 0) {
		return args_error("%s", err);
	}
	if (machopts_groups(&o->mach, 0, &cfg, gimg, &ngimg) != 0) {
		image_free(img);
		return 2;
	}
	struct kernel *k;
	if (opts_physmem_check(o, &cfg, img, 0) != 0 ||
	    kernel_new(&k, &cfg, img, err, sizeof err) != 0) {
		if (err[0])
			args_error("%s", err);
		free_images(img, gimg, ngimg);
		return 2;
	}
	const char *pcap_tmp = out->pcap_out >= 0 ? runfiles_tmp(rf, out->pcap_out) : NULL;
	// A resumed run's device files are checked, and its capture goes on (ckptfiles.h).
	if ((res && ckptfiles_resume(&res->r, res->path, 0, &dev.c, &o->mach, pcap_tmp) != 0) ||
	    devopts_attach(k, &dev, pcap_tmp) != 0) {
		kernel_free(k);
		free_images(img, gimg, ngimg);
		return 2;
	}
	// A resumed run starts from the checkpoint's state (checkpoint.h), before anyone
	// observes it.
	if (res && checkpoint_load(res, k) != 0) {
		devopts_detach(k);
		kernel_free(k);
		free_images(img, gimg, ngimg);
		return 2;
	}
	// Console lines stream while the run goes (observe.h).
	uint64_t nconsole = o->console_vms >= 0 ? (uint64_t)o->console_vms
			    : cfg.nvms <= SMALL_RUN ? cfg.nvms : 0;
	uint32_t show = nconsole > cfg.nvms ? cfg.nvms : (uint32_t)nconsole;
	struct kernel *ks[1] = { k };
	const struct image *imgs[1] = { img };
	struct observe_machines om = { .n = 1, .k = ks, .img = imgs, .console_show = &show,
				       .quiet = o->quiet, .max_time_ns = o->max_time_ns,
				       .rf = rf, .trace_id = out->trace,
				       .timeline_id = out->timeline, .stats_id = out->stats,
				       .shot_id = out->shot };
	struct observe *obs;
	if (observe_start(&obs, &o->obs, &om) != 0) {
		devopts_detach(k);
		kernel_free(k);
		free_images(img, gimg, ngimg);
		return 2;
	}
	struct gdb_server *gdb = NULL;
	if (o->gdb && gdb_server_open(&gdb, o->gdb, o->gdb_wait, k, err, sizeof err) == 0 &&
	    !devopts_not_replayable(&dev))
		gdb_server_reverse(gdb, kernel_ns_to_cycles(&cfg, o->gdb_history_ns
							     ? o->gdb_history_ns : GDB_HISTORY_EVERY_NS));
	struct gdb_history_streams hs = { observe_stream_marks, observe_stream_hide, obs };
	gdb_server_streams(gdb, &hs);
	if (o->gdb && !gdb) {
		args_error("%s", err);
		observe_abort(obs);
		observe_free(obs);
		devopts_detach(k);
		kernel_free(k);
		free_images(img, gimg, ngimg);
		return 2;
	}
	// A run with --checkpoint-at saves its state on the way; that changes nothing.
	struct checkpoint_run cr;
	const char *image0 = o->image;
	const struct devset_config *dev0 = &dev.c;
	if (checkpoint_begin(&cr, &o->ck, rf, out->ckpt, argc, argv, &image0, &dev0, &o->mach,
			     out->pcap_out, 1, k, NULL) != 0) {
		checkpoint_run_free(&cr);
		observe_abort(obs);
		observe_free(obs);
		gdb_server_free(gdb);
		devopts_detach(k);
		kernel_free(k);
		free_images(img, gimg, ngimg);
		return 2;
	}
	gdb_server_on_checkpoint(gdb, checkpoint_request, &cr); // monitor checkpoint FILE
	double t0 = report_host_seconds();
	kernel_run(k);
	double host_s = report_host_seconds() - t0;
	// gdb gets the end of the run (W) with the status below.
	gdb_server_end(gdb, k->stats.ok == cfg.nvms ? 0 : 1, observe_signal());
	int orc = observe_end(obs); // the console and trace lines still buffered
	uint64_t digest = kernel_digest(k);
	*digest_out = digest;
	report_diagnostics(k);

	if (o->quiet) {
		printf("digest %016llx\n", (unsigned long long)digest);
	} else {
		if (cfg.nvms <= SMALL_RUN) {
			for (uint32_t i = 0; i < cfg.nvms; i++)
				report_status_line(k, &k->vms[i], 0);
			char b[48];
			if (k->stats.irqs_raised || k->stats.exc_delivered)
				report_intr(k);
			report_devices(k);
			report_results(&k->results);
			if (k->cfg.chaos)
				printf("  chaos               seed %llu (docs/isa.md 12)\n",
				       (unsigned long long)k->cfg.chaos_seed);
			if (k->end == KERNEL_END_INTERRUPTED)
				printf("INTERRUPTED by %s\n", gdb_server_killed(gdb) ? "gdb (kill)"
								      : observe_signal_name());
			printf("simulated time %s, digest %016llx\n",
			       args_fmt_ns(kernel_cycles_to_ns(&k->cfg, k->now), b, sizeof b),
			       (unsigned long long)digest);
		} else {
			summary(k, o, host_s, digest);
		}
	}
	checkpoint_report(res, k, o->quiet);
	int crc = checkpoint_end(&cr, k, o->quiet);
	checkpoint_run_free(&cr);
	fflush(stdout);
	int rc = k->stats.ok == cfg.nvms ? 0 : 1;
	if (orc || crc)
		rc = 2;
	if (out->results >= 0) {
		json_object *j = results_out_machine(k, o->image, o, digest);
		checkpoint_json(res, k, j); // a fork names its parent
		if (results_out_write(rf, out->results, j))
			rc = 2;
	}
	if (rc != 2 && out->profile >= 0) {
		FILE *f = runfiles_fopen(rf, out->profile);
		if (!f || profile_out_write(k, o->image, f, o->profile) != 0)
			rc = 2;
	}
	if (rc != 2 && observe_commit(obs) != 0)
		rc = 2;
	if (rc == 2)
		observe_abort(obs);
	if (devopts_detach(k) != 0) // after summary.json: it reads the device counters
		rc = 2;
	observe_free(obs);
	gdb_server_free(gdb);
	kernel_free(k);
	free_images(img, gimg, ngimg);
	if (observe_signal() && rc != 2)
		rc = 128 + observe_signal(); // 130 (SIGINT) or 143 (SIGTERM)
	return rc;
}

// Under mpirun with several processes the instruments that follow every machine's
// events (--trace, --timeline, --stats-every, --console-dir) are refused: a process sees
// only its own machines' events (docs/machines.md "Over MPI"). Returns 0, or 2 after
// one line (rank 0's: the others keep quiet, ranks.h).
static int mpi_watch_check(const struct ranks *rk, const struct obsopts *oo)
{
	const char *flag = oo->trace_cats	? "--trace"
			   : oo->timeline	? "--timeline"
			   : oo->stats_every_ns ? "--stats-every"
			   : oo->console_dir	? "--console-dir"
			   : oo->view.flag	? oo->view.flag
						: NULL;
	if (rk->n <= 1 || !flag)
		return 0;
	fprintf(stderr, "denali run: %s under mpirun: not with %u MPI processes, each sees only "
			"its own machines' events (run one process; --machine-threads N gives the "
			"same digest)\n",
		flag, rk->n);
	return 2;
}

// The run's argv: the command line's, or an experiment file's merged with it (argv[1]
// not a flag: expfile.h; *expfile its path, else NULL); --print-config taken out
// (*print set). Returns 0 (free with expfile_argv_free), or 2 after one line.
static int run_argv(int argc, char **argv, bool *print, int *rargc, char ***rargv,
		    const char ***where, const char **expfile)
{
	*expfile = NULL;
	char **cl = malloc(((size_t)argc + 1) * sizeof *cl);
	if (!cl)
		return args_error("out of memory");
	int n = 0;
	*print = false;
	for (int i = 0; i < argc; i++) {
		if (i && !strcmp(argv[i], "--print-config"))
			*print = true;
		else
			cl[n++] = argv[i];
	}
	cl[n] = NULL;
	int rc = 0;
	if (n > 1 && cl[1][0] != '-') {
		*expfile = cl[1];
		struct expfile e;
		rc = expfile_load(cl[1], &e);
		if (rc == 0)
			rc = expfile_argv(&e, n, cl, 2, rargc, rargv, where);
		expfile_free(&e);
	} else {
		rc = expfile_argv(NULL, n, cl, 1, rargc, rargv, where);
	}
	free(cl);
	return rc;
}

int cli_run(int argc, char **argv)
{
	return cli_run_from(argc, argv, NULL);
}

static int run_args(struct ranks *rkp, int argc, char **argv, const char **where, bool print,
		    const char *expfile, struct run_opts *op, struct checkpoint_resume *res);

int cli_run_from(int argc, char **argv, struct checkpoint_resume *res)
{
	struct ranks rk;
	ranks_begin(&rk, argc, argv); // under mpirun, rank 0 speaks (ranks.h)
	bool print = false;
	int rargc;
	char **rargv;
	const char **where, *expfile;
	if (run_argv(argc, argv, &print, &rargc, &rargv, &where, &expfile) != 0)
		return 2;
	struct run_opts o;
	ckptopts_init(&o.ck);
	int rc = run_args(&rk, rargc, rargv, where, print, expfile, &o, res);
	ckptopts_free(&o.ck);
	expfile_argv_free(rargc, rargv, where);
	return rc;
}

// The run of argv (where: expfile_argv's), or with print its experiment on stdout;
// res: continuing from a checkpoint (resume.c). *op gets the options (to free).
static int run_args(struct ranks *rkp, int argc, char **argv, const char **where, bool print,
		    const char *expfile, struct run_opts *op, struct checkpoint_resume *res)
{
	struct run_opts o;
	int rc = opts_parse_from(argc, argv, where, &o);
	*op = o;
	if (rc)
		return rc == 1 ? 0 : 2;
	if (opts_check(&o) != 0)
		return 2;
	if (print)
		return expfile_print(stdout, argc, argv) == 0 ? 0 : 2;
	// Under mpirun: the machines' ranks, and MPI started (ranks.h); a run of one
	// machine is refused there.
	const struct machopts *mo = &o.mach;
	if (mo->nclients && mpi_watch_check(rkp, &o.obs) != 0)
		return 2;
	if (rkp->n > 1 && o.gdb) {
		fprintf(stderr, "denali run: --gdb under mpirun: not with %u MPI processes (gdb "
				"debugs the machines of one process; run one)\n",
			rkp->n);
		return 2;
	}
	int64_t capture = !o.dev.c.pcap_out ? -1 : mo->pcap_machine >= 0 ? mo->pcap_machine : 0;
	if (mo->nclients ? ranks_start(rkp, 1 + mo->nclients, mo->machine_ranks, capture)
			 : ranks_single(rkp))
		return 2;
	// Every file is checked before any is opened, and the outputs exist only as
	// temporary files until the run has ended well (runfiles.h). Under MPI every rank
	// checks, rank 0 alone writes, and a rank that fails here ends every rank once all
	// have set up their machines (machines_run).
	struct runfiles rf;
	runfiles_init(&rf);
	struct opts_outputs out;
	// provenance.json hashes the inputs (and disks) now, before the run changes a disk.
	struct provenance prov;
	bool files_ok = opts_files(&o, &rf, &out) == 0 && runfiles_check(&rf) == 0 &&
			(rkp->rank != 0 || runfiles_prepare(&rf) == 0) &&
			(rkp->rank != 0 || out.prov < 0 ||
			 provenance_begin(&prov, &rf, expfile) == 0);
	if (!files_ok && !rkp->mpi) {
		runfiles_abort(&rf);
		runfiles_free(&rf);
		return 2;
	}
	uint64_t digest = 0;
	rc = mo->nclients ? machines_run(&o, &rf, &out, rkp, files_ok, &digest, argc, argv, res)
			  : run_one(&o, &rf, &out, &digest, argc, argv, res);
	// The resolved experiment and where it came from, beside summary.json.
	if (rc != 2 && rkp->rank == 0 && out.prov >= 0) {
		FILE *f = runfiles_fopen(&rf, out.expcfg);
		if (!f || expfile_print(f, argc, argv) != 0 || fclose(f) != 0) {
			args_error("--results %s: cannot write experiment.cfg", o.results);
			rc = 2;
		} else if (provenance_write(&prov, &rf, out.prov, digest, argc, argv) != 0) {
			rc = 2;
		}
	}
	if (rc == 2 || rkp->rank != 0)
		runfiles_abort(&rf);
	else if (runfiles_commit(&rf) != 0)
		rc = 2;
	runfiles_free(&rf);
	if (o.gdb)
		gdb_server_finish(rc); // reverse execution may have moved the run (server.h)
	return rc;
}
