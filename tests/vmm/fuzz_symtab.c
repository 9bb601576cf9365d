// SPDX-License-Identifier: MIT
// Fuzz target for the ELF symbol reader (src/vmm/symtab.c) and the image loader that
// calls it (image.c): the input is an ELF file. Built as a libFuzzer target by
// tests/vmm/fuzz-symtab (clang -fsanitize=fuzzer,address,undefined); linked with
// tests/lib/fuzz_replay.c instead, it replays tests/vmm/corpus/symtab under `meson
// test` in the normal and ASan builds. Any result is fine
// (most inputs are refused); only a host crash, a sanitizer report or a lookup that
// breaks the table's own rules is a bug.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/image.h"
#include "vmm/symtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

// Lookups over the whole table: every symbol's start finds a symbol at or before it.
static void exercise(const struct symtab *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		const struct symtab_sym *y = &s->syms[i];
		uint32_t off;
		const struct symtab_sym *z = symtab_lookup(s, (enum symtab_kind)y->kind, y->addr, &off);
		if (!z || z->addr > y->addr || z->addr + off != y->addr)
			abort();
		if (strlen(symtab_name(s, y)) > SYMTAB_MAX_NAME)
			abort();
		(void)symtab_at(s, SYMTAB_CODE, y->addr + 1);
		char buf[300];
		symtab_format(s, y->addr + y->size, buf, sizeof buf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct symtab *s;
	char why[256];
	if (symtab_parse(data, size, &s, why, sizeof why) == 0 && s) {
		exercise(s);
		symtab_free(s);
	}
	struct image *img;
	char err[512];
	if (image_parse(data, size, "fuzz-input", 4u << 20, &img, err, sizeof err) == 0)
		image_free(img);
	return 0;
}
