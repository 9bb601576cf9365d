// SPDX-License-Identifier: MIT
// Workload "bytecode": a tiny stack machine (switch dispatch, 8 locals, 32-bit
// wrapping values) running two programs: iterative Fibonacci mod 2^32 for n = 0..N,
// and a nested loop summing i*j ^ (i+j). The interpreter loop is the kind of
// unpredictable-branch code an emulator finds hard.
#include "compute.h"

enum op {
	OP_PUSH,  // push imm32 (the next 4 bytes, little-endian)
	OP_LOAD,  // push local[imm8]
	OP_STORE, // local[imm8] = pop
	OP_ADD, OP_SUB, OP_MUL, OP_XOR, OP_LT, // pop b, pop a, push a op b (LT: 1 or 0)
	OP_DUP,   // push top
	OP_DROP,  // pop
	OP_JMP,   // pc = imm16
	OP_JZ,    // if pop == 0: pc = imm16
	OP_OUT,   // fold pop into the machine's checksum
	OP_HALT,
};

struct machine {
	uint32_t stack[32];
	uint32_t local[8];
	uint32_t out; // checksum of OP_OUT values
	int steps;
};

// Runs prog; returns the number of instructions executed, or -1 on a bad program.
static int run(struct machine *m, const uint8_t *prog, int len)
{
	int pc = 0, sp = 0;
	for (;;) {
		if (pc < 0 || pc >= len)
			return -1;
		m->steps++;
		uint8_t op = prog[pc++];
		uint32_t a, b;
		switch (op) {
		case OP_PUSH:
			m->stack[sp++] = (uint32_t)prog[pc] | (uint32_t)prog[pc + 1] << 8 |
				(uint32_t)prog[pc + 2] << 16 | (uint32_t)prog[pc + 3] << 24;
			pc += 4;
			break;
		case OP_LOAD:
			m->stack[sp++] = m->local[prog[pc++] & 7];
			break;
		case OP_STORE:
			m->local[prog[pc++] & 7] = m->stack[--sp];
			break;
		case OP_ADD:
		case OP_SUB:
		case OP_MUL:
		case OP_XOR:
		case OP_LT:
			b = m->stack[--sp];
			a = m->stack[--sp];
			m->stack[sp++] = op == OP_ADD ? a + b : op == OP_SUB ? a - b
				: op == OP_MUL ? a * b : op == OP_XOR ? a ^ b : (uint32_t)(a < b);
			break;
		case OP_DUP:
			m->stack[sp] = m->stack[sp - 1];
			sp++;
			break;
		case OP_DROP:
			sp--;
			break;
		case OP_JMP:
			pc = prog[pc] | prog[pc + 1] << 8;
			break;
		case OP_JZ:
			if (m->stack[--sp] == 0)
				pc = prog[pc] | prog[pc + 1] << 8;
			else
				pc += 2;
			break;
		case OP_OUT:
			m->out = mix32(m->out, m->stack[--sp]);
			break;
		case OP_HALT:
			return m->steps;
		default:
			return -1;
		}
		if (sp < 0 || sp > 30)
			return -1;
	}
}

// A little assembler for building the programs at run time.
struct prog {
	uint8_t code[256];
	int len;
};

static void emit(struct prog *p, uint8_t b) { p->code[p->len++] = b; }
static void emit_op1(struct prog *p, enum op op, uint8_t arg)
{
	emit(p, (uint8_t)op);
	emit(p, arg);
}
static void emit_push(struct prog *p, uint32_t v)
{
	emit(p, OP_PUSH);
	for (int i = 0; i < 4; i++)
		emit(p, (uint8_t)(v >> (8 * i)));
}
// Emits a jump to `target`, or to a later patch() if target < 0; returns its operand.
static int emit_jump(struct prog *p, enum op op, int target)
{
	emit(p, (uint8_t)op);
	int at = p->len;
	emit(p, (uint8_t)target);
	emit(p, (uint8_t)(target >> 8));
	return at;
}
static void patch(struct prog *p, int at)
{
	p->code[at] = (uint8_t)p->len;
	p->code[at + 1] = (uint8_t)(p->len >> 8);
}

enum { L_N, L_A, L_B, L_K, L_LIMIT, L_I, L_J, L_S };

// for n in 0..limit-1: a, b = 0, 1; repeat n times: a, b = b, a + b; out(a)
static void build_fib(struct prog *p)
{
	emit_push(p, 0);
	emit_op1(p, OP_STORE, L_N);
	int top = p->len;
	emit_op1(p, OP_LOAD, L_N);
	emit_op1(p, OP_LOAD, L_LIMIT);
	emit(p, OP_LT);
	int to_end = emit_jump(p, OP_JZ, -1);
	emit_push(p, 0);
	emit_op1(p, OP_STORE, L_A);
	emit_push(p, 1);
	emit_op1(p, OP_STORE, L_B);
	emit_op1(p, OP_LOAD, L_N);
	emit_op1(p, OP_STORE, L_K);
	int inner = p->len;
	emit_op1(p, OP_LOAD, L_K);
	int to_after = emit_jump(p, OP_JZ, -1);
	emit_op1(p, OP_LOAD, L_B);     // [b]
	emit(p, OP_DUP);               // [b b]
	emit_op1(p, OP_LOAD, L_A);     // [b b a]
	emit(p, OP_ADD);               // [b a+b]
	emit_op1(p, OP_STORE, L_B);    // b = a + b
	emit_op1(p, OP_STORE, L_A);    // a = old b
	emit_op1(p, OP_LOAD, L_K);
	emit_push(p, 1);
	emit(p, OP_SUB);
	emit_op1(p, OP_STORE, L_K);
	emit_jump(p, OP_JMP, inner);
	patch(p, to_after);
	emit_op1(p, OP_LOAD, L_A);
	emit(p, OP_OUT);
	emit_op1(p, OP_LOAD, L_N);
	emit_push(p, 1);
	emit(p, OP_ADD);
	emit_op1(p, OP_STORE, L_N);
	emit_jump(p, OP_JMP, top);
	patch(p, to_end);
	emit(p, OP_HALT);
}

// s = 0; for i in 0..limit-1: for j in 0..limit-1: s += i*j ^ (i+j); out(s) per row
static void build_loops(struct prog *p)
{
	emit_push(p, 0);
	emit_op1(p, OP_STORE, L_S);
	emit_push(p, 0);
	emit_op1(p, OP_STORE, L_I);
	int outer = p->len;
	emit_op1(p, OP_LOAD, L_I);
	emit_op1(p, OP_LOAD, L_LIMIT);
	emit(p, OP_LT);
	int to_end = emit_jump(p, OP_JZ, -1);
	emit_push(p, 0);
	emit_op1(p, OP_STORE, L_J);
	int inner = p->len;
	emit_op1(p, OP_LOAD, L_J);
	emit_op1(p, OP_LOAD, L_LIMIT);
	emit(p, OP_LT);
	int to_next = emit_jump(p, OP_JZ, -1);
	emit_op1(p, OP_LOAD, L_S);
	emit_op1(p, OP_LOAD, L_I);
	emit_op1(p, OP_LOAD, L_J);
	emit(p, OP_MUL);
	emit_op1(p, OP_LOAD, L_I);
	emit_op1(p, OP_LOAD, L_J);
	emit(p, OP_ADD);
	emit(p, OP_XOR);
	emit(p, OP_ADD);
	emit_op1(p, OP_STORE, L_S);
	emit_op1(p, OP_LOAD, L_J);
	emit_push(p, 1);
	emit(p, OP_ADD);
	emit_op1(p, OP_STORE, L_J);
	emit_jump(p, OP_JMP, inner);
	patch(p, to_next);
	emit_op1(p, OP_LOAD, L_S);
	emit(p, OP_OUT);
	emit_op1(p, OP_LOAD, L_I);
	emit_push(p, 1);
	emit(p, OP_ADD);
	emit_op1(p, OP_STORE, L_I);
	emit_jump(p, OP_JMP, outer);
	patch(p, to_end);
	emit(p, OP_HALT);
}

uint32_t wl_bytecode(void)
{
	static struct prog fib, loops;
	struct machine m = { .out = 0 };
	fib.len = loops.len = 0;
	build_fib(&fib);
	build_loops(&loops);
	m.local[L_LIMIT] = 90;
	int steps = run(&m, fib.code, fib.len);
	if (steps < 0)
		return 0xbadb0001u;
	if (m.local[L_A] != 0x1e77decdu) // fib(89) mod 2^32 (1779979416004714189)
		return 0xbadb0002u;
	struct machine m2 = { .out = 0 };
	m2.local[L_LIMIT] = 40;
	int steps2 = run(&m2, loops.code, loops.len);
	if (steps2 < 0)
		return 0xbadb0003u;
	return mix32(mix32(mix32(m.out, m2.out), (uint32_t)steps), (uint32_t)steps2);
}
