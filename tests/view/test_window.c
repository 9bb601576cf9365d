// SPDX-License-Identifier: MIT
// The view's real window (src/view/window.c) under Xvfb: runs a machine of the "states"
// guest (tests/view/viewimg.py: VM id % 5 terminates, halts, idles with a timeout,
// spins, is killed) with the window open, and injects, through SDL's event queue, a
// click on VM 7, `?`, space (pause), then, once paused, `n` (one quantum), once
// stopped after it `i` (one sample interval), then the pacing keys `-`, `+`, `0`, and
// space again (resume). Checks: the run's digest is the one without the window; the
// window paused and stopped after one quantum through the control interface; the last
// frame shows the states' colours at the end (terminated, killed, stopped), the
// inspector (VM 7's class in its header, white frame) and the key help.
// usage: test_window IMAGE (window_test.py runs it under xvfb-run)
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/inspect.h"
#include "view/view.h"
#include "view/view_internal.h"
#include "view/window.h"
#include "vmm/image.h"
#include "vmm/kernel.h"

static int failures;

// In the sanitizer build: what X11, Mesa's software renderer, D-Bus and SDL's video
// backend keep until exit is theirs, not a leak of ours (LeakSanitizer reads this
// hook; the denali binary has its own in src/cli/expfile.c).
#if defined(__SANITIZE_ADDRESS__)
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libX11\nleak:libxcb\nleak:libSDL2\nleak:libdbus\nleak:swrast_dri\n"
	       "leak:libGLX\nleak:libEGL\nleak:libGL\nleak:libXi\nleak:libXcursor\n";
}
#endif

static void check(const char *what, int ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	failures += !ok;
}

static struct kernel *machine(const struct image *img)
{
	struct kernel_config cfg;
	kernel_config_default(&cfg);
	cfg.nvms = 50;
	cfg.mem_size = DENALI_MEM_DEFAULT;
	cfg.max_time_cycles = kernel_ns_to_cycles(&cfg, 30000000); // 30 ms
	char err[256];
	struct kernel *k;
	if (kernel_new(&k, &cfg, img, err, sizeof err) != 0) {
		fprintf(stderr, "test_window: %s\n", err);
		exit(1);
	}
	return k;
}

static void key(SDL_Keycode sym)
{
	SDL_Event e = { .type = SDL_KEYDOWN };
	e.key.keysym.sym = sym;
	SDL_PushEvent(&e);
}

// The later keys, from SDL's timer thread (SDL_PushEvent may be called from any
// thread) as the window reaches each state, never by host time: once paused, `n`;
// once stopped after the quantum, `i`; once stopped after the interval, `-` (pacing
// on: half the speed measured), `+` (twice that), `0` (unpaced), each once the one
// before was handled; then space. After 120 s of waiting, q (the test fails).
static struct view *g_view;
static int g_sent;
static uint64_t g_keys;
static double g_pace[3];
static Uint32 steer(Uint32 interval, void *param)
{
	struct window_stats st = window_stats(g_view);
	static int ticks;
	if (g_sent == 0 && st.pauses >= 1) {
		key(SDLK_n);
		g_sent = 1;
	} else if (g_sent == 1 && st.quantum_stops >= 1) {
		key(SDLK_i);
		g_sent = 2;
	} else if (g_sent == 2 && st.interval_stops >= 1) {
		g_keys = st.keys;
		key(SDLK_MINUS);
		g_sent = 3;
	} else if (g_sent >= 3 && g_sent <= 5 && st.keys > g_keys) {
		g_pace[g_sent - 3] = st.pace;
		g_keys = st.keys;
		key(g_sent == 3 ? SDLK_PLUS : g_sent == 4 ? SDLK_0
							  : SDLK_SPACE);
		g_sent++;
	} else if (++ticks == 6000) {
		key(SDLK_q);
	}
	return g_sent == 6 ? 0 : interval;
}

static uint32_t pixel(const struct canvas *c, int x, int y)
{
	return c->px[y * c->pitch + x] & 0xffffff;
}

static uint64_t count(const struct canvas *c, uint32_t rgb, int x1)
{
	uint64_t n = 0;
	for (int y = 0; y < c->h; y++)
		for (int x = 0; x < x1; x++)
			n += pixel(c, x, y) == rgb;
	return n;
}

static FILE *no_shot(void *ctx, uint32_t i)
{
	return NULL;
}

static const char *no_name(void *ctx, uint32_t i)
{
	return "";
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_window IMAGE\n");
		return 2;
	}
	char err[256];
	struct image *img;
	if (image_load(argv[1], DENALI_MEM_DEFAULT, &img, err, sizeof err) != 0) {
		fprintf(stderr, "test_window: %s\n", err);
		return 1;
	}
	struct kernel *k = machine(img);
	kernel_run(k);
	uint64_t plain = kernel_digest(k);
	kernel_free(k);

	k = machine(img);
	struct view_config vc = { .window = true, .exit_at_end = true, .shot_open = no_shot, .shot_name = no_name, .title = "test_window" };
	struct view *v;
	if (view_new(&v, &vc, 1, &k, err, sizeof err) != 0 ||
	    view_attach(v, err, sizeof err) != 0) {
		fprintf(stderr, "test_window: %s\n", err);
		return 1;
	}
	int cx, cy;
	check("VM 7 has a cell", grid_cell_of(&v->m[0].g, 7, &cx, &cy));
	SDL_Event e = { .type = SDL_MOUSEBUTTONDOWN };
	e.button.button = SDL_BUTTON_LEFT;
	e.button.x = cx + 2;
	e.button.y = cy + 2;
	SDL_PushEvent(&e);
	key(SDLK_QUESTION);
	key(SDLK_SPACE);
	g_view = v;
	SDL_InitSubSystem(SDL_INIT_TIMER);
	SDL_TimerID tid = SDL_AddTimer(20, steer, NULL);
	kernel_run(k);
	SDL_RemoveTimer(tid);
	view_end(v);
	check("the same digest with the window", kernel_digest(k) == plain);
	struct window_stats st = window_stats(v);
	printf("frames %llu, pauses %llu, quantum stops %llu\n", (unsigned long long)st.frames,
	       (unsigned long long)st.pauses, (unsigned long long)st.quantum_stops);
	check("paused (space) through the control interface", st.pauses == 1);
	check("stopped after one quantum (n)", st.quantum_stops == 1);
	check("stopped after one interval (i)", st.interval_stops == 1);
	printf("pacing after -, +, 0: %g, %g, %g\n", g_pace[0], g_pace[1], g_pace[2]);
	check("- paces the run, + doubles the pace, 0 unpaces it",
	      g_sent == 6 && g_pace[0] > 0 && g_pace[1] == 2 * g_pace[0] && g_pace[2] == 0 &&
		      st.pace == 0);
	const struct canvas *c = window_canvas(v);
	int grid_w = v->panel_x;
	// VMs 0..49 by id % 5: the grid shows every class of the guest.
	check("terminated VMs shown", count(c, view_class_rgb(VIEW_TERMINATED), grid_w) > 1000);
	check("killed VMs shown", count(c, view_class_rgb(VIEW_KILLED), grid_w) > 1000);
	// At the end the VMs still alive are stopped (--max-time), and the last frame says so.
	check("stopped VMs shown", count(c, view_class_rgb(VIEW_ENDED), grid_w) > 1000);
	// The inspector: a white frame at the bottom left, VM 7's class swatch in its header.
	int ix = v->m[0].hx, iy = v->H - INSPECT_H - 8;
	check("inspector frame", pixel(c, ix + 20, iy) == VIEW_RGB_MARK);
	check("inspector shows VM 7's class",
	      pixel(c, ix + 12, iy + 10) == view_class_rgb(view_class_of(k, 7)));
	check("selected cell framed", pixel(c, cx - 1, cy + 3) == VIEW_RGB_MARK);
	check("key help shown", pixel(c, ix + 40 + 100, 60) == VIEW_RGB_MARK);
	view_free(v);
	kernel_free(k);
	image_free(img);
	return failures ? 1 : 0;
}
