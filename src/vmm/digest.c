// SPDX-License-Identifier: MIT
// FNV-1a, 64 bits (see digest.h for why integers go in as little-endian bytes).
#include "vmm/digest.h"

uint64_t digest_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t digest_u64(uint64_t h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return digest_bytes(h, b, 8);
}

uint64_t digest_u32(uint64_t h, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return digest_bytes(h, b, 4);
}
