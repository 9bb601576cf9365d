// SPDX-License-Identifier: MIT
// The opcode table CPU_OPS (src/cpu/cpu_internal.h): every op has its four columns
// (cost class, memory access, block end, lockable), and the decoder and the cost table
// that derive from them agree with the instruction set, over the whole opcode map:
// an op has a memory operand exactly when its mem column says so, ends its block
// exactly when its end column says so, LOCK is accepted on exactly the instructions the
// Intel SDM lists (LOCK prefix: ADD ADC AND BTC BTR BTS CMPXCHG CMPXCHG8B DEC INC NEG
// NOT OR SBB SUB XOR XADD XCHG with a memory destination), and a sample of
// instructions costs what docs/timing.md says.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cpu/cpu_internal.h"

struct col {
	const char *name;
	int cost, mem, end, lock;
};

static const struct col cols[] = {
#define X(n, cost, mem, end, lock) { #n, cost, mem, end, lock },
	CPU_OPS(X)
#undef X
};

static void test_every_op_has_its_columns(void **state)
{
	(void)state;
	assert_int_equal(sizeof cols / sizeof cols[0], OP_COUNT);
	for (int op = 0; op < OP_COUNT; op++) {
		const struct col *c = &cols[op];
		assert_string_equal(c->name, decode_op_name(op));
		assert_true(c->cost >= 0 && c->cost < K_COUNT);
		assert_true(c->mem >= M_NO && c->mem <= M_EA);
		assert_true(c->end == B_NO || c->end == B_END);
		assert_true(c->lock == L_NO || c->lock == L_OK);
		// LOCK needs a memory operand that can be written; no cost for synthetic ones.
		if (c->lock == L_OK)
			assert_true(c->mem == M_RW || c->mem == M_BT || op == OP_CMPXCHG8B);
		bool synth = op == OP_BLOCK_END || op == OP_SMC_EXIT || op == OP_STEP_END;
		assert_int_equal(c->cost == K_SYNTH, synth);
	}
}

// The LOCK-able instructions of the SDM, as (op, sub) of the decoder; sub -1: any.
static bool sdm_lockable(int op, int sub)
{
	if (op_is_alu(op)) // ADD OR ADC SBB AND SUB XOR to memory; not CMP TEST
		return (op_form(op) == FORM_MR || op_form(op) == FORM_MI) &&
		       op_alu(op) != ALU_CMP && op_alu(op) != ALU_TEST;
	switch (op) {
	case OP_UNARY_M: // INC DEC NOT NEG
	case OP_XCHG_M:
	case OP_XADD_M:
	case OP_CMPXCHG_M:
	case OP_CMPXCHG8B:
		return true;
	case OP_BT_M: // BTS BTR BTC, not BT
		return sub != 0;
	default:
		return false;
	}
}

// Every one- and two-byte opcode with every ModRM byte, under a few prefixes.
static void test_decoder_follows_the_columns(void **state)
{
	(void)state;
	static const uint8_t pre[][2] = { { 0 }, { 0x66 }, { 0xf3 }, { 0xf2 }, { 0x67 } };
	static const uint8_t tail[] = { 0x24, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80 };
	long decoded = 0, locked = 0;
	bool seen_op[OP_COUNT] = { 0 };
	for (unsigned p = 0; p < sizeof pre / sizeof pre[0]; p++) {
		for (unsigned two = 0; two < 2; two++) {
			for (unsigned op1 = 0; op1 < 256; op1++) {
				for (unsigned mrm = 0; mrm < 256; mrm++) {
					uint8_t b[24], lb[24];
					size_t n = 0;
					if (pre[p][0])
						b[n++] = pre[p][0];
					if (two)
						b[n++] = 0x0f;
					else if (op1 == 0x0f)
						continue;
					b[n++] = (uint8_t)op1;
					b[n++] = (uint8_t)mrm;
					memcpy(b + n, tail, sizeof tail);
					struct dinsn d, l;
					int len = decode_one(b, n + sizeof tail, &d);
					assert_true(len >= 0);
					seen_op[d.op] = true;
					if (d.op == OP_UD)
						continue;
					decoded++;
					const struct col *c = &cols[d.op];
					if (((d.flags & DI_MEM) != 0) != (c->mem != M_NO))
						fail_msg("%02x %02x %02x: %s mem column %d, DI_MEM %d", b[0],
							 b[1], b[2], c->name, c->mem, d.flags & DI_MEM);
					assert_int_equal((d.flags & DI_TERM) != 0, c->end == B_END);
					// The same bytes after a LOCK prefix.
					lb[0] = 0xf0;
					memcpy(lb + 1, b, n + sizeof tail);
					int ll = decode_one(lb, n + 1 + sizeof tail, &l);
					bool want = (d.flags & DI_MEM) && sdm_lockable(d.op, d.sub);
					if ((ll > 0 && l.op != OP_UD) != want)
						fail_msg("%02x %02x %02x: %s sub %d: LOCK %s", b[0], b[1],
							 b[2], c->name, d.sub,
							 want ? "refused" : "accepted");
					if (want) {
						locked++;
						assert_true(l.flags & DI_LOCK);
						assert_int_equal(l.op, d.op);
					}
				}
			}
		}
	}
	// Floors: the sweep really decoded the map (a broken decoder cannot pass vacuously).
	assert_true(decoded > 100000);
	assert_true(locked > 1000);
	for (int op = 0; op < OP_COUNT; op++) {
		// TEST r, r/m and TEST r/m, r are one instruction: the decoder uses MR.
		bool test_rm = op_is_alu(op) && op_alu(op) == ALU_TEST && op_form(op) == FORM_RM;
		bool synth = op == OP_BLOCK_END || op == OP_SMC_EXIT || op == OP_STEP_END;
		if (seen_op[op] == (synth || test_rm))
			fail_msg("%s %s", decode_op_name(op), synth ? "decoded" : "never decoded");
	}
}

// Costs from docs/timing.md: class base + 1 per memory read + 1 per memory write, and
// LOCK adds ATOMIC (20) outside the atomic class.
static void test_costs(void **state)
{
	(void)state;
	static const struct {
		const char *hex;
		int cost;
	} v[] = {
		{ "01d8", 1 },             // add eax, ebx
		{ "0118", 3 },             // add [eax], ebx: ALU + load + store
		{ "3918", 2 },             // cmp [eax], ebx: no store
		{ "8518", 2 },             // test [eax], ebx
		{ "8b18", 2 },             // mov ebx, [eax]: load
		{ "8918", 2 },             // mov [eax], ebx: store
		{ "c60001", 2 },           // mov byte [eax], 1
		{ "8d1c18", 1 },           // lea ebx, [eax+ebx]: no access
		{ "f7f1", 40 },            // div ecx
		{ "f730", 41 },            // div dword [eax]
		{ "f7e1", 10 },            // mul ecx
		{ "0fafc1", 10 },          // imul eax, ecx
		{ "0fa300", 3 },           // bt [eax], eax: SHIFT + load
		{ "0fab00", 4 },           // bts [eax], eax: + store
		{ "f00fab00", 24 },        // lock bts [eax], eax
		{ "0fc100", 4 },           // xadd [eax], eax: XCHG + load + store
		{ "f00fc100", 22 },        // lock xadd: ATOMIC + load + store
		{ "8700", 22 },            // xchg [eax], eax: ATOMIC
		{ "f00fc708", 21 },        // lock cmpxchg8b [eax]: ATOMIC + load
		{ "f00100", 23 },          // lock add [eax], eax
		{ "8f00", 3 },             // pop dword [eax]: STACK + load + store
		{ "0f9400", 2 },           // sete [eax]: store
		{ "ff30", 2 },             // push dword [eax]
		{ "ff20", 2 },             // jmp [eax]
		{ "e800000000", 3 },       // call
		{ "f3a5", 3 },             // rep movsd (+1 per iteration at run time)
		{ "0fa2", 100 },           // cpuid
		{ "0f0c00", 1 },           // idle
		{ "90", 1 },               // nop
		{ "27", 4 },               // daa
		{ "9c", 4 },               // pushf
		{ "0fbc00", 5 },           // bsf eax, [eax]
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t b[16] = { 0 };
		size_t n = strlen(v[i].hex) / 2;
		for (size_t j = 0; j < n; j++) {
			unsigned x;
			assert_int_equal(sscanf(v[i].hex + 2 * j, "%2x", &x), 1);
			b[j] = (uint8_t)x;
		}
		struct dinsn d;
		assert_int_equal(decode_one(b, n, &d), (int)n);
		if (d.cost != v[i].cost)
			fail_msg("%s (%s): cost %d, expected %d", v[i].hex, decode_op_name(d.op),
				 d.cost, v[i].cost);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_op_has_its_columns),
		cmocka_unit_test(test_decoder_follows_the_columns),
		cmocka_unit_test(test_costs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
