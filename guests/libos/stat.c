// SPDX-License-Identifier: MIT
// Results for the run's summary (<denali_sched.h>, docs/isa.md 9.5): one PIO each.
// IN on DENALI_PORT_STAT_ADD or _SAMPLE with ESI = name, ECX = its length, EBX:EDI =
// the 64-bit value; EAX returns 0 or a DENALI_STAT_ERR_* value. The kernel checks the
// name (1..32 bytes of [A-Za-z0-9_.-]); we only refuse NULL, which it would see as an
// address outside guest memory anyway.
#include <denali.h>
#include <denali_sched.h>
#include <string.h>

static uint32_t stat_pio(uint16_t port, const char *name, uint64_t v)
{
	if (name == NULL)
		return DENALI_STAT_ERR_FAULT;
	uint32_t ret;
	__asm__ volatile("inl %%dx, %%eax"
		: "=a"(ret)
		: "d"(port), "S"(name), "c"((uint32_t)strlen(name)), "b"((uint32_t)(v >> 32)),
		  "D"((uint32_t)v)
		: "memory");
	return ret;
}

uint32_t denali_stat_add(const char *name, uint64_t v)
{
	return stat_pio(DENALI_PORT_STAT_ADD, name, v);
}

uint32_t denali_stat_sample(const char *name, uint64_t v)
{
	return stat_pio(DENALI_PORT_STAT_SAMPLE, name, v);
}
