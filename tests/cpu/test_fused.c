// SPDX-License-Identifier: MIT
// The specialised and fused handlers (exec.c, exec_select; issue 16): a Jcc per
// condition code and a 32-bit CMP or TEST fused with the Jcc after it. For every
// condition code, after CMP r32,r32, CMP r32,imm, TEST r32,r32 (fused) and after ADD,
// SUB, 8-bit CMP, INC, DEC, SHL, ROL and IMUL (the Jcc alone), on edge values: the
// branch goes where the flags say (the flags as cpu_get_eflags computes them, read
// with the SDM's table of conditions, not with the interpreter's own), and cpu_run
// (fused, one block) and cpu_step (one instruction at a time, nothing fused) end with
// the same registers, flags, cycles and instruction count.
// Guest memory: 4 flat pages from 0x10000; code at CODE, stack at the top.
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

// The SDM's conditions (Jcc, "Jump if Condition Is Met"), from EFLAGS.
static int sdm_cond(uint32_t f, int cc)
{
	int cf = !!(f & CPU_CF), zf = !!(f & CPU_ZF), sf = !!(f & CPU_SF);
	int of = !!(f & CPU_OF), pf = !!(f & CPU_PF), r;
	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return r ^ (cc & 1);
}

// The flag-setting instructions before the Jcc: op(EAX, EBX) or op(EAX, imm).
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
	      S_COUNT };

static size_t emit_setter(uint8_t *p, enum setter s, uint32_t imm)
{
	size_t n = 0;
	switch (s) {
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_conditions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
