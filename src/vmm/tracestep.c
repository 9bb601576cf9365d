// SPDX-License-Identifier: MIT
// The slow path for instruction tracing (tracestep.h): a traced VM runs one instruction
// at a time through the same handlers (cpu_step_budget), block by block as cpu_run
// would cut its blocks (cpu_block_info), so the budget is checked at the same places
// and the run is the same as without tracing: same cycles, same instructions, same
// preemption points, same digest. Each instruction is reported as OBS_INSN with the
// registers before and after it and its exact simulated time, when an observer traces
// the VM; when the control interface wants the VM (ctl.h), ctl_before and ctl_after
// run around each instruction (they may stop the run there: the client's callback
// blocks, and nothing of the run moves until it returns).
#include "vmm/tracestep.h"

#include <stdlib.h>
#include <string.h>

#include "vmm/ctl.h"
#include "vmm/kernel.h"
#include "vmm/obs.h"

enum cpu_exit tracestep_run(struct kernel *k, struct vm *vm, const struct cpu_mem *mi,
			    int64_t budget, uint64_t t_start, bool traced)
{
	struct cpu *c = &vm->cpu;
	// The VM's branch ring (kernel.h), made on its first traced run; without memory
	// for it the fault report has no branches, nothing else changes.
	if (!k->branches)
		k->branches = calloc(k->cfg.nvms, sizeof *k->branches);
	struct kernel_branches *br = NULL;
	if (k->branches) {
		if (!k->branches[vm->id])
			k->branches[vm->id] = calloc(1, sizeof *br);
		br = k->branches[vm->id];
	}
	const struct cpu_exec_stats *st = cpu_exec_stats(k->x);
	uint64_t start = c->cycles;
	k->obs.stepping = true;
	enum cpu_exit e;
	for (;;) {
		bool last_ends;
		int n = cpu_block_info(k->x, c, mi, &last_ends);
		if (n == 0)
			n = 1; // the fetch faults: cpu_step_budget raises it
		bool check = true; // the budget is checked after this block
		for (int i = 0; i < n; i++) {
			struct obs_event ev = { .kind = OBS_INSN, .vm = vm->id };
			uint64_t c0 = c->cycles, smc0 = st->smc_exits;
			ev.time = t_start + (c0 - start);
			k->obs.step_time = ev.time;
			bool dbg = ctl_wants(k->dbg, vm->id);
			if (dbg) {
				ctl_before(k, vm, ev.time);
				dbg = ctl_wants(k->dbg, vm->id); // the stop may have changed it
				if (dbg && k->dbg->nwatch)
					ctl_watch_snapshot(k, vm);
			}
			// The instruction's bytes, decoding and registers: for the trace, and for
			// read and access watchpoints (a breakpoint or a step needs none of it).
			bool full = traced || (dbg && k->dbg->nwatch);
			uint32_t got = 0;
			int len = 0;
			struct cpu_decoded_info di;
			if (full) {
				ev.u.insn.eip = c->eip;
				memcpy(ev.u.insn.before, c->r, sizeof ev.u.insn.before);
				ev.u.insn.eflags_before = cpu_get_eflags(c);
				got = mem_peek(&vm->mem, ev.u.insn.bytes, c->eip, sizeof ev.u.insn.bytes);
				len = got ? cpu_decode_info(ev.u.insn.bytes, got, &di) : 0;
				ev.u.insn.len = len > 0 ? (uint8_t)len : 0;
			}
			e = cpu_step_budget(k->x, c, mi, budget - (int64_t)(c0 - start));
			if (full) {
				memcpy(ev.u.insn.after, c->r, sizeof ev.u.insn.after);
				ev.u.insn.eflags_after = cpu_get_eflags(c);
				ev.u.insn.exit = (uint8_t)e;
				ev.u.insn.cycles = c->cycles - c0;
				if (br && e == CPU_EXIT_STEP && ev.u.insn.len &&
				    c->eip != ev.u.insn.eip && c->eip != ev.u.insn.eip + ev.u.insn.len)
					br->to[br->n++ % KERNEL_BRANCHES] = c->eip; // a taken branch
			}
			if (traced)
				obs_emit(&k->obs, &ev);
			if (dbg && k->dbg)
				ctl_after(k, vm, e, t_start + (c->cycles - start),
					  len > 0 ? &di : NULL, ev.u.insn.bytes, got,
					  ev.u.insn.before);
			if (e != CPU_EXIT_STEP)
				goto out;
			if (st->smc_exits != smc0) {
				// A write into the rest of the block ends it here (cpu.h); one
				// into other decoded code (another block, another page) does not.
				check = i == n - 1 && last_ends;
				break;
			}
		}
		if (check && (int64_t)(c->cycles - start) >= budget) {
			e = CPU_EXIT_BUDGET;
			goto out;
		}
	}
out:
	k->obs.stepping = false;
	return e;
}
