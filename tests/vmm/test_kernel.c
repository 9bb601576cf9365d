// SPDX-License-Identifier: MIT
// Unit tests for the kernel (src/vmm/kernel.c, pio.c, vm.c) with the real CPU and
// hand-assembled guests: terminate, console PIOs, idle with timeout, HLT deadlock,
// faults that kill only one VM, round-robin fairness, max time, copy-on-write between
// VMs, and determinism of the digest.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "denali/abi.h"
#include "elfgen.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

#define MEM (1u << 20)
#define DATA (ELFGEN_TEXT + 0x1000) // elfgen_program's data segment

// Encoders for the few instructions the tests use.
#define MOV_EAX(v) 0xb8, (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
#define MOV_ECX(v) 0xb9, (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
#define MOV_EDX(v) 0xba, (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
#define MOV_ESI(v) 0xbe, (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
#define LOAD_EAX(a) 0xa1, (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24)
#define STORE_EAX(a) 0xa3, (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24)
#define OUT_E9 0xe6, 0xe9      // out 0xe9, al
#define IN_DX 0xed             // in eax, dx
#define DEC_ECX 0x49
#define DEC_EAX 0x48
#define JNZ(rel) 0x75, (uint8_t)(rel)
#define JMP_SELF 0xeb, 0xfe
#define HLT 0xf4
#define IDLE 0x0f, 0x0c, 0x00
#define TERMINATE 0x0f, 0x0c, 0x01
#define UD2 0x0f, 0x0b

struct run {
	struct image *img;
	struct kernel *k;
	enum kernel_end end;
};

static void start(struct run *r, const uint8_t *code, size_t len, const uint8_t *data,
		  size_t dlen, const struct kernel_config *cfg)
{
	uint8_t buf[16384];
	size_t n = elfgen_program(buf, sizeof buf, code, (uint32_t)len, data, (uint32_t)dlen,
				  4096);
	assert_true(n > 0);
	char err[256];
	assert_int_equal(image_parse(buf, n, "t.elf", cfg->mem_size, &r->img, err, sizeof err), 0);
	assert_int_equal(kernel_new(&r->k, cfg, r->img, err, sizeof err), 0);
	r->end = kernel_run(r->k);
}

static void stop(struct run *r)
{
	kernel_free(r->k);
	image_free(r->img);
}

static struct kernel_config config(uint32_t nvms)
{
	struct kernel_config c;
	kernel_config_default(&c);
	c.nvms = nvms;
	c.mem_size = MEM;
	return c;
}

#define RUN(r, code, nvms) do { struct kernel_config c_ = config(nvms); \
	start(r, code, sizeof code, NULL, 0, &c_); } while (0)

static void test_terminate(void **state)
{
	static const uint8_t code[] = { MOV_EAX(42), TERMINATE };
	struct run r;
	RUN(&r, code, 3);
	assert_int_equal(r.end, KERNEL_END_ALL_DONE);
	for (int i = 0; i < 3; i++) {
		const struct vm *vm = &r.k->vms[i];
		assert_int_equal(vm->state, VM_TERMINATED);
		assert_int_equal(vm->exit_code, 42);
		assert_int_equal(vm->cpu.retired, 2);
		assert_false(vm->has_mem); // freed at the end
	}
	assert_int_equal(r.k->stats.nonzero, 3);
	assert_int_equal(r.k->stats.ok, 0);
	assert_int_equal(r.k->stats.retired, 6);
	assert_int_equal(r.k->stats.ctx_switches, 2);
	// Simulated time = guest cycles + two context switches.
	assert_int_equal(r.k->now, r.k->stats.guest_cycles + 2 * 2380);
	stop(&r);
}

static void test_debugcon(void **state)
{
	static const uint8_t code[] = { MOV_EAX('h'), OUT_E9, MOV_EAX('i'), OUT_E9,
					MOV_EAX('\n'), OUT_E9, MOV_EAX(0), TERMINATE };
	struct run r;
	RUN(&r, code, 1);
	const struct vm *vm = &r.k->vms[0];
	assert_int_equal(vm->state, VM_TERMINATED);
	assert_int_equal(vm->exit_code, 0);
	assert_int_equal(kernel_console(r.k, 0)->len, 3);
	assert_memory_equal(kernel_console(r.k, 0)->bytes, "hi\n", 3);
	assert_int_equal(vm->pios, 3);
	assert_int_equal(r.k->stats.ok, 1);
	assert_int_equal(r.k->now, vm->cpu.cycles + 3 * 2000); // three PIOs, no switch
	stop(&r);
}

static void test_console_write(void **state)
{
	static const uint8_t data[] = "hello, world\n";
	static const uint8_t code[] = { MOV_ESI(DATA), MOV_ECX(13), MOV_EDX(0x100), IN_DX,
					TERMINATE };
	struct run r;
	struct kernel_config c = config(2);
	start(&r, code, sizeof code, data, sizeof data, &c);
	for (int i = 0; i < 2; i++) {
		const struct vm *vm = &r.k->vms[i];
		assert_int_equal(vm->exit_code, 13); // EAX = bytes written
		assert_int_equal(kernel_console(r.k, i)->total, 13);
		assert_memory_equal(kernel_console(r.k, i)->bytes, "hello, world\n", 13);
	}
	stop(&r);
	// A buffer in a hole: EAX = -1 and nothing is written.
	static const uint8_t bad[] = { MOV_ESI(MEM - 4), MOV_ECX(13), MOV_EDX(0x100), IN_DX,
				       TERMINATE };
	RUN(&r, bad, 1);
	assert_int_equal(r.k->vms[0].exit_code, 0xffffffffu);
	assert_int_equal(kernel_console(r.k, 0)->total, 0);
	stop(&r);
}

static void test_console_cap(void **state)
{
	// Writes 13 bytes 100 times with a 64-byte cap: 64 kept, 1300 counted.
	static const uint8_t data[] = "hello, world\n";
	static const uint8_t code[] = { MOV_EAX(100), 0x89, 0xc3, /* mov ebx, eax */
		MOV_ESI(DATA), MOV_ECX(13), MOV_EDX(0x100), IN_DX,
		0x4b, /* dec ebx */ JNZ(-(5 + 5 + 5 + 1 + 1 + 2)), MOV_EAX(0), TERMINATE };
	struct run r;
	struct kernel_config c = config(1);
	c.console_cap = 64;
	start(&r, code, sizeof code, data, sizeof data, &c);
	const struct vm *vm = &r.k->vms[0];
	assert_int_equal(vm->state, VM_TERMINATED);
	assert_int_equal(kernel_console(r.k, 0)->total, 1300);
	assert_int_equal(kernel_console(r.k, 0)->len, 64);
	stop(&r);
}

static void test_unknown_port(void **state)
{
	// in eax, dx from port 0x1234 reads 0; out to it is ignored; both counted.
	static const uint8_t code[] = { MOV_EDX(0x1234), MOV_EAX(77), IN_DX, 0xee, /* out dx, al */
					TERMINATE };
	struct run r;
	RUN(&r, code, 1);
	assert_int_equal(r.k->vms[0].exit_code, 0);
	assert_int_equal(r.k->vms[0].pios_unknown, 2);
	assert_int_equal(r.k->stats.pios_unknown, 2);
	stop(&r);
}

static void test_idle_timeout(void **state)
{
	// Idle 1 ms, then exit with the low word of vregs.time_ns at the next entry.
	static const uint8_t code[] = { MOV_EAX(1000000), MOV_EDX(0), IDLE,
					LOAD_EAX(DENALI_VREGS_ADDR + 0x18), TERMINATE };
	struct run r;
	RUN(&r, code, 1);
	const struct vm *vm = &r.k->vms[0];
	assert_int_equal(r.end, KERNEL_END_ALL_DONE);
	assert_int_equal(vm->state, VM_TERMINATED);
	assert_true(vm->exit_code >= 1000000);
	assert_true(vm->exit_code < 1000000 + 10000);
	assert_true(r.k->now >= 1700000); // time jumped to the wake-up
	stop(&r);
}

// VMs sleep for id * 2^20 ns; each wakes at its own time (time jumps between wake-ups)
// and reports the time it saw.
static void test_idle_many(void **state)
{
	static const uint8_t code[] = { LOAD_EAX(DENALI_VREGS_ADDR + 8), 0xc1, 0xe0, 20, /* shl eax, 20 */
					MOV_EDX(0), IDLE, LOAD_EAX(DENALI_VREGS_ADDR + 0x18),
					TERMINATE };
	struct run r;
	RUN(&r, code, 6);
	assert_int_equal(r.end, KERNEL_END_ALL_DONE);
	for (uint32_t i = 0; i < 6; i++) {
		const struct vm *vm = &r.k->vms[i];
		assert_int_equal(vm->state, VM_TERMINATED);
		assert_true(vm->exit_code >= (i << 20));
		assert_true(vm->exit_code < (i << 20) + 100000); // woke promptly
		if (i)
			assert_true(vm->exit_code > r.k->vms[i - 1].exit_code);
	}
	assert_int_equal(evq_len(&r.k->evq), 0);
	stop(&r);
}

static void test_idle_no_timeout_and_hlt_hang(void **state)
{
	static const uint8_t idle_forever[] = { MOV_EAX(0xffffffffu), MOV_EDX(0xffffffffu), IDLE,
						MOV_EAX(0), TERMINATE };
	struct run r;
	RUN(&r, idle_forever, 2);
	assert_int_equal(r.end, KERNEL_END_DEADLOCK);
	assert_int_equal(r.k->vms[0].state, VM_HUNG);
	assert_int_equal(r.k->vms[1].state, VM_HUNG);
	assert_int_equal(r.k->stats.hung, 2);
	stop(&r);
	static const uint8_t hlt[] = { HLT, TERMINATE };
	RUN(&r, hlt, 1);
	assert_int_equal(r.end, KERNEL_END_DEADLOCK);
	assert_int_equal(r.k->vms[0].state, VM_HUNG);
	stop(&r);
}

static void test_fault_kills_only_that_vm(void **state)
{
	// VM 1 reads address 0; the others exit 0.
	static const uint8_t code[] = {
		LOAD_EAX(DENALI_VREGS_ADDR + 8), DEC_EAX, JNZ(5),
		LOAD_EAX(0),
		MOV_EAX(0), TERMINATE,
	};
	struct run r;
	RUN(&r, code, 4);
	assert_int_equal(r.end, KERNEL_END_ALL_DONE);
	for (uint32_t i = 0; i < 4; i++) {
		const struct vm *vm = &r.k->vms[i];
		if (i == 1) {
			assert_int_equal(vm->state, VM_KILLED);
			assert_non_null(vm->diag);
			const char *want[] = { "vm 1:", "eip 0x00010008", "a1 00 00 00 00",
					       "page fault", "read at 0x00000000" };
			for (size_t w = 0; w < 5; w++)
				if (!strstr(vm->diag, want[w]))
					fail_msg("diag \"%s\" lacks \"%s\"", vm->diag, want[w]);
		} else {
			assert_int_equal(vm->state, VM_TERMINATED);
			assert_int_equal(vm->exit_code, 0);
			assert_null(vm->diag);
		}
	}
	assert_int_equal(r.k->stats.killed, 1);
	assert_int_equal(r.k->stats.ok, 3);
	stop(&r);
}

static void test_invalid_opcode_and_int(void **state)
{
	static const uint8_t ud[] = { 0x90, UD2 };
	struct run r;
	RUN(&r, ud, 1);
	assert_int_equal(r.k->vms[0].state, VM_KILLED);
	assert_non_null(strstr(r.k->vms[0].diag, "invalid opcode"));
	assert_non_null(strstr(r.k->vms[0].diag, "eip 0x00010001"));
	stop(&r);
	static const uint8_t intn[] = { 0xcd, 0x80 };
	RUN(&r, intn, 1);
	assert_int_equal(r.k->vms[0].state, VM_KILLED);
	assert_non_null(strstr(r.k->vms[0].diag, "INT 0x80"));
	stop(&r);
	static const uint8_t badop[] = { 0x0f, 0x0c, 0x07 }; // Denali escape, bad immediate
	RUN(&r, badop, 1);
	assert_int_equal(r.k->vms[0].state, VM_KILLED);
	assert_non_null(strstr(r.k->vms[0].diag, "invalid opcode"));
	stop(&r);
}

static void test_round_robin_fairness(void **state)
{
	static const uint8_t spin[] = { JMP_SELF };
	struct kernel_config c = config(5);
	c.max_time_cycles = 5000000;
	struct run r;
	start(&r, spin, sizeof spin, NULL, 0, &c);
	assert_int_equal(r.end, KERNEL_END_MAX_TIME);
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < 5; i++) {
		const struct vm *vm = &r.k->vms[i];
		assert_int_equal(vm->state, VM_STOPPED);
		lo = vm->cpu.cycles < lo ? vm->cpu.cycles : lo;
		hi = vm->cpu.cycles > hi ? vm->cpu.cycles : hi;
	}
	// Every VM got within one quantum (plus one block of overshoot) of the others.
	assert_true(hi - lo <= c.quantum_cycles + 1000);
	assert_true(lo > 0);
	assert_true(r.k->now >= c.max_time_cycles);
	assert_true(r.k->now < c.max_time_cycles + 1000);
	assert_true(r.k->stats.ctx_switches > 5000000 / (17000 + 2380) - 5);
	assert_int_equal(r.k->stats.stopped, 5);
	stop(&r);
}

// Two VMs store their id in the same image data page, spin past several quanta so they
// interleave, then read it back: each sees only its own write.
static void test_cow_between_vms(void **state)
{
	static const uint8_t data[] = { 0xee, 0xee, 0xee, 0xee };
	static const uint8_t code[] = {
		LOAD_EAX(DENALI_VREGS_ADDR + 8), STORE_EAX(DATA),
		MOV_ECX(30000), DEC_ECX, JNZ(-3),
		LOAD_EAX(DATA), TERMINATE,
	};
	struct run r;
	struct kernel_config c = config(3);
	start(&r, code, sizeof code, data, sizeof data, &c);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(r.k->vms[i].state, VM_TERMINATED);
		assert_int_equal(r.k->vms[i].exit_code, i);
		assert_true(r.k->vms[i].slices > 1); // they really interleaved
	}
	assert_int_equal(*(uint32_t *)image_page(r.img, DATA / 4096), 0xeeeeeeeeu);
	stop(&r);
}

static void test_vregs(void **state)
{
	static const uint8_t code[] = { LOAD_EAX(DENALI_VREGS_ADDR + 0), 0x89, 0xc3, /* ebx */
		LOAD_EAX(DENALI_VREGS_ADDR + 0x10), 0x01, 0xd8, /* add eax, ebx */
		TERMINATE };
	struct run r;
	RUN(&r, code, 1);
	assert_int_equal(r.k->vms[0].exit_code, DENALI_VREGS_MAGIC + MEM);
	stop(&r);
}

static uint64_t digest_of(const uint8_t *code, size_t len, uint32_t nvms, uint64_t quantum)
{
	struct run r;
	struct kernel_config c = config(nvms);
	c.quantum_cycles = quantum;
	start(&r, code, len, NULL, 0, &c);
	uint64_t d = kernel_digest(r.k);
	stop(&r);
	return d;
}

static void test_determinism(void **state)
{
	static const uint8_t code[] = {
		LOAD_EAX(DENALI_VREGS_ADDR + 8), OUT_E9,
		MOV_ECX(20000), DEC_ECX, JNZ(-3),
		LOAD_EAX(DENALI_VREGS_ADDR + 0x18), TERMINATE,
	};
	uint64_t a = digest_of(code, sizeof code, 20, 17000);
	uint64_t b = digest_of(code, sizeof code, 20, 17000);
	assert_int_equal(a, b);
	// The digest does see the schedule: another quantum changes the times guests read.
	assert_int_not_equal(a, digest_of(code, sizeof code, 20, 5000));
	assert_int_not_equal(a, digest_of(code, sizeof code, 21, 17000));
}

static void test_time_conversion(void **state)
{
	struct kernel_config c = config(1);
	assert_int_equal(kernel_cycles_to_ns(&c, 1700000), 1000000);
	assert_int_equal(kernel_ns_to_cycles(&c, 1000000), 1700000);
	assert_int_equal(kernel_ns_to_cycles(&c, 1), 2); // rounds up
	assert_int_equal(kernel_ns_to_cycles(&c, UINT64_MAX), UINT64_MAX); // saturates
	assert_int_equal(kernel_cycles_to_ns(&c, UINT64_MAX), (uint64_t)((unsigned __int128)UINT64_MAX * 1000000 / 1700000));
}

static void test_bad_config(void **state)
{
	static const uint8_t code[] = { TERMINATE };
	uint8_t buf[4096];
	size_t n = elfgen_program(buf, sizeof buf, code, sizeof code, NULL, 0, 0);
	struct image *img;
	char err[256];
	assert_int_equal(image_parse(buf, n, "t.elf", MEM, &img, err, sizeof err), 0);
	struct kernel_config c = config(0);
	struct kernel *k;
	assert_int_equal(kernel_new(&k, &c, img, err, sizeof err), -1);
	assert_null(k);
	c = config(1);
	c.mem_size = 2 * MEM; // disagrees with the image
	assert_int_equal(kernel_new(&k, &c, img, err, sizeof err), -1);
	image_free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminate),
		cmocka_unit_test(test_debugcon),
		cmocka_unit_test(test_console_write),
		cmocka_unit_test(test_console_cap),
		cmocka_unit_test(test_unknown_port),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_idle_many),
		cmocka_unit_test(test_idle_no_timeout_and_hlt_hang),
		cmocka_unit_test(test_fault_kills_only_that_vm),
		cmocka_unit_test(test_invalid_opcode_and_int),
		cmocka_unit_test(test_round_robin_fairness),
		cmocka_unit_test(test_cow_between_vms),
		cmocka_unit_test(test_vregs),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_time_conversion),
		cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
