// SPDX-License-Identifier: MIT
// The control interface (ctl.h): stop points, steps, stop requests, and the accessors
// a debugger uses while the run is stopped. The kernel calls ctl_before / ctl_after
// around each instruction of a VM that runs through the slow path (tracestep.c) and
// ctl_fault before it kills a VM for a guest fault (kernel.c).
#include "vmm/ctl.h"

#include <stdlib.h>
#include <string.h>

#include "vmm/gatekeeper.h"
#include "vmm/intr.h"
#include "vmm/kernel.h"
#include "vmm/mem.h"
#include "vmm/vm.h"

int ctl_attach(struct kernel *k, const struct ctl_client *cl)
{
	if (k->dbg || !cl || !cl->stop)
		return -1;
	struct ctl *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	c->cl = *cl;
	c->step_vm = -1;
	c->halt_vm[0] = c->halt_vm[1] = -1;
	c->skip_vm = -1;
	k->dbg = c;
	return 0;
}

void ctl_detach(struct kernel *k)
{
	free(k->dbg);
	k->dbg = NULL;
}

static void recount(struct ctl *c)
{
	c->nbreak = c->nwatch = 0;
	for (uint32_t i = 0; i < c->npts; i++)
		c->pts[i].kind == CTL_BREAK ? c->nbreak++ : c->nwatch++;
}

static int find(const struct ctl *c, enum ctl_point_kind kind, uint32_t addr, uint32_t len)
{
	for (uint32_t i = 0; i < c->npts; i++)
		if (c->pts[i].kind == kind && c->pts[i].addr == addr &&
		    (kind == CTL_BREAK || c->pts[i].len == len))
			return (int)i;
	return -1;
}

int ctl_insert(struct kernel *k, enum ctl_point_kind kind, uint32_t addr, uint32_t len)
{
	struct ctl *c = k->dbg;
	if (!c)
		return -1;
	if (kind != CTL_BREAK && kind != CTL_WATCH_WRITE && kind != CTL_WATCH_READ &&
	    kind != CTL_WATCH_ACCESS)
		return -1;
	if (kind != CTL_BREAK && (len == 0 || len > CTL_MAX_WATCH_LEN))
		return -1;
	if (find(c, kind, addr, len) >= 0)
		return 0;
	if (c->npts == CTL_MAX_POINTS)
		return -1;
	struct ctl_point *p = &c->pts[c->npts++];
	memset(p, 0, sizeof *p);
	p->kind = (uint8_t)kind;
	p->addr = addr;
	p->len = kind == CTL_BREAK ? 1 : len;
	recount(c);
	return 0;
}

void ctl_remove(struct kernel *k, enum ctl_point_kind kind, uint32_t addr, uint32_t len)
{
	struct ctl *c = k->dbg;
	int i = c ? find(c, kind, addr, len) : -1;
	if (i < 0)
		return;
	c->pts[i] = c->pts[--c->npts];
	recount(c);
}

void ctl_clear(struct kernel *k)
{
	if (!k->dbg)
		return;
	k->dbg->npts = 0;
	recount(k->dbg);
}

void ctl_step(struct kernel *k, int64_t vm)
{
	if (!k->dbg)
		return;
	if (vm >= (int64_t)k->cfg.nvms || (vm >= 0 && vm_ended(&k->vms[vm])))
		vm = -1;
	k->dbg->step_vm = vm;
	k->dbg->step_done = false;
}

void ctl_halt(struct kernel *k, int64_t vm, int64_t vm2)
{
	if (!k->dbg)
		return;
	k->dbg->halt_vm[0] = vm >= 0 && vm < (int64_t)k->cfg.nvms ? vm : -1;
	k->dbg->halt_vm[1] = vm2 >= 0 && vm2 < (int64_t)k->cfg.nvms ? vm2 : -1;
}

void ctl_report_ends(struct kernel *k, bool on)
{
	if (k->dbg)
		k->dbg->report_ends = on;
}

void ctl_request_stop(struct kernel *k)
{
	if (k->dbg)
		k->dbg->stop_req = true;
}

uint64_t ctl_time(const struct kernel *k)
{
	return k->dbg && k->dbg->in_stop ? k->dbg->now : k->now;
}

const struct cpu *ctl_cpu(const struct kernel *k, uint32_t vm)
{
	return vm < k->cfg.nvms ? &k->vms[vm].cpu : NULL;
}

int ctl_set_reg(struct kernel *k, uint32_t vm, unsigned r, uint32_t value)
{
	if (vm >= k->cfg.nvms || vm_ended(&k->vms[vm]) || k->vms[vm].state == VM_NEW ||
	    k->vms[vm].state >= VM_HUNG)
		return -1;
	struct cpu *c = &k->vms[vm].cpu;
	if (r < 8)
		c->r[r] = value;
	else if (r == 8)
		c->eip = value;
	else if (r == 9)
		cpu_set_eflags(c, (value & CPU_POPF_MASK) | (cpu_get_eflags(c) & ~CPU_POPF_MASK));
	else
		return -1;
	return 0;
}

uint32_t ctl_read(const struct kernel *k, uint32_t vm, uint32_t addr, void *buf,
		  uint32_t len)
{
	if (vm >= k->cfg.nvms || !k->vms[vm].has_mem)
		return 0;
	return mem_peek(&k->vms[vm].mem, buf, addr, len);
}

int ctl_write(struct kernel *k, uint32_t vm, uint32_t addr, const void *buf,
	      uint32_t len)
{
	if (vm >= k->cfg.nvms || !k->vms[vm].has_mem || vm_ended(&k->vms[vm]))
		return -1;
	// The guest's own store path: copy-on-write, and decoded code of the bytes
	// forgotten (mem.c copy() calls cpu_exec_code_written).
	return mem_copyout(&k->vms[vm].mem, addr, buf, len);
}

enum ctl_vm_state ctl_vm_state(const struct kernel *k, uint32_t vm)
{
	if (vm >= k->cfg.nvms)
		return CTL_VM_ENDED;
	const struct vm *v = &k->vms[vm];
	switch (v->state) {
	case VM_NEW: return CTL_VM_NEW;
	case VM_RUNNABLE: return k->running == (int64_t)vm ? CTL_VM_RUNNING : CTL_VM_RUNNABLE;
	case VM_IDLE: return k->iv && k->iv[vm].swap_wait ? CTL_VM_SWAPPED : CTL_VM_IDLE;
	case VM_TERMINATED: return CTL_VM_TERMINATED;
	case VM_KILLED: return CTL_VM_KILLED;
	default: return CTL_VM_ENDED;
	}
}

const char *ctl_vm_state_name(enum ctl_vm_state s)
{
	static const char *const names[] = { "new", "running", "runnable",
					     "idle", "swapped", "terminated",
					     "killed", "ended" };
	return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

// After the client's stop returned (it may have detached: k->dbg NULL).
static void after_stop(struct kernel *k, const struct vm *vm)
{
	struct ctl *c = k->dbg;
	if (!c)
		return;
	c->in_stop = false;
	c->skip_vm = vm->id;
	c->skip_eip = vm->cpu.eip;
}

// Calls the client; the run stays stopped until it returns.
static void stop(struct kernel *k, struct vm *vm, uint64_t now, struct ctl_stop *st)
{
	struct ctl *c = k->dbg;
	st->vm = vm->id;
	c->stop_req = false;
	c->step_vm = -1;
	c->step_done = false;
	c->now = now;
	c->in_stop = true;
	struct ctl_client cl = c->cl;
	cl.stop(cl.ctx, k, st);
	after_stop(k, vm);
}

void ctl_before(struct kernel *k, struct vm *vm, uint64_t now)
{
	struct ctl *c = k->dbg;
	bool skip = c->skip_vm == (int64_t)vm->id && c->skip_eip == vm->cpu.eip;
	c->skip_vm = -1;
	struct ctl_stop st = { .why = CTL_STOP_REQUEST };
	if (c->stop_req) {
		st.why = CTL_STOP_REQUEST;
	} else if (c->step_done && c->step_vm == (int64_t)vm->id) {
		st.why = CTL_STOP_STEP;
	} else if ((c->halt_vm[0] == (int64_t)vm->id || c->halt_vm[1] == (int64_t)vm->id) &&
		   !skip) {
		st.why = CTL_STOP_HALT;
	} else if (c->nbreak && !skip) {
		st.why = CTL_STOP_BREAK;
		uint32_t i = 0;
		while (i < c->npts && !(c->pts[i].kind == CTL_BREAK && c->pts[i].addr == vm->cpu.eip))
			i++;
		if (i == c->npts)
			return;
	} else {
		return;
	}
	stop(k, vm, now, &st);
	if (k->dbg)
		k->dbg->skip_vm = -1; // this instruction runs now
}

void ctl_watch_snapshot(struct kernel *k, struct vm *vm)
{
	struct ctl *c = k->dbg;
	for (uint32_t i = 0; i < c->npts; i++) {
		struct ctl_point *p = &c->pts[i];
		if (p->kind == CTL_WATCH_WRITE)
			p->got = mem_peek(&vm->mem, p->old, p->addr, p->len);
	}
}

// Whether [a, a + alen) and [b, b + blen) overlap (32-bit address arithmetic).
static bool overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return (uint32_t)(b - a) < alen || (uint32_t)(a - b) < blen;
}

// The address of the instruction's explicit memory operand: MOV's moffs (A0-A3, 32-bit
// addressing) or the ModRM operand. Returns false when it has neither.
static bool operand_addr(const struct cpu_decoded_info *di, const uint8_t *b, uint32_t len,
			 const uint32_t *r, uint32_t *out)
{
	uint32_t i = 0;
	bool a16 = false;
	while (i < len && (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
			   b[i] == 0x64 || b[i] == 0x65 || b[i] == 0x66 || b[i] == 0x67 ||
			   b[i] == 0xf2 || b[i] == 0xf3)) {
		a16 |= b[i] == 0x67;
		i++;
	}
	if (!a16 && i + 5 <= len && b[i] >= 0xa0 && b[i] <= 0xa3) {
		*out = (uint32_t)b[i + 1] | (uint32_t)b[i + 2] << 8 | (uint32_t)b[i + 3] << 16 |
		       (uint32_t)b[i + 4] << 24;
		return true;
	}
	if (!di || !di->valid || !di->has_mem)
		return false;
	uint32_t ea = di->mem_disp;
	if (di->mem_base >= 0 && di->mem_base < 8)
		ea += r[di->mem_base];
	if (di->mem_index >= 0 && di->mem_index < 8)
		ea += r[di->mem_index] * (uint32_t)di->mem_scale;
	*out = di->addr16 ? ea & 0xffffu : ea;
	return true;
}

void ctl_after(struct kernel *k, struct vm *vm, enum cpu_exit e, uint64_t now,
	       const struct cpu_decoded_info *di, const uint8_t *bytes, uint32_t len,
	       const uint32_t *regs)
{
	struct ctl *c = k->dbg;
	if (c->step_vm == (int64_t)vm->id && e != CPU_EXIT_FAULT)
		c->step_done = true;
	if (!c->nwatch || e == CPU_EXIT_FAULT)
		return;
	struct ctl_stop st = { .why = CTL_STOP_WATCH };
	for (uint32_t i = 0; i < c->npts; i++) {
		struct ctl_point *p = &c->pts[i];
		if (p->kind == CTL_BREAK)
			continue;
		bool hit = false;
		if (p->kind == CTL_WATCH_WRITE) {
			uint8_t cur[CTL_MAX_WATCH_LEN];
			uint32_t got = mem_peek(&vm->mem, cur, p->addr, p->len);
			hit = got != p->got || memcmp(cur, p->old, got) != 0;
		} else {
			uint32_t ea;
			hit = operand_addr(di, bytes, len, regs, &ea) && overlap(ea, 4, p->addr, p->len);
		}
		if (hit) {
			st.addr = p->addr;
			st.watch = p->kind;
			// The VM's next instruction does not stop for a breakpoint at the EIP
			// this stop reported (gdb steps over it when it resumes from there).
			stop(k, vm, now, &st);
			return;
		}
	}
}

void ctl_fault(struct kernel *k, struct vm *vm, enum cpu_exit e)
{
	if (!k->dbg || !vm->has_mem)
		return;
	struct ctl_stop st = { .why = CTL_STOP_FAULT, .exit = (uint8_t)e, .addr = vm->cpu.fault.addr };
	stop(k, vm, k->now, &st);
}

void ctl_vm_ended(struct kernel *k, struct vm *vm)
{
	if (!k->dbg || !k->dbg->report_ends || k->dbg->in_stop)
		return;
	struct ctl_stop st = { .why = CTL_STOP_END, .exit = (uint8_t)vm->state };
	stop(k, vm, k->now, &st);
}
