// SPDX-License-Identifier: MIT
// The text and JSON Lines trace (evtrace.h). One function per event kind writes its
// fields, through a small writer (struct line) that emits either "key value" prose or
// JSON members, so the two formats cannot drift apart.
#include "trace/evtrace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "trace/dis.h"
#include "trace/hub.h"
#include "trace/netdecode.h"
#include "vmm/image.h"
#include "vmm/symtab.h"
#include "vmm/vm.h"

struct evmachine {
	const struct image *img;
	struct dis *dis; // opened on first use, by the machine's own thread
};

struct evtrace {
	struct evtrace_config cfg;
	uint32_t n;
	struct evmachine *m;
};

struct evtrace *evtrace_new(const struct evtrace_config *cfg, uint32_t nmachines)
{
	struct evtrace *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cfg = *cfg;
	t->n = nmachines ? nmachines : 1;
	t->m = calloc(t->n, sizeof *t->m);
	if (!t->m) {
		free(t);
		return NULL;
	}
	return t;
}

void evtrace_free(struct evtrace *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->n; i++)
		dis_free(t->m[i].dis);
	free(t->m);
	free(t);
}

void evtrace_machine(struct evtrace *t, uint32_t m, const struct image *img)
{
	if (m < t->n)
		t->m[m].img = img;
}

bool evtrace_vm_selected(const struct evtrace_config *cfg, uint32_t vm)
{
	if (!cfg->vms)
		return true;
	return vm / 8 < cfg->vms_len && (cfg->vms[vm / 8] >> (vm % 8) & 1);
}

bool evtrace_step(void *ctx, uint32_t machine, uint32_t vm, uint64_t now)
{
	struct evtrace *t = ctx;
	return (t->cfg.cats & OBS_CAT_INSN) && evtrace_vm_selected(&t->cfg, vm) &&
	       now < t->cfg.to && !hub_full(t->cfg.hub, t->cfg.stream);
}

// --- one line ---------------------------------------------------------------------

struct line {
	char b[4096];
	size_t at;
	bool json;
	bool first; // text: no separator before the next field yet
};

static void add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct line *l, const char *fmt, ...)
{
	if (l->at + 1 >= sizeof l->b)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->b + l->at, sizeof l->b - l->at, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->at += (size_t)n < sizeof l->b - l->at ? (size_t)n : sizeof l->b - l->at - 1;
}

// Appends s as a JSON string body (escaped) or as text (control bytes as \xNN).
static void add_escaped(struct line *l, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\')
			add(l, "\\%c", c);
		else if (c == '\n')
			add(l, "\\n");
		else if (c < 0x20 || c >= 0x7f)
			add(l, l->json ? "\\u%04x" : "\\x%02x", c);
		else
			add(l, "%c", c);
	}
}

// A field: text "key value" (comma-separated), JSON "key":value.
static void field_u(struct line *l, const char *key, uint64_t v)
{
	if (l->json)
		add(l, ",\"%s\":%" PRIu64, key, v);
	else
		add(l, "%s%s %" PRIu64, l->first ? " " : ", ", key, v), l->first = false;
}

static void field_x(struct line *l, const char *key, uint32_t v)
{
	if (l->json)
		add(l, ",\"%s\":%u", key, v);
	else
		add(l, "%s%s 0x%x", l->first ? " " : ", ", key, v), l->first = false;
}

static void field_s(struct line *l, const char *key, const char *v)
{
	if (l->json) {
		add(l, ",\"%s\":\"", key);
		add_escaped(l, (const uint8_t *)v, strlen(v));
		add(l, "\"");
	} else {
		add(l, "%s%s %s", l->first ? " " : ", ", key, v);
		l->first = false;
	}
}

static void field_b(struct line *l, const char *key, bool v)
{
	if (l->json)
		add(l, ",\"%s\":%s", key, v ? "true" : "false");
	else if (v)
		add(l, "%s%s", l->first ? " " : ", ", key), l->first = false;
}

static uint64_t ns_of(const struct evtrace *t, uint64_t cycles)
{
	return (uint64_t)((unsigned __int128)cycles * 1000000u / t->cfg.cpu_khz);
}

// --- the events ---------------------------------------------------------------------

static const char *where_name(unsigned w)
{
	static const char *const n[] = { "tail", "head", "boost", "urgent" };
	return w < 4 ? n[w] : "?";
}

static void frame_fields(struct line *l, const struct devset_event *d)
{
	static const char *const ev[] = { "?", "send", "forward", "deliver", "drop" };
	const char *what = d->u.frame.ev < 5 ? ev[d->u.frame.ev] : "?";
	field_s(l, "at", what);
	if (d->u.frame.ev == SWITCH_EV_DROP)
		field_s(l, "reason", switch_drop_name((enum switch_drop)d->u.frame.drop));
	field_u(l, "in_port", d->u.frame.in_port);
	if (d->u.frame.out_port == SWITCH_FLOOD)
		field_s(l, "out_port", "flood");
	else if (d->u.frame.out_port != SWITCH_NO_PORT)
		field_u(l, "out_port", d->u.frame.out_port);
	if (d->u.frame.from_vm != DEVSET_NO_VM)
		field_u(l, "from_vm", d->u.frame.from_vm);
	if (d->u.frame.to_vm != DEVSET_NO_VM)
		field_u(l, "to_vm", d->u.frame.to_vm);
	field_u(l, "len", d->u.frame.len);
	char dec[512];
	netdecode(d->u.frame.data, d->u.frame.len, dec, sizeof dec);
	field_s(l, "frame", dec);
}

static void insn_fields(struct evtrace *t, struct line *l, const struct obs_event *ev)
{
	static const char *const regs[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
	struct evmachine *m = &t->m[ev->machine < t->n ? ev->machine : 0];
	const struct symtab *syms = m->img ? m->img->syms : NULL;
	char sym[300], text[200] = "(bad)";
	symtab_format(syms, ev->u.insn.eip, sym, sizeof sym);
	if (!m->dis)
		m->dis = dis_new();
	if (m->dis && ev->u.insn.len)
		dis_insn(m->dis, ev->u.insn.bytes, ev->u.insn.len, ev->u.insn.eip, syms, text,
			 sizeof text);
	field_x(l, "eip", ev->u.insn.eip);
	if (sym[0])
		field_s(l, "fn", sym);
	field_s(l, "insn", text);
	char ch[400] = "";
	size_t at = 0;
	for (int r = 0; r < 8; r++)
		if (ev->u.insn.before[r] != ev->u.insn.after[r])
			at += (size_t)snprintf(ch + at, sizeof ch - at, "%s%s=0x%x", at ? " " : "",
					       regs[r], ev->u.insn.after[r]);
	if (ev->u.insn.eflags_before != ev->u.insn.eflags_after && at < sizeof ch)
		snprintf(ch + at, sizeof ch - at, "%seflags=0x%x", at ? " " : "",
			 ev->u.insn.eflags_after);
	if (ch[0])
		field_s(l, "changed", ch);
	if (ev->u.insn.exit != CPU_EXIT_STEP)
		field_s(l, "exit", cpu_exit_name((enum cpu_exit)ev->u.insn.exit));
}

static void fields(struct evtrace *t, struct line *l, const struct obs_event *ev)
{
	const char *tn = NULL;
	char buf[64];
	switch ((enum obs_kind)ev->kind) {
	case OBS_DISPATCH:
		field_u(l, "switch_ns", ns_of(t, ev->u.dispatch.switch_cycles));
		field_b(l, "same_vm", ev->u.dispatch.same);
		break;
	case OBS_DESCHED:
		field_s(l, "why", obs_desched_name((enum obs_desched)ev->u.desched.why));
		field_u(l, "cycles", ev->u.desched.cycles);
		field_u(l, "insns", ev->u.desched.insns);
		field_u(l, "refill_ns", ns_of(t, ev->u.desched.refill_cycles));
		break;
	case OBS_IDLE:
		if (ev->u.idle.timeout_ns == UINT64_MAX)
			field_s(l, "timeout", "none");
		else
			field_u(l, "timeout_ns", ev->u.idle.timeout_ns);
		break;
	case OBS_WAKE:
		field_s(l, "cause", obs_wake_name((enum obs_wake)ev->u.wake.cause));
		field_s(l, "queued", where_name(ev->u.wake.where));
		field_u(l, "slept_ns", ns_of(t, ev->u.wake.slept_cycles));
		break;
	case OBS_IRQ_RAISE:
		field_u(l, "line", ev->u.irq_raise.line);
		field_x(l, "pending", ev->u.irq_raise.pending);
		field_u(l, "raises", ev->u.irq_raise.count);
		field_s(l, "state", ev->u.irq_raise.ready ? "ready" : "queued");
		break;
	case OBS_IRQ_DELIVER:
		field_x(l, "lines", ev->u.irq_deliver.lines);
		field_u(l, "raises", ev->u.irq_deliver.raises);
		field_u(l, "latency_ns", ev->u.irq_deliver.latency_ns);
		field_x(l, "from", ev->u.irq_deliver.from_eip);
		field_x(l, "handler", ev->u.irq_deliver.handler);
		field_x(l, "frame", ev->u.irq_deliver.frame);
		break;
	case OBS_EXCEPTION:
		field_u(l, ev->u.exc.is_int ? "int" : "vector", ev->u.exc.vector);
		field_x(l, "eip", ev->u.exc.eip);
		field_x(l, "error", ev->u.exc.error_code);
		field_x(l, "addr", ev->u.exc.addr);
		field_s(l, "outcome", ev->u.exc.handled ? "delivered" : "fatal");
		break;
	case OBS_PIO:
		field_s(l, "dir", ev->u.pio.is_in ? "in" : "out");
		field_x(l, "port", ev->u.pio.port);
		field_s(l, "dev", obs_dev_name((enum obs_dev)ev->u.pio.dev));
		field_u(l, "size", ev->u.pio.size);
		field_x(l, "value", ev->u.pio.value);
		field_x(l, "eax", ev->u.pio.eax);
		field_u(l, "cycles", ev->u.pio.cycles);
		break;
	case OBS_FRAME:
		frame_fields(l, ev->u.dev);
		break;
	case OBS_COW:
		field_x(l, "page", ev->u.cow.page);
		break;
	case OBS_SWAP_OUT:
	case OBS_SWAP_IN:
		field_u(l, "blocks", ev->u.swap.blocks);
		if (ev->kind == OBS_SWAP_IN)
			field_u(l, "block", ev->u.swap.block);
		field_u(l, "done_ns", ns_of(t, ev->u.swap.done_cycles));
		break;
	case OBS_ADMIT:
		field_u(l, "free_frames", ev->u.admit.free_frames);
		field_u(l, "swapped_out", ev->u.admit.swapped_out);
		break;
	case OBS_DISK: {
		const struct devset_event *d = ev->u.dev;
		field_s(l, "op", d->u.disk.is_read ? "read" : "write");
		field_s(l, "at", d->u.disk.done ? "done" : "request");
		if (!d->u.disk.done) {
			field_u(l, "disk", d->u.disk.disk);
			field_u(l, "block", d->u.disk.block);
		}
		field_x(l, "id", d->u.disk.id);
		field_x(l, "addr", d->u.disk.addr);
		if (d->u.disk.done)
			field_u(l, "status", d->u.disk.status);
		break;
	}
	case OBS_TIMER:
		tn = ev->u.timer.what == OBS_TIMER_SET ? "set" : ev->u.timer.what == OBS_TIMER_CANCEL ? "cancel"
												      : "fire";
		field_s(l, "what", tn);
		if (ev->u.timer.what == OBS_TIMER_SET)
			field_u(l, "deadline_ns", ns_of(t, ev->u.timer.deadline_cycles));
		break;
	case OBS_CONSOLE:
		if (l->json) {
			add(l, ",\"text\":\"");
			add_escaped(l, ev->u.console.bytes, ev->u.console.len);
			add(l, "\"");
		} else {
			add(l, " \"");
			add_escaped(l, ev->u.console.bytes, ev->u.console.len);
			add(l, "\"");
		}
		break;
	case OBS_VM_START:
		break;
	case OBS_VM_END:
		field_s(l, "state", vm_state_name((enum vm_state)ev->u.vm_end.state));
		if (ev->u.vm_end.state == VM_TERMINATED)
			field_u(l, "exit_code", ev->u.vm_end.exit_code);
		if (ev->u.vm_end.diag)
			field_s(l, "diag", ev->u.vm_end.diag);
		break;
	case OBS_INSN:
		insn_fields(t, l, ev);
		break;
	case OBS_SAMPLE:
	case OBS_KINDS:
		break;
	}
	(void)buf;
}

// Whether ev passes the VM filter (see evtrace.h).
static bool selected(const struct evtrace *t, const struct obs_event *ev)
{
	if (!t->cfg.vms)
		return true;
	if (ev->vm != OBS_NO_VM)
		return evtrace_vm_selected(&t->cfg, ev->vm);
	if (ev->kind == OBS_FRAME)
		return (ev->u.dev->u.frame.from_vm != DEVSET_NO_VM &&
			evtrace_vm_selected(&t->cfg, ev->u.dev->u.frame.from_vm)) ||
		       (ev->u.dev->u.frame.to_vm != DEVSET_NO_VM &&
			evtrace_vm_selected(&t->cfg, ev->u.dev->u.frame.to_vm));
	return false;
}

void evtrace_event(void *ctx, const struct obs_event *ev)
{
	struct evtrace *t = ctx;
	uint32_t cat = obs_kind_cat((enum obs_kind)ev->kind);
	if (!(t->cfg.cats & cat) || ev->time < t->cfg.from || ev->time >= t->cfg.to ||
	    !selected(t, ev))
		return;
	struct line l = { .json = t->cfg.json, .first = true };
	uint64_t ns = ns_of(t, ev->time);
	if (l.json) {
		add(&l, "{\"t_ns\":%" PRIu64 ",\"cycles\":%" PRIu64 ",\"machine\":%u", ns, ev->time,
		    ev->machine);
		if (ev->vm != OBS_NO_VM)
			add(&l, ",\"vm\":%u", ev->vm);
		add(&l, ",\"cat\":\"%s\",\"ev\":\"%s\"", obs_cat_name(cat),
		    obs_kind_name((enum obs_kind)ev->kind));
	} else {
		char who[32];
		if (ev->vm == OBS_NO_VM)
			snprintf(who, sizeof who, "m%u", ev->machine);
		else if (ev->machine)
			snprintf(who, sizeof who, "m%u vm %u", ev->machine, ev->vm);
		else
			snprintf(who, sizeof who, "vm %u", ev->vm);
		add(&l, "%" PRIu64 ".%09" PRIu64 " %-9s %-7s %s", ns / 1000000000u, ns % 1000000000u,
		    who, obs_cat_name(cat), obs_kind_name((enum obs_kind)ev->kind));
	}
	fields(t, &l, ev);
	add(&l, l.json ? "}\n" : "\n");
	if (l.at + 1 >= sizeof l.b) // cut: keep it one line (and valid JSON)
		l.at = (size_t)snprintf(l.b, sizeof l.b, l.json ? "{\"t_ns\":%" PRIu64 ",\"machine\":%u,\"ev\":\"%s\","
								  "\"cut\":true}\n"
								: "%" PRIu64 " m%u %s (line too long)\n",
					ns, ev->machine, obs_kind_name((enum obs_kind)ev->kind));
	hub_write(t->cfg.hub, ev->machine, ev->time, t->cfg.stream, l.b, l.at);
}
