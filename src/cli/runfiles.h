// SPDX-License-Identifier: MIT
// The files of one run (runfiles.c): every file `denali run` reads or writes, checked
// together before any of them is opened, and the one way an output file is written.
// Every output of the CLI goes through here: --pcap-out, --profile, --results
// DIR/summary.json today; traces, timelines, checkpoints and console files later.
//
// Kinds of file, registered from the options (opts_files):
//   input      read only (--image, --client, --pcap-in, --console-in, a read-only
//              --disk): must be an existing regular file. A FIFO, device or directory
//              is refused without opening it (opening a FIFO blocks forever).
//   disk       a read-write --disk: read and written in place, so it is not an output
//              below; an existing regular file, or a new name when created (SIZE given).
//   output     written by the run: a new name or an existing regular file, in an
//              existing directory; or a file in a directory the run creates (--results).
// Two names are the same file when both exist with the same device and inode (hard
// links, symbolic links), or when their directories resolve to the same place and the
// last parts are equal (x, ./x and d/../x before x exists). An output that is the same
// file as anything else, and a read-write disk that is the same file as anything else
// (another disk, read-only or not, an image, a trace), are refused: one line naming
// both flags. Two inputs may be the same file.
//
// How an output is written (the protocol every output follows):
//   1. id = runfiles_output(rf, "--flag", path)  (or runfiles_output_in for DIR/NAME)
//   2. runfiles_check(rf): the rules above, nothing created
//   3. runfiles_prepare(rf): creates a hidden temporary file ".NAME.denali-PID.tmp" next
//      to each final name (and a missing --results directory), so an unwritable place
//      fails now, before the run. From here SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE
//      remove the temporary files (and the created directory) before the process dies.
//   4. the run writes runfiles_tmp(rf, id) (by path, or runfiles_fopen)
//   5. runfiles_commit(rf) renames every temporary file onto its final name (atomic per
//      file), or runfiles_abort(rf) removes them all: after bad input, an error or a
//      failed write, no output changes. An existing file under a final name is only
//      ever replaced by a complete one, keeping its permission bits. A crash (a signal
//      the process cannot catch) leaves only the hidden temporary files.
// Messages go to stderr as "denali run: FLAG PATH: problem" and the functions return 2,
// the exit status for bad input.
#ifndef DENALI_CLI_RUNFILES_H
#define DENALI_CLI_RUNFILES_H

#include <stdbool.h>
#include <stdio.h>

enum runfiles_kind { RUNFILES_INPUT, RUNFILES_DISK, RUNFILES_OUTPUT };

struct runfiles_entry {
	enum runfiles_kind kind;
	const char *flag;     // "--pcap-out" (static string)
	const char *shown;    // the path as the user gave it (for messages)
	char *dir;            // the directory (output: resolved at check time)
	const char *name;     // the last part of the path (output: the file name in dir)
	bool make_dir;        // output in a directory the run may create (--results)
	bool made_dir;        // prepare created dir (abort removes it when empty)
	bool may_create;      // disk: created when missing
	char *final;          // output: the final path (after prepare)
	char *tmp;            // output: the temporary path (after prepare)
	unsigned mode;        // output: permission bits to give the file (0: default)
};

struct runfiles {
	struct runfiles_entry *e; // n used of cap; nothing is added after prepare
	unsigned n, cap;
	bool prepared;
};

void runfiles_init(struct runfiles *rf);
// Registers an input read by the run (kind RUNFILES_INPUT) or a read-write disk
// (RUNFILES_DISK; may_create: it is created when missing). path must stay valid.
// Returns 0, or 2 after an error line (out of memory).
int runfiles_input(struct runfiles *rf, enum runfiles_kind kind, const char *flag,
		   const char *path, bool may_create);
// Registers an output file. Returns its id (>= 0), or -1 after an error line.
int runfiles_output(struct runfiles *rf, const char *flag, const char *path);
// Registers the output dir/name, where dir may be missing (prepare creates it when its
// parent exists; abort removes it again). Returns its id, or -1 after an error line.
int runfiles_output_in(struct runfiles *rf, const char *flag, const char *dir,
		       const char *name);
// Checks every rule above without creating or opening anything. Returns 0, or 2 after
// one error line.
int runfiles_check(struct runfiles *rf);
// Creates the temporary files (and a missing output directory) and installs the signal
// handlers. Returns 0, or 2 after one error line (nothing is left behind).
int runfiles_prepare(struct runfiles *rf);
// The temporary path an output is written to (valid after prepare).
const char *runfiles_tmp(const struct runfiles *rf, int id);
// The output's name as the user gave it (for messages).
const char *runfiles_shown(const struct runfiles *rf, int id);
// Opens the output's temporary file for writing ("w"). NULL after an error line.
FILE *runfiles_fopen(const struct runfiles *rf, int id);
// Renames every temporary file onto its final name. Returns 0, or 2 after an error
// line (the outputs not yet renamed are removed).
int runfiles_commit(struct runfiles *rf);
// Removes every temporary file (and a directory prepare created). Safe to call twice,
// and before prepare.
void runfiles_abort(struct runfiles *rf);
// Frees everything (after commit or abort).
void runfiles_free(struct runfiles *rf);

#endif
