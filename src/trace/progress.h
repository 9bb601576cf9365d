// SPDX-License-Identifier: MIT
// The progress line of a long run (progress.c): simulated time (of --max-time when
// given), host time, guest MIPS, VMs alive and, with a max time, an estimate of the
// host time left. On a terminal one stderr line is refreshed in place (twice a second,
// from one second into the run on); otherwise a plain line is printed every
// `every_s` seconds of host time. It reads the kernels between slices or rounds (the
// poll hooks of kernel.h and world.h) and only reads them, so it never changes a run;
// it is the only place besides the host-time summary line that reads the host clock.
#ifndef DENALI_TRACE_PROGRESS_H
#define DENALI_TRACE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct kernel;
struct progress;

struct progress_config {
	FILE *f;              // stderr
	bool tty;             // refresh one line in place
	double every_s;       // not a terminal: seconds between lines (default 10)
	uint64_t max_cycles;  // --max-time in cycles, 0: none
	uint32_t cpu_khz;
};

struct progress *progress_new(const struct progress_config *cfg);
void progress_free(struct progress *p);
// Prints a line if one is due. ks: the run's machines (time and VMs of machine 0 lead).
void progress_poll(struct progress *p, struct kernel *const *ks, uint32_t n);
// Erases the refreshed line (terminal), before the run's own output.
void progress_clear(struct progress *p);
// Host seconds since CLOCK_MONOTONIC's origin.
double progress_host_seconds(void);

#endif
