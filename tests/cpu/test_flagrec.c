// SPDX-License-Identifier: MIT
// Dead flags across memory accesses and their recovery (exec.c, flags_dead and
// nf_recover; issue 16), and the address-specialised memory handlers. A 32-bit ADD SUB
// XOR (or AND OR of a register with itself, or INC DEC, which still keep CF) whose
// flags a later instruction of the block replaces runs without writing them even when
// loads and stores lie between;
// when one of those faults, or a store rewrites the rest of the block (OP_SMC_EXIT),
// the skipped lazy record is rebuilt from the registers. Seeded random blocks of
// register and memory instructions (loads, stores, load-and-operate, read-modify-write,
// PUSH/POP, through [EBP + disp8], [EBP + EDI*4 + disp8] and absolute addresses), some
// faulting in the middle (an unmapped address) and some rewriting their own next
// instructions, run with cpu_run (one block, flags skipped) and with cpu_step (one
// instruction at a time, nothing skipped): both must end, at HLT or at the fault, with
// the same registers, raw eflags and lazy record, EIP, fault, cycles, instruction count
// and memory. A directed case checks a fault right after a skipped flag write, and
// another the flags ROL/ROR and INC keep from the records they fold inline; the
// specialised shift, rotate and MOVZX handlers are checked against the generic ones.
// Misaligned loads and stores on pages the TLB translates count the same TLB misses
// without translating again (test_misaligned).
// Guest memory: 4 flat pages from 0x10000; code at CODE, data at DATA (EBP), stack at
// the top; 0x5000 is unmapped.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

#define BASE 0x10000u
#define NPAGES 4u
#define CODE 0x10100u
#define DATA 0x11800u
#define UNMAPPED 0x5000u
#define MEMSZ (NPAGES * CPU_PAGE_SIZE)

struct env {
	uint8_t *mem;
	struct cpu c;
	struct cpu_mem m;
};

static int map(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi)
{
	struct env *e = ctx;
	(void)acc;
	if (addr < BASE || addr >= BASE + MEMSZ)
		return -1;
	pi->host = e->mem + ((addr - BASE) & CPU_PAGE_MASK);
	pi->writable = true;
	return 0;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

// The registers the random instructions write: EAX ECX EDX EBX ESI. EBP is the data
// pointer, EDI a small index, ESP the stack.
static unsigned wreg(uint32_t *s)
{
	static const uint8_t w[] = { CPU_EAX, CPU_ECX, CPU_EDX, CPU_EBX, CPU_ESI };
	return w[rnd(s) % 5];
}

static size_t put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return 4;
}

// One random instruction at p (guest address at). Returns its length.
static size_t emit_random(uint8_t *p, uint32_t at, uint32_t *s)
{
	static const uint8_t alu_rr[] = { 0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x39, 0x85 };
	static const uint8_t alu_rm[] = { 0x03, 0x0b, 0x23, 0x2b, 0x33, 0x3b };
	unsigned a = wreg(s), b = wreg(s), k = rnd(s) % 32;
	uint8_t d8 = (uint8_t)rnd(s);
	size_t n = 0;
	switch (k) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4: // ALU r32, r32 (the same one at times)
		p[n++] = alu_rr[rnd(s) % 9];
		p[n++] = (uint8_t)(0xc0 | b << 3 | a);
		break;
	case 5:
	case 6: // ALU r32, imm8
		p[n++] = 0x83;
		p[n++] = (uint8_t)(0xc0 | (rnd(s) % 8) << 3 | a);
		p[n++] = d8;
		break;
	case 7: // mov r, r
		p[n++] = 0x89;
		p[n++] = (uint8_t)(0xc0 | b << 3 | a);
		break;
	case 8:
	case 9: // mov r, [ebp + d8]
		p[n++] = 0x8b;
		p[n++] = (uint8_t)(0x45 | a << 3);
		p[n++] = d8;
		break;
	case 10:
	case 11: // mov [ebp + d8], r
		p[n++] = 0x89;
		p[n++] = (uint8_t)(0x45 | a << 3);
		p[n++] = d8;
		break;
	case 12: // mov r, [ebp + edi*4 + d8] / mov [ebp + edi*4 + d8], r
		p[n++] = (rnd(s) & 1) ? 0x8b : 0x89;
		p[n++] = (uint8_t)(0x44 | a << 3);
		p[n++] = 0xbd;
		p[n++] = d8;
		break;
	case 13:
	case 14: // ADD OR AND SUB XOR CMP r, [ebp + d8]
		p[n++] = alu_rm[rnd(s) % 6];
		p[n++] = (uint8_t)(0x45 | a << 3);
		p[n++] = d8;
		break;
	case 15: // cmp [ebp + d8], r / cmp dword [ebp + d8], imm8 / add [ebp + d8], r
		switch (rnd(s) % 3) {
		case 0:
			p[n++] = 0x39;
			p[n++] = (uint8_t)(0x45 | a << 3);
			p[n++] = d8;
			break;
		case 1:
			p[n++] = 0x83;
			p[n++] = 0x7d;
			p[n++] = d8;
			p[n++] = (uint8_t)rnd(s);
			break;
		default:
			p[n++] = 0x01;
			p[n++] = (uint8_t)(0x45 | a << 3);
			p[n++] = d8;
			break;
		}
		break;
	case 16: // movzx r, byte [ebp + d8] / [ebp + edi*4 + d8]
		p[n++] = 0x0f;
		p[n++] = 0xb6;
		if (rnd(s) & 1) {
			p[n++] = (uint8_t)(0x45 | a << 3);
		} else {
			p[n++] = (uint8_t)(0x44 | a << 3);
			p[n++] = 0xbd;
		}
		p[n++] = d8;
		break;
	case 17: // mov r8, [ebp + d8] / mov [ebp + d8], r8 (AL..BH)
		p[n++] = (rnd(s) & 1) ? 0x8a : 0x88;
		p[n++] = (uint8_t)(0x45 | (rnd(s) % 8) << 3);
		p[n++] = d8;
		break;
	case 18: // lea r, [ebp + edi*4 + d8] / lea r, [b + d8]
		p[n++] = 0x8d;
		if (rnd(s) & 1) {
			p[n++] = (uint8_t)(0x44 | a << 3);
			p[n++] = 0xbd;
		} else {
			p[n++] = (uint8_t)(0x40 | a << 3 | b);
		}
		p[n++] = d8;
		break;
	case 19: // push r; pop r2
		p[n++] = (uint8_t)(0x50 + a);
		p[n++] = (uint8_t)(0x58 + b);
		break;
	case 20: // imul r, [ebp + d8]
		p[n++] = 0x0f;
		p[n++] = 0xaf;
		p[n++] = (uint8_t)(0x45 | a << 3);
		p[n++] = d8;
		break;
	case 21: // shl/shr/sar r, imm8
		p[n++] = 0xc1;
		p[n++] = (uint8_t)(0xc0 | (4 + rnd(s) % 4) << 3 | a);
		p[n++] = (uint8_t)(rnd(s) % 32);
		break;
	case 22: p[n++] = (uint8_t)((rnd(s) & 1 ? 0x40 : 0x48) + a); break; // INC DEC
	case 23: // jcc +0
		p[n++] = (uint8_t)(0x70 + rnd(s) % 16);
		p[n++] = 0;
		break;
	case 24: // setcc r8
		p[n++] = 0x0f;
		p[n++] = (uint8_t)(0x90 + rnd(s) % 16);
		p[n++] = (uint8_t)(0xc0 | rnd(s) % 8);
		break;
	case 25: // mov r, imm32
		p[n++] = (uint8_t)(0xb8 + a);
		n += put32(p + n, rnd(s));
		break;
	case 26: // a load or store that faults (1 in 4), else a load from the data page
		p[n++] = (rnd(s) & 1) ? 0x8b : 0x89;
		p[n++] = (uint8_t)(0x05 | a << 3);
		n += put32(p + n, rnd(s) % 4 == 0 ? UNMAPPED : DATA + (rnd(s) % 64) * 4);
		break;
	case 27: // mov dword [next 4 bytes], imm32; then 4 NOPs the store may rewrite
		p[n++] = 0xc7;
		p[n++] = 0x05;
		n += put32(p + n, at + 10);
		n += put32(p + n, (rnd(s) & 1) ? 0x41414141u : 0x90909090u); // INC ECX x4
		n += put32(p + n, 0x90909090u);
		break;
	case 28: // an 8-bit compare with memory, or DEC, then a Jcc (fused)
		switch (rnd(s) % 4) {
		case 0:
			p[n++] = 0x3a; // cmp r8, [ebp + d8]
			p[n++] = (uint8_t)(0x45 | (rnd(s) % 8) << 3);
			p[n++] = d8;
			break;
		case 1:
			p[n++] = 0x38; // cmp [ebp + d8], r8
			p[n++] = (uint8_t)(0x45 | (rnd(s) % 8) << 3);
			p[n++] = d8;
			break;
		case 2:
			p[n++] = 0x80; // cmp byte [ebp + d8], imm8
			p[n++] = 0x7d;
			p[n++] = d8;
			p[n++] = (uint8_t)rnd(s);
			break;
		default: p[n++] = (uint8_t)(0x48 + a); break; // dec r
		}
		p[n++] = (uint8_t)(0x70 + rnd(s) % 16);
		p[n++] = 0;
		break;
	default: p[n++] = 0x90; break;
	}
	return n;
}

static void reset(struct env *e, const uint32_t *init)
{
	cpu_reset(&e->c, CODE, BASE + MEMSZ - 64);
	for (int i = 0; i < 8; i++)
		if (i != CPU_ESP)
			e->c.r[i] = init[i];
}

static void assert_same(const struct cpu *run, enum cpu_exit rwhy, const struct cpu *step,
			enum cpu_exit swhy, const char *what, int prog)
{
	if (rwhy != swhy || memcmp(run->r, step->r, sizeof run->r) || run->eip != step->eip ||
	    run->eflags != step->eflags || run->lazy.op != step->lazy.op ||
	    run->lazy.res != step->lazy.res || run->lazy.a != step->lazy.a ||
	    run->lazy.b != step->lazy.b || run->cycles != step->cycles ||
	    run->retired != step->retired ||
	    (rwhy == CPU_EXIT_FAULT &&
	     (run->fault.vector != step->fault.vector || run->fault.addr != step->fault.addr ||
	      run->fault.eip != step->fault.eip)))
		fail_msg("%s %d: run exit %d eip %#x eflags %#x lazy %u/%#x/%#x/%#x retired %llu; "
			 "step exit %d eip %#x eflags %#x lazy %u/%#x/%#x/%#x retired %llu",
			 what, prog, (int)rwhy, run->eip, run->eflags, run->lazy.op, run->lazy.res,
			 run->lazy.a, run->lazy.b, (unsigned long long)run->retired, (int)swhy,
			 step->eip, step->eflags, step->lazy.op, step->lazy.res, step->lazy.a,
			 step->lazy.b, (unsigned long long)step->retired);
}

// Runs the program in e->mem from CODE with cpu_run and with cpu_step, from the same
// memory and registers, and compares. Returns how the run ended.
static enum cpu_exit compare(struct env *e, const uint32_t *init, const char *what, int prog)
{
	uint8_t *mem0 = malloc(MEMSZ), *mem_run = malloc(MEMSZ);
	memcpy(mem0, e->mem, MEMSZ);
	struct cpu_exec *xr = cpu_exec_new(NULL), *xs = cpu_exec_new(NULL);
	reset(e, init);
	enum cpu_exit rwhy = cpu_run(xr, &e->c, &e->m, 100000);
	struct cpu run = e->c;
	memcpy(mem_run, e->mem, MEMSZ);
	memcpy(e->mem, mem0, MEMSZ);
	reset(e, init);
	enum cpu_exit why = CPU_EXIT_STEP;
	for (int i = 0; i < 400 && why == CPU_EXIT_STEP; i++)
		why = cpu_step(xs, &e->c, &e->m);
	assert_same(&run, rwhy, &e->c, why, what, prog);
	if (memcmp(mem_run, e->mem, MEMSZ))
		fail_msg("%s %d: memory differs", what, prog);
	cpu_exec_free(xr);
	cpu_exec_free(xs);
	free(mem0);
	free(mem_run);
	return rwhy;
}

static void test_random_mem_blocks(void **state)
{
	(void)state;
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	uint32_t seed = 0xf1a95eedu;
	int faults = 0, halts = 0;
	for (int prog = 0; prog < 4000; prog++) {
		memset(e.mem, 0, MEMSZ);
		for (uint32_t i = 0; i < CPU_PAGE_SIZE; i += 4) {
			uint32_t v = rnd(&seed);
			memcpy(e.mem + (DATA & CPU_PAGE_MASK) - BASE + i, &v, 4);
		}
		uint8_t *p = e.mem + (CODE - BASE);
		size_t n = 0;
		int len = 1 + (int)(rnd(&seed) % 40);
		for (int i = 0; i < len; i++)
			n += emit_random(p + n, CODE + (uint32_t)n, &seed);
		p[n++] = 0xf4;
		uint32_t init[8];
		for (int i = 0; i < 8; i++)
			init[i] = (rnd(&seed) & 1) ? rnd(&seed) : rnd(&seed) % 4;
		init[CPU_EBP] = rnd(&seed) % 16 == 0 ? UNMAPPED : DATA;
		init[CPU_EDI] = rnd(&seed) % 64;
		if (compare(&e, init, "program", prog) == CPU_EXIT_FAULT)
			faults++;
		else
			halts++;
	}
	// Both endings occur often (the generator is not degenerate).
	print_message("%d programs faulted, %d halted\n", faults, halts);
	assert_true(faults > 400);
	assert_true(halts > 400);
	free(e.mem);
}

// Directed: add eax, ebx (flags skipped: the cmp replaces them); a load that faults;
// cmp. At the fault, the lazy record is the ADD's. And the same with a store into the
// next instructions (INC, which reads CF from the ADD).
static void test_directed(void **state)
{
	(void)state;
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	uint32_t init[8] = { 0xfffffff0u, 0, 0, 0x20, 0, DATA, 0, 0 };
	uint8_t *p = e.mem + (CODE - BASE);
	size_t n = 0;
	p[n++] = 0x01;
	p[n++] = 0xd8;                  // add eax, ebx (CF = 1)
	p[n++] = 0x8b;
	p[n++] = 0x0d;                  // mov ecx, [UNMAPPED]
	n += put32(p + n, UNMAPPED);
	p[n++] = 0x39;
	p[n++] = 0xd8;                  // cmp eax, ebx
	p[n++] = 0xf4;
	assert_int_equal(compare(&e, init, "directed fault", 0), CPU_EXIT_FAULT);
	struct cpu_exec *x = cpu_exec_new(NULL);
	reset(&e, init);
	assert_int_equal(cpu_run(x, &e.c, &e.m, 1000), CPU_EXIT_FAULT);
	assert_int_equal(e.c.eip, CODE + 2);
	assert_int_equal(e.c.retired, 1);
	assert_int_equal(e.c.r[CPU_EAX], 0x10);
	assert_true(cpu_get_eflags(&e.c) & CPU_CF);
	cpu_exec_free(x);

	n = 0;
	p[n++] = 0x01;
	p[n++] = 0xd8;                  // add eax, ebx (CF = 1)
	p[n++] = 0xc7;
	p[n++] = 0x05;                  // mov dword [next], 0x41414141
	n += put32(p + n, CODE + n + 8);
	n += put32(p + n, 0x41414141u);
	n += put32(p + n, 0x90909090u);                // becomes inc ecx x4 (keeps CF)
	p[n++] = 0x39;
	p[n++] = 0xd8;                  // cmp eax, ebx
	p[n++] = 0xf4;
	assert_int_equal(compare(&e, init, "directed smc", 0), CPU_EXIT_HLT);

	// cmp eax, ebx (CF = 1); inc ecx, whose record the last cmp replaces (it keeps CF
	// without writing its lazy record); a load that faults: at the fault the record is
	// INC's and CF the CMP's.
	n = 0;
	p[n++] = 0x39;
	p[n++] = 0xd8; // cmp eax, ebx
	p[n++] = 0x41; // inc ecx
	p[n++] = 0x8b;
	p[n++] = 0x15; // mov edx, [UNMAPPED]
	n += put32(p + n, UNMAPPED);
	p[n++] = 0x39;
	p[n++] = 0xd8; // cmp eax, ebx
	p[n++] = 0xf4;
	uint32_t init2[8] = { 1, 5, 0, 2, 0, DATA, 0, 0 };
	assert_int_equal(compare(&e, init2, "directed inc fault", 0), CPU_EXIT_FAULT);
	x = cpu_exec_new(NULL);
	reset(&e, init2);
	assert_int_equal(cpu_run(x, &e.c, &e.m, 1000), CPU_EXIT_FAULT);
	assert_int_equal(e.c.eip, CODE + 3);
	assert_int_equal(e.c.r[CPU_ECX], 6);
	assert_int_equal(cpu_get_eflags(&e.c) & (CPU_CF | CPU_ZF), CPU_CF);
	cpu_exec_free(x);
	free(e.mem);
}

// ROL and ROR keep SF ZF AF PF, INC keeps CF: after ADD, SUB, CMP, IMUL, AND, XOR of
// 32 bits and CMP of 8 and 16 (whose records they fold inline), the flags PUSHFD saves
// after the rotate or INC agree on those with the flags it saves right after the same
// operation (read through flags.c), on edge values; CF and OF are the rotate's own.
static void test_ops_keep_flags(void **state)
{
	(void)state;
	static const uint32_t vals[] = { 0, 1, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x7fff, 0x8000,
					 0x7fffffff, 0x80000000, 0xfffffff0u, 0xffffffffu,
					 0x12345678u };
	static const uint8_t ops[][4] = {
		{ 2, 0x01, 0xd8 },
		{ 2, 0x29, 0xd8 },
		{ 2, 0x39, 0xd8 },
		{ 3, 0x0f, 0xaf, 0xc3 },
		{ 2, 0x21, 0xd8 },
		{ 2, 0x31, 0xd8 },
		{ 2, 0x38, 0xd8 },
		{ 3, 0x66, 0x39, 0xd8 },
	};
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
		size_t ol = ops[o][0];
		for (int k = 0; k < 3; k++) { // ROL ROR INC
			for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
				for (size_t j = 0; j < sizeof vals / sizeof vals[0]; j++) {
					uint8_t *p = e.mem + (CODE - BASE);
					size_t n = 0;
					p[n++] = 0x89;
					p[n++] = 0xc2;             // mov edx, eax
					memcpy(p + n, ops[o] + 1, ol);
					n += ol;  // op eax, ebx
					p[n++] = 0x9c;                            // pushfd
					p[n++] = 0x89;
					p[n++] = 0xd0;             // mov eax, edx
					memcpy(p + n, ops[o] + 1, ol);
					n += ol;  // op eax, ebx
					if (k < 2) {                              // rol/ror ecx, 7
						p[n++] = 0xc1;
						p[n++] = k ? 0xc9 : 0xc1;
						p[n++] = 7;
					} else {
						p[n++] = 0x41;                    // inc ecx
					}
					p[n++] = 0x9c;                            // pushfd
					p[n++] = 0xf4;
					uint32_t init[8] = { vals[i], 0x80000001u, 0, vals[j], 0, 0, 0, 0 };
					struct cpu_exec *x = cpu_exec_new(NULL);
					reset(&e, init);
					assert_int_equal(cpu_run(x, &e.c, &e.m, 1000), CPU_EXIT_HLT);
					cpu_exec_free(x);
					uint32_t sp = e.c.r[CPU_ESP], after, before;
					memcpy(&after, e.mem + (sp - BASE), 4);
					memcpy(&before, e.mem + (sp + 4 - BASE), 4);
					uint32_t r = k ? 0x80000001u >> 7 | 0x80000001u << 25
						       : 0x80000001u << 7 | 0x80000001u >> 25;
					uint32_t cf = k ? r >> 31 : r & 1;
					uint32_t of = k ? (r >> 31) ^ ((r >> 30) & 1) : (r >> 31) ^ cf;
					bool bad = k < 2 ? ((after ^ before) &
							    (CPU_SF | CPU_ZF | CPU_AF | CPU_PF)) ||
								   (after & CPU_CF) != cf ||
								   !!(after & CPU_OF) != of
							 : ((after ^ before) & CPU_CF) != 0;
					if (bad)
						fail_msg("op %zu keeper %d a %#x b %#x: before %#x after %#x",
							 o, k, vals[i], vals[j], before, after);
				}
			}
		}
	}
	free(e.mem);
}

// The 32-bit shift and rotate handlers by an immediate (exec_select: with flags, and
// without them when a later XOR replaces them) against the generic ones that shift by
// CL: the same result and flags for every count 1..31 on edge values; IMUL of 32 bits
// in its four forms, MOVSX and MOVZX into 32 bits from every source kind, against the
// host; MOVZX r32, r8 for the eight byte registers.
static void test_specialised_forms(void **state)
{
	(void)state;
	static const uint32_t vals[] = { 0, 1, 0x80000000u, 0x80000001u, 0x7fffffffu,
					 0xffffffffu, 0x12345678u, 0xdeadbeefu };
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	static const unsigned subs[] = { 0, 1, 4, 5, 7 }; // ROL ROR SHL SHR SAR
	for (size_t k = 0; k < 5; k++) {
		for (unsigned cnt = 1; cnt < 32; cnt++) {
			for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
				uint32_t got[2][3];
				for (int form = 0; form < 2; form++) {
					for (int dead = 0; dead < 2; dead++) {
						uint8_t *p = e.mem + (CODE - BASE);
						size_t n = 0;
						if (form) { // mov ecx, cnt; op eax, cl
							p[n++] = 0xb9;
							n += put32(p + n, cnt);
							p[n++] = 0xd3;
							p[n++] = (uint8_t)(0xc0 | subs[k] << 3);
						} else { // op eax, cnt
							p[n++] = 0xc1;
							p[n++] = (uint8_t)(0xc0 | subs[k] << 3);
							p[n++] = (uint8_t)cnt;
						}
						if (dead) { // xor ebx, edx: the shift's flags are dead
							p[n++] = 0x31;
							p[n++] = 0xd3;
						}
						p[n++] = 0x9c; // pushfd
						p[n++] = 0xf4;
						uint32_t init[8] = { vals[v], 0, 0, 5, 0, 0, 0, 0 };
						struct cpu_exec *x = cpu_exec_new(NULL);
						reset(&e, init);
						assert_int_equal(cpu_run(x, &e.c, &e.m, 1000), CPU_EXIT_HLT);
						cpu_exec_free(x);
						uint32_t f;
						memcpy(&f, e.mem + (e.c.r[CPU_ESP] - BASE), 4);
						if (!dead) {
							got[form][0] = e.c.r[CPU_EAX];
							got[form][1] = f;
						} else {
							got[form][2] = e.c.r[CPU_EAX];
						}
					}
				}
				if (memcmp(got[0], got[1], sizeof got[0]))
					fail_msg("sub %u count %u value %#x: imm eax %#x flags %#x (dead "
						 "%#x), CL eax %#x flags %#x (dead %#x)",
						 subs[k], cnt, vals[v], got[0][0], got[0][1], got[0][2],
						 got[1][0], got[1][1], got[1][2]);
			}
		}
	}
	// IMUL of 32 bits by register, immediate, memory and memory * immediate (their own
	// handlers): the low half and CF = OF = the product did not fit, against the host.
	for (int form = 0; form < 4; form++) {
		for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
			for (size_t j = 0; j < sizeof vals / sizeof vals[0]; j++) {
				uint8_t *p = e.mem + (CODE - BASE);
				size_t n = 0;
				uint32_t m = DATA;
				memcpy(e.mem + (DATA - BASE), &vals[j], 4);
				if (form == 0) { // imul eax, ebx
					p[n++] = 0x0f;
					p[n++] = 0xaf;
					p[n++] = 0xc3;
				} else if (form == 1) { // imul eax, ebx, imm32 (vals[i])
					p[n++] = 0x69;
					p[n++] = 0xc3;
					n += put32(p + n, vals[i]);
				} else if (form == 2) { // imul eax, [DATA]
					p[n++] = 0x0f;
					p[n++] = 0xaf;
					p[n++] = 0x05;
					n += put32(p + n, m);
				} else { // imul eax, [DATA], imm32 (vals[i])
					p[n++] = 0x69;
					p[n++] = 0x05;
					n += put32(p + n, m);
					n += put32(p + n, vals[i]);
				}
				p[n++] = 0x9c; // pushfd
				p[n++] = 0xf4;
				// EAX is not an operand of the immediate forms
				uint32_t init[8] = { form & 1 ? 0x5a5a5a5au : vals[i], 0, 0, vals[j],
						     0, 0, 0, 0 };
				struct cpu_exec *x = cpu_exec_new(NULL);
				reset(&e, init);
				assert_int_equal(cpu_run(x, &e.c, &e.m, 1000), CPU_EXIT_HLT);
				cpu_exec_free(x);
				uint32_t f;
				memcpy(&f, e.mem + (e.c.r[CPU_ESP] - BASE), 4);
				int64_t prod = (int64_t)(int32_t)vals[i] * (int32_t)vals[j];
				uint32_t over = (int64_t)(int32_t)(uint32_t)prod != prod;
				if (e.c.r[CPU_EAX] != (uint32_t)prod || !!(f & CPU_CF) != over ||
				    !!(f & CPU_OF) != over)
					fail_msg("imul form %d: %#x * %#x = %#x flags %#x", form,
						 vals[i], vals[j], e.c.r[CPU_EAX], f);
			}
		}
	}
	// MOVSX and MOVZX into 32 bits from r8 (AL..BH), r16, m8 and m16, against the host.
	static const uint32_t movx_src[] = { 0x11223344u, 0x55667788u, 0x99aabbccu, 0xddeeff01u,
					     0x00007f80u, 0x0000807fu, 0xffff8000u, 0x7fffffffu };
	for (int k = 0; k < 8; k++) { // bit 0: sign, bit 1: 16 bits, bit 2: memory
		for (unsigned src = 0; src < 8; src++) {
			uint8_t *p = e.mem + (CODE - BASE);
			size_t n = 0;
			p[n++] = 0x0f;
			p[n++] = (uint8_t)((k & 1 ? 0xbe : 0xb6) + (k & 2 ? 1 : 0));
			uint32_t m = DATA + src; // misaligned too
			if (k & 4) {
				p[n++] = (uint8_t)(0x05 | CPU_ESI << 3); // movx esi, [m]
				n += put32(p + n, m);
				memcpy(e.mem + (m - BASE), &movx_src[src], 4);
			} else {
				p[n++] = (uint8_t)(0xc0 | CPU_ESI << 3 | src); // movx esi, r8 / r16
			}
			p[n++] = 0xf4;
			uint32_t init[8] = { movx_src[0], movx_src[1], movx_src[2], movx_src[3],
					     movx_src[4], movx_src[5], 0xffffffffu, movx_src[7] };
			struct cpu_exec *x = cpu_exec_new(NULL);
			reset(&e, init);
			assert_int_equal(cpu_run(x, &e.c, &e.m, 1000), CPU_EXIT_HLT);
			cpu_exec_free(x);
			uint32_t v = k & 4   ? movx_src[src]
				     : k & 2 ? init[src]
					     : init[src & 3] >> (8 * (src >> 2));
			if (src == CPU_ESP && !(k & 4) && (k & 2))
				continue; // SP: the reset stack pointer, not init[]
			uint32_t want = k & 2 ? (k & 1 ? (uint32_t)(int32_t)(int16_t)v : v & 0xffff)
					      : (k & 1 ? (uint32_t)(int32_t)(int8_t)v : v & 0xff);
			if (e.c.r[CPU_ESI] != want)
				fail_msg("movx kind %d source %u: esi %#x, want %#x", k, src,
					 e.c.r[CPU_ESI], want);
		}
	}
	for (unsigned r8 = 0; r8 < 8; r8++) { // movzx esi, r8
		uint8_t *p = e.mem + (CODE - BASE);
		p[0] = 0x0f;
		p[1] = 0xb6;
		p[2] = (uint8_t)(0xc0 | CPU_ESI << 3 | r8);
		p[3] = 0xf4;
		uint32_t init[8] = { 0x11223344u, 0x55667788u, 0x99aabbccu, 0xddeeff01u, 0, 0, 0, 0 };
		struct cpu_exec *x = cpu_exec_new(NULL);
		reset(&e, init);
		init[CPU_ESI] = 0xffffffffu;
		e.c.r[CPU_ESI] = 0xffffffffu;
		assert_int_equal(cpu_run(x, &e.c, &e.m, 1000), CPU_EXIT_HLT);
		cpu_exec_free(x);
		assert_int_equal(e.c.r[CPU_ESI], (init[r8 & 3] >> (8 * (r8 >> 2))) & 0xff);
	}
	free(e.mem);
}

// Misaligned loads and stores (tlb.c): the fast path's tag includes the low address
// bits, so they take the slow path, and the context-switch model counts each as a TLB
// miss per page it touches. Those already translated are not translated again (no
// map()), but count the same misses: aligned, misaligned within a page, crossing into
// an untranslated page and then a translated one, stores likewise, and a misaligned
// store into the running block's next instruction, which must still end the block.
static unsigned map_calls;

static int map_counted(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi)
{
	map_calls++;
	return map(ctx, addr, acc, pi);
}

static void test_misaligned(void **state)
{
	(void)state;
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map_counted, &e };
	uint8_t *data = e.mem + (DATA & CPU_PAGE_MASK) - BASE; // 0x11000, then 0x12000
	for (unsigned i = 0; i < 2 * CPU_PAGE_SIZE; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	uint32_t page = DATA & CPU_PAGE_MASK;
	static const struct {
		uint8_t op, modrm; // op reg, [disp32] (8b: load, 89: store)
		uint32_t at;
		unsigned misses; // tlb_misses after it
	} steps[] = {
		{ 0x8b, 0x05, 0, 1 },      // mov eax, [page]: translates it
		{ 0x8b, 0x1d, 1, 2 },      // mov ebx, [page + 1]: misaligned, translated
		{ 0x89, 0x1d, 5, 3 },      // mov [page + 5], ebx: misaligned store, translated
		{ 0x8b, 0x0d, 0xffe, 5 },  // mov ecx, [page + 0xffe]: crosses into page + 0x1000
		{ 0x8b, 0x15, 0xffd, 7 },  // mov edx, [page + 0xffd]: crosses, both translated
		{ 0x89, 0x05, 0xfff, 9 },  // mov [page + 0xfff], eax: a crossing store
		{ 0x89, 0x15, 0x1003, 10 }, // mov [page + 0x1003], edx
	};
	size_t ns = sizeof steps / sizeof steps[0];
	uint8_t *p = e.mem + (CODE - BASE);
	size_t n = 0;
	for (size_t i = 0; i < ns; i++) {
		p[n++] = steps[i].op;
		p[n++] = steps[i].modrm;
		n += put32(p + n, page + steps[i].at);
	}
	p[n++] = 0xf4;
	uint8_t *ref = malloc(2 * CPU_PAGE_SIZE);
	memcpy(ref, data, 2 * CPU_PAGE_SIZE);
	uint32_t init[8] = { 0 };
	init[CPU_EBP] = DATA;
	for (size_t upto = 1; upto <= ns; upto++) {
		// The first `upto` instructions, then HLT, one instruction at a time: the
		// misses after each, and the registers and memory against a host model.
		memcpy(data, ref, 2 * CPU_PAGE_SIZE);
		uint8_t save = p[upto * 6];
		p[upto * 6] = 0xf4;
		struct cpu_exec *x = cpu_exec_new(NULL);
		reset(&e, init);
		assert_int_equal(cpu_run(x, &e.c, &e.m, 1000), CPU_EXIT_HLT);
		// The code page is translated through the code TLB (its own miss count).
		assert_int_equal(cpu_exec_stats(x)->tlb_misses, steps[upto - 1].misses);
		cpu_exec_free(x);
		p[upto * 6] = save;
	}
	uint8_t *want = malloc(2 * CPU_PAGE_SIZE);
	memcpy(want, ref, 2 * CPU_PAGE_SIZE);
	uint32_t r[8] = { 0 };
	static const int reg_of[] = { CPU_EAX, CPU_EBX, CPU_EBX, CPU_ECX, CPU_EDX, CPU_EAX, CPU_EDX };
	for (size_t i = 0; i < ns; i++) {
		uint8_t *m = want + steps[i].at;
		if (steps[i].op == 0x8b)
			memcpy(&r[reg_of[i]], m, 4);
		else
			memcpy(m, &r[reg_of[i]], 4);
	}
	assert_int_equal(e.c.r[CPU_EAX], r[CPU_EAX]);
	assert_int_equal(e.c.r[CPU_EBX], r[CPU_EBX]);
	assert_int_equal(e.c.r[CPU_ECX], r[CPU_ECX]);
	assert_int_equal(e.c.r[CPU_EDX], r[CPU_EDX]);
	assert_memory_equal(data, want, 2 * CPU_PAGE_SIZE);
	// The translations are reused: map() once for the code page, once for the first
	// data page, twice for the first access that crosses into the second (which
	// translates both pages), then never again (11 calls without the reuse).
	memcpy(data, ref, 2 * CPU_PAGE_SIZE);
	struct cpu_exec *x = cpu_exec_new(NULL);
	reset(&e, init);
	map_calls = 0;
	assert_int_equal(cpu_run(x, &e.c, &e.m, 1000), CPU_EXIT_HLT);
	assert_int_equal(map_calls, 4);
	cpu_exec_free(x);
	assert_int_equal(compare(&e, init, "misaligned", 0), CPU_EXIT_HLT);

	// mov eax, [CODE] (translates the code page for data); mov [next + 1], eax with
	// next's bytes changed (misaligned, into the running block): the block ends there.
	n = 0;
	p[n++] = 0x8b;
	p[n++] = 0x05;
	n += put32(p + n, CODE + 32);
	p[n++] = 0xb8;
	n += put32(p + n, 0x41414141u); // mov eax, 0x41414141
	p[n++] = 0x89;
	p[n++] = 0x05;
	n += put32(p + n, (uint32_t)(CODE + n + 4 + 1)); // mov [next + 1], eax
	p[n++] = 0x90;                 // nop, then 4 NOPs that become 4 INC ECX
	n += put32(p + n, 0x90909090u);
	p[n++] = 0xf4;
	x = cpu_exec_new(NULL);
	reset(&e, init);
	assert_int_equal(cpu_run(x, &e.c, &e.m, 1000), CPU_EXIT_HLT);
	assert_int_equal(e.c.r[CPU_ECX], 4);
	assert_true(cpu_exec_stats(x)->smc_exits >= 1);
	cpu_exec_free(x);
	assert_int_equal(compare(&e, init, "misaligned smc", 0), CPU_EXIT_HLT);
	free(ref);
	free(want);
	free(e.mem);
}

// Attention raised in the middle of a block (exec.c, ATTN_SYNC): a store that rewrites
// an already decoded block the running one links to directly (a JMP) must end the
// chain there, so that the new bytes run; RDTSC after such a store reads the true
// cycle count. A loop of 6: A: mov eax, V; mov esi, S; cmp ebx, 1; cmove esi, eax;
// mov [B + 1], esi (or add [B + 1], esi: read-modify-write); [rdtsc; mov edi, eax];
// jmp B; B: mov ecx, 0x100; dec ebx; jnz A; hlt. The stores change B only in the last
// round, when A links to B: ECX must be the new immediate.
static void test_attention(void **state)
{
	(void)state;
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	for (int k = 0; k < 3; k++) {
		uint8_t *p = e.mem + (CODE - BASE);
		size_t n = 0, at;
		p[n++] = 0xb8; // mov eax, V
		n += put32(p + n, k == 1 ? 1 : 0x46);
		p[n++] = 0xbe; // mov esi, S
		n += put32(p + n, k == 1 ? 0 : 0x100);
		p[n++] = 0x83;
		p[n++] = 0xfb;
		p[n++] = 1; // cmp ebx, 1
		p[n++] = 0x0f;
		p[n++] = 0x44;
		p[n++] = 0xf0; // cmove esi, eax
		p[n++] = k == 1 ? 0x01 : 0x89;
		p[n++] = 0x35; // add [B + 1], esi / mov [B + 1], esi
		at = n;
		n += 4;
		if (k == 2) {
			p[n++] = 0x0f;
			p[n++] = 0x31; // rdtsc
			p[n++] = 0x89;
			p[n++] = 0xc7; // mov edi, eax
		}
		p[n++] = 0xeb;
		p[n++] = 0; // jmp B (the next instruction, another block)
		uint32_t b = CODE + (uint32_t)n;
		put32(p + at, b + 1);
		p[n++] = 0xb9; // B: mov ecx, 0x100
		n += put32(p + n, 0x100);
		p[n++] = 0x4b; // dec ebx
		p[n++] = 0x75;
		p[n] = (uint8_t)(0 - (n + 1)); // jnz A
		n++;
		p[n++] = 0xf4;
		uint32_t init[8] = { 0, 0, 0, 6, 0, 0, 0, 0 };
		assert_int_equal(compare(&e, init, "attention", k), CPU_EXIT_HLT);
		assert_int_equal(e.c.r[CPU_ECX], k == 1 ? 0x101 : 0x46);
	}
	free(e.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops_keep_flags),
		cmocka_unit_test(test_specialised_forms),
		cmocka_unit_test(test_directed),
		cmocka_unit_test(test_random_mem_blocks),
		cmocka_unit_test(test_misaligned),
		cmocka_unit_test(test_attention),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
