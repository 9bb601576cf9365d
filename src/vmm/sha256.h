// SPDX-License-Identifier: MIT
// SHA-256 (FIPS 180-4), for the checksums of checkpoint sections (ckpt.h) and the
// checkpoint's own identity (a forked run's summary names its parent by it). Plain C,
// no tables beyond the round constants; streaming: init, update any number of times,
// final.
#ifndef DENALI_VMM_SHA256_H
#define DENALI_VMM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32

struct sha256 {
	uint32_t h[8];
	uint64_t len;     // bytes hashed so far
	uint8_t buf[64];  // a partial block
	uint32_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_BYTES]);
// The digest of n bytes at p, in one call.
void sha256(const void *p, size_t n, uint8_t out[SHA256_BYTES]);
// Lower-case hex of a digest into hex (65 bytes with the terminating NUL).
void sha256_hex(const uint8_t d[SHA256_BYTES], char hex[2 * SHA256_BYTES + 1]);

#endif
