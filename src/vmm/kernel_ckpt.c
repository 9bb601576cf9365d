// SPDX-License-Identifier: MIT
// A machine's state into checkpoint sections and back (kernel_ckpt.h). Each module's
// own state is packed by its owner (sched_ckpt_*, results_ckpt_*, physmem_*ckpt_*,
// mem_ckpt.c, timer_state, cpu_exec_tlb_*); this file packs the kernel's, the VMs' and
// the interrupt state, and checks on loading the invariants kernel.c relies on (its top
// comment), so that a crafted file is refused rather than run.
#include "vmm/kernel_ckpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console_out.h"
#include "devices/timer.h"
#include "vmm/devhost.h"
#include "vmm/gatekeeper.h"
#include "vmm/mem_ckpt.h"
#include "vmm/postmortem.h"

// Config fields a checkpoint cannot be loaded without (others may change: a fork).
static void pack_config(struct pack *b, const struct kernel_config *c)
{
	pack_u32(b, c->nvms);
	pack_u32(b, c->mem_size);
	pack_u32(b, c->cpu_khz);
	pack_u32(b, c->machine_id);
	pack_u8(b, c->sched);
	pack_u8(b, c->chaos);
	pack_u64(b, c->chaos ? c->chaos_seed : 0);
	pack_u8(b, c->block_max_insns > 0 ? (uint8_t)c->block_max_insns : 0);
	pack_u64(b, c->pm.phys_bytes);
	pack_u32(b, c->pm.block_bytes);
	pack_u32(b, c->pm.min_free_frames);
	pack_u32(b, c->pm.meta_bytes_per_vm);
	pack_u64(b, c->pm.disk.seek_ns);
	pack_u64(b, c->pm.disk.rotation_ns);
	pack_u64(b, c->pm.disk.rate_bytes_per_s);
	pack_u32(b, c->n_vm_groups);
	for (uint32_t g = 0; g < c->n_vm_groups; g++) {
		pack_u32(b, c->vm_groups[g].count);
		pack_u32(b, c->vm_groups[g].mem_size);
	}
}

static void pack_stats(struct pack *b, const struct kernel_stats *s)
{
	const uint64_t v[] = { s->retired, s->guest_cycles, s->ctx_switches, s->pios,
			       s->pios_unknown, s->dispatches, s->ctx_switch_cycles,
			       s->ctx_refill_cycles, s->irqs_raised, s->irqs_delivered,
			       s->intr_deliveries, s->irq_wakes, s->irq_switches,
			       s->irq_preemptions, s->exc_delivered, s->timer_arms };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		pack_u64(b, v[i]);
	for (unsigned i = 0; i < KERNEL_SWITCH_CAUSES; i++)
		pack_u64(b, s->switch_cause[i]);
	pack_u64(b, s->switch_same);
	pack_u64(b, s->switch_to_woken);
	pack_u64(b, s->intr_polls);
	pack_u64(b, s->handled_lines);
	pack_u64(b, s->handled_frames);
	for (unsigned i = 0; i < KERNEL_UPCALL_BUCKETS; i++)
		pack_u64(b, s->handled_frames_hist[i]);
	const struct hist *h = &s->latency_ns;
	pack_u64(b, h->n);
	pack_u64(b, h->min);
	pack_u64(b, h->max);
	pack_u64(b, h->sum);
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		pack_u64(b, h->bucket[i]);
}

static void unpack_stats(struct unpack *u, struct kernel_stats *s)
{
	uint64_t *v[] = { &s->retired, &s->guest_cycles, &s->ctx_switches, &s->pios,
			  &s->pios_unknown, &s->dispatches, &s->ctx_switch_cycles,
			  &s->ctx_refill_cycles, &s->irqs_raised, &s->irqs_delivered,
			  &s->intr_deliveries, &s->irq_wakes, &s->irq_switches,
			  &s->irq_preemptions, &s->exc_delivered, &s->timer_arms };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		*v[i] = unpack_u64(u);
	for (unsigned i = 0; i < KERNEL_SWITCH_CAUSES; i++)
		s->switch_cause[i] = unpack_u64(u);
	s->switch_same = unpack_u64(u);
	s->switch_to_woken = unpack_u64(u);
	s->intr_polls = unpack_u64(u);
	s->handled_lines = unpack_u64(u);
	s->handled_frames = unpack_u64(u);
	for (unsigned i = 0; i < KERNEL_UPCALL_BUCKETS; i++)
		s->handled_frames_hist[i] = unpack_u64(u);
	struct hist *h = &s->latency_ns;
	h->n = unpack_u64(u);
	h->min = unpack_u64(u);
	h->max = unpack_u64(u);
	h->sum = unpack_u64(u);
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		h->bucket[i] = unpack_u64(u);
}

static void pack_cpu(struct pack *b, const struct cpu *c)
{
	for (int i = 0; i < 8; i++)
		pack_u32(b, c->r[i]);
	pack_u32(b, c->eip);
	pack_u32(b, c->eflags);
	pack_u32(b, c->lazy.res);
	pack_u32(b, c->lazy.a);
	pack_u32(b, c->lazy.b);
	pack_u8(b, c->lazy.op);
	pack_u64(b, c->cycles);
	pack_u64(b, c->retired);
	pack_u32(b, c->pio.port);
	pack_u8(b, c->pio.size);
	pack_u8(b, c->pio.is_in);
	pack_u32(b, c->pio.value);
	pack_u8(b, c->fault.vector);
	pack_u32(b, c->fault.error_code);
	pack_u32(b, c->fault.addr);
	pack_u32(b, c->fault.eip);
}

static void unpack_cpu(struct unpack *u, struct cpu *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < 8; i++)
		c->r[i] = unpack_u32(u);
	c->eip = unpack_u32(u);
	c->eflags = unpack_u32(u);
	c->lazy.res = unpack_u32(u);
	c->lazy.a = unpack_u32(u);
	c->lazy.b = unpack_u32(u);
	c->lazy.op = unpack_u8(u);
	c->cycles = unpack_u64(u);
	c->retired = unpack_u64(u);
	c->pio.port = (uint16_t)unpack_u32(u);
	c->pio.size = unpack_u8(u);
	c->pio.is_in = unpack_u8(u) != 0;
	c->pio.value = unpack_u32(u);
	c->fault.vector = unpack_u8(u);
	c->fault.error_code = unpack_u32(u);
	c->fault.addr = unpack_u32(u);
	c->fault.eip = unpack_u32(u);
}

static void pack_post(struct pack *b, const struct postmortem *p)
{
	pack_u8(b, p != NULL);
	if (!p)
		return;
	pack_u64(b, p->time_cycles);
	for (int i = 0; i < 8; i++)
		pack_u32(b, p->r[i]);
	pack_u32(b, p->eip);
	pack_u32(b, p->eflags);
	pack_u8(b, p->fault);
	pack_u8(b, p->vector);
	pack_u32(b, p->error_code);
	pack_u32(b, p->addr);
	pack_raw(b, p->insn, sizeof p->insn);
	pack_u8(b, p->ninsn);
	for (int i = 0; i < POSTMORTEM_STACK; i++)
		pack_u32(b, p->stack[i]);
	pack_u8(b, p->nstack);
	for (int i = 0; i < POSTMORTEM_FRAMES; i++) {
		pack_u32(b, p->frames[i].fp);
		pack_u32(b, p->frames[i].ret);
	}
	pack_u8(b, p->nframes);
	pack_u8(b, p->walk_end);
	for (int i = 0; i < POSTMORTEM_BRANCHES; i++)
		pack_u32(b, p->branches[i]);
	pack_u8(b, p->nbranches);
}

static int unpack_post(struct unpack *u, struct postmortem **out)
{
	*out = NULL;
	if (!unpack_u8(u))
		return u->bad ? -1 : 0;
	struct postmortem *p = calloc(1, sizeof *p);
	if (!p)
		return -1;
	p->time_cycles = unpack_u64(u);
	for (int i = 0; i < 8; i++)
		p->r[i] = unpack_u32(u);
	p->eip = unpack_u32(u);
	p->eflags = unpack_u32(u);
	p->fault = unpack_u8(u) != 0;
	p->vector = unpack_u8(u);
	p->error_code = unpack_u32(u);
	p->addr = unpack_u32(u);
	unpack_raw(u, p->insn, sizeof p->insn);
	p->ninsn = unpack_u8(u);
	for (int i = 0; i < POSTMORTEM_STACK; i++)
		p->stack[i] = unpack_u32(u);
	p->nstack = unpack_u8(u);
	for (int i = 0; i < POSTMORTEM_FRAMES; i++) {
		p->frames[i].fp = unpack_u32(u);
		p->frames[i].ret = unpack_u32(u);
	}
	p->nframes = unpack_u8(u);
	p->walk_end = unpack_u8(u);
	for (int i = 0; i < POSTMORTEM_BRANCHES; i++)
		p->branches[i] = unpack_u32(u);
	p->nbranches = unpack_u8(u);
	*out = p;
	if (u->bad || p->ninsn > sizeof p->insn || p->nstack > POSTMORTEM_STACK ||
	    p->nframes > POSTMORTEM_FRAMES || p->nbranches > POSTMORTEM_BRANCHES ||
	    p->walk_end > POSTMORTEM_WALK_LIMIT)
		return -1;
	return 0;
}

static void pack_intr(struct pack *b, const struct intr_vm *s)
{
	pack_u32(b, s->pending);
	pack_u32(b, s->count);
	pack_u32(b, s->shown);
	pack_u32(b, s->cur_n);
	pack_u64(b, s->first_cycles);
	pack_u64(b, s->t_cycles);
	pack_u64(b, s->last_delivery);
	pack_u32(b, s->coal_gen);
	pack_u64(b, s->exc_retired);
	pack_u64(b, s->idle_since);
	pack_u8(b, s->policy);
	pack_u8(b, s->exc_armed);
	pack_u8(b, s->woke_by_irq);
	pack_u8(b, s->swap_wait);
	pack_u64(b, s->wake_at);
	pack_u64(b, s->rxq_seen);
}

static void unpack_intr(struct unpack *u, struct intr_vm *s)
{
	s->pending = unpack_u32(u);
	s->count = unpack_u32(u);
	s->shown = unpack_u32(u);
	s->cur_n = unpack_u32(u);
	s->first_cycles = unpack_u64(u);
	s->t_cycles = unpack_u64(u);
	s->last_delivery = unpack_u64(u);
	s->coal_gen = unpack_u32(u);
	s->exc_retired = unpack_u64(u);
	s->idle_since = unpack_u64(u);
	s->policy = unpack_u8(u);
	s->exc_armed = unpack_u8(u) != 0;
	s->woke_by_irq = unpack_u8(u) != 0;
	s->swap_wait = unpack_u8(u) != 0;
	s->wake_at = unpack_u64(u);
	s->rxq_seen = unpack_u64(u);
}

static void pack_vm(struct kernel *k, struct mem_ckpt_save *ms, struct pack *b, struct vm *vm)
{
	pack_u8(b, vm->state);
	pack_u8(b, vm->has_mem);
	pack_u32(b, vm->exit_code);
	pack_u64(b, vm->wake_gen);
	pack_cpu(b, &vm->cpu);
	pack_u64(b, vm->pios);
	pack_u64(b, vm->pios_unknown);
	pack_u64(b, vm->slices);
	pack_bytes(b, vm->diag ? vm->diag : "", vm->diag ? (uint32_t)strlen(vm->diag) : 0);
	pack_post(b, vm->post);
	pack_intr(b, &k->iv[vm->id]);
	uint32_t gen;
	bool armed;
	uint64_t deadline;
	timer_state(k->timer, vm->id, &gen, &armed, &deadline);
	pack_u32(b, gen);
	pack_u8(b, armed);
	pack_u64(b, deadline);
	const struct console_out_vm *con = console_out_vm(k->con, vm->id);
	pack_u64(b, con->total);
	pack_bytes(b, con->bytes, con->len);
	if (!vm->has_mem)
		return;
	mem_ckpt_save(ms, &vm->mem, b);
	pack_u8(b, vm->mem.pm != NULL);
	if (vm->mem.pm)
		physmem_mem_ckpt_save(&vm->mem, b);
}

int kernel_ckpt_write(struct kernel *k, struct ckpt_writer *w, char *err, size_t errlen)
{
	uint32_t m = k->cfg.machine_id;
	if (k->ran || (k->running >= 0 && !k->paused)) {
		snprintf(err, errlen, "checkpoint: machine %u is not at a clean point", m);
		return -1;
	}
	struct pack b;
	pack_init(&b);
	pack_config(&b, &k->cfg);
	pack_u64(&b, k->now);
	pack_u32(&b, k->live);
	pack_u64(&b, (uint64_t)k->last_vm);
	pack_u8(&b, k->host_oom);
	pack_u64(&b, (uint64_t)k->running);
	pack_u8(&b, k->paused);
	pack_u8(&b, k->preempt);
	pack_u64(&b, (uint64_t)k->slice_left);
	pack_u64(&b, (uint64_t)k->stopped_vm);
	const struct kernel_dispatch *d = &k->disp;
	pack_u8(&b, d->same);
	pack_u8(&b, d->switched);
	pack_u8(&b, d->why);
	pack_u64(&b, cpu_exec_stats(k->x)->tlb_misses - d->misses0);
	pack_u64(&b, d->cycles0);
	pack_u64(&b, d->retired0);
	pack_u64(&b, k->evq_trim_at);
	pack_u8(&b, k->last_why);
	pack_stats(&b, &k->stats);
	for (int i = 0; i < CHAOS_KINDS; i++)
		pack_u64(&b, k->chaos.draws[i]);
	pack_u64(&b, k->evq.next_seq);
	pack_u64(&b, k->evq.len);
	for (size_t i = 0; i < k->evq.len; i++) {
		const struct evq_event *e = &k->evq.heap[i];
		pack_u64(&b, e->time);
		pack_u64(&b, e->seq);
		pack_u32(&b, e->kind);
		pack_u32(&b, e->target);
		pack_u64(&b, e->tag);
	}
	sched_ckpt_save(&k->sched, &b);
	results_ckpt_save(&k->results, &b);
	pack_u8(&b, k->prof_next != NULL); // --profile: the samples and each VM's next one
	if (k->prof_next) {
		profile_ckpt_save(&k->prof, &b);
		for (uint32_t i = 0; i < k->cfg.nvms; i++)
			pack_u64(&b, k->prof_next[i]);
	}
	if (devhost_ckpt_save(k, &b, err, errlen) != 0) {
		pack_free(&b);
		return -1;
	}
	struct mem_ckpt_save ms;
	mem_ckpt_save_init(&ms);
	for (uint32_t i = 0; i < k->cfg.nvms; i++)
		pack_vm(k, &ms, &b, &k->vms[i]);
	pack_u8(&b, k->pm != NULL);
	if (k->pm)
		physmem_ckpt_save(k->pm, &b);
	bool tlb = k->last_vm >= 0 && k->vms[k->last_vm].has_mem;
	pack_u8(&b, tlb);
	if (tlb) {
		struct cpu_tlb_state ts;
		cpu_exec_tlb_save(k->x, &ts);
		for (unsigned i = 0; i < CPU_TLB_ENTRIES; i++) {
			pack_u32(&b, ts.page[i]);
			pack_u8(&b, ts.write[i]);
		}
	}
	struct pack pages;
	pack_init(&pages);
	mem_ckpt_save_pages(&ms, &pages);
	int rc = 0;
	if (b.oom || pages.oom || ms.oom) {
		snprintf(err, errlen, "checkpoint: machine %u: out of memory", m);
		rc = -1;
	} else if (ckpt_write_section(w, KERNEL_CKPT_TAG, m, b.p, b.len) != 0 ||
		   ckpt_write_section(w, KERNEL_CKPT_PAGES, m, pages.p, pages.len) != 0) {
		snprintf(err, errlen, "%s", w->err);
		rc = -1;
	} else if (ctxcache_on(&k->cc)) {
		struct pack cb;
		pack_init(&cb);
		pack_u64(&cb, k->stats.ctx_kdata_cycles);
		ctxcache_ckpt_save(&k->cc, &cb);
		if (cb.oom) {
			snprintf(err, errlen, "checkpoint: machine %u: out of memory", m);
			rc = -1;
		} else if (ckpt_write_section(w, KERNEL_CKPT_CTXCACHE, m, cb.p, cb.len) != 0) {
			snprintf(err, errlen, "%s", w->err);
			rc = -1;
		}
		pack_free(&cb);
	}
	mem_ckpt_save_free(&ms);
	pack_free(&pages);
	pack_free(&b);
	return rc;
}

// --- loading ------------------------------------------------------------------------

struct loader {
	struct kernel *k;
	struct unpack u;
	struct mem_ckpt_load ml;
	const char *file;
	char *err;
	size_t errlen;
};

// One line naming the file, the machine and what is wrong; returns -1.
static int bad(struct loader *l, const char *what)
{
	snprintf(l->err, l->errlen, "%s: machine %u: %s", l->file, l->k->cfg.machine_id, what);
	return -1;
}

static int load_config(struct loader *l)
{
	struct pack want;
	pack_init(&want);
	pack_config(&want, &l->k->cfg);
	if (want.oom) {
		pack_free(&want);
		return bad(l, "out of memory");
	}
	uint8_t got[256];
	int rc = 0;
	if (want.len > sizeof got) {
		rc = bad(l, "config too large");
	} else {
		unpack_raw(&l->u, got, want.len);
		if (l->u.bad)
			rc = bad(l, "state truncated");
		else if (memcmp(got, want.p, want.len) != 0)
			rc = bad(l, "saved with another VM count, memory size, clock, scheduler, "
				    "chaos seed, block size or memory model than this run has");
	}
	pack_free(&want);
	return rc;
}

static int load_events(struct loader *l)
{
	struct kernel *k = l->k;
	struct unpack *u = &l->u;
	uint64_t next_seq = unpack_u64(u), n = unpack_u64(u);
	if (u->bad || n > u->len / 32) // each event takes 32 bytes
		return bad(l, "bad event count");
	struct evq_event *ev = n ? malloc(n * sizeof *ev) : NULL;
	if (n && !ev)
		return bad(l, "out of memory");
	for (uint64_t i = 0; i < n; i++) {
		ev[i].time = unpack_u64(u);
		ev[i].seq = unpack_u64(u);
		ev[i].kind = unpack_u32(u);
		ev[i].target = unpack_u32(u);
		ev[i].tag = unpack_u64(u);
		if (ev[i].kind < KEV_WAKE || ev[i].kind > KEV_CHAOS_IRQ ||
		    (ev[i].kind == KEV_DEVICE && !k->dev) || ev[i].target >= k->cfg.nvms) {
			free(ev);
			return bad(l, "bad event");
		}
	}
	int rc = u->bad || evq_restore(&k->evq, ev, n, next_seq) != 0 ? -1 : 0;
	free(ev);
	return rc ? bad(l, "bad event queue") : 0;
}

static int load_vm(struct loader *l, struct vm *vm)
{
	struct kernel *k = l->k;
	struct unpack *u = &l->u;
	vm->state = unpack_u8(u);
	bool has_mem = unpack_u8(u) != 0;
	vm->exit_code = unpack_u32(u);
	vm->wake_gen = unpack_u64(u);
	unpack_cpu(u, &vm->cpu);
	vm->pios = unpack_u64(u);
	vm->pios_unknown = unpack_u64(u);
	vm->slices = unpack_u64(u);
	uint32_t dl;
	const uint8_t *diag = unpack_bytes(u, 4096, &dl);
	if (!diag || vm->state > VM_STOPPED || !cpu_state_valid(&vm->cpu))
		return bad(l, "bad VM state");
	if (dl && !(vm->diag = strndup((const char *)diag, dl)))
		return bad(l, "out of memory");
	if (unpack_post(u, &vm->post) != 0)
		return bad(l, "bad fault report");
	// The interrupt policy is the run's (a fork may change it, kernel_ckpt.h): a VM
	// whose saved policy differs takes the new one, keeping what is pending.
	struct intr_vm *s = &k->iv[vm->id], fresh = *s;
	unpack_intr(u, s);
	if (s->policy != fresh.policy || s->t_cycles != fresh.t_cycles ||
	    (fresh.policy != INTR_ADAPTIVE && s->cur_n != fresh.cur_n)) {
		s->policy = fresh.policy;
		s->t_cycles = fresh.t_cycles;
		s->cur_n = fresh.cur_n;
	}
	uint32_t gen = unpack_u32(u);
	bool armed = unpack_u8(u) != 0;
	uint64_t deadline = unpack_u64(u);
	uint64_t total = unpack_u64(u);
	uint32_t cl;
	const uint8_t *con = unpack_bytes(u, k->cfg.console_cap, &cl);
	// intr.c's invariants: lines shown are pending; pending lines were raised (counted)
	// no later than now. (2026-12-07, fuzz-ckpt with devices: a pending line with a
	// first raise after the clock hit intr_deliver's assertion.)
	bool intr_ok = (s->shown & ~s->pending) == 0 &&
		       (!s->pending || (s->count > 0 && s->first_cycles <= k->now));
	if (!con || !intr_ok || s->policy >= INTR_KINDS ||
	    timer_restore(k->timer, vm->id, gen, armed, deadline) != 0 ||
	    total < cl || (cl && console_out_restore(k->con, vm->id, con, cl, total) != 0))
		return bad(l, "bad interrupt, timer or console state");
	bool alive = vm->state == VM_RUNNABLE || vm->state == VM_IDLE;
	if (has_mem != alive)
		return bad(l, "a VM's memory does not match its state");
	if (vm->state == VM_HUNG || vm->state == VM_STOPPED)
		return bad(l, "a VM of a finished run");
	if (!has_mem)
		return 0;
	const struct kernel_vm_group *grp = kernel_vm_group(k, vm->id); // its image
	if (mem_init(&vm->mem, grp->img, grp->mem_size, k->x) != 0)
		return bad(l, "out of memory");
	vm->has_mem = true;
	if (gk_vm_start(k, vm) != 0)
		return bad(l, "out of memory");
	vm->mem.obs = &k->obs;
	vm->mem.vm_id = vm->id;
	if (mem_ckpt_load(&l->ml, &vm->mem, u) != 0)
		return bad(l, "bad guest memory");
	bool modelled = unpack_u8(u) != 0;
	if (modelled != (vm->mem.pm != NULL) ||
	    (modelled && physmem_mem_ckpt_load(&vm->mem, u) != 0))
		return bad(l, "bad memory-model state");
	return 0;
}

// kernel.c's invariants (its top comment) hold in what was loaded.
static int check_invariants(struct loader *l)
{
	struct kernel *k = l->k;
	uint32_t live = 0;
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		live += !vm_ended(vm);
		bool runnable = vm->state == VM_RUNNABLE || vm->state == VM_NEW;
		bool running = k->running == (int64_t)i;
		if (sched_queued(&k->sched, i) != (runnable && !running))
			return bad(l, "the run queue does not match the VMs' states");
	}
	if (live != k->live)
		return bad(l, "the count of live VMs does not match");
	if (k->running >= 0) {
		const struct vm *vm = &k->vms[k->running];
		if (vm->state != VM_RUNNABLE || !k->paused)
			return bad(l, "bad running VM");
	} else if (k->paused) {
		return bad(l, "a paused slice with no VM");
	}
	if (k->last_vm >= 0 && !k->vms[k->last_vm].has_mem)
		return bad(l, "bad last VM");
	for (uint32_t i = 0; k->prof_next && i < k->cfg.nvms; i++) {
		uint64_t c = k->vms[i].cpu.cycles, next = k->prof_next[i];
		if (next <= c || next - c > k->prof.interval)
			return bad(l, "bad profile sample point");
	}
	return 0;
}

static int load_state(struct loader *l)
{
	struct kernel *k = l->k;
	struct unpack *u = &l->u;
	if (load_config(l) != 0)
		return -1;
	k->now = unpack_u64(u);
	k->live = unpack_u32(u);
	k->last_vm = (int64_t)unpack_u64(u);
	k->host_oom = unpack_u8(u) != 0;
	k->running = (int64_t)unpack_u64(u);
	k->paused = unpack_u8(u) != 0;
	k->preempt = unpack_u8(u) != 0;
	k->slice_left = (int64_t)unpack_u64(u);
	k->stopped_vm = (int64_t)unpack_u64(u);
	struct kernel_dispatch *d = &k->disp;
	d->same = unpack_u8(u) != 0;
	d->switched = unpack_u8(u) != 0;
	d->why = unpack_u8(u);
	uint64_t misses = unpack_u64(u);
	d->misses0 = cpu_exec_stats(k->x)->tlb_misses - misses;
	d->cycles0 = unpack_u64(u);
	d->retired0 = unpack_u64(u);
	uint64_t trim = unpack_u64(u);
	k->evq_trim_at = trim < KERNEL_EVQ_TRIM_MIN ? KERNEL_EVQ_TRIM_MIN : trim;
	k->last_why = unpack_u8(u);
	unpack_stats(u, &k->stats);
	for (int i = 0; i < CHAOS_KINDS; i++)
		k->chaos.draws[i] = unpack_u64(u);
	int64_t n = (int64_t)k->cfg.nvms;
	if (u->bad || k->live > k->cfg.nvms || k->now >= KERNEL_TIME_HORIZON ||
	    k->last_why >= KERNEL_SWITCH_CAUSES ||
	    k->last_vm < -1 || k->last_vm >= n || k->running < -1 || k->running >= n ||
	    k->stopped_vm < -1 || k->stopped_vm >= n)
		return bad(l, "bad machine state");
	if (load_events(l) != 0)
		return -1;
	if (sched_ckpt_load(&k->sched, u) != 0)
		return bad(l, "bad run queue");
	if (results_ckpt_load(&k->results, u) != 0)
		return bad(l, "bad results");
	bool prof = unpack_u8(u) != 0;
	if (prof != (k->prof_next != NULL))
		return bad(l, "saved with another --profile than this run has");
	if (prof) {
		if (profile_ckpt_load(&k->prof, u) != 0)
			return bad(l, "bad profile");
		for (uint32_t i = 0; i < k->cfg.nvms; i++)
			k->prof_next[i] = unpack_u64(u);
	}
	if (devhost_ckpt_load(k, u) != 0)
		return bad(l, "bad device state");
	for (uint32_t i = 0; i < k->cfg.nvms; i++)
		if (load_vm(l, &k->vms[i]) != 0)
			return -1;
	bool pm = unpack_u8(u) != 0;
	if (pm != (k->pm != NULL))
		return bad(l, "bad memory model");
	if (k->pm) {
		physmem_attach(k->pm, k->vms, k->x, &k->now);
		if (physmem_ckpt_load(k->pm, u) != 0)
			return bad(l, "bad memory-model state");
	}
	if (check_invariants(l) != 0)
		return -1;
	if (unpack_u8(u)) {
		struct cpu_tlb_state ts;
		for (unsigned i = 0; i < CPU_TLB_ENTRIES; i++) {
			ts.page[i] = unpack_u32(u);
			ts.write[i] = unpack_u8(u);
		}
		if (u->bad || k->last_vm < 0)
			return bad(l, "bad TLB");
		struct vm *vm = &k->vms[k->last_vm];
		vm->mem.tlb_owner = true;
		struct cpu_mem mi = mem_iface(&vm->mem);
		if (cpu_exec_tlb_load(k->x, &vm->cpu, &mi, &ts) != 0)
			return bad(l, "bad TLB");
	} else if (k->last_vm >= 0) {
		return bad(l, "bad TLB");
	}
	if (!unpack_done(u))
		return bad(l, u->bad ? "state truncated" : "bytes after the machine's state");
	k->cpu_oom_seen = cpu_exec_stats(k->x)->host_oom;
	return 0;
}

int kernel_ckpt_read(struct kernel *k, const struct ckpt_reader *r, char *err, size_t errlen)
{
	uint32_t m = k->cfg.machine_id;
	const struct ckpt_section *ks = ckpt_find(r, KERNEL_CKPT_TAG, m);
	const struct ckpt_section *ps = ckpt_find(r, KERNEL_CKPT_PAGES, m);
	if (!ks || !ps) {
		snprintf(err, errlen, "%s: no state for machine %u", r->name, m);
		return -1;
	}
	if (k->ran || k->stats.dispatches || k->now) {
		snprintf(err, errlen, "checkpoint: machine %u has run already", m);
		return -1;
	}
	uint8_t *state = NULL, *pages = NULL;
	size_t ns, np;
	if (ckpt_read_section(r, ks, &state, &ns, err, errlen) != 0 ||
	    ckpt_read_section(r, ps, &pages, &np, err, errlen) != 0) {
		free(state);
		return -1;
	}
	struct loader l = { .k = k, .file = r->name, .err = err, .errlen = errlen };
	unpack_init(&l.u, state, ns);
	int rc;
	if (mem_ckpt_load_init(&l.ml, pages, np) != 0)
		rc = bad(&l, "bad page section");
	else
		rc = load_state(&l);
	mem_ckpt_load_free(&l.ml);
	free(state);
	free(pages);
	const struct ckpt_section *cs = ckpt_find(r, KERNEL_CKPT_CTXCACHE, m);
	if (rc == 0 && cs && ctxcache_on(&k->cc)) {
		uint8_t *cc = NULL;
		size_t nc;
		if (ckpt_read_section(r, cs, &cc, &nc, err, errlen) != 0)
			return -1;
		struct unpack u;
		unpack_init(&u, cc, nc);
		k->stats.ctx_kdata_cycles = unpack_u64(&u);
		if (ctxcache_ckpt_load(&k->cc, &u) != 0 || !unpack_done(&u)) {
			snprintf(err, errlen, "%s: machine %u: bad kernel-data cache state",
				 r->name, m);
			rc = -1;
		}
		free(cc);
	}
	return rc;
}
