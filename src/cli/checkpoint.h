// SPDX-License-Identifier: MIT
// Checkpoints from the command line (checkpoint.c; docs/debugging.md "Checkpoint,
// resume, fork"). A checkpoint file (src/vmm/ckpt.h) written by `denali run` holds,
// besides the machine's sections (vmm/kernel_ckpt.h):
//   ARGS/0  the run's flags, NUL-separated (without its checkpoint flags)
//   IMAG/0  the image's absolute path, NUL, and the SHA-256 of its bytes
// `denali resume FILE` rebuilds the run from ARGS (with the flags it may change: see
// resume.c), checks the image against IMAG, loads the machine and runs on.
#ifndef DENALI_CLI_CHECKPOINT_H
#define DENALI_CLI_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckptopts.h"
#include "runfiles.h"
#include "vmm/ckpt.h"
#include "vmm/kernel.h"

#define CHECKPOINT_ARGS CKPT_TAG('A', 'R', 'G', 'S')
#define CHECKPOINT_IMAGE CKPT_TAG('I', 'M', 'A', 'G')

// The build identity checkpoints carry (build_id.h: version and a hash of the sources).
const char *checkpoint_build_id(void);

// Writing during a run: install with checkpoint_begin (after kernel_new), check with
// checkpoint_end after the run.
struct checkpoint_run {
	const struct ckptopts *ck;
	const struct runfiles *rf;
	const int *ids;           // the runfiles ids of the checkpoint files
	int argc;                 // the run's flags (argv[0] = "run")
	char **argv;
	char *image_abs;          // the image's absolute path
	uint8_t image_sha[SHA256_BYTES];
	uint32_t next;            // the next checkpoint to write
	bool failed;              // one could not be written (already said, one line)
	uint64_t at_cycles[CKPTOPTS_MAX];
	uint64_t bytes[CKPTOPTS_MAX];
	double host_s[CKPTOPTS_MAX];
};

// Installs the hook on k for the checkpoints ck asks for. Returns 0, or 2 after one
// line (the image cannot be read).
int checkpoint_begin(struct checkpoint_run *c, const struct ckptopts *ck,
		     const struct runfiles *rf, const int *ids, int argc, char **argv,
		     const char *image, struct kernel *k);
// After the run: 0 when every checkpoint was written, else 2 after one line (one could
// not be written, or the run ended before its time). Prints one line per checkpoint
// unless quiet.
int checkpoint_end(struct checkpoint_run *c, const struct kernel *k, bool quiet);
void checkpoint_run_free(struct checkpoint_run *c);

// Reading (resume.c): the file, whole, and its reader.
struct checkpoint_resume {
	const char *path;
	uint8_t *bytes;
	size_t len;
	struct ckpt_reader r;
	char sha_hex[2 * SHA256_BYTES + 1]; // of the whole file: the fork's parent
	double read_s;                      // host seconds to read and load it
	uint64_t at_cycles;                 // the machine's clock in it
};

// Loads machine k from the checkpoint (after kernel_new and devices). Returns 0, or 2
// after one line naming the file.
int checkpoint_load(struct checkpoint_resume *res, struct kernel *k);

#endif
