// SPDX-License-Identifier: MIT
// Lazy flags. The common flag-setting operations (ADD, SUB/CMP, AND/OR/XOR/TEST, INC,
// DEC, NEG) record their operands and result in cpu.lazy; the six arithmetic flags are
// computed only when something reads them. INC and DEC do not change CF: when they
// start, CF is folded into eflags, and their lazy form covers the other five flags.
// Everything else (shifts, MUL, ADC...) writes eflags directly with lazy.op = 0.
#include "cpu/cpu_internal.h"

const uint8_t flags_parity[256] = {
#define P2(n) n, n ^ CPU_PF, n ^ CPU_PF, n
#define P4(n) P2(n), P2(n ^ CPU_PF), P2(n ^ CPU_PF), P2(n)
#define P6(n) P4(n), P4(n ^ CPU_PF), P4(n ^ CPU_PF), P4(n)
	P6(CPU_PF), P6(0), P6(0), P6(CPU_PF)
#undef P2
#undef P4
#undef P6
};

static uint32_t szp(uint32_t res, uint32_t sign)
{
	uint32_t f = flags_parity[res & 0xff];
	if (res == 0)
		f |= CPU_ZF;
	if (res & sign)
		f |= CPU_SF;
	return f;
}

// The arithmetic flags the lazy op defines (for INC/DEC all but CF).
static uint32_t lazy_mask(uint8_t op)
{
	int kind = op >> 2;
	if (kind == LF_INC || kind == LF_DEC)
		return CPU_ARITH_FLAGS & ~CPU_CF;
	return kind == LF_NONE ? 0 : CPU_ARITH_FLAGS;
}

uint32_t flags_eval(const struct cpu *c)
{
	const struct cpu_lazy *l = &c->lazy;
	int sl = l->op & 3;
	uint32_t sign = 1u << ((8u << sl) - 1);
	uint32_t mask = sl == 2 ? 0xffffffffu : (1u << (8u << sl)) - 1;
	uint32_t r = l->res, a = l->a, b = l->b;
	uint32_t f = szp(r, sign);
	switch (l->op >> 2) {
	case LF_ADD:
		if ((r & mask) < (a & mask))
			f |= CPU_CF;
		if (((a ^ r) & (b ^ r)) & sign)
			f |= CPU_OF;
		f |= (a ^ b ^ r) & CPU_AF;
		break;
	case LF_SUB:
		if ((a & mask) < (b & mask))
			f |= CPU_CF;
		if (((a ^ b) & (a ^ r)) & sign)
			f |= CPU_OF;
		f |= (a ^ b ^ r) & CPU_AF;
		break;
	case LF_LOGIC:
		break;
	case LF_INC:
		if ((r & mask) == sign)
			f |= CPU_OF;
		if ((r & 0xf) == 0)
			f |= CPU_AF;
		break;
	case LF_DEC:
		if ((r & mask) == sign - 1)
			f |= CPU_OF;
		if ((r & 0xf) == 0xf)
			f |= CPU_AF;
		break;
	case LF_SHL: { // b = count (1..31)
		unsigned bits = 8u << sl;
		uint32_t cf = b <= bits ? (a >> (bits - b)) & 1 : 0;
		f |= cf;
		if (!!(r & sign) != cf)
			f |= CPU_OF;
		break;
	}
	case LF_SHR: {
		unsigned bits = 8u << sl;
		if (b <= bits && ((a >> (b - 1)) & 1))
			f |= CPU_CF;
		if (b == 1 && (a & sign))
			f |= CPU_OF;
		break;
	}
	case LF_SAR: {
		unsigned bits = 8u << sl;
		int32_t sa = (int32_t)(a << (32 - bits)) >> (32 - bits);
		f |= (uint32_t)(sa >> (b < bits ? b - 1 : bits - 1)) & 1;
		break;
	}
	case LF_MUL: // a = 1 when the product did not fit (CF = OF = 1); AF is 0
		if (a)
			f |= CPU_CF | CPU_OF;
		break;
	case LF_NEG: // res = 0 - b
		if ((r & mask) != 0)
			f |= CPU_CF;
		if ((r & mask) == sign)
			f |= CPU_OF;
		f |= (b ^ r) & CPU_AF;
		break;
	default:
		return 0;
	}
	return f;
}

void flags_materialize(struct cpu *c)
{
	if (c->lazy.op == 0)
		return;
	uint32_t m = lazy_mask(c->lazy.op);
	c->eflags = (c->eflags & ~m) | (flags_eval(c) & m);
	c->lazy.op = 0;
}

uint32_t cpu_get_eflags(const struct cpu *c)
{
	if (c->lazy.op == 0)
		return c->eflags;
	uint32_t m = lazy_mask(c->lazy.op);
	return (c->eflags & ~m) | (flags_eval(c) & m);
}

void cpu_set_eflags(struct cpu *c, uint32_t eflags)
{
	c->eflags = (eflags & 0x003f7fd5u) | 2u;
	c->lazy.op = 0;
}

// Condition codes, x86 order: O NO B AE E NE BE A S NS P NP L GE LE G.
int flags_cond(const struct cpu *c, int cc)
{
	const struct cpu_lazy *l = &c->lazy;
	int kind = l->op >> 2;
	int r;
	if (kind == LF_SUB) {
		// Fast path after CMP/SUB: compare the operands directly.
		int sl = l->op & 3;
		int sh = 32 - (8 << sl);
		uint32_t a = l->a << sh, b = l->b << sh; // left-aligned
		switch (cc >> 1) {
		case 1: r = a < b; goto out;
		case 2: r = a == b; goto out;
		case 3: r = a <= b; goto out;
		case 6: r = (int32_t)a < (int32_t)b; goto out;
		case 7: r = (int32_t)a <= (int32_t)b; goto out;
		default: break;
		}
	} else if (kind == LF_LOGIC) {
		int sl = l->op & 3;
		int32_t v = (int32_t)(l->res << (32 - (8 << sl)));
		switch (cc >> 1) {
		case 0: r = 0; goto out;
		case 1: r = 0; goto out;
		case 2: r = v == 0; goto out;
		case 3: r = v == 0; goto out;
		case 4: r = v < 0; goto out;
		case 6: r = v < 0; goto out;
		case 7: r = v <= 0; goto out;
		default: break;
		}
	}
	return flags_cond_of(cpu_get_eflags(c), cc);
out:
	return r ^ (cc & 1);
}

bool cpu_state_valid(const struct cpu *c)
{
	unsigned kind = c->lazy.op >> 2;
	return c->lazy.op == 0 || ((c->lazy.op & 3) <= 2 && kind > LF_NONE && kind <= LF_MUL);
}
