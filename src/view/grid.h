// SPDX-License-Identifier: MIT
// One machine's VMs as a grid of cells (grid.c). Layout: the largest square cells that
// fit the area (a one-pixel gap between cells of 4 pixels and more); zoomed in, cells
// keep their size and the grid scrolls by rows (pan). Past one pixel per VM, a cell
// (a 4x4-pixel tile) aggregates several VMs and shows their mix: its 16 pixels are
// shared among the classes in proportion, in legend order, so a tile of 3 running and
// 1 idle VM is three quarters yellow. Cells are filled by class colour, or by a heat
// colour (an overlay's value per VM); a mark overlay puts a white dot on cells whose
// value is not zero.
#ifndef DENALI_VIEW_GRID_H
#define DENALI_VIEW_GRID_H

#include <stdbool.h>
#include <stdint.h>

#include "view/palette.h"

struct canvas;

struct grid_layout {
	int x, y, w, h;   // the area
	uint32_t n;       // VMs
	int pitch;        // pixels from one cell to the next (cell + gap)
	int cell;         // pixels of a cell's side
	int cols, rows;   // cells that fit
	uint32_t group;   // VMs per cell (1: one each)
	uint32_t first;   // the first VM shown (panned)
};

// Lays n VMs out in the area. zoom 0 fits the grid; zoom z > 0 makes cells 2^z times
// the fitting size (at most 64 pixels); pan_rows scrolls down by that many rows.
void grid_layout(struct grid_layout *g, uint32_t n, int x, int y, int w, int h,
		 unsigned zoom, uint32_t pan_rows);
// Pixels from the grid's top to the bottom of its last row of cells.
int grid_used_height(const struct grid_layout *g);
// The first VM of the cell at pixel (px, py), or -1.
int64_t grid_vm_at(const struct grid_layout *g, int px, int py);
// The cell of VM vm: its top-left pixel; false when it is not shown.
bool grid_cell_of(const struct grid_layout *g, uint32_t vm, int *px, int *py);

// What a cell shows, per VM.
struct grid_source {
	enum view_class (*class_of)(void *ctx, uint32_t vm);
	// Overlay (NULL: none): the VM's value. heat: cells take a heat colour scaled to
	// heat_max (0: the largest value shown); else cells with a value get a mark.
	uint64_t (*value_of)(void *ctx, uint32_t vm);
	bool heat;
	uint64_t heat_max;
	void *ctx;
};

// Draws the grid; returns the largest overlay value seen (0 without one).
uint64_t grid_draw(struct canvas *c, const struct grid_layout *g,
		   const struct grid_source *src);
// The heat colour for v in [0, max] (a colour-blind-safe sequential scale; 0 is dark).
uint32_t grid_heat_rgb(uint64_t v, uint64_t max);

#endif
