// SPDX-License-Identifier: MIT
// The `denali` binary: dispatches to a subcommand (cli.h). Each subcommand parses its
// own flags and documents them under `denali CMD --help`. Exit status: 0 success,
// 1 a run or test failed, 2 bad input.
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"

#ifndef DENALI_VERSION
#define DENALI_VERSION "unknown"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", cli_run, "run N VMs of a guest image and report their results" },
	{ "resume", cli_resume, "continue a run from a checkpoint (denali run --checkpoint)" },
	{ "disasm", cli_disasm, "list the instructions of a guest image" },
	{ "cpu-test", cli_cputest, "check the interpreter against the host CPU" },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f,
		"usage: denali COMMAND [options]   (denali COMMAND --help for its options)\n"
		"A deterministic simulator of the Denali isolation kernel (OSDI 2002).\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\n"
		"  -h, --help      show this help\n"
		"  --version       print the version\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("denali %s\n", DENALI_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	return args_error_cmd("denali", "unknown command '%s' (see denali --help)", cmd);
}
