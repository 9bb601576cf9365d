// SPDX-License-Identifier: MIT
// The differential-test generator (interface in diff_gen.h).
//
// One table row per opcode form (ops[], built once by build_table). A single-instruction
// case picks a row, an operand size (0x66 for 16 bits), prefixes (segment override,
// LOCK, REP), a ModRM form (register, [reg], [reg+disp8/32], [disp32], SIB with every
// scale), edge-heavy register and memory values, and then fixes up the registers so
// every memory operand lands inside the data region. One single case in ten (one LEA in
// three) has the 0x67 address-size prefix instead ("addr16"): 16-bit ModRM forms, moffs16,
// SI/DI/CX for string ops, CX for LOOP/JCXZ, [BX+AL] for XLAT. Their addresses are below
// 64 KiB, which no host process can map (mmap_min_addr), so a memory access faults on
// both sides and the #PF address checks the address arithmetic (LEA checks it by value;
// REP with CX = 0 and ECX != 0, LOOP and JCXZ check the counter). Per-row "specials" set up what the
// instruction needs to be meaningful (divisors, shift counts, branch targets in the
// INT3 sled, string pointers, stack contents). Flag classes (FC_*) say which EFLAGS
// bits the SDM defines; shift-like rows compute it from the actual count.
// Sequences chain 1-50 rows that keep ESP/EBP valid, with forward branches only, and
// follow every instruction that leaves flags undefined by a CMP that defines them all.
#include <string.h>

#include "diff_gen.h"

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define DF 0x400u
#define OF 0x800u
#define ALLF (CF | PF | AF | ZF | SF | DF | OF)

enum fc { FC_ALL, FC_LOGIC, FC_MUL, FC_DIV, FC_BSF, FC_BT, FC_AAA, FC_DAA, FC_AAM,
	  FC_ROT, FC_SHIFT, FC_SHD, FC_TZCNT };
enum osz { O_NONE, O8, OV, O32 };
// Row flags.
#define F_MEM 1u      // memory operand only
#define F_REG 2u      // register operand only
#define F_LOCK 4u     // LOCK allowed with a memory operand
#define F_PLUSR 8u    // register number in the low 3 opcode bits
#define F_CNT_CL 16u  // shift count in CL
#define F_CNT_I 32u   // shift count in imm8
#define F_CNT_1 64u   // shift count 1
#define F_NOSEQ 128u  // not in random sequences
#define F_SHL 256u    // SHL/SHR: CF undefined when count >= operand size
#define F_CMPS 512u   // string op that compares (REPE/REPNE meaningful)
#define F_NO66 1024u  // no 0x66 in sequences or singles
#define F_NOSEQMEM 2048u // in sequences, register form only
#define F_F3 4096u     // mandatory F3 prefix (TZCNT, LZCNT, PAUSE)

enum sp { SP_NONE, SP_DIV, SP_BTREG, SP_BSF, SP_CMPXCHG, SP_CX8B, SP_POP, SP_POPF, SP_RET,
	  SP_REL8, SP_REL32, SP_LOOP, SP_JCXZ, SP_IND, SP_ENTER, SP_LEAVE, SP_STR, SP_XLAT,
	  SP_MOFFS, SP_AAM, SP_SHIFT, SP_SHD };

struct op {
	const char *cls;
	uint8_t esc;  // 0 or 0x0f
	uint8_t op;
	int8_t digit; // -1 no ModRM, 8 = /r, 0..7 = /digit
	uint8_t osz;  // enum osz
	uint8_t imm;  // 0, 1 (imm8), 2 (imm16), 4 (imm16/32 by size), 3 (imm16 + imm8)
	uint16_t f;
	uint8_t fc;
	uint8_t sp;
};

#define MAX_OPS 400
struct table {
	struct op ops[MAX_OPS];
	int n;
	int seq_ops[MAX_OPS];
	int nseq;
};

static void add(struct table *t, const char *cls, int esc, int op, int digit, int osz,
		int imm, unsigned f, int fc, int sp)
{
	t->ops[t->n++] = (struct op){ cls, (uint8_t)esc, (uint8_t)op, (int8_t)digit,
				      (uint8_t)osz, (uint8_t)imm, (uint16_t)f, (uint8_t)fc,
				      (uint8_t)sp };
}

const char *const diff_gen_classes[] = {
	"alu", "test", "xchg", "mov", "lea", "movx", "incdec", "unary", "mul", "div",
	"shift", "shd", "bt", "bsf", "bswap", "setcc", "cmov", "xadd", "cmpxchg", "push",
	"pop", "flags", "branch", "call", "ret", "loop", "enter", "string", "xlat", "conv",
	"nop", "bcd", "ud2", "addr16", "seq", NULL,
};

static void build_table(struct table *t)
{
	static const int logic[8] = { 0, 1, 0, 0, 1, 0, 1, 0 }; // OR AND XOR
	for (int g = 0; g < 8; g++) {
		int b = g * 8, fc = logic[g] ? FC_LOGIC : FC_ALL;
		unsigned lk = g == 7 ? 0 : F_LOCK;
		add(t, "alu", 0, b + 0, 8, O8, 0, lk, fc, SP_NONE);
		add(t, "alu", 0, b + 1, 8, OV, 0, lk, fc, SP_NONE);
		add(t, "alu", 0, b + 2, 8, O8, 0, 0, fc, SP_NONE);
		add(t, "alu", 0, b + 3, 8, OV, 0, 0, fc, SP_NONE);
		add(t, "alu", 0, b + 4, -1, O8, 1, 0, fc, SP_NONE);
		add(t, "alu", 0, b + 5, -1, OV, 4, 0, fc, SP_NONE);
		add(t, "alu", 0, 0x80, g, O8, 1, lk, fc, SP_NONE);
		add(t, "alu", 0, 0x81, g, OV, 4, lk, fc, SP_NONE);
		add(t, "alu", 0, 0x83, g, OV, 1, lk, fc, SP_NONE);
		add(t, "alu", 0, 0x82, g, O8, 1, lk, fc, SP_NONE); // alias of 80 (docs/isa.md)
	}
	add(t, "test", 0, 0x84, 8, O8, 0, 0, FC_LOGIC, SP_NONE);
	add(t, "test", 0, 0x85, 8, OV, 0, 0, FC_LOGIC, SP_NONE);
	add(t, "test", 0, 0xa8, -1, O8, 1, 0, FC_LOGIC, SP_NONE);
	add(t, "test", 0, 0xa9, -1, OV, 4, 0, FC_LOGIC, SP_NONE);
	add(t, "test", 0, 0xf6, 0, O8, 1, 0, FC_LOGIC, SP_NONE);
	add(t, "test", 0, 0xf7, 0, OV, 4, 0, FC_LOGIC, SP_NONE);
	add(t, "test", 0, 0xf6, 1, O8, 1, 0, FC_LOGIC, SP_NONE); // TEST /1 aliases
	add(t, "test", 0, 0xf7, 1, OV, 4, 0, FC_LOGIC, SP_NONE);
	add(t, "xchg", 0, 0x86, 8, O8, 0, F_LOCK, FC_ALL, SP_NONE);
	add(t, "xchg", 0, 0x87, 8, OV, 0, F_LOCK, FC_ALL, SP_NONE);
	add(t, "xchg", 0, 0x90, -1, OV, 0, F_PLUSR, FC_ALL, SP_NONE);
	add(t, "mov", 0, 0x88, 8, O8, 0, 0, FC_ALL, SP_NONE);
	add(t, "mov", 0, 0x89, 8, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "mov", 0, 0x8a, 8, O8, 0, 0, FC_ALL, SP_NONE);
	add(t, "mov", 0, 0x8b, 8, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "mov", 0, 0xc6, 0, O8, 1, 0, FC_ALL, SP_NONE);
	add(t, "mov", 0, 0xc7, 0, OV, 4, 0, FC_ALL, SP_NONE);
	add(t, "mov", 0, 0xb0, -1, O8, 1, F_PLUSR, FC_ALL, SP_NONE);
	add(t, "mov", 0, 0xb8, -1, OV, 4, F_PLUSR, FC_ALL, SP_NONE);
	for (int k = 0; k < 4; k++)
		add(t, "mov", 0, 0xa0 + k, -1, (k & 1) ? OV : O8, 0, 0, FC_ALL, SP_MOFFS);
	add(t, "lea", 0, 0x8d, 8, OV, 0, F_MEM, FC_ALL, SP_NONE);
	add(t, "movx", 0x0f, 0xb6, 8, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "movx", 0x0f, 0xb7, 8, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "movx", 0x0f, 0xbe, 8, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "movx", 0x0f, 0xbf, 8, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "incdec", 0, 0x40, -1, OV, 0, F_PLUSR, FC_ALL, SP_NONE);
	add(t, "incdec", 0, 0x48, -1, OV, 0, F_PLUSR, FC_ALL, SP_NONE);
	for (int d = 0; d < 2; d++) {
		add(t, "incdec", 0, 0xfe, d, O8, 0, F_LOCK, FC_ALL, SP_NONE);
		add(t, "incdec", 0, 0xff, d, OV, 0, F_LOCK, FC_ALL, SP_NONE);
	}
	for (int d = 2; d < 4; d++) {
		add(t, "unary", 0, 0xf6, d, O8, 0, F_LOCK, FC_ALL, SP_NONE);
		add(t, "unary", 0, 0xf7, d, OV, 0, F_LOCK, FC_ALL, SP_NONE);
	}
	for (int d = 4; d < 6; d++) {
		add(t, "mul", 0, 0xf6, d, O8, 0, 0, FC_MUL, SP_NONE);
		add(t, "mul", 0, 0xf7, d, OV, 0, 0, FC_MUL, SP_NONE);
	}
	for (int d = 6; d < 8; d++) {
		add(t, "div", 0, 0xf6, d, O8, 0, 0, FC_DIV, SP_DIV);
		add(t, "div", 0, 0xf7, d, OV, 0, 0, FC_DIV, SP_DIV);
	}
	add(t, "mul", 0x0f, 0xaf, 8, OV, 0, 0, FC_MUL, SP_NONE);
	add(t, "mul", 0, 0x69, 8, OV, 4, 0, FC_MUL, SP_NONE);
	add(t, "mul", 0, 0x6b, 8, OV, 1, 0, FC_MUL, SP_NONE);
	for (int d = 0; d < 8; d++) {
		if (d == 6) // SAL alias: undocumented, not in the subset
			continue;
		int fc = d < 4 ? FC_ROT : FC_SHIFT;
		unsigned shl = (d == 4 || d == 5) ? F_SHL : 0;
		add(t, "shift", 0, 0xc0, d, O8, 1, F_CNT_I | shl, fc, SP_SHIFT);
		add(t, "shift", 0, 0xc1, d, OV, 1, F_CNT_I | shl, fc, SP_SHIFT);
		add(t, "shift", 0, 0xd0, d, O8, 0, F_CNT_1 | shl, fc, SP_SHIFT);
		add(t, "shift", 0, 0xd1, d, OV, 0, F_CNT_1 | shl, fc, SP_SHIFT);
		add(t, "shift", 0, 0xd2, d, O8, 0, F_CNT_CL | shl, fc, SP_SHIFT);
		add(t, "shift", 0, 0xd3, d, OV, 0, F_CNT_CL | shl, fc, SP_SHIFT);
	}
	add(t, "shd", 0x0f, 0xa4, 8, OV, 1, F_CNT_I, FC_SHD, SP_SHD);
	add(t, "shd", 0x0f, 0xa5, 8, OV, 0, F_CNT_CL | F_NO66, FC_SHD, SP_SHD);
	add(t, "shd", 0x0f, 0xac, 8, OV, 1, F_CNT_I, FC_SHD, SP_SHD);
	add(t, "shd", 0x0f, 0xad, 8, OV, 0, F_CNT_CL | F_NO66, FC_SHD, SP_SHD);
	add(t, "shd", 0x0f, 0xa5, 8, OV, 0, F_CNT_CL | F_NOSEQ, FC_SHD, SP_SHD);
	add(t, "shd", 0x0f, 0xad, 8, OV, 0, F_CNT_CL | F_NOSEQ, FC_SHD, SP_SHD);
	add(t, "bt", 0x0f, 0xa3, 8, OV, 0, F_NOSEQMEM, FC_BT, SP_BTREG);
	add(t, "bt", 0x0f, 0xab, 8, OV, 0, F_LOCK | F_NOSEQMEM, FC_BT, SP_BTREG);
	add(t, "bt", 0x0f, 0xb3, 8, OV, 0, F_LOCK | F_NOSEQMEM, FC_BT, SP_BTREG);
	add(t, "bt", 0x0f, 0xbb, 8, OV, 0, F_LOCK | F_NOSEQMEM, FC_BT, SP_BTREG);
	for (int d = 4; d < 8; d++)
		add(t, "bt", 0x0f, 0xba, d, OV, 1, d > 4 ? F_LOCK : 0, FC_BT, SP_NONE);
	add(t, "bsf", 0x0f, 0xbc, 8, OV, 0, F_NOSEQ, FC_BSF, SP_BSF);
	add(t, "bsf", 0x0f, 0xbd, 8, OV, 0, F_NOSEQ, FC_BSF, SP_BSF);
	add(t, "bsf", 0x0f, 0xbc, 8, OV, 0, F_F3, FC_TZCNT, SP_BSF); // TZCNT
	add(t, "bsf", 0x0f, 0xbd, 8, OV, 0, F_F3, FC_TZCNT, SP_BSF); // LZCNT
	add(t, "bswap", 0x0f, 0xc8, -1, O32, 0, F_PLUSR, FC_ALL, SP_NONE);
	for (int c = 0; c < 16; c++) {
		add(t, "setcc", 0x0f, 0x90 + c, 0, O8, 0, 0, FC_ALL, SP_NONE);
		add(t, "cmov", 0x0f, 0x40 + c, 8, OV, 0, 0, FC_ALL, SP_NONE);
		add(t, "branch", 0, 0x70 + c, -1, O_NONE, 0, 0, FC_ALL, SP_REL8);
		add(t, "branch", 0x0f, 0x80 + c, -1, O_NONE, 0, 0, FC_ALL, SP_REL32);
	}
	add(t, "xadd", 0x0f, 0xc0, 8, O8, 0, F_LOCK, FC_ALL, SP_NONE);
	add(t, "xadd", 0x0f, 0xc1, 8, OV, 0, F_LOCK, FC_ALL, SP_NONE);
	add(t, "cmpxchg", 0x0f, 0xb0, 8, O8, 0, F_LOCK, FC_ALL, SP_CMPXCHG);
	add(t, "cmpxchg", 0x0f, 0xb1, 8, OV, 0, F_LOCK, FC_ALL, SP_CMPXCHG);
	add(t, "cmpxchg", 0x0f, 0xc7, 1, O32, 0, F_MEM | F_LOCK, FC_ALL, SP_CX8B);
	add(t, "push", 0, 0x50, -1, OV, 0, F_PLUSR, FC_ALL, SP_NONE);
	add(t, "push", 0, 0x68, -1, OV, 4, 0, FC_ALL, SP_NONE);
	add(t, "push", 0, 0x6a, -1, OV, 1, 0, FC_ALL, SP_NONE);
	add(t, "push", 0, 0xff, 6, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "push", 0, 0x60, -1, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "push", 0, 0x9c, -1, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "pop", 0, 0x58, -1, OV, 0, F_PLUSR, FC_ALL, SP_POP);
	add(t, "pop", 0, 0x8f, 0, OV, 0, 0, FC_ALL, SP_POP);
	add(t, "pop", 0, 0x61, -1, OV, 0, F_NOSEQ, FC_ALL, SP_POP);
	add(t, "pop", 0, 0x9d, -1, OV, 0, F_NOSEQ, FC_ALL, SP_POPF);
	add(t, "branch", 0, 0xeb, -1, O_NONE, 0, 0, FC_ALL, SP_REL8);
	add(t, "branch", 0, 0xe9, -1, O_NONE, 0, 0, FC_ALL, SP_REL32);
	add(t, "call", 0, 0xe8, -1, O_NONE, 0, 0, FC_ALL, SP_REL32);
	add(t, "branch", 0, 0xff, 4, O32, 0, F_NOSEQ, FC_ALL, SP_IND);
	add(t, "call", 0, 0xff, 2, O32, 0, F_NOSEQ, FC_ALL, SP_IND);
	add(t, "ret", 0, 0xc3, -1, O_NONE, 0, F_NOSEQ, FC_ALL, SP_RET);
	add(t, "ret", 0, 0xc2, -1, O_NONE, 2, F_NOSEQ, FC_ALL, SP_RET);
	for (int k = 0; k < 3; k++)
		add(t, "loop", 0, 0xe0 + k, -1, O_NONE, 0, 0, FC_ALL, SP_LOOP);
	add(t, "loop", 0, 0xe3, -1, O_NONE, 0, 0, FC_ALL, SP_JCXZ);
	add(t, "enter", 0, 0xc8, -1, OV, 3, F_NOSEQ, FC_ALL, SP_ENTER);
	add(t, "enter", 0, 0xc9, -1, OV, 0, F_NOSEQ, FC_ALL, SP_LEAVE);
	static const uint8_t str_ops[] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
	for (int k = 0; k < 5; k++) {
		unsigned cmp = (str_ops[k] == 0xa6 || str_ops[k] == 0xae) ? F_CMPS : 0;
		add(t, "string", 0, str_ops[k], -1, O8, 0, F_NOSEQ | cmp, FC_ALL, SP_STR);
		add(t, "string", 0, str_ops[k] + 1, -1, OV, 0, F_NOSEQ | cmp, FC_ALL, SP_STR);
	}
	add(t, "xlat", 0, 0xd7, -1, O_NONE, 0, F_NOSEQ, FC_ALL, SP_XLAT);
	add(t, "conv", 0, 0x98, -1, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "conv", 0, 0x99, -1, OV, 0, 0, FC_ALL, SP_NONE);
	static const uint8_t fl_ops[] = { 0xf5, 0xf8, 0xf9, 0xfc, 0xfd, 0x9e, 0x9f };
	for (int k = 0; k < 7; k++)
		add(t, "flags", 0, fl_ops[k], -1, O_NONE, 0, 0, FC_ALL, SP_NONE);
	add(t, "nop", 0, 0x90, -1, O_NONE, 0, 0, FC_ALL, SP_NONE);
	add(t, "nop", 0x0f, 0x1f, 0, OV, 0, 0, FC_ALL, SP_NONE);
	add(t, "nop", 0, 0x90, -1, O_NONE, 0, F_F3, FC_ALL, SP_NONE); // PAUSE
	add(t, "bcd", 0, 0x27, -1, O_NONE, 0, 0, FC_DAA, SP_NONE);
	add(t, "bcd", 0, 0x2f, -1, O_NONE, 0, 0, FC_DAA, SP_NONE);
	add(t, "bcd", 0, 0x37, -1, O_NONE, 0, 0, FC_AAA, SP_NONE);
	add(t, "bcd", 0, 0x3f, -1, O_NONE, 0, 0, FC_AAA, SP_NONE);
	add(t, "bcd", 0, 0xd4, -1, O_NONE, 1, 0, FC_AAM, SP_AAM);
	add(t, "bcd", 0, 0xd5, -1, O_NONE, 1, 0, FC_AAM, SP_AAM);
	add(t, "ud2", 0x0f, 0x0b, -1, O_NONE, 0, F_NOSEQ, FC_ALL, SP_NONE);
	for (int i = 0; i < t->n; i++)
		if (!(t->ops[i].f & F_NOSEQ))
			t->seq_ops[t->nseq++] = i;
}

static const struct table *get_table(void)
{
	// Built on first use; the content depends on nothing but this file.
	static struct table t;
	if (t.n == 0)
		build_table(&t);
	return &t;
}

// ---- values ----

static uint32_t rnd(struct diff_rng *r, uint32_t n)
{
	return (uint32_t)(diff_rand(r) % n);
}

static uint32_t rval(struct diff_rng *r)
{
	static const uint32_t edges[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0xffffff80,
		0xffff8000, 0x0f0f0f0f, 0xf0f0f0f0, 0x55555555, 0xaaaaaaaa, 0x99, 0x09,
	};
	uint32_t k = rnd(r, 10);
	uint32_t e = edges[rnd(r, sizeof edges / sizeof edges[0])];
	if (k < 4)
		return e;
	if (k == 4)
		return rnd(r, 17);
	if (k == 5)
		return e + rnd(r, 5) - 2;
	if (k == 6) // mix edge bytes per lane
		return (e & 0xffff0000u) | (uint32_t)(diff_rand(r) & 0xffff);
	return (uint32_t)diff_rand(r);
}

static uint32_t rcount(struct diff_rng *r)
{
	static const uint32_t counts[] = { 0, 1, 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32,
					   33, 63, 64, 255, 0x81 };
	if (rnd(r, 4) == 0)
		return rnd(r, 256);
	return counts[rnd(r, sizeof counts / sizeof counts[0])];
}

static void set_reg(uint32_t *regs, int size, int idx, uint32_t v)
{
	if (size == 8) {
		int sh = idx < 4 ? 0 : 8;
		uint32_t *p = &regs[idx & 3];
		*p = (*p & ~(0xffu << sh)) | ((v & 0xff) << sh);
	} else if (size == 16) {
		regs[idx] = (regs[idx] & 0xffff0000u) | (v & 0xffff);
	} else {
		regs[idx] = v;
	}
}

static uint32_t get_reg(const uint32_t *regs, int size, int idx)
{
	if (size == 8)
		return (regs[idx & 3] >> (idx < 4 ? 0 : 8)) & 0xff;
	if (size == 16)
		return regs[idx] & 0xffff;
	return regs[idx];
}

static uint32_t inv_odd(uint32_t c)
{
	uint32_t x = c;
	for (int i = 0; i < 5; i++)
		x *= 2 - c * x;
	return x;
}

// ---- encoding ----

struct enc {
	uint8_t b[32];
	int n;
	int size;      // operand size 8/16/32 (32 for O_NONE)
	bool modrm, mem, sib;
	int mod, reg, rm, base, index, scale; // base/index -1 = none
	int disp_pos, disp_size; // bytes of displacement and where
	int imm_pos, imm_size;
	uint8_t prefix_rep; // 0, 0xf3, 0xf2
	bool lock;
	bool a16; // 0x67 prefix: 16-bit addressing
};

static void put(struct enc *e, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		e->b[e->n++] = (uint8_t)(v >> (8 * i));
}

static void poke(struct enc *e, int pos, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		e->b[pos + i] = (uint8_t)(v >> (8 * i));
}

static int pick_reg(struct diff_rng *r, bool seq, int size)
{
	static const int safe[6] = { 0, 1, 2, 3, 6, 7 };
	if (seq && size != 8)
		return safe[rnd(r, 6)];
	return (int)rnd(r, 8);
}

// Encodes a ModRM memory operand. In sequences only [disp32], [ebp+disp8] and
// [esp+disp8] appear, since those stay inside the data region as registers change.
static void enc_mem(struct diff_rng *r, struct enc *e, bool seq)
{
	int modrm_pos = e->n;
	e->mem = true;
	e->base = e->index = -1;
	e->scale = 1;
	e->disp_size = 0;
	int form = seq ? (int)rnd(r, 3) + 10 : (int)rnd(r, 8);
	switch (form) {
	case 0: // [reg]
		e->mod = 0;
		do
			e->rm = (int)rnd(r, 8);
		while (e->rm == 4 || e->rm == 5);
		e->base = e->rm;
		break;
	case 1: // [disp32]
	case 10:
		e->mod = 0, e->rm = 5, e->disp_size = 4;
		break;
	case 2: // [reg+disp8]
	case 3: // [reg+disp32]
		e->mod = form == 2 ? 1 : 2;
		do
			e->rm = (int)rnd(r, 8);
		while (e->rm == 4);
		e->base = e->rm;
		e->disp_size = form == 2 ? 1 : 4;
		break;
	case 11: // [ebp+disp8]
		e->mod = 1, e->rm = 5, e->base = 5, e->disp_size = 1;
		break;
	case 12: // [esp+disp8]
		e->mod = 1, e->rm = 4, e->sib = true, e->base = 4, e->disp_size = 1;
		break;
	default: { // SIB
		e->rm = 4;
		e->sib = true;
		e->mod = (int)rnd(r, 3);
		e->base = (int)rnd(r, 8);
		e->index = (int)rnd(r, 8);
		e->scale = 1 << rnd(r, 4);
		if (e->index == 4)
			e->index = -1;
		if (e->mod == 0 && e->base == 5)
			e->base = -1, e->disp_size = 4;
		else
			e->disp_size = e->mod == 1 ? 1 : e->mod == 2 ? 4 : 0;
		break;
	}
	}
	e->b[e->n++] = (uint8_t)((e->mod << 6) | (e->reg << 3) | e->rm);
	(void)modrm_pos;
	if (e->sib) {
		int sc = e->scale == 1 ? 0 : e->scale == 2 ? 1 : e->scale == 4 ? 2 : 3;
		int idx = e->index < 0 ? 4 : e->index;
		int base = e->base < 0 ? 5 : e->base;
		e->b[e->n++] = (uint8_t)((sc << 6) | (idx << 3) | base);
	}
	e->disp_pos = e->n;
	if (e->disp_size == 1) {
		static const uint8_t d8[] = { 0, 1, 4, 0x7f, 0x80, 0xff, 0xfc, 0x10 };
		put(e, rnd(r, 2) ? d8[rnd(r, 8)] : rnd(r, 256), 1);
	} else if (e->disp_size == 4) {
		put(e, rval(r), 4);
	}
}

// Encodes a 16-bit ModRM memory operand (0x67 prefix): [BX+SI] [BX+DI] [BP+SI] [BP+DI]
// [SI] [DI] [BP] [BX], [disp16], with disp8 or disp16. No register fix-up follows: the
// address is whatever the (edge-heavy) registers make it, below 64 KiB.
static void enc_mem16(struct diff_rng *r, struct enc *e)
{
	static const int base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const int index[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
	e->mem = true;
	e->scale = 1;
	e->mod = (int)rnd(r, 3);
	e->rm = (int)rnd(r, 8);
	e->base = base[e->rm];
	e->index = index[e->rm];
	if (e->mod == 0 && e->rm == 6)
		e->base = -1, e->disp_size = 2;
	else
		e->disp_size = e->mod == 1 ? 1 : e->mod == 2 ? 2 : 0;
	e->b[e->n++] = (uint8_t)((e->mod << 6) | (e->reg << 3) | e->rm);
	e->disp_pos = e->n;
	put(e, rval(r), e->disp_size);
}

// ---- the case ----

struct gen {
	struct diff_rng *r;
	uint32_t *regs;
	uint32_t target; // data offset of the memory operand
	uint8_t *pa;     // patch A bytes; pa[16] is the operand's first byte
};

static void set_rm(struct gen *g, const struct enc *e, uint32_t v)
{
	if (e->mem) {
		for (int i = 0; i < 4; i++)
			g->pa[16 + i] = (uint8_t)(v >> (8 * i));
	} else {
		set_reg(g->regs, e->size, e->rm, v);
	}
}

static uint32_t get_rm(const struct gen *g, const struct enc *e)
{
	if (e->mem) {
		uint32_t v = 0;
		for (int i = 0; i < 4; i++)
			v |= (uint32_t)g->pa[16 + i] << (8 * i);
		return e->size == 8 ? v & 0xff : e->size == 16 ? v & 0xffff : v;
	}
	return get_reg(g->regs, e->size, e->rm);
}

// Points base/index so that the effective address is DIFF_DATA_BASE + g->target.
static void fix_ea(struct gen *g, struct enc *e)
{
	uint32_t want = DIFF_DATA_BASE + g->target;
	uint32_t disp = 0;
	for (int i = 0; i < e->disp_size; i++)
		disp |= (uint32_t)e->b[e->disp_pos + i] << (8 * i);
	if (e->disp_size == 1)
		disp = (uint32_t)(int32_t)(int8_t)disp;
	int b = e->base, x = e->index, s = e->scale;
	if (b == 4) { // ESP stays inside the data region (PUSH/POP/CALL use it as well)
		uint32_t esp = DIFF_DATA_BASE + 0xc000 + rnd(g->r, 0x100) * 4;
		if (x < 0) {
			if (e->disp_size == 4)
				poke(e, e->disp_pos, want - esp, 4), g->regs[4] = esp;
			else
				g->regs[4] = want - disp; // disp8: still inside
			return;
		}
		g->regs[4] = esp;
		if (e->disp_size == 4) {
			uint32_t xv = rnd(g->r, 128) - 64;
			g->regs[x] = xv;
			poke(e, e->disp_pos, want - esp - xv * (uint32_t)s, 4);
			return;
		}
		uint32_t d = want - disp - esp;
		g->target -= d % (uint32_t)s; // make it divisible by the scale
		d = DIFF_DATA_BASE + g->target - disp - esp;
		g->regs[x] = d / (uint32_t)s;
		return;
	}
	if (b < 0 && x < 0) {
		poke(e, e->disp_pos, want, 4);
	} else if (b >= 0 && x >= 0 && b != x) {
		uint32_t xv = rnd(g->r, 2) ? g->regs[x] : rnd(g->r, 128) - 64;
		g->regs[x] = xv;
		g->regs[b] = want - disp - xv * (uint32_t)s;
	} else {
		int reg = b >= 0 ? b : x;
		uint32_t c = (b >= 0 ? 1u : 0u) + (x >= 0 ? (uint32_t)s : 0u);
		if (b < 0 && e->disp_size == 4) { // [index*s + disp32]: choose disp
			uint32_t xv = rnd(g->r, 128) - 64;
			g->regs[reg] = xv;
			poke(e, e->disp_pos, want - xv * c, 4);
			return;
		}
		uint32_t d = want - disp;
		if (c & 1) {
			g->regs[reg] = d * inv_odd(c);
		} else {
			g->target -= d % c;
			want = DIFF_DATA_BASE + g->target;
			d = want - disp;
			g->regs[reg] = d / c;
		}
	}
}

// Picks an offset in the code area for a branch target: in the INT3 sled, not inside
// the instruction. far: anywhere in the two pages; sometimes outside them.
static uint32_t code_target(struct diff_rng *r, uint32_t start, uint32_t end, bool far)
{
	if (far && rnd(r, 24) == 0)
		return 0x40000000u - DIFF_CODE_BASE + rnd(r, 64); // unmapped: #PF on fetch
	uint32_t span = far ? 0x600 : 120;
	if (rnd(r, 3) == 0 && start > 0) {
		uint32_t lo = start > span ? start - span : 0;
		return lo + rnd(r, start - lo);
	}
	uint32_t hi = end + span;
	if (hi > DIFF_CODE_SIZE)
		hi = DIFF_CODE_SIZE;
	return end + rnd(r, hi - end);
}

static uint32_t flags_for(const struct op *o, const struct enc *e, uint32_t count)
{
	uint32_t c = count & 31;
	switch (o->fc) {
	case FC_LOGIC: return ALLF & ~AF;
	case FC_MUL: return CF | OF | DF;
	case FC_DIV: return DF;
	case FC_BSF: return ZF | DF;
	case FC_BT: return CF | ZF | DF;
	case FC_AAA: return AF | CF | DF;
	case FC_DAA: return ALLF & ~OF;
	case FC_AAM: return SF | ZF | PF | DF;
	case FC_TZCNT: return CF | ZF | DF;
	case FC_ROT:
		return c == 0 ? ALLF : (c == 1 ? ALLF : ALLF & ~OF);
	case FC_SHIFT:
	case FC_SHD: {
		if (c == 0)
			return ALLF;
		uint32_t m = CF | SF | ZF | PF | DF | (c == 1 ? OF : 0);
		if ((o->f & F_SHL) && c >= (uint32_t)e->size)
			m &= ~CF;
		return m;
	}
	default: return ALLF;
	}
}

// Encodes one instruction of row `o` into e (no values yet).
static void encode(struct diff_rng *r, const struct op *o, struct enc *e, bool seq)
{
	memset(e, 0, sizeof *e);
	e->base = e->index = -1;
	e->size = o->osz == O8 ? 8 : 32;
	if (o->osz == OV && !(o->f & F_NO66) && !(o->f & F_PLUSR && o->op == 0x90 && seq) &&
	    rnd(r, 4) == 0)
		e->size = 16;
	if (o->sp == SP_STR && !seq) {
		uint32_t k = rnd(r, 3);
		e->prefix_rep = k == 0 ? 0 : (k == 1 || !(o->f & F_CMPS)) ? 0xf3 : 0xf2;
	}
	// Prefix bytes, in a random order.
	uint8_t pre[5];
	int np = 0;
	if (e->size == 16)
		pre[np++] = 0x66;
	if (!seq && rnd(r, strcmp(o->cls, "lea") == 0 ? 3 : 10) == 0) {
		e->a16 = true;
		pre[np++] = 0x67;
	}
	if (rnd(r, 16) == 0 && o->sp != SP_MOFFS) {
		// No CS override (2E) on data accesses: CS is execute-only natively, #GP on
		// a write. The interpreter's flat segments ignore it (docs/isa.md).
		static const uint8_t seg[] = { 0x26, 0x36, 0x3e, 0x2e };
		bool nomem = o->digit < 0 && o->sp != SP_STR && o->sp != SP_XLAT;
		pre[np++] = seg[rnd(r, nomem ? 4 : 3)];
	}
	if (e->prefix_rep)
		pre[np++] = e->prefix_rep;
	for (int i = np - 1; i > 0; i--) {
		int j = (int)rnd(r, (uint32_t)i + 1);
		uint8_t t = pre[i];
		pre[i] = pre[j];
		pre[j] = t;
	}
	int lock_pos = -1;
	if (!seq && rnd(r, 128) == 0)
		lock_pos = e->n++; // LOCK on anything: must #UD unless lockable + memory
	for (int i = 0; i < np; i++)
		e->b[e->n++] = pre[i];
	if (o->f & F_F3)
		e->b[e->n++] = 0xf3;
	if (o->esc)
		e->b[e->n++] = o->esc;
	int opreg = 0;
	if (o->f & F_PLUSR) {
		opreg = pick_reg(r, seq, e->size);
		if (o->op == 0x90 && opreg == 0)
			opreg = 1;
		if (!seq && (o->op == 0x58 || o->op == 0x40 || o->op == 0x48 || o->op == 0x90) &&
		    rnd(r, 8) != 0 && opreg == 4)
			opreg = 3;
	}
	e->b[e->n++] = (uint8_t)(o->op + opreg);
	e->rm = opreg;
	if (o->digit >= 0) {
		e->modrm = true;
		e->reg = o->digit == 8 ? pick_reg(r, seq, e->size) : o->digit;
		bool mem = (o->f & F_MEM) ? true : (o->f & F_REG) ? false : rnd(r, 2) == 0;
		if (seq && (o->f & F_NOSEQMEM))
			mem = false;
		if (o->sp == SP_IND && seq)
			mem = false;
		if (mem && e->a16) {
			enc_mem16(r, e);
			if ((o->f & F_LOCK) && rnd(r, 4) == 0 && lock_pos < 0)
				e->lock = true;
		} else if (mem) {
			enc_mem(r, e, seq);
			if ((o->f & F_LOCK) && rnd(r, 4) == 0 && lock_pos < 0)
				e->lock = true;
		} else {
			e->mod = 3;
			e->rm = pick_reg(r, seq, e->size);
			if (o->sp == SP_IND && e->rm == 4) // ESP = a code address: pushes hit code
				e->rm = 0;
			e->b[e->n++] = (uint8_t)(0xc0 | (e->reg << 3) | e->rm);
		}
	}
	if (e->lock) { // insert F0 at the front
		memmove(e->b + 1, e->b, (size_t)e->n);
		e->b[0] = 0xf0;
		e->n++;
		if (e->mem)
			e->disp_pos++;
	}
	if (lock_pos >= 0)
		e->b[lock_pos] = 0xf0;
	e->imm_pos = e->n;
	int isz = o->imm == 4 ? (e->size == 16 ? 2 : 4) : o->imm;
	if (o->sp == SP_MOFFS) {
		e->mem = true;
		e->disp_pos = e->n;
		e->disp_size = e->a16 ? 2 : 4;
		put(e, e->a16 ? rval(r) : 0, e->disp_size);
	} else if (o->sp == SP_REL8 || o->sp == SP_LOOP || o->sp == SP_JCXZ) {
		isz = 1;
	} else if (o->sp == SP_REL32) {
		isz = 4;
	}
	e->imm_size = isz;
	if (isz == 3) {
		put(e, rval(r), 2);
		put(e, rnd(r, 6) == 0 ? rnd(r, 256) : rnd(r, 4), 1);
	} else {
		put(e, rval(r), isz);
	}
}

static void set_patch(struct diff_patch *p, uint32_t off)
{
	p->off = off;
	p->len = DIFF_PATCH_BYTES;
}

// Returns false when the case came out undefined (the caller draws another).
static bool single(struct diff_rng *r, struct diff_case *dc, struct diff_meta *m)
{
	const struct table *t = get_table();
	const struct op *o = &t->ops[rnd(r, (uint32_t)t->n)];
	struct enc e;
	encode(r, o, &e, false);
	uint32_t len = (uint32_t)e.n;
	uint32_t off = 0x100 + rnd(r, 0x700);
	if (len > 1 && rnd(r, 16) == 0)
		off = 0x1000 - 1 - rnd(r, len - 1); // crosses into the second code page
	dc->code_off = off;
	dc->code_len = len;
	memset(m, 0, sizeof *m);
	m->cls = o->cls;
	uint32_t *regs = dc->in.r;
	for (int i = 0; i < 8; i++)
		regs[i] = rval(r);
	dc->in.eflags = ((uint32_t)diff_rand(r) & ALLF) | 2;
	regs[4] = DIFF_DATA_BASE + 0xc000 + rnd(r, 0x100) * 4 + (rnd(r, 8) == 0 ? rnd(r, 4) : 0);
	struct gen g = { r, regs, 0x1000 + rnd(r, 0x6000), dc->patch[0].bytes };
	if (rnd(r, 4))
		g.target &= ~(uint32_t)((e.size / 8) - 1);
	uint32_t edge = rnd(r, 64);
	if (edge < 4) // straddle a 4 KiB page boundary inside the data region
		g.target = 0x1000u * (1 + rnd(r, 6)) - 1 - rnd(r, 3);
	else if (edge == 4) // straddle the end of the data region: #PF, nothing written
		g.target = DIFF_DATA_SIZE - 1 - rnd(r, 3);
	else if (edge == 5) // stack at the bottom of the region: PUSH/CALL fault
		regs[4] = DIFF_DATA_BASE + rnd(r, 6);
	for (int i = 0; i < (int)DIFF_PATCH_BYTES; i++)
		g.pa[i] = (uint8_t)rval(r);
	uint8_t *pb = dc->patch[1].bytes;
	for (int i = 0; i < (int)DIFF_PATCH_BYTES; i++)
		pb[i] = (uint8_t)rval(r);
	uint32_t pb_at = 0; // register whose value patch B surrounds (ESP by default)
	uint32_t count = 1, start = off, end = off + len;

	switch (o->sp) {
	case SP_DIV: {
		uint32_t dv = rnd(r, 10) == 0 ? 0 : rval(r);
		if (dv == 0 && rnd(r, 2))
			dv = 1 + rnd(r, 1000);
		set_rm(&g, &e, dv);
		bool sgn = o->digit == 7;
		uint32_t lo = rval(r);
		uint32_t k = rnd(r, 10);
		uint32_t hi = k < 4 ? (sgn && (lo & 0x80000000u) ? 0xffffffffu : 0) : rval(r);
		if (e.size == 8) {
			uint32_t ax = (lo & 0xff) | ((k < 4 ? (sgn && (lo & 0x80) ? 0xff : 0) : hi) << 8);
			set_reg(regs, 16, 0, ax);
		} else if (e.size == 16) {
			set_reg(regs, 16, 0, lo);
			set_reg(regs, 16, 2, k < 4 ? (sgn && (lo & 0x8000) ? 0xffff : 0) : hi);
		} else {
			regs[0] = lo;
			regs[2] = hi;
		}
		break;
	}
	case SP_SHIFT:
	case SP_SHD:
		count = (o->f & F_CNT_1) ? 1 : rcount(r);
		if (o->sp == SP_SHD && e.size == 16 && (count & 31) > 16)
			count = rnd(r, 17);
		if (o->f & F_CNT_CL)
			set_reg(regs, 8, 1, count);
		else if (o->f & F_CNT_I)
			e.b[e.imm_pos] = (uint8_t)count;
		break;
	case SP_BTREG:
		if (e.mem)
			set_reg(regs, e.size, e.reg, rnd(r, 600) - 300);
		break;
	case SP_BSF:
		if (rnd(r, 4) == 0)
			set_rm(&g, &e, 0);
		else if (rnd(r, 2))
			set_rm(&g, &e, 1u << rnd(r, (uint32_t)e.size));
		break;
	case SP_CMPXCHG:
		if (rnd(r, 2)) {
			uint32_t v = rval(r);
			set_rm(&g, &e, v);
			set_reg(regs, e.size, 0, v);
		}
		break;
	case SP_CX8B:
		if (rnd(r, 2)) {
			memcpy(&regs[0], g.pa + 16, 4);
			memcpy(&regs[2], g.pa + 20, 4);
		}
		break;
	case SP_POPF: {
		uint32_t f = ((uint32_t)diff_rand(r) & ALLF) | 2;
		for (int i = 0; i < 4; i++)
			pb[16 + i] = (uint8_t)(f >> (8 * i));
		break;
	}
	case SP_RET: {
		uint32_t tgt = DIFF_CODE_BASE + code_target(r, start, end, true);
		for (int i = 0; i < 4; i++)
			pb[16 + i] = (uint8_t)(tgt >> (8 * i));
		if (o->imm)
			poke(&e, e.imm_pos, rnd(r, 4) ? rnd(r, 16) * 4 : rnd(r, 64), 2);
		break;
	}
	case SP_REL8:
	case SP_LOOP:
	case SP_JCXZ: {
		uint32_t tgt = code_target(r, start, end, false);
		int32_t rel = (int32_t)(tgt - end);
		if (rel > 127 || rel < -128)
			rel = (int32_t)rnd(r, 100);
		e.b[e.imm_pos] = (uint8_t)rel;
		if (o->sp == SP_LOOP || o->sp == SP_JCXZ) {
			uint32_t k = rnd(r, 4);
			regs[1] = k == 0 ? 0 : k == 1 ? 1 : k == 2 ? 2 : rval(r);
			if (e.a16) // the counter is CX: make the upper half matter
				regs[1] = (regs[1] & 0xffff) | (rval(r) & 0xffff0000u);
		}
		break;
	}
	case SP_REL32:
		poke(&e, e.imm_pos, code_target(r, start, end, true) - end, 4);
		break;
	case SP_IND:
		set_rm(&g, &e, DIFF_CODE_BASE + code_target(r, start, end, true));
		break;
	case SP_ENTER:
	case SP_LEAVE:
		regs[5] = DIFF_DATA_BASE + 0x9000 + rnd(r, 0x100) * 4;
		if (o->sp == SP_LEAVE)
			pb_at = 5;
		if (o->sp == SP_ENTER)
			poke(&e, e.imm_pos, rnd(r, 4) ? rnd(r, 64) * 4 : rnd(r, 0x400), 2);
		// ENTER with nesting level 0 or 1 reads nothing at EBP: any EBP, so that a
		// 16-bit ENTER shows it sets BP (EBP's upper half kept), not EBP.
		if (o->sp == SP_ENTER && (e.b[e.imm_pos + 2] & 31) <= 1 && rnd(r, 2))
			regs[5] = rval(r);
		break;
	case SP_STR: {
		regs[6] = DIFF_DATA_BASE + 0x2010 + rnd(r, 0x800);
		regs[7] = DIFF_DATA_BASE + 0x5010 + rnd(r, 0x800);
		uint32_t k = rnd(r, 20);
		regs[1] = k == 0 ? 0 : k == 1 ? 0xffffffffu : k == 2 ? 1 : rnd(r, 12);
		uint32_t esz = e.size / 8;
		if (rnd(r, 2)) { // stretch the equal prefix for REPE
			memcpy(pb, g.pa, DIFF_PATCH_BYTES);
			pb[16 + rnd(r, 32)] ^= 1;
		}
		if (rnd(r, 2))
			set_reg(regs, e.size, 0, pb[16] | (uint32_t)pb[17] << 8 |
				(uint32_t)pb[18] << 16 | (uint32_t)pb[19] << 24);
		if ((o->f & F_CMPS) && e.prefix_rep && rnd(r, 3) == 0) {
			// Scan into the end of the data region: a #PF after 0-3 iterations,
			// where hosts differ in the EFLAGS they leave (diff_check.h).
			dc->in.eflags &= ~DF;
			regs[7] = DIFF_DATA_BASE + DIFF_DATA_SIZE - esz * (1 + rnd(r, 4));
			regs[1] = rnd(r, 2) ? 0xffffffffu : 4 + rnd(r, 60);
			if (e.prefix_rep == 0xf3) { // REPE: make the elements equal
				memcpy(pb, g.pa, DIFF_PATCH_BYTES);
				if (o->op >= 0xae) {
					memset(pb, pb[16], DIFF_PATCH_BYTES);
					set_reg(regs, e.size, 0, pb[16] * 0x01010101u);
				}
			}
		}
		if (e.a16 && rnd(r, 2)) // CX = 0 with ECX != 0: no iteration
			regs[1] = (rval(r) | 0x10000u) & 0xffff0000u;
		if (e.a16 && (o->op == 0xa6 || o->op == 0xa7)) {
			// Both operands are below 64 KiB, so both fault: which one the host
			// reports is its choice (the SDM does not order them; AMD reports
			// ES:DI). CMPS with 67 runs here only as REP with CX = 0; test_addr16.c
			// checks its accesses.
			if (!e.prefix_rep)
				return false;
			regs[1] = (rval(r) | 0x10000u) & 0xffff0000u;
		}
		set_patch(&dc->patch[0], regs[6] - DIFF_DATA_BASE - 16);
		set_patch(&dc->patch[1], regs[7] - DIFF_DATA_BASE - 16);
		break;
	}
	case SP_XLAT:
		regs[3] = DIFF_DATA_BASE + g.target - (regs[0] & 0xff);
		break;
	case SP_AAM:
		e.b[e.imm_pos] = (uint8_t)(rnd(r, 2) ? 10 : rnd(r, 8) == 0 ? 0 : rnd(r, 256));
		break;
	default:
		break;
	}
	if (e.mem && !e.a16)
		fix_ea(&g, &e);
	if (e.a16)
		m->cls = "addr16";
	memcpy(dc->code, e.b, len);
	if (o->sp != SP_STR) {
		set_patch(&dc->patch[0], g.target - 16);
		uint32_t at = regs[pb_at ? pb_at : 4] - DIFF_DATA_BASE;
		if (at >= 16 && at < DIFF_DATA_SIZE - 32)
			set_patch(&dc->patch[1], at - 16);
		else
			dc->patch[1].len = 0;
	}
	if (o->f & F_CNT_CL) { // fix_ea may have made ECX a base or index: use the real CL
		count = regs[1] & 0xff;
		if (o->sp == SP_SHD && e.size == 16 && (count & 31) > 16)
			return false; // result undefined: make another case
	}
	m->flag_mask = flags_for(o, &e, count);
	if (o->sp == SP_BSF && o->fc == FC_BSF && get_rm(&g, &e) == 0)
		m->skip_regs = (uint8_t)(1u << e.reg);
	if (o->fc == FC_TZCNT)
		m->needs = o->op == 0xbc ? DIFF_NEED_BMI1 : DIFF_NEED_LZCNT;
	if (o->sp == SP_STR && (o->f & F_CMPS) && e.prefix_rep) {
		m->model = o->op == 0xa6 || o->op == 0xa7 ? DIFF_MODEL_REP_CMPS
							   : DIFF_MODEL_REP_SCAS;
		m->str_size = (uint8_t)(e.size / 8);
	}
	return true;
}

// One sequence unit: an instruction, maybe followed by a CMP that defines all flags.
static void sequence(struct diff_rng *r, struct diff_case *dc, struct diff_meta *m)
{
	const struct table *t = get_table();
	int nunits = 1 + (int)rnd(r, 50);
	uint32_t unit_at[52];
	int branch_unit[52], branch_pos[52], branch_size[52], nbr = 0;
	uint32_t n = 0;
	int u;
	// Self-modifying code: one sequence in four starts with `mov byte [abs32], imm8`
	// that rewrites an immediate of a later instruction, inside the same decoded block.
	bool smc = rnd(r, 4) == 0;
	uint32_t imm_at[52], imm_len[52], nimm = 0;
	if (smc) {
		static const uint8_t patcher[6] = { 0xc6, 0x05, 0, 0, 0, 0 }; // address: below
		memcpy(dc->code, patcher, 6);
		dc->code[6] = (uint8_t)rval(r);
		n = 7;
	}
	for (u = 0; u < nunits && n < DIFF_MAX_CODE - 64; u++) {
		unit_at[u] = n;
		const struct op *o = &t->ops[t->seq_ops[rnd(r, (uint32_t)t->nseq)]];
		struct enc e;
		encode(r, o, &e, true);
		if (e.mem && e.disp_size == 4 && e.base < 0 && e.index < 0)
			poke(&e, e.disp_pos, DIFF_DATA_BASE + 0x1000 + rnd(r, 0x6000), 4);
		if (o->sp == SP_SHD && e.size == 16 && (o->f & F_CNT_I))
			e.b[e.imm_pos] = (uint8_t)rnd(r, 17);
		if (o->sp == SP_SHIFT && (o->f & F_CNT_I))
			e.b[e.imm_pos] = (uint8_t)rcount(r);
		if (o->sp == SP_REL8 || o->sp == SP_REL32 || o->sp == SP_LOOP ||
		    o->sp == SP_JCXZ) {
			branch_unit[nbr] = u;
			branch_pos[nbr] = (int)n + e.imm_pos;
			branch_size[nbr] = e.imm_size;
			nbr++;
		}
		else if (e.imm_size > 0 && e.imm_size != 3 && o->sp != SP_SHD) {
			imm_at[nimm] = n + (uint32_t)e.imm_pos; // an immediate we may rewrite
			imm_len[nimm++] = (uint32_t)e.imm_size;
		}
		memcpy(dc->code + n, e.b, (size_t)e.n);
		n += (uint32_t)e.n;
		if (o->fc != FC_ALL) { // cmp r32, r32 defines every arithmetic flag
			static const int safe[6] = { 0, 1, 2, 3, 6, 7 };
			dc->code[n++] = 0x39;
			dc->code[n++] = (uint8_t)(0xc0 | safe[rnd(r, 6)] << 3 | safe[rnd(r, 6)]);
		}
	}
	nunits = u;
	unit_at[nunits] = n;
	for (int b = 0; b < nbr; b++) {
		int from = branch_unit[b];
		uint32_t next = (uint32_t)branch_pos[b] + (uint32_t)branch_size[b];
		int to = from + 1 + (int)rnd(r, (uint32_t)(nunits - from));
		int32_t rel = (int32_t)(unit_at[to] - next);
		while (branch_size[b] == 1 && rel > 127) {
			to--;
			rel = (int32_t)(unit_at[to] - next);
		}
		for (int i = 0; i < branch_size[b]; i++)
			dc->code[branch_pos[b] + i] = (uint8_t)((uint32_t)rel >> (8 * i));
	}
	dc->code_off = 0x100;
	dc->code_len = n;
	if (smc) {
		uint32_t at = DIFF_DATA_BASE + 0x1000; // no immediate to patch: a plain store
		if (nimm) {
			uint32_t k = rnd(r, nimm);
			at = DIFF_CODE_BASE + dc->code_off + imm_at[k] + rnd(r, imm_len[k]);
		}
		for (int i = 0; i < 4; i++)
			dc->code[2 + i] = (uint8_t)(at >> (8 * i));
	}
	uint32_t *regs = dc->in.r;
	for (int i = 0; i < 8; i++)
		regs[i] = rval(r);
	regs[4] = DIFF_DATA_BASE + 0xc000;
	regs[5] = DIFF_DATA_BASE + 0x4000;
	dc->in.eflags = ((uint32_t)diff_rand(r) & ALLF) | 2;
	dc->patch[0].len = 0;
	dc->patch[1].len = 0;
	m->cls = "seq";
	m->seq = true;
	m->end_off = dc->code_off + n;
	m->flag_mask = ALLF;
	m->skip_regs = 0;
}

void diff_gen_case(uint64_t seed, uint64_t index, int seq_percent, struct diff_case *dc,
		   struct diff_meta *m)
{
	struct diff_rng r = { seed * 0x100000001b3ull ^ (index * 0x9e3779b97f4a7c15ull) };
	diff_rand(&r);
	memset(dc, 0, sizeof *dc);
	memset(m, 0, sizeof *m);
	dc->magic = DIFF_MAGIC;
	memset(dc->code, 0xcc, sizeof dc->code);
	if ((int)rnd(&r, 100) < seq_percent)
		sequence(&r, dc, m);
	else
		while (!single(&r, dc, m))
			memset(dc->code, 0xcc, sizeof dc->code);
	dc->in.eip = DIFF_CODE_BASE + dc->code_off;
}
