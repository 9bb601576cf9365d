// SPDX-License-Identifier: MIT
// The 16-bit forms (issue 10 section 5), with hand-computed expectations (Intel SDM
// vol. 2, "ModR/M byte, 16-bit addressing", PUSHA, POPA, PUSHF, POPF, ENTER, LEAVE,
// LOOP, the string instructions): the 67 address-size prefix with memory that exists
// below 64 KiB (which the differential tests cannot have: no host process maps it, so
// there each such access faults and only its address is compared), and the 66 forms of
// PUSHA POPA PUSHF POPF ENTER LEAVE.
// Guest memory: 48 flat pages from 0; code at CODE, stack below STACK.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

#define NPAGES 48u
#define CODE 0x18000u
#define STACK 0x1f000u

struct env {
	struct cpu_exec *x;
	uint8_t *mem;
	struct cpu c;
	struct cpu_mem m;
};

static int map(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi)
{
	struct env *e = ctx;
	(void)acc;
	if (addr >= NPAGES * CPU_PAGE_SIZE)
		return -1;
	pi->host = e->mem + (addr & CPU_PAGE_MASK);
	pi->writable = true;
	return 0;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);
	e->x = cpu_exec_new(NULL);
	e->mem = aligned_alloc(CPU_PAGE_SIZE, NPAGES * CPU_PAGE_SIZE);
	memset(e->mem, 0, NPAGES * CPU_PAGE_SIZE);
	e->m = (struct cpu_mem){ map, e };
	cpu_reset(&e->c, CODE, STACK);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	for (uint32_t p = 0; p < NPAGES; p++)
		cpu_exec_page_freed(e->x, e->mem + p * CPU_PAGE_SIZE);
	cpu_exec_free(e->x);
	free(e->mem);
	free(e);
	return 0;
}

static void put32(struct env *e, uint32_t a, uint32_t v)
{
	memcpy(e->mem + a, &v, 4);
}

static uint32_t get32(const struct env *e, uint32_t a)
{
	uint32_t v;
	memcpy(&v, e->mem + a, 4);
	return v;
}

static uint16_t get16(const struct env *e, uint32_t a)
{
	uint16_t v;
	memcpy(&v, e->mem + a, 2);
	return v;
}

// Runs code (followed by the Denali terminate) from CODE with the given budget per
// slice, resuming after each CPU_EXIT_BUDGET, and returns how it ended.
static enum cpu_exit run_sliced(struct env *e, const void *code, size_t n, int64_t slice)
{
	static const uint8_t term[3] = { 0x0f, 0x0c, 0x01 };
	memcpy(e->mem + CODE, code, n);
	memcpy(e->mem + CODE + n, term, sizeof term);
	cpu_exec_page_freed(e->x, e->mem + CODE); // new code: forget what was decoded
	e->c.eip = CODE;
	enum cpu_exit why;
	while ((why = cpu_run(e->x, &e->c, &e->m, slice)) == CPU_EXIT_BUDGET)
		;
	return why;
}

static void run(struct env *e, const void *code, size_t n)
{
	assert_int_equal(run_sliced(e, code, n, 1000000), CPU_EXIT_TERMINATE);
}

// Every 16-bit ModRM form, with upper register halves that must not matter and sums
// that wrap at 64 KiB.
static void test_modrm16(void **state)
{
	struct env *e = *state;
	struct cpu *c = &e->c;
	put32(e, 0xf120, 0x11111111);
	put32(e, 0x0000, 0x22222222);
	put32(e, 0x1234, 0x33333333);
	put32(e, 0x1005, 0x44444444);
	static const uint8_t code[] = {
		0x67, 0x8b, 0x00,             // mov eax, [bx+si]
		0x67, 0x8b, 0x4b, 0xfe,       // mov ecx, [bp+di-2]
		0x67, 0x8b, 0x16, 0x34, 0x12, // mov edx, [0x1234]
		0x67, 0x8b, 0x9e, 0x00, 0x80, // mov ebx, [bp+0x8000]
	};
	c->r[CPU_EBX] = 0x12340100;
	c->r[CPU_ESI] = 0xfffff020; // bx+si = 0xf120
	c->r[CPU_EBP] = 0x00019005;
	c->r[CPU_EDI] = 0xffff6ffd; // bp+di-2 = 0x9005+0x6ffd-2 = 0x10000 -> 0x0000
	run(e, code, sizeof code);  // bp+0x8000 = 0x11005 -> 0x1005
	assert_int_equal(c->r[CPU_EAX], 0x11111111);
	assert_int_equal(c->r[CPU_ECX], 0x22222222);
	assert_int_equal(c->r[CPU_EDX], 0x33333333);
	assert_int_equal(c->r[CPU_EBX], 0x44444444);

	static const uint8_t code2[] = {
		0x67, 0x8d, 0x87, 0xff, 0xff,       // lea eax, [bx+0xffff]
		0x66, 0x67, 0x8d, 0x0a,             // lea cx, [bp+si]
		0x67, 0xc7, 0x04, 0x78, 0x56, 0x34, 0x12, // mov dword [si], 0x12345678
		0x67, 0x8b, 0x17,                   // mov edx, [bx]
	};
	c->r[CPU_EBX] = 0x1234ffff;
	c->r[CPU_ECX] = 0xcccccccc;
	c->r[CPU_EBP] = 0xaaaa8000;
	c->r[CPU_ESI] = 0xffff8040; // bp+si = 0x10040 -> 0x0040; [si] = 0x8040
	c->r[CPU_ESP] = STACK;
	memcpy(e->mem + 0xffff, "\x01\x02\x03\x04", 4);
	run(e, code2, sizeof code2);
	assert_int_equal(c->r[CPU_EAX], 0x0000fffe); // 0xffff + 0xffff wraps; zero-extended
	assert_int_equal(c->r[CPU_ECX], 0xcccc0040); // a 16-bit destination keeps the rest
	assert_int_equal(get32(e, 0x8040), 0x12345678);
	// A dword at offset 0xffff: the offset wraps, the access does not (flat segments).
	assert_int_equal(c->r[CPU_EDX], 0x04030201);
}

// BT with a register bit offset and 67: the operand's address plus the offset's
// bytes wraps at 64 KiB as well (found by cpu_diff --seed 2, 2026-12-07: the
// interpreter added the offset after wrapping, so BTS [0xfffe], EAX=0x128 went to
// 0x10022 instead of 0x0022).
static void test_bt16(void **state)
{
	struct env *e = *state;
	struct cpu *c = &e->c;
	put32(e, 0x0020, 0x01000000); // bit 8 of the dword at 0x0022 (byte 0x23, bit 0)
	static const uint8_t code[] = { 0x67, 0x0f, 0xa3, 0x06, 0xfe, 0xff }; // bt [0xfffe], eax
	c->r[CPU_EAX] = 0x128; // dword 9 (0xfffe + 36 = 0x10022 -> 0x0022), bit 8
	c->eflags = 0x202;
	run(e, code, sizeof code);
	assert_true(cpu_get_eflags(c) & CPU_CF);
}

// 67 A1: moffs16, and the 67 prefix on an instruction without memory changes nothing.
static void test_moffs_and_noop(void **state)
{
	struct env *e = *state;
	struct cpu *c = &e->c;
	put32(e, 0x2345, 0xdeadbeef);
	static const uint8_t code[] = {
		0x67, 0xa1, 0x45, 0x23, // mov eax, [0x2345]
		0x67, 0x01, 0xc3,       // add ebx, eax
		0x67, 0xa2, 0x00, 0x01, // mov [0x0100], al
	};
	c->r[CPU_EBX] = 1;
	run(e, code, sizeof code);
	assert_int_equal(c->r[CPU_EAX], 0xdeadbeef);
	assert_int_equal(c->r[CPU_EBX], 0xdeadbef0);
	assert_int_equal(e->mem[0x100], 0xef);
}

// String instructions with 67: SI, DI, CX; upper halves unchanged; wrap at 64 KiB.
static void test_strings16(void **state)
{
	struct env *e = *state;
	struct cpu *c = &e->c;
	memcpy(e->mem + 0x100, "abcd", 4);
	static const uint8_t movs[] = { 0x67, 0xf3, 0xa4 }; // rep movsb
	c->r[CPU_ESI] = 0xdead0100;
	c->r[CPU_EDI] = 0xbeeffffe; // writes 0xfffe 0xffff 0x0000 0x0001
	c->r[CPU_ECX] = 0x77770004;
	run(e, movs, sizeof movs);
	assert_int_equal(c->r[CPU_ESI], 0xdead0104);
	assert_int_equal(c->r[CPU_EDI], 0xbeef0002);
	assert_int_equal(c->r[CPU_ECX], 0x77770000);
	assert_memory_equal(e->mem + 0xfffe, "ab", 2);
	assert_memory_equal(e->mem + 0x0000, "cd", 2);

	// CX = 0: no iteration, whatever ECX's upper half says.
	static const uint8_t stos[] = { 0x67, 0xf3, 0xab }; // rep stosd
	c->r[CPU_ECX] = 0x00010000;
	c->r[CPU_EDI] = 0x200;
	c->r[CPU_EAX] = 0xffffffff;
	run(e, stos, sizeof stos);
	assert_int_equal(c->r[CPU_ECX], 0x00010000);
	assert_int_equal(c->r[CPU_EDI], 0x200);
	assert_int_equal(get32(e, 0x200), 0);

	// REPNE SCASB stops after the match; LODSW and CMPSB, single, DF = 1.
	memcpy(e->mem + 0x300, "xyzQ", 4);
	static const uint8_t scas[] = {
		0x67, 0xf2, 0xae, // repne scasb
		0xfd,             // std
		0x67, 0x66, 0xad, // lodsw
		0x67, 0xa6,       // cmpsb
		0xfc,             // cld
	};
	c->r[CPU_EAX] = 0x12345651; // AL = 'Q'
	c->r[CPU_EDI] = 0x55550300;
	c->r[CPU_ECX] = 0x9999ffff;
	c->r[CPU_ESI] = 0x66660300;
	run(e, scas, sizeof scas);
	// SCASB: 4 iterations, DI 0x0304, CX 0xfffb. LODSW: AX = "xy", SI 0x02fe.
	// CMPSB: [0x02fe] (0) - [0x0304] (0) = 0, ZF; SI 0x02fd, DI 0x0303.
	assert_int_equal(c->r[CPU_ECX], 0x9999fffb);
	assert_int_equal(c->r[CPU_EAX], 0x12347978);
	assert_int_equal(c->r[CPU_ESI], 0x666602fd);
	assert_int_equal(c->r[CPU_EDI], 0x55550303);
	assert_true(cpu_get_eflags(c) & CPU_ZF);
}

// A REP string instruction with 67 preempted at every slice ends as one run does.
static void test_strings16_preempted(void **state)
{
	struct env *e = *state;
	struct cpu *c = &e->c;
	for (unsigned i = 0; i < 200; i++)
		e->mem[0x4000 + i] = (uint8_t)(i * 7);
	static const uint8_t movs[] = { 0x67, 0xf3, 0x66, 0xa5 }; // rep movsw
	c->r[CPU_ESI] = 0x11114000;
	c->r[CPU_EDI] = 0x22225000;
	c->r[CPU_ECX] = 0x33330064;
	assert_int_equal(run_sliced(e, movs, sizeof movs, 3), CPU_EXIT_TERMINATE);
	assert_int_equal(c->r[CPU_ECX], 0x33330000);
	assert_int_equal(c->r[CPU_ESI], 0x111140c8);
	assert_int_equal(c->r[CPU_EDI], 0x222250c8);
	assert_memory_equal(e->mem + 0x5000, e->mem + 0x4000, 200);
}

// LOOP and JCXZ with 67 count in CX.
static void test_loop16(void **state)
{
	struct env *e = *state;
	struct cpu *c = &e->c;
	static const uint8_t code[] = {
		0x43,             // inc ebx
		0x67, 0xe2, 0xfc, // loop (back to inc ebx) on CX
		0x67, 0xe3, 0x01, // jcxz +1 (taken: CX = 0)
		0x42,             // inc edx (skipped)
	};
	c->r[CPU_ECX] = 0x12340003;
	c->r[CPU_EBX] = 0;
	c->r[CPU_EDX] = 0;
	run(e, code, sizeof code);
	assert_int_equal(c->r[CPU_EBX], 3);
	assert_int_equal(c->r[CPU_ECX], 0x12340000);
	assert_int_equal(c->r[CPU_EDX], 0);
}

// XLAT with 67: [BX + AL], wrapping.
static void test_xlat16(void **state)
{
	struct env *e = *state;
	struct cpu *c = &e->c;
	e->mem[0x0010] = 0x5a;
	static const uint8_t code[] = { 0x67, 0xd7 };
	c->r[CPU_EBX] = 0x1234ff80;
	c->r[CPU_EAX] = 0xaaaaaa90; // 0xff80 + 0x90 = 0x10010 -> 0x0010
	run(e, code, sizeof code);
	assert_int_equal(c->r[CPU_EAX], 0xaaaaaa5a);
}

// PUSHA POPA PUSHF POPF with 66: words, SP pushed as it was, upper halves kept.
static void test_stack16(void **state)
{
	struct env *e = *state;
	struct cpu *c = &e->c;
	static const uint8_t code[] = {
		0x66, 0x60, // pushaw
		0x66, 0x9c, // pushfw
		0xf9,       // stc
		0x66, 0x9d, // popfw: CF clear again
		0x66, 0x61, // popaw
	};
	for (int i = 0; i < 8; i++)
		c->r[i] = 0x10001000u * (uint32_t)(i + 1) + (uint32_t)i;
	c->r[CPU_ESP] = STACK;
	c->eflags = 0x202 | CPU_ZF; // CF clear
	run(e, code, sizeof code);
	// PUSHAW stored AX CX DX BX SP BP SI DI, 2 bytes each, below 0x1f000.
	for (int i = 0; i < 8; i++) {
		uint32_t want = i == CPU_ESP ? STACK : 0x1000u * (uint32_t)(i + 1) + (uint32_t)i;
		assert_int_equal(get16(e, STACK - 2 * (uint32_t)(i + 1)), want & 0xffff);
	}
	assert_int_equal(get16(e, STACK - 18), 0x202 | CPU_ZF); // PUSHFW: the low 16 bits
	assert_int_equal(c->r[CPU_ESP], STACK);
	assert_false(cpu_get_eflags(c) & CPU_CF);
	assert_true(cpu_get_eflags(c) & CPU_ZF);
	for (int i = 0; i < 8; i++)
		if (i != CPU_ESP)
			assert_int_equal(c->r[i], 0x10001000u * (uint32_t)(i + 1) + (uint32_t)i);

	// POPAW into registers whose upper halves differ: only the low halves change.
	static const uint8_t popa[] = { 0x66, 0x61 };
	for (int i = 0; i < 8; i++)
		c->r[i] = 0xffff0000u;
	c->r[CPU_ESP] = STACK - 16;
	run(e, popa, sizeof popa);
	assert_int_equal(c->r[CPU_EAX], 0xffff0000u | 0x1000);
	assert_int_equal(c->r[CPU_EDI], 0xffff0000u | (0x8000 + 7));
	assert_int_equal(c->r[CPU_ESP], STACK);
}

// ENTER and LEAVE with 66: words, BP (not EBP) set; nesting copies words from EBP-2.
static void test_enter_leave16(void **state)
{
	struct env *e = *state;
	struct cpu *c = &e->c;
	// The caller's display: one word at EBP-2, read with EBP's full 32 bits (a 32-bit
	// stack). EBP's upper half differs from ESP's, so that BP <- FrameTemp shows.
	static const uint8_t code[] = {
		0x66, 0xc8, 0x08, 0x00, 0x02, // enterw 8, 2
	};
	c->r[CPU_EBP] = 0x00021e00;
	c->r[CPU_ESP] = STACK;
	e->mem[0x21e00 - 2] = 0x34;
	e->mem[0x21e00 - 1] = 0x12;
	run(e, code, sizeof code);
	// push bp (0x1e00) at 0x1effe; FrameTemp = SP = 0xeffe; push [0x21dfe] = 0x1234 at
	// 0x1effc; push FrameTemp at 0x1effa; BP = 0xeffe; ESP = 0x1effa - 8.
	assert_int_equal(get16(e, STACK - 2), 0x1e00);
	assert_int_equal(get16(e, STACK - 4), 0x1234);
	assert_int_equal(get16(e, STACK - 6), 0xeffe);
	assert_int_equal(c->r[CPU_EBP], 0x0002effe);
	assert_int_equal(c->r[CPU_ESP], STACK - 6 - 8);

	// LEAVEW: ESP = EBP, then pop BP (EBP's upper half stays).
	static const uint8_t leave[] = { 0x66, 0xc9 };
	c->r[CPU_EBP] = STACK - 2;
	run(e, leave, sizeof leave);
	assert_int_equal(c->r[CPU_ESP], STACK);
	assert_int_equal(c->r[CPU_EBP], 0x00011e00);
}

// The decoder reports 16-bit addressing.
static void test_decode_info(void **state)
{
	(void)state;
	struct cpu_decoded_info di;
	static const uint8_t b[] = { 0x67, 0x8b, 0x43, 0xfe }; // mov eax, [bp+di-2]
	assert_int_equal(cpu_decode_info(b, sizeof b, &di), 4);
	assert_true(di.valid && di.has_mem && di.addr16);
	assert_int_equal(di.mem_base, CPU_EBP);
	assert_int_equal(di.mem_index, CPU_EDI);
	assert_int_equal(di.mem_disp & 0xffff, 0xfffe);
	static const uint8_t d16[] = { 0x67, 0x8b, 0x06, 0x34, 0x12 }; // mov eax, [0x1234]
	assert_int_equal(cpu_decode_info(d16, sizeof d16, &di), 5);
	assert_int_equal(di.mem_base, -1);
	assert_int_equal(di.mem_index, -1);
	assert_int_equal(di.mem_disp, 0x1234);
	// Still #UD: 16-bit control transfers, IRET and BSWAP with 66.
	static const uint8_t bad[][2] = { { 0x66, 0xc3 }, { 0x66, 0xcf } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(cpu_decode_info(bad[i], 2, &di), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modrm16, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bt16, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moffs_and_noop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings16, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings16_preempted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop16, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlat16, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack16, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enter_leave16, setup, teardown),
		cmocka_unit_test(test_decode_info),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
