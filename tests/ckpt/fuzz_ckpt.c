// SPDX-License-Identifier: MIT
// Fuzz target for the checkpoint reader: the container (src/vmm/ckpt.c), a machine's
// state (kernel_ckpt.c, mem_ckpt.c and the modules' own loaders), the devices' state
// (devset_ckpt_load: NICs, switch, trace replay position, disks, console input) and the
// link between machines (world_ckpt_load). Built as a libFuzzer target by
// tests/ckpt/fuzz-ckpt; linked with tests/lib/fuzz_replay.c instead, it replays
// tests/ckpt/corpus under `meson test` in the normal and ASan builds.
// The first input byte picks the machine and the mode:
//   0  the rest is a checkpoint file, read as `denali resume` reads one;
//   1  the rest is a u32 length L, L bytes of machine state and then page contents:
//      they are wrapped into a valid file (checksums right) so that the fuzzer reaches
//      the state parser, which a checksum would otherwise shield;
//   2, 3  the same for a machine with devices: NICs and the switch, a trace replayed
//      (looped, rewritten) into them, a read-write disk on VM 0, a read-only disk on
//      every VM, console input;
//   4  a checkpoint file of two machines (the first with those devices) and the link;
//   5  the rest is the kernel-data cache section (CTXC) of a machine with that model
//      on (--ctx-vm-footprint): it is wrapped, with that machine's real state and pages
//      taken mid-run, into a valid file.
// The machines are 6 VMs of synth_idle, 1 MiB each (two machines: 3 VMs each). Any
// refusal is fine; a crash, a sanitizer report or a refusal that is not one line naming
// the file is a bug. An accepted state is run for a while: what a checkpoint loads must
// be safe to run. The files the devices read are made once in a temporary directory.
// With CKPT_WRITE_SEEDS=DIR the first call also writes seeds for modes 2, 3 and 4 there
// (checkpoints of those machines taken mid-run): how tests/ckpt/corpus/*-dev6,
// file-link2 and ctxc-idle6 were made.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vmm/synth.h"
#include "vmm/ckpt.h"
#include "vmm/devhost.h"
#include "vmm/image.h"
#include "vmm/kernel.h"
#include "vmm/kernel_ckpt.h"
#include "vmm/world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct image *img;
static char dir[64], trace[96], rw_disk[96], ro_disk[96];

// Set while mode 5 builds and loads its machines: the kernel-data cache model on, at
// 1 KiB per VM.
static bool ctxc_on;

static void machine(struct kernel_config *cfg, uint32_t nvms, uint32_t id)
{
	kernel_config_default(cfg);
	cfg->nvms = nvms;
	cfg->mem_size = 1u << 20;
	cfg->machine_id = id;
	cfg->max_time_cycles = kernel_ns_to_cycles(cfg, 10000000u);
	if (ctxc_on)
		cfg->ctx_cache.vm_bytes = 1024;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

// The device files: a pcap trace of 24 UDP frames over 6 ms, a read-write disk image
// with some written blocks and a read-only one.
static void make_files(void)
{
	snprintf(dir, sizeof dir, "/tmp/denali-fuzz-ckpt-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(trace, sizeof trace, "%s/t.pcap", dir);
	snprintf(rw_disk, sizeof rw_disk, "%s/rw.img", dir);
	snprintf(ro_disk, sizeof ro_disk, "%s/ro.img", dir);
	FILE *f = fopen(trace, "wb");
	uint8_t h[24] = { 0 };
	put32(h, 0xa1b2c3d4u);
	put16(h + 4, 2);
	put16(h + 6, 4);
	put32(h + 16, 65535);
	put32(h + 20, 1); // Ethernet
	fwrite(h, 1, sizeof h, f);
	for (uint32_t i = 0; i < 24; i++) {
		uint8_t r[16], fr[60] = { 0 };
		put32(r, 0);
		put32(r + 4, 250u * i); // us
		put32(r + 8, sizeof fr);
		put32(r + 12, sizeof fr);
		memset(fr, 0xff, 6);
		fr[6] = 2;
		fr[11] = (uint8_t)i;
		fr[12] = 0x08; // IPv4, UDP
		fr[14] = 0x45;
		fr[17] = 46;
		fr[22] = 64;
		fr[23] = 17;
		fr[26] = 10;
		fr[29] = (uint8_t)(i + 1);
		fr[30] = 10;
		fr[33] = 1;
		fr[35] = (uint8_t)(1000 + i);
		fr[37] = 53;
		fwrite(r, 1, sizeof r, f);
		fwrite(fr, 1, sizeof fr, f);
	}
	if (fclose(f) != 0)
		abort();
	uint8_t block[4096];
	f = fopen(rw_disk, "wb");
	for (uint32_t b = 0; b < 16; b++) {
		memset(block, b % 3 ? 0 : (int)(0x40 + b), sizeof block);
		fwrite(block, 1, sizeof block, f);
	}
	if (fclose(f) != 0)
		abort();
	f = fopen(ro_disk, "wb");
	memset(block, 0x5a, sizeof block);
	for (uint32_t b = 0; b < 16; b++)
		fwrite(block, 1, sizeof block, f);
	if (fclose(f) != 0)
		abort();
}

// Machine 0's devices (full: the trace, the disks, console input), or a machine's
// NICs only.
static void devices(struct devset_config *c, bool full)
{
	devset_config_default(c);
	if (!full)
		return;
	c->pcap_in = trace;
	c->pcap_loops = 3;
	c->pcap_rewrite = true;
	c->pcap_seed = 5;
	c->disks[0] = (struct devset_disk_spec){ .path = rw_disk, .first_vm = 0, .last_vm = 0 };
	c->disks[1] = (struct devset_disk_spec){ .path = ro_disk, .readonly = true, .first_vm = 0, .last_vm = UINT32_MAX };
	c->ndisks = 2;
	c->console_text = "fuzzing\n";
}

static struct kernel *new_kernel(uint32_t nvms, uint32_t id, bool dev, struct world *w)
{
	struct kernel_config cfg;
	machine(&cfg, nvms, id);
	struct kernel *k;
	char err[512];
	if (kernel_new(&k, &cfg, img, err, sizeof err) != 0)
		abort();
	if (dev || w) {
		struct devset_config c;
		devices(&c, dev);
		c.nvms = nvms;
		if (c.ndisks)
			c.disks[1].last_vm = nvms - 1;
		if (w)
			world_uplink(w, id, &c);
		if (devhost_attach(k, &c, err, sizeof err) != 0)
			abort();
	}
	if (w && world_add(w, k, err, sizeof err) != 0)
		abort();
	return k;
}

static void free_kernel(struct kernel *k)
{
	char err[512];
	devhost_detach(k, err, sizeof err);
	kernel_free(k);
}

// CKPT_FUZZ_VERBOSE set: says on stderr whether each input was refused (and why) or
// run, to see that a seed reaches as far as it should.
static void verbose(const char *what)
{
	if (getenv("CKPT_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_ckpt: %s\n", what);
}

static void check_line(const char *err)
{
	verbose(err);
	if (!strstr(err, "fuzz.ckpt: ") && strncmp(err, "checkpoint: ", 12) != 0)
		abort();
	if (strchr(err, '\n'))
		abort();
}

static void load(const uint8_t *file, size_t len, bool dev)
{
	char err[512] = "";
	struct ckpt_reader r;
	if (ckpt_read_open(&r, file, len, "fuzz.ckpt", NULL, err, sizeof err) != 0) {
		check_line(err);
		return;
	}
	r.max_raw = 64u << 20;
	struct kernel *k = new_kernel(6, 0, dev, NULL);
	if (kernel_ckpt_read(k, &r, err, sizeof err) != 0) {
		check_line(err);
	} else {
		// Run on, with the time limit pushed near the loaded clock.
		verbose("loaded; running on");
		k->cfg.max_time_cycles = k->now + 200000;
		kernel_run(k);
	}
	free_kernel(k);
	ckpt_read_close(&r);
}

static void load_world(const uint8_t *file, size_t len)
{
	char err[512] = "";
	struct ckpt_reader r;
	if (ckpt_read_open(&r, file, len, "fuzz.ckpt", NULL, err, sizeof err) != 0) {
		check_line(err);
		return;
	}
	r.max_raw = 64u << 20;
	struct world_config wc;
	world_config_default(&wc);
	struct world w;
	world_init(&w, &wc);
	struct kernel *k[2] = { new_kernel(3, 0, true, &w), new_kernel(3, 1, false, &w) };
	bool ok = true;
	for (uint32_t m = 0; m < 2 && ok; m++)
		if (kernel_ckpt_read(k[m], &r, err, sizeof err) != 0) {
			check_line(err);
			ok = false;
		}
	const struct ckpt_section *s = ckpt_find(&r, CKPT_TAG('W', 'R', 'L', 'D'), 0);
	uint8_t *p = NULL;
	size_t n = 0;
	if (ok && (!s || ckpt_read_section(&r, s, &p, &n, err, sizeof err) != 0))
		ok = false;
	if (ok) {
		struct unpack u;
		unpack_init(&u, p, n);
		ok = world_ckpt_load(&w, &u) == 0;
	}
	free(p);
	if (ok) {
		verbose("loaded two machines and the link; running on");
		uint64_t t = k[0]->now > k[1]->now ? k[0]->now : k[1]->now;
		w.kc.max_time_cycles = t + 200000;
		for (uint32_t m = 0; m < 2; m++)
			k[m]->cfg.max_time_cycles = t + 200000;
		world_run(&w);
	}
	world_free(&w);
	free_kernel(k[0]);
	free_kernel(k[1]);
	ckpt_read_close(&r);
}

// --- seeds (CKPT_WRITE_SEEDS=DIR) ----------------------------------------------------

struct seed {
	uint8_t *bytes;
	size_t len;
};

static void save_k(void *ctx, struct kernel *k)
{
	struct seed *s = ctx;
	struct ckpt_writer w;
	char err[512];
	ckpt_write_begin(&w, "fuzz");
	if (kernel_ckpt_write(k, &w, err, sizeof err) != 0 ||
	    ckpt_write_end(&w, &s->bytes, &s->len) != 0)
		abort();
	k->ckpt.at = UINT64_MAX;
}

static void save_w(void *ctx, struct world *wd)
{
	struct seed *s = ctx;
	struct ckpt_writer w;
	char err[512];
	ckpt_write_begin(&w, "fuzz");
	for (uint32_t m = 0; m < wd->n; m++)
		if (kernel_ckpt_write(wd->m[m].k, &w, err, sizeof err) != 0)
			abort();
	struct pack b;
	pack_init(&b);
	world_ckpt_save(wd, &b);
	if (ckpt_write_section(&w, CKPT_TAG('W', 'R', 'L', 'D'), 0, b.p, b.len) != 0 ||
	    ckpt_write_end(&w, &s->bytes, &s->len) != 0)
		abort();
	pack_free(&b);
	wd->ckpt.at = UINT64_MAX;
}

static void write_seed(const char *out, const char *name, uint8_t mode, const uint8_t *a,
		       size_t na, const uint8_t *b, size_t nb)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", out, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(&mode, 1, 1, f) != 1 || fwrite(a, 1, na, f) != na ||
	    (nb && fwrite(b, 1, nb, f) != nb) || fclose(f) != 0)
		abort();
}

static uint8_t *ctxc_state, *ctxc_pages, *ctxc_real;
static size_t ctxc_nstate, ctxc_npages, ctxc_nreal;
static void ctxc_base(void);

static void write_seeds(const char *out)
{
	struct seed s = { 0 };
	struct kernel *k = new_kernel(6, 0, true, NULL);
	k->ckpt.at = kernel_ns_to_cycles(&k->cfg, 3000000u); // mid-trace
	k->ckpt.fn = save_k;
	k->ckpt.ctx = &s;
	kernel_run(k);
	free_kernel(k);
	if (!s.bytes)
		abort();
	write_seed(out, "file-dev6", 2, s.bytes, s.len, NULL, 0);
	struct ckpt_reader r;
	char err[512];
	uint8_t *st, *pg;
	size_t nst, npg;
	if (ckpt_read_open(&r, s.bytes, s.len, "m", NULL, err, sizeof err) != 0 ||
	    ckpt_read_section(&r, ckpt_find(&r, KERNEL_CKPT_TAG, 0), &st, &nst, err,
			      sizeof err) != 0 ||
	    ckpt_read_section(&r, ckpt_find(&r, KERNEL_CKPT_PAGES, 0), &pg, &npg, err,
			      sizeof err) != 0)
		abort();
	uint8_t len[4];
	put32(len, (uint32_t)nst);
	uint8_t *both = malloc(4 + nst);
	memcpy(both, len, 4);
	memcpy(both + 4, st, nst);
	write_seed(out, "state-dev6", 3, both, 4 + nst, pg, npg);
	free(both);
	free(st);
	free(pg);
	ckpt_read_close(&r);
	free(s.bytes);

	struct seed ws = { 0 };
	struct world_config wc;
	world_config_default(&wc);
	struct world w;
	world_init(&w, &wc);
	struct kernel *km[2] = { new_kernel(3, 0, true, &w), new_kernel(3, 1, false, &w) };
	w.ckpt.at = kernel_ns_to_cycles(&km[0]->cfg, 3000000u);
	w.ckpt.fn = save_w;
	w.ckpt.ctx = &ws;
	world_run(&w);
	world_free(&w);
	free_kernel(km[0]);
	free_kernel(km[1]);
	if (!ws.bytes)
		abort();
	write_seed(out, "file-link2", 4, ws.bytes, ws.len, NULL, 0);
	free(ws.bytes);

	ctxc_base();
	write_seed(out, "ctxc-idle6", 5, ctxc_real, ctxc_nreal, NULL, 0);
}

// Mode 5's base: a checkpoint of 6 idle VMs with the kernel-data cache model on,
// taken at 3 ms; its state and page sections, and its own CTXC section (the seed).
static void ctxc_base(void)
{
	struct seed s = { 0 };
	ctxc_on = true;
	struct kernel *k = new_kernel(6, 0, false, NULL);
	k->ckpt.at = kernel_ns_to_cycles(&k->cfg, 3000000u);
	k->ckpt.fn = save_k;
	k->ckpt.ctx = &s;
	kernel_run(k);
	free_kernel(k);
	ctxc_on = false;
	struct ckpt_reader r;
	char err[512];
	if (!s.bytes || ckpt_read_open(&r, s.bytes, s.len, "m", NULL, err, sizeof err) != 0 ||
	    ckpt_read_section(&r, ckpt_find(&r, KERNEL_CKPT_TAG, 0), &ctxc_state, &ctxc_nstate,
			      err, sizeof err) != 0 ||
	    ckpt_read_section(&r, ckpt_find(&r, KERNEL_CKPT_PAGES, 0), &ctxc_pages,
			      &ctxc_npages, err, sizeof err) != 0 ||
	    ckpt_read_section(&r, ckpt_find(&r, KERNEL_CKPT_CTXCACHE, 0), &ctxc_real,
			      &ctxc_nreal, err, sizeof err) != 0)
		abort();
	ckpt_read_close(&r);
	free(s.bytes);
}

static void load_ctxc(const uint8_t *sec, size_t n)
{
	if (!ctxc_state)
		ctxc_base();
	struct ckpt_writer w;
	ckpt_write_begin(&w, "fuzz");
	uint8_t *file;
	size_t len;
	if (ckpt_write_section(&w, KERNEL_CKPT_TAG, 0, ctxc_state, ctxc_nstate) != 0 ||
	    ckpt_write_section(&w, KERNEL_CKPT_PAGES, 0, ctxc_pages, ctxc_npages) != 0 ||
	    ckpt_write_section(&w, KERNEL_CKPT_CTXCACHE, 0, sec, n) != 0 ||
	    ckpt_write_end(&w, &file, &len) != 0)
		return;
	ctxc_on = true;
	load(file, len, false);
	ctxc_on = false;
	free(file);
}

static void cleanup(void)
{
	free(ctxc_state);
	free(ctxc_pages);
	free(ctxc_real);
	unlink(trace);
	unlink(rw_disk);
	unlink(ro_disk);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!img) {
		char err[256];
		if (synth_idle(&img, 1u << 20, 1000000, err, sizeof err) != 0)
			abort();
		make_files();
		atexit(cleanup);
		const char *seeds = getenv("CKPT_WRITE_SEEDS");
		if (seeds)
			write_seeds(seeds);
	}
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	if (mode == 0 || mode == 2) {
		load(data + 1, size - 1, mode == 2);
		return 0;
	}
	if (mode == 4) {
		load_world(data + 1, size - 1);
		return 0;
	}
	if (mode == 5) {
		load_ctxc(data + 1, size - 1);
		return 0;
	}
	if ((mode != 1 && mode != 3) || size < 5)
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
	load(file, len, mode == 3);
	free(file);
	return 0;
}
