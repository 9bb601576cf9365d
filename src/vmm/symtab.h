// SPDX-License-Identifier: MIT
// The symbols of a guest image (symtab.c): function and data names read from the ELF
// file's .symtab section, for `denali disasm`, fault reports and traces
// (function+offset). Loading never depends on them: a stripped image has none, and a
// damaged symbol table is reported (symtab_parse's why) and ignored by the loader
// (image.h keeps the reason in sym_note).
//
// The file is untrusted, like everything image.c reads: the section header table, the
// symbol table and its string table are checked against the file end with 64-bit
// arithmetic, every name must end inside its string table, and the counts are bounded
// (SYMTAB_MAX_SYMS, SYMTAB_MAX_NAME). tests/vmm/fuzz_symtab.c fuzzes it.
//
// What is kept: STT_FUNC and STT_NOTYPE symbols (assembly labels) defined in an
// executable section (SYMTAB_CODE), and STT_OBJECT symbols in any allocated section
// (SYMTAB_DATA). Section, file, undefined, absolute and nameless symbols are dropped.
// Symbols are sorted by address; at one address a FUNC beats a NOTYPE label, a global
// beats a local, then the name decides, so lookups are deterministic.
#ifndef DENALI_VMM_SYMTAB_H
#define DENALI_VMM_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYMTAB_MAX_SYMS (1u << 20) // more symbols than this: refused
#define SYMTAB_MAX_NAME 255u       // longer names are cut to this many bytes

enum symtab_kind { SYMTAB_CODE = 1,
		   SYMTAB_DATA = 2 };

struct symtab_sym {
	uint32_t addr;   // guest address of the first byte
	uint32_t size;   // bytes (0: unknown, e.g. an assembly label)
	uint32_t name;   // offset of the NUL-terminated name in symtab.names
	uint8_t kind;    // enum symtab_kind
	bool func;       // STT_FUNC (not a plain label)
	bool global;     // STB_GLOBAL or STB_WEAK
};

struct symtab {
	uint32_t n;               // symbols kept
	struct symtab_sym *syms;  // n, sorted (see above)
	char *names;              // the names, each NUL-terminated
	uint32_t ncode;           // of them, SYMTAB_CODE
};

// Reads the symbol table of the ELF32 file bytes[0..len). Returns 0 and sets *out to the
// table, or to NULL when the file has no section headers or no symbol table (a stripped
// image). Returns -1 with one line in why (no file name; the caller adds it) when the
// section headers or the symbol table are damaged, or when out of memory; *out is NULL.
int symtab_parse(const uint8_t *bytes, size_t len, struct symtab **out, char *why,
		 size_t whylen);
void symtab_free(struct symtab *s);

// The symbol of `kind` for addr: one that contains it (addr inside [addr, addr + size)),
// else the nearest one starting before it (a label without a size, or padding after a
// function). Sets *off to addr minus its address. NULL when no symbol of that kind
// starts at or before addr (s may be NULL).
const struct symtab_sym *symtab_lookup(const struct symtab *s, enum symtab_kind kind,
				       uint32_t addr, uint32_t *off);
// The symbol of `kind` that starts exactly at addr, or NULL.
const struct symtab_sym *symtab_at(const struct symtab *s, enum symtab_kind kind,
				   uint32_t addr);
// The first symbol (in address order) with this name, or NULL.
const struct symtab_sym *symtab_find(const struct symtab *s, const char *name);
static inline const char *symtab_name(const struct symtab *s, const struct symtab_sym *sym)
{
	return s->names + sym->name;
}
// Writes "name+0x1c" (or "name" at offset 0) for a code address into buf, or "" when
// no symbol contains it. Returns buf.
char *symtab_format(const struct symtab *s, uint32_t addr, char *buf, size_t len);

#endif
