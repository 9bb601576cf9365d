// SPDX-License-Identifier: MIT
// The results digest: 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime
// 0x100000001b3) over bytes; integers are fed as little-endian bytes of their full width,
// so the digest is the same on every host. Printed as 16 lower-case hex digits.
#ifndef DENALI_VMM_DIGEST_H
#define DENALI_VMM_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_INIT 0xcbf29ce484222325ull

uint64_t digest_bytes(uint64_t h, const void *p, size_t n);
uint64_t digest_u64(uint64_t h, uint64_t v);
uint64_t digest_u32(uint64_t h, uint32_t v);

#endif
