// SPDX-License-Identifier: MIT
// The picture (view_internal.h): the machines' grids side by side, left to right
// (machine 0, the server, first), each under a header line, the link between them
// with its traffic, and the side panel on the right: time, speed, the VMs by state
// (the legend), the overlay's scale and the live plots of the interval statistics
// (the same rows as --stats-every's timeseries.csv, trace/timeseries.h).
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "trace/timeseries.h"
#include "view/view_internal.h"
#include "vmm/intr.h"
#include "vmm/kernel.h"

#define MARGIN 8
#define PANEL_W 300
#define LINK_GAP 56 // pixels between machines: the link
#define HEADER_H 24
#define MIN_W 96 // pixels of a machine's grid at least
#define PLOT_ROWS 120 // intervals a plot shows

void scene_layout(struct view *v)
{
	v->panel_x = v->W - PANEL_W;
	int x0 = MARGIN, w = v->panel_x - 2 * MARGIN, y0 = MARGIN, h = v->H - 2 * MARGIN;
	double wt[64], sum = 0;
	uint32_t shown = 0;
	for (uint32_t m = 0; m < v->n && m < 64; m++) {
		wt[m] = sqrt((double)(v->m[m].nvms ? v->m[m].nvms : 1));
		sum += wt[m];
		shown++;
	}
	// Each machine gets at least MIN_W pixels (its header's text); the rest is shared in
	// proportion to the square root of its VMs.
	// (Many machines: narrower gaps and minimums, so every grid stays left of the panel.)
	int gap = LINK_GAP, min_w = MIN_W, n = (int)shown;
	if (n * min_w + (n - 1) * gap > w) {
		gap = 12;
		min_w = (w - (n - 1) * gap) / n;
		min_w = min_w < 8 ? 8 : min_w;
	}
	v->link_gap = gap;
	int avail = w - (n - 1) * gap - n * min_w, x = x0;
	if (avail < 0)
		avail = 0;
	for (uint32_t m = 0; m < v->n; m++) {
		struct vmach *vm = &v->m[m];
		int mw = m < shown ? min_w + (int)(avail * wt[m] / sum) : 0;
		vm->hx = x;
		vm->hy = y0;
		vm->hw = mw;
		grid_layout(&vm->g, vm->nvms, x, y0 + HEADER_H, mw, h - HEADER_H,
			    m == 0 ? v->zoom : 0, m == 0 ? v->pan : 0);
		x += mw + gap;
	}
}

struct src_ctx {
	struct view *v;
	uint32_t m;
	const struct kernel *k;
};

static enum view_class class_cb(void *ctx, uint32_t vm)
{
	struct src_ctx *s = ctx;
	return view_class_of(s->k, vm);
}

uint64_t scene_value(struct view *v, uint32_t m, uint32_t vm)
{
	struct vmach *x = &v->m[m];
	if (vm >= x->nvms)
		return 0;
	switch (v->cfg.overlay) {
	case VIEW_OV_IRQ: return x->k->iv ? x->k->iv[vm].pending : 0;
	case VIEW_OV_COUNTER: return x->ov_cur ? x->ov_cur[vm] : 0;
	case VIEW_OV_FRAMES:
	case VIEW_OV_SWAP: return x->ov_last ? x->ov_last[vm] : 0;
	default: return 0;
	}
}

static uint64_t value_cb(void *ctx, uint32_t vm)
{
	struct src_ctx *s = ctx;
	return scene_value(s->v, s->m, vm);
}

// "12.345 ms", "1.500 s": simulated time for labels.
static void fmt_time(const struct view *v, uint64_t cycles, char *buf, size_t len)
{
	double s = (double)cycles / ((double)v->cpu_khz * 1000.0);
	if (s < 1.0)
		snprintf(buf, len, "%.3f ms", s * 1e3);
	else
		snprintf(buf, len, "%.4f s", s);
}

void scene_machine(struct view *v, struct canvas *c, uint32_t m, uint64_t now,
		   struct vcapture *cap)
{
	struct vmach *vm = &v->m[m];
	const struct kernel *k = vm->k;
	memset(cap, 0, sizeof *cap);
	cap->time = now;
	for (uint32_t i = 0; i < vm->nvms; i++) {
		cap->count[view_class_of(k, i)]++;
		cap->retired += k->vms[i].cpu.retired;
		cap->pending_vms += k->iv && k->iv[i].pending;
	}
	cap->ts_rows = timeseries_machine_rows(v->ts, m);
	cap->link_out = vm->link_out;
	cap->link_in = vm->link_in;
	canvas_fill(c, vm->hx, vm->hy, vm->hw, vm->g.y + vm->g.h - vm->hy, VIEW_RGB_BG);
	char t[32];
	fmt_time(v, now, t, sizeof t);
	canvas_textf(c, vm->hx, vm->hy, 1, VIEW_RGB_TEXT, "%s %u: %u VM%s",
		     m == 0 ? "server" : "client", m, vm->nvms, vm->nvms == 1 ? "" : "s");
	if (vm->g.group > 1)
		canvas_textf(c, vm->hx, vm->hy + 11, 1, VIEW_RGB_DIM, "t %s, %u VMs/cell", t,
			     vm->g.group);
	else
		canvas_textf(c, vm->hx, vm->hy + 11, 1, VIEW_RGB_DIM, "t %s", t);
	struct src_ctx sc = { v, m, k };
	struct grid_source src = { .class_of = class_cb, .ctx = &sc };
	if (v->cfg.overlay != VIEW_OV_NONE) {
		src.value_of = value_cb;
		src.heat = v->cfg.overlay != VIEW_OV_IRQ;
	}
	cap->ov_max = grid_draw(c, &vm->g, &src);
	cap->done = true;
}

// One plot: a title with the last value, a frame and up to two series of machine 0's
// time series (columns a and b; b < 0: none) over the last PLOT_ROWS intervals.
static int plot(struct view *v, struct canvas *c, int x, int y, const char *title,
		const char *unit, int a, int b, uint64_t rows)
{
	const int w = PANEL_W - 2 * 12, h = 40;
	uint64_t from = rows > PLOT_ROWS ? rows - PLOT_ROWS : 0;
	// the x axis: PLOT_ROWS intervals, or fewer (at least 30) early in the run
	uint64_t span = rows - from < 30 ? 30 : rows - from;
	double max = 0, last = NAN, lastb = NAN;
	for (uint64_t r = from; r < rows; r++) {
		double va = a >= 0 ? timeseries_cell(v->ts, 0, r, a, NULL) : NAN;
		double vb = b >= 0 ? timeseries_cell(v->ts, 0, r, b, NULL) : NAN;
		if (!isnan(va)) {
			max = va > max ? va : max;
			last = va;
		}
		if (!isnan(vb)) {
			max = vb > max ? vb : max;
			lastb = vb;
		}
	}
	char val[64] = "-";
	if (!isnan(last) && !isnan(lastb))
		snprintf(val, sizeof val, "%.4g / %.4g%s", last, lastb, unit);
	else if (!isnan(last))
		snprintf(val, sizeof val, "%.4g%s", last, unit);
	canvas_text(c, x, y, 1, VIEW_RGB_TEXT, title);
	canvas_text(c, x + w - (int)strlen(val) * 6, y, 1, VIEW_RGB_DIM, val);
	y += 11;
	canvas_fill(c, x, y, w, h, 0x101010);
	canvas_frame(c, x, y, w, h, 0x3a3a3a);
	if (max <= 0)
		max = 1;
	int cols[2] = { a, b };
	uint32_t rgb[2] = { 0x56b4e9, 0xe69f00 };
	for (int s = 0; s < 2; s++) {
		if (cols[s] < 0)
			continue;
		int px = -1, py = 0;
		for (uint64_t r = from; r < rows; r++) {
			double val2 = timeseries_cell(v->ts, 0, r, cols[s], NULL);
			if (isnan(val2)) {
				px = -1;
				continue;
			}
			int xx = x + 1 + (int)((r - from) * (uint64_t)(w - 3) / (span - 1));
			int yy = y + h - 2 - (int)(val2 / max * (h - 4));
			if (px >= 0)
				canvas_line(c, px, py, xx, yy, rgb[s]);
			else
				canvas_pixel(c, xx, yy, rgb[s]);
			px = xx;
			py = yy;
		}
	}
	return y + h + 8;
}

// The first results column of machine 0 that ends with suffix, or -1.
static int results_col(struct view *v, const char *suffix)
{
	uint32_t n = timeseries_columns(v->ts, 0);
	size_t ls = strlen(suffix);
	for (uint32_t col = 0; col < n; col++) {
		const char *name = timeseries_column_name(v->ts, 0, col);
		size_t ln = strlen(name);
		if (strchr(name, ' ') && ln > ls && !strcmp(name + ln - ls, suffix))
			return (int)col;
	}
	return -1;
}

void scene_panel(struct view *v, struct canvas *c, const struct vcapture *cap,
		 const struct view_host *host)
{
	int x = v->panel_x + 12, y = MARGIN;
	canvas_fill(c, v->panel_x, 0, v->W - v->panel_x, v->H, VIEW_RGB_PANEL);
	// The link: between consecutive machines, client m's frames out and in.
	for (uint32_t m = 1; m < v->n; m++) {
		const struct vmach *a = &v->m[m - 1], *b = &v->m[m];
		// at half the height of the shorter grid's cells
		int ha = grid_used_height(&a->g), hb = grid_used_height(&b->g);
		int lx = a->hx + a->hw + 4, rx = b->hx - 4;
		int ly = a->g.y + (ha < hb ? ha : hb) / 2 + 16;
		canvas_fill(c, a->hx + a->hw, MARGIN, v->link_gap, v->H - 2 * MARGIN, VIEW_RGB_BG);
		canvas_fill(c, lx, ly, rx - lx, 2, VIEW_RGB_LINK);
		canvas_text(c, lx, ly - 30, 1, VIEW_RGB_LINK, "link");
		if (cap[m].done) { // frames over the link in the last interval, both ways
			canvas_textf(c, lx, ly - 18, 1, VIEW_RGB_DIM, "%llu>",
				     (unsigned long long)cap[m].link_in);
			canvas_textf(c, lx, ly + 6, 1, VIEW_RGB_DIM, "<%llu",
				     (unsigned long long)cap[m].link_out);
			canvas_text(c, lx, ly + 18, 1, VIEW_RGB_DIM, "frames");
		}
	}
	canvas_text(c, x, y, 2, VIEW_RGB_TEXT, "denali view");
	y += 22;
	if (v->cfg.title) {
		// its last 45 characters (the panel's width)
		size_t len = strlen(v->cfg.title);
		canvas_text(c, x, y, 1, VIEW_RGB_DIM, v->cfg.title + (len > 45 ? len - 45 : 0));
		y += 12;
	}
	char t[32];
	fmt_time(v, cap[0].time, t, sizeof t);
	canvas_textf(c, x, y, 1, VIEW_RGB_TEXT, "simulated time  %s", t);
	y += 11;
	if (host) {
		canvas_textf(c, x, y, 1, VIEW_RGB_TEXT, "speed  %.3g sim s / host s", host->speed);
		y += 11;
		canvas_textf(c, x, y, 1, VIEW_RGB_TEXT, "guest MIPS  %.1f", host->mips);
		y += 11;
		if (host->status)
			canvas_text(c, x, y, 1, 0xf0e442, host->status);
		y += 11;
	} else {
		double s = (double)cap[0].time / ((double)v->cpu_khz * 1000.0);
		canvas_textf(c, x, y, 1, VIEW_RGB_TEXT, "guest MIPS (simulated)  %.1f",
			     s > 0 ? (double)cap[0].retired / s / 1e6 : 0.0);
		y += 11;
	}
	y += 6;
	// The legend, with every machine's VMs by class.
	canvas_text(c, x, y, 1, VIEW_RGB_DIM, "VMs by state");
	y += 12;
	for (int cl = 0; cl < VIEW_NCLASSES; cl++) {
		uint64_t n = 0;
		for (uint32_t m = 0; m < v->n; m++)
			n += cap[m].done ? cap[m].count[cl] : 0;
		canvas_fill(c, x, y, 9, 9, view_class_rgb(cl));
		canvas_text(c, x + 14, y + 1, 1, VIEW_RGB_TEXT, view_class_name(cl));
		canvas_textf(c, x + 140, y + 1, 1, VIEW_RGB_DIM, "%llu", (unsigned long long)n);
		y += 12;
	}
	y += 6;
	if (v->cfg.overlay != VIEW_OV_NONE) {
		static const char *const what[VIEW_OV_N] = {
			"", "white: interrupts pending", "frames received, last interval",
			"swap blocks out+in, last interval", "results counter per VM"
		};
		uint64_t max = 0, pend = 0;
		for (uint32_t m = 0; m < v->n; m++) {
			max = cap[m].ov_max > max ? cap[m].ov_max : max;
			pend += cap[m].pending_vms;
		}
		canvas_textf(c, x, y, 1, VIEW_RGB_DIM, "overlay: %s", what[v->cfg.overlay]);
		y += 12;
		if (v->cfg.overlay == VIEW_OV_IRQ) {
			canvas_textf(c, x, y, 1, VIEW_RGB_TEXT, "%llu VMs with interrupts pending",
				     (unsigned long long)pend);
		} else {
			if (v->cfg.overlay == VIEW_OV_COUNTER) {
				canvas_text(c, x, y, 1, VIEW_RGB_TEXT, v->cfg.counter);
				y += 11;
			}
			for (int i = 0; i < 180; i++)
				canvas_fill(c, x + i, y, 1, 9, grid_heat_rgb(i ? (uint64_t)i : 0, 179));
			canvas_textf(c, x + 186, y + 1, 1, VIEW_RGB_TEXT, "0..%llu",
				     (unsigned long long)max);
		}
		y += 18;
	}
	// Plots of machine 0's intervals.
	uint64_t rows = cap[0].ts_rows;
	char ivl[32];
	fmt_time(v, v->interval, ivl, sizeof ivl);
	canvas_textf(c, x, y, 1, VIEW_RGB_DIM, "server, per %s interval", ivl);
	y += 14;
	int tp = results_col(v, " per s");
	if (tp >= 0) {
		char title[64];
		snprintf(title, sizeof title, "%.40s", timeseries_column_name(v->ts, 0, tp));
		y = plot(v, c, x, y, title, "", tp, -1, rows);
	} else {
		y = plot(v, c, x, y, "guest instructions", "",
			 timeseries_column(v->ts, 0, "guest_instructions"), -1, rows);
	}
	int p50 = results_col(v, " p50"), p99 = results_col(v, " p99");
	if (p50 >= 0)
		y = plot(v, c, x, y, "latency p50/p99", "", p50, p99, rows);
	else
		y = plot(v, c, x, y, "irq latency p50/p99", " ns",
			 timeseries_column(v->ts, 0, "irq_latency_p50_ns"),
			 timeseries_column(v->ts, 0, "irq_latency_p99_ns"), rows);
	y = plot(v, c, x, y, "context switches", "",
		 timeseries_column(v->ts, 0, "context_switches"), -1, rows);
	y = plot(v, c, x, y, "interrupts per upcall", "",
		 timeseries_column(v->ts, 0, "irqs_per_upcall"), -1, rows);
	y = plot(v, c, x, y, "modelled memory", " MiB",
		 timeseries_column(v->ts, 0, "memory_mib"), -1, rows);
	if (y < v->H - 12)
		canvas_text(c, x, v->H - 12, 1, VIEW_RGB_DIM, "? keys  (denali run --view)");
}
