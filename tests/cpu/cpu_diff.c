// SPDX-License-Identifier: MIT
// cpu-diff: the differential test driver. It generates cases (diff_gen.c), runs each
// one natively in the 32-bit native_runner process (through two pipes) and in the
// interpreter (diff_interp.c), and compares them (diff_check.c: the 8 registers, EIP,
// the defined EFLAGS bits, the data region, the fault vector and #PF address, with the
// outcomes the host CPU model may decide accepted in each variant). Cases needing a CPU
// feature the host lacks (TZCNT without BMI1) are not run. Every mismatch is printed
// with the instruction bytes and their disassembly (cpu_disasm); the summary gives
// counts per opcode class. Exit status: 0 all matched, 1 a mismatch, 2 bad usage.
//
//   cpu_diff --runner PATH [--count N] [--seed S] [--seq-percent P] [--max-print N]
//            [--emit-jsonl FILE]   (write single-instruction cases with their native
//                                   results in the `denali cpu-test` layout)
//            [--inject N]          (corrupt every Nth interpreter result, to prove
//                                   that the comparison catches it: exits 0 only
//                                   when it caught every corruption and nothing else)
#include <cpuid.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diff_check.h"
#include "diff_gen.h"
#include "diff_interp.h"

#define BATCH 16

struct opts {
	uint64_t count, seed;
	int seq_percent, max_print;
	uint64_t inject; // test the tester: corrupt every Nth interpreter result (0 = off)
	const char *runner, *emit;
};

struct cls_stat {
	uint64_t run, bad;
};

static int nclasses(void)
{
	int n = 0;
	while (diff_gen_classes[n])
		n++;
	return n;
}

static int cls_index(const char *cls)
{
	for (int i = 0; diff_gen_classes[i]; i++)
		if (strcmp(diff_gen_classes[i], cls) == 0)
			return i;
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static pid_t spawn(const char *path, int *to, int *from)
{
	int a[2], b[2];
	if (pipe(a) != 0 || pipe(b) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(a[0], 0);
		dup2(b[1], 1);
		close(a[0]), close(a[1]), close(b[0]), close(b[1]);
		execl(path, path, (char *)NULL);
		fprintf(stderr, "cpu_diff: cannot run %s: %s\n", path, strerror(errno));
		_exit(2);
	}
	close(a[0]);
	close(b[1]);
	*to = a[1];
	*from = b[0];
	return pid;
}

static const char *const regname[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

static const char *vec_name(uint32_t v)
{
	switch (v) {
	case 0: return "DE";
	case 3: return "BP";
	case 6: return "UD";
	case 13: return "GP";
	case 14: return "PF";
	case 17: return "AC";
	default: return "?";
	}
}

static void print_end(const char *who, const struct diff_result *r)
{
	if (r->kind == DIFF_END_TRAP)
		printf("    %-6s stopped at eip=%08x\n", who, r->out.eip);
	else if (r->kind == DIFF_END_FAULT)
		printf("    %-6s fault #%s (%u) at eip=%08x addr=%08x\n", who, vec_name(r->vector),
		       r->vector, r->out.eip, r->fault_addr);
	else
		printf("    %-6s did not finish (code %u)\n", who, r->vector);
}

// Compares (diff_check.c); prints the differences when `print`. Returns their number.
static int compare(const struct diff_case *dc, const struct diff_meta *m,
		   const struct diff_result *n, const struct diff_result *i, bool print)
{
	char line[2048];
	int bad = diff_compare(dc, m, n, i, line, sizeof line);
	if (!bad || !print)
		return bad;
	char dis[160];
	uint8_t buf[16] = { 0 };
	memcpy(buf, dc->code, dc->code_len < 16 ? dc->code_len : 16);
	cpu_disasm(buf, dc->code_len < 16 ? dc->code_len : 16, dc->in.eip, dis, sizeof dis);
	printf("MISMATCH [%s] (native/interp):%s\n", m->cls, line);
	printf("    bytes:");
	for (uint32_t k = 0; k < dc->code_len && k < 64; k++)
		printf(" %02x", dc->code[k]);
	printf("%s\n    disasm: %s\n", dc->code_len > 64 ? " ..." : "", dis);
	printf("    in: eip=%08x eflags=%03x", dc->in.eip, dc->in.eflags);
	for (int r = 0; r < 8; r++)
		printf(" %s=%08x", regname[r], dc->in.r[r]);
	printf("\n");
	print_end("native", n);
	print_end("interp", i);
	if (n->nchanged != i->nchanged || n->data_hash != i->data_hash) {
		for (int side = 0; side < 2; side++) {
			const struct diff_result *r = side ? i : n;
			printf("    %s memory:", side ? "interp" : "native");
			for (uint32_t k = 0; k < r->nchanged && k < 24; k++)
				printf(" %08x=%02x", DIFF_DATA_BASE + r->change_off[k], r->change_val[k]);
			printf("%s\n", r->nchanged > 24 ? " ..." : "");
		}
	}
	return bad;
}

// Writes one case and its native result as a `denali cpu-test` JSON line.
static void emit_json(FILE *f, uint64_t idx, const struct diff_case *dc,
		      const struct diff_meta *m, const struct diff_result *n)
{
	static const char *order[8] = { "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp" };
	static const int num[8] = { 0, 3, 1, 2, 6, 7, 5, 4 };
	fprintf(f, "{\"name\": \"%s-%" PRIu64 "\", \"bytes\": [", m->cls, idx);
	for (uint32_t k = 0; k < dc->code_len; k++)
		fprintf(f, "%s%u", k ? ", " : "", dc->code[k]);
	fprintf(f, "], \"initial\": {\"regs\": {");
	for (int r = 0; r < 8; r++)
		fprintf(f, "\"%s\": %u, ", order[r], dc->in.r[num[r]]);
	fprintf(f, "\"eip\": %u, \"eflags\": %u}, \"ram\": [", dc->in.eip,
		(dc->in.eflags & 0xcd5u) | 0x202u);
	int first = 1;
	for (int p = 0; p < 2; p++)
		for (uint32_t k = 0; k < dc->patch[p].len; k++) {
			uint32_t off = dc->patch[p].off + k;
			if (p == 0 && dc->patch[1].len && off - dc->patch[1].off < dc->patch[1].len)
				continue; // patch B wins where they overlap
			if (dc->patch[p].bytes[k] == 0 || off >= DIFF_DATA_SIZE)
				continue; // memory reads zero unless listed; nothing past the region
			fprintf(f, "%s[%u, %u]", first ? "" : ", ", DIFF_DATA_BASE + off,
				dc->patch[p].bytes[k]);
			first = 0;
		}
	fprintf(f, "]}, \"final\": {");
	if (n->kind == DIFF_END_FAULT) {
		fprintf(f, "\"exception\": \"%s\"}", vec_name(n->vector));
	} else {
		fprintf(f, "\"regs\": {");
		for (int r = 0; r < 8; r++)
			if (!(m->skip_regs & (1u << num[r])))
				fprintf(f, "\"%s\": %u, ", order[r], n->out.r[num[r]]);
		fprintf(f, "\"eip\": %u, \"eflags\": %u}, \"ram\": [", n->out.eip,
			(n->out.eflags & 0xcd5u) | 2u);
		for (uint32_t k = 0; k < n->nchanged; k++)
			fprintf(f, "%s[%u, %u]", k ? ", " : "", DIFF_DATA_BASE + n->change_off[k],
				n->change_val[k]);
		fprintf(f, "]}");
	}
	fprintf(f, ", \"flags_mask\": %u}\n", m->flag_mask);
}

// The DIFF_NEED_* features this host has (CPUID: BMI1 for TZCNT, ABM for LZCNT).
static unsigned host_features(void)
{
	unsigned a, b, c, d, have = 0;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 3)))
		have |= DIFF_NEED_BMI1;
	if (__get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 5)))
		have |= DIFF_NEED_LZCNT;
	return have;
}

static int usage(void)
{
	fprintf(stderr, "usage: cpu_diff --runner PATH [--count N] [--seed S] [--seq-percent P]"
			" [--max-print N] [--emit-jsonl FILE] [--inject N]\n");
	return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .count = 10000, .seed = 1, .seq_percent = 15, .max_print = 30 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc) {
			fprintf(stderr, "cpu_diff: %s: missing value or unknown option\n", a);
			return -1;
		}
		const char *v = argv[++i];
		uint64_t x;
		if (strcmp(a, "--runner") == 0) {
			o->runner = v;
		} else if (strcmp(a, "--emit-jsonl") == 0) {
			o->emit = v;
		} else if (parse_u64(v, &x) != 0) {
			fprintf(stderr, "cpu_diff: %s %s: a non-negative integer expected\n", a, v);
			return -1;
		} else if (strcmp(a, "--count") == 0) {
			o->count = x;
		} else if (strcmp(a, "--seed") == 0) {
			o->seed = x;
		} else if (strcmp(a, "--seq-percent") == 0 && x <= 100) {
			o->seq_percent = (int)x;
		} else if (strcmp(a, "--inject") == 0) {
			o->inject = x;
		} else if (strcmp(a, "--max-print") == 0) {
			o->max_print = (int)(x > 100000 ? 100000 : x);
		} else {
			fprintf(stderr, "cpu_diff: %s: unknown option or bad value\n", a);
			return -1;
		}
	}
	if (!o->runner) {
		fprintf(stderr, "cpu_diff: --runner PATH is required\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o) != 0)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	FILE *emit = NULL;
	if (o.emit && !(emit = fopen(o.emit, "w"))) {
		fprintf(stderr, "cpu_diff: %s: %s\n", o.emit, strerror(errno));
		return 2;
	}
	int to, from;
	pid_t pid = spawn(o.runner, &to, &from);
	if (pid < 0) {
		fprintf(stderr, "cpu_diff: cannot start %s\n", o.runner);
		return 2;
	}
	struct diff_interp di;
	if (diff_interp_init(&di) != 0) {
		fprintf(stderr, "cpu_diff: out of memory\n");
		return 2;
	}
	int nc = nclasses();
	struct cls_stat *st = calloc((size_t)nc, sizeof *st);
	static struct diff_case dcs[BATCH];
	static struct diff_meta ms[BATCH];
	static struct diff_result nat, in;
	uint64_t done = 0, bad = 0, timeouts = 0, faults = 0, emitted = 0, skipped = 0;
	uint64_t rep_before = 0, rep_last = 0, ninjected = 0, caught = 0;
	unsigned have = host_features();
	static bool skip[BATCH];
	int printed = 0, rc = 0;
	printf("cpu-diff: seed %" PRIu64 ", %" PRIu64 " cases, %d%% sequences\n", o.seed, o.count,
	       o.seq_percent);
	while (done < o.count && rc == 0) {
		int k = (int)(o.count - done < BATCH ? o.count - done : BATCH);
		for (int j = 0; j < k; j++) {
			diff_gen_case(o.seed, done + (uint64_t)j, emit ? 0 : o.seq_percent, &dcs[j], &ms[j]);
			if (emit) { // keep the vector file small: zero memory but the operand bytes
				dcs[j].zero_fill = 1;
				for (int p = 0; p < 2; p++) {
					memset(dcs[j].patch[p].bytes, 0, 12);
					memset(dcs[j].patch[p].bytes + 28, 0, DIFF_PATCH_BYTES - 28);
				}
			}
			// A case the host would run as another instruction is not sent.
			skip[j] = (ms[j].needs & ~have) != 0;
			if (skip[j])
				continue;
			if (write_full(to, &dcs[j], sizeof dcs[j]) != 0) {
				fprintf(stderr, "cpu_diff: native runner died\n");
				rc = 2;
				break;
			}
		}
		for (int j = 0; j < k && rc == 0; j++) {
			if (skip[j]) {
				skipped++;
				continue;
			}
			if (read_full(from, &nat, sizeof nat) != 0 || nat.magic != DIFF_MAGIC) {
				fprintf(stderr, "cpu_diff: native runner died at case %" PRIu64 "\n",
					done + (uint64_t)j);
				rc = 2;
				break;
			}
			uint64_t idx = done + (uint64_t)j;
			int ci = cls_index(ms[j].cls);
			st[ci].run++;
			if (nat.kind == DIFF_END_TIMEOUT) {
				timeouts++;
				continue;
			}
			faults += nat.kind == DIFF_END_FAULT;
			if (ms[j].model != DIFF_MODEL_NONE && nat.kind == DIFF_END_FAULT &&
			    nat.out.r[1] != dcs[j].in.r[1]) {
				// Which variant this host shows (diff_check.h): for the summary.
				uint32_t fm = ms[j].flag_mask & 0x8d5u;
				if (!((nat.out.eflags ^ dcs[j].in.eflags) & fm))
					rep_before++;
				else if (!((nat.out.eflags ^
					    diff_rep_last_flags(&dcs[j], &ms[j], &nat.out)) & fm))
					rep_last++;
			}
			// Every 4th case runs under cpu_run with a tiny budget, resumed until done.
			int budget = idx % 4 == 3 ? 1 + (int)(idx / 4 % 40) : 0;
			diff_interp_run(&di, &dcs[j], ms[j].seq, ms[j].end_off, budget, &in);
			bool injected = o.inject && idx % o.inject == o.inject - 1;
			if (injected) {
				// Corrupt one compared field in turn: a register, a defined flag, memory.
				int reg = (int)(idx / 3 % 8);
				while (reg == 4 || (ms[j].skip_regs & (1u << reg)))
					reg = (reg + 1) % 8;
				switch ((idx / o.inject) % 3) {
				case 0: in.out.r[reg] ^= 1u << (idx % 32); break;
				case 1: in.out.eflags ^= ms[j].flag_mask & (0u - ms[j].flag_mask); break;
				default: in.data_hash ^= 1; break;
				}
				ninjected++;
			}
			bool pr = printed < o.max_print;
			if (compare(&dcs[j], &ms[j], &nat, &in, pr)) {
				if (pr)
					printf("    case %" PRIu64 " (replay: --seed %" PRIu64 "; %s)\n", idx,
					       o.seed, ms[j].seq ? "sequence" : "single");
				printed++;
				bad++;
				st[ci].bad++;
				caught += injected;
			}
			// The native result is the oracle: emit it whether or not we matched.
			if (emit && !ms[j].seq && nat.nchanged <= DIFF_MAX_CHANGES &&
			    (nat.kind == DIFF_END_TRAP ||
			     (nat.kind == DIFF_END_FAULT && (nat.vector == 0 || nat.vector == 6)))) {
				emit_json(emit, idx, &dcs[j], &ms[j], &nat);
				emitted++;
			}
		}
		done += (uint64_t)k;
		if (o.count >= 1000000 && done % 500000 == 0) // progress on long runs
			fprintf(stderr, "cpu-diff: %" PRIu64 "/%" PRIu64 " cases, %" PRIu64
				" mismatches\n", done, o.count, bad);
	}
	close(to);
	close(from);
	waitpid(pid, NULL, 0);
	printf("%-10s %10s %8s\n", "class", "cases", "mismatch");
	for (int c = 0; c < nc; c++)
		if (st[c].run)
			printf("%-10s %10" PRIu64 " %8" PRIu64 "\n", diff_gen_classes[c], st[c].run,
			       st[c].bad);
	printf("cpu-diff: %" PRIu64 " cases (%" PRIu64 " faulted natively), %" PRIu64
	       " mismatches, %" PRIu64 " native timeouts\n", done, faults, bad, timeouts);
	printf("cpu-diff: REPE/REPNE CMPS/SCAS faulting after an iteration: the host left EFLAGS"
	       " as before the instruction %" PRIu64 " times, as after the last iteration %" PRIu64
	       " times (both accepted)\n", rep_before, rep_last);
	if (skipped)
		printf("cpu-diff: %" PRIu64 " cases not run: the host CPU lacks%s%s, so it would"
		       " run BSF/BSR instead (docs/verification.md)\n", skipped,
		       have & DIFF_NEED_BMI1 ? "" : " BMI1 (TZCNT)",
		       have & DIFF_NEED_LZCNT ? "" : " LZCNT");
	const struct cpu_exec_stats *xs = cpu_exec_stats(di.x);
	printf("cpu-diff: interpreter decoded %" PRIu64 " blocks, %" PRIu64
	       " self-modifying-code invalidations\n", xs->blocks_decoded, xs->smc_invalidations);
	if (emit) {
		fclose(emit);
		printf("cpu-diff: wrote %" PRIu64 " cases to %s\n", emitted, o.emit);
	}
	free(st);
	diff_interp_free(&di);
	if (rc)
		return rc;
	if (o.inject) {
		// Testing the tester: every corruption must be caught, and nothing else.
		printf("cpu-diff: %" PRIu64 " results corrupted on purpose, %" PRIu64 " caught, %"
		       PRIu64 " other mismatches\n", ninjected, caught, bad - caught);
		return ninjected > 0 && caught == ninjected && bad == caught && !timeouts ? 0 : 1;
	}
	return bad || timeouts ? 1 : 0;
}
