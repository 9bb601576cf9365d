// SPDX-License-Identifier: MIT
// Instruction tracing without a hook in the fast loop (tracestep.c; obs.h, cpu.h
// cpu_block_info): the kernel calls tracestep_run instead of cpu_run for a VM an
// observer traces; the results are the same.
#ifndef DENALI_VMM_TRACESTEP_H
#define DENALI_VMM_TRACESTEP_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

struct kernel;
struct vm;

// Runs vm like cpu_run(k->x, &vm->cpu, mi, budget), reporting every instruction as an
// OBS_INSN event when traced, and stopping between instructions where the control
// interface asks (ctl.h); t_start is the simulated time (cycles) when the run begins.
enum cpu_exit tracestep_run(struct kernel *k, struct vm *vm, const struct cpu_mem *mi,
			    int64_t budget, uint64_t t_start, bool traced);

#endif
