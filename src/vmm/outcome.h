// SPDX-License-Identifier: MIT
// A machine's outcome, carried from the process that ran it to the one that reports
// (outcome.c; several machines over MPI, world.h). The outcome is everything a report
// and the digest read from an ended kernel: its clock and end, the statistics, every
// VM's state, exit code, counters, console and diagnostic, the guests' results, the
// memory model's and the devices' counters. The reporting process builds the same
// kernel (kernel_new, same config, no devices, never run) and unpacks the outcome into
// it; kernel_digest, the summary and summary.json then read it as if it had run there.
// Plain structs (statistics, histograms) travel as raw bytes: every process runs the
// same build, which a fingerprint of their sizes checks.
#ifndef DENALI_VMM_OUTCOME_H
#define DENALI_VMM_OUTCOME_H

#include <stddef.h>

#include "vmm/kernel.h"
#include "vmm/pack.h"

// Appends the outcome of k (ended: kernel_finish) to b.
void outcome_pack(const struct kernel *k, struct pack *b);
// Reads an outcome into k, a fresh kernel of the same config that never ran and has
// no devices. Returns 0, or -1 with a message in err (a damaged buffer, another build,
// another config, no memory).
int outcome_unpack(struct kernel *k, struct unpack *u, char *err, size_t errlen);

#endif
