// SPDX-License-Identifier: MIT
// The differential tests' comparison (interface and the list of accepted variants in
// diff_check.h). The generator is diff_gen.c, the driver cpu_diff.c.
#include "diff_check.h"

#include <stdbool.h>
#include <stdio.h>

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define DF 0x400u
#define OF 0x800u
#define ARITH (CF | PF | AF | ZF | SF | OF)

static const char *const regname[8] = { "eax", "ecx", "edx", "ebx",
					"esp", "ebp", "esi", "edi" };

// The initial value of the `size` bytes at guest address a (little-endian), or false
// when a is outside the data region.
static bool initial_value(const struct diff_case *dc, uint32_t a, unsigned size,
			  uint32_t *out)
{
	static uint8_t ref[DIFF_DATA_SIZE];
	static bool have_ref;
	if (!have_ref) {
		diff_init_ref(ref);
		have_ref = true;
	}
	uint32_t off = a - DIFF_DATA_BASE;
	if (off >= DIFF_DATA_SIZE || DIFF_DATA_SIZE - off < size)
		return false;
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)diff_initial(ref, dc, off + i) << (8 * i);
	*out = v;
	return true;
}

// EFLAGS' arithmetic bits of the comparison a - b at `size` bytes (CMP, CMPS, SCAS).
static uint32_t cmp_flags(uint32_t a, uint32_t b, unsigned size)
{
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	uint32_t sign = 1u << (8 * size - 1);
	a &= mask;
	b &= mask;
	uint32_t r = (a - b) & mask, f = 0;
	if (a < b)
		f |= CF;
	if (!(__builtin_popcount(r & 0xff) & 1))
		f |= PF;
	f |= (a ^ b ^ r) & AF;
	if (r == 0)
		f |= ZF;
	if (r & sign)
		f |= SF;
	if ((a ^ b) & (a ^ r) & sign)
		f |= OF;
	return f;
}

uint32_t diff_rep_last_flags(const struct diff_case *dc, const struct diff_meta *m,
			     const struct diff_state *out)
{
	unsigned sz = m->str_size;
	uint32_t delta = (dc->in.eflags & DF) ? (uint32_t)-sz : sz;
	uint32_t a, b;
	// The last completed iteration read the elements just behind ESI and EDI.
	if (!initial_value(dc, out->r[7] - delta, sz, &b))
		return 0;
	if (m->model == DIFF_MODEL_REP_CMPS) {
		if (!initial_value(dc, out->r[6] - delta, sz, &a))
			return 0;
	} else {
		a = dc->in.r[0];
	}
	return cmp_flags(a, b, sz);
}

int diff_compare(const struct diff_case *dc, const struct diff_meta *m,
		 const struct diff_result *n, const struct diff_result *i, char *why,
		 size_t whysz)
{
	int bad = 0;
	size_t at = 0;
	char dummy[1];
	if (!why || whysz == 0) {
		why = dummy;
		whysz = sizeof dummy;
	}
	why[0] = 0;
#define NOTE(...)                                                                          \
	do {                                                                               \
		bad++;                                                                     \
		if (at < whysz)                                                            \
			at += (size_t)snprintf(why + at, whysz - at, __VA_ARGS__);         \
	} while (0)
	if (n->kind != i->kind || (n->kind == DIFF_END_FAULT && n->vector != i->vector))
		NOTE(" end");
	else if (n->kind == DIFF_END_FAULT && n->vector == 14 && n->fault_addr != i->fault_addr)
		NOTE(" fault-address(%08x/%08x)", n->fault_addr, i->fault_addr);
	if (n->out.eip != i->out.eip)
		NOTE(" eip(%08x/%08x)", n->out.eip, i->out.eip);
	for (int r = 0; r < 8; r++)
		if (!(m->skip_regs & (1u << r)) && n->out.r[r] != i->out.r[r])
			NOTE(" %s(%08x/%08x)", regname[r], n->out.r[r], i->out.r[r]);
	uint32_t mask = m->flag_mask;
	if (m->model != DIFF_MODEL_NONE && n->kind == DIFF_END_FAULT &&
	    n->out.r[1] != dc->in.r[1]) {
		// A fault after at least one iteration of REPE/REPNE CMPS/SCAS: the host
		// shows the flags from before the instruction or those of the last
		// iteration; the interpreter must show the ones from before.
		uint32_t fm = mask & ARITH, before = dc->in.eflags;
		uint32_t last = diff_rep_last_flags(dc, m, &n->out);
		mask &= ~fm;
		if ((n->out.eflags ^ before) & fm && (n->out.eflags ^ last) & fm)
			NOTE(" native-eflags(%03x: neither %03x from before nor %03x of the last "
			     "iteration)", n->out.eflags & 0xfff, before & fm, last & fm);
		if ((i->out.eflags ^ before) & fm)
			NOTE(" interp-eflags(%03x, want %03x from before the instruction)",
			     i->out.eflags & 0xfff, before & fm);
	}
	uint32_t fx = (n->out.eflags ^ i->out.eflags) & mask;
	if (fx)
		NOTE(" eflags(%03x/%03x mask %03x diff %03x)", n->out.eflags & 0xfff,
		     i->out.eflags & 0xfff, mask, fx);
	if (n->nchanged != i->nchanged || n->data_hash != i->data_hash)
		NOTE(" memory(%u/%u bytes changed)", n->nchanged, i->nchanged);
#undef NOTE
	return bad;
}
