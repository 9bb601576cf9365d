// SPDX-License-Identifier: MIT
// Fuzz target for the interpreter: random code and register state, run with a cycle
// budget. Built as a libFuzzer target by scripts/fuzz-cpu (clang -fsanitize=fuzzer,
// address,undefined); built without FUZZ_LIBFUZZER it is a replay driver whose main()
// runs every file named on the command line (directories: every file inside, sorted),
// which is how `meson test` replays tests/corpus/cpu under the normal and ASan builds.
//
// Input layout (shorter inputs are zero-padded):
//   bytes 0..35   EAX ECX EDX EBX ESP EBP ESI EDI EFLAGS (little-endian u32)
//   byte  36      bit i set: register i points into guest memory (0x10000 + low 16 bits)
//   byte  37      bit 0: use cpu_step for the first 64 instructions; bit 1: small blocks
//   bytes 38..    code, copied to 0x10000 (guest memory is 0x10000..0x1ffff, writable,
//                 so self-modifying code is exercised; everything else faults)
// The run ends at the first exit other than BUDGET/PIO (PIO completes with 0) or after
// 16 rounds of 20,000 cycles. Any result is fine; only a host crash or a sanitizer
// report is a bug.
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

#define MEM_BASE 0x10000u
#define MEM_SIZE 0x10000u

struct fz {
	uint8_t *mem;
};

static int fz_map(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi)
{
	struct fz *f = ctx;
	if (addr - MEM_BASE >= MEM_SIZE)
		return -1;
	pi->host = f->mem + ((addr - MEM_BASE) & CPU_PAGE_MASK);
	pi->writable = true;
	return 0;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[38] = { 0 };
	memcpy(hdr, data, size < sizeof hdr ? size : sizeof hdr);
	const uint8_t *code = size > sizeof hdr ? data + sizeof hdr : NULL;
	size_t ncode = size > sizeof hdr ? size - sizeof hdr : 0;
	if (ncode > MEM_SIZE)
		ncode = MEM_SIZE;

	struct fz f;
	f.mem = aligned_alloc(CPU_PAGE_SIZE, MEM_SIZE);
	if (!f.mem)
		return 0;
	memset(f.mem, 0, MEM_SIZE);
	if (ncode)
		memcpy(f.mem, code, ncode);
	struct cpu_exec_opts opts = { .block_max_insns = (hdr[37] & 2) ? 1 + hdr[37] % 8 : 0 };
	struct cpu_exec *x = cpu_exec_new(&opts);
	if (!x) {
		free(f.mem);
		return 0;
	}
	struct cpu c;
	cpu_reset(&c, MEM_BASE, MEM_BASE + MEM_SIZE - 16);
	for (int i = 0; i < 8; i++) {
		uint32_t v = rd32(hdr + 4 * i);
		c.r[i] = (hdr[36] >> i) & 1 ? MEM_BASE + (v & 0xffff) : v;
	}
	cpu_set_eflags(&c, rd32(hdr + 32) & ~CPU_TF);
	struct cpu_mem mem = { fz_map, &f };

	if (hdr[37] & 1) {
		for (int i = 0; i < 64; i++)
			if (cpu_step(x, &c, &mem) != CPU_EXIT_STEP)
				break;
	}
	for (int round = 0; round < 16; round++) {
		enum cpu_exit e = cpu_run(x, &c, &mem, 20000);
		if (e == CPU_EXIT_PIO) {
			cpu_pio_complete(&c, 0);
			continue;
		}
		if (e != CPU_EXIT_BUDGET)
			break;
	}
	// The public accessors must work on whatever state the run left.
	(void)cpu_get_eflags(&c);
	char buf[128];
	cpu_disasm(f.mem, 16, MEM_BASE, buf, sizeof buf);
	struct cpu_decoded_info di;
	(void)cpu_decode_info(f.mem, ncode < 16 ? ncode : 16, &di);

	cpu_exec_page_freed(x, f.mem);
	cpu_exec_free(x);
	free(f.mem);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "fuzz_cpu: %s: cannot open\n", path);
		return -1;
	}
	static uint8_t buf[1 << 17];
	size_t n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

// Replays files and directories (sorted, so the order never depends on the host).
int main(int argc, char **argv)
{
	int files = 0;
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		if (!d) {
			if (run_file(argv[i]) != 0)
				return 2;
			files++;
			continue;
		}
		char **names = NULL;
		size_t n = 0, cap = 0;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				char **nn = realloc(names, cap * sizeof *names);
				if (!nn)
					return 2;
				names = nn;
			}
			size_t len = strlen(argv[i]) + strlen(de->d_name) + 2;
			names[n] = malloc(len);
			if (!names[n])
				return 2;
			snprintf(names[n], len, "%s/%s", argv[i], de->d_name);
			n++;
		}
		closedir(d);
		qsort(names, n, sizeof *names, cmp_str);
		for (size_t k = 0; k < n; k++) {
			if (run_file(names[k]) != 0)
				return 2;
			files++;
			free(names[k]);
		}
		free(names);
	}
	printf("fuzz_cpu: replayed %d inputs\n", files);
	return files > 0 ? 0 : 2;
}
#endif
