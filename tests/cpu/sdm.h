// SPDX-License-Identifier: MIT
// The SDM's table of conditions (Jcc, "Jump if Condition Is Met"), written from the
// manual independently of the interpreter's flags code: the oracle test_fused.c and
// test_flagpaths.c check every fused compare-and-branch and flag reader against.
#ifndef DENALI_TESTS_CPU_SDM_H
#define DENALI_TESTS_CPU_SDM_H

#include <stdint.h>

#include "cpu/cpu.h"

// Whether condition cc (0..15: O NO B AE E NE BE A S NS P NP L GE LE G) holds for EFLAGS f.
static inline int sdm_cond(uint32_t f, int cc)
{
	int cf = !!(f & CPU_CF), zf = !!(f & CPU_ZF), sf = !!(f & CPU_SF);
	int of = !!(f & CPU_OF), pf = !!(f & CPU_PF), r;
	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return r ^ (cc & 1);
}

#endif
