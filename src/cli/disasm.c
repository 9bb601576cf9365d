// SPDX-License-Identifier: MIT
// `denali disasm FILE.elf`: lists the code of an image's executable segments, one
// instruction per line (address, bytes, Capstone text; Denali instructions by name).
// With symbols (symtab.h) each function starts with a "ADDR <name>:" line, direct
// branch and call targets are named ("call 0x10050 <walk>"), and decoding restarts at
// every function start, so bytes between functions (padding, data) cannot shift the
// listing of the next one. --function NAME lists one function only. Bytes that do not
// decode as an instruction of the subset are shown as "(bad)" and skipped one at a
// time. The image is validated exactly as `denali run` does.
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cpu/cpu.h"
#include "denali/abi.h"
#include "trace/dis.h"
#include "vmm/image.h"
#include "vmm/symtab.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: denali disasm [--mem SIZE] [--function NAME] FILE.elf\n"
		"Lists the instructions of the image's executable segments; with an ELF\n"
		"symbol table, each function starts with an \"ADDRESS <name>:\" line and\n"
		"branch targets are named (docs/observe.md).\n"
		"  --mem SIZE       guest memory the image must fit in (default 4M)\n"
		"  --function NAME  list only the function (or label) NAME\n"
		"  -h, --help       show this help\n");
}

// The address of the first code symbol after a (UINT64_MAX: none).
static uint64_t next_symbol(const struct symtab *s, uint32_t a)
{
	if (!s)
		return UINT64_MAX;
	for (uint32_t i = 0; i < s->ncode; i++) // sorted by address
		if (s->syms[i].addr > a)
			return s->syms[i].addr;
	return UINT64_MAX;
}

// Lists [a, end) of segment code. Returns 0.
static void list_range(struct dis *d, const struct image *img, uint32_t a, uint32_t end)
{
	const struct symtab *syms = img->syms;
	uint64_t next = next_symbol(syms, a);
	bool first = true;
	while (a < end) {
		const struct symtab_sym *y = symtab_at(syms, SYMTAB_CODE, a);
		if (y) {
			printf("%s%08x <%s>:\n", first ? "" : "\n", a, symtab_name(syms, y));
			next = next_symbol(syms, a);
		}
		first = false;
		uint8_t b[16];
		uint32_t room = end - a < 16 ? end - a : 16;
		bool cut = next < (uint64_t)a + room; // the next function starts inside
		if (cut)
			room = (uint32_t)(next - a);
		size_t avail = image_read(img, a, b, room);
		char text[160] = "(bad)", hex[64] = "";
		int len = dis_insn(d, b, avail, a, syms, text, sizeof text);
		if (len <= 0) {
			len = 1;
			snprintf(text, sizeof text, "(bad)");
		}
		size_t o = 0;
		for (int i = 0; i < len && i < 10; i++)
			o += (size_t)snprintf(hex + o, sizeof hex - o, "%02x ", b[i]);
		printf("%s%08x:  %-30s %s\n", a == img->entry ? "*" : " ", a, hex, text);
		a += (uint32_t)len;
	}
}

int cli_disasm(int argc, char **argv)
{
	const char *path = NULL, *func = NULL;
	uint64_t mem = DENALI_MEM_DEFAULT;
	char why[160];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--mem") || !strcmp(a, "--function")) {
			if (i + 1 >= argc) {
				return args_error_cmd("denali disasm", "%s needs a value", a);
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--function")) {
				func = v;
				continue;
			}
			if (args_size(v, 4096, DENALI_MEM_MIN, DENALI_MEM_MAX, &mem, why, sizeof why)) {
				return args_error_cmd("denali disasm", "--mem %s: %s", v, why);
			}
		} else if (a[0] == '-' && a[1]) {
			return args_error_cmd("denali disasm", "unknown option '%s'", a);
		} else if (path) {
			return args_error_cmd("denali disasm", "unexpected argument '%s' (one image "
					      "only)", a);
		} else {
			path = a;
		}
	}
	if (!path) {
		return args_error_cmd("denali disasm", "no image given (usage: denali disasm "
				      "FILE.elf)");
	}
	if (args_regular_file(path, why, sizeof why) != 0) { // a FIFO would block
		return args_error_cmd("denali disasm", "%s: %s", path, why);
	}
	struct image *img;
	char err[512];
	if (image_load(path, (uint32_t)mem, &img, err, sizeof err) != 0) {
		return args_error_cmd("denali disasm", "%s", err);
	}
	struct dis *d = dis_new();
	if (!d) {
		image_free(img);
		return args_error_cmd("denali disasm", "cannot start the disassembler (Capstone)");
	}
	if (img->sym_note)
		args_error_cmd("denali disasm", "%s: symbol table ignored: %s", path, img->sym_note);
	int rc = 0;
	if (func) {
		const struct symtab_sym *y = symtab_find(img->syms, func);
		const struct image_segment *sg = NULL;
		for (uint32_t s = 0; y && s < img->nsegs; s++)
			if ((img->segs[s].flags & IMAGE_PF_X) && y->addr >= img->segs[s].vaddr &&
			    y->addr < img->segs[s].vaddr + img->segs[s].filesz)
				sg = &img->segs[s];
		if (!y || y->kind != SYMTAB_CODE || !sg) {
			rc = args_error_cmd("denali disasm", "%s: no function '%s'%s", path, func,
					    img->syms ? "" : " (the image has no symbols)");
		} else {
			uint64_t end = y->size ? (uint64_t)y->addr + y->size : next_symbol(img->syms, y->addr);
			uint64_t seg_end = (uint64_t)sg->vaddr + sg->filesz;
			list_range(d, img, y->addr, (uint32_t)(end < seg_end ? end : seg_end));
		}
	} else {
		printf("%s: entry 0x%08x%s\n", path, img->entry,
		       img->syms ? "" : " (no symbols)");
		for (uint32_t s = 0; s < img->nsegs; s++) {
			const struct image_segment *sg = &img->segs[s];
			if (!(sg->flags & IMAGE_PF_X))
				continue;
			printf("\nsegment %u: 0x%08x..0x%08x r%c%c\n\n", s, sg->vaddr,
			       sg->vaddr + sg->filesz, sg->flags & IMAGE_PF_W ? 'w' : '-', 'x');
			list_range(d, img, sg->vaddr, sg->vaddr + sg->filesz);
		}
	}
	dis_free(d);
	image_free(img);
	return rc;
}
