// SPDX-License-Identifier: MIT
// The text report of `denali run` (report.c), shared by one machine (run.c) and several
// (machines.c). Everything goes to stdout except the diagnostics (stderr). The host
// wall-clock time appears only where host_s >= 0 is passed; it never reaches the digest
// or summary.json (results_out.h).
#ifndef DENALI_CLI_REPORT_H
#define DENALI_CLI_REPORT_H

#include "vmm/kernel.h"

// "vm N: terminated, exit code 0, 882 instructions" (or "mM vm N: ..."); a hung or
// stopped VM gets a second line: where it is and what it waits for.
void report_status_line(const struct kernel *k, const struct vm *vm, uint32_t machine);
// A machine's header line, "IMAGE, N VMs, M KiB memory each" (prefix first), or with
// VM groups "N VMs in G groups" and one line per group: its VM ids, image, memory and
// command line.
void report_machine_header(const struct kernel *k, const char *prefix, const char *image);
// The summary lines of one machine, from "end" to its results; host_s < 0: no host
// time or MIPS lines.
void report_summary_body(const struct kernel *k, double host_s);
// The scheduler, interrupt and context-switch lines (part of the summary body; a small
// run prints them alone when there were interrupts or exceptions).
void report_intr(const struct kernel *k);
// The device lines (nothing without devices; part of the summary body).
void report_devices(const struct kernel *k);
// The guests' named results, one line each (nothing when there are none).
void report_results(const struct results *r);
#define REPORT_FULL 3  // killed VMs whose full fault report is printed; hung VMs listed
#define SMALL_REPORT 4 // runs up to this many VMs list hung VMs in their status lines
// The killed VMs' diagnostics (at most 20; the first REPORT_FULL with their fault
// report), hung VMs' places (larger runs) and a host out-of-memory warning, on stderr.
void report_diagnostics(const struct kernel *k);
// "all VMs ended", "max time reached", ...
const char *report_end_name(enum kernel_end e);
// The host's monotonic clock in seconds: only for the "host time" line.
double report_host_seconds(void);

#endif
