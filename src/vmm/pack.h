// SPDX-License-Identifier: MIT
// Byte buffers for what crosses between the processes of a run spread over MPI ranks
// (world.c, outcome.c, world_mpi.c): a growing writer and a bounds-checked reader of
// little-endian integers and byte strings. A writer that runs out of memory keeps
// failing quietly (oom) and is checked once at the end; a reader that runs past its end
// or meets a bad length sets bad and returns zeros from then on.
#ifndef DENALI_VMM_PACK_H
#define DENALI_VMM_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pack {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

struct unpack {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

void pack_init(struct pack *b);
void pack_free(struct pack *b);
void pack_u8(struct pack *b, uint8_t v);
void pack_u32(struct pack *b, uint32_t v);
void pack_u64(struct pack *b, uint64_t v);
void pack_raw(struct pack *b, const void *src, size_t n); // no length prefix
void pack_bytes(struct pack *b, const void *src, uint32_t n); // u32 length, then bytes

void unpack_init(struct unpack *u, const void *p, size_t len);
uint8_t unpack_u8(struct unpack *u);
uint32_t unpack_u32(struct unpack *u);
uint64_t unpack_u64(struct unpack *u);
// Copies n bytes to dst (zeros when bad).
void unpack_raw(struct unpack *u, void *dst, size_t n);
// A pack_bytes string of at most max bytes: its length in *n and a pointer into the
// buffer (NULL when bad).
const uint8_t *unpack_bytes(struct unpack *u, uint32_t max, uint32_t *n);
// True when every byte was read and nothing was bad.
bool unpack_done(const struct unpack *u);

#endif
