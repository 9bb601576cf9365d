// SPDX-License-Identifier: MIT
// Writes a run's guest-code profile (src/vmm/profile.h) for `denali run --profile FILE`.
#ifndef DENALI_CLI_PROFILE_OUT_H
#define DENALI_CLI_PROFILE_OUT_H

#include <stdio.h>

#include "vmm/kernel.h"

// Writes to f and closes it (f is the output's temporary file, runfiles.h; name is
// the file the user gave, for messages): comment lines starting with '#', then
// "COUNT 0xEIP" per sampled address, most samples first. scripts/profile-report maps
// the addresses to the image's functions. Returns 0, or 2 after an error line.
int profile_out_write(const struct kernel *k, const char *image, FILE *f, const char *name);

#endif
