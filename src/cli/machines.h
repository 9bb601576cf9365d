// SPDX-License-Identifier: MIT
// Several simulated machines in one `denali run` (machines.c; docs/machines.md): machine
// 0 runs --image, each --client FILE adds a client machine (flags: machopts.h).
#ifndef DENALI_CLI_MACHINES_H
#define DENALI_CLI_MACHINES_H

#include "opts.h"

// Runs machine 0 and the clients, reports, writes summary.json. Returns the exit
// status: 0 when every client VM exited 0 and no VM anywhere was killed, 1 otherwise,
// 2 for bad input.
int machines_run(const struct run_opts *o);

#endif
