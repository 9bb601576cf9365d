// SPDX-License-Identifier: MIT
// The run loop: cpu_run() executes decoded blocks (dcache.c) with threaded dispatch.
//
// Hot state lives in locals: d (the current instruction), blk, page_base, budget and
// retired. Each block is charged its whole static cost on entry; an exit in the middle
// of a block refunds the part not executed, so c->cycles and c->retired are exact.
// The budget, ATTN_STEP and ATTN_SMC are checked only at block ends (end_block).
//
// Dispatch: computed goto (DISPATCH jumps to d->h) under GCC/Clang; the switch build
// (-Ddispatch=switch, used by the sanitizer tests) dispatches on d->hop, so both run
// the same specialised and fused handlers (exec_select).
// Every handler either falls to NEXT (the next instruction of the block), or ends
// the block by setting eip and jumping to end_block, or leaves through a label at the
// end of the function (fault, leave).
#include <string.h>

#include "cpu/cpu_internal.h"

#define MASK(sz) ((sz) == 4 ? 0xffffffffu : (sz) == 2 ? 0xffffu : 0xffu)
#define SIGN(sz) ((sz) == 4 ? 0x80000000u : (sz) == 2 ? 0x8000u : 0x80u)
#define SL(sz) ((sz) == 4 ? 2 : (sz) == 2 ? 1 : 0)

// Byte registers: AL..BL are byte 0 and AH..BH byte 1 of EAX..EBX, addressed as bytes
// of c->r (a little-endian host, reg8_off), so an 8-bit access is one byte load or
// store; for an entry's reg and rm the offset is computed when the block is built
// (dinsn.r8, dinsn.rm8: getr_o, setr_o).
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "exec.c: byte registers assume a little-endian host"
#endif

static inline uint32_t getr(const struct cpu *c, unsigned sz, unsigned n)
{
	if (sz == 4)
		return c->r[n];
	if (sz == 2)
		return c->r[n] & 0xffff;
	return ((const uint8_t *)c->r)[reg8_off(n)];
}

static inline void setr(struct cpu *c, unsigned sz, unsigned n, uint32_t v)
{
	if (sz == 4) {
		c->r[n] = v;
	} else if (sz == 2) {
		c->r[n] = (c->r[n] & 0xffff0000u) | (v & 0xffff);
	} else {
		((uint8_t *)c->r)[reg8_off(n)] = (uint8_t)v;
	}
}

// getr and setr of register n whose byte offset as a byte register is o (an entry's
// reg with r8, rm with rm8).
static inline uint32_t getr_o(const struct cpu *c, unsigned sz, unsigned n, unsigned o)
{
	if (sz == 4)
		return c->r[n];
	if (sz == 2)
		return c->r[n] & 0xffff;
	return ((const uint8_t *)c->r)[o];
}

static inline void setr_o(struct cpu *c, unsigned sz, unsigned n, unsigned o, uint32_t v)
{
	if (sz == 4)
		c->r[n] = v;
	else if (sz == 2)
		c->r[n] = (c->r[n] & 0xffff0000u) | (v & 0xffff);
	else
		((uint8_t *)c->r)[o] = (uint8_t)v;
}

static inline uint32_t ld(const uint8_t *p, unsigned sz)
{
	if (sz == 1)
		return *p;
	if (sz == 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline void st(uint8_t *p, unsigned sz, uint32_t v)
{
	if (sz == 1) {
		*p = (uint8_t)v;
	} else if (sz == 2) {
		uint16_t w = (uint16_t)v;
		memcpy(p, &w, 2);
	} else {
		memcpy(p, &v, 4);
	}
}

// The TLB entry of guest address a: &x->tlb[(a >> 12) % TLB_N], computed as a byte
// offset (one shift and one mask: the compiler would shift the index back up by 4).
_Static_assert(sizeof(struct tlb_ent) == 16 && TLB_N == 256, "tlb_ent: 16 bytes, 256 entries");
static inline const struct tlb_ent *tlb_ent_of(const struct cpu_exec *x, uint32_t a)
{
	return (const struct tlb_ent *)((const char *)x->tlb + ((a >> 8) & ((TLB_N - 1) << 4)));
}

static inline uint8_t *tlb_r(struct cpu_exec *x, uint32_t a, unsigned sz)
{
	const struct tlb_ent *e = tlb_ent_of(x, a);
	if (likely(e->rtag == (a & (CPU_PAGE_MASK | (sz - 1)))))
		return (uint8_t *)(e->base + a);
	return NULL;
}

static inline uint8_t *tlb_w(struct cpu_exec *x, uint32_t a, unsigned sz)
{
	const struct tlb_ent *e = tlb_ent_of(x, a);
	if (likely(e->wtag == (a & (CPU_PAGE_MASK | (sz - 1)))))
		return (uint8_t *)(e->base + a);
	return NULL;
}

// The effective address of d's memory operand. With the 67 prefix (16-bit addressing)
// the sum wraps at 64 KiB, as on x86; a multi-byte access at 0xffff still continues
// at 0x10000 (flat segments).
static inline uint32_t ea_of(const struct cpu *c, const struct dinsn *d)
{
	uint32_t a = d->disp + c->r[d->base] + (c->r[d->index] << d->scale);
	if (unlikely(d->flags & DI_A16))
		a &= 0xffff;
	return a;
}

static inline void lazy(struct cpu *c, uint8_t op, uint32_t res, uint32_t a, uint32_t b)
{
	c->lazy.op = op;
	c->lazy.res = res;
	c->lazy.a = a;
	c->lazy.b = b;
}

static inline uint32_t get_cf(const struct cpu *c)
{
	const struct cpu_lazy *l = &c->lazy;
	unsigned sl = l->op & 3;
	uint32_t m = sl == 2 ? 0xffffffffu : (1u << (8u << sl)) - 1;
	switch (l->op >> 2) {
	case LF_ADD: return (l->res & m) < (l->a & m);
	case LF_SUB: return (l->a & m) < (l->b & m);
	case LF_LOGIC: return 0;
	case LF_NEG: return (l->res & m) != 0;
	case LF_NONE: case LF_INC: case LF_DEC: return c->eflags & CPU_CF;
	default: return flags_eval(c) & CPU_CF;
	}
}

static inline uint32_t szp(uint32_t res, unsigned sz)
{
	uint32_t f = flags_parity[res & 0xff];
	if ((res & MASK(sz)) == 0)
		f |= CPU_ZF;
	if (res & SIGN(sz))
		f |= CPU_SF;
	return f;
}

// Replaces all six arithmetic flags: nothing lazy needs materialising first.
static inline void set_arith(struct cpu *c, uint32_t val)
{
	c->lazy.op = 0;
	c->eflags = (c->eflags & ~CPU_ARITH_FLAGS) | (val & CPU_ARITH_FLAGS);
}

// CF of the lazy operation, out of line: the rare kinds (shifts, MUL, 8/16-bit ADD/SUB).
static __attribute__((noinline)) uint32_t get_cf_slow(const struct cpu *c) { return get_cf(c); }

// Before INC/DEC: make CF authoritative in eflags (they preserve it). Inline for the
// kinds that precede INC/DEC in loops (ADD/SUB/CMP of any size, logic ops, MUL, INC/DEC).
static inline __attribute__((always_inline)) void keep_cf(struct cpu *c)
{
	const struct cpu_lazy *l = &c->lazy;
	uint32_t cf;
	if (likely(l->op == LF(LF_SUB, 2))) { // CMP before the loop's branch
		c->eflags = (c->eflags & ~CPU_CF) | (l->a < l->b);
		return;
	}
	switch (l->op) { // one jump on the whole op: kind and size
	case 0:
	case LF(LF_INC, 0): case LF(LF_INC, 1): case LF(LF_INC, 2):
	case LF(LF_DEC, 0): case LF(LF_DEC, 1): case LF(LF_DEC, 2):
		return; // CF is in eflags already
	case LF(LF_SUB, 1): cf = (l->a & 0xffff) < (l->b & 0xffff); break;
	case LF(LF_SUB, 0): cf = (l->a & 0xff) < (l->b & 0xff); break;
	case LF(LF_ADD, 2): cf = l->res < l->a; break;
	case LF(LF_ADD, 1): cf = (l->res & 0xffff) < (l->a & 0xffff); break;
	case LF(LF_ADD, 0): cf = (l->res & 0xff) < (l->a & 0xff); break;
	case LF(LF_LOGIC, 0): case LF(LF_LOGIC, 1): case LF(LF_LOGIC, 2): cf = 0; break;
	case LF(LF_MUL, 0): case LF(LF_MUL, 1): case LF(LF_MUL, 2): // a: it did not fit
		cf = l->a != 0;
		break;
	case LF(LF_NEG, 0): case LF(LF_NEG, 1): case LF(LF_NEG, 2): // res: 0 - b, masked
		cf = l->res != 0;
		break;
	case LF(LF_SHL, 2): cf = (l->a >> (32 - l->b)) & 1; break; // b: the count, 1..31
	case LF(LF_SHR, 2): cf = (l->a >> (l->b - 1)) & 1; break;
	case LF(LF_SAR, 2): cf = (uint32_t)((int32_t)l->a >> (l->b - 1)) & 1; break;
	default: cf = get_cf_slow(c); break;
	}
	c->eflags = (c->eflags & ~CPU_CF) | cf;
}

// The arithmetic flags of a 32-bit lazy record (op, r, a, b): the bits flags_eval
// (flags.c) computes for it, inline (for INC and DEC CF is not theirs: lazy32_mask).
static inline uint32_t lazy32_flags(uint8_t op, uint32_t r, uint32_t a, uint32_t b)
{
	uint32_t f = flags_parity[r & 0xff] | (r == 0 ? CPU_ZF : 0) | ((r >> 24) & CPU_SF);
	switch (op) {
	case LF(LF_ADD, 2):
		return f | (r < a) | ((((a ^ r) & (b ^ r)) >> 20) & CPU_OF) | ((a ^ b ^ r) & CPU_AF);
	case LF(LF_SUB, 2):
		return f | (a < b) | ((((a ^ b) & (a ^ r)) >> 20) & CPU_OF) | ((a ^ b ^ r) & CPU_AF);
	case LF(LF_INC, 2):
		return f | (r == 0x80000000u ? CPU_OF : 0) | ((r & 0xf) == 0 ? CPU_AF : 0);
	case LF(LF_DEC, 2):
		return f | (r == 0x7fffffffu ? CPU_OF : 0) | ((r & 0xf) == 0xf ? CPU_AF : 0);
	case LF(LF_NEG, 2): // r = 0 - b
		return f | (r != 0) | (r == 0x80000000u ? CPU_OF : 0) | ((b ^ r) & CPU_AF);
	case LF(LF_SHL, 2): { // b: the count, 1..31
		uint32_t cf = (a >> (32 - b)) & 1;
		return f | cf | ((r >> 31) != cf ? CPU_OF : 0);
	}
	case LF(LF_SHR, 2):
		return f | ((a >> (b - 1)) & 1) | (b == 1 && (a >> 31) ? CPU_OF : 0);
	case LF(LF_SAR, 2):
		return f | ((uint32_t)((int32_t)a >> (b - 1)) & 1);
	case LF(LF_MUL, 2): // a: the product did not fit
		return f | (a ? CPU_CF | CPU_OF : 0);
	default: // LF_LOGIC: CF = OF = AF = 0
		return f;
	}
}

// The flags a 32-bit lazy op defines: all six, but CF for INC and DEC.
static inline uint32_t lazy32_mask(uint8_t op)
{
	return op == LF(LF_INC, 2) || op == LF(LF_DEC, 2) ? CPU_ARITH_FLAGS & ~CPU_CF
							  : CPU_ARITH_FLAGS;
}

// flags_materialize for the kinds materialize has no inline case for: the other 32-bit
// ones (INC DEC NEG SHL SHR SAR) here, those of 8 and 16 bits by flags.c.
static __attribute__((noinline)) void materialize_rare(struct cpu *c)
{
	uint8_t op = c->lazy.op;
	if ((op & 3) != 2) {
		flags_materialize(c);
		return;
	}
	uint32_t m = lazy32_mask(op);
	c->eflags = (c->eflags & ~m) | (lazy32_flags(op, c->lazy.res, c->lazy.a, c->lazy.b) & m);
	c->lazy.op = 0;
}

// flags_materialize with the common 32-bit kinds inline (before ROL/ROR, BSF/BSR, BT,
// CLC..., which keep some of the flags): logic ops, ADD, SUB/CMP and MUL, whose records
// the SHA-2 and MurmurHash rounds leave before a rotate (bench/cpu hash), and the other
// 32-bit kinds without flags.c (bench/cpu bits: NEG and shifts by CL before BSF and
// rotates). The same bits as flags_eval (flags.c).
static inline void materialize(struct cpu *c)
{
	uint8_t op = c->lazy.op;
	uint32_t r = c->lazy.res, a = c->lazy.a, b = c->lazy.b, f;
	if (op == 0)
		return;
	f = flags_parity[r & 0xff] | (r == 0 ? CPU_ZF : 0) | ((r >> 24) & CPU_SF);
	if (op == LF(LF_LOGIC, 2)) {
		// CF = OF = AF = 0
	} else if (op == LF(LF_ADD, 2)) {
		f |= (r < a) | ((((a ^ r) & (b ^ r)) >> 20) & CPU_OF) | ((a ^ b ^ r) & CPU_AF);
	} else if (op == LF(LF_SUB, 2)) {
		f |= (a < b) | ((((a ^ b) & (a ^ r)) >> 20) & CPU_OF) | ((a ^ b ^ r) & CPU_AF);
	} else if (op == LF(LF_MUL, 2)) {
		f |= a ? CPU_CF | CPU_OF : 0;
	} else {
		materialize_rare(c);
		return;
	}
	c->eflags = (c->eflags & ~CPU_ARITH_FLAGS) | f;
	c->lazy.op = 0;
}

// Writes the flags in `mask` from `val`, keeping the others (materialising lazy ones).
static inline void set_flags(struct cpu *c, uint32_t mask, uint32_t val)
{
	materialize(c);
	c->eflags = (c->eflags & ~mask) | (val & mask);
}

// The eight ALU operations plus TEST. Returns the result, sets flags.
static inline uint32_t alu(struct cpu *c, enum alu_op op, unsigned sz, uint32_t a, uint32_t b)
{
	uint32_t m = MASK(sz), r;
	int sl = SL(sz);
	switch (op) {
	case ALU_ADD:
		r = (a + b) & m;
		lazy(c, LF(LF_ADD, sl), r, a, b);
		return r;
	case ALU_OR:
		r = a | b;
		lazy(c, LF(LF_LOGIC, sl), r, a, b);
		return r;
	case ALU_ADC: case ALU_SBB: { // eager
		uint32_t cf = get_cf(c), f;
		if (op == ALU_ADC) {
			uint64_t wide = (uint64_t)a + b + cf;
			r = (uint32_t)wide & m;
			f = szp(r, sz) | ((a ^ b ^ r) & CPU_AF);
			if (wide > m)
				f |= CPU_CF;
			if ((a ^ r) & (b ^ r) & SIGN(sz))
				f |= CPU_OF;
		} else {
			r = (a - b - cf) & m;
			f = szp(r, sz) | ((a ^ b ^ r) & CPU_AF);
			if ((uint64_t)a < (uint64_t)b + cf)
				f |= CPU_CF;
			if ((a ^ b) & (a ^ r) & SIGN(sz))
				f |= CPU_OF;
		}
		c->lazy.op = 0;
		c->eflags = (c->eflags & ~CPU_ARITH_FLAGS) | f;
		return r;
	}
	case ALU_AND: case ALU_TEST:
		r = a & b;
		lazy(c, LF(LF_LOGIC, sl), r, a, b);
		return r;
	case ALU_SUB: case ALU_CMP:
		r = (a - b) & m;
		lazy(c, LF(LF_SUB, sl), r, a, b);
		return r;
	default: // ALU_XOR
		r = a ^ b;
		lazy(c, LF(LF_LOGIC, sl), r, a, b);
		return r;
	}
}

// Group 2 shifts and rotates. Returns the result; flags as the SDM defines them
// (undefined ones: docs/isa.md "Undefined flags").
static uint32_t shift(struct cpu *c, int op, unsigned sz, uint32_t a, unsigned cnt)
{
	unsigned bits = sz * 8;
	uint32_t m = MASK(sz), sign = SIGN(sz), r = a, f;
	cnt &= 31;
	if (cnt == 0)
		return a;
	if (op < 4)
		materialize(c);
	f = c->eflags;
	uint32_t cf = f & CPU_CF;
	switch (op) {
	case 0: { // ROL
		unsigned n = cnt % bits;
		r = n ? ((a << n) | (a >> (bits - n))) & m : a;
		cf = r & 1;
		f = (f & ~(CPU_CF | CPU_OF)) | cf;
		if (!!(r & sign) != cf)
			f |= CPU_OF;
		break;
	}
	case 1: { // ROR
		unsigned n = cnt % bits;
		r = n ? ((a >> n) | (a << (bits - n))) & m : a;
		cf = (r & sign) != 0;
		f = (f & ~(CPU_CF | CPU_OF)) | cf;
		if (!!(r & sign) != !!(r & (sign >> 1)))
			f |= CPU_OF;
		break;
	}
	case 2: case 3: { // RCL RCR
		unsigned n = sz == 4 ? cnt : cnt % (bits + 1);
		uint32_t of = 0;
		if (op == 3)
			of = !!(a & sign) != cf;
		for (unsigned i = 0; i < n; i++) {
			uint32_t out;
			if (op == 2) {
				out = (r & sign) != 0;
				r = ((r << 1) | cf) & m;
			} else {
				out = r & 1;
				r = (r >> 1) | (cf ? sign : 0);
			}
			cf = out;
		}
		if (op == 2)
			of = !!(r & sign) != cf;
		f = (f & ~(CPU_CF | CPU_OF)) | cf | (of ? CPU_OF : 0);
		break;
	}
	default: // SHL SAL SHR SAR: lazy (flags.c)
		break;
	}
	if (op >= 4) {
		if (op == 7) {
			int32_t sa = (int32_t)(a << (32 - bits)) >> (32 - bits);
			r = (uint32_t)(sa >> (cnt < bits ? cnt : bits - 1)) & m;
			lazy(c, LF(LF_SAR, SL(sz)), r, a, cnt);
		} else if (op == 5) {
			r = cnt < bits ? a >> cnt : 0;
			lazy(c, LF(LF_SHR, SL(sz)), r, a, cnt);
		} else {
			r = cnt < bits ? (a << cnt) & m : 0;
			lazy(c, LF(LF_SHL, SL(sz)), r, a, cnt);
		}
		return r;
	}
	c->eflags = f;
	return r;
}

// SHLD (op 0) / SHRD (op 1) of dst by cnt, filling from src.
static uint32_t shxd(struct cpu *c, int op, unsigned sz, uint32_t dst, uint32_t src, unsigned cnt)
{
	uint32_t sign = SIGN(sz), r, cf;
	cnt &= 31;
	if (cnt == 0)
		return dst;
	if (sz == 4) {
		if (op == 0) {
			r = (dst << cnt) | (src >> (32 - cnt));
			cf = (dst >> (32 - cnt)) & 1;
		} else {
			r = (dst >> cnt) | (src << (32 - cnt));
			cf = (dst >> (cnt - 1)) & 1;
		}
	} else {
		// 16-bit: shift the 32-bit pair dst:src (SHLD) or src:dst (SHRD). Counts
		// above 16 give undefined results on x86; these are deterministic.
		if (op == 0) {
			uint64_t w = ((uint64_t)dst << 16 | src) << cnt;
			r = (uint32_t)(w >> 16) & 0xffff;
			cf = (uint32_t)(w >> 32) & 1;
		} else {
			uint64_t w = (uint64_t)src << 16 | dst;
			r = (uint32_t)(w >> cnt) & 0xffff;
			cf = (uint32_t)(w >> (cnt - 1)) & 1;
		}
	}
	uint32_t f = szp(r, sz) | cf;
	if (!!(r & sign) != !!(dst & sign))
		f |= CPU_OF;
	set_arith(c, f);
	return r;
}

// The condition cc after a 32-bit CMP of a and b (lazy already holds it): the compare
// itself for the conditions on CF ZF SF OF, flags.c for O NO P NP.
static inline int cond_sub32(const struct cpu *c, uint32_t a, uint32_t b, int cc)
{
	switch (cc) {
	case 2: return a < b;
	case 3: return a >= b;
	case 4: return a == b;
	case 5: return a != b;
	case 6: return a <= b;
	case 7: return a > b;
	case 8: return (int32_t)(a - b) < 0;
	case 9: return (int32_t)(a - b) >= 0;
	case 12: return (int32_t)a < (int32_t)b;
	case 13: return (int32_t)a >= (int32_t)b;
	case 14: return (int32_t)a <= (int32_t)b;
	case 15: return (int32_t)a > (int32_t)b;
	default: return flags_cond(c, cc);
	}
}

// cond() after a lazy op it has no inline case for: a 32-bit one evaluated here
// (lazy32_flags), the 8- and 16-bit ones by flags.c.
static __attribute__((noinline)) int cond_slow(const struct cpu *c, int cc)
{
	uint8_t op = c->lazy.op;
	if ((op & 3) != 2)
		return flags_cond(c, cc);
	uint32_t m = lazy32_mask(op);
	return flags_cond_of((c->eflags & ~m) | (lazy32_flags(op, c->lazy.res, c->lazy.a, c->lazy.b) & m),
			  cc);
}

// The condition of Jcc/SETcc/CMOVcc. Inline fast path after CMP of 32-bit values.
static inline int cond(const struct cpu *c, int cc)
{
	if (c->lazy.op == LF(LF_SUB, 2))
		return cond_sub32(c, c->lazy.a, c->lazy.b, cc);
	// ZF and SF come from the result for every lazy operation.
	if (c->lazy.op != 0 && ((cc >> 1) == 2 || (cc >> 1) == 4)) {
		unsigned sh = 32u - (8u << (c->lazy.op & 3));
		uint32_t r = c->lazy.res << sh;
		return ((cc >> 1) == 2 ? r == 0 : (int32_t)r < 0) ^ (cc & 1);
	}
	if ((c->lazy.op >> 2) == LF_SUB) {
		// 8- and 16-bit CMP (a byte code's opcode, a string's character): the
		// operands moved to the top of 32 bits compare as the narrow ones do.
		unsigned sh = 32u - (8u << (c->lazy.op & 3));
		return cond_sub32(c, c->lazy.a << sh, c->lazy.b << sh, cc);
	}
	// No lazy op (after BSF, a rotate, ADC...): the flags are eflags. PF comes from
	// the result's low byte for every lazy operation.
	if (c->lazy.op == 0)
		return flags_cond_of(c->eflags, cc);
	if ((cc >> 1) == 5)
		return (flags_parity[c->lazy.res & 0xff] != 0) ^ (cc & 1);
	return cond_slow(c, cc);
}

// The condition cc after a 32-bit logic op with result r (CF = OF = 0).
static inline int cond_logic32(const struct cpu *c, uint32_t r, int cc)
{
	switch (cc) {
	case 0: case 2: return 0;                       // O B
	case 1: case 3: return 1;                       // NO AE
	case 4: case 6: return r == 0;                  // E BE
	case 5: case 7: return r != 0;                  // NE A
	case 8: case 12: return (int32_t)r < 0;         // S L
	case 9: case 13: return (int32_t)r >= 0;        // NS GE
	case 14: return (int32_t)r <= 0;                // LE
	case 15: return (int32_t)r > 0;                 // G
	default: return flags_cond(c, cc);              // P NP
	}
}

// The condition cc after a 32-bit INC or DEC with result r and overflow of (CF is in
// eflags: they keep it).
static inline int cond_incdec32(const struct cpu *c, uint32_t r, bool of, int cc)
{
	int cf = (c->eflags & CPU_CF) != 0, t;
	switch (cc >> 1) {
	case 0: t = of; break;                                   // O
	case 1: t = cf; break;                                   // B
	case 2: t = r == 0; break;                               // E
	case 3: t = cf || r == 0; break;                         // BE
	case 4: t = (int32_t)r < 0; break;                       // S
	case 5: return flags_cond(c, cc);                        // P
	case 6: t = ((int32_t)r < 0) != of; break;               // L
	default: t = r == 0 || ((int32_t)r < 0) != of; break;    // LE
	}
	return t ^ (cc & 1);
}

// Register-form helpers for BT/BSF etc. live inline in the handlers below.

// Fast path of REP MOVS (movs) and REP STOS (!movs) with DF=0: performs as many
// iterations as fit in the current source/destination pages, at most ECX and at most
// the remaining budget (at least 1), when every page involved is on the TLB fast path
// and a copy does not overlap. Returns the iterations done, or 0 (use the element loop).
static uint32_t rep_chunk(struct cpu_exec *x, struct cpu *c, unsigned sz, int64_t budget,
			  bool movs)
{
	uint32_t edi = c->r[CPU_EDI], esi = c->r[CPU_ESI];
	uint32_t n = c->r[CPU_ECX];
	uint32_t room = (CPU_PAGE_SIZE - (edi & ~CPU_PAGE_MASK)) / sz;
	if (n > room)
		n = room;
	if (movs) {
		room = (CPU_PAGE_SIZE - (esi & ~CPU_PAGE_MASK)) / sz;
		if (n > room)
			n = room;
	}
	if ((int64_t)n > budget)
		n = budget > 0 ? (uint32_t)budget : 1;
	if (n < 2)
		return 0;
	uint8_t *dst = tlb_w(x, edi, sz);
	if (!dst)
		return 0;
	if (movs) {
		uint8_t *src = tlb_r(x, esi, sz);
		size_t len = (size_t)n * sz;
		if (!src || (dst < src + len && src < dst + len))
			return 0;
		memcpy(dst, src, len);
	} else if (sz == 1) {
		memset(dst, (int)(c->r[CPU_EAX] & 0xff), n);
	} else {
		uint32_t v = getr(c, sz, CPU_EAX);
		for (uint32_t i = 0; i < n; i++)
			st(dst + (size_t)i * sz, sz, v);
	}
	return n;
}

// --- String instructions: one REP skeleton (string_run) and an element step per
// instruction (string_element). ---

// Reads or writes sz bytes at guest address a for string_element: the TLB fast path,
// else the slow path. Return -1 after recording a fault, else 0.
static inline int str_load(struct cpu_exec *x, struct dinsn *d, uint32_t a, unsigned sz,
			   uint32_t *v)
{
	uint8_t *p = tlb_r(x, a, sz);
	if (likely(p != NULL)) {
		*v = ld(p, sz);
		return 0;
	}
	uint64_t m;
	if (tlb_slow_read(x, d, a, sz, CPU_ACC_READ, &m))
		return -1;
	*v = (uint32_t)m;
	return 0;
}

static inline int str_store(struct cpu_exec *x, struct dinsn *d, uint32_t a, unsigned sz,
			    uint32_t v)
{
	uint8_t *p = tlb_w(x, a, sz);
	if (likely(p != NULL)) {
		st(p, sz, v);
		return 0;
	}
	return tlb_slow_write(x, d, a, sz, v) ? -1 : 0;
}

// One element of string instruction op at si (source, [ESI]) and di (destination,
// [EDI]): the loads, the store or comparison, and nothing else (string_run moves ESI
// and EDI). Returns -1 after a fault, with nothing changed; CMPS and SCAS set *eq.
static inline int string_element(struct cpu_exec *x, struct cpu *c, struct dinsn *d,
				 enum op op, unsigned sz, uint32_t si, uint32_t di, bool *eq)
{
	uint32_t a, b;
	switch (op) {
	case OP_MOVS: // [EDI] = [ESI]
		if (str_load(x, d, si, sz, &a) || str_store(x, d, di, sz, a))
			return -1;
		return 0;
	case OP_STOS: // [EDI] = eAX
		return str_store(x, d, di, sz, getr(c, sz, CPU_EAX));
	case OP_LODS: // eAX = [ESI]
		if (str_load(x, d, si, sz, &a))
			return -1;
		setr(c, sz, CPU_EAX, a);
		return 0;
	case OP_SCAS: // compare eAX with [EDI]
		a = getr(c, sz, CPU_EAX);
		if (str_load(x, d, di, sz, &b))
			return -1;
		break;
	default: // CMPS: compare [ESI] with [EDI]
		if (str_load(x, d, si, sz, &a) || str_load(x, d, di, sz, &b))
			return -1;
		break;
	}
	alu(c, ALU_CMP, sz, a, b);
	*eq = a == b;
	return 0;
}

// How a string instruction ended (string_run): it completed (the run loop goes on
// after it), it faulted (c->fault holds the fault; the instruction did not retire), or
// its REP loop ran out of budget between two iterations (it did not retire: EIP stays
// on it and the next slice resumes it, as x86 does after an interrupt).
enum str_end { STR_DONE, STR_FAULT, STR_PREEMPT };

// The REP skeleton of the five string instructions (op: MOVS STOS LODS SCAS CMPS;
// constant at each call, so each instruction gets its own copy of the loop).
// Without REP: one element. With REP (F3) or REPNE (F2), ECX elements, the count
// tested before each one; REPE/REPNE CMPS and SCAS also stop after the first element
// that is unequal (REPE, F3) or equal (REPNE). Each element moves ESI (MOVS LODS CMPS)
// and EDI (MOVS STOS SCAS CMPS) by the operand size, backwards when DF is set.
// With the 67 prefix (a16), SI, DI and CX instead, wrapping at 64 KiB.
// Cycles: COST_REP_ITER per REP element, taken from *budget; when it reaches 0 with
// elements left, STR_PREEMPT. A fault in an element leaves ESI, EDI and ECX at that
// element (docs/isa.md 8.1). A REPE/REPNE CMPS or SCAS that stops early, faulted or
// preempted, restores EFLAGS to their value before the instruction (docs/isa.md 8.1,
// docs/quirks.md), so that no result depends on where a slice ended.
static inline __attribute__((always_inline)) enum str_end
string_run(struct cpu_exec *x, struct cpu *c, struct dinsn *d, enum op op, bool a16,
	   int64_t *budget)
{
	unsigned sz = d->size;
	uint32_t delta = (c->eflags & CPU_DF) ? (uint32_t)-sz : sz;
	uint32_t amask = a16 ? 0xffffu : 0xffffffffu;
	bool moves_si = op != OP_STOS && op != OP_SCAS, moves_di = op != OP_LODS;
	bool cmp = op == OP_SCAS || op == OP_CMPS, eq = false;
	bool rep = (d->flags & (DI_REP | DI_REPNE)) != 0;
	bool want_eq = (d->flags & DI_REP) != 0;
	struct cpu_lazy lazy0 = c->lazy;
	uint32_t eflags0 = c->eflags;

	if (!rep) {
		uint32_t si = c->r[CPU_ESI] & amask, di = c->r[CPU_EDI] & amask;
		if (string_element(x, c, d, op, sz, si, di, &eq))
			return STR_FAULT;
		if (moves_si)
			setr(c, a16 ? 2 : 4, CPU_ESI, si + delta);
		if (moves_di)
			setr(c, a16 ? 2 : 4, CPU_EDI, di + delta);
		return STR_DONE;
	}
	while (c->r[CPU_ECX] & amask) {
		if ((op == OP_MOVS || op == OP_STOS) && !a16 && !(c->eflags & CPU_DF)) {
			// Bulk copy or fill within the current pages when they are on the
			// fast path (and a copy does not overlap): the same cycles and
			// results as the element loop (bench/cpu strings).
			uint32_t n = rep_chunk(x, c, sz, *budget, op == OP_MOVS);
			if (n) {
				if (op == OP_MOVS)
					c->r[CPU_ESI] += n * sz;
				c->r[CPU_EDI] += n * sz;
				c->r[CPU_ECX] -= n;
				*budget -= (int64_t)n * COST_REP_ITER;
				if (unlikely(*budget <= 0) && c->r[CPU_ECX])
					return STR_PREEMPT;
				continue;
			}
		}
		uint32_t si = c->r[CPU_ESI] & amask, di = c->r[CPU_EDI] & amask;
		if (string_element(x, c, d, op, sz, si, di, &eq))
			goto stopped_early;
		if (moves_si)
			setr(c, a16 ? 2 : 4, CPU_ESI, si + delta);
		if (moves_di)
			setr(c, a16 ? 2 : 4, CPU_EDI, di + delta);
		setr(c, a16 ? 2 : 4, CPU_ECX, c->r[CPU_ECX] - 1);
		*budget -= COST_REP_ITER;
		if (cmp && eq != want_eq)
			break;
		if (unlikely(*budget <= 0) && (c->r[CPU_ECX] & amask)) {
			if (cmp) {
				c->lazy = lazy0;
				c->eflags = eflags0;
			}
			return STR_PREEMPT;
		}
	}
	return STR_DONE;

stopped_early: // a fault in an element
	if (cmp) {
		c->lazy = lazy0;
		c->eflags = eflags0;
	}
	return STR_FAULT;
}

// string_run out of line: one copy per instruction, and one for the 67 forms (rare:
// hand-written 16-bit code). Kept out of run() so that its hot handlers keep their
// registers (docs/performance.md, "One REP skeleton").
#define STRING_FN(NAME)                                                                 \
	static __attribute__((noinline)) enum str_end string_##NAME(                     \
		struct cpu_exec *x, struct cpu *c, struct dinsn *d, int64_t *budget)    \
	{                                                                               \
		return string_run(x, c, d, OP_##NAME, false, budget);                   \
	}
STRING_FN(MOVS)
STRING_FN(STOS)
STRING_FN(LODS)
STRING_FN(SCAS)
STRING_FN(CMPS)
#undef STRING_FN
static __attribute__((noinline)) enum str_end string_a16(struct cpu_exec *x, struct cpu *c,
							 struct dinsn *d, int64_t *budget)
{
	return string_run(x, c, d, (enum op)d->op, true, budget);
}

#ifdef CPU_DISPATCH_SWITCH
#define CASE(name) case OP_##name:
#define XCASE(name) case XOP_##name:
#define DISPATCH goto dispatch
#else
#define CASE(name) L_##name:
#define XCASE(name) L_##name:
#define DISPATCH goto *d->h
#endif
#define NEXT do { d++; DISPATCH; } while (0)
// EIP of the instruction after d (valid for the current block's page).
#define NEXT_EIP (page_base + d->off + d->len)
#define THIS_EIP (page_base + d->off)

// Attention (x->attn: a store into the running block, a mapping change, a single step)
// is raised only inside the out-of-line calls run() makes: its memory slow paths, the
// string instructions and the block lookup. After each of them ATTN_SYNC moves the
// budget ATTN_BIAS down once, so that a block end sees it in the one test of the
// budget; the slow path of a block end (end_block), the budget's readers (RDTSC, the
// string instructions) and `leave` take the bias off again (BUDGET_TRUE).
#define ATTN_BIAS ((int64_t)1 << 62)
#define ATTN_SYNC()                                                                     \
	do {                                                                            \
		if (unlikely(x->attn) && !biased) {                                     \
			budget -= ATTN_BIAS;                                            \
			biased = true;                                                  \
		}                                                                       \
	} while (0)
#define BUDGET_TRUE (budget + (biased ? ATTN_BIAS : 0))

// Memory access macros: they touch the loop's locals (x, d) and jump to `fault`. The
// fast path is the tag compare alone (the TLB entry's base plus the address is never
// tested against NULL).
#define LOAD(sz, a, var)                                                        \
	do {                                                                    \
		uint32_t m_addr = (a);                                              \
		const struct tlb_ent *m_e = tlb_ent_of(x, m_addr);                  \
		if (likely(m_e->rtag == (m_addr & (CPU_PAGE_MASK | ((sz) - 1))))) { \
			(var) = ld((uint8_t *)(m_e->base + m_addr), (sz));          \
		} else {                                                        \
			uint64_t m_val;                                            \
			if (tlb_slow_read(x, d, m_addr, (sz), CPU_ACC_READ, &m_val))   \
				goto fault;                                     \
			(var) = (uint32_t)m_val;                                   \
			ATTN_SYNC();                                            \
		}                                                               \
	} while (0)
#define STORE(sz, a, val)                                                       \
	do {                                                                    \
		uint32_t m_addr = (a);                                              \
		const struct tlb_ent *m_e = tlb_ent_of(x, m_addr);                  \
		if (likely(m_e->wtag == (m_addr & (CPU_PAGE_MASK | ((sz) - 1))))) { \
			st((uint8_t *)(m_e->base + m_addr), (sz), (val));           \
		} else if (tlb_slow_write(x, d, m_addr, (sz), (val))) {             \
			goto fault;                                             \
		} else {                                                        \
			ATTN_SYNC();                                            \
		}                                                               \
	} while (0)
// Read-modify-write: RMW_BEGIN checks write access (and faults) before anything
// changes, so the RMW_END store cannot fault.
#define RMW_BEGIN(sz, a, var)                                                   \
	uint32_t rmw_a = (a);                                                   \
	const struct tlb_ent *rmw_e = tlb_ent_of(x, rmw_a);                     \
	uint8_t *rmw_p = NULL;                                                  \
	if (likely(rmw_e->wtag == (rmw_a & (CPU_PAGE_MASK | ((sz) - 1))))) {    \
		rmw_p = (uint8_t *)(rmw_e->base + rmw_a);                       \
		(var) = ld(rmw_p, (sz));                                        \
	} else {                                                                \
		uint64_t m_val;                                                    \
		if (tlb_slow_read(x, d, rmw_a, (sz), CPU_ACC_WRITE, &m_val))       \
			goto fault;                                             \
		(var) = (uint32_t)m_val;                                           \
		ATTN_SYNC();                                                    \
	}
#define RMW_END(sz, val)                                                        \
	do {                                                                    \
		if (likely(rmw_p != NULL))                                      \
			st(rmw_p, (sz), (val));                                 \
		else if (!tlb_slow_write(x, d, rmw_a, (sz), (val)))            \
			ATTN_SYNC();                                            \
	} while (0)
#define RAISE(vec)                                                              \
	do {                                                                    \
		c->fault.vector = (vec);                                        \
		c->fault.error_code = 0;                                        \
		c->fault.addr = 0;                                              \
		goto fault;                                                     \
	} while (0)

// The five forms of an ALU family. OPN is its enum alu_op; CMP and TEST do not write
// their destination.
#define ALU_CASES(NAME, OPN, S, SZ)                                                       \
	CASE(NAME##S##_RR) {                                                              \
		uint32_t r_ = alu(c, OPN, SZ, getr_o(c, SZ, d->reg, d->r8), getr_o(c, SZ, d->rm, d->rm8));   \
		if (alu_writes(OPN))                                                              \
			setr_o(c, SZ, d->reg, d->r8, r_);                                          \
		NEXT;                                                                     \
	}                                                                                 \
	CASE(NAME##S##_RI) {                                                              \
		uint32_t r_ = alu(c, OPN, SZ, getr_o(c, SZ, d->reg, d->r8), d->imm & MASK(SZ));    \
		if (alu_writes(OPN))                                                              \
			setr_o(c, SZ, d->reg, d->r8, r_);                                          \
		NEXT;                                                                     \
	}                                                                                 \
	CASE(NAME##S##_RM) {                                                              \
		uint32_t b_;                                                              \
		LOAD(SZ, ea_of(c, d), b_);                                                \
		uint32_t r_ = alu(c, OPN, SZ, getr_o(c, SZ, d->reg, d->r8), b_);                   \
		if (alu_writes(OPN))                                                              \
			setr_o(c, SZ, d->reg, d->r8, r_);                                          \
		NEXT;                                                                     \
	}                                                                                 \
	CASE(NAME##S##_MR) {                                                              \
		uint32_t a_;                                                              \
		if (alu_writes(OPN)) {                                                            \
			RMW_BEGIN(SZ, ea_of(c, d), a_);                                   \
			RMW_END(SZ, alu(c, OPN, SZ, a_, getr_o(c, SZ, d->reg, d->r8)));            \
		} else {                                                                  \
			LOAD(SZ, ea_of(c, d), a_);                                        \
			alu(c, OPN, SZ, a_, getr_o(c, SZ, d->reg, d->r8));                         \
		}                                                                         \
		NEXT;                                                                     \
	}                                                                                 \
	CASE(NAME##S##_MI) {                                                              \
		uint32_t a_;                                                              \
		if (alu_writes(OPN)) {                                                            \
			RMW_BEGIN(SZ, ea_of(c, d), a_);                                   \
			RMW_END(SZ, alu(c, OPN, SZ, a_, d->imm & MASK(SZ)));              \
		} else {                                                                  \
			LOAD(SZ, ea_of(c, d), a_);                                        \
			alu(c, OPN, SZ, a_, d->imm & MASK(SZ));                           \
		}                                                                         \
		NEXT;                                                                     \
	}
#define ALU_FAMILY(NAME, OPN) ALU_CASES(NAME, OPN, B, 1) ALU_CASES(NAME, OPN, W, 2) \
	ALU_CASES(NAME, OPN, D, 4)

#define MOV_CASES(S, SZ)                                                        \
	CASE(MOV##S##_RR) { setr_o(c, SZ, d->reg, d->r8, getr_o(c, SZ, d->rm, d->rm8)); NEXT; }     \
	CASE(MOV##S##_RI) { setr_o(c, SZ, d->reg, d->r8, d->imm); NEXT; }                 \
	CASE(MOV##S##_RM) {                                                     \
		uint32_t v_;                                                    \
		LOAD(SZ, ea_of(c, d), v_);                                      \
		setr_o(c, SZ, d->reg, d->r8, v_);                                        \
		NEXT;                                                           \
	}                                                                       \
	CASE(MOV##S##_MR) { STORE(SZ, ea_of(c, d), getr_o(c, SZ, d->reg, d->r8)); NEXT; } \
	CASE(MOV##S##_MI) { STORE(SZ, ea_of(c, d), d->imm); NEXT; }

static void nf_recover(struct cpu *c, const struct dinsn *first, int k);

// What run() does: execute blocks (cpu_run), one instruction (cpu_step), or only set
// x->labels and return (cpu_block_info needs them before it builds a block).
enum run_mode { RUN_BLOCKS = 0, RUN_STEP, RUN_LABELS };

// Without SLP vectorisation: GCC would pack the lazy-flag stores of each ALU handler
// into SSE moves, three more host instructions per handler; without cross-jumping,
// which merges the tails of similar handlers (the Jcc ones) behind one more jump
// (issue 16).
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-slp-vectorize", "no-crossjumping")))
#endif
static enum cpu_exit run(struct cpu_exec *x, struct cpu *c, int64_t budget_in,
			 enum run_mode mode)
{
#ifndef CPU_DISPATCH_SWITCH
	static const void *const labels[] = {
#define X(n, cost, mem, end, lock) &&L_##n,
		CPU_OPS(X)
#undef X
#define X(P, CC) &&L_##P##_##CC,
		CPU_CCS(X, JCC) CPU_CCS(X, CMPRR) CPU_CCS(X, CMPRI) CPU_CCS(X, TESTRR)
		CPU_CCS(X, CMPBRR) CPU_CCS(X, CMPBRI) CPU_CCS(X, CMPBRM) CPU_CCS(X, CMPBMR)
		CPU_CCS(X, CMPBMI) CPU_CCS(X, TESTBRR) CPU_CCS(X, CMPDRM) CPU_CCS(X, CMPDMR)
		CPU_CCS(X, CMPDMI) CPU_CCS(X, INCJ) CPU_CCS(X, DECJ)
#undef X
		&&L_NF_ADDRR, &&L_NF_ADDRI, &&L_NF_ORRR, &&L_NF_ORRI, &&L_NF_ANDRR,
		&&L_NF_ANDRI, &&L_NF_SUBRR, &&L_NF_SUBRI, &&L_NF_XORRR, &&L_NF_XORRI,
		&&L_NF_SHL, &&L_NF_SHR, &&L_NF_SAR, &&L_NF_INC, &&L_NF_DEC, &&L_SHL32I, &&L_SHR32I, &&L_SAR32I,
		&&L_ROL32I, &&L_ROR32I, &&L_INC32, &&L_DEC32, &&L_MOVZXB_R, &&L_IMUL32RR,
		&&L_IMUL32RI, &&L_IMUL32M, &&L_MOVSXB_R, &&L_MOVZXW_R, &&L_MOVSXW_R,
		&&L_MOVSXB_M, &&L_MOVZXW_M, &&L_MOVSXW_M,
		&&L_SHLD32I, &&L_SHRD32I,
#define X(N) &&L_##N##_B, &&L_##N##_X,
		CPU_EA_OPS(X)
#undef X
	};
	_Static_assert(sizeof labels / sizeof labels[0] == XOP_END, "one label per handler");
	x->labels = labels;
#else
	x->labels = NULL;
#endif
	if (mode == RUN_LABELS)
		return CPU_EXIT_BUDGET;
	bool step = mode == RUN_STEP;
	bool biased = false; // ATTN_SYNC
	if (budget_in > ATTN_BIAS / 2)
		budget_in = ATTN_BIAS / 2; // 2^61 cycles: more than any run, under the bias
	int64_t budget = budget_in;
	uint64_t retired = 0;
	uint32_t eip = c->eip;
	uint32_t page_base = 0, cur_page = TLB_INVALID;
	struct dpage *cur_dp = NULL;
	struct dblock *blk, **link;
	struct dinsn *d;
	enum cpu_exit why;
	enum str_end str; // how a string instruction ended (string_run)

	x->c = c;
	x->running = true;
	x->attn = step ? ATTN_STEP : 0;
	ATTN_SYNC();
	c->r[8] = 0;

	if (step)
		goto step_decode;

lookup: {
	struct ctlb_ent *ce = &x->ctlb[(eip >> 12) & (CTLB_N - 1)];
	struct dpage *dp = ce->dp;
	if (ce->tag != (eip & CPU_PAGE_MASK)) {
		dp = dcache_code_page(x, eip, ce);
		if (!dp)
			goto fetch_fault;
	}
	cur_page = eip & CPU_PAGE_MASK;
	cur_dp = dp;
	blk = dp->blk[eip & ~CPU_PAGE_MASK];
	if (!blk) {
		blk = dcache_build(x, dp, eip & ~CPU_PAGE_MASK);
		if (!blk)
			goto fetch_fault_oom;
	}
	if (blk == DBLOCK_CROSS) {
		blk = dcache_scratch(x, eip, false);
		if (!blk)
			goto fetch_fault;
		cur_page = TLB_INVALID; // the scratch block is not in cur_dp
	}
	page_base = eip & CPU_PAGE_MASK;
	x->code_page = page_base;
	ATTN_SYNC(); // the lookup may have translated (map() may flush the TLB)
}
run_block:
	budget -= blk->cost;
	retired += blk->n;
	d = blk->insn;
#ifdef CPU_DISPATCH_SWITCH
dispatch:
	switch (d->hop) {
#else
	goto *d->h;
	{
#endif
	ALU_FAMILY(ADD, ALU_ADD)
	ALU_FAMILY(OR, ALU_OR)
	ALU_FAMILY(ADC, ALU_ADC)
	ALU_FAMILY(SBB, ALU_SBB)
	ALU_FAMILY(AND, ALU_AND)
	ALU_FAMILY(SUB, ALU_SUB)
	ALU_FAMILY(XOR, ALU_XOR)
	ALU_FAMILY(CMP, ALU_CMP)
	ALU_FAMILY(TEST, ALU_TEST)
	MOV_CASES(B, 1)
	MOV_CASES(W, 2)
	MOV_CASES(D, 4)

	CASE(UNARY_R) { // INC DEC NOT NEG
		unsigned sz = d->size;
		uint32_t a = getr_o(c, sz, d->reg, d->r8), r;
		switch (d->sub) {
		case 0: keep_cf(c); r = (a + 1) & MASK(sz); lazy(c, LF(LF_INC, SL(sz)), r, a, 1); break;
		case 1: keep_cf(c); r = (a - 1) & MASK(sz); lazy(c, LF(LF_DEC, SL(sz)), r, a, 1); break;
		case 2: r = ~a & MASK(sz); break;
		default: r = (0 - a) & MASK(sz); lazy(c, LF(LF_NEG, SL(sz)), r, 0, a); break;
		}
		setr_o(c, sz, d->reg, d->r8, r);
		NEXT;
	}
	CASE(UNARY_M) {
		unsigned sz = d->size;
		uint32_t a, r;
		RMW_BEGIN(sz, ea_of(c, d), a);
		switch (d->sub) {
		case 0: keep_cf(c); r = (a + 1) & MASK(sz); lazy(c, LF(LF_INC, SL(sz)), r, a, 1); break;
		case 1: keep_cf(c); r = (a - 1) & MASK(sz); lazy(c, LF(LF_DEC, SL(sz)), r, a, 1); break;
		case 2: r = ~a & MASK(sz); break;
		default: r = (0 - a) & MASK(sz); lazy(c, LF(LF_NEG, SL(sz)), r, 0, a); break;
		}
		RMW_END(sz, r);
		NEXT;
	}
	CASE(MOVX_R) {
		uint32_t v = getr_o(c, d->imm, d->rm, d->rm8);
		if (d->sub)
			v = d->imm == 1 ? (uint32_t)(int32_t)(int8_t)v : (uint32_t)(int32_t)(int16_t)v;
		setr_o(c, d->size, d->reg, d->r8, v);
		NEXT;
	}
	CASE(MOVX_M) {
		uint32_t v;
		if (d->imm == 1)
			LOAD(1, ea_of(c, d), v);
		else
			LOAD(2, ea_of(c, d), v);
		if (d->sub)
			v = d->imm == 1 ? (uint32_t)(int32_t)(int8_t)v : (uint32_t)(int32_t)(int16_t)v;
		setr_o(c, d->size, d->reg, d->r8, v);
		NEXT;
	}
	CASE(LEA) { c->r[d->reg] = ea_of(c, d); NEXT; }
	CASE(LEAW) { setr_o(c, 2, d->reg, d->r8, ea_of(c, d)); NEXT; }
	CASE(XCHG_R) {
		unsigned sz = d->size;
		uint32_t a = getr_o(c, sz, d->reg, d->r8), b = getr_o(c, sz, d->rm, d->rm8);
		setr_o(c, sz, d->reg, d->r8, b);
		setr_o(c, sz, d->rm, d->rm8, a);
		NEXT;
	}
	CASE(XCHG_M) {
		unsigned sz = d->size;
		uint32_t a;
		RMW_BEGIN(sz, ea_of(c, d), a);
		uint32_t r = getr_o(c, sz, d->reg, d->r8);
		setr_o(c, sz, d->reg, d->r8, a);
		RMW_END(sz, r);
		NEXT;
	}
	CASE(SHIFT_R) {
		unsigned cnt = ((d->flags & DI_CL) ? c->r[CPU_ECX] : d->imm) & 31;
		if (likely(d->sub >= 4 && d->size == 4 && cnt)) {
			// 32-bit SHL/SHR/SAR inline: the common case in hashing and CRC
			// loops (bench/cpu, about 5% of compute-gcc-O2's time).
			uint32_t a = c->r[d->reg], r;
			if (d->sub == 5) {
				r = a >> cnt;
				lazy(c, LF(LF_SHR, 2), r, a, cnt);
			} else if (d->sub == 7) {
				r = (uint32_t)((int32_t)a >> cnt);
				lazy(c, LF(LF_SAR, 2), r, a, cnt);
			} else {
				r = a << cnt;
				lazy(c, LF(LF_SHL, 2), r, a, cnt);
			}
			c->r[d->reg] = r;
			NEXT;
		}
		if (likely(d->sub < 2 && d->size == 4 && cnt)) {
			// 32-bit ROL/ROR inline (hashing): CF and OF as shift() sets them.
			uint32_t a = c->r[d->reg], r, cf, of;
			if (d->sub == 0) {
				r = (a << cnt) | (a >> (32 - cnt));
				cf = r & 1;
				of = (r >> 31) ^ cf;
			} else {
				r = (a >> cnt) | (a << (32 - cnt));
				cf = r >> 31;
				of = cf ^ ((r >> 30) & 1);
			}
			materialize(c);
			c->eflags = (c->eflags & ~(CPU_CF | CPU_OF)) | cf | (of ? CPU_OF : 0);
			c->r[d->reg] = r;
			NEXT;
		}
		setr_o(c, d->size, d->reg, d->r8, shift(c, d->sub, d->size, getr_o(c, d->size, d->reg, d->r8), cnt));
		NEXT;
	}
	CASE(SHIFT_M) {
		unsigned cnt = (d->flags & DI_CL) ? c->r[CPU_ECX] & 0xff : d->imm;
		uint32_t a;
		RMW_BEGIN(d->size, ea_of(c, d), a);
		RMW_END(d->size, shift(c, d->sub, d->size, a, cnt));
		NEXT;
	}
	CASE(SHXD_R) {
		unsigned cnt = (d->flags & DI_CL) ? c->r[CPU_ECX] & 0xff : d->imm;
		uint32_t r = shxd(c, d->sub, d->size, getr_o(c, d->size, d->rm, d->rm8),
				  getr_o(c, d->size, d->reg, d->r8), cnt);
		setr_o(c, d->size, d->rm, d->rm8, r);
		NEXT;
	}
	CASE(SHXD_M) {
		unsigned cnt = (d->flags & DI_CL) ? c->r[CPU_ECX] & 0xff : d->imm;
		uint32_t a;
		RMW_BEGIN(d->size, ea_of(c, d), a);
		RMW_END(d->size, shxd(c, d->sub, d->size, a, getr_o(c, d->size, d->reg, d->r8), cnt));
		NEXT;
	}
	CASE(MULDIV_R) {
		uint32_t src = getr_o(c, d->size, d->rm, d->rm8);
		goto muldiv;
	CASE(MULDIV_M)
		if (d->size == 1)
			LOAD(1, ea_of(c, d), src);
		else if (d->size == 2)
			LOAD(2, ea_of(c, d), src);
		else
			LOAD(4, ea_of(c, d), src);
	muldiv: {
		unsigned sz = d->size;
		uint32_t *r = c->r;
		if (d->sub == 0 || d->sub == 1) { // MUL IMUL
			uint64_t p;
			bool over;
			uint32_t lo;
			if (d->sub == 0) {
				uint32_t a = getr(c, sz, CPU_EAX);
				p = (uint64_t)a * src;
				over = (p >> (sz * 8)) != 0;
			} else {
				int64_t sa = sz == 4 ? (int32_t)r[0] : sz == 2 ? (int16_t)r[0] : (int8_t)r[0];
				int64_t sb = sz == 4 ? (int32_t)src : sz == 2 ? (int16_t)src : (int8_t)src;
				int64_t sp = sa * sb;
				p = (uint64_t)sp;
				int64_t lo_s = sz == 4 ? (int32_t)sp : sz == 2 ? (int16_t)sp : (int8_t)sp;
				over = lo_s != sp;
			}
			lo = (uint32_t)p & MASK(sz);
			if (sz == 1) {
				setr(c, 2, CPU_EAX, (uint32_t)p & 0xffff);
			} else {
				setr(c, sz, CPU_EAX, lo);
				setr(c, sz, CPU_EDX, (uint32_t)(p >> (sz * 8)));
			}
			lazy(c, LF(LF_MUL, SL(sz)), lo, over, 0);
			NEXT;
		}
		if (src == 0)
			RAISE(CPU_VEC_DE);
		if (d->sub == 2) { // DIV
			uint64_t n = sz == 4 ? ((uint64_t)r[CPU_EDX] << 32) | r[CPU_EAX]
				   : sz == 2 ? ((r[CPU_EDX] & 0xffff) << 16) | (r[CPU_EAX] & 0xffff)
				   : r[CPU_EAX] & 0xffff;
			uint64_t q = n / src, rem = n % src;
			if (q > MASK(sz))
				RAISE(CPU_VEC_DE);
			if (sz == 1) {
				setr(c, 2, CPU_EAX, (uint32_t)(q | rem << 8));
			} else {
				setr(c, sz, CPU_EAX, (uint32_t)q);
				setr(c, sz, CPU_EDX, (uint32_t)rem);
			}
		} else { // IDIV
			int64_t n = sz == 4 ? (int64_t)(((uint64_t)r[CPU_EDX] << 32) | r[CPU_EAX])
				  : sz == 2 ? (int32_t)(((r[CPU_EDX] & 0xffff) << 16) | (r[CPU_EAX] & 0xffff))
				  : (int16_t)(r[CPU_EAX] & 0xffff);
			int64_t s = sz == 4 ? (int32_t)src : sz == 2 ? (int16_t)src : (int8_t)src;
			if (s == -1 && n == INT64_MIN)
				RAISE(CPU_VEC_DE);
			int64_t q = n / s, rem = n % s;
			int64_t lim = (int64_t)SIGN(sz);
			if (q >= lim || q < -lim)
				RAISE(CPU_VEC_DE);
			if (sz == 1) {
				setr(c, 2, CPU_EAX, ((uint32_t)q & 0xff) | ((uint32_t)rem & 0xff) << 8);
			} else {
				setr(c, sz, CPU_EAX, (uint32_t)q);
				setr(c, sz, CPU_EDX, (uint32_t)rem);
			}
		}
		NEXT;
	}
	}
	CASE(IMUL2_R) {
		uint32_t b = getr_o(c, d->size, d->rm, d->rm8);
		goto imul2;
	CASE(IMUL2_M)
		if (d->size == 2)
			LOAD(2, ea_of(c, d), b);
		else
			LOAD(4, ea_of(c, d), b);
	imul2: {
		unsigned sz = d->size;
		uint32_t a = d->sub ? d->imm : getr_o(c, sz, d->reg, d->r8);
		int64_t sa = sz == 4 ? (int32_t)a : (int16_t)a;
		int64_t sb = sz == 4 ? (int32_t)b : (int16_t)b;
		int64_t p = sa * sb;
		int64_t lo_s = sz == 4 ? (int32_t)p : (int16_t)p;
		uint32_t lo = (uint32_t)p & MASK(sz);
		setr_o(c, sz, d->reg, d->r8, lo);
		// Lazy: matrix code multiplies far more often than it reads the flags.
		lazy(c, LF(LF_MUL, SL(sz)), lo, lo_s != p, 0);
		NEXT;
	}
	}

	// --- Control transfers: each ends the block. ---
	CASE(JMP) {
		budget -= COST_TAKEN_BRANCH;
		link = &blk->next[1];
		goto end_chain;
	}
	CASE(JCC) {
		eip = NEXT_EIP;
		if (cond(c, d->sub)) {
			eip += d->imm;
			budget -= COST_TAKEN_BRANCH;
		}
		goto end_block;
	}
	// Jcc by condition code, and CMP/TEST fused with the Jcc after it (exec_select):
	// the flags as CMP/TEST leave them, then the Jcc (d moves to it). end_chain
	// computes EIP from d and link only when it needs it.
#define JCC_TAKE(COND)                                                                  \
	do {                                                                            \
		link = &blk->next[0];                                                   \
		if (COND) {                                                             \
			budget -= COST_TAKEN_BRANCH;                                    \
			link = &blk->next[1];                                           \
		}                                                                       \
		goto end_chain;                                                         \
	} while (0)
#define X(P, CC) XCASE(JCC_##CC) { JCC_TAKE(cond(c, CC)); }
	CPU_CCS(X, JCC)
#undef X
#define X(P, CC)                                                                        \
	XCASE(CMPRR_##CC) {                                                              \
		uint32_t a_ = c->r[d->reg], b_ = c->r[d->rm];                           \
		lazy(c, LF(LF_SUB, 2), a_ - b_, a_, b_);                                \
		d++;                                                                    \
		JCC_TAKE(cond_sub32(c, a_, b_, CC));                                    \
	}                                                                               \
	XCASE(CMPRI_##CC) {                                                              \
		uint32_t a_ = c->r[d->reg], b_ = d->imm;                                \
		lazy(c, LF(LF_SUB, 2), a_ - b_, a_, b_);                                \
		d++;                                                                    \
		JCC_TAKE(cond_sub32(c, a_, b_, CC));                                    \
	}                                                                               \
	XCASE(TESTRR_##CC) {                                                             \
		uint32_t a_ = c->r[d->reg], b_ = c->r[d->rm], r_ = a_ & b_;             \
		lazy(c, LF(LF_LOGIC, 2), r_, a_, b_);                                   \
		d++;                                                                    \
		JCC_TAKE(cond_logic32(c, r_, CC));                                      \
	}
	CPU_CCS(X, _)
#undef X
	// The other fused compares: the operands (a memory one through the address with
	// its index, which is 0 without one: c->r[NOREG]), the lazy record as CMP, TEST,
	// INC or DEC leave it, then the Jcc on the operands (8 bits moved to the top of
	// 32, as cond() does). A load that faults leaves d on the compare.
#define R8(o) ((uint32_t)((const uint8_t *)c->r)[o])
#define FEA (d->disp + c->r[d->base] + (c->r[d->index] << d->scale))
#define CMP8_JCC(CC)                                                                    \
	do {                                                                            \
		lazy(c, LF(LF_SUB, 0), (a_ - b_) & 0xff, a_, b_);                       \
		d++;                                                                    \
		JCC_TAKE(cond_sub32(c, a_ << 24, b_ << 24, CC));                        \
	} while (0)
#define CMP32_JCC(CC)                                                                   \
	do {                                                                            \
		lazy(c, LF(LF_SUB, 2), a_ - b_, a_, b_);                                \
		d++;                                                                    \
		JCC_TAKE(cond_sub32(c, a_, b_, CC));                                    \
	} while (0)
#define X(P, CC)                                                                        \
	XCASE(CMPBRR_##CC) { uint32_t a_ = R8(d->r8), b_ = R8(d->rm8); CMP8_JCC(CC); }  \
	XCASE(CMPBRI_##CC) { uint32_t a_ = R8(d->r8), b_ = d->imm & 0xff; CMP8_JCC(CC); } \
	XCASE(CMPBRM_##CC) {                                                             \
		uint32_t a_ = R8(d->r8), b_;                                           \
		LOAD(1, FEA, b_);                                                       \
		CMP8_JCC(CC);                                                           \
	}                                                                               \
	XCASE(CMPBMR_##CC) {                                                             \
		uint32_t a_, b_ = R8(d->r8);                                           \
		LOAD(1, FEA, a_);                                                       \
		CMP8_JCC(CC);                                                           \
	}                                                                               \
	XCASE(CMPBMI_##CC) {                                                             \
		uint32_t a_, b_ = d->imm & 0xff;                                        \
		LOAD(1, FEA, a_);                                                       \
		CMP8_JCC(CC);                                                           \
	}                                                                               \
	XCASE(TESTBRR_##CC) {                                                            \
		uint32_t a_ = R8(d->r8), b_ = R8(d->rm8), r_ = a_ & b_;                 \
		lazy(c, LF(LF_LOGIC, 0), r_, a_, b_);                                   \
		d++;                                                                    \
		JCC_TAKE(cond_logic32(c, r_ << 24, CC));                                \
	}                                                                               \
	XCASE(CMPDRM_##CC) {                                                             \
		uint32_t a_ = c->r[d->reg], b_;                                         \
		LOAD(4, FEA, b_);                                                       \
		CMP32_JCC(CC);                                                          \
	}                                                                               \
	XCASE(CMPDMR_##CC) {                                                             \
		uint32_t a_, b_ = c->r[d->reg];                                         \
		LOAD(4, FEA, a_);                                                       \
		CMP32_JCC(CC);                                                          \
	}                                                                               \
	XCASE(CMPDMI_##CC) {                                                             \
		uint32_t a_, b_ = d->imm;                                               \
		LOAD(4, FEA, a_);                                                       \
		CMP32_JCC(CC);                                                          \
	}                                                                               \
	XCASE(INCJ_##CC) {                                                               \
		uint32_t a_ = c->r[d->reg], r_ = a_ + 1;                                \
		keep_cf(c);                                                             \
		lazy(c, LF(LF_INC, 2), r_, a_, 1);                                      \
		c->r[d->reg] = r_;                                                      \
		d++;                                                                    \
		JCC_TAKE(cond_incdec32(c, r_, r_ == 0x80000000u, CC));                  \
	}                                                                               \
	XCASE(DECJ_##CC) {                                                               \
		uint32_t a_ = c->r[d->reg], r_ = a_ - 1;                                \
		keep_cf(c);                                                             \
		lazy(c, LF(LF_DEC, 2), r_, a_, 1);                                      \
		c->r[d->reg] = r_;                                                      \
		d++;                                                                    \
		JCC_TAKE(cond_incdec32(c, r_, a_ == 0x80000000u, CC));                  \
	}
	CPU_CCS(X, _)
#undef X
#undef CMP8_JCC
#undef CMP32_JCC
#undef FEA
#undef R8
#undef JCC_TAKE
	// 32-bit ALU ops and shifts by an immediate whose flags are dead (exec_select):
	// a later instruction of the block replaces the whole lazy record first.
#define NF_ALU(NAME, EXPR)                                                              \
	XCASE(NF_##NAME##RR) {                                                           \
		uint32_t a_ = c->r[d->reg], b_ = c->r[d->rm];                           \
		c->r[d->reg] = EXPR;                                                    \
		NEXT;                                                                   \
	}                                                                               \
	XCASE(NF_##NAME##RI) {                                                           \
		uint32_t a_ = c->r[d->reg], b_ = d->imm;                                \
		c->r[d->reg] = EXPR;                                                    \
		NEXT;                                                                   \
	}
	NF_ALU(ADD, a_ + b_)
	NF_ALU(OR, a_ | b_)
	NF_ALU(AND, a_ & b_)
	NF_ALU(SUB, a_ - b_)
	NF_ALU(XOR, a_ ^ b_)
#undef NF_ALU
	XCASE(NF_SHL) { c->r[d->reg] <<= d->imm & 31; NEXT; } // by d->imm, 1..31
	XCASE(NF_SHR) { c->r[d->reg] >>= d->imm & 31; NEXT; }
	XCASE(NF_SAR) { c->r[d->reg] = (uint32_t)((int32_t)c->r[d->reg] >> (d->imm & 31)); NEXT; }
	// INC and DEC without their lazy record; CF as they keep it (raw eflags are state).
	XCASE(NF_INC) { keep_cf(c); c->r[d->reg]++; NEXT; }
	XCASE(NF_DEC) { keep_cf(c); c->r[d->reg]--; NEXT; }
	// 32-bit register forms by sub-operation (exec_select): SHIFT_R by an immediate
	// count 1..31, as its inline paths do them; UNARY_R's INC and DEC; MOVX_R's MOVZX
	// r32, r8.
#define SHIFT32I(NAME, KIND, EXPR)                                                      \
	XCASE(NAME##32I) {                                                              \
		uint32_t a = c->r[d->reg], cnt = d->imm & 31, r = EXPR;                 \
		lazy(c, LF(KIND, 2), r, a, cnt);                                        \
		c->r[d->reg] = r;                                                       \
		NEXT;                                                                   \
	}
	SHIFT32I(SHL, LF_SHL, a << cnt)
	SHIFT32I(SHR, LF_SHR, a >> cnt)
	SHIFT32I(SAR, LF_SAR, (uint32_t)((int32_t)a >> cnt))
#undef SHIFT32I
	XCASE(ROL32I) {
		uint32_t a = c->r[d->reg], cnt = d->imm & 31;
		uint32_t r = (a << cnt) | (a >> (32 - cnt)), cf = r & 1, of = (r >> 31) ^ cf;
		materialize(c);
		c->eflags = (c->eflags & ~(CPU_CF | CPU_OF)) | cf | (of ? CPU_OF : 0);
		c->r[d->reg] = r;
		NEXT;
	}
	XCASE(ROR32I) {
		uint32_t a = c->r[d->reg], cnt = d->imm & 31;
		uint32_t r = (a >> cnt) | (a << (32 - cnt)), cf = r >> 31, of = cf ^ ((r >> 30) & 1);
		materialize(c);
		c->eflags = (c->eflags & ~(CPU_CF | CPU_OF)) | cf | (of ? CPU_OF : 0);
		c->r[d->reg] = r;
		NEXT;
	}
	XCASE(INC32) {
		uint32_t a = c->r[d->reg];
		keep_cf(c);
		lazy(c, LF(LF_INC, 2), a + 1, a, 1);
		c->r[d->reg] = a + 1;
		NEXT;
	}
	XCASE(DEC32) {
		uint32_t a = c->r[d->reg];
		keep_cf(c);
		lazy(c, LF(LF_DEC, 2), a - 1, a, 1);
		c->r[d->reg] = a - 1;
		NEXT;
	}
	XCASE(MOVZXB_R) { c->r[d->reg] = getr_o(c, 1, d->rm, d->rm8); NEXT; }
	// IMUL2 of 32 bits (exec_select): the signed product, the lazy record as imul2
	// leaves it (a: the product did not fit).
#define IMUL32(A, B)                                                                    \
	do {                                                                            \
		int64_t p_ = (int64_t)(int32_t)(A) * (int32_t)(B);                      \
		uint32_t lo_ = (uint32_t)p_;                                            \
		c->r[d->reg] = lo_;                                                     \
		lazy(c, LF(LF_MUL, 2), lo_, (int64_t)(int32_t)lo_ != p_, 0);            \
		NEXT;                                                                   \
	} while (0)
	XCASE(IMUL32RR) { IMUL32(c->r[d->reg], c->r[d->rm]); }
	XCASE(IMUL32RI) { IMUL32(d->imm, c->r[d->rm]); }
	XCASE(IMUL32M) {
		uint32_t b_;
		LOAD(4, d->disp + c->r[d->base] + (c->r[d->index] << d->scale), b_);
		IMUL32(d->sub ? d->imm : c->r[d->reg], b_);
	}
#undef IMUL32
	// MOVX into 32 bits by source size and sign (exec_select).
	XCASE(MOVSXB_R) { c->r[d->reg] = (uint32_t)(int32_t)(int8_t)getr_o(c, 1, d->rm, d->rm8); NEXT; }
	XCASE(MOVZXW_R) { c->r[d->reg] = c->r[d->rm] & 0xffffu; NEXT; }
	XCASE(MOVSXW_R) { c->r[d->reg] = (uint32_t)(int32_t)(int16_t)c->r[d->rm]; NEXT; }
#define MOVX32_M(SZ, EXPR)                                                              \
	do {                                                                            \
		uint32_t v_;                                                            \
		LOAD(SZ, d->disp + c->r[d->base] + (c->r[d->index] << d->scale), v_);   \
		c->r[d->reg] = (EXPR);                                                  \
		NEXT;                                                                   \
	} while (0)
	XCASE(MOVSXB_M) { MOVX32_M(1, (uint32_t)(int32_t)(int8_t)v_); }
	XCASE(MOVZXW_M) { MOVX32_M(2, v_); }
	XCASE(MOVSXW_M) { MOVX32_M(2, (uint32_t)(int32_t)(int16_t)v_); }
#undef MOVX32_M
	// SHLD and SHRD of 32-bit registers by an immediate 1..31 (exec_select): rm shifted,
	// filled from reg; the flags as shxd sets them (no lazy record).
#define SHXD32I(NAME, EXPR, CF)                                                         \
	XCASE(NAME##32I) {                                                              \
		uint32_t dst = c->r[d->rm], src = c->r[d->reg], cnt = d->imm & 31;      \
		uint32_t r = (EXPR), f = flags_parity[r & 0xff] | (r == 0 ? CPU_ZF : 0); \
		f |= ((r >> 24) & CPU_SF) | (CF) | ((((r ^ dst) >> 20) & CPU_OF));      \
		set_arith(c, f);                                                        \
		c->r[d->rm] = r;                                                        \
		NEXT;                                                                   \
	}
	SHXD32I(SHLD, (dst << cnt) | (src >> (32 - cnt)), (dst >> (32 - cnt)) & 1)
	SHXD32I(SHRD, (dst >> cnt) | (src << (32 - cnt)), (dst >> (cnt - 1)) & 1)
#undef SHXD32I
	// Memory forms without the 67 prefix, by addressing form (exec_select): the
	// address without the index (_B) or without the 16-bit wrap (_X).
#define EA_B (d->disp + c->r[d->base])
#define EA_X (d->disp + c->r[d->base] + (c->r[d->index] << d->scale))
#define EA_FORMS(NAME, BODY) XCASE(NAME##_B) BODY(EA_B) XCASE(NAME##_X) BODY(EA_X)
#define MOVD_RM_BODY(EA) { uint32_t v_; LOAD(4, EA, v_); c->r[d->reg] = v_; NEXT; }
#define MOVD_MR_BODY(EA) { STORE(4, EA, c->r[d->reg]); NEXT; }
#define MOVD_MI_BODY(EA) { STORE(4, EA, d->imm); NEXT; }
#define MOVB_RM_BODY(EA) { uint32_t v_; LOAD(1, EA, v_); setr_o(c, 1, d->reg, d->r8, v_); NEXT; }
#define MOVB_MR_BODY(EA) { STORE(1, EA, getr_o(c, 1, d->reg, d->r8)); NEXT; }
#define MOVZXB_BODY(EA) { uint32_t v_; LOAD(1, EA, v_); c->r[d->reg] = v_; NEXT; }
#define LEA_BODY(EA) { c->r[d->reg] = EA; NEXT; }
#define ALU_RM_BODY(OPN, EA)                                                            \
	{                                                                               \
		uint32_t b_;                                                            \
		LOAD(4, EA, b_);                                                        \
		uint32_t r_ = alu(c, OPN, 4, c->r[d->reg], b_);                         \
		if (alu_writes(OPN))                                                    \
			c->r[d->reg] = r_;                                              \
		NEXT;                                                                   \
	}
#define ADDD_RM_BODY(EA) ALU_RM_BODY(ALU_ADD, EA)
#define ORD_RM_BODY(EA) ALU_RM_BODY(ALU_OR, EA)
#define ANDD_RM_BODY(EA) ALU_RM_BODY(ALU_AND, EA)
#define SUBD_RM_BODY(EA) ALU_RM_BODY(ALU_SUB, EA)
#define XORD_RM_BODY(EA) ALU_RM_BODY(ALU_XOR, EA)
#define CMPD_RM_BODY(EA) ALU_RM_BODY(ALU_CMP, EA)
#define CMPD_MR_BODY(EA) { uint32_t a_; LOAD(4, EA, a_); alu(c, ALU_CMP, 4, a_, c->r[d->reg]); NEXT; }
#define CMPD_MI_BODY(EA) { uint32_t a_; LOAD(4, EA, a_); alu(c, ALU_CMP, 4, a_, d->imm); NEXT; }
#define X(N) EA_FORMS(N, N##_BODY)
	CPU_EA_OPS(X)
#undef X
#undef EA_B
#undef EA_X
#undef EA_FORMS
	CASE(JMP_R) { eip = c->r[d->reg]; budget -= COST_TAKEN_BRANCH; goto end_block; }
	CASE(JMP_M) {
		uint32_t t;
		LOAD(4, ea_of(c, d), t);
		eip = t;
		budget -= COST_TAKEN_BRANCH;
		goto end_block;
	}
	CASE(CALL) {
		uint32_t sp = c->r[CPU_ESP] - 4;
		STORE(4, sp, NEXT_EIP);
		c->r[CPU_ESP] = sp;
		link = &blk->next[1];
		goto end_chain;
	}
	CASE(CALL_R) {
		uint32_t t = c->r[d->reg], sp = c->r[CPU_ESP] - 4;
		STORE(4, sp, NEXT_EIP);
		c->r[CPU_ESP] = sp;
		eip = t;
		goto end_block;
	}
	CASE(CALL_M) {
		uint32_t t, sp = c->r[CPU_ESP] - 4;
		LOAD(4, ea_of(c, d), t);
		STORE(4, sp, NEXT_EIP);
		c->r[CPU_ESP] = sp;
		eip = t;
		goto end_block;
	}
	CASE(RET) {
		uint32_t t;
		LOAD(4, c->r[CPU_ESP], t);
		c->r[CPU_ESP] += 4 + d->imm;
		eip = t;
		goto end_block;
	}
	CASE(LOOP) { // LOOPNE LOOPE LOOP JECXZ; with the 67 prefix the counter is CX
		bool take;
		uint32_t m = (d->flags & DI_A16) ? 0xffffu : 0xffffffffu;
		if (d->sub == 3) {
			take = (c->r[CPU_ECX] & m) == 0;
		} else {
			uint32_t n = (c->r[CPU_ECX] - 1) & m;
			c->r[CPU_ECX] = (c->r[CPU_ECX] & ~m) | n;
			take = n != 0;
			if (d->sub == 0)
				take = take && !cond(c, 4);
			else if (d->sub == 1)
				take = take && cond(c, 4);
		}
		link = &blk->next[0];
		if (take) {
			budget -= COST_TAKEN_BRANCH;
			link = &blk->next[1];
		}
		goto end_chain;
	}

	// --- Stack ---
	CASE(PUSH_R) {
		uint32_t sz = d->size, sp = c->r[CPU_ESP] - sz;
		STORE(sz == 2 ? 2 : 4, sp, getr_o(c, sz, d->reg, d->r8));
		c->r[CPU_ESP] = sp;
		NEXT;
	}
	CASE(PUSH_I) {
		uint32_t sz = d->size, sp = c->r[CPU_ESP] - sz;
		STORE(sz == 2 ? 2 : 4, sp, d->imm);
		c->r[CPU_ESP] = sp;
		NEXT;
	}
	CASE(PUSH_M) {
		uint32_t sz = d->size, v, sp = c->r[CPU_ESP] - sz;
		if (sz == 2)
			LOAD(2, ea_of(c, d), v);
		else
			LOAD(4, ea_of(c, d), v);
		STORE(sz == 2 ? 2 : 4, sp, v);
		c->r[CPU_ESP] = sp;
		NEXT;
	}
	CASE(POP_R) {
		uint32_t sz = d->size, v;
		if (sz == 2)
			LOAD(2, c->r[CPU_ESP], v);
		else
			LOAD(4, c->r[CPU_ESP], v);
		c->r[CPU_ESP] += sz;
		setr_o(c, sz, d->reg, d->r8, v);
		NEXT;
	}
	CASE(POP_M) {
		// POP m: ESP is incremented before the destination address is computed.
		uint32_t sz = d->size, v, sp = c->r[CPU_ESP];
		if (sz == 2)
			LOAD(2, sp, v);
		else
			LOAD(4, sp, v);
		c->r[CPU_ESP] = sp + sz;
		uint32_t a = ea_of(c, d);
		c->r[CPU_ESP] = sp;
		STORE(sz == 2 ? 2 : 4, a, v);
		c->r[CPU_ESP] = sp + sz;
		NEXT;
	}
	// PUSHA POPA PUSHF POPF ENTER LEAVE push and pop words with the 66 prefix
	// (d->size 2), doublewords without; the stack pointer is always ESP.
	CASE(PUSHA) {
		uint32_t sp = c->r[CPU_ESP], sz = d->size;
		// Stores go in push order; a fault leaves the earlier slots written and
		// ESP unchanged, as on hardware (found by cpu_diff, 2026-11-29).
		for (uint32_t i = 0; i < 8; i++)
			STORE(sz, sp - sz * (i + 1), c->r[i]);
		c->r[CPU_ESP] = sp - 8 * sz;
		NEXT;
	}
	CASE(POPA) {
		uint32_t sp = c->r[CPU_ESP], sz = d->size, v[8];
		for (uint32_t i = 0; i < 8; i++)
			LOAD(sz, sp + sz * i, v[i]);
		for (int i = 0; i < 8; i++)
			if (7 - i != CPU_ESP)
				setr(c, sz, 7u - (unsigned)i, v[i]);
		c->r[CPU_ESP] = sp + 8 * sz;
		NEXT;
	}
	CASE(PUSHF) {
		uint32_t sz = d->size, sp = c->r[CPU_ESP] - sz;
		STORE(sz, sp, cpu_get_eflags(c) & 0x00fcffffu);
		c->r[CPU_ESP] = sp;
		NEXT;
	}
	CASE(POPF) {
		uint32_t v, sz = d->size;
		uint32_t mask = sz == 2 ? CPU_POPF_MASK & 0xffffu : CPU_POPF_MASK;
		LOAD(sz, c->r[CPU_ESP], v);
		c->r[CPU_ESP] += sz;
		flags_materialize(c);
		c->eflags = (c->eflags & ~mask) | (v & mask);
		NEXT;
	}
	CASE(ENTER) {
		// 16-bit ENTER: FrameTemp is SP, the nesting loop reads words at EBP-2...,
		// and only BP is set (the SDM's pseudocode for a 32-bit stack).
		uint32_t sp = c->r[CPU_ESP], bp = c->r[CPU_EBP], sz = d->size;
		unsigned level = d->imm2 & 31;
		sp -= sz;
		STORE(sz, sp, bp);
		uint32_t frame = sp;
		for (unsigned i = 1; i < level; i++) {
			uint32_t v;
			bp -= sz;
			LOAD(sz, bp, v);
			sp -= sz;
			STORE(sz, sp, v);
		}
		if (level > 0) {
			sp -= sz;
			STORE(sz, sp, frame);
		}
		{
			// The SDM: #PF if a write at the final ESP would fault. Hardware
			// checks it after the pushes, before the registers change (cpu_diff
			// seed 42, 2026-11-29).
			uint64_t m_probe;
			uint32_t fin = sp - d->imm;
			if (!tlb_w(x, fin, 1)) {
				if (tlb_slow_read(x, d, fin, 1, CPU_ACC_WRITE, &m_probe))
					goto fault;
				ATTN_SYNC();
			}
		}
		setr(c, sz, CPU_EBP, frame);
		c->r[CPU_ESP] = sp - d->imm;
		NEXT;
	}
	CASE(LEAVE) { // ESP = EBP, then pop EBP (BP with the 66 prefix)
		uint32_t v, sz = d->size;
		LOAD(sz, c->r[CPU_EBP], v);
		c->r[CPU_ESP] = c->r[CPU_EBP] + sz;
		setr(c, sz, CPU_EBP, v);
		NEXT;
	}

	// --- Miscellaneous data movement ---
	CASE(CBW) {
		if (d->size == 2)
			setr(c, 2, CPU_EAX, (uint32_t)(int32_t)(int8_t)c->r[CPU_EAX]);
		else
			c->r[CPU_EAX] = (uint32_t)(int32_t)(int16_t)c->r[CPU_EAX];
		NEXT;
	}
	CASE(CWD) {
		if (d->size == 2)
			setr(c, 2, CPU_EDX, (c->r[CPU_EAX] & 0x8000) ? 0xffff : 0);
		else
			c->r[CPU_EDX] = (c->r[CPU_EAX] & 0x80000000u) ? 0xffffffffu : 0;
		NEXT;
	}
	CASE(SETCC_R) { setr_o(c, 1, d->reg, d->r8, (uint32_t)cond(c, d->sub)); NEXT; }
	CASE(SETCC_M) { STORE(1, ea_of(c, d), (uint32_t)cond(c, d->sub)); NEXT; }
	CASE(CMOV_R) {
		if (cond(c, d->sub))
			setr_o(c, d->size, d->reg, d->r8, getr_o(c, d->size, d->rm, d->rm8));
		NEXT;
	}
	CASE(CMOV_M) {
		uint32_t v;
		if (d->size == 2)
			LOAD(2, ea_of(c, d), v);
		else
			LOAD(4, ea_of(c, d), v);
		if (cond(c, d->sub))
			setr_o(c, d->size, d->reg, d->r8, v);
		NEXT;
	}
	CASE(BT_R) {
		unsigned bits = d->size * 8u;
		uint32_t off = (d->imm2 ? d->imm : getr_o(c, d->size, d->reg, d->r8)) & (bits - 1);
		uint32_t v = getr_o(c, d->size, d->rm, d->rm8), bit = (v >> off) & 1;
		switch (d->sub) {
		case 1: v |= 1u << off; break;
		case 2: v &= ~(1u << off); break;
		case 3: v ^= 1u << off; break;
		default: break;
		}
		if (d->sub)
			setr_o(c, d->size, d->rm, d->rm8, v);
		set_flags(c, CPU_CF, bit);
		NEXT;
	}
	CASE(BT_M) {
		unsigned sz = d->size, bits = sz * 8u;
		uint32_t a = ea_of(c, d), off;
		if (d->imm2) {
			off = d->imm & (bits - 1);
		} else { // register offset: signed, may address outside the operand
			int32_t o = sz == 4 ? (int32_t)c->r[d->reg] : (int16_t)c->r[d->reg];
			int32_t unit = o >> (sz == 4 ? 5 : 4); // arithmetic shift (floor)
			a += (uint32_t)unit * sz;
			if (d->flags & DI_A16) // 67: the bit string's address wraps too
				a &= 0xffff;
			off = (uint32_t)o & (bits - 1);
		}
		uint32_t v;
		if (d->sub == 0) {
			LOAD(sz, a, v);
			set_flags(c, CPU_CF, (v >> off) & 1);
			NEXT;
		}
		RMW_BEGIN(sz, a, v);
		uint32_t bit = (v >> off) & 1;
		if (d->sub == 1)
			v |= 1u << off;
		else if (d->sub == 2)
			v &= ~(1u << off);
		else
			v ^= 1u << off;
		set_flags(c, CPU_CF, bit);
		RMW_END(sz, v);
		NEXT;
	}
	CASE(BSCAN_R) {
		uint32_t v = getr_o(c, d->size, d->rm, d->rm8);
		goto bscan;
	CASE(BSCAN_M)
		if (d->size == 2)
			LOAD(2, ea_of(c, d), v);
		else
			LOAD(4, ea_of(c, d), v);
	bscan: {
		unsigned bits = d->size * 8u;
		switch (d->sub) {
		case 0: case 1: // BSF BSR: destination unchanged when the source is 0
			if (v == 0) {
				set_flags(c, CPU_ZF, CPU_ZF);
			} else {
				uint32_t r = d->sub == 0 ? (uint32_t)__builtin_ctz(v)
							 : 31u - (uint32_t)__builtin_clz(v);
				setr_o(c, d->size, d->reg, d->r8, r);
				set_flags(c, CPU_ZF, 0);
			}
			break;
		default: { // TZCNT LZCNT
			uint32_t r;
			if (v == 0)
				r = bits;
			else if (d->sub == 2)
				r = (uint32_t)__builtin_ctz(v);
			else
				r = (uint32_t)__builtin_clz(v) - (32 - bits);
			setr_o(c, d->size, d->reg, d->r8, r);
			set_flags(c, CPU_CF | CPU_ZF, (v == 0 ? CPU_CF : 0) | (r == 0 ? CPU_ZF : 0));
			break;
		}
		}
		NEXT;
	}
	}
	CASE(BSWAP) { c->r[d->reg] = __builtin_bswap32(c->r[d->reg]); NEXT; }
	CASE(XADD_R) {
		unsigned sz = d->size;
		uint32_t dst = getr_o(c, sz, d->rm, d->rm8), src = getr_o(c, sz, d->reg, d->r8);
		uint32_t sum = alu(c, ALU_ADD, sz, dst, src);
		setr_o(c, sz, d->reg, d->r8, dst);
		setr_o(c, sz, d->rm, d->rm8, sum);
		NEXT;
	}
	CASE(XADD_M) {
		unsigned sz = d->size;
		uint32_t dst;
		RMW_BEGIN(sz, ea_of(c, d), dst);
		uint32_t sum = alu(c, ALU_ADD, sz, dst, getr_o(c, sz, d->reg, d->r8));
		setr_o(c, sz, d->reg, d->r8, dst);
		RMW_END(sz, sum);
		NEXT;
	}
	CASE(CMPXCHG_R) {
		unsigned sz = d->size;
		uint32_t dst = getr_o(c, sz, d->rm, d->rm8), acc = getr(c, sz, CPU_EAX);
		alu(c, ALU_CMP, sz, acc, dst);
		if (acc == dst)
			setr_o(c, sz, d->rm, d->rm8, getr_o(c, sz, d->reg, d->r8));
		else
			setr(c, sz, CPU_EAX, dst);
		NEXT;
	}
	CASE(CMPXCHG_M) {
		unsigned sz = d->size;
		uint32_t dst, acc = getr(c, sz, CPU_EAX);
		RMW_BEGIN(sz, ea_of(c, d), dst);
		alu(c, ALU_CMP, sz, acc, dst);
		if (acc == dst) {
			RMW_END(sz, getr_o(c, sz, d->reg, d->r8));
		} else {
			setr(c, sz, CPU_EAX, dst);
			RMW_END(sz, dst);
		}
		NEXT;
	}
	CASE(CMPXCHG8B) {
		uint32_t a = ea_of(c, d), lo, hi;
		RMW_BEGIN(4, a, lo);
		(void)rmw_p;
		uint32_t probe_hi;
		{
			uint64_t slow_v_;
			if (tlb_slow_read(x, d, a + 4, 4, CPU_ACC_WRITE, &slow_v_))
				goto fault;
			probe_hi = (uint32_t)slow_v_;
			ATTN_SYNC();
		}
		hi = probe_hi;
		if (lo == c->r[CPU_EAX] && hi == c->r[CPU_EDX]) {
			set_flags(c, CPU_ZF, CPU_ZF);
			STORE(4, a, c->r[CPU_EBX]);
			STORE(4, a + 4, c->r[CPU_ECX]);
		} else {
			set_flags(c, CPU_ZF, 0);
			c->r[CPU_EAX] = lo;
			c->r[CPU_EDX] = hi;
			STORE(4, a, lo);
			STORE(4, a + 4, hi);
		}
		NEXT;
	}
	CASE(XLAT) {
		uint32_t v, a = c->r[CPU_EBX] + (c->r[CPU_EAX] & 0xff);
		if (d->flags & DI_A16)
			a &= 0xffff; // [BX + AL]
		LOAD(1, a, v);
		setr(c, 1, CPU_EAX, v);
		NEXT;
	}

	// --- String instructions: string_run. Each ends its block; a REP form that runs
	// out of budget leaves with EIP still on it, and resumes where it stopped. ---
#define STRING_CASE(NAME)                                                               \
	CASE(NAME) {                                                                    \
		int64_t b_ = BUDGET_TRUE;                                               \
		if (unlikely(d->flags & DI_A16))                                        \
			str = string_a16(x, c, d, &b_);                                 \
		else                                                                    \
			str = string_##NAME(x, c, d, &b_);                              \
		budget = b_ - (biased ? ATTN_BIAS : 0);                                 \
		ATTN_SYNC();                                                            \
		goto string_end;                                                        \
	}
	STRING_CASE(MOVS)
	STRING_CASE(STOS)
	STRING_CASE(LODS)
	STRING_CASE(SCAS)
	STRING_CASE(CMPS)
#undef STRING_CASE
	string_end:
		if (str == STR_FAULT)
			goto fault;
		if (str == STR_PREEMPT)
			goto rep_preempt;
		eip = NEXT_EIP;
		goto end_block;

	CASE(FLAGOP) {
		switch (d->sub) {
		case 0: set_flags(c, CPU_CF, 0); break;
		case 1: set_flags(c, CPU_CF, CPU_CF); break;
		case 2: set_flags(c, CPU_CF, get_cf(c) ^ 1); break;
		case 3: c->eflags &= ~CPU_DF; break;
		case 4: c->eflags |= CPU_DF; break;
		case 5: // SAHF
			set_flags(c, CPU_SF | CPU_ZF | CPU_AF | CPU_PF | CPU_CF, c->r[CPU_EAX] >> 8);
			break;
		default: // LAHF
			setr(c, 4, CPU_EAX,
			     (c->r[CPU_EAX] & 0xffff00ffu) |
				     (((cpu_get_eflags(c) & 0xd5u) | 2u) << 8));
			break;
		}
		NEXT;
	}
	CASE(BCD) {
		uint32_t al = c->r[CPU_EAX] & 0xff, ah = (c->r[CPU_EAX] >> 8) & 0xff;
		uint32_t f = cpu_get_eflags(c), cf = f & CPU_CF, af = f & CPU_AF, nf = 0;
		switch (d->sub) {
		case 0: case 1: { // DAA DAS
			uint32_t old = al, ncf = 0;
			if ((al & 0xf) > 9 || af) {
				if (d->sub == 0) {
					ncf = cf || al + 6 > 0xff;
					al = (al + 6) & 0xff;
				} else {
					ncf = cf || al < 6;
					al = (al - 6) & 0xff;
				}
				nf |= CPU_AF;
			}
			if (old > 0x99 || cf) {
				al = (d->sub == 0 ? al + 0x60 : al - 0x60) & 0xff;
				ncf = 1;
			}
			nf |= szp(al, 1) | (ncf ? CPU_CF : 0);
			setr(c, 1, CPU_EAX, al);
			break;
		}
		case 2: case 3: { // AAA AAS
			uint32_t ax = c->r[CPU_EAX] & 0xffff;
			if ((al & 0xf) > 9 || af) {
				if (d->sub == 2)
					ax = (ax + 0x106) & 0xffff;
				else
					ax = ((ax - 6) & 0xffff) - 0x100;
				nf = CPU_AF | CPU_CF;
			}
			ax = ((ax & 0xff00) | (ax & 0x0f)) & 0xffff;
			nf |= szp(ax & 0xff, 1);
			setr(c, 2, CPU_EAX, ax);
			break;
		}
		case 4: // AAM
			if ((d->imm & 0xff) == 0)
				RAISE(CPU_VEC_DE);
			ah = al / (d->imm & 0xff);
			al = al % (d->imm & 0xff);
			setr(c, 2, CPU_EAX, al | ah << 8);
			nf = szp(al, 1);
			break;
		default: // AAD
			al = (al + ah * (d->imm & 0xff)) & 0xff;
			setr(c, 2, CPU_EAX, al);
			nf = szp(al, 1);
			break;
		}
		set_arith(c, nf);
		NEXT;
	}
	CASE(NOP) { NEXT; }
	CASE(CPUID) {
		uint32_t out[4];
		cpu_cpuid(c->r[CPU_EAX], c->r[CPU_ECX], out);
		c->r[CPU_EAX] = out[0];
		c->r[CPU_EBX] = out[1];
		c->r[CPU_ECX] = out[2];
		c->r[CPU_EDX] = out[3];
		NEXT;
	}
	CASE(RDTSC) {
		// Cycles so far: everything charged, minus the rest of this block.
		uint64_t now = c->cycles + (uint64_t)(budget_in - BUDGET_TRUE) -
			       (uint64_t)(blk->cost - d->pre - d->cost);
		c->r[CPU_EAX] = (uint32_t)now;
		c->r[CPU_EDX] = (uint32_t)(now >> 32);
		NEXT;
	}

	// --- Exits ---
	CASE(INT3) {
		c->fault.vector = CPU_VEC_BP;
		c->fault.error_code = 0;
		c->fault.addr = 0;
		c->fault.eip = THIS_EIP;
		eip = NEXT_EIP;
		why = CPU_EXIT_FAULT;
		goto leave;
	}
	CASE(INT) {
		c->fault.vector = (uint8_t)d->imm;
		c->fault.error_code = 0;
		c->fault.addr = 0;
		c->fault.eip = THIS_EIP;
		eip = NEXT_EIP;
		why = CPU_EXIT_INT;
		goto leave;
	}
	CASE(INTO) {
		eip = NEXT_EIP;
		if (!(cpu_get_eflags(c) & CPU_OF))
			goto end_block;
		c->fault.vector = CPU_VEC_OF;
		c->fault.error_code = 0;
		c->fault.addr = 0;
		c->fault.eip = THIS_EIP;
		why = CPU_EXIT_FAULT;
		goto leave;
	}
	CASE(IRET) {
		uint32_t sp = c->r[CPU_ESP], ne, cs, fl;
		LOAD(4, sp, ne);
		LOAD(4, sp + 4, cs);
		LOAD(4, sp + 8, fl);
		(void)cs;
		c->r[CPU_ESP] = sp + 12;
		flags_materialize(c);
		c->eflags = (c->eflags & ~CPU_POPF_MASK) | (fl & CPU_POPF_MASK);
		eip = ne;
		goto end_block;
	}
	CASE(HLT) { eip = NEXT_EIP; why = CPU_EXIT_HLT; goto leave; }
	CASE(PIO) {
		struct cpu_pio *p = &c->pio;
		p->port = (d->flags & DI_CL) ? (uint16_t)c->r[CPU_EDX] : (uint16_t)d->imm;
		p->size = d->size;
		p->is_in = d->sub != 0;
		p->value = p->is_in ? 0 : getr(c, d->size, CPU_EAX);
		eip = NEXT_EIP;
		why = CPU_EXIT_PIO;
		goto leave;
	}
	CASE(IDLE) { eip = NEXT_EIP; why = CPU_EXIT_IDLE; goto leave; }
	CASE(TERMINATE) { eip = NEXT_EIP; why = CPU_EXIT_TERMINATE; goto leave; }
	CASE(UD) { RAISE(CPU_VEC_UD); }
	CASE(GP) { RAISE(CPU_VEC_GP); }

	// --- Synthetic entries ---
	CASE(BLOCK_END) { // d->len is 0: end_chain's EIP is page_base + d->off
		link = &blk->next[0];
		goto end_chain;
	}
	CASE(SMC_EXIT) {
		// A write in the previous instruction hit decoded code. Restore this
		// entry (it may belong to a shared, still valid block) and look up anew.
		*d = x->patched_orig;
		x->patched = NULL;
		nf_recover(c, blk->insn, d->idx);
		eip = page_base + d->off;
		budget += blk->cost - d->pre;
		retired -= blk->n - d->idx;
		x->attn &= ~ATTN_SMC;
		if (x->attn & ATTN_STEP) {
			why = CPU_EXIT_STEP;
			goto leave;
		}
		if (biased) {
			budget += ATTN_BIAS;
			biased = false;
		}
		goto lookup;
	}
	CASE(STEP_END) { eip = page_base + d->off; why = CPU_EXIT_STEP; goto leave; }
	}

end_chain: {
	// A block ends in a direct transfer (or falls through) at d: `link` is where blk
	// keeps the block that follows once it has been found in the same dpage,
	// blk->next[1] for the transfer's target (d->imm past d), blk->next[0] for the
	// instruction after d. The next EIP is computed only when the link is not taken.
	struct dblock *nb = *link;
	if (unlikely(budget <= 0))
		goto chain_slow;
	if (unlikely(nb == NULL))
		goto chain_slow; // (attention moved the budget below 0: ATTN_SYNC)
	blk = nb; // run_block, repeated here to spare a jump
	budget -= blk->cost;
	retired += blk->n;
	d = blk->insn;
	DISPATCH;
chain_slow:
	eip = NEXT_EIP + (link == &blk->next[1] ? d->imm : 0);
	if (likely(budget > 0 && !x->attn) && likely((eip & CPU_PAGE_MASK) == cur_page)) {
		nb = cur_dp->blk[eip & ~CPU_PAGE_MASK];
		if (likely(nb > DBLOCK_CROSS)) {
			*link = nb;
			blk = nb;
			goto run_block;
		}
	}
}
end_block:
	if (unlikely(budget <= 0 || x->attn)) {
		if (biased) {
			budget += ATTN_BIAS;
			biased = false;
		}
		if (x->attn & ATTN_STEP) {
			why = CPU_EXIT_STEP;
			goto leave;
		}
		if (budget <= 0) {
			why = CPU_EXIT_BUDGET;
			goto leave;
		}
		x->attn &= ~ATTN_SMC;
		goto lookup;
	}
	if (likely((eip & CPU_PAGE_MASK) == cur_page)) {
		blk = cur_dp->blk[eip & ~CPU_PAGE_MASK];
		if (likely(blk > DBLOCK_CROSS))
			goto run_block;
	}
	goto lookup;

step_decode:
	blk = dcache_scratch(x, eip, true);
	if (!blk)
		goto fetch_fault;
	page_base = eip & CPU_PAGE_MASK;
	x->code_page = page_base;
	goto run_block;

rep_preempt:
	// The REP instruction is the last of its block: un-retire it and stay on it.
	eip = THIS_EIP;
	retired -= 1;
	why = CPU_EXIT_BUDGET;
	goto leave;

fault:
	// d faulted: it and the rest of its block did not execute.
	nf_recover(c, blk->insn, d->idx);
	eip = THIS_EIP;
	c->fault.eip = eip;
	budget += blk->cost - d->pre;
	retired -= blk->n - d->idx;
	why = CPU_EXIT_FAULT;
	goto leave;

fetch_fault_oom:
	x->st.host_oom++; // not the guest's fault (cpu.h, cpu_exec_stats)
	c->fault.vector = CPU_VEC_PF;
	c->fault.error_code = CPU_ACC_EXEC;
	c->fault.addr = eip;
	// fall through (fetch_fault sets fault.eip)
fetch_fault:
	c->fault.eip = eip;
	why = CPU_EXIT_FAULT;
	goto leave;

leave:
	if (biased)
		budget += ATTN_BIAS;
	if (x->patched) {
		*x->patched = x->patched_orig;
		x->patched = NULL;
	}
	x->attn = 0;
	x->running = false;
	dcache_free_zombies(x);
	c->eip = eip;
	c->cycles += (uint64_t)(budget_in - budget);
	c->retired += retired;
	return why;
}

// The TLBs describe one VM's memory: forget them when another CPU or memory runs.
static void switch_to(struct cpu_exec *x, const struct cpu *c, const struct cpu_mem *mem)
{
	if (x->last_cpu != c || x->last_ctx != mem->ctx) {
		cpu_exec_flush_tlb(x);
		x->last_cpu = c;
		x->last_ctx = mem->ctx;
	}
	x->mem = mem;
}

enum cpu_exit cpu_run(struct cpu_exec *x, struct cpu *c, const struct cpu_mem *mem,
		      int64_t budget_cycles)
{
	switch_to(x, c, mem);
	x->sblk_valid = false;
	return run(x, c, budget_cycles, RUN_BLOCKS);
}

enum cpu_exit cpu_step(struct cpu_exec *x, struct cpu *c, const struct cpu_mem *mem)
{
	switch_to(x, c, mem);
	x->sblk_valid = false;
	return run(x, c, INT64_MAX / 4, RUN_STEP);
}

enum cpu_exit cpu_step_budget(struct cpu_exec *x, struct cpu *c, const struct cpu_mem *mem,
			      int64_t budget_cycles)
{
	switch_to(x, c, mem);
	return run(x, c, budget_cycles, RUN_STEP);
}

int cpu_block_info(struct cpu_exec *x, struct cpu *c, const struct cpu_mem *mem,
		   bool *last_ends)
{
	switch_to(x, c, mem);
	if (!x->labels)
		(void)run(x, c, 0, RUN_LABELS); // blocks built here must get the handlers
	x->c = c;
	*last_ends = true;
	x->sblk_valid = false;
	uint32_t eip = c->eip;
	// The lookup of run(): code TLB, the page's decoded blocks, building one.
	struct ctlb_ent *ce = &x->ctlb[(eip >> 12) & (CTLB_N - 1)];
	struct dpage *dp = ce->dp;
	if (ce->tag != (eip & CPU_PAGE_MASK)) {
		dp = dcache_code_page(x, eip, ce);
		if (!dp)
			return 0;
	}
	struct dblock *blk = dp->blk[eip & ~CPU_PAGE_MASK];
	if (!blk) {
		blk = dcache_build(x, dp, eip & ~CPU_PAGE_MASK);
		if (!blk)
			return 0;
	}
	if (blk == DBLOCK_CROSS)
		return 1; // run() executes it alone (a scratch block) and ends the block
	const struct dinsn *last = &blk->insn[blk->n - 1];
	*last_ends = (last->flags & DI_TERM) != 0;
	x->sblk_valid = true;
	x->sblk_page = eip & CPU_PAGE_MASK;
	x->sblk_lo = (uint16_t)(eip & ~CPU_PAGE_MASK);
	x->sblk_hi = (uint16_t)(last->off + last->len);
	return blk->n;
}

// How an entry treats the flags, for flags_dead: FL_LIVE ends the search (it reads a
// flag, may exit or stop in a way nf_recover does not undo, or ends the block), FL_NONE
// neither reads nor writes them and cannot fault, FL_ALL replaces the whole lazy record
// (op, res, a, b) without reading a flag and without writing eflags, and cannot fault.
// FL_MEM and FL_ALL_MEM are FL_NONE and FL_ALL for a memory access that may fault
// (before it changes anything) or, after a store into the running block, end the block
// (OP_SMC_EXIT, after it changed everything).
enum fl_use { FL_LIVE, FL_NONE, FL_ALL, FL_MEM, FL_ALL_MEM };

static enum fl_use fl_use(const struct dinsn *d)
{
	int op = d->op;
	if (op_is_alu(op)) {
		enum op_form f = op_form(op);
		enum alu_op a = op_alu(op);
		if (a == ALU_ADC || a == ALU_SBB)
			return FL_LIVE;
		return f == FORM_RR || f == FORM_RI ? FL_ALL : FL_ALL_MEM;
	}
	if (op_is_mov(op))
		return op_form(op) == FORM_RR || op_form(op) == FORM_RI ? FL_NONE : FL_MEM;
	switch (op) {
	case OP_LEA: case OP_LEAW: case OP_MOVX_R: case OP_BSWAP: case OP_XCHG_R:
	case OP_CBW: case OP_CWD: case OP_NOP:
		return FL_NONE;
	case OP_MOVX_M: case OP_PUSH_R: case OP_PUSH_I: case OP_PUSH_M: case OP_POP_R:
		return FL_MEM;
	case OP_UNARY_R: // NOT: none; NEG: all; INC DEC keep CF (a read)
		return d->sub == 2 ? FL_NONE : d->sub == 3 ? FL_ALL : FL_LIVE;
	case OP_SHIFT_R: // SHL SHR SAL SAR by a non-zero immediate: lazy, all flags
		return d->sub >= 4 && !(d->flags & DI_CL) && (d->imm & 31) ? FL_ALL : FL_LIVE;
	case OP_IMUL2_R:
		return FL_ALL;
	case OP_IMUL2_M:
		return FL_ALL_MEM;
	default:
		return FL_LIVE;
	}
}

// The registers (bit n: c->r[n]) an entry of class FL_NONE or FL_MEM may write.
static unsigned regs_written(const struct dinsn *d)
{
	unsigned sz = d->size, reg = 1u << (sz == 1 ? d->reg & 3 : d->reg);
	unsigned rm = 1u << (sz == 1 ? d->rm & 3 : d->rm), sp = 1u << CPU_ESP;
	int op = d->op;
	if (op_is_mov(op))
		return op_form(op) == FORM_MR || op_form(op) == FORM_MI ? 0 : reg;
	switch (op) {
	case OP_MOVX_R: case OP_MOVX_M: case OP_LEA: case OP_LEAW: case OP_BSWAP:
		return 1u << d->reg;
	case OP_XCHG_R: return reg | rm;
	case OP_CBW: return 1u << CPU_EAX;
	case OP_CWD: return 1u << CPU_EDX;
	case OP_NOP: return 0;
	case OP_UNARY_R: return reg; // NOT, INC, DEC
	case OP_PUSH_R: case OP_PUSH_I: case OP_PUSH_M: return sp;
	case OP_POP_R: return sp | 1u << d->reg;
	default: return 0xffu;
	}
}

// Whether nf_recover can rebuild the lazy record a dead-flag handler for d skipped
// from the registers it leaves: ADD SUB XOR of two different registers or with an
// immediate (the first operand is the result minus, plus or xor the second), AND OR
// of a register with itself (both operands are the result), INC DEC of 32 bits (the
// operand is the result minus or plus 1; their handler keeps CF in eflags).
static bool nf_recoverable(const struct dinsn *d, unsigned *uses)
{
	int op = d->op;
	if (op == OP_UNARY_R && d->size == 4 && d->sub < 2) {
		*uses = 1u << d->reg;
		return true;
	}
	if (!op_is_alu(op) || op < alu_opcode(op_alu(op), 2, FORM_RR) ||
	    op > alu_opcode(op_alu(op), 2, FORM_RI))
		return false;
	enum alu_op a = op_alu(op);
	bool rr = op_form(op) == FORM_RR;
	*uses = 1u << d->reg | (rr ? 1u << d->rm : 0);
	if (a == ALU_ADD || a == ALU_SUB || a == ALU_XOR)
		return !rr || d->rm != d->reg;
	return (a == ALU_AND || a == ALU_OR) && rr && d->rm == d->reg;
}

// Whether the flags entry i of a block writes are dead: a later entry replaces the
// whole lazy record before anything could read a flag or see the state (an exit, the
// end of the block). A memory access on the way may fault or end the block (FL_MEM,
// FL_ALL_MEM): then the skipped record is rebuilt (nf_recover), which needs the
// registers it is rebuilt from unchanged up to there. Skipping the write then leaves
// the same registers, eflags and lazy record at every point where the run can stop.
static bool flags_dead(const struct dinsn *d, int i, int n)
{
	unsigned uses = 0, written = 0;
	bool rec = nf_recoverable(&d[i], &uses);
	for (int j = i + 1; j < n; j++) {
		enum fl_use u = fl_use(&d[j]);
		if (u == FL_ALL)
			return true;
		if (u == FL_NONE) {
			written |= regs_written(&d[j]);
			continue;
		}
		if (u == FL_MEM)
			written |= regs_written(&d[j]);
		if (u == FL_LIVE || !rec || (written & uses))
			return false;
		if (u == FL_ALL_MEM)
			return true;
	}
	return false;
}

// After entry k of a block stopped the run (a fault, or OP_SMC_EXIT after a store into
// the block): the lazy record of the last flag setter before it, when its handler
// skipped it (flags_dead allowed that only where this rebuilds it exactly).
static void nf_recover(struct cpu *c, const struct dinsn *first, int k)
{
	for (int j = k - 1; j >= 0; j--) {
		const struct dinsn *e = &first[j];
		if (e->hop == XOP_NF_INC || e->hop == XOP_NF_DEC) { // CF is in eflags
			uint32_t r = c->r[e->reg];
			if (e->hop == XOP_NF_INC)
				lazy(c, LF(LF_INC, 2), r, r - 1, 1);
			else
				lazy(c, LF(LF_DEC, 2), r, r + 1, 1);
			return;
		}
		if (e->hop >= XOP_NF_ADDRR && e->hop <= XOP_NF_XORRI) {
			uint32_t res = c->r[e->reg];
			uint32_t b = op_form(e->op) == FORM_RR ? c->r[e->rm] : e->imm;
			switch (op_alu(e->op)) {
			case ALU_ADD: lazy(c, LF(LF_ADD, 2), res, res - b, b); break;
			case ALU_SUB: lazy(c, LF(LF_SUB, 2), res, res + b, b); break;
			case ALU_XOR: lazy(c, LF(LF_LOGIC, 2), res, res ^ b, b); break;
			default: lazy(c, LF(LF_LOGIC, 2), res, res, res); break; // AND OR r, r
			}
			return;
		}
		enum fl_use u = fl_use(e);
		if (u != FL_NONE && u != FL_MEM)
			return; // it wrote its flags
	}
}

uint16_t exec_select(const struct dinsn *d, int i, int n)
{
	const struct dinsn *e = &d[i];
	const struct dinsn *next = i + 1 < n ? &d[i + 1] : NULL;
	bool jcc_next = next && next->op == OP_JCC;
	switch (e->op) {
	case OP_JCC:
		return (uint16_t)(XOP_JCC_0 + e->sub);
	case OP_CMPD_RR:
		return jcc_next ? (uint16_t)(XOP_CMPRR_0 + next->sub) : e->op;
	case OP_CMPD_RI:
		return jcc_next ? (uint16_t)(XOP_CMPRI_0 + next->sub) : e->op;
	case OP_TESTD_RR:
		return jcc_next ? (uint16_t)(XOP_TESTRR_0 + next->sub) : e->op;
	default:
		break;
	}
	if (jcc_next) {
		bool mem = (e->flags & (DI_MEM | DI_A16)) == DI_MEM;
		int f = -1;
		switch (e->op) {
		case OP_CMPB_RR: f = XOP_CMPBRR_0; break;
		case OP_CMPB_RI: f = XOP_CMPBRI_0; break;
		case OP_CMPB_RM: f = mem ? XOP_CMPBRM_0 : -1; break;
		case OP_CMPB_MR: f = mem ? XOP_CMPBMR_0 : -1; break;
		case OP_CMPB_MI: f = mem ? XOP_CMPBMI_0 : -1; break;
		case OP_TESTB_RR: f = XOP_TESTBRR_0; break;
		case OP_CMPD_RM: f = mem ? XOP_CMPDRM_0 : -1; break;
		case OP_CMPD_MR: f = mem ? XOP_CMPDMR_0 : -1; break;
		case OP_CMPD_MI: f = mem ? XOP_CMPDMI_0 : -1; break;
		case OP_UNARY_R:
			if (e->size == 4 && e->sub < 2)
				f = e->sub ? XOP_DECJ_0 : XOP_INCJ_0;
			break;
		default: break;
		}
		if (f >= 0)
			return (uint16_t)(f + next->sub);
	}
	// 32-bit register ALU ops and shifts by an immediate, when their flags are dead.
	static const uint16_t nf[][2] = {
		[ALU_ADD] = { XOP_NF_ADDRR, XOP_NF_ADDRI }, [ALU_OR] = { XOP_NF_ORRR, XOP_NF_ORRI },
		[ALU_AND] = { XOP_NF_ANDRR, XOP_NF_ANDRI }, [ALU_SUB] = { XOP_NF_SUBRR, XOP_NF_SUBRI },
		[ALU_XOR] = { XOP_NF_XORRR, XOP_NF_XORRI },
	};
	if (op_is_alu(e->op) && op_alu(e->op) <= ALU_XOR &&
	    e->op >= alu_opcode(op_alu(e->op), 2, FORM_RR) &&
	    (op_form(e->op) == FORM_RR || op_form(e->op) == FORM_RI) &&
	    nf[op_alu(e->op)][0] && flags_dead(d, i, n))
		return nf[op_alu(e->op)][op_form(e->op) == FORM_RI];
	if (e->op == OP_SHIFT_R && e->size == 4 && fl_use(e) == FL_ALL) // by 1..31
		return flags_dead(d, i, n) ? (uint16_t)(XOP_NF_SHL + (e->sub == 5) + 2 * (e->sub == 7))
					   : (uint16_t)(XOP_SHL32I + (e->sub == 5) + 2 * (e->sub == 7));
	if (e->op == OP_SHIFT_R && e->size == 4 && e->sub < 2 && !(e->flags & DI_CL) &&
	    (e->imm & 31))
		return (uint16_t)(XOP_ROL32I + e->sub);
	if (e->op == OP_UNARY_R && e->size == 4 && e->sub < 2)
		return (uint16_t)(flags_dead(d, i, n) ? XOP_NF_INC + e->sub : XOP_INC32 + e->sub);
	if (e->op == OP_MOVX_R && e->size == 4) {
		static const uint16_t movx_r[2][2] = { { XOP_MOVZXB_R, XOP_MOVSXB_R },
						       { XOP_MOVZXW_R, XOP_MOVSXW_R } };
		return movx_r[e->imm == 2][e->sub != 0];
	}
	if (e->op == OP_SHXD_R && e->size == 4 && !(e->flags & DI_CL) && (e->imm & 31))
		return (uint16_t)(XOP_SHLD32I + (e->sub != 0));
	if (e->op == OP_IMUL2_R && e->size == 4)
		return e->sub ? XOP_IMUL32RI : XOP_IMUL32RR;
	if (e->op == OP_IMUL2_M && e->size == 4 && !(e->flags & DI_A16))
		return XOP_IMUL32M;
	if ((e->flags & (DI_MEM | DI_A16)) == DI_MEM) {
		bool b = e->index == NOREG;
		switch (e->op) {
#define X(N)                                                                            \
	case OP_##N:                                                                    \
		return b ? XOP_##N##_B : XOP_##N##_X;
			X(MOVD_RM) X(MOVD_MR) X(MOVD_MI) X(MOVB_RM) X(MOVB_MR) X(LEA)
			X(ADDD_RM) X(ORD_RM) X(ANDD_RM) X(SUBD_RM) X(XORD_RM) X(CMPD_RM)
			X(CMPD_MR) X(CMPD_MI)
#undef X
		case OP_MOVX_M: // MOVZX r32, byte [m] by address form; the rest by size
			if (e->size != 4)
				break;
			if (e->imm == 1 && e->sub == 0)
				return b ? XOP_MOVZXB_B : XOP_MOVZXB_X;
			return e->imm == 1 ? XOP_MOVSXB_M : e->sub ? XOP_MOVSXW_M : XOP_MOVZXW_M;
		default:
			break;
		}
	}
	return e->op;
}

void cpu_pio_complete(struct cpu *c, uint32_t value)
{
	setr(c, c->pio.size ? c->pio.size : 4, CPU_EAX, value);
}

void cpu_reset(struct cpu *c, uint32_t eip, uint32_t esp)
{
	memset(c, 0, sizeof *c);
	c->eip = eip;
	c->r[CPU_ESP] = esp;
	c->eflags = 0x202;
}
