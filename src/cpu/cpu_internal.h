// SPDX-License-Identifier: MIT
// Internals of the interpreter, shared by decode.c, exec.c, flags.c and cost.c.
//
// The decoded instruction (struct dinsn)
// --------------------------------------
// The decoder turns guest bytes into blocks of struct dinsn. A block starts at some
// offset of a 4 KiB guest code page and ends at a control transfer, at an instruction
// that can leave the CPU (PIO, IDLE, REP string ops...), at the page end, or after
// block_max instructions. A block is followed by one synthetic OP_BLOCK_END entry when
// it does not end in a control transfer, so the run loop never tests for "last".
//
//   +-------+-----+-----+-------+-----+----+------+-------+-------+------+-----+-----+
//   | h     | op  | len | flags | reg | rm | base | index | scale | size | sub | idx |
//   | void* | u16 | u8  | u8    | u8  | u8 | u8   | u8    | u8    | u8   | u8  | u8  |
//   +-------+-----+-----+-------+-----+----+------+-------+-------+------+-----+-----+
//   | off u16 | pre u16 | cost u16 | hop u16 | disp u32 | imm u32 | imm2 u16 | r8 | rm8 |
//   +---------+---------+----------+---------+----------+---------+----------+----+-----+
//
//  h      handler label (computed goto), filled in by exec.c when the block is built
//  op     enum op (ORDER OP: the handler table in exec.c follows this order)
//  flags  DI_* below
//  reg    the ModRM reg field, or the register coded in the opcode; for ALU forms
//         the destination register (see decode.c, "normalised operands")
//  rm     the ModRM r/m register in register forms (the source of RR forms)
//  base, index, scale   memory operand: base/index register or NOREG, scale as a shift
//  size   operand size in bytes, for handlers shared by sizes
//  sub    sub-operation (group reg field, condition code, ...)
//  idx    position in the block (0-based)
//  off    offset of the instruction's first byte within its code page (0..4095)
//  pre    cycles of the instructions before this one in the block
//  cost   this instruction's cycles from the cost table (static part)
//  hop    the handler run for it (exec_select, when the block is built): op itself, or
//         a specialised handler (enum xop) for that op with these operands, possibly
//         fused with the next entry of the block
//  disp, imm, imm2   displacement and immediates (imm2, 16 bits: ENTER's nesting
//         level; BT: 1 when the bit offset is the immediate)
//  r8, rm8   reg and rm as byte registers: their byte offsets in the register file
//         (reg8_off), set when the block is built, so that an 8-bit register access
//         is one load or store
//
// Blocks live in the decode cache, one struct dpage per host code page, keyed by the
// host page address, so VMs that share an image page (copy-on-write) share its blocks.
#ifndef DENALI_CPU_CPU_INTERNAL_H
#define DENALI_CPU_CPU_INTERNAL_H

#include "cpu/cpu.h"

#define NOREG 8

#if defined(__GNUC__)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#else
#define likely(x) (x)
#define unlikely(x) (x)
#endif

// dinsn.flags
#define DI_MEM 0x01    // has a memory operand
#define DI_TERM 0x02   // ends a block (control transfer or exit)
#define DI_REP 0x04    // F3 prefix (REP / REPE)
#define DI_REPNE 0x08  // F2 prefix (REPNE)
#define DI_CL 0x10     // shift count comes from CL
#define DI_LOCK 0x20   // LOCK prefix (accepted, no effect in a uniprocessor)
#define DI_A16 0x40    // 67 prefix: 16-bit addressing (ModRM, moffs, XLAT wrap at 64 KiB;
		       // string ops use SI DI CX, LOOP and JCXZ use CX)

struct dinsn {
	const void *h;
	uint16_t op;
	uint8_t len;
	uint8_t flags;
	uint8_t reg;
	uint8_t rm;
	uint8_t base;
	uint8_t index;
	uint8_t scale;
	uint8_t size; // operand size in bytes, for handlers shared by sizes
	uint8_t sub;  // sub-operation (group reg field, condition code, ...)
	uint8_t idx;
	uint16_t off;
	uint16_t pre;
	uint16_t cost;
	uint16_t hop; // the handler that runs it: op, or a specialised one (enum xop)
	uint32_t disp;
	uint32_t imm;
	uint16_t imm2;   // ENTER's nesting level (8 bits), BT's form
	uint8_t r8, rm8; // reg and rm as byte registers: byte offsets in cpu.r (reg8_off)
};
_Static_assert(sizeof(struct dinsn) == 40, "dinsn: 40 bytes");

// Byte registers: AL..BL are byte 0 and AH..BH byte 1 of EAX..EBX, addressed as bytes
// of cpu.r (a little-endian host): register n's byte offset there.
static inline unsigned reg8_off(unsigned n) { return (n & 3) * 4 + (n >> 2); }

// The opcode table, CPU_OPS: one line per handler (ORDER OP: the handler table in
// exec.c follows this order; the semantics are in exec.c), and four columns from which
// the rest of the interpreter derives its per-op tables, so that there is no second
// list to keep in step:
//
//   X(name, cost, mem, end, lock)
//   cost  the cost class (cost.c, docs/timing.md). Two depend on the instance:
//         K_MULDIV is MUL for sub 0-1 and DIV for sub 2-3; K_XCHGL is XCHG, or ATOMIC
//         with a LOCK prefix.
//   mem   what the memory operand does, when the instruction has one (DI_MEM): M_R
//         reads it, M_W writes it, M_RW both, M_BT reads it and, for sub != 0 (BTS BTR
//         BTC), writes it, M_EA only computes its address (LEA); cost.c charges a load
//         and a store accordingly. M_NO: the op never has a memory operand (DI_MEM),
//         tests/cpu/test_optable.c checks it over the whole opcode map.
//   end   B_END: the instruction ends its block (a control transfer, an exit, a string
//         instruction, a fault), decode.c sets DI_TERM; B_NO: it does not.
//   lock  L_OK: a LOCK prefix is allowed with a memory operand (for M_BT ops only when
//         the instruction writes it); L_NO: LOCK makes it #UD.
enum cost_class { K_ALU, K_MOV, K_MUL, K_DIV, K_SHIFT, K_BRANCH, K_CALL, K_STACK, K_STRING,
		  K_BITSCAN, K_XCHG, K_ATOMIC, K_FLAGS, K_SERIAL, K_BCD, K_EXIT, K_NOP,
		  K_SYNTH,  // synthetic entries of the run loop: no cost
		  K_MULDIV, // MUL (sub < 2) or DIV
		  K_XCHGL,  // XCHG, or ATOMIC when locked
		  K_COUNT };
enum op_mem { M_NO, M_R, M_W, M_RW, M_BT, M_EA };
enum op_end { B_NO, B_END };
enum op_lock { L_NO, L_OK };

// The ALU families that have five operand forms each, in opcode order (ADD=0 ... CMP=7)
// plus TEST. Forms: RR reg<-reg, RI reg<-imm, RM reg<-mem, MR mem<-reg, MI mem<-imm.
// MEM and LOCK are the columns of the MR and MI forms (M_R and L_NO for CMP and TEST,
// which never write their destination).
#define ALU_FORMS(X, N, S, MEM, LOCK)                                                  \
	X(N##S##_RR, K_ALU, M_NO, B_NO, L_NO) X(N##S##_RI, K_ALU, M_NO, B_NO, L_NO)     \
	X(N##S##_RM, K_ALU, M_R, B_NO, L_NO) X(N##S##_MR, K_ALU, MEM, B_NO, LOCK)       \
	X(N##S##_MI, K_ALU, MEM, B_NO, LOCK)
#define ALU_SIZES(X, N, MEM, LOCK)                                                     \
	ALU_FORMS(X, N, B, MEM, LOCK) ALU_FORMS(X, N, W, MEM, LOCK) ALU_FORMS(X, N, D, MEM, LOCK)
#define MOV_FORMS(X, S)                                                                \
	X(MOV##S##_RR, K_MOV, M_NO, B_NO, L_NO) X(MOV##S##_RI, K_MOV, M_NO, B_NO, L_NO) \
	X(MOV##S##_RM, K_MOV, M_R, B_NO, L_NO) X(MOV##S##_MR, K_MOV, M_W, B_NO, L_NO)   \
	X(MOV##S##_MI, K_MOV, M_W, B_NO, L_NO)

// clang-format off
#define CPU_OPS(X)                                                                          \
	ALU_SIZES(X, ADD, M_RW, L_OK)                                                       \
	ALU_SIZES(X, OR, M_RW, L_OK)                                                        \
	ALU_SIZES(X, ADC, M_RW, L_OK)                                                       \
	ALU_SIZES(X, SBB, M_RW, L_OK)                                                       \
	ALU_SIZES(X, AND, M_RW, L_OK)                                                       \
	ALU_SIZES(X, SUB, M_RW, L_OK)                                                       \
	ALU_SIZES(X, XOR, M_RW, L_OK)                                                       \
	ALU_SIZES(X, CMP, M_R, L_NO)                                                        \
	ALU_SIZES(X, TEST, M_R, L_NO)                                                       \
	MOV_FORMS(X, B) MOV_FORMS(X, W) MOV_FORMS(X, D)                                     \
	X(UNARY_R,   K_ALU,     M_NO, B_NO,  L_NO) /* INC DEC NOT NEG (sub), size */        \
	X(UNARY_M,   K_ALU,     M_RW, B_NO,  L_OK)                                          \
	X(MOVX_R,    K_MOV,     M_NO, B_NO,  L_NO) /* MOVZX/MOVSX: sub=1 sign, imm=src size */ \
	X(MOVX_M,    K_MOV,     M_R,  B_NO,  L_NO)                                          \
	X(LEA,       K_ALU,     M_EA, B_NO,  L_NO)                                          \
	X(LEAW,      K_ALU,     M_EA, B_NO,  L_NO)                                          \
	X(XCHG_R,    K_XCHG,    M_NO, B_NO,  L_NO)                                          \
	X(XCHG_M,    K_ATOMIC,  M_RW, B_NO,  L_OK) /* implicitly locked */                  \
	X(SHIFT_R,   K_SHIFT,   M_NO, B_NO,  L_NO) /* group 2: sub = ROL..SAR */            \
	X(SHIFT_M,   K_SHIFT,   M_RW, B_NO,  L_NO)                                          \
	X(SHXD_R,    K_SHIFT,   M_NO, B_NO,  L_NO) /* SHLD (sub 0) / SHRD (sub 1) */        \
	X(SHXD_M,    K_SHIFT,   M_RW, B_NO,  L_NO)                                          \
	X(MULDIV_R,  K_MULDIV,  M_NO, B_NO,  L_NO) /* group 3 /4../7: MUL IMUL DIV IDIV */  \
	X(MULDIV_M,  K_MULDIV,  M_R,  B_NO,  L_NO)                                          \
	X(IMUL2_R,   K_MUL,     M_NO, B_NO,  L_NO) /* IMUL r, r/m[, imm]: sub=1 has imm */  \
	X(IMUL2_M,   K_MUL,     M_R,  B_NO,  L_NO)                                          \
	X(JMP,       K_BRANCH,  M_NO, B_END, L_NO)                                          \
	X(JCC,       K_BRANCH,  M_NO, B_END, L_NO) /* sub: condition code */                \
	X(JMP_R,     K_BRANCH,  M_NO, B_END, L_NO)                                          \
	X(JMP_M,     K_BRANCH,  M_R,  B_END, L_NO)                                          \
	X(CALL,      K_CALL,    M_NO, B_END, L_NO)                                          \
	X(CALL_R,    K_CALL,    M_NO, B_END, L_NO)                                          \
	X(CALL_M,    K_CALL,    M_R,  B_END, L_NO)                                          \
	X(RET,       K_CALL,    M_NO, B_END, L_NO)                                          \
	X(LOOP,      K_BRANCH,  M_NO, B_END, L_NO) /* sub: LOOPNE LOOPE LOOP JECXZ */       \
	X(PUSH_R,    K_STACK,   M_NO, B_NO,  L_NO)                                          \
	X(PUSH_I,    K_STACK,   M_NO, B_NO,  L_NO)                                          \
	X(PUSH_M,    K_STACK,   M_R,  B_NO,  L_NO)                                          \
	X(POP_R,     K_STACK,   M_NO, B_NO,  L_NO)                                          \
	X(POP_M,     K_STACK,   M_RW, B_NO,  L_NO)                                          \
	X(PUSHA,     K_FLAGS,   M_NO, B_NO,  L_NO)                                          \
	X(POPA,      K_FLAGS,   M_NO, B_NO,  L_NO)                                          \
	X(PUSHF,     K_FLAGS,   M_NO, B_NO,  L_NO)                                          \
	X(POPF,      K_FLAGS,   M_NO, B_NO,  L_NO)                                          \
	X(ENTER,     K_FLAGS,   M_NO, B_NO,  L_NO)                                          \
	X(LEAVE,     K_FLAGS,   M_NO, B_NO,  L_NO)                                          \
	X(CBW,       K_MOV,     M_NO, B_NO,  L_NO)                                          \
	X(CWD,       K_MOV,     M_NO, B_NO,  L_NO)                                          \
	X(SETCC_R,   K_ALU,     M_NO, B_NO,  L_NO)                                          \
	X(SETCC_M,   K_ALU,     M_W,  B_NO,  L_NO)                                          \
	X(CMOV_R,    K_ALU,     M_NO, B_NO,  L_NO)                                          \
	X(CMOV_M,    K_ALU,     M_R,  B_NO,  L_NO)                                          \
	X(BT_R,      K_SHIFT,   M_NO, B_NO,  L_NO) /* sub: 0 BT 1 BTS 2 BTR 3 BTC */        \
	X(BT_M,      K_SHIFT,   M_BT, B_NO,  L_OK) /* imm2: 1 = immediate bit offset */     \
	X(BSCAN_R,   K_BITSCAN, M_NO, B_NO,  L_NO) /* sub: 0 BSF 1 BSR 2 TZCNT 3 LZCNT */   \
	X(BSCAN_M,   K_BITSCAN, M_R,  B_NO,  L_NO)                                          \
	X(BSWAP,     K_MOV,     M_NO, B_NO,  L_NO)                                          \
	X(XADD_R,    K_XCHG,    M_NO, B_NO,  L_NO)                                          \
	X(XADD_M,    K_XCHGL,   M_RW, B_NO,  L_OK)                                          \
	X(CMPXCHG_R, K_XCHG,    M_NO, B_NO,  L_NO)                                          \
	X(CMPXCHG_M, K_XCHGL,   M_RW, B_NO,  L_OK)                                          \
	X(CMPXCHG8B, K_ATOMIC,  M_R,  B_NO,  L_OK)                                          \
	X(MOVS,      K_STRING,  M_NO, B_END, L_NO)                                         \
	X(STOS,      K_STRING,  M_NO, B_END, L_NO)                                         \
	X(LODS,      K_STRING,  M_NO, B_END, L_NO)                                          \
	X(SCAS,      K_STRING,  M_NO, B_END, L_NO)                                          \
	X(CMPS,      K_STRING,  M_NO, B_END, L_NO)                                          \
	X(FLAGOP,    K_FLAGS,   M_NO, B_NO,  L_NO) /* sub: CLC STC CMC CLD STD SAHF LAHF */ \
	X(NOP,       K_NOP,     M_NO, B_NO,  L_NO)                                          \
	X(CPUID,     K_SERIAL,  M_NO, B_NO,  L_NO)                                          \
	X(RDTSC,     K_SERIAL,  M_NO, B_NO,  L_NO)                                          \
	X(INT3,      K_EXIT,    M_NO, B_END, L_NO)                                          \
	X(INT,       K_EXIT,    M_NO, B_END, L_NO)                                          \
	X(INTO,      K_EXIT,    M_NO, B_END, L_NO)                                          \
	X(IRET,      K_SERIAL,  M_NO, B_END, L_NO)                                          \
	X(HLT,       K_EXIT,    M_NO, B_END, L_NO)                                          \
	X(PIO,       K_EXIT,    M_NO, B_END, L_NO) /* IN OUT: sub 1 = IN */                 \
	X(IDLE,      K_EXIT,    M_NO, B_END, L_NO)                                          \
	X(TERMINATE, K_EXIT,    M_NO, B_END, L_NO)                                          \
	X(UD,        K_EXIT,    M_NO, B_END, L_NO)                                          \
	X(GP,        K_EXIT,    M_NO, B_END, L_NO)                                          \
	X(XLAT,      K_MOV,     M_NO, B_NO,  L_NO)                                          \
	X(BCD,       K_BCD,     M_NO, B_NO,  L_NO) /* sub: DAA DAS AAA AAS AAM AAD */       \
	X(BLOCK_END, K_SYNTH,   M_NO, B_NO,  L_NO) /* synthetic entries (exec.c) */         \
	X(SMC_EXIT,  K_SYNTH,   M_NO, B_NO,  L_NO)                                          \
	X(STEP_END,  K_SYNTH,   M_NO, B_NO,  L_NO)
// clang-format on

enum op {
#define X(n, cost, mem, end, lock) OP_##n,
	CPU_OPS(X)
#undef X
	OP_COUNT
};

// Specialised handlers (exec.c), numbered after the ops: a Jcc per condition code, a
// 32-bit CMP or TEST of registers (or a register and an immediate) fused with the Jcc
// that follows it in the block, and 32-bit ALU ops and shifts whose flags nothing can
// see (exec_select). exec_select picks them when a block is built; what an
// instruction does is still given by its op and operands alone.
#define CPU_CCS(X, P)                                                                  \
	X(P, 0) X(P, 1) X(P, 2) X(P, 3) X(P, 4) X(P, 5) X(P, 6) X(P, 7) X(P, 8) X(P, 9)   \
	X(P, 10) X(P, 11) X(P, 12) X(P, 13) X(P, 14) X(P, 15)
#define CPU_XOP_CC(P, CC) XOP_##P##_##CC,
// The ops with address-specialised handlers (MOVZXB: MOVZX r32, byte [m]).
#define CPU_EA_OPS(X)                                                                  \
	X(MOVD_RM) X(MOVD_MR) X(MOVD_MI) X(MOVB_RM) X(MOVB_MR) X(MOVZXB) X(LEA)         \
	X(ADDD_RM) X(ORD_RM) X(ANDD_RM) X(SUBD_RM) X(XORD_RM) X(CMPD_RM) X(CMPD_MR)     \
	X(CMPD_MI)
#define CPU_XOP_EA(N) XOP_##N##_B, XOP_##N##_X,
enum xop {
	XOP_FIRST = OP_COUNT - 1,
	CPU_CCS(CPU_XOP_CC, JCC) // Jcc by condition code
	CPU_CCS(CPU_XOP_CC, CMPRR) // CMP r32, r32 + Jcc
	CPU_CCS(CPU_XOP_CC, CMPRI) // CMP r32, imm + Jcc
	CPU_CCS(CPU_XOP_CC, TESTRR) // TEST r32, r32 + Jcc
	// More compares fused with the Jcc after them, the memory forms without the 67
	// prefix: CMP r8, r8 / imm / m8, CMP m8, r8 / imm, TEST r8, r8, CMP r32, m32, CMP
	// m32, r32 / imm, and INC and DEC of 32 bits
	CPU_CCS(CPU_XOP_CC, CMPBRR) CPU_CCS(CPU_XOP_CC, CMPBRI) CPU_CCS(CPU_XOP_CC, CMPBRM)
	CPU_CCS(CPU_XOP_CC, CMPBMR) CPU_CCS(CPU_XOP_CC, CMPBMI) CPU_CCS(CPU_XOP_CC, TESTBRR)
	CPU_CCS(CPU_XOP_CC, CMPDRM) CPU_CCS(CPU_XOP_CC, CMPDMR) CPU_CCS(CPU_XOP_CC, CMPDMI)
	CPU_CCS(CPU_XOP_CC, INCJ) CPU_CCS(CPU_XOP_CC, DECJ)
	// 32-bit ops whose flags are dead (exec_select): the result without the lazy flags
	XOP_NF_ADDRR, XOP_NF_ADDRI, XOP_NF_ORRR, XOP_NF_ORRI, XOP_NF_ANDRR, XOP_NF_ANDRI,
	XOP_NF_SUBRR, XOP_NF_SUBRI, XOP_NF_XORRR, XOP_NF_XORRI, XOP_NF_SHL, XOP_NF_SHR,
	XOP_NF_SAR, XOP_NF_INC, XOP_NF_DEC, // INC DEC r32: CF kept, no lazy record
	// 32-bit register forms by sub-operation: shifts and rotates by an immediate
	// (1..31), INC, DEC, MOVZX r32, r8; IMUL r32, r32 / r32 * imm / m32 (or m32 *
	// imm, without the 67 prefix)
	XOP_SHL32I, XOP_SHR32I, XOP_SAR32I, XOP_ROL32I, XOP_ROR32I, XOP_INC32, XOP_DEC32,
	XOP_MOVZXB_R, XOP_IMUL32RR, XOP_IMUL32RI, XOP_IMUL32M,
	// MOVSX and MOVZX into 32 bits from r8, r16, m8, m16 (memory without the 67
	// prefix), but MOVZX r32, r8 above and MOVZX r32, m8 among the EA forms below
	XOP_MOVSXB_R, XOP_MOVZXW_R, XOP_MOVSXW_R, XOP_MOVSXB_M, XOP_MOVZXW_M, XOP_MOVSXW_M,
	// SHLD and SHRD of 32-bit registers by an immediate count (1..31)
	XOP_SHLD32I, XOP_SHRD32I,
	// Memory forms without the 67 prefix, their effective address specialised:
	// _B base + displacement (no index), _X base + index << scale + displacement
	CPU_EA_OPS(CPU_XOP_EA)
	XOP_END
};
#undef CPU_XOP_EA
#undef CPU_XOP_CC

// The handler for d (entry i of a block of n entries, synthetic end included).
uint16_t exec_select(const struct dinsn *d, int i, int n);

// The ALU families of CPU_OPS, in its order: ADD..CMP numbered as x86 does (bits 3-5 of
// opcodes 00-3D, the reg field of 80-83), then TEST. Each family has three sizes (8, 16,
// 32 bits) of five operand forms (ALU_FORMS), and the MOV ops that follow have the
// same five forms.
enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST };
enum op_form { FORM_RR, FORM_RI, FORM_RM, FORM_MR, FORM_MI, FORM_COUNT };
#define ALU_FAMILY_OPS (3 * FORM_COUNT)
_Static_assert(OP_ADDB_RR == 0 && OP_MOVB_RR == (ALU_TEST + 1) * ALU_FAMILY_OPS &&
		       OP_UNARY_R == OP_MOVB_RR + ALU_FAMILY_OPS,
	       "CPU_OPS: nine ALU families, then MOV, of 3 sizes x 5 forms each");

// The op of ALU family a, size index s (0: 8-bit, 1: 16, 2: 32) and form f.
static inline int alu_opcode(enum alu_op a, int s, enum op_form f)
{
	return OP_ADDB_RR + (int)a * ALU_FAMILY_OPS + s * FORM_COUNT + (int)f;
}
// The MOV op of size index s and form f.
static inline int mov_opcode(int s, enum op_form f)
{
	return OP_MOVB_RR + s * FORM_COUNT + (int)f;
}
static inline bool op_is_alu(int op) { return op < OP_MOVB_RR; }
static inline bool op_is_mov(int op) { return op >= OP_MOVB_RR && op < OP_UNARY_R; }
// The family of an ALU op, and the form of an ALU or MOV op.
static inline enum alu_op op_alu(int op) { return (enum alu_op)(op / ALU_FAMILY_OPS); }
static inline enum op_form op_form(int op) { return (enum op_form)(op % FORM_COUNT); }
// CMP and TEST only set flags: they never write their destination.
static inline bool alu_writes(enum alu_op a) { return a != ALU_CMP && a != ALU_TEST; }

// Lazy-flag operations (cpu_lazy.op): kind * 4 + log2(size).
enum lf_kind { LF_NONE = 0, LF_ADD, LF_SUB, LF_LOGIC, LF_INC, LF_DEC, LF_NEG, LF_SHL, LF_SHR, LF_SAR,
		   LF_MUL };
#define LF(kind, sizelog) ((uint8_t)((kind) << 2 | (sizelog)))

// --- The executor (dcache.c, exec.c) ---------------------------------------------
#define TLB_BITS 8
#define TLB_N (1u << TLB_BITS)
#define CTLB_N 32u
#define BLOCK_MAX 64
// Never equals a tag: tags are a page address plus at most bits 0-1 (alignment).
// (2026-11-29, found by tests/cpu/test_bad_input.c: 1 matched misaligned page-0 accesses.)
#define TLB_INVALID 0xffcu
// wtag = page | TLB_SHARED_W: writes take the slow path (the host page is shared,
// cpu_page_info.shared), and that write is no new miss. Bit 11 is never in a tag.
#define TLB_SHARED_W 0x800u

// A data TLB entry: host address of guest address a is (uint8_t *)(base + a).
// rtag/wtag are the guest page address if reads/writes may use the fast path.
struct tlb_ent {
	uint32_t rtag, wtag;
	uintptr_t base;
};

struct dblock {
	uint16_t n;    // instructions (not counting a trailing OP_BLOCK_END)
	uint16_t cost; // static cycles of all n
	// The blocks that follow in the same dpage, found at the first pass (exec.c,
	// end_chain): next[0] after falling through (a Jcc not taken, OP_BLOCK_END),
	// next[1] at the target of a direct jump, call or taken Jcc/LOOP. NULL until then,
	// and always in the scratch block. Blocks of a dpage die together (a reset or a
	// drop), so a link never outlives its target.
	struct dblock *next[2];
	struct dinsn insn[];
};

#define DBLOCK_CROSS ((struct dblock *)1) // the instruction here crosses the page end

// Decoded code of one host page. blk[off] is the block starting at offset off.
// code[] has one bit per byte of the page that a decoded instruction covers: a write
// that changes such a byte resets the page (dcache_reset); used[] lists the offsets
// whose blk[] entry is set, so that a reset clears only those.
struct dpage {
	const uint8_t *host;
	struct dpage *hnext;   // hash chain
	struct dpage *znext;   // zombie list (dropped while running)
	struct arena *arena;   // block storage, freed with the page
	bool rewind;           // every block in arena is dead: reuse it at the next build
	uint16_t nused, capused;
	uint16_t *used;        // nused offsets (of capused) with blk[off] set
	uint32_t code[CPU_PAGE_SIZE / 32 + 1]; // (+1: a zero word, for code_overlaps8)
	struct dblock *blk[CPU_PAGE_SIZE];
};

struct ctlb_ent {
	uint32_t tag; // guest page address, or TLB_INVALID
	struct dpage *dp;
};

#define ATTN_STEP 1u // cpu_step: stop after one instruction
#define ATTN_SMC 2u  // a write changed the running block, or a mapping changed: re-look-up

struct cpu_exec {
	struct tlb_ent tlb[TLB_N];
	struct ctlb_ent ctlb[CTLB_N];
	// wcode[i]: tlb[i] maps a writable page whose writes must be checked (it holds
	// decoded code, or it is code_page): wtag stays invalid, and the slow path writes
	// through the entry without calling map() again.
	uint8_t wcode[TLB_N];
	uint32_t code_page; // guest page of the running block (set at each block lookup)
	const void *const *labels; // handler addresses by op (computed goto), or NULL
	unsigned attn;
	int block_max;
	// The current run (valid inside cpu_run).
	struct cpu *c;
	const struct cpu_mem *mem;
	bool running;
	struct dinsn *patched; // the entry overwritten with OP_SMC_EXIT, if any
	struct dinsn patched_orig;
	// The block cpu_block_info last reported, which a tracer then runs one instruction
	// at a time with cpu_step_budget: its guest page and byte offsets [lo, hi). A store
	// by one of those instructions into the rest of it ends it as in cpu_run
	// (after_in_block). cpu_run and cpu_step forget it.
	bool sblk_valid;
	uint32_t sblk_page;
	uint16_t sblk_lo, sblk_hi;
	// The decode cache: dpages by host page address.
	struct dpage **hash;
	size_t hash_size, count;
	struct dpage *zombies;
	size_t dcache_max; // bytes of decoded code before everything is dropped
	const struct cpu *last_cpu; // TLB owner
	const void *last_ctx;
	struct cpu_exec_stats st;
	struct dblock *scratch; // one instruction + its end entry (dcache_scratch)
};

// dcache.c
struct dpage *dcache_code_page(struct cpu_exec *x, uint32_t eip, struct ctlb_ent *ce);
struct dblock *dcache_build(struct cpu_exec *x, struct dpage *dp, unsigned off);
struct dblock *dcache_scratch(struct cpu_exec *x, uint32_t eip, bool step);
void dcache_free_zombies(struct cpu_exec *x);
void dcache_flush_ctlb(struct cpu_exec *x);
struct dpage *dcache_find(struct cpu_exec *x, const uint8_t *host);
bool dcache_drop(struct cpu_exec *x, const uint8_t *host); // true if it had code
bool dcache_overlaps(const struct dpage *dp, unsigned off, unsigned len);
// dcache_overlaps for an access of n <= 8 bytes at off (off + n may pass the page end:
// only the bytes inside count): the hot case of a store into a page with code.
static inline bool dcache_overlaps8(const struct dpage *dp, unsigned off, unsigned n)
{
	unsigned w = off / 32;
	uint64_t bits = ((uint64_t)dp->code[w + 1] << 32 | dp->code[w]) >> (off & 31);
	return (bits & ((1ull << n) - 1)) != 0;
}
void dcache_reset(struct cpu_exec *x, struct dpage *dp); // forget its blocks
// tlb.c: slow memory paths. Return 0, or -1 after recording a #PF in x->c->fault.
// `d` is the executing instruction (for self-modifying-code handling).
int tlb_slow_read(struct cpu_exec *x, struct dinsn *d, uint32_t a, unsigned size,
		  enum cpu_access acc, uint64_t *out);
int tlb_slow_write(struct cpu_exec *x, struct dinsn *d, uint32_t a, unsigned size,
		   uint64_t v);

uint32_t flags_eval(const struct cpu *c);       // flags.c: lazy bits only
void flags_materialize(struct cpu *c);          // fold lazy into eflags, op = 0
int flags_cond(const struct cpu *c, int cc);    // condition code 0..15 holds?
// The condition cc on materialised flags f (the SDM's table: O NO B AE E NE BE A S NS P
// NP L GE LE G); flags_cond's last step, and exec.c's once it has the flags.
static inline int flags_cond_of(uint32_t f, int cc)
{
	int r;
	switch (cc >> 1) {
	case 0: r = (f & CPU_OF) != 0; break;
	case 1: r = (f & CPU_CF) != 0; break;
	case 2: r = (f & CPU_ZF) != 0; break;
	case 3: r = (f & (CPU_CF | CPU_ZF)) != 0; break;
	case 4: r = (f & CPU_SF) != 0; break;
	case 5: r = (f & CPU_PF) != 0; break;
	case 6: r = !(f & CPU_SF) != !(f & CPU_OF); break;
	default: r = (f & CPU_ZF) || (!(f & CPU_SF) != !(f & CPU_OF)); break;
	}
	return r ^ (cc & 1);
}
extern const uint8_t flags_parity[256];         // PF for a byte

// The cost table (cost.c).
uint16_t cost_of(const struct dinsn *d);
// Dynamic costs, in cycles.
#define COST_TAKEN_BRANCH 2
#define COST_REP_ITER 1
#define COST_DIV_EXTRA 0

// The decoder (decode.c). Decodes one instruction at p (avail bytes readable).
// Returns its length, 0 if the bytes are not a valid instruction of the subset
// (d->op is then OP_UD, d->len the bytes consumed so far, at least 1), or -1 if the
// instruction does not fit in avail bytes.
int decode_one(const uint8_t *bytes, size_t avail, struct dinsn *d);
const char *decode_op_name(int op);

#endif
