// SPDX-License-Identifier: MIT
// A whole machine in a checkpoint (kernel_ckpt.c; the file container is ckpt.h): its
// clock, statistics, event queue, scheduler, results, devices (NICs and the switch:
// devhost_ckpt_save), every VM (registers, run state,
// interrupt state, timer, console, guest memory through mem_ckpt.h), the memory model
// and the data TLB (the context-switch cost counts its misses). Decoded code is never
// saved: it is decoded again as the guest runs, which changes no result (docs/design.md).
//
// A machine is saved at a clean point: between two dispatches (kernel_ckpt_hook fires
// there), or, in a run of several machines, between rounds (a slice a horizon paused is
// saved with it). It is loaded into a fresh kernel (kernel_new with the same image and a
// config kernel_ckpt_read accepts, devices attached as when it was saved, not run yet),
// and then runs on exactly as the saved one would have: the same digest, statistics and
// outputs (tests/ckpt/test_resume.c). A fork loads it into a kernel whose config
// differs in what may change (docs/debugging.md "Fork"): quantum, context-switch and
// interrupt costs and max time are read from the config as the run goes; interrupt
// policies are taken from it here (pending interrupts kept).
#ifndef DENALI_VMM_KERNEL_CKPT_H
#define DENALI_VMM_KERNEL_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/ckpt.h"
#include "vmm/kernel.h"

#define KERNEL_CKPT_TAG CKPT_TAG('K', 'E', 'R', 'N')  // id: the machine number
#define KERNEL_CKPT_PAGES CKPT_TAG('P', 'A', 'G', 'E') // its distinct page contents
// The kernel's per-VM data in the caches (ctxcache.h), only when that model is on: a
// checkpoint without it resumes with every VM's data cold, and one with it into a run
// with the model off ignores it (both forks).
#define KERNEL_CKPT_CTXCACHE CKPT_TAG('C', 'T', 'X', 'C')

// Adds machine k's sections to w. Returns 0, or -1 with one line in err (a machine not
// at a clean point, or with state checkpoints do not cover yet: trace replay or
// capture, disks, console input, a TAP, several machines, a guest-code profile).
int kernel_ckpt_write(struct kernel *k, struct ckpt_writer *w, char *err, size_t errlen);
// Loads machine k->cfg.machine_id's sections from r into k (fresh, see above). The file
// is untrusted: every count, index and state is checked. Returns 0, or -1 with one line
// in err naming the file and what is wrong; k must then be freed, not run.
int kernel_ckpt_read(struct kernel *k, const struct ckpt_reader *r, char *err, size_t errlen);

#endif
