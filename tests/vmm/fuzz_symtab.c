// SPDX-License-Identifier: MIT
// Fuzz target for the ELF symbol reader (src/vmm/symtab.c) and the image loader that
// calls it (image.c): the input is an ELF file. Built as a libFuzzer target by
// tests/vmm/fuzz-symtab (clang -fsanitize=fuzzer,address,undefined); built without
// FUZZ_LIBFUZZER it is a replay driver whose main() runs every file named on the
// command line (directories: every file inside, sorted), which is how `meson test`
// replays tests/vmm/corpus/symtab under the normal and ASan builds. Any result is fine
// (most inputs are refused); only a host crash, a sanitizer report or a lookup that
// breaks the table's own rules is a bug.
#include <dirent.h>
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

#ifndef FUZZ_LIBFUZZER
static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "fuzz_symtab: %s: cannot open\n", path);
		return 2;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				fclose(fp);
				free(buf);
				return 2;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, fp);
		if (n == 0)
			break;
		len += n;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, int *files)
{
	DIR *d = opendir(path);
	if (!d) {
		++*files;
		return run_file(path);
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		size_t l = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(l);
		if (!names[n])
			break;
		snprintf(names[n++], l, "%s/%s", path, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		rc |= run_path(names[i], files);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0, files = 0;
	for (int i = 1; i < argc; i++)
		rc |= run_path(argv[i], &files);
	printf("fuzz_symtab: replayed %d files\n", files);
	// A corpus that went missing must not pass silently.
	return rc ? rc : files > 0 ? 0
				   : 1;
}
#endif
