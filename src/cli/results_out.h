// SPDX-License-Identifier: MIT
// summary.json for `denali run --results DIR` (results_out.c). Fields are documented
// where their feature is: docs/devices.md ("devices"), docs/machines.md ("machines",
// "link"), docs/isa.md 9.5 ("results"), docs/experiments.md (interrupts, scheduler).
#ifndef DENALI_CLI_RESULTS_OUT_H
#define DENALI_CLI_RESULTS_OUT_H

#include <stdint.h>

#include <json-c/json.h>

#include "opts.h"
#include "runfiles.h"
#include "vmm/kernel.h"
#include "vmm/world.h"

// One machine's object: image, configuration, counters, memory model, devices, the
// guests' named results, interrupts and every VM; "digest" = digest.
json_object *results_out_machine(const struct kernel *k, const char *image,
				 const struct run_opts *o, uint64_t digest);
// Several machines: machine 0's object with the run's digest, plus "machines" (one
// object per machine, with "machine", "role" and "cmdline") and "link".
json_object *results_out_world(const struct run_opts *o, const struct world *w,
			       const char *const *image, uint64_t digest);
// Writes j to the output id (DIR/summary.json's temporary file, runfiles.h) and frees
// j. Returns 0, or 2 after an error line.
int results_out_write(const struct runfiles *rf, int id, json_object *j);

#endif
