// SPDX-License-Identifier: MIT
// The view's session (view.h): it subscribes to each machine's samples (and the events
// its overlay counts), draws each machine's part of a screenshot at the first sample at
// or after the screenshot's time, and writes a screenshot once every machine has drawn
// it. The picture itself is scene.c; the window window.c.
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/switch.h"
#include "trace/timeseries.h"
#include "view/png.h"
#include "view/view_internal.h"
#include "view/window.h"
#include "vmm/ctl.h"
#include "vmm/devhost.h"
#include "vmm/kernel.h"

static const char *const overlay_names[VIEW_OV_N] = { "none", "irq", "frames", "swap",
						      "counter" };

int view_overlay_parse(const char *s)
{
	for (int i = 0; i < VIEW_OV_N; i++)
		if (!strcmp(s, overlay_names[i]))
			return i;
	return -1;
}

const char *view_overlay_name(enum view_overlay ov)
{
	return ov < VIEW_OV_N ? overlay_names[ov] : "?";
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static uint64_t ns_cycles(uint32_t khz, uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * khz / 1000000u);
}

int view_new(struct view **out, const struct view_config *cfg, uint32_t n,
	     struct kernel *const *k, char *err, size_t errlen)
{
	*out = NULL;
	if (!n || !k[0]) {
		snprintf(err, errlen, "the view needs machine 0 in this process");
		return -1;
	}
	struct view *v = calloc(1, sizeof *v);
	if (!v)
		goto oom;
	v->cfg = *cfg;
	v->n = n;
	v->W = cfg->width ? cfg->width : 1280;
	v->H = cfg->height ? cfg->height : 800;
	v->cpu_khz = k[0]->cfg.cpu_khz;
	uint64_t interval_ns = cfg->interval_ns ? cfg->interval_ns : 10000000;
	v->interval = ns_cycles(v->cpu_khz, interval_ns);
	if (!v->interval)
		v->interval = 1;
	// Samples at a divisor of every time the view needs (and of the other observers'
	// period, so their samples stay where they were), but no finer than 1 us.
	uint64_t g = interval_ns;
	if (cfg->align_ns)
		g = gcd(g, cfg->align_ns);
	if (cfg->window)
		g = gcd(g, 100000); // the window redraws between samples 100 us apart at most
	for (uint32_t i = 0; i < cfg->nshots; i++)
		g = gcd(g, cfg->shot_ns[i]);
	if (g < 1000)
		g = 1000;
	v->sample = ns_cycles(v->cpu_khz, g);
	if (!v->sample)
		v->sample = 1;
	if (!(v->m = calloc(n, sizeof *v->m)))
		goto oom;
	for (uint32_t i = 0; i < n; i++) {
		v->m[i].k = k[i];
		v->m[i].nvms = k[i] ? k[i]->cfg.nvms : 0;
		v->m[i].next_interval = v->interval;
		if (k[i] && (cfg->overlay == VIEW_OV_FRAMES || cfg->overlay == VIEW_OV_SWAP ||
			     cfg->overlay == VIEW_OV_COUNTER)) {
			v->m[i].ov_cur = calloc(v->m[i].nvms, sizeof *v->m[i].ov_cur);
			v->m[i].ov_last = calloc(v->m[i].nvms, sizeof *v->m[i].ov_last);
			if (!v->m[i].ov_cur || !v->m[i].ov_last)
				goto oom;
		}
	}
	v->ts = timeseries_new(v->interval, v->cpu_khz, n);
	if (!v->ts)
		goto oom;
	if (cfg->nshots) {
		v->shots = calloc(cfg->nshots, sizeof *v->shots);
		v->shot_order = calloc(cfg->nshots, sizeof *v->shot_order);
		if (!v->shots || !v->shot_order)
			goto oom;
		// In time order (equal times: the order given).
		for (uint32_t i = 0; i < cfg->nshots; i++) {
			uint32_t j = i;
			uint64_t at = ns_cycles(v->cpu_khz, cfg->shot_ns[i]);
			while (j > 0 && v->shots[j - 1].at > at) {
				v->shots[j] = v->shots[j - 1];
				j--;
			}
			v->shots[j] = (struct vshot){ .at = at, .index = i };
		}
		for (uint32_t i = 0; i < cfg->nshots; i++) {
			v->shot_order[v->shots[i].index] = i;
			if (!(v->shots[i].cap = calloc(n, sizeof *v->shots[i].cap)))
				goto oom;
		}
	}
	// SDL: the window needs a display (X11 or Wayland: never a console's framebuffer,
	// which SDL would take over); a screenshot needs only a software surface.
	if (cfg->window) {
		const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
		if ((!x || !*x) && (!wl || !*wl)) {
			snprintf(err, errlen, "--view: no display (DISPLAY is not set; under "
					      "xvfb-run, or --screenshot FILE.png --screenshot-at T "
					      "without one)");
			view_free(v);
			return -1;
		}
		if (!getenv("SDL_VIDEODRIVER"))
			SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11,wayland");
		// The window's surface is the picture copied as it is: no OpenGL (Mesa) behind
		// it, which would only cost a thread pool and memory.
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	} else {
		SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen,dummy");
	}
	if (SDL_Init(cfg->window ? SDL_INIT_VIDEO : 0) != 0) {
		snprintf(err, errlen, "%s: SDL cannot start: %s",
			 cfg->window ? "--view" : "--screenshot", SDL_GetError());
		view_free(v);
		return -1;
	}
	v->sdl = true;
	scene_layout(v);
	if (cfg->window && window_open(v, err, errlen) != 0) {
		view_free(v);
		return -1;
	}
	*out = v;
	return 0;
oom:
	snprintf(err, errlen, "out of memory for the view");
	view_free(v);
	return -1;
}

// Machine m draws its part of every screenshot due at time t (all of them at the last
// sample), then, alone or at the end, screenshots are written.
static void draw_shots(struct view *v, uint32_t m, uint64_t t, bool last)
{
	struct vmach *vm = &v->m[m];
	while (vm->next_shot < v->cfg.nshots && (last || v->shots[vm->next_shot].at <= t)) {
		struct vshot *s = &v->shots[vm->next_shot++];
		// The canvas is made before the run (view_attach): threads only draw.
		if (!s->c.s)
			continue;
		scene_machine(v, &s->c, m, t, &s->cap[m]);
	}
}

static int write_shot(struct view *v, struct vshot *s)
{
	s->written = true;
	scene_panel(v, &s->c, s->cap, NULL);
	FILE *f = v->cfg.shot_open(v->cfg.ctx, s->index);
	if (!f)
		return -1;
	int rc = view_png_write(&s->c, f);
	if (fclose(f) != 0)
		rc = -1;
	if (rc)
		fprintf(stderr, "denali run: --screenshot %s: cannot write the picture\n",
			v->cfg.shot_name(v->cfg.ctx, s->index));
	canvas_free(&s->c);
	return rc;
}

// Writes the screenshots every machine here has drawn.
static void write_ready(struct view *v, bool all)
{
	for (uint32_t i = 0; i < v->cfg.nshots; i++) {
		struct vshot *s = &v->shots[i];
		if (s->written || !s->c.s)
			continue;
		bool ready = true;
		for (uint32_t m = 0; m < v->n; m++)
			if (v->m[m].k && !s->cap[m].done)
				ready = false;
		if ((ready || all) && write_shot(v, s) != 0)
			v->failed = true;
	}
}

static void on_sample(struct view *v, const struct obs_event *ev)
{
	uint32_t m = ev->machine;
	struct vmach *vm = &v->m[m];
	const struct kernel *k = ev->u.sample.k;
	timeseries_event(v->ts, ev);
	if (ev->time >= vm->next_interval || ev->u.sample.last) {
		// Interval boundary: this interval's counts become "the last interval's".
		while (vm->next_interval <= ev->time)
			vm->next_interval += v->interval;
		if (vm->ov_cur && v->cfg.overlay != VIEW_OV_COUNTER) {
			uint64_t *t = vm->ov_last;
			vm->ov_last = vm->ov_cur;
			vm->ov_cur = t;
			memset(vm->ov_cur, 0, vm->nvms * sizeof *vm->ov_cur);
		}
		struct devset_stats ds;
		if (devhost_stats(k, &ds) && ds.uplink) {
			vm->link_out = ds.uplink_out - vm->link_out0;
			vm->link_in = ds.uplink_in - vm->link_in0;
			vm->link_out0 = ds.uplink_out;
			vm->link_in0 = ds.uplink_in;
		}
	}
	draw_shots(v, m, ev->time, ev->u.sample.last);
	if (v->n == 1)
		write_ready(v, false);
	if (v->win && m == 0 && v->n == 1)
		window_sample(v, ev->time);
}

// A results-port counter report of VM vm: its value when the name is the one shown.
static void on_pio(struct view *v, const struct obs_event *ev)
{
	if (ev->u.pio.dev != OBS_DEV_RESULTS || ev->u.pio.port != DENALI_PORT_STAT_ADD ||
	    ev->u.pio.eax != 0 || ev->vm == OBS_NO_VM)
		return;
	struct vmach *vm = &v->m[ev->machine];
	const struct cpu *c = ctl_cpu(vm->k, ev->vm);
	if (!c || ev->vm >= vm->nvms)
		return;
	char name[DENALI_STAT_NAME_MAX + 1];
	uint32_t len = c->r[CPU_ECX];
	size_t want = strlen(v->cfg.counter);
	if (len != want || ctl_read(vm->k, ev->vm, c->r[CPU_ESI], name, len) != len ||
	    memcmp(name, v->cfg.counter, len))
		return;
	vm->ov_cur[ev->vm] += (uint64_t)c->r[CPU_EBX] << 32 | c->r[CPU_EDI];
}

static void on_event(void *ctx, const struct obs_event *ev)
{
	struct view *v = ctx;
	if (ev->machine >= v->n)
		return;
	struct vmach *vm = &v->m[ev->machine];
	switch (ev->kind) {
	case OBS_SAMPLE:
		on_sample(v, ev);
		break;
	case OBS_DESCHED:
		if (v->win && ev->machine == 0)
			window_desched(v);
		break;
	case OBS_FRAME:
		if (vm->ov_cur && ev->u.dev->u.frame.ev == SWITCH_EV_DELIVER &&
		    ev->u.dev->vm < vm->nvms)
			vm->ov_cur[ev->u.dev->vm]++;
		break;
	case OBS_SWAP_OUT:
	case OBS_SWAP_IN:
		if (vm->ov_cur && ev->vm < vm->nvms)
			vm->ov_cur[ev->vm] += ev->u.swap.blocks;
		break;
	case OBS_PIO:
		if (vm->ov_cur)
			on_pio(v, ev);
		break;
	default:
		break;
	}
}

int view_attach(struct view *v, char *err, size_t errlen)
{
	uint32_t cats = OBS_CAT_SAMPLE;
	if (v->cfg.overlay == VIEW_OV_FRAMES)
		cats |= OBS_CAT_NET;
	else if (v->cfg.overlay == VIEW_OV_SWAP)
		cats |= OBS_CAT_MEM;
	else if (v->cfg.overlay == VIEW_OV_COUNTER)
		cats |= OBS_CAT_PIO;
	if (v->win)
		cats |= OBS_CAT_SCHED; // the end of a quantum, for stepping
	for (uint32_t i = 0; i < v->cfg.nshots; i++)
		if (canvas_init(&v->shots[i].c, v->W, v->H) != 0) {
			snprintf(err, errlen, "--screenshot: SDL cannot make a %dx%d picture: %s",
				 v->W, v->H, SDL_GetError());
			return -1;
		} else {
			canvas_fill(&v->shots[i].c, 0, 0, v->W, v->H, VIEW_RGB_BG);
		}
	struct obs_sub sub = { .cats = cats, .fn = on_event, .ctx = v, .sample_cycles = v->sample };
	for (uint32_t m = 0; m < v->n; m++)
		if (v->m[m].k && kernel_observe(v->m[m].k, &sub) != 0) {
			snprintf(err, errlen, "too many observers for the view");
			return -1;
		}
	v->attached = true;
	if (v->win && window_attach(v, err, errlen) != 0)
		return -1;
	return 0;
}

bool view_round(struct view *v)
{
	write_ready(v, false);
	if (v->win)
		window_round(v);
	return !view_quit(v);
}

bool view_quit(const struct view *v)
{
	return v->win && window_quit(v);
}

int view_end(struct view *v)
{
	// Every machine drew its remaining screenshots at its last sample (kernel_finish).
	write_ready(v, true);
	if (v->win)
		window_end(v);
	return v->failed ? -1 : 0;
}

void view_free(struct view *v)
{
	if (!v)
		return;
	if (v->win)
		window_close(v);
	for (uint32_t m = 0; v->m && m < v->n; m++) {
		if (v->attached && v->m[m].k)
			kernel_unobserve(v->m[m].k, v);
		free(v->m[m].ov_cur);
		free(v->m[m].ov_last);
	}
	for (uint32_t i = 0; v->shots && i < v->cfg.nshots; i++) {
		canvas_free(&v->shots[i].c);
		free(v->shots[i].cap);
	}
	free(v->shots);
	free(v->shot_order);
	timeseries_free(v->ts);
	free(v->m);
	if (v->sdl)
		SDL_Quit();
	free(v);
}
