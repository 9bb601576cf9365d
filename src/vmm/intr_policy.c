// SPDX-License-Identifier: MIT
// Interrupt delivery policies (batched, sync, coalesce, adaptive), their parser and
// formatter: when a VM's pending interrupts are ready. Pure functions of struct intr_vm;
// delivery itself (raise, vregs, upcall frames) is intr.c, the latency histogram hist.c.
// See intr.h for each policy's rule.
#include "vmm/intr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool ready_now(const struct intr_vm *s, uint64_t now)
{
	(void)now;
	return s->pending != 0;
}

static uint64_t never(const struct intr_vm *s)
{
	(void)s;
	return UINT64_MAX;
}

static void nothing(struct intr_vm *s, uint64_t now)
{
	(void)s;
	(void)now;
}

// Coalescing: ready when cur_n raises are pending or t passed since the oldest.
static bool ready_coalesce(const struct intr_vm *s, uint64_t now)
{
	if (!s->pending)
		return false;
	return s->count >= s->cur_n || now - s->first_cycles >= s->t_cycles;
}

static uint64_t at_coalesce(const struct intr_vm *s)
{
	if (!s->pending)
		return UINT64_MAX;
	uint64_t at = s->first_cycles + s->t_cycles;
	return at < s->first_cycles ? UINT64_MAX : at;
}

// Adaptive: a delivery less than t after the previous one means a high rate (double
// the threshold, up to n); more than 4t after it a low rate (halve it, down to 1).
static void adapt(struct intr_vm *s, uint64_t now)
{
	uint64_t gap = now - s->last_delivery;
	if (s->last_delivery && gap < s->t_cycles) {
		if (s->cur_n < UINT32_MAX / 2)
			s->cur_n *= 2;
	} else if (gap / 4 > s->t_cycles && s->cur_n > 1) {
		s->cur_n /= 2;
	}
	s->last_delivery = now;
}

static const struct intr_ops ops[INTR_KINDS] = {
	[INTR_BATCHED] = { "batched", ready_now, never, nothing, false },
	[INTR_SYNC] = { "sync", ready_now, never, nothing, true },
	[INTR_COALESCE] = { "coalesce", ready_coalesce, at_coalesce, nothing, false },
	[INTR_ADAPTIVE] = { "adaptive", ready_coalesce, at_coalesce, adapt, false },
};

const struct intr_ops *intr_ops(enum intr_kind kind)
{
	return &ops[kind < INTR_KINDS ? kind : INTR_BATCHED];
}

void intr_vm_init(struct intr_vm *s, const struct intr_policy *p, uint64_t t_cycles)
{
	memset(s, 0, sizeof *s);
	s->policy = p->kind;
	s->t_cycles = t_cycles;
	s->cur_n = p->kind == INTR_ADAPTIVE ? 1 : p->n ? p->n : 1;
}

// Parses "<integer><unit>" with unit ns, us, ms or s into ns.
static int parse_time(const char *s, uint64_t *ns)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mul;
	if (!strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "us"))
		mul = 1000;
	else if (!strcmp(end, "ms"))
		mul = 1000000;
	else if (!strcmp(end, "s"))
		mul = 1000000000;
	else
		return -1;
	if (errno || v > UINT64_MAX / 2 / mul)
		return -1;
	*ns = v * mul;
	return 0;
}

int intr_policy_parse(const char *s, struct intr_policy *p, char *why, size_t whylen)
{
	memset(p, 0, sizeof *p);
	if (!strcmp(s, "batched")) {
		p->kind = INTR_BATCHED;
		return 0;
	}
	if (!strcmp(s, "sync")) {
		p->kind = INTR_SYNC;
		return 0;
	}
	const char *rest;
	if (!strncmp(s, "coalesce", 8)) {
		p->kind = INTR_COALESCE;
		p->n = 8;
		rest = s + 8;
	} else if (!strncmp(s, "adaptive", 8)) {
		p->kind = INTR_ADAPTIVE;
		p->n = 16;
		rest = s + 8;
	} else {
		snprintf(why, whylen, "unknown policy (batched, sync, coalesce:N:T or adaptive:N:T)");
		return -1;
	}
	p->t_ns = 50000;
	if (*rest == '\0')
		return 0;
	if (*rest != ':')
		goto form;
	char *end;
	errno = 0;
	if (rest[1] < '0' || rest[1] > '9')
		goto form;
	unsigned long n = strtoul(rest + 1, &end, 10);
	if (errno || n == 0 || n > 1000000 || *end != ':')
		goto form;
	uint64_t t;
	if (parse_time(end + 1, &t) != 0 || t == 0)
		goto form;
	p->n = (uint32_t)n;
	p->t_ns = t;
	return 0;
form:
	snprintf(why, whylen, "expected %s:N:T with N 1..1000000 and T > 0 "
		 "such as 50us", p->kind == INTR_COALESCE ? "coalesce" : "adaptive");
	return -1;
}

void intr_policy_format(const struct intr_policy *p, char *buf, size_t len)
{
	const char *name = intr_ops(p->kind)->name;
	if (p->kind == INTR_COALESCE || p->kind == INTR_ADAPTIVE)
		snprintf(buf, len, "%s:%" PRIu32 ":%" PRIu64 "ns", name, p->n, p->t_ns);
	else
		snprintf(buf, len, "%s", name);
}
