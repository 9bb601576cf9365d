// SPDX-License-Identifier: MIT
// Self-modifying code and the decode cache (dcache.c, tlb.c; issue 10 section 2):
// the new bytes run from the next instruction, also when the store copies a shared
// page first (copy-on-write) or a device writes them; the host work per store stays a
// small constant (no code page allocated, a few blocks re-decoded, bounded memory);
// and no result depends on what the decode cache holds (a tiny bound gives the same
// cycles, instructions and state).
// Guest memory: 16 pages at 0x10000. Pages listed in `shared` start as copy-on-write
// copies of a shared host page, as src/vmm/mem.c does it, so the tests exercise the
// same sequence of map() calls and TLB flushes.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

#define BASE 0x10000u
#define NPAGES 16u

struct env {
	struct cpu_exec *x;
	uint8_t *shared[NPAGES]; // the initial, shared copy (read-only), or NULL
	uint8_t *priv[NPAGES];   // the private copy, made on the first write
	uint32_t cow_copies;
	struct cpu c;
	struct cpu_mem m;
};

static int map(void *ctx, uint32_t addr, enum cpu_access acc, struct cpu_page_info *pi)
{
	struct env *e = ctx;
	uint32_t p = (addr - BASE) / CPU_PAGE_SIZE;
	if (addr < BASE || p >= NPAGES)
		return -1;
	if (!e->priv[p] && (acc & CPU_ACC_WRITE)) {
		// Copy-on-write: the page's mapping changes, so flush the TLB (mem.h's rule).
		e->priv[p] = aligned_alloc(CPU_PAGE_SIZE, CPU_PAGE_SIZE);
		memcpy(e->priv[p], e->shared[p], CPU_PAGE_SIZE);
		e->cow_copies++;
		cpu_exec_flush_tlb(e->x);
	}
	pi->host = e->priv[p] ? e->priv[p] : e->shared[p];
	pi->writable = e->priv[p] != NULL;
	return 0;
}

static struct env *env_new(size_t dcache_max)
{
	struct env *e = calloc(1, sizeof *e);
	struct cpu_exec_opts o = { .dcache_max_bytes = dcache_max };
	e->x = cpu_exec_new(&o);
	for (uint32_t p = 0; p < NPAGES; p++) {
		e->shared[p] = aligned_alloc(CPU_PAGE_SIZE, CPU_PAGE_SIZE);
		memset(e->shared[p], 0xcc, CPU_PAGE_SIZE); // INT3
	}
	e->m = (struct cpu_mem){ map, e };
	cpu_reset(&e->c, BASE, BASE + NPAGES * CPU_PAGE_SIZE - 16);
	// The stack page is an ordinary private page.
	e->priv[NPAGES - 1] = aligned_alloc(CPU_PAGE_SIZE, CPU_PAGE_SIZE);
	memset(e->priv[NPAGES - 1], 0, CPU_PAGE_SIZE);
	return e;
}

static void env_free(struct env *e)
{
	for (uint32_t p = 0; p < NPAGES; p++) {
		if (e->priv[p])
			cpu_exec_page_freed(e->x, e->priv[p]);
		cpu_exec_page_freed(e->x, e->shared[p]);
		free(e->priv[p]);
		free(e->shared[p]);
	}
	cpu_exec_free(e->x);
	free(e);
}

// Places code in the shared copy at guest address at (before the run).
static void put(struct env *e, uint32_t at, const void *code, size_t n)
{
	uint32_t p = (at - BASE) / CPU_PAGE_SIZE;
	memcpy(e->shared[p] + (at - BASE) % CPU_PAGE_SIZE, code, n);
}

// Makes page p private from the start (an ordinary writable page).
static void make_private(struct env *e, uint32_t p)
{
	free(e->priv[p]);
	e->priv[p] = aligned_alloc(CPU_PAGE_SIZE, CPU_PAGE_SIZE);
	memcpy(e->priv[p], e->shared[p], CPU_PAGE_SIZE);
}

// Runs from eip with `budget` cycles per cpu_run until an exit other than BUDGET.
static enum cpu_exit run(struct env *e, uint32_t eip, int64_t budget)
{
	e->c.eip = eip;
	enum cpu_exit x;
	int rounds = 0;
	do
		x = cpu_run(e->x, &e->c, &e->m, budget);
	while (x == CPU_EXIT_BUDGET && ++rounds < 1000000);
	return x;
}

// The loop rewrites the immediate of an instruction later in its own block, N times:
// each new value runs at once, and each store costs a re-decode, nothing allocated.
//   0: mov [BASE+0x0c], ecx   (89 0d 0c 00 01 00)
//   6: add ebx, 0             (nop-ish filler: 83 c3 00)
//   9: nop nop nop
//  0c: (imm32 of) mov eax, imm32 at 0x0b: b8 xx xx xx xx
//  10: add edx, eax ; dec ecx ; jnz 0 ; terminate
static void rewrite_running_block(void **state)
{
	(void)state;
	struct env *e = env_new(0);
	// clang-format off
	static const uint8_t code[] = {
		0x89, 0x0d, 0x0c, 0x00, 0x01, 0x00, // mov [0x1000c], ecx
		0x83, 0xc3, 0x00,                   // add ebx, 0
		0x90, 0x90,                         // nop nop
		0xb8, 0x00, 0x00, 0x00, 0x00,       // mov eax, imm32 (imm at 0x1000c)
		0x01, 0xc2,                         // add edx, eax
		0x49,                               // dec ecx
		0x75, 0xeb,                         // jnz 0x10000 (rel -21)
		0x0f, 0x0c, 0x01,                   // terminate
	};
	// clang-format on
	put(e, BASE, code, sizeof code);
	make_private(e, 0);
	const uint32_t n = 20000;
	e->c.r[CPU_ECX] = n;
	assert_int_equal(run(e, BASE, 1 << 20), CPU_EXIT_TERMINATE);
	// edx = n + (n-1) + ... + 1: every iteration ran the immediate it had just stored.
	assert_int_equal(e->c.r[CPU_EDX], (uint32_t)((uint64_t)n * (n + 1) / 2));
	const struct cpu_exec_stats *st = cpu_exec_stats(e->x);
	assert_int_equal(st->smc_exits, n);
	assert_true(st->dcache_misses <= 2);          // one code page, never re-allocated
	assert_true(st->blocks_decoded <= 3 * n + 10); // a constant per store
	assert_true(st->dcache_bytes < 256 * 1024);
	env_free(e);
}

// Stores into the code page that do not change decoded code: a data word next to the
// loop, and the loop's own bytes rewritten with the values they already have. Nothing
// is re-decoded and no block ends early.
static void store_beside_code(void **state)
{
	(void)state;
	struct env *e = env_new(0);
	// clang-format off
	static const uint8_t code[] = {
		0x89, 0x0d, 0x00, 0x08, 0x01, 0x00, // mov [0x10800], ecx  (data, same page)
		0xc6, 0x05, 0x00, 0x00, 0x01, 0x00, 0x89, // mov byte [0x10000], 0x89 (unchanged)
		0x49,                               // dec ecx
		0x75, 0xf0,                         // jnz 0x10000
		0x0f, 0x0c, 0x01,                   // terminate
	};
	// clang-format on
	put(e, BASE, code, sizeof code);
	make_private(e, 0);
	e->c.r[CPU_ECX] = 50000;
	assert_int_equal(run(e, BASE, 1 << 20), CPU_EXIT_TERMINATE);
	const struct cpu_exec_stats *st = cpu_exec_stats(e->x);
	assert_int_equal(st->smc_exits, 0);
	assert_int_equal(st->code_resets, 0);
	assert_true(st->blocks_decoded <= 4);
	assert_int_equal(e->priv[0][0x800], 1); // the last value stored
	env_free(e);
}

// Copy-on-write of the running page (issue 10, 2026-12: the copy flushed the code TLB
// and the loop kept running the shared page's decoded code until the slice ended).
// `call fn` once (fn decoded from the shared page), then write fn's immediate (the
// first write copies the page) and call it again: the new value must come back, under
// every budget per cpu_run.
//   0x10000: call 0x10100 ; mov [0x10101], 0x2a (dword) ; call 0x10100 ; terminate
//   0x10100: mov eax, 7 ; ret
static void cow_of_running_page(void **state)
{
	(void)state;
	// clang-format off
	static const uint8_t code[] = {
		0xe8, 0xfb, 0x00, 0x00, 0x00,                         // call 0x10100
		0xc7, 0x05, 0x01, 0x01, 0x01, 0x00, 0x2a, 0, 0, 0,    // mov dword [0x10101], 42
		0xe8, 0xec, 0x00, 0x00, 0x00,                         // call 0x10100
		0x0f, 0x0c, 0x01,                                     // terminate
	};
	// clang-format on
	static const uint8_t fn[] = { 0xb8, 0x07, 0, 0, 0, 0xc3 }; // mov eax, 7; ret
	static const int64_t budgets[] = { 1, 3, 7, 50, 1 << 20 };
	for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
		struct env *e = env_new(0);
		put(e, BASE, code, sizeof code);
		put(e, BASE + 0x100, fn, sizeof fn);
		assert_int_equal(run(e, BASE, budgets[b]), CPU_EXIT_TERMINATE);
		assert_int_equal(e->c.r[CPU_EAX], 42);
		assert_int_equal(e->cow_copies, 1);
		assert_int_equal(e->shared[0][0x101], 7); // the shared copy is untouched
		env_free(e);
	}
}

// After a copy-on-write store that leaves the running block alone, a second store in
// the same block rewrites the rest of the block: that must run too, although the block
// was decoded from the shared copy and the private copy has no decoded code yet.
//   0: mov byte [0x10800], 1     (copies the page; data)
//   7: mov byte [0x10013], 0x2a  (the imm8 of the mov al below)
//  0e: nop x4
//  12: mov al, 0 (b0 00)  -> must load 42
//  14: terminate
static void cow_then_store_into_block(void **state)
{
	(void)state;
	// clang-format off
	static const uint8_t code[] = {
		0xc6, 0x05, 0x00, 0x08, 0x01, 0x00, 0x01, // mov byte [0x10800], 1
		0xc6, 0x05, 0x13, 0x00, 0x01, 0x00, 0x2a, // mov byte [0x10013], 42
		0x90, 0x90, 0x90, 0x90,                   // nops
		0xb0, 0x00,                               // mov al, 0
		0x0f, 0x0c, 0x01,                         // terminate
	};
	// clang-format on
	struct env *e = env_new(0);
	put(e, BASE, code, sizeof code);
	e->c.r[CPU_EAX] = 0;
	assert_int_equal(run(e, BASE, 1 << 20), CPU_EXIT_TERMINATE);
	assert_int_equal(e->c.r[CPU_EAX] & 0xff, 42);
	env_free(e);
}

// A device (or the kernel) writes new code over decoded code: after
// cpu_exec_code_written the new bytes run.
static void code_written_by_device(void **state)
{
	(void)state;
	struct env *e = env_new(0);
	static const uint8_t fn7[] = { 0xb8, 0x07, 0, 0, 0, 0x0f, 0x0c, 0x01 };
	put(e, BASE, fn7, sizeof fn7);
	make_private(e, 0);
	assert_int_equal(run(e, BASE, 1 << 20), CPU_EXIT_TERMINATE);
	assert_int_equal(e->c.r[CPU_EAX], 7);
	e->priv[0][1] = 42; // behind the CPU's back, as a device's DMA would
	cpu_exec_code_written(e->x, e->priv[0], 1, 1);
	assert_int_equal(run(e, BASE, 1 << 20), CPU_EXIT_TERMINATE);
	assert_int_equal(e->c.r[CPU_EAX], 42);
	assert_int_equal(cpu_exec_stats(e->x)->code_resets, 1);
	// A write beside the code resets nothing.
	cpu_exec_code_written(e->x, e->priv[0], 0x800, 16);
	assert_int_equal(cpu_exec_stats(e->x)->code_resets, 1);
	env_free(e);
}

// A program that runs code in all 16 pages (each page: add edx, ecx; rewrite the
// next page's immediate; jump to it), 200 times round. Run with the default decode
// cache and with a bound so small that it is dropped at every new page: the same
// cycles, instructions, registers and memory.
static void cache_bound_changes_nothing(void **state)
{
	(void)state;
	struct env *e[2] = { env_new(0), env_new(1) };
	for (int k = 0; k < 2; k++) {
		for (uint32_t p = 0; p < NPAGES; p++) {
			uint32_t at = BASE + p * CPU_PAGE_SIZE + 0x40;
			uint32_t next = BASE + ((p + 1) % NPAGES) * CPU_PAGE_SIZE + 0x40;
			uint8_t code[32];
			size_t n = 0;
			// clang-format off
			code[n++] = 0x01; code[n++] = 0xca;             // add edx, ecx
			code[n++] = 0x81; code[n++] = 0xc1;             // add ecx, imm32
			memcpy(code + n, &p, 4); n += 4;
			code[n++] = 0x89; code[n++] = 0x0d;             // mov [next+4], ecx
			uint32_t imm = next + 4;
			memcpy(code + n, &imm, 4); n += 4;
			code[n++] = 0x4b;                               // dec ebx
			code[n++] = 0x0f; code[n++] = 0x84;             // jz end (rel32)
			uint32_t endrel = BASE + 0x10 - (at + (uint32_t)n + 4);
			memcpy(code + n, &endrel, 4); n += 4;
			code[n++] = 0xe9;                               // jmp next
			uint32_t rel = next - (at + (uint32_t)n + 4);
			memcpy(code + n, &rel, 4); n += 4;
			// clang-format on
			put(e[k], at, code, n);
			make_private(e[k], p);
		}
		static const uint8_t end[] = { 0x0f, 0x0c, 0x01 };
		memcpy(e[k]->priv[0] + 0x10, end, sizeof end);
		e[k]->c.r[CPU_EBX] = 200 * NPAGES;
		e[k]->c.r[CPU_ECX] = 1;
		assert_int_equal(run(e[k], BASE + 0x40, 37), CPU_EXIT_TERMINATE);
	}
	assert_true(cpu_exec_stats(e[1]->x)->dcache_drops > 100);
	assert_int_equal(cpu_exec_stats(e[0]->x)->dcache_drops, 0);
	assert_int_equal(e[0]->c.cycles, e[1]->c.cycles);
	assert_int_equal(e[0]->c.retired, e[1]->c.retired);
	assert_memory_equal(e[0]->c.r, e[1]->c.r, sizeof e[0]->c.r);
	for (uint32_t p = 0; p < NPAGES; p++)
		assert_memory_equal(e[0]->priv[p], e[1]->priv[p], CPU_PAGE_SIZE);
	env_free(e[0]);
	env_free(e[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rewrite_running_block),
		cmocka_unit_test(store_beside_code),
		cmocka_unit_test(cow_of_running_page),
		cmocka_unit_test(cow_then_store_into_block),
		cmocka_unit_test(code_written_by_device),
		cmocka_unit_test(cache_bound_changes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
