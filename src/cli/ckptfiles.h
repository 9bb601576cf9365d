// SPDX-License-Identifier: MIT
// The files a checkpoint's devices depend on (ckptfiles.c; docs/debugging.md
// "Checkpoint, resume, fork"). Besides the machines' state, a checkpoint records:
//   INPT/m  machine m's inputs besides its image: the trace (--pcap-in), the console
//           input file (--console-in), every read-only --disk and its VM groups'
//           images (--group), each as its flag, its path as given and the SHA-256 of
//           its bytes when the run began. `denali resume`
//           refuses to go on when one differs (one line naming it): the replay
//           position and a shared disk's blocks only mean something in those bytes.
//           (A read-write disk's contents are in the machine's state: disk.h.)
//   POUT/m  machine m's capture (--pcap-out) up to the checkpoint: the path as given,
//           its length in bytes, its frames and the SHA-256 of those bytes. A resumed
//           run writes a whole capture again: those bytes, copied from that file after
//           checking them, then the frames from the checkpoint on (appended), so that
//           run-to-T1 + resume-to-T2 gives the same file, byte for byte, as one run to
//           T2. The copy goes into the resumed run's own output (runfiles.h: written
//           whole when the run ends well, or not at all); `denali resume --pcap-out
//           OTHER` writes it there and leaves the first file alone.
#ifndef DENALI_CLI_CKPTFILES_H
#define DENALI_CLI_CKPTFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/devset.h"
#include "machopts.h"
#include "runfiles.h"
#include "vmm/ckpt.h"
#include "vmm/kernel.h"
#include "vmm/world.h"

#define CHECKPOINT_INPUTS CKPT_TAG('I', 'N', 'P', 'T')
#define CHECKPOINT_CAPTURE CKPT_TAG('P', 'O', 'U', 'T')

// Machines n, each one's INPT section; the capture's runfiles id (or -1) and its path
// as given.
struct ckptfiles {
	uint32_t n;
	struct pack inputs[WORLD_MAX_MACHINES];
	const struct runfiles *rf;
	int capture_id;
	const char *capture_shown;
};

// Hashes every machine's inputs (dev[m]: machine m's devices, or NULL; mo: the VM
// groups) now, before the run (call after the devices are attached: a disk they
// created exists). capture_id: the --pcap-out runfiles id, or -1. Returns 0, or 2
// after one line.
int ckptfiles_begin(struct ckptfiles *f, uint32_t n, const struct devset_config *const *dev,
		    const struct machopts *mo, const struct runfiles *rf, int capture_id);
// Adds INPT/m for every machine and POUT/m for the one with a capture (its file is
// flushed and hashed). Returns 0, or -1 with one line in err.
int ckptfiles_write(const struct ckptfiles *f, struct kernel *const *k,
		    struct ckpt_writer *w, char *err, size_t errlen);
void ckptfiles_free(struct ckptfiles *f);

// Resuming machine m from the checkpoint read by r (from file `path`), whose devices
// dc will be (and VM groups mo's): checks the inputs against INPT/m and, when the checkpoint has machine
// m's capture and dc captures, copies its checked bytes into capture_tmp (the resumed
// run's capture output) and sets dc to append there. Returns 0, or 2 after one line.
int ckptfiles_resume(const struct ckpt_reader *r, const char *path, uint32_t m,
		     struct devset_config *dc, const struct machopts *mo,
		     const char *capture_tmp);

#endif
