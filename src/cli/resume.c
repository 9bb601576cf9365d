// SPDX-License-Identifier: MIT
// `denali resume FILE [flags]`: continues a run from a checkpoint (checkpoint.h).
// The run is rebuilt from the flags saved in the file, so its summary is the one the
// uninterrupted run prints; flags given here replace the saved ones, and only the
// flags that cannot make the saved state wrong are accepted (a fork, docs/debugging.md):
//   the end and the outputs: --max-time, --results, --quiet, --console, --trace...,
//     --timeline..., --stats-every, --console-dir, --no-progress, --progress-every,
//     --checkpoint-at, --checkpoint, --checkpoint-every, --gdb, --gdb-wait,
//     --gdb-history-every, --pcap-out (the capture to T1 copied there, then continued:
//     ckptfiles.h)
//   the model from here on: --quantum, --intr, --ctx-base, --ctx-page,
//     --ctx-free-pages, --ctx-cap-same, --ctx-cap-other, --intr-cost, --loss (the
//     loss generator goes on from its saved state)
// Everything else (--vms, --mem, --image, --sched, --chaos, devices...) is the state
// itself and is refused with one line. `denali resume --fork-flags` lists the flags
// accepted (for scripts/sweep --warmup-checkpoint). The image must be the file the run used
// (checked by its SHA-256): the path as saved, else its absolute path.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "checkpoint.h"
#include "cli.h"
#include "report.h"
#include "vmm/sha256.h"

#define MAX_ARGS 4096

// Flags resume accepts, and whether each takes a value.
static const struct {
	const char *name;
	bool valued;
} fork_flags[] = {
	{ "--max-time", true },
	{ "--results", true },
	{ "--quiet", false },
	{ "--console", true },
	{ "--trace", true },
	{ "--trace-format", true },
	{ "--trace-file", true },
	{ "--trace-vms", true },
	{ "--trace-from", true },
	{ "--trace-to", true },
	{ "--trace-limit", true },
	{ "--timeline", true },
	{ "--timeline-vms", true },
	{ "--timeline-from", true },
	{ "--timeline-to", true },
	{ "--timeline-interval", true },
	{ "--stats-every", true },
	{ "--console-dir", true },
	{ "--no-progress", false },
	{ "--progress-every", true },
	{ "--checkpoint-at", true },
	{ "--checkpoint", true },
	{ "--checkpoint-every", true },
	{ "--gdb", true },
	{ "--gdb-wait", false },
	{ "--gdb-history-every", true },
	{ "--quantum", true },
	{ "--intr", true },
	{ "--ctx-base", true },
	{ "--ctx-page", true },
	{ "--ctx-free-pages", true },
	{ "--ctx-cap-same", true },
	{ "--ctx-cap-other", true },
	{ "--intr-cost", true },
	{ "--ctx-vm-footprint", true },
	{ "--ctx-l1", true },
	{ "--ctx-l2", true },
	{ "--ctx-l1-miss", true },
	{ "--ctx-l2-miss", true },
	{ "--irq-work", true },
	{ "--idle-boost", true },
	{ "--loss", true },
	{ "--pcap-out", true },
};
#define NFORK (sizeof fork_flags / sizeof fork_flags[0])

// The fork flag argument a names ("--flag" or "--flag=v"), or -1.
static int fork_flag(const char *a)
{
	for (size_t i = 0; i < NFORK; i++) {
		size_t l = strlen(fork_flags[i].name);
		if (!strncmp(a, fork_flags[i].name, l) && (a[l] == 0 || (a[l] == '=' && fork_flags[i].valued)))
			return (int)i;
	}
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: denali resume FILE [flags]\n"
		   "Continues the run saved in checkpoint FILE (denali run --checkpoint):\n"
		   "the same run from there, with the same results as if it had not stopped.\n"
		   "Flags given here replace the run's own, as a fork (docs/debugging.md):\n"
		   "  the end and outputs: --max-time --results --quiet --console --trace...\n"
		   "    --timeline... --stats-every --console-dir --no-progress\n"
		   "    --progress-every --checkpoint-at --checkpoint --checkpoint-every\n"
		   "    --gdb --gdb-wait --pcap-out (the capture goes on: docs/debugging.md)\n"
		   "  the model from here on: --quantum --intr --ctx-base --ctx-page\n"
		   "    --ctx-free-pages --ctx-cap-same --ctx-cap-other --intr-cost\n"
		   "    --ctx-vm-footprint --ctx-l1 --ctx-l2 --ctx-l1-miss --ctx-l2-miss\n"
		   "    --irq-work --idle-boost --loss\n"
		   "Other flags are part of the saved state and are refused.\n"
		   "Exit status as denali run; 2 for a damaged, truncated or foreign file.\n");
}

static int read_file(struct checkpoint_resume *res)
{
	struct stat st;
	if (stat(res->path, &st) != 0)
		return args_error_cmd("denali resume", "%s: cannot open it", res->path);
	if (!S_ISREG(st.st_mode))
		return args_error_cmd("denali resume", "%s: not a regular file", res->path);
	FILE *f = fopen(res->path, "rb");
	if (!f)
		return args_error_cmd("denali resume", "%s: cannot open it", res->path);
	size_t cap = (size_t)st.st_size + 1, n = 0;
	uint8_t *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		return args_error_cmd("denali resume", "%s: out of memory", res->path);
	}
	for (size_t k; (k = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += k;
		if (n == cap) { // it grew since stat
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				fclose(f);
				return args_error_cmd("denali resume", "%s: out of memory", res->path);
			}
			buf = nb;
		}
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return args_error_cmd("denali resume", "%s: read error", res->path);
	}
	res->bytes = buf;
	res->len = n;
	uint8_t d[SHA256_BYTES];
	sha256(buf, n, d);
	sha256_hex(d, res->sha_hex);
	return 0;
}

// The saved section (tag) whole, or NULL after one line.
static uint8_t *section(struct checkpoint_resume *res, uint32_t tag, size_t *n)
{
	char err[512];
	const struct ckpt_section *s = ckpt_find(&res->r, tag, 0);
	uint8_t *p = NULL;
	if (!s) {
		char name[24];
		args_error_cmd("denali resume", "%s: no section %s (not a checkpoint of denali run)",
			       res->path, ckpt_section_name(tag, 0, name, sizeof name));
		return NULL;
	}
	if (ckpt_read_section(&res->r, s, &p, n, err, sizeof err) != 0) {
		args_error_cmd("denali resume", "%s", err);
		return NULL;
	}
	return p;
}

// Whether the file at path has the SHA-256 sum.
static bool same_image(const char *path, const uint8_t *sum)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	struct sha256 s;
	sha256_init(&s);
	uint8_t buf[65536];
	for (size_t k; (k = fread(buf, 1, sizeof buf, f)) > 0;)
		sha256_update(&s, buf, k);
	bool bad = ferror(f);
	fclose(f);
	uint8_t d[SHA256_BYTES];
	sha256_final(&s, d);
	return !bad && !memcmp(d, sum, SHA256_BYTES);
}

int cli_resume(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--fork-flags")) {
		// For scripts (scripts/sweep --warmup-checkpoint): one flag a line, and
		// whether it takes a value.
		for (size_t i = 0; i < NFORK; i++)
			printf("%s %s\n", fork_flags[i].name, fork_flags[i].valued ? "value" : "flag");
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		usage(stderr);
		return 2;
	}
	// The flags given here: fork flags only.
	for (int i = 2; i < argc; i++) {
		int f = fork_flag(argv[i]);
		if (f < 0) {
			if (argv[i][0] != '-')
				return args_error_cmd("denali resume", "unexpected argument '%s'",
						      argv[i]);
			return args_error_cmd("denali resume",
					      "%s: cannot change at resume (part of the checkpoint's "
					      "state; see denali resume --help)",
					      argv[i]);
		}
		if (fork_flags[f].valued && !strchr(argv[i], '=') && ++i >= argc)
			return args_error_cmd("denali resume", "%s needs a value", argv[i - 1]);
	}
	struct checkpoint_resume res = { .path = argv[1] };
	double t0 = report_host_seconds();
	if (read_file(&res) != 0)
		return 2;
	char err[512];
	int rc = 2;
	uint8_t *args = NULL, *im = NULL;
	char **nargv = NULL;
	if (ckpt_read_open(&res.r, res.bytes, res.len, res.path, checkpoint_build_id(), err,
			   sizeof err) != 0) {
		args_error_cmd("denali resume", "%s", err);
		goto out;
	}
	res.read_s = report_host_seconds() - t0;
	size_t na, ni;
	if (!(args = section(&res, CHECKPOINT_ARGS, &na)) ||
	    !(im = section(&res, CHECKPOINT_IMAGE, &ni)))
		goto out;
	size_t plen = ni > SHA256_BYTES ? strnlen((const char *)im, ni - SHA256_BYTES) : ni;
	if (na == 0 || args[na - 1] != 0 || plen + 1 + SHA256_BYTES != ni) {
		args_error_cmd("denali resume", "%s: bad ARGS or IMAG section", res.path);
		goto out;
	}
	const char *image_abs = (const char *)im;
	const uint8_t *image_sum = im + plen + 1;
	// argv for `denali run`: the saved flags without those given here, then these.
	nargv = calloc(MAX_ARGS + 3, sizeof *nargv);
	if (!nargv) {
		args_error_cmd("denali resume", "out of memory");
		goto out;
	}
	int n = 0;
	nargv[n++] = "run";
	bool next_is_image = false;
	for (size_t at = 0; at < na; at += strlen((char *)args + at) + 1) {
		char *a = (char *)args + at;
		if (n >= MAX_ARGS) {
			args_error_cmd("denali resume", "%s: too many saved flags", res.path);
			goto out;
		}
		int f = fork_flag(a);
		bool replaced = false;
		for (int i = 2; f >= 0 && i < argc && !replaced; i++) {
			int g = fork_flag(argv[i]);
			replaced = g == f;
			if (g >= 0 && fork_flags[g].valued && !strchr(argv[i], '='))
				i++;
		}
		if (replaced) { // drop it and its value
			if (fork_flags[f].valued && !strchr(a, '='))
				at += strlen(a) + 1;
			continue;
		}
		if (next_is_image) {
			// The saved path when it is still the same file, else the absolute one.
			if (!same_image(a, image_sum)) {
				if (!same_image(image_abs, image_sum)) {
					args_error_cmd("denali resume",
						       "%s: the image %s is not the file the run used "
						       "(its SHA-256 differs, or it is gone)",
						       res.path, image_abs);
					goto out;
				}
				a = (char *)image_abs;
			}
			next_is_image = false;
		} else if (!strcmp(a, "--image")) {
			next_is_image = true;
		}
		nargv[n++] = a;
	}
	for (int i = 2; i < argc && n < MAX_ARGS + 2; i++)
		nargv[n++] = argv[i];
	rc = cli_run_from(n, nargv, &res);
out:
	free(nargv);
	free(args);
	free(im);
	ckpt_read_close(&res.r);
	free(res.bytes);
	return rc;
}
