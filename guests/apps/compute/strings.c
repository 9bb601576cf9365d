// SPDX-License-Identifier: MIT
// Workload "strings": memcpy/memset/memmove/strlen/strcmp/strchr/strstr over PRNG
// text. Fixed-size __builtin_memcpy/__builtin_memset and struct copies let the
// compiler inline them as REP MOVS/STOS (gcc -Os, -march=i386) or call memcpy (-O2);
// either way the interpreter's string instructions get exercised.
#include <string.h>

#include "compute.h"

#define STR_BUF 4096
#define STR_ROUNDS 24

struct record {
	uint32_t id;
	char name[52];
	uint32_t words[8];
};

static char str_src[STR_BUF], str_dst[STR_BUF];
static struct record recs[16];

// Fills p[0..n-1] with letters from a small alphabet and ends it with NUL.
static void fill_text(char *p, int n, uint32_t *state)
{
	for (int i = 0; i < n - 1; i++)
		p[i] = (char)('a' + prng_next(state) % 6);
	p[n - 1] = '\0';
}

static uint32_t hash_bytes(uint32_t h, const char *p, int n)
{
	for (int i = 0; i < n; i += 4)
		h = mix32(h, (uint32_t)(unsigned char)p[i] | (uint32_t)(unsigned char)p[i + 1] << 8);
	return h;
}

uint32_t wl_strings(void)
{
	uint32_t state = 0x5eed0006u, h = 0;
	memset(str_dst, 0, sizeof str_dst); // each call starts from the same state
	fill_text(str_src, STR_BUF, &state);
	for (int r = 0; r < STR_ROUNDS; r++) {
		int off = (int)(prng_next(&state) % 1024);
		__builtin_memset(str_dst, 'z', 1024);
		__builtin_memcpy(str_dst + off, str_src + r * 64, 256);
		__builtin_memcpy(str_dst + 2048, str_src + off, 1000);
		memmove(str_dst + 100, str_dst + 90, 700);  // overlapping, forwards
		memmove(str_dst + 90, str_dst + 100, 700);  // overlapping, backwards
		str_dst[3000 + r] = '\0';
		h = mix32(h, (uint32_t)strlen(str_dst));
		h = mix32(h, (uint32_t)strlen(str_dst + 2048));
		h = hash_bytes(h, str_dst, 3072);
		char needle[5];
		memcpy(needle, str_src + 3000 + r * 7, 4);
		needle[4] = '\0';
		const char *found = strstr(str_src, needle);
		h = mix32(h, found ? (uint32_t)(found - str_src) : 0xffffffffu);
		const char *c = strchr(str_src + r, 'f');
		h = mix32(h, c ? (uint32_t)(c - str_src) : 0xffffffffu);
		int cmp = strcmp(str_src + r, str_src + r + 1);
		h = mix32(h, (uint32_t)(cmp < 0 ? -1 : cmp > 0));
		h = mix32(h, (uint32_t)(strncmp(str_dst + off, str_src + r * 64, 256) == 0));
		h = mix32(h, (uint32_t)(memcmp(str_dst + 2048, str_src + off, 1000) == 0));
	}
	for (int i = 0; i < 16; i++) {
		recs[i].id = prng_next(&state);
		fill_text(recs[i].name, (int)sizeof recs[i].name, &state);
		for (int k = 0; k < 8; k++)
			recs[i].words[k] = prng_next(&state);
	}
	for (int r = 0; r < 64; r++) {
		struct record tmp = recs[r & 15]; // struct copies: rep movs or memcpy
		recs[r & 15] = recs[(r * 7 + 3) & 15];
		recs[(r * 7 + 3) & 15] = tmp;
		h = mix32(h, recs[r & 15].id ^ recs[r & 15].words[r & 7]);
		h = mix32(h, (uint32_t)strlen(recs[(r * 5) & 15].name));
	}
	return h;
}
