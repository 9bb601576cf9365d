// SPDX-License-Identifier: MIT
// `denali disasm FILE.elf`: lists the code of an image's executable segments, one
// instruction per line (address, bytes, Capstone text; Denali instructions by name).
// Bytes that do not decode as an instruction of the subset are shown as "(bad)" and
// skipped one at a time. The image is validated exactly as `denali run` does.
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cpu/cpu.h"
#include "denali/abi.h"
#include "vmm/image.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: denali disasm [--mem SIZE] FILE.elf\n"
		"Lists the instructions of the image's executable segments.\n"
		"  --mem SIZE   guest memory the image must fit in (default 4M)\n"
		"  -h, --help   show this help\n");
}

int cli_disasm(int argc, char **argv)
{
	const char *path = NULL;
	uint64_t mem = DENALI_MEM_DEFAULT;
	char why[160];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--mem")) {
			if (i + 1 >= argc) {
				return args_error_cmd("denali disasm", "--mem needs a value");
			}
			a = argv[++i];
			if (args_size(a, 4096, DENALI_MEM_MIN, DENALI_MEM_MAX, &mem, why, sizeof why)) {
				return args_error_cmd("denali disasm", "--mem %s: %s", a, why);
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
	printf("%s: entry 0x%08x\n", path, img->entry);
	for (uint32_t s = 0; s < img->nsegs; s++) {
		const struct image_segment *sg = &img->segs[s];
		if (!(sg->flags & IMAGE_PF_X))
			continue;
		printf("\nsegment %u: 0x%08x..0x%08x r%c%c\n", s, sg->vaddr, sg->vaddr + sg->filesz,
		       sg->flags & IMAGE_PF_W ? 'w' : '-', 'x');
		uint32_t a = sg->vaddr, end = sg->vaddr + sg->filesz;
		while (a < end) {
			uint8_t b[16];
			size_t avail = image_read(img, a, b, end - a < 16 ? end - a : 16);
			struct cpu_decoded_info di;
			int len = cpu_decode_info(b, avail, &di);
			char text[128] = "(bad)", hex[64] = "";
			if (len > 0)
				cpu_disasm(b, avail, a, text, sizeof text);
			else
				len = 1;
			size_t o = 0;
			for (int i = 0; i < len && i < 10; i++)
				o += (size_t)snprintf(hex + o, sizeof hex - o, "%02x ", b[i]);
			printf("%s%08x:  %-30s %s\n", a == img->entry ? "*" : " ", a, hex, text);
			a += (uint32_t)len;
		}
	}
	image_free(img);
	return 0;
}
