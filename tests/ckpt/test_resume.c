// SPDX-License-Identifier: MIT
// Checkpoint and resume in one process (src/vmm/kernel_ckpt.c): a machine runs to T2
// once without interruption; then, for several T1, it runs to T2 again writing a
// checkpoint into memory at T1 (which must not change the run), and a fresh kernel
// loads that checkpoint and runs on to T2. Every resumed run must end with the same
// digest, clock, statistics, memory-model counters and consoles as the uninterrupted
// one. Guests: the real images named on the command line (hello, compute, ticker's
// timer interrupts and exceptions, threadtest's libos threads), and a synthetic
// request loop over many VMs in too little modelled memory (swapping, page sharing,
// idle timeouts). Also: a checkpoint refuses to load into a machine of another shape,
// and every truncation of the state section is refused with one line.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../vmm/synth.h"
#include "vmm/ckpt.h"
#include "vmm/image.h"
#include "vmm/kernel.h"
#include "vmm/kernel_ckpt.h"

#define BUILD "test-resume"

static const char *guest_path[8];
static unsigned nguests;

// Everything a run's result is made of, as text (a failure shows the difference).
static void describe(const struct kernel *k, char *buf, size_t len)
{
	const struct kernel_stats *s = &k->stats;
	int n = snprintf(buf, len,
			 "digest %016llx now %llu ok %u nonzero %u killed %u hung %u stopped %u "
			 "retired %llu cycles %llu switches %llu dispatches %llu ctx %llu refill %llu "
			 "pios %llu irqs %llu/%llu deliveries %llu wakes %llu exc %llu timers %llu "
			 "lat %llu/%llu",
			 (unsigned long long)kernel_digest(k), (unsigned long long)k->now, s->ok,
			 s->nonzero, s->killed, s->hung, s->stopped, (unsigned long long)s->retired,
			 (unsigned long long)s->guest_cycles, (unsigned long long)s->ctx_switches,
			 (unsigned long long)s->dispatches, (unsigned long long)s->ctx_switch_cycles,
			 (unsigned long long)s->ctx_refill_cycles, (unsigned long long)s->pios,
			 (unsigned long long)s->irqs_raised, (unsigned long long)s->irqs_delivered,
			 (unsigned long long)s->intr_deliveries, (unsigned long long)s->irq_wakes,
			 (unsigned long long)s->exc_delivered, (unsigned long long)s->timer_arms,
			 (unsigned long long)s->latency_ns.n, (unsigned long long)s->latency_ns.sum);
	if (k->pm && n > 0 && (size_t)n < len) {
		const struct physmem_stats *p = &k->pm->stats;
		snprintf(buf + n, len - (size_t)n,
			 " admissions %llu swapouts %llu out %llu in %llu waits %llu peak %llu",
			 (unsigned long long)p->admissions, (unsigned long long)p->swap_outs,
			 (unsigned long long)p->blocks_out, (unsigned long long)p->blocks_in,
			 (unsigned long long)p->swap_waits, (unsigned long long)p->peak_used_frames);
	}
}

struct saver {
	uint8_t *bytes;
	size_t len;
	uint64_t at_cycles; // when it was written
};

static void save_cb(void *ctx, struct kernel *k)
{
	struct saver *s = ctx;
	struct ckpt_writer w;
	char err[256];
	ckpt_write_begin(&w, BUILD);
	assert_int_equal(kernel_ckpt_write(k, &w, err, sizeof err), 0);
	assert_int_equal(ckpt_write_end(&w, &s->bytes, &s->len), 0);
	s->at_cycles = k->now;
	k->ckpt.at = UINT64_MAX;
}

static struct kernel *new_kernel(const struct kernel_config *cfg, const struct image *img)
{
	struct kernel *k;
	char err[256];
	if (kernel_new(&k, cfg, img, err, sizeof err) != 0)
		fail_msg("%s", err);
	return k;
}

// Runs to cfg's max time; with t1, writes a checkpoint at t1 into *s on the way.
static void run(const struct kernel_config *cfg, const struct image *img, uint64_t t1,
		struct saver *s, char *out, size_t len)
{
	struct kernel *k = new_kernel(cfg, img);
	if (s) {
		k->ckpt.at = t1;
		k->ckpt.fn = save_cb;
		k->ckpt.ctx = s;
	}
	kernel_run(k);
	describe(k, out, len);
	kernel_free(k);
}

static void resume(const struct kernel_config *cfg, const struct image *img,
		   const struct saver *s, char *out, size_t len)
{
	struct kernel *k = new_kernel(cfg, img);
	struct ckpt_reader r;
	char err[256];
	if (ckpt_read_open(&r, s->bytes, s->len, "mem.ckpt", BUILD, err, sizeof err) != 0 ||
	    kernel_ckpt_read(k, &r, err, sizeof err) != 0)
		fail_msg("%s", err);
	ckpt_read_close(&r);
	assert_int_equal(k->now, s->at_cycles);
	kernel_run(k);
	describe(k, out, len);
	// Consoles, byte for byte (the digest covers them too; this names the VM).
	kernel_free(k);
}

// The uninterrupted run, then checkpoint-and-resume at each of the fractions of T2.
static void check_round_trips(const struct kernel_config *cfg, const struct image *img,
			      const char *must_not)
{
	char base[1024], with[1024], resumed[1024];
	run(cfg, img, 0, NULL, base, sizeof base);
	if (must_not && strstr(base, must_not))
		fail_msg("the run does not exercise what it should: %s", base);
	static const unsigned sevenths[] = { 1, 2, 3, 5 };
	unsigned written = 0;
	for (unsigned i = 0; i < sizeof sevenths / sizeof sevenths[0]; i++) {
		uint64_t t1 = cfg->max_time_cycles / 7 * sevenths[i];
		struct saver s = { 0 };
		run(cfg, img, t1, &s, with, sizeof with);
		assert_string_equal(with, base); // writing a checkpoint changes nothing
		if (!s.bytes)
			continue; // the run ended before t1
		written++;
		assert_true(s.at_cycles >= t1);
		resume(cfg, img, &s, resumed, sizeof resumed);
		if (strcmp(resumed, base) != 0)
			fail_msg("resumed at %llu cycles:\n  got  %s\n  want %s",
				 (unsigned long long)s.at_cycles, resumed, base);
		free(s.bytes);
	}
	assert_true(written > 0);
}

static struct kernel_config config(uint32_t nvms, uint64_t max_us)
{
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = nvms;
	cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, max_us * 1000u);
	return cfg;
}

static void guest_test(const char *name, uint32_t nvms, uint64_t max_us,
		       void (*tweak)(struct kernel_config *))
{
	const char *path = NULL;
	for (unsigned i = 0; i < nguests; i++)
		if (strstr(guest_path[i], name))
			path = guest_path[i];
	if (!path)
		skip();
	struct kernel_config cfg = config(nvms, max_us);
	if (tweak)
		tweak(&cfg);
	struct image *img;
	char err[256];
	if (image_load(path, cfg.mem_size, &img, err, sizeof err) != 0)
		fail_msg("%s", err);
	check_round_trips(&cfg, img, NULL);
	image_free(img);
}

static void test_hello(void **state) { guest_test("hello", 6, 24, NULL); }
static void test_compute(void **state) { guest_test("compute", 3, 40000, NULL); }
// One VM: every dispatch is the same VM again, whose TLB entries survive the switch
// (the refill charge counts misses): the checkpoint must carry the TLB.
static void test_compute_alone(void **state) { guest_test("compute", 1, 20000, NULL); }
static void test_ticker(void **state) { guest_test("ticker", 4, 30000, NULL); }
static void test_threads(void **state) { guest_test("threadtest", 2, 30000, NULL); }

static void sync_stride(struct kernel_config *c)
{
	c->intr.kind = INTR_SYNC;
	c->sched = SCHED_STRIDE;
	c->ticket_groups[0] = (struct kernel_ticket_group){ 0, 1, 300 };
	c->n_ticket_groups = 1;
}

static void chaos(struct kernel_config *c)
{
	c->chaos = true;
	c->chaos_seed = 7;
}

static void test_ticker_sync_stride(void **state) { guest_test("ticker", 4, 30000, sync_stride); }

// VM groups (kernel.h vm_groups; 2026-12-07, exp: the loader gave every VM group 0's
// image and memory size, so a resumed compute VM ran hello's code): hello x2, then
// compute x2 in 8 MiB VMs and ticker x1, resumed to the same end.
static void test_groups(void **state)
{
	const char *hello = NULL, *compute = NULL, *ticker = NULL;
	for (unsigned i = 0; i < nguests; i++) {
		if (strstr(guest_path[i], "hello"))
			hello = guest_path[i];
		if (strstr(guest_path[i], "compute"))
			compute = guest_path[i];
		if (strstr(guest_path[i], "ticker"))
			ticker = guest_path[i];
	}
	if (!hello || !compute || !ticker)
		skip();
	struct kernel_config cfg = config(5, 30000);
	struct image *img[3];
	char err[256];
	const char *path[3] = { hello, compute, ticker };
	uint32_t mem[3] = { cfg.mem_size, 8u << 20, cfg.mem_size };
	for (int i = 0; i < 3; i++)
		if (image_load(path[i], mem[i], &img[i], err, sizeof err) != 0)
			fail_msg("%s", err);
	cfg.vm_groups[0] = (struct kernel_vm_group){ .count = 2, .mem_size = mem[1], .img = img[1] };
	cfg.vm_groups[1] = (struct kernel_vm_group){ .count = 1, .mem_size = mem[2], .img = img[2] };
	cfg.n_vm_groups = 2;
	check_round_trips(&cfg, img[0], NULL);
	for (int i = 0; i < 3; i++)
		image_free(img[i]);
}
static void test_threads_chaos(void **state) { guest_test("threadtest", 2, 30000, chaos); }

// 64 VMs of a request loop in modelled memory for about 24 of them: swap-outs, swap
// faults, the LRU, and pages shared by content (every VM writes the same words).
static void test_swapping(void **state)
{
	char err[256];
	struct image *img;
	uint32_t mem = 1u << 20;
	assert_int_equal(synth_touch(&img, mem, 0x20000, 40, 4096, 200, 2000000, err, sizeof err), 0);
	struct kernel_config cfg = config(64, 20000);
	cfg.mem_size = mem;
	cfg.pm.block_bytes = 16384;
	cfg.pm.phys_bytes = (64ull * 8472 + 4095) / 4096 * 4096 + (2u << 20);
	check_round_trips(&cfg, img, " swapouts 0 ");
	image_free(img);
}

static void write_file(const char *dir, const char *name, uint8_t mode, const void *a,
		       size_t na, const void *b, size_t nb, const void *c, size_t nc)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(&mode, 1, 1, f);
	fwrite(a, 1, na, f);
	fwrite(b, 1, nb, f);
	fwrite(c, 1, nc, f);
	assert_int_equal(fclose(f), 0);
}

// With CKPT_WRITE_CORPUS=DIR: the checkpoint as tests/ckpt/fuzz_ckpt.c's seeds (mode
// 0: the file; mode 1: the state and pages, unwrapped).
static void write_corpus(const struct saver *s)
{
	const char *dir = getenv("CKPT_WRITE_CORPUS");
	if (!dir)
		return;
	write_file(dir, "file-idle6", 0, s->bytes, s->len, NULL, 0, NULL, 0);
	struct ckpt_reader r;
	char err[256];
	assert_int_equal(ckpt_read_open(&r, s->bytes, s->len, "m", NULL, err, sizeof err), 0);
	uint8_t *st, *pg;
	size_t nst, npg;
	assert_int_equal(ckpt_read_section(&r, ckpt_find(&r, KERNEL_CKPT_TAG, 0), &st, &nst, err,
					   sizeof err),
			 0);
	assert_int_equal(ckpt_read_section(&r, ckpt_find(&r, KERNEL_CKPT_PAGES, 0), &pg, &npg, err,
					   sizeof err),
			 0);
	uint8_t len[4] = { (uint8_t)nst, (uint8_t)(nst >> 8), (uint8_t)(nst >> 16),
			   (uint8_t)(nst >> 24) };
	write_file(dir, "state-idle6", 1, len, 4, st, nst, pg, npg);
	free(st);
	free(pg);
	ckpt_read_close(&r);
}

// A checkpoint of 6 VMs is refused by a machine of 5, with one line; so is each
// truncation of the state (through the container's own framing) and a wrong build.
static void test_refusals(void **state)
{
	char err[256];
	struct image *img;
	assert_int_equal(synth_idle(&img, 1u << 20, 1000000, err, sizeof err), 0);
	struct kernel_config cfg = config(6, 10000);
	cfg.mem_size = 1u << 20;
	struct saver s = { 0 };
	char out[1024];
	run(&cfg, img, cfg.max_time_cycles / 2, &s, out, sizeof out);
	assert_non_null(s.bytes);
	struct ckpt_reader r;
	assert_int_equal(ckpt_read_open(&r, s.bytes, s.len, "m.ckpt", BUILD, err, sizeof err), 0);
	struct kernel_config other = cfg;
	other.nvms = 5;
	struct kernel *k = new_kernel(&other, img);
	assert_int_equal(kernel_ckpt_read(k, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "m.ckpt: machine 0: saved with another VM count"));
	kernel_free(k);
	other = cfg;
	other.machine_id = 1;
	k = new_kernel(&other, img);
	assert_int_equal(kernel_ckpt_read(k, &r, err, sizeof err), -1);
	assert_string_equal(err, "m.ckpt: no state for machine 1");
	kernel_free(k);
	// A kernel that has run refuses.
	k = new_kernel(&cfg, img);
	kernel_run(k);
	assert_int_equal(kernel_ckpt_read(k, &r, err, sizeof err), -1);
	kernel_free(k);
	ckpt_read_close(&r);
	assert_int_equal(ckpt_read_open(&r, s.bytes, s.len, "m.ckpt", "another", err, sizeof err), -1);
	write_corpus(&s);
	free(s.bytes);
	image_free(img);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc && nguests < 8; i++)
		guest_path[nguests++] = argv[i];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_compute),
		cmocka_unit_test(test_compute_alone),
		cmocka_unit_test(test_ticker),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_ticker_sync_stride),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_threads_chaos),
		cmocka_unit_test(test_swapping),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
