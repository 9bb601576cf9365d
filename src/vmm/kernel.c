// SPDX-License-Identifier: MIT
// The machine and its run loop: simulated time, dispatch, idle timeouts and events, and
// what happens on each CPU exit (see kernel.h for the model and its parameters); also
// building and freeing a kernel, ending VMs and the results digest. Neighbours: pio.c
// (PIO requests), intr.c (interrupt and exception delivery: raise, vregs, frames),
// sched.c (the run queue), gatekeeper.c (the memory model), devhost.c (the devices),
// mem.c (guest memory), vm.c (VM records). kernel_internal.h is what intr.c and its
// neighbours may call here.
//
// Invariants: a VM id is in the scheduler's queue iff its state is RUNNABLE or NEW and
// it is not the running VM; an IDLE VM with a timeout has exactly one wake event whose
// tag equals vm->wake_gen (older events carry older tags and are dropped when popped);
// likewise coalescing events carry iv->coal_gen, and timer events the timer device's
// generation (devices/timer.h: timer_current); `live` counts VMs not ended.
//
// Observers (obs.h): each event site is `if (obs_on(&k->obs, CAT)) ...`, so with none
// subscribed it costs one branch. Traced VMs run through tracestep.c instead of
// cpu_run. The front end's poll (kernel_ctl) runs between slices only.
//
// Interrupts and exceptions (docs/isa.md section 8): intr_raise sets a pending bit;
// run_slice has intr_deliver deliver what is pending and ready before every cpu_run,
// i.e. at VM entry and at each boundary between budget pieces (events split the budget).
#include "vmm/kernel.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "denali/abi.h"
#include "devices/console_out.h"
#include "devices/timer.h"
#include "vmm/ctl.h"
#include "vmm/devhost.h"
#include "vmm/digest.h"
#include "vmm/gatekeeper.h"
#include "vmm/image.h"
#include "vmm/kernel_internal.h"
#include "vmm/postmortem.h"
#include "vmm/tracestep.h"

void kernel_config_default(struct kernel_config *cfg)
{
	*cfg = (struct kernel_config){
		.nvms = 1,
		.mem_size = DENALI_MEM_DEFAULT,
		.cpu_khz = 1700000,
		.quantum_cycles = 17000,
		.ctx_switch_cycles = 2380,
		.pio_cycles = 2000,
		.max_time_cycles = 0,
		.console_cap = 65536,
		.block_max_insns = 0,
		.ctx_page_cycles = 170,
		.ctx_free_pages = 4,
		.ctx_cap_same_cycles = 4250,
		.ctx_cap_other_cycles = 12920,
		.intr_cycles = 1000,
		.intr = { .kind = INTR_BATCHED },
		.sched = SCHED_RR,
	};
	physmem_config_default(&cfg->pm);
	ctxcache_config_default(&cfg->ctx_cache, cfg->cpu_khz);
}

uint64_t kernel_cycles_to_ns(const struct kernel_config *cfg, uint64_t cycles)
{
	return (uint64_t)((unsigned __int128)cycles * 1000000u / cfg->cpu_khz);
}

uint64_t kernel_ns_to_cycles(const struct kernel_config *cfg, uint64_t ns)
{
	unsigned __int128 c = ((unsigned __int128)ns * cfg->cpu_khz + 999999u) / 1000000u;
	return c > UINT64_MAX ? UINT64_MAX : (uint64_t)c;
}

// Host pages of the VM groups' images other than img, each image counted once.
static uint64_t extra_pages(const struct kernel_config *cfg, const struct image *img)
{
	uint64_t pages = 0;
	for (uint32_t g = 0; g < cfg->n_vm_groups; g++) {
		const struct image *gi = cfg->vm_groups[g].img;
		bool seen = gi == img;
		for (uint32_t h = 0; h < g && !seen; h++)
			seen = cfg->vm_groups[h].img == gi;
		if (!seen && gi)
			pages += gi->pages_alloc;
	}
	return pages;
}

uint64_t kernel_need_bytes(const struct kernel_config *cfg, const struct image *img,
			   uint32_t *max_mem)
{
	uint32_t mm = cfg->mem_size;
	for (uint32_t g = 0; g < cfg->n_vm_groups; g++)
		if (cfg->vm_groups[g].mem_size > mm)
			mm = cfg->vm_groups[g].mem_size;
	*max_mem = mm;
	struct physmem_config pmc = cfg->pm;
	pmc.extra_image_pages = extra_pages(cfg, img);
	return physmem_need_bytes(&pmc, cfg->nvms, mm, img);
}

const struct kernel_vm_group *kernel_vm_group(const struct kernel *k, uint32_t id)
{
	uint32_t g = k->ngroups - 1;
	while (g && id < k->groups[g].first)
		g--;
	return &k->groups[g];
}

const struct image *kernel_vm_image(const struct kernel *k, uint32_t id)
{
	return kernel_vm_group(k, id)->img;
}

int kernel_new(struct kernel **out, const struct kernel_config *cfg,
	       const struct image *img, char *err, size_t errlen)
{
	*out = NULL;
	if (cfg->nvms == 0 || cfg->cpu_khz == 0 || cfg->mem_size != img->mem_size) {
		snprintf(err, errlen, "kernel: bad configuration");
		return -1;
	}
	if (cfg->quantum_cycles == 0) {
		snprintf(err, errlen, "kernel: bad configuration: the quantum must be positive");
		return -1;
	}
	if (cfg->sched >= SCHED_KINDS || cfg->n_intr_groups > KERNEL_MAX_GROUPS ||
	    cfg->n_ticket_groups > KERNEL_MAX_GROUPS || cfg->intr.kind >= INTR_KINDS) {
		snprintf(err, errlen, "kernel: bad configuration: scheduler or interrupt policy");
		return -1;
	}
	for (uint32_t g = 0; g < cfg->n_intr_groups; g++) {
		const struct kernel_intr_group *ig = &cfg->intr_groups[g];
		if (ig->first > ig->last || ig->last >= cfg->nvms || ig->policy.kind >= INTR_KINDS) {
			snprintf(err, errlen, "kernel: interrupt group %u-%u: outside VMs 0-%u",
				 ig->first, ig->last, cfg->nvms - 1);
			return -1;
		}
	}
	for (uint32_t g = 0; g < cfg->n_ticket_groups; g++) {
		const struct kernel_ticket_group *tg = &cfg->ticket_groups[g];
		if (tg->first > tg->last || tg->last >= cfg->nvms || tg->tickets == 0) {
			snprintf(err, errlen, "kernel: ticket group %u-%u: outside VMs 0-%u or "
				 "zero tickets", tg->first, tg->last, cfg->nvms - 1);
			return -1;
		}
	}
	if (cfg->n_vm_groups > KERNEL_MAX_GROUPS - 1) {
		snprintf(err, errlen, "kernel: bad configuration: at most %u VM groups",
			 (unsigned)KERNEL_MAX_GROUPS);
		return -1;
	}
	uint64_t others = 0;
	for (uint32_t g = 0; g < cfg->n_vm_groups; g++) {
		const struct kernel_vm_group *vg = &cfg->vm_groups[g];
		others += vg->count;
		if (!vg->count || !vg->img || vg->img->mem_size != vg->mem_size) {
			snprintf(err, errlen, "kernel: VM group %u: no VMs, or no image of its "
				 "memory size", g + 1);
			return -1;
		}
	}
	if (others >= cfg->nvms) {
		snprintf(err, errlen, "kernel: bad configuration: the VM groups leave no VM for "
			 "the first");
		return -1;
	}
	struct kernel *k = calloc(1, sizeof *k);
	if (!k)
		goto oom;
	k->cfg = *cfg;
	k->img = img;
	k->groups[0] = (struct kernel_vm_group){ .first = 0,
						 .count = cfg->nvms - (uint32_t)others,
						 .mem_size = cfg->mem_size, .img = img,
						 .cmdline = cfg->cmdline };
	k->ngroups = 1 + cfg->n_vm_groups;
	for (uint32_t g = 1; g < k->ngroups; g++) {
		k->groups[g] = cfg->vm_groups[g - 1];
		k->groups[g].first = k->groups[g - 1].first + k->groups[g - 1].count;
		k->cfg.vm_groups[g - 1].first = k->groups[g].first;
	}
	k->last_vm = -1;
	k->running = -1;
	k->stopped_vm = -1;
	k->obs.machine = cfg->machine_id;
	k->obs.now = &k->now;
	k->obs.sample_next = UINT64_MAX;
	k->ckpt.at = UINT64_MAX;
	evq_init(&k->evq);
	k->evq_trim_at = KERNEL_EVQ_TRIM_MIN;
	results_init(&k->results, cfg->nvms);
	// Chaos: blocks of one instruction, so any instruction boundary can be where an
	// event lands (chaos.h).
	struct cpu_exec_opts xo = { .block_max_insns = cfg->chaos ? 1 : cfg->block_max_insns };
	k->x = cpu_exec_new(&xo);
	uint32_t max_mem;
	struct physmem_config pmc = cfg->pm;
	(void)kernel_need_bytes(cfg, img, &max_mem);
	pmc.extra_image_pages = extra_pages(cfg, img);
	if (physmem_new(&k->pm, &pmc, cfg->cpu_khz, cfg->nvms, max_mem, img, err,
			errlen) != 0) {
		kernel_free(k);
		return -1;
	}
	k->pm->obs = &k->obs;
	k->vms = calloc(cfg->nvms, sizeof *k->vms);
	k->iv = calloc(cfg->nvms, sizeof *k->iv);
	if (!k->x || !k->vms || !k->iv)
		goto oom;
	// The devices every kernel has, behind the devices' host interface (devhost.c).
	struct devset_host hi;
	devhost_iface(k, &hi);
	if (timer_new(&k->timer, cfg->nvms, &hi) != 0 ||
	    console_out_new(&k->con, cfg->nvms, cfg->console_cap, &hi) != 0)
		goto oom;
	uint32_t *tickets = NULL;
	if (cfg->n_ticket_groups) {
		tickets = calloc(cfg->nvms, sizeof *tickets);
		if (!tickets)
			goto oom;
		for (uint32_t g = 0; g < cfg->n_ticket_groups; g++)
			for (uint32_t i = cfg->ticket_groups[g].first; i <= cfg->ticket_groups[g].last; i++)
				tickets[i] = cfg->ticket_groups[g].tickets;
	}
	int sr = sched_init(&k->sched, (enum sched_kind)cfg->sched, cfg->nvms, tickets);
	free(tickets);
	if (sr != 0 || ctxcache_init(&k->cc, &cfg->ctx_cache, cfg->nvms) != 0)
		goto oom;
	for (uint32_t i = 0; i < cfg->nvms; i++) {
		vm_init(&k->vms[i], i);
		const struct intr_policy *pol = &cfg->intr;
		for (uint32_t g = 0; g < cfg->n_intr_groups; g++)
			if (i >= cfg->intr_groups[g].first && i <= cfg->intr_groups[g].last)
				pol = &cfg->intr_groups[g].policy;
		intr_vm_init(&k->iv[i], pol, kernel_ns_to_cycles(cfg, pol->t_ns));
		sched_enqueue(&k->sched, i, SCHED_TAIL); // everyone starts runnable, in id order
	}
	if (cfg->profile_interval_cycles) {
		k->prof_next = malloc((size_t)cfg->nvms * sizeof *k->prof_next);
		if (!k->prof_next || profile_init(&k->prof, cfg->profile_interval_cycles) != 0)
			goto oom;
		for (uint32_t i = 0; i < cfg->nvms; i++)
			k->prof_next[i] = cfg->profile_interval_cycles;
	}
	chaos_init(&k->chaos, cfg->chaos, cfg->chaos_seed);
	k->live = cfg->nvms;
	*out = k;
	return 0;
oom:
	kernel_free(k);
	snprintf(err, errlen, "kernel: out of memory for %u VMs", cfg->nvms);
	return -1;
}

void kernel_free(struct kernel *k)
{
	if (!k)
		return;
	if (k->vms)
		for (uint32_t i = 0; i < k->cfg.nvms; i++)
			vm_free(&k->vms[i]);
	free(k->vms);
	free(k->iv);
	sched_free(&k->sched);
	ctxcache_free(&k->cc);
	timer_free(k->timer);
	console_out_free(k->con);
	evq_free(&k->evq);
	results_free(&k->results);
	profile_free(&k->prof);
	free(k->prof_next);
	free(k->waits);
	if (k->branches)
		for (uint32_t i = 0; i < k->cfg.nvms; i++)
			free(k->branches[i]);
	free(k->branches);
	physmem_free(k->pm);
	if (k->x)
		cpu_exec_free(k->x);
	free(k->dbg);
	free(k);
}

_Static_assert(KERNEL_BRANCHES == POSTMORTEM_BRANCHES, "one ring size");

// The VM's last branch targets (when it was traced) into its postmortem, oldest first.
static void copy_branches(const struct kernel *k, struct vm *vm)
{
	const struct kernel_branches *b = k->branches ? k->branches[vm->id] : NULL;
	if (!b)
		return;
	uint32_t first = b->n > KERNEL_BRANCHES ? b->n - KERNEL_BRANCHES : 0, n = 0;
	for (uint32_t j = first; j < b->n; j++)
		vm->post->branches[n++] = b->to[j % KERNEL_BRANCHES];
	vm->post->nbranches = (uint8_t)n;
}

// Ends a VM: frees its memory, keeps its results.
void kernel_end_vm(struct kernel *k, struct vm *vm, enum vm_state st)
{
	assert(!vm_ended(vm) && k->live > 0);
	assert(st == VM_TERMINATED || st == VM_KILLED);
	if (st == VM_KILLED && vm->has_mem && !vm->post) {
		// Killed by the kernel, not by a fault (kernel_kill_for_fault captured that).
		vm->post = malloc(sizeof *vm->post);
		if (vm->post) {
			postmortem_capture(vm->post, vm, k->now, vm->cpu.eip, false);
			copy_branches(k, vm);
		}
	}
	if (obs_on(&k->obs, OBS_CAT_VM)) {
		struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_VM_END };
		ev.u.vm_end.state = (uint8_t)st;
		ev.u.vm_end.exit_code = vm->exit_code;
		ev.u.vm_end.diag = vm->diag;
		ev.u.vm_end.post = vm->post;
		obs_emit(&k->obs, &ev);
	}
	if (sched_queued(&k->sched, vm->id))
		sched_remove(&k->sched, vm->id);
	vm->state = st;
	if (k->dbg)
		ctl_vm_ended(k, vm); // a debugger hears of it (gdb's thread events)
	devhost_vm_ended(k, vm->id); // its switch port goes down
	vm_release_mem(vm);
	if (k->last_vm == (int64_t)vm->id)
		k->last_vm = -1;
	k->live--;
}

void kernel_set_diag(struct vm *vm, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(vm->diag);
	vm->diag = strdup(buf); // NULL on OOM: the state still says KILLED
}

static const char *access_name(uint32_t acc)
{
	if (acc & CPU_ACC_WRITE)
		return "write";
	if (acc & CPU_ACC_EXEC)
		return "instruction fetch";
	return "read";
}

// Describes a guest exception for the diagnostic line.
static void fault_reason(const struct cpu *c, enum cpu_exit e, char *buf, size_t sz)
{
	const struct cpu_fault *f = &c->fault;
	if (e == CPU_EXIT_INT) {
		snprintf(buf, sz, "software interrupt INT 0x%02x with no handler", f->vector);
		return;
	}
	switch (f->vector) {
	case CPU_VEC_DE: snprintf(buf, sz, "divide error (#DE)"); break;
	case CPU_VEC_BP: snprintf(buf, sz, "breakpoint (#BP)"); break;
	case CPU_VEC_OF: snprintf(buf, sz, "overflow (#OF)"); break;
	case CPU_VEC_BR: snprintf(buf, sz, "bound range exceeded (#BR)"); break;
	case CPU_VEC_UD: snprintf(buf, sz, "invalid opcode (#UD)"); break;
	case CPU_VEC_GP: snprintf(buf, sz, "general protection (#GP): privileged instruction");
		break;
	case CPU_VEC_PF:
		snprintf(buf, sz, "page fault (#PF): %s at 0x%08x outside guest memory",
			 access_name(f->error_code), f->addr);
		break;
	default: snprintf(buf, sz, "exception vector %u", f->vector); break;
	}
}

// Kills one VM for a guest fault with one diagnostic line: VM id, EIP, instruction
// bytes and disassembly, reason (and `note`, if any). Other VMs are not affected.
void kernel_kill_for_fault(struct kernel *k, struct vm *vm, enum cpu_exit e,
			   const char *note)
{
	char reason[128], hex[3 * 15 + 1] = "", dis[96] = "?";
	if (k->dbg && !vm->mem.oom)
		ctl_fault(k, vm, e); // a debugger sees the fault first (ctl.h)
	uint32_t eip = vm->cpu.fault.eip;
	uint8_t bytes[15];
	uint32_t n = mem_copyin_prefix(&vm->mem, bytes, eip, sizeof bytes);
	// Show the instruction's own bytes when it decodes, else the first 8.
	struct cpu_decoded_info di;
	int ilen = n ? cpu_decode_info(bytes, n, &di) : 0;
	uint32_t show = ilen > 0 ? (uint32_t)ilen : 8;
	size_t at = 0;
	for (uint32_t i = 0; i < n && i < show && i < 15; i++)
		at += (size_t)snprintf(hex + at, sizeof hex - at, "%s%02x", i ? " " : "", bytes[i]);
	if (n)
		cpu_disasm(bytes, n, eip, dis, sizeof dis);
	if (vm->mem.oom) {
		k->host_oom = true;
		snprintf(reason, sizeof reason, "host out of memory (not a guest fault)");
	} else {
		fault_reason(&vm->cpu, e, reason, sizeof reason);
	}
	kernel_set_diag(vm, "vm %u: killed at eip 0x%08x [%s] %s: %s%s%s", vm->id, eip,
		 n ? hex : "unreadable", n ? dis : "", reason, note ? "; " : "", note ? note : "");
	// What the fault report needs (the front end prints it), read before the memory goes.
	free(vm->post);
	vm->post = malloc(sizeof *vm->post);
	if (vm->post) {
		postmortem_capture(vm->post, vm, k->now, eip, true);
		copy_branches(k, vm);
	}
	kernel_end_vm(k, vm, VM_KILLED);
}

// Writes a VM's command line into dst (DENALI_CMDLINE_MAX bytes and a NUL): src with
// "{vm}" replaced by the VM's id and "{index}" by its index in its group (docs/isa.md
// 6), cut at DENALI_CMDLINE_MAX. Returns its length.
static uint32_t cmdline_write(char *dst, const char *src, uint32_t id, uint32_t index)
{
	size_t n = 0;
	while (*src && n < DENALI_CMDLINE_MAX) {
		char num[16];
		const char *put = NULL;
		size_t skip = 1;
		if (!strncmp(src, "{vm}", 4)) {
			snprintf(num, sizeof num, "%u", id);
			put = num;
			skip = 4;
		} else if (!strncmp(src, "{index}", 7)) {
			snprintf(num, sizeof num, "%u", index);
			put = num;
			skip = 7;
		}
		if (put)
			for (; *put && n < DENALI_CMDLINE_MAX; put++)
				dst[n++] = *put;
		else
			dst[n++] = *src;
		src += skip;
	}
	dst[n] = 0;
	return (uint32_t)n;
}

// First dispatch: memory and CPU reset (EIP = entry, ESP = top of memory).
static int start_vm(struct kernel *k, struct vm *vm)
{
	assert(vm->state == VM_NEW && !vm->has_mem);
	const struct kernel_vm_group *grp = kernel_vm_group(k, vm->id);
	if (mem_init(&vm->mem, grp->img, grp->mem_size, k->x) != 0) {
		k->host_oom = true;
		kernel_set_diag(vm, "vm %u: killed before start: host out of memory", vm->id);
		kernel_end_vm(k, vm, VM_KILLED);
		return -1;
	}
	vm->has_mem = true;
	if (gk_vm_start(k, vm) != 0)
		k->host_oom = true; // the VM runs outside the memory model
	cpu_reset(&vm->cpu, grp->img->entry, grp->mem_size);
	struct denali_vregs *v = mem_vregs(&vm->mem);
	v->boot_time_ns = kernel_cycles_to_ns(&k->cfg, k->now);
	if (grp->cmdline) {
		char *dst = (char *)v + (DENALI_CMDLINE_ADDR - DENALI_VREGS_ADDR);
		v->cmdline_len = cmdline_write(dst, grp->cmdline, vm->id, vm->id - grp->first);
	}
	vm->mem.obs = &k->obs;
	vm->mem.vm_id = vm->id;
	vm->state = VM_RUNNABLE;
	if (obs_on(&k->obs, OBS_CAT_VM)) {
		struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_VM_START };
		obs_emit(&k->obs, &ev);
	}
	return 0;
}

// Puts vm to sleep; timeout_ns all-ones means no timeout (only an event wakes it).
static void idle_vm(struct kernel *k, struct vm *vm, uint64_t timeout_ns)
{
	assert(vm->state == VM_RUNNABLE && k->running == (int64_t)vm->id);
	struct intr_vm *s = &k->iv[vm->id];
	vm->state = VM_IDLE;
	vm->wake_gen++;
	s->idle_since = k->now;
	s->wake_at = 0;
	s->swap_wait = false;
	if (obs_on(&k->obs, OBS_CAT_SCHED)) {
		struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_IDLE };
		ev.u.idle.timeout_ns = timeout_ns;
		obs_emit(&k->obs, &ev);
	}
	k->disp.why = OBS_DESCHED_IDLE;
	if (timeout_ns == UINT64_MAX)
		return;
	uint64_t dt = kernel_ns_to_cycles(&k->cfg, timeout_ns);
	if (dt >= KERNEL_TIME_HORIZON || k->now + dt >= KERNEL_TIME_HORIZON)
		return; // beyond the end of simulated time: no timeout (docs/isa.md 7.1)
	uint64_t at = k->now + dt;
	if (evq_push(&k->evq, at, KEV_WAKE, vm->id, vm->wake_gen) == UINT64_MAX)
		k->host_oom = true; // the VM stays idle: reported as hung
	else
		s->wake_at = at;
}

// Makes an idle VM runnable. It is queued with the paper's priority boost (ahead of
// every VM that did not idle, FIFO among boosted VMs) if it slept for some simulated
// time; a VM woken at the instant it idled (a zero timeout) goes to the tail, so idling
// for nothing in a loop cannot starve the others. Under the sync policy a VM woken by
// an interrupt is queued urgent.
void kernel_wake_vm(struct kernel *k, struct vm *vm, bool by_irq)
{
	assert(vm->state == VM_IDLE);
	struct intr_vm *s = &k->iv[vm->id];
	vm->state = VM_RUNNABLE;
	vm->wake_gen++; // its timeout event, if any, is stale now
	enum sched_where w = k->now > s->idle_since && !k->cfg.no_idle_boost ? SCHED_BOOST
									     : SCHED_TAIL;
	if (by_irq && intr_ops(s->policy)->preempt)
		w = SCHED_URGENT;
	s->woke_by_irq = by_irq;
	if (by_irq)
		k->stats.irq_wakes++;
	sched_enqueue(&k->sched, vm->id, w);
	if (obs_on(&k->obs, OBS_CAT_SCHED)) {
		struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_WAKE };
		ev.u.wake.cause = by_irq ? OBS_WAKE_IRQ : s->swap_wait ? OBS_WAKE_SWAP
								      : OBS_WAKE_TIMEOUT;
		ev.u.wake.where = (uint8_t)w;
		ev.u.wake.slept_cycles = k->now - s->idle_since;
		obs_emit(&k->obs, &ev);
	}
	s->swap_wait = false;
	s->wake_at = 0;
}

// Whether the fault that ended the last cpu_run came from the host running out of
// memory rather than from the guest: a guest page (mem.c sets mem.oom) or decoded code
// (the cpu counts cpu_exec_stats.host_oom). Marks the VM's mem.oom for the diagnostic.
static bool fault_is_host_oom(struct kernel *k, struct vm *vm)
{
	uint64_t n = cpu_exec_stats(k->x)->host_oom;
	if (n != k->cpu_oom_seen) {
		k->cpu_oom_seen = n;
		vm->mem.oom = true;
	}
	return vm->mem.oom;
}

// cpu_run, and with a profile, a sample each time the VM's cycle count passes its next
// sample point (profile.h): the run is split there and resumed at once, touching
// nothing the guest can see, so the split cannot change what the guest does.
// An observer that traces instructions (obs.h), and a VM the control interface stops
// between instructions (ctl.h: breakpoints, watchpoints, steps), get the slow path,
// tracestep.c, which gives the same results instruction by instruction.
static enum cpu_exit run_cpu(struct kernel *k, struct vm *vm, struct cpu_mem *mi,
			     int64_t budget)
{
	bool traced = obs_on(&k->obs, OBS_CAT_INSN) && obs_step(&k->obs, vm->id, k->now);
	bool slow = traced || ctl_wants(k->dbg, vm->id);
	if (!k->prof_next)
		return slow ? tracestep_run(k, vm, mi, budget, k->now, traced)
			    : cpu_run(k->x, &vm->cpu, mi, budget);
	uint64_t end = vm->cpu.cycles + (uint64_t)budget, *next = &k->prof_next[vm->id];
	uint64_t c0 = vm->cpu.cycles;
	for (;;) {
		uint64_t now = vm->cpu.cycles;
		int64_t b = (int64_t)(end - now);
		if (*next > now && *next < end)
			b = (int64_t)(*next - now);
		enum cpu_exit e = slow ? tracestep_run(k, vm, mi, b, k->now + (now - c0), traced)
				       : cpu_run(k->x, &vm->cpu, mi, b);
		while (vm->cpu.cycles >= *next) {
			profile_add(&k->prof, vm->cpu.eip);
			*next += k->cfg.profile_interval_cycles;
		}
		if (e != CPU_EXIT_BUDGET || vm->cpu.cycles >= end)
			return e;
	}
}

// Runs one VM for the rest of its quantum (k->slice_left cycles), handling PIOs inline.
// Returns false with the VM runnable (quantum spent, or preempted: k->preempt), idle,
// or ended. Events due inside the quantum split the cpu_run budget, so they take
// effect at the next block boundary. A multi-machine horizon (k->until below max time)
// splits it the same way, and then the slice pauses: it returns true with the VM still
// in the CPU, and the next run_loop resumes it where it stopped, as if the horizon had
// been an event with nothing to do.
static void process_events(struct kernel *k);
static const struct evq_event *next_event(struct kernel *k);
static bool run_slice(struct kernel *k, struct vm *vm)
{
	struct cpu_mem mi = mem_iface(&vm->mem);
	assert(k->running == (int64_t)vm->id);
	while (k->slice_left > 0) {
		// Every way out of the loop that ends or idles the VM returns at once.
		assert(vm->state == VM_RUNNABLE && vm->has_mem);
		int64_t budget = k->slice_left;
		if (k->until != UINT64_MAX) { // max time or a multi-machine horizon
			if (k->now >= k->until) {
				if (!k->until_horizon)
					k->disp.why = OBS_DESCHED_STOP;
				return k->until_horizon;
			}
			uint64_t rest = k->until - k->now;
			if ((uint64_t)budget > rest)
				budget = (int64_t)rest;
		}
		process_events(k);
		if (k->preempt) {
			k->disp.why = OBS_DESCHED_PREEMPT;
			return false;
		}
		const struct evq_event *top = next_event(k); // a stale one ends no piece
		if (top && top->time - k->now < (uint64_t)budget)
			budget = (int64_t)(top->time - k->now); // > 0: due events were processed
		// mem.oom now says whether a host allocation for this VM failed since here
		// (an interrupt frame, a page the guest touches): such a failure is never the
		// guest's fault (kernel_kill_for_fault).
		vm->mem.oom = false;
		int64_t icost = intr_deliver(k, vm);
		if (icost < 0)
			return false;
		if (icost > 0) {
			k->now += (uint64_t)icost;
			k->slice_left -= icost;
			continue;
		}
		intr_write_vregs(k, vm);
		uint64_t c0 = vm->cpu.cycles;
		enum cpu_exit e = run_cpu(k, vm, &mi, budget);
		assert(vm->cpu.cycles >= c0);
		uint64_t used = vm->cpu.cycles - c0;
		k->now += used;
		k->slice_left -= (int64_t)used;
		intr_ack(k, vm);
		switch (e) {
		case CPU_EXIT_BUDGET:
		case CPU_EXIT_STEP:
			continue; // the loop condition decides
		case CPU_EXIT_PIO: {
			uint64_t cost = kernel_pio(k, vm);
			k->now += cost;
			k->slice_left -= (int64_t)cost;
			continue;
		}
		case CPU_EXIT_IDLE:
		case CPU_EXIT_HLT:
			// A ready interrupt pending: the idle returns at once (docs/isa.md 7.1).
			if (intr_visible(k, vm))
				continue;
			idle_vm(k, vm, e == CPU_EXIT_HLT ? UINT64_MAX :
				(uint64_t)vm->cpu.r[CPU_EDX] << 32 | vm->cpu.r[CPU_EAX]);
			return false;
		case CPU_EXIT_TERMINATE:
			vm->exit_code = vm->cpu.r[CPU_EAX];
			kernel_end_vm(k, vm, VM_TERMINATED);
			return false;
		case CPU_EXIT_FAULT:
		case CPU_EXIT_INT:
			if (e == CPU_EXIT_FAULT && fault_is_host_oom(k, vm)) {
				// Not the guest's fault: it must not reach its exception handler.
				kernel_kill_for_fault(k, vm, e, NULL);
				return false;
			}
			if (e == CPU_EXIT_FAULT) { // a swapped-out block? (gatekeeper.c)
				enum gk_fault g = gk_fault(k, vm);
				if (g == GK_FAULT_WAIT) {
					k->disp.why = OBS_DESCHED_SWAP;
					return false;
				}
				if (g == GK_FAULT_RETRY)
					continue;
			}
			if (!intr_deliver_exception(k, vm, e))
				return false;
			k->now += k->cfg.intr_cycles;
			k->slice_left -= (int64_t)k->cfg.intr_cycles;
			continue;
		}
		// An exit code the kernel does not know: our bug, but only this VM pays.
		kernel_set_diag(vm, "vm %u: killed: unknown cpu exit %d at eip 0x%08x", vm->id, (int)e,
			 vm->cpu.eip);
		kernel_end_vm(k, vm, VM_KILLED);
		return false;
	}
	return false;
}

// Whether an event no longer matters: its VM ended, or its tag is out of date.
static bool event_stale(const struct kernel *k, const struct evq_event *ev)
{
	if (ev->kind == KEV_CHAOS_IRQ) // a delayed raise matters while its VM lives
		return ev->target >= k->cfg.nvms || vm_ended(&k->vms[ev->target]);
	if (ev->kind != KEV_WAKE && ev->kind != KEV_TIMER && ev->kind != KEV_COALESCE)
		return false; // other modules' events are theirs to judge
	if (ev->target >= k->cfg.nvms)
		return true;
	const struct vm *vm = &k->vms[ev->target];
	const struct intr_vm *s = &k->iv[ev->target];
	switch (ev->kind) {
	case KEV_WAKE: return vm->state != VM_IDLE || vm->wake_gen != ev->tag;
	case KEV_TIMER: return vm_ended(vm) || !timer_current(k->timer, ev->target, ev->tag);
	default: return vm_ended(vm) || s->coal_gen != ev->tag; // KEV_COALESCE
	}
}

static bool stale_cb(void *ctx, const struct evq_event *ev)
{
	return event_stale(ctx, ev);
}

// The earliest event that still matters, or NULL. Stale events are dropped without
// effect wherever they are met: at the top of the queue here, so one never ends a budget
// piece or moves time (docs/isa.md 8.5: only simulated events are boundaries), and all
// at once when the queue has doubled since it was last compacted. A guest that keeps
// replacing its timer deadline, or idling with a timeout that an interrupt cuts short,
// leaves one stale event per request: without the compaction they stayed queued until
// their (possibly far) time, and host memory grew without bound (40 bytes per PIO).
// Staleness never ends (tags only grow, ended VMs stay ended), so dropping an event
// early is the same as dropping it when it comes due.
static const struct evq_event *next_event(struct kernel *k)
{
	if (evq_len(&k->evq) >= k->evq_trim_at) {
		evq_remove_if(&k->evq, stale_cb, k);
		size_t n = 2 * evq_len(&k->evq);
		k->evq_trim_at = n > KERNEL_EVQ_TRIM_MIN ? n : KERNEL_EVQ_TRIM_MIN;
	}
	const struct evq_event *top;
	struct evq_event dropped;
	while ((top = evq_peek(&k->evq)) && event_stale(k, top))
		evq_pop(&k->evq, &dropped);
	return top;
}

// Handles every event due at or before now: idle timeouts wake VMs, timers raise
// their interrupt, coalescing deadlines make pending interrupts ready. Stale events
// (their tag no longer matches) are dropped (next_event).
static void process_events(struct kernel *k)
{
	const struct evq_event *top;
	while ((top = next_event(k)) && top->time <= k->now) {
		struct evq_event ev;
		bool popped = evq_pop(&k->evq, &ev);
		assert(popped);
		(void)popped;
		if (ev.target >= k->cfg.nvms)
			continue;
		struct vm *vm = &k->vms[ev.target];
		struct intr_vm *s = &k->iv[ev.target];
		switch (ev.kind) {
		case KEV_WAKE:
			if (vm->state != VM_IDLE || vm->wake_gen != ev.tag)
				continue; // stale: the VM woke or ended since
			kernel_wake_vm(k, vm, false);
			break;
		case KEV_TIMER:
			if (obs_on(&k->obs, OBS_CAT_TIMER) &&
			    timer_current(k->timer, ev.target, ev.tag))
				devhost_timer_event(k, ev.target, OBS_TIMER_FIRE, k->now);
			timer_fire(k->timer, ev.target, ev.tag);
			break;
		case KEV_DEVICE:
			devhost_run(k);
			break;
		case KEV_CHAOS_IRQ:
			intr_raise_now(k, ev.target, (unsigned)ev.tag);
			break;
		case KEV_COALESCE:
			if (s->coal_gen == ev.tag && !vm_ended(vm) &&
			    intr_ops(s->policy)->ready(s, k->now))
				intr_ready(k, vm);
			break;
		default:
			break;
		}
	}
}

// Marks every live VM with st (end of run). Their memory is freed.
static void finish_live(struct kernel *k, enum vm_state st)
{
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		struct vm *vm = &k->vms[i];
		if (vm_ended(vm))
			continue;
		// A VM that never ran is also stopped by max time.
		vm->state = st;
		vm_release_mem(vm);
	}
	k->last_vm = -1;
}

static void tally(struct kernel *k)
{
	struct kernel_stats *s = &k->stats;
	assert(s->ok + s->nonzero + s->killed + s->hung + s->stopped == 0); // once
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		switch (vm->state) {
		case VM_TERMINATED: vm->exit_code ? s->nonzero++ : s->ok++; break;
		case VM_KILLED: s->killed++; break;
		case VM_HUNG: s->hung++; break;
		default: s->stopped++; break;
		}
		s->retired += vm->cpu.retired;
		s->guest_cycles += vm->cpu.cycles;
		s->pios += vm->pios;
		s->pios_unknown += vm->pios_unknown;
	}
	assert(s->ok + s->nonzero + s->killed + s->hung + s->stopped == k->cfg.nvms);
}

// Why run_loop returned.
enum loop_end {
	LOOP_LIMIT, // now reached `until` (a slice may be paused: k->paused)
	LOOP_EMPTY, // nobody runnable and no live event: every VM ended, or a deadlock
	LOOP_STOP,  // the front end's poll asked to stop (kernel_ctl)
};

static void emit_sample(struct kernel *k, uint64_t t, bool last)
{
	struct obs_event ev = { .time = t, .vm = OBS_NO_VM, .kind = OBS_SAMPLE };
	ev.u.sample.k = k;
	ev.u.sample.last = last;
	obs_emit(&k->obs, &ev);
}

// Emits the samples (OBS_SAMPLE) due at or before time t, each stamped at its point or
// now, whichever is later: before a jump of the clock to t nothing changes, so every
// point the jump crosses gets the same counters.
static void samples_due(struct kernel *k, uint64_t t)
{
	while (k->obs.sample_next <= t) {
		uint64_t p = k->obs.sample_next;
		k->obs.sample_next = p + k->obs.sample_cycles;
		emit_sample(k, p < k->now ? k->now : p, false);
	}
}

// Starts a dispatch of VM id: the context-switch charge, the TLB, a fresh quantum.
static void dispatch_begin(struct kernel *k, struct vm *vm)
{
	// The scheduler's invariant (top of file): picked, so runnable and out of the queue.
	assert(k->running < 0 && !k->preempt);
	assert(vm->state == VM_RUNNABLE && !sched_queued(&k->sched, vm->id));
	struct intr_vm *s = &k->iv[vm->id];
	bool woken = s->woke_by_irq;
	if (s->woke_by_irq) {
		k->stats.irq_switches++;
		s->woke_by_irq = false;
	}
	// Every dispatch but the first is a context switch (kernel.h: the cost model).
	struct kernel_dispatch *d = &k->disp;
	d->same = k->last_vm == (int64_t)vm->id;
	d->switched = k->stats.dispatches > 0;
	// The kernel's data for this VM (ctxcache.h; 0 when the model is off). The first
	// dispatch is no switch, but it brings the VM's data into the caches all the same.
	uint64_t kdata = ctxcache_switch(&k->cc, vm->id);
	uint64_t cost = k->cfg.ctx_switch_cycles + (d->switched ? kdata : 0);
	if (d->switched) {
		k->now += cost;
		k->stats.ctx_switches++;
		k->stats.ctx_switch_cycles += cost;
		k->stats.ctx_kdata_cycles += kdata;
		k->stats.switch_cause[k->last_why]++;
		k->stats.switch_same += d->same;
		k->stats.switch_to_woken += woken;
	}
	if (!d->same) {
		// The CPU changes VM: forget the last VM's TLB. With no entry of the last VM
		// left, the pages it wrote can be offered for sharing (mem.h; invisible to
		// results, so when it happens is a matter of host memory only).
		cpu_exec_flush_tlb(k->x);
		if (k->last_vm >= 0) {
			struct vm *prev = &k->vms[k->last_vm];
			prev->mem.tlb_owner = false;
			if (prev->has_mem)
				(void)mem_share_scan(&prev->mem);
		}
		k->last_vm = vm->id;
		vm->mem.tlb_owner = true;
	}
	d->misses0 = cpu_exec_stats(k->x)->tlb_misses;
	d->cycles0 = vm->cpu.cycles;
	k->running = vm->id;
	k->slice_left = (int64_t)chaos_quantum(&k->chaos, k->cfg.quantum_cycles);
	d->why = OBS_DESCHED_QUANTUM;
	d->retired0 = vm->cpu.retired;
	gk_dispatch(k, vm); // admission into modelled memory (gatekeeper.c)
	vm->slices++;
	k->stats.dispatches++;
	if (obs_on(&k->obs, OBS_CAT_SCHED)) {
		struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_DISPATCH };
		ev.u.dispatch.switch_cycles = d->switched ? cost : 0;
		ev.u.dispatch.same = d->same;
		obs_emit(&k->obs, &ev);
	}
}

// Ends the dispatch begun by dispatch_begin: the cache-refill charge, the scheduler's
// accounting, and the VM back in the queue if it is still runnable.
static void dispatch_end(struct kernel *k, struct vm *vm)
{
	const struct kernel_dispatch *d = &k->disp;
	uint32_t id = vm->id;
	assert(k->running == (int64_t)id && !sched_queued(&k->sched, id));
	uint64_t left_at = k->now, refill = 0;
	k->running = -1;
	if (d->why == OBS_DESCHED_STOP)
		k->stopped_vm = id;
	if (d->switched) {
		uint64_t pages = cpu_exec_stats(k->x)->tlb_misses - d->misses0;
		pages = pages > k->cfg.ctx_free_pages ? pages - k->cfg.ctx_free_pages : 0;
		uint64_t cap = d->same ? k->cfg.ctx_cap_same_cycles : k->cfg.ctx_cap_other_cycles;
		uint64_t per = k->cfg.ctx_page_cycles;
		refill = per && pages > cap / per ? cap : pages * per;
		refill = refill > cap ? cap : refill;
		k->now += refill;
		k->stats.ctx_refill_cycles += refill;
		k->stats.ctx_switch_cycles += refill;
	}
	sched_charge(&k->sched, id, vm->cpu.cycles - d->cycles0);
	if (vm->state == VM_RUNNABLE) {
		// Preempted for another VM's interrupt: it resumes first among the normal VMs.
		if (k->preempt) {
			k->stats.irq_preemptions++;
			k->stats.irq_switches++;
		}
		sched_enqueue(&k->sched, id, k->preempt ? SCHED_HEAD : SCHED_TAIL);
	}
	k->preempt = false;
	k->last_why = (uint8_t)(vm_ended(vm) ? OBS_DESCHED_END : d->why);
	assert(k->last_why < KERNEL_SWITCH_CAUSES);
	if (obs_on(&k->obs, OBS_CAT_SCHED)) {
		struct obs_event ev = { .time = left_at, .vm = id, .kind = OBS_DESCHED };
		ev.u.desched.why = vm_ended(vm) ? OBS_DESCHED_END : d->why;
		ev.u.desched.cycles = vm->cpu.cycles - d->cycles0;
		ev.u.desched.insns = vm->cpu.retired - d->retired0;
		ev.u.desched.refill_cycles = refill;
		obs_emit(&k->obs, &ev);
	}
}

// The dispatch loop: runs VMs and events until simulated time reaches `until` (cycles;
// UINT64_MAX: no limit) or nothing is left to do. Slices stop exactly at `until` (the
// budget is cut there), but the kernel work after a slice (a PIO, a context switch's
// refill) may carry now a little past it. horizon: `until` is a multi-machine horizon,
// not the end of the run, so a slice it cuts pauses (run_slice) and resumes at the next
// call.
static enum loop_end run_loop(struct kernel *k, uint64_t until, bool horizon)
{
	k->until = until;
	k->until_horizon = horizon;
	for (;;) {
		if (k->now >= k->ckpt.at && !k->paused) {
			k->ckpt.fn(k->ckpt.ctx, k);
			if (k->ckpt.at <= k->now)
				k->ckpt.at = UINT64_MAX;
		}
		if (k->now >= until)
			return LOOP_LIMIT;
		if (k->now >= k->obs.sample_next) // UINT64_MAX when nobody samples
			samples_due(k, k->now);
		if (k->ctl.poll && ((k->ctl.attn && *k->ctl.attn) ||
				    ++k->ctl_count >= k->ctl.every)) {
			k->ctl_count = 0;
			if (k->ctl.poll(k->ctl.ctx))
				return LOOP_STOP;
		}
		if (k->dbg && k->dbg->cl.poll && k->dbg->cl.poll(k->dbg->cl.ctx, k))
			return LOOP_STOP;
		struct vm *vm;
		if (k->paused) {
			assert(k->running >= 0);
			vm = &k->vms[k->running]; // the slice a horizon paused goes on
			k->paused = false;
		} else {
			process_events(k);
			uint32_t id = sched_pick(&k->sched);
			if (id == SCHED_NONE) {
				// Nobody runnable: jump to the next event that matters (stale ones
				// must not move time), or to the limit.
				const struct evq_event *top = next_event(k);
				if (!top)
					return LOOP_EMPTY;
				assert(top->time > k->now); // process_events took every due event
				uint64_t to = top->time > until ? until : top->time;
				if (to >= k->obs.sample_next)
					samples_due(k, to);
				k->now = to;
				continue;
			}
			vm = &k->vms[id];
			if (vm->state == VM_NEW && start_vm(k, vm) != 0)
				continue;
			dispatch_begin(k, vm);
		}
		if (run_slice(k, vm)) {
			k->paused = true;
			return LOOP_LIMIT;
		}
		dispatch_end(k, vm);
	}
}

// The limit max time sets (UINT64_MAX: none).
static uint64_t max_limit(const struct kernel *k)
{
	return k->cfg.max_time_cycles ? k->cfg.max_time_cycles : UINT64_MAX;
}

enum kernel_end kernel_run(struct kernel *k)
{
	if (k->ran)
		return k->end;
	enum loop_end e = run_loop(k, max_limit(k), false);
	kernel_finish(k, e == LOOP_STOP ? KERNEL_END_INTERRUPTED :
		      e == LOOP_LIMIT ? KERNEL_END_MAX_TIME :
		      k->live ? KERNEL_END_DEADLOCK : KERNEL_END_ALL_DONE);
	return k->end;
}

bool kernel_run_until(struct kernel *k, uint64_t until)
{
	if (k->ran)
		return true;
	uint64_t max = max_limit(k);
	uint64_t limit = until < max ? until : max;
	enum loop_end e = run_loop(k, limit, limit < max);
	if (e == LOOP_STOP) { // the front end ended this machine's run (gdb's kill)
		kernel_finish(k, KERNEL_END_INTERRUPTED);
		return true;
	}
	if (e == LOOP_EMPTY) {
		if (!k->live)
			return true;
		// Live VMs all idle with nothing queued: only another machine can wake them.
		if (limit != UINT64_MAX && k->now < limit) {
			if (limit >= k->obs.sample_next)
				samples_due(k, limit);
			k->now = limit;
		}
	}
	return false;
}

uint64_t kernel_next_activity(struct kernel *k)
{
	if (k->ran)
		return UINT64_MAX;
	if (k->paused || k->sched.len)
		return k->now;
	const struct evq_event *top = next_event(k);
	if (!top)
		return UINT64_MAX;
	return top->time > k->now ? top->time : k->now;
}

// What each live VM waits for at the end of the run (postmortem.h), before finish_live
// frees their memory.
static void capture_waits(struct kernel *k)
{
	if (!k->live || !(k->waits = calloc(k->cfg.nvms, sizeof *k->waits)))
		return;
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		if (vm_ended(vm))
			continue;
		struct postmortem_wait *w = &k->waits[i];
		const struct intr_vm *s = &k->iv[i];
		postmortem_wait_capture(w, vm);
		w->devices = k->dev != NULL;
		w->pending = s->pending;
		uint64_t deadline = timer_deadline(k->timer, i);
		w->timer_cycles = deadline ? kernel_ns_to_cycles(&k->cfg, deadline) : 0;
		if (vm->state == VM_NEW)
			w->kind = POSTMORTEM_NEVER_RAN;
		else if (k->running == (int64_t)i || k->stopped_vm == (int64_t)i)
			w->kind = POSTMORTEM_RUNNING;
		else if (vm->state == VM_RUNNABLE)
			w->kind = POSTMORTEM_RUNNABLE;
		else
			w->kind = s->swap_wait ? POSTMORTEM_SWAP : POSTMORTEM_IDLE;
		if (vm->state == VM_IDLE)
			w->wake_cycles = s->wake_at;
	}
}

void kernel_finish(struct kernel *k, enum kernel_end end)
{
	if (k->ran)
		return;
	if (k->running >= 0 && obs_on(&k->obs, OBS_CAT_SCHED)) {
		// A slice a horizon paused ends with the run.
		const struct vm *vm = &k->vms[k->running];
		struct obs_event ev = { .time = k->now, .vm = vm->id, .kind = OBS_DESCHED };
		ev.u.desched.why = OBS_DESCHED_STOP;
		ev.u.desched.cycles = vm->cpu.cycles - k->disp.cycles0;
		ev.u.desched.insns = vm->cpu.retired - k->disp.retired0;
		obs_emit(&k->obs, &ev);
	}
	if (obs_on(&k->obs, OBS_CAT_SAMPLE)) {
		samples_due(k, k->now);
		emit_sample(k, k->now, true); // the end of the last, partial interval
	}
	capture_waits(k);
	k->ran = true;
	k->end = end;
	k->paused = false;
	k->running = -1;
	assert(end != KERNEL_END_ALL_DONE || k->live == 0);
	finish_live(k, end == KERNEL_END_DEADLOCK ? VM_HUNG : VM_STOPPED);
	tally(k);
}

int kernel_observe(struct kernel *k, const struct obs_sub *sub)
{
	bool was = k->obs.cats != 0;
	if (obs_subscribe(&k->obs, sub) != 0)
		return -1;
	if (!was)
		devhost_observe(k, true);
	if ((sub->cats & OBS_CAT_SAMPLE) && k->obs.sample_next == UINT64_MAX)
		k->obs.sample_next = k->now;
	return 0;
}

void kernel_unobserve(struct kernel *k, const void *ctx)
{
	obs_unsubscribe(&k->obs, ctx);
	if (!k->obs.cats)
		devhost_observe(k, false);
	if (!(k->obs.cats & OBS_CAT_SAMPLE))
		k->obs.sample_next = UINT64_MAX;
}

void kernel_control(struct kernel *k, const struct kernel_ctl *ctl)
{
	if (ctl)
		k->ctl = *ctl;
	else
		memset(&k->ctl, 0, sizeof k->ctl);
	if (!k->ctl.every)
		k->ctl.every = 1;
	k->ctl_count = 0;
}

uint64_t kernel_digest(const struct kernel *k)
{
	uint64_t h = DIGEST_INIT;
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		h = digest_u32(h, vm->state);
		h = digest_u32(h, vm->exit_code);
		h = digest_u64(h, vm->cpu.retired);
		h = digest_u64(h, vm->cpu.cycles);
		const struct console_out_vm *con = console_out_vm(k->con, i);
		h = digest_u64(h, con->total);
		h = digest_bytes(h, con->bytes, con->len);
	}
	// Guest results only when there are some, so runs without them keep their digests.
	if (k->results.n || k->results.rejected)
		h = results_digest(&k->results, h);
	return digest_u64(h, k->now);
}

const struct console_out_vm *kernel_console(const struct kernel *k, uint32_t vm_id)
{
	return console_out_vm(k->con, vm_id);
}
