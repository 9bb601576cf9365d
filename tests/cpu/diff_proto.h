// SPDX-License-Identifier: MIT
// The records the differential-test driver (64-bit, cpu_diff.c) and the native runner
// (32-bit, native_runner.c) exchange through pipes, and the fixed guest layout both use.
//
// Every field is a uint32_t or a byte array, so the layout is the same under -m32 and
// x86-64 (i386 aligns uint64_t to 4, so no uint64_t here).
//
// Layout of a test (guest addresses are the same natively and in the interpreter):
//   DIFF_CODE_BASE .. +DIFF_CODE_SIZE  two code pages, filled with 0xCC (INT3) except
//                                      the test bytes at code_off. A branch landing
//                                      anywhere in the sled stops at that INT3.
//   DIFF_DATA_BASE .. +DIFF_DATA_SIZE  read-write data and stack. Its content is
//                                      diff_fill(offset), then the case's patches.
// Anything else faults (in the native process too: the generator keeps every access
// inside these two regions).
#ifndef DENALI_TESTS_CPU_DIFF_PROTO_H
#define DENALI_TESTS_CPU_DIFF_PROTO_H

#include <stdint.h>

#define DIFF_CODE_BASE 0x20000000u
#define DIFF_CODE_SIZE 0x2000u
#define DIFF_DATA_BASE 0x30000000u
#define DIFF_DATA_SIZE 0x10000u
#define DIFF_MAX_CODE 1024u
#define DIFF_PATCH_BYTES 48u
#define DIFF_MAX_CHANGES 256u
#define DIFF_MAGIC 0x44494646u // "DIFF"

// Result kinds.
#define DIFF_END_TRAP 0u  // stopped at the INT3 at out.eip (the end or a branch target)
#define DIFF_END_FAULT 1u // faulted: vector in `vector`, out.eip is the faulting EIP
#define DIFF_END_TIMEOUT 2u

struct diff_state {
	uint32_t r[8]; // EAX ECX EDX EBX ESP EBP ESI EDI (enum cpu_reg order)
	uint32_t eip;
	uint32_t eflags;
};

struct diff_patch {
	uint32_t off; // offset in the data region
	uint32_t len; // 0..DIFF_PATCH_BYTES
	uint8_t bytes[DIFF_PATCH_BYTES];
};

struct diff_case {
	uint32_t magic;
	uint32_t code_off; // offset of the first instruction in the code area
	uint32_t code_len; // bytes of code (the sled follows)
	uint32_t zero_fill; // 1: the data region starts as zeros instead of diff_fill()
	struct diff_state in; // in.eip = DIFF_CODE_BASE + code_off
	struct diff_patch patch[2];
	uint8_t code[DIFF_MAX_CODE];
};

struct diff_result {
	uint32_t magic;
	uint32_t kind;   // DIFF_END_*
	uint32_t vector; // fault vector (x86 numbering) for DIFF_END_FAULT
	uint32_t fault_addr;
	struct diff_state out;
	uint32_t data_hash; // FNV-1a of every changed (offset, value), see below
	uint32_t nchanged;  // bytes that differ from the initial data (may exceed the list)
	uint32_t change_off[DIFF_MAX_CHANGES];
	uint8_t change_val[DIFF_MAX_CHANGES];
};

// The initial content of data byte `off` before patches: a fixed pseudo-random pattern.
static inline uint8_t diff_fill(uint32_t off)
{
	uint32_t x = off * 0x9e3779b1u + 0x7f4a7c15u;
	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return (uint8_t)(x >> 8);
}

// Fills `ref` (DIFF_DATA_SIZE bytes) with the initial pattern. Done once per process.
static inline void diff_init_ref(uint8_t *ref)
{
	for (uint32_t i = 0; i < DIFF_DATA_SIZE; i++)
		ref[i] = diff_fill(i);
}

// The initial value of data byte `i` for case `dc`: the pattern, or a patch byte.
static inline uint8_t diff_initial(const uint8_t *ref, const struct diff_case *dc, uint32_t i)
{
	uint8_t v = dc->zero_fill ? 0 : ref[i];
	for (int p = 0; p < 2; p++) {
		const struct diff_patch *pt = &dc->patch[p];
		if (i >= pt->off && i - pt->off < pt->len && i - pt->off < DIFF_PATCH_BYTES)
			v = pt->bytes[i - pt->off];
	}
	return v;
}

// Sets `data` to the case's initial data: `ref` plus the patches.
static inline void diff_init_data(uint8_t *data, const uint8_t *ref, const struct diff_case *dc)
{
	if (dc->zero_fill)
		__builtin_memset(data, 0, DIFF_DATA_SIZE);
	else
		__builtin_memcpy(data, ref, DIFF_DATA_SIZE);
	for (int p = 0; p < 2; p++) {
		const struct diff_patch *pt = &dc->patch[p];
		for (uint32_t i = 0; i < pt->len && i < DIFF_PATCH_BYTES; i++)
			if (pt->off + i < DIFF_DATA_SIZE)
				data[pt->off + i] = pt->bytes[i];
	}
}

static inline int diff_near_patch(const struct diff_case *dc, uint32_t lo, uint32_t hi)
{
	for (int p = 0; p < 2; p++) {
		const struct diff_patch *pt = &dc->patch[p];
		if (pt->len && pt->off < hi && pt->off + pt->len > lo)
			return 1;
	}
	return 0;
}

// Fills r->data_hash (FNV-1a over every changed (offset, value)), r->nchanged and the
// first DIFF_MAX_CHANGES changes, comparing `data` after a run with its initial value.
static inline void diff_summarize_data(struct diff_result *r, const uint8_t *data,
				       const uint8_t *ref, const struct diff_case *dc)
{
	uint32_t h = 2166136261u, n = 0;
	for (uint32_t c = 0; c < DIFF_DATA_SIZE; c += 64) {
		if (!dc->zero_fill && !diff_near_patch(dc, c, c + 64) &&
		    __builtin_memcmp(data + c, ref + c, 64) == 0)
			continue;
		for (uint32_t i = c; i < c + 64; i++) {
			if (data[i] == diff_initial(ref, dc, i))
				continue;
			if (n < DIFF_MAX_CHANGES) {
				r->change_off[n] = i;
				r->change_val[n] = data[i];
			}
			n++;
			h = (h ^ (i & 0xff)) * 16777619u;
			h = (h ^ (i >> 8)) * 16777619u;
			h = (h ^ data[i]) * 16777619u;
		}
	}
	r->data_hash = h;
	r->nchanged = n;
}

#endif
