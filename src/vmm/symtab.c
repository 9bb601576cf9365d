// SPDX-License-Identifier: MIT
// ELF32 symbol table reader (interface and rules in symtab.h). The checks, in order:
// the ELF header (class, byte order, size), the section header table (entry size,
// count, bounds), the first SHT_SYMTAB section (entry size, bounds, count) and the
// string table its sh_link names (index, type, bounds); then per symbol its type,
// section and name (inside the string table and NUL-terminated there). Offsets are
// added in 64 bits, so no 32-bit wrap-around passes. image.c calls it; nothing here
// affects loading.
#include "vmm/symtab.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	EH_SIZE = 52,   // sizeof(Elf32_Ehdr)
	SH_SIZE = 40,   // sizeof(Elf32_Shdr)
	SYM_SIZE = 16,  // sizeof(Elf32_Sym)
	SHT_SYMTAB = 2,
	SHT_STRTAB = 3,
	SHF_ALLOC = 2,
	SHF_EXECINSTR = 4,
	STT_NOTYPE = 0,
	STT_OBJECT = 1,
	STT_FUNC = 2,
	STB_LOCAL = 0,
	SHN_LORESERVE = 0xff00,
	MAX_SECTIONS = 0xff00, // e_shnum below SHN_LORESERVE (no extended numbering)
};

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int bad(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(char *why, size_t whylen, const char *fmt, ...)
{
	if (why && whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

// qsort_r order (symtab.h): kind, address, FUNC before label, global before local, name.
static int sym_cmp(const void *pa, const void *pb, void *names)
{
	const struct symtab_sym *a = pa, *b = pb;
	const char *sort_names = names;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->func != b->func)
		return a->func ? -1 : 1;
	if (a->global != b->global)
		return a->global ? -1 : 1;
	int c = strcmp(sort_names + a->name, sort_names + b->name);
	if (c)
		return c;
	return a->size < b->size ? -1 : a->size > b->size;
}

int symtab_parse(const uint8_t *bytes, size_t len, struct symtab **out, char *why,
		 size_t whylen)
{
	const uint8_t *b = bytes;
	*out = NULL;
	if (len < EH_SIZE || memcmp(b, "\x7f"
				       "ELF",
				    4) != 0 ||
	    b[4] != 1 || b[5] != 1)
		return bad(why, whylen, "not an ELF32 little-endian file");
	uint32_t shoff = rd32(b + 32), shentsize = rd16(b + 46), shnum = rd16(b + 48);
	if (shoff == 0 || shnum == 0)
		return 0; // no section headers: stripped of everything
	if (shentsize != SH_SIZE)
		return bad(why, whylen, "section header size %u, expected %d", shentsize, SH_SIZE);
	if (shnum >= MAX_SECTIONS)
		return bad(why, whylen, "%u section headers (limit %d)", shnum, MAX_SECTIONS - 1);
	if ((uint64_t)shoff + (uint64_t)shnum * SH_SIZE > len)
		return bad(why, whylen, "section headers at offset %u run past the end of the "
					"file (%zu bytes)",
			   shoff, len);
	const uint8_t *sh = b + shoff;
	uint32_t symsec = 0;
	for (uint32_t i = 1; i < shnum && !symsec; i++)
		if (rd32(sh + (size_t)i * SH_SIZE + 4) == SHT_SYMTAB)
			symsec = i;
	if (!symsec)
		return 0; // no .symtab (strip -s)
	const uint8_t *ss = sh + (size_t)symsec * SH_SIZE;
	uint32_t symoff = rd32(ss + 16), symsize = rd32(ss + 20), link = rd32(ss + 24);
	uint32_t entsize = rd32(ss + 36);
	if (entsize != SYM_SIZE)
		return bad(why, whylen, "symbol table entry size %u, expected %d", entsize, SYM_SIZE);
	if ((uint64_t)symoff + symsize > len)
		return bad(why, whylen, "symbol table at offset %u..%llu runs past the end of "
					"the file",
			   symoff, (unsigned long long)symoff + symsize);
	uint32_t nsym = symsize / SYM_SIZE;
	if (nsym > SYMTAB_MAX_SYMS)
		return bad(why, whylen, "%u symbols (limit %u)", nsym, SYMTAB_MAX_SYMS);
	if (link == 0 || link >= shnum)
		return bad(why, whylen, "symbol table names section %u as its string table, of "
					"%u sections",
			   link, shnum);
	const uint8_t *st = sh + (size_t)link * SH_SIZE;
	uint32_t stroff = rd32(st + 16), strsize = rd32(st + 20);
	if (rd32(st + 4) != SHT_STRTAB)
		return bad(why, whylen, "section %u, named as the symbol names, is of type %u, "
					"not a string table",
			   link, rd32(st + 4));
	if ((uint64_t)stroff + strsize > len)
		return bad(why, whylen, "string table at offset %u..%llu runs past the end of "
					"the file",
			   stroff, (unsigned long long)stroff + strsize);
	const char *strs = (const char *)b + stroff;

	// Two passes: count what is kept and the bytes of its names, then copy.
	struct symtab *s = calloc(1, sizeof *s);
	if (!s)
		return bad(why, whylen, "out of memory");
	uint64_t names_len = 0;
	uint32_t keep = 0;
	for (int pass = 0; pass < 2; pass++) {
		uint32_t at = 0;
		keep = 0;
		for (uint32_t i = 1; i < nsym; i++) { // symbol 0 is the null symbol
			const uint8_t *e = b + symoff + (size_t)i * SYM_SIZE;
			uint32_t name = rd32(e), value = rd32(e + 4), size = rd32(e + 8);
			unsigned info = e[12], type = info & 15, bind = info >> 4;
			uint32_t shndx = rd16(e + 14);
			if (type != STT_FUNC && type != STT_NOTYPE && type != STT_OBJECT)
				continue; // sections, files, TLS...
			if (shndx == 0 || shndx >= SHN_LORESERVE)
				continue; // undefined, absolute, common
			if (shndx >= shnum) {
				symtab_free(s);
				return bad(why, whylen, "symbol %u is in section %u, past the last",
					   i, shndx);
			}
			uint32_t flags = rd32(sh + (size_t)shndx * SH_SIZE + 8);
			uint8_t kind;
			if (type == STT_OBJECT && (flags & SHF_ALLOC))
				kind = SYMTAB_DATA;
			else if (type != STT_OBJECT && (flags & SHF_EXECINSTR))
				kind = SYMTAB_CODE;
			else
				continue;
			if (name >= strsize) {
				symtab_free(s);
				return bad(why, whylen, "symbol %u: name offset %u is outside the "
							"string table",
					   i, name);
			}
			const char *nm = strs + name;
			const char *nul = memchr(nm, 0, strsize - name);
			if (!nul) {
				symtab_free(s);
				return bad(why, whylen, "symbol %u: name at offset %u does not end "
							"inside the string table",
					   i, name);
			}
			size_t nlen = (size_t)(nul - nm);
			if (nlen == 0)
				continue;
			if (nlen > SYMTAB_MAX_NAME)
				nlen = SYMTAB_MAX_NAME;
			if (pass == 0) {
				names_len += nlen + 1;
			} else {
				memcpy(s->names + at, nm, nlen);
				s->names[at + nlen] = 0;
				s->syms[keep] = (struct symtab_sym){
					.addr = value, .size = size, .name = at, .kind = kind, .func = type == STT_FUNC, .global = bind != STB_LOCAL
				};
				at += (uint32_t)nlen + 1;
			}
			keep++;
		}
		if (pass == 0) {
			if (keep == 0) {
				free(s);
				return 0; // nothing worth keeping
			}
			// names_len <= nsym * 256 <= 2^28: fits 32 bits.
			s->syms = malloc((size_t)keep * sizeof *s->syms);
			s->names = malloc((size_t)names_len);
			if (!s->syms || !s->names) {
				symtab_free(s);
				return bad(why, whylen, "out of memory for %u symbols", keep);
			}
		}
	}
	s->n = keep;
	qsort_r(s->syms, s->n, sizeof *s->syms, sym_cmp, s->names);
	while (s->ncode < s->n && s->syms[s->ncode].kind == SYMTAB_CODE)
		s->ncode++;
	*out = s;
	return 0;
}

void symtab_free(struct symtab *s)
{
	if (!s)
		return;
	free(s->syms);
	free(s->names);
	free(s);
}

// The index range [*lo, *hi) of kind's symbols.
static void kind_range(const struct symtab *s, enum symtab_kind kind, uint32_t *lo,
		       uint32_t *hi)
{
	*lo = kind == SYMTAB_CODE ? 0 : s->ncode;
	*hi = kind == SYMTAB_CODE ? s->ncode : s->n;
}

// The index of the first symbol in [lo, hi) whose address is > addr.
static uint32_t upper(const struct symtab *s, uint32_t lo, uint32_t hi, uint32_t addr)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct symtab_sym *symtab_lookup(const struct symtab *s, enum symtab_kind kind,
				       uint32_t addr, uint32_t *off)
{
	if (!s)
		return NULL;
	uint32_t lo, hi;
	kind_range(s, kind, &lo, &hi);
	uint32_t u = upper(s, lo, hi, addr);
	if (u == lo)
		return NULL;
	// The nearest start at or before addr; among symbols at one address the first is
	// the preferred one (sym_cmp).
	uint32_t best = u - 1;
	uint32_t a = s->syms[best].addr;
	while (best > lo && s->syms[best - 1].addr == a)
		best--;
	// A sized symbol a little further back may contain addr (a label inside a function):
	// look back over a few starts for one.
	uint32_t pick = best;
	for (uint32_t i = u, steps = 0; i > lo && steps < 16; i--, steps++) {
		const struct symtab_sym *y = &s->syms[i - 1];
		if (y->size && (uint64_t)addr < (uint64_t)y->addr + y->size) {
			pick = i - 1;
			while (pick > lo && s->syms[pick - 1].addr == y->addr &&
			       s->syms[pick - 1].size)
				pick--;
			break;
		}
	}
	*off = addr - s->syms[pick].addr;
	return &s->syms[pick];
}

const struct symtab_sym *symtab_at(const struct symtab *s, enum symtab_kind kind,
				   uint32_t addr)
{
	uint32_t off;
	const struct symtab_sym *y = symtab_lookup(s, kind, addr, &off);
	if (!y)
		return NULL;
	if (off == 0)
		return y;
	// A label at addr inside a sized function: the lookup preferred the function.
	uint32_t lo, hi;
	kind_range(s, kind, &lo, &hi);
	uint32_t u = upper(s, lo, hi, addr);
	if (u > lo && s->syms[u - 1].addr == addr) {
		while (u - 1 > lo && s->syms[u - 2].addr == addr)
			u--;
		return &s->syms[u - 1];
	}
	return NULL;
}

const struct symtab_sym *symtab_find(const struct symtab *s, const char *name)
{
	if (!s)
		return NULL;
	for (uint32_t i = 0; i < s->n; i++)
		if (!strcmp(s->names + s->syms[i].name, name))
			return &s->syms[i];
	return NULL;
}

char *symtab_format(const struct symtab *s, uint32_t addr, char *buf, size_t len)
{
	uint32_t off;
	const struct symtab_sym *y = symtab_lookup(s, SYMTAB_CODE, addr, &off);
	if (!len)
		return buf;
	if (!y)
		buf[0] = 0;
	else if (off)
		snprintf(buf, len, "%s+0x%x", symtab_name(s, y), off);
	else
		snprintf(buf, len, "%s", symtab_name(s, y));
	return buf;
}
