// SPDX-License-Identifier: MIT
// Disassembly for listings and error messages: Capstone for x86, plus the Denali
// instructions (0F 0C ib) by their docs/isa.md names.
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#include "cpu/cpu_internal.h"

static void denali_name(const uint8_t *b, size_t avail, char *buf, size_t bufsz)
{
	size_t i = 0;
	while (i < avail && i < 14 && (b[i] == 0x66 || b[i] == 0x26 || b[i] == 0x2e ||
				       b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x64 || b[i] == 0x65))
		i++;
	if (i + 2 < avail && b[i] == 0x0f && b[i + 1] == 0x0c) {
		const char *n = b[i + 2] == 0 ? "denali.idle" : b[i + 2] == 1 ? "denali.terminate"
									: "(bad denali op)";
		snprintf(buf, bufsz, "%s", n);
	} else {
		buf[0] = 0;
	}
}

char *cpu_disasm(const uint8_t *bytes, size_t avail, uint32_t eip, char *buf, size_t bufsz)
{
	csh h;
	cs_insn *insn;
	if (bufsz == 0)
		return buf;
	denali_name(bytes, avail, buf, bufsz);
	if (buf[0])
		return buf;
	if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK) {
		snprintf(buf, bufsz, "(no disassembler)");
		return buf;
	}
	size_t n = cs_disasm(h, bytes, avail < 15 ? avail : 15, eip, 1, &insn);
	if (n == 0) {
		snprintf(buf, bufsz, "(bad)");
	} else {
		if (insn[0].op_str[0])
			snprintf(buf, bufsz, "%s %s", insn[0].mnemonic, insn[0].op_str);
		else
			snprintf(buf, bufsz, "%s", insn[0].mnemonic);
		cs_free(insn, n);
	}
	cs_close(&h);
	return buf;
}

const char *cpu_exit_name(enum cpu_exit e)
{
	static const char *const names[] = {"budget", "pio", "idle", "terminate", "hlt",
					    "fault", "int", "step"};
	return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "?";
}
