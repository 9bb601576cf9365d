// SPDX-License-Identifier: MIT
// Synthetic guests (see synth.h). The byte comments give each instruction.
#include "synth.h"

#include <string.h>

#include "elfgen.h"
#include "vmm/image.h"

#define I32(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)

static int build(struct image **out, uint32_t mem_size, const uint8_t *code, size_t len,
		 const char *name, char *err, size_t errlen)
{
	uint8_t buf[4096];
	static const uint8_t data[4] = { 0 };
	size_t n = elfgen_program(buf, sizeof buf, code, (uint32_t)len, data, sizeof data, 4096);
	if (!n)
		return -1;
	return image_parse(buf, n, name, mem_size, out, err, errlen);
}

int synth_idle(struct image **out, uint32_t mem_size, uint64_t idle_ns, char *err,
	       size_t errlen)
{
	const uint8_t code[] = {
		0xa3, I32(SYNTH_DATA),             // mov [DATA], eax
		0xb8, I32((uint32_t)idle_ns),      // l: mov eax, lo
		0xba, I32((uint32_t)(idle_ns >> 32)), // mov edx, hi
		0x0f, 0x0c, 0x00,                  // idle
		0xeb, (uint8_t)-15,                // jmp l
	};
	return build(out, mem_size, code, sizeof code, "synth-idle", err, errlen);
}

int synth_yield(struct image **out, uint32_t mem_size, char *err, size_t errlen)
{
	static const uint8_t code[] = {
		0x31, 0xc0,       // l: xor eax, eax
		0x31, 0xd2,       // xor edx, edx
		0x0f, 0x0c, 0x00, // idle
		0xeb, 0xf7,       // jmp l
	};
	return build(out, mem_size, code, sizeof code, "synth-yield", err, errlen);
}

int synth_short(struct image **out, uint32_t mem_size, uint32_t rounds, char *err,
		size_t errlen)
{
	const uint8_t code[] = {
		0xa1, I32(0x1008u),       // mov eax, [vregs.vm_id]
		0xa3, I32(SYNTH_DATA),    // mov [DATA], eax
		0xb9, I32(rounds),        // mov ecx, rounds
		0x31, 0xc0,               // l: xor eax, eax
		0x31, 0xd2,               // xor edx, edx
		0x0f, 0x0c, 0x00,         // idle
		0x49,                     // dec ecx
		0x75, 0xf6,               // jnz l
		0xa1, I32(SYNTH_DATA),    // mov eax, [DATA]
		0xe6, 0xe9,               // out 0xe9, al (one console byte: the id's low byte)
		0x31, 0xc0,               // xor eax, eax
		0x0f, 0x0c, 0x01,         // terminate
	};
	return build(out, mem_size, code, sizeof code, "synth-short", err, errlen);
}

int synth_touch(struct image **out, uint32_t mem_size, uint32_t base, uint32_t pages,
		uint32_t stride_bytes, uint32_t spin, uint32_t idle_ns, char *err,
		size_t errlen)
{
	const uint8_t code[] = {
		0x31, 0xdb,               // xor ebx, ebx
		0xbe, I32(base),          // loop: mov esi, base
		0xb9, I32(pages),         // mov ecx, pages
		0x89, 0x1e,               // touch: mov [esi], ebx
		0x81, 0xc6, I32(stride_bytes), // add esi, stride
		0x49,                     // dec ecx
		0x75, 0xf5,               // jnz touch
		0xb9, I32(spin),          // mov ecx, spin
		0x49,                     // spin: dec ecx
		0x75, 0xfd,               // jnz spin
		0x43,                     // inc ebx (one request done)
		0xb8, I32(idle_ns),       // mov eax, idle_ns
		0x31, 0xd2,               // xor edx, edx
		0x0f, 0x0c, 0x00,         // idle
		0xeb, (uint8_t)-42,       // jmp loop
	};
	return build(out, mem_size, code, sizeof code, "synth-touch", err, errlen);
}
