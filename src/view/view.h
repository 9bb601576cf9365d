// SPDX-License-Identifier: MIT
// The SDL2 view of a run (view.c; docs/view.md): every VM of every machine as a cell
// coloured by its state, the link between machines, a side panel with the time, speed
// and live plots of the interval statistics, overlays; headless screenshots
// (--screenshot FILE.png --screenshot-at T) and an interactive window (--view).
//
// How it reads the run. The view is an observer of the event stream (vmm/obs.h): it
// subscribes to OBS_SAMPLE (and to frames and swap events for its overlays) on each
// machine, and reads the kernel only inside those callbacks, through the read-only
// kernel pointer a sample carries and the control interface's accessors (vmm/ctl.h
// ctl_vm_state, ctl_cpu, ctl_read). It keeps no copy of any VM's state: a picture is
// drawn from the kernel itself at a sample point. The window pauses and steps the run
// through the control interface (ctl_attach: a stop freezes every machine's time).
// Nothing the view does changes the run: the digest with and without it is the same
// (tests/view). This header needs no SDL: the front end builds without it.
//
// Threads: with --machine-threads, machines call the view from their own threads;
// each draws only its own part of a picture, and view_round (between rounds, on the
// front end's thread) writes pictures every machine has drawn.
#ifndef DENALI_VIEW_VIEW_H
#define DENALI_VIEW_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct kernel;
struct view;

// Overlays (--view-overlay): what the grid shows besides the state.
enum view_overlay {
	VIEW_OV_NONE = 0,
	VIEW_OV_IRQ,     // interrupts pending: a white mark
	VIEW_OV_FRAMES,  // frames received in the last interval: heat
	VIEW_OV_SWAP,    // swap traffic (blocks out and in) in the last interval: heat
	VIEW_OV_COUNTER, // a results-port counter per VM (view_config.counter): heat
	VIEW_OV_N
};
// "irq", "frames", "swap", "counter" (and "none"); -1 for an unknown name.
int view_overlay_parse(const char *s);
const char *view_overlay_name(enum view_overlay ov);

#define VIEW_MAX_SHOTS 64

struct view_config {
	uint32_t nshots;                 // --screenshot FILE --screenshot-at T pairs
	const uint64_t *shot_ns;         // their times (simulated ns), in the order given
	// Opens screenshot i's output (the run's temporary file): NULL after an error line.
	FILE *(*shot_open)(void *ctx, uint32_t i);
	const char *(*shot_name)(void *ctx, uint32_t i); // the name given, for messages
	void *ctx;
	bool window;       // --view: an interactive window
	int width, height;               // pixels (0: 1280 x 800)
	uint64_t interval_ns;            // the panel's statistics interval (0: 10 ms)
	uint64_t align_ns;               // other observers' sample period (0: none): the
					 // view samples at a divisor of it, so theirs stay
	enum view_overlay overlay;
	const char *counter;             // VIEW_OV_COUNTER: the results counter's name
	double pace;       // window: simulated s per host s to pace at (0: as
					 // fast as it goes)
	bool exit_at_end;                // window: close when the run ends
	const char *title;               // the run, for the window's title and the panel
};

// Makes the view for machines k[0..n-1] (k[m] NULL: not in this process; the run's
// process must have machine 0). Returns 0, or -1 with one line in err (SDL could not
// start, no display for --view, out of memory).
int view_new(struct view **out, const struct view_config *cfg, uint32_t n,
	     struct kernel *const *k, char *err, size_t errlen);
// Subscribes to the machines' event streams (and, with a window, attaches to the
// control interface of machine 0). Returns 0, or -1 (too many observers; a debugger
// holds the control interface) with err.
int view_attach(struct view *v, char *err, size_t errlen);
// Between rounds of several machines (world_ctl.round): writes the screenshots every
// machine has drawn, and serves the window. Returns false when the user asked to quit.
bool view_round(struct view *v);
// After the run: screenshots of times the run did not reach show its end; writes them
// all. Returns 0, or -1 after one error line on stderr (a screenshot not written).
int view_end(struct view *v);
// Whether the user closed the window (the run should stop).
bool view_quit(const struct view *v);
// Unsubscribes and frees (the kernels must still exist).
void view_free(struct view *v);

#endif
