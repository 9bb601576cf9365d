// SPDX-License-Identifier: MIT
// The VM grid: layout, aggregation and drawing (grid.h).
#include "view/grid.h"

#include <string.h>

#include "view/canvas.h"

#define TILE 4 // an aggregated cell: TILE x TILE pixels, one pixel gap

void grid_layout(struct grid_layout *g, uint32_t n, int x, int y, int w, int h,
		 unsigned zoom, uint32_t pan_rows)
{
	memset(g, 0, sizeof *g);
	g->x = x;
	g->y = y;
	g->w = w > 0 ? w : 0;
	g->h = h > 0 ? h : 0;
	g->n = n;
	g->group = 1;
	int p = 0;
	for (int t = 64; t >= 1 && n; t--) // the largest pitch at which every VM fits
		if ((uint64_t)(g->w / t) * (uint64_t)(g->h / t) >= n) {
			p = t;
			break;
		}
	if (!p) { // aggregate: tiles of TILE pixels and a gap
		p = TILE + 1;
		uint64_t cells = (uint64_t)(g->w / p) * (uint64_t)(g->h / p);
		g->group = cells ? (uint32_t)((n + cells - 1) / cells) : (n ? n : 1);
	}
	for (unsigned z = 0; z < zoom && p < 64; z++)
		p *= 2;
	if (p > 64)
		p = 64;
	g->pitch = p;
	g->cell = p >= 4 ? p - 1 : p;
	g->cols = g->w / p > 0 ? g->w / p : 1;
	g->rows = g->h / p;
	uint64_t rows_all = ((uint64_t)n + (uint64_t)g->group * g->cols - 1) /
			    ((uint64_t)g->group * g->cols);
	uint64_t max_pan = rows_all > (uint64_t)g->rows ? rows_all - (uint64_t)g->rows : 0;
	if (pan_rows > max_pan)
		pan_rows = (uint32_t)max_pan;
	g->first = (uint32_t)((uint64_t)pan_rows * g->cols * g->group);
}

int grid_used_height(const struct grid_layout *g)
{
	uint64_t per_row = (uint64_t)g->cols * g->group;
	uint64_t rows = g->n > g->first ? (g->n - g->first + per_row - 1) / per_row : 0;
	if (rows > (uint64_t)g->rows)
		rows = (uint64_t)g->rows;
	return (int)rows * g->pitch;
}

int64_t grid_vm_at(const struct grid_layout *g, int px, int py)
{
	if (px < g->x || py < g->y || !g->pitch)
		return -1;
	int col = (px - g->x) / g->pitch, row = (py - g->y) / g->pitch;
	if (col >= g->cols || row >= g->rows)
		return -1;
	uint64_t vm = g->first + ((uint64_t)row * g->cols + col) * g->group;
	return vm < g->n ? (int64_t)vm : -1;
}

bool grid_cell_of(const struct grid_layout *g, uint32_t vm, int *px, int *py)
{
	if (vm < g->first || vm >= g->n)
		return false;
	uint64_t cell = (vm - g->first) / g->group;
	uint64_t row = cell / (uint64_t)g->cols;
	if (row >= (uint64_t)g->rows)
		return false;
	*px = g->x + (int)(cell % (uint64_t)g->cols) * g->pitch;
	*py = g->y + (int)row * g->pitch;
	return true;
}

uint32_t grid_heat_rgb(uint64_t v, uint64_t max)
{
	// Viridis at five stops (dark purple, blue, teal, green, yellow): ordered in
	// lightness, readable with any common colour-vision deficiency.
	static const uint8_t stops[5][3] = {
		{ 0x44, 0x01, 0x54 },
		{ 0x3b, 0x52, 0x8b },
		{ 0x21, 0x91, 0x8c },
		{ 0x5e, 0xc9, 0x62 },
		{ 0xfd, 0xe7, 0x25 },
	};
	if (!v || !max)
		return 0x2a2a2a;
	double f = v >= max ? 1.0 : (double)v / (double)max;
	double pos = f * 4.0;
	int i = pos >= 4.0 ? 3 : (int)pos;
	double t = pos - i;
	uint32_t rgb = 0;
	for (int ch = 0; ch < 3; ch++) {
		double a = stops[i][ch], b = stops[i + 1][ch];
		rgb = (rgb << 8) | (uint32_t)(a + (b - a) * t + 0.5);
	}
	return rgb;
}

// The colour of one VM: its class, or its heat.
static uint32_t vm_rgb(const struct grid_source *src, uint32_t vm, uint64_t max)
{
	if (src->value_of && src->heat)
		return grid_heat_rgb(src->value_of(src->ctx, vm), max);
	return view_class_rgb(src->class_of(src->ctx, vm));
}

uint64_t grid_draw(struct canvas *c, const struct grid_layout *g,
		   const struct grid_source *src)
{
	uint64_t max = 0;
	uint64_t shown = (uint64_t)g->cols * g->rows * g->group;
	uint64_t end = g->first + shown < g->n ? g->first + shown : g->n;
	if (src->value_of)
		for (uint64_t vm = g->first; vm < end; vm++) {
			uint64_t v = src->value_of(src->ctx, (uint32_t)vm);
			max = v > max ? v : max;
		}
	uint64_t scale = src->heat_max ? src->heat_max : max;
	for (uint64_t cell = 0; g->first + cell * g->group < end; cell++) {
		int x = g->x + (int)(cell % (uint64_t)g->cols) * g->pitch;
		int y = g->y + (int)(cell / (uint64_t)g->cols) * g->pitch;
		uint32_t vm0 = (uint32_t)(g->first + cell * g->group);
		if (g->group == 1) {
			uint32_t rgb = vm_rgb(src, vm0, scale);
			if (g->cell <= 8 && x >= 0 && y >= 0 && x + g->cell <= c->w &&
			    y + g->cell <= c->h) {
				// small cells: pixels directly (bench/view-fps: SDL_FillRect per
				// 2-pixel cell took most of a 100,000-VM frame)
				uint32_t *p = c->px + (size_t)y * c->pitch + x;
				for (int r = 0; r < g->cell; r++, p += c->pitch)
					for (int q = 0; q < g->cell; q++)
						p[q] = rgb;
			} else {
				canvas_fill(c, x, y, g->cell, g->cell, rgb);
			}
			if (src->value_of && !src->heat && src->value_of(src->ctx, vm0)) {
				int d = g->cell >= 3 ? g->cell / 3 : 1;
				canvas_fill(c, x + (g->cell - d) / 2, y + (g->cell - d) / 2, d, d,
					    VIEW_RGB_MARK);
			}
			continue;
		}
		// An aggregated cell: its pixels shared among its VMs' colours in proportion,
		// sorted by class (or by heat), so the mix reads as bands.
		uint32_t count[VIEW_NCLASSES] = { 0 }, n = 0;
		uint64_t vsum = 0, marked = 0;
		for (uint32_t i = 0; i < g->group && vm0 + (uint64_t)i < end; i++, n++) {
			count[src->class_of(src->ctx, vm0 + i)]++;
			if (src->value_of) {
				uint64_t v = src->value_of(src->ctx, vm0 + i);
				vsum += v;
				marked += v != 0;
			}
		}
		int npx = g->cell * g->cell;
		if (src->value_of && src->heat) {
			canvas_fill(c, x, y, g->cell, g->cell, grid_heat_rgb(vsum / n, scale));
			continue;
		}
		uint32_t cls = 0, upto = count[0];
		for (int p = 0; p < npx; p++) {
			// pixel p shows the class that holds the VM at its share of the group
			uint64_t at = ((uint64_t)p * 2 + 1) * n / (2 * (uint64_t)npx);
			while (at >= upto && cls + 1 < VIEW_NCLASSES)
				upto += count[++cls];
			canvas_pixel(c, x + p % g->cell, y + p / g->cell, view_class_rgb(cls));
		}
		if (marked)
			canvas_pixel(c, x + g->cell / 2, y + g->cell / 2, VIEW_RGB_MARK);
	}
	return max;
}
