// SPDX-License-Identifier: MIT
// The differential tests' comparison: decides whether an interpreter result matches
// the host CPU's result for one case (cpu_diff.c runs both; test_diff_check.c feeds it
// synthetic host results). It compares the end (trap or fault, the vector, and the
// address of a #PF), EIP, the registers, the defined EFLAGS bits and the data region.
//
// What the host CPU model may decide is accepted in each documented variant, and
// nothing else is masked (docs/verification.md, "What the host CPU may decide"):
//  - EFLAGS after a fault in the middle of REPE/REPNE CMPS or SCAS: Intel restores the
//    values from before the instruction (the SDM, "REP/REPE/REPZ/REPNE/REPNZ"); AMD
//    leaves those of the last completed iteration. The host may show either; the
//    interpreter must show ours (before the instruction, docs/isa.md 8.1).
//  - undefined flags and the destination of BSF/BSR with a zero source: in the case's
//    flag_mask and skip_regs (diff_gen.c, flags_for).
#ifndef DENALI_TESTS_CPU_DIFF_CHECK_H
#define DENALI_TESTS_CPU_DIFF_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "diff_gen.h"

// Compares the host's result `native` with the interpreter's `interp` for case dc.
// Returns the number of differences; when there are any and `why` is not NULL, writes
// a one-line list of them (" eax(native/interp) ...") into why[0..whysz).
int diff_compare(const struct diff_case *dc, const struct diff_meta *m,
		 const struct diff_result *native, const struct diff_result *interp, char *why,
		 size_t whysz);

// The arithmetic flags of the last completed iteration of a REPE/REPNE CMPS or SCAS
// case that stopped with registers `out` (what AMD hosts report after a fault).
uint32_t diff_rep_last_flags(const struct diff_case *dc, const struct diff_meta *m,
			     const struct diff_state *out);

#endif
