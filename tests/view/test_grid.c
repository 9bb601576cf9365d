// SPDX-License-Identifier: MIT
// The grid's layout and aggregation (src/view/grid.c) without a run: cells fit the
// area and every VM has one; clicks map back to the VM drawn there; zoom and pan;
// past one pixel per VM a cell's 16 pixels show its VMs' mix in proportion; heat
// colours grow with the value; the font has every printable character.
#include <SDL.h>
#include <stdio.h>
#include <string.h>

#include "view/canvas.h"
#include "view/font.h"
#include "view/grid.h"

static int failures;

static void check(const char *what, int ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	failures += !ok;
}

// VM v's class: a quarter each of running, idle, terminated, killed (v mod 4).
static uint32_t nvms;
static enum view_class quarters(void *ctx, uint32_t vm)
{
	static const enum view_class c[4] = { VIEW_RUNNING, VIEW_IDLE, VIEW_TERMINATED,
					      VIEW_KILLED };
	return c[vm % 4];
}

static uint64_t ident(void *ctx, uint32_t vm)
{
	return vm;
}

static int layouts(void)
{
	static const uint32_t ns[] = { 1, 7, 100, 10000, 100000, 1000000 };
	int ok = 1;
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		struct grid_layout g;
		grid_layout(&g, ns[i], 8, 32, 964, 760, 0, 0);
		uint64_t cells = (uint64_t)g.cols * g.rows * g.group;
		ok &= cells >= ns[i] && g.cols * g.pitch <= 964 && g.rows * g.pitch <= 760;
		// every VM's cell maps back to the first VM of its cell
		for (uint32_t vm = 0; vm < ns[i]; vm += 1 + ns[i] / 97) {
			int x, y;
			ok &= grid_cell_of(&g, vm, &x, &y);
			ok &= grid_vm_at(&g, x, y) == (int64_t)(vm - vm % g.group);
		}
		ok &= grid_vm_at(&g, 7, 40) == -1;
		printf("     %u VMs: pitch %d, %d x %d cells, %u VMs per cell\n", ns[i], g.pitch,
		       g.cols, g.rows, g.group);
	}
	return ok;
}

int main(void)
{
	check("every VM has a cell that maps back to it", layouts());
	struct grid_layout g;
	grid_layout(&g, 100000, 0, 0, 964, 760, 0, 0);
	check("100,000 VMs: one VM per cell, 2 pixels", g.group == 1 && g.pitch == 2);
	grid_layout(&g, 700000, 0, 0, 964, 760, 0, 0);
	check("700,000 VMs: one pixel each", g.group == 1 && g.pitch == 1);
	grid_layout(&g, 1000000, 0, 0, 964, 760, 0, 0);
	check("1,000,000 VMs: aggregated in 4x4 tiles", g.group == 35 && g.cell == 4 &&
								g.pitch == 5);
	grid_layout(&g, 100, 0, 0, 964, 760, 2, 0);
	check("zoom: cells grow, at most 64 pixels", g.pitch == 64);
	grid_layout(&g, 10000, 0, 0, 400, 300, 3, 10);
	check("pan: the first VM shown moves by rows", g.first == 10u * (uint32_t)g.cols);

	struct canvas c;
	if (canvas_init(&c, 200, 100) != 0) {
		printf("FAIL SDL surface: %s\n", SDL_GetError());
		return 1;
	}
	canvas_fill(&c, 0, 0, 200, 100, 0);
	// 100 VMs in one 4x4 cell: each class (25 VMs) takes 4 of its 16 pixels.
	nvms = 100;
	grid_layout(&g, nvms, 0, 0, 5, 5, 0, 0);
	struct grid_source src = { .class_of = quarters };
	grid_draw(&c, &g, &src);
	int n[4] = { 0 };
	const enum view_class cls[4] = { VIEW_RUNNING, VIEW_IDLE, VIEW_TERMINATED, VIEW_KILLED };
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 4; x++)
			for (int k = 0; k < 4; k++)
				n[k] += (c.px[y * c.pitch + x] & 0xffffff) == view_class_rgb(cls[k]);
	check("an aggregated cell shows its mix in proportion",
	      g.group == 100 && n[0] == 4 && n[1] == 4 && n[2] == 4 && n[3] == 4);
	// Heat: value = VM id; brighter for more.
	canvas_fill(&c, 0, 0, 200, 100, 0);
	grid_layout(&g, 10, 0, 0, 200, 100, 0, 0);
	src.value_of = ident;
	src.heat = true;
	uint64_t max = grid_draw(&c, &g, &src);
	check("heat: the largest value seen", max == 9);
	check("heat: zero is dark, the scale ends yellow",
	      grid_heat_rgb(0, 9) == 0x2a2a2a && grid_heat_rgb(9, 9) == 0xfde725);
	int x0, y0, x9, y9;
	grid_cell_of(&g, 1, &x0, &y0);
	grid_cell_of(&g, 9, &x9, &y9);
	check("heat: drawn per cell", (c.px[y0 * c.pitch + x0] & 0xffffff) == grid_heat_rgb(1, 9) &&
					      (c.px[y9 * c.pitch + x9] & 0xffffff) == 0xfde725);
	int glyphs = 1;
	for (int ch = 33; ch < 127; ch++) {
		const uint8_t *gl = view_font_glyph((unsigned char)ch);
		int any = 0;
		for (int r = 0; r < 7; r++)
			any |= gl[r];
		glyphs &= any != 0;
	}
	check("the font draws every printable character", glyphs);
	canvas_free(&c);
	return failures ? 1 : 0;
}
