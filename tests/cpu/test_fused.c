// SPDX-License-Identifier: MIT
// The specialised and fused handlers (exec.c, exec_select; issue 16): a Jcc per
// condition code and a 32-bit CMP or TEST fused with the Jcc after it. For every
// condition code, after CMP r32,r32, CMP r32,imm, TEST r32,r32 (fused) and after ADD,
// SUB, SHL, ROL and IMUL (the Jcc alone), after CMP and TEST of 8 bits, CMP with a memory
// operand of 8 and 32 bits, INC and DEC (fused too), on edge values: the
// branch goes where the flags say (the flags as cpu_get_eflags computes them, read
// with the SDM's table of conditions, not with the interpreter's own), and cpu_run
// (fused, one block) and cpu_step (one instruction at a time, nothing fused) end with
// the same registers, flags, cycles and instruction count. Random blocks check the same
// for the ops whose flags are dead (test_random_blocks).
// Guest memory: 4 flat pages from 0x10000; code at CODE, stack at the top.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "sdm.h"

#define BASE 0x10000u
#define NPAGES 4u
#define CODE 0x10100u

struct env {
	struct cpu_exec *x;
	uint8_t *mem;
	struct cpu c;
	struct cpu_mem m;
};

static int map(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi)
{
	struct env *e = ctx;
	(void)acc;
	if (addr < BASE || addr >= BASE + NPAGES * CPU_PAGE_SIZE)
		return -1;
	pi->host = e->mem + ((addr - BASE) & CPU_PAGE_MASK);
	pi->writable = true;
	return 0;
}

// The flag-setting instructions before the Jcc: op(EAX, EBX) or op(EAX, imm); the
// memory forms compare with a copy of EBX (or EAX, for the memory destination forms)
// stored at MEMOP first.
enum setter { S_CMPRR,
	      S_CMPRI,
	      S_TESTRR,
	      S_ADD,
	      S_SUB,
	      S_CMP8,
	      S_INC,
	      S_DEC,
	      S_SHL,
	      S_ROL,
	      S_IMUL,
	      S_CMP8RI,
	      S_TEST8,
	      S_CMP8RM,
	      S_CMP8MR,
	      S_CMP8MI,
	      S_CMPRM,
	      S_CMPMR,
	      S_CMPMI,
	      S_COUNT };

#define MEMOP 0x12000u

// mov [MEMOP], r32 (reg 0: EAX, 3: EBX), then op with a [MEMOP] operand (disp32).
static size_t emit_mem(uint8_t *p, unsigned reg, uint8_t op, uint8_t modrm_reg)
{
	size_t n = 0;
	uint32_t a = MEMOP;
	p[n++] = 0x89;
	p[n++] = (uint8_t)(0x05 | reg << 3);
	memcpy(p + n, &a, 4);
	n += 4;
	p[n++] = op;
	p[n++] = (uint8_t)(0x05 | modrm_reg << 3);
	memcpy(p + n, &a, 4);
	return n + 4;
}

static size_t emit_setter(uint8_t *p, enum setter s, uint32_t imm)
{
	size_t n = 0;
	switch (s) {
	case S_CMP8RI: // cmp al, imm8
		p[n++] = 0x80;
		p[n++] = 0xf8;
		p[n++] = (uint8_t)imm;
		break;
	case S_TEST8: // test al, bl
		p[n++] = 0x84;
		p[n++] = 0xd8;
		break;
	// cmp al, [m]; cmp [m], bl; cmp byte [m], imm8
	case S_CMP8RM: return emit_mem(p, 3, 0x3a, 0);
	case S_CMP8MR: return emit_mem(p, 0, 0x38, 3);
	case S_CMP8MI:
		n = emit_mem(p, 0, 0x80, 7);
		p[n++] = (uint8_t)imm;
		break;
	// cmp eax, [m]; cmp [m], ebx; cmp dword [m], imm32
	case S_CMPRM: return emit_mem(p, 3, 0x3b, 0);
	case S_CMPMR: return emit_mem(p, 0, 0x39, 3);
	case S_CMPMI:
		n = emit_mem(p, 0, 0x81, 7);
		memcpy(p + n, &imm, 4);
		n += 4;
		break;
	case S_CMPRR:
		p[n++] = 0x39;
		p[n++] = 0xd8;
		break; // cmp eax, ebx
	case S_CMPRI: // cmp eax, imm32 (3d) or imm8 (83 /7) when it fits
		if ((uint32_t)(int32_t)(int8_t)imm == imm) {
			p[n++] = 0x83;
			p[n++] = 0xf8;
			p[n++] = (uint8_t)imm;
		} else {
			p[n++] = 0x3d;
			memcpy(p + n, &imm, 4);
			n += 4;
		}
		break;
	case S_TESTRR:
		p[n++] = 0x85;
		p[n++] = 0xd8;
		break; // test eax, ebx
	case S_ADD:
		p[n++] = 0x01;
		p[n++] = 0xd8;
		break;    // add eax, ebx
	case S_SUB:
		p[n++] = 0x29;
		p[n++] = 0xd8;
		break;    // sub eax, ebx
	case S_CMP8:
		p[n++] = 0x38;
		p[n++] = 0xd8;
		break;   // cmp al, bl
	case S_INC: p[n++] = 0x40; break;                   // inc eax
	case S_DEC: p[n++] = 0x48; break;                   // dec eax
	case S_SHL:
		p[n++] = 0xc1;
		p[n++] = 0xe0;
		p[n++] = 3;
		break; // shl eax, 3
	case S_ROL:
		p[n++] = 0xc1;
		p[n++] = 0xc0;
		p[n++] = 5;
		break; // rol eax, 5
	case S_IMUL:
		p[n++] = 0x0f;
		p[n++] = 0xaf;
		p[n++] = 0xc3;
		break; // imul eax, ebx
	default: break;
	}
	return n;
}

// stc (so that INC/DEC keep a known CF); setter; jcc +5 (short, or near when `near`);
// mov ecx, 1; hlt. ECX = 0 before: ECX tells whether the branch was taken.
static void emit(struct env *e, enum setter s, int cc, uint32_t imm, bool near)
{
	uint8_t *p = e->mem + (CODE - BASE);
	size_t n = 0;
	p[n++] = 0xf9;
	n += emit_setter(p + n, s, imm);
	if (near) {
		p[n++] = 0x0f;
		p[n++] = (uint8_t)(0x80 + cc);
		uint32_t rel = 5;
		memcpy(p + n, &rel, 4);
		n += 4;
	} else {
		p[n++] = (uint8_t)(0x70 + cc);
		p[n++] = 5;
	}
	p[n++] = 0xb9;
	p[n++] = 1;
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = 0xf4;
}

static void start(struct env *e, uint32_t a, uint32_t b)
{
	cpu_reset(&e->c, CODE, BASE + NPAGES * CPU_PAGE_SIZE - 16);
	e->c.r[CPU_EAX] = a;
	e->c.r[CPU_EBX] = b;
}

static void run_one(struct env *e, enum setter s, int cc, uint32_t a, uint32_t b, bool near)
{
	emit(e, s, cc, b, near);
	// Fused (or specialised) handlers in one block.
	struct cpu_exec *xf = cpu_exec_new(NULL);
	start(e, a, b);
	assert_int_equal(cpu_run(xf, &e->c, &e->m, 1000), CPU_EXIT_HLT);
	struct cpu fused = e->c;
	cpu_exec_free(xf);
	// One instruction at a time: no entry has a next one to fuse with.
	struct cpu_exec *xs = cpu_exec_new(NULL);
	start(e, a, b);
	enum cpu_exit why;
	for (int i = 0; i < 10 && (why = cpu_step(xs, &e->c, &e->m)) == CPU_EXIT_STEP; i++)
		;
	assert_int_equal(why, CPU_EXIT_HLT);
	cpu_exec_free(xs);
	uint32_t f = cpu_get_eflags(&fused);
	if (memcmp(fused.r, e->c.r, sizeof fused.r) || f != cpu_get_eflags(&e->c) ||
	    fused.eip != e->c.eip || fused.cycles != e->c.cycles ||
	    fused.retired != e->c.retired || fused.r[CPU_ECX] != (uint32_t)!sdm_cond(f, cc))
		fail_msg("setter %d cc %d a %#x b %#x near %d: run ecx %u eflags %#x cycles %llu "
			 "retired %llu; step ecx %u eflags %#x cycles %llu retired %llu; SDM "
			 "says taken %d",
			 (int)s, cc, a, b, near, fused.r[CPU_ECX], f,
			 (unsigned long long)fused.cycles, (unsigned long long)fused.retired,
			 e->c.r[CPU_ECX], cpu_get_eflags(&e->c), (unsigned long long)e->c.cycles,
			 (unsigned long long)e->c.retired, sdm_cond(f, cc));
}

static const uint32_t vals[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000,
				 0x80000001, 0xfffffffe, 0xffffffff, 0x12345678 };
#define NV (sizeof vals / sizeof vals[0])

static void test_all_conditions(void **state)
{
	(void)state;
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	for (int s = 0; s < S_COUNT; s++)
		for (int cc = 0; cc < 16; cc++)
			for (size_t i = 0; i < NV; i++)
				for (size_t j = 0; j < NV; j++)
					run_one(&e, (enum setter)s, cc, vals[i], vals[j], (i + j) & 1);
	free(e.mem);
}

// Random blocks of register instructions (ALU ops of three sizes, ADC SBB, shifts and
// rotates by 0..31 and by CL, MOV LEA NOT NEG INC DEC IMUL, SETcc CMOVcc, CLC STC CMC
// LAHF SAHF, PUSH/POP, a Jcc to the next instruction), seeded, ending in HLT: cpu_run
// (fused handlers, ops whose flags are dead left without them) and cpu_step end with
// the same registers and the same raw eflags and lazy-flag record (checkpoints save
// them as they are), cycles and instruction count.
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static unsigned rreg(uint32_t *s)
{
	unsigned r = rnd(s) % 7; // not ESP
	return r >= CPU_ESP ? r + 1 : r;
}

static unsigned shift_op(uint32_t *s)
{
	unsigned r = rnd(s) % 7;
	return r == 6 ? 7 : r;
}

static size_t emit_random(uint8_t *p, uint32_t *s)
{
	static const uint8_t alu[] = { 0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x39, 0x85 };
	unsigned a = rreg(s), b = rreg(s), k = rnd(s) % 24;
	uint8_t rr = (uint8_t)(0xc0 | b << 3 | a);
	size_t n = 0;
	switch (k) {
	case 0:
	case 1:
	case 2:
	case 3:
		p[n++] = alu[rnd(s) % 9];
		p[n++] = rr;
		break;
	case 4:
		p[n++] = (uint8_t)(alu[rnd(s) % 8] - 1);
		p[n++] = rr;
		break; // 8-bit
	case 5:
		p[n++] = 0x66;
		p[n++] = alu[rnd(s) % 9];
		p[n++] = rr;
		break;  // 16-bit
	case 6:
	case 7: // ALU r32, imm8 / imm32
		p[n++] = 0x83;
		p[n++] = (uint8_t)(0xc0 | (rnd(s) % 8) << 3 | a);
		p[n++] = (uint8_t)rnd(s);
		break;
	case 8: {
		uint32_t imm = rnd(s);
		p[n++] = 0x81;
		p[n++] = (uint8_t)(0xc0 | (rnd(s) % 8) << 3 | a);
		memcpy(p + n, &imm, 4);
		n += 4;
		break;
	}
	case 9:
	case 10: // shifts and rotates by an immediate (0..31), by 1, by CL (no /6: #UD)
		p[n++] = 0xc1;
		p[n++] = (uint8_t)(0xc0 | shift_op(s) << 3 | a);
		p[n++] = (uint8_t)(rnd(s) % 32);
		break;
	case 11:
		p[n++] = (rnd(s) & 1) ? 0xd1 : 0xd3;
		p[n++] = (uint8_t)(0xc0 | shift_op(s) << 3 | a);
		break;
	case 12:
		p[n++] = 0x89;
		p[n++] = rr;
		break;
	case 13:
		p[n++] = (uint8_t)(0xb8 + a);
		for (int i = 0; i < 4; i++)
			p[n++] = (uint8_t)rnd(s);
		break;
	case 14: // lea a, [b + disp8] (b != ESP: no SIB)
		p[n++] = 0x8d;
		p[n++] = (uint8_t)(0x40 | a << 3 | b);
		p[n++] = (uint8_t)rnd(s);
		break;
	case 15:
		p[n++] = 0xf7;
		p[n++] = (uint8_t)(0xd0 | (rnd(s) % 2) << 3 | a);
		break; // NOT NEG
	case 16: p[n++] = (uint8_t)((rnd(s) & 1 ? 0x40 : 0x48) + a); break;               // INC DEC
	case 17:
		p[n++] = 0x0f;
		p[n++] = 0xaf;
		p[n++] = rr;
		break;   // IMUL
	case 18:
		p[n++] = 0x0f;
		p[n++] = (uint8_t)(0x90 + rnd(s) % 16);
		p[n++] = (uint8_t)(0xc0 | a);
		break;
	case 19:
		p[n++] = 0x0f;
		p[n++] = (uint8_t)(0x40 + rnd(s) % 16);
		p[n++] = rr;
		break;
	case 20: {
		static const uint8_t f[] = { 0xf8, 0xf9, 0xf5, 0x9f, 0x9e };
		p[n++] = f[rnd(s) % 5];
		break;
	}
	case 21:
		p[n++] = (uint8_t)(0x50 + a);
		p[n++] = (uint8_t)(0x58 + b);
		break;   // PUSH POP
	case 22:
		p[n++] = (uint8_t)(0x70 + rnd(s) % 16);
		p[n++] = 0;
		break;        // Jcc +0
	default: p[n++] = 0x90; break;
	}
	return n;
}

static void test_random_blocks(void **state)
{
	(void)state;
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	uint32_t seed = 0x5eed1601u;
	for (int prog = 0; prog < 3000; prog++) {
		uint8_t *p = e.mem + (CODE - BASE);
		size_t n = 0;
		int len = 1 + (int)(rnd(&seed) % 40);
		for (int i = 0; i < len; i++)
			n += emit_random(p + n, &seed);
		p[n++] = 0xf4;
		uint32_t init[8];
		for (int i = 0; i < 8; i++)
			init[i] = (rnd(&seed) & 1) ? rnd(&seed) : rnd(&seed) % 4;
		struct cpu_exec *xr = cpu_exec_new(NULL), *xs = cpu_exec_new(NULL);
		cpu_reset(&e.c, CODE, BASE + 3 * CPU_PAGE_SIZE);
		memcpy(e.c.r, init, sizeof init);
		e.c.r[CPU_ESP] = BASE + 3 * CPU_PAGE_SIZE;
		enum cpu_exit rwhy = cpu_run(xr, &e.c, &e.m, 100000);
		if (rwhy != CPU_EXIT_HLT)
			fail_msg("program %d: exit %d, vector %d at %#x (byte %02x)", prog, (int)rwhy,
				 e.c.fault.vector, e.c.eip, p[e.c.eip - CODE]);
		struct cpu run = e.c;
		cpu_reset(&e.c, CODE, BASE + 3 * CPU_PAGE_SIZE);
		memcpy(e.c.r, init, sizeof init);
		e.c.r[CPU_ESP] = BASE + 3 * CPU_PAGE_SIZE;
		enum cpu_exit why = CPU_EXIT_STEP;
		for (int i = 0; i < 200 && why == CPU_EXIT_STEP; i++)
			why = cpu_step(xs, &e.c, &e.m);
		assert_int_equal(why, CPU_EXIT_HLT);
		cpu_exec_free(xr);
		cpu_exec_free(xs);
		if (memcmp(run.r, e.c.r, sizeof run.r) || run.eip != e.c.eip ||
		    run.eflags != e.c.eflags || run.lazy.op != e.c.lazy.op ||
		    run.lazy.res != e.c.lazy.res || run.lazy.a != e.c.lazy.a ||
		    run.lazy.b != e.c.lazy.b || run.cycles != e.c.cycles ||
		    run.retired != e.c.retired)
			fail_msg("program %d (%d instructions): run eflags %#x lazy %u/%#x/%#x/%#x, "
				 "step eflags %#x lazy %u/%#x/%#x/%#x",
				 prog, len, run.eflags, run.lazy.op, run.lazy.res, run.lazy.a,
				 run.lazy.b, e.c.eflags, e.c.lazy.op, e.c.lazy.res, e.c.lazy.a,
				 e.c.lazy.b);
	}
	free(e.mem);
}

// The fused pairs' edges: a store in the same block that rewrites the Jcc of a pair
// after it (the pair must not run with the old condition), and a compare whose load
// faults (EIP on the compare, nothing of the pair done). cpu_run against cpu_step,
// raw state included.
static void run_vs_step(struct env *e, uint32_t a, uint32_t b, const char *what)
{
	uint8_t save[64];
	memcpy(save, e->mem + (CODE - BASE), sizeof save);
	struct cpu_exec *xr = cpu_exec_new(NULL), *xs = cpu_exec_new(NULL);
	start(e, a, b);
	enum cpu_exit rwhy = cpu_run(xr, &e->c, &e->m, 1000);
	struct cpu run = e->c;
	memcpy(e->mem + (CODE - BASE), save, sizeof save);
	start(e, a, b);
	enum cpu_exit why = CPU_EXIT_STEP;
	for (int i = 0; i < 20 && why == CPU_EXIT_STEP; i++)
		why = cpu_step(xs, &e->c, &e->m);
	cpu_exec_free(xr);
	cpu_exec_free(xs);
	if (rwhy != why || memcmp(run.r, e->c.r, sizeof run.r) || run.eip != e->c.eip ||
	    run.eflags != e->c.eflags || run.lazy.op != e->c.lazy.op ||
	    run.lazy.res != e->c.lazy.res || run.lazy.a != e->c.lazy.a ||
	    run.lazy.b != e->c.lazy.b || run.cycles != e->c.cycles ||
	    run.retired != e->c.retired ||
	    (why == CPU_EXIT_FAULT && (run.fault.vector != e->c.fault.vector ||
				       run.fault.addr != e->c.fault.addr ||
				       run.fault.eip != e->c.fault.eip)))
		fail_msg("%s: run exit %d eip %#x ecx %u lazy %u retired %llu; step exit %d eip "
			 "%#x ecx %u lazy %u retired %llu",
			 what, (int)rwhy, run.eip, run.r[CPU_ECX], run.lazy.op,
			 (unsigned long long)run.retired, (int)why, e->c.eip, e->c.r[CPU_ECX],
			 e->c.lazy.op, (unsigned long long)e->c.retired);
}

static void test_fused_edges(void **state)
{
	(void)state;
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	for (enum setter s = S_CMPRR; s < S_COUNT; s++) {
		if (s == S_SHL || s == S_ROL || s == S_IMUL || s == S_ADD || s == S_SUB)
			continue; // not fused
		// mov byte [J], 0x74 (JE); setter; J: jne +5; mov ecx, 1; hlt. EAX = EBX:
		// the JE the store wrote is taken (ECX stays 0).
		for (int k = 0; k < 2; k++) {
			uint8_t *p = e.mem + (CODE - BASE);
			size_t n = 0;
			p[n++] = 0xc6;
			p[n++] = 0x05;
			size_t at = n;
			n += 4;
			p[n++] = 0x74;
			uint32_t v = k ? 0x80000000u : 5; // EAX, EBX and any immediate
			n += emit_setter(p + n, s, v);
			uint32_t j = CODE + (uint32_t)n;
			memcpy(p + at, &j, 4);
			p[n++] = 0x75;
			p[n++] = 5;
			p[n++] = 0xb9;
			p[n++] = 1;
			p[n++] = 0;
			p[n++] = 0;
			p[n++] = 0;
			p[n++] = 0xf4;
			run_vs_step(&e, v, v, "smc");
			if (s != S_INC && s != S_DEC && s != S_TESTRR && s != S_TEST8 &&
			    e.c.r[CPU_ECX] != 0) // the compares: equal
				fail_msg("setter %d: the rewritten JE was not taken", (int)s);
		}
	}
	// A fused compare whose load faults: cmp byte [0x5000], 1 / cmp eax, [0x5000]; jne.
	static const uint8_t faulting[][3] = {
		{ 0x80, 0x3d, 1 },
		{ 0x3b, 0x05, 0 },
		{ 0x38, 0x1d, 0 },
		{ 0x83, 0x3d, 1 },
	};
	for (size_t i = 0; i < sizeof faulting / sizeof faulting[0]; i++) {
		uint8_t *p = e.mem + (CODE - BASE);
		size_t n = 0;
		p[n++] = 0x39;
		p[n++] = 0xd8; // cmp eax, ebx: the record before
		p[n++] = faulting[i][0];
		p[n++] = faulting[i][1];
		uint32_t a = 0x5000;
		memcpy(p + n, &a, 4);
		n += 4;
		if (faulting[i][0] == 0x80 || faulting[i][0] == 0x83)
			p[n++] = faulting[i][2];
		p[n++] = 0x75;
		p[n++] = 0;
		p[n++] = 0xf4;
		run_vs_step(&e, 7, 9, "fault");
		assert_int_equal(e.c.fault.vector, CPU_VEC_PF);
		assert_int_equal(e.c.eip, CODE + 2);
		assert_int_equal(e.c.lazy.a, 7);
	}
	free(e.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_conditions),
		cmocka_unit_test(test_random_blocks),
		cmocka_unit_test(test_fused_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
