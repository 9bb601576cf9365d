// SPDX-License-Identifier: MIT
// The event stream (obs.h): emitting, names for traces, and parsing category lists.
// Event sites live next to what they report (kernel.c, intr.c, pio.c, timer.c, mem.c,
// physmem.c, gatekeeper.c, devhost.c); kernel_observe (kernel.c) attaches an observer.
#include "vmm/obs.h"

#include <stdio.h>
#include <string.h>

// The union of the subscribers' categories and the shortest sample period.
static void recompute(struct obs *o)
{
	o->cats = 0;
	o->sample_cycles = 0;
	for (uint32_t i = 0; i < o->nsubs; i++) {
		const struct obs_sub *s = &o->subs[i];
		o->cats |= s->cats;
		if ((s->cats & OBS_CAT_SAMPLE) &&
		    (!o->sample_cycles || s->sample_cycles < o->sample_cycles))
			o->sample_cycles = s->sample_cycles;
	}
}

int obs_subscribe(struct obs *o, const struct obs_sub *sub)
{
	if (o->nsubs == OBS_MAX_SUBS || !sub->fn ||
	    ((sub->cats & OBS_CAT_SAMPLE) && !sub->sample_cycles))
		return -1;
	o->subs[o->nsubs++] = *sub;
	recompute(o);
	return 0;
}

void obs_unsubscribe(struct obs *o, const void *ctx)
{
	uint32_t j = 0;
	for (uint32_t i = 0; i < o->nsubs; i++)
		if (o->subs[i].ctx != ctx)
			o->subs[j++] = o->subs[i];
	o->nsubs = j;
	recompute(o);
}

void obs_emit(const struct obs *o, struct obs_event *ev)
{
	ev->machine = o->machine;
	uint32_t cat = obs_kind_cat((enum obs_kind)ev->kind);
	for (uint32_t i = 0; i < o->nsubs; i++)
		if (o->subs[i].cats & cat)
			o->subs[i].fn(o->subs[i].ctx, ev);
}

bool obs_step(const struct obs *o, uint32_t vm, uint64_t now_cycles)
{
	for (uint32_t i = 0; i < o->nsubs; i++) {
		const struct obs_sub *s = &o->subs[i];
		if ((s->cats & OBS_CAT_INSN) && s->step && s->step(s->ctx, o->machine, vm, now_cycles))
			return true;
	}
	return false;
}

static const struct {
	uint32_t cat;
	const char *name;
} kinds[OBS_KINDS] = {
	[OBS_DISPATCH] = { OBS_CAT_SCHED, "dispatch" },
	[OBS_DESCHED] = { OBS_CAT_SCHED, "desched" },
	[OBS_IDLE] = { OBS_CAT_SCHED, "idle" },
	[OBS_WAKE] = { OBS_CAT_SCHED, "wake" },
	[OBS_IRQ_RAISE] = { OBS_CAT_IRQ, "raise" },
	[OBS_IRQ_DELIVER] = { OBS_CAT_IRQ, "deliver" },
	[OBS_EXCEPTION] = { OBS_CAT_EXC, "exception" },
	[OBS_PIO] = { OBS_CAT_PIO, "pio" },
	[OBS_FRAME] = { OBS_CAT_NET, "frame" },
	[OBS_COW] = { OBS_CAT_MEM, "cow" },
	[OBS_SWAP_OUT] = { OBS_CAT_MEM, "swap-out" },
	[OBS_SWAP_IN] = { OBS_CAT_MEM, "swap-in" },
	[OBS_ADMIT] = { OBS_CAT_MEM, "admit" },
	[OBS_DISK] = { OBS_CAT_DISK, "disk" },
	[OBS_TIMER] = { OBS_CAT_TIMER, "timer" },
	[OBS_CONSOLE] = { OBS_CAT_CONSOLE, "console" },
	[OBS_VM_START] = { OBS_CAT_VM, "start" },
	[OBS_VM_END] = { OBS_CAT_VM, "end" },
	[OBS_SAMPLE] = { OBS_CAT_SAMPLE, "sample" },
	[OBS_INSN] = { OBS_CAT_INSN, "insn" },
};

uint32_t obs_kind_cat(enum obs_kind kind)
{
	return kind > 0 && kind < OBS_KINDS ? kinds[kind].cat : 0;
}

const char *obs_kind_name(enum obs_kind kind)
{
	return kind > 0 && kind < OBS_KINDS ? kinds[kind].name : "?";
}

static const char *const cat_names[] = { "sched", "irq", "exc", "pio", "net", "mem", "disk",
					 "timer", "console", "vm", "sample", "insn" };
#define NCATS (sizeof cat_names / sizeof cat_names[0])

const char *obs_cat_name(uint32_t cat)
{
	for (unsigned i = 0; i < NCATS; i++)
		if (cat == 1u << i)
			return cat_names[i];
	return "?";
}

int obs_cats_parse(const char *s, uint32_t *mask, char *why, size_t whylen)
{
	*mask = 0;
	if (!*s) {
		snprintf(why, whylen, "no category (e.g. sched,irq; or all)");
		return -1;
	}
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		uint32_t bit = 0;
		if (n == 3 && !strncmp(s, "all", 3))
			bit = OBS_CAT_ALL & ~(uint32_t)OBS_CAT_SAMPLE; // samples are not events to read
		for (unsigned i = 0; i < NCATS && !bit; i++)
			if (strlen(cat_names[i]) == n && !strncmp(s, cat_names[i], n))
				bit = 1u << i;
		if (!bit || (bit == OBS_CAT_SAMPLE)) {
			snprintf(why, whylen, "unknown category '%.*s' (sched, irq, exc, pio, net, mem, "
					      "disk, timer, console, vm, insn, all)",
				 (int)(n > 40 ? 40 : n), s);
			return -1;
		}
		*mask |= bit;
		s += n;
		if (*s == ',') {
			s++;
			if (!*s) {
				snprintf(why, whylen, "empty category after ','");
				return -1;
			}
		}
	}
	return 0;
}

const char *obs_desched_name(enum obs_desched why)
{
	static const char *const n[] = { "quantum end", "preempted", "idle", "swap wait",
					 "ended", "run stopped" };
	return (unsigned)why < sizeof n / sizeof n[0] ? n[why] : "?";
}

const char *obs_wake_name(enum obs_wake cause)
{
	static const char *const n[] = { "timeout", "interrupt", "swap read done" };
	return (unsigned)cause < sizeof n / sizeof n[0] ? n[cause] : "?";
}

const char *obs_dev_name(enum obs_dev dev)
{
	static const char *const n[] = { "unknown", "console", "timer", "results", "nic",
					 "disk", "console-in" };
	return (unsigned)dev < sizeof n / sizeof n[0] ? n[dev] : "?";
}
