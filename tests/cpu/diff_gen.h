// SPDX-License-Identifier: MIT
// The differential-test generator: seeded random test cases (diff_proto.h layout) that
// cover the interpreter's instruction subset with edge values, plus the table of which
// EFLAGS bits each generated instruction defines (undefined flags are not compared).
// diff_gen.c holds the opcode table; cpu_diff.c runs the cases natively and in the
// interpreter and compares them.
#ifndef DENALI_TESTS_CPU_DIFF_GEN_H
#define DENALI_TESTS_CPU_DIFF_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "diff_proto.h"

// splitmix64: the generator's only source of randomness (never the host clock).
struct diff_rng {
	uint64_t s;
};

static inline uint64_t diff_rand(struct diff_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

// Outcomes that depend on the host CPU model, which the comparison accepts in every
// documented variant (docs/verification.md, "What the host CPU may decide").
enum diff_model {
	DIFF_MODEL_NONE,
	DIFF_MODEL_REP_CMPS, // REPE/REPNE CMPS: EFLAGS after a fault in the middle
	DIFF_MODEL_REP_SCAS, // REPE/REPNE SCAS: the same
};

// Host CPU features a case needs: without them the host runs another instruction
// (F3 0F BC is BSF without BMI1), so cpu_diff skips the case and says so.
#define DIFF_NEED_BMI1 1u  // TZCNT
#define DIFF_NEED_LZCNT 2u // LZCNT (ABM)

// What the comparison needs to know about a generated case.
struct diff_meta {
	const char *cls;    // opcode class, for the per-class summary ("alu", "shift", ...)
	uint32_t flag_mask; // EFLAGS bits to compare (the defined and unaffected ones)
	uint8_t skip_regs;  // bit i: register i is undefined after the case, do not compare
	uint8_t model;      // enum diff_model
	uint8_t str_size;   // element size in bytes of a string instruction (model cases)
	uint8_t needs;      // DIFF_NEED_* the host must have to run the case
	bool seq;           // a random sequence: run with cpu_run to the terminator
	uint32_t end_off;   // seq: code offset of the end (the terminator in the interpreter)
};

// Generates case number `index` of the stream for `seed` (each case has its own rng
// state, so any case can be regenerated alone). seq_percent: the share of cases that
// are random 1-50 instruction sequences instead of single instructions.
void diff_gen_case(uint64_t seed, uint64_t index, int seq_percent, struct diff_case *dc,
		   struct diff_meta *m);

// The names of all classes diff_gen_case can produce, NULL-terminated.
extern const char *const diff_gen_classes[];

#endif
