// SPDX-License-Identifier: MIT
// The interactive window (window.h). It draws the same picture as a screenshot (the
// grids and the panel of scene.c) into a canvas and copies it to the window's surface
// (SDL's software path), at most every FRAME_MS of host time and never using more than
// about a fifth of it: a frame that took d ms waits 4 d before the next. Drawing and
// events happen only where the kernel may be read: at machine 0's samples (one
// machine), between rounds (several), and while the run is stopped through the control
// interface (pause and steps; ctl.h), where the inspector also reads registers and
// memory of the VM clicked (inspect.c).
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/inspect.h"
#include "view/view_internal.h"
#include "view/window.h"
#include "vmm/ctl.h"
#include "vmm/kernel.h"

#define FRAME_MS 33

struct window {
	SDL_Window *w;
	struct canvas c;
	struct vcapture *cap;     // per machine, of the last frame
	bool quit, paused, help, ended;
	bool want_quantum;        // n: stop after the running VM's slice ...
	bool quantum_armed;       // ... it ended: the stop requested is that one
	uint64_t step_until;      // i: stop at this sample time (cycles), 0: none
	uint64_t next_ms;         // the next frame, host ms
	uint64_t t0_ms, sim0;     // the speed's reference: host ms and simulated cycles
	uint64_t ret0;            // ... and guest instructions
	double speed, mips;
	double pace;              // simulated s per host s (0: unpaced)
	uint64_t pace_ms, pace_sim; // the pacing's reference
	int64_t sel_m, sel_vm;    // the VM clicked, or -1
	struct inspect *ins;
	bool attached;            // ctl client of machine 0
	struct window_stats st;
};

static uint64_t host_ms(void)
{
	return SDL_GetTicks64();
}

int window_open(struct view *v, char *err, size_t errlen)
{
	struct window *w = calloc(1, sizeof *w);
	if (!w || !(w->cap = calloc(v->n, sizeof *w->cap))) {
		free(w);
		snprintf(err, errlen, "out of memory for the view");
		return -1;
	}
	v->win = w;
	w->sel_m = w->sel_vm = -1;
	w->pace = v->cfg.pace;
	char title[160];
	snprintf(title, sizeof title, "denali view%s%s", v->cfg.title ? ": " : "",
		 v->cfg.title ? v->cfg.title : "");
	w->w = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, v->W,
				v->H, 0);
	if (!w->w || canvas_init(&w->c, v->W, v->H) != 0) {
		snprintf(err, errlen, "--view: SDL cannot open a %dx%d window: %s (is DISPLAY "
				      "set? --screenshot needs no display)",
			 v->W, v->H, SDL_GetError());
		return -1;
	}
	if (!(w->ins = inspect_new())) {
		snprintf(err, errlen, "out of memory for the view");
		return -1;
	}
	return 0;
}

static void serve_stopped(struct view *v, struct kernel *k);

// The control interface's stop: the run is frozen until this returns.
// Only the stops the window requested pause (a guest fault about to kill a VM also
// stops the run, and goes on at once).
static void on_stop(void *ctx, struct kernel *k, const struct ctl_stop *st)
{
	if (st->why == CTL_STOP_REQUEST)
		serve_stopped(ctx, k);
}

int window_attach(struct view *v, char *err, size_t errlen)
{
	struct ctl_client cl = { .stop = on_stop, .ctx = v };
	if (ctl_attach(v->m[0].k, &cl) != 0) {
		snprintf(err, errlen, "--view: the control interface of machine 0 is taken "
				      "(--gdb): use one of them");
		return -1;
	}
	v->win->attached = true;
	v->win->t0_ms = v->win->pace_ms = host_ms();
	return 0;
}

// Draws one frame from the kernels (they may be read now) and shows it.
static void draw(struct view *v, const char *status)
{
	struct window *w = v->win;
	uint64_t t = host_ms();
	struct kernel *k0 = v->m[0].k;
	canvas_fill(&w->c, 0, 0, v->W, v->H, VIEW_RGB_BG);
	uint64_t retired = 0;
	for (uint32_t m = 0; m < v->n; m++)
		if (v->m[m].k) {
			scene_machine(v, &w->c, m, v->m[m].k->now, &w->cap[m]);
			retired += w->cap[m].retired;
		}
	if (t > w->t0_ms + 500) { // speeds over the last half second or more
		double host_s = (double)(t - w->t0_ms) / 1000.0;
		w->speed = (double)(k0->now - w->sim0) / ((double)v->cpu_khz * 1000.0) / host_s;
		w->mips = (double)(retired - w->ret0) / host_s / 1e6;
		w->t0_ms = t;
		w->sim0 = k0->now;
		w->ret0 = retired;
	}
	char pace[64] = "";
	if (!status && w->pace)
		snprintf(pace, sizeof pace, "paced at %.3g sim s / host s", w->pace);
	struct view_host h = { .speed = w->speed, .mips = w->mips, .paused = w->paused, .status = status ? status : pace[0] ? pace
															    : NULL };
	scene_panel(v, &w->c, w->cap, &h);
	if (w->sel_vm >= 0 && v->m[w->sel_m].k) {
		struct vmach *vm = &v->m[w->sel_m];
		int px, py;
		if (grid_cell_of(&vm->g, (uint32_t)w->sel_vm, &px, &py))
			canvas_frame(&w->c, px - 1, py - 1, vm->g.cell + 2, vm->g.cell + 2,
				     VIEW_RGB_MARK);
		inspect_draw(w->ins, &w->c, vm->k, (uint32_t)w->sel_m, (uint32_t)w->sel_vm,
			     v->m[0].hx, v->H - INSPECT_H - 8, v->panel_x - 16);
	}
	if (w->help)
		inspect_help(&w->c, v->m[0].hx + 40, 60);
	SDL_Surface *ws = SDL_GetWindowSurface(w->w);
	if (ws) {
		SDL_BlitSurface(w->c.s, NULL, ws, NULL);
		SDL_UpdateWindowSurface(w->w);
	}
	w->st.frames++;
	uint64_t took = host_ms() - t;
	w->next_ms = host_ms() + (took * 4 > FRAME_MS ? took * 4 : FRAME_MS);
}

// A click at (x, y): the VM under it, on any machine's grid.
static void click(struct view *v, int x, int y)
{
	struct window *w = v->win;
	w->sel_m = w->sel_vm = -1;
	for (uint32_t m = 0; m < v->n; m++) {
		int64_t vm = v->m[m].k ? grid_vm_at(&v->m[m].g, x, y) : -1;
		if (vm >= 0) {
			w->sel_m = m;
			w->sel_vm = vm;
		}
	}
}

// Handles the events queued. Returns true when the picture must be redrawn at once.
static bool events(struct view *v)
{
	struct window *w = v->win;
	SDL_Event e;
	bool redraw = false;
	while (SDL_PollEvent(&e)) {
		redraw = true;
		if (e.type == SDL_QUIT) {
			w->quit = true;
		} else if (e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT) {
			click(v, e.button.x, e.button.y);
		} else if (e.type == SDL_KEYDOWN) {
			SDL_Keycode key = e.key.keysym.sym;
			bool shift = e.key.keysym.mod & KMOD_SHIFT;
			switch (key) {
			case SDLK_q:
			case SDLK_ESCAPE: w->quit = true; break;
			case SDLK_SPACE: w->paused = !w->paused; break;
			case SDLK_n:
				w->want_quantum = true;
				w->paused = false;
				break;
			case SDLK_i:
				w->step_until = v->m[0].k->now + v->interval;
				w->paused = false;
				break;
			case SDLK_SLASH:
				if (shift)
					w->help = !w->help;
				break;
			case SDLK_QUESTION: w->help = !w->help; break;
			case SDLK_h: w->help = !w->help; break;
			case SDLK_PLUS:
			case SDLK_KP_PLUS:
			case SDLK_EQUALS:
				w->pace = w->pace ? w->pace * 2 : 0;
				break;
			case SDLK_MINUS:
			case SDLK_KP_MINUS:
				w->pace = w->pace ? w->pace / 2 : (w->speed > 0 ? w->speed / 2 : 1e-3);
				w->pace_ms = host_ms();
				w->pace_sim = v->m[0].k->now;
				break;
			case SDLK_0: w->pace = 0; break;
			case SDLK_z:
				v->zoom += v->zoom < 6;
				scene_layout(v);
				break;
			case SDLK_x:
				v->zoom -= v->zoom > 0;
				v->pan = 0;
				scene_layout(v);
				break;
			case SDLK_DOWN:
				v->pan += 4;
				scene_layout(v);
				break;
			case SDLK_UP:
				v->pan = v->pan > 4 ? v->pan - 4 : 0;
				scene_layout(v);
				break;
			case SDLK_PAGEDOWN:
				v->pan += 64;
				scene_layout(v);
				break;
			case SDLK_PAGEUP:
				v->pan = v->pan > 64 ? v->pan - 64 : 0;
				scene_layout(v);
				break;
			default: redraw = false; break;
			}
			if (key == SDLK_PLUS || key == SDLK_EQUALS || key == SDLK_KP_PLUS) {
				w->pace_ms = host_ms();
				w->pace_sim = v->m[0].k->now;
			}
			// Last, for a test reading window_stats from another thread.
			__atomic_fetch_add(&w->st.keys, 1, __ATOMIC_RELEASE);
		} else if (e.type == SDL_TEXTINPUT && !strcmp(e.text.text, "?")) {
			w->help = !w->help;
		}
	}
	return redraw;
}

// Paused (or stepping finished): serve the window until the user resumes or quits.
// The kernel is frozen meanwhile (inside a stop or a sample, or between rounds).
static void serve_paused(struct view *v, const char *why)
{
	struct window *w = v->win;
	char status[96];
	while (w->paused && !w->quit) {
		snprintf(status, sizeof status, "%s: space resumes, n quantum, i interval", why);
		draw(v, status);
		while (w->paused && !w->quit && !events(v))
			SDL_Delay(15);
	}
}

static void serve_stopped(struct view *v, struct kernel *k)
{
	(void)k;
	struct window *w = v->win;
	if (w->quantum_armed) {
		w->quantum_armed = w->want_quantum = false;
		w->paused = true;
		w->st.quantum_stops++;
		serve_paused(v, "one quantum on");
	} else {
		w->paused = true;
		w->st.pauses++;
		serve_paused(v, "paused");
	}
}

void window_desched(struct view *v)
{
	struct window *w = v->win;
	if (w->want_quantum && !w->quantum_armed) {
		w->quantum_armed = true;
		ctl_request_stop(v->m[0].k); // before the next slice's first instruction
	}
}

// Host-time pacing: waits until the host has caught up with simulated time / pace.
static void pace(struct view *v, uint64_t now)
{
	struct window *w = v->win;
	if (!w->pace)
		return;
	double sim_s = (double)(now - w->pace_sim) / ((double)v->cpu_khz * 1000.0);
	uint64_t due = w->pace_ms + (uint64_t)(sim_s / w->pace * 1000.0);
	while (!w->quit && host_ms() < due) {
		uint64_t left = due - host_ms();
		SDL_Delay(left > 20 ? 20 : (uint32_t)left);
		if (host_ms() >= w->next_ms) {
			events(v);
			draw(v, NULL);
			if (w->paused || !w->pace)
				break;
		}
	}
}

static void serve(struct view *v, uint64_t now)
{
	struct window *w = v->win;
	if (w->step_until && now >= w->step_until) {
		w->step_until = 0;
		w->paused = true;
		w->st.interval_stops++;
		serve_paused(v, "one interval on");
	}
	pace(v, now);
	if (host_ms() < w->next_ms)
		return;
	bool redraw = events(v);
	(void)redraw;
	if (w->paused) {
		if (v->n == 1)
			ctl_request_stop(v->m[0].k); // served in on_stop, with registers
		else
			serve_paused(v, "paused");
		return;
	}
	draw(v, NULL);
}

void window_sample(struct view *v, uint64_t now)
{
	serve(v, now);
}

void window_round(struct view *v)
{
	serve(v, v->m[0].k->now);
}

void window_end(struct view *v)
{
	struct window *w = v->win;
	w->ended = true;
	events(v);
	draw(v, "the run ended: q closes the window");
	while (!v->cfg.exit_at_end && !w->quit) {
		if (events(v))
			draw(v, "the run ended: q closes the window");
		SDL_Delay(20);
	}
}

bool window_quit(const struct view *v)
{
	return v->win && v->win->quit && !v->win->ended;
}

const struct canvas *window_canvas(const struct view *v)
{
	return v->win ? &v->win->c : NULL;
}

struct window_stats window_stats(const struct view *v)
{
	if (!v->win)
		return (struct window_stats){ 0 };
	uint64_t keys = __atomic_load_n(&v->win->st.keys, __ATOMIC_ACQUIRE);
	struct window_stats st = v->win->st;
	st.keys = keys;
	st.pace = v->win->pace;
	return st;
}

void window_close(struct view *v)
{
	struct window *w = v->win;
	if (!w)
		return;
	if (w->attached && v->m[0].k)
		ctl_detach(v->m[0].k);
	inspect_free(w->ins);
	canvas_free(&w->c);
	if (w->w)
		SDL_DestroyWindow(w->w);
	free(w->cap);
	free(w);
	v->win = NULL;
}
