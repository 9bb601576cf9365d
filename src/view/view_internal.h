// SPDX-License-Identifier: MIT
// The view's state, shared by its files (view.h says what the view is):
//   view.c    the session: observers, samples, screenshots
//   scene.c   the picture: machines side by side, the link, the side panel
//   window.c  the interactive window: events, pausing and stepping, the inspector
#ifndef DENALI_VIEW_VIEW_INTERNAL_H
#define DENALI_VIEW_VIEW_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "view/canvas.h"
#include "view/grid.h"
#include "view/palette.h"
#include "view/view.h"

struct timeseries;
struct dis;

// What one machine showed in one picture (captured when it drew its part).
struct vcapture {
	bool done;
	uint64_t time;                 // cycles
	uint32_t count[VIEW_NCLASSES]; // VMs by class
	uint64_t retired;              // guest instructions so far
	uint64_t ts_rows;              // rows of its time series then (the plots)
	uint64_t link_out, link_in;    // frames over the link in the last interval
	uint64_t ov_max;               // the overlay's largest value shown
	uint64_t pending_vms;          // VMs with interrupts pending
};

// One --screenshot: its picture, drawn part by part by the machines.
struct vshot {
	uint64_t at;       // cycles
	uint32_t index;    // in the order given
	struct canvas c;   // allocated at the first part drawn
	struct vcapture *cap; // per machine
	bool written;
};

// Per machine.
struct vmach {
	struct kernel *k;              // NULL: not in this process
	uint32_t nvms;
	struct grid_layout g;          // its grid in the picture
	int hx, hy, hw;                // its header line
	uint64_t *ov_cur, *ov_last;    // per VM: overlay counts this and the last interval
	uint64_t next_interval;        // cycles
	uint64_t link_out0, link_in0;  // uplink counters at the interval's start
	uint64_t link_out, link_in;    // frames in the last whole interval
	uint32_t next_shot;            // the first screenshot (time order) not drawn
};

struct view {
	struct view_config cfg;
	uint32_t n;
	struct vmach *m;
	uint32_t cpu_khz;
	uint64_t interval, sample;     // cycles
	struct vshot *shots;           // in time order
	uint32_t *shot_order;          // given index -> position
	struct timeseries *ts;         // the interval statistics of the plots
	bool sdl;        // SDL_Init done
	bool attached, failed;
	int W, H;        // picture size
	int panel_x;                   // the side panel's left edge
	int link_gap;                  // pixels between machines' grids (the link)
	unsigned zoom;                 // window: zoom level and pan (rows)
	uint32_t pan;
	struct window *win;            // window.c, or NULL
};

// scene.c: lays the machines out in a W x H picture (v->m[].g, headers).
void scene_layout(struct view *v);
// Draws machine m's part (header and grid) from its kernel; fills cap.
void scene_machine(struct view *v, struct canvas *c, uint32_t m, uint64_t now,
		   struct vcapture *cap);
// Draws the link and the side panel from the machines' captures; host: the window's
// host-time figures (NULL in a screenshot: a screenshot depends on the run only).
struct view_host {
	double speed;      // simulated s per host s
	double mips;       // guest instructions per host second, millions
	bool paused;
	const char *status;
};
void scene_panel(struct view *v, struct canvas *c, const struct vcapture *cap,
		 const struct view_host *host);
// The overlay value of a VM (for the grid and the inspector).
uint64_t scene_value(struct view *v, uint32_t m, uint32_t vm);

#endif
