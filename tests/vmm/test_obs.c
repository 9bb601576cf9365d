// SPDX-License-Identifier: MIT
// The event stream (src/vmm/obs.h) and the instruction-tracing slow path
// (src/vmm/tracestep.c): observing a run never changes it. Each case runs a guest
// without an observer and again with one that takes every category and traces every
// instruction of every VM, and compares the digests; it also checks the stream's own
// rules: one machine's events never go back in time, every dispatch is followed by its
// deschedule, and the instructions reported cost exactly the cycles the VMs used (so
// each was reported once). Cases cover the hostile guests
// (self-modifying code, PIO storms, faults), exceptions, timers and interrupts under
// batched and sync delivery, swapping, decode blocks of 1, 3 and 32 instructions and
// quanta down to 2 us.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "burst.h"
#include "exc.h"
#include "hostile.h"
#include "reploop.h"
#include "smcfar.h"
#include "smcloop.h"
#include "synth.h"
#include "timer.h"
#include "vmrun.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

struct seen {
	uint64_t events[OBS_KINDS];
	uint64_t last_time;
	uint64_t insn_cycles;
	int64_t running;        // the VM between OBS_DISPATCH and OBS_DESCHED, or -1
	bool bad_order, bad_pair;
	uint64_t samples;
};

static void on_event(void *ctx, const struct obs_event *ev)
{
	struct seen *s = ctx;
	if (ev->kind <= 0 || ev->kind >= OBS_KINDS)
		fail_msg("bad kind %u", ev->kind);
	s->events[ev->kind]++;
	if (ev->time < s->last_time)
		s->bad_order = true;
	s->last_time = ev->time;
	switch (ev->kind) {
	case OBS_DISPATCH:
		if (s->running >= 0)
			s->bad_pair = true;
		s->running = ev->vm;
		break;
	case OBS_DESCHED:
		if (s->running != (int64_t)ev->vm)
			s->bad_pair = true;
		s->running = -1;
		break;
	case OBS_INSN:
		s->insn_cycles += ev->u.insn.cycles;
		break;
	case OBS_SAMPLE:
		s->samples++;
		assert_non_null(ev->u.sample.k);
		break;
	default:
		break;
	}
}

static bool step_all(void *ctx, uint32_t machine, uint32_t vm, uint64_t now)
{
	return true;
}

// Runs code (image from elfgen via vmrun, or img when given) twice: plain and observed.
static void compare(const uint8_t *code, size_t len, uint32_t entry, struct image *img,
		    const struct kernel_config *cfg, bool expect_insns)
{
	uint64_t d0, d1, cycles = 0;
	struct seen s = { .running = -1 };
	for (int pass = 0; pass < 2; pass++) {
		struct vmrun r;
		char err[256];
		if (img) {
			r.img = NULL;
			if (kernel_new(&r.k, cfg, img, err, sizeof err) != 0)
				fail_msg("kernel_new: %s", err);
		} else {
			vmrun_new(&r, code, len, entry, cfg);
		}
		if (pass == 1) {
			struct obs_sub sub = { .cats = OBS_CAT_ALL, .fn = on_event, .step = step_all, .ctx = &s, .sample_cycles = 50000 };
			assert_int_equal(kernel_observe(r.k, &sub), 0);
		}
		kernel_run(r.k);
		*(pass ? &d1 : &d0) = kernel_digest(r.k);
		if (pass == 1)
			for (uint32_t i = 0; i < cfg->nvms; i++)
				cycles += r.k->vms[i].cpu.cycles;
		kernel_free(r.k);
		if (!img)
			image_free(r.img);
	}
	if (d0 != d1)
		fail_msg("digest %016llx observed, %016llx plain", (unsigned long long)d1,
			 (unsigned long long)d0);
	assert_false(s.bad_order);
	assert_false(s.bad_pair);
	assert_int_equal(s.events[OBS_DISPATCH], s.events[OBS_DESCHED]);
	assert_true(s.samples >= 2); // the first at time 0, the last at the end
	if (expect_insns) {
		assert_true(s.events[OBS_INSN] > 0);
		if (s.insn_cycles != cycles)
			fail_msg("instructions reported cost %llu cycles, the VMs used %llu",
				 (unsigned long long)s.insn_cycles, (unsigned long long)cycles);
	}
}

static const uint32_t hostile_cases[] = { HOSTILE_CASE_SPIN, HOSTILE_CASE_PIO_STORM,
					  HOSTILE_CASE_TOUCH_ALL, HOSTILE_CASE_SMC,
					  HOSTILE_CASE_KERNEL_JUMP, HOSTILE_CASE_ABSURD_IDLE };

static void test_hostile(void **state)
{
	static const int blocks[] = { 1, 3, 32 };
	static const uint64_t quanta[] = { 17000, 3400 };
	for (size_t c = 0; c < sizeof hostile_cases / sizeof hostile_cases[0]; c++)
		for (size_t b = 0; b < 3; b++)
			for (size_t q = 0; q < 2; q++) {
				struct kernel_config cfg = vmrun_config(3);
				cfg.max_time_cycles = 1700000; // 1 ms
				cfg.block_max_insns = blocks[b];
				cfg.quantum_cycles = quanta[q];
				compare(hostile_code, sizeof hostile_code, hostile_cases[c], NULL, &cfg,
					true);
			}
}

// Self-modifying code in a loop, preempted at every point of the loop in turn: stores
// into data on the code page (smcloop) and into decoded code elsewhere, on this page
// and the next (smcfar; stores into the rest of the running block are checked at the
// CPU layer, against cpu_step_budget, by the fuzz corpus); long REP string
// instructions, preempted inside.
static void test_smc_loop(void **state)
{
	static const uint64_t quanta[] = { 1700, 1703, 1711, 3407 };
	for (int b = 0; b < 2; b++)
		for (size_t q = 0; q < sizeof quanta / sizeof quanta[0]; q++) {
			struct kernel_config cfg = vmrun_config(3);
			cfg.block_max_insns = b ? 4 : 0;
			cfg.quantum_cycles = quanta[q];
			compare(smcloop_code, sizeof smcloop_code, 0, NULL, &cfg, true);
			compare(smcfar_code, sizeof smcfar_code, 0, NULL, &cfg, true);
			compare(reploop_code, sizeof reploop_code, 0, NULL, &cfg, true);
		}
}

static void test_exceptions_and_timers(void **state)
{
	for (int sync = 0; sync < 2; sync++) {
		struct kernel_config cfg = vmrun_config(2);
		cfg.max_time_cycles = 17000000; // 10 ms
		cfg.block_max_insns = sync ? 3 : 0;
		cfg.intr.kind = sync ? INTR_SYNC : INTR_BATCHED;
		compare(exc_code, sizeof exc_code, 0, NULL, &cfg, true);
		compare(timer_code, sizeof timer_code, 0, NULL, &cfg, true);
		compare(burst_code, sizeof burst_code, 0, NULL, &cfg, true);
	}
}

// Swapping: VMs touching more memory than the model has, so every dispatch may swap
// another VM out and blocks come back one fault at a time.
static void test_swapping(void **state)
{
	struct image *img;
	char err[256];
	uint32_t mem = 1u << 20;
	assert_int_equal(synth_touch(&img, mem, 0x20000, 40, 4096, 200, 20000, err, sizeof err), 0);
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = 12;
	cfg.mem_size = mem;
	cfg.max_time_cycles = 17000000;
	cfg.pm.phys_bytes = 4u << 20;
	cfg.pm.block_bytes = 8192;
	compare(NULL, 0, 0, img, &cfg, true);
	image_free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_smc_loop),
		cmocka_unit_test(test_exceptions_and_timers),
		cmocka_unit_test(test_swapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
