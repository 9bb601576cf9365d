// SPDX-License-Identifier: MIT
// Workload "hash": FNV-1a, a murmur3-style 32-bit hash and SHA-256 (integer C, no
// tables beyond the round constants) over a 4 KiB PRNG buffer. Also hashes "abc"
// with SHA-256 and checks the FIPS 180-2 digest, so a broken SHA cannot hide.
#include <string.h>

#include "compute.h"

#define HASH_BYTES 4096

static uint32_t fnv1a(const uint8_t *p, int n)
{
	uint32_t h = 0x811c9dc5u;
	for (int i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x01000193u;
	return h;
}

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static uint32_t murmur3(const uint8_t *p, int n, uint32_t seed)
{
	uint32_t h = seed;
	int i = 0;
	for (; i + 4 <= n; i += 4) {
		uint32_t k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
			(uint32_t)p[i + 3] << 24;
		k *= 0xcc9e2d51u;
		k = rotl32(k, 15);
		k *= 0x1b873593u;
		h ^= k;
		h = rotl32(h, 13);
		h = h * 5 + 0xe6546b64u;
	}
	uint32_t k = 0;
	switch (n & 3) {
	case 3:
		k ^= (uint32_t)p[i + 2] << 16;
		/* fall through */
	case 2:
		k ^= (uint32_t)p[i + 1] << 8;
		/* fall through */
	case 1:
		k ^= p[i];
		k *= 0xcc9e2d51u;
		k = rotl32(k, 15);
		k *= 0x1b873593u;
		h ^= k;
	}
	h ^= (uint32_t)n;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t rotr32(uint32_t x, int r) { return (x >> r) | (x << (32 - r)); }

static void sha256_block(uint32_t st[8], const uint8_t *blk)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 |
			(uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
	uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) +
			((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) +
			((a & b) ^ (a & c) ^ (b & c));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	st[0] += a;
	st[1] += b;
	st[2] += c;
	st[3] += d;
	st[4] += e;
	st[5] += f;
	st[6] += g;
	st[7] += h;
}

// SHA-256 of p[0..n); writes the 8 state words (big-endian digest words) to out.
static void sha256(const uint8_t *p, uint32_t n, uint32_t out[8])
{
	uint32_t st[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint32_t done = 0;
	for (; n - done >= 64; done += 64)
		sha256_block(st, p + done);
	uint8_t tail[128];
	uint32_t rest = n - done;
	memset(tail, 0, sizeof tail);
	memcpy(tail, p + done, rest);
	tail[rest] = 0x80;
	uint32_t tail_len = rest + 9 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)n * 8;
	for (int i = 0; i < 8; i++)
		tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
	for (uint32_t off = 0; off < tail_len; off += 64)
		sha256_block(st, tail + off);
	memcpy(out, st, sizeof st);
}

static uint8_t hash_buf[HASH_BYTES];

uint32_t wl_hash(void)
{
	uint32_t state = 0x5eed0002u, h = 0, d[8];
	sha256((const uint8_t *)"abc", 3, d);
	if (d[0] != 0xba7816bfu || d[7] != 0xf20015adu) // FIPS 180-2 appendix B.1
		return 0xbad5a256u;
	for (int i = 0; i < HASH_BYTES; i++)
		hash_buf[i] = (uint8_t)(prng_next(&state) >> 24);
	h = mix32(h, fnv1a(hash_buf, HASH_BYTES));
	for (int n = HASH_BYTES - 3; n <= HASH_BYTES; n++)
		h = mix32(h, murmur3(hash_buf, n, 0x12345678u));
	sha256(hash_buf, HASH_BYTES, d);
	for (int i = 0; i < 8; i++)
		h = mix32(h, d[i]);
	sha256(hash_buf + 1, 1000, d);
	for (int i = 0; i < 8; i++)
		h = mix32(h, d[i]);
	return h;
}
