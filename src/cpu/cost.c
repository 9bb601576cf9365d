// SPDX-License-Identifier: MIT
// The cycle cost table, version 1 (docs/timing.md explains every number).
//
// Simulated time advances only from this table. Each decoded instruction carries a
// static cost: its class's base cost, plus COST_MEM_LOAD when it reads a memory
// operand, plus COST_MEM_STORE when it writes one. Dynamic parts are added by the run
// loop: COST_TAKEN_BRANCH for a taken branch, COST_REP_ITER per REP iteration.
// The numbers approximate a 1.7 GHz Pentium 4 (the paper's server) for integer code:
// an average, not a pipeline model.
#include "cpu/cpu_internal.h"


#define COST_MEM_LOAD 1
#define COST_MEM_STORE 1

enum cost_class { K_ALU, K_MOV, K_MUL, K_DIV, K_SHIFT, K_BRANCH, K_CALL, K_STACK, K_STRING,
		  K_BITSCAN, K_XCHG, K_ATOMIC, K_FLAGS, K_SERIAL, K_BCD, K_EXIT, K_NOP };

static const uint16_t class_cost[] = {
	[K_ALU] = 1,     // ADD SUB AND OR XOR CMP TEST INC DEC NOT NEG SETcc CMOVcc LEA
	[K_MOV] = 1,     // MOV MOVZX MOVSX CBW CWD BSWAP XLAT
	[K_MUL] = 10,    // MUL IMUL
	[K_DIV] = 40,    // DIV IDIV
	[K_SHIFT] = 2,   // shifts, rotates, SHLD/SHRD, BT*
	[K_BRANCH] = 1,  // JMP Jcc LOOP (+COST_TAKEN_BRANCH when taken)
	[K_CALL] = 3,    // CALL RET
	[K_STACK] = 1,   // PUSH POP (+ memory)
	[K_STRING] = 3,  // string ops: setup (+COST_REP_ITER per iteration)
	[K_BITSCAN] = 4, // BSF BSR TZCNT LZCNT
	[K_XCHG] = 2,    // XCHG XADD (register forms)
	[K_ATOMIC] = 20, // XCHG with memory, LOCK-prefixed ops, CMPXCHG8B
	[K_FLAGS] = 4,   // PUSHF POPF SAHF LAHF CLC STC CMC CLD STD PUSHA POPA ENTER LEAVE
	[K_SERIAL] = 100, // CPUID, IRET
	[K_BCD] = 4,     // DAA DAS AAA AAS AAM AAD
	[K_EXIT] = 1,    // IN OUT IDLE TERMINATE INT HLT UD GP (the kernel adds its costs)
	[K_NOP] = 1,
};

static enum cost_class classify(const struct dinsn *d)
{
	if (d->op < OP_MOVB_RR)
		return K_ALU;
	if (d->op < OP_UNARY_R)
		return K_MOV;
	switch (d->op) {
	case OP_UNARY_R: case OP_UNARY_M: case OP_LEA: case OP_LEAW: case OP_SETCC_R:
	case OP_SETCC_M: case OP_CMOV_R: case OP_CMOV_M:
		return K_ALU;
	case OP_MOVX_R: case OP_MOVX_M: case OP_CBW: case OP_CWD: case OP_BSWAP: case OP_XLAT:
		return K_MOV;
	case OP_IMUL2_R: case OP_IMUL2_M:
		return K_MUL;
	case OP_MULDIV_R: case OP_MULDIV_M:
		return d->sub < 2 ? K_MUL : K_DIV;
	case OP_SHIFT_R: case OP_SHIFT_M: case OP_SHXD_R: case OP_SHXD_M: case OP_BT_R:
	case OP_BT_M:
		return K_SHIFT;
	case OP_JMP: case OP_JCC: case OP_JMP_R: case OP_JMP_M: case OP_LOOP:
		return K_BRANCH;
	case OP_CALL: case OP_CALL_R: case OP_CALL_M: case OP_RET:
		return K_CALL;
	case OP_PUSH_R: case OP_PUSH_I: case OP_PUSH_M: case OP_POP_R: case OP_POP_M:
		return K_STACK;
	case OP_MOVS: case OP_STOS: case OP_LODS: case OP_SCAS: case OP_CMPS:
		return K_STRING;
	case OP_BSCAN_R: case OP_BSCAN_M:
		return K_BITSCAN;
	case OP_XCHG_R: case OP_XADD_R: case OP_CMPXCHG_R:
		return K_XCHG;
	case OP_XCHG_M: case OP_CMPXCHG8B:
		return K_ATOMIC;
	case OP_XADD_M: case OP_CMPXCHG_M:
		return (d->flags & DI_LOCK) ? K_ATOMIC : K_XCHG;
	case OP_PUSHF: case OP_POPF: case OP_FLAGOP: case OP_PUSHA: case OP_POPA: case OP_ENTER:
	case OP_LEAVE:
		return K_FLAGS;
	case OP_CPUID: case OP_IRET: case OP_RDTSC:
		return K_SERIAL;
	case OP_BCD:
		return K_BCD;
	case OP_NOP: case OP_BLOCK_END: case OP_SMC_EXIT: case OP_STEP_END:
		return K_NOP;
	default:
		return K_EXIT;
	}
}

uint16_t cost_of(const struct dinsn *d)
{
	if (d->op == OP_BLOCK_END || d->op == OP_SMC_EXIT || d->op == OP_STEP_END)
		return 0;
	enum cost_class k = classify(d);
	uint16_t c = class_cost[k];
	if (d->flags & DI_MEM) {
		// Loads for every memory form except pure stores; stores for destinations.
		bool store = false, load = true;
		if (op_is_alu(d->op)) {
			enum op_form f = op_form(d->op);
			store = (f == FORM_MR || f == FORM_MI) && alu_writes(op_alu(d->op));
		} else if (op_is_mov(d->op)) {
			enum op_form f = op_form(d->op);
			store = f == FORM_MR || f == FORM_MI;
			load = !store;
		} else {
			switch (d->op) {
			case OP_UNARY_M: case OP_SHIFT_M: case OP_SHXD_M: case OP_XADD_M:
			case OP_CMPXCHG_M: case OP_XCHG_M:
				store = true;
				break;
			case OP_BT_M:
				store = d->sub != 0;
				break;
			case OP_SETCC_M: case OP_POP_M:
				store = true;
				load = d->op == OP_POP_M;
				break;
			case OP_LEA: case OP_LEAW:
				load = false;
				break;
			default:
				break;
			}
		}
		if (load)
			c += COST_MEM_LOAD;
		if (store)
			c += COST_MEM_STORE;
	}
	if ((d->flags & DI_LOCK) && k != K_ATOMIC)
		c += class_cost[K_ATOMIC];
	return c;
}
