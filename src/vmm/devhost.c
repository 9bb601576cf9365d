// SPDX-License-Identifier: MIT
// Host callbacks for the devices (devhost.h): time, interrupts and guest memory, all
// through the kernel. Device times are ns; kernel times are cycles, and a
// device's wish to run at t_ns becomes a KEV_DEVICE event at kernel_ns_to_cycles(t_ns)
// (rounded up, so at that cycle the device sees a time >= t_ns). Spurious device events
// are harmless: devset_run does whatever is due and nothing else. Once every VM has
// ended no more device events are queued, so a long trace does not keep the run going.
#include "vmm/devhost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "denali/abi.h"
#include "vmm/kernel.h"

struct devhost {
	struct devset *set;
	uint64_t last_at;  // cycles of the last KEV_DEVICE pushed, while it may be queued
	bool last_queued;
	bool uplink;       // several machines: frames may still leave for the others
	// A machine that ran in another process (devhost_import_stats): no devices here,
	// only the counters it ended with.
	bool imported;
	struct devset_stats in;
};

static uint64_t now_ns(const struct kernel *k)
{
	return kernel_cycles_to_ns(&k->cfg, k->now);
}

uint64_t devhost_due(const struct kernel_config *cfg, uint64_t now, uint64_t t_ns)
{
	uint64_t at = kernel_ns_to_cycles(cfg, t_ns);
	if (at >= KERNEL_TIME_HORIZON)
		return UINT64_MAX;
	return at < now ? now : at;
}

static void host_schedule(void *ctx, uint64_t t_ns)
{
	struct kernel *k = ctx;
	struct devhost *h = k->dev;
	if (!k->live && !(h && h->uplink))
		return; // every VM has ended: device work can change nothing any more
	uint64_t at = devhost_due(&k->cfg, k->now, t_ns);
	if (at == UINT64_MAX)
		return; // beyond the end of simulated time (kernel.h)
	if (h && h->last_queued && h->last_at == at)
		return; // that event will call devset_run at this time anyway
	if (evq_push(&k->evq, at, KEV_DEVICE, 0, 0) == UINT64_MAX) {
		k->host_oom = true; // the device work waits for the next PIO or event
		return;
	}
	if (h) {
		h->last_at = at;
		h->last_queued = true;
	}
}

// The devices' reports (devset_observe), forwarded into the event stream.
static void host_event(void *ctx, const struct devset_event *d)
{
	struct kernel *k = ctx;
	uint32_t cat = d->kind == DEVSET_EV_FRAME ? OBS_CAT_NET : OBS_CAT_DISK;
	if (!obs_on(&k->obs, cat))
		return;
	struct obs_event ev = { .time = k->now, .kind = d->kind == DEVSET_EV_FRAME ? OBS_FRAME : OBS_DISK };
	ev.vm = d->vm == DEVSET_NO_VM ? OBS_NO_VM : d->vm;
	ev.u.dev = d;
	obs_emit(&k->obs, &ev);
}

void devhost_observe(struct kernel *k, bool on)
{
	if (k->dev && k->dev->set)
		devset_observe(k->dev->set, on);
}

static void host_raise_irq(void *ctx, uint32_t vm_id, unsigned line)
{
	intr_raise(ctx, vm_id, line);
}

// The timer's deadline: a KEV_TIMER event for the VM, tagged with the timer's
// generation; the kernel's event loop calls timer_fire (kernel.c process_events).
static int host_timer_at(void *ctx, uint32_t vm_id, uint64_t t_ns, uint64_t tag)
{
	struct kernel *k = ctx;
	uint64_t at = kernel_ns_to_cycles(&k->cfg, t_ns);
	if (at >= KERNEL_TIME_HORIZON)
		return -1; // never fires (kernel.h)
	if (at < k->now)
		at = k->now;
	// Chaos: the deadline fires a little late (chaos.h).
	at += chaos_draw(&k->chaos, CHAOS_TIMER,
			 kernel_ns_to_cycles(&k->cfg, CHAOS_TIMER_LATENCY_NS));
	if (evq_push(&k->evq, at, KEV_TIMER, vm_id, tag) == UINT64_MAX) {
		k->host_oom = true; // the timer never fires
		return -1;
	}
	if (obs_on(&k->obs, OBS_CAT_TIMER))
		devhost_timer_event(k, vm_id, OBS_TIMER_SET, at);
	return 0;
}

void devhost_timer_event(struct kernel *k, uint32_t vm_id, enum obs_timer what,
			 uint64_t deadline_cycles)
{
	struct obs_event ev = { .time = k->now, .vm = vm_id, .kind = OBS_TIMER };
	ev.u.timer.what = (uint8_t)what;
	ev.u.timer.deadline_cycles = deadline_cycles;
	obs_emit(&k->obs, &ev);
}

// The VM's memory, or NULL when it has none (not started, or ended).
static struct mem *vm_mem(struct kernel *k, uint32_t vm_id)
{
	if (vm_id >= k->cfg.nvms || !k->vms[vm_id].has_mem)
		return NULL;
	return &k->vms[vm_id].mem;
}

static int host_copyin(void *ctx, uint32_t vm_id, void *dst, uint32_t addr, uint32_t len)
{
	struct mem *m = vm_mem(ctx, vm_id);
	return m ? mem_copyin(m, dst, addr, len) : -1;
}

static int host_copyout(void *ctx, uint32_t vm_id, uint32_t addr, const void *src,
			uint32_t len)
{
	struct mem *m = vm_mem(ctx, vm_id);
	return m ? mem_copyout(m, addr, src, len) : -1;
}

void devhost_iface(struct kernel *k, struct devset_host *hi)
{
	*hi = (struct devset_host){
		.schedule = host_schedule,
		.raise_irq = host_raise_irq,
		.copyin = host_copyin,
		.copyout = host_copyout,
		.event = host_event,
		.ctx = k,
		.timer_at = host_timer_at,
	};
}

int devhost_attach(struct kernel *k, const struct devset_config *cfg, char *err,
		   size_t errlen)
{
	struct devhost *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "devices: out of memory");
		return -1;
	}
	struct devset_config c = *cfg;
	c.nvms = k->cfg.nvms;
	h->uplink = c.uplink != NULL;
	struct devset_host hi;
	devhost_iface(k, &hi);
	// devset_new may schedule (the first replayed frame): k->dev must be set by then.
	k->dev = h;
	if (devset_new(&h->set, &c, &hi, err, errlen) != 0) {
		k->dev = NULL;
		free(h);
		return -1;
	}
	devset_observe(h->set, k->obs.cats != 0); // observers may come before the devices
	return 0;
}

int devhost_detach(struct kernel *k, char *err, size_t errlen)
{
	struct devhost *h = k->dev;
	if (!h)
		return 0;
	int rc = h->set ? devset_free(h->set, err, errlen) : 0;
	free(h);
	k->dev = NULL;
	return rc;
}

uint64_t devhost_pio(struct kernel *k, struct vm *vm)
{
	struct devhost *h = k->dev;
	uint16_t port = vm->cpu.pio.port;
	if (!h || ((port < DEVHOST_PORT_FIRST || port > DEVHOST_PORT_LAST) &&
		   port != DENALI_PORT_CONSOLE_READ))
		return 0;
	uint32_t regs[8];
	memcpy(regs, vm->cpu.r, sizeof regs); // the same x86 order (DEVSET_EAX..DEVSET_EDI)
	uint32_t n = devset_pio(h->set, vm->id, port, regs, now_ns(k));
	if (n == 0)
		return 0;
	// The whole of EAX is set, whatever the access size (like the console PIO).
	vm->cpu.r[CPU_EAX] = regs[DEVSET_EAX];
	vm->cpu.r[CPU_ECX] = regs[DEVSET_ECX];
	return (uint64_t)n * k->cfg.pio_cycles;
}

void devhost_run(struct kernel *k)
{
	struct devhost *h = k->dev;
	if (!h)
		return;
	if (h->last_queued && k->now >= h->last_at)
		h->last_queued = false; // it is being processed now
	devset_run(h->set, now_ns(k));
}

int devhost_link_in(struct kernel *k, const uint8_t *frame, uint32_t len, uint64_t t_ns,
		    uint32_t src, uint64_t seq)
{
	return k->dev ? devset_link_in(k->dev->set, frame, len, t_ns, src, seq) : -1;
}

void devhost_vregs(struct kernel *k, struct vm *vm)
{
	if (!k->dev)
		return;
	struct denali_vregs *v = mem_vregs(&vm->mem);
	uint8_t mac[6];
	uint32_t ip;
	devset_vregs(k->dev->set, vm->id, mac, &ip);
	memcpy(v->mac, mac, sizeof mac);
	v->ipv4 = ip;
}

void devhost_vm_ended(struct kernel *k, uint32_t vm_id)
{
	if (k->dev)
		devset_vm_ended(k->dev->set, vm_id);
}

uint64_t devhost_rx_queued(const struct kernel *k, uint32_t vm_id)
{
	if (!k->dev || k->dev->imported)
		return 0;
	const struct nic_stats *n = devset_nic_stats(k->dev->set, vm_id);
	return n ? n->rx_queued : 0;
}

bool devhost_capture_sync(const struct kernel *k, uint64_t *bytes, uint64_t *frames)
{
	return k->dev && !k->dev->imported && devset_capture_sync(k->dev->set, bytes, frames);
}

bool devhost_stats(const struct kernel *k, struct devset_stats *st)
{
	if (!k->dev) {
		memset(st, 0, sizeof *st);
		return false;
	}
	if (k->dev->imported)
		*st = k->dev->in;
	else
		devset_stats(k->dev->set, st);
	return true;
}

bool devhost_host_mem(const struct kernel *k, struct devset_mem *m)
{
	if (!k->dev || !k->dev->set) { // none, or a machine that ran elsewhere (imported)
		memset(m, 0, sizeof *m);
		return false;
	}
	devset_host_mem(k->dev->set, m);
	m->other += sizeof *k->dev;
	return true;
}

int devhost_import_stats(struct kernel *k, const struct devset_stats *st)
{
	if (k->dev)
		return -1; // a machine with devices here ran here
	struct devhost *h = calloc(1, sizeof *h);
	if (!h)
		return -1;
	h->imported = true;
	h->in = *st;
	k->dev = h;
	return 0;
}

// --- checkpoints (kernel_ckpt.c) ----------------------------------------------------

int devhost_ckpt_save(const struct kernel *k, struct pack *b, char *err, size_t errlen)
{
	const struct devhost *h = k->dev;
	pack_u8(b, h != NULL);
	if (!h)
		return 0;
	if (h->imported) {
		snprintf(err, errlen, "checkpoint: machine %u ran in another process",
			 k->cfg.machine_id);
		return -1;
	}
	pack_u64(b, h->last_at);
	pack_u8(b, h->last_queued);
	struct devstate_w w = { 0 };
	if (devset_ckpt_save(h->set, &w, err, errlen) != 0) {
		devstate_w_free(&w);
		return -1;
	}
	pack_u64(b, w.len);
	pack_raw(b, w.p, w.len);
	devstate_w_free(&w);
	return 0;
}

int devhost_ckpt_load(struct kernel *k, struct unpack *u)
{
	struct devhost *h = k->dev;
	bool has = unpack_u8(u) != 0;
	if (u->bad || has != (h != NULL))
		return -1;
	if (!h)
		return 0;
	if (h->imported)
		return -1;
	h->last_at = unpack_u64(u);
	h->last_queued = unpack_u8(u) != 0;
	uint64_t n = unpack_u64(u);
	if (u->bad || n > u->len - u->off)
		return -1;
	struct devstate_r r = { .p = u->p + u->off, .len = (size_t)n };
	u->off += (size_t)n;
	return devset_ckpt_load(h->set, &r);
}
