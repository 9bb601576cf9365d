// SPDX-License-Identifier: MIT
// The cycle cost table, version 1 (docs/timing.md explains every number).
//
// Simulated time advances only from this table. Each decoded instruction carries a
// static cost: its class's base cost, plus COST_MEM_LOAD when it reads a memory
// operand, plus COST_MEM_STORE when it writes one. Dynamic parts are added by the run
// loop: COST_TAKEN_BRANCH for a taken branch, COST_REP_ITER per REP iteration.
// The numbers approximate a 1.7 GHz Pentium 4 (the paper's server) for integer code:
// an average, not a pipeline model. Each op's class and memory access are columns of
// CPU_OPS (cpu_internal.h).
#include "cpu/cpu_internal.h"


#define COST_MEM_LOAD 1
#define COST_MEM_STORE 1

static const uint16_t class_cost[K_COUNT] = {
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
	[K_SYNTH] = 0,   // BLOCK_END SMC_EXIT STEP_END
	// K_MULDIV and K_XCHGL stand for one of the above (cost_of)
};

// The cost and memory columns of CPU_OPS, by op.
static const uint8_t op_class[] = {
#define X(n, cost, mem, end, lock) cost,
	CPU_OPS(X)
#undef X
};
static const uint8_t op_mem[] = {
#define X(n, cost, mem, end, lock) mem,
	CPU_OPS(X)
#undef X
};
_Static_assert(sizeof op_class == OP_COUNT && sizeof op_mem == OP_COUNT,
	       "cost.c: one entry per op");

uint16_t cost_of(const struct dinsn *d)
{
	enum cost_class k = (enum cost_class)op_class[d->op];
	if (k == K_MULDIV)
		k = d->sub < 2 ? K_MUL : K_DIV;
	else if (k == K_XCHGL)
		k = (d->flags & DI_LOCK) ? K_ATOMIC : K_XCHG;
	uint16_t c = class_cost[k];
	if (d->flags & DI_MEM) {
		enum op_mem m = (enum op_mem)op_mem[d->op];
		bool load = m == M_R || m == M_RW || m == M_BT;
		bool store = m == M_W || m == M_RW || (m == M_BT && d->sub != 0);
		if (load)
			c += COST_MEM_LOAD;
		if (store)
			c += COST_MEM_STORE;
	}
	if ((d->flags & DI_LOCK) && k != K_ATOMIC)
		c += class_cost[K_ATOMIC];
	return c;
}
