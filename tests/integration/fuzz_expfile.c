// SPDX-License-Identifier: MIT
// Fuzz target of the experiment-file reader (src/cli/expfile.c, expmerge.c): any bytes
// as a file. Parsing must end in success or one error line naming the file; a parsed
// file is merged into an argv (as `denali run FILE` does, no command-line flags), the
// argv parsed and checked by opts_parse_from/opts_check (their error lines are fine)
// and written back with expfile_print, which must read back to the same argv.
// Linked with tests/lib/fuzz_replay.c, `meson test` replays tests/integration/
// corpus-expfile; tests/integration/fuzz-expfile runs it under libFuzzer.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expfile.h"
#include "opts.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_expfile: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct expfile e;
	char err[640];
	if (expfile_parse("fuzz.cfg", (const char *)data, size, &e, err, sizeof err) != 0) {
		if (!err[0] || strchr(err, '\n') || strncmp(err, "fuzz.cfg", 8))
			die("an error that is not one line naming the file");
		expfile_free(&e);
		return 0;
	}
	char *argv0[] = { "run", NULL };
	int argc;
	char **argv;
	const char **where;
	int rc = expfile_argv(&e, 1, argv0, 1, &argc, &argv, &where);
	expfile_free(&e);
	if (rc != 0)
		return 0;
	struct run_opts o;
	if (opts_parse_from(argc, argv, where, &o) == 0 && opts_check(&o) == 0) {
		// Written back and read again: the same flags.
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (!f || expfile_print(f, argc, argv) != 0)
			die("expfile_print failed");
		fclose(f);
		struct expfile e2;
		if (expfile_parse("printed.cfg", text, len, &e2, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n%s\n", err, text);
			die("--print-config output does not read back");
		}
		int argc2;
		char **argv2;
		const char **where2;
		if (expfile_argv(&e2, 1, argv0, 1, &argc2, &argv2, &where2) != 0)
			die("--print-config output does not merge");
		expfile_free(&e2);
		char *t2 = NULL;
		size_t len2 = 0;
		FILE *f2 = open_memstream(&t2, &len2);
		if (!f2 || expfile_print(f2, argc2, argv2) != 0)
			die("expfile_print failed (again)");
		fclose(f2);
		if (len != len2 || memcmp(text, t2, len))
			die("--print-config is not a fixed point");
		free(t2);
		free(text);
		expfile_argv_free(argc2, argv2, where2);
	}
	expfile_argv_free(argc, argv, where);
	return 0;
}
