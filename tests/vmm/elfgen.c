// SPDX-License-Identifier: MIT
// Test helper: in-memory ELF32 writer (see elfgen.h). Layout: ELF header, program
// headers, then each segment's bytes at a 16-byte aligned offset.
#include "elfgen.h"

#include <stdio.h>
#include <string.h>

void elfgen_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void elfgen_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

size_t elfgen_build(uint8_t *out, size_t cap, uint32_t entry, const struct elfgen_seg *segs,
		    int nsegs)
{
	size_t off = 52 + 32 * (size_t)nsegs;
	size_t total = off;
	for (int i = 0; i < nsegs; i++)
		total = ((total + 15) & ~(size_t)15) + segs[i].filesz;
	if (total > cap)
		return 0;
	memset(out, 0, total);
	memcpy(out, "\x7f" "ELF", 4);
	out[4] = 1; // ELFCLASS32
	out[5] = 1; // little-endian
	out[6] = 1; // EV_CURRENT
	elfgen_put16(out + 16, 2);  // ET_EXEC
	elfgen_put16(out + 18, 3);  // EM_386
	elfgen_put32(out + 20, 1);
	elfgen_put32(out + 24, entry);
	elfgen_put32(out + 28, 52); // phoff
	elfgen_put16(out + 40, 52); // ehsize
	elfgen_put16(out + 42, 32);
	elfgen_put16(out + 44, (uint16_t)nsegs);
	for (int i = 0; i < nsegs; i++) {
		off = (off + 15) & ~(size_t)15;
		uint8_t *ph = out + 52 + 32 * i;
		elfgen_put32(ph, segs[i].type ? segs[i].type : 1);
		elfgen_put32(ph + 4, (uint32_t)off);
		elfgen_put32(ph + 8, segs[i].vaddr);
		elfgen_put32(ph + 12, segs[i].vaddr);
		elfgen_put32(ph + 16, segs[i].filesz);
		elfgen_put32(ph + 20, segs[i].memsz ? segs[i].memsz : segs[i].filesz);
		elfgen_put32(ph + 24, segs[i].flags);
		elfgen_put32(ph + 28, 4096);
		if (segs[i].filesz)
			memcpy(out + off, segs[i].data, segs[i].filesz);
		off += segs[i].filesz;
	}
	return total;
}

size_t elfgen_program(uint8_t *out, size_t cap, const uint8_t *code, uint32_t code_len,
		      const uint8_t *data, uint32_t data_len, uint32_t bss_len)
{
	struct elfgen_seg s[2] = {
		{ .vaddr = ELFGEN_TEXT, .flags = 5, .data = code, .filesz = code_len },
		{ .vaddr = ELFGEN_TEXT + 0x1000, .flags = 6, .data = data, .filesz = data_len,
		  .memsz = data_len + bss_len },
	};
	return elfgen_build(out, cap, ELFGEN_TEXT, s, data_len ? 2 : 1);
}

int elfgen_write(const char *path, const uint8_t *bytes, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(bytes, 1, len, f);
	return fclose(f) == 0 && n == len ? 0 : -1;
}

size_t elfgen_symbols(uint8_t *out, size_t len, size_t cap, const struct elfgen_sym *syms,
		      int nsyms)
{
	uint32_t nphdr = (uint32_t)out[44] | (uint32_t)out[45] << 8;
	uint32_t nseg = nphdr > 2 ? 2 : nphdr;
	// .strtab: a NUL, then each name.
	size_t strsz = 1;
	for (int i = 0; i < nsyms; i++)
		strsz += strlen(syms[i].name) + 1;
	size_t symoff = (len + 15) & ~(size_t)15;
	size_t symsz = 16 * (size_t)(nsyms + 1);
	size_t stroff = symoff + symsz;
	size_t shoff = (stroff + strsz + 15) & ~(size_t)15;
	uint32_t nsec = 1 + nseg + 2;
	size_t total = shoff + 40 * (size_t)nsec;
	if (total > cap)
		return 0;
	memset(out + len, 0, total - len);
	size_t at = 1;
	for (int i = 0; i < nsyms; i++) {
		uint8_t *e = out + symoff + 16 * (size_t)(i + 1);
		elfgen_put32(e, (uint32_t)at);
		elfgen_put32(e + 4, syms[i].addr);
		elfgen_put32(e + 8, syms[i].size);
		e[12] = (uint8_t)(syms[i].bind << 4 | syms[i].type);
		elfgen_put16(e + 14, syms[i].section);
		memcpy(out + stroff + at, syms[i].name, strlen(syms[i].name) + 1);
		at += strlen(syms[i].name) + 1;
	}
	for (uint32_t i = 0; i < nseg; i++) {
		const uint8_t *ph = out + 52 + 32 * i;
		uint8_t *sh = out + shoff + 40 * (1 + i);
		elfgen_put32(sh + 4, 1); // SHT_PROGBITS
		elfgen_put32(sh + 8, i == 0 ? 6 : 3); // ALLOC|EXECINSTR, ALLOC|WRITE
		memcpy(sh + 12, ph + 8, 4); // addr = vaddr
		memcpy(sh + 16, ph + 4, 4); // offset
		memcpy(sh + 20, ph + 16, 4); // size
	}
	uint8_t *ss = out + shoff + 40 * (1 + nseg), *st = ss + 40;
	elfgen_put32(ss + 4, 2); // SHT_SYMTAB
	elfgen_put32(ss + 16, (uint32_t)symoff);
	elfgen_put32(ss + 20, (uint32_t)symsz);
	elfgen_put32(ss + 24, 2 + nseg); // sh_link: .strtab
	elfgen_put32(ss + 36, 16);
	elfgen_put32(st + 4, 3); // SHT_STRTAB
	elfgen_put32(st + 16, (uint32_t)stroff);
	elfgen_put32(st + 20, (uint32_t)strsz);
	elfgen_put32(out + 32, (uint32_t)shoff);
	elfgen_put16(out + 46, 40);
	elfgen_put16(out + 48, (uint16_t)nsec);
	return total;
}
