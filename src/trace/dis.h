// SPDX-License-Identifier: MIT
// Disassembly for front ends (dis.c): one long-lived Capstone handle (opening one costs
// about 50 us, so per-instruction users such as the insn trace keep it), the Denali
// instructions by their docs/isa.md names (cpu_disasm), and direct branch and call
// targets annotated with the image's symbols ("call 0x10050 <walk>").
// Instruction lengths come from the interpreter's own decoder (cpu_decode_info), so a
// listing agrees with what runs: bytes outside the subset are "(bad)".
#ifndef DENALI_TRACE_DIS_H
#define DENALI_TRACE_DIS_H

#include <stddef.h>
#include <stdint.h>

struct dis;
struct symtab;

// Returns a disassembler, or NULL when out of memory or Capstone cannot start.
struct dis *dis_new(void);
void dis_free(struct dis *d);

// Writes the text of the instruction at bytes[0..avail) (guest address eip) into buf.
// syms may be NULL. Returns the instruction's length (1..15), 0 when the bytes are not
// an instruction of the subset (buf: "(bad)"), or -1 when avail is too short for it
// (buf: "(truncated)").
int dis_insn(struct dis *d, const uint8_t *bytes, size_t avail, uint32_t eip,
	     const struct symtab *syms, char *buf, size_t len);

#endif
