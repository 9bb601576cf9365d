// SPDX-License-Identifier: MIT
// Checkpoints from the command line (checkpoint.h): the hook that writes them during a
// run into the run's output files (runfiles.h: whole or not at all), and the loading
// of a machine for `denali resume` (resume.c). Host time is measured here only for
// the report lines; it never reaches the run.
#include "checkpoint.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Flags a checkpoint's ARGS leave out (with their values): the checkpoints' own, and
// gdb's (a resumed run starts no gdb server unless given --gdb again). 1: a flag with
// a value, 2: one without, 0: another.
static int left_out(const char *a)
{
	static const char *const names[] = { "--checkpoint-at", "--checkpoint",
					     "--checkpoint-every", "--gdb",
					     "--gdb-history-every", "--gdb-machine", "--gdb-wait" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t l = strlen(names[i]);
		if (!strncmp(a, names[i], l) && (a[l] == 0 || a[l] == '='))
			return strcmp(names[i], "--gdb-wait") ? 1 : 2;
	}
	return 0;
}

static void hook(void *ctx, struct kernel *k);

static void whook(void *ctx, struct world *w);

// Hashes the images and the devices' inputs (once). Returns 0, or 2 after one line.
static int hash_inputs(struct checkpoint_run *c)
{
	if (c->hashed)
		return 0;
	for (uint32_t m = 0; m < c->n; m++) {
		uint8_t *bytes;
		size_t len;
		c->image_abs[m] = realpath(c->image[m], NULL);
		if (!c->image_abs[m] || read_all(c->image[m], &bytes, &len) != 0)
			return args_error("%s %s: cannot read it for the checkpoint",
					  m ? "--client" : "--image", c->image[m]);
		sha256(bytes, len, c->image_sha[m]);
		free(bytes);
	}
	if (ckptfiles_begin(&c->files, c->n, c->dev, c->mo, c->rf, c->capture_id) != 0)
		return 2;
	c->hashed = true;
	return 0;
}

int checkpoint_begin(struct checkpoint_run *c, const struct ckptopts *ck,
		     const struct runfiles *rf, const int *ids, int argc, char **argv,
		     const char *const *image, const struct devset_config *const *dev,
		     const struct machopts *mo, int capture_id, uint32_t n, struct kernel *k,
		     struct world *w)
{
	memset(c, 0, sizeof *c);
	c->mo = mo;
	c->ck = ck;
	c->rf = rf;
	c->ids = ids;
	c->argc = argc;
	c->argv = argv;
	c->n = n;
	c->k = k;
	c->w = w;
	c->capture_id = capture_id;
	for (uint32_t m = 0; m < n; m++) {
		c->image[m] = image[m];
		c->dev[m] = dev[m];
	}
	if (!ck->nat)
		return 0;
	if (hash_inputs(c) != 0)
		return 2;
	const struct kernel_config *kc = k ? &k->cfg : &w->kc;
	uint64_t at = kernel_ns_to_cycles(kc, ck->at_ns[0]);
	if (k) {
		k->ckpt.at = at;
		k->ckpt.fn = hook;
		k->ckpt.ctx = c;
	} else {
		w->ckpt.at = at;
		w->ckpt.fn = whook;
		w->ckpt.ctx = c;
	}
	return 0;
}

// The checkpoint file's bytes (*bytes, *len: the caller frees them): the run's flags,
// the images, the machines (and the link), the devices' files. Returns 0, or -1 with
// one line in err.
static int build(struct checkpoint_run *c, uint8_t **bytes, size_t *len, char *err,
		 size_t errlen)
{
	struct ckpt_writer w;
	ckpt_write_begin(&w, checkpoint_build_id());
	struct pack a;
	pack_init(&a);
	for (int j = 1; j < c->argc; j++) {
		int lo = left_out(c->argv[j]);
		if (lo) {
			if (lo == 1 && !strchr(c->argv[j], '=') && j + 1 < c->argc)
				j++; // and its value
			continue;
		}
		pack_raw(&a, c->argv[j], strlen(c->argv[j]) + 1);
	}
	int rc = 0;
	if (a.oom || ckpt_write_section(&w, CHECKPOINT_ARGS, 0, a.p, a.len) != 0)
		rc = -1;
	for (uint32_t m = 0; m < c->n && rc == 0; m++) {
		struct pack im;
		pack_init(&im);
		pack_raw(&im, c->image_abs[m], strlen(c->image_abs[m]) + 1);
		pack_raw(&im, c->image_sha[m], SHA256_BYTES);
		if (im.oom || ckpt_write_section(&w, CHECKPOINT_IMAGE, m, im.p, im.len) != 0)
			rc = -1;
		pack_free(&im);
	}
	if (rc != 0)
		snprintf(err, errlen, "%s", w.err[0] ? w.err : "checkpoint: out of memory");
	struct kernel *ks[WORLD_MAX_MACHINES];
	for (uint32_t m = 0; m < c->n; m++)
		ks[m] = c->k ? c->k : c->w->m[m].k;
	for (uint32_t m = 0; m < c->n && rc == 0; m++)
		rc = kernel_ckpt_write(ks[m], &w, err, errlen);
	if (rc == 0)
		rc = ckptfiles_write(&c->files, ks, &w, err, errlen);
	if (rc == 0 && c->w) {
		struct pack wp;
		pack_init(&wp);
		world_ckpt_save(c->w, &wp);
		if (wp.oom || ckpt_write_section(&w, CHECKPOINT_WORLD, 0, wp.p, wp.len) != 0) {
			snprintf(err, errlen, "%s", w.err[0] ? w.err : "checkpoint: out of memory");
			rc = -1;
		}
		pack_free(&wp);
	}
	pack_free(&a);
	if (rc != 0) {
		ckpt_write_abort(&w);
	} else if (ckpt_write_end(&w, bytes, len) != 0) {
		snprintf(err, errlen, "%s", w.err);
		rc = -1;
	}
	return rc;
}

static uint64_t clock_of(const struct checkpoint_run *c)
{
	return (c->k ? c->k : c->w->m[0].k)->now;
}

// Checkpoint i of --checkpoint-at, into its output file (runfiles.h).
static int write_one(struct checkpoint_run *c, uint32_t i)
{
	char err[512];
	double t0 = report_host_seconds();
	uint8_t *bytes = NULL;
	size_t len = 0;
	const char *shown = runfiles_shown(c->rf, c->ids[i]);
	if (build(c, &bytes, &len, err, sizeof err) != 0)
		return args_error("--checkpoint %s: %s", shown, err), -1;
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
	c->at_cycles[i] = clock_of(c);
	c->bytes[i] = len;
	c->host_s[i] = report_host_seconds() - t0;
	return 0;
}

// Writes every checkpoint due by time `now` (cycles) and returns the next one's time.
static uint64_t due(struct checkpoint_run *c, const struct kernel_config *kc, uint64_t now)
{
	const struct ckptopts *ck = c->ck;
	while (c->next < ck->nat && kernel_ns_to_cycles(kc, ck->at_ns[c->next]) <= now) {
		if (!c->failed && write_one(c, c->next) != 0)
			c->failed = true;
		c->next++;
	}
	return c->next < ck->nat ? kernel_ns_to_cycles(kc, ck->at_ns[c->next]) : UINT64_MAX;
}

static void requests(struct checkpoint_run *c);

static void whook(void *ctx, struct world *w)
{
	uint64_t now = UINT64_MAX;
	for (uint32_t m = 0; m < w->n; m++)
		if (w->m[m].k->now < now)
			now = w->m[m].k->now;
	w->ckpt.at = due(ctx, &w->kc, now);
	requests(ctx);
}

static void hook(void *ctx, struct kernel *k)
{
	k->ckpt.at = due(ctx, &k->cfg, k->now);
	requests(ctx);
}

// --- gdb's monitor checkpoint --------------------------------------------------------

// Writes bytes to path whole: a temporary file beside it, renamed onto it. Returns 0,
// or -1 (nothing is left behind).
static int write_whole(const char *path, const uint8_t *bytes, size_t len)
{
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	if (!tmp)
		return -1;
	const char *slash = strrchr(path, '/');
	int dl = slash ? (int)(slash - path + 1) : 0;
	snprintf(tmp, n, "%.*s.%s.denali-%ld.tmp", dl, path, path + dl, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	bool ok = f && fwrite(bytes, 1, len, f) == len;
	ok = f && fclose(f) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok ? 0 : -1;
}

// The checkpoints gdb asked for, at the first point between two dispatches since.
static void requests(struct checkpoint_run *c)
{
	for (uint32_t i = 0; i < c->nreq; i++) {
		struct checkpoint_req *q = &c->req[i];
		char err[512];
		uint8_t *bytes = NULL;
		size_t len = 0;
		double t0 = report_host_seconds();
		if (build(c, &bytes, &len, err, sizeof err) != 0) {
			snprintf(q->msg, sizeof q->msg, "%s", err);
		} else if (write_whole(q->path, bytes, len) != 0) {
			snprintf(q->msg, sizeof q->msg, "cannot write it");
		} else {
			char t[48];
			snprintf(q->msg, sizeof q->msg, "at %s: %zu bytes, written in %.3f s (host)",
				 args_fmt_ns(kernel_cycles_to_ns(c->k ? &c->k->cfg : &c->w->kc,
								 clock_of(c)),
					     t, sizeof t),
				 len, report_host_seconds() - t0);
			q->written = true;
		}
		free(bytes);
		c->done[c->ndone++] = *q;
	}
	c->nreq = 0;
}

int checkpoint_request(void *ctx, const char *path, char *msg, size_t len)
{
	struct checkpoint_run *c = ctx;
	if (c->nreq + c->ndone >= CHECKPOINT_REQ_MAX) {
		snprintf(msg, len, "monitor checkpoint: at most %u in one run", CHECKPOINT_REQ_MAX);
		return -1;
	}
	// The place must take a file now (it is written at the next point between two
	// dispatches, when gdb lets the run go on).
	size_t pl = strlen(path);
	char *dir = strdup(path);
	if (!dir || pl >= sizeof c->req[0].path) {
		free(dir);
		snprintf(msg, len, "monitor checkpoint %s: %s", path, dir ? "too long" : "out of memory");
		return -1;
	}
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = 0;
	struct stat st;
	bool ok = access(slash ? dir : ".", W_OK) == 0 &&
		  (stat(path, &st) != 0 || S_ISREG(st.st_mode));
	free(dir);
	if (!ok) {
		snprintf(msg, len, "monitor checkpoint %s: cannot write a file there", path);
		return -1;
	}
	if (hash_inputs(c) != 0) {
		snprintf(msg, len, "monitor checkpoint %s: an input cannot be read (see denali's "
				   "stderr)",
			 path);
		return -1;
	}
	struct checkpoint_req *q = &c->req[c->nreq++];
	memset(q, 0, sizeof *q);
	memcpy(q->path, path, pl + 1);
	if (c->k) {
		if (!c->k->ckpt.fn) {
			c->k->ckpt.fn = hook;
			c->k->ckpt.ctx = c;
		}
		c->k->ckpt.at = 0; // the next point between two dispatches
	} else {
		if (!c->w->ckpt.fn) {
			c->w->ckpt.fn = whook;
			c->w->ckpt.ctx = c;
		}
		c->w->ckpt.at = 0;
	}
	snprintf(msg, len, "checkpoint %s: taken at the next point between two dispatches "
			   "(when this VM's slice ends), once the run goes on; `denali resume %s` "
			   "continues from there",
		 path, path);
	return 0;
}

int checkpoint_end(struct checkpoint_run *c, const struct kernel *k, bool quiet)
{
	const struct ckptopts *ck = c->ck;
	for (uint32_t i = 0; i < c->ndone && ck; i++) {
		if (c->done[i].written && !quiet)
			printf("  checkpoint          %s %s (monitor checkpoint)\n", c->done[i].path,
			       c->done[i].msg);
		else if (!c->done[i].written)
			args_error("monitor checkpoint %s: %s", c->done[i].path, c->done[i].msg);
	}
	for (uint32_t i = 0; i < c->nreq && ck; i++)
		args_error("monitor checkpoint %s: the run ended before it was taken",
			   c->req[i].path);
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
	ckptfiles_free(&c->files);
	for (uint32_t m = 0; m < WORLD_MAX_MACHINES; m++) {
		free(c->image_abs[m]);
		c->image_abs[m] = NULL;
	}
}

int checkpoint_load(struct checkpoint_resume *res, struct kernel *k)
{
	char err[512];
	double t0 = report_host_seconds();
	if (kernel_ckpt_read(k, &res->r, err, sizeof err) != 0)
		return args_error_cmd("denali resume", "%s", err);
	if (k->cfg.machine_id == 0)
		res->at_cycles = k->now;
	res->read_s += report_host_seconds() - t0;
	return 0;
}

int checkpoint_check_image(struct checkpoint_resume *res, uint32_t m, const char *path)
{
	char err[512];
	const struct ckpt_section *s = ckpt_find(&res->r, CHECKPOINT_IMAGE, m);
	uint8_t *im = NULL, *bytes = NULL;
	size_t n = 0, len = 0;
	if (!s)
		return args_error_cmd("denali resume", "%s: no image for machine %u", res->path, m);
	if (ckpt_read_section(&res->r, s, &im, &n, err, sizeof err) != 0)
		return args_error_cmd("denali resume", "%s", err);
	uint8_t sum[SHA256_BYTES];
	bool same = n > SHA256_BYTES && read_all(path, &bytes, &len) == 0;
	if (same) {
		sha256(bytes, len, sum);
		same = !memcmp(sum, im + n - SHA256_BYTES, SHA256_BYTES);
	}
	free(bytes);
	free(im);
	if (!same)
		return args_error_cmd("denali resume",
				      "%s: the image %s of machine %u is not the file the run "
				      "used (its SHA-256 differs, or it is gone)",
				      res->path, path, m);
	return 0;
}

int checkpoint_load_world(struct checkpoint_resume *res, struct world *w)
{
	char err[512];
	double t0 = report_host_seconds();
	const struct ckpt_section *s = ckpt_find(&res->r, CHECKPOINT_WORLD, 0);
	uint8_t *p = NULL;
	size_t n = 0;
	if (!s)
		return args_error_cmd("denali resume", "%s: no link state (saved from one machine)",
				      res->path);
	if (ckpt_read_section(&res->r, s, &p, &n, err, sizeof err) != 0)
		return args_error_cmd("denali resume", "%s", err);
	struct unpack u;
	unpack_init(&u, p, n);
	int rc = world_ckpt_load(w, &u);
	free(p);
	if (rc != 0)
		return args_error_cmd("denali resume", "%s: bad link state", res->path);
	res->read_s += report_host_seconds() - t0;
	return 0;
}

void checkpoint_report(const struct checkpoint_resume *res, const struct kernel *k,
		       bool quiet)
{
	if (!res || quiet)
		return;
	char b[48];
	printf("  resumed from        %s at %s (sha256 %.16s...), read in %.3f s (host)\n",
	       res->path, args_fmt_ns(kernel_cycles_to_ns(&k->cfg, res->at_cycles), b, sizeof b),
	       res->sha_hex, res->read_s);
}

void checkpoint_json(const struct checkpoint_resume *res, const struct kernel *k,
		     struct json_object *j)
{
	if (!res)
		return;
	json_object *p = json_object_new_object();
	json_object_object_add(p, "file", json_object_new_string(res->path));
	json_object_object_add(p, "sha256", json_object_new_string(res->sha_hex));
	json_object_object_add(p, "time_ns", json_object_new_int64((int64_t)kernel_cycles_to_ns(&k->cfg, res->at_cycles)));
	json_object_object_add(j, "checkpoint_parent", p);
}
