// SPDX-License-Identifier: MIT
// Fuzz target for the gdb stub's untrusted input (src/gdb/rsp.c framing, src/gdb/stub.c
// commands): the input is a byte stream as gdb would send it. It is framed by rsp_feed
// and every complete packet is answered by gdb_stub_packet against a real machine of
// two VMs stopped by the control interface (the stop callback runs the stream), then
// once more after the run has ended. Any reply is fine but a crash, a sanitizer report,
// a reply longer than GDB_REPLY_MAX or one that cannot be framed.
// Built as a libFuzzer target by tests/gdb/fuzz-rsp (clang -fsanitize=fuzzer,...);
// linked with tests/lib/fuzz_replay.c instead, it replays tests/gdb/corpus under
// `meson test` in both builds.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vmm/elfgen.h"
#include "gdb/rsp.h"
#include "gdb/stub.h"
#include "vmm/ctl.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
	const uint8_t *data;
	size_t size;
	bool done;
	struct gdb_stub st;
};

static void run_stream(struct feed *f, struct kernel *k)
{
	struct rsp_in *in = malloc(sizeof *in);
	char *reply = malloc(GDB_REPLY_MAX), *framed = malloc(2 * GDB_REPLY_MAX + 8);
	if (!in || !reply || !framed)
		abort();
	rsp_in_init(in);
	for (size_t i = 0; i < f->size; i++) {
		if (rsp_feed(in, f->data[i]) != RSP_PACKET)
			continue;
		if (in->len > RSP_MAX_PACKET || in->buf[in->len] != '\0')
			abort();
		size_t n;
		enum gdb_act a = gdb_stub_packet(&f->st, in->buf, in->len, reply, &n);
		if (n > GDB_REPLY_MAX || (n && !rsp_frame(reply, n, framed, 2 * GDB_REPLY_MAX + 8)))
			abort();
		if (a == GDB_KILL || a == GDB_DETACH)
			break;
	}
	size_t n = gdb_stub_stop_reply(&f->st, reply);
	if (n > 64)
		abort();
	free(in);
	free(reply);
	free(framed);
}

static void on_stop(void *ctx, struct kernel *k, const struct ctl_stop *st)
{
	struct feed *f = ctx;
	f->st.last = *st;
	f->st.have_stop = true;
	f->st.cur = st->vm;
	if (f->done)
		return; // a later stop (a step or breakpoint the stream set): go on
	f->done = true;
	run_stream(f, k);
}

static struct image *the_image(void)
{
	static struct image *img;
	if (img)
		return img;
	// mov ecx, 0; loop: inc dword [0x11000]; inc ecx; jmp loop
	static const uint8_t code[] = { 0xb9, 0, 0, 0, 0, 0xff, 0x05, 0x00, 0x10, 0x01, 0x00,
					0x41, 0xeb, 0xf7 };
	static const uint8_t dat[16];
	uint8_t elf[8192];
	size_t len = elfgen_program(elf, sizeof elf, code, sizeof code, dat, sizeof dat, 4096);
	char err[256];
	if (!len || image_parse(elf, len, "fuzz", 1u << 20, &img, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_rsp: image: %s\n", err);
		abort();
	}
	return img;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = 2;
	cfg.mem_size = 1u << 20;
	cfg.max_time_cycles = 40000; // a few quanta: stops, steps and breakpoints happen
	struct kernel *k;
	char err[256];
	if (kernel_new(&k, &cfg, the_image(), err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_rsp: kernel_new: %s\n", err);
		abort();
	}
	struct feed f = { .data = data, .size = size };
	gdb_stub_init(&f.st, k);
	struct ctl_client cl = { .stop = on_stop, .ctx = &f };
	if (ctl_attach(k, &cl) != 0)
		abort();
	ctl_request_stop(k);
	kernel_run(k);
	// The same stream once the run has ended (gdb may still ask).
	f.st.ended = true;
	f.st.status = 1;
	run_stream(&f, k);
	kernel_free(k);
	return 0;
}
