// SPDX-License-Identifier: MIT
// The virtual CPUID (docs/isa.md "CPUID"). Fixed values: the same on every host.
#include <string.h>

#include "cpu/cpu.h"

// Leaf 1 EDX: TSC (4), CX8 (8), CMOV (15). No FPU, MMX or SSE: the ISA is integer only.
#define CPUID_1_EDX ((1u << 4) | (1u << 8) | (1u << 15))
// Leaf 7 EBX: BMI1 (3), for TZCNT. Leaf 0x80000001 ECX: ABM (5), for LZCNT.
#define CPUID_7_EBX (1u << 3)
#define CPUID_81_ECX (1u << 5)

void cpu_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	// out = EAX EBX ECX EDX
	memset(out, 0, 4 * sizeof out[0]);
	switch (leaf) {
	case 0:
		out[0] = 7;
		// "DenaliIsoKrn": EBX, EDX, ECX
		memcpy(&out[1], "Dena", 4);
		memcpy(&out[3], "liIs", 4);
		memcpy(&out[2], "oKrn", 4);
		break;
	case 1:
		out[0] = 0x00000f24; // family 15 (Pentium 4), model 2, stepping 4
		out[3] = CPUID_1_EDX;
		break;
	case 7:
		if (subleaf == 0)
			out[1] = CPUID_7_EBX;
		break;
	case 0x80000000:
		out[0] = 0x80000001;
		break;
	case 0x80000001:
		out[2] = CPUID_81_ECX;
		break;
	default:
		break;
	}
}
