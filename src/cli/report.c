// SPDX-License-Identifier: MIT
// The text report of `denali run` (report.h): consoles, status lines, the summary of one
// machine (counters, interrupts, memory model, devices, the guests' named results) and
// the killed VMs' diagnostics. run.c and machines.c print their reports from these;
// summary.json is results_out.c.
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "trace/dis.h"
#include "trace/vmreport.h"
#include "vmm/devhost.h"
#include "vmm/image.h"
#include "vmm/postmortem.h"

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

void report_status_line(const struct kernel *k, const struct vm *vm, uint32_t machine)
{
	char n[32], name[48];
	printf("%s: %s", vm_name(machine, vm->id, name, sizeof name), vm_state_name(vm->state));
	if (vm->state == VM_TERMINATED)
		printf(", exit code %u", vm->exit_code);
	printf(", %s instructions\n", args_fmt_count(vm->cpu.retired, n, sizeof n));
	if ((vm->state == VM_HUNG || vm->state == VM_STOPPED) && k->waits) {
		char line[1024];
		printf("  %s\n", vmreport_wait_line(kernel_vm_image(k, vm->id), &k->waits[vm->id], vm->state == VM_HUNG,
						    k->cfg.cpu_khz, line, sizeof line));
	}
}

double report_host_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *report_end_name(enum kernel_end e)
{
	switch (e) {
	case KERNEL_END_ALL_DONE: return "all VMs ended";
	case KERNEL_END_MAX_TIME: return "max time reached";
	case KERNEL_END_DEADLOCK: return "deadlock: every live VM idle with nothing to wake it";
	case KERNEL_END_CLIENTS_DONE: return "every client VM ended";
	case KERNEL_END_INTERRUPTED: return "INTERRUPTED";
	}
	return "?";
}

void report_intr(const struct kernel *k)
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
	if (s->ctx_switches) {
		// Why the VM before each switch left the CPU (kernel.h switch_cause).
		char c[KERNEL_SWITCH_CAUSES][32];
		for (unsigned i = 0; i < KERNEL_SWITCH_CAUSES; i++)
			args_fmt_count(s->switch_cause[i], c[i], sizeof c[i]);
		printf("  switches, why       quantum %s, preempted %s, idled %s, swap wait %s, "
		       "ended %s%s%s\n", c[OBS_DESCHED_QUANTUM], c[OBS_DESCHED_PREEMPT],
		       c[OBS_DESCHED_IDLE], c[OBS_DESCHED_SWAP], c[OBS_DESCHED_END],
		       s->switch_cause[OBS_DESCHED_STOP] ? ", stopped " : "",
		       s->switch_cause[OBS_DESCHED_STOP] ? c[OBS_DESCHED_STOP] : "");
		printf("  switches, to        the same VM %s, a VM an interrupt woke %s\n",
		       args_fmt_count(s->switch_same, a, sizeof a),
		       args_fmt_count(s->switch_to_woken, b, sizeof b));
	}
	if (!s->irqs_raised && !s->exc_delivered)
		return;
	printf("  interrupts          %s raised, %s delivered in %s upcalls (%.2f per upcall)\n",
	       args_fmt_count(s->irqs_raised, a, sizeof a),
	       args_fmt_count(s->irqs_delivered, b, sizeof b),
	       args_fmt_count(s->intr_deliveries, pol, sizeof pol),
	       s->intr_deliveries ? (double)s->irqs_delivered / (double)s->intr_deliveries : 0.0);
	uint64_t handlings = s->intr_deliveries + s->intr_polls;
	if (handlings)
		printf("  handled             %s by upcall, %s by poll; each took %.2f lines, "
		       "%.2f NIC frames (mean)\n",
		       args_fmt_count(s->intr_deliveries, a, sizeof a),
		       args_fmt_count(s->intr_polls, b, sizeof b),
		       (double)s->handled_lines / (double)handlings,
		       (double)s->handled_frames / (double)handlings);
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

void report_devices(const struct kernel *k)
{
	struct devset_stats st;
	if (!devhost_stats(k, &st))
		return;
	char a[48], b[48], c[48], e[48], f[48];
	printf("  nic                 %s sent, %s received, %s dropped (rx queue full), "
	       "%s send errors\n", args_fmt_count(st.nic_tx, a, sizeof a),
	       args_fmt_count(st.nic_rx, b, sizeof b),
	       args_fmt_count(st.nic_rx_drop_full, c, sizeof c),
	       args_fmt_count(st.nic_tx_err, e, sizeof e));
	printf("  switch              %s forwarded, %s flooded; dropped: %s unknown MAC, "
	       "%s VM ended, %s port queue full\n",
	       args_fmt_count(st.sw_forwarded, a, sizeof a),
	       args_fmt_count(st.sw_flooded, b, sizeof b),
	       args_fmt_count(st.sw_drop_unknown, c, sizeof c),
	       args_fmt_count(st.sw_drop_down, e, sizeof e),
	       args_fmt_count(st.sw_drop_queue, f, sizeof f));
	if (st.sw_arp_steered)
		printf("  ARP steered         %s requests sent to their VM only (--arp-flood: "
		       "to all)\n", args_fmt_count(st.sw_arp_steered, a, sizeof a));
	if (st.sw_lost)
		printf("  lost (--loss)       %s frames, %s of them on the way to other machines\n",
		       args_fmt_count(st.sw_lost, a, sizeof a),
		       args_fmt_count(st.uplink_lost, b, sizeof b));
	if (st.uplink)
		printf("  uplink              %s frames to other machines, %s from them\n",
		       args_fmt_count(st.uplink_out, a, sizeof a),
		       args_fmt_count(st.uplink_in, b, sizeof b));
	if (st.replay_frames || st.replay_drop || st.captured)
		printf("  trace               %s frames replayed, %s dropped reading it, "
		       "%s captured\n", args_fmt_count(st.replay_frames, a, sizeof a),
		       args_fmt_count(st.replay_drop, b, sizeof b),
		       args_fmt_count(st.captured, c, sizeof c));
	if (st.live) {
		printf("  tap                 %s frames in, %s out, %s refused by the host\n",
		       args_fmt_count(st.tap_rx, a, sizeof a),
		       args_fmt_count(st.tap_tx, b, sizeof b),
		       args_fmt_count(st.tap_tx_err, c, sizeof c));
		printf("  mode                NONDETERMINISTIC (live --tap, paced to wall time): "
		       "the digest is not reproducible\n");
	}
	if (st.disk_reads || st.disk_writes || st.disk_errors)
		printf("  disks               %s reads, %s writes, %s I/O errors\n",
		       args_fmt_count(st.disk_reads, a, sizeof a),
		       args_fmt_count(st.disk_writes, b, sizeof b),
		       args_fmt_count(st.disk_errors, c, sizeof c));
}

static int is_ns(const char *name)
{
	size_t n = strlen(name);
	return n >= 3 && strcmp(name + n - 3, "_ns") == 0;
}

static const char *fmt(const char *name, uint64_t v, char *buf, size_t len)
{
	if (is_ns(name))
		return args_fmt_ns(v, buf, len);
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

void report_results(const struct results *r)
{
	if (!r->n && !r->rejected)
		return;
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		char a[48], b[48], c[48], d[48], f[48];
		if (!e->hist) {
			printf("  result %-20s %s (%" PRIu64 " reports)\n", e->name,
			       fmt(e->name, e->sum, a, sizeof a), e->count);
			continue;
		}
		const struct hist *h = e->hist;
		printf("  result %-20s n=%" PRIu64 " mean %s p50 %s p90 %s p99 %s max %s\n", e->name,
		       h->n, fmt(e->name, h->sum / h->n, a, sizeof a),
		       fmt(e->name, hist_quantile(h, 500), b, sizeof b),
		       fmt(e->name, hist_quantile(h, 900), c, sizeof c),
		       fmt(e->name, hist_quantile(h, 990), d, sizeof d),
		       fmt(e->name, h->max, f, sizeof f));
	}
	if (r->rejected)
		printf("  results rejected    %" PRIu64 " (bad name, full table or wrong kind)\n",
		       r->rejected);
}

void report_summary_body(const struct kernel *k, double host_s)
{
	const struct kernel_stats *s = &k->stats;
	char a[48], b[48];
	uint64_t sim_ns = kernel_cycles_to_ns(&k->cfg, k->now);
	printf("  end                 %s\n", report_end_name(k->end));
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
	report_intr(k);
	printf("  simulated time      %s\n", args_fmt_ns(sim_ns, b, sizeof b));
	if (host_s >= 0) {
		printf("  host time           %.3f s (wall clock; the only host-dependent number)\n",
		       host_s);
		printf("  guest MIPS          %.1f (host)\n",
		       host_s > 0 ? (double)s->retired / host_s / 1e6 : 0.0);
	}
	memory_summary(k);
	report_devices(k);
	report_results(&k->results);
}

void report_diagnostics(const struct kernel *k)
{
	// Guest diagnostics on stderr: the first REPORT_FULL killed VMs with their fault
	// report (trace/vmreport.h), the next ones up to 20 in one line each.
	uint32_t killed = 0, hung = 0;
	struct dis *d = NULL;
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		if (vm->state != VM_KILLED || ++killed > 20)
			continue;
		fprintf(stderr, "%s\n", vm->diag ? vm->diag : "vm: killed");
		if (killed <= REPORT_FULL && vm->post) {
			if (!d)
				d = dis_new();
			vmreport_fault_text(stderr, d, kernel_vm_image(k, i), vm->post);
		}
	}
	dis_free(d);
	if (killed > 20)
		fprintf(stderr, "... %u more VMs killed\n", killed - 20);
	// Hung VMs of a larger run (a small one shows them in its status lines).
	for (uint32_t i = 0; k->waits && k->cfg.nvms > SMALL_REPORT && i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		if (vm->state != VM_HUNG || ++hung > REPORT_FULL)
			continue;
		char line[1024];
		fprintf(stderr, "vm %u: hung %s\n", i, vmreport_wait_line(kernel_vm_image(k, i), &k->waits[i], true,
									   k->cfg.cpu_khz, line,
									   sizeof line));
	}
	if (hung > REPORT_FULL)
		fprintf(stderr, "... %u more VMs hung\n", hung - REPORT_FULL);
	if (k->host_oom)
		fprintf(stderr, "denali run: warning: the host ran out of memory during the run\n");
}

void report_machine_header(const struct kernel *k, const char *prefix, const char *image)
{
	if (k->ngroups <= 1) {
		printf("%s%u VMs of %s, %u KiB memory each\n", prefix, k->cfg.nvms, image,
		       k->cfg.mem_size / 1024);
		return;
	}
	printf("%s%u VMs in %u groups\n", prefix, k->cfg.nvms, k->ngroups);
	for (uint32_t g = 0; g < k->ngroups; g++) {
		const struct kernel_vm_group *vg = &k->groups[g];
		char ids[48];
		snprintf(ids, sizeof ids, "VMs %u-%u", vg->first, vg->first + vg->count - 1);
		printf("  group %-2u %-12s %s, %u KiB memory each%s%s%s\n", g, ids,
		       g ? vg->img->name : image, vg->mem_size / 1024,
		       vg->cmdline && *vg->cmdline ? ", args \"" : "",
		       vg->cmdline && *vg->cmdline ? vg->cmdline : "",
		       vg->cmdline && *vg->cmdline ? "\"" : "");
	}
}
