// SPDX-License-Identifier: MIT
// Everything that watches a `denali run` while it goes (observe.c; docs/observe.md):
// the observers of the event stream (traces, timeline, time series, streaming console
// lines and console files: src/trace), the progress line, and Ctrl-C / SIGTERM. One
// session serves one machine (kernel_run) or several (world_run). Lifecycle:
//   observe_start   after the kernels and their devices exist, before the run: opens
//                   the trace's temporary file (runfiles.h; prepared before),
//                   subscribes the observers, installs the poll hook and the
//                   SIGINT/SIGTERM handlers
//   (the run)       kernel_run / world_run
//   observe_end     after the run, before the report: ends open slices and partial
//                   lines, writes everything buffered, erases the progress line
//   observe_commit  after the report: writes the timeline and time series into their
//                   temporary files and the console files into place (runfiles_commit
//                   then renames the rest)
//   observe_free    (observe_abort instead of commit after an error: no output changes)
#ifndef DENALI_CLI_OBSERVE_H
#define DENALI_CLI_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

struct obsopts;
struct kernel;
struct image;
struct world;
struct runfiles;
struct observe;

struct observe_machines {
	uint32_t n;
	struct kernel *const *k;      // machine m's kernel (NULL when not here)
	const bool *here;             // per machine: it runs in this process (under mpirun,
				      // on this rank; NULL: every one); only these are
				      // watched, the others' kernels may be NULL
	const struct image *const *img;
	const uint32_t *console_show; // per machine: VMs 0..show-1 stream console lines
	bool quiet;                   // --quiet: no console lines, no progress line
	uint64_t max_time_ns;         // for the progress line (0: none)
	const struct runfiles *rf;    // the run's files (prepared): the outputs below
	int trace_id, timeline_id, stats_id; // runfiles ids of --trace-file, --timeline,
					     // DIR/timeseries.csv (-1: none)
	int shot_id;                  // the first --screenshot's id (the others follow)
};

// Returns 0 with *out, or 2 after one error line (bad place for an output, no memory).
int observe_start(struct observe **out, const struct obsopts *oo,
		  const struct observe_machines *m);
// Several machines: the world's hooks (round flushes, poll between rounds).
void observe_world(struct observe *s, struct world *w);
// After the run. Returns 0, or 2 after an error line (a trace could not be written).
int observe_end(struct observe *s);
// Writes the timeline and time series into their temporary files and renames the
// console files into place. Returns 0, or 2 after an error line (then the caller
// aborts the run's files).
int observe_commit(struct observe *s);
void observe_abort(struct observe *s);
void observe_free(struct observe *s);
// For gdb's reverse execution (gdb/history.h, struct gdb_history_streams; obs is the
// session): the records each output stream has written so far (m[0..7]); and a replay
// counting the records up to those marks without writing them again, on the streams
// that cannot be rewound (a terminal, a pipe: not a regular file).
void observe_stream_marks(void *obs, uint64_t m[8]);
void observe_stream_hide(void *obs, const uint64_t m[8]);
// The signal that interrupted the run (SIGINT, SIGTERM), or 0.
int observe_signal(void);
// "SIGINT", "SIGTERM" (or "nothing").
const char *observe_signal_name(void);

#endif
