// SPDX-License-Identifier: MIT
// Fuzz target for the pcap reader (src/devices/pcap_in.c): the input is a capture file
// (pcap or pcapng), read from memory with rewriting on. Built as a libFuzzer target by
// tests/devices/fuzz-pcap (clang -fsanitize=fuzzer,address,undefined); built without
// FUZZ_LIBFUZZER it is a replay driver whose main() runs every file named on the command
// line (directories: every file inside, sorted), which is how `meson test` replays
// tests/devices/corpus and traces/ under the normal and ASan builds. Any result is fine
// but a host crash, a sanitizer report, or an error message in libpcap's own wording
// ("dump file", "BT_SHB_INSANE_MAX": pcap_in.c must say what is wrong in words).
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pcap_in.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

// Aborts when err still holds libpcap's wording.
static void check_words(const char *err)
{
	static const char *const jargon[] = { "dump file", "savefile", "BT_", "INSANE", "_%" };
	for (size_t i = 0; i < sizeof jargon / sizeof jargon[0]; i++)
		if (strstr(err, jargon[i])) {
			fprintf(stderr, "fuzz_pcap: libpcap's wording in \"%s\"\n", err);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *fp = fmemopen((void *)data, size, "rb");
	if (!fp)
		return 0;
	struct pcap_in_config c = { .rewrite = true, .rewrite_ipv4 = true, .seed = 3,
				    .nvms = 5, .speed_milli = 1500 };
	struct pcap_in *p;
	char err[512];
	if (pcap_in_open_fp(&p, fp, "fuzz-input", &c, err, sizeof(err)) != 0) {
		check_words(err);
		return 0; // fp was closed
	}
	struct pcap_in_frame *f = malloc(sizeof(*f));
	int r = 1;
	for (int i = 0; f && i < 100000 && (r = pcap_in_next(p, f, err, sizeof(err))) == 1; i++)
		;
	if (r < 0)
		check_words(err);
	free(f);
	pcap_in_close(p); // closes fp
	return 0;
}

#ifndef FUZZ_LIBFUZZER
static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "fuzz_pcap: %s: cannot open\n", path);
		return 2;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
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
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return run_file(path);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		size_t l = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(l);
		snprintf(names[n++], l, "%s/%s", path, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		rc |= run_path(names[i]);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0, files = 0;
	for (int i = 1; i < argc; i++, files++)
		rc |= run_path(argv[i]);
	printf("fuzz_pcap: replayed %d paths\n", files);
	return rc;
}
#endif
