// SPDX-License-Identifier: MIT
// DIR/provenance.json (provenance.h): what a results directory was made from. The
// version comes from meson (DENALI_VERSION), the commit from the build (version.h, made
// by meson's vcs_tag from `git describe` at build time, empty outside git); the
// hashes are vmm/sha256.c's; json-c writes the file through runfiles.
#include "provenance.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "version.h"
#include "vmm/sha256.h"

const char *provenance_version(void)
{
	return DENALI_VERSION;
}

const char *provenance_commit(void)
{
	return DENALI_COMMIT[0] ? DENALI_COMMIT : "unknown";
}

// The SHA-256 of the file at path, in hex. Returns 0, or -1 with errno set.
static int hash_file(const char *path, char hex[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	struct sha256 s;
	sha256_init(&s);
	static unsigned char buf[1 << 16];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int er = errno;
			close(fd);
			errno = er;
			return -1;
		}
		if (r == 0)
			break;
		sha256_update(&s, buf, (size_t)r);
	}
	close(fd);
	uint8_t d[SHA256_BYTES];
	sha256_final(&s, d);
	sha256_hex(d, hex);
	return 0;
}

int provenance_begin(struct provenance *p, const struct runfiles *rf, const char *expfile)
{
	memset(p, 0, sizeof *p);
	for (unsigned i = 0; i < rf->n && p->n < PROV_MAX_INPUTS; i++) {
		const struct runfiles_entry *e = &rf->e[i];
		if (e->kind == RUNFILES_OUTPUT)
			continue;
		struct prov_input *in = &p->in[p->n];
		in->flag = e->flag;
		in->path = e->shown;
		in->disk = e->kind == RUNFILES_DISK;
		if (hash_file(e->shown, in->sha256) != 0) {
			if (e->kind == RUNFILES_DISK && errno == ENOENT) { // created by the run
				snprintf(in->sha256, sizeof in->sha256, "new");
			} else {
				return args_error("%s %s: cannot read it for provenance.json: %s",
						  e->flag, e->shown, strerror(errno));
			}
		}
		p->n++;
	}
	p->expfile = expfile;
	if (expfile && hash_file(expfile, p->expfile_sha256) != 0)
		return args_error("%s: cannot read it for provenance.json: %s", expfile,
				  strerror(errno));
	if (hash_file("/proc/self/exe", p->exe_sha256) != 0)
		snprintf(p->exe_sha256, sizeof p->exe_sha256, "unknown");
	if (gethostname(p->host, sizeof p->host - 1) != 0)
		snprintf(p->host, sizeof p->host, "unknown");
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(p->time_utc, sizeof p->time_utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return 0;
}

int provenance_write(const struct provenance *p, const struct runfiles *rf, int id,
		     uint64_t digest, int argc, char **argv)
{
	json_object *j = json_object_new_object();
	char hex[17];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)digest);
	json_object_object_add(j, "denali_version", json_object_new_string(provenance_version()));
	json_object_object_add(j, "git_commit", json_object_new_string(provenance_commit()));
	json_object_object_add(j, "denali_sha256", json_object_new_string(p->exe_sha256));
	json_object_object_add(j, "digest", json_object_new_string(hex));
	if (p->expfile) {
		json_object *x = json_object_new_object();
		json_object_object_add(x, "path", json_object_new_string(p->expfile));
		json_object_object_add(x, "sha256", json_object_new_string(p->expfile_sha256));
		json_object_object_add(j, "experiment_file", x);
	}
	json_object *ins = json_object_new_array();
	for (unsigned i = 0; i < p->n; i++) {
		json_object *x = json_object_new_object();
		json_object_object_add(x, "flag", json_object_new_string(p->in[i].flag));
		json_object_object_add(x, "kind", json_object_new_string(p->in[i].disk ? "disk" : "input"));
		json_object_object_add(x, "path", json_object_new_string(p->in[i].path));
		json_object_object_add(x, "sha256", json_object_new_string(p->in[i].sha256));
		json_object_array_add(ins, x);
	}
	json_object_object_add(j, "inputs", ins);
	json_object *cmd = json_object_new_array();
	json_object_array_add(cmd, json_object_new_string("denali"));
	for (int i = 0; i < argc; i++) // argv[0] is "run"
		json_object_array_add(cmd, json_object_new_string(argv[i]));
	json_object_object_add(j, "command", cmd);
	json_object_object_add(j, "host", json_object_new_string(p->host));
	json_object_object_add(j, "host_time_utc", json_object_new_string(p->time_utc));
	int rc = 2;
	FILE *f = runfiles_fopen(rf, id);
	if (f) {
		const char *text = json_object_to_json_string_ext(
			j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
		bool bad = !text || fputs(text, f) == EOF || fputc('\n', f) == EOF;
		bad |= ferror(f) != 0;
		if (fclose(f) != 0 || bad)
			args_error("--results %s: cannot write provenance.json: %s",
				   runfiles_shown(rf, id), strerror(errno ? errno : EIO));
		else
			rc = 0;
	}
	json_object_put(j);
	return rc;
}
