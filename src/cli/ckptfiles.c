// SPDX-License-Identifier: MIT
// The device files of a checkpoint (ckptfiles.h): the inputs' SHA-256 sums, and the
// capture written so far, checked and continued at resume.
#include "ckptfiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "vmm/devhost.h"
#include "vmm/sha256.h"

#define MAX_INPUTS (2 + DEVSET_MAX_DISKS + MACHOPTS_MAX_GROUPS)

// The SHA-256 of the first `limit` bytes of path (UINT64_MAX: all of it). Returns 0, or
// -1 when it cannot be read or is shorter than limit.
static int hash_file(const char *path, uint64_t limit, uint8_t sum[SHA256_BYTES])
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	struct sha256 s;
	sha256_init(&s);
	uint8_t buf[65536];
	uint64_t left = limit;
	while (left) {
		size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
		size_t k = fread(buf, 1, want, f);
		if (!k)
			break;
		sha256_update(&s, buf, k);
		if (limit != UINT64_MAX)
			left -= k;
	}
	bool bad = ferror(f) || (limit != UINT64_MAX && left);
	fclose(f);
	sha256_final(&s, sum);
	return bad ? -1 : 0;
}

// Machine m's inputs, in order: the trace, the console input file, read-only disks
// (dc), its VM groups' images (mo).
static uint32_t inputs(const struct devset_config *dc, const struct machopts *mo, uint32_t m,
		       const char *flag[MAX_INPUTS], const char *path[MAX_INPUTS])
{
	uint32_t n = 0;
	if (dc && dc->pcap_in) {
		flag[n] = "--pcap-in";
		path[n++] = dc->pcap_in;
	}
	if (dc && dc->console_in) {
		flag[n] = "--console-in";
		path[n++] = dc->console_in;
	}
	for (uint32_t i = 0; dc && i < dc->ndisks; i++)
		if (dc->disks[i].readonly) {
			flag[n] = "--disk";
			path[n++] = dc->disks[i].path;
		}
	for (uint32_t g = 0; mo && g < mo->ngroups; g++)
		if (mo->groups[g].machine == m) {
			flag[n] = "--group";
			path[n++] = mo->groups[g].image;
		}
	return n;
}

int ckptfiles_begin(struct ckptfiles *f, uint32_t n, const struct devset_config *const *dev,
		    const struct machopts *mo, const struct runfiles *rf, int capture_id)
{
	memset(f, 0, sizeof *f);
	f->n = n;
	f->rf = rf;
	f->capture_id = capture_id;
	f->capture_shown = capture_id >= 0 ? runfiles_shown(rf, capture_id) : NULL;
	for (uint32_t m = 0; m < n; m++) {
		struct pack *b = &f->inputs[m];
		pack_init(b);
		const char *flag[MAX_INPUTS], *path[MAX_INPUTS];
		uint32_t k = inputs(dev[m], mo, m, flag, path);
		pack_u32(b, k);
		for (uint32_t i = 0; i < k; i++) {
			uint8_t sum[SHA256_BYTES];
			if (hash_file(path[i], UINT64_MAX, sum) != 0)
				return args_error("%s %s: cannot read it for the checkpoint",
						  flag[i], path[i]);
			pack_raw(b, flag[i], strlen(flag[i]) + 1);
			pack_raw(b, path[i], strlen(path[i]) + 1);
			pack_raw(b, sum, SHA256_BYTES);
		}
		if (b->oom)
			return args_error("--checkpoint: out of memory");
	}
	return 0;
}

int ckptfiles_write(const struct ckptfiles *f, struct kernel *const *k,
		    struct ckpt_writer *w, char *err, size_t errlen)
{
	for (uint32_t m = 0; m < f->n; m++) {
		const struct pack *b = &f->inputs[m];
		if (ckpt_write_section(w, CHECKPOINT_INPUTS, m, b->p, b->len) != 0) {
			snprintf(err, errlen, "%s", w->err);
			return -1;
		}
		uint64_t bytes, frames;
		if (f->capture_id < 0 || !devhost_capture_sync(k[m], &bytes, &frames))
			continue;
		uint8_t sum[SHA256_BYTES];
		if (hash_file(runfiles_tmp(f->rf, f->capture_id), bytes, sum) != 0) {
			snprintf(err, errlen, "--pcap-out %s: cannot read the capture back",
				 f->capture_shown);
			return -1;
		}
		struct pack p;
		pack_init(&p);
		pack_raw(&p, f->capture_shown, strlen(f->capture_shown) + 1);
		pack_u64(&p, bytes);
		pack_u64(&p, frames);
		pack_raw(&p, sum, SHA256_BYTES);
		int rc = p.oom ? -1 : ckpt_write_section(w, CHECKPOINT_CAPTURE, m, p.p, p.len);
		pack_free(&p);
		if (rc != 0) {
			snprintf(err, errlen, "%s", w->err[0] ? w->err : "checkpoint: out of memory");
			return -1;
		}
	}
	return 0;
}

void ckptfiles_free(struct ckptfiles *f)
{
	for (uint32_t m = 0; m < f->n; m++)
		pack_free(&f->inputs[m]);
	f->n = 0;
}

// --- resuming ---------------------------------------------------------------------

// A NUL-terminated string at the reader's position (NULL when bad).
static const char *get_str(struct unpack *u)
{
	size_t left = u->len - u->off;
	const char *s = (const char *)u->p + u->off;
	size_t l = strnlen(s, left);
	if (u->bad || l == left) {
		u->bad = true;
		return NULL;
	}
	u->off += l + 1;
	return s;
}

static int check_inputs(const struct ckpt_reader *r, const char *path, uint32_t m,
			const struct devset_config *dc, const struct machopts *mo)
{
	char err[512], name[24];
	const char *flag[MAX_INPUTS], *file[MAX_INPUTS];
	uint32_t n = inputs(dc, mo, m, flag, file);
	const struct ckpt_section *s = ckpt_find(r, CHECKPOINT_INPUTS, m);
	if (!s)
		return args_error_cmd("denali resume", "%s: no section %s (not a checkpoint of "
						       "denali run)",
				      path,
				      ckpt_section_name(CHECKPOINT_INPUTS, m, name, sizeof name));
	uint8_t *p = NULL;
	size_t len = 0;
	if (ckpt_read_section(r, s, &p, &len, err, sizeof err) != 0)
		return args_error_cmd("denali resume", "%s", err);
	struct unpack u;
	unpack_init(&u, p, len);
	int rc = 0;
	if (unpack_u32(&u) != n || u.bad)
		rc = -1;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		const char *f = get_str(&u), *at = get_str(&u);
		uint8_t want[SHA256_BYTES], got[SHA256_BYTES];
		unpack_raw(&u, want, SHA256_BYTES);
		if (u.bad || strcmp(f, flag[i]) || strcmp(at, file[i])) {
			rc = -1;
			break;
		}
		if (hash_file(file[i], UINT64_MAX, got) != 0 ||
		    memcmp(got, want, SHA256_BYTES) != 0) {
			args_error_cmd("denali resume",
				       "%s: %s %s is not the file the run used (its SHA-256 "
				       "differs, or it is gone)",
				       path, flag[i], file[i]);
			free(p);
			return 2;
		}
	}
	if (rc == 0 && !unpack_done(&u))
		rc = -1;
	free(p);
	if (rc != 0)
		return args_error_cmd("denali resume", "%s: bad section %s", path,
				      ckpt_section_name(CHECKPOINT_INPUTS, m, name, sizeof name));
	return 0;
}

// Copies the first `bytes` bytes of src into dst (truncated), checking their SHA-256.
// Returns 0, or -1 (src short, different or unreadable), -2 (dst not written).
static int copy_prefix(const char *src, const char *dst, uint64_t bytes,
		       const uint8_t want[SHA256_BYTES])
{
	FILE *in = fopen(src, "rb");
	if (!in)
		return -1;
	FILE *out = fopen(dst, "wb");
	if (!out) {
		fclose(in);
		return -2;
	}
	struct sha256 s;
	sha256_init(&s);
	uint8_t buf[65536];
	uint64_t left = bytes;
	bool wrote = true;
	while (left) {
		size_t k = fread(buf, 1, left < sizeof buf ? (size_t)left : sizeof buf, in);
		if (!k)
			break;
		sha256_update(&s, buf, k);
		wrote = wrote && fwrite(buf, 1, k, out) == k;
		left -= k;
	}
	bool short_read = left || ferror(in);
	fclose(in);
	wrote = fclose(out) == 0 && wrote;
	uint8_t got[SHA256_BYTES];
	sha256_final(&s, got);
	if (short_read || memcmp(got, want, SHA256_BYTES) != 0)
		return -1;
	return wrote ? 0 : -2;
}

static int resume_capture(const struct ckpt_reader *r, const char *path, uint32_t m,
			  struct devset_config *dc, const char *tmp)
{
	char err[512], name[24];
	const struct ckpt_section *s = ckpt_find(r, CHECKPOINT_CAPTURE, m);
	if (!s || !dc->pcap_out || !tmp)
		return 0; // no capture then: one from here on, if asked for
	uint8_t *p = NULL;
	size_t len = 0;
	if (ckpt_read_section(r, s, &p, &len, err, sizeof err) != 0)
		return args_error_cmd("denali resume", "%s", err);
	struct unpack u;
	unpack_init(&u, p, len);
	const char *src = get_str(&u);
	uint64_t bytes = unpack_u64(&u), frames = unpack_u64(&u);
	uint8_t sum[SHA256_BYTES];
	unpack_raw(&u, sum, SHA256_BYTES);
	int rc = 0;
	if (!unpack_done(&u)) {
		rc = args_error_cmd("denali resume", "%s: bad section %s", path,
				    ckpt_section_name(CHECKPOINT_CAPTURE, m, name, sizeof name));
	} else {
		int c = copy_prefix(src, tmp, bytes, sum);
		if (c == -1)
			rc = args_error_cmd("denali resume",
					    "%s: --pcap-out %s is not the capture the run wrote "
					    "(its first %llu bytes differ, or it is gone): a resumed "
					    "run goes on from them",
					    path, src, (unsigned long long)bytes);
		else if (c == -2)
			rc = args_error_cmd("denali resume", "--pcap-out %s: cannot write it",
					    dc->pcap_out);
		dc->pcap_out_append = true;
		dc->pcap_out_frames = frames;
	}
	free(p);
	return rc;
}

int ckptfiles_resume(const struct ckpt_reader *r, const char *path, uint32_t m,
		     struct devset_config *dc, const struct machopts *mo,
		     const char *capture_tmp)
{
	if (check_inputs(r, path, m, dc, mo) != 0)
		return 2;
	return resume_capture(r, path, m, dc, capture_tmp);
}
