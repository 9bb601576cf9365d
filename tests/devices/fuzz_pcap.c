// SPDX-License-Identifier: MIT
// Fuzz target for the pcap reader (src/devices/pcap_in.c): the input is a capture file
// (pcap or pcapng), read from memory with rewriting on. Built as a libFuzzer target by
// tests/devices/fuzz-pcap (clang -fsanitize=fuzzer,address,undefined); linked with
// tests/lib/fuzz_replay.c instead, it replays tests/devices/corpus and traces/ under
// `meson test` in the normal and ASan builds. Any result is fine
// but a host crash, a sanitizer report, or an error message in libpcap's own wording
// ("dump file", "BT_SHB_INSANE_MAX": pcap_in.c must say what is wrong in words).
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
