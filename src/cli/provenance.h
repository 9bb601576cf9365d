// SPDX-License-Identifier: MIT
// Where a results directory came from (provenance.c; docs/experiments.md "Provenance"):
// `denali run --results DIR` writes, beside DIR/summary.json,
//   DIR/experiment.cfg   the run's whole experiment as a file (expfile_print: every
//                        flag, defaults filled in); `denali run DIR/experiment.cfg`
//                        runs it again
//   DIR/provenance.json  the denali version and git commit (from the build; "unknown"
//                        when built outside a git tree), the SHA-256 of the denali
//                        binary, of the experiment file and of every image, trace and
//                        disk input (disks as they were before the run), the command,
//                        the host name and host time (UTC), and the run's digest.
// None of this reaches the digest or summary.json: the host and the time are only here.
#ifndef DENALI_CLI_PROVENANCE_H
#define DENALI_CLI_PROVENANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "runfiles.h"

#define PROV_MAX_INPUTS 64

struct provenance {
	struct prov_input {
		const char *flag, *path; // as registered in runfiles (valid for the run)
		char sha256[65];         // lower-case hex ("new": a disk the run creates)
		bool disk;               // a read-write disk (hashed as it was before the run)
	} in[PROV_MAX_INPUTS];
	unsigned n;
	const char *expfile; // the experiment file, or NULL
	char expfile_sha256[65];
	char exe_sha256[65]; // "unknown" when /proc/self/exe cannot be read
	char host[256];
	char time_utc[32];   // "2026-12-07T05:10:00Z"
};

// Hashes every input and disk registered in rf (call after runfiles_check, before the
// run changes a disk), the experiment file (or NULL) and the binary; notes the host
// and the time. Returns 0, or 2 after one error line (an input that cannot be read).
int provenance_begin(struct provenance *p, const struct runfiles *rf, const char *expfile);
// Writes DIR/provenance.json (output id) with the run's digest and argv (the run's
// flags). Returns 0, or 2 after one error line.
int provenance_write(const struct provenance *p, const struct runfiles *rf, int id,
		     uint64_t digest, int argc, char **argv);

// The version and commit this denali was built from ("0.1.0", a commit id with
// "-dirty" when the tree had changes, or "unknown").
const char *provenance_version(void);
const char *provenance_commit(void);

#endif
