// SPDX-License-Identifier: MIT
// summary.json, the machine-readable report of `denali run --results DIR` (results_out.h):
// one object per machine (configuration, counters, memory model, devices, the guests'
// named results, interrupts, every VM), the link between machines, and the writer.
// Nothing host-dependent goes in: two runs with the same flags give the same file.
// The text report is report.c.
#include "results_out.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "args.h"

#include "report.h"
#include "trace/dis.h"
#include "trace/vmreport.h"
#include "vmm/devhost.h"
#include "vmm/image.h"
#include "vmm/postmortem.h"

static void add(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

static json_object *buckets(const struct hist *h)
{
	json_object *jb = json_object_new_array();
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		if (!h->bucket[b])
			continue;
		json_object *pair = json_object_new_array();
		json_object_array_add(pair, json_object_new_int64((int64_t)hist_lower(b)));
		json_object_array_add(pair, json_object_new_int64((int64_t)h->bucket[b]));
		json_object_array_add(jb, pair);
	}
	return jb;
}

static void guest_results(const struct results *r, json_object *j)
{
	json_object *all = json_object_new_object();
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		const struct hist *h = e->hist;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "kind", json_object_new_string(h ? "sample" : "counter"));
		add(o, "count", results_count(e));
		add(o, "sum", results_sum(e));
		if (h) {
			add(o, "min", h->min);
			add(o, "mean", h->sum / h->n);
			add(o, "p50", hist_quantile(h, 500));
			add(o, "p90", hist_quantile(h, 900));
			add(o, "p99", hist_quantile(h, 990));
			add(o, "max", h->max);
			json_object_object_add(o, "histogram", buckets(h));
		}
		// Two VMs may use one name as different kinds (docs/isa.md 9.5): the second
		// entry's key is NAME:KIND (':' is never part of a name).
		char key[DENALI_STAT_NAME_MAX + 16];
		snprintf(key, sizeof key, "%s%s%s", e->name, results_find(r, e->name) == e ? "" : ":",
			 results_find(r, e->name) == e ? "" : h ? "sample" : "counter");
		json_object_object_add(all, key, o);
	}
	json_object_object_add(j, "results", all);
	add(j, "results_rejected", r->rejected);
}

static void devices(const struct kernel *k, json_object *j)
{
	struct devset_stats st;
	if (!devhost_stats(k, &st))
		return;
	json_object *d = json_object_new_object();
	add(d, "nic_sent", st.nic_tx);
	add(d, "nic_received", st.nic_rx);
	add(d, "nic_send_errors", st.nic_tx_err);
	json_object *drop = json_object_new_object();
	add(drop, "rx_queue_full", st.nic_rx_drop_full);
	add(drop, "unknown_mac", st.sw_drop_unknown);
	add(drop, "vm_ended", st.sw_drop_down);
	add(drop, "port_queue_full", st.sw_drop_queue);
	add(drop, "trace_unreadable", st.replay_drop);
	add(drop, "loss", st.sw_lost);
	add(drop, "loss_uplink", st.uplink_lost);
	json_object_object_add(d, "dropped", drop);
	add(d, "switch_forwarded", st.sw_forwarded);
	add(d, "switch_flooded", st.sw_flooded);
	add(d, "switch_arp_steered", st.sw_arp_steered);
	add(d, "replayed", st.replay_frames);
	if (st.uplink) {
		add(d, "uplink_out", st.uplink_out);
		add(d, "uplink_in", st.uplink_in);
	}
	add(d, "captured", st.captured);
	add(d, "disk_reads", st.disk_reads);
	add(d, "disk_writes", st.disk_writes);
	add(d, "disk_errors", st.disk_errors);
	if (st.live) {
		add(d, "tap_in", st.tap_rx);
		add(d, "tap_out", st.tap_tx);
		add(d, "tap_refused", st.tap_tx_err);
		json_object_object_add(j, "nondeterministic", json_object_new_boolean(1));
		json_object_object_add(j, "digest_note", json_object_new_string(
			"live --tap run paced to wall time: the digest is not reproducible"));
	}
	json_object_object_add(j, "devices", d);
}

json_object *results_out_machine(const struct kernel *k, const char *image,
				 const struct run_opts *o, uint64_t digest)
{
	const struct kernel_stats *s = &k->stats;
	json_object *j = json_object_new_object();
	char hex[17];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)digest);
	json_object_object_add(j, "image", json_object_new_string(image));
	json_object_object_add(j, "vms", json_object_new_int64(k->cfg.nvms));
	json_object_object_add(j, "mem_size", json_object_new_int64(k->cfg.mem_size));
	if (k->ngroups > 1) { // VM groups (--group, experiment files): absent without
		json_object *ga = json_object_new_array();
		for (uint32_t g = 0; g < k->ngroups; g++) {
			const struct kernel_vm_group *vg = &k->groups[g];
			json_object *go = json_object_new_object();
			json_object_object_add(go, "image", json_object_new_string(
				g ? vg->img->name : image));
			json_object_object_add(go, "first_vm", json_object_new_int64(vg->first));
			json_object_object_add(go, "vms", json_object_new_int64(vg->count));
			json_object_object_add(go, "mem_size", json_object_new_int64(vg->mem_size));
			json_object_object_add(go, "args", json_object_new_string(
				vg->cmdline ? vg->cmdline : ""));
			json_object_array_add(ga, go);
		}
		json_object_object_add(j, "groups", ga);
	}
	json_object_object_add(j, "cpu_khz", json_object_new_int64(k->cfg.cpu_khz));
	json_object_object_add(j, "quantum_cycles", json_object_new_int64((int64_t)k->cfg.quantum_cycles));
	if (k->cfg.chaos) // docs/isa.md 12; absent without --chaos
		json_object_object_add(j, "chaos_seed", json_object_new_uint64(k->cfg.chaos_seed));
	json_object_object_add(j, "ctx_switch_cycles", json_object_new_int64((int64_t)k->cfg.ctx_switch_cycles));
	json_object_object_add(j, "pio_cycles", json_object_new_int64((int64_t)k->cfg.pio_cycles));
	json_object_object_add(j, "max_time_ns", json_object_new_int64((int64_t)o->max_time_ns));
	json_object_object_add(j, "end", json_object_new_string(report_end_name(k->end)));
	json_object_object_add(j, "terminated_ok", json_object_new_int64(s->ok));
	json_object_object_add(j, "nonzero_exit", json_object_new_int64(s->nonzero));
	json_object_object_add(j, "killed", json_object_new_int64(s->killed));
	json_object_object_add(j, "hung", json_object_new_int64(s->hung));
	json_object_object_add(j, "stopped", json_object_new_int64(s->stopped));
	json_object_object_add(j, "guest_instructions", json_object_new_int64((int64_t)s->retired));
	json_object_object_add(j, "guest_cycles", json_object_new_int64((int64_t)s->guest_cycles));
	json_object_object_add(j, "context_switches", json_object_new_int64((int64_t)s->ctx_switches));
	// Why the VM before each switch left the CPU (kernel.h switch_cause); the causes
	// sum to context_switches.
	static const char *const cause[KERNEL_SWITCH_CAUSES] = {
		[OBS_DESCHED_QUANTUM] = "quantum", [OBS_DESCHED_PREEMPT] = "preempted",
		[OBS_DESCHED_IDLE] = "idled", [OBS_DESCHED_SWAP] = "swap_wait",
		[OBS_DESCHED_END] = "ended", [OBS_DESCHED_STOP] = "stopped",
	};
	json_object *jc = json_object_new_object();
	for (unsigned i = 0; i < KERNEL_SWITCH_CAUSES; i++)
		json_object_object_add(jc, cause[i], json_object_new_int64((int64_t)s->switch_cause[i]));
	json_object_object_add(jc, "to_same_vm", json_object_new_int64((int64_t)s->switch_same));
	json_object_object_add(jc, "to_woken_vm", json_object_new_int64((int64_t)s->switch_to_woken));
	json_object_object_add(j, "context_switch_causes", jc);
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
	devices(k, j);
	guest_results(&k->results, j);
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
		// The cost model and tickets (issue 15 section 2): what a result depends on.
		json_object_object_add(j, "ctx_page_cycles", json_object_new_int64((int64_t)k->cfg.ctx_page_cycles));
		json_object_object_add(j, "ctx_free_pages", json_object_new_int64(k->cfg.ctx_free_pages));
		json_object_object_add(j, "ctx_cap_same_cycles", json_object_new_int64((int64_t)k->cfg.ctx_cap_same_cycles));
		json_object_object_add(j, "ctx_cap_other_cycles", json_object_new_int64((int64_t)k->cfg.ctx_cap_other_cycles));
		json_object_object_add(j, "intr_cycles", json_object_new_int64((int64_t)k->cfg.intr_cycles));
		// The kernel's per-VM data in the caches (ctxcache.h; footprint 0: off).
		const struct ctxcache_config *cc = &k->cfg.ctx_cache;
		json_object_object_add(j, "ctx_vm_footprint_bytes", json_object_new_int64(cc->vm_bytes));
		json_object_object_add(j, "ctx_l1_bytes", json_object_new_int64(cc->l1_bytes));
		json_object_object_add(j, "ctx_l2_bytes", json_object_new_int64(cc->l2_bytes));
		json_object_object_add(j, "ctx_l1_miss_cycles", json_object_new_int64((int64_t)cc->l1_miss_cycles));
		json_object_object_add(j, "ctx_l2_miss_cycles", json_object_new_int64((int64_t)cc->l2_miss_cycles));
		// The batching study's mechanisms (kernel.h; off by default).
		json_object_object_add(j, "irq_work_cycles", json_object_new_int64((int64_t)k->cfg.irq_work_cycles));
		json_object_object_add(j, "idle_boost", json_object_new_boolean(!k->cfg.no_idle_boost));
		json_object_object_add(j, "nic_irq", json_object_new_string(
			o->dev.c.nic_irq_frame ? "frame" : "edge"));
		json_object *tg = json_object_new_array();
		for (uint32_t g = 0; g < k->cfg.n_ticket_groups; g++) {
			const struct kernel_ticket_group *t = &k->cfg.ticket_groups[g];
			json_object *jt = json_object_new_object();
			json_object_object_add(jt, "first", json_object_new_int64(t->first));
			json_object_object_add(jt, "last", json_object_new_int64(t->last));
			json_object_object_add(jt, "tickets", json_object_new_int64(t->tickets));
			json_object_array_add(tg, jt);
		}
		json_object_object_add(j, "ticket_groups", tg);
		json_object_object_add(j, "nic", json_object_new_string(
			!o->dev.any ? "none" : o->dev.c.nic_chatty ? "chatty" : "simple"));
		json_object_object_add(j, "ctx_switch_cycles_total", json_object_new_int64((int64_t)s->ctx_switch_cycles));
		json_object_object_add(j, "ctx_refill_cycles_total", json_object_new_int64((int64_t)s->ctx_refill_cycles));
		json_object_object_add(j, "ctx_kdata_cycles_total", json_object_new_int64((int64_t)s->ctx_kdata_cycles));
		json_object *ji = json_object_new_object();
		json_object_object_add(ji, "raised", json_object_new_int64((int64_t)s->irqs_raised));
		json_object_object_add(ji, "delivered", json_object_new_int64((int64_t)s->irqs_delivered));
		json_object_object_add(ji, "upcalls", json_object_new_int64((int64_t)s->intr_deliveries));
		json_object_object_add(ji, "per_upcall", json_object_new_double(
			s->intr_deliveries ? (double)s->irqs_delivered / (double)s->intr_deliveries : 0.0));
		// Handlings: upcalls, and polls (int_pending bits cleared without an upcall).
		uint64_t handlings = s->intr_deliveries + s->intr_polls;
		json_object_object_add(ji, "polls", json_object_new_int64((int64_t)s->intr_polls));
		json_object_object_add(ji, "lines_per_handling", json_object_new_double(
			handlings ? (double)s->handled_lines / (double)handlings : 0.0));
		json_object_object_add(ji, "frames_per_handling", json_object_new_double(
			handlings ? (double)s->handled_frames / (double)handlings : 0.0));
		// Handlings by the NIC frames queued since the VM's previous one: [lowest frame
		// count of the bucket, handlings] for buckets 0, 1, 2, 3-4, 5-8, ..., 65+.
		json_object *jf = json_object_new_array();
		for (unsigned b = 0; b < KERNEL_UPCALL_BUCKETS; b++) {
			json_object *pair = json_object_new_array();
			json_object_array_add(pair, json_object_new_int64(b < 2 ? (int64_t)b : (1ll << (b - 2)) + 1));
			json_object_array_add(pair, json_object_new_int64((int64_t)s->handled_frames_hist[b]));
			json_object_array_add(jf, pair);
		}
		json_object_object_add(ji, "frames_per_handling_histogram", jf);
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
		json_object_object_add(jl, "histogram", buckets(h));
		json_object_object_add(ji, "latency_ns", jl);
		json_object_object_add(j, "interrupts", ji);
	}
	json_object *per = json_object_new_array();
	struct dis *d = NULL; // Capstone, opened for the first fault report
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		json_object *v = json_object_new_object();
		json_object_object_add(v, "id", json_object_new_int64(vm->id));
		json_object_object_add(v, "state", json_object_new_string(vm_state_name(vm->state)));
		json_object_object_add(v, "exit_code", json_object_new_int64(vm->exit_code));
		json_object_object_add(v, "instructions", json_object_new_int64((int64_t)vm->cpu.retired));
		json_object_object_add(v, "cycles", json_object_new_int64((int64_t)vm->cpu.cycles));
		json_object_object_add(v, "console_bytes", json_object_new_int64((int64_t)kernel_console(k, i)->total));
		if (vm->diag)
			json_object_object_add(v, "diagnostic", json_object_new_string(vm->diag));
		// The fault report of a killed VM, the place and wait of a hung or stopped
		// one (trace/vmreport.h), as on stderr.
		if (vm->state == VM_KILLED && vm->post) {
			if (!d)
				d = dis_new();
			json_object_object_add(v, "fault", vmreport_fault_json(d, kernel_vm_image(k, i), vm->post,
									      k->cfg.cpu_khz));
		}
		if ((vm->state == VM_HUNG || vm->state == VM_STOPPED) && k->waits)
			json_object_object_add(v, "wait", vmreport_wait_json(kernel_vm_image(k, i), &k->waits[i],
									    vm->state == VM_HUNG,
									    k->cfg.cpu_khz));
		json_object_array_add(per, v);
	}
	dis_free(d);
	json_object_object_add(j, "per_vm", per);
	return j;
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

json_object *results_out_world(const struct run_opts *o, const struct world *w,
			       const char *const *image, uint64_t digest)
{
	// The top level is machine 0's, as in a one-machine run, with the run's digest.
	json_object *j = results_out_machine(w->m[0].k, image[0], o, digest);
	json_object *arr = json_object_new_array();
	for (uint32_t m = 0; m < w->n; m++) {
		const struct kernel *k = w->m[m].k;
		json_object *jm = results_out_machine(k, image[m], o, kernel_digest(k));
		json_object_object_add(jm, "machine", json_object_new_int64(m));
		json_object_object_add(jm, "role", json_object_new_string(m ? "client" : "server"));
		json_object_object_add(jm, "cmdline", json_object_new_string(
			k->cfg.cmdline ? k->cfg.cmdline : ""));
		json_object_array_add(arr, jm);
	}
	json_object_object_add(j, "machines", arr);
	json_object_object_add(j, "link", link_json(o, w));
	return j;
}

int results_out_write(const struct runfiles *rf, int id, json_object *j)
{
	FILE *f = runfiles_fopen(rf, id);
	int rc = 2;
	if (!f)
		goto out;
	const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY);
	bool bad = !text || fputs(text, f) == EOF;
	bad |= ferror(f) != 0;
	if (fclose(f) != 0 || bad) {
		args_error("--results %s: cannot write summary.json: %s", runfiles_shown(rf, id),
			   strerror(errno ? errno : EIO));
		goto out;
	}
	rc = 0;
out:
	json_object_put(j);
	return rc;
}
