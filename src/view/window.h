// SPDX-License-Identifier: MIT
// The interactive window of `denali run --view` (window.c): draws the picture at most
// about 30 times a second of host time and handles the keyboard and the mouse. Host
// time decides only when a picture is drawn (and, with --view-pace, how long the run
// waits), never anything in the run. Pausing and stepping go through the control
// interface (vmm/ctl.h): a stop freezes every machine while the window is served.
#ifndef DENALI_VIEW_WINDOW_H
#define DENALI_VIEW_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct view;

int window_open(struct view *v, char *err, size_t errlen);
int window_attach(struct view *v, char *err, size_t errlen);
// At a sample of machine 0 (one machine), or between rounds (several).
void window_sample(struct view *v, uint64_t now);
void window_round(struct view *v);
// Machine 0's running VM left the CPU (OBS_DESCHED): the end of a quantum step.
void window_desched(struct view *v);
struct canvas;
// The last frame drawn, and what the window did (for tests).
const struct canvas *window_canvas(const struct view *v);
struct window_stats {
	uint64_t frames;        // pictures drawn
	uint64_t pauses;        // stops served paused (space)
	uint64_t quantum_stops; // stops after one quantum (n)
	uint64_t interval_stops; // stops after one sample interval (i)
	uint64_t keys;          // key presses handled
	double pace;            // the pacing now (simulated s per host s; 0: unpaced)
};
struct window_stats window_stats(const struct view *v);
// After the run: the last picture stays until the user closes the window (or at once
// with --view-exit).
void window_end(struct view *v);
bool window_quit(const struct view *v);
void window_close(struct view *v);

#endif
