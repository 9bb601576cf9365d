// SPDX-License-Identifier: MIT
// Front-end disassembler (dis.h): Capstone with a kept handle, Denali instructions and
// symbolic branch targets.
#include "trace/dis.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu/cpu.h"
#include "vmm/symtab.h"

struct dis {
	csh h;
};

struct dis *dis_new(void)
{
	struct dis *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	if (cs_open(CS_ARCH_X86, CS_MODE_32, &d->h) != CS_ERR_OK) {
		free(d);
		return NULL;
	}
	return d;
}

void dis_free(struct dis *d)
{
	if (!d)
		return;
	cs_close(&d->h);
	free(d);
}

// Whether the mnemonic transfers control to its operand (jmp, jcc, call, loop*, jecxz).
static bool is_branch(const char *mn)
{
	return mn[0] == 'j' || !strcmp(mn, "call") || !strncmp(mn, "loop", 4);
}

int dis_insn(struct dis *d, const uint8_t *bytes, size_t avail, uint32_t eip,
	     const struct symtab *syms, char *buf, size_t len)
{
	if (!len)
		return 0;
	struct cpu_decoded_info di;
	int n = cpu_decode_info(bytes, avail, &di);
	if (n <= 0) {
		snprintf(buf, len, "%s", n < 0 ? "(truncated)" : "(bad)");
		return n;
	}
	// The two Denali instructions (and only they) are named by the CPU's own lister.
	if (di.name && (strcasestr(di.name, "idle") || strcasestr(di.name, "terminate"))) {
		cpu_disasm(bytes, (size_t)n, eip, buf, len);
		return n;
	}
	cs_insn *insn;
	size_t got = cs_disasm(d->h, bytes, (size_t)n, eip, 1, &insn);
	if (got == 0) {
		snprintf(buf, len, "(bad)");
		return n;
	}
	const char *mn = insn[0].mnemonic, *ops = insn[0].op_str;
	int w = snprintf(buf, len, "%s%s%s", mn, ops[0] ? " " : "", ops);
	// A direct target is printed as a bare hex number: name it.
	char *end;
	if (syms && w > 0 && (size_t)w < len && is_branch(mn) && !strncmp(ops, "0x", 2)) {
		unsigned long t = strtoul(ops, &end, 16);
		char sym[300];
		if (!*end && symtab_format(syms, (uint32_t)t, sym, sizeof sym)[0])
			snprintf(buf + w, len - (size_t)w, " <%s>", sym);
	}
	cs_free(insn, got);
	return n;
}
