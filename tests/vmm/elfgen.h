// SPDX-License-Identifier: MIT
// Test helper: builds ELF32 i386 images in memory from segment descriptions, so tests
// can make valid and hostile images without a toolchain (elfgen.c). Also writes them to
// files for CLI tests.
#ifndef DENALI_TESTS_VMM_ELFGEN_H
#define DENALI_TESTS_VMM_ELFGEN_H

#include <stddef.h>
#include <stdint.h>

#define ELFGEN_TEXT 0x00010000u // where elfgen_program puts code

struct elfgen_seg {
	uint32_t type;   // 1 = PT_LOAD (0 is taken as PT_LOAD too)
	uint32_t vaddr;
	uint32_t flags;  // 5 = R-X, 6 = RW-
	const uint8_t *data;
	uint32_t filesz; // bytes of data
	uint32_t memsz;  // 0: same as filesz
};

// Writes an image with the segments' data after the program headers. Returns its length,
// or 0 if cap is too small.
size_t elfgen_build(uint8_t *out, size_t cap, uint32_t entry, const struct elfgen_seg *segs,
		    int nsegs);
// An image of one R-X segment at ELFGEN_TEXT holding `code` (entry = its first byte),
// plus, if data_len > 0, one RW- segment at ELFGEN_TEXT + 0x1000 with data_len bytes of
// `data` and memsz bss_len + data_len.
size_t elfgen_program(uint8_t *out, size_t cap, const uint8_t *code, uint32_t code_len,
		      const uint8_t *data, uint32_t data_len, uint32_t bss_len);
// One symbol for elfgen_symbols: type 0 NOTYPE, 1 OBJECT, 2 FUNC; bind 0 local, 1 global;
// section 1 = the first segment (code, executable), 2 = the second (data), 0 = undefined.
struct elfgen_sym {
	const char *name;
	uint32_t addr, size;
	uint8_t type, bind;
	uint16_t section;
};
// Appends section headers to an image of elfgen_build/elfgen_program with len bytes in
// out: [1] the first segment's section (SHF_ALLOC|SHF_EXECINSTR), [2] the second's
// (SHF_ALLOC|SHF_WRITE) if there is one, then .symtab and .strtab with `syms`. Returns
// the new length, or 0 if cap is too small. ELFGEN_SHDR_* give the offsets for tests.
size_t elfgen_symbols(uint8_t *out, size_t len, size_t cap, const struct elfgen_sym *syms,
		      int nsyms);
enum { ELFGEN_E_SHOFF = 32, ELFGEN_E_SHENTSIZE = 46, ELFGEN_E_SHNUM = 48, ELFGEN_SH_SIZE = 40,
       ELFGEN_SH_TYPE = 4, ELFGEN_SH_FLAGS = 8, ELFGEN_SH_OFFSET = 16, ELFGEN_SH_SIZE_F = 20,
       ELFGEN_SH_LINK = 24, ELFGEN_SH_ENTSIZE = 36 };

// Writes bytes to a file. Returns 0 or -1.
int elfgen_write(const char *path, const uint8_t *bytes, size_t len);

// Offsets into the ELF header and program header, for corrupting images in tests.
enum {
	ELFGEN_E_TYPE = 16, ELFGEN_E_MACHINE = 18, ELFGEN_E_ENTRY = 24, ELFGEN_E_PHOFF = 28,
	ELFGEN_E_PHENTSIZE = 42, ELFGEN_E_PHNUM = 44, ELFGEN_PH0 = 52, ELFGEN_PH_SIZE = 32,
	ELFGEN_P_OFFSET = 4, ELFGEN_P_VADDR = 8, ELFGEN_P_FILESZ = 16, ELFGEN_P_MEMSZ = 20,
	ELFGEN_P_FLAGS = 24,
};
void elfgen_put32(uint8_t *p, uint32_t v);
void elfgen_put16(uint8_t *p, uint16_t v);

#endif
