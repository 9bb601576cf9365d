// SPDX-License-Identifier: MIT
// The replay driver of the fuzz targets (tests/devices/fuzz_pcap.c, tests/vmm/
// fuzz_symtab.c, tests/gdb/fuzz_rsp.c): linked with a target's LLVMFuzzerTestOneInput
// instead of libFuzzer, its main() runs the target on every file named on the command
// line (a directory: every file inside, recursively, in name order), each read whole.
// That is how `meson test` replays the corpora under the normal and ASan builds. It
// prints "NAME: replayed N files" and exits 0; 2 when a file cannot be read; 1 when no
// file was replayed at all, so a corpus that went missing never passes silently.
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *prog = "fuzz_replay";

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "%s: %s: cannot open\n", prog, path);
		return 2;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "%s: %s: out of memory\n", prog, path);
				fclose(fp);
				free(buf);
				return 2;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, fp);
		if (n == 0)
			break;
		len += n;
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		fprintf(stderr, "%s: %s: read error\n", prog, path);
		free(buf);
		return 2;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, int *files)
{
	DIR *d = opendir(path);
	if (!d) {
		++*files;
		return run_file(path);
	}
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		size_t l = strlen(path) + strlen(e->d_name) + 2;
		char *name = nn ? malloc(l) : NULL;
		if (nn)
			names = nn;
		if (!name) {
			fprintf(stderr, "%s: %s: out of memory\n", prog, path);
			rc = 2;
			break;
		}
		snprintf(name, l, "%s/%s", path, e->d_name);
		names[n++] = name;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++) {
		rc |= run_path(names[i], files);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	prog = slash ? slash + 1 : argv[0];
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", prog);
		return 2;
	}
	int rc = 0, files = 0;
	for (int i = 1; i < argc; i++)
		rc |= run_path(argv[i], &files);
	printf("%s: replayed %d files\n", prog, files);
	return rc ? rc : files > 0 ? 0
				   : 1;
}
