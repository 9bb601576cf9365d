// SPDX-License-Identifier: MIT
// Writes a run's guest-code profile (src/vmm/profile.h) for `denali run --profile FILE`.
#ifndef DENALI_CLI_PROFILE_OUT_H
#define DENALI_CLI_PROFILE_OUT_H

#include "vmm/kernel.h"

// FILE: comment lines starting with '#', then "COUNT 0xEIP" per sampled address, most
// samples first. scripts/profile-report maps the addresses to the image's functions.
// Returns 0, or 2 after an error line naming the file.
int profile_out_write(const struct kernel *k, const char *image, const char *path);
// Before a run: creates FILE (empty) so that an unwritable path fails at once, not
// after the run. Returns 0, or 2 after an error line naming the file.
int profile_out_check(const char *path);

#endif
