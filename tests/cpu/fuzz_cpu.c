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
// 16 rounds of 20,000 cycles. Any result is fine except a host crash, a sanitizer
// report, or a difference from the reference run: the same input also runs, with its own
// memory and executor, one instruction at a time through cpu_step_budget, cutting blocks
// where cpu_run would (cpu_block_info, as the tracer does: vmm/tracestep.c). cpu_step
// fuses and skips nothing, so every fast path of cpu_run (fused compare-and-branch,
// flags left unwritten, their recovery at a fault or a store into the block, linked
// blocks, specialised forms) must leave, at the end of every round, the same exit,
// registers, EIP, EFLAGS, cycles, instruction count, PIO or fault, and memory.
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

// One run of the input: its memory, executor, CPU and memory interface.
struct fz_run {
	struct fz f;
	struct cpu_exec *x;
	struct cpu c;
	struct cpu_mem mem;
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

// The reference: cpu_run's budget semantics, one instruction at a time (tracestep.c).
static enum cpu_exit step_run(struct fz_run *r, int64_t budget)
{
	const struct cpu_exec_stats *st = cpu_exec_stats(r->x);
	struct cpu *c = &r->c;
	uint64_t start = c->cycles;
	for (;;) {
		bool last_ends;
		int n = cpu_block_info(r->x, c, &r->mem, &last_ends);
		if (n == 0)
			n = 1; // the fetch faults: cpu_step_budget raises it
		bool check = true;
		for (int i = 0; i < n; i++) {
			uint64_t smc0 = st->smc_exits;
			enum cpu_exit e =
				cpu_step_budget(r->x, c, &r->mem, budget - (int64_t)(c->cycles - start));
			if (e != CPU_EXIT_STEP)
				return e;
			if (st->smc_exits != smc0) { // a write into the rest of the block
				check = i == n - 1 && last_ends;
				break;
			}
		}
		if (check && (int64_t)(c->cycles - start) >= budget)
			return CPU_EXIT_BUDGET;
	}
}

static int fz_setup(struct fz_run *r, const uint8_t *hdr, const uint8_t *code, size_t ncode)
{
	r->f.mem = aligned_alloc(CPU_PAGE_SIZE, MEM_SIZE);
	if (!r->f.mem)
		return -1;
	memset(r->f.mem, 0, MEM_SIZE);
	if (ncode)
		memcpy(r->f.mem, code, ncode);
	struct cpu_exec_opts opts = { .block_max_insns = (hdr[37] & 2) ? 1 + hdr[37] % 8 : 0 };
	r->x = cpu_exec_new(&opts);
	if (!r->x) {
		free(r->f.mem);
		return -1;
	}
	cpu_reset(&r->c, MEM_BASE, MEM_BASE + MEM_SIZE - 16);
	for (int i = 0; i < 8; i++) {
		uint32_t v = rd32(hdr + 4 * i);
		r->c.r[i] = (hdr[36] >> i) & 1 ? MEM_BASE + (v & 0xffff) : v;
	}
	cpu_set_eflags(&r->c, rd32(hdr + 32) & ~CPU_TF);
	r->mem = (struct cpu_mem){ fz_map, &r->f };
	return 0;
}

static void fz_free(struct fz_run *r)
{
	cpu_exec_page_freed(r->x, r->f.mem);
	cpu_exec_free(r->x);
	free(r->f.mem);
}

// Where the run and the reference differ after a round ("" when they agree).
static const char *fz_differs(const struct fz_run *a, enum cpu_exit ea, const struct fz_run *b,
			      enum cpu_exit eb)
{
	if (ea != eb)
		return "exit";
	if (memcmp(a->c.r, b->c.r, sizeof a->c.r) != 0)
		return "registers";
	if (a->c.eip != b->c.eip)
		return "EIP";
	if (cpu_get_eflags(&a->c) != cpu_get_eflags(&b->c))
		return "EFLAGS";
	if (a->c.cycles != b->c.cycles)
		return "cycles";
	if (a->c.retired != b->c.retired)
		return "instructions retired";
	if (ea == CPU_EXIT_PIO && memcmp(&a->c.pio, &b->c.pio, sizeof a->c.pio) != 0)
		return "PIO";
	if ((ea == CPU_EXIT_FAULT || ea == CPU_EXIT_INT) &&
	    memcmp(&a->c.fault, &b->c.fault, sizeof a->c.fault) != 0)
		return "fault";
	if (memcmp(a->f.mem, b->f.mem, MEM_SIZE) != 0)
		return "memory";
	return "";
}

// Set by the replay driver: a difference is reported and counted instead of aborting.
static int fz_replay_diffs = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[38] = { 0 };
	memcpy(hdr, data, size < sizeof hdr ? size : sizeof hdr);
	const uint8_t *code = size > sizeof hdr ? data + sizeof hdr : NULL;
	size_t ncode = size > sizeof hdr ? size - sizeof hdr : 0;
	if (ncode > MEM_SIZE)
		ncode = MEM_SIZE;

	struct fz_run a, b; // a: cpu_run; b: the reference
	if (fz_setup(&a, hdr, code, ncode) != 0)
		return 0;
	if (fz_setup(&b, hdr, code, ncode) != 0) {
		fz_free(&a);
		return 0;
	}
	const char *diff = "";
	int round = -1;
	if (hdr[37] & 1) {
		for (int i = 0; i < 64; i++) {
			enum cpu_exit e = cpu_step(a.x, &a.c, &a.mem);
			enum cpu_exit eb = cpu_step(b.x, &b.c, &b.mem);
			diff = fz_differs(&a, e, &b, eb);
			if (*diff || e != CPU_EXIT_STEP)
				break;
		}
	}
	for (round = 0; round < 16 && !*diff; round++) {
		enum cpu_exit e = cpu_run(a.x, &a.c, &a.mem, 20000);
		enum cpu_exit eb = step_run(&b, 20000);
		diff = fz_differs(&a, e, &b, eb);
		if (*diff)
			break;
		if (e == CPU_EXIT_PIO) {
			cpu_pio_complete(&a.c, 0);
			cpu_pio_complete(&b.c, 0);
			continue;
		}
		if (e != CPU_EXIT_BUDGET)
			break;
	}
	if (*diff) {
		fprintf(stderr,
			"fuzz_cpu: cpu_run and the one-instruction reference differ in %s after "
			"round %d (EIP %08x vs %08x, %llu vs %llu instructions)\n",
			diff, round, (unsigned)a.c.eip, (unsigned)b.c.eip,
			(unsigned long long)a.c.retired, (unsigned long long)b.c.retired);
		if (fz_replay_diffs < 0)
			abort();
		fz_replay_diffs++;
	}
	// The public accessors must work on whatever state the run left.
	(void)cpu_get_eflags(&a.c);
	char buf[128];
	cpu_disasm(a.f.mem, 16, MEM_BASE, buf, sizeof buf);
	struct cpu_decoded_info di;
	(void)cpu_decode_info(a.f.mem, ncode < 16 ? ncode : 16, &di);

	fz_free(&a);
	fz_free(&b);
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
	int before = fz_replay_diffs;
	LLVMFuzzerTestOneInput(buf, n);
	if (fz_replay_diffs != before)
		fprintf(stderr, "fuzz_cpu: %s: the runs differ\n", path);
	return 0;
}

// Replays files and directories (sorted, so the order never depends on the host).
int main(int argc, char **argv)
{
	int files = 0;
	fz_replay_diffs = 0;
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
	printf("fuzz_cpu: replayed %d inputs, %d with cpu_run differing from the reference\n",
	       files, fz_replay_diffs);
	if (files == 0)
		return 2;
	return fz_replay_diffs == 0 ? 0 : 1;
}
#endif
