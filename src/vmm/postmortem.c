// SPDX-License-Identifier: MIT
// Capturing a VM's state for reports (postmortem.h): registers, the faulting
// instruction's bytes, the words at ESP and the frame-pointer chain, all read with
// mem_peek so that nothing about the run changes.
#include "vmm/postmortem.h"

#include <string.h>

#include "denali/abi.h"
#include "vmm/vm.h"

static bool peek32(const struct mem *m, uint32_t addr, uint32_t *v)
{
	uint8_t b[4];
	if (mem_peek(m, b, addr, 4) != 4)
		return false;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return true;
}

// Follows the EBP chain (the rules are in postmortem.h).
static void walk(struct postmortem *p, const struct mem *m)
{
	uint32_t fp = p->r[CPU_EBP], lo = p->r[CPU_ESP];
	p->nframes = 0;
	for (;;) {
		if (fp == 0) {
			p->walk_end = POSTMORTEM_WALK_ZERO;
			return;
		}
		if (p->nframes == POSTMORTEM_FRAMES) {
			p->walk_end = POSTMORTEM_WALK_LIMIT;
			return;
		}
		// Inside the stack: at or above ESP (and above the frame before), aligned,
		// and the two words below the end of guest memory.
		if (fp < lo || (fp & 3) || (uint64_t)fp + 8 > m->mem_size) {
			p->walk_end = POSTMORTEM_WALK_OUTSIDE;
			return;
		}
		uint32_t next, ret;
		if (!peek32(m, fp, &next) || !peek32(m, fp + 4, &ret)) {
			p->walk_end = POSTMORTEM_WALK_UNREADABLE;
			return;
		}
		p->frames[p->nframes++] = (struct postmortem_frame){ fp, ret };
		lo = fp + 8; // the next frame must be further up the stack
		fp = next;
	}
}

void postmortem_capture(struct postmortem *p, const struct vm *vm, uint64_t now_cycles,
			uint32_t eip, bool fault)
{
	const struct cpu *c = &vm->cpu;
	memset(p, 0, sizeof *p);
	p->time_cycles = now_cycles;
	memcpy(p->r, c->r, sizeof p->r);
	p->eip = eip;
	p->eflags = cpu_get_eflags(c);
	p->fault = fault;
	if (fault) {
		p->vector = c->fault.vector;
		p->error_code = c->fault.error_code;
		p->addr = c->fault.addr;
	}
	if (!vm->has_mem)
		return;
	p->ninsn = (uint8_t)mem_peek(&vm->mem, p->insn, p->eip, sizeof p->insn);
	for (p->nstack = 0; p->nstack < POSTMORTEM_STACK; p->nstack++)
		if (!peek32(&vm->mem, p->r[CPU_ESP] + 4u * p->nstack, &p->stack[p->nstack]))
			break;
	walk(p, &vm->mem);
}

void postmortem_wait_capture(struct postmortem_wait *w, const struct vm *vm)
{
	const struct cpu *c = &vm->cpu;
	memset(w, 0, sizeof *w);
	w->eip = c->eip;
	w->esp = c->r[CPU_ESP];
	w->ebp = c->r[CPU_EBP];
	if (!vm->has_mem)
		return;
	const struct denali_vregs *v = (const struct denali_vregs *)vm->mem.vregs;
	w->int_enable = v->int_enable & 1;
	w->handler = v->int_handler != 0;
	uint32_t ret;
	if (w->ebp >= w->esp && !(w->ebp & 3) && peek32(&vm->mem, w->ebp + 4, &ret))
		w->ret = ret;
}

const char *postmortem_walk_end_name(enum postmortem_walk_end e)
{
	switch (e) {
	case POSTMORTEM_WALK_ZERO: return "the outermost frame";
	case POSTMORTEM_WALK_OUTSIDE: return "a frame pointer outside the stack";
	case POSTMORTEM_WALK_UNREADABLE: return "a frame in unmapped memory";
	case POSTMORTEM_WALK_LIMIT: return "the frame limit";
	}
	return "?";
}

const char *postmortem_wait_name(enum postmortem_wait_kind k)
{
	switch (k) {
	case POSTMORTEM_NEVER_RAN: return "never ran";
	case POSTMORTEM_RUNNING: return "running";
	case POSTMORTEM_RUNNABLE: return "runnable";
	case POSTMORTEM_IDLE: return "idle";
	case POSTMORTEM_SWAP: return "waiting for the swap disk";
	}
	return "?";
}
