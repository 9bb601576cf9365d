// SPDX-License-Identifier: MIT
// The decoder: guest bytes -> struct dinsn (cpu_internal.h).
//
// It accepts exactly the instruction subset of docs/isa.md ("Instruction set"); any
// other encoding decodes to OP_UD (#UD when executed), and the privileged system
// instructions decode to OP_GP (#GP). Prefixes: 66 (operand size), F0 (LOCK), F2/F3
// (REP), 67 (address size: 16-bit addressing, DI_A16), and the segment overrides 26 2E
// 36 3E 64 65, which have no effect because all segments are flat. decode_one reads
// the prefixes and hands the opcode to one of three functions, one per part of the
// opcode map (map_00_9f, map_a0_ff, map_0f); the op's columns in CPU_OPS
// (cpu_internal.h) then give its block end, LOCK rule and cost.
//
// Normalised operands: ALU and MOV forms are folded into five shapes (RR RI RM MR MI)
// so that `reg` is always the destination register of register forms and `rm` the
// source register of RR forms. The run loop (exec.c) never looks at raw bytes.
#include <string.h>

#include "cpu/cpu_internal.h"

// The bytes being decoded, and the prefixes read so far.
struct cursor {
	const uint8_t *p;
	size_t avail;
	size_t pos;
	bool short_input; // ran past avail
	int opsize;       // 4, or 2 after a 66 prefix
	bool rep, repne;  // F3, F2 (the last one counts)
};

static uint8_t get8(struct cursor *k)
{
	if (k->pos >= k->avail) {
		k->short_input = true;
		k->pos++;
		return 0;
	}
	return k->p[k->pos++];
}

static uint32_t get16(struct cursor *k)
{
	uint32_t lo = get8(k);
	return lo | (uint32_t)get8(k) << 8;
}

static uint32_t get32(struct cursor *k)
{
	uint32_t lo = get16(k);
	return lo | get16(k) << 16;
}

struct modrm {
	uint8_t mod, reg, rm;
};

// The 16-bit addressing forms (67 prefix), by r/m: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI]
// [DI] [BP] [BX]; mod 0 with r/m 6 is [disp16] instead of [BP].
static const uint8_t a16_base[8] = {CPU_EBX, CPU_EBX, CPU_EBP, CPU_EBP, CPU_ESI, CPU_EDI,
				    CPU_EBP, CPU_EBX};
static const uint8_t a16_index[8] = {CPU_ESI, CPU_EDI, CPU_ESI, CPU_EDI, NOREG, NOREG, NOREG,
				     NOREG};

// Reads ModRM (+SIB, +displacement) into d. Register forms set d->rm. With the 67
// prefix (d->flags has DI_A16) the memory forms are the 16-bit ones: no SIB, disp8 or
// disp16, and the run loop wraps the sum at 64 KiB (ea_of in exec.c).
static struct modrm get_modrm(struct cursor *k, struct dinsn *d)
{
	uint8_t b = get8(k);
	struct modrm m = {(uint8_t)(b >> 6), (uint8_t)((b >> 3) & 7), (uint8_t)(b & 7)};
	d->base = NOREG;
	d->index = NOREG;
	d->scale = 0;
	d->disp = 0;
	if (m.mod == 3) {
		d->rm = m.rm;
		return m;
	}
	d->flags |= DI_MEM;
	if (d->flags & DI_A16) {
		if (m.mod == 0 && m.rm == 6) {
			d->disp = get16(k);
		} else {
			d->base = a16_base[m.rm];
			d->index = a16_index[m.rm];
		}
		if (m.mod == 1)
			d->disp = (uint32_t)(int32_t)(int8_t)get8(k);
		else if (m.mod == 2)
			d->disp = get16(k);
		return m;
	}
	if (m.rm == 4) {
		uint8_t sib = get8(k);
		uint8_t base = sib & 7, index = (sib >> 3) & 7;
		d->scale = sib >> 6;
		if (index != 4)
			d->index = index;
		if (base == 5 && m.mod == 0)
			d->disp = get32(k);
		else
			d->base = base;
	} else if (m.rm == 5 && m.mod == 0) {
		d->disp = get32(k);
	} else {
		d->base = m.rm;
	}
	if (m.mod == 1)
		d->disp = (uint32_t)(int32_t)(int8_t)get8(k);
	else if (m.mod == 2)
		d->disp = get32(k);
	return m;
}

static int size_idx(int size)
{
	return size == 1 ? 0 : size == 2 ? 1 : 2;
}

// The block-end and lock columns of CPU_OPS (cpu_internal.h), by op.
static const bool op_ends[] = {
#define X(n, cost, mem, end, lock) end == B_END,
	CPU_OPS(X)
#undef X
};
// op_lock: 0 never, 1 with a memory operand, 2 with a memory operand that it writes
// (M_BT: BTS BTR BTC, not BT).
static const uint8_t op_lock[] = {
#define X(n, cost, mem, end, lock) (uint8_t)(lock == L_NO ? 0 : mem == M_BT ? 2 : 1),
	CPU_OPS(X)
#undef X
};
_Static_assert(sizeof op_ends == OP_COUNT && sizeof op_lock == OP_COUNT,
	       "decode.c: one entry per op");

// Whether LOCK may prefix d (the lock column of its op).
static bool lockable(const struct dinsn *d)
{
	unsigned l = op_lock[d->op];
	return (d->flags & DI_MEM) && l != 0 && (l == 1 || d->sub != 0);
}

// The three parts of the opcode map, as in the Intel SDM's tables (Volume 2, appendix
// A): one-byte opcodes 00-9F and A0-FF, and the two-byte map after 0F. Each decodes
// the opcode b (prefixes are in k) into d and returns false for an encoding outside
// the subset.

// One-byte opcodes 00-9F: the ALU families, INC DEC PUSH POP, Jcc, the immediate
// group 80-83, TEST XCHG MOV LEA POP r/m, CBW CWD PUSHF POPF SAHF LAHF.
static bool map_00_9f(struct cursor *k, struct dinsn *d, uint8_t b)
{
	int opsize = k->opsize, si = size_idx(opsize);
	struct modrm m;


	if (b < 0x40 && (b & 7) < 6) { // the eight ALU families, six forms each
		enum alu_op alu = (enum alu_op)(b >> 3);
		int f = b & 7;
		int sz = (f & 1) ? si : 0;
		d->size = (f & 1) ? (uint8_t)opsize : 1;
		if (f < 4) {
			m = get_modrm(k, d);
			if (m.mod == 3) {
				d->op = alu_opcode(alu, sz, FORM_RR);
				if (f < 2) { // Eb,Gb / Ev,Gv: destination is r/m
					d->reg = m.rm;
					d->rm = m.reg;
				} else {
					d->reg = m.reg;
					d->rm = m.rm;
				}
			} else {
				d->op = alu_opcode(alu, sz, f < 2 ? FORM_MR : FORM_RM);
				d->reg = m.reg;
			}
		} else {
			d->op = alu_opcode(alu, sz, FORM_RI);
			d->reg = 0;
			d->imm = f == 4 ? get8(k) : opsize == 2 ? get16(k) : get32(k);
		}
		return true;
	}

	switch (b) {
	case 0x27: case 0x2f: case 0x37: case 0x3f:
		d->op = OP_BCD;
		d->sub = (uint8_t)(b == 0x27 ? 0 : b == 0x2f ? 1 : b == 0x37 ? 2 : 3);
		break;
	case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
	case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
		d->op = OP_UNARY_R;
		d->sub = (b & 8) ? 1 : 0; // INC DEC
		d->reg = b & 7;
		break;
	case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
		d->op = OP_PUSH_R;
		d->reg = b & 7;
		break;
	case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
		d->op = OP_POP_R;
		d->reg = b & 7;
		break;
	case 0x60:
		d->op = OP_PUSHA;
		break;
	case 0x61:
		d->op = OP_POPA;
		break;
	case 0x68:
		d->op = OP_PUSH_I;
		d->imm = opsize == 2 ? get16(k) : get32(k);
		break;
	case 0x6a:
		d->op = OP_PUSH_I;
		d->imm = (uint32_t)(int32_t)(int8_t)get8(k);
		break;
	case 0x69: case 0x6b:
		m = get_modrm(k, d);
		d->op = m.mod == 3 ? OP_IMUL2_R : OP_IMUL2_M;
		d->reg = m.reg;
		d->sub = 1;
		if (b == 0x6b)
			d->imm = (uint32_t)(int32_t)(int8_t)get8(k);
		else
			d->imm = opsize == 2 ? get16(k) : get32(k);
		break;
	case 0x6c: case 0x6d: case 0x6e: case 0x6f: // INS/OUTS: string I/O is privileged
		d->op = OP_GP;
		break;
	case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
	case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
		if (opsize == 2)
			return false;
		d->op = OP_JCC;
		d->sub = b & 15;
		d->imm = (uint32_t)(int32_t)(int8_t)get8(k);
		break;
	case 0x80: case 0x81: case 0x82: case 0x83: {
		int sz = b == 0x81 || b == 0x83 ? si : 0;
		d->size = b == 0x81 || b == 0x83 ? (uint8_t)opsize : 1;
		m = get_modrm(k, d);
		d->op = alu_opcode((enum alu_op)m.reg, sz, m.mod == 3 ? FORM_RI : FORM_MI);
		d->reg = m.rm;
		if (b == 0x81)
			d->imm = opsize == 2 ? get16(k) : get32(k);
		else if (b == 0x83)
			d->imm = (uint32_t)(int32_t)(int8_t)get8(k);
		else
			d->imm = get8(k);
		break;
	}
	case 0x84: case 0x85: {
		int sz = b == 0x85 ? si : 0;
		d->size = b == 0x85 ? (uint8_t)opsize : 1;
		m = get_modrm(k, d);
		d->op = alu_opcode(ALU_TEST, sz, m.mod == 3 ? FORM_RR : FORM_MR);
		d->reg = m.mod == 3 ? m.rm : m.reg;
		d->rm = m.mod == 3 ? m.reg : 0;
		break;
	}
	case 0x86: case 0x87:
		d->size = b == 0x87 ? (uint8_t)opsize : 1;
		m = get_modrm(k, d);
		d->op = m.mod == 3 ? OP_XCHG_R : OP_XCHG_M;
		d->reg = m.reg;
		break;
	case 0x88: case 0x89: case 0x8a: case 0x8b: {
		int sz = (b & 1) ? si : 0;
		d->size = (b & 1) ? (uint8_t)opsize : 1;
		m = get_modrm(k, d);
		if (m.mod == 3) {
			d->op = mov_opcode(sz, FORM_RR);
			d->reg = b < 0x8a ? m.rm : m.reg;
			d->rm = b < 0x8a ? m.reg : m.rm;
		} else {
			d->op = mov_opcode(sz, b < 0x8a ? FORM_MR : FORM_RM);
			d->reg = m.reg;
		}
		break;
	}
	case 0x8d:
		m = get_modrm(k, d);
		if (m.mod == 3)
			return false;
		d->op = opsize == 2 ? OP_LEAW : OP_LEA;
		d->reg = m.reg;
		break;
	case 0x8f:
		m = get_modrm(k, d);
		if (m.reg != 0)
			return false;
		d->op = m.mod == 3 ? OP_POP_R : OP_POP_M;
		d->reg = m.rm;
		break;
	case 0x90:
		d->op = OP_NOP;
		break;
	case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
		d->op = OP_XCHG_R;
		d->reg = 0;
		d->rm = b & 7;
		break;
	case 0x98:
		d->op = OP_CBW;
		break;
	case 0x99:
		d->op = OP_CWD;
		break;
	case 0x9c:
		d->op = OP_PUSHF;
		break;
	case 0x9d:
		d->op = OP_POPF;
		break;
	case 0x9e:
		d->op = OP_FLAGOP;
		d->sub = 5; // SAHF
		break;
	case 0x9f:
		d->op = OP_FLAGOP;
		d->sub = 6; // LAHF
		break;
	default:
		return false;
	}
	return true;
}

// One-byte opcodes A0-FF: MOV with moffs, the string instructions, MOV immediate,
// shifts, RET ENTER LEAVE INT IRET, BCD, LOOP IN OUT CALL JMP, the groups F6/F7
// FE FF and the flag instructions.
static bool map_a0_ff(struct cursor *k, struct dinsn *d, uint8_t b)
{
	int opsize = k->opsize, si = size_idx(opsize);
	struct modrm m;

	switch (b) {
	case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
		int sz = (b & 1) ? si : 0;
		d->size = (b & 1) ? (uint8_t)opsize : 1;
		d->op = mov_opcode(sz, b < 0xa2 ? FORM_RM : FORM_MR);
		d->flags |= DI_MEM;
		d->reg = 0;
		d->disp = (d->flags & DI_A16) ? get16(k) : get32(k);
		break;
	}
	case 0xa4: case 0xa5: case 0xa6: case 0xa7:
	case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
		d->size = (b & 1) ? (uint8_t)opsize : 1;
		d->op = b < 0xa6 ? OP_MOVS : b < 0xa8 ? OP_CMPS : b < 0xac ? OP_STOS
			: b < 0xae ? OP_LODS : OP_SCAS;
		if (k->rep)
			d->flags |= DI_REP;
		if (k->repne)
			d->flags |= DI_REPNE;
		break;
	case 0xa8: case 0xa9:
		d->size = b == 0xa9 ? (uint8_t)opsize : 1;
		d->op = alu_opcode(ALU_TEST, b == 0xa9 ? si : 0, FORM_RI);
		d->reg = 0;
		d->imm = b == 0xa8 ? get8(k) : opsize == 2 ? get16(k) : get32(k);
		break;
	case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
		d->size = 1;
		d->op = mov_opcode(0, FORM_RI);
		d->reg = b & 7;
		d->imm = get8(k);
		break;
	case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
		d->op = mov_opcode(si, FORM_RI);
		d->reg = b & 7;
		d->imm = opsize == 2 ? get16(k) : get32(k);
		break;
	case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		d->size = (b & 1) ? (uint8_t)opsize : 1;
		m = get_modrm(k, d);
		if (m.reg == 6) // /6 is an undocumented SAL alias: not in the subset
			return false;
		d->op = m.mod == 3 ? OP_SHIFT_R : OP_SHIFT_M;
		d->sub = m.reg;
		d->reg = m.rm;
		if (b <= 0xc1)
			d->imm = get8(k);
		else if (b <= 0xd1)
			d->imm = 1;
		else
			d->flags |= DI_CL;
		break;
	case 0xc2:
		if (opsize == 2)
			return false;
		d->op = OP_RET;
		d->imm = get16(k);
		break;
	case 0xc3:
		if (opsize == 2)
			return false;
		d->op = OP_RET;
		break;
	case 0xc6: case 0xc7:
		d->size = b == 0xc7 ? (uint8_t)opsize : 1;
		m = get_modrm(k, d);
		if (m.reg != 0)
			return false;
		d->op = mov_opcode(b == 0xc7 ? si : 0, m.mod == 3 ? FORM_RI : FORM_MI);
		d->reg = m.rm;
		d->imm = b == 0xc6 ? get8(k) : opsize == 2 ? get16(k) : get32(k);
		break;
	case 0xc8:
		d->op = OP_ENTER;
		d->imm = get16(k);
		d->imm2 = get8(k);
		break;
	case 0xc9:
		d->op = OP_LEAVE;
		break;
	case 0xcc:
		d->op = OP_INT3;
		break;
	case 0xcd:
		d->op = OP_INT;
		d->imm = get8(k);
		break;
	case 0xce:
		d->op = OP_INTO;
		break;
	case 0xcf:
		if (opsize == 2)
			return false;
		d->op = OP_IRET;
		break;
	case 0xd4: case 0xd5:
		d->op = OP_BCD;
		d->sub = b == 0xd4 ? 4 : 5; // AAM AAD
		d->imm = get8(k);
		break;
	case 0xd7:
		d->op = OP_XLAT;
		break;
	case 0xe0: case 0xe1: case 0xe2: case 0xe3:
		if (opsize == 2)
			return false;
		d->op = OP_LOOP;
		d->sub = b & 3; // LOOPNE LOOPE LOOP JECXZ
		d->imm = (uint32_t)(int32_t)(int8_t)get8(k);
		break;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7: case 0xec: case 0xed: case 0xee: case 0xef:
		d->op = OP_PIO;
		d->size = (b & 1) ? (uint8_t)opsize : 1;
		d->sub = (b & 2) ? 0 : 1; // 1 = IN
		if (b < 0xe8) {
			d->imm = get8(k);
		} else {
			d->flags |= DI_CL; // port from DX
		}
		break;
	case 0xe8:
		if (opsize == 2)
			return false;
		d->op = OP_CALL;
		d->imm = get32(k);
		break;
	case 0xe9:
		if (opsize == 2)
			return false;
		d->op = OP_JMP;
		d->imm = get32(k);
		break;
	case 0xeb:
		if (opsize == 2)
			return false;
		d->op = OP_JMP;
		d->imm = (uint32_t)(int32_t)(int8_t)get8(k);
		break;
	case 0xf4:
		d->op = OP_HLT;
		break;
	case 0xf5:
		d->op = OP_FLAGOP;
		d->sub = 2; // CMC
		break;
	case 0xf6: case 0xf7:
		d->size = b == 0xf7 ? (uint8_t)opsize : 1;
		m = get_modrm(k, d);
		d->reg = m.rm;
		if (m.reg < 2) { // TEST r/m, imm (/1 is the documented-by-AMD alias of /0)
			d->op = alu_opcode(ALU_TEST, b == 0xf7 ? si : 0, m.mod == 3 ? FORM_RI : FORM_MI);
			d->imm = b == 0xf6 ? get8(k) : opsize == 2 ? get16(k) : get32(k);
		} else if (m.reg < 4) {
			d->op = m.mod == 3 ? OP_UNARY_R : OP_UNARY_M;
			d->sub = m.reg; // 2 NOT 3 NEG
		} else {
			d->op = m.mod == 3 ? OP_MULDIV_R : OP_MULDIV_M;
			d->sub = m.reg - 4; // MUL IMUL DIV IDIV
		}
		break;
	case 0xf8: case 0xf9:
		d->op = OP_FLAGOP;
		d->sub = b & 1; // CLC STC
		break;
	case 0xfa: case 0xfb: // CLI/STI: privileged (docs/isa.md)
		d->op = OP_GP;
		break;
	case 0xfc: case 0xfd:
		d->op = OP_FLAGOP;
		d->sub = 3 + (b & 1); // CLD STD
		break;
	case 0xfe:
		d->size = 1;
		m = get_modrm(k, d);
		if (m.reg > 1)
			return false;
		d->op = m.mod == 3 ? OP_UNARY_R : OP_UNARY_M;
		d->sub = m.reg;
		d->reg = m.rm;
		break;
	case 0xff:
		m = get_modrm(k, d);
		d->reg = m.rm;
		switch (m.reg) {
		case 0: case 1:
			d->op = m.mod == 3 ? OP_UNARY_R : OP_UNARY_M;
			d->sub = m.reg;
			break;
		case 2:
			if (opsize == 2)
				return false;
			d->op = m.mod == 3 ? OP_CALL_R : OP_CALL_M;
			break;
		case 4:
			if (opsize == 2)
				return false;
			d->op = m.mod == 3 ? OP_JMP_R : OP_JMP_M;
			break;
		case 6:
			d->op = m.mod == 3 ? OP_PUSH_R : OP_PUSH_M;
			break;
		default:
			return false;
		}
		break;
	default:
		return false;
	}
	return true;
}

// Two-byte opcodes 0F xx: system instructions (privileged), the Denali escape 0F 0C,
// ENDBR and long NOP, CMOVcc Jcc SETcc, CPUID RDTSC, BT SHLD SHRD IMUL CMPXCHG
// MOVZX MOVSX BSF BSR XADD CMPXCHG8B BSWAP.
static bool map_0f(struct cursor *k, struct dinsn *d)
{
	int opsize = k->opsize;
	struct modrm m;
	uint8_t b = get8(k);

	switch (b) {
	case 0x00: case 0x01: case 0x06: case 0x08: case 0x09: case 0x30: case 0x32:
	case 0x33:
		// System instructions: privileged. Consume a ModRM where there is one
		// so the length is right in listings.
		if (b <= 0x01)
			(void)get_modrm(k, d);
		d->flags &= (uint8_t)~DI_MEM;
		d->op = OP_GP;
		break;
	case 0x20: case 0x21: case 0x22: case 0x23: {
		// MOV to/from CRn/DRn: always a register form (the mod bits are
		// ignored); CR1 and CR5-CR7 do not exist (#UD).
		uint8_t mrm = get8(k);
		uint8_t n = (mrm >> 3) & 7;
		if ((b == 0x20 || b == 0x22) && (n == 1 || n >= 5))
			return false;
		d->op = OP_GP;
		break;
	}
	case 0x0b:
		return false;
	case 0x0c: // the Denali escape
		b = get8(k);
		if (b == 0)
			d->op = OP_IDLE;
		else if (b == 1)
			d->op = OP_TERMINATE;
		else
			return false;
		break;
	case 0x1e: // F3 0F 1E FA/FB: ENDBR64/ENDBR32, NOPs without CET (gcc emits them)
		b = get8(k);
		if (!k->rep || (b != 0xfa && b != 0xfb))
			return false;
		d->op = OP_NOP;
		break;
	case 0x1f:
		m = get_modrm(k, d);
		if (m.reg != 0)
			return false;
		d->op = OP_NOP;
		d->flags &= (uint8_t)~DI_MEM; // never accesses memory
		break;
	case 0x31:
		d->op = OP_RDTSC;
		break;
	case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
	case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
		m = get_modrm(k, d);
		d->op = m.mod == 3 ? OP_CMOV_R : OP_CMOV_M;
		d->sub = b & 15;
		d->reg = m.reg;
		break;
	case 0x80: case 0x81: case 0x82: case 0x83: case 0x84: case 0x85: case 0x86: case 0x87:
	case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x8c: case 0x8d: case 0x8e: case 0x8f:
		if (opsize == 2)
			return false;
		d->op = OP_JCC;
		d->sub = b & 15;
		d->imm = get32(k);
		break;
	case 0x90: case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
	case 0x98: case 0x99: case 0x9a: case 0x9b: case 0x9c: case 0x9d: case 0x9e: case 0x9f:
		m = get_modrm(k, d);
		d->size = 1;
		d->op = m.mod == 3 ? OP_SETCC_R : OP_SETCC_M;
		d->sub = b & 15;
		d->reg = m.rm;
		break;
	case 0xa2:
		d->op = OP_CPUID;
		break;
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		m = get_modrm(k, d);
		d->op = m.mod == 3 ? OP_BT_R : OP_BT_M;
		d->sub = b == 0xa3 ? 0 : b == 0xab ? 1 : b == 0xb3 ? 2 : 3;
		d->reg = m.reg; // bit offset register
		d->imm2 = 0;    // 0: offset from a register (may address beyond)
		break;
	case 0xba:
		m = get_modrm(k, d);
		if (m.reg < 4)
			return false;
		d->op = m.mod == 3 ? OP_BT_R : OP_BT_M;
		d->sub = m.reg - 4;
		d->imm = get8(k);
		d->imm2 = 1; // 1: immediate offset
		break;
	case 0xa4: case 0xa5: case 0xac: case 0xad:
		m = get_modrm(k, d);
		d->op = m.mod == 3 ? OP_SHXD_R : OP_SHXD_M;
		d->sub = b >= 0xac; // SHLD SHRD
		d->reg = m.reg;     // source register
		if (b & 1)
			d->flags |= DI_CL;
		else
			d->imm = get8(k);
		break;
	case 0xaf:
		m = get_modrm(k, d);
		d->op = m.mod == 3 ? OP_IMUL2_R : OP_IMUL2_M;
		d->reg = m.reg;
		break;
	case 0xb0: case 0xb1:
		d->size = b == 0xb1 ? (uint8_t)opsize : 1;
		m = get_modrm(k, d);
		d->op = m.mod == 3 ? OP_CMPXCHG_R : OP_CMPXCHG_M;
		d->reg = m.reg;
		break;
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		m = get_modrm(k, d);
		d->op = m.mod == 3 ? OP_MOVX_R : OP_MOVX_M;
		d->sub = b >= 0xbe;                    // sign-extend
		d->imm = (b & 1) ? 2 : 1;              // source size
		d->reg = m.reg;
		break;
	case 0xbc: case 0xbd:
		m = get_modrm(k, d);
		d->op = m.mod == 3 ? OP_BSCAN_R : OP_BSCAN_M;
		d->sub = (uint8_t)((b & 1) + (k->rep ? 2 : 0)); // BSF BSR TZCNT LZCNT
		d->reg = m.reg;
		break;
	case 0xc0: case 0xc1:
		d->size = b == 0xc1 ? (uint8_t)opsize : 1;
		m = get_modrm(k, d);
		d->op = m.mod == 3 ? OP_XADD_R : OP_XADD_M;
		d->reg = m.reg;
		break;
	case 0xc7:
		m = get_modrm(k, d);
		if (m.reg != 1 || m.mod == 3)
			return false;
		d->op = OP_CMPXCHG8B;
		break;
	case 0xc8: case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf:
		if (opsize == 2)
			return false;
		d->op = OP_BSWAP;
		d->reg = b & 7;
		break;
	default:
		return false;
	}
	return true;
}

int decode_one(const uint8_t *bytes, size_t avail, struct dinsn *d)
{
	struct cursor k = {bytes, avail, 0, false, 4, false, false};
	bool lock = false;
	uint8_t b;

	memset(d, 0, sizeof *d);
	d->base = d->index = NOREG;
	for (;;) {
		b = get8(&k);
		if (k.short_input)
			return -1;
		if (k.pos > 15)
			goto invalid;
		if (b == 0x66)
			k.opsize = 2;
		else if (b == 0x67)
			d->flags |= DI_A16;
		else if (b == 0xf0)
			lock = true;
		else if (b == 0xf2)
			k.repne = true, k.rep = false;
		else if (b == 0xf3)
			k.rep = true, k.repne = false;
		else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
			 b == 0x65)
			continue;
		else
			break;
	}
	d->size = (uint8_t)k.opsize;
	bool ok = b == 0x0f ? map_0f(&k, d) : b < 0xa0 ? map_00_9f(&k, d, b) : map_a0_ff(&k, d, b);
	// (a short input goes to invalid too, which returns -1)
	if (!ok || k.short_input || k.pos > 15 || (lock && !lockable(d)))
		goto invalid;
	if (lock)
		d->flags |= DI_LOCK;
	d->len = (uint8_t)k.pos;
	if (op_ends[d->op])
		d->flags |= DI_TERM;
	d->cost = cost_of(d);
	return d->len;

invalid:
	if (k.short_input)
		return -1;
	{
		uint8_t len = (uint8_t)(k.pos > 15 ? 15 : k.pos); // >= 1: a byte was read
		memset(d, 0, sizeof *d);
		d->base = d->index = NOREG;
		d->op = OP_UD;
		d->len = len;
		d->flags = DI_TERM;
		d->cost = cost_of(d);
	}
	return 0;
}

static const char *const op_names[] = {
#define X(n, cost, mem, end, lock) #n,
	CPU_OPS(X)
#undef X
};

const char *decode_op_name(int op)
{
	return op >= 0 && op < OP_COUNT ? op_names[op] : "?";
}

int cpu_decode_info(const uint8_t *bytes, size_t avail, struct cpu_decoded_info *out)
{
	struct dinsn d;
	int n = decode_one(bytes, avail, &d);
	memset(out, 0, sizeof *out);
	out->mem_base = out->mem_index = -1;
	out->mem_scale = 1;
	out->seg_prefix = -1;
	if (n <= 0) {
		out->name = n < 0 ? "(short)" : "(bad)";
		return n;
	}
	out->len = n;
	out->valid = d.op != OP_UD;
	out->has_mem = (d.flags & DI_MEM) != 0;
	out->addr16 = (d.flags & DI_A16) != 0;
	if (out->has_mem) {
		out->mem_base = d.base == NOREG ? -1 : d.base;
		out->mem_index = d.index == NOREG ? -1 : d.index;
		out->mem_scale = 1 << d.scale;
		out->mem_disp = d.disp;
	}
	for (int i = 0; i < n; i++) {
		static const uint8_t segs[] = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65};
		const void *s = memchr(segs, bytes[i], sizeof segs);
		if (s)
			out->seg_prefix = (int)((const uint8_t *)s - segs);
		else if (bytes[i] != 0x66 && bytes[i] != 0x67 && bytes[i] != 0xf0 &&
			 bytes[i] != 0xf2 && bytes[i] != 0xf3)
			break;
	}
	out->name = decode_op_name(d.op);
	return n;
}
