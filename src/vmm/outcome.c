// SPDX-License-Identifier: MIT
// A machine's outcome between processes (outcome.h). Layout, in order: a fingerprint
// (sizes of the raw structs), nvms, now, end, live, host_oom, the kernel statistics
// (raw), per VM its state, exit code, instructions, cycles, PIO counters, slices,
// console total, kept console bytes and diagnostic; what the live VMs waited for at the
// end (postmortem_wait, when the machine had live VMs then); the results (per entry name, kind,
// count, sum, histogram); the memory model's statistics and swap disk (raw) when it
// has one; the device counters (raw) when it has devices.
#include "vmm/outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/console_out.h"
#include "vmm/devhost.h"
#include "vmm/physmem.h"
#include "vmm/postmortem.h"

// The raw structs' sizes: another build (another layout) gives another fingerprint.
static uint64_t fingerprint(void)
{
	return (uint64_t)sizeof(struct kernel_stats) << 40 ^
	       (uint64_t)sizeof(struct hist) << 24 ^
	       (uint64_t)sizeof(struct physmem_stats) << 16 ^
	       (uint64_t)sizeof(struct swapdisk) << 8 ^ sizeof(struct devset_stats);
}

void outcome_pack(const struct kernel *k, struct pack *b)
{
	pack_u64(b, fingerprint());
	pack_u32(b, k->cfg.nvms);
	pack_u64(b, k->now);
	pack_u32(b, k->end);
	pack_u32(b, k->live);
	pack_u8(b, k->host_oom);
	pack_raw(b, &k->stats, sizeof k->stats);
	for (uint32_t i = 0; i < k->cfg.nvms; i++) {
		const struct vm *vm = &k->vms[i];
		pack_u8(b, vm->state);
		pack_u32(b, vm->exit_code);
		pack_u64(b, vm->cpu.retired);
		pack_u64(b, vm->cpu.cycles);
		pack_u64(b, vm->pios);
		pack_u64(b, vm->pios_unknown);
		pack_u64(b, vm->slices);
		const struct console_out_vm *con = kernel_console(k, i);
		pack_u64(b, con->total);
		pack_bytes(b, con->bytes, con->len);
		pack_bytes(b, vm->diag, vm->diag ? (uint32_t)strlen(vm->diag) : 0);
	}
	pack_u8(b, k->waits != NULL);
	for (uint32_t i = 0; k->waits && i < k->cfg.nvms; i++) {
		const struct postmortem_wait *w = &k->waits[i];
		pack_u32(b, w->eip);
		pack_u32(b, w->esp);
		pack_u32(b, w->ebp);
		pack_u32(b, w->ret);
		pack_u8(b, w->kind);
		pack_u8(b, (uint8_t)(w->int_enable | w->handler << 1 | w->devices << 2));
		pack_u32(b, w->pending);
		pack_u64(b, w->wake_cycles);
		pack_u64(b, w->timer_cycles);
	}
	const struct results *r = &k->results;
	pack_u32(b, r->n);
	pack_u64(b, r->rejected);
	for (uint32_t i = 0; i < r->n; i++) {
		const struct results_entry *e = &r->e[i];
		pack_bytes(b, e->name, (uint32_t)strlen(e->name));
		pack_u8(b, e->kind);
		pack_u64(b, e->count);
		pack_u64(b, e->sum);
		pack_u8(b, e->hist != NULL);
		if (e->hist)
			pack_raw(b, e->hist, sizeof *e->hist);
	}
	pack_u8(b, k->pm != NULL);
	if (k->pm) {
		pack_raw(b, &k->pm->stats, sizeof k->pm->stats);
		pack_raw(b, &k->pm->disk, sizeof k->pm->disk);
	}
	struct devset_stats ds;
	bool dev = devhost_stats(k, &ds);
	pack_u8(b, dev);
	if (dev)
		pack_raw(b, &ds, sizeof ds);
}

static int bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "a machine's outcome from another process: %s", what);
	return -1;
}

static int unpack_vm(struct kernel *k, uint32_t id, struct unpack *u)
{
	struct vm *vm = &k->vms[id];
	vm->state = unpack_u8(u);
	vm->exit_code = unpack_u32(u);
	vm->cpu.retired = unpack_u64(u);
	vm->cpu.cycles = unpack_u64(u);
	vm->pios = unpack_u64(u);
	vm->pios_unknown = unpack_u64(u);
	vm->slices = unpack_u64(u);
	uint64_t total = unpack_u64(u);
	uint32_t n;
	const uint8_t *con = unpack_bytes(u, k->cfg.console_cap, &n);
	if (u->bad)
		return 0;
	if (n > total) { // more kept than written: damaged
		u->bad = true;
		return 0;
	}
	if (console_out_restore(k->con, id, con, n, total) != 0)
		return -1;
	const uint8_t *diag = unpack_bytes(u, 1u << 16, &n);
	if (diag && n) {
		if (!(vm->diag = malloc(n + 1)))
			return -1;
		memcpy(vm->diag, diag, n);
		vm->diag[n] = '\0';
	}
	return 0;
}

// What the live VMs waited for at the end (postmortem.h), when the machine had any.
static int unpack_waits(struct kernel *k, struct unpack *u)
{
	if (!unpack_u8(u) || u->bad)
		return 0;
	if (!(k->waits = calloc(k->cfg.nvms ? k->cfg.nvms : 1, sizeof *k->waits)))
		return -1;
	for (uint32_t i = 0; i < k->cfg.nvms && !u->bad; i++) {
		struct postmortem_wait *w = &k->waits[i];
		w->eip = unpack_u32(u);
		w->esp = unpack_u32(u);
		w->ebp = unpack_u32(u);
		w->ret = unpack_u32(u);
		w->kind = unpack_u8(u);
		uint8_t f = unpack_u8(u);
		w->int_enable = f & 1;
		w->handler = f >> 1 & 1;
		w->devices = f >> 2 & 1;
		w->pending = unpack_u32(u);
		w->wake_cycles = unpack_u64(u);
		w->timer_cycles = unpack_u64(u);
	}
	return 0;
}

// The results' entries, in order. Returns -1 when out of host memory; damage sets
// u->bad.
static int unpack_results(struct kernel *k, struct unpack *u)
{
	struct results *r = &k->results;
	uint32_t n = unpack_u32(u);
	r->rejected = unpack_u64(u);
	if ((uint64_t)n > (uint64_t)k->cfg.nvms * DENALI_STATS_PER_VM) {
		u->bad = true;
		return 0;
	}
	for (uint32_t i = 0; i < n && !u->bad; i++) {
		char name[DENALI_STAT_NAME_MAX + 1] = "";
		uint32_t len;
		const uint8_t *p = unpack_bytes(u, DENALI_STAT_NAME_MAX, &len);
		if (p)
			memcpy(name, p, len);
		uint8_t kind = unpack_u8(u);
		uint64_t count = unpack_u64(u), sum = unpack_u64(u);
		struct hist h, *hp = NULL;
		if (unpack_u8(u)) {
			unpack_raw(u, &h, sizeof h);
			hp = &h;
		}
		if (!u->bad && results_restore(r, name, kind, count, sum, hp) != 0)
			u->bad = true; // a bad or repeated entry (memory is all but never short here)
	}
	return 0;
}

int outcome_unpack(struct kernel *k, struct unpack *u, char *err, size_t errlen)
{
	if (k->ran || k->dev || k->stats.dispatches)
		return bad(err, errlen, "the kernel to fill has run or has devices (our bug)");
	if (unpack_u64(u) != fingerprint())
		return bad(err, errlen, "it comes from another build of denali");
	if (unpack_u32(u) != k->cfg.nvms)
		return bad(err, errlen, "another number of VMs");
	k->now = unpack_u64(u);
	k->end = (enum kernel_end)unpack_u32(u);
	k->live = unpack_u32(u);
	k->host_oom = unpack_u8(u);
	unpack_raw(u, &k->stats, sizeof k->stats);
	for (uint32_t i = 0; i < k->cfg.nvms && !u->bad; i++)
		if (unpack_vm(k, i, u) != 0)
			return bad(err, errlen, "out of memory");
	if (unpack_waits(k, u) != 0 || unpack_results(k, u) != 0)
		return bad(err, errlen, "out of memory");
	if (unpack_u8(u)) {
		if (!k->pm)
			return bad(err, errlen, "a memory model this process does not have");
		unpack_raw(u, &k->pm->stats, sizeof k->pm->stats);
		unpack_raw(u, &k->pm->disk, sizeof k->pm->disk);
	}
	struct devset_stats ds;
	bool dev = unpack_u8(u);
	if (dev)
		unpack_raw(u, &ds, sizeof ds);
	if (u->bad)
		return bad(err, errlen, "damaged or cut short");
	if (dev && devhost_import_stats(k, &ds) != 0)
		return bad(err, errlen, "out of memory");
	// Ended there: kernel_finish and kernel_run_until leave it alone here.
	k->ran = true;
	k->running = -1;
	return 0;
}
