// SPDX-License-Identifier: MIT
// Checkpoints from the command line (checkpoint.c; docs/debugging.md "Checkpoint,
// resume, fork"). A checkpoint file (src/vmm/ckpt.h) written by `denali run` holds,
// besides the machine's sections (vmm/kernel_ckpt.h):
//   ARGS/0  the run's flags, NUL-separated (without its checkpoint flags)
//   IMAG/m  machine m's image: its absolute path, NUL, and the SHA-256 of its bytes
//   WRLD/0  with several machines (--client): the link between them (world_ckpt_save)
//   INPT/m, POUT/m  the devices' input files and the capture so far (ckptfiles.h)
// `denali resume FILE` rebuilds the run from ARGS (with the flags it may change: see
// resume.c), checks the image against IMAG, loads the machine and runs on.
#ifndef DENALI_CLI_CHECKPOINT_H
#define DENALI_CLI_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckptfiles.h"
#include "ckptopts.h"
#include "runfiles.h"
#include "vmm/ckpt.h"
#include "vmm/kernel.h"
#include "vmm/world.h"

struct json_object;

#define CHECKPOINT_ARGS CKPT_TAG('A', 'R', 'G', 'S')
#define CHECKPOINT_IMAGE CKPT_TAG('I', 'M', 'A', 'G')
#define CHECKPOINT_WORLD CKPT_TAG('W', 'R', 'L', 'D')

// The build identity checkpoints carry (build_id.h: version and a hash of the sources).
const char *checkpoint_build_id(void);

#define CHECKPOINT_REQ_MAX 16u

// A checkpoint gdb asked for (monitor checkpoint FILE): written at the next point
// between two dispatches; msg says how it went.
struct checkpoint_req {
	char path[1024];
	char msg[512];
	bool written;
};

// Writing during a run: install with checkpoint_begin (after kernel_new), check with
// checkpoint_end after the run.
struct checkpoint_run {
	const struct ckptopts *ck;
	const struct runfiles *rf;
	const int *ids;           // the runfiles ids of the checkpoint files
	int argc;                 // the run's flags (argv[0] = "run")
	char **argv;
	uint32_t n;               // machines
	struct kernel *k;         // one machine: its kernel; else NULL and
	struct world *w;          // several machines: their world
	const char *image[WORLD_MAX_MACHINES]; // each machine's image, as given,
	const struct devset_config *dev[WORLD_MAX_MACHINES]; // its devices (or NULL)
	const struct machopts *mo; // the VM groups
	int capture_id;           // the --pcap-out output, or -1
	bool hashed;              // image_abs, image_sha and files are made (hash_inputs)
	char *image_abs[WORLD_MAX_MACHINES];  // each machine's image, absolute
	uint8_t image_sha[WORLD_MAX_MACHINES][SHA256_BYTES];
	struct ckptfiles files;   // the devices' files (INPT, POUT)
	uint32_t next;            // the next checkpoint to write
	bool failed;              // one could not be written (already said, one line)
	struct checkpoint_req req[CHECKPOINT_REQ_MAX]; // asked for, not yet written
	struct checkpoint_req done[CHECKPOINT_REQ_MAX]; // written (or failed)
	uint32_t nreq, ndone;
	uint64_t at_cycles[CKPTOPTS_MAX];
	uint64_t bytes[CKPTOPTS_MAX];
	double host_s[CKPTOPTS_MAX];
};

// Installs the hook for the checkpoints ck asks for: on k (one machine, w NULL), or on
// w (n machines, k NULL), whose images are image[0..n), devices dev[0..n) (NULL:
// none) and VM groups mo's; capture_id is the --pcap-out output's runfiles id, or -1. Returns 0, or 2
// after one line (an image or input cannot be read).
int checkpoint_begin(struct checkpoint_run *c, const struct ckptopts *ck,
		     const struct runfiles *rf, const int *ids, int argc, char **argv,
		     const char *const *image, const struct devset_config *const *dev,
		     const struct machopts *mo, int capture_id, uint32_t n, struct kernel *k,
		     struct world *w);
// gdb's `monitor checkpoint FILE` (gdb_ckpt_fn; ctx: the checkpoint_run of a run
// begun with checkpoint_begin): the checkpoint is taken at the next point between two
// dispatches, written then (whole: a temporary file renamed), and reported by
// checkpoint_end. Returns 0, or -1 (msg says why: the place takes no file, too many).
int checkpoint_request(void *ctx, const char *path, char *msg, size_t len);
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
// Several machines: checks machine m's image (m >= 1: resume.c checks machine 0's)
// against the checkpoint, and loads the link (after every kernel). Return 0, or 2
// after one line.
int checkpoint_check_image(struct checkpoint_resume *res, uint32_t m, const char *path);
int checkpoint_load_world(struct checkpoint_resume *res, struct world *w);
// The resumed run's "resumed from" line (unless quiet) and its summary.json field.
void checkpoint_report(const struct checkpoint_resume *res, const struct kernel *k,
		       bool quiet);
void checkpoint_json(const struct checkpoint_resume *res, const struct kernel *k,
		     struct json_object *j);

#endif
