// SPDX-License-Identifier: MIT
// Fuzz target for the checkpoint reader: the container (src/vmm/ckpt.c) and a machine's
// state (kernel_ckpt.c, mem_ckpt.c and the modules' own loaders). Built as a libFuzzer
// target by tests/ckpt/fuzz-ckpt; linked with tests/lib/fuzz_replay.c instead, it
// replays tests/ckpt/corpus under `meson test` in the normal and ASan builds.
// The first input byte picks the mode:
//   0  the rest is a checkpoint file, read as `denali resume` reads one;
//   1  the rest is a u32 length L, L bytes of machine state and then page contents:
//      they are wrapped into a valid file (checksums right) so that the fuzzer reaches
//      the state parser, which a checksum would otherwise shield.
// Either way the machine is the one tests/ckpt/test_resume.c saves for the corpus
// (6 VMs of synth_idle, 1 MiB each). Any refusal is fine; a crash, a sanitizer report
// or a refusal that is not one line naming the file is a bug. An accepted state is run
// for a while: what a checkpoint loads must be safe to run.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vmm/synth.h"
#include "vmm/ckpt.h"
#include "vmm/image.h"
#include "vmm/kernel.h"
#include "vmm/kernel_ckpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct image *img;

static void machine(struct kernel_config *cfg)
{
	kernel_config_default(cfg);
	cfg->nvms = 6;
	cfg->mem_size = 1u << 20;
	cfg->max_time_cycles = kernel_ns_to_cycles(cfg, 10000000u);
}

static void check_line(const char *err)
{
	if (!strstr(err, "fuzz.ckpt: ") && strncmp(err, "checkpoint: ", 12) != 0)
		abort();
	if (strchr(err, '\n'))
		abort();
}

static void load(const uint8_t *file, size_t len)
{
	char err[512] = "";
	struct ckpt_reader r;
	if (ckpt_read_open(&r, file, len, "fuzz.ckpt", NULL, err, sizeof err) != 0) {
		check_line(err);
		return;
	}
	r.max_raw = 64u << 20;
	struct kernel_config cfg;
	machine(&cfg);
	struct kernel *k;
	if (kernel_new(&k, &cfg, img, err, sizeof err) != 0)
		abort();
	if (kernel_ckpt_read(k, &r, err, sizeof err) != 0) {
		check_line(err);
	} else {
		// Run on, with the time limit pushed near the loaded clock.
		k->cfg.max_time_cycles = k->now + 200000;
		kernel_run(k);
	}
	kernel_free(k);
	ckpt_read_close(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!img) {
		char err[256];
		if (synth_idle(&img, 1u << 20, 1000000, err, sizeof err) != 0)
			abort();
	}
	if (size < 1)
		return 0;
	if (data[0] == 0) {
		load(data + 1, size - 1);
		return 0;
	}
	if (size < 5)
		return 0;
	uint32_t n = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
		     (uint32_t)data[4] << 24;
	const uint8_t *state = data + 5;
	size_t left = size - 5;
	if (n > left)
		n = (uint32_t)left;
	struct ckpt_writer w;
	ckpt_write_begin(&w, "fuzz");
	uint8_t *file;
	size_t len;
	if (ckpt_write_section(&w, KERNEL_CKPT_TAG, 0, state, n) != 0 ||
	    ckpt_write_section(&w, KERNEL_CKPT_PAGES, 0, state + n, left - n) != 0 ||
	    ckpt_write_end(&w, &file, &len) != 0)
		return 0;
	load(file, len);
	free(file);
	return 0;
}
