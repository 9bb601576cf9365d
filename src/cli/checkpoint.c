// SPDX-License-Identifier: MIT
// Checkpoints from the command line (checkpoint.h): the hook that writes them during a
// run into the run's output files (runfiles.h: whole or not at all), and the loading
// of a machine for `denali resume` (resume.c). Host time is measured here only for
// the report lines; it never reaches the run.
#include "checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "build_id.h"
#include "report.h"
#include "vmm/kernel_ckpt.h"
#include "vmm/sha256.h"

const char *checkpoint_build_id(void)
{
	return DENALI_BUILD_ID;
}

// Reads a whole regular file. Returns 0, or -1 (errno-style problem in why).
static int read_all(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1 << 20;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		if (!k)
			break;
		n += k;
	}
	bool err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

static bool is_ckpt_flag(const char *a)
{
	static const char *const names[] = { "--checkpoint-at", "--checkpoint",
					     "--checkpoint-every" };
	for (size_t i = 0; i < 3; i++) {
		size_t l = strlen(names[i]);
		if (!strncmp(a, names[i], l) && (a[l] == 0 || a[l] == '='))
			return true;
	}
	return false;
}

static void hook(void *ctx, struct kernel *k);

int checkpoint_begin(struct checkpoint_run *c, const struct ckptopts *ck,
		     const struct runfiles *rf, const int *ids, int argc, char **argv,
		     const char *image, struct kernel *k)
{
	memset(c, 0, sizeof *c);
	c->ck = ck;
	if (!ck->nat)
		return 0;
	c->rf = rf;
	c->ids = ids;
	c->argc = argc;
	c->argv = argv;
	uint8_t *bytes;
	size_t len;
	c->image_abs = realpath(image, NULL);
	if (!c->image_abs || read_all(image, &bytes, &len) != 0)
		return args_error("--image %s: cannot read it for the checkpoint", image);
	sha256(bytes, len, c->image_sha);
	free(bytes);
	k->ckpt.at = kernel_ns_to_cycles(&k->cfg, ck->at_ns[0]);
	k->ckpt.fn = hook;
	k->ckpt.ctx = c;
	return 0;
}

// The checkpoint file: the run's flags, the image, the machine.
static int write_one(struct checkpoint_run *c, struct kernel *k, uint32_t i)
{
	char err[512];
	double t0 = report_host_seconds();
	struct ckpt_writer w;
	ckpt_write_begin(&w, checkpoint_build_id());
	struct pack a;
	pack_init(&a);
	for (int j = 1; j < c->argc; j++) {
		if (is_ckpt_flag(c->argv[j])) {
			if (!strchr(c->argv[j], '=') && j + 1 < c->argc)
				j++; // and its value
			continue;
		}
		pack_raw(&a, c->argv[j], strlen(c->argv[j]) + 1);
	}
	struct pack im;
	pack_init(&im);
	pack_raw(&im, c->image_abs, strlen(c->image_abs) + 1);
	pack_raw(&im, c->image_sha, SHA256_BYTES);
	int rc = 0;
	uint8_t *bytes = NULL;
	size_t len = 0;
	if (a.oom || im.oom || ckpt_write_section(&w, CHECKPOINT_ARGS, 0, a.p, a.len) != 0 ||
	    ckpt_write_section(&w, CHECKPOINT_IMAGE, 0, im.p, im.len) != 0) {
		snprintf(err, sizeof err, "%s", w.err[0] ? w.err : "checkpoint: out of memory");
		ckpt_write_abort(&w);
		rc = -1;
	} else if (kernel_ckpt_write(k, &w, err, sizeof err) != 0) {
		ckpt_write_abort(&w);
		rc = -1;
	} else if (ckpt_write_end(&w, &bytes, &len) != 0) {
		snprintf(err, sizeof err, "%s", w.err);
		rc = -1;
	}
	pack_free(&a);
	pack_free(&im);
	const char *shown = runfiles_shown(c->rf, c->ids[i]);
	if (rc == 0) {
		FILE *f = runfiles_fopen(c->rf, c->ids[i]);
		if (!f) {
			free(bytes);
			return -1; // runfiles said why
		}
		bool ok = fwrite(bytes, 1, len, f) == len;
		ok = fclose(f) == 0 && ok;
		free(bytes);
		if (!ok) {
			args_error("--checkpoint %s: cannot write it", shown);
			return -1;
		}
		c->at_cycles[i] = k->now;
		c->bytes[i] = len;
		c->host_s[i] = report_host_seconds() - t0;
		return 0;
	}
	args_error("--checkpoint %s: %s", shown, err);
	return -1;
}

static void hook(void *ctx, struct kernel *k)
{
	struct checkpoint_run *c = ctx;
	const struct ckptopts *ck = c->ck;
	while (c->next < ck->nat && kernel_ns_to_cycles(&k->cfg, ck->at_ns[c->next]) <= k->now) {
		if (!c->failed && write_one(c, k, c->next) != 0)
			c->failed = true;
		c->next++;
	}
	k->ckpt.at = c->next < ck->nat ? kernel_ns_to_cycles(&k->cfg, ck->at_ns[c->next])
				       : UINT64_MAX;
}

int checkpoint_end(struct checkpoint_run *c, const struct kernel *k, bool quiet)
{
	const struct ckptopts *ck = c->ck;
	if (!ck || !ck->nat)
		return 0;
	if (c->failed)
		return 2;
	if (c->next < ck->nat) {
		char a[48], b[48];
		return args_error("--checkpoint %s: the run ended at %s, before --checkpoint-at %s",
				  runfiles_shown(c->rf, c->ids[c->next]),
				  args_fmt_ns(kernel_cycles_to_ns(&k->cfg, k->now), a, sizeof a),
				  args_fmt_ns(ck->at_ns[c->next], b, sizeof b));
	}
	for (uint32_t i = 0; i < ck->nat && !quiet; i++) {
		char t[48];
		printf("  checkpoint          %s at %s: %llu bytes, written in %.3f s (host)\n",
		       runfiles_shown(c->rf, c->ids[i]),
		       args_fmt_ns(kernel_cycles_to_ns(&k->cfg, c->at_cycles[i]), t, sizeof t),
		       (unsigned long long)c->bytes[i], c->host_s[i]);
	}
	return 0;
}

void checkpoint_run_free(struct checkpoint_run *c)
{
	free(c->image_abs);
	c->image_abs = NULL;
}

int checkpoint_load(struct checkpoint_resume *res, struct kernel *k)
{
	char err[512];
	double t0 = report_host_seconds();
	if (kernel_ckpt_read(k, &res->r, err, sizeof err) != 0)
		return args_error_cmd("denali resume", "%s", err);
	res->at_cycles = k->now;
	res->read_s += report_host_seconds() - t0;
	return 0;
}
