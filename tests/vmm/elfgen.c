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
