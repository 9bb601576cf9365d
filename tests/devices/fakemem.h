// SPDX-License-Identifier: MIT
// A fake guest memory for device tests: a flat buffer at guest address FAKE_BASE with a
// struct nic_guest_io over it; anything outside faults, like mem_copyin/mem_copyout.
#ifndef DENALI_TESTS_DEVICES_FAKEMEM_H
#define DENALI_TESTS_DEVICES_FAKEMEM_H

#include <stdint.h>
#include <string.h>

#include "devices/nic.h"

#define FAKE_BASE 0x10000u
#define FAKE_SIZE 0x10000u

struct fakemem {
	uint8_t b[FAKE_SIZE];
	struct nic_guest_io io;
};

static inline int fake_ok(uint32_t addr, uint32_t len)
{
	// Overflow-safe: addr - FAKE_BASE wraps for addresses below the base.
	return addr - FAKE_BASE < FAKE_SIZE && len <= FAKE_SIZE - (addr - FAKE_BASE);
}

static inline int fake_copyin(void *ctx, void *dst, uint32_t addr, uint32_t len)
{
	struct fakemem *m = ctx;
	if (!fake_ok(addr, len))
		return -1;
	memcpy(dst, m->b + (addr - FAKE_BASE), len);
	return 0;
}

static inline int fake_copyout(void *ctx, uint32_t addr, const void *src, uint32_t len)
{
	struct fakemem *m = ctx;
	if (!fake_ok(addr, len))
		return -1;
	memcpy(m->b + (addr - FAKE_BASE), src, len);
	return 0;
}

static inline void fakemem_init(struct fakemem *m)
{
	memset(m->b, 0, sizeof(m->b));
	m->io = (struct nic_guest_io){ fake_copyin, fake_copyout, m };
}

#endif
