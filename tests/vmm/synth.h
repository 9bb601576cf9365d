// SPDX-License-Identifier: MIT
// Synthetic guests for the memory-model tests and the scale benchmarks (synth.c):
// hand-assembled programs built into an in-memory ELF with elfgen, then parsed into an
// image. Each returns 0 and sets *out, or -1 with a message in err.
#ifndef DENALI_TESTS_VMM_SYNTH_H
#define DENALI_TESTS_VMM_SYNTH_H

#include <stddef.h>
#include <stdint.h>

struct image;

#define SYNTH_DATA 0x00011000u // the data page elfgen_program places after the code

// Writes SYNTH_DATA, then idles with a timeout of idle_ns forever.
int synth_idle(struct image **out, uint32_t mem_size, uint64_t idle_ns, char *err,
	       size_t errlen);
// Idles with a zero timeout in a loop: every slice is one idle, i.e. one switch.
int synth_yield(struct image **out, uint32_t mem_size, char *err, size_t errlen);
// Stores its vm_id in SYNTH_DATA, idles with zero timeout `rounds` times, exits 0.
int synth_short(struct image **out, uint32_t mem_size, uint32_t rounds, char *err,
		size_t errlen);
// The request loop: writes `pages` pages from base (one word each, stride_bytes
// apart), spins `spin` iterations (2 instructions each), counts one request in EBX,
// idles with timeout idle_ns, and repeats.
int synth_touch(struct image **out, uint32_t mem_size, uint32_t base, uint32_t pages,
		uint32_t stride_bytes, uint32_t spin, uint32_t idle_ns, char *err,
		size_t errlen);

#endif
