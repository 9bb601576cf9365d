// SPDX-License-Identifier: MIT
// Workload "crc": CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) computed bitwise
// and with a 256-entry table over PRNG data; both must agree, and the check value
// of "123456789" must be 0xCBF43926.
#include "compute.h"

#define CRC_BYTES 8192
#define CRC_BITWISE_BYTES 2048

static uint32_t crc32_bitwise(const uint8_t *p, int n)
{
	uint32_t crc = 0xffffffffu;
	for (int i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void crc32_make_table(uint32_t table[256])
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int b = 0; b < 8; b++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
		table[i] = c;
	}
}

static uint32_t crc32_table(const uint32_t table[256], const uint8_t *p, int n)
{
	uint32_t crc = 0xffffffffu;
	for (int i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint8_t crc_buf[CRC_BYTES];
static uint32_t crc_tab[256];

uint32_t wl_crc(void)
{
	uint32_t state = 0x5eed0003u, h = 0;
	const uint8_t *check = (const uint8_t *)"123456789";
	crc32_make_table(crc_tab);
	if (crc32_bitwise(check, 9) != 0xcbf43926u || crc32_table(crc_tab, check, 9) != 0xcbf43926u)
		return 0xbadc3c32u;
	for (int i = 0; i < CRC_BYTES; i += 4) {
		uint32_t v = prng_next(&state);
		crc_buf[i] = (uint8_t)v;
		crc_buf[i + 1] = (uint8_t)(v >> 8);
		crc_buf[i + 2] = (uint8_t)(v >> 16);
		crc_buf[i + 3] = (uint8_t)(v >> 24);
	}
	uint32_t a = crc32_bitwise(crc_buf, CRC_BITWISE_BYTES);
	uint32_t b = crc32_table(crc_tab, crc_buf, CRC_BITWISE_BYTES);
	if (a != b)
		return 0xbadc0000u ^ a ^ b;
	h = mix32(h, a);
	for (int off = 0; off < 8; off++)
		h = mix32(h, crc32_table(crc_tab, crc_buf + off, CRC_BYTES - 8));
	return h;
}
