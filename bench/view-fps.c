// SPDX-License-Identifier: MIT
// bench/view-fps: the SDL2 view's drawing speed and what the window costs the run
// (docs/view.md). Prints numbers; never a test.
//   1. frames per second drawing a 1280x800 picture of 100,000 VMs (2 pixels each)
//      with SDL's software surfaces, and copying it as the window would
//   2. with IMAGE and a display (DISPLAY; xvfb-run gives one): the host CPU time (and
//      wall-clock time) of a run of N VMs of IMAGE (default 1,000) without and with the
//      window open, and the slowdown
// usage: view-fps [IMAGE [N [ARGS]]]
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "view/canvas.h"
#include "view/grid.h"
#include "view/view.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

static double clock_s(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

// The process's CPU time: on a shared host, what the run itself cost.
static double cpu_s(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

// A mix of states that changes from frame to frame.
static uint32_t frame_no;
static enum view_class some_class(void *ctx, uint32_t vm)
{
	return (enum view_class)(((vm * 2654435761u) >> 7) + frame_no) % VIEW_NCLASSES;
}

static void draw_bench(void)
{
	struct canvas c, win;
	if (canvas_init(&c, 1280, 800) != 0 || canvas_init(&win, 1280, 800) != 0) {
		printf("view-fps: SDL: %s\n", SDL_GetError());
		exit(1);
	}
	struct grid_layout g;
	grid_layout(&g, 100000, 8, 32, 964, 760, 0, 0);
	struct grid_source src = { .class_of = some_class };
	double t0 = now_s(), t;
	uint32_t frames = 0;
	do {
		canvas_fill(&c, 0, 0, 1280, 800, 0x141414);
		grid_draw(&c, &g, &src);
		SDL_BlitSurface(c.s, NULL, win.s, NULL); // what the window does with a frame
		frames++;
		frame_no++;
		t = now_s() - t0;
	} while (t < 2.0 || frames < 20);
	printf("draw 100,000 VMs (%dx%d cells of %d px, 1280x800, software): %.1f frames/s "
	       "(%.2f ms a frame)\n",
	       g.cols, g.rows, g.cell, frames / t, 1e3 * t / frames);
	canvas_free(&c);
	canvas_free(&win);
}

static FILE *no_shot(void *ctx, uint32_t i)
{
	return NULL;
}

static const char *no_name(void *ctx, uint32_t i)
{
	return "";
}

// Host CPU seconds of one run of n VMs of img, with the window or without (*wall: its
// wall-clock seconds).
static double run(const struct image *img, uint32_t n, const char *args, bool window,
		  uint64_t *digest, double *wall)
{
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = n;
	cfg.mem_size = DENALI_MEM_DEFAULT;
	cfg.cmdline = args;
	cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, 2000000000ull); // 2 s at most
	char err[256];
	struct kernel *k;
	if (kernel_new(&k, &cfg, img, err, sizeof err) != 0) {
		printf("view-fps: %s\n", err);
		exit(1);
	}
	struct view *v = NULL;
	struct view_config vc = { .window = true, .exit_at_end = true, .shot_open = no_shot, .shot_name = no_name, .title = "bench/view-fps" };
	if (window && (view_new(&v, &vc, 1, &k, err, sizeof err) != 0 ||
		       view_attach(v, err, sizeof err) != 0)) {
		printf("view-fps: %s\n", err);
		exit(1);
	}
	double t0 = now_s(), c0 = cpu_s();
	kernel_run(k);
	double t = cpu_s() - c0;
	*wall = now_s() - t0;
	if (v)
		view_end(v);
	*digest = kernel_digest(k);
	view_free(v);
	kernel_free(k);
	return t;
}

int main(int argc, char **argv)
{
	SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen,dummy");
	if (SDL_Init(0) != 0) {
		printf("view-fps: SDL: %s\n", SDL_GetError());
		return 1;
	}
	draw_bench();
	SDL_Quit();
	if (argc < 2)
		return 0;
	const char *d = getenv("DISPLAY");
	if (!d || !*d) {
		printf("slowdown with the window: no display (run under xvfb-run)\n");
		return 0;
	}
	uint32_t n = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1000;
	char err[256];
	struct image *img;
	if (image_load(argv[1], DENALI_MEM_DEFAULT, &img, err, sizeof err) != 0) {
		printf("view-fps: %s\n", err);
		return 1;
	}
	const char *args = argc > 3 ? argv[3] : NULL;
	uint64_t d0, d1;
	double w0, w1, w2;
	double plain = run(img, n, args, false, &d0, &w0);
	double viewed = run(img, n, args, true, &d1, &w1);
	double plain2 = run(img, n, args, false, &d0, &w2);
	plain = plain2 < plain ? plain2 : plain;
	w0 = w2 < w0 ? w2 : w0;
	printf("%u VMs of %s: %.2f s host CPU without the view, %.2f s with the window "
	       "(%+.0f%%); wall clock %.2f s and %.2f s; digest %s\n",
	       n, argv[1], plain, viewed, 100.0 * (viewed - plain) / plain, w0, w1,
	       d0 == d1 ? "the same" : "DIFFERENT");
	image_free(img);
	return d0 == d1 ? 0 : 1;
}
