// SPDX-License-Identifier: MIT
// The Chrome trace-event timeline (timeline.h). Per machine: a temporary file of
// events (each written as ",\n{...}"), per-VM state to keep B/E pairs matched, pending
// flow arrows, and the counters' previous values for rates.
#include "trace/timeline.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "denali/abi.h"
#include "trace/netdecode.h"
#include "vmm/devhost.h"
#include "vmm/kernel.h"

enum vstate { V_NONE = 0,
	      V_RUN,
	      V_IDLE,
	      V_SWAP };
#define FLOWS_PER_VM 2

struct tvm {
	uint8_t state;        // enum vstate: the open slice
	bool named;           // its thread_name was written
	bool out;             // a "swapped out" async span is open
	uint32_t flows[FLOWS_PER_VM]; // frames queued for it: flow ids (0: none), newest last
	uint64_t flow_t[FLOWS_PER_VM]; // and when they arrived at the switch (cycles)
};

struct tmachine {
	FILE *f;
	uint32_t nvms;
	struct tvm *v;
	bool in_window;       // the window has begun (slices were opened)
	bool ended;
	uint32_t flow_seq;    // the last flow id handed out (one per delivery)
	uint64_t flow_t;      // arrival time at the switch of the frame being delivered
	uint64_t prev_t;      // the previous sample
	uint64_t *prev_sum;   // per results entry: sum at the previous sample
	uint32_t prev_n;
	uint64_t bytes;
	bool err;
};

struct timeline {
	struct timeline_config cfg;
	uint32_t n;
	struct tmachine *m;
};

static bool shown(const struct timeline *t, uint32_t vm)
{
	if (!t->cfg.vms)
		return true;
	return vm / 8 < t->cfg.vms_len && (t->cfg.vms[vm / 8] >> (vm % 8) & 1);
}

struct timeline *timeline_new(const struct timeline_config *cfg, uint32_t nmachines,
			      const uint32_t *nvms)
{
	struct timeline *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cfg = *cfg;
	t->n = nmachines;
	t->m = calloc(nmachines, sizeof *t->m);
	if (!t->m)
		goto fail;
	for (uint32_t i = 0; i < nmachines; i++) {
		struct tmachine *m = &t->m[i];
		m->nvms = nvms[i];
		m->v = calloc(nvms[i], sizeof *m->v);
		m->f = tmpfile();
		if (!m->v || !m->f)
			goto fail;
	}
	return t;
fail:
	timeline_free(t);
	return NULL;
}

void timeline_free(struct timeline *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; t->m && i < t->n; i++) {
		free(t->m[i].v);
		free(t->m[i].prev_sum);
		if (t->m[i].f)
			fclose(t->m[i].f);
	}
	free(t->m);
	free(t);
}

// --- writing ----------------------------------------------------------------------

static void out(struct tmachine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct tmachine *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(m->f, fmt, ap);
	va_end(ap);
	if (n < 0)
		m->err = true;
	else
		m->bytes += (uint64_t)n;
}

// Microseconds with ns precision, as the format's "ts" wants.
static void ts(char *buf, size_t len, const struct timeline *t, uint64_t cycles)
{
	uint64_t ns = (uint64_t)((unsigned __int128)cycles * 1000000u / t->cfg.cpu_khz);
	snprintf(buf, len, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

// JSON string body of s (escaped).
static void esc(char *dst, size_t len, const char *s)
{
	size_t at = 0;
	for (; *s && at + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			at += (size_t)snprintf(dst + at, len - at, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			at += (size_t)snprintf(dst + at, len - at, "\\u%04x", c);
		else
			dst[at++] = (char)c;
	}
	dst[at] = 0;
}

static void name_vm(struct timeline *t, uint32_t mi, uint32_t vm)
{
	struct tvm *v = &t->m[mi].v[vm];
	if (v->named)
		return;
	v->named = true;
	out(&t->m[mi], ",\n{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"name\":\"thread_name\","
		       "\"args\":{\"name\":\"vm %u\"}}",
	    mi, vm + 1, vm);
	out(&t->m[mi], ",\n{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"name\":\"thread_sort_index\","
		       "\"args\":{\"sort_index\":%u}}",
	    mi, vm + 1, vm + 1);
}

static const char *state_name(uint8_t s)
{
	return s == V_RUN ? "run" : s == V_IDLE ? "idle"
						: "swap wait";
}

// Begins (B) or ends (E) VM vm's state slice at cycles c; args is "" or ,"args":{...}.
static void slice(struct timeline *t, uint32_t mi, uint32_t vm, char ph, uint8_t st,
		  uint64_t c, const char *args)
{
	char tb[32];
	ts(tb, sizeof tb, t, c);
	name_vm(t, mi, vm);
	out(&t->m[mi], ",\n{\"ph\":\"%c\",\"pid\":%u,\"tid\":%u,\"ts\":%s,\"name\":\"%s\","
		       "\"cat\":\"sched\"%s}",
	    ph, mi, vm + 1, tb, state_name(st), args);
}

static void set_state(struct timeline *t, uint32_t mi, uint32_t vm, uint8_t st, uint64_t c,
		      const char *end_args)
{
	struct tvm *v = &t->m[mi].v[vm];
	if (v->state == st)
		return;
	if (v->state != V_NONE)
		slice(t, mi, vm, 'E', v->state, c, end_args);
	v->state = st;
	if (st != V_NONE)
		slice(t, mi, vm, 'B', st, c, "");
}

static void instant(struct timeline *t, uint32_t mi, uint32_t vm, uint64_t c,
		    const char *name, const char *cat, const char *args)
{
	char tb[32];
	ts(tb, sizeof tb, t, c);
	name_vm(t, mi, vm);
	out(&t->m[mi], ",\n{\"ph\":\"i\",\"s\":\"t\",\"pid\":%u,\"tid\":%u,\"ts\":%s,"
		       "\"name\":\"%s\",\"cat\":\"%s\"%s}",
	    mi, vm + 1, tb, name, cat, args);
}

static void async_span(struct timeline *t, uint32_t mi, uint32_t vm, char ph, uint64_t c)
{
	char tb[32];
	ts(tb, sizeof tb, t, c);
	name_vm(t, mi, vm);
	out(&t->m[mi], ",\n{\"ph\":\"%c\",\"pid\":%u,\"tid\":%u,\"ts\":%s,\"name\":\"swapped out\","
		       "\"cat\":\"mem\",\"id\":\"%u.%u\"}",
	    ph, mi, vm + 1, tb, mi, vm);
}

// --- the window ---------------------------------------------------------------------

// Opens the window of machine mi at cycles c: VMs already in a state get their slice.
// The state is tracked before the window too (state without output), so nothing else
// is needed.
static void open_window(struct timeline *t, uint32_t mi, uint64_t c)
{
	struct tmachine *m = &t->m[mi];
	m->in_window = true;
	for (uint32_t vm = 0; vm < m->nvms; vm++) {
		struct tvm *v = &m->v[vm];
		if (v->state != V_NONE)
			slice(t, mi, vm, 'B', v->state, c, "");
		if (v->out)
			async_span(t, mi, vm, 'b', c);
	}
}

static void close_all(struct timeline *t, uint32_t mi, uint64_t c)
{
	struct tmachine *m = &t->m[mi];
	for (uint32_t vm = 0; vm < m->nvms; vm++) {
		struct tvm *v = &m->v[vm];
		if (v->state != V_NONE)
			slice(t, mi, vm, 'E', v->state, c, "");
		if (v->out)
			async_span(t, mi, vm, 'e', c);
		v->state = V_NONE;
		v->out = false;
	}
}

void timeline_end_machine(struct timeline *t, uint32_t mi, uint64_t end)
{
	if (mi >= t->n || t->m[mi].ended)
		return;
	struct tmachine *m = &t->m[mi];
	m->ended = true;
	if (m->in_window)
		close_all(t, mi, end < t->cfg.to ? end : t->cfg.to);
}

// --- events -------------------------------------------------------------------------

// A frame forwarded at the switch: a short slice on the switch track, the start of a
// flow arrow for each VM it is delivered to (they follow at once: OBS_FRAME DELIVER).
static void frame(struct timeline *t, uint32_t mi, const struct obs_event *ev, bool vis)
{
	const struct devset_event *d = ev->u.dev;
	struct tmachine *m = &t->m[mi];
	if (d->u.frame.ev == SWITCH_EV_FORWARD && vis) {
		char tb[32], dec[300], e[400];
		ts(tb, sizeof tb, t, ev->time);
		netdecode(d->u.frame.data, d->u.frame.len, dec, sizeof dec);
		esc(e, sizeof e, dec);
		m->flow_t = ev->time;
		out(m, ",\n{\"ph\":\"X\",\"pid\":%u,\"tid\":0,\"ts\":%s,\"dur\":0.1,\"name\":\"frame\","
		       "\"cat\":\"net\",\"args\":{\"frame\":\"%s\"}}",
		    mi, tb, e);
	} else if (d->u.frame.ev == SWITCH_EV_DELIVER && d->u.frame.to_vm < m->nvms &&
		   shown(t, d->u.frame.to_vm)) {
		struct tvm *v = &m->v[d->u.frame.to_vm];
		if (!vis)
			return;
		memmove(v->flows, v->flows + 1, (FLOWS_PER_VM - 1) * sizeof v->flows[0]);
		memmove(v->flow_t, v->flow_t + 1, (FLOWS_PER_VM - 1) * sizeof v->flow_t[0]);
		// One arrow per delivery: a frame that reaches several VMs (a broadcast) starts
		// one flow for each, each with its own id.
		v->flows[FLOWS_PER_VM - 1] = ++m->flow_seq;
		v->flow_t[FLOWS_PER_VM - 1] = m->flow_t;
	} else if (d->u.frame.ev == SWITCH_EV_DROP && vis && ev->vm < m->nvms &&
		   shown(t, ev->vm)) {
		char a[128];
		snprintf(a, sizeof a, ",\"args\":{\"reason\":\"%s\"}",
			 switch_drop_name((enum switch_drop)d->u.frame.drop));
		instant(t, mi, ev->vm, ev->time, "frame dropped", "net", a);
	}
}

// The upcall that delivers the NIC interrupt ends the flows of the frames queued for it.
// Both ends are written now (the start with its earlier timestamp, on the switch track),
// so every flow that starts also ends; frames no upcall handled get no arrow.
static void flows_end(struct timeline *t, uint32_t mi, uint32_t vm, uint64_t c)
{
	struct tvm *v = &t->m[mi].v[vm];
	char tb[32], sb[32];
	ts(tb, sizeof tb, t, c);
	for (int i = 0; i < FLOWS_PER_VM; i++) {
		if (!v->flows[i])
			continue;
		uint64_t id = (uint64_t)mi << 32 | v->flows[i];
		ts(sb, sizeof sb, t, v->flow_t[i]);
		out(&t->m[mi], ",\n{\"ph\":\"s\",\"pid\":%u,\"tid\":0,\"ts\":%s,\"name\":\"frame\","
			       "\"cat\":\"net\",\"id\":%" PRIu64 "}",
		    mi, sb, id);
		out(&t->m[mi], ",\n{\"ph\":\"f\",\"bp\":\"e\",\"pid\":%u,\"tid\":%u,\"ts\":%s,"
			       "\"name\":\"frame\",\"cat\":\"net\",\"id\":%" PRIu64 "}",
		    mi, vm + 1, tb, id);
		v->flows[i] = 0;
	}
}

static void counter(struct tmachine *m, uint32_t mi, const char *tb, const char *name,
		    double v)
{
	out(m, ",\n{\"ph\":\"C\",\"pid\":%u,\"ts\":%s,\"name\":\"%s\",\"args\":{\"value\":%.6g}}",
	    mi, tb, name, v);
}

static void sample(struct timeline *t, uint32_t mi, const struct obs_event *ev)
{
	const struct kernel *k = ev->u.sample.k;
	struct tmachine *m = &t->m[mi];
	char tb[32];
	ts(tb, sizeof tb, t, ev->time);
	uint32_t idle = 0;
	for (uint32_t i = 0; i < k->cfg.nvms; i++)
		idle += k->vms[i].state == VM_IDLE;
	counter(m, mi, tb, "runnable VMs", (double)k->sched.len + (k->running >= 0));
	counter(m, mi, tb, "idle VMs", idle);
	if (k->pm) {
		counter(m, mi, tb, "memory in use (MiB)", (double)k->pm->used_frames * 4096 / 1048576.0);
		uint64_t backlog = k->pm->disk.busy_until > k->now ? k->pm->disk.busy_until - k->now : 0;
		counter(m, mi, tb, "swap disk backlog (ms)", (double)backlog / k->cfg.cpu_khz);
	}
	struct devset_stats ds;
	if (devhost_stats(k, &ds))
		counter(m, mi, tb, "frames queued", (double)ds.sw_queued);
	// Results-port counters as rates over the last interval.
	const struct results *r = &k->results;
	if (r->n > m->prev_n) {
		uint64_t *p = realloc(m->prev_sum, r->n * sizeof *p);
		if (!p)
			return;
		for (uint32_t i = m->prev_n; i < r->n; i++)
			p[i] = 0;
		m->prev_sum = p;
		m->prev_n = r->n;
	}
	double dt = m->prev_t < ev->time ? (double)(ev->time - m->prev_t) / ((double)t->cfg.cpu_khz * 1000.0) : 0;
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		uint64_t sum = results_count(e);
		if (e->kind == RESULTS_COUNTER)
			sum = results_sum(e);
		if (dt > 0) {
			char n[2 * DENALI_STAT_NAME_MAX + 16], en[2 * DENALI_STAT_NAME_MAX + 16];
			snprintf(n, sizeof n, "%s%s per s", e->name,
				 e->kind == RESULTS_SAMPLE ? " samples" : "");
			esc(en, sizeof en, n);
			counter(m, mi, tb, en, (double)(sum - m->prev_sum[i]) / dt);
		}
		m->prev_sum[i] = sum;
	}
	m->prev_t = ev->time;
}

void timeline_event(void *ctx, const struct obs_event *ev)
{
	struct timeline *t = ctx;
	uint32_t mi = ev->machine;
	if (mi >= t->n)
		return;
	struct tmachine *m = &t->m[mi];
	if (m->ended)
		return;
	// Crossing the window's edges.
	if (!m->in_window && ev->time >= t->cfg.from && ev->time < t->cfg.to)
		open_window(t, mi, ev->time);
	if (m->in_window && ev->time >= t->cfg.to) {
		close_all(t, mi, t->cfg.to);
		m->in_window = false;
		m->ended = true;
		return;
	}
	bool vis = m->in_window;
	uint32_t vm = ev->vm;
	if (ev->kind == OBS_SAMPLE) {
		if (vis)
			sample(t, mi, ev);
		return;
	}
	if (ev->kind == OBS_FRAME) {
		frame(t, mi, ev, vis);
		return;
	}
	if (vm >= m->nvms || !shown(t, vm))
		return;
	struct tvm *v = &m->v[vm];
	char a[256];
	// State changes are tracked outside the window too (without output), so the slices
	// open when it begins are known.
	bool w = vis;
	switch ((enum obs_kind)ev->kind) {
	case OBS_DISPATCH:
		if (w)
			set_state(t, mi, vm, V_RUN, ev->time, "");
		else
			v->state = V_RUN;
		break;
	case OBS_DESCHED: {
		uint8_t next = V_NONE;
		if (ev->u.desched.why == OBS_DESCHED_IDLE)
			next = V_IDLE;
		else if (ev->u.desched.why == OBS_DESCHED_SWAP)
			next = V_SWAP;
		snprintf(a, sizeof a, ",\"args\":{\"instructions\":%" PRIu64 ",\"cycles\":%" PRIu64 ",\"end\":\"%s\"}", ev->u.desched.insns, ev->u.desched.cycles,
			 obs_desched_name((enum obs_desched)ev->u.desched.why));
		if (w)
			set_state(t, mi, vm, next, ev->time, a);
		else
			v->state = next;
		break;
	}
	case OBS_WAKE:
		if (w)
			set_state(t, mi, vm, V_NONE, ev->time, "");
		else
			v->state = V_NONE;
		break;
	case OBS_SWAP_OUT:
		if (!v->out && w)
			async_span(t, mi, vm, 'b', ev->time);
		v->out = true;
		break;
	case OBS_ADMIT:
		if (v->out && w)
			async_span(t, mi, vm, 'e', ev->time);
		v->out = false;
		break;
	case OBS_SWAP_IN:
		if (w) {
			snprintf(a, sizeof a, ",\"args\":{\"block\":%u}", ev->u.swap.block);
			instant(t, mi, vm, ev->time, "swap-in", "mem", a);
		}
		break;
	case OBS_IRQ_RAISE:
		if (w) {
			snprintf(a, sizeof a, ",\"args\":{\"line\":%u,\"pending\":%u,\"ready\":%s}",
				 ev->u.irq_raise.line, ev->u.irq_raise.pending,
				 ev->u.irq_raise.ready ? "true" : "false");
			instant(t, mi, vm, ev->time, "irq raised", "irq", a);
		}
		break;
	case OBS_IRQ_DELIVER:
		if (w) {
			snprintf(a, sizeof a, ",\"args\":{\"lines\":%u,\"raises\":%u,\"latency_ns\":%" PRIu64 "}", ev->u.irq_deliver.lines, ev->u.irq_deliver.raises,
				 ev->u.irq_deliver.latency_ns);
			instant(t, mi, vm, ev->time, "irq delivered", "irq", a);
			if (ev->u.irq_deliver.lines & (1u << DENALI_IRQ_NIC_RX))
				flows_end(t, mi, vm, ev->time);
		}
		break;
	case OBS_EXCEPTION:
		if (w) {
			snprintf(a, sizeof a, ",\"args\":{\"vector\":%u,\"eip\":%u,\"fatal\":%s}",
				 ev->u.exc.vector, ev->u.exc.eip, ev->u.exc.handled ? "false" : "true");
			instant(t, mi, vm, ev->time, "exception", "exc", a);
		}
		break;
	case OBS_VM_END:
		if (w) {
			snprintf(a, sizeof a, ",\"args\":{\"state\":\"%s\",\"exit_code\":%u}",
				 ev->u.vm_end.state == VM_KILLED ? "killed" : "terminated",
				 ev->u.vm_end.exit_code);
			instant(t, mi, vm, ev->time, "end", "vm", a);
		}
		break;
	default:
		break;
	}
}

uint64_t timeline_bytes(const struct timeline *t)
{
	uint64_t b = 0;
	for (uint32_t i = 0; i < t->n; i++)
		b += t->m[i].bytes;
	return b;
}

int timeline_finish(struct timeline *t, FILE *f)
{
	int rc = 0;
	fprintf(f, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"denali run "
		   "--timeline\",\"cpu_khz\":%u},\n\"traceEvents\":[\n",
		t->cfg.cpu_khz);
	fprintf(f, "{\"ph\":\"M\",\"pid\":0,\"name\":\"process_name\",\"args\":{\"name\":"
		   "\"machine 0 (server)\"}}");
	for (uint32_t i = 1; i < t->n; i++)
		fprintf(f, ",\n{\"ph\":\"M\",\"pid\":%u,\"name\":\"process_name\",\"args\":{\"name\":"
			   "\"machine %u (client)\"}}",
			i, i);
	for (uint32_t i = 0; i < t->n; i++) {
		fprintf(f, ",\n{\"ph\":\"M\",\"pid\":%u,\"name\":\"process_sort_index\","
			   "\"args\":{\"sort_index\":%u}}",
			i, i);
		fprintf(f, ",\n{\"ph\":\"M\",\"pid\":%u,\"tid\":0,\"name\":\"thread_name\","
			   "\"args\":{\"name\":\"switch\"}}",
			i);
	}
	for (uint32_t i = 0; i < t->n; i++) {
		struct tmachine *m = &t->m[i];
		if (m->err || fflush(m->f) != 0 || fseek(m->f, 0, SEEK_SET) != 0) {
			rc = -1;
			continue;
		}
		char buf[65536];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, m->f)) > 0)
			if (fwrite(buf, 1, n, f) != n)
				rc = -1;
		if (ferror(m->f))
			rc = -1;
	}
	fprintf(f, "\n]}\n");
	if (ferror(f))
		rc = -1;
	return rc;
}
