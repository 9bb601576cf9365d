// SPDX-License-Identifier: MIT
// Experiment files (expfile.c; docs/experiments.md "Experiment files"): a whole run of
// `denali run` described in libconfig syntax. A file is read into the flags it stands
// for, so `denali run EXPERIMENT.cfg [flags]` is `denali run` with the file's flags and
// the command line's, the command line winning. --print-config writes the flags of a run
// back as an experiment file, every default filled in.
//
// Every file is untrusted input: a directory, a FIFO, a file over 1 MiB, a NUL byte, an
// @include, a syntax error, an unknown key or a value of the wrong type is refused with
// one line naming the file, the line and the key.
#ifndef DENALI_CLI_EXPFILE_H
#define DENALI_CLI_EXPFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXPFILE_MAX_BYTES (1u << 20)
#define EXPFILE_MAX_MACHINES 16u
#define EXPFILE_MAX_GROUPS 16u // per machine, its first group included

// A value from the file and where it was ("FILE:LINE: KEY"), or from the command line
// (where NULL). val NULL: not given.
struct expfile_val {
	char *val;
	char *where;
};

// One VM group of a machine: group 0 is the machine's own image (--image or --client),
// the others --group.
struct expfile_group {
	struct expfile_val image, vms, mem, args, intr, tickets;
	struct expfile_val disks[16];
	uint32_t ndisks;
};

struct expfile_machine {
	struct expfile_group g[EXPFILE_MAX_GROUPS];
	uint32_t ng;
};

// A flag with its value (NULL for a flag without one) and where it came from.
struct expfile_arg {
	const char *flag; // a static string ("--max-time")
	char *val;
	char *where;
};

struct expfile {
	char *name; // the file's name as given
	struct expfile_arg *args; // the file's other flags, in file order
	size_t nargs, cap;
	struct expfile_machine m[EXPFILE_MAX_MACHINES];
	uint32_t nm;
};

// Parses the text of an experiment file (len bytes, any bytes) named `name`. Returns 0
// and fills *e (free with expfile_free), or -1 with one line in err ("NAME:LINE: KEY:
// problem"); *e is then empty (expfile_free is still safe).
int expfile_parse(const char *name, const char *text, size_t len, struct expfile *e,
		  char *err, size_t errlen);
// Reads the file at path (a regular file of at most EXPFILE_MAX_BYTES) and parses it.
// Returns 0, or 2 after one line on stderr.
int expfile_load(const char *path, struct expfile *e);
void expfile_free(struct expfile *e);

// The argv of the run: "run", the file's flags (those the command line does not give),
// then the command line's flags (argv[first..argc)). The command line's --image,
// --vms, --mem and --args replace machine 0's first group's; --client-vms,
// --client-mem and --client-args every client machine's; --group-vms, --group-mem and
// --group-args every --group's; any other flag every value the file gives for it.
// --client and --group are refused with a file (it describes the machines). *where
// gets, per argv element, "FILE:LINE: KEY" or NULL (the command line). e NULL: no
// file, argv[first..argc) as it is. Returns 0
// (free with expfile_argv_free), or 2 after one line.
int expfile_argv(const struct expfile *e, int argc, char **argv, int first, int *out_argc,
		 char ***out_argv, const char ***where);
void expfile_argv_free(int argc, char **argv, const char **where);

// Writes the experiment that argv (argv[0] "run", flags only, as opts_parse accepts
// them) describes, every key with a default given its value, as an experiment file.
// Returns 0, or -1 when f could not be written.
int expfile_print(FILE *f, int argc, char **argv);

// The keys: section, kind, name, flag, the default for the reference ("-": none), and
// what --print-config writes when the run does not give it (NULL: nothing).
enum { EXPFILE_S_TOP,
       EXPFILE_S_ALL,
       EXPFILE_S_LINK,
       EXPFILE_S_TRACES,
       EXPFILE_S_OBSERVE,
       EXPFILE_S_M0,
       EXPFILE_S_GROUP,
       EXPFILE_NSEC };
enum { EXPFILE_K_VAL,
       EXPFILE_K_BOOL,
       EXPFILE_K_LIST,
       EXPFILE_K_META };
struct expfile_key {
	uint8_t sec, kind;
	const char *key, *flag, *def, *fill;
};
extern const char *const expfile_sec_name[EXPFILE_NSEC]; // "" for the top level
const struct expfile_key *expfile_key_table(size_t *n);

// The key reference (docs/experiments.md): one line per key, "SECTION KEY FLAG
// DEFAULT" (for the docs checker and tests).
void expfile_keys(FILE *f);

#endif
