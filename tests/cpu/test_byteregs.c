// SPDX-License-Identifier: MIT
// Byte registers (issue 16, fifth pass): an entry's reg and rm as byte registers are
// addressed through byte offsets computed when its block is built (dinsn.r8 and rm8).
// Every 8-bit register form the run loop has a handler for, with each of AL CL DL BL
// AH CH DH BH as destination and as source (all 64 pairs), on registers whose bytes all
// differ: the registers after it (cpu_run, one block, and cpu_step) against a model of
// the register file written here from the SDM's byte-register encoding (0-3: AL CL DL
// BL, bits 0-7 of EAX..EBX; 4-7: AH CH DH BH, bits 8-15), and the branch of a compare
// fused with its Jcc against the compare done here.
// Guest memory: 4 flat pages from 0x10000; code at CODE, a data byte at MEMOP.
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
#define MEMOP 0x12000u

struct env {
	uint8_t *mem;
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

// The model: byte register n of register file r.
static uint32_t get8(const uint32_t *r, unsigned n)
{
	return (r[n & 3] >> (8 * (n >> 2))) & 0xff;
}

static void set8(uint32_t *r, unsigned n, uint32_t v)
{
	unsigned sh = 8 * (n >> 2);
	r[n & 3] = (r[n & 3] & ~(0xffu << sh)) | (v & 0xff) << sh;
}

// The forms: F(dst, src) with dst the ModRM reg or r/m register as the instruction
// names it first.
enum form { F_MOVRR, // mov r/m8, r8 (88)
	    F_MOVRR2, // mov r8, r/m8 (8a)
	    F_ADD,    // add r/m8, r8
	    F_SUB,    // sub r8, r/m8 (2a)
	    F_XOR,    // xor r/m8, r8
	    F_AND,    // and r/m8, r8
	    F_OR,     // or r8, r/m8 (0a)
	    F_ADDI,   // add r/m8, imm8 (80 /0)
	    F_XORI,   // xor r/m8, imm8 (80 /6)
	    F_MOVI,   // mov r8, imm8 (b0+r)
	    F_MOVZX,  // movzx r32, r/m8 (the destination is register a of 32 bits)
	    F_MOVSX,  // movsx r32, r/m8
	    F_XCHG,   // xchg r/m8, r8
	    F_INC,    // inc r/m8
	    F_DEC,    // dec r/m8
	    F_NOT,    // not r/m8
	    F_NEG,    // neg r/m8
	    F_SHL,    // shl r/m8, 3
	    F_SETB,   // setb r/m8 (after cmp dst, src)
	    F_LOAD,   // mov r8, [MEMOP]
	    F_STORE,  // mov [MEMOP], r8; then movzx edi, byte [MEMOP]
	    F_ADDM,   // add r8, [MEMOP]
	    F_CMPJ,   // cmp r/m8, r8; jb (fused)
	    F_CMPJL,  // cmp r8, r/m8 (3a); jl (fused)
	    F_CMPIJ,  // cmp r/m8, imm8; je (fused)
	    F_TESTJ,  // test r/m8, r8; jne (fused)
	    F_CMPMJ,  // cmp r8, [MEMOP]; ja (fused)
	    F_COUNT };

#define IMM8 0x5a
#define MEMVAL 0xc3

// Emits the instruction(s) of form f for byte registers a (first operand) and b
// (second), then `mov esi, 1` after a Jcc that skips it when taken, and HLT.
static size_t emit(uint8_t *p, enum form f, unsigned a, unsigned b)
{
	size_t n = 0;
	uint32_t m = MEMOP;
	uint8_t rr = (uint8_t)(0xc0 | b << 3 | a); // r/m = a, reg = b
	uint8_t rr2 = (uint8_t)(0xc0 | a << 3 | b); // reg = a, r/m = b
	uint8_t mem_a = (uint8_t)(0x05 | a << 3);     // reg = a, [disp32]
	int jcc = -1;
	switch (f) {
	case F_MOVRR:
		p[n++] = 0x88;
		p[n++] = rr;
		break;
	case F_MOVRR2:
		p[n++] = 0x8a;
		p[n++] = rr2;
		break;
	case F_ADD:
		p[n++] = 0x00;
		p[n++] = rr;
		break;
	case F_SUB:
		p[n++] = 0x2a;
		p[n++] = rr2;
		break;
	case F_XOR:
		p[n++] = 0x30;
		p[n++] = rr;
		break;
	case F_AND:
		p[n++] = 0x20;
		p[n++] = rr;
		break;
	case F_OR:
		p[n++] = 0x0a;
		p[n++] = rr2;
		break;
	case F_ADDI:
		p[n++] = 0x80;
		p[n++] = (uint8_t)(0xc0 | a);
		p[n++] = IMM8;
		break;
	case F_XORI:
		p[n++] = 0x80;
		p[n++] = (uint8_t)(0xf0 | a);
		p[n++] = IMM8;
		break;
	case F_MOVI:
		p[n++] = (uint8_t)(0xb0 + a);
		p[n++] = IMM8;
		break;
	case F_MOVZX:
		p[n++] = 0x0f;
		p[n++] = 0xb6;
		p[n++] = rr2;
		break;
	case F_MOVSX:
		p[n++] = 0x0f;
		p[n++] = 0xbe;
		p[n++] = rr2;
		break;
	case F_XCHG:
		p[n++] = 0x86;
		p[n++] = rr;
		break;
	case F_INC:
		p[n++] = 0xfe;
		p[n++] = (uint8_t)(0xc0 | a);
		break;
	case F_DEC:
		p[n++] = 0xfe;
		p[n++] = (uint8_t)(0xc8 | a);
		break;
	case F_NOT:
		p[n++] = 0xf6;
		p[n++] = (uint8_t)(0xd0 | a);
		break;
	case F_NEG:
		p[n++] = 0xf6;
		p[n++] = (uint8_t)(0xd8 | a);
		break;
	case F_SHL:
		p[n++] = 0xc0;
		p[n++] = (uint8_t)(0xe0 | a);
		p[n++] = 3;
		break;
	case F_SETB:
		p[n++] = 0x38; // cmp a, b
		p[n++] = rr;
		p[n++] = 0x0f;
		p[n++] = 0x92;
		p[n++] = (uint8_t)(0xc0 | a);
		break;
	case F_LOAD:
	case F_STORE:
	case F_ADDM:
	case F_CMPMJ:
		p[n++] = f == F_LOAD ? 0x8a : f == F_STORE ? 0x88
				      : f == F_ADDM        ? 0x02
							   : 0x3a;
		p[n++] = mem_a;
		memcpy(p + n, &m, 4);
		n += 4;
		if (f == F_STORE) { // movzx edi, byte [MEMOP]
			p[n++] = 0x0f;
			p[n++] = 0xb6;
			p[n++] = 0x3d;
			memcpy(p + n, &m, 4);
			n += 4;
		}
		if (f == F_CMPMJ)
			jcc = 7; // ja
		break;
	case F_CMPJ:
		p[n++] = 0x38;
		p[n++] = rr;
		jcc = 2;
		break;   // jb
	case F_CMPJL:
		p[n++] = 0x3a;
		p[n++] = rr2;
		jcc = 12;
		break; // jl
	case F_CMPIJ:
		p[n++] = 0x80;
		p[n++] = (uint8_t)(0xf8 | a);
		p[n++] = IMM8;
		jcc = 4; // je
		break;
	case F_TESTJ:
		p[n++] = 0x84;
		p[n++] = rr;
		jcc = 5;
		break; // jne
	default: break;
	}
	if (jcc >= 0) {
		p[n++] = (uint8_t)(0x70 + jcc);
		p[n++] = 5;
		p[n++] = 0xbe; // mov esi, 1
		p[n++] = 1;
		p[n++] = 0;
		p[n++] = 0;
		p[n++] = 0;
	}
	p[n++] = 0xf4;
	return n;
}

// The registers after form f from r (the model; flags are not modelled here, but the
// branches of the fused compares are, in ESI: 1 when not taken).
static void model(uint32_t *r, enum form f, unsigned a, unsigned b)
{
	uint32_t x = get8(r, a), y = get8(r, b), t;
	switch (f) {
	case F_MOVRR: set8(r, a, y); break;
	case F_MOVRR2: set8(r, a, y); break;
	case F_ADD: set8(r, a, x + y); break;
	case F_SUB: set8(r, a, x - y); break;
	case F_XOR: set8(r, a, x ^ y); break;
	case F_AND: set8(r, a, x & y); break;
	case F_OR: set8(r, a, x | y); break;
	case F_ADDI: set8(r, a, x + IMM8); break;
	case F_XORI: set8(r, a, x ^ IMM8); break;
	case F_MOVI: set8(r, a, IMM8); break;
	case F_MOVZX: r[a] = y; break;
	case F_MOVSX: r[a] = (uint32_t)(int32_t)(int8_t)y; break;
	case F_XCHG:
		t = x;
		set8(r, a, y);
		set8(r, b, t); // after the first write: b may share a's register
		break;
	case F_INC: set8(r, a, x + 1); break;
	case F_DEC: set8(r, a, x - 1); break;
	case F_NOT: set8(r, a, ~x); break;
	case F_NEG: set8(r, a, 0 - x); break;
	case F_SHL: set8(r, a, x << 3); break;
	case F_SETB: set8(r, a, x < y); break;
	case F_LOAD: set8(r, a, MEMVAL); break;
	case F_STORE: r[7] = x; break;
	case F_ADDM: set8(r, a, x + MEMVAL); break;
	case F_CMPJ: r[6] = !(x < y); break;
	case F_CMPJL: r[6] = !((int8_t)x < (int8_t)y); break;
	case F_CMPIJ: r[6] = !(x == IMM8); break;
	case F_TESTJ: r[6] = !((x & y) != 0); break;
	case F_CMPMJ: r[6] = !(x > MEMVAL); break;
	default: break;
	}
}

static void start(struct cpu *c, const uint32_t *r0)
{
	cpu_reset(c, CODE, BASE + NPAGES * CPU_PAGE_SIZE - 16);
	for (int i = 0; i < 8; i++)
		if (i != CPU_ESP)
			c->r[i] = r0[i];
}

static void check_one(struct env *e, enum form f, unsigned a, unsigned b, const uint32_t *r0)
{
	size_t len = emit(e->mem + (CODE - BASE), f, a, b);
	e->mem[MEMOP - BASE] = MEMVAL;
	uint32_t want[8];
	memcpy(want, r0, sizeof want);
	want[CPU_ESP] = BASE + NPAGES * CPU_PAGE_SIZE - 16;
	model(want, f, a, b);

	struct cpu run, step;
	struct cpu_exec *x = cpu_exec_new(NULL);
	start(&run, r0);
	assert_int_equal(cpu_run(x, &run, &e->m, 1000), CPU_EXIT_HLT);
	cpu_exec_free(x);
	e->mem[MEMOP - BASE] = MEMVAL;
	x = cpu_exec_new(NULL);
	start(&step, r0);
	enum cpu_exit why;
	for (int i = 0; i < 10 && (why = cpu_step(x, &step, &e->m)) == CPU_EXIT_STEP; i++)
		;
	assert_int_equal(why, CPU_EXIT_HLT);
	cpu_exec_free(x);
	if (memcmp(run.r, want, sizeof want) || memcmp(step.r, want, sizeof want) ||
	    cpu_get_eflags(&run) != cpu_get_eflags(&step) || run.cycles != step.cycles ||
	    run.retired != step.retired)
		fail_msg("form %d a %u b %u (%zu bytes): run eax %#x ecx %#x edx %#x ebx %#x esi "
			 "%#x edi %#x; step eax %#x ecx %#x edx %#x ebx %#x; want eax %#x ecx "
			 "%#x edx %#x ebx %#x esi %#x edi %#x",
			 (int)f, a, b, len, run.r[0], run.r[1], run.r[2], run.r[3], run.r[6],
			 run.r[7], step.r[0], step.r[1], step.r[2], step.r[3], want[0], want[1],
			 want[2], want[3], want[6], want[7]);
}

static void test_all_pairs(void **state)
{
	(void)state;
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	// Every byte of EAX..EBX different, some equal to the immediate or the memory
	// byte in a later set, signs of both kinds.
	static const uint32_t sets[][8] = {
		{ 0x84838281, 0x88878685, 0x8c8b8a89, 0x900f8e8d, 0, 0, 0, 0 },
		{ 0x11f27fa3, 0x5a0180c3, 0xc35affee, 0x7e00915a, 0, 0, 0, 0 },
		{ 0x01020304, 0xfffefdfc, 0x7f80c35a, 0x00ff5a01, 0, 0, 0, 0 },
	};
	for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
		for (int f = 0; f < F_COUNT; f++)
			for (unsigned a = 0; a < 8; a++)
				for (unsigned b = 0; b < 8; b++)
					check_one(&e, (enum form)f, a, b, sets[s]);
	free(e.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
