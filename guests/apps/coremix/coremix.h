// SPDX-License-Identifier: MIT
// The coremix workloads: integer kernels of the kind an outside CoreMark-style
// benchmark runs (linked-list processing, 16-bit matrix arithmetic, a state machine
// scanning text, CRC-16 over every result), written for this project. Their data are
// 16-bit and byte values, so the compiled guest code leans on operand-size prefixes,
// MOVSX/MOVZX of 16-bit memory, byte compares and switch jump tables, where the
// compute workloads (../compute) are mostly 32-bit. Each returns a 32-bit checksum of
// one deterministic round; main.c compares it with expected.h. Like compute, they use
// only compute's PRNG (prng_next), so native and guest builds compute the same values.
// One file per workload: list.c matrix16.c fsm.c.
#ifndef DENALI_GUEST_COREMIX_H
#define DENALI_GUEST_COREMIX_H

#include <stdint.h>

#include "../compute/compute.h" // prng_next, the workloads' PRNG

// CRC-16 (reflected polynomial 0xA001), one byte at a time, bit by bit.
static inline uint16_t cm_crc8(uint8_t byte, uint16_t crc)
{
	crc ^= byte;
	for (int i = 0; i < 8; i++)
		crc = (uint16_t)((crc >> 1) ^ ((crc & 1) ? 0xa001u : 0u));
	return crc;
}

static inline uint16_t cm_crc16(uint16_t v, uint16_t crc)
{
	crc = cm_crc8((uint8_t)v, crc);
	return cm_crc8((uint8_t)(v >> 8), crc);
}

static inline uint16_t cm_crc32(uint32_t v, uint16_t crc)
{
	crc = cm_crc16((uint16_t)v, crc);
	return cm_crc16((uint16_t)(v >> 16), crc);
}

uint32_t wl_list(void);
uint32_t wl_matrix16(void);
uint32_t wl_fsm(void);

#endif
