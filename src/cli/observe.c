// SPDX-License-Identifier: MIT
// The watching session of `denali run` (observe.h). The outputs are written under a
// hidden temporary name next to the final one (".NAME.denali-PID.tmp") and renamed
// into place at the end; a second Ctrl-C removes them before the process dies.
#include "observe.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "obsopts.h"
#include "runfiles.h"
#include "trace/constream.h"
#include "trace/evtrace.h"
#include "trace/hub.h"
#include "trace/progress.h"
#include "trace/timeline.h"
#include "trace/timeseries.h"
#include "vmm/image.h"
#include "vmm/kernel.h"
#include "vmm/world.h"
#ifdef DENALI_VIEW
#include "view/view.h"
#endif

// --- signals ------------------------------------------------------------------------

// Set by the handler: the first SIGINT/SIGTERM asks the run to stop at its next clean
// point; a second one puts back the handlers from before (runfiles.h: they remove the
// temporary files) and raises the signal again, which ends the process at once.
static volatile sig_atomic_t g_sig, g_attn;
static struct sigaction g_old_int, g_old_term;

static void on_signal(int sig)
{
	if (g_sig) {
		sigaction(SIGINT, &g_old_int, NULL);
		sigaction(SIGTERM, &g_old_term, NULL);
		raise(sig); // pending until this handler returns, then the old handler runs
		return;
	}
	g_sig = sig;
	g_attn = 1;
}

int observe_signal(void)
{
	return g_sig;
}

// Set when the view's window was closed (q, Esc): the run ends as after Ctrl-C.
static bool g_view_closed;

const char *observe_signal_name(void)
{
	return g_sig == SIGINT    ? "SIGINT"
	       : g_sig == SIGTERM ? "SIGTERM"
	       : g_view_closed    ? "the view (window closed)"
				  : "nothing";
}

// --- the session --------------------------------------------------------------------

struct observe {
	const struct obsopts *oo;
	struct observe_machines m;
	struct hub *hub;
	int out_stream, trace_stream;
	FILE *trace_f, *timeline_f, *stats_f; // the outputs' temporary files (runfiles.h)
	uint8_t *trace_vms, *timeline_vms;     // --trace-vms, --timeline-vms bitmaps
	uint32_t trace_vms_len, timeline_vms_len;
	struct evtrace *trace;
	struct timeline *tl;
	struct timeseries *ts;
	struct constream *con;
	struct progress *prog;
	struct kernel **pk;                    // the kernels watched here, for progress
	uint32_t npk;
	bool ended;
	struct view *view;                     // --view, --screenshot (view/view.h)
};

// The view: whether the user closed its window (the run stops as after Ctrl-C).
static bool view_closed(struct observe *s)
{
#ifdef DENALI_VIEW
	if (s->view && view_quit(s->view))
		g_view_closed = true;
	return g_view_closed;
#else
	(void)s;
	return false;
#endif
}

static bool poll(void *ctx)
{
	struct observe *s = ctx;
	g_attn = 0;
	if (s->out_stream >= 0)
		fflush(stdout); // console lines show while the run goes, even into a pipe
	if (s->prog)
		progress_poll(s->prog, s->pk, s->npk);
	return g_sig != 0 || view_closed(s);
}

static void round_end(void *ctx, uint64_t upto)
{
	struct observe *s = ctx;
	if (s->hub)
		hub_flush(s->hub, upto);
#ifdef DENALI_VIEW
	if (s->view && !view_round(s->view))
		g_attn = 1; // the window was closed: the poll ends the run
#endif
}

#ifdef DENALI_VIEW
// --screenshot i's temporary file (runfiles.h).
static FILE *shot_open(void *ctx, uint32_t i)
{
	struct observe *s = ctx;
	return runfiles_fopen(s->m.rf, s->m.shot_id + (int)i);
}

static const char *shot_name(void *ctx, uint32_t i)
{
	struct observe *s = ctx;
	return runfiles_shown(s->m.rf, s->m.shot_id + (int)i);
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
#endif

// Makes the view (--view, --screenshot). Returns 0, or 2 after an error line.
static int view_start(struct observe *s, const struct obsopts *oo)
{
	const struct viewopts *vo = &oo->view;
	if (!viewopts_on(vo))
		return 0;
#ifdef DENALI_VIEW
	if (!s->m.k[0]) {
		fprintf(stderr, "denali run: %s: the view runs in the process of machine 0\n",
			vo->flag);
		return 2;
	}
	struct view_config vc = {
		.nshots = vo->nshots,
		.shot_ns = vo->shot_ns,
		.shot_open = shot_open,
		.shot_name = shot_name,
		.ctx = s,
		.window = vo->window,
		.width = (int)vo->width,
		.height = (int)vo->height,
		.interval_ns = vo->interval_ns,
		.overlay = (enum view_overlay)vo->overlay,
		.counter = vo->counter,
		.pace = vo->pace,
		.exit_at_end = vo->exit_at_end,
		.title = s->m.img[0] ? s->m.img[0]->name : NULL,
	};
	if (oo->stats_every_ns)
		vc.align_ns = oo->stats_every_ns;
	if (oo->timeline)
		vc.align_ns = vc.align_ns ? gcd(vc.align_ns, oo->timeline_interval_ns)
					  : oo->timeline_interval_ns;
	char err[300];
	if (view_new(&s->view, &vc, s->m.n, s->m.k, err, sizeof err) != 0 ||
	    view_attach(s->view, err, sizeof err) != 0) {
		fprintf(stderr, "denali run: %s\n", err);
		return 2;
	}
	return 0;
#else
	fprintf(stderr, "denali run: %s: this denali was built without the view (it needs "
			"SDL2 and libpng: install libsdl2-dev and libpng-dev, then meson setup "
			"--reconfigure; docs/view.md)\n",
		vo->flag);
	return 2;
#endif
}

static uint64_t ns_cycles(const struct kernel *k, uint64_t ns)
{
	return ns == UINT64_MAX ? UINT64_MAX : kernel_ns_to_cycles(&k->cfg, ns);
}

static bool watched(const struct observe *s, uint32_t m)
{
	return s->m.k[m] && (!s->m.here || s->m.here[m]);
}

static int subscribe(struct observe *s, const struct obs_sub *sub)
{
	for (uint32_t i = 0; i < s->m.n; i++)
		if (watched(s, i) && kernel_observe(s->m.k[i], sub) != 0) {
			fprintf(stderr, "denali run: too many observers\n");
			return 2;
		}
	return 0;
}

int observe_start(struct observe **out, const struct obsopts *oo,
		  const struct observe_machines *m)
{
	*out = NULL;
	struct observe *s = calloc(1, sizeof *s);
	uint32_t *nvms = calloc(m->n, sizeof *nvms);
	if (!s || !nvms) {
		free(s);
		free(nvms);
		fprintf(stderr, "denali run: out of memory\n");
		return 2;
	}
	s->oo = oo;
	s->m = *m;
	s->out_stream = s->trace_stream = -1;
	int rc = 2;
	char why[200];
	const struct kernel *k0 = NULL; // the first watched: the clock (every machine's)
	if (!(s->pk = calloc(m->n, sizeof *s->pk)))
		goto oom;
	for (uint32_t i = 0; i < m->n; i++) {
		nvms[i] = m->k[i] ? m->k[i]->cfg.nvms : 0;
		if (watched(s, i)) {
			s->pk[s->npk++] = m->k[i];
			k0 = k0 ? k0 : m->k[i];
		}
	}
	if (!k0) { // our bug: every process runs a machine
		fprintf(stderr, "denali run: no machine to watch here\n");
		goto fail;
	}
	s->hub = hub_new(m->n);
	if (!s->hub)
		goto oom;
	if (!m->quiet)
		s->out_stream = hub_stream(s->hub, stdout, HUB_NO_LIMIT);
	if (oo->trace_cats) {
		FILE *f = stderr;
		if (m->trace_id >= 0) {
			if (!(s->trace_f = runfiles_fopen(m->rf, m->trace_id)))
				goto fail;
			f = s->trace_f;
		}
		if (oo->trace_vms && obsopts_vm_list(oo->trace_vms, &s->trace_vms,
						     &s->trace_vms_len, why, sizeof why) != 0)
			goto oom; // checked when parsed: only memory can fail
		s->trace_stream = hub_stream(s->hub, f, oo->trace_limit);
		struct evtrace_config tc = {
			.cats = oo->trace_cats, .json = oo->trace_json, .vms = s->trace_vms, .vms_len = s->trace_vms_len, .from = ns_cycles(k0, oo->trace_from_ns), .to = ns_cycles(k0, oo->trace_to_ns), .cpu_khz = k0->cfg.cpu_khz, .hub = s->hub, .stream = s->trace_stream
		};
		s->trace = evtrace_new(&tc, m->n);
		if (!s->trace)
			goto oom;
		for (uint32_t i = 0; i < m->n; i++)
			evtrace_machine(s->trace, i, m->img[i]);
		struct obs_sub sub = { .cats = oo->trace_cats, .fn = evtrace_event, .step = evtrace_step, .ctx = s->trace };
		if (subscribe(s, &sub) != 0)
			goto fail;
	}
	if (oo->timeline) {
		if (oo->timeline_vms && obsopts_vm_list(oo->timeline_vms, &s->timeline_vms,
							&s->timeline_vms_len, why, sizeof why) != 0)
			goto oom;
		struct timeline_config lc = {
			.vms = s->timeline_vms, .vms_len = s->timeline_vms_len, .from = ns_cycles(k0, oo->timeline_from_ns), .to = ns_cycles(k0, oo->timeline_to_ns), .cpu_khz = k0->cfg.cpu_khz, .sample_cycles = kernel_ns_to_cycles(&k0->cfg, oo->timeline_interval_ns)
		};
		s->tl = timeline_new(&lc, m->n, nvms);
		if (!s->tl)
			goto oom;
		struct obs_sub sub = { .cats = TIMELINE_CATS, .fn = timeline_event, .ctx = s->tl, .sample_cycles = lc.sample_cycles };
		if (subscribe(s, &sub) != 0)
			goto fail;
	}
	if (oo->stats_every_ns) {
		uint64_t per = kernel_ns_to_cycles(&k0->cfg, oo->stats_every_ns);
		s->ts = timeseries_new(per, k0->cfg.cpu_khz, m->n);
		if (!s->ts)
			goto oom;
		struct obs_sub sub = { .cats = OBS_CAT_SAMPLE, .fn = timeseries_event, .ctx = s->ts, .sample_cycles = per };
		if (subscribe(s, &sub) != 0)
			goto fail;
	}
	if (oo->console_dir || (s->out_stream >= 0 && m->console_show)) {
		if (oo->console_dir) {
			struct stat st;
			if (mkdir(oo->console_dir, 0777) != 0 && errno != EEXIST) {
				fprintf(stderr, "denali run: --console-dir %s: cannot create: %s\n",
					oo->console_dir, strerror(errno));
				goto fail;
			}
			if (stat(oo->console_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
			    access(oo->console_dir, W_OK) != 0) {
				fprintf(stderr, "denali run: --console-dir %s: not a writable "
						"directory\n",
					oo->console_dir);
				goto fail;
			}
		}
		struct constream_config cc = { .hub = s->out_stream >= 0 ? s->hub : NULL,
					       .stream = s->out_stream,
					       .show = m->console_show,
					       .dir = oo->console_dir };
		s->con = constream_new(&cc, m->n, nvms);
		if (!s->con)
			goto oom;
		struct obs_sub sub = { .cats = CONSTREAM_CATS, .fn = constream_event, .ctx = s->con };
		if (subscribe(s, &sub) != 0)
			goto fail;
	}
	if (!m->quiet && !oo->no_progress) {
		struct progress_config pc = { .f = stderr, .tty = isatty(STDERR_FILENO) == 1, .every_s = (double)oo->progress_every_ms / 1000.0, .cpu_khz = k0->cfg.cpu_khz, .max_cycles = m->max_time_ns ? kernel_ns_to_cycles(&k0->cfg, m->max_time_ns) : 0 };
		s->prog = progress_new(&pc);
		if (!s->prog)
			goto oom;
	}
	if (view_start(s, oo) != 0)
		goto fail;
	// The poll between slices: progress and Ctrl-C (one machine; the world has its own).
	if (m->n == 1) {
		struct kernel_ctl ctl = { .poll = poll, .ctx = s, .attn = &g_attn, .every = 256 };
		kernel_control(m->k[0], &ctl);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	g_sig = g_attn = 0;
	g_view_closed = false;
	sigaction(SIGINT, &sa, &g_old_int);
	sigaction(SIGTERM, &sa, &g_old_term);
	free(nvms);
	*out = s;
	return 0;
oom:
	fprintf(stderr, "denali run: out of memory for the observers\n");
fail:
	free(nvms);
	observe_abort(s);
	observe_free(s);
	return rc;
}

void observe_world(struct observe *s, struct world *w)
{
	struct world_ctl ctl = { .round = round_end, .poll = poll, .ctx = s, .attn = &g_attn, .every = 64 };
	world_control(w, &ctl);
}

int observe_end(struct observe *s)
{
	if (s->ended)
		return 0;
	s->ended = true;
	progress_clear(s->prog);
	int vrc = 0;
#ifdef DENALI_VIEW
	if (s->view && view_end(s->view) != 0)
		vrc = 2; // the line is out
#endif
	for (uint32_t i = 0; i < s->m.n; i++) {
		const struct kernel *k = s->m.k[i];
		if (!watched(s, i))
			continue;
		if (s->tl)
			timeline_end_machine(s->tl, i, k->now);
		if (s->con)
			constream_end_machine(s->con, i, k->now);
	}
	hub_flush(s->hub, UINT64_MAX);
	int rc = 0;
	if (s->trace_stream >= 0) {
		uint64_t dropped = hub_dropped(s->hub, s->trace_stream);
		FILE *f = s->trace_f ? s->trace_f : stderr;
		if (dropped) {
			if (s->oo->trace_json)
				fprintf(f, "{\"truncated\":true,\"limit\":%llu,\"left_out\":%llu}\n",
					(unsigned long long)s->oo->trace_limit,
					(unsigned long long)dropped);
			else
				fprintf(f, "# trace truncated: %llu events written (--trace-limit), "
					   "%llu more left out\n",
					(unsigned long long)s->oo->trace_limit,
					(unsigned long long)dropped);
		}
		fflush(f);
		if (hub_failed(s->hub, s->trace_stream)) {
			fprintf(stderr, "denali run: --trace-file %s: write error\n",
				s->oo->trace_file ? s->oo->trace_file : "(stderr)");
			rc = 2;
		}
	}
	fflush(stdout);
	return rc ? rc : vrc;
}

// Closes an output's temporary file. Returns 0, or 2 after an error line.
static int close_out(FILE **f, const struct runfiles *rf, int id)
{
	if (!*f)
		return 0;
	int bad = ferror(*f);
	bad |= fclose(*f);
	*f = NULL;
	if (!bad)
		return 0;
	fprintf(stderr, "denali run: %s %s: write error\n", rf->e[id].flag,
		runfiles_shown(rf, id));
	return 2;
}

int observe_commit(struct observe *s)
{
	observe_end(s);
	int rc = 0;
	char err[512];
	if (close_out(&s->trace_f, s->m.rf, s->m.trace_id) != 0)
		rc = 2;
	if (!rc && s->tl) {
		s->timeline_f = runfiles_fopen(s->m.rf, s->m.timeline_id);
		if (s->timeline_f && timeline_finish(s->tl, s->timeline_f) != 0)
			fprintf(stderr, "denali run: --timeline %s: cannot write the timeline\n",
				s->oo->timeline);
		if (!s->timeline_f || close_out(&s->timeline_f, s->m.rf, s->m.timeline_id) != 0)
			rc = 2;
	}
	if (!rc && s->ts) {
		s->stats_f = runfiles_fopen(s->m.rf, s->m.stats_id);
		if (s->stats_f && timeseries_write(s->ts, s->stats_f) != 0)
			fprintf(stderr, "denali run: --stats-every: cannot write %s\n",
				runfiles_shown(s->m.rf, s->m.stats_id));
		if (!s->stats_f || close_out(&s->stats_f, s->m.rf, s->m.stats_id) != 0)
			rc = 2;
	}
	if (s->con && constream_finish(s->con, err, sizeof err) != 0) {
		fprintf(stderr, "denali run: %s\n", err);
		rc = 2;
	}
	if (rc)
		observe_abort(s);
	return rc;
}

void observe_abort(struct observe *s)
{
	if (!s)
		return;
	if (s->con)
		constream_abort(s->con);
}

void observe_free(struct observe *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->m.n; i++) {
		if (!watched(s, i))
			continue;
		kernel_unobserve(s->m.k[i], s->trace);
		kernel_unobserve(s->m.k[i], s->tl);
		kernel_unobserve(s->m.k[i], s->ts);
		kernel_unobserve(s->m.k[i], s->con);
		if (s->m.n == 1)
			kernel_control(s->m.k[i], NULL);
	}
	sigaction(SIGINT, &g_old_int, NULL);
	sigaction(SIGTERM, &g_old_term, NULL);
#ifdef DENALI_VIEW
	view_free(s->view);
#endif
	evtrace_free(s->trace);
	timeline_free(s->tl);
	timeseries_free(s->ts);
	constream_free(s->con);
	progress_free(s->prog);
	hub_free(s->hub);
	FILE *fs[] = { s->trace_f, s->timeline_f, s->stats_f };
	for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
		if (fs[i])
			fclose(fs[i]);
	free(s->trace_vms);
	free(s->timeline_vms);
	free(s->pk);
	free(s);
}

void observe_stream_marks(void *obs, uint64_t m[8])
{
	struct observe *s = obs;
	for (int i = 0; i < 8; i++)
		m[i] = s->hub ? hub_seen(s->hub, i) : 0;
}

void observe_stream_hide(void *obs, const uint64_t m[8])
{
	struct observe *s = obs;
	for (int i = 0; s->hub && i < hub_streams(s->hub) && i < 8; i++) {
		struct stat sb;
		FILE *f = hub_file(s->hub, i);
		if (f && fstat(fileno(f), &sb) == 0 && !S_ISREG(sb.st_mode))
			hub_hide(s->hub, i, m[i]);
	}
}
