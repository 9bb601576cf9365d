// SPDX-License-Identifier: MIT
// The flag readers' inline paths (issue 16, fifth pass): the instructions that keep
// some flags and replace others (BSF BSR BT ROL/ROR by CL and by an immediate, CLC STC
// CMC, INC and DEC, which keep CF), and the conditions of SETcc and CMOVcc, after each
// kind of lazy record (ADD SUB CMP AND OR XOR TEST NEG INC DEC IMUL MUL, SHL SHR SAR
// by an immediate and by CL, of 32 bits and some of 8 and 16) and after none (eflags
// alone, after BSF). Each pair runs twice from the same registers: directly
// (`setter; reader`) and with PUSHFD/POPFD between them, which folds the setter's
// flags into EFLAGS through flags.c (cpu_get_eflags) before the reader sees them. Both
// must end with the same registers and flags; and each SETcc must give what the SDM's
// table of conditions says for the flags PUSHFD saved after the setter. And SHLD and
// SHRD by an immediate (a handler of their own) against the same by CL.
// Guest memory: 4 flat pages from 0x10000; code at CODE, a dword at MEMOP.
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
#define MEMOP 0x12000u
#define STACK (BASE + NPAGES * CPU_PAGE_SIZE - 64)

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

// The setters: op(EAX, EBX), or on EAX alone; ECX holds a shift count.
static const uint8_t setters[][4] = {
	{ 2, 0x01, 0xd8 },       // add eax, ebx
	{ 2, 0x29, 0xd8 },       // sub eax, ebx
	{ 2, 0x39, 0xd8 },       // cmp eax, ebx
	{ 2, 0x21, 0xd8 },       // and eax, ebx
	{ 2, 0x09, 0xd8 },       // or eax, ebx
	{ 2, 0x31, 0xd8 },       // xor eax, ebx
	{ 2, 0x85, 0xd8 },       // test eax, ebx
	{ 2, 0xf7, 0xd8 },       // neg eax
	{ 1, 0x40 },             // inc eax
	{ 1, 0x48 },             // dec eax
	{ 3, 0x0f, 0xaf, 0xc3 }, // imul eax, ebx
	{ 2, 0xf7, 0xe3 },       // mul ebx
	{ 3, 0xc1, 0xe0, 1 },    // shl eax, 1
	{ 3, 0xc1, 0xe0, 31 },   // shl eax, 31
	{ 3, 0xc1, 0xe8, 1 },    // shr eax, 1
	{ 3, 0xc1, 0xe8, 7 },    // shr eax, 7
	{ 3, 0xc1, 0xf8, 1 },    // sar eax, 1
	{ 3, 0xc1, 0xf8, 31 },   // sar eax, 31
	{ 2, 0xd3, 0xe0 },       // shl eax, cl
	{ 2, 0xd3, 0xe8 },       // shr eax, cl
	{ 2, 0xd3, 0xf8 },       // sar eax, cl
	{ 2, 0x00, 0xd8 },       // add al, bl
	{ 2, 0x28, 0xd8 },       // sub al, bl
	{ 2, 0x30, 0xe0 },       // xor al, ah
	{ 3, 0x66, 0x01, 0xd8 }, // add ax, bx
	{ 2, 0xf6, 0xd8 },       // neg al
	{ 3, 0x0f, 0xbc, 0xd0 }, // bsf edx, eax: no lazy record, ZF in eflags
};
#define NSET (sizeof setters / sizeof setters[0])

// The readers (after the setter): they keep some flags and replace others, or read
// them. Registers EDX ESI EDI and [MEMOP] receive their results; ECX is the count.
enum reader { R_BSF, // bsf edx, eax
	      R_BSR,     // bsr esi, ebx
	      R_BT,      // bt eax, 3
	      R_ROLCL,   // rol edx, cl
	      R_RORCL,   // ror edx, cl
	      R_ROLI,    // rol edx, 5
	      R_RORI,    // ror edx, 9
	      R_CLC,
	      R_STC,
	      R_CMC,
	      R_INC,  // inc edi (keeps CF)
	      R_DEC,  // dec edi
	      R_INCM, // inc dword [MEMOP]
	      R_ADC,  // adc esi, ebx (reads CF)
	      R_LAHF,
	      R_SETCC, // setcc dl, for cc = 0..15
	      R_CMOV = R_SETCC + 16, // cmovcc esi, ebx, for cc = 0..15
	      R_COUNT = R_CMOV + 16 };

static size_t emit_reader(uint8_t *p, int r)
{
	size_t n = 0;
	uint32_t m = MEMOP;
	if (r >= R_CMOV) {
		p[n++] = 0x0f;
		p[n++] = (uint8_t)(0x40 + r - R_CMOV);
		p[n++] = 0xf3;
		return n;
	}
	if (r >= R_SETCC) {
		p[n++] = 0x0f;
		p[n++] = (uint8_t)(0x90 + r - R_SETCC);
		p[n++] = 0xc2;
		return n;
	}
	switch (r) {
	case R_BSF:
		p[n++] = 0x0f;
		p[n++] = 0xbc;
		p[n++] = 0xd0;
		break;
	case R_BSR:
		p[n++] = 0x0f;
		p[n++] = 0xbd;
		p[n++] = 0xf3;
		break;
	case R_BT:
		p[n++] = 0x0f;
		p[n++] = 0xba;
		p[n++] = 0xe0;
		p[n++] = 3;
		break;
	case R_ROLCL:
		p[n++] = 0xd3;
		p[n++] = 0xc2;
		break;
	case R_RORCL:
		p[n++] = 0xd3;
		p[n++] = 0xca;
		break;
	case R_ROLI:
		p[n++] = 0xc1;
		p[n++] = 0xc2;
		p[n++] = 5;
		break;
	case R_RORI:
		p[n++] = 0xc1;
		p[n++] = 0xca;
		p[n++] = 9;
		break;
	case R_CLC: p[n++] = 0xf8; break;
	case R_STC: p[n++] = 0xf9; break;
	case R_CMC: p[n++] = 0xf5; break;
	case R_INC: p[n++] = 0x47; break;
	case R_DEC: p[n++] = 0x4f; break;
	case R_INCM:
		p[n++] = 0xff;
		p[n++] = 0x05;
		memcpy(p + n, &m, 4);
		n += 4;
		break;
	case R_ADC:
		p[n++] = 0x11;
		p[n++] = 0xde;
		break;
	default: p[n++] = 0x9f; break; // LAHF
	}
	return n;
}

// setter; [pushfd; popfd;] reader; pushfd; hlt. The saved flags are at [ESP] after.
static void emit(uint8_t *p, size_t s, int r, bool fold)
{
	size_t n = 0;
	memcpy(p + n, &setters[s][1], setters[s][0]);
	n += setters[s][0];
	if (fold) {
		p[n++] = 0x9c; // pushfd
		p[n++] = 0x9d; // popfd
	}
	n += emit_reader(p + n, r);
	p[n++] = 0x9c;
	p[n++] = 0xf4;
}

struct result {
	uint32_t r[8], flags, mem;
};

static void run(struct env *e, size_t s, int r, bool fold, uint32_t a, uint32_t b,
		struct result *out)
{
	emit(e->mem + (CODE - BASE), s, r, fold);
	uint32_t m0 = 0x7fffffffu;
	memcpy(e->mem + (MEMOP - BASE), &m0, 4);
	struct cpu c;
	cpu_reset(&c, CODE, STACK);
	c.r[CPU_EAX] = a;
	c.r[CPU_EBX] = b;
	c.r[CPU_ECX] = (b & 31) ? b & 31 : 3;
	c.r[CPU_EDX] = 0x9abcdef0u;
	c.r[CPU_ESI] = 0x13579bdfu;
	c.r[CPU_EDI] = 0xffffffffu;
	struct cpu_exec *x = cpu_exec_new(NULL);
	assert_int_equal(cpu_run(x, &c, &e->m, 1000), CPU_EXIT_HLT);
	cpu_exec_free(x);
	memcpy(out->r, c.r, sizeof out->r);
	memcpy(&out->flags, e->mem + (STACK - 4 - BASE), 4); // the last PUSHFD
	memcpy(&out->mem, e->mem + (MEMOP - BASE), 4);
}

// The flags right after the setter, as flags.c computes them (PUSHFD).
static uint32_t setter_flags(struct env *e, size_t s, uint32_t a, uint32_t b)
{
	uint8_t *p = e->mem + (CODE - BASE);
	size_t n = 0;
	memcpy(p, &setters[s][1], setters[s][0]);
	n += setters[s][0];
	p[n++] = 0x9c;
	p[n++] = 0xf4;
	struct cpu c;
	cpu_reset(&c, CODE, STACK);
	c.r[CPU_EAX] = a;
	c.r[CPU_EBX] = b;
	c.r[CPU_ECX] = (b & 31) ? b & 31 : 3;
	c.r[CPU_EDX] = 0x9abcdef0u;
	struct cpu_exec *x = cpu_exec_new(NULL);
	assert_int_equal(cpu_run(x, &c, &e->m, 1000), CPU_EXIT_HLT);
	cpu_exec_free(x);
	uint32_t f;
	memcpy(&f, e->mem + (STACK - 4 - BASE), 4);
	return f;
}

static const uint32_t vals[] = { 0, 1, 2, 0x7f,
				 0x80, 0xff, 0x7fffffff, 0x80000000,
				 0x80000001, 0xffffffff, 0x12345678, 0xfedcba98 };
#define NV (sizeof vals / sizeof vals[0])

static void test_readers(void **state)
{
	(void)state;
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	for (size_t s = 0; s < NSET; s++)
		for (size_t i = 0; i < NV; i++)
			for (size_t j = 0; j < NV; j++) {
				uint32_t a = vals[i], b = vals[j];
				uint32_t sf = setter_flags(&e, s, a, b);
				for (int r = 0; r < R_COUNT; r++) {
					struct result direct, folded;
					run(&e, s, r, false, a, b, &direct);
					run(&e, s, r, true, a, b, &folded);
					if (memcmp(direct.r, folded.r, sizeof direct.r) ||
					    direct.flags != folded.flags || direct.mem != folded.mem)
						fail_msg("setter %zu reader %d a %#x b %#x: direct edx "
							 "%#x esi %#x edi %#x flags %#x mem %#x; "
							 "through PUSHFD/POPFD edx %#x esi %#x edi %#x "
							 "flags %#x mem %#x",
							 s, r, a, b, direct.r[CPU_EDX], direct.r[CPU_ESI],
							 direct.r[CPU_EDI], direct.flags, direct.mem,
							 folded.r[CPU_EDX], folded.r[CPU_ESI],
							 folded.r[CPU_EDI], folded.flags, folded.mem);
					if (r >= R_SETCC && r < R_CMOV &&
					    (direct.r[CPU_EDX] & 0xff) !=
						    (uint32_t)sdm_cond(sf, r - R_SETCC))
						fail_msg("setter %zu a %#x b %#x flags %#x: set%d gave "
							 "%u, the SDM says %d",
							 s, a, b, sf, r - R_SETCC,
							 direct.r[CPU_EDX] & 0xff,
							 sdm_cond(sf, r - R_SETCC));
				}
			}
	free(e.mem);
}

// SHLD and SHRD of 32-bit registers by an immediate (their own handlers) against the
// same by CL (the generic one, shxd) and against the SDM's definition: the result,
// CF (the last bit shifted out), and all the flags, for each count 1..31.
static void run_shxd(struct env *e, bool right, unsigned n, bool by_cl, uint32_t dst,
		     uint32_t src, struct cpu *c)
{
	uint8_t *p = e->mem + (CODE - BASE);
	size_t k = 0;
	p[k++] = 0x0f;
	if (by_cl) { // shld/shrd esi, edi, cl
		p[k++] = right ? 0xad : 0xa5;
		p[k++] = 0xfe;
	} else { // shld/shrd esi, edi, n
		p[k++] = right ? 0xac : 0xa4;
		p[k++] = 0xfe;
		p[k++] = (uint8_t)n;
	}
	p[k++] = 0x9c; // pushfd
	p[k++] = 0xf4;
	cpu_reset(c, CODE, STACK);
	c->r[CPU_ESI] = dst;
	c->r[CPU_EDI] = src;
	c->r[CPU_ECX] = n;
	struct cpu_exec *x = cpu_exec_new(NULL);
	assert_int_equal(cpu_run(x, c, &e->m, 1000), CPU_EXIT_HLT);
	cpu_exec_free(x);
}

static void test_shxd_imm(void **state)
{
	(void)state;
	struct env e = { 0 };
	e.mem = calloc(NPAGES, CPU_PAGE_SIZE);
	e.m = (struct cpu_mem){ map, &e };
	for (int right = 0; right < 2; right++)
		for (unsigned n = 1; n < 32; n++)
			for (size_t i = 0; i < NV; i++)
				for (size_t j = 0; j < NV; j++) {
					uint32_t dst = vals[i], src = vals[j];
					struct cpu imm, cl;
					run_shxd(&e, right, n, false, dst, src, &imm);
					uint32_t fi = cpu_get_eflags(&imm);
					run_shxd(&e, right, n, true, dst, src, &cl);
					uint32_t want = right ? dst >> n | src << (32 - n)
							      : dst << n | src >> (32 - n);
					uint32_t cf = right ? (dst >> (n - 1)) & 1 : (dst >> (32 - n)) & 1;
					if (imm.r[CPU_ESI] != want || (fi & CPU_CF) != cf ||
					    !(fi & CPU_ZF) != (want != 0) ||
					    !(fi & CPU_SF) != !(want >> 31) ||
					    memcmp(imm.r, cl.r, sizeof imm.r) ||
					    fi != cpu_get_eflags(&cl))
						fail_msg("%s %u dst %#x src %#x: by imm %#x flags %#x, "
							 "by cl %#x flags %#x, SDM %#x cf %u",
							 right ? "shrd" : "shld", n, dst, src,
							 imm.r[CPU_ESI], fi, cl.r[CPU_ESI],
							 cpu_get_eflags(&cl), want, cf);
				}
	free(e.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers),
		cmocka_unit_test(test_shxd_imm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
